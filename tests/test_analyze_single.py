"""One pasted output, analysed alone: what it does not show proves nothing.

For every single-output fixture (resolvectl, resolv.conf, scutil --dns, ipconfig /all, an
OpenVPN log, ...): ``analyze`` never answers "healthy" (no probe was sent), says
``vpn-not-connected`` / scenario ``not-connected`` only when the output itself is an
interface list or a routing table that shows no tunnel, and names what to paste next.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.analyze import AnalyzeError, analyze_path
from agent.model import Evidence, Verdict

FIX = Path(__file__).parent / "fixtures"
SINGLE = sorted(p for sub in ("linux", "macos", "windows", "vpn") for p in (FIX / sub).glob("*.out"))
SHOWS_TUNNEL_STATE = {Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6}


@pytest.mark.parametrize("path", SINGLE, ids=[f"{p.parent.name}/{p.stem}" for p in SINGLE])
def test_a_single_paste_never_claims_what_it_does_not_show(path: Path) -> None:
    try:
        result = analyze_path(path)
    except AnalyzeError:
        pytest.skip("not recognised alone (scored by the corpus, not here)")
    report = result.report
    assert report.verdict is not Verdict.HEALTHY
    codes = {f.code for f in report.findings}
    shows_state = bool(SHOWS_TUNNEL_STATE & set(report.snapshot.captured))
    if not shows_state:
        assert report.scenario.id == "cannot-tell", report.scenario
        assert "vpn-not-connected" not in codes
        assert report.verdict in (Verdict.CANNOT_TELL, Verdict.BROKEN, Verdict.DEGRADED)
    if report.verdict is Verdict.CANNOT_TELL or report.scenario.id == "cannot-tell":
        unknowns = report.facts.unknowns
        assert unknowns, "a report that cannot tell must say what would tell it"
        assert all(u.commands and all(u.commands.values()) for u in unknowns)


def test_a_pasted_resolvectl_alone_keeps_its_servers_and_names_what_is_missing(tmp_path: Path) -> None:
    paste = tmp_path / "resolvectl.txt"
    paste.write_text((FIX / "linux" / "resolvectl--v239-tun0-no-defaultroute.out").read_text())
    report = analyze_path(paste).report
    assert report.scenario.id == "cannot-tell"
    assert {r.interface for r in report.snapshot.dns.resolvers} >= {"tun0"}, "the per-link servers are kept"
    topics = {u.topic: u for u in report.facts.unknowns}
    assert {"tunnel", "resolvers", "probes"} <= set(topics)
    assert topics["tunnel"].commands["linux"] == ("ip -br addr", "ip route")
    assert "cat /etc/resolv.conf" in topics["resolvers"].commands["linux"]
