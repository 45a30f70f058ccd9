"""The fast paths added for 100,000-route tables (benchmarks/bench_scale.py) give exactly
what the ipaddress-based code they short-cut gave: validation, canonical CIDR text, the
longest-prefix match of the rule context, and tunnel detection."""
from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.model import Family, Interface, InterfaceKind, Route, check_network, ip_of, is_plain_ip
from agent.routing import RouteTable, prefix_bits as _prefix
from platforms.parsers.ip_route import _cidr
from platforms.tunnel import detect_tunnel

SPELLINGS = [
    "10.1.0.0/16", "10.1.2.3/16", "0.0.0.0/0", "192.168.1.23", "255.255.255.255/32", "1.2.3.4/33",
    "010.1.0.0/16", "10.01.0.0/16", "1.2.3/24", "1.2.3.4.5/8", "1.2.3.4/", "1.2.3.4/016", "1.2.3.4/-1",
    "1.2.3.4/ 8", "1.2.3.4/255.255.0.0", "1.2.3.4/0.0.255.255", " 1.2.3.4/8", "1.2.3.4/8 ", "1.2.3.256/8",
    "fd00::/8", "fd00:0::/8", "fd00::1/8", "::/0", "::1", "fe80::1%eth0", "fe80::/64", "2001:db8::/129",
    "::ffff:1.2.3.4/128", "1::2::3/64", "gggg::/16", "", "/", "default", "1.2.3.4/٣", "1.2.3.4/²",
]


def _network_ok(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("text", SPELLINGS)
def test_check_network_accepts_exactly_what_ipaddress_accepts(text):
    if _network_ok(text):
        assert check_network(text) == text
    else:
        with pytest.raises(ValueError):
            check_network(text)


@pytest.mark.parametrize("text", [s.partition("/")[0] for s in SPELLINGS])
def test_is_plain_ip_never_says_yes_to_what_ipaddress_rejects(text):
    if is_plain_ip(text):
        ipaddress.ip_address(text)


@pytest.mark.parametrize("text", [s for s in SPELLINGS if _network_ok(s) and ":" not in s])
def test_cidr_text_is_what_ipaddress_prints(text):
    assert _cidr(text, Family.INET) == str(ipaddress.ip_network(text, strict=False))


@pytest.mark.parametrize("text", [s for s in SPELLINGS if _network_ok(s)])
def test_prefix_key_matches_ipaddress(text):
    net = ipaddress.ip_network(text, strict=False)
    assert _prefix(text) == (net.version, net.prefixlen, int(net.network_address) >> (net.max_prefixlen - net.prefixlen))


@given(st.integers(0, 2**32 - 1), st.integers(0, 32))
def test_random_ipv4_prefixes(value, length):
    text = f"{ipaddress.IPv4Address(value)}/{length}"
    net = ipaddress.ip_network(text, strict=False)
    assert check_network(text) == text
    assert _cidr(text, Family.INET) == str(net)
    assert _prefix(text) == (4, length, int(net.network_address) >> (32 - length))


def _scan(routes, address):
    """The longest-prefix match by a plain scan of every route: what the index must equal.
    Blackhole/unreachable routes take part (a lookup landing on one answers "no route")."""
    ip = ip_of(address)
    best = None
    for r in routes:
        if r.scoped or r.type not in ("unicast", "", "blackhole", "unreachable", "prohibit") \
                or r.table not in ("main", "default", "254", ""):
            continue
        if r.type in ("unicast", "") and r.interface is None:
            continue
        net = r.network
        if net.version != ip.version or ip not in net:
            continue
        if best is None or net.prefixlen > best.network.prefixlen or (
                net.prefixlen == best.network.prefixlen and (r.metric or 0) < (best.metric or 0)):
            best = r
    return best


_route = st.builds(
    lambda a, n, metric, table, rtype, iface, scoped: Route(
        Family.INET, str(ipaddress.ip_network(f"10.{a >> 8 & 3}.{a & 255}.0/{n}", strict=False)),
        interface=iface, metric=metric, table=table, type=rtype, scoped=scoped),
    st.integers(0, 1023), st.integers(0, 32), st.one_of(st.none(), st.integers(0, 3)),
    st.sampled_from(["main", "main", "254", "100", "local"]), st.sampled_from(["unicast", "unicast", "blackhole"]),
    st.sampled_from(["eth0", "tun0", "wlan0"]), st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(_route, max_size=40), st.lists(st.integers(0, 2**12 - 1), min_size=1, max_size=10))
def test_indexed_lookup_equals_the_scan(routes, hosts):
    table = RouteTable(routes)
    for h in hosts:
        address = f"10.{h >> 10 & 3}.{h >> 2 & 255}.{h & 3}"
        assert table.route(address) == _scan(routes, address)
    assert table.route("fd00::1") is None and table.route("not an address") is None


def test_tunnel_detection_on_halves_defaults_and_duplicates():
    ifaces = (Interface(name="tun0", kind=InterfaceKind.TUNNEL, is_up=True),)
    halves = tuple(Route(Family.INET, d, interface="tun0") for d in ("0.0.0.0/1", "10.0.0.0/16", "128.0.0.0/1",
                                                                      "10.0.0.0/16"))
    ev = detect_tunnel(ifaces, halves)
    assert ev.mode.value == "full" and ev.tunnel_routes == ("0.0.0.0/1", "10.0.0.0/16", "128.0.0.0/1")
    split = detect_tunnel(ifaces, (Route(Family.INET, "10.0.0.0/16", interface="tun0"),
                                   Route(Family.INET, "0.0.0.0/0", interface="eth0")))
    assert split.mode.value == "split" and split.tunnel_routes == ("10.0.0.0/16",)
    full = detect_tunnel(ifaces, (Route(Family.INET6, "::/0", interface="tun0"),))
    assert full.mode.value == "full"


def test_route_fields_are_where_the_json_fast_path_puts_them():
    """ip_route builds the common Route positionally: family, destination, then the shared
    fields in this order, then flags and scoped left at their defaults."""
    import dataclasses

    from platforms.parsers.ip_route import SHARED_ROUTE_FIELDS

    fields = dataclasses.fields(Route)
    assert tuple(f.name for f in fields[:2 + len(SHARED_ROUTE_FIELDS)]) == (
        "family", "destination", *SHARED_ROUTE_FIELDS)
    rest = fields[2 + len(SHARED_ROUTE_FIELDS):]
    assert [f.name for f in rest] == ["flags", "scoped"] and Route(Family.INET, "10.0.0.0/8").flags == ()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["gateway", "dev", "metric", "table", "type", "protocol", "scope", "prefsrc",
                                        "flags", "pref"]),
                       st.one_of(st.none(), st.sampled_from(["10.0.0.1", "tun0", "main", "100", "static", "link",
                                                             "fe80::1", "blackhole", ""]), st.integers(0, 300),
                                 st.just([]), st.just(["onlink"]), st.just(["x", 1]))),
       st.sampled_from(["10.1.0.0/16", "default", "10.1.2.3", "fd00::/8", "010.1.0.0/16", "10.1.2.3/16"]))
def test_the_json_fast_path_builds_what_the_long_way_builds(fields, dst):
    from platforms.parsers import ip_route

    def outcome(entry):
        try:
            return ip_route._routes_from_json(entry, Family.INET6 if ":" in dst else Family.INET, {})
        except (ip_route.ParseError, ValueError, TypeError):   # what parse_json counts as a bad entry
            return "bad entry"

    entry = {"dst": dst, **fields}
    assert outcome(entry) == outcome({**entry, "nexthops": [{}]})
