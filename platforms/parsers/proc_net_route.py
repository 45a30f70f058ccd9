"""Parser for /proc/net/route: the IPv4 main table, the last resort when ``ip`` is missing.

``parse(text) -> tuple[Route, ...]``.  Addresses are 32-bit hex in host byte order
(little-endian on every Linux machine this runs on: ``0102A8C0`` is 192.168.2.1);
Flags are RTF_* bits (U=0x1, G=0x2, H=0x4, REJECT=0x200).  Text without the
``Iface Destination Gateway`` header raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re
import socket
import struct

from agent.model import Family, Route
from platforms.base import ParseError

RTF_UP = 0x0001
RTF_GATEWAY = 0x0002
RTF_HOST = 0x0004
RTF_REJECT = 0x0200


def _addr(hexword: str) -> str:
    return socket.inet_ntoa(struct.pack("<I", int(hexword, 16)))


def parse(text: str) -> tuple[Route, ...]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not re.match(r"^\s*Iface\s+Destination\s+Gateway", lines[0]):
        raise ParseError("no `Iface Destination Gateway` header: not /proc/net/route")
    header = lines[0].split()
    col = {name: i for i, name in enumerate(header)}
    routes = []
    for number, line in enumerate(lines[1:], 2):
        f = line.split()
        try:
            iface = f[col["Iface"]]
            dst, gw, mask = _addr(f[col["Destination"]]), _addr(f[col["Gateway"]]), _addr(f[col["Mask"]])
            flags = int(f[col["Flags"]], 16)
            metric = int(f[col["Metric"]])
            prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
        except (IndexError, KeyError, ValueError, struct.error) as err:
            raise ParseError(f"/proc/net/route line {number} not understood: {line.strip()[:80]!r} ({err})") from None
        letters = ("U" if flags & RTF_UP else "") + ("G" if flags & RTF_GATEWAY else "") + \
                  ("H" if flags & RTF_HOST else "") + ("!" if flags & RTF_REJECT else "")
        routes.append(Route(
            family=Family.INET, destination=f"{dst}/{prefix}",
            gateway=gw if flags & RTF_GATEWAY and gw != "0.0.0.0" else None,
            interface=None if iface == "*" else iface, metric=metric, table="main",
            type="unreachable" if flags & RTF_REJECT else "unicast",
            flags=(letters,) if letters else (),
        ))
    return tuple(routes)


def looks_like(text: str) -> bool:
    return bool(re.match(r"^\s*Iface\s+Destination\s+Gateway\s+Flags", text))
