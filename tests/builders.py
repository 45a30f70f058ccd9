"""Compact builders of snapshots and probe runs for classifier table tests.

They build the same records the adapters and probes produce, so the classifier is
tested on the real contract (each built case also round-trips through JSON).
"""
from __future__ import annotations

import ipaddress

from agent.model import (Answer, DnsConfig, DnsManager, Evidence, Family, IfAddress, Interface, InterfaceKind,
                         LocalEvidence, NameCheck,
                         Outcome, Platform, ProbeResult, ProbeRun, PushedConfig, Resolver, ResolverScope, Route,
                         RouteLookup, Snapshot, SystemLookup, Transport, TunnelMode, VpnEvidence, VpnProfile)
from agent.netclass import is_private
from platforms.tunnel import detect_tunnel, interface_kind

LAN = ("eth0", "192.168.1.23/24", "192.168.1.1")
TUN = ("tun0", "172.16.0.130/27")
FULL = ("0.0.0.0/1", "128.0.0.0/1")
CANARY = NameCheck("aws.amazon.com", origin="canary")


def _iface(name: str, cidr: str, index: int) -> Interface:
    ip = ipaddress.ip_interface(cidr)
    fam = Family.INET if ip.version == 4 else Family.INET6
    return Interface(name=name, index=index, kind=interface_kind(name), is_up=True,
                     addresses=(IfAddress(fam, str(ip.ip), ip.network.prefixlen),))


def resolver(address: str, scope: str = "global", interface: str | None = None, domains=(), origin="resolv.conf"):
    return Resolver(address=address, scope=ResolverScope(scope), interface=interface, domains=tuple(domains),
                    origin=origin)


def snapshot(*, tunnels=(TUN,), tunnel_routes=(), resolvers=(), pushed_dns=None, redirect=False,
             platform=Platform.LINUX, manager=DnsManager.FILE, extra_routes=(), lookups=(), lan=LAN,
             disconnected=False, log_errors=(), profile=None, extra_ifaces=(), captured=None,
             local=None, extra_captured=(), saml=None, stub=False, resolv_conf_by="", link_search=(),
             resolv_conf_nameservers=None) -> Snapshot:
    """A snapshot as an adapter would parse it.  ``captured``: the kinds of evidence it holds
    (default: interfaces, both routing tables, the DNS configuration, the route lookups given,
    and the VPN log when ``pushed_dns`` is given, the profile when ``profile`` is)."""
    name, cidr, gw = lan
    ifaces = [_iface("lo", "127.0.0.1/8", 1), _iface(name, cidr, 2)]
    lan_net = str(ipaddress.ip_interface(cidr).network)
    routes = [Route(Family.INET, "0.0.0.0/0", gateway=gw, interface=name, metric=100),
              Route(Family.INET, lan_net, interface=name, protocol="kernel", scope="link")]
    for i, (tname, tcidr) in enumerate(tunnels):
        ifaces.append(_iface(tname, tcidr, 10 + i))
        routes.append(Route(Family.INET, str(ipaddress.ip_interface(tcidr).network), interface=tname,
                            protocol="kernel", scope="link"))
    for dest in tunnel_routes:
        routes.append(Route(Family.INET6 if ":" in dest else Family.INET, dest, gateway=None,
                            interface=tunnels[0][0] if tunnels else "tun0"))
    for dest, via, dev in extra_routes:
        routes.append(Route(Family.INET6 if ":" in dest else Family.INET, dest, gateway=via, interface=dev))
    for x in extra_ifaces:
        ifaces.append(_iface(*x, 20 + len(ifaces)))
    vpn = detect_tunnel(ifaces, routes)
    pushed = None
    if pushed_dns is not None:
        pushed = PushedConfig(dns_servers=tuple(pushed_dns), redirect_gateway=redirect,
                              routes=tuple(r for r in tunnel_routes if r not in FULL), source="openvpn.log",
                              tunnel_mode=TunnelMode.FULL if redirect else TunnelMode.SPLIT)
    vpn = VpnEvidence(mode=vpn.mode, tunnel_interfaces=vpn.tunnel_interfaces, reasons=vpn.reasons,
                      tunnel_routes=vpn.tunnel_routes, pushed=pushed, profile=profile,
                      connected_at="2026-11-28T10:00:00Z" if pushed is not None else None,
                      disconnected_at="2026-11-28T11:00:00Z" if disconnected else None,
                      connected=False if disconnected else (True if pushed is not None else None),
                      log_tunnel_mode=pushed.tunnel_mode if pushed is not None else TunnelMode.UNKNOWN,
                      log_errors=tuple(log_errors), saml=saml)
    if resolv_conf_nameservers is None:
        resolv_conf_nameservers = tuple(r.address for r in resolvers if r.origin == "resolv.conf")
    dns = DnsConfig(manager=manager, resolvers=tuple(resolvers), resolv_conf_nameservers=tuple(resolv_conf_nameservers),
                    stub=stub, resolv_conf_by=resolv_conf_by, link_search=tuple(link_search))
    if captured is None:
        captured = {Evidence.INTERFACES, Evidence.ROUTES, Evidence.ROUTES6, Evidence.DNS_GLOBAL, Evidence.DNS_LINKS}
        if lookups:
            captured.add(Evidence.ROUTE_LOOKUPS)
        if pushed is not None:
            captured.add(Evidence.VPN_LOG)
        if profile is not None:
            captured.add(Evidence.VPN_PROFILE)
        if saml is not None:
            captured.add(Evidence.VPN_LOG)
    captured = set(captured) | set(extra_captured)
    return Snapshot(platform=platform, collected_at="2026-11-28T12:00:00Z", interfaces=tuple(ifaces),
                    routes=tuple(routes), route_lookups=tuple(RouteLookup(a, interface=i, gateway=g,
                                                                          method="ip route get")
                                                              for a, i, g in lookups),
                    dns=dns, vpn=vpn, captured=tuple(e for e in Evidence if e in captured),
                    local=local if local is not None else LocalEvidence())


def probe(server: str, name: str, outcome: str, addrs=(), transports=("udp", "tcp"), rtt=12.0, qtype="A"):
    out = []
    for t in transports:
        oc = Outcome(outcome)
        out.append(ProbeResult(server=server, transport=Transport(t), name=name, outcome=oc, qtype=qtype,
                               rcode={"answer": "NOERROR", "nodata": "NOERROR", "nxdomain": "NXDOMAIN",
                                      "servfail": "SERVFAIL", "refused": "REFUSED"}.get(outcome),
                               answers=tuple(Answer(a, is_private(a)) for a in addrs),
                               rtt_ms=rtt if oc.responded else None))
    return out


def ok(server: str, names, addrs=("203.0.113.80",)):
    out = []
    for n in names:
        out += probe(server, n.name if isinstance(n, NameCheck) else n, "answer", addrs)
    return out


def silent(server: str, names, transports=("udp", "tcp")):
    out = []
    for n in names:
        out += probe(server, n.name if isinstance(n, NameCheck) else n, "timeout", transports=transports)
    return out


def run(*groups, names=(CANARY,), system=()) -> ProbeRun:
    results = tuple(p for g in groups for p in g)
    sys_lookups = tuple(SystemLookup(name=n, addresses=tuple(Answer(a, is_private(a)) for a in addrs),
                                     error=err) for n, addrs, err in system)
    return ProbeRun(results=results, system=sys_lookups, names=tuple(names), deadline_s=3.0, elapsed_s=0.5)


def profile(host="cvpn-endpoint-0123456789abcdef0.prod.clientvpn.eu-west-1.amazonaws.com"):
    return VpnProfile(path="client.ovpn", remote_host=host, remote_port=443, proto="udp",
                      endpoint_id="cvpn-endpoint-0123456789abcdef0", region="eu-west-1", remote_random_hostname=True)


__all__ = ["snapshot", "resolver", "probe", "ok", "silent", "run", "profile", "CANARY", "FULL", "LAN", "TUN",
           "NameCheck", "DnsManager", "Platform", "InterfaceKind"]
