"""Windows adapter: collect through a fake Env (runner + winreg), pure parse from fixtures,
identity without language, metrics and resolver order, NRPT, and the ipconfig/route print
fallback."""
from __future__ import annotations

import dataclasses
import json
import ntpath
from pathlib import Path

import pytest

from agent.model import (Family, InterfaceKind, Platform, RawCapture, ResolverScope, Snapshot, SourceCapture,
                         SourceKind, TunnelMode)
from platforms.base import CommandError, CommandResult, Env
from platforms.parsers import nrpt as nrpt_parser
from platforms.windows import WindowsAdapter, read_nrpt_registry, system_tools
from platforms.windows_script import POWERSHELL_ARGS, build_script

FIX = Path(__file__).parent / "fixtures" / "windows"
NOW = "2026-11-28T12:00:00Z"


def text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def raw(**sources: str) -> RawCapture:
    """A capture with the given source ids (underscores for dashes) and fixture files."""
    caps = tuple(SourceCapture(id=sid.replace("_", "-"), kind=SourceKind.COMMAND, text=text(f))
                 for sid, f in sources.items())
    return RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=caps)


def parse(**sources: str) -> Snapshot:
    return WindowsAdapter().parse(raw(**sources))


# --------------------------------------------------------------------------- fakes


class FakeRunner:
    """Answers by the program's file name (argv[0] is an absolute Windows path); records
    every call (argv, timeout, stdin)."""

    def __init__(self, answers: dict) -> None:
        self.answers = answers
        self.calls: list[tuple] = []

    def __call__(self, argv, timeout_s, stdin=None):
        self.calls.append((tuple(argv), timeout_s, stdin))
        answer = self.answers.get(ntpath.basename(argv[0]))
        if answer is None:
            raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
        if isinstance(answer, Exception):
            raise answer
        out, code = answer if isinstance(answer, tuple) else (answer, 0)
        return CommandResult(stdout=out, stderr="" if code == 0 else "boom", exit_code=code, duration_s=0.01)


class FakeWinreg:
    """The part of the winreg API the adapter uses, over {key path: {value: data}}."""
    HKEY_LOCAL_MACHINE = "HKLM"

    def __init__(self, tree: dict[str, dict]) -> None:
        self.tree = {k.lower(): (k, v) for k, v in tree.items()}
        self.closed = 0

    def _exists(self, path: str) -> bool:
        low = path.lower()
        return any(k == low or k.startswith(low + "\\") for k in self.tree)

    def OpenKey(self, parent, sub):  # noqa: N802 - winreg's names
        path = sub if parent == "HKLM" else f"{parent}\\{sub}"
        if not self._exists(path):
            raise FileNotFoundError(path)
        return path

    def EnumKey(self, key, i):  # noqa: N802
        low = key.lower() + "\\"
        children = sorted({orig[len(low):].split("\\", 1)[0] for k, (orig, _v) in self.tree.items() if k.startswith(low)})
        if i >= len(children):
            raise OSError("no more keys")
        return children[i]

    def EnumValue(self, key, i):  # noqa: N802
        values = list(self.tree.get(key.lower(), (key, {}))[1].items())
        if i >= len(values):
            raise OSError("no more values")
        name, data = values[i]
        return name, data, 1

    def QueryValueEx(self, key, name):  # noqa: N802
        values = self.tree.get(key.lower(), (key, {}))[1]
        if name not in values:
            raise FileNotFoundError(name)
        return values[name], 4

    def CloseKey(self, key):  # noqa: N802
        self.closed += 1


GPO_TREE = {
    nrpt_parser.LOCAL_KEY + "\\OpenVPNDNSRouting-4242":
        {"Name": [".corp.example.com"], "GenericDNSServers": "10.0.0.2", "ConfigOptions": 8},
    nrpt_parser.GPO_KEY + "\\{5B2A1C0D-7E3F-4A9B-8C1D-2E4F6A8B0C12}":
        {"Name": [".ad.example.net"], "GenericDNSServers": "172.16.0.10;172.16.0.11", "ConfigOptions": 8},
    nrpt_parser.DNSCLIENT_POLICY_KEY: {"EnableMulticast": 0},
}


TOOLS = system_tools("C:\\Windows", isdir=lambda path: False)      # a 64-bit process: System32
PS = TOOLS.powershell


def env(runner: FakeRunner, reg=None) -> Env:
    return Env(run=runner, read=lambda p: (_ for _ in ()).throw(FileNotFoundError(p)), clock=lambda: NOW,
               extra={"winreg": reg, "windows_tools": TOOLS})


# --------------------------------------------------------------------------- collect


def test_collect_runs_one_powershell_with_script_on_stdin_and_reads_winreg() -> None:
    runner = FakeRunner({"powershell.exe": text("powershell--aws-split-multihomed.out")})
    cap = WindowsAdapter().collect(env(runner, FakeWinreg(GPO_TREE)), addresses=("10.0.0.2", "10.0.1.2"))
    assert [c[0] for c in runner.calls] == [(PS, *POWERSHELL_ARGS)]
    argv, timeout, stdin = runner.calls[0]
    assert argv == ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "-NoProfile", "-NonInteractive",
                    "-Command", "-")
    assert "-ExecutionPolicy" not in argv and "Bypass" not in argv     # not needed for -Command -, an EDR trigger
    assert 30 <= timeout <= 60
    assert "OutputEncoding" not in stdin                                # the console code page is left alone
    assert "$Extra = @('10.0.0.2', '10.0.1.2')" in stdin
    assert stdin.rstrip(" ").endswith("}\n\n")          # -Command - runs a block only after a blank line
    assert [s.id for s in cap.sources] == ["powershell", "winreg-nrpt"]
    snap = WindowsAdapter().parse(cap)
    assert snap.dns.nrpt_gpo_present is True and snap.errors == ()
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap


def test_programs_run_by_absolute_path_under_the_system_directory() -> None:
    native = system_tools("C:\\Windows", isdir=lambda path: False)
    assert native.powershell == "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    assert (native.ipconfig, native.route) == ("C:\\Windows\\System32\\ipconfig.exe", "C:\\Windows\\System32\\route.exe")
    # A 32-bit process on 64-bit Windows sees Sysnative (and System32 redirected to SysWOW64).
    wow = system_tools("D:\\WINDOWS", isdir=lambda path: path == "D:\\WINDOWS\\Sysnative")
    assert wow.powershell == "D:\\WINDOWS\\Sysnative\\WindowsPowerShell\\v1.0\\powershell.exe"
    assert wow.route == "D:\\WINDOWS\\Sysnative\\route.exe"
    runner = FakeRunner({"powershell.exe": "", "ipconfig.exe": "", "route.exe": ""})
    WindowsAdapter().collect(env(runner, None))
    assert all(ntpath.isabs(c[0][0]) and c[0][0].startswith("C:\\Windows\\System32\\") for c in runner.calls)


def test_script_embeds_only_valid_addresses() -> None:
    script = build_script(["10.0.0.2", "1.2.3.4'; Remove-Item C:\\ -Recurse; '", "fe80::1%12", "10.0.0.2", "x"])
    assert "$Extra = @('10.0.0.2', 'fe80::1')" in script
    assert "Remove-Item" not in script


@pytest.mark.parametrize("failure", [
    CommandError("powershell.exe is not installed (not found on PATH)"),
    CommandError("powershell.exe did not finish within 45 s and was stopped"),
    ("This program is blocked by group policy. For more information, contact your system administrator.", 1),
    ("garbage that is not json", 0),
])
def test_powershell_failure_falls_back_to_ipconfig_and_route_print(failure) -> None:
    runner = FakeRunner({"powershell.exe": failure, "ipconfig.exe": text("ipconfig--de-tap-disconnected.out"),
                         "route.exe": text("route-print--de-win11.out")})
    cap = WindowsAdapter().collect(env(runner, None))
    assert [ntpath.basename(c[0][0]) for c in runner.calls] == ["powershell.exe", "ipconfig.exe", "route.exe"]
    assert [c[0] for c in runner.calls[1:]] == [(TOOLS.ipconfig, "/all"), (TOOLS.route, "print")]
    snap = WindowsAdapter().parse(cap)
    sources = {e.source for e in snap.errors}
    assert "powershell" in sources and "winreg-nrpt" in sources      # both recorded, neither fatal
    assert any("ipconfig /all and route print" in e.message for e in snap.errors)
    wlan = snap.interface("WLAN")
    assert wlan is not None and wlan.index == 23 and wlan.description == "Intel(R) Wi-Fi 6 AX201 160MHz"
    assert [r.address for r in snap.dns.resolvers] == ["10.40.170.141"]
    assert snap.dns.smart_multihomed is None                         # registry not read: unknown
    assert any("fallback" in t for t in snap.trace)


def test_winreg_read_produces_the_parser_format() -> None:
    data = read_nrpt_registry(FakeWinreg(GPO_TREE))
    assert data["gpo"]["present"] and data["local"]["present"]
    assert data["smart"] == {"DisableSmartNameResolution": None}
    dump = nrpt_parser.parse(json.dumps(data))
    assert {r.source for r in dump.rules} == {"gpo", "local"}
    assert nrpt_parser.effective_rules(dump)[0].servers == ("172.16.0.10", "172.16.0.11")
    smart_off = read_nrpt_registry(FakeWinreg({nrpt_parser.DNSCLIENT_POLICY_KEY: {"DisableSmartNameResolution": 1}}))
    assert smart_off["local"] == {"present": False, "rules": {}} and smart_off["smart"]["DisableSmartNameResolution"] == 1


def test_module_imports_and_reports_missing_winreg_off_windows() -> None:
    with pytest.raises(RuntimeError):
        read_nrpt_registry(None)


# --------------------------------------------------------------------------- parse: identity, metrics, order


def test_split_tunnel_snapshot_keys_on_index_and_driver_description() -> None:
    snap = parse(powershell="powershell--aws-split-multihomed.out", winreg_nrpt="winreg-nrpt--empty.out")
    tap = next(i for i in snap.interfaces if i.index == 22)
    assert tap.name == "イーサネット 2" and tap.kind is InterfaceKind.TUNNEL and tap.metric == 25
    assert tap.guid == "{0D4D3F0A-8F1B-4C5E-B1A2-7E5C9D2A4B33}"
    assert next(i for i in snap.interfaces if i.index == 1).kind is InterfaceKind.LOOPBACK
    assert snap.vpn.mode is TunnelMode.SPLIT and snap.vpn.tunnel_interfaces == ("イーサネット 2",)
    assert snap.dns.manager.value == "windows-dnscache"
    assert snap.dns.smart_multihomed is True and snap.dns.search_domains == ("home.arpa",)
    assert any("driver description 'AWS VPN Client TAP-Windows Adapter V9'" in t for t in snap.trace)


def test_route_metric_is_route_plus_interface_metric() -> None:
    snap = parse(powershell="powershell--aws-split-multihomed.out")
    by = {(r.destination, r.interface): r for r in snap.routes}
    assert by[("0.0.0.0/0", "Wi-Fi")].metric == 0 + 45
    assert by[("10.0.0.0/16", "イーサネット 2")].metric == 0 + 25
    assert by[("192.168.1.0/24", "Wi-Fi")].metric == 256 + 45 and by[("192.168.1.0/24", "Wi-Fi")].gateway is None
    assert any("RouteMetric + InterfaceMetric" in t for t in snap.trace)


def test_resolver_order_follows_interface_metric_then_position() -> None:
    snap = parse(cmdlet_dns_servers="cmdlet-dns-servers--ps51-raw.out",
                 cmdlet_ip_interfaces="cmdlet-ip-interfaces--ps51-raw.out")
    order = [(r.address, r.interface, r.order, r.scope) for r in snap.dns.resolvers]
    assert order == [("10.0.0.2", "イーサネット 2", 1, ResolverScope.LINK),
                     ("10.0.1.2", "イーサネット 2", 2, ResolverScope.LINK),
                     ("192.168.1.1", "Wi-Fi", 3, ResolverScope.LINK)]
    assert all("fec0" not in r.address for r in snap.dns.resolvers)


def test_find_net_route_answers_become_route_lookups() -> None:
    snap = parse(powershell="powershell--aws-split-multihomed.out")
    lk = snap.lookup("10.0.0.2")
    assert lk is not None and lk.method == "Find-NetRoute"
    assert (lk.interface, lk.gateway, lk.source_address, lk.destination) == (
        "イーサネット 2", "10.100.0.33", "10.100.0.34", "10.0.0.0/16")


def test_identity_does_not_depend_on_the_alias() -> None:
    doc = json.loads(text("powershell--aws-split-multihomed.out"))
    for a in doc["adapters"]:                       # swap aliases to misleading names
        a["Name"] = {14: "tun0", 22: "WLAN", 9: "VPN"}[a["ifIndex"]]
    for section in ("ipInterfaces", "dnsServers"):
        for o in doc[section]:
            o["InterfaceAlias"] = {14: "tun0", 22: "WLAN", 9: "VPN"}.get(o["InterfaceIndex"], o["InterfaceAlias"])
    cap = RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="powershell", kind=SourceKind.COMMAND, text=json.dumps(doc, ensure_ascii=False)),))
    snap = WindowsAdapter().parse(cap)
    kinds = {i.name: i.kind for i in snap.interfaces}
    assert kinds["WLAN"] is InterfaceKind.TUNNEL
    assert kinds["tun0"] is InterfaceKind.WIRELESS and kinds["VPN"] is InterfaceKind.ETHERNET
    assert snap.vpn.tunnel_interfaces == ("WLAN",)


def test_nrpt_gpo_makes_local_rules_inactive() -> None:
    snap = parse(powershell="powershell--aws-split-multihomed.out", winreg_nrpt="winreg-nrpt--gpo-overrides-local.out")
    assert snap.dns.nrpt_gpo_present and len(snap.dns.nrpt) == 2
    gpo = [r for r in snap.dns.resolvers if r.origin.endswith("(gpo)")]
    assert [(r.address, r.scope, r.domains, r.order) for r in gpo] == [
        ("172.16.0.10", ResolverScope.DOMAIN, ("ad.example.net",), 0),
        ("172.16.0.11", ResolverScope.DOMAIN, ("ad.example.net",), 0)]
    local = [r for r in snap.dns.resolvers if r.origin.endswith("(local)")]
    assert [(r.address, r.scope) for r in local] == [("10.0.0.2", ResolverScope.INACTIVE)]
    assert local[0].interface == "イーサネット 2"      # attributed to the VPN adapter that wrote it
    assert any("ignored: a Group Policy" in t for t in snap.trace)


def test_nrpt_from_cmdlet_when_registry_unreadable() -> None:
    doc = json.loads(text("powershell--aws-split-multihomed.out"))
    doc["nrptPolicy"] = {"Namespace": ".corp.example.com", "NameServers": ["10.0.0.2"]}   # a single object
    cap = RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="powershell", kind=SourceKind.COMMAND, text=json.dumps(doc, ensure_ascii=False)),
        SourceCapture(id="winreg-nrpt", kind=SourceKind.API, error="winreg read failed: not Windows")))
    snap = WindowsAdapter().parse(cap)
    assert [(r.name, r.source, r.namespaces) for r in snap.dns.nrpt] == [("policy-1", "effective", (".corp.example.com",))]
    assert snap.dns.nrpt_gpo_present is False and snap.dns.smart_multihomed is None
    assert any(e.source == "winreg-nrpt" for e in snap.errors)


def test_powershell_section_errors_are_recorded() -> None:
    snap = parse(powershell="powershell--ps51-single-items-disconnected.out")
    assert [e.source for e in snap.errors] == ["powershell:nrptPolicy"]
    assert snap.vpn.mode is TunnelMode.NONE
    assert [(r.address, r.scope) for r in snap.dns.resolvers] == [
        ("10.0.0.2", ResolverScope.INACTIVE), ("192.168.178.1", ResolverScope.LINK)]


# --------------------------------------------------------------------------- parse: pasted outputs / fallback


def test_pasted_cmdlet_json_gives_a_split_tunnel_snapshot() -> None:
    snap = parse(cmdlet_dns_servers="cmdlet-dns-servers--ps51-raw.out", cmdlet_routes="cmdlet-routes--ps51-raw.out",
                 cmdlet_ip_interfaces="cmdlet-ip-interfaces--ps51-raw.out",
                 cmdlet_adapters="cmdlet-adapters--ps51-single.out")
    assert snap.vpn.mode is TunnelMode.SPLIT and snap.vpn.tunnel_interfaces == ("イーサネット 2",)
    lk = snap.lookup("10.0.0.2")
    assert lk is not None and lk.method == "table" and lk.interface == "イーサネット 2"
    assert snap.errors == ()


@pytest.mark.parametrize("localised,english", [
    ("ipconfig--ja-win11-vbox.out", "ipconfig--en-from-ja-win11-vbox.out"),
    ("ipconfig--de-win11-wlan.out", "ipconfig--en-from-de-win11-wlan.out"),
])
def test_localised_ipconfig_snapshot_equals_english(localised: str, english: str) -> None:
    loc, eng = parse(ipconfig=localised), parse(ipconfig=english)
    assert loc.interfaces == eng.interfaces
    assert loc.dns == eng.dns
    assert loc.vpn == eng.vpn


def test_ipconfig_tap_adapter_recognised_in_german_and_down() -> None:
    snap = parse(ipconfig="ipconfig--de-tap-disconnected.out")
    tap = snap.interface("LAN-Verbindung")
    assert tap is not None and tap.kind is InterfaceKind.TUNNEL and tap.is_up is False
    assert snap.vpn.mode is TunnelMode.NONE


def test_japanese_ppp_vpn_adapter_resolver() -> None:
    snap = parse(ipconfig="ipconfig--ja-ppp-vpn-excerpt.out")
    (iface,) = snap.interfaces
    assert iface.kind is InterfaceKind.TUNNEL and iface.addresses[0].address == "172.16.201.2"
    assert [(r.address, r.interface, r.scope) for r in snap.dns.resolvers] == [("10.2.1.3", "VNetData", ResolverScope.LINK)]


def test_ipconfig_and_route_print_join_by_interface_address() -> None:
    # Constructed ipconfig matching the real German route print (Cisco AnyConnect split tunnel).
    ipc = """
Windows-IP-Konfiguration

Ethernet-Adapter Ethernet 3:

   Verbindungsspezifisches DNS-Suffix:
   Beschreibung. . . . . . . . . . . : Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64
   IPv4-Adresse  . . . . . . . . . . : 172.23.1.166(Bevorzugt)
   Subnetzmaske  . . . . . . . . . . : 255.255.0.0
   DNS-Server  . . . . . . . . . . . : 10.50.5.11
                                       10.50.5.12
"""
    cap = RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="ipconfig", kind=SourceKind.COMMAND, text=ipc),
        SourceCapture(id="route-print", kind=SourceKind.COMMAND, text=text("route-print--de-anyconnect-split.out"))))
    snap = WindowsAdapter().parse(cap)
    assert snap.vpn.mode is TunnelMode.SPLIT and snap.vpn.tunnel_interfaces == ("Ethernet 3",)
    assert all(r.interface == "Ethernet 3" and r.metric == 2 for r in snap.routes)
    lk = snap.lookup("10.50.5.11")
    assert lk is not None and lk.method == "table" and lk.destination == "10.50.5.11/32" and lk.gateway == "172.23.0.1"
    assert any("route print (fallback)" in t for t in snap.trace)


def test_parse_never_raises_on_broken_sources() -> None:
    cap = RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="powershell", kind=SourceKind.COMMAND, text="{ not json"),
        SourceCapture(id="ipconfig", kind=SourceKind.COMMAND, text="\x00\x01"),
        SourceCapture(id="route-print", kind=SourceKind.COMMAND, text=""),
        SourceCapture(id="cmdlet-routes", kind=SourceKind.COMMAND, text='{"Name": "not a route"}'),
        SourceCapture(id="winreg-nrpt", kind=SourceKind.API, text="{}")))
    snap = WindowsAdapter().parse(cap)
    assert snap.interfaces == () and snap.vpn.mode is TunnelMode.NONE
    assert {"powershell", "ipconfig", "cmdlet-routes", "winreg-nrpt"} <= {e.source for e in snap.errors}


def test_empty_capture() -> None:
    snap = WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at=NOW))
    assert snap.platform is Platform.WINDOWS and [e.source for e in snap.errors] == ["windows"]


def test_dataclass_roundtrip_of_every_fixture_snapshot() -> None:
    for ps in sorted(FIX.glob("powershell--*.out")):
        snap = parse(powershell=ps.name, winreg_nrpt="winreg-nrpt--gpo-overrides-local.out")
        assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap
        assert dataclasses.replace(snap) == snap
        assert {i.name for i in snap.interfaces} >= {r.interface for r in snap.routes if r.interface}
        assert all(r.family in (Family.INET, Family.INET6) for r in snap.routes)
