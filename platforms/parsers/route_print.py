"""Parser for Windows ``route print`` (and ``netstat -r``) output, in any language (pure).

The headings are translated (``IPv4 Route Table`` / ``IPv4-Routentabelle`` /
``IPv4 ルート テーブル``; ``Active Routes:`` / ``Aktive Routen:`` / ``アクティブ ルート:``) and
so is the on-link gateway (``On-link`` / ``Auf Verbindung`` / ``リンク上``), so the parser
goes by structure:

* interface-list rows: ``<ifIndex>...<mac bytes> ......<description>``;
* a table starts at a heading line that contains ``IPv4`` or ``IPv6``; inside a table the
  first line ending in ``:`` opens the active routes and the second the persistent ones;
* an IPv4 active row has five columns: destination, netmask, gateway (an address or the
  localised on-link word, possibly two words), interface address, metric; a persistent
  row has four (no interface);
* an IPv6 row is ``<If> <Metric> <prefix> [gateway]``, the gateway wrapping onto the next
  line when the prefix is long.

The ``Metric`` column is the route's effective cost: Windows prints the route metric
plus the interface metric there.  Known languages for the headings: English, German,
Japanese (``KNOWN_LANGUAGES``); the structural rules do not depend on them.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError

KNOWN_LANGUAGES = ("en", "de", "ja")

_TITLES = ("IPv4 Route Table", "IPv4-Routentabelle", "IPv4 ルート テーブル", "Table de routage IPv4",
           "Tabla de rutas IPv4", "Tabela de Rotas IPv4", "IPv4 路由表")
_IFLIST_TITLES = ("Interface List", "Schnittstellenliste", "インターフェイス一覧", "Liste d'Interfaces")

_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_ACTIVE_V4 = re.compile(rf"^\s*(?P<dst>{_V4})\s+(?P<mask>{_V4})\s+(?P<gw>\S.*?)\s+(?P<ifaddr>{_V4})\s+(?P<metric>\d+)\s*$")
_PERSISTENT_V4 = re.compile(rf"^\s*(?P<dst>{_V4})\s+(?P<mask>{_V4})\s+(?P<gw>{_V4})\s+(?P<metric>\d+)\s*$")
_V6_ROW = re.compile(r"^\s*(?P<ifindex>\d+)\s+(?P<metric>\d+)\s+(?P<dst>[0-9A-Fa-f:]+/\d+)(?:\s+(?P<gw>\S.*?))?\s*$")
_V6_WRAP = re.compile(r"^\s{8,}(?P<gw>\S+)\s*$")
_IFLIST_ROW = re.compile(r"^\s*(?P<index>\d+)\.\.\.(?P<mac>(?:[0-9A-Fa-f]{2}|xx)(?: (?:[0-9A-Fa-f]{2}|xx)){5,7})?[ .]*(?P<desc>\S.*?)\s*$")
_SEPARATOR = re.compile(r"^\s*=+\s*$")


@dataclass(frozen=True, slots=True)
class RouteEntry(Record):
    family: str                        # "inet" | "inet6"
    destination: str                   # CIDR
    gateway: str | None = None         # None = on-link (in any language)
    interface_address: str | None = None   # IPv4 rows name the interface by its address
    interface_index: int | None = None     # IPv6 rows name it by ifIndex
    metric: int | None = None          # effective: route metric + interface metric
    persistent: bool = False           # from the "Persistent Routes" section (configuration)


@dataclass(frozen=True, slots=True)
class InterfaceListEntry(Record):
    index: int
    description: str
    mac: str | None = None


@dataclass(frozen=True, slots=True)
class RoutePrintResult(Record):
    interfaces: tuple[InterfaceListEntry, ...] = ()
    routes: tuple[RouteEntry, ...] = ()


def looks_like(text: str) -> bool:
    """True when ``text`` looks like ``route print`` / ``netstat -r`` output."""
    if not text:
        return False
    head = text[:20000]
    if any(t in head for t in _TITLES):
        return True
    rows = sum(1 for line in head.splitlines() if _ACTIVE_V4.match(line))
    return rows >= 2 and bool(re.search(r"^\s*=+\s*$", head, re.M))


def _gateway(text: str | None) -> str | None:
    if not text:
        return None
    text = text.strip()
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None                  # "On-link", "Auf Verbindung", "リンク上", ...
    if ip.is_unspecified:
        return None
    return text


def parse(text: str) -> RoutePrintResult:
    """Parse ``route print`` output.  Raises ParseError when no route row is found."""
    if text is None or not text.strip():
        raise ParseError("route print: empty output")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ifaces: list[InterfaceListEntry] = []
    routes: list[RouteEntry] = []
    family: str | None = None       # table we are in
    section = 0                      # 0 before "Active Routes:", 1 active, 2 persistent
    pending_v6: dict | None = None
    in_iflist = False

    def flush_v6() -> None:
        nonlocal pending_v6
        if pending_v6 is not None:
            routes.append(RouteEntry(**pending_v6))
            pending_v6 = None

    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            continue
        if _SEPARATOR.match(line):
            flush_v6()
            continue
        stripped = line.strip()
        if any(t in stripped for t in _IFLIST_TITLES):
            in_iflist = True
            continue
        if in_iflist:
            m = _IFLIST_ROW.match(line)
            if m:
                mac = m.group("mac")
                ifaces.append(InterfaceListEntry(index=int(m.group("index")), description=m.group("desc"),
                                                 mac=mac if mac and "x" not in mac.lower() else None))
                continue
            in_iflist = False
        # A table heading: mentions IPv4/IPv6, is not a row and not a section label.
        if ("IPv4" in stripped or "IPv6" in stripped) and not stripped.endswith(":") \
                and not _ACTIVE_V4.match(line) and not _V6_ROW.match(line):
            flush_v6()
            family = "inet6" if "IPv6" in stripped else "inet"
            section = 0
            continue
        if stripped.endswith(":") and not _V6_ROW.match(line):
            flush_v6()
            section = 1 if section == 0 else 2
            continue
        m = _ACTIVE_V4.match(line)
        if m and family != "inet6":
            try:  # "00.0.0.0", a non-contiguous mask: not a route row after all
                net = ipaddress.IPv4Network(f"{m.group('dst')}/{m.group('mask')}", strict=False)
            except ValueError:
                continue
            routes.append(RouteEntry(family="inet", destination=str(net), gateway=_gateway(m.group("gw")),
                                     interface_address=m.group("ifaddr"), metric=int(m.group("metric")),
                                     persistent=section == 2))
            continue
        m = _PERSISTENT_V4.match(line)
        if m and family != "inet6":
            try:
                net = ipaddress.IPv4Network(f"{m.group('dst')}/{m.group('mask')}", strict=False)
            except ValueError:
                continue
            routes.append(RouteEntry(family="inet", destination=str(net), gateway=_gateway(m.group("gw")),
                                     metric=int(m.group("metric")), persistent=True))
            continue
        m = _V6_ROW.match(line)
        if m and family != "inet":
            flush_v6()
            try:
                net = ipaddress.IPv6Network(m.group("dst"), strict=False)
            except ValueError:
                continue
            pending_v6 = dict(family="inet6", destination=str(net), gateway=_gateway(m.group("gw")),
                              interface_index=int(m.group("ifindex")), metric=int(m.group("metric")),
                              persistent=section == 2)
            if m.group("gw"):
                flush_v6()
            continue
        m = _V6_WRAP.match(raw)
        if m and pending_v6 is not None:
            pending_v6["gateway"] = _gateway(m.group("gw"))
            flush_v6()
            continue
    flush_v6()
    if not routes and not ifaces:
        raise ParseError("route print: no interface list and no route rows found")
    return RoutePrintResult(interfaces=tuple(ifaces), routes=tuple(routes))
