"""A threaded fake DNS server on loopback for tests and benchmarks (never a packet beyond it).

Usage::

    from tests.fakedns import FakeDNS, Fault

    with FakeDNS(records={"app.corp.example": ["10.1.2.3"]}) as srv:       # UDP + TCP answer
        srv.address, srv.port      # "127.0.0.1", an ephemeral port (the same for UDP and TCP)
        srv.server                 # "127.0.0.1#PORT" (probes.parse_server / dig style)
        srv.resolver()             # an agent.model.Resolver pointing at it (for a Snapshot)
        srv.queries                # [(transport, qname, qtype), ...] every query it read

    FakeDNS(mode=Fault.SERVFAIL)                      # both transports SERVFAIL
    FakeDNS(udp=Fault.DROP)                           # answers only over TCP
    FakeDNS(tcp=Fault.CLOSED)                         # answers only over UDP (TCP refused)
    FakeDNS(udp=Fault.TRUNCATE, tcp=Fault.CLOSED)     # TC=1 and TCP 53 blocked
    FakeDNS(mode=Fault.DELAY, delay_s=5)              # answers after 5 s
    FakeDNS(per_name={"slow.example": Fault.DELAY})   # one name misbehaves, the rest answer
    FakeDNS(host="::1")                               # IPv6 loopback
    FakeDNS(host="127.0.0.2")                         # another 127/8 address: Linux and Windows route all
                                                      # of it to loopback; macOS has only 127.0.0.1 unless
                                                      # aliased (tests.platform_limits.loopback_alias)

Constructor (all keywords but ``host``):

* ``records``: name -> addresses; IPv4 ones are served as A, IPv6 as AAAA, TTL ``ttl``.
  In ANSWER mode a name not in ``records`` gets NXDOMAIN, a known name asked for a type it
  has no address of gets NOERROR with no answer (NODATA).  Names are case-insensitive.
* ``mode`` sets both transports; ``udp`` / ``tcp`` set one (they win over ``mode``).
* ``per_name``: name -> Fault for both transports, checked before the transport's fault
  (only the query-level faults make sense there: not CLOSED).
* ``delay_s``: how long DELAY waits (interruptible: ``stop`` never waits for it).
* ``port``: 0 (default) for an ephemeral port.
* ``allow_non_loopback``: bind another address; only for a network namespace the test
  itself created (the team rule: no test packet leaves loopback or such a namespace).

Faults (:class:`Fault`) and what each transport does with them:

========== ============================================ ============================================
fault      UDP                                          TCP
========== ============================================ ============================================
ANSWER     the records                                  the records
NXDOMAIN   rcode NXDOMAIN (also SERVFAIL, REFUSED, NOTIMP: that rcode, no records)
DROP       reads, never replies (black hole)            accepts, reads, never replies (on loopback
                                                        a SYN cannot be dropped without root)
STALL      as DROP                                      accepts, never reads nor replies
TRUNCATE   TC=1, empty answer section                   the records (TC over UDP means "use TCP")
DELAY      the records after ``delay_s``                the records after ``delay_s``
WRONG_ID   the reply with id+1                          the reply with id+1
WRONG_QUESTION the reply for another name               the reply for another name
GARBAGE    bytes that are not a DNS message             a length-prefixed frame of such bytes
RESET      (not for UDP: ValueError)                    reads the query, then RST (SO_LINGER 0)
OVERSIZE   (not for UDP: ValueError)                    a prefix 512 bytes longer than the reply,
                                                        the reply, then close
CLOSED     nothing bound: ICMP port unreachable         nothing listening: connection refused
========== ============================================ ============================================

``start()`` / ``stop()`` or a ``with`` block; ``stop`` (also on ``__exit__`` and on a
failed ``__enter__``) closes every socket and joins every thread, each wait bounded.
TCP connections may carry several queries (pipelined) until the client closes.
"""
from __future__ import annotations

import errno
import ipaddress
import select
import socket
import struct
import threading
import time
from enum import Enum
from typing import Mapping, Sequence

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from agent.model import Resolver, ResolverScope, Transport

_TICK_S = 0.05        # every blocking wait in the server wakes this often to check stop
_JOIN_S = 2.0         # bound on joining one thread at stop()
GARBAGE = b"\xde\xad\xbe\xef this is not a DNS message \x00\xff"


class Fault(str, Enum):
    ANSWER = "answer"
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    NOTIMP = "notimp"
    DROP = "drop"
    STALL = "stall"
    TRUNCATE = "truncate"
    DELAY = "delay"
    WRONG_ID = "wrong-id"
    WRONG_QUESTION = "wrong-question"
    GARBAGE = "garbage"
    RESET = "reset"
    OVERSIZE = "oversize"
    CLOSED = "closed"


_RCODES = {Fault.NXDOMAIN: dns.rcode.NXDOMAIN, Fault.SERVFAIL: dns.rcode.SERVFAIL,
           Fault.REFUSED: dns.rcode.REFUSED, Fault.NOTIMP: dns.rcode.NOTIMP}
_TCP_ONLY = {Fault.RESET, Fault.OVERSIZE}


def _key(name: str) -> str:
    return name.strip().rstrip(".").lower()


class FakeDNS:
    """A fake DNS server on a loopback address; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", *, records: Mapping[str, Sequence[str]] | None = None,
                 mode: Fault = Fault.ANSWER, udp: Fault | None = None, tcp: Fault | None = None,
                 per_name: Mapping[str, Fault] | None = None, delay_s: float = 5.0, ttl: int = 60,
                 port: int = 0, allow_non_loopback: bool = False) -> None:
        ip = ipaddress.ip_address(host)
        if not ip.is_loopback and not allow_non_loopback:
            raise ValueError(f"FakeDNS binds loopback addresses only, not {host}"
                             " (allow_non_loopback=True inside a network namespace the test created)")
        self.host = host
        self.family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        self.records = {_key(k): tuple(v) for k, v in (records or {}).items()}
        self.udp_fault = Fault(udp if udp is not None else mode)
        self.tcp_fault = Fault(tcp if tcp is not None else mode)
        if self.udp_fault in _TCP_ONLY:
            raise ValueError(f"{self.udp_fault} is a TCP-only fault")
        self.per_name = {_key(k): Fault(v) for k, v in (per_name or {}).items()}
        self.delay_s = delay_s
        self.ttl = ttl
        self.port = port
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._queries: list[tuple[Transport, str, str]] = []
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._started = False

    # -- public -------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return self.host

    @property
    def server(self) -> str:
        """``ADDRESS#PORT``, as agent.probes.parse_server and dig's ``@ADDR -p PORT`` want."""
        return f"{self.host}#{self.port}"

    @property
    def queries(self) -> list[tuple[Transport, str, str]]:
        """Every query read so far: (transport, name without the final dot, qtype)."""
        with self._lock:
            return list(self._queries)

    def resolver(self, scope: ResolverScope = ResolverScope.GLOBAL, **kwargs) -> Resolver:
        """An agent.model.Resolver for this server (for building a Snapshot)."""
        return Resolver(address=self.host, port=self.port, scope=scope, **kwargs)

    def start(self) -> "FakeDNS":
        if self._started:
            return self
        self._started = True
        try:
            self._bind()
        except BaseException:
            self.stop()
            raise
        if self._udp is not None:
            self._spawn(self._serve_udp, "fakedns-udp")
        if self._tcp is not None:
            self._spawn(self._serve_tcp, "fakedns-tcp")
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in list(self._threads):
            if thread is not threading.current_thread():
                thread.join(_JOIN_S)
        with self._lock:
            socks = [s for s in (self._udp, self._tcp) if s is not None] + self._conns
            self._conns = []
        for sock in socks:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self) -> "FakeDNS":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- sockets ------------------------------------------------------------------------

    def _bind(self) -> None:
        want_udp = self.udp_fault is not Fault.CLOSED
        want_tcp = self.tcp_fault is not Fault.CLOSED
        for _attempt in range(50):  # bounded: the twin port may be taken by someone else
            udp = tcp = None
            try:
                first = self.port
                if want_udp:
                    udp = socket.socket(self.family, socket.SOCK_DGRAM)
                    udp.bind((self.host, first))
                    first = udp.getsockname()[1]
                if want_tcp:
                    tcp = socket.socket(self.family, socket.SOCK_STREAM)
                    tcp.bind((self.host, first))
                    first = tcp.getsockname()[1]
                    tcp.listen(64)
                if not want_udp and not want_tcp:
                    # Nothing listens: take an ephemeral port number and release it.
                    probe = socket.socket(self.family, socket.SOCK_DGRAM)
                    probe.bind((self.host, self.port))
                    first = probe.getsockname()[1]
                    probe.close()
                self._udp, self._tcp, self.port = udp, tcp, first
                return
            except OSError:
                for sock in (udp, tcp):
                    if sock is not None:
                        sock.close()
                # A random port taken for UDP may be refused for TCP for more than one
                # reason: in use (EADDRINUSE), or inside a range Windows reserves for Hyper-V
                # and WinNAT (WSAEACCES, 10013).  Any error: try another random port.
                if self.port:
                    raise
        raise OSError(errno.EADDRINUSE, "no free UDP+TCP port pair on loopback")

    def _spawn(self, target, name: str, *args) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopped; True if the full time passed."""
        return not self._stop.wait(seconds)

    # -- replies ------------------------------------------------------------------------

    def _fault_for(self, transport: Transport, qname: str) -> Fault:
        if qname in self.per_name:
            return self.per_name[qname]
        return self.udp_fault if transport is Transport.UDP else self.tcp_fault

    def _parse(self, transport: Transport, wire: bytes) -> tuple[dns.message.Message | None, Fault]:
        try:
            query = dns.message.from_wire(wire)
        except Exception:  # noqa: BLE001 - a fake server ignores junk
            return None, Fault.DROP
        qname, qtype = "", ""
        if query.question:
            qname = _key(query.question[0].name.to_text())
            qtype = dns.rdatatype.to_text(query.question[0].rdtype)
        with self._lock:
            self._queries.append((transport, qname, qtype))
        return query, self._fault_for(transport, qname)

    def _reply(self, query: dns.message.Message, fault: Fault, transport: Transport) -> bytes:
        if fault is Fault.GARBAGE:
            return GARBAGE
        if fault is Fault.WRONG_QUESTION:
            other = dns.message.make_query("wrong-question.invalid", dns.rdatatype.A)
            other.id = query.id
            response = dns.message.make_response(other)
        else:
            response = dns.message.make_response(query)
        if fault in _RCODES:
            response.set_rcode(_RCODES[fault])
        elif fault is Fault.TRUNCATE and transport is Transport.UDP:
            response.flags |= dns.flags.TC
        elif query.question and fault is not Fault.WRONG_QUESTION:
            q = query.question[0]
            name = _key(q.name.to_text())
            if name not in self.records:
                response.set_rcode(dns.rcode.NXDOMAIN)
            else:
                want = 4 if q.rdtype == dns.rdatatype.A else 6 if q.rdtype == dns.rdatatype.AAAA else 0
                addrs = [a for a in self.records[name] if ipaddress.ip_address(a).version == want]
                if addrs:
                    response.answer.append(dns.rrset.from_text_list(
                        q.name, self.ttl, dns.rdataclass.IN, q.rdtype, addrs))
        wire = response.to_wire()
        if fault is Fault.WRONG_ID:
            wire = struct.pack("!H", (query.id + 1) & 0xFFFF) + wire[2:]
        return wire

    # -- UDP ----------------------------------------------------------------------------

    def _serve_udp(self) -> None:
        sock = self._udp
        assert sock is not None
        delayed: list[tuple[float, bytes, object]] = []
        while not self._stop.is_set():
            now = time.monotonic()
            for item in [d for d in delayed if d[0] <= now]:
                delayed.remove(item)
                self._sendto(sock, item[1], item[2])
            wait = min([_TICK_S] + [max(0.0, d[0] - now) for d in delayed])
            try:
                readable, _w, _x = select.select([sock], [], [], wait)
            except (OSError, ValueError):
                return  # closed under us at stop()
            if not readable:
                continue
            try:
                wire, peer = sock.recvfrom(65535)
            except OSError:
                continue
            query, fault = self._parse(Transport.UDP, wire)
            if query is None or fault in (Fault.DROP, Fault.STALL):
                continue
            reply = self._reply(query, fault, Transport.UDP)
            if fault is Fault.DELAY:
                delayed.append((time.monotonic() + self.delay_s, reply, peer))
            else:
                self._sendto(sock, reply, peer)

    @staticmethod
    def _sendto(sock: socket.socket, data: bytes, peer: object) -> None:
        try:
            sock.sendto(data, peer)
        except OSError:
            pass  # the client went away (its port is closed): nothing to do

    # -- TCP ----------------------------------------------------------------------------

    def _serve_tcp(self) -> None:
        listener = self._tcp
        assert listener is not None
        while not self._stop.is_set():
            try:
                readable, _w, _x = select.select([listener], [], [], _TICK_S)
            except (OSError, ValueError):
                return
            if not readable:
                continue
            try:
                conn, _peer = listener.accept()
            except OSError:
                continue
            with self._lock:
                self._conns.append(conn)
            self._spawn(self._serve_conn, "fakedns-conn", conn)

    def _recv_exact(self, conn: socket.socket, n: int) -> bytes | None:
        """n bytes, or None on EOF, error or stop."""
        buf = b""
        while len(buf) < n:
            if self._stop.is_set():
                return None
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def _serve_conn(self, conn: socket.socket) -> None:
        conn.settimeout(_TICK_S)
        try:
            if self.tcp_fault is Fault.STALL and not self.per_name:
                while self._sleep(_TICK_S):
                    pass
                return
            while not self._stop.is_set():
                head = self._recv_exact(conn, 2)
                if head is None:
                    return
                wire = self._recv_exact(conn, struct.unpack("!H", head)[0])
                if wire is None:
                    return
                query, fault = self._parse(Transport.TCP, wire)
                if query is None:
                    continue
                if fault in (Fault.DROP, Fault.STALL):
                    while self._sleep(_TICK_S):
                        pass
                    return
                if fault is Fault.RESET:
                    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    return
                if fault is Fault.DELAY and not self._sleep(self.delay_s):
                    return
                reply = self._reply(query, fault, Transport.TCP)
                prefix = len(reply) + (512 if fault is Fault.OVERSIZE else 0)
                conn.sendall(struct.pack("!H", prefix) + reply)
                if fault is Fault.OVERSIZE:
                    return
        except OSError:
            return  # the client reset or closed: nothing to do
        finally:
            with self._lock:
                if conn in self._conns:
                    self._conns.remove(conn)
            try:
                conn.close()
            except OSError:
                pass
