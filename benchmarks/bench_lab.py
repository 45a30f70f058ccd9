"""Time to a verdict in the lab: cvpn-doctor vs a person with dig and getent.

    sudo .venv/bin/python benchmarks/bench_lab.py [--runs 5] [--deadline 3] [--scenarios S2-healthy,S1-public-dns]

Brings lab scenarios up with the tests/lab Python API (real OpenVPN + dnsmasq in network
namespaces; see tests/lab/README.md) and, inside the laptop namespace, measures:

* the doctor: `cvpn-doctor diagnose --json --timeout D --name ... --log CLIENT_LOG`, the
  interpreted console script and, when built, the one-folder binary (dist/onedir): wall
  time of the whole process (start-up included), median over --runs;
* the manual equivalent, one query at a time with default options, as a person would type
  it: per name `getent hosts NAME` (glibc: resolv.conf order, timeout 5 s, 2 attempts), then
  per nameserver (the laptop's resolv.conf servers and the pushed ones) `dig @SERVER NAME`
  and `dig +tcp @SERVER NAME` (dig: 5 s, 3 tries); one run (each command bounded at 60 s).
  The lab's resolv.conf sets `timeout:1 attempts:1`; the defaults are restored explicitly
  (RES_OPTIONS for glibc, +time=5 +tries=3 for dig) unless --lab-options.

Default scenarios: S2-healthy (healthy; target < 1 s) and S1-public-dns (the only resolver
black-holed behind a full tunnel without egress; target < deadline + 0.5 s).  Others:
S3-healthy, S2-peer-route-missing (both pushed servers black-holed; the manual sequence
takes minutes).  Needs root and the lab tools; otherwise prints why and exits 0 (a
benchmark, not a test).  Packets stay inside the lab's namespaces.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLACK_S = 0.5
HEALTHY_TARGET_S = 1.0
MANUAL_CMD_TIMEOUT_S = 60.0


def _why_not() -> str | None:
    from tests.lab.lab import needed_tools

    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the lab needs root (network namespaces, tun, iptables)"
    missing = [t for t in (*needed_tools(), "getent") if shutil.which(t) is None]
    if missing:
        return f"missing tools: {', '.join(missing)}"
    if not os.path.exists("/dev/net/tun"):
        return "/dev/net/tun is missing"
    return None


def _laptop_resolvers(running) -> list[str]:
    path = running.ns.resolv_conf("laptop")
    out = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == "nameserver" and parts[1] not in out:
            out.append(parts[1])
    return out


def _timed(argv: list[str], timeout: float) -> tuple[float, subprocess.CompletedProcess | None]:
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C")
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, None
    return time.perf_counter() - start, proc


def doctor_argv(binary: list[str], running, deadline: float) -> list[str]:
    argv = [*binary, "diagnose", "--json", "--timeout", str(deadline)]
    for name in running.scenario.names:
        argv += ["--name", name]
    if running.client_log.exists():
        argv += ["--log", str(running.client_log)]
    return running.ns.exec_argv("laptop", argv)


def bench_doctor(binary: list[str], running, deadline: float, runs: int) -> tuple[list[float], str]:
    times, verdict = [], "?"
    for _ in range(runs):
        elapsed, proc = _timed(doctor_argv(binary, running, deadline), deadline + 30)
        if proc is None:
            raise RuntimeError(f"doctor did not finish within {deadline + 30:g} s")
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise RuntimeError(f"doctor exit {proc.returncode}, no JSON: {proc.stderr[-400:]}") from None
        verdict = f"{report['scenario']['id']} {report['verdict']} {sorted(f['code'] for f in report['findings'])}"
        times.append(elapsed)
    return times, verdict


def bench_manual(running, defaults: bool = True) -> tuple[float, list[str]]:
    """The person's sequence, once; returns the total and one line per command."""
    names = [n.split("=", 1)[0] for n in running.scenario.names]
    servers = list(dict.fromkeys(_laptop_resolvers(running) + list(running.scenario.pushed_dns)))
    # The lab's resolv.conf says `options timeout:1 attempts:1` (fast lab tests), and dig
    # and glibc both read it; a laptop has the defaults, so restore them explicitly:
    # glibc timeout 5 s x 2 attempts (RES_OPTIONS overrides resolv.conf, resolv.conf(5)),
    # dig +time=5 +tries=3 (dig(1) defaults).
    glibc = ["env", "RES_OPTIONS=timeout:5 attempts:2"] if defaults else []
    dig = ["dig", "+time=5", "+tries=3"] if defaults else ["dig"]
    steps: list[list[str]] = []
    for name in names:
        steps.append([*glibc, "getent", "hosts", name])
        for server in servers:
            steps.append([*dig, f"@{server}", name])
            steps.append([*dig, "+tcp", f"@{server}", name])
    total, lines = 0.0, []
    for argv in steps:
        elapsed, proc = _timed(running.ns.exec_argv("laptop", argv), MANUAL_CMD_TIMEOUT_S)
        total += elapsed
        status = "timeout (killed)" if proc is None else f"exit {proc.returncode}"
        lines.append(f"{' '.join(argv):<70} {elapsed:6.2f} s  {status}")
    return total, lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--deadline", type=float, default=3.0, help="the doctor's --timeout (its default is 3)")
    ap.add_argument("--scenarios", default="S2-healthy,S1-public-dns")
    ap.add_argument("--no-manual", action="store_true", help="skip the dig/getent sequence")
    ap.add_argument("--lab-options", action="store_true",
                    help="let dig/getent use the lab resolv.conf's timeout:1 attempts:1 instead of the defaults")
    args = ap.parse_args()
    reason = _why_not()
    if reason:
        print(f"bench_lab: skipped: {reason}")
        return 0

    from tests.lab import scenarios as sc
    from tests.lab.lab import Lab

    binaries = [("interpreted", [str(ROOT / ".venv" / "bin" / "cvpn-doctor")])]
    onedir = ROOT / "dist" / "onedir" / "cvpn-doctor" / "cvpn-doctor"
    if onedir.exists():
        binaries.append(("one-folder", [str(onedir)]))
    print(f"bench_lab: deadline {args.deadline:g} s, doctor median of {args.runs} runs (wall time of the process "
          f"under `ip netns exec`), manual sequence once; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-bench-lab-"))
    lab = Lab(workdir)
    try:
        for key in args.scenarios.split(","):
            scenario = sc.BY_KEY[key.strip()]
            running = lab.up(scenario)
            try:
                servers = list(dict.fromkeys(_laptop_resolvers(running) + list(scenario.pushed_dns)))
                print(f"\n  {scenario.key}: {scenario.title}\n    servers {servers}, names {list(scenario.names)}, "
                      f"bring-up {running.bringup_s:.2f} s")
                doctor_med = None
                for label, binary in binaries:
                    times, verdict = bench_doctor(binary, running, args.deadline, args.runs)
                    med = statistics.median(times)
                    doctor_med = doctor_med or med
                    target = HEALTHY_TARGET_S if scenario.expect.verdict == "healthy" else args.deadline + SLACK_S
                    print(f"    doctor {label:<11} median {med:6.2f} s (min {min(times):.2f}, max {max(times):.2f})"
                          f"  target < {target:g} s: {'met' if med < target else 'MISSED'}\n"
                          f"      verdict: {verdict}")
                if not args.no_manual:
                    total, lines = bench_manual(running, defaults=not args.lab_options)
                    how = "the lab's timeout:1 attempts:1" if args.lab_options else "default timeouts"
                    print(f"    manual (getent + dig, {how}, one at a time): {total:6.2f} s "
                          f"= {total / doctor_med:.1f} x the doctor")
                    for line in lines:
                        print(f"      {line}")
            finally:
                problems = lab.down(running)
                if problems:
                    print(f"    teardown problems: {problems}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
