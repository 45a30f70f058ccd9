"""Cut one pasted text -- a ticket, an e-mail reply, a forum post -- into the command
outputs it holds (pure).

Help desks get text, not bundles: a prompt-prefixed ``ipconfig /all``, then ``route print``,
then a log excerpt, all in one e-mail reply, quoted with ``> ``, CRLF line ends, perhaps
UTF-16 or cp932.  :func:`decode_paste` turns the bytes into text; :func:`split` undoes
what the trip through a mail client or a web form did (CRLF, BOMs, NULs of UTF-16 read as
8-bit, trailing padding, e-mail quoting, a common indentation) and cuts at

* shell prompts (``$ ``, ``# ``, ``% ``, ``user@host:~$ ``, ``[root@h ~]# ``,
  ``PS C:\\> ``, ``C:\\Users\\me>``, ``bash-5.2$ ``, ``➜ ``: :func:`platforms.parsers._paste.prompt_command`),
* display commands typed on a line of their own (``route -n``, ``**ipconfig /all**``),
* Markdown code fences, Markdown headings (``## route``, ``##### resolv.conf #####``),
* changes of e-mail quote depth.

Each :class:`Segment` keeps its line range in the normalised text, the command that printed
it (prompt removed: a prompt carries user and host names) and the heading above it, so
``analyze`` can say which part was read as what.  What the segments *are* is decided
elsewhere (:mod:`platforms.recognize`); :func:`unwrap_log` re-joins a log's lines that a
mail client wrapped at 60-80 columns once a segment is known to be a log.

Every step is linear in the size of the text; beyond :data:`MAX_SEGMENTS` the rest of the
text stays in the last segment.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from platforms.parsers._paste import echo_command, prompt_command

MAX_SEGMENTS = 400
_PROMPT_CHARS = frozenset("$#%>➜❯λ▲»→")
_FENCE = re.compile(r"^[^\S\n]{0,3}(?P<fence>`{3,}|~{3,})[^\n`]*$")
_HEADING = re.compile(r"^(?:#{2,6}[^\S\n]+(?P<md>\S[^\n]{0,150}?)(?:[^\S\n]+#+)?|#{3,}[^\S\n]*(?P<deco>[^#\n]{1,80}?)"
                      r"[^\S\n]*#{3,})[^\S\n]*$")
# The first line of an output, where a paste puts two outputs together with no prompt and
# no blank line between them ("...Get-NetRoute rows" then route print's "=====").  A cut
# here is soft: parts on both sides read as the same source are joined again.
_FORMAT_START = re.compile(
    r"^(?:Kernel IP(?:v6)? routing table|Routing tables|DNS configuration|Network information|Windows IP Configuration"
    r"|Global)\s*$")
_RULE = re.compile(r"^={40,}$")
_INTERFACE_LIST = re.compile(r"^(?:Interface List|Schnittstellenliste|Liste d'interfaces|Lista de interfaces|"
                             r"Elenco interfacce|Список интерфейсов|インターフェイス一覧|接口列表|介面清單|인터페이스 목록)\s*$")
_OPENVPN_MARK = re.compile(r"^###\s*openvpn\s+\S+\s+(?:begin|end)\s*###\s*$", re.I)
_QUOTE = re.compile(r"^(?:>[^\S\n]?)+")
# OpenVPN management-interface lines (">LOG:...", ">STATE:...") start with ">" but are no quote
_MANAGEMENT = re.compile(r"^>[A-Z][A-Z0-9_-]*:")
_LOG_START = re.compile(
    r"^\S{0,4}?(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d\d:\d\d|"
    r"[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d\d:\d\d:\d\d|\[\d{4}-\d\d-\d\d|\d{4}/\d\d/\d\d \d\d:|"
    r"\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d\d|\d{10}(?:\.\d+)?[ ,]|>[A-Z-]+:)")


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of the paste between two boundaries."""
    index: int                       # 1-based order in the paste
    first_line: int                  # 1-based line numbers in the normalised text (see Ticket.lines)
    last_line: int
    text: str                        # the output itself (boundary lines not included)
    command: str | None = None       # what printed it: "route -n" (the prompt itself is dropped)
    title: str | None = None         # the heading above it ("route", "NetworkManager info")
    boundary: str = "start"          # what started it: start | prompt | command | fence | heading | quote
    heading_line: str | None = None  # the heading line verbatim (a resolv.conf comment may be one)
    notes: tuple[str, ...] = ()      # what was undone in this segment ("indentation of 4 removed")

    @property
    def lines(self) -> str:
        return f"{self.first_line}-{self.last_line}" if self.last_line > self.first_line else str(self.first_line)

    @property
    def hint(self) -> str | None:
        """The command, else the heading: what the poster says this is."""
        return self.command or self.title


@dataclass(frozen=True, slots=True)
class Ticket:
    segments: tuple[Segment, ...]
    notes: tuple[str, ...] = ()      # what was undone for the whole text (encoding, CRLF, quoting)
    lines: tuple[str, ...] = ()      # the normalised text, by line


# --------------------------------------------------------------------------- decoding


_KANA_OR_KANJI = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")


def decode_paste(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Bytes to text, whatever the paste went through: BOMs (UTF-8/16/32), UTF-16 without a
    BOM (Windows redirections, PowerShell 5.1 ``>``), UTF-8, cp932 (Japanese Windows
    ``ipconfig`` redirected to a file), cp1252/cp850 (Western consoles).  Never fails: the
    last resort is Latin-1.  Returns the text and what was done (for the report)."""
    notes: list[str] = []
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
                       (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            if codec != "utf-8":
                notes.append(f"decoded as {codec.upper()} (byte order mark)")
            return data[len(bom):].decode(codec, errors="replace"), tuple(notes)
    sample = data[:4096]
    if len(sample) >= 8:
        even_nul = sample[0::2].count(0) / max(1, len(sample[0::2]))
        odd_nul = sample[1::2].count(0) / max(1, len(sample[1::2]))
        if odd_nul > 0.3 and even_nul < 0.05:
            return data.decode("utf-16-le", errors="replace"), ("decoded as UTF-16-LE (no byte order mark)",)
        if even_nul > 0.3 and odd_nul < 0.05:
            return data.decode("utf-16-be", errors="replace"), ("decoded as UTF-16-BE (no byte order mark)",)
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
        if _KANA_OR_KANJI.search(text):
            return text, ("decoded as cp932 (Shift_JIS: Japanese Windows)",)
    except UnicodeDecodeError:
        pass
    for codec in ("cp1252", "cp850"):
        try:
            return data.decode(codec), (f"decoded as {codec} (not UTF-8)",)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), ("decoded as Latin-1 (not UTF-8)",)  # pragma: no cover - cp850 decodes every byte


# --------------------------------------------------------------------------- normalising

_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)
_SPACES = {ord(c): " " for c in "\u00a0\u2007\u202f\u2002\u2003\u2009"}


def _normalise(text: str) -> tuple[list[str], list[int], list[str]]:
    """Lines with line ends, invisible characters, trailing padding and e-mail quoting
    undone; the quote depth of each line; what was done."""
    notes: list[str] = []
    if text.count("\x00") * 10 > len(text) > 0:
        text = text.replace("\x00", "")
        notes.append("NUL bytes removed (UTF-16 text read as 8-bit)")
    elif "\x00" in text:
        text = text.replace("\x00", "")
    if "\r" in text:
        crlf = "\r\n" in text
        text = re.sub(r"\r+\n", "\n", text).replace("\r", "\n")
        notes.append("CRLF line ends" if crlf else "CR line ends")
    cleaned = text.translate(_INVISIBLE).translate(_SPACES)
    if len(cleaned) != len(text) or cleaned != text:
        notes.append("invisible characters and no-break spaces normalised")
    lines = cleaned.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    padded = 0
    depths: list[int] = []
    quoted = 0
    ticked = 0
    out: list[str] = []
    for line in lines:
        stripped = line.rstrip()
        if len(stripped) < len(line) - 1:
            padded += 1
        depth = 0
        # "> text", ">> text", ">text", ">" alone: e-mail quoting.  ">LOG:..." (an OpenVPN
        # management line) is not a quote; a "C:\>" prompt does not start with ">".
        if stripped.startswith(">") and not _MANAGEMENT.match(stripped):
            m = _QUOTE.match(stripped)
            prefix = m.group(0) if m else ""
            depth = prefix.count(">")
            stripped = stripped[len(prefix):]
            quoted += 1
        # "`   `*Label . . . : value*": a word processor's Markdown export keeps indentation as an
        # inline-code span of spaces (the emphasis around the line goes below)
        spaces = re.match(r"^`( +)`(?!`)", stripped)
        if spaces:
            stripped = spaces.group(1) + stripped[spaces.end():]
            ticked += 1
        # `$ route -n` ... virbr0`: output wrapped in single backticks line by line or
        # around the whole block (not a ``` fence)
        tick = re.match(r"^`{1,2}(?!`)", stripped)
        if tick:
            stripped = stripped[tick.end():]
            ticked += 1
        tick = re.search(r"(?<![`\s])`{1,2}$", stripped)
        if tick and not stripped.endswith("```"):
            stripped = stripped[:tick.start()].rstrip()
            ticked += 1
        depths.append(depth)
        out.append(stripped)
    # every line in *italics* (the same export): the asterisks are markup, not output
    body = [ln for ln in out if ln.strip()]
    wrapped = [i for i, ln in enumerate(out) if _EMPHASIS.match(ln)]
    if len(body) >= 3 and len(wrapped) * 5 >= len(body) * 4:
        for i in wrapped:
            m = _EMPHASIS.match(out[i])
            assert m is not None     # it matched when wrapped was built
            out[i] = m["lead"] + m["text"]
        notes.append(f"*emphasis* around {len(wrapped)} line(s) removed")
    if quoted:
        notes.append(f"e-mail quoting removed from {quoted} line(s)")
    if ticked:
        notes.append("inline-code backticks around lines removed")
    if padded * 10 > max(1, len(out)):
        notes.append("trailing padding removed")
    return out, depths, notes


# --------------------------------------------------------------------------- splitting


def _heading(line: str) -> str | None:
    if not line.startswith("#") or _OPENVPN_MARK.match(line):
        return None
    m = _HEADING.match(line)
    if not m:
        return None
    return (m["md"] or m["deco"] or "").strip().strip("*_`").strip() or None


_EMPHASIS = re.compile(r"^(?P<lead>[^\S\n]*)\*(?P<text>[^*\s](?:[^*]*[^*\s])?)\*$")
_PIPE = re.compile(r"^[^\S\n]*\|[^\S\n]?")
_NUMBERED = re.compile(r"^([^\S\n]*)(\d{1,4})\.[^\S\n]+")
_SUDO = re.compile(r"^\[sudo\] password for [^\s:]+:\s*$|^Password:\s*$")


def _tidy(lines: list[str]) -> tuple[list[str], list[str]]:
    """Undo what a web page or a poster added to every line of an output: a table's
    ``| `` column (Jira, Confluence), list numbering (``1. 0.0.0.0 ...``, consecutive from
    1), sudo's password prompt on the first line."""
    notes: list[str] = []
    if lines and _SUDO.match(lines[0].strip()):
        lines = lines[1:]
        notes.append("sudo's password prompt left out")
    body = [ln for ln in lines if ln.strip()]
    if len(body) >= 3:
        piped = [ln for ln in body if _PIPE.match(ln) and not ln.rstrip().endswith("|")]
        if len(piped) * 10 >= len(body) * 8:
            lines = [_PIPE.sub("", ln, count=1) if _PIPE.match(ln) else ln for ln in lines]
            notes.append("a table's '|' column removed")
        numbers = [int(m.group(2)) for ln in body if (m := _NUMBERED.match(ln))]
        if len(numbers) >= 3 and numbers == list(range(1, len(numbers) + 1)):
            lines = [_NUMBERED.sub(r"\1", ln, count=1) for ln in lines]
            notes.append(f"line numbers 1-{len(numbers)} removed")
    return lines, notes


def _dedent(lines: list[str]) -> tuple[list[str], int]:
    body = [ln for ln in lines if ln.strip()]
    if not body:
        return lines, 0
    first = body[0]
    width = len(first) - len(first.lstrip())
    if width == 0:
        return lines, 0
    prefix = first[:width]
    for ln in body[1:]:
        while prefix and not ln.startswith(prefix):
            prefix = prefix[:-1]
        if not prefix:
            return lines, 0
    n = len(prefix)
    return [ln[n:] if ln.strip() else "" for ln in lines], n


@dataclass
class _Open:
    start: int                       # index of the first body line
    boundary: str
    command: str | None = None
    title: str | None = None
    heading_line: str | None = None


def split(text: str) -> Ticket:
    """Cut ``text`` into segments (see the module docstring).  A text with one output gives
    one segment holding all of it."""
    lines, depths, notes = _normalise(text or "")
    raw: list[tuple[_Open, int]] = []          # (segment, end index exclusive)
    cur = _Open(0, "start")
    in_fence = False
    prev_blank = True
    last_depth = 0

    def close(end: int) -> None:
        raw.append((cur, end))

    for i, line in enumerate(lines):
        if len(raw) >= MAX_SEGMENTS:
            break
        stripped = line.strip()
        if not stripped:
            prev_blank = True
            continue
        nxt: _Open | None = None
        lead = line.lstrip()
        if _FENCE.match(line):
            in_fence = not in_fence
            nxt = _Open(i + 1, "fence")
        else:
            pc = prompt_command(lead) if any(c in lead[:260] for c in "$#%>➜❯λ▲»→") else None
            if pc is not None:
                nxt = _Open(i + 1, "prompt", command=pc[1] or None)
            elif depths[i] != last_depth:
                nxt = _Open(i, "quote")
        if nxt is None and i > cur.start and any(lines[j].strip() for j in range(max(cur.start, i - 400), i)):
            if _FORMAT_START.match(stripped) or (_RULE.match(stripped) and i + 1 < len(lines)
                                                  and _INTERFACE_LIST.match(lines[i + 1].strip())):
                nxt = _Open(i, "format")
        if nxt is None and prev_blank and not in_fence and stripped.startswith("#"):
            title = _heading(stripped)
            if title is not None:
                nxt = _Open(i + 1, "heading", title=title, heading_line=stripped)
        if nxt is None and (prev_blank or (raw and raw[-1][1] == i) or i == cur.start) and len(stripped) <= 160:
            cmd = echo_command(stripped)
            if cmd is not None:
                nxt = _Open(i + 1, "command", command=cmd)
        last_depth = depths[i]
        prev_blank = False
        if nxt is None:
            continue
        if not any(lines[j].strip() for j in range(cur.start, i)):
            # nothing between the two boundaries: "## route" then "$ route -n", or a
            # command echo followed by a fence -- the new segment inherits what was said
            nxt.command = nxt.command or cur.command
            nxt.title = nxt.title or cur.title
            nxt.heading_line = nxt.heading_line or cur.heading_line
            if cur.command and nxt.boundary in ("prompt", "command") and nxt.command != cur.command:
                close(i)         # a prompt whose command printed nothing
        else:
            close(i)
        cur = nxt
    close(len(lines))

    segments: list[Segment] = []
    for seg, end in raw:
        first, stop = seg.start, end
        while first < stop and not lines[first].strip():
            first += 1
        while stop > first and not lines[stop - 1].strip():
            stop -= 1
        body = lines[first:stop]
        seg_notes: list[str] = []
        body, tidied = _tidy(body)
        seg_notes.extend(tidied)
        body, width = _dedent(body)
        if width:
            seg_notes.append(f"common indentation of {width} removed")
        if not body and not seg.command:
            continue
        last = first + max(0, len(body) - 1)
        segments.append(Segment(index=len(segments) + 1, first_line=first + 1, last_line=last + 1,
                                text="\n".join(body) + ("\n" if body else ""), command=seg.command,
                                title=seg.title, boundary=seg.boundary, heading_line=seg.heading_line,
                                notes=tuple(seg_notes)))
    if len(raw) >= MAX_SEGMENTS:
        notes.append(f"more than {MAX_SEGMENTS} parts: the rest of the text is kept in the last one")
    return Ticket(segments=tuple(segments), notes=tuple(notes), lines=tuple(lines))


def unwrap_log(text: str, low: int = 60, high: int = 80) -> tuple[str, int]:
    """Re-join log lines a mail client or a web form wrapped.  When most lines start with a
    timestamp (or a ``>LOG:``-style tag), a line that does not, right after a line of
    ``low``-``high`` characters (the widths mail clients wrap at), is the rest of that line.
    A word wrap dropped a blank (joined with one); a hard wrap -- every wrapped line
    exactly as long as the others -- cut mid-word (joined without).  Returns the text and
    how many lines were joined; text that does not look wrapped is returned as is."""
    lines = text.split("\n")
    body = [ln for ln in lines if ln.strip()]
    if len(body) < 3:
        return text, 0
    def wrapped(i: int) -> bool:
        return (i > 0 and bool(lines[i].strip()) and not _LOG_START.match(lines[i])
                and low <= len(lines[i - 1]) <= high)

    breaks = {i for i in range(1, len(lines)) if wrapped(i)}
    if not breaks:
        return text, 0
    # most lines that are not the rest of another one start with a timestamp: a log
    starts = sum(1 for ln in body if _LOG_START.match(ln))
    if starts * 10 < (len(body) - len(breaks)) * 6:
        return text, 0
    widths = {len(lines[i - 1]) for i in breaks}
    hard = len(breaks) >= 2 and len(widths) == 1
    out: list[str] = []
    for i, ln in enumerate(lines):
        if out and i in breaks:
            out[-1] = out[-1] + ("" if hard else " ") + ln.lstrip()
            continue
        out.append(ln)
    return "\n".join(out), len(breaks)


def log_span(text: str, stamped_only: bool = False) -> tuple[int, int]:
    """``(start, end)``: the lines of ``text`` (``text.split("\\n")``) that are the log.  A
    part read as a log may begin or end with blocks (between blank lines) that are no log
    lines at all -- the table printed by the previous command, "And this is from the VPN
    log:", "Thanks, Alice".  A block belongs to the log when most of its lines start with a
    timestamp or it reads as an OpenVPN log by itself (``stamped_only``: only the first test,
    for a part read as something else that may end with a log).  The whole text when no
    block does; ``(n, n)`` (nothing) when ``stamped_only`` and no block is a log."""
    from platforms.parsers import openvpn_log

    lines = text.split("\n")
    blocks: list[tuple[int, int]] = []
    start = None
    for i, line in enumerate(lines + [""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            blocks.append((start, i))
            start = None
    none = (len(lines), len(lines)) if stamped_only else (0, len(lines))
    if len(blocks) < 2 or len(blocks) > 2000:
        return none

    def is_log(a: int, b: int) -> bool:
        block = lines[a:b]
        stamped = sum(1 for ln in block if _LOG_START.match(ln))
        # lines a mail client wrapped off a long log line do not count against it
        wrapped = sum(1 for k in range(1, len(block)) if not _LOG_START.match(block[k])
                      and 60 <= len(block[k - 1]) <= 80)
        if stamped * 2 >= len(block) - wrapped and stamped >= 2:
            return True
        return not stamped_only and bool(openvpn_log.looks_like("\n".join(block)))

    flags = [is_log(a, b) for a, b in blocks]
    if not any(flags):
        return none
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    return blocks[first][0], blocks[last][1]
