"""Parser for macOS ``scutil --nwi`` (network information: interface order) (pure).

Format (configd ``network_state_information_logging.h``, ``_nwi_ifstate_log``)::

    Network information

    IPv4 network interface information
       utun3 : flags      : 0x5 (IPv4,DNS)
               address    : 10.0.0.98
               VPN server : 203.0.113.10
               reach      : 0x00000003 (Reachable,Transient Connection)
         en0 : flags      : 0x7 (IPv4,IPv6,DNS)
               address    : 192.168.1.23
               reach      : 0x00000002 (Reachable)

       REACH : flags 0x00000002 (Reachable)

    IPv6 network interface information
       No IPv6 states found

       REACH : flags 0x00000000 (Not Reachable)

    Network interfaces: en0 utun3

The per-family lists are in primary-service order (first = primary).  Older macOS
(10.10 era) printed ``en0 : flags 0x5 (IPv4,DNS)`` and ``reach 0x00000002 (Reachable)``
without the second colon, plus ``Signature Hash`` and ``generation`` lines; both forms
are accepted.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from platforms.base import ParseError

_FAMILY = re.compile(r"^\s*IPv([46]) network interface information\s*$")
_IFACE = re.compile(r"^\s*([A-Za-z][\w.\-]*)\s*:\s*flags\s*:?\s*(0x[0-9A-Fa-f]+)\s*(?:\((.*)\))?\s*$")
_REACH_ALL = re.compile(r"^\s*REACH\s*:\s*flags\s*:?\s*(0x[0-9A-Fa-f]+)\s*(?:\((.*)\))?\s*$")
_DETAIL = re.compile(r"^\s*(address|VPN server|reach|rank|signature|Signature Hash|generation)\s*:?\s*(.*?)\s*$")
_NAMES = re.compile(r"^\s*Network interfaces:\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class NwiInterface:
    name: str
    family: str                       # "inet" | "inet6"
    rank: int                         # 0 = primary for this family
    flags: tuple[str, ...] = ()       # ("IPv4", "DNS")
    address: str | None = None
    vpn_server: str | None = None
    reach_flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NwiInfo:
    interfaces: tuple[NwiInterface, ...] = ()
    ipv4_reach: tuple[str, ...] = ()
    ipv6_reach: tuple[str, ...] = ()
    interface_names: tuple[str, ...] = ()   # the "Network interfaces:" line

    def primary(self, family: str = "inet") -> NwiInterface | None:
        for iface in self.interfaces:
            if iface.family == family:
                return iface
        return None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def looks_like(text: str) -> bool:
    return bool(re.search(r"^[^\S\n]*Network information", text, re.M)) and bool(
        _FAMILY.search(text) or re.search(r"^[^\S\n]*IPv[46] network interface information", text, re.M))


def _words(text: str | None) -> tuple[str, ...]:
    return tuple(w.strip() for w in (text or "").split(",") if w.strip())


def parse(text: str) -> NwiInfo:
    if text is None or not text.strip():
        raise ParseError("scutil --nwi: empty output")
    family: str | None = None
    ifaces: list[dict] = []
    reach: dict[str, tuple[str, ...]] = {"inet": (), "inet6": ()}
    names: tuple[str, ...] = ()
    seen = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        m = _FAMILY.match(line)
        if m:
            family, seen = ("inet" if m.group(1) == "4" else "inet6"), True
            continue
        m = _NAMES.match(line)
        if m:
            names, seen = tuple(m.group(1).split()), True
            continue
        if family is None:
            continue
        m = _REACH_ALL.match(line)
        if m:
            reach[family] = _words(m.group(2))
            continue
        m = _IFACE.match(line)
        if m and m.group(1) != "REACH":
            rank = sum(1 for i in ifaces if i["family"] == family)
            ifaces.append({"name": m.group(1), "family": family, "rank": rank, "flags": _words(m.group(3))})
            continue
        m = _DETAIL.match(line)
        if m and ifaces and ifaces[-1]["family"] == family:
            key, value = m.group(1), m.group(2).lstrip(": ").strip()
            if key == "address":
                ifaces[-1]["address"] = value
            elif key == "VPN server":
                ifaces[-1]["vpn_server"] = value
            elif key == "reach":
                ifaces[-1]["reach_flags"] = _words(re.sub(r"^0x[0-9A-Fa-f]+\s*", "", value).strip("()"))
    if not seen:
        raise ParseError("scutil --nwi: no 'IPv4/IPv6 network interface information' section")
    return NwiInfo(interfaces=tuple(NwiInterface(**i) for i in ifaces), ipv4_reach=reach["inet"],
                   ipv6_reach=reach["inet6"], interface_names=names)
