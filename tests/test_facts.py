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
    assert "reached only through the full tunnel" in facts.server("10.0.0.2").vpn_because
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
