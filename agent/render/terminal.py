"""The human rendering: verdict and top finding first, then findings with fixes, then
the evidence tables (resolvers with scope and route, probes with timings)."""
from __future__ import annotations

from agent.facts import derive, route_fact, tunnel_evidence_given
from agent.path import PathModel, hops, outcome_words
from agent.path import build as build_path
from agent.i18n import N_, _
from agent.model import Facts, Known, Report, Severity, Snapshot, TunnelMode, Verdict, outcome_text
from agent.render.localize import localize
from agent.render.style import Style, clip, pad, table, width

_VERDICT = {
    Verdict.HEALTHY: (N_("DNS over the VPN looks healthy"), "green"),
    Verdict.DEGRADED: (N_("DNS over the VPN works, with problems"), "yellow"),
    Verdict.BROKEN: (N_("DNS over the VPN is broken"), "red"),
    Verdict.NOT_CONNECTED: (N_("The VPN is not connected"), "yellow"),
    Verdict.CANNOT_TELL: (N_("Cannot tell from this evidence"), "yellow"),
}
_SEV = {Severity.ERROR: (N_("ERROR"), "red"), Severity.WARNING: (N_("WARN"), "yellow"),
        Severity.INFO: (N_("INFO"), "blue")}
_MODE = {TunnelMode.FULL: N_("full"), TunnelMode.SPLIT: N_("split"), TunnelMode.UNKNOWN: N_("unknown")}


def mode_word(mode: TunnelMode) -> str:
    """full / split / unknown, in the run's language."""
    return _(_MODE.get(mode, str(mode.value)))


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def render_unknown_lines(facts: Facts, s: Style) -> list[str]:
    """The "could not tell" section: what the evidence does not show, and what would show it."""
    if not facts.unknowns:
        return []
    out = [s(_("Could not tell"), "bold") + _(" (what was not captured proves nothing)")]
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
    tunnel = (_("{mode} via {interfaces}").format(mode=mode_word(model.mode),
                                                  interfaces=", ".join(model.tunnel_interfaces))
              if model.connected else _("not up") if model.tunnel is Known.ABSENT else _("not known"))
    out = [s(_("DNS path"), "bold") + _(" (tunnel: {tunnel})").format(tunnel=tunnel)]
    cols = max(width(f"{p.address} {_(p.role)}".strip()) for p in model.servers)
    for p in model.servers:
        uni, ascii_, colour = _MARK[p.status]
        who = pad(f"{p.address} {_(p.role)}".strip(), cols)
        line = f"  {s(uni if s.unicode else ascii_, 'bold', colour)} {who}  {arrow.join(hops(p, model))}  {outcome_words(p)}"
        if p.mark is not None:
            line += ("  ← " if s.unicode else "  <- ") + s(p.mark.code, "bold")
        out.append(line)
    return out


def render_snapshot_lines(snap: Snapshot, s: Style, facts: Facts | None = None) -> list[str]:
    facts = facts or derive(snap)
    tunnels = set(facts.tunnel_interfaces)
    if facts.tunnel is Known.NOT_CAPTURED:
        out = [s(_("Tunnel"), "bold") + (_(": not known (no interface list or routing table was captured)")
                                          if not tunnel_evidence_given(facts.captured) else
                                          _(": not known (the routing table or interface list given does not show it)"))]
    else:
        out = [s(_("Tunnel"), "bold") + f": {mode_word(facts.tunnel_mode)}"
               + (_(" via {interfaces}").format(interfaces=", ".join(facts.tunnel_interfaces))
                  if facts.tunnel_interfaces else "")
               + (_(" (from the VPN log)") if facts.tunnel_mode_from == "VPN log" else "")]
        out += [f"  - {r}" for r in snap.vpn.reasons]
    if facts.custom_dns is not Known.NOT_CAPTURED:
        out.append(_("  custom DNS: {servers} (from {source})").format(
            servers=", ".join(facts.custom_dns_servers) or _("none"), source=facts.custom_dns_from))
    out += [_("  note: {note}").format(note=n) for n in facts.notes]
    pushed = snap.vpn.pushed
    if pushed is not None:
        tunnel = (_("redirect-gateway (full tunnel)") if pushed.redirect_gateway
                  else _("{count} route(s)").format(count=len(pushed.routes)))
        out.append(_("  pushed by the endpoint: DNS {servers}; {tunnel}").format(
            servers=", ".join(pushed.dns_servers) or _("none"), tunnel=tunnel))
    out.append("")
    out.append(s(_("Resolvers"), "bold") + (_(" (DNS managed by {manager}, resolv.conf points at a local stub)")
                                            if snap.dns.stub else _(" (DNS managed by {manager})")
                                            ).format(manager=snap.dns.manager.value))
    rows = []
    for r in snap.dns.resolvers:
        ri = route_fact(snap, facts, r.address)
        route = (_("unknown") if ri.via_tunnel is None else "-" if ri.interface is None
                 else _("{interface} (tunnel)").format(interface=ri.interface) if ri.via_tunnel else ri.interface)
        rows.append([r.address + ("" if r.port == 53 else f":{r.port}"), r.scope.value, r.interface or "-",
                     ", ".join(r.domains) or "-", route, r.origin or "-"])
    out += table([_("server"), _("scope"), _("link"), _("domains"), _("route"), _("seen in")], rows) \
        or [_("  (none found)")]
    if snap.dns.search_domains:
        out.append(_("  search: {domains}").format(domains=" ".join(snap.dns.search_domains)))
    out.append("")
    routes = [r for r in snap.routes if r.table in ("main", "default", "254")
              and (r.network.prefixlen <= 1 or r.interface in tunnels)]
    out.append(s(_("Routes that matter"), "bold") + _(" ({count} in all tables)").format(count=len(snap.routes)))
    rows = [[r.destination, r.gateway or "-", r.interface or "-", "-" if r.metric is None else str(r.metric)]
            for r in routes[:40]]
    out += table([_("destination"), _("gateway"), _("interface"), _("metric")], rows) \
        or [_("  (no default or tunnel routes)")]
    if snap.errors:
        out.append("")
        out.append(s(_("Could not collect"), "bold"))
        out += [f"  - {e.source}: {e.message}" for e in snap.errors]
    return out


def render_snapshot(snap: Snapshot, style: Style = Style()) -> str:
    return "\n".join(render_snapshot_lines(snap, style)) + "\n"


def render(report: Report, style: Style = Style(), verbose: bool = False) -> str:
    s = style
    report = localize(report)
    headline, colour = _VERDICT[report.verdict]
    headline = _(headline)
    out = [s(headline.upper() if report.verdict is Verdict.BROKEN else headline, "bold", colour)]
    if report.findings:
        top = report.findings[0]
        if top.title.lower() != headline.lower():
            out.append(_("  {title}.").format(title=top.title))
    out.append(s(_("  Scenario: {id} - {title}").format(id=report.scenario.id, title=report.scenario.title), "dim"))
    out.append("")
    path = render_path_lines(build_path(report), s)
    if path:
        out += path
        out.append("")
    if report.findings:
        out.append(s(_("Findings"), "bold"))
        label_cols = max(width(_(label)) for label, _c in _SEV.values())
        for f in report.findings:
            label, col = _SEV[f.severity]
            out.append(f"{s(pad(_(label), label_cols), 'bold', col)} {f.title}  [{f.code}]")
            out.append(f"      {f.explanation}")
            for ev in f.evidence:
                out.append(s(f"      > {ev}", "dim"))
            if f.user_fix:
                out.append(_("      You: {fix}").format(fix=f.user_fix))
            if f.admin_fix:
                out.append(_("      VPN admin: {fix}").format(fix=f.admin_fix))
            out.append(s(_("      More: {command}").format(command=f"cvpn-doctor explain {f.code}"), "dim"))
            out.append("")
    elif report.verdict is Verdict.CANNOT_TELL:
        out.append(_("No problem found in what was captured, but it is not enough to tell (see below)."))
        out.append("")
    else:
        out.append(_("No problems found."))
        out.append("")
    facts = report.facts or derive(report.snapshot, report.probe_run, report.names)
    unknown = render_unknown_lines(facts, s)
    if unknown:
        out += unknown
        out.append("")
    out += render_snapshot_lines(report.snapshot, s, facts)
    out.append("")
    out.append(s(_("Probes"), "bold") + (_(" (deadline {deadline} s, took {took} s)").format(
        deadline=f"{report.probe_deadline_s:g}", took=f"{report.probe_elapsed_s:.2f}") if report.probes else ""))
    if report.probe_skipped:
        out.append(_("  not sent: {reason}").format(reason=report.probe_skipped))
    rows = []
    for p in report.probes:
        ans = ", ".join(a.address for a in p.answers[:3]) + (" ..." if len(p.answers) > 3 else "")
        rows.append([p.server, p.transport.value, p.name, outcome_text(p.outcome), ans or clip(p.detail, 40) or "-",
                     _ms(p.rtt_ms), p.interface or "-"])
    out += table([_("server"), _("proto"), _("name"), _("result"), _("answers"), _("time"), _("via")], rows)
    if report.system_lookups:
        out.append("")
        out.append(s(_("What applications see"), "bold") + _(" (the system resolver)"))
        rows = [[l.name, ", ".join(a.address for a in l.addresses[:4]) or (l.error or "-"), _ms(l.rtt_ms)]
                for l in report.system_lookups]
        out += table([_("name"), _("addresses"), _("time")], rows)
    if report.inputs:
        out.append("")
        out.append(s(_("What was read"), "bold"))
        rows = [[f"{i.file}" + (f" #{i.part}" if len({x.file for x in report.inputs}) < len(report.inputs) else ""),
                 i.lines or _("all"), i.command or "-", i.read_as or _("not read"), clip(i.note or "-", 70)]
                for i in report.inputs]
        out += table([_("file"), _("lines"), _("command"), _("read as"), _("note")], rows)
    if verbose and report.snapshot.trace:
        out.append("")
        out.append(s(_("Trace"), "bold"))
        out += [f"  {t}" for t in report.snapshot.trace]
    out.append("")
    out.append(s(_("{tool} {version} on {platform}, {time}").format(
        tool=report.tool.name, version=report.tool.version, platform=report.platform.value,
        time=report.generated_at), "dim"))
    return "\n".join(out) + "\n"
