"""The human rendering: verdict and top finding first, then findings with fixes, then
the evidence tables (resolvers with scope and route, probes with timings)."""
from __future__ import annotations

from agent.facts import derive, route_fact
from agent.path import PathModel, hops, outcome_words
from agent.path import build as build_path
from agent.model import Facts, Known, Report, Severity, Snapshot, Verdict
from agent.render.style import Style, table

_VERDICT = {
    Verdict.HEALTHY: ("DNS over the VPN looks healthy", "green"),
    Verdict.DEGRADED: ("DNS over the VPN works, with problems", "yellow"),
    Verdict.BROKEN: ("DNS over the VPN is broken", "red"),
    Verdict.NOT_CONNECTED: ("The VPN is not connected", "yellow"),
    Verdict.CANNOT_TELL: ("Cannot tell from this evidence", "yellow"),
}
_SEV = {Severity.ERROR: ("ERROR", "red"), Severity.WARNING: ("WARN ", "yellow"), Severity.INFO: ("INFO ", "blue")}


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def render_unknown_lines(facts: Facts, s: Style) -> list[str]:
    """The "could not tell" section: what the evidence does not show, and what would show it."""
    if not facts.unknowns:
        return []
    out = [s("Could not tell", "bold") + " (what was not captured proves nothing)"]
    for u in facts.unknowns:
        out.append(f"  - {u.what}")
        for platform, commands in u.commands.items():
            label = f"{platform}: " if len(u.commands) > 1 else ""
            out += [f"      {label}{c}" for c in commands]
    return out


_MARK = {"ok": ("✓", "ok", "green"), "partial": ("~", "~ ", "yellow"), "fail": ("✗", "XX", "red"),
         "not-probed": ("?", "? ", "dim")}


def render_path_lines(model: PathModel, s: Style) -> list[str]:
    """One line per nameserver: the way its packets go, and how it answered
    (``✗ 10.1.0.10 primary  laptop → tun0 → Client VPN endpoint → 10.1.0.0/16 → 10.1.0.10  udp timeout``)."""
    if not model.servers:
        return []
    arrow = " → " if s.unicode else " -> "
    out = [s("DNS path", "bold") + (" (tunnel: " + (f"{model.mode.value} via {', '.join(model.tunnel_interfaces)}"
                                                     if model.connected else "not up" if model.tunnel is Known.ABSENT
                                                     else "not known") + ")")]
    width = max(len(p.address) + (len(p.role) + 1 if p.role else 0) for p in model.servers)
    for p in model.servers:
        uni, ascii_, colour = _MARK[p.status]
        who = f"{p.address} {p.role}".strip().ljust(width)
        line = f"  {s(uni if s.unicode else ascii_, 'bold', colour)} {who}  {arrow.join(hops(p, model))}  {outcome_words(p)}"
        if p.mark is not None:
            line += ("  ← " if s.unicode else "  <- ") + s(p.mark.code, "bold")
        out.append(line)
    return out


def render_snapshot_lines(snap: Snapshot, s: Style, facts: Facts | None = None) -> list[str]:
    facts = facts or derive(snap)
    tunnels = set(facts.tunnel_interfaces)
    if facts.tunnel is Known.NOT_CAPTURED:
        out = [s("Tunnel", "bold") + ": not known (no interface list or routing table was captured)"]
    else:
        out = [s("Tunnel", "bold") + f": {facts.tunnel_mode.value}"
               + (f" via {', '.join(facts.tunnel_interfaces)}" if facts.tunnel_interfaces else "")
               + (f" (from the {facts.tunnel_mode_from})" if facts.tunnel_mode_from == "VPN log" else "")]
        out += [f"  - {r}" for r in snap.vpn.reasons]
    if facts.custom_dns is not Known.NOT_CAPTURED:
        out.append(f"  custom DNS: {', '.join(facts.custom_dns_servers) or 'none'} (from {facts.custom_dns_from})")
    out += [f"  note: {n}" for n in facts.notes]
    pushed = snap.vpn.pushed
    if pushed is not None:
        out.append(f"  pushed by the endpoint: DNS {', '.join(pushed.dns_servers) or 'none'}; "
                   f"{'redirect-gateway (full tunnel)' if pushed.redirect_gateway else str(len(pushed.routes)) + ' route(s)'}")
    out.append("")
    out.append(s("Resolvers", "bold") + f" (DNS managed by {snap.dns.manager.value}"
               + (", resolv.conf points at a local stub" if snap.dns.stub else "") + ")")
    rows = []
    for r in snap.dns.resolvers:
        ri = route_fact(snap, facts, r.address)
        route = ("unknown" if ri.via_tunnel is None else "-" if ri.interface is None
                 else f"{ri.interface}{' (tunnel)' if ri.via_tunnel else ''}")
        rows.append([r.address + ("" if r.port == 53 else f":{r.port}"), r.scope.value, r.interface or "-",
                     ", ".join(r.domains) or "-", route, r.origin or "-"])
    out += table(["server", "scope", "link", "domains", "route", "seen in"], rows) or ["  (none found)"]
    if snap.dns.search_domains:
        out.append(f"  search: {' '.join(snap.dns.search_domains)}")
    out.append("")
    routes = [r for r in snap.routes if r.table in ("main", "default", "254")
              and (r.network.prefixlen <= 1 or r.interface in tunnels)]
    out.append(s("Routes that matter", "bold") + f" ({len(snap.routes)} in all tables)")
    rows = [[r.destination, r.gateway or "-", r.interface or "-", "-" if r.metric is None else str(r.metric)]
            for r in routes[:40]]
    out += table(["destination", "gateway", "interface", "metric"], rows) or ["  (no default or tunnel routes)"]
    if snap.errors:
        out.append("")
        out.append(s("Could not collect", "bold"))
        out += [f"  - {e.source}: {e.message}" for e in snap.errors]
    return out


def render_snapshot(snap: Snapshot, style: Style = Style()) -> str:
    return "\n".join(render_snapshot_lines(snap, style)) + "\n"


def render(report: Report, style: Style = Style(), verbose: bool = False) -> str:
    s = style
    headline, colour = _VERDICT[report.verdict]
    out = [s(headline.upper() if report.verdict is Verdict.BROKEN else headline, "bold", colour)]
    if report.findings:
        top = report.findings[0]
        if top.title.lower() != headline.lower():
            out.append(f"  {top.title}.")
    out.append(s(f"  Scenario: {report.scenario.id} - {report.scenario.title}", "dim"))
    out.append("")
    path = render_path_lines(build_path(report), s)
    if path:
        out += path
        out.append("")
    if report.findings:
        out.append(s("Findings", "bold"))
        for f in report.findings:
            label, col = _SEV[f.severity]
            out.append(f"{s(label, 'bold', col)} {f.title}  [{f.code}]")
            out.append(f"      {f.explanation}")
            for ev in f.evidence:
                out.append(s(f"      > {ev}", "dim"))
            if f.user_fix:
                out.append(f"      You: {f.user_fix}")
            if f.admin_fix:
                out.append(f"      VPN admin: {f.admin_fix}")
            out.append(s(f"      More: cvpn-doctor explain {f.code}", "dim"))
            out.append("")
    elif report.verdict is Verdict.CANNOT_TELL:
        out.append("No problem found in what was captured, but it is not enough to tell (see below).")
        out.append("")
    else:
        out.append("No problems found.")
        out.append("")
    facts = report.facts or derive(report.snapshot, report.probe_run, report.names)
    unknown = render_unknown_lines(facts, s)
    if unknown:
        out += unknown
        out.append("")
    out += render_snapshot_lines(report.snapshot, s, facts)
    out.append("")
    out.append(s("Probes", "bold") + (f" (deadline {report.probe_deadline_s:g} s, took {report.probe_elapsed_s:.2f} s)"
                                     if report.probes else ""))
    if report.probe_skipped:
        out.append(f"  not sent: {report.probe_skipped}")
    rows = []
    for p in report.probes:
        ans = ", ".join(a.address for a in p.answers[:3]) + (" ..." if len(p.answers) > 3 else "")
        rows.append([p.server, p.transport.value, p.name, p.outcome.value, ans or p.detail[:40] or "-",
                     _ms(p.rtt_ms), p.interface or "-"])
    out += table(["server", "proto", "name", "result", "answers", "time", "via"], rows)
    if report.system_lookups:
        out.append("")
        out.append(s("What applications see", "bold") + " (the system resolver)")
        rows = [[l.name, ", ".join(a.address for a in l.addresses[:4]) or (l.error or "-"), _ms(l.rtt_ms)]
                for l in report.system_lookups]
        out += table(["name", "addresses", "time"], rows)
    if report.inputs:
        out.append("")
        out.append(s("What was read", "bold"))
        rows = [[f"{i.file}" + (f" #{i.part}" if len({x.file for x in report.inputs}) < len(report.inputs) else ""),
                 i.lines or "all", i.command or "-", i.read_as or "not read", (i.note or "-")[:70]]
                for i in report.inputs]
        out += table(["file", "lines", "command", "read as", "note"], rows)
    if verbose and report.snapshot.trace:
        out.append("")
        out.append(s("Trace", "bold"))
        out += [f"  {t}" for t in report.snapshot.trace]
    out.append("")
    out.append(s(f"{report.tool.name} {report.tool.version} on {report.platform.value}, {report.generated_at}", "dim"))
    return "\n".join(out) + "\n"
