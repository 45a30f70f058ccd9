"""The fleet wrappers (packaging/fleet) run against a stand-in binary for every exit code: what
Jamf Pro gets as <result>, what the launchd/cron script keeps.  (`make smoke` runs them against
the built binaries: packaging/fleet/smoke_fleet.py.)"""
from __future__ import annotations

import json
import os
import plistlib
import shutil
import subprocess
from pathlib import Path

import pytest

import planted
from agent.triage import json_line
from tests.conftest import ROOT

FLEET = ROOT / "packaging" / "fleet"
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the wrappers are bash scripts")

# A stand-in for cvpn-doctor: records its arguments and HOME, writes the --json-file it is
# given, prints $FAKE_LINE (if any) and exits with $FAKE_EXIT.
FAKE = """#!/bin/bash
printf '%s\\n' "$@" > "$FAKE_LOG/args"
printf '%s\\n' "$HOME" > "$FAKE_LOG/home"
while [ $# -gt 0 ]; do
    if [ "$1" = --json-file ]; then printf '{"fake": true}\\n' > "$2"; fi
    shift
done
[ -n "$FAKE_LINE" ] && printf '%s\\n' "$FAKE_LINE"
echo "a message on stderr" >&2
exit "${FAKE_EXIT:-0}"
"""


def line(verdict: str, scenario: str, codes: list[str]) -> str:
    rec = json.loads(json_line(planted.planted_report().to_dict()))
    rec.update(verdict=verdict, scenario=scenario, codes=codes)
    return json.dumps(rec, separators=(",", ":"))


@pytest.fixture
def fake(tmp_path) -> dict[str, str]:
    binary = tmp_path / "cvpn-doctor"
    binary.write_text(FAKE)
    binary.chmod(0o755)
    (tmp_path / "log").mkdir()
    return {"CVPN_DOCTOR_BIN": str(binary), "CVPN_DOCTOR_DIR": str(tmp_path / "out"), "FAKE_LOG": str(tmp_path / "log"),
            "CVPN_DOCTOR_HOME": str(tmp_path / "home"), "PATH": os.environ["PATH"]}


def run(script: str, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(FLEET / script)], capture_output=True, text=True, timeout=30,
                          env={**env, **extra})


@pytest.mark.parametrize("exit_code, verdict, scenario, codes, result", [
    (0, "healthy", "S2-custom-dns-split", [], "healthy S2-custom-dns-split none"),
    (1, "broken", "S2-custom-dns-split", ["custom-dns-no-route", "secondary-dns-unreachable"],
     "broken S2-custom-dns-split custom-dns-no-route,secondary-dns-unreachable"),
    (1, "not-connected", "not-connected", ["vpn-not-connected"], "not-connected not-connected vpn-not-connected"),
    (4, "cannot-tell", "cannot-tell", [], "cannot-tell cannot-tell none"),
    (3, "broken", "not-connected", ["vpn-not-connected"], "broken not-connected vpn-not-connected"),
])
def test_jamf_result_for_each_outcome(fake, exit_code, verdict, scenario, codes, result):
    proc = run("jamf-ea.sh", fake, FAKE_EXIT=str(exit_code), FAKE_LINE=line(verdict, scenario, codes))
    assert proc.returncode == 0 and proc.stdout == f"<result>{result}</result>\n"
    args = (Path(fake["FAKE_LOG"]) / "args").read_text().split("\n")
    assert args[:2] == ["diagnose", "--timeout"] and "--json-line" in args
    assert args[args.index("--json-file") + 1] == f"{fake['CVPN_DOCTOR_DIR']}/last-report.json"
    assert (Path(fake["FAKE_LOG"]) / "home").read_text().strip() == fake["CVPN_DOCTOR_HOME"]
    assert json.loads((Path(fake["CVPN_DOCTOR_DIR"]) / "last-report.json").read_text()) == {"fake": True}


def test_jamf_without_a_report_or_a_binary(fake):
    assert run("jamf-ea.sh", fake, FAKE_EXIT="2").stdout == "<result>error 2</result>\n"
    assert run("jamf-ea.sh", fake, FAKE_EXIT="0", FAKE_LINE="not json").stdout == "<result>error 0</result>\n"
    missing = run("jamf-ea.sh", {**fake, "CVPN_DOCTOR_BIN": "/nonexistent/cvpn-doctor"})
    assert missing.stdout == "<result>not-installed</result>\n" and missing.returncode == 0


def test_jamf_passes_extra_arguments(fake):
    run("jamf-ea.sh", fake, CVPN_DOCTOR_ARGS="--no-probe --name db.corp.example=private", FAKE_LINE=line("healthy", "x", []))
    args = (Path(fake["FAKE_LOG"]) / "args").read_text().split("\n")
    assert args[-4:-1] == ["--no-probe", "--name", "db.corp.example=private"]


def test_check_script_keeps_lines_report_and_errors(fake):
    out = Path(fake["CVPN_DOCTOR_DIR"])
    for code, verdict in ((1, "broken"), (0, "healthy")):
        proc = run("cvpn-doctor-check.sh", fake, FAKE_EXIT=str(code), FAKE_LINE=line(verdict, "S2-custom-dns-split", []))
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    runs = [json.loads(x) for x in (out / "runs.jsonl").read_text().splitlines()]
    assert [r["verdict"] for r in runs] == ["broken", "healthy"]
    assert (out / "last-report.json").exists()
    assert (out / "errors.log").read_text().count("a message on stderr") == 2
    run("cvpn-doctor-check.sh", fake, FAKE_EXIT="2")
    assert "cvpn-doctor exit 2" in (out / "errors.log").read_text()
    assert run("cvpn-doctor-check.sh", {**fake, "CVPN_DOCTOR_BIN": "/nonexistent"}).returncode == 0
    assert "not found at /nonexistent" in (out / "errors.log").read_text()


def test_check_script_keeps_the_last_1000_runs(fake):
    out = Path(fake["CVPN_DOCTOR_DIR"])
    out.mkdir()
    (out / "runs.jsonl").write_text("".join(f'{{"old": {i}}}\n' for i in range(1005)))
    run("cvpn-doctor-check.sh", fake, FAKE_LINE=line("healthy", "S3-custom-dns-full", []))
    lines = (out / "runs.jsonl").read_text().splitlines()
    assert len(lines) == 1000 and json.loads(lines[0]) == {"old": 6} and json.loads(lines[-1])["verdict"] == "healthy"


def test_launchd_plist_runs_the_check_script():
    plist = plistlib.loads((FLEET / "com.example.cvpn-doctor.plist").read_bytes())
    assert plist["ProgramArguments"] == ["/usr/local/libexec/cvpn-doctor-check.sh"]
    assert plist["RunAtLoad"] is True and plist["StartInterval"] == 3600
    assert plist["WatchPaths"] == ["/var/run/resolv.conf"] and plist["ThrottleInterval"] >= 60


def test_intune_script_stays_a_few_lines_and_maps_exit_codes():
    text = (FLEET / "intune-detect.ps1").read_text()
    code = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert len(code) <= 10
    assert "--json-line" in text and "--json-file" in text and "last-report.json" in text
    assert "exit 0" in text and "exit 1" in text and '"verdict":"not-connected"' in text
    # The verdict test reads the same compact record --json-line prints.
    assert '"verdict":"not-connected"' in json_line(
        {**planted.planted_report().to_dict(), "verdict": "not-connected"})
