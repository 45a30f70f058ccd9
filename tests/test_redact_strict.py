"""The strict redaction level (--redact-level strict): on top of the default level, private
addresses, interface names, domains and the endpoint id become consistent tokens -- checked on
a strict bundle of every fixture -- while the structure a diagnosis needs survives."""
from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest

import planted
from agent import netclass
from agent.bundle import build_entries
from agent.model import Report
from agent.redact import _KEEP_SUFFIXES, Redactor
from agent.run import reparse
from tests.conftest import ROOT

STRICT = ("rfc1918", "cgnat", "link-local", "ula", "site-local")
WELL_KNOWN = {"169.254.169.253", "169.254.169.254", "169.254.169.123"}
# One-label names that identify nobody (resolved's "lan", mDNS "local", the special-use names of
# RFC 6761) stay as they are.
GENERIC = {"lan", "local", "home", "internal", "localdomain", "corp", "intranet", "private", "test", "example",
           "invalid", "localhost", "."}
# Names the Windows parsers make up for an interface that has none in the capture: not input.
SYNTHESISED = re.compile(r"^(ifIndex \d+|interface .+|adapter \d+ \(no header\))$")
# Words the renderers write themselves ("the LAN gateway"): an adapter called so cannot be told
# from them in report.md / report.html, so it is checked in report.json and the raw files only.
PROSE = {"LAN", "WAN", "VPN"}
V4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d])")
V6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")


RANGE_EDGES = {"10.0.0.0", "172.16.0.0", "192.168.0.0", "100.64.0.0", "169.254.0.0", "169.254.255.255", "fe80::",
               "fc00::", "fd00::", "fec0::"}


def _same_everywhere(ip) -> bool:
    """Addresses that are the same on every network and so name no one: the private blocks
    themselves (a route to 10.0.0.0/8), the link-local broadcast, and fe80::/64 addresses with
    a small interface id (fe80::1 is many a router)."""
    if str(ip) in WELL_KNOWN or str(ip) in RANGE_EDGES:
        return True
    return ip.version == 6 and ip in ipaddress.ip_network("fe80::/64") and int(ip) & (2**64 - 1) < 2**16


def _private(text: str) -> set[str]:
    out = set()
    for cand in V4.findall(text) + V6.findall(text):
        try:
            ip = ipaddress.ip_address(cand)
        except ValueError:
            continue
        if not _same_everywhere(ip) and netclass.address_class(str(ip)) in STRICT:
            out.add(str(ip))
    return out


def input_secrets(report: Report) -> tuple[set[str], set[str], set[str]]:
    """(private addresses, domains, interface names) of the input, found independently of the
    redactor: every literal address in every string of the report and what the parsers made
    of the captures."""
    snap = report.snapshot
    data = json.dumps(report.to_dict())
    addresses = _private(data)
    for src in (report.raw.sources if report.raw else ()):
        if src.id == "proc-net-route" and src.text:
            for h in re.findall(r"\b[0-9A-F]{8}\b", src.text):
                addresses |= _private(str(ipaddress.IPv4Address(int.from_bytes(bytes.fromhex(h), "little"))))
    for route in snap.routes:
        addresses |= _private(route.destination.split("/")[0])
    ifaces = {i.name for i in snap.interfaces} | {r.interface for r in snap.routes if r.interface}
    ifaces |= {r.interface for r in snap.dns.resolvers if r.interface} | set(snap.vpn.tunnel_interfaces)
    domains = set(snap.dns.search_domains) | {d for r in snap.dns.resolvers for d in r.domains}
    domains |= {ns for rule in snap.dns.nrpt for ns in rule.namespaces}
    if snap.vpn.pushed:
        domains |= set(snap.vpn.pushed.domains)
    domains |= {n.name for n in report.names if n.origin != "canary"}
    domains = {d.strip("~*.").lower() for d in domains} - GENERIC - {""}
    # names the strict level keeps on purpose (AWS's, the OS vendors': reddog.microsoft.com, the
    # search domain of every Azure VM and WSL instance, names no one)
    domains = {d for d in domains if not d.endswith(_KEEP_SUFFIXES)}
    return addresses, domains, {i for i in ifaces if i and not SYNTHESISED.match(i)}


def leaked(text: str, addresses: set[str], domains: set[str], ifaces: set[str],
           tokens: dict[str, str] | None = None) -> list[str]:
    """The input values that occur in ``text``.  With ``tokens`` (original -> token), an input
    address that occurs only because it is the token of *another* address is not a leak: the
    tokens are the image of the input's addresses under one keyed bijection (a private range
    has few networks of one size), so a token spelled like an input address says nothing
    about the input; no address is ever its own token."""
    tokens = tokens or {}
    given = set(tokens.values())
    found = [a for a in addresses if re.search(rf"(?<![\w.:]){re.escape(a)}(?![\w:]|\.\d)", text, re.I)
             and not (a in given and tokens.get(a, a) != a)]
    found += [d for d in domains if re.search(rf"(?<![\w.-]){re.escape(d)}(?![\w-])", text, re.I)]
    # interface names are case-sensitive ("Ethernet" the adapter, "ethernet" the kind)
    found += [i for i in ifaces if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)]
    return found


def strict_bundle(report: Report) -> tuple[Redactor, dict[str, str]]:
    red = Redactor.for_report(report, local=False, level="strict")
    return red, build_entries(report, redact=True, redactor=red)


@pytest.mark.parametrize("path", planted.fixture_files(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_strict_bundle_of_every_fixture_leaks_nothing(path: Path):
    report = planted.fixture_report(path)
    addresses, domains, ifaces = input_secrets(report)
    red, entries = strict_bundle(report)
    tokens = {o.split("/")[0]: t.split("/")[0] for o, t, k in red.mapping() if k == "private-ip"}
    for name, text in entries.items():
        names = ifaces - PROSE if name.endswith((".md", ".html")) else ifaces
        assert leaked(text, addresses, domains, names, tokens) == [], name
        assert [s for s in planted.LEAKS if s.lower() in text.lower()] == [], name   # and the default level's
    # What a re-analysis reads back out of the strict captures holds none of them either.
    shown = Report.from_dict(json.loads(entries["report.json"]))
    again = reparse(shown.raw)
    assert leaked(json.dumps(again.to_dict()), addresses, domains, ifaces, tokens) == []


def test_the_leak_check_sees_the_inputs():
    # The test above means something only if the inputs really hold such values.
    report = planted.planted_report()
    addresses, domains, ifaces = input_secrets(report)
    assert {"10.2.0.2", "192.168.1.23", "172.16.0.130"} <= addresses
    assert {"tun0", "wlp3s0"} <= ifaces and "db.example.internal" in domains
    raw = json.dumps(report.to_dict())
    assert leaked(raw, addresses, domains, ifaces)


def test_tokens_are_consistent_across_the_bundle():
    report = planted.planted_report()
    red, entries = strict_bundle(report)
    tokens = {o: t for o, t, _k in red.mapping()}
    vpc_dns = tokens["10.2.0.2"]
    assert vpc_dns != "10.2.0.2"
    for name in ("report.json", "report.md"):
        assert vpc_dns in entries[name], name
    assert any(tokens["tun0"] in t for n, t in entries.items() if n.startswith("raw/"))
    assert tokens["tun0"] in entries["report.md"]


def test_structure_survives():
    red = Redactor(local=False, level="strict")
    net, host, other, vpc2 = (red.text(x) for x in ("10.2.0.0/16", "10.2.0.2", "10.3.0.2", "10.2.0.0"))
    assert ipaddress.ip_address(host) in ipaddress.ip_network(net)            # which network holds it
    assert ipaddress.ip_address(other) not in ipaddress.ip_network(net)
    assert host.endswith(".2") and str(ipaddress.ip_network(net).network_address) == net.split("/")[0]
    assert netclass.address_class(host) == "rfc1918" and net.endswith("/16")
    assert red.text("192.168.1.7").startswith("192.168.") and red.text("172.20.1.1").startswith("172.")
    assert red.text("100.64.3.4").split(".")[0] == "100" and netclass.address_class(red.text("100.64.3.4")) == "cgnat"
    assert vpc2 == red.text("10.2.0.0")                                       # the same token every time
    # kept: public, loopback, netmasks, AWS's link-local services, documentation addresses
    for kept in ("8.8.8.8", "127.0.0.53", "255.255.255.0", "169.254.169.253", "203.0.113.53", "::1"):
        assert red.text(kept) == kept
    # IPv6: ULA and link-local; the zone id (an interface name) too
    red.text("x")
    ula = red.text("fd12:3456:789a:1::53")
    assert ula.startswith("fd") and ula.endswith("::53") and ula != "fd12:3456:789a:1::53"
    assert red.text("fe80::1c2b:3cff:fe4d:5e6f").startswith("fe80::")


def test_domains_label_by_label_and_aws_names_kept():
    red = Redactor(local=False, level="strict")
    a, b = red.text("corp.internal"), red.text("db.corp.internal")
    assert a.endswith(".internal") and b.endswith("." + a) and "corp" not in b
    assert red.text("vpn.example.com").endswith(".com") and "example" not in red.text("vpn.example.com")
    for kept in ("aws.amazon.com", "ec2.eu-west-2.amazonaws.com", "resolv.conf", "dns-updown.sh", "2.6.9",
                 "https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/troubleshooting.html"):
        assert red.text(kept) == kept
    ec2 = red.text("ip-10-0-0-5.eu-west-2.compute.internal")
    assert ec2.endswith(".eu-west-2.compute.internal") and ec2.startswith("ip-10-") and "ip-10-0-0-5" not in ec2
    assert red.text("5.0.0.10.in-addr.arpa") == ".".join(reversed(red.text("10.0.0.5").split("."))) + ".in-addr.arpa"


def test_endpoint_id_token_still_reads_as_an_endpoint():
    from platforms.parsers import ovpn_profile

    red = Redactor(local=False, level="strict")
    text = red.text("client\ndev tun\nproto udp\n"
                    "remote abc.cvpn-endpoint-0a1b2c3d4e5f60718.prod.clientvpn.eu-west-2.amazonaws.com 443\n")
    assert "0a1b2c3d4e5f60718" not in text
    profile = ovpn_profile.parse(text)
    assert profile.endpoint_id == "cvpn-endpoint-00000000000000001" and profile.region == "eu-west-2"


def test_proc_net_route_hex_and_bsd_netstat_abbreviations():
    from agent.model import Platform, RawCapture, SourceCapture, SourceKind

    proc = (ROOT / "tests/fixtures/linux/proc_net_route--netns-full-tunnel.out").read_text()
    netstat = (ROOT / "tests/fixtures/macos/netstat-rn--jenkins-5209-openvpn-split-utun4.out").read_text()
    for platform, sid, text in ((Platform.LINUX, "proc-net-route", proc), (Platform.MACOS, "netstat-inet", netstat)):
        raw = RawCapture(platform=platform, collected_at="2026-11-28T10:00:00Z",
                         sources=(SourceCapture(id=sid, kind=SourceKind.FILE, text=text),))
        report = planted.report_from(raw)
        before = reparse(raw)
        red = Redactor.for_report(report, local=False, level="strict")
        after = reparse(red.report(report).raw)
        assert len(after.routes) == len(before.routes) > 0
        old = {r.destination for r in before.routes if _private(r.destination.split("/")[0])}
        new = {r.destination for r in after.routes}
        assert old and not old & new, sid
        # prefix lengths kept, route by route
        assert [r.destination.split("/")[1] for r in before.routes] == [r.destination.split("/")[1] for r in after.routes]


LAB_REPORTS = sorted((ROOT / "tests" / "fixtures" / "lab").glob("*.report.json"))


@pytest.mark.parametrize("path", [None] + LAB_REPORTS, ids=lambda p: "planted" if p is None else p.name.split(".")[0])
def test_strict_bundle_reanalyses_to_the_same_diagnosis(path):
    """What the tokens keep is what the diagnosis rests on: a strict bundle of each real lab
    report (and of the planted one) re-analyses to the same scenario, findings and verdict."""
    from agent.analyze import reanalyse

    report = planted.planted_report() if path is None else reanalyse(Report.from_dict(json.loads(path.read_text())), "x")
    _red, entries = strict_bundle(report)
    again = reanalyse(Report.from_dict(json.loads(entries["report.json"])), "strict")
    assert (again.scenario.id, again.verdict) == (report.scenario.id, report.verdict)
    assert sorted(f.code for f in again.findings) == sorted(f.code for f in report.findings)
    assert again.snapshot.vpn.mode == report.snapshot.vpn.mode


def test_preview_names_the_strict_kinds_and_default_is_unchanged():
    report = planted.planted_report()
    strict = Redactor(local=False, level="strict").preview(report)
    kinds = {k for _o, _t, k in strict}
    assert {"private-ip", "interface", "domain", "endpoint", "user", "mac"} <= kinds
    default = Redactor(local=False).preview(report)
    assert not {"private-ip", "interface", "domain", "endpoint"} & {k for _o, _t, k in default}
    with pytest.raises(ValueError):
        Redactor(level="paranoid")
