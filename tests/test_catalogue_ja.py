"""The Japanese finding catalogue, agent/locale/ja/catalogue.po (issue 16).

Every string of the finding catalogue (agent/findings.py CATALOGUE: title, explanation,
user_fix, admin_fix, observes) and every scenario title (agent/scenarios.py TITLES), as
the program holds it at run time, is a msgid there with a Japanese msgstr; a translation
keeps every placeholder, URL, path, address, command and quoted config line of its
English text verbatim, and uses the terms of AWS's and Microsoft's Japanese documentation.
The file is valid gettext: it compiles to a .mo that the stdlib gettext reads back.
"""
from __future__ import annotations

import gettext
import re
import shutil
import struct
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from agent.locale import extract_catalogue as ec

PO = ec.PO_PATH
# Strings that are only a command (nothing to translate): a msgstr may equal its msgid.
COMMAND_ONLY: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def po() -> tuple[dict[str, str], list[ec.Entry]]:
    return ec.read_po(PO)


@pytest.fixture(scope="module")
def live(po) -> dict[str, ec.Entry]:
    return {e.msgid: e for e in po[1] if not e.obsolete}


@pytest.fixture(scope="module")
def wanted() -> dict[str, list[str]]:
    return ec.runtime_msgids()


# ---------------------------------------------------------------- what must be translated

def test_the_runtime_list_is_the_catalogue_and_the_scenario_titles(wanted) -> None:
    from agent.findings import CATALOGUE, _RECONNECT
    from agent.scenarios import TITLES

    for code, doc in CATALOGUE.items():
        for name in ec.FIELDS:
            assert f"{code}.{name}" in wanted[getattr(doc, name)]
    for sid, title in TITLES.items():
        assert f"scenario:{sid}" in wanted[title]
    # run-time strings, not source fragments: the shared sentence is already appended
    assert any(m.endswith(" " + _RECONNECT) for m in wanted)
    assert _RECONNECT not in wanted
    assert len(wanted) == len(set(wanted))


def test_header(po) -> None:
    header, _ = po
    assert header["Language"] == "ja"
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_runtime_string_has_a_japanese_translation(live, wanted) -> None:
    rep = ec.check(list(live.values()), wanted)
    assert not rep.missing, "missing from catalogue.po (run agent/locale/extract_catalogue.py --update):\n" + \
        "\n".join(f"  {', '.join(wanted[m])}: {m[:80]}" for m in rep.missing)
    assert not rep.untranslated, "empty msgstr:\n" + "\n".join(f"  {', '.join(wanted[m])}" for m in rep.untranslated)
    assert not rep.fuzzy, "fuzzy translations:\n" + "\n".join(f"  {', '.join(wanted[m])}" for m in rep.fuzzy)
    assert rep.total == len(wanted) >= 200


def test_no_live_entry_is_obsolete(live, wanted) -> None:
    obsolete = [m for m in live if m not in wanted]
    assert not obsolete, ("entries whose English is no longer in the code (run extract_catalogue.py --update, "
                          "which keeps them as #~):\n" + "\n".join(f"  {m[:80]}" for m in obsolete))


_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def test_no_msgstr_is_the_english_text(live, wanted) -> None:
    bad = [", ".join(wanted[m]) for m in wanted
           if m in live and m not in COMMAND_ONLY
           and (live[m].msgstr == m or not _JAPANESE.search(live[m].msgstr))]
    assert not bad, f"msgstr is English (or has no Japanese at all): {bad}"


# ---------------------------------------------------------------- what a translation must keep

_URL = re.compile(r"https?://[^\s（）、。」]+")
_FORMAT = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|%\([A-Za-z_]+\)[sd]|%[sd]")
_ANGLE = re.compile(r"<[A-Za-z][^<>]*>")
_QUOTED = re.compile(r"(?<![A-Za-z0-9])'([^'\n]+?)'(?![A-Za-z0-9])")
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?::\d+)?\b")
_NUMBER = re.compile(r"(?<!\d)(?<!\d\.)\d{2,}(?!\.?\d)")
_COMMANDS = frozenset({
    "ipconfig", "resolvectl", "dscacheutil", "networksetup", "nslookup", "scutil", "sudo", "wsl", "tailscale",
    "killall", "netstat", "getaddrinfo", "dig", "docker", "nano", "ln", "kubectl", "terraform", "cgo", "glibc",
    "systemd-resolved", "redirect-gateway", "default-route", "cvpn-doctor", "docker0", "dnsmasq", "nscd",
})
_ABBREVIATIONS = frozenset({"e.g", "i.e", "etc"})
MENU_PATHS = (
    "Client VPN endpoint > Modify > DNS servers",
    "Modify client VPN endpoint > DNS server IP address",
    "Route 53 > Hosted zones > the zone > Edit > VPCs to associate",
    "Route 53 > DNS Firewall > Rule groups > VPC associations",
    "Settings > Privacy and security > Security",
    "Settings > Privacy & Security > DNS over HTTPS > Off",
)


def _normal(token: str) -> str:
    token = token.strip("()[],;:.\"")
    for suffix in ("'s", "'", "+"):
        token = token.removesuffix(suffix)
    return token.strip("()[],;:.\"")


def _is_code(t: str) -> bool:
    """A token that is a command, an option, a path, a key=value, an address or an identifier:
    it is written the same in every language."""
    if not t or t.lower() in _ABBREVIATIONS or set(t) == {"-"}:
        return False
    return bool(
        t in _COMMANDS
        or re.match(r"/[a-z0-9]", t)          # /etc/hosts, /flushdns (not "gateway/IGW" after Japanese)
        or t.startswith(("%", "-", "~", "@", "."))
        or "\\" in t or "=" in t or "_" in t or "@" in t or t == "&&"
        or re.search(r"[A-Za-z0-9]:[A-Za-z0-9]", t)
        or re.fullmatch(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_*-]+)+", t)
        or re.search(r"[a-z][A-Z]", t)
        or re.fullmatch(r"[A-Z][a-z]+-[A-Z][A-Za-z]+", t)     # PowerShell cmdlets
        or re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+){2,}", t))    # max-udp-size, remote-random-hostname


def code_tokens(text: str) -> set[str]:
    """The code-like tokens of a text: runs of printable ASCII (Japanese characters and
    spaces delimit them), trimmed of punctuation, that _is_code accepts."""
    text = _URL.sub(" ", text)
    out = set()
    for run in re.findall(r"[!-~]+", text):
        for t in {run, *re.split(r"[()]", run)}:
            t = _normal(t)
            if _is_code(t):
                out.add(t)
    return out


def kept(text: str) -> dict[str, Counter]:
    """Everything of a text a translation must carry unchanged, by kind."""
    return {
        "URL": Counter(u.rstrip(".,;:)") for u in _URL.findall(text)),
        "placeholder": Counter(_FORMAT.findall(text)),
        "<placeholder>": Counter(_ANGLE.findall(text)),
        "'quoted'": Counter(_QUOTED.findall(text)),
        "address": Counter(_IP.findall(text)),
        "number": Counter(set(_NUMBER.findall(text))),
        "code": Counter(code_tokens(text)),
        "menu path": Counter(p for p in MENU_PATHS if p in text),
    }


def _diff(msgid: str, msgstr: str) -> list[str]:
    en, ja = kept(msgid), kept(msgstr)
    problems = []
    for kind in en:
        if kind == "menu path":      # the Japanese console label may follow the English path
            lost = en[kind] - ja[kind]
            added = Counter()
        else:
            lost, added = en[kind] - ja[kind], ja[kind] - en[kind]
        if lost:
            problems.append(f"{kind} lost: {sorted(lost.elements())}")
        if added:
            problems.append(f"{kind} added: {sorted(added.elements())}")
    return problems


def test_translations_keep_placeholders_urls_commands_and_paths(live, wanted) -> None:
    bad = {}
    for msgid in wanted:
        if msgid in live and live[msgid].msgstr:
            problems = _diff(msgid, live[msgid].msgstr)
            if problems:
                bad[", ".join(wanted[msgid])] = problems
    assert not bad, "\n".join(f"{ref}: {'; '.join(p)}" for ref, p in bad.items())


def test_every_console_path_in_the_catalogue_is_known(wanted) -> None:
    """A new "A > B" console path must be added to MENU_PATHS, so that it is checked."""
    unknown = [m for m in wanted if " > " in m and not any(p in m for p in MENU_PATHS)]
    assert not unknown, unknown


@pytest.mark.parametrize("msgid, msgstr, problem", [
    ("Run {cmd} now.", "今すぐ実行してください。", "placeholder lost: ['{cmd}']"),
    ("Run it.", "{cmd} を実行してください。", "placeholder added: ['{cmd}']"),
    ("See https://example.com/a.", "https://example.com/b を参照してください。", "URL lost"),
    ("Run ipconfig /flushdns.", "ipconfig /flushdn を実行してください。", "code lost: ['/flushdns']"),
    ("Add 'dhcp-option DOMAIN x' to it.", "'dhcp-option DOMAIN y' を追加します。", "'quoted' lost"),
    ("Use 10.0.0.2.", "10.0.0.3 を使います。", "address lost: ['10.0.0.2']"),
    ("Wait 15 minutes.", "16 分待ちます。", "number lost: ['15']"),
    ("Use <tun>.", "<トンネル> を使います。", "<placeholder> lost: ['<tun>']"),
    ("Client VPN endpoint > Modify > DNS servers.", "クライアント VPN エンドポイント > 変更 > DNS サーバー。",
     "menu path lost"),
])
def test_the_keep_check_catches(msgid: str, msgstr: str, problem: str) -> None:
    assert any(p.startswith(problem) for p in _diff(msgid, msgstr)), _diff(msgid, msgstr)


def test_the_keep_check_accepts_a_faithful_translation() -> None:
    msgid = ("Flush the DNS cache: Windows 'ipconfig /flushdns'; Linux: sudo resolvectl domain <tun> '~.' "
             "(see https://example.com/x). NetworkManager's dnsmasq on 127.0.0.53, Go 1.20+.")
    msgstr = ("DNS キャッシュをクリアしてください: Windows は 'ipconfig /flushdns'、Linux は sudo resolvectl domain "
              "<tun> '~.'（https://example.com/x を参照）。127.0.0.53 の NetworkManager の dnsmasq、Go 1.20 以降。")
    assert _diff(msgid, msgstr) == []


# ---------------------------------------------------------------- terms (AWS / Microsoft Japanese docs)

GLOSSARY = (
    (r"client vpn endpoint", "クライアント VPN エンドポイント"),
    (r"split[- ]tunnel", "分割トンネル（スプリットトンネル）"),
    (r"full[- ]tunnel", "フルトンネル"),
    (r"authorization rule", "承認ルール"),
    (r"\broute table", "ルートテーブル"),
    (r"target network", "ターゲットネットワーク"),
    (r"private hosted zone", "プライベートホストゾーン"),
    (r"inbound endpoint", "インバウンドエンドポイント"),
    (r"associated subnet", "関連付けられたサブネット"),
    (r"security group", "セキュリティグループ"),
    (r"custom dns", "カスタム DNS"),
    (r"\bprimary\b", "プライマリ"),
    (r"\bsecondary\b", "セカンダリ"),
    (r"route 53 resolver", "Route 53 Resolver"),
    (r"dns server ip address", "DNS サーバーの IP アドレス"),
    (r"name resolution policy table", "名前解決ポリシー テーブル (NRPT)"),
    (r"\bmetric\b", "インターフェイス メトリック"),
    (r"\badapters?\b", "アダプター"),
    (r"name resolution", "名前解決"),
    (r"group policy", "グループ ポリシー"),
)


def test_translations_use_the_documented_japanese_terms(live, wanted) -> None:
    bad = []
    for msgid in wanted:
        ja = live[msgid].msgstr if msgid in live else ""
        for pattern, term in GLOSSARY:
            if re.search(pattern, msgid, re.IGNORECASE) and term not in ja:
                bad.append(f"{', '.join(wanted[msgid])}: {pattern!r} -> {term}")
    assert not bad, "\n".join(bad)


def test_no_space_beside_japanese_punctuation(live) -> None:
    bad = [e.refs[0] for e in live.values() if re.search(r"[、。（）「」] | [、。（）「」]", e.msgstr)]
    assert not bad, bad


def test_split_tunnel_is_glossed_on_first_use_only(live) -> None:
    for e in live.values():
        s = e.msgstr
        if "分割トンネル" in s:
            assert s.index("分割トンネル") == s.find("分割トンネル（スプリットトンネル）"), e.refs
            assert s.count("（スプリットトンネル）") == 1, e.refs


def test_style_is_desu_masu(live) -> None:
    """Full sentences (explanations and fixes) end politely; titles and observes are labels."""
    plain = re.compile(r"(?<!ま)(?:する|した|ない|である)。|(?<![でま])だ。")
    bad = [e.refs[0] for e in live.values()
           if any(r.endswith((".explanation", ".user_fix", ".admin_fix")) for r in e.refs)
           and (plain.search(e.msgstr) or not e.msgstr.rstrip().endswith(("。", "）")))]
    assert not bad, bad


# ---------------------------------------------------------------- the file is valid gettext

def _mo_bytes(catalog: dict[str, str]) -> bytes:
    """A GNU .mo image of ``catalog`` (the layout of CPython's Tools/i18n/msgfmt.py)."""
    keys = sorted(catalog)
    ids = strs = b""
    offsets = []
    for k in keys:
        kid, kstr = k.encode("utf-8"), catalog[k].encode("utf-8")
        offsets.append((len(ids), len(kid), len(strs), len(kstr)))
        ids += kid + b"\0"
        strs += kstr + b"\0"
    keystart = 7 * 4 + 16 * len(keys)
    valuestart = keystart + len(ids)
    koffsets, voffsets = [], []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + keystart]
        voffsets += [l2, o2 + valuestart]
    return (struct.pack("Iiiiiii", 0x950412de, 0, len(keys), 7 * 4, 7 * 4 + len(keys) * 8, 0, 0)
            + struct.pack(f"{len(koffsets)}i", *koffsets) + struct.pack(f"{len(voffsets)}i", *voffsets)
            + ids + strs)


def test_the_catalogue_compiles_and_gettext_reads_it_back(po, live, wanted, tmp_path: Path) -> None:
    header, _ = po
    catalog = {"": "".join(f"{k}: {v}\n" for k, v in header.items())}
    catalog.update({m: e.msgstr for m, e in live.items()})
    mo = tmp_path / "ja" / "LC_MESSAGES" / "cvpn_doctor.mo"
    mo.parent.mkdir(parents=True)
    mo.write_bytes(_mo_bytes(catalog))
    t = gettext.translation("cvpn_doctor", localedir=tmp_path, languages=["ja"])
    assert t.info()["language"] == "ja"
    assert t.info()["plural-forms"] == "nplurals=1; plural=0;"
    for msgid in wanted:
        assert t.gettext(msgid) == live[msgid].msgstr
    assert t.ngettext("one", "many", 5) == "many"   # the Plural-Forms expression parses


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_gnu_msgfmt_accepts_the_file(tmp_path: Path) -> None:
    out = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "c.mo"), str(PO)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    t = gettext.GNUTranslations((tmp_path / "c.mo").open("rb"))
    from agent.findings import CATALOGUE
    assert t.gettext(CATALOGUE["vpn-not-connected"].title) == "VPN が接続されていません"


def test_the_generator_rewrites_the_file_without_changing_it(po) -> None:
    """--update writes what it read: every msgid, msgstr, reference and flag survives a
    write and a read (line wrapping may differ from a hand edit)."""
    header, entries = po
    header2, entries2 = ec.parse_po(ec.format_po(header, entries, ec.TITLE))
    assert header2 == header
    assert [(e.msgid, e.msgstr, e.refs, e.flags, e.obsolete) for e in entries2] == \
        [(e.msgid, e.msgstr, e.refs, e.flags, e.obsolete) for e in entries]


# ---------------------------------------------------------------- the reader and writer

TRICKY = ['He said "hi"', "back\\slash and C:\\Windows\\hosts", "two\nlines\n", "tab\there",
          "%UserProfile%\\.wslconfig", "日本語の文。" * 30, "x" * 200, '"', "\\", "\\n literally"]


@pytest.mark.parametrize("s", TRICKY)
def test_escapes_round_trip(s: str, tmp_path: Path) -> None:
    entries = [ec.Entry(s, "訳" + s, refs=["a.b"])]
    text = ec.format_po(dict(ec.HEADER), entries, "test")
    header, back = ec.parse_po(text)
    assert back[0].msgid == s and back[0].msgstr == "訳" + s
    assert header == ec.HEADER
    if shutil.which("msgfmt"):
        (tmp_path / "t.po").write_text(text, encoding="utf-8")
        out = subprocess.run(["msgfmt", "-o", str(tmp_path / "t.mo"), str(tmp_path / "t.po")],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert gettext.GNUTranslations((tmp_path / "t.mo").open("rb")).gettext(s) == "訳" + s


@pytest.mark.parametrize("text, error", [
    ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', "duplicate msgid"),
    ('msgid "a\\q"\nmsgstr "b"\n', "unknown escape"),
    ('msgid "a"b"\nmsgstr "b"\n', "unescaped quote"),
    ('msgid "a"\n', "msgid without msgstr"),
    ('msgctxt "c"\nmsgid "a"\nmsgstr "b"\n', "msgctxt"),
    ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\n', "msgid_plural"),
])
def test_the_reader_rejects_what_the_catalogue_must_not_hold(text: str, error: str) -> None:
    with pytest.raises(ec.POError, match=error):
        ec.parse_po(text)


def test_the_lenient_reader_reads_what_other_po_files_may_hold() -> None:
    text = ('msgid ""\nmsgstr "Language: ja\\n"\n\n'
            'msgctxt "menu"\nmsgid "Open"\nmsgstr "開く"\n\n'
            'msgid "one file"\nmsgid_plural "{n} files"\nmsgstr[0] "{n} 個の"\n"ファイル"\n\n'
            '#~| msgid "Old"\n#~ msgid "Older"\n#~ msgstr "古い"\n')
    header, entries = ec.parse_po(text, strict=False)
    assert header == {"Language": "ja"}
    assert [(e.msgid, e.msgstr, e.obsolete) for e in entries] == [
        ("one file", "{n} 個のファイル", False), ("Older", "古い", True)]


def test_update_keeps_translations_and_retires_obsolete_entries(tmp_path: Path, capsys) -> None:
    po = tmp_path / "catalogue.po"
    wanted = ec.runtime_msgids()
    first = next(iter(wanted))
    po.write_text(ec.format_po(dict(ec.HEADER), [ec.Entry(first, "訳"), ec.Entry("Gone sentence.", "古い訳"),
                                                 ec.Entry("Gone untranslated.", "")], "t"), encoding="utf-8")
    assert ec.main(["--po", str(po)]) == 1        # the rest is missing
    assert "obsolete" in capsys.readouterr().out
    assert ec.main(["--po", str(po), "--update"]) == 1   # added, but with empty msgstr
    _, entries = ec.read_po(po)
    by_id = {e.msgid: e for e in entries}
    assert by_id[first].msgstr == "訳" and by_id[first].refs == wanted[first]
    assert by_id["Gone sentence."].obsolete and by_id["Gone sentence."].msgstr == "古い訳"
    assert "Gone untranslated." not in by_id
    assert [e.msgid for e in entries if not e.obsolete] == list(wanted)
    assert "#~ msgid \"Gone sentence.\"" in po.read_text(encoding="utf-8")


def test_the_report_passes_on_the_shipped_catalogue(capsys) -> None:
    assert ec.main([]) == 0
    out = capsys.readouterr().out
    assert f"{len(ec.runtime_msgids())} translated" in out


# ---------------------------------------------------------------- strings marked with _() nearby

def test_marked_literals_are_found(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text('x = _("one")\ny = N_("two")\nz = f("three")\nw = _(name)\n', encoding="utf-8")
    assert set(ec.marked_literals((str(src),))) == {"one", "two"}


def test_marked_literals_of_findings_and_scenarios_are_translated_somewhere(live) -> None:
    """Once the i18n work marks scenario evidence sentences with _(), each needs a ja msgstr
    in one of agent/locale/ja/*.po (the build merges them all)."""
    translated = {m for m, e in live.items() if e.msgstr}
    for other in sorted(PO.parent.glob("*.po")):
        if other != PO:
            translated |= {e.msgid for e in ec.read_po(other, strict=False)[1] if e.msgstr}
    marked = ec.marked_literals()
    assert all(isinstance(m, str) for m in marked)
    missing = [f"{refs[0]}: {m[:70]}" for m, refs in marked.items() if m not in translated]
    assert not missing, "\n".join(missing)


def test_a_msgid_also_in_another_ja_po_has_the_same_translation(live) -> None:
    """The build merges every agent/locale/ja/*.po into one .mo and refuses a msgid that two
    files translate differently (e.g. a scenario title also extracted into messages.po)."""
    for other in sorted(PO.parent.glob("*.po")):
        if other != PO:
            differ = [m for m, e in ((e.msgid, e) for e in ec.read_po(other, strict=False)[1])
                      if not e.obsolete and e.msgstr and m in live and live[m].msgstr != e.msgstr]
            assert not differ, f"{other.name} translates differently: {differ[:5]}"
