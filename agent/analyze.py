"""Offline analysis: re-classify what a user attached to a ticket, on any OS.

``analyze_path`` accepts
  * a saved ``report.json`` -- re-parsed from its raw captures when it has them (so a newer
    cvpn-doctor applies its newer parsers), else from its snapshot; classified again with the
    recorded probes;
  * a bundle ``.zip`` -- its report.json, the same way (a zip without one is read as a folder);
  * a folder, or one pasted file -- each file recognised by its content
    (:mod:`platforms.recognize`), built into a RawCapture for the platform the files point to
    (``platform_hint`` only breaks ties), re-parsed and classified without probes.
Bundle ``raw/`` files carry a header naming their source id; that wins over sniffing.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from agent.model import NameCheck, Platform, ProbeRun, RawCapture, Report, SourceCapture, SourceKind, utc_now
from agent.serial import SchemaError
from platforms.base import decode_bytes

log = logging.getLogger(__name__)

MAX_FILES = 200
MAX_FILE_BYTES = 8 * 1024 * 1024
_RAW_HEADER = re.compile(r"\A# cvpn-doctor raw capture\n(?P<head>(?:# .*\n)*?)# ---- output ----\n", re.M)


class AnalyzeError(Exception):
    """Nothing usable in the given path (the message says why)."""


@dataclass(frozen=True)
class AnalyzeResult:
    report: Report
    recognised: tuple[tuple[str, str], ...] = ()   # (file, source id)
    unrecognised: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _as_report(text: str) -> Report | None:
    """The Report in ``text`` when it is a cvpn-doctor report.json, else None."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not {"snapshot", "scenario", "verdict", "tool"} <= data.keys():
        return None
    try:
        return Report.from_dict(data)
    except SchemaError as err:
        raise AnalyzeError(f"this looks like a cvpn-doctor report but does not fit the schema: {err}") from None


def reanalyse(report: Report, origin: str) -> Report:
    """Classify a saved report again (re-parsing its raw captures when present) with its probes."""
    from agent import run

    snapshot = report.snapshot
    if report.raw is not None and report.raw.sources:
        snapshot = run.reparse(report.raw)
    context = dict(report.context)
    context["analyzed"] = origin
    expected = tuple(s for s in context.get("expected_dns", ()) if isinstance(s, str)) \
        if isinstance(context.get("expected_dns"), (list, tuple)) else ()
    return run.assemble(report.raw, snapshot, report.probe_run, report.names, context, expected,
                        report_id=report.report_id or None)


def _raw_header(text: str) -> tuple[str | None, str]:
    """(source id, body) for a bundle raw file, (None, text) otherwise."""
    m = _RAW_HEADER.match(text)
    if not m:
        return None, text
    sid = re.search(r"^# source: (.+)$", m["head"], re.M)
    body = text[m.end():]
    cut = body.find("\n# ---- stderr ----\n")
    if cut >= 0:
        body = body[:cut + 1]
    return (sid.group(1).strip() if sid else None), body


def _from_files(files: list[tuple[str, str]], platform_hint: Platform | None, origin: str) -> AnalyzeResult:
    from agent import run
    from platforms import current_platform
    from platforms.recognize import recognise

    recognised: list[tuple[str, str]] = []
    unrecognised: list[str] = []
    notes: list[str] = []
    sources: dict[str, SourceCapture] = {}
    platforms: Counter[Platform] = Counter()
    for name, text in files:
        sid, body = _raw_header(text)
        platform = None
        if sid is None:
            hit = recognise(body)
            if hit is None:
                unrecognised.append(name)
                continue
            sid, platform = hit.source_id, hit.platform
        if sid in sources:
            notes.append(f"{name}: another file was already read as {sid}; this one is ignored")
            continue
        recognised.append((name, sid))
        if platform is not None:
            platforms[platform] += 1
        sources[sid] = SourceCapture(id=sid, kind=SourceKind.FILE, path=name, text=body)
    if not sources:
        raise AnalyzeError(f"nothing in {origin} was recognised (expected a report.json, a bundle, command "
                           "outputs such as resolvectl status / ip route / scutil --dns / ipconfig /all, "
                           "an OpenVPN log or a .ovpn profile)")
    ranked = platforms.most_common()
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        chosen = ranked[0][0]
        if platform_hint is not None and platform_hint is not chosen:
            notes.append(f"--platform {platform_hint.value} ignored: the files are {chosen.value} outputs")
    elif ranked:
        tied = [p for p, n in ranked if n == ranked[0][1]]
        chosen = platform_hint if platform_hint in tied else tied[0]
        notes.append(f"the files fit {', '.join(p.value for p in tied)} equally; read as {chosen.value}"
                     + ("" if platform_hint in tied else " (give --platform to choose)"))
    else:
        try:
            chosen = platform_hint or current_platform()
        except RuntimeError:
            chosen = Platform.LINUX
        notes.append(f"no file says which OS it came from; read as {chosen.value}"
                     + ("" if platform_hint else " (give --platform to choose)"))
    raw = RawCapture(platform=chosen, collected_at=utc_now(), sources=tuple(sources.values()))
    snapshot = run.reparse(raw)
    probe_run = ProbeRun(skipped="offline analysis: no probes were recorded")
    names: tuple[NameCheck, ...] = ()
    report = run.assemble(raw, snapshot, probe_run, names, {"analyzed": origin})
    return AnalyzeResult(report, tuple(recognised), tuple(unrecognised), tuple(notes))


def _read(path: Path) -> str:
    with open(path, "rb") as fh:
        return decode_bytes(fh.read(MAX_FILE_BYTES))


def analyze_path(path: Path | str, platform_hint: Platform | None = None) -> AnalyzeResult:
    """Analyse a report.json, a bundle zip, a folder of files or one pasted file."""
    import zipfile

    path = Path(path)
    origin = str(path)
    if path.is_dir():
        files = []
        for p in sorted(path.rglob("*")):
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts):
                files.append(p)
        if len(files) > MAX_FILES:
            raise AnalyzeError(f"{path} holds {len(files)} files; give at most {MAX_FILES}")
        texts = []
        for p in files:
            try:
                text = _read(p)
            except OSError as err:
                raise AnalyzeError(f"cannot read {p}: {err.strerror or err}") from None
            report = _as_report(text)
            if report is not None:   # an unzipped bundle: its report.json says it all
                return AnalyzeResult(reanalyse(report, origin), ((str(p.relative_to(path)), "report.json"),))
            texts.append((str(p.relative_to(path)), text))
        return _from_files(texts, platform_hint, origin)
    if not path.is_file():
        raise AnalyzeError(f"{path} does not exist")
    if zipfile.is_zipfile(path):
        from agent.bundle import BundleError, read_bundle
        try:
            entries = read_bundle(path)
        except BundleError as err:
            raise AnalyzeError(str(err)) from None
        if "report.json" in entries:
            report = _as_report(entries["report.json"])
            if report is not None:
                return AnalyzeResult(reanalyse(report, origin), (("report.json", "report.json"),))
        texts = [(n, t) for n, t in sorted(entries.items()) if not n.endswith(("README.txt", "report.md"))]
        return _from_files(texts, platform_hint, origin)
    try:
        text = _read(path)
    except OSError as err:
        raise AnalyzeError(f"cannot read {path}: {err.strerror or err}") from None
    report = _as_report(text)
    if report is not None:
        return AnalyzeResult(reanalyse(report, origin), ((path.name, "report.json"),))
    return _from_files([(path.name, text)], platform_hint, origin)
