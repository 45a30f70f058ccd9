"""macOS findings from snapshots parsed out of real captures (tests/fixtures/macos).

``macos-vpn-resolver-not-used`` is the macOS rule; stale-vpn-dns-after-disconnect,
multiple-vpn-dns-conflict and route-outside-tunnel are generic rules (agent/rules/tunnel.py)
fed by macOS evidence from the adapter: they are checked here on macOS snapshots.
Tests named "combined" join real outputs of two different machines.
"""
from __future__ import annotations

import dataclasses
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


# --------------------------------------------------------------------------- the whole finding, word for word (issue 23)
# CONSTRUCTED scutil --dns outputs in the format of the fixtures above (resolver blocks with
# nameserver, domain, if_index, flags, order), so each branch of the rule is read in full.

def _catalogue(code: str) -> str:
    from agent.findings import doc_for
    return " " + doc_for(code).explanation


def _scutil(*blocks: dict) -> str:
    out = ["DNS configuration", ""]
    for i, b in enumerate(blocks, 1):
        out.append(f"resolver #{i}")
        out += [f"  domain   : {d}" for d in b.get("domain", ())]
        out += [f"  nameserver[{j}] : {ns}" for j, ns in enumerate(b["ns"])]
        if "if" in b:
            out.append(f"  if_index : {b['if']}")
        if "flags" in b:
            out.append(f"  flags    : {b['flags']}")
        out.append("  reach    : 0x00000002 (Reachable)")
        if "order" in b:
            out.append(f"  order    : {b['order']}")
        out.append("")
    return "\n".join(out)


def _fix(service: str, name: str) -> str:
    return ("Check which resolver macOS uses with: scutil --dns. If DNS servers were set by hand on the network "
            f"service, clear them: networksetup -setdnsservers {service} empty. Reconnect the VPN, flush the cache "
            "(sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder), then test like apps do: dscacheutil -q "
            f"host -a name {name} (dig and nslookup bypass the macOS resolver, so they can disagree with apps).")


VPN3 = {"ns": ("10.8.0.1",), "if": "14 (utun3)", "order": 200000}
ROUTES3 = _routes_via("utun3", "10.8")


def test_scoped_only_finding_word_for_word() -> None:
    s = snap({"scutil-dns": load(SCOPED_ONLY), "netstat-inet": _routes_via("utun0", "10.8")})
    f = macos_vpn_resolver_not_used(ctx(s))
    assert f is not None
    assert f.explanation == ("The VPN's DNS server(s) 8.8.8.8, 8.8.4.4 on utun0 are only scoped: ordinary apps never "
                             "ask them." + _catalogue("macos-vpn-resolver-not-used"))
    assert f.evidence == ("scutil scoped resolver #1: 8.8.8.8 on utun0 [scoped]",
                          "scutil scoped resolver #1: 8.8.4.4 on utun0 [scoped]",
                          "no default resolver: names outside match domains fail for unbound apps")
    assert f.user_fix == _fix("Wi-Fi", "<name>")


def test_extra_default_finding_word_for_word() -> None:
    """The ppp capture of test_fires_when_lan_default_comes_before_the_vpn_default: only the
    LAN's default is listed as "default:", and the fix cannot name a Wi-Fi service for ppp0."""
    text = _scutil({"ns": ("139.7.30.126", "139.7.30.125"), "if": "6 (ppp0)", "order": 100000},
                   {"ns": ("192.168.80.10", "192.168.80.24"), "if": "7 (ppp1)", "order": 100000})
    routes = ("Routing tables\n\nInternet:\nDestination        Gateway            Flags        Netif Expire\n"
              "default            10.64.64.64        UGSc          ppp0\n192.168.80/24      192.168.80.1       UGSc"
              "          ppp1\n")
    s = snap({"scutil-dns": text, "netstat-inet": routes})
    s = Snapshot.from_dict({**s.to_dict(), "vpn": {**s.vpn.to_dict(), "tunnel_interfaces": ["ppp1"]}})
    f = macos_vpn_resolver_not_used(ctx(s, ("intranet.example.org",)))
    assert f is not None
    assert f.explanation == ("The VPN's DNS server(s) 192.168.80.10, 192.168.80.24 are only an extra default: "
                             "139.7.30.126 on ppp0 comes first in the order." + _catalogue("macos-vpn-resolver-not-used"))
    assert f.evidence == ("scutil resolver #2: 192.168.80.10 on ppp1 [global, order 100000]",
                          "scutil resolver #2: 192.168.80.24 on ppp1 [global, order 100000]",
                          "default: scutil resolver #1: 139.7.30.126 on ppp0 [global, order 100000]",
                          "default: scutil resolver #1: 139.7.30.125 on ppp0 [global, order 100000]")
    assert f.user_fix == _fix("<service>", "intranet.example.org")


def test_the_order_field_not_the_position_decides_the_first_default() -> None:
    # the VPN's default is listed first but has the higher order: the LAN's comes first
    text = _scutil(VPN3, {"ns": ("192.168.1.1",), "if": "4 (en0)", "order": 100000})
    f = macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": text, "netstat-inet": ROUTES3})))
    assert f is not None and "192.168.1.1 on en0 comes first in the order" in f.explanation
    text = _scutil({"ns": ("192.168.1.1",), "if": "4 (en0)", "order": 300000}, VPN3)
    assert macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": text, "netstat-inet": ROUTES3}))) is None


def test_extra_default_behind_a_default_without_interface() -> None:
    """A default resolver without if_index (a DNS server set by hand on no service) comes
    first; a resolver the snapshot gives no origin is still shown."""
    text = _scutil({"ns": ("192.168.1.1",), "order": 100000}, VPN3)
    s = snap({"scutil-dns": text, "netstat-inet": ROUTES3})
    s = dataclasses.replace(s, dns=dataclasses.replace(s.dns, resolvers=tuple(
        dataclasses.replace(r, origin="") if r.interface == "utun3" else r for r in s.dns.resolvers)))
    f = macos_vpn_resolver_not_used(ctx(s, ("db.corp.internal",)))
    assert f is not None
    assert f.explanation.startswith("The VPN's DNS server(s) 10.8.0.1 are only an extra default: 192.168.1.1 on no "
                                    "interface comes first in the order.")
    assert f.evidence == ("resolver: 10.8.0.1 on utun3 [global, order 200000]",
                          "default: scutil resolver #1: 192.168.1.1 on no interface [global, order 100000]")
    assert f.user_fix == _fix("<service>", "db.corp.internal")


def test_names_outside_the_match_domains_word_for_word() -> None:
    """No default resolver at all: the names go nowhere."""
    text = _scutil({"domain": ("corp.internal",), "ns": ("10.8.0.1",), "if": "14 (utun3)",
                    "flags": "Supplemental, Request A records", "order": 101400},
                   {"domain": ("corp.example.com",), "ns": ("10.8.0.1",), "if": "14 (utun3)",
                    "flags": "Supplemental, Request A records", "order": 101600})
    s = snap({"scutil-dns": text, "netstat-inet": ROUTES3})
    f = macos_vpn_resolver_not_used(ctx(s, ("www.example.org", "db.corp.internal", "wiki.example.net")))
    assert f is not None
    assert f.explanation == ("www.example.org, wiki.example.net lie outside the VPN's match domains (corp.example.com, "
                             "corp.internal), so macOS sends them to the default resolver instead of the VPN's."
                             + _catalogue("macos-vpn-resolver-not-used"))
    assert f.evidence == ("scutil resolver #1: 10.8.0.1 on utun3 [domain (corp.internal), order 101400]",
                          "scutil resolver #2: 10.8.0.1 on utun3 [domain (corp.example.com), order 101600]",
                          "no default resolver: names outside match domains fail for unbound apps",
                          "VPN match domains: corp.example.com, corp.internal",
                          "www.example.org -> no resolver (not the VPN's)",
                          "wiki.example.net -> no resolver (not the VPN's)")
    assert f.user_fix == _fix("Wi-Fi", "www.example.org")      # the first name missed, not the first asked


def test_names_outside_the_match_domains_go_to_every_default_server() -> None:
    text = _scutil({"domain": ("corp.internal",), "ns": ("10.8.0.1",), "if": "14 (utun3)",
                    "flags": "Supplemental, Request A records", "order": 101400},
                   {"ns": ("192.168.1.1", "192.168.1.2"), "order": 200000})
    f = macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": text, "netstat-inet": ROUTES3}), ("www.example.org",)))
    assert f is not None
    assert f.evidence[-1] == "www.example.org -> 192.168.1.1, 192.168.1.2 (not the VPN's)"
    assert f.user_fix == _fix("<service>", "www.example.org")   # the default has no en* interface


def test_a_lan_match_domain_is_no_finding_when_the_vpn_is_the_default() -> None:
    # the VPN's server is the first default; a name under the LAN's own match domain goes to
    # the LAN by design
    text = _scutil({"ns": ("10.8.0.1",), "if": "14 (utun3)", "order": 100000},
                   {"domain": ("home.arpa",), "ns": ("192.168.1.1",), "if": "4 (en0)", "order": 300000},
                   {"ns": ("192.168.1.1",), "if": "4 (en0)", "order": 200000})
    s = snap({"scutil-dns": text, "netstat-inet": ROUTES3})
    assert macos_vpn_resolver_not_used(ctx(s, ("nas.home.arpa", "db.corp.internal"))) is None


# --------------------------------------------------------------------------- macos-resolv-conf-not-vpn

def _resolv(*servers: str) -> str:
    return "#\n# macOS Notice\n#\n" + "".join(f"nameserver {a}\n" for a in servers)


SPLIT2 = _scutil({"domain": ("corp.internal",), "ns": ("10.8.0.1", "10.8.0.2"), "if": "14 (utun3)",
                  "flags": "Supplemental, Request A records", "order": 101400},
                 {"ns": ("192.168.1.1",), "if": "4 (en0)", "order": 200000})


def test_resolv_conf_not_vpn_word_for_word() -> None:
    s = snap({"scutil-dns": SPLIT2, "netstat-inet": ROUTES3, "resolv.conf": _resolv("192.168.1.1", "1.1.1.1")})
    f = macos_resolv_conf_not_vpn(ctx(s))
    assert f is not None and f.code == "macos-resolv-conf-not-vpn"
    assert f.explanation == ("The VPN's DNS 10.8.0.1, 10.8.0.2 is in scutil --dns but not in /etc/resolv.conf "
                             "(192.168.1.1, 1.1.1.1)." + _catalogue("macos-resolv-conf-not-vpn"))
    assert f.evidence == ("/etc/resolv.conf lists 192.168.1.1, 1.1.1.1",
                          "scutil resolver #1: 10.8.0.1 on utun3 [domain (corp.internal), order 101400]",
                          "scutil resolver #1: 10.8.0.2 on utun3 [domain (corp.internal), order 101400]")


def test_resolv_conf_not_vpn_silent_when_resolv_conf_has_the_vpn_or_nothing() -> None:
    for resolv in (_resolv("10.8.0.2", "192.168.1.1"), _resolv()):
        s = snap({"scutil-dns": SPLIT2, "netstat-inet": ROUTES3, "resolv.conf": resolv})
        assert macos_resolv_conf_not_vpn(ctx(s)) is None, resolv
    no_file = snap({"scutil-dns": SPLIT2, "netstat-inet": ROUTES3})
    assert macos_resolv_conf_not_vpn(ctx(no_file)) is None


def test_resolv_conf_not_vpn_silent_after_the_vpn_is_gone() -> None:
    # the resolver's utun7 is not in the interface list: stale, not this code
    scutil = load("scutil-dns--eduvpn-macos-144-no-default-scoped-utun.out").replace("utun1", "utun7")
    s = snap({"scutil-dns": scutil, "ifconfig": load("ifconfig--jc-osx-10.14.6-system-utuns.out"),
              "netstat-rn": load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out"), "resolv.conf": _resolv("192.168.1.1")})
    c = ctx(s)
    assert not c.tunnel_up and macos_resolv_conf_not_vpn(c) is None


def test_a_resolver_with_several_match_domains_lists_them_all() -> None:
    # scutil prints one domain per resolver block; a saved snapshot may merge them (CONSTRUCTED)
    s = snap({"scutil-dns": SPLIT2, "netstat-inet": ROUTES3, "resolv.conf": _resolv("192.168.1.1")})
    s = dataclasses.replace(s, dns=dataclasses.replace(s.dns, resolvers=tuple(
        dataclasses.replace(r, domains=("corp.internal", "corp.example")) if r.domains else r for r in s.dns.resolvers)))
    f = macos_resolv_conf_not_vpn(ctx(s))
    assert f is not None
    assert f.evidence[1] == "scutil resolver #1: 10.8.0.1 on utun3 [domain (corp.internal, corp.example), order 101400]"


def test_supplemental_vpn_resolver_behind_a_default_on_no_service_names_no_wi_fi() -> None:
    # the default resolver has no if_index: the fix cannot tell which network service to clear
    text = _scutil({"ns": ("10.8.0.1",), "if": "14 (utun3)", "flags": "Supplemental, Request A records",
                    "order": 101400},
                   {"ns": ("192.168.1.1",), "order": 200000})
    f = macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": text, "netstat-inet": ROUTES3}), ("db.corp.internal",)))
    assert f is not None
    assert f.explanation == ("The VPN's DNS server(s) 10.8.0.1 on utun3 are only scoped/supplemental without a match "
                             "domain: ordinary apps never ask them." + _catalogue("macos-vpn-resolver-not-used"))
    assert f.evidence == ("scutil resolver #1: 10.8.0.1 on utun3 [supplemental, no match domain, order 101400]",
                          "default: scutil resolver #2: 192.168.1.1 on no interface [global, order 200000]")
    assert f.user_fix == _fix("<service>", "db.corp.internal")


def test_a_default_without_order_comes_before_the_vpn_default() -> None:
    # as in the Tunnelblick#589 capture (scutil-dns--tunnelblick-589-default-en0-no-order.out),
    # the LAN's default resolver has no order line: it is asked first
    text = _scutil({"ns": ("192.168.1.1",), "if": "4 (en0)"}, VPN3)
    f = macos_vpn_resolver_not_used(ctx(snap({"scutil-dns": text, "netstat-inet": ROUTES3})))
    assert f is not None
    assert f.explanation.startswith("The VPN's DNS server(s) 10.8.0.1 are only an extra default: 192.168.1.1 on en0 "
                                    "comes first in the order.")


def test_one_name_outside_the_match_domains_is_said_in_the_singular() -> None:
    s = snap({"scutil-dns": load(SPLIT_DNS), "netstat-inet": _routes_via("utun2", "172.33")})
    f = macos_vpn_resolver_not_used(ctx(s, ("db.internal.example.net", "host.d.com")))
    assert f is not None
    assert f.explanation == ("db.internal.example.net lies outside the VPN's match domains (d.com), so macOS sends it "
                             "to the default resolver instead of the VPN's." + _catalogue("macos-vpn-resolver-not-used"))
