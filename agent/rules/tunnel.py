"""Rules about the tunnel itself and the routes to DNS servers."""
from __future__ import annotations

import ipaddress

from agent.findings import finding
from agent.i18n import _
from agent.model import Finding, ResolverScope, SamlState, TunnelMode
from agent.netclass import is_linklocal, is_private
from agent.rules.context import Context
from agent.vocab import Code


def vpn_not_connected(ctx: Context) -> Finding | None:
    """No tunnel interface is up (AWS Client VPN user guide, troubleshooting: the client
    must show Connected and a tun/utun/TAP interface with the pushed routes).  Needs an
    interface list or routing table that shows it: not having one proves nothing."""
    if not ctx.tunnel_absent:
        return None
    evidence = list(ctx.snapshot.vpn.reasons)
    if ctx.snapshot.vpn.disconnected_at:
        evidence.append(_("VPN log: disconnected at {time}").format(time=ctx.snapshot.vpn.disconnected_at))
    return finding(Code.VPN_NOT_CONNECTED, None, evidence)


def saml_login_not_completed(ctx: Context) -> Finding | None:
    """SAML federated authentication: the AWS VPN Client opens the browser and waits for the
    identity provider's response on 127.0.0.1:35001; a flow that never completes (or ends in
    AUTH_FAILED) leaves no tunnel (Client VPN admin guide, federated authentication;
    samm-git/aws-vpn-client#15, kpalang/aws-vpn-client-docker#2).  Needs the log's SAML state
    and an observed absence of the tunnel."""
    saml = ctx.snapshot.vpn.saml
    if saml not in (SamlState.PENDING, SamlState.FAILED) or not ctx.tunnel_absent:
        return None
    vpn = ctx.snapshot.vpn
    evidence = [(_("VPN client log: the SAML sign-in was refused (AUTH_FAILED)") if saml is SamlState.FAILED
                 else _("VPN client log: the SAML sign-in started and never completed"))
                + (_(" (profile {profile})").format(profile=vpn.client_profile) if vpn.client_profile else "")]
    evidence += [e for e in vpn.log_errors if "auth" in e.lower() or "saml" in e.lower()][:3]
    evidence += list(vpn.reasons)[:2]
    if vpn.log_sources:
        evidence.append(_("logs read: {files}").format(files=", ".join(vpn.log_sources[:3])))
    return finding(Code.SAML_LOGIN_NOT_COMPLETED, None, evidence)


def _stale_addresses(ctx: Context) -> tuple[str, ...]:
    """Resolvers in use that belong to a VPN that is no longer up."""
    if not ctx.tunnel_absent:
        return ()
    vpn_dns = set(ctx.pushed_dns)
    out = []
    for r in ctx.resolvers:
        if r.scope in (ResolverScope.INACTIVE, ResolverScope.UNUSED):
            continue  # configured but asked for nothing (e.g. a disconnected Windows adapter)
        iface = ctx.snapshot.interface(r.interface) if r.interface else None
        on_dead_tunnel = iface is not None and iface.kind.value == "tunnel"
        if r.address in vpn_dns or on_dead_tunnel:
            if r.address not in out:
                out.append(r.address)
    return tuple(out)


def stale_vpn_dns_after_disconnect(ctx: Context) -> Finding | None:
    """No tunnel is up but the resolvers are still the VPN's (pushed in the last session
    per the VPN log, or attached to a tunnel interface that is down). Inference from the
    AWS Client VPN user guide: DNS set by the client is reverted only by a clean disconnect."""
    stale = _stale_addresses(ctx)
    if not stale:
        return None
    evidence = [_("no tunnel is up: {reasons}").format(reasons="; ".join(ctx.snapshot.vpn.reasons))]
    for a in stale:
        r = ctx.resolver(a)
        where = _(" on {interface}").format(interface=r.interface) if r and r.interface else ""
        pushed = _(" (pushed by the VPN in its last session)") if a in ctx.pushed_dns else ""
        evidence.append(_("resolver {server}{where}{pushed} is still configured").format(
            server=a, where=where, pushed=pushed))
        st = ctx.status(a)
        if st.probed:
            evidence.append(st.summary())
    return finding(Code.STALE_VPN_DNS_AFTER_DISCONNECT,
                   _("The resolver(s) {servers} come from the VPN, which is down.").format(servers=", ".join(stale)),
                   evidence)


def multiple_vpn_dns_conflict(ctx: Context) -> Finding | None:
    """Several tunnel interfaces carry DNS servers (AWS Client VPN user guide, concurrent
    connections: only one DNS-enabled connection's servers are applied)."""
    by_iface: dict[str, list[str]] = {}
    for r in ctx.tunnel_resolvers:
        by_iface.setdefault(r.interface or "?", []).append(r.address)
    if len(by_iface) < 2:
        return None
    evidence = [f"{iface}: DNS {', '.join(addrs)}" for iface, addrs in sorted(by_iface.items())]
    return finding(Code.MULTIPLE_VPN_DNS_CONFLICT,
                   _("{count} tunnel interfaces have their own DNS servers.").format(count=len(by_iface)), evidence)


def custom_dns_no_route(ctx: Context) -> Finding | None:
    """Split tunnel: only Client VPN route-table destinations go through the tunnel, so a
    pushed DNS server needs its own route (AWS KC scenario 2; admin guide, split tunnel)."""
    if ctx.mode is not TunnelMode.SPLIT or not ctx.tunnel_up:
        return None
    bad = []
    for a in ctx.custom_dns:
        if is_linklocal(a) or ctx.lan_containing(a):
            continue  # dns-server-linklocal / lan-overlaps-vpc explain these
        ri = ctx.route_to(a)
        if ri.via_tunnel is False:        # None: no route source was captured
            bad.append(ri)
    if not bad:
        return None
    evidence = [ri.describe() for ri in bad] + [ctx.status(ri.address).summary() for ri in bad]
    evidence.append(_("routes through the tunnel: {routes}").format(
        routes=", ".join(ctx.snapshot.vpn.tunnel_routes) or _("none")))
    return finding(Code.CUSTOM_DNS_NO_ROUTE,
                   _("The pushed DNS server(s) {servers} are not covered by any route through the tunnel.").format(
                       servers=", ".join(ri.address for ri in bad)), evidence)


def route_outside_tunnel(ctx: Context) -> Finding | None:
    """Full tunnel, but a more specific route sends a VPN DNS server elsewhere
    (TunnelVision-style route injection; AWS Client Route Enforcement)."""
    if ctx.mode is not TunnelMode.FULL or not ctx.tunnel_up:
        return None
    bad = []
    for a in ctx.custom_dns:
        if is_linklocal(a) or ctx.lan_containing(a):
            continue
        ri = ctx.route_to(a)
        if ri.interface is not None and ri.via_tunnel is False:
            bad.append(ri)
    if not bad:
        return None
    return finding(Code.ROUTE_OUTSIDE_TUNNEL,
                   _("The DNS server(s) {servers} are routed outside the full tunnel.").format(
                       servers=", ".join(ri.address for ri in bad)),
                   [ri.describe() for ri in bad])


def lan_overlaps_vpc(ctx: Context) -> Finding | None:
    """The most specific route wins: a VPN DNS server inside the LAN's own subnet is sent
    to the LAN (AWS Client VPN troubleshooting: overlapping CIDRs)."""
    if not ctx.tunnel_up:
        return None
    hits = []
    for a in ctx.custom_dns:
        lan = ctx.lan_containing(a)
        if lan is None:
            continue
        ri = ctx.route_to(a)
        if ri.via_tunnel is False:
            hits.append((a, lan, ri))
    if not hits:
        return None
    evidence = []
    for a, lan, ri in hits:
        evidence.append(_("{server} is on the local subnet {lan}").format(server=a, lan=lan))
        evidence.append(ri.describe())
    return finding(Code.LAN_OVERLAPS_VPC,
                   _("The VPN DNS server(s) {servers} overlap the LAN.").format(servers=", ".join(h[0] for h in hits)),
                   evidence)


def dns_server_linklocal(ctx: Context) -> Finding | None:
    """169.254.169.253 is VPC-local (VPC DNS attributes docs); over the VPN it is the
    client's own link-local range (Client VPN best practices)."""
    if not ctx.tunnel_up:
        return None
    bad = [a for a in ctx.custom_dns if is_linklocal(a) and ":" not in a]
    if not bad:
        return None
    evidence = [ctx.route_to(a).describe() for a in bad] + [ctx.status(a).summary() for a in bad]
    return finding(Code.DNS_SERVER_LINKLOCAL, _("The VPN DNS server is {servers}.").format(servers=", ".join(bad)),
                   evidence)


def ipv6_dns_leak(ctx: Context) -> Finding | None:
    """IPv4-only tunnels leave IPv6 outside (Client VPN IPv6 considerations): with the VPN's
    DNS servers in use, an IPv6 resolver on the LAN still gets queries that should go into
    the tunnel.  Without custom DNS the LAN resolver is the design (KC scenario 1 example 1,
    S0), for IPv6 as for IPv4; and with no IPv6 routing table captured it is not known
    where IPv6 goes."""
    if not ctx.tunnel_up or not ctx.custom_dns_pushed or not ctx.ipv6_routes_known or ctx.ipv6_via_tunnel:
        return None
    leaks = [r for r in ctx.default_resolvers
             if ":" in r.address and not ctx.is_tunnel(r.interface) and not r.address.startswith("::1")
             and r.address not in ctx.custom_dns]
    if not leaks:
        return None
    evidence = [_("IPv6 resolver {address} ({where})").format(
                    address=r.address, where=(r.origin or r.scope.value) + (f", {r.interface}" if r.interface else ""))
                for r in leaks]
    evidence.append(_("no IPv6 default route (::/0, ::/1+8000::/1, 2000::/3) goes through the tunnel"))
    return finding(Code.IPV6_DNS_LEAK, None, evidence)


def dns_server_is_other_vpc_plus2(ctx: Context) -> Finding | None:
    """Amazon DNS at base+2 answers only inside its own VPC; forwarding to another VPC's +2
    is unsupported (Route 53 Resolver docs). Heuristic: a silent pushed server that is
    base+2 of a prefix routed through the tunnel."""
    if not ctx.tunnel_up:
        return None
    silent = [(a, st) for a in ctx.custom_dns
              if (st := ctx.status(a)).silent() and ctx.route_to(a).via_tunnel]
    if not silent:
        return None  # first, as the prefix scan below is costly on a table of 100,000 routes
    vpc_like = [c for c in ctx.snapshot.vpn.tunnel_routes
                if (net := ipaddress.ip_network(c, strict=False)).version == 4
                and 8 <= net.prefixlen <= 24 and is_private(c.split("/")[0])]
    if len(vpc_like) < 2:
        return None  # one routed VPC is most likely the associated one: its +2 is valid
    hits = []
    for a, st in silent:
        for cidr in vpc_like:
            net = ipaddress.ip_network(cidr, strict=False)
            if is_private(a) and ipaddress.ip_address(a) == net.network_address + 2:
                hits.append((a, cidr, st))
                break
    if not hits:
        return None
    evidence = []
    for a, cidr, st in hits:
        evidence.append(_("{server} is the base+2 address of {cidr}, routed through the tunnel").format(
            server=a, cidr=cidr))
        evidence.append(st.summary())
    return finding(Code.DNS_SERVER_IS_OTHER_VPC_PLUS2, None, evidence)
