"""`cvpn-doctor triage`: many reports (files, bundles, folders, zips of bundles) counted in every
format; other schema versions read or named, never misread; ids, never user names."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import planted
from agent import triage
from agent.bundle import write_bundle
from agent.cli import ExitStatus, app
from agent.model import Report
from agent.run import assemble
from tests.conftest import ROOT
from tests.test_classify import CASES

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), catch_exceptions=False)


def case_reports() -> list[Report]:
    """One report per classifier case: every scenario and most finding codes."""
    out = []
    for case in sorted(CASES):
        snap, probes, *_ = CASES[case]
        out.append(assemble(None, snap, probes, probes.names))
    return out


def write_reports(folder: Path, reports: list[Report]) -> None:
    """Half as report.json files in sub-folders, a quarter as bundles, a quarter in one zip of bundles."""
    folder.mkdir(parents=True, exist_ok=True)
    zip_of_bundles = io.BytesIO()
    with zipfile.ZipFile(zip_of_bundles, "w") as outer:
        for i, r in enumerate(reports):
            if i % 4 in (0, 1):
                sub = folder / f"ticket-{i:03d}"
                sub.mkdir()
                (sub / "report.json").write_text(json.dumps(r.to_dict(), indent=2))
            elif i % 4 == 2:
                write_bundle(r, folder / f"bundle-{i:03d}.zip", fsync=lambda fd: None)
            else:
                tmp = folder / f".tmp-{i}.zip"
                write_bundle(r, tmp, fsync=lambda fd: None)
                outer.writestr(f"tickets/bundle-{i:03d}.zip", tmp.read_bytes())
                tmp.unlink()
    (folder / "exported-tickets.zip").write_bytes(zip_of_bundles.getvalue())
    (folder / "notes.txt").write_text("not a report: ignored in a folder")


def run(fmt: str, *paths: Path, max_ids: int = 0) -> tuple[str, triage.Summary]:
    out = io.StringIO()
    summary = triage.triage(paths, triage.OutputFormat(fmt), out, max_ids=max_ids)
    return out.getvalue(), summary


def assert_counts_match(paths: list[Path], docs: dict[str, dict]) -> None:
    """Triage of ``paths`` in every format agrees with ``docs`` (report id -> the report's JSON:
    every report triage should count, once)."""
    want_verdict = Counter(d["verdict"] for d in docs.values())
    want_scenario = Counter(d["scenario"]["id"] for d in docs.values())
    want_codes = Counter(c for d in docs.values() for c in dict.fromkeys(f["code"] for f in d["findings"]))
    want_unknowns = Counter(u["topic"] for d in docs.values() for u in (d.get("facts") or {}).get("unknowns", []))
    with_errors = sum(any(f["severity"] == "error" for f in d["findings"]) for d in docs.values())

    # JSON Lines and CSV: one record per report, each agreeing with its own report
    records = [json.loads(line) for line in run("jsonl", *paths)[0].splitlines()]
    rows = list(csv.DictReader(io.StringIO(run("csv", *paths)[0])))
    assert list(rows[0].keys()) == list(triage.FIELD_NAMES)
    for recs, split in ((records, lambda v: v), (rows, str.split)):
        assert len(recs) == len(docs) and {r["report_id"] for r in recs} == set(docs)
        assert all(r["status"] == "ok" for r in recs)
        for r in recs:
            d = docs[r["report_id"]]
            assert (r["verdict"], r["scenario"]) == (d["verdict"], d["scenario"]["id"])
            assert split(r["codes"]) == [f["code"] for f in d["findings"]]
            assert int(r["errors"]) == sum(f["severity"] == "error" for f in d["findings"])
        assert Counter(r["verdict"] for r in recs) == want_verdict
        assert Counter(c for r in recs for c in split(r["codes"])) == want_codes

    # JSON: every count, every id per code
    doc = json.loads(run("json", *paths)[0])
    assert doc["reports"] == len(docs) and doc["unreadable"] == doc["unsupported"] == doc["duplicates"] == 0
    assert doc["verdicts"] == dict(want_verdict) and doc["scenarios"] == dict(want_scenario)
    assert {c: v["reports"] for c, v in doc["codes"].items()} == dict(want_codes)
    assert doc["could_not_tell"] == dict(want_unknowns) and doc["with_error_findings"] == with_errors
    for code, v in doc["codes"].items():
        assert set(v["report_ids"]) == {i for i, d in docs.items() if code in {f["code"] for f in d["findings"]}}

    # table and Markdown: the same numbers, one line per value
    table, md = run("table", *paths)[0], run("markdown", *paths)[0]
    assert f"{len(docs)} report{'s' if len(docs) != 1 else ''} counted" in table
    assert f"{len(docs)} report{'s' if len(docs) != 1 else ''} counted" in md
    for counter in (want_verdict, want_scenario, want_codes, want_unknowns):
        for value, n in counter.items():
            assert re.search(rf"^{re.escape(value)}\s+(?:\w+\s+)?{n}\s", table, re.M), (value, n)
            assert re.search(rf"^\| `?{re.escape(value.replace('_', chr(92) + '_'))}`? \|(?: \w+ \|)? {n} \|", md,
                             re.M), (value, n)


@pytest.fixture
def corpus(tmp_path) -> tuple[Path, list[Report]]:
    reports = case_reports()
    write_reports(tmp_path / "reports", reports)
    return tmp_path / "reports", reports


def test_counts_match_the_reports_in_every_format(corpus):
    folder, reports = corpus
    assert_counts_match([folder], {r.report_id: json.loads(json.dumps(r.to_dict())) for r in reports})


def test_counts_match_the_recorded_lab_reports():
    """The real lab's reports (tests/fixtures/lab, schema 1.1, no report_id: named by content)."""
    files = sorted((ROOT / "tests" / "fixtures" / "lab").glob("*.report.json"))
    assert len(files) >= 11
    assert_counts_match(files, {triage.content_id(p.read_bytes()): json.loads(p.read_bytes()) for p in files})


def test_duplicates_counted_once_and_old_reports_get_a_content_id(tmp_path):
    report = planted.planted_report()
    (tmp_path / "a.json").write_text(json.dumps(report.to_dict()))
    write_bundle(report, tmp_path / "a.zip", fsync=lambda fd: None)          # the same report, bundled
    old = report.to_dict()
    old.pop("report_id")
    old["schema_version"] = "1.0"
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "old-copy.json").write_text(json.dumps(old))
    text, summary = run("jsonl", tmp_path)
    records = [json.loads(line) for line in text.splitlines()]
    assert summary.reports == 2 and summary.duplicates == 2
    statuses = Counter(r["status"] for r in records)
    assert statuses == {"ok": 2, "duplicate": 2}
    old_ids = {r["report_id"] for r in records if r["source"].endswith(("old.json", "old-copy.json"))}
    assert len(old_ids) == 1 and old_ids.pop().startswith("sha256:")


def _report_dict(**changes) -> dict:
    d = planted.planted_report().to_dict()
    d.update(changes)
    return d


def test_other_schema_versions_are_read_or_named_never_misread(tmp_path):
    newer_minor = _report_dict(schema_version="1.9", verdict="cannot-tell", facts={"servers": []})
    newer_minor["scenario"]["id"] = "cannot-tell"
    cases = {
        "newer-minor.json": newer_minor,
        "newer-major.json": _report_dict(schema_version="2.0", verdict={"overall": "broken"}),
        "older-major.json": _report_dict(schema_version="0.3"),
        "no-version.json": {k: v for k, v in _report_dict().items() if k != "schema_version"},
        "wrong-type.json": _report_dict(verdict=3),
        "finding-without-code.json": _report_dict(findings=[{"severity": "error"}]),
    }
    for name, doc in cases.items():
        (tmp_path / name).write_text(json.dumps(doc))
    (tmp_path / "not-json.json").write_text("{ this is not json")
    (tmp_path / "package.json").write_text('{"name": "left-pad"}')
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "utf16.json").write_bytes(json.dumps(_report_dict()).encode("utf-16"))   # PowerShell 5 `>`
    text, summary = run("jsonl", tmp_path)
    got = {Path(r["source"]).name: (r["status"], r["reason"]) for r in map(json.loads, text.splitlines())}
    assert got["newer-minor.json"][0] == "ok" and got["utf16.json"][0] == "ok"
    assert got["newer-major.json"][0] == "unsupported" and "newer" in got["newer-major.json"][1]
    assert got["older-major.json"][0] == "unsupported" and "older" in got["older-major.json"][1]
    assert got["no-version.json"][0] == "unsupported"
    for name in ("wrong-type.json", "finding-without-code.json", "not-json.json", "package.json", "broken.zip"):
        assert got[name][0] == "unreadable", name
    assert "verdict" in got["wrong-type.json"][1] and "not a cvpn-doctor report" in got["package.json"][1]
    # only what was read is counted; the newer minor's new verdict is counted as it is
    assert summary.reports == 2 and summary.verdicts["cannot-tell"] == 1 and summary.newer_minor == 1
    assert summary.unsupported == 3 and summary.unreadable == 5
    table, _ = run("table", tmp_path)
    assert "newer-major.json: unsupported: schema 2.0" in table and "1 of a newer minor schema" in table


def test_no_user_or_host_name_in_any_output(tmp_path):
    report = planted.planted_report()     # context, raw captures and paths carry the planted names
    assert planted.USER in json.dumps(report.to_dict())
    (tmp_path / "r.json").write_text(json.dumps(report.to_dict()))
    for fmt in ("table", "csv", "jsonl", "markdown", "json"):
        text, _ = run(fmt, tmp_path)
        low = text.lower()
        assert [s for s in planted.LEAKS if s.lower() in low] == [], fmt
    assert planted.USER not in triage.json_line(report.to_dict())


def test_report_ids_per_code_are_bounded(tmp_path):
    report = planted.planted_report().to_dict()
    for i in range(30):
        report["report_id"] = f"id-{i:02d}"
        (tmp_path / f"r{i:02d}.json").write_text(json.dumps(report))
    text, summary = run("table", tmp_path, max_ids=5)
    code = next(iter(summary.codes))
    assert summary.codes[code] == 30 and summary.code_ids[code] == [f"id-{i:02d}" for i in range(5)]
    assert "(+25 more)" in text
    _, every = run("json", tmp_path, max_ids=0)
    assert len(every.code_ids[code]) == 30


def test_records_are_streamed(tmp_path):
    """The per-report formats write each record as it is read: the first is out before the last
    file is opened (here: before a later file turns out to be unreadable)."""
    (tmp_path / "a.json").write_text(json.dumps(planted.planted_report().to_dict()))
    (tmp_path / "b.json").write_text("not json")
    gen = triage.iter_records([tmp_path])
    first = next(gen)
    assert first["status"] == "ok"
    (tmp_path / "b.json").write_text(json.dumps(planted.planted_report().to_dict()))   # changed after the first
    assert next(gen)["status"] == "ok"


def test_csv_cells_never_run_as_formulas():
    d = _report_dict()
    d["scenario"]["id"] = "=HYPERLINK(\"http://x\")"
    out = io.StringIO()
    triage.RecordWriter(out, triage.OutputFormat.CSV).write(triage.read_record(json.dumps(d).encode(), "x"))
    row = list(csv.DictReader(io.StringIO(out.getvalue())))[0]
    assert row["scenario"].startswith("'=")


def test_untrusted_values_are_printable_and_bounded():
    d = _report_dict(verdict="broken\x1b[31m" + "x" * 500)
    rec = triage.read_record(json.dumps(d).encode(), "x")
    assert "\x1b" not in rec["verdict"] and len(rec["verdict"]) <= triage.MAX_VALUE_CHARS


def test_json_line_is_the_triage_record_without_triage_fields():
    report = planted.planted_report()
    line = triage.json_line(report.to_dict())
    assert "\n" not in line
    rec = json.loads(line)
    assert list(rec) == [f for f in triage.FIELD_NAMES if f not in triage.TRIAGE_ONLY]
    assert rec["report_id"] == report.report_id and rec["codes"] == [f.code for f in report.findings]
    assert rec["vpn_client"] == "AWS VPN Client" and rec["openvpn_version"] == "2.4.12"
    assert rec["endpoint_id"] == "cvpn-endpoint-0a1b2c3d4e5f60718" and rec["region"] == "eu-west-2"


def test_fields_are_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Triage"):]
    for name, _meaning in triage.FIELDS:
        assert re.search(rf"^\| `{name}` \|", section, re.M), name


# --------------------------------------------------------------------------- the command


def test_cli_formats_exit_codes_and_output_file(corpus, tmp_path):
    folder, reports = corpus
    res = invoke("triage", str(folder))
    assert res.exit_code == ExitStatus.FINDINGS          # some report has an error-severity finding
    assert f"{len(reports)} reports counted" in res.stdout
    res = invoke("triage", str(folder), "--format", "csv", "--output", str(tmp_path / "t.csv"))
    assert res.exit_code == ExitStatus.FINDINGS and res.stdout == ""
    assert len(list(csv.DictReader(open(tmp_path / "t.csv", newline="")))) == len(reports)
    res = invoke("triage", str(folder), "--format", "csv", "--output", str(tmp_path / "t.csv"))
    assert res.exit_code == ExitStatus.USAGE and "--force" in res.stderr
    assert json.loads(invoke("triage", str(folder), "--json").stdout)["reports"] == len(reports)
    assert invoke("triage", str(folder), "--format", "xml").exit_code == ExitStatus.USAGE
    assert invoke("triage", str(tmp_path / "missing")).exit_code == ExitStatus.USAGE


def test_cli_healthy_only_is_0_and_nothing_readable_is_3(tmp_path):
    healthy = [r for r in case_reports() if not any(f.severity.value == "error" for f in r.findings)]
    (tmp_path / "ok").mkdir()
    for r in healthy[:3]:
        (tmp_path / "ok" / f"{r.report_id}.json").write_text(json.dumps(r.to_dict()))
    assert invoke("triage", str(tmp_path / "ok")).exit_code == ExitStatus.OK
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.json").write_text("[]")
    res = invoke("triage", str(tmp_path / "bad"))
    assert res.exit_code == ExitStatus.NO_DATA and "x.json: unreadable" in res.stderr


def test_cli_json_line_on_analyze(tmp_path):
    report = planted.planted_report()
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report.to_dict()))
    res = invoke("analyze", str(saved), "--json-line", "--json-file", str(tmp_path / "again.json"))
    assert len(res.stdout.splitlines()) == 1
    rec = json.loads(res.stdout)
    assert rec["report_id"] == report.report_id
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["report_id"] == report.report_id and again["verdict"] == rec["verdict"]
    both = invoke("analyze", str(saved), "--json-line", "--json")
    assert both.exit_code == ExitStatus.USAGE and "stdout" in both.stderr


def test_cli_redact_level(tmp_path):
    report = planted.planted_report()
    saved = tmp_path / "report.json"
    saved.write_text(json.dumps(report.to_dict()))
    res = invoke("analyze", str(saved), "--redact-preview", "--redact-level", "strict")
    assert res.exit_code in (0, 1) and "strict level" in res.stdout and "interface" in res.stdout
    assert "tun0" in res.stdout and "private-ip" in res.stdout
    res = invoke("analyze", str(saved), "--redact-preview")
    assert "private-ip" not in res.stdout
    res = invoke("analyze", str(saved), "--bundle", str(tmp_path / "s.zip"), "--redact-level", "strict")
    with zipfile.ZipFile(tmp_path / "s.zip") as zf:
        md = zf.read("report.md").decode()
        assert "10.2.0.2" not in md and "tun0" not in md and "STRICT" in zf.read("README.txt").decode()
    res = invoke("analyze", str(saved), "--no-redact", "--redact-level", "strict")
    assert res.exit_code == ExitStatus.USAGE
