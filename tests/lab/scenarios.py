"""The lab's scenarios: what the endpoint pushes, what the laptop had before connecting,
how the resolvers behave, and what cvpn-doctor must conclude.

Expectations follow the AWS Client VPN DNS semantics (docs/ and the finding catalogue), not
the doctor's current output: where the two disagree the test fails.

Every scenario runs twice: with ``--log`` (the OpenVPN client log, as a user who finds it)
and in discovery mode without it (as a new user runs the tool).  The machine decides, the
log confirms: a scenario whose answer needs the log says why in ``needs_log`` and gives
what discovery mode must conclude instead in ``expect_no_log`` (never a wrong scenario:
"cannot tell", with the log named as the output to paste).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from tests.lab.stack import ResolvConf

# --- addresses (documentation ranges for everything "public"; never a real resolver) ---
HOME_RESOLVER = "192.168.1.1"      # the home router's dnsmasq
PUBLIC_RESOLVER = "203.0.113.53"   # TEST-NET-3: the "internet" resolver
ENDPOINT_PUBLIC = "198.51.100.10"  # TEST-NET-2: the Client VPN endpoint
VPC_CIDR = "10.0.0.0/16"
VPC_RESOLVER = "10.0.0.2"          # Amazon-provided DNS at VPC base+2
PEER_CIDR = "10.1.0.0/16"
INBOUND_1 = "10.1.0.10"            # Route 53 Resolver inbound endpoint IPs (peer VPC)
INBOUND_2 = "10.1.0.11"
CLIENT_POOL = ("172.16.0.0", "255.255.252.0")   # client CIDR 172.16.0.0/22
# IPv6 (documentation prefix 2001:db8::/32): laptop, home, internet and the VPC are dual
# stack; the tunnel carries IPv4 only, as Client VPN does.
LAPTOP6 = "2001:db8:1::100"
HOME_RESOLVER6 = "2001:db8:1::1"   # the home router (RDNSS in a router advertisement)
PUBLIC_RESOLVER6 = "2001:db8:53::53"
VPC6_CIDR = "2001:db8:10::/64"
VPC_RESOLVER6 = "fd00:ec2::253"    # Amazon DNS over IPv6 (Nitro), VPC-local
VPC_DOMAIN = "corp.internal"

CANARY = "aws.amazon.com"
CANARY_ADDR = "203.0.113.80"
CANARY_ADDR6 = "2001:db8:80::80"   # every resolver also answers AAAA for the canary
PRIVATE_NAME = "db.corp.internal"  # a record in the private hosted zone corp.internal
PRIVATE_ADDR = "10.0.1.10"

FULL_TUNNEL = ('redirect-gateway def1',)
SPLIT_ROUTES = ('route 10.0.0.0 255.255.0.0', 'route 10.1.0.0 255.255.0.0')


class Vpn(Enum):
    UP = "up"            # connected (Initialization Sequence Completed)
    NEVER = "never"      # no OpenVPN at all
    KILLED = "killed"    # connected, then the client was SIGKILLed: no down script ran


class Dns(Enum):
    """Who manages the laptop's DNS."""
    FILE = "file"           # resolv.conf only; the OpenVPN up script rewrites it (update-resolv-conf)
    RESOLVED = "resolved"   # systemd-resolved; the OpenVPN up script calls resolvectl (like the
                            # AWS VPN Client's configure-dns or update-systemd-resolved)
    NM = "nm"               # NetworkManager runs the VPN (OpenVPN plugin) and feeds resolved


class Inbound(Enum):
    """How the Route 53 Resolver inbound endpoints in the peer VPC behave."""
    ASSOCIATED = "associated"          # private zone associated with the peer VPC
    NOT_ASSOCIATED = "not-associated"  # public names fine, NXDOMAIN for the private zone
    PRIMARY_SERVFAIL = "primary-servfail"  # 10.1.0.10 SERVFAILs everything (DNSSEC-bogus upstream)
    PRIMARY_DOWN = "primary-down"      # 10.1.0.10 gone: packets dropped, no reply


@dataclass(frozen=True)
class Expect:
    scenario: str
    codes: frozenset[str]
    verdict: str
    exit_code: int


CANNOT_TELL = Expect("cannot-tell", frozenset(), "cannot-tell", 4)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    expect: Expect
    push: tuple[str, ...] = ()                 # server `push "..."` lines
    laptop_dns: tuple[str, ...] = (HOME_RESOLVER,)   # resolv.conf before connecting
    laptop_routes: tuple[tuple[str, ...], ...] = ()  # extra `ip route add` args on the laptop
    inbound: Inbound = Inbound.ASSOCIATED
    vpn: Vpn = Vpn.UP
    names: tuple[str, ...] = (CANARY,)         # --name arguments
    laptop_addrs: tuple[str, ...] = ()         # extra addresses on the laptop's eth0 (a LAN subnet)
    block_tcp53: bool = False                  # the endpoint drops DNS over TCP from the tunnel
    expect_no_log: Expect | None = None        # discovery mode (no --log), when it differs
    needs_log: str = ""                        # why discovery mode cannot conclude the same
    dns: Dns = Dns.FILE
    # Dns.FILE: the up script puts the pushed servers first and keeps the pre-VPN ones
    # after them (resolvconf merging records) instead of replacing them.
    merge_dns: bool = False
    # systemd-resolved (Dns.RESOLVED / Dns.NM): what /etc/resolv.conf is, the LAN link's
    # servers, what the VPN script sets on tun0, and whether resolved is stopped once the VPN is up.
    resolv: ResolvConf = ResolvConf.STUB
    lan_link_dns: tuple[str, ...] = (HOME_RESOLVER,)
    tun_domains: tuple[str, ...] = ("~.",)
    tun_default_route: bool = True
    resolved_stops: bool = False
    # --- issue 17 (causes on the laptop): small hooks, see lab._cause_hooks / _resolver_extras
    laptop_hosts: tuple[str, ...] = ()         # lines of the laptop's /etc/hosts (/etc/netns/<ns>/hosts)
    config: str = ""                           # a --config TOML for the doctor
    vpc_blocks: tuple[str, ...] = ()           # names the VPC resolver (DNS Firewall) answers NXDOMAIN
    large_txt: bool = False                    # the VPC and inbound resolvers serve LARGE_NAME (TXT, ~3 KB)
    drop_tunnel_fragments: bool = False        # the laptop drops IP fragments arriving on tun0
    single_labels_nxdomain: bool = False       # the VPC / inbound resolvers NXDOMAIN unqualified names, as
                                               # Route 53 Resolver does ("db." is no TLD)

    def expected(self, with_log: bool) -> Expect:
        return self.expect if with_log or self.expect_no_log is None else self.expect_no_log

    @property
    def stack(self) -> bool:
        return self.dns is not Dns.FILE

    @property
    def pushed_dns(self) -> tuple[str, ...]:
        return tuple(p.split()[-1] for p in self.push if p.startswith("dhcp-option DNS "))


def _dns(*servers: str) -> tuple[str, ...]:
    return tuple(f"dhcp-option DNS {s}" for s in servers)


PRIVATE = f"{PRIVATE_NAME}=private"
NO_CUSTOM_DNS_NEEDS_LOG = ("\"no custom DNS\" is a fact about the endpoint: the machine shows only that the OS uses "
                           "no VPN server, and an endpoint that pushed servers the OS never applied looks the same; "
                           "the PUSH_REPLY tells")
S2_PUSH = SPLIT_ROUTES + _dns(INBOUND_1, INBOUND_2)
S2_OK = Expect("S2-custom-dns-split", frozenset(), "healthy", 0)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "S1-local-dns", "no custom DNS, full tunnel, home resolver with a /32 outside the tunnel",
        Expect("S1-local-dns", frozenset({"local-dns-bypasses-tunnel"}), "healthy", 0),
        push=FULL_TUNNEL, laptop_routes=(("192.168.1.1/32", "dev", "eth0", "proto", "static"),),
        expect_no_log=CANNOT_TELL, needs_log=NO_CUSTOM_DNS_NEEDS_LOG,
    ),
    Scenario(
        "S1-public-dns", "no custom DNS, full tunnel, public resolver through the tunnel, no VPC egress",
        Expect("S1-public-dns", frozenset({"full-tunnel-public-dns-no-egress"}), "broken", 1),
        push=FULL_TUNNEL, laptop_dns=(PUBLIC_RESOLVER,),
        expect_no_log=CANNOT_TELL, needs_log=NO_CUSTOM_DNS_NEEDS_LOG,
    ),
    Scenario(
        "S2-healthy", "inbound endpoints in the peer VPC, split routes to both VPCs, zone associated",
        Expect("S2-custom-dns-split", frozenset(), "healthy", 0),
        push=S2_PUSH, names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S2-peer-route-missing", "inbound endpoints pushed, but no route to the peer VPC",
        Expect("S2-custom-dns-split", frozenset({"custom-dns-no-route"}), "broken", 1),
        push=(SPLIT_ROUTES[0],) + _dns(INBOUND_1, INBOUND_2), names=(CANARY, PRIVATE),
        expect_no_log=CANNOT_TELL,
        needs_log="the OS uses 10.1.0.10/.11, private addresses that no tunnel route covers: nothing on the "
                  "machine ties them to the VPN (they could be the device's own); only the PUSH_REPLY shows "
                  "the endpoint pushed them",
    ),
    Scenario(
        "S2-zone-not-associated", "private zone not associated with the inbound endpoints' VPC",
        Expect("S2-custom-dns-split", frozenset({"phz-not-associated"}), "broken", 1),
        push=S2_PUSH, inbound=Inbound.NOT_ASSOCIATED, names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S2-primary-servfail", "primary inbound endpoint answers SERVFAIL, secondary fine",
        Expect("S2-custom-dns-split", frozenset({"primary-servfail-no-failover"}), "broken", 1),
        push=S2_PUSH, inbound=Inbound.PRIMARY_SERVFAIL, names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S2-primary-down", "primary inbound endpoint silent, secondary fine (slow failover)",
        Expect("S2-custom-dns-split", frozenset({"secondary-dns-unreachable"}), "degraded", 0),
        push=S2_PUSH, inbound=Inbound.PRIMARY_DOWN, names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S2-tcp53-blocked", "inbound endpoints answer over UDP, DNS over TCP is dropped on the way",
        Expect("S2-custom-dns-split", frozenset({"dns-tcp53-blocked"}), "degraded", 0),
        push=S2_PUSH, block_tcp53=True, names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S2-lan-overlaps-vpc", "the laptop's LAN is 10.1.0.0/24, inside the peer VPC that holds the DNS servers",
        Expect("S2-custom-dns-split", frozenset({"lan-overlaps-vpc"}), "broken", 1),
        push=S2_PUSH, laptop_addrs=("10.1.0.100/24",), names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S3-healthy", "custom DNS = VPC base+2, full tunnel",
        Expect("S3-custom-dns-full", frozenset(), "healthy", 0),
        push=FULL_TUNNEL + _dns(VPC_RESOLVER), names=(CANARY, PRIVATE),
    ),
    Scenario(
        "S0-private-name", "split tunnel, no custom DNS, a private name the home resolver cannot answer",
        Expect("S0-no-custom-dns-split", frozenset({"no-custom-dns-private-names"}), "broken", 1),
        push=(SPLIT_ROUTES[0],), names=(CANARY, PRIVATE),
        expect_no_log=CANNOT_TELL, needs_log=NO_CUSTOM_DNS_NEEDS_LOG,
    ),
    Scenario(
        "not-connected", "VPN down, home resolver",
        Expect("not-connected", frozenset({"vpn-not-connected"}), "not-connected", 1),
        vpn=Vpn.NEVER,
    ),
    Scenario(
        "not-connected-stale", "S2 connected, then the client killed: pushed DNS left in resolv.conf",
        # Broken, not merely not-connected: with the dead tunnel's servers in resolv.conf
        # no name resolves at all, on or off the VPN.
        Expect("not-connected", frozenset({"vpn-not-connected", "stale-vpn-dns-after-disconnect"}),
               "broken", 1),
        push=S2_PUSH, vpn=Vpn.KILLED,
        expect_no_log=Expect("not-connected", frozenset({"vpn-not-connected"}), "not-connected", 1),
        needs_log="with the tunnel gone, nothing on the machine ties the servers left in resolv.conf to the VPN; "
                  "only the log shows the endpoint pushed them (still not connected, and said so)",
    ),
    # ---- the Linux DNS stack: systemd-resolved, NetworkManager, D-Bus (and IPv6) ----
    Scenario(
        "S2-resolved-catchall", "S2 with systemd-resolved: the VPN script puts the inbound endpoints "
        "on tun0 with ~. (every name to the tunnel); resolv.conf is the stub",
        S2_OK, push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.RESOLVED,
    ),
    Scenario(
        "S2-resolved-domain", "S2 with systemd-resolved: tun0 routes only ~corp.internal, "
        "DefaultRoute=no (split DNS: public names stay on the LAN)",
        S2_OK, push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.RESOLVED,
        tun_domains=(f"~{VPC_DOMAIN}",), tun_default_route=False,
    ),
    Scenario(
        "resolved-vpn-not-default", "S2 with systemd-resolved: the VPN servers sit on tun0 with "
        "DefaultRoute=no and no routing domain, so every name goes to the LAN's resolver",
        # docs/domain.md: the tunnel's servers get no queries; the private name fails through the
        # OS while the pushed servers answer it when asked directly.
        Expect("S2-custom-dns-split", frozenset({"linux-resolved-vpn-not-default",
                                                 "system-resolver-disagrees"}), "degraded", 0),
        push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.RESOLVED,
        tun_domains=(), tun_default_route=False,
    ),
    Scenario(
        "resolved-static-resolvconf", "S2: systemd-resolved holds the VPN servers on tun0 (~.), "
        "but /etc/resolv.conf is a static file naming the home router (the AWS guide's Linux fix)",
        # linux-resolv-conf-not-stub names the cause (issue 17: the AWS user guide's Linux fix).
        Expect("S2-custom-dns-split", frozenset({"pushed-dns-not-applied", "system-resolver-disagrees",
                                                 "linux-resolv-conf-not-stub"}), "broken", 1),
        push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.RESOLVED,
        resolv=ResolvConf.STATIC,
        expect_no_log=Expect("S2-custom-dns-split", frozenset({"system-resolver-disagrees",
                                                               "linux-resolv-conf-not-stub"}), "broken", 1),
        needs_log="pushed-dns-not-applied is a fact about the push: the machine shows resolved holding the VPN's "
                  "servers on tun0 (custom DNS, S2) that programs never ask, and the cause "
                  "(linux-resolv-conf-not-stub); only the PUSH_REPLY shows they are what the endpoint pushed",
    ),
    Scenario(
        "nm-openvpn-split", "S2 through NetworkManager's OpenVPN plugin (the .ovpn imported, "
        "'only for resources on its network' ticked): no pushed domain, so NetworkManager gives "
        "resolved no server for tun0 and every name goes to the home router",
        Expect("S2-custom-dns-split", frozenset({"pushed-dns-not-applied", "system-resolver-disagrees"}),
               "broken", 1),
        push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.NM, tun_domains=(),
        # Without the log nothing on the machine shows that DNS servers were pushed (NetworkManager
        # kept them to itself): exactly the S0 case the log is needed for.
        expect_no_log=CANNOT_TELL, needs_log=NO_CUSTOM_DNS_NEEDS_LOG,
    ),
    Scenario(
        "nm-openvpn-domain", "as nm-openvpn-split, with the VPC's domain added to the VPN connection "
        "(ipv4.dns-search ~corp.internal): NetworkManager routes it to tun0 in resolved",
        S2_OK, push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.NM,
        tun_domains=(f"~{VPC_DOMAIN}",), tun_default_route=False,
    ),
    Scenario(
        "resolved-stub-down", "S2 with systemd-resolved (~. on tun0), then resolved stops (crashed, "
        "or stopped by hand): resolv.conf still names the 127.0.0.53 stub, which answers nothing",
        # With the log: the pushed servers answer, but nothing on the machine hands them to
        # programs any more (docs/domain.md: the AWS client on Linux needs resolved).
        Expect("S2-custom-dns-split", frozenset({"pushed-dns-not-applied"}), "broken", 1),
        push=S2_PUSH, names=(CANARY, PRIVATE), dns=Dns.RESOLVED, resolved_stops=True,
        expect_no_log=CANNOT_TELL,
        needs_log="resolved, which held the VPN's servers, is gone and the stub answers nothing: nothing "
                  "on the machine says which servers programs should reach; only the PUSH_REPLY names them",
    ),
    Scenario(
        "S3-ipv6-dns-leak", "full tunnel (IPv4 only) with the VPC resolver pushed; the home network's "
        "IPv6 resolver stays in resolv.conf and is reached outside the tunnel",
        Expect("S3-custom-dns-full", frozenset({"ipv6-dns-leak"}), "degraded", 0),
        push=FULL_TUNNEL + _dns(VPC_RESOLVER), laptop_dns=(HOME_RESOLVER6,), merge_dns=True,
        names=(CANARY, PRIVATE),
    ),
)

# --- issue 17: the causes users hit on the laptop once the endpoint is right -----------------------
LARGE_NAME = "big.corp.internal"     # a TXT RRset of about 3 KB in the private zone
SHORT_NAME = "db"                    # the single-label form of PRIVATE_NAME

CAUSE_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "S2-hosts-override", "S2 healthy, but the laptop's hosts file still maps the private name to an old address",
        Expect("S2-custom-dns-split", frozenset({"hosts-file-override", "stale-positive-cache"}), "degraded", 0),
        push=S2_PUSH, names=(CANARY, PRIVATE), laptop_hosts=("127.0.0.1 localhost", f"10.9.9.9 {PRIVATE_NAME}"),
    ),
    Scenario(
        "S2-single-label", "S2 healthy; the short name 'db' fails: no DNS suffix reaches the tunnel link",
        Expect("S2-custom-dns-split", frozenset({"single-label-name-fails"}), "degraded", 0),
        push=S2_PUSH, names=(CANARY, PRIVATE, SHORT_NAME), single_labels_nxdomain=True,
    ),
    Scenario(
        "S2-large-answers-lost", "S2; small answers arrive, a 3 KB UDP answer is fragmented and the laptop's "
        "side of the tunnel drops the fragments; TCP works",
        Expect("S2-custom-dns-split", frozenset({"dns-large-answer-lost"}), "degraded", 0),
        push=S2_PUSH, names=(CANARY, PRIVATE), large_txt=True, drop_tunnel_fragments=True,
        config=f'large_answer_name = "{LARGE_NAME}"\n',
    ),
    Scenario(
        "S2-dns-firewall", "custom DNS = VPC+2 (with a DNS Firewall rule blocking the canary) and a peer inbound "
        "endpoint that answers it",
        Expect("S2-custom-dns-split", frozenset({"dns-firewall-blocks"}), "degraded", 0),
        push=SPLIT_ROUTES + _dns(VPC_RESOLVER, INBOUND_1), names=(CANARY, PRIVATE), vpc_blocks=(CANARY,),
    ),
)
SCENARIOS = SCENARIOS + CAUSE_SCENARIOS

BY_KEY = {s.key: s for s in SCENARIOS}
