"""The one longest-prefix route lookup (pure), shared by the adapters' fallbacks (no kernel
to ask: a pasted table, Linux without ``ip``, Windows without Find-NetRoute), the derive
stage and, through it, the rules and renderers.

A :class:`RouteTable` indexes the routes a longest-prefix match considers once: IP version
-> ((prefix length, {network bits: route}), ...) longest first.  Scanning every route for
every address was O(servers x routes): minutes for 100,000 routes and 200 servers.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Callable, Iterable

from agent.model import PREFIX_LENGTHS, Route, RouteLookup, ip_of

MAIN_TABLES = frozenset({"main", "default", "254", ""})
# Route types a lookup can land on: a blackhole or unreachable route answers "no route".
LOOKUP_TYPES = frozenset({"unicast", "", "unreachable", "blackhole", "prohibit"})


def prefix_bits(destination: str) -> tuple[int, int, int]:
    """(IP version, prefix length, network bits) of a route's CIDR, as
    ``ipaddress.ip_network(destination, strict=False)`` says, but parsed by
    ``socket.inet_pton`` for the plain forms adapters write (ipaddress costs ~10 us each)."""
    addr, sep, plen = destination.partition("/")
    if sep and plen in PREFIX_LENGTHS[0] and ":" not in addr:      # the common case: a.b.c.d/n
        try:
            length = int(plen)
            return 4, length, int.from_bytes(socket.inet_pton(socket.AF_INET, addr), "big") >> (32 - length)
        except (OSError, ValueError):
            pass                      # an unusual spelling: let ipaddress judge it below
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


def _considered(route: Route) -> bool:
    if route.scoped or route.table not in MAIN_TABLES or route.type not in LOOKUP_TYPES:
        return False
    return route.type not in ("unicast", "") or route.interface is not None


class RouteTable:
    """Longest-prefix match over the main table; per prefix the route with the lowest
    metric (the first one on a tie)."""

    __slots__ = ("_index",)

    def __init__(self, routes: Iterable[Route] = ()) -> None:
        buckets: dict[tuple[int, int], dict[int, Route]] = {}
        for r in routes:
            if _considered(r):
                _add(buckets, prefix_bits(r.destination), r)
        self._index = _index(buckets)

    @classmethod
    def pair(cls, routes: Iterable[Route],
             also: Callable[[Route, tuple[int, int, int]], bool]) -> tuple["RouteTable", "RouteTable"]:
        """Two tables in one pass (each prefix parsed once): one of every route, one of the
        routes for which ``also(route, prefix_bits(route.destination))`` holds."""
        every: dict[tuple[int, int], dict[int, Route]] = {}
        some: dict[tuple[int, int], dict[int, Route]] = {}
        for r in routes:
            if not _considered(r):
                continue
            key = prefix_bits(r.destination)
            _add(every, key, r)
            if also(r, key):
                _add(some, key, r)
        first, second = cls(), cls()
        first._index, second._index = _index(every), _index(some)
        return first, second

    def __bool__(self) -> bool:
        return bool(self._index)

    def route(self, address: str) -> Route | None:
        """The route a packet to ``address`` takes by the table, or None."""
        try:
            ip = ip_of(address)
        except ValueError:
            return None
        value = int(ip)
        for length, bucket in self._index.get(ip.version, ()):
            r = bucket.get(value >> (ip.max_prefixlen - length))
            if r is not None:
                return r
        return None

    def lookup(self, address: str) -> RouteLookup:
        """The table's answer in the shape of a kernel lookup (``method="table"``)."""
        best = self.route(address)
        if best is None:
            return RouteLookup(address=address, error="no route in the table", method="table")
        if best.type not in ("unicast", ""):
            return RouteLookup(address=address, destination=best.destination, error=f"route type {best.type}",
                               method="table")
        return RouteLookup(address=address, interface=best.interface, gateway=best.gateway,
                           source_address=best.source, destination=best.destination, method="table")


def _add(buckets: dict[tuple[int, int], dict[int, Route]], key: tuple[int, int, int], r: Route) -> None:
    version, length, bits = key
    bucket = buckets.get((version, length))
    if bucket is None:
        bucket = buckets[(version, length)] = {}
    best = bucket.get(bits)
    if best is None or (r.metric or 0) < (best.metric or 0):
        bucket[bits] = r


def _index(buckets: dict[tuple[int, int], dict[int, Route]]) -> dict[int, tuple[tuple[int, dict[int, Route]], ...]]:
    """IP version -> ((prefix length, {network bits: route}), ...), longest first."""
    return {v: tuple(sorted(((length, b) for (ver, length), b in buckets.items() if ver == v),
                            key=lambda item: item[0], reverse=True))
            for v in {ver for ver, _length in buckets}}


def table_lookup(routes: Iterable[Route], address: str) -> RouteLookup:
    """One lookup by longest prefix (build a :class:`RouteTable` for many)."""
    return RouteTable(routes).lookup(address)
