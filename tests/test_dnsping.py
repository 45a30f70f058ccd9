"""``cvpn-doctor probe``'s logic (agent.dnsping) against tests/fakedns.py on 127.0.0.1."""
from __future__ import annotations

import json
import time

import pytest

from agent import dnsping, probes
from agent.model import Outcome, Transport
from tests.fakedns import FakeDNS, Fault

UDP, TCP = Transport.UDP, Transport.TCP
RECORDS = {"app.corp.example": ["10.1.2.3"]}


def test_answering_server_statistics_and_samples():
    naps = []
    with FakeDNS(records=RECORDS) as srv:
        report = dnsping.ping(srv.address, ["app.corp.example", "missing.corp.example"], port=srv.port,
                              count=3, interval_s=0.05, timeout_s=1.0, sleep=naps.append)
    assert naps == [0.05, 0.05]
    assert (report.server, report.port, report.count) == ("127.0.0.1", srv.port, 3)
    assert report.names == ("app.corp.example", "missing.corp.example")
    assert len(report.samples) == 3 * 2 * 2
    assert sorted({s.round for s in report.samples}) == [1, 2, 3]
    for transport in (UDP, TCP):
        st = report.stat(transport)
        assert (st.sent, st.received, st.loss_pct) == (6, 6, 0.0)
        assert 0 <= st.min_ms <= st.avg_ms <= st.max_ms < 1000 and st.stddev_ms >= 0
        assert st.rcodes == {"NOERROR": 3, "NXDOMAIN": 3}
        assert st.outcomes == {"answer": 3, "nxdomain": 3}
    answered = [s for s in report.samples if s.outcome is Outcome.ANSWER]
    assert {s.answers for s in answered} == {("10.1.2.3",)}
    assert report.any_received


def test_udp_black_hole_is_full_loss_and_bounded_in_time():
    count, timeout, interval = 3, 0.3, 0.1
    with FakeDNS(records=RECORDS, udp=Fault.DROP) as srv:
        t0 = time.perf_counter()
        report = dnsping.ping(srv.server, ["app.corp.example"], count=count, interval_s=interval, timeout_s=timeout)
        elapsed = time.perf_counter() - t0
    assert elapsed < count * timeout + (count - 1) * interval + 0.5
    udp, tcp = report.stat(UDP), report.stat(TCP)
    assert (udp.sent, udp.received, udp.loss_pct) == (3, 0, 100.0)
    assert udp.min_ms is None and udp.avg_ms is None and udp.outcomes == {"timeout": 3} and udp.rcodes == {}
    assert (tcp.received, tcp.loss_pct) == (3, 0.0)


def test_closed_port_and_only_udp_transport():
    with FakeDNS(mode=Fault.CLOSED) as srv:
        report = dnsping.ping(srv.server, ["app.corp.example"], count=2, interval_s=0, timeout_s=1.0,
                              transports=[UDP])
    assert [s.transport for s in report.stats] == [UDP]
    assert report.stats[0].outcomes == {"port-unreachable": 2} and report.stats[0].loss_pct == 100.0
    assert not report.any_received


def test_default_name_is_the_canary_sent_only_to_the_given_loopback_server():
    with FakeDNS(records={probes.DEFAULT_CANARY: ["54.239.28.85"]}) as srv:
        report = dnsping.ping(f"[{srv.address}]:{srv.port}", count=1, timeout_s=1.0)
        assert {q[1] for q in srv.queries} == {probes.DEFAULT_CANARY}
    assert report.names == (probes.DEFAULT_CANARY,)
    assert {s.outcome for s in report.samples} == {Outcome.ANSWER}


def test_report_json_round_trip_and_text():
    with FakeDNS(records=RECORDS, tcp=Fault.RESET) as srv:
        report = dnsping.ping(srv.server, ["app.corp.example"], count=2, interval_s=0, timeout_s=1.0)
    data = json.loads(json.dumps(report.to_dict()))
    assert dnsping.PingReport.from_dict(data) == report
    assert data["stats"][1]["outcomes"] == {"connection-reset": 2}
    text = report.to_text()
    assert "UDP: 2 sent, 2 received, 0% loss" in text
    assert "TCP: 2 sent, 0 received, 100% loss" in text
    assert "rtt min/avg/max/stddev" in text and "connection-reset" in text


def test_stats_arithmetic():
    samples = [dnsping.PingSample(1, UDP, "a", Outcome.ANSWER, "NOERROR", rtt) for rtt in (1.0, 2.0, 3.0)]
    samples.append(dnsping.PingSample(2, UDP, "a", Outcome.TIMEOUT))
    samples.append(dnsping.PingSample(2, UDP, "a", Outcome.SERVFAIL, "SERVFAIL", 6.0))
    st = dnsping._stats(UDP, samples)
    assert (st.sent, st.received, st.loss_pct) == (5, 4, 20.0)
    assert (st.min_ms, st.avg_ms, st.max_ms) == (1.0, 3.0, 6.0)
    assert st.stddev_ms == pytest.approx(2.160, abs=1e-3)   # sample stddev of 1, 2, 3, 6
    assert st.rcodes == {"NOERROR": 3, "SERVFAIL": 1}
    one = dnsping._stats(TCP, [dnsping.PingSample(1, TCP, "a", Outcome.ANSWER, "NOERROR", 4.0)])
    assert one.stddev_ms == 0.0


@pytest.mark.parametrize("kwargs", [
    dict(server="dns.google"), dict(server="127.0.0.1", count=0), dict(server="127.0.0.1", count=10**6),
    dict(server="127.0.0.1", timeout_s=0), dict(server="127.0.0.1", interval_s=-1),
    dict(server="127.0.0.1", transports=()), dict(server="127.0.0.1", qtype="BOGUS"),
    dict(server="127.0.0.1", port=0), dict(server="127.0.0.1#99999"),
])
def test_usage_errors_raise_value_error_before_any_packet(kwargs):
    with pytest.raises(ValueError):
        dnsping.ping(names=["a.example"], **kwargs)
