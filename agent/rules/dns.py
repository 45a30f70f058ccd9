"""Rules about how the DNS servers answer (probe evidence) and which ones the OS uses."""
from __future__ import annotations

from agent.findings import finding
from agent.model import Evidence, Finding, Outcome, Platform, ResolverScope, Transport, TunnelMode
from agent.netclass import is_loopback, is_private
from agent.rules.context import Context, expectation_met, says_not_found

_FAILED = (Outcome.NXDOMAIN, Outcome.NODATA, Outcome.SERVFAIL, Outcome.REFUSED)



def _answers(result) -> tuple[str, ...]:
    return tuple(a.address for a in result.answers) if result is not None else ()


def _describe(result) -> str:
    if result is None:
        return "not probed"
    answers = ", ".join(_answers(result))
    rtt = f" in {result.rtt_ms:.0f} ms" if result.rtt_ms is not None else ""
    got = f"{result.outcome.value}{' ' + answers if answers else ''}"
    return f"{result.server} {result.transport.value} {result.name}: {got}{rtt}"


def full_tunnel_public_dns_no_egress(ctx: Context) -> Finding | None:
    """AWS KC scenario 1, example 2: no custom DNS, full tunnel, the device's resolver is
    reached through the tunnel and the target network has no internet path.  "No custom
    DNS" needs the VPN log: the endpoint may push servers the OS never applied."""
    if ctx.mode is not TunnelMode.FULL or not ctx.custom_dns_absent or not ctx.tunnel_up:
        return None
    dead = []
    for r in ctx.default_resolvers:
        ri = ctx.route_to(r.address)
        st = ctx.status(r.address)
        if ri.via_tunnel and st.silent(Transport.UDP) and (st.silent(Transport.TCP) or not st.of(Transport.TCP)):
            dead.append((r.address, ri, st))
    if not dead:
        return None
    evidence = []
    for _a, ri, st in dead:
        evidence += [ri.describe(), st.summary()]
    evidence.append("no DNS servers pushed by the endpoint" + (" (PUSH_REPLY seen)" if ctx.pushed_known else ""))
    return finding("full-tunnel-public-dns-no-egress",
                   f"The resolver(s) {', '.join(d[0] for d in dead)} are reached through the full tunnel and "
                   "give no answer over UDP or TCP.", evidence)


def local_dns_bypasses_tunnel(ctx: Context) -> Finding | None:
    """AWS KC scenario 1, example 1: no custom DNS, full tunnel, a static route keeps the
    local resolver outside the tunnel (not on Windows, which forces DNS into a full tunnel)."""
    if (ctx.mode is not TunnelMode.FULL or not ctx.custom_dns_absent or not ctx.tunnel_up
            or ctx.platform is Platform.WINDOWS):
        return None
    outside = [ctx.route_to(r.address) for r in ctx.default_resolvers
               if not r.address.startswith("127.") and r.address != "::1"]
    outside = [ri for ri in outside if ri.interface is not None and ri.via_tunnel is False]
    if not outside:
        return None
    evidence = [ri.describe() for ri in outside]
    evidence += [ctx.status(ri.address).summary() for ri in outside if ctx.status(ri.address).probed]
    return finding("local-dns-bypasses-tunnel",
                   f"The resolver(s) {', '.join(ri.address for ri in outside)} are reached outside the tunnel.",
                   evidence)


def _name_fails(ctx: Context, servers: tuple[str, ...], check) -> tuple[bool, list[str]]:
    """Does an expected name fail (or miss its expectation) through these servers and the
    OS resolver?  Returns (fails, evidence)."""
    evidence: list[str] = []
    results = [ctx.status(s).best(check.name) for s in servers]
    results = [r for r in results if r is not None]
    sys_lookup = ctx.system(check.name)
    verdicts = []
    for r in results:
        evidence.append(_describe(r))
        if r.outcome is Outcome.ANSWER:
            verdicts.append(expectation_met(check.expected, _answers(r)) is not False)
        elif r.outcome in _FAILED:
            verdicts.append(False)
    if sys_lookup is not None:
        addrs = tuple(a.address for a in sys_lookup.addresses)
        evidence.append(f"system resolver {check.name}: " + (", ".join(addrs) if addrs else sys_lookup.error or "no address"))
        if addrs:
            verdicts.append(expectation_met(check.expected, addrs) is not False)
        elif says_not_found(sys_lookup):
            verdicts.append(False)
    return (bool(verdicts) and not any(verdicts)), evidence


def no_custom_dns_private_names(ctx: Context) -> Finding | None:
    """Without custom DNS servers the device keeps its own DNS (AWS KC: "If you don't
    specify DNS servers, the DNS of the device is used"), which cannot resolve VPC names.
    "No custom DNS" needs the VPN log (the endpoint may push servers the OS did not apply)."""
    if not ctx.tunnel_up or not ctx.custom_dns_absent:
        return None
    servers = tuple(r.address for r in ctx.default_resolvers)
    failing, evidence = [], []
    for check in ctx.expectations:
        if check.expected == "public":
            continue
        fails, ev = _name_fails(ctx, servers, check)
        if fails:
            failing.append(check.name)
            evidence += ev
    if not failing:
        return None
    evidence.append("no DNS servers pushed by the endpoint" + (" (PUSH_REPLY seen)" if ctx.pushed_known else
                                                                " (no resolver on the tunnel interface)"))
    return finding("no-custom-dns-private-names", f"{', '.join(failing)} did not resolve as expected.", evidence)


def _vpn_servers(ctx: Context) -> tuple[str, ...]:
    return ctx.custom_dns


def custom_dns_unreachable(ctx: Context) -> Finding | None:
    """Client VPN troubleshooting: DNS servers routed through the tunnel must be covered by
    an authorization rule, admitted by their security group/NACL (client traffic is
    source-NATed to the endpoint ENI) and have a return route."""
    if not ctx.tunnel_up or not ctx.custom_dns:
        return None
    statuses = [ctx.status(a) for a in ctx.custom_dns]
    if not all(st.probed for st in statuses) or not all(st.silent() for st in statuses):
        return None
    routes = [ctx.route_to(a) for a in ctx.custom_dns]
    if not any(ri.via_tunnel for ri in routes):
        return None  # custom-dns-no-route / lan-overlaps-vpc explain it
    evidence = [ri.describe() for ri in routes] + [st.summary() for st in statuses]
    return finding("custom-dns-unreachable",
                   f"No answer from {', '.join(ctx.custom_dns)} over UDP or TCP 53.", evidence)


def secondary_dns_unreachable(ctx: Context) -> Finding | None:
    """AWS KC: with two DNS servers both must be reachable; the client waits for an
    unreachable one before trying the other."""
    if not ctx.tunnel_up or len(ctx.custom_dns) < 2:
        return None
    statuses = [ctx.status(a) for a in ctx.custom_dns]
    silent = [st for st in statuses if st.silent() and ctx.route_to(st.address).via_tunnel]
    answering = [st for st in statuses if st.responded()]
    if not silent or not answering:
        return None
    primary_dead = silent[0].address == ctx.custom_dns[0]
    role = "primary" if primary_dead else "secondary"
    title = f"The {role} DNS server {silent[0].address} does not answer"
    explanation = (f"{silent[0].address} (the {role}) is silent while {answering[0].address} answers."
                   + (" Every lookup first waits for the primary to time out." if primary_dead else ""))
    evidence = [ctx.route_to(st.address).describe() for st in silent] + [st.summary() for st in statuses]
    return finding("secondary-dns-unreachable", explanation, evidence, title=title)


def primary_servfail_no_failover(ctx: Context) -> Finding | None:
    """AWS KC: the client fails over to the secondary only when the primary is
    unreachable, not when it answers SERVFAIL."""
    if len(ctx.custom_dns) < 2:
        return None
    primary = ctx.status(ctx.custom_dns[0])
    others = [ctx.status(a) for a in ctx.custom_dns[1:]]
    names = []
    evidence = []
    for check in ctx.names:
        p = primary.best(check.name)
        if p is None or p.outcome is not Outcome.SERVFAIL:
            continue
        for other in others:
            o = other.best(check.name)
            if o is not None and o.outcome in (Outcome.ANSWER, Outcome.NXDOMAIN, Outcome.NODATA):
                names.append(check.name)
                evidence += [_describe(p), _describe(o)]
                break
    if not names:
        return None
    return finding("primary-servfail-no-failover",
                   f"The primary {primary.address} answers SERVFAIL for {', '.join(names)}; the secondary resolves it.",
                   evidence)


def _probed_servers(ctx: Context) -> list[str]:
    out: list[str] = []
    for p in ctx.probes.results:
        if p.server not in out:
            out.append(p.server)
    return out


def _answers_only_over(ctx: Context, works: Transport, fails: Transport) -> list:
    """Servers that answered over `works` and were probed, silently, over `fails`."""
    hits = []
    for a in _probed_servers(ctx):
        st = ctx.status(a)
        if st.responded(works) and st.of(fails) and not st.responded(fails):
            hits.append(st)
    return hits


def dns_tcp53_blocked(ctx: Context) -> Finding | None:
    """Large answers are truncated over UDP and need TCP 53 (Route 53 Resolver endpoints
    and Client VPN troubleshooting: allow both UDP and TCP 53)."""
    hits = _answers_only_over(ctx, Transport.UDP, Transport.TCP)
    if not hits:
        return None
    return finding("dns-tcp53-blocked", f"{', '.join(st.address for st in hits)} answer over UDP but not TCP.",
                   [st.summary() for st in hits])


def dns_udp_blocked(ctx: Context) -> Finding | None:
    """TCP answers but UDP does not: UDP 53 filtered, or fragments lost in the tunnel."""
    hits = _answers_only_over(ctx, Transport.TCP, Transport.UDP)
    if not hits:
        return None
    return finding("dns-udp-blocked", f"{', '.join(st.address for st in hits)} answer over TCP but not UDP.",
                   [st.summary() for st in hits])


def phz_not_associated(ctx: Context) -> Finding | None:
    """AWS KC scenario 2: the private hosted zone must be associated with the VPC that
    hosts the resolver (base+2 or inbound endpoint), not only with the Client VPN's VPC."""
    if not ctx.tunnel_up or not ctx.custom_dns:
        return None
    evidence, names = [], []
    for a in ctx.custom_dns:
        st = ctx.status(a)
        canary_ok = any(st.outcome_for(c) is Outcome.ANSWER for c in ctx.canaries)
        if not canary_ok:
            continue
        for check in ctx.expectations:
            if check.expected == "public":
                continue
            r = st.best(check.name)
            if r is not None and r.outcome in (Outcome.NXDOMAIN, Outcome.NODATA):
                if check.name not in names:
                    names.append(check.name)
                evidence.append(_describe(r))
                evidence += [_describe(st.best(c)) for c in ctx.canaries if st.best(c) is not None][:1]
    if not names:
        return None
    return finding("phz-not-associated",
                   f"The VPN's resolver answers public names but not {', '.join(names)}.", evidence)


def public_answer_for_private_service(ctx: Context) -> Finding | None:
    """Only the VPC resolver answers with private IPs for RDS, interface endpoints and EC2
    names, and only with the VPC's DNS attributes on (AWS KC; PrivateLink docs)."""
    if not ctx.tunnel_up or not ctx.custom_dns:
        return None
    evidence, names = [], []
    for check in ctx.expectations:
        if check.expected in (None, "public"):
            continue
        for a in ctx.custom_dns:
            r = ctx.status(a).best(check.name)
            if r is not None and r.outcome is Outcome.ANSWER and any(not is_private(x) for x in _answers(r)) \
                    and expectation_met(check.expected, _answers(r)) is False:
                names.append(check.name)
                evidence.append(_describe(r))
                break
    if not names:
        return None
    return finding("public-answer-for-private-service",
                   f"{', '.join(names)} resolve(s) to a public address through the VPN's resolver.", evidence)


def pushed_dns_not_applied(ctx: Context) -> Finding | None:
    """OpenVPN 2.x applies pushed dhcp-option DNS only through an up script; the AWS VPN
    Client on Linux needs systemd-resolved (AWS Client VPN Linux troubleshooting).  Its
    only evidence is the VPN log, and it needs the resolvers programs use to be known."""
    pushed = ctx.snapshot.vpn.pushed
    if (not ctx.tunnel_up or pushed is None or not pushed.dns_servers or ctx.log_says_disconnected
            or not ctx.resolvers_known):
        return None
    # Applied = configured where programs' queries can reach it: a resolved link that gets no
    # queries (DefaultRoute=no, no domain) is applied but mis-routed (linux-resolved-vpn-not-default
    # says so); a server held by a resolved that programs bypass is not.
    applied = {r.address for r in ctx.resolvers if r.scope is not ResolverScope.UNUSED}
    if any(a in applied for a in pushed.dns_servers):
        return None
    stubs = [a for a in ctx.active_addresses if is_loopback(a)]
    if stubs and not ctx.has(Evidence.DNS_LINKS):
        # Behind a local stub whose own servers were not read, the pushed ones may well be
        # in use -- unless the stub itself answers nothing (resolved stopped).
        if not all(ctx.status(a).silent() for a in stubs):
            return None
    evidence = [f"pushed: dhcp-option DNS {', '.join(pushed.dns_servers)} ({pushed.source or 'VPN log'})",
                "the OS resolvers: " + (", ".join(ctx.active_addresses) or "none")]
    evidence += [ctx.status(a).summary() for a in stubs if ctx.status(a).probed]
    unused = [r for r in ctx.resolvers if r.scope is ResolverScope.UNUSED and r.address in pushed.dns_servers]
    if unused:
        evidence.append("held by systemd-resolved, which programs do not ask: "
                        + ", ".join(f"{r.address} on {r.interface or 'global'}" for r in unused))
    if ctx.snapshot.dns.manager.value != "unknown":
        evidence.append(f"DNS is managed by {ctx.snapshot.dns.manager.value}")
    return finding("pushed-dns-not-applied", None, evidence)


def system_resolver_disagrees(ctx: Context) -> Finding | None:
    """The OS resolver (stale negative cache, hosts file, resolver order) and a direct
    query of the DNS server in use disagree.  "In use" is the VPN's first server when the VPN
    gives DNS, the OS's first resolver when the log says it gives none; when whose servers
    programs ask is not known, no server can be said to disagree."""
    if not ctx.probed:
        return None
    if ctx.custom_dns_pushed:
        servers = ctx.custom_dns
    elif ctx.custom_dns_absent or ctx.tunnel_absent:
        servers = tuple(r.address for r in ctx.default_resolvers)
    else:
        return None
    evidence = []
    for check in ctx.names:
        sys_lookup = ctx.system(check.name)
        if sys_lookup is None:
            continue
        sys_addrs = {a.address for a in sys_lookup.addresses}
        for s in servers[:1]:
            r = ctx.status(s).best(check.name)
            if r is None:
                continue
            direct = set(_answers(r))
            disagree = False
            if r.outcome is Outcome.ANSWER and says_not_found(sys_lookup):
                disagree = True
            elif r.outcome is Outcome.NXDOMAIN and sys_addrs:
                disagree = True
            elif check.origin in ("user", "config") and direct and sys_addrs and not (direct & sys_addrs) \
                    and r.qtype == "A" and all(":" not in a for a in sys_addrs):
                disagree = True
            if disagree:
                evidence.append(_describe(r))
                evidence.append(f"system resolver {check.name}: "
                                + (", ".join(sorted(sys_addrs)) if sys_addrs else sys_lookup.error or "no address"))
    if not evidence:
        return None
    return finding("system-resolver-disagrees", None, evidence)


def endpoint_name_unresolvable(ctx: Context) -> Finding | None:
    """The tunnel cannot start if the endpoint name does not resolve (Client VPN
    troubleshooting: "DNS resolve error on cvpn-endpoint-..."; remote-random-hostname)."""
    vpn = ctx.snapshot.vpn
    evidence = [e for e in vpn.log_errors if "resolve" in e.lower()]
    profile = vpn.profile
    if profile is not None and profile.remote_host:
        for check in ctx.names:
            if check.origin != "profile" or profile.remote_host not in check.name:
                continue
            sys_lookup = ctx.system(check.name)
            if says_not_found(sys_lookup):
                evidence.append(f"system resolver {check.name}: {sys_lookup.error}")
    if not evidence:
        return None
    if ctx.tunnel_up and not any(e.startswith("system resolver") for e in evidence):
        return None  # an old resolve error in a log of a session that did connect
    host = profile.remote_host if profile is not None and profile.remote_host else "the endpoint"
    return finding("endpoint-name-unresolvable", f"{host} could not be resolved.", evidence)
