"""One line per target, the same in every benchmark, so `make bench` can gather them:

    target  <what>  <figure>  <= <limit>  met|MISSED  x<ratio> <anchor> (<anchor figure>)

The ratio is the figure over an anchor measured in the same run (``python -c pass``,
``dig``, ``getent hosts``, ``json.loads`` of the same input): on a shared machine whose
speed drifts by tens of percent between runs, the ratio is the comparable number.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import time

PREFIX = "target"


def line(what: str, figure: float, limit: float, unit: str, anchors: list[tuple[str, float]] | tuple = ()) -> str:
    fmt = _fmt(unit)
    status = "met" if figure <= limit else "MISSED"
    ratios = "; ".join(f"x{figure / value:.2f} {name} ({fmt(value)})" for name, value in anchors if value > 0)
    return f"{PREFIX}  {what:<52} {fmt(figure):>9}  <= {fmt(limit):<9} {status:<6}  {ratios}"


def _fmt(unit: str):
    if unit == "ms":
        return lambda v: f"{v:.0f} ms"
    if unit == "s":
        return lambda v: f"{v:.2f} s"
    if unit == "MB":
        return lambda v: f"{v:.0f} MB"
    return lambda v: f"{v:g} {unit}"


def child_env(extra: dict | None = None) -> dict:
    """The environment of measured processes: NO_COLOR, and bytecode caching allowed.
    PYTHONDONTWRITEBYTECODE (set in some CI and agent shells) would make every run compile
    the project's modules from source, which no installed copy does (pip compiles at
    install, PyInstaller ships bytecode); the warm-up run writes the .pyc files."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "NO_COLOR": "1", **(extra or {})}


def _children_cpu_s() -> float:
    try:
        import resource
    except ImportError:            # Windows: no CPU figure for children
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], cwd=None, env=None, ok=(0,), timeout: float = 120) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run of argv; raises on an exit status not in `ok`.  CPU is
    user + system time of the process and of the children it waited for (its `ip` runs):
    unlike wall time it does not grow while the process waits for a CPU that other jobs
    hold, so on a shared machine it is the stable figure (on an idle machine wall time is
    CPU time plus real waits: network, subprocesses)."""
    env = child_env(env)
    cpu0 = _children_cpu_s()
    start = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, env=env,
                          timeout=timeout)
    elapsed = (time.perf_counter() - start) * 1000
    cpu = (_children_cpu_s() - cpu0) * 1000
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
    return elapsed, cpu


def interleaved(argvs: dict[str, list[str]], runs: int, cwd=None, env=None,
                ok=(0,)) -> dict[str, tuple[list[float], list[float]]]:
    """`runs` rounds (after a warm-up round), each running every argv once in turn, so the
    anchor and the commands see the same machine load: per argv, (wall ms list, CPU ms list)."""
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in argvs}
    for i in range(runs + 1):
        for key, argv in argvs.items():
            wall, cpu = run_once(argv, cwd=cwd, env=env, ok=ok)
            if i:
                out[key][0].append(wall)
                out[key][1].append(cpu)
    return out


def load() -> str:
    """The load average, printed with every figure: this machine is shared."""
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def median(values) -> float:
    return statistics.median(values)
