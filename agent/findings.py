"""The finding catalogue: every stable code, its documentation and default fixes.

This is what ``cvpn-doctor explain CODE`` prints and what rules build findings from.
Codes are stable: add new ones, never rename (DESIGN.md).  A rule fills in the
observed evidence and may sharpen the explanation and fixes with what it saw.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from agent.model import Finding, Severity

KC = "https://repost.aws/knowledge-center/client-vpn-how-dns-works-with-endpoint"
ADMIN = "https://docs.aws.amazon.com/vpn/latest/clientvpn-admin/"
USER = "https://docs.aws.amazon.com/vpn/latest/clientvpn-user/"


@dataclass(frozen=True, slots=True)
class FindingDoc:
    code: str
    severity: Severity
    title: str
    explanation: str     # what it means, in plain words
    user_fix: str
    admin_fix: str
    doc: str
    observes: str        # what evidence triggers it


def _d(code: str, severity: str, title: str, explanation: str, user_fix: str, admin_fix: str,
       doc: str, observes: str) -> FindingDoc:
    return FindingDoc(code, Severity(severity), title, explanation, user_fix, admin_fix, doc, observes)


_RECONNECT = "Disconnect and reconnect the VPN after the administrator's change (settings reach a client only when it connects)."

CATALOGUE: dict[str, FindingDoc] = {d.code: d for d in (
    _d("vpn-not-connected", "error", "The VPN is not connected",
       "No tunnel interface with VPN routes is up, so nothing goes through AWS Client VPN and "
       "names that only the VPC can answer cannot resolve.",
       "Connect with the AWS VPN Client (or your OpenVPN client), then run cvpn-doctor again.",
       "Nothing to change on the endpoint for DNS; if the user cannot connect, check the connection log and the endpoint state.",
       USER + "troubleshooting.html", "interfaces and routing table: no tun/tap/utun/TAP-Windows interface carrying routes"),
    _d("full-tunnel-public-dns-no-egress", "error", "DNS goes into the full tunnel to a public resolver the VPC cannot reach",
       "The endpoint pushes no DNS servers, so the laptop keeps its own resolver; the full tunnel "
       "(redirect-gateway) sends queries to it through the VPN, and the Client VPN's target network has no "
       "path to the internet, so every query times out (AWS KC scenario 1, example 2).",
       "Nothing durable on the laptop; as a stop-gap, disconnect the VPN to resolve public names.",
       "Either push DNS servers (Client VPN endpoint > Modify > DNS servers: the VPC's base+2 address or Route 53 "
       "Resolver inbound endpoint IPs), or give the tunnel internet egress: a 0.0.0.0/0 route in the Client VPN "
       "route table for each associated subnet, an authorization rule for 0.0.0.0/0, and a NAT gateway/IGW route "
       "in the associated subnet's VPC route table. " + _RECONNECT,
       KC, "full tunnel, no pushed DNS, the resolver's route goes through the tunnel, UDP and TCP 53 time out"),
    _d("local-dns-bypasses-tunnel", "info", "DNS goes to the local resolver outside the tunnel",
       "The endpoint pushes no DNS servers and a more specific route sends the local resolver outside the "
       "full tunnel (AWS KC scenario 1, example 1). Public names resolve, but names only the VPC can answer "
       "(private hosted zones, VPC endpoint names) cannot, and DNS queries are not protected by the tunnel.",
       "Nothing needed for public names. For private names, ask your VPN administrator to push VPC DNS servers.",
       "To resolve private names for VPN users, set the endpoint's DNS servers to the VPC's base+2 address or "
       "Route 53 Resolver inbound endpoint IPs. " + _RECONNECT,
       KC, "full tunnel, no pushed DNS, the resolver's route leaves through the LAN interface"),
    _d("no-custom-dns-private-names", "error", "Private names fail because the endpoint pushes no DNS servers",
       "Without custom DNS servers on the Client VPN endpoint the laptop keeps using its own (home/office) "
       "resolver, which cannot know the VPC's private names: they fail or get public answers.",
       "Until it is fixed: use the private IP address directly.",
       "Set the Client VPN endpoint's DNS servers (Modify client VPN endpoint > DNS server IP address) to the "
       "VPC's base+2 address or Route 53 Resolver inbound endpoint IPs, and make sure the tunnel routes and "
       "authorization rules cover them. " + _RECONNECT,
       KC, "no pushed DNS; a name expected to be private fails or gets a public answer"),
    _d("custom-dns-no-route", "error", "A pushed DNS server is not routed through the split tunnel",
       "The endpoint pushes this DNS server, but in a split tunnel only the prefixes in the Client VPN route "
       "table go through the VPN, and none covers it: queries leave through the LAN and time out.",
       "Nothing durable on the laptop; reconnect after the administrator adds the route.",
       "Add a route for the DNS server's CIDR to the Client VPN route table, for each associated subnet, with an "
       "authorization rule for it (and a return route from the DNS server's VPC/TGW to the client CIDR or the "
       "associated subnet). " + _RECONNECT,
       ADMIN + "split-tunnel-vpn.html", "pushed DNS server, split tunnel, the kernel routes it outside the tunnel"),
    _d("custom-dns-unreachable", "error", "The pushed DNS servers do not answer through the tunnel",
       "The DNS servers are routed through the VPN but neither UDP nor TCP 53 gets any answer. Typical causes: "
       "no authorization rule covers them, a security group or network ACL of the DNS server does not admit the "
       "Client VPN's associated subnet (client traffic is source-NATed to the endpoint's network interface), or "
       "no return route.",
       "Nothing durable on the laptop; send this report to your VPN administrator.",
       "Check, for each DNS server: an authorization rule covering its address for the user's group; a route "
       "in the Client VPN route table; its security group and NACL allow UDP and TCP 53 from the associated "
       "subnets' CIDRs (and NACL ephemeral ports back); a return route from its subnet/TGW.",
       ADMIN + "troubleshooting.html", "pushed DNS routed via the tunnel; every UDP and TCP probe silent"),
    _d("secondary-dns-unreachable", "warning", "One of the two DNS servers does not answer",
       "Of the two pushed DNS servers one answers and one is silent. Lookups that go to the silent one wait for "
       "a timeout before the other is tried: slow or intermittent resolution. AWS requires both to be reachable.",
       "Nothing durable on the laptop; send this report to your VPN administrator.",
       "Make the silent server reachable from the Client VPN (route, authorization rule, security group/NACL "
       "for UDP and TCP 53), or remove it from the endpoint's DNS servers. " + _RECONNECT,
       KC, "two pushed DNS servers, one silent over UDP and TCP, the other answering"),
    _d("primary-servfail-no-failover", "error", "The primary DNS server answers SERVFAIL and clients do not fail over",
       "The first DNS server answers SERVFAIL for a name the second one resolves. Clients fail over to the "
       "secondary only when the primary is unreachable, not when it answers SERVFAIL, so the name fails.",
       "Nothing durable on the laptop; send this report to your VPN administrator.",
       "Repair the primary server's upstream (forwarding rule, conditional forwarder, DNSSEC) so both servers "
       "answer the same; or put the working server first in the endpoint's DNS servers. " + _RECONNECT,
       KC, "primary SERVFAIL, secondary NOERROR for the same name"),
    _d("dns-tcp53-blocked", "warning", "DNS over TCP 53 is blocked",
       "This server answers over UDP but not over TCP. Large answers (many records, DNSSEC, long TXT) are "
       "truncated over UDP and need TCP, so they fail.",
       "Nothing durable on the laptop.",
       "Allow TCP 53 as well as UDP 53 to the DNS server: security group, network ACL, and any firewall on the "
       "path (Route 53 Resolver endpoints need both).",
       ADMIN + "troubleshooting.html", "UDP answers (possibly TC=1), TCP times out, is refused or reset"),
    _d("dns-udp-blocked", "error", "DNS over UDP 53 gets no answer, only TCP works",
       "This server answers over TCP but not over UDP. Most lookups use UDP, so they time out. Typical causes: "
       "UDP 53 filtered by a security group/NACL or firewall, or fragmented UDP lost in the tunnel (MTU).",
       "Nothing durable on the laptop.",
       "Allow UDP 53 to the DNS server (security group, NACL, firewalls); if only large answers fail, check the "
       "tunnel MTU.",
       ADMIN + "troubleshooting.html", "TCP answers, UDP silent"),
    _d("phz-not-associated", "error", "The VPC resolver does not know the private zone",
       "The DNS server in use answers public names but returns NXDOMAIN for a private name you expect: the "
       "Route 53 private hosted zone is not associated with the VPC of that resolver (the VPC of the base+2 "
       "address or of the Resolver inbound endpoint, which is not necessarily the Client VPN's VPC).",
       "Nothing durable on the laptop; send this report to your VPN administrator.",
       "Associate the private hosted zone with the VPC that hosts the DNS server the endpoint pushes "
       "(Route 53 > Hosted zones > the zone > Edit > VPCs to associate), and check the VPC has 'DNS resolution' "
       "and 'DNS hostnames' enabled.",
       KC, "the resolver answers the canary but NXDOMAIN for an expected-private name"),
    _d("public-answer-for-private-service", "error", "A private service name resolves to a public address",
       "The name resolves to a public IP through the resolver in use although it should give a private one "
       "(RDS, a VPC interface endpoint, an EC2 host). Only the VPC resolver answers with private addresses, and "
       "only with the VPC's 'DNS resolution' and 'DNS hostnames' attributes (and the endpoint's private DNS) on.",
       "Until it is fixed: use the private IP directly.",
       "Push the VPC's DNS (base+2 or Resolver inbound endpoints) as the endpoint's DNS servers; enable 'DNS "
       "resolution' and 'DNS hostnames' on the VPC; enable private DNS on the interface endpoint; for peered VPCs "
       "enable DNS resolution support on the peering.",
       KC, "an expected-private name answered with a public IP"),
    _d("dns-server-is-other-vpc-plus2", "warning", "A pushed DNS server looks like another VPC's base+2 resolver",
       "The DNS server is the base+2 address of a routed VPC CIDR and does not answer. The Amazon DNS server "
       "only answers from inside its own VPC; another VPC's +2 address cannot be used over peering or a transit "
       "gateway (this is a heuristic: the tool cannot see which VPC is associated).",
       "Nothing durable on the laptop.",
       "Use a Route 53 Resolver inbound endpoint in that VPC as the DNS server, or the associated VPC's own "
       "base+2 address with the private hosted zones associated to it. " + _RECONNECT,
       "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-overview-DSN-queries-to-vpc.html",
       "pushed server == base+2 of a routed prefix, silent"),
    _d("dns-server-linklocal", "error", "The pushed DNS server is the link-local 169.254.169.253",
       "169.254.169.253 is the Amazon DNS server as seen from inside a VPC only; over the VPN the address is "
       "link-local to the laptop's own LAN and never reaches the VPC.",
       "Nothing durable on the laptop.",
       "Set the endpoint's DNS servers to the VPC's base+2 address (e.g. 10.0.0.2) or Resolver inbound endpoint "
       "IPs instead of 169.254.169.253. " + _RECONNECT,
       ADMIN + "what-is-best-practices.html", "a resolver in 169.254.0.0/16 while the tunnel is up"),
    _d("pushed-dns-not-applied", "error", "The VPN pushed DNS servers but the system does not use them",
       "The VPN log shows the endpoint pushed DNS servers, but the operating system's resolver configuration "
       "does not contain them (OpenVPN 2.x without an up script; the AWS VPN Client on Linux without "
       "systemd-resolved).",
       "Linux/OpenVPN: add 'script-security 2', 'up /etc/openvpn/update-resolv-conf' and 'down "
       "/etc/openvpn/update-resolv-conf' (or update-systemd-resolved) to the profile; AWS VPN Client on Linux: "
       "enable systemd-resolved. Then reconnect.",
       "Tell Linux users which client and DNS helper is supported; consider a split-DNS-capable client.",
       USER + "linux-troubleshooting.html", "PUSH_REPLY dhcp-option DNS absent from the OS resolvers"),
    _d("linux-resolved-vpn-not-default", "warning", "systemd-resolved does not send your queries to the VPN's DNS",
       "The VPN's DNS servers sit on the tunnel link, but another link keeps the default DNS route and the tunnel "
       "has no '~.' routing domain: queries race between the LAN and the VPN resolvers or go to the LAN.",
       "sudo resolvectl domain <tun> '~.' && sudo resolvectl default-route <tun> true (for this session); "
       "durably add 'dhcp-option DOMAIN-ROUTE .' to the profile and reconnect.",
       "Ship the Linux profile with 'dhcp-option DOMAIN-ROUTE .' (or the private domains as routing domains).",
       USER + "linux-troubleshooting.html", "resolved: tun link has servers, no ~., another link has DefaultRoute"),
    _d("windows-multihomed-dns", "warning", "Windows asks the LAN's DNS server in parallel with the VPN's",
       "Several adapters have DNS servers and Windows' smart multi-homed name resolution is on: Windows queries "
       "all of them and takes the fastest answer; a fast NXDOMAIN from the LAN resolver wins and is cached.",
       "Give the VPN adapter the lowest metric: Set-NetIPInterface -InterfaceIndex <VPN ifIndex> -InterfaceMetric 5; "
       "then ipconfig /flushdns.",
       "Add 'block-outside-dns' to the profile (the VPN's DNS must then resolve every name), or push NRPT rules.",
       "https://learn.microsoft.com/windows-server/networking/dns/", "adapters with DNS on LAN and VPN; smart resolution on"),
    _d("windows-nrpt-gpo-override", "warning", "A Group Policy NRPT overrides the VPN client's DNS rules",
       "A Group Policy Name Resolution Policy Table exists, so NRPT rules written locally (by VPN clients) are "
       "silently ignored.",
       "Ask IT; locally: Get-DnsClientNrptPolicy shows the effective rules.",
       "Add the VPN's namespaces to the Group Policy NRPT, or remove the GPO NRPT for VPN users.",
       "https://learn.microsoft.com/windows-server/networking/dns/", "GPO DnsPolicyConfig key present"),
    _d("windows-full-tunnel-dns-forced", "warning", "Windows sends DNS into the full tunnel, even to your local resolver",
       "The endpoint pushes no DNS servers and the laptop's resolver is on the local network with a route outside "
       "the tunnel (AWS KC scenario 1, example 1). That works on macOS and Linux, but on Windows a full tunnel "
       "forces all DNS into the tunnel, where the local resolver cannot be reached: lookups time out or fail.",
       "Nothing durable on the laptop; compare Resolve-DnsName <name> -Server <local resolver> with the VPN off and "
       "on, and run ipconfig /flushdns after each change.",
       "Push DNS servers reachable through the tunnel (Client VPN endpoint > Modify > DNS servers: the VPC's "
       "base+2 address or Route 53 Resolver inbound endpoint IPs). " + _RECONNECT,
       ADMIN + "what-is-best-practices.html",
       "Windows, full tunnel, no pushed DNS, a LAN resolver routed outside the tunnel"),
    _d("macos-vpn-resolver-not-used", "warning", "macOS does not use the VPN's DNS server for these names",
       "The utun resolver is only scoped or supplemental, or a DNS server set by hand on Wi-Fi wins the default "
       "order. Note that dig and nslookup bypass the macOS resolver; apps do not.",
       "Clear manually set DNS (networksetup -setdnsservers Wi-Fi empty), reconnect, and test like apps do with "
       "dscacheutil -q host -a name <name>.",
       "Use a current AWS VPN Client; make the VPN DNS resolve public names too.",
       USER + "macos-troubleshooting.html", "scutil --dns: utun resolver scoped/supplemental or lower order"),
    _d("multiple-vpn-dns-conflict", "warning", "More than one VPN sets DNS on this machine",
       "Several tunnel interfaces (another VPN, or two sessions) have their own DNS servers; only one set wins "
       "for a given name.",
       "Disconnect the other VPN(s) and reconnect this one.",
       "For concurrent endpoints, give them a common resolver (shared private hosted zones or Resolver rules).",
       USER + "connect.html", "two or more tunnel interfaces with DNS servers"),
    _d("stale-vpn-dns-after-disconnect", "error", "VPN DNS settings are left over although the VPN is down",
       "The VPN's DNS servers are still configured but no tunnel is up, so queries go to addresses that are "
       "only reachable through the VPN and time out.",
       "Linux: sudo resolvectl revert <link> (or restore /etc/resolv.conf); macOS: reconnect/disconnect or "
       "networksetup -setdnsservers <service> empty; Windows: restart the AWS VPN Client service or "
       "ipconfig /renew. Then flush the DNS cache.",
       "Nothing on the endpoint; report the client version if it keeps happening.",
       USER + "troubleshooting.html", "no tunnel; resolvers equal to pushed/VPN ones"),
    _d("lan-overlaps-vpc", "error", "The local network overlaps the VPC: the LAN route wins",
       "The DNS server (or a VPC prefix) lies inside the subnet of your local network, so the packets go to the "
       "LAN instead of the tunnel.",
       "Use another network (e.g. a phone hotspot) or change the home router's subnet.",
       "Use VPC/DNS addresses outside common home ranges (192.168.0.0/16, 10.0.0.0/24 ...).",
       ADMIN + "troubleshooting.html", "DNS server inside a connected non-tunnel subnet"),
    _d("route-outside-tunnel", "error", "A more specific route sends a DNS server outside the tunnel",
       "The VPN is a full tunnel, but a more specific route (from the LAN, DHCP option 121, or other software) "
       "sends this DNS server through another interface.",
       "Find and remove the route (ip route / route print / netstat -rn); avoid untrusted networks.",
       "Enable Client Route Enforcement on the endpoint (AWS VPN Client 5.x+).",
       ADMIN + "troubleshooting.html", "full tunnel; the kernel routes a pushed DNS server via a non-tunnel interface"),
    _d("ipv6-dns-leak", "warning", "IPv6 DNS servers on the LAN bypass the IPv4-only tunnel",
       "The LAN advertises IPv6 DNS servers and the tunnel carries no IPv6, so queries to them leave outside "
       "the VPN and cannot see private names.",
       "Disable IPv6 on the LAN adapter while on VPN, or remove the IPv6 DNS servers.",
       "Make the endpoint dual-stack with IPv6 DNS servers, and enable Client Route Enforcement.",
       ADMIN + "ipv6-considerations.html", "IPv6 resolver on a non-tunnel link, no IPv6 route via the tunnel"),
    _d("system-resolver-disagrees", "warning", "Applications see a different answer than the DNS server gives",
       "The operating system's resolver (what applications use) and a direct query of the DNS server in use "
       "disagree: a stale negative cache, a hosts-file entry, or the resolver order.",
       "Flush the DNS cache: Windows 'ipconfig /flushdns'; macOS 'sudo dscacheutil -flushcache; sudo killall "
       "-HUP mDNSResponder'; Linux 'resolvectl flush-caches'. Check the hosts file.",
       "Nothing on the endpoint.",
       KC, "getaddrinfo vs direct probe answers differ"),
    _d("endpoint-name-unresolvable", "error", "The VPN endpoint's name does not resolve",
       "The profile's remote host (cvpn-endpoint-...) cannot be resolved, so the tunnel cannot even start. "
       "Client VPN endpoint names resolve only with a random label in front (remote-random-hostname).",
       "Check your internet connection and DNS; make sure the profile has 'remote-random-hostname'; try another "
       "network.",
       "Check the endpoint exists and is available; download a fresh client configuration.",
       ADMIN + "troubleshooting.html", "profile remote host fails to resolve; RESOLVE errors in the log"),
)}


class UnknownCode(KeyError):
    pass


def doc_for(code: str) -> FindingDoc:
    try:
        return CATALOGUE[code]
    except KeyError:
        raise UnknownCode(code) from None


def finding(code: str, explanation: str | None = None, evidence: Iterable[str] = (), *,
            title: str | None = None, user_fix: str | None = None, admin_fix: str | None = None,
            severity: Severity | None = None) -> Finding:
    """Build a Finding from the catalogue, with what the rule observed.

    ``explanation`` is prepended to the catalogue's (the observation first, then
    what it means)."""
    d = doc_for(code)
    text = f"{explanation} {d.explanation}" if explanation else d.explanation
    return Finding(code=code, severity=severity or d.severity, title=title or d.title, explanation=text,
                   user_fix=user_fix or d.user_fix, admin_fix=admin_fix or d.admin_fix,
                   evidence=tuple(evidence), doc=d.doc)
