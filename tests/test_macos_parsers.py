"""Fixture tests for the macOS parsers (jc-style pairs: <source>--<case>.out + .json).

Every .out is a real capture from a public source (tests/fixtures/SOURCES.md, "## macOS");
its expected JSON is checked by the one fixture harness (tests/fixture_pairs.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from platforms.base import ParseError
from platforms.parsers import ifconfig_bsd, netstat_rn, route_get, scutil_dns, scutil_nwi

FIXTURES = Path(__file__).parent / "fixtures" / "macos"

PARSERS = {
    "scutil-dns": scutil_dns,
    "scutil-nwi": scutil_nwi,
    "netstat-rn": netstat_rn,
    "route-get": route_get,
    "ifconfig": ifconfig_bsd,
}


def cases() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(FIXTURES.glob("*.out")):
        kind = path.name.split("--", 1)[0]
        if kind in PARSERS:
            out.append((kind, path))
    return out


@pytest.mark.parametrize("kind,path", cases(), ids=lambda v: v.name if isinstance(v, Path) else v)
def test_fixture_is_recognised_by_content_only(kind: str, path: Path) -> None:
    text = path.read_text()
    recognised = {k for k, mod in PARSERS.items() if mod.looks_like(text)}
    assert recognised == {kind}


def test_enough_real_captures() -> None:
    kinds = [k for k, _ in cases()]
    assert kinds.count("scutil-dns") >= 8
    assert kinds.count("netstat-rn") >= 5
    assert kinds.count("route-get") >= 2 and kinds.count("scutil-nwi") >= 1


@pytest.mark.parametrize("kind", sorted(PARSERS))
@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_input_is_a_parse_error(kind: str, text: str) -> None:
    with pytest.raises(ParseError):
        PARSERS[kind].parse(text)


GARBAGE = [
    "<html><body>502 Bad Gateway</body></html>",
    "zsh: command not found: scutil\n",
    "\x00\x01\x02 binary \xff",
    "Windows IP Configuration\n\n   Host Name . . . . : PC\n",
]


@pytest.mark.parametrize("kind", sorted(PARSERS))
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_a_parse_error_and_not_recognised(kind: str, text: str) -> None:
    mod = PARSERS[kind]
    assert not mod.looks_like(text)
    with pytest.raises(ParseError):
        mod.parse(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("resolver #01:[]. \nnameserverDNSconfigurationInternet6"
                                             "DestinationGatewayFlagsNetifroutetointerfacelink#/%x")), max_size=300))
def test_parsers_raise_only_parse_error(text: str) -> None:
    for mod in PARSERS.values():
        try:
            mod.parse(text)
        except ParseError:
            pass


# --------------------------------------------------------------------------- semantics


def load(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_scutil_new_format_fields() -> None:
    info = scutil_dns.parse(load("scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out"))
    first = info.resolvers[0]
    assert first.nameservers == ("10.83.200.1", "fdbf:5677:c5d:e515::1")
    assert (first.if_index, first.if_name) == (13, "utun2")
    assert first.supplemental and not first.scoped
    assert first.flags == ("Supplemental", "Request A records", "Request AAAA records")
    assert (first.reach, first.reach_flags) == ("0x00000002", ("Reachable",))
    assert first.order == 101400
    mdns = info.resolvers[2]
    assert (mdns.domain, mdns.options, mdns.timeout, mdns.reachable) == ("local", "mdns", 5, False)


def test_scutil_unlabelled_reach_lines_of_macos_10_13() -> None:
    info = scutil_dns.parse(load("scutil-dns--tunnelblick-452-unlabelled-reach-scoped-utun.out"))
    assert info.sections == ("default", "scoped")
    assert info.resolvers[0].reach_flags == ("Not Reachable",) and info.resolvers[0].nameservers == ()
    scoped = info.section("scoped")[0]
    assert scoped.scoped and scoped.if_name == "utun0" and scoped.reach_flags == ("Reachable",)
    assert scoped.search_domains == ("openvpn",)
    assert all(not r.unknown for r in info.resolvers)


def test_scutil_bare_reach_words_of_macos_10_8() -> None:
    info = scutil_dns.parse(load("scutil-dns--macos-10.8-ppp-vpn-bare-reach.out"))
    first = info.resolvers[0]
    assert first.reach is None and first.reach_flags == ("Reachable", "Transient Connection")
    assert first.flags == () and first.order == 100000 and first.if_name == "ppp0"


def test_scutil_paste_noise_is_skipped_not_fatal() -> None:
    info = scutil_dns.parse(load("scutil-dns--eduvpn-macos-144-no-default-scoped-utun.out"))
    assert [r.section for r in info.resolvers] == ["default", "scoped"]
    assert info.resolvers[1].nameservers[2] == "2001:610:1:800a:192:87:106:106"
    frag = scutil_dns.parse(load("scutil-dns--eduvpn-apple-314-fragment-scoped-utun-ipv6.out"))
    assert frag.resolvers[0].number == 2 and frag.resolvers[0].section == "default"


def test_netstat_abbreviated_destinations() -> None:
    assert netstat_rn.expand_inet("0/1") == "0.0.0.0/1"
    assert netstat_rn.expand_inet("128.0/1") == "128.0.0.0/1"
    assert netstat_rn.expand_inet("10.123") == "10.123.0.0/16"
    assert netstat_rn.expand_inet("192.168.1") == "192.168.1.0/24"
    assert netstat_rn.expand_inet("127") == "127.0.0.0/8"
    assert netstat_rn.expand_inet("10.9/24") == "10.9.0.0/24"
    assert netstat_rn.expand_inet("224.0.0/4") == "224.0.0.0/4"
    assert netstat_rn.expand_inet("default") == "0.0.0.0/0"
    assert netstat_rn.expand_inet("192.168.1.64") == "192.168.1.64/32"
    assert netstat_rn.expand_inet6("fe80::%en0/64") == "fe80::/64"
    assert netstat_rn.expand_inet6("fe80::1%lo0") == "fe80::1/128"
    with pytest.raises(ParseError):
        netstat_rn.expand_inet("300.1")


def test_netstat_scoped_duplicates_link_gateways_and_expire() -> None:
    rows = netstat_rn.parse(load("netstat-rn--docksal-1489-full-tunnel-default-utun2.out"))
    defaults = [r for r in rows if r.destination == "default"]
    assert [(r.netif, r.scoped) for r in defaults] == [("utun2", False), ("en0", True)]
    assert defaults[0].to_route().destination == "0.0.0.0/0" and defaults[0].to_route().gateway == "172.20.12.27"
    link = next(r for r in rows if r.gateway == "link#6")
    assert link.gateway_address is None and link.expire == "!"
    old = netstat_rn.parse(load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out"))
    assert old[0].refs == 83 and old[0].use == 24 and old[0].mtu == 1500
    assert {r.family for r in old} == {"inet", "inet6"}
    mcast = next(r for r in old if r.destination == "224.0.0/4")
    assert mcast.to_route().type == "multicast"


def test_netstat_interface_gateway_of_def1_halves() -> None:
    rows = netstat_rn.parse(load("netstat-rn--tun2socks-89-def1-halves-utun2.out"))
    halves = {r.cidr: r for r in rows if r.cidr in ("0.0.0.0/1", "128.0.0.0/1")}
    assert set(halves) == {"0.0.0.0/1", "128.0.0.0/1"}
    assert all(r.netif == "utun2" and r.gateway == "utun2" and r.gateway_address is None for r in halves.values())


def test_route_get_forms() -> None:
    half = route_get.parse(load("route-get--neofetch-2361-half-default-utun3.out"))
    assert (half.interface, half.cidr, half.mtu) == ("utun3", "0.0.0.0/1", 1500)
    host = route_get.parse(load("route-get--tunnelblick-589-dns-via-en0-ifscope.out"))
    assert host.cidr == "1.1.1.1/32" and "IFSCOPE" in host.flags and host.gateway_address == "10.8.0.1"
    dflt = route_get.parse(load("route-get--neofetch-2361-default-en0.out"))
    assert dflt.route_to == "default" and dflt.cidr == "0.0.0.0/0"
    missing = route_get.parse(load("route-get--constructed-not-in-table.out"))
    assert missing.error == "not in table" and missing.interface is None


def test_route_get_address_of_pasted_text() -> None:
    assert route_get.address_of(load("route-get--graphpath-5-default-en0.out")) == "8.8.8.8"
    assert route_get.address_of(load("route-get--constructed-not-in-table.out")) == "10.100.0.2"
    assert route_get.address_of("route: writing to routing socket: not in table\n") is None


def test_nwi_both_formats() -> None:
    old = scutil_nwi.parse(load("scutil-nwi--net-creds-6-macos-10.10-old-format.out"))
    assert old.primary().name == "en0" and old.primary().reach_flags == ("Reachable",)
    assert old.ipv4_reach == ("Reachable",)
    new = scutil_nwi.parse(load("scutil-nwi--notes-dual-stack-en0.out"))
    assert new.primary("inet").address == "192.168.0.106"
    assert new.primary("inet6").flags == ("IPv4", "IPv6", "DNS")
    assert new.interface_names == ("en0",)


def test_ifconfig_system_utuns_are_tunnels_with_link_local_only() -> None:
    ifaces = {i.name: i for i in ifconfig_bsd.parse(load("ifconfig--jc-osx-10.14.6-system-utuns.out"))}
    assert ifaces["utun0"].kind.value == "tunnel" and ifaces["utun0"].mtu == 2000
    assert [a.address for a in ifaces["utun0"].addresses] == ["fe80::7b12:adc2:a089:c4d8%utun0"]
    assert ifaces["en0"].addresses[1].address == "192.168.1.221" and ifaces["en0"].addresses[1].prefixlen == 24
    assert ifaces["ap1"].is_up is False and ifaces["en0"].is_up is True
