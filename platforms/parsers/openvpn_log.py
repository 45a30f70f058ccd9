"""VPN client logs -> what the server pushed, which tunnel came up, and when it came and went.

Pure parser for every log a VPN client ticket tends to carry, read line by line whatever wraps
the OpenVPN message:

* OpenVPN 2.4-2.6 logs (``openvpn --config`` from a shell prompt, ``--log``, Windows OpenVPN GUI,
  Tunnelblick's ``*Tunnelblick:`` log, the AWS VPN Client's ``ovpn_aws_vpn_client_*.log``), with
  ctime, ISO (``us=`` or fractions), ``--machine-readable-output`` (epoch + flags) or no timestamps;
* syslog / journald lines (``Aug  3 10:28:36 host ovpn-client[347]:``, ``openvpn[...]``,
  ``nm-openvpn[...]``, ``NetworkManager[...]: <info> [epoch] vpn-connection[...]: Data: ...``,
  ``journalctl -o short-iso``, OpenWrt's ``daemon.notice openvpn(x)[pid]:``);
* management-interface ``>LOG:<epoch>,<flags>,<message>`` lines wherever they are wrapped: the AWS
  VPN Client's Linux service log (``... -03:00 [DBG] >LOG:...``), its 4.x form
  (``[DBG] [TI=12] [PID: 556667] <OpenVPN line>``), JSON-lines or GUI logs of other clients;
* the AWS VPN Client's ``configure-dns`` helper (``foreign_option_N from OpenVPN: dhcp-option DNS x``)
  and its 6.x GUI log (``Profile connected: <name>``, ``SAML authentication required for profile:
  <name>``);
* OpenVPN 3: OpenVPN Connect (``⏎10/07/2021 15:50:40 EVENT: CONNECTED ...``, the numbered
  ``OPTIONS:`` block it prints for the pushed options) and OpenVPN 3 Linux session logs
  (``{tag:...} Client INFO: Connected: ... via /UDP on tun/10.0.0.2/``).

What it gives (:class:`OpenVpnLog`): the newest push (``PUSH_REPLY``, merged over
``push-continuation``; OpenVPN 3's ``OPTIONS:`` block; NetworkManager's ``Data:`` block; or, as a
partial push whose tunnel mode is unknown, the DNS options a configure-dns helper logged) as a
:class:`agent.model.PushedConfig` with its tunnel mode; the tunnel device; connect/disconnect times
and which came last; the SAML sign-in state; notable errors; which client wrote the log.

"Newest" is decided by the log's timestamps when every candidate has one (so two sessions pasted
in the wrong order, or a reconnect after a disconnect, give the later push), else by file position.
A server's log (it *sends* PUSH_REPLY) is recognised and never read as what this client got.
A line that cannot be read (a masked address in a pushed option, a mangled timestamp) is skipped
and noted in ``skipped``; it never discards the rest of the log.

Timestamps are the log's own local time (the log does not say its zone), normalised to
``YYYY-MM-DDTHH:MM:SS`` where the log gives a year, ``...Z`` (UTC) where only a management epoch
gives the time, else kept as written (``Aug  3 10:28:36``, an ambiguous ``10/07/2021 15:50:40``).
Auth-token values are never kept (a pushed ``auth-token X`` becomes ``auth-token [removed]``).
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Callable, TypeVar

from agent.model import PushedConfig, SamlState, TunnelMode, VpnClient
from platforms.base import ParseError

MAX_ERRORS = 20
MAX_SKIPPED = 20
MAX_LINE_CHARS = 65536        # a PUSH_REPLY is at most a few KB; longer lines are cut before matching

# Source ids :func:`looks_like` tells apart, so `analyze` keeps an OpenVPN log, the AWS client's GUI log
# and its configure-dns log of one ticket side by side.
KIND_LOG = "vpn-log"
KIND_CLIENT_LOG = "vpn-client-log"
KIND_DNS_LOG = "vpn-dns-log"

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                       "Oct", "Nov", "Dec"), start=1)}
_MON = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_T = r"(?P<time>\d{2}:\d{2}:\d{2})"

# --------------------------------------------------------------------------- line prefixes
# Each is tried at the start of what is left of a line; the first timestamp found is the line's.
_P_SERILOG = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}) " + _T + r"(?:\.\d+)?(?: ?[+-]\d{2}:?\d{2})? "
                        r"\[(?P<level>VRB|DBG|INF|WRN|ERR|FTL)\] (?:\[TI=\d+\] )?(?:\[PID: ?\d+\] )?")
_P_ISO = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})[ T]" + _T + r"(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?"
                    r"(?: us=\d+)?(?:[ \t]+|$)")
_P_CTIME = re.compile(_DOW + r" " + _MON + r" +(?P<day>\d{1,2}) " + _T +
                      r"(?: (?:[A-Z]{2,5}|[+-]\d{2,4}))? (?P<year>\d{4})(?: us=\d+)?(?:[ \t]+|$)")
_P_SYSLOG = re.compile(r"(?:" + _DOW + r" )?" + _MON + r" +(?P<day>\d{1,2}) " + _T + r"(?:\.\d+)?"
                       r"(?: (?P<year>\d{4}))?(?: us=\d+)?(?:[ \t]+|$)")
# journalctl in a non-English locale ("юни 25 22:16:29"): kept as written, no sort key
_P_SYSLOG_ANY = re.compile(r"(?P<mon>[^\W\d_]{3,6}\.?) +(?P<day>\d{1,2}) " + _T + r"[ \t]+")
_P_SLASH = re.compile(r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>\d{4}),? (?P<time>\d{1,2}:\d{2}:\d{2})"
                      r"(?: ?(?P<ampm>[AP]M))?(?:[ \t]+|$)")
_P_YMD_SLASH = re.compile(r"(?P<date>\d{4}/\d{1,2}/\d{1,2}) (?P<time>\d{1,2}:\d{2}:\d{2})(?:[ \t]+|$)")
_P_TIME_ONLY = re.compile(r"(?P<time>\d{2}:\d{2}:\d{2})(?:\.\d+)?[ \t]+(?=\S)")   # a pasted time of day alone
_P_BRACKET = re.compile(r"\[" + _MON + r" (?P<day>\d{1,2}),(?: (?P<year>\d{4}),)? " + _T + r"\](?: \[\w+\])?\s*")
_P_MACHINE = re.compile(r"(?P<epoch>\d{10})\.\d{1,6} [0-9a-fA-F]{8} ")
_P_LOGCAT = re.compile(r"\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} +\d+-\d+/\S+ [VDIWEF]/[^:]{1,60}: ")
_P_PROG = re.compile(r"(?:(?P<host>[\w.<>@:-]+)[ \t]+)?(?P<prog>[\w.@()/-]+?)\[(?P<pid>\d+)\]:[ \t]*")
_P_PROG_BARE = re.compile(r"(?:(?P<host>[\w.<>-]+) )?(?P<prog>NetworkManager|nm-openvpn|nm-dispatcher|openvpn):[ \t]*")
_P_NM_LEVEL = re.compile(r"<(?:info|warn|debug|error|trace)>\s+(?:\[(?P<epoch>\d{10})\.\d+\]\s+)?")
_P_OV3 = re.compile(r"(?:\{tag:-?\d+\}\s+)?(?P<svc>Client|Session Manager|Network Configuration|"
                    r"Config(?:uration)? Manager|Backend Starter|Logger)(?: (?:INFO|DEBUG|VERB\d|WARNING|ERROR|"
                    r"CRITICAL|FATAL))?:\s")
_P_TAG = re.compile(r"\{tag:-?\d+\}\s+")
_P_TUNNELBLICK = re.compile(r"\*Tunnelblick: ")
_P_QUOTE = re.compile(r"(?:>[ \t])+")
_MGMT_LOG = re.compile(r">LOG:(?P<epoch>\d{9,11}),(?P<flags>[A-Za-z]*),(?P<msg>.*)")
_MACHINE_ANYWHERE = re.compile(r"(?:^|[\"'\s])(?P<epoch>\d{10})\.\d{6} [0-9a-fA-F]{8} (?P<msg>.*)")
# a timestamp after a little garbage (a terminal's "^X", a stray word glued to the line)
_TS_NEAR_START = re.compile(r"(?:\^[A-Z@\[\\\]^_]|[A-Za-z]{1,12}?)(?=(?:" + _DOW + r" )?" + _MON + r" +\d{1,2} \d{2}:"
                            r"|\d{4}-\d{2}-\d{2}[ T]\d{2}:)")

# --------------------------------------------------------------------------- events
_PUSH_REPLY = re.compile(r"PUSH_REPLY,(?P<opts>[^']*)")
# The default route OpenVPN found before adding its own: "ROUTE_GATEWAY 192.168.1.1/255.255.255.0 IFACE=eth0
# HWADDR=..." (Windows: "I=11", no name; a bare gateway where it could not read more), 2.6's netlink
# "net_route_v4_best_gw result: via 192.168.1.1 dev eth0" after a query for 0.0.0.0, 2.1's
# "ROUTE default_gateway=192.168.1.1"
_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_ROUTE_GATEWAY = re.compile(r"\bROUTE_GATEWAY (?P<gw>" + _IPV4 + r")(?:/\S+)?(?: IFACE=(?P<dev>\S+))?")
_BEST_GW_QUERY = re.compile(r"\bnet_route_v4_best_gw query: dst (?P<dst>\S+)")
_BEST_GW = re.compile(r"\bnet_route_v4_best_gw result: via (?P<gw>" + _IPV4 + r") dev (?P<dev>\S+)")
_OLD_DEFAULT_GW = re.compile(r"\bROUTE default_gateway=(?P<gw>" + _IPV4 + r")\b")
_FILTERED = re.compile(r"Pushed option removed by filter: '(?P<opt>[^']*)'")
_CONNECT = re.compile(r"Initialization Sequence Completed|EVENT: CONNECTED\b|^Connected: |>STATE:\d+,CONNECTED,|"
                      r"\bProfile connected: ", re.I)
# case matters: NetworkManager says "-> disconnected" of a device that is coming *up*
_DISCONNECT = re.compile(r"SIGTERM\[|process exiting|Closing TUN/TAP interface|\bDISCONNECTED\b|"
                         r"SIG(?:USR1|HUP)\[[^\]]*\] received, process restarting|^Disconnected\s*$|"
                         r">STATE:\d+,(?:EXITING|RECONNECTING),|VPN plugin: state changed: stopped|"
                         r"SIGTERM received, sending exit notification|PROCESS EXITING|CLOSING TUN/TAP")
_ERROR = re.compile(
    r"RESOLVE: Cannot resolve host|DNS resolve error|Cannot resolve host address|AUTH_FAILED|"
    r"TLS Error|TLS handshake failed|VERIFY ERROR|Options error|OPTIONS ERROR|Exiting due to fatal error|"
    r"FATAL|Transport Error|Connection reset|Inactivity timeout|Initialization Sequence Completed With Errors|"
    r"Cannot open TUN/TAP|There are no TAP-Windows|All TAP-Windows adapters|\bERROR:|"
    r"discrepancy between the IP address|Could not determine IPv4/IPv6 protocol|"
    r"Failed running command|could not execute external program|exit code: [1-9]\d*|"
    r"EVENT: (?:TRANSPORT_ERROR|CONNECTION_TIMEOUT|CERT_VERIFY_FAIL|TUN_SETUP_FAILED|TUN_IFACE_CREATE|"
    r"CLIENT_HALT|PROXY_ERROR|TLS_VERSION_MIN)|VPN plugin: failed|Connection Failed|SAML\b.{0,80}\b(?:fail|error)",
    re.I)
_ENDPOINT_UNRESOLVABLE = re.compile(r"(?:Cannot resolve host address|DNS resolve error on)[: ']+\s*'?"
                                    r"(?P<host>[\w.-]*cvpn-endpoint-[0-9a-f]+[\w.-]*)", re.I)
_SAML_CHALLENGE = re.compile(r"AUTH_FAILED,CRV1:\S{0,400}?https?://|SAML authentication required|"
                             r"Getting SAML redirect URL|WEB_AUTH::|OPEN_URL:|>INFOMSG:WEB_AUTH", re.I)
_SAML_PROFILE = re.compile(r"SAML authentication required for profile:\s*(?P<name>.+?)\s*$", re.I)
_PROFILE_CONNECTED = re.compile(r"Profile connected:\s*(?P<name>.+?)\s*$", re.I)
_AUTH_FAILED = re.compile(r"AUTH_FAILED|EVENT: AUTH_FAILED", re.I)
_BANNER = re.compile(r"^OpenVPN (?P<ver>2\.\d+[\w.]*) |^OpenVPN core v?3")
# Lines only OpenVPN 2.x writes: a log with them and no other client's marker is plain OpenVPN's.
_OPENVPN2 = re.compile(r"PUSH: Received control message|Initialization Sequence Completed|TUN/TAP device|"
                       r"Peer Connection Initiated|OPTIONS IMPORT:|link remote: |TLS: Initial packet from|"
                       r"SENT CONTROL \[|process exiting|process restarting|ROUTE_GATEWAY ")
_SERVER = re.compile(r"SENT CONTROL \[[^\]]*\]: 'PUSH_REPLY|\bMULTI(?:_sva)?: |: peer info: IV_|"
                     r"\bovpn-server\[|TCPv4_SERVER link|MULTI: multi_create_instance")
_OPTIONS_HEAD = re.compile(r"^OPTIONS:\s*$")
_OPTION_ROW = re.compile(r"^\s*\d{1,4} \[(?P<name>[^\]\s]+)\](?P<args>(?: \[[^\]]*\])*)\s*$")
_OPTION_ARG = re.compile(r"\[([^\]]*)\]")
_HELPER_OPTION = re.compile(r"foreign_option_\d+ from OpenVPN: (?P<opt>.+?)\s*$")
_HELPER_START = re.compile(r"Executing up script with parameters|Configuring to use DNS servers from OpenVPN|"
                           r"Getting DNS servers from OpenVPN")
# Routes the client installed (to tell a full tunnel when no push is visible): Windows route.exe, iproute2,
# OpenVPN 2.5+ netlink, BSD/macOS and net-tools route.
_ROUTE_ADD = tuple(re.compile(p) for p in (
    r"route(?:\.exe)? ADD (?P<net>[\d.]+) MASK (?P<mask>[\d.]+) (?P<gw>[\d.]+)",
    r"(?:^|[\s/])ip (?:-4 )?route add (?P<cidr>[\d./]+) via (?P<gw>[\d.]+)",
    r"net_route_v4_add: (?P<cidr>[\d./]+) via (?P<gw>[\d.]+)",
    r"(?:^|[\s/])route add -net (?P<net>[\d.]+) (?P<gw>[\d.]+) (?P<mask>[\d.]+)",
    r"(?:^|[\s/])route add -net (?P<net>[\d.]+) netmask (?P<mask>[\d.]+) gw (?P<gw>[\d.]+)",
))
_TB_RETRIEVED = re.compile(r"Retrieved from OpenVPN: name server\(s\) \[(?P<dns>[^\]]*)\], domain name \[(?P<dom>[^\]]*)\]"
                          r"(?:, search domain\(s\) \[(?P<search>[^\]]*)\])?")
_NM_DATA = re.compile(r"\bData: +(?P<what>Internal DNS|Static Route|DNS Domain|Internal Address|Internal Prefix|"
                      r"Tunnel Device|IPv4 configuration)(?::)? *(?P<value>.*)$")

# Tunnel device lines, most specific first.
_DEVICE = tuple(re.compile(p) for p in (
    r"TUN/TAP device (?P<dev>[\w.:-]+) opened",
    r"Opened utun device (?P<dev>utun\d+)",
    r"(?:TAP-WIN32|tap-windows6|TAP-Windows|wintun|ovpn-dco) device \[(?P<dev>[^\]]+)\] opened",
    r"DCO device (?P<dev>[\w.:-]+) opened",
    r"Open TAP device \"(?P<dev>[^\"]+)\"",
    r"Preserving previous TUN/TAP instance: (?P<dev>[\w.:-]+)",
    r"net_iface_up: set (?P<dev>[\w.:-]+) up",                       # OpenVPN 2.5+ on Linux (netlink)
    r"net_addr_v4_add: \S+ dev (?P<dev>[\w.:-]+)",
    r"\bData: Tunnel Device: \"?(?P<dev>[^\"\s]+)\"?",
    r"manager: \((?P<dev>(?:tun|tap)\d+)\): new Tun device",
    r"(?:^|[\s/])ip (?:-[46] )?(?:addr(?:ess)?|link) (?:add|set|replace)\b[^\n]*?\bdev (?P<dev>[\w.:-]+)",
    # a route names the tunnel only when its device looks like one (the VPN server's own /32 goes via the LAN)
    r"(?:^|[\s/])ip (?:-[46] )?route (?:add|replace|append)\b[^\n]*?\bdev (?P<dev>(?:tun|tap|utun|wg|ppp|dco)[\w.-]*)",
    r"(?:^|[\s/])route (?:-n )?add\b[^\n]*?(?:-interface|-iface|\bdev) (?P<dev>(?:tun|tap|utun|wg|ppp)[\w.-]*)",
    r"add_route_ipv6\([^)]*\) dev (?P<dev>(?:tun|tap|utun)\d+)",
    # NetworkManager's own lines name the VPN's IP interface once it has one: vpn-connection[...,"name",10:(ppp0)]
    r"\bvpn-connection\[[^\]]*,\d+:\((?P<dev>[\w.:-]+)\)\]",
    r"(?:^|[\s/])ifconfig (?P<dev>(?:tun|tap|utun)\d+)\b",
    # an --up script's arguments: "<script> tun0 1500 1552 10.3.240.2 255.255.255.224 init"
    r"(?:^|[\s'])(?P<dev>(?:tun|tap|utun)\d+) \d+ \d+ \S+ (?:\S+ )?(?:init|restart)\b",
))
# (client, marker) -- the first that matches names the client; AWS first (it wraps OpenVPN lines).
_CLIENT_MARKERS: tuple[tuple[VpnClient, re.Pattern[str]], ...] = (
    (VpnClient.AWS_VPN_CLIENT, re.compile(r"awsvpnclient|AWSVPNClient|aws_vpn_client|aws-vpn-client|acvc-openvpn|"
                                          r"ACVC\.|configure-dns|foreign_option_\d+ from OpenVPN|"
                                          r"\[DBG\] (?:\[TI=\d+\] )?>LOG:|\[DBG\] \[TI=\d+\]|"
                                          r"SAML authentication required for profile|Profile connected:", re.I)),
    (VpnClient.TUNNELBLICK, re.compile(r"\*Tunnelblick:|Tunnelblick")),
    (VpnClient.NETWORK_MANAGER, re.compile(r"nm-openvpn|NetworkManager\[\d+\]: <")),
    (VpnClient.OPENVPN3, re.compile(r"\{tag:-?\d+\} |openvpn3-service|OpenVPN3/Linux|net\.openvpn\.v3|"
                                    r"/net/openvpn/v3/|Client (?:INFO|DEBUG|VERB\d): |>> \[\d+,\d+\] ")),
    # OpenVPN for Android names itself in the peer info it sends (IV_GUI_VER): a client not listed
    (VpnClient.OTHER, re.compile(r"IV_GUI_VER=\"?de\.blinkt\.openvpn")),
    (VpnClient.OPENVPN_CONNECT, re.compile(r"OpenVPN core v?3|OCWindows|OpenVPNConnect|OpenVPN Connect|⏎|"
                                           r"Client terminated, restarting in|\[FATAL-ERR\]")),
    (VpnClient.OPENVPN_GUI, re.compile(r"OpenVPN_GUI|openvpn-gui|interactive service msg_channel=|"
                                       r"Route addition via (?:service|IPAPI)|route\.exe ADD|TAP-Windows Driver Version|"
                                       r"Notified TAP-Windows driver|"
                                       r"MANAGEMENT: TCP Socket listening on "
                                       r"\[AF_INET\]127\.0\.0\.1:2534\d|Windows version \d")),
    (VpnClient.OPENVPN, re.compile(r"ovpn-[\w-]+\[\d+\]|openvpn\[\d+\]|openvpn\(\w+\)\[\d+\]")),
)
_NM_OPENVPN = re.compile(r"openvpn", re.I)
_NM_NOT_OPENVPN = re.compile(r"vpn-connection\[[^\]]*,\d+:\(ppp\d+\)\]|NetworkManager[.-](?:l2tp|pptp|sstp|openconnect|vpnc|"
                             r"strongswan|libreswan|fortisslvpn|ssh)|nm-(?:l2tp|pptp|sstp|openconnect|vpnc|strongswan|"
                             r"libreswan|fortisslvpn)-service", re.I)
# openvpn.exe's own prompts on its console (run by the GUI, it asks through the management port)
_CONSOLE_PROMPT = re.compile(r"^Enter (?:Auth (?:Username|Password)|Private Key Password):", re.M)
# Anything we know from a VPN client log: used to tell a log from other text.
_MARKERS = re.compile(r"OpenVPN 2\.\d|OpenVPN core v?3|\*Tunnelblick: |route(?:\.exe)? ADD \d|add_route_ipv6\(|"
                      r"Notified TAP-Windows driver|TEST ROUTES: |Route addition via (?:service|IPAPI)|"
                      r"openvpn3-service-\w+\[\d+\]|Retrieved from OpenVPN: name server|PUSH_REPLY|PUSH_REQUEST|Initialization Sequence Completed|TUN/TAP|"
                      r"Peer Connection Initiated|link remote|RESOLVE: Cannot resolve|DNS resolve error|"
                      r"process exiting|process restarting|Control Channel|ROUTE_GATEWAY|Transport Error|OPTIONS IMPORT|"
                      r"TLS: Initial packet|MANAGEMENT: >STATE|AUTH_FAILED|>LOG:\d{9,11},|EVENT: (?:CONNECTED|"
                      r"DISCONNECTED|RESOLVE|WAIT|GET_CONFIG|ASSIGN_IP|AUTH_FAILED)|Opened utun device|"
                      r"nm-openvpn\[|Client INFO: (?:\{tag:-?\d+\} )?(?:Connected|Disconnected|Starting connection|Stopping connection)|"
                      r"SAML authentication required|Profile connected:|foreign_option_\d+ from OpenVPN:|"
                      r"vpn-connection\[[^\]]*\]: (?:VPN plugin|Data:)")
_CLIENT_LOG_ONLY = re.compile(r"SAML authentication required(?: for profile)?|Profile connected:")
_DNS_LOG_ONLY = re.compile(r"foreign_option_\d+ from OpenVPN:|Executing up script with parameters")
# Cheap substring hints (on the lower-cased message) before the costly patterns run.
_HINT_ERROR = ("resolve", "auth_failed", "tls", "verify", "option", "fatal", "transport", "reset", "inactivity",
               "tun/tap", "tap-windows", "error", "discrepancy", "could not", "failed", "exit code", "event:", "saml")
_HINT_EVENT = ("init", "connect", "sig", "exit", "clos", "state", "stop", "auth", "saml", "web_auth", "open_url")
_HINT_DEVICE = ("device", "utun", "dev ", "ifconfig", "net_", "preserving", "manager:", "init", "restart", "route",
                "vpn-connection[")
_AUTH_TOKEN = re.compile(r"(auth-token(?:-user)?)[ \t]+(?!\[removed\])[^,'\s]+")
_NETMASK_LIKE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


@dataclass(frozen=True, slots=True)
class OpenVpnLog:
    """What one log says.  ``connected`` is True when the newest connect/disconnect event is a
    connect (None when the log has neither)."""
    pushed: PushedConfig | None = None
    connected_at: str | None = None
    disconnected_at: str | None = None
    connected: bool | None = None
    errors: tuple[str, ...] = ()
    filtered: tuple[str, ...] = ()         # pushed options the client's pull-filter dropped
    unresolvable_endpoint: str | None = None  # the cvpn-endpoint name the client could not resolve
    last_event_at: str | None = None       # time of the event that set ``connected``
    tunnel_mode: TunnelMode = TunnelMode.UNKNOWN  # the newest whole push's, else FULL when 0/1 + 128/1 were installed
    device: str | None = None              # tunnel device of the newest session that opened one
    default_gateway: tuple[str, str | None] | None = None  # (gateway, interface) of the default route the
                                           # newest session found before the tunnel (ROUTE_GATEWAY)
    client: VpnClient | None = None        # which client wrote the log
    saml: SamlState | None = None
    profile_name: str | None = None        # AWS VPN Client profile (GUI log)
    pushes: int = 0                        # pushes seen (PUSH_REPLY messages, OPTIONS/Data blocks, helper runs)
    server_log: bool = False               # an OpenVPN *server's* log: nothing in it is what this client got
    skipped: tuple[str, ...] = ()          # lines (or pushed options) that could not be read, and why


# --------------------------------------------------------------------------- time


@dataclass(frozen=True, slots=True)
class _Stamp:
    text: str | None = None        # as shown in reports
    key: datetime | None = None    # for ordering
    dated: bool = False            # key has a real year (else a year-less syslog time, or none)


def _clock(t: str) -> tuple[int, int, int]:
    hh, mm, ss = t.split(":")
    return int(hh), int(mm), int(ss)


def _ctime(m: re.Match[str]) -> _Stamp:
    year = m.groupdict().get("year")
    mon, day = _MONTHS[m["mon"]], int(m["day"])
    try:   # year-less syslog: a placeholder leap year for the key, fixed up by _infer_years
        key = datetime(int(year) if year else 2000, mon, day, *_clock(m["time"]))
    except ValueError:
        return _Stamp()
    if year:
        return _Stamp(key.strftime("%Y-%m-%dT%H:%M:%S"), key, True)
    return _Stamp(f"{m['mon']} {day:2d} {m['time']}", key, False)


def _iso(m: re.Match[str]) -> _Stamp:
    y, mo, d = m["date"].split("-")
    try:
        key = datetime(int(y), int(mo), int(d), *_clock(m["time"]))
    except ValueError:
        return _Stamp()
    return _Stamp(f"{m['date']}T{m['time']}", key, True)


def _epoch(value: str) -> _Stamp:
    try:
        key = datetime.fromtimestamp(int(value), tz=timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return _Stamp()
    return _Stamp(key.strftime("%Y-%m-%dT%H:%M:%SZ"), key, True)


def _slash(m: re.Match[str], day_first: bool | None) -> _Stamp:
    a, b = int(m["a"]), int(m["b"])
    hh, mm, ss = (int(x) for x in m["time"].split(":"))
    if m["ampm"]:
        hh = hh % 12 + (12 if m["ampm"] == "PM" else 0)
    month, day = (b, a) if day_first else (a, b)
    try:
        key = datetime(int(m["year"]), month, day, hh, mm, ss)
    except ValueError:
        return _Stamp()
    written = f"{m['a']}/{m['b']}/{m['year']} {hh:02d}:{mm:02d}:{ss:02d}"
    if day_first is None and a <= 12 and b <= 12 and a != b:
        return _Stamp(written, key, True)   # month/day order unknown: shown as written
    return _Stamp(key.strftime("%Y-%m-%dT%H:%M:%S"), key, True)


def timestamp(line: str) -> str | None:
    """The line's timestamp as ``YYYY-MM-DDTHH:MM:SS`` (or as written when it has no year)."""
    return _split(line, None)[0].text


def parse_timestamp(value: str | None) -> datetime | None:
    """A ``YYYY-MM-DDTHH:MM:SS`` (or ``...Z``) value from :func:`timestamp` as a naive datetime
    (None otherwise)."""
    if not value:
        return None
    try:
        return datetime.strptime(value.rstrip("Z"), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None


# --------------------------------------------------------------------------- one line


@dataclass(frozen=True, slots=True)
class _Line:
    pos: int
    stamp: _Stamp
    msg: str          # the message once every wrapper is peeled off
    raw: str          # the line as written (stripped), for error lists
    level: str = ""   # the AWS service log's level (DBG/INF/ERR...)


def _leading_stamp(s: str, day_first: bool | None) -> tuple[_Stamp, int, str] | None:
    """(timestamp, length, service-log level) when ``s`` starts with a timestamp we know."""
    for rx, conv in ((_P_SERILOG, _iso), (_P_ISO, _iso), (_P_CTIME, _ctime), (_P_SYSLOG, _ctime)):
        m = rx.match(s)
        if m:
            return conv(m), m.end(), (m["level"] if rx is _P_SERILOG else "")
    m = _P_SLASH.match(s)
    if m:
        return _slash(m, day_first), m.end(), ""
    m = _P_YMD_SLASH.match(s)
    if m:
        y, mo, d = m["date"].split("/")
        try:
            key = datetime(int(y), int(mo), int(d), *_clock(m["time"]))
        except ValueError:
            return _Stamp(), m.end(), ""
        return _Stamp(key.strftime("%Y-%m-%dT%H:%M:%S"), key, True), m.end(), ""
    m = _P_BRACKET.match(s)
    if m:
        return _ctime(m), m.end(), ""
    m = _P_SYSLOG_ANY.match(s)
    if m and not m["mon"].isascii():
        return _Stamp(f"{m['mon']} {int(m['day']):2d} {m['time']}"), m.end(), ""
    m = _P_TIME_ONLY.match(s)
    if m:
        return _Stamp(m["time"]), m.end(), ""
    return None


def _split(line: str, day_first: bool | None) -> tuple[_Stamp, str, str]:
    """(timestamp, message, level) of one line, every known wrapper peeled off."""
    s = line.strip().lstrip("\ufeff⏎").strip()
    if s.startswith(">") and not s.startswith(">LOG:"):
        s = _P_QUOTE.sub("", s, count=1)      # e-mail quoting
    elif s.startswith("# "):
        s = s[2:].lstrip()                    # a log pasted as comments
    stamp = _Stamp()
    level = ""
    for _ in range(10):   # wrappers nest (a service log around an OpenVPN line around a management line)
        if stamp.text is None:
            found = _leading_stamp(s, day_first)
            if found is not None:
                stamp, n, level = found
                s = s[n:]
                continue
            g = _TS_NEAR_START.match(s)
            if g:                             # garbage glued before the timestamp ("^X", a stray word)
                s = s[g.end():]
                continue
        else:
            inner = _P_ISO.match(s) or _P_CTIME.match(s)
            if inner:                         # an OpenVPN timestamp inside a service log's line
                s = s[inner.end():]
                continue
        m = None
        for rx in (_P_LOGCAT, _P_PROG, _P_PROG_BARE, _P_NM_LEVEL, _P_TAG, _P_TUNNELBLICK):
            m = rx.match(s)
            if m:
                if rx is _P_NM_LEVEL and m["epoch"] and stamp.text is None:
                    stamp = _epoch(m["epoch"])
                break
        if m is None:
            m = _P_MACHINE.match(s)
            if m and stamp.text is None:
                stamp = _epoch(m["epoch"])
        if m is not None and m.end() > 0:
            s = s[m.end():]
            continue
        mg = _MGMT_LOG.search(s) if ">LOG:" in s else None
        if mg:
            if stamp.text is None:
                stamp = _epoch(mg["epoch"])
            s = mg["msg"]
            continue
        head = s[:200]
        mm = _MACHINE_ANYWHERE.search(s, 0, 200) if ('"' in head or "'" in head) else None
        if mm:
            if stamp.text is None:
                stamp = _epoch(mm["epoch"])
            s = s[mm.start("msg"):]
            continue
        break
    m = _P_OV3.match(s)
    if m:
        s = s[m.end():]
        # the log service's own file repeats the tag after the service name:
        # "{tag:N} Client INFO: {tag:N} Disconnected"
        t = _P_TAG.match(s)
        if t:
            s = s[t.end():]
    return stamp, s.strip(), level


def _lines(text: str) -> list[str]:
    # OpenVPN Connect separates records with "⏎" and sometimes puts several on one line.
    out: list[str] = []
    for line in text.splitlines():
        if "⏎" in line:
            out.extend(part for part in line.split("⏎"))
        else:
            out.append(line)
    return out


def _day_first(lines: list[str]) -> bool | None:
    """Whether ``NN/NN/YYYY`` dates in this log are day-first: decided by any date whose first (or
    second) number is above 12; None when no date settles it."""
    for line in lines[:20000]:
        m = _P_SLASH.match(line.strip().lstrip("⏎"))
        if m:
            a, b = int(m["a"]), int(m["b"])
            if a > 12 >= b:
                return True
            if b > 12 >= a:
                return False
    return None


def _infer_years(stamps: list[_Stamp]) -> list[_Stamp]:
    """Year-less syslog keys get a year that grows when the month wraps (Dec -> Jan)."""
    out = []
    year = 2000
    prev: datetime | None = None
    for st in stamps:
        if st.key is not None and not st.dated:
            key = st.key.replace(year=year) if not (st.key.month == 2 and st.key.day == 29) else st.key
            if prev is not None and key < prev - timedelta(days=180):
                year += 1
                key = key.replace(year=year) if not (key.month == 2 and key.day == 29) else key
            prev = key
            st = _Stamp(st.text, key, False)
        out.append(st)
    return out


# --------------------------------------------------------------------------- pushed options


def _mask_prefix(mask: str) -> int | None:
    """Prefix length of a dotted netmask, or None when ``mask`` is not a netmask (net30's
    ``ifconfig LOCAL PEER`` passes the peer address in that position)."""
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen
    except (ipaddress.NetmaskValueError, ValueError):
        return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _redirects_ipv4(words: list[str]) -> bool:
    """``redirect-gateway`` flags: IPv4 is redirected unless ``!ipv4`` (or ``ipv6`` alone... which
    still redirects IPv4: only ``!ipv4`` turns it off)."""
    return "!ipv4" not in (w.lower() for w in words[1:])


def parse_push_reply(options: str, raw: str = "", seen_at: str | None = None,
                     dropped: frozenset[str] = frozenset(), notes: list[str] | None = None,
                     complete: bool = True) -> PushedConfig:
    """The comma-separated options of one PUSH_REPLY to a PushedConfig (unknown options are
    ignored; ``dropped`` options were removed by the client's pull-filter).  An option whose
    value cannot be read (``dhcp-option DNS A.B.C.D`` in a masked paste) is skipped and, when
    ``notes`` is given, said there.  ``complete`` False: only part of the push was seen (a
    helper's DNS options), so the tunnel mode stays unknown."""
    dns: list[str] = []
    routes: list[str] = []
    domains: list[str] = []
    redirect = block_outside = False
    ifconfig = route_gateway = None

    def note(text: str) -> None:
        if notes is not None and len(notes) < MAX_SKIPPED:
            notes.append(text)

    for opt in (o.strip() for o in options.split(",")):
        if not opt or opt in dropped:
            continue
        words = opt.split()
        head = words[0].lower()
        if head == "dhcp-option" and len(words) >= 3:
            kind = words[1].upper()
            if kind in ("DNS", "DNS6"):
                if _is_ip(words[2]):
                    if words[2] not in dns:
                        dns.append(words[2])
                else:
                    note(f"pushed option '{opt}': {words[2]!r} is not an address (masked in the paste?), skipped")
            elif kind in ("DOMAIN", "DOMAIN-ROUTE", "DOMAIN-SEARCH", "ADAPTER_DOMAIN_SUFFIX"):
                for dom in words[2:]:
                    if dom not in domains:
                        domains.append(dom)
        elif head == "dns" and len(words) >= 4 and words[1].lower() == "server":
            # OpenVPN 2.6+: "dns server 1 address 10.0.0.2 [more]", "dns server 1 resolve-domains corp.example"
            what = words[3].lower()
            if what == "address":
                for addr in words[4:]:
                    host = addr.strip("[]").rsplit(":", 1)[0] if addr.count(":") == 1 else addr.strip("[]")
                    host = host.split("#", 1)[0]
                    if _is_ip(host):
                        if host not in dns:
                            dns.append(host)
                    else:
                        note(f"pushed option '{opt}': {addr!r} is not an address, skipped")
            elif what == "resolve-domains":
                for dom in words[4:]:
                    if dom not in domains:
                        domains.append(dom)
        elif head == "dns" and len(words) >= 3 and words[1].lower() == "search-domains":
            for dom in words[2:]:
                if dom not in domains:
                    domains.append(dom)
        elif head == "route" and len(words) >= 2:
            if not _is_ip(words[1]):
                note(f"pushed option '{opt}': {words[1]!r} is not an address, skipped")
                continue
            prefix = _mask_prefix(words[2]) if len(words) >= 3 and _NETMASK_LIKE.fullmatch(words[2]) else 32
            if prefix is None:
                note(f"pushed option '{opt}': {words[2]!r} is not a netmask, skipped")
                continue
            cidr = str(ipaddress.ip_network(f"{words[1]}/{prefix}", strict=False))
            if cidr not in routes:
                routes.append(cidr)
        elif head == "route-ipv6" and len(words) >= 2:
            try:
                cidr = str(ipaddress.ip_network(words[1], strict=False))
            except ValueError:
                note(f"pushed option '{opt}': {words[1]!r} is not a network, skipped")
                continue
            if cidr not in routes:
                routes.append(cidr)
        elif head == "redirect-gateway":
            redirect = redirect or _redirects_ipv4(words)
        elif head == "ifconfig" and len(words) >= 3:
            if not _is_ip(words[1]):
                note(f"pushed option '{opt}': {words[1]!r} is not an address, skipped")
                continue
            prefix = _mask_prefix(words[2])
            ifconfig = f"{words[1]}/{prefix if prefix is not None else 32}"
        elif head == "route-gateway" and len(words) >= 2:
            if not _is_ip(words[1]):
                note(f"pushed option '{opt}': {words[1]!r} is not an address, skipped")
                continue
            route_gateway = words[1]
        elif head == "block-outside-dns":
            block_outside = True
    full = redirect or "0.0.0.0/0" in routes or {"0.0.0.0/1", "128.0.0.0/1"} <= set(routes)
    mode = TunnelMode.FULL if full else (TunnelMode.SPLIT if complete else TunnelMode.UNKNOWN)
    return PushedConfig(dns_servers=tuple(dns), routes=tuple(routes), redirect_gateway=redirect,
                        domains=tuple(domains), ifconfig=ifconfig, route_gateway=route_gateway,
                        block_outside_dns=block_outside, raw=raw, seen_at=seen_at, tunnel_mode=mode)


# --------------------------------------------------------------------------- whole log


def looks_like(text: str) -> str | bool:
    """The source id ``text`` reads as (``vpn-log``, ``vpn-client-log`` for the AWS VPN Client's
    GUI log, ``vpn-dns-log`` for its configure-dns log), or False when it is no VPN client log."""
    head = text[:200_000]
    if head.lstrip().startswith(("{", "[")) and not re.match(r"\s*\[(?:[A-Z][a-z]{2} \d|\d)", head):
        if ">LOG:" not in head[:2000]:
            return False
    if re.search(r"^#\s*Generated by OpenVPN 3 Linux", head, re.M) and re.search(r"^nameserver\s", head, re.M):
        return False    # resolv.conf written by OpenVPN 3 Linux, not its log
    markers = _MARKERS.findall(head)
    if not markers:
        return False
    kinds = set(markers)
    if all(_CLIENT_LOG_ONLY.fullmatch(k) for k in kinds):
        return KIND_CLIENT_LOG
    if all(_DNS_LOG_ONLY.fullmatch(k) for k in kinds) or (_DNS_LOG_ONLY.search(head) and not re.search(
            r"PUSH_REPLY|Initialization Sequence Completed|>LOG:", head)):
        return KIND_DNS_LOG
    return KIND_LOG


@dataclass(slots=True)
class _Push:
    line: _Line
    opts: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    complete: bool = True
    more: bool = False           # push-continuation 2: another PUSH_REPLY follows


# The AWS client's own file names and folders (not any file a user happened to name "aws-vpn-client...").
_AWS_FILE = re.compile(r"(?:^|[\\/])(?:ovpn_)?aws_vpn_client_|[\\/]AWSVPNClient[\\/]|[\\/]aws-vpn-client[\\/]|"
                       r"[\\/]awsvpnclient[\\/]|(?:^|[\\/])AcvcHelper", re.I)


def _client(text: str, source: str, banner: bool) -> VpnClient | None:
    """The client that wrote the log: the AWS client's markers, else its own file names and folders,
    else another client's markers, else plain OpenVPN when its 2.x banner or lines are there."""
    head = text[:200_000]
    for client, rx in _CLIENT_MARKERS[:1]:
        if rx.search(head):
            return client
    if source and _AWS_FILE.search(source):
        return VpnClient.AWS_VPN_CLIENT
    for client, rx in _CLIENT_MARKERS[1:]:
        if not rx.search(head):
            continue
        if client is VpnClient.NETWORK_MANAGER and not _NM_OPENVPN.search(head):
            # NetworkManager's own vpn-connection lines read the same for every VPN plugin: only
            # its PPP device or a plugin's name tells a non-OpenVPN one; else nothing is known
            if _NM_NOT_OPENVPN.search(head):
                return VpnClient.OTHER
            continue
        if client is VpnClient.OPENVPN_GUI and _CONSOLE_PROMPT.search(head) and "MANAGEMENT:" not in head:
            return VpnClient.OPENVPN      # openvpn.exe asking on its console: the GUI asks through management
        return client
    return VpnClient.OPENVPN if banner or _OPENVPN2.search(head) else None


_Item = TypeVar("_Item")


def _newest(items: list[_Item], key: Callable[[_Item], _Line]) -> _Item | None:
    """The newest of ``items`` (each mapped by ``key`` to its _Line): by timestamp when all have
    comparable ones, else by position."""
    if not items:
        return None
    lines = [key(it) for it in items]
    stamps = [ln.stamp for ln in lines]
    if all(st.key is not None for st in stamps) and len({st.dated for st in stamps}) == 1:
        return max(zip(items, lines), key=lambda p: (p[1].stamp.key, p[1].pos))[0]
    return max(zip(items, lines), key=lambda p: p[1].pos)[0]


def _ordered(lines: list[_Line]) -> list[_Line]:
    stamps = [ln.stamp for ln in lines]
    if lines and all(st.key is not None for st in stamps) and len({st.dated for st in stamps}) == 1:
        return sorted(lines, key=lambda ln: (ln.stamp.key, ln.pos))
    return sorted(lines, key=lambda ln: ln.pos)


def _option_row(match: re.Match[str]) -> str:
    args = [a.strip() for a in _OPTION_ARG.findall(match["args"])]
    return " ".join([match["name"], *[a for a in args if a]])


def parse(text: str, source: str = "") -> OpenVpnLog:
    """Parse a whole log.  Empty text gives an empty result; text with no VPN client line at all
    raises ParseError.  Pure, so the result of the same text is reused (collection reads the pushed
    DNS servers before the snapshot is parsed)."""
    return _parse_cached(text, source)


@lru_cache(maxsize=8)
def _parse_cached(text: str, source: str) -> OpenVpnLog:
    if not text.strip():
        return OpenVpnLog()
    if not looks_like(text):
        raise ParseError("this is not an OpenVPN / AWS VPN Client log (no VPN client message found)")
    raw_lines = _lines(text)
    day_first = _day_first(raw_lines)
    skipped: list[str] = []
    parsed: list[_Line] = []
    for pos, raw in enumerate(raw_lines):
        cut = raw[:MAX_LINE_CHARS]
        if len(raw) > MAX_LINE_CHARS and len(skipped) < MAX_SKIPPED:
            skipped.append(f"line {pos + 1}: longer than {MAX_LINE_CHARS} characters, read in part")
        stamp, msg, level = _split(cut, day_first)
        parsed.append(_Line(pos, stamp, msg, cut.strip(), level))
    stamps = _infer_years([ln.stamp for ln in parsed])
    # Lines without a time of their own (continuations, pasted fragments) take the previous line's.
    last = _Stamp()
    lines: list[_Line] = []
    for ln, st in zip(parsed, stamps):
        if st.key is not None or st.text:
            last = st
        lines.append(_Line(ln.pos, st if (st.key is not None or st.text) else last, ln.msg, ln.raw, ln.level))

    server = bool(_SERVER.search(text[:200_000])) and not re.search(
        r"PUSH: Received control message: '?PUSH_REPLY", text[:200_000])
    pushes: list[_Push] = []
    helper: _Push | None = None
    nm: _Push | None = None
    options: _Push | None = None
    connects: list[_Line] = []
    disconnects: list[_Line] = []
    devices: list[tuple[_Line, str]] = []
    gateways: list[tuple[_Line, tuple[str, str | None]]] = []
    best_gw_query: str | None = None
    saml_starts: list[_Line] = []
    auth_failures: list[_Line] = []
    errors: list[str] = []
    filtered: list[tuple[int, str]] = []
    unresolvable = None
    profile = None
    nm_address = ""
    installed: set[str] = set()

    def finish(block: _Push | None) -> None:
        if block is not None and block.opts:
            pushes.append(block)

    for ln in lines:
        msg = ln.msg
        low = msg.lower()
        # OpenVPN 3's numbered "OPTIONS:" rows carry no timestamp: collect them first.
        if options is not None:
            row = _OPTION_ROW.match(ln.raw)
            if row:
                options.opts.append(_option_row(row))
                options.raw.append(ln.raw)
                continue
            finish(options)
            options = None
        if _OPTIONS_HEAD.match(msg):
            options = _Push(ln)
            continue
        if nm is not None and "Data:" not in msg:
            finish(nm)
            nm = None
        if "PUSH_REPLY," in msg and "SENT CONTROL" not in msg and not server:
            m = _PUSH_REPLY.search(msg)
            if m:
                opts = m["opts"].split(",")
                prev = pushes[-1] if pushes else None
                if prev is not None and prev.more and prev.complete and ln.pos - prev.line.pos < 50:
                    prev.opts.extend(opts)       # push-continuation: one push in several messages
                    prev.raw.append(ln.raw)
                    prev.more = any(o.strip() == "push-continuation 2" for o in opts)
                else:
                    pushes.append(_Push(ln, opts, [ln.raw], True,
                                        any(o.strip() == "push-continuation 2" for o in opts)))
            continue
        nd = _NM_DATA.search(msg) if "Data:" in msg else None
        if nd and not server:
            if nm is None:
                nm = _Push(ln, complete=False)
            what, value = nd["what"], nd["value"].strip()
            if what == "Internal DNS":
                nm.opts.append(f"dhcp-option DNS {value.split()[0] if value else ''}")
            elif what == "Static Route":
                cidr = value.split()[0] if value else ""
                net, _, plen = cidr.partition("/")
                try:
                    mask = str(ipaddress.IPv4Network(f"0.0.0.0/{plen or 32}").netmask)
                    nm.opts.append(f"route {net} {mask}")
                except ValueError:
                    if len(skipped) < MAX_SKIPPED:
                        skipped.append(f"line {ln.pos + 1}: NetworkManager route {cidr!r} is not a network, skipped")
                if cidr == "0.0.0.0/0":
                    nm.complete = True
            elif what == "Internal Address":
                nm_address = value.split()[0] if value else ""
            elif what == "Internal Prefix" and nm_address and value.isdigit() and int(value) <= 32:
                nm.opts.append(f"ifconfig {nm_address} {ipaddress.IPv4Network(f'0.0.0.0/{value}').netmask}")
            elif what == "DNS Domain":
                dom = value.strip("'\"")
                if dom and dom != "(none)":
                    nm.opts.append(f"dhcp-option DOMAIN {dom}")
            nm.raw.append(ln.raw)
        if "up script" in msg and _HELPER_START.search(msg):   # a configure-dns run: its foreign options follow
            finish(helper)
            helper = _Push(ln, complete=False)
        hm = _HELPER_OPTION.search(msg) if "foreign_option" in msg else None
        if hm and not server:
            if helper is None:
                helper = _Push(ln, complete=False)
            helper.opts.append(hm["opt"])
            helper.raw.append(ln.raw)
        if not server and ("route" in low or "net_route" in low):
            for rx in _ROUTE_ADD:
                rm = rx.search(msg)
                if rm:
                    d = rm.groupdict()
                    cidr = d.get("cidr") or (f"{d['net']}/{_mask_prefix(d['mask'])}" if _mask_prefix(d["mask"]) is not None
                                             else None)
                    if cidr:
                        installed.add(cidr)
                    break
        tb = _TB_RETRIEVED.search(msg) if "Retrieved from OpenVPN" in msg else None
        if tb and not server:   # Tunnelblick's up script: every name server and domain OpenVPN handed it
            opts = [f"dhcp-option DNS {a}" for a in tb["dns"].split()]
            opts += [f"dhcp-option DOMAIN {d}" for d in (tb["dom"] + " " + (tb["search"] or "")).split()]
            pushes.append(_Push(ln, opts or ["ping 0"], [ln.raw], complete=False))
        fm = _FILTERED.search(msg) if "removed by filter" in msg else None
        if fm:
            filtered.append((ln.pos, fm["opt"].strip()))
        if not server and ("gateway" in low or "best_gw" in low):
            gm = _ROUTE_GATEWAY.search(msg) or _OLD_DEFAULT_GW.search(msg)
            if gm is None and "best_gw query" in low:
                qm = _BEST_GW_QUERY.search(msg)
                best_gw_query = qm["dst"] if qm else None
            elif gm is None and best_gw_query == "0.0.0.0":
                gm = _BEST_GW.search(msg)      # the answer for 0.0.0.0 (not for the server's own address)
            if gm is not None and _is_ip(gm["gw"]):
                gateways.append((ln, (gm["gw"], gm.groupdict().get("dev"))))
        if not server and any(h in low for h in _HINT_DEVICE):
            for rx in _DEVICE:
                dm = rx.search(msg)
                if dm:
                    devices.append((ln, dm["dev"].strip()))
                    break
        if not server and any(h in low for h in _HINT_EVENT):
            if _CONNECT.search(msg):
                connects.append(ln)
                pm = _PROFILE_CONNECTED.search(msg)
                if pm:
                    profile = pm["name"]
            elif _DISCONNECT.search(msg):
                disconnects.append(ln)
            if _SAML_CHALLENGE.search(msg):
                saml_starts.append(ln)
                sm = _SAML_PROFILE.search(msg)
                if sm:
                    profile = sm["name"]
                continue                     # the challenge is a normal step of the SAML flow, not an error
            if _AUTH_FAILED.search(msg):
                auth_failures.append(ln)
        if ln.level in ("ERR", "FTL") or any(h in low for h in _HINT_ERROR) and _ERROR.search(msg):
            line_text = ln.raw
            if line_text and line_text not in errors:
                errors.append(line_text)
            em = _ENDPOINT_UNRESOLVABLE.search(msg)
            if em:
                unresolvable = em["host"].rstrip(".:")
    finish(options)
    finish(nm)
    finish(helper)

    # The newest push: by time (a reconnect's push, or the later of two pasted sessions), else position.
    full_pushes = [p for p in pushes if p.complete]
    chosen: _Push | None = _newest(full_pushes or pushes, key=lambda p: p.line)
    pushed = None
    dropped: tuple[str, ...] = ()
    if chosen is not None:
        dropped = tuple(opt for idx, opt in filtered if idx > chosen.line.pos)
        raw = _AUTH_TOKEN.sub(r"\1 [removed]", "\n".join(chosen.raw))
        pushed = parse_push_reply(_AUTH_TOKEN.sub(r"\1 [removed]", ",".join(chosen.opts)), raw=raw,
                                  seen_at=chosen.line.stamp.text, dropped=frozenset(dropped), notes=skipped,
                                  complete=chosen.complete)
        if source:
            pushed = replace(pushed, source=source)

    mode = pushed.tunnel_mode if pushed is not None else TunnelMode.UNKNOWN
    if mode is TunnelMode.UNKNOWN and {"0.0.0.0/1", "128.0.0.0/1"} <= installed:
        mode = TunnelMode.FULL    # redirect-gateway def1's two halves, installed by the client
    # A SAML challenge means this attempt is not connected (yet): it ends the connection state too.
    events = [(ln, True) for ln in connects] + [(ln, False) for ln in disconnects + saml_starts]
    newest_event = _newest(events, key=lambda e: e[0])
    connected = newest_event[1] if newest_event is not None else None
    newest_connect = _newest(connects, key=lambda ln: ln)
    newest_disconnect = _newest(disconnects, key=lambda ln: ln)
    device = _newest(devices, key=lambda d: d[0])
    gateway = _newest(gateways, key=lambda g: g[0])

    saml = None
    start = _newest(saml_starts, key=lambda ln: ln)
    if start is not None:
        order = _ordered(lines)
        rank = {ln.pos: i for i, ln in enumerate(order)}
        after = rank[start.pos]
        if any(rank[c.pos] > after for c in connects):
            saml = SamlState.COMPLETED
        elif any(rank[a.pos] > after for a in auth_failures):
            saml = SamlState.FAILED
        else:
            saml = SamlState.PENDING
    return OpenVpnLog(pushed=pushed,
                      connected_at=newest_connect.stamp.text if newest_connect else None,
                      disconnected_at=newest_disconnect.stamp.text if newest_disconnect else None,
                      connected=connected, tunnel_mode=mode,
                      last_event_at=newest_event[0].stamp.text if newest_event is not None else None,
                      errors=tuple(errors[-MAX_ERRORS:]), filtered=dropped,
                      unresolvable_endpoint=unresolvable, device=device[1] if device else None,
                      default_gateway=gateway[1] if gateway else None,
                      client=_client(text, source, any(_BANNER.search(ln.msg) for ln in lines)), saml=saml, profile_name=profile, pushes=len(pushes),
                      server_log=server, skipped=tuple(skipped[:MAX_SKIPPED]))


_SESS_ID = re.compile(r"SESS_ID_[A-Za-z0-9+/=_-]+")
_MGMT_PASSWORD = re.compile(r"(PASSWORD \"[^\"]*\" )\"[^\"]*\"")
_CRV1_RESPONSE = re.compile(r"(CRV1::[^:\s'\"]*::)[^\s'\"]+")


def scrub_secrets(text: str) -> str:
    """The log without credentials: pushed ``auth-token`` values, session ids (``SESS_ID_...``),
    management-interface passwords and SAML responses handed back as ``CRV1::id::response``
    become ``[removed]``.  Used before a log enters a capture, so even an unredacted report never
    carries a live session token."""
    text = _AUTH_TOKEN.sub(r"\1 [removed]", text)
    text = _SESS_ID.sub("[removed]", text)
    text = _CRV1_RESPONSE.sub(r"\1[removed]", text)
    return _MGMT_PASSWORD.sub(r'\1"[removed]"', text)
