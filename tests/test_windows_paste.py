"""What users paste from Windows into tickets: PowerShell table/list views, ipconfig /all in
any language and any indentation, route print fragments -- read into the snapshot.

The fixture pairs themselves are checked in test_windows_parsers.py (every
``tests/fixtures/windows/*.out`` against its ``.json``); here: the facts that must reach
the structured snapshot, the tolerance rules, and "a bad line never discards the rest".
"""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.model import Evidence, Family, InterfaceKind, Platform, RawCapture, ResolverScope, SourceCapture, SourceKind, TunnelMode
from platforms.parsers import ipconfig, ps_cmdlets, ps_format, route_print
from platforms.recognize import recognise
from platforms.tunnel import interface_kind
from platforms.windows import WindowsAdapter

FIX = Path(__file__).parent / "fixtures" / "windows"
NOW = "2026-11-28T12:00:00Z"


def text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def snapshot(**sources: str):
    caps = tuple(SourceCapture(id=sid.replace("_", "-"), kind=SourceKind.FILE, text=text(f))
                 for sid, f in sources.items())
    return WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=caps))


def resolvers(snap) -> list[tuple]:
    return [(r.address, r.scope, r.interface, r.order) for r in snap.dns.resolvers]


# --------------------------------------------------------------------------- PowerShell views -> snapshot


def test_four_cmdlet_views_of_one_machine_give_resolvers_metrics_and_default_route():
    snap = snapshot(ps_dnsclientserveraddress="ps-dnsclientserveraddress--de-instanz.out", ps_netipinterface="ps-netipinterface--de-instanz.out",
                    ps_netadapter="ps-netadapter--de-virtio.out",
                    ps_netipconfiguration="ps-netipconfiguration--de-virtio-dns-wrapped.out")
    eth = next(i for i in snap.interfaces if i.index == 12)
    assert (eth.name, eth.description, eth.metric, eth.is_up) == ("Ethernet-Instanz 0", "Red Hat VirtIO Ethernet Adapter",
                                                                   15, True)
    assert [a.address for a in eth.addresses] == ["192.168.122.23"]
    # the same two servers from two cmdlets, once each, on the adapter, in list order
    assert resolvers(snap) == [("9.9.9.9", ResolverScope.LINK, "Ethernet-Instanz 0", 1),
                               ("149.112.112.112", ResolverScope.LINK, "Ethernet-Instanz 0", 2)]
    (default,) = snap.routes
    assert (default.destination, default.gateway, default.interface) == ("0.0.0.0/0", "192.168.122.1",
                                                                          "Ethernet-Instanz 0")
    assert any("Get-NetIPConfiguration default gateway" in t for t in snap.trace)


def test_vpn_adapter_resolvers_from_get_dnsclientserveraddress_table():
    snap = snapshot(ps_dnsclientserveraddress="ps-dnsclientserveraddress--firezone-10387-backtick-prompt.out")
    fz = [r for r in snap.dns.resolvers if r.interface == "Firezone"]
    assert [r.address for r in fz] == ["100.100.111.4", "100.100.111.1", "100.100.111.3", "100.100.111.2"]
    assert all(r.scope is ResolverScope.LINK for r in fz)
    assert "10.255.252.2" in [r.address for r in snap.dns.resolvers if r.interface == "Ethernet"]
    # an adapter known by its alias alone (no description pasted): Firezone names its own adapter
    kinds = {i.name: i.kind for i in snap.interfaces}
    assert kinds["Firezone"] is InterfaceKind.TUNNEL and kinds["Ethernet"] is not InterfaceKind.TUNNEL


def test_an_overlay_vpn_adapter_is_a_tunnel_by_its_description():
    snap = snapshot(ps_netipconfiguration="ps-netipconfiguration--pl-six-adapters-zerotier.out")
    zt = next(i for i in snap.interfaces if i.description == "ZeroTier One Virtual Port")
    assert zt.kind is InterfaceKind.TUNNEL and interface_kind("if9", (), "Clash Tunnel") is InterfaceKind.TUNNEL


def test_interface_metric_orders_resolvers_across_views():
    """Get-NetIPInterface metrics decide which adapter's servers Windows asks first."""
    snap = snapshot(ps_dnsclientserveraddress="ps-dnsclientserveraddress--synapse-msftvpn.out")
    # no metrics: adapter order as printed
    assert [r.interface for r in snap.dns.resolvers][:2] == ["Ethernet", "Ethernet"]
    assert any("interface metrics unknown" in t for t in snap.trace)


def test_get_netroute_table_routes_and_interface_metric():
    snap = snapshot(ps_netroute="ps-netroute--ca-wifi-default.out")
    default = next(r for r in snap.routes if r.destination == "0.0.0.0/0")
    # RouteMetric 0 + ifMetric 50 (the table's own ifMetric column)
    assert (default.gateway, default.metric) == ("192.168.1.1", 50)
    assert next(i for i in snap.interfaces if i.index == 24).metric == 50


def test_persistent_store_rows_are_configuration_not_routes():
    col = ps_cmdlets.parse(text("ps-netroute--dcos-indented-persistent-truncated.out"))
    assert [r.destination for r in col.routes] == ["169.254.169.254/32"]      # "Persiste..." row not read as active
    assert any("PersistentStore" in n for n in col.notes)


def test_nrpt_policy_text_becomes_domain_resolvers():
    snap = snapshot(ps_nrpt="ps-nrpt--ft-table-tilde-prompt.out")
    assert [(r.address, r.scope, r.domains) for r in snap.dns.resolvers] == [
        ("1.2.3.4", ResolverScope.DOMAIN, ("internal.company.tld",)),
        ("1.2.3.4", ResolverScope.DOMAIN, ("sub.domain.tld",))]
    assert [n.namespaces for n in snap.dns.nrpt] == [(".internal.company.tld",), ("sub.domain.tld",)]


def test_nrpt_rule_list_view_and_policies_without_servers():
    rule = ps_cmdlets.parse(text("ps-nrpt--nrpt-rule-dnsmasq-test.out"))
    assert [(p.namespaces, p.servers) for p in rule.nrpt] == [((".test",), ("127.0.0.1",))]
    doc = ps_cmdlets.parse(text("ps-nrpt--msdocs-double-spaced.out"))
    assert [(p.namespaces, p.servers) for p in doc.nrpt] == [((".secure.contoso.com",), ())]   # one record, not 17


def test_ip_configuration_detailed_and_disconnected_records():
    col = ps_cmdlets.parse(text("ps-netipconfiguration--pl-six-adapters-zerotier.out"))
    assert len(col.adapters) == 6
    dmz = next(a for a in col.adapters if a.index == 4)
    assert (dmz.name, dmz.is_up) == ("DMZ", False)
    assert [(g.index, g.next_hop) for g in col.gateways] == [(8, "25.255.255.254"), (13, "192.168.1.1")]
    wifi = [d for d in col.dns_servers if d.index == 13]
    assert [(d.family, d.servers) for d in wifi] == [(Family.INET, ("192.168.1.1",))]
    detailed = ps_cmdlets.parse(text("ps-netipconfiguration--ru-detailed-vagrant.out"))
    (a,) = detailed.adapters
    assert (a.name, a.mac, a.is_up) == ("Беспроводная сеть", "CC-2F-71-D8-2C-3C", True)
    assert detailed.dns_servers[0].servers == ("192.168.11.1",)          # printed twice, used once


# --------------------------------------------------------------------------- PowerShell text tolerance


def test_double_width_aliases_and_ellipsis_truncation():
    """Japanese aliases push rows right of their header; PowerShell 7 cuts with '…'."""
    col = ps_cmdlets.parse(text("ps-netipinterface--ja-wide-aliases-no-store.out"))
    assert {(i.index, i.alias, i.metric) for i in col.ip_interfaces} >= {(20, "イーサネット", 5), (18, "Wi-Fi", 45),
                                                                       (23, "Bluetooth ネットワーク接続", 65)}
    adapters = ps_cmdlets.parse(text("ps-netadapter--ja-hidden-ellipsis.out")).adapters
    bt = next(a for a in adapters if a.index == 23)
    assert (bt.name, bt.description) == ("Bluetooth ネットワーク…", "Bluetooth Device (Personal Area …")
    teredo = next(a for a in adapters if a.index == 15)
    assert (teredo.name, teredo.description, teredo.is_up) == ("Teredo Tunneling Pseudo…", None, False)


def test_cut_server_address_is_dropped_not_guessed():
    col = ps_cmdlets.parse(text("ps-dnsclientserveraddress--fr-vm-truncated.out"))   # header lost its first letter too
    eth6 = next(d for d in col.dns_servers if d.index == 11 and d.family is Family.INET6)
    assert eth6.servers == ("fec0:0:0:ffff::1", "fec0:0:0:ffff::2")
    assert eth6.alias == "Ethernet"
    assert any("cut" in n for n in col.notes)


def test_misaligned_table_is_read_by_value_shape():
    col = ps_cmdlets.parse(text("ps-dnsclientserveraddress--zetcode-misaligned.out"))
    assert [(d.index, d.family, d.servers) for d in col.dns_servers] == [
        (12, Family.INET, ("192.168.1.1", "8.8.8.8")), (7, Family.INET, ("192.168.1.1",)),
        (12, Family.INET6, ("fec0:0:0:ffff::1",))]


@pytest.mark.parametrize("width", [100, 120])
def test_console_wrapped_row_is_joined(width):
    # a real Get-NetRoute row (ps-netroute--ca-wifi-default) wrapped by a narrow console
    row = "24      0.0.0.0/0                                      192.168.1.1                                        0 50       ActiveStore"
    wrapped = (text("ps-netroute--ca-wifi-default.out").split("24      255.255.255.255/32")[0]
               + row[:width] + "\n" + row[width:] + "\n")
    col = ps_cmdlets.parse(wrapped)
    assert [(r.destination, r.next_hop, r.route_metric) for r in col.routes] == [("0.0.0.0/0", "192.168.1.1", 0)]
    assert any("wrapped" in n for n in col.notes) and not col.skipped


def test_headerless_get_netroute_rows():
    col = ps_cmdlets.parse(text("ps-netroute--cisco-wsl2-7-headerless-cut.out"))
    assert len(col.routes) == 10
    assert {(i.index, i.metric) for i in col.ip_interfaces} == {(13, 45), (17, 1), (19, 25)}


def test_unreadable_row_is_skipped_and_the_rest_read():
    good = text("ps-netipinterface--de-instanz.out")
    bad = good.replace("12      Ethernet-Instanz 0", "12      Ethernet-Instanz 0 ###garbled###\n??  !!  \n12      Ethernet-Instanz 0", 1)
    col = ps_cmdlets.parse(bad)
    assert {(i.index, i.family) for i in col.ip_interfaces} == {(1, Family.INET6), (12, Family.INET), (1, Family.INET)}
    assert col.skipped and all(s.startswith("line ") for s in col.skipped)
    snap = WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="ps-netipinterface", kind=SourceKind.FILE, text=bad),)))
    assert any("could not be read and were skipped" in t for t in snap.trace)


def test_list_record_with_a_broken_property_line_keeps_the_others():
    # the Catalan notes hold "Va lidLifetime" (a typo) inside a Get-NetIPAddress record
    fmt = ps_format.parse("IPAddress         : 192.168.1.58\nInterfaceIndex    : 24\nVa lidLifetime     : Infinite\n"
                          "PrefixLength      : 24\n")
    (block,) = fmt.blocks
    assert block.values["PrefixLength"] == "24" and block.bad_lines == ("Va lidLifetime     : Infinite",)


@pytest.mark.parametrize("name,expected", [
    ("ps-dnsclientserveraddress--nl-indented-prompt.out", "ps-dnsclientserveraddress"),
    ("ps-netipconfiguration--ca-wifi.out", "ps-netipconfiguration"),
    ("ps-netroute--cisco-wsl2-7-headerless-cut.out", "ps-netroute"),
    ("ps-nrpt--msdocs-dnssec-trailing-spaces.out", "ps-nrpt"),
])
def test_recognised_as_windows_cmdlet_text(name, expected):
    hit = recognise(text(name))
    assert hit is not None and (hit.source_id, hit.platform) == (expected, Platform.WINDOWS)


# --------------------------------------------------------------------------- ipconfig


@pytest.mark.parametrize("name,adapter,suffix", [
    ("ipconfig--es-openvpn-747-wifi-headerless.out", "Wi-Fi", "panoulu.local"),
    ("ipconfig--es-cloudflare-warp.out", "Wi-Fi", "home"),
    ("ipconfig--fr-title-prompt-indent4.out", "Wi-Fi", "auvence.co"),
    ("ipconfig--zh-win7-isatap-teredo.out", "本地连接", "xxx(lol)"),
    ("ipconfig--ko-parallels-mark-isatap-teredo.out", "이더넷", "localdomain"),
])
def test_localised_labels_keep_the_suffix_and_names_lose_the_type(name, adapter, suffix):
    res = ipconfig.parse(text(name))
    assert res.unknown_labels == ()
    assert suffix in [a.suffix for a in res.adapters if a.name == adapter]


@pytest.mark.parametrize("header,name", [
    ("Adaptador de Ethernet Ethernet 2:", "Ethernet 2"), ("Adaptador de LAN inalámbrica Wi-Fi 2:", "Wi-Fi 2"),
    ("Adaptador desconocido CloudflareWARP:", "CloudflareWARP"), ("Carte réseau sans fil Wi-Fi :", "Wi-Fi"),
    ("Carte Ethernet Ethernet :", "Ethernet"), ("Адаптер Ethernet Ethernet 2:", "Ethernet 2"),
    ("Adaptador Ethernet Ethernet: // Placa de Rede", "Ethernet"), ("以太网适配器 本地连接:", "本地连接"),
    ("PPP 适配器 VPN test for JS:", "VPN test for JS"), ("Unknown adapter wt0:", "wt0"),
    ("Ethernet-Adapter vEthernet (WSL (Hyper-V firewall)):", "vEthernet (WSL (Hyper-V firewall))"),
    ("터널 어댑터 isatap.localdomain:", "isatap.localdomain"),
    ("Неизвестный адаптер OpenVPN Wintun:", "OpenVPN Wintun"),
])
def test_adapter_header_alias(header, name):
    res = ipconfig.parse(f"{header}\n\n   IPv4 Address. . . . . . . . . . . : 10.0.0.2\n"
                         "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\n")
    assert [a.name for a in res.adapters] == [name]


def test_default_gateway_becomes_a_default_route_of_its_adapter():
    snap = snapshot(ipconfig="ipconfig--es-cloudflare-warp.out")
    v4 = [(r.destination, r.gateway, r.interface) for r in snap.routes if r.family is Family.INET]
    assert v4 == [("0.0.0.0/0", "192.168.1.1", "Wi-Fi")]
    assert snap.dns.search_domains == ("home",)
    warp = next(i for i in snap.interfaces if i.name == "CloudflareWARP")
    assert warp.kind is InterfaceKind.TUNNEL and warp.index == 27
    assert [r.address for r in snap.dns.resolvers if r.interface == "CloudflareWARP"] == ["127.0.2.2", "127.0.2.3"]


def test_flush_left_nordlynx_full_tunnel_from_ipconfig_alone():
    """Indentation stripped, DNS continuation lines at column 0, a 0.0.0.0 gateway."""
    snap = snapshot(ipconfig="ipconfig--en-nordlynx-dco-flush-left.out")
    assert [r.address for r in snap.dns.resolvers if r.interface == "NordLynx"] == ["103.86.96.100", "103.86.99.100"]
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("NordLynx",)
    kinds = {i.description: (i.kind, i.is_up) for i in snap.interfaces}
    assert kinds["OpenVPN Data Channel Offload"] == (InterfaceKind.TUNNEL, False)
    assert kinds["TAP-NordVPN Windows Adapter V9"] == (InterfaceKind.TUNNEL, False)


def test_flush_left_aws_tap_from_the_user_guide():
    (a,) = ipconfig.parse(text("ipconfig--en-awsdocs-flush-left-tap.out")).adapters
    assert (a.name, a.description, a.media_disconnected) == ("Ethernet 2", "AWS VPN Client TAP-Windows Adapter V9", True)


def test_headerless_fragment_is_one_unnamed_adapter():
    res = ipconfig.parse("   Connection-specific DNS Suffix  . : corp.example\n"
                         "   IPv4 Address. . . . . . . . . . . : 10.20.30.40\n"
                         "   Subnet Mask . . . . . . . . . . . : 255.255.255.0\n"
                         "   Default Gateway . . . . . . . . . : 10.20.30.1\n"
                         "   DNS Servers . . . . . . . . . . . : 10.20.0.2\n")
    (a,) = res.adapters
    assert (a.name, a.suffix, a.ipv4, a.gateways, a.dns_servers) == ("", "corp.example", ("10.20.30.40/24",),
                                                                     ("10.20.30.1",), ("10.20.0.2",))
    assert ipconfig.looks_like("   IPv4 Address. . . . . . . . . . . : 10.20.30.40\n"
                               "   DNS Servers . . . . . . . . . . . : 10.20.0.2\n")


def test_masked_values_are_skipped_and_reported():
    res = ipconfig.parse(text("ipconfig--pt-masked-values.out"))
    assert len(res.skipped) == 4 and res.adapters[0].name == "Ethernet" and res.adapters[0].ipv4 == ()
    snap = snapshot(ipconfig="ipconfig--pt-masked-values.out")
    assert any("ipconfig: 4 line(s) could not be read" in t for t in snap.trace)


@pytest.mark.parametrize("description,kind", [
    ("Microsoft ISATAP Adapter", InterfaceKind.VIRTUAL), ("Teredo Tunneling Pseudo-Interface", InterfaceKind.VIRTUAL),
    ("Microsoft Teredo Tunneling Adapter", InterfaceKind.VIRTUAL), ("Microsoft 6to4 Adapter", InterfaceKind.VIRTUAL),
    ("Cloudflare WARP Interface Tunnel", InterfaceKind.TUNNEL), ("WireGuard Tunnel", InterfaceKind.TUNNEL),
    ("Wintun Userspace Tunnel", InterfaceKind.TUNNEL), ("TAP-Windows Adapter V9", InterfaceKind.TUNNEL),
    ("OpenVPN Data Channel Offload", InterfaceKind.TUNNEL), ("AWS VPN Client TAP-Windows Adapter V9", InterfaceKind.TUNNEL),
    ("TAP-NordVPN Windows Adapter V9", InterfaceKind.TUNNEL), ("ExpressVPN Tap Adapter", InterfaceKind.TUNNEL),
    ("NordLynx Tunnel", InterfaceKind.TUNNEL),
])
def test_tunnel_by_driver_description(description, kind):
    assert interface_kind("if7", (), description) is kind
    # a "tunnel" ifType (131) or point-to-point flag does not make ISATAP/Teredo a VPN
    if kind is InterfaceKind.VIRTUAL:
        assert interface_kind("if7", ("point-to-point",), description) is InterfaceKind.VIRTUAL


def test_isatap_and_teredo_are_not_vpn_tunnels():
    snap = snapshot(ipconfig="ipconfig--zh-win7-isatap-teredo.out")
    assert snap.vpn.mode is TunnelMode.NONE
    snap = snapshot(ipconfig="ipconfig--ko-parallels-mark-isatap-teredo.out")   # Teredo has addresses here
    assert snap.vpn.mode is TunnelMode.NONE and snap.vpn.tunnel_interfaces == ()


def test_ppp_vpn_with_zero_gateway_is_a_full_tunnel():
    snap = snapshot(ipconfig="ipconfig--zh-pptp-ppp-vpn.out")
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("VPN test for JS",)
    assert [(r.address, r.interface) for r in snap.dns.resolvers] == [("10.10.10.5", "VPN test for JS")]


# --------------------------------------------------------------------------- route print


def test_def1_halves_alone_mean_full_tunnel():
    """route print rows name interfaces by address; without ipconfig nothing says which
    adapter 10.66.77.94 is -- the two /1 halves through it say it is a VPN, full tunnel."""
    snap = snapshot(route_print="route-print--en-openvpn-halves-fragment.out")
    assert snap.vpn.mode is TunnelMode.FULL
    assert snap.vpn.tunnel_interfaces == ("interface 10.66.77.94",)
    assert any("redirect-gateway def1" in r for r in snap.vpn.reasons)


def test_def1_halves_with_ipconfig_name_the_tap_adapter():
    snap = snapshot(ipconfig="ipconfig--zh-openvpn-tap-unknown-adapter.out",
                    route_print="route-print--zh-openvpn-tap-def1.out")
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("本地连接",)
    tap = next(i for i in snap.interfaces if i.name == "本地连接")
    assert (tap.index, tap.description) == (26, "TAP-Windows Adapter V9")


def test_log_prefixed_rows_are_read():
    res = route_print.parse(text("route-print--constructed-log-prefixed-halves.out"))
    assert res.log_prefixed == 3 and [r.destination for r in res.routes] == ["0.0.0.0/0", "0.0.0.0/1", "128.0.0.0/1"]
    snap = snapshot(route_print="route-print--constructed-log-prefixed-halves.out")
    assert snap.vpn.mode is TunnelMode.FULL


@pytest.mark.parametrize("line", [
    "2023-09-05 08:45:39 us=93000 ", "Mon Sep  4 10:00:01 2023 ", "[2024-01-10 12:00:01.123] [pid 4242] ",
    "2024-03-12T10:15:02Z INFO ", "10:15:02.417 [12] ",
])
def test_log_prefix_forms(line):
    row = "          0.0.0.0        128.0.0.0      10.66.77.93      10.66.77.94      3"
    body, had = route_print.strip_log_prefix(line + row)
    assert had and route_print.parse(body + "\n" + body.replace("0.0.0.0        128", "128.0.0.0        128", 1)).routes


def test_lone_interface_list_is_recognised():
    for name in ("route-print--ru-lone-interface-list.out", "route-print--ru-outline-251-tap-isatap-list-cut.out"):
        hit = recognise(text(name))
        assert hit is not None and hit.source_id == "route-print"
    res = route_print.parse(text("route-print--ru-lone-interface-list.out"))
    assert [(i.index, i.description, i.mac) for i in res.interfaces] == [(16, "Virtual Ethernet Adapter", "00 ff 00 ff 00 ff")]


def test_unreadable_route_row_is_skipped_and_the_rest_read():
    good = text("route-print--zh-openvpn-tap-def1.out")
    bad = good.replace("         10.8.0.0    255.255.255.0         10.8.0.5         10.8.0.6    281",
                       "         10.8.0.0    255.255.255.0         10.8.x.x         10.8.0.6    281\n"
                       "         10.9.0.0    255.0.255.0         10.8.0.5         10.8.0.6    281", 1)
    res = route_print.parse(bad)
    assert len(res.routes) == len(route_print.parse(good).routes) - 1
    assert len(res.skipped) == 2 and "gateway not readable" in res.skipped[0]


# --------------------------------------------------------------------------- unknown is not absent


def test_filtered_views_and_plain_ipconfig_claim_no_evidence_they_do_not_hold():
    """``Get-NetIPConfiguration -InterfaceAlias X`` shows one adapter and plain ``ipconfig``
    shows no DNS servers: neither proves that the others have none."""
    from agent.model import Evidence
    whole = snapshot(ps_dnsclientserveraddress="ps-dnsclientserveraddress--de-instanz.out")
    assert whole.has(Evidence.DNS_LINKS)
    filtered = snapshot(ps_netipconfiguration="ps-netipconfiguration--ru-detailed-vagrant.out")
    assert not filtered.has(Evidence.DNS_LINKS) and not filtered.has(Evidence.INTERFACES)
    assert ps_cmdlets.parse(text("ps-netipconfiguration--ru-detailed-vagrant.out")).partial == ("ipConfiguration",)
    assert snapshot(ipconfig="ipconfig--es-cloudflare-warp.out").has(Evidence.DNS_LINKS)
    plain = snapshot(ipconfig="ipconfig--ko-tab-indented.out")
    assert plain.has(Evidence.INTERFACES) and not plain.has(Evidence.DNS_LINKS)
    # default routes from gateways are not a routing table
    assert not snapshot(ipconfig="ipconfig--en-nordlynx-dco-flush-left.out").has(Evidence.ROUTES)


def test_log_prefix_with_pid_columns_keeps_the_interface_index():
    # openconnect-gui's log layout ("2017-12-15 21:45:14 | 1330 | <line>"), seen in the corpus
    body, had = route_print.strip_log_prefix("2017-12-15 21:45:14 | 1330 |  11...52 54 00 29 79 7b ......Intel(R) PRO/1000")
    assert had and body.lstrip().startswith("11...52 54")
    body, had = route_print.strip_log_prefix("2017-12-15 21:45:14 | 1330 |           0.0.0.0          0.0.0.0"
                                             "      192.168.1.1    192.168.1.152     11")
    assert had and route_print._ACTIVE_V4.match(body).group("dst") == "0.0.0.0"


def test_directaccess_nrpt_rule_sends_to_its_directaccess_servers():
    text_ = ("Namespace                        : .corp.contoso.com\n"
             "DirectAccessDnsServers           : {2001:db8:1::2, 2001:db8:2::20,\n"
             "                                   2001:db8:6::6}\n"
             "DirectAccessEnabled              : True\n"
             "NameServers                      :\n")
    (rule,) = ps_cmdlets.parse(text_).nrpt
    assert rule.servers == ("2001:db8:1::2", "2001:db8:2::20", "2001:db8:6::6")


def test_netsh_show_interfaces_gives_interface_metrics():
    snap = snapshot(netsh_interfaces="netsh-interfaces--wsl-anyconnect-metric.out")
    metrics = {i.name: (i.index, i.metric, i.is_up) for i in snap.interfaces}
    assert metrics["Ethernet 2"] == (21, 4000, True) and metrics["Local Area Connection* 1"] == (18, 25, False)


def test_persistent_store_interface_rows_are_not_the_active_metric():
    col = ps_cmdlets.parse(text("ps-netipinterface--anyconnect-persistent-rows.out"))
    assert [(i.family, i.metric, i.connected) for i in col.ip_interfaces] == [(Family.INET6, 25, True),
                                                                            (Family.INET, 1, True)]
    assert col.partial == ("ipInterfaces",)      # "| Where-Object ... | Get-NetIPInterface": one adapter only


def test_headerless_fragment_gateway_and_dns_reach_the_snapshot():
    frag = ("Passerelle par défaut. . . . . . . . . : 10.33.19.254\n"
            "Serveurs DNS. . .  . . . . . . . . . . : 8.8.8.8\n"
            "                                       8.8.4.4\n")
    snap = WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="ipconfig", kind=SourceKind.FILE, text=frag),)))
    assert [(r.destination, r.gateway, r.interface) for r in snap.routes] == [
        ("0.0.0.0/0", "10.33.19.254", "adapter 1 (no header)")]
    assert [r.address for r in snap.dns.resolvers] == ["8.8.8.8", "8.8.4.4"]


def test_alias_is_the_last_hint_for_a_vpn_adapter():
    plain = ("Ethernet adapter Radmin VPN:\n\n"
             "   IPv4 Address. . . . . . . . . . . : 26.241.58.202\n"
             "   Subnet Mask . . . . . . . . . . . : 255.0.0.0\n")
    snap = WindowsAdapter().parse(RawCapture(platform=Platform.WINDOWS, collected_at=NOW, sources=(
        SourceCapture(id="ipconfig", kind=SourceKind.FILE, text=plain),)))
    assert next(i for i in snap.interfaces if i.name == "Radmin VPN").kind is InterfaceKind.TUNNEL
    assert any("by its alias alone" in t for t in snap.trace)
    # a driver description, when there is one, decides: the alias is not used
    snap = snapshot(ipconfig="ipconfig--zh-pptp-ppp-vpn.out")
    assert not any("by its alias alone" in t for t in snap.trace)


@pytest.mark.parametrize("header,name", [
    ("*Ethernet-Adapter VirtualBox Host-Only Network #2:*", "VirtualBox Host-Only Network #2"),
    ("`   `**Ethernet adapter Ethernet 2:**", "Ethernet 2"),
])
def test_markdown_emphasis_and_code_span_indentation(header, name):
    # a document export (corpus dev: a German ipconfig with every line in italics and the
    # indentation turned into `   ` code spans)
    res = ipconfig.parse(f"{header}\n\n`   `*IPv4-Adresse  . . . . . . . . . . : 192.168.208.1*\n"
                         "`   `*Subnetzmaske  . . . . . . . . . . : 255.255.255.0*\n")
    assert [(a.name, a.ipv4) for a in res.adapters] == [(name, ("192.168.208.1/24",))]


def test_a_lone_dns_servers_line_with_its_continuation_lines_is_ipconfig():
    # a French lab report's fragment: one labelled line with a dot leader, two indented addresses under it
    frag = text("ipconfig--fr-dns-servers-fragment.out")
    assert recognise(frag).source_id == "ipconfig"
    snap = snapshot(ipconfig="ipconfig--fr-dns-servers-fragment.out")
    assert [r.address for r in snap.dns.resolvers] == ["10.33.10.2", "10.33.10.148", "10.33.10.155"]
    # a header-less fragment is no adapter inventory: no "no tunnel", no "these are all the DNS servers"
    assert not snap.has(Evidence.INTERFACES) and not snap.has(Evidence.DNS_LINKS)
    # the same line without the continuation lines is one labelled line of prose-like text: not enough
    assert recognise(frag.splitlines()[0] + "\n") is None


def test_a_table_without_dash_line_and_padding_is_read_by_its_row_shape():
    # a web page collapsed every run of spaces and dropped the dash line: header words, then typed rows
    name = "ps-netipinterface--windowsserverdocs-5949-collapsed-rows.out"
    assert recognise(text(name)).source_id == "ps-netipinterface"
    snap = snapshot(ps_netipinterface=name)
    (vpn,) = snap.interfaces
    assert (vpn.name, vpn.index, vpn.metric) == ("My-VPN", 35, 25)      # the later table: the current state
    # a prose line that names the columns among other words is no header
    prose = "The ifIndex InterfaceAlias AddressFamily and InterfaceMetric columns matter:\n35 My-VPN IPv4 1400 10 Disabled Connected ActiveStore\n"
    assert recognise(prose) is None
