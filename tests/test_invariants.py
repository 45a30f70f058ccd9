"""Invariants of the diagnosis, over every fixture and over random snapshots (issue 23).

- the verdict follows from the findings' severities (agent/classify.verdict_of): an error
  other than vpn-not-connected is broken; else not-connected; else a warning is degraded;
  else cannot-tell or healthy, and healthy only in a known scenario;
- scenario not-connected comes with vpn-not-connected, and vpn-not-connected only with it;
- every finding's code is in the catalogue, with its catalogue severity or a stronger/weaker
  one the rule chose, and at least one evidence line naming something the input contains
  (an address, an interface, a file or a name);
- CRLF line ends and a UTF-8 BOM parse exactly as the original text, for every parser fixture.
"""
from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent import run
from agent.classify import classify
from agent.findings import CATALOGUE
from agent.model import ProbeRun, Report, Severity, Snapshot, Verdict
from tests import builders
from tests.builders import CANARY, FULL, NameCheck, probe, resolver, run as probe_run, snapshot
from tests.test_classify import CASES
from tests.test_platform_table import FIX, PASTES, SETS, diagnose

LAB = sorted((FIX / "lab").glob("*.report.json"))


def check_verdict(scenario: str, findings, verdict: Verdict) -> None:
    sev = {f.severity for f in findings}
    if any(f.severity is Severity.ERROR and f.code != "vpn-not-connected" for f in findings):
        assert verdict is Verdict.BROKEN
    elif scenario == "not-connected":
        assert verdict is Verdict.NOT_CONNECTED
    elif Severity.WARNING in sev:
        assert verdict is Verdict.DEGRADED
    elif scenario == "cannot-tell":
        assert verdict is Verdict.CANNOT_TELL
    else:
        assert verdict in (Verdict.HEALTHY, Verdict.CANNOT_TELL)
    codes = {f.code for f in findings}
    assert (scenario == "not-connected") == ("vpn-not-connected" in codes), (scenario, codes)


_IP = re.compile(r"(?<![\w:.])(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})(?![\w:])")
_WORD = re.compile(r"[\w.:#/\\-]{3,}")


def _tokens(text: str) -> set[str]:
    out = set()
    for w in _WORD.findall(text):
        w = w.strip(".:,;()[]'\"")
        if len(w) >= 3:
            out.add(w.lower())
    return out


def _input_text(snap: Snapshot, probes: ProbeRun | None, extra: str = "") -> str:
    return json.dumps(snap.to_dict(), ensure_ascii=False) + (json.dumps(probes.to_dict()) if probes else "") + extra


def _names_something(line: str, haystack: str) -> bool:
    """An address in the line that is in the input, or an identifier-like word of the line
    (interface, file, name) that is."""
    for m in _IP.findall(line):
        try:
            ipaddress.ip_address(m)
        except ValueError:
            continue
        if m.lower() in haystack:
            return True
    return any(t in haystack for t in _tokens(line) if any(c in t for c in ".:#/\\") or any(c.isdigit() for c in t))


def check_findings(findings, snap: Snapshot, probes: ProbeRun | None, extra: str = "") -> None:
    haystack = _input_text(snap, probes, extra).lower()
    for f in findings:
        assert f.code in CATALOGUE, f.code
        assert f.evidence, f"{f.code}: no evidence"
        assert any(_names_something(e, haystack) for e in f.evidence), (f.code, f.evidence)


# --------------------------------------------------------------------------- every fixture

@pytest.mark.parametrize("key", sorted(CASES))
def test_table_cases_keep_the_invariants(key: str) -> None:
    snap, probes, *_ = CASES[key]
    d = classify(snap, probes)
    check_verdict(d.scenario.id, d.findings, d.verdict)
    check_findings(d.findings, snap, probes)


@pytest.mark.parametrize("key", sorted(k for k, v in PASTES.items() if v is not None))
def test_pastes_keep_the_invariants(key: str) -> None:
    from agent.analyze import analyze_path
    r = analyze_path(FIX / key).report
    check_verdict(r.scenario.id, r.findings, r.verdict)
    check_findings(r.findings, r.snapshot, r.probe_run, (FIX / key).read_text(encoding="utf-8", errors="replace"))


@pytest.mark.parametrize("key", sorted(SETS))
def test_sets_keep_the_invariants(key: str) -> None:
    raw = SETS[key][0]
    r = diagnose(raw)
    check_verdict(r.scenario.id, r.findings, r.verdict)
    check_findings(r.findings, r.snapshot, r.probe_run, "".join(s.text or "" for s in raw.sources))


@pytest.mark.parametrize("path", LAB, ids=[p.name.split(".")[0] for p in LAB])
def test_lab_reports_keep_the_invariants(path: Path) -> None:
    rec = Report.from_dict(json.loads(path.read_text()))
    snap = run.reparse(rec.raw)
    r = run.assemble(rec.raw, snap, rec.probe_run, rec.names, {}, tuple(rec.context.get("expected_dns", ())))
    check_verdict(r.scenario.id, r.findings, r.verdict)
    check_findings(r.findings, r.snapshot, r.probe_run, "".join(s.text or "" for s in rec.raw.sources))


# --------------------------------------------------------------------------- random snapshots

_VPC, _PEER = "10.0.0.0/16", "10.1.0.0/16"
_SERVERS = ("10.0.0.2", "10.1.0.10", "10.1.0.11", "192.168.1.1", "203.0.113.53", "169.254.169.253", "2001:db8::53")
_OUTCOMES = ("answer", "timeout", "nxdomain", "servfail", "refused", "truncated", "connection-refused", "nodata")
DB = NameCheck("db.corp.internal", expected="private", origin="user")


@st.composite
def random_case(draw):
    tunnel = draw(st.booleans())
    routes = draw(st.sampled_from([(), FULL, (_VPC,), (_VPC, _PEER), FULL + (_VPC,), FULL + (_VPC, _PEER)]))
    used = draw(st.lists(st.sampled_from(_SERVERS), min_size=0, max_size=3, unique=True))
    pushed = draw(st.one_of(st.none(), st.lists(st.sampled_from(_SERVERS[:3] + ("169.254.169.253",)),
                                                max_size=2, unique=True).map(tuple)))
    snap = snapshot(tunnels=(builders.TUN,) if tunnel else (), tunnel_routes=routes if tunnel else (),
                    resolvers=tuple(resolver(a) for a in used), pushed_dns=pushed,
                    redirect=bool(pushed is not None and routes[:2] == FULL),
                    disconnected=draw(st.booleans()) and not tunnel)
    results = []
    for server in sorted(set(used) | set(pushed or ())):
        for name in (CANARY, DB):
            for transport in ("udp", "tcp"):
                if draw(st.booleans()):
                    out = draw(st.sampled_from(_OUTCOMES))
                    answers = ("10.1.5.5",) if out == "answer" and name is DB else ()
                    results.append(probe(server, name.name, out, answers, transports=(transport,)))
    system = draw(st.sampled_from([[], [("db.corp.internal", ("10.1.5.5",), None)],
                                   [("db.corp.internal", (), "Name or service not known")]]))
    return snap, probe_run(*results, names=(CANARY, DB), system=system)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(random_case())
def test_random_snapshots_keep_the_invariants(case) -> None:
    snap, probes = case
    snap = Snapshot.from_dict(snap.to_dict())
    probes = ProbeRun.from_dict(probes.to_dict())
    d = classify(snap, probes)
    check_verdict(d.scenario.id, d.findings, d.verdict)
    check_findings(d.findings, snap, probes)


# --------------------------------------------------------------------------- CRLF and a BOM

_PARSER_FIXTURES = sorted(p for sub in ("linux", "macos", "windows", "vpn", "local", "ticket")
                          for p in (FIX / sub).rglob("*") if p.is_file() and p.suffix in (".out", ".txt"))


def _analysed(path: Path):
    from agent.analyze import AnalyzeError, analyze_path
    try:
        r = analyze_path(path).report
    except AnalyzeError as e:
        return ("not recognised", str(e).replace(str(path), path.name))
    snap = {k: v for k, v in r.snapshot.to_dict().items() if k != "collected_at"}
    return (snap, r.scenario.id, [(f.code, f.severity.value, f.evidence) for f in r.findings], r.verdict.value)


@pytest.mark.parametrize("path", _PARSER_FIXTURES, ids=[p.relative_to(FIX).as_posix() for p in _PARSER_FIXTURES])
def test_crlf_and_a_bom_parse_as_the_original(path: Path, tmp_path: Path) -> None:
    """Read as a pasted file is (analyze): the same snapshot, scenario, findings and verdict
    whatever the line ends and with or without a UTF-8 BOM."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf") or b"\r\n" in raw or raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        pytest.skip("the fixture is not plain UTF-8 with LF line ends")
    base = tmp_path / "lf" / path.name
    base.parent.mkdir()
    base.write_bytes(raw)
    want = _analysed(base)
    for variant, data in {"crlf": raw.replace(b"\n", b"\r\n"), "bom": b"\xef\xbb\xbf" + raw,
                          "bom+crlf": b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n")}.items():
        other = tmp_path / variant / path.name
        other.parent.mkdir()
        other.write_bytes(data)
        assert _analysed(other) == want, variant
