"""Recognise pasted command outputs, logs and profiles by their content (not their file name).

An explicit registry (no string imports: PyInstaller must see every module) of
``(source_id, platform, looks_like)``: the first recogniser whose ``looks_like(text)`` is true
names the source id the platform adapter's ``parse`` reads the text as.  ``platform`` None
means the text is the same on every OS (VPN log, profile) or on several (resolv.conf);
``analyze`` then decides the platform from the other files, with ``--platform`` as a tie-break.

Order matters: specific formats come first, loose ones (resolv.conf, ``ip route`` text) last.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Callable

from agent.model import Platform
from platforms.parsers import (aws_vpn_cli, ifconfig_bsd, interfaces, ip_route, ipconfig, netstat_rn, nmcli, nrpt,
                               nsswitch, openvpn_log, ovpn_profile, proc_net_route, ps_cmdlets, resolv_conf, resolvectl,
                               route_get, route_print, scutil_dns, scutil_nwi, win_json)

LooksLike = Callable[[str], object]


def _ip_rule_looks_like(text: str) -> bool:
    """``ip -j rule`` (JSON objects with a priority) or ``ip rule`` text (``0:\tfrom all lookup local``)."""
    s = text.lstrip()
    if s.startswith("["):
        return '"priority"' in s[:2000] and '"table"' in s[:2000]
    return bool(re.search(r"^\d+:\s+(?:not\s+)?from\s+\S+.*\blookup\b", text, re.M))


# (source id, platform or None, content test) -- first match wins.
RECOGNISERS: tuple[tuple[str, Platform | None, LooksLike], ...] = (
    ("vpn-profile", None, ovpn_profile.looks_like),
    ("powershell", Platform.WINDOWS, win_json.looks_like),         # refined to the cmdlet's source id
    ("ps-text", Platform.WINDOWS, ps_cmdlets.looks_like),          # refined: ps-dnsclientserveraddress, ps-netroute, ...
    ("winreg-nrpt", Platform.WINDOWS, nrpt.looks_like),
    ("aws-vpn-client-status", None, aws_vpn_cli.looks_like),       # after PowerShell's JSON (adapters have a Status)
    ("ipconfig", Platform.WINDOWS, ipconfig.looks_like),
    ("route-print", Platform.WINDOWS, route_print.looks_like),
    ("scutil-dns", Platform.MACOS, scutil_dns.looks_like),
    ("scutil-nwi", Platform.MACOS, scutil_nwi.looks_like),
    ("netstat-inet", Platform.MACOS, netstat_rn.looks_like),       # refined to netstat-inet6
    ("route-get:", Platform.MACOS, route_get.looks_like),          # refined to route-get:ADDR
    ("ifconfig", Platform.MACOS, ifconfig_bsd.looks_like),
    ("resolvectl", Platform.LINUX, resolvectl.looks_like),
    ("nmcli", Platform.LINUX, nmcli.looks_like),
    ("interfaces", Platform.LINUX, interfaces.looks_like),
    ("proc-net-route", Platform.LINUX, proc_net_route.looks_like),
    ("nsswitch.conf", Platform.LINUX, nsswitch.looks_like),
    ("vpn-log", None, openvpn_log.looks_like),                      # refined: vpn-client-log, vpn-dns-log
    ("ip-rule", Platform.LINUX, _ip_rule_looks_like),
    ("ip-route", Platform.LINUX, ip_route.looks_like),             # refined: -4/-6 JSON, text, route get
    ("resolv.conf", None, resolv_conf.looks_like),
)


@dataclass(frozen=True, slots=True)
class Recognised:
    source_id: str
    platform: Platform | None


def _ip_route_id(text: str) -> str:
    """``ip -j route`` (IPv4 or IPv6 table), ``ip -j route get ADDR``, or ``ip route`` text."""
    s = text.lstrip()
    if not s.startswith("["):
        m = re.match(r"^\s*(\S+)\s+(?:via\s+\S+\s+)?dev\s+\S+.*\bcache\b", s, re.S)
        if m and "/" not in m.group(1) and m.group(1) != "default" and len(s.splitlines()) <= 3:
            return f"route-get:{m.group(1)}"
        return "ip-route-text"
    try:
        data = json.loads(s)
    except ValueError:
        return "ip-route"
    # `ip -j route get` answers one route for one host address; a table has prefixes.
    if (isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)
            and "/" not in str(data[0].get("dst", "/")) and data[0].get("dst") != "default"):
        return f"route-get:{data[0]['dst']}"
    dsts = [str(r.get("dst", "")) for r in data if isinstance(r, dict)] if isinstance(data, list) else []
    if dsts and all(":" in d for d in dsts if d not in ("default", "")):
        return "ip-route6" if any(":" in d for d in dsts) else "ip-route"
    return "ip-route"


def _refine(source_id: str, text: str, hit: object) -> str:
    if source_id in ("powershell", "ps-text", "vpn-log") and isinstance(hit, str):
        return hit
    if source_id == "netstat-inet" and re.search(r"^[^\S\n]*Internet6:\s*$", text, re.M) \
            and not re.search(r"^[^\S\n]*Internet:\s*$", text, re.M):
        return "netstat-inet6"
    if source_id == "route-get:":
        return "route-get:" + (route_get.address_of(text) or "unknown")
    if source_id == "ip-route":
        return _ip_route_id(text)
    return source_id


def recognise(text: str) -> Recognised | None:
    """What ``text`` is (source id and platform), or None when no recogniser knows it."""
    if not text or not text.strip():
        return None
    for source_id, platform, looks_like in RECOGNISERS:
        try:
            hit = looks_like(text)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            continue  # a sniffer choking on foreign input means "not mine"
        if hit:
            return Recognised(_refine(source_id, text, hit), platform)
    return None
