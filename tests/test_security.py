"""SECURITY.md, enforced where a test can enforce it.

* The product (agent/, platforms/) never runs a shell, never calls subprocess except
  through ``platforms.base.run_command`` (argv list, timeout), never evaluates code
  (eval/exec/compile, pickle/marshal/shelve) and never imports a module by a runtime string.
* Nothing named in a VPN profile, log or org config is ever run: collection with hostile
  ``up``/``route-up``/``script-security`` lines starts only the adapter's declared tools.
* Profile key material and log session secrets never reach a capture, a report, the
  Markdown or a bundle.
* The probe engine sends packets only to the planned nameservers (audited with a
  ``sys.addaudithook`` hook on socket.connect / sendto / getaddrinfo).
"""
from __future__ import annotations

import ast
import json
import os
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from agent.model import NameCheck, Platform, Transport
from tests.conftest import ROOT
from tests.fakedns import FakeDNS, Fault

PRODUCT = sorted(p for d in ("agent", "platforms") for p in (ROOT / d).rglob("*.py"))
RUNNER = ROOT / "platforms" / "base.py"


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _calls(path: Path):
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Call):
            yield node, _dotted(node.func)


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{node.lineno}"


def test_product_files_are_found():
    assert len(PRODUCT) > 20 and RUNNER in PRODUCT


def test_no_shell_true_anywhere():
    bad = [_where(p, n) for p in PRODUCT for n, _name in _calls(p)
           for kw in n.keywords if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and not kw.value.value)]
    assert not bad, f"shell=True (or a non-constant shell=) in the product: {bad}"


_PROCESS_STARTERS = {"os.system", "os.popen", "os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp", "os.execv",
                     "os.execvp", "os.execl", "os.execlp", "os.startfile", "os.posix_spawn", "os.posix_spawnp",
                     "pty.spawn", "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec"}


def test_every_subprocess_goes_through_run_command_with_a_timeout():
    outside, no_timeout = [], []
    for path in PRODUCT:
        for node, name in _calls(path):
            is_subprocess = name.startswith("subprocess.") and name.split(".")[-1] in (
                "run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput")
            if name in _PROCESS_STARTERS or (is_subprocess and path != RUNNER):
                outside.append(f"{_where(path, node)} {name}")
            elif is_subprocess and not any(kw.arg == "timeout" for kw in node.keywords):
                # Popen has no timeout: the runner must then wait(timeout=...) on it
                waits = [c for c, n in _calls(path) if n.endswith(".wait")
                         and any(kw.arg == "timeout" for kw in c.keywords)]
                if not (name.endswith("Popen") and waits):
                    no_timeout.append(_where(path, node))
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.ImportFrom) and node.module == "subprocess" and path != RUNNER:
                outside.append(f"{_where(path, node)} from subprocess import ...")
    assert not outside, f"processes started outside platforms.base.run_command: {outside}"
    assert not no_timeout, f"subprocess calls without a timeout: {no_timeout}"


def test_run_command_takes_an_argv_tuple_and_no_shell():
    from platforms.base import CommandError, run_command

    with pytest.raises(CommandError, match="not installed"):
        run_command(("echo hi; touch /tmp/cvpn-doctor-shell-injection",), timeout_s=2)
    assert not Path("/tmp/cvpn-doctor-shell-injection").exists()


def test_no_eval_exec_or_unpickling():
    bad = []
    for path in PRODUCT:
        tree = _tree(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _dotted(node.func) in ("eval", "exec", "compile", "builtins.eval",
                                                                     "builtins.exec", "__import__"):
                bad.append(f"{_where(path, node)} {_dotted(node.func)}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for n in names:
                    if n.split(".")[0] in ("pickle", "cPickle", "marshal", "shelve", "dill", "yaml"):
                        bad.append(f"{_where(path, node)} import {n}")
    assert not bad, bad


def test_no_import_by_runtime_string():
    """PyInstaller sees only literal imports; a runtime string import is also a code-loading
    path an attacker could steer.  importlib.import_module with a literal is tolerated."""
    bad = []
    for path in PRODUCT:
        for node, name in _calls(path):
            if name in ("importlib.import_module", "import_module", "importlib.__import__", "__import__"):
                if not (node.args and isinstance(node.args[0], ast.Constant)):
                    bad.append(_where(path, node))
    assert not bad, f"imports by runtime string: {bad}"


# --------------------------------------------------------------------------- nothing named in a file runs

HOSTILE_PROFILE = """client
dev tun
proto udp
remote cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com 443
remote-random-hostname
script-security 2
up "/bin/sh -c 'touch {marker}'"
route-up /usr/bin/touch {marker}
plugin /usr/lib/openvpn/plugins/openvpn-plugin-down-root.so "touch {marker}"
dhcp-option DNS 10.0.0.2
<ca>
-----BEGIN CERTIFICATE-----
CAMARKERc2VjcmV0IGNlcnRpZmljYXRlIGJvZHk=
-----END CERTIFICATE-----
</ca>
<key>
-----BEGIN PRIVATE KEY-----
KEYMARKERc2VjcmV0IGtleSBib2R5IG5ldmVyIGxlYXZlcw==
-----END PRIVATE KEY-----
</key>
<tls-crypt>
-----BEGIN OpenVPN Static key V1-----
TLSMARKER0123456789abcdef0123456789abcdef
-----END OpenVPN Static key V1-----
</tls-crypt>
"""
SECRET_MARKERS = ("KEYMARKER", "CAMARKER", "TLSMARKER")

HOSTILE_LOG = """2026-11-28 10:00:00 OpenVPN 2.6.12 x86_64-pc-linux-gnu
2026-11-28 10:00:01 WARNING: External program may not be called unless '--script-security 2' or higher is enabled.
2026-11-28 10:00:02 PUSH: Received control message: 'PUSH_REPLY,route-gateway 10.0.0.1,dhcp-option DNS 10.0.0.2,up /usr/bin/touch {marker},auth-token SESSIONMARKERdeadbeef,ifconfig 10.0.0.98 255.255.255.224'
2026-11-28 10:00:02 Initialization Sequence Completed
"""


@pytest.fixture
def hostile_files(tmp_path):
    marker = tmp_path / "pwned"
    profile = tmp_path / "client.ovpn"
    profile.write_text(HOSTILE_PROFILE.format(marker=marker))
    log = tmp_path / "openvpn.log"
    log.write_text(HOSTILE_LOG.format(marker=marker))
    return marker, profile, log


class _Audit:
    """Records audit events while ``active``; the hook cannot be removed, so it is installed
    once and switched on and off.  Events are recorded per thread: probes run in the
    engine's thread (named "probes"), getaddrinfo workers in daemon threads; each event
    keeps its thread's name."""

    events: list[tuple[str, tuple]] = []
    active = False
    lock = threading.Lock()
    installed = False

    @classmethod
    def hook(cls, event: str, args: tuple) -> None:
        if cls.active and event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "socket.connect",
                                    "socket.sendto", "socket.sendmsg", "socket.getaddrinfo", "socket.bind"):
            with cls.lock:
                cls.events.append((event, args, threading.current_thread().name))

    def __enter__(self):
        if not _Audit.installed:
            sys.addaudithook(_Audit.hook)
            _Audit.installed = True
        with _Audit.lock:
            _Audit.events = []
        _Audit.active = True
        return self

    def __exit__(self, *exc):
        _Audit.active = False

    @property
    def seen(self) -> list[tuple[str, tuple]]:
        with _Audit.lock:
            return [(e, a) for e, a, _t in _Audit.events]

    def seen_on(self, thread_name: str) -> list[tuple[str, tuple]]:
        """Events of one thread (the in-process fake server's own replies are not the engine's)."""
        with _Audit.lock:
            return [(e, a) for e, a, t in _Audit.events if t == thread_name]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="runs the real Linux collection")
def test_collection_runs_only_declared_tools_and_nothing_from_profile_or_log(hostile_files):
    from agent.run import Options, collect
    from platforms.base import Env

    marker, profile, log = hostile_files
    with _Audit() as audit:
        raw, snap = collect(Options(log_path=str(log), profile_path=str(profile)), env=Env(extra={"home": "/nonexistent"}))
    started = [args[1] for event, args in audit.seen if event == "subprocess.Popen"]
    programs = {os.path.basename(str(argv[0])) for argv in started}
    # journalctl: the optional, bounded VPN journal read; aws-vpn-client: only where it is installed;
    # ss: who listens on port 53 (platforms.local_evidence)
    assert programs <= {"ip", "resolvectl", "nmcli", "systemd-resolve", "busctl", "journalctl", "aws-vpn-client",
                        "ss"}, \
        programs
    assert not [e for e, _a in audit.seen if e in ("os.system", "os.exec", "os.posix_spawn")]
    assert not marker.exists(), "a command named in the profile or log was run"
    assert snap.vpn.pushed is not None and "10.0.0.2" in snap.vpn.pushed.dns_servers


def test_profile_keys_and_session_tokens_never_reach_a_capture_report_or_bundle(hostile_files, tmp_path):
    from agent import bundle
    from agent.render import Format, render
    from agent.run import assemble, reparse
    from platforms.base import Env
    from platforms.vpn_evidence import vpn_sources
    from tests import builders

    _marker, profile, log = hostile_files
    caps = vpn_sources(Env(extra={"home": "/nonexistent"}), Platform.LINUX, log_path=str(log),
                       profile_path=str(profile))
    text = "\n".join(c.text or "" for c in caps)
    assert "remote-random-hostname" in text, "the profile must still be read"
    for secret in SECRET_MARKERS + ("SESSIONMARKER",):
        assert secret not in text, f"{secret} reached a capture"
    from agent.model import RawCapture
    raw = RawCapture(platform=Platform.LINUX, collected_at="2026-11-28T12:00:00Z", sources=caps)
    snap = reparse(raw)
    run = builders.run(builders.ok("10.0.0.2", [builders.CANARY]))
    report = assemble(raw, snap, run, run.names)
    out = tmp_path / "b.zip"
    bundle.write_bundle(report, out, redact=False)
    with zipfile.ZipFile(out) as zf:
        zipped = "\n".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist())
    rendered = [json.dumps(report.to_dict()), render(report, Format.MARKDOWN, redact=False),
                render(report, Format.TEXT), zipped]
    for blob in rendered:
        for secret in SECRET_MARKERS + ("SESSIONMARKER",):
            assert secret not in blob


def test_redaction_drops_pem_blocks_that_reach_it_by_another_way():
    """Defence in depth: a PEM block inside some other capture is dropped by the redactor."""
    from agent.redact import Redactor

    text = "noise\n-----BEGIN PRIVATE KEY-----\nKEYMARKERabc\n-----END PRIVATE KEY-----\nmore"
    red = Redactor()
    scrubbed = red.text(text) if hasattr(red, "text") else red.scrub(text)
    assert "KEYMARKER" not in scrubbed


# --------------------------------------------------------------------------- probes address only planned servers


def test_probes_send_only_to_the_planned_servers():
    from agent import probes
    from agent.model import ResolverScope, Snapshot, DnsConfig

    with FakeDNS(records={"app.corp.example": ["10.1.2.3"]}) as good, FakeDNS(mode=Fault.DROP) as hole:
        snap = Snapshot(platform=Platform.LINUX, collected_at="2026-11-28T12:00:00Z",
                        dns=DnsConfig(resolvers=(good.resolver(), hole.resolver(ResolverScope.DOMAIN,
                                                                                  domains=("corp.example",)))))
        plan = probes.plan(snap, [NameCheck("app.corp.example")])
        allowed = {(good.address, good.port), (hole.address, hole.port)}
        assert {(s.address, s.port) for s in plan.servers} == allowed
        looked_up: list[str] = []
        with _Audit() as audit:
            run = probes.run(plan, 0.5, snapshot=snap, resolve=lambda n: looked_up.append(n) or ["10.1.2.3"])
    assert len(run.results) == len(plan.items) == 4
    destinations = set()
    # The engine runs on its "probes" thread (the OS-resolver view is injected); FakeDNS
    # threads sending replies are the test's servers, not the product.
    for event, args in audit.seen_on("probes"):
        if event in ("socket.connect", "socket.sendto"):
            address = args[1] if event == "socket.connect" else args[-1]
            destinations.add((str(address[0]), int(address[1])))
        if event == "socket.getaddrinfo":
            host, _port, _fam, _type, _proto, flags = (list(args) + [0] * 6)[:6]
            assert str(host) in {good.address, hole.address}, f"getaddrinfo of {host!r} by the engine"
        assert event != "subprocess.Popen"
    assert destinations <= allowed, destinations - allowed
    assert destinations, "the audit hook saw no packet at all"
    assert looked_up == ["app.corp.example"], "the OS resolver view goes through the injected resolver only"


def test_plan_skips_addresses_that_are_not_ip_literals():
    """A hostile log or profile cannot make the engine resolve or contact a host name."""
    from agent import probes
    from agent.model import PushedConfig, Snapshot, VpnEvidence, VpnProfile

    snap = Snapshot(platform=Platform.LINUX, collected_at="2026-11-28T12:00:00Z",
                    vpn=VpnEvidence(pushed=PushedConfig(dns_servers=("evil.example.com", "10.0.0.2")),
                                    profile=VpnProfile(dns_servers=("attacker.example",))))
    plan = probes.plan(snap, [NameCheck("x.example")], extra_servers=("also.evil.example#53",))
    assert [s.address for s in plan.servers] == ["10.0.0.2"]
    assert all(i.server == "10.0.0.2" for i in plan.items)
    assert {i.transport for i in plan.items} == {Transport.UDP, Transport.TCP}


HOSTILE_ADDRESSES = ("10.0.0.2'; Remove-Item -Recurse C:\\ #", "$(touch /tmp/x)", "`id`", "-oProxyCommand=x", "--exec=sh",
                     "10.0.0.3 && calc", "fd00::53%eth0;reboot", "10.0.0.2")


def test_windows_script_embeds_only_ip_literals():
    from platforms.windows_script import build_script

    script = build_script(HOSTILE_ADDRESSES)
    for bad in HOSTILE_ADDRESSES[:-1]:
        assert bad not in script
    assert "'10.0.0.2'" in script


@pytest.mark.parametrize("platform", [Platform.LINUX, Platform.MACOS, Platform.WINDOWS])
def test_addresses_from_logs_reach_commands_only_as_validated_ips(platform):
    """collect(addresses=...) gets pushed DNS servers from a VPN log: each becomes an argv
    element (route lookups) or a script literal only when it is an IP address."""
    from platforms import adapter_for
    from platforms.base import CommandResult, Env

    seen: list[tuple[tuple[str, ...], str | None]] = []

    def run(argv, timeout_s, stdin=None):
        assert timeout_s and timeout_s > 0
        seen.append((tuple(argv), stdin))
        return CommandResult("", "", 0, 0.0)

    adapter_for(platform).collect(Env(run=run, read=lambda p: "", extra={}), addresses=HOSTILE_ADDRESSES)
    assert seen
    for argv, stdin in seen:
        blob = " ".join(argv) + (stdin or "")
        for bad in HOSTILE_ADDRESSES[:-1]:
            assert bad not in argv, (platform, argv)              # never an argv element ("-f")
            assert len(bad) < 5 or bad not in blob, (platform, argv)  # nor inside one or the script
        assert not any(a in ("sh", "/bin/sh", "bash", "cmd", "cmd.exe") for a in argv[:1]), argv
