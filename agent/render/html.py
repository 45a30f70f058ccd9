"""One self-contained HTML page: the DNS path drawn first (inline SVG, like the AWS article's
figures), then the verdict, the findings with their fixes, what could not be told, and the
tables.  Inline CSS, no script, no external fetch; prints well; redacted like the Markdown
report (agent.redact) unless asked otherwise.

The drawing is a pure function of :class:`agent.path.PathModel`: columns left to right are
this machine, the interface a server's packets leave by (the tunnel or the LAN), the Client
VPN endpoint or the LAN gateway, the network the server lies in, and the server with its UDP
and TCP outcome.  Boxes shared by several servers span their rows.  The top finding is drawn
at the place it concerns: a route (on the arrow), a server (its box), the VPC's way out to
the internet (full tunnel), or the machine's own DNS configuration.  Unknown parts are
dashed and say "unknown".
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from html import escape

from agent.model import Report, Severity, Verdict
from agent.path import COLUMNS, Diagram, Edge, Node, Place, PathModel, build, diagram
from agent.redact import Redactor

# Layout, in SVG user units (px).  Text is monospace so widths are predictable.
FONT = 12
CHAR_W = 7.4           # width of one narrow monospace character at 12px (Chromium, DejaVu Sans Mono: 7.22)
LINE_H = 16
PAD_X, PAD_Y = 10, 8
GAP_X = 46             # horizontal room between columns (the arrows)
ROW_GAP = 18
MARGIN = 16

COLOURS = {"ok": "#1a7f37", "partial": "#9a6700", "fail": "#cf222e", "not-probed": "#6e7781", "unknown": "#6e7781"}
_VERDICT = {
    Verdict.HEALTHY: ("Healthy: DNS over the VPN works", "ok"),
    Verdict.DEGRADED: ("Degraded: DNS over the VPN works, with problems", "partial"),
    Verdict.BROKEN: ("Broken: DNS over the VPN does not work", "fail"),
    Verdict.NOT_CONNECTED: ("Not connected: no VPN tunnel is up", "partial"),
    Verdict.CANNOT_TELL: ("Cannot tell: the evidence given does not show enough", "unknown"),
}
_SEV = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Info"}


def text_width(text: str) -> float:
    """Display width of monospace text: East Asian wide characters take two cells."""
    cells = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
    return cells * CHAR_W


# --------------------------------------------------------------------------- the drawing


@dataclass
class _Geo:
    """Where one node of the diagram sits."""
    node: Node
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


@dataclass
class _Layout:
    boxes: list[_Geo]
    edges: list[Edge]
    at: dict[str, _Geo]
    width: float
    height: float
    rows_top: float
    row_h: float

    def row_y(self, row: int) -> float:
        return self.rows_top + row * (self.row_h + ROW_GAP) + self.row_h / 2


def _layout(model: PathModel, d: Diagram) -> _Layout:
    """Column widths from the longest line of each column; rows of equal height; a box
    shared by several rows spans them; this machine spans every row."""
    widths = [0.0] * len(COLUMNS)
    max_lines = 1
    for n in d.nodes:
        widths[n.column] = max(widths[n.column], max(text_width(t) for t in n.lines) + 2 * PAD_X)
        if n.column:
            max_lines = max(max_lines, len(n.lines))
    row_h = max_lines * LINE_H + 2 * PAD_Y
    xs: list[float] = []
    x: float = MARGIN
    for w in widths:
        xs.append(x)
        x += (w + GAP_X) if w else 0
    machine = next(n for n in d.nodes if n.column == 0)
    body_h = max(d.rows * row_h + (d.rows - 1) * ROW_GAP, len(machine.lines) * LINE_H + 2 * PAD_Y)
    top = MARGIN + 24            # room for the column captions
    boxes = []
    for n in d.nodes:
        g = _Geo(n, x=xs[n.column], w=widths[n.column])
        if n.column == 0:
            g.y, g.h = top, body_h
        else:
            first, last = min(n.rows), max(n.rows)
            g.y = top + first * (row_h + ROW_GAP)
            g.h = (last - first) * (row_h + ROW_GAP) + row_h
        boxes.append(g)
    marks = {e.mark for e in d.edges if e.mark}
    width = max(x - GAP_X + MARGIN, max((text_width(t) for t in (_bottom_line(model), *marks)), default=0) + 2 * MARGIN)
    height = top + body_h + MARGIN + 30 * len(marks) + (34 if model.top else 0)
    return _Layout(boxes, d.edges, {g.node.key: g for g in boxes}, width, height, top, row_h)


_STROKE = {"ok": COLOURS["ok"], "fail": COLOURS["fail"], "partial": COLOURS["partial"], "marked": COLOURS["fail"],
           "unknown": COLOURS["unknown"], "not-probed": COLOURS["unknown"], "tunnel": "#0969da"}
_FILL = {"marked": "#ffebe9", "fail": "#ffebe9", "ok": "#dafbe1", "partial": "#fff8c5", "tunnel": "#ddf4ff",
         "unknown": "#f6f8fa"}


def svg(model: PathModel) -> str:
    """The drawing, as one ``<svg>`` element (valid XML)."""
    d = diagram(model)
    lay = _layout(model, d)
    width, height = lay.width, lay.height
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="dns-path" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="DNS path of this machine" '
           f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="{FONT}">',
           '<defs><marker id="arrowhead" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#57606a"/></marker></defs>']
    for c in sorted({g.node.column for g in lay.boxes}):
        g = next(x for x in lay.boxes if x.node.column == c)
        out.append(f'<text class="caption" x="{g.x:.1f}" y="{MARGIN + 10}" fill="#57606a">{escape(COLUMNS[c])}</text>')
    mark_y = max(g.y + g.h for g in lay.boxes) + 24
    labelled: set[str] = set()
    for e in lay.edges:
        src, dst = lay.at[e.src.key], lay.at[e.dst.key]
        y = lay.row_y(e.row)
        x1, x2 = src.x + src.w, dst.x
        colour = COLOURS.get(e.status, "#57606a")
        dash = ' stroke-dasharray="5 4"' if e.dashed else ""
        out.append(f'<line class="arrow{" arrow-marked" if e.mark else ""}" x1="{x1:.1f}" y1="{y:.1f}" '
                   f'x2="{x2 - 2:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1.6"{dash} '
                   'marker-end="url(#arrowhead)"/>')
        if e.mark:
            cx = (x1 + x2) / 2
            out.append(f'<g class="mark mark-route" data-code="{escape(e.mark)}">'
                       f'<circle cx="{cx:.1f}" cy="{y:.1f}" r="9" fill="#cf222e"/>'
                       f'<text x="{cx:.1f}" y="{y + 4:.1f}" text-anchor="middle" fill="#fff" font-weight="bold">X</text>')
            if e.mark not in labelled:
                labelled.add(e.mark)
                lx = min(cx, width - MARGIN - text_width(e.mark))
                out.append(f'<line x1="{cx:.1f}" y1="{y + 9:.1f}" x2="{cx:.1f}" y2="{mark_y - 12:.1f}" stroke="#cf222e" '
                           f'stroke-dasharray="2 3"/>'
                           f'<text x="{lx:.1f}" y="{mark_y:.1f}" fill="#cf222e">{escape(e.mark)}</text>')
                mark_y += 30
            out.append("</g>")
    for g in lay.boxes:
        n = g.node
        stroke, fill = _STROKE.get(n.status, "#57606a"), _FILL.get(n.status, "#ffffff")
        width_px = 3 if n.status == "marked" else 1.4
        dash = ' stroke-dasharray="6 4"' if n.dashed else ""
        code = escape(model.top.code) if n.status == "marked" and model.top else ""
        data = f' data-code="{code}"' if code else ""
        status = f" status-{escape(n.status)}"
        out.append(f'<g class="box box-{escape(n.kind)}{status}{" marked" if n.status == "marked" else ""}"{data}>'
                   f'<rect x="{g.x:.1f}" y="{g.y:.1f}" width="{g.w:.1f}" height="{g.h:.1f}" rx="6" '
                   f'fill="{fill}" stroke="{stroke}" stroke-width="{width_px}"{dash}/>')
        ty = g.y + (g.h - len(n.lines) * LINE_H) / 2 + LINE_H - 4
        for i, line in enumerate(n.lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(f'<text x="{g.x + PAD_X:.1f}" y="{ty + i * LINE_H:.1f}"{weight}>{escape(line)}</text>')
        out.append("</g>")
    if model.top is not None:
        out.append(f'<text class="top-finding" x="{MARGIN}" y="{height - MARGIN:.1f}" fill="#cf222e">'
                   f'{escape(_bottom_line(model))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _bottom_line(model: PathModel) -> str:
    if model.top is None:
        return ""
    where = {Place.MACHINE: "this machine's DNS configuration (red box)", Place.TUNNEL: "the tunnel (X)",
             Place.ROUTE: "the route (X on the arrow)", Place.SERVER: "the DNS server (red box)",
             Place.EGRESS: "the VPC's way out to the internet (X)"}.get(model.top_place or "", "")
    return f"{model.top.code}: {where}"


# --------------------------------------------------------------------------- the page

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP",sans-serif;margin:2em auto;
max-width:78em;padding:0 1em;color:#1f2328;line-height:1.45}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #d0d7de}
.verdict{display:inline-block;padding:.25em .7em;border-radius:1em;font-weight:bold;color:#fff}
.v-ok{background:#1a7f37}.v-partial{background:#9a6700}.v-fail{background:#cf222e}.v-unknown{background:#6e7781}
figure{margin:1em 0;overflow-x:auto}figcaption{color:#57606a;font-size:.9em}
svg.dns-path{max-width:100%;height:auto}
.finding{border-left:4px solid #d0d7de;padding:.2em 1em;margin:1em 0}
.sev-error{border-color:#cf222e}.sev-warning{border-color:#9a6700}.sev-info{border-color:#0969da}
code,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.92em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.2em .5em;text-align:left}
th{background:#f6f8fa}ul.evidence{color:#57606a;font-size:.92em}
footer{margin-top:2em;color:#57606a;font-size:.85em}
@media print{body{margin:0;max-width:none}figure{overflow:visible}.finding{break-inside:avoid}}
"""


def render(report: Report, redact: bool = True, redactor: Redactor | None = None,
           already_redacted: bool = False, level: str = "default") -> str:
    """The report as one self-contained HTML page (redacted first, at ``level``, unless
    ``redact`` is False; ``already_redacted``: the bundle's report, which went through its
    Redactor already)."""
    if redactor is not None:
        level = redactor.level
    if redact and not already_redacted:
        report = (redactor or Redactor.for_report(report, level=level)).report(report)
    redact = redact or already_redacted
    model = build(report)
    headline, tone = _VERDICT[report.verdict]
    e = escape
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>cvpn-doctor: {e(headline)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f'<header><span class="verdict v-{tone}">{e(report.verdict.value)}</span>',
           f"<h1>{e(headline)}</h1>"]
    if report.findings:
        top = report.findings[0]
        out.append(f"<p><strong>Top finding:</strong> {e(top.title)} (<code>{e(top.code)}</code>)</p>")
    out.append(f"<p>Scenario: <code>{e(report.scenario.id)}</code> {e(report.scenario.title)}</p></header>")

    out.append('<section id="path"><h2>Where DNS goes</h2><figure>')
    out.append(svg(model))
    out.append("<figcaption>Each row is one DNS server, in the order this machine asks them: the interface its "
               "packets leave by, the Client VPN endpoint (which source-NATs them into its target network) or the "
               "LAN gateway, the network it lies in, and how it answered over UDP and TCP. Dashed: not known from "
               "the evidence. Red: the top finding.</figcaption></figure></section>")

    out.append('<section id="findings"><h2>Findings</h2>')
    if not report.findings:
        out.append("<p>" + ("None in what was captured." if report.verdict is Verdict.CANNOT_TELL
                            else "No problems found.") + "</p>")
    for f in report.findings:
        out.append(f'<div class="finding sev-{f.severity.value}" id="finding-{e(f.code)}">'
                   f"<h3>{_SEV[f.severity]}: {e(f.title)} <code>{e(f.code)}</code></h3><p>{e(f.explanation)}</p>")
        if f.user_fix:
            out.append(f"<p><strong>What you can do:</strong> {e(f.user_fix)}</p>")
        if f.admin_fix:
            out.append(f"<p><strong>What the VPN administrator must change:</strong> {e(f.admin_fix)}</p>")
        if f.evidence:
            out.append('<ul class="evidence">' + "".join(f"<li>{e(x)}</li>" for x in f.evidence) + "</ul>")
        out.append("</div>")
    out.append("</section>")

    facts = report.facts
    if facts is not None and facts.unknowns:
        out.append('<section id="unknowns"><h2>Could not tell</h2><p>What the evidence given does not show (what was '
                   "not captured proves nothing), and the output that would show it:</p><ul>")
        for u in facts.unknowns:
            cmds = "".join(f"<li>{e(p + ': ') if len(u.commands) > 1 else ''}<code>{e(c)}</code></li>"
                           for p, cs in u.commands.items() for c in cs)
            out.append(f"<li>{e(u.what)}<ul>{cmds}</ul></li>")
        out.append("</ul></section>")

    out.append('<section id="tables"><h2>Resolvers</h2>')
    rows = []
    for p in model.servers:
        via = "unknown" if p.through_tunnel is None else (f"{p.interface or '-'} ("
                                                          f"{'tunnel' if p.through_tunnel else 'not tunnel'})")
        rows.append([p.address, str(p.order or "-"), p.role or "-", via, p.network or "-",
                     "; ".join(f"{leg.transport.value} {leg.outcome}" for leg in p.legs) or "not probed"])
    out.append(_table(["Server", "Asked #", "Role", "Leaves by", "Network", "Probes"], rows))
    out.append("<h2>DNS probes</h2>")
    if report.probe_skipped:
        out.append(f"<p>Not sent: {e(report.probe_skipped)}</p>")
    out.append(_table(["Server", "Transport", "Name", "Result", "Answers / detail", "Time (ms)"],
                      [[p.server, p.transport.value, p.name, p.outcome.value,
                        ", ".join(a.address for a in p.answers[:4]) or p.detail or "-",
                        "-" if p.rtt_ms is None else f"{p.rtt_ms:.1f}"] for p in report.probes]))
    routes = [r for r in report.snapshot.routes if r.table in ("main", "default", "254")
              and (r.destination.endswith(("/0", "/1")) or r.interface in (facts.tunnel_interfaces if facts else ()))]
    out.append("<h2>Routes that matter</h2>")
    out.append(_table(["Destination", "Gateway", "Interface", "Metric"],
                      [[r.destination, r.gateway or "-", r.interface or "-", "-" if r.metric is None else str(r.metric)]
                       for r in routes[:40]]) or "<p>None captured.</p>")
    out.append("</section>")
    out.append(f"<footer>{e(report.tool.name)} {e(report.tool.version)}, report schema {e(report.schema_version)}, "
               f"{e(report.platform.value)}, {e(report.generated_at)}."
               + (" Personal data redacted; keys and tokens removed." if redact else " Not redacted.")
               + (" Strict level: private addresses, interface names, domains and the endpoint id are tokens too."
                  if redact and level == "strict" else "")
               + "</footer></body></html>")
    return "\n".join(out) + "\n"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
