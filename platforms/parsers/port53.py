"""Who listens on port 53 on this machine: ``ss`` (Linux) and ``lsof`` (macOS) outputs.

``parse_ss(text)`` reads ``ss -H -l -n -p -t -u sport = :53`` (with or without the header
line): ``udp UNCONN 0 0 127.0.0.53%lo:53 0.0.0.0:* users:(("systemd-resolve",pid=516,fd=18))``.
``parse_lsof(text)`` reads ``lsof +c 0 -nP -iUDP:53 -iTCP:53 -sTCP:LISTEN``:
``mDNSResponder 205 _mdnsresponder 17u IPv4 0x... 0t0 UDP *:53``.

Both give :class:`~agent.model.Port53Listener` records: the local address (``*``, ``0.0.0.0``
and ``::`` mean every address: :data:`WILDCARDS`), the transport, and the process when the OS said (``ss`` names other
users' processes only to root).  Sockets on other ports are ignored.  Garbage raises
:class:`ParseError`; an empty output is valid (nothing listens).
"""
from __future__ import annotations

import re

from agent.model import Port53Listener, Transport
from platforms.base import ParseError

_SS = re.compile(r"^(?P<netid>tcp|udp)\s+\S+\s+\d+\s+\d+\s+(?P<local>\S+):(?P<port>\d+|\*)\s+\S+(?:\s+(?P<rest>.*))?$")
_SS_USER = re.compile(r'\("(?P<name>[^"]*)",pid=(?P<pid>\d+)')
_LSOF = re.compile(r"^(?P<cmd>.+?)\s+(?P<pid>\d+)\s+\S+\s+\S+\s+IPv[46]\s+\S+\s+\S+\s+(?P<proto>TCP|UDP)\s+"
                   r"(?P<local>\S+?):(?P<port>\d+|\*|domain)(?:\s+\((?P<state>[A-Z_]+)\))?\s*$")


WILDCARDS = frozenset({"*", "0.0.0.0", "::"})   # every local address


def _address(local: str) -> str:
    return local[1:-1] if local.startswith("[") and local.endswith("]") else local


def parse_ss(text: str) -> tuple[Port53Listener, ...]:
    out: list[Port53Listener] = []
    other = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("Netid") or line.startswith("State"):
            continue
        m = _SS.match(line)
        if not m:
            other += 1
            continue
        if m["port"] != "53":
            continue
        user = _SS_USER.search(m["rest"] or "")
        out.append(Port53Listener(address=_address(m["local"]), transport=Transport(m["netid"]),
                                  process=user["name"] if user else "", pid=int(user["pid"]) if user else None))
    if other and not out:
        raise ParseError(f"not `ss -l -n -p` output ({other} line(s) not understood)")
    return tuple(out)


def parse_lsof(text: str) -> tuple[Port53Listener, ...]:
    out: list[Port53Listener] = []
    other = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("COMMAND"):
            continue
        m = _LSOF.match(line)
        if not m:
            other += 1
            continue
        if m["port"] not in ("53", "domain"):
            continue
        if m["proto"] == "TCP" and m["state"] not in (None, "LISTEN"):
            continue
        out.append(Port53Listener(address=_address(m["local"]), transport=Transport(m["proto"].lower()),
                                  process=m["cmd"].replace("\\x20", " "), pid=int(m["pid"])))
    if other and not out:
        raise ParseError(f"not `lsof -i` output ({other} line(s) not understood)")
    return tuple(out)
