"""Rules about how the DNS servers answer (probe evidence) and which ones the OS uses."""
from __future__ import annotations

from agent.findings import finding
from agent.i18n import _
from agent.model import outcome_text
from agent.model import (LARGE_ANSWER_ORIGIN, PROBE_ORIGINS, Evidence, Finding, Outcome, Platform, ProbeResult,
                         ResolverScope, Severity, Transport, TunnelMode)
from agent.netclass import is_loopback, is_private, is_single_label
from agent.rules.context import Context, answer_addresses, expectation_met, says_not_found
from agent.vocab import Code

_FAILED = (Outcome.NXDOMAIN, Outcome.NODATA, Outcome.SERVFAIL, Outcome.REFUSED)



def _describe(result: ProbeResult) -> str:
    """One probe as an evidence line (every caller has a result in hand)."""
    answers = ", ".join(answer_addresses(result))
    got = f"{outcome_text(result.outcome)}{' ' + answers if answers else ''}"
    line = f"{result.server} {result.transport.value} {result.name}: {got}"
    if result.rtt_ms is None:
        return line
    return _("{probe} in {ms} ms").format(probe=line, ms=f"{result.rtt_ms:.0f}")


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
    # custom_dns_absent comes only from a PUSH_REPLY (agent/facts.py): the log was read
    evidence.append(_("no DNS servers pushed by the endpoint (PUSH_REPLY seen)"))
    return finding(Code.FULL_TUNNEL_PUBLIC_DNS_NO_EGRESS,
                   _("The resolver(s) {servers} are reached through the full tunnel and give no answer over UDP "
                     "or TCP.").format(servers=", ".join(d[0] for d in dead)), evidence)


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
    return finding(Code.LOCAL_DNS_BYPASSES_TUNNEL,
                   _("The resolver(s) {servers} are reached outside the tunnel.").format(
                       servers=", ".join(ri.address for ri in outside)),
                   evidence)


def _name_fails(ctx: Context, servers: tuple[str, ...], check) -> tuple[bool, list[str]]:
    """Does an expected name fail (or miss its expectation) through these servers and the
    OS resolver?  Returns (fails, evidence)."""
    evidence: list[str] = []
    results = [r for s in servers if (r := ctx.status(s).best(check.name)) is not None]
    sys_lookup = ctx.system(check.name)
    verdicts = []
    for r in results:
        evidence.append(_describe(r))
        if r.outcome is Outcome.ANSWER:
            verdicts.append(expectation_met(check.expected, answer_addresses(r)) is not False)
        elif r.outcome in _FAILED:
            verdicts.append(False)
    if sys_lookup is not None:
        addrs = tuple(a.address for a in sys_lookup.addresses)
        evidence.append(_("system resolver {name}: {result}").format(
            name=check.name, result=", ".join(addrs) if addrs else sys_lookup.error or _("no address")))
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
    evidence.append(_("no DNS servers pushed by the endpoint (PUSH_REPLY seen)"))   # custom_dns_absent: the log
    return finding(Code.NO_CUSTOM_DNS_PRIVATE_NAMES,
                   _("{names} did not resolve as expected.").format(names=", ".join(failing)), evidence)


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
    return finding(Code.CUSTOM_DNS_UNREACHABLE,
                   _("No answer from {servers} over UDP or TCP 53.").format(servers=", ".join(ctx.custom_dns)),
                   evidence)


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
    if primary_dead:
        title = _("The primary DNS server {server} does not answer").format(server=silent[0].address)
        explanation = _("{server} (the primary) is silent while {other} answers. Every lookup first waits for "
                        "the primary to time out, then fails over: a timeout per query (slow, not broken)."
                        ).format(server=silent[0].address, other=answering[0].address)
    else:
        title = _("The secondary DNS server {server} does not answer").format(server=silent[0].address)
        explanation = _("{server} (the secondary) is silent while {other} answers.").format(
            server=silent[0].address, other=answering[0].address)
    evidence = [ctx.route_to(st.address).describe() for st in silent] + [st.summary() for st in statuses]
    return finding(Code.SECONDARY_DNS_UNREACHABLE, explanation, evidence, title=title)


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
    return finding(Code.PRIMARY_SERVFAIL_NO_FAILOVER,
                   _("The primary {server} answers SERVFAIL for {names}; the secondary resolves it.").format(
                       server=primary.address, names=", ".join(names)),
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
    return finding(Code.DNS_TCP53_BLOCKED,
                   _("{servers} answer over UDP but not TCP.").format(servers=", ".join(st.address for st in hits)),
                   [st.summary() for st in hits])


def _udp_failover(ctx: Context, silent: set[str]) -> str | None:
    """The VPN's server clients fail over to when every UDP-silent one is among the VPN's
    servers and another of them answers over UDP (AWS KC: the client fails over when a
    server is unreachable -- over UDP, where lookups go, silence is unreachable)."""
    group = ctx.custom_dns if ctx.tunnel_up else ()
    if len(group) < 2 or not silent <= set(group):
        return None
    return next((a for a in group if a not in silent and ctx.status(a).responded(Transport.UDP)), None)


def dns_udp_blocked(ctx: Context) -> Finding | None:
    """TCP answers but UDP does not: UDP 53 filtered, or fragments lost in the tunnel.  One of
    the VPN's two servers silent over UDP while the other answers is the same failover as
    secondary-dns-unreachable (a timeout per query, not a failure): a warning, as there."""
    hits = _answers_only_over(ctx, Transport.TCP, Transport.UDP)
    if not hits:
        return None
    text = _("{servers} answer over TCP but not UDP.").format(servers=", ".join(st.address for st in hits))
    evidence = [st.summary() for st in hits]
    partner = _udp_failover(ctx, {st.address for st in hits})
    if partner is None:
        return finding(Code.DNS_UDP_BLOCKED, text, evidence)
    evidence.append(ctx.status(partner).summary())
    if ctx.custom_dns[0] in {st.address for st in hits}:
        text += " " + _("Every lookup first waits for the primary's UDP timeout, then fails over to {partner}, "
                        "which answers: a timeout per query (slow, not broken).").format(partner=partner)
    else:
        text += " " + _("Lookups go to {partner} first, which answers; a failover to the secondary would wait "
                        "for a timeout and get no UDP answer.").format(partner=partner)
    return finding(Code.DNS_UDP_BLOCKED, text, evidence, severity=Severity.WARNING)


def phz_not_associated(ctx: Context) -> Finding | None:
    """AWS KC scenario 2: the private hosted zone must be associated with the VPC that
    hosts the resolver (base+2 or inbound endpoint), not only with the Client VPN's VPC."""
    if not ctx.tunnel_up or not ctx.custom_dns:
        return None
    evidence, names = [], []
    for a in ctx.custom_dns:
        st = ctx.status(a)
        # the first public name it answers: it works, only the private zone is missing
        answered = next((b for c in ctx.canaries
                         if st.outcome_for(c) is Outcome.ANSWER and (b := st.best(c)) is not None), None)
        if answered is None:
            continue
        missing = []
        for check in ctx.expectations:
            if check.expected == "public":
                continue
            r = st.best(check.name)
            if r is not None and r.outcome in (Outcome.NXDOMAIN, Outcome.NODATA):
                if check.name not in names:
                    names.append(check.name)
                missing.append(_describe(r))
        if missing:
            evidence += missing + [_describe(answered)]      # once per server
    if not names:
        return None
    return finding(Code.PHZ_NOT_ASSOCIATED,
                   _("The VPN's resolver answers public names but not {names}.").format(names=", ".join(names)),
                   evidence)


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
            if r is not None and r.outcome is Outcome.ANSWER and any(not is_private(x) for x in answer_addresses(r)) \
                    and expectation_met(check.expected, answer_addresses(r)) is False:
                names.append(check.name)
                evidence.append(_describe(r))
                break
    if not names:
        return None
    return finding(Code.PUBLIC_ANSWER_FOR_PRIVATE_SERVICE,
                   _("{names} resolve(s) to a public address through the VPN's resolver.").format(
                       names=", ".join(names)), evidence)


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
    evidence = [_("pushed: dhcp-option DNS {servers} ({source})").format(
                    servers=", ".join(pushed.dns_servers), source=pushed.source or _("VPN log")),
                _("the OS resolvers: {servers}").format(servers=", ".join(ctx.active_addresses) or _("none"))]
    evidence += [ctx.status(a).summary() for a in stubs if ctx.status(a).probed]
    unused = [r for r in ctx.resolvers if r.scope is ResolverScope.UNUSED and r.address in pushed.dns_servers]
    if unused:
        evidence.append(_("held by systemd-resolved, which programs do not ask: {servers}").format(
            servers=", ".join(_("{server} on {link}").format(server=r.address, link=r.interface or "global")
                              for r in unused)))
    if ctx.snapshot.dns.manager.value != "unknown":
        evidence.append(_("DNS is managed by {manager}").format(manager=ctx.snapshot.dns.manager.value))
    return finding(Code.PUSHED_DNS_NOT_APPLIED, None, evidence)


def _negative_disagreements(ctx: Context) -> list[str]:
    """Names the OS resolver says do not exist while the first server in use answers them:
    evidence lines.  "In use" is the VPN's first server when the VPN gives DNS, the OS's first
    resolver when the log says it gives none (or no tunnel is up); when whose servers programs
    ask is not known, no server can be said to disagree."""
    if ctx.custom_dns_pushed:
        servers = ctx.custom_dns
    elif ctx.custom_dns_absent or ctx.tunnel_absent:
        servers = tuple(r.address for r in ctx.default_resolvers)
    else:
        return []
    out: list[str] = []
    for check in ctx.names:
        if check.origin in PROBE_ORIGINS:
            continue
        sys_lookup = ctx.system(check.name)
        if sys_lookup is None:
            continue
        for s in servers[:1]:
            r = ctx.status(s).best(check.name)
            if r is not None and r.outcome is Outcome.ANSWER and says_not_found(sys_lookup):
                # says_not_found: an error text and no address
                out += [_describe(r), _("system resolver {name}: {result}").format(name=check.name, result=sys_lookup.error)]
    return out


def system_resolver_disagrees(ctx: Context) -> Finding | None:
    """The OS resolver says "not found" for a name the DNS server in use answers: a negative
    answer cached before the tunnel came up (Windows keeps NXDOMAIN about 15 minutes), or the
    resolver order.  (An old positive answer is stale-positive-cache.)"""
    if not ctx.probed:
        return None
    negative = _negative_disagreements(ctx)
    if not negative:
        return None
    return finding(Code.SYSTEM_RESOLVER_DISAGREES, None, negative)


def stale_positive_cache(ctx: Context) -> Finding | None:
    """The OS resolver gives an address no DNS server probed gives for that name (they answer
    other addresses, or NXDOMAIN): a positive answer cached before the tunnel came up -- the
    public address of a name that is private inside the VPC -- or a hosts-file entry (split of
    system-resolver-disagrees, issue 17; OS caches: Windows DNS Client, mDNSResponder,
    systemd-resolved, nscd).  Compared with every server probed, not the one the OS is thought
    to ask: where split DNS sends the name is not always captured, and an address any server
    gives may be where the OS got it."""
    if not ctx.probed:
        return None
    evidence = []
    for check in ctx.names:
        if check.origin in PROBE_ORIGINS:
            continue
        sys_lookup = ctx.system(check.name)
        if sys_lookup is None or not sys_lookup.addresses:
            continue
        os_v4 = {a.address for a in sys_lookup.addresses if ":" not in a.address}
        results = [p for p in ctx.probes.results if p.name == check.name and p.qtype == "A"]
        told = [p for p in results if p.outcome in (Outcome.ANSWER, Outcome.NXDOMAIN)]
        if not os_v4 or not told:
            continue
        given = {a.address for p in told for a in p.answers}
        if os_v4 & given:
            continue
        if check.origin not in ("user", "config") and given:
            continue                     # a public name's addresses rotate: only NXDOMAIN says "not so"
        shown: dict[str, ProbeResult] = {}
        for p in told:
            shown.setdefault(p.server, p)
        evidence += [_describe(p) for p in shown.values()]
        evidence.append(_("system resolver {name}: {result}").format(
            name=check.name, result=", ".join(sorted(a.address for a in sys_lookup.addresses))))
    if not evidence:
        return None
    return finding(Code.STALE_POSITIVE_CACHE, None, evidence)


def single_label_name_fails(ctx: Context) -> Finding | None:
    """A single-label name is completed with the OS search list; a Client VPN endpoint pushes
    DNS servers only (CreateClientVpnEndpoint has no DNS suffix), so unless the profile adds
    'dhcp-option DOMAIN' no suffix reaches the tunnel link and 'db01' fails while
    'db01.corp.internal' works (helm/charts#4125-era OpenVPN reports, staf621/ki4a#13).
    Fires on what the OS resolver said: the short name not found, its full name resolved."""
    if not ctx.probes.system:
        return None
    names = [n for n in ctx.names if n.origin in ("user", "config")]
    fqdns = [n for n in names if not is_single_label(n.name) and "." in n.name.strip(".")]
    shorts = [n.name for n in names if is_single_label(n.name)]
    pushed = ctx.snapshot.vpn.pushed.domains if ctx.snapshot.vpn.pushed is not None else ()
    for n in fqdns:                       # a full name under a domain the VPN declares: its short form
        label = n.name.strip(".").split(".")[0]
        if any(n.name.rstrip(".").lower().endswith("." + d.strip(".").lower()) for d in pushed if d.strip(".")) \
                and label not in shorts and ctx.system(label) is not None:
            shorts.append(label)
    hits = []
    for short in shorts:
        lk = ctx.system(short)
        if lk is None or not says_not_found(lk):
            continue
        full = next((n for n in fqdns if n.name.strip(".").split(".")[0].lower() == short.lower()), None)
        if full is None:
            continue
        resolved = _resolves(ctx, full.name)
        if resolved:
            hits.append((short, lk, full.name, resolved))
    if not hits:
        return None
    evidence = []
    for short, lk, full_name, how in hits:
        evidence.append(_("system resolver {name}: {result}").format(name=short, result=lk.error))
        evidence.append(f"{full_name}: {how}")
    evidence += _search_lists(ctx, [full for _s, _l, full, _h in hits])
    return finding(Code.SINGLE_LABEL_NAME_FAILS,
                   _("{short} do(es) not resolve, {full} do(es).").format(
                       short=", ".join(h[0] for h in hits), full=", ".join(h[2] for h in hits)),
                   evidence)


def _resolves(ctx: Context, name: str) -> str:
    """How ``name`` resolved (the OS resolver, else a direct answer), or "" when it did not."""
    lk = ctx.system(name)
    if lk is not None and lk.addresses:
        return _("system resolver: {addresses}").format(addresses=", ".join(a.address for a in lk.addresses))
    for p in ctx.probes.results:
        if p.name == name and p.outcome is Outcome.ANSWER and p.answers:
            return _("{server} answers {addresses}").format(server=p.server, addresses=", ".join(answer_addresses(p)))
    return ""


def _search_lists(ctx: Context, fulls: list[str]) -> list[str]:
    dns = ctx.snapshot.dns
    out = []
    for ls in dns.link_search:
        where = ls.interface or "global"
        msg = (_("search list {link} (the tunnel) ({origin}): {domains}") if ctx.is_tunnel(ls.interface)
               else _("search list {link} ({origin}): {domains}"))
        out.append(msg.format(link=where, origin=ls.origin, domains=" ".join(ls.domains) or _("none")))
    if not dns.link_search:
        out.append(_("search list: {domains}").format(domains=" ".join(dns.search_domains) or _("none captured")))
    parents = sorted({f.strip(".").split(".", 1)[1] for f in fulls if "." in f.strip(".")})
    have = {d.strip(".").lower() for ls in dns.link_search for d in ls.domains} | \
        {d.strip(".").lower() for d in dns.search_domains}
    missing = [p for p in parents if p.lower() not in have]
    if missing:
        out.append(_("no link's search list has {domains}").format(domains=", ".join(missing)))
    return out


def dns_large_answer_lost(ctx: Context) -> Finding | None:
    """A UDP answer larger than the path MTU is fragmented; a lost fragment loses the answer and
    no TC=1 tells the client to retry over TCP (DNS Flag Day 2020: answers above 1232 bytes;
    Client VPN troubleshooting: MTU; tailscale#13601, golang/go#69644).  Needs the large-answer
    probe (large_answer_name in the config): small UDP answers arrive, the large one times
    out over UDP and is answered over TCP."""
    large = [n.name for n in ctx.names if n.origin == LARGE_ANSWER_ORIGIN]
    if not large:
        return None
    hits = []
    for server in _probed_servers(ctx):
        st = ctx.status(server)
        udp = [p for p in st.of(Transport.UDP) if p.name in large]
        tcp = [p for p in st.of(Transport.TCP) if p.name in large]
        small = [p for p in st.of(Transport.UDP) if p.name not in large]
        if not udp or not tcp or any(p.outcome is not Outcome.TIMEOUT for p in udp):
            continue
        if not any(p.outcome.responded for p in small) or not any(p.outcome.responded for p in tcp):
            continue
        hits.append((server, udp[0], tcp[0], next(p for p in small if p.outcome.responded)))
    if not hits:
        return None
    evidence = []
    for _s, u, t, answered in hits:
        evidence += [_describe(answered), _("{probe} (EDNS buffer 4096, {qtype})").format(probe=_describe(u), qtype=u.qtype),
                     _describe(t)]
    return finding(Code.DNS_LARGE_ANSWER_LOST,
                   _("{servers}: the large answer for {name} never arrives over UDP.").format(
                       servers=", ".join(h[0] for h in hits), name=large[0]), evidence)


def dns_firewall_blocks(ctx: Context) -> Finding | None:
    """Route 53 Resolver DNS Firewall rules with the BLOCK action answer NXDOMAIN or NODATA (or
    an override) for the domains in their lists, for every query through the VPC's resolver
    (Route 53 Developer Guide, DNS Firewall rule actions).  Fires when a VPN DNS server gives
    NXDOMAIN/NODATA for the public canary (or a name expected public) that another probed
    server answers."""
    if not ctx.tunnel_up or not ctx.custom_dns:
        return None
    checks = [n for n in ctx.names if n.origin == "canary" or (n.origin in ("user", "config") and n.expected == "public")]
    evidence, names, serious = [], [], False
    for check in checks:
        for a in ctx.custom_dns:
            r = ctx.status(a).best(check.name)
            if r is None or r.outcome not in (Outcome.NXDOMAIN, Outcome.NODATA):
                continue
            ref = next((p for s in _probed_servers(ctx) if s != a
                        and (p := ctx.status(s).best(check.name)) is not None and p.outcome is Outcome.ANSWER
                        and p.answers), None)
            if ref is None:
                continue
            if check.name not in names:
                names.append(check.name)
            serious = serious or check.origin != "canary"
            evidence += [_describe(r), _describe(ref)]
    if not names:
        return None
    return finding(Code.DNS_FIREWALL_BLOCKS,
                   _("The VPN's DNS blocks {names}, which another server resolves.").format(names=", ".join(names)),
                   evidence, severity=Severity.ERROR if serious else None)


def endpoint_name_unresolvable(ctx: Context) -> Finding | None:
    """The tunnel cannot start if the endpoint name does not resolve (Client VPN
    troubleshooting: "DNS resolve error on cvpn-endpoint-..."; remote-random-hostname)."""
    vpn = ctx.snapshot.vpn
    evidence = [e for e in vpn.log_errors if "resolve" in e.lower()]
    profile = vpn.profile
    lookup_failed = False    # decided on the lookups, never on the (translated) evidence text
    if profile is not None and profile.remote_host:
        for check in ctx.names:
            if check.origin != "profile" or profile.remote_host not in check.name:
                continue
            sys_lookup = ctx.system(check.name)
            if sys_lookup is not None and says_not_found(sys_lookup):
                lookup_failed = True
                evidence.append(_("system resolver {name}: {result}").format(name=check.name, result=sys_lookup.error))
    if not evidence:
        return None
    if ctx.tunnel_up and not lookup_failed:
        return None  # an old resolve error in a log of a session that did connect
    if profile is not None and profile.remote_host:
        explanation = _("{host} could not be resolved.").format(host=profile.remote_host)
    else:
        explanation = _("The endpoint could not be resolved.")
    return finding(Code.ENDPOINT_NAME_UNRESOLVABLE, explanation, evidence)
