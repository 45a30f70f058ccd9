"""The report model: every stage of the pipeline hands one of these to the next.

    platforms.<os>.collect() -> RawCapture
    platforms.<os>.parse()   -> Snapshot
    agent.probes.run()       -> ProbeRun
    agent.classify()         -> Diagnosis
    agent.run()              -> Report

All records are frozen, slotted dataclasses that convert to and from plain JSON
(``to_dict`` / ``from_dict``).  Addresses are validated with :mod:`ipaddress` and kept
as strings; enums are serialised by value; times are UTC ISO-8601 strings.
Any change here is a change of the report contract: bump SCHEMA_VERSION, regenerate
``schema/report.schema.json`` (``make schema``) and update docs/design.md ("The report contract").
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from agent.serial import Record

# MAJOR.MINOR: a minor version only adds optional fields (a reader of 1.x reads any 1.y and
# ignores what it does not know); a major version changes or removes fields.
# 1.1: Snapshot.captured, Report.facts (the derive stage), scenario/verdict "cannot-tell".
# 1.2: Report.report_id.
# 1.3: Snapshot.local (hosts file, browser DoH, containers/WSL, port 53), DnsConfig.link_search and
#      resolv_conf_by, Evidence kinds for them.
SCHEMA_VERSION = "1.3"


def utc_now() -> str:
    """The current time as an ISO-8601 UTC string (second precision)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_ip(text: str) -> str:
    """Validate an IPv4/IPv6 address (an IPv6 zone id such as ``%en0`` is allowed)."""
    ipaddress.ip_address(text.split("%", 1)[0])
    return text


def is_plain_ip(text: str) -> bool:
    """True when `text` is an IPv4/IPv6 address in a plain spelling (no zone id; IPv4 in
    canonical dotted quad): a fast yes from ``socket.inet_pton`` without building an
    ipaddress object (~10 us each: seconds on a 100,000-route table).  False decides
    nothing: ask ipaddress."""
    try:
        if ":" in text:
            socket.inet_pton(socket.AF_INET6, text)
            return True
        # The round trip rejects what ipaddress rejects and some inet_pton accept (leading zeros).
        return socket.inet_ntop(socket.AF_INET, socket.inet_pton(socket.AF_INET, text)) == text
    except (OSError, ValueError):
        return False


# The prefix lengths in their one canonical spelling ("0".."32", "0".."128"), by "is IPv6".
PREFIX_LENGTHS = (frozenset(str(n) for n in range(33)), frozenset(str(n) for n in range(129)))


def check_network(text: str) -> str:
    addr, sep, plen = text.partition("/")
    if is_plain_ip(addr) and (not sep or plen in PREFIX_LENGTHS[":" in addr]):
        return text                   # the common spelling, validated without ipaddress
    ipaddress.ip_network(text, strict=False)
    return text


def ip_of(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address without its zone id."""
    return ipaddress.ip_address(text.split("%", 1)[0])


class StrEnum(str, Enum):
    def __str__(self) -> str:  # so f"{mode}" prints "full", not "TunnelMode.FULL"
        return self.value


class Platform(StrEnum):
    LINUX = "linux"
    MACOS = "macos"
    WINDOWS = "windows"


class Family(StrEnum):
    INET = "inet"
    INET6 = "inet6"


class SourceKind(StrEnum):
    FILE = "file"
    COMMAND = "command"
    API = "api"          # an in-process read (psutil, D-Bus, winreg) serialised as JSON text


class InterfaceKind(StrEnum):
    LOOPBACK = "loopback"
    ETHERNET = "ethernet"
    WIRELESS = "wireless"
    TUNNEL = "tunnel"      # tun/tap/utun/wg/ppp, TAP-Windows, Wintun, DCO
    VIRTUAL = "virtual"    # bridges, veth, docker, vmnet
    OTHER = "other"


class TunnelMode(StrEnum):
    FULL = "full"        # all IPv4 via the tunnel (0/1 + 128/1 or a default route via it)
    SPLIT = "split"      # only some prefixes via the tunnel
    NONE = "none"        # no tunnel found
    UNKNOWN = "unknown"  # a tunnel interface exists but its routes could not be read


class DnsManager(StrEnum):
    """Who writes the DNS configuration the OS uses."""
    FILE = "file"                          # a plain /etc/resolv.conf nobody manages
    SYSTEMD_RESOLVED = "systemd-resolved"
    NETWORK_MANAGER = "NetworkManager"
    RESOLVCONF = "resolvconf"              # Debian resolvconf
    OPENRESOLV = "openresolv"
    OPENVPN_SCRIPT = "openvpn-script"      # openvpn 2.7 dns-updown block in resolv.conf
    MACOS_CONFIGD = "macos-configd"        # SystemConfiguration / mDNSResponder
    WINDOWS_DNS_CLIENT = "windows-dnscache"
    UNKNOWN = "unknown"


class ResolverScope(StrEnum):
    """For which names, and for whom, the OS sends queries to a resolver."""
    GLOBAL = "global"    # any name (resolv.conf, resolved global section, macOS default resolver)
    LINK = "link"        # any name, attached to an interface (resolved link with DefaultRoute, Windows adapter DNS)
    DOMAIN = "domain"    # only names under `domains` (resolved ~domain, macOS supplemental, NRPT rule)
    SCOPED = "scoped"    # only apps bound to `interface` (macOS scoped queries)
    INACTIVE = "inactive"  # configured but receives no queries (resolved link without domains and DefaultRoute=no)
    UNUSED = "unused"      # held by a local resolver that programs do not ask (resolved, with a static resolv.conf)


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Verdict(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    BROKEN = "broken"
    NOT_CONNECTED = "not-connected"
    CANNOT_TELL = "cannot-tell"    # the evidence given cannot support a verdict (see Facts.unknowns)


class Evidence(StrEnum):
    """Kinds of evidence a snapshot may hold. What is not in ``Snapshot.captured`` was not
    captured: it proves nothing (unknown is not absent)."""
    INTERFACES = "interfaces"        # the interface inventory (which tunnels are up)
    ROUTES = "routes"                # the IPv4 routing table
    ROUTES6 = "routes6"              # the IPv6 routing table
    ROUTE_LOOKUPS = "route-lookups"  # the kernel's own answer per address
    DNS_GLOBAL = "dns-global"        # what programs read (resolv.conf; macOS scutil; Windows adapters)
    DNS_LINKS = "dns-links"          # per-link DNS (systemd-resolved, scutil, Windows adapters)
    NRPT = "nrpt"                    # Windows Name Resolution Policy Table
    VPN_LOG = "vpn-log"              # an OpenVPN / AWS VPN Client log
    VPN_PROFILE = "vpn-profile"      # the .ovpn profile
    RESOLV_CONF = "resolv-conf"      # /etc/resolv.conf itself (macOS: what resolv.conf-only tools read)
    HOSTS = "hosts"                  # the hosts file
    BROWSER_DNS = "browser-dns"      # browsers' DNS-over-HTTPS policies and preferences
    CONTAINER_DNS = "container-dns"  # Docker daemon.json, WSL's .wslconfig / wsl.conf (and whether this is WSL)
    PORT53 = "port53"                # which local processes listen on port 53


class Known(StrEnum):
    """Where a fact stands: seen, seen to be absent, or not told by anything captured."""
    OBSERVED = "observed"
    ABSENT = "absent"
    NOT_CAPTURED = "not-captured"


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"


class Outcome(StrEnum):
    """What one DNS probe got back."""
    ANSWER = "answer"            # NOERROR with at least one record of the asked type
    NODATA = "nodata"            # NOERROR, no record of that type
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    OTHER_RCODE = "other-rcode"
    TRUNCATED = "truncated"      # UDP reply with TC=1 (the answer needs TCP)
    TIMEOUT = "timeout"
    PORT_UNREACHABLE = "port-unreachable"   # ICMP port unreachable (UDP ECONNREFUSED)
    HOST_UNREACHABLE = "host-unreachable"
    NET_UNREACHABLE = "net-unreachable"
    CONNECTION_REFUSED = "connection-refused"  # TCP RST to the SYN
    CONNECTION_RESET = "connection-reset"      # TCP reset/closed mid-exchange
    MALFORMED = "malformed"      # a reply that is not a DNS message
    MISMATCHED = "mismatched"    # a DNS message that does not answer our query (id/question)
    ERROR = "error"              # any other local error (no permission, no source address)

    @property
    def responded(self) -> bool:
        """The server spoke DNS back (whatever the rcode)."""
        return self in _RESPONDED

    @property
    def silent(self) -> bool:
        """No DNS reply at all: the packet or the reply did not make it."""
        return not self.responded


_RESPONDED = frozenset({Outcome.ANSWER, Outcome.NODATA, Outcome.NXDOMAIN, Outcome.SERVFAIL,
                        Outcome.REFUSED, Outcome.OTHER_RCODE, Outcome.TRUNCATED})


# --------------------------------------------------------------------------- raw capture


@dataclass(frozen=True, slots=True)
class SourceCapture(Record):
    """One declared source (a file read or a command run) and what it gave."""
    id: str                          # stable name used by parse(), e.g. "resolv.conf", "ip-route"
    kind: SourceKind
    argv: tuple[str, ...] = ()       # the command (kind=command)
    path: str | None = None          # the file (kind=file)
    text: str | None = None          # stdout or file content; None when it could not be had
    stderr: str | None = None
    exit_code: int | None = None
    duration_s: float = 0.0
    error: str | None = None         # why `text` is missing or partial
    truncated: bool = False          # output cut at the size limit


@dataclass(frozen=True, slots=True)
class RawCapture(Record):
    """Everything an adapter read, verbatim; what a bundle ships and `analyze` replays."""
    platform: Platform
    collected_at: str
    sources: tuple[SourceCapture, ...] = ()
    schema_version: str = SCHEMA_VERSION

    def get(self, source_id: str) -> SourceCapture | None:
        for src in self.sources:
            if src.id == source_id:
                return src
        return None

    def text(self, source_id: str) -> str | None:
        src = self.get(source_id)
        return src.text if src is not None else None

    def with_prefix(self, prefix: str) -> tuple[SourceCapture, ...]:
        return tuple(s for s in self.sources if s.id.startswith(prefix))


# --------------------------------------------------------------------------- snapshot


@dataclass(frozen=True, slots=True)
class IfAddress(Record):
    family: Family
    address: str
    prefixlen: int | None = None
    peer: str | None = None          # point-to-point peer (tun)

    def __post_init__(self) -> None:
        check_ip(self.address)


@dataclass(frozen=True, slots=True)
class Interface(Record):
    name: str
    index: int | None = None
    kind: InterfaceKind = InterfaceKind.OTHER
    is_up: bool | None = None
    mtu: int | None = None
    flags: tuple[str, ...] = ()
    addresses: tuple[IfAddress, ...] = ()
    mac: str | None = None
    description: str | None = None   # Windows driver description (locale-free)
    guid: str | None = None          # Windows interface GUID
    metric: int | None = None        # Windows interface metric (lowest = preferred)


@dataclass(frozen=True, slots=True)
class Route(Record):
    family: Family
    destination: str                 # CIDR; "0.0.0.0/0" / "::/0" for default
    gateway: str | None = None
    interface: str | None = None
    metric: int | None = None
    table: str = "main"
    type: str = "unicast"            # unicast, local, broadcast, blackhole, unreachable, ...
    protocol: str | None = None      # kernel, boot, static, dhcp, ...
    scope: str | None = None
    source: str | None = None        # preferred source address
    flags: tuple[str, ...] = ()      # raw flags (BSD: UGScI, ...)
    scoped: bool = False             # macOS IFSCOPE duplicate: ignore for default routing

    def __post_init__(self) -> None:
        check_network(self.destination)

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.destination, strict=False)


@dataclass(frozen=True, slots=True)
class RouteLookup(Record):
    """The kernel's own answer to "where does a packet to ADDRESS go" (ip route get,
    route -n get, Find-NetRoute); None fields when it could not say."""
    address: str
    interface: str | None = None
    gateway: str | None = None
    source_address: str | None = None
    destination: str | None = None   # the matching route's prefix, when the OS says
    error: str | None = None         # e.g. "not in table", "Network is unreachable"
    method: str = ""                 # "ip route get", "route -n get", "Find-NetRoute", "table"


@dataclass(frozen=True, slots=True)
class Resolver(Record):
    """One nameserver as the OS uses it."""
    address: str
    scope: ResolverScope = ResolverScope.GLOBAL
    port: int = 53
    interface: str | None = None     # the link it belongs to (resolved link, macOS if_index, Windows adapter)
    domains: tuple[str, ...] = ()    # routing/match domains; "." means every name
    order: int | None = None         # lower is asked first (resolv.conf position, macOS order, Windows metric)
    origin: str = ""                 # where it was seen: "resolv.conf", "resolved link 3 (tun0)", "scutil resolver #2"
    current: bool = False            # resolved's CurrentDNSServer

    def __post_init__(self) -> None:
        check_ip(self.address)

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        return ip_of(self.address)


@dataclass(frozen=True, slots=True)
class NrptRule(Record):
    """A Windows Name Resolution Policy Table rule."""
    name: str
    namespaces: tuple[str, ...] = ()
    servers: tuple[str, ...] = ()
    source: str = "local"            # "local" or "gpo"
    config_options: int | None = None


@dataclass(frozen=True, slots=True)
class LinkSearch(Record):
    """The DNS suffixes appended to a single-label name, for one link (``interface`` None: the
    global list: resolv.conf ``search``, the Windows suffix search list, macOS' default resolver)."""
    interface: str | None = None
    domains: tuple[str, ...] = ()
    origin: str = ""


@dataclass(frozen=True, slots=True)
class DnsConfig(Record):
    manager: DnsManager = DnsManager.UNKNOWN
    resolvers: tuple[Resolver, ...] = ()
    search_domains: tuple[str, ...] = ()
    options: tuple[str, ...] = ()    # resolv.conf options / macOS options
    resolv_conf_nameservers: tuple[str, ...] = ()  # the flat list in /etc/resolv.conf, as written
    stub: bool = False               # resolv.conf points at a local stub (127.0.0.53, ...)
    nrpt: tuple[NrptRule, ...] = ()
    nrpt_gpo_present: bool = False   # a Group Policy DnsPolicyConfig key exists (overrides local rules)
    smart_multihomed: bool | None = None  # Windows: smart multi-homed name resolution enabled
    link_search: tuple[LinkSearch, ...] = ()  # the DNS suffix search list per link (global first)
    resolv_conf_by: str = ""         # a program /etc/resolv.conf's header names that is not a DNS manager
                                     # above ("tailscale", "wsl", "openvpn3", ...): see platforms.parsers.resolv_conf


class VpnClient(StrEnum):
    """Which VPN client wrote a log (told by its own lines, not by the file name alone), or whose
    adapter or interface the captures show (its driver description or the name it gives it)."""
    AWS_VPN_CLIENT = "aws-vpn-client"      # AWS VPN Client: its OpenVPN, service, configure-dns or GUI logs
    OPENVPN = "openvpn"                    # OpenVPN 2.x run from a shell or a systemd unit
    OPENVPN_GUI = "openvpn-gui"            # OpenVPN GUI / OpenVPN 2.x on Windows with its management port
    OPENVPN_CONNECT = "openvpn-connect"    # OpenVPN Connect (OpenVPN 3 core) on Windows/macOS
    OPENVPN3 = "openvpn3"                  # OpenVPN 3 Linux (openvpn3 session logs, its journal)
    TUNNELBLICK = "tunnelblick"
    NETWORK_MANAGER = "networkmanager-openvpn"     # NetworkManager-openvpn (nm-openvpn)
    OTHER = "other"                        # a client not above, named by its own adapter, interface or log:
                                           # AnyConnect, WireGuard, Tailscale, NordVPN's or ExpressVPN's app...


class SamlState(StrEnum):
    """Where the SAML (federated) sign-in of the AWS VPN Client got to, from its logs."""
    PENDING = "pending"      # the flow started (challenge / "SAML authentication required") and nothing came after
    FAILED = "failed"        # AUTH_FAILED after the flow started, and no connect after it
    COMPLETED = "completed"  # a connect followed the flow


@dataclass(frozen=True, slots=True)
class PushedConfig(Record):
    """What the VPN server pushed at connect time (PUSH_REPLY in a log)."""
    dns_servers: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()     # CIDRs
    redirect_gateway: bool = False
    domains: tuple[str, ...] = ()    # dhcp-option DOMAIN / DOMAIN-ROUTE
    ifconfig: str | None = None      # client address/prefix, e.g. "10.0.0.98/27"
    route_gateway: str | None = None
    block_outside_dns: bool = False
    raw: str = ""                    # the PUSH_REPLY line, verbatim
    seen_at: str | None = None       # the log's timestamp for it
    source: str = ""                 # the log file
    # full: redirect-gateway for IPv4 (or 0/1 + 128/1, or 0/0 pushed); split: a whole push without it;
    # unknown: only part of the push was seen (e.g. the DNS options a configure-dns helper logged)
    tunnel_mode: TunnelMode = TunnelMode.UNKNOWN


@dataclass(frozen=True, slots=True)
class VpnProfile(Record):
    """Non-secret facts from a .ovpn profile (key material is never read into this)."""
    path: str = ""
    remote_host: str | None = None
    remote_port: int | None = None
    proto: str | None = None
    endpoint_id: str | None = None
    region: str | None = None
    remote_random_hostname: bool = False
    dns_servers: tuple[str, ...] = ()   # dhcp-option DNS in the profile itself
    directives: tuple[str, ...] = ()    # directive names present (for context)


@dataclass(frozen=True, slots=True)
class VpnEvidence(Record):
    mode: TunnelMode = TunnelMode.NONE
    tunnel_interfaces: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()        # why this mode, one line each
    tunnel_routes: tuple[str, ...] = ()  # CIDRs routed via a tunnel interface
    pushed: PushedConfig | None = None
    profile: VpnProfile | None = None
    log_path: str | None = None
    connected_at: str | None = None
    disconnected_at: str | None = None
    log_errors: tuple[str, ...] = ()     # notable error lines from the VPN log
    log_sources: tuple[str, ...] = ()    # every VPN log read (files, journal), newest evidence first
    client: VpnClient | None = None      # the VPN client that wrote the log(s) read, else the one whose
                                         # adapter/interface the captures name (platforms.tunnel.client_shown)
    log_device: str | None = None        # tunnel device the newest session opened (tun0, utun3, a TAP adapter name)
    log_default_route: Route | None = None  # the default route the newest session found before the tunnel
                                         # (ROUTE_GATEWAY): what the log said then, not the routing table now
    log_tunnel_mode: TunnelMode = TunnelMode.UNKNOWN  # the logs' tunnel mode: the push's, else full from 0/1+128/1 installed
    connected: bool | None = None        # from the logs: the newest connect/disconnect event is a connect (None: neither)
    saml: SamlState | None = None        # SAML sign-in state (None: no SAML line in any log)
    client_profile: str | None = None    # AWS VPN Client profile name (its CLI or GUI log)
    cli_status: str | None = None        # `aws-vpn-client` connection status, verbatim (e.g. "Connected")
    cli_connected: bool | None = None    # that status read as connected / not (None: no CLI or unknown word)


class DohMode(StrEnum):
    """What a browser's own DNS-over-HTTPS setting means for names only the VPN's DNS knows."""
    OFF = "off"                # the OS resolver is used
    AUTOMATIC = "automatic"    # DoH when available, with a fallback to the OS resolver (Chrome "automatic",
                               # Firefox TRR mode 2 "first"): private names may still get public answers
    SECURE = "secure"          # DoH only, no fallback (Chrome "secure", Firefox TRR mode 3)
    DEFAULT = "default"        # the browser decides (Firefox mode 0 and its regional rollout)


@dataclass(frozen=True, slots=True)
class BrowserDns(Record):
    """One browser DNS-over-HTTPS setting read from a policy or a profile's preferences."""
    browser: str                     # "chrome", "edge", "chromium", "brave", "firefox"
    setting: str                     # "DnsOverHttpsMode", "dns_over_https.mode", "network.trr.mode", "DNSOverHTTPS"
    value: str                       # as written
    mode: DohMode = DohMode.DEFAULT
    source: str = ""                 # the file or registry key it came from
    policy: bool = False             # an administrator's policy (managed), not a user preference
    templates: str = ""              # the DoH server(s)
    excluded: tuple[str, ...] = ()   # domains kept on the OS resolver (network.trr.excluded-domains, ...)
    allow_private: bool | None = None  # Firefox network.trr.allow-rfc1918 (private answers accepted)


@dataclass(frozen=True, slots=True)
class HostsEntry(Record):
    """A line of the hosts file: an address and the names it gives it."""
    address: str
    names: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Port53Listener(Record):
    """A local socket on port 53 and, where the OS says, the process that owns it."""
    address: str                     # "127.0.0.1", "::1", "0.0.0.0", "127.0.0.53%lo"
    transport: Transport
    process: str = ""                # "" when the OS did not say (another user's process, no privileges)
    pid: int | None = None


# The DNS server a WSL 2 distribution gets when DNS tunneling is on (Microsoft Learn, "WSL
# networking": with dnsTunneling the nameserver in /etc/resolv.conf is 10.255.255.254).
WSL_DNS_TUNNELING_ADDRESS = "10.255.255.254"


@dataclass(frozen=True, slots=True)
class ContainerDns(Record):
    """DNS settings of a container or Linux-VM layer: Docker's daemon.json, WSL's .wslconfig / wsl.conf."""
    kind: str                        # "docker", "wslconfig" (Windows host), "wsl.conf" (inside WSL)
    source: str = ""                 # the file
    dns_servers: tuple[str, ...] = ()   # daemon.json "dns"
    settings: dict[str, str] = field(default_factory=dict)  # e.g. networkingMode, dnsTunneling, generateResolvConf


@dataclass(frozen=True, slots=True)
class LocalEvidence(Record):
    """What on the machine itself can take names past the VPN's DNS: the hosts file, browsers'
    own DNS, containers and WSL, local DNS agents on port 53 (captured as Evidence.HOSTS,
    BROWSER_DNS, CONTAINER_DNS, PORT53: what was not read is not in ``Snapshot.captured``)."""
    hosts: tuple[HostsEntry, ...] = ()
    hosts_path: str = ""
    browsers: tuple[BrowserDns, ...] = ()
    browser_sources: tuple[str, ...] = ()   # every policy / preference file or key that was read
    containers: tuple[ContainerDns, ...] = ()
    inside_wsl: bool | None = None          # this Linux runs inside WSL (None: not known)
    docker: bool | None = None              # Docker is installed here (daemon.json or docker0 seen; None: unknown)
    port53: tuple[Port53Listener, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectionError(Record):
    source: str                      # the source id (or parser) that failed
    message: str                     # plain words: what failed and what it means for the report


@dataclass(frozen=True, slots=True)
class Snapshot(Record):
    platform: Platform
    collected_at: str
    os_release: str = ""
    interfaces: tuple[Interface, ...] = ()
    routes: tuple[Route, ...] = ()
    route_lookups: tuple[RouteLookup, ...] = ()
    dns: DnsConfig = field(default_factory=DnsConfig)
    vpn: VpnEvidence = field(default_factory=VpnEvidence)
    errors: tuple[CollectionError, ...] = ()
    trace: tuple[str, ...] = ()      # why each decision was taken: "dns: rc=resolved ret=systemd-resolved"
    captured: tuple[Evidence, ...] = ()   # the kinds of evidence the sources gave (set by the adapter)
    local: LocalEvidence = field(default_factory=LocalEvidence)  # hosts file, browsers, containers, port 53
    schema_version: str = SCHEMA_VERSION

    def has(self, evidence: Evidence) -> bool:
        return evidence in self.captured

    def interface(self, name: str | None) -> Interface | None:
        for iface in self.interfaces:
            if iface.name == name:
                return iface
        return None

    def lookup(self, address: str) -> RouteLookup | None:
        for lk in self.route_lookups:
            if lk.address == address:
                return lk
        return None


# --------------------------------------------------------------------------- probes


@dataclass(frozen=True, slots=True)
class NameCheck(Record):
    """A name to test, and what the user expects it to resolve to."""
    name: str
    expected: str | None = None      # an IP, "private" or "public"
    origin: str = "user"             # "user", "config", "canary", "profile", or a probe kind below


# Names the probes add for a cause of their own (agent/probes.py), never resolved through the OS:
LARGE_ANSWER_ORIGIN = "large-answer"  # the configured large_answer_name, TXT with an EDNS buffer of 4096
DOH_CANARY_ORIGIN = "doh-canary"      # Firefox's DoH canary, asked of the VPN's servers only
DOH_CANARY = "use-application-dns.net"
PROBE_ORIGINS = frozenset({LARGE_ANSWER_ORIGIN, DOH_CANARY_ORIGIN})


@dataclass(frozen=True, slots=True)
class Answer(Record):
    address: str
    private: bool


@dataclass(frozen=True, slots=True)
class ProbeResult(Record):
    server: str
    transport: Transport
    name: str
    outcome: Outcome
    qtype: str = "A"
    port: int = 53
    rcode: str | None = None
    answers: tuple[Answer, ...] = ()
    rtt_ms: float | None = None      # around network I/O only
    source_address: str | None = None
    interface: str | None = None     # the interface owning source_address
    detail: str = ""                 # human detail of an error


@dataclass(frozen=True, slots=True)
class SystemLookup(Record):
    """What the OS resolver (getaddrinfo) says, i.e. what applications see."""
    name: str
    addresses: tuple[Answer, ...] = ()
    error: str | None = None         # e.g. "Name or service not known", "timeout"
    rtt_ms: float | None = None


@dataclass(frozen=True, slots=True)
class ProbeRun(Record):
    results: tuple[ProbeResult, ...] = ()
    system: tuple[SystemLookup, ...] = ()
    names: tuple[NameCheck, ...] = ()
    deadline_s: float = 0.0
    elapsed_s: float = 0.0
    started_at: str = ""
    skipped: str | None = None       # why no probes were sent (e.g. --no-probe, analyze)


# --------------------------------------------------------------------------- facts (agent/facts.py)


@dataclass(frozen=True, slots=True)
class RouteFact(Record):
    """Where packets to one address go: the kernel's answer, else the longest prefix of the
    table, else unknown (``via_tunnel`` None: no route source was captured)."""
    address: str
    interface: str | None = None
    gateway: str | None = None
    destination: str | None = None   # the matching route's prefix
    method: str = "none"             # "ip route get", "route -n get", "Find-NetRoute", "table", "none"
    via_tunnel: bool | None = None
    tunnel_prefix: str | None = None  # a prefix (not a default or half-default) the tunnel carries that holds it
    lan: str | None = None           # "eth0 192.168.1.0/24": a local subnet holds it
    error: str | None = None

    def describe(self) -> str:
        if self.via_tunnel is None and self.interface is None:
            return f"{self.address}: route unknown (no routing table or route lookup was captured)"
        if self.interface is None:
            return f"{self.address}: no route found ({self.method}{': ' + self.error if self.error else ''})"
        via = f" via {self.gateway}" if self.gateway else ""
        where = "through the tunnel" if self.via_tunnel else "outside the tunnel"
        dest = f", route {self.destination}" if self.destination else ""
        return f"{self.address}: dev {self.interface}{via} ({where}{dest}; {self.method})"


@dataclass(frozen=True, slots=True)
class ProbeFact(Record):
    """How one server answered over one transport, across every name probed."""
    transport: Transport
    probes: int = 0
    replies: int = 0                 # DNS replies of any rcode
    outcomes: tuple[Outcome, ...] = ()   # distinct, in Outcome order
    rtt_ms_min: float | None = None
    rtt_ms_max: float | None = None

    @property
    def silent(self) -> bool:
        return self.probes > 0 and self.replies == 0


@dataclass(frozen=True, slots=True)
class ServerFact(Record):
    """One nameserver: where it was seen, where its packets go, whose it is, how it answered."""
    address: str
    seen_as: tuple[str, ...] = ()    # "resolver", "pushed", "profile", "expected", "nrpt"
    scope: ResolverScope | None = None   # its widest scope among the OS's resolver entries
    interface: str | None = None     # the link the OS attaches it to
    route: RouteFact | None = None
    vpn: Known = Known.NOT_CAPTURED  # is it the VPN's DNS server?
    vpn_because: str = ""
    role: str = ""                   # "primary", "secondary", "tertiary": its place among the VPN's servers
    probes: tuple[ProbeFact, ...] = ()


@dataclass(frozen=True, slots=True)
class NameResolution(Record):
    """Which resolvers the OS asks for one name (macOS match domains, resolved ~domains, NRPT)."""
    name: str
    servers: tuple[str, ...] = ()
    why: str = ""


@dataclass(frozen=True, slots=True)
class Unknown(Record):
    """Something the report could not tell, and what would settle it."""
    topic: str                       # stable id: "tunnel", "tunnel-mode", "resolvers", "pushed-dns", ...
    what: str                        # plain words: what could not be told
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> commands to run/paste


@dataclass(frozen=True, slots=True)
class Facts(Record):
    """What the rules and renderers need, derived once from the snapshot (and probes), each
    with where it came from: observed, observed absent, or not captured."""
    captured: tuple[Evidence, ...] = ()
    tunnel: Known = Known.NOT_CAPTURED       # is a VPN tunnel up?
    tunnel_interfaces: tuple[str, ...] = ()
    tunnel_mode: TunnelMode = TunnelMode.UNKNOWN
    tunnel_mode_from: str = ""               # "routes", "VPN log"
    tunnel_prefixes: tuple[str, ...] = ()
    custom_dns: Known = Known.NOT_CAPTURED   # does the VPN give this machine DNS servers?
    custom_dns_servers: tuple[str, ...] = ()  # primary first, in the order the OS uses them
    custom_dns_from: str = ""
    pushed: Known = Known.NOT_CAPTURED       # was a PUSH_REPLY seen (log)?
    resolvers: Known = Known.NOT_CAPTURED    # are the resolvers the OS uses known?
    probed: bool = False
    servers: tuple[ServerFact, ...] = ()
    resolution: tuple[NameResolution, ...] = ()
    notes: tuple[str, ...] = ()              # inferences and machine/log contradictions, one line each
    unknowns: tuple[Unknown, ...] = ()

    def server(self, address: str) -> ServerFact | None:
        for s in self.servers:
            if s.address == address:
                return s
        return None


# --------------------------------------------------------------------------- diagnosis


@dataclass(frozen=True, slots=True)
class Finding(Record):
    code: str
    severity: Severity
    title: str
    explanation: str
    user_fix: str = ""
    admin_fix: str = ""
    evidence: tuple[str, ...] = ()
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Scenario(Record):
    id: str
    title: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Diagnosis(Record):
    scenario: Scenario
    findings: tuple[Finding, ...]
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class ToolInfo(Record):
    name: str
    version: str


@dataclass(frozen=True, slots=True)
class InputPart(Record):
    """One part of what ``analyze`` was given -- a file, or one output inside a pasted
    file -- and what it was read as (or why it was not)."""
    file: str
    part: int = 1                    # order inside the file (1 when the file held one output)
    lines: str = ""                  # "12-40": where in the file (after line ends were normalised)
    command: str | None = None       # what printed it, as the paste says ("route print"); no prompt
    read_as: str | None = None       # the source id it was read as; None when it was not read
    note: str = ""                   # why it was not read, what it was merged with, what was undone


@dataclass(frozen=True, slots=True)
class Report(Record):
    tool: ToolInfo
    generated_at: str
    platform: Platform
    snapshot: Snapshot
    probes: tuple[ProbeResult, ...]
    scenario: Scenario
    findings: tuple[Finding, ...]
    verdict: Verdict
    system_lookups: tuple[SystemLookup, ...] = ()
    names: tuple[NameCheck, ...] = ()
    probe_deadline_s: float = 0.0
    probe_elapsed_s: float = 0.0
    probe_skipped: str | None = None
    raw: RawCapture | None = None    # kept for bundles and offline re-analysis
    context: dict[str, Any] = field(default_factory=dict)  # options that shaped the run (timeout, config path)
    facts: Facts | None = None       # the derive stage's output (None in reports of schema 1.0)
    # A random id (UUID4) given when the report is made, kept by `analyze` of a saved report:
    # how help desks refer to one report (triage lists reports by it, never by a user name).
    # "" in reports of schema 1.0 and 1.1.
    report_id: str = ""
    inputs: tuple[InputPart, ...] = ()  # analyze: each file / pasted output and what it was read as
    schema_version: str = SCHEMA_VERSION

    @property
    def probe_run(self) -> ProbeRun:
        return ProbeRun(results=self.probes, system=self.system_lookups, names=self.names,
                        deadline_s=self.probe_deadline_s, elapsed_s=self.probe_elapsed_s,
                        skipped=self.probe_skipped)
