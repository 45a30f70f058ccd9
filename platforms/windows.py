"""Windows adapter: one PowerShell process, winreg for NRPT, ipconfig/route print fallback.

Sources (ids are what ``parse`` and the report's raw capture use):

==================  ===========================================================================
``powershell``      the collection script's JSON lines (``platforms.windows_script``), one
                    process, 45 s timeout, what it printed before a timeout is kept
``winreg-nrpt``     api_capture of the NRPT keys (local and Group Policy) and
                    ``DisableSmartNameResolution``, read through ``Hook.WINREG``
                    (default: the real ``winreg`` module, which exists only on Windows)
``ipconfig``        ``ipconfig /all``  -- only when PowerShell is missing, blocked, too slow
                    or did not deliver the interface sections
``route-print``     ``route print``     -- same fallback (also when the routes section is missing)
==================  ===========================================================================

Pasted outputs (``cvpn-doctor analyze``) map to these ids, and ``parse`` works with any
subset of them present:

========================================================  ========================
``ipconfig /all`` (any language)                          ``ipconfig``
``route print`` / ``netstat -r``                          ``route-print``
``Get-DnsClientServerAddress | ConvertTo-Json``           ``cmdlet-dns-servers``
``Get-NetRoute | ConvertTo-Json``                         ``cmdlet-routes``
``Get-NetIPInterface | ConvertTo-Json``                   ``cmdlet-ip-interfaces``
``Get-NetAdapter | ConvertTo-Json``                       ``cmdlet-adapters``
``reg query ...\\DnsPolicyConfig /s``                      ``winreg-nrpt``
the default table / list view (as printed) of              ``ps-`` + the cmdlet's noun:
Get-DnsClientServerAddress, Get-NetIPInterface,           ``ps-dnsclientserveraddress``,
Get-NetRoute, Get-NetIPConfiguration, Get-NetAdapter,     ``ps-netipinterface``, ...,
Get-DnsClientNrptPolicy                                   ``ps-nrpt``
========================================================  ========================

A pasted text source may hold several views; each line of one that cannot be read is
traced (``<source>: skipped ...``) and the rest is used.  Where no routing table was
given, the default gateways that ``ipconfig /all`` or ``Get-NetIPConfiguration`` report
become default routes of their adapters (traced); where ``route print`` names an
interface address no adapter in the input owns, that address becomes an interface of
its own (``interface 10.8.0.6``) so its routes still count.

Decisions, each recorded in the snapshot trace:

* identity never depends on language: interfaces are keyed on ifIndex (or GUID); the VPN
  adapter is recognised by its driver description ("AWS VPN Client TAP-Windows Adapter
  V9", "TAP-Windows Adapter V9", "OpenVPN Data Channel Offload", "Wintun") through
  ``platforms.tunnel.interface_kind``; the localised alias is only a display name;
* ``Interface.metric`` is the IPv4 interface metric (IPv6 when there is no IPv4 one);
* ``Route.metric`` is the route's cost as Windows compares it: RouteMetric + the
  interface metric of its family (``route print`` already prints that sum);
* ``Resolver.order`` is the order in which Windows asks the adapters' DNS servers: by
  interface metric (lowest first), then by position in the adapter's list; NRPT
  resolvers (scope DOMAIN) get order 0: they answer first for their namespaces;
* resolvers of an adapter have scope LINK and the adapter as ``interface`` (INACTIVE when
  the adapter is down); ``fec0:0:0:ffff::1-3`` placeholders are dropped;
* NRPT: when the Group Policy key exists its rules are the only ones applied; local
  rules (written by VPN clients) then become INACTIVE resolvers;
* smart multi-homed name resolution is on unless the policy sets
  ``DisableSmartNameResolution=1`` (unknown when the registry could not be read);
* a Find-NetRoute that failed or returned no route is not an answer: the route is then
  chosen from the table (longest prefix, lowest cost), as for servers never looked up.

Every program runs by its absolute path under the system directory (``system_tools``):
CreateProcess searches a bare name in the executable's own folder and the current folder
before the system directories (CreateProcessW, "lpApplicationName"), so a
``powershell.exe`` planted next to a downloaded binary would run instead.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import ntpath
import os
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from typing import Any, Callable, Iterable

from agent.model import (DnsConfig, DnsManager, Evidence, Family, IfAddress, Interface, InterfaceKind,
                         LinkSearch, NrptRule, Platform, RawCapture, Resolver, ResolverScope, Route, RouteLookup, Snapshot,
                         SourceCapture, ip_of)
from agent.routing import RouteTable
from agent import source_ids as sid
from platforms.base import Env, Hook, ParseError, ParseRun, Source, api_capture, capture_source
from platforms.parsers import ipconfig as ipconfig_parser
from platforms.parsers import nrpt as nrpt_parser
from platforms.parsers import ps_cmdlets
from platforms.parsers import ps_document
from platforms.parsers import route_print as route_print_parser
from platforms.parsers import win_json
from platforms.tunnel import detect_tunnel, interface_kind
from platforms.windows_script import (MAX_ROUTE_LOOKUPS, POWERSHELL_ARGS, POWERSHELL_TIMEOUT_S, ROUTE_LOOKUP_BUDGET_S,
                                      build_script)

log = logging.getLogger(__name__)

TOOL_TIMEOUT_S = 10.0
# Sections whose absence makes ipconfig /all (interfaces, addresses, DNS servers) or
# route print (routes) worth running as well.
_IPCONFIG_SECTIONS = ("adapters", "ipAddresses", "dnsServers")
_ROUTE_SECTIONS = ("routes",)

# The IPv6 DNS placeholders Windows shows when an adapter has no IPv6 DNS (Tailscale skips them too).
_PLACEHOLDER_DNS = {ipaddress.ip_address(f"fec0:0:0:ffff::{i}") for i in (1, 2, 3)}
_IFTYPE_LOOPBACK, _IFTYPE_WIRELESS, _IFTYPE_PPP, _IFTYPE_TUNNEL = 24, 71, 23, 131
_VPN_ALIAS = re.compile(r"VPN|OpenVPN|WireGuard|Wintun|\bTAP\b|\btun\d|\bwg\d|Tailscale|Firezone|ZeroTier|NordLynx|"
                        r"AnyConnect|\bClash\b", re.I)


# --------------------------------------------------------------------------- programs


@dataclass(frozen=True)
class SystemTools:
    """Absolute paths of the programs the adapter runs."""
    system_dir: str
    powershell: str
    ipconfig: str
    route: str


def default_windows_dir() -> str:
    """The Windows directory: from the API (GetSystemWindowsDirectoryW, immune to a changed
    environment), else %SystemRoot%, else C:\\Windows."""
    try:
        import ctypes

        buf = ctypes.create_unicode_buffer(260)
        n = ctypes.windll.kernel32.GetSystemWindowsDirectoryW(buf, len(buf))  # type: ignore[attr-defined]
        if 0 < n < len(buf):
            return buf.value
    except (ImportError, AttributeError, OSError):
        pass                                  # not Windows (the module must import anywhere)
    return os.environ.get("SystemRoot") or os.environ.get("windir") or "C:\\Windows"


def system_tools(windows_dir: str, isdir: Callable[[str], bool] = os.path.isdir) -> SystemTools:
    """The system directory and the programs in it.

    A 32-bit interpreter on 64-bit Windows (a 32-bit Python, or a 32-bit build of this
    binary) sees System32 redirected to SysWOW64, and the 32-bit PowerShell there; the
    virtual ``Sysnative`` folder, visible only to such processes, reaches the native
    System32 (learn.microsoft.com: "File System Redirector")."""
    sysnative = ntpath.join(windows_dir, "Sysnative")
    system_dir = sysnative if isdir(sysnative) else ntpath.join(windows_dir, "System32")
    return SystemTools(system_dir=system_dir,
                       powershell=ntpath.join(system_dir, "WindowsPowerShell", "v1.0", "powershell.exe"),
                       ipconfig=ntpath.join(system_dir, "ipconfig.exe"),
                       route=ntpath.join(system_dir, "route.exe"))


def _tools(env: Env) -> SystemTools:
    if env.has_hook(Hook.WINDOWS_TOOLS):              # tests, and a caller that knows better
        return env.hook(Hook.WINDOWS_TOOLS)
    return system_tools(default_windows_dir())


# --------------------------------------------------------------------------- winreg


def default_winreg() -> Any:
    """The real winreg module, or None off Windows (imported lazily: the module must
    import on any OS)."""
    try:
        import winreg
    except ImportError:
        return None
    return winreg


def _reg_data(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [_reg_data(v) for v in value]
    return value


def _read_values(reg: Any, parent: Any, sub: str) -> dict:
    key = reg.OpenKey(parent, sub)
    try:
        values = {}
        for i in range(1024):            # bounded: a rule has a handful of values
            try:
                name, data, _kind = reg.EnumValue(key, i)
            except OSError:
                break
            values[name] = _reg_data(data)
        return values
    finally:
        reg.CloseKey(key)


def _read_table(reg: Any, path: str, errors: list[str]) -> dict | None:
    """One NRPT table; None (not read) when the key cannot be opened for another reason
    than its absence -- the error goes to ``errors`` and the other table is still read.
    A rule key that cannot be read is left out and named in ``errors``."""
    try:
        key = reg.OpenKey(reg.HKEY_LOCAL_MACHINE, path)
    except FileNotFoundError:
        return {"present": False, "rules": {}}
    except OSError as err:   # PermissionError included: RegOpenKeyEx denies only an existing key
        errors.append(f"HKLM\\{path}: {err.strerror or err}")
        return None
    try:
        rules = {}
        for i in range(4096):            # bounded: NRPT tables hold tens of rules
            try:
                sub = reg.EnumKey(key, i)
            except OSError:
                break
            try:
                rules[sub] = _read_values(reg, key, sub)
            except OSError as err:
                errors.append(f"HKLM\\{path}\\{sub}: {err.strerror or err}")
        return {"present": True, "rules": rules}
    finally:
        reg.CloseKey(key)


def _read_policy_value(reg: Any, path: str, name: str) -> Any:
    try:
        key = reg.OpenKey(reg.HKEY_LOCAL_MACHINE, path)
    except FileNotFoundError:
        return None
    try:
        try:
            data, _kind = reg.QueryValueEx(key, name)
        except FileNotFoundError:
            return None
        return _reg_data(data)
    finally:
        reg.CloseKey(key)


def read_nrpt_registry(reg: Any) -> dict:
    """Read both NRPT tables and the smart-resolution policy into the JSON that
    ``platforms.parsers.nrpt.parse`` reads.  ``reg`` has the winreg API."""
    if reg is None:
        raise RuntimeError("winreg is not available (not Windows)")
    errors: list[str] = []
    data: dict = {"local": _read_table(reg, nrpt_parser.LOCAL_KEY, errors),
                  "gpo": _read_table(reg, nrpt_parser.GPO_KEY, errors)}
    try:
        data["smart"] = {"DisableSmartNameResolution": _read_policy_value(
            reg, nrpt_parser.DNSCLIENT_POLICY_KEY, "DisableSmartNameResolution")}
    except OSError as err:
        errors.append(f"HKLM\\{nrpt_parser.DNSCLIENT_POLICY_KEY}: {err.strerror or err}")
        data["smart"] = None
    if errors:
        data["errors"] = errors
    return data


def _registry_errors(src: SourceCapture | None) -> list[str]:
    """The per-key errors a winreg capture recorded (one unreadable key does not lose the rest)."""
    if src is None or not src.text:
        return []
    try:
        data = json.loads(src.text)
    except ValueError:
        return []
    errors = data.get("errors") if isinstance(data, dict) else None
    return [str(e) for e in errors] if isinstance(errors, list) else []


# --------------------------------------------------------------------------- working state


class _Origin(Enum):
    """Which input an interface was first seen in (route print's interface addresses that no
    adapter owns become interfaces of their own: ROUTE_PRINT_ADDRESS)."""
    POWERSHELL = sid.POWERSHELL
    CMDLET = "cmdlet"
    IPCONFIG = sid.IPCONFIG
    ROUTE_PRINT = sid.ROUTE_PRINT
    ROUTE_PRINT_ADDRESS = "route-print-address"
    UNKNOWN = ""


@dataclass
class _Iface:
    index: int | None
    name: str
    description: str | None = None
    guid: str | None = None
    mac: str | None = None
    is_up: bool | None = None
    if_type: int | None = None
    type_label: str = ""
    metric: dict = field(default_factory=dict)        # Family -> interface metric
    addresses: list = field(default_factory=list)      # IfAddress
    dns: dict = field(default_factory=dict)            # Family -> [server, ...]
    suffix: str | None = None
    position: int = 0                                  # order seen (ipconfig binding order)
    origin: _Origin = _Origin.UNKNOWN
    kind_from_alias: bool = False                      # a tunnel only by its alias (nothing else known)


class _State(ParseRun):
    """The parse (platforms.base.ParseRun) and the interfaces merged so far."""

    def __init__(self, raw: RawCapture) -> None:
        super().__init__(raw)
        self.ifaces: list[_Iface] = []
        self.ipconfig_ifaces: dict[int, _Iface] = {}     # ipconfig adapter position -> interface

    def find(self, index: int | None = None, name: str | None = None, description: str | None = None) -> _Iface | None:
        if index is not None:
            for i in self.ifaces:
                if i.index == index:
                    return i
        if name:
            for i in self.ifaces:
                if i.name == name:
                    return i
        if description:
            for i in self.ifaces:
                if i.description == description and i.index is None:
                    return i
        return None

    def get(self, index: int | None, name: str = "", origin: _Origin = _Origin.UNKNOWN) -> _Iface:
        found = self.find(index, name)
        if found is None:
            found = _Iface(index=index, name=name or (f"ifIndex {index}" if index is not None else "?"),
                           position=len(self.ifaces), origin=origin)
            self.ifaces.append(found)
        elif found.index is None and index is not None:
            found.index = index
        return found

    def by_address(self, address: str) -> _Iface | None:
        for i in self.ifaces:
            if any(a.address.split("%", 1)[0] == address for a in i.addresses):
                return i
        return None


def _family_of_address(address: str) -> Family:
    return Family.INET if ip_of(address).version == 4 else Family.INET6


# --------------------------------------------------------------------------- merging sources


def _merge_collection(state: _State, col: win_json.WinCollection, origin: _Origin) -> None:
    for a in col.adapters:
        i = state.get(a.index, a.name, origin)
        if a.name:
            i.name = a.name
        i.description = a.description or i.description
        i.guid, i.mac = a.guid or i.guid, a.mac or i.mac
        i.is_up = a.is_up if a.is_up is not None else i.is_up
        i.if_type = a.if_type if a.if_type is not None else i.if_type
    for ipi in col.ip_interfaces:
        i = state.get(ipi.index, ipi.alias, origin)
        if ipi.metric is not None:
            i.metric[ipi.family] = ipi.metric
        if i.is_up is None and ipi.connected is not None:
            i.is_up = ipi.connected
    for ad in col.addresses:
        i = state.get(ad.index, "", origin)
        if all(x.address != ad.address for x in i.addresses):
            i.addresses.append(IfAddress(family=ad.family, address=ad.address, prefixlen=ad.prefixlen))
    for d in col.dns_servers:
        i = state.get(d.index, d.alias, origin)
        for server in d.servers:
            fam = d.family or _family_of_address(server)
            lst = i.dns.setdefault(fam, [])
            if server not in lst:
                lst.append(server)
    for s in col.suffixes:
        found = state.find(s.index)
        if found is not None and s.suffix:
            found.suffix = s.suffix


def _merge_ipconfig(state: _State, res: ipconfig_parser.IpconfigResult) -> None:
    for n, a in enumerate(res.adapters):
        i = state.find(a.index, None) if a.index is not None else None
        i = i or (state.find(None, a.name) if a.name else None) or state.find(None, None, a.description)
        if i is None:
            # a fragment with no header: the fields of one adapter whose name was not pasted
            name = a.name or (f"ifIndex {a.index}" if a.index is not None else f"adapter {n + 1} (no header)")
            i = _Iface(index=a.index, name=name, position=len(state.ifaces), origin=_Origin.IPCONFIG)
            state.ifaces.append(i)
        elif i.index is None and a.index is not None:
            i.index = a.index
        if a.name and (i.name.startswith("ifIndex ") or i.origin is _Origin.ROUTE_PRINT):
            i.name = a.name
        state.ipconfig_ifaces[n] = i
        i.description = i.description or a.description
        i.mac = i.mac or a.mac
        i.type_label = a.type_label
        if i.is_up is None:
            i.is_up = False if a.media_disconnected else (True if (a.ipv4 or a.ipv6) else None)
        for cidr in a.ipv4:
            addr, _, plen = cidr.partition("/")
            if all(x.address != addr for x in i.addresses):
                i.addresses.append(IfAddress(family=Family.INET, address=addr, prefixlen=int(plen) if plen else None))
        for addr in a.ipv6:
            if all(x.address != addr for x in i.addresses):
                i.addresses.append(IfAddress(family=Family.INET6, address=addr))
        if not any(i.dns.values()):
            for server in a.dns_servers:
                i.dns.setdefault(_family_of_address(server), []).append(server)
        i.suffix = i.suffix or a.suffix


def _merge_route_print_interfaces(state: _State, res: route_print_parser.RoutePrintResult) -> None:
    for entry in res.interfaces:
        i = state.find(entry.index) or state.find(None, None, entry.description)
        if i is None:
            i = _Iface(index=entry.index, name=entry.description, description=entry.description,
                       position=len(state.ifaces), origin=_Origin.ROUTE_PRINT)
            state.ifaces.append(i)
        else:
            i.index = i.index if i.index is not None else entry.index
            i.description = i.description or entry.description


def _trace_skipped(state: _State, source_id: str, skipped: tuple[str, ...], notes: tuple[str, ...]) -> None:
    """Lines a parser could not read are traced (the rest of the output is used)."""
    for note in notes[:10]:
        state.trace(source_id, f"{note}")
    if skipped:
        shown = "; ".join(skipped[:5]) + (f"; ... ({len(skipped) - 5} more)" if len(skipped) > 5 else "")
        state.trace(source_id, f"{len(skipped)} line(s) could not be read and were skipped: {shown}")


# --------------------------------------------------------------------------- building the snapshot


def _kind(i: _Iface) -> InterfaceKind:
    flags: list[str] = []
    loop_addrs = any(ip_of(a.address).is_loopback for a in i.addresses)
    # The loopback's alias/description is the same on every display language.
    loopback_label = i.name.startswith("Loopback Pseudo-Interface") or (i.description or "").startswith("Software Loopback")
    if i.if_type == _IFTYPE_LOOPBACK or loop_addrs or loopback_label:
        flags.append("loopback")
    if i.if_type in (_IFTYPE_PPP, _IFTYPE_TUNNEL) or i.type_label.upper() == "PPP":
        flags.append("point-to-point")
    # A neutral name: the alias is localised and user-editable, so it must not decide.
    kind = interface_kind(f"if{i.index if i.index is not None else ''}", flags, i.description)
    if kind is InterfaceKind.OTHER and i.if_type == _IFTYPE_WIRELESS:
        kind = InterfaceKind.WIRELESS
    if kind is InterfaceKind.OTHER and i.description is None and i.if_type is None and _VPN_ALIAS.search(i.name) \
            and not i.name.startswith("vEthernet ("):      # a Hyper-V switch named after the adapter it is bound to
        # Nothing locale-free was pasted (plain ipconfig, Get-DnsClientServerAddress alone):
        # the alias a VPN client or the user gave its connection is the only hint left.
        kind = InterfaceKind.TUNNEL
        i.kind_from_alias = True
    return kind


def _interface_records(state: _State) -> tuple[Interface, ...]:
    out = []
    for i in state.ifaces:
        metric = i.metric.get(Family.INET, i.metric.get(Family.INET6))
        kind = _kind(i)
        out.append(Interface(name=i.name, index=i.index, kind=kind, is_up=i.is_up,
                             flags=("loopback",) if kind is InterfaceKind.LOOPBACK else (),
                             addresses=tuple(i.addresses), mac=i.mac, description=i.description,
                             guid=i.guid, metric=metric))
        if kind is InterfaceKind.TUNNEL and i.kind_from_alias:
            state.trace("interfaces", f"interface {i.name!r} (ifIndex {i.index}) taken for a VPN tunnel by its alias alone: "
                                      "the input gives no driver description (Get-NetAdapter or ipconfig /all would)")
        elif kind is InterfaceKind.TUNNEL:
            state.trace("interfaces", f"interface {i.name!r} (ifIndex {i.index}) is a tunnel: driver description "
                                      f"{i.description!r} (the alias is not used)")
    return tuple(out)


def _routes_from_collection(state: _State, col: win_json.WinCollection) -> list[Route]:
    routes = []
    missing_metric = 0
    for r in col.routes:
        i = state.find(r.index)
        if_metric = i.metric.get(r.family) if i else None
        if if_metric is None:
            missing_metric += 1
        metric = None if r.route_metric is None else r.route_metric + (if_metric or 0)
        routes.append(Route(family=r.family, destination=r.destination, gateway=r.next_hop,
                            interface=i.name if i else (r.alias or f"ifIndex {r.index}"), metric=metric,
                            protocol=None))
    if routes:
        state.trace("routes", "metric = RouteMetric + InterfaceMetric of the route's interface and family "
                              "(the cost Windows compares)")
    if missing_metric:
        state.trace("routes", f"{missing_metric} route(s) without a known interface metric: metric is the "
                              "route metric alone")
    return routes


def _routes_from_route_print(state: _State, res: route_print_parser.RoutePrintResult) -> list[Route]:
    routes, unowned, persistent = [], 0, 0
    for r in res.routes:
        if r.persistent:
            persistent += 1
            continue
        owner = None
        if r.interface_address:
            owner = state.by_address(r.interface_address)
            if owner is None:
                unowned += 1
                owner = _Iface(index=None, name=f"interface {r.interface_address}", position=len(state.ifaces),
                               origin=_Origin.ROUTE_PRINT_ADDRESS,
                               addresses=[IfAddress(family=Family.INET, address=r.interface_address)])
                state.ifaces.append(owner)
        elif r.interface_index is not None:
            owner = state.find(r.interface_index)
        routes.append(Route(family=Family(r.family), destination=r.destination, gateway=r.gateway,
                            interface=owner.name if owner else None, metric=r.metric,
                            source=r.interface_address))
    state.trace("routes", "from route print (fallback); its Metric column is already route metric + "
                          f"interface metric; {persistent} persistent route(s) are configuration and were skipped")
    if unowned:
        names = sorted({i.name for i in state.ifaces if i.origin is _Origin.ROUTE_PRINT_ADDRESS})
        state.trace("routes", f"interface address(es) no adapter in the input owns became interfaces of their "
                              f"own ({', '.join(names[:6])}): route print alone does not map addresses to adapters")
    return routes


def _captured(parts: list[win_json.WinCollection], ipc, rp, dump, lookups) -> tuple[Evidence, ...]:
    """What the sources told (unknown is not absent): JSON sections, ipconfig /all (adapters
    and their DNS servers), route print (the tables), the NRPT registry read."""
    # a pasted view the command line filtered (-InterfaceAlias, | where) is not the whole table
    present = {name for part in parts for name in part.present if name not in part.partial}
    got: set[Evidence] = set()
    # ipconfig's adapter sections list the adapters; a header-less fragment (the lines a poster kept
    # of one adapter, "adapter 1 (no header)") lists none: what it does not show is not absent
    sections = ipc is not None and any(a.name for a in ipc.adapters)
    if present & {"adapters", "ipInterfaces", "ipAddresses", "ipConfiguration"} or sections:
        got.add(Evidence.INTERFACES)
    if present & {"dnsServers", "ipConfiguration"} or (sections and ipc.detailed):
        got.update((Evidence.DNS_GLOBAL, Evidence.DNS_LINKS))
    if "routes" in present:
        got.update((Evidence.ROUTES, Evidence.ROUTES6))
    if rp is not None:
        families = {str(r.family) for r in rp.routes}
        got.update(Evidence.ROUTES6 if f == "inet6" else Evidence.ROUTES for f in families or {"inet"})
    if "nrptPolicy" in present or dump is not None:
        got.add(Evidence.NRPT)
    if any(lk.method == "Find-NetRoute" for lk in lookups):
        got.add(Evidence.ROUTE_LOOKUPS)
    return tuple(e for e in Evidence if e in got)


def _routes_from_gateways(state: _State, ipc: ipconfig_parser.IpconfigResult | None,
                          parts: list[win_json.WinCollection]) -> list[Route]:
    """Default routes from the gateways adapters report, when no routing table was given:
    ``Default Gateway`` of ipconfig /all, ``IPv4DefaultGateway`` of Get-NetIPConfiguration.
    A gateway of 0.0.0.0 (WireGuard, PPP full tunnels print it) is an on-link default."""
    out: list[Route] = []
    seen: set[tuple] = set()

    def add(i: _Iface | None, family: Family, gateway: str | None, origin: str) -> None:
        if i is None:
            return
        dest = "0.0.0.0/0" if family is Family.INET else "::/0"
        key = (i.name, dest, gateway)
        if key in seen:
            return
        seen.add(key)
        out.append(Route(family=family, destination=dest, gateway=gateway, interface=i.name))
        state.trace("routes", f"default route via {gateway or 'on-link'} on {i.name!r} from its {origin} "
                              "(no routing table in the input)")

    for part in parts:
        for g in part.gateways:
            add(state.find(g.index, g.alias or None), g.family, g.next_hop, "Get-NetIPConfiguration default gateway")
    if ipc is not None:
        for n, a in enumerate(ipc.adapters):
            i = state.ipconfig_ifaces.get(n)
            for gw in a.gateways:
                try:
                    ip = ipaddress.ip_address(gw.split("%", 1)[0])
                except ValueError:
                    continue
                add(i, Family.INET if ip.version == 4 else Family.INET6, None if ip.is_unspecified else gw,
                    "ipconfig Default Gateway")
    return out


def _adapter_resolvers(state: _State, metrics_known: bool) -> list[Resolver]:
    entries = []
    for i in state.ifaces:
        for fam, servers in i.dns.items():
            pos = 0
            for server in servers:
                if ip_of(server) in _PLACEHOLDER_DNS:
                    continue
                pos += 1
                metric = i.metric.get(fam)
                entries.append((metric if metric is not None else 1 << 30, i.position, pos, i, fam, server))
        dropped = [s for lst in i.dns.values() for s in lst if ip_of(s) in _PLACEHOLDER_DNS]
        if dropped:
            state.trace("dns", f"{i.name!r}: fec0:0:0:ffff::1-3 placeholders ignored (no IPv6 DNS configured)")
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    resolvers = []
    rank = 0
    for metric, _pos_if, pos, i, fam, server in entries:
        active = i.is_up is not False
        if active:
            rank += 1
        scope = ResolverScope.LINK if active else ResolverScope.INACTIVE
        origin = f"adapter {i.name!r}" + (f" ifIndex {i.index}" if i.index is not None else "") + \
            (f" {i.description!r}" if i.description else "")
        resolvers.append(Resolver(address=server, scope=scope, interface=i.name, order=rank if active else None,
                                  origin=origin))
        why = (f"interface metric {metric}" if metric < (1 << 30) else "interface metric unknown: adapter order")
        state.trace("dns", f"{server} on {i.name!r} ({fam}) -> "
                           + (f"order {rank} ({why}, position {pos})" if active else "inactive (adapter is down)"))
    if entries and not metrics_known:
        state.trace("dns", "interface metrics unknown (no PowerShell): order follows the adapters' order "
                           "in the input, which may differ from Windows' choice")
    return resolvers


def _normalise_namespace(ns: str) -> str:
    ns = ns.strip()
    if ns in (".", ""):
        return "."
    return ns.lstrip(".").rstrip(".").lower() or "."


_VPN_NRPT_NAME = ("OpenVPNDNSRouting",)    # OpenVPN 2.7 names its rules OpenVPNDNSRouting-<pid>


def _rule_owner(state: _State, rule: NrptRule, interfaces: tuple[Interface, ...]) -> str | None:
    """The tunnel adapter a VPN client wrote this rule for: by the rule's name, or because
    it names a tunnel adapter's DNS servers.  The rule then belongs to that link, so a rule
    left behind after the tunnel went down shows as a VPN resolver on a dead tunnel."""
    tunnels = [i for i in interfaces if i.kind is InterfaceKind.TUNNEL]
    if not tunnels:
        return None
    tunnel_dns = {s for i in state.ifaces if i.name in {t.name for t in tunnels} for lst in i.dns.values() for s in lst}
    if not (rule.name.startswith(_VPN_NRPT_NAME) or tunnel_dns & set(rule.servers)):
        return None
    up = [t for t in tunnels if t.is_up is not False]
    owner = (up or tunnels)[0].name if len(up) == 1 or (not up and len(tunnels) == 1) else None
    if owner:
        state.trace("nrpt", f"rule {rule.name} attributed to tunnel adapter {owner!r} (written by its VPN client)")
    return owner


def _nrpt_resolvers(state: _State, rules: tuple[NrptRule, ...], gpo_present: bool,
                    interfaces: tuple[Interface, ...] = ()) -> list[Resolver]:
    out = []
    for rule in rules:
        owner = _rule_owner(state, rule, interfaces)
        ignored = gpo_present and rule.source == "local"
        domains = tuple(dict.fromkeys(_normalise_namespace(n) for n in rule.namespaces))
        uses_servers = rule.config_options is None or bool(rule.config_options & nrpt_parser.CONFIG_GENERIC_DNS)
        for server in rule.servers:
            try:
                ip_of(server)
            except ValueError:
                continue
            out.append(Resolver(address=server, scope=ResolverScope.INACTIVE if ignored or not uses_servers
                                else ResolverScope.DOMAIN, domains=domains, order=None if ignored else 0,
                                interface=owner,
                                origin=f"NRPT rule {rule.name} ({rule.source})"))
        if ignored:
            state.trace("nrpt", f"local rule {rule.name} {domains} ignored: a Group Policy DnsPolicyConfig key "
                                "exists and replaces the local table")
        elif rule.servers:
            state.trace("nrpt", f"rule {rule.name} ({rule.source}) sends {', '.join(domains) or '?'} to "
                                f"{', '.join(rule.servers)}")
    return out


def _read_powershell(src: SourceCapture | None, state: _State
                     ) -> tuple[ps_document.ScriptDocument | None, win_json.WinCollection | None]:
    """The collection script's document and its sections, with every failure, stop and
    missing section recorded (a section that did not arrive is not captured, never empty)."""
    if src is None:
        return None, None
    if src.error:
        state.error(sid.POWERSHELL, f"PowerShell collection: {src.error}")
    doc = ps_document.read_document(src.text or "")
    if doc is None:
        if (src.text or "").strip():
            state.error(sid.POWERSHELL, "PowerShell collection could not be read: no "
                                                              "cvpn-doctor document in its output")
        state.error(
            sid.POWERSHELL, "PowerShell gave no usable result: the report uses ipconfig /all and route print "
                          "instead, which show no interface metrics, NRPT rules or Find-NetRoute answers")
        state.trace("collect", "PowerShell failed -> fallback to ipconfig /all + route print")
        return None, None
    try:
        col = win_json.parse_document(doc.data)
    except ParseError as exc:     # not `err`: the loop below binds that name to a str
        state.error(sid.POWERSHELL, f"PowerShell collection could not be read: {exc}")
        return doc, None
    for err in col.errors:
        section = err.split(":", 1)[0]
        state.error(sid.POWERSHELL_SECTION_PREFIX + section, f"PowerShell section failed: {err}")
    mode = doc.data.get("languageMode")
    if isinstance(mode, str) and mode:
        state.trace(sid.POWERSHELL, f"{col.ps_version or '?'}, language mode {mode}"
                                    + (" (an application control policy such as AppLocker or WDAC restricts scripts)"
                              if mode != "FullLanguage" else ""))
    if not doc.complete:
        missing = [s for s in doc.missing if s != "modules"]
        state.error(
            sid.POWERSHELL, "PowerShell collection did not finish: "
                          + (f"not captured: {', '.join(missing)}" if missing else "its last line is missing")
                          + (f"; {doc.cut_objects} line(s) cut mid-way" if doc.cut_objects else "")
                          + (f"; captured: {', '.join(doc.sections)}" if doc.sections else ""))
        state.trace("collect", "PowerShell stopped before the end; the sections printed before the stop "
                               "are used" + (", ipconfig /all and route print fill in" if missing else ""))
    return doc, col


class WindowsAdapter:
    """Platform adapter for Windows (see the module docstring for sources and decisions)."""
    platform = Platform.WINDOWS

    def collect(self, env: Env, addresses: Iterable[str] = ()) -> RawCapture:
        """One PowerShell process (Find-NetRoute for the extra addresses and the DNS
        servers), one winreg read; ipconfig and route print only when PowerShell failed or
        did not deliver the sections they replace."""
        tools = _tools(env)
        ps_source = Source(sid.POWERSHELL, argv=(tools.powershell, *POWERSHELL_ARGS), timeout_s=POWERSHELL_TIMEOUT_S,
                           stdin=build_script(addresses), keep_partial=True)
        caps: list[SourceCapture] = [capture_source(ps_source, env)]
        reg = env.hook(Hook.WINREG) if env.has_hook(Hook.WINREG) else default_winreg()
        caps.append(api_capture(sid.WINREG_NRPT, "winreg read of the NRPT keys", lambda: read_nrpt_registry(reg)))
        doc = ps_document.read_document(caps[0].text or "")
        got = set(doc.sections) if doc is not None else set()
        if not got.issuperset(_IPCONFIG_SECTIONS) or not got.issuperset(_ROUTE_SECTIONS):
            log.debug("PowerShell gave %s (%s): running ipconfig /all and route print as well",
                      f"sections {sorted(got)}" if doc is not None else "no document", caps[0].error or "no error")
            caps.append(capture_source(Source(sid.IPCONFIG, argv=(tools.ipconfig, "/all"), timeout_s=TOOL_TIMEOUT_S), env))
            caps.append(capture_source(Source(sid.ROUTE_PRINT, argv=(tools.route, "print"), timeout_s=TOOL_TIMEOUT_S), env))
        return RawCapture(platform=self.platform, collected_at=env.clock(), sources=tuple(caps))

    def parse(self, raw: RawCapture) -> Snapshot:
        """Pure: any subset of the sources above -> Snapshot.  Never raises."""
        state = _State(raw)
        col: win_json.WinCollection | None = None
        cmdlets: list[win_json.WinCollection] = []

        def attempt(source_id: str, what: str, fn: Callable[[str], Any]) -> Any:
            return state.parse(source_id, fn, what, label=what, skip_empty=True)

        doc, col = _read_powershell(raw.get(sid.POWERSHELL), state)
        for source_id in sid.CMDLET_SOURCES:
            part = attempt(source_id, f"pasted {source_id} JSON", partial(win_json.parse_cmdlet, source_id=source_id))
            if part is not None:
                cmdlets.append(part)
        for source_id in sid.PS_TEXT_SOURCES:
            part = attempt(source_id, f"pasted {source_id} text", partial(ps_cmdlets.parse, source_id=source_id))
            if part is not None:
                cmdlets.append(part)
                _trace_skipped(state, source_id, part.skipped, part.notes)
        ipc = attempt(sid.IPCONFIG, "ipconfig /all", ipconfig_parser.parse)
        rp = attempt(sid.ROUTE_PRINT, "route print", route_print_parser.parse)
        dump = attempt(sid.WINREG_NRPT, "NRPT registry read", nrpt_parser.parse)
        if ipc is not None:
            _trace_skipped(state, sid.IPCONFIG, ipc.skipped, ())
        if rp is not None:
            _trace_skipped(state, sid.ROUTE_PRINT, rp.skipped,
                           (f"{rp.log_prefixed} row(s) read after removing a log prefix",) if rp.log_prefixed else ())

        # Interfaces: JSON first (ifIndex keys), then ipconfig, then route print's list.
        for part in ([col] if col else []) + cmdlets:
            _merge_collection(state, part, _Origin.POWERSHELL if part is col else _Origin.CMDLET)
        if ipc is not None:
            _merge_ipconfig(state, ipc)
            if ipc.unknown_labels:
                state.trace(sid.IPCONFIG, f"labels not in the known languages {ipconfig_parser.KNOWN_LANGUAGES}: "
                                          f"{', '.join(ipc.unknown_labels[:6])} (structural fallback used)")
        if rp is not None:
            _merge_route_print_interfaces(state, rp)

        # Routes: JSON (+ interface metric) first, route print, then the adapters' gateways.
        json_routes = [p for p in ([col] if col else []) + cmdlets if p.routes]
        routes: list[Route] = []
        for part in json_routes:
            routes.extend(_routes_from_collection(state, part))
        if not routes and rp is not None:
            routes = _routes_from_route_print(state, rp)
        if not routes:
            routes = _routes_from_gateways(state, ipc, ([col] if col else []) + cmdlets)
        interfaces = _interface_records(state)     # after the routes: route print may add interfaces

        # Route lookups: Find-NetRoute, else the table (longest prefix, lowest cost).
        lookups: list[RouteLookup] = []
        unanswered: list[RouteLookup] = []        # Find-NetRoute failed or found no route
        if col is not None:
            for lk in col.lookups:
                owner = state.find(lk.index) if lk.index is not None else None
                error = lk.error
                if error is None and lk.index is None and lk.destination is None:
                    error = "Find-NetRoute returned no route"         # an empty answer is not a route
                found = RouteLookup(address=lk.address, interface=owner.name if owner else None,
                                    gateway=lk.next_hop, source_address=lk.source_address,
                                    destination=lk.destination, error=error, method="Find-NetRoute")
                (unanswered if error else lookups).append(found)

        metrics_known = any(i.metric for i in state.ifaces)
        resolvers = _adapter_resolvers(state, metrics_known)

        # NRPT: the registry (tells GPO from local) first, Get-DnsClientNrptPolicy otherwise.
        rules: tuple[NrptRule, ...] = ()
        gpo_present = False
        smart: bool | None = None
        for err in _registry_errors(raw.get(sid.WINREG_NRPT)):
            state.error(sid.WINREG_NRPT, f"NRPT registry key unreadable: {err}")
        if dump is not None:
            rules = dump.rules
            gpo_present = bool(dump.gpo_present)
            if dump.gpo_present is None:
                state.trace("nrpt", "the Group Policy DnsPolicyConfig key was not read: whether it overrides "
                                    "the local rules is unknown")
            if dump.smart_read:
                smart = dump.disable_smart_name_resolution != 1
                state.trace("dns", "smart multi-homed name resolution "
                                   + ("on (DisableSmartNameResolution not set to 1): Windows may query every "
                                      "adapter's DNS servers in parallel" if smart
                                      else "off (DisableSmartNameResolution=1)"))
            if gpo_present:
                state.trace("nrpt", "Group Policy DnsPolicyConfig key present: only its rules apply")
        elif any(p.nrpt for p in ([col] if col else []) + cmdlets):
            policies = [p for part in ([col] if col else []) + cmdlets for p in part.nrpt]
            rules = tuple(NrptRule(name=f"policy-{n + 1}", namespaces=p.namespaces, servers=p.servers,
                                   source="effective") for n, p in enumerate(policies))
            state.trace("nrpt", "registry not readable; rules from Get-DnsClientNrptPolicy (effective policy, "
                                "GPO vs local unknown)")
        resolvers = _nrpt_resolvers(state, rules, gpo_present, interfaces) + resolvers

        known = {lk.address for lk in lookups}
        wanted = [lk.address for lk in unanswered] + list(doc.skipped_lookups if doc else ()) + \
            [r.address for r in resolvers if r.scope is not ResolverScope.INACTIVE]
        failed = {lk.address: lk for lk in unanswered}
        table = RouteTable(routes)
        table_lookups: list[RouteLookup] = []
        for address in dict.fromkeys(wanted):
            if address in known or not routes:
                continue
            found = table.lookup(address)
            if address in failed:
                why = failed[address].error
                if found.error:       # the table has no route either: keep what Find-NetRoute said
                    found = dataclasses.replace(failed[address], error=f"{why}; {found.error}")
                    state.trace("routes", f"Find-NetRoute for {address}: {why} -> no route in the table either")
                else:
                    state.trace("routes", f"Find-NetRoute for {address}: {why} -> route chosen from the table")
            table_lookups.append(found)
            known.add(address)
        lookups.extend(table_lookups)
        lookups.extend(lk for lk in unanswered if lk.address not in known)
        if doc is not None and doc.skipped_lookups:
            state.trace("routes", f"{len(doc.skipped_lookups)} address(es) not looked up by Find-NetRoute "
                                  f"(at most {MAX_ROUTE_LOOKUPS} per run, {ROUTE_LOOKUP_BUDGET_S} s): "
                                  + ", ".join(doc.skipped_lookups[:8]))
        if any(lk.method == "table" for lk in table_lookups):
            state.trace("routes", "no Find-NetRoute answer for some servers: route chosen from the table "
                                  "(longest prefix, then lowest metric)")

        search: list[str] = list((col.global_search_list if col else ()) or (ipc.search_list if ipc else ()))
        for i in state.ifaces:
            if i.suffix and i.is_up is not False and i.suffix not in search:
                search.append(i.suffix)

        vpn = detect_tunnel(interfaces, routes)
        if not raw.sources:
            state.error("windows", "no source was captured")
        os_release = (col.os_version or "") if col else ""
        link_search = [LinkSearch(None, tuple((col.global_search_list if col else ()) or
                                              (ipc.search_list if ipc else ())), "suffix search list")]
        link_search += [LinkSearch(i.name, (i.suffix,), "connection-specific suffix") for i in state.ifaces
                        if i.suffix and i.is_up is not False]
        dns = DnsConfig(manager=DnsManager.WINDOWS_DNS_CLIENT, resolvers=tuple(resolvers),
                        search_domains=tuple(search), nrpt=rules, nrpt_gpo_present=gpo_present,
                        smart_multihomed=smart, link_search=tuple(link_search))
        return Snapshot(platform=Platform.WINDOWS, collected_at=raw.collected_at, os_release=os_release,
                        interfaces=interfaces, routes=tuple(routes), route_lookups=tuple(lookups), dns=dns,
                        vpn=vpn, errors=state.errors, trace=state.trace_lines,
                        captured=_captured(([col] if col else []) + cmdlets, ipc, rp, dump, lookups))
