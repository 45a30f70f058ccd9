"""The DNS path model (agent/path.py) and its three drawings: the terminal's one line per
server, the Mermaid flowchart in Markdown, and the SVG of the HTML page."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent import run as run_mod
from agent.analyze import reanalyse
from agent.model import Report
from agent.path import Place, Where, build, diagram, hops, outcome_words
from agent.render import html, markdown
from agent.render.mermaid import flowchart
from agent.render.style import Style
from agent.render.terminal import render_path_lines
from tests.builders import CANARY, FULL, NameCheck, ok, probe, resolver, run, silent, snapshot

LAB = Path(__file__).parent / "fixtures" / "lab"
IE1, IE2 = "10.1.0.10", "10.1.0.11"
DB = NameCheck("db.corp.internal", expected="private", origin="user")


def _lab(key: str) -> Report:
    path = LAB / f"{key}.report.json"
    return reanalyse(Report.from_dict(json.loads(path.read_text())), str(path))


def _report(snap, probes, names=(CANARY,)) -> Report:
    return run_mod.assemble(None, snap, probes, tuple(names))


def test_servers_are_placed_where_their_route_leads() -> None:
    snap = snapshot(tunnel_routes=("10.0.0.0/16", "10.1.0.0/16"),
                    resolvers=(resolver(IE1), resolver("192.168.1.1"), resolver("198.51.100.53"),
                               resolver("127.0.0.53")))
    model = build(_report(snap, run(ok(IE1, [CANARY]))))
    where = {p.address: (p.where, p.network) for p in model.servers}
    assert where[IE1] == (Where.VPN_NETWORK, "10.1.0.0/16")
    assert where["192.168.1.1"] == (Where.LAN, "192.168.1.0/24")
    assert where["198.51.100.53"][0] == Where.OUTSIDE
    assert where["127.0.0.53"][0] == Where.LOCAL
    assert [p.order for p in model.servers] == [1, 2, 3, 4]
    assert hops(model.servers[0], model) == ["laptop", "tun0", "Client VPN endpoint", "10.1.0.0/16", IE1]


def test_full_tunnel_public_resolver_goes_to_the_internet_via_the_vpc() -> None:
    snap = snapshot(tunnel_routes=FULL, pushed_dns=(), redirect=True, resolvers=(resolver("203.0.113.53"),))
    model = build(_report(snap, run(silent("203.0.113.53", [CANARY]))))
    (p,) = model.servers
    assert (p.where, p.status) == (Where.VPN_EGRESS, "fail")
    assert (p.mark.code, p.mark_at) == ("full-tunnel-public-dns-no-egress", Place.EGRESS)
    d = diagram(model)
    assert [e.mark for e in d.edges if e.mark] == ["full-tunnel-public-dns-no-egress"]
    assert d.edges[-1].mark, "the mark sits on the way from the VPC to the internet resolver"


def test_unknown_routes_are_drawn_unknown_not_guessed() -> None:
    import dataclasses
    from agent.model import Evidence
    snap = snapshot(tunnel_routes=("10.1.0.0/16",), resolvers=(resolver(IE1),))
    snap = dataclasses.replace(snap, routes=(), captured=tuple(e for e in snap.captured
                                                              if e not in (Evidence.ROUTES, Evidence.ROUTES6)))
    snap = dataclasses.replace(snap, vpn=dataclasses.replace(snap.vpn, tunnel_interfaces=("tun0",)))
    model = build(_report(snap, run(ok(IE1, [CANARY]))))
    (p,) = model.servers
    assert p.where == Where.UNKNOWN and p.through_tunnel is None
    unknown = [n for n in diagram(model).nodes if n.kind == "unknown"]
    assert unknown and unknown[0].dashed


def test_the_silent_primary_is_marked_not_the_answering_secondary() -> None:
    snap = snapshot(tunnel_routes=("10.0.0.0/16", "10.1.0.0/16"), pushed_dns=(IE1, IE2),
                    resolvers=(resolver(IE1), resolver(IE2)))
    report = _report(snap, run(silent(IE1, [CANARY, DB]), ok(IE2, [CANARY]), ok(IE2, [DB], ("10.1.5.5",)),
                               names=(CANARY, DB)), names=(CANARY, DB))
    assert report.findings[0].code == "secondary-dns-unreachable"
    model = build(report)
    marked = {p.address: p.mark_at for p in model.servers if p.mark is not None}
    assert marked == {IE1: Place.SERVER}
    lines = render_path_lines(model, Style(False, unicode=False))
    assert lines[1].startswith("  XX 10.1.0.10 primary") and "<- secondary-dns-unreachable" in lines[1]
    assert lines[2].startswith("  ok 10.1.0.11 secondary") and "<-" not in lines[2]
    assert "->" in lines[1] and "→" not in "\n".join(lines)


def test_servfail_is_not_ok_and_outcomes_are_listed() -> None:
    snap = snapshot(tunnel_routes=("10.1.0.0/16",), pushed_dns=(IE1, IE2), resolvers=(resolver(IE1), resolver(IE2)))
    report = _report(snap, run(probe(IE1, CANARY.name, "servfail"), ok(IE2, [CANARY]),
                               probe(IE2, DB.name, "nxdomain"), names=(CANARY, DB)))
    model = build(report)
    by = {p.address: p for p in model.servers}
    assert by[IE1].status == "fail" and outcome_words(by[IE1]).startswith("udp servfail")
    assert by[IE2].status == "ok" and outcome_words(by[IE2]).startswith("udp answer/nxdomain")


def test_a_missing_route_draws_the_unused_tunnel_and_marks_the_way_out() -> None:
    model = build(_lab("S2-peer-route-missing"))
    d = diagram(model)
    kinds = {n.kind for n in d.nodes}
    assert {"lan-if", "tunnel-unused", "server"} <= kinds
    marked = [e for e in d.edges if e.mark]
    assert {e.mark for e in marked} == {"custom-dns-no-route"} and all(e.src.kind == "laptop" for e in marked)


def test_not_connected_draws_the_tunnel_as_not_up_and_marks_the_machine() -> None:
    d = diagram(build(_lab("not-connected-stale")))
    machine = next(n for n in d.nodes if n.kind == "laptop")
    assert machine.status == "marked"
    assert any(n.kind == "tunnel-unknown" and n.lines == ["tunnel: not up"] for n in d.nodes)


@pytest.mark.parametrize("key", sorted(p.name.split(".")[0] for p in LAB.glob("*.report.json")))
def test_mermaid_is_plain_text_with_every_box_and_no_html(key: str) -> None:
    model = build(_lab(key))
    text = flowchart(model)
    assert text.startswith("```mermaid\nflowchart LR\n") and text.endswith("\n```")
    assert not re.search(r"<\s*/?\s*[A-Za-z][^>]*>", text), "no HTML inside the labels"
    d = diagram(model)
    assert len(re.findall(r"^  n\d+_\w+[\[(]", text, re.M)) == len(d.nodes)
    edges = re.findall(r"^  (n\d+_\w+) (?:-->|-\.->)", text, re.M)
    assert len(edges) == len(set(re.findall(r"^  n\d+_\w+ (?:-->|-\.->)(?:\|[^|]*\|)? n\d+_\w+$", text, re.M)))
    if model.top is not None and model.top_place in (Place.ROUTE, Place.EGRESS):
        assert f"|\"X {model.top.code}\"|" in text
    ET.fromstring(html.svg(model))


def test_markdown_has_the_flowchart_unless_asked_not_to() -> None:
    report = _lab("S2-primary-down")
    assert "```mermaid" in markdown.render(report)
    assert "```mermaid" not in markdown.render(report, diagram=False)


def test_cli_writes_the_html_page_and_leaves_the_diagram_out_on_request(tmp_path: Path) -> None:
    from agent.cli import app
    page, md = tmp_path / "r.html", tmp_path / "r.md"
    result = CliRunner().invoke(app, ["analyze", str(LAB / "S2-primary-down.report.json"), "--html", str(page),
                                      "--markdown", str(md), "--no-diagram"])
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<svg xmlns="http://www.w3.org/2000/svg" class="dns-path"' in text
    assert text.index('class="dns-path"') < text.index('id="findings"'), "the drawing comes first"
    assert "```mermaid" not in md.read_text(encoding="utf-8")


def test_the_bundle_carries_the_html_page_redacted(tmp_path: Path) -> None:
    import zipfile
    from agent.bundle import write_bundle
    report = _lab("S2-primary-down")
    path = write_bundle(report, tmp_path / "b.zip")
    with zipfile.ZipFile(path) as z:
        page = z.read("report.html").decode("utf-8")
    assert "<svg" in page and "Personal data redacted" in page
