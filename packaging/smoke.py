"""Smoke-test a BUILT cvpn-doctor binary (one-folder and/or one-file) on this machine.

    .venv/bin/python packaging/smoke.py [BINARY ...]

Without arguments it tests whichever of dist/onedir/cvpn-doctor/cvpn-doctor[.exe] and
dist/onefile/cvpn-doctor[.exe] exist (at least one must).  Run from the source tree
with the `test` extra installed (jsonschema): the binary's output is compared with the
source it was built from and validated against the published schemas in agent/schema/.

Checks, per binary (each command bounded by a timeout):
  --version                  prints "cvpn-doctor <agent.__version__>"
  --help                     lists every command
  explain                    lists every finding code of agent.findings.CATALOGUE
  explain CODE / bad code    the documentation / exit 2; with --lang ja, in Japanese (the .mo shipped)
  collect --json             one JSON document valid against snapshot.schema.json
                             (exit 0, or 3 only with collection errors recorded); on
                             Windows, no error from the PowerShell collection itself and
                             its header (version, language mode) in the trace
  diagnose --no-probe --json one report valid against report.schema.json, no probes sent
  analyze REPORT --json      re-analysing that report gives the same scenario and findings
  analyze LOG --json         a real OpenVPN log fixture (pasted-file path) gives a valid report that
                             cannot tell (exit 4) and says what to paste next
  probe 127.0.0.1#PORT NAME  against tests/fakedns.py on loopback: the frozen dnspython
                             parses the A answer (its rdata modules are loaded by name)
Exits 0 when every check passes, 1 otherwise; prints one line per check.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jsonschema  # noqa: E402  (test extra)

from agent import TOOL_NAME, __version__  # noqa: E402
from agent.findings import CATALOGUE  # noqa: E402

EXE = ".exe" if sys.platform == "win32" else ""
DEFAULT_BINARIES = (ROOT / "dist" / "onedir" / "cvpn-doctor" / f"cvpn-doctor{EXE}",
                    ROOT / "dist" / "onefile" / f"cvpn-doctor{EXE}")
LOG_FIXTURE = ROOT / "tests" / "fixtures" / "vpn" / "openvpn-log--awsdocs-full-tunnel-custom-dns.out"
COMMANDS = ("diagnose", "collect", "probe", "analyze", "explain")
TIMEOUT_S = 60.0   # generous: a one-file binary unpacks itself first, CI runners are slow


class SmokeFailure(Exception):
    pass


def _schema(name: str) -> dict:
    return json.loads((ROOT / "agent" / "schema" / name).read_text(encoding="utf-8"))


def run(binary: Path, *args: str, ok=(0,)) -> subprocess.CompletedProcess:
    """Run the binary; fail unless it exits with one of `ok` in time."""
    try:
        proc = subprocess.run([str(binary), *args], capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise SmokeFailure(f"{' '.join(args)}: no exit within {TIMEOUT_S:g} s") from None
    if proc.returncode not in ok:
        raise SmokeFailure(f"{' '.join(args)}: exit {proc.returncode}, expected {ok}\n"
                           f"stdout: {proc.stdout[-800:]}\nstderr: {proc.stderr[-800:]}")
    return proc


def one_json(proc: subprocess.CompletedProcess, schema: dict | None = None) -> dict:
    """stdout must be exactly one JSON document (and fit the schema, when given)."""
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError as err:
        raise SmokeFailure(f"stdout is not one JSON document: {err}: {proc.stdout[:300]!r}") from None
    if schema is not None:
        try:
            jsonschema.validate(doc, schema)
        except jsonschema.ValidationError as err:
            raise SmokeFailure(f"schema violation at {list(err.absolute_path)}: {err.message}") from None
    return doc


def _findings(report: dict) -> list[str]:
    return sorted(f["code"] for f in report["findings"])


def check_version(binary: Path) -> str:
    out = run(binary, "--version").stdout.strip()
    if out != f"{TOOL_NAME} {__version__}":
        raise SmokeFailure(f"--version printed {out!r}, the source says {__version__}")
    return out


def check_help(binary: Path) -> str:
    out = run(binary, "--help").stdout
    missing = [c for c in COMMANDS if c not in out]
    if missing:
        raise SmokeFailure(f"--help does not list {missing}")
    return f"{len(COMMANDS)} commands listed"


def check_explain(binary: Path) -> str:
    out = run(binary, "explain").stdout
    listed = {line.split()[0] for line in out.splitlines() if line.strip()}
    if listed != set(CATALOGUE):
        raise SmokeFailure(f"explain lists {sorted(listed ^ set(CATALOGUE))} differently from the source")
    code = sorted(CATALOGUE)[0]
    one = run(binary, "explain", code).stdout
    if not one.startswith(f"{code} (") or CATALOGUE[code].doc not in one:
        raise SmokeFailure(f"explain {code} printed {one[:200]!r}")
    run(binary, "explain", "no-such-code", ok=(2,))
    # the message catalogue ships in the binary (agent/locale/*/LC_MESSAGES/*.mo): Japanese headings
    ja = run(binary, "explain", code, "--lang", "ja").stdout
    if not ja.startswith(f"{code} (") or "What it means:" in ja or (sys.platform != "win32" and "意味:" not in ja):
        raise SmokeFailure(f"explain {code} --lang ja printed {ja[:200]!r}: the Japanese catalogue is missing")
    return f"{len(listed)} codes; explain {code} ok (and in Japanese); unknown code -> 2"


def powershell_problems(snap: dict) -> list[str]:
    """What the Windows collection itself reported: a failed or stopped PowerShell run, a
    failed section, or a run that never printed its header.  The ipconfig / route print
    fallback still yields a usable snapshot, which would hide all of these."""
    problems = [f"{e.get('source')}: {e.get('message')}" for e in snap.get("errors", [])
                if str(e.get("source", "")).startswith("powershell")]
    trace = snap.get("trace", [])
    if not any(str(t).startswith("powershell: ") for t in trace):
        problems.append("no PowerShell header in the trace (version and language mode never arrived)")
    return problems


def check_collect(binary: Path) -> str:
    proc = run(binary, "collect", "--json", ok=(0, 3))
    snap = one_json(proc, _schema("snapshot.schema.json"))
    if proc.returncode == 3 and not snap.get("errors"):
        raise SmokeFailure("collect exit 3 without any collection error recorded")
    detail = ""
    if snap.get("platform") == "windows":
        problems = powershell_problems(snap)
        if problems:
            raise SmokeFailure("the PowerShell collection reported problems:\n  " + "\n  ".join(problems))
        detail = "; " + next(t for t in snap["trace"] if str(t).startswith("powershell: "))
    return (f"exit {proc.returncode}; {len(snap.get('interfaces', []))} interfaces, "
            f"{len(snap.get('routes', []))} routes, {len(snap.get('dns', {}).get('resolvers', []))} resolvers"
            + detail)


def check_diagnose_and_analyze(binary: Path, tmp: Path) -> str:
    proc = run(binary, "diagnose", "--no-probe", "--json", ok=(0, 1, 3, 4))
    report = one_json(proc, _schema("report.schema.json"))
    if report["probes"]:
        raise SmokeFailure("diagnose --no-probe sent probes")
    saved = tmp / "report.json"
    saved.write_text(proc.stdout, encoding="utf-8")
    again = one_json(run(binary, "analyze", str(saved), "--json", ok=(0, 1, 3, 4)), _schema("report.schema.json"))
    if (again["scenario"]["id"], _findings(again)) != (report["scenario"]["id"], _findings(report)):
        raise SmokeFailure(f"analyze of the saved report: {again['scenario']['id']} {_findings(again)} "
                           f"!= {report['scenario']['id']} {_findings(report)}")
    return f"exit {proc.returncode}; {report['scenario']['id']} {report['verdict']} {_findings(report)}; analyze agrees"


def check_analyze_log(binary: Path) -> str:
    # A log alone shows what was pushed, not whether the tunnel is up now: "cannot tell" (exit 4),
    # with what to paste next.
    proc = run(binary, "analyze", str(LOG_FIXTURE), "--json", ok=(4,))
    report = one_json(proc, _schema("report.schema.json"))
    if report["scenario"]["id"] != "cannot-tell" or not report["facts"]["unknowns"]:
        raise SmokeFailure(f"a log alone gave {report['scenario']['id']} without saying what it could not tell")
    return f"exit {proc.returncode}; {report['scenario']['id']} {_findings(report)}"


def check_probe(binary: Path) -> str:
    from tests.fakedns import FakeDNS

    with FakeDNS(records={"app.corp.example": ["10.1.2.3"]}) as srv:
        proc = run(binary, "probe", srv.server, "app.corp.example", "--count", "1", "--json")
    doc = one_json(proc)
    answers = {a for s in doc["samples"] for a in s.get("answers", [])}
    if answers != {"10.1.2.3"} or len(doc["samples"]) != 2:
        raise SmokeFailure(f"probe answers {answers} in {len(doc['samples'])} samples, expected 10.1.2.3 over UDP+TCP")
    return "UDP+TCP answer 10.1.2.3 parsed"


def smoke(binary: Path) -> bool:
    print(f"== {binary}", flush=True)
    ok = True
    with tempfile.TemporaryDirectory(prefix="cvpn-smoke-") as tmp:
        checks = (("--version", check_version), ("--help", check_help), ("explain", check_explain),
                  ("collect --json", check_collect),
                  ("diagnose --no-probe + analyze", lambda b: check_diagnose_and_analyze(b, Path(tmp))),
                  ("analyze log fixture", check_analyze_log), ("probe (loopback)", check_probe))
        for label, check in checks:
            start = time.perf_counter()
            try:
                detail = check(binary)
            except SmokeFailure as err:
                ok = False
                print(f"FAIL {label}: {err}", flush=True)
            except (KeyError, TypeError, AttributeError) as err:   # output of an unexpected shape
                ok = False
                print(f"FAIL {label}: unexpected output: {type(err).__name__}: {err}", flush=True)
            else:
                print(f"ok   {label} ({time.perf_counter() - start:.2f} s): {detail}", flush=True)
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binaries", nargs="*", type=Path)
    args = ap.parse_args()
    binaries = args.binaries or [b for b in DEFAULT_BINARIES if b.exists()]
    if not binaries:
        print("no built binary found; run packaging/build.sh first", file=sys.stderr)
        return 1
    results = [smoke(b) for b in binaries]
    print("smoke: " + ("all checks passed" if all(results) else "FAILED"))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
