"""Interface inventory from psutil, captured as JSON (OS-neutral; every adapter may use it).

Capture format (what :func:`read_psutil` returns and ``api_capture`` stores)::

    {"addrs": {"eth0": [{"family": "AF_INET", "address": "192.0.2.2",
                         "netmask": "255.255.255.0", "broadcast": "192.0.2.255", "ptp": null},
                        {"family": "AF_LINK", "address": "02:42:ac:11:00:02", ...}]},
     "stats": {"eth0": {"isup": true, "mtu": 1500, "flags": "up,broadcast,running,multicast"}},
     "index": {"eth0": 2}}

``family`` is the socket family's name; the link-layer family (AF_PACKET on Linux,
AF_LINK on BSD/Windows) is always written ``AF_LINK``.  Optional per-interface extras
(Windows: ``description``, ``guid``, ``metric``) may be given under ``"extra"``.

``parse(text) -> tuple[Interface, ...]`` is pure; kinds come from
:func:`platforms.tunnel.interface_kind` (name, flags, description; never a localised alias).
Text that is not such a JSON object raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import logging
import socket

from agent.model import Family, IfAddress, Interface
from platforms.base import ParseError, load_json
from platforms.tunnel import interface_kind

log = logging.getLogger(__name__)


def read_psutil() -> dict:
    """The I/O half (used by the adapters through ``api_capture``): psutil's
    net_if_addrs + net_if_stats, and interface indexes from the socket module."""
    import psutil   # lazy: start-up time

    addrs = {}
    for name, entries in psutil.net_if_addrs().items():
        rows = []
        for a in entries:
            if a.family == psutil.AF_LINK:
                family = "AF_LINK"
            else:
                family = getattr(a.family, "name", str(a.family))
            rows.append({"family": family, "address": a.address, "netmask": a.netmask,
                         "broadcast": a.broadcast, "ptp": a.ptp})
        addrs[name] = rows
    stats = {}
    for name, s in psutil.net_if_stats().items():
        stats[name] = {"isup": s.isup, "mtu": s.mtu, "speed": s.speed,
                       "duplex": int(s.duplex), "flags": getattr(s, "flags", "")}
    index = {}
    if hasattr(socket, "if_nameindex"):
        try:
            index = {name: idx for idx, name in socket.if_nameindex()}
        except OSError:
            log.debug("if_nameindex failed", exc_info=True)
    return {"addrs": addrs, "stats": stats, "index": index}


def _prefixlen(address: str, netmask: str | None) -> int | None:
    """Prefix length from a dotted or colon netmask (psutil gives masks, not lengths)."""
    if not netmask:
        return None
    try:
        if netmask.isdigit():
            return int(netmask)
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        mask = int(ipaddress.ip_address(netmask.split("/", 1)[0]))
        bits = 32 if ip.version == 4 else 128
    except ValueError:
        return None
    length = bin(mask).count("1")
    # a valid mask is contiguous ones from the top
    return length if mask == ((1 << bits) - 1) ^ ((1 << (bits - length)) - 1) else None


def _address(row: dict) -> IfAddress | None:
    family = row.get("family")
    address = row.get("address")
    if family not in ("AF_INET", "AF_INET6") or not isinstance(address, str):
        return None
    try:
        ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    peer = row.get("ptp")
    if peer:
        try:
            ipaddress.ip_address(str(peer).split("%", 1)[0])
        except ValueError:
            peer = None
    return IfAddress(family=Family.INET if family == "AF_INET" else Family.INET6, address=address,
                     prefixlen=_prefixlen(address, row.get("netmask")), peer=peer or None)


def parse(text: str) -> tuple[Interface, ...]:
    data = load_json(text, "interface inventory")
    if not isinstance(data, dict) or not isinstance(data.get("addrs"), dict):
        raise ParseError("interface inventory has no `addrs` object")
    addrs: dict = data["addrs"]
    stats: dict = data.get("stats") or {}
    index: dict = data.get("index") or {}
    extra: dict = data.get("extra") or {}
    try:
        return _interfaces(addrs, stats, index, extra)
    except (AttributeError, TypeError, ValueError) as err:  # a field of the wrong JSON type
        raise ParseError(f"interface inventory has an unexpected shape: {err!r}") from None


def _interfaces(addrs: dict, stats: dict, index: dict, extra: dict) -> tuple[Interface, ...]:
    out = []
    for name in sorted(set(addrs) | set(stats), key=lambda n: (index.get(n, 1 << 30), n)):
        st = stats.get(name) or {}
        ex = extra.get(name) or {}
        flags = tuple(f for f in str(st.get("flags") or "").split(",") if f)
        rows = addrs.get(name) or []
        mac = next((r.get("address") for r in rows if r.get("family") == "AF_LINK" and r.get("address")), None)
        addresses = tuple(a for a in (_address(r) for r in rows if isinstance(r, dict)) if a is not None)
        # a point-to-point peer marks a tun even where psutil gives no flags (macOS, Windows)
        kind_flags = flags + (("pointopoint",) if any(a.peer for a in addresses) else ())
        description = ex.get("description")
        out.append(Interface(
            name=name, index=index.get(name), kind=interface_kind(name, kind_flags, description),
            is_up=st.get("isup"), mtu=st.get("mtu") or None, flags=flags, addresses=addresses,
            mac=mac or None, description=description, guid=ex.get("guid"), metric=ex.get("metric"),
        ))
    return tuple(out)


def looks_like(text: str) -> bool:
    s = text.lstrip()
    return s.startswith("{") and '"addrs"' in s and '"stats"' in s
