"""Contract tests: the published schemas match the model, every produced report fits
them and survives a JSON round trip, and every adapter's parse is total."""
from __future__ import annotations

import json

import jsonschema
import pytest

from agent import schema
from agent.model import Platform, RawCapture, Report, Snapshot
from agent.run import assemble
from tests.conftest import ROOT
from tests.test_classify import CASES

SCHEMA_DIR = ROOT / "agent" / "schema"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads((SCHEMA_DIR / name).read_text()))


def test_published_schemas_match_the_model():
    assert json.loads((SCHEMA_DIR / "report.schema.json").read_text()) == schema.report_schema(), \
        "the model changed: run `make schema` and say so in the change"
    assert json.loads((SCHEMA_DIR / "snapshot.schema.json").read_text()) == schema.snapshot_schema()


@pytest.mark.parametrize("case", sorted(CASES))
def test_reports_fit_the_schema_and_round_trip(case):
    snap, probes, *_ = CASES[case]
    report = assemble(None, snap, probes, probes.names)
    data = json.loads(json.dumps(report.to_dict()))
    _validator("report.schema.json").validate(data)
    assert Report.from_dict(data) == report


@pytest.mark.parametrize("platform", list(Platform))
def test_every_adapter_parses_an_empty_capture(platform):
    from platforms import adapter_for

    snap = adapter_for(platform).parse(RawCapture(platform=platform, collected_at="2026-11-28T00:00:00Z"))
    assert isinstance(snap, Snapshot)
    _validator("snapshot.schema.json").validate(json.loads(json.dumps(snap.to_dict())))


def test_schema_rejects_a_wrong_report():
    snap, probes, *_ = CASES["S2-healthy"]
    data = assemble(None, snap, probes, probes.names).to_dict()
    data["verdict"] = "fine"
    with pytest.raises(jsonschema.ValidationError):
        _validator("report.schema.json").validate(data)
