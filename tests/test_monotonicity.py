"""Removing evidence never adds a conclusion (docs/design.md: unknown is not absent).

For every multi-source fixture set -- the lab's recorded reports (real OpenVPN + dnsmasq in
network namespaces: raw captures and probes, tests/fixtures/lab) and sets of real Windows
and macOS captures -- drop each source in turn (and, as a property, any subset of them, and
the probes) and classify again.  Removing evidence may remove findings or turn the
scenario into "cannot tell"; it must never add a finding the full evidence does not have,
never move to another documented scenario, and never turn a problem into "healthy".
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import run
from agent.model import Platform, ProbeRun, RawCapture, Report, SourceCapture, SourceKind, Verdict

FIX = Path(__file__).parent / "fixtures"
LAB = sorted((FIX / "lab").glob("*.report.json"))


def _files(platform: Platform, **files: str) -> tuple[RawCapture, ProbeRun]:
    caps = tuple(SourceCapture(id=sid.replace("_", "-"), kind=SourceKind.COMMAND,
                               text=(FIX / platform.value / name).read_text(encoding="utf-8"))
                 for sid, name in files.items())
    return RawCapture(platform=platform, collected_at="2026-11-28T12:00:00Z", sources=caps), ProbeRun()


def _sets() -> dict[str, tuple[RawCapture, ProbeRun, tuple, tuple]]:
    out = {}
    for path in LAB:
        report = Report.from_dict(json.loads(path.read_text()))
        assert report.raw is not None, f"{path.name}: a recorded report keeps its raw captures"
        expected = tuple(report.context.get("expected_dns", ()))
        out[f"lab/{path.name.split('.')[0]}"] = (report.raw, report.probe_run, report.names, expected)
    for key, (platform, files) in {
        "windows/split-multihomed+nrpt": (Platform.WINDOWS, dict(powershell="powershell--aws-split-multihomed.out",
                                                                  winreg_nrpt="winreg-nrpt--empty.out")),
        "windows/full-tunnel-local-dns": (Platform.WINDOWS, dict(powershell="powershell--aws-full-tunnel-local-dns.out")),
        "windows/disconnected+nrpt": (Platform.WINDOWS, dict(
            powershell="powershell--ps51-single-items-disconnected.out",
            winreg_nrpt="winreg-nrpt--local-catchall-smart-off.out")),
        "macos/supplemental-utun+def1-routes": (Platform.MACOS, dict(
            scutil_dns="scutil-dns--eduvpn-apple-250-supplemental-utun-no-domain.out",
            netstat_inet="netstat-rn--tun2socks-89-def1-halves-utun2.out")),
    }.items():
        raw, probes = _files(platform, **files)
        out[key] = (raw, probes, (), ())
    return out


SETS = _sets()


def classify(raw: RawCapture, probes: ProbeRun, names, expected) -> Report:
    snapshot = run.reparse(raw)
    return run.assemble(raw, snapshot, probes, names, {}, expected)


def _check(full: Report, part: Report, what: str) -> None:
    full_codes = {f.code for f in full.findings}
    part_codes = {f.code for f in part.findings}
    assert part_codes <= full_codes, f"{what}: added {sorted(part_codes - full_codes)}"
    assert part.scenario.id in (full.scenario.id, "cannot-tell"), f"{what}: {full.scenario.id} -> {part.scenario.id}"
    if full.verdict is not Verdict.HEALTHY:
        assert part.verdict is not Verdict.HEALTHY, f"{what}: {full.verdict.value} -> healthy"


def _without(raw: RawCapture, drop: set[str]) -> RawCapture:
    return RawCapture(platform=raw.platform, collected_at=raw.collected_at,
                      sources=tuple(s for s in raw.sources if s.id not in drop))


def test_the_lab_reports_are_recorded() -> None:
    assert len(LAB) >= 10, "tests/fixtures/lab holds one recorded report per lab scenario"


@pytest.mark.parametrize("key", sorted(SETS))
def test_dropping_any_one_source_or_the_probes_adds_nothing(key: str) -> None:
    raw, probes, names, expected = SETS[key]
    full = classify(raw, probes, names, expected)
    for src in raw.sources:
        _check(full, classify(_without(raw, {src.id}), probes, names, expected), f"{key} without {src.id}")
    _check(full, classify(raw, ProbeRun(names=names, skipped="dropped"), names, expected), f"{key} without probes")


@settings(max_examples=int(os.environ.get("MONOTONICITY_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(sorted(SETS)), data=st.data())
def test_dropping_any_subset_of_sources_adds_nothing(key: str, data) -> None:
    raw, probes, names, expected = SETS[key]
    ids = sorted({s.id for s in raw.sources})
    drop = data.draw(st.sets(st.sampled_from(ids), max_size=len(ids)))
    keep_probes = data.draw(st.booleans())
    full = classify(raw, probes, names, expected)
    part = classify(_without(raw, drop), probes if keep_probes else ProbeRun(names=names, skipped="dropped"),
                    names, expected)
    _check(full, part, f"{key} without {sorted(drop)}{'' if keep_probes else ' and the probes'}")
