"""Small, pure address helpers shared by the probes and the classifier.

* :func:`address_class` names the special-purpose block an address belongs to
  (RFC 1918, RFC 6598 shared/CGNAT space, ULA, link-local, loopback, ...) or ``"public"``;
* :func:`is_private` says whether an address is *not* reachable over the public Internet
  -- for a DNS answer that means "this name points into a private network (a VPC,
  the LAN)", which is what the ``public-answer-for-private-service`` rule compares;
* :func:`interface_owning` maps a source address to the snapshot interface holding it;
* :func:`route_interface` is the snapshot's own route lookup for a server address.

Addresses may carry an IPv6 zone id (``fe80::1%en0``); it is ignored for classification.
IPv4-mapped IPv6 addresses (``::ffff:10.0.0.1``) are classified as their IPv4 address.
"""
from __future__ import annotations

import ipaddress
from typing import Union

from agent.model import Snapshot, ip_of
from agent.overlay import is_overlay_link

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

# Checked in order; the first block that holds the address names its class.  Written out
# instead of relying on ipaddress.is_private because that flag's membership changed
# between Python versions and does not cover RFC 6598 (100.64/10), which AWS Client VPN
# users meet as home/mobile CGNAT LANs and as VPC secondary CIDRs.
_BLOCKS: tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...] = tuple(
    (name, ipaddress.ip_network(cidr)) for name, cidr in (
        ("unspecified", "0.0.0.0/8"),          # RFC 1122 "this network"
        ("rfc1918", "10.0.0.0/8"),
        ("cgnat", "100.64.0.0/10"),            # RFC 6598 shared address space
        ("loopback", "127.0.0.0/8"),
        ("link-local", "169.254.0.0/16"),      # RFC 3927 (also the VPC's 169.254.169.253)
        ("rfc1918", "172.16.0.0/12"),
        ("special", "192.0.0.0/24"),           # RFC 6890 IETF protocol assignments
        ("documentation", "192.0.2.0/24"),     # RFC 5737 TEST-NET-1
        ("rfc1918", "192.168.0.0/16"),
        ("benchmark", "198.18.0.0/15"),        # RFC 2544
        ("documentation", "198.51.100.0/24"),  # TEST-NET-2
        ("documentation", "203.0.113.0/24"),   # TEST-NET-3
        ("multicast", "224.0.0.0/4"),
        ("reserved", "240.0.0.0/4"),           # includes 255.255.255.255
        ("unspecified", "::/128"),
        ("loopback", "::1/128"),
        ("documentation", "2001:db8::/32"),    # RFC 3849
        ("ula", "fc00::/7"),                   # RFC 4193 unique local
        ("link-local", "fe80::/10"),
        ("site-local", "fec0::/10"),           # deprecated, still seen
        ("multicast", "ff00::/8"),
    ))


def parse_address(text: str) -> IPAddress:
    """The address of ``text`` without a zone id; IPv4-mapped IPv6 becomes IPv4.

    Raises ValueError when ``text`` is not an IP address."""
    ip = ip_of(text.strip())
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def address_class(text: str) -> str:
    """The special-purpose block of an address (``rfc1918``, ``cgnat``, ``ula``,
    ``link-local``, ``loopback``, ``unspecified``, ``documentation``, ``benchmark``,
    ``multicast``, ``reserved``, ``special``, ``site-local``) or ``public``.

    Raises ValueError when ``text`` is not an IP address."""
    ip = parse_address(text)
    for name, net in _BLOCKS:
        if ip.version == net.version and ip in net:
            return name
    return "public"


# Documentation ranges (RFC 5737/3849) stand for public addresses in docs, tickets and the
# lab's "internet", so they count as public here.
PUBLIC_CLASSES = frozenset({"public", "documentation"})


def is_private(text: str) -> bool:
    """True when the address is not globally routable (every class but ``public`` and
    ``documentation``).

    Raises ValueError when ``text`` is not an IP address."""
    return address_class(text) not in PUBLIC_CLASSES


def is_loopback(text: str) -> bool:
    """True for 127.0.0.0/8 and ::1 (a stub on this machine); False for anything else,
    including text that is not an address."""
    try:
        return address_class(text) == "loopback"
    except ValueError:
        return False


def is_linklocal(text: str) -> bool:
    """True for 169.254.0.0/16 and fe80::/10.  Raises ValueError when not an address."""
    return address_class(text) == "link-local"


def same_address(a: str | None, b: str | None) -> bool:
    """Equal as addresses (``::1`` == ``0:0::1``; zone ids and IPv4-mapping ignored)."""
    if not a or not b:
        return False
    try:
        return parse_address(a) == parse_address(b)
    except ValueError:
        return False


def is_overlay_interface(snapshot: Snapshot, name: str | None) -> bool:
    """``name`` is an overlay VPN's link (agent.overlay), told by its name or, when the snapshot
    lists the adapter, by its description (a Windows alias says nothing)."""
    iface = snapshot.interface(name) if name else None
    return is_overlay_link(name, iface.description if iface is not None else None)


def interface_owning(snapshot: Snapshot | None, address: str | None) -> str | None:
    """The name of the snapshot interface that holds ``address``, or None.

    A source address the kernel picked belongs to exactly one interface on a sane host;
    when several list it (an anycast or duplicated address) the first one is returned."""
    if snapshot is None or not address:
        return None
    for iface in snapshot.interfaces:
        for ifaddr in iface.addresses:
            if same_address(ifaddr.address, address):
                return iface.name
    return None


def route_interface(snapshot: Snapshot | None, server: str) -> str | None:
    """The interface the snapshot's route lookup for ``server`` named, or None."""
    if snapshot is None:
        return None
    lookup = snapshot.lookup(server)
    if lookup is None:
        for lk in snapshot.route_lookups:  # the lookup may spell the address differently
            if same_address(lk.address, server):
                lookup = lk
                break
    return lookup.interface if lookup is not None else None


def is_single_label(name: str) -> bool:
    """A host name of one label ("db01"): the OS completes it with its search list."""
    name = name.strip().rstrip(".")
    if not name or "." in name or ":" in name:
        return False
    return not name.isdigit()
