"""The corpus of real captures (tests/corpus): its format, its split, and that the scorer scores.

No score threshold here: `make corpus` prints the figures."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from agent.model import (DnsConfig, Family, IfAddress, Interface, InterfaceKind, PushedConfig, Resolver,
                         ResolverScope, Route, Snapshot, TunnelMode, VpnEvidence)
from tests.corpus import score

CORPUS = score.CORPUS
SOURCES = CORPUS.parent / "fixtures" / "SOURCES.md"
ALL_TXT = sorted(p for part in score.PARTS for p in (CORPUS / part).glob("*/*.txt"))


def test_every_capture_has_a_valid_expect_file_in_its_drawn_part():
    assert ALL_TXT, "the corpus is empty"
    slugs: dict[str, Path] = {}
    for txt in ALL_TXT:
        cap = score.load_capture(txt)                 # raises on a malformed .expect.json
        assert cap.part == score.part_of(cap.slug), f"{cap.name} is in the wrong part"
        assert cap.kind in score.KIND_IDS or cap.kind == score.TICKET, cap.name
        assert cap.slug not in slugs, f"slug {cap.slug} used twice: {slugs.get(cap.slug)} and {txt}"
        slugs[cap.slug] = txt
        assert txt.read_bytes().strip(), f"{cap.name} is empty"


def test_no_stray_files_in_the_corpus():
    for part in score.PARTS:
        for p in (CORPUS / part).rglob("*"):
            if p.is_file():
                assert p.name.endswith((".txt", ".expect.json")), p
                if p.name.endswith(".expect.json"):
                    assert p.with_name(p.name[:-len(".expect.json")] + ".txt").exists(), f"{p} has no capture"



def test_no_capture_is_taken_twice():
    # the same text under two slugs would count twice, and could sit in both parts
    seen: dict[bytes, Path] = {}
    for txt in ALL_TXT:
        body = txt.read_bytes()
        assert body not in seen, f"{txt} repeats {seen[body]}"
        seen[body] = txt

def test_every_capture_is_listed_in_sources():
    text = SOURCES.read_text(encoding="utf-8")
    missing = [t.stem for t in ALL_TXT if t.stem not in text]
    assert not missing, f"not in tests/fixtures/SOURCES.md: {missing}"


def test_the_split_is_about_a_third():
    holdout = sum(1 for t in ALL_TXT if t.parent.parent.name == "holdout")
    if len(ALL_TXT) >= 60:     # a third of a binomial draw: within 0.2-0.45 from 60 files on
        assert 0.2 <= holdout / len(ALL_TXT) <= 0.45
    assert 0 < holdout < len(ALL_TXT)


def test_part_of_is_stable():
    # the draw must never change: it would move files between dev and holdout
    assert [score.part_of(s) for s in ("a", "b", "c", "d", "e", "f")] == \
        [score.part_of(s) for s in ("a", "b", "c", "d", "e", "f")]
    assert score.part_of("openvpn-791-hildeb-push-reply-line") == "holdout"
    assert score.part_of("openvpn-306-titovlab-dco-gui-en") == "holdout"
    assert score.part_of("docksal-1352-en-dockernat-lan-suffix") == "dev"


def _result(snapshot: Snapshot, recognised=(("f.txt", "ipconfig"),)):
    return SimpleNamespace(recognised=recognised, report=SimpleNamespace(snapshot=snapshot))


def _snapshot(**kw) -> Snapshot:
    from agent.model import Platform
    return Snapshot(platform=Platform.WINDOWS, collected_at="2024-01-01T00:00:00Z", **kw)


def test_check_compares_facts_as_the_readme_says():
    snap = _snapshot(
        interfaces=(Interface(name="Wi-Fi", addresses=(IfAddress(Family.INET, "192.168.1.20", 24),)),
                    Interface(name="OpenVPN Wintun", kind=InterfaceKind.TUNNEL)),
        routes=(Route(Family.INET, "0.0.0.0/0", gateway="192.168.1.1", interface="Wi-Fi"),),
        dns=DnsConfig(resolvers=(Resolver("10.0.0.2", ResolverScope.LINK, interface="OpenVPN Wintun",
                                          domains=("corp.example",)),),
                      search_domains=("Home.Example.",), resolv_conf_nameservers=("127.0.0.53",), stub=True),
        vpn=VpnEvidence(mode=TunnelMode.SPLIT, pushed=PushedConfig(dns_servers=("10.0.0.2",),
                                                                    routes=("10.0.0.0/16",), ifconfig="10.0.1.5/24"),
                        connected_at="2024-01-01T10:00:00", disconnected_at="2024-01-01T09:00:00"))
    res = _result(snap)
    F = score.Fact

    def found(cat, want):
        return score.check(F(cat, want, ""), res)[0]

    assert found("kind", "ipconfig") and not found("kind", "route-print")
    assert found("resolver", {"address": "10.0.0.2", "interface": "openvpn wintun", "scope": "link"})
    assert found("resolver", {"address": "10.0.0.2", "interface": "OpenVPN Win…"})     # truncated column
    assert not found("resolver", {"address": "10.0.0.2", "scope": "global"})
    assert not found("resolver", {"address": "10.0.0.3"})
    assert found("nameserver", "127.0.0.53") and found("resolv_stub", True)
    assert found("search_domain", "home.example") and found("search_domain", "corp.example")
    assert found("match_domain", {"domain": "~corp.example", "interface": "OpenVPN Wintun"})
    assert not found("match_domain", {"domain": "corp.example", "interface": "Wi-Fi"})
    assert found("default_route", {"gateway": "192.168.1.1", "interface": "192.168.1.20"})  # by address
    assert found("default_route", {"interface": "Wi-Fi"})
    assert not found("default_route", {"gateway": "192.168.1.254"})
    assert found("tunnel_interface", "OpenVPN Wintun") and not found("tunnel_interface", "Wi-Fi")
    assert found("tunnel_interface", "OpenVPN W...n") and not found("tunnel_interface", "OpenVPN W...x")
    assert found("tunnel_mode", "split") and not found("tunnel_mode", "full")
    assert found("pushed_dns", "10.0.0.2") and found("pushed_route", "10.0.5.0/16")
    assert found("pushed_ifconfig", "10.0.1.5") and not found("pushed_redirect_gateway", True)
    assert found("vpn_state", "connected") and not found("vpn_state", "disconnected")
    assert score.check(F("resolver", {"address": "10.0.0.2"}, ""), None) == (False, "not recognised")


@pytest.mark.parametrize("rel", [
    "dev/ipconfig/docksal-1352-en-dockernat-lan-suffix.txt",
    "dev/route-print/wsl-5068-craph-ps-prompt-pulse.txt",
    "dev/openvpn-log/dperson-openvpn-client-222-def1-routes.txt",
    "dev/ticket/cockpit-13557-sghosh151-route-n-and-ip-r.txt",
])
def test_the_scorer_scores_real_files(rel):
    cap = score.load_capture(CORPUS / rel)
    fs = score.score(cap)
    facts = score.expected_facts(cap.expect)
    assert len(fs.found) + len(fs.missed) + len(fs.unscored) == len(facts)
    assert {f.label for f in fs.found}.isdisjoint({f.label for f, _ in fs.missed})
    if not fs.recognised:
        assert not fs.found and fs.error
    out = score.render([fs], verbose=True)
    assert f"corpus {cap.part}:" in out and cap.kind in out
    assert all(f"missed {f.label}" in out for f, _ in fs.missed)


def test_cli_reports_both_parts_and_rejects_a_bad_expect_file(tmp_path, capsys):
    assert score.main(["--kind", "route-print"]) == 0
    out = capsys.readouterr().out
    assert "corpus dev:" in out and "corpus holdout:" in out and "route-print" in out
    bad = tmp_path / "dev" / "ipconfig"
    bad.mkdir(parents=True)
    (bad / "x.txt").write_text("Windows IP Configuration\n")
    (bad / "x.expect.json").write_text('{"source": {"url": "u"}, "kinds": ["nope"], "facts": {}}')
    assert score.main([str(bad / "x.txt")]) == 2
    assert "kinds must be" in capsys.readouterr().err


def test_a_client_known_only_from_the_context_is_listed_not_scored(tmp_path):
    # a real capture whose client the thread names, not the table (a route -n showing tun0)
    cap = score.load_capture(CORPUS / "dev/route-n/codeidx-57004434815-sudo-route-n-fwmark-question.txt")
    assert cap.expect["client_from"] == "context"
    fs = score.score(cap)
    assert [f.category for f in fs.unscored] == ["client"]
    assert "client" not in {f.category for f in fs.found} | {f.category for f, _ in fs.missed}
    assert "client facts not scored" in score.render([fs])
    # a client shown by the capture itself (the AnyConnect adapter's description) is scored
    shown = score.load_capture(CORPUS / "dev/ipconfig/docker-for-win-7179-dannymeister-anyconnect.txt")
    assert "client_from" not in shown.expect and "client" in {f.category for f in score.score(shown).found}
    with pytest.raises(score.ExpectError, match="client_from"):
        score.validate({"source": {"url": "u"}, "kinds": ["ipconfig"], "facts": {}, "client": "other",
                        "client_from": "thread"}, "x")
    with pytest.raises(score.ExpectError, match="client_from without a client"):
        score.validate({"source": {"url": "u"}, "kinds": ["ipconfig"], "facts": {}, "client_from": "context"}, "x")
