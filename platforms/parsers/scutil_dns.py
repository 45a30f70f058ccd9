"""Parser for macOS ``scutil --dns`` (pure).

The labels are fixed English (configd ``dnsinfo_internal.h``, ``_dns_resolver_print``)::

    DNS configuration
    resolver #1
      domain   : corp.example
      search domain[0] : corp.example
      nameserver[0] : 10.0.0.2
      sortaddr[0] : 10.0.0.0/255.0.0.0
      options  : mdns
      port     : 5353
      timeout  : 5
      if_index : 14 (utun4)
      service_identifier : 3
      flags    : Scoped, Supplemental, Request A records, Request AAAA records
      reach    : 0x00000002 (Reachable)
      order    : 100400
    DNS configuration (for scoped queries)
    ...
    DNS configuration (for service-specific queries)
    ...

Variants handled (all seen in real captures, see tests/fixtures/SOURCES.md):

* ``reach`` as ``0x00020002 (Reachable,Directly Reachable Address)`` (10.9+), as the bare
  words ``Reachable,Transient Connection`` (10.7/10.8), and as an unlabelled line holding
  only the words (``Not Reachable`` right after ``flags``; macOS 10.13 era);
* ``flags`` absent (10.8), or ending in an unnamed ``0x...`` bit;
* users' ellipses (``[...]``, ``--CUT other resolvers--``) and shell prompts around a paste
  are ignored; anything else unknown inside a resolver block is kept in ``unknown``.

``parse`` returns a :class:`DnsInfo`; it raises only ParseError (no ``DNS configuration``
header and no ``resolver #N`` line at all).
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from platforms.base import ParseError

MAIN = "default"
SCOPED = "scoped"
SERVICE_SPECIFIC = "service-specific"

_SECTION = re.compile(r"^\s*DNS configuration(?:\s*\(for (scoped|service-specific) queries\))?\s*$")
_RESOLVER = re.compile(r"^\s*resolver\s*#(\d+)\s*$")
_FIELD = re.compile(r"^\s*([A-Za-z_][A-Za-z_ ]*?)(?:\[(\d+)\])?\s*:\s*(.*?)\s*$")
_IF_INDEX = re.compile(r"^(\d+)(?:\s*\((.*)\))?$")
_REACH_HEX = re.compile(r"^(0x[0-9A-Fa-f]+)\s*(?:\((.*)\))?$")
_REACH_WORDS = {"Not Reachable", "Reachable", "Transient Connection", "Connection Required",
                "Connection On Traffic", "Intervention Required", "Connection On Demand",
                "Local Address", "Directly Reachable Address", "WWAN"}
# Lines users put into pastes to mark elided parts; not part of scutil's output.
_ELISION = re.compile(r"^\s*(\[?\.\.\.\]?|\[\s*\.\.\.\s*\]|-+\s*CUT.*|<snip>|…)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class ScutilResolver:
    """One ``resolver #N`` block, every field as printed (typed where the type is fixed)."""
    section: str                       # "default" | "scoped" | "service-specific"
    number: int                        # N of "resolver #N" within its section
    domain: str | None = None
    search_domains: tuple[str, ...] = ()
    nameservers: tuple[str, ...] = ()  # as printed: IPv6 may carry a %scope
    sortaddrs: tuple[str, ...] = ()
    options: str | None = None
    port: int | None = None
    timeout: int | None = None
    if_index: int | None = None
    if_name: str | None = None         # None when scutil printed "?"
    service_identifier: int | None = None
    flags: tuple[str, ...] = ()        # e.g. ("Scoped", "Request A records")
    reach: str | None = None           # hex when printed ("0x00000002"), else None
    reach_flags: tuple[str, ...] = ()  # ("Reachable", "Directly Reachable Address")
    order: int | None = None
    unknown: tuple[str, ...] = ()      # lines inside the block that no rule above knew

    @property
    def scoped(self) -> bool:
        return "Scoped" in self.flags

    @property
    def supplemental(self) -> bool:
        return "Supplemental" in self.flags

    @property
    def mdns(self) -> bool:
        return (self.options or "").split() == ["mdns"] or "mdns" in (self.options or "").split()

    @property
    def reachable(self) -> bool | None:
        if not self.reach_flags:
            return None
        return "Reachable" in self.reach_flags

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class DnsInfo:
    resolvers: tuple[ScutilResolver, ...] = ()
    sections: tuple[str, ...] = ()     # the section headers seen, in order

    def section(self, name: str) -> tuple[ScutilResolver, ...]:
        return tuple(r for r in self.resolvers if r.section == name)

    def to_dict(self) -> dict:
        return {"sections": list(self.sections), "resolvers": [r.to_dict() for r in self.resolvers]}


def looks_like(text: str) -> bool:
    """True for text that is (or contains) ``scutil --dns`` output, also a pasted
    fragment that starts at some ``resolver #N``."""
    if not _RESOLVER.search(text) and not re.search(r"^[^\S\n]*resolver\s*#\d+\s*$", text, re.M):
        return False
    return bool(re.search(r"^[^\S\n]*DNS configuration", text, re.M)
                or re.search(r"^[^\S\n]*nameserver\[\d+\]\s*:", text, re.M)
                or re.search(r"^[^\S\n]*(domain|if_index|order)\s*:", text, re.M))


def _int(value: str, what: str) -> int:
    try:
        return int(value, 0) if value.lower().startswith("0x") else int(value)
    except ValueError:
        raise ParseError(f"scutil --dns: {what} {value!r} is not a number") from None


def _reach(value: str) -> tuple[str | None, tuple[str, ...]]:
    m = _REACH_HEX.match(value)
    if m:
        words = m.group(2) or ""
        return m.group(1).lower(), tuple(w.strip() for w in words.split(",") if w.strip())
    return None, tuple(w.strip() for w in value.split(",") if w.strip())


def _is_reach_words(line: str) -> bool:
    words = [w.strip() for w in line.split(",") if w.strip()]
    return bool(words) and all(w in _REACH_WORDS for w in words)


class _Block:
    def __init__(self, section: str, number: int) -> None:
        self.section = section
        self.number = number
        self.fields: dict[str, object] = {}
        self.search: list[str] = []
        self.servers: list[str] = []
        self.sortaddrs: list[str] = []
        self.unknown: list[str] = []

    def build(self) -> ScutilResolver:
        return ScutilResolver(section=self.section, number=self.number, search_domains=tuple(self.search),
                              nameservers=tuple(self.servers), sortaddrs=tuple(self.sortaddrs),
                              unknown=tuple(self.unknown), **self.fields)  # type: ignore[arg-type]


def _take(block: _Block, key: str, index: str | None, value: str, raw: str) -> None:
    key = " ".join(key.split())
    if key == "nameserver":
        block.servers.append(value)
    elif key == "search domain":
        block.search.append(value)
    elif key == "sortaddr":
        block.sortaddrs.append(value)
    elif key == "domain":
        block.fields["domain"] = value
    elif key == "options":
        block.fields["options"] = value
    elif key in ("port", "timeout", "order", "service_identifier"):
        block.fields[key] = _int(value, key)
    elif key == "if_index":
        m = _IF_INDEX.match(value)
        if not m:
            raise ParseError(f"scutil --dns: if_index {value!r} is not 'N (name)'")
        block.fields["if_index"] = int(m.group(1))
        name = (m.group(2) or "").strip()
        block.fields["if_name"] = name if name and name != "?" else None
    elif key == "flags":
        block.fields["flags"] = tuple(f.strip() for f in value.split(",") if f.strip())
    elif key == "reach":
        block.fields["reach"], block.fields["reach_flags"] = _reach(value)
    else:
        block.unknown.append(raw.strip())


def parse(text: str) -> DnsInfo:
    """Parse ``scutil --dns`` output into its resolvers, per section, in printed order."""
    if text is None or not text.strip():
        raise ParseError("scutil --dns: empty output")
    section: str | None = None
    sections: list[str] = []
    resolvers: list[ScutilResolver] = []
    block: _Block | None = None
    saw_header = False
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        m = _SECTION.match(line)
        if m:
            saw_header = True
            if block is not None:
                resolvers.append(block.build())
                block = None
            section = {None: MAIN, "scoped": SCOPED, "service-specific": SERVICE_SPECIFIC}[m.group(1)]
            sections.append(section)
            continue
        m = _RESOLVER.match(line)
        if m:
            if block is not None:
                resolvers.append(block.build())
            if section is None:        # a paste that starts at "resolver #1"
                section = MAIN
                sections.append(section)
            block = _Block(section, int(m.group(1)))
            continue
        if _ELISION.match(line) or line.lstrip().startswith(("$ ", "% ", "# ", "> ")):
            continue
        if block is None:
            continue                   # prompt lines, "scutil --dns" echo, prose before the output
        if _is_reach_words(line.strip()):
            # macOS 10.13-era scutil printed the reachability words without the "reach :" label.
            block.fields["reach"], block.fields["reach_flags"] = _reach(line.strip())
            continue
        f = _FIELD.match(line)
        if f:
            _take(block, f.group(1), f.group(2), f.group(3), line)
        else:
            block.unknown.append(line.strip())
    if block is not None:
        resolvers.append(block.build())
    if not resolvers:
        what = "a 'DNS configuration' header but no resolver" if saw_header else "no 'DNS configuration' header and no resolver"
        raise ParseError(f"scutil --dns: {what} (is this scutil --dns output?)")
    return DnsInfo(resolvers=tuple(resolvers), sections=tuple(sections))
