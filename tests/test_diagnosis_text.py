"""What the diagnosis SAYS, pinned: the scenario's evidence and every finding's severity,
title, explanation, evidence lines and fixes (the user's and the administrator's), for every classifier table case
(tests/test_classify.py) and every pasted fixture and fixture set
(tests/test_platform_table.py).

The tables pin scenario, codes and verdict; this pins the words the administrator acts on
(a dropped evidence line, an address swapped for another, "primary" for "secondary").  The
recorded text is tests/golden/diagnosis.json, reviewed like code: after a deliberate change of
wording, rewrite it with the one switch, CVPN_REGEN_FIXTURES=1 (tests/fixture_pairs.py; refused
under CI), and read the diff.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixture_pairs import KeyedGolden

from agent.classify import classify
from agent.model import ProbeRun, Snapshot
from tests.test_classify import CASES
from tests.test_platform_table import PASTES, SETS, pasted, set_report

GOLDEN = Path(__file__).parent / "golden" / "diagnosis.json"


def _text(scenario, findings, verdict) -> dict:
    return {"scenario": scenario.id, "scenario_title": scenario.title, "scenario_evidence": list(scenario.evidence), "verdict": verdict.value,
            "findings": [{"code": f.code, "severity": f.severity.value, "title": f.title,
                          "explanation": f.explanation, "evidence": list(f.evidence),
                          "user_fix": f.user_fix, "admin_fix": f.admin_fix} for f in findings]}


def _case(key: str) -> dict:
    snap, probes, *_ = CASES[key]
    d = classify(Snapshot.from_dict(snap.to_dict()), ProbeRun.from_dict(probes.to_dict()))
    return _text(d.scenario, d.findings, d.verdict)


def _paste(key: str) -> dict | None:
    r = pasted(key)
    return None if r is None else _text(r.scenario, r.findings, r.verdict)


def _set(key: str) -> dict:
    r = set_report(key)
    return _text(r.scenario, r.findings, r.verdict)


KEYS = ([f"case:{k}" for k in sorted(CASES)] + [f"paste:{k}" for k in sorted(PASTES) if PASTES[k] is not None]
        + [f"set:{k}" for k in sorted(SETS)])


def _compute(key: str) -> dict | None:
    kind, name = key.split(":", 1)
    return {"case": _case, "paste": _paste, "set": _set}[kind](name)


RECORD = KeyedGolden(GOLDEN, KEYS, _compute)


def test_regenerate_when_asked() -> None:
    """Writes the record first when CVPN_REGEN_FIXTURES=1 (refused under CI)."""
    RECORD.regenerate_if_asked()


def test_every_case_is_recorded() -> None:
    RECORD.check_keys()


@pytest.mark.parametrize("key", KEYS)
def test_the_diagnosis_says_what_was_recorded(key: str) -> None:
    RECORD.check(key)
