"""Probing while collecting (run.diagnose with overlap) gives the report collecting first
gives, apart from timings; and the servers probed early are always among the final ones.

Every packet goes to fake DNS servers on loopback (tests/fakedns.py), named by a fake
systemd-resolved D-Bus reply (servers with ports); the OS-resolver view is injected.
No timing is asserted: speed figures are in benchmarks/.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from agent import probes, run
from agent.model import NameCheck, Platform, RawCapture
from platforms.linux import LinuxAdapter
from platforms.macos import IFCONFIG, NETSTAT, SCUTIL, MacosAdapter
from tests.fakedns import FakeDNS, Fault
from tests.test_linux_adapter import IP4, STUB_TARGET, FakeEnv, base_files, fx, tunnel_commands

VPN_FIX = Path(__file__).resolve().parent / "fixtures" / "vpn"
MAC_FIX = Path(__file__).resolve().parent / "fixtures" / "macos"
RECORDS = {"app.corp.example": ["10.1.2.3"], "canary.example": ["192.0.2.80"],
           "cvpn-doctor.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com": ["198.51.100.7"]}
PROFILE = ("client\ndev tun\nproto udp\n"
           "remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com 443\n"
           "remote-random-hostname\n")
TIMINGS = {"rtt_ms", "rtt_ms_min", "rtt_ms_max", "duration_s", "elapsed_s", "probe_elapsed_s", "generated_at",
           "started_at", "report_id"}   # report_id: a random id per run


def _log() -> str:
    """The RHEL split-tunnel log (tests/fixtures/vpn) without its pushed DNS server, which
    is not a loopback address (constructed variant: the test must not probe it)."""
    text = (VPN_FIX / "openvpn-log--rhel-split-custom-dns.out").read_text()
    assert "dhcp-option DNS 10.2.0.2," in text
    return text.replace("dhcp-option DNS 10.2.0.2,", "")


def _dbus(servers: list[tuple[str, int]]) -> dict:
    """systemd-resolved's D-Bus reply: tun0 owns every server and `~.` (shape of
    platforms.resolved_dbus.read; constructed)."""
    ex = [[2, host, port, ""] for host, port in servers]
    return {"errors": [], "links": [{"ifindex": 4, "ifname": "tun0", "properties": {
        "CurrentDNSServerEx": ex[0], "DNSEx": ex, "DefaultRoute": True,
        "Domains": [[".", True]], "ScopesMask": 1}}],
        "manager": {"CurrentDNSServerEx": [4, *ex[0]], "DNSEx": [[4, *e] for e in ex], "Domains": [[4, ".", True]],
                    "FallbackDNSEx": [], "ResolvConfMode": "stub", "DNSStubListener": "yes"}}


def _strip(value):
    """The report as JSON without its timings."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


class _Env(FakeEnv):
    """The Linux fake env, with the fake servers in resolved, a VPN log and profile, an
    injected OS resolver, and an `ip route` that reports whether probing had begun."""

    def __init__(self, servers, watch: FakeDNS | None) -> None:
        files = base_files(fx("resolv_conf--systemd-stub.out"))
        files.update({"/vpn/client.log": _log(), "/vpn/corp.ovpn": PROFILE})
        dump = json.dumps(_dbus(servers))
        super().__init__(files, tunnel_commands(), extra={"resolved_dbus": lambda: json.loads(dump),
                                                          "resolve": self.resolve})
        self.link = STUB_TARGET
        self.watch = watch
        self.probed_before_routes: bool | None = None
        self.looked_up: list[str] = []
        self.lock = threading.Lock()

    def resolve(self, name: str):
        with self.lock:
            self.looked_up.append(name)
        return RECORDS.get(name, [])

    def run(self, argv, timeout_s, stdin=None):
        if tuple(argv) == IP4 and self.probed_before_routes is None:
            if self.watch is not None:   # overlap: the first query arrives while routes are read (bounded)
                self.probed_before_routes = _wait_for_query(self.watch, 5.0)
            else:
                self.probed_before_routes = False
        return super().run(argv, timeout_s, stdin)


def _wait_for_query(server: FakeDNS, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while not server.queries and time.monotonic() < end:
        time.sleep(0.005)
    return bool(server.queries)


def _options() -> run.Options:
    return run.Options(names=(NameCheck("app.corp.example", "private", "user"),), timeout_s=1.0,
                       log_path="/vpn/client.log", profile_path="/vpn/corp.ovpn", canary="canary.example",
                       context={"timeout_s": 1.0})


def test_overlap_gives_the_report_collecting_first_gives():
    with FakeDNS(records=RECORDS) as good, FakeDNS(mode=Fault.DROP) as dead, FakeDNS(records=RECORDS) as third:
        servers = [(good.host, good.port), (dead.host, dead.port), (third.host, third.port)]
        early = _Env(servers, watch=good)
        overlapped = run.diagnose(_options(), early.env(), overlap=True)
        late = _Env(servers, watch=None)
        sequential = run.diagnose(_options(), late.env(), overlap=False)
    assert early.probed_before_routes is True and late.probed_before_routes is False
    a, b = overlapped.to_dict(), sequential.to_dict()
    assert _strip(a) == _strip(b)
    # what the comparison covers: every server x name x transport, with the profile's
    # names (known only once the profile is read, after the first probes)
    assert len(a["probes"]) == 3 * 4 * 2
    assert {p["outcome"] for p in a["probes"] if p["port"] == dead.port} == {"timeout"}
    assert sorted(early.looked_up) == sorted(late.looked_up) == sorted(
        ["canary.example", "app.corp.example", "app",   # "app": the short form the OS completes
         "cvpn-doctor.cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com",
         "ec2.eu-west-1.amazonaws.com"])


def test_collect_reads_the_same_sources_with_or_without_early_servers():
    """Scheduling only: the capture (apart from durations) and the snapshot are the same,
    and every server seen early is in the final plan."""
    servers = [("10.0.0.2", 53), ("192.168.1.1", 53)]     # never probed here: collect only
    opts = run.Options(log_path="/vpn/client.log", profile_path="/vpn/corp.ovpn", expected_dns=("10.9.9.9",))
    seen: list = []
    raw_a, snap_a = run.collect(opts, _Env(servers, None).env(), Platform.LINUX, on_servers=seen.append)
    raw_b, snap_b = run.collect(opts, _Env(servers, None).env(), Platform.LINUX)
    assert _strip(raw_a.to_dict()) == _strip(raw_b.to_dict()) and snap_a == snap_b
    assert len(seen) == 2
    final = probes.plan(snap_a, run.names_for(snap_a, opts), extra_servers=opts.expected_dns)
    for partial in seen:
        early = probes.plan(partial, run.names_for(partial, opts), extra_servers=opts.expected_dns)
        assert {(s.address, s.port) for s in early.servers} <= {(s.address, s.port) for s in final.servers}
        assert set(early.items) <= set(final.items)
    assert {s.address for s in probes.plan(seen[0], ()).servers} == {"10.0.0.2", "192.168.1.1"}


def test_macos_collect_splits_at_scutil_and_keeps_the_capture():
    scutil = (MAC_FIX / "scutil-dns--tailscale-952-supplemental-search-and-domain.out").read_text()
    answers = {(SCUTIL, "--dns"): scutil,
               (NETSTAT, "-rn", "-f", "inet"): (MAC_FIX / "netstat-rn--jenkins-5209-openvpn-split-utun4.out").read_text(),
               (IFCONFIG, "-a"): (MAC_FIX / "ifconfig--jc-osx-10.14.6-system-utuns.out").read_text()}

    def runner(argv, timeout_s, stdin=None):
        from platforms.base import CommandError, CommandResult
        if tuple(argv) not in answers:
            raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
        return CommandResult(answers[tuple(argv)], "", 0, 0.01)

    from platforms.base import Env
    env = Env(run=runner, read=lambda p: (_ for _ in ()).throw(FileNotFoundError(p)),
              clock=lambda: "2026-01-01T00:00:00Z")
    adapter = MacosAdapter()
    first = adapter.collect_dns(env)
    assert [c.id for c in first] == ["scutil-dns"]
    whole = adapter.collect(env)
    split = adapter.collect_rest(env, first)
    assert _strip(whole.to_dict()) == _strip(split.to_dict())
    partial = adapter.parse(RawCapture(platform=Platform.MACOS, collected_at="", sources=tuple(first)))
    final = adapter.parse(whole)
    assert partial.dns.resolvers and {r.address for r in partial.dns.resolvers} <= \
        {r.address for r in final.dns.resolvers}


def test_linux_adapter_split_is_the_whole_collect():
    fake = _Env([("10.0.0.2", 53)], None)
    adapter = LinuxAdapter()
    whole = adapter.collect(fake.env(), ("172.31.0.2",))
    split = adapter.collect_rest(fake.env(), adapter.collect_dns(fake.env()), ("172.31.0.2",))
    assert _strip(whole.to_dict()) == _strip(split.to_dict())
