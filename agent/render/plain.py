"""The outputs of the commands that print no diagnosis, in the shared formats (text, json,
markdown): ``collect``'s snapshot, ``probe``'s ping report and ``explain``'s catalogue.

The Markdown of the catalogue is also the published finding catalogue (docs/findings.md is
``cvpn-doctor explain --format markdown``; a test keeps the two equal).
"""
from __future__ import annotations

import json
from typing import Sequence

from agent.findings import FindingDoc


def snapshot(snap, fmt: str, color: bool = False) -> str:
    if fmt == "json":
        return json.dumps(snap.to_dict(), indent=2, ensure_ascii=False) + "\n"
    from agent.render.style import Style
    from agent.render.terminal import render_snapshot

    if fmt == "markdown":
        return ("# cvpn-doctor: what this machine's configuration shows\n\n```text\n"
                + render_snapshot(snap, Style(False)) + "```\n")
    return render_snapshot(snap, Style(color))


def ping(report, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), indent=2) + "\n"
    text = report.to_text() + "\n"
    if fmt == "markdown":
        return f"# cvpn-doctor probe {report.server}\n\n```text\n{text}```\n"
    return text


def catalogue(docs: Sequence[FindingDoc], fmt: str, listing: bool) -> str:
    if fmt == "json":
        return json.dumps([{"code": d.code, "severity": d.severity.value, "title": d.title,
                            "explanation": d.explanation, "observes": d.observes, "user_fix": d.user_fix,
                            "admin_fix": d.admin_fix, "doc": d.doc} for d in docs], indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return _catalogue_markdown(docs, listing)
    if listing:
        width = max(len(d.code) for d in docs)
        return "".join(f"{d.code.ljust(width)}  {d.severity.value:<7}  {d.title}\n" for d in docs)
    return "".join(f"{d.code} ({d.severity.value}): {d.title}\n\n"
                   f"What it means:\n  {d.explanation}\n\n"
                   f"Evidence that triggers it:\n  {d.observes}\n\n"
                   f"What you can do:\n  {d.user_fix}\n\n"
                   f"What the VPN administrator must change:\n  {d.admin_fix}\n\n"
                   f"Documentation: {d.doc}\n" for d in docs)


def _catalogue_markdown(docs: Sequence[FindingDoc], listing: bool) -> str:
    out = []
    if listing:
        out += ["# Finding codes", "",
                "Every code cvpn-doctor can report, generated from `agent/findings.py` by "
                "`cvpn-doctor explain --format markdown`. Codes are stable: new ones are added, none is renamed.",
                "", "| code | severity | title |", "|---|---|---|"]
        out += [f"| [`{d.code}`](#{d.code}) | {d.severity.value} | {_cell(d.title)} |" for d in docs]
        out.append("")
    for d in docs:
        out += [f"## {d.code}", "", f"**{d.title}** ({d.severity.value})", "",
                f"- **What it means**: {d.explanation}", f"- **Evidence that triggers it**: {d.observes}",
                f"- **What you can do**: {d.user_fix}", f"- **What the VPN administrator must change**: {d.admin_fix}",
                f"- **Documentation**: <{d.doc}>", ""]
    return "\n".join(out)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
