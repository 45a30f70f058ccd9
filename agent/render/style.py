"""Terminal styling: colours only on a TTY and only without NO_COLOR (no-color.org)."""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}


@dataclass(frozen=True)
class Style:
    color: bool = False
    unicode: bool = True    # arrows and check marks; False: ASCII stand-ins (a console that cannot print them)

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        seq = ";".join(_CODES[s] for s in styles)
        return f"\x1b[{seq}m{text}\x1b[0m"


def _can_print(stream, text: str) -> bool:
    try:
        text.encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def style_for(stream) -> Style:
    unicode = _can_print(stream, "→✓✗")
    if os.environ.get("NO_COLOR") is not None:
        return Style(False, unicode)
    try:
        return Style(stream.isatty() and os.environ.get("TERM") != "dumb", unicode)
    except (AttributeError, ValueError):
        return Style(False, unicode)


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal: East Asian wide and full-width characters two,
    combining marks none, everything else one."""
    cols = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cols += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return cols


def pad(text: str, cols: int) -> str:
    """``text`` padded with spaces to ``cols`` columns (``str.ljust`` counts characters)."""
    return text + " " * max(0, cols - width(text))


def clip(text: str, cols: int) -> str:
    """At most ``cols`` columns of ``text``, cut between characters (never inside one)."""
    if width(text) <= cols:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > cols:
            break
        out.append(ch)
        used += w
    return "".join(out)


def table(headers: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    """A plain aligned text table (no box drawing: it must survive copy-paste into tickets).
    Columns are aligned by display width, so Japanese headings and cells line up."""
    if not rows:
        return []
    widths = [width(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], width(cell))
    fmt = lambda cells: indent + "  ".join(pad(c, w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
