"""Golden tests of the terminal and JSON renderings, and colour/NO_COLOR handling.

Regenerate after an intended change with the one switch of tests/fixture_pairs.py:
CVPN_REGEN_FIXTURES=1 pytest tests/test_render.py (refused under CI; then read the diff:
it is the user-visible change)."""
from __future__ import annotations

import dataclasses
import io
import json

import pytest

from agent.model import Report
from agent.render import Format, render
from agent.render.style import Style, style_for, table
from agent.run import assemble
from tests.conftest import ROOT
from tests.fixture_pairs import check_text
from tests.test_classify import CASES

GOLDEN = ROOT / "tests" / "golden"
GOLDEN_CASES = ["S1-public-no-egress", "S2-healthy", "S2-primary-servfail", "not-connected"]


def _report(case: str) -> Report:
    snap, probes, *_ = CASES[case]
    r = assemble(None, snap, probes, probes.names)
    return dataclasses.replace(r, generated_at="2026-11-28T12:00:00Z", report_id="00000000-0000-4000-8000-000000000000")


def _check(path, text: str) -> None:
    check_text(path, text)


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_terminal_golden(case):
    _check(GOLDEN / f"{case}.txt", render(_report(case), Format.TEXT))


@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_json_golden(case):
    text = render(_report(case), Format.JSON)
    json.loads(text)
    _check(GOLDEN / f"{case}.json", text)


def test_terminal_puts_verdict_and_top_finding_first():
    lines = render(_report("S1-public-no-egress"), Format.TEXT).splitlines()
    assert lines[0] == "DNS OVER THE VPN IS BROKEN"
    assert "public resolver" in lines[1]
    assert lines[2].strip().startswith("Scenario: S1-public-dns")


def test_no_colour_unless_asked():
    assert "\x1b[" not in render(_report("S2-primary-servfail"), Format.TEXT)
    assert "\x1b[" in render(_report("S2-primary-servfail"), Format.TEXT, color=True)


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_style_honours_no_color_and_tty(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert style_for(_Tty()).color is True
    assert style_for(io.StringIO()).color is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert style_for(_Tty()).color is False
    assert Style(False)("x", "red") == "x"


def test_table_aligns_columns():
    rows = table(["a", "bb"], [["xxx", "y"], ["z", "wwww"]])
    assert rows[0] == "  a    bb" and rows[2] == "  xxx  y" and rows[3] == "  z    wwww"
