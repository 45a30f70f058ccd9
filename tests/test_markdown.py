"""Markdown report: ticket-ready structure, plain tables, no HTML."""
import re

import planted
from agent.model import Finding, Severity
from agent.render import markdown


def test_structure_and_order():
    report = planted.planted_report()
    md = markdown.render(report, redact=True)
    assert md.startswith("# cvpn-doctor report: ")
    headings = [line for line in md.splitlines() if line.startswith("## ")]
    assert headings[:2] == ["## Findings", "## Where DNS goes"]
    assert [h for h in headings if h not in ("## Where DNS goes", "## Could not tell")][:3] == \
        ["## Findings", "## Scenario", "## VPN"]
    for h in ("## Resolvers", "## DNS probes", "## System resolver"):
        assert h in headings
    top = report.findings[0]
    first_lines = "\n".join(md.splitlines()[:4])
    assert "**Top finding:**" in first_lines and top.code in first_lines
    assert f"`{report.scenario.id}`" in md
    # tool version, OS, time
    assert f"{report.tool.name} {report.tool.version}" in md and "linux" in md and report.generated_at in md
    # findings carry both fixes
    for f in report.findings:
        if f.user_fix:
            assert "**What you can do:**" in md
        if f.admin_fix:
            assert "**What the VPN administrator must change:**" in md


def test_tables_are_plain_gfm_and_no_html():
    md = markdown.render(planted.planted_report(), redact=True)
    assert not re.search(r"<\s*/?\s*[A-Za-z][^>]*>", md.replace("\\<", "")), "raw HTML tag in Markdown"
    table_lines = [line for line in md.splitlines() if line.startswith("|")]
    assert table_lines
    # every table row of one table has the same number of cells
    blocks, current = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    for block in blocks:
        counts = {len(re.split(r"(?<!\\)\|", row)) for row in block}
        assert len(counts) == 1, block
        assert re.fullmatch(r"\|(---\|)+", block[1])


def test_resolver_and_probe_tables():
    report = planted.planted_report()
    md = markdown.render(report, redact=False)
    assert "| Address | Scope | Interface | Domains | Route (tunnel?) | Seen in |" in md
    assert "| Server | Transport | Name | Type | Result | Answers / detail | Time (ms) | Via |" in md
    assert "| 10.2.0.2 | udp | aws.amazon.com | A | answer | 52.94.236.248 | 12.5 | tun0 |" in md
    assert "| db.example.internal | - | Name or service not known | 4.0 |" in md
    assert "Not redacted." in md


def test_special_characters_escaped():
    report = planted.planted_report()
    evil = Finding(code="x", severity=Severity.WARNING, title="pipe | and <b>bold</b>",
                   explanation="line1\nline2 with `tick` and *star*", evidence=("a|b",))
    report = report.__class__(**{**{f: getattr(report, f) for f in report.__dataclass_fields__},
                                 "findings": (evil,) + report.findings})
    md = markdown.render(report, redact=False)
    assert "pipe \\| and \\<b\\>bold\\</b\\>" in md
    assert "line1 line2 with \\`tick\\` and \\*star\\*" in md
    assert "  - a\\|b" in md


def test_empty_report_sections():
    report = planted.report_from(planted.linux_raw())   # no probes
    md = markdown.render(report)
    assert "Not sent: offline" in md and "Not queried." in md
