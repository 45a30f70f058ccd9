"""Address classification used by probes and rules."""
from __future__ import annotations

import ipaddress

_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def is_private(address: str) -> bool:
    """True for addresses that are not globally routable: RFC 1918, CGNAT 100.64/10,
    link-local, loopback, ULA fc00::/7 and the like."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 4 and ip in _CGNAT:
        return True
    if ip.version == 4 and (ip in ipaddress.ip_network("192.0.2.0/24") or ip in ipaddress.ip_network("198.51.100.0/24")
                            or ip in ipaddress.ip_network("203.0.113.0/24")):
        # Documentation ranges stand for public addresses (the lab's "internet" uses them).
        return False
    return ip.is_private or ip.is_link_local or ip.is_loopback


def is_linklocal(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_link_local
    except ValueError:
        return False
