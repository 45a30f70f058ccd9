"""Terminal styling: colours only on a TTY and only without NO_COLOR (no-color.org)."""
from __future__ import annotations

import os
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


def table(headers: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    """A plain aligned text table (no box drawing: it must survive copy-paste into tickets)."""
    if not rows:
        return []
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    fmt = lambda cells: indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [fmt(headers), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
