"""Ticket-ready Markdown: plain CommonMark/GFM (headings, lists, pipe tables, code spans), no
HTML, so it renders the same in GitHub, Jira and ServiceNow.

Order: verdict and top finding, findings with user and admin fixes, scenario with evidence,
VPN evidence, resolvers (address, scope, interface, route/tunnel), probes with timings, the
system resolver, collection errors, the decision trace, and the tool version / OS / time.
Redaction (on by default) is applied to the report before rendering: see agent.redact.
"""
from __future__ import annotations

import re

from agent.facts import derive, route_fact, tunnel_evidence_given
from agent.i18n import N_, _
from agent.model import Facts, Known, Report, Severity, Verdict, outcome_text
from agent.redact import Redactor
from agent.render.localize import localize

_VERDICT = {
    Verdict.HEALTHY: N_("Healthy: DNS over the VPN works"),
    Verdict.DEGRADED: N_("Degraded: DNS over the VPN works, with problems"),
    Verdict.BROKEN: N_("Broken: DNS over the VPN does not work"),
    Verdict.NOT_CONNECTED: N_("Not connected: no VPN tunnel is up"),
    Verdict.CANNOT_TELL: N_("Cannot tell: the evidence given does not show enough"),
}
_SEV = {Severity.ERROR: N_("Error"), Severity.WARNING: N_("Warning"), Severity.INFO: N_("Info")}
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
        return _("unknown")
    if ri.interface is None:
        return _("no route")
    return (_("{interface} (tunnel)") if ri.via_tunnel else _("{interface} (not tunnel)")).format(
        interface=esc(ri.interface))


def render(report: Report, redact: bool = True, redactor: Redactor | None = None,
           already_redacted: bool = False, diagram: bool = True, level: str = "default") -> str:
    """The report as Markdown.  With ``redact`` the report is first passed through ``redactor``
    (a fresh one at ``level`` for this report when None); pass the bundle's Redactor for
    consistent tokens, or ``already_redacted=True`` for a report that went through it already.
    ``diagram``: the DNS path as a Mermaid flowchart (GitHub/GitLab draw it; elsewhere it reads
    as text)."""
    if redactor is not None:
        level = redactor.level
    report = localize(report)    # before redaction: the catalogue's English is looked up as written
    if redact and not already_redacted:
        report = (redactor or Redactor.for_report(report, level=level)).report(report)
    redact = redact or already_redacted
    snap = report.snapshot
    out: list[str] = [_("# cvpn-doctor report: {verdict}").format(verdict=esc(_(_VERDICT[report.verdict]))), ""]

    if report.findings:
        top = report.findings[0]
        out.append(_("**Top finding:** {title} ({code}, {severity})").format(
            title=esc(top.title), code=code(top.code), severity=_(_SEV[top.severity]).lower()))
    elif report.verdict is Verdict.CANNOT_TELL:
        out.append(_("**Top finding:** none in what was captured, which is not enough to tell "
                     "(see *Could not tell*)."))
    else:
        out.append(_("**Top finding:** none, no problems found."))
    out.append("")
    out.append(_("**Scenario:** {id} {title}").format(id=code(report.scenario.id), title=esc(report.scenario.title)))
    out.append("")
    out.append(_("- Verdict: {verdict}").format(verdict=code(report.verdict.value)))
    out.append(_("- Generated: {time} (UTC) by {tool} {version}").format(
        time=esc(report.generated_at), tool=esc(report.tool.name), version=esc(report.tool.version)))
    out.append(_("- OS: {os}").format(os=esc(report.platform.value))
               + (f", {esc(snap.os_release)}" if snap.os_release else ""))
    out.append(_("- Collected: {time}").format(time=esc(snap.collected_at)))
    if report.report_id:
        out.append(_("- Report id: {id}").format(id=code(report.report_id)))
    if report.context:
        ctx = ", ".join(f"{esc(k)}={esc(v)}" for k, v in sorted(report.context.items()))
        out.append(_("- Run options: {options}").format(options=ctx))
    out.append("")

    out.append(_("## Findings"))
    out.append("")
    if not report.findings:
        out.append(_("None in what was captured.") if report.verdict is Verdict.CANNOT_TELL
                   else _("No problems found."))
        out.append("")
    for i, f in enumerate(report.findings, start=1):
        out.append(_("### {n}. {severity}: {title} ({code})").format(
            n=i, severity=_(_SEV[f.severity]), title=esc(f.title), code=code(f.code)))
        out.append("")
        out.append(esc(f.explanation))
        out.append("")
        if f.user_fix:
            out.append(_("- **What you can do:** {fix}").format(fix=esc(f.user_fix)))
        if f.admin_fix:
            out.append(_("- **What the VPN administrator must change:** {fix}").format(fix=esc(f.admin_fix)))
        if f.evidence:
            out.append(_("- **Evidence:**"))
            out += [f"  - {esc(ev)}" for ev in f.evidence]
        if f.doc:
            out.append(_("- **Reference:** {url}").format(url=esc(f.doc)))
        out.append("")

    if diagram:
        from agent.path import build
        from agent.render.mermaid import flowchart
        out.append(_("## Where DNS goes"))
        out.append("")
        out.append(flowchart(build(report)))
        out.append("")

    facts = report.facts or derive(report.snapshot, report.probe_run, report.names)
    if facts.unknowns:
        out.append(_("## Could not tell"))
        out.append("")
        out.append(_("What the evidence given does not show (what was not captured proves nothing), and the "
                     "output that would show it:"))
        out.append("")
        for u in facts.unknowns:
            out.append(f"- {esc(u.what)}")
            for platform, commands in u.commands.items():
                label = f"{esc(platform)}: " if len(u.commands) > 1 else ""
                out += [f"  - {label}{code(c)}" for c in commands]
        out.append("")

    out.append(_("## Scenario"))
    out.append("")
    out.append(f"{code(report.scenario.id)}: {esc(report.scenario.title)}")
    out.append("")
    out += [f"- {esc(ev)}" for ev in report.scenario.evidence]
    if report.scenario.evidence:
        out.append("")

    vpn = snap.vpn
    out.append(_("## VPN"))
    out.append("")
    if facts.tunnel is Known.NOT_CAPTURED:
        rows = [[_("Tunnel"), _("not known (no interface list or routing table was captured)")
                 if not tunnel_evidence_given(facts.captured) else
                 _("not known (the routing table or interface list given does not show it)")]]
    else:
        from agent.render.terminal import mode_word
        rows = [[_("Tunnel"), esc(mode_word(facts.tunnel_mode))
                 + (_(" via {interfaces}").format(interfaces=esc(", ".join(facts.tunnel_interfaces)))
                    if facts.tunnel_interfaces else "")
                 + (_(" (from the VPN log)") if facts.tunnel_mode_from == "VPN log" else "")]]
    if facts.custom_dns is not Known.NOT_CAPTURED:
        rows.append([_("Custom DNS"), _("{servers} (from {source})").format(
            servers=esc(", ".join(facts.custom_dns_servers) or _("none")), source=esc(facts.custom_dns_from))])
    yes, no = _("yes"), _("no")
    if vpn.pushed is not None:
        p = vpn.pushed
        rows += [[_("Pushed DNS servers"), esc(", ".join(p.dns_servers) or _("none (the device keeps its own)"))],
                 [_("Pushed tunnel"), _("full (redirect-gateway)") if p.redirect_gateway else
                  _("split: {routes}").format(routes=esc(", ".join(p.routes) or _("no routes")))],
                 [_("Pushed domains"), esc(", ".join(p.domains) or _("none"))],
                 [_("Client address"), esc(p.ifconfig or "-")],
                 ["block-outside-dns", yes if p.block_outside_dns else no],
                 [_("PUSH_REPLY seen at"), esc(p.seen_at or "-")]]
    else:
        rows.append([_("Pushed options"), _("no PUSH_REPLY found (no VPN log, or it has none)")])
    if vpn.profile is not None:
        pr = vpn.profile
        rows += [[_("Profile"), esc(pr.path or "-")],
                 [_("Endpoint"), esc(pr.endpoint_id or pr.remote_host or "-")],
                 [_("Region"), esc(pr.region or "-")],
                 [_("Remote"), esc(_("{host} port {port} {proto}").format(
                     host=pr.remote_host or "-", port=pr.remote_port or "-", proto=pr.proto or "").strip())],
                 ["remote-random-hostname", yes if pr.remote_random_hostname else no]]
    if vpn.log_path:
        rows.append([_("Log"), esc(vpn.log_path)])
    if vpn.connected_at or vpn.disconnected_at:
        rows.append([_("Connected at / disconnected at"), _("{connected} / {disconnected} (log's local time)").format(
            connected=esc(vpn.connected_at or "-"), disconnected=esc(vpn.disconnected_at or "-"))])
    out += table([_("Item"), _("Value")], rows)
    out.append("")
    notes = (list(vpn.reasons) if facts.tunnel is not Known.NOT_CAPTURED else []) + list(facts.notes)
    if notes:
        out += [f"- {esc(r)}" for r in notes]
        out.append("")
    if vpn.log_errors:
        out.append(_("Errors in the VPN log:"))
        out.append("")
        out += [f"- {code(e)}" for e in vpn.log_errors]
        out.append("")

    up = [i for i in snap.interfaces if i.is_up is not False and i.kind.value != "loopback"]
    if up:
        out.append(_("## Interfaces"))
        out.append("")
        rows = [[esc(i.name), esc(i.kind.value),
                 esc(", ".join(f"{a.address}/{a.prefixlen}" if a.prefixlen is not None else a.address
                               for a in i.addresses) or "-"),
                 esc(i.description or "-")] for i in up]
        out += table([_("Interface"), _("Kind"), _("Addresses"), _("Description")], rows)
        tunnel_routes = [r for r in snap.routes if r.interface in vpn.tunnel_interfaces
                         and r.table in ("main", "default", "254") and r.type in ("unicast", "")]
        if tunnel_routes:
            out.append("")
            out.append(_("Routes through the tunnel: {routes}").format(
                routes=esc(", ".join(dict.fromkeys(r.destination for r in tunnel_routes)))))
        out.append("")

    out.append(_("## Resolvers"))
    out.append("")
    out.append((_("DNS managed by {manager}; /etc/resolv.conf points at a local stub.") if snap.dns.stub
                else _("DNS managed by {manager}.")).format(manager=code(snap.dns.manager.value)))
    out.append("")
    rows = [[esc(r.address + ("" if r.port == 53 else f"#{r.port}")), esc(r.scope.value), esc(r.interface or "-"),
             esc(", ".join(r.domains) or "-"), _route_cell(report, facts, r.address), esc(r.origin or "-")]
            for r in snap.dns.resolvers]
    out += table([_("Address"), _("Scope"), _("Interface"), _("Domains"), _("Route (tunnel?)"), _("Seen in")],
                 rows) or [_("No resolver found.")]
    if snap.dns.search_domains:
        out.append("")
        out.append(_("Search domains: {domains}").format(domains=esc(" ".join(snap.dns.search_domains))))
    out.append("")

    out.append(_("## DNS probes"))
    out.append("")
    if report.probes:
        out.append(_("Deadline {deadline} s, took {took} s.").format(
            deadline=f"{report.probe_deadline_s:g}", took=f"{report.probe_elapsed_s:.2f}"))
        out.append("")
    if report.probe_skipped:
        out.append(_("Not sent: {reason}").format(reason=esc(report.probe_skipped)))
        out.append("")
    rows = []
    for probe in report.probes:     # not `p`: that is the PushedConfig above
        answers = ", ".join(a.address for a in probe.answers[:4]) + (" ..." if len(probe.answers) > 4 else "")
        rows.append([esc(probe.server + ("" if probe.port == 53 else f"#{probe.port}")), esc(probe.transport.value),
                     esc(probe.name), esc(probe.qtype), esc(outcome_text(probe.outcome)),
                     esc(answers or probe.detail or "-"), _ms(probe.rtt_ms), esc(probe.interface or "-")])
    out += table([_("Server"), _("Transport"), _("Name"), _("Type"), _("Result"), _("Answers / detail"),
                  _("Time (ms)"), _("Via")], rows)
    if rows:
        out.append("")

    out.append(_("## System resolver"))
    out.append("")
    rows = [[esc(s.name), esc(", ".join(a.address for a in s.addresses) or "-"), esc(s.error or "-"), _ms(s.rtt_ms)]
            for s in report.system_lookups]
    out += table([_("Name"), _("Addresses"), _("Error"), _("Time (ms)")], rows) or [_("Not queried.")]
    out.append("")

    if report.inputs:
        out.append(_("## What was read"))
        out.append("")
        rows = [[esc(i.file), str(i.part), esc(i.lines or _("all")), code(i.command) if i.command else "-",
                 code(i.read_as) if i.read_as else _("not read"), esc(i.note or "-")] for i in report.inputs]
        out += table([_("File"), _("Part"), _("Lines"), _("Command"), _("Read as"), _("Note")], rows)
        out.append("")

    if snap.errors:
        out.append(_("## Could not collect"))
        out.append("")
        out += [f"- {code(e.source)}: {esc(e.message)}" for e in snap.errors]
        out.append("")

    if snap.trace:
        out.append(_("## Decision trace"))
        out.append("")
        out += [f"- {code(t)}" for t in snap.trace]
        out.append("")

    out.append("---")
    out.append("")
    out.append(_("{tool} {version}, report schema {schema}, {platform}, {time}.").format(
        tool=esc(report.tool.name), version=esc(report.tool.version), schema=esc(report.schema_version),
        platform=esc(report.platform.value), time=esc(report.generated_at))
               + (_(" Personal data redacted (user and host names, home paths, e-mail and MAC addresses, "
                    "public client addresses); keys and tokens removed.") if redact else _(" Not redacted."))
               + (_(" Strict level: private addresses, interface names, domains and the endpoint id are "
                    "tokens too.") if redact and level == "strict" else ""))
    return "\n".join(out) + "\n"
