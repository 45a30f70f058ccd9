"""Parser for ``nmcli device show`` (``nmcli dev show [IFNAME]``, ``nmcli -t ...``,
``nmcli -f ALL ...``, ``nmcli connection show NAME``), for pasted outputs (pure).

The adapter does not run nmcli (its values are translated: a real capture shows Polish
states); help desks paste it, and ``analyze`` reads it.  The property names
(``GENERAL.DEVICE``, ``IP4.DNS[1]``) are not translated, so they are what we key on.

Layouts read:

* the default multiline one, values padded to column 41 (``IP4.DNS[1]:      10.0.0.2``);
* terse ``-t`` (``IP4.DNS[1]:10.0.0.2``), where a tabular terse value escapes ``:`` as
  ``\\:`` (``GENERAL.HWADDR:52\\:54\\:00...``);
* ``-f IP4 ... show tun0`` without any ``GENERAL.DEVICE`` line: one device whose name is
  not in the text (the caller may know it from the command line: ``device=``);
* NetworkManager 0.9's ``IP4.ADDRESS[1]: ip = 10.0.0.5/24, gw = 10.0.0.1``.

``parse(text) -> tuple[NmcliDevice, ...]``, one per ``GENERAL.DEVICE`` block;
``resolvers(devices)`` gives the per-device DNS servers as Resolver records (scope LINK:
NetworkManager hands them to resolved or to resolv.conf per device), ``routes(devices)``
the routes NetworkManager lists (``IP4.ROUTE``, and ``IP4.GATEWAY`` as a default route when
no listed route is one), ``interfaces(devices)`` the devices with their kind, state and
addresses.  Lines that are not ``PROPERTY: value`` (prompts, a poster's ``...``) are
skipped.  Text without any device property raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.model import Family, IfAddress, Interface, InterfaceKind, Resolver, ResolverScope, Route
from agent.serial import Record
from platforms.base import ParseError
from platforms.tunnel import interface_kind

_LINE = re.compile(r"^(?P<key>[A-Z0-9-]+(?:\.[A-Za-z0-9_-]+)+)(?:\[(?P<n>\d+)\])?:[^\S\n]*(?P<value>[^\n]*?)[^\S\n]*$")
_DEVICE_KEYS = ("GENERAL.DEVICE", "GENERAL.DEVICES")
_ROUTE = re.compile(r"dst\s*=\s*(?P<dst>[^,\s]+)\s*,\s*nh\s*=\s*(?P<nh>[^,\s]+)(?:\s*,\s*mt\s*=\s*(?P<mt>\d+))?"
                    r"(?:.*?\btable\s*=\s*(?P<table>\w+))?")
_OLD_ADDRESS = re.compile(r"ip\s*=\s*(?P<ip>[^,\s]+)(?:\s*,\s*gw\s*=\s*(?P<gw>[^,\s]+))?")
# GENERAL.TYPE values (nm-device-type names, never translated)
_KIND = {"tun": InterfaceKind.TUNNEL, "wireguard": InterfaceKind.TUNNEL, "vpn": InterfaceKind.TUNNEL,
         "ppp": InterfaceKind.TUNNEL, "ip-tunnel": InterfaceKind.TUNNEL, "wifi": InterfaceKind.WIRELESS,
         "ethernet": InterfaceKind.ETHERNET, "loopback": InterfaceKind.LOOPBACK, "bridge": InterfaceKind.VIRTUAL,
         "veth": InterfaceKind.VIRTUAL, "dummy": InterfaceKind.VIRTUAL, "macvlan": InterfaceKind.VIRTUAL}


@dataclass(frozen=True, slots=True)
class NmcliDevice(Record):
    device: str                           # "" when the text does not name it
    type: str | None = None
    state: str | None = None              # e.g. "100 (connected)" (the text part may be translated)
    connection: str | None = None
    ip4_addresses: tuple[str, ...] = ()
    ip4_gateway: str | None = None
    ip4_dns: tuple[str, ...] = ()
    ip4_domains: tuple[str, ...] = ()
    ip4_routes: tuple[str, ...] = ()
    ip6_addresses: tuple[str, ...] = ()
    ip6_gateway: str | None = None
    ip6_dns: tuple[str, ...] = ()
    ip6_domains: tuple[str, ...] = ()
    ip6_routes: tuple[str, ...] = ()
    mtu: int | None = None

    @property
    def state_code(self) -> int | None:
        m = re.match(r"^\s*(\d+)", self.state or "")
        return int(m[1]) if m else None

    @property
    def is_up(self) -> bool | None:
        """NetworkManager's word: activated (100) is up, unavailable/disconnected (20-30) is
        down; unmanaged (10) tells nothing -- an ``openvpn`` started by hand makes an
        unmanaged tun0 that is up."""
        code = self.state_code
        if code is None or code == 10 or code == 0:
            return None
        if code >= 100:
            return True
        return False if code <= 30 else None


def _none(value: str) -> str | None:
    return None if value in ("", "--") else value


def _unescape(value: str) -> str:
    return value.replace("\\:", ":").replace("\\\\", "\\") if "\\" in value else value


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _device(props: dict[str, list[str]], name: str) -> NmcliDevice:
    def one(key: str) -> str | None:
        vals = props.get(key) or []
        return _none(vals[0]) if vals else None

    def many(key: str) -> tuple[str, ...]:
        return tuple(v for v in (props.get(key) or []) if _none(v))

    ip4_addresses, ip4_gateway = [], one("IP4.GATEWAY")
    for value in many("IP4.ADDRESS"):
        old = _OLD_ADDRESS.match(value)
        if old:                                     # NetworkManager 0.9
            ip4_addresses.append(old["ip"])
            if ip4_gateway is None and old["gw"] and old["gw"] != "0.0.0.0":
                ip4_gateway = old["gw"]
        else:
            ip4_addresses.append(value)
    mtu = one("GENERAL.MTU")
    return NmcliDevice(
        device=name, type=one("GENERAL.TYPE"), state=one("GENERAL.STATE"),
        connection=one("GENERAL.CONNECTION"),
        ip4_addresses=tuple(ip4_addresses), ip4_gateway=ip4_gateway,
        ip4_dns=tuple(v for v in many("IP4.DNS") if _valid_ip(v)), ip4_domains=many("IP4.DOMAIN"),
        ip4_routes=many("IP4.ROUTE"),
        ip6_addresses=many("IP6.ADDRESS"), ip6_gateway=one("IP6.GATEWAY"),
        ip6_dns=tuple(v for v in many("IP6.DNS") if _valid_ip(v)), ip6_domains=many("IP6.DOMAIN"),
        ip6_routes=many("IP6.ROUTE"),
        mtu=int(mtu) if mtu and mtu.isdigit() and len(mtu) < 7 else None,
    )


def parse(text: str, device: str | None = None) -> tuple[NmcliDevice, ...]:
    """The devices in ``text``.  ``device`` names a device the text does not name (the
    IFNAME of ``nmcli -f IP4 dev show IFNAME``)."""
    blocks: list[tuple[str, dict[str, list[str]]]] = []
    props: dict[str, list[str]] | None = None
    for raw in (text or "").splitlines():
        m = _LINE.match(raw.strip())
        if not m:
            continue
        key, value = m["key"], _unescape(m["value"])
        if key in _DEVICE_KEYS:
            props = {}
            blocks.append((value.split(",")[0].strip() if value not in ("", "--") else "", props))
        elif props is None:
            if not key.startswith(("IP4.", "IP6.", "GENERAL.", "DHCP4.", "DHCP6.")):
                continue
            props = {}
            blocks.append(((device or ""), props))
        props.setdefault(key, []).append(value)
    named = []
    for name, p in blocks:
        if not name:     # a fragment without GENERAL.DEVICE: GENERAL.IP-IFACE names it, else the caller
            iface = [v for v in p.get("GENERAL.IP-IFACE", []) if v not in ("", "--")]
            name = iface[0] if iface else (device or "")
        named.append((name, p))
    devices = tuple(_device(p, name) for name, p in named if p or name)
    if not devices:
        raise ParseError("no `GENERAL.DEVICE:` or `IP4.*:` line: not `nmcli device show` output")
    return devices


def resolvers(devices: tuple[NmcliDevice, ...]) -> tuple[Resolver, ...]:
    out = []
    for dev in devices:
        for order, addr in enumerate(dev.ip4_dns + dev.ip6_dns):
            out.append(Resolver(address=addr, scope=ResolverScope.LINK, interface=dev.device or None,
                                domains=dev.ip4_domains + dev.ip6_domains, order=order,
                                origin=f"nmcli device {dev.device or '(unnamed)'}"))
    return tuple(out)


def _route(value: str, family: Family, device: str) -> Route | None:
    m = _ROUTE.search(value)
    if not m:
        return None
    dst, nh = m["dst"], m["nh"]
    try:
        net = ipaddress.ip_network(dst, strict=False)
        gateway = str(ipaddress.ip_address(nh)) if nh not in ("0.0.0.0", "::") else None
    except ValueError:
        return None
    if (net.version == 6) != (family is Family.INET6):
        return None
    table = m["table"]
    return Route(family=family, destination=str(net), gateway=gateway, interface=device or None,
                 metric=int(m["mt"]) if m["mt"] and len(m["mt"]) < 11 else None,
                 table="main" if table in (None, "254", "main") else table, protocol="nm")


def routes(devices: tuple[NmcliDevice, ...]) -> tuple[Route, ...]:
    """The routes NetworkManager lists per device; the device's gateway becomes a default
    route when no listed route is one (older NetworkManager lists it only as IP4.GATEWAY)."""
    out: list[Route] = []
    for dev in devices:
        for family, values, gateway, default in ((Family.INET, dev.ip4_routes, dev.ip4_gateway, "0.0.0.0/0"),
                                                 (Family.INET6, dev.ip6_routes, dev.ip6_gateway, "::/0")):
            found = [r for r in (_route(v, family, dev.device) for v in values) if r is not None]
            if gateway and _valid_ip(gateway) and not any(r.destination == default for r in found):
                found.append(Route(family=family, destination=default, gateway=gateway,
                                   interface=dev.device or None, protocol="nm"))
            out.extend(found)
    return tuple(dict.fromkeys(out))


def _if_address(value: str, family: Family) -> IfAddress | None:
    addr, _, plen = value.partition("/")
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return None
    if (ip.version == 6) != (family is Family.INET6):
        return None
    return IfAddress(family=family, address=str(ip), prefixlen=int(plen) if plen.isdigit() and len(plen) < 4 else None)


def interfaces(devices: tuple[NmcliDevice, ...]) -> tuple[Interface, ...]:
    out: dict[str, Interface] = {}
    for dev in devices:
        if not dev.device or dev.device in out:
            continue
        kind = _KIND.get((dev.type or "").lower()) or interface_kind(dev.device)
        addrs = tuple(a for a in ([_if_address(v, Family.INET) for v in dev.ip4_addresses]
                                  + [_if_address(v, Family.INET6) for v in dev.ip6_addresses]) if a is not None)
        out[dev.device] = Interface(name=dev.device, kind=kind, is_up=dev.is_up, mtu=dev.mtu, addresses=addrs)
    return tuple(out.values())


def looks_like(text: str) -> bool:
    if re.search(r"^[^\S\n]*GENERAL\.DEVICES?:[^\S\n]*\S", text, re.M):
        return True
    # `nmcli -t -f IP4 dev show tun0`, `nmcli dev show | grep DNS`, a paste cut in a device:
    # no device line, but nmcli's numbered IP4/IP6 properties (no other tool prints these)
    return bool(re.search(r"^[^\S\n]*IP[46]\.(?:ADDRESS|DNS|ROUTE|DOMAIN)\[\d+\]:", text[:100_000], re.M))
