"""Linux-only rules."""
from __future__ import annotations

from agent.findings import finding
from agent.i18n import _
from agent.model import DnsManager, Evidence, Finding, Platform, ResolverScope
from agent.rules.context import Context
from agent.vocab import Code


def linux_resolved_vpn_not_default(ctx: Context) -> Finding | None:
    """systemd-resolved sends a name to the links whose routing domain matches it, else to
    every DefaultRoute link in parallel; without '~.' on the tunnel, the LAN keeps getting
    queries (systemd RESOLVED-VPNS.md; systemd#6076; AWS Client VPN Linux troubleshooting)."""
    if ctx.platform is not Platform.LINUX or ctx.snapshot.dns.manager is not DnsManager.SYSTEMD_RESOLVED:
        return None
    tun = ctx.tunnel_resolvers
    if not tun or any("." in r.domains for r in tun):
        return None
    lan_default = [r for r in ctx.resolvers if r.scope in (ResolverScope.LINK, ResolverScope.GLOBAL)
                   and not ctx.is_tunnel(r.interface)]
    if not lan_default:
        return None
    tun_scopes = {r.scope for r in tun}
    if tun_scopes <= {ResolverScope.DOMAIN}:
        return None  # a healthy split-DNS set-up: the tunnel serves its routing domains
    racing = ResolverScope.LINK in tun_scopes
    evidence = [_("tunnel: {server} on {interface} ({scope}, domains: {domains})").format(
                    server=r.address, interface=r.interface, scope=r.scope.value, domains=", ".join(r.domains) or _("none"))
                for r in tun]
    evidence += [_("LAN: {server} on {interface} ({scope})").format(server=r.address, interface=r.interface or "global",
                                                                    scope=r.scope.value) for r in lan_default]
    explanation = (_("Both the tunnel and the LAN are default DNS routes: queries race.") if racing else
                   _("The tunnel's DNS servers get no queries at all (no routing domain, DefaultRoute off)."))
    return finding(Code.LINUX_RESOLVED_VPN_NOT_DEFAULT, explanation, evidence)


def linux_resolv_conf_not_stub(ctx: Context) -> Finding | None:
    """The VPN client applied its servers to systemd-resolved, but /etc/resolv.conf is not the
    resolved stub, so glibc never asks resolved (AWS Client VPN user guide, Linux
    troubleshooting: /etc/resolv.conf must link to /run/systemd/resolve/stub-resolv.conf;
    tailscale#589; mullvadvpn-app#6063).  The adapter keeps resolved's servers as UNUSED
    resolvers when resolv.conf bypasses it; this fires when those on the tunnel link are not
    among the servers resolv.conf lists."""
    if ctx.platform is not Platform.LINUX or not ctx.tunnel_up or ctx.snapshot.dns.stub:
        return None
    # /etc/resolv.conf itself was read (not only where it links), and the adapter found that it
    # bypasses resolved: resolved's servers are then UNUSED (an INACTIVE link of resolved's own --
    # DefaultRoute=no, no domain -- is linux-resolved-vpn-not-default).
    if not (ctx.has(Evidence.RESOLV_CONF) and ctx.has(Evidence.DNS_GLOBAL) and ctx.has(Evidence.DNS_LINKS)):
        return None
    listed = set(ctx.snapshot.dns.resolv_conf_nameservers)
    held = [r for r in ctx.resolvers if r.scope is ResolverScope.UNUSED and r.origin.startswith("resolved")
            and ctx.is_tunnel(r.interface) and r.address not in listed]
    if not held:
        return None
    dns = ctx.snapshot.dns
    evidence = [_("systemd-resolved holds {server} on {interface} ({origin})").format(
        server=r.address, interface=r.interface, origin=r.origin.split(",")[0]) for r in held]
    evidence.append(_("/etc/resolv.conf lists {servers} (written by {writer}), not the stub 127.0.0.53").format(
        servers=", ".join(dns.resolv_conf_nameservers) or _("no nameserver"),
        writer=dns.manager.value + (", " + dns.resolv_conf_by if dns.resolv_conf_by else "")))
    for r in held[:2]:
        st = ctx.status(r.address)
        if st.probed:
            evidence.append(st.summary())
    # resolv.conf(5): with no nameserver line, programs ask the name server on the local machine
    explanation = (_("systemd-resolved has the VPN's DNS {servers}, but programs read /etc/resolv.conf, which names "
                     "other servers.") if dns.resolv_conf_nameservers else
                   _("systemd-resolved has the VPN's DNS {servers}, but programs read /etc/resolv.conf, which names "
                     "no nameserver: they ask 127.0.0.1, not resolved's stub 127.0.0.53."))
    return finding(Code.LINUX_RESOLV_CONF_NOT_STUB,
                   explanation.format(servers=", ".join(dict.fromkeys(r.address for r in held))), evidence)
