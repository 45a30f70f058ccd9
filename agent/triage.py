"""Triage: many saved reports at once, for a help desk (``cvpn-doctor triage PATH...``).

Inputs, in any mix: ``report.json`` files (what ``--json`` / ``--json-file`` wrote), bundles
(``.zip``, read for their ``report.json``), zips of either (one level of nesting), and
folders of all of these (walked recursively, hidden entries and symlinked folders skipped;
in a folder only ``*.json`` and ``*.zip`` are read).

Streaming: one report is read, reduced to a flat :class:`Record` and dropped before the
next is read; the per-report formats (CSV, JSON Lines) are written as they go.  What stays
in memory is the counters, one id per report (to spot the same report met twice) and, per
finding code, at most ``max_ids`` report ids (all of them with ``max_ids=0``).

Reports are never misread: a report is counted only when its ``schema_version`` is
``MAJOR.MINOR`` with the major version this cvpn-doctor reads (a minor version only adds
fields, so 1.0 and a newer 1.y are both read) and every field triage uses has the type the
contract gives it.  Anything else is listed, with the reason, as *unsupported* (another
major version) or *unreadable* (not JSON, not a cvpn-doctor report, a field of the wrong
type, too large, a broken zip), and left out of every count.

Reports are named by their own ``report_id`` (a random UUID since schema 1.1); a 1.0 report
has none and is named ``sha256:<16 hex>`` of its bytes.  No output carries a user name, a
host name, an address or a domain: the record's fields are listed in :data:`FIELDS`
(``source`` is the path the help desk gave triage, plus ``!member`` inside a zip).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import stat
import textwrap
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

from agent.model import SCHEMA_VERSION

READ_MAJOR, READ_MINOR = (int(x) for x in SCHEMA_VERSION.split("."))
MAX_REPORT_BYTES = 64 * 1024 * 1024      # a report with 100,000 routes is ~30 MB
MAX_NESTED_ZIP_BYTES = 256 * 1024 * 1024
MAX_ZIP_DEPTH = 2                        # a zip of bundles: yes; deeper: no
MAX_PROBLEMS_KEPT = 1000                 # problems listed in the summary (all are counted)
MAX_VALUE_CHARS = 120                    # a value from a report, as shown (reports are untrusted input)
CLIENT_LOG_SCAN = 16 * 1024              # the OpenVPN banner is on the log's first lines

# (field, meaning) of one flat record, in output order: the CSV header, the JSON Lines keys
# and what --json-line prints (without the triage-only fields).  README "Triage" documents them.
FIELDS: tuple[tuple[str, str], ...] = (
    ("report_id", "the report's own id (UUID); sha256:<16 hex> of the file for a schema 1.0 report"),
    ("status", "ok (counted), duplicate (same report_id met before), unsupported (another schema "
               "major version), unreadable (not a readable cvpn-doctor report)"),
    ("reason", "why a report was not counted (empty when status is ok)"),
    ("source", "where triage found it: the path given, plus !member inside a zip"),
    ("schema_version", "the report's schema version"),
    ("generated_at", "when the report was made (UTC, ISO 8601)"),
    ("tool_version", "the cvpn-doctor version that made it"),
    ("platform", "linux, macos or windows"),
    ("os", "the OS release (e.g. Ubuntu 24.04 LTS, macOS 14.5)"),
    ("vpn_client", "the VPN client, from where its log was found (AWS VPN Client, Tunnelblick, "
                   "OpenVPN Connect) or OpenVPN when only the log's banner says"),
    ("openvpn_version", "the OpenVPN version in the VPN log's banner"),
    ("verdict", "healthy, degraded, broken, not-connected (or a value of a newer minor schema)"),
    ("scenario", "the scenario id (S1-local-dns, S2-custom-dns-split, ...)"),
    ("codes", "the finding codes, in report order (CSV: separated by spaces)"),
    ("errors", "number of error-severity findings"),
    ("warnings", "number of warning-severity findings"),
    ("infos", "number of info-severity findings"),
    ("tunnel", "is a VPN tunnel up: observed, absent or not-captured (schema 1.1+)"),
    ("tunnel_mode", "full, split, none or unknown"),
    ("custom_dns", "does the VPN give this machine DNS servers: observed, absent or not-captured (schema 1.1+)"),
    ("unknowns", "what the report could not tell, by topic (tunnel, pushed-dns, resolvers, ...; CSV: "
                 "separated by spaces)"),
    ("captured", "the kinds of evidence the report holds (interfaces, routes, dns-global, vpn-log, ...; CSV: "
                 "separated by spaces)"),
    ("endpoint_id", "the Client VPN endpoint id from the profile (cvpn-endpoint-...)"),
    ("region", "the endpoint's AWS region from the profile"),
    ("analyzed", "true when the report is an offline re-analysis (cvpn-doctor analyze)"),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)
TRIAGE_ONLY = ("status", "reason", "source")     # not in a --json-line record


class Status(str, Enum):
    OK = "ok"
    DUPLICATE = "duplicate"
    UNSUPPORTED = "unsupported"
    UNREADABLE = "unreadable"


class OutputFormat(str, Enum):
    TABLE = "table"
    CSV = "csv"
    JSONL = "jsonl"
    MARKDOWN = "markdown"
    JSON = "json"


class NotReadable(Exception):
    """A report that must not be counted; ``status`` says how, the message why."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# --------------------------------------------------------------------------- one report


def _clip(value: str) -> str:
    """A value from an untrusted report as it may be shown: printable, one line, bounded."""
    if len(value) <= MAX_VALUE_CHARS and value.isprintable():
        return value
    value = "".join(c if c.isprintable() else "?" for c in value[:MAX_VALUE_CHARS + 1])
    return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS - 3] + "..."


def _get(doc: Any, *path: str, kind: type | tuple[type, ...] = str, optional: bool = True) -> Any:
    """doc[path...] checked for ``kind``; None when absent (and optional) or null."""
    cur = doc
    for i, key in enumerate(path):
        if not isinstance(cur, dict):
            raise NotReadable(Status.UNREADABLE, f"{'.'.join(path[:i]) or 'the report'} is not an object")
        cur = cur.get(key)
        if cur is None:
            if optional:
                return None
            raise NotReadable(Status.UNREADABLE, f"missing field {'.'.join(path)}")
    if not isinstance(cur, kind) or (kind is int and isinstance(cur, bool)):
        raise NotReadable(Status.UNREADABLE, f"field {'.'.join(path)} has the wrong type "
                                             f"({type(cur).__name__})")
    return cur


def check_schema(doc: Any) -> str:
    """The report's schema_version when this cvpn-doctor reads it; raises NotReadable otherwise."""
    if not isinstance(doc, dict):
        raise NotReadable(Status.UNREADABLE, "not a cvpn-doctor report (the JSON is not an object)")
    tool = doc.get("tool")
    is_ours = (isinstance(tool, dict) and tool.get("name") == "cvpn-doctor") or \
        {"snapshot", "scenario", "verdict", "tool"} <= doc.keys()
    if not is_ours:
        raise NotReadable(Status.UNREADABLE, "not a cvpn-doctor report")
    version = doc.get("schema_version")
    m = re.fullmatch(r"(\d{1,4})\.(\d{1,4})", version) if isinstance(version, str) else None
    if m is None:
        raise NotReadable(Status.UNSUPPORTED, f"schema_version {_clip(repr(version))} is not MAJOR.MINOR")
    major = int(m.group(1))
    if major != READ_MAJOR:
        newer = "newer: read it with a newer cvpn-doctor" if major > READ_MAJOR else "older than this cvpn-doctor reads"
        raise NotReadable(Status.UNSUPPORTED, f"schema {version} ({newer}; this one reads {READ_MAJOR}.x)")
    return m.group(0)       # the whole of `version` (a str: it matched)


_OPENVPN_BANNER = re.compile(r"\bOpenVPN (\d+\.\d+(?:\.\d+)?(?:_[A-Za-z0-9]+)?) [A-Za-z0-9_]+-[\w.-]+")
_CLIENTS = (("AWS VPN Client", re.compile(r"AWSVPNClient|aws-vpn-client|AWS VPN Client", re.I)),
            ("Tunnelblick", re.compile(r"Tunnelblick", re.I)),
            ("OpenVPN Connect", re.compile(r"OpenVPN Connect|net\.openvpn\.connect", re.I)))


def _vpn_client(doc: dict) -> tuple[str, str]:
    """(client, OpenVPN version) from the VPN log's location and banner; "" when unknown."""
    log_path = _get(doc, "snapshot", "vpn", "log_path") or ""
    version = ""
    raw = doc.get("raw")
    sources = raw.get("sources") if isinstance(raw, dict) else None
    if isinstance(sources, list):
        for src in sources:
            if isinstance(src, dict) and src.get("id") == "vpn-log" and isinstance(src.get("text"), str):
                head = src["text"][:CLIENT_LOG_SCAN]
                m = _OPENVPN_BANNER.search(head) if "OpenVPN " in head else None
                if m:
                    version = m.group(1)
                log_path = log_path or (src.get("path") if isinstance(src.get("path"), str) else "")
                break
    client = next((name for name, pattern in _CLIENTS if pattern.search(log_path)), "")
    if not client and version:
        client = "OpenVPN"
    return client, version


def flat_record(doc: Any) -> dict[str, Any]:
    """One report (its JSON object) as a flat record of :data:`FIELDS` (status ok, no source).

    Raises NotReadable when the schema version is not read here or a field triage uses has
    the wrong type: such a report is never counted."""
    version = check_schema(doc)
    findings = _get(doc, "findings", kind=list, optional=False)
    codes: list[str] = []
    severities: Counter[str] = Counter()
    code_severity: dict[str, str] = {}
    for i, f in enumerate(findings):
        if not isinstance(f, dict):
            raise NotReadable(Status.UNREADABLE, f"findings[{i}] is not a finding")
        code = _clip(_get(f, "code", optional=False))
        severity = _clip(_get(f, "severity", optional=False))
        codes.append(code)
        severities[severity] += 1
        code_severity[code] = _worse(code_severity.get(code, ""), severity)
    context = _get(doc, "context", kind=dict) or {}
    client, openvpn = _vpn_client(doc)
    facts = _get(doc, "facts", kind=dict) or {}      # schema 1.1+: the derive stage
    unknowns = []
    for i, u in enumerate(_get(facts, "unknowns", kind=list) or []):
        if not isinstance(u, dict):
            raise NotReadable(Status.UNREADABLE, f"facts.unknowns[{i}] is not an object")
        unknowns.append(_clip(_get(u, "topic", optional=False)))
    captured = _get(facts, "captured", kind=list) or []
    if not all(isinstance(c, str) for c in captured):
        raise NotReadable(Status.UNREADABLE, "field facts.captured has the wrong type")
    return {
        "report_id": _clip(_get(doc, "report_id") or ""),
        "status": Status.OK.value,
        "reason": "",
        "source": "",
        "schema_version": version,
        "generated_at": _clip(_get(doc, "generated_at") or ""),
        "tool_version": _clip(_get(doc, "tool", "version") or ""),
        "platform": _clip(_get(doc, "platform", optional=False)),
        "os": _clip(_get(doc, "snapshot", "os_release") or ""),
        "vpn_client": client,
        "openvpn_version": _clip(openvpn),
        "verdict": _clip(_get(doc, "verdict", optional=False)),
        "scenario": _clip(_get(doc, "scenario", "id", optional=False)),
        "codes": codes,
        "errors": severities["error"],
        "warnings": severities["warning"],
        "infos": severities["info"],
        "tunnel": _clip(_get(facts, "tunnel") or ""),
        "tunnel_mode": _clip(_get(facts, "tunnel_mode") or _get(doc, "snapshot", "vpn", "mode") or ""),
        "custom_dns": _clip(_get(facts, "custom_dns") or ""),
        "unknowns": list(dict.fromkeys(unknowns)),
        "captured": [_clip(c) for c in captured],
        "endpoint_id": _clip(_get(doc, "snapshot", "vpn", "profile", "endpoint_id") or ""),
        "region": _clip(_get(doc, "snapshot", "vpn", "profile", "region") or ""),
        "analyzed": "analyzed" in context,
        "_severity": code_severity,     # per code, for the summary; not an output field
    }


_SEVERITY_RANK = {"info": 1, "warning": 2, "error": 3}


def _worse(a: str, b: str) -> str:
    return a if _SEVERITY_RANK.get(a, 0) >= _SEVERITY_RANK.get(b, 0) and a else b


def json_line(report_dict: dict[str, Any]) -> str:
    """The one compact line ``--json-line`` prints for a run: the flat record of the report
    without the triage-only fields (status, reason, source)."""
    record = flat_record(report_dict)
    # ASCII only (\u escapes): safe in any console encoding and for any log shipper
    return json.dumps({k: record[k] for k in FIELD_NAMES if k not in TRIAGE_ONLY}, separators=(",", ":"))


def problem_record(source: str, status: Status, reason: str, report_id: str = "") -> dict[str, Any]:
    rec: dict[str, Any] = {name: "" for name in FIELD_NAMES}
    rec.update(report_id=report_id, status=status.value, reason=reason, source=source, codes=[], unknowns=[], captured=[],
               errors=0, warnings=0, infos=0, analyzed=False, _severity={})
    return rec


def content_id(data: bytes) -> str:
    """The id of a report that has none (schema 1.0): a hash of its bytes, so the same file
    met twice is recognised, and nothing about the machine is shown."""
    return "sha256:" + hashlib.sha256(data).hexdigest()[:16]


def read_record(data: bytes, source: str) -> dict[str, Any]:
    """Bytes of one report.json -> its record (or a problem record); never raises for bad input."""
    try:
        doc = json.loads(data)   # bytes: UTF-8, UTF-16/32 and a BOM are detected (PowerShell 5 writes UTF-16)
    except (ValueError, RecursionError) as err:
        what = str(err).split(":", 1)[0] if isinstance(err, ValueError) else "nested too deeply"
        return problem_record(source, Status.UNREADABLE, f"not JSON ({_clip(what)})")
    try:
        rec = flat_record(doc)
    except NotReadable as err:
        rid = doc.get("report_id") if isinstance(doc, dict) else None
        return problem_record(source, err.status, err.reason, _clip(rid) if isinstance(rid, str) else "")
    if not rec["report_id"]:
        rec["report_id"] = content_id(data)
    rec["source"] = source
    return rec


# --------------------------------------------------------------------------- walking the inputs


def _read_limited(fh, limit: int) -> bytes | None:
    data = fh.read(limit + 1)
    return None if len(data) > limit else data


def _is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip")


def _is_json_name(name: str) -> bool:
    return name.lower().endswith(".json")


def _from_zip(zf: zipfile.ZipFile, label: str, depth: int) -> Iterator[dict[str, Any]]:
    for info in zf.infolist():
        if info.is_dir():
            continue
        member = f"{label}!{info.filename}"
        name = info.filename.rsplit("/", 1)[-1]
        if name.startswith(".") or not (_is_json_name(name) or _is_zip_name(name)):
            continue
        limit = MAX_REPORT_BYTES if _is_json_name(name) else MAX_NESTED_ZIP_BYTES
        if info.file_size > limit:
            yield problem_record(member, Status.UNREADABLE, f"too large ({info.file_size} bytes; at most {limit})")
            continue
        try:
            with zf.open(info) as fh:
                data = _read_limited(fh, limit)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError,
                EOFError, ValueError) as err:   # encrypted, unknown compression, corrupt member
            yield problem_record(member, Status.UNREADABLE, f"cannot read this zip member ({_clip(str(err))})")
            continue
        if data is None:
            yield problem_record(member, Status.UNREADABLE, f"too large (more than {limit} bytes)")
        elif _is_json_name(name):
            yield read_record(data, member)
        elif depth >= MAX_ZIP_DEPTH:
            yield problem_record(member, Status.UNREADABLE, "a zip inside a zip inside a zip: not read")
        else:
            yield from _zip_bytes(io.BytesIO(data), member, depth + 1)


def _zip_bytes(fh, label: str, depth: int) -> Iterator[dict[str, Any]]:
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as err:
        yield problem_record(label, Status.UNREADABLE, f"not a readable zip ({_clip(str(err))})")
        return
    with zf:
        yield from _from_zip(zf, label, depth)


def _from_file(path: Path, label: str, explicit: bool) -> Iterator[dict[str, Any]]:
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            if explicit:
                yield problem_record(label, Status.UNREADABLE, "not a regular file")
            return
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(0)
            if _is_zip_name(path.name) or head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
                yield from _zip_bytes(fh, label, 1)
                return
            data = _read_limited(fh, MAX_REPORT_BYTES)
    except OSError as err:
        yield problem_record(label, Status.UNREADABLE, f"cannot read it ({_clip(err.strerror or str(err))})")
        return
    if data is None:
        yield problem_record(label, Status.UNREADABLE, f"too large (more than {MAX_REPORT_BYTES} bytes)")
    else:
        yield read_record(data, label)


def _walk(folder: Path, label: str) -> Iterator[tuple[Path, str]]:
    """Files under ``folder`` (sorted, hidden entries and symlinked folders skipped), lazily."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        sub = f"{label.rstrip('/')}/{entry.name}"
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), sub)
            elif entry.is_file():
                yield Path(entry.path), sub
        except OSError:
            continue


def iter_records(paths: Iterable[Path | str]) -> Iterator[dict[str, Any]]:
    """Every report under ``paths`` as a record, in order, one at a time (duplicates not yet marked)."""
    for given in paths:
        path = Path(given)
        label = str(given)
        if path.is_dir():
            for file, sub in _walk(path, label):
                if _is_json_name(file.name) or _is_zip_name(file.name):
                    yield from _from_file(file, sub, explicit=False)
        elif path.exists():
            yield from _from_file(path, label, explicit=True)
        else:
            yield problem_record(label, Status.UNREADABLE, "no such file or folder")


# --------------------------------------------------------------------------- counting


@dataclass
class Summary:
    """The counts over every report read (status ok), and what was not counted."""
    max_ids: int = 10                        # report ids kept per code (0: all)
    reports: int = 0
    duplicates: int = 0
    unsupported: int = 0
    unreadable: int = 0
    with_errors: int = 0                     # reports with at least one error-severity finding
    cannot_tell: int = 0                     # reports whose verdict is cannot-tell (1.1+)
    newer_minor: int = 0                     # read although of a newer minor schema version
    verdicts: Counter[str] = field(default_factory=Counter)
    scenarios: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    code_severity: dict[str, str] = field(default_factory=dict)
    code_ids: dict[str, list[str]] = field(default_factory=dict)
    platforms: Counter[str] = field(default_factory=Counter)
    oses: Counter[str] = field(default_factory=Counter)
    clients: Counter[str] = field(default_factory=Counter)
    tool_versions: Counter[str] = field(default_factory=Counter)
    schema_versions: Counter[str] = field(default_factory=Counter)
    endpoints: Counter[str] = field(default_factory=Counter)
    regions: Counter[str] = field(default_factory=Counter)
    tunnel_modes: Counter[str] = field(default_factory=Counter)
    tunnels: Counter[str] = field(default_factory=Counter)
    custom_dns: Counter[str] = field(default_factory=Counter)
    unknowns: Counter[str] = field(default_factory=Counter)       # reports that could not tell, per topic
    captured: Counter[str] = field(default_factory=Counter)       # reports holding each kind of evidence (1.1+)
    with_facts: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)   # (source, status, reason)
    _seen: dict[str, str] = field(default_factory=dict, repr=False)       # report_id -> first source

    def mark(self, rec: dict[str, Any]) -> dict[str, Any]:
        """Mark a record a duplicate when its report_id was met before; count it; return it."""
        if rec["status"] == Status.OK.value:
            first = self._seen.get(rec["report_id"])
            if first is not None:
                rec["status"] = Status.DUPLICATE.value
                rec["reason"] = f"same report_id as {first}"
            else:
                self._seen[rec["report_id"]] = rec["source"]
        self.add(rec)
        return rec

    def add(self, rec: dict[str, Any]) -> None:
        status = rec["status"]
        if status == Status.DUPLICATE.value:
            self.duplicates += 1
            return
        if status != Status.OK.value:
            if status == Status.UNSUPPORTED.value:
                self.unsupported += 1
            else:
                self.unreadable += 1
            if len(self.problems) < MAX_PROBLEMS_KEPT:
                self.problems.append((rec["source"], status, rec["reason"]))
            return
        self.reports += 1
        self.verdicts[rec["verdict"]] += 1
        self.scenarios[rec["scenario"]] += 1
        self.platforms[rec["platform"]] += 1
        self.oses[" ".join(x for x in (rec["platform"], rec["os"] and f"({rec['os']})") if x)] += 1
        client = " ".join(x for x in (rec["vpn_client"], rec["openvpn_version"] and f"(OpenVPN {rec['openvpn_version']})"
                                      if rec["vpn_client"] != "OpenVPN" else rec["openvpn_version"]) if x)
        self.clients[client or "unknown"] += 1
        self.tool_versions[rec["tool_version"] or "unknown"] += 1
        self.schema_versions[rec["schema_version"]] += 1
        if int(rec["schema_version"].split(".")[1]) > READ_MINOR:
            self.newer_minor += 1
        self.endpoints[rec["endpoint_id"] or "unknown"] += 1
        self.regions[rec["region"] or "unknown"] += 1
        self.tunnel_modes[rec["tunnel_mode"] or "unknown"] += 1
        if rec["tunnel"] or rec["captured"]:    # a report with the derive stage's facts
            self.with_facts += 1
            self.tunnels[rec["tunnel"] or "unknown"] += 1
            self.custom_dns[rec["custom_dns"] or "unknown"] += 1
            for kind in dict.fromkeys(rec["captured"]):
                self.captured[kind] += 1
        for topic in rec["unknowns"]:
            self.unknowns[topic] += 1
        if rec["errors"]:
            self.with_errors += 1
        if rec["verdict"] == "cannot-tell":
            self.cannot_tell += 1
        for code in dict.fromkeys(rec["codes"]):
            self.codes[code] += 1
            # the severity the reports give the code (the most severe when they differ)
            self.code_severity[code] = _worse(self.code_severity.get(code, ""), rec["_severity"].get(code, ""))
            ids = self.code_ids.setdefault(code, [])
            if self.max_ids == 0 or len(ids) < self.max_ids:
                ids.append(rec["report_id"])

    def not_counted(self) -> int:
        return self.duplicates + self.unsupported + self.unreadable

    def to_dict(self) -> dict[str, Any]:
        return {
            "reports": self.reports, "duplicates": self.duplicates, "unsupported": self.unsupported,
            "unreadable": self.unreadable, "with_error_findings": self.with_errors,
            "newer_minor_schema": self.newer_minor,
            "verdicts": dict(self.verdicts.most_common()), "scenarios": dict(self.scenarios.most_common()),
            "codes": {c: {"reports": n, "severity": self.code_severity.get(c, ""),
                          "report_ids": self.code_ids.get(c, [])}
                      for c, n in _ranked(self.codes)},
            "platforms": dict(_ranked(self.platforms)), "os": dict(_ranked(self.oses)),
            "vpn_clients": dict(_ranked(self.clients)), "tool_versions": dict(_ranked(self.tool_versions)),
            "schema_versions": dict(_ranked(self.schema_versions)),
            "endpoints": dict(_ranked(self.endpoints)), "regions": dict(_ranked(self.regions)),
            "tunnel_modes": dict(_ranked(self.tunnel_modes)),
            "with_facts": self.with_facts, "tunnel_up": dict(_ranked(self.tunnels)),
            "custom_dns": dict(_ranked(self.custom_dns)), "could_not_tell": dict(_ranked(self.unknowns)),
            "evidence_captured": dict(_ranked(self.captured)),
            "not_counted": [{"source": s, "status": st, "reason": r} for s, st, r in self.problems],
        }


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, then by name (a stable order for tables and tests)."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


# --------------------------------------------------------------------------- rendering


def _csv_cell(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(value)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted as text (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class RecordWriter:
    """Writes per-report records as they come (CSV or JSON Lines)."""

    def __init__(self, out: TextIO, fmt: OutputFormat) -> None:
        self.out = out
        self.fmt = fmt
        self._csv = None
        if fmt is OutputFormat.CSV:
            self._csv = csv.writer(out, lineterminator="\r\n")   # RFC 4180 line ends: spreadsheets expect them
            self._csv.writerow(FIELD_NAMES)

    def write(self, rec: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow([_csv_cell(rec[name]) for name in FIELD_NAMES])
        else:
            self.out.write(json.dumps({name: rec[name] for name in FIELD_NAMES}, separators=(",", ":")) + "\n")


_SECTIONS = (("Verdict", "verdicts"), ("Scenario", "scenarios"), ("Could not tell", "unknowns"),
             ("Platform", "platforms"), ("OS", "oses"), ("VPN client", "clients"),
             ("cvpn-doctor version", "tool_versions"), ("Report schema", "schema_versions"),
             ("Tunnel mode", "tunnel_modes"), ("Tunnel up (1.1+)", "tunnels"), ("Custom DNS (1.1+)", "custom_dns"),
             ("Evidence captured (1.1+)", "captured"), ("Endpoint id", "endpoints"), ("Region", "regions"))


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:.0f}%" if total else "-"


def _ids_cell(summary: Summary, code: str) -> str:
    ids = summary.code_ids.get(code, [])
    more = summary.codes[code] - len(ids)
    return ", ".join(ids) + (f" (+{more} more)" if more > 0 else "")


def _headline(summary: Summary) -> str:
    parts = [f"{summary.reports} report{'s' if summary.reports != 1 else ''} counted"]
    if summary.reports:
        parts.append(f"{summary.with_errors} with an error-severity finding")
    for n, what in ((summary.duplicates, "duplicate"), (summary.unsupported, "unsupported"),
                    (summary.unreadable, "unreadable")):
        if n:
            parts.append(f"{n} {what} (not counted)")
    if summary.newer_minor:
        parts.append(f"{summary.newer_minor} of a newer minor schema (read: minor versions only add fields)")
    return "; ".join(parts)


def render_table(summary: Summary) -> str:
    from agent.render.style import table

    out = [f"cvpn-doctor triage: {_headline(summary)}", ""]
    for title, attr in _SECTIONS:
        counter: Counter[str] = getattr(summary, attr)
        if not counter:
            continue
        out += table([title, "reports", "share"], [[k, str(n), _pct(n, summary.reports)] for k, n in _ranked(counter)],
                     indent="")
        out.append("")
    if summary.codes:
        rows = [[c, summary.code_severity.get(c) or "?", str(n), _pct(n, summary.reports)]
                for c, n in _ranked(summary.codes)]
        out += table(["Finding code", "severity", "reports", "share"], rows, indent="")
        out.append("")
        out.append("Reports showing each code (by report id"
                   + (f"; the first {summary.max_ids}, --ids 0 lists all" if summary.max_ids else "") + "):")
        for c, _n in _ranked(summary.codes):
            out.append(f"  {c}:")
            out += textwrap.wrap(_ids_cell(summary, c), width=100, initial_indent="    ", subsequent_indent="    ",
                                 break_on_hyphens=False)
        out.append("")
    elif summary.reports:
        out += ["No finding in any report.", ""]
    if summary.problems:
        out.append("Not counted:")
        out += [f"  {src}: {status}: {reason}" for src, status, reason in summary.problems]
        hidden = summary.unsupported + summary.unreadable - len(summary.problems)
        if hidden > 0:
            out.append(f"  ... and {hidden} more")
        out.append("")
    return "\n".join(out)


def render_markdown(summary: Summary) -> str:
    from agent.render.markdown import code, esc, table

    out = ["# cvpn-doctor triage", "", esc(_headline(summary)) + ".", ""]
    for title, attr in _SECTIONS:
        counter: Counter[str] = getattr(summary, attr)
        if not counter:
            continue
        out.append(f"## {title}")
        out.append("")
        out += table([esc(title), "reports", "share"],
                     [[esc(k), str(n), _pct(n, summary.reports)] for k, n in _ranked(counter)])
        out.append("")
    if summary.codes:
        out += ["## Findings", ""]
        rows = [[code(c), esc(summary.code_severity.get(c) or "?"), str(n), _pct(n, summary.reports),
                 esc(_ids_cell(summary, c))] for c, n in _ranked(summary.codes)]
        out += table(["Finding code", "Severity", "Reports", "Share", "Report ids"], rows)
        out.append("")
    if summary.problems:
        out += ["## Not counted", ""]
        out += table(["Source", "Status", "Reason"], [[esc(s), esc(st), esc(r)] for s, st, r in summary.problems])
        out.append("")
    return "\n".join(out)


def render_json(summary: Summary) -> str:
    return json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n"


def triage(paths: Iterable[Path | str], fmt: OutputFormat, out: TextIO, *, max_ids: int = 10,
           on_record: Callable[[int], None] | None = None) -> Summary:
    """Read every report under ``paths``, write ``fmt`` to ``out`` and return the counts.

    CSV and JSON Lines are written one record at a time as reports are read; the summary
    formats (table, Markdown, JSON) once at the end."""
    summary = Summary(max_ids=max_ids)
    writer = RecordWriter(out, fmt) if fmt in (OutputFormat.CSV, OutputFormat.JSONL) else None
    for n, rec in enumerate(iter_records(paths), start=1):
        summary.mark(rec)
        if writer is not None:
            writer.write(rec)
        if on_record is not None:
            on_record(n)
    if fmt is OutputFormat.TABLE:
        out.write(render_table(summary))
    elif fmt is OutputFormat.MARKDOWN:
        out.write(render_markdown(summary))
    elif fmt is OutputFormat.JSON:
        out.write(render_json(summary))
    return summary
