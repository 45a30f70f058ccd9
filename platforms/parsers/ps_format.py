"""Reader for PowerShell's default *table* and *list* views as pasted into tickets (pure).

What a user copies from a console is ``Format-Table`` / ``Format-List`` output, not
objects.  This module turns that text back into blocks of property values; the cmdlet
readers in :mod:`platforms.parsers.ps_cmdlets` give them meaning.  What it copes with,
because real pastes have all of it:

* tables: a header line (sometimes two: ``Interface`` over ``Index``), a dash line whose
  runs mark the columns, rows until a blank line; values cut to the column width with
  ``...`` (Windows PowerShell) or ``…`` (PowerShell 7); columns aligned by *display*
  width, so a row with double-width characters (``イーサネット``) sits further right than
  its header;
* lists: ``Name : value`` records, the colons aligned, a value continued on lines
  indented to the value column (``DNSServer`` lists one address per line), records
  separated by blank lines -- or by nothing, or with a blank line between every property
  (documentation pages do that);
* noise around and inside: prompts (``PS C:\\>``, ``C:\\>``, ``~$``, ``>``), Markdown
  fences, ``<#`` ``#>`` comment markers, a common indentation, trailing padding, CRLF.

Property names and enum values (``IPv4``, ``Connected``, ``Up``) are never translated by
PowerShell, so nothing here depends on the display language; aliases and descriptions
are free text in any script.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from agent.serial import Record
from platforms.base import ParseError

MAX_LINES = 200_000          # a pasted file is read to this many lines; the rest is reported

_DASH_LINE = re.compile(r"-{2,}(?:[ \t]+-{2,})*")
_PROMPT = re.compile(r"(?:PS [^<>\n]{0,200}>|[A-Za-z]:\\[^<>\n]{0,200}>|~?\$ |> |\[[^\]\n]{1,60}\]: PS )")
_COMMAND = re.compile(r"(?:Get|Find)-[A-Za-z]+\b")
_LIST_LINE = re.compile(r"(?P<key>[A-Za-z][A-Za-z0-9_.()\-]{0,80}?)[ \t]*:(?:[ \t]+(?P<value>.*))?")
_LIST_SEP = re.compile(r"[ \t]:(?:[ \t]|$)")


@dataclass(frozen=True, slots=True)
class PsBlock(Record):
    """One table or one list record, as printed."""
    kind: str                              # "table" | "list"
    line: int                              # 1-based line of its header / first property
    columns: tuple[str, ...] = ()          # table: header names (multi-line headers joined)
    starts: tuple[int, ...] = ()           # table: display column where each dash run starts
    ends: tuple[int, ...] = ()             # table: display column where each dash run ends
    rows: tuple[str, ...] = ()             # table: data lines, block indentation removed
    row_lines: tuple[int, ...] = ()        # table: 1-based line of each row
    values: dict[str, str] = field(default_factory=dict)   # list: property -> value ("\n" joins lines)
    bad_lines: tuple[str, ...] = ()        # list: lines inside the record that are not "Name : value"
    command: str = ""                      # the last prompt line above the block ("PS C:\\> Get-X -Y z")


@dataclass(frozen=True, slots=True)
class PsFormatted(Record):
    blocks: tuple[PsBlock, ...] = ()
    loose: tuple[str, ...] = ()            # non-blank lines in no block and not noise (candidates
                                           # for header-less rows; the cmdlet readers decide)
    loose_lines: tuple[int, ...] = ()
    truncated: bool = False                # more than MAX_LINES lines: the rest was not read


def display_width(text: str) -> int:
    """Columns a console gives ``text``: East Asian wide/full-width characters take two."""
    width = 0
    for ch in text:
        if ch.isascii():
            width += 1
        elif unicodedata.combining(ch):
            continue
        else:
            width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def words(line: str) -> list[tuple[int, int, str]]:
    """``(display start, display end, word)`` for each run of non-blank characters."""
    out: list[tuple[int, int, str]] = []
    col = 0
    start = -1
    buf: list[str] = []
    for ch in line:
        if ch in " \t":
            if buf:
                out.append((start, col, "".join(buf)))
                buf = []
            col += 1
            continue
        if not buf:
            start = col
        buf.append(ch)
        col += display_width(ch)
    if buf:
        out.append((start, col, "".join(buf)))
    return out


def is_noise(line: str) -> bool:
    """A prompt, a Markdown fence or a PowerShell block-comment marker."""
    s = line.strip()
    if not s:
        return False
    if s.startswith(("```", "~~~", "<#", "#>")) or s in ("<pre>", "</pre>"):
        return True
    return bool(_PROMPT.match(s.lstrip("`")))


def _unquote(line: str) -> str:
    """A line a Markdown writer wrapped in inline-code backticks (`` `Ethernet0   4 IPv4 {}` ``)."""
    s = line.strip()
    if len(s) > 2 and s[0] == "`" and s[-1] == "`" and "`" not in s[1:-1]:
        return line[:len(line) - len(line.lstrip())] + s[1:-1]
    return line


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _aligned_header(line: str, starts: list[int], ends: list[int]) -> bool:
    """The words of ``line`` sit over the dash runs: each starts where a run starts or ends
    where one ends (one column of slack), or there is exactly one word per run and the
    first is in place.  Prompts and prose above a table are not headers."""
    ws = words(line)
    if not ws or is_noise(line):
        return False
    def near(x: int, targets: list[int]) -> bool:
        return any(abs(x - t) <= 1 for t in targets)
    if all(near(s, starts) or near(e, ends) for s, e, _w in ws):
        return True
    return len(ws) == len(starts) > 1 and near(ws[0][0], starts[:1])


def _column_names(header_lines: list[str], starts: list[int], ends: list[int]) -> tuple[str, ...]:
    names = [""] * len(starts)
    for line in header_lines:
        for s, e, w in words(line):
            k = next((i for i in range(len(starts)) if abs(s - starts[i]) <= 1 or abs(e - ends[i]) <= 1), None)
            if k is None:
                k = max((i for i in range(len(starts)) if starts[i] <= s), default=0)
            names[k] += w
    return tuple(names)


def parse(text: str, allow_loose: bool = False) -> PsFormatted:
    """Find every table and list record in ``text``.

    Raises ParseError when there is neither a table (header + dash line) nor a
    ``Name : value`` record of at least two properties -- unless ``allow_loose``, for a
    reader that can use lines outside any block (header-less table rows)."""
    if text is None or not text.strip():
        raise ParseError("PowerShell text: empty")
    text = text.replace("\ufeff", "").replace("\x00", "")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    truncated = len(lines) > MAX_LINES
    lines = [_unquote(l.rstrip()) for l in lines[:MAX_LINES]]
    used = [False] * len(lines)
    blocks: list[PsBlock] = []
    # command lines: a prompt, or a bare cmdlet echo ("Get-NetIPConfiguration -InterfaceAlias LA")
    prompts: list[int] = [n for n, l in enumerate(lines[:50000])
                          if l.strip() and (_PROMPT.match(l.strip().lstrip("`")) or _COMMAND.match(l.strip()))]

    def command_above(n: int) -> str:
        """The closest prompt line before line index ``n`` (the command that printed it)."""
        best = ""
        for p in prompts:
            if p >= n:
                break
            best = lines[p].strip()
        return best

    # Tables first: a dash line under an aligned header.
    i = 1
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped[0] != "-" or not _DASH_LINE.fullmatch(stripped) or not lines[i - 1].strip():
            i += 1
            continue
        base = _indent(line)
        runs = [(m.start() + base, m.end() + base) for m in re.finditer(r"-+", stripped)]
        starts, ends = [s for s, _e in runs], [e for _s, e in runs]
        header = [lines[i - 1]]
        if not _aligned_header(lines[i - 1], starts, ends):
            i += 1
            continue
        if i >= 2 and lines[i - 2].strip() and _aligned_header(lines[i - 2], starts, ends):
            header.insert(0, lines[i - 2])
        columns = _column_names(header, starts, ends)
        rows: list[str] = []
        row_lines: list[int] = []
        j = i + 1
        while j < len(lines):
            row = lines[j]
            if not row.strip() or is_noise(row):
                break
            s = row.strip()
            if s[0] == "-" and _DASH_LINE.fullmatch(s):
                break
            rows.append(row[base:] if row[:base].strip() == "" else row.lstrip())
            row_lines.append(j + 1)
            j += 1
        for k in range(i - len(header), j):
            used[k] = True
        blocks.append(PsBlock(kind="table", line=i - len(header) + 1, columns=columns,
                              starts=tuple(s - base for s in starts), ends=tuple(e - base for e in ends),
                              rows=tuple(rows), row_lines=tuple(row_lines), command=command_above(i - len(header))))
        i = j

    # List records in what is left.
    current: dict[str, str] | None = None
    cur_line = 0
    bad: list[str] = []
    last_key: str | None = None
    value_col = key_indent = 0
    loose: list[str] = []
    loose_lines: list[int] = []

    def close() -> None:
        nonlocal current, bad, last_key
        if current is not None and len(current) >= 2:
            blocks.append(PsBlock(kind="list", line=cur_line, values=dict(current), bad_lines=tuple(bad),
                                  command=command_above(cur_line - 1)))
        elif current:
            for key, value in current.items():       # a lone "x : y" is not a record
                loose.append(f"{key} : {value}")
                loose_lines.append(cur_line)
        current, bad, last_key = None, [], None

    for n, raw in enumerate(lines):
        if used[n]:
            close()
            continue
        if not raw.strip():
            continue                                 # blank lines do not end a record (see below)
        if is_noise(raw):
            close()
            continue
        body = raw.strip()
        fence_after = False
        if body.endswith("```") and body != "```":
            body, fence_after = body[:-3].rstrip(), True     # "value```": the code block ends here
            raw = raw.rstrip()[:-3].rstrip()
            if not body:
                close()
                continue
        m = _LIST_LINE.fullmatch(body)
        if m and _LIST_SEP.search(body + " ") and not body.startswith(("http://", "https://")):
            key, value = m.group("key"), (m.group("value") or "").strip()
            if current is not None and key in current:
                close()                              # the first property again: a new record
            if current is None:
                current, cur_line = {}, n + 1
            current[key] = value
            last_key = key
            value_col = raw.index(":") + 2
            key_indent = _indent(raw)
            if fence_after:
                close()
            continue
        if current is not None and last_key is not None and not _LIST_SEP.search(body + " "):
            ind = _indent(raw)
            # a wrapped value sits under the value column; a flush-left paste loses that, but
            # a continued value is one token (an address), prose is not
            if (ind >= value_col - 2 and ind > key_indent) or not re.search(r"\s", body):
                current[last_key] = (current[last_key] + "\n" + body) if current[last_key] else body
                continue
            close()
        elif current is not None:
            bad.append(body)
            continue
        loose.append(raw)
        loose_lines.append(n + 1)
    close()
    blocks.sort(key=lambda b: b.line)
    if not blocks and not (allow_loose and loose):
        raise ParseError("PowerShell text: no table and no 'Name : value' record")
    return PsFormatted(blocks=tuple(blocks), loose=tuple(loose), loose_lines=tuple(loose_lines),
                       truncated=truncated)


def cells(block: PsBlock, row: str) -> dict[str, str]:
    """Split a table row into its columns by position (display width aware): a word
    belongs to the last column whose dash run starts at or before it (one column of slack
    for the gap).  Values keep single spaces between their words."""
    out: dict[str, list[str]] = {}
    for s, _e, w in words(row):
        k = 0
        for i, start in enumerate(block.starts):
            if s >= start - 1:
                k = i
        out.setdefault(block.columns[k], []).append(w)
    return {col: " ".join(ws) for col, ws in out.items()}


TRUNCATION_MARKS = ("...", "…")


def is_cut(value: str) -> bool:
    """True when PowerShell cut this value to the column width."""
    return value.rstrip().endswith(TRUNCATION_MARKS)


def split_list_value(value: str) -> tuple[list[str], bool]:
    """``{a, b, c}``, ``a\\nb`` or ``a`` -> items; the flag says an item was cut (``fec...``).
    A cut item is dropped: a prefix of an address is not an address."""
    v = value.strip()
    if v.startswith("{"):
        v = v[1:]
        v = v[:-1] if v.endswith("}") else v
        parts = [p.strip() for p in re.split(r"[,\n]", v)]
    else:
        parts = [p.strip() for p in re.split(r"\n|,\s", v)]
    cut = False
    out = []
    for p in parts:
        if not p:
            continue
        if is_cut(p):
            cut = True
            continue
        out.append(p)
    return out, cut
