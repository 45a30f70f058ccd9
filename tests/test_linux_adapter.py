"""The Linux adapter with a fake Env (fake run/read/extra): the snapshot and the trace,
for the states that matter (resolved stub over D-Bus, resolvectl fallback, uplink mode,
NetworkManager, OpenVPN's resolv.conf block) and the failures (garbled resolv.conf,
missing `ip`, old iproute2 without -j, a hanging command, an unreadable file, no psutil),
plus a live smoke test on this machine (collection sends no packets)."""
from __future__ import annotations

import errno
import json
import re
import sys
import time
from pathlib import Path

import pytest

from agent.model import DnsManager, Evidence, Platform, ResolverScope, Snapshot, TunnelMode
from platforms import adapter_for
from platforms.base import CommandError, CommandResult, Env, run_command
from agent.routing import table_lookup
from platforms.linux import LinuxAdapter

FIX = Path(__file__).resolve().parent / "fixtures" / "linux"
STUB_TARGET = "../run/systemd/resolve/stub-resolv.conf"
IP4 = ("ip", "-j", "-4", "route", "show", "table", "all")
IP6 = ("ip", "-j", "-6", "route", "show", "table", "all")
RULE = ("ip", "-j", "rule", "show")
IPTXT = ("ip", "route", "show", "table", "all")
NSS_UBUNTU = "passwd: files systemd\ngroup: files systemd\nhosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n"


def fx(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


def ok(text: str) -> CommandResult:
    return CommandResult(stdout=text, stderr="", exit_code=0, duration_s=0.01)


def get_json(dst: str, dev: str, gw: str | None, src: str) -> CommandResult:
    entry = {"dst": dst, "dev": dev, "prefsrc": src, "flags": [], "uid": 0, "cache": []}
    if gw:
        entry["gateway"] = gw
    return ok(json.dumps([entry]))


class FakeEnv:
    """Builds an Env whose run/read answer from dicts and record what was asked."""

    def __init__(self, files: dict, commands: dict, extra: dict | None = None) -> None:
        self.files, self.commands, self.ran = files, commands, []
        self.extra = {"readlink": self.readlink, "resolved_dbus": self.no_dbus,
                      "interfaces": lambda: json.loads(fx("interfaces--netns-full-tunnel.out"))}
        self.extra.update(extra or {})
        self.link: str | None = None

    def run(self, argv, timeout_s, stdin=None):
        self.ran.append(tuple(argv))
        answer = self.commands.get(tuple(argv))
        if answer is None:
            raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
        if isinstance(answer, Exception):
            raise answer
        return answer

    def read(self, path):
        value = self.files.get(path)
        if value is None:
            raise FileNotFoundError(path)
        if isinstance(value, Exception):
            raise value
        return value

    def readlink(self, path):
        if self.link is None:
            raise OSError(errno.EINVAL, "Invalid argument")
        return self.link

    @staticmethod
    def no_dbus():
        raise FileNotFoundError(2, "No such file or directory: /run/dbus/system_bus_socket")

    def env(self) -> Env:
        return Env(run=self.run, read=self.read, clock=lambda: "2026-01-01T00:00:00Z", extra=self.extra)


def tunnel_commands() -> dict:
    return {
        IP4: ok(fx("ip_route4--netns-full-tunnel.out")),
        IP6: ok(fx("ip_route6--netns-full-tunnel.out")),
        RULE: ok(fx("ip_rule--netns-fwmark.out")),
        ("ip", "-j", "route", "get", "10.0.0.2"): get_json("10.0.0.2", "tun0", "10.0.0.97", "10.0.0.98"),
        ("ip", "-j", "route", "get", "192.168.1.1"): get_json("192.168.1.1", "wlp2s0", None, "192.168.1.23"),
        ("ip", "-j", "-6", "route", "get", "fe80::1", "oif", "tun0"): get_json("fe80::1", "tun0", None, "fe80::2"),
        ("ip", "-j", "route", "get", "172.31.0.2"): ok(fx("ip_route_get--netns-tun0.out")),
    }


def base_files(resolv: str | Exception) -> dict:
    return {"/etc/resolv.conf": resolv, "/etc/nsswitch.conf": NSS_UBUNTU,
            "/etc/os-release": 'PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME="Ubuntu"\n',
            "/proc/net/route": fx("proc_net_route--netns-full-tunnel.out")}


def run_adapter(fake: FakeEnv, addresses=(), adapter: LinuxAdapter | None = None) -> Snapshot:
    adapter = adapter or LinuxAdapter()
    raw = adapter.collect(fake.env(), addresses)
    snap = adapter.parse(raw)
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap   # JSON round trip
    return snap


def by_address(snap: Snapshot) -> dict:
    return {r.address: r for r in snap.dns.resolvers}


# --------------------------------------------------------------------------- DNS states


def test_resolved_stub_over_dbus_full_tunnel():
    fake = FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), tunnel_commands(),
                   {"resolved_dbus": lambda: json.loads(fx("resolved_dbus--constructed-aws-vpn-tilde-dot.out"))})
    fake.link = STUB_TARGET
    snap = run_adapter(fake)
    assert snap.platform is Platform.LINUX and snap.os_release == "Ubuntu 24.04.1 LTS"
    assert snap.dns.manager is DnsManager.SYSTEMD_RESOLVED and snap.dns.stub
    assert snap.dns.resolv_conf_nameservers == ("127.0.0.53",)
    rs = by_address(snap)
    assert set(rs) == {"192.168.1.1", "10.0.0.2", "fe80::1%4"}
    assert rs["10.0.0.2"].scope is ResolverScope.LINK and rs["10.0.0.2"].interface == "tun0"
    assert rs["10.0.0.2"].domains == (".", "corp.example.internal") and rs["10.0.0.2"].current
    assert rs["192.168.1.1"].scope is ResolverScope.LINK and rs["192.168.1.1"].domains == ("lan",)
    assert snap.dns.search_domains == ("lan", "corp.example.internal")
    assert ("resolvectl", "status", "--no-pager") not in fake.ran          # D-Bus answered
    assert ("ip", "-j", "-6", "route", "get", "fe80::1", "oif", "tun0") in fake.ran
    assert not any(a[:4] == ("ip", "-j", "route", "get") and a[4].startswith("127.") for a in fake.ran)
    lk = snap.lookup("10.0.0.2")
    assert (lk.interface, lk.gateway, lk.method) == ("tun0", "10.0.0.97", "ip route get")
    assert snap.vpn.mode is TunnelMode.FULL and snap.vpn.tunnel_interfaces == ("tun0",)
    assert "dns: rc=resolved link=/run/systemd/resolve/stub-resolv.conf stub=yes " \
           "nss=files,mdns4_minimal,dns,myhostname resolved=dbus ret=systemd-resolved" in snap.trace
    assert any(t.startswith("dns: resolved link 4 (tun0): default-route=yes domains=~. corp.example.internal -> link")
               for t in snap.trace)
    assert "routes: policy rule 5270: from all fwmark 0xca6c lookup 52 (packets without that mark do not use " \
           "it: `ip route get` may not show the tunnel path)" in snap.trace
    assert any(t.startswith("tunnel: 0.0.0.0/1 and 128.0.0.0/1 go through the tunnel") for t in snap.trace)
    assert snap.errors == ()


def test_dbus_fails_resolvectl_fallback_split_domains():
    cmds = tunnel_commands()
    cmds[("resolvectl", "status", "--no-pager")] = ok(fx("resolvectl--v257-vpn-split-domains.out"))
    for ns in ("172.16.230.53", "172.16.230.54"):
        cmds[("ip", "-j", "route", "get", ns)] = get_json(ns, "wlp2s0", "192.168.1.1", "192.168.1.23")
    fake = FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), cmds)
    fake.link = STUB_TARGET
    snap = run_adapter(fake)
    assert snap.dns.manager is DnsManager.SYSTEMD_RESOLVED
    rs = by_address(snap)
    assert set(rs) == {"172.16.230.53", "172.16.230.54"}
    assert all(r.scope is ResolverScope.DOMAIN and r.domains == ("dev.local", "prod.local") for r in rs.values())
    assert rs["172.16.230.53"].current and rs["172.16.230.53"].interface == "snx-xfrm"
    assert any("resolved=resolvectl ret=systemd-resolved" in t for t in snap.trace)
    assert any("-> domain (DefaultRoute=no, only its domains)" in t for t in snap.trace)
    assert snap.errors == ()


def test_resolved_inactive_links_and_fallback_servers():
    cmds = tunnel_commands()
    cmds[("resolvectl", "status", "--no-pager")] = ok(fx("resolvectl--v247-stub-wlp4s0.out"))
    fake = FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), cmds)
    snap = run_adapter(fake)
    rs = by_address(snap)
    assert rs["192.168.1.1"].scope is ResolverScope.LINK and rs["192.168.1.1"].interface == "wlp4s0"
    cmds[("resolvectl", "status", "--no-pager")] = ok(fx("resolvectl--v258-fallback-default-route.out"))
    snap = run_adapter(FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), cmds))
    rs = by_address(snap)
    assert rs["10.64.0.254"].interface == "eno1" and rs["10.64.0.254"].scope is ResolverScope.LINK
    inactive = [r for r in snap.dns.resolvers if r.interface == "eno2"]
    assert inactive and all(r.scope is ResolverScope.INACTIVE for r in inactive)
    assert not any(r.origin == "resolved fallback" for r in snap.dns.resolvers)   # eno1 has servers


def test_stub_but_resolved_unreadable_is_an_error():
    fake = FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), tunnel_commands())
    snap = run_adapter(fake)
    # Programs ask the stub: it is the resolver in use (and is probed), what stands behind it
    # is unknown -- the error says so, and the per-link view is not claimed captured.
    assert snap.dns.manager is DnsManager.SYSTEMD_RESOLVED
    assert [(r.address, r.scope.value) for r in snap.dns.resolvers] == [("127.0.0.53", "global")]
    assert Evidence.DNS_LINKS not in snap.captured
    (err,) = [e for e in snap.errors if e.source == "resolved"]
    assert "real nameservers are unknown" in err.message and "resolvectl is not installed" in err.message
    assert ("resolvectl", "status", "--no-pager") in fake.ran


def test_resolved_uplink_mode_is_not_the_resolver():
    uplink = ("# This is /run/systemd/resolve/resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\n"
              "nameserver 10.0.0.2\nnameserver 192.168.1.1\nsearch corp.example.internal lan\n")
    fake = FakeEnv(base_files(uplink), tunnel_commands(),
                   {"resolved_dbus": lambda: json.loads(fx("resolved_dbus--constructed-aws-vpn-tilde-dot.out"))})
    fake.link = "../run/systemd/resolve/resolv.conf"
    snap = run_adapter(fake)
    assert snap.dns.manager is DnsManager.SYSTEMD_RESOLVED and not snap.dns.stub
    # Programs ask what resolv.conf lists; a server resolved holds beyond those is kept as UNUSED.
    assert [(r.address, r.scope, r.origin) for r in snap.dns.resolvers] == [
        ("10.0.0.2", ResolverScope.GLOBAL, "resolv.conf"), ("192.168.1.1", ResolverScope.GLOBAL, "resolv.conf"),
        ("fe80::1%4", ResolverScope.UNUSED,
         "resolved link 4 (tun0), not asked: /etc/resolv.conf does not point at resolved")]
    assert any("uplink/static mode" in t for t in snap.trace)


def test_networkmanager_file():
    fake = FakeEnv(base_files(fx("resolv_conf--networkmanager.out")), tunnel_commands())
    snap = run_adapter(fake, addresses=["172.31.0.2"])
    assert snap.dns.manager is DnsManager.NETWORK_MANAGER
    assert [(r.address, r.scope, r.order) for r in snap.dns.resolvers] == [("10.6.1.101", ResolverScope.GLOBAL, 0)]
    assert snap.dns.search_domains == ("srv.world", "tp6.b1")
    assert any(t.startswith("dns: rc=nm link=none stub=no") and t.endswith("ret=NetworkManager") for t in snap.trace)
    assert snap.lookup("172.31.0.2").interface == "tun0"                  # the extra address was looked up
    # 10.6.1.101 had no fake answer: `ip` "not installed" for it -> a collection error for that lookup only
    assert [e.source for e in snap.errors] == ["route-get:10.6.1.101"]


def test_openvpn_block_in_resolv_conf():
    fake = FakeEnv(base_files(fx("resolv_conf--openvpn-block.out")), tunnel_commands())
    snap = run_adapter(fake)
    assert snap.dns.manager is DnsManager.OPENVPN_SCRIPT
    assert [(r.address, r.origin) for r in snap.dns.resolvers] == [
        ("10.0.0.2", "resolv.conf (openvpn tun0 block)"), ("10.6.1.101", "resolv.conf")]
    assert any("rc=openvpn+nm" in t and "ret=openvpn-script" in t for t in snap.trace)


# --------------------------------------------------------------------------- failures


def test_garbled_resolv_conf_gives_error_and_partial_snapshot():
    fake = FakeEnv(base_files("\x7fELF\x02\x01\x01\x00\x00garbage\x13\x37"), tunnel_commands())
    snap = run_adapter(fake)
    (err,) = [e for e in snap.errors if e.source == "resolv.conf"]
    assert "not a valid resolv.conf" in err.message
    assert snap.dns.manager is DnsManager.UNKNOWN and snap.dns.resolvers == ()
    assert snap.routes and snap.interfaces and snap.vpn.mode is TunnelMode.FULL     # the rest is there
    assert any(t.startswith("dns: rc=none") for t in snap.trace)


def test_partly_garbled_resolv_conf_keeps_good_lines():
    fake = FakeEnv(base_files("nameserver 10.0.0.2\nnameserver 10.0.0.2.5\n\x01\x02\n"), tunnel_commands())
    snap = run_adapter(fake)
    assert [r.address for r in snap.dns.resolvers] == ["10.0.0.2"]
    (err,) = [e for e in snap.errors if e.source == "resolv.conf"]
    assert "ignores" in err.message and "10.0.0.2.5" in err.message


def test_unreadable_resolv_conf():
    fake = FakeEnv(base_files(PermissionError(13, "Permission denied")), tunnel_commands())
    snap = run_adapter(fake)
    (err,) = [e for e in snap.errors if e.source == "resolv.conf"]
    assert err.message.startswith("no permission to read /etc/resolv.conf")
    assert snap.routes and snap.dns.resolvers == ()


def test_missing_ip_falls_back_to_proc_net_route():
    files = base_files("nameserver 172.31.0.2\nnameserver 192.168.1.1\n")
    fake = FakeEnv(files, {})                                   # every command: not installed
    snap = run_adapter(fake, addresses=["198.51.100.7"])
    assert ("ip", "-j", "-4", "route", "show", "table", "all") in fake.ran
    assert IP6 not in fake.ran and not any(a[:3] == ("ip", "-j", "route") for a in fake.ran)
    (err,) = [e for e in snap.errors if e.source == "ip-route"]
    assert "ip is not installed" in err.message and "/proc/net/route" in err.message
    assert {r.destination for r in snap.routes} >= {"0.0.0.0/1", "128.0.0.0/1", "172.31.0.0/16"}
    lk = snap.lookup("172.31.0.2")
    assert (lk.interface, lk.gateway, lk.destination, lk.method) == ("tun0", "10.0.0.97", "172.31.0.0/16", "table")
    assert snap.lookup("192.168.1.1").interface == "wlp2s0"
    assert snap.lookup("198.51.100.7").destination == "128.0.0.0/1"        # the def1 half beats the default
    assert any("computed from the table by longest prefix" in t for t in snap.trace)
    assert snap.vpn.mode is TunnelMode.FULL


def test_old_iproute2_without_json_uses_text():
    cmds = {
        IP4: CommandResult(stdout="", stderr='Option "-j" is unknown, try "ip -help".\n', exit_code=255,
                           duration_s=0.01),
        IPTXT: ok(fx("ip_route--openvpn-def1-text.out")),
        ("ip", "route", "get", "10.8.0.1"): ok("10.8.0.1 via 10.8.0.5 dev tun0  src 10.8.0.6 \n    cache \n"),
        ("ip", "rule", "show"): ok(fx("ip_rule--netns-fwmark-text.out")),
    }
    fake = FakeEnv(base_files("nameserver 10.8.0.1\n"), cmds)
    snap = run_adapter(fake)
    assert IPTXT in fake.ran and IP6 not in fake.ran
    assert ("ip", "route", "get", "10.8.0.1") in fake.ran
    assert {"0.0.0.0/1", "128.0.0.0/1", "0.0.0.0/0"} <= {r.destination for r in snap.routes}
    assert snap.lookup("10.8.0.1").interface == "tun0"
    assert any("`ip -j` unusable (ip exited with status 255" in t for t in snap.trace)
    assert any(t.startswith("routes: policy rule 5270: from all fwmark 0xca6c lookup 52") for t in snap.trace)
    assert not [e for e in snap.errors if e.source.startswith("ip")]


def test_route_get_unreachable_is_an_answer_not_an_error():
    cmds = tunnel_commands()
    cmds[("ip", "-j", "route", "get", "10.0.0.2")] = CommandResult(
        stdout="", stderr="RTNETLINK answers: Network is unreachable\n", exit_code=2, duration_s=0.01)
    snap = run_adapter(FakeEnv(base_files("nameserver 10.0.0.2\n"), cmds))
    assert snap.lookup("10.0.0.2").error == "Network is unreachable"
    assert not [e for e in snap.errors if e.source.startswith("route-get")]


def test_hanging_command_is_stopped_by_the_real_runner():
    def run(argv, timeout_s, stdin=None):
        if tuple(argv) == IP4:
            return run_command((sys.executable, "-c", "import time; time.sleep(30)"), timeout_s)   # a real hang
        raise CommandError(f"{argv[0]} is not installed (not found on PATH)")

    fake = FakeEnv(base_files("nameserver 10.0.0.2\n"), {})
    env = Env(run=run, read=fake.read, clock=lambda: "2026-01-01T00:00:00Z", extra=fake.extra)
    adapter = LinuxAdapter(command_timeout_s=1.0)
    started = time.monotonic()
    snap = adapter.parse(adapter.collect(env))
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, elapsed
    (err,) = [e for e in snap.errors if e.source == "ip-route"]
    assert "did not finish within 1 s" in err.message
    assert [r.address for r in snap.dns.resolvers] == ["10.0.0.2"]           # partial snapshot


def test_no_interface_inventory_uses_route_names():
    def broken():
        raise RuntimeError("psutil exploded")

    snap = run_adapter(FakeEnv(base_files("nameserver 10.0.0.2\n"), tunnel_commands(), {"interfaces": broken}))
    assert [e.source for e in snap.errors if e.source == "interfaces"] == ["interfaces"]
    assert "tun0" in {i.name for i in snap.interfaces} and snap.vpn.mode is TunnelMode.FULL


def test_parse_never_raises_on_garbage_everywhere():
    adapter = LinuxAdapter()
    fake = FakeEnv(base_files("nameserver 10.0.0.2\n"), tunnel_commands(),
                   {"resolved_dbus": lambda: {"manager": "nope"}})
    raw = adapter.collect(fake.env())
    junk = tuple(s.__class__.from_dict({**s.to_dict(), "text": "\x00\x01 not what you expect {[", "error": None})
                 for s in raw.sources)
    snap = adapter.parse(raw.__class__(platform=raw.platform, collected_at=raw.collected_at, sources=junk))
    assert snap.errors and snap.routes == () and snap.dns.resolvers == ()
    sources = {e.source for e in snap.errors}
    assert {"resolv.conf", "interfaces", "ip-route", "ip-route6"} <= sources


def test_table_lookup_prefers_longest_prefix_then_metric():
    from platforms.parsers import proc_net_route
    routes = proc_net_route.parse(fx("proc_net_route--netns-full-tunnel.out"))
    assert table_lookup(routes, "203.0.113.10").interface == "wlp2s0"        # the /32 exception route
    assert table_lookup(routes, "8.8.8.8").destination == "0.0.0.0/1"
    assert table_lookup(routes, "2001:db8::1").error == "no route in the table"


def test_facade_gives_the_linux_adapter():
    assert isinstance(adapter_for(Platform.LINUX), LinuxAdapter)
    ids = {s.id for s in LinuxAdapter().sources}
    assert {"resolv.conf", "nsswitch.conf", "os-release", "resolvectl", "ip-route", "ip-route6", "ip-rule",
            "ip-route-text", "ip-rule-text", "proc-net-route"} == ids


# --------------------------------------------------------------------------- live


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")
def test_live_collect_on_this_machine():
    """Collection reads files and asks the kernel (ip route get); it sends no packets."""
    started = time.monotonic()
    adapter = LinuxAdapter()
    snap = adapter.parse(adapter.collect(Env()))
    assert time.monotonic() - started < 15
    text = Path("/etc/resolv.conf").read_text(errors="replace")
    servers = re.findall(r"^\s*nameserver\s+(\S+)", text, re.M)
    assert list(snap.dns.resolv_conf_nameservers) == servers
    if servers and not snap.dns.stub:
        assert [r.address for r in snap.dns.resolvers] == servers[:3]
        for ns in servers[:3]:
            if not ns.startswith("127."):
                assert snap.lookup(ns) is not None
    proc = Path("/proc/net/route").read_text()
    if re.search(r"^\S+\t00000000\t", proc, re.M):
        assert any(r.destination == "0.0.0.0/0" and r.table == "main" for r in snap.routes)
    assert any(t.startswith("dns: rc=") for t in snap.trace)
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).resolve().parent.parent / "agent" / "schema" / "snapshot.schema.json").read_text())
    jsonschema.validate(snap.to_dict(), schema)


def test_fake_snapshots_fit_the_published_schema():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).resolve().parent.parent / "agent" / "schema" / "snapshot.schema.json").read_text())
    fake = FakeEnv(base_files(fx("resolv_conf--systemd-stub.out")), tunnel_commands(),
                   {"resolved_dbus": lambda: json.loads(fx("resolved_dbus--constructed-aws-vpn-tilde-dot.out"))})
    jsonschema.validate(run_adapter(fake).to_dict(), schema)
    jsonschema.validate(run_adapter(FakeEnv(base_files("\x00junk"), {})).to_dict(), schema)
