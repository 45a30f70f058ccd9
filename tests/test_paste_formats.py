"""Linux and macOS outputs as people paste them (issue 14, deliverables 2 and 3): each reaches
the snapshot with its facts, and a line that cannot be read costs that line only.

The texts are the real captures under tests/fixtures (SOURCES.md), sometimes put together
or cut here the way pastes are (said at each test).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from agent import analyze
from agent.model import Evidence, Platform, RawCapture, ResolverScope, SourceCapture, SourceKind, TunnelMode
from agent.run import reparse
from platforms.parsers import netstat_rn, nmcli, resolv_conf, resolvectl, route_n
from platforms.recognize import recognise

FIX = Path(__file__).resolve().parent / "fixtures"


def load(rel: str) -> str:
    return (FIX / rel).read_text(encoding="utf-8")


def paste(tmp_path: Path, text: str, name: str = "paste.txt") -> analyze.AnalyzeResult:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return analyze.analyze_path(p)


def snap_of(platform: Platform, **sources: str):
    caps = tuple(SourceCapture(id=sid.replace("_", "-").replace("resolv-conf", "resolv.conf"), kind=SourceKind.FILE,
                               text=text) for sid, text in sources.items())
    return reparse(RawCapture(platform=platform, collected_at="t", sources=caps))


# --------------------------------------------------------------------------- Linux: route -n / netstat -rn


def test_route_n_full_tunnel_reaches_the_snapshot(tmp_path):
    result = paste(tmp_path, load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out"))
    assert result.recognised == (("paste.txt", "route-n"),)
    snap = result.report.snapshot
    assert result.report.platform is Platform.LINUX
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("tun0",)
    defaults = [(r.gateway, r.interface) for r in snap.routes if r.destination == "0.0.0.0/0"]
    assert defaults == [("192.168.1.254", "eth0")]
    assert Evidence.ROUTES in snap.captured


def test_a_masked_row_skips_that_row_only(tmp_path):
    result = paste(tmp_path, load("linux/route_n--serverfault-1172890-masked-public-ip.out"))
    snap = result.report.snapshot
    assert len(snap.routes) == 8                       # 9 rows, the masked one skipped
    assert any("masked by the poster" in t for t in snap.trace)
    assert snap.vpn.mode is TunnelMode.FULL            # default via tun0, metric 50


def test_masked_gateway_keeps_the_route_without_its_address():
    table = route_n.parse(load("linux/route_n--kvpnc-forum-masked-x-rows.out"))
    assert [(r.cidr, r.gateway, r.gateway_name, r.interface) for r in table.rows] == [
        ("192.168.0.0/24", None, None, "eth1"), ("0.0.0.0/0", None, "y.y.y.254", "eth0")]
    assert len(table.skipped) == 3


@pytest.mark.parametrize("line", ["...", "[...]", "…", "--snip--", "[ ... ]", "<snip>", "----- cut here -----"])
def test_a_posters_elision_never_rejects_the_table(line):
    text = load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out")
    rows = text.splitlines()
    table = route_n.parse("\n".join(rows[:4] + [line] + rows[4:]) + "\n")
    assert len(table.rows) == 7 and "left lines out" in table.skipped[0]


def test_netstat_r_with_names_is_read_but_the_numeric_table_wins(tmp_path):
    named = load("linux/route_n--azure-docs-nl-netstat-r-names.out")
    assert recognise(named).source_id == "route-names"
    snap = snap_of(Platform.LINUX, route_names=named)
    assert [(r.destination, r.gateway, r.interface) for r in snap.routes][0] == ("0.0.0.0/0", None, "eth0")
    assert any("printed as the name '_gateway'" in t for t in snap.trace)
    numeric = load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out")
    snap = snap_of(Platform.LINUX, route_names=named, route_n=numeric)
    assert snap.vpn.mode is TunnelMode.FULL and any("names ignored" in t for t in snap.trace)


def test_ipv6_net_tools_table_joins_the_ipv4_one(tmp_path):
    v6 = ("Kernel IPv6 routing table\nDestination                    Next Hop                   Flag Met Ref Use If\n"
          "::/0                           fe80::1                    UG   1024 1     0 eth0\n"
          "fd00::/64                      ::                         U    256 1     0 tun0\n")
    text = "$ route -n\n" + load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out") + "$ route -n -6\n" + v6
    result = paste(tmp_path, text)
    snap = result.report.snapshot
    assert [sid for _f, sid in result.recognised] == ["route-n", "route-n"]     # read together
    assert ("::/0", "fe80::1", "eth0") in [(r.destination, r.gateway, r.interface) for r in snap.routes]
    assert {Evidence.ROUTES, Evidence.ROUTES6} <= set(snap.captured)


# --------------------------------------------------------------------------- Linux: nmcli


def test_nmcli_device_show_gives_devices_routes_and_dns(tmp_path):
    result = paste(tmp_path, load("linux/nmcli--ubuntuforums-wireless-info-pia-tun0.out"))
    snap = result.report.snapshot
    assert result.recognised == (("paste.txt", "nmcli"),)
    kinds = {i.name: (i.kind.value, i.is_up) for i in snap.interfaces}
    assert kinds["tun0"] == ("tunnel", True) and kinds["enp0s7"] == ("ethernet", False)
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("tun0",)
    (r,) = snap.dns.resolvers
    assert (r.address, r.interface, r.scope) == ("192.168.0.1", "enx<IF from MAC [IF2]>", ResolverScope.LINK)
    assert ("0.0.0.0/0", "192.168.0.1") in [(x.destination, x.gateway) for x in snap.routes]
    assert any("not known (not captured)" in t for t in snap.trace)
    assert Evidence.ROUTES not in snap.captured      # NetworkManager's own routes are not the table


def test_nmcli_terse_and_the_device_named_only_by_the_command(tmp_path):
    devices = nmcli.parse(load("linux/nmcli--nm-testsuite-terse-all-eth0.out"))
    assert devices[0].device == "eth0" and devices[0].ip4_dns == ("192.168.213.113",)
    assert devices[0].ip6_dns[0] == "2001:a::1323:9a78:2b82:d16b" and devices[0].ip4_domains == ("sear4.foo4.bar",)
    text = "$ nmcli -t -f IP4 device show tun0\nIP4.ADDRESS[1]:10.0.0.98/27\nIP4.GATEWAY:\nIP4.DNS[1]:10.2.0.2\n"
    snap = paste(tmp_path, text).report.snapshot
    (r,) = snap.dns.resolvers
    assert (r.address, r.interface) == ("10.2.0.2", "tun0")
    assert [i.name for i in snap.interfaces] == ["tun0"]


def test_nmcli_names_the_interface_of_a_resolv_conf_server(tmp_path):
    text = "$ cat /etc/resolv.conf\nnameserver 192.168.0.1\n$ nmcli dev show\n" + \
        load("linux/nmcli--ubuntuforums-wireless-info-pia-tun0.out")
    snap = paste(tmp_path, text).report.snapshot
    (r,) = snap.dns.resolvers
    assert (r.address, r.scope, r.interface) == ("192.168.0.1", ResolverScope.GLOBAL, "enx<IF from MAC [IF2]>")


# --------------------------------------------------------------------------- Linux: resolvectl alone


def test_resolvectl_alone_keeps_every_per_link_server_and_says_glibc_use_is_not_captured(tmp_path):
    result = paste(tmp_path, load("linux/resolvectl--v257-vpn-split-domains.out"))
    snap = result.report.snapshot
    assert snap.dns.resolvers, "per-link servers were lost"
    assert all(r.interface for r in snap.dns.resolvers if r.scope is not ResolverScope.GLOBAL)
    assert {r.scope for r in snap.dns.resolvers} <= {ResolverScope.LINK, ResolverScope.DOMAIN, ResolverScope.GLOBAL,
                                                     ResolverScope.INACTIVE}
    assert any("not captured" in t for t in snap.trace)
    assert not any("glibc does not ask it" in t for t in snap.trace)
    assert Evidence.DNS_GLOBAL not in snap.captured
    names = {i.name for i in snap.interfaces}
    assert names and any("systemd-resolved's links" in t for t in snap.trace)


def test_resolvectl_with_stripped_indentation_and_the_one_line_forms():
    text = "Link 8 (tun0)\nCurrent Scopes: DNS\nDNS Servers: 172.20.0.50\n172.20.0.14\nDNS Domain: corp.example\n~.\n"
    state = resolvectl.parse(text)
    (link,) = state.links
    assert [s.address for s in link.servers] == ["172.20.0.50", "172.20.0.14"]
    assert link.domains == ("corp.example", "~.")
    one = resolvectl.parse("Global: 1.1.1.1\nLink 2 (eth0): 192.168.1.1\nLink 5 (tun0): 10.0.0.2 ~corp.example\n")
    assert [(l.name, [s.address for s in l.servers], l.domains) for l in one.links] == [
        ("eth0", ["192.168.1.1"], ()), ("tun0", ["10.0.0.2"], ("~corp.example",))]
    assert resolvectl.looks_like("Global: 1.1.1.1\nLink 2 (eth0): 192.168.1.1\n")


def test_resolvectl_masked_server_skips_that_server_only():
    state = resolvectl.parse("Link 3 (tun0)\n      Current Scopes: DNS\n         DNS Servers: <dns1> 10.0.0.2\n")
    assert [s.address for s in state.links[0].servers] == ["10.0.0.2"] and "<dns1>" in state.skipped[0]


# --------------------------------------------------------------------------- Linux: resolv.conf writers


@pytest.mark.parametrize("rel, owner", [
    ("linux/resolv_conf--openvpn3-linux-121-generated.out", "openvpn3"),
    ("linux/resolv_conf--networkmanager.out", "NetworkManager"),
    ("linux/resolv_conf--debian-resolvconf.out", "resolvconf"),
    ("linux/resolv_conf--systemd-stub.out", "systemd-resolved"),
    ("linux/resolv_conf--wsl-prompt.out", "wsl"),
    ("linux/resolv_conf--dhcpcd-openvpn3-linux-121.out", "dhcpcd"),
])
def test_every_resolv_conf_writer_is_a_resolv_conf_not_a_log(rel, owner):
    text = load(rel)
    assert recognise(text).source_id == "resolv.conf"
    assert resolv_conf.parse(text).owner == owner


def test_openvpn3_resolv_conf_marks_the_vpn_servers():
    snap = snap_of(Platform.LINUX, resolv_conf=load("linux/resolv_conf--openvpn3-linux-121-generated.out"))
    assert snap.dns.manager.value == "openvpn-script"
    assert [(r.address, r.origin) for r in snap.dns.resolvers][0] == ("10.0.0.2", "resolv.conf (openvpn openvpn3 block)")


def test_linux_ifconfig_pasted_gives_the_tunnel_interface(tmp_path):
    result = paste(tmp_path, load("linux/ifconfig_linux--kali-htb-prompt-elision.out"))
    assert [sid for _f, sid in result.recognised] == ["ifconfig"] and result.report.platform is Platform.LINUX
    snap = result.report.snapshot
    assert snap.vpn.tunnel_interfaces == ("tun0",) and Evidence.INTERFACES in snap.captured


# --------------------------------------------------------------------------- macOS


def _two_tables() -> str:
    """`netstat -rn -f inet` then, after a prompt line, `netstat -rn -f inet6` (put together
    here from two real captures, the way one paste holds both)."""
    inet = load("macos/netstat-rn--jenkins-5209-openvpn-split-utun4.out")
    inet6 = load("macos/netstat-rn--teleport-66851-inet6-utun.out")
    assert inet6.startswith("$ netstat -rn -f inet6")
    return inet + inet6


def test_netstat_prompt_between_the_tables_never_rejects_them():
    rows = netstat_rn.parse(_two_tables())
    assert {r.family for r in rows} == {"inet", "inet6"} and not [s for s in rows.skipped if "cannot split" in s[2]]


def test_netstat_tables_with_a_prompt_between_pasted_as_one_file(tmp_path):
    result = paste(tmp_path, _two_tables())
    snap = result.report.snapshot
    assert result.report.platform is Platform.MACOS
    assert {Evidence.ROUTES, Evidence.ROUTES6} <= set(snap.captured)
    assert snap.vpn.mode is TunnelMode.SPLIT and "utun4" in snap.vpn.tunnel_interfaces


def test_netstat_masked_row_skips_that_row():
    text = load("macos/netstat-rn--jenkins-5209-openvpn-split-utun4.out")
    lines = text.splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("10.244/14"))
    lines.insert(at, "wan/26             192.168.68.1       UGSc                  en0")
    rows = netstat_rn.parse("\n".join(lines) + "\n")
    assert len(rows) == len(netstat_rn.parse(text)) and "wan/26" in rows.skipped[0][1]
    snap = snap_of(Platform.MACOS, netstat_inet="\n".join(lines) + "\n")
    assert any("wan/26" in t and "skipped" in t for t in snap.trace) and snap.vpn.mode is TunnelMode.SPLIT


# --------------------------------------------------------------------------- what posters do to outputs


def test_nmcli_grep_fragment_takes_its_device_from_the_command(tmp_path):
    text = ("$ nmcli dev show tun0 | grep DNS\nIP4.DNS[1]:                             10.0.0.2\n"
            "IP4.DNS[2]:                             10.0.0.3\n")
    snap = paste(tmp_path, text).report.snapshot
    assert [(r.address, r.interface) for r in snap.dns.resolvers] == [("10.0.0.2", "tun0"), ("10.0.0.3", "tun0")]


def test_a_command_announced_above_prose_names_the_output_below(tmp_path):
    text = "nmcli dev show tun0 | grep DNS\n\nIf the output is this:\n\n```\nIP4.DNS[1]:    10.0.0.2\n```\n"
    result = paste(tmp_path, text)
    (read,) = [p for p in result.inputs if p.read_as]
    assert read.command == "nmcli dev show tun0 | grep DNS"
    assert result.report.snapshot.dns.resolvers[0].interface == "tun0"


def test_nmcli_cut_inside_a_device_is_still_read(tmp_path):
    lines = load("linux/nmcli--ubuntuforums-wireless-info-pia-tun0.out").splitlines()
    at = next(i for i, l in enumerate(lines) if l.startswith("GENERAL.UDI:") and "net/enx" in l)
    devices = nmcli.parse("\n".join(lines[at:]))       # starts after the wifi device's GENERAL.DEVICE
    assert devices[0].device == "enx<IF from MAC [IF2]>" and devices[0].ip4_dns == ("192.168.0.1",)


def test_resolvectl_lines_without_their_link_line(tmp_path):
    text = "Current DNS Server: 10.0.0.2\nDNS Servers: 10.0.0.2\nDNS Domain: corp.example\nProtocols: +DefaultRoute\n"
    assert recognise(text).source_id == "resolvectl"
    snap = paste(tmp_path, text).report.snapshot
    (r,) = snap.dns.resolvers
    assert (r.address, r.interface, r.scope) == ("10.0.0.2", None, ResolverScope.LINK)
    assert "corp.example" in snap.dns.search_domains


def test_a_table_column_and_list_numbers_added_by_a_web_page_are_removed(tmp_path):
    status = load("linux/resolvectl--v257-vpn-split-domains.out")
    piped = "".join("  | " + line for line in status.splitlines(True))
    a = paste(tmp_path, piped, "piped.txt").report.snapshot.dns.resolvers
    b = paste(tmp_path, status, "plain.txt").report.snapshot.dns.resolvers
    assert a == b and a
    rows = load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out").splitlines()
    numbered = "\n".join(rows[:2] + [f"{i}. {row}" for i, row in enumerate(rows[2:], 1)]) + "\n"
    snap = paste(tmp_path, numbered, "numbered.txt").report.snapshot
    assert len(snap.routes) == 7 and snap.vpn.mode is TunnelMode.FULL


def test_route_rows_without_their_header(tmp_path):
    rows = load("linux/route_n--ubuntuforums-wireless-info-def1-tun0.out").splitlines()[2:]
    text = "# netstat -re | grep tun0\n" + "\n".join(r for r in rows if r.endswith("tun0")) + "\n"
    snap = paste(tmp_path, text).report.snapshot
    assert {r.destination for r in snap.routes} == {"0.0.0.0/1", "128.0.0.0/1", "10.175.1.1/32", "10.175.1.5/32"}
    assert snap.vpn.mode is TunnelMode.FULL


def test_sudos_password_prompt_is_not_part_of_the_log(tmp_path):
    log = load("vpn/openvpn-log--rhel-split-custom-dns.out")
    result = paste(tmp_path, "$ sudo openvpn --config client.ovpn\n[sudo] password for alice: \n" + log)
    assert [sid for _f, sid in result.recognised] == ["vpn-log"]
    assert result.report.snapshot.vpn.pushed.dns_servers
