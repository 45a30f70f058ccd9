"""Time-to-result of the probe engine vs. the same queries made one after another with dig.

    .venv/bin/python benchmarks/bench_probes.py [--servers 4] [--names 5] [--deadline 2] [--runs 3]

N fake servers (tests/fakedns.py) on 127.0.0.1 .. 127.0.0.N (Linux routes all of 127/8
to lo; elsewhere use --same-address), each crossed with M names over UDP and TCP, in two
scenarios:

* black-holed: every server reads the queries and never answers (UDP dropped; TCP
  accepted and left unanswered: a SYN cannot be dropped on loopback without root);
* answering: every server answers every name.

For each scenario: the median wall time of ``probes.run(plan, deadline)`` over --runs,
and the median of the sequential equivalent a person would type, one dig per query:
``dig +time=D +tries=1 @ADDR -p PORT NAME A`` (and ``+tcp``).  Every packet stays on
loopback.  Not run as a test.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent import probes  # noqa: E402
from agent.model import NameCheck, Transport  # noqa: E402
from tests.fakedns import FakeDNS, Fault  # noqa: E402

DIG = shutil.which("dig") or "/usr/bin/dig"


def engine_once(plan: probes.ProbePlan, deadline: float) -> tuple[float, dict[str, int]]:
    t0 = time.perf_counter()
    result = probes.run(plan, deadline_s=deadline, system_names=())
    elapsed = time.perf_counter() - t0
    counts: dict[str, int] = {}
    for r in result.results:
        counts[r.outcome.value] = counts.get(r.outcome.value, 0) + 1
    return elapsed, counts


def dig_once(plan: probes.ProbePlan, deadline: float) -> tuple[float, dict[str, int]]:
    counts: dict[str, int] = {}
    t0 = time.perf_counter()
    for item in plan.items:
        argv = [DIG, f"+time={int(max(1, round(deadline)))}", "+tries=1", f"@{item.server}", "-p", str(item.port),
                item.name, item.qtype]
        if item.transport is Transport.TCP:
            argv.append("+tcp")
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=deadline * 5 + 5).stdout
        except subprocess.TimeoutExpired:
            out = "subprocess timeout"
        if "status: NOERROR" in out:
            key = "answer"
        elif "timed out" in out or "no servers could be reached" in out or "subprocess timeout" in out:
            key = "timeout"
        else:
            key = "other"
        counts[key] = counts.get(key, 0) + 1
    return time.perf_counter() - t0, counts


def median_of(fn, runs: int, *args) -> tuple[float, list[float], dict[str, int]]:
    times, counts = [], {}
    for _ in range(runs):
        elapsed, counts = fn(*args)
        times.append(elapsed)
    return statistics.median(times), times, counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--servers", type=int, default=4)
    ap.add_argument("--names", type=int, default=5)
    ap.add_argument("--deadline", type=float, default=2.0, help="run() deadline and dig +time (s)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median)")
    ap.add_argument("--dig-runs", type=int, default=None, help="runs of the sequential dig (default: --runs)")
    ap.add_argument("--same-address", action="store_true", help="all servers on 127.0.0.1 (distinct ports)")
    args = ap.parse_args()
    dig_runs = args.dig_runs or args.runs
    have_dig = Path(DIG).exists()

    names = [NameCheck(f"n{i}.bench.example") for i in range(args.names)]
    records = {c.name: ["10.0.0.1"] for c in names}
    print(f"{args.servers} servers x {args.names} names x UDP+TCP = {args.servers * args.names * 2} probes,"
          f" deadline {args.deadline:g} s, median of {args.runs} (dig: {dig_runs}); dig: {DIG if have_dig else 'absent'}")
    rows = []
    for scenario, kwargs in (("black-holed", dict(mode=Fault.DROP)), ("answering", dict(records=records))):
        hosts = ["127.0.0.1" if args.same_address else f"127.0.0.{i + 1}" for i in range(args.servers)]
        fakes = [FakeDNS(host, **kwargs) for host in hosts]
        try:
            for fake in fakes:
                fake.start()
            plan = probes.plan(None, names, [f.server for f in fakes])
            eng_med, eng_times, eng_counts = median_of(engine_once, args.runs, plan, args.deadline)
            print(f"  {scenario:<12} run():  median {eng_med:8.3f} s  runs {[round(t, 3) for t in eng_times]}"
                  f"  outcomes {eng_counts}", flush=True)
            if have_dig:
                dig_med, dig_times, dig_counts = median_of(dig_once, dig_runs, plan, args.deadline)
                print(f"  {scenario:<12} dig:    median {dig_med:8.3f} s  runs {[round(t, 3) for t in dig_times]}"
                      f"  outcomes {dig_counts}", flush=True)
            else:
                dig_med = float("nan")
            rows.append((scenario, eng_med, dig_med))
        finally:
            for fake in fakes:
                fake.stop()
    print()
    print(f"{'scenario':<12} {'run() s':>10} {'sequential dig s':>18} {'dig / run()':>12}")
    for scenario, eng, dig in rows:
        print(f"{scenario:<12} {eng:>10.3f} {dig:>18.3f} {dig / eng:>11.1f}x")
    blackholed = rows[0][1]
    ok = blackholed < args.deadline + 0.5
    print(f"\nblack-holed run() {blackholed:.3f} s {'<' if ok else '>='} deadline + 0.5 s = {args.deadline + 0.5:g} s:"
          f" {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
