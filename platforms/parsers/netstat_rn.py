"""Parser for BSD/macOS ``netstat -rn`` (``-f inet``, ``-f inet6`` or both) (pure).

::

    Routing tables

    Internet:
    Destination        Gateway            Flags        Refs      Use   Mtu   Netif Expire
    0/1                10.33.0.1          UGSc           63        0  1500  utun9
    default            192.168.1.1        UGScg                 en0
    10.123             link#11            UCS                   en0      !
    192.168.1.221/32   link#10            UCS            1        0  1500     en0      !

    Internet6:
    Destination        Gateway            Flags         Netif Expire
    default            fe80::%utun0       UGcIg         utun0
    fe80::%en0/64      link#10            UCI             en0

Columns are taken from each section's header (macOS <= 10.14 prints ``Refs Use``, ``-l``
adds ``Mtu``, 10.15+ prints only ``Flags Netif Expire``).  Destinations are abbreviated the
BSD way: trailing zero octets are dropped and the mask is left out when it is the one the
octet count implies (``10.123`` = 10.123.0.0/16, ``127`` = 127.0.0.0/8, ``0/1``,
``128.0/1``); an IPv6 destination may carry ``%ifname``.  Gateways are addresses,
``link#N`` (on-link), MAC addresses (ARP/ND entries) or an interface name (utun).  The
``I`` flag (RTF_IFSCOPE) marks a scoped duplicate: ``Route.scoped``.

A row that cannot be read -- a destination the poster masked (``wan/26``), a row cut by the
paste, a poster's ``...`` -- is skipped and listed in ``Rows.skipped`` (``(line number,
text, why)``); a prompt line between the two tables (``$ netstat -rn -f inet6``) is
skipped too.  Only text without any ``Destination Gateway Flags`` header is an error.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass

from agent.model import Family, Route
from platforms.base import ParseError
from platforms.parsers._paste import is_elision, is_prompt_or_echo

_SECTION = {"internet:": Family.INET, "internet6:": Family.INET6}
_MAC = re.compile(r"^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$")
_KNOWN_COLUMNS = {"destination", "gateway", "flags", "refs", "use", "mtu", "netif", "expire"}


@dataclass(frozen=True, slots=True)
class NetstatRoute:
    """One row, as printed, plus the expanded CIDR."""
    family: str
    destination: str                 # as printed: "0/1", "10.123", "default", "fe80::%en0/64"
    cidr: str                        # expanded: "0.0.0.0/1", "10.123.0.0/16", "fe80::/64"
    gateway: str                     # as printed: "10.0.0.1", "link#11", "aa:bb:..", "utun3"
    flags: str
    netif: str | None = None
    expire: str | None = None        # seconds left, or "!" (no expiry)
    refs: int | None = None
    use: int | None = None
    mtu: int | None = None

    @property
    def scoped(self) -> bool:
        return "I" in self.flags

    @property
    def gateway_address(self) -> str | None:
        """The gateway when it is an IP address (not link#N, a MAC or an interface name)."""
        return self.gateway if _is_ip(self.gateway) else None

    def to_route(self) -> Route:
        return Route(family=Family(self.family), destination=self.cidr, gateway=self.gateway_address,
                     interface=self.netif, type=_route_type(self.flags),
                     protocol="static" if "S" in self.flags else None,
                     flags=(self.flags,), scoped=self.scoped)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _route_type(flags: str) -> str:
    # BSD route flags (netstat(1)): m multicast, b broadcast, B blackhole, R reject.
    if "B" in flags:
        return "blackhole"
    if "R" in flags:
        return "unreachable"
    if "b" in flags:
        return "broadcast"
    if "m" in flags:
        return "multicast"
    return "unicast"


def expand_inet(dest: str) -> str:
    """Expand a BSD-abbreviated IPv4 destination to a CIDR string."""
    if dest == "default":
        return "0.0.0.0/0"
    addr, _, plen = dest.partition("/")
    octets = addr.split(".")
    if not 1 <= len(octets) <= 4 or not all(o.isascii() and o.isdigit() and int(o) < 256 for o in octets):
        raise ParseError(f"netstat: {dest!r} is not an IPv4 destination")
    # isdigit() is true for "²" and NUL-padded text reaches int(): convert inside the try.
    try:
        prefix = int(plen) if plen else 8 * len(octets)
        if plen and (not plen.isdigit() or prefix > 32):
            raise ValueError(plen)
        full = ".".join(octets + ["0"] * (4 - len(octets)))
        return str(ipaddress.ip_network(f"{full}/{prefix}", strict=False))
    except ValueError:
        raise ParseError(f"netstat: {dest!r} has a bad prefix length") from None


def expand_inet6(dest: str) -> str:
    if dest == "default":
        return "::/0"
    addr, _, plen = dest.partition("/")
    addr = addr.split("%", 1)[0]
    try:
        prefix = int(plen) if plen else 128
        return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
    except ValueError:
        raise ParseError(f"netstat: {dest!r} is not an IPv6 destination") from None


def looks_like(text: str) -> bool:
    return bool(re.search(r"^[^\S\n]*Internet6?:\s*$", text, re.M)) and bool(
        re.search(r"^[^\S\n]*Destination\s+Gateway\s+Flags\b", text, re.M))


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


class Rows(tuple):
    """The rows read, in order; ``skipped`` holds ``(line number, text, why)`` for the
    lines inside a table that could not be read."""
    skipped: tuple[tuple[int, str, str], ...] = ()


def parse(text: str) -> tuple[NetstatRoute, ...]:
    """Parse every section of ``netstat -rn`` output; raise ParseError when there is none."""
    if text is None or not text.strip():
        raise ParseError("netstat -rn: empty output")
    family: Family | None = None
    columns: list[str] | None = None
    rows: list[NetstatRoute] = []
    skipped: list[tuple[int, str, str]] = []
    saw_header = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        low = line.lower()
        if low in _SECTION:
            family, columns = _SECTION[low], None
            continue
        if low == "routing tables":
            continue
        tokens = line.split()
        if tokens[0] == "Destination" and len(tokens) > 2 and tokens[1] == "Gateway":
            columns = [t.lower() for t in tokens]
            unknown = set(columns) - _KNOWN_COLUMNS
            if unknown:
                raise ParseError(f"netstat -rn: unknown column(s) {sorted(unknown)} in {line!r}")
            saw_header = True
            if family is None:      # a paste that starts at the header: guess from the first row
                family = Family.INET
            continue
        if columns is None or family is None:
            continue                # prompts, prose
        if is_elision(line):
            skipped.append((number, line[:80], "the poster left lines out"))
            continue
        if is_prompt_or_echo(line):
            continue                # "$ netstat -rn -f inet6" between the two tables
        try:
            rows.append(_row(tokens, columns, family, line))
        except ParseError as err:
            skipped.append((number, line[:80], str(err).removeprefix("netstat -rn: ").removeprefix("netstat: ")))
    if not saw_header:
        raise ParseError("netstat -rn: no 'Destination Gateway Flags' header (is this netstat -rn output?)")
    out = Rows(rows)
    out.skipped = tuple(skipped)
    return out


def _row(tokens: list[str], columns: list[str], family: Family, line: str) -> NetstatRoute:
    # Every column but Expire is always present; Expire is blank for most routes.
    needed = len(columns) - 1
    if len(tokens) < needed or len(tokens) > len(columns):
        raise ParseError(f"netstat -rn: cannot split {line!r} into {' '.join(columns)}")
    values = dict(zip(columns, tokens))
    dest = values["destination"]
    fam = family
    if family is Family.INET and ":" in dest:   # header-only paste of an inet6 section
        fam = Family.INET6
    cidr = expand_inet6(dest) if fam is Family.INET6 else expand_inet(dest)
    return NetstatRoute(family=fam.value, destination=dest, cidr=cidr, gateway=values["gateway"],
                        flags=values["flags"], netif=values.get("netif"), expire=values.get("expire"),
                        refs=_int_or_none(values.get("refs")), use=_int_or_none(values.get("use")),
                        mtu=_int_or_none(values.get("mtu")))


def routes(text: str) -> tuple[Route, ...]:
    """The rows as model Routes."""
    return tuple(r.to_route() for r in parse(text))
