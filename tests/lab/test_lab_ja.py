"""The Japanese done-when of issue 16, end to end in the lab: `cvpn-doctor --lang ja` on the
laptop of scenario 2 with the primary DNS server down prints a Japanese verdict, finding, user
fix and admin fix with aligned tables; the Markdown report and the bundle's README.txt are
Japanese; `explain --lang ja` (the option after the command) lists every code with its
Japanese title.  The JSON in the bundle carries the same codes as an English run and says
``"language": "ja"``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from agent import i18n
from agent.findings import CATALOGUE
from tests.i18n_checks import english_runs, misaligned_tables
from tests.lab import scenarios as sc
from tests.lab.lab import Running
from tests.lab import test_lab
from tests.lab.test_lab import DEADLINE, SLACK

up = test_lab.up      # the scenario fixture (brought up for the test, torn down after)

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_PO = ROOT / "agent" / "locale" / "ja" / "catalogue.po"   # the finding catalogue's translation


def _run(running: Running, argv: list[str]) -> subprocess.CompletedProcess[str]:
    # LC_ALL=C and CVPN_DOCTOR_LANG=en: only --lang may choose Japanese here
    env = dict(os.environ, NO_COLOR="1", LC_ALL="C", CVPN_DOCTOR_LANG="en")
    return subprocess.run(running.laptop_argv([sys.executable, "-m", "agent", *argv], cwd=ROOT),
                          capture_output=True, text=True, encoding="utf-8", cwd=ROOT, env=env,
                          timeout=DEADLINE + SLACK + 20)


@pytest.mark.parametrize("up", ["S2-primary-down"], indirect=True)
def test_japanese_report_in_the_lab(up: Running) -> None:
    md, bundle = up.workdir / "report-ja.md", up.workdir / "bundle-ja.zip"
    argv = ["--lang", "ja", "diagnose", "--timeout", str(DEADLINE), "--log", str(up.client_log),
            "--markdown", str(md), "--bundle", str(bundle), "--force"]
    for name in up.scenario.names:
        argv += ["--name", name]
    proc = _run(up, argv)
    out = proc.stdout
    sys.stdout.write(out)        # the rendering itself, for the record (pytest -s)
    expect = up.scenario.expected(True)
    assert proc.returncode == expect.exit_code, proc.stderr[-2000:]
    with zipfile.ZipFile(bundle) as zf:
        readme = zf.read("README.txt").decode("utf-8")
        report = json.loads(zf.read("report.json"))
    # what the machine said verbatim (getaddrinfo's error text) is not a sentence of ours
    said = {lk["error"] for lk in report["system_lookups"] if lk.get("error")}

    i18n.set_language("ja")
    try:
        from agent.i18n import _
        from agent.model import Verdict
        from agent.render.terminal import _VERDICT
        lines = out.splitlines()
        # verdict: the Japanese headline of the verdict the English run gives
        headline = _VERDICT[Verdict(expect.verdict)][0]
        assert lines[0] == _(headline) != headline
        # the finding, with the rule's own title (which names the silent primary) in Japanese
        (code,) = expect.codes
        title = _("The primary DNS server {server} does not answer").format(server=sc.INBOUND_1)
        assert title != "The primary DNS server {server} does not answer".format(server=sc.INBOUND_1)
        finding = next(line for line in lines if line.endswith(f"  [{code}]"))
        assert finding.startswith(_("WARN")) and finding.endswith(f" {title}  [{code}]")
        you = next(line for line in lines if line.startswith(_("      You: {fix}").split("{")[0]))
        admin = next(line for line in lines if line.startswith(_("      VPN admin: {fix}").split("{")[0]))
        assert "あなたができること" in you and "VPN 管理者" in admin
        if CATALOGUE_PO.exists():     # the catalogue's own text (branch jacat) is Japanese too
            doc = CATALOGUE[code]
            assert you.endswith(_(doc.user_fix)) and _(doc.user_fix) != doc.user_fix
            assert admin.endswith(_(doc.admin_fix)) and _(doc.admin_fix) != doc.admin_fix
            shown = out.replace(f"cvpn-doctor explain {code}", "")
            for text in said:
                shown = shown.replace(text, "")
            assert english_runs(shown) == []
        # tables aligned by display width (Japanese headings are two columns a character)
        assert _("server") != "server" and _("server") in out     # the resolver and probe tables
        assert misaligned_tables(lines) == []
    finally:
        i18n.set_language("en")

    text = md.read_text(encoding="utf-8")
    assert text.startswith("# cvpn-doctor レポート: ")
    assert "## 検出事項" in text and f"(`{code}`)" in text
    assert readme.startswith("cvpn-doctor サポートバンドル") and "マスキング" in readme
    assert report["language"] == "ja" and [f["code"] for f in report["findings"]] == [code]
    assert report["scenario"]["id"] == expect.scenario and report["verdict"] == expect.verdict


def test_explain_in_japanese_lists_every_code() -> None:
    """`explain --lang ja`: every code, with its Japanese title (no lab needed, but it is the
    issue's second done-when: run with the lab ones)."""
    proc = subprocess.run([sys.executable, "-m", "agent", "explain", "--lang", "ja"], capture_output=True,
                          text=True, encoding="utf-8", cwd=ROOT, timeout=30,
                          env=dict(os.environ, LC_ALL="C", CVPN_DOCTOR_LANG="en"))
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line for line in proc.stdout.splitlines()}
    assert set(rows) == set(CATALOGUE)
    i18n.set_language("ja")
    try:
        from agent.i18n import _
        for code, doc in CATALOGUE.items():
            assert rows[code].endswith(_(doc.title))
            if CATALOGUE_PO.exists():
                assert _(doc.title) != doc.title, code
    finally:
        i18n.set_language("en")
