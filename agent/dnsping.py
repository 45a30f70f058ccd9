"""``cvpn-doctor probe SERVER [NAME...]``: a dnsping-like measurement of one server.

``ping(server, names)`` sends ``count`` rounds; each round asks every name over every
transport concurrently through :func:`agent.probes.run` (so every round is bounded by
``timeout_s``), then waits ``interval_s``.  Total time is at most
``count * timeout_s + (count - 1) * interval_s`` plus a few milliseconds.

Per transport it reports sent, received (any DNS reply, whatever the rcode: the server is
alive), loss %, min/avg/max/stddev of the round-trip times of the received replies
(sample standard deviation, 0 with fewer than two), and how often each rcode or error kind
was seen.  Every sample is kept.  The CLI prints :meth:`PingReport.to_text` or, with
``--json``, ``to_dict()``.
"""
from __future__ import annotations

import logging
import statistics
import time
from dataclasses import dataclass, field
from typing import Sequence

from agent import probes
from agent.model import NameCheck, Outcome, ProbeResult, Transport, utc_now
from agent.serial import Record

log = logging.getLogger(__name__)

DEFAULT_COUNT = 3
DEFAULT_INTERVAL_S = 0.2
DEFAULT_TIMEOUT_S = 2.0
MAX_COUNT = 1000            # a help desk typo (count=100000) must not run for days


@dataclass(frozen=True, slots=True)
class PingSample(Record):
    """One query of one round."""
    round: int
    transport: Transport
    name: str
    outcome: Outcome
    rcode: str | None = None
    rtt_ms: float | None = None
    answers: tuple[str, ...] = ()
    source_address: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TransportStats(Record):
    transport: Transport
    sent: int
    received: int
    loss_pct: float
    min_ms: float | None = None
    avg_ms: float | None = None
    max_ms: float | None = None
    stddev_ms: float | None = None
    outcomes: dict[str, int] = field(default_factory=dict)  # outcome -> count ("answer": 3, "timeout": 1)
    rcodes: dict[str, int] = field(default_factory=dict)    # rcode text -> count, over received replies


@dataclass(frozen=True, slots=True)
class PingReport(Record):
    server: str
    port: int
    names: tuple[str, ...]
    count: int
    interval_s: float
    timeout_s: float
    stats: tuple[TransportStats, ...] = ()
    samples: tuple[PingSample, ...] = ()
    started_at: str = ""
    elapsed_s: float = 0.0

    def stat(self, transport: Transport) -> TransportStats | None:
        for s in self.stats:
            if s.transport is transport:
                return s
        return None

    @property
    def any_received(self) -> bool:
        return any(s.received for s in self.stats)

    def to_text(self) -> str:
        """A dnsping-style text rendering (the CLI prints it; no colours, no width tricks)."""
        from agent.i18n import _
        from agent.model import outcome_text

        lines = [_("probe {server} port {port}: {names} ({count} x, interval {interval} s, timeout {timeout} s)").format(
            server=self.server, port=self.port, names=", ".join(self.names), count=self.count,
            interval=f"{self.interval_s:g}", timeout=f"{self.timeout_s:g}")]
        for sample in self.samples:
            rtt = f"{sample.rtt_ms:.1f} ms" if sample.rtt_ms is not None else "-"
            what = sample.rcode if sample.outcome.responded and sample.rcode else outcome_text(sample.outcome)
            extra = f" {', '.join(sample.answers)}" if sample.answers else ""
            note = f" ({sample.detail})" if sample.detail and not sample.outcome.responded else ""
            lines.append(f"  #{sample.round} {sample.transport.value:<3} {sample.name}: {what} {rtt}{extra}{note}")
        for s in self.stats:
            lines.append(_("--- {transport}: {sent} sent, {received} received, {loss}% loss").format(
                transport=s.transport.value.upper(), sent=s.sent, received=s.received, loss=f"{s.loss_pct:g}"))
            if s.min_ms is not None:
                lines.append(f"    rtt min/avg/max/stddev = {s.min_ms:.3f}/{s.avg_ms:.3f}/{s.max_ms:.3f}/"
                             f"{s.stddev_ms:.3f} ms")
            if s.outcomes:
                lines.append("    " + ", ".join(f"{k}: {v}" for k, v in sorted(s.outcomes.items())))
        return "\n".join(lines)


def _stats(transport: Transport, samples: Sequence[PingSample]) -> TransportStats:
    mine = [s for s in samples if s.transport is transport]
    got = [s for s in mine if s.outcome.responded]
    rtts = [s.rtt_ms for s in got if s.rtt_ms is not None]
    outcomes: dict[str, int] = {}
    rcodes: dict[str, int] = {}
    for s in mine:
        outcomes[s.outcome.value] = outcomes.get(s.outcome.value, 0) + 1
        if s.outcome.responded and s.rcode:
            rcodes[s.rcode] = rcodes.get(s.rcode, 0) + 1
    sent = len(mine)
    loss = round(100.0 * (sent - len(got)) / sent, 1) if sent else 0.0
    if not rtts:
        return TransportStats(transport, sent, len(got), loss, outcomes=outcomes, rcodes=rcodes)
    return TransportStats(transport, sent, len(got), loss,
                          min_ms=round(min(rtts), 3), avg_ms=round(statistics.fmean(rtts), 3),
                          max_ms=round(max(rtts), 3),
                          stddev_ms=round(statistics.stdev(rtts), 3) if len(rtts) > 1 else 0.0,
                          outcomes=outcomes, rcodes=rcodes)


def _sample(round_no: int, r: ProbeResult) -> PingSample:
    return PingSample(round=round_no, transport=r.transport, name=r.name, outcome=r.outcome, rcode=r.rcode,
                      rtt_ms=r.rtt_ms, answers=tuple(a.address for a in r.answers),
                      source_address=r.source_address, detail=r.detail)


def ping(server: str, names: Sequence[str] = (), port: int = 53, count: int = DEFAULT_COUNT,
         interval_s: float = DEFAULT_INTERVAL_S, timeout_s: float = DEFAULT_TIMEOUT_S,
         transports: Sequence[Transport] = probes.DEFAULT_TRANSPORTS, qtype: str = "A",
         sleep=time.sleep) -> PingReport:
    """Probe one server ``count`` times (see the module docstring).

    ``server`` is an IP address, or ``ADDRESS#PORT`` / ``[V6]:PORT`` (then ``port`` is
    ignored).  No names means :data:`agent.probes.DEFAULT_CANARY`.  Raises ValueError for a
    usage error (not an IP address, count outside 1..MAX_COUNT, negative interval, timeout
    not positive, no transport) -- the CLI maps that to exit code 2.  Network failures never
    raise: they are samples."""
    address, parsed_port = probes.parse_server(server)
    if "#" in server or server.strip().startswith("["):
        port = parsed_port
    if not 0 < int(port) < 65536:
        raise ValueError(f"port out of range: {port}")
    if not 1 <= count <= MAX_COUNT:
        raise ValueError(f"count must be 1..{MAX_COUNT}, not {count}")
    if interval_s < 0:
        raise ValueError("interval must not be negative")
    if not timeout_s > 0:
        raise ValueError("timeout must be positive")
    transports = tuple(dict.fromkeys(Transport(t) for t in transports))
    if not transports:
        raise ValueError("no transport to probe")
    try:
        import dns.rdatatype
        dns.rdatatype.from_text(qtype)
    except Exception as err:  # noqa: BLE001 - dnspython raises its own types for an unknown qtype
        raise ValueError(f"unknown query type {qtype!r}") from err
    checks = [NameCheck(n, origin="user") for n in names if n.strip()]
    plan = probes.plan(None, checks, [f"[{address}]:{port}"], transports=transports, qtypes=(qtype,))
    started_at = utc_now()
    t0 = time.perf_counter()
    samples: list[PingSample] = []
    for round_no in range(1, count + 1):
        result = probes.run(plan, deadline_s=timeout_s, system_names=())
        samples.extend(_sample(round_no, r) for r in result.results)
        if round_no < count and interval_s:
            sleep(interval_s)
    return PingReport(server=address, port=int(port), names=tuple(c.name for c in plan.names), count=count,
                      interval_s=interval_s, timeout_s=timeout_s,
                      stats=tuple(_stats(t, samples) for t in transports), samples=tuple(samples),
                      started_at=started_at, elapsed_s=round(time.perf_counter() - t0, 4))
