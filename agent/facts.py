"""The derive stage (pure): Snapshot (+ probes) -> Facts, computed once for the rules and
the renderers.

Every fact records where it stands: observed, observed absent, or not captured.  What was
not captured proves nothing (a pasted ``resolvectl status`` says nothing about the tunnel),
so a fact that no captured source can tell stays ``not-captured`` and an :class:`Unknown`
says which command would settle it.

The machine decides, the VPN log confirms.  With a tunnel up, a nameserver is the VPN's
(custom DNS) when the machine shows it: the OS attaches it to the tunnel link, it lies in a
prefix the tunnel carries, the kernel sends it into a split tunnel, or (full tunnel) it is a
private address outside every local subnet that only the tunnel reaches.  The PUSH_REPLY in
a log, or the profile, adds the servers the endpoint pushed; "no custom DNS" needs the log
(the endpoint may push servers the OS never applied, which only the log shows).
"""
from __future__ import annotations

import ipaddress
from typing import Any, Iterable

from agent.model import (Evidence, Facts, Family, InterfaceKind, Known, NameCheck, NameResolution, Outcome, Platform,
                         ProbeFact, ProbeResult, ProbeRun, Resolver, ResolverScope, RouteFact, ServerFact, Snapshot,
                         Transport, TunnelMode, Unknown, ip_of)
from agent.netclass import address_class, is_linklocal, is_overlay_interface
from agent.overlay import is_overlay_resolver
from agent.i18n import N_, _
from agent.routing import RouteTable, prefix_bits

ROLES = (N_("primary"), N_("secondary"), N_("tertiary"))   # data (kept English); shown through _()
# The Route 53 Resolver's link-local addresses inside a VPC (VPC DNS docs); pushed to a VPN
# client they cannot work (dns-server-linklocal), but they say whose setting this is.
AMAZON_LINK_LOCAL_DNS = frozenset({"169.254.169.253", "fd00:ec2::253"})
_V6_DEFAULTS = frozenset({(0, 0), (1, 0), (1, 1), (3, 1)})   # (prefix length, bits): ::/0, ::/1, 8000::/1, 2000::/3
_LOCAL_CLASSES = frozenset({"loopback", "unspecified"})
_PRIVATE_CLASSES = frozenset({"rfc1918", "cgnat", "ula"})


# --------------------------------------------------------------------------- what settles an unknown

# The commands whose output settles each topic, per OS (plain text a user can paste).
_COMMANDS: dict[str, dict[Platform, tuple[str, ...]]] = {
    "tunnel": {Platform.LINUX: ("ip -br addr", "ip route"),
               Platform.MACOS: ("ifconfig", "netstat -rn -f inet"),
               Platform.WINDOWS: ("ipconfig /all", "route print -4")},
    "tunnel-mode": {Platform.LINUX: ("ip route",),
                    Platform.MACOS: ("netstat -rn -f inet",),
                    Platform.WINDOWS: ("route print -4",)},
    "resolvers": {Platform.LINUX: ("cat /etc/resolv.conf", "resolvectl status"),
                  Platform.MACOS: ("scutil --dns",),
                  Platform.WINDOWS: ("ipconfig /all",)},
    "interfaces": {Platform.LINUX: ("ip -br addr",),
                   Platform.MACOS: ("ifconfig",),
                   Platform.WINDOWS: ("ipconfig /all",)},
    # (prose around a command is marked N_ and shown through _(): agent.i18n)
    "custom-dns": {Platform.LINUX: (N_("the VPN client's log: ~/.config/AWSVPNClient/logs/ovpn_aws_vpn_client_*.log, "
                                       "/var/log/aws-vpn-client/<user>/, or the terminal output of openvpn "
                                       "(cvpn-doctor --log FILE)"),),
                   Platform.MACOS: (N_("the VPN client's log: ~/.config/AWSVPNClient/logs/ovpn_aws_vpn_client_*.log "
                                       "or /var/log/AWSVPNClient/ (cvpn-doctor --log FILE)"),),
                   Platform.WINDOWS: (N_("the VPN client's log: "
                                         "%APPDATA%\\AWSVPNClient\\logs\\ovpn_aws_vpn_client_*.log "
                                         "(cvpn-doctor --log FILE)"),)},
    "probes": {p: (N_("cvpn-doctor diagnose (on the machine, connected to the VPN)"),) for p in Platform},
    "ipv6-routes": {Platform.LINUX: ("ip -6 route",),
                    Platform.MACOS: ("netstat -rn -f inet6",),
                    Platform.WINDOWS: ("route print -6",)},
    # issue 17: what tells the laptop-side causes apart
    "hosts": {Platform.LINUX: ("cat /etc/hosts",), Platform.MACOS: ("cat /etc/hosts",),
              Platform.WINDOWS: ("type %SystemRoot%\\System32\\drivers\\etc\\hosts",)},
    "port53": {Platform.LINUX: ("sudo ss -lnptu 'sport = :53'",),
               Platform.MACOS: ("sudo lsof +c 0 -nP -iUDP:53 -iTCP:53 -sTCP:LISTEN",),
               Platform.WINDOWS: ("Get-NetUDPEndpoint -LocalPort 53 | Select-Object LocalAddress, OwningProcess, "
                                  "@{n='Process';e={(Get-Process -Id $_.OwningProcess).Name}}",)},
    "search-list": {Platform.LINUX: ("resolvectl domain", "cat /etc/resolv.conf"), Platform.MACOS: ("scutil --dns",),
                    Platform.WINDOWS: ("Get-DnsClientGlobalSetting", "Get-DnsClient | Select-Object InterfaceAlias, "
                                                                         "ConnectionSpecificSuffix")},
}
_ADMIN_DNS = N_("(VPN administrator) aws ec2 describe-client-vpn-endpoints "
                 "--query 'ClientVpnEndpoints[].[ClientVpnEndpointId,DnsServers,SplitTunnel]'")
_ROUTE_GET = {Platform.LINUX: "ip route get {a}", Platform.MACOS: "route -n get {a}",
              Platform.WINDOWS: "Find-NetRoute -RemoteIPAddress {a}"}


def _commands(topic: str, platforms: tuple[Platform, ...], extra: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    table = _COMMANDS[topic]
    return {p.value: tuple(_(c) for c in table[p] + extra) for p in platforms}


# --------------------------------------------------------------------------- macOS resolver choice


def _under(name: str, domain: str) -> bool:
    name, domain = name.rstrip(".").lower(), domain.rstrip(".").lower()
    return not domain or name == domain or name.endswith("." + domain)     # "" or ".": the root, every name


def select_resolvers(resolvers: Iterable[Resolver], name: str) -> tuple[Resolver, ...]:
    """The resolvers macOS asks for ``name`` from an unbound app: those of the longest
    matching match domain, else the GLOBAL ones (default first) (scutil(8); the one model of
    macOS resolver choice, used by the adapter's trace and by the rules through Facts)."""
    resolvers = tuple(resolvers)
    best: tuple[Resolver, ...] = ()
    best_len = -1
    for r in resolvers:
        if r.scope is not ResolverScope.DOMAIN:
            continue
        for d in r.domains:
            if _under(name, d):
                length = len(d.rstrip(".").split(".")) if d not in ("", ".") else 0
                if length > best_len:
                    best, best_len = (r,), length
                elif length == best_len and r not in best:
                    best = (*best, r)
    if best:
        return best
    return tuple(r for r in resolvers if r.scope is ResolverScope.GLOBAL)


# --------------------------------------------------------------------------- pieces


def probe_facts(results: Iterable[ProbeResult]) -> tuple[ProbeFact, ...]:
    """One ProbeFact per transport probed (UDP first)."""
    by: dict[Transport, list[ProbeResult]] = {}
    for p in results:
        by.setdefault(p.transport, []).append(p)
    out = []
    order = list(Outcome)
    for t in (Transport.UDP, Transport.TCP):
        sel = by.get(t)
        if not sel:
            continue
        rtts = [p.rtt_ms for p in sel if p.rtt_ms is not None and p.outcome.responded]
        out.append(ProbeFact(transport=t, probes=len(sel), replies=sum(1 for p in sel if p.outcome.responded),
                             outcomes=tuple(sorted({p.outcome for p in sel}, key=order.index)),
                             rtt_ms_min=min(rtts) if rtts else None, rtt_ms_max=max(rtts) if rtts else None))
    return tuple(out)


def _is_default_prefix(destination: str) -> bool:
    """0/0, 0/1, 128/1 and the IPv6 defaults a full tunnel installs: they carry everything,
    so lying "inside" them says nothing about whose server it is."""
    return _is_default_key(prefix_bits(destination))


def _is_default_key(key: tuple[int, int, int]) -> bool:
    """_is_default_prefix of a prefix already parsed by prefix_bits."""
    version, length, bits = key
    if version == 4:
        return length <= 1
    return (length, bits) in _V6_DEFAULTS


def _lan_networks(snapshot: Snapshot, tunnels: frozenset[str]) -> tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...]:
    """Connected subnets of non-tunnel, non-loopback interfaces."""
    out = []
    for iface in snapshot.interfaces:
        if iface.kind in (InterfaceKind.TUNNEL, InterfaceKind.LOOPBACK) or iface.name in tunnels:
            continue
        for a in iface.addresses:
            if a.prefixlen is None:
                continue
            try:
                net = ipaddress.ip_network(f"{a.address.split('%')[0]}/{a.prefixlen}", strict=False)
            except ValueError:
                continue
            if net.prefixlen == net.max_prefixlen or net.is_link_local:
                continue
            out.append((iface.name, net))
    return tuple(out)


class _Routes:
    """Route facts for any address: the kernel's answer, else the table (when captured)."""

    def __init__(self, snapshot: Snapshot, tunnels: frozenset[str], tunnel_known: bool = True) -> None:
        self.snapshot = snapshot
        self.tunnels = tunnels
        self.tunnel_known = tunnel_known   # False: which interfaces are tunnels is not known
        self.table, self.tunnel_specific = RouteTable.pair(
            snapshot.routes, lambda r, key: r.interface in tunnels and not _is_default_key(key))
        self.lans = _lan_networks(snapshot, tunnels) if snapshot.has(Evidence.INTERFACES) else None
        self.captured = {Family.INET: snapshot.has(Evidence.ROUTES), Family.INET6: snapshot.has(Evidence.ROUTES6)}

    def lan(self, address: str) -> str | None:
        if not self.lans:
            return None
        ip = ip_of(address)
        for name, net in self.lans:
            if net.version == ip.version and ip in net:
                return f"{name} {net}"
        return None

    def fact(self, address: str) -> RouteFact:
        try:
            ip = ip_of(address)
        except ValueError:
            return RouteFact(address=address, error="not an IP address")
        family = Family.INET if ip.version == 4 else Family.INET6
        tp = self.tunnel_specific.route(address)
        common: dict[str, Any] = dict(address=address, tunnel_prefix=tp.destination if tp is not None else None, lan=self.lan(address))
        lk = self.snapshot.lookup(address)
        if lk is not None and (lk.interface or lk.error):
            dest = lk.destination
            if lk.interface and dest is None:
                tr = self.table.route(address)
                dest = tr.destination if tr is not None and tr.interface == lk.interface else None
            method = lk.method or "kernel"
        elif self.captured[family]:
            lk = self.table.lookup(address)
            dest, method = lk.destination, "table"
        else:
            return RouteFact(**common)
        via: bool | None = lk.interface in self.tunnels
        if not self.tunnel_known:
            via = None
        if common["lan"] is None and self.lans is None and lk.interface and lk.interface not in self.tunnels \
                and lk.gateway is None and not (dest and _is_default_prefix(dest)):
            # No interface list: a connected (gateway-less) route outside the tunnel is the LAN's.
            common["lan"] = f"{lk.interface} {dest or 'on-link'} (a connected route)"
        return RouteFact(interface=lk.interface, gateway=lk.gateway, destination=dest, method=method,
                         via_tunnel=via, error=lk.error, **common)


def _tunnel_state(snapshot: Snapshot) -> tuple[Known, tuple[str, ...], list[str]]:
    """Is a VPN tunnel up?  Only an interface inventory or a routing table can say."""
    has_ifaces, has_routes = snapshot.has(Evidence.INTERFACES), snapshot.has(Evidence.ROUTES) or \
        snapshot.has(Evidence.ROUTES6)
    up = snapshot.vpn.tunnel_interfaces
    notes: list[str] = []
    if up:
        routed = {r.interface for r in snapshot.routes}
        seen = tuple(t for t in up if (has_ifaces and snapshot.interface(t) is not None)
                     or (has_routes and t in routed))
        if seen:
            return Known.OBSERVED, seen, notes
        notes.append(_("{interfaces} named by the DNS configuration only: whether that tunnel is up now is "
                       "not shown by an interface list or routing table").format(interfaces=", ".join(up)))
        return Known.NOT_CAPTURED, (), notes
    if has_ifaces:
        return Known.ABSENT, (), notes
    if has_routes and not snapshot.has(Evidence.ROUTES):
        # An IPv6 table alone: a tunnel need not carry IPv6 at all (Client VPN's are IPv4, and a
        # tun device may have no link-local address), so no tun route there proves nothing.
        notes.append(_("only the IPv6 routing table was read: a VPN tunnel need not carry IPv6, so the IPv4 "
                       "routing table or the interface list must tell whether one is up"))
        return Known.NOT_CAPTURED, (), notes
    if has_routes:
        # No inventory: the routing table names every interface that carries a route -- by a
        # name that tells a tunnel (tun0, utun3, ppp0) on Linux and macOS; on Windows by an
        # address, an index or an alias ("Ethernet 2" is as likely the TAP-Windows adapter),
        # which tells nothing unless the adapter list came with it (route print's header).
        named_tunnel = any(r.interface and (iface := snapshot.interface(r.interface)) is not None
                           and iface.kind is InterfaceKind.TUNNEL for r in snapshot.dns.resolvers)
        unnamed = sorted({r.interface for r in snapshot.routes if r.interface and _kind_unknown(snapshot, r.interface)})
        listed = any(not _kind_unknown(snapshot, i.name) for i in snapshot.interfaces)
        if unnamed and not listed:
            notes.append(_("the routing table names {interfaces} only: whether one is a VPN tunnel needs the adapter "
                           "list").format(interfaces=", ".join(unnamed[:3]) + (" ..." if len(unnamed) > 3 else "")))
            return Known.NOT_CAPTURED, (), notes
        return (Known.NOT_CAPTURED if named_tunnel else Known.ABSENT), (), notes
    return Known.NOT_CAPTURED, (), notes


def tunnel_evidence_given(captured: Iterable[Evidence]) -> bool:
    """Was an interface list or a routing table given at all?  (When the tunnel is not known
    with one, it is because what was given cannot show it: an IPv6 table alone, interfaces
    named by an index only.)"""
    return bool({Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6} & set(captured))


def _kind_unknown(snapshot: Snapshot, name: str) -> bool:
    """An interface known by an address, index or alias only (no record, or of no known kind)."""
    iface = snapshot.interface(name)
    return iface is None or iface.kind is InterfaceKind.OTHER


def _mode(snapshot: Snapshot, tunnel: Known, notes: list[str]) -> tuple[TunnelMode, str]:
    """The tunnel mode: the routing table decides; the PUSH_REPLY confirms, or stands in
    when no routing table was captured."""
    if tunnel is Known.ABSENT:
        return TunnelMode.NONE, "interfaces" if snapshot.has(Evidence.INTERFACES) else "routes"
    # The logs' own reading (the push's redirect-gateway or 0/0 route, else the 0/1 + 128/1 the client
    # installed); a partial push (configure-dns helper, an up script) tells no mode.
    logged: TunnelMode | None = snapshot.vpn.log_tunnel_mode
    if logged not in (TunnelMode.FULL, TunnelMode.SPLIT):
        logged = None
    # Split or full is an IPv4 question (a full tunnel is 0/1 + 128/1 or 0/0 through it): an
    # IPv6 table alone (link-local routes on tun0) would read as "split".
    machine = snapshot.vpn.mode if tunnel is Known.OBSERVED and snapshot.has(Evidence.ROUTES) else TunnelMode.UNKNOWN
    if machine in (TunnelMode.FULL, TunnelMode.SPLIT):
        if logged is not None and logged is not machine:
            notes.append(_("the routes show a {machine} tunnel, the VPN log's PUSH_REPLY a {logged} one: "
                           "the routes decide").format(machine=machine.value, logged=logged.value))
        return machine, "routes"
    if logged is not None:
        return logged, "VPN log"
    return TunnelMode.UNKNOWN, ""


def _vpn_side(server: str, resolvers: list[Resolver], route: RouteFact, tunnels: frozenset[str],
              mode: TunnelMode, mode_from: str, lan_gateways: frozenset[str],
              overlays: frozenset[str] = frozenset()) -> tuple[Known, str]:
    """Does the machine show ``server`` as a server of the VPN (tunnel up)?  ``overlays``: the
    tunnel links another VPN owns (tailscale0): a resolver there, or reached through one, is
    that VPN's, not the endpoint's."""
    on_link = next((r.interface for r in resolvers if r.interface in tunnels), None)
    overlay = on_link if on_link in overlays else route.interface if route.interface in overlays else None
    if is_overlay_resolver(server) or overlay:
        return Known.ABSENT, _("another VPN's resolver ({what}), not the AWS endpoint's").format(
            what=overlay or _("Tailscale's MagicDNS address"))
    if on_link:
        return Known.OBSERVED, _("the OS attaches it to the tunnel link {link}").format(link=on_link)
    if route.lan and server in lan_gateways:
        # A pushed prefix that overlaps the LAN holds the LAN's own router too: that one is
        # the device's resolver, not the VPN's.
        return Known.ABSENT, _("it is the router of the local subnet {lan}").format(lan=route.lan)
    if route.tunnel_prefix:
        return Known.OBSERVED, _("it lies in {prefix}, which the tunnel carries").format(prefix=route.tunnel_prefix)
    if server in AMAZON_LINK_LOCAL_DNS:
        return Known.OBSERVED, _("it is the Amazon DNS server's link-local address (only an AWS setting puts it here)")
    if route.via_tunnel and mode is TunnelMode.SPLIT and mode_from == "routes":
        return Known.OBSERVED, _("the {method} answer sends it into {interface} (split tunnel)").format(
            method=route.method, interface=route.interface)
    try:
        klass = address_class(server)
    except ValueError:
        return Known.NOT_CAPTURED, ""
    if klass in _LOCAL_CLASSES:
        return Known.ABSENT, _("a local stub on this machine")
    if route.via_tunnel is None:
        return Known.NOT_CAPTURED, ""
    if route.lan:
        return Known.ABSENT, _("it is on the local subnet {lan}").format(lan=route.lan)
    if route.via_tunnel and mode is TunnelMode.FULL and klass in _PRIVATE_CLASSES and not is_linklocal(server):
        return Known.OBSERVED, _("a private address outside every local subnet, reached only through the full "
                                 "tunnel ({interface})").format(interface=route.interface)
    if not route.via_tunnel:
        return Known.ABSENT, _("it is reached outside the tunnel")
    return Known.ABSENT, _("a public resolver (the device's own: the endpoint may still push others, the log shows)")


def _klass(address: str) -> str:
    """The address class, or "invalid" for text that is not an address (an NRPT server name)."""
    try:
        return address_class(address)
    except ValueError:
        return "invalid"


def _os_order(resolvers: tuple[Resolver, ...]) -> list[str]:
    indexed = sorted(enumerate(resolvers), key=lambda ir: (ir[1].order if ir[1].order is not None else 10**9, ir[0]))
    out: list[str] = []
    for _i, r in indexed:
        if r.address not in out:
            out.append(r.address)
    return out


# --------------------------------------------------------------------------- derive


def derive(snapshot: Snapshot, probes: ProbeRun | None = None, names: tuple[NameCheck, ...] = (),
           expected_dns: tuple[str, ...] = (), platforms: tuple[Platform, ...] | None = None) -> Facts:
    """Everything the rules and renderers need, once.  ``platforms``: whose commands the
    unknowns name (default: the snapshot's OS; analyze passes all three when it had to guess)."""
    probes = probes or ProbeRun()
    names = tuple(names) or probes.names
    platforms = platforms or (snapshot.platform,)
    notes: list[str] = []
    unknowns: list[Unknown] = []
    vpn = snapshot.vpn

    tunnel, tunnel_ifaces, tnotes = _tunnel_state(snapshot)
    notes += tnotes
    mode, mode_from = _mode(snapshot, tunnel, notes)
    tunnels = frozenset(tunnel_ifaces)
    routes = _Routes(snapshot, tunnels, tunnel is not Known.NOT_CAPTURED)
    lan_gateways = frozenset(r.gateway for r in snapshot.routes if r.gateway and r.interface not in tunnels)
    overlays = frozenset(t for t in tunnels if is_overlay_interface(snapshot, t))

    # -- every server: resolvers in the OS order, then pushed, profile, expected, NRPT
    by_addr: dict[str, list[Resolver]] = {}
    for r in snapshot.dns.resolvers:
        by_addr.setdefault(r.address, []).append(r)
    os_order = _os_order(snapshot.dns.resolvers)
    pushed = vpn.pushed.dns_servers if vpn.pushed is not None else ()
    profile = vpn.profile.dns_servers if vpn.profile is not None else ()
    seen_as: dict[str, list[str]] = {}

    def see(addresses: Iterable[str], what: str) -> None:
        for a in addresses:
            kinds = seen_as.setdefault(a, [])
            if what not in kinds:
                kinds.append(what)

    see(os_order, "resolver")
    see(pushed, "pushed")
    see(profile, "profile")
    # An expected server may carry a port ("10.0.0.2#5353", --config): the server is its address.
    see((e.split("#", 1)[0] for e in expected_dns), "expected")
    see((s for rule in snapshot.dns.nrpt for s in rule.servers), "nrpt")

    scope_rank = list(ResolverScope)
    results_by: dict[str, list[ProbeResult]] = {}
    for p in probes.results:
        results_by.setdefault(p.server, []).append(p)

    drafts: list[ServerFact] = []
    for address, kinds in seen_as.items():
        entries = by_addr.get(address, [])
        route = routes.fact(address)
        if tunnel is Known.OBSERVED:
            side, because = _vpn_side(address, entries, route, tunnels, mode, mode_from, lan_gateways, overlays)
        else:
            side, because = Known.NOT_CAPTURED, ""
        if address in pushed or address in profile:
            src = _("pushed by the endpoint (VPN log)") if address in pushed else _("in the VPN profile")
            side, because = Known.OBSERVED, (f"{because}; {src}" if side is Known.OBSERVED and because else src)
        scope = min((r.scope for r in entries), key=scope_rank.index) if entries else None
        iface = next((r.interface for r in entries if r.interface), None)
        drafts.append(ServerFact(address=address, seen_as=tuple(kinds), scope=scope, interface=iface, route=route,
                                 vpn=side, vpn_because=because,
                                 probes=probe_facts(results_by.get(address, ()))))

    # -- custom DNS: the machine's VPN servers in the OS order, then what the endpoint pushed
    machine_vpn = [s.address for s in drafts if s.vpn is Known.OBSERVED and "resolver" in s.seen_as
                   and not (set(s.seen_as) & {"pushed", "profile"})]
    announced = list(dict.fromkeys(pushed + profile))
    if announced:
        applied = [a for a in os_order if a in announced]
        custom = applied + [a for a in announced if a not in applied]
        if machine_vpn:
            notes.append(_("{servers} also reach(es) the VPN side but the endpoint did not push it/them (set by "
                           "another tool or by hand)").format(servers=", ".join(machine_vpn)))
        if pushed:
            custom_from = (_("the VPN log (PUSH_REPLY), and the machine uses them") if applied
                           else _("the VPN log (PUSH_REPLY)"))
        else:
            custom_from = (_("the VPN profile (dhcp-option DNS), and the machine uses them") if applied
                           else _("the VPN profile (dhcp-option DNS)"))
    elif machine_vpn:
        custom = [a for a in os_order if a in machine_vpn]
        first = next(s for s in drafts if s.address == custom[0])
        custom_from = _("the machine: {server}: {because}").format(server=custom[0], because=first.vpn_because)
        if vpn.pushed is not None:
            notes.append(_("the VPN log's PUSH_REPLY has no dhcp-option DNS: the VPN servers the OS uses were set "
                           "on this machine (by hand or another tool)"))
        elif tunnel is Known.OBSERVED:
            notes.append(_("custom DNS told by the machine alone: no VPN log was read to confirm what the endpoint "
                           "pushed"))
    else:
        custom, custom_from = [], ""
    if custom:
        custom_dns = Known.OBSERVED
    elif vpn.pushed is not None and tunnel is not Known.NOT_CAPTURED:
        custom_dns, custom_from = Known.ABSENT, _("the VPN log: the last PUSH_REPLY has no dhcp-option DNS")
    else:
        custom_dns = Known.NOT_CAPTURED

    role = {a: ROLES[i] if i < len(ROLES) else f"#{i + 1}" for i, a in enumerate(custom)}
    servers = tuple(_with_role(s, role.get(s.address, "")) for s in drafts)

    resolvers_known = Known.OBSERVED if snapshot.has(Evidence.DNS_GLOBAL) else Known.NOT_CAPTURED
    pushed_known = Known.OBSERVED if vpn.pushed is not None else (
        Known.ABSENT if snapshot.has(Evidence.VPN_LOG) else Known.NOT_CAPTURED)
    probed = bool(probes.results)

    # -- name -> resolvers (macOS: match domains)
    resolution: list[NameResolution] = []
    if snapshot.platform is Platform.MACOS and snapshot.dns.resolvers:
        for n in names:
            chosen = select_resolvers(snapshot.dns.resolvers, n.name)
            why = (_("match domain {domains}").format(domains=", ".join(sorted({d for r in chosen for d in r.domains})))
                   if chosen and chosen[0].scope is ResolverScope.DOMAIN else _("default resolver"))
            resolution.append(NameResolution(n.name, tuple(dict.fromkeys(r.address for r in chosen)), why))

    # -- what could not be told, and what would tell it
    if tunnel is Known.NOT_CAPTURED:
        unknowns.append(Unknown("tunnel", _("whether a VPN tunnel is up (no interface list or routing table was "
                                            "captured)") if not tunnel_evidence_given(snapshot.captured) else
                                _("whether a VPN tunnel is up (the routing table or interface list given does not "
                                  "show it)"), _commands("tunnel", platforms)))
    elif tunnel is Known.OBSERVED and mode is TunnelMode.UNKNOWN:
        unknowns.append(Unknown("tunnel-mode", _("whether the tunnel is split or full (no route through the tunnel "
                                                 "was captured)"), _commands("tunnel-mode", platforms)))
    if resolvers_known is Known.NOT_CAPTURED:
        what = _("which DNS servers programs use")
        if snapshot.has(Evidence.DNS_LINKS) and snapshot.platform is Platform.LINUX:
            what = _("whether programs ask systemd-resolved (its per-link servers are listed; /etc/resolv.conf was "
                     "not captured)")
        elif snapshot.dns.stub:
            what = _("which servers stand behind the local stub resolver in /etc/resolv.conf")
        unknowns.append(Unknown("resolvers", what, _commands("resolvers", platforms)))
    if tunnel is Known.OBSERVED:
        unrouted = [s.address for s in servers if s.route is not None and s.route.via_tunnel is None
                    and _klass(s.address) not in _LOCAL_CLASSES]
        if unrouted:
            unknowns.append(Unknown("routes", _("which interface carries DNS packets to {servers}").format(
                                        servers=", ".join(unrouted)),
                                    {p.value: tuple(_ROUTE_GET[p].format(a=a) for a in unrouted) for p in platforms}))
        if custom_dns is Known.NOT_CAPTURED:
            unknowns.append(Unknown(
                "custom-dns", _("whether the VPN endpoint pushes DNS servers (custom DNS): the OS uses none the "
                                "machine shows as the VPN's, and no VPN log was read"),
                _commands("custom-dns", platforms, (_ADMIN_DNS,))))
        elif pushed_known is not Known.OBSERVED:
            unknowns.append(Unknown(
                "pushed-dns", _("whether every DNS server the endpoint pushes is applied (pushed-dns-not-applied "
                                "needs the VPN log)"), _commands("custom-dns", platforms, (_ADMIN_DNS,))))
        v6 = [r.address for r in snapshot.dns.resolvers if ":" in r.address and r.interface not in tunnels
              and r.scope in (ResolverScope.GLOBAL, ResolverScope.LINK) and _klass(r.address) != "loopback"]
        if custom_dns is Known.OBSERVED and v6 and not snapshot.has(Evidence.ROUTES6):
            unknowns.append(Unknown("ipv6-routes", _("whether IPv6 DNS queries to {servers} go through the tunnel "
                                                     "(no IPv6 routing table was captured)").format(
                                        servers=", ".join(v6)), _commands("ipv6-routes", platforms)))
        if custom_dns is Known.OBSERVED and not snapshot.has(Evidence.INTERFACES):
            unknowns.append(Unknown("interfaces", _("whether a VPN DNS server lies in a local subnet (no interface "
                                                    "list was captured)"), _commands("interfaces", platforms)))
    unknowns += _local_unknowns(snapshot, probes, names, platforms)
    if not probed:
        what = (_("how the DNS servers answer: no probe was sent ({why})").format(why=probes.skipped)
                if probes.skipped else _("how the DNS servers answer: no probe was sent"))
        unknowns.append(Unknown("probes", what,
                                _commands("probes", platforms)))

    return Facts(captured=snapshot.captured, tunnel=tunnel, tunnel_interfaces=tunnel_ifaces, tunnel_mode=mode,
                 tunnel_mode_from=mode_from,
                 tunnel_prefixes=vpn.tunnel_routes if tunnel is Known.OBSERVED else (),
                 custom_dns=custom_dns, custom_dns_servers=tuple(custom), custom_dns_from=custom_from,
                 pushed=pushed_known, resolvers=resolvers_known, probed=probed, servers=servers,
                 resolution=tuple(resolution), notes=tuple(notes), unknowns=tuple(unknowns))


def _local_unknowns(snapshot: Snapshot, probes: ProbeRun, names: tuple[NameCheck, ...],
                    platforms: tuple[Platform, ...]) -> list[Unknown]:
    """The laptop-side causes a symptom points at but whose evidence was not captured (issue 17):
    an address from the OS no server gave (a hosts-file entry?), a loopback resolver (which
    program answers there?), a short name that fails (which suffixes does each link add?)."""
    from agent.netclass import is_loopback, is_single_label

    out: list[Unknown] = []
    answered: dict[str, set[str]] = {}
    for p in probes.results:
        answered.setdefault(p.name, set()).update(a.address for a in p.answers)
    odd = [s.name for s in probes.system if s.addresses and s.name in answered
           and not {a.address for a in s.addresses} & answered[s.name]]
    if odd and not snapshot.has(Evidence.HOSTS):
        out.append(Unknown("hosts", _("whether a hosts-file entry gives {names} the address the OS returns, "
                                      "which no DNS server probed gave (the hosts file was not read)").format(
                                          names=", ".join(odd)),
                           _commands("hosts", platforms)))
    loop = [r.address for r in snapshot.dns.resolvers if is_loopback(r.address)
            and r.scope is not ResolverScope.INACTIVE and r.address.split("%", 1)[0] not in ("127.0.0.53", "127.0.0.54")]
    if loop and not snapshot.has(Evidence.PORT53):
        out.append(Unknown("port53", _("which program answers DNS on {servers} (a local DNS agent?): who listens "
                                       "on port 53 was not listed").format(servers=", ".join(dict.fromkeys(loop))),
                           _commands("port53", platforms)))
    short_failed = [s.name for s in probes.system if is_single_label(s.name) and not s.addresses and s.error
                    and any(n.name == s.name for n in names)]
    if short_failed and not snapshot.dns.link_search and not snapshot.dns.search_domains:
        out.append(Unknown("search-list", _("which DNS suffixes the OS adds to {names} (no search list was "
                                            "captured)").format(names=", ".join(short_failed)),
                           _commands("search-list", platforms)))
    return out


def _with_role(s: ServerFact, role: str) -> ServerFact:
    if not role:
        return s
    return ServerFact(address=s.address, seen_as=s.seen_as, scope=s.scope, interface=s.interface, route=s.route,
                      vpn=s.vpn, vpn_because=s.vpn_because, role=role, probes=s.probes)


def route_fact(snapshot: Snapshot, facts: Facts, address: str) -> RouteFact:
    """The route fact of any address (the derive stage's for a server it knows)."""
    known = facts.server(address)
    if known is not None and known.route is not None:
        return known.route
    return _Routes(snapshot, frozenset(facts.tunnel_interfaces), facts.tunnel is not Known.NOT_CAPTURED).fact(address)
