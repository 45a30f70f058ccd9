"""Parser for /proc/net/route: the IPv4 main table, the last resort when ``ip`` is missing.

``parse(text) -> tuple[Route, ...]``.  Addresses are 32-bit hex in host byte order
(little-endian on every Linux machine this runs on: ``0102A8C0`` is 192.168.2.1);
Flags are RTF_* bits (U=0x1, G=0x2, H=0x4, REJECT=0x200).  Text without the
``Iface Destination Gateway`` header raises :class:`ParseError`.  A line that cannot be
read (a paste cut mid-line, a poster's ``...``, a prompt) is skipped and listed in the
result's ``skipped`` (``"line N: text (why)"``); it never discards the other routes.
"""
from __future__ import annotations

import ipaddress
import re
import socket
import struct

from agent.model import Family, Route
from platforms.base import ParseError
from platforms.parsers._paste import Rows

RTF_UP = 0x0001
RTF_GATEWAY = 0x0002
RTF_HOST = 0x0004
RTF_REJECT = 0x0200


def _addr(hexword: str) -> str:
    return socket.inet_ntoa(struct.pack("<I", int(hexword, 16)))


def parse(text: str) -> tuple[Route, ...]:
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln.strip()]
    start = next((k for k, (_n, ln) in enumerate(numbered[:5]) if re.match(r"^\s*Iface\s+Destination\s+Gateway", ln)),
                 None)
    if start is None:
        raise ParseError("no `Iface Destination Gateway` header: not /proc/net/route")
    header = numbered[start][1].split()
    col = {name: i for i, name in enumerate(header)}
    routes = []
    skipped: list[str] = []
    for number, line in numbered[start + 1:]:
        f = line.split()
        try:
            iface = f[col["Iface"]]
            dst, gw, mask = _addr(f[col["Destination"]]), _addr(f[col["Gateway"]]), _addr(f[col["Mask"]])
            flags = int(f[col["Flags"]], 16)
            metric = int(f[col["Metric"]])
            prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        except (IndexError, KeyError, ValueError, struct.error, OverflowError) as err:
            skipped.append(f"line {number}: {line.strip()[:80]!r} ({err or 'not a route line'})")
            continue
        letters = ("U" if flags & RTF_UP else "") + ("G" if flags & RTF_GATEWAY else "") + \
                  ("H" if flags & RTF_HOST else "") + ("!" if flags & RTF_REJECT else "")
        routes.append(Route(
            family=Family.INET, destination=f"{dst}/{prefix}",
            gateway=gw if flags & RTF_GATEWAY and gw != "0.0.0.0" else None,
            interface=None if iface == "*" else iface, metric=metric, table="main",
            type="unreachable" if flags & RTF_REJECT else "unicast",
            flags=(letters,) if letters else (),
        ))
    out = Rows(routes)
    out.skipped = tuple(skipped)
    return out


def looks_like(text: str) -> bool:
    return bool(re.match(r"^\s*Iface\s+Destination\s+Gateway\s+Flags", text))
