"""Renderers: one interface, chosen by an exhaustive enum."""
from __future__ import annotations

import json
from enum import Enum

from agent.model import Report


class Format(str, Enum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def render(report: Report, fmt: Format, *, color: bool = False, verbose: bool = False, redact: bool = True,
           diagram: bool = True, level: str = "default") -> str:
    if fmt is Format.TEXT:
        from agent.render import terminal
        from agent.render.style import Style
        return terminal.render(report, Style(color), verbose=verbose)
    if fmt is Format.JSON:
        return render_json(report)
    if fmt is Format.MARKDOWN:
        from agent.render import markdown
        return markdown.render(report, redact=redact, diagram=diagram, level=level)
    if fmt is Format.HTML:
        from agent.render import html
        return html.render(report, redact=redact, level=level)
    raise AssertionError(f"unhandled format {fmt!r}")  # pragma: no cover - exhaustive


def render_snapshot(snapshot, fmt: Format, *, color: bool = False) -> str:
    """``collect``: what the machine's configuration shows (no diagnosis)."""
    from agent.render import plain
    return plain.snapshot(snapshot, _simple(fmt), color=color)


def render_ping(report, fmt: Format) -> str:
    """``probe``: one server's answers over UDP and TCP with timings."""
    from agent.render import plain
    return plain.ping(report, _simple(fmt))


def render_catalogue(docs, fmt: Format, *, listing: bool) -> str:
    """``explain``: finding codes with their meaning and fixes (``listing``: every code)."""
    from agent.render import plain
    return plain.catalogue(docs, _simple(fmt), listing)


def _simple(fmt: Format) -> str:
    if fmt not in (Format.TEXT, Format.JSON, Format.MARKDOWN):
        raise ValueError(f"{fmt.value} is for reports only")
    return fmt.value
