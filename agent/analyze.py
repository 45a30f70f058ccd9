"""Offline analysis: re-classify what a user attached to a ticket, on any OS.

``analyze_path`` accepts
  * a saved ``report.json`` -- re-parsed from its raw captures when it has them (so a newer
    cvpn-doctor applies its newer parsers), else from its snapshot; classified again with the
    recorded probes;
  * a bundle ``.zip`` -- its report.json, the same way (a zip without one is read as a folder);
  * a folder, or one pasted file -- each file cut into the outputs it holds
    (:mod:`platforms.ticket`: prompts, command lines, fences, headings, e-mail quoting) and
    each output recognised by its content (:mod:`platforms.recognize`), built into a
    RawCapture for the platform the outputs point to (``platform_hint`` only breaks ties),
    re-parsed and classified without probes.  A file with one output is one part.
Bundle ``raw/`` files carry a header naming their source id; that wins over sniffing.
Parts read as the same source are joined when they add to each other (two log excerpts,
two nmcli devices, the IPv4 and IPv6 tables); otherwise the first is read and the others
are listed as ignored.  ``Report.inputs`` lists every part: what it was read as, or why not.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent import source_ids
from agent.model import (InputPart, NameCheck, Platform, ProbeRun, RawCapture, Report, SourceCapture, SourceKind,
                         utc_now)
from agent.serial import SchemaError

log = logging.getLogger(__name__)

MAX_FILES = 200
MAX_FILE_BYTES = 8 * 1024 * 1024
_RAW_HEADER = re.compile(r"\A# cvpn-doctor raw capture\n(?P<head>(?:# .*\n)*?)# ---- output ----\n", re.M)


class AnalyzeError(Exception):
    """Nothing usable in the given path (the message says why)."""


@dataclass(frozen=True)
class AnalyzeResult:
    report: Report
    recognised: tuple[tuple[str, str], ...] = ()   # (file, or "file part N (lines a-b)", source id)
    unrecognised: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    inputs: tuple[InputPart, ...] = ()             # every part, read or not, and why (also Report.inputs)


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


@dataclass
class _Part:
    """One output found in one file (or the whole file), before sources are built."""
    file: str
    part: int
    lines: str
    command: str | None
    text: str
    sid: str | None = None
    platform: Platform | None = None
    boundary: str = "start"
    heading_line: str | None = None
    note: list[str] = field(default_factory=list)

    def label(self, single: bool) -> str:
        if single:
            return self.file
        where = f"part {self.part} (lines {self.lines}" + (f", `{self.command}`" if self.command else "") + ")"
        return f"{self.file} {where}"

    def record(self, single: bool) -> InputPart:
        return InputPart(file=self.file, part=self.part, lines="" if single else self.lines, command=self.command,
                         read_as=self.sid, note="; ".join(self.note))


_LOG_IDS = (source_ids.VPN_LOG, source_ids.VPN_CLIENT_LOG, source_ids.VPN_DNS_LOG)   # logs: cut from prose around them, unwrapped, joined
# Kinds whose heading comment belongs to the text (a resolv.conf header says who wrote it).
_KEEPS_HEADING = (source_ids.RESOLV_CONF, source_ids.NSSWITCH_CONF, source_ids.VPN_PROFILE)


def _families(text: str) -> set[str]:
    fams = set()
    if re.search(r"Kernel IPv6|^\s*[0-9a-fA-F]*:[0-9a-fA-F:]*/\d+\s", text, re.M):
        fams.add("6")
    if re.search(r"Kernel IP routing|^\s*(?:default|\d+\.\d+\.\d+\.\d+)\s", text, re.M):
        fams.add("4")
    return fams


def _names(rx: str, text: str) -> set[str]:
    return set(re.findall(rx, text, re.M))


def _concatenable(sid: str, first: str, later: str) -> bool:
    """Whether a later part read as the same source adds to the first (the other half of a
    log, another device, the other address family) rather than showing the same thing at
    another moment (then only the first is read)."""
    if sid in _LOG_IDS:
        return True
    if sid == source_ids.NMCLI:
        rx = r"^\s*GENERAL\.DEVICES?:\s*(\S+)"
        a, b = _names(rx, first), _names(rx, later)
        return bool(a and b and not a & b)
    if sid == source_ids.RESOLVECTL:
        rx = r"^\s*Link\s+\d+\s+\(([^)]*)\)"
        a, b = _names(rx, first), _names(rx, later)
        return bool(a and b and not a & b) and not (re.search(r"^\s*Global", first, re.M)
                                                     and re.search(r"^\s*Global", later, re.M))
    if sid == source_ids.IPCONFIG:                     # `ipconfig`, then a fragment of `ipconfig /all`
        rx = r"^(\S[^\n]*\S)\s*:\s*$"
        a, b = _names(rx, first), _names(rx, later)
        return not a & b
    if sid == source_ids.IFCONFIG:                     # `ifconfig utun0`, then `ifconfig utun9`
        rx = r"^([^\s:][^\s:]*):? +(?:flags=|Link encap)"
        a, b = _names(rx, first), _names(rx, later)
        return bool(a and b and not a & b)
    if sid in (source_ids.ROUTE_N, source_ids.ROUTE_NAMES, source_ids.IP_ROUTE_TEXT):
        a, b = _families(first), _families(later)
        return bool(a and b and not a & b)
    return False


def _span(first: int, lines: list[str], start: int, end: int) -> str:
    """The file line numbers of ``lines[start:end]`` (blank lines at both ends left out)."""
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    a, b = first + start, first + max(start, end - 1)
    return f"{a}-{b}" if b > a else str(a)


def _read_file_parts(name: str, text: str, decode_notes: tuple[str, ...]) -> list[_Part]:
    """The outputs in one file: a bundle raw file is one part named by its header; any
    other text is split (platforms.ticket) and each part recognised on its own."""
    from platforms.parsers import ps_cmdlets, route_get
    from platforms.recognize import hinted, recognise, why_not
    from platforms.ticket import Segment, log_span, split, unwrap_log

    sid, body = _raw_header(text)
    if sid is not None:
        return [_Part(name, 1, "", None, body, sid=sid)]
    ticket = split(text)
    slots: list[Segment | None] = list(ticket.segments)     # None: a segment replaced by what it holds
    for seg in ticket.segments:
        kept = [ln for ln in seg.text.split("\n") if ln.strip()]
        if len(kept) >= 3 and all(ln.startswith("#") for ln in kept) and recognise(seg.text, seg.hint) is None:
            # every line commented out ("### $ scutil --nwi"): read what is under the hashes
            inner = split("\n".join(re.sub(r"^#+ ?", "", ln) for ln in seg.text.split("\n")))
            if any(recognise(x.text, x.hint) for x in inner.segments):
                offset = seg.first_line - 1
                slots[slots.index(seg)] = None
                slots.extend(replace(x, first_line=x.first_line + offset, last_line=x.last_line + offset,
                                        notes=x.notes + ("'#' comment marks removed",)) for x in inner.segments)
    segments = sorted((x for x in slots if x is not None), key=lambda x: x.first_line)
    parts: list[_Part] = []
    for index, seg in enumerate(segments, 1):
        seg = replace(seg, index=index)
        part = _Part(name, seg.index, seg.lines, seg.command, seg.text, boundary=seg.boundary,
                     heading_line=seg.heading_line, note=list(seg.notes))
        hit = recognise(seg.text, seg.hint) if seg.text.strip() else None
        if hit is None:
            part.note.insert(0, why_not(seg.text, seg.hint))
        else:
            part.sid, part.platform = hit.source_id, hit.platform
        parts.append(part)
    if parts and not any(p.sid for p in parts):
        whole = recognise("\n".join(ticket.lines))
        if whole is not None and len(parts) > 1:        # the cut went wrong: read the text as one
            parts = [_Part(name, 1, f"1-{len(ticket.lines)}", None, "\n".join(ticket.lines) + "\n",
                           sid=whole.source_id, platform=whole.platform,
                           note=["read whole: none of its parts was recognised on its own"])]
    # "> ipconfig" (a bare ">" prompt, or the command quoted from the mail being answered), then
    # the output: a part that is only a command line naming a kind is the command of the next one
    for k in range(len(parts) - 1):
        cmd, out = parts[k], parts[k + 1]
        line = cmd.text.strip()
        if cmd.sid is None and not cmd.command and line and "\n" not in line and hinted(line) \
                and not out.command and out.text.strip():
            hit = recognise(out.text, line)
            if hit is not None and hit.source_id in hinted(line) and hit.source_id != out.sid:
                out.sid, out.platform = hit.source_id, hit.platform
                out.note = [n for n in out.note if not n.startswith("not a command output")]
            if out.sid in hinted(line):
                out.command = line
                out.note.append(f"printed by the command of part {cmd.part}")
                cmd.note = [f"the command line of part {out.part}"]
    # "nmcli dev show tun0 | grep DNS", a line of prose ("If the output is this:"), then the
    # output: the output is that command's when the command names its kind
    for k in range(len(parts) - 2):
        cmd, prose, out = parts[k], parts[k + 1], parts[k + 2]
        if cmd.command and cmd.sid is None and not cmd.text.strip() and prose.sid is None and not prose.command \
                and out.sid and not out.command and out.sid in hinted(cmd.command):
            out.command = cmd.command
            out.note.append(f"printed by the command of part {cmd.part}")
    for k in range(len(parts) - 1):
        cmd, out = parts[k], parts[k + 1]
        if cmd.command and cmd.sid is None and out.sid and not out.command and out.sid in hinted(cmd.command):
            out.command = cmd.command
            out.note.append(f"printed by the command of part {cmd.part}")
    # a heading inside one output (a resolv.conf comment, "## ..."): join it back
    # ">> 295 ... sleep 5" inside a script's log is no e-mail quote: an unread quoted stretch
    # between two parts of one kind goes back into them
    i = 1
    while i + 1 < len(parts):
        a, q, b = parts[i - 1], parts[i], parts[i + 1]
        if a.sid and q.sid is None and b.sid == a.sid and q.boundary == "quote" and b.boundary == "quote" \
                and not q.command and not b.command:
            a.text = a.text + q.text + b.text
            a.lines = f"{a.lines.split('-')[0]}-{b.lines.split('-')[-1]}"
            del parts[i:i + 2]
            continue
        i += 1
    merged: list[_Part] = []
    for part in parts:
        prev = merged[-1] if merged else None
        if prev is not None and part.sid and prev.sid == part.sid and part.boundary in ("heading", "quote", "format") \
                and not part.command:
            glue = (part.heading_line + "\n") if part.heading_line and part.sid in _KEEPS_HEADING else ""
            prev.text = prev.text + glue + part.text
            prev.lines = f"{prev.lines.split('-')[0]}-{part.lines.split('-')[-1]}"
            prev.note.append(f"joined with the next part (one output cut by a {part.boundary})")
            continue
        if part.sid in _KEEPS_HEADING and part.heading_line:
            part.text = part.heading_line + "\n" + part.text
        merged.append(part)
    for i, part in enumerate(merged, 1):
        part.part = i
    res: list[_Part] = []      # the parts returned (not `out`: that is a part in the loops above)
    for part in merged:
        if part.sid not in _LOG_IDS and part.sid is not None:
            # an output followed, after prose, by a log excerpt with no prompt between them
            lines = part.text.split("\n")
            start, end = log_span(part.text, stamped_only=True)
            tail = "\n".join(lines[start:])
            hit = recognise(tail) if start > 0 and tail.strip() else None
            if hit is not None and hit.source_id in _LOG_IDS:
                first = int(part.lines.split("-")[0]) if part.lines else 1
                log_part = _Part(name, part.part, _span(first, lines, start, len(lines)), None, tail,
                                 sid=hit.source_id, platform=hit.platform, note=["cut from the output above it"])
                part.text = "\n".join(lines[:start]).rstrip() + "\n"
                part.lines = _span(first, lines, 0, start)
                merged.insert(merged.index(part) + 1, log_part)
        if part.sid in _LOG_IDS:
            lines = part.text.split("\n")
            start, end = log_span(part.text)
            first = int(part.lines.split("-")[0]) if part.lines else 1
            before, after = "\n".join(lines[:start]), "\n".join(lines[end:])
            if before.strip():       # the previous command's output, or prose, above the log
                hit = recognise(before, part.command)
                res.append(_Part(name, part.part, _span(first, lines, 0, start), part.command, before.rstrip() + "\n",
                                 sid=hit.source_id if hit else None, platform=hit.platform if hit else None,
                                 note=[] if hit else [why_not(before, part.command)]))
                part.command = None
                part.note.append("cut from the text above it (not log lines)")
            if after.strip():
                part.note.append("text after the log left out (not log lines)")
            if before.strip() or after.strip():
                part.lines = _span(first, lines, start, end)
            part.text, joined = unwrap_log("\n".join(lines[start:end]).rstrip("\n") + "\n")
            if joined:
                part.note.append(f"{joined} wrapped line(s) re-joined")
        if part.sid in ps_cmdlets.SOURCE_IDS:
            views = ps_cmdlets.split_views(part.text)
            if len(views) > 1:       # two cmdlets' outputs pasted with no prompt between them
                first = int(part.lines.split("-")[0]) if part.lines else 1
                offset = 0
                for n, (view, chunk) in enumerate(views, 1):
                    at = part.text.find(chunk.split("\n", 1)[0], offset)
                    start = part.text.count("\n", 0, at) if at >= 0 else 0
                    offset = max(at, offset)
                    res.append(_Part(name, part.part, _span(first, part.text.split("\n"), start,
                                                            start + chunk.count("\n")),
                                     part.command if n == 1 else None, chunk, sid=view, platform=part.platform,
                                     note=[f"view {n} of {len(views)} in this part (no prompt between them)"]))
                continue
        if part.sid and part.sid.startswith(source_ids.ROUTE_GET_PREFIX):
            chunks = route_get.split_outputs(part.text)
            if len(chunks) > 1:
                for n, chunk in enumerate(chunks, 1):
                    addr = route_get.address_of(chunk) or f"unknown-{part.part}.{n}"
                    res.append(_Part(name, part.part, part.lines, part.command, chunk, sid=f"route-get:{addr}",
                                     platform=part.platform, note=[f"lookup {n} of {len(chunks)} in this part"]))
                continue
            if part.sid == source_ids.route_get("unknown") and part.command:
                named = route_get.address_of(part.command)
                if named:
                    part.sid = source_ids.route_get(named)
        res.append(part)
    # number the parts in order; the lookups cut out of one part keep its number
    number, previous = 0, None
    for part in res:
        key = (part.part, part.lines) if part.sid and part.sid.startswith(source_ids.ROUTE_GET_PREFIX) else id(part)
        if key != previous:
            number += 1
        previous = key
        part.part = number
    if res and decode_notes + ticket.notes:
        res[0].note.extend(decode_notes + ticket.notes)
    return res


def _from_files(files: list[tuple[str, str, tuple[str, ...]]], platform_hint: Platform | None,
                origin: str) -> AnalyzeResult:
    from agent import run
    from platforms import current_platform

    recognised: list[tuple[str, str]] = []
    unrecognised: list[str] = []
    notes: list[str] = []
    inputs: list[InputPart] = []
    sources: dict[str, SourceCapture] = {}
    first_label: dict[str, str] = {}
    first_part_of: dict[str, tuple[str, int]] = {}
    platforms: Counter[Platform] = Counter()
    for name, text, decode_notes in files:
        parts = _read_file_parts(name, text, decode_notes)
        single = len({p.part for p in parts}) == 1
        for part in parts:
            label = part.label(single)
            sid = part.sid
            if sid is None:
                unrecognised.append(label)
            elif sid in sources:
                if _concatenable(sid, sources[sid].text or "", part.text):
                    sources[sid] = replace(sources[sid], text=(sources[sid].text or "") + "\n" + part.text)
                    part.note.append(f"read together with {first_label[sid]}")
                    recognised.append((label, sid))
                else:
                    first_file, first_part = first_part_of[sid]
                    where = f"part {first_part}" if first_file == name else first_label[sid]
                    msg = f"{where} was already read as {sid}: only the first is read (one moment at a time)"
                    notes.append(f"{label}: {msg}")
                    part.note.append(msg)
                    part.sid = None
            else:
                recognised.append((label, sid))
                first_label[sid] = label
                first_part_of[sid] = (name, part.part)
                if part.platform is not None:
                    platforms[part.platform] += 1
                path = name if single else f"{name}#{part.part}"
                sources[sid] = SourceCapture(id=sid, kind=SourceKind.FILE, path=path, text=part.text,
                                             argv=tuple(part.command.split()) if part.command else ())
            inputs.append(part.record(single))
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
    report = replace(report, inputs=tuple(inputs))
    return AnalyzeResult(report, tuple(recognised), tuple(unrecognised), tuple(notes), tuple(inputs))


def _read(path: Path) -> tuple[str, tuple[str, ...]]:
    from platforms.ticket import decode_paste

    with open(path, "rb") as fh:
        return decode_paste(fh.read(MAX_FILE_BYTES))


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
                text, decode_notes = _read(p)
            except OSError as err:
                raise AnalyzeError(f"cannot read {p}: {err.strerror or err}") from None
            report = _as_report(text)
            if report is not None:   # an unzipped bundle: its report.json says it all
                return AnalyzeResult(reanalyse(report, origin), ((str(p.relative_to(path)), "report.json"),))
            texts.append((str(p.relative_to(path)), text, decode_notes))
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
        texts = [(n, t, ()) for n, t in sorted(entries.items()) if not n.endswith(("README.txt", "report.md"))]
        return _from_files(texts, platform_hint, origin)
    try:
        text, decode_notes = _read(path)
    except OSError as err:
        raise AnalyzeError(f"cannot read {path}: {err.strerror or err}") from None
    report = _as_report(text)
    if report is not None:
        return AnalyzeResult(reanalyse(report, origin), ((path.name, "report.json"),))
    return _from_files([(path.name, text, decode_notes)], platform_hint, origin)
