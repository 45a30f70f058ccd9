"""Start-up time, as ratios to `python -c pass` measured in the same run.

    .venv/bin/python benchmarks/bench_startup.py [--runs 15] [--skip-collect]

For each command (`--version`, `--help`, `explain`, `explain CODE`, `collect --json`) and
each build found -- the console script `.venv/bin/cvpn-doctor`, `python -m agent`, and the
PyInstaller builds in dist/onedir and dist/onefile (packaging/build.sh, `make build`) --
run it --runs times (after one warm-up round, so the page cache is warm as on a second
start) and print the median (and min) wall time of the whole process, its median CPU
time (user + system, with the children it waited for), and their ratios to the anchor:
`python -c pass` with the same interpreter (the venv's, whose site imports the editable
install's finder), run in turn with the builds in every round so both see the same
machine load.  On this shared machine wall time mostly measures the other jobs; CPU
time is the stable figure, and both are printed against each target.

Targets: `--version` <= 100 ms, `explain` and `explain CODE` <= 150 ms (console script);
one-folder binary `--version` <= 150 ms.  Each run is bounded by a timeout; `collect`
only reads local state (no packets).  Not a test.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import interleaved, line, load, median  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXE = ".exe" if sys.platform == "win32" else ""
BIN = ROOT / ".venv" / ("Scripts" if sys.platform == "win32" else "bin")
CONSOLE = "console script"
ONEDIR = "one-folder"
TARGETS = [  # (build, command, limit ms)
    (CONSOLE, "--version", 100.0),
    (CONSOLE, "explain", 150.0),
    (CONSOLE, "explain dns-tcp53-blocked", 150.0),
    (ONEDIR, "--version", 150.0),
]


def builds() -> list[tuple[str, list[str]]]:
    found = []
    script = BIN / f"cvpn-doctor{EXE}"
    if script.exists():
        found.append((CONSOLE, [str(script)]))
    found.append(("python -m agent", [sys.executable, "-m", "agent"]))
    for label, path in ((ONEDIR, ROOT / "dist" / "onedir" / "cvpn-doctor" / f"cvpn-doctor{EXE}"),
                        ("one-file", ROOT / "dist" / "onefile" / f"cvpn-doctor{EXE}")):
        if path.exists():
            found.append((label, [str(path)]))
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--skip-collect", action="store_true", help="leave out `collect --json`")
    args = ap.parse_args()
    commands = [["--version"], ["--help"], ["explain"], ["explain", "dns-tcp53-blocked"]]
    if not args.skip_collect:
        commands.append(["collect", "--json"])
    found = builds()
    print(f"bench_startup: {args.runs} rounds after a warm-up; median wall ms (min), median CPU ms; "
          f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {sys.platform}, load average {load()}")
    width = max(len(label) for label, _ in found)
    wall: dict[tuple[str, str], float] = {}
    cpu: dict[tuple[str, str], float] = {}
    anchors: dict[str, tuple[float, float]] = {}
    for cmd in commands:
        name = " ".join(cmd)
        argvs = {"python -c pass": [sys.executable, "-c", "pass"]}
        argvs.update({label: argv + cmd for label, argv in found})
        times = interleaved(argvs, args.runs, cwd=ROOT, ok=(0, 1, 3, 4))  # findings, nothing collected, cannot tell
        a_wall, a_cpu = times.pop("python -c pass")
        anchors[name] = (median(a_wall), median(a_cpu))
        print(f"\n  cvpn-doctor {name}   (python -c pass in the same rounds: {anchors[name][0]:.1f} ms wall, "
              f"{anchors[name][1]:.1f} ms CPU)")
        for label, _argv in found:
            w, c = times[label]
            wall[(label, name)], cpu[(label, name)] = median(w), median(c)
            print(f"    {label:<{width}}  wall {median(w):7.1f} ({min(w):6.1f})  x{median(w) / anchors[name][0]:5.2f}"
                  f"   CPU {median(c):7.1f}  x{median(c) / anchors[name][1]:5.2f}")
    print()
    for build, command, limit in TARGETS:
        what = f"start-up, {build}: {command}"
        if (build, command) not in wall:
            print(f"target  {what:<52} not measured ({build} not built: make build)")
            continue
        print(line(f"{what} (CPU)", cpu[(build, command)], limit, "ms", [("python -c pass", anchors[command][1])]))
        print(line(f"{what} (wall)", wall[(build, command)], limit, "ms", [("python -c pass", anchors[command][0])]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
