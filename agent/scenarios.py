"""Name the documented AWS Client VPN DNS scenario the machine is in (pure).

AWS Knowledge Center, "How does DNS work with my AWS Client VPN endpoint?":
scenario 1 (no custom DNS, full tunnel; example 1 a local resolver with a static route
outside the tunnel, example 2 a public resolver reached through the tunnel) and
scenario 2 (custom DNS, split tunnel).  S3 (custom DNS, full tunnel) and S0 (no custom
DNS, split tunnel) extend the table (docs/design.md, "Scenarios").
"""
from __future__ import annotations

from agent.i18n import _
from agent.facts import tunnel_evidence_given
from agent.model import Known, Scenario, TunnelMode
from agent.rules.context import Context

NOT_CONNECTED = "not-connected"
CANNOT_TELL = "cannot-tell"

TITLES = {
    NOT_CONNECTED: "Not connected: no VPN tunnel found",
    "S1-local-dns": "No custom DNS, full tunnel, local resolver outside the tunnel (KC scenario 1, example 1)",
    "S1-public-dns": "No custom DNS, full tunnel, resolver reached through the tunnel (KC scenario 1, example 2)",
    "S2-custom-dns-split": "Custom DNS servers, split tunnel (KC scenario 2)",
    "S3-custom-dns-full": "Custom DNS servers, full tunnel",
    "S0-no-custom-dns-split": "No custom DNS, split tunnel",
    CANNOT_TELL: "Cannot tell: the evidence given does not show which scenario this is",
}


def identify(ctx: Context) -> Scenario:
    """The scenario the machine is in, from the Facts; ``cannot-tell`` when what was captured
    cannot support one (never a scenario from missing evidence)."""
    facts = ctx.facts
    evidence = list(ctx.snapshot.vpn.reasons) if facts.tunnel is not Known.NOT_CAPTURED else []
    if facts.tunnel is Known.ABSENT:
        return Scenario(NOT_CONNECTED, TITLES[NOT_CONNECTED], tuple(evidence))
    if facts.tunnel is Known.NOT_CAPTURED:
        evidence.append(_("no interface list or routing table was captured: whether a VPN tunnel is up is unknown")
                        if not tunnel_evidence_given(facts.captured) else
                        _("the routing table or interface list given does not show whether a VPN tunnel is up"))
        evidence += _log_says(ctx)
        evidence += list(facts.notes)
        return _cannot_tell(evidence)

    if facts.custom_dns is Known.OBSERVED:
        evidence.append(_("custom DNS servers {servers} (from {source})").format(
            servers=", ".join(facts.custom_dns_servers), source=facts.custom_dns_from))
    elif facts.custom_dns is Known.ABSENT:
        evidence.append(_("no custom DNS servers ({source})").format(source=facts.custom_dns_from))
    else:
        evidence.append(_("custom DNS unknown: the OS uses no server the machine shows as the VPN's, and no VPN log "
                          "was read to tell whether the endpoint pushes any"))
    if facts.tunnel_mode_from == "VPN log":
        evidence.append(_("{mode} tunnel per the VPN log's PUSH_REPLY (no route through the tunnel was "
                          "captured)").format(mode=facts.tunnel_mode.value))
    evidence += list(facts.notes)

    if facts.tunnel_mode is TunnelMode.UNKNOWN:
        evidence.append(_("split or full tunnel: unknown"))
        return _cannot_tell(evidence)
    full = facts.tunnel_mode is TunnelMode.FULL
    if facts.custom_dns is Known.OBSERVED:
        sid = "S3-custom-dns-full" if full else "S2-custom-dns-split"
    elif facts.custom_dns is Known.NOT_CAPTURED:
        return _cannot_tell(evidence)
    elif not full:
        sid = "S0-no-custom-dns-split"
    else:
        routes = [ctx.route_to(r.address) for r in ctx.default_resolvers
                  if not r.address.startswith("127.") and r.address != "::1"]
        evidence += [ri.describe() for ri in routes]
        if not routes or any(ri.via_tunnel is None for ri in routes):
            evidence.append(_("the route to the resolver in use is unknown: KC scenario 1 example 1 or 2 cannot be "
                              "told"))
            return _cannot_tell(evidence)
        outside = [ri for ri in routes if ri.interface is not None and ri.via_tunnel is False]
        sid = "S1-local-dns" if len(outside) == len(routes) else "S1-public-dns"
    return Scenario(sid, TITLES[sid], tuple(evidence))


def _cannot_tell(evidence: list[str]) -> Scenario:
    return Scenario(CANNOT_TELL, TITLES[CANNOT_TELL], tuple(evidence))


def _log_says(ctx: Context) -> list[str]:
    """What the VPN log alone says (it confirms; it does not decide the machine's state)."""
    vpn = ctx.snapshot.vpn
    out = []
    if vpn.pushed is not None:
        p = vpn.pushed
        if vpn.log_tunnel_mode is TunnelMode.FULL:
            tunnel = _("full tunnel")
        elif vpn.log_tunnel_mode is TunnelMode.SPLIT:
            tunnel = _("split tunnel ({count} routes)").format(count=len(p.routes))
        else:
            tunnel = _("tunnel mode not in the log")
        out.append(_("the VPN log's last PUSH_REPLY ({time}): DNS {servers}, {tunnel}").format(
            time=p.seen_at or _("time unknown"), servers=", ".join(p.dns_servers) or _("none"), tunnel=tunnel))
    if ctx.log_says_disconnected:
        out.append(_("the VPN log's last session ended at {time}").format(time=vpn.disconnected_at))
    elif vpn.connected_at:
        out.append(_("the VPN log's last session connected at {time}").format(time=vpn.connected_at))
    return out
