"""The laptop-side evidence of issue 17: hosts file, browsers' DoH, Docker/WSL, port 53.

Parsers are tested jc-style on fixture pairs (tests/fixtures/local/<source>--<case>.out and the
reviewed .json; sources in tests/fixtures/SOURCES.md), plus an empty and a garbage input each;
the collection (platforms.local_evidence) runs on every OS's paths through a fake Env (no real
file, registry or command), and attaching it to a snapshot records exactly what was read.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.model import (DohMode, Evidence, Platform, RawCapture, Snapshot, SourceCapture, SourceKind,
                         Transport)
from platforms import local_evidence as le
from platforms.base import CommandError, CommandResult, Env, ParseError
from platforms.parsers import browser_dns, container_dns, hosts, port53

FIX = Path(__file__).parent / "fixtures" / "local"


# --------------------------------------------------------------------------- empty and garbage input

EMPTY_OK = {
    "hosts": lambda t: hosts.parse(t),
    "ss": lambda t: port53.parse_ss(t),
    "lsof": lambda t: port53.parse_lsof(t),
    "firefox_prefs": lambda t: browser_dns.firefox_prefs(t, "x"),
    "wslconfig": lambda t: container_dns.wslconfig(t, "x"),
    "wsl_conf": lambda t: container_dns.wsl_conf(t, "x"),
    "docker": lambda t: container_dns.docker_daemon(t, "x"),
}


@pytest.mark.parametrize("name", sorted(EMPTY_OK))
def test_empty_input_is_valid_and_says_nothing(name: str) -> None:
    got = EMPTY_OK[name]("")
    if isinstance(got, tuple):
        assert got == ()
    else:
        assert not got.dns_servers and not got.settings


GARBAGE = "\x89PNG\r\n\x1a\n garbage \x00 that is no config at all {[(\n" * 3


@pytest.mark.parametrize("reader", [
    hosts.parse, port53.parse_ss, port53.parse_lsof,
    lambda t: browser_dns.firefox_prefs(t, "x"), lambda t: browser_dns.chrome_local_state(t, "c", "x"),
    lambda t: container_dns.docker_daemon(t, "x"), lambda t: container_dns.wslconfig(t, "x"),
], ids=["hosts", "ss", "lsof", "firefox_prefs", "local_state", "docker", "wslconfig"])
def test_garbage_raises_parse_error_only(reader) -> None:
    with pytest.raises(ParseError):
        reader(GARBAGE)


def test_firefox_mode_2_is_doh_first_and_the_rollout_counts_only_when_the_user_chose_nothing() -> None:
    got = browser_dns.firefox_prefs('user_pref("network.trr.mode", 2);\nuser_pref("network.trr.allow-rfc1918", true);\n'
                                    'user_pref("network.trr.excluded-domains", "corp.internal, example.org");\n', "p")
    assert [(b.mode, b.allow_private, b.excluded) for b in got] == [
        (DohMode.AUTOMATIC, True, ("corp.internal", "example.org"))]
    rollout = browser_dns.firefox_prefs('user_pref("doh-rollout.mode", 2);\n', "p")
    assert [(b.setting, b.mode) for b in rollout] == [("doh-rollout.mode", DohMode.AUTOMATIC)]
    chosen = browser_dns.firefox_prefs('user_pref("doh-rollout.mode", 2);\nuser_pref("network.trr.mode", 5);\n', "p")
    assert [(b.setting, b.mode) for b in chosen] == [("network.trr.mode", DohMode.OFF)]


def test_firefox_policy_without_fallback_is_doh_only_and_registry_dwords_read() -> None:
    assert browser_dns.firefox_policy({"DNSOverHTTPS": {"Enabled": 1, "Fallback": 0}}, "HKLM")[0].mode is DohMode.SECURE
    assert browser_dns.firefox_policy({"policies": {"DNSOverHTTPS": {"Enabled": False}}}, "f")[0].mode is DohMode.OFF
    assert browser_dns.firefox_policy({"policies": {"Other": 1}}, "f") == ()


# --------------------------------------------------------------------------- collection (fake Env)


class FakeFs:
    """Files, directories and plists of a fake machine; nothing else exists."""

    def __init__(self, files: dict[str, str], dirs: dict[str, list[str]] | None = None,
                 plists: dict[str, Any] | None = None) -> None:
        self.files, self.dirs, self.plists = files, dirs or {}, plists or {}
        self.read_paths: list[str] = []

    def read(self, path: str) -> str:
        self.read_paths.append(path)
        if path not in self.files:
            raise FileNotFoundError(path)
        return self.files[path]

    def listdir(self, path: str) -> list[tuple[str, float]]:
        sep = "\\" if "\\" in path else "/"
        out = [(p, 1.0) for p in self.files if p.startswith(path.rstrip(sep) + sep) and sep not in p[len(path) + 1:]]
        if not out and path not in self.dirs:
            raise FileNotFoundError(path)
        return out

    def listsubdirs(self, path: str) -> list[str]:
        if path not in self.dirs:
            raise FileNotFoundError(path)
        return self.dirs[path]

    def plist(self, path: str) -> Any:
        if path not in self.plists:
            raise FileNotFoundError(path)
        return self.plists[path]


def _env(fs: FakeFs, run=None, **extra) -> Env:
    def no_command(argv, timeout_s, stdin=None):
        raise CommandError(f"{argv[0]} is not installed (not found on PATH)")
    return Env(run=run or no_command, read=fs.read, clock=lambda: "2026-11-28T12:00:00Z",
               extra={"listdir": fs.listdir, "listsubdirs": fs.listsubdirs, "read_plist": fs.plist,
                      "which": lambda name: None, **extra})


def _attach(platform: Platform, caps) -> Snapshot:
    snap = Snapshot(platform=platform, collected_at="2026-11-28T12:00:00Z")
    return le.attach_local_evidence(snap, RawCapture(platform=platform, collected_at=snap.collected_at,
                                                     sources=tuple(caps)))


PREFS = 'user_pref("browser.startup.page", 3);\nuser_pref("network.trr.mode", 3);\nuser_pref("signon.x", "secret");\n'


def test_linux_collection_reads_policies_local_state_profiles_docker_wsl_and_ss() -> None:
    home = "/home/ana"
    fs = FakeFs({
        "/etc/hosts": "127.0.0.1 localhost\n10.9.9.9 db.corp.internal\n",
        "/etc/opt/chrome/policies/managed/corp.json": '{"DnsOverHttpsMode": "secure", "HomepageLocation": "x"}',
        f"{home}/.config/google-chrome/Local State": json.dumps({"dns_over_https": {"mode": "automatic"},
                                                                 "profile": {"info_cache": {"Default": {
                                                                     "user_name": "ana@example.com"}}}}),
        f"{home}/.mozilla/firefox/abcd.default-release/prefs.js": PREFS,
        "/etc/docker/daemon.json": '{"dns": ["8.8.8.8"], "registry-mirrors": ["https://m"]}',
        "/etc/wsl.conf": "[boot]\nsystemd=true\n[network]\ngenerateResolvConf = false\nhostname = x\n",
    }, dirs={f"{home}/.mozilla/firefox": [f"{home}/.mozilla/firefox/abcd.default-release"]})

    def run(argv, timeout_s, stdin=None):
        assert argv == le.SS_ARGV and timeout_s == le.PORT53_TIMEOUT_S
        return CommandResult('udp UNCONN 0 0 127.0.0.1:53 0.0.0.0:* users:(("dnscrypt-proxy",pid=812,fd=7))\n',
                             "", 0, 0.01)

    caps = le.local_sources(_env(fs, run, home=home, environ={},
                                 kernel_release=lambda: "5.15.133.1-microsoft-standard-WSL2"), Platform.LINUX)
    assert [c.id for c in caps] == ["hosts", "browser-dns", "container-dns", "port53"]
    browser = json.loads(caps[1].text)
    # Only the DoH keys and lines are captured: no homepage, no e-mail, no other pref.
    assert "ana@example.com" not in caps[1].text and "HomepageLocation" not in caps[1].text
    assert "secret" not in caps[1].text and "browser.startup" not in caps[1].text
    assert {i["kind"] for i in browser["items"]} == {"chrome-policy", "chrome-local-state", "firefox-prefs"}
    assert "registry-mirrors" not in caps[2].text and "hostname" not in caps[2].text

    snap = _attach(Platform.LINUX, caps)
    assert {Evidence.HOSTS, Evidence.BROWSER_DNS, Evidence.CONTAINER_DNS, Evidence.PORT53} <= set(snap.captured)
    assert [(b.browser, b.setting, b.mode) for b in snap.local.browsers] == [
        ("chrome", "DnsOverHttpsMode", DohMode.SECURE), ("chrome", "dns_over_https.mode", DohMode.AUTOMATIC),
        ("firefox", "network.trr.mode", DohMode.SECURE)]
    assert snap.local.hosts[1].names == ("db.corp.internal",) and snap.local.hosts_path == "/etc/hosts"
    assert snap.local.inside_wsl is True and snap.local.docker is True
    assert [(c.kind, c.dns_servers, c.settings) for c in snap.local.containers] == [
        ("docker", ("8.8.8.8",), {}), ("wsl.conf", (), {"generateResolvConf": "false"})]
    assert [(p.address, p.transport, p.process) for p in snap.local.port53] == [("127.0.0.1", Transport.UDP,
                                                                                 "dnscrypt-proxy")]
    assert any("inside WSL" in t for t in snap.trace)


def test_macos_collection_reads_managed_plists_and_lsof() -> None:
    home = "/Users/ana"
    fs = FakeFs({"/etc/hosts": "##\n127.0.0.1\tlocalhost\n"},
                plists={"/Library/Managed Preferences/com.microsoft.Edge.plist": {"DnsOverHttpsMode": "secure",
                                                                                  "Other": [1, 2]},
                        "/Library/Managed Preferences/org.mozilla.firefox.plist": {
                            "EnterprisePoliciesEnabled": True, "DNSOverHTTPS": {"Enabled": True, "Fallback": False}}})

    def run(argv, timeout_s, stdin=None):
        assert argv == le.LSOF_ARGV
        return CommandResult("COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n"
                             "dnscrypt-proxy 88 root 6u IPv4 0x1 0t0 UDP 127.0.0.1:53\n", "", 0, 0.01)

    snap = _attach(Platform.MACOS, le.local_sources(_env(fs, run, home=home, environ={}), Platform.MACOS))
    assert [(b.browser, b.mode, b.policy) for b in snap.local.browsers] == [("edge", DohMode.SECURE, True),
                                                                            ("firefox", DohMode.SECURE, True)]
    assert snap.local.port53[0].process == "dnscrypt-proxy"
    assert snap.local.inside_wsl is None                       # no kernel release read on macOS: unknown


class FakeWinreg:
    """The winreg calls the collector makes, on a dict {(hive, path): {value: data}}."""
    HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER = "HKLM", "HKCU"

    def __init__(self, keys: dict) -> None:
        self.keys = keys

    def OpenKey(self, hive, path):  # noqa: N802 - the winreg API
        if (hive, path) not in self.keys:
            raise FileNotFoundError(path)
        return (hive, path)

    def QueryValueEx(self, key, name):  # noqa: N802
        values = self.keys[key]
        if name not in values:
            raise FileNotFoundError(name)
        return values[name], 1

    def CloseKey(self, key):  # noqa: N802
        pass


def test_windows_collection_reads_the_registry_wslconfig_and_the_hosts_file() -> None:
    environ = {"SystemRoot": "C:\\Windows", "USERPROFILE": "C:\\Users\\ana", "LOCALAPPDATA": "C:\\Users\\ana\\AppData\\Local",
               "APPDATA": "C:\\Users\\ana\\AppData\\Roaming", "ProgramFiles": "C:\\Program Files"}
    fs = FakeFs({"C:\\Windows\\System32\\drivers\\etc\\hosts": (FIX / "hosts--windows-pmat-blog-one-entry.out").read_text(),
                 "C:\\Users\\ana\\.wslconfig": "[wsl2]\nmemory=4GB\ndnsTunneling=false\n"})
    reg = FakeWinreg({("HKLM", r"SOFTWARE\Policies\Google\Chrome"): {"DnsOverHttpsMode": "secure",
                                                                      "DnsOverHttpsTemplates": "https://d/q"},
                      ("HKCU", r"SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS"): {"Enabled": 0}})
    caps = le.local_sources(_env(fs, winreg=reg, home="C:\\Users\\ana", environ=environ), Platform.WINDOWS)
    assert [c.id for c in caps] == ["hosts", "browser-dns", "container-dns"]      # no port-53 listing on Windows
    snap = _attach(Platform.WINDOWS, caps)
    assert [(b.browser, b.mode, b.source) for b in snap.local.browsers] == [
        ("chrome", DohMode.SECURE, r"HKLM\SOFTWARE\Policies\Google\Chrome"),
        ("firefox", DohMode.OFF, r"HKCU\SOFTWARE\Policies\Mozilla\Firefox\DNSOverHTTPS")]
    assert snap.local.containers[0].settings == {"dnsTunneling": "false"}
    assert snap.local.hosts[0].names == ("bonus2.corporatebonusapplication.local",)
    assert Evidence.PORT53 not in snap.captured


def test_what_could_not_be_read_is_not_captured() -> None:
    fs = FakeFs({})
    caps = le.local_sources(_env(fs, home="/home/x", environ={}), Platform.LINUX)
    snap = _attach(Platform.LINUX, caps)
    # The hosts file is missing and ss is not installed: unknown, not "no entry" / "nothing listens".
    assert Evidence.HOSTS not in snap.captured and Evidence.PORT53 not in snap.captured
    # The browser and container reads ran and found nothing: that is observed.
    assert Evidence.BROWSER_DNS in snap.captured and snap.local.browsers == ()
    assert any("hosts file" in t and "unknown" in t for t in snap.trace)


def test_a_failing_read_costs_one_file_and_never_raises() -> None:
    class Denied(FakeFs):
        def read(self, path):
            if path.endswith("prefs.js"):
                raise PermissionError(13, "Permission denied", path)
            return super().read(path)

    fs = Denied({"/etc/hosts": "127.0.0.1 localhost\n"}, dirs={"/h/.mozilla/firefox": ["/h/.mozilla/firefox/p"]})
    snap = _attach(Platform.LINUX, le.local_sources(_env(fs, home="/h", environ={}), Platform.LINUX))
    assert Evidence.BROWSER_DNS in snap.captured
    assert any("Permission denied" in t for t in snap.trace)


def test_under_sudo_the_invoking_users_home_is_read() -> None:
    env = Env(extra={"environ": {"SUDO_USER": "ana"}, "home_of": lambda name: f"/home/{name}"})
    assert le.user_home(env) == "/home/ana"
    assert le.user_home(Env(extra={"home": "/x", "environ": {"SUDO_USER": "ana"}})) == "/x"


def test_garbage_in_a_capture_is_an_error_not_a_crash() -> None:
    caps = [SourceCapture(id="browser-dns", kind=SourceKind.API, text="{not json"),
            SourceCapture(id="container-dns", kind=SourceKind.API,
                          text=json.dumps({"files": [{"kind": "docker", "source": "d", "text": "[1,"}]})),
            SourceCapture(id="port53", kind=SourceKind.COMMAND, argv=("ss",), text="\x00\x01 nonsense", exit_code=0)]
    snap = _attach(Platform.LINUX, caps)
    assert {e.source for e in snap.errors} == {"browser-dns", "container-dns", "port53"}
    assert Evidence.BROWSER_DNS not in snap.captured and Evidence.PORT53 not in snap.captured
