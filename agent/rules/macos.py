"""macOS-only rules.

The generic codes that also need macOS evidence (stale-vpn-dns-after-disconnect,
multiple-vpn-dns-conflict, route-outside-tunnel) stay single rules in
``agent/rules/tunnel.py``; the macOS adapter feeds them: resolvers carry their utun from
``if_index``, a resolver bound to an interface that ``ifconfig -a`` no longer lists makes
that interface a *down* tunnel, macOS system utuns (Private Relay, Handoff) are not
counted as tunnels, and ``route -n get`` answers become route lookups.
"""
from __future__ import annotations

from agent.findings import finding
from agent.i18n import _
from agent.model import Evidence, Finding, Platform, Resolver, ResolverScope
from agent.rules.context import Context
from agent.facts import select_resolvers  # the one model of macOS resolver choice
from agent.vocab import Code

_APP_TEST = "dscacheutil -q host -a name {name}"
_FLUSH = "sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder"


def _describe(r: Resolver) -> str:
    scope = r.scope.value
    if r.scope is ResolverScope.DOMAIN:
        scope = (_("domain ({domains})").format(domains=", ".join(r.domains)) if r.domains
                 else _("supplemental, no match domain"))
    order = _(", order {n}").format(n=r.order) if r.order is not None else ""
    return _("{origin}: {server} on {interface} [{scope}{order}]").format(
        origin=r.origin or _("resolver"), server=r.address, interface=r.interface or _("no interface"),
        scope=scope, order=order)


def macos_vpn_resolver_not_used(ctx: Context) -> Finding | None:
    """macOS resolves through SystemConfiguration/mDNSResponder, not resolv.conf: a name
    goes to the resolver of its longest matching match domain, else to the default
    resolver (the first in ``order`` without a domain and not Supplemental); "scoped"
    resolvers serve only apps bound to that interface (scutil(8); AWS Client VPN user
    guide, macOS troubleshooting; eduvpn/apple#250, Tunnelblick#736).

    Fires when the VPN's resolver (on the tunnel interface) is up but unbound apps do not
    ask it: (a) it is only scoped or Supplemental without a match domain; (b) it is one
    more default but another interface's default (e.g. DNS set by hand on Wi-Fi) comes
    first; (c) it serves match domains, but a name the user expects lies outside them."""
    if ctx.platform is not Platform.MACOS or not ctx.tunnel_up:
        return None
    tun = ctx.tunnel_resolvers
    if not tun:
        return None
    defaults = tuple(r for r in ctx.resolvers if r.scope is ResolverScope.GLOBAL)
    first_default = min(defaults, key=lambda r: r.order or 0) if defaults else None
    tun_globals = [r for r in tun if r.scope is ResolverScope.GLOBAL]
    # A match-domain resolver with the VPN's servers belongs to the VPN even where its
    # if_index line is missing (old macOS, or a paste cut inside the block).
    vpn_addresses = {r.address for r in tun}
    tun_domains = [r for r in ctx.resolvers if r.scope is ResolverScope.DOMAIN and r.domains
                   and (ctx.is_tunnel(r.interface) or r.address in vpn_addresses)]
    evidence = [_describe(r) for r in tun]
    evidence += [_("default: {resolver}").format(resolver=_describe(r)) for r in defaults
                 if not ctx.is_tunnel(r.interface)]
    if not defaults:
        evidence.append(_("no default resolver: names outside match domains fail for unbound apps"))
    names = [n.name for n in ctx.expectations]
    vpn_dns = ", ".join(dict.fromkeys(r.address for r in tun))
    iface = next((r.interface for r in tun if r.interface), None) or _("the tunnel")

    if not tun_globals and not tun_domains:
        explanation = (_("The VPN's DNS server(s) {servers} on {interface} are only scoped: ordinary apps never "
                         "ask them.") if all(r.scope is ResolverScope.SCOPED for r in tun) else
                       _("The VPN's DNS server(s) {servers} on {interface} are only scoped/supplemental without a "
                         "match domain: ordinary apps never ask them.")).format(servers=vpn_dns, interface=iface)
        return _finding(explanation, evidence, names, first_default)

    if tun_globals and first_default is not None and not ctx.is_tunnel(first_default.interface):
        explanation = _("The VPN's DNS server(s) {servers} are only an extra default: {first} on {interface} "
                        "comes first in the order.").format(servers=vpn_dns, first=first_default.address,
                                                             interface=first_default.interface or _("no interface"))
        return _finding(explanation, evidence, names, first_default)

    if not tun_globals and names:
        missed = [n for n in names if not any(ctx.is_tunnel(r.interface) or r.address in vpn_addresses
                                              for r in select_resolvers(ctx.resolvers, n))]
        if missed:
            domains = sorted({d for r in tun_domains for d in r.domains})
            evidence.append(_("VPN match domains: {domains}").format(domains=", ".join(domains)))
            for n in missed:
                to = select_resolvers(ctx.resolvers, n)
                evidence.append(_("{name} -> {servers} (not the VPN's)").format(
                    name=n, servers=", ".join(r.address for r in to) or _("no resolver")))
            explanation = (_("{names} lies outside the VPN's match domains ({domains}), so macOS sends it to the "
                             "default resolver instead of the VPN's.") if len(missed) == 1 else
                           _("{names} lie outside the VPN's match domains ({domains}), so macOS sends them to the "
                             "default resolver instead of the VPN's.")).format(names=", ".join(missed),
                                                                               domains=", ".join(domains))
            return _finding(explanation, evidence, missed, first_default)
    return None


def _finding(explanation: str, evidence: list[str], names: list[str], default: Resolver | None) -> Finding:
    name = names[0] if names else "<name>"
    service = "Wi-Fi" if default is None or (default.interface or "").startswith("en") else "<service>"
    user_fix = _("Check which resolver macOS uses with: scutil --dns. If DNS servers were set by hand on the "
                 "network service, clear them: {clear}. Reconnect the VPN, flush the cache ({flush}), then test "
                 "like apps do: {test} (dig and nslookup bypass the macOS resolver, so they can disagree with "
                 "apps).").format(clear=f"networksetup -setdnsservers {service} empty", flush=_FLUSH,
                                  test=_APP_TEST.format(name=name))
    return finding(Code.MACOS_VPN_RESOLVER_NOT_USED, explanation, evidence, user_fix=user_fix)


def macos_resolv_conf_not_vpn(ctx: Context) -> Finding | None:
    """macOS' /etc/resolv.conf shows only the default resolver ("not consulted" by the system,
    macOS Notice in the file); dig/host/nslookup and Go binaries built without cgo before Go
    1.20 read it and miss the VPN's scoped or match-domain resolvers (kubernetes#23130,
    terraform#3536, k9s#780; Go 1.20 release notes, net on macOS)."""
    if ctx.platform is not Platform.MACOS or not ctx.tunnel_up or not ctx.has(Evidence.RESOLV_CONF):
        return None
    listed = ctx.snapshot.dns.resolv_conf_nameservers
    vpn = list(dict.fromkeys([r.address for r in ctx.tunnel_resolvers] + list(ctx.custom_dns)))
    if not listed or not vpn or set(vpn) & set(listed):
        return None
    used = [r for r in ctx.resolvers if r.address in vpn and r.scope is not ResolverScope.INACTIVE]
    if not used:
        return None
    evidence = [_("/etc/resolv.conf lists {servers}").format(servers=", ".join(listed))]
    evidence += [_describe(r) for r in used]
    return finding(Code.MACOS_RESOLV_CONF_NOT_VPN,
                   _("The VPN's DNS {servers} is in scutil --dns but not in /etc/resolv.conf ({listed}).").format(
                       servers=", ".join(vpn), listed=", ".join(listed)),
                   evidence)


RULES = (
    macos_vpn_resolver_not_used,
    macos_resolv_conf_not_vpn,
)
