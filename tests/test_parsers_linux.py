"""Linux parsers against real captured outputs (jc-style .out/.json pairs), plus an
empty-input and a garbage-input test per parser, and content sniffing (looks_like).

Regenerate the expected .json after a deliberate change (then review the diff!):
    python tests/test_parsers_linux.py --regen
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from agent.model import Family, ResolverScope  # noqa: E402
from platforms import resolved_dbus  # noqa: E402
from platforms.base import ParseError  # noqa: E402
from platforms.parsers import (ifconfig_linux, interfaces, ip_route, nmcli, nsswitch,  # noqa: E402
                               proc_net_route, resolv_conf, resolvectl, route_n)

FIXTURES = ROOT / "tests" / "fixtures" / "linux"


def _get_address(text: str) -> str:
    if text.lstrip().startswith("["):
        return json.loads(text)[0]["dst"]
    return text.split()[0]


PARSERS = {
    "resolv_conf": lambda t: resolv_conf.parse(t).to_dict(),
    "resolvectl": lambda t: resolvectl.parse(t).to_dict(),
    "resolved_dbus": lambda t: resolved_dbus.parse(t).to_dict(),
    "ip_route": lambda t: [r.to_dict() for r in ip_route.parse(t)],
    "ip_route4": lambda t: [r.to_dict() for r in ip_route.parse(t, Family.INET)],
    "ip_route6": lambda t: [r.to_dict() for r in ip_route.parse(t, Family.INET6)],
    "ip_rule": lambda t: [r.to_dict() for r in ip_route.parse_rules(t)],
    "ip_route_get": lambda t: ip_route.parse_route_get(t, _get_address(t)).to_dict(),
    "proc_net_route": lambda t: [r.to_dict() for r in proc_net_route.parse(t)],
    "nsswitch": lambda t: nsswitch.parse(t).to_dict(),
    "nmcli": lambda t: [d.to_dict() for d in nmcli.parse(t)],
    "route_n": lambda t: route_n.parse(t).to_dict(),
    "ifconfig_linux": lambda t: [i.to_dict() for i in ifconfig_linux.parse(t)],
    "interfaces": lambda t: [i.to_dict() for i in interfaces.parse(t)],
}

# which module's looks_like() must recognise each fixture kind (None: no sniffer)
SNIFFERS = {"resolv_conf": resolv_conf, "resolvectl": resolvectl, "resolved_dbus": resolved_dbus,
            "ip_route": ip_route, "proc_net_route": proc_net_route, "nsswitch": nsswitch, "nmcli": nmcli,
            "interfaces": interfaces, "route_n": route_n, "ifconfig_linux": ifconfig_linux}
KIND_SNIFFER = {"ip_route4": "ip_route", "ip_route6": "ip_route", "ip_route_get": "ip_route", "ip_rule": None}

CASES = sorted(FIXTURES.glob("*.out"))


def _kind(path: Path) -> str:
    return path.name.split("--", 1)[0]


def test_fixtures_present():
    kinds = {_kind(p) for p in CASES}
    assert set(PARSERS) <= kinds, f"parsers without a fixture: {set(PARSERS) - kinds}"
    for p in CASES:
        assert p.with_suffix(".json").exists(), f"{p.name} has no expected .json"


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_fixture(path: Path):
    text = path.read_text(encoding="utf-8")
    got = PARSERS[_kind(path)](text)
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert got == expected


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_looks_like(path: Path):
    kind = _kind(path)
    own = KIND_SNIFFER.get(kind, kind)
    text = path.read_text(encoding="utf-8")
    recognised = {name for name, mod in SNIFFERS.items() if mod.looks_like(text)}
    assert recognised == ({own} if own else set())
    assert ip_route.looks_like_rules(text) == (kind == "ip_rule")


# --------------------------------------------------------------------------- empty / garbage

GARBAGE = "\x7fELF\x02\x01\x01 binary junk \x00\x13\x37\nHTTP/1.1 404 Not Found\n<html>nope</html>\n"


@pytest.mark.parametrize("parse", [
    ip_route.parse, ip_route.parse_rules, lambda t: ip_route.parse_route_get(t, "192.0.2.1"),
    resolvectl.parse, resolved_dbus.parse, proc_net_route.parse, nmcli.parse, interfaces.parse,
], ids=["ip_route", "ip_rule", "ip_route_get", "resolvectl", "resolved_dbus", "proc_net_route", "nmcli",
        "interfaces"])
@pytest.mark.parametrize("text", ["", "   \n", GARBAGE, '{"unexpected": true}', "[1, 2, 3]"],
                         ids=["empty", "blank", "garbage", "json-object", "json-list"])
def test_garbage_and_empty_raise_parse_error(parse, text):
    with pytest.raises(ParseError):
        parse(text)


def test_resolv_conf_empty_is_valid_and_garbage_raises():
    empty = resolv_conf.parse("")
    assert empty.nameservers == () and empty.owner is None and not empty.stub
    with pytest.raises(ParseError):
        resolv_conf.parse(GARBAGE)
    with pytest.raises(ParseError):
        resolv_conf.parse("this is not\na resolv.conf at all\n")


def test_nsswitch_empty_is_valid_and_garbage_raises():
    assert nsswitch.parse("").hosts == ()
    with pytest.raises(ParseError):
        nsswitch.parse(GARBAGE.replace(":", ""))


# --------------------------------------------------------------------------- semantics


def test_resolv_conf_partial_garbage_keeps_good_lines():
    rc = resolv_conf.parse("nameserver 10.0.0.2\nnameserver not-an-ip\n\x01\x02 junk\nsearch a.example b.example\n")
    assert rc.nameservers == ("10.0.0.2",)
    assert rc.search == ("a.example", "b.example")
    assert len(rc.invalid) == 2 and "not-an-ip" in rc.invalid[0]


def test_resolv_conf_glibc_rules():
    rc = resolv_conf.parse("search a.example\ndomain b.example\nnameserver 1.1.1.1 # trailing\n"
                           "nameserver\t2001:db8::53\nnameserver fe80::1%eth0\nnameserver 9.9.9.9\n"
                           "options rotate timeout:1\noptions ndots:2\n")
    assert rc.search == ("b.example",) and rc.domain == "b.example"      # the last one wins
    assert rc.nameservers == ("1.1.1.1", "2001:db8::53", "fe80::1%eth0", "9.9.9.9")
    assert rc.used_nameservers == rc.nameservers[:3]                      # MAXNS
    assert rc.options == ("rotate", "timeout:1", "ndots:2")


def test_resolv_conf_owners():
    assert resolv_conf.parse((FIXTURES / "resolv_conf--systemd-stub.out").read_text()).stub
    assert resolv_conf.parse("# Generated by resolvconf\nnameserver 192.0.2.1\n").owner == "openresolv"
    rc = resolv_conf.parse((FIXTURES / "resolv_conf--openvpn-block.out").read_text())
    assert rc.owner == "NetworkManager"          # header after the inserted block still counts
    assert rc.openvpn_blocks[0].device == "tun0" and rc.openvpn_blocks[0].nameservers == ("10.0.0.2",)
    assert rc.nameservers[0] == "10.0.0.2"       # the block goes first: glibc asks it first


def test_resolvectl_old_and_new_default_route():
    old = resolvectl.parse((FIXTURES / "resolvectl--v245-wlan0-eth0-tilde-dot.out").read_text())
    assert [link.name for link in old.links] == ["wlan0", "eth0"]
    assert all(link.default_route and link.has_catch_all for link in old.links)
    assert old.links[1].domains == ("~.", "hachi1.kt.home.ne.jp")
    assert [s.address for s in old.links[0].servers] == ["192.168.0.1", "8.8.8.8", "8.8.4.4"]
    new = resolvectl.parse((FIXTURES / "resolvectl--v258-fallback-default-route.out").read_text())
    eno1 = new.links[1]
    assert eno1.default_route is True and eno1.current_server.address == "fd64::fffe"
    assert new.links[0].default_route is False and new.links[0].dns_active is False
    assert new.resolv_conf_mode == "stub" and new.fallback_servers[0].name == "cloudflare-dns.com"
    split = resolvectl.parse((FIXTURES / "resolvectl--v257-vpn-split-domains.out").read_text())
    assert not split.links[0].effective_default_route
    assert split.links[0].routing_domains == ("dev.local", "prod.local")
    legacy = resolvectl.parse((FIXTURES / "resolvectl--v239-tun0-no-defaultroute.out").read_text())
    assert legacy.links[0].default_route is None and legacy.links[0].effective_default_route


def test_resolvectl_ipv6_continuation_is_not_a_label():
    text = "Link 4 (tun0)\n      Current Scopes: DNS\n         DNS Servers: 10.0.0.2\n" \
           "                      fdfe:dcba:9876::200:2\n                      fd00::\n          DNS Domain: ~corp\n"
    link = resolvectl.parse(text).links[0]
    assert [s.address for s in link.servers] == ["10.0.0.2", "fdfe:dcba:9876::200:2", "fd00::"]
    assert link.domains == ("~corp",) and not link.effective_default_route


def test_resolved_dbus_dump():
    state = resolved_dbus.parse((FIXTURES / "resolved_dbus--constructed-aws-vpn-tilde-dot.out").read_text())
    tun = state.links[1]
    assert tun.name == "tun0" and tun.has_catch_all and tun.routing_domains == (".", "corp.example.internal")
    assert [s.address for s in tun.servers] == ["10.0.0.2", "fe80::1%4"]
    assert tun.current_server.address == "10.0.0.2" and state.global_.current_server is None
    assert state.resolv_conf_mode == "stub" and state.source == "dbus"


def test_ip_route_semantics():
    text = (FIXTURES / "ip_route4--netns-full-tunnel.out").read_text()
    routes = ip_route.parse(text, Family.INET)
    by = {(r.destination, r.table, r.interface): r for r in routes}
    assert by[("0.0.0.0/0", "52", "tun0")].scope == "link"
    assert by[("0.0.0.0/0", "main", "wlp2s0")].gateway == "192.168.1.1"
    assert by[("0.0.0.0/0", "main", "wlp2s0")].metric == 600
    assert by[("203.0.113.10/32", "main", "wlp2s0")].type == "unicast"
    assert by[("10.0.0.98/32", "local", "tun0")].type == "local"
    # the text form of the same table gives the same IPv4 routes
    text_routes = ip_route.parse((FIXTURES / "ip_route--netns-full-tunnel-text.out").read_text())
    assert [r for r in text_routes if r.family is Family.INET] == list(routes)


def test_ip_route_multipath_and_errors():
    routes = ip_route.parse("default proto static metric 100\n\tnexthop via 10.0.0.1 dev eth0 weight 1\n"
                            "\tnexthop via 10.0.1.1 dev eth1 weight 1\nunreachable 10.9.0.0/16\n")
    assert [(r.gateway, r.interface) for r in routes[:2]] == [("10.0.0.1", "eth0"), ("10.0.1.1", "eth1")]
    assert routes[2].type == "unreachable"
    js = ip_route.parse('[{"dst":"default","protocol":"static","metric":100,"flags":[],'
                        '"nexthops":[{"gateway":"10.0.0.1","dev":"eth0","weight":1,"flags":[]}]}]')
    assert js[0].gateway == "10.0.0.1" and js[0].destination == "0.0.0.0/0"
    lk = ip_route.parse_route_get('[{"type":"unreachable","dst":"10.9.1.1","flags":[],"uid":0,"cache":[]}]',
                                  "10.9.1.1")
    assert lk.error == "route type unreachable" and lk.interface is None
    assert ip_route.route_get_error("RTNETLINK answers: Network is unreachable\n") == "Network is unreachable"


def test_ip_rules():
    rules = ip_route.parse_rules((FIXTURES / "ip_rule--netns-fwmark.out").read_text())
    assert [r.is_default for r in rules] == [True, False, True, True]
    assert rules[1].fwmark == "0xca6c" and rules[1].table == "52"
    assert ip_route.parse_rules((FIXTURES / "ip_rule--netns-fwmark-text.out").read_text()) == rules


def test_proc_net_route_little_endian():
    routes = proc_net_route.parse((FIXTURES / "proc_net_route--jc-ens33.out").read_text())
    assert routes[0].destination == "0.0.0.0/0" and routes[0].gateway == "192.168.71.2"
    assert routes[2].destination == "192.168.71.2/32" and routes[2].flags == ("UH",)


def test_nsswitch_resolve_order():
    assert nsswitch.parse((FIXTURES / "nsswitch--lfs-resolve.out").read_text()).resolve_before_dns
    assert not nsswitch.parse((FIXTURES / "nsswitch--debian12.out").read_text()).resolve_before_dns
    assert not nsswitch.parse("hosts: files dns resolve\n").resolve_before_dns


def test_nmcli_resolvers():
    devices = nmcli.parse((FIXTURES / "nmcli--centos-7.7-three-devices.out").read_text())
    assert [d.device for d in devices] == ["ens33", "docker0", "lo"]
    assert devices[0].state_code == 100 and devices[1].connection is None
    (r,) = nmcli.resolvers(devices)
    assert r.address == "192.168.71.2" and r.scope is ResolverScope.LINK and r.domains == ("localdomain",)


def test_interfaces_tunnel_kind():
    ifaces = {i.name: i for i in interfaces.parse((FIXTURES / "interfaces--netns-full-tunnel.out").read_text())}
    assert ifaces["tun0"].kind.value == "tunnel" and ifaces["tun0"].is_up
    assert ifaces["tun0"].addresses[0].prefixlen == 27
    assert ifaces["wlp2s0"].kind.value == "wireless"
    assert ifaces["wlp2s0"].addresses[1].prefixlen == 64


def _regen() -> None:
    for path in CASES:
        got = PARSERS[_kind(path)](path.read_text(encoding="utf-8"))
        path.with_suffix(".json").write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print("wrote", path.with_suffix(".json").name)


if __name__ == "__main__" and "--regen" in sys.argv:
    _regen()
