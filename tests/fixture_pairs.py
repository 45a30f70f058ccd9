"""One harness for every parser's fixture pairs, and one regeneration switch.

A pair is ``tests/fixtures/<folder>/<kind>--<case>.out`` (a real capture; its source is
recorded in tests/fixtures/SOURCES.md) and ``<kind>--<case>.json`` (what the reader of
``<kind>`` makes of it, reviewed by hand).  :data:`READERS` maps ``(folder, kind)`` to that
reader; tests/test_fixture_pairs.py checks every pair.  To add a pair:

1. save the capture as ``tests/fixtures/<folder>/<kind>--<case>.out`` and record its source;
2. a new kind: add ``(folder, kind): reader`` to :data:`READERS` (a function of the text and
   the path returning plain JSON data);
3. ``CVPN_REGEN_FIXTURES=1 pytest tests/test_fixture_pairs.py -k <case>`` writes the .json;
   read it before committing: it is the parser's claim about a real capture.

The same switch regenerates the rendering goldens (tests/test_render.py).  It is refused
under CI: expectations are written by a person, never by the pipeline that checks them.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest

from agent.model import Family
from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures"
REGEN = "CVPN_REGEN_FIXTURES"

Reader = Callable[[str, Path], Any]


def regenerating() -> bool:
    """True when the expected files are to be (re)written; refused under CI."""
    if os.environ.get(REGEN) != "1":
        return False
    if os.environ.get("CI"):
        pytest.fail(f"{REGEN}=1 is refused under CI: regenerate on your machine and review the diff")
    return True


def check(expected_path: Path, got: Any) -> None:
    """``got`` (JSON data) equals the reviewed ``expected_path``; written first when regenerating."""
    if regenerating() and not (expected_path.exists() and got == json.loads(expected_path.read_text(encoding="utf-8"))):
        # rewritten only when the content differs: a reviewed file keeps its key order
        expected_path.write_text(json.dumps(got, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                 encoding="utf-8")
    assert expected_path.exists(), f"no {expected_path.name}: run with {REGEN}=1 and review what it wrote"
    assert got == json.loads(expected_path.read_text(encoding="utf-8"))


def check_text(expected_path: Path, got: str) -> None:
    """A rendered text (a golden) equals ``expected_path``; written first when regenerating."""
    if regenerating():
        expected_path.write_text(got, encoding="utf-8")
    assert expected_path.exists(), f"missing golden file {expected_path.name}: run with {REGEN}=1"
    assert got == expected_path.read_text(encoding="utf-8")


def _json(data: Any) -> Any:
    """Plain JSON data from a parser's result (records, tuples of records, dicts)."""
    if hasattr(data, "to_dict"):
        return data.to_dict()
    if isinstance(data, (list, tuple)):
        return [_json(d) for d in data]
    return data


# --------------------------------------------------------------------------- Linux

def _linux() -> dict[tuple[str, str], Reader]:
    from platforms import resolved_dbus
    from platforms.parsers import (ifconfig_linux, interfaces, ip_route, nmcli, nsswitch, proc_net_route,
                                   resolv_conf, resolvectl, route_n)

    def route_get(text: str, _p: Path) -> Any:
        addr = json.loads(text)[0]["dst"] if text.lstrip().startswith("[") else text.split()[0]
        return ip_route.parse_route_get(text, addr).to_dict()

    parsers: dict[str, Reader] = {
        "resolv_conf": lambda t, _p: resolv_conf.parse(t),
        "resolvectl": lambda t, _p: resolvectl.parse(t),
        "resolved_dbus": lambda t, _p: resolved_dbus.parse(t),
        "ip_route": lambda t, _p: ip_route.parse(t),
        "ip_route4": lambda t, _p: ip_route.parse(t, Family.INET),
        "ip_route6": lambda t, _p: ip_route.parse(t, Family.INET6),
        "ip_rule": lambda t, _p: ip_route.parse_rules(t),
        "ip_route_get": route_get,
        "proc_net_route": lambda t, _p: proc_net_route.parse(t),
        "nsswitch": lambda t, _p: nsswitch.parse(t),
        "nmcli": lambda t, _p: nmcli.parse(t),
        "route_n": lambda t, _p: route_n.parse(t),
        "ifconfig_linux": lambda t, _p: ifconfig_linux.parse(t),
        "interfaces": lambda t, _p: interfaces.parse(t),
    }
    return {("linux", k): v for k, v in parsers.items()}


# --------------------------------------------------------------------------- macOS

def _macos() -> dict[tuple[str, str], Reader]:
    from platforms.parsers import ifconfig_bsd, netstat_rn, resolv_conf, route_get, scutil_dns, scutil_nwi

    def lookups(text: str, _p: Path) -> Any:       # a paste may hold several lookups: all are read
        found = route_get.parse_all(text)
        return found[0] if len(found) == 1 else found

    return {("macos", "scutil-dns"): lambda t, _p: scutil_dns.parse(t),
            ("macos", "scutil-nwi"): lambda t, _p: scutil_nwi.parse(t),
            ("macos", "netstat-rn"): lambda t, _p: netstat_rn.parse(t),
            ("macos", "route-get"): lookups,
            ("macos", "ifconfig"): lambda t, _p: ifconfig_bsd.parse(t),
            ("macos", "resolv-conf"): lambda t, _p: resolv_conf.parse(t)}


# --------------------------------------------------------------------------- Windows

def _windows() -> dict[tuple[str, str], Reader]:
    from platforms.parsers import ipconfig, nrpt, ps_cmdlets, route_print, win_json

    out: dict[tuple[str, str], Reader] = {
        ("windows", "ipconfig"): lambda t, _p: ipconfig.parse(t),
        ("windows", "route-print"): lambda t, _p: route_print.parse(t),
        ("windows", "powershell"): lambda t, _p: win_json.parse(t),
        ("windows", "winreg-nrpt"): lambda t, _p: nrpt.parse(t),
    }
    for kind in win_json.CMDLET_SOURCES:
        out[("windows", kind)] = lambda t, _p, k=kind: win_json.parse_cmdlet(t, k)
    for kind in ps_cmdlets.SOURCE_IDS:
        out[("windows", kind)] = lambda t, _p, k=kind: ps_cmdlets.parse(t, k)
    return out


# --------------------------------------------------------------------------- VPN clients

def openvpn_log_dict(result) -> dict:
    return {"pushed": result.pushed.to_dict() if result.pushed else None,
            "connected_at": result.connected_at, "disconnected_at": result.disconnected_at,
            "connected": result.connected, "errors": list(result.errors), "filtered": list(result.filtered),
            "unresolvable_endpoint": result.unresolvable_endpoint, "last_event_at": result.last_event_at,
            "device": result.device, "client": result.client.value if result.client else None,
            "saml": result.saml.value if result.saml else None, "profile_name": result.profile_name,
            "pushes": result.pushes, "tunnel_mode": result.tunnel_mode.value, "server_log": result.server_log,
            "skipped": list(result.skipped)}


def aws_vpn_cli_dict(state) -> dict:
    return {"status": state.status, "profile": state.profile, "connected": state.connected,
            "connections": [{"profile": c.profile, "status": c.status} for c in state.connections]}


def _vpn() -> dict[tuple[str, str], Reader]:
    from platforms.parsers import aws_vpn_cli, openvpn_log, ovpn_profile

    def log(text: str, _p: Path) -> Any:
        assert openvpn_log.looks_like(text), "a VPN log fixture must be recognised as one"
        return openvpn_log_dict(openvpn_log.parse(text))

    def profile(text: str, _p: Path) -> Any:
        assert ovpn_profile.looks_like(text), "a profile fixture must be recognised as one"
        return ovpn_profile.parse(text)

    return {("vpn", "openvpn-log"): log, ("vpn", "ovpn-profile"): profile,
            ("vpn", "aws-vpn-cli"): lambda t, _p: aws_vpn_cli_dict(aws_vpn_cli.parse(t))}


# --------------------------------------------------------------------------- the laptop's own evidence

def _local() -> dict[tuple[str, str], Reader]:
    from platforms.base import ParseError
    from platforms.parsers import browser_dns, container_dns, hosts, port53, resolv_conf

    def or_error(fn: Reader) -> Reader:
        def read(text: str, path: Path) -> Any:
            try:
                return fn(text, path)
            except ParseError as err:
                return {"ParseError": str(err)}
        return read

    readers: dict[str, Reader] = {
        "hosts": lambda t, _p: hosts.parse(t),
        "port53-ss": lambda t, _p: port53.parse_ss(t),
        "port53-lsof": lambda t, _p: port53.parse_lsof(t),
        "chrome-policy": lambda t, p: browser_dns.chrome_policy(json.loads(t), "chromium", p.name),
        "local-state": lambda t, p: browser_dns.chrome_local_state(t, "chrome", p.name),
        "firefox-prefs": lambda t, p: browser_dns.firefox_prefs(t, p.name),
        "firefox-policy": lambda t, p: browser_dns.firefox_policy(json.loads(t), p.name),
        "docker-daemon": lambda t, p: container_dns.docker_daemon(t, p.name),
        "wslconfig": lambda t, p: container_dns.wslconfig(t, p.name),
        "wsl-conf": lambda t, p: container_dns.wsl_conf(t, p.name),
        "resolv_conf": lambda t, _p: {"generator": resolv_conf.generator_of(resolv_conf.parse(t).header),
                                      "nameservers": list(resolv_conf.parse(t).nameservers)},
    }
    return {("local", k): or_error(v) for k, v in readers.items()}


# --------------------------------------------------------------------------- tickets (whole pastes)

def ticket_summary(path: Path) -> dict:
    """What `analyze` makes of a whole pasted ticket: the parts and the facts read from them."""
    from agent import analyze

    result = analyze.analyze_path(path)
    snap = result.report.snapshot
    return {
        "parts": [[p.part, p.lines, p.command, p.read_as] for p in result.inputs],
        "platform": result.report.platform.value,
        "facts": {
            "resolvers": sorted({f"{r.address} {r.interface or '-'} {r.scope.value}" for r in snap.dns.resolvers}),
            "default_routes": sorted({f"{r.gateway or '-'} {r.interface or '-'}" for r in snap.routes
                                      if r.destination in ("0.0.0.0/0", "::/0") and not r.scoped}),
            "tunnel_interfaces": sorted(snap.vpn.tunnel_interfaces),
            "tunnel_mode": snap.vpn.mode.value,
            "search_domains": list(snap.dns.search_domains),
            "route_lookups": sorted(f"{lk.address} {lk.interface or '-'}" for lk in snap.route_lookups),
        },
    }


def _ticket() -> dict[tuple[str, str], Reader]:
    return {("ticket", "ticket"): lambda _t, p: ticket_summary(p)}


READERS: dict[tuple[str, str], Reader] = {**_linux(), **_macos(), **_windows(), **_vpn(), **_local(), **_ticket()}
FOLDERS = sorted({folder for folder, _kind in READERS})


def kind_of(path: Path) -> tuple[str, str]:
    return path.parent.name, path.name.split("--", 1)[0]


def pairs() -> list[Path]:
    """Every capture of every folder the harness reads (the tests check each has a reader)."""
    return sorted(p for folder in FOLDERS for p in (FIXTURES / folder).glob("*.out"))


def read(path: Path) -> Any:
    """What the reader of the capture's kind makes of it, as JSON data."""
    reader = READERS[kind_of(path)]
    return json.loads(json.dumps(_json(reader(path.read_text(encoding="utf-8"), path)), ensure_ascii=False))


class KeyedGolden:
    """One JSON file of recorded results keyed by case (tests/golden/diagnosis.json, facts.json):
    ``compute(key)`` gives a key's result now; the file holds what a person reviewed.  Read once
    per process; rewritten with the one switch (refused under CI)."""

    def __init__(self, path: Path, keys: list[str], compute: Callable[[str], Any]) -> None:
        self.path, self.keys, self.compute = path, keys, compute
        self._recorded: dict | None = None

    def recorded(self) -> dict:
        if self._recorded is None:
            self._recorded = json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}
        return self._recorded

    def regenerate_if_asked(self) -> None:
        if not regenerating():
            return
        self.path.write_text(json.dumps({k: self.compute(k) for k in self.keys}, indent=1, ensure_ascii=False,
                                        sort_keys=True) + "\n", encoding="utf-8")
        self._recorded = None

    def check_keys(self) -> None:
        assert sorted(self.recorded()) == sorted(self.keys), f"rewrite with {REGEN}=1 and review the diff"

    def check(self, key: str) -> None:
        recorded = self.recorded().get(key)
        assert recorded is not None, f"{key}: not recorded"
        assert self.compute(key) == recorded
