"""The probe plan, the probe engine and the address helpers, against tests/fakedns.py.

Every packet goes to 127.0.0.1 / ::1.  The OS resolver view is always injected (the real
getaddrinfo could send queries beyond loopback).  Elapsed-time asserts are hang bounds
(deadline + 0.5 s), not benchmarks.
"""
from __future__ import annotations

import errno
import json
import socket
import threading
import time

import dns.flags
import dns.message
import dns.rrset
import pytest

from agent import netclass, probes
from agent.model import (Family, IfAddress, Interface, InterfaceKind, NameCheck, NrptRule, Outcome, Platform,
                         ProbeRun, PushedConfig, Resolver, ResolverScope, RouteLookup, Snapshot, Transport,
                         VpnEvidence, VpnProfile, DnsConfig)
from tests.fakedns import FakeDNS, Fault
from tests.platform_limits import REFUSED_CONNECT_S

UDP, TCP = Transport.UDP, Transport.TCP
HANG_MARGIN_S = 0.5
RECORDS = {"app.corp.example": ["10.1.2.3", "54.239.28.85"], "v6.corp.example": ["fd00::53"]}


def _no_system_lookup(name: str):
    raise AssertionError(f"test tried a real getaddrinfo({name!r})")


def _run(plan, deadline_s=1.0, **kw):
    kw.setdefault("system_names", ())
    kw.setdefault("resolve", _no_system_lookup)
    t0 = time.perf_counter()
    result = probes.run(plan, deadline_s, **kw)
    elapsed = time.perf_counter() - t0
    assert elapsed < deadline_s + HANG_MARGIN_S, f"run took {elapsed:.2f}s for a {deadline_s}s deadline"
    return result, elapsed


def _by(result: ProbeRun):
    return {(r.server, r.port, r.name, r.transport): r for r in result.results}


def _snapshot(**kw) -> Snapshot:
    return Snapshot(platform=Platform.LINUX, collected_at="2026-01-01T00:00:00Z", **kw)


LO = Interface(name="lo", kind=InterfaceKind.LOOPBACK,
               addresses=(IfAddress(Family.INET, "127.0.0.1", 8), IfAddress(Family.INET6, "::1", 128)))
TUN = Interface(name="tun0", kind=InterfaceKind.TUNNEL, addresses=(IfAddress(Family.INET, "10.0.0.98", 27),))


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------- netclass


@pytest.mark.parametrize("address, klass", [
    ("10.1.2.3", "rfc1918"), ("172.31.0.2", "rfc1918"), ("192.168.1.1", "rfc1918"),
    ("100.64.0.1", "cgnat"), ("100.127.255.254", "cgnat"), ("100.128.0.1", "public"),
    ("169.254.169.253", "link-local"), ("127.0.0.53", "loopback"), ("0.0.0.0", "unspecified"),
    ("192.0.2.1", "documentation"), ("224.0.0.251", "multicast"), ("255.255.255.255", "reserved"),
    ("54.239.28.85", "public"), ("8.8.8.8", "public"), ("172.32.0.1", "public"),
    ("fd00::53", "ula"), ("fe80::1%eth0", "link-local"), ("::1", "loopback"), ("::", "unspecified"),
    ("::ffff:10.0.0.2", "rfc1918"), ("::ffff:8.8.4.4", "public"), ("2600:1f18::1", "public"),
    ("2001:db8::1", "documentation"), ("ff02::fb", "multicast"),
])
def test_address_class(address, klass):
    assert netclass.address_class(address) == klass
    assert netclass.is_private(address) is (klass not in ("public", "documentation"))


@pytest.mark.parametrize("bad", ["", "not-an-ip", "10.0.0.256", "::g"])
def test_address_class_rejects_non_addresses(bad):
    with pytest.raises(ValueError):
        netclass.address_class(bad)


def test_interface_owning_and_route_interface():
    snap = _snapshot(interfaces=(LO, TUN),
                     route_lookups=(RouteLookup("10.0.0.2", interface="tun0", method="ip route get"),))
    assert netclass.interface_owning(snap, "10.0.0.98") == "tun0"
    assert netclass.interface_owning(snap, "0:0::1") == "lo"
    assert netclass.interface_owning(snap, "192.168.1.5") is None
    assert netclass.interface_owning(None, "127.0.0.1") is None
    assert netclass.route_interface(snap, "10.0.0.2") == "tun0"
    assert netclass.route_interface(snap, "10.0.0.3") is None


# --------------------------------------------------------------------------- plan


def test_plan_crosses_every_resolver_scope_dedups_and_says_why():
    snap = _snapshot(
        dns=DnsConfig(resolvers=(
            Resolver("10.0.0.2", ResolverScope.LINK, interface="tun0", origin="resolved link 5 (tun0)"),
            Resolver("192.168.1.1", ResolverScope.GLOBAL, origin="resolv.conf"),
            Resolver("10.0.0.2", ResolverScope.GLOBAL, origin="resolv.conf"),            # same (addr, port)
            Resolver("10.0.0.2", ResolverScope.GLOBAL, port=5353, origin="resolv.conf"),  # other port: kept
            Resolver("172.16.0.2", ResolverScope.DOMAIN, domains=("corp.example",), origin="scutil resolver #2"),
            Resolver("192.168.1.254", ResolverScope.SCOPED, interface="en0"),
            Resolver("fe80::1%en0", ResolverScope.INACTIVE, interface="en0", origin="resolved link 2 (en0)"),
        ), nrpt=(NrptRule("rule1", namespaces=(".corp.example",), servers=("172.16.0.3",)),)),
        vpn=VpnEvidence(pushed=PushedConfig(dns_servers=("10.0.0.2", "10.0.0.3"), source="ovpn.log"),
                        profile=VpnProfile(path="a.ovpn", dns_servers=("10.0.0.4",))))
    names = [NameCheck("app.corp.example"), NameCheck("APP.corp.example."), NameCheck("aws.amazon.com", origin="canary")]
    p = probes.plan(snap, names, extra_servers=["10.0.0.2", "10.0.0.5#5300", "[::1]:5353", "bogus", "10.0.0.6#0"])

    servers = [(s.address, s.port) for s in p.servers]
    assert servers == [("10.0.0.2", 53), ("192.168.1.1", 53), ("10.0.0.2", 5353), ("172.16.0.2", 53),
                       ("192.168.1.254", 53), ("fe80::1%en0", 53), ("172.16.0.3", 53), ("10.0.0.3", 53),
                       ("10.0.0.4", 53), ("10.0.0.5", 5300), ("::1", 5353)]
    by_addr = {(s.address, s.port): s for s in p.servers}
    vpn_dns = by_addr[("10.0.0.2", 53)]
    assert len(vpn_dns.reasons) == 4   # link, global, pushed, extra
    assert any("pushed" in r for r in vpn_dns.reasons) and any("extra" in r for r in vpn_dns.reasons)
    assert by_addr[("fe80::1%en0", 53)].inactive and "receives no queries" in by_addr[("fe80::1%en0", 53)].reasons[0]
    assert not vpn_dns.inactive
    assert "corp.example" in by_addr[("172.16.0.2", 53)].reasons[0]
    assert "NRPT" in by_addr[("172.16.0.3", 53)].reasons[0]
    assert any("bogus" in n for n in p.notes) and any("10.0.0.6#0" in n for n in p.notes)

    assert [c.name for c in p.names] == ["app.corp.example", "aws.amazon.com"]  # case/dot duplicates folded
    # every server x every name (domain-scoped ones too) x both transports
    assert len(p.items) == len(p.servers) * 2 * 2
    assert {(i.name, i.transport) for i in p.items if i.server == "172.16.0.2"} == {
        ("app.corp.example", UDP), ("app.corp.example", TCP), ("aws.amazon.com", UDP), ("aws.amazon.com", TCP)}
    assert probes.ProbePlan.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_plan_defaults_to_the_canary_and_honours_transports_and_qtypes():
    p = probes.plan(None, [], ["127.0.0.1#5300"], transports=[UDP], qtypes=["a", "AAAA"])
    assert [c.name for c in p.names] == [probes.DEFAULT_CANARY]
    assert [(i.server, i.port, i.name, i.qtype, i.transport) for i in p.items] == [
        ("127.0.0.1", 5300, "aws.amazon.com", "A", UDP), ("127.0.0.1", 5300, "aws.amazon.com", "AAAA", UDP)]


def test_plan_only_inactive_sources_mark_inactive_and_an_empty_snapshot_plans_nothing():
    snap = _snapshot(dns=DnsConfig(resolvers=(Resolver("10.9.9.9", ResolverScope.INACTIVE),)))
    p = probes.plan(snap, [NameCheck("x.example")])
    assert p.servers[0].inactive and len(p.items) == 2
    assert probes.plan(_snapshot(), [NameCheck("x.example")]).items == ()


@pytest.mark.parametrize("text, expected", [
    ("10.0.0.2", ("10.0.0.2", 53)), (" 10.0.0.2#5353 ", ("10.0.0.2", 5353)), ("[::1]:5300", ("::1", 5300)),
    ("0:0::1", ("::1", 53)), ("[fe80::1%en0]:53", ("fe80::1%en0", 53)), ("[10.0.0.2]", ("10.0.0.2", 53)),
])
def test_parse_server(text, expected):
    assert probes.parse_server(text) == expected


@pytest.mark.parametrize("bad", ["dns.google", "10.0.0.2#x", "10.0.0.2#70000", "[::1]x", ""])
def test_parse_server_rejects(bad):
    with pytest.raises(ValueError):
        probes.parse_server(bad)


# --------------------------------------------------------------------------- run: every fault

FAULT_CASES = [
    (dict(), Outcome.ANSWER, Outcome.ANSWER),
    (dict(mode=Fault.NXDOMAIN), Outcome.NXDOMAIN, Outcome.NXDOMAIN),
    (dict(mode=Fault.SERVFAIL), Outcome.SERVFAIL, Outcome.SERVFAIL),
    (dict(mode=Fault.REFUSED), Outcome.REFUSED, Outcome.REFUSED),
    (dict(mode=Fault.NOTIMP), Outcome.OTHER_RCODE, Outcome.OTHER_RCODE),
    (dict(mode=Fault.DROP), Outcome.TIMEOUT, Outcome.TIMEOUT),
    (dict(udp=Fault.DROP), Outcome.TIMEOUT, Outcome.ANSWER),                 # answers only over TCP
    (dict(tcp=Fault.CLOSED), Outcome.ANSWER, Outcome.CONNECTION_REFUSED),    # answers only over UDP
    (dict(udp=Fault.TRUNCATE), Outcome.TRUNCATED, Outcome.ANSWER),
    (dict(udp=Fault.TRUNCATE, tcp=Fault.STALL), Outcome.TRUNCATED, Outcome.TIMEOUT),
    (dict(mode=Fault.DELAY, delay_s=5.0), Outcome.TIMEOUT, Outcome.TIMEOUT),
    (dict(mode=Fault.WRONG_ID), Outcome.MISMATCHED, Outcome.MISMATCHED),
    (dict(mode=Fault.WRONG_QUESTION), Outcome.MISMATCHED, Outcome.MISMATCHED),
    (dict(mode=Fault.GARBAGE), Outcome.MALFORMED, Outcome.MALFORMED),
    (dict(tcp=Fault.RESET), Outcome.ANSWER, Outcome.CONNECTION_RESET),
    (dict(tcp=Fault.STALL), Outcome.ANSWER, Outcome.TIMEOUT),
    (dict(tcp=Fault.OVERSIZE), Outcome.ANSWER, Outcome.MALFORMED),
    (dict(mode=Fault.CLOSED), Outcome.PORT_UNREACHABLE, Outcome.CONNECTION_REFUSED),
]


@pytest.mark.parametrize("fault, udp_outcome, tcp_outcome", FAULT_CASES,
                         ids=[",".join(f"{k}={getattr(v, 'value', v)}" for k, v in c[0].items()) or "answer"
                              for c in FAULT_CASES])
def test_each_fault_is_classified(fault, udp_outcome, tcp_outcome):
    deadline = 0.6
    if tcp_outcome is Outcome.CONNECTION_REFUSED:
        deadline += REFUSED_CONNECT_S          # Windows takes ~2 s to refuse a closed loopback port
    with FakeDNS(records=RECORDS, **fault) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example")], [srv.server])
        result, _elapsed = _run(p, deadline)
        got = {r.transport: r for r in result.results}
        assert got[UDP].outcome is udp_outcome, got[UDP]
        assert got[TCP].outcome is tcp_outcome, got[TCP]
        for r in result.results:
            assert (r.server, r.port, r.name, r.qtype) == ("127.0.0.1", srv.port, "app.corp.example", "A")
            assert r.source_address == "127.0.0.1"
            if r.outcome.responded or r.outcome in (Outcome.PORT_UNREACHABLE, Outcome.CONNECTION_REFUSED,
                                                    Outcome.CONNECTION_RESET):
                assert r.rtt_ms is not None and 0 <= r.rtt_ms < deadline * 1000
            if r.outcome is Outcome.TIMEOUT:
                assert r.rtt_ms is None and "within" in r.detail
            if r.outcome is Outcome.ANSWER:
                assert r.rcode == "NOERROR"
                assert sorted((a.address, a.private) for a in r.answers) == [("10.1.2.3", True), ("54.239.28.85", False)]
        served = {t for t, _n, _q in srv.queries}
        if fault.get("mode") is not Fault.CLOSED:   # the queries really reached the fake
            expect = {t for t, o in ((UDP, udp_outcome), (TCP, tcp_outcome)) if o is not Outcome.CONNECTION_REFUSED}
            if fault.get("tcp") is Fault.STALL:
                expect.discard(TCP)                 # a stalled server never reads
            assert expect <= served


def test_rcode_text_and_nodata():
    with FakeDNS(records=RECORDS, per_name={"broken.corp.example": Fault.SERVFAIL}) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example"), NameCheck("v6.corp.example"),
                               NameCheck("missing.corp.example"), NameCheck("broken.corp.example")],
                        [srv.server], transports=[UDP])
        result, _ = _run(p)
        got = {r.name: r for r in result.results}
    assert got["v6.corp.example"].outcome is Outcome.NODATA and got["v6.corp.example"].rcode == "NOERROR"
    assert got["missing.corp.example"].outcome is Outcome.NXDOMAIN and got["missing.corp.example"].rcode == "NXDOMAIN"
    assert got["broken.corp.example"].rcode == "SERVFAIL"
    aaaa = probes.plan(None, [NameCheck("v6.corp.example")], ["127.0.0.1#1"], qtypes=["AAAA"])
    assert {i.qtype for i in aaaa.items} == {"AAAA"}


def test_aaaa_answer_is_flagged_private():
    with FakeDNS(records=RECORDS) as srv:
        p = probes.plan(None, [NameCheck("v6.corp.example")], [srv.server], qtypes=["AAAA"])
        result, _ = _run(p)
    assert {r.outcome for r in result.results} == {Outcome.ANSWER}
    assert all(r.answers[0].address == "fd00::53" and r.answers[0].private for r in result.results)


# --------------------------------------------------------------------------- run: UDP waits past bad replies


class _RawUdpServer:
    """A one-shot UDP responder on 127.0.0.1 whose replies a test scripts byte by byte."""

    def __init__(self, respond):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(2.0)
        self.port = self.sock.getsockname()[1]
        self.respond = respond
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        try:
            wire, peer = self.sock.recvfrom(65535)
        except OSError:
            return
        for datagram in self.respond(dns.message.from_wire(wire)):
            self.sock.sendto(datagram, peer)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(3.0)
        self.sock.close()


def _answer(query, address="10.1.2.3"):
    r = dns.message.make_response(query)
    r.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "A", address))
    return r


def test_udp_keeps_waiting_past_wrong_and_garbage_replies_for_the_real_one():
    def respond(query):
        wrong = _answer(query, "6.6.6.6")
        wrong.id = (query.id + 1) & 0xFFFF
        return [wrong.to_wire(), b"\x00garbage", _answer(query).to_wire()]

    with _RawUdpServer(respond) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example")], [f"127.0.0.1#{srv.port}"], transports=[UDP])
        result, elapsed = _run(p, 2.0)
    (r,) = result.results
    assert r.outcome is Outcome.ANSWER and [a.address for a in r.answers] == ["10.1.2.3"]
    assert elapsed < 1.0  # it did not wait for the deadline once the real reply came


def test_udp_reply_cut_mid_record_with_tc_is_truncated():
    def respond(query):
        full = _answer(query)
        full.flags |= dns.flags.TC
        return [full.to_wire()[:-3]]   # the A record loses its last bytes, as a middlebox cuts it

    with _RawUdpServer(respond) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example")], [f"127.0.0.1#{srv.port}"], transports=[UDP])
        result, _ = _run(p, 1.0)
    assert result.results[0].outcome is Outcome.TRUNCATED


# --------------------------------------------------------------------------- run: deadline and scale


def test_black_holed_servers_end_at_the_deadline():
    deadline = 1.0
    fakes = [FakeDNS(mode=Fault.DROP) for _ in range(4)]
    try:
        for f in fakes:
            f.start()
        names = [NameCheck(f"n{i}.corp.example") for i in range(5)]
        p = probes.plan(None, names, [f.server for f in fakes])
        assert len(p.items) == 40
        result, elapsed = _run(p, deadline)
    finally:
        for f in fakes:
            f.stop()
    assert len(result.results) == 40
    assert {r.outcome for r in result.results} == {Outcome.TIMEOUT}
    assert deadline - 0.05 <= elapsed < deadline + HANG_MARGIN_S
    assert result.deadline_s == deadline and result.elapsed_s < deadline + HANG_MARGIN_S


def test_many_servers_and_names_concurrently():
    fakes = [FakeDNS(records={f"n{i}.corp.example": [f"10.0.{s}.{i}"] for i in range(6)}) for s in range(8)]
    try:
        for f in fakes:
            f.start()
        p = probes.plan(None, [NameCheck(f"n{i}.corp.example") for i in range(6)], [f.server for f in fakes])
        result, elapsed = _run(p, 3.0)
        assert len(result.results) == 8 * 6 * 2
        assert {r.outcome for r in result.results} == {Outcome.ANSWER}
        for s, f in enumerate(fakes):
            assert len(f.queries) == 12
            for r in result.results:
                if r.port == f.port:
                    assert r.answers[0].address == f"10.0.{s}.{r.name[1]}"
    finally:
        for f in fakes:
            f.stop()
    assert elapsed < 2.0


def test_mixed_run_ends_when_the_last_probe_ends_not_at_the_deadline():
    with FakeDNS(records=RECORDS) as good, FakeDNS(mode=Fault.CLOSED) as closed:
        p = probes.plan(None, [NameCheck("app.corp.example")], [good.server, closed.server])
        result, elapsed = _run(p, 3.0 + REFUSED_CONNECT_S)
    assert elapsed < 1.0 + REFUSED_CONNECT_S         # Windows: the refusal itself takes ~2 s
    assert [r.outcome for r in result.results] == [Outcome.ANSWER, Outcome.ANSWER,
                                                   Outcome.PORT_UNREACHABLE, Outcome.CONNECTION_REFUSED]


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="no IPv6 loopback")
def test_ipv6_loopback_server():
    with FakeDNS("::1", records=RECORDS) as srv, FakeDNS("::1", mode=Fault.CLOSED) as closed:
        p = probes.plan(None, [NameCheck("app.corp.example")], [f"[::1]:{srv.port}", f"[::1]:{closed.port}"])
        result, _ = _run(p, 1.0 + REFUSED_CONNECT_S)
    assert [r.outcome for r in result.results] == [Outcome.ANSWER, Outcome.ANSWER,
                                                   Outcome.PORT_UNREACHABLE, Outcome.CONNECTION_REFUSED]
    assert {r.source_address for r in result.results} == {"::1"}


# --------------------------------------------------------------------------- run: source and interface


def test_source_address_maps_to_the_snapshot_interface_and_disagreement_is_noted():
    with FakeDNS(records=RECORDS) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example")], [srv.server], transports=[UDP])
        agree, _ = _run(p, snapshot=_snapshot(interfaces=(LO, TUN)))
        disagree, _ = _run(p, snapshot=_snapshot(
            interfaces=(LO, TUN), route_lookups=(RouteLookup("127.0.0.1", interface="tun0"),)))
        unknown, _ = _run(p, snapshot=_snapshot(
            interfaces=(TUN,), route_lookups=(RouteLookup("127.0.0.1", interface="lo"),)))
        none, _ = _run(p)
    assert agree.results[0].interface == "lo" and agree.results[0].detail == ""
    assert disagree.results[0].interface == "lo"
    assert "route lookup" in disagree.results[0].detail and "tun0" in disagree.results[0].detail
    assert unknown.results[0].interface == "lo" and "no listed interface" in unknown.results[0].detail
    assert none.results[0].interface is None and none.results[0].source_address == "127.0.0.1"


# --------------------------------------------------------------------------- run: OS resolver view


def test_system_lookups_use_plan_names_and_record_answers_errors_and_timeouts():
    release = threading.Event()

    def fake_resolve(name):
        if name == "app.corp.example":
            return ["10.1.2.3", "54.239.28.85", "fd00::53"]
        if name == "missing.example":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if name == "boom.example":
            raise RuntimeError("resolver exploded")
        release.wait(10)   # blocked past the deadline: must be abandoned
        return ["10.9.9.9"]

    names = [NameCheck(n) for n in ("app.corp.example", "missing.example", "boom.example", "hang.example")]
    p = probes.plan(None, names, [])
    try:
        result, elapsed = _run(p, 0.5, system_names=..., resolve=fake_resolve)
    finally:
        release.set()
    got = {s.name: s for s in result.system}
    assert [s.name for s in result.system] == [n.name for n in names]
    assert [(a.address, a.private) for a in got["app.corp.example"].addresses] == [
        ("10.1.2.3", True), ("54.239.28.85", False), ("fd00::53", True)]
    assert got["app.corp.example"].rtt_ms is not None and got["app.corp.example"].error is None
    assert got["missing.example"].error == "Name or service not known"
    assert "resolver exploded" in got["boom.example"].error
    assert got["hang.example"].error == "timeout" and got["hang.example"].addresses == ()
    assert 0.45 < elapsed < 0.5 + HANG_MARGIN_S


def test_system_names_can_be_given_or_skipped():
    seen = []
    p = probes.plan(None, [NameCheck("a.example")], [])
    result, _ = _run(p, system_names=["b.example", NameCheck("c.example")],
                     resolve=lambda n: seen.append(n) or ["127.0.0.1"])
    assert sorted(seen) == ["b.example", "c.example"] and len(result.system) == 2
    result, elapsed = _run(p)
    assert result.system == () and result.results == () and elapsed < 0.2


# --------------------------------------------------------------------------- run: never raises, progress, JSON


def test_bad_names_and_qtypes_become_errors_not_exceptions():
    with FakeDNS(records=RECORDS) as srv:
        p = probes.plan(None, [NameCheck("x" * 70 + ".example"), NameCheck("app.corp.example")], [srv.server],
                        transports=[UDP], qtypes=["BOGUSTYPE", "A"])
        result, _ = _run(p)
    got = {(r.name[:3], r.qtype): r for r in result.results}
    assert got[("xxx", "A")].outcome is Outcome.ERROR and "cannot build the query" in got[("xxx", "A")].detail
    assert got[("app", "BOGUSTYPE")].outcome is Outcome.ERROR
    assert got[("app", "A")].outcome is Outcome.ANSWER


def test_zero_deadline_returns_at_once_with_every_probe_accounted_for():
    with FakeDNS(mode=Fault.DROP) as srv:
        p = probes.plan(None, [NameCheck("a.example"), NameCheck("b.example")], [srv.server])
        result, elapsed = _run(p, 0.0)
    assert len(result.results) == 4 and {r.outcome for r in result.results} == {Outcome.TIMEOUT}
    assert elapsed < 0.2


def test_progress_hook_counts_up_to_total_and_a_failing_hook_is_harmless():
    calls = []
    with FakeDNS(records=RECORDS) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example"), NameCheck("b.example")], [srv.server])
        _run(p, system_names=..., resolve=lambda n: ["10.0.0.1"], on_progress=lambda d, t: calls.append((d, t)))

        def broken(done, total):
            raise RuntimeError("spinner bug")
        result, _ = _run(p, on_progress=broken)
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)
    assert {r.outcome for r in result.results} <= {Outcome.ANSWER, Outcome.NXDOMAIN}


def test_probe_run_survives_a_json_round_trip():
    with FakeDNS(records=RECORDS, udp=Fault.TRUNCATE) as srv:
        p = probes.plan(None, [NameCheck("app.corp.example", expected="private")], [srv.server])
        result, _ = _run(p, system_names=..., resolve=lambda n: ["10.1.2.3"])
    assert ProbeRun.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert result.names == (NameCheck("app.corp.example", expected="private"),) and result.started_at


@pytest.mark.parametrize("err, transport, outcome", [
    (errno.ECONNREFUSED, UDP, Outcome.PORT_UNREACHABLE), (errno.ECONNREFUSED, TCP, Outcome.CONNECTION_REFUSED),
    (errno.ECONNRESET, UDP, Outcome.PORT_UNREACHABLE),   # Windows: WSAECONNRESET is the ICMP port unreachable
    (errno.ECONNRESET, TCP, Outcome.CONNECTION_RESET), (errno.EPIPE, TCP, Outcome.CONNECTION_RESET),
    (errno.EHOSTUNREACH, UDP, Outcome.HOST_UNREACHABLE), (errno.EHOSTUNREACH, TCP, Outcome.HOST_UNREACHABLE),
    (errno.ENETUNREACH, UDP, Outcome.NET_UNREACHABLE), (errno.ENETUNREACH, TCP, Outcome.NET_UNREACHABLE),
    (errno.ETIMEDOUT, TCP, Outcome.TIMEOUT), (errno.EPERM, UDP, Outcome.ERROR), (errno.EACCES, TCP, Outcome.ERROR),
])
def test_socket_errors_map_to_outcomes(err, transport, outcome):
    # Host/net unreachable need a real ICMP or a missing route, which a test may not
    # produce outside loopback; the mapping is what run() applies to the errno it gets.
    assert probes._errno_outcome(err, transport) is outcome


def test_fakedns_refuses_non_loopback_and_udp_only_tcp_faults():
    with pytest.raises(ValueError):
        FakeDNS("192.0.2.1")
    with pytest.raises(ValueError):
        FakeDNS(udp=Fault.RESET)
    srv = FakeDNS(records=RECORDS).start()
    srv.stop()
    srv.stop()  # idempotent
    assert not any(t.is_alive() for t in srv._threads)


def test_names_for_adds_canary_user_and_profile_names():
    snap = _snapshot(vpn=VpnEvidence(profile=VpnProfile(
        remote_host="cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
        region="eu-west-1", remote_random_hostname=True)))
    got = probes.names_for(snap, [NameCheck("app.corp.example", expected="private")])
    assert [(c.name, c.origin) for c in got] == [
        ("aws.amazon.com", "canary"), ("app.corp.example", "user"),
        ("cvpn-doctor.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com", "profile"),
        ("ec2.eu-west-1.amazonaws.com", "profile")]
    assert got[1].expected == "private"
    assert probes.names_for(None, canary=None) == ()
    ip_remote = _snapshot(vpn=VpnEvidence(profile=VpnProfile(remote_host="203.0.113.7")))
    assert [c.name for c in probes.names_for(ip_remote, canary="")] == []


def test_ctrl_c_keeps_the_finished_probes_only():
    """A Ctrl-C (here raised by the progress hook on the calling thread) ends the run at
    once with ProbesInterrupted: the answered probes are kept, the black-holed ones that
    were cut short are dropped (they say nothing about their server)."""
    from agent.model import DnsConfig

    with FakeDNS(records={"app.corp.example": ["10.1.2.3"]}) as good, FakeDNS(mode=Fault.DROP) as dead:
        snap = _snapshot(dns=DnsConfig(resolvers=(good.resolver(), dead.resolver())))
        plan = probes.plan(snap, [NameCheck("app.corp.example", origin="user")])
        answered = 0

        def hook(done: int, total: int) -> None:
            nonlocal answered
            if done >= 2 and not answered:  # both probes of the good server are in
                answered = done
                raise KeyboardInterrupt

        t0 = time.perf_counter()
        with pytest.raises(probes.ProbesInterrupted) as exc:
            probes.run(plan, deadline_s=10.0, snapshot=snap, system_names=(), on_progress=hook)
        assert time.perf_counter() - t0 < 5.0
    partial = exc.value.partial
    assert partial.skipped and "interrupted" in partial.skipped
    assert {r.port for r in partial.results} == {good.port}
    assert all(r.outcome is Outcome.ANSWER for r in partial.results)


# --------------------------------------------------------------------------- probes for one cause (issue 17)


def _vpn_snapshot(browsers=()):
    from agent.model import DnsConfig, LocalEvidence, PushedConfig, Resolver, Snapshot, VpnEvidence
    return Snapshot(platform=Platform.LINUX, collected_at="t",
                    dns=DnsConfig(resolvers=(Resolver("192.168.1.1"), Resolver("10.0.0.2", interface="tun0"),
                                             Resolver("10.1.0.10"))),
                    vpn=VpnEvidence(tunnel_interfaces=("tun0",), tunnel_routes=("10.1.0.0/16", "0.0.0.0/1"),
                                    pushed=PushedConfig(dns_servers=("10.1.0.11",))),
                    local=LocalEvidence(browsers=browsers))


def test_vpn_servers_are_the_pushed_the_tunnel_linked_and_those_in_a_tunnel_prefix():
    assert probes.vpn_servers(_vpn_snapshot()) == ("10.1.0.11", "10.0.0.2", "10.1.0.10")
    assert probes.vpn_servers(None) == ()


def test_large_answer_probe_goes_to_the_vpn_servers_only_with_edns_4096():
    from agent.model import LARGE_ANSWER_ORIGIN
    plan = probes.plan(_vpn_snapshot(), [NameCheck("aws.amazon.com", origin="canary")], large_answer="big.corp.internal")
    big = [i for i in plan.items if i.name == "big.corp.internal"]
    assert {(i.server, i.transport.value) for i in big} == {(s, t) for s in ("10.0.0.2", "10.1.0.10", "10.1.0.11")
                                                          for t in ("udp", "tcp")}
    assert {(i.qtype, i.edns_payload) for i in big} == {("TXT", 4096)}
    assert NameCheck("big.corp.internal", origin=LARGE_ANSWER_ORIGIN) in plan.names
    assert all(i.edns_payload is None for i in plan.items if i.name != "big.corp.internal")
    none = probes.plan(None, [NameCheck("x.example")], large_answer="big.corp.internal")
    assert not [i for i in none.items if i.name == "big.corp.internal"] and any("not sent" in n for n in none.notes)


def test_doh_canary_only_when_a_firefox_setting_was_read():
    from agent.model import DOH_CANARY, BrowserDns, DohMode
    assert not [i for i in probes.plan(_vpn_snapshot(), []).items if i.name == DOH_CANARY]
    ff = (BrowserDns("firefox", "network.trr.mode", "0", DohMode.DEFAULT, "prefs.js"),)
    items = [i for i in probes.plan(_vpn_snapshot(ff), []).items if i.name == DOH_CANARY]
    assert {i.server for i in items} == {"10.0.0.2", "10.1.0.10", "10.1.0.11"} and {i.qtype for i in items} == {"A"}


def test_single_label_forms_of_the_names_given():
    names = [NameCheck("db01.corp.internal"), NameCheck("app"), NameCheck("10.0.0.5"), NameCheck("aws.amazon.com",
                                                                                                  origin="canary"),
             NameCheck("DB01.corp.internal.", origin="config")]
    assert probes.single_label_forms(names) == ("db01", "app", "DB01")


def test_probe_inputs_ask_single_labels_of_the_os_only_and_cause_names_never():
    from agent.model import LARGE_ANSWER_ORIGIN
    from agent.run import Options, probe_inputs
    names = (NameCheck("aws.amazon.com", origin="canary"), NameCheck("db.corp.internal", "private"), NameCheck("db"))
    plan, system = probe_inputs(_vpn_snapshot(), names, Options(large_answer_name="big.corp.internal"))
    assert "db" not in {i.name for i in plan.items}
    assert system == ("aws.amazon.com", "db.corp.internal", "db")
    assert [n.name for n in plan.names if n.origin == LARGE_ANSWER_ORIGIN] == ["big.corp.internal"]


def test_the_engine_sends_edns_with_the_planned_buffer_size():
    """A loopback UDP socket reads the query the engine sends for a large-answer item."""
    import dns.message
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.settimeout(2.0)
    got = []

    def serve():
        try:
            data, _peer = srv.recvfrom(4096)
            got.append(dns.message.from_wire(data))
        except OSError:
            pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    item = probes.ProbeItem("127.0.0.1", srv.getsockname()[1], "big.corp.internal", "TXT", Transport.UDP, 4096)
    run = probes.run(probes.ProbePlan(items=(item,)), deadline_s=0.5, system_names=())
    t.join(3)
    srv.close()
    assert run.results[0].outcome is Outcome.TIMEOUT
    assert got and got[0].edns == 0 and got[0].payload == 4096
