"""The finding catalogue: every stable code, its documentation and default fixes.

This is what ``cvpn-doctor explain CODE`` prints and what rules build findings from.
Codes are stable: add new ones, never rename (docs/design.md).  A rule fills in the
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
    _d("system-resolver-disagrees", "warning", "Applications are told a name does not exist that the DNS server answers",
       "The operating system's resolver (what applications use) says the name does not exist, but a direct query "
       "of the DNS server in use answers it: a negative answer cached before the tunnel came up (Windows keeps one "
       "for about 15 minutes), or the resolver order sends the name to another server first. (An old positive "
       "answer is stale-positive-cache.)",
       "Flush the DNS cache: Windows 'ipconfig /flushdns'; macOS 'sudo dscacheutil -flushcache; sudo killall "
       "-HUP mDNSResponder'; Linux 'resolvectl flush-caches'. Check the hosts file.",
       "Nothing on the endpoint.",
       KC, "getaddrinfo says not found, a direct probe of the server in use answers"),
    # --- beyond the Knowledge Center: causes on the laptop itself (issue 17) ---
    _d("browser-secure-dns", "warning", "The browser resolves names with its own DNS-over-HTTPS, not the VPN's DNS",
       "A browser setting sends every name to a DNS-over-HTTPS provider on the internet instead of the operating "
       "system's resolver. That provider cannot know the names only the VPN's DNS answers (private hosted zones, "
       "VPC endpoint names), so they fail in the browser while nslookup, ping and other programs work. Firefox also "
       "rejects private addresses in DoH answers unless network.trr.allow-rfc1918 is set, and keeps its default DoH "
       "on unless the network's resolver answers the canary name use-application-dns.net negatively.",
       "Chrome/Edge: Settings > Privacy and security > Security > turn off 'Use secure DNS' (or choose 'With your "
       "current service provider'). Firefox: Settings > Privacy & Security > DNS over HTTPS > Off, or about:config "
       "network.trr.mode = 5 (or add the private domains to network.trr.excluded-domains). A policy set by IT "
       "cannot be changed here: ask IT.",
       "Set the browsers' policy for VPN users: Chrome/Edge DnsOverHttpsMode 'off' or 'automatic' (or exclude the "
       "private domains), Firefox DNSOverHTTPS Enabled=false or ExcludedDomains. To switch off Firefox's default "
       "DoH on the VPN, make the VPN's DNS answer use-application-dns.net with NXDOMAIN or no address (e.g. a "
       "private hosted zone of that name associated with the resolver's VPC).",
       "https://chromeenterprise.google/policies/#DnsOverHttpsMode",
       "a browser policy or preference: Chrome/Edge DnsOverHttpsMode or dns_over_https.mode 'secure', Firefox "
       "network.trr.mode 2/3 or the DNSOverHTTPS policy; with the tunnel up"),
    _d("container-dns-not-vpn", "warning", "Containers do not ask the VPN's DNS servers",
       "The host resolves through the VPN, but Docker gives containers other DNS servers: the 'dns' list of "
       "daemon.json, or -- on a host whose /etc/resolv.conf is the systemd-resolved stub -- every link's servers "
       "from /run/systemd/resolve/resolv.conf in one flat list, where the LAN's server comes before the VPN's and "
       "per-domain routing is lost. Names only the VPN's DNS knows fail inside containers.",
       "Give the containers the VPN's DNS servers: docker run --dns <VPN DNS server> (or 'dns' in "
       "/etc/docker/daemon.json, then restart Docker), or use a user-defined network, whose embedded DNS "
       "(127.0.0.11) forwards to the host's resolver.",
       "Publish the VPN's DNS server addresses (and the private domains) for developers' container settings.",
       "https://docs.docker.com/engine/network/#dns-services",
       "tunnel up with the VPN's DNS known; Docker daemon.json 'dns' without them (warning), or Docker's default "
       "bridge docker0 and the host on the resolved stub with other links' servers (info)"),
    _d("wsl-dns-not-vpn", "warning", "WSL does not use the VPN's DNS",
       "WSL 2 in its default NAT networking mode has its own /etc/resolv.conf pointing at the Windows host; "
       "without DNS tunneling, queries from Linux leave through the WSL virtual network and do not follow the "
       "VPN's DNS on Windows (and a full-tunnel VPN may drop them), so names resolve on Windows but not in WSL.",
       "In %UserProfile%\\.wslconfig set [wsl2] dnsTunneling=true (WSL 2.0.9 or later on Windows 11 22H2+; "
       "networkingMode=mirrored also helps with full tunnels), then run wsl --shutdown. On older builds: "
       "generateResolvConf=false in /etc/wsl.conf and the VPN's DNS servers in /etc/resolv.conf.",
       "Ship the .wslconfig setting to developers who use WSL with the VPN.",
       "https://learn.microsoft.com/windows/wsl/networking",
       "Windows: .wslconfig dnsTunneling=false with the VPN up; inside WSL: a WSL-generated resolv.conf pointing at "
       "the NAT gateway (no DNS tunneling) and names failing"),
    _d("macos-resolv-conf-not-vpn", "warning", "Tools that read only /etc/resolv.conf miss the VPN's DNS on macOS",
       "macOS resolves through its own resolver configuration (scutil --dns), where the VPN's servers are "
       "attached to the tunnel or to its domains, but /etc/resolv.conf shows only the default resolver, not the "
       "VPN's. Programs that read that file instead of asking macOS -- dig, host, nslookup, and Go programs built "
       "without cgo before Go 1.20 (kubectl, terraform and their providers were among them) -- send private names "
       "to the LAN's server: Safari works, kubectl fails with 'no such host'.",
       "Use a build of the tool that asks the system resolver (Go 1.20+ or built with cgo); test names like apps "
       "do with dscacheutil -q host -a name <name>; as a stop-gap, query the VPN's server explicitly "
       "(dig @<VPN DNS> name).",
       "Nothing on the endpoint; tell macOS users which tool builds resolve through the system.",
       "https://go.dev/doc/go1.20#net",
       "macOS, tunnel up, the VPN's servers in scutil --dns but none in /etc/resolv.conf"),
    _d("hosts-file-override", "warning", "A hosts-file entry overrides DNS for a name you test",
       "The hosts file maps this name to a fixed address, and every OS reads it before asking DNS: whatever the "
       "VPN's DNS answers, programs get the hosts-file address. An entry left from an old workaround (before the "
       "VPN had DNS, or for a server that has moved) sends traffic to the wrong place.",
       "Remove or fix the line: Linux/macOS sudo nano /etc/hosts; Windows: Notepad as administrator, "
       "C:\\Windows\\System32\\drivers\\etc\\hosts. Then flush the DNS cache.",
       "Nothing on the endpoint; if the name is meant to resolve through the VPN, tell users to remove their "
       "hosts-file entries.",
       "https://man7.org/linux/man-pages/man5/hosts.5.html",
       "a hosts-file entry for a name under test"),
    _d("local-dns-agent", "warning", "A local DNS agent answers for this machine, not the VPN's DNS",
       "The operating system asks a DNS proxy on this machine (a loopback address such as 127.0.0.1), installed "
       "by a security product (for example a roaming DNS-security client) or a local forwarder. It forwards names "
       "to its own servers unless it is told the private domains, so names only the VPN's DNS knows fail or get "
       "public answers while the VPN is connected.",
       "Ask IT to add the VPN's private domains to the agent's internal-domain list; to confirm, compare the "
       "agent's answer with the VPN's DNS server (nslookup <name> 127.0.0.1 and nslookup <name> <VPN DNS>).",
       "Add the private domains (and the VPC's reverse zones) to the DNS agent's internal domains, so it sends "
       "them to the resolver the VPN pushes.",
       "https://docs.umbrella.com/deployment-umbrella/docs/domain-management",
       "the resolver in use is a loopback address that is not the OS's own stub (systemd-resolved, "
       "NetworkManager's dnsmasq); with the tunnel up"),
    _d("other-vpn-takes-dns", "warning", "Another VPN (an overlay network) takes the DNS",
       "Another VPN on this machine -- typically Tailscale's MagicDNS at 100.100.100.100 -- has made itself the "
       "resolver for every name (resolv.conf written by it, or a catch-all DNS route on its link), so names only "
       "the AWS Client VPN's DNS knows go to it instead and fail or race.",
       "Stop the other VPN from taking DNS while using this one (Tailscale: tailscale set --accept-dns=false), or "
       "add the VPN's private domains as split DNS in the other VPN's settings; reconnect.",
       "Give the overlay network split DNS for the private domains (pointing at the VPC resolver) instead of "
       "taking every name.",
       "https://tailscale.com/s/resolvconf-overwrite",
       "a resolver of another VPN (100.100.100.100, a tailscale/zerotier link, a resolv.conf it generated) asked "
       "for every name, with the AWS tunnel up"),
    _d("linux-resolv-conf-not-stub", "error", "/etc/resolv.conf bypasses systemd-resolved, which holds the VPN's DNS",
       "The VPN client gave its DNS servers to systemd-resolved (they are on the tunnel link), but /etc/resolv.conf "
       "is not resolved's stub (127.0.0.53): it names other servers, so programs never ask resolved and never "
       "reach the VPN's DNS.",
       "Point /etc/resolv.conf at the stub, as the AWS Client VPN user guide says for Linux: sudo ln -sf "
       "/run/systemd/resolve/stub-resolv.conf /etc/resolv.conf (and stop the tool that rewrites it), then "
       "reconnect.",
       "Tell Linux users the AWS VPN Client needs systemd-resolved as the system resolver.",
       USER + "linux-troubleshooting.html",
       "Linux: resolved holds servers on the tunnel link, /etc/resolv.conf lists others and is not the stub"),
    _d("single-label-name-fails", "warning", "Short (single-label) names do not resolve over the VPN",
       "The full name resolves, but its first label alone does not: no DNS suffix (search domain) for the "
       "private domain reaches the link the VPN's DNS is on, so the OS does not complete 'db01' to "
       "'db01.corp.internal'. A Client VPN endpoint pushes only DNS server addresses, never a suffix.",
       "Use the full name; or add the suffix: in the .ovpn profile 'dhcp-option DOMAIN corp.internal' "
       "(reconnect); Linux with systemd-resolved: resolvectl domain <tun> corp.internal; Windows: the VPN "
       "adapter's DNS suffix; macOS: the VPN service's search domains.",
       "Distribute the profile with 'dhcp-option DOMAIN <private domain>' for users who rely on short names.",
       USER + "connect-aws-client-vpn-connect.html",
       "a single-label name fails through the OS resolver while its full name resolves"),
    _d("dns-large-answer-lost", "warning", "Large DNS answers are lost in the tunnel (UDP fragments or MTU)",
       "This server answers a small query over UDP and answers the large query over TCP, but the large answer "
       "over UDP (EDNS buffer 4096, many records) never arrives: a UDP answer larger than the tunnel's MTU is "
       "fragmented and a fragment is dropped on the way, and since no truncated reply comes back the client never "
       "retries over TCP. Names with many records, DNSSEC answers and long TXT records fail.",
       "Nothing durable on the laptop; as a stop-gap on Linux, 'options use-vc' in /etc/resolv.conf makes glibc "
       "use TCP.",
       "Keep DNS answers under the path MTU: set the resolver's UDP answer size to 1232 bytes (DNS Flag Day 2020; "
       "BIND max-udp-size, Unbound edns-buffer-size), allow IP fragments between the DNS server and the Client VPN "
       "endpoint, and allow TCP 53.",
       ADMIN + "troubleshooting.html",
       "small UDP answers arrive, the large-answer query times out over UDP and is answered over TCP"),
    _d("dns-firewall-blocks", "warning", "The VPN's DNS server blocks a public name another server answers",
       "The VPC's resolver answers NXDOMAIN or no data for a public name that another DNS server resolves. That is "
       "what a Route 53 Resolver DNS Firewall rule with the BLOCK action (NXDOMAIN or NODATA response) associated "
       "with the VPC does (or a private hosted zone that shadows the public domain).",
       "Nothing on the laptop; send this report to your VPN administrator.",
       "Check the DNS Firewall rule groups associated with the resolver's VPC (Route 53 > DNS Firewall > Rule "
       "groups > VPC associations) and the firewall query logs for the name; allow it, or the private hosted zones "
       "that cover its domain.",
       "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-dns-firewall.html",
       "a VPN DNS server NXDOMAIN/NODATA for the public canary (or a name expected public) that another probed "
       "server answers"),
    _d("saml-login-not-completed", "error", "The VPN's SAML sign-in did not complete",
       "The AWS VPN Client started the SAML (single sign-on) flow -- it opens the browser and waits for the "
       "identity provider to send the sign-in back to 127.0.0.1:35001 -- but the sign-in never came back, or was "
       "refused, so no tunnel was set up and no VPN DNS applies.",
       "Connect again and finish the sign-in in the browser window the client opens (allow the page to reach "
       "127.0.0.1:35001; close other AWS VPN Client windows). If it is refused (AUTH_FAILED), ask IT to check your "
       "assignment to the VPN application.",
       "Check the SAML application: the user is assigned, the ACS URL is http://127.0.0.1:35001, the IAM SAML "
       "provider's metadata is current, and the endpoint's federated authentication uses that provider.",
       ADMIN + "federated-authentication.html",
       "the AWS VPN Client log shows the SAML flow started (or AUTH_FAILED) and no connect after it; no tunnel"),
    _d("stale-positive-cache", "warning", "Applications get an old address for a name",
       "The operating system's resolver (what applications use) returns an address the DNS server in use does not "
       "give for the same name: typically an answer cached before the tunnel came up (the public address of a name "
       "that is private inside the VPC), or a hosts-file entry. Unlike a cached 'not found', the application "
       "connects -- to the wrong place.",
       "Flush the DNS cache: Windows 'ipconfig /flushdns'; macOS 'sudo dscacheutil -flushcache; sudo killall "
       "-HUP mDNSResponder'; Linux 'resolvectl flush-caches' (or restart nscd/dnsmasq). Check the hosts file. "
       "Restart the application, which may cache too.",
       "Nothing on the endpoint; short TTLs on records whose answer differs inside and outside the VPN shorten "
       "the window.",
       KC, "getaddrinfo's addresses differ from the DNS server's answer, or it answers a name the server says "
       "does not exist"),
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
