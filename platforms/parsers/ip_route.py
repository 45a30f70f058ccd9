"""Parsers for iproute2: ``ip -j route``, ``ip -j rule``, ``ip -j route get ADDR``, and the
plain-text forms old iproute2 prints when it has no ``-j`` (EL7 era).

* ``parse(text, family=None) -> tuple[Route, ...]``: JSON (``[{"dst": ...}]``) or text
  (``default via 10.0.2.2 dev enp0s3 proto dhcp metric 100``), every table and type.
  ``default`` becomes ``0.0.0.0/0`` or ``::/0``; a bare address becomes a /32 or /128;
  multipath routes give one Route per nexthop.  ``family`` is what the command asked for
  (``-4``/``-6``); without it the family is read from the addresses (``pref`` marks IPv6
  in text output).
* ``parse_rules(text) -> tuple[Rule, ...]``: ``ip -j rule`` or ``ip rule`` text.
* ``parse_route_get(text, address) -> RouteLookup``: the kernel's answer for one
  address (``ip -j route get``; text accepted too); unreachable/blackhole/prohibit
  answers give a lookup with ``error`` set.

Empty input, or input in which no entry can be read, raises :class:`ParseError`
(``ip route show table all`` always lists at least the local table).
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import socket
from typing import Any
from dataclasses import dataclass

from agent.model import PREFIX_LENGTHS, Family, Route, RouteLookup, is_plain_ip
from agent.serial import Record
from platforms.base import ParseError, load_json

log = logging.getLogger(__name__)

ROUTE_TYPES = ("unicast", "local", "broadcast", "multicast", "throw", "unreachable", "prohibit",
               "blackhole", "nat", "anycast")
_FAIL_TYPES = ("unreachable", "prohibit", "blackhole", "throw")
# keywords followed by one value in `ip route` text output
_VALUED = {"via", "dev", "proto", "scope", "src", "metric", "table", "pref", "mtu", "advmss", "expires",
           "weight", "realm", "realms", "from", "tos", "dsfield", "uid", "rtt", "rttvar", "window", "cwnd",
           "initcwnd", "initrwnd", "hoplimit", "features", "quickack", "congctl", "nhid", "error", "ssthresh",
           "reordering", "fastopen_no_cookie", "encap", "iif", "oif", "mark", "ttl-propagate", "cache"}


@dataclass(frozen=True, slots=True)
class Rule(Record):
    """One policy-routing rule (``ip rule``)."""
    priority: int
    table: str | None = None
    src: str = "all"
    dst: str | None = None
    fwmark: str | None = None
    iif: str | None = None
    oif: str | None = None
    action: str = "lookup"           # lookup, unreachable, prohibit, blackhole, goto, nop
    not_: bool = False
    family: Family = Family.INET

    @property
    def is_default(self) -> bool:
        """One of the three rules every Linux box has (local, main, default)."""
        return (self.src == "all" and self.dst is None and self.fwmark is None and self.iif is None
                and self.oif is None and not self.not_ and self.action == "lookup"
                and (self.priority, self.table) in ((0, "local"), (32766, "main"), (32767, "default")))

    def describe(self) -> str:
        parts = [f"{self.priority}:"]
        parts.append("not" if self.not_ else "")
        parts.append(f"from {self.src}")
        for label, value in (("to", self.dst), ("fwmark", self.fwmark), ("iif", self.iif), ("oif", self.oif)):
            if value:
                parts.append(f"{label} {value}")
        parts.append(f"lookup {self.table}" if self.action == "lookup" else self.action)
        return " ".join(p for p in parts if p)


# --------------------------------------------------------------------------- helpers


def _family_of(*values: str | None) -> Family | None:
    for v in values:
        if v and v not in ("default", "all") and ":" in v:
            return Family.INET6
        if v and re.match(r"^\d+\.\d+\.\d+\.\d+", v):
            return Family.INET
    return None


def _plain_ipv4_cidr(dst: str) -> str | None:
    """`dst` as ``str(ip_network(dst, strict=False))`` prints it, for the plain IPv4
    spellings `ip` prints (``10.1.0.0/16``, a bare host address), computed without
    ipaddress (a 100,000-route table); None for anything else."""
    addr, sep, plen = dst.partition("/")
    if ":" in addr:
        return None
    try:
        packed = socket.inet_pton(socket.AF_INET, addr)
    except (OSError, ValueError):
        return None
    if socket.inet_ntop(socket.AF_INET, packed) != addr:
        return None                                   # leading zeros and the like: ipaddress decides
    if not sep:
        return f"{addr}/32"
    if plen not in PREFIX_LENGTHS[0]:
        return None
    if int.from_bytes(packed, "big") & ((1 << (32 - int(plen))) - 1):
        return None                                   # not a network address: ipaddress masks it
    return dst


def _cidr(dst: str, family: Family) -> str:
    if dst in ("default", "any", "all"):
        return "0.0.0.0/0" if family is Family.INET else "::/0"
    plain = _plain_ipv4_cidr(dst)
    if plain is not None:
        return plain
    try:
        return str(ipaddress.ip_network(dst, strict=False))
    except ValueError:
        raise ParseError(f"route destination {dst!r} is not an address or prefix") from None


def _gateway(value: str | None) -> str | None:
    if not value:
        return None
    if is_plain_ip(value):
        return value
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return None
    return value


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- routes


def _routes_from_json(entry: dict, family: Family | None, memo: dict | None = None) -> list[Route]:
    """The Route(s) of one `ip -j route` entry.  ``memo`` (one per table) keeps each distinct
    gateway, device, protocol... once: validated once, and one string object shared by
    every route that names it (a 100,000-route table names a handful)."""
    memo = {} if memo is None else memo
    dst = entry.get("dst")
    if not isinstance(dst, str):
        raise ParseError(f"route entry without a destination: {entry!r}"[:200])
    if family is not None and "nexthops" not in entry and not entry.get("flags"):
        # The common entry: everything but the destination is shared with many others.
        try:
            sig = (family, entry.get("gateway"), entry.get("dev"), entry.get("metric", _NONE),
                   entry.get("table", "main"), entry.get("type", "unicast"), entry.get("protocol", _NONE),
                   entry.get("scope", _NONE), entry.get("prefsrc"))
            shared = memo.get(sig)
        except TypeError:            # an unhashable value where a word belongs: the long way
            shared = sig = None
        if sig is not None:
            if shared is None:
                shared = memo[sig] = _shared_fields(entry, memo)
            # Positional, in Route's field order (tests/test_fastpaths.py checks it): keyword
            # arguments cost a microsecond more per route on a 100,000-route table.
            return [Route(family, _cidr(dst, family), *shared)]
    nexthops = entry.get("nexthops") or _ONE_HOP
    fam = family or _family_of(dst, entry.get("gateway"), entry.get("prefsrc"),
                               *(n.get("gateway") for n in nexthops if isinstance(n, dict)))
    if fam is None:
        fam = Family.INET6 if "pref" in entry else Family.INET
    destination = _cidr(dst, fam)
    metric = _int(entry["metric"]) if "metric" in entry else None
    table = _word(memo, entry.get("table", "main"))
    rtype = _word(memo, entry.get("type", "unicast"))
    protocol = _word(memo, entry["protocol"]) if "protocol" in entry else None
    scope = _word(memo, entry["scope"]) if "scope" in entry else None
    source = _address(memo, entry.get("prefsrc"))
    flags = entry.get("flags") or ()
    out = []
    for hop in nexthops:
        hop = hop if isinstance(hop, dict) else {}
        hop_flags = hop.get("flags") or ()
        out.append(Route(
            family=fam, destination=destination,
            gateway=_address(memo, hop.get("gateway", entry.get("gateway"))),
            interface=_word(memo, hop.get("dev", entry.get("dev"))),
            metric=metric, table=table, type=rtype, protocol=protocol, scope=scope, source=source,
            flags=tuple(str(f) for f in (*flags, *hop_flags)) if flags or hop_flags else (),
        ))
    return out


_NONE = object()     # "absent", apart from a JSON null
# The Route fields _shared_fields gives, in Route's order after family and destination.
SHARED_ROUTE_FIELDS = ("gateway", "interface", "metric", "table", "type", "protocol", "scope", "source")


def _shared_fields(entry: dict, memo: dict) -> tuple:
    """SHARED_ROUTE_FIELDS of a one-hop, flag-less entry, as the long way computes them."""
    return (_address(memo, entry.get("gateway")), _word(memo, entry.get("dev")),
            _int(entry["metric"]) if "metric" in entry else None,
            _word(memo, entry.get("table", "main")), _word(memo, entry.get("type", "unicast")),
            _word(memo, entry["protocol"]) if "protocol" in entry else None,
            _word(memo, entry["scope"]) if "scope" in entry else None,
            _address(memo, entry.get("prefsrc")))


_ONE_HOP: tuple[dict, ...] = ({},)


def _word(memo: dict, value):
    """``str(value)``, one object per distinct value; None stays None."""
    if value is None:
        return None
    try:
        return memo[("w", value)]
    except KeyError:
        word = memo[("w", value)] = str(value)
        return word
    except TypeError:                  # unhashable (a list where a word belongs)
        return str(value)


def _address(memo: dict, value):
    """``_gateway(value)``, computed once per distinct value."""
    try:
        return memo[("a", value)]
    except KeyError:
        address = memo[("a", value)] = _gateway(value)
        return address
    except TypeError:
        return _gateway(value)


def _tokens_to_fields(tokens: list[str]) -> tuple[dict[str, str], list[str]]:
    fields: dict[str, str] = {}
    flags: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in _VALUED and i + 1 < len(tokens):
            value = tokens[i + 1]
            if tok == "via" and value in ("inet", "inet6") and i + 2 < len(tokens):
                value = tokens[i + 2]
                i += 1
            fields.setdefault(tok, value)
            i += 2
        else:
            flags.append(tok)
            i += 1
    return fields, flags


def _route_from_text(head: list[str], hops: list[list[str]], family: Family | None) -> list[Route]:
    rtype = "unicast"
    if head and head[0] in ROUTE_TYPES:
        rtype = head.pop(0)
    if not head:
        raise ParseError("route line without a destination")
    dst = head.pop(0)
    fields, flags = _tokens_to_fields(head)
    if dst not in ("default", "any") and not re.match(r"^[0-9A-Fa-f:.]+(/\d+)?$", dst):
        raise ParseError(f"{dst!r} is not a route destination")
    fam = family or _family_of(dst, fields.get("via"), fields.get("src"))
    if fam is None:
        fam = Family.INET6 if "pref" in fields else Family.INET
    base: dict[str, Any] = dict(family=fam, destination=_cidr(dst, fam), metric=_int(fields.get("metric")),
                table=fields.get("table", "main"), type=rtype, protocol=fields.get("proto"),
                scope=fields.get("scope"), source=_gateway(fields.get("src")))
    if not hops:
        return [Route(gateway=_gateway(fields.get("via")), interface=fields.get("dev"), flags=tuple(flags), **base)]
    out = []
    for hop in hops:
        hf, hflags = _tokens_to_fields(hop[1:])       # drop the "nexthop" keyword
        out.append(Route(gateway=_gateway(hf.get("via")), interface=hf.get("dev"),
                         flags=tuple(flags + hflags), **base))
    return out


def parse_json(text: str, family: Family | None = None) -> tuple[Route, ...]:
    try:
        return _parse_entries(_compact_array(text), family)
    except _NotCompact:
        pass
    data = load_json(text, "`ip -j route` output")
    if not isinstance(data, list):
        raise ParseError("`ip -j route` output is not a JSON list")
    return _parse_entries(data, family)


def _parse_entries(entries, family: Family | None) -> tuple[Route, ...]:
    routes: list[Route] = []
    memo: dict = {}
    bad = 0
    for entry in entries:
        if not isinstance(entry, dict):
            bad += 1
            continue
        try:
            routes.extend(_routes_from_json(entry, family, memo))
        except (ParseError, ValueError, TypeError) as err:
            log.debug("skipped route entry %r: %s", entry, err)
            bad += 1
    if bad and not routes:
        raise ParseError(f"none of the {bad} route entries could be read")
    return tuple(routes)


class _NotCompact(Exception):
    """Not the compact ``[{...},{...}]`` `ip -j` prints: decode the text whole instead."""


_scan_once = json.JSONDecoder().scan_once   # type: ignore[attr-defined]  # the C scanner: exists, not in typeshed


def _compact_array(text: str):
    """The elements of the JSON array `ip -j` prints, decoded one at a time, so a
    100,000-route table never exists as 100,000 dicts at once (~60 MB).  Raises
    _NotCompact -- possibly after yielding some elements: the caller then starts over
    with the whole text -- for any other layout and for anything that is not JSON, so
    the result and the errors are those of decoding the whole text."""
    n = len(text)
    if n < 2 or text[0] != "[":
        raise _NotCompact
    idx = 1
    if text[1] == "]":
        if text[2:].strip():
            raise _NotCompact
        return
    while True:
        try:
            entry, idx = _scan_once(text, idx)
        except (StopIteration, ValueError, RecursionError):
            raise _NotCompact from None
        yield entry
        mark = text[idx:idx + 1]
        if mark == ",":
            idx += 1
        elif mark == "]" and not text[idx + 1:].strip():
            return
        else:
            raise _NotCompact


def parse_text(text: str, family: Family | None = None) -> tuple[Route, ...]:
    routes: list[Route] = []
    bad = 0
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        if line[:1].isspace():
            bad += 1                                  # a stray continuation line
            continue
        hops = []
        while i < len(lines) and lines[i].strip().startswith("nexthop"):
            hops.append(lines[i].split())
            i += 1
        try:
            routes.extend(_route_from_text(line.split(), hops, family))
        except (ParseError, ValueError) as err:
            log.debug("skipped route line %r: %s", line, err)
            bad += 1
    if not routes:
        raise ParseError(f"no route could be read from {bad} line(s)")
    return tuple(routes)


def parse(text: str, family: Family | None = None) -> tuple[Route, ...]:
    """Routes from ``ip [-j] route show ...`` output (JSON or text, detected)."""
    if not text.strip():
        raise ParseError("empty output: expected `ip -j route` JSON or `ip route` text")
    if text.lstrip().startswith("["):
        return parse_json(text, family)
    return parse_text(text, family)


# --------------------------------------------------------------------------- rules


def _rule_from_json(e: dict, family: Family) -> Rule:
    action = "lookup" if "table" in e else str(e.get("action", e.get("type", "lookup")))
    return Rule(priority=int(e["priority"]), table=str(e["table"]) if "table" in e else None,
                src=str(e.get("src", "all")) + (f"/{e['srclen']}" if "srclen" in e else ""),
                dst=(str(e["dst"]) + (f"/{e['dstlen']}" if "dstlen" in e else "")) if "dst" in e else None,
                fwmark=str(e["fwmark"]) + (f"/{e['fwmask']}" if "fwmask" in e else "") if "fwmark" in e else None,
                iif=e.get("iif"), oif=e.get("oif"), action=action, not_=bool(e.get("not")), family=family)


def _rule_from_text(line: str, family: Family) -> Rule:
    m = re.match(r"^\s*(\d+):\s*(.*)$", line)
    if not m:
        raise ParseError(f"not an `ip rule` line: {line!r}")
    tokens = m[2].split()
    negate = bool(tokens) and tokens[0] == "not"
    if negate:
        tokens = tokens[1:]
    fields: dict[str, str] = {}
    action = "lookup"
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("from", "to", "fwmark", "iif", "oif", "lookup", "table", "goto", "pref", "priority") \
                and i + 1 < len(tokens):
            fields[tok] = tokens[i + 1]
            i += 2
            continue
        if tok in ("unreachable", "prohibit", "blackhole", "nop"):
            action = tok
        i += 1
    table = fields.get("lookup", fields.get("table"))
    if "goto" in fields:
        action = "goto"
    return Rule(priority=int(m[1]), table=table, src=fields.get("from", "all"), dst=fields.get("to"),
                fwmark=fields.get("fwmark"), iif=fields.get("iif"), oif=fields.get("oif"),
                action=action if table is None else "lookup", not_=negate, family=family)


def parse_rules(text: str, family: Family = Family.INET) -> tuple[Rule, ...]:
    if not text.strip():
        raise ParseError("empty output: expected `ip -j rule` JSON or `ip rule` text")
    if text.lstrip().startswith("["):
        data = load_json(text, "`ip -j rule` output")
        try:
            return tuple(_rule_from_json(e, family) for e in data)
        except (ValueError, KeyError, TypeError, AttributeError) as err:
            raise ParseError(f"`ip -j rule` output not understood: {err!r}") from None
    rules = []
    for line in text.splitlines():
        if line.strip():
            rules.append(_rule_from_text(line, family))
    return tuple(rules)


# --------------------------------------------------------------------------- route get


def parse_route_get(text: str, address: str) -> RouteLookup:
    """The kernel's answer for ``address`` from ``ip [-j] route get`` output."""
    if not text.strip():
        raise ParseError("empty `ip route get` output")
    method = "ip route get"
    if text.lstrip().startswith("["):
        data = load_json(text, "`ip -j route get` output")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise ParseError("`ip -j route get` output is not a list of routes")
        e = data[0]
        rtype = str(e.get("type", "unicast"))
        if rtype in _FAIL_TYPES:
            return RouteLookup(address=address, error=f"route type {rtype}", method=method)
        dev = e.get("dev")
        try:
            if dev is not None and not isinstance(dev, str):
                raise TypeError(f"dev is {type(dev).__name__}")
            return RouteLookup(address=address, interface=dev, gateway=_gateway(e.get("gateway")),
                               source_address=_gateway(e.get("prefsrc")), method=method)
        except (TypeError, ValueError) as err:  # a field of the wrong JSON type
            raise ParseError(f"`ip -j route get` output has an unexpected shape: {err}") from None
    first = text.strip().splitlines()[0].split()
    rtype = first.pop(0) if first and first[0] in ROUTE_TYPES else "unicast"
    if not first or not re.match(r"^[0-9A-Fa-f:.]+$", first[0]):
        raise ParseError(f"not `ip route get` output: {text.strip()[:80]!r}")
    fields, _flags = _tokens_to_fields(first[1:])
    if rtype in _FAIL_TYPES:
        return RouteLookup(address=address, error=f"route type {rtype}", method=method)
    return RouteLookup(address=address, interface=fields.get("dev"), gateway=_gateway(fields.get("via")),
                       source_address=_gateway(fields.get("src")), method=method)


def route_get_error(stderr: str | None) -> str:
    """The plain reason from ``RTNETLINK answers: Network is unreachable``."""
    line = (stderr or "").strip().splitlines()[0] if (stderr or "").strip() else ""
    return line.split("answers:", 1)[1].strip() if "answers:" in line else (line or "no route")


def looks_like(text: str) -> bool:
    s = text.lstrip()
    if s.startswith("["):
        return '"dst"' in s[:2000]
    return bool(re.search(r"^(?:(?:unicast|local|broadcast|unreachable|blackhole|prohibit)\s+)?"
                          r"(?:default|[0-9a-fA-F:.]+(?:/\d+)?)\s+(?:via|dev)\s+\S+", text, re.M))


def looks_like_rules(text: str) -> bool:
    """`ip rule` output: JSON with "priority", or `0:\tfrom all lookup local` lines."""
    s = text.lstrip()
    if s.startswith("["):
        return '"priority"' in s[:2000] and '"dst"' not in s[:2000]
    return bool(re.search(r"^\d+:\s+(?:not\s+)?from\s+\S+.*\b(?:lookup|table|unreachable|prohibit|blackhole)\b",
                          text, re.M))
