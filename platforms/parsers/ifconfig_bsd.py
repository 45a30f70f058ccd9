"""Parser for BSD/macOS ``ifconfig -a`` (pure): the interface inventory.

::

    utun4: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1500 index 22
    	inet 10.0.0.98 --> 10.0.0.98 netmask 0xffffffe0
    	inet6 fe80::1%utun4 prefixlen 64 scopeid 0x16
    en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500
    	ether a4:83:e7:00:00:01
    	inet 192.168.1.23 netmask 0xffffff00 broadcast 192.168.1.255
    	status: active

Gives model :class:`Interface` records (kind from ``platforms.tunnel.interface_kind``).
``is_up`` is the UP flag, made False when ``status: inactive`` says there is no link.
"""
from __future__ import annotations

import ipaddress
import re

from agent.model import Family, IfAddress, Interface
from platforms.base import ParseError
from platforms.tunnel import interface_kind

_HEAD = re.compile(r"^([A-Za-z][\w.\-]*):\s+flags=([0-9a-fA-F]+)<([^>]*)>(?:.*?\bmtu\s+(\d+))?(?:.*?\bindex\s+(\d+))?")
_INET = re.compile(r"^\s+inet\s+(\S+)(?:\s+-->\s+(\S+))?\s+netmask\s+(0x[0-9a-fA-F]+|\S+)")
_INET6 = re.compile(r"^\s+inet6\s+(\S+?)(?:\s+-->\s+(\S+))?\s+prefixlen\s+(\d+)")
_ETHER = re.compile(r"^\s+ether\s+([0-9a-fA-F:]+)")
_STATUS = re.compile(r"^\s+status:\s+(\S+)")


def looks_like(text: str) -> bool:
    return bool(re.search(r"^[A-Za-z][\w.\-]*:\s+flags=[0-9a-fA-F]+<[^>]*>.*\bmtu\s+\d+", text, re.M)) and \
        bool(re.search(r"^lo0:\s+flags=", text, re.M) or re.search(r"^\s+(inet6?|ether)\s", text, re.M))


def _prefix_from_mask(mask: str) -> int | None:
    try:
        if mask.lower().startswith("0x"):
            value = int(mask, 16)
            return bin(value).count("1")
        return ipaddress.ip_network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def parse(text: str) -> tuple[Interface, ...]:
    if text is None or not text.strip():
        raise ParseError("ifconfig: empty output")
    found: list[dict] = []
    for line in text.splitlines():
        m = _HEAD.match(line)
        if m:
            found.append({"name": m.group(1), "flags": tuple(f for f in m.group(3).split(",") if f),
                          "mtu": int(m.group(4)) if m.group(4) else None,
                          "index": int(m.group(5)) if m.group(5) else None,
                          "addresses": [], "mac": None, "status": None})
            continue
        if not found:
            continue
        cur = found[-1]
        if (m := _INET.match(line)):
            try:
                cur["addresses"].append(IfAddress(family=Family.INET, address=m.group(1),
                                                  prefixlen=_prefix_from_mask(m.group(3)),
                                                  peer=m.group(2) if m.group(2) and m.group(2) != m.group(1) else None))
            except ValueError:
                raise ParseError(f"ifconfig: bad inet line {line.strip()!r}") from None
        elif (m := _INET6.match(line)):
            try:
                cur["addresses"].append(IfAddress(family=Family.INET6, address=m.group(1), prefixlen=int(m.group(3)),
                                                  peer=m.group(2)))
            except ValueError:
                raise ParseError(f"ifconfig: bad inet6 line {line.strip()!r}") from None
        elif (m := _ETHER.match(line)):
            cur["mac"] = m.group(1)
        elif (m := _STATUS.match(line)):
            cur["status"] = m.group(1)
    if not found:
        raise ParseError("ifconfig: no 'NAME: flags=...<...> mtu N' line (is this ifconfig output?)")
    out = []
    for i in found:
        up = "UP" in i["flags"] and i["status"] != "inactive"
        out.append(Interface(name=i["name"], index=i["index"], kind=interface_kind(i["name"], i["flags"]),
                             is_up=up, mtu=i["mtu"], flags=i["flags"], addresses=tuple(i["addresses"]), mac=i["mac"]))
    return tuple(out)
