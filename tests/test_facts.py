"""The derive stage (agent/facts.py): what is observed, observed absent, or not captured,
and the custom-DNS decision made by the machine, with the VPN log only confirming."""
from __future__ import annotations

import dataclasses

import pytest

from agent.classify import classify
from agent.facts import derive
from agent.model import Evidence, Known, Platform, ProbeRun, Snapshot, TunnelMode, Verdict
from tests.builders import CANARY, FULL, NameCheck, ok, resolver, run, silent, snapshot

VPC, PEER = "10.0.0.0/16", "10.1.0.0/16"
IE1, IE2 = "10.1.0.10", "10.1.0.11"
DB = NameCheck("db.corp.internal", expected="private", origin="user")


def without(snap: Snapshot, *kinds: Evidence) -> Snapshot:
    return dataclasses.replace(snap, captured=tuple(e for e in snap.captured if e not in kinds))


# --------------------------------------------------------------------------- the tunnel


def test_no_interface_list_and_no_routes_means_the_tunnel_is_not_known() -> None:
    bare = Snapshot(platform=Platform.LINUX, collected_at="t", dns=snapshot(resolvers=(resolver(IE1),)).dns,
                    captured=(Evidence.DNS_GLOBAL,))
    facts = derive(bare)
    assert facts.tunnel is Known.NOT_CAPTURED and facts.tunnel_mode is TunnelMode.UNKNOWN
    tunnel = next(u for u in facts.unknowns if u.topic == "tunnel")
    assert tunnel.commands == {"linux": ("ip -br addr", "ip route")}
    d = classify(bare, run(ok(IE1, [CANARY])))
    assert d.scenario.id == "cannot-tell" and d.verdict is Verdict.CANNOT_TELL
    assert "vpn-not-connected" not in {f.code for f in d.findings}


def test_an_interface_list_without_a_tunnel_means_not_connected() -> None:
    snap = snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),))
    assert derive(snap).tunnel is Known.ABSENT
    assert classify(snap, run(ok("192.168.1.1", [CANARY]))).scenario.id == "not-connected"


def test_a_routing_table_alone_shows_the_tunnel() -> None:
    snap = without(snapshot(tunnel_routes=(VPC,), resolvers=(resolver(IE1),)), Evidence.INTERFACES)
    facts = derive(snap)
    assert facts.tunnel is Known.OBSERVED and facts.tunnel_mode is TunnelMode.SPLIT


def test_an_ipv6_routing_table_alone_does_not_prove_no_tunnel() -> None:
    """A tunnel need not carry IPv6 (a Client VPN tunnel is IPv4): no tun route in `ip -6 route`
    proves nothing, while one there still shows the tunnel."""
    none = without(snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),)), Evidence.INTERFACES, Evidence.ROUTES)
    facts = derive(none)
    assert facts.tunnel is Known.NOT_CAPTURED
    assert any("only the IPv6 routing table was read" in n for n in facts.notes)
    tunnel = next(u for u in facts.unknowns if u.topic == "tunnel")
    assert tunnel.what == "whether a VPN tunnel is up (the routing table or interface list given does not show it)"
    d = classify(none, run(ok("192.168.1.1", [CANARY])))
    assert d.scenario.id == "cannot-tell" and "vpn-not-connected" not in {f.code for f in d.findings}
    assert "the routing table or interface list given does not show whether a VPN tunnel is up" in d.scenario.evidence
    shown = without(snapshot(tunnel_routes=("fd00:a::/64",), resolvers=(resolver(IE1),)),
                    Evidence.INTERFACES, Evidence.ROUTES)
    assert derive(shown).tunnel is Known.OBSERVED


def test_tunnel_mode_from_the_log_when_no_routing_table_was_captured() -> None:
    snap = snapshot(tunnel_routes=FULL, pushed_dns=("10.0.0.2",), redirect=True, resolvers=(resolver("10.0.0.2"),))
    snap = dataclasses.replace(snap, routes=(), vpn=dataclasses.replace(snap.vpn, mode=TunnelMode.UNKNOWN),
                               captured=tuple(e for e in snap.captured if e not in (Evidence.ROUTES, Evidence.ROUTES6)))
    facts = derive(snap)
    assert facts.tunnel is Known.OBSERVED        # the interface list still shows tun0
    assert (facts.tunnel_mode, facts.tunnel_mode_from) == (TunnelMode.FULL, "VPN log")
    route = facts.server("10.0.0.2").route
    assert route.via_tunnel is None and "route unknown" in route.describe()
    assert "routes" in {u.topic for u in facts.unknowns}


def test_routes_decide_against_the_log() -> None:
    snap = snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), redirect=True, resolvers=(resolver("10.0.0.2"),))
    facts = derive(snap)
    assert (facts.tunnel_mode, facts.tunnel_mode_from) == (TunnelMode.SPLIT, "routes")
    assert any("the routes decide" in n for n in facts.notes)


# --------------------------------------------------------------------------- custom DNS: the machine decides


def test_s2_without_the_log_is_told_by_the_routes() -> None:
    snap = snapshot(tunnel_routes=(VPC, PEER), resolvers=(resolver(IE1), resolver(IE2)))
    facts = derive(snap)
    assert facts.custom_dns is Known.OBSERVED and facts.custom_dns_servers == (IE1, IE2)
    assert "10.1.0.0/16" in facts.custom_dns_from
    assert [facts.server(a).role for a in (IE1, IE2)] == ["primary", "secondary"]
    d = classify(snap, run(silent(IE1, [CANARY, DB]), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
                           names=(CANARY, DB)))
    assert d.scenario.id == "S2-custom-dns-split"
    assert {f.code for f in d.findings} == {"secondary-dns-unreachable"}
    assert d.verdict is Verdict.DEGRADED
    assert "pushed-dns" in {u.topic for u in derive(snap).unknowns}   # only the log shows pushed-but-not-applied


def test_roles_follow_the_order_the_os_uses_not_the_push_order() -> None:
    snap = snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2), resolvers=(resolver(IE2), resolver(IE1)))
    facts = derive(snap)
    assert facts.custom_dns_servers == (IE2, IE1)
    assert facts.server(IE2).role == "primary"


def test_a_server_on_the_tunnel_link_is_the_vpns() -> None:
    snap = snapshot(tunnel_routes=(VPC,), resolvers=(resolver("192.168.1.1", "link", "eth0"),
                                                      resolver("172.31.0.2", "link", "tun0")))
    facts = derive(snap)
    assert facts.custom_dns_servers == ("172.31.0.2",)
    assert "tunnel link tun0" in facts.server("172.31.0.2").vpn_because
    assert facts.server("192.168.1.1").vpn is Known.ABSENT


@pytest.mark.parametrize("server,link,routed,why", [
    ("fd7a:115c:a1e0::53", "tailscale0", False, "tailscale0"),               # on the overlay's link
    ("100.100.100.100", None, False, "Tailscale's MagicDNS address"),        # resolv.conf, no link, no route
    ("100.100.100.100", None, True, "tailscale0"),
    ("100.64.0.53", None, True, "tailscale0"),                               # routed into the overlay
])
def test_an_overlay_vpns_resolver_is_not_the_endpoints(server, link, routed, why) -> None:
    """Tailscale's link is a tunnel too, but not the AWS VPN's: without the log, a resolver on it,
    its MagicDNS address, or a server it routes is not taken for custom DNS (the tun0 one is)."""
    snap = snapshot(tunnels=(("tun0", "10.250.0.2/27"), ("tailscale0", "100.101.102.103/32")), tunnel_routes=(VPC,),
                    extra_routes=(("100.64.0.0/10", None, "tailscale0"),) if routed else (),
                    resolvers=(resolver(IE1, "link", "tun0"), resolver(server, "link", link)))
    facts = derive(snap)
    assert facts.custom_dns_servers == (IE1,)
    assert facts.server(server).vpn is Known.ABSENT
    assert facts.server(server).vpn_because == f"another VPN's resolver ({why}), not the AWS endpoint's"
    # the same link name with the log pushing it: the log wins (an endpoint may push any address)
    logged = derive(snapshot(tunnels=(("tun0", "10.250.0.2/27"), ("tailscale0", "100.101.102.103/32")),
                             tunnel_routes=(VPC,), pushed_dns=(IE1, "100.100.100.100"),
                             resolvers=(resolver(IE1, "link", "tun0"),)))
    assert logged.server("100.100.100.100").vpn is Known.OBSERVED


def test_full_tunnel_private_resolver_outside_every_lan_is_the_vpns() -> None:
    snap = snapshot(tunnel_routes=FULL, resolvers=(resolver("10.0.0.2"),))
    facts = derive(snap)
    assert facts.custom_dns is Known.OBSERVED
    assert facts.server("10.0.0.2").vpn_because == ("a private address outside every local subnet, reached only "
                                                     "through the full tunnel (tun0)")
    assert classify(snap, run(ok("10.0.0.2", [CANARY]))).scenario.id == "S3-custom-dns-full"


def test_full_tunnel_public_resolver_without_the_log_cannot_tell_s1_from_s3() -> None:
    snap = snapshot(tunnel_routes=FULL, resolvers=(resolver("203.0.113.53"),))
    facts = derive(snap)
    assert facts.custom_dns is Known.NOT_CAPTURED
    custom = next(u for u in facts.unknowns if u.topic == "custom-dns")
    assert any("ovpn_aws_vpn_client" in c for c in custom.commands["linux"])
    assert any("describe-client-vpn-endpoints" in c for c in custom.commands["linux"])
    d = classify(snap, run(silent("203.0.113.53", [CANARY])))
    assert (d.scenario.id, d.verdict, d.findings) == ("cannot-tell", Verdict.CANNOT_TELL, ())
    # With the log: no DNS pushed, so KC scenario 1 example 2.
    logged = snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("203.0.113.53"),))
    assert derive(logged).custom_dns is Known.ABSENT
    assert classify(logged, run(silent("203.0.113.53", [CANARY]))).scenario.id == "S1-public-dns"


def test_the_lan_router_is_not_taken_for_the_vpns_server_inside_an_overlapping_prefix() -> None:
    snap = snapshot(tunnel_routes=("192.168.0.0/16",), resolvers=(resolver("192.168.1.1"),))
    facts = derive(snap)
    assert facts.server("192.168.1.1").vpn is Known.ABSENT
    assert facts.custom_dns is Known.NOT_CAPTURED


def test_a_vpn_server_inside_the_lan_subnet_is_still_the_vpns() -> None:
    snap = snapshot(tunnel_routes=(VPC,), resolvers=(resolver("10.0.0.2"),), lan=("eth0", "10.0.0.23/24", "10.0.0.1"))
    facts = derive(snap)
    assert facts.server("10.0.0.2").vpn is Known.OBSERVED
    assert facts.server("10.0.0.2").route.lan == "eth0 10.0.0.0/24"
    d = classify(snap, run(silent("10.0.0.2", [CANARY])))
    assert (d.scenario.id, {f.code for f in d.findings}) == ("S2-custom-dns-split", {"lan-overlaps-vpc"})


def test_the_log_saying_none_was_pushed_does_not_hide_what_the_machine_shows() -> None:
    snap = snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("10.0.0.2"),))
    facts = derive(snap)
    assert facts.custom_dns is Known.OBSERVED
    assert any("no dhcp-option DNS" in n for n in facts.notes)


# --------------------------------------------------------------------------- the resolvers and the probes


def test_pushed_not_applied_needs_the_resolvers_programs_use() -> None:
    snap = snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("192.168.1.1"),))
    probes = run(ok("10.0.0.2", [CANARY]), ok("192.168.1.1", [CANARY]))
    assert "pushed-dns-not-applied" in {f.code for f in classify(snap, probes).findings}
    blind = without(snap, Evidence.DNS_GLOBAL)
    assert derive(blind).resolvers is Known.NOT_CAPTURED
    assert "pushed-dns-not-applied" not in {f.code for f in classify(blind, probes).findings}
    assert "resolvers" in {u.topic for u in derive(blind).unknowns}


def test_healthy_needs_probes() -> None:
    snap = snapshot(tunnel_routes=(VPC, PEER), resolvers=(resolver(IE1), resolver(IE2)))
    assert classify(snap, run(ok(IE1, [CANARY]), ok(IE2, [CANARY]))).verdict is Verdict.HEALTHY
    unprobed = classify(snap, ProbeRun(skipped="probing disabled (--no-probe)"))
    assert unprobed.scenario.id == "S2-custom-dns-split" and unprobed.verdict is Verdict.CANNOT_TELL
    probes = next(u for u in derive(snap, ProbeRun(skipped="--no-probe")).unknowns if u.topic == "probes")
    assert "--no-probe" in probes.what


def test_probe_summary_per_transport() -> None:
    snap = snapshot(tunnel_routes=(VPC, PEER), resolvers=(resolver(IE1),))
    facts = derive(snap, run(silent(IE1, [CANARY], transports=("udp",)), ok(IE1, [CANARY])))
    udp, tcp = facts.server(IE1).probes
    assert (udp.transport.value, udp.probes, udp.replies, udp.silent) == ("udp", 2, 1, False)
    assert tcp.rtt_ms_min == tcp.rtt_ms_max == 12.0


@pytest.mark.parametrize("platform,expected", [
    (Platform.MACOS, "route -n get 10.1.0.10"),
    (Platform.WINDOWS, "Find-NetRoute -RemoteIPAddress 10.1.0.10"),
    (Platform.LINUX, "ip route get 10.1.0.10"),
])
def test_unknown_routes_name_the_command_of_each_os(platform, expected) -> None:
    snap = without(snapshot(tunnel_routes=(VPC, PEER), resolvers=(resolver(IE1),), platform=platform),
                   Evidence.ROUTES, Evidence.ROUTES6)
    snap = dataclasses.replace(snap, routes=())
    # the interface list still shows the tunnel; the route to the server is unknown
    snap = dataclasses.replace(snap, vpn=dataclasses.replace(snap.vpn, tunnel_interfaces=("tun0",)))
    facts = derive(snap, platforms=(Platform.LINUX, Platform.MACOS, Platform.WINDOWS))
    routes = next(u for u in facts.unknowns if u.topic == "routes")
    assert expected in routes.commands[platform.value]


# --------------------------------------------------------------------------- issue 17: laptop-side unknowns


def test_an_os_answer_no_server_gave_asks_for_the_hosts_file_until_it_is_read() -> None:
    from agent.model import Evidence, HostsEntry, LocalEvidence
    from tests.builders import NameCheck, ok, resolver, run, snapshot
    db = NameCheck("db.corp.internal", "private")
    probes = run(ok("10.0.0.2", [db], ("10.0.1.10",)), names=(db,), system=[("db.corp.internal", ("10.9.9.9",), None)])
    snap = snapshot(tunnel_routes=("10.0.0.0/16",), resolvers=(resolver("10.0.0.2"),))
    hosts = derive(snap, probes).unknowns
    assert [u.topic for u in hosts if u.topic == "hosts"] == ["hosts"]
    assert "cat /etc/hosts" in next(u for u in hosts if u.topic == "hosts").commands["linux"]
    read = snapshot(tunnel_routes=("10.0.0.0/16",), resolvers=(resolver("10.0.0.2"),),
                    local=LocalEvidence(hosts=(HostsEntry("10.9.9.9", ("db.corp.internal",)),)),
                    extra_captured={Evidence.HOSTS})
    assert "hosts" not in {u.topic for u in derive(read, probes).unknowns}


def test_a_loopback_resolver_asks_who_listens_on_port_53_but_the_resolved_stub_does_not() -> None:
    from tests.builders import resolver, snapshot
    agent = derive(snapshot(tunnel_routes=("10.0.0.0/16",), resolvers=(resolver("127.0.0.1"),)))
    assert "port53" in {u.topic for u in agent.unknowns}
    stub = derive(snapshot(tunnel_routes=("10.0.0.0/16",), resolvers=(resolver("127.0.0.53"),)))
    assert "port53" not in {u.topic for u in stub.unknowns}


def test_an_expected_server_with_a_port_is_its_address() -> None:
    snap = snapshot(tunnel_routes=(VPC, PEER), resolvers=(resolver(IE1),))
    facts = derive(snap, run(ok(IE1, [CANARY])), (), ("10.1.0.99#5353", IE2))
    assert [s.address for s in facts.servers] == [IE1, "10.1.0.99", IE2]
    assert facts.server("10.1.0.99").seen_as == ("expected",)


# --------------------------------------------------------------------------- the pieces, at their edges
# (issue 23: mutation testing found these boundaries unchecked by every table)

from agent.facts import _is_default_prefix, _lan_networks, _under, probe_facts, route_fact, select_resolvers  # noqa: E402
from agent.model import (Family, IfAddress, Interface, InterfaceKind, Outcome, ProbeResult, Resolver, ResolverScope,  # noqa: E402
                         RouteLookup, Transport)


@pytest.mark.parametrize("name,domain,under", [
    ("db.corp.internal.", "corp.internal", True),      # the name's root dot
    ("db.corp.internal", "corp.internal.", True),      # the domain's root dot
    ("DB.Corp.Internal", "corp.INTERNAL", True),       # case
    ("web.lab-X.", "LAB-x", True), ("a.lab-x", "lab-X", True),   # a label ending in X (not a dot)
    ("corp.internal", "corp.internal", True),
    ("db", "", True), ("db.corp", ".", True),          # the root domain: every name
    ("xcorp.internal", "corp.internal", False),        # a suffix is not a parent domain
    ("corp.internal", "db.corp.internal", False),
])
def test_a_name_under_a_match_domain(name, domain, under) -> None:
    assert _under(name, domain) is under


def _dom(address: str, *domains: str) -> Resolver:
    return Resolver(address=address, scope=ResolverScope.DOMAIN, domains=domains, origin="scutil --dns")


def test_macos_asks_the_longest_match_domain_and_every_resolver_tied_on_it() -> None:
    glob = Resolver(address="192.168.1.1", scope=ResolverScope.GLOBAL, origin="scutil --dns")
    root, one = _dom("10.9.0.1", "."), _dom("10.9.0.2", "internal")
    two, two_b, empty = _dom("10.9.0.3", "corp.internal"), _dom("10.9.0.4", "CORP.internal."), _dom("10.9.0.5", "")
    assert select_resolvers((glob, root, one), "db.internal") == (one,)             # 1 label beats the root
    assert select_resolvers((glob, empty, one), "db.internal") == (one,)
    assert select_resolvers((glob, two, one), "db.corp.internal") == (two,)         # longest first
    assert select_resolvers((glob, one, two), "db.corp.internal") == (two,)         # ... in either order
    assert select_resolvers((glob, two, one, two_b), "db.corp.internal") == (two, two_b)   # ties: all, in order
    assert select_resolvers((glob, two, two), "db.corp.internal") == (two,)         # the same one once
    assert select_resolvers((glob, root), "anything.example") == (root,)           # only the root matches
    assert select_resolvers((glob, empty), "anything.example") == (empty,)
    assert select_resolvers((glob, two), "www.example.com") == (glob,)              # no match: the GLOBAL ones


def _p(transport: str, outcome: str, rtt: float | None) -> ProbeResult:
    return ProbeResult(server="10.1.0.10", transport=Transport(transport), name="aws.amazon.com",
                       outcome=Outcome(outcome), rtt_ms=rtt)


def test_probe_facts_per_transport_with_the_outcomes_in_order_and_the_round_trips_of_replies() -> None:
    facts = probe_facts([_p("tcp", "answer", 30.0), _p("udp", "timeout", 2000.0), _p("udp", "refused", 12.0),
                         _p("udp", "truncated", 15.0), _p("udp", "refused", None)])
    udp, tcp = facts
    assert (udp.transport, udp.probes, udp.replies) == (Transport.UDP, 4, 3)
    # Outcome's order (by meaning), not the probes' nor the alphabet's
    assert udp.outcomes == (Outcome.REFUSED, Outcome.TRUNCATED, Outcome.TIMEOUT)
    assert (udp.rtt_ms_min, udp.rtt_ms_max) == (12.0, 15.0)     # a timeout's elapsed time is no round trip
    assert (tcp.transport, tcp.probes, tcp.replies, tcp.rtt_ms_min, tcp.rtt_ms_max) == (Transport.TCP, 1, 1, 30.0, 30.0)
    assert probe_facts([_p("tcp", "timeout", None)])[0].rtt_ms_min is None


@pytest.mark.parametrize("prefix,default", [
    ("0.0.0.0/0", True), ("0.0.0.0/1", True), ("128.0.0.0/1", True), ("0.0.0.0/2", False), ("10.0.0.0/8", False),
    ("32.0.0.0/3", False),                       # the bits of 2000::/3, but IPv4: no default
    ("::/0", True), ("::/1", True), ("8000::/1", True), ("2000::/3", True), ("fd00::/8", False), ("::/2", False),
])
def test_the_default_and_half_default_prefixes(prefix, default) -> None:
    assert _is_default_prefix(prefix) is default


def test_the_lans_are_the_subnets_of_links_that_are_not_tunnels() -> None:
    def iface(name, kind, *addresses):
        return Interface(name=name, kind=kind, addresses=tuple(
            IfAddress(Family.INET6 if ":" in a else Family.INET, a.split("/")[0], int(a.split("/")[1]) if "/" in a else None)
            for a in addresses))
    snap = Snapshot(platform=Platform.WINDOWS, collected_at="t", interfaces=(
        iface("Wi-Fi", InterfaceKind.WIRELESS, "192.168.1.23", "192.168.1.24/24", "fd00:1::5/64"),  # no prefix: skipped, not the end
        iface("Ethernet 2", InterfaceKind.ETHERNET, "10.20.0.6/40", "10.20.0.5/16"),         # no such prefix: skipped
        iface("Ethernet 3", InterfaceKind.ETHERNET, "172.16.0.130/27"),                        # the VPN's TAP (named a tunnel)
        iface("lo", InterfaceKind.LOOPBACK, "127.0.0.1/8"),
        iface("Host", InterfaceKind.ETHERNET, "10.9.9.9/32", "169.254.7.7/16", "fe80::1/64"),  # host and link-local
    ))
    lans = [(name, str(net)) for name, net in _lan_networks(snap, frozenset({"Ethernet 3"}))]
    assert lans == [("Wi-Fi", "192.168.1.0/24"), ("Wi-Fi", "fd00:1::/64"), ("Ethernet 2", "10.20.0.0/16")]


def test_route_facts_of_a_name_a_kernel_answer_without_prefix_and_an_unknown_tunnel() -> None:
    snap = dataclasses.replace(
        snapshot(tunnel_routes=(PEER,), resolvers=(resolver(IE1),)),
        route_lookups=(RouteLookup(IE1, interface="tun0"),                                 # no prefix, no method
                       RouteLookup("10.1.0.20", interface="eth0", method="ip route get")))  # the kernel says eth0
    facts = derive(snap)
    r = route_fact(snap, facts, IE1)
    assert (r.interface, r.destination, r.method, r.via_tunnel) == ("tun0", PEER, "kernel", True)
    other = route_fact(snap, facts, "10.1.0.20")
    assert (other.interface, other.destination, other.via_tunnel) == ("eth0", None, False)   # the table's is tun0's
    name = route_fact(snap, facts, "dns.corp.example")                                      # an NRPT server name
    assert (name.address, name.error, name.interface, name.via_tunnel) == ("dns.corp.example", "not an IP address",
                                                                           None, None)
    unknown = dataclasses.replace(facts, tunnel=Known.NOT_CAPTURED, tunnel_interfaces=(), servers=())
    assert route_fact(snap, unknown, IE1).via_tunnel is None        # null in the report, not false or ""


def test_split_tunnel_a_server_the_kernel_sends_into_the_tunnel_outside_every_captured_prefix() -> None:
    """The routing table shows a split tunnel; the kernel's answer for the server (a route the
    captured table lacks: another routing table, a route added after the capture) is tun0."""
    snap = snapshot(tunnel_routes=(VPC,), resolvers=(resolver(IE1),), lookups=((IE1, "tun0", None),))
    server = derive(snap).server(IE1)
    assert server.vpn is Known.OBSERVED
    assert server.vpn_because == "the ip route get answer sends it into tun0 (split tunnel)"
    # the same answer when the mode comes from the log only (no routing table): not told this way
    logged = without(snapshot(tunnel_routes=(VPC,), pushed_dns=("10.2.0.2",), resolvers=(resolver(IE1),),
                              lookups=((IE1, "tun0", None),)), Evidence.ROUTES, Evidence.ROUTES6)
    assert logged.vpn.tunnel_interfaces and derive(logged).tunnel_mode_from == "VPN log"
    assert derive(logged).server(IE1).vpn_because != "the ip route get answer sends it into tun0 (split tunnel)"


def test_an_nrpt_server_given_by_name_is_not_told_either_way() -> None:
    from agent.model import NrptRule
    snap = snapshot(tunnel_routes=(VPC,), resolvers=(resolver(IE1, "link", "tun0"),))
    snap = dataclasses.replace(snap, dns=dataclasses.replace(snap.dns, nrpt=(
        NrptRule(name="{5c1d0e2a}", namespaces=(".corp.example",), servers=("dns.corp.example",)),)))
    server = derive(snap).server("dns.corp.example")
    assert (server.seen_as, server.vpn, server.vpn_because) == (("nrpt",), Known.NOT_CAPTURED, "")
    assert server.route.error == "not an IP address"


def test_without_an_interface_list_a_connected_route_outside_the_tunnel_is_the_lan() -> None:
    base = snapshot(tunnel_routes=(VPC,), resolvers=(resolver("192.168.1.1"), resolver("172.16.0.129"),
                                                     resolver("8.8.8.8")),
                    extra_routes=(("0.0.0.0/1", None, "wwan0"),), lookups=(("192.168.7.53", "eth1", None),))
    snap = without(base, Evidence.INTERFACES)
    facts = derive(snap)
    assert facts.server("192.168.1.1").route.lan == "eth0 192.168.1.0/24 (a connected route)"
    assert facts.server("172.16.0.129").route.lan is None      # the tunnel's own connected subnet
    assert facts.server("8.8.8.8").route.lan is None           # a gateway-less half default is no subnet
    assert route_fact(snap, facts, "192.168.7.53").lan == "eth1 on-link (a connected route)"   # kernel: no prefix
    assert derive(base).server("192.168.1.1").route.lan == "eth0 192.168.1.0/24"               # the inventory's
