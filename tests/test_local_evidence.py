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

from agent.findings import doc_for
from agent.model import (DOH_CANARY, DOH_CANARY_ORIGIN, BrowserDns, ContainerDns, DnsManager, DohMode, Evidence, Finding,
                         HostsEntry, LocalEvidence, NameCheck, Platform, Port53Listener, ProbeRun, RawCapture, Severity,
                         Snapshot, SourceCapture, SourceKind, Transport)
from agent.rules import local as rl
from agent.rules.context import Context
from platforms import local_evidence as le
from platforms.base import CommandError, CommandResult, Env, ParseError
from platforms.parsers import browser_dns, container_dns, hosts, port53
from tests.builders import CANARY, TUN, ok, probe, profile, resolver, run, snapshot

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


# --------------------------------------------------------------------------- the rules (agent/rules/local.py)
#
# Each rule on the boundary of its evidence: when it fires and when it stays silent, and what it
# says (the observation it prepends to the catalogue's explanation, every evidence line, the
# severity).  The classifier tables (tests/test_classify.py) show the codes in whole diagnoses.

VPC, PEER, IE1, IE2 = "10.0.0.0/16", "10.1.0.0/16", "10.1.0.10", "10.1.0.11"
DB = NameCheck("db.corp.internal", expected="private", origin="user")
PUB = NameCheck("www.example.com", expected="public", origin="user")
DOHC = NameCheck(DOH_CANARY, origin=DOH_CANARY_ORIGIN)
FF_PREFS = "/home/u/.mozilla/firefox/x.default/prefs.js"
CHROME_POLICY = "/etc/opt/chrome/policies/managed/p.json"


def _split(local: LocalEvidence | None = None, captured=(), **kw) -> Snapshot:
    """Split tunnel up, the VPN's two DNS servers pushed and in use."""
    return snapshot(tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2), resolvers=(resolver(IE1), resolver(IE2)),
                    local=local, extra_captured=set(captured), **kw)


def _said(f: Finding | None) -> tuple[Severity, str, list[str]]:
    """(severity, what the rule observed, evidence): the explanation without the catalogue's text after it."""
    assert f is not None
    tail = " " + doc_for(f.code).explanation
    assert f.explanation.endswith(tail)
    return f.severity, f.explanation[:-len(tail)], list(f.evidence)


def _browser_rule(*browsers: BrowserDns, probes: ProbeRun | None = None, snap: Snapshot | None = None) -> Finding | None:
    snap = snap or _split(LocalEvidence(browsers=browsers), {Evidence.BROWSER_DNS})
    return rl.browser_secure_dns(Context(snap, probes or run(ok(IE1, [CANARY]), ok(IE2, [CANARY]), names=(CANARY, DB))))


def _firefox(value: str, mode: DohMode, **kw) -> BrowserDns:
    return BrowserDns("firefox", "network.trr.mode", value, mode, FF_PREFS, **kw)


def _chrome_secure(**kw) -> BrowserDns:
    return BrowserDns("chrome", "DnsOverHttpsMode", "secure", DohMode.SECURE, CHROME_POLICY, policy=True, **kw)


ROLLOUT = BrowserDns("firefox", "doh-rollout.mode", "2", DohMode.AUTOMATIC, FF_PREFS)


def test_browser_doh_only_and_doh_first_are_told_apart() -> None:
    # Chrome has no fallback, Firefox asks its provider first: each sentence is true of its browser
    f = _browser_rule(_chrome_secure(templates="https://dns.example/dns-query"),
                      _firefox("2", DohMode.AUTOMATIC, excluded=("corp.example", "other.example")))
    assert _said(f) == (Severity.WARNING, "Chrome is set to resolve names over DNS-over-HTTPS only (no fallback). "
                                          "Firefox is set to resolve names over DNS-over-HTTPS first.", [
        f"chrome policy DnsOverHttpsMode=secure (secure, provider https://dns.example/dns-query) in {CHROME_POLICY}",
        "firefox preference network.trr.mode=2 (automatic, excluded corp.example, other.example, private answers "
        f"rejected (network.trr.allow-rfc1918 not set)) in {FF_PREFS}"])


def test_browsers_with_doh_only_are_named_together_capitalised_and_sorted() -> None:
    # Firefox's policy and a preference accepting private answers: no "private answers rejected"
    f = _browser_rule(BrowserDns("edge", "DnsOverHttpsMode", "secure", DohMode.SECURE, "HKLM\\Edge", policy=True),
                      BrowserDns("firefox", "DNSOverHTTPS", "Enabled, no fallback", DohMode.SECURE, "policies.json",
                                 policy=True),
                      _firefox("3", DohMode.SECURE, allow_private=True),
                      BrowserDns("chrome", "dns_over_https.mode", "secure", DohMode.SECURE, "Local State"))
    assert _said(f) == (Severity.WARNING, "Chrome, Edge, Firefox are set to resolve names over DNS-over-HTTPS only "
                                          "(no fallback).", [
        "edge policy DnsOverHttpsMode=secure (secure) in HKLM\\Edge",
        "firefox policy DNSOverHTTPS=Enabled, no fallback (secure) in policies.json",
        f"firefox preference network.trr.mode=3 (secure) in {FF_PREFS}",
        "chrome preference dns_over_https.mode=secure (secure) in Local State"])


def test_one_browser_with_doh_only_and_doh_first_settings_is_doh_only() -> None:
    f = _browser_rule(_firefox("2", DohMode.AUTOMATIC, allow_private=True), _firefox("3", DohMode.SECURE))
    assert _said(f)[1] == "Firefox is set to resolve names over DNS-over-HTTPS only (no fallback)."
    assert len(f.evidence) == 2


@pytest.mark.parametrize("browser", [
    BrowserDns("chrome", "DnsOverHttpsMode", "automatic", DohMode.AUTOMATIC, CHROME_POLICY, policy=True),
    BrowserDns("chrome", "doh-rollout.mode", "2", DohMode.AUTOMATIC, "x"),   # the rollout is Firefox's only
    _firefox("5", DohMode.OFF), _firefox("0", DohMode.DEFAULT)],
    ids=["chrome-automatic", "not-firefox-rollout", "firefox-off", "firefox-default"])
def test_browser_settings_that_keep_the_os_resolver_say_nothing(browser: BrowserDns) -> None:
    assert _browser_rule(browser, probes=run(ok(IE1, [CANARY]), ok(IE1, [DOHC], ("104.16.248.249",)),
                                             names=(CANARY, DB, DOHC))) is None


def test_browser_doh_is_not_judged_without_the_evidence_or_the_tunnel() -> None:
    assert _browser_rule(snap=_split(LocalEvidence(browsers=(_chrome_secure(),)))) is None
    down = snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),), local=LocalEvidence(browsers=(_chrome_secure(),)),
                    extra_captured={Evidence.BROWSER_DNS})
    assert _browser_rule(snap=down) is None


POSITIVE = "the VPN's DNS answers positively for use-application-dns.net (Firefox's default DoH stays on on this network)"
NEGATIVE = ("the VPN's DNS answers negatively for use-application-dns.net (Firefox's default DoH is switched off on "
            "this network)")


@pytest.mark.parametrize("first, second, positive", [
    (("answer", ("104.16.248.249",)), ("nxdomain", ()), True),       # one positive answer keeps DoH on
    (("nxdomain", ()), ("answer", ("104.16.248.249",)), True),
    (("timeout", ()), ("answer", ("104.16.248.249",)), True),        # a silent server says nothing
    (None, ("answer", ("104.16.248.249",)), True),                   # nor one not asked
    (("answer", ()), ("nxdomain", ()), False),                       # no A/AAAA record is negative (Mozilla)
    (("servfail", ()), ("nodata", ()), False),
    (("timeout", ()), ("timeout", ()), None),                        # nobody answered: not known
    (None, None, None),
])
def test_firefox_rollout_counts_when_a_vpn_server_answers_the_canary_positively(first, second, positive) -> None:
    probes = [ok(IE1, [CANARY]), ok(IE2, [CANARY])]
    for server, got in ((IE1, first), (IE2, second)):
        if got is not None:
            probes.append(probe(server, DOH_CANARY, got[0], got[1]))
    probes_run = run(*probes, names=(CANARY, DB, DOHC))
    rollout = _browser_rule(ROLLOUT, probes=probes_run)
    assert (rollout is not None) is (positive is True)
    # beside a browser that counts anyway, the canary's line says what the VPN's DNS answered
    f = _browser_rule(_chrome_secure(), probes=probes_run)
    assert _said(f)[2][1:] == {True: [POSITIVE], False: [NEGATIVE], None: []}[positive]
    if rollout is not None:
        assert _said(rollout) == (Severity.WARNING, "Firefox is set to resolve names over DNS-over-HTTPS first.", [
            f"firefox preference doh-rollout.mode=2 (automatic, private answers rejected (network.trr.allow-rfc1918 "
            f"not set)) in {FF_PREFS}", POSITIVE])


@pytest.mark.parametrize("names, excluded", [
    ((DB,), ("corp.internal",)),
    ((DB,), ("db.corp.internal",)),                                   # the name itself
    ((NameCheck("db.corp.internal.", expected="private", origin="user"),), ("corp.internal",)),   # root dot
    ((NameCheck("DB.CORP.BOX", origin="user"),), ("corp.box",)),
    ((DB,), (".corp.internal",)), ((DB,), ("*.corp.internal",)), ((DB,), ("corp.internal.",)),
    ((NameCheck("db.xcorp.internal", origin="config"),), ("XCorp.Internal",)),
    ((DB, PUB), ("", "example.org", "corp.internal")),                # a public name goes to DoH, rightly
], ids=["domain", "name", "root-dot", "capitals", "leading-dot", "wildcard", "trailing-dot", "x-domain", "public"])
def test_browser_doh_excluding_every_private_name_under_test_says_nothing(names, excluded) -> None:
    probes = run(ok(IE1, [CANARY]), names=(CANARY, *names))
    assert _browser_rule(_firefox("3", DohMode.SECURE, excluded=excluded), probes=probes) is None


@pytest.mark.parametrize("names, excluded", [
    ((DB,), ("other.example",)),
    ((DB,), ("b.corp.internal",)),                                    # a suffix that is no whole label
    ((DB, NameCheck("db.corp.example", origin="user")), ("corp.internal",)),   # one name is not excluded
    ((PUB,), ("corp.internal",)),                                     # no private name to judge: DoH counts
], ids=["other-domain", "partial-label", "one-of-two", "only-public"])
def test_browser_doh_excluding_other_domains_still_counts(names, excluded) -> None:
    probes = run(ok(IE1, [CANARY]), names=(CANARY, *names))
    assert _browser_rule(_firefox("3", DohMode.SECURE, excluded=excluded), probes=probes) is not None


def test_browser_settings_skipped_do_not_hide_the_ones_after_them() -> None:
    excluded = _firefox("3", DohMode.SECURE, excluded=("corp.internal",))
    automatic = BrowserDns("chrome", "DnsOverHttpsMode", "automatic", DohMode.AUTOMATIC, CHROME_POLICY, policy=True)
    f = _browser_rule(excluded, automatic, BrowserDns("edge", "DnsOverHttpsMode", "secure", DohMode.SECURE, "e.json"))
    assert _said(f) == (Severity.WARNING, "Edge is set to resolve names over DNS-over-HTTPS only (no fallback).",
                        ["edge preference DnsOverHttpsMode=secure (secure) in e.json"])


def _docker(*servers: str, kind: str = "docker", source: str = "/etc/docker/daemon.json") -> ContainerDns:
    return ContainerDns(kind, source, servers)


def _container_rule(snap: Snapshot) -> Finding | None:
    return rl.container_dns_not_vpn(Context(snap, run(ok(IE1, [CANARY]))))


def test_docker_daemon_dns_that_is_not_the_vpns_is_named_with_the_vpns() -> None:
    # a daemon.json that has one of the VPN's servers, and DNS servers of WSL, are not this finding
    snap = _split(LocalEvidence(containers=(_docker("8.8.8.8", "1.1.1.1"), _docker(IE2, "8.8.8.8", source="/x/daemon.json"),
                                            _docker("9.9.9.9", kind="wsl.conf", source="/etc/wsl.conf"))),
                  {Evidence.CONTAINER_DNS})
    assert _said(_container_rule(snap)) == (
        Severity.WARNING, "Docker's daemon.json gives containers DNS servers that are not the VPN's.",
        ['/etc/docker/daemon.json: "dns": 8.8.8.8, 1.1.1.1 (the VPN\'s DNS: 10.1.0.10, 10.1.0.11)'])


def test_docker_daemon_dns_is_not_judged_without_the_evidence_the_tunnel_or_the_vpns_dns() -> None:
    local = LocalEvidence(containers=(_docker("8.8.8.8"),))
    assert _container_rule(_split(local)) is None
    down = snapshot(tunnels=(), pushed_dns=(IE1,), disconnected=True, resolvers=(resolver("192.168.1.1"),),
                    local=local, extra_captured={Evidence.CONTAINER_DNS})
    assert _container_rule(down) is None
    no_vpn_dns = snapshot(tunnel_routes=(VPC,), resolvers=(resolver("192.168.1.1"),), local=local,
                          extra_captured={Evidence.CONTAINER_DNS})
    assert _container_rule(no_vpn_dns) is None


def _bridge(**kw) -> Snapshot:
    """Linux, systemd-resolved's stub in resolv.conf, Docker's default bridge up, the VPN's servers on tun0."""
    args: dict = dict(
        tunnel_routes=(VPC, PEER), manager=DnsManager.SYSTEMD_RESOLVED, stub=True, extra_ifaces=(("docker0", "172.17.0.1/16"),),
        resolvers=(resolver("192.168.1.1", "link", "eth0", origin="resolved link 2 (eth0)"),
                   resolver("192.168.1.53", "link", "eth0", origin="resolved link 2 (eth0)"),
                   resolver(IE2, "link", "eth0", origin="resolved link 2 (eth0)"),
                   resolver("127.0.0.1", "link", "lo", origin="resolved link 1 (lo)"),
                   resolver("192.168.1.54", origin="resolv.conf"),
                   resolver(IE1, "domain", "tun0", ("corp.internal",), origin="resolved link 10 (tun0)"),
                   resolver("100.100.100.100", "domain", "tailscale0", ("ts.net",), origin="resolved link 5 (tailscale0)")),
        tunnels=(TUN, ("tailscale0", "100.101.102.103/32")),
        local=LocalEvidence(docker=True), extra_captured={Evidence.CONTAINER_DNS})
    args.update(kw)
    return snapshot(**args)


def test_docker_bridge_on_a_resolved_stub_gets_the_lan_servers_first() -> None:
    # only resolved's links that are no tunnel's (AWS or overlay), not loopback, not a VPN server, are the LAN's
    assert _said(_container_rule(_bridge())) == (
        Severity.INFO, "Containers on Docker's default network get resolved's servers as one flat list, the LAN's "
                       "first, without its per-link routing.",
        ["/etc/resolv.conf is the systemd-resolved stub: Docker copies /run/systemd/resolve/resolv.conf to containers "
         "instead", "resolved link 2 (eth0): 192.168.1.1", "resolved link 2 (eth0): 192.168.1.53",
         "resolved link 10 (tun0): 10.1.0.10 (the VPN's)", "Docker's default bridge docker0 is up here"])


ALL_BUT_INTERFACES = {Evidence.ROUTES, Evidence.ROUTES6, Evidence.DNS_GLOBAL, Evidence.DNS_LINKS, Evidence.CONTAINER_DNS}
ALL_BUT_LINKS = {Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6, Evidence.DNS_GLOBAL, Evidence.CONTAINER_DNS}


@pytest.mark.parametrize("changes", [
    {"platform": Platform.MACOS}, {"extra_ifaces": ()}, {"stub": False}, {"manager": DnsManager.NETWORK_MANAGER},
    {"captured": ALL_BUT_INTERFACES}, {"captured": ALL_BUT_LINKS},
    {"local": LocalEvidence(docker=True, containers=(_docker(IE1, "8.8.8.8"),))},      # daemon.json names the VPN's
    {"resolvers": (resolver("127.0.0.1", "link", "lo", origin="resolved link 1 (lo)"),
                   resolver(IE1, "domain", "tun0", ("corp.internal",), origin="resolved link 10 (tun0)"))},
], ids=["macos", "no-bridge", "no-stub", "not-resolved", "interfaces-not-read", "links-not-read", "daemon-dns",
        "no-lan-server"])
def test_docker_bridge_is_said_only_when_every_part_is_seen(changes) -> None:
    assert _container_rule(_bridge(**changes)) is None


WSLCONFIG = "C:\\Users\\u\\.wslconfig"


def _wsl_windows(*containers: ContainerDns, **kw) -> Finding | None:
    kw.setdefault("local", LocalEvidence(containers=containers))
    kw.setdefault("extra_captured", {Evidence.CONTAINER_DNS})
    snap = snapshot(**{"platform": Platform.WINDOWS, "tunnel_routes": (VPC, PEER), "pushed_dns": (IE1, IE2),
                       "resolvers": (resolver(IE1), resolver(IE2)), **kw})
    return rl.wsl_dns_not_vpn(Context(snap, run(ok(IE1, [CANARY]))))


@pytest.mark.parametrize("value", ["false", "0"])
def test_wslconfig_with_dns_tunneling_off_is_named_with_the_vpns_dns(value: str) -> None:
    f = _wsl_windows(_docker("8.8.8.8"), ContainerDns("wslconfig", WSLCONFIG, settings={"networkingMode": "nat",
                                                                                        "dnsTunneling": value}))
    assert _said(f) == (Severity.WARNING, "WSL's DNS tunneling is switched off in .wslconfig.", [
        f"{WSLCONFIG}: networkingMode=nat, dnsTunneling={value}", "the VPN's DNS servers: 10.1.0.10, 10.1.0.11"])


def test_wslconfig_is_judged_only_with_tunneling_off_the_tunnel_up_and_the_vpns_dns_known() -> None:
    off = ContainerDns("wslconfig", WSLCONFIG, settings={"dnsTunneling": "false"})
    assert _wsl_windows(ContainerDns("wslconfig", WSLCONFIG, settings={"dnsTunneling": "true"})) is None
    assert _wsl_windows(ContainerDns("wslconfig", WSLCONFIG, settings={"memory": "4GB"})) is None
    assert _wsl_windows(ContainerDns("docker", WSLCONFIG, settings={"dnsTunneling": "false"})) is None
    assert _wsl_windows(off, extra_captured=set()) is None
    assert _wsl_windows(off, tunnels=(), tunnel_routes=(), disconnected=True) is None
    assert _wsl_windows(off, pushed_dns=None, resolvers=(resolver("192.168.1.1"),)) is None
    assert _wsl_windows(off, platform=Platform.LINUX) is None         # a .wslconfig is read on Windows only


def _inside_wsl(system=(("db.corp.internal", (), "Temporary failure in name resolution"),), **kw) -> Finding | None:
    args: dict = {"tunnels": (), "resolvers": (resolver("172.17.128.1"), resolver("172.17.128.2")),
                  "resolv_conf_by": "wsl", "local": LocalEvidence(inside_wsl=True),
                  "extra_captured": {Evidence.CONTAINER_DNS, Evidence.RESOLV_CONF}, **kw}
    names = (CANARY, DB, NameCheck("web.corp.internal", origin="user"), NameCheck("nas.corp.internal", origin="config"),
             NameCheck("api.corp.internal", origin="config"))
    return rl.wsl_dns_not_vpn(Context(snapshot(**args), run(probe("172.17.128.1", CANARY.name, "timeout"), names=names,
                                                            system=system)))


def test_inside_wsl_without_tunneling_the_failing_names_are_shown() -> None:
    # a name found, and one with neither an address nor an error, do not fail
    f = _inside_wsl(system=[("db.corp.internal", (), "Temporary failure in name resolution"),
                            ("web.corp.internal", ("10.1.5.7",), None), ("nas.corp.internal", (), None),
                            ("api.corp.internal", (), "Name or service not known")])
    assert _said(f) == (Severity.WARNING, "This Linux runs inside WSL 2 without DNS tunneling, and names fail.", [
        "/etc/resolv.conf was generated by WSL and names 172.17.128.1, 172.17.128.2 (the NAT gateway to Windows; "
        "with DNS tunneling it would be 10.255.255.254)",
        "system resolver db.corp.internal: Temporary failure in name resolution",
        "system resolver api.corp.internal: Name or service not known"])


@pytest.mark.parametrize("changes", [
    {"local": LocalEvidence(inside_wsl=False)}, {"local": LocalEvidence()}, {"resolv_conf_by": ""},
    {"resolv_conf_nameservers": ("172.17.128.1", "10.255.255.254")}, {"resolv_conf_nameservers": ()},
    {"platform": Platform.MACOS}, {"extra_captured": {Evidence.RESOLV_CONF}},
    {"system": [("db.corp.internal", ("10.1.5.5",), None)]},
], ids=["not-wsl", "wsl-unknown", "not-written-by-wsl", "tunneling-on", "no-nameserver", "macos", "not-read",
        "names-resolve"])
def test_inside_wsl_is_said_only_when_wsl_wrote_a_nat_resolv_conf_and_names_fail(changes) -> None:
    assert _inside_wsl(**changes) is None


WEB = NameCheck("web.corp.internal", origin="config")
ENDPOINT_HOST = "cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"


def _hosts_rule(snap: Snapshot, probes: ProbeRun) -> Finding | None:
    return rl.hosts_file_override(Context(snap, probes))


def test_hosts_entries_differing_from_the_vpns_dns_are_shown_with_every_answer() -> None:
    # the warning names the entry DNS does not give; the one it agrees with is shown, not blamed; a probe-only name (the large answer, Firefox's canary) is not one the user resolves: not shown
    big = NameCheck("big.corp.internal", origin="large-answer")
    local = LocalEvidence(hosts=(HostsEntry("127.0.0.1", ("localhost",), 1),
                                 HostsEntry("10.9.9.9", ("db.corp.internal", "db"), 3),
                                 HostsEntry("10.1.5.7", ("WEB.corp.internal.",), 4),
                                 HostsEntry("10.9.9.1", ("big.corp.internal", DOH_CANARY), 5)))
    probes = run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5", "10.1.5.6")), ok(IE1, [WEB], ("10.1.5.7",)),
                 ok(IE2, [WEB], ("10.1.5.7",)), names=(CANARY, big, DOHC, DB, WEB),
                 system=[("db.corp.internal", ("10.9.9.9", "2001:db8::9"), None), ("web.corp.internal", (), None)])
    assert _said(_hosts_rule(_split(local, {Evidence.HOSTS}), probes)) == (
        Severity.WARNING, "The hosts file gives db.corp.internal a fixed address that the DNS server does not "
                          "give.", [
            "hosts file line 3: 10.9.9.9 db.corp.internal db", "10.1.0.10 udp db.corp.internal: answer 10.1.5.5, 10.1.5.6",
            "system resolver db.corp.internal: 10.9.9.9, 2001:db8::9",
            "hosts file line 4: 10.1.5.7 WEB.corp.internal.", "10.1.0.10 udp web.corp.internal: answer 10.1.5.7",
            "10.1.0.11 udp web.corp.internal: answer 10.1.5.7", "system resolver web.corp.internal: no address"])


def test_hosts_entry_one_of_the_vpn_servers_gives_is_info() -> None:
    # the servers answer in turn with different addresses: the fixed one is among them
    local = LocalEvidence(hosts=(HostsEntry("10.1.5.7", ("web.corp.internal",), 7),
                                 HostsEntry("10.1.5.5", ("db.corp.internal",), 8)), hosts_path="/etc/hosts")
    probes = run(ok(IE1, [WEB], ("10.1.5.7",)), ok(IE2, [WEB], ("10.1.5.9", "10.1.5.8")), ok(IE1, [DB], ("10.1.5.5",)),
                 names=(CANARY, WEB, DB), system=[("web.corp.internal", (), "Name or service not known")])
    assert _said(_hosts_rule(_split(local, {Evidence.HOSTS}), probes)) == (
        Severity.INFO, "The hosts file gives web.corp.internal, db.corp.internal a fixed address (the same as DNS, "
                       "for now).", [
            "/etc/hosts line 7: 10.1.5.7 web.corp.internal", "10.1.0.10 udp web.corp.internal: answer 10.1.5.7",
            "10.1.0.11 udp web.corp.internal: answer 10.1.5.9, 10.1.5.8",
            "system resolver web.corp.internal: Name or service not known",
            "/etc/hosts line 8: 10.1.5.5 db.corp.internal", "10.1.0.10 udp db.corp.internal: answer 10.1.5.5"])


def test_hosts_entries_for_the_canary_and_the_profiles_other_remotes_count() -> None:
    # the canary (aws.amazon.com) and a 'remote' line of the profile are names this machine resolves
    local = LocalEvidence(hosts=(HostsEntry("203.0.113.99", ("aws.amazon.com",), 1),
                                 HostsEntry("198.51.100.9", ("vpn.example.com",), 2)), hosts_path="/etc/hosts")
    probes = run(ok(IE1, [CANARY]), names=(CANARY, NameCheck("vpn.example.com", origin="profile")))
    assert _said(_hosts_rule(_split(local, {Evidence.HOSTS}), probes)) == (
        Severity.WARNING, "The hosts file gives aws.amazon.com, vpn.example.com a fixed address that the DNS server "
                          "does not give.", [
            "/etc/hosts line 1: 203.0.113.99 aws.amazon.com", "10.1.0.10 udp aws.amazon.com: answer 203.0.113.80",
            "/etc/hosts line 2: 198.51.100.9 vpn.example.com"])


@pytest.mark.parametrize("names", [(CANARY,), (CANARY, NameCheck(ENDPOINT_HOST, origin="profile"))],
                         ids=["from-the-profile", "also-a-name"])
def test_hosts_entry_for_the_vpn_endpoint_is_stale_when_no_dns_server_gives_it(names) -> None:
    local = LocalEvidence(hosts=(HostsEntry("198.51.100.10", (ENDPOINT_HOST,), 2),), hosts_path="/etc/hosts")
    f = _hosts_rule(_split(local, {Evidence.HOSTS}, profile=profile()), run(ok(IE1, [CANARY]), names=names))
    assert _said(f) == (Severity.WARNING, f"The hosts file gives {ENDPOINT_HOST} a fixed address that the DNS server "
                                          "does not give.", [f"/etc/hosts line 2: 198.51.100.10 {ENDPOINT_HOST}"])


def test_hosts_entry_is_compared_with_the_os_resolvers_servers_when_no_vpn_dns_is_known() -> None:
    local = LocalEvidence(hosts=(HostsEntry("10.9.9.9", ("db.corp.internal",), 1),), hosts_path="/etc/hosts")
    snap = snapshot(tunnels=(), resolvers=(resolver("192.168.1.1"),), local=local, extra_captured={Evidence.HOSTS})
    f = _hosts_rule(snap, run(ok("192.168.1.1", [DB], ("10.9.9.9",)), names=(CANARY, DB)))
    assert _said(f) == (Severity.INFO, "The hosts file gives db.corp.internal a fixed address (the same as DNS, for now).",
                        ["/etc/hosts line 1: 10.9.9.9 db.corp.internal", "192.168.1.1 udp db.corp.internal: answer 10.9.9.9"])


def test_hosts_file_without_an_entry_for_the_names_or_not_read_says_nothing() -> None:
    probes = run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), names=(CANARY, DB))
    # another name under, over or beside it: a longer one, its domain, a look-alike (glibc compares
    # ASCII letters only without case: 'ß' is not 'SS')
    other = LocalEvidence(hosts=(HostsEntry("10.9.9.9", ("db.corp.internal.example",), 1),
                                 HostsEntry("10.9.9.8", ("corp.internal",), 2),
                                 HostsEntry("10.9.9.7", ("DB.CORP.INTERNALX",), 3),
                                 HostsEntry("10.9.9.6", ("STRASSE.corp.internal",), 4)))
    probes = run(ok(IE1, [CANARY]), ok(IE1, [DB], ("10.1.5.5",)), names=(CANARY, DB, NameCheck("straße.corp.internal",
                                                                                                  origin="user")))
    assert _hosts_rule(_split(other, {Evidence.HOSTS}), probes) is None
    assert _hosts_rule(_split(LocalEvidence(hosts=(HostsEntry("10.9.9.9", ("db.corp.internal",), 1),))), probes) is None


APP = NameCheck("app.corp.internal", expected="private", origin="user")
PINNED = NameCheck("pinned.corp.internal", expected="10.1.5.5", origin="config")
OLD = NameCheck("old.corp.internal", origin="user")
DB2 = NameCheck("db2.corp.internal", expected="private", origin="user")


def _agent_rule(resolvers, probes: ProbeRun, port53=(), platform=Platform.LINUX, manager=DnsManager.FILE,
                **kw) -> Finding | None:
    snap = snapshot(platform=platform, manager=manager, tunnel_routes=(VPC, PEER), pushed_dns=(IE1, IE2),
                    resolvers=tuple(resolvers), local=LocalEvidence(port53=tuple(port53)), **kw)
    return rl.local_dns_agent(Context(snap, probes))


def test_local_agent_failing_what_the_vpns_dns_answers_is_a_warning_naming_each_name_once() -> None:
    resolvers = (resolver("127.0.0.1"), resolver("::1%lo", origin=""), resolver("127.0.0.1", "link", "lo"),
                 resolver("127.0.0.53"), resolver(IE1, "domain", "tun0", ("corp.internal",)))
    # listeners on an agent's address (with or without a zone index) or on every address are shown
    port53 = (Port53Listener("127.0.0.1%lo", Transport.UDP, "dnscrypt-proxy", 812), Port53Listener("::1", Transport.TCP),
              Port53Listener("0.0.0.0", Transport.UDP, "dnsmasq", 900), Port53Listener("192.168.1.5", Transport.UDP, "named", 1),
              Port53Listener("127.0.0.53%lo", Transport.UDP, "systemd-resolve", 500),
              Port53Listener("*", Transport.TCP, "dnsmasq", 900), Port53Listener("::", Transport.UDP, "unbound", 77))
    probes = run(ok("127.0.0.1", [CANARY]), ok(IE1, [CANARY]),
                 probe("127.0.0.1", DB.name, "nxdomain"), ok(IE2, [DB], ("10.1.5.5",)),       # IE1 not asked: IE2's answer
                 probe("::1%lo", DB.name, "servfail"),
                 ok("127.0.0.1", [APP], ("54.77.1.2",)), ok(IE1, [APP], ("10.1.5.6",)),     # public for a private name
                 probe("127.0.0.1", PINNED.name, "nxdomain"),                  # expected, but the VPN's DNS not asked
                 probe("127.0.0.1", DB2.name, "nxdomain"), probe(IE1, DB2.name, "nxdomain"),   # nor does it answer
                 ok("127.0.0.1", [WEB], ("10.1.5.7",)), ok(IE1, [WEB], ("10.1.5.7",)),
                 probe("::1%lo", OLD.name, "nxdomain"), probe(IE1, OLD.name, "nxdomain"),     # the second agent only
                 names=(CANARY, DB, APP, PINNED, DB2, WEB, OLD))
    f = _agent_rule(resolvers, probes, port53, extra_captured={Evidence.PORT53})
    assert _said(f) == (
        Severity.WARNING, "DNS goes through a local agent at 127.0.0.1, ::1%lo, which fails db.corp.internal, "
                          "app.corp.internal that the VPN's DNS answers.", [
            "the resolver in use is 127.0.0.1 (resolv.conf)", "the resolver in use is ::1%lo (OS)",
            "port 53 (udp 127.0.0.1%lo): dnscrypt-proxy (pid 812)", "port 53 (tcp ::1): process not shown (run as root)",
            "port 53 (udp 0.0.0.0): dnsmasq (pid 900)", "port 53 (tcp *): dnsmasq (pid 900)",
            "port 53 (udp ::): unbound (pid 77)",
            "127.0.0.1 udp db.corp.internal: nxdomain", "10.1.0.11 udp db.corp.internal: answer 10.1.5.5",
            "::1%lo udp db.corp.internal: servfail", "10.1.0.11 udp db.corp.internal: answer 10.1.5.5",
            "127.0.0.1 udp app.corp.internal: answer 54.77.1.2", "10.1.0.10 udp app.corp.internal: answer 10.1.5.6",
            "127.0.0.1 udp pinned.corp.internal: nxdomain",
            "127.0.0.1 udp db2.corp.internal: nxdomain", "10.1.0.10 udp db2.corp.internal: nxdomain",
            "127.0.0.1 udp web.corp.internal: answer 10.1.5.7", "10.1.0.10 udp web.corp.internal: answer 10.1.5.7",
            "::1%lo udp old.corp.internal: nxdomain", "10.1.0.10 udp old.corp.internal: nxdomain",
            "127.0.0.1 udp aws.amazon.com: answer 203.0.113.80", "10.1.0.10 udp aws.amazon.com: answer 203.0.113.80"])


def test_local_agent_answering_as_the_vpns_dns_is_info_and_port53_is_shown_only_when_read() -> None:
    probes = run(ok("127.0.0.1", [CANARY]), ok(IE1, [CANARY]), ok("127.0.0.1", [APP], ("10.1.5.6",)),
                 ok(IE1, [APP], ("10.1.5.6",)), names=(CANARY, APP))
    f = _agent_rule((resolver("127.0.0.1"),), probes, (Port53Listener("127.0.0.1", Transport.UDP, "unbound", 7),))
    assert _said(f) == (Severity.INFO, "DNS goes through a local agent at 127.0.0.1.", [
        "the resolver in use is 127.0.0.1 (resolv.conf)",
        "127.0.0.1 udp app.corp.internal: answer 10.1.5.6", "10.1.0.10 udp app.corp.internal: answer 10.1.5.6",
        "127.0.0.1 udp aws.amazon.com: answer 203.0.113.80", "10.1.0.10 udp aws.amazon.com: answer 203.0.113.80"])


@pytest.mark.parametrize("address, platform, manager, agent", [
    ("127.0.0.53", Platform.LINUX, DnsManager.SYSTEMD_RESOLVED, False),       # systemd-resolved's stubs
    ("127.0.0.54", Platform.LINUX, DnsManager.FILE, False),
    ("127.0.0.53%lo", Platform.LINUX, DnsManager.FILE, False),
    ("127.0.0.53", Platform.MACOS, DnsManager.UNKNOWN, True),                 # no resolved on macOS
    ("127.0.0.1", Platform.LINUX, DnsManager.NETWORK_MANAGER, False),         # NetworkManager's dnsmasq
    ("127.0.1.1", Platform.LINUX, DnsManager.NETWORK_MANAGER, False),
    ("127.0.1.1%lo", Platform.LINUX, DnsManager.NETWORK_MANAGER, False),
    ("127.0.0.2", Platform.LINUX, DnsManager.NETWORK_MANAGER, True),
    ("127.0.1.1", Platform.LINUX, DnsManager.FILE, True),                     # without NetworkManager: an agent
    ("127.0.1.1", Platform.WINDOWS, DnsManager.NETWORK_MANAGER, True),
    ("192.168.1.1", Platform.LINUX, DnsManager.FILE, False),                  # not on this machine
])
def test_local_agent_is_a_loopback_resolver_that_is_not_the_oss_own_stub(address, platform, manager, agent) -> None:
    f = _agent_rule((resolver(address),), run(ok(address, [CANARY]), ok(IE1, [CANARY])), platform=platform,
                    manager=manager)
    assert (f is not None) is agent


def test_local_agent_is_not_judged_without_the_tunnel_or_the_resolvers_in_use() -> None:
    probes = run(ok("127.0.0.1", [CANARY]))
    down = snapshot(tunnels=(), resolvers=(resolver("127.0.0.1"),))
    assert rl.local_dns_agent(Context(down, probes)) is None
    no_dns = snapshot(tunnel_routes=(VPC,), resolvers=(resolver("127.0.0.1"),),
                      captured={Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6})
    assert rl.local_dns_agent(Context(no_dns, probes)) is None


ZT = ("ztabc123", "10.147.17.5/24")


def _other_vpn_rule(resolvers, tunnels=(TUN, ZT), **kw) -> Finding | None:
    kw.setdefault("pushed_dns", (IE1, IE2))
    snap = snapshot(tunnels=tunnels, tunnel_routes=(VPC, PEER), resolvers=tuple(resolvers), **kw)
    return rl.other_vpn_takes_dns(Context(snap, run(ok(IE1, [CANARY]))))


def test_another_vpns_link_asked_for_every_name_is_named() -> None:
    # its links' resolvers for one domain, or asked nothing, take no name from the AWS VPN
    f = _other_vpn_rule((resolver(IE1, "link", "tun0", origin="resolved link 10 (tun0)"),
                         resolver("10.147.17.1", "domain", "ztabc123", ("zt.example", "."), origin="resolved link 12 (ztabc123)"),
                         resolver("10.147.17.2", "domain", "ztabc123", ("zt.example",), origin="resolved link 12 (ztabc123)"),
                         resolver("10.147.17.3", "inactive", "ztabc123", origin="resolved link 12 (ztabc123)"),
                         resolver("10.147.17.4", "link", "ztabc123", origin=""),
                         resolver("10.147.18.1", "link", "zt9", origin="resolved link 14 (zt9)")))   # a link not listed
    assert _said(f) == (Severity.WARNING, "Another VPN is asked for every name while the AWS tunnel is up.", [
        "resolved link 12 (ztabc123): 10.147.17.1 on ztabc123 (domain, every name)",
        "resolver: 10.147.17.4 on ztabc123 (link)", "resolved link 14 (zt9): 10.147.18.1 on zt9 (link)",
        "the AWS VPN's DNS servers: 10.1.0.10, 10.1.0.11"])


def test_tailscale_writing_resolv_conf_is_named_and_its_servers_are_not_the_aws_ones() -> None:
    # resolv.conf written by Tailscale: its servers take every name, whatever their address (the AWS
    # tunnel's own catch-all is not another VPN's)
    f = _other_vpn_rule((resolver("100.100.100.100"), resolver(IE1), resolver(IE2, "domain", "tun0", (".",), origin="resolved link 10")),
                        tunnels=(TUN, ("tailscale0", "100.101.102.103/32")), resolv_conf_by="tailscale",
                        extra_captured={Evidence.RESOLV_CONF})
    assert _said(f) == (Severity.WARNING, "Tailscale (MagicDNS) is asked for every name while the AWS tunnel is up.", [
        "resolv.conf: 100.100.100.100 (global)", "resolv.conf: 10.1.0.10 (global)",
        "/etc/resolv.conf was generated by tailscale", "the AWS VPN's DNS servers: 10.1.0.11"])


def test_magicdns_address_alone_names_tailscale_and_no_aws_server_left_says_none() -> None:
    f = _other_vpn_rule((resolver("fd7a:115c:a1e0::53%tailscale0"),), tunnels=(TUN, ("tailscale0", "100.101.102.103/32")),
                        pushed_dns=None)
    assert _said(f) == (Severity.WARNING, "Tailscale (MagicDNS) is asked for every name while the AWS tunnel is up.", [
        "resolv.conf: fd7a:115c:a1e0::53%tailscale0 (global)", "the AWS VPN's DNS servers: none in use"])


def test_resolv_conf_of_another_overlay_writer_counts_only_when_read() -> None:
    resolvers = (resolver("100.64.0.2"), resolver(IE1, "domain", "tun0", ("corp.internal",), origin="resolved link 10"))
    f = _other_vpn_rule(resolvers, resolv_conf_by="netbird", extra_captured={Evidence.RESOLV_CONF})
    assert _said(f) == (Severity.WARNING, "Another VPN is asked for every name while the AWS tunnel is up.", [
        "resolv.conf: 100.64.0.2 (global)", "/etc/resolv.conf was generated by netbird",
        "the AWS VPN's DNS servers: 10.1.0.10, 10.1.0.11"])
    assert _other_vpn_rule(resolvers, resolv_conf_by="netbird") is None
    assert _other_vpn_rule(resolvers, resolv_conf_by="NetworkManager", extra_captured={Evidence.RESOLV_CONF}) is None


def test_another_vpn_is_not_judged_without_an_aws_tunnel_or_the_dns_configuration() -> None:
    taker = (resolver("10.147.17.1", "link", "ztabc123"),)
    assert _other_vpn_rule(taker, tunnels=(ZT,)) is None                  # the overlay's own tunnel only
    assert _other_vpn_rule(taker, tunnels=()) is None
    assert _other_vpn_rule(taker, captured={Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6}) is None
    # the per-link view alone (no global resolver list) is enough to see a link that takes every name
    assert _other_vpn_rule(taker, captured={Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6,
                                            Evidence.DNS_LINKS}) is not None


def _described(snap: Snapshot, name: str, description: str) -> Snapshot:
    """The snapshot with an adapter's description (Windows names an adapter by an alias)."""
    import dataclasses
    return dataclasses.replace(snap, interfaces=tuple(dataclasses.replace(i, description=description) if i.name == name
                                                      else i for i in snap.interfaces))


def test_another_vpn_is_told_by_its_adapters_description_too() -> None:
    taker = (resolver("10.8.0.1", "link", "wg0", origin="adapter wg0"),)
    snap = snapshot(tunnels=(TUN, ("wg0", "100.70.0.5/32")), tunnel_routes=(VPC, PEER), pushed_dns=(IE1,), resolvers=taker)
    probes = run(ok(IE1, [CANARY]))
    assert rl.other_vpn_takes_dns(Context(snap, probes)) is None           # a WireGuard link of no overlay we know
    f = rl.other_vpn_takes_dns(Context(_described(snap, "wg0", "NetBird Tunnel"), probes))
    assert _said(f) == (Severity.WARNING, "Another VPN is asked for every name while the AWS tunnel is up.",
                        ["adapter wg0: 10.8.0.1 on wg0 (link)", "the AWS VPN's DNS servers: 10.1.0.10"])
    # the overlay's tunnel alone, told by its description: no AWS tunnel to take names from
    alone = snapshot(tunnels=(("wg0", "100.70.0.5/32"),), tunnel_routes=("100.64.0.0/10",),
                     resolvers=(resolver("100.100.100.100", "link", "wg0"),))
    assert rl.other_vpn_takes_dns(Context(alone, probes)) is not None
    assert rl.other_vpn_takes_dns(Context(_described(alone, "wg0", "NetBird Tunnel"), probes)) is None


def test_resolv_conf_written_by_tailscale_names_tailscale_whatever_server_it_lists() -> None:
    # Tailscale's "override local DNS" with global nameservers writes them, not 100.100.100.100
    f = _other_vpn_rule((resolver("9.9.9.9"),), tunnels=(TUN, ("tailscale0", "100.101.102.103/32")),
                        resolv_conf_by="tailscale", extra_captured={Evidence.RESOLV_CONF})
    assert _said(f) == (Severity.WARNING, "Tailscale (MagicDNS) is asked for every name while the AWS tunnel is up.", [
        "resolv.conf: 9.9.9.9 (global)", "/etc/resolv.conf was generated by tailscale",
        "the AWS VPN's DNS servers: 10.1.0.10, 10.1.0.11"])
