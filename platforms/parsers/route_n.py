"""Parser for the Linux net-tools routing table: ``route -n``, ``netstat -rn`` (and
``route`` / ``netstat -r`` with names), IPv4 and IPv6 (pure).

::

    Kernel IP routing table
    Destination     Gateway         Genmask         Flags Metric Ref    Use Iface
    0.0.0.0         10.175.1.5      128.0.0.0       UG    0      0        0 tun0
    0.0.0.0         192.168.1.254   0.0.0.0         UG    0      0        0 eth0

    Kernel IP routing table                       (netstat -rn: MSS Window irtt instead)
    Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface
    default         _gateway        0.0.0.0         UG        0 0          0 tun0

    Kernel IPv6 routing table
    Destination                    Next Hop                   Flag Met Ref Use If
    ::/0                           fe80::1                    UG   1024 1     0 eth0

Columns are taken from the header (``route -ee`` adds more; busybox and old net-tools
print the same names).  Destinations and gateways may be names when ``-n`` was left out:
``default``, ``link-local`` and ``*`` (no gateway) are known; a gateway that is another
name (``_gateway``) is kept as "a gateway whose address is not shown"; a destination that
is a name, or a value the poster masked (``<Public IP of router>``, ``199.x.x.x``), cannot
be placed and that row is skipped -- and listed in ``skipped`` -- never the whole table.
A masked interface name with blanks in it (``enx<IF from MAC [IF2]>``) stays one field.

``parse(text) -> RouteTable``; ``routes(text) -> tuple[Route, ...]``.  Text without the
header raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.model import Family, Route
from agent.serial import Record
from platforms.base import ParseError
from platforms.parsers._paste import fields, is_elision, is_masked, is_prompt_or_echo

_TITLE = re.compile(r"^[^\S\n]*Kernel IP(?:v6)? routing table", re.M)
_HEADER4 = re.compile(r"^[^\S\n]*Destination\s+Gateway\s+Genmask\s+Flags\b", re.M)
_HEADER6 = re.compile(r"^[^\S\n]*Destination\s+Next\s+Hop\s+Flags?\b", re.M)
# Names `route` prints without -n (net-tools lib/inet.c, ipv6.c).
_NAMES4 = {"default": "0.0.0.0", "*": "0.0.0.0", "link-local": "169.254.0.0", "loopback": "127.0.0.0"}
_KNOWN_COLUMNS = {"destination", "gateway", "genmask", "flags", "flag", "metric", "met", "ref", "use",
                  "iface", "if", "mss", "window", "irtt", "next hop"}


@dataclass(frozen=True, slots=True)
class NetToolsRoute(Record):
    """One row, as printed, and what it means."""
    destination: str                 # as printed: "0.0.0.0", "default", "::/0"
    cidr: str                        # "0.0.0.0/1", "::/0"
    gateway: str | None = None       # an address; None for on-link ("0.0.0.0", "*", "::")
    gateway_name: str | None = None  # a gateway printed as a name ("_gateway"): its address is not shown
    flags: str = ""
    metric: int | None = None
    interface: str | None = None
    family: Family = Family.INET

    def to_route(self) -> Route:
        rtype = "unreachable" if "!" in self.flags else "unicast"
        return Route(family=self.family, destination=self.cidr, gateway=self.gateway, interface=self.interface,
                     metric=self.metric, type=rtype, flags=(self.flags,) if self.flags else ())


@dataclass(frozen=True, slots=True)
class RouteTable(Record):
    rows: tuple[NetToolsRoute, ...] = ()
    skipped: tuple[str, ...] = ()    # "line N: text (why)": rows that could not be read, elisions
    names: bool = False              # printed without -n: some values are names


# A row as route -n / netstat -rn / netstat -re print it, for pastes whose header a grep removed
_BARE_ROW = re.compile(r"^[^\S\n]*(?:\d{1,3}(?:\.\d{1,3}){3}|default)[^\S\n]+(?:\d{1,3}(?:\.\d{1,3}){3}|\*)[^\S\n]+"
                       r"\d{1,3}(?:\.\d{1,3}){3}[^\S\n]+[UGHRDMAC!]+[^\S\n]+\d+[^\S\n]+\d+[^\S\n]+\d+[^\S\n]+\S+[^\S\n]*$",
                       re.M)
_DEFAULT_COLUMNS = ["destination", "gateway", "genmask", "flags", "metric", "ref", "use", "iface"]


def looks_like(text: str) -> bool:
    return bool(_TITLE.search(text) or _HEADER4.search(text) or _HEADER6.search(text)
                or _BARE_ROW.search(text[:100_000]))


def _columns(line: str) -> list[str] | None:
    low = re.sub(r"\bnext\s+hop\b", "next hop", line.strip().lower())
    cols = [c for c in re.split(r"\s+", low.replace("next hop", "next_hop")) if c]
    cols = [c.replace("next_hop", "next hop") for c in cols]
    if not cols or cols[0] != "destination" or len(cols) < 4:
        return None
    if not set(cols) <= _KNOWN_COLUMNS:
        return None
    return cols


def _ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _row4(vals: dict[str, str]) -> tuple[NetToolsRoute | None, str | None, bool]:
    """The route, or why the row cannot be read; and whether a name was used."""
    dest_s, gw_s, mask_s = vals.get("destination", ""), vals.get("gateway", ""), vals.get("genmask", "")
    named = False
    dest = _NAMES4.get(dest_s) if dest_s in _NAMES4 else _ip(dest_s)
    if dest_s in _NAMES4:
        named = True
    if dest is None:
        why = "masked by the poster" if is_masked(dest_s) else "a name, not an address (printed without -n)"
        return None, f"destination {dest_s!r} is {why}", named
    if dest_s == "default":
        mask_s = "0.0.0.0" if mask_s in ("", "*") else mask_s
    try:
        net = ipaddress.IPv4Network(f"{dest}/{mask_s}", strict=False)
    except ValueError:
        why = "masked" if is_masked(mask_s) else "not a netmask"
        return None, f"genmask {mask_s!r} is {why}", named
    gateway, gateway_name = None, None
    if gw_s in ("*", "0.0.0.0", ""):
        named = named or gw_s == "*"
    elif _ip(gw_s) is not None:
        gateway = _ip(gw_s)
    else:
        gateway_name = gw_s
        named = named or not is_masked(gw_s)
    iface = vals.get("iface")
    iface = None if iface in (None, "*", "-") else iface
    metric = vals.get("metric")
    return NetToolsRoute(destination=dest_s, cidr=str(net), gateway=gateway, gateway_name=gateway_name,
                         flags=vals.get("flags", ""), metric=int(metric) if metric and metric.isdigit() else None,
                         interface=iface), None, named


def _row6(vals: dict[str, str]) -> tuple[NetToolsRoute | None, str | None, bool]:
    dest_s, gw_s = vals.get("destination", ""), vals.get("next hop", "")
    try:
        net = ipaddress.IPv6Network(dest_s if "/" in dest_s else f"{dest_s}/128", strict=False)
    except ValueError:
        why = "masked by the poster" if is_masked(dest_s) else "not an IPv6 prefix"
        return None, f"destination {dest_s!r} is {why}", False
    gateway, gateway_name = None, None
    if gw_s not in ("::", "*", ""):
        gateway = _ip(gw_s)
        if gateway is None:
            gateway_name = gw_s
    iface = vals.get("if") or vals.get("iface")
    metric = vals.get("met") or vals.get("metric")
    return NetToolsRoute(destination=dest_s, cidr=str(net), gateway=gateway, gateway_name=gateway_name,
                         flags=vals.get("flag") or vals.get("flags") or "",
                         metric=int(metric) if metric and metric.isdigit() else None,
                         interface=None if iface in (None, "*", "-") else iface, family=Family.INET6), None, False


def parse(text: str) -> RouteTable:
    """Every table in ``text`` (a paste may hold the IPv4 and the IPv6 one)."""
    if text is None or not text.strip():
        raise ParseError("route -n: empty output")
    rows: list[NetToolsRoute] = []
    skipped: list[str] = []
    columns: list[str] | None = None
    names = False
    saw_header = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        title = _TITLE.match(line)
        if title:
            columns = None
            line = line[title.end():].strip()        # "Kernel IP routing tableDestination ..." (glued)
            if not line:
                continue
        cols = _columns(line) if line[:1] in "Dd" else None
        if cols is not None:
            columns, saw_header = cols, True
            continue
        if columns is None:
            continue                 # prose, prompts before the table
        if is_elision(line):
            skipped.append(f"line {number}: {line[:80]!r} (the poster left lines out)")
            continue
        if is_prompt_or_echo(line):
            columns = None           # the next command's output follows
            continue
        toks = fields(re.sub(r"\s#\s.*$", "", line))   # a poster's trailing "# comment"
        if len(toks) < len(columns) - 1:
            skipped.append(f"line {number}: {line[:80]!r} (not a row of {' '.join(columns)})")
            continue
        if len(toks) > len(columns):      # a poster's note after the row ("<---- this one!")
            toks = toks[:len(columns)]
        vals = dict(zip(columns, toks))
        try:
            row, why, named = (_row6 if "next hop" in columns else _row4)(vals)
        except ValueError as err:        # a value the model refuses
            row, why, named = None, str(err), False
        if row is None:
            skipped.append(f"line {number}: {line[:80]!r} ({why})")
            continue
        names = names or named
        rows.append(row)
    if not saw_header:
        bare = [m.group(0) for m in _BARE_ROW.finditer(text)]
        if not bare:
            raise ParseError("route -n: no 'Destination Gateway Genmask Flags' header (is this route -n output?)")
        # rows without their header (`netstat -re | grep tun0`): the standard columns
        return parse("Destination Gateway Genmask Flags Metric Ref Use Iface\n" + "\n".join(bare) + "\n")
    return RouteTable(rows=tuple(rows), skipped=tuple(skipped), names=names)


def uses_names(text: str) -> bool:
    """Printed without ``-n`` (``route``, ``netstat -r``): some destinations or gateways are names."""
    try:
        return parse(text).names
    except ParseError:
        return False


def routes(text: str) -> tuple[Route, ...]:
    return tuple(r.to_route() for r in parse(text).rows)
