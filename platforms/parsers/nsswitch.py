"""Parser for /etc/nsswitch.conf, for its ``hosts:`` line.

``parse(text) -> NsSwitch``.  What matters for DNS is whether glibc programs ask
systemd-resolved (``resolve``, nss-resolve) before they read resolv.conf (``dns``):
Tailscale's ``resolvedIsActuallyResolver()`` (tailscale#2136) trusts that, not the
resolv.conf header.  Action items such as ``[!UNAVAIL=return]`` are kept apart.

An empty file is valid (glibc then uses its built-in default); a text with no
``database: sources`` line at all raises :class:`ParseError`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError

_ENTRY = re.compile(r"^\s*(?P<db>[A-Za-z_][\w-]*)\s*:\s*(?P<rest>.*)$")


@dataclass(frozen=True, slots=True)
class NsSwitch(Record):
    hosts: tuple[str, ...] = ()       # the sources, in order, without action items
    hosts_line: str | None = None     # the line as written
    databases: tuple[str, ...] = ()   # every database named in the file

    @property
    def resolve_before_dns(self) -> bool:
        """nss-resolve (systemd-resolved) comes before the resolv.conf reader (dns)."""
        if "resolve" not in self.hosts:
            return False
        return "dns" not in self.hosts or self.hosts.index("resolve") < self.hosts.index("dns")


def parse(text: str) -> NsSwitch:
    hosts: tuple[str, ...] = ()
    hosts_line = None
    databases: list[str] = []
    other = 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = _ENTRY.match(line)
        if not m:
            other += 1
            continue
        databases.append(m["db"])
        if m["db"] == "hosts":
            hosts_line = raw.strip()
            rest = re.sub(r"\[[^\]]*\]", " ", m["rest"])
            hosts = tuple(rest.split())
    if not databases and other:
        raise ParseError("no `database: sources` line found: not an nsswitch.conf")
    return NsSwitch(hosts=hosts, hosts_line=hosts_line, databases=tuple(databases))


def looks_like(text: str) -> bool:
    return bool(re.search(r"^[^\S\n]*hosts\s*:\s*\S", text, re.M)
                and re.search(r"^[^\S\n]*(passwd|group|shadow|networks|protocols)\s*:", text, re.M))
