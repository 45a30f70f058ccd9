"""OpenVPN / AWS VPN Client log -> what the server pushed, and when the tunnel came and went.

Pure parser for the logs of OpenVPN 2.x (``openvpn --config``, NetworkManager, the AWS VPN
Client's bundled ``acvc-openvpn``: ``ovpn_aws_vpn_client_*.log``) and, for connect errors,
OpenVPN Connect.  It reads:

* the **last** ``PUSH_REPLY`` (``PUSH: Received control message: 'PUSH_REPLY,...'``) into a
  :class:`agent.model.PushedConfig`: ``dhcp-option DNS``, ``route NET MASK`` (as CIDRs),
  ``redirect-gateway``, ``dhcp-option DOMAIN/DOMAIN-ROUTE/DOMAIN-SEARCH``, ``ifconfig``
  (address/prefix), ``route-gateway``, ``block-outside-dns``; options the client dropped with
  ``pull-filter`` ("Pushed option removed by filter") are left out, because the OS never got them;
* connect ("Initialization Sequence Completed") and disconnect ("SIGTERM", "process exiting",
  "Closing TUN/TAP interface", "DISCONNECTED") times;
* notable error lines, e.g. ``RESOLVE: Cannot resolve host address: cvpn-endpoint-...``.

Timestamps are the log's own local time (the log does not say its zone), normalised to
``YYYY-MM-DDTHH:MM:SS`` where the log gives a year, else kept as written.
Auth-token values are never kept (a pushed ``auth-token X`` becomes ``auth-token [removed]``).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import datetime

from agent.model import PushedConfig
from platforms.base import ParseError

_PUSH_REPLY = re.compile(r"PUSH_REPLY,(?P<opts>.*?)'?\s*$")
_FILTERED = re.compile(r"Pushed option removed by filter: '(?P<opt>[^']*)'")

# Timestamps OpenVPN writes: ctime ("Sun Oct  6 06:53:50 2024", optionally " us=276082"),
# ISO-ish ("2024-05-14 18:36:40" or with fractions), and syslog ("Aug  3 10:28:36", no year).
_TS_CTIME = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) "
                       r"(?P<time>\d{2}:\d{2}:\d{2}) (?P<year>\d{4})")
_TS_ISO = re.compile(r"^\s*(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})")
_TS_SYSLOG = re.compile(r"^\s*(?P<mon>[A-Z][a-z]{2}) +(?P<day>\d{1,2}) (?P<time>\d{2}:\d{2}:\d{2})\b")

_CONNECT = ("Initialization Sequence Completed",)
_DISCONNECT = re.compile(r"SIGTERM\[|process exiting|Closing TUN/TAP interface|\bDISCONNECTED\b|"
                         r"SIG(?:USR1|HUP)\[[^\]]*\] received, process restarting")
_ERROR = re.compile(
    r"RESOLVE: Cannot resolve host|DNS resolve error|Cannot resolve host address|AUTH_FAILED|"
    r"TLS Error|TLS handshake failed|VERIFY ERROR|Options error|OPTIONS ERROR|Exiting due to fatal error|"
    r"FATAL|Transport Error|Connection reset|Inactivity timeout|Initialization Sequence Completed With Errors|"
    r"Cannot open TUN/TAP|There are no TAP-Windows|All TAP-Windows adapters|\bERROR:|"
    r"discrepancy between the IP address|Could not determine IPv4/IPv6 protocol", re.I)
_ENDPOINT_UNRESOLVABLE = re.compile(r"(?:Cannot resolve host address|DNS resolve error on)[: ']+\s*'?"
                                    r"(?P<host>[\w.-]*cvpn-endpoint-[0-9a-f]+[\w.-]*)", re.I)
# Any OpenVPN line we know: used to tell a log from garbage.
_MARKERS = re.compile(r"OpenVPN \d|PUSH_REPLY|PUSH_REQUEST|Initialization Sequence Completed|TUN/TAP|"
                      r"Peer Connection Initiated|link remote|RESOLVE: Cannot resolve|DNS resolve error|"
                      r"process exiting|process restarting|Control Channel|ROUTE_GATEWAY|Transport Error|OPTIONS IMPORT|"
                      r"TLS: Initial packet|MANAGEMENT: >STATE|AUTH_FAILED")
_AUTH_TOKEN = re.compile(r"(auth-token(?:-user)?)[ \t]+(?!\[removed\])[^,'\s]+")
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                       "Oct", "Nov", "Dec"), start=1)}
MAX_ERRORS = 20


@dataclass(frozen=True, slots=True)
class OpenVpnLog:
    """What one log says.  ``connected`` is True when the last connect/disconnect event is a
    connect (None when the log has neither)."""
    pushed: PushedConfig | None = None
    connected_at: str | None = None
    disconnected_at: str | None = None
    connected: bool | None = None
    errors: tuple[str, ...] = ()
    filtered: tuple[str, ...] = ()         # pushed options the client's pull-filter dropped
    unresolvable_endpoint: str | None = None  # the cvpn-endpoint name the client could not resolve


def looks_like(text: str) -> bool:
    """True when ``text`` reads like an OpenVPN / AWS VPN Client log."""
    return len(_MARKERS.findall(text[:200_000])) >= 1 and not text.lstrip().startswith(("{", "["))


def timestamp(line: str) -> str | None:
    """The line's timestamp as ``YYYY-MM-DDTHH:MM:SS`` (or as written when it has no year)."""
    m = _TS_ISO.search(line)
    if m:
        return f"{m['date']}T{m['time']}"
    m = _TS_CTIME.search(line[:80])
    if m:
        return f"{int(m['year']):04d}-{_MONTHS.get(m['mon'], 1):02d}-{int(m['day']):02d}T{m['time']}"
    m = _TS_SYSLOG.search(line)
    if m and m["mon"] in _MONTHS:
        return f"{m['mon']} {int(m['day']):2d} {m['time']}"
    return None


def _mask_prefix(mask: str) -> int | None:
    """Prefix length of a dotted netmask, or None when ``mask`` is not a netmask (net30's
    ``ifconfig LOCAL PEER`` passes the peer address in that position)."""
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except (ipaddress.NetmaskValueError, ValueError):
        return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_push_reply(options: str, raw: str = "", seen_at: str | None = None,
                     dropped: frozenset[str] = frozenset()) -> PushedConfig:
    """The comma-separated options of one PUSH_REPLY to a PushedConfig (unknown options are
    ignored; ``dropped`` options were removed by the client's pull-filter)."""
    dns: list[str] = []
    routes: list[str] = []
    domains: list[str] = []
    redirect = block_outside = False
    ifconfig = route_gateway = None
    for opt in (o.strip() for o in options.split(",")):
        if not opt or opt in dropped:
            continue
        words = opt.split()
        head = words[0].lower()
        if head == "dhcp-option" and len(words) >= 3:
            kind = words[1].upper()
            if kind in ("DNS", "DNS6") and _is_ip(words[2]) and words[2] not in dns:
                dns.append(words[2])
            elif kind in ("DOMAIN", "DOMAIN-ROUTE", "DOMAIN-SEARCH", "ADAPTER_DOMAIN_SUFFIX"):
                for dom in words[2:]:
                    if dom not in domains:
                        domains.append(dom)
        elif head == "route" and len(words) >= 2 and _is_ip(words[1]):
            prefix = _mask_prefix(words[2]) if len(words) >= 3 else 32
            if prefix is not None:
                cidr = str(ipaddress.ip_network(f"{words[1]}/{prefix}", strict=False))
                if cidr not in routes:
                    routes.append(cidr)
        elif head == "route-ipv6" and len(words) >= 2:
            try:
                cidr = str(ipaddress.ip_network(words[1], strict=False))
            except ValueError:
                continue
            if cidr not in routes:
                routes.append(cidr)
        elif head in ("redirect-gateway", "redirect-private"):
            redirect = redirect or head == "redirect-gateway"
        elif head == "ifconfig" and len(words) >= 3 and _is_ip(words[1]):
            prefix = _mask_prefix(words[2])
            ifconfig = f"{words[1]}/{prefix if prefix is not None else 32}"
        elif head == "route-gateway" and len(words) >= 2 and _is_ip(words[1]):
            route_gateway = words[1]
        elif head == "block-outside-dns":
            block_outside = True
    return PushedConfig(dns_servers=tuple(dns), routes=tuple(routes), redirect_gateway=redirect,
                        domains=tuple(domains), ifconfig=ifconfig, route_gateway=route_gateway,
                        block_outside_dns=block_outside, raw=raw, seen_at=seen_at)


def parse(text: str, source: str = "") -> OpenVpnLog:
    """Parse a whole log.  Empty text gives an empty result; text with no OpenVPN line at all
    raises ParseError."""
    if not text.strip():
        return OpenVpnLog()
    if not looks_like(text):
        raise ParseError("this is not an OpenVPN / AWS VPN Client log (no OpenVPN message found)")
    push_line = push_opts = push_ts = None
    push_index = -1
    connected_at = disconnected_at = None
    last_event: bool | None = None
    errors: list[str] = []
    filtered: list[tuple[int, str]] = []
    unresolvable = None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "PUSH_REPLY," in line:
            m = _PUSH_REPLY.search(line)
            if m:
                push_line, push_opts, push_ts, push_index = line.strip(), m["opts"], timestamp(line), i
            continue
        fm = _FILTERED.search(line)
        if fm:
            filtered.append((i, fm["opt"].strip()))
        if any(marker in line for marker in _CONNECT):
            connected_at = timestamp(line) or connected_at
            last_event = True
        elif _DISCONNECT.search(line):
            disconnected_at = timestamp(line) or disconnected_at
            last_event = False
        if _ERROR.search(line):
            msg = line.strip()
            if msg and msg not in errors:
                errors.append(msg)
            em = _ENDPOINT_UNRESOLVABLE.search(line)
            if em:
                unresolvable = em["host"].rstrip(".:")
    pushed = None
    dropped: tuple[str, ...] = ()
    if push_opts is not None:
        # pull-filter messages follow the PUSH_REPLY they belong to.
        dropped = tuple(opt for idx, opt in filtered if idx > push_index)
        raw = _AUTH_TOKEN.sub(r"\1 [removed]", push_line or "")
        pushed = parse_push_reply(_AUTH_TOKEN.sub(r"\1 [removed]", push_opts), raw=raw, seen_at=push_ts,
                                  dropped=frozenset(dropped))
        if source:
            pushed = replace(pushed, source=source)
    return OpenVpnLog(pushed=pushed, connected_at=connected_at, disconnected_at=disconnected_at,
                      connected=last_event, errors=tuple(errors[-MAX_ERRORS:]), filtered=dropped,
                      unresolvable_endpoint=unresolvable)


_SESS_ID = re.compile(r"SESS_ID_[A-Za-z0-9+/=_-]+")
_MGMT_PASSWORD = re.compile(r"(PASSWORD \"[^\"]*\" )\"[^\"]*\"")


def scrub_secrets(text: str) -> str:
    """The log without credentials: pushed ``auth-token`` values, session ids (``SESS_ID_...``)
    and management-interface passwords become ``[removed]``.  Used before a log enters a capture,
    so even an unredacted report never carries a live session token."""
    text = _AUTH_TOKEN.sub(r"\1 [removed]", text)
    text = _SESS_ID.sub("[removed]", text)
    return _MGMT_PASSWORD.sub(r'\1"[removed]"', text)


def parse_timestamp(value: str | None) -> datetime | None:
    """A ``YYYY-MM-DDTHH:MM:SS`` value from :func:`timestamp` as a naive datetime (None otherwise)."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
