"""Every source id, as a typed constant: a misspelt id fails at import or in the type checker
instead of silently naming a source nobody writes.

A source id names one captured text (a file read, a command run, an in-process read, or a
pasted output ``analyze`` recognised).  The values are stable: they are written into reports
and bundles (``raw/<id>.txt``, ``# source: <id>``) and read back, so never change one.

Here in ``agent`` (not ``platforms``) so that ``agent.rules`` and ``agent.analyze`` may name
sources without importing a platform adapter (tests/test_architecture.py).

The one family of ids that is not a fixed word is ``route-get:ADDR`` (the route to one
address): build it with :func:`route_get`, read the address back with :func:`route_get_address`.
"""
from __future__ import annotations

from typing import Final

# --------------------------------------------------------------------------- Linux
RESOLV_CONF: Final = "resolv.conf"                 # /etc/resolv.conf (also macOS, and pasted anywhere)
RESOLV_CONF_LINK: Final = "resolv.conf-link"       # where /etc/resolv.conf points (readlink), JSON
NSSWITCH_CONF: Final = "nsswitch.conf"             # /etc/nsswitch.conf
OS_RELEASE: Final = "os-release"                   # /etc/os-release
RESOLVED_DBUS: Final = "resolved-dbus"             # systemd-resolved over D-Bus, JSON
RESOLVECTL: Final = "resolvectl"                   # `resolvectl status`
INTERFACES: Final = "interfaces"                   # psutil net_if_addrs + net_if_stats, JSON
IP_ROUTE: Final = "ip-route"                       # `ip -j -4 route show table all`
IP_ROUTE6: Final = "ip-route6"                     # `ip -j -6 route show table all`
IP_RULE: Final = "ip-rule"                         # `ip -j rule show`
IP_ROUTE_TEXT: Final = "ip-route-text"             # `ip route show table all` (no -j)
IP_RULE_TEXT: Final = "ip-rule-text"               # `ip rule show`
PROC_NET_ROUTE: Final = "proc-net-route"           # /proc/net/route (no `ip` at all)
ROUTE_TARGETS: Final = "route-targets"             # the addresses a route lookup was wanted for, JSON
ROUTE_N: Final = "route-n"                         # pasted: net-tools `route -n` / `netstat -rn`
ROUTE_NAMES: Final = "route-names"                 # pasted: the same without -n
NMCLI: Final = "nmcli"                             # pasted: `nmcli device show`
IFCONFIG: Final = "ifconfig"                       # `ifconfig` (macOS: -a; Linux: pasted net-tools)

# --------------------------------------------------------------------------- macOS
SCUTIL_DNS: Final = "scutil-dns"                   # scutil --dns
SCUTIL_NWI: Final = "scutil-nwi"                   # scutil --nwi
NETSTAT_INET: Final = "netstat-inet"               # netstat -rn -f inet
NETSTAT_INET6: Final = "netstat-inet6"             # netstat -rn -f inet6
NETSTAT_RN: Final = "netstat-rn"                   # pasted `netstat -rn` (both sections)
SW_VERS: Final = "sw-vers"                         # sw_vers

# --------------------------------------------------------------------------- Windows
POWERSHELL: Final = "powershell"                   # the collection script's JSON lines
WINREG_NRPT: Final = "winreg-nrpt"                 # the NRPT registry keys, JSON (or pasted `reg query`)
IPCONFIG: Final = "ipconfig"                       # ipconfig /all
ROUTE_PRINT: Final = "route-print"                 # route print
CMDLET_DNS_SERVERS: Final = "cmdlet-dns-servers"   # pasted Get-DnsClientServerAddress | ConvertTo-Json
CMDLET_ROUTES: Final = "cmdlet-routes"             # pasted Get-NetRoute | ConvertTo-Json
CMDLET_IP_INTERFACES: Final = "cmdlet-ip-interfaces"   # pasted Get-NetIPInterface | ConvertTo-Json
CMDLET_ADAPTERS: Final = "cmdlet-adapters"         # pasted Get-NetAdapter | ConvertTo-Json
PS_DNS_CLIENT_SERVER_ADDRESS: Final = "ps-dnsclientserveraddress"   # pasted cmdlet views, as printed
PS_NET_IP_INTERFACE: Final = "ps-netipinterface"
PS_NET_ROUTE: Final = "ps-netroute"
PS_NET_IP_CONFIGURATION: Final = "ps-netipconfiguration"
PS_NET_ADAPTER: Final = "ps-netadapter"
PS_NRPT: Final = "ps-nrpt"
NETSH_INTERFACES: Final = "netsh-interfaces"

CMDLET_SOURCES: Final = (CMDLET_DNS_SERVERS, CMDLET_ROUTES, CMDLET_IP_INTERFACES, CMDLET_ADAPTERS)
PS_TEXT_SOURCES: Final = (PS_DNS_CLIENT_SERVER_ADDRESS, PS_NET_IP_INTERFACE, PS_NET_ROUTE, PS_NET_IP_CONFIGURATION,
                          PS_NET_ADAPTER, PS_NRPT, NETSH_INTERFACES)

# --------------------------------------------------------------------------- VPN client (every OS)
VPN_LOG: Final = "vpn-log"                         # OpenVPN's own log (PUSH_REPLY)
VPN_SERVICE_LOG: Final = "vpn-service-log"         # the AWS VPN Client service's log
VPN_CLIENT_LOG: Final = "vpn-client-log"           # the AWS VPN Client GUI's log
VPN_DNS_LOG: Final = "vpn-dns-log"                 # the client's configure-dns log
VPN_JOURNAL: Final = "vpn-journal"                 # journalctl lines of the VPN units
VPN_PROFILE: Final = "vpn-profile"                 # the .ovpn profile
VPN_PROCESSES: Final = "vpn-processes"             # the running OpenVPN processes, JSON
AWS_VPN_CLIENT_CONNECTIONS: Final = "aws-vpn-client-connections"   # aws-vpn-client list-connections
AWS_VPN_CLIENT_STATUS: Final = "aws-vpn-client-status"             # aws-vpn-client get-connection-status

# --------------------------------------------------------------------------- local evidence (every OS)
HOSTS: Final = "hosts"                             # the hosts file
BROWSER_DNS: Final = "browser-dns"                 # browsers' DNS-over-HTTPS settings, JSON
CONTAINER_DNS: Final = "container-dns"             # Docker / WSL DNS settings, JSON
PORT53: Final = "port53"                           # who listens on port 53 (ss / lsof)

# --------------------------------------------------------------------------- families of ids
ROUTE_GET_PREFIX: Final = "route-get:"             # route-get:ADDR, the kernel's route to ADDR
POWERSHELL_SECTION_PREFIX: Final = "powershell:"   # powershell:SECTION, a failed script section (errors only)
PREFIXES: Final = (ROUTE_GET_PREFIX, POWERSHELL_SECTION_PREFIX)

# Recogniser-only names (platforms/recognize.py): refined to a real id before any adapter reads them.
PS_TEXT: Final = "ps-text"                         # refined to one of PS_TEXT_SOURCES


def route_get(address: str) -> str:
    """The id of the route lookup for ``address``: ``route-get:ADDR``."""
    return ROUTE_GET_PREFIX + address


def route_get_address(source_id: str) -> str:
    """The address of a ``route-get:ADDR`` id (the text after the prefix)."""
    return source_id[len(ROUTE_GET_PREFIX):] if source_id.startswith(ROUTE_GET_PREFIX) else ""


ALL: Final[frozenset[str]] = frozenset({
    RESOLV_CONF, RESOLV_CONF_LINK, NSSWITCH_CONF, OS_RELEASE, RESOLVED_DBUS, RESOLVECTL, INTERFACES, IP_ROUTE,
    IP_ROUTE6, IP_RULE, IP_ROUTE_TEXT, IP_RULE_TEXT, PROC_NET_ROUTE, ROUTE_TARGETS, ROUTE_N, ROUTE_NAMES, NMCLI,
    IFCONFIG,
    SCUTIL_DNS, SCUTIL_NWI, NETSTAT_INET, NETSTAT_INET6, NETSTAT_RN, SW_VERS,
    POWERSHELL, WINREG_NRPT, IPCONFIG, ROUTE_PRINT, *CMDLET_SOURCES, *PS_TEXT_SOURCES,
    VPN_LOG, VPN_SERVICE_LOG, VPN_CLIENT_LOG, VPN_DNS_LOG, VPN_JOURNAL, VPN_PROFILE, VPN_PROCESSES,
    AWS_VPN_CLIENT_CONNECTIONS, AWS_VPN_CLIENT_STATUS,
    HOSTS, BROWSER_DNS, CONTAINER_DNS, PORT53,
})


def is_known(source_id: str) -> bool:
    """``source_id`` is one of :data:`ALL`, or ``route-get:ADDR`` / ``powershell:SECTION``."""
    return source_id in ALL or any(source_id.startswith(p) and len(source_id) > len(p) for p in PREFIXES)
