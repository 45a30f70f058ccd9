"""The Windows collection script and its output, checked on any OS (issue 22, items 1-7).

The script itself only runs on Windows (the CI's Windows runner runs it for real, through
tests/test_this_machine.py and packaging/smoke.py); here its properties are checked as text,
and the reading side against outputs built from the fixtures in the shape the script prints:
one JSON line per section, a run cut by its timeout, a route lookup without a route, a
section that failed, noise around the lines."""
from __future__ import annotations

import json
import ntpath
import re
from pathlib import Path

import pytest

from agent.model import Platform, RawCapture, ResolverScope, SourceCapture, SourceKind
from platforms.base import CommandError, CommandResult, Env
from platforms.parsers import ps_document, win_json
from platforms.windows import WindowsAdapter, read_nrpt_registry, system_tools
from platforms.windows_script import MAX_ROUTE_LOOKUPS, build_script

FIX = Path(__file__).parent / "fixtures" / "windows"
NOW = "2026-11-28T12:00:00Z"
SPLIT = "powershell--aws-split-multihomed.out"
SCRIPT = build_script(["10.0.0.2", "fd00::53", "192.0.2.1"])

# Every command the script calls: Verb-Noun words (PowerShell's cmdlet and function names).
_CMDLET = re.compile(r"\b([A-Z][a-z]+[A-Za-z]*-[A-Z][A-Za-z]+)\b")


# --------------------------------------------------------------------------- the script as text


def test_script_is_pure_ascii() -> None:
    """PowerShell decodes stdin with the console's input code page: ASCII reads the same in all."""
    assert SCRIPT.isascii()


def test_script_has_the_stdin_safe_shape() -> None:
    """``-Command -`` reads stdin like a prompt: one block, no blank line inside (a blank line
    would end the block early), then a blank line that runs it."""
    assert SCRIPT.startswith("& {\n")
    assert SCRIPT.endswith("\n}\n\n")
    inside = SCRIPT[:-len("\n}\n\n")].split("\n")
    blank = [n for n, line in enumerate(inside, 1) if not line.strip()]
    assert not blank, f"blank line(s) inside the block at {blank}"
    assert "\r" not in SCRIPT and "\t" not in SCRIPT


def test_every_cmdlet_call_carries_error_action_stop() -> None:
    """$ErrorActionPreference does not reach module functions: each call says it itself,
    right after the command name."""
    calls = [(m.group(1), SCRIPT[m.end():m.end() + 20]) for m in _CMDLET.finditer(SCRIPT)]
    assert len(calls) >= 20, calls
    missing = [(name, rest) for name, rest in calls if not rest.startswith(" -ErrorAction Stop")]
    assert not missing, missing
    for cmdlet in ("Get-NetAdapter", "Get-NetIPInterface", "Get-NetIPAddress", "Get-DnsClientServerAddress",
                   "Get-DnsClient", "Get-DnsClientGlobalSetting", "Get-NetRoute", "Get-DnsClientNrptPolicy",
                   "Find-NetRoute", "Import-Module", "ConvertTo-Json"):
        assert cmdlet in {name for name, _rest in calls}, cmdlet


def test_active_store_effective_nrpt_and_explicit_imports() -> None:
    for cmdlet in ("Get-NetRoute", "Get-NetIPAddress", "Get-NetIPInterface"):
        assert f"{cmdlet} -ErrorAction Stop -PolicyStore ActiveStore" in SCRIPT, cmdlet
    assert "Get-DnsClientNrptPolicy -ErrorAction Stop -Effective" in SCRIPT
    assert "@('NetAdapter', 'NetTCPIP', 'DnsClient')" in SCRIPT
    assert SCRIPT.index("Import-Module") < SCRIPT.index("Get-NetAdapter")


def test_script_uses_only_types_constrained_language_allows() -> None:
    """Under AppLocker/WDAC PowerShell runs in ConstrainedLanguage: only listed types
    (about_Language_Modes); [Console], [Environment], [Text.Encoding] are not among them."""
    types = set(re.findall(r"\[([A-Za-z][A-Za-z.]*)\]", SCRIPT))
    assert types <= {"string", "int", "char", "datetime", "ordered"}, types
    assert "OutputEncoding" not in SCRIPT and "[Console]" not in SCRIPT
    assert "$ExecutionContext.SessionState.LanguageMode" in SCRIPT


def test_every_section_is_printed_on_its_own_line() -> None:
    for section in ps_document.SECTIONS:
        assert f"Section '{section}'" in SCRIPT or f"Emit '{section}'" in SCRIPT, section
    assert "Emit 'header'" in SCRIPT and SCRIPT.rstrip().endswith("Emit 'end' @{}\n}")
    assert "-Compress" in SCRIPT                   # one line per object


def test_single_item_arrays_use_the_unary_comma() -> None:
    """``e={@($_.X)}`` unrolls a one-element array to a scalar; ``e={,@($_.X)}`` keeps it."""
    assert "e={@(" not in SCRIPT
    for prop in ("ServerAddresses", "ConnectionSpecificSuffixSearchList", "SuffixSearchList", "Namespace",
                 "NameServers"):
        assert f"e={{,@($_.{prop})}}" in SCRIPT, prop


def test_route_lookups_are_capped_and_skip_disconnected_interfaces() -> None:
    assert f"$MaxLookups = {MAX_ROUTE_LOOKUPS}" in SCRIPT
    assert "ConnectionState -eq 'Connected'" in SCRIPT
    assert "$skipped += " in SCRIPT and "'no route'" in SCRIPT


# --------------------------------------------------------------------------- outputs in the script's shape


def v1(name: str = SPLIT) -> dict:
    return json.loads((FIX / name).read_text(encoding="utf-8").lstrip("\ufeff"))


def lines(doc: dict, *, language: str = "FullLanguage", upto: str | None = None, fail: dict | None = None,
          skipped: tuple = (), end: bool = True) -> list[str]:
    """The lines the version-2 script prints for the sections of a version-1 document
    (constructed from the fixture: same data, the shape of today's script)."""
    out = [{"cvpnDoctor": 2, "section": "header", "psVersion": doc["psVersion"], "edition": "Desktop",
            "languageMode": language, "osVersion": doc["osVersion"], "errors": []},
           {"cvpnDoctor": 2, "section": "modules", "items": ["NetAdapter", "NetTCPIP", "DnsClient"], "errors": []}]
    for section in ps_document.SECTIONS[1:]:
        if section == upto:
            break
        if fail and section in fail:
            out.append({"cvpnDoctor": 2, "section": section, "error": fail[section]})
            continue
        line = {"cvpnDoctor": 2, "section": section, "items": doc.get(section, [])}
        if section == "routeLookups":
            line["skipped"] = list(skipped)
        out.append(line)
    else:
        if end:
            out.append({"cvpnDoctor": 2, "section": "end"})
    # ensure_ascii: the script's Ascii function escapes every non-ASCII character
    return [json.dumps(o, ensure_ascii=True, separators=(",", ":")) for o in out]


def capture(text: str | None, error: str | None = None, nrpt: str | None = None) -> RawCapture:
    caps = [SourceCapture(id="powershell", kind=SourceKind.COMMAND, text=text, error=error)]
    if nrpt:
        caps.append(SourceCapture(id="winreg-nrpt", kind=SourceKind.API,
                                  text=(FIX / nrpt).read_text(encoding="utf-8")))
    return RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=tuple(caps))


def snap_of(text: str | None, **kw):
    return WindowsAdapter().parse(capture(text, **kw))


def _same(a, b) -> None:
    assert a.interfaces == b.interfaces and a.routes == b.routes and a.dns == b.dns
    assert a.route_lookups == b.route_lookups and a.vpn == b.vpn and a.errors == b.errors


def test_per_section_lines_give_the_same_snapshot_as_the_old_single_document() -> None:
    old = snap_of(json.dumps(v1(), ensure_ascii=False))
    new = snap_of("\r\n".join(lines(v1())) + "\r\n")
    _same(new, old)
    assert new.errors == () and new.os_release == old.os_release
    assert any("language mode FullLanguage" in t for t in new.trace)
    assert "イーサネット 2" in {i.name for i in new.interfaces}       # \uXXXX escapes decoded


def test_noise_around_and_between_the_lines_is_skipped() -> None:
    """Each object is found by its own marker: braces in a banner, a warning between lines
    or a prompt after the last line do not shift what is read."""
    body = lines(v1())
    noisy = ("\ufeffWARNING: {profile} could not load\r\n" + body[0] + "\r\n" + "VERBOSE: } stray brace\r\n"
             + "\r\n".join(body[1:]) + "\r\nPS C:\\> }")
    _same(snap_of(noisy), snap_of("\n".join(body)))
    assert win_json.looks_like(noisy) == "powershell"


def test_old_document_is_found_by_its_marker_not_by_the_outer_brackets() -> None:
    text = "[debug] {x}\n" + json.dumps(v1(), ensure_ascii=False) + "\n] trailing {"
    assert win_json.parse(text) == win_json.parse(json.dumps(v1(), ensure_ascii=False))


def test_a_run_stopped_by_its_timeout_keeps_the_sections_printed_before() -> None:
    body = lines(v1(), upto="routes")
    cut = json.dumps({"cvpnDoctor": 2, "section": "routes", "items": v1()["routes"]})[:90]   # cut mid-line
    text = "\n".join(body) + "\n" + cut
    doc = ps_document.read_document(text)
    assert doc is not None and not doc.complete and doc.cut_objects == 1
    assert doc.missing == ("routes", "nrptPolicy", "routeLookups")
    snap = snap_of(text, error="powershell.exe did not finish within 45 s and was stopped")
    full = snap_of("\n".join(lines(v1())))
    assert "イーサネット 2" in {i.name for i in snap.interfaces} and snap.dns.resolvers == full.dns.resolvers
    assert snap.routes == () and snap.route_lookups == ()        # not captured: not "no route"
    messages = [e.message for e in snap.errors if e.source == "powershell"]
    assert any("did not finish within 45 s" in m for m in messages)
    assert any("not captured: routes, nrptPolicy, routeLookups" in m and "1 line(s) cut" in m for m in messages)


class _Runner:
    """powershell.exe stops at its timeout after printing some lines; ipconfig and route
    print answer (the real run_command attaches what was read to the CommandError)."""

    def __init__(self, partial: str) -> None:
        self.partial, self.calls = partial, []

    def __call__(self, argv, timeout_s, stdin=None):
        name = ntpath.basename(argv[0])
        self.calls.append(name)
        if name == "powershell.exe":
            raise CommandError(f"{argv[0]} did not finish within {timeout_s:g} s and was stopped",
                               CommandResult(self.partial, "", -9, timeout_s))
        if name == "route.exe":
            return CommandResult((FIX / "route-print--en-win10.out").read_text(encoding="utf-8"), "", 0, 0.1)
        return CommandResult((FIX / "ipconfig--en-win10-tailscale.out").read_text(encoding="utf-8"), "", 0, 0.1)


def test_a_stopped_run_keeps_its_lines_and_route_print_fills_in() -> None:
    runner = _Runner("\n".join(lines(v1(), upto="routes")) + "\n")
    env = Env(run=runner, clock=lambda: NOW,
              extra={"winreg": None, "windows_tools": system_tools("C:\\Windows", isdir=lambda p: False)})
    raw = WindowsAdapter().collect(env)
    ps = raw.get("powershell")
    assert ps.text and "did not finish" in ps.error                  # kept, with the timeout as the error
    assert runner.calls == ["powershell.exe", "ipconfig.exe", "route.exe"]
    snap = WindowsAdapter().parse(raw)
    assert snap.routes and any("route print (fallback)" in t for t in snap.trace)
    assert any("did not finish" in e.message for e in snap.errors)


def test_a_complete_run_needs_no_fallback() -> None:
    calls = []

    def run(argv, timeout_s, stdin=None):
        calls.append(ntpath.basename(argv[0]))
        return CommandResult("\n".join(lines(v1())) + "\n", "", 0, 1.0)

    env = Env(run=run, clock=lambda: NOW,
              extra={"winreg": None, "windows_tools": system_tools("C:\\Windows", isdir=lambda p: False)})
    WindowsAdapter().collect(env)
    assert calls == ["powershell.exe"]


def test_a_failed_section_is_recorded_and_its_fallback_runs() -> None:
    text = "\n".join(lines(v1(), fail={"routes": "Zugriff verweigert"}))
    snap = snap_of(text)
    assert [(e.source, e.message) for e in snap.errors] == [
        ("powershell:routes", "PowerShell section failed: routes: Zugriff verweigert")]
    runner = _Runner("")

    def run(argv, timeout_s, stdin=None):
        name = ntpath.basename(argv[0])
        if name == "powershell.exe":
            return CommandResult(text, "", 0, 1.0)
        return runner(argv, timeout_s, stdin)

    env = Env(run=run, clock=lambda: NOW,
              extra={"winreg": None, "windows_tools": system_tools("C:\\Windows", isdir=lambda p: False)})
    assert [s.id for s in WindowsAdapter().collect(env).sources] == ["powershell", "winreg-nrpt", "ipconfig",
                                                                     "route-print"]


@pytest.mark.parametrize("no_route", [
    {"InterfaceIndex": None, "SourceAddress": "", "NextHop": "", "DestinationPrefix": "", "Error": "no route"},
    {"InterfaceIndex": None, "SourceAddress": "", "NextHop": "", "DestinationPrefix": "", "Error": None},  # v1 shape
    {"InterfaceIndex": None, "SourceAddress": None, "NextHop": None, "DestinationPrefix": None,
     "Error": "Das System kann die angegebene Route nicht finden."},
], ids=["no-route", "empty-old-script", "cmdlet-error"])
def test_a_lookup_without_a_route_is_not_an_answer_and_the_table_decides(no_route) -> None:
    doc = v1()
    doc["routeLookups"] = [dict(lk, **no_route) if lk["Address"] == "10.0.0.2" else lk for lk in doc["routeLookups"]]
    snap = snap_of("\n".join(lines(doc)))
    lk = snap.lookup("10.0.0.2")
    assert lk.method == "table" and lk.error is None
    assert (lk.interface, lk.destination) == ("イーサネット 2", "10.0.0.0/16")     # the tunnel route
    assert any(t.startswith("routes: Find-NetRoute for 10.0.0.2:") and "from the table" in t for t in snap.trace)
    assert snap.lookup("192.168.1.1").method == "Find-NetRoute"                 # real answers stay


def test_no_route_in_find_net_route_nor_in_the_table_stays_an_error() -> None:
    doc = v1()
    doc["routes"] = [r for r in doc["routes"] if r["DestinationPrefix"] not in ("10.0.0.0/16", "0.0.0.0/0")]
    doc["routeLookups"] = [dict(lk, InterfaceIndex=None, DestinationPrefix="", NextHop="", SourceAddress="",
                                Error="no route") if lk["Address"] == "10.0.0.2" else lk for lk in doc["routeLookups"]]
    lk = snap_of("\n".join(lines(doc))).lookup("10.0.0.2")
    assert lk.method == "Find-NetRoute" and lk.interface is None
    assert lk.error == "no route; no route in the table"


def test_addresses_the_script_skipped_get_a_table_lookup() -> None:
    doc = v1()
    doc["routeLookups"] = [lk for lk in doc["routeLookups"] if lk["Address"] != "10.0.0.2"]
    snap = snap_of("\n".join(lines(doc, skipped=("10.0.0.2", "10.0.9.9"))))
    assert snap.lookup("10.0.0.2").method == "table" and snap.lookup("10.0.9.9").interface == "イーサネット 2"
    assert any("not looked up by Find-NetRoute" in t and "10.0.9.9" in t for t in snap.trace)


def test_constrained_language_is_reported() -> None:
    snap = snap_of("\n".join(lines(v1(), language="ConstrainedLanguage")))
    assert any("language mode ConstrainedLanguage" in t and "AppLocker or WDAC" in t for t in snap.trace)


# --------------------------------------------------------------------------- NRPT: one unreadable key


class _DenyingWinreg:
    """winreg over {path: {value: data}}; opening any path in ``denied`` raises PermissionError."""
    HKEY_LOCAL_MACHINE = "HKLM"

    def __init__(self, tree: dict, denied: tuple) -> None:
        self.tree, self.denied = tree, denied

    def OpenKey(self, parent, sub):  # noqa: N802 - winreg's names
        path = sub if parent == "HKLM" else f"{parent}\\{sub}"
        if any(path.lower().startswith(d.lower()) for d in self.denied):
            raise PermissionError(13, "Access is denied")
        if not any(k.lower() == path.lower() or k.lower().startswith(path.lower() + "\\") for k in self.tree):
            raise FileNotFoundError(path)
        return path

    def EnumKey(self, key, i):  # noqa: N802
        kids = sorted({k[len(key) + 1:].split("\\", 1)[0] for k in self.tree if k.lower().startswith(key.lower() + "\\")})
        if i >= len(kids):
            raise OSError("no more keys")
        return kids[i]

    def EnumValue(self, key, i):  # noqa: N802
        values = list(self.tree.get(key, {}).items())
        if i >= len(values):
            raise OSError("no more values")
        return values[i][0], values[i][1], 1

    def QueryValueEx(self, key, name):  # noqa: N802
        raise FileNotFoundError(name)

    def CloseKey(self, key):  # noqa: N802
        pass


def test_a_permission_error_on_one_nrpt_key_keeps_the_other_table() -> None:
    from platforms.parsers import nrpt as nrpt_parser

    tree = {nrpt_parser.LOCAL_KEY + "\\OpenVPNDNSRouting-4242":
            {"Name": [".corp.example.com"], "GenericDNSServers": "10.0.0.2", "ConfigOptions": 8},
            nrpt_parser.GPO_KEY + "\\{rule}": {"Name": [".ad.example.net"], "GenericDNSServers": "172.16.0.10"}}
    data = read_nrpt_registry(_DenyingWinreg(tree, denied=(nrpt_parser.GPO_KEY,)))
    assert data["gpo"] is None and data["local"]["present"] is True
    assert list(data["local"]["rules"]) == ["OpenVPNDNSRouting-4242"]
    assert len(data["errors"]) == 1 and "Access is denied" in data["errors"][0]
    raw = RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="powershell", kind=SourceKind.COMMAND, text="\n".join(lines(v1()))),
        SourceCapture(id="winreg-nrpt", kind=SourceKind.API, text=json.dumps(data))))
    snap = WindowsAdapter().parse(raw)
    assert [r.name for r in snap.dns.nrpt] == ["OpenVPNDNSRouting-4242"]
    assert any(e.source == "winreg-nrpt" and "Access is denied" in e.message for e in snap.errors)
    assert any("was not read" in t for t in snap.trace)
    assert [r.scope for r in snap.dns.resolvers if r.origin.startswith("NRPT")] == [ResolverScope.DOMAIN]


# --------------------------------------------------------------------------- the smoke test's check (item 13)


def _smoke():
    import importlib.util

    spec = importlib.util.spec_from_file_location("cvpn_smoke", Path(__file__).resolve().parent.parent
                                                  / "packaging" / "smoke.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_smoke_fails_when_the_powershell_collection_reported_an_error() -> None:
    """packaging/smoke.py on the Windows runner: the ipconfig / route print fallback yields a
    usable snapshot, so the check looks at what PowerShell itself said."""
    problems = _smoke().powershell_problems
    clean = snap_of("\n".join(lines(v1()))).to_dict()
    assert problems(clean) == []
    failed = snap_of("\n".join(lines(v1(), fail={"routes": "Access is denied."}))).to_dict()
    assert problems(failed) == ["powershell:routes: PowerShell section failed: routes: Access is denied."]
    stopped = snap_of("\n".join(lines(v1(), upto="routes")), error="powershell.exe did not finish within 45 s"
                      ).to_dict()
    assert any("did not finish" in p for p in problems(stopped))
    blocked = snap_of(None, error="powershell.exe exited with status 1: This program is blocked by group policy.")
    got = problems(blocked.to_dict())
    assert any("blocked by group policy" in p for p in got) and any("no PowerShell header" in p for p in got)
