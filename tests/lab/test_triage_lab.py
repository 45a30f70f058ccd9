"""`cvpn-doctor triage` over the reports of every lab diagnosis of this session (each scenario,
with and without the VPN log), some as bundles and a zip of bundles: the counts it prints
match the reports, in every format.  Runs after tests/lab/test_lab.py (file order), which
leaves the reports in the session's ``lab_reports`` folder; no lab time of its own."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agent.bundle import write_bundle
from agent.model import Report
from tests.lab import scenarios as sc
from tests.test_triage import assert_counts_match

pytestmark = pytest.mark.lab
ROOT = Path(__file__).resolve().parents[2]


def test_triage_counts_every_lab_report(lab_reports: Path, tmp_path: Path) -> None:
    files = sorted(lab_reports.glob("*.report.json"))
    if not files:
        pytest.skip("no lab diagnosis ran in this session (run tests/lab/test_lab.py first)")
    docs = {}
    folder = tmp_path / "tickets"
    folder.mkdir()
    outer = zipfile.ZipFile(folder / "exported.zip", "w")
    for i, path in enumerate(files):
        doc = json.loads(path.read_text())
        docs[doc["report_id"]] = doc
        if i % 3 == 0:           # as the user sent it: a bundle
            write_bundle(Report.from_dict(doc), folder / f"{path.stem}.zip", fsync=lambda fd: None)
        elif i % 3 == 1:         # a zip of bundles exported from a ticket system
            tmp = tmp_path / f"{path.stem}.zip"
            write_bundle(Report.from_dict(doc), tmp, fsync=lambda fd: None)
            outer.writestr(f"bundles/{tmp.name}", tmp.read_bytes())
        else:                    # a report.json (--json / --json-file)
            (folder / path.name).write_text(path.read_text())
    outer.close()
    if len(files) == 2 * len(sc.SCENARIOS):   # the whole lab ran: both modes of every scenario
        assert {f.name.split("--")[0] for f in files} == {s.key for s in sc.SCENARIOS}
    assert_counts_match([folder], docs)
    # The real command, as a help desk runs it: one CSV row per report.
    proc = subprocess.run([sys.executable, "-m", "agent", "triage", str(folder), "--format", "csv"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert sorted(r["report_id"] for r in rows) == sorted(docs) and proc.returncode in (0, 1, 4)
    verdicts = {r["verdict"] for r in rows}
    print(f"triage over {len(rows)} lab reports: verdicts {sorted(verdicts)}")
