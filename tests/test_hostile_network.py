"""The probe engine against hostile nameservers: every malformed reply shape, replies from
the wrong address or port, floods of duplicates, TCP servers that stall or cut a message.

One scripted server (UDP and TCP on one loopback port) picks its misbehaviour from the first
label of the query name, so each test sends every case concurrently in one ``probes.run``
and asserts, per case, the Outcome and that the whole run ended within the deadline plus
HANG_MARGIN_S.  tests/fakedns.py (shared, and being edited by the probe owner) covers the
polite faults; this server only adds the hostile shapes it has no mode for.

Every packet stays on 127.0.0.0/8.  The OS resolver view is skipped (system_names=()).
"""
from __future__ import annotations

import select
import socket
import struct
import threading
import time
from typing import Callable

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

from agent import dnsping, probes
from agent.model import NameCheck, Outcome, Transport
from tests import platform_limits as limits

UDP, TCP = Transport.UDP, Transport.TCP
# A hang is unbounded (the stall and drip cases would run for tens of seconds), so 2 s past the
# deadline tells a hang from a loaded 2-core runner still scheduling the probe threads; how
# close to the deadline a run really ends is measured by benchmarks/bench_probes.py.
HANG_MARGIN_S = 2.0
TICK_S = 0.05
ZONE = "hostile.test"
GOOD = "10.9.8.7"       # the answer the real server gives
EVIL = "6.6.6.6"        # an answer only a spoofer gives


def _no_system_lookup(name: str):
    raise AssertionError(f"test tried a real getaddrinfo({name!r})")


def _answer(query: dns.message.Message, address: str = GOOD) -> dns.message.Message:
    resp = dns.message.make_response(query)
    q = query.question[0]
    if q.rdtype == dns.rdatatype.A:
        resp.answer.append(dns.rrset.from_text_list(q.name, 60, dns.rdataclass.IN, q.rdtype, [address]))
    return resp


def _wire(query: dns.message.Message, address: str = GOOD) -> bytes:
    return _answer(query, address).to_wire()


def _header(query_id: int, flags: int = 0x8180, qd: int = 1, an: int = 0) -> bytes:
    return struct.pack("!HHHHHH", query_id, flags, qd, an, 0, 0)


def _pointer_loop(query: dns.message.Message) -> bytes:
    """Header + question, then an answer whose owner name is a compression pointer to itself."""
    base = dns.message.make_response(query).to_wire()
    base = base[:6] + struct.pack("!H", 1) + base[8:]            # ANCOUNT = 1
    here = len(base)
    return base + struct.pack("!H", 0xC000 | here) + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x0a\x09\x08\x07"


def _overlong_rdata(query: dns.message.Message) -> bytes:
    """An A record whose RDLENGTH runs past the end of the message."""
    wire = _wire(query)
    return wire[:-6] + struct.pack("!H", 400) + wire[-4:]


def _a_of_five_bytes(query: dns.message.Message) -> bytes:
    wire = _wire(query)
    return wire[:-6] + struct.pack("!H", 5) + wire[-4:] + b"\x01"


def _wrong_qtype(query: dns.message.Message) -> bytes:
    other = dns.message.make_query(query.question[0].name, dns.rdatatype.MX)
    other.id = query.id
    return dns.message.make_response(other).to_wire()


def _rcode(query: dns.message.Message, rcode: int) -> bytes:
    resp = dns.message.make_response(query)
    resp.set_rcode(rcode)
    return resp.to_wire()


def _cname_only(query: dns.message.Message) -> bytes:
    resp = dns.message.make_response(query)
    resp.answer.append(dns.rrset.from_text(query.question[0].name, 60, "IN", "CNAME", "elsewhere.example."))
    return resp.to_wire()


def _tc_then_junk(query: dns.message.Message) -> bytes:
    wire = bytearray(_wire(query))
    wire[2] |= 0x02                                               # TC=1
    return bytes(wire[:-3])                                       # cut inside the A record


# Reply shapes that are the same bytes over UDP and TCP (TCP frames them with a correct
# length prefix).  Value: (builder, UDP outcome, TCP outcome).  A wrong datagram makes the
# UDP probe keep waiting (a stub resolver ignores it), so UDP ends at the deadline with the
# last bad reply's kind; TCP has only one frame and judges it at once.
SHAPES: dict[str, tuple[Callable[[dns.message.Message], bytes], Outcome, Outcome]] = {
    "empty": (lambda q: b"", Outcome.MALFORMED, Outcome.MALFORMED),
    "one-byte": (lambda q: b"\x00", Outcome.MALFORMED, Outcome.MALFORMED),
    "short-header": (lambda q: _header(q.id)[:11], Outcome.MALFORMED, Outcome.MALFORMED),
    "header-no-question": (lambda q: _header(q.id, qd=0), Outcome.MISMATCHED, Outcome.MISMATCHED),
    "question-missing": (lambda q: _header(q.id, qd=1), Outcome.MALFORMED, Outcome.MALFORMED),
    "answer-count-lies": (lambda q: _header(q.id, qd=0, an=5), Outcome.MALFORMED, Outcome.MALFORMED),
    "pointer-loop": (_pointer_loop, Outcome.MALFORMED, Outcome.MALFORMED),
    "rdlength-overruns": (_overlong_rdata, Outcome.MALFORMED, Outcome.MALFORMED),
    "a-record-5-bytes": (_a_of_five_bytes, Outcome.MALFORMED, Outcome.MALFORMED),
    "trailing-junk": (lambda q: _wire(q) + b"\xde\xad", Outcome.MALFORMED, Outcome.MALFORMED),
    "echo-query": (lambda q: q.to_wire(), Outcome.MISMATCHED, Outcome.MISMATCHED),
    "wrong-id": (lambda q: struct.pack("!H", (q.id + 7) & 0xFFFF) + _wire(q)[2:],
                 Outcome.MISMATCHED, Outcome.MISMATCHED),
    "wrong-qtype": (_wrong_qtype, Outcome.MISMATCHED, Outcome.MISMATCHED),
    "random-with-our-id": (lambda q: struct.pack("!H", q.id) + bytes(range(256)) * 2,
                           Outcome.MALFORMED, Outcome.MALFORMED),
    "rcode-15": (lambda q: _rcode(q, 15), Outcome.OTHER_RCODE, Outcome.OTHER_RCODE),
    "notimp": (lambda q: _rcode(q, dns.rcode.NOTIMP), Outcome.OTHER_RCODE, Outcome.OTHER_RCODE),
    "cname-only": (_cname_only, Outcome.NODATA, Outcome.NODATA),
    # over TCP the partial message is judged as it stands (TC=1 noted in the detail)
    "tc-cut-mid-record": (_tc_then_junk, Outcome.TRUNCATED, Outcome.NODATA),
    "oversize-udp": (lambda q: _wire(q) + b"\x00" * 60000, Outcome.MALFORMED, Outcome.MALFORMED),
}


class Hostile:
    """UDP + TCP on one 127.0.0.1 port; the first label of the query name picks the act.

    Acts are methods ``udp_<label>`` / ``tcp_<label>``, or a SHAPES entry (the same bytes
    on both transports).  Stalling acts hold the connection until ``stop``; every wait
    wakes each TICK_S to check it, and ``stop`` joins every thread with a bound."""

    def __init__(self) -> None:
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        for _ in range(50):   # bounded: find a port free for both UDP and TCP
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                self.tcp.bind(("127.0.0.1", self.port))
                break
            except OSError:
                self.udp.close()
                self.tcp.close()
        else:  # pragma: no cover - a loaded machine
            raise OSError("no free UDP+TCP port pair")
        self.tcp.listen(64)
        # "oversize-udp" sends ~60 KB in one datagram: macOS refuses sends larger than the
        # socket's send buffer (9216 bytes by default) with EMSGSIZE.
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, limits.LARGE_UDP_SNDBUF)
        self.other_port = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # same address, wrong port
        self.other_port.bind(("127.0.0.1", 0))
        # Wrong address, same port: needs a second loopback address (none on macOS by default).
        self.other_addr: socket.socket | None = None
        if limits.loopback_alias("127.0.0.2"):
            self.other_addr = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                self.other_addr.bind(("127.0.0.2", self.port))
            except OSError:
                self.other_addr.bind(("127.0.0.2", 0))

    @property
    def server(self) -> str:
        return f"127.0.0.1#{self.port}"

    def __enter__(self) -> "Hostile":
        for target in (self._serve_udp, self._serve_tcp):
            self._spawn(target)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()
        for t in list(self.threads):
            t.join(2.0)
        with self.lock:
            socks = [s for s in (self.udp, self.tcp, self.other_port, self.other_addr) if s is not None] + self.conns
        for s in socks:
            try:
                s.close()
            except OSError:
                pass
        alive = [t.name for t in self.threads if t.is_alive()]
        assert not alive, f"hostile server threads did not stop: {alive}"

    def _spawn(self, target, *args) -> None:
        t = threading.Thread(target=target, args=args, daemon=True, name=f"hostile-{target.__name__}")
        with self.lock:
            self.threads.append(t)
        t.start()

    def hold(self, seconds: float = 60.0) -> None:
        """Stall: wait until stop (or ``seconds``), waking every tick."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.stop_event.wait(TICK_S):
            pass

    # -- UDP --------------------------------------------------------------------------

    def _serve_udp(self) -> None:
        while not self.stop_event.is_set():
            try:
                ready, _w, _x = select.select([self.udp], [], [], TICK_S)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                data, peer = self.udp.recvfrom(65535)
                query = dns.message.from_wire(data)
            except Exception:  # noqa: BLE001 - a test server ignores what it cannot read
                continue
            act = query.question[0].name.labels[0].decode()
            try:
                if act in SHAPES:
                    self.udp.sendto(SHAPES[act][0](query), peer)
                else:
                    getattr(self, f"udp_{act}")(query, peer)
            except OSError:
                continue   # the client went away

    def udp_good(self, q, peer) -> None:
        self.udp.sendto(_wire(q), peer)

    def udp_wrong_port(self, q, peer) -> None:
        self.other_port.sendto(_wire(q, EVIL), peer)

    def udp_wrong_address(self, q, peer) -> None:
        assert self.other_addr is not None, "wrong_address needs a second loopback address"
        self.other_addr.sendto(_wire(q, EVIL), peer)

    def udp_spoofs_then_answers(self, q, peer) -> None:
        self.other_port.sendto(_wire(q, EVIL), peer)
        if self.other_addr is not None:
            self.other_addr.sendto(_wire(q, EVIL), peer)
        self.udp.sendto(_wire(q), peer)

    def udp_duplicate_flood(self, q, peer) -> None:
        wire = _wire(q)
        for _ in range(2000):
            self.udp.sendto(wire, peer)

    def udp_garbage_flood_then_answer(self, q, peer) -> None:
        bad = struct.pack("!H", (q.id + 1) & 0xFFFF) + _wire(q, EVIL)[2:]
        for _ in range(60):     # fits a default socket buffer, so the real one is not dropped
            self.udp.sendto(bad, peer)
            self.udp.sendto(b"\xff" * 3, peer)
        self.udp.sendto(_wire(q), peer)

    def udp_wrong_then_silence(self, q, peer) -> None:
        self.udp.sendto(struct.pack("!H", (q.id + 1) & 0xFFFF) + _wire(q)[2:], peer)

    # -- TCP --------------------------------------------------------------------------

    def _serve_tcp(self) -> None:
        while not self.stop_event.is_set():
            try:
                ready, _w, _x = select.select([self.tcp], [], [], TICK_S)
            except (OSError, ValueError):
                return
            if not ready:
                continue
            try:
                conn, _peer = self.tcp.accept()
            except OSError:
                continue
            with self.lock:
                self.conns.append(conn)
            self._spawn(self._serve_conn, conn)

    def _recv(self, conn: socket.socket, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n and not self.stop_event.is_set():
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return buf if len(buf) == n else None

    def _serve_conn(self, conn: socket.socket) -> None:
        conn.settimeout(TICK_S)
        try:
            head = self._recv(conn, 2)
            wire = self._recv(conn, struct.unpack("!H", head)[0]) if head else None
            if wire is None:
                return
            query = dns.message.from_wire(wire)
            act = query.question[0].name.labels[0].decode()
            if act in SHAPES:
                body = SHAPES[act][0](query)[:65535]
                conn.sendall(struct.pack("!H", len(body)) + body)
                self.hold(1.0)   # leave closing to the client: it has its frame
            else:
                getattr(self, f"tcp_{act}")(conn, query)
        except OSError:
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def tcp_good(self, conn, q) -> None:
        w = _wire(q)
        conn.sendall(struct.pack("!H", len(w)) + w)

    def tcp_half_prefix_stall(self, conn, q) -> None:
        conn.sendall(struct.pack("!H", len(_wire(q)))[:1])
        self.hold()

    def tcp_half_prefix_close(self, conn, q) -> None:
        conn.sendall(struct.pack("!H", len(_wire(q)))[:1])

    def tcp_half_message_stall(self, conn, q) -> None:
        w = _wire(q)
        conn.sendall(struct.pack("!H", len(w)) + w[: len(w) // 2])
        self.hold()

    def tcp_half_message_close(self, conn, q) -> None:
        w = _wire(q)
        conn.sendall(struct.pack("!H", len(w)) + w[: len(w) // 2])

    def tcp_half_message_reset(self, conn, q) -> None:
        w = _wire(q)
        conn.sendall(struct.pack("!H", len(w)) + w[: len(w) // 2])
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def tcp_zero_length_frame(self, conn, q) -> None:
        conn.sendall(b"\x00\x00")
        self.hold(1.0)

    def tcp_prefix_65535_then_stall(self, conn, q) -> None:
        conn.sendall(b"\xff\xff" + _wire(q))
        self.hold()

    def tcp_slow_drip(self, conn, q) -> None:
        """One byte every 0.3 s: must not stretch the run past its deadline."""
        data = struct.pack("!H", len(_wire(q))) + _wire(q)
        for b in data:
            conn.sendall(bytes([b]))
            if self.stop_event.wait(0.3):
                return

    def tcp_fast_trickle(self, conn, q) -> None:
        """The whole reply, one byte per segment: reassembly must give the answer.  A 2 ms
        pause between bytes (~60 of them) fits the 1 s deadline; on Windows a pause lasts a
        15.6 ms timer tick, so the pause comes every 8th byte there."""
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = struct.pack("!H", len(_wire(q))) + _wire(q)
        every = max(1, round(limits.TIMER_TICK_S / 0.002))
        for n, b in enumerate(data):
            conn.sendall(bytes([b]))
            if n % every == 0 and self.stop_event.wait(0.002):
                return

    def tcp_duplicate_flood(self, conn, q) -> None:
        w = _wire(q)
        frame = struct.pack("!H", len(w)) + w
        try:
            conn.sendall(frame * 2000)
        except OSError:
            pass  # the client closed after the first frame: expected

    def tcp_never_reads(self, conn, q) -> None:
        self.hold()

    def tcp_wrong_port(self, conn, q) -> None:     # TCP cannot be answered from elsewhere:
        self.hold()                                # the server just goes quiet

    tcp_wrong_address = tcp_wrong_port
    tcp_spoofs_then_answers = tcp_good
    tcp_garbage_flood_then_answer = tcp_good
    tcp_wrong_then_silence = tcp_never_reads

    def udp_half_prefix_stall(self, q, peer) -> None:   # TCP-only acts: UDP stays silent
        return

    udp_half_prefix_close = udp_half_message_stall = udp_half_message_close = udp_half_prefix_stall
    udp_half_message_reset = udp_zero_length_frame = udp_prefix_65535_then_stall = udp_half_prefix_stall
    udp_slow_drip = udp_never_reads = udp_half_prefix_stall
    udp_fast_trickle = udp_good


def _run_cases(server: Hostile, cases, deadline_s: float, transports=(UDP, TCP)):
    names = [NameCheck(f"{c}.{ZONE}") for c in cases]
    plan = probes.ProbePlan(items=tuple(probes.ProbeItem("127.0.0.1", server.port, n.name, "A", t)
                                        for n in names for t in transports), names=tuple(names))
    t0 = time.perf_counter()
    run = probes.run(plan, deadline_s, system_names=(), resolve=_no_system_lookup)
    elapsed = time.perf_counter() - t0
    assert elapsed < deadline_s + HANG_MARGIN_S, f"run took {elapsed:.2f} s for a {deadline_s} s deadline"
    assert len(run.results) == len(plan.items), "every probe must be accounted for"
    return {(r.name.split(".", 1)[0], r.transport): r for r in run.results}, elapsed


def test_every_malformed_reply_shape_is_classified_within_the_deadline():
    with Hostile() as srv:
        got, _elapsed = _run_cases(srv, list(SHAPES), deadline_s=1.0)
    wrong = {}
    for case, (_build, udp_out, tcp_out) in SHAPES.items():
        for transport, want in ((UDP, udp_out), (TCP, tcp_out)):
            r = got[(case, transport)]
            if r.outcome is not want:
                wrong[f"{case}/{transport}"] = f"{r.outcome} ({r.detail})"
            assert all(a.address != EVIL for a in r.answers)
    assert not wrong, wrong


def test_replies_from_the_wrong_port_are_never_accepted():
    """UDP probes use connected sockets: the kernel drops datagrams from any other port, so
    a spoofer cannot answer and the real reply still wins."""
    cases = ("wrong_port", "spoofs_then_answers", "good")
    with Hostile() as srv:
        got, _ = _run_cases(srv, cases, deadline_s=0.8, transports=(UDP,))
    assert got[("wrong_port", UDP)].outcome is Outcome.TIMEOUT
    real = got[("spoofs_then_answers", UDP)]
    assert real.outcome is Outcome.ANSWER and [a.address for a in real.answers] == [GOOD]
    assert got[("good", UDP)].outcome is Outcome.ANSWER


@pytest.mark.skipif(not limits.loopback_alias("127.0.0.2"),
                    reason="no second loopback address: macOS has only 127.0.0.1 on lo0 unless aliased")
def test_replies_from_the_wrong_address_are_never_accepted():
    """The same from another address (127.0.0.2) on the server's port."""
    cases = ("wrong_address", "spoofs_then_answers", "good")
    with Hostile() as srv:
        got, _ = _run_cases(srv, cases, deadline_s=0.8, transports=(UDP,))
    assert got[("wrong_address", UDP)].outcome is Outcome.TIMEOUT
    real = got[("spoofs_then_answers", UDP)]
    assert real.outcome is Outcome.ANSWER and [a.address for a in real.answers] == [GOOD]
    assert got[("good", UDP)].outcome is Outcome.ANSWER


def test_floods_of_duplicates_and_garbage_end_with_the_real_answer():
    cases = ("duplicate_flood", "garbage_flood_then_answer", "wrong_then_silence", "good")
    with Hostile() as srv:
        got, elapsed = _run_cases(srv, cases, deadline_s=1.5)
    for case in ("duplicate_flood", "garbage_flood_then_answer", "good"):
        for t in (UDP, TCP):
            r = got[(case, t)]
            assert r.outcome is Outcome.ANSWER, (case, t, r.outcome, r.detail)
            assert [a.address for a in r.answers] == [GOOD]
    assert got[("duplicate_flood", TCP)].detail == "" or "bytes after the reply frame" in got[("duplicate_flood", TCP)].detail
    late = got[("wrong_then_silence", UDP)]
    assert late.outcome is Outcome.MISMATCHED and "no matching reply" in late.detail
    assert got[("wrong_then_silence", TCP)].outcome is Outcome.TIMEOUT


TCP_STALLS = {
    "half_prefix_stall": (Outcome.TIMEOUT, "partial reply"),
    "half_prefix_close": (Outcome.MALFORMED, "inside the 2-byte length prefix"),
    "half_message_stall": (Outcome.TIMEOUT, "partial reply"),
    "half_message_close": (Outcome.MALFORMED, "closed after"),
    "half_message_reset": ({Outcome.CONNECTION_RESET, Outcome.MALFORMED}, ""),
    "zero_length_frame": (Outcome.MALFORMED, "not a DNS message"),
    "prefix_65535_then_stall": (Outcome.TIMEOUT, "partial reply"),
    "slow_drip": (Outcome.TIMEOUT, "partial reply"),
    "never_reads": (Outcome.TIMEOUT, "no reply"),
    "fast_trickle": (Outcome.ANSWER, ""),
}


def test_tcp_servers_that_stall_or_cut_mid_message():
    with Hostile() as srv:
        got, elapsed = _run_cases(srv, list(TCP_STALLS), deadline_s=1.0, transports=(TCP,))
    wrong = {}
    for case, (want, words) in TCP_STALLS.items():
        r = got[(case, TCP)]
        ok = r.outcome in want if isinstance(want, set) else r.outcome is want
        if not ok or words not in r.detail:
            wrong[case] = f"{r.outcome}: {r.detail}"
    assert not wrong, wrong
    assert got[("fast_trickle", TCP)].answers[0].address == GOOD


def test_many_hostile_servers_at_once_still_end_at_the_deadline():
    """Five servers x every case x both transports (about 300 probes) in one run."""
    servers = [Hostile() for _ in range(5)]
    cases = list(SHAPES) + list(TCP_STALLS) + ["wrong_port", "duplicate_flood"]
    try:
        for s in servers:
            s.__enter__()
        names = [NameCheck(f"{c}.{ZONE}") for c in cases]
        items = tuple(probes.ProbeItem("127.0.0.1", s.port, n.name, "A", t)
                      for s in servers for n in names for t in (UDP, TCP))
        plan = probes.ProbePlan(items=items, names=tuple(names))
        t0 = time.perf_counter()
        run = probes.run(plan, 1.0, system_names=(), resolve=_no_system_lookup)
        elapsed = time.perf_counter() - t0
    finally:
        for s in servers:
            s.__exit__(None, None, None)
    assert elapsed < 1.0 + HANG_MARGIN_S
    assert len(run.results) == len(items)
    assert all(isinstance(r.outcome, Outcome) for r in run.results)


@pytest.mark.parametrize("case, want", [("good", 2), ("half_message_stall", 0), ("pointer-loop", 0)])
def test_dnsping_rounds_are_bounded_against_hostile_servers(case, want):
    """``cvpn-doctor probe``: count rounds, each bounded by its timeout."""
    count, timeout_s, interval_s = 2, 0.4, 0.05
    with Hostile() as srv:
        t0 = time.perf_counter()
        report = dnsping.ping("127.0.0.1", [f"{case}.{ZONE}"], port=srv.port, count=count,
                              interval_s=interval_s, timeout_s=timeout_s, transports=(TCP,))
        elapsed = time.perf_counter() - t0
    assert elapsed < count * timeout_s + (count - 1) * interval_s + HANG_MARGIN_S
    assert report.stat(TCP).received == want
