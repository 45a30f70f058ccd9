"""Table tests of the classifier: every documented scenario and its broken variants.

Each case asserts the scenario id, the EXACT set of finding codes (so every code that is
absent is shown not firing there) and the verdict; a meta-test checks that every generic
code fires in at least one case and stays silent in at least one other.
"""
from __future__ import annotations

import pytest

from agent.classify import classify, order, verdict_of
from agent.model import Finding, ProbeRun, PushedConfig, Severity, Snapshot, TunnelMode, Verdict
from agent.rules import RULES
from agent.model import (DOH_CANARY, DOH_CANARY_ORIGIN, LARGE_ANSWER_ORIGIN, BrowserDns, ContainerDns, DohMode, Evidence,
                         HostsEntry, LinkSearch,
                         LocalEvidence, Platform, Port53Listener, SamlState, Transport)
from tests.builders import (CANARY, FULL, TUN, DnsManager, NameCheck, ok, probe, profile, resolver, run, silent,
                            snapshot)

DB = NameCheck("db.corp.internal", expected="private", origin="user")
RDS = NameCheck("mydb.abc123.eu-west-1.rds.amazonaws.com", expected="private", origin="user")
BIG = NameCheck("big.corp.internal", origin=LARGE_ANSWER_ORIGIN)
PUB = NameCheck("www.example.com", expected="public", origin="user")
DB2 = NameCheck("db2.corp.internal", expected="private", origin="user")
DBCFG = NameCheck("db.corp.internal", expected="private", origin="config")
PUB0 = NameCheck("www.example.org", expected="public", origin="user")
PUBCFG = NameCheck("www.example.net", expected="public", origin="config")
SAME = NameCheck("web.corp.internal", origin="user")
V6ONLY = NameCheck("v6.corp.internal", origin="user")
NOSYS = NameCheck("nosys.corp.internal", origin="user")
APICFG = NameCheck("api.corp.internal", origin="config")
RDS2 = NameCheck("other.abc123.eu-west-1.rds.amazonaws.com", expected="private", origin="user")
PINNED = NameCheck("pinned.corp.internal", expected="10.1.5.5", origin="user")
ENDPOINT = NameCheck("a1b2c3.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com", origin="profile")
VPC2 = "10.0.0.2"
NAMES = (CANARY, DB)
VPC = "10.0.0.0/16"
PEER = "10.1.0.0/16"
IE1, IE2, IE3 = "10.1.0.10", "10.1.0.11", "10.1.0.12"


def s2(*, routes=(VPC, PEER), **kw):
    return snapshot(tunnel_routes=routes, pushed_dns=(IE1, IE2),
                    resolvers=(resolver(IE1), resolver(IE2)), **kw)


def s2_ok():
    return run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
               names=NAMES, system=[("db.corp.internal", ("10.1.5.5",), None)])


def _vpn(snap: Snapshot, **changes) -> Snapshot:
    """The snapshot with VpnEvidence fields the builders do not take (log sources, profile name)."""
    import dataclasses
    return dataclasses.replace(snap, vpn=dataclasses.replace(snap.vpn, **changes))


def _dns(snap: Snapshot, **changes) -> Snapshot:
    import dataclasses
    return dataclasses.replace(snap, dns=dataclasses.replace(snap.dns, **changes))


DBDOT = NameCheck("db.corp.internal.", expected="private", origin="user")

CASES = {
    "not-connected": (
        snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),)), run(ok("192.168.1.1", [CANARY])),
        "not-connected", {"vpn-not-connected"}, Verdict.NOT_CONNECTED),
    "stale-after-disconnect": (
        snapshot(tunnels=(), resolvers=(resolver("10.0.0.2"),), pushed_dns=("10.0.0.2",), disconnected=True),
        run(silent("10.0.0.2", [CANARY])),
        "not-connected", {"vpn-not-connected", "stale-vpn-dns-after-disconnect"}, Verdict.BROKEN),
    "endpoint-unresolvable": (
        snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),), profile=profile(),
                 log_errors=("RESOLVE: Cannot resolve host address: cvpn-endpoint-0123456789abcdef0.prod.clientvpn."
                             "eu-west-1.amazonaws.com:443 (Name or service not known)",)),
        run(ok("192.168.1.1", [CANARY])),
        "not-connected", {"vpn-not-connected", "endpoint-name-unresolvable"}, Verdict.BROKEN),
    "S1-local-dns": (
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY])),
        "S1-local-dns", {"local-dns-bypasses-tunnel"}, Verdict.HEALTHY),
    "S1-local-dns-static-32": (
        snapshot(tunnel_routes=FULL, pushed_dns=(), resolvers=(resolver("198.51.100.53"),),
                 extra_routes=(("198.51.100.53/32", "192.168.1.1", "eth0"),)),
        run(ok("198.51.100.53", [CANARY])),
        "S1-local-dns", {"local-dns-bypasses-tunnel"}, Verdict.HEALTHY),
    "S1-local-dns-two-resolvers": (
        # the LAN router and a /32 kept outside: both named, each with its route and probes
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True,
                 resolvers=(resolver("192.168.1.1"), resolver("198.51.100.53")),
                 extra_routes=(("198.51.100.53/32", "192.168.1.1", "eth0"),)),
        run(ok("192.168.1.1", [CANARY]), ok("198.51.100.53", [CANARY])),
        "S1-local-dns", {"local-dns-bypasses-tunnel"}, Verdict.HEALTHY),
    "S1-local-dns-behind-a-stub": (
        # a loopback resolver (the OS stub 127.0.0.53; ::1, a local agent: info) is not where the
        # packets go: the LAN resolver beside it decides the scenario
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True,
                 resolvers=(resolver("127.0.0.53"), resolver("::1"), resolver("192.168.1.1")),
                 extra_routes=(("127.0.0.0/8", None, "lo"), ("::1/128", None, "lo"))),
        run(ok("127.0.0.53", [CANARY]), ok("192.168.1.1", [CANARY])),
        "S1-local-dns", {"local-dns-bypasses-tunnel", "local-dns-agent"}, Verdict.HEALTHY),
    "S1-route-to-the-resolver-unknown": (
        # full tunnel and no custom DNS per the log, but no routing table: whether the LAN resolver
        # is reached outside (example 1) or through the tunnel (example 2) is not shown
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("192.168.1.1"),),
                 captured={Evidence.INTERFACES, Evidence.DNS_GLOBAL, Evidence.DNS_LINKS, Evidence.VPN_LOG}),
        run(ok("192.168.1.1", [CANARY])),
        "cannot-tell", set(), Verdict.CANNOT_TELL),
    "S1-only-a-stub-in-view": (
        # the only resolver shown is the OS stub: where its queries go is not shown
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("127.0.0.53"),)),
        run(ok("127.0.0.53", [CANARY])),
        "cannot-tell", set(), Verdict.CANNOT_TELL),
    "S1-public-no-egress": (
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("203.0.113.53"),)),
        run(silent("203.0.113.53", [CANARY])),
        "S1-public-dns", {"full-tunnel-public-dns-no-egress"}, Verdict.BROKEN),
    "S1-public-no-egress-user-name": (
        # A temporary failure of the OS resolver proves nothing about the name itself.
        snapshot(tunnel_routes=FULL, pushed_dns=(), resolvers=(resolver("203.0.113.53"),)),
        run(silent("203.0.113.53", NAMES), names=NAMES,
            system=[("db.corp.internal", (), "Temporary failure in name resolution")]),
        "S1-public-dns", {"full-tunnel-public-dns-no-egress"}, Verdict.BROKEN),
    "S1-public-with-egress": (
        snapshot(tunnel_routes=FULL, pushed_dns=(), resolvers=(resolver("203.0.113.53"),)),
        run(ok("203.0.113.53", [CANARY])),
        "S1-public-dns", set(), Verdict.HEALTHY),
    "S2-healthy": (s2(), s2_ok(), "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "S2-peer-route-missing": (
        s2(routes=(VPC,)), run(silent(IE1, NAMES), silent(IE2, NAMES), names=NAMES),
        "S2-custom-dns-split", {"custom-dns-no-route"}, Verdict.BROKEN),
    "S2-zone-not-associated": (
        s2(), run(ok(IE1, [CANARY]), probe(IE1, DB.name, "nxdomain"), ok(IE2, [CANARY]), probe(IE2, DB.name, "nxdomain"),
                  names=NAMES, system=[("db.corp.internal", (), "Name or service not known")]),
        "S2-custom-dns-split", {"phz-not-associated"}, Verdict.BROKEN),
    "S2-zone-not-associated-two-names": (
        # both private names are named, once each, with each server's NXDOMAIN and its canary answer
        s2(), run(ok(IE1, [CANARY]), probe(IE1, DB.name, "nxdomain"), probe(IE1, DB2.name, "nodata"),
                  ok(IE2, [CANARY]), probe(IE2, DB.name, "nxdomain"), probe(IE2, DB2.name, "nodata"),
                  names=(CANARY, DB, DB2)),
        "S2-custom-dns-split", {"phz-not-associated"}, Verdict.BROKEN),
    "S2-zone-not-associated-probes-in-another-order": (
        # the same as S2-zone-not-associated with the private name probed before the canary
        s2(), run(probe(IE1, DB.name, "nxdomain"), ok(IE1, [CANARY]), probe(IE2, DB.name, "nxdomain"), ok(IE2, [CANARY]),
                  names=(DB, CANARY), system=[("db.corp.internal", (), "Name or service not known")]),
        "S2-custom-dns-split", {"phz-not-associated"}, Verdict.BROKEN),
    "S2-primary-servfail": (
        s2(), run(probe(IE1, CANARY.name, "servfail"), probe(IE1, DB.name, "servfail"),
                  ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)), names=NAMES,
                  system=[("db.corp.internal", (), "Temporary failure in name resolution")]),
        "S2-custom-dns-split", {"primary-servfail-no-failover"}, Verdict.BROKEN),
    "S2-primary-servfail-for-one-name": (
        # the canary is fine on the primary, the private name SERVFAILs; the secondary was not asked that
        # name, the third server answers it
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2, VPC2), resolvers=(resolver(IE1), resolver(IE2), resolver(VPC2))),
        run(ok(IE1, [CANARY]), probe(IE1, DB.name, "servfail"), ok(IE2, [CANARY]), ok(VPC2, [CANARY]),
            ok(VPC2, [DB], ("10.1.5.5",)), names=NAMES),
        "S2-custom-dns-split", {"primary-servfail-no-failover"}, Verdict.BROKEN),
    "S2-zone-not-associated-with-the-secondarys-vpc": (
        # the primary SERVFAILs even the canary; the secondary answers it but not the private name
        s2(), run(probe(IE1, CANARY.name, "servfail"), probe(IE1, PUB.name, "servfail"), probe(IE1, DB.name, "nxdomain"),
                  ok(IE2, [CANARY]), probe(IE2, PUB.name, "nxdomain"), probe(IE2, DB.name, "nxdomain"),
                  names=(CANARY, PUB, DB)),
        "S2-custom-dns-split", {"phz-not-associated", "primary-servfail-no-failover"}, Verdict.BROKEN),
    "S2-primary-down": (
        s2(), run(silent(IE1, NAMES), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)), names=NAMES,
                  system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", {"secondary-dns-unreachable"}, Verdict.DEGRADED),
    "S2-all-silent-in-tunnel": (
        s2(), run(silent(IE1, NAMES), silent(IE2, NAMES), names=NAMES),
        "S2-custom-dns-split", {"custom-dns-unreachable"}, Verdict.BROKEN),
    "S2-tcp-blocked": (
        s2(), run(probe(IE1, CANARY.name, "truncated", transports=("udp",)),
                  probe(IE1, CANARY.name, "timeout", transports=("tcp",)),
                  probe(IE2, CANARY.name, "answer", ("203.0.113.80",), transports=("udp",)),
                  probe(IE2, CANARY.name, "connection-refused", transports=("tcp",))),
        "S2-custom-dns-split", {"dns-tcp53-blocked"}, Verdict.DEGRADED),
    "S2-udp-blocked": (
        s2(), run(probe(IE1, CANARY.name, "timeout", transports=("udp",)),
                  probe(IE1, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",)),
                  ok(IE2, [CANARY])),
        # The primary silent over UDP, where lookups go, is the primary silent (S2-primary-down):
        # clients fail over to the secondary after a timeout per query -- degraded, as there.
        "S2-custom-dns-split", {"dns-udp-blocked"}, Verdict.DEGRADED),
    "S2-secondary-udp-blocked": (
        s2(), run(ok(IE1, [CANARY]), probe(IE2, CANARY.name, "timeout", transports=("udp",)),
                  probe(IE2, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S2-custom-dns-split", {"dns-udp-blocked"}, Verdict.DEGRADED),
    "S2-both-udp-blocked": (
        # no server to fail over to: every lookup over UDP times out
        s2(), run(probe(IE1, CANARY.name, "timeout", transports=("udp",)),
                  probe(IE1, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",)),
                  probe(IE2, CANARY.name, "timeout", transports=("udp",)),
                  probe(IE2, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S2-custom-dns-split", {"dns-udp-blocked"}, Verdict.BROKEN),
    "S2-udp-blocked-other-answers-tcp-only": (
        # the other server was seen answering over TCP only: no UDP answer to fail over to is known
        s2(), run(probe(IE1, CANARY.name, "timeout", transports=("udp",)),
                  probe(IE1, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",)),
                  probe(IE2, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S2-custom-dns-split", {"dns-udp-blocked"}, Verdict.BROKEN),
    "S3-single-server-udp-blocked": (
        snapshot(tunnel_routes=FULL + (VPC,), pushed_dns=("10.0.0.2",), redirect=True,
                 resolvers=(resolver("10.0.0.2"),)),
        run(probe("10.0.0.2", CANARY.name, "timeout", transports=("udp",)),
            probe("10.0.0.2", CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S3-custom-dns-full", {"dns-udp-blocked"}, Verdict.BROKEN),
    "S2-secondary-down": (
        # the secondary, not the primary, is silent: lookups are answered, the failover is gone
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), silent(IE2, NAMES), names=NAMES,
                  system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", {"secondary-dns-unreachable"}, Verdict.DEGRADED),
    "S3-own-vpc-plus2-silent": (
        # One VPC routed through the tunnel is most likely the associated one: its base+2 is
        # valid, so a silent 10.0.0.2 is unreachable (security group, authorization), not
        # "another VPC's resolver" -- the admin must not be told to build an inbound endpoint.
        snapshot(tunnel_routes=FULL + (VPC,), pushed_dns=("10.0.0.2",), redirect=True,
                 resolvers=(resolver("10.0.0.2"),)),
        run(silent("10.0.0.2", [CANARY])),
        "S3-custom-dns-full", {"custom-dns-unreachable"}, Verdict.BROKEN),
    "S2-own-vpc-plus2-silent": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("10.0.0.2"),)),
        run(silent("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"custom-dns-unreachable"}, Verdict.BROKEN),
    "S2-public-answer-rds": (
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [RDS], ("54.77.1.2",)), ok(IE2, [CANARY]), ok(IE2, [RDS], ("54.77.1.2",)),
                  names=(CANARY, RDS)),
        "S2-custom-dns-split", {"public-answer-for-private-service"}, Verdict.BROKEN),
    "S2-system-disagrees": (
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
                  names=NAMES, system=[("db.corp.internal", (), "Name or service not known")]),
        "S2-custom-dns-split", {"system-resolver-disagrees"}, Verdict.DEGRADED),
    "S2-system-disagrees-on-two-names": (
        # both names are named in the evidence, each with the server's answer and the OS's error
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE1, [DB2], ("10.1.5.6", "10.1.5.7")),
                  ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)), ok(IE2, [DB2], ("10.1.5.6", "10.1.5.7")),
                  names=(CANARY, DB, DB2), system=[("db.corp.internal", (), "Name or service not known"),
                                                   ("db2.corp.internal", (), "No address associated with hostname")]),
        "S2-custom-dns-split", {"system-resolver-disagrees"}, Verdict.DEGRADED),
    "S2-pushed-not-applied-two-lan-resolvers": (
        # the OS keeps both of its own resolvers: both are listed
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",),
                 resolvers=(resolver("192.168.1.1"), resolver("192.168.1.2"))),
        run(ok("10.0.0.2", [CANARY]), ok("192.168.1.1", [CANARY]), ok("192.168.1.2", [CANARY])),
        "S2-custom-dns-split", {"pushed-dns-not-applied"}, Verdict.BROKEN),
    "S2-pushed-not-applied": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("192.168.1.1"),)),
        run(ok("10.0.0.2", [CANARY]), ok("192.168.1.1", [CANARY])),
        "S2-custom-dns-split", {"pushed-dns-not-applied"}, Verdict.BROKEN),
    "S2-linklocal": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=("169.254.169.253",), resolvers=(resolver("169.254.169.253"),)),
        run(silent("169.254.169.253", [CANARY])),
        "S2-custom-dns-split", {"dns-server-linklocal"}, Verdict.BROKEN),
    "S2-lan-overlaps": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("10.0.0.2"),),
                 lan=("eth0", "10.0.0.23/24", "10.0.0.1")),
        run(silent("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"lan-overlaps-vpc"}, Verdict.BROKEN),
    "S2-linklocal-and-unrouted": (
        # both explained, each by its own code: 169.254.169.253 (link-local), 10.2.0.2 (no route)
        snapshot(tunnel_routes=(VPC,), pushed_dns=("169.254.169.253", "169.254.1.1", "10.2.0.2"),
                 resolvers=(resolver("169.254.169.253"), resolver("169.254.1.1"), resolver("10.2.0.2"))),
        run(silent("169.254.169.253", [CANARY]), silent("169.254.1.1", [CANARY]), silent("10.2.0.2", [CANARY])),
        "S2-custom-dns-split", {"dns-server-linklocal", "custom-dns-no-route"}, Verdict.BROKEN),
    "S2-ipv6-linklocal-server-is-not-the-vpc-one": (
        # dns-server-linklocal is about 169.254.169.253; an IPv6 link-local server is another matter
        snapshot(tunnel_routes=(VPC, "fe80::/64"), pushed_dns=("10.0.0.2", "fe80::53"),
                 resolvers=(resolver("10.0.0.2"), resolver("fe80::53"))),
        run(ok("10.0.0.2", [CANARY]), ok("fe80::53", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "S2-two-servers-overlap-the-lan": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.9.0.2", "10.0.0.2", "10.0.0.3"),
                 resolvers=(resolver("10.9.0.2"), resolver("10.0.0.2"), resolver("10.0.0.3")),
                 lan=("eth0", "10.0.0.23/24", "10.0.0.1")),
        run(silent("10.9.0.2", [CANARY]), silent("10.0.0.2", [CANARY]), silent("10.0.0.3", [CANARY])),
        "S2-custom-dns-split", {"lan-overlaps-vpc", "custom-dns-no-route"}, Verdict.BROKEN),
    "S2-no-route-through-the-tunnel-at-all": (
        # a tunnel up with no route through it, split per the log: the pushed server is routed outside
        snapshot(tunnel_routes=(), pushed_dns=("10.0.0.2",), resolvers=(resolver("10.0.0.2"),)),
        run(silent("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"custom-dns-no-route"}, Verdict.BROKEN),
    "S2-ipv6-loopback-is-no-leak": (
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver(IE1), resolver(IE2), resolver("::1"))),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), ok("::1", [CANARY])),
        "S2-custom-dns-split", {"local-dns-agent"}, Verdict.HEALTHY),
    "S3-healthy": (
        snapshot(tunnel_routes=FULL + (VPC,), pushed_dns=("10.0.0.2",), redirect=True,
                 resolvers=(resolver("10.0.0.2"),)),
        run(ok("10.0.0.2", [CANARY])),
        "S3-custom-dns-full", set(), Verdict.HEALTHY),
    "S3-other-vpc-plus2": (
        snapshot(tunnel_routes=FULL + (VPC, PEER), pushed_dns=("10.1.0.2",), resolvers=(resolver("10.1.0.2"),)),
        run(silent("10.1.0.2", [CANARY])),
        "S3-custom-dns-full", {"custom-dns-unreachable", "dns-server-is-other-vpc-plus2"}, Verdict.BROKEN),
    "S3-plus2-heuristic-prefix-bounds": (
        # a /8 and a /24 are VPC-like (8 <= prefix length <= 24): two routed VPCs, so a silent base+2 of
        # the /24 is another VPC's resolver
        snapshot(tunnel_routes=FULL + ("10.0.0.0/8", "192.168.50.0/24"), pushed_dns=("192.168.50.2",), redirect=True,
                 resolvers=(resolver("192.168.50.2"),)),
        run(silent("192.168.50.2", [CANARY])),
        "S3-custom-dns-full", {"custom-dns-unreachable", "dns-server-is-other-vpc-plus2"}, Verdict.BROKEN),
    "S3-plus2-heuristic-route-with-host-bits": (
        # a destination written with host bits (10.1.0.7/16, as a report or a pasted table may hold
        # it; the model keeps it as given) is still the prefix 10.1.0.0/16
        snapshot(tunnel_routes=FULL + (VPC, "10.1.0.7/16"), pushed_dns=("10.1.0.2",), redirect=True,
                 resolvers=(resolver("10.1.0.2"),)),
        run(silent("10.1.0.2", [CANARY])),
        "S3-custom-dns-full", {"custom-dns-unreachable", "dns-server-is-other-vpc-plus2"}, Verdict.BROKEN),
    "S3-plus2-heuristic-a-25-is-no-vpc": (
        # a /25 is a subnet, not a VPC: one VPC routed, its own base+2 silent is plain unreachable
        snapshot(tunnel_routes=FULL + (VPC, "10.5.0.0/25"), pushed_dns=("10.0.0.2",), redirect=True,
                 resolvers=(resolver("10.0.0.2"),)),
        run(silent("10.0.0.2", [CANARY])),
        "S3-custom-dns-full", {"custom-dns-unreachable"}, Verdict.BROKEN),
    "S3-route-outside-tunnel-beside-a-linklocal": (
        # the link-local server is dns-server-linklocal's (its LAN route is normal); the two others
        # are sent to eth0 by the kernel
        snapshot(tunnel_routes=FULL + (VPC,), pushed_dns=("169.254.169.253", "10.0.0.2", "10.0.0.3"), redirect=True,
                 resolvers=(resolver("169.254.169.253"), resolver("10.0.0.2"), resolver("10.0.0.3")),
                 extra_routes=(("169.254.0.0/16", None, "eth0"),),
                 lookups=(("10.0.0.2", "eth0", "192.168.1.1"), ("10.0.0.3", "eth0", "192.168.1.1"))),
        run(silent("169.254.169.253", [CANARY]), silent("10.0.0.2", [CANARY]), silent("10.0.0.3", [CANARY])),
        "S3-custom-dns-full", {"route-outside-tunnel", "dns-server-linklocal"}, Verdict.BROKEN),
    "S3-route-outside-tunnel-kernel": (
        # The table alone says tunnel; the kernel's answer (policy routing, a /32 injected
        # by DHCP option 121) says eth0, and the kernel wins.
        snapshot(tunnel_routes=FULL + (VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("10.0.0.2"),),
                 lookups=(("10.0.0.2", "eth0", "192.168.1.1"),)),
        run(silent("10.0.0.2", [CANARY])),
        "S3-custom-dns-full", {"route-outside-tunnel"}, Verdict.BROKEN),
    "S0-private-name-fails": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), probe("192.168.1.1", DB.name, "nxdomain"), names=NAMES,
            system=[("db.corp.internal", (), "Name or service not known")]),
        "S0-no-custom-dns-split", {"no-custom-dns-private-names"}, Verdict.BROKEN),
    "S0-private-name-public-answer": (
        # the LAN resolver answers the name the user expects private with a public address: no custom DNS
        # means the device's own DNS, which cannot see the VPC's names
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), ok("192.168.1.1", [DB], ("54.77.1.2",)), names=NAMES,
            system=[("db.corp.internal", ("54.77.1.2",), None)]),
        "S0-no-custom-dns-split", {"no-custom-dns-private-names"}, Verdict.BROKEN),
    "S0-private-name-answered-by-the-lan-resolver": (
        # a LAN resolver that knows the private name (a forwarder to the VPC): nothing fails (probe only)
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), ok("192.168.1.1", [DB], ("10.1.5.5",)), names=NAMES),
        "S0-no-custom-dns-split", set(), Verdict.HEALTHY),
    "S0-private-name-resolved-by-the-os": (
        # the OS resolver gives the private address (no direct probe of the name): nothing fails
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), names=NAMES, system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S0-no-custom-dns-split", set(), Verdict.HEALTHY),
    "S0-private-name-not-found-by-the-os": (
        # only the OS resolver was asked, and it says the name does not exist
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), names=NAMES, system=[("db.corp.internal", (), "Name or service not known")]),
        "S0-no-custom-dns-split", {"no-custom-dns-private-names"}, Verdict.BROKEN),
    "S0-system-disagrees-with-the-lan-resolver": (
        # the LAN resolver (in use: no custom DNS) answers, the OS says not found; a probe-only name first
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), probe("192.168.1.1", BIG.name, "nodata", qtype="TXT"),
            ok("192.168.1.1", [DB], ("10.1.5.5",)), names=(BIG, CANARY, DB),
            system=[("db.corp.internal", (), "Name or service not known"), (BIG.name, (), "Name or service not known")]),
        "S0-no-custom-dns-split", {"system-resolver-disagrees"}, Verdict.DEGRADED),
    "S2-lan-resolver-udp-blocked-beside-the-vpn": (
        # a UDP-blocked server that is not the VPN's: no VPN server is its failover
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver(IE1), resolver(IE2), resolver("192.168.1.1"))),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), probe("192.168.1.1", CANARY.name, "timeout", transports=("udp",)),
            probe("192.168.1.1", CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S2-custom-dns-split", {"dns-udp-blocked"}, Verdict.BROKEN),
    "S1-public-udp-blocked": (
        # TCP answers: the resolver is reached through the tunnel, so there is egress (UDP is filtered)
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("203.0.113.53"),)),
        run(probe("203.0.113.53", CANARY.name, "timeout", transports=("udp",)),
            probe("203.0.113.53", CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",))),
        "S1-public-dns", {"dns-udp-blocked"}, Verdict.BROKEN),
    "S1-public-no-egress-udp-only": (
        # probed over UDP only, silent: no answer over the transport lookups use
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True,
                 resolvers=(resolver("203.0.113.53"), resolver("198.51.100.53"))),
        run(probe("203.0.113.53", CANARY.name, "timeout", transports=("udp",)),
            probe("198.51.100.53", CANARY.name, "timeout", transports=("udp",))),
        "S1-public-dns", {"full-tunnel-public-dns-no-egress"}, Verdict.BROKEN),
    "S1-public-probed-over-tcp-only": (
        # silent over TCP, never asked over UDP: whether lookups (UDP) get out is not shown
        snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("203.0.113.53"),)),
        run(probe("203.0.113.53", CANARY.name, "timeout", transports=("tcp",))),
        "S1-public-dns", set(), Verdict.CANNOT_TELL),
    "S0-two-private-names-fail-a-public-one-is-not-expected-private": (
        # a name expected public is not this code's (even when the LAN resolver does not know it)
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY]), probe("192.168.1.1", PUB.name, "nxdomain"),
            probe("192.168.1.1", DB.name, "nxdomain"), probe("192.168.1.1", DB2.name, "nxdomain"),
            names=(CANARY, PUB, DB, DB2)),
        "S0-no-custom-dns-split", {"no-custom-dns-private-names"}, Verdict.BROKEN),
    "S0-healthy": (
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"),)),
        run(ok("192.168.1.1", [CANARY])),
        "S0-no-custom-dns-split", set(), Verdict.HEALTHY),
    "S0-ipv6-lan-resolver-by-design": (
        # Without custom DNS the LAN's resolvers are the design (docs/domain.md: the device keeps its
        # own DNS), for IPv6 as for IPv4: not a leak.
        snapshot(tunnel_routes=(VPC,), pushed_dns=(), resolvers=(resolver("192.168.1.1"), resolver("2001:db8::53")),
                 extra_ifaces=(("wlan0", "2001:db8:1::23/64"),)),
        run(ok("192.168.1.1", [CANARY]), ok("2001:db8::53", [CANARY])),
        "S0-no-custom-dns-split", set(), Verdict.HEALTHY),
    "S2-ipv6-leak": (
        # The VPN's DNS servers are in use, but an IPv6 LAN resolver still gets queries that
        # should go into the IPv4-only tunnel.
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver(IE1), resolver(IE2), resolver("2001:db8::53")),
                 extra_ifaces=(("wlan0", "2001:db8:1::23/64"),)),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), ok("2001:db8::53", [CANARY])),
        "S2-custom-dns-split", {"ipv6-dns-leak"}, Verdict.DEGRADED),
    "S2-ipv6-leak-on-a-resolved-link": (
        # the same leak as systemd-resolved lists it: the link is named in the evidence
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2), manager=DnsManager.SYSTEMD_RESOLVED,
                 resolvers=(resolver(IE1, "link", "tun0", origin="resolved link 10 (tun0)"),
                            resolver(IE2, "link", "tun0", origin="resolved link 10 (tun0)"),
                            resolver("2001:db8::53", "link", "wlan0", origin="resolved link 3 (wlan0)")),
                 extra_ifaces=(("wlan0", "2001:db8:1::23/64"),)),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), ok("2001:db8::53", [CANARY])),
        "S2-custom-dns-split", {"ipv6-dns-leak", "linux-resolved-vpn-not-default"}, Verdict.DEGRADED),
    "resolved-vpn-not-default": (
        snapshot(tunnel_routes=(VPC,), manager=DnsManager.SYSTEMD_RESOLVED,
                 resolvers=(resolver("192.168.1.1", "link", "eth0", origin="resolved link 2 (eth0)"),
                            resolver("10.0.0.2", "link", "tun0", origin="resolved link 10 (tun0)"))),
        run(ok("192.168.1.1", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"linux-resolved-vpn-not-default"}, Verdict.DEGRADED),
    "resolved-vpn-default-ok": (
        snapshot(tunnel_routes=(VPC,), manager=DnsManager.SYSTEMD_RESOLVED,
                 resolvers=(resolver("192.168.1.1", "link", "eth0"), resolver("10.0.0.2", "link", "tun0", ("."),))),
        run(ok("192.168.1.1", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "resolved-split-dns-domain-only": (
        snapshot(tunnel_routes=(VPC,), manager=DnsManager.SYSTEMD_RESOLVED,
                 resolvers=(resolver("192.168.1.1", "link", "eth0"),
                            resolver("10.0.0.2", "domain", "tun0", ("corp.internal",)))),
        run(ok("192.168.1.1", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "two-vpns": (
        snapshot(tunnels=(("tun0", "172.16.0.130/27"), ("tun1", "100.96.0.2/24")), tunnel_routes=(VPC,),
                 extra_routes=(("100.100.100.100/32", None, "tun1"),),
                 resolvers=(resolver("10.0.0.2", "link", "tun0"), resolver("10.0.0.3", "link", "tun0"),
                            resolver("100.100.100.100", "link", "tun1"))),
        run(ok("10.0.0.2", [CANARY]), ok("10.0.0.3", [CANARY]), ok("100.100.100.100", [CANARY])),
        # 100.100.100.100 (Tailscale MagicDNS) is asked for every name: other-vpn-takes-dns names it
        "S2-custom-dns-split", {"multiple-vpn-dns-conflict", "other-vpn-takes-dns"}, Verdict.DEGRADED),
}

# --------------------------------------------------------------------------- causes beyond the KC (issue 17)

SHORT = NameCheck("db", origin="user")
NOT_ASKED = "resolved link 10 (tun0), not asked: /etc/resolv.conf does not point at resolved"   # platforms/linux.py
BIG = NameCheck("big.corp.internal", origin=LARGE_ANSWER_ORIGIN)
VPC2 = "10.0.0.2"


DOHC = NameCheck(DOH_CANARY, origin=DOH_CANARY_ORIGIN)
ROLLOUT = BrowserDns("firefox", "doh-rollout.mode", "2", DohMode.AUTOMATIC, "prefs.js")


def _local(**kw) -> LocalEvidence:
    return LocalEvidence(**kw)


def _hosts(*lines) -> LocalEvidence:
    return _local(hosts=tuple(HostsEntry(a, (n,), i + 1) for i, (a, n) in enumerate(lines)), hosts_path="/etc/hosts")


CASES.update({
    "hosts-stale-entry": (
        s2(local=_hosts(("10.9.9.9", "db.corp.internal")), extra_captured={Evidence.HOSTS}),
        run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
            names=NAMES, system=[("db.corp.internal", ("10.9.9.9",), None)]),
        "S2-custom-dns-split", {"hosts-file-override", "stale-positive-cache"}, Verdict.DEGRADED),
    "hosts-entry-same-as-dns": (
        s2(local=_hosts(("10.1.5.5", "DB.corp.internal.")), extra_captured={Evidence.HOSTS}), s2_ok(),
        "S2-custom-dns-split", {"hosts-file-override"}, Verdict.HEALTHY),
    "stale-positive-cache": (
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
                  names=NAMES, system=[("db.corp.internal", ("54.77.1.2",), None)]),
        "S2-custom-dns-split", {"stale-positive-cache"}, Verdict.DEGRADED),
    "browser-firefox-doh-only": (
        s2(local=_local(browsers=(BrowserDns("firefox", "network.trr.mode", "3", DohMode.SECURE,
                                             "/home/u/.mozilla/firefox/x.default/prefs.js",
                                             templates="https://dns.example/dns-query"),)),
           extra_captured={Evidence.BROWSER_DNS}), s2_ok(),
        "S2-custom-dns-split", {"browser-secure-dns"}, Verdict.DEGRADED),
    "browser-doh-excludes-the-private-domain": (
        s2(local=_local(browsers=(BrowserDns("firefox", "network.trr.mode", "2", DohMode.AUTOMATIC, "prefs.js",
                                             excluded=("corp.internal",)),)),
           extra_captured={Evidence.BROWSER_DNS}), s2_ok(),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "browser-firefox-rollout-vpn-dns-does-not-opt-out": (
        s2(local=_local(browsers=(ROLLOUT,)), extra_captured={Evidence.BROWSER_DNS}),
        run(s2_ok().results, ok(IE1, [DOHC], ("104.16.248.249",)), ok(IE2, [DOHC], ("104.16.248.249",)),
            names=(CANARY, DB, DOHC), system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", {"browser-secure-dns"}, Verdict.DEGRADED),
    "browser-firefox-rollout-vpn-dns-opts-out": (
        s2(local=_local(browsers=(ROLLOUT,)), extra_captured={Evidence.BROWSER_DNS}),
        run(s2_ok().results, probe(IE1, DOHC.name, "nxdomain"), probe(IE2, DOHC.name, "nxdomain"),
            names=(CANARY, DB, DOHC), system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "browser-chrome-doh-only-firefox-doh-first": (
        # two browsers, two modes: each sentence of the explanation is true of its browser
        s2(local=_local(browsers=(BrowserDns("chrome", "DnsOverHttpsMode", "secure", DohMode.SECURE,
                                             "/etc/opt/chrome/policies/managed/p.json", policy=True),
                                  BrowserDns("firefox", "network.trr.mode", "2", DohMode.AUTOMATIC, "prefs.js",
                                             allow_private=True))),
           extra_captured={Evidence.BROWSER_DNS}), s2_ok(),
        "S2-custom-dns-split", {"browser-secure-dns"}, Verdict.DEGRADED),
    "browser-chrome-automatic": (
        # "automatic" only upgrades to the OS resolver's own DoH provider: the VPN's DNS stays in use.
        s2(local=_local(browsers=(BrowserDns("chrome", "DnsOverHttpsMode", "automatic", DohMode.AUTOMATIC,
                                             "/etc/opt/chrome/policies/managed/p.json", policy=True),)),
           extra_captured={Evidence.BROWSER_DNS}), s2_ok(),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "docker-daemon-dns": (
        s2(local=_local(containers=(ContainerDns("docker", "/etc/docker/daemon.json", ("8.8.8.8",)),), docker=True),
           extra_captured={Evidence.CONTAINER_DNS}), s2_ok(),
        "S2-custom-dns-split", {"container-dns-not-vpn"}, Verdict.DEGRADED),
    "docker-resolved-stub-flattened": (
        snapshot(tunnel_routes=(VPC, PEER), manager=DnsManager.SYSTEMD_RESOLVED, stub=True,
                 extra_ifaces=(("docker0", "172.17.0.1/16"),),
                 resolvers=(resolver("192.168.1.1", "link", "eth0", origin="resolved link 2 (eth0)"),
                            resolver(IE1, "domain", "tun0", ("corp.internal",), origin="resolved link 10 (tun0)")),
                 local=_local(docker=True), extra_captured={Evidence.CONTAINER_DNS}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY])),
        "S2-custom-dns-split", {"container-dns-not-vpn"}, Verdict.HEALTHY),
    "docker-installed-but-no-bridge": (
        # a docker command on PATH is no default bridge in use: nothing said
        snapshot(tunnel_routes=(VPC, PEER), manager=DnsManager.SYSTEMD_RESOLVED, stub=True,
                 resolvers=(resolver("192.168.1.1", "link", "eth0", origin="resolved link 2 (eth0)"),
                            resolver(IE1, "domain", "tun0", ("corp.internal",), origin="resolved link 10 (tun0)")),
                 local=_local(docker=True), extra_captured={Evidence.CONTAINER_DNS}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "wsl-dns-tunneling-off": (
        s2(platform=Platform.WINDOWS, local=_local(containers=(ContainerDns(
            "wslconfig", "C:\\Users\\u\\.wslconfig", settings={"dnsTunneling": "false"}),)),
           extra_captured={Evidence.CONTAINER_DNS}), s2_ok(),
        "S2-custom-dns-split", {"wsl-dns-not-vpn"}, Verdict.DEGRADED),
    "inside-wsl-nat-dns": (
        snapshot(tunnels=(), resolvers=(resolver("172.17.128.1"),), resolv_conf_by="wsl",
                 local=_local(inside_wsl=True), extra_captured={Evidence.CONTAINER_DNS, Evidence.RESOLV_CONF}),
        run(probe("172.17.128.1", CANARY.name, "timeout"), names=NAMES,
            system=[("db.corp.internal", (), "Temporary failure in name resolution")]),
        "not-connected", {"vpn-not-connected", "wsl-dns-not-vpn"}, Verdict.NOT_CONNECTED),
    "local-dns-agent": (
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2), resolvers=(resolver("127.0.0.1"),),
                 local=_local(port53=(Port53Listener("127.0.0.1", Transport.UDP, "dnscrypt-proxy", 812),)),
                 extra_captured={Evidence.PORT53}),
        run(ok("127.0.0.1", [CANARY]), probe("127.0.0.1", DB.name, "nxdomain"), ok(IE1, [CANARY]),
            ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)), names=NAMES,
            system=[("db.corp.internal", (), "Name or service not known")]),
        "S2-custom-dns-split", {"local-dns-agent", "pushed-dns-not-applied", "system-resolver-disagrees"},
        Verdict.BROKEN),
    "resolved-stub-is-not-an-agent": (
        snapshot(tunnel_routes=(VPC,), manager=DnsManager.SYSTEMD_RESOLVED, stub=True,
                 resolvers=(resolver("10.0.0.2", "link", "tun0", (".",), origin="resolved link 10 (tun0)"),)),
        run(ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "tailscale-takes-dns": (
        snapshot(tunnels=(TUN, ("tailscale0", "100.101.102.103/32")), tunnel_routes=(VPC, PEER),
                 resolvers=(resolver("100.100.100.100"),), resolv_conf_by="tailscale",
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("100.100.100.100", [CANARY])),
        "cannot-tell", {"other-vpn-takes-dns"}, Verdict.DEGRADED),
    "tailscale-alone-no-aws-tunnel": (
        # the only tunnel up is Tailscale's own: it takes every name, but there is no AWS tunnel
        # to take them from (and nothing says the AWS VPN is connected)
        snapshot(tunnels=(("tailscale0", "100.101.102.103/32"),), tunnel_routes=("100.64.0.0/10",),
                 resolvers=(resolver("100.100.100.100"),), resolv_conf_by="tailscale",
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("100.100.100.100", [CANARY])),
        "cannot-tell", set(), Verdict.CANNOT_TELL),
    "tailscale-ipv6-resolver-is-no-lan-leak": (
        # an IPv6 resolver on another VPN's tunnel goes into that tunnel, not onto the LAN: the
        # other VPN's codes say it, ipv6-dns-leak does not
        snapshot(tunnels=(TUN, ("tailscale0", "100.101.102.103/32")), tunnel_routes=(VPC, PEER), pushed_dns=(IE1,),
                 resolvers=(resolver(IE1, "link", "tun0"), resolver("fd7a:115c:a1e0::53", "link", "tailscale0"))),
        run(ok(IE1, [CANARY]), ok("fd7a:115c:a1e0::53", [CANARY])),
        "S2-custom-dns-split", {"multiple-vpn-dns-conflict", "other-vpn-takes-dns"}, Verdict.DEGRADED),
    "resolv-conf-not-stub": (
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver("192.168.1.1"),
                            resolver(IE1, "unused", "tun0", origin=NOT_ASKED),
                            resolver(IE2, "unused", "tun0", origin=NOT_ASKED)),
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY]), ok(IE2, [CANARY])),
        "S2-custom-dns-split", {"linux-resolv-conf-not-stub", "pushed-dns-not-applied"}, Verdict.BROKEN),
    "resolv-conf-not-stub-only-the-tunnels-unused-servers": (
        # resolved's unused server on eth0 is not one of the VPN's held ones
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver("192.168.1.1"), resolver("192.168.1.53", "unused", "eth0", origin=NOT_ASKED),
                            resolver(IE1, "unused", "tun0", origin=NOT_ASKED),
                            resolver(IE2, "unused", "tun0", origin=NOT_ASKED)),
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY]), ok(IE2, [CANARY])),
        "S2-custom-dns-split", {"linux-resolv-conf-not-stub", "pushed-dns-not-applied"}, Verdict.BROKEN),
    "resolved-own-inactive-link-is-another-cause": (
        # resolved itself asks nothing of tun0 (DefaultRoute=no, no domain): not this code
        snapshot(tunnel_routes=(VPC, PEER), manager=DnsManager.SYSTEMD_RESOLVED, stub=True,
                 resolvers=(resolver("192.168.1.1", "link", "eth0", origin="resolved link 2 (eth0)"),
                            resolver(IE1, "inactive", "tun0", origin="resolved link 10 (tun0)")),
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY])),
        "S2-custom-dns-split", {"linux-resolved-vpn-not-default"}, Verdict.DEGRADED),
    # issue 23: the Linux rules' evidence in full (the goldens show it word for word)
    "resolved-vpn-races-global-lan-with-routing-domains": (
        # tun0 keeps DefaultRoute with two routing domains (no ~.), the LAN server is resolved's
        # global DNS= (no link): both get every other name
        snapshot(tunnel_routes=(VPC,), manager=DnsManager.SYSTEMD_RESOLVED, stub=True,
                 resolvers=(resolver("192.168.1.1", "global", None, origin="resolved global"),
                            resolver("10.0.0.2", "link", "tun0", ("corp.internal", "corp.example"),
                                     origin="resolved link 10 (tun0)"))),
        run(ok("192.168.1.1", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"linux-resolved-vpn-not-default"}, Verdict.DEGRADED),
    "resolv-conf-not-stub-generated-three-vpn-servers": (
        # a resolv.conf generated by WSL names two servers; resolved holds the VPN's three: the
        # probe results of the first two only are shown
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2, IE3), resolv_conf_by="wsl",
                 resolvers=(resolver("172.17.128.1"), resolver("172.17.128.2"),
                            resolver(IE1, "unused", "tun0", origin=NOT_ASKED),
                            resolver(IE2, "unused", "tun0", origin=NOT_ASKED),
                            resolver(IE3, "unused", "tun0", origin=NOT_ASKED)),
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok("172.17.128.1", [CANARY]), ok(IE1, [CANARY]), ok(IE2, [CANARY]), ok(IE3, [CANARY])),
        "S2-custom-dns-split", {"linux-resolv-conf-not-stub", "pushed-dns-not-applied"}, Verdict.BROKEN),
    "resolv-conf-not-stub-no-nameserver": (
        # /etc/resolv.conf without a nameserver line (glibc then asks 127.0.0.1)
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1,),
                 resolvers=(resolver(IE1, "unused", "tun0", origin=NOT_ASKED),),
                 extra_captured={Evidence.RESOLV_CONF}),
        run(ok(IE1, [CANARY])),
        "S2-custom-dns-split", {"linux-resolv-conf-not-stub", "pushed-dns-not-applied"}, Verdict.BROKEN),
    "resolv-conf-not-stub-tunnel-unknown": (
        # resolvectl and resolv.conf pasted without ip addr / ip route: whether the tunnel is up
        # is not known, so nothing is said about its DNS
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                 resolvers=(resolver("192.168.1.1"), resolver(IE1, "unused", "tun0", origin=NOT_ASKED),
                            resolver(IE2, "unused", "tun0", origin=NOT_ASKED)),
                 captured={Evidence.DNS_GLOBAL, Evidence.DNS_LINKS, Evidence.RESOLV_CONF, Evidence.VPN_LOG}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY]), ok(IE2, [CANARY])),
        "cannot-tell", set(), Verdict.CANNOT_TELL),
    "single-label-no-suffix": (
        s2(link_search=(LinkSearch(None, (), "/etc/resolv.conf search"), LinkSearch("tun0", (), "resolved link 10"))),
        run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
            names=(CANARY, DB, SHORT), system=[("db.corp.internal", ("10.1.5.5",), None),
                                               ("db", (), "Name or service not known")]),
        "S2-custom-dns-split", {"single-label-name-fails"}, Verdict.DEGRADED),
    "single-label-global-search-list-lacks-the-domain": (
        # no per-link lists: the global one (resolv.conf search) is shown; the full name, written with
        # its root dot, is known only from a direct answer (two addresses)
        _dns(s2(), search_domains=("Example.COM.",)),
        run(ok(IE1, [CANARY]), ok(IE1, [DBDOT], ("10.1.5.5", "10.1.5.6")), ok(IE2, [CANARY]),
            names=(CANARY, DBDOT, SHORT), system=[("db", (), "Name or service not known")]),
        "S2-custom-dns-split", {"single-label-name-fails"}, Verdict.DEGRADED),
    "single-label-link-search-has-the-domain": (
        # the tunnel link's list has the domain (written Corp.Internal.): no "missing" line; the short name
        # still failed (two resolver addresses for the full name)
        s2(link_search=(LinkSearch("tun0", ("Corp.Internal.", "corp.example"), "resolved link 10"),)),
        run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]),
            names=(CANARY, DB, SHORT), system=[("db.corp.internal", ("10.1.5.5", "10.1.5.6"), None),
                                               ("db", (), "Name or service not known")]),
        "S2-custom-dns-split", {"single-label-name-fails"}, Verdict.DEGRADED),
    "single-label-short-form-of-a-pushed-domain": (
        # the profile pushes DOMAIN Corp.Internal.; db.corp.internal (from the config) resolves, and the OS
        # resolver was asked its short form "db" (not in the names given): not found
        _vpn(s2(), pushed=PushedConfig(dns_servers=(IE1, IE2), routes=(VPC, PEER), source="openvpn.log",
                                       tunnel_mode=TunnelMode.SPLIT, domains=("Corp.Internal.", "."))),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), names=(CANARY, DBCFG, NameCheck("intranet", origin="user")),
            system=[("db.corp.internal", ("10.1.5.5",), None), ("db", (), "Name or service not known"),
                    ("intranet", ("10.1.5.9",), None)]),
        "S2-custom-dns-split", {"single-label-name-fails"}, Verdict.DEGRADED),
    "single-label-three-names-two-domains-missing": (
        # no per-link lists: the global one is shown (two domains, one written with its root dot);
        # db/web/app fail short and resolve in full, mail fails both ways (not a search-list
        # problem: left out); corp.internal is on the list, apps.internal and svc.internal are not
        _dns(s2(), search_domains=("corp.internal.", "lab.internal")),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]),
            names=(CANARY, NameCheck("db", origin="user"), NameCheck("web", origin="user"),
                   NameCheck("app", origin="user"), NameCheck("mail", origin="user"),
                   NameCheck("db.corp.internal", origin="user"), NameCheck("web.apps.internal", origin="user"),
                   NameCheck("app.svc.internal", origin="user"), NameCheck("mail.corp.internal", origin="user")),
            system=[("db", (), "Name or service not known"), ("web", (), "Name or service not known"),
                    ("app", (), "Name or service not known"), ("mail", (), "Name or service not known"),
                    ("db.corp.internal", ("10.1.5.5",), None), ("web.apps.internal", ("10.1.6.6", "10.1.6.7"), None),
                    ("app.svc.internal", ("10.1.7.7",), None),
                    ("mail.corp.internal", (), "Name or service not known")]),
        "S2-custom-dns-split", {"single-label-name-fails"}, Verdict.DEGRADED),
    "single-label-with-suffix": (
        s2(), run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
                  names=(CANARY, DB, SHORT), system=[("db.corp.internal", ("10.1.5.5",), None),
                                                     ("db", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "large-answer-lost": (
        s2(), run(ok(IE1, [CANARY]), probe(IE1, BIG.name, "timeout", transports=("udp",), qtype="TXT"),
                  probe(IE1, BIG.name, "nodata", transports=("tcp",), qtype="TXT"),
                  ok(IE2, [CANARY]), probe(IE2, BIG.name, "timeout", transports=("udp",), qtype="TXT"),
                  probe(IE2, BIG.name, "nodata", transports=("tcp",), qtype="TXT"), names=(CANARY, BIG)),
        "S2-custom-dns-split", {"dns-large-answer-lost"}, Verdict.DEGRADED),
    "large-answer-fine": (
        s2(), run(ok(IE1, [CANARY]), probe(IE1, BIG.name, "nodata", qtype="TXT"), ok(IE2, [CANARY]),
                  probe(IE2, BIG.name, "nodata", qtype="TXT"), names=(CANARY, BIG)),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "dns-firewall-blocks-canary": (
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(VPC2, IE1), resolvers=(resolver(VPC2), resolver(IE1))),
        run(probe(VPC2, CANARY.name, "nxdomain"), ok(IE1, [CANARY])),
        "S2-custom-dns-split", {"dns-firewall-blocks"}, Verdict.DEGRADED),
    "dns-firewall-blocks-expected-public-names": (
        # names the user (or the config) expects public get NXDOMAIN from the VPN's first server while
        # the other answers them: an error (the canary alone is a warning); a public name nobody answers
        # is not a block
        s2(), run(ok(IE1, [CANARY]), ok(IE2, [CANARY]),
                  probe(IE1, PUB0.name, "nxdomain"), probe(IE2, PUB0.name, "nxdomain"),
                  probe(IE1, PUB.name, "nxdomain"), ok(IE2, [PUB], ("93.184.216.34",)),
                  probe(IE1, PUBCFG.name, "nodata"), ok(IE2, [PUBCFG], ("93.184.216.35",)),
                  names=(CANARY, PUB0, PUB, PUBCFG)),
        "S2-custom-dns-split", {"dns-firewall-blocks"}, Verdict.BROKEN),
    "endpoint-old-resolve-error-tunnel-up": (
        # a resolve error in the log of a session that did connect: not a finding
        s2(profile=profile(), log_errors=("RESOLVE: Cannot resolve host address: cvpn-endpoint-0123456789abcdef0.prod."
                                          "clientvpn.eu-west-1.amazonaws.com:443 (Name or service not known)",)),
        s2_ok(), "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "endpoint-name-not-found-while-tunnel-up": (
        # the OS resolver cannot resolve the endpoint's (random-prefixed) name now: the next connect fails
        s2(profile=profile()),
        run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), names=(CANARY, NameCheck("intranet", origin="user"),
                                                         NameCheck("vpn.example.com", origin="profile"), ENDPOINT),
            system=[("intranet", (), "Name or service not known"), ("vpn.example.com", (), "Name or service not known"),
                    (ENDPOINT.name, (), "Name or service not known")]),
        "S2-custom-dns-split", {"endpoint-name-unresolvable"}, Verdict.BROKEN),
    "stale-positive-cache-among-other-names": (
        # only db.corp.internal (user) and api.corp.internal (config) are stale: a probe-only name, a
        # public name whose addresses rotate (the canary), a name the OS was not asked, one it gives IPv6
        # only, one it gives as the servers do, are not
        s2(), run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), probe(IE1, BIG.name, "nodata", qtype="TXT"),
                  ok(IE1, [SAME], ("10.1.5.7",)), ok(IE1, [V6ONLY], ("10.1.5.8",)), ok(IE1, [NOSYS], ("10.1.5.9",)),
                  ok(IE1, [DB], ("10.1.5.5",)), ok(IE2, [DB], ("10.1.5.5",)), probe(IE1, APICFG.name, "nxdomain"),
                  names=(BIG, CANARY, NOSYS, V6ONLY, SAME, DB, APICFG),
                  system=[(BIG.name, ("10.9.9.1",), None), (CANARY.name, ("198.51.100.7",), None),
                          (V6ONLY.name, ("2001:db8::8",), None), (SAME.name, ("10.1.5.7",), None),
                          (DB.name, ("54.77.1.2", "2001:db8::1", "54.77.1.1"), None), (APICFG.name, ("54.77.1.3",), None)]),
        # (api.corp.internal's NXDOMAIN from the VPN's resolver, which answers the canary: the zone)
        "S2-custom-dns-split", {"stale-positive-cache", "phz-not-associated"}, Verdict.BROKEN),
    "public-answers-for-two-private-names": (
        # a public name is not this code's; an expectation of one address met by one of the answers is met
        s2(), run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), ok(IE1, [PUB], ("93.184.216.34",)),
                  ok(IE1, [RDS], ("54.77.1.2",)), ok(IE1, [RDS2], ("54.77.1.3",)),
                  ok(IE1, [PINNED], ("10.1.5.5", "54.77.1.4")), names=(CANARY, PUB, RDS, RDS2, PINNED)),
        "S2-custom-dns-split", {"public-answer-for-private-service"}, Verdict.BROKEN),
    "pushed-dns-behind-an-answering-stub": (
        # only the stub's address is shown (its own servers were not read) and it answers: the pushed
        # server may well be behind it -- not a finding
        snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("127.0.0.53"),),
                 captured={Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6, Evidence.DNS_GLOBAL, Evidence.VPN_LOG}),
        run(ok("127.0.0.53", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "pushed-dns-behind-a-silent-stub": (
        # the stub answers nothing: the pushed server is not in use (manager unknown, source not named)
        _vpn(snapshot(tunnel_routes=(VPC,), pushed_dns=("10.0.0.2",), resolvers=(resolver("127.0.0.53"),),
                      manager=DnsManager.UNKNOWN,
                      captured={Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6, Evidence.DNS_GLOBAL,
                                Evidence.VPN_LOG}),
             pushed=PushedConfig(dns_servers=("10.0.0.2",), routes=(VPC,), source="", tunnel_mode=TunnelMode.SPLIT)),
        run(silent("127.0.0.53", [CANARY]), ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", {"pushed-dns-not-applied"}, Verdict.BROKEN),
    "large-answer-lost-on-one-of-four": (
        # 10.1.0.10 gets the large answer over UDP; 10.1.0.11 not over TCP either; 10.0.0.3 answers small
        # names over TCP only; 10.0.0.2 alone loses the large UDP answer that TCP brings
        snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2, VPC2, "10.0.0.3"),
                 resolvers=(resolver(IE1), resolver(IE2), resolver(VPC2), resolver("10.0.0.3"))),
        run(ok(IE1, [CANARY]), probe(IE1, BIG.name, "nodata", transports=("udp",), qtype="TXT"),
            probe(IE1, BIG.name, "nodata", transports=("tcp",), qtype="TXT"),
            ok(IE2, [CANARY]), probe(IE2, BIG.name, "timeout", qtype="TXT"),
            probe("10.0.0.3", CANARY.name, "timeout", transports=("udp",)),
            probe("10.0.0.3", CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",)),
            probe("10.0.0.3", BIG.name, "timeout", transports=("udp",), qtype="TXT"),
            probe("10.0.0.3", BIG.name, "nodata", transports=("tcp",), qtype="TXT"),
            ok(VPC2, [CANARY]), probe(VPC2, BIG.name, "timeout", transports=("udp",), qtype="TXT"),
            probe(VPC2, BIG.name, "nodata", transports=("tcp",), qtype="TXT"), names=(CANARY, BIG)),
        "S2-custom-dns-split", {"dns-large-answer-lost", "dns-udp-blocked"}, Verdict.DEGRADED),
    "saml-pending": (
        snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),), saml=SamlState.PENDING),
        run(ok("192.168.1.1", [CANARY])),
        "not-connected", {"vpn-not-connected", "saml-login-not-completed"}, Verdict.BROKEN),
    "stale-after-disconnect-two-servers": (
        # an inactive resolver (configured, asked nothing) first does not hide the stale ones after it
        snapshot(tunnels=(), pushed_dns=("10.0.0.2", "10.0.0.3"), disconnected=True,
                 resolvers=(resolver("10.0.0.9", "inactive", "eth0"), resolver("10.0.0.2"), resolver("10.0.0.3"))),
        run(silent("10.0.0.2", [CANARY]), silent("10.0.0.3", [CANARY])),
        "not-connected", {"vpn-not-connected", "stale-vpn-dns-after-disconnect"}, Verdict.BROKEN),
    "stale-after-disconnect-one-udp-blocked": (
        # the tunnel is down: no failover between the VPN's servers is in play, UDP blocked is an error
        snapshot(tunnels=(), pushed_dns=(IE1, IE2), disconnected=True, resolvers=(resolver(IE1), resolver(IE2))),
        run(probe(IE1, CANARY.name, "timeout", transports=("udp",)),
            probe(IE1, CANARY.name, "answer", ("203.0.113.80",), transports=("tcp",)), ok(IE2, [CANARY])),
        "not-connected", {"vpn-not-connected", "stale-vpn-dns-after-disconnect", "dns-udp-blocked"}, Verdict.BROKEN),
    "saml-auth-failed": (
        # what the evidence shows: the refusal, the first three auth/SAML log errors, two reasons, three logs
        _vpn(snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),), saml=SamlState.FAILED,
                      log_errors=("AUTH: Received control message: AUTH_FAILED", "TLS handshake failed",
                                  "SAML response rejected", "auth-token expired", "AUTH_FAILED again")),
             client_profile="corp-vpn", reasons=("eth0 is not a tunnel", "wlan0 is not a tunnel", "no tun up"),
             log_sources=("a.log", "b.log", "c.log", "d.log")),
        run(ok("192.168.1.1", [CANARY])),
        "not-connected", {"vpn-not-connected", "saml-login-not-completed"}, Verdict.BROKEN),
    "saml-completed-tunnel-up": (
        snapshot(tunnel_routes=(VPC,), resolvers=(resolver("10.0.0.2"),), saml=SamlState.PENDING),
        run(ok("10.0.0.2", [CANARY])),
        "S2-custom-dns-split", set(), Verdict.HEALTHY),
    "macos-resolv-conf-not-vpn": (
        snapshot(platform=Platform.MACOS, tunnels=(("utun3", "172.16.0.130/27"),), tunnel_routes=(VPC, PEER),
                 lan=("en0", "192.168.1.23/24", "192.168.1.1"),
                 resolvers=(resolver("192.168.1.1", "global", "en0", origin="scutil resolver #1"),
                            resolver(IE1, "domain", "utun3", ("corp.internal",), origin="scutil resolver #8")),
                 resolv_conf_nameservers=("192.168.1.1",), extra_captured={Evidence.RESOLV_CONF}),
        run(ok("192.168.1.1", [CANARY]), ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), names=NAMES,
            system=[("db.corp.internal", ("10.1.5.5",), None)]),
        "S2-custom-dns-split", {"macos-resolv-conf-not-vpn"}, Verdict.DEGRADED),
    "macos-resolv-conf-after-disconnect": (
        # the VPN is gone but scutil still has its match-domain resolver: stale, and what
        # /etc/resolv.conf lists no longer matters
        snapshot(platform=Platform.MACOS, tunnels=(), lan=("en0", "192.168.1.23/24", "192.168.1.1"), pushed_dns=(IE1,),
                 disconnected=True,
                 resolvers=(resolver("192.168.1.1", "global", "en0", origin="scutil resolver #1"),
                            resolver(IE1, "domain", "utun3", ("corp.internal",), origin="scutil resolver #8")),
                 resolv_conf_nameservers=("192.168.1.1",), extra_captured={Evidence.RESOLV_CONF}),
        run(ok("192.168.1.1", [CANARY]), silent(IE1, [CANARY])),
        "not-connected", {"vpn-not-connected", "stale-vpn-dns-after-disconnect"}, Verdict.BROKEN),
})


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_case(case):
    snap, probes, scenario, codes, verdict = CASES[case]
    # The built inputs are valid report data: they survive a JSON round trip.
    snap = Snapshot.from_dict(snap.to_dict())
    probes = ProbeRun.from_dict(probes.to_dict())
    d = classify(snap, probes)
    assert d.scenario.id == scenario, d.scenario.evidence
    assert {f.code for f in d.findings} == codes, [(f.code, f.evidence) for f in d.findings]
    assert d.verdict is verdict
    for f in d.findings:
        assert f.evidence, f"{f.code} fired without evidence"
        assert f.user_fix and f.admin_fix and f.doc


def test_every_generic_code_fires_and_stays_silent_somewhere():
    fired: dict[str, int] = {}
    for snap, probes, *_ in CASES.values():
        for f in classify(snap, probes).findings:
            fired[f.code] = fired.get(f.code, 0) + 1
    generic = {r.__name__.replace("_", "-") for r in RULES
               if r.__module__ in ("agent.rules.tunnel", "agent.rules.dns", "agent.rules.linux", "agent.rules.local")}
    missing = {c for c in generic if c not in fired}
    assert not missing, f"codes never shown firing: {missing}"
    always = {c for c, n in fired.items() if n == len(CASES)}
    assert not always


def test_every_code_has_exactly_one_rule():
    from agent.findings import CATALOGUE

    codes = [r.__name__.replace("_", "-") for r in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) == set(CATALOGUE), set(CATALOGUE) ^ set(codes)


def test_rule_names_match_codes_and_have_docstrings():
    from agent.findings import CATALOGUE

    for rule in RULES:
        code = rule.__name__.replace("_", "-")
        assert code in CATALOGUE, code
        assert rule.__doc__ and len(rule.__doc__) > 40, f"{code}: docstring must name the AWS behaviour"


def test_scenario_evidence_explains_the_decision():
    snap, probes, *_ = CASES["S2-healthy"]
    d = classify(snap, probes)
    assert any("split tunnel" in e for e in d.scenario.evidence)
    assert any("10.1.0.10" in e for e in d.scenario.evidence)


def test_findings_ordered_by_severity_then_code():
    mk = lambda code, sev: Finding(code=code, severity=Severity(sev), title="t", explanation="e")  # noqa: E731
    got = order([mk("b", "info"), mk("z", "error"), mk("a", "warning"), mk("c", "error")])
    assert [f.code for f in got] == ["c", "z", "a", "b"]


@pytest.mark.parametrize("scenario,sevs,expected", [
    ("S2-custom-dns-split", [], Verdict.HEALTHY),
    ("S2-custom-dns-split", ["info"], Verdict.HEALTHY),
    ("S2-custom-dns-split", ["info", "warning"], Verdict.DEGRADED),
    ("S2-custom-dns-split", ["warning", "error"], Verdict.BROKEN),
    ("not-connected", [], Verdict.NOT_CONNECTED),
])
def test_verdict(scenario, sevs, expected):
    findings = tuple(Finding(code=f"x{i}", severity=Severity(s), title="t", explanation="e") for i, s in enumerate(sevs))
    assert verdict_of(scenario, findings) is expected


def test_kernel_route_answer_beats_the_table():
    from agent.rules.context import Context

    snap, probes, *_ = CASES["S3-route-outside-tunnel-kernel"]
    ri = Context(snap, probes).route_to("10.0.0.2")
    assert (ri.interface, ri.via_tunnel, ri.method) == ("eth0", False, "ip route get")
    assert Context(snap).route_to("10.0.0.3").via_tunnel  # no kernel answer: longest prefix of the table


# --------------------------------------------------------------------------- the same cases without the VPN log

def _without_log(snap: Snapshot) -> Snapshot:
    import dataclasses
    from agent.model import Evidence, TunnelMode
    return dataclasses.replace(snap, vpn=dataclasses.replace(snap.vpn, pushed=None, connected_at=None, connected=None,
                                                             log_tunnel_mode=TunnelMode.UNKNOWN,
                                                             disconnected_at=None),
                               captured=tuple(e for e in snap.captured if e is not Evidence.VPN_LOG))


# The machine alone tells these: the VPN's servers sit in a prefix the tunnel carries, on the
# tunnel link, or (full tunnel) at a private address only the tunnel reaches.
SAME_WITHOUT_LOG = {"S2-healthy", "S2-zone-not-associated", "S2-primary-servfail", "S2-primary-down",
                    "S2-all-silent-in-tunnel", "S2-tcp-blocked", "S2-udp-blocked", "S2-public-answer-rds",
                    "S2-system-disagrees", "S2-system-disagrees-on-two-names", "S2-zone-not-associated-two-names", "S2-lan-overlaps", "S3-healthy", "S3-other-vpc-plus2",
                    "resolved-vpn-not-default", "resolved-vpn-default-ok", "resolved-split-dns-domain-only",
                    "two-vpns", "S2-ipv6-leak", "S2-ipv6-leak-on-a-resolved-link", "not-connected", "S2-linklocal",
                    # issue 17: the machine tells these too
                    "hosts-stale-entry", "hosts-entry-same-as-dns", "stale-positive-cache", "browser-firefox-doh-only",
                    "browser-chrome-doh-only-firefox-doh-first",
                    "browser-chrome-automatic", "browser-doh-excludes-the-private-domain", "docker-daemon-dns",
                    "docker-installed-but-no-bridge",
                    "browser-firefox-rollout-vpn-dns-does-not-opt-out", "browser-firefox-rollout-vpn-dns-opts-out", "docker-resolved-stub-flattened",
                    "wsl-dns-tunneling-off", "inside-wsl-nat-dns", "resolved-stub-is-not-an-agent",
                    "tailscale-takes-dns", "single-label-no-suffix", "single-label-three-names-two-domains-missing", "single-label-with-suffix", "large-answer-lost",
                    "large-answer-fine", "dns-firewall-blocks-canary", "saml-completed-tunnel-up",
                    "macos-resolv-conf-not-vpn",
                    # issue 23
                    "S2-secondary-udp-blocked", "S2-both-udp-blocked", "S2-udp-blocked-other-answers-tcp-only",
                    "S3-single-server-udp-blocked", "S2-secondary-down", "S3-own-vpc-plus2-silent",
                    "S2-own-vpc-plus2-silent", "resolved-vpn-races-global-lan-with-routing-domains",
                    "resolv-conf-not-stub-tunnel-unknown",
                    # an overlay VPN's resolver on its own tunnel link is not the endpoint's (agent/overlay.py)
                    "tailscale-ipv6-resolver-is-no-lan-leak"}  # (S1 cases need the log: "no custom DNS" is the log's)


# Probes that only the log gives rise to (the short form of a name under a pushed DOMAIN is asked
# of the OS because the log declares the domain): without the log they would not exist.
PROBES_FROM_THE_LOG = {"single-label-short-form-of-a-pushed-domain"}


@pytest.mark.parametrize("case", [c for c in sorted(CASES) if c not in PROBES_FROM_THE_LOG])
def test_case_without_the_log(case):
    """Removing the log removes at most what only the log shows; the cases the machine tells
    give the same scenario, codes and verdict."""
    snap, probes, scenario, codes, verdict = CASES[case]
    d = classify(_without_log(snap), probes)
    got = {f.code for f in d.findings}
    if case in SAME_WITHOUT_LOG:
        assert (d.scenario.id, got, d.verdict) == (scenario, codes, verdict), d.scenario.evidence
    else:
        assert got <= codes, f"added {got - codes}"
        assert d.scenario.id in (scenario, "cannot-tell")
        assert not (verdict is not Verdict.HEALTHY and d.verdict is Verdict.HEALTHY)


@pytest.mark.parametrize("case,code", [("S2-primary-down", "secondary-dns-unreachable"),
                                       ("S2-udp-blocked", "dns-udp-blocked")])
def test_one_of_two_servers_silent_is_the_same_failover_whichever_transport(case, code):
    """AWS KC: clients fail over to the secondary only when the primary is unreachable.  Silent
    on both transports or over UDP only (where lookups go), the user sees the same thing: a
    timeout per query, then the secondary's answer -- one severity, one explanation."""
    snap, probes, *_ = CASES[case]
    f = next(f for f in classify(snap, probes).findings if f.code == code)
    assert f.severity is Severity.WARNING
    assert "a timeout per query" in f.explanation and IE1 in f.explanation
    assert any(e.startswith(IE2 + " udp: answer") for e in f.evidence), f.evidence


def test_secondary_silent_is_named_as_the_secondary():
    snap, probes, *_ = CASES["S2-secondary-down"]
    f = next(f for f in classify(snap, probes).findings if f.code == "secondary-dns-unreachable")
    assert f.title == f"The secondary DNS server {IE2} does not answer"
    assert f.explanation.startswith(f"{IE2} (the secondary) is silent while {IE1} answers.")
    assert "timeout per query" not in f.explanation
    snap, probes, *_ = CASES["S2-secondary-udp-blocked"]
    f = next(f for f in classify(snap, probes).findings if f.code == "dns-udp-blocked")
    assert f.severity is Severity.WARNING and f.explanation.startswith(f"{IE2} answer over TCP but not UDP. Lookups go "
                                                                       f"to {IE1} first")


# --------------------------------------------------------------------------- agent/classify.py in detail
# Which silent server blocks "healthy", how ``facts`` given by the caller is used, the
# verdict's order of precedence, and the debug trace of the rules (issue 23: mutation testing).

import logging  # noqa: E402

from agent.classify import BLOCKS_HEALTH, unexplained_silence  # noqa: E402
from agent.model import Facts, Known, ProbeFact, ResolverScope, ServerFact, Unknown  # noqa: E402

SILENT = (ProbeFact(Transport.UDP, probes=2, replies=0), ProbeFact(Transport.TCP, probes=2, replies=0))
HALF = (ProbeFact(Transport.UDP, probes=2, replies=0), ProbeFact(Transport.TCP, probes=2, replies=1))


def server(address="10.0.0.2", role="", scope=None, probes=SILENT) -> ServerFact:
    return ServerFact(address=address, role=role, scope=scope, probes=probes)


@pytest.mark.parametrize("fact,silent", [
    (server(role="primary"), True),                                   # the VPN's, silent
    (server(role="primary", scope=ResolverScope.INACTIVE), True),      # a role is enough
    (server(scope=ResolverScope.GLOBAL), True),                        # the OS asks it
    (server(scope=ResolverScope.DOMAIN), True),
    (server(scope=ResolverScope.INACTIVE), False),                     # configured, asked nothing
    (server(scope=ResolverScope.UNUSED), False),
    (server(), False),                                                 # neither the VPN's nor in use
    (server(role="secondary", probes=HALF), False),                    # one reply is not silence
    (server(role="secondary", probes=()), False),                      # not probed is not silent
])
def test_unexplained_silence_is_of_servers_in_use_that_never_replied(fact, silent):
    got = unexplained_silence(Facts(servers=(fact,)))
    assert got == ((fact.address,) if silent else ())


def test_unexplained_silence_keeps_the_order_of_the_servers():
    facts = Facts(servers=(server("10.0.0.3", role="secondary"), server("10.0.0.9"),
                           server("10.0.0.2", role="primary")))
    assert unexplained_silence(facts) == ("10.0.0.3", "10.0.0.2")


def _sev(code, sev):
    return Finding(code=code, severity=Severity(sev), title="t", explanation="e")


PROBED = Facts(probed=True)


@pytest.mark.parametrize("scenario,findings,facts,want", [
    ("S2-custom-dns-split", (), PROBED, Verdict.HEALTHY),
    ("S2-custom-dns-split", (), Facts(probed=False), Verdict.CANNOT_TELL),
    ("S2-custom-dns-split", (), Facts(probed=True, servers=(server(role="primary"),)), Verdict.CANNOT_TELL),
    ("S2-custom-dns-split", (_sev("x", "warning"),), Facts(probed=False), Verdict.DEGRADED),
    ("S2-custom-dns-split", (_sev("x", "info"),), PROBED, Verdict.HEALTHY),
    ("cannot-tell", (), PROBED, Verdict.CANNOT_TELL),
    ("cannot-tell", (_sev("x", "warning"),), PROBED, Verdict.DEGRADED),
    ("cannot-tell", (_sev("x", "error"),), PROBED, Verdict.BROKEN),
    ("not-connected", (_sev("vpn-not-connected", "error"),), PROBED, Verdict.NOT_CONNECTED),
    ("not-connected", (_sev("vpn-not-connected", "error"), _sev("w", "warning")), PROBED, Verdict.NOT_CONNECTED),
    ("not-connected", (_sev("vpn-not-connected", "error"), _sev("e", "error")), PROBED, Verdict.BROKEN),
    ("S2-custom-dns-split", (_sev("vpn-not-connected", "error"),), PROBED, Verdict.HEALTHY),
])
def test_verdict_precedence(scenario, findings, facts, want):
    assert verdict_of(scenario, findings, facts) is want


@pytest.mark.parametrize("topic", sorted(BLOCKS_HEALTH))
def test_an_unknown_that_healthy_would_claim_blocks_it(topic):
    facts = Facts(probed=True, unknowns=(Unknown(topic, "w"),))
    assert verdict_of("S2-custom-dns-split", (), facts) is Verdict.CANNOT_TELL


@pytest.mark.parametrize("topic", ["pushed-dns", "local", "nrpt", ""])
def test_other_unknowns_do_not_block_healthy(topic):
    facts = Facts(probed=True, unknowns=(Unknown(topic, "w"),))
    assert verdict_of("S2-custom-dns-split", (), facts) is Verdict.HEALTHY


def test_blocks_health_is_exactly_what_healthy_claims():
    assert BLOCKS_HEALTH == {"tunnel", "tunnel-mode", "custom-dns", "resolvers", "routes", "ipv6-routes", "probes"}


def test_classify_uses_the_facts_it_is_given():
    snap, probes, *_ = CASES["S2-healthy"]
    assert classify(snap, probes).verdict is Verdict.HEALTHY
    told = classify(snap, probes).scenario
    assert told.id == "S2-custom-dns-split"
    # the same inputs with facts saying nothing was probed and no tunnel is known
    d = classify(snap, probes, facts=Facts(tunnel=Known.NOT_CAPTURED))
    assert d.scenario.id == "cannot-tell" and d.verdict is Verdict.CANNOT_TELL


def test_classify_runs_only_the_rules_it_is_given():
    from agent.rules import tunnel
    snap, probes, *_ = CASES["stale-after-disconnect"]
    d = classify(snap, probes, rules=(tunnel.vpn_not_connected,))
    assert [f.code for f in d.findings] == ["vpn-not-connected"] and d.verdict is Verdict.NOT_CONNECTED


def test_each_rule_that_fires_is_traced(caplog):
    snap, probes, *_ = CASES["stale-after-disconnect"]
    with caplog.at_level(logging.DEBUG, logger="agent.classify"):
        classify(snap, probes)
    msgs = [r.getMessage() for r in caplog.records if r.name == "agent.classify"]
    assert "rule vpn_not_connected fired: vpn-not-connected" in msgs
    assert "rule stale_vpn_dns_after_disconnect fired: stale-vpn-dns-after-disconnect" in msgs


# --------------------------------------------------------------------------- agent/rules/context.py in detail

from agent.model import Answer, Outcome, ProbeResult, SystemLookup, Transport as _T  # noqa: E402
from agent.rules.context import ServerStatus, expectation_met, says_not_found  # noqa: E402


def _p(name, outcome, transport=_T.UDP, answers=()):
    return ProbeResult(server="10.0.0.2", port=53, name=name, qtype="A", transport=transport, outcome=Outcome(outcome),
                       answers=tuple(Answer(a, a.startswith("10.")) for a in answers), rtt_ms=12.0)


@pytest.mark.parametrize("expected,addresses,met", [
    (None, ("10.0.0.1",), None), ("", ("10.0.0.1",), None),
    ("private", (), False), ("public", (), False), ("10.0.0.1", (), False),
    ("private", ("10.0.0.1", "192.168.1.9"), True), ("private", ("10.0.0.1", "54.1.2.3"), False),
    ("public", ("54.1.2.3", "93.184.216.34"), True), ("public", ("54.1.2.3", "10.0.0.1"), False),
    ("10.0.0.1", ("10.0.0.9", "10.0.0.1"), True), ("10.0.0.1", ("10.0.0.9",), False),
])
def test_expectation_met(expected, addresses, met):
    assert expectation_met(expected, addresses) is met


@pytest.mark.parametrize("lookup,not_found", [
    (None, False),
    (SystemLookup("x", addresses=(), error="Name or service not known"), True),
    (SystemLookup("x", addresses=(), error="No address associated with hostname"), True),
    (SystemLookup("x", addresses=(), error="Temporary failure in name resolution"), False),
    (SystemLookup("x", addresses=(), error=""), False),
    (SystemLookup("x", addresses=(Answer("10.0.0.1", True),), error="Name or service not known"), False),
])
def test_says_not_found_only_for_a_definite_no(lookup, not_found):
    assert says_not_found(lookup) is not_found


def test_outcome_for_prefers_udp_then_falls_back_to_tcp_for_that_name_only():
    st = ServerStatus("10.0.0.2", (_p("a", "timeout", _T.TCP), _p("a", "nxdomain", _T.UDP), _p("b", "answer", _T.TCP),
                                   _p("c", "servfail", _T.UDP)))
    assert st.outcome_for("a") is Outcome.NXDOMAIN                 # UDP first
    assert st.outcome_for("a", _T.TCP) is Outcome.TIMEOUT
    assert st.outcome_for("b") is Outcome.ANSWER                   # no UDP result: the TCP one
    assert st.outcome_for("c", _T.TCP) is None                     # no fallback from TCP to UDP
    assert st.outcome_for("zzz") is None


def test_best_is_a_reply_over_udp_then_tcp_and_a_truncated_one_last():
    tc = _p("a", "truncated", _T.UDP)
    st = ServerStatus("10.0.0.2", (_p("a", "timeout", _T.UDP), tc, _p("a", "answer", _T.TCP, ("10.0.0.1",))))
    assert st.best("a").transport is _T.TCP and st.best("a").outcome is Outcome.ANSWER
    st = ServerStatus("10.0.0.2", (_p("a", "timeout", _T.TCP), tc))
    assert st.best("a") is tc
    st = ServerStatus("10.0.0.2", (_p("a", "timeout", _T.TCP), _p("a", "nodata", _T.UDP)))
    assert st.best("a").outcome is Outcome.NODATA
    assert ServerStatus("10.0.0.2", ()).best("a") is None


def test_summary_lists_each_transport_probed():
    assert ServerStatus("10.0.0.2", ()).summary() == "10.0.0.2 not probed"
    st = ServerStatus("10.0.0.2", (_p("a", "answer", _T.TCP, ("10.0.0.1",)), _p("b", "timeout", _T.TCP)))
    assert st.summary() == "10.0.0.2 tcp: answer/timeout (2 probes, 12-12 ms)"


def test_the_context_derives_its_facts_from_every_input_it_is_given():
    """Context (what every rule reads) derives the facts from the names and expected servers the
    caller gives, not only from the probes' own names."""
    from agent.facts import derive
    from agent.model import Platform
    from agent.rules.context import Context
    snap = snapshot(tunnel_routes=(VPC,), pushed_dns=(IE1,), resolvers=(resolver(IE1),), platform=Platform.MACOS)
    probes = run(ok(IE1, [CANARY]), names=(CANARY,))
    ctx = Context(snap, probes, (CANARY, DB), ("10.9.9.9",))
    assert ctx.facts == derive(snap, probes, (CANARY, DB), ("10.9.9.9",))
    assert ctx.facts.server("10.9.9.9").seen_as == ("expected",)
    assert [r.name for r in ctx.facts.resolution] == ["aws.amazon.com", "db.corp.internal"]


# --------------------------------------------------------------------------- agent/rules/linux.py in detail

@pytest.mark.parametrize("case", ["resolv-conf-not-stub", "resolved-vpn-not-default"])
@pytest.mark.parametrize("platform", [Platform.MACOS, Platform.WINDOWS])
def test_linux_codes_never_fire_on_another_os(case, platform):
    """The same evidence from another OS is not a Linux finding (systemd-resolved and
    /etc/resolv.conf mean something else there)."""
    import dataclasses

    from agent.rules.context import Context
    from agent.rules.linux import linux_resolv_conf_not_stub, linux_resolved_vpn_not_default
    LINUX_RULES = (linux_resolved_vpn_not_default, linux_resolv_conf_not_stub)
    snap, probes, *_ = CASES[case]
    assert any(rule(Context(snap, probes)) for rule in LINUX_RULES)
    other = Context(dataclasses.replace(snap, platform=platform), probes)
    assert [rule(other) for rule in LINUX_RULES] == [None, None]
