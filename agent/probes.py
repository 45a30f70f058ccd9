"""The probe engine: which nameservers to ask about which names (``plan``), and asking
all of them at once under one deadline (``run``).

``plan(snapshot, names, extra_servers)`` is pure.  It lists every nameserver the OS may
send a query to -- every :class:`~agent.model.Resolver` of the snapshot whatever its scope
(INACTIVE ones too, marked so: probing them shows what would happen if they were used),
the Windows NRPT rule servers, the servers the VPN pushed or the profile names -- plus
``extra_servers`` (expected/pushed servers the caller knows of), deduplicated by
(address, port).  Each server is crossed with every name, every qtype and every transport.
Domain-scoped resolvers are crossed with *all* names too: deciding whether a name falls
under a resolver's domains is the classifier's job, and the answer of a split-DNS server
for an out-of-zone name is evidence in itself.  When no name is given, the public canary
:data:`DEFAULT_CANARY` is used.

``run(plan, deadline_s)`` sends every probe concurrently from one selector loop on the
calling thread (non-blocking sockets; dnspython only builds and parses the messages) and
resolves each name through the OS resolver (``getaddrinfo``) in daemon worker threads.
One global deadline bounds the whole run: it returns within ``deadline_s`` plus a few
milliseconds of bookkeeping whatever the network does; a getaddrinfo still blocked at the
deadline is abandoned and recorded as error ``"timeout"``.  ``run`` never raises (but
:class:`ProbesInterrupted`, with the partial run, on Ctrl-C): every
failure becomes a :class:`~agent.model.ProbeResult` with an :class:`~agent.model.Outcome`.

Per probe:

* UDP uses a *connected* socket, so the kernel reports an ICMP port unreachable as
  ECONNREFUSED (WSAECONNRESET on Windows) and ``getsockname`` gives the source address
  it picked; replies with the wrong id or question, and bytes that do not parse, are
  ignored while waiting for the real reply (as a stub resolver does) and reported as
  MISMATCHED / MALFORMED only if nothing better came before the deadline.  TC=1 is
  TRUNCATED.
* TCP connects with the remaining deadline and frames the query with the RFC 1035
  2-byte length prefix; a refused connect is CONNECTION_REFUSED, a reset or a close
  without a reply CONNECTION_RESET, a frame cut short by the server MALFORMED.
* ``rtt_ms`` is measured with ``perf_counter`` around the network I/O only: from the
  send (UDP) or the connect (TCP, so it includes the handshake, as dig and dnsping do) to
  the reply or the error that ended the probe; None on timeout.
* ``source_address`` is what the kernel chose and ``interface`` the snapshot interface
  that owns it; when the snapshot's own route lookup for the server names another
  interface, ``detail`` says so.  When the source address is on no listed interface,
  the route lookup's interface is used and ``detail`` says that too.

Sockets are opened for all probes at once; a plan of thousands of probes can exhaust
file descriptors, and each probe that cannot get a socket is recorded as ERROR.
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import os
import selectors
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable, Sequence

from agent import netclass
from agent.i18n import _
from agent.model import (DOH_CANARY, DOH_CANARY_ORIGIN, LARGE_ANSWER_ORIGIN, Answer, NameCheck, Outcome, ProbeResult,
                         ProbeRun, ResolverScope, Snapshot, SystemLookup, Transport, utc_now)
from agent.serial import Record

log = logging.getLogger(__name__)

DEFAULT_CANARY = "aws.amazon.com"
DEFAULT_DEADLINE_S = 3.0
DEFAULT_TRANSPORTS: tuple[Transport, ...] = (Transport.UDP, Transport.TCP)
DEFAULT_QTYPES: tuple[str, ...] = ("A",)

# The selector wakes at least this often so progress is reported while nothing arrives.
_TICK_S = 0.1
_MAX_UDP_REPLY = 65535

ProgressHook = Callable[[int, int], None]
SystemResolve = Callable[[str], Sequence[str]]


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True, slots=True)
class PlannedServer(Record):
    """One nameserver to probe and every reason it is in the plan."""
    address: str
    port: int = 53
    reasons: tuple[str, ...] = ()    # "global resolver (resolv.conf)", "pushed by the VPN server", ...
    inactive: bool = False           # every source listing it says it receives no queries


@dataclass(frozen=True, slots=True)
class ProbeItem(Record):
    """One query to send: this name and type, to this server, over this transport."""
    server: str
    port: int
    name: str
    qtype: str
    transport: Transport
    edns_payload: int | None = None   # send EDNS(0) with this UDP buffer size (the large-answer probe)


@dataclass(frozen=True, slots=True)
class ProbePlan(Record):
    """servers x names x qtypes x transports, in a stable order (servers as found)."""
    items: tuple[ProbeItem, ...] = ()
    servers: tuple[PlannedServer, ...] = ()
    names: tuple[NameCheck, ...] = ()
    notes: tuple[str, ...] = ()      # inputs that were skipped, and why


def _normalise_address(text: str) -> str:
    """Canonical spelling of an address (keeps an IPv6 zone id). Raises ValueError."""
    text = text.strip()
    addr, sep, zone = text.partition("%")
    ip = netclass.ip_of(addr)
    return f"{ip.compressed}%{zone}" if sep and zone else ip.compressed


def parse_server(text: str) -> tuple[str, int]:
    """``ADDRESS``, ``ADDRESS#PORT`` (dig style) or ``[V6ADDRESS]:PORT`` -> (address, port).

    Raises ValueError when it is not an IP address with an optional port 1..65535."""
    text = text.strip()
    port = 53
    if text.startswith("[") and "]" in text:
        addr, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"not a server address: {text!r}")
            port = int(rest[1:])
    elif "#" in text:
        addr, _, port_text = text.partition("#")
        port = int(port_text)
    else:
        addr = text
    if not 0 < port < 65536:
        raise ValueError(f"port out of range in {text!r}")
    return _normalise_address(addr), port


# The Client VPN endpoint's DNS name only resolves under a label (the OpenVPN
# remote-random-hostname option adds a random one; clients that ignore it fail with
# "DNS resolve error on 'cvpn-endpoint-...'", AWS Client VPN troubleshooting guide).
# A fixed label keeps plan() pure; the endpoint's wildcard record answers any label.
ENDPOINT_LABEL = "cvpn-doctor"


def names_for(snapshot: Snapshot | None, user_names: Sequence[NameCheck] = (),
              canary: str | None = DEFAULT_CANARY) -> tuple[NameCheck, ...]:
    """The names a diagnosis tests: the public canary (``None`` or ``""`` to leave it out),
    the user's/org's names, and names derived from the VPN profile when one is known: the
    endpoint's own name (under a label, see ENDPOINT_LABEL) and the regional EC2 service
    name ``ec2.REGION.amazonaws.com`` (private answers mean a VPC interface endpoint).
    Pure; duplicates are folded by plan()."""
    out: list[NameCheck] = []
    if canary:
        out.append(NameCheck(canary, origin="canary"))
    out.extend(user_names)
    profile = snapshot.vpn.profile if snapshot is not None else None
    if profile is not None:
        host = (profile.remote_host or "").strip().rstrip(".")
        if host and not _looks_like_address(host):
            if host.lower().startswith("cvpn-endpoint-"):
                host = f"{ENDPOINT_LABEL}.{host}"
            out.append(NameCheck(host, origin="profile"))
        if profile.region:
            out.append(NameCheck(f"ec2.{profile.region}.amazonaws.com", origin="profile"))
    return tuple(out)


def _looks_like_address(text: str) -> bool:
    try:
        netclass.parse_address(text)
    except ValueError:
        return False
    return True


def _name_key(name: str) -> str:
    return name.strip().rstrip(".").lower() or "."


def _clean_names(names: Sequence[NameCheck], notes: list[str]) -> tuple[NameCheck, ...]:
    seen: set[str] = set()
    out: list[NameCheck] = []
    for check in names:
        name = check.name.strip()
        if not name:
            notes.append("skipped an empty name")
            continue
        key = _name_key(name)
        if key in seen:
            continue
        seen.add(key)
        out.append(check if name == check.name else NameCheck(name, check.expected, check.origin))
    return tuple(out)


def _resolver_reason(scope: ResolverScope, origin: str, interface: str | None, domains: tuple[str, ...]) -> str:
    where = origin or "the snapshot"
    link = f" on {interface}" if interface else ""
    if scope is ResolverScope.DOMAIN:
        return (f"domain resolver{link} for {', '.join(domains) or '(no domains listed)'} from {where}"
                " (probed with every name; relevance is the classifier's call)")
    if scope is ResolverScope.SCOPED:
        return f"scoped resolver{link} (only apps bound to the interface use it) from {where}"
    if scope is ResolverScope.INACTIVE:
        return (f"inactive resolver{link} from {where}: configured but receives no queries;"
                " probed to show whether it would answer")
    if scope is ResolverScope.UNUSED:
        return (f"resolver{link} from {where}, which programs do not ask;"
                " probed to show whether it would answer")
    return f"{scope.value} resolver{link} from {where}"


def _server_sources(snapshot: Snapshot | None) -> Iterable[tuple[str, int, str, bool]]:
    """(address, port, reason, inactive) for every server the snapshot says the OS may use."""
    if snapshot is None:
        return
    for res in snapshot.dns.resolvers:
        yield (res.address, res.port, _resolver_reason(res.scope, res.origin, res.interface, res.domains),
               res.scope in (ResolverScope.INACTIVE, ResolverScope.UNUSED))
    for rule in snapshot.dns.nrpt:
        spaces = ", ".join(rule.namespaces) or "(no namespace)"
        for server in rule.servers:
            yield server, 53, f"NRPT rule {rule.name} ({rule.source}) for {spaces}", False
    pushed = snapshot.vpn.pushed
    if pushed is not None:
        for server in pushed.dns_servers:
            yield server, 53, f"pushed by the VPN server ({pushed.source or 'VPN log'})", False
    profile = snapshot.vpn.profile
    if profile is not None:
        for server in profile.dns_servers:
            yield server, 53, f"dhcp-option DNS in the VPN profile {profile.path}".rstrip(), False


def plan(snapshot: Snapshot | None, names: Sequence[NameCheck], extra_servers: Sequence[str] = (),
         transports: Sequence[Transport] = DEFAULT_TRANSPORTS,
         qtypes: Sequence[str] = DEFAULT_QTYPES, large_answer: str | None = None) -> ProbePlan:
    """Every server the OS may use plus ``extra_servers``, crossed with names, qtypes and
    transports (see the module docstring).  Pure; never raises for bad data: an address
    that does not parse is skipped and named in ``notes``.

    ``extra_servers`` entries are ``ADDRESS``, ``ADDRESS#PORT`` or ``[V6]:PORT``."""
    notes: list[str] = []
    checks = _clean_names(names, notes) or (NameCheck(DEFAULT_CANARY, origin="canary"),)
    order: list[tuple[str, int]] = []
    reasons: dict[tuple[str, int], list[str]] = {}
    inactive: dict[tuple[str, int], bool] = {}

    def add(address: str, port: int, reason: str, is_inactive: bool) -> None:
        key = (address, port)
        if key not in reasons:
            order.append(key)
            reasons[key] = []
            inactive[key] = True
        if reason not in reasons[key]:
            reasons[key].append(reason)
        inactive[key] = inactive[key] and is_inactive

    for address, port, reason, is_inactive in _server_sources(snapshot):
        try:
            add(_normalise_address(address), port, reason, is_inactive)
        except ValueError:
            notes.append(f"skipped {address!r} ({reason}): not an IP address")
    for text in extra_servers:
        try:
            address, port = parse_server(text)
        except ValueError as err:
            notes.append(f"skipped extra server {text!r}: {err}")
            continue
        add(address, port, "given as an extra server (pushed or expected)", False)

    servers = tuple(PlannedServer(a, p, tuple(reasons[(a, p)]), inactive[(a, p)]) for a, p in order)
    transports = tuple(dict.fromkeys(Transport(t) for t in transports))
    qtypes = tuple(dict.fromkeys(q.upper() for q in qtypes)) or DEFAULT_QTYPES
    items = tuple(ProbeItem(s.address, s.port, c.name, q, t)
                  for s in servers for c in checks for q in qtypes for t in transports)
    extra_items, extra_names = _cause_probes(snapshot, servers, transports, large_answer, {c.name for c in checks},
                                             notes)
    return ProbePlan(items=items + extra_items, servers=servers, names=checks + extra_names, notes=tuple(notes))


# --------------------------------------------------------------------------- probes for one cause each

LARGE_ANSWER_QTYPE = "TXT"
LARGE_ANSWER_EDNS = 4096


def vpn_servers(snapshot: Snapshot | None) -> tuple[str, ...]:
    """The servers the snapshot itself shows as the VPN's: pushed or in the profile, attached
    to a tunnel link, or inside a (non-default) prefix the tunnel carries.  The probes of a
    cause that only concerns the VPN's DNS go to these alone."""
    if snapshot is None:
        return ()
    vpn = snapshot.vpn
    out: list[str] = []
    out += list(vpn.pushed.dns_servers if vpn.pushed is not None else ())
    out += list(vpn.profile.dns_servers if vpn.profile is not None else ())
    tunnels = set(vpn.tunnel_interfaces)
    nets = []
    for cidr in vpn.tunnel_routes:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if net.prefixlen > 1:
            nets.append(net)
    for r in snapshot.dns.resolvers:
        try:
            ip = ipaddress.ip_address(r.address.split("%", 1)[0])
        except ValueError:
            continue
        if r.interface in tunnels or any(ip.version == n.version and ip in n for n in nets):
            out.append(r.address)
    return tuple(dict.fromkeys(a for a in out if a))


def _cause_probes(snapshot: Snapshot | None, servers: tuple[PlannedServer, ...], transports: tuple[Transport, ...],
                  large_answer: str | None, taken: set[str], notes: list[str]
                  ) -> tuple[tuple[ProbeItem, ...], tuple[NameCheck, ...]]:
    """Probes sent to the VPN's servers only, for one cause each (issue 17):

    * the large-answer probe: ``large_answer`` TXT with an EDNS buffer of 4096, over UDP and
      TCP (dns-large-answer-lost: the small canary answers, the large UDP answer is lost in the
      tunnel while TCP works);
    * Firefox's DoH canary ``use-application-dns.net`` (A), only when a Firefox setting was
      read: whether the VPN's DNS switches Firefox's default DoH off on this network."""
    vpn = set(vpn_servers(snapshot))
    targets = [s for s in servers if s.address in vpn]
    items: list[ProbeItem] = []
    names: list[NameCheck] = []
    if large_answer and large_answer not in taken:
        if targets:
            names.append(NameCheck(large_answer, origin=LARGE_ANSWER_ORIGIN))
            items += [ProbeItem(s.address, s.port, large_answer, LARGE_ANSWER_QTYPE, t, LARGE_ANSWER_EDNS)
                      for s in targets for t in transports]
        else:
            notes.append(f"large-answer probe for {large_answer} not sent: no server shown as the VPN's")
    if snapshot is not None and any(b.browser == "firefox" for b in snapshot.local.browsers) and targets:
        names.append(NameCheck(DOH_CANARY, origin=DOH_CANARY_ORIGIN))
        items += [ProbeItem(s.address, s.port, DOH_CANARY, "A", Transport.UDP) for s in targets]
    return tuple(items), tuple(names)


def single_label_forms(names: Sequence[NameCheck]) -> tuple[str, ...]:
    """Names to resolve through the OS only, to test short names (single-label-name-fails):
    the single-label names given, and the first label of each full name given (the OS completes
    it with its search list)."""
    out: list[str] = []
    for n in names:
        if n.origin not in ("user", "config"):
            continue
        name = n.name.strip().rstrip(".")
        if netclass.is_single_label(name):
            out.append(name)
        elif "." in name and not _looks_like_address(name):
            first = name.split(".", 1)[0]
            if netclass.is_single_label(first):
                out.append(first)
    return tuple(dict.fromkeys(out))


# --------------------------------------------------------------------------- run: errors

_WOULD_BLOCK = {errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN, errno.EALREADY, 10035}  # 10035: WSAEWOULDBLOCK


def _errno_text(err: int) -> str:
    name = errno.errorcode.get(err, f"errno {err}")
    try:
        return f"{name}: {os.strerror(err)}"
    except (ValueError, OverflowError):
        return name


# Winsock codes spelled out: getsockopt(SO_ERROR) returns them raw on Windows, and they
# never collide with POSIX errno values, so listing both is safe everywhere.
_REFUSED = {errno.ECONNREFUSED, 10061}
_RESET = {errno.ECONNRESET, 10054}
_ABORTED = {errno.EPIPE, errno.ECONNABORTED, 10053}
_HOST_UNREACH = {errno.EHOSTUNREACH, getattr(errno, "EHOSTDOWN", errno.EHOSTUNREACH), 10065, 10064}
_NET_UNREACH = {errno.ENETUNREACH, errno.ENETDOWN, 10051, 10050}
_TIMED_OUT = {errno.ETIMEDOUT, 10060}


def _errno_outcome(err: int | None, transport: Transport) -> Outcome:
    """Map a socket error to an Outcome.  On a connected UDP socket ECONNREFUSED is the
    kernel's report of an ICMP port unreachable; Windows reports the same ICMP as
    WSAECONNRESET on the next recv."""
    udp = transport is Transport.UDP
    if err in _REFUSED:
        return Outcome.PORT_UNREACHABLE if udp else Outcome.CONNECTION_REFUSED
    if err in _RESET:
        return Outcome.PORT_UNREACHABLE if udp else Outcome.CONNECTION_RESET
    if err in _ABORTED and not udp:
        return Outcome.CONNECTION_RESET
    if err in _HOST_UNREACH:
        return Outcome.HOST_UNREACHABLE
    if err in _NET_UNREACH:
        return Outcome.NET_UNREACHABLE
    if err in _TIMED_OUT:
        return Outcome.TIMEOUT
    return Outcome.ERROR


# --------------------------------------------------------------------------- run: one probe


class _Probe:
    """The mutable state of one in-flight probe (only the selector loop touches it)."""

    __slots__ = ("item", "query", "wire", "sock", "sockaddr", "t0", "t_event", "source", "outbuf", "inbuf",
                 "expect", "bad", "phase", "result")

    def __init__(self, item: ProbeItem) -> None:
        self.item = item
        self.query: Any = None
        self.wire = b""
        self.sock: socket.socket | None = None
        self.sockaddr: Any = None
        self.t0: float | None = None
        self.t_event: float | None = None   # when the selector last reported this probe's socket ready
        self.source: str | None = None
        self.outbuf = b""
        self.inbuf = b""
        self.expect: int | None = None      # TCP: the reply length the prefix announced
        self.bad: tuple[Outcome, str] | None = None  # UDP: the last wrong reply while waiting
        self.phase = "new"                  # new, connecting, sending, waiting, done
        self.result: ProbeResult | None = None


class _Engine:
    """Every probe's state machine on one selector.  Only the thread running the loop
    touches it; probes may be added while it runs (``add``, then ``start_pending``)."""

    def __init__(self) -> None:
        self.probes: list[_Probe] = []
        self.by_item: dict[ProbeItem, _Probe] = {}
        self.sel = selectors.DefaultSelector()
        self.done = 0
        self.next = 0                       # probes[next:] are not started yet
        self.on_done: Callable[[], None] | None = None

    def add(self, items: Iterable[ProbeItem]) -> None:
        for item in items:
            if item not in self.by_item:
                p = self.by_item[item] = _Probe(item)
                self.probes.append(p)

    def start_pending(self, end: float) -> None:
        """Start the probes added since the last call, in order, until the deadline."""
        while self.next < len(self.probes) and time.perf_counter() < end:
            p = self.probes[self.next]
            self.next += 1
            try:
                self.start(p)
            except Exception as err:  # noqa: BLE001 - one probe's bug must not stop the others
                log.exception("probe %s failed to start", p.item)
                self.finish(p, Outcome.ERROR, detail=f"internal error: {type(err).__name__}: {err}", timed=False)

    # -- results ----------------------------------------------------------------------

    def finish(self, p: _Probe, outcome: Outcome, *, rcode: str | None = None,
               answers: tuple[Answer, ...] = (), detail: str = "", timed: bool = True) -> None:
        """Record the probe's result.  The interface is filled in later, from the snapshot
        (``attributed``): probing may start before the interfaces are collected."""
        if p.phase == "done":
            return
        # Up to the selector's report, not to now: parsing this reply (and the others that
        # arrived with it) is not the network's time.
        end = p.t_event if p.t_event is not None else time.perf_counter()
        rtt = (end - p.t0) * 1000.0 if timed and p.t0 is not None else None
        p.result = ProbeResult(server=p.item.server, transport=p.item.transport, name=p.item.name,
                               outcome=outcome, qtype=p.item.qtype, port=p.item.port, rcode=rcode,
                               answers=answers, rtt_ms=round(rtt, 3) if rtt is not None else None,
                               source_address=p.source, detail=detail)
        p.phase = "done"
        self.done += 1
        self._close(p)
        if self.on_done is not None:
            self.on_done()

    def _close(self, p: _Probe) -> None:
        if p.sock is None:
            return
        try:
            self.sel.unregister(p.sock)
        except (KeyError, ValueError):
            pass  # never registered (failed before the first wait)
        try:
            p.sock.close()
        except OSError:
            pass
        p.sock = None

    def fail(self, p: _Probe, err: OSError, what: str) -> None:
        code = err.errno
        if code is None and isinstance(err, socket.timeout):
            code = errno.ETIMEDOUT
        text = _errno_text(code) if code is not None else (str(err) or type(err).__name__)
        self.finish(p, _errno_outcome(code, p.item.transport), detail=f"{what}: {text}")

    # -- start ------------------------------------------------------------------------

    def start(self, p: _Probe) -> None:
        item = p.item
        try:
            import dns.message
            import dns.rdatatype
            if item.edns_payload:
                p.query = dns.message.make_query(item.name, dns.rdatatype.from_text(item.qtype), use_edns=0,
                                                 payload=item.edns_payload)
            else:
                p.query = dns.message.make_query(item.name, dns.rdatatype.from_text(item.qtype))
            p.wire = p.query.to_wire()
        except Exception as err:  # noqa: BLE001 - any bad name/qtype dnspython rejects is this probe's error
            self.finish(p, Outcome.ERROR, detail=f"cannot build the query: {err}", timed=False)
            return
        try:
            kind = socket.SOCK_DGRAM if item.transport is Transport.UDP else socket.SOCK_STREAM
            # AI_NUMERICHOST: never a DNS lookup here; it also resolves an IPv6 zone id.
            family, _t, _p, _c, p.sockaddr = socket.getaddrinfo(
                item.server, item.port, 0, kind, 0, socket.AI_NUMERICHOST)[0]
            p.sock = socket.socket(family, kind)
            p.sock.setblocking(False)
        except (socket.gaierror, ValueError) as err:
            self.finish(p, Outcome.ERROR, detail=f"not a usable server address: {err}", timed=False)
            return
        except OSError as err:  # EMFILE, EAFNOSUPPORT (no IPv6), ...
            self.fail(p, err, "cannot open a socket")
            return
        if item.transport is Transport.UDP:
            self._start_udp(p)
        else:
            self._start_tcp(p)

    def _start_udp(self, p: _Probe) -> None:
        assert p.sock is not None
        try:
            p.sock.connect(p.sockaddr)           # no packet: picks the route and source address
            p.source = p.sock.getsockname()[0]
        except OSError as err:
            self.fail(p, err, "no route for UDP")
            return
        p.t0 = time.perf_counter()
        try:
            sent = p.sock.send(p.wire)
        except OSError as err:
            self.fail(p, err, "UDP send failed")
            return
        if sent != len(p.wire):
            self.finish(p, Outcome.ERROR, detail=f"UDP send wrote {sent} of {len(p.wire)} bytes")
            return
        p.phase = "waiting"
        self.sel.register(p.sock, selectors.EVENT_READ, p)

    def _start_tcp(self, p: _Probe) -> None:
        assert p.sock is not None
        p.t0 = time.perf_counter()
        err = p.sock.connect_ex(p.sockaddr)
        p.source = _bound_address(p.sock)   # known as soon as connect() chose the route
        if err == 0:
            self._connected(p)
        elif err in _WOULD_BLOCK:
            p.phase = "connecting"
            self.sel.register(p.sock, selectors.EVENT_WRITE, p)
        else:
            self.finish(p, _errno_outcome(err, Transport.TCP), detail=f"TCP connect: {_errno_text(err)}")

    def _connected(self, p: _Probe) -> None:
        assert p.sock is not None
        p.source = _bound_address(p.sock) or p.source
        p.outbuf = struct.pack("!H", len(p.wire)) + p.wire
        p.phase = "sending"
        try:
            self.sel.modify(p.sock, selectors.EVENT_WRITE, p)
        except KeyError:  # connected at once: not registered yet
            self.sel.register(p.sock, selectors.EVENT_WRITE, p)
        self._send_tcp(p)

    def _send_tcp(self, p: _Probe) -> None:
        assert p.sock is not None
        try:
            n = p.sock.send(p.outbuf)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            self.fail(p, err, "TCP send failed")
            return
        p.outbuf = p.outbuf[n:]
        if not p.outbuf:
            p.phase = "waiting"
            self.sel.modify(p.sock, selectors.EVENT_READ, p)

    # -- events -----------------------------------------------------------------------

    def on_event(self, p: _Probe, mask: int, when: float | None = None) -> None:
        """``when``: the time the selector returned with this event."""
        if p.phase == "done" or p.sock is None:
            return
        p.t_event = when
        if p.phase == "connecting":
            err = p.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.finish(p, _errno_outcome(err, Transport.TCP), detail=f"TCP connect: {_errno_text(err)}")
            else:
                self._connected(p)
        elif p.phase == "sending":
            self._send_tcp(p)
        elif p.phase == "waiting":
            if p.item.transport is Transport.UDP:
                self._read_udp(p)
            else:
                self._read_tcp(p)

    def _read_udp(self, p: _Probe) -> None:
        assert p.sock is not None
        try:
            data = p.sock.recv(_MAX_UDP_REPLY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            self.fail(p, err, "UDP reply")
            return
        self._reply(p, data, udp=True)

    def _read_tcp(self, p: _Probe) -> None:
        assert p.sock is not None
        try:
            data = p.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:
            got = f" after {len(p.inbuf)} reply bytes" if p.inbuf else ""
            self.fail(p, err, f"TCP read{got}")
            return
        if not data:
            if not p.inbuf:
                self.finish(p, Outcome.CONNECTION_RESET, detail=_("the server closed the connection without replying"))
            elif p.expect is not None:
                self.finish(p, Outcome.MALFORMED,
                            detail=_("the length prefix announced {expected} bytes but the server closed after "
                                     "{got}").format(expected=p.expect, got=len(p.inbuf) - 2))
            else:
                self.finish(p, Outcome.MALFORMED, detail=_("the server closed inside the 2-byte length prefix"))
            return
        p.inbuf += data
        if p.expect is None and len(p.inbuf) >= 2:
            (p.expect,) = struct.unpack("!H", p.inbuf[:2])
        if p.expect is not None and len(p.inbuf) - 2 >= p.expect:
            extra = len(p.inbuf) - 2 - p.expect
            frame = p.inbuf[2:2 + p.expect]
            self._reply(p, frame, udp=False, trailing=extra)

    def _reply(self, p: _Probe, data: bytes, *, udp: bool, trailing: int = 0) -> None:
        """Judge one reply.  Over UDP a wrong or unparsable datagram is remembered and the
        probe keeps waiting (a late or spoofed packet must not hide the real answer)."""
        import dns.flags
        import dns.message
        import dns.rcode

        try:
            msg = dns.message.from_wire(data)
        except Exception as err:  # noqa: BLE001 - hostile bytes may raise beyond DNSException
            # A reply cut short (TC=1 and a partial record) does not parse either; keep it
            # when its header answers our query, else it is just bytes.
            msg = _truncated_header(data, p.query)
            if msg is None:
                self._bad(p, udp, Outcome.MALFORMED, f"{len(data)} bytes that are not a DNS message ({err})")
                return
        truncated = bool(msg.flags & dns.flags.TC)
        if not p.query.is_response(msg):
            self._bad(p, udp, Outcome.MISMATCHED, _mismatch(p.query, msg))
            return
        rcode = dns.rcode.to_text(msg.rcode())
        notes = []
        if trailing:
            notes.append(f"{trailing} bytes after the reply frame")
        if truncated and udp:
            self.finish(p, Outcome.TRUNCATED, rcode=rcode, answers=_answers(msg, p.item.qtype),
                        detail=_("TC=1: the answer needs TCP"))
            return
        if truncated:  # TC over TCP is a server bug; say so, judge the rest
            notes.append("TC=1 over TCP")
        outcome, answers = _judge(msg, p.item.qtype)
        self.finish(p, outcome, rcode=rcode, answers=answers, detail="; ".join(notes))

    def _bad(self, p: _Probe, udp: bool, outcome: Outcome, detail: str) -> None:
        if udp:
            p.bad = (outcome, detail)
            log.debug("probe %s: ignored a %s reply: %s", p.item, outcome, detail)
        else:
            self.finish(p, outcome, detail=detail)

    # -- deadline ---------------------------------------------------------------------

    def expire(self, deadline_s: float) -> None:
        for p in self.probes:
            if p.phase == "done":
                continue
            if p.bad is not None:
                outcome, why = p.bad
                self.finish(p, outcome, detail=_("{why}; no matching reply within {seconds} s").format(
                    why=why, seconds=f"{deadline_s:g}"), timed=False)
            elif p.phase == "connecting":
                self.finish(p, Outcome.TIMEOUT, detail=_("TCP connect did not complete within {seconds} s").format(
                    seconds=f"{deadline_s:g}"), timed=False)
            elif p.phase == "waiting" and p.item.transport is Transport.TCP and p.inbuf:
                got = (_("{got} of {expected}").format(got=len(p.inbuf) - 2, expected=p.expect)
                       if p.expect is not None else f"{len(p.inbuf)}")
                self.finish(p, Outcome.TIMEOUT, detail=_("partial reply ({got} bytes) within {seconds} s").format(
                    got=got, seconds=f"{deadline_s:g}"), timed=False)
            elif p.phase == "new":
                self.finish(p, Outcome.TIMEOUT, detail=_("not sent: the deadline passed before its turn"), timed=False)
            elif p.phase == "sending":
                self.finish(p, Outcome.TIMEOUT, detail=_("could not send the query within {seconds} s").format(
                    seconds=f"{deadline_s:g}"), timed=False)
            else:
                self.finish(p, Outcome.TIMEOUT, detail=_("no reply within {seconds} s").format(
                    seconds=f"{deadline_s:g}"), timed=False)

    def close(self) -> None:
        for p in self.probes:
            self._close(p)
        try:
            self.sel.close()
        except OSError:
            pass


def attributed(result: ProbeResult, snapshot: Snapshot | None) -> ProbeResult:
    """``result`` with the interface that carried it: the snapshot interface owning the
    source address the kernel chose; ``detail`` notes when the snapshot's route lookup
    for the server names another interface, or when only the route lookup could tell."""
    owner = netclass.interface_owning(snapshot, result.source_address)
    routed = netclass.route_interface(snapshot, result.server)
    where = ""
    if owner and routed and owner != routed:
        where = (f"the kernel sent this via {owner} (source {result.source_address}) but the snapshot's"
                 f" route lookup for {result.server} said {routed}")
    elif not owner and routed:
        why = (f"source {result.source_address} is on no listed interface" if result.source_address
               else "no source address was assigned")
        owner, where = routed, f"interface from the snapshot's route lookup ({why})"
    if owner is None and not where:
        return result
    return replace(result, interface=owner, detail="; ".join(d for d in (result.detail, where) if d))


def _bound_address(sock: socket.socket) -> str | None:
    try:
        address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if address in ("0.0.0.0", "::") else address


def _truncated_header(data: bytes, query: Any) -> Any:
    """The partial message of an unparsable reply that has TC=1 and answers ``query``."""
    import dns.message
    try:
        dns.message.from_wire(data, raise_on_truncation=True)
    except dns.message.Truncated as exc:
        partial = exc.message()
        if partial is not None and query.is_response(partial):
            return partial
    except Exception:  # noqa: BLE001 - not even a header: the caller reports MALFORMED
        return None
    return None


def _mismatch(query: Any, msg: Any) -> str:
    if msg is None:
        return "an empty reply"
    if msg.id != query.id:
        return f"reply id {msg.id} does not match query id {query.id}"
    if not msg.flags & 0x8000:
        return "the reply is a query (QR=0)"
    asked = query.question[0].to_text() if query.question else "?"
    got = msg.question[0].to_text() if msg.question else "(none)"
    return f"the reply's question {got!r} is not the query's {asked!r}"


def _answers(msg: Any, qtype: str) -> tuple[Answer, ...]:
    import dns.rdatatype
    out: list[Answer] = []
    for rrset in msg.answer:
        if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            for rd in rrset:
                out.append(Answer(address=rd.address, private=netclass.is_private(rd.address)))
    return tuple(out)


def _judge(msg: Any, qtype: str) -> tuple[Outcome, tuple[Answer, ...]]:
    import dns.rcode
    import dns.rdatatype
    rcode = msg.rcode()
    answers = _answers(msg, qtype)
    if rcode == dns.rcode.NOERROR:
        wanted = dns.rdatatype.from_text(qtype)
        has = any(rrset.rdtype == wanted for rrset in msg.answer)
        return (Outcome.ANSWER if has else Outcome.NODATA), answers
    mapping = {dns.rcode.NXDOMAIN: Outcome.NXDOMAIN, dns.rcode.SERVFAIL: Outcome.SERVFAIL,
               dns.rcode.REFUSED: Outcome.REFUSED}
    return mapping.get(rcode, Outcome.OTHER_RCODE), answers


# --------------------------------------------------------------------------- run: OS resolver


def system_resolve(name: str) -> tuple[str, ...]:
    """The addresses getaddrinfo gives for ``name`` (what applications see), in order."""
    infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
    return tuple(dict.fromkeys(str(info[4][0]) for info in infos))


class _SystemLookups:
    """getaddrinfo per name in daemon threads; a thread still blocked at the deadline is
    abandoned (getaddrinfo cannot be cancelled) and its name recorded as "timeout"."""

    def __init__(self, resolve: SystemResolve, on_done: Callable[[], None] | None = None) -> None:
        self.resolve = resolve
        self.on_done = on_done
        self.names: list[str] = []
        self.slots: dict[str, SystemLookup] = {}
        self.lock = threading.Lock()

    def add(self, names: Iterable[str]) -> None:
        """Start a lookup for each name not asked yet."""
        for name in names:
            with self.lock:
                if name in self.names:
                    continue
                self.names.append(name)
            thread = threading.Thread(target=self._work, args=(name,), daemon=True, name=f"getaddrinfo-{name}")
            try:
                thread.start()
            except RuntimeError as err:  # "can't start new thread": record, do not raise
                self._store(name, SystemLookup(name, error=f"not run: {err}"))

    def _work(self, name: str) -> None:
        t0 = time.perf_counter()
        try:
            addresses = self.resolve(name)
            rtt = (time.perf_counter() - t0) * 1000.0
            answers = []
            for addr in addresses:
                try:
                    answers.append(Answer(address=addr, private=netclass.is_private(addr)))
                except ValueError:
                    log.debug("getaddrinfo(%s) gave a non-address %r", name, addr)
            result = SystemLookup(name, addresses=tuple(answers), rtt_ms=round(rtt, 3))
        except socket.gaierror as err:
            result = SystemLookup(name, error=err.strerror or str(err),
                                  rtt_ms=round((time.perf_counter() - t0) * 1000.0, 3))
        except Exception as err:  # noqa: BLE001 - a worker thread must record, not die silently
            result = SystemLookup(name, error=f"{type(err).__name__}: {err}",
                                  rtt_ms=round((time.perf_counter() - t0) * 1000.0, 3))
        self._store(name, result)

    def _store(self, name: str, result: SystemLookup) -> None:
        with self.lock:
            if name in self.slots:
                return
            self.slots[name] = result
        if self.on_done is not None:
            self.on_done()

    def pending(self) -> int:
        with self.lock:
            return len(self.names) - len(self.slots)

    def results(self, names: Sequence[str]) -> tuple[SystemLookup, ...]:
        """The lookups of ``names``, in that order; one still running is a "timeout"."""
        with self.lock:
            return tuple(self.slots.get(name) or SystemLookup(name, error="timeout") for name in names)


# --------------------------------------------------------------------------- run


class _Progress:
    def __init__(self, hook: ProgressHook | None) -> None:
        self.hook = hook
        self.last: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.hook is None or (done, total) == self.last:
            return
        self.last = (done, total)
        try:
            self.hook(done, total)
        except Exception:  # noqa: BLE001 - a broken spinner must not break the diagnosis
            log.debug("progress hook failed; disabled", exc_info=True)
            self.hook = None


class ProbesInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``partial`` holds the probes that had finished by then.
    A KeyboardInterrupt, so callers that do not care still see an interruption."""

    def __init__(self, partial: ProbeRun) -> None:
        super().__init__("interrupted while probing")
        self.partial = partial


# The thread that runs the selector loop must get the GIL back promptly when a reply
# arrives, or the caller's CPU work (parsing while probes fly) would be counted in the
# round-trip times: a switch interval of 0.5 ms instead of 5 ms while a session runs
# (process-wide: set by the first running session, restored by the last).
_SWITCH_INTERVAL_S = 0.0005
_switch_lock = threading.Lock()
_switch_saved: list[float] = []      # the interval before the first running session
_sessions_running = 0


def _fast_switching(on: bool) -> None:
    global _sessions_running
    with _switch_lock:
        if on:
            if _sessions_running == 0:
                _switch_saved[:] = [sys.getswitchinterval()]
                sys.setswitchinterval(min(_switch_saved[0], _SWITCH_INTERVAL_S))
            _sessions_running += 1
        else:
            _sessions_running -= 1
            if _sessions_running == 0 and _switch_saved:
                sys.setswitchinterval(_switch_saved.pop())


class Session:
    """Probes that fly while the caller keeps working (run.diagnose collects routes and
    interfaces meanwhile).  ``add`` starts probes and OS lookups as soon as their servers
    and names are known; the first ``add`` starts the clock: one deadline, ``deadline_s``
    after it, bounds every probe, also those added later.  ``finish(plan, snapshot)``
    adds what ``plan`` has beyond them, waits for the results or the deadline and returns
    the :class:`~agent.model.ProbeRun` of ``plan``: its items in its order, each with the
    interface that carried it from ``snapshot``.  The selector loop runs on a daemon
    thread; ``close`` (also called by ``finish``) stops it and closes every socket.

    Raises only :class:`ProbesInterrupted` (from ``finish``, on Ctrl-C)."""

    def __init__(self, deadline_s: float = DEFAULT_DEADLINE_S, *, resolve: SystemResolve | None = None) -> None:
        self.deadline_s = max(0.0, float(deadline_s))
        self._engine = _Engine()
        self._engine.on_done = self._notify
        self._lookups = _SystemLookups(resolve or system_resolve, on_done=self._lookup_done)
        self._changed = threading.Condition()
        self._inbox: list[ProbeItem] = []
        self._final = False
        self._stop = False
        self._ended = False
        self._done_at_stop: tuple[ProbeResult, ...] | None = None
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._engine.sel.register(self._wake_r, selectors.EVENT_READ, None)
        self._switching = False
        self.t_start: float | None = None
        self.end: float | None = None
        self.started_at: str | None = None

    # -- the caller's side --------------------------------------------------------------

    def add(self, items: Iterable[ProbeItem], system_names: Iterable[str] = ()) -> None:
        """Probe ``items`` (those not probed yet) and resolve ``system_names`` through the OS."""
        items = list(items)
        if self.t_start is None:
            self.t_start = time.perf_counter()
            self.end = self.t_start + self.deadline_s
            self.started_at = utc_now()
            self._switching = True
            _fast_switching(True)
            self._thread = threading.Thread(target=self._serve, daemon=True, name="probes")
            self._thread.start()
        self._lookups.add(system_names)
        with self._changed:
            self._inbox.extend(items)
        self._wake()

    def finish(self, probe_plan: ProbePlan, snapshot: Snapshot | None = None,
               system_names: Sequence[str] = (), on_progress: ProgressHook | None = None) -> ProbeRun:
        self.add(probe_plan.items, system_names)
        with self._changed:
            self._final = True
        self._wake()
        progress = _Progress(on_progress)
        assert self._thread is not None and self.t_start is not None
        try:
            while True:
                with self._changed:
                    done = self._engine.done + len(self._lookups.slots)
                    total = len(self._engine.probes) + len(self._inbox) + len(self._lookups.names)
                    if self._ended:
                        break
                progress(done, total)
                with self._changed:
                    if not self._ended and self._engine.done + len(self._lookups.slots) == done:
                        self._changed.wait(_TICK_S)
        except KeyboardInterrupt:
            self._halt()
            kept = self._done_at_stop
            if kept is None:    # the loop had ended on its own: everything is final
                kept = tuple(p.result for p in self._engine.probes if p.result is not None)
            system = self._lookups.results(system_names)
            raise ProbesInterrupted(ProbeRun(
                results=tuple(attributed(r, snapshot) for r in kept),
                system=tuple(s for s in system if s.addresses or s.error != "timeout"),
                names=probe_plan.names, deadline_s=self.deadline_s,
                elapsed_s=round(time.perf_counter() - self.t_start, 4), started_at=self.started_at or "",
                skipped=f"interrupted (Ctrl-C): {len(kept)} of {len(self._engine.probes)} probes had finished"
            )) from None
        finally:
            self.close()
        with self._changed:     # added after the loop ended (the deadline passed first): not sent
            late, self._inbox = self._inbox, []
        if late:
            self._engine.add(late)
            self._engine.expire(self.deadline_s)
        total = len(self._engine.probes) + len(self._lookups.names)
        progress(total, total)
        by_item = self._engine.by_item
        results = []
        for item in probe_plan.items:
            p = by_item.get(item)
            if p is not None and p.result is not None:
                results.append(attributed(p.result, snapshot))
        extra = len(self._engine.probes) - len(set(probe_plan.items) & set(by_item))
        if extra:
            log.debug("%d probe(s) started early are not in the final plan", extra)
        return ProbeRun(results=tuple(results), system=self._lookups.results(system_names), names=probe_plan.names,
                        deadline_s=self.deadline_s, elapsed_s=round(time.perf_counter() - self.t_start, 4),
                        started_at=self.started_at or "")

    def close(self) -> None:
        """Stop probing (what is still in flight ends as a timeout) and close every socket."""
        self._halt()
        for sock in (self._wake_r, self._wake_w):
            try:
                sock.close()
            except OSError:
                pass

    def _halt(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            with self._changed:
                self._stop = True
            self._wake()
            self._thread.join(5.0)   # the loop wakes within _TICK_S; bounded anyway
        if self._switching:
            self._switching = False
            _fast_switching(False)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass  # the buffer is full (the loop is already due to wake) or closed

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def _lookup_done(self) -> None:
        self._notify()
        self._wake()    # the loop may be waiting for the last lookup

    # -- the loop's side ----------------------------------------------------------------

    def _serve(self) -> None:
        engine, lookups = self._engine, self._lookups
        assert self.end is not None
        try:
            while True:
                with self._changed:
                    pending, self._inbox = self._inbox, []
                    final, stop = self._final, self._stop
                if stop:
                    self._done_at_stop = tuple(p.result for p in engine.probes
                                               if p.phase == "done" and p.result is not None)
                    return
                engine.add(pending)
                engine.start_pending(self.end)
                remaining = self.end - time.perf_counter()
                if remaining <= 0:
                    return
                if final and engine.done == len(engine.probes) and lookups.pending() == 0:
                    return
                events = engine.sel.select(timeout=min(remaining, _TICK_S))
                when = time.perf_counter()
                for key, mask in events:
                    p = key.data
                    if p is None:
                        self._drain_wake()
                        continue
                    try:
                        engine.on_event(p, mask, when)
                    except Exception as err:  # noqa: BLE001 - one probe's bug must not stop the others
                        log.exception("probe %s failed", p.item)
                        engine.finish(p, Outcome.ERROR, detail=f"internal error: {type(err).__name__}: {err}")
        except Exception as err:  # noqa: BLE001 - contract: probing never raises; a bug ends as ERROR records
            log.exception("probe engine failed")
            for p in engine.probes:
                if p.phase != "done":
                    engine.finish(p, Outcome.ERROR, detail=f"probe engine failed: {type(err).__name__}: {err}",
                                  timed=False)
        finally:
            with self._changed:
                engine.add(self._inbox)     # added while the loop ended: not sent
                self._inbox = []
            engine.expire(self.deadline_s)
            engine.close()
            with self._changed:
                self._ended = True
                self._changed.notify_all()

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass


def run(probe_plan: ProbePlan, deadline_s: float = DEFAULT_DEADLINE_S, snapshot: Snapshot | None = None,
        system_names: Sequence[str | NameCheck] | Any = ..., *,
        on_progress: ProgressHook | None = None, resolve: SystemResolve | None = None) -> ProbeRun:
    """Send every probe of the plan and resolve the names through the OS, all at once,
    and return within ``deadline_s`` (plus a few ms) whatever the network does.

    ``system_names``: names to resolve with getaddrinfo; ``...`` (default) means the
    plan's names, ``()`` skips the OS resolver view.  ``resolve`` replaces getaddrinfo
    (tests inject a fake: the real one may send queries beyond loopback).
    ``on_progress(done, total)`` is called on the calling thread as probes and lookups
    complete, and once at the end with done == total.  Never raises for anything the
    network, the servers or the names do: each failure is a result."""
    if system_names is ...:
        system_names = [c.name for c in probe_plan.names]
    elif system_names is None:
        system_names = ()
    lookup_names = list(dict.fromkeys(n.name if isinstance(n, NameCheck) else str(n) for n in system_names))
    progress = _Progress(on_progress)
    progress(0, len(set(probe_plan.items)) + len(lookup_names))
    session = Session(deadline_s, resolve=resolve)
    try:
        return session.finish(probe_plan, snapshot, lookup_names, on_progress=progress)
    finally:
        session.close()
