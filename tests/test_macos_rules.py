"""macOS findings from snapshots parsed out of real captures (tests/fixtures/macos).

``macos-vpn-resolver-not-used`` is the macOS rule; stale-vpn-dns-after-disconnect,
multiple-vpn-dns-conflict and route-outside-tunnel are generic rules (agent/rules/tunnel.py)
fed by macOS evidence from the adapter: they are checked here on macOS snapshots.
Tests named "combined" join real outputs of two different machines.
"""
from __future__ import annotations

from pathlib import Path

from agent.model import NameCheck, Platform, RawCapture, SourceCapture, SourceKind, Snapshot, TunnelMode
from agent.rules import tunnel
from agent.rules.context import Context
from agent.rules.macos import RULES, macos_resolv_conf_not_vpn, macos_vpn_resolver_not_used
from platforms.macos import MacosAdapter

FIX = Path(__file__).parent / "fixtures" / "macos"


def load(name: str) -> str:
    return (FIX / name).read_text()


def snap(sources: dict[str, str], stderr: dict[str, str] | None = None) -> Snapshot:
    caps = [SourceCapture(id=sid, kind=SourceKind.COMMAND, text=text) for sid, text in sources.items()]
    for sid, err in (stderr or {}).items():
        caps.append(SourceCapture(id=sid, kind=SourceKind.COMMAND, text="", stderr=err, exit_code=77,
                                  error="route exited with status 77"))
    return MacosAdapter().parse(RawCapture(platform=Platform.MACOS, collected_at="t", sources=tuple(caps)))


def ctx(s: Snapshot, names: tuple[str, ...] = ()) -> Context:
    return Context(s, names=tuple(NameCheck(name=n) for n in names))


SUPPLEMENTAL = "scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out"
SCOPED_ONLY = "scutil-dns--tunnelblick-452-unlabelled-reach-scoped-utun.out"
SPLIT_DNS = "scutil-dns--tailscale-952-supplemental-search-and-domain.out"
NO_VPN = "scutil-dns--team51-161-no-vpn-resolv-conf.out"
DEF1 = "netstat-rn--tun2socks-89-def1-halves-utun2.out"


def test_rules_tuple_is_exported() -> None:
    assert RULES == (macos_vpn_resolver_not_used, macos_resolv_conf_not_vpn)


# --------------------------------------------------------------------------- macos-vpn-resolver-not-used


def test_fires_for_supplemental_utun_resolver_without_domain_combined_with_full_tunnel_routes() -> None:
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1)})
    f = macos_vpn_resolver_not_used(ctx(s, ("intranet.example.org",)))
    assert f is not None and f.code == "macos-vpn-resolver-not-used"
    assert "10.83.200.1" in f.explanation and "supplemental" in f.explanation
    assert any("8.8.8.8 on en0 [global" in e for e in f.evidence)
    assert "networksetup -setdnsservers Wi-Fi empty" in f.user_fix
    assert "dscacheutil -q host -a name intranet.example.org" in f.user_fix
    assert "killall -HUP mDNSResponder" in f.user_fix


def _routes_via(iface: str, prefix: str) -> str:
    """A CONSTRUCTED two-row routing table with one route through ``iface``."""
    return ("Routing tables\n\nInternet:\nDestination        Gateway            Flags        Netif Expire\n"
            f"default            192.168.1.1        UGSc           en0\n{prefix:<18} {iface:<18} USc          {iface}\n")


def test_a_pasted_scutil_alone_does_not_tell_whether_the_tunnel_is_up() -> None:
    # The DNS configuration names utun0, but only an interface list or a routing table shows
    # a tunnel up (a resolver may outlive its interface): the rule does not fire, the report
    # says what to paste.
    s = snap({"scutil-dns": load(SCOPED_ONLY)})
    c = ctx(s)
    assert macos_vpn_resolver_not_used(c) is None
    unknown = {u.topic: u for u in c.facts.unknowns}
    assert "netstat -rn -f inet" in unknown["tunnel"].commands["macos"]


def test_fires_for_scoped_only_vpn_dns_with_the_tunnel_in_the_routing_table() -> None:
    s = snap({"scutil-dns": load(SCOPED_ONLY), "netstat-inet": _routes_via("utun0", "10.8")})
    assert s.vpn.mode is TunnelMode.SPLIT
    f = macos_vpn_resolver_not_used(ctx(s))
    assert f is not None and "only scoped" in f.explanation
    assert any("no default resolver" in e for e in f.evidence)


def test_fires_when_lan_default_comes_before_the_vpn_default() -> None:
    # Mac OS X 10.8 capture, second output of the same post (UMTS ppp0 first, VPN ppp1 second),
    # taken verbatim from the source of scutil-dns--macos-10.8-ppp-vpn-bare-reach.out.
    text = ("resolver #1\n  nameserver[0] : 139.7.30.126\n  nameserver[1] : 139.7.30.125\n  if_index : 6 (ppp0)\n"
            "  reach    : Reachable,Transient Connection\n  order    : 100000\n\nresolver #2\n"
            "  nameserver[0] : 192.168.80.10\n  nameserver[1] : 192.168.80.24\n  if_index : 7 (ppp1)\n"
            "  reach    : Reachable,Transient Connection\n  order    : 100000\n")
    routes = ("Routing tables\n\nInternet:\nDestination        Gateway            Flags        Netif Expire\n"
              "default            10.64.64.64        UGSc          ppp0\n192.168.80/24      192.168.80.1       UGSc          ppp1\n")
    s = snap({"scutil-dns": text, "netstat-inet": routes})   # the routing table here is CONSTRUCTED
    # ppp0 (the UMTS modem link) is a point-to-point link too; only ppp1 is marked as the VPN here
    c = Context(s.__class__.from_dict({**s.to_dict(), "vpn": {**s.vpn.to_dict(), "tunnel_interfaces": ["ppp1"]}}))
    f = macos_vpn_resolver_not_used(c)
    assert f is not None and "139.7.30.126 on ppp0 comes first" in f.explanation


def test_fires_for_an_expected_name_outside_the_vpn_match_domains() -> None:
    s = snap({"scutil-dns": load(SPLIT_DNS), "netstat-inet": _routes_via("utun2", "172.33")})
    f = macos_vpn_resolver_not_used(ctx(s, ("db.internal.example.net",)))
    assert f is not None and "outside the VPN's match domains (d.com)" in f.explanation
    assert any(e.startswith("db.internal.example.net -> 172.22.22.1") for e in f.evidence)


def test_does_not_fire_for_names_inside_the_vpn_match_domains() -> None:
    s = snap({"scutil-dns": load(SPLIT_DNS), "netstat-inet": _routes_via("utun2", "172.33")})
    assert ctx(s).tunnel_up
    assert macos_vpn_resolver_not_used(ctx(s, ("host.d.com",))) is None
    assert macos_vpn_resolver_not_used(ctx(s)) is None


def test_does_not_fire_without_a_vpn_or_when_the_vpn_resolver_is_the_default() -> None:
    assert macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": load(NO_VPN)}))) is None
    s = snap({"scutil-dns": load("scutil-dns--macos-10.8-ppp-vpn-bare-reach.out")})
    assert s.vpn.tunnel_interfaces == ("ppp0",)
    assert macos_vpn_resolver_not_used(ctx(s)) is None


def test_does_not_fire_on_other_platforms() -> None:
    s = snap({"scutil-dns": load(SCOPED_ONLY)})
    other = Snapshot.from_dict({**s.to_dict(), "platform": "linux"})
    assert macos_vpn_resolver_not_used(ctx(other)) is None


# --------------------------------------------------------------------------- generic rules, macOS evidence


def test_route_outside_tunnel_from_route_get_combined() -> None:
    """Full tunnel (0/1 + 128.0/1 on utun2), VPN resolver on utun2, and the kernel's answer
    for it says en0 (the Tunnelblick#589 `route -n get` output, stored under this address)."""
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1),
              "route-get:10.83.200.1": load("route-get--tunnelblick-589-dns-via-en0-ifscope.out")})
    f = tunnel.route_outside_tunnel(Context(s))
    assert f is not None and "10.83.200.1: dev en0 via 10.8.0.1 (outside the tunnel" in f.evidence[0]


def test_route_outside_tunnel_does_not_fire_when_the_kernel_says_utun() -> None:
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1),
              "route-get:10.83.200.1": load("route-get--neofetch-2361-half-default-utun3.out").replace("utun3", "utun2")})
    assert tunnel.route_outside_tunnel(Context(s)) is None


def test_route_lookup_not_in_table_is_no_route() -> None:
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1)},
             stderr={"route-get:10.83.200.1": "route: writing to routing socket: not in table\n"})
    assert s.lookup("10.83.200.1").error == "not in table"
    assert tunnel.route_outside_tunnel(Context(s)) is None   # full tunnel table still covers it


def test_stale_vpn_dns_when_the_utun_of_the_resolver_is_gone() -> None:
    """eduvpn/macos#144: VPN resolver on utun1 but the ifconfig output (jc, no utun1) has no
    such interface and no route uses a tunnel: combined."""
    s = snap({"scutil-dns": load("scutil-dns--eduvpn-macos-144-no-default-scoped-utun.out"),
              "ifconfig": load("ifconfig--jc-osx-10.14.6-system-utuns.out"),
              "netstat-rn": load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out")})
    assert s.vpn.mode is TunnelMode.NONE
    assert s.interface("utun1") is not None      # jc's utun1 exists (system), it is not the VPN
    gone = snap({"scutil-dns": load("scutil-dns--eduvpn-macos-144-no-default-scoped-utun.out").replace("utun1", "utun7"),
                 "ifconfig": load("ifconfig--jc-osx-10.14.6-system-utuns.out"),
                 "netstat-rn": load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out")})
    assert gone.interface("utun7").is_up is False
    f = tunnel.stale_vpn_dns_after_disconnect(Context(gone))
    assert f is not None and "192.87.106.106" in f.explanation
    # vpn-not-connected fires too: no tunnel is up (docs/domain.md), the stale finding says why names fail.
    assert tunnel.vpn_not_connected(Context(gone)) is not None


def test_no_stale_finding_while_the_vpn_is_up() -> None:
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1)})
    assert tunnel.stale_vpn_dns_after_disconnect(Context(s)) is None


def test_multiple_vpn_dns_conflict_with_two_utuns_combined() -> None:
    """Two real captures joined: eduvpn's Supplemental utun2 resolver and the Tunnelblick
    scoped utun0 resolver, with routes through both tunnels."""
    scutil = load(SUPPLEMENTAL) + "\n" + load(SCOPED_ONLY)[load(SCOPED_ONLY).index("DNS configuration (for scoped"):]
    routes = load(DEF1) + "10.8/24            10.8.0.1           UGSc         utun0\n"
    s = snap({"scutil-dns": scutil, "netstat-inet": routes})
    assert set(s.vpn.tunnel_interfaces) == {"utun0", "utun2"}
    f = tunnel.multiple_vpn_dns_conflict(Context(s))
    assert f is not None and any(e.startswith("utun0: DNS 8.8.8.8") for e in f.evidence)


def test_no_multiple_vpn_conflict_with_one_vpn() -> None:
    s = snap({"scutil-dns": load(SUPPLEMENTAL), "netstat-inet": load(DEF1)})
    assert tunnel.multiple_vpn_dns_conflict(Context(s)) is None
