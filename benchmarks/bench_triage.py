"""Triage at help-desk scale: `cvpn-doctor triage` over 10,000 report.json files.

    .venv/bin/python benchmarks/bench_triage.py [--reports 10000] [--runs 3] [--keep DIR]

The corpus: one report per fixture in tests/fixtures (each a real capture plus the planted VPN
log and profile of tests/planted.py, classified: 30-60 KB of JSON with its raw captures, as
`diagnose --json` writes them), cycled with a fresh report_id each, in folders of 100
(`NNN/report-NNNNN.json`); one in 50 is written as a bundle zip instead.
Each run is a fresh `cvpn-doctor triage DIR --format F --output /dev/null` process (the CLI
run through `python -c`, start-up included): wall time (time.perf_counter around the
process), its CPU time (user + system, from getrusage of the children) and its peak RSS
(VmHWM, read from /proc/self/status at exit).  Prints the median per format against the targets
(<= 10 s and <= 150 MB for 10,000 reports), and the per-report cost.  Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_S = 10.0
TARGET_MB = 150.0
FORMATS = ("table", "csv", "jsonl", "markdown")

# Runs the CLI and reports its own high-water mark of resident memory on stderr at exit.
_CHILD = """
import atexit, sys
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("VMHWM_KB " + line.split()[1] + "\\n")
atexit.register(_hwm)
sys.argv = ["cvpn-doctor"] + sys.argv[1:]
from agent.cli import main
main()
"""


def build_corpus(folder: Path, n: int) -> tuple[int, int]:
    """Write n reports under folder; returns (files, bytes)."""
    import planted
    from agent import bundle

    reports = [planted.fixture_report(p) for p in planted.fixture_files()]
    texts = [json.dumps(r.to_dict(), indent=2, ensure_ascii=False) for r in reports]
    total = 0
    for i in range(n):
        sub = folder / f"{i // 100:03d}"
        sub.mkdir(exist_ok=True)
        base = reports[i % len(reports)]
        if i % 50 == 49:
            path = sub / f"bundle-{i:05d}.zip"
            bundle.write_bundle(base.__class__.from_dict({**base.to_dict(), "report_id": str(uuid.uuid4())}),
                                path, force=True, fsync=lambda fd: None)
        else:
            text = texts[i % len(texts)].replace(base.report_id, str(uuid.uuid4()), 1)
            path = sub / f"report-{i:05d}.json"
            path.write_text(text, encoding="utf-8")
        total += path.stat().st_size
    return n, total


def run_once(folder: Path, fmt: str) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one triage process."""
    argv = [sys.executable, "-c", _CHILD, "triage", str(folder), "--format", fmt, "--output", "/dev/null"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=600)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    hwm = next((int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("VMHWM_KB")), 0)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"triage failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return wall, cpu, hwm / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the corpus here and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="cvpn-triage-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        files, size = build_corpus(folder, args.reports)
        print(f"corpus: {files} reports ({files - files // 50} report.json + {files // 50} bundles), "
              f"{size / 1e6:.0f} MB, built in {time.perf_counter() - start:.1f} s", flush=True)
        check = subprocess.run([sys.executable, "-m", "agent", "triage", str(folder), "--format", "json"],
                               capture_output=True, text=True, cwd=ROOT, timeout=600)
        counted = json.loads(check.stdout)
        print(f"triage counted {counted['reports']} reports, {counted['unreadable']} unreadable, "
              f"{counted['duplicates']} duplicates", flush=True)
        print(f"load average before the runs: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
              "(the machine is shared: CPU time is the steadier figure)")
        print(f"{'format':<10} {'wall s':>7} {'min s':>6} {'CPU s':>6} {'ms/report':>10} {'peak RSS MB':>12}   target")
        worst_s = worst_mb = worst_cpu = 0.0
        for fmt in FORMATS:
            walls, cpus, mems = [], [], []
            for _ in range(args.runs):
                wall, cpu, mb = run_once(folder, fmt)
                walls.append(wall)
                cpus.append(cpu)
                mems.append(mb)
            med = statistics.median(walls)
            worst_s, worst_mb = max(worst_s, med), max(worst_mb, max(mems))
            worst_cpu = max(worst_cpu, statistics.median(cpus))
            print(f"{fmt:<10} {med:>7.2f} {min(walls):>6.2f} {statistics.median(cpus):>6.2f} "
                  f"{1000 * med / files:>10.3f} {max(mems):>12.1f}   <= {TARGET_S:g} s, <= {TARGET_MB:g} MB", flush=True)
        ok = worst_s <= TARGET_S * args.reports / 10_000 and worst_mb <= TARGET_MB
        print(f"slowest format {worst_s:.2f} s wall, most memory {worst_mb:.1f} MB: "
              f"{'within' if ok else 'OUTSIDE'} the targets (load average now {os.getloadavg()[0]:.1f}; "
              f"wall time on a shared machine is CPU time stretched by the load)")
        from targets import line   # benchmarks/targets.py: the summary `make bench` prints

        what = f"triage of {files} reports, slowest format"
        print()
        print(line(f"{what} (CPU)", worst_cpu, TARGET_S * args.reports / 10_000, "s"))
        print(line(f"{what} (wall)", worst_s, TARGET_S * args.reports / 10_000, "s"))
        print(line(f"triage of {files} reports, peak RSS", worst_mb, TARGET_MB, "MB"))
        return 0
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
