"""OpenVPN / AWS VPN Client log parser: jc-style fixture pairs plus focused cases."""
import json
from pathlib import Path

import pytest

from platforms.base import ParseError
from platforms.parsers import openvpn_log

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
CASES = sorted(FIXTURES.glob("openvpn-log--*.out"))


def as_dict(result: openvpn_log.OpenVpnLog) -> dict:
    return {"pushed": result.pushed.to_dict() if result.pushed else None,
            "connected_at": result.connected_at, "disconnected_at": result.disconnected_at,
            "connected": result.connected, "errors": list(result.errors), "filtered": list(result.filtered),
            "unresolvable_endpoint": result.unresolvable_endpoint}


def test_fixtures_exist():
    assert len(CASES) >= 5


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_fixture(case: Path):
    expected = json.loads(case.with_suffix(".json").read_text())
    text = case.read_text()
    assert openvpn_log.looks_like(text)
    assert as_dict(openvpn_log.parse(text)) == expected


def test_split_tunnel_custom_dns_real_log():
    res = openvpn_log.parse((FIXTURES / "openvpn-log--rhel-split-custom-dns.out").read_text(), source="/tmp/x.log")
    assert res.pushed.dns_servers == ("10.2.0.2",)
    assert res.pushed.routes == ("10.2.0.0/16", "10.1.0.0/16")
    assert res.pushed.redirect_gateway is False
    assert res.pushed.ifconfig == "172.16.0.130/27"
    assert res.pushed.route_gateway == "172.16.0.129"
    assert res.pushed.source == "/tmp/x.log"
    assert res.connected is True and res.connected_at == "2024-10-06T06:53:50"


def test_full_tunnel_and_auth_token_value_never_kept():
    text = ("2024-01-02 03:04:05 PUSH: Received control message: 'PUSH_REPLY,redirect-gateway def1,"
            "dhcp-option DNS 10.0.0.2,auth-token SESS_ID_c2VjcmV0,block-outside-dns,dhcp-option DOMAIN-ROUTE .,"
            "dhcp-option DOMAIN corp.example,route-gateway 10.0.0.97,ifconfig 10.0.0.98 255.255.255.224'\n"
            "2024-01-02 03:04:06 Initialization Sequence Completed\n")
    res = openvpn_log.parse(text)
    assert res.pushed.redirect_gateway and res.pushed.block_outside_dns
    assert res.pushed.domains == (".", "corp.example")
    assert "SESS_ID" not in res.pushed.raw and "auth-token [removed]" in res.pushed.raw


def test_last_push_reply_wins_and_net30_ifconfig():
    text = ("Mon Mar  7 16:37:19 2016 PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 208.67.222.222,"
            "route 10.8.0.1,topology net30,ping 10,ping-restart 120,ifconfig 10.8.0.6 10.8.0.5'\n"
            "Mon Mar  7 16:40:00 2016 SIGUSR1[soft,ping-restart] received, process restarting\n"
            "Mon Mar  7 16:40:09 2016 PUSH: Received control message: 'PUSH_REPLY,route 10.9.0.0 255.255.0.0,"
            "ifconfig 10.8.0.10 10.8.0.9'\n"
            "Mon Mar  7 16:40:09 2016 Initialization Sequence Completed\n")
    res = openvpn_log.parse(text)
    assert res.pushed.dns_servers == ()
    assert res.pushed.routes == ("10.9.0.0/16",)
    assert res.pushed.ifconfig == "10.8.0.10/32"  # net30: the second word is the peer, not a mask
    assert res.pushed.seen_at == "2016-03-07T16:40:09"
    assert res.disconnected_at == "2016-03-07T16:40:00" and res.connected is True


def test_pull_filter_dropped_dns_is_not_pushed():
    # Shape from the OpenVPN Cookbook's pull-filter recipe (public), timestamps added.
    text = ("2024-01-02 03:04:05 PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 192.168.3.1,"
            "route-gateway 10.200.0.1,topology subnet,ping 10,ping-restart 60,ifconfig 10.200.0.2 255.255.255.0'\n"
            "2024-01-02 03:04:05 Pushed option removed by filter: 'dhcp-option DNS 192.168.3.1'\n")
    res = openvpn_log.parse(text)
    assert res.pushed.dns_servers == ()
    assert res.filtered == ("dhcp-option DNS 192.168.3.1",)


def test_endpoint_unresolvable():
    res = openvpn_log.parse((FIXTURES / "openvpn-log--networkmanager-endpoint-unresolvable.out").read_text())
    assert res.unresolvable_endpoint == "cvpn-endpoint-1234.prod.clientvpn.us-east-1.amazonaws.com"
    assert any("RESOLVE: Cannot resolve host address" in e for e in res.errors)


def test_empty_input():
    assert openvpn_log.parse("") == openvpn_log.OpenVpnLog()
    assert openvpn_log.parse("  \n") == openvpn_log.OpenVpnLog()


@pytest.mark.parametrize("garbage", ["hello world\nthis is not a log\n", "nameserver 10.0.0.2\n",
                                     '{"PUSH": 1}', "\x00\x01\x02"])
def test_garbage_input(garbage):
    with pytest.raises(ParseError):
        openvpn_log.parse(garbage)
    assert not openvpn_log.looks_like(garbage)


def test_timestamps():
    assert openvpn_log.timestamp("WRRMon Apr 15 21:26:55 2019 us=276082 PUSH") == "2019-04-15T21:26:55"
    assert openvpn_log.timestamp("2020-02-04 15:42:07.475669 WARNING") == "2020-02-04T15:42:07"
    assert openvpn_log.timestamp("Aug  3 10:28:36 kesh ovpn-client[347]: x") == "Aug  3 10:28:36"
    assert openvpn_log.timestamp("no time here") is None
