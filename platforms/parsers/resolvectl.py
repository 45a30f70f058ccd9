"""Parser for ``resolvectl status`` (and ``systemd-resolve --status``) text, and the
state record systemd-resolved is read into (shared with the D-Bus reader).

``parse(text) -> ResolvedState``.  Both layouts are read:

* systemd <= 245: right-aligned ``Key: value`` lines, one value per line with
  continuation lines (``DNS Servers: 8.8.8.8`` / ``                8.8.4.4``),
  ``DefaultRoute setting: yes`` (systemd 240-245; absent before 240);
* systemd >= 246: ``Protocols: +DefaultRoute +LLMNR -mDNS ...``, values space-separated
  on one line, ``resolv.conf mode: stub``; systemd >= 257 adds ``Default Route: yes``.

Sections start with ``Global`` or ``Link N (ifname)``; a link's lines pasted without that
line are read as a link whose name is unknown (index -1).  The one-line forms of
``resolvectl dns`` and ``resolvectl domain`` (``Link 3 (tun0): 10.0.0.2 10.0.0.3``) are read
too (addresses are servers, names are domains).  A continuation line whose indentation
was stripped by the paste (a bare ``8.8.4.4`` under ``DNS Servers:``) still continues.  Labels are fixed English
(resolvectl does not translate them), and we run it with ``LC_ALL=C`` anyway.
Server addresses may carry ``#server-name`` (DoT SNI), ``:port`` or ``%ifindex``; the
name and port are split off.  Text without any section raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.serial import Record
from platforms.base import ParseError

_SECTION_LINK = re.compile(r"^\s*Link\s+(?P<index>\d+)\s+\((?P<name>[^)]*)\)\s*:?\s*$")
_SECTION_GLOBAL = re.compile(r"^\s*Global\s*:?\s*$")
# `resolvectl dns` / `resolvectl domain`: one line per section, values after the colon
_ONE_LINE = re.compile(r"^\s*(?:Global|Link\s+(?P<index>\d+)\s+\((?P<name>[^)]*)\))\s*:[^\S\n]+(?P<values>\S.*)$")
_CONTINUED_KEYS = ("dns servers", "fallback dns servers", "dns domain", "dns domains")
_LINK_LABELS = ("current dns server", "dns servers", "dns domain", "protocols", "current scopes", "default route",
                "defaultroute setting")
# A label is letters/digits/spaces/dots followed by ":" and whitespace or end of line;
# an IPv6 continuation line never has ": " so it is not mistaken for a label.
_LABEL = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z0-9 ._-]*?):(?:\s+|$)(?P<value>.*)$")
# systemd 252 prints the Global section's server list without the colon (seen in the lab:
# "        DNS Servers 192.168.1.1" under "Current DNS Server: 192.168.1.1", foreign mode).
_BARE_SERVERS = re.compile(r"^\s*(?P<key>(?:Fallback )?DNS Servers)\s+(?P<value>\S.*)$")


@dataclass(frozen=True, slots=True)
class ResolvedServer(Record):
    address: str                    # with %zone for link-local IPv6 when known
    port: int = 53
    name: str | None = None         # DNS-over-TLS server name ("#dns.example")


@dataclass(frozen=True, slots=True)
class ResolvedLink(Record):
    """One link as systemd-resolved sees it (index 0 = the global section)."""
    index: int
    name: str = ""
    servers: tuple[ResolvedServer, ...] = ()
    current_server: ResolvedServer | None = None
    domains: tuple[str, ...] = ()   # as resolved writes them: "~." / "~corp" are routing-only
    default_route: bool | None = None   # None: not reported (systemd < 240)
    scopes: tuple[str, ...] | None = None  # ("DNS", "LLMNR/IPv4", ...); () = "none"; None = not reported
    protocols: tuple[str, ...] = ()

    @property
    def routing_domains(self) -> tuple[str, ...]:
        """Every domain this link is asked for ("~." becomes "."); search domains route too."""
        out = []
        for d in self.domains:
            d = d[1:] if d.startswith("~") else d
            d = "." if d in (".", "") else d.rstrip(".")
            if d not in out:
                out.append(d)
        return tuple(out)

    @property
    def has_catch_all(self) -> bool:
        return "~." in self.domains

    @property
    def effective_default_route(self) -> bool:
        """resolved's rule when DefaultRoute is not set: a link is a default route unless it
        has a routing-only domain other than "~." (systemd-resolved.service(8))."""
        if self.default_route is not None:
            return self.default_route
        return not any(d.startswith("~") and d != "~." for d in self.domains)

    @property
    def dns_active(self) -> bool | None:
        """The DNS scope is up (Current Scopes lists DNS / ScopesMask bit 0)."""
        if self.scopes is None:
            return None
        return "DNS" in self.scopes


@dataclass(frozen=True, slots=True)
class ResolvedState(Record):
    global_: ResolvedLink = ResolvedLink(index=0, name="global")
    links: tuple[ResolvedLink, ...] = ()
    fallback_servers: tuple[ResolvedServer, ...] = ()
    resolv_conf_mode: str | None = None     # stub | uplink | static | foreign | missing
    stub_listener: str | None = None
    source: str = ""                        # "resolvectl" or "dbus"
    skipped: tuple[str, ...] = ()           # values that are not addresses (a poster's "<dns1>"), skipped


def server(text: str, ifindex: int | None = None) -> ResolvedServer:
    """Read one resolved server string: ``1.1.1.1#cloudflare-dns.com``, ``[fe80::1]:53%2``,
    ``192.0.2.1:5353``, ``fe80::1%2``.  Raises ParseError when it is not an address."""
    text = text.strip()
    name = None
    if "#" in text:
        text, name = text.split("#", 1)
    port = 53
    zone = None
    m = re.match(r"^\[(?P<addr>[^\]]+)\](?::(?P<port>\d+))?(?:%(?P<zone>\S+))?$", text)
    if m:
        addr, port, zone = m["addr"], int(m["port"] or 53), m["zone"]
        if "%" in addr:
            addr, zone = addr.split("%", 1)
    elif text.count(":") == 1:                      # IPv4 with a port
        addr, p = text.split(":")
        port = int(p) if p.isdigit() else 53
    else:
        addr = text
        if "%" in addr:
            addr, zone = addr.split("%", 1)
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        raise ParseError(f"{text!r} is not a DNS server address") from None
    if zone is None and ifindex and ip.version == 6 and ip.is_link_local:
        zone = str(ifindex)
    return ResolvedServer(address=f"{ip}%{zone}" if zone and ip.version == 6 else str(ip), port=port, name=name)


def _yes(value: str) -> bool | None:
    v = value.strip().lower()
    if v in ("yes", "true", "1"):
        return True
    if v in ("no", "false", "0"):
        return False
    return None


class _Section:
    def __init__(self, index: int, name: str) -> None:
        self.index, self.name = index, name
        self.values: dict[str, list[str]] = {}
        self.skipped: list[str] = []

    def servers(self, key: str) -> list[ResolvedServer]:
        out = []
        for s in self.values.get(key, ()):
            try:
                out.append(server(s, self.index))
            except ParseError:
                self.skipped.append(f"{self.name or 'global'}: {key} value {s[:60]!r} is not an address")
        return out

    def add(self, key: str, words: list[str]) -> None:
        self.values.setdefault(key, []).extend(words)

    def link(self) -> ResolvedLink:
        v = self.values
        default_route = None
        protocols = tuple(v.get("protocols", ()))
        for p in protocols:
            if p in ("+DefaultRoute", "-DefaultRoute"):
                default_route = p.startswith("+")
        for key in ("defaultroute setting", "default route"):
            if key in v and v[key]:
                default_route = _yes(v[key][0]) if _yes(v[key][0]) is not None else default_route
        scopes = None
        if "current scopes" in v:
            scopes = tuple(s for s in v["current scopes"] if s.lower() != "none")
        current = None
        if v.get("current dns server"):
            found = self.servers("current dns server")
            current = found[0] if found else None
        servers = tuple(self.servers("dns servers"))
        domains = tuple(v.get("dns domain", []) + v.get("dns domains", []))
        return ResolvedLink(index=self.index, name=self.name, servers=servers, current_server=current,
                            domains=domains, default_route=default_route, scopes=scopes, protocols=protocols)


def _is_server(word: str) -> bool:
    try:
        server(word)
    except ParseError:
        return False
    return True


def _continues(key: str, line: str) -> bool:
    """A flush-left line that can only be more values of ``key`` (indentation lost in the paste)."""
    words = line.split()
    if key not in _CONTINUED_KEYS or not words or len(words) > 16:
        return False
    if "servers" in key:
        return all(_is_server(w) for w in words)
    return all(re.fullmatch(r"~?[A-Za-z0-9_.-]+\.?|~\.", w) and ("." in w or w.startswith("~")) for w in words)


def parse(text: str) -> ResolvedState:
    sections: list[_Section] = []
    current: _Section | None = None
    last_key: str | None = None
    for raw in text.splitlines():
        if not raw.strip():
            last_key = None
            continue
        m = _SECTION_LINK.match(raw)
        if m:
            current = _Section(int(m["index"]), m["name"])
            sections.append(current)
            last_key = None
            continue
        if _SECTION_GLOBAL.match(raw):
            current = _Section(0, "global")
            sections.append(current)
            last_key = None
            continue
        one = _ONE_LINE.match(raw)
        if one:
            index = int(one["index"]) if one["index"] else 0
            current = _Section(index, one["name"] if one["index"] else "global")
            sections.append(current)
            for word in one["values"].split():
                current.add("dns servers" if _is_server(word) else "dns domain", [word])
            last_key = None
            continue
        if current is None:
            lm = _LABEL.match(raw)
            if not (lm and lm["key"].strip().lower() in _LINK_LABELS):
                continue
            # lines pasted without their "Link N (name)" line: a link whose name is unknown
            current = _Section(-1, "")
            sections.append(current)
        lm = _LABEL.match(raw) or _BARE_SERVERS.match(raw)
        if lm:
            last_key = lm["key"].strip().lower()
            current.add(last_key, lm["value"].split())
        elif last_key is not None and (raw[:1].isspace() or _continues(last_key, raw)):
            # <= 245: a continuation line of the previous label (one value per line)
            current.add(last_key, raw.split())
        # anything else (a pager's "lines 1-20/20 (END)") is not resolvectl output: ignored
    if not sections:
        raise ParseError("no `Global` or `Link N (name)` section: not resolvectl status output")
    global_ = ResolvedLink(index=0, name="global")
    links: list[ResolvedLink] = []
    fallback: tuple[ResolvedServer, ...] = ()
    mode = None
    for sec in sections:
        if sec.index == 0:
            global_ = sec.link()
            fallback = tuple(sec.servers("fallback dns servers"))
            if sec.values.get("resolv.conf mode"):
                mode = sec.values["resolv.conf mode"][0]
        else:
            links.append(sec.link())
    return ResolvedState(global_=global_, links=tuple(links), fallback_servers=fallback,
                         resolv_conf_mode=mode, source="resolvectl",
                         skipped=tuple(x for sec in sections for x in sec.skipped))


def looks_like(text: str) -> bool:
    labels = set(re.findall(r"^[^\S\n]*(Current DNS Server|DNS Servers|DNS Domain|Current Scopes|Protocols):[^\S\n]+\S",
                            text[:100_000], re.M))
    if len(labels) >= 2 and "DNS Servers" in labels:
        return True                                  # a link's lines pasted without their "Link N" line
    if re.search(r"^[^\S\n]*Global:[^\S\n]*", text, re.M) and re.search(
            r"^[^\S\n]*Link\s+\d+\s+\([^)\n]*\):[^\S\n]+\S", text, re.M):
        return True                                  # `resolvectl dns` / `resolvectl domain`
    if not re.search(r"^[^\S\n]*(Global|Link\s+\d+\s+\([^)]*\))\s*$", text, re.M):
        return False
    return bool(re.search(r"^[^\S\n]*(Current Scopes|DNS Servers|Protocols|LLMNR setting|resolv\.conf mode|"
                          r"DNSSEC NTA|DNSSEC setting|MulticastDNS setting|DNSOverTLS setting|Current DNS Server|"
                          r"DNS Domain|Fallback DNS Servers)\s*:", text, re.M))
