"""Discovery mode: a running OpenVPN's own arguments name its log and profile."""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.model import Platform
from platforms.base import Env
from platforms.vpn_evidence import vpn_sources
from platforms.vpn_processes import _scrub, is_server, paths_of


@pytest.mark.parametrize("argv,cwd,expected", [
    (["openvpn", "--config", "client.ovpn", "--log", "/var/log/ovpn.log"], "/home/u", ("/var/log/ovpn.log", "/home/u/client.ovpn")),
    (["/usr/sbin/openvpn", "--cd", "/etc/openvpn", "--config", "c.conf", "--log-append", "c.log"], "/", ("/etc/openvpn/c.log", "/etc/openvpn/c.conf")),
    (["openvpn", "client.ovpn"], "/home/u", (None, "/home/u/client.ovpn")),
    (["openvpn", "--config=/x/y.ovpn", "--log=/x/y.log"], None, ("/x/y.log", "/x/y.ovpn")),
    (["openvpn", "--config", "rel.ovpn"], None, (None, None)),          # relative with no cwd: unknown, not guessed
    (["C:\\Program Files\\OpenVPN\\bin\\openvpn.exe", "--config", "c.ovpn", "--log", "c.log"], "C:\\Users\\u\\OpenVPN\\config",
     ("C:\\Users\\u\\OpenVPN\\config\\c.log", "C:\\Users\\u\\OpenVPN\\config\\c.ovpn")),
    (["openvpn", "--daemon"], "/", (None, None)),
])
def test_paths_of(argv, cwd, expected) -> None:
    assert paths_of(argv, cwd) == expected


def test_secret_option_values_are_dropped_before_capture() -> None:
    assert _scrub(["openvpn", "--auth-user-pass", "/home/u/creds.txt", "--config", "c.ovpn"]) == \
        ["openvpn", "--auth-user-pass", "<dropped>", "--config", "c.ovpn"]


def test_the_running_clients_log_and_profile_are_read(tmp_path: Path) -> None:
    log = tmp_path / "session.log"
    log.write_text("2026-11-28 10:00:00 Initialization Sequence Completed\n")
    profile = tmp_path / "x.ovpn"
    profile.write_text("client\nremote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com 443\n")
    env = Env(extra={"processes": lambda: [{"pid": 7, "name": "openvpn", "cwd": str(tmp_path),
                                           "argv": ["openvpn", "--config", "x.ovpn", "--log", str(log)]}],
                     "home": str(tmp_path / "nohome"), "environ": {}, "listdir": lambda d: []})
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps["vpn-log"].path == str(log) and "Initialization" in caps["vpn-log"].text
    assert caps["vpn-profile"].path == str(profile)
    assert "vpn-processes" in caps


def test_a_client_logging_to_its_terminal_leaves_the_log_unfound(tmp_path: Path) -> None:
    env = Env(extra={"processes": lambda: [{"pid": 7, "name": "openvpn", "cwd": "/", "argv": ["openvpn", "--config", "/nope.ovpn"]}],
                     "home": str(tmp_path), "environ": {}, "listdir": lambda d: []})
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps["vpn-log"].text is None and caps["vpn-profile"].error


def test_an_openvpn_server_on_the_same_machine_is_not_the_session(tmp_path: Path) -> None:
    conf = tmp_path / "server.conf"
    conf.write_text("dev tun0\nserver 172.16.0.0 255.255.252.0\n")
    log = tmp_path / "server.log"
    log.write_text("x\n")
    env = Env(extra={"processes": lambda: [{"pid": 8, "name": "openvpn", "cwd": "/",
                                           "argv": ["openvpn", "--config", str(conf), "--log", str(log)]}],
                     "home": str(tmp_path / "h"), "environ": {}, "listdir": lambda d: []})
    caps = {c.id: c for c in vpn_sources(env, Platform.LINUX)}
    assert caps["vpn-log"].text is None and caps["vpn-log"].path is None
    assert is_server(["openvpn", "--mode", "server"]) and not is_server(["openvpn", "--client"], "server 10.0.0.0\n")


def test_an_exited_client_not_yet_reaped_is_no_running_client(monkeypatch) -> None:
    """A zombie (or exiting) openvpn has a name but no argv: it runs no tunnel and names no log.
    Seen in the lab: the previous scenario's client, not yet reaped, showed up in the next one."""
    import psutil

    from platforms import vpn_processes

    class Proc:
        def __init__(self, pid, name, cmdline, status):
            self.info = {"pid": pid, "name": name, "cmdline": cmdline, "status": status}

        def cwd(self):
            return "/home/u"

    procs = [Proc(10, "openvpn", [], psutil.STATUS_ZOMBIE), Proc(11, "openvpn", None, psutil.STATUS_RUNNING),
             Proc(12, "openvpn", ["openvpn", "--config", "c.ovpn"], psutil.STATUS_SLEEPING)]
    monkeypatch.setattr(psutil, "process_iter", lambda attrs=None: iter(procs))
    monkeypatch.setattr(vpn_processes, "_net_namespace", lambda pid: None)
    assert [p["pid"] for p in vpn_processes.read_processes()] == [12]
