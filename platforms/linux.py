"""The Linux adapter: DNS configuration (resolv.conf, systemd-resolved, nsswitch), routes
(iproute2 JSON, its text form, or /proc/net/route), interfaces (psutil), and the kernel's
route to every nameserver.

``collect(env, addresses)`` only reads and runs (through ``env``; never raises for one
source).  ``parse(raw)`` is pure and never raises: a source that failed or could not be
parsed becomes a CollectionError and the rest of the snapshot is still built.

Source ids (stable: bundles and ``analyze`` use them):

=====================  ===========================================================
``resolv.conf``        /etc/resolv.conf
``resolv.conf-link``   where /etc/resolv.conf points (readlink), JSON
``nsswitch.conf``      /etc/nsswitch.conf
``os-release``         /etc/os-release
``resolved-dbus``      systemd-resolved Manager + per-link properties over D-Bus, JSON
``resolvectl``         ``resolvectl status`` (only when D-Bus failed)
``interfaces``         psutil net_if_addrs + net_if_stats, JSON
``ip-route``           ``ip -j -4 route show table all``
``ip-route6``          ``ip -j -6 route show table all``
``ip-rule``            ``ip -j rule show``
``ip-route-text``      ``ip route show table all`` (old iproute2 without -j)
``ip-rule-text``       ``ip rule show`` (with ip-route-text)
``proc-net-route``     /proc/net/route (no ``ip`` at all)
``route-targets``      the addresses a route lookup was wanted for, JSON
``route-get:ADDR``     ``ip -j route get ADDR`` per nameserver and extra address
``route-n``            pasted only: net-tools ``route -n`` / ``netstat -rn`` table
``route-names``        pasted only: the same printed without ``-n`` (``route``, ``netstat -r``)
``nmcli``              pasted only: ``nmcli device show`` (any layout, ``-t`` too)
``ifconfig``           pasted only: net-tools ``ifconfig`` (old and 2.10 layouts)
=====================  ===========================================================

Pasted outputs are read for what they show and no more: a table a poster masked a row of
loses that row (traced), not the table; ``resolvectl status`` without a resolv.conf gives
every per-link server with its scope, and says that whether glibc asks systemd-resolved
was not captured; ``nmcli`` gives devices, their routes and per-device DNS servers.

Who manages DNS is decided Tailscale-style (``net/dns/manager_linux.go`` dnsMode,
resolvOwner, resolvedIsActuallyResolver): the resolv.conf header, the symlink target,
the 127.0.0.53 stub, nsswitch ``resolve`` and whether resolved answers; each step goes
to the trace (``dns: rc=resolved link=... stub=yes nss=files,resolve,dns resolved=dbus
ret=systemd-resolved``).
"""
from __future__ import annotations

import errno
import ipaddress
import json
import logging
import os
from dataclasses import replace
from enum import Enum
from functools import partial
from typing import Iterable

from agent.model import (DnsConfig, DnsManager, Evidence, Family, Interface, LinkSearch, Platform,
                         RawCapture, Resolver, ResolverScope, Route, RouteLookup, Snapshot, SourceCapture, VpnEvidence, ip_of)
from platforms import resolved_dbus
from agent.routing import RouteTable
from agent import source_ids as sid
from platforms.base import Env, Hook, ParseError, ParseRun, Source, api_capture, capture_concurrently, capture_source
from platforms.parsers import interfaces as interfaces_parser
from platforms.parsers import ifconfig_linux, ip_route, nmcli, nsswitch, proc_net_route, resolv_conf, resolvectl, route_n
from platforms.parsers.resolvectl import ResolvedLink, ResolvedState
from platforms.tunnel import detect_tunnel, interface_kind

log = logging.getLogger(__name__)

RESOLV_CONF = "/etc/resolv.conf"


class IpMode(Enum):
    """How ``ip`` answered at collection: JSON (``ip -j``), text only (old iproute2), or not
    at all (then /proc/net/route is read and the route lookups come from that table)."""
    JSON = "json"
    TEXT = "text"
    MISSING = "missing"


def _source_argv_route_get(address: str, json_ok: bool, ifnames: dict[str, str] | None = None) -> tuple[str, ...]:
    addr, _, zone = address.partition("%")
    base: tuple[str, ...] = ("ip", "-j") if json_ok else ("ip",)
    if ":" in addr:
        base += ("-6",)
    argv = base + ("route", "get", addr)
    # `ip route get` takes no zone id: a link-local server is asked for via its interface
    # (resolved writes the zone as an ifindex, `oif` wants the name)
    return argv + ("oif", (ifnames or {}).get(zone, zone)) if zone else argv


def _ifname(index: str) -> str:
    import socket

    try:
        return socket.if_indextoname(int(index))
    except (OSError, ValueError):
        return index


def _ran(cap: SourceCapture | None) -> bool:
    return cap is not None and cap.text is not None and cap.exit_code == 0


def _not_runnable(cap: SourceCapture | None) -> bool:
    """The command could not run at all (missing binary, timeout, no permission)."""
    return cap is not None and cap.text is None and cap.exit_code is None


def _json_list(text: str | None) -> bool:
    try:
        return isinstance(json.loads(text or ""), list)
    except ValueError:
        return False


def _read_link(env: Env) -> dict:
    readlink = env.hook(Hook.READLINK, os.readlink)
    try:
        target = readlink(RESOLV_CONF)
    except OSError as err:
        if err.errno == errno.EINVAL:          # a regular file, not a symlink
            return {"path": RESOLV_CONF, "target": None, "resolved": None}
        raise
    resolved = os.path.normpath(os.path.join(os.path.dirname(RESOLV_CONF), target))
    return {"path": RESOLV_CONF, "target": target, "resolved": resolved}


def _valid_address(text: str) -> str | None:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return text


class LinuxAdapter:
    """Linux: resolv.conf + systemd-resolved + iproute2 + psutil."""

    platform = Platform.LINUX

    def __init__(self, command_timeout_s: float = 3.0, dbus_timeout_s: float = 2.0) -> None:
        self.command_timeout_s = command_timeout_s
        self.dbus_timeout_s = dbus_timeout_s
        t = command_timeout_s
        self.sources: tuple[Source, ...] = (
            Source(sid.RESOLV_CONF, path=RESOLV_CONF),
            Source(sid.NSSWITCH_CONF, path="/etc/nsswitch.conf", optional=True),
            Source(sid.OS_RELEASE, path="/etc/os-release", optional=True),
            Source(sid.RESOLVECTL, argv=("resolvectl", "status", "--no-pager"), timeout_s=t, optional=True),
            Source(sid.IP_ROUTE, argv=("ip", "-j", "-4", "route", "show", "table", "all"), timeout_s=t),
            Source(sid.IP_ROUTE6, argv=("ip", "-j", "-6", "route", "show", "table", "all"), timeout_s=t),
            Source(sid.IP_RULE, argv=("ip", "-j", "rule", "show"), timeout_s=t),
            Source(sid.IP_ROUTE_TEXT, argv=("ip", "route", "show", "table", "all"), timeout_s=t, optional=True),
            Source(sid.IP_RULE_TEXT, argv=("ip", "rule", "show"), timeout_s=t, optional=True),
            Source(sid.PROC_NET_ROUTE, path="/proc/net/route", optional=True),
        )
        self._by_id = {s.id: s for s in self.sources}

    # ------------------------------------------------------------------ collect

    def collect(self, env: Env, addresses: Iterable[str] = ()) -> RawCapture:
        return self.collect_rest(env, self.collect_dns(env), addresses)

    def collect_dns(self, env: Env) -> tuple[SourceCapture, ...]:
        """The sources that name the nameservers, read first (run.diagnose starts probing
        them while the rest is collected): resolv.conf, its symlink, nsswitch,
        os-release, and systemd-resolved over D-Bus (resolvectl when D-Bus fails)."""
        caps = [capture_source(self._by_id[sid.RESOLV_CONF], env),
                api_capture(sid.RESOLV_CONF_LINK, f"readlink {RESOLV_CONF}", partial(_read_link, env)),
                capture_source(self._by_id[sid.NSSWITCH_CONF], env),
                capture_source(self._by_id[sid.OS_RELEASE], env)]
        dbus_read = env.hook(Hook.RESOLVED_DBUS) or partial(resolved_dbus.read, self.dbus_timeout_s)
        dbus = api_capture(sid.RESOLVED_DBUS, "systemd-resolved D-Bus read", dbus_read)
        caps.append(dbus)
        if dbus.error:
            caps.append(capture_source(self._by_id[sid.RESOLVECTL], env))
        return tuple(caps)

    def collect_rest(self, env: Env, first: Iterable[SourceCapture], addresses: Iterable[str] = ()) -> RawCapture:
        """Everything after ``collect_dns``: interfaces, routes, rules, and the kernel's
        route to every nameserver in ``first`` and to each of ``addresses``."""
        caps: list[SourceCapture] = list(first)

        def run(source_id: str) -> SourceCapture:
            cap = capture_source(self._by_id[source_id], env)
            caps.append(cap)
            return cap

        caps.append(api_capture(sid.INTERFACES, "psutil interface read",
                                env.hook(Hook.INTERFACES) or interfaces_parser.read_psutil))

        route = run(sid.IP_ROUTE)
        if _ran(route) and _json_list(route.text):
            # Modern iproute2: the IPv6 table, the rules and the route to each server do not
            # depend on each other: run them at once (same captures, in the same order).
            targets = self._route_targets(caps, addresses)
            ifnames = self._ifnames(caps, targets)
            gets = [Source(sid.route_get(addr), argv=_source_argv_route_get(addr, True, ifnames),
                           timeout_s=self.command_timeout_s) for addr in targets]
            found = capture_concurrently([self._by_id[sid.IP_ROUTE6], self._by_id[sid.IP_RULE], *gets], env)
            caps.extend(found[:2])
            caps.append(api_capture(sid.ROUTE_TARGETS, "addresses to look up routes for",
                                    lambda: {"addresses": list(targets)}))
            caps.extend(found[2:])
            return RawCapture(platform=self.platform, collected_at=env.clock(), sources=tuple(caps))
        if _not_runnable(route):
            ip_mode = IpMode.MISSING
        else:
            text = run(sid.IP_ROUTE_TEXT)
            ip_mode = IpMode.MISSING if _not_runnable(text) else IpMode.TEXT
            if ip_mode is IpMode.TEXT:
                run(sid.IP_RULE_TEXT)
        if ip_mode is IpMode.MISSING:
            run(sid.PROC_NET_ROUTE)

        targets = self._route_targets(caps, addresses)
        ifnames = self._ifnames(caps, targets)
        caps.append(api_capture(sid.ROUTE_TARGETS, "addresses to look up routes for",
                                lambda: {"addresses": list(targets)}))
        if ip_mode is not IpMode.MISSING:
            for addr in targets:
                src = Source(sid.route_get(addr), argv=_source_argv_route_get(addr, ip_mode is IpMode.JSON, ifnames),
                             timeout_s=self.command_timeout_s)
                caps.append(capture_source(src, env))
        return RawCapture(platform=self.platform, collected_at=env.clock(), sources=tuple(caps))

    @staticmethod
    def _ifnames(caps: list[SourceCapture], targets: tuple[str, ...]) -> dict[str, str]:
        """Numeric zone ids (ifindex) to interface names: from resolved's links, else the OS."""
        by_id = {c.id: c for c in caps}
        state = _resolved_state(by_id.get(sid.RESOLVED_DBUS), by_id.get(sid.RESOLVECTL))[0]
        names = {str(link.index): link.name for link in (state.links if state else ()) if link.name}
        for addr in targets:
            zone = addr.partition("%")[2]
            if zone.isdigit() and zone not in names:
                names[zone] = _ifname(zone)
        return names

    @staticmethod
    def _route_targets(caps: list[SourceCapture], extra: Iterable[str]) -> tuple[str, ...]:
        """Every nameserver seen (resolv.conf, resolved) and every extra address, loopback
        stubs left out (their route is `lo`, which tells nothing)."""
        found: list[str] = []
        by_id = {c.id: c for c in caps}
        rc = by_id.get(sid.RESOLV_CONF)
        if rc is not None and rc.text:
            try:
                found.extend(resolv_conf.parse(rc.text).nameservers)
            except ParseError:
                pass
        state = _resolved_state(by_id.get(sid.RESOLVED_DBUS), by_id.get(sid.RESOLVECTL))[0]
        if state is not None:
            for link in (state.global_,) + state.links:
                found.extend(s.address for s in link.servers)
        found.extend(str(a).strip() for a in extra)
        out: list[str] = []
        for addr in found:
            if _valid_address(addr) is None or ip_of(addr).is_loopback or addr in out:
                continue
            out.append(addr)
        return tuple(out)

    # ------------------------------------------------------------------ parse

    def parse(self, raw: RawCapture) -> Snapshot:
        return _Parse(raw).snapshot()


# --------------------------------------------------------------------------- parse helpers


def _resolved_state(dbus: SourceCapture | None, text: SourceCapture | None) -> tuple[ResolvedState | None, str]:
    """resolved's state from D-Bus, else from resolvectl; and a word on how it went."""
    notes = []
    if dbus is not None and dbus.text is not None:
        try:
            return resolved_dbus.parse(dbus.text), "dbus"
        except ParseError as err:
            notes.append(f"dbus unreadable ({err})")
    elif dbus is not None:
        notes.append(f"dbus: {dbus.error}")
    if text is not None and text.text and text.text.strip():
        try:
            return resolvectl.parse(text.text), sid.RESOLVECTL
        except ParseError as err:
            notes.append(f"resolvectl unreadable ({err})")
    elif text is not None:
        notes.append(f"resolvectl: {text.error or 'no output'}")
    return None, "; ".join(notes) or "not collected"


# The parts of a Linux snapshot, in the order their errors and trace lines are listed (any
# order of computing them gives the same snapshot: each asks for the parts it needs).
_STAGES = ("os-release", "interfaces", "nmcli", "routes", "nmcli-routes", "ip-rule", "interface-names", "dns",
           "route-get", "tunnel")


class _Parse(ParseRun):
    """One pure parse of a Linux RawCapture.  Each part of the snapshot is a method that
    computes it once (a ParseRun stage) and asks for the parts it depends on: the routes
    for the interface names and the route lookups, nmcli's devices for the routes, the
    interfaces and DNS.  No part relies on another having been computed before it."""

    PARTS = ("os_release", "interfaces", "devices", "routes", "rules", "dns", "lookups", "vpn")

    def __init__(self, raw: RawCapture) -> None:
        super().__init__(raw, _STAGES)

    def snapshot(self, order: Iterable[str] = PARTS) -> Snapshot:
        """The snapshot; ``order`` (names from PARTS) only says which parts are computed
        first, which changes nothing (a test checks it)."""
        for part in (*order, *self.PARTS):     # every part, the rules too (they only trace)
            getattr(self, part)()
        return Snapshot(platform=Platform.LINUX, collected_at=self.raw.collected_at, os_release=self.os_release(),
                        interfaces=tuple(self.interfaces()), routes=tuple(self.routes()),
                        route_lookups=tuple(self.lookups()), dns=self.dns(), vpn=self.vpn(), errors=self.errors,
                        trace=self.trace_lines, captured=self.evidence)

    # -- the parts, each computed once, on demand ---------------------------------

    def os_release(self) -> str:
        return self.stage("os-release", self._os_release) or ""

    def inventory(self) -> tuple[Interface, ...]:
        """The interface inventory (psutil, or a pasted ifconfig)."""
        return self.stage("interfaces", self._interfaces) or ()

    def devices(self) -> tuple:
        """NetworkManager's devices (a pasted ``nmcli device show``)."""
        return self.stage("nmcli", self._nmcli) or ()

    def table(self) -> tuple[Route, ...]:
        """The routing table as captured (ip -j, ip text, /proc/net/route, pasted tables)."""
        return self.stage("routes", self._routes) or ()

    def routes(self) -> tuple[Route, ...]:
        """The routing table, else the routes nmcli lists."""
        table = self.table()
        if table or not self.devices():
            return table
        return self.stage("nmcli-routes", self._nmcli_routes) or ()

    def rules(self) -> None:
        self.stage("ip-rule", self._rules)

    def interfaces(self) -> tuple[Interface, ...]:
        """The inventory, else the names nmcli, the routes and resolved's links use."""
        return self.inventory() or self.stage("interface-names", self._interfaces_from_names) or ()

    def dns(self) -> DnsConfig:
        return self.stage("dns", self._dns) or DnsConfig()

    def lookups(self) -> tuple[RouteLookup, ...]:
        return self.stage("route-get", self._lookups) or ()

    def vpn(self) -> VpnEvidence:
        return self.stage("tunnel", self._tunnel) or VpnEvidence()

    @property
    def ip_missing(self) -> bool:
        """No usable ``ip``: collect read /proc/net/route, and the route lookups come from it."""
        return self.raw.get(sid.PROC_NET_ROUTE) is not None

    def _tunnel(self) -> VpnEvidence:
        vpn = detect_tunnel(self.interfaces(), self.routes())
        self.trace_all("tunnel", vpn.reasons)
        return vpn

    # -- os-release, interfaces -------------------------------------------------

    def _os_release(self) -> str:
        text = self.text(sid.OS_RELEASE, "the distribution is unknown", required=False)
        values = {}
        for line in (text or "").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                values[key.strip()] = value.strip().strip('"').strip("'")
        return values.get("PRETTY_NAME") or values.get("NAME") or ""

    def _interfaces(self) -> tuple[Interface, ...]:
        if self.raw.get(sid.INTERFACES) is None and self.raw.get(sid.IFCONFIG) is not None:
            return self.pasted_ifconfig()
        found = self.parse(sid.INTERFACES, interfaces_parser.parse, "the interface inventory",
                           consequence="interfaces (and so tunnel interfaces) are unknown",
                           unreadable=lambda err: f"interface inventory unreadable ({err}): tunnel interfaces "
                                                  "are unknown")
        if found is None:
            return ()
        self.capture(Evidence.INTERFACES)
        return found

    def pasted_ifconfig(self) -> tuple[Interface, ...]:
        """A pasted net-tools ``ifconfig`` (``-a`` or not: without it only the interfaces
        that are up are listed, which is what tunnel detection needs)."""
        text = self.text(sid.IFCONFIG, "interfaces are unknown", required=False)
        if not text:
            return ()
        try:
            found = ifconfig_linux.parse(text)
        except ParseError as err:
            self.error(sid.IFCONFIG, f"ifconfig output unreadable ({err}): interfaces are unknown")
            return ()
        self.capture(Evidence.INTERFACES)
        self.trace("interfaces", f"{len(found)} from a pasted ifconfig: " + ", ".join(i.name for i in found))
        return found

    def _interfaces_from_names(self) -> tuple[Interface, ...]:
        """No interface inventory: the devices nmcli listed (with kind, state, addresses),
        then the names the routing table and systemd-resolved's links use."""
        out: dict[str, Interface] = {i.name: i for i in nmcli.interfaces(self.devices())}
        if out:
            # NetworkManager lists every device it knows, managed or not: an interface list
            self.capture(Evidence.INTERFACES)
            self.trace("interfaces", "inventory unavailable; devices taken from nmcli: " + ", ".join(out))
        from_routes = [r.interface for r in self.routes() if r.interface and r.interface not in out]
        for name in dict.fromkeys(from_routes):
            out[name] = Interface(name=name, kind=interface_kind(name))
        if from_routes:
            self.trace("interfaces", "inventory unavailable; interface names taken from the routing table")
        state, _how = _resolved_state(self.raw.get(sid.RESOLVED_DBUS), self.raw.get(sid.RESOLVECTL))
        from_resolved = [link for link in (state.links if state else ()) if link.name and link.name not in out]
        for link in from_resolved:
            out[link.name] = Interface(name=link.name, index=link.index, kind=interface_kind(link.name))
        if from_resolved:
            self.trace("interfaces", "names taken from systemd-resolved's links: "
                                     + ", ".join(link.name for link in from_resolved))
        return tuple(out.values())

    # -- nmcli (pasted) -------------------------------------------------------

    def _nmcli(self) -> tuple:
        cap = self.raw.get(sid.NMCLI)
        if cap is None or not cap.text:
            return ()
        device = None
        words = [w for w in cap.argv if not w.startswith("-")]
        words = words[:words.index("|")] if "|" in words else words       # `... show tun0 | grep DNS`
        if len(words) >= 4 and words[-2] in ("show", "s", "sh"):          # `nmcli -f IP4 dev show tun0`
            device = words[-1]
        try:
            devices = nmcli.parse(cap.text, device=device)
        except ParseError as err:
            self.error(sid.NMCLI, f"`nmcli device show` output unreadable ({err})")
            return ()
        for dev in devices:
            dns = ", ".join(dev.ip4_dns + dev.ip6_dns) or "-"
            self.trace(sid.NMCLI, f"{dev.device or '(device not named)'} type={dev.type or '?'} "
                                  f"state={dev.state or '?'} dns={dns} gateway={dev.ip4_gateway or '-'}")
        return devices

    def _nmcli_routes(self) -> tuple[Route, ...]:
        found = nmcli.routes(self.devices())
        if found:
            self.trace("routes", f"no routing table captured; {len(found)} route(s) from nmcli "
                                 "(NetworkManager's own routes only: routes a VPN client added by hand are not listed)")
        return found

    # -- routes ---------------------------------------------------------------

    def pasted_table(self) -> list[Route]:
        """net-tools ``route -n`` / ``netstat -rn`` (or without -n), as pasted."""
        numeric, named = self.raw.get(sid.ROUTE_N), self.raw.get(sid.ROUTE_NAMES)
        cap = numeric if numeric is not None and numeric.text else named
        if cap is None or not cap.text:
            return []
        if cap is numeric and named is not None:
            self.trace("routes", "`route`/`netstat -r` output with names ignored: the `route -n` table was read")
        try:
            table = route_n.parse(cap.text)
        except ParseError as err:
            self.error(cap.id, f"routing table unreadable ({err}): routes are unknown")
            return []
        for line in table.skipped:
            self.trace(cap.id, f"{line} skipped")
        for row in table.rows:
            if row.gateway_name:
                self.trace(cap.id, f"gateway of {row.cidr} printed as the name {row.gateway_name!r}: "
                                   "its address is unknown")
        self.trace("routes", f"{len(table.rows)} from the net-tools table ({cap.id})")
        families = {row.family for row in table.rows}
        self.capture(Evidence.ROUTES)      # the IPv4 table was printed, even if empty
        if Family.INET6 in families or "Kernel IPv6" in cap.text:
            self.capture(Evidence.ROUTES6)
        out = []
        for row in table.rows:
            try:
                out.append(row.to_route())
            except ValueError as err:
                self.trace(cap.id, f"row {row.destination!r} skipped ({err})")
        return out

    def _routes(self) -> tuple[Route, ...]:
        routes: list[Route] = []
        text_cap = self.raw.get(sid.IP_ROUTE_TEXT)
        proc_cap = self.raw.get(sid.PROC_NET_ROUTE)
        route_cap = self.raw.get(sid.IP_ROUTE)
        pasted = self.raw.get(sid.ROUTE_N) is not None or self.raw.get(sid.ROUTE_NAMES) is not None
        if proc_cap is None and text_cap is None and route_cap is None and self.raw.get(sid.IP_ROUTE6) is None and pasted:
            routes.extend(self.pasted_table())
            pasted = False
        elif proc_cap is not None:
            why = route_cap.error if route_cap is not None else "ip was not run"
            if text_cap is not None and text_cap.error:
                why = text_cap.error
            self.error(sid.IP_ROUTE, f"{why}: routes come from /proc/net/route (IPv4 main table only, "
                                   "no IPv6, no policy rules) and route lookups from that table")
            text = self.text(sid.PROC_NET_ROUTE, "the routing table is unknown")
            if text is not None:
                try:
                    found = proc_net_route.parse(text)
                    routes.extend(found)
                    self.trace_all(sid.PROC_NET_ROUTE, (f"{line} skipped" for line in getattr(found, "skipped", ())))
                    self.capture(Evidence.ROUTES)
                    self.trace("routes", f"{len(routes)} from /proc/net/route (ip unavailable)")
                except ParseError as err:
                    self.error(sid.PROC_NET_ROUTE, f"/proc/net/route unreadable ({err}): routes are unknown")
        elif text_cap is not None:
            if route_cap is not None:
                self.trace("routes", f"`ip -j` unusable ({route_cap.error or 'output is not JSON'}); "
                                     "using `ip route show table all` text")
            text = self.text(sid.IP_ROUTE_TEXT, "the routing table is unknown")
            if text is not None:
                try:
                    found = ip_route.parse(text)
                except ParseError as err:
                    self.error(sid.IP_ROUTE_TEXT, f"`ip route` output unreadable ({err}): routes are unknown")
                else:
                    routes.extend(found)
                    # `ip route` shows one family: IPv4 unless every route is IPv6
                    families = {r.family for r in found} or {Family.INET}
                    self.capture(*(Evidence.ROUTES6 if f is Family.INET6 else Evidence.ROUTES for f in families))
        else:
            for source_id, family in ((sid.IP_ROUTE, Family.INET), (sid.IP_ROUTE6, Family.INET6)):
                label = "IPv4" if family is Family.INET else "IPv6"
                cap = self.raw.get(source_id)
                if cap is not None and cap.error and not (cap.text or "").strip():
                    if family is Family.INET6 and "not supported" in (cap.stderr or ""):
                        self.trace("routes", "IPv6 is disabled in the kernel (no IPv6 routes)")
                        self.capture(Evidence.ROUTES6)
                    else:
                        self.error(source_id, f"{cap.error}: {label} routes are unknown")
                    continue
                text = self.text(source_id, f"{label} routes are unknown")
                if text is None:
                    continue
                try:
                    found = ip_route.parse(text, family)
                except ParseError as err:
                    self.error(source_id, f"`ip -j route` output unreadable ({err}): {label} routes are unknown")
                    continue
                routes.extend(found)
                self.capture(Evidence.ROUTES if family is Family.INET else Evidence.ROUTES6)
        if pasted:
            # a paste with `ip route show table 101` and `route -n` (the main table): both
            seen = {(r.destination, r.gateway, r.interface) for r in routes}
            extra = [r for r in self.pasted_table() if (r.destination, r.gateway, r.interface) not in seen]
            if extra:
                self.trace("routes", f"{len(extra)} more from the pasted net-tools table")
            routes.extend(extra)
        unique = list(dict.fromkeys(routes))
        for r in unique:
            # Cheap tests first; parsers write canonical CIDR, so only "/0" can be a default.
            if (r.type == "unicast" and r.table in ("main", "254") and r.destination.endswith("/0")
                    and r.network.prefixlen == 0):
                via = f" via {r.gateway}" if r.gateway else ""
                metric = f" metric {r.metric}" if r.metric is not None else ""
                self.trace("routes", f"default ({r.family}){via} dev {r.interface}{metric}")
        return tuple(unique)

    def _rules(self) -> None:
        source_id = sid.IP_RULE_TEXT if self.raw.get(sid.IP_RULE_TEXT) is not None else sid.IP_RULE
        text = self.text(source_id, "policy-routing rules are unknown", required=False)
        if text is None:
            return
        try:
            rules = ip_route.parse_rules(text)
        except ParseError as err:
            self.error(source_id, f"`ip rule` output unreadable ({err}): policy rules are unknown")
            return
        extra = [r for r in rules if not r.is_default]
        if not extra:
            self.trace("routes", "only the default policy rules (local, main, default)")
        for r in extra:
            note = " (packets without that mark do not use it: `ip route get` may not show the tunnel path)" \
                if r.fwmark else ""
            self.trace("routes", f"policy rule {r.describe()}{note}")

    # -- DNS ------------------------------------------------------------------

    def _dns(self) -> DnsConfig:
        devices = self.devices()
        rc = None
        rc_text = self.text(sid.RESOLV_CONF, "the nameservers programs read from /etc/resolv.conf are unknown")
        if rc_text is not None:
            try:
                rc = resolv_conf.parse(rc_text)
            except ParseError as err:
                self.error(sid.RESOLV_CONF, f"/etc/resolv.conf is not a valid resolv.conf ({err}): "
                                          "the nameservers programs read from it are unknown")
            if rc is not None and rc.invalid:
                self.error(sid.RESOLV_CONF, "/etc/resolv.conf has lines the resolver ignores: "
                                          + "; ".join(rc.invalid[:5]))
        link_target = None
        link_text = self.text(sid.RESOLV_CONF_LINK, "whether /etc/resolv.conf is a symlink is unknown", required=False)
        if link_text:
            try:
                link = json.loads(link_text)
                link_target = link.get("resolved") or link.get("target")
            except (ValueError, AttributeError):
                self.trace(sid.RESOLV_CONF_LINK, "unreadable")
        nss = None
        nss_text = self.text(sid.NSSWITCH_CONF, "whether glibc asks systemd-resolved is unknown", required=False)
        if nss_text is not None:
            try:
                nss = nsswitch.parse(nss_text)
            except ParseError as err:
                self.trace(sid.NSSWITCH_CONF, f"unreadable ({err})")
        state, how = _resolved_state(self.raw.get(sid.RESOLVED_DBUS), self.raw.get(sid.RESOLVECTL))

        # --- the decision (Tailscale dnsMode / resolvOwner / resolvedIsActuallyResolver)
        owner = rc.owner if rc else None
        link_resolved = bool(link_target and "/systemd/resolve/" in link_target)
        stub = bool(rc and rc.stub)
        nss_resolve = bool(nss and nss.resolve_before_dns)
        stub_link = bool(link_target and link_target.endswith("/stub-resolv.conf"))
        # the file's content is the evidence (tailscale#2136); the symlink only when it is unreadable
        resolved_is_resolver = stub or (rc is None and stub_link) or (nss_resolve and state is not None)
        if rc and rc.openvpn_blocks:
            manager = DnsManager.OPENVPN_SCRIPT
        elif owner == "systemd-resolved" or link_resolved:
            manager = DnsManager.SYSTEMD_RESOLVED
        elif resolved_is_resolver:
            manager = DnsManager.SYSTEMD_RESOLVED        # NM/resolvconf feeding resolved, or no header
        elif owner == "NetworkManager":
            manager = DnsManager.NETWORK_MANAGER
        elif owner == "resolvconf":
            manager = DnsManager.RESOLVCONF
        elif owner == "openresolv":
            manager = DnsManager.OPENRESOLV
        elif rc is not None:
            manager = DnsManager.FILE
        else:
            manager = DnsManager.UNKNOWN
        rc_word = {"systemd-resolved": "resolved", "NetworkManager": "nm"}.get(owner or "", owner or "none")
        if rc and rc.openvpn_blocks:
            rc_word = "openvpn+" + rc_word
        nss_word = ",".join(nss.hosts) if nss and nss.hosts else ("unknown" if nss is None else "default")
        resolved_word = how if state is not None else "no"
        self.trace("dns", f"rc={rc_word} link={link_target or 'none'} stub={'yes' if stub else 'no'} "
                          f"nss={nss_word} resolved={resolved_word} ret={manager.value}")
        if state is None and how != "not collected":
            self.trace("dns", f"systemd-resolved not readable ({how})")
        if state is not None and state.resolv_conf_mode:
            self.trace("dns", f"resolved reports resolv.conf mode {state.resolv_conf_mode}")

        if state is not None:
            self.capture(Evidence.DNS_LINKS)
        if state is not None and not resolved_is_resolver and rc is not None:
            busy = sum(1 for link in state.links if link.servers)
            self.trace("dns", f"systemd-resolved runs ({busy} link(s) with servers) but glibc does not ask it")

        resolvers: list[Resolver] = []
        search: tuple[str, ...] = rc.search if rc else ()
        if resolved_is_resolver and state is not None:
            why = ("resolv.conf points at the 127.0.0.53 stub" if stub else
                   "/etc/resolv.conf links to stub-resolv.conf" if rc is None and stub_link else
                   "nsswitch asks resolve before dns")
            self.trace("dns", f"systemd-resolved is the resolver ({why}): servers from resolved ({how})")
            self.capture(Evidence.DNS_GLOBAL)
            resolvers = self.resolved_resolvers(state)
            search = tuple(dict.fromkeys(d for link in (state.global_,) + state.links
                                         for d in link.domains if not d.startswith("~")))
            if rc and not stub:
                known = {r.address for r in resolvers}
                for i, ns in enumerate(rc.used_nameservers):
                    if ns not in known and not ip_of(ns).is_loopback:
                        resolvers.append(Resolver(address=ns, scope=ResolverScope.GLOBAL, order=1000 + i,
                                                  origin="resolv.conf (programs that bypass nss-resolve)"))
        elif resolved_is_resolver:
            self.error("resolved", f"/etc/resolv.conf points at the systemd-resolved stub but resolved's servers "
                                   f"could not be read ({how}): the real nameservers are unknown")
            # Programs still ask the stub: it is the resolver in use (probing it shows whether it
            # answers at all -- resolved stopped), what stands behind it is not known.
            self.capture(Evidence.DNS_GLOBAL)
            for i, ns in enumerate(rc.used_nameservers if rc else ("127.0.0.53",)):
                resolvers.append(Resolver(address=ns, scope=ResolverScope.GLOBAL, order=i,
                                          origin="resolv.conf (the systemd-resolved stub; resolved's own servers "
                                                 "could not be read)"))
        elif rc is None and state is not None:
            # resolved's state alone (a pasted `resolvectl status`): its servers are listed, but
            # whether programs ask resolved is unknown without /etc/resolv.conf -- not "no".
            self.trace("dns", f"/etc/resolv.conf not captured: resolved's servers ({how}) are listed; "
                              "whether programs ask systemd-resolved is unknown")
            resolvers = self.resolved_resolvers(state)
            search = tuple(dict.fromkeys(d for link in (state.global_,) + state.links
                                         for d in link.domains if not d.startswith("~")))
        elif rc is not None:
            self.capture(Evidence.DNS_GLOBAL)
            if manager is DnsManager.SYSTEMD_RESOLVED:
                self.trace("dns", "resolved writes resolv.conf but is not the resolver (uplink/static "
                                  "mode): programs query its servers directly, per-link split DNS is bypassed")
            in_block = {ns: b.device for b in rc.openvpn_blocks for ns in b.nameservers}
            for i, ns in enumerate(rc.used_nameservers):
                origin = f"resolv.conf (openvpn {in_block[ns]} block)" if ns in in_block else "resolv.conf"
                resolvers.append(Resolver(address=ns, scope=ResolverScope.GLOBAL, order=i, origin=origin))
            if len(rc.nameservers) > resolv_conf.GLIBC_MAXNS:
                ignored = ", ".join(rc.nameservers[resolv_conf.GLIBC_MAXNS:])
                self.trace("dns", f"glibc reads only the first {resolv_conf.GLIBC_MAXNS} nameservers; "
                                  f"ignored: {ignored}")
            if not rc.nameservers:
                self.trace("dns", "resolv.conf lists no nameserver (glibc then asks 127.0.0.1)")
            if state is not None:
                # resolved holds servers (the VPN's on its tunnel link, often) that programs never
                # ask: kept, as UNUSED, so that what the machine shows of the VPN's DNS is not lost.
                held = [Resolver(address=r.address, scope=ResolverScope.UNUSED, port=r.port, interface=r.interface,
                                 domains=r.domains, order=100 + i,
                                 origin=f"{r.origin}, not asked: /etc/resolv.conf does not point at resolved")
                        for i, r in enumerate(self.resolved_resolvers(state))
                        if r.scope is not ResolverScope.INACTIVE]
                resolvers += [r for r in held if r.address not in {x.address for x in resolvers}]
        if state is not None and state.skipped:
            self.trace_all("dns", (f"resolvectl: {line} (skipped)" for line in state.skipped))
        if devices and not resolvers and rc is None and state is None:
            resolvers = list(nmcli.resolvers(devices))
            search = tuple(dict.fromkeys(d for dev in devices for d in dev.ip4_domains + dev.ip6_domains))
            if resolvers:
                self.capture(Evidence.DNS_LINKS)
                self.trace("dns", "/etc/resolv.conf not captured: the servers NetworkManager set per device "
                                  "(nmcli) are listed; whether programs use them directly or through "
                                  "systemd-resolved is not known (not captured)")
        elif devices and (resolvers or rc is not None):
            # NetworkManager's per-device servers that the resolvers do not list: on a stub
            # resolv.conf without resolved's state they are what resolved got per link; beside
            # a plain resolv.conf that does not list them, nobody asks them
            known = {r.address for r in resolvers}
            for r in nmcli.resolvers(devices):
                if r.address in known or r.address in (rc.nameservers if rc else ()):
                    continue
                if stub and state is None:
                    resolvers.append(replace(r, origin=f"{r.origin} (handed to systemd-resolved)"))
                    self.trace("dns", f"{r.address} on {r.interface}: NetworkManager's server, which "
                                      "systemd-resolved gets for that link (resolved's own state not captured)")
                elif rc is not None and not stub and state is None:
                    resolvers.append(replace(r, scope=ResolverScope.UNUSED,
                                             origin=f"{r.origin} (not in /etc/resolv.conf)"))
                    self.trace("dns", f"{r.address} on {r.interface}: set by NetworkManager but not in "
                                      "/etc/resolv.conf, so programs do not ask it")
            by_server = {ns: dev.device for dev in devices if dev.device for ns in dev.ip4_dns + dev.ip6_dns}
            annotated = []
            for r in resolvers:
                dev = by_server.get(r.address)
                if r.interface is None and dev:
                    self.trace("dns", f"{r.address} ({r.origin}) was set by NetworkManager on {dev} (nmcli)")
                    r = replace(r, interface=dev)
                annotated.append(r)
            resolvers = annotated
        link_search: list[LinkSearch] = []
        if rc is not None:
            self.capture(Evidence.RESOLV_CONF)
            link_search.append(LinkSearch(None, rc.search, "/etc/resolv.conf search"))
        if state is not None:
            for link in (state.global_,) + state.links:
                domains = tuple(d.rstrip(".") for d in link.domains if not d.startswith("~") and d not in (".", ""))
                if link.index == 0:
                    if domains:
                        link_search.append(LinkSearch(None, domains, "resolved global"))
                elif link.servers or domains:
                    link_search.append(LinkSearch(link.name or str(link.index), domains,
                                                  f"resolved link {link.index}"))
        by = resolv_conf.generator_of(rc.header) if rc is not None else ""
        if not by and rc is not None and rc.owner == "openvpn3":
            by = "openvpn3"      # OpenVPN 3 Linux writes the file itself (NetCfg::DNS::ResolvConfFile)
        if by:
            self.trace("dns", f"/etc/resolv.conf was written by {by} (its header says so)")
        return DnsConfig(manager=manager, resolvers=tuple(resolvers), search_domains=tuple(search),
                         options=rc.options if rc else (), resolv_conf_nameservers=rc.nameservers if rc else (),
                         stub=stub, link_search=tuple(link_search), resolv_conf_by=by)

    def resolved_resolvers(self, state: ResolvedState) -> list[Resolver]:
        out: list[Resolver] = []
        order = 0

        def add(link: ResolvedLink, scope: ResolverScope, interface: str | None, origin: str) -> None:
            nonlocal order
            current = link.current_server.address if link.current_server else None
            for s in link.servers:
                out.append(Resolver(address=s.address, scope=scope, port=s.port, interface=interface,
                                    domains=link.routing_domains, order=order, origin=origin,
                                    current=s.address == current))
                order += 1

        g = state.global_
        if g.servers:
            add(g, ResolverScope.GLOBAL, None, "resolved global")
            self.trace("dns", f"resolved global: {len(g.servers)} server(s), "
                              f"domains={' '.join(g.domains) or '-'} -> global")
        for link in state.links:
            if not link.servers:
                continue
            label = (f"link {link.index} ({link.name})" if link.name else f"link {link.index}") if link.index > 0 \
                else "a link whose name was not pasted"
            if link.dns_active is False:
                scope, why = ResolverScope.INACTIVE, "DNS scope not active (Current Scopes: none)"
            elif link.has_catch_all:
                scope, why = ResolverScope.LINK, "has ~. (every name)"
            elif link.effective_default_route:
                scope, why = ResolverScope.LINK, "DefaultRoute" + ("" if link.default_route is not None
                                                                   else " (implicit: not reported)")
            elif link.routing_domains:
                scope, why = ResolverScope.DOMAIN, "DefaultRoute=no, only its domains"
            else:
                scope, why = ResolverScope.INACTIVE, "DefaultRoute=no and no domains"
            add(link, scope, (link.name or str(link.index)) if link.index > 0 else None, f"resolved {label}")
            self.trace("dns", f"resolved {label}: default-route={_yesno(link.default_route)} "
                              f"domains={' '.join(link.domains) or '-'} -> {scope.value} ({why})")
        if not any(r.scope is not ResolverScope.INACTIVE for r in out) and state.fallback_servers:
            fb = ResolvedLink(index=0, name="fallback", servers=state.fallback_servers)
            add(fb, ResolverScope.GLOBAL, None, "resolved fallback")
            self.trace("dns", "no other server configured: resolved uses its fallback servers")
        return out

    # -- route lookups --------------------------------------------------------

    def _lookups(self) -> tuple[RouteLookup, ...]:
        out: list[RouteLookup] = []
        for cap in self.raw.with_prefix(sid.ROUTE_GET_PREFIX):
            address = sid.route_get_address(cap.id)
            if cap.text and cap.text.strip():
                try:
                    out.append(ip_route.parse_route_get(cap.text, address))
                    continue
                except ParseError as err:
                    self.error(cap.id, f"`ip route get {address}` output unreadable ({err})")
                    out.append(RouteLookup(address=address, error=f"unreadable: {err}", method="ip route get"))
                    continue
            if cap.exit_code is not None:
                out.append(RouteLookup(address=address, error=ip_route.route_get_error(cap.stderr),
                                       method="ip route get"))
            else:
                self.error(cap.id, f"{cap.error}: the interface that carries packets to {address} is unknown")
                out.append(RouteLookup(address=address, error=cap.error, method="ip route get"))
        if self.ip_missing:
            targets_text = self.text(sid.ROUTE_TARGETS, "route lookups are missing", required=False)
            try:
                targets = json.loads(targets_text or "{}").get("addresses", [])
            except (ValueError, AttributeError):
                targets = []
            table = RouteTable(self.routes())
            for address in targets:
                if _valid_address(str(address)):
                    out.append(table.lookup(str(address)))
            if targets:
                self.trace("routes", f"{len(targets)} lookup(s) computed from the table by longest prefix "
                                     "(no `ip route get`: policy rules are not seen)")
        if out:
            self.capture(Evidence.ROUTE_LOOKUPS)
        return tuple(out)


def _yesno(value: bool | None) -> str:
    return "unset" if value is None else ("yes" if value else "no")
