"""Parsers for PowerShell JSON: the collection script's document and the standard
cmdlets piped to ``ConvertTo-Json`` (pure).

What PowerShell gives varies with the version and the console, so every reader here is
tolerant by design:

* enums arrive as numbers or strings: ``AddressFamily`` 2/23 or ``"IPv4"``/``"IPv6"``
  (PowerShell #24386 changed enum serialisation), ``ConnectionState`` 0/1 or
  ``"Disconnected"``/``"Connected"``;
* PowerShell 5.1 does not wrap a single item in an array, and arrays carrying extended
  type data come out as ``{"value": [...], "Count": n}``: :func:`as_list` accepts all three;
* the text may carry a UTF-8 BOM, UTF-16 NULs (console redirected without our encoding
  fix) or cp932 bytes decoded as UTF-8 (U+FFFD followed by a stray backslash, which can
  swallow a closing quote): :func:`load` repairs what it can and raises ParseError otherwise.

Cmdlet outputs map to source ids (what ``platforms/recognize.py`` builds a RawCapture with):

=======================================  ======================
``Get-DnsClientServerAddress``           ``cmdlet-dns-servers``
``Get-NetRoute``                         ``cmdlet-routes``
``Get-NetIPInterface``                   ``cmdlet-ip-interfaces``
``Get-NetAdapter``                       ``cmdlet-adapters``
the collection script (windows_script)   ``powershell``
=======================================  ======================
"""
from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any

from agent.model import Family
from agent.serial import Record
from agent import source_ids
from platforms.base import ParseError
from platforms.parsers import ps_document

SCRIPT_MARKER = ps_document.MARKER      # top-level key of the collection script's document

CMDLET_SOURCES = source_ids.CMDLET_SOURCES


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class AdapterRec(Record):
    index: int
    name: str = ""                    # alias: localised and user-editable, a label only
    description: str | None = None    # driver description: what identity decisions use
    guid: str | None = None
    status: str | None = None
    mac: str | None = None
    is_up: bool | None = None
    if_type: int | None = None        # IANA ifType (6 ethernet, 71 802.11, 24 loopback, 131 tunnel)


@dataclass(frozen=True, slots=True)
class IpInterfaceRec(Record):
    index: int
    family: Family
    metric: int | None = None
    automatic_metric: bool | None = None
    connected: bool | None = None
    alias: str = ""
    mtu: int | None = None


@dataclass(frozen=True, slots=True)
class AddressRec(Record):
    index: int
    family: Family
    address: str
    prefixlen: int | None = None


@dataclass(frozen=True, slots=True)
class DnsServersRec(Record):
    index: int
    family: Family | None
    servers: tuple[str, ...] = ()
    alias: str = ""


@dataclass(frozen=True, slots=True)
class SuffixRec(Record):
    index: int
    suffix: str | None = None
    search_list: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RouteRec(Record):
    index: int
    family: Family
    destination: str
    next_hop: str | None = None       # None = on-link (0.0.0.0 / ::)
    route_metric: int | None = None
    alias: str = ""


@dataclass(frozen=True, slots=True)
class LookupRec(Record):
    address: str
    index: int | None = None
    next_hop: str | None = None
    source_address: str | None = None
    destination: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class NrptPolicyRec(Record):
    namespaces: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WinCollection(Record):
    """Everything one PowerShell document (or one pasted cmdlet) said; empty sections mean
    'not in this input', and `present` names the sections that were."""
    present: tuple[str, ...] = ()
    ps_version: str | None = None
    os_version: str | None = None
    adapters: tuple[AdapterRec, ...] = ()
    ip_interfaces: tuple[IpInterfaceRec, ...] = ()
    addresses: tuple[AddressRec, ...] = ()
    dns_servers: tuple[DnsServersRec, ...] = ()
    suffixes: tuple[SuffixRec, ...] = ()
    global_search_list: tuple[str, ...] = ()
    routes: tuple[RouteRec, ...] = ()
    lookups: tuple[LookupRec, ...] = ()
    nrpt: tuple[NrptPolicyRec, ...] = ()
    errors: tuple[str, ...] = ()      # sections the script could not read, in its words
    gateways: tuple[RouteRec, ...] = ()   # default gateways an adapter reports (Get-NetIPConfiguration):
                                          # a default route, used when no routing table was given
    skipped: tuple[str, ...] = ()     # pasted text: lines of a recognised view that could not be read
    partial: tuple[str, ...] = ()     # pasted text: sections the command line filtered (-InterfaceAlias, | where)
    notes: tuple[str, ...] = ()       # pasted text: what the reader had to assume (cut values, wraps)


# --------------------------------------------------------------------------- tolerant helpers


def normalize_text(text: str) -> str:
    """Undo encoding accidents: BOMs, UTF-16 NULs, leading noise before the JSON."""
    text = text.replace("\ufeff", "").replace("\x00", "")
    if text.startswith("ÿþ") or text.startswith("þÿ"):   # a UTF-16 BOM read as Latin-1
        text = text[2:]
    starts = [i for i in (text.find("{"), text.find("[")) if i >= 0]
    if starts:
        text = text[min(starts):]
    ends = [i for i in (text.rfind("}"), text.rfind("]")) if i >= 0]
    if ends:
        text = text[:max(ends) + 1]
    return text


def load(text: str) -> Any:
    """Parse PowerShell JSON, repairing cp932/UTF-16 mangling; ParseError when hopeless."""
    if text is None or not text.strip():
        raise ParseError("PowerShell JSON: empty output")
    body = normalize_text(text)
    if not body:
        raise ParseError("PowerShell JSON: no JSON object or array in the output")
    try:
        return json.loads(body)
    except json.JSONDecodeError as first:
        # cp932 trail bytes include 0x5C ("\"): after UTF-8 decoding with replacement it
        # follows a U+FFFD and escapes whatever comes next (often the closing quote).
        repaired = re.sub(r"\ufffd\\", "\ufffd", body)
        try:
            return json.loads(repaired)
        except (json.JSONDecodeError, RecursionError):
            raise ParseError(f"PowerShell JSON is not valid: {first.msg} at line {first.lineno}") from None
    except RecursionError:  # json.loads on "[[[[..." nested too deeply
        raise ParseError("PowerShell JSON is nested too deeply") from None


def as_list(value: Any) -> list:
    """None -> [], a single object -> [object], {"value": [...], "Count": n} -> [...]."""
    if value is None:
        return []
    if isinstance(value, dict) and "value" in value and "Count" in value and len(value) <= 2:
        return as_list(value["value"])
    if isinstance(value, list):
        return value
    return [value]


def as_strings(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for item in as_list(value):
        if item is None:
            continue
        if isinstance(item, str):
            # registry-style "a;b" lists appear in NRPT values; a plain string is one item
            out.extend(p.strip() for p in item.split(";"))
        else:
            out.append(str(item))
    return tuple(s for s in out if s)


_V4_NAMES = {"2", "ipv4", "internetwork", "inet"}
_V6_NAMES = {"23", "ipv6", "internetworkv6", "inet6"}


def family_of(value: Any, address: str | None = None) -> Family | None:
    """AddressFamily as number or string; falls back to the address's shape."""
    if value is not None:
        key = str(value).strip().lower()
        if key in _V4_NAMES:
            return Family.INET
        if key in _V6_NAMES:
            return Family.INET6
    if address:
        try:
            ip = ipaddress.ip_network(address.split("%", 1)[0], strict=False)
        except ValueError:
            return None
        return Family.INET if ip.version == 4 else Family.INET6
    return None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def as_bool(value: Any, true: tuple = ("true", "enabled", "1", "connected", "up", "yes"),
            false: tuple = ("false", "disabled", "0", "disconnected", "down", "no")) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    key = str(value).strip().lower()
    if key in true:
        return True
    if key in false:
        return False
    return None


def _ip_or_none(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    return None if ip.is_unspecified else text


def _get(obj: dict, *keys: str) -> Any:
    for key in keys:
        if key in obj:
            return obj[key]
    lower = {k.lower(): v for k, v in obj.items()}
    for key in keys:
        if key.lower() in lower:
            return lower[key.lower()]
    return None


def _objects(value: Any) -> list[dict]:
    return [o for o in as_list(value) if isinstance(o, dict)]


# --------------------------------------------------------------------------- section readers


def _str_or_none(value: Any) -> str | None:
    # A field of another JSON type ([null], true) must not reach a str field of the model.
    return value if isinstance(value, str) and value else None


def read_adapters(value: Any) -> tuple[AdapterRec, ...]:
    out = []
    for o in _objects(value):
        index = as_int(_get(o, "ifIndex", "InterfaceIndex"))
        if index is None:
            continue
        status = _get(o, "Status")
        oper = as_int(_get(o, "InterfaceOperationalStatus"))
        media = _get(o, "MediaConnectionState")
        if oper is not None:
            is_up = oper == 1
        elif status is not None:
            is_up = str(status).strip().lower() == "up"
        elif media is not None:
            is_up = as_int(media) == 1 if as_int(media) is not None else str(media).lower() == "connected"
        else:
            is_up = None
        out.append(AdapterRec(index=index, name=str(_get(o, "Name", "InterfaceAlias") or ""),
                              description=_str_or_none(_get(o, "InterfaceDescription")),
                              guid=_str_or_none(_get(o, "InterfaceGuid")),
                              status=None if status is None else str(status),
                              mac=_str_or_none(_get(o, "MacAddress")),
                              is_up=is_up, if_type=as_int(_get(o, "InterfaceType", "ifType"))))
    return tuple(out)


def read_ip_interfaces(value: Any) -> tuple[IpInterfaceRec, ...]:
    out = []
    for o in _objects(value):
        index, fam = as_int(_get(o, "InterfaceIndex", "ifIndex")), family_of(_get(o, "AddressFamily"))
        if index is None or fam is None:
            continue
        out.append(IpInterfaceRec(index=index, family=fam, metric=as_int(_get(o, "InterfaceMetric")),
                                  automatic_metric=as_bool(_get(o, "AutomaticMetric")),
                                  connected=as_bool(_get(o, "ConnectionState")),
                                  alias=str(_get(o, "InterfaceAlias") or ""), mtu=as_int(_get(o, "NlMtu"))))
    return tuple(out)


def read_addresses(value: Any) -> tuple[AddressRec, ...]:
    out = []
    for o in _objects(value):
        index, addr = as_int(_get(o, "InterfaceIndex", "ifIndex")), _get(o, "IPAddress", "IPv4Address")
        if index is None or not isinstance(addr, str) or _ip_or_none(addr) is None:
            continue
        fam = family_of(_get(o, "AddressFamily"), addr)
        if fam is None:
            continue
        out.append(AddressRec(index=index, family=fam, address=addr.strip(), prefixlen=as_int(_get(o, "PrefixLength"))))
    return tuple(out)


def read_dns_servers(value: Any) -> tuple[DnsServersRec, ...]:
    out = []
    for o in _objects(value):
        index = as_int(_get(o, "InterfaceIndex", "ifIndex"))
        if index is None:
            continue
        servers = tuple(s for s in as_strings(_get(o, "ServerAddresses")) if _ip_or_none(s))
        fam = family_of(_get(o, "AddressFamily"), servers[0] if servers else None)
        out.append(DnsServersRec(index=index, family=fam, servers=servers, alias=str(_get(o, "InterfaceAlias") or "")))
    return tuple(out)


def read_suffixes(value: Any) -> tuple[SuffixRec, ...]:
    out = []
    for o in _objects(value):
        index = as_int(_get(o, "InterfaceIndex", "ifIndex"))
        if index is None:
            continue
        suffix = _get(o, "ConnectionSpecificSuffix")
        out.append(SuffixRec(index=index, suffix=suffix if isinstance(suffix, str) and suffix else None,
                             search_list=as_strings(_get(o, "ConnectionSpecificSuffixSearchList"))))
    return tuple(out)


def read_routes(value: Any) -> tuple[RouteRec, ...]:
    out = []
    for o in _objects(value):
        index, prefix = as_int(_get(o, "InterfaceIndex", "ifIndex")), _get(o, "DestinationPrefix")
        if index is None or not isinstance(prefix, str):
            continue
        try:
            net = ipaddress.ip_network(prefix.strip(), strict=False)
        except ValueError:
            continue
        fam = family_of(_get(o, "AddressFamily"), prefix) or (Family.INET if net.version == 4 else Family.INET6)
        out.append(RouteRec(index=index, family=fam, destination=str(net), next_hop=_ip_or_none(_get(o, "NextHop")),
                            route_metric=as_int(_get(o, "RouteMetric")), alias=str(_get(o, "InterfaceAlias") or "")))
    return tuple(out)


def read_lookups(value: Any) -> tuple[LookupRec, ...]:
    out = []
    for o in _objects(value):
        addr = _get(o, "Address", "RemoteIPAddress")
        if not isinstance(addr, str) or _ip_or_none(addr) is None:
            continue
        err = _get(o, "Error")
        out.append(LookupRec(address=addr.strip(), index=as_int(_get(o, "InterfaceIndex")),
                             next_hop=_ip_or_none(_get(o, "NextHop")), source_address=_ip_or_none(_get(o, "SourceAddress")),
                             destination=_get(o, "DestinationPrefix") or None, error=str(err) if err else None))
    return tuple(out)


def read_nrpt_policy(value: Any) -> tuple[NrptPolicyRec, ...]:
    out = []
    for o in _objects(value):
        out.append(NrptPolicyRec(namespaces=as_strings(_get(o, "Namespace")),
                                 servers=tuple(s for s in as_strings(_get(o, "NameServers")) if _ip_or_none(s))))
    return tuple(out)


# --------------------------------------------------------------------------- documents


def parse(text: str) -> WinCollection:
    """Parse the collection script's output (see platforms.windows_script): found by its
    marker and assembled by platforms.parsers.ps_document, both format versions."""
    if text is None or not text.strip():
        raise ParseError("PowerShell JSON: empty output")
    doc = ps_document.read_document(text)
    if doc is None:
        raise ParseError("PowerShell JSON: not the cvpn-doctor collection document")
    return parse_document(doc.data)


def parse_document(data: Any) -> WinCollection:
    """The sections of one assembled document (``ps_document.ScriptDocument.data``)."""
    if not isinstance(data, dict) or SCRIPT_MARKER not in data:
        raise ParseError("PowerShell JSON: not the cvpn-doctor collection document")
    present = tuple(k for k in ("adapters", "ipInterfaces", "ipAddresses", "dnsServers", "dnsClients",
                                "dnsGlobal", "routes", "routeLookups", "nrptPolicy") if k in data)
    glob = _objects(data.get("dnsGlobal"))
    return WinCollection(
        present=present,
        ps_version=str(data.get("psVersion")) if data.get("psVersion") else None,
        os_version=str(data.get("osVersion")) if data.get("osVersion") else None,
        adapters=read_adapters(data.get("adapters")),
        ip_interfaces=read_ip_interfaces(data.get("ipInterfaces")),
        addresses=read_addresses(data.get("ipAddresses")),
        dns_servers=read_dns_servers(data.get("dnsServers")),
        suffixes=read_suffixes(data.get("dnsClients")),
        global_search_list=as_strings(glob[0].get("SuffixSearchList")) if glob else (),
        routes=read_routes(data.get("routes")),
        lookups=read_lookups(data.get("routeLookups")),
        nrpt=read_nrpt_policy(data.get("nrptPolicy")),
        errors=tuple(str(e) for e in as_list(data.get("errors")) if e),
    )


def cmdlet_kind(data: Any) -> str | None:
    """Which cmdlet's ConvertTo-Json output ``data`` is, as a source id (None if unknown)."""
    objs = _objects(data)
    if not objs:
        return None
    keys = set().union(*(o.keys() for o in objs[:5]))
    if "ServerAddresses" in keys:
        return "cmdlet-dns-servers"
    if "DestinationPrefix" in keys and "NextHop" in keys:
        return "cmdlet-routes"
    if "InterfaceMetric" in keys and "AddressFamily" in keys:
        return "cmdlet-ip-interfaces"
    if "InterfaceDescription" in keys and ("ifIndex" in keys or "MacAddress" in keys):
        return "cmdlet-adapters"
    return None


def looks_like(text: str) -> str | None:
    """The source id this text would be captured as (``powershell`` or a ``cmdlet-*`` id),
    or None when it is not PowerShell JSON we understand.  Truthy, so usable as a bool."""
    if not text or not text.strip():
        return None
    if ps_document.read_document(text) is not None:
        return "powershell"
    try:
        data = load(text)
    except ParseError:
        return None
    return cmdlet_kind(data)


def parse_cmdlet(text: str, source_id: str | None = None) -> WinCollection:
    """Parse one pasted cmdlet output (``Get-X | ConvertTo-Json``) into a partial collection.

    ``source_id`` names the cmdlet; when None it is recognised from the JSON keys."""
    data = load(text)
    kind = source_id or cmdlet_kind(data)
    if kind == "cmdlet-dns-servers":
        col = WinCollection(present=("dnsServers",), dns_servers=read_dns_servers(data))
    elif kind == "cmdlet-routes":
        col = WinCollection(present=("routes",), routes=read_routes(data))
    elif kind == "cmdlet-ip-interfaces":
        col = WinCollection(present=("ipInterfaces",), ip_interfaces=read_ip_interfaces(data))
    elif kind == "cmdlet-adapters":
        col = WinCollection(present=("adapters",), adapters=read_adapters(data))
    else:
        col = None
    if col is not None:
        items = col.dns_servers or col.routes or col.ip_interfaces or col.adapters
        if _objects(data) and not items:
            raise ParseError(f"PowerShell JSON: no object has the properties of {kind}")
        return col
    raise ParseError("PowerShell JSON: not the output of a known cmdlet "
                     "(Get-DnsClientServerAddress, Get-NetRoute, Get-NetIPInterface, Get-NetAdapter)")
