"""Run the fleet wrappers against a BUILT cvpn-doctor binary and check what they produce.

    .venv/bin/python packaging/fleet/smoke_fleet.py unix [BINARY ...]
        jamf-ea.sh and cvpn-doctor-check.sh (bash), then the binary's own `triage` over what the
        script left; default binaries: whichever of
        dist/onedir/cvpn-doctor/cvpn-doctor and dist/onefile/cvpn-doctor exist (`make smoke`)
    python packaging/fleet/smoke_fleet.py intune EXIT_CODE OUTPUT_FILE REPORT_JSON
        checks a run of intune-detect.ps1 (the Windows job of .github/workflows/build.yml):
        its exit code, its last output line and the report it left

The diagnosis runs with --no-probe (through CVPN_DOCTOR_ARGS): no packet leaves the machine.
Every check is bounded by a timeout. Exits 0 when all pass, 1 otherwise; one line per check.
"""
from __future__ import annotations

import json
import os
import plistlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from agent.triage import FIELD_NAMES, TRIAGE_ONLY  # noqa: E402

FLEET = ROOT / "packaging" / "fleet"
TIMEOUT_S = 90.0          # a one-file binary unpacks itself first; CI runners are slow
LINE_FIELDS = [f for f in FIELD_NAMES if f not in TRIAGE_ONLY]
DEFAULT_BINARIES = (ROOT / "dist" / "onedir" / "cvpn-doctor" / "cvpn-doctor", ROOT / "dist" / "onefile" / "cvpn-doctor")


class Failure(Exception):
    pass


def _schema_check(report: dict) -> None:
    import jsonschema  # the test extra

    schema = json.loads((ROOT / "agent" / "schema" / "report.schema.json").read_text(encoding="utf-8"))
    try:
        jsonschema.validate(report, schema)
    except jsonschema.ValidationError as err:
        raise Failure(f"the report written does not fit the schema at {list(err.absolute_path)}: "
                      f"{err.message}") from None


def _report(path: Path) -> dict:
    if not path.is_file():
        raise Failure(f"no report at {path}")
    report = json.loads(path.read_text(encoding="utf-8-sig"))
    _schema_check(report)
    return report


def _line(text: str) -> dict:
    rec = json.loads(text)
    if list(rec) != LINE_FIELDS:
        raise Failure(f"the JSON line has fields {list(rec)}, expected {LINE_FIELDS}")
    return rec


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(FLEET / script)], capture_output=True, text=True, timeout=TIMEOUT_S,
                          env={**os.environ, **env})


def check_jamf(binary: Path, tmp: Path) -> str:
    env = {"CVPN_DOCTOR_BIN": str(binary), "CVPN_DOCTOR_DIR": str(tmp / "ea"),
           "CVPN_DOCTOR_HOME": str(tmp / "home"), "CVPN_DOCTOR_ARGS": "--no-probe"}
    proc = _run("jamf-ea.sh", env)
    m = re.fullmatch(r"<result>(\S+) (\S+) (\S+)</result>\n", proc.stdout)
    if proc.returncode != 0 or not m:
        raise Failure(f"exit {proc.returncode}, stdout {proc.stdout!r}, stderr {proc.stderr[-500:]!r}")
    report = _report(tmp / "ea" / "last-report.json")
    codes = ",".join(f["code"] for f in report["findings"]) or "none"
    if m.groups() != (report["verdict"], report["scenario"]["id"], codes):
        raise Failure(f"<result> says {m.groups()}, the report {report['verdict'], report['scenario']['id'], codes}")
    missing = _run("jamf-ea.sh", {**env, "CVPN_DOCTOR_BIN": str(tmp / "no-such-binary")})
    if missing.stdout != "<result>not-installed</result>\n":
        raise Failure(f"without the binary: {missing.stdout!r}")
    return f"{proc.stdout.strip()}; report written; no binary -> not-installed"


def check_launchd(binary: Path, tmp: Path) -> str:
    env = {"CVPN_DOCTOR_BIN": str(binary), "CVPN_DOCTOR_DIR": str(tmp / "agent"), "CVPN_DOCTOR_ARGS": "--no-probe"}
    for _ in range(2):
        proc = _run("cvpn-doctor-check.sh", env)
        if proc.returncode != 0 or proc.stdout or proc.stderr:
            raise Failure(f"exit {proc.returncode}, stdout {proc.stdout!r}, stderr {proc.stderr!r} (expected 0, silent)")
    lines = (tmp / "agent" / "runs.jsonl").read_text(encoding="utf-8").splitlines()
    if len(lines) != 2:
        raise Failure(f"runs.jsonl has {len(lines)} lines after two runs")
    records = [_line(line) for line in lines]
    report = _report(tmp / "agent" / "last-report.json")
    if records[-1]["report_id"] != report["report_id"] or records[0]["report_id"] == records[1]["report_id"]:
        raise Failure("the last line is not the last report, or two runs share an id")
    if (records[-1]["verdict"], records[-1]["scenario"]) != (report["verdict"], report["scenario"]["id"]):
        raise Failure("the line and the report disagree")
    # and the built binary's triage reads what the script left (one report: runs.jsonl is no report)
    tri = subprocess.run([str(binary), "triage", str(tmp / "agent"), "--format", "csv"], capture_output=True,
                         text=True, timeout=TIMEOUT_S)
    rows = tri.stdout.splitlines()
    if tri.returncode not in (0, 1, 4) or len(rows) != 2 or not rows[1].startswith(report["report_id"] + ",ok,"):
        raise Failure(f"triage of the folder: exit {tri.returncode}, {tri.stdout[-300:]!r} {tri.stderr[-300:]!r}")
    plist = plistlib.loads((FLEET / "com.example.cvpn-doctor.plist").read_bytes())
    if plist["ProgramArguments"] != ["/usr/local/libexec/cvpn-doctor-check.sh"] or not plist["StartInterval"]:
        raise Failure(f"unexpected plist: {plist}")
    return f"two runs, two lines, last = last-report.json ({report['verdict']}); triage reads it; plist parses"


def unix(binaries: list[Path]) -> int:
    binaries = binaries or [b for b in DEFAULT_BINARIES if b.exists()]
    if not binaries:
        print("no built binary found; run packaging/build.sh first", file=sys.stderr)
        return 1
    ok = True
    for binary in binaries:
        print(f"== fleet wrappers with {binary}", flush=True)
        for label, check in (("jamf-ea.sh", check_jamf), ("cvpn-doctor-check.sh", check_launchd)):
            with tempfile.TemporaryDirectory(prefix="cvpn-fleet-") as tmp:
                try:
                    detail = check(binary, Path(tmp))
                except (Failure, subprocess.TimeoutExpired, ValueError, KeyError, OSError) as err:
                    ok = False
                    print(f"FAIL {label}: {type(err).__name__}: {err}", flush=True)
                else:
                    print(f"ok   {label}: {detail}", flush=True)
    print("fleet: " + ("all checks passed" if ok else "FAILED"))
    return 0 if ok else 1


def intune(exit_code: str, output_file: str, report_json: str) -> int:
    try:
        lines = [ln for ln in Path(output_file).read_text(encoding="utf-8-sig").splitlines() if ln.strip()]
        if not lines:
            raise Failure("the detection script printed nothing")
        rec = _line(lines[-1])
        report = _report(Path(report_json))
        if rec["report_id"] != report["report_id"]:
            raise Failure("the output line is not the report written")
        has_error = any(f["severity"] == "error" for f in report["findings"])
        expected = 0 if report["verdict"] == "not-connected" or (not has_error and report["verdict"] != "cannot-tell") \
            else 1
        if int(exit_code) != expected:
            raise Failure(f"exit {exit_code} for verdict {report['verdict']} (errors: {has_error}); expected {expected}")
    except (Failure, ValueError, KeyError, OSError) as err:
        print(f"FAIL intune-detect.ps1: {type(err).__name__}: {err}")
        return 1
    print(f"ok   intune-detect.ps1: exit {exit_code} for {report['verdict']} {report['scenario']['id']}; "
          f"line = report {rec['report_id']}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["unix"]:
        return unix([Path(a) for a in argv[1:]])
    if argv[:1] == ["intune"] and len(argv) == 4:
        return intune(*argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
