"""Tunnel detection shared by every adapter (pure).

Which interfaces are VPN tunnels, and is the tunnel full or split?  Decided from the
interface inventory and the routing table, with every reason recorded:

* an interface is a tunnel by its name (tun/tap/utun/wg/ppp/ipsec), its point-to-point
  flag, or (Windows) its driver description (TAP-Windows, AWS VPN Client TAP, Wintun,
  OpenVPN Data Channel Offload, WireGuard, Cloudflare WARP, ...) -- never by a localised
  alias.  Windows' IPv6 transition pseudo-interfaces (ISATAP, Teredo, 6to4, IP-HTTPS) are
  tunnels to Windows but not VPNs: they are virtual, whatever their flags say;
* an interface that carries both 0.0.0.0/1 and 128.0.0.0/1 is a VPN tunnel whatever its
  name: only ``redirect-gateway def1`` (OpenVPN, and clients built on it) installs that
  pair -- this is what tells a pasted ``route print`` alone, whose rows name interfaces
  by address, apart from "no VPN";
* full tunnel: a default route, or the 0.0.0.0/1 + 128.0.0.0/1 pair, goes through a
  tunnel interface (the pair needs no 0/0 row through the tunnel: the LAN default stays);
* split tunnel: only narrower prefixes go through it.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable

from agent.i18n import _
from agent.model import Interface, InterfaceKind, LinkSearch, Resolver, Route, TunnelMode, VpnClient, VpnEvidence
from agent.overlay import is_overlay_resolver

_TUNNEL_NAME = re.compile(r"^(tun|tap|utun|wg|ppp|ipsec|gpd|vpn|tailscale|zt|nordlynx|cscotun|ovpn-dco)\d*", re.I)
_TUNNEL_DESCRIPTION = re.compile(
    r"TAP-Windows|TAP-Win32|\bTAP-\w+ Windows Adapter|AWS VPN Client|Wintun|OpenVPN Data Channel Offload|OpenVPN|"
    r"WireGuard|Cloudflare WARP|NordLynx|Cisco AnyConnect|PANGP|Fortinet|Juniper|TAP Adapter|Tailscale Tunnel|"
    r"Userspace Tunnel|\bVPN\b|\bClash\b|Firezone|ZeroTier", re.I)
# Windows' IPv6 transition and debug pseudo-interfaces: "tunnel" type, never a VPN.
_PSEUDO_TUNNEL_DESCRIPTION = re.compile(r"ISATAP|Teredo|6to4|IP-HTTPS|Kernel Debug", re.I)
_VIRTUAL_NAME = re.compile(r"^(docker|br-|virbr|veth|vmnet|vboxnet|bridge|lxc|lxd|cni|flannel|cali|anpi|llw|awdl)", re.I)
_WIRELESS_NAME = re.compile(r"^(wl|wlan|wifi|ath|ra)\d*", re.I)
_ETHERNET_NAME = re.compile(r"^(eth|en|em|eno|ens|enp|enx)\w*", re.I)

_HALF_LOW = ipaddress.ip_network("0.0.0.0/1")
_HALF_HIGH = ipaddress.ip_network("128.0.0.0/1")
_V6_DEFAULT_HALVES = {ipaddress.ip_network("::/1"), ipaddress.ip_network("8000::/1"),
                      ipaddress.ip_network("2000::/3")}


def interface_kind(name: str, flags: Iterable[str] = (), description: str | None = None) -> InterfaceKind:
    """Guess an interface's kind from locale-free facts (name, flags, driver description)."""
    flags = {f.lower() for f in flags}
    if name == "lo" or name.startswith("lo0") or "loopback" in flags:
        return InterfaceKind.LOOPBACK
    if description and _PSEUDO_TUNNEL_DESCRIPTION.search(description):
        return InterfaceKind.VIRTUAL
    if description and _TUNNEL_DESCRIPTION.search(description):
        return InterfaceKind.TUNNEL
    if _TUNNEL_NAME.match(name) or "pointopoint" in flags or "point-to-point" in flags or "pointtopoint" in flags:
        return InterfaceKind.TUNNEL
    if _VIRTUAL_NAME.match(name):
        return InterfaceKind.VIRTUAL
    if _WIRELESS_NAME.match(name) or (description and re.search(r"wi-?fi|wireless|802\.11|wlan", description, re.I)):
        return InterfaceKind.WIRELESS
    if _ETHERNET_NAME.match(name) or (description and re.search(r"ethernet|gbe|nic", description, re.I)):
        return InterfaceKind.ETHERNET
    return InterfaceKind.OTHER


def _routable(route: Route) -> bool:
    return route.type in ("unicast", "") and route.table in ("main", "default", "254", "") and not route.scoped


def _longer_than_1(destination: str) -> bool:
    """True when the CIDR text plainly has a prefix length of 2 or more (a cheap string
    test: parsing 100,000 prefixes with ipaddress costs a second)."""
    _addr, sep, plen = destination.partition("/")
    return bool(sep) and plen.isascii() and plen.isdigit() and int(plen) > 1


def _def1_carriers(interfaces: tuple[Interface, ...], routes: tuple[Route, ...]) -> set[str]:
    """Names of the (non-loopback) interfaces that carry both redirect-gateway def1 halves."""
    low: set[str] = set()
    high: set[str] = set()
    for r in routes:
        if r.interface is None or _longer_than_1(r.destination) or not _routable(r):
            continue
        net = r.network
        if net == _HALF_LOW:
            low.add(r.interface)
        elif net == _HALF_HIGH:
            high.add(r.interface)
    loopbacks = {i.name for i in interfaces if i.kind is InterfaceKind.LOOPBACK}
    return (low & high) - loopbacks


def detect_tunnel(interfaces: Iterable[Interface], routes: Iterable[Route]) -> VpnEvidence:
    """Decide the tunnel mode from interfaces and routes; every decision gives a reason."""
    interfaces = tuple(interfaces)
    routes = tuple(routes)
    reasons: list[str] = []
    tunnels: list[str] = []
    def1 = _def1_carriers(interfaces, routes)
    for iface in interfaces:
        if iface.kind is not InterfaceKind.TUNNEL and iface.name in def1 and iface.is_up is not False:
            tunnels.append(iface.name)
            reasons.append(_("{interface} carries 0.0.0.0/1 and 128.0.0.0/1 (what redirect-gateway def1 installs): "
                             "a VPN tunnel, whatever its name").format(interface=iface.name))
            continue
        if iface.kind is InterfaceKind.TUNNEL and iface.is_up is not False:
            tunnels.append(iface.name)
            why = (_("description {description}").format(description=repr(iface.description))
                   if iface.description and _TUNNEL_DESCRIPTION.search(iface.description) else _("its name/flags"))
            reasons.append(_("{interface} is a tunnel interface ({why})").format(interface=iface.name, why=why))
        elif iface.kind is InterfaceKind.TUNNEL:
            reasons.append(_("{interface} is a tunnel interface but it is down: ignored").format(interface=iface.name))
    if not tunnels:
        reasons.append(_("no tunnel interface (tun/tap/utun/TAP-Windows/Wintun) is up"))
        return VpnEvidence(mode=TunnelMode.NONE, reasons=tuple(reasons))

    via_tunnel = [r for r in routes if r.interface in tunnels and _routable(r)]
    seen: dict[str, None] = {}                # ordered set: a list here was O(n^2) on big tables
    has_low = has_high = has_default = False
    for r in via_tunnel:
        if not _longer_than_1(r.destination):   # only a /0 or /1 can be a default or a half
            net = r.network
            if net.prefixlen == 0:
                has_default = True
            elif net == _HALF_LOW:
                has_low = True
            elif net == _HALF_HIGH:
                has_high = True
        seen.setdefault(r.destination)
    tunnel_routes = list(seen)

    if has_low and has_high:
        reasons.append(_("0.0.0.0/1 and 128.0.0.0/1 go through the tunnel (redirect-gateway def1): full tunnel"))
        mode = TunnelMode.FULL
    elif has_default:
        reasons.append(_("the default route goes through the tunnel: full tunnel"))
        mode = TunnelMode.FULL
    elif via_tunnel:
        prefixes = ", ".join(tunnel_routes[:8]) + (" ..." if len(tunnel_routes) > 8 else "")
        reasons.append(_("only some prefixes go through the tunnel ({prefixes}): split tunnel").format(prefixes=prefixes))
        mode = TunnelMode.SPLIT
    elif not routes:
        reasons.append(_("the routing table could not be read: tunnel mode unknown"))
        mode = TunnelMode.UNKNOWN
    else:
        reasons.append(_("a tunnel interface is up but no route goes through it: tunnel mode unknown"))
        mode = TunnelMode.UNKNOWN
    return VpnEvidence(mode=mode, tunnel_interfaces=tuple(tunnels), reasons=tuple(reasons),
                       tunnel_routes=tuple(tunnel_routes))


# --------------------------------------------------------------------------- which client

# The adapters and interfaces VPN clients create under their own names (a Windows driver
# description or alias, a Linux/macOS interface name).  A generic driver -- "TAP-Windows
# Adapter V9", "Wintun Userspace Tunnel", "OpenVPN Data Channel Offload" -- ships with many
# clients (OpenVPN GUI, openconnect-gui, Outline, PIA, NordVPN...) and names none of them;
# neither does a tun0/utun3/ppp0 device or a user's own alias ("My-VPN").
_AWS_ADAPTER = re.compile(r"AWS VPN Client", re.I)
_CONNECT_ADAPTER = re.compile(r"OpenVPN Connect", re.I)
# the aliases the OpenVPN 2.5+ installer gives the adapters it creates (names only: NordVPN's
# is "OpenVPN Data Channel Offload for NordVPN", a truncated column could be either)
_OPENVPN_ALIAS = re.compile(r"^OpenVPN (?:TAP-Windows6|Wintun|Data Channel Offload)(?: #\d+)?$", re.I)
_OTHER_ADAPTER = re.compile(
    r"AnyConnect|Cisco Secure Client|Cisco Systems VPN|WireGuard|Tailscale|ZeroTier|NordVPN|NordLynx|ExpressVPN|"
    r"Hotspot ?Shield|AnchorFree|Private Internet Access|Windscribe|Proton ?VPN|Mullvad|Surfshark|CyberGhost|"
    r"IPVanish|Radmin VPN|Hamachi|SoftEther|Cloudflare ?WARP|PANGP|GlobalProtect|FortiClient|Fortinet|"
    r"Pulse Secure|Juniper Networks Virtual|Ivanti|SonicWall|NetExtender|Check Point Virtual|Zscaler|\bClash\b|"
    r"^outline-tap|Firezone|NetBird|Twingate", re.I)
# Linux/macOS interface names only one client uses
_OTHER_NAME = re.compile(r"^(?:tailscale\d*|nordlynx|CloudflareWARP|wg-mullvad)$", re.I)
# Tailscale's MagicDNS: its domain (its resolver addresses: agent.overlay)
_TAILSCALE_DOMAIN = re.compile(r"(?:^|\.)ts\.net\.?$", re.I)
# resolv.conf headers (DnsConfig.resolv_conf_by) that name a VPN client
_WRITERS = {"openvpn3": VpnClient.OPENVPN3, "tailscale": VpnClient.OTHER, "netbird": VpnClient.OTHER,
            "zerotier": VpnClient.OTHER, "nordvpn": VpnClient.OTHER, "mullvad": VpnClient.OTHER,
            "protonvpn": VpnClient.OTHER, "expressvpn": VpnClient.OTHER}


def adapter_client(iface: Interface) -> VpnClient | None:
    """The VPN client an adapter or interface names by itself (None for a generic driver)."""
    text = " | ".join(x for x in (iface.name, iface.description or "") if x)
    if _AWS_ADAPTER.search(text):
        return VpnClient.AWS_VPN_CLIENT
    if _CONNECT_ADAPTER.search(text):
        return VpnClient.OPENVPN_CONNECT
    if _OTHER_NAME.match(iface.name) or any(_OTHER_ADAPTER.search(x) for x in (iface.name, iface.description or "") if x):
        return VpnClient.OTHER
    if _OPENVPN_ALIAS.match(iface.name.strip()):
        return VpnClient.OPENVPN
    return None


def client_shown(interfaces: Iterable[Interface], tunnels: Iterable[str] = (), resolvers: Iterable[Resolver] = (),
                 link_search: Iterable[LinkSearch] = (), search_domains: Iterable[str] = (),
                 resolv_conf_by: str = "") -> tuple[VpnClient | None, str]:
    """(client, why) when the captures themselves name a VPN client other than by its log: an
    adapter's own description or name, Tailscale's MagicDNS, a resolv.conf header -- not the
    "openvpn" search domain on a macOS utun (Tunnelblick sets it, and so do OpenVPN 3 core
    apps such as eduVPN).  What is live (an adapter up or carrying the tunnel, the DNS
    configuration) counts before what is only installed (an adapter down or of unknown
    state); when that still names two clients, none is chosen."""
    tunnels = set(tunnels)
    found: list[tuple[int, VpnClient, str]] = []
    for iface in interfaces:
        client = adapter_client(iface)
        if client is not None:
            live = iface.name in tunnels or iface.is_up is True
            what = f"{iface.name!r}" + (f" ({iface.description})" if iface.description else "")
            found.append((0 if live else 1, client, f"adapter {what}" + ("" if live else ", not up")))
    resolvers = tuple(resolvers)
    domains = [d for r in resolvers for d in r.domains] + [d for ls in link_search for d in ls.domains]
    for domain in dict.fromkeys(domains + list(search_domains)):
        if _TAILSCALE_DOMAIN.search(domain.strip().lstrip("~")):
            found.append((0, VpnClient.OTHER, f"Tailscale's MagicDNS domain {domain}"))
    for r in resolvers:
        if is_overlay_resolver(r.address):
            found.append((0, VpnClient.OTHER, f"Tailscale's MagicDNS resolver {r.address}"))
    if resolv_conf_by in _WRITERS:
        found.append((0, _WRITERS[resolv_conf_by], f"/etc/resolv.conf written by {resolv_conf_by}"))
    if not found:
        return None, ""
    best = min(tier for tier, _c, _w in found)
    chosen = [(c, w) for tier, c, w in found if tier == best]
    clients = list(dict.fromkeys(c for c, _w in chosen))
    if len(clients) > 1:
        return None, "the captures name several VPN clients (" + "; ".join(
            f"{c.value}: {w}" for c, w in chosen) + "): none chosen"
    return clients[0], "; ".join(dict.fromkeys(w for _c, w in chosen))
