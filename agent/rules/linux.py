"""Linux-only rules."""
from __future__ import annotations

from agent.findings import finding
from agent.model import DnsManager, Finding, Platform, ResolverScope
from agent.rules.context import Context


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
    evidence = [f"tunnel: {r.address} on {r.interface} ({r.scope.value}, domains: {', '.join(r.domains) or 'none'})"
                for r in tun]
    evidence += [f"LAN: {r.address} on {r.interface or 'global'} ({r.scope.value})" for r in lan_default]
    explanation = ("Both the tunnel and the LAN are default DNS routes: queries race." if racing else
                   "The tunnel's DNS servers get no queries at all (no routing domain, DefaultRoute off).")
    return finding("linux-resolved-vpn-not-default", explanation, evidence)
