"""Parser for ``nmcli device show`` (``nmcli dev show [IFNAME]``), for pasted outputs.

The adapter does not run nmcli (its values are translated: a real capture shows Polish
states); help desks paste it, and ``analyze`` reads it.  The property names
(``GENERAL.DEVICE``, ``IP4.DNS[1]``) are not translated, so they are what we key on.

``parse(text) -> tuple[NmcliDevice, ...]``, one per ``GENERAL.DEVICE`` block;
``resolvers(devices)`` gives the per-link DNS servers as Resolver records (scope LINK:
NetworkManager hands them to resolved or to resolv.conf per device).  Text without a
``GENERAL.DEVICE:`` line raises :class:`ParseError`.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from agent.model import Resolver, ResolverScope
from agent.serial import Record
from platforms.base import ParseError

_LINE = re.compile(r"^(?P<key>[A-Z0-9-]+(?:\.[A-Z0-9_-]+)+)(?:\[(?P<n>\d+)\])?:\s*(?P<value>.*?)\s*$")


@dataclass(frozen=True, slots=True)
class NmcliDevice(Record):
    device: str
    type: str | None = None
    state: str | None = None              # e.g. "100 (connected)" (the text part may be translated)
    connection: str | None = None
    ip4_addresses: tuple[str, ...] = ()
    ip4_gateway: str | None = None
    ip4_dns: tuple[str, ...] = ()
    ip4_domains: tuple[str, ...] = ()
    ip4_routes: tuple[str, ...] = ()
    ip6_addresses: tuple[str, ...] = ()
    ip6_gateway: str | None = None
    ip6_dns: tuple[str, ...] = ()
    ip6_domains: tuple[str, ...] = ()
    ip6_routes: tuple[str, ...] = ()

    @property
    def state_code(self) -> int | None:
        m = re.match(r"^\s*(\d+)", self.state or "")
        return int(m[1]) if m else None


def _none(value: str) -> str | None:
    return None if value in ("", "--") else value


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _device(props: dict[str, list[str]]) -> NmcliDevice:
    def one(key: str) -> str | None:
        vals = props.get(key) or []
        return _none(vals[0]) if vals else None

    def many(key: str) -> tuple[str, ...]:
        return tuple(v for v in (props.get(key) or []) if _none(v))

    return NmcliDevice(
        device=one("GENERAL.DEVICE") or "", type=one("GENERAL.TYPE"), state=one("GENERAL.STATE"),
        connection=one("GENERAL.CONNECTION"),
        ip4_addresses=many("IP4.ADDRESS"), ip4_gateway=one("IP4.GATEWAY"),
        ip4_dns=tuple(v for v in many("IP4.DNS") if _valid_ip(v)), ip4_domains=many("IP4.DOMAIN"),
        ip4_routes=many("IP4.ROUTE"),
        ip6_addresses=many("IP6.ADDRESS"), ip6_gateway=one("IP6.GATEWAY"),
        ip6_dns=tuple(v for v in many("IP6.DNS") if _valid_ip(v)), ip6_domains=many("IP6.DOMAIN"),
        ip6_routes=many("IP6.ROUTE"),
    )


def parse(text: str) -> tuple[NmcliDevice, ...]:
    devices: list[NmcliDevice] = []
    props: dict[str, list[str]] | None = None
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if not m:
            continue
        key, value = m["key"], m["value"]
        if key == "GENERAL.DEVICE":
            if props is not None:
                devices.append(_device(props))
            props = {}
        if props is None:
            continue
        props.setdefault(key, []).append(value)
    if props is not None:
        devices.append(_device(props))
    if not devices:
        raise ParseError("no `GENERAL.DEVICE:` line: not `nmcli device show` output")
    return tuple(devices)


def resolvers(devices: tuple[NmcliDevice, ...]) -> tuple[Resolver, ...]:
    out = []
    for dev in devices:
        for order, addr in enumerate(dev.ip4_dns + dev.ip6_dns):
            out.append(Resolver(address=addr, scope=ResolverScope.LINK, interface=dev.device,
                                domains=dev.ip4_domains + dev.ip6_domains, order=order,
                                origin=f"nmcli device {dev.device}"))
    return tuple(out)


def looks_like(text: str) -> bool:
    return bool(re.search(r"^GENERAL\.DEVICE:\s+\S", text, re.M))
