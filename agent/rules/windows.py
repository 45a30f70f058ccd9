"""Windows-only rules.

The generic codes (stale-vpn-dns-after-disconnect, multiple-vpn-dns-conflict) are not
repeated here: the Windows adapter gives them their evidence through the Snapshot
(resolvers of each adapter are LINK resolvers on that adapter; an NRPT rule a VPN client
wrote for its TAP adapter is attributed to that adapter, so a rule left behind after a
disconnect is a VPN resolver on a dead tunnel).  Fixes use Windows commands:
``ipconfig /flushdns``, ``Set-NetIPInterface -InterfaceIndex N -InterfaceMetric 5``,
``Resolve-DnsName name -Server x``.
"""
from __future__ import annotations

from agent.findings import finding
from agent.i18n import _
from agent.model import Finding, Platform, ResolverScope, Severity, TunnelMode
from agent.rules.context import Context
from agent.vocab import Code


def _iface(ctx: Context, name: str | None):
    return ctx.snapshot.interface(name) if name else None


def _probe_name(ctx: Context) -> str:
    for n in ctx.expectations:
        return n.name
    return "<name>"


def windows_multihomed_dns(ctx: Context) -> Finding | None:
    """Smart Multi-Homed Name Resolution (Windows 8+, on unless the policy
    DisableSmartNameResolution=1) sends a query to the DNS servers of every connected
    adapter in parallel and takes the first answer; a fast NXDOMAIN from the LAN resolver
    wins and is cached (ADMX "Turn off smart multi-homed name resolution";
    openconnect#20; AWS Client VPN split tunnel with custom DNS)."""
    if ctx.platform is not Platform.WINDOWS or not ctx.tunnel_up:
        return None
    dns = ctx.snapshot.dns
    if dns.smart_multihomed is False:
        return None
    if any(r.scope is ResolverScope.DOMAIN and "." in r.domains for r in ctx.resolvers):
        return None  # an NRPT catch-all sends every name to its servers: no parallel race
    link = [r for r in ctx.resolvers if r.scope is ResolverScope.LINK]
    vpn = [r for r in link if ctx.is_tunnel(r.interface)]
    lan = [r for r in link if not ctx.is_tunnel(r.interface)]
    if not vpn or not lan:
        return None
    evidence = []
    for r in vpn + lan:
        iface = _iface(ctx, r.interface)
        metric = (_(", interface metric {metric}").format(metric=iface.metric)
                  if iface is not None and iface.metric is not None else "")
        index = f" (ifIndex {iface.index})" if iface is not None and iface.index is not None else ""
        kind = "VPN" if r in vpn else "LAN"
        evidence.append(_("{kind} adapter {interface}{index}: DNS {server}{metric}, asked #{order}").format(
            kind=kind, interface=r.interface, index=index, server=r.address, metric=metric, order=r.order))
    evidence.append(_("smart multi-homed name resolution: on (DisableSmartNameResolution is not 1)")
                    if dns.smart_multihomed else
                    _("smart multi-homed name resolution: state unknown (registry not read); on by default"))
    for r in lan:
        st = ctx.status(r.address)
        if st.probed:
            evidence.append(st.summary())
    vpn_iface = _iface(ctx, vpn[0].interface)
    index = vpn_iface.index if vpn_iface is not None and vpn_iface.index is not None else "<VPN ifIndex>"
    user_fix = _("Make Windows prefer the VPN adapter: {set_metric} (PowerShell as administrator), then ipconfig "
                 "/flushdns. Check with {check}.").format(
        set_metric=f"Set-NetIPInterface -InterfaceIndex {index} -InterfaceMetric 5",
        check=f"Resolve-DnsName {_probe_name(ctx)} -Server {vpn[0].address}")
    lan_first = bool(lan[0].order and vpn[0].order and lan[0].order < vpn[0].order) if lan and vpn else False
    explanation = (_("The VPN adapter's DNS ({vpn}) and the LAN's ({lan}) are both in use; the LAN adapter even has "
                     "the lower metric, so Windows asks it first.") if lan_first else
                   _("The VPN adapter's DNS ({vpn}) and the LAN's ({lan}) are both in use.")).format(
        vpn=", ".join(r.address for r in vpn), lan=", ".join(r.address for r in lan))
    return finding(Code.WINDOWS_MULTIHOMED_DNS, explanation, evidence, user_fix=user_fix)


def windows_nrpt_gpo_override(ctx: Context) -> Finding | None:
    """When the Group Policy DnsPolicyConfig key exists, Windows applies only the GPO's
    Name Resolution Policy Table and silently ignores the local rules that VPN clients
    write (Tailscale nrpt_windows.go, commit 4d5d669; OpenVPN 2.7 OpenVPNDNSRouting rules)."""
    if ctx.platform is not Platform.WINDOWS or not ctx.snapshot.dns.nrpt_gpo_present:
        return None
    rules = ctx.snapshot.dns.nrpt
    local = [r for r in rules if r.source == "local"]
    gpo = [r for r in rules if r.source == "gpo"]
    if not local and not ctx.tunnel_up:
        return None
    evidence = [_("Group Policy key {key} exists").format(
        key="HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig")]
    evidence += [_("GPO rule {rule}: {namespaces} -> {servers}").format(
        rule=r.name, namespaces=", ".join(r.namespaces) or "?", servers=", ".join(r.servers) or _("no servers"))
        for r in gpo]
    evidence += [_("ignored local rule {rule}: {namespaces} -> {servers}").format(
        rule=r.name, namespaces=", ".join(r.namespaces) or "?", servers=", ".join(r.servers) or _("no servers"))
                 for r in local]
    if local:
        explanation = _("{count} local NRPT rule(s), typically written by the VPN client, are ignored.").format(
            count=len(local))
        severity = None
    else:
        explanation = _("No local rule is ignored right now, but any NRPT rule the VPN client writes would be; the "
                        "GPO rules take precedence for their namespaces.")
        severity = Severity.INFO
    return finding(Code.WINDOWS_NRPT_GPO_OVERRIDE, explanation, evidence, severity=severity,
                   user_fix=_("Ask IT. Get-DnsClientNrptPolicy shows the rules Windows applies; {check} shows "
                              "which server answers. Then ipconfig /flushdns.").format(
                       check=f"Resolve-DnsName {_probe_name(ctx)}"))


def windows_full_tunnel_dns_forced(ctx: Context) -> Finding | None:
    """AWS Client VPN best practices: on Windows a full tunnel forces all DNS into the
    tunnel, so AWS KC scenario 1 example 1 (no custom DNS, a local resolver kept outside
    the tunnel by a more specific route) does not work there: the LAN resolver is queried
    through the VPN, where it cannot be reached."""
    if (ctx.platform is not Platform.WINDOWS or ctx.mode is not TunnelMode.FULL or not ctx.custom_dns_absent
            or not ctx.tunnel_up):
        return None
    lan = []
    for r in ctx.default_resolvers:
        if r.address.startswith("127.") or r.address == "::1" or ctx.is_tunnel(r.interface):
            continue
        ri = ctx.route_to(r.address)
        if ri.interface is not None and ri.via_tunnel is False:
            lan.append((r, ri))
    if not lan:
        return None
    evidence = [_("{route} -- on Windows the query still goes into the full tunnel").format(route=ri.describe())
                for _r, ri in lan]
    evidence.append(_("no DNS servers pushed by the endpoint (PUSH_REPLY seen)"))   # custom_dns_absent: the log
    failing = []
    for r, _ri in lan:
        st = ctx.status(r.address)
        if st.probed:
            evidence.append(st.summary())
    for n in ctx.canaries + tuple(n.name for n in ctx.expectations):
        sl = ctx.system(n)
        if sl is not None and not sl.addresses:
            failing.append(n)
            evidence.append(_("system resolver {name}: {result}").format(name=n, result=sl.error or _("no address")))
    severity = None
    if failing:
        severity = Severity.ERROR
    servers = ", ".join(r.address for r, _ri in lan)
    return finding(
        Code.WINDOWS_FULL_TUNNEL_DNS_FORCED,
        (_("The local resolver(s) {servers} have a route outside the tunnel, which is what KC scenario 1 example 1 "
           "relies on; Windows does not honour it for DNS. Lookups through the system resolver fail.") if failing else
         _("The local resolver(s) {servers} have a route outside the tunnel, which is what KC scenario 1 example 1 "
           "relies on; Windows does not honour it for DNS.")).format(servers=servers),
        evidence, severity=severity,
        user_fix=_("Compare {check} with the VPN disconnected and connected; ipconfig /flushdns after each change. "
                   "Ask your VPN administrator to push a DNS server.").format(
            check=f"Resolve-DnsName {_probe_name(ctx)} -Server {lan[0][0].address}"))


RULES = (
    windows_multihomed_dns,
    windows_nrpt_gpo_override,
    windows_full_tunnel_dns_forced,
)
