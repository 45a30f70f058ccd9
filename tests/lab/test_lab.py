"""End to end: real OpenVPN + dnsmasq in network namespaces, the real cvpn-doctor inside.

Two tests per scenario, each on a freshly built lab:
- ``test_lab_plumbing``: the lab's physical reality, checked with dig and the kernel's
  route lookup from the laptop (independent of the doctor).
- ``test_doctor_diagnosis``: `cvpn-doctor diagnose --json` run inside the laptop
  namespace, with ``--log`` (the client's log) and in discovery mode without it, must name
  the scenario, the findings, the verdict and the exit code, finish within the deadline +
  2 s, and send DNS packets only to the nameservers it diagnoses (a tcpdump on every
  laptop interface).  Without the log the machine alone must decide; where it cannot
  (``needs_log``), the report says "cannot tell" and names the log, never a wrong scenario.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lab import scenarios as sc
from tests.lab.capture import DnsCapture
from tests.lab.conftest import need_stack
from tests.lab.lab import Lab, Running
from tests.lab.stack import STUB

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 2          # --timeout given to the doctor
SLACK = 8             # a hang guard only: the real figure (deadline + ~0.3 s) is measured by benchmarks/bench_lab.py

T = "timeout"
OK, NX, SF = "NOERROR", "NXDOMAIN", "SERVFAIL"
HOME, PUB, VPC, IN1, IN2 = (sc.HOME_RESOLVER, sc.PUBLIC_RESOLVER, sc.VPC_RESOLVER,
                            sc.INBOUND_1, sc.INBOUND_2)
HOME6 = sc.HOME_RESOLVER6
# the laptop with systemd-resolved: the stub answers from the links resolved routes the name to
S2_STACK = {IN1: "tun0", IN2: "tun0", HOME: "eth0"}
CAN, PRIV = sc.CANARY, sc.PRIVATE_NAME

# key -> (laptop resolv.conf nameservers, tun0 present,
#         {server: dev the kernel routes it through}, {(server, name): dig status})
PLUMBING: dict[str, tuple[list[str], bool, dict[str, str], dict[tuple[str, str], str]]] = {
    "S1-local-dns": ([HOME], True, {HOME: "eth0", PUB: "tun0"}, {(HOME, CAN): OK, (HOME, PRIV): NX}),
    "S1-public-dns": ([PUB], True, {PUB: "tun0"}, {(PUB, CAN): T}),
    "S2-healthy": ([IN1, IN2], True, {IN1: "tun0", IN2: "tun0"},
                   {(IN1, CAN): OK, (IN1, PRIV): OK, (IN2, CAN): OK, (IN2, PRIV): OK}),
    "S2-peer-route-missing": ([IN1, IN2], True, {IN1: "eth0", IN2: "eth0", VPC: "tun0"},
                              {(IN1, CAN): T}),
    "S2-zone-not-associated": ([IN1, IN2], True, {IN1: "tun0"},
                               {(IN1, CAN): OK, (IN1, PRIV): NX, (IN2, CAN): OK, (IN2, PRIV): NX}),
    "S2-primary-servfail": ([IN1, IN2], True, {IN1: "tun0"},
                            {(IN1, CAN): SF, (IN1, PRIV): SF, (IN2, CAN): OK, (IN2, PRIV): OK}),
    "S2-primary-down": ([IN1, IN2], True, {IN1: "tun0"}, {(IN1, CAN): T, (IN2, PRIV): OK}),
    "S2-tcp53-blocked": ([IN1, IN2], True, {IN1: "tun0", IN2: "tun0"}, {(IN1, CAN): OK, (IN2, PRIV): OK}),
    "S2-lan-overlaps-vpc": ([IN1, IN2], True, {IN1: "eth0", IN2: "eth0", VPC: "tun0"}, {(IN1, CAN): T}),
    "S3-healthy": ([VPC], True, {VPC: "tun0", PUB: "tun0"}, {(VPC, CAN): OK, (VPC, PRIV): OK}),
    "S0-private-name": ([HOME], True, {HOME: "eth0", VPC: "tun0", IN1: "eth0"},
                        {(HOME, CAN): OK, (HOME, PRIV): NX}),
    "not-connected": ([HOME], False, {HOME: "eth0"}, {(HOME, CAN): OK}),
    "not-connected-stale": ([IN1, IN2], False, {IN1: "eth0"}, {(IN1, CAN): T}),
    "S2-resolved-catchall": ([STUB], True, S2_STACK,
                             {(STUB, CAN): OK, (STUB, PRIV): OK, (IN1, PRIV): OK, (HOME, PRIV): NX}),
    "S2-resolved-domain": ([STUB], True, S2_STACK,
                           {(STUB, CAN): OK, (STUB, PRIV): OK, (IN1, PRIV): OK, (HOME, PRIV): NX}),
    # the private name goes to the home router: NXDOMAIN, while the tunnel's servers know it
    "resolved-vpn-not-default": ([STUB], True, S2_STACK,
                                 {(STUB, CAN): OK, (STUB, PRIV): NX, (IN1, PRIV): OK}),
    # resolved itself would answer (~. on tun0), but programs read the static file
    "resolved-static-resolvconf": ([HOME], True, S2_STACK,
                                   {(HOME, PRIV): NX, (STUB, PRIV): OK, (IN1, PRIV): OK}),
    "nm-openvpn-split": ([STUB], True, S2_STACK, {(STUB, CAN): OK, (STUB, PRIV): NX, (IN1, PRIV): OK}),
    "nm-openvpn-domain": ([STUB], True, S2_STACK, {(STUB, CAN): OK, (STUB, PRIV): OK, (IN1, PRIV): OK}),
    "resolved-stub-down": ([STUB], True, S2_STACK, {(STUB, CAN): T, (IN1, PRIV): OK}),
    "S3-ipv6-dns-leak": ([VPC, HOME6], True, {VPC: "tun0", HOME6: "eth0", HOME: "eth0"},
                         {(VPC, CAN): OK, (VPC, PRIV): OK, (HOME6, CAN): OK, (HOME6, PRIV): NX}),
    # issue 17
    "S2-hosts-override": ([IN1, IN2], True, {IN1: "tun0", IN2: "tun0"}, {(IN1, PRIV): OK, (IN2, PRIV): OK}),
    "S2-single-label": ([IN1, IN2], True, {IN1: "tun0"}, {(IN1, PRIV): OK, (IN1, "db"): NX}),
    "S2-large-answers-lost": ([IN1, IN2], True, {IN1: "tun0", IN2: "tun0"}, {(IN1, CAN): OK, (IN2, PRIV): OK}),
    "S2-dns-firewall": ([VPC, IN1], True, {VPC: "tun0", IN1: "tun0"}, {(VPC, CAN): NX, (IN1, CAN): OK,
                                                                        (VPC, PRIV): OK}),
}
# AAAA answers (dual stack): (server, name) -> the address
AAAA: dict[str, dict[tuple[str, str], str]] = {
    "S3-ipv6-dns-leak": {(VPC, CAN): sc.CANARY_ADDR6, (HOME6, CAN): sc.CANARY_ADDR6},
    "S2-resolved-catchall": {(STUB, CAN): sc.CANARY_ADDR6},
}
# What the lab told systemd-resolved, per link: (servers, domains, DefaultRoute); None = no
# resolved (not running, or a FILE scenario).
PUSHED_S2 = (IN1, IN2)
KEYS = [s.key for s in sc.SCENARIOS]


@pytest.fixture
def up(lab: Lab, request) -> Running:
    """The scenario, up; torn down afterwards whatever the test did."""
    key = request.param[0] if isinstance(request.param, tuple) else request.param
    scenario = sc.BY_KEY[key]
    if scenario.stack:
        need_stack(lab)
    running = lab.up(scenario)
    try:
        yield running
    finally:
        problems = Lab.down(running)
        assert problems == [], problems


def laptop_resolvers(running: Running) -> list[str]:
    if running.stack is not None:
        text = running.stack.run(["cat", "/etc/resolv.conf"]).stdout
    else:
        text = running.ns.resolv_conf("laptop").read_text()
    return [line.split()[1] for line in text.splitlines() if line.startswith("nameserver ")]


def laptop_run(running: Running, argv: list[str], **kw) -> subprocess.CompletedProcess[str]:
    from tests.lab.netns import sh
    return sh(running.laptop_argv(argv), **kw)


def dig_status(running: Running, server: str, name: str) -> str:
    proc = laptop_run(running, ["dig", "+time=1", "+tries=1", f"@{server}", name], check=False, timeout=5)
    if "timed out" in proc.stdout or proc.returncode == 9:
        return T
    for line in proc.stdout.splitlines():
        if "status:" in line:
            return line.split("status:")[1].split(",")[0].strip()
    return f"dig rc={proc.returncode}: {proc.stdout[-200:]}"


def dig_aaaa(running: Running, server: str, name: str) -> str:
    return laptop_run(running, ["dig", "+short", "+time=1", "+tries=1", f"@{server}", name, "AAAA"],
                      check=False, timeout=5).stdout.strip()


def route_dev(running: Running, address: str) -> str:
    out = running.ns.run("laptop", ["ip", "-j", "route", "get", address]).stdout
    return json.loads(out)[0]["dev"]


def test_scenarios_match_plumbing_table() -> None:
    assert set(PLUMBING) == set(KEYS)


@pytest.mark.parametrize("up", KEYS, indirect=True)
def test_lab_plumbing(up: Running) -> None:
    resolvers, tunnel, devs, answers = PLUMBING[up.scenario.key]
    assert up.bringup_s < 10, f"bring-up took {up.bringup_s:.1f}s"
    assert laptop_resolvers(up) == resolvers
    has_tun = up.ns.run("laptop", ["ip", "link", "show", "tun0"], check=False).returncode == 0
    assert has_tun is tunnel
    assert {a: route_dev(up, a) for a in devs} == devs
    assert {k: dig_status(up, *k) for k in answers} == answers
    aaaa = AAAA.get(up.scenario.key, {})
    assert {k: dig_aaaa(up, *k) for k in aaaa} == aaaa
    if up.scenario.vpn is not sc.Vpn.NEVER:
        pushed = up.client_log.read_text()
        assert "PUSH_REPLY" in pushed
        for option in up.scenario.push:
            assert option in pushed


# Where the doctor disagrees with the expectations today: the test runs and must fail
# (strict xfail), so the day the doctor is right the marker has to go.
KNOWN_WRONG: dict[tuple[str, bool], str] = {}


def _run_param(key: str, with_log: bool):
    marks = ()
    if (key, with_log) in KNOWN_WRONG:
        marks = (pytest.mark.xfail(strict=True, reason=KNOWN_WRONG[(key, with_log)]),)
    return pytest.param((key, with_log), marks=marks, id=f"{key}-{'log' if with_log else 'no-log'}")


# Every scenario with --log (and, for the Linux-stack ones, --profile) and without (discovery).
RUNS = [_run_param(k, with_log) for with_log in (True, False) for k in KEYS]


def run_doctor(running: Running, with_log: bool = True) -> tuple[subprocess.CompletedProcess[str], float]:
    argv = [sys.executable, "-m", "agent", "diagnose", "--json", "--timeout", str(DEADLINE)]
    for name in running.scenario.names:
        argv += ["--name", name]
    if running.scenario.config:
        config = running.workdir / "doctor.toml"
        config.write_text(running.scenario.config)
        argv += ["--config", str(config)]
    if with_log and running.client_log.exists():
        argv += ["--log", str(running.client_log)]
    if with_log and running.scenario.stack and running.profile is not None:
        argv += ["--profile", str(running.profile)]
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C")
    start = time.monotonic()
    proc = subprocess.run(running.laptop_argv(argv, cwd=ROOT), capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=DEADLINE + SLACK + 20)
    return proc, time.monotonic() - start


def test_scenarios_that_need_the_log_say_why() -> None:
    for s in sc.SCENARIOS:
        assert bool(s.needs_log) == (s.expect_no_log is not None), s.key


def held_by_resolved(running: Running) -> set[str]:
    """The servers systemd-resolved holds (the doctor reads them with or without the log)."""
    s = running.scenario
    if not s.stack or s.resolved_stops:
        return set()
    if s.dns is sc.Dns.NM and not s.tun_domains:
        return set(s.lan_link_dns)         # NetworkManager kept the VPN's servers to itself
    return set(s.lan_link_dns) | set(s.pushed_dns)


@pytest.mark.parametrize("up", RUNS, indirect=True)
def test_doctor_diagnosis(up: Running, request, lab_reports: Path) -> None:
    with_log = request.node.callspec.params["up"][1]
    # Discovery mode sends nothing to servers only the log names; with the log, the pushed
    # servers are diagnosed too; resolved's servers are read from resolved either way.
    allowed = (set(laptop_resolvers(up)) | held_by_resolved(up)
               | (set(up.scenario.pushed_dns) if with_log else set()))
    capture = DnsCapture(up.ns, up.workdir / f"dns-{'log' if with_log else 'nolog'}.pcap")
    capture.start()
    try:
        proc, wall = run_doctor(up, with_log)
    finally:
        capture.stop()
    expect = up.scenario.expected(with_log)
    assert proc.stdout.strip(), f"no report on stdout; rc={proc.returncode} stderr:\n{proc.stderr[-3000:]}"
    report = json.loads(proc.stdout)
    # Every report of the session, for tests/lab/test_triage_lab.py (triage over all of them).
    (lab_reports / f"{up.scenario.key}--{'log' if with_log else 'no-log'}.report.json").write_text(proc.stdout)
    got = {
        "scenario": report["scenario"]["id"],
        "codes": sorted(f["code"] for f in report["findings"]),
        "verdict": report["verdict"],
        "exit_code": proc.returncode,
    }
    sent_to = capture.destinations()
    _record(up, {**got, "with_log": with_log, "dns_sent_to": sorted(sent_to)}, wall)
    if os.environ.get("CVPN_LAB_RECORD") and with_log:
        # The report (raw captures + probes) of a real lab run: tests/fixtures/lab is made of these.
        Path(os.environ["CVPN_LAB_RECORD"], f"{up.scenario.key}.report.json").write_text(proc.stdout)
    assert got == {"scenario": expect.scenario, "codes": sorted(expect.codes),
                   "verdict": expect.verdict, "exit_code": expect.exit_code}, proc.stderr[-2000:]
    assert wall <= DEADLINE + SLACK, f"diagnosis took {wall:.2f}s"
    # Network safety: DNS packets only to the servers being diagnosed ...
    assert sent_to <= allowed, f"DNS packets to {sorted(sent_to - allowed)}, diagnosed {sorted(allowed)}"
    # ... and every one of them probed (docs/design.md "Probes": every resolver in use and every pushed one).
    assert sent_to == allowed, f"never probed: {sorted(allowed - sent_to)}"
    # Dual stack: where the OS resolver (getaddrinfo: resolv.conf, or the stub -> resolved)
    # found the canary, it got the AAAA answer too.
    for lookup in report["system_lookups"]:
        if lookup["name"] == sc.CANARY and lookup["addresses"]:
            assert {sc.CANARY_ADDR, sc.CANARY_ADDR6} <= {a["address"] for a in lookup["addresses"]}, lookup


def _record(running: Running, got: dict, wall: float) -> None:
    """Append one line per diagnosis to $CVPN_LAB_RESULTS (for the lab notes), if set."""
    path = os.environ.get("CVPN_LAB_RESULTS")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps({"key": running.scenario.key, **got, "wall_s": round(wall, 2),
                                  "bringup_s": round(running.bringup_s, 2)}) + "\n")


def test_only_loopback_and_a_resolv_conf_is_not_connected(lab: Lab) -> None:
    """A machine with no network but a resolv.conf: the interface list it reads (only lo) is
    what says "not connected" -- observed, not assumed from a missing source."""
    from tests.lab.netns import Namespaces

    ns = Namespaces(f"{lab.prefix}lo{os.getpid()}-")
    try:
        ns.add("bare")
        ns.write_resolv_conf("bare", ["192.0.2.53"])   # no route to it: no packet can leave
        argv = [sys.executable, "-m", "agent", "diagnose", "--json", "--timeout", "1"]
        proc = subprocess.run(ns.exec_argv("bare", argv), capture_output=True, text=True, cwd=ROOT,
                              env=dict(os.environ, NO_COLOR="1", LC_ALL="C"), timeout=30)
        report = json.loads(proc.stdout)
        assert report["scenario"]["id"] == "not-connected", report["scenario"]
        assert [f["code"] for f in report["findings"]] == ["vpn-not-connected"]
        assert report["facts"]["tunnel"] == "absent" and "interfaces" in report["facts"]["captured"]
        assert proc.returncode == 1
    finally:
        assert ns.teardown() == []


@pytest.mark.parametrize("up", ["S2-large-answers-lost"], indirect=True)
def test_large_answers_are_lost_over_udp_only(up: Running) -> None:
    """The lab's reality for dns-large-answer-lost, with dig: a 3 KB TXT answer offered an EDNS
    buffer of 4096 never arrives over UDP (its fragments are dropped on the laptop's side of the
    tunnel), arrives over TCP, and small answers arrive over UDP."""
    def dig(*args: str) -> str:
        proc = up.ns.run("laptop", ["dig", "+time=1", "+tries=1", *args], check=False, timeout=5)
        if "timed out" in proc.stdout or proc.returncode == 9:
            return T
        return next((line.split("status:")[1].split(",")[0].strip() for line in proc.stdout.splitlines()
                     if "status:" in line), f"rc={proc.returncode}")
    assert dig("+bufsize=4096", "+ignore", f"@{IN1}", "TXT", sc.LARGE_NAME) == T
    assert dig("+tcp", f"@{IN1}", "TXT", sc.LARGE_NAME) == OK
    assert dig("+notcp", f"@{IN1}", CAN) == OK
