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
Japanese, Spanish, French, Portuguese, Chinese, Russian, Korean (``KNOWN_LANGUAGES``);
the structural rules do not depend on them.

Pastes: a row may carry a log prefix (``2023-09-05 08:45:39 us=93000``, ``[1234]``,
``Mon Sep  4 10:00:01 2023``) when the table was copied out of a VPN client's log; an
interface list may come alone (``route print -4`` cut after it), interface-list rows are
recognised by their shape (``16...00 ff 00 ff 00 ff ......TAP-Windows Adapter V9``) in
any language; rows may come without any heading.  A row-shaped line that cannot be read
(a masked address, a non-contiguous mask) is reported in ``skipped`` and never discards
the rest.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError

KNOWN_LANGUAGES = ("en", "de", "ja", "es", "fr", "pt", "zh", "ru", "ko")

_TITLES = ("IPv4 Route Table", "IPv4-Routentabelle", "IPv4 ルート テーブル", "Table de routage IPv4",
           "Tabla de rutas IPv4", "Tabela de Rotas IPv4", "IPv4 路由表", "IPv4 таблица маршрута",
           "IPv4 경로 테이블", "Tabella route IPv4")
_IFLIST_TITLES = ("Interface List", "Schnittstellenliste", "インターフェイス一覧", "Liste d'Interfaces",
                  "Lista de interfaces", "Lista de Interfaces", "接口列表", "介面清單", "Список интерфейсов",
                  "인터페이스 목록", "Elenco interfacce", "Lista interfejsów", "Arabirim Listesi", "Interfacelijst")
_HEADER_WORDS = ("Network Destination", "Netzwerkziel", "ネットワーク宛先", "Destination réseau", "Destino de red",
                 "Destino de Rede", "网络目标", "Сетевой адрес", "네트워크 대상")
# a row copied out of a log: timestamp (ISO, ctime, US, time only, OpenVPN "us="), then
# optional [pid]/(pid)/pid=N/"| 1330 |" columns and a level word
_LOG_PREFIX = re.compile(
    r"^\s*\[?(?:\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?(?:Z|[+-]\d{2}:?\d{2}))?"
    r"|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}"
    r"|\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}:\d{2}(?: ?[AP]M)?"
    r"|[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}"
    r"|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)\]?"
    r"(?:\s+us=\d+)?"
    r"(?:\s*(?:\[[^\]\n]{0,40}\]|\(\s*\d+\s*\)|<\d+>|pid[:=]?\s*\d+|PID\s+\d+|[\w.-]{1,30}\[\d+\]:|\|\s*\d{1,10}\s*(?=\|)))*"
    r"(?:\s*\|(?= ))?"
    r"(?:\s+(?:TRACE|DEBUG|DBG|INFO|INF|NOTICE|WARN|WARNING|WRN|ERROR|ERR)\b:?)?")

_V4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_ACTIVE_V4 = re.compile(rf"^\s*(?P<dst>{_V4})\s+(?P<mask>{_V4})\s+(?P<gw>\S.*?)\s+(?P<ifaddr>{_V4})\s+(?P<metric>\d+)\s*$")
_PERSISTENT_V4 = re.compile(rf"^\s*(?P<dst>{_V4})\s+(?P<mask>{_V4})\s+(?P<gw>{_V4})\s+(?P<metric>\d+|[^\W\d]\w*)\s*$")
_V6_ROW = re.compile(r"^\s*(?P<ifindex>\d+)\s+(?P<metric>\d+)\s+(?P<dst>[0-9A-Fa-f:]+/\d+)(?:\s+(?P<gw>\S.*?))?\s*$")
_V6_WRAP = re.compile(r"^\s{8,}(?P<gw>\S+)\s*$")
_IFLIST_ROW = re.compile(r"^\s*(?P<index>\d+)\.\.\.(?P<mac>(?:[0-9A-Fa-f]{2}|xx)(?: (?:[0-9A-Fa-f]{2}|xx)){5,7})?[ .]*(?P<desc>\S.*?)\s*$")
# an interface-list row by its shape alone (no title needed)
_IFLIST_SHAPE = re.compile(r"^\s*\d{1,6}\.\.\.(?:(?:[0-9A-Fa-f]{2}|xx)(?: (?:[0-9A-Fa-f]{2}|xx)){5,7}(?: \.{2,}| \S)|\.{10,}\S)")
_ROWISH = re.compile(r"^\s*(?:\d{1,3}\.\d{1,3}\.\S+\s+\S+|\d+\s+\d+\s+[0-9A-Fa-f:]+/\d+)")
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
    skipped: tuple[str, ...] = ()      # row-shaped lines that could not be read ("line 12: ...")
    log_prefixed: int = 0              # rows read after removing a log prefix


def strip_log_prefix(line: str) -> tuple[str, bool]:
    """``line`` without a leading log timestamp (and pid/level), and whether one was there."""
    if not line or not (line.lstrip()[:1].isdigit() or line.lstrip()[:1] in "[ADFJMNOSTW"):
        return line, False
    m = _LOG_PREFIX.match(line)
    if m is None or m.end() == 0:
        return line, False
    return line[m.end():], True


def looks_like(text: str) -> bool:
    """True when ``text`` looks like ``route print`` / ``netstat -r`` output, a lone interface
    list or a few rows under their column header included."""
    if not text:
        return False
    head = text[:20000]
    if any(t in head for t in _TITLES) or any(t in head for t in _IFLIST_TITLES):
        return True
    rows = iflist = 0
    header = any(h in head for h in _HEADER_WORDS)
    for line in head.splitlines()[:2000]:
        if len(line) > 300:
            continue
        if _IFLIST_SHAPE.match(line):
            iflist += 1
            continue
        body, _ = strip_log_prefix(line)
        if _ACTIVE_V4.match(body):
            rows += 1
    return iflist >= 1 or rows >= 2 or (rows >= 1 and header)


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


def _gateway_text(text: str | None) -> tuple[str | None, bool]:
    """(gateway, readable): an address, None for the on-link word in any language, and
    not readable for a masked or mangled address ("192.168.x.1", "***")."""
    if not text:
        return None, True
    text = text.strip()
    gw = _gateway(text)
    if gw is not None or not re.search(r"[\d*]|\bx{1,3}\b", text):
        return gw, True
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
        return None, True                        # 0.0.0.0 / :: (unspecified): on-link
    except ValueError:
        return None, False


def parse(text: str) -> RoutePrintResult:
    """Parse ``route print`` output.  Raises ParseError when no route row and no interface
    list row is found."""
    if text is None or not text.strip():
        raise ParseError("route print: empty output")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ifaces: list[InterfaceListEntry] = []
    routes: list[RouteEntry] = []
    skipped: list[str] = []
    family: str | None = None       # table we are in
    section = 0                      # 0 before "Active Routes:", 1 active, 2 persistent
    pending_v6: dict | None = None
    in_iflist = False
    prefixed = 0

    def flush_v6() -> None:
        nonlocal pending_v6
        if pending_v6 is not None:
            routes.append(RouteEntry(**pending_v6))
            pending_v6 = None

    def skip(n: int, line: str, why: str) -> None:
        skipped.append(f"line {n}: {why}: {line.strip()[:100]!r}")

    for n, raw in enumerate(lines[:200000], 1):
        if len(raw) > 1000:
            continue
        line, had_prefix = strip_log_prefix(raw.rstrip())
        line = line.rstrip()
        if not line.strip():
            continue
        if _SEPARATOR.match(line):
            flush_v6()
            continue
        stripped = line.strip()
        if any(t in stripped for t in _IFLIST_TITLES):
            in_iflist = True
            continue
        if in_iflist or _IFLIST_SHAPE.match(line):
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
            gw, readable = _gateway_text(m.group("gw"))
            try:
                net = ipaddress.IPv4Network(f"{m.group('dst')}/{m.group('mask')}", strict=False)
            except ValueError:   # "00.0.0.0", a non-contiguous mask
                skip(n, line, "not a readable route (destination/netmask)")
                continue
            if not readable:
                skip(n, line, "gateway not readable")
                continue
            prefixed += had_prefix
            routes.append(RouteEntry(family="inet", destination=str(net), gateway=gw,
                                     interface_address=m.group("ifaddr"), metric=int(m.group("metric")),
                                     persistent=section == 2))
            continue
        m = _PERSISTENT_V4.match(line)
        if m and family != "inet6":
            try:
                net = ipaddress.IPv4Network(f"{m.group('dst')}/{m.group('mask')}", strict=False)
            except ValueError:
                skip(n, line, "not a readable persistent route")
                continue
            metric = m.group("metric")
            routes.append(RouteEntry(family="inet", destination=str(net), gateway=_gateway(m.group("gw")),
                                     metric=int(metric) if metric.isdigit() else None, persistent=True))
            continue
        m = _V6_ROW.match(line)
        if m and family != "inet":
            flush_v6()
            try:
                net6 = ipaddress.IPv6Network(m.group("dst"), strict=False)
            except ValueError:
                skip(n, line, "not a readable IPv6 route")
                continue
            gw, readable = _gateway_text(m.group("gw"))
            if not readable:
                skip(n, line, "gateway not readable")
                continue
            prefixed += had_prefix
            pending_v6 = dict(family="inet6", destination=str(net6), gateway=gw,
                              interface_index=int(m.group("ifindex")), metric=int(m.group("metric")),
                              persistent=section == 2)
            if m.group("gw"):
                flush_v6()
            continue
        m = _V6_WRAP.match(line)
        if m and pending_v6 is not None:
            pending_v6["gateway"] = _gateway(m.group("gw"))
            flush_v6()
            continue
        if _ROWISH.match(line) and (section or family or routes):
            skip(n, line, "row not in the route print layout")
    flush_v6()
    if not routes and not ifaces:
        raise ParseError("route print: no interface list and no route rows found")
    return RoutePrintResult(interfaces=tuple(ifaces), routes=tuple(routes), skipped=tuple(skipped),
                            log_prefixed=prefixed)
