"""Parser for BSD/macOS ``route -n get ADDR`` (pure).

::

       route to: 8.8.8.8
    destination: default
           mask: default
        gateway: 10.0.0.1
      interface: en0
          flags: <UP,GATEWAY,DONE,STATIC,PRCLONING>
     recvpipe  sendpipe  ssthresh  rtt,msec    rttvar  hopcount      mtu     expire
           0         0         0         0         0         0      1500         0

and, when the kernel has no route: ``route: writing to routing socket: not in table``
(on stderr; users paste it together with the prompt line).  A host route prints no
``mask`` line; ``destination: default`` with ``mask: 128.0.0.0`` is the 0.0.0.0/1 half.

People paste several lookups at once (``route get 1``, then ``route get 0``):
:func:`split_outputs` cuts such a text into one text per lookup, :func:`parse_all` reads
them all; :func:`parse` reads the first.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass

from platforms.base import ParseError

_FIELD = re.compile(r"^\s*(route to|destination|mask|gateway|interface|if address|flags|local addr)\s*:\s*(.*?)\s*$")
_ERROR = re.compile(r"route:\s*(?:writing to routing socket|bad address|[^:]*):\s*(.+?)\s*$")
_PROMPT = re.compile(r"(?:^|\s)route\s+(?:-\S+\s+)*get\s+(?:-\S+\s+)*(\S+)")
_STATS_HEADER = re.compile(r"^\s*recvpipe\s+sendpipe\b")
_ROUTE_TO = re.compile(r"^\s*route to\s*:")


@dataclass(frozen=True, slots=True)
class RouteGet:
    route_to: str | None = None
    destination: str | None = None   # as printed ("default", "10.0.0.0", "10.0.0.2")
    mask: str | None = None          # as printed ("default", "255.255.0.0"), None for host routes
    gateway: str | None = None
    interface: str | None = None
    if_address: str | None = None
    flags: tuple[str, ...] = ()
    mtu: int | None = None
    error: str | None = None         # "not in table", "Network is unreachable", ...

    @property
    def cidr(self) -> str | None:
        """The matching route as a CIDR, when destination and mask say it."""
        if self.destination is None:
            return None
        v6 = ":" in (self.destination + (self.route_to or ""))
        dest = self.destination.split("%", 1)[0]
        if dest == "default":
            dest = "::" if v6 else "0.0.0.0"
        try:
            if self.mask in (None, ""):
                if self.destination == "default":
                    return "::/0" if v6 else "0.0.0.0/0"
                if "HOST" in self.flags or self.mask is None:
                    return str(ipaddress.ip_network(dest))
            if self.mask == "default":
                return "::/0" if v6 else "0.0.0.0/0"
            return str(ipaddress.ip_network(f"{dest}/{self.mask}", strict=False))
        except ValueError:
            return None

    @property
    def gateway_address(self) -> str | None:
        if self.gateway is None:
            return None
        try:
            ipaddress.ip_address(self.gateway.split("%", 1)[0])
        except ValueError:
            return None
        return self.gateway

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["cidr"] = self.cidr
        return d


def looks_like(text: str) -> bool:
    return bool(re.search(r"^[^\S\n]*route to:\s*\S+", text, re.M) and re.search(r"^[^\S\n]*interface:\s*\S+", text, re.M)) \
        or bool(re.search(r"route: writing to routing socket:", text))


def address_of(text: str) -> str | None:
    """The address a pasted ``route -n get`` output is about: its ``route to:`` line, or
    the argument on a pasted prompt line (``$ route -n get 10.0.0.2``) when the kernel
    answered with an error only.  None when the text does not say."""
    m = re.search(r"^[^\S\n]*route to:\s*(\S+)", text or "", re.M)
    if m:
        return m.group(1)
    m = _PROMPT.search(text or "")
    if m:
        return m.group(1)
    return None


def split_outputs(text: str) -> list[str]:
    """One text per ``route get`` answer: a new one starts at a prompt line that runs
    ``route ... get``, or at a second ``route to:`` line.  Text with one answer gives [text]."""
    chunks: list[list[str]] = [[]]
    has_answer = False
    for line in (text or "").splitlines():
        starts_prompt = bool(_PROMPT.search(line)) and not _FIELD.match(line)
        starts_answer = bool(_ROUTE_TO.match(line))
        if (starts_prompt and (has_answer or any(_ERROR.search(x) for x in chunks[-1]))) or \
                (starts_answer and has_answer and not (chunks[-1] and _PROMPT.search(chunks[-1][-1] or ""))):
            chunks.append([])
            has_answer = False
        chunks[-1].append(line)
        has_answer = has_answer or starts_answer
    return ["\n".join(c) + "\n" for c in chunks if any(x.strip() for x in c)] or [text]


def parse_all(text: str) -> tuple[RouteGet, ...]:
    """Every ``route get`` answer in ``text`` (ParseError when there is none)."""
    out = []
    for chunk in split_outputs(text):
        try:
            out.append(parse(chunk))
        except ParseError:
            continue
    if not out:
        raise ParseError("route -n get: no 'route to:'/'interface:' lines and no routing-socket error")
    return tuple(out)


def parse(text: str) -> RouteGet:
    """Parse one ``route -n get`` answer (stdout, or stderr for the error form)."""
    if text is None or not text.strip():
        raise ParseError("route -n get: empty output")
    values: dict[str, str] = {}
    mtu: int | None = None
    error: str | None = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = _FIELD.match(line)
        if m:
            values.setdefault(m.group(1), m.group(2))
            continue
        if _STATS_HEADER.match(line):
            header = line.split()
            nums = lines[i + 1].split() if i + 1 < len(lines) else []
            if "mtu" in header and len(nums) == len(header) and nums[header.index("mtu")].isdigit():
                mtu = int(nums[header.index("mtu")])
            continue
        e = _ERROR.search(line)
        if e and "get" not in line.split():
            error = e.group(1)
    if not values and error is None:
        raise ParseError("route -n get: no 'route to:'/'interface:' lines and no routing-socket error")
    flags = values.get("flags", "").strip("<>")
    return RouteGet(route_to=values.get("route to") or address_of(text), destination=values.get("destination"),
                    mask=values.get("mask"), gateway=values.get("gateway"), interface=values.get("interface"),
                    if_address=values.get("if address"),
                    flags=tuple(f for f in flags.split(",") if f), mtu=mtu, error=error)
