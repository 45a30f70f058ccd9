"""Parser for the hosts file (hosts(5); Windows ``%SystemRoot%\\System32\\drivers\\etc\\hosts``).

``parse(text) -> tuple[HostsEntry, ...]``: one entry per line ``ADDRESS NAME [ALIAS...]``;
``#`` starts a comment (anywhere on the line).  Names are kept as written (compare them with
:func:`names_match`).  A line whose first word is not an IP address is skipped (glibc skips it
too); a text that has such lines and no valid one at all raises :class:`ParseError`.  An empty
file, or one of comments only (the Windows default), is valid and has no entry.
"""
from __future__ import annotations

import ipaddress

from agent.model import HostsEntry
from platforms.base import ParseError

MAX_ENTRIES = 5000          # a blocklist hosts file can hold 100,000 lines; the names under test are few


def _address(token: str) -> str | None:
    try:
        ipaddress.ip_address(token.split("%", 1)[0])
    except ValueError:
        return None
    return token


def parse(text: str) -> tuple[HostsEntry, ...]:
    if "\x00" in text:
        raise ParseError("the hosts file contains NUL bytes: not a text file")
    out: list[HostsEntry] = []
    bad = 0
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        address = _address(words[0])
        if address is None or len(words) < 2:
            bad += 1
            continue
        if len(out) < MAX_ENTRIES:
            out.append(HostsEntry(address=address, names=tuple(words[1:]), line=number))
    if bad and not out:
        raise ParseError(f"no `address name` line found ({bad} line(s) that are not hosts entries)")
    return tuple(out)


def _key(name: str) -> str:
    return name.strip().rstrip(".").lower()


def names_match(a: str, b: str) -> bool:
    """Host names compare case-insensitively and without a trailing dot."""
    return _key(a) == _key(b)


def entries_for(entries: tuple[HostsEntry, ...], name: str) -> tuple[HostsEntry, ...]:
    """Every entry that gives ``name`` an address (the resolver uses the first per family)."""
    return tuple(e for e in entries if any(names_match(n, name) for n in e.names))
