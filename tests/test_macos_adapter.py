"""The macOS adapter on any OS: collect() through a fake runner, parse() from real captures.

Captures come from tests/fixtures/macos (sources in SOURCES.md).  Where a test combines
outputs of two different machines (e.g. one user's scutil --dns with another's netstat),
its name says "combined"; each output is still a real capture.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.model import (DnsManager, Platform, RawCapture, ResolverScope, Snapshot, SourceCapture, SourceKind,
                         TunnelMode)
from platforms.base import CommandError, CommandResult, Env
from agent.facts import select_resolvers
from platforms.macos import (MacosAdapter, ROUTE, SCUTIL, NETSTAT, IFCONFIG, SW_VERS, nameservers_in,
                             resolution_model)
from platforms.parsers import scutil_dns

FIX = Path(__file__).parent / "fixtures" / "macos"


def load(name: str) -> str:
    return (FIX / name).read_text()


def raw_of(**sources: str | tuple[str, str, int]) -> RawCapture:
    """A RawCapture from source id -> text (or (stdout, stderr, exit code)); keyword
    names spell ids with "_" for "-" and "__" for ":" (route_get__1_1_1_1)."""
    caps = []
    for sid, value in sources.items():
        kind, _, address = sid.partition("__")          # route_get__1.1.1.1 -> route-get:1.1.1.1
        sid = kind.replace("_", "-") + (":" + address.replace("_", ".") if address else "")
        if isinstance(value, tuple):
            out, err, code = value
            caps.append(SourceCapture(id=sid, kind=SourceKind.COMMAND, text=out, stderr=err, exit_code=code,
                                      error=f"exited with status {code}" if code else None))
        else:
            caps.append(SourceCapture(id=sid, kind=SourceKind.COMMAND, text=value, exit_code=0))
    return RawCapture(platform=Platform.MACOS, collected_at="2026-01-01T00:00:00Z", sources=tuple(caps))


def parse(**sources) -> Snapshot:
    return MacosAdapter().parse(raw_of(**sources))


# --------------------------------------------------------------------------- collect


class FakeRunner:
    """Answers argv with fixture text; anything unknown is 'not installed'."""

    def __init__(self, answers: dict[tuple[str, ...], tuple[str, str, int]]) -> None:
        self.answers = answers
        self.calls: list[tuple[tuple[str, ...], float]] = []

    def __call__(self, argv, timeout_s, stdin=None) -> CommandResult:
        self.calls.append((tuple(argv), timeout_s))
        if tuple(argv) not in self.answers:
            raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
        out, err, code = self.answers[tuple(argv)]
        return CommandResult(stdout=out, stderr=err, exit_code=code, duration_s=0.01)


def fake_env(answers, files=None) -> tuple[Env, FakeRunner]:
    runner = FakeRunner(answers)
    files = files or {}

    def read(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]

    return Env(run=runner, read=read, clock=lambda: "2026-01-01T00:00:00Z"), runner


def test_collect_runs_every_source_and_a_route_lookup_per_nameserver() -> None:
    env, runner = fake_env({
        (SCUTIL, "--dns"): (load("scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out"), "", 0),
        (NETSTAT, "-rn", "-f", "inet"): (load("netstat-rn--tun2socks-89-def1-halves-utun2.out"), "", 0),
        (SW_VERS,): ("ProductName:\tmacOS\nProductVersion:\t14.4.1\nBuildVersion:\t23E224\n", "", 0),
        (ROUTE, "-n", "get", "10.83.200.1"): (load("route-get--neofetch-2361-half-default-utun3.out"), "", 0),
        (ROUTE, "-n", "get", "10.100.0.2"): ("", "route: writing to routing socket: not in table\n", 77),
    }, files={"/etc/resolv.conf": load("resolv-conf--team51-161-macos-notice.out")})
    raw = MacosAdapter().collect(env, addresses=("10.100.0.2", "not-an-ip"))
    ids = [s.id for s in raw.sources]
    assert ids[:7] == ["scutil-dns", "scutil-nwi", "netstat-inet", "netstat-inet6", "ifconfig", "resolv.conf", "sw-vers"]
    assert ids[7:] == ["route-get:10.83.200.1", "route-get:fdbf:5677:c5d:e515::1", "route-get:8.8.8.8",
                       "route-get:8.8.4.4", "route-get:10.100.0.2"]
    argvs = [argv for argv, _ in runner.calls]
    assert (ROUTE, "-n", "get", "-inet6", "fdbf:5677:c5d:e515::1") in argvs
    assert all(timeout <= 5.0 for _, timeout in runner.calls)
    assert raw.get("scutil-nwi").error and "not installed" in raw.get("scutil-nwi").error

    snap = MacosAdapter().parse(raw)
    assert snap.os_release == "macOS 14.4.1 (23E224)"
    assert snap.vpn.mode is TunnelMode.FULL
    lk = snap.lookup("10.100.0.2")
    assert lk.error == "not in table" and lk.interface is None
    assert snap.lookup("10.83.200.1").interface == "utun3"
    assert snap.dns.resolv_conf_nameservers == ("75.75.75.75", "75.75.76.76")
    failed = {e.source for e in snap.errors}
    assert {"scutil-nwi", "netstat-inet6", "ifconfig"} <= failed    # the fake has no answer for them
    assert "route-get:10.100.0.2" not in failed                     # "not in table" is an observation


def test_collect_caps_route_lookups() -> None:
    servers = "".join(f"  nameserver[{i}] : 10.0.{i}.2\n" for i in range(40))
    env, runner = fake_env({(SCUTIL, "--dns"): ("DNS configuration\n\nresolver #1\n" + servers, "", 0)})
    raw = MacosAdapter().collect(env)
    assert len(raw.with_prefix("route-get:")) == 16


def test_collect_when_nothing_can_run_still_gives_a_snapshot_with_errors() -> None:
    env, _ = fake_env({})
    snap = MacosAdapter().parse(MacosAdapter().collect(env))
    assert snap.platform is Platform.MACOS
    assert {e.source for e in snap.errors} >= {"scutil-dns", "netstat-inet", "ifconfig"}
    assert snap.dns.resolvers == () and snap.dns.manager is DnsManager.UNKNOWN


# --------------------------------------------------------------------------- resolution model


def test_supplemental_utun_without_domain_is_not_the_default() -> None:
    snap = parse(scutil_dns=load("scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out"))
    by = {r.address: r for r in snap.dns.resolvers}
    assert by["10.83.200.1"].scope is ResolverScope.DOMAIN and by["10.83.200.1"].domains == ()
    assert by["10.83.200.1"].interface == "utun2" and by["10.83.200.1"].order == 101400
    assert by["8.8.8.8"].scope is ResolverScope.GLOBAL and by["8.8.8.8"].interface == "en0"
    assert snap.dns.manager is DnsManager.MACOS_CONFIGD
    assert any("Supplemental without a match domain" in t for t in snap.trace)
    assert [r.address for r in select_resolvers(snap.dns.resolvers, "intranet.example.org")] == ["8.8.8.8", "8.8.4.4"]


def test_match_domain_resolver_wins_for_its_names_only() -> None:
    snap = parse(scutil_dns=load("scutil-dns--tailscale-952-supplemental-search-and-domain.out"))
    domain = [r for r in snap.dns.resolvers if r.domains == ("d.com",)]
    assert [r.address for r in domain] == ["172.33.66.13", "172.33.66.12", "172.33.66.11"]
    assert [r.address for r in select_resolvers(snap.dns.resolvers, "host.d.com")] == [r.address for r in domain]
    assert [r.address for r in select_resolvers(snap.dns.resolvers, "example.org")] == [
        "172.22.22.1", "2002:d106:7acc:0:deef:9ff:fea8:39e"]


def test_longest_match_domain_wins() -> None:
    text = ("DNS configuration\n\nresolver #1\n  nameserver[0] : 192.168.1.1\n\nresolver #2\n"
            "  domain   : example.com\n  nameserver[0] : 10.0.0.1\n  order    : 100\n\nresolver #3\n"
            "  domain   : corp.example.com\n  nameserver[0] : 10.0.0.2\n  order    : 101\n")
    resolvers, *_ = resolution_model(scutil_dns.parse(text))
    assert [r.address for r in select_resolvers(resolvers, "a.corp.example.com")] == ["10.0.0.2"]
    assert [r.address for r in select_resolvers(resolvers, "www.example.com")] == ["10.0.0.1"]


def test_no_default_resolver_and_scoped_vpn_dns() -> None:
    snap = parse(scutil_dns=load("scutil-dns--tunnelblick-452-unlabelled-reach-scoped-utun.out"))
    assert not [r for r in snap.dns.resolvers if r.scope is ResolverScope.GLOBAL]
    scoped = [r for r in snap.dns.resolvers if r.scope is ResolverScope.SCOPED]
    assert [(r.address, r.interface) for r in scoped] == [("8.8.8.8", "utun0"), ("8.8.4.4", "utun0")]
    assert any("no default resolver" in t for t in snap.trace)


def test_old_macos_two_default_resolvers_in_order() -> None:
    snap = parse(scutil_dns=load("scutil-dns--macos-10.8-ppp-vpn-bare-reach.out"))
    globals_ = [r for r in snap.dns.resolvers if r.scope is ResolverScope.GLOBAL]
    assert [(r.address, r.order, r.origin) for r in globals_] == [
        ("192.168.80.10", 100000, "scutil resolver #1"), ("192.168.80.24", 100000, "scutil resolver #1"),
        ("192.168.80.10", 200000, "scutil resolver #2"), ("192.168.80.24", 200000, "scutil resolver #2")]
    assert any("extra default" in t for t in snap.trace)


def test_redacted_nameservers_are_skipped_with_a_reason() -> None:
    snap = parse(scutil_dns=load("scutil-dns--openfortivpn-534-supplemental-ppp-redacted.out"))
    assert [r.address for r in snap.dns.resolvers] == ["10.0.2.1", "10.0.2.1"]
    assert any("'<dns1>' is not an address" in t for t in snap.trace)


def test_search_domains_come_from_the_default_resolver() -> None:
    snap = parse(scutil_dns=load("scutil-dns--tunnelblick-589-default-en0-no-order.out"))
    assert snap.dns.search_domains == ("mcvts.org",)
    assert nameservers_in(load("scutil-dns--tunnelblick-589-default-en0-no-order.out")) == ("10.5.3.211", "10.5.3.210")


# --------------------------------------------------------------------------- tunnels


def test_full_tunnel_by_def1_halves_combined_with_supplemental_dns() -> None:
    snap = parse(scutil_dns=load("scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out"),
                 netstat_inet=load("netstat-rn--tun2socks-89-def1-halves-utun2.out"))
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("utun2",)


def test_split_tunnel_routes() -> None:
    snap = parse(netstat_inet=load("netstat-rn--jenkins-5209-openvpn-split-utun4.out"))
    assert snap.vpn.mode is TunnelMode.SPLIT and "10.244.0.0/14" in snap.vpn.tunnel_routes


def test_default_route_via_utun_with_scoped_lan_default_is_full() -> None:
    snap = parse(netstat_inet=load("netstat-rn--docksal-1489-full-tunnel-default-utun2.out"))
    assert snap.vpn.mode is TunnelMode.FULL
    en0_default = [r for r in snap.routes if r.destination == "0.0.0.0/0" and r.interface == "en0"]
    assert en0_default and en0_default[0].scoped


def test_system_utuns_do_not_count_as_a_vpn() -> None:
    snap = parse(ifconfig=load("ifconfig--jc-osx-10.14.6-system-utuns.out"),
                 netstat_rn=load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out"))
    assert snap.vpn.mode is TunnelMode.NONE
    assert any("utun0 has no routable address" in t for t in snap.trace)
    assert len([r for r in snap.routes if r.family.value == "inet6"]) > 40


def test_inet_and_inet6_sources_are_merged_without_duplicates() -> None:
    text = load("netstat-rn--jc-osx-10.14.6-rnl-mtu-column.out")
    once = parse(netstat_rn=text)
    twice = parse(netstat_inet=text, netstat_inet6=text)
    assert len(once.routes) == len(twice.routes) == 89


# --------------------------------------------------------------------------- robustness


@pytest.mark.parametrize("sid", ["scutil-dns", "scutil-nwi", "netstat-inet", "ifconfig", "sw-vers", "route-get:10.0.0.2"])
def test_garbage_in_any_source_is_a_collection_error(sid: str) -> None:
    raw = RawCapture(platform=Platform.MACOS, collected_at="t", sources=(
        SourceCapture(id=sid, kind=SourceKind.COMMAND, text="<html>503 Service Unavailable</html>\n"),
        SourceCapture(id="netstat-rn", kind=SourceKind.COMMAND, text=load("netstat-rn--jenkins-5209-openvpn-split-utun4.out"))
        if sid != "netstat-inet" else SourceCapture(id="x", kind=SourceKind.COMMAND, text="")))
    snap = MacosAdapter().parse(raw)
    assert [e.source for e in snap.errors] == [sid]


def test_netstat_cut_inside_its_last_row_keeps_the_other_rows() -> None:
    text = load("netstat-rn--tun2socks-89-def1-halves-utun2.out") + "192.168.1.77       ab:cd"
    snap = parse(netstat_inet=text)
    assert snap.vpn.mode is TunnelMode.FULL
    assert [e.source for e in snap.errors] == ["netstat-inet"] and "incomplete" in snap.errors[0].message


def test_truncated_scutil_output_still_gives_resolvers() -> None:
    text = load("scutil-dns--team51-161-no-vpn-resolv-conf.out")
    snap = parse(scutil_dns=text[: text.index("resolver #2") + 14])
    assert [r.address for r in snap.dns.resolvers] == ["75.75.75.75", "75.75.76.76"]


def test_source_with_error_and_no_text_is_reported() -> None:
    raw = RawCapture(platform=Platform.MACOS, collected_at="t", sources=(
        SourceCapture(id="scutil-dns", kind=SourceKind.COMMAND, error="/usr/sbin/scutil did not finish within 5 s"),))
    snap = MacosAdapter().parse(raw)
    assert snap.errors[0].source == "scutil-dns" and "5 s" in snap.errors[0].message


def test_every_snapshot_round_trips_through_json() -> None:
    snaps = [
        parse(scutil_dns=load(p.name)) for p in sorted(FIX.glob("scutil-dns--*.out"))
    ] + [parse(netstat_rn=load(p.name), route_get__1_1_1_1=load("route-get--tunnelblick-589-dns-via-en0-ifscope.out"))
         for p in sorted(FIX.glob("netstat-rn--*.out"))]
    assert snaps[-1].lookup("1.1.1.1").interface == "en0"
    for snap in snaps:
        assert Snapshot.from_dict(snap.to_dict()) == snap


def test_raw_capture_round_trips_and_reparses_identically() -> None:
    env, _ = fake_env({(SCUTIL, "--dns"): (load("scutil-dns--tailscale-952-supplemental-search-and-domain.out"), "", 0),
                       (IFCONFIG, "-a"): (load("ifconfig--jc-osx-10.14.6-system-utuns.out"), "", 0)})
    raw = MacosAdapter().collect(env)
    again = RawCapture.from_dict(raw.to_dict())
    assert MacosAdapter().parse(again) == MacosAdapter().parse(raw)
