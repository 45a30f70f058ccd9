"""Windows findings, firing and not firing, on snapshots parsed from the Windows fixtures.

The three Windows-only rules live in agent/rules/windows.py; stale-vpn-dns-after-disconnect
and multiple-vpn-dns-conflict are generic rules (agent/rules/tunnel.py) checked here on
Windows evidence (TAP adapters, NRPT rules attributed to the VPN adapter).
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from agent.classify import classify
from agent.model import (Answer, Evidence, NameCheck, Platform, ProbeResult, ProbeRun, PushedConfig, RawCapture, Outcome,
                         Severity, Snapshot, SourceCapture, SourceKind, SystemLookup, Transport, TunnelMode)
from agent.rules import tunnel
from agent.rules.context import Context
from agent.rules.windows import (RULES, windows_full_tunnel_dns_forced, windows_multihomed_dns,
                                 windows_nrpt_gpo_override)
from platforms.windows import WindowsAdapter

FIX = Path(__file__).parent / "fixtures" / "windows"
SPLIT = "powershell--aws-split-multihomed.out"
FULL = "powershell--aws-full-tunnel-local-dns.out"
DOWN = "powershell--ps51-single-items-disconnected.out"


def snap(ps: str | None = None, nrpt: str | None = None, ps_text: str | None = None) -> Snapshot:
    caps = []
    if ps or ps_text:
        caps.append(SourceCapture(id="powershell", kind=SourceKind.COMMAND,
                                  text=ps_text if ps_text is not None else (FIX / ps).read_text(encoding="utf-8")))
    if nrpt:
        caps.append(SourceCapture(id="winreg-nrpt", kind=SourceKind.API, text=(FIX / nrpt).read_text(encoding="utf-8")))
    return WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at="t", sources=tuple(caps)))


def no_dns_pushed(s: Snapshot) -> Snapshot:
    """``s`` plus a VPN log whose PUSH_REPLY has redirect-gateway and no dhcp-option DNS
    (constructed): "no custom DNS" is known only from the log."""
    pushed = PushedConfig(redirect_gateway=True, raw="PUSH_REPLY,redirect-gateway def1,topology subnet",
                          source="ovpn_aws_vpn_client.log")
    return dataclasses.replace(s, vpn=dataclasses.replace(s.vpn, pushed=pushed, log_tunnel_mode=TunnelMode.FULL),
                               captured=tuple(sorted({*s.captured, Evidence.VPN_LOG}, key=list(Evidence).index)))


def ctx(s: Snapshot, probes: ProbeRun | None = None, names: tuple[str, ...] = ()) -> Context:
    return Context(s, probes, names=tuple(NameCheck(name=n) for n in names))


def with_dns(s: Snapshot, **changes) -> Snapshot:
    return dataclasses.replace(s, dns=dataclasses.replace(s.dns, **changes))


def test_rules_tuple_is_exported() -> None:
    assert RULES == (windows_multihomed_dns, windows_nrpt_gpo_override, windows_full_tunnel_dns_forced)


# --------------------------------------------------------------------------- windows-multihomed-dns


def test_multihomed_fires_with_dns_on_vpn_and_lan_and_smart_resolution_on() -> None:
    s = snap(SPLIT, "winreg-nrpt--empty.out")
    f = windows_multihomed_dns(ctx(s, names=("db.corp.example.com",)))
    assert f is not None and f.code == "windows-multihomed-dns" and f.severity is Severity.WARNING
    assert "Set-NetIPInterface -InterfaceIndex 22 -InterfaceMetric 5" in f.user_fix
    assert "ipconfig /flushdns" in f.user_fix
    assert "Resolve-DnsName db.corp.example.com -Server 10.0.0.2" in f.user_fix
    assert any("VPN adapter イーサネット 2 (ifIndex 22): DNS 10.0.0.2, interface metric 25" in e for e in f.evidence)
    assert any("LAN adapter Wi-Fi (ifIndex 14): DNS 192.168.1.1, interface metric 45" in e for e in f.evidence)


def test_multihomed_says_when_the_lan_is_asked_first() -> None:
    doc = json.loads((FIX / SPLIT).read_text(encoding="utf-8"))
    for o in doc["ipInterfaces"]:
        if o["InterfaceIndex"] == 14:
            o["InterfaceMetric"] = 10             # Wi-Fi below the TAP's 25
    f = windows_multihomed_dns(ctx(snap(ps_text=json.dumps(doc, ensure_ascii=False), nrpt="winreg-nrpt--empty.out")))
    assert f is not None and "LAN adapter even has the lower metric" in f.explanation


def test_multihomed_does_not_fire_when_smart_resolution_is_off() -> None:
    s = with_dns(snap(SPLIT, "winreg-nrpt--empty.out"), smart_multihomed=False)
    assert windows_multihomed_dns(ctx(s)) is None


def test_multihomed_does_not_fire_with_an_nrpt_catch_all() -> None:
    s = snap(SPLIT)
    local = snap(DOWN, "winreg-nrpt--local-catchall-smart-off.out")
    catch_all = [r for r in local.dns.resolvers if r.domains == (".",)]
    assert catch_all
    s = with_dns(s, resolvers=tuple(catch_all) + s.dns.resolvers, smart_multihomed=True)
    assert windows_multihomed_dns(ctx(s)) is None


def test_multihomed_does_not_fire_without_lan_dns_or_tunnel_or_off_windows() -> None:
    s = snap(SPLIT, "winreg-nrpt--empty.out")
    only_vpn = with_dns(s, resolvers=tuple(r for r in s.dns.resolvers if r.interface != "Wi-Fi"))
    assert windows_multihomed_dns(ctx(only_vpn)) is None
    assert windows_multihomed_dns(ctx(snap(DOWN, "winreg-nrpt--empty.out"))) is None   # no tunnel up
    assert windows_multihomed_dns(ctx(dataclasses.replace(s, platform=Platform.LINUX))) is None


# --------------------------------------------------------------------------- windows-nrpt-gpo-override


def test_gpo_override_fires_when_local_rules_are_ignored() -> None:
    s = snap(SPLIT, "winreg-nrpt--gpo-overrides-local.out")
    f = windows_nrpt_gpo_override(ctx(s))
    assert f is not None and f.severity is Severity.WARNING
    assert "1 local NRPT rule(s)" in f.explanation
    assert any("ignored local rule OpenVPNDNSRouting-4242: .corp.example.com -> 10.0.0.2" in e for e in f.evidence)
    assert any(e.startswith("GPO rule {5B2A1C0D") for e in f.evidence)
    assert "Get-DnsClientNrptPolicy" in f.user_fix and "ipconfig /flushdns" in f.user_fix


def test_gpo_without_local_rules_is_info_while_connected() -> None:
    s = snap(SPLIT, "winreg-nrpt--reg-query-gpo.out")
    f = windows_nrpt_gpo_override(ctx(s))
    assert f is not None and f.severity is Severity.INFO


def test_gpo_override_does_not_fire_without_gpo_key() -> None:
    assert windows_nrpt_gpo_override(ctx(snap(SPLIT, "winreg-nrpt--empty.out"))) is None
    assert windows_nrpt_gpo_override(ctx(snap(DOWN, "winreg-nrpt--local-catchall-smart-off.out"))) is None
    assert windows_nrpt_gpo_override(ctx(snap(SPLIT))) is None          # registry not read


def test_gpo_without_local_rules_and_no_tunnel_does_not_fire() -> None:
    s = snap(DOWN, "winreg-nrpt--reg-query-gpo.out")
    assert s.dns.nrpt_gpo_present and s.vpn.mode is TunnelMode.NONE
    assert windows_nrpt_gpo_override(ctx(s)) is None


# --------------------------------------------------------------------------- windows-full-tunnel-dns-forced


def test_full_tunnel_forces_dns_fires_for_lan_resolver_routed_outside() -> None:
    s = no_dns_pushed(snap(FULL))
    assert s.vpn.mode is TunnelMode.FULL
    f = windows_full_tunnel_dns_forced(ctx(s))
    assert f is not None and f.code == "windows-full-tunnel-dns-forced" and f.severity is Severity.WARNING
    assert "192.168.1.1" in f.explanation
    assert any("192.168.1.1: dev Wi-Fi" in e and "outside the tunnel" in e for e in f.evidence)
    assert "Resolve-DnsName" in f.user_fix and "ipconfig /flushdns" in f.user_fix


def test_full_tunnel_forced_is_an_error_when_the_system_resolver_fails() -> None:
    names = (NameCheck(name="example.com", origin="canary"),)
    probes = ProbeRun(names=names,
                      results=(ProbeResult(server="192.168.1.1", transport=Transport.UDP, name="example.com",
                                           outcome=Outcome.ANSWER, answers=(Answer("93.184.215.14", False),)),),
                      system=(SystemLookup(name="example.com", error="timeout"),))
    f = windows_full_tunnel_dns_forced(Context(no_dns_pushed(snap(FULL)), probes, names=names))
    assert f is not None and f.severity is Severity.ERROR
    assert any("system resolver example.com: timeout" in e for e in f.evidence)


def test_full_tunnel_forced_does_not_fire_with_custom_dns_split_or_other_os() -> None:
    assert windows_full_tunnel_dns_forced(ctx(snap(SPLIT))) is None        # split tunnel, custom DNS on the TAP
    full = no_dns_pushed(snap(FULL))
    # Without the VPN log "no custom DNS" is not known (the endpoint may push servers Windows
    # did not apply): the rule does not fire, and the report says what it could not tell.
    unknown = ctx(snap(FULL))
    assert windows_full_tunnel_dns_forced(unknown) is None
    assert "custom-dns" in {u.topic for u in unknown.facts.unknowns}
    assert windows_full_tunnel_dns_forced(ctx(dataclasses.replace(full, platform=Platform.MACOS))) is None
    doc = json.loads((FIX / FULL).read_text(encoding="utf-8"))
    for o in doc["dnsServers"]:
        if o["InterfaceIndex"] == 22 and o["AddressFamily"] == "IPv4":
            o["ServerAddresses"] = ["10.0.0.2"]       # the endpoint pushed DNS: S3, not S1
    assert windows_full_tunnel_dns_forced(ctx(snap(ps_text=json.dumps(doc, ensure_ascii=False)))) is None


# --------------------------------------------------------------------------- generic rules on Windows evidence


def test_stale_vpn_dns_after_disconnect_from_a_leftover_nrpt_rule() -> None:
    s = snap(DOWN, "winreg-nrpt--local-catchall-smart-off.out")
    catch_all = [r for r in s.dns.resolvers if r.origin.startswith("NRPT rule OpenVPNDNSRouting")]
    assert [(r.address, r.interface, r.domains) for r in catch_all] == [("10.0.0.2", "Ethernet 3", (".",))]
    f = tunnel.stale_vpn_dns_after_disconnect(ctx(s))
    assert f is not None and "10.0.0.2" in f.explanation
    assert any("resolver 10.0.0.2 on Ethernet 3 is still configured" in e for e in f.evidence)


def test_stale_does_not_fire_while_connected() -> None:
    assert tunnel.stale_vpn_dns_after_disconnect(ctx(snap(SPLIT, "winreg-nrpt--local-catchall-smart-off.out"))) is None


def _two_vpns() -> str:
    doc = json.loads((FIX / SPLIT).read_text(encoding="utf-8"))
    doc["adapters"].append({"ifIndex": 31, "InterfaceGuid": "{11111111-2222-3333-4444-555555555555}",
                            "InterfaceDescription": "TAP-Windows Adapter V9", "Name": "OpenVPN TAP",
                            "Status": "Up", "MacAddress": "00-FF-11-22-33-44", "MediaConnectionState": "Connected",
                            "InterfaceOperationalStatus": 1, "InterfaceType": 6})
    doc["ipInterfaces"].append({"InterfaceIndex": 31, "InterfaceAlias": "OpenVPN TAP", "AddressFamily": "IPv4",
                                "InterfaceMetric": 30, "AutomaticMetric": "Enabled", "ConnectionState": "Connected"})
    doc["dnsServers"].append({"InterfaceIndex": 31, "InterfaceAlias": "OpenVPN TAP", "AddressFamily": "IPv4",
                              "ServerAddresses": ["10.8.0.1"]})
    doc["routes"].append({"DestinationPrefix": "10.8.0.0/24", "NextHop": "0.0.0.0", "InterfaceIndex": 31,
                          "RouteMetric": 256, "AddressFamily": "IPv4"})
    return json.dumps(doc, ensure_ascii=False)


def test_multiple_vpn_dns_conflict_with_two_tap_adapters() -> None:
    s = snap(ps_text=_two_vpns())
    assert set(s.vpn.tunnel_interfaces) == {"イーサネット 2", "OpenVPN TAP"}
    f = tunnel.multiple_vpn_dns_conflict(ctx(s))
    assert f is not None
    assert sorted(f.evidence) == ["OpenVPN TAP: DNS 10.8.0.1", "イーサネット 2: DNS 10.0.0.2"]


def test_multiple_vpn_dns_conflict_not_with_one_tap() -> None:
    assert tunnel.multiple_vpn_dns_conflict(ctx(snap(SPLIT))) is None


# --------------------------------------------------------------------------- the whole classifier on Windows input


def _all_rules() -> tuple:
    """The registry plus the Windows rules (the lead adds windows.RULES to the registry)."""
    from agent.rules import RULES as ALL
    return ALL + tuple(r for r in RULES if r not in ALL)


def test_classify_names_a_scenario_for_windows_snapshots() -> None:
    split = classify(snap(SPLIT, "winreg-nrpt--empty.out"), rules=_all_rules())
    assert split.scenario.id == "S2-custom-dns-split"
    assert "windows-multihomed-dns" in {f.code for f in split.findings}
    assert classify(snap(FULL), rules=_all_rules()).scenario.id == "cannot-tell"   # no log: custom DNS unknown
    full = classify(no_dns_pushed(snap(FULL)), rules=_all_rules())
    assert full.scenario.id.startswith("S1")
    codes = {f.code for f in full.findings}
    assert "windows-full-tunnel-dns-forced" in codes and "local-dns-bypasses-tunnel" not in codes
    down = classify(snap(DOWN, "winreg-nrpt--local-catchall-smart-off.out"), rules=_all_rules())
    assert down.scenario.id == "not-connected"
    assert "stale-vpn-dns-after-disconnect" in {f.code for f in down.findings}


# --------------------------------------------------------------------------- the whole finding, word for word (issue 23)
# What the user reads: explanation, evidence lines in order, the fix with the right ifIndex
# and server.  ``finding`` appends the catalogue's text to the rule's explanation.

def _catalogue(code: str) -> str:
    from agent.findings import doc_for
    return " " + doc_for(code).explanation


def _udp(server: str, name: str, outcome: str, answers: tuple[str, ...] = ()) -> ProbeResult:
    return ProbeResult(server=server, transport=Transport.UDP, name=name, outcome=Outcome(outcome), rtt_ms=9.0,
                       answers=tuple(Answer(a, a.startswith(("10.", "192.168."))) for a in answers))


def test_multihomed_finding_word_for_word_with_the_lan_server_probed() -> None:
    names = (NameCheck(name="db.corp.example.com", origin="user"),)
    probes = ProbeRun(names=names, results=(_udp("192.168.1.1", "db.corp.example.com", "nxdomain"),
                                            _udp("10.0.0.2", "db.corp.example.com", "answer", ("10.0.5.5",))))
    f = windows_multihomed_dns(Context(snap(SPLIT, "winreg-nrpt--empty.out"), probes, names=names))
    assert f is not None
    assert f.explanation == ("The VPN adapter's DNS (10.0.0.2) and the LAN's (192.168.1.1) are both in use."
                             + _catalogue("windows-multihomed-dns"))
    # only the LAN server's probes are shown: its fast NXDOMAIN is what wins the race
    assert f.evidence == (
        "VPN adapter イーサネット 2 (ifIndex 22): DNS 10.0.0.2, interface metric 25, asked #1",
        "LAN adapter Wi-Fi (ifIndex 14): DNS 192.168.1.1, interface metric 45, asked #2",
        "smart multi-homed name resolution: on (DisableSmartNameResolution is not 1)",
        "192.168.1.1 udp: nxdomain (1 probes, 9-9 ms)")
    assert f.user_fix == ("Make Windows prefer the VPN adapter: Set-NetIPInterface -InterfaceIndex 22 -InterfaceMetric 5 "
                          "(PowerShell as administrator), then ipconfig /flushdns. Check with Resolve-DnsName "
                          "db.corp.example.com -Server 10.0.0.2.")


def test_multihomed_lan_first_explanation_word_for_word() -> None:
    doc = json.loads((FIX / SPLIT).read_text(encoding="utf-8"))
    for o in doc["ipInterfaces"]:
        if o["InterfaceIndex"] == 14:
            o["InterfaceMetric"] = 10
    f = windows_multihomed_dns(ctx(snap(ps_text=json.dumps(doc, ensure_ascii=False), nrpt="winreg-nrpt--empty.out")))
    assert f is not None
    assert f.explanation == ("The VPN adapter's DNS (10.0.0.2) and the LAN's (192.168.1.1) are both in use; the LAN "
                             "adapter even has the lower metric, so Windows asks it first."
                             + _catalogue("windows-multihomed-dns"))
    assert f.evidence[:2] == ("VPN adapter イーサネット 2 (ifIndex 22): DNS 10.0.0.2, interface metric 25, asked #2",
                              "LAN adapter Wi-Fi (ifIndex 14): DNS 192.168.1.1, interface metric 10, asked #1")


def test_multihomed_does_not_say_lan_first_when_the_order_is_a_tie() -> None:
    # CONSTRUCTED: both adapters' servers with the same order (a saved snapshot edited by
    # hand); "the LAN even has the lower metric" would then be false.
    s = snap(SPLIT, "winreg-nrpt--empty.out")
    s = with_dns(s, resolvers=tuple(dataclasses.replace(r, order=1) for r in s.dns.resolvers))
    f = windows_multihomed_dns(ctx(s))
    assert f is not None and "lower metric" not in f.explanation


def test_multihomed_without_an_ifindex_says_where_to_put_it() -> None:
    """ipconfig /all gives no ifIndex and no metric: the evidence leaves them out and the fix
    shows a placeholder instead of a wrong number."""
    s = snap(SPLIT, "winreg-nrpt--empty.out")
    s = dataclasses.replace(s, interfaces=tuple(dataclasses.replace(i, index=None, metric=None) for i in s.interfaces))
    f = windows_multihomed_dns(ctx(s))
    assert f is not None
    assert f.evidence[:2] == ("VPN adapter イーサネット 2: DNS 10.0.0.2, asked #1",
                              "LAN adapter Wi-Fi: DNS 192.168.1.1, asked #2")
    assert "Set-NetIPInterface -InterfaceIndex <VPN ifIndex> -InterfaceMetric 5" in f.user_fix
    assert "Resolve-DnsName <name> -Server 10.0.0.2" in f.user_fix


def _nrpt(gpo: dict, local: dict) -> str:
    return json.dumps({"gpo": {"present": True, "rules": gpo}, "local": {"present": bool(local), "rules": local},
                       "smart": {"DisableSmartNameResolution": None}})


def _snap_nrpt(text: str) -> Snapshot:
    caps = (SourceCapture(id="powershell", kind=SourceKind.COMMAND, text=(FIX / SPLIT).read_text(encoding="utf-8")),
            SourceCapture(id="winreg-nrpt", kind=SourceKind.API, text=text))
    return WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at="t", sources=caps))


def test_gpo_override_lists_every_namespace_and_server_of_each_rule() -> None:
    # CONSTRUCTED from the gpo-overrides-local fixture: a GPO rule for two namespaces with no
    # server (a DNSSEC-only rule), the VPN client's rule for two namespaces and two servers,
    # and a rule with no namespace at all.
    text = _nrpt({"{GPO-1}": {"ConfigOptions": 2, "GenericDNSServers": "", "Name": [".ad.example.net", "ad.example.org"],
                              "Version": 2},
                  "{GPO-2}": {"ConfigOptions": 8, "GenericDNSServers": "172.16.0.10", "Name": [], "Version": 2}},
                 {"OpenVPNDNSRouting-4242": {"ConfigOptions": 8, "GenericDNSServers": "10.0.0.2;10.0.0.3",
                                             "Name": [".corp.example.com", ".corp.internal"], "Version": 2},
                  "Empty-1": {"ConfigOptions": 8, "GenericDNSServers": "", "Name": [], "Version": 2}})
    f = windows_nrpt_gpo_override(ctx(_snap_nrpt(text)))
    assert f is not None and f.severity is Severity.WARNING
    assert f.explanation == ("2 local NRPT rule(s), typically written by the VPN client, are ignored."
                             + _catalogue("windows-nrpt-gpo-override"))
    assert f.evidence == (
        "Group Policy key HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig exists",
        "GPO rule {GPO-1}: .ad.example.net, ad.example.org -> no servers",
        "GPO rule {GPO-2}: ? -> 172.16.0.10",
        "ignored local rule Empty-1: ? -> no servers",      # the adapter lists rules by name
        "ignored local rule OpenVPNDNSRouting-4242: .corp.example.com, .corp.internal -> 10.0.0.2, 10.0.0.3")


def test_gpo_without_local_rules_finding_word_for_word() -> None:
    f = windows_nrpt_gpo_override(ctx(snap(SPLIT, "winreg-nrpt--reg-query-gpo.out"), names=("db.corp.example.com",)))
    assert f is not None and f.severity is Severity.INFO
    assert f.explanation == ("No local rule is ignored right now, but any NRPT rule the VPN client writes would be; the "
                             "GPO rules take precedence for their namespaces." + _catalogue("windows-nrpt-gpo-override"))
    assert f.evidence == (
        "Group Policy key HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DNSClient\\DnsPolicyConfig exists",
        "GPO rule {5B2A1C0D-7E3F-4A9B-8C1D-2E4F6A8B0C12}: .ad.example.net -> 172.16.0.10, 172.16.0.11")
    assert f.user_fix == ("Ask IT. Get-DnsClientNrptPolicy shows the rules Windows applies; Resolve-DnsName "
                          "db.corp.example.com shows which server answers. Then ipconfig /flushdns.")


FORCED = ("The local resolver(s) {servers} have a route outside the tunnel, which is what KC scenario 1 example 1 "
          "relies on; Windows does not honour it for DNS.")


def _full_with(*servers: str, v6: tuple[str, ...] = ()) -> Snapshot:
    """The full-tunnel capture with other DNS servers on Wi-Fi (IPv4, and IPv6 when given)."""
    doc = json.loads((FIX / FULL).read_text(encoding="utf-8"))
    for o in doc["dnsServers"]:
        if o["InterfaceIndex"] == 14:
            o["ServerAddresses"] = list(servers) if o["AddressFamily"] == "IPv4" else list(v6)
    return no_dns_pushed(snap(ps_text=json.dumps(doc, ensure_ascii=False)))


def test_full_tunnel_forced_finding_word_for_word() -> None:
    f = windows_full_tunnel_dns_forced(ctx(no_dns_pushed(snap(FULL)), names=("db.corp.example.com",)))
    assert f is not None and f.severity is Severity.WARNING
    assert f.explanation == FORCED.format(servers="192.168.1.1") + _catalogue("windows-full-tunnel-dns-forced")
    assert f.evidence == (
        "192.168.1.1: dev Wi-Fi (outside the tunnel, route 192.168.1.0/24; Find-NetRoute) -- on Windows the query "
        "still goes into the full tunnel",
        "no DNS servers pushed by the endpoint (PUSH_REPLY seen)")
    assert f.user_fix == ("Compare Resolve-DnsName db.corp.example.com -Server 192.168.1.1 with the VPN disconnected "
                          "and connected; ipconfig /flushdns after each change. Ask your VPN administrator to push a "
                          "DNS server.")


def test_full_tunnel_forced_error_word_for_word_with_probes_and_failed_lookups() -> None:
    names = (NameCheck(name="example.com", origin="canary"), NameCheck(name="db.corp.example.com", origin="user"))
    probes = ProbeRun(names=names, results=(_udp("192.168.1.1", "example.com", "timeout"),),
                      system=(SystemLookup(name="example.com", error="timeout"),
                              SystemLookup(name="db.corp.example.com", error="")))   # no address, no error text
    f = windows_full_tunnel_dns_forced(Context(no_dns_pushed(snap(FULL)), probes, names=names))
    assert f is not None and f.severity is Severity.ERROR
    assert f.explanation == (FORCED.format(servers="192.168.1.1") + " Lookups through the system resolver fail."
                             + _catalogue("windows-full-tunnel-dns-forced"))
    assert f.evidence[1:] == ("no DNS servers pushed by the endpoint (PUSH_REPLY seen)",
                              "192.168.1.1 udp: timeout (1 probes)",
                              "system resolver example.com: timeout",
                              "system resolver db.corp.example.com: no address")


def test_full_tunnel_forced_stays_a_warning_when_the_system_resolver_answers() -> None:
    names = (NameCheck(name="example.com", origin="canary"), NameCheck(name="db.corp.example.com", origin="user"))
    probes = ProbeRun(names=names, results=(_udp("192.168.1.1", "example.com", "answer", ("93.184.215.14",)),),
                      system=(SystemLookup(name="example.com", addresses=(Answer("93.184.215.14", False),)),))
    f = windows_full_tunnel_dns_forced(Context(no_dns_pushed(snap(FULL)), probes, names=names))
    assert f is not None and f.severity is Severity.WARNING
    assert not any(e.startswith("system resolver") for e in f.evidence)
    assert "Lookups through the system resolver fail" not in f.explanation


def test_full_tunnel_forced_names_every_lan_resolver() -> None:
    f = windows_full_tunnel_dns_forced(ctx(_full_with("192.168.1.1", "192.168.1.2")))
    assert f is not None
    assert f.explanation.startswith(FORCED.format(servers="192.168.1.1, 192.168.1.2"))
    assert [e.split(":")[0] for e in f.evidence[:2]] == ["192.168.1.1", "192.168.1.2"]
    assert "-Server 192.168.1.1 " in f.user_fix


def test_full_tunnel_forced_ignores_a_local_stub_and_a_server_the_tunnel_reaches() -> None:
    """A 127.0.0.1 / ::1 agent on the adapter (Umbrella-style) is not the LAN resolver of KC
    example 1, and a public server (8.8.8.8) is routed into the full tunnel anyway: only
    192.168.1.1 is named, wherever it stands in the list."""
    f = windows_full_tunnel_dns_forced(ctx(_full_with("127.0.0.1", "8.8.8.8", "192.168.1.1", v6=("::1",))))
    assert f is not None
    assert f.explanation.startswith(FORCED.format(servers="192.168.1.1"))
    assert [e for e in f.evidence if "full tunnel" in e] == [
        "192.168.1.1: dev Wi-Fi (outside the tunnel, route 192.168.1.0/24; Find-NetRoute) -- on Windows the query "
        "still goes into the full tunnel"]
    assert windows_full_tunnel_dns_forced(ctx(_full_with("127.0.0.1"))) is None
    assert windows_full_tunnel_dns_forced(ctx(_full_with(v6=("::1",)))) is None
    assert windows_full_tunnel_dns_forced(ctx(_full_with("8.8.8.8"))) is None
