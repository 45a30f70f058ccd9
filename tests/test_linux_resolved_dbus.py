"""The resolved D-Bus reader against a fake jeepney connection that answers with real
jeepney reply messages (the wire types resolve1 uses: a(iiay), a(isb), ay, t, b)."""
from __future__ import annotations

import json
import socket

import pytest
# jeepney is a runtime dependency on Linux only; the test extra installs it everywhere (it
# is pure Python), and an install without it skips this module instead of breaking the run.
jeepney = pytest.importorskip("jeepney", reason="jeepney (the D-Bus client) is not installed: pip install -e '.[test]'")
from jeepney import new_error, new_method_return  # noqa: E402
from jeepney.low_level import HeaderFields  # noqa: E402

from agent.model import ResolverScope  # noqa: E402 - after the importorskip above
from platforms import resolved_dbus  # noqa: E402
from platforms.base import Env, api_capture  # noqa: E402
from platforms.linux import LinuxAdapter  # noqa: E402

V4 = socket.AF_INET
V6 = socket.AF_INET6
TUN = bytes([10, 0, 0, 2])
LAN = bytes([192, 168, 1, 1])
LL = bytes.fromhex("fe800000000000000000000000000001")

MANAGER = {
    "DNS": ("a(iiay)", [(2, V4, LAN), (4, V4, TUN), (4, V6, LL)]),
    "DNSEx": ("a(iiayqs)", [(2, V4, LAN, 0, ""), (4, V4, TUN, 0, ""), (4, V6, LL, 53, "")]),
    "Domains": ("a(isb)", [(2, "lan", False), (4, ".", True)]),
    "CurrentDNSServer": ("(iiay)", (4, V4, TUN)),
    "FallbackDNS": ("a(iiay)", [(0, V4, bytes([1, 1, 1, 1]))]),
    "ResolvConfMode": ("s", "stub"),
    "DNSStubListener": ("s", "yes"),
    "LLMNRHostname": ("s", "laptop"),
}
LINKS = {
    2: {"ScopesMask": ("t", 1), "DNS": ("a(iay)", [(V4, LAN)]), "Domains": ("a(sb)", [("lan", False)]),
        "DefaultRoute": ("b", False), "CurrentDNSServer": ("(iay)", (V4, LAN))},
    4: {"ScopesMask": ("t", 1), "DNS": ("a(iay)", [(V4, TUN), (V6, LL)]), "Domains": ("a(sb)", [(".", True)]),
        "DefaultRoute": ("b", True), "CurrentDNSServer": ("(iay)", (V4, TUN))},
}


class FakeConnection:
    def __init__(self, vanish: int | None = None) -> None:
        self.calls, self.closed, self.vanish = [], False, vanish

    def send_and_get_reply(self, msg, timeout=None):
        assert timeout is not None                        # every call is bounded
        member = msg.header.fields[HeaderFields.member]
        path = msg.header.fields[HeaderFields.path]
        self.calls.append((path, member))
        if member == "GetLink":
            (index,) = msg.body
            if index == self.vanish:
                return new_error(msg, "org.freedesktop.resolve1.NoSuchLink", "s", ("gone",))
            return new_method_return(msg, "o", (f"/org/freedesktop/resolve1/link/_3{index}",))
        if member == "GetAll" and path == resolved_dbus.MANAGER_PATH:
            return new_method_return(msg, "a{sv}", (MANAGER,))
        if member == "GetAll":
            index = int(path.rsplit("_3", 1)[1])
            return new_method_return(msg, "a{sv}", (LINKS[index],))
        raise AssertionError(f"unexpected call {member} on {path}")

    def close(self):
        self.closed = True


def test_read_dumps_manager_and_links_as_json():
    conn = FakeConnection()
    dump = resolved_dbus.read(1.0, ifname={2: "wlp2s0", 4: "tun0"}.__getitem__, connect=lambda: conn)
    assert conn.closed and [c[1] for c in conn.calls] == ["GetAll", "GetLink", "GetAll", "GetLink", "GetAll"]
    assert dump["manager"]["DNS"][2] == [4, V6, "fe80::1"]
    assert "LLMNRHostname" not in dump["manager"]
    assert [link["ifname"] for link in dump["links"]] == ["wlp2s0", "tun0"]
    state = resolved_dbus.parse(json.dumps(dump))
    tun = state.links[1]
    assert [s.address for s in tun.servers] == ["10.0.0.2", "fe80::1%4"]
    assert tun.default_route and tun.has_catch_all and tun.current_server.address == "10.0.0.2"
    assert state.links[0].default_route is False and state.fallback_servers[0].address == "1.1.1.1"


def test_a_vanished_link_is_recorded_not_fatal():
    dump = resolved_dbus.read(1.0, ifname=lambda i: f"if{i}", connect=lambda: FakeConnection(vanish=2))
    assert [link["ifindex"] for link in dump["links"]] == [4]
    assert dump["errors"] and "link 2" in dump["errors"][0]


def test_no_bus_becomes_a_capture_error():
    def no_bus():
        raise FileNotFoundError(2, "No such file or directory")

    cap = api_capture("resolved-dbus", "systemd-resolved D-Bus read", lambda: resolved_dbus.read(connect=no_bus))
    assert cap.text is None and "No such file or directory" in cap.error


def test_adapter_uses_the_dump_split_dns_scopes():
    dump = resolved_dbus.read(1.0, ifname={2: "wlp2s0", 4: "tun0"}.__getitem__, connect=FakeConnection)
    files = {"/etc/resolv.conf": "nameserver 127.0.0.53\noptions edns0 trust-ad\n"}

    def read(path):
        if path in files:
            return files[path]
        raise FileNotFoundError(path)

    def run(argv, timeout_s, stdin=None):
        from platforms.base import CommandError
        raise CommandError(f"{argv[0]} is not installed (not found on PATH)")

    env = Env(run=run, read=read, clock=lambda: "2026-01-01T00:00:00Z",
              extra={"resolved_dbus": lambda: dump, "interfaces": lambda: {"addrs": {}, "stats": {}},
                     "readlink": lambda p: (_ for _ in ()).throw(OSError(22, "Invalid argument"))})
    adapter = LinuxAdapter()
    snap = adapter.parse(adapter.collect(env))
    scopes = {(r.address, r.interface): r.scope for r in snap.dns.resolvers}
    assert scopes == {("192.168.1.1", "wlp2s0"): ResolverScope.DOMAIN, ("10.0.0.2", "tun0"): ResolverScope.LINK,
                      ("fe80::1%4", "tun0"): ResolverScope.LINK}
    assert snap.dns.stub and any("resolved=dbus ret=systemd-resolved" in t for t in snap.trace)


@pytest.mark.parametrize("text", ["", "{}", '{"manager": {"DNS": [[1]]}}', "[]"])
def test_parse_rejects_bad_dumps(text):
    from platforms.base import ParseError
    with pytest.raises(ParseError):
        resolved_dbus.parse(text)
