"""Redaction: personal data replaced consistently, secrets dropped, diagnosis data kept --
checked on every rendered output (Markdown, bundle files, JSON) of every fixture."""
import json
import zipfile
from pathlib import Path

import pytest

import planted
from agent.bundle import build_entries, write_bundle
from agent.model import Report
from agent.redact import REMOVED, Redactor
from agent.render import markdown


def leaks(text: str) -> list[str]:
    low = text.lower()
    return [s for s in planted.LEAKS if s.lower() in low]


def all_outputs(report: Report, tmp_path: Path) -> dict[str, str]:
    out = {"markdown": markdown.render(report)}
    path = write_bundle(report, tmp_path / "b.zip", force=True, redact=True)
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            out[f"bundle:{name}"] = zf.read(name).decode("utf-8")
    return out


def test_planted_report_has_the_planted_data():
    # The test is only meaningful if the unredacted report really carries every planted value.
    raw = json.dumps(planted.planted_report().to_dict())
    for value in (planted.USER, planted.HOST, planted.EMAIL, planted.MAC, planted.PUBLIC_IP, planted.PUBLIC_IP6,
                  "FAKEPRIVATEKEY", "SESS_ID_", "hunter2"):
        assert value.lower() in raw.lower(), value


def test_planted_report_no_leaks_and_diagnosis_kept(tmp_path):
    report = planted.planted_report()
    for name, text in all_outputs(report, tmp_path).items():
        assert leaks(text) == [], name
        if name in ("markdown", "bundle:report.md", "bundle:report.json"):
            for kept in ("10.2.0.2", "10.0.0.98", "tun0", "172.16.0.130/27", "cvpn-endpoint-0a1b2c3d4e5f60718",
                         "eu-west-2", "192.168.1.23", "52.94.236.248"):
                assert kept in text, (name, kept)


def test_consistent_tokens_across_bundle():
    report = planted.planted_report()
    red = Redactor.for_report(report, local=False)
    entries = build_entries(report, redact=True, redactor=red)
    tokens = {orig: tok for orig, tok, kind in red.mapping() if tok != REMOVED}
    user_tok, mac_tok, ip_tok = tokens[planted.USER], tokens[planted.MAC], tokens[planted.PUBLIC_IP]
    assert user_tok == "user-1" and mac_tok.startswith("02:00:00:00:") and ip_tok.startswith("192.0.2.")
    # The same token shows up in the JSON, the Markdown and the raw files.
    assert mac_tok in entries["report.json"]
    assert any(mac_tok in t for n, t in entries.items() if n.startswith("raw/"))
    assert ip_tok in entries["report.md"]
    assert any(ip_tok in t for n, t in entries.items() if n.startswith("raw/"))
    assert any(user_tok in t for n, t in entries.items() if n.startswith("raw/"))
    assert ip_tok in entries["report.json"]


def test_redacted_report_still_parses_and_keeps_prefix_lengths():
    report = planted.planted_report()
    red = Redactor.for_report(report, local=False).report(report)
    assert Report.from_dict(json.loads(json.dumps(red.to_dict()))) == red
    wlp3 = red.snapshot.interface("wlp3s0")
    assert [a.prefixlen for a in wlp3.addresses] == [24, 64]
    assert wlp3.addresses[0].address.startswith("192.0.2.")


def test_public_nameserver_kept_public_client_replaced():
    red = Redactor(local=False)
    red._nameservers.add("203.0.113.53")
    red._add_client_ip("203.0.113.53", 24)      # a nameserver: kept
    red._add_client_ip("198.51.100.7", 24)      # the client's own public address: replaced
    text = red.text("dns 203.0.113.53 from 198.51.100.7:5353 not 198.51.100.70 or 1198.51.100.7")
    assert "203.0.113.53" in text and "198.51.100.7:" not in text
    assert "198.51.100.70" in text and "1198.51.100.7" in text


def test_secrets_dropped_everywhere():
    red = Redactor(local=False)
    text = red.text("a\n-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----\nb "
                    "auth-token SESS_ID_xyz password=hunter2 AKIAABCDEFGHIJKLMNOP CRV1:R:abc:def\n"
                    "<tls-auth>\n0011\n</tls-auth>\n")
    for s in ("MIIabc", "SESS_ID", "hunter2", "AKIAABCDEFGHIJKLMNOP", "R:abc:def", "0011"):
        assert s not in text
    assert "<tls-auth>" in text and text.count(REMOVED) >= 6
    # A bare directive name is not a key block.
    assert red.text("<key>") == "<key>"


def test_home_paths_and_windows_users_with_spaces():
    red = Redactor(local=False)
    red.learn_text(r"C:\Users\Jane Doe\AppData\Roaming\AWSVPNClient\logs and /Users/bob/.config x")
    out = red.text(r"C:\Users\Jane Doe\AppData /Users/bob/.config bob")
    assert "Jane" not in out and "bob" not in out and "/Users/user-" in out


def test_generic_names_are_not_replaced():
    red = Redactor(users=("root", "user"), hosts=("localhost",), local=False)
    assert red.text("root user localhost") == "root user localhost"


def test_preview_lists_what_will_change():
    report = planted.planted_report()
    rows = Redactor(local=False).preview(report)
    kinds = {k for _o, _t, k in rows}
    assert {"user", "host", "mac", "ip", "email", "key material", "auth token", "password"} <= kinds
    originals = {o for o, _t, _k in rows}
    assert planted.PUBLIC_IP in originals and "10.2.0.2" not in originals


FIXTURE_FILES = planted.fixture_files()


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_rendered_without_leaks(path: Path, tmp_path: Path):
    report = planted.fixture_report(path)
    unredacted = json.dumps(report.to_dict()).lower()
    assert planted.USER in unredacted and planted.MAC in unredacted
    for name, text in all_outputs(report, tmp_path).items():
        assert leaks(text) == [], (name, leaks(text))
    # Private resolver addresses survive.
    md = markdown.render(report)
    for r in report.snapshot.dns.resolvers:
        if r.address.startswith(("10.", "192.168.", "172.16.", "127.")):
            assert r.address in md


def test_nsswitch_passwd_line_is_not_a_secret():
    from agent.redact import Redactor

    text = "passwd:         files systemd\nhosts: files dns\npassword = hunter2\n"
    out = Redactor(local=False).text(text)
    assert "passwd:         files systemd" in out and "hunter2" not in out


def test_bsd_macs_without_leading_zeros_are_redacted():
    # macOS `netstat -rn` / `arp -a` print ca:e9:fb:a3:d:f for ca:e9:fb:a3:0d:0f
    out = Redactor(local=False).text("192.168.68.101  ca:e9:fb:a3:d:f  UHLWI en0\nfe80::1:2:3:4:5 0:0:0:0:0:0:0:1 12:34:56")
    assert "ca:e9:fb:a3:d:f" not in out and "02:00:00:00:00:01" in out
    assert "fe80::1:2:3:4:5 0:0:0:0:0:0:0:1 12:34:56" in out      # addresses and times stay
