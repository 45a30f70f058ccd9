"""What every rule sees: the snapshot, the probe run, the names, and derived facts
computed once (routes to each server, which resolvers belong to the VPN, how each
server answered).

Rules are pure functions ``def rule(ctx: Context) -> Finding | None``.  Generic codes
(stale-vpn-dns-after-disconnect, multiple-vpn-dns-conflict, route-outside-tunnel, ...)
live in ``agent/rules/generic.py`` and work on every OS through this Context; an OS
module (``agent/rules/macos.py``, ``windows.py``, ``linux.py``) implements only codes
that exist on that OS alone.  One rule per code: when an OS needs other evidence for
a generic code, extend the Context or the Snapshot, not a second rule.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import cached_property

from agent.model import (Family, InterfaceKind, NameCheck, Outcome, Platform, ProbeResult, ProbeRun,
                         Resolver, ResolverScope, Route, Snapshot, SystemLookup, Transport, TunnelMode, ip_of)
from agent.netclass import is_private


def _prefix(destination: str) -> tuple[int, int, int]:
    """(IP version, prefix length, network bits) of a route's CIDR, as
    ``ipaddress.ip_network(destination, strict=False)`` says, but parsed by
    ``socket.inet_pton`` for the plain forms adapters write (ipaddress costs ~10 us each)."""
    addr, sep, plen = destination.partition("/")
    family, version, maxlen = (socket.AF_INET6, 6, 128) if ":" in addr else (socket.AF_INET, 4, 32)
    if not sep or (plen.isascii() and plen.isdigit()):
        length = int(plen) if sep else maxlen
        try:
            value = int.from_bytes(socket.inet_pton(family, addr), "big")
        except (OSError, ValueError):
            pass                      # an unusual spelling: let ipaddress judge it below
        else:
            if length <= maxlen:
                return version, length, value >> (maxlen - length)
    net = ipaddress.ip_network(destination, strict=False)
    return net.version, net.prefixlen, int(net.network_address) >> (net.max_prefixlen - net.prefixlen)


@dataclass(frozen=True, slots=True)
class RouteInfo:
    """Where packets to `address` go, from the kernel's answer or else the table."""
    address: str
    interface: str | None
    gateway: str | None
    via_tunnel: bool
    method: str              # "ip route get", "route -n get", "Find-NetRoute", "table", "none"
    destination: str | None = None

    def describe(self) -> str:
        if self.interface is None:
            return f"{self.address}: no route found ({self.method})"
        via = f" via {self.gateway}" if self.gateway else ""
        where = "through the tunnel" if self.via_tunnel else "outside the tunnel"
        dest = f", route {self.destination}" if self.destination else ""
        return f"{self.address}: dev {self.interface}{via} ({where}{dest}; {self.method})"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """How one server answered across all probes."""
    address: str
    probes: tuple[ProbeResult, ...]

    def of(self, transport: Transport | None = None, name: str | None = None) -> tuple[ProbeResult, ...]:
        return tuple(p for p in self.probes
                     if (transport is None or p.transport is transport) and (name is None or p.name == name))

    @property
    def probed(self) -> bool:
        return bool(self.probes)

    def responded(self, transport: Transport | None = None) -> bool:
        return any(p.outcome.responded for p in self.of(transport))

    def silent(self, transport: Transport | None = None) -> bool:
        """Probed, and not one DNS reply came back (over this transport)."""
        sel = self.of(transport)
        return bool(sel) and not any(p.outcome.responded for p in sel)

    def outcome_for(self, name: str, transport: Transport = Transport.UDP) -> Outcome | None:
        sel = self.of(transport, name)
        if not sel and transport is Transport.UDP:
            sel = self.of(Transport.TCP, name)
        return sel[0].outcome if sel else None

    def best(self, name: str) -> ProbeResult | None:
        """The most informative result for a name: a DNS reply over UDP, else over TCP, else any."""
        sel = self.of(name=name)
        for p in sorted(sel, key=lambda p: (not p.outcome.responded, p.outcome is Outcome.TRUNCATED,
                                            p.transport is not Transport.UDP)):
            return p
        return None

    def summary(self) -> str:
        parts = []
        for t in (Transport.UDP, Transport.TCP):
            sel = self.of(t)
            if not sel:
                continue
            outs = sorted({p.outcome.value for p in sel})
            rtts = [p.rtt_ms for p in sel if p.rtt_ms is not None and p.outcome.responded]
            rtt = f", {min(rtts):.0f}-{max(rtts):.0f} ms" if rtts else ""
            parts.append(f"{t.value}: {'/'.join(outs)} ({len(sel)} probes{rtt})")
        return f"{self.address} " + ("; ".join(parts) if parts else "not probed")


_V6_TUNNEL_DEFAULTS = {ipaddress.ip_network(n) for n in ("::/0", "::/1", "8000::/1", "2000::/3")}


class Context:
    """Inputs of classification plus derived facts; cheap to build, computed lazily."""

    def __init__(self, snapshot: Snapshot, probes: ProbeRun | None = None,
                 names: tuple[NameCheck, ...] = (), expected_dns: tuple[str, ...] = ()) -> None:
        self.snapshot = snapshot
        self.probes = probes or ProbeRun()
        self.names = tuple(names) or self.probes.names
        self.expected_dns = tuple(expected_dns)

    # ------------------------------------------------------------------ tunnel
    @property
    def platform(self) -> Platform:
        return self.snapshot.platform

    @property
    def mode(self) -> TunnelMode:
        return self.snapshot.vpn.mode

    @property
    def tunnel_up(self) -> bool:
        return self.mode is not TunnelMode.NONE

    @cached_property
    def tunnel_interfaces(self) -> frozenset[str]:
        names = set(self.snapshot.vpn.tunnel_interfaces)
        return frozenset(names)

    def is_tunnel(self, interface: str | None) -> bool:
        return interface is not None and interface in self.tunnel_interfaces

    # ------------------------------------------------------------------ pushed / custom DNS
    @property
    def log_says_disconnected(self) -> bool:
        vpn = self.snapshot.vpn
        return bool(vpn.disconnected_at and (not vpn.connected_at or vpn.disconnected_at >= vpn.connected_at))

    @cached_property
    def pushed_dns(self) -> tuple[str, ...]:
        """DNS servers the endpoint pushed (VPN log), else those in the profile."""
        vpn = self.snapshot.vpn
        if vpn.pushed is not None and vpn.pushed.dns_servers:
            return vpn.pushed.dns_servers
        if vpn.profile is not None and vpn.profile.dns_servers:
            return vpn.profile.dns_servers
        return ()

    @property
    def pushed_known(self) -> bool:
        """We saw what the endpoint pushed (a PUSH_REPLY), so 'no DNS pushed' is a fact."""
        return self.snapshot.vpn.pushed is not None

    @cached_property
    def tunnel_resolvers(self) -> tuple[Resolver, ...]:
        """Resolvers the OS attaches to a tunnel interface (resolved link, utun, TAP adapter)."""
        return tuple(r for r in self.snapshot.dns.resolvers if self.is_tunnel(r.interface))

    @cached_property
    def custom_dns(self) -> tuple[str, ...]:
        """The VPN's DNS servers: pushed ones, else the ones the OS put on the tunnel."""
        if self.pushed_dns:
            return self.pushed_dns
        out: list[str] = []
        for r in self.tunnel_resolvers:
            if r.address not in out:
                out.append(r.address)
        return tuple(out)

    @property
    def custom_dns_pushed(self) -> bool:
        return bool(self.custom_dns)

    # ------------------------------------------------------------------ resolvers
    @property
    def resolvers(self) -> tuple[Resolver, ...]:
        return self.snapshot.dns.resolvers

    @cached_property
    def default_resolvers(self) -> tuple[Resolver, ...]:
        """Resolvers asked for names no domain rule matches (GLOBAL and LINK scopes)."""
        return tuple(r for r in self.resolvers if r.scope in (ResolverScope.GLOBAL, ResolverScope.LINK))

    @cached_property
    def active_addresses(self) -> tuple[str, ...]:
        """Addresses of resolvers that receive queries (any scope but INACTIVE), in order."""
        out: list[str] = []
        for r in self.resolvers:
            if r.scope is not ResolverScope.INACTIVE and r.address not in out:
                out.append(r.address)
        return tuple(out)

    def resolver(self, address: str) -> Resolver | None:
        for r in self.resolvers:
            if r.address == address:
                return r
        return None

    # ------------------------------------------------------------------ routes
    @cached_property
    def _main_table(self) -> dict[int, tuple[tuple[int, dict[int, Route]], ...]]:
        """The routes a longest-prefix match considers, indexed once: IP version ->
        ((prefix length, {network bits: route}), ...) longest first; per prefix the route
        with the lowest metric (the first one on a tie).  Scanning every route for every
        address was O(servers x routes): minutes for 100,000 routes and 200 servers."""
        buckets: dict[tuple[int, int], dict[int, Route]] = {}
        for r in self.snapshot.routes:
            if r.scoped or r.type not in ("unicast", "") or r.table not in ("main", "default", "254", ""):
                continue
            version, length, bits = _prefix(r.destination)
            bucket = buckets.setdefault((version, length), {})
            best = bucket.get(bits)
            if best is None or (r.metric or 0) < (best.metric or 0):
                bucket[bits] = r
        return {v: tuple(sorted(((length, b) for (ver, length), b in buckets.items() if ver == v), reverse=True,
                                key=lambda item: item[0]))
                for v in {ver for ver, _length in buckets}}

    def _table_route(self, address: str) -> Route | None:
        """Longest-prefix match in the main table (lowest metric on a tie)."""
        try:
            ip = ip_of(address)
        except ValueError:
            return None
        value = int(ip)
        for length, bucket in self._main_table.get(ip.version, ()):
            r = bucket.get(value >> (ip.max_prefixlen - length))
            if r is not None:
                return r
        return None

    def route_to(self, address: str) -> RouteInfo:
        lk = self.snapshot.lookup(address)
        if lk is not None and lk.interface:
            dest = lk.destination
            if dest is None:
                tr = self._table_route(address)
                dest = tr.destination if tr is not None and tr.interface == lk.interface else None
            return RouteInfo(address, lk.interface, lk.gateway, self.is_tunnel(lk.interface),
                             lk.method or "kernel", dest)
        r = self._table_route(address)
        if r is None:
            return RouteInfo(address, None, None, False, "table" if self.snapshot.routes else "none")
        return RouteInfo(address, r.interface, r.gateway, self.is_tunnel(r.interface), "table", r.destination)

    @cached_property
    def lan_networks(self) -> tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...]:
        """Connected subnets of non-tunnel, non-loopback interfaces."""
        out = []
        for iface in self.snapshot.interfaces:
            if iface.kind in (InterfaceKind.TUNNEL, InterfaceKind.LOOPBACK) or iface.name in self.tunnel_interfaces:
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

    def lan_containing(self, address: str) -> tuple[str, str] | None:
        ip = ip_of(address)
        for name, net in self.lan_networks:
            if net.version == ip.version and ip in net:
                return name, str(net)
        return None

    @cached_property
    def ipv6_via_tunnel(self) -> bool:
        return any(r.family is Family.INET6 and r.interface in self.tunnel_interfaces
                   and r.network in _V6_TUNNEL_DEFAULTS for r in self.snapshot.routes)

    # ------------------------------------------------------------------ probes
    def status(self, address: str) -> ServerStatus:
        return ServerStatus(address, tuple(p for p in self.probes.results if p.server == address))

    @cached_property
    def canaries(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.names if n.origin == "canary")

    @cached_property
    def expectations(self) -> tuple[NameCheck, ...]:
        """Names the user/org expects to resolve (with or without a stated expectation)."""
        return tuple(n for n in self.names if n.origin in ("user", "config"))

    def system(self, name: str) -> SystemLookup | None:
        for s in self.probes.system:
            if s.name == name:
                return s
        return None

    @property
    def probed(self) -> bool:
        return bool(self.probes.results)


_NOT_FOUND = ("not known", "no address associated", "no such host", "nodata", "non-existent", "nxdomain")


def says_not_found(lookup: SystemLookup | None) -> bool:
    """The OS resolver definitively says the name does not exist (EAI_NONAME/EAI_NODATA),
    as opposed to a temporary failure or a timeout, which prove nothing about the name."""
    if lookup is None or lookup.addresses or not lookup.error:
        return False
    err = lookup.error.lower()
    return any(k in err for k in _NOT_FOUND)


def expectation_met(expected: str | None, addresses: tuple[str, ...]) -> bool | None:
    """Does a set of answers meet an expectation ("private", "public" or an IP)?
    None when there is no expectation."""
    if not expected:
        return None
    if not addresses:
        return False
    if expected == "private":
        return all(is_private(a) for a in addresses)
    if expected == "public":
        return not any(is_private(a) for a in addresses)
    return expected in addresses
