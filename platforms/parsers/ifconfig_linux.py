"""Parser for Linux net-tools ``ifconfig`` (both layouts), for pasted outputs (pure).

Old net-tools (before 2.10, still on many servers and in every old forum post)::

    tun0      Link encap:UNSPEC  HWaddr 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00
              inet addr:10.8.0.6  P-t-P:10.8.0.5  Mask:255.255.255.255
              UP POINTOPOINT RUNNING NOARP MULTICAST  MTU:1500  Metric:1

net-tools 2.10::

    tun0: flags=4305<UP,POINTOPOINT,RUNNING,NOARP,MULTICAST>  mtu 1500
            inet 10.8.0.6  netmask 255.255.255.0  destination 10.8.0.6
            unspec 00-00-00-00-00-00-00-00-00-00-00-00-00-00-00-00  txqueuelen 100  (UNSPEC)

The second looks like BSD ``ifconfig`` (:mod:`platforms.parsers.ifconfig_bsd`); what tells
Linux apart is ``txqueuelen``, ``RX packets``, ``Link encap`` or ``scopeid 0x20<link>``.
A masked name with blanks in it (``enx<IF from MAC [IF2]>``) is kept whole; an address the
poster masked is skipped.  ``parse(text) -> tuple[Interface, ...]``; text without an
interface header raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re

from agent.model import Family, IfAddress, Interface
from platforms.base import ParseError
from platforms.tunnel import interface_kind

_OLD_HEAD = re.compile(r"^(?P<name>\S(?:[^\n]{0,60}?\S)?)\s+Link encap:(?P<encap>[^\n]*?)(?:\s+HWaddr\s+(?P<mac>\S+))?\s*$")
_NEW_HEAD = re.compile(r"^(?P<name>[^\s:][^\n:]{0,60}?):\s+flags=\d+<(?P<flags>[^>\n]*)>(?:\s+mtu\s+(?P<mtu>\d+))?")
_OLD_INET = re.compile(r"^\s+inet addr:(?P<addr>\S+)(?:\s+P-t-P:(?P<peer>\S+))?(?:\s+Bcast:\S+)?(?:\s+Mask:(?P<mask>\S+))?")
_OLD_INET6 = re.compile(r"^\s+inet6 addr:\s*(?P<addr>[0-9A-Fa-f:.]+)(?:/(?P<plen>\d+))?")
_OLD_FLAGS = re.compile(r"^\s+(?P<flags>(?:UP|BROADCAST|RUNNING|MULTICAST|POINTOPOINT|NOARP|LOOPBACK|PROMISC|ALLMULTI|"
                        r"DYNAMIC|MASTER|SLAVE)(?:\s+[A-Z]+)*)\s+MTU:(?P<mtu>\d+)")
_NEW_INET = re.compile(r"^\s+inet\s+(?P<addr>\S+)\s+netmask\s+(?P<mask>\S+)(?:\s+destination\s+(?P<peer>\S+))?")
_NEW_INET6 = re.compile(r"^\s+inet6\s+(?P<addr>[0-9A-Fa-f:.]+)\s+prefixlen\s+(?P<plen>\d+)")
_ETHER = re.compile(r"^\s+ether\s+(?P<mac>[0-9a-fA-F:]{17})\b")
_LINUX_MARK = re.compile(r"txqueuelen|RX packets|Link encap:|scopeid 0x[0-9a-f]+<")


def looks_like(text: str) -> bool:
    sample = text[:200_000]
    if not _LINUX_MARK.search(sample):
        return False
    return bool(re.search(r"^\S[^\n]{0,80}?\s+Link encap:", sample, re.M)
                or re.search(r"^[^\s:][^\n:]{0,60}:\s+flags=\d+<", sample, re.M))


def _prefix(mask: str | None) -> int | None:
    if not mask:
        return None
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except ValueError:
        return None


def _addr(family: Family, addr: str, prefixlen: int | None, peer: str | None = None) -> IfAddress | None:
    try:
        ip = ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return None                              # masked by the poster ("<IP6 'eth0' [IF]>")
    if (ip.version == 6) != (family is Family.INET6):
        return None
    try:
        peer_ok = str(ipaddress.ip_address(peer)) if peer and peer != addr else None
    except ValueError:
        peer_ok = None
    return IfAddress(family=family, address=str(ip), prefixlen=prefixlen, peer=peer_ok)


def parse(text: str) -> tuple[Interface, ...]:
    if text is None or not text.strip():
        raise ParseError("ifconfig: empty output")
    found: list[dict] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = _OLD_HEAD.match(line) or (None if line[:1].isspace() else _NEW_HEAD.match(line))
        if m and not line[:1].isspace():
            flags = tuple(f for f in (m.groupdict().get("flags") or "").split(",") if f)
            mtu = m.groupdict().get("mtu")
            found.append({"name": m["name"].strip(), "flags": flags, "mtu": int(mtu) if mtu else None,
                          "mac": m.groupdict().get("mac"), "addresses": []})
            continue
        if not found:
            continue
        cur = found[-1]
        if (m := _OLD_INET.match(line)) or (m := _NEW_INET.match(line)):
            a = _addr(Family.INET, m["addr"], _prefix(m["mask"]), m["peer"])
        elif (m := _OLD_INET6.match(line)) or (m := _NEW_INET6.match(line)):
            a = _addr(Family.INET6, m["addr"], int(m["plen"]) if m["plen"] and len(m["plen"]) < 4 else None)
        elif (m := _OLD_FLAGS.match(line)):
            cur["flags"] = tuple(m["flags"].split())
            cur["mtu"] = int(m["mtu"]) if len(m["mtu"]) < 7 else None
            continue
        elif (m := _ETHER.match(line)):
            cur["mac"] = m["mac"]
            continue
        else:
            continue
        if a is not None:
            cur["addresses"].append(a)
    if not found:
        raise ParseError("ifconfig: no 'NAME Link encap:...' or 'NAME: flags=...' line (is this Linux ifconfig output?)")
    out = []
    for i in found:
        flags = i["flags"]
        up = ("UP" in flags) if flags else None
        out.append(Interface(name=i["name"], kind=interface_kind(i["name"], flags), is_up=up, mtu=i["mtu"],
                             flags=flags, addresses=tuple(i["addresses"]),
                             mac=i["mac"] if i["mac"] and re.fullmatch(r"[0-9A-Fa-f:]{17}", i["mac"]) else None))
    return tuple(out)
