"""Name the documented AWS Client VPN DNS scenario the machine is in (pure).

AWS Knowledge Center, "How does DNS work with my AWS Client VPN endpoint?":
scenario 1 (no custom DNS, full tunnel; example 1 a local resolver with a static route
outside the tunnel, example 2 a public resolver reached through the tunnel) and
scenario 2 (custom DNS, split tunnel).  S3 (custom DNS, full tunnel) and S0 (no custom
DNS, split tunnel) extend the table (DESIGN.md).
"""
from __future__ import annotations

from agent.model import Scenario, TunnelMode
from agent.rules.context import Context

TITLES = {
    "not-connected": "Not connected: no VPN tunnel found",
    "S1-local-dns": "No custom DNS, full tunnel, local resolver outside the tunnel (KC scenario 1, example 1)",
    "S1-public-dns": "No custom DNS, full tunnel, resolver reached through the tunnel (KC scenario 1, example 2)",
    "S2-custom-dns-split": "Custom DNS servers, split tunnel (KC scenario 2)",
    "S3-custom-dns-full": "Custom DNS servers, full tunnel",
    "S0-no-custom-dns-split": "No custom DNS, split tunnel",
}


def identify(ctx: Context) -> Scenario:
    vpn = ctx.snapshot.vpn
    evidence = list(vpn.reasons)
    if not ctx.tunnel_up:
        return Scenario("not-connected", TITLES["not-connected"], tuple(evidence))

    if ctx.pushed_dns:
        src = "VPN log (PUSH_REPLY)" if vpn.pushed is not None and vpn.pushed.dns_servers else "profile"
        evidence.append(f"custom DNS servers {', '.join(ctx.pushed_dns)} (from the {src})")
    elif ctx.tunnel_resolvers:
        evidence.append("custom DNS servers " + ", ".join(r.address for r in ctx.tunnel_resolvers)
                        + f" (the OS has them on {ctx.tunnel_resolvers[0].interface})")
    elif ctx.pushed_known:
        evidence.append("no DNS servers pushed (PUSH_REPLY has no dhcp-option DNS)")
    else:
        evidence.append("no DNS server on the tunnel interface and no VPN log: assuming no custom DNS")

    full = ctx.mode is TunnelMode.FULL
    if ctx.mode is TunnelMode.UNKNOWN:
        evidence.append("tunnel mode unknown: treated as split")
    if ctx.custom_dns_pushed:
        sid = "S3-custom-dns-full" if full else "S2-custom-dns-split"
    elif not full:
        sid = "S0-no-custom-dns-split"
    else:
        routes = [ctx.route_to(r.address) for r in ctx.default_resolvers
                  if not r.address.startswith("127.") and r.address != "::1"]
        outside = [ri for ri in routes if ri.interface is not None and not ri.via_tunnel]
        evidence += [ri.describe() for ri in routes]
        sid = "S1-local-dns" if outside and len(outside) == len(routes) else "S1-public-dns"
    return Scenario(sid, TITLES[sid], tuple(evidence))
