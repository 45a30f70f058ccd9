"""macOS adapter: scutil --dns / --nwi, netstat -rn, route -n get, ifconfig, sw_vers.

collect() only runs commands (through the injected Env, argv + timeout, LC_ALL=C) and
keeps their text; parse() is pure and works with any subset of the sources, so it also
serves ``cvpn-doctor analyze`` of outputs a user pasted into a ticket.

Source ids (stable; ``analyze`` builds RawCaptures with them):

=================  ===========================================  =========================
id                 command / file                               parser
=================  ===========================================  =========================
scutil-dns         /usr/sbin/scutil --dns                       parsers.scutil_dns
scutil-nwi         /usr/sbin/scutil --nwi                       parsers.scutil_nwi
netstat-inet       /usr/sbin/netstat -rn -f inet                parsers.netstat_rn
netstat-inet6      /usr/sbin/netstat -rn -f inet6               parsers.netstat_rn
netstat-rn         (pasted ``netstat -rn``, both sections)      parsers.netstat_rn
ifconfig           /sbin/ifconfig -a                            parsers.ifconfig_bsd
resolv.conf        /etc/resolv.conf (secondary view only)       nameserver lines
sw-vers            /usr/bin/sw_vers                             ``ProductVersion:`` lines
route-get:ADDR     /sbin/route -n get [-inet6] ADDR             parsers.route_get
=================  ===========================================  =========================

The resolution model (how macOS picks a resolver; scutil(8), configd dnsinfo, and the
captures in tests/fixtures/macos) -- every decision is written to ``Snapshot.trace``:

* Main section ("DNS configuration"), taken in ``order`` (a missing order counts as 0,
  which is what the first, default resolver has on every macOS we have seen):

  - a resolver with nameservers, no ``domain`` and no ``Supplemental`` flag -> GLOBAL;
    the first one is *the* default resolver, later ones are extra defaults (scutil(8):
    "those without [a domain] will be used as a default configuration in addition to
    the first listed");
  - a resolver with a ``domain`` -> DOMAIN, ``domains=(domain,)``: it answers names
    under that domain, the longest matching domain wins (``agent.facts.select_resolvers``);
  - a ``Supplemental`` resolver without a ``domain`` -> DOMAIN with ``domains=()``: it
    is the per-service entry that carries a VPN's search domains; macOS does not make
    it the default even when its order is lower (eduvpn/apple#250: such a utun
    resolver at order 101400 is not used, the en0 one at 200000 is).  It answers no name
    by itself;
  - a resolver without nameservers (``options : mdns``/``pdns``, or an empty default
    after a VPN client removed its servers) gives no Resolver; an empty *first* resolver
    means "no default resolver": unscoped lookups outside the match domains fail.

* "for scoped queries" -> SCOPED with ``interface``: only apps that bind to that
  interface use it (``dig``/``nslookup`` do not use mDNSResponder at all).
* "for service-specific queries" -> SCOPED too (origin says service-specific).

Every Resolver gets ``order`` from scutil, ``interface`` from ``if_index (name)``,
``port`` (53 unless printed) and ``origin`` "scutil resolver #N" (or "scutil scoped
resolver #N" / "scutil service-specific resolver #N").  ``/etc/resolv.conf`` is recorded
only in ``dns.resolv_conf_nameservers``: macOS says itself that it is "not consulted".
"""
from __future__ import annotations

import ipaddress
import logging
import re
from typing import Iterable

from agent.model import (DnsConfig, DnsManager, Evidence, Family, Interface, InterfaceKind,
                         LinkSearch, Platform, RawCapture, Resolver, ResolverScope, Route, RouteLookup, Snapshot,
                         SourceCapture, VpnEvidence)
from agent import source_ids as sid
from platforms.base import Env, ParseError, ParseRun, Source, capture_source
from platforms.parsers import ifconfig_bsd, netstat_rn, route_get, scutil_dns, scutil_nwi
from platforms.tunnel import detect_tunnel, interface_kind

log = logging.getLogger(__name__)

SCUTIL = "/usr/sbin/scutil"
NETSTAT = "/usr/sbin/netstat"
ROUTE = "/sbin/route"
IFCONFIG = "/sbin/ifconfig"
SW_VERS = "/usr/bin/sw_vers"

SOURCES: tuple[Source, ...] = (
    Source(sid.SCUTIL_DNS, argv=(SCUTIL, "--dns")),
    Source(sid.SCUTIL_NWI, argv=(SCUTIL, "--nwi"), optional=True),
    Source(sid.NETSTAT_INET, argv=(NETSTAT, "-rn", "-f", "inet")),
    Source(sid.NETSTAT_INET6, argv=(NETSTAT, "-rn", "-f", "inet6"), optional=True),
    Source(sid.IFCONFIG, argv=(IFCONFIG, "-a")),
    Source(sid.RESOLV_CONF, path="/etc/resolv.conf", optional=True),
    Source(sid.SW_VERS, argv=(SW_VERS,), optional=True),
)
NETSTAT_IDS = (sid.NETSTAT_INET, sid.NETSTAT_INET6, sid.NETSTAT_RN)
ROUTE_GET_PREFIX = sid.ROUTE_GET_PREFIX
MAX_ROUTE_LOOKUPS = 16          # bounds collect() time whatever scutil lists
ROUTE_GET_TIMEOUT_S = 3.0

_NAMESERVER_LINE = re.compile(r"^[^\S\n]*nameserver\s+(\S+)", re.M)  # not ^\s*: O(n^2) on blank lines


def route_get_source(address: str) -> Source:
    """The ``route -n get`` source for one address (``-inet6`` for IPv6)."""
    argv = (ROUTE, "-n", "get", "-inet6", address) if ":" in address else (ROUTE, "-n", "get", address)
    return Source(sid.route_get(address), argv=argv, timeout_s=ROUTE_GET_TIMEOUT_S)


def _valid_ip(text: str) -> bool:
    addr, _, zone = text.partition("%")
    if zone and not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", zone):
        return False   # a zone id is an interface name; "%en0;x" from a log is not
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        return False
    return True


def nameservers_in(scutil_text: str | None) -> tuple[str, ...]:
    """Every distinct nameserver address scutil --dns lists (any section), in order."""
    if not scutil_text:
        return ()
    try:
        info = scutil_dns.parse(scutil_text)
    except ParseError:
        return ()
    seen: list[str] = []
    for r in info.resolvers:
        for ns in r.nameservers:
            if _valid_ip(ns) and ns not in seen:
                seen.append(ns)
    return tuple(seen)


class MacosAdapter:
    platform = Platform.MACOS

    def collect(self, env: Env, addresses: Iterable[str] = ()) -> RawCapture:
        return self.collect_rest(env, self.collect_dns(env), addresses)

    def collect_dns(self, env: Env) -> tuple[SourceCapture, ...]:
        """``scutil --dns``, read first: it names every resolver (run.diagnose starts
        probing them while the rest is collected)."""
        return (capture_source(SOURCES[0], env),)

    def collect_rest(self, env: Env, first: Iterable[SourceCapture], addresses: Iterable[str] = ()) -> RawCapture:
        """The other sources, then ``route -n get`` for every nameserver in ``first``
        (scutil) and each of ``addresses``."""
        caps = [*first, *(capture_source(s, env) for s in SOURCES[1:])]
        dns_text = next((c.text for c in caps if c.id == sid.SCUTIL_DNS), None)
        wanted: list[str] = []
        for addr in (*nameservers_in(dns_text), *addresses):
            if _valid_ip(addr) and addr not in wanted:
                wanted.append(addr)
        if len(wanted) > MAX_ROUTE_LOOKUPS:
            log.debug("route lookups capped at %d of %d addresses", MAX_ROUTE_LOOKUPS, len(wanted))
        for addr in wanted[:MAX_ROUTE_LOOKUPS]:
            caps.append(capture_source(route_get_source(addr), env))
        return RawCapture(platform=Platform.MACOS, collected_at=env.clock(), sources=tuple(caps))

    def parse(self, raw: RawCapture) -> Snapshot:
        return _Parse(raw).snapshot()


# --------------------------------------------------------------------------- resolution model


def _origin(r: scutil_dns.ScutilResolver) -> str:
    section = {scutil_dns.MAIN: "", scutil_dns.SCOPED: "scoped ", scutil_dns.SERVICE_SPECIFIC: "service-specific "}
    return f"scutil {section[r.section]}resolver #{r.number}"


def resolution_model(info: scutil_dns.DnsInfo) -> tuple[tuple[Resolver, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """scutil --dns resolvers -> (Resolvers with scope, search domains, options, trace of the ``dns``
    stage: messages without their ``dns: `` prefix)."""
    resolvers: list[Resolver] = []
    trace: list[str] = []
    search: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    main = sorted(info.section(scutil_dns.MAIN), key=lambda r: (r.order or 0, r.number))
    default_seen = False
    first_checked = False
    for r in main:
        where = _origin(r) + (f" ({r.if_name})" if r.if_name else "")
        addrs = [ns for ns in r.nameservers if _valid_ip(ns)]
        for bad in (ns for ns in r.nameservers if not _valid_ip(ns)):
            trace.append(f"{where}: nameserver {bad!r} is not an address (redacted paste?): ignored")
        if not addrs:
            if not first_checked and not r.domain and not r.supplemental:
                trace.append(f"{where} is the default slot but lists no nameserver: "
                             "no default resolver, unscoped lookups outside match domains fail")
            elif r.domain:
                kind = (r.options or "no nameserver").strip()
                trace.append(f"{where} domain {r.domain} is served by {kind}, not by a DNS server: skipped")
            first_checked = True
            continue
        first_checked = True
        port = r.port or 53
        domains: tuple[str, ...]
        if r.domain:
            domain = r.domain.rstrip(".") or "."
            scope, domains = ResolverScope.DOMAIN, (domain,)
            trace.append(f"{where} serves only names under {domain} (order {r.order}): scope=domain")
        elif r.supplemental:
            scope, domains = ResolverScope.DOMAIN, ()
            trace.append(f"{where} is Supplemental without a match domain (order {r.order}): macOS does not "
                         f"use it as the default; scope=domain with no domain"
                         + (f" (carries search domains {', '.join(r.search_domains)})" if r.search_domains else ""))
        else:
            scope, domains = ResolverScope.GLOBAL, ()
            if not default_seen:
                default_seen = True
                search = r.search_domains
                options = tuple((r.options or "").split())
                trace.append(f"{where} is the default resolver ({', '.join(addrs)}): scope=global")
            else:
                trace.append(f"{where} has no domain: an extra default resolver ({', '.join(addrs)}): scope=global")
        for ns in addrs:
            resolvers.append(Resolver(address=ns, scope=scope, port=port, interface=r.if_name, domains=domains,
                                      order=r.order, origin=_origin(r)))
    if not default_seen and main:
        trace.append("no default resolver with a nameserver in the main section")
    # configd hands the search list to the first resolver it prints (resolver #1), whatever
    # its flags -- a Supplemental VPN resolver or one whose nameservers are gone included
    listed = tuple(dict.fromkeys(d for r in sorted(main, key=lambda r: r.number) for d in r.search_domains))
    if listed and listed != tuple(search):
        trace.append(f"search domains {' '.join(listed)} (from the resolvers' search domain lines)")
        search = listed
    for r in (*info.section(scutil_dns.SCOPED), *info.section(scutil_dns.SERVICE_SPECIFIC)):
        addrs = [ns for ns in r.nameservers if _valid_ip(ns)]
        if not addrs:
            continue
        what = "interface-bound apps" if r.section == scutil_dns.SCOPED else "service-specific queries"
        trace.append(f"{_origin(r)} ({r.if_name or 'no interface'}) {', '.join(addrs)} is used only by {what}: scope=scoped")
        for ns in addrs:
            resolvers.append(Resolver(address=ns, scope=ResolverScope.SCOPED, port=r.port or 53,
                                      interface=r.if_name, order=r.order, origin=_origin(r)))
    return tuple(resolvers), tuple(search), options, tuple(trace)


# --------------------------------------------------------------------------- parse


def _is_link_local_or_multicast(dest: str) -> bool:
    net = ipaddress.ip_network(dest, strict=False)
    return net.is_link_local or net.is_multicast or (net.version == 6 and net.network_address.is_link_local)


def os_release_of(text: str) -> str:
    values = dict(re.findall(r"^[^\S\n]*(\w+):\s*(.*?)\s*$", text, re.M))
    name = values.get("ProductName", "macOS")
    version = values.get("ProductVersion")
    if not version:
        raise ParseError("sw_vers: no ProductVersion line")
    build = values.get("BuildVersion")
    return f"{name} {version}" + (f" ({build})" if build else "")


class _Parse(ParseRun):
    """One pure parse of a RawCapture (platforms.base.ParseRun); failures become CollectionErrors."""

    def snapshot(self) -> Snapshot:
        raw = self.raw
        os_release = ""
        if (src := raw.get(sid.SW_VERS)) is not None:
            os_release = self.parse(src, os_release_of, "sw_vers output") or ""

        interfaces: tuple[Interface, ...] = ()
        have_ifconfig = False
        if (src := raw.get(sid.IFCONFIG)) is not None:
            parsed = self.parse(src, ifconfig_bsd.parse, "the interface list (ifconfig -a)")
            if parsed is not None:
                interfaces, have_ifconfig = parsed, True
                self.capture(Evidence.INTERFACES)

        routes: list[Route] = []
        seen_routes: set[tuple] = set()
        for src in (s for s in raw.sources if s.id in NETSTAT_IDS):   # a folder may hold several pastes
            source_id = src.id
            rows = self.parse(src, netstat_rn.parse, "the routing table (netstat -rn)")
            if rows is not None:
                families = {str(row.family) for row in rows}
                if source_id == sid.NETSTAT_INET6 or "inet6" in families:
                    self.capture(Evidence.ROUTES6)
                if source_id != sid.NETSTAT_INET6 and ("inet" in families or not families):
                    self.capture(Evidence.ROUTES)
            last = len((src.text or "").rstrip().splitlines())
            for number, line, why in getattr(rows, "skipped", ()):
                if number == last and "cannot split" in why:
                    self.error(source_id, "the last line of the routing table is incomplete (cut output): it was skipped")
                else:
                    self.trace(source_id, f"line {number} skipped ({why}): {line}")
            for row in rows or ():
                key = (row.family, row.destination, row.gateway, row.flags, row.netif)
                if key in seen_routes:
                    continue
                seen_routes.add(key)
                try:
                    routes.append(row.to_route())
                except ValueError as err:   # an address the model refuses: keep going
                    self.error(source_id, f"route {row.destination!r} skipped: {err}")

        lookups = self._route_lookups()
        if not routes:
            # No table was pasted, but `route -n get default` names the default route itself
            for lk in lookups:
                if lk.destination in ("0.0.0.0/0", "::/0") and lk.interface and not lk.error:
                    fam = Family.INET6 if ":" in lk.destination else Family.INET
                    try:
                        routes.append(Route(family=fam, destination=lk.destination, gateway=lk.gateway,
                                            interface=lk.interface))
                    except ValueError:
                        continue
                    self.trace("routes", f"no routing table; the default route `route -n get {lk.address}` "
                                         f"answered is recorded (via {lk.gateway or 'link'} on {lk.interface})")

        dns = DnsConfig()
        info = None
        if (src := raw.get(sid.SCUTIL_DNS)) is not None:
            info = self.parse(src, scutil_dns.parse, "the DNS configuration (scutil --dns)")
        if info is not None:
            self.capture(Evidence.DNS_GLOBAL, Evidence.DNS_LINKS)
            resolvers, search, options, dns_trace = resolution_model(info)
            self.trace("dns", f"manager=macos-configd (scutil --dns: {len(info.resolvers)} resolver blocks, "
                              f"sections {', '.join(info.sections)})")
            self.trace_all("dns", dns_trace)
            dns = DnsConfig(manager=DnsManager.MACOS_CONFIGD, resolvers=resolvers, search_domains=search,
                            options=options, link_search=_link_search(info, search))
        else:
            self.trace("dns", "scutil --dns not available: the resolvers macOS uses are unknown")
        if (src := raw.get(sid.RESOLV_CONF)) is not None:
            text = self.text(src)
            if text is not None:
                flat = tuple(ns for ns in _NAMESERVER_LINE.findall(text) if _valid_ip(ns))
                dns = _replace(dns, resolv_conf_nameservers=flat)
                self.capture(Evidence.RESOLV_CONF)
                self.trace("dns", f"/etc/resolv.conf lists {', '.join(flat) or 'no nameserver'} "
                                  "(secondary view: macOS does not consult it)")

        nwi = None
        if (src := raw.get(sid.SCUTIL_NWI)) is not None:
            nwi = self.parse(src, scutil_nwi.parse, "the network order (scutil --nwi)")
        if nwi is not None:
            order = [i.name for i in nwi.interfaces if i.family == "inet"]
            self.trace(sid.SCUTIL_NWI, f"IPv4 service order {' > '.join(order) or '(none)'}")
            for i in nwi.interfaces:
                if i.vpn_server:
                    self.trace(sid.SCUTIL_NWI, f"{i.name} is a VPN service (server {i.vpn_server})")

        if not have_ifconfig:
            interfaces = self._interfaces_from_names(routes, info, nwi, lookups)
        else:
            interfaces = self._add_missing_resolver_interfaces(interfaces, info)
        vpn = self._tunnel(interfaces, routes, have_ifconfig, lookups)
        if any(lk.interface or lk.error for lk in lookups):
            self.capture(Evidence.ROUTE_LOOKUPS)
        return Snapshot(platform=Platform.MACOS, collected_at=raw.collected_at, os_release=os_release,
                        interfaces=interfaces, routes=tuple(routes), route_lookups=lookups, dns=dns, vpn=vpn,
                        errors=self.errors, trace=self.trace_lines, captured=self.evidence)

    def _route_lookups(self) -> tuple[RouteLookup, ...]:
        out: list[RouteLookup] = []
        for src in self.raw.with_prefix(ROUTE_GET_PREFIX):
            address = src.id[len(ROUTE_GET_PREFIX):]
            text = "\n".join(t for t in (src.text, src.stderr) if t and t.strip())
            if not text:
                out.append(RouteLookup(address=address, error=src.error or "no output", method="route -n get"))
                self.error(src.id, src.error or "route -n get printed nothing")
                continue
            try:
                answers = route_get.parse_all(text)
            except ParseError as err:
                self.error(src.id, f"route -n get output could not be read: {err}")
                out.append(RouteLookup(address=address, error=str(err), method="route -n get"))
                continue
            if len(answers) > 1:     # a paste of several lookups under one source
                self.trace(src.id, f"{len(answers)} route lookups in one output, all read")
            for n, got in enumerate(answers):
                addr = address if n == 0 else (got.route_to or f"{address}#{n + 1}")
                if any(lk.address == addr for lk in out):
                    continue
                if got.error:
                    self.trace("routes", f"the kernel has no route to {addr} ({got.error})")
                try:
                    out.append(RouteLookup(address=addr, interface=got.interface, gateway=got.gateway_address,
                                           destination=got.cidr, error=got.error, method="route -n get"))
                except ValueError as err:
                    self.error(src.id, f"route -n get: {err}")
        return tuple(out)

    def _add_missing_resolver_interfaces(self, interfaces: tuple[Interface, ...], info) -> tuple[Interface, ...]:
        # A resolver bound to an interface that ifconfig no longer lists is left over from a
        # VPN that went away (the client did not clean up): record that interface as down,
        # so the stale-DNS rule can see it.  scutil prints "(?)" when the index has no
        # name any more; that case is only traced (there is no name to record).
        known = {i.name for i in interfaces}
        extra: list[Interface] = []
        for r in (info.resolvers if info else ()):
            if r.if_index and not r.if_name and any(_valid_ip(ns) for ns in r.nameservers):
                self.trace("dns", f"{_origin(r)} is bound to if_index {r.if_index}, which has no name any more: "
                                  "the interface is gone (a VPN that did not clean up?)")
            if r.if_name and r.if_name not in known:
                known.add(r.if_name)
                extra.append(Interface(name=r.if_name, index=r.if_index, kind=interface_kind(r.if_name), is_up=False))
                self.trace("interfaces", f"{r.if_name} is named by {_origin(r)} but absent from ifconfig -a: "
                                         "recorded as down")
        return interfaces + tuple(extra)

    def _interfaces_from_names(self, routes, info, nwi, lookups=()) -> tuple[Interface, ...]:
        names: list[str] = []
        for r in list(routes) + list(lookups):
            if r.interface and r.interface not in names:
                names.append(r.interface)
        for r in (info.resolvers if info else ()):
            if r.if_name and r.if_name not in names:
                names.append(r.if_name)
        for i in (nwi.interfaces if nwi else ()):
            if i.name not in names:
                names.append(i.name)
        if names:
            self.trace("interfaces", "no ifconfig output; interface names taken from routes/route lookups/scutil: "
                                     + ", ".join(names))
        return tuple(Interface(name=n, kind=interface_kind(n)) for n in names)

    def _tunnel(self, interfaces: tuple[Interface, ...], routes: list[Route], have_ifconfig: bool,
                lookups: tuple[RouteLookup, ...] = ()) -> VpnEvidence:
        # macOS keeps utun0..utunN up for iCloud Private Relay, Handoff (Rapport), Back to My
        # Mac: up, point-to-point, only an IPv6 link-local address and link-local/multicast
        # routes.  Counting them would make every Mac look "connected".  Only judged when
        # the addresses (ifconfig) or the routing table were captured.
        candidates: list[Interface] = []
        for iface in interfaces:
            if iface.kind is not InterfaceKind.TUNNEL or iface.is_up is False or not (have_ifconfig or routes):
                candidates.append(iface)
                continue
            real_addr = any(not ipaddress.ip_address(a.address.split("%", 1)[0]).is_link_local for a in iface.addresses)
            real_route = any(r.interface == iface.name and not r.scoped and not _is_link_local_or_multicast(r.destination)
                             for r in routes) or \
                any(lk.interface == iface.name and lk.destination and not _is_link_local_or_multicast(lk.destination)
                    for lk in lookups)
            if real_addr or real_route:
                candidates.append(iface)
            else:
                what = "a macOS system utun (Private Relay/Handoff)" if iface.name.startswith("utun") else "an idle tunnel"
                self.trace("tunnel", f"{iface.name} has no routable address and no route: {what}, not a VPN")
        vpn = detect_tunnel(candidates, routes)
        self.trace_all("tunnel", vpn.reasons)
        return vpn


def _link_search(info: scutil_dns.DnsInfo, default_search: tuple[str, ...]) -> tuple[LinkSearch, ...]:
    """The suffixes macOS appends to a single-label name: the default resolver's search list
    (global), then each resolver's own list with its interface (a VPN's Supplemental resolver
    carries the VPN's search domains)."""
    out = [LinkSearch(None, tuple(default_search), "scutil default resolver")]
    seen: set[tuple[str | None, tuple[str, ...]]] = {(None, tuple(default_search))}
    for r in info.resolvers:
        key = (r.if_name, tuple(r.search_domains))
        if r.search_domains and key not in seen:
            seen.add(key)
            out.append(LinkSearch(r.if_name, tuple(r.search_domains), _origin(r)))
    return tuple(out)


def _replace(dns: DnsConfig, **changes) -> DnsConfig:
    from dataclasses import replace
    return replace(dns, **changes)
