"""Time to a verdict in the lab: cvpn-doctor vs `dig` and `getent hosts`, in the same run.

    sudo .venv/bin/python benchmarks/bench_lab.py [--runs 5] [--deadline 3] [--scenarios S2-healthy,S1-public-dns]

Brings lab scenarios up with the tests/lab Python API (real OpenVPN + dnsmasq in network
namespaces; see tests/lab/README.md) and, inside the laptop namespace, measures the wall
time of whole processes (start-up included):

* the doctor: `cvpn-doctor diagnose --json --timeout D --name ... --log CLIENT_LOG`, the
  console script and, when built, the one-folder binary (dist/onedir);
* the anchors, on the same scenario and in the same rounds as the doctor: one query as a
  person would type it, with default settings -- `dig @SERVER NAME` (dig: 5 s x 3 tries)
  and `getent hosts NAME` (glibc: 5 s x 2 attempts per server) -- for the first laptop
  resolver and the first name.  When the scenario is healthy, every round runs the
  doctor and both anchors in turn (median of --runs); when a server is black-holed an
  anchor takes 10-15 s, so each anchor runs once;
* optionally (--manual) the whole manual sequence, one command at a time: per name
  `getent hosts`, then per server `dig` and `dig +tcp`.

The lab's resolv.conf sets `timeout:1 attempts:1` (fast lab tests); dig and glibc read it,
so the defaults a laptop has are restored explicitly: RES_OPTIONS=timeout:5 attempts:2 for
glibc (resolv.conf(5)), +time=5 +tries=3 for dig (dig(1)).

Targets: healthy (S2-healthy) <= 0.25 s; black-holed (S1-public-dns: the only resolver
silent behind a full tunnel without egress) <= deadline + 0.15 s.  Needs root and the
lab tools; otherwise prints why and exits 0 (a benchmark, not a test).  Packets stay
inside the lab's namespaces.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import _children_cpu_s, child_env, line, load, median  # noqa: E402

SLACK_S = 0.15
HEALTHY_TARGET_S = 0.25
CMD_TIMEOUT_S = 60.0
DIG_DEFAULTS = ["dig", "+time=5", "+tries=3"]
GLIBC_DEFAULTS = ["env", "RES_OPTIONS=timeout:5 attempts:2"]


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
    out = []
    for line_ in running.ns.resolv_conf("laptop").read_text().splitlines():
        parts = line_.split()
        if len(parts) >= 2 and parts[0] == "nameserver" and parts[1] not in out:
            out.append(parts[1])
    return out


def _timed(argv: list[str], timeout: float = CMD_TIMEOUT_S) -> tuple[float, subprocess.CompletedProcess | None]:
    elapsed, _cpu, proc = _timed_cpu(argv, timeout)
    return elapsed, proc


def _timed_cpu(argv: list[str], timeout: float = CMD_TIMEOUT_S) -> tuple[float, float, subprocess.CompletedProcess | None]:
    """(wall s, CPU s of the process and the children it waited for, result or None on timeout)."""
    cpu0 = _children_cpu_s()
    start = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=child_env({"LC_ALL": "C"}),
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, float("nan"), None
    return time.perf_counter() - start, _children_cpu_s() - cpu0, proc


def doctor_argv(binary: list[str], running, deadline: float) -> list[str]:
    argv = [*binary, "diagnose", "--json", "--timeout", str(deadline)]
    for name in running.scenario.names:
        argv += ["--name", name]
    if running.client_log.exists():
        argv += ["--log", str(running.client_log)]
    return running.ns.exec_argv("laptop", argv)


def _doctor_once(binary: list[str], running, deadline: float) -> tuple[float, float, str]:
    elapsed, cpu, proc = _timed_cpu(doctor_argv(binary, running, deadline), deadline + 30)
    if proc is None:
        raise RuntimeError(f"doctor did not finish within {deadline + 30:g} s")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"doctor exit {proc.returncode}, no JSON: {proc.stderr[-400:]}") from None
    return elapsed, cpu, f"{report['scenario']['id']} {report['verdict']} {sorted(f['code'] for f in report['findings'])}"


def anchors(running) -> dict[str, list[str]]:
    name = running.scenario.names[0].split("=", 1)[0]
    server = (_laptop_resolvers(running) or list(running.scenario.pushed_dns))[0]
    return {f"dig @{server} {name}": running.ns.exec_argv("laptop", [*DIG_DEFAULTS, f"@{server}", name]),
            f"getent hosts {name}": running.ns.exec_argv("laptop", [*GLIBC_DEFAULTS, "getent", "hosts", name])}


def manual(running) -> tuple[float, list[str]]:
    """The person's whole sequence, once; the total and one line per command."""
    names = [n.split("=", 1)[0] for n in running.scenario.names]
    servers = list(dict.fromkeys(_laptop_resolvers(running) + list(running.scenario.pushed_dns)))
    steps: list[list[str]] = []
    for name in names:
        steps.append([*GLIBC_DEFAULTS, "getent", "hosts", name])
        for server in servers:
            steps.append([*DIG_DEFAULTS, f"@{server}", name])
            steps.append([*DIG_DEFAULTS, "+tcp", f"@{server}", name])
    total, lines = 0.0, []
    for argv in steps:
        elapsed, proc = _timed(running.ns.exec_argv("laptop", argv))
        total += elapsed
        status = "timeout (killed)" if proc is None else f"exit {proc.returncode}"
        lines.append(f"{' '.join(argv):<70} {elapsed:6.2f} s  {status}")
    return total, lines


def bench_scenario(running, binaries, args) -> list[str]:
    healthy = running.scenario.expect.verdict == "healthy"
    anchor_argv = anchors(running)
    if healthy:   # the floor of any Python program's wall time, in the same namespace and rounds
        anchor_argv["python -c pass"] = running.ns.exec_argv("laptop", [sys.executable, "-c", "pass"])
    times: dict[str, list[float]] = {label: [] for label, _ in binaries}
    cpus: dict[str, list[float]] = {label: [] for label, _ in binaries}
    anchor_times: dict[str, list[float]] = {label: [] for label in anchor_argv}
    anchor_cpus: dict[str, list[float]] = {label: [] for label in anchor_argv}
    verdicts: dict[str, str] = {}
    for _label, binary in binaries:       # warm-up (page cache, .pyc)
        _doctor_once(binary, running, args.deadline)
    for i in range(args.runs):
        for label, binary in binaries:
            elapsed, cpu, verdicts[label] = _doctor_once(binary, running, args.deadline)
            times[label].append(elapsed)
            cpus[label].append(cpu)
        if healthy or i == 0:
            for label, argv in anchor_argv.items():
                elapsed, cpu, proc = _timed_cpu(argv)
                anchor_times[label].append(elapsed)
                anchor_cpus[label].append(cpu)
                if proc is None:
                    print(f"    anchor {label}: killed after {CMD_TIMEOUT_S:g} s")
    anchor_med = {label: median(v) for label, v in anchor_times.items()}
    for label, _ in binaries:
        t = times[label]
        print(f"    doctor {label:<14} wall median {median(t):6.3f} s (min {min(t):.3f}, max {max(t):.3f}), "
              f"CPU median {median(cpus[label]):.3f} s   verdict: {verdicts[label]}")
    for label, value in anchor_med.items():
        runs = len(anchor_times[label])
        print(f"    anchor {label:<32} {value:6.3f} s ({'median of ' + str(runs) if runs > 1 else 'one run'}), "
              f"CPU {median(anchor_cpus[label]):.3f} s")
    if args.manual:
        total, lines = manual(running)
        print(f"    manual sequence (getent, dig, dig +tcp; default timeouts; one at a time): {total:6.2f} s "
              f"= x{total / median(times[binaries[0][0]]):.1f} the doctor")
        for text in lines:
            print(f"      {text}")
    limit = HEALTHY_TARGET_S if healthy else args.deadline + SLACK_S
    kind = "healthy" if healthy else f"black-holed, deadline {args.deadline:g} s"
    out = []
    for label, _ in binaries:
        what = f"lab {running.scenario.key} ({kind}), {label}"
        if healthy:   # nothing to wait for but a few ms of network: CPU time is what it costs
            out.append(line(f"{what} (CPU)", median(cpus[label]), limit, "s",
                            [(f"{a} CPU", median(v)) for a, v in anchor_cpus.items()]))
        out.append(line(f"{what} (wall)", median(times[label]), limit, "s", list(anchor_med.items())))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--deadline", type=float, default=3.0, help="the doctor's --timeout (its default is 3)")
    ap.add_argument("--scenarios", default="S2-healthy,S1-public-dns")
    ap.add_argument("--manual", action="store_true", help="also time the whole manual sequence (slow when black-holed)")
    args = ap.parse_args()
    reason = _why_not()
    if reason:
        print(f"bench_lab: skipped: {reason}")
        return 0

    from tests.lab import scenarios as sc
    from tests.lab.lab import Lab

    binaries = [("console script", [str(ROOT / ".venv" / "bin" / "cvpn-doctor")])]
    onedir = ROOT / "dist" / "onedir" / "cvpn-doctor" / "cvpn-doctor"
    if onedir.exists():
        binaries.append(("one-folder", [str(onedir)]))
    print(f"bench_lab: deadline {args.deadline:g} s, median of {args.runs} runs after a warm-up (wall time of the "
          f"process under `ip netns exec`); python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {load()}")
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-bench-lab-"))
    lab = Lab(workdir)
    summary: list[str] = []
    try:
        for key in args.scenarios.split(","):
            scenario = sc.BY_KEY[key.strip()]
            running = lab.up(scenario)
            try:
                servers = list(dict.fromkeys(_laptop_resolvers(running) + list(scenario.pushed_dns)))
                print(f"\n  {scenario.key}: {scenario.title}\n    servers {servers}, names {list(scenario.names)}, "
                      f"bring-up {running.bringup_s:.2f} s")
                summary += bench_scenario(running, binaries, args)
            finally:
                problems = lab.down(running)
                if problems:
                    print(f"    teardown problems: {problems}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    for text in summary:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
