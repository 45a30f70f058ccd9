"""The DNS path as a Mermaid flowchart (for the Markdown report: GitHub and GitLab draw it;
elsewhere it stays readable text).  Same boxes and arrows as the HTML drawing
(agent.path.diagram); the top finding's arrow carries its code, its box is red."""
from __future__ import annotations

import re

from agent.path import Diagram, PathModel, diagram

_CLASSES = {
    "marked": "fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
    "fail": "fill:#ffebe9,stroke:#cf222e",
    "ok": "fill:#dafbe1,stroke:#1a7f37",
    "partial": "fill:#fff8c5,stroke:#9a6700",
    "tunnel": "fill:#ddf4ff,stroke:#0969da",
    "unknown": "fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:5 4",
    "not-probed": "fill:#f6f8fa,stroke:#6e7781",
}


def _id(key: str, ids: dict[str, str]) -> str:
    if key not in ids:
        ids[key] = "n" + str(len(ids)) + "_" + re.sub(r"[^A-Za-z0-9]", "_", key)[:24]
    return ids[key]


def _label(lines: list[str]) -> str:
    # A Mermaid "markdown string" (a quoted label in backticks) takes real line breaks, so the
    # Markdown stays free of HTML (<br/>) for renderers that show the fence as text; quotes,
    # backticks and markdown emphasis are neutralised.
    def clean(line: str) -> str:
        return (line.replace('"', "#quot;").replace("`", "'").replace("*", "#42;").replace("_", "#95;")
                .replace("<", "#lt;").replace(">", "#gt;"))
    return '"`' + "\n".join(clean(line) for line in lines) + '`"'


def flowchart(model: PathModel, d: Diagram | None = None) -> str:
    """The ```mermaid fenced block."""
    d = d or diagram(model)
    ids: dict[str, str] = {}
    out = ["```mermaid", "flowchart LR"]
    for n in d.nodes:
        shape = ("([", "])") if n.column == 0 else ("[", "]")
        out.append(f"  {_id(n.key, ids)}{shape[0]}{_label(n.lines)}{shape[1]}")
    seen: set[tuple[str, str, str]] = set()
    for e in d.edges:
        pair = (e.src.key, e.dst.key, e.mark)
        if pair in seen:
            continue      # two rows sharing a stretch of the way draw it once
        seen.add(pair)
        arrow = "-.->" if e.dashed else "-->"
        label = f'|"X {e.mark}"|' if e.mark else ""
        out.append(f"  {_id(e.src.key, ids)} {arrow}{label} {_id(e.dst.key, ids)}")
    used = sorted({n.status for n in d.nodes if n.status in _CLASSES})
    for status in used:
        out.append(f"  classDef {status.replace('-', '_')} {_CLASSES[status]}")
    for status in used:
        members = ",".join(_id(n.key, ids) for n in d.nodes if n.status == status)
        out.append(f"  class {members} {status.replace('-', '_')}")
    out.append("```")
    return "\n".join(out)
