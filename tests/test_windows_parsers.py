"""Windows parsers: fixture pairs (jc-style), empty/garbage input, recognition by content,
language independence and PowerShell encoding/shape accidents."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.model import Family
from platforms.base import ParseError
from platforms.parsers import ipconfig, nrpt, ps_cmdlets, ps_format, route_print, win_json

FIX = Path(__file__).parent / "fixtures" / "windows"


PAIRS = sorted(FIX.glob("*.out"))


# --------------------------------------------------------------------------- empty / garbage

PARSERS = {
    "ipconfig": ipconfig.parse,
    "route-print": route_print.parse,
    "powershell": win_json.parse,
    "cmdlet": win_json.parse_cmdlet,
    "nrpt": nrpt.parse,
    "ps-text": ps_cmdlets.parse,
    "ps-format": ps_format.parse,
}
GARBAGE = ("\x00\x01binary\xff", "Der Befehl wurde nicht gefunden.", "<html><body>502</body></html>",
           '{"unrelated": true}', "[1, 2, 3]")


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize("text", ["", "   \n\n"])
def test_empty_input_raises_parse_error(name: str, text: str) -> None:
    with pytest.raises(ParseError):
        PARSERS[name](text)


@pytest.mark.parametrize("name", sorted(PARSERS))
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_input_raises_parse_error(name: str, text: str) -> None:
    with pytest.raises(ParseError):
        PARSERS[name](text)


# --------------------------------------------------------------------------- recognition


LOOKS_LIKE = {
    "ipconfig": ipconfig.looks_like,
    "route-print": route_print.looks_like,
    "winreg-nrpt": nrpt.looks_like,
}


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: p.stem)
def test_each_fixture_is_recognised_by_its_own_parser_only(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    source = path.name.split("--", 1)[0]
    json_kind = win_json.looks_like(text)
    if source == "powershell" or source.startswith("cmdlet-"):
        assert json_kind == source
    else:
        assert json_kind is None      # incl. the winreg JSON capture: not a PowerShell document
    assert ps_cmdlets.looks_like(text) == (source if source in ps_cmdlets.SOURCE_IDS else None), path.name
    for name, fn in LOOKS_LIKE.items():
        if name == "winreg-nrpt" and text.lstrip().startswith("{"):
            continue  # the winreg capture is produced by the adapter, never pasted
        assert fn(text) is (name == source), (name, path.name)


def test_looks_like_rejects_empty_and_other_text() -> None:
    for fn in (ipconfig.looks_like, route_print.looks_like, nrpt.looks_like, win_json.looks_like,
               ps_cmdlets.looks_like):
        assert not fn("")
        assert not fn("nameserver 10.0.0.2\nsearch corp\n")


# --------------------------------------------------------------------------- languages


def _essentials(res: ipconfig.IpconfigResult) -> list[tuple]:
    return [(a.name, a.description, a.mac, a.media_disconnected, a.ipv4, a.ipv6, a.gateways, a.dns_servers,
             a.suffix, a.index) for a in res.adapters]


@pytest.mark.parametrize("localised,english", [
    ("ipconfig--ja-win11-vbox.out", "ipconfig--en-from-ja-win11-vbox.out"),
    ("ipconfig--de-win11-wlan.out", "ipconfig--en-from-de-win11-wlan.out"),
])
def test_localised_ipconfig_gives_the_same_adapters_and_nameservers(localised: str, english: str) -> None:
    loc = ipconfig.parse((FIX / localised).read_text(encoding="utf-8"))
    eng = ipconfig.parse((FIX / english).read_text(encoding="utf-8"))
    assert _essentials(loc) == _essentials(eng)
    assert (loc.host_name, loc.search_list) == (eng.host_name, eng.search_list)
    assert loc.unknown_labels == () and eng.unknown_labels == ()


def test_german_ipconfig_multiline_dns_and_gateways() -> None:
    res = ipconfig.parse((FIX / "ipconfig--de-win11-wlan.out").read_text(encoding="utf-8"))
    wlan = next(a for a in res.adapters if a.name == "WLAN")
    assert wlan.dns_servers == ("fd00::62b5:8dff:fe35:646d", "2a04:9546:19ba:af01:62b5:8dff:fe35:646d", "192.168.178.1")
    assert wlan.gateways == ("fe80::62b5:8dff:fe35:646d%5", "192.168.178.1")
    assert wlan.index == 5 and wlan.ipv4 == ("192.168.178.23/24",)
    assert next(a for a in res.adapters if a.name == "Ethernet").media_disconnected


def test_unknown_language_falls_back_to_structure() -> None:
    # French labels are not in the known-label tables: DNS servers, addresses and the MAC
    # are still found by their shape (constructed from the French layout of ipconfig).
    text = """
Configuration IP de Windows

Carte Ethernet Ethernet :

   Suffixe DNS propre à la connexion. . . : home
   Adresse physique . . . . . . . . . . . : 64-4E-D7-24-18-A7
   Adresse IPv6 de liaison locale. . . . .: fe80::bad0:a90e:a289:3adf%10(préféré)
   Adresse IPv4. . . . . . . . . . . . . .: 192.168.1.20(préféré)
   Masque de sous-réseau. . . . . . . . . : 255.255.255.0
   Serveurs DNS. . . . . . . . . . . . . .: 192.168.1.1
                                            1.1.1.1
"""
    res = ipconfig.parse(text)
    (a,) = res.adapters
    assert a.dns_servers == ("192.168.1.1", "1.1.1.1")
    assert a.ipv4 == ("192.168.1.20/24",) and a.index == 10 and a.mac == "64-4E-D7-24-18-A7"
    assert ipconfig.looks_like(text)


def test_route_print_localised_on_link_is_no_gateway() -> None:
    de = route_print.parse((FIX / "route-print--de-win11.out").read_text(encoding="utf-8"))
    en = route_print.parse((FIX / "route-print--en-win10.out").read_text(encoding="utf-8"))
    assert [r.gateway for r in de.routes if r.destination == "192.168.178.0/24"] == [None]
    assert [r.gateway for r in en.routes if r.destination == "10.211.55.0/24"] == [None]
    assert sum(r.persistent for r in en.routes) == 5      # 4 IPv4 + 1 IPv6 persistent rows
    wrapped = [r for r in en.routes if r.destination == "fdb2:2c26:f4e4:0:670f:fec7:75b7:eb83/128"]
    assert wrapped and wrapped[0].interface_index == 12 and wrapped[0].gateway is None


# --------------------------------------------------------------------------- PowerShell JSON shapes and encodings


def test_enums_as_numbers_or_strings_are_equivalent() -> None:
    ps51 = win_json.parse_cmdlet((FIX / "cmdlet-ip-interfaces--ps51-raw.out").read_text(encoding="utf-8"))
    ps7 = win_json.parse_cmdlet((FIX / "cmdlet-ip-interfaces--ps7-strings.out").read_text(encoding="utf-8"))
    assert ps51 == ps7
    assert {i.family for i in ps51.ip_interfaces} == {Family.INET}


@pytest.mark.parametrize("value,expected", [(2, Family.INET), ("2", Family.INET), ("IPv4", Family.INET),
                                            ("InterNetwork", Family.INET), (23, Family.INET6), ("IPv6", Family.INET6),
                                            (None, None), ("bogus", None)])
def test_family_of(value, expected) -> None:
    assert win_json.family_of(value) is expected


def test_single_items_and_value_count_wrappers() -> None:
    col = win_json.parse((FIX / "powershell--ps51-single-items-disconnected.out").read_text(encoding="utf-8"))
    assert [a.index for a in col.adapters] == [14, 22]                 # {"value": [...], "Count": 2}
    assert [a.address for a in col.addresses] == ["192.168.178.23"]    # a bare object
    assert col.dns_servers[0].servers == ("192.168.178.1",)            # a bare string
    assert col.global_search_list == ("fritz.box",)
    single = win_json.parse_cmdlet((FIX / "cmdlet-adapters--ps51-single.out").read_text(encoding="utf-8"))
    assert single.adapters[0].description == "AWS VPN Client TAP-Windows Adapter V9"


def test_utf16_without_bom_decoded_as_utf8_is_repaired() -> None:
    text = (FIX / "powershell--ps51-single-items-disconnected.out").read_text(encoding="utf-8").lstrip("\ufeff")
    mangled = text.encode("utf-16-le").decode("utf-8", errors="replace")
    assert "\x00" in mangled
    assert win_json.parse(mangled) == win_json.parse(text)


def test_cp932_output_read_as_utf8_still_parses() -> None:
    doc = json.loads((FIX / "powershell--aws-split-multihomed.out").read_text(encoding="utf-8"))
    # "ソ" is 0x83 0x5C in cp932: after UTF-8 decoding the trail byte is a backslash that
    # escapes the closing quote.
    doc["adapters"][1]["Name"] = "VPN ソ"
    raw = json.dumps(doc, ensure_ascii=False).encode("cp932")
    mangled = raw.decode("utf-8", errors="replace")
    with pytest.raises(json.JSONDecodeError):
        json.loads(mangled)
    col = win_json.parse(mangled)
    tap = next(a for a in col.adapters if a.index == 22)
    assert tap.description == "AWS VPN Client TAP-Windows Adapter V9"
    assert len(col.adapters) == 3 and len(col.routes) == len(doc["routes"])


def test_leading_noise_and_bom_are_ignored() -> None:
    text = (FIX / "cmdlet-routes--ps51-raw.out").read_text(encoding="utf-8")
    noisy = "\ufeffWARNING: something\r\n" + text + "\r\nPS C:\\> "
    assert win_json.parse_cmdlet(noisy) == win_json.parse_cmdlet(text)
    assert win_json.looks_like(noisy) == "cmdlet-routes"


def test_script_document_marker_required() -> None:
    with pytest.raises(ParseError):
        win_json.parse((FIX / "cmdlet-routes--ps51-raw.out").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- NRPT


def test_nrpt_gpo_replaces_local_rules() -> None:
    dump = nrpt.parse((FIX / "winreg-nrpt--gpo-overrides-local.out").read_text(encoding="utf-8"))
    assert dump.gpo_present and dump.local_present
    assert [r.name for r in nrpt.effective_rules(dump)] == ["{5B2A1C0D-7E3F-4A9B-8C1D-2E4F6A8B0C12}"]
    gpo = nrpt.effective_rules(dump)[0]
    assert gpo.servers == ("172.16.0.10", "172.16.0.11") and gpo.source == "gpo"


def test_nrpt_reg_query_and_json_agree_on_the_gpo_rule() -> None:
    text_dump = nrpt.parse((FIX / "winreg-nrpt--reg-query-gpo.out").read_text(encoding="utf-8"))
    json_dump = nrpt.parse((FIX / "winreg-nrpt--gpo-overrides-local.out").read_text(encoding="utf-8"))
    assert [r for r in text_dump.rules] == [r for r in json_dump.rules if r.source == "gpo"]


def test_nrpt_smart_resolution_policy() -> None:
    off = nrpt.parse((FIX / "winreg-nrpt--local-catchall-smart-off.out").read_text(encoding="utf-8"))
    default = nrpt.parse((FIX / "winreg-nrpt--empty.out").read_text(encoding="utf-8"))
    assert off.smart_read and off.disable_smart_name_resolution == 1
    assert default.smart_read and default.disable_smart_name_resolution is None
    assert default.gpo_present is False and default.rules == ()
