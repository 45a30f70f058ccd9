"""Property tests: every parser is total over hostile text, and reports survive a round trip.

Contract under test (platforms.base; docs/architecture.md, "The data flow"): a parser returns a result or raises
its documented :class:`platforms.base.ParseError`; nothing else escapes.  ``looks_like``
sniffers and :func:`platforms.recognize.recognise` follow the same rule.  Every adapter's
``parse(raw)`` (and the VPN-evidence fold that ``agent.run.reparse`` adds) is total: any
source text gives a Snapshot, failures become CollectionErrors.

Inputs: arbitrary text; truncations and mutations of every real fixture under
``tests/fixtures/**.out``; JSON fixtures with values swapped for other JSON types; odd
encodings (UTF-16 with and without BOM, cp932, invalid UTF-8 decoded with replacement, CRLF,
NULs); huge inputs (repeated fixtures, one endless line, deeply nested JSON).

Parsers are discovered by listing ``platforms.parsers``, so a new module is fuzzed through
its ``parse``/``looks_like`` without touching this file; ``test_every_parser_module_is_fuzzed``
fails when a module has neither (register its entry points in ``EXTRA_ENTRY_POINTS``).

CI runs a modest number of examples (``FUZZ_EXAMPLES``, default 40, derandomized); ``make fuzz``
runs the same properties with thousands of random examples and 4 MiB inputs (fuzz/README.md).
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import platforms.parsers
import platforms.parsers.interfaces
import platforms.parsers.route_print
from agent.model import (Answer, CollectionError, DnsManager, Finding, NameCheck, Outcome, Platform, ProbeResult,
                         RawCapture, Report, Scenario, Severity, SourceCapture, SourceKind, SystemLookup, ToolInfo,
                         Transport, Verdict)
from platforms import resolved_dbus, ticket
from platforms.base import ParseError, decode_bytes, load_json
from platforms.parsers import _paste
from platforms.parsers import (aws_vpn_cli, browser_dns, container_dns, ip_route, netstat_rn, nmcli, nrpt,
                               openvpn_log, ovpn_profile, port53, ps_document,
                               resolvectl, win_json)
from tests import builders
from tests.conftest import FIXTURES

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
HUGE_BYTES = int(os.environ.get("FUZZ_HUGE_BYTES", str(1024 * 1024)))
HUGE_SECONDS = float(os.environ.get("FUZZ_HUGE_SECONDS", "10"))

def _database():
    # CI: no database (derandomized, same examples each run).  ``make fuzz``: FUZZ_DB keeps
    # every failing example so the next run replays it first.
    if not os.environ.get("FUZZ_DB"):
        return None
    from hypothesis.database import DirectoryBasedExampleDatabase
    return DirectoryBasedExampleDatabase(os.environ["FUZZ_DB"])


FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("FUZZ_RANDOM") is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much], database=_database())

# --------------------------------------------------------------------------- discovery

PARSER_MODULES = sorted(m.name for m in pkgutil.iter_modules(platforms.parsers.__path__) if not m.name.startswith("_"))

# Entry points beyond ``parse`` and ``looks_like`` (which are found by name), each a
# function of one text.  A parser module with neither must be listed here.
EXTRA_ENTRY_POINTS: dict[str, dict[str, Callable[[str], Any]]] = {
    "ip_route": {
        "parse_json": ip_route.parse_json,
        "parse_text": ip_route.parse_text,
        "parse_rules": ip_route.parse_rules,
        "parse_route_get": lambda t: ip_route.parse_route_get(t, "10.0.0.2"),
        "parse_route_get_v6": lambda t: ip_route.parse_route_get(t, "fd00::2"),
        "route_get_error": ip_route.route_get_error,
    },
    "netstat_rn": {"routes": netstat_rn.routes},
    "nmcli": {"resolvers": lambda t: nmcli.resolvers(nmcli.parse(t))},
    "nrpt": {"effective_rules": lambda t: nrpt.effective_rules(nrpt.parse(t))},
    "ps_document": {"read_document": ps_document.read_document},
    "openvpn_log": {"parse_push_reply": openvpn_log.parse_push_reply,
                    "parse_push_reply_noted": lambda t: openvpn_log.parse_push_reply(t, notes=[], complete=False),
                    "timestamps": lambda t: [openvpn_log.parse_timestamp(openvpn_log.timestamp(line))
                                             for line in t.splitlines()[:200]],
                    "parse_as_aws_file": lambda t: openvpn_log.parse(t, source="/x/ovpn_aws_vpn_client_1.log")
                    if openvpn_log.looks_like(t) else None,
                    "scrub_secrets": openvpn_log.scrub_secrets},
    "aws_vpn_cli": {"read_status": aws_vpn_cli.read_status,
                    "profiles": lambda t: aws_vpn_cli.profiles(aws_vpn_cli.parse(t))},
    "ovpn_profile": {"strip_secrets": ovpn_profile.strip_secrets},
    "resolvectl": {"server": resolvectl.server},
    "win_json": {"load": win_json.load, "parse_cmdlet": win_json.parse_cmdlet},
    "port53": {"parse_ss": port53.parse_ss, "parse_lsof": port53.parse_lsof},
    "browser_dns": {"chrome_policy": lambda t: browser_dns.chrome_policy(load_json(t, "x"), "chrome", "x"),
                    "chrome_local_state": lambda t: browser_dns.chrome_local_state(t, "chrome", "x"),
                    "firefox_prefs": lambda t: browser_dns.firefox_prefs(t, "x"),
                    "firefox_policy": lambda t: browser_dns.firefox_policy(load_json(t, "x"), "x")},
    "container_dns": {"docker_daemon": lambda t: container_dns.docker_daemon(t, "x"),
                      "wslconfig": lambda t: container_dns.wslconfig(t, "x"),
                      "wsl_conf": lambda t: container_dns.wsl_conf(t, "x"),
                      "inside_wsl": container_dns.inside_wsl},
}
# Readers that live outside platforms/parsers: JSON dumps, and the ticket splitter (whose
# "fixtures" are the tests/fixtures/ticket pastes; it also gets every other fixture's text).
OUTSIDE_PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "resolved_dbus": {"parse": resolved_dbus.parse, "looks_like": resolved_dbus.looks_like},
    "ticket": {"split": lambda t: _check_split(t), "unwrap_log": ticket.unwrap_log, "log_span": ticket.log_span,
               "decode_paste": lambda t: ticket.decode_paste(t.encode("utf-8", "surrogatepass")),
               "prompt_command": lambda t: [_paste.prompt_command(line) for line in t.splitlines()[:300]],
               "echo_command": lambda t: [_paste.echo_command(line) for line in t.splitlines()[:300]]},
}


def _check_split(text: str):
    """The splitter's contract: segments in order, inside the text, never empty without a
    command, at most MAX_SEGMENTS (+1 for the rest)."""
    cut = ticket.split(text)
    last = 0
    for seg in cut.segments:
        assert seg.first_line >= last and seg.last_line >= seg.first_line, seg
        assert seg.text.strip() or seg.command, seg
        last = seg.last_line
    assert len(cut.segments) <= ticket.MAX_SEGMENTS + 1
    return cut


def _module_entry_points(name: str) -> dict[str, Callable[[str], Any]]:
    mod = importlib.import_module(f"platforms.parsers.{name}")  # test-only discovery, not product code
    found: dict[str, Callable[[str], Any]] = {}
    for fn_name in ("parse", "looks_like"):
        fn = getattr(mod, fn_name, None)
        if callable(fn):
            found[fn_name] = fn
    found.update(EXTRA_ENTRY_POINTS.get(name, {}))
    return found


ENTRY_POINTS: list[tuple[str, str, Callable[[str], Any]]] = []
for _name in PARSER_MODULES:
    for _fn_name, _fn in _module_entry_points(_name).items():
        ENTRY_POINTS.append((_name, _fn_name, _fn))
for _name, _fns in OUTSIDE_PARSERS.items():
    for _fn_name, _fn in _fns.items():
        ENTRY_POINTS.append((_name, _fn_name, _fn))
ENTRY_IDS = [f"{m}.{f}" for m, f, _ in ENTRY_POINTS]

# Fixture files by the parser module that reads them (file prefix -> module).
PREFIX_MODULE = {
    "interfaces": "interfaces", "ip_route": "ip_route", "ip_route4": "ip_route", "ip_route6": "ip_route",
    "ip_route_get": "ip_route", "ip_rule": "ip_route", "nmcli": "nmcli", "nsswitch": "nsswitch",
    "proc_net_route": "proc_net_route", "resolv_conf": "resolv_conf", "resolv-conf": "resolv_conf",
    "resolvectl": "resolvectl", "resolved_dbus": "resolved_dbus", "ifconfig": "ifconfig_bsd",
    "netstat-rn": "netstat_rn", "route-get": "route_get", "scutil-dns": "scutil_dns",
    "scutil-nwi": "scutil_nwi", "openvpn-log": "openvpn_log", "ovpn-profile": "ovpn_profile", "aws-vpn-cli": "aws_vpn_cli",
    "ipconfig": "ipconfig", "route_print": "route_print", "route-print": "route_print",
    "powershell": "win_json", "cmdlet-adapters": "win_json", "cmdlet-dns-servers": "win_json",
    "cmdlet-ip-interfaces": "win_json", "cmdlet-routes": "win_json", "winreg-nrpt": "nrpt", "nrpt": "nrpt",
    "ps-dnsclientserveraddress": "ps_cmdlets", "ps-netipinterface": "ps_cmdlets", "ps-netroute": "ps_cmdlets",
    "ps-netipconfiguration": "ps_cmdlets", "ps-netadapter": "ps_cmdlets", "ps-nrpt": "ps_cmdlets",
    "netsh-interfaces": "ps_cmdlets",
    "route_n": "route_n", "ifconfig_linux": "ifconfig_linux", "ticket": "ticket",
    "hosts": "hosts", "port53-ss": "port53", "port53-lsof": "port53", "chrome-policy": "browser_dns",
    "local-state": "browser_dns", "firefox-prefs": "browser_dns", "firefox-policy": "browser_dns",
    "docker-daemon": "container_dns", "wslconfig": "container_dns", "wsl-conf": "container_dns",
}


def _read_fixture(path: Path) -> str:
    return decode_bytes(path.read_bytes())   # as the adapters read them (BOMs, UTF-16)


FIXTURE_FILES = sorted(FIXTURES.glob("**/*.out"))
FIXTURE_TEXT: dict[str, str] = {str(p.relative_to(FIXTURES)): _read_fixture(p) for p in FIXTURE_FILES}
ALL_FIXTURES = sorted(FIXTURE_TEXT.values()) or [""]


def _fixtures_for(module: str) -> list[str]:
    own = [FIXTURE_TEXT[k] for k in sorted(FIXTURE_TEXT)
           if PREFIX_MODULE.get(Path(k).name.split("--", 1)[0]) == module]
    return own or ALL_FIXTURES


def _json_fixtures() -> list[Any]:
    out = []
    for text in ALL_FIXTURES:
        try:
            out.append(win_json.load(text) if text.lstrip()[:1] in "[{" else json.loads(text))
        except (ParseError, ValueError):
            continue
    return out


JSON_FIXTURES = _json_fixtures()


# --------------------------------------------------------------------------- strategies

_NUMBERS = ("-1", "0", "255", "256", "65536", "4294967296", "99999999999999999999999", "1e309", "NaN", "-0",
            "0x1F", "", "1.2.3.4.5", "::", "999.1.1.1", "fe80::1%", "%", "/", "/33", "/129")
_TOKENS = ("nameserver", "search", "domain", "options", "via", "dev", "default", "proto", "metric", "src",
           "Link", "Global", "DNS Servers:", "Current DNS Server:", "DNS Domain:", "resolver #1",
           "nameserver[0] :", "search domain[0] :", "if_index :", "flags    :", "reach    :",
           "Internet:", "Internet6:", "Destination", "Gateway", "Flags", "Netif", "route to:", "gateway:",
           "interface:", "inet", "inet6", "netmask", "flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST>", "mtu",
           "PUSH_REPLY,", "dhcp-option DNS", "redirect-gateway def1", "route-gateway", "ifconfig",
           "remote", "<key>", "</key>", "<ca>", "</ca>", "proto", "hosts:", "files", "dns", "resolve",
           "[NOTFOUND=return]", "GENERAL.DEVICE:", "IP4.DNS[1]:", "IP4.ROUTE[1]:", "dst = ", "Iface",
           "Windows IP Configuration", "DNS Servers . . . . . . . . . . . :", ". . . :", "IPv4 Route Table",
           "Active Routes:", "Network Destination", "On-link", "===========", "HKEY_LOCAL_MACHINE",
           "DnsPolicyConfig", "REG_MULTI_SZ", "REG_SZ", "REG_DWORD", "0x8", "\\0", "{", "}", "[", "]", ":",
           ",", "\"", "=", "#", ";", "%", "10.0.0.2", "0.0.0.0/1", "128.0.0.0", "fd00::2", "fe80::1%en0",
           "255.255.255.0", "0xffffff00", "00000000", "0001FEA9", "tun0", "utun3", "en0", "eth0", "lo",
           "~.", ".", "link#4", "UGScI", "UHLWIi", "\t", " ", "\n", "\r\n", "\x00", "\ufeff", "é", "優先",
           "(Preferred)", "(Bevorzugt)", "Ethernet adapter", "Unknown adapter")


def _splice(text: str, at: int, insert: str, cut: int = 0) -> str:
    return text[:at] + insert + text[at + cut:]


@st.composite
def mutated(draw: st.DrawFn, pool: list[str]) -> str:
    """A fixture (usually of this parser) with up to five random edits."""
    text = draw(st.sampled_from(pool))
    for _ in range(draw(st.integers(0, 5))):
        n = len(text)
        at = draw(st.integers(0, n))
        op = draw(st.sampled_from(("truncate", "cut", "insert", "token", "number", "dup_line", "drop_line",
                                   "swap_lines", "char", "crlf", "nul", "join_lines")))
        if op == "truncate":
            text = text[:at]
        elif op == "cut":
            text = _splice(text, at, "", draw(st.integers(0, 400)))
        elif op == "insert":
            text = _splice(text, at, draw(st.text(max_size=40)))
        elif op == "token":
            text = _splice(text, at, draw(st.sampled_from(_TOKENS)))
        elif op == "number":
            nums = list(re.finditer(r"\d+(?:\.\d+)*", text))
            if nums:
                m = draw(st.sampled_from(nums))
                text = text[:m.start()] + draw(st.sampled_from(_NUMBERS)) + text[m.end():]
        elif op in ("dup_line", "drop_line", "swap_lines", "join_lines"):
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(j, lines[i])
            elif op == "drop_line":
                del lines[i]
            elif op == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            elif i + 1 < len(lines):
                lines[i:i + 2] = [lines[i] + " " + lines[i + 1]]
            text = "\n".join(lines)
        elif op == "char" and n:
            text = _splice(text, min(at, n - 1), draw(st.characters()), 1)
        elif op == "crlf":
            text = text.replace("\n", "\r\n")
        elif op == "nul":
            text = _splice(text, at, "\x00" * draw(st.integers(1, 4)))
    return text


def _utf16_no_bom_as_utf8(t: str) -> str:
    return t.encode("utf-16-le").decode("utf-8", errors="replace")


def _cp932_as_utf8(t: str) -> str:
    return t.encode("cp932", errors="replace").decode("utf-8", errors="replace")


def _utf8_as_cp932(t: str) -> str:
    return t.encode("utf-8").decode("cp932", errors="replace")


def _utf16_bom_as_latin1(t: str) -> str:
    return t.encode("utf-16").decode("latin-1")


ENCODINGS: dict[str, Callable[[str], str]] = {
    "identity": lambda t: t,
    "utf16-bom-decoded": lambda t: decode_bytes(t.encode("utf-16")),          # what the readers do
    "utf16-le-no-bom-as-utf8": _utf16_no_bom_as_utf8,                   # a Windows redirect read blindly
    "utf16-bom-as-latin1": _utf16_bom_as_latin1,                        # NUL between every character
    "cp932-as-utf8": _cp932_as_utf8,
    "utf8-as-cp932": _utf8_as_cp932,
    "bom-prefix": lambda t: "\ufeff" + t,
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "cr-only": lambda t: t.replace("\n", "\r"),
    "nul-interleaved": lambda t: "\x00".join(t),
}


@st.composite
def bad_utf8(draw: st.DrawFn, pool: list[str]) -> str:
    """A fixture's UTF-8 bytes with invalid bytes spliced in, decoded with replacement."""
    data = bytearray(draw(st.sampled_from(pool)).encode("utf-8"))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(min_size=1, max_size=6))
    return decode_bytes(bytes(data))


_JSON_KEYS = st.sampled_from(("dst", "gateway", "dev", "prefsrc", "metric", "flags", "table", "type", "protocol",
                              "scope", "family", "ifname", "addresses", "address", "netmask", "isup", "mtu",
                              "manager", "links", "DNS", "DNSEx", "Domains", "properties", "ifindex",
                              "ServerAddresses", "InterfaceIndex", "InterfaceAlias", "AddressFamily",
                              "DestinationPrefix", "NextHop", "RouteMetric", "InterfaceMetric", "value", "Count",
                              "cvpnDoctor", "adapters", "routes", "dnsServers", "nrptPolicy", "tables", "gpo",
                              "local", "Name", "ConfigOptions", "GenericDNSServers", "errors", "priority",
                              "src", "uid", "cache", "ifIndex", "MacAddress", "InterfaceDescription"))
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                      st.floats(allow_nan=False), st.text(max_size=20), st.sampled_from(_NUMBERS + _TOKENS))
JSON_VALUE = st.recursive(JSON_LEAF, lambda kids: st.lists(kids, max_size=4)
                          | st.dictionaries(st.one_of(_JSON_KEYS, st.text(max_size=8)), kids, max_size=5),
                          max_leaves=20)


@st.composite
def json_mutated(draw: st.DrawFn) -> str:
    """A real JSON fixture with some values replaced by JSON of another type."""
    if not JSON_FIXTURES:
        return json.dumps(draw(JSON_VALUE))
    doc = json.loads(json.dumps(draw(st.sampled_from(JSON_FIXTURES))))
    for _ in range(draw(st.integers(1, 6))):
        paths: list[tuple[Any, Any]] = []

        def walk(node: Any, paths: list[tuple[Any, Any]] = paths) -> None:   # this round's list
            if len(paths) > 2000:
                return
            if isinstance(node, dict):
                for k, v in node.items():
                    paths.append((node, k))
                    walk(v)
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    paths.append((node, i))
                    walk(v)
        walk(doc)
        if not paths:
            break
        parent, key = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(("replace", "delete", "wrap")))
        if action == "delete":
            del parent[key]
        elif action == "wrap":
            parent[key] = draw(st.sampled_from(([parent[key]], {"value": [parent[key]], "Count": 1},
                                                str(parent[key]))))
        else:
            parent[key] = draw(JSON_VALUE)
    return json.dumps(doc, ensure_ascii=draw(st.booleans()))


def inputs_for(module: str) -> st.SearchStrategy[str]:
    own = _fixtures_for(module)
    return st.one_of(
        st.text(max_size=300),
        st.lists(st.sampled_from(_TOKENS), max_size=60).map(" ".join),
        st.lists(st.one_of(st.sampled_from(_TOKENS), st.text(max_size=6)), max_size=80).map("".join),
        mutated(own),
        mutated(ALL_FIXTURES),
        st.tuples(mutated(own), st.sampled_from(sorted(ENCODINGS))).map(lambda te: ENCODINGS[te[1]](te[0])),
        bad_utf8(own),
        json_mutated(),
        JSON_VALUE.map(json.dumps),
    )


def _call(fn: Callable[[str], Any], text: str) -> Any:
    """Run one entry point under the contract: a result or ParseError, nothing else."""
    try:
        return fn(text)
    except ParseError:
        return None


# --------------------------------------------------------------------------- parsers


def test_every_parser_module_is_fuzzed():
    """A parser module without a fuzzable entry point fails here: give it ``parse(text)``
    or list its entry points in EXTRA_ENTRY_POINTS."""
    assert PARSER_MODULES, "no parser modules found"
    missing = [name for name in PARSER_MODULES if not _module_entry_points(name)]
    assert not missing, f"parser modules with no property test: {missing}"
    covered = {m for m, _f, _fn in ENTRY_POINTS}
    assert set(PARSER_MODULES) <= covered
    # every fixture kind feeds its own parser's mutations
    unknown = sorted({Path(k).name.split("--", 1)[0] for k in FIXTURE_TEXT} - set(PREFIX_MODULE))
    assert not unknown, f"fixture kinds with no parser mapping (add to PREFIX_MODULE): {unknown}"


@pytest.mark.parametrize("module,fn_name,fn", ENTRY_POINTS, ids=ENTRY_IDS)
def test_parser_is_total(module, fn_name, fn):
    @FUZZ
    @given(text=inputs_for(module))
    @example(text="")
    @example(text="\x00")
    @example(text="\ufeff")
    @example(text="[" * 5000)
    def prop(text):
        _call(fn, text)
    prop()


@pytest.mark.parametrize("module,fn_name,fn", ENTRY_POINTS, ids=ENTRY_IDS)
def test_parser_survives_every_encoding_of_every_own_fixture(module, fn_name, fn):
    """Deterministic: each own fixture in each odd encoding (a few hundred calls)."""
    for text in _fixtures_for(module):
        for encode in ENCODINGS.values():
            _call(fn, encode(text))


def _huge_inputs(module: str) -> dict[str, str]:
    own = _fixtures_for(module)
    seed = "\n".join(own)
    rep = max(1, HUGE_BYTES // max(1, len(seed)))
    return {
        "repeated-fixtures": (seed + "\n") * rep,
        "one-endless-line": ("10.0.0.2 " * (HUGE_BYTES // 9))[:HUGE_BYTES],
        "nested-json-lists": "[" * 100_000 + "]" * 100_000,
        "nested-json-objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
        "many-empty-lines": "\n" * HUGE_BYTES,
    }


@pytest.mark.parametrize("module,fn_name,fn", ENTRY_POINTS, ids=ENTRY_IDS)
def test_parser_on_huge_input_is_total_and_bounded(module, fn_name, fn):
    for kind, text in _huge_inputs(module).items():
        t0 = time.perf_counter()
        _call(fn, text)
        took = time.perf_counter() - t0
        assert took < HUGE_SECONDS, f"{module}.{fn_name} took {took:.1f} s on {kind} ({len(text)} chars)"


def test_recognise_is_total():
    from platforms.recognize import Recognised, recognise

    @FUZZ
    @given(text=st.one_of(inputs_for("resolv_conf"), mutated(ALL_FIXTURES)))
    @example(text="[" * 100_000)
    def prop(text):
        hit = recognise(text)
        assert hit is None or isinstance(hit, Recognised)
    prop()


def test_run_command_decoding_is_total():
    """platforms.base.decode_bytes turns any bytes into text (BOMs, UTF-16, invalid UTF-8)."""
    @FUZZ
    @given(data=st.one_of(st.binary(max_size=400),
                          st.binary(max_size=400).map(lambda b: b"\xff\xfe" + b),
                          st.binary(max_size=400).map(lambda b: b"\xfe\xff" + b),
                          st.binary(max_size=400).map(lambda b: b"\xef\xbb\xbf" + b)))
    def prop(data):
        assert isinstance(decode_bytes(data), str)
    prop()


# --------------------------------------------------------------------------- adapters

# The source ids each adapter's parse reads (found by running collect() with a fake Env,
# plus the optional ones collect only adds when a tool is present) and the parser module
# whose fixtures are realistic text for it.
ADAPTER_SOURCES: dict[Platform, dict[str, str | None]] = {
    Platform.LINUX: {"resolv.conf": "resolv_conf", "resolv.conf-link": None, "nsswitch.conf": "nsswitch",
                     "os-release": None, "resolved-dbus": "resolved_dbus", "resolvectl": "resolvectl",
                     "interfaces": "interfaces", "ip-route": "ip_route", "ip-route6": "ip_route",
                     "ip-rule": "ip_route", "ip-route-text": "ip_route", "proc-net-route": "proc_net_route",
                     "route-targets": None, "route-get:10.0.0.2": "ip_route", "route-get:fd00::2": "ip_route"},
    Platform.MACOS: {"scutil-dns": "scutil_dns", "scutil-nwi": "scutil_nwi", "netstat-inet": "netstat_rn",
                     "netstat-inet6": "netstat_rn", "ifconfig": "ifconfig_bsd", "resolv.conf": "resolv_conf",
                     "sw-vers": None, "route-get:10.0.0.2": "route_get"},
    Platform.WINDOWS: {"powershell": "win_json", "winreg-nrpt": "nrpt", "ipconfig": "ipconfig",
                       "route-print": "route_print", "cmdlet-dns-servers": "win_json", "cmdlet-routes": "win_json",
                       "cmdlet-ip-interfaces": "win_json", "cmdlet-adapters": "win_json",
                       "ps-dnsclientserveraddress": "ps_cmdlets", "ps-netipinterface": "ps_cmdlets", "ps-netroute": "ps_cmdlets",
                       "ps-netipconfiguration": "ps_cmdlets", "ps-netadapter": "ps_cmdlets",
                       "ps-nrpt": "ps_cmdlets", "netsh-interfaces": "ps_cmdlets"},
}
VPN_SOURCES = {"vpn-log": "openvpn_log", "vpn-profile": "ovpn_profile", "vpn-service-log": "openvpn_log",
               "vpn-client-log": "openvpn_log", "vpn-dns-log": "openvpn_log", "vpn-journal": "openvpn_log",
               "aws-vpn-client-status": "aws_vpn_cli", "aws-vpn-client-connections": "aws_vpn_cli"}


@st.composite
def source_capture(draw: st.DrawFn, source_id: str, module: str | None) -> SourceCapture:
    kind = SourceKind.COMMAND
    if source_id in ("resolv.conf", "nsswitch.conf", "os-release", "proc-net-route", "vpn-log", "vpn-profile",
                     "vpn-service-log", "vpn-client-log", "vpn-dns-log"):
        kind = SourceKind.FILE
    elif source_id in ("resolved-dbus", "interfaces", "resolv.conf-link", "route-targets", "winreg-nrpt"):
        kind = SourceKind.API
    shape = draw(st.sampled_from(("text", "text", "text", "missing", "failed-with-text")))
    text = None
    if shape != "missing":
        text = draw(inputs_for(module) if module else st.one_of(st.text(max_size=200), JSON_VALUE.map(json.dumps)))
    error = draw(st.sampled_from((None, "x exited with status 1", "timed out"))) if shape != "text" else None
    if shape == "missing":
        error = "does not exist"
    return SourceCapture(id=source_id, kind=kind, text=text, error=error,
                         exit_code=draw(st.sampled_from((None, 0, 1, 127))),
                         truncated=draw(st.booleans()),
                         path="/etc/x" if kind is SourceKind.FILE else None)


@st.composite
def raw_capture(draw: st.DrawFn, platform: Platform) -> RawCapture:
    table = dict(ADAPTER_SOURCES[platform], **VPN_SOURCES)
    ids = draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=len(table)))
    caps = tuple(draw(source_capture(i, table[i])) for i in ids)
    return RawCapture(platform=platform, collected_at="2026-11-28T12:00:00Z", sources=caps)


def _fixture_raw(platform: Platform) -> RawCapture:
    """Every source given the first own fixture (a full, realistic capture)."""
    table = dict(ADAPTER_SOURCES[platform], **VPN_SOURCES)
    caps = []
    for sid, module in sorted(table.items()):
        text = _fixtures_for(module)[0] if module else ""
        caps.append(SourceCapture(id=sid, kind=SourceKind.COMMAND, text=text))
    return RawCapture(platform=platform, collected_at="2026-11-28T12:00:00Z", sources=tuple(caps))


@pytest.mark.parametrize("platform", list(Platform))
def test_adapter_parse_is_total(platform):
    from agent.model import Snapshot
    from agent.run import reparse

    @FUZZ
    @given(raw=raw_capture(platform))
    @example(raw=_fixture_raw(platform))
    def prop(raw):
        snap = reparse(raw)
        assert isinstance(snap, Snapshot)
        data = json.loads(json.dumps(snap.to_dict()))
        assert Snapshot.from_dict(data) == snap
    prop()


# --------------------------------------------------------------------------- report round trip

_ADDR4 = st.builds(lambda a, b, c: f"10.{a}.{b}.{c}", st.integers(0, 255), st.integers(0, 255), st.integers(1, 254))
_ADDR = st.one_of(_ADDR4, st.sampled_from(("8.8.8.8", "1.1.1.1", "172.16.0.2", "fd00::53", "fe80::1%tun0",
                                           "127.0.0.53", "169.254.169.253")))
_NAME = st.one_of(st.sampled_from(("aws.amazon.com", "app.corp.example", "db.internal.", "xn--bcher-kva.example")),
                  st.from_regex(r"[a-z0-9-]{1,20}(\.[a-z0-9-]{1,20}){0,3}", fullmatch=True))
_TEXT = st.text(max_size=60)


@st.composite
def reports(draw: st.DrawFn) -> Report:
    resolvers = tuple(builders.resolver(a, scope=draw(st.sampled_from(("global", "link", "domain", "inactive"))),
                                        interface=draw(st.sampled_from((None, "tun0", "eth0"))),
                                        domains=draw(st.lists(_NAME, max_size=2)))
                      for a in draw(st.lists(_ADDR, max_size=4, unique=True)))
    snap = builders.snapshot(
        tunnels=draw(st.sampled_from(((builders.TUN,), ()))),
        tunnel_routes=draw(st.sampled_from(((), builders.FULL, ("10.0.0.0/16",)))),
        resolvers=resolvers, pushed_dns=draw(st.one_of(st.none(), st.lists(_ADDR, max_size=2))),
        redirect=draw(st.booleans()), platform=draw(st.sampled_from(list(Platform))),
        manager=draw(st.sampled_from(list(DnsManager))), disconnected=draw(st.booleans()),
        log_errors=draw(st.lists(_TEXT, max_size=2)), profile=draw(st.one_of(st.none(), st.just(builders.profile()))))
    snap = type(snap)(**{**{f: getattr(snap, f) for f in snap.__slots__},
                         "errors": tuple(CollectionError(s, m) for s, m in draw(st.lists(st.tuples(_TEXT, _TEXT),
                                                                                          max_size=3))),
                         "trace": tuple(draw(st.lists(_TEXT, max_size=3)))})
    names = tuple(NameCheck(n, expected=draw(st.sampled_from((None, "private", "public", "10.1.2.3"))))
                  for n in draw(st.lists(_NAME, min_size=1, max_size=3, unique=True)))
    probes = tuple(ProbeResult(server=draw(_ADDR), transport=draw(st.sampled_from(list(Transport))), name=n.name,
                               outcome=draw(st.sampled_from(list(Outcome))),
                               rcode=draw(st.sampled_from((None, "NOERROR", "SERVFAIL"))),
                               answers=tuple(Answer(a, a.startswith("10.")) for a in draw(st.lists(_ADDR, max_size=2))),
                               rtt_ms=draw(st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))),
                               detail=draw(_TEXT))
                   for n in names for _ in range(draw(st.integers(0, 2))))
    findings = tuple(Finding(code=draw(st.from_regex(r"[a-z-]{3,30}", fullmatch=True)),
                             severity=draw(st.sampled_from(list(Severity))), title=draw(_TEXT),
                             explanation=draw(_TEXT), user_fix=draw(_TEXT), admin_fix=draw(_TEXT),
                             evidence=tuple(draw(st.lists(_TEXT, max_size=3))), doc=draw(_TEXT))
                     for _ in range(draw(st.integers(0, 3))))
    raw = draw(st.one_of(st.none(), st.builds(
        lambda srcs: RawCapture(platform=snap.platform, collected_at="2026-11-28T12:00:00Z", sources=srcs),
        st.lists(st.builds(SourceCapture, id=_TEXT, kind=st.sampled_from(list(SourceKind)),
                           text=st.one_of(st.none(), st.text(max_size=200)), error=st.one_of(st.none(), _TEXT),
                           truncated=st.booleans()), max_size=3).map(tuple))))
    context = draw(st.dictionaries(st.text(max_size=10), JSON_VALUE, max_size=3))
    return Report(tool=ToolInfo("cvpn-doctor", draw(_TEXT)), generated_at="2026-11-28T12:00:01Z",
                  platform=snap.platform, snapshot=snap, probes=probes,
                  scenario=Scenario(draw(_TEXT), draw(_TEXT), tuple(draw(st.lists(_TEXT, max_size=2)))),
                  findings=findings, verdict=draw(st.sampled_from(list(Verdict))),
                  system_lookups=tuple(SystemLookup(n.name, error=draw(st.one_of(st.none(), _TEXT))) for n in names),
                  names=names, probe_deadline_s=draw(st.floats(0, 60)), probe_elapsed_s=draw(st.floats(0, 60)),
                  probe_skipped=draw(st.one_of(st.none(), _TEXT)), raw=raw, context=context)


@FUZZ
@given(report=reports())
def test_report_round_trips_through_json(report):
    data = json.loads(json.dumps(report.to_dict()))
    assert Report.from_dict(data) == report


@FUZZ
@given(report=reports())
def test_classified_report_round_trips(report):
    """The real classifier on generated snapshots/probes: total, and its report round-trips."""
    from agent.model import ProbeRun
    from agent.run import assemble

    run = ProbeRun(results=report.probes, system=report.system_lookups, names=report.names, deadline_s=3.0)
    out = assemble(report.raw, report.snapshot, run, report.names)
    assert Report.from_dict(json.loads(json.dumps(out.to_dict()))) == out


def test_inspect_signatures_take_one_text():
    """Discovered ``parse``/``looks_like`` take the text as their first positional parameter."""
    for module, fn_name, fn in ENTRY_POINTS:
        if fn_name in ("parse", "looks_like"):
            params = list(inspect.signature(fn).parameters.values())
            assert params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD), \
                f"{module}.{fn_name}"



# --------------------------------------------------------------------------- regressions
# Crashes and hangs this fuzzing found, fixed in the parsers; each stays pinned here.

SNIFFERS_ON_WHOLE_TEXT = ("netstat_rn", "nsswitch", "resolv_conf", "resolvectl", "route_get", "scutil_dns",
                          "scutil_nwi")


@pytest.mark.parametrize("module", SNIFFERS_ON_WHOLE_TEXT)
def test_regression_sniffer_is_linear_on_blank_lines(module):
    """``re.search(r"^\\s*X", text, re.M)`` backtracks over every following newline at every
    line start: O(n^2).  64 KiB of blank lines took 3-17 s per sniffer, 1 MiB (a pasted
    log) hours; the sniffers now use ``^[^\\S\\n]*``."""
    fn = _module_entry_points(module)["looks_like"]
    for text in ("\n" * 300_000, "\r\n" * 150_000, " \n" * 150_000):
        t0 = time.perf_counter()
        assert not fn(text)
        assert time.perf_counter() - t0 < 1.0, module


NESTED = ("[" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("fn", [
    pytest.param(f, id=i) for i, f in {
        "interfaces.parse": platforms.parsers.interfaces.parse, "ip_route.parse": ip_route.parse,
        "ip_route.parse_json": ip_route.parse_json, "ip_route.parse_rules": ip_route.parse_rules,
        "ip_route.parse_route_get": lambda t: ip_route.parse_route_get(t, "10.0.0.2"),
        "nrpt.parse": nrpt.parse, "win_json.load": win_json.load, "win_json.parse": win_json.parse,
        "resolved_dbus.parse": resolved_dbus.parse,
    }.items()])
def test_regression_deeply_nested_json_is_a_parse_error(fn):
    """json.loads raises RecursionError (not ValueError) on deep nesting; it escaped."""
    for text in NESTED:
        with pytest.raises(ParseError):
            fn(text)


@pytest.mark.parametrize("fn, text", [
    (platforms.parsers.interfaces.parse, '{"addrs": {"eth0": [[{"address": "192.0.2.2", "family": "AF_INET"}]]}}'),
    (platforms.parsers.interfaces.parse, '{"addrs": {"eth0": 5}}'),
    (platforms.parsers.interfaces.parse, '{"addrs": {"eth0": []}, "index": [1]}'),
    (platforms.parsers.interfaces.parse, '{"addrs": {"eth0": []}, "stats": {"eth0": "up"}}'),
    (platforms.parsers.interfaces.parse, '{"addrs": {"eth0": []}, "stats": 7}'),
    (ip_route.parse_rules, '[[{"priority": 0}]]'),
    (ip_route.parse_rules, '["from all lookup main"]'),
    (lambda t: ip_route.parse_route_get(t, "10.0.0.2"), '[{"dst": "10.0.0.2", "gateway": ["10.0.0.1"]}]'),
    (lambda t: ip_route.parse_route_get(t, "10.0.0.2"), '[{"dst": "10.0.0.2", "dev": {"name": "tun0"}}]'),
    (lambda t: ip_route.parse_route_get(t, "10.0.0.2"), '[{"dst": "10.0.0.2", "prefsrc": 167772162}]'),
])
def test_regression_json_of_the_wrong_shape_is_a_parse_error(fn, text):
    """Type confusion (a list where an object was expected, a number for an address) raised
    AttributeError/TypeError out of the parser."""
    with pytest.raises(ParseError):
        fn(text)


@pytest.mark.parametrize("fn, text", [
    (netstat_rn.routes, "Routing tables\n\nInternet:\nDestination        Gateway            Flags     Netif Expire\n"
                        "10.244/\x0014      10.9.0.1           UGSc      utun4\n"),
    (netstat_rn.routes, "Routing tables\n\nInternet:\nDestination        Gateway            Flags     Netif Expire\n"
                        "1\u00b2/8              10.9.0.1           UGSc      utun4\n"),
    (netstat_rn.routes, "Routing tables\n\nInternet:\nDestination        Gateway            Flags     Netif Expire\n"
                        "10/\u00b2              10.9.0.1           UGSc      utun4\n"),
    (nrpt.parse, '{"gpo": {"present": true, "rules": 1}, "local": {"rules": [{}]}}'),
    (lambda t: nrpt.effective_rules(nrpt.parse(t)), '{"local": {"present": true, "rules": [{}]}}'),
    (platforms.parsers.route_print.parse, "IPv4 Route Table\n====\nActive Routes:\n0.0.0.0 0.0.1.0 0.0.0.0 0\n"
                                          "00.0.0.0 0.0.0.0 0.0.0.0 0\n"),
])
def test_regression_found_by_the_long_run_is_a_result_or_parse_error(fn, text):
    """Found by ``make fuzz`` (600 random examples): int() of "\\x0014"/"²" (isdigit() is
    not int()-able), ``.items()`` of a list, ipaddress errors for "00.0.0.0" and a
    non-contiguous mask escaped as ValueError/AttributeError."""
    _call(fn, text)


@pytest.mark.parametrize("text", [
    '{"manager": {"DNS": []}, "links": [{"ifindex": 1e309, "ifname": "wlp2s0", "properties": {}}]}',
    '{"manager": {"DNS": [], "Domains": [[1e309, "corp.example", true]]}}',
    '{"manager": {"DNS": []}, "links": ["wlp2s0"]}',
])
def test_regression_resolved_dbus_dump_with_odd_values_is_a_parse_error(text):
    """Found by the long run: int(1e309) raised OverflowError out of resolved_dbus.parse."""
    with pytest.raises(ParseError):
        resolved_dbus.parse(text)


@pytest.mark.parametrize("platform", list(Platform))
def test_adapter_parse_on_huge_sources_is_bounded(platform):
    """Every source of a capture 1 MiB of blank lines (or one endless line): the adapter's
    own regexes must be linear too.  Regression: platforms/macos.py took 35 s on 64 KiB of
    blank lines (``^\\s*nameserver`` with re.M); ``recognize._refine`` had the same pattern."""
    from agent.run import reparse

    table = dict(ADAPTER_SOURCES[platform], **VPN_SOURCES)
    for kind, text in {"blank-lines": "\n" * HUGE_BYTES, "space-lines": " \n" * (HUGE_BYTES // 2),
                       "one-line": "10.0.0.2 " * (HUGE_BYTES // 9)}.items():
        raw = RawCapture(platform=platform, collected_at="2026-11-28T12:00:00Z",
                         sources=tuple(SourceCapture(id=i, kind=SourceKind.COMMAND, text=text) for i in table))
        t0 = time.perf_counter()
        reparse(raw)
        took = time.perf_counter() - t0
        assert took < HUGE_SECONDS, f"{platform} parse took {took:.1f} s on {kind}"


@pytest.mark.parametrize("field, value", [("InterfaceDescription", [None]), ("InterfaceGuid", True),
                                          ("MacAddress", {"a": 1})])
def test_regression_windows_adapter_fields_of_the_wrong_type(field, value):
    """Found by the long run: ``InterfaceDescription: [null]`` raised AttributeError out of
    WindowsAdapter.parse, ``InterfaceGuid: true`` made a snapshot that failed its round trip."""
    from agent.model import Snapshot
    from agent.run import reparse

    doc = {"cvpnDoctor": 1, "adapters": [{"ifIndex": 14, "Name": "WLAN", "Status": "Up", field: value}]}
    raw = RawCapture(platform=Platform.WINDOWS, collected_at="2026-11-28T12:00:00Z",
                     sources=(SourceCapture(id="powershell", kind=SourceKind.COMMAND, text=json.dumps(doc)),))
    snap = reparse(raw)
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap
