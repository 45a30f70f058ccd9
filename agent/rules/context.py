"""What every rule sees: the snapshot, the probe run, the names, and the derive stage's
Facts (agent/facts.py: routes to each server, whether a tunnel is up, which servers are
the VPN's, how each answered; each fact observed, observed absent, or not captured).

Rules are pure functions ``def rule(ctx: Context) -> Finding | None``.  A rule whose inputs
were not captured does not fire (unknown is not absent): ``tunnel_up`` / ``tunnel_absent``,
``custom_dns_pushed`` / ``custom_dns_absent``, ``resolvers_known`` and a route's
``via_tunnel`` (None when unknown) say what was seen.  Generic codes
(stale-vpn-dns-after-disconnect, multiple-vpn-dns-conflict, route-outside-tunnel, ...)
live in ``agent/rules/tunnel.py`` and ``dns.py`` and work on every OS through this
Context; an OS module (``linux.py``, ``macos.py``, ``windows.py``) implements only codes
that exist on that OS alone.  One rule per code: when an OS needs other evidence for a
generic code, extend the Facts or the Snapshot, not a second rule.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cached_property

from agent.facts import derive, route_fact
from agent.i18n import _
from agent.model import outcome_text
from agent.model import (Evidence, Facts, Family, Known, NameCheck, Outcome, Platform, ProbeResult, ProbeRun,
                         Resolver, ResolverScope, RouteFact, Snapshot, SystemLookup, Transport, TunnelMode)
from agent.netclass import is_private


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """How one server answered across all probes."""
    address: str
    probes: tuple[ProbeResult, ...]

    def of(self, transport: Transport | None = None, name: str | None = None) -> tuple[ProbeResult, ...]:
        return tuple(p for p in self.probes
                     if (transport is None or p.transport is transport) and (name is None or p.name == name))

    @property
    def probed(self) -> bool:
        return bool(self.probes)

    def responded(self, transport: Transport | None = None) -> bool:
        return any(p.outcome.responded for p in self.of(transport))

    def silent(self, transport: Transport | None = None) -> bool:
        """Probed, and not one DNS reply came back (over this transport)."""
        sel = self.of(transport)
        return bool(sel) and not any(p.outcome.responded for p in sel)

    def outcome_for(self, name: str, transport: Transport = Transport.UDP) -> Outcome | None:
        sel = self.of(transport, name)
        if not sel and transport is Transport.UDP:
            sel = self.of(Transport.TCP, name)
        return sel[0].outcome if sel else None

    def best(self, name: str) -> ProbeResult | None:
        """The most informative result for a name: a DNS reply over UDP, else over TCP, else any."""
        sel = self.of(name=name)
        for p in sorted(sel, key=lambda p: (not p.outcome.responded, p.outcome is Outcome.TRUNCATED,
                                            p.transport is not Transport.UDP)):
            return p
        return None

    def summary(self) -> str:
        parts = []
        for t in (Transport.UDP, Transport.TCP):
            sel = self.of(t)
            if not sel:
                continue
            outs = [outcome_text(v) for v in sorted({p.outcome.value for p in sel})]
            rtts = [p.rtt_ms for p in sel if p.rtt_ms is not None and p.outcome.responded]
            if rtts:
                detail = _("{count} probes, {low}-{high} ms").format(count=len(sel), low=f"{min(rtts):.0f}",
                                                                    high=f"{max(rtts):.0f}")
            else:
                detail = _("{count} probes").format(count=len(sel))
            parts.append(f"{t.value}: {'/'.join(outs)} ({detail})")
        return f"{self.address} " + ("; ".join(parts) if parts else _("not probed"))


class Context:
    """Inputs of classification plus the derive stage's Facts (computed here when not given)."""

    def __init__(self, snapshot: Snapshot, probes: ProbeRun | None = None,
                 names: tuple[NameCheck, ...] = (), expected_dns: tuple[str, ...] = (),
                 facts: Facts | None = None) -> None:
        self.snapshot = snapshot
        self.probes = probes or ProbeRun()
        self.names = tuple(names) or self.probes.names
        self.expected_dns = tuple(expected_dns)
        self.facts = facts if facts is not None else derive(snapshot, self.probes, self.names, self.expected_dns)

    # ------------------------------------------------------------------ evidence
    def has(self, evidence: Evidence) -> bool:
        return self.snapshot.has(evidence)

    # ------------------------------------------------------------------ tunnel
    @property
    def platform(self) -> Platform:
        return self.snapshot.platform

    @property
    def mode(self) -> TunnelMode:
        return self.facts.tunnel_mode

    @property
    def tunnel_up(self) -> bool:
        """A tunnel is observed up (an interface list or routing table shows it)."""
        return self.facts.tunnel is Known.OBSERVED

    @property
    def tunnel_absent(self) -> bool:
        """The interface list or routing table was captured and shows no tunnel."""
        return self.facts.tunnel is Known.ABSENT

    @cached_property
    def tunnel_interfaces(self) -> frozenset[str]:
        return frozenset(self.facts.tunnel_interfaces)

    def is_tunnel(self, interface: str | None) -> bool:
        return interface is not None and interface in self.tunnel_interfaces

    # ------------------------------------------------------------------ pushed / custom DNS
    @property
    def log_says_disconnected(self) -> bool:
        """The logs' newest connect/disconnect event is a disconnect (told by the parser, which
        orders events by time, not by comparing timestamp strings)."""
        return self.snapshot.vpn.connected is False

    @cached_property
    def pushed_dns(self) -> tuple[str, ...]:
        """DNS servers the endpoint pushed (VPN log), else those in the profile."""
        vpn = self.snapshot.vpn
        if vpn.pushed is not None and vpn.pushed.dns_servers:
            return vpn.pushed.dns_servers
        if vpn.profile is not None and vpn.profile.dns_servers:
            return vpn.profile.dns_servers
        return ()

    @cached_property
    def tunnel_resolvers(self) -> tuple[Resolver, ...]:
        """Resolvers the OS attaches to a tunnel interface (resolved link, utun, TAP adapter)."""
        return tuple(r for r in self.snapshot.dns.resolvers if self.is_tunnel(r.interface))

    @property
    def custom_dns(self) -> tuple[str, ...]:
        """The VPN's DNS servers, primary first (Facts: the machine's, then the pushed ones)."""
        return self.facts.custom_dns_servers

    @property
    def custom_dns_pushed(self) -> bool:
        """The VPN gives this machine DNS servers (observed: machine, log or profile)."""
        return self.facts.custom_dns is Known.OBSERVED

    @property
    def custom_dns_absent(self) -> bool:
        """The endpoint pushes no DNS server (the VPN log says so) and the machine shows none."""
        return self.facts.custom_dns is Known.ABSENT

    @property
    def resolvers_known(self) -> bool:
        """The set of resolvers programs use was captured (not only a stub or per-link view)."""
        return self.facts.resolvers is Known.OBSERVED

    # ------------------------------------------------------------------ resolvers
    @property
    def resolvers(self) -> tuple[Resolver, ...]:
        return self.snapshot.dns.resolvers

    @cached_property
    def default_resolvers(self) -> tuple[Resolver, ...]:
        """Resolvers asked for names no domain rule matches (GLOBAL and LINK scopes)."""
        return tuple(r for r in self.resolvers if r.scope in (ResolverScope.GLOBAL, ResolverScope.LINK))

    @cached_property
    def active_addresses(self) -> tuple[str, ...]:
        """Addresses of resolvers that receive queries (any scope but INACTIVE/UNUSED), in order."""
        out: list[str] = []
        for r in self.resolvers:
            if r.scope not in (ResolverScope.INACTIVE, ResolverScope.UNUSED) and r.address not in out:
                out.append(r.address)
        return tuple(out)

    def resolver(self, address: str) -> Resolver | None:
        for r in self.resolvers:
            if r.address == address:
                return r
        return None

    # ------------------------------------------------------------------ routes
    def route_to(self, address: str) -> RouteFact:
        """Where packets to ``address`` go (``via_tunnel`` None: no route source was captured)."""
        return route_fact(self.snapshot, self.facts, address)

    def lan_containing(self, address: str) -> str | None:
        """"eth0 192.168.1.0/24" when a local subnet holds ``address`` (None also when no
        interface list was captured)."""
        return self.route_to(address).lan

    @property
    def ipv6_routes_known(self) -> bool:
        return self.has(Evidence.ROUTES6)

    @cached_property
    def ipv6_via_tunnel(self) -> bool:
        return any(r.family is Family.INET6 and r.interface in self.tunnel_interfaces
                   and r.network in _V6_TUNNEL_DEFAULTS for r in self.snapshot.routes)

    # ------------------------------------------------------------------ probes
    def status(self, address: str) -> ServerStatus:
        return ServerStatus(address, tuple(p for p in self.probes.results if p.server == address))

    @cached_property
    def canaries(self) -> tuple[str, ...]:
        return tuple(n.name for n in self.names if n.origin == "canary")

    @cached_property
    def expectations(self) -> tuple[NameCheck, ...]:
        """Names the user/org expects to resolve (with or without a stated expectation)."""
        return tuple(n for n in self.names if n.origin in ("user", "config"))

    def system(self, name: str) -> SystemLookup | None:
        for s in self.probes.system:
            if s.name == name:
                return s
        return None

    @property
    def probed(self) -> bool:
        return bool(self.probes.results)


_V6_TUNNEL_DEFAULTS = {ipaddress.ip_network(n) for n in ("::/0", "::/1", "8000::/1", "2000::/3")}


_NOT_FOUND = ("not known", "no address associated", "no such host", "nodata", "non-existent", "nxdomain")


def says_not_found(lookup: SystemLookup | None) -> bool:
    """The OS resolver definitively says the name does not exist (EAI_NONAME/EAI_NODATA),
    as opposed to a temporary failure or a timeout, which prove nothing about the name."""
    if lookup is None or lookup.addresses or not lookup.error:
        return False
    err = lookup.error.lower()
    return any(k in err for k in _NOT_FOUND)


def answer_addresses(result: ProbeResult) -> tuple[str, ...]:
    """The addresses one probe result answered (the dns and local rules' evidence and checks)."""
    return tuple(a.address for a in result.answers)


def expectation_met(expected: str | None, addresses: tuple[str, ...]) -> bool | None:
    """Does a set of answers meet an expectation ("private", "public" or an IP)?
    None when there is no expectation."""
    if not expected:
        return None
    if not addresses:
        return False
    if expected == "private":
        return all(is_private(a) for a in addresses)
    if expected == "public":
        return not any(is_private(a) for a in addresses)
    return expected in addresses
