"""The HTML report in a real browser (Debian's headless Chromium).

For the lab's recorded scenarios (tests/fixtures/lab: real OpenVPN + dnsmasq runs): the page
loads, its drawing has the boxes and the mark the scenario's finding names at the place it
concerns, and a screenshot per scenario is saved (``$CVPN_SCREENSHOTS`` or build/screenshots,
a build artefact).  Every SVG is valid XML and fetches nothing; measured in the browser, no
text overflows its box, also for the longest interface names and addresses of the fixtures.

Network safety: Chromium opens only file:// pages, with background networking off and every
host name mapped to nothing; the pages have no external reference (checked first).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agent.analyze import reanalyse
from agent.model import Report
from agent.path import build
from agent.render import html
from tests.conftest import ROOT, must_run_all

LAB = ROOT / "tests" / "fixtures" / "lab"
SHOTS = Path(os.environ.get("CVPN_SCREENSHOTS", ROOT / "build" / "screenshots"))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"]

# scenario -> (codes of the marked places, css classes that must be drawn)
EXPECTED = {
    "S1-local-dns": ({"local-dns-bypasses-tunnel"}, {"box-lan-if", "box-tunnel-unused", "box-server"}),
    "S1-public-dns": ({"full-tunnel-public-dns-no-egress"}, {"box-tunnel", "box-endpoint", "box-egress"}),
    "S2-healthy": (set(), {"box-tunnel", "box-endpoint", "box-network", "box-server"}),
    "S2-peer-route-missing": ({"custom-dns-no-route"}, {"box-lan-if", "box-tunnel-unused"}),
    "S2-primary-down": ({"secondary-dns-unreachable"}, {"box-tunnel", "box-endpoint", "box-network"}),
    "S2-zone-not-associated": ({"phz-not-associated"}, {"box-tunnel", "box-network"}),
    "S3-healthy": (set(), {"box-tunnel", "box-endpoint", "box-network"}),
}

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not must_run_all(),
    reason="needs Chromium (Debian package chromium); .ci/run installs it and then this must run")


def _report(key: str) -> Report:
    path = LAB / f"{key}.report.json"
    return reanalyse(Report.from_dict(json.loads(path.read_text())), str(path))


def _chromium(*args: str, tmp: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, "Chromium is required here (.ci/run installs it)"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=timeout)


class _Svg(HTMLParser):
    """Classes and data-code attributes of the SVG groups in a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: set[str] = set()
        self.marked: dict[str, set[str]] = {}    # data-code -> classes of the element carrying it
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag == "g":
            classes = set((a.get("class") or "").split())
            self.classes |= classes
            if a.get("data-code"):
                self.marked.setdefault(a["data-code"], set()).update(classes)


def test_every_svg_is_valid_xml_and_self_contained() -> None:
    for path in sorted(LAB.glob("*.report.json")):
        report = _report(path.name.split(".")[0])
        drawing = html.svg(build(report))
        ET.fromstring(drawing)                                   # raises on invalid XML
        page = html.render(report)
        assert not re.search(r"""(?:src|href)\s*=\s*["'](?!#)""", page), f"{path.name}: an external reference"
        assert "<script" not in page and "url(http" not in page


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_the_page_loads_and_draws_the_break(key: str, tmp_path: Path) -> None:
    report = _report(key)
    page = tmp_path / f"{key}.html"
    page.write_text(html.render(report), encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri(), tmp=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = _Svg()
    parsed.feed(dom.stdout)
    assert parsed.svgs == 1, "the page has its drawing"
    codes, classes = EXPECTED[key]
    assert classes <= parsed.classes, f"missing boxes {sorted(classes - parsed.classes)}"
    if report.findings and codes:
        assert report.findings[0].code in codes
    assert set(parsed.marked) == codes, f"marks {parsed.marked}, expected {codes}"
    if "secondary-dns-unreachable" in codes:   # the silent primary's box, not the answering secondary
        assert "box-server" in parsed.marked["secondary-dns-unreachable"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{key}.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1280,900", page.as_uri(), tmp=tmp_path)
    assert done.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000, done.stderr[-1000:]


_MEASURE = """
<script>
const out = [];
for (const g of document.querySelectorAll('svg.dns-path g.box')) {
  const r = g.querySelector('rect').getBBox();
  for (const t of g.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < r.x - 0.5 || b.x + b.width > r.x + r.width + 0.5 || b.y < r.y - 0.5 || b.y + b.height > r.y + r.height + 0.5)
      out.push(t.textContent + ' overflows ' + (g.getAttribute('class') || ''));
  }
}
const svg = document.querySelector('svg.dns-path').getBBox();
const box = document.querySelector('svg.dns-path');
for (const t of box.querySelectorAll('text')) {
  const b = t.getBBox();
  if (b.x + b.width > box.width.baseVal.value + 0.5) out.push(t.textContent + ' leaves the drawing');
}
document.getElementById('result').textContent = JSON.stringify(out);
</script>
"""


def _longest_names() -> tuple[str, str]:
    """The longest interface name and address any parser fixture holds."""
    names, addresses = ["eth0"], ["10.0.0.2"]
    for path in (ROOT / "tests" / "fixtures").rglob("*.json"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        names += re.findall(r'"(?:name|interface)":\s*"([^"]{1,80})"', text)
        addresses += [a for a in re.findall(r'"address":\s*"([0-9a-fA-F:.%]{7,60})"', text)]
    return max(names, key=html.text_width), max(addresses, key=len)


def test_no_text_overflows_its_box_even_for_the_longest_names(tmp_path: Path) -> None:
    from tests.builders import CANARY, ok, resolver, run, snapshot
    from agent import run as run_mod

    iface, address = _longest_names()
    snap = snapshot(tunnels=((iface, "172.16.0.130/27"),), tunnel_routes=("10.0.0.0/16", "10.1.0.0/16"),
                    resolvers=(resolver("10.1.0.10"), resolver(address), resolver("fd12:3456:789a:1::1234:5678")))
    probes = run(ok("10.1.0.10", [CANARY]))
    report = run_mod.assemble(None, snap, probes, (CANARY,))
    pages = {"longest": html.render(report, redact=False)}
    for path in sorted(LAB.glob("*.report.json")):
        pages[path.name.split(".")[0]] = html.render(_report(path.name.split(".")[0]))
    for key, text in pages.items():
        page = tmp_path / f"{key}.html"
        page.write_text(text.replace("</body>", '<pre id="result">pending</pre>' + _MEASURE + "</body>"),
                        encoding="utf-8")
        dom = _chromium("--dump-dom", "--virtual-time-budget=3000", page.as_uri(), tmp=tmp_path)
        found = re.search(r'<pre id="result">([^<]*)</pre>', dom.stdout)
        assert found and found.group(1) != "pending", f"{key}: the measuring script did not run"
        assert json.loads(found.group(1).replace("&quot;", '"')) == [], f"{key}: {found.group(1)}"
