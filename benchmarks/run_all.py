"""`make bench`: run the benchmarks one after another, then print every target line again,
together, as the summary (figure reached, limit, met/MISSED, ratio to its anchor).

    .venv/bin/python benchmarks/run_all.py [--runs 5]

Each script's own output is shown as it runs.  Not a test: exits 0 whatever the figures,
1 only when a benchmark itself failed to run.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from targets import PREFIX, load  # noqa: E402

SCRIPTS = ("bench_startup.py", "bench_scale.py", "bench_lab.py", "bench_triage.py")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    targets: list[str] = []
    failed: list[str] = []
    for script in SCRIPTS:
        print(f"\n=== {script}", flush=True)
        proc = subprocess.Popen([sys.executable, str(HERE / script), "--runs", str(args.runs)],
                                stdout=subprocess.PIPE, text=True, bufsize=1)
        assert proc.stdout is not None
        for text in proc.stdout:
            sys.stdout.write(text)
            if text.startswith(PREFIX + " "):
                targets.append(text.rstrip("\n"))
        if proc.wait() != 0:
            failed.append(script)
    print(f"\n=== summary (load average now {load()}; CPU lines: what the work costs, wall lines: what "
          "this shared machine gave)")
    for text in targets:
        print(text)
    for script in failed:
        print(f"FAILED to run: {script}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
