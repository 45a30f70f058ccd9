"""In the lab (real OpenVPN and dnsmasq in network namespaces, tests/lab): a diagnosis that
probes while it collects gives the report one that collects first gives, apart from
timings -- with every server answering, with the only one black-holed, and with one of
two silent.  Both run back to back in one process inside the laptop namespace (packets
stay in the lab).  No timing is asserted: speed figures are in benchmarks/bench_lab.py."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.lab

TIMINGS = {"rtt_ms", "rtt_ms_min", "rtt_ms_max", "duration_s", "elapsed_s", "probe_elapsed_s", "generated_at",
           "started_at", "collected_at", "report_id"}   # report_id: a random id per run

_DRIVER = """
import json, sys
from agent import run
from agent.commands import Ui, options, parse_name
log, timeout, *names = sys.argv[1:]
opts = options(Ui(), tuple(parse_name(n) for n in names), float(timeout), log, None, None)
out = {}
for label, overlap in (("overlap", True), ("sequential", False)):
    out[label] = run.diagnose(opts, overlap=overlap).to_dict()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def lab():
    from tests.conftest import must_run_all
    from tests.lab.conftest import _why_not
    from tests.lab.lab import Lab

    reason = _why_not()
    if reason is not None:
        if must_run_all():
            pytest.fail(f"lab cannot run under .ci/run: {reason}")
        pytest.skip(f"lab skipped: {reason}")
    workdir = Path(tempfile.mkdtemp(prefix="cvpn-overlap-lab-"))
    try:
        yield Lab(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


_MS = re.compile(r"\b\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)? ms\b")   # RTTs quoted in evidence: "2 probes, 5-6 ms"


def _strip(value, drop_log_text: bool = False):
    """The report without its timings (fields, and round-trip times quoted in text)."""
    if isinstance(value, str):
        return _MS.sub("<ms>", value)
    if isinstance(value, dict):
        if drop_log_text and value.get("id") == "vpn-log":   # the client keeps writing its log
            value = {k: v for k, v in value.items() if k not in ("text", "truncated")}
        return {k: _strip(v, drop_log_text) for k, v in value.items() if k not in TIMINGS}
    if isinstance(value, list):
        return [_strip(v, drop_log_text) for v in value]
    return value


def _differences(a, b, path: str = "") -> list[str]:
    """Where two JSON values differ (paths), for a readable failure."""
    if type(a) is not type(b):
        return [path]
    if isinstance(a, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path} (length {len(a)} != {len(b)})"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"[:300]]


def _settle(running, timeout_s: float = 10.0) -> None:
    """Wait until the laptop's IPv6 addresses have left duplicate address detection: a
    link-local address appearing between the two runs is a real change of the routing
    table, not a difference the overlap made."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        out = subprocess.run(running.ns.exec_argv("laptop", ["ip", "-6", "addr", "show", "tentative"]),
                             capture_output=True, text=True, timeout=10).stdout
        if not out.strip():
            return
        time.sleep(0.1)


@pytest.mark.parametrize("key", ["S2-healthy", "S1-public-dns", "S2-primary-down"])
def test_overlap_gives_the_same_report_in_the_lab(lab, key):
    from tests.lab import scenarios as sc

    running = lab.up(sc.BY_KEY[key])
    try:
        _settle(running)
        # deadline 4 s: the lab's resolv.conf says timeout:1, so getaddrinfo past a silent
        # server ends after ~1 s (more on a loaded machine) -- with a deadline close to that,
        # whether it ends in time would be a race in either run
        argv = running.ns.exec_argv("laptop", [sys.executable, "-c", _DRIVER, str(running.client_log), "4",
                                               *running.scenario.names])
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=60)
    finally:
        problems = lab.down(running)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not problems, problems
    out = json.loads(proc.stdout)
    a, b = _strip(out["overlap"], True), _strip(out["sequential"], True)
    assert a["probes"]
    assert _differences(a, b) == []
    assert out["overlap"]["scenario"]["id"] == running.scenario.expect.scenario
