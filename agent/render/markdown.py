"""Ticket-ready Markdown: plain CommonMark/GFM (headings, lists, pipe tables, code spans), no
HTML, so it renders the same in GitHub, Jira and ServiceNow.

Order: verdict and top finding, findings with user and admin fixes, scenario with evidence,
VPN evidence, resolvers (address, scope, interface, route/tunnel), probes with timings, the
system resolver, collection errors, the decision trace, and the tool version / OS / time.
Redaction (on by default) is applied to the report before rendering: see agent.redact.
"""
from __future__ import annotations

import re

from agent.facts import derive, route_fact
from agent.model import Facts, Known, Report, Severity, Verdict
from agent.redact import Redactor

_VERDICT = {
    Verdict.HEALTHY: "Healthy: DNS over the VPN works",
    Verdict.DEGRADED: "Degraded: DNS over the VPN works, with problems",
    Verdict.BROKEN: "Broken: DNS over the VPN does not work",
    Verdict.NOT_CONNECTED: "Not connected: no VPN tunnel is up",
    Verdict.CANNOT_TELL: "Cannot tell: the evidence given does not show enough",
}
_SEV = {Severity.ERROR: "Error", Severity.WARNING: "Warning", Severity.INFO: "Info"}
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|])")


def esc(text: object) -> str:
    """Text safe inside a paragraph or a table cell: Markdown specials escaped (so ``<key>`` is
    never read as HTML), line breaks flattened."""
    s = str(text).replace("\r", "").replace("\n", " ")
    return _SPECIAL.sub(r"\\\1", s)


def code(text: object) -> str:
    """An inline code span that survives backticks in the text."""
    s = str(text).replace("\n", " ")
    fence = "``" if "`" in s else "`"
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    return f"{fence}{pad}{s}{pad}{fence}" if s else ""


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM pipe table; cells must already be escaped."""
    if not rows:
        return []
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(cell if cell else "-" for cell in row) + " |" for row in rows]
    return out


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _route_cell(report: Report, facts: Facts, address: str) -> str:
    ri = route_fact(report.snapshot, facts, address)
    if ri.via_tunnel is None:
        return "unknown"
    if ri.interface is None:
        return "no route"
    return f"{esc(ri.interface)} ({'tunnel' if ri.via_tunnel else 'not tunnel'})"


def render(report: Report, redact: bool = True, redactor: Redactor | None = None,
           already_redacted: bool = False, diagram: bool = True, level: str = "default") -> str:
    """The report as Markdown.  With ``redact`` the report is first passed through ``redactor``
    (a fresh one at ``level`` for this report when None); pass the bundle's Redactor for
    consistent tokens, or ``already_redacted=True`` for a report that went through it already.
    ``diagram``: the DNS path as a Mermaid flowchart (GitHub/GitLab draw it; elsewhere it reads
    as text)."""
    if redactor is not None:
        level = redactor.level
    if redact and not already_redacted:
        report = (redactor or Redactor.for_report(report, level=level)).report(report)
    redact = redact or already_redacted
    snap = report.snapshot
    out: list[str] = [f"# cvpn-doctor report: {esc(_VERDICT[report.verdict])}", ""]

    if report.findings:
        top = report.findings[0]
        out.append(f"**Top finding:** {esc(top.title)} ({code(top.code)}, {_SEV[top.severity].lower()})")
    elif report.verdict is Verdict.CANNOT_TELL:
        out.append("**Top finding:** none in what was captured, which is not enough to tell (see *Could not tell*).")
    else:
        out.append("**Top finding:** none, no problems found.")
    out.append("")
    out.append(f"**Scenario:** {code(report.scenario.id)} {esc(report.scenario.title)}")
    out.append("")
    out.append(f"- Verdict: {code(report.verdict.value)}")
    out.append(f"- Generated: {esc(report.generated_at)} (UTC) by {esc(report.tool.name)} {esc(report.tool.version)}")
    out.append(f"- OS: {esc(report.platform.value)}" + (f", {esc(snap.os_release)}" if snap.os_release else ""))
    out.append(f"- Collected: {esc(snap.collected_at)}")
    if report.report_id:
        out.append(f"- Report id: {code(report.report_id)}")
    if report.context:
        ctx = ", ".join(f"{esc(k)}={esc(v)}" for k, v in sorted(report.context.items()))
        out.append(f"- Run options: {ctx}")
    out.append("")

    out.append("## Findings")
    out.append("")
    if not report.findings:
        out.append("None in what was captured." if report.verdict is Verdict.CANNOT_TELL else "No problems found.")
        out.append("")
    for i, f in enumerate(report.findings, start=1):
        out.append(f"### {i}. {_SEV[f.severity]}: {esc(f.title)} ({code(f.code)})")
        out.append("")
        out.append(esc(f.explanation))
        out.append("")
        if f.user_fix:
            out.append(f"- **What you can do:** {esc(f.user_fix)}")
        if f.admin_fix:
            out.append(f"- **What the VPN administrator must change:** {esc(f.admin_fix)}")
        if f.evidence:
            out.append("- **Evidence:**")
            out += [f"  - {esc(ev)}" for ev in f.evidence]
        if f.doc:
            out.append(f"- **Reference:** {esc(f.doc)}")
        out.append("")

    if diagram:
        from agent.path import build
        from agent.render.mermaid import flowchart
        out.append("## Where DNS goes")
        out.append("")
        out.append(flowchart(build(report)))
        out.append("")

    facts = report.facts or derive(report.snapshot, report.probe_run, report.names)
    if facts.unknowns:
        out.append("## Could not tell")
        out.append("")
        out.append("What the evidence given does not show (what was not captured proves nothing), and the "
                   "output that would show it:")
        out.append("")
        for u in facts.unknowns:
            out.append(f"- {esc(u.what)}")
            for platform, commands in u.commands.items():
                label = f"{esc(platform)}: " if len(u.commands) > 1 else ""
                out += [f"  - {label}{code(c)}" for c in commands]
        out.append("")

    out.append("## Scenario")
    out.append("")
    out.append(f"{code(report.scenario.id)}: {esc(report.scenario.title)}")
    out.append("")
    out += [f"- {esc(ev)}" for ev in report.scenario.evidence]
    if report.scenario.evidence:
        out.append("")

    vpn = snap.vpn
    out.append("## VPN")
    out.append("")
    if facts.tunnel is Known.NOT_CAPTURED:
        rows = [["Tunnel", "not known (no interface list or routing table was captured)"]]
    else:
        rows = [["Tunnel", esc(facts.tunnel_mode.value)
                 + (f" via {esc(', '.join(facts.tunnel_interfaces))}" if facts.tunnel_interfaces else "")
                 + (" (from the VPN log)" if facts.tunnel_mode_from == "VPN log" else "")]]
    if facts.custom_dns is not Known.NOT_CAPTURED:
        rows.append(["Custom DNS", esc(", ".join(facts.custom_dns_servers) or "none")
                     + f" (from {esc(facts.custom_dns_from)})"])
    if vpn.pushed is not None:
        p = vpn.pushed
        rows += [["Pushed DNS servers", esc(", ".join(p.dns_servers) or "none (the device keeps its own)")],
                 ["Pushed tunnel", "full (redirect-gateway)" if p.redirect_gateway else
                  f"split: {esc(', '.join(p.routes) or 'no routes')}"],
                 ["Pushed domains", esc(", ".join(p.domains) or "none")],
                 ["Client address", esc(p.ifconfig or "-")],
                 ["block-outside-dns", "yes" if p.block_outside_dns else "no"],
                 ["PUSH_REPLY seen at", esc(p.seen_at or "-")]]
    else:
        rows.append(["Pushed options", "no PUSH_REPLY found (no VPN log, or it has none)"])
    if vpn.profile is not None:
        pr = vpn.profile
        rows += [["Profile", esc(pr.path or "-")],
                 ["Endpoint", esc(pr.endpoint_id or pr.remote_host or "-")],
                 ["Region", esc(pr.region or "-")],
                 ["Remote", esc(f"{pr.remote_host or '-'} port {pr.remote_port or '-'} {pr.proto or ''}".strip())],
                 ["remote-random-hostname", "yes" if pr.remote_random_hostname else "no"]]
    if vpn.log_path:
        rows.append(["Log", esc(vpn.log_path)])
    if vpn.connected_at or vpn.disconnected_at:
        rows.append(["Connected at / disconnected at",
                     f"{esc(vpn.connected_at or '-')} / {esc(vpn.disconnected_at or '-')} (log's local time)"])
    out += table(["Item", "Value"], rows)
    out.append("")
    notes = (list(vpn.reasons) if facts.tunnel is not Known.NOT_CAPTURED else []) + list(facts.notes)
    if notes:
        out += [f"- {esc(r)}" for r in notes]
        out.append("")
    if vpn.log_errors:
        out.append("Errors in the VPN log:")
        out.append("")
        out += [f"- {code(e)}" for e in vpn.log_errors]
        out.append("")

    up = [i for i in snap.interfaces if i.is_up is not False and i.kind.value != "loopback"]
    if up:
        out.append("## Interfaces")
        out.append("")
        rows = [[esc(i.name), esc(i.kind.value),
                 esc(", ".join(f"{a.address}/{a.prefixlen}" if a.prefixlen is not None else a.address
                               for a in i.addresses) or "-"),
                 esc(i.description or "-")] for i in up]
        out += table(["Interface", "Kind", "Addresses", "Description"], rows)
        tunnel_routes = [r for r in snap.routes if r.interface in vpn.tunnel_interfaces
                         and r.table in ("main", "default", "254") and r.type in ("unicast", "")]
        if tunnel_routes:
            out.append("")
            out.append("Routes through the tunnel: " + esc(", ".join(dict.fromkeys(r.destination for r in tunnel_routes))))
        out.append("")

    out.append("## Resolvers")
    out.append("")
    out.append(f"DNS managed by {code(snap.dns.manager.value)}"
               + ("; /etc/resolv.conf points at a local stub." if snap.dns.stub else "."))
    out.append("")
    rows = [[esc(r.address + ("" if r.port == 53 else f"#{r.port}")), esc(r.scope.value), esc(r.interface or "-"),
             esc(", ".join(r.domains) or "-"), _route_cell(report, facts, r.address), esc(r.origin or "-")]
            for r in snap.dns.resolvers]
    out += table(["Address", "Scope", "Interface", "Domains", "Route (tunnel?)", "Seen in"], rows) \
        or ["No resolver found."]
    if snap.dns.search_domains:
        out.append("")
        out.append(f"Search domains: {esc(' '.join(snap.dns.search_domains))}")
    out.append("")

    out.append("## DNS probes")
    out.append("")
    if report.probes:
        out.append(f"Deadline {report.probe_deadline_s:g} s, took {report.probe_elapsed_s:.2f} s.")
        out.append("")
    if report.probe_skipped:
        out.append(f"Not sent: {esc(report.probe_skipped)}")
        out.append("")
    rows = []
    for probe in report.probes:     # not `p`: that is the PushedConfig above
        answers = ", ".join(a.address for a in probe.answers[:4]) + (" ..." if len(probe.answers) > 4 else "")
        rows.append([esc(probe.server + ("" if probe.port == 53 else f"#{probe.port}")), esc(probe.transport.value),
                     esc(probe.name), esc(probe.qtype), esc(probe.outcome.value), esc(answers or probe.detail or "-"),
                     _ms(probe.rtt_ms), esc(probe.interface or "-")])
    out += table(["Server", "Transport", "Name", "Type", "Result", "Answers / detail", "Time (ms)", "Via"], rows)
    if rows:
        out.append("")

    out.append("## System resolver")
    out.append("")
    rows = [[esc(s.name), esc(", ".join(a.address for a in s.addresses) or "-"), esc(s.error or "-"), _ms(s.rtt_ms)]
            for s in report.system_lookups]
    out += table(["Name", "Addresses", "Error", "Time (ms)"], rows) or ["Not queried."]
    out.append("")

    if report.inputs:
        out.append("## What was read")
        out.append("")
        rows = [[esc(i.file), str(i.part), esc(i.lines or "all"), code(i.command) if i.command else "-",
                 code(i.read_as) if i.read_as else "not read", esc(i.note or "-")] for i in report.inputs]
        out += table(["File", "Part", "Lines", "Command", "Read as", "Note"], rows)
        out.append("")

    if snap.errors:
        out.append("## Could not collect")
        out.append("")
        out += [f"- {code(e.source)}: {esc(e.message)}" for e in snap.errors]
        out.append("")

    if snap.trace:
        out.append("## Decision trace")
        out.append("")
        out += [f"- {code(t)}" for t in snap.trace]
        out.append("")

    out.append("---")
    out.append("")
    out.append(f"{esc(report.tool.name)} {esc(report.tool.version)}, report schema {esc(report.schema_version)}, "
               f"{esc(report.platform.value)}, {esc(report.generated_at)}."
               + (" Personal data redacted (user and host names, home paths, e-mail and MAC addresses, "
                  "public client addresses); keys and tokens removed." if redact else " Not redacted.")
               + (" Strict level: private addresses, interface names, domains and the endpoint id are "
                  "tokens too." if redact and level == "strict" else ""))
    return "\n".join(out) + "\n"
