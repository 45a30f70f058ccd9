"""VPN client log parser: jc-style fixture pairs (real public logs of every client, see
tests/fixtures/SOURCES.md) plus focused cases."""
from pathlib import Path

import pytest

from agent.model import SamlState, TunnelMode, VpnClient
from platforms.base import ParseError
from platforms.parsers import openvpn_log
from platforms.recognize import recognise

FIXTURES = Path(__file__).parent / "fixtures" / "vpn"
CASES = sorted(FIXTURES.glob("openvpn-log--*.out"))


def test_fixtures_exist():
    assert len(CASES) >= 30


def _fixture(name: str) -> str:
    return (FIXTURES / f"openvpn-log--{name}.out").read_text(encoding="utf-8")


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


# --------------------------------------------------------------------------- structured facts


def test_tunnel_mode_is_a_field():
    assert openvpn_log.parse(_fixture("awsdocs-full-tunnel-custom-dns")).pushed.tunnel_mode is TunnelMode.FULL
    assert openvpn_log.parse(_fixture("rhel-split-custom-dns")).pushed.tunnel_mode is TunnelMode.SPLIT
    # OpenVPN 3's "route 0.0.0.0 0.0.0.0" and NetworkManager's "Static Route: 0.0.0.0/0" are full too
    assert openvpn_log.parse(_fixture("openvpn3-core-android-options-full")).pushed.tunnel_mode is TunnelMode.FULL
    nm = openvpn_log.parse(_fixture("networkmanager-journal-reconnect-fatal")).pushed
    assert nm.tunnel_mode is TunnelMode.FULL and nm.dns_servers == ("198.18.0.1", "198.18.0.2")
    # only the helper's DNS options were logged: the tunnel mode is not known
    helper = openvpn_log.parse(_fixture("aws-configure-dns-fedora40-4.1.0")).pushed
    assert helper.tunnel_mode is TunnelMode.UNKNOWN and helper.dns_servers == ("10.16.0.2",)


@pytest.mark.parametrize("opts,mode", [
    ("redirect-gateway def1,dhcp-option DNS 10.0.0.2", TunnelMode.FULL),
    ("redirect-gateway ipv6 def1 bypass-dhcp", TunnelMode.FULL),
    ("redirect-gateway !ipv4 ipv6,route 10.0.0.0 255.0.0.0", TunnelMode.SPLIT),
    ("route 0.0.0.0 128.0.0.0,route 128.0.0.0 128.0.0.0", TunnelMode.FULL),
    ("route 10.0.0.0 255.255.0.0", TunnelMode.SPLIT),
    ("ping 10,ifconfig 10.0.0.6 255.255.255.224", TunnelMode.SPLIT),
])
def test_tunnel_mode_from_options(opts, mode):
    assert openvpn_log.parse_push_reply(opts).tunnel_mode is mode


@pytest.mark.parametrize("name,device", [
    ("rhel-split-custom-dns", "tun0"),                       # TUN/TAP device tun0 opened
    ("tunnelblick-utun2-block-outside-dns-unsupported", "utun2"),   # Opened utun device utun2
    ("openvpn-gui-tap-win32-net30-split", "Local Link2"),    # TAP-WIN32 device [Local Link2] opened
    ("openvpn-connect-windows-3.2-auth-failed-then-split", "Conexão Local"),  # Open TAP device "..."
    ("qubes-journal-openvpn-tun0", "tun0"),                  # journald, /sbin/ip addr add dev tun0
    ("aws-service-fedora36-configure-dns-failed", "tun0"),   # the up script's arguments in a >LOG: line
    ("aws-configure-dns-fedora40-4.1.0", "tun0"),
    ("networkmanager-journal-reconnect-fatal", "tun1"),
    ("saml-challenge-then-connected", "tun0"),
])
def test_tunnel_device(name, device):
    assert openvpn_log.parse(_fixture(name)).device == device


def test_device_from_ip_and_route_lines():
    assert openvpn_log.parse("2024-01-02 03:04:05 /sbin/ip addr add dev tun3 10.8.0.2/24 broadcast 10.8.0.255\n"
                             "2024-01-02 03:04:05 Initialization Sequence Completed\n").device == "tun3"
    assert openvpn_log.parse("2024-01-02 03:04:05 /sbin/ip route add 10.2.0.0/16 via 10.8.0.1 dev tun4\n"
                             "2024-01-02 03:04:05 TUN/TAP TX queue length set to 100\n").device == "tun4"
    # the VPN server's own host route goes via the LAN: not the tunnel
    assert openvpn_log.parse("2024-01-02 03:04:05 /sbin/ip route add 3.1.2.3/32 via 192.168.1.1 dev eth0\n"
                             "2024-01-02 03:04:05 TUN/TAP TX queue length set to 100\n").device is None
    assert openvpn_log.parse("2024-01-02 03:04:05 /sbin/route add -net 10.2.0.0/16 -interface utun5\n"
                             "2024-01-02 03:04:05 Opened utun device utun5\n").device == "utun5"


def test_newest_push_by_time_not_file_position():
    # the October session is pasted before the May one: its push is the newer
    res = openvpn_log.parse(_fixture("constructed-two-sessions-newest-first"))
    assert res.pushes == 2
    assert res.pushed.seen_at == "2024-10-06T06:53:50" and res.pushed.dns_servers == ("10.2.0.2",)
    assert res.connected is True and res.connected_at == "2024-10-06T06:53:50"
    assert res.disconnected_at == "2024-05-14T18:41:53"


def test_reconnect_after_disconnect_takes_the_new_push():
    text = ("Mon Mar  7 16:37:19 2016 PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 10.0.0.2,"
            "route 10.0.0.0 255.255.0.0'\n"
            "Mon Mar  7 16:37:19 2016 Initialization Sequence Completed\n"
            "Mon Mar  7 18:00:00 2016 SIGTERM[hard,] received, process exiting\n"
            "Mon Mar  7 18:05:00 2016 OpenVPN 2.4.9 x86_64-pc-linux-gnu [SSL (OpenSSL)]\n"
            "Mon Mar  7 18:05:02 2016 PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 10.1.0.2,"
            "redirect-gateway def1'\n"
            "Mon Mar  7 18:05:02 2016 Initialization Sequence Completed\n")
    res = openvpn_log.parse(text)
    assert res.pushed.dns_servers == ("10.1.0.2",) and res.pushed.tunnel_mode is TunnelMode.FULL
    assert res.connected is True and res.last_event_at == "2016-03-07T18:05:02"


def test_year_less_syslog_across_new_year():
    text = ("Dec 31 23:59:50 h openvpn[1]: PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 10.0.0.2'\n"
            "Jan  1 00:00:10 h openvpn[1]: PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 10.9.9.9'\n")
    assert openvpn_log.parse(text).pushed.dns_servers == ("10.9.9.9",)
    # pasted in the other order, the January push still wins (its year is inferred, not its position)
    lines = text.splitlines(keepends=True)
    assert openvpn_log.parse(lines[1] + lines[0]).pushed.dns_servers == ("10.0.0.2",)


def test_push_continuation_is_one_push():
    text = ("2024-01-02 03:04:05 PUSH: Received control message: 'PUSH_REPLY,route 10.1.0.0 255.255.0.0,"
            "push-continuation 2'\n"
            "2024-01-02 03:04:05 PUSH: Received control message: 'PUSH_REPLY,dhcp-option DNS 10.1.0.2,"
            "push-continuation 1'\n")
    res = openvpn_log.parse(text)
    assert res.pushes == 1
    assert res.pushed.routes == ("10.1.0.0/16",) and res.pushed.dns_servers == ("10.1.0.2",)


def test_logs_without_timestamps_and_from_a_shell_prompt():
    res = openvpn_log.parse(_fixture("constructed-no-timestamps"))
    assert res.pushed.dns_servers == ("10.2.0.2",) and res.connected is True and res.connected_at is None
    prompt = _fixture("constructed-shell-prompt-2.6")
    assert recognise(prompt).source_id == "vpn-log"
    assert openvpn_log.parse(prompt).pushed.routes == ("192.168.0.0/16",)


@pytest.mark.parametrize("name,line", [
    ("qubes-journal-openvpn-tun0", "Dec 04 01:21:52 VPN-proton openvpn[1097]:"),
    ("networkmanager-journal-reconnect-fatal", "Apr 03 09:15:32 Kris nm-openvpn[20087]:"),
    ("server-pivpn-syslog-not-client", "Oct 23 22:12:15 soteria ovpn-server[1914]:"),
])
def test_syslog_prefixes_are_peeled(name, line):
    assert line in _fixture(name)
    stamp, msg, _level = openvpn_log._split(line + " TUN/TAP device tun0 opened", None)
    assert msg == "TUN/TAP device tun0 opened" and stamp.text


@pytest.mark.parametrize("line,msg,stamp", [
    ("Aug  3 10:28:36 kesh ovpn-client[347]: Initialization Sequence Completed",
     "Initialization Sequence Completed", "Aug  3 10:28:36"),
    ("2024-05-14T18:36:40+0900 laptop openvpn[2211]: Initialization Sequence Completed",
     "Initialization Sequence Completed", "2024-05-14T18:36:40"),
    ("Tue May 13 01:38:10 2025 daemon.notice openvpn(omr)[3571]: TCPv4_CLIENT link local: (not bound)",
     "TCPv4_CLIENT link local: (not bound)", "2025-05-13T01:38:10"),
    ("Oct  6 06:53:40 host NetworkManager[812]: <info>  [1728197620.1] vpn[0x1,\"x\"]: VPN plugin: state changed: stopped (6)",
     "vpn[0x1,\"x\"]: VPN plugin: state changed: stopped (6)", "Oct  6 06:53:40"),
    ("2022-11-25 13:06:17.446 -03:00 [DBG] >LOG:1669392377,F,WARNING: Failed running command",
     "WARNING: Failed running command", "2022-11-25T13:06:17"),
    (">LOG:1669392377,I,Initialization Sequence Completed", "Initialization Sequence Completed", "2022-11-25T16:06:17Z"),
    ("Sat Jan 31 19:24:10 2026  {tag:113568} Client INFO: Disconnected", "Disconnected", "2026-01-31T19:24:10"),
    ("Mon Nov 18 21:08:23 JST 2024 foreign_option_5 from OpenVPN: dhcp-option DNS 10.16.0.2",
     "foreign_option_5 from OpenVPN: dhcp-option DNS 10.16.0.2", "2024-11-18T21:08:23"),
    ("> 2024-01-02 03:04:05 Initialization Sequence Completed", "Initialization Sequence Completed",
     "2024-01-02T03:04:05"),   # e-mail quoting
])
def test_line_wrappers(line, msg, stamp):
    got_stamp, got_msg, _level = openvpn_log._split(line, None)
    assert (got_msg, got_stamp.text) == (msg, stamp)


def test_openvpn_connect_log_auth_failed_then_split_push():
    res = openvpn_log.parse(_fixture("openvpn-connect-windows-3.2-auth-failed-then-split"))
    assert res.client is VpnClient.OPENVPN_CONNECT
    assert res.pushed.dns_servers == ("172.16.3.1", "172.16.3.4") and res.pushed.routes == ("172.16.0.0/12",)
    assert res.pushed.tunnel_mode is TunnelMode.SPLIT
    # 10/07/2021 could be 10 July or 7 October: kept as written, never guessed
    assert res.connected_at == "10/07/2021 15:50:41" and res.connected is False
    assert any("AUTH_FAILED" in e for e in res.errors)


def test_networkmanager_device_coming_up_is_not_a_disconnect():
    res = openvpn_log.parse(_fixture("networkmanager-journal-reconnect-fatal"))
    # "state change: unavailable -> disconnected" at 09:15:32 is tun1 being brought up
    assert res.connected_at == "Apr  3 09:15:32" and res.disconnected_at == "Apr  3 09:16:18"
    assert res.connected is False and res.client is VpnClient.NETWORK_MANAGER
    assert any("Exiting due to fatal error" in e for e in res.errors)


# --------------------------------------------------------------------------- SAML


def test_saml_challenge_then_connect_is_completed():
    res = openvpn_log.parse(_fixture("saml-challenge-then-connected"))
    assert res.saml is SamlState.COMPLETED
    assert not any("CRV1" in e for e in res.errors), "the SAML challenge is a normal step, not an error"
    assert res.pushed.dns_servers == ("10.231.0.2",) and res.connected is False   # Ctrl-C at the end


def test_saml_started_and_never_completed():
    assert openvpn_log.parse(_fixture("saml-redirect-script-2.5.5")).saml is SamlState.PENDING
    gui = openvpn_log.parse(_fixture("aws-gui-6x-saml-never-completed"))
    assert gui.saml is SamlState.PENDING and gui.profile_name == "corp-vpn"
    assert gui.connected is False and gui.last_event_at == "2025-03-05T18:02:45"
    done = openvpn_log.parse(_fixture("aws-gui-6x-saml-required-then-connected"))
    assert done.saml is SamlState.COMPLETED and done.connected is True
    assert done.client is VpnClient.AWS_VPN_CLIENT


def test_saml_failed_after_challenge():
    # Shape of the AWS SAML flow (the CRV1 line as in the real fixture above), then a rejected response.
    text = ("2022-06-14 11:13:03 AUTH: Received control message: AUTH_FAILED,CRV1:R:instance-1/7/c:b'T**B':"
            "https://portal.sso.us-east-2.amazonaws.com/saml/assertion/M?SAMLRequest=f\n"
            "2022-06-14 11:13:03 SIGTERM[soft,auth-failure] received, process exiting\n"
            "2022-06-14 11:14:55 AUTH: Received control message: AUTH_FAILED\n"
            "2022-06-14 11:14:55 SIGTERM[soft,auth-failure] received, process exiting\n")
    assert openvpn_log.parse(text).saml is SamlState.FAILED


def test_otp_challenge_is_not_saml():
    res = openvpn_log.parse(_fixture("tunnelblick-duo-challenge-not-saml"))
    assert res.saml is None and any("AUTH_FAILED,CRV1" in e for e in res.errors)
    assert openvpn_log.parse(_fixture("saml-response-auth-failed")).saml is None


# --------------------------------------------------------------------------- robustness


def test_server_log_is_not_client_evidence():
    res = openvpn_log.parse(_fixture("server-pivpn-syslog-not-client"))
    assert res.server_log and res.pushed is None and res.device is None and res.connected is None
    server_push = ("2025-01-11 19:05:29 1.2.3.4:64362 SENT CONTROL [client1]: 'PUSH_REPLY,dhcp-option DNS 10.8.0.1,"
                   "redirect-gateway def1' (status=1)\n"
                   "2025-01-11 19:05:29 1.2.3.4:64362 MULTI_sva: pool returned IPv4=10.8.0.6\n")
    assert openvpn_log.parse(server_push).pushed is None


def test_unreadable_option_is_skipped_and_noted():
    res = openvpn_log.parse(_fixture("android-masked-full-tunnel"))
    assert res.pushed.tunnel_mode is TunnelMode.FULL and res.pushed.domains == ("loremipsum.lan",)
    assert res.pushed.dns_servers == ()
    assert any("A.B.C.D" in note and "dhcp-option DNS" in note for note in res.skipped)


def test_a_broken_line_never_discards_the_rest():
    good = _fixture("rhel-split-custom-dns")
    lines = good.splitlines(keepends=True)
    junk = ["\x00\x01\x02 binary junk \udcff\n", "Sun Oct  6 99:99:99 2024 garbage time\n",
            "PUSH_REPLY,\n", "x" * 70_000 + "\n", "2024-13-45 10:00:00 not a date\n"]
    mangled = "".join(lines[:5] + junk + lines[5:])
    res = openvpn_log.parse(mangled)
    assert res.pushed.dns_servers == ("10.2.0.2",) and res.pushed.routes == ("10.2.0.0/16", "10.1.0.0/16")
    assert res.connected is True and any("longer than" in s for s in res.skipped)


def test_json_lines_and_logcat_wrappers():
    res = openvpn_log.parse(_fixture("json-lines-management-full-tunnel"))
    assert res.pushed.dns_servers == ("5.254.112.99", "5.254.112.101")
    assert res.pushed.raw.count("PUSH_REPLY") == 1 and res.pushed.seen_at == "2026-07-07T14:15:59Z"
    cat = openvpn_log.parse(_fixture("android-logcat-machine-readable"))
    assert cat.pushed.dns_servers == ("192.168.30.1",) and cat.pushed.tunnel_mode is TunnelMode.FULL


def test_dns_option_of_openvpn_2_6():
    res = openvpn_log.parse(_fixture("2.7-dns-option-net30"))
    assert res.pushed.dns_servers == ("10.194.0.1", "fd00:abcd:194::1", "10.194.1.1", "fd00:abcd:194:1::1")
    assert res.pushed.domains == ("open.vpn",)


@pytest.mark.parametrize("name,kind", [
    ("aws-gui-6x-saml-required-then-connected", "vpn-client-log"),
    ("aws-configure-dns-fedora40-4.1.0", "vpn-dns-log"),
    ("aws-service-fedora36-configure-dns-failed", "vpn-log"),
    ("openvpn3-linux-admin-journal-disconnected", "vpn-log"),
])
def test_looks_like_tells_the_aws_logs_apart(name, kind):
    text = _fixture(name)
    assert openvpn_log.looks_like(text) == kind
    assert recognise(text).source_id == kind


def test_openvpn3_resolv_conf_is_not_a_log():
    text = ("#\n# Generated by OpenVPN 3 Linux (NetCfg::DNS::ResolvConfFile)\n# Last updated: 2022-05-22 17:49:09 \n"
            "#\n\n# OpenVPN defined name servers\nnameserver 10.0.0.2\n\n# System defined name servers\n"
            "nameserver 192.168.55.1\n")
    assert not openvpn_log.looks_like(text)


def test_saml_response_and_tokens_never_kept():
    text = ("2021-04-19 13:36:20 MANAGEMENT: CMD 'password [...]'\n"
            "auth-user-pass <(printf 'N/A\\nCRV1::instance-1/abc::PHNhbWxwOlJlc3BvbnNl')\n")
    out = openvpn_log.scrub_secrets(text)
    assert "PHNhbWxwOlJlc3BvbnNl" not in out and "CRV1::instance-1/abc::[removed]" in out


def test_full_tunnel_from_installed_routes_without_a_visible_push():
    # OpenVPN GUI's route.exe lines for redirect-gateway def1 (shape of real GUI logs), no PUSH_REPLY in the paste
    text = ("2015/10/12 0:36:26 C:\\Windows\\system32\\route.exe ADD 0.0.0.0 MASK 128.0.0.0 10.8.0.5\n"
            "2015/10/12 0:36:26 Route addition via IPAPI succeeded [adaptive]\n"
            "2015/10/12 0:36:26 C:\\Windows\\system32\\route.exe ADD 128.0.0.0 MASK 128.0.0.0 10.8.0.5\n"
            "2015/10/12 0:36:27 Initialization Sequence Completed\n")
    res = openvpn_log.parse(text)
    assert res.pushed is None and res.tunnel_mode is TunnelMode.FULL
    assert res.client is VpnClient.OPENVPN_GUI and res.connected_at == "2015-10-12T00:36:27"
    linux = ("2022-06-14 11:15:00 net_route_v4_add: 0.0.0.0/1 via 10.0.2.161 dev [NULL] table 0 metric -1\n"
             "2022-06-14 11:15:00 net_route_v4_add: 128.0.0.0/1 via 10.0.2.161 dev [NULL] table 0 metric -1\n"
             "2022-06-14 11:15:00 Initialization Sequence Completed\n")
    assert openvpn_log.parse(linux).tunnel_mode is TunnelMode.FULL
    one_half = linux.splitlines(keepends=True)[0] + linux.splitlines(keepends=True)[2]
    assert openvpn_log.parse(one_half).tunnel_mode is TunnelMode.UNKNOWN   # never "split" from an excerpt


def test_tunnelblick_up_script_names_the_pushed_dns():
    # the line Tunnelblick's client.up script writes (as in public Tunnelblick logs); time of day only
    text = (" 19:35:06 *Tunnelblick: Retrieved from OpenVPN: name server(s) [ 192.168.200.2 ], domain name "
            "[ gut.contact ], search domain(s) [ ], and SMB server(s) [ ]\n")
    res = openvpn_log.parse(text)
    assert res.client is VpnClient.TUNNELBLICK
    assert res.pushed.dns_servers == ("192.168.200.2",) and res.pushed.domains == ("gut.contact",)
    assert res.pushed.tunnel_mode is TunnelMode.UNKNOWN and res.pushed.seen_at == "19:35:06"


def test_commented_and_slash_dated_lines():
    text = ("# Sat Apr 27 18:16:53 2019 us=49074 Initialization Sequence Completed\n"
            "# Sat Apr 27 18:16:53 2019 us=49074 MANAGEMENT: >STATE:1556381813,CONNECTED,SUCCESS,,192.168.1.1,,\n")
    res = openvpn_log.parse(text)
    assert res.connected is True and res.connected_at == "2019-04-27T18:16:53"


def test_aws_client_told_by_its_own_file_names_not_by_any_name():
    text = _fixture("rhel-split-custom-dns")
    assert openvpn_log.parse(text, source="/home/a/.config/AWSVPNClient/logs/ovpn_aws_vpn_client_1.log").client \
        is VpnClient.AWS_VPN_CLIENT
    assert openvpn_log.parse(text, source="aws-vpn-client-ticket-15.txt").client is VpnClient.OPENVPN


@pytest.mark.parametrize("name, gateway", [
    ("ubuntu-split-no-dns-disconnect", ("10.0.0.1", "enX0")),           # 2.6: best_gw for 0.0.0.0, ROUTE_GATEWAY IFACE=
    ("rhel-split-custom-dns", ("172.25.250.254", "eth0")),
    ("openvpn-gui-tap-win32-net30-split", ("192.168.1.1", None)),       # Windows: "I=11", an index, not a name
    ("qubes-journal-openvpn-tun0", ("10.137.1.1", None)),               # a bare ROUTE_GATEWAY in a journal
    ("constructed-two-sessions-newest-first", ("172.25.250.254", "eth0")),  # the newest session's
])
def test_the_default_route_before_the_tunnel(name, gateway):
    assert openvpn_log.parse(_fixture(name)).default_gateway == gateway


def test_the_logged_default_route_is_not_the_routing_table(tmp_path):
    # what the log said at connect time goes to vpn.log_default_route; the routing table stays unknown
    from agent.analyze import analyze_path
    from agent.model import Evidence
    path = tmp_path / "client.log"
    path.write_text(_fixture("ubuntu-split-no-dns-disconnect"), encoding="utf-8")
    snap = analyze_path(path).report.snapshot
    assert (snap.vpn.log_default_route.gateway, snap.vpn.log_default_route.interface) == ("10.0.0.1", "enX0")
    assert snap.routes == () and not snap.has(Evidence.ROUTES)
