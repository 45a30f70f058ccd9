"""Start-up time: interpreted vs frozen one-folder vs frozen one-file.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--skip-collect]

For each command (`--version`, `--help`, `explain`, `explain CODE`, `collect --json`) and
each build found -- the console script `.venv/bin/cvpn-doctor`, `python -m agent`, and the
PyInstaller builds in dist/onedir and dist/onefile (packaging/build.sh) -- run it --runs
times (after one warm-up run, so the page cache is warm as on a second start) and print
the median and min wall time of the whole process, and the ratio to the interpreted
console script.  Targets: --version < 150 ms interpreted, one-folder start-up < 400 ms.
Each run is bounded by a timeout; `collect` only reads local state (no packets).
Not a test.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""
BIN = ROOT / ".venv" / ("Scripts" if sys.platform == "win32" else "bin")
TARGET_VERSION_MS = 150.0
TARGET_ONEDIR_MS = 400.0


def builds() -> list[tuple[str, list[str]]]:
    found = []
    script = BIN / f"cvpn-doctor{EXE}"
    if script.exists():
        found.append(("interpreted (console script)", [str(script)]))
    found.append(("interpreted (python -m agent)", [sys.executable, "-m", "agent"]))
    for label, path in (("frozen one-folder", ROOT / "dist" / "onedir" / "cvpn-doctor" / f"cvpn-doctor{EXE}"),
                        ("frozen one-file", ROOT / "dist" / "onefile" / f"cvpn-doctor{EXE}")):
        if path.exists():
            found.append((label, [str(path)]))
    return found


def time_runs(argv: list[str], runs: int) -> list[float]:
    """Wall times in ms of `runs` runs (after one warm-up); raises if a run fails."""
    env = {**os.environ, "NO_COLOR": "1"}
    out = []
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env,
                              timeout=120)
        elapsed = (time.perf_counter() - start) * 1000
        if proc.returncode not in (0, 1, 3):   # 1: findings, 3: nothing collectable (still a start-up)
            raise RuntimeError(f"{argv}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
        if i:
            out.append(elapsed)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--skip-collect", action="store_true", help="leave out `collect --json`")
    args = ap.parse_args()
    commands = [["--version"], ["--help"], ["explain"], ["explain", "dns-tcp53-blocked"]]
    if not args.skip_collect:
        commands.append(["collect", "--json"])
    found = builds()
    print(f"bench_startup: {args.runs} runs each after a warm-up; median (min) wall ms; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {sys.platform}")
    width = max(len(label) for label, _ in found)
    results: dict[tuple[str, str], float] = {}
    for cmd in commands:
        name = " ".join(cmd)
        print(f"\n  cvpn-doctor {name}")
        base = None
        for label, argv in found:
            times = time_runs(argv + cmd, args.runs)
            med = statistics.median(times)
            results[(label, name)] = med
            base = base or med
            print(f"    {label:<{width}}  {med:7.1f} ({min(times):6.1f})  x{med / base:4.2f}")
    print()
    v = results.get(("interpreted (console script)", "--version"))
    if v is not None:
        print(f"  target --version interpreted < {TARGET_VERSION_MS:g} ms: {v:.0f} ms, "
              f"{'met' if v < TARGET_VERSION_MS else 'MISSED'}")
    worst = max((ms for (label, _), ms in results.items() if label == "frozen one-folder"), default=None)
    if worst is not None:
        print(f"  target one-folder start-up < {TARGET_ONEDIR_MS:g} ms (slowest command above): {worst:.0f} ms, "
              f"{'met' if worst < TARGET_ONEDIR_MS else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
