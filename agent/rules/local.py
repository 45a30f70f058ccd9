"""Rules about the laptop itself: what takes names past the VPN's DNS after the endpoint is
right (issue 17).  Each needs evidence an adapter declared captured (Evidence.HOSTS,
BROWSER_DNS, CONTAINER_DNS, PORT53, or the DNS configuration) and fires only on what it saw.
"""
from __future__ import annotations


from agent.findings import finding
from agent.i18n import _
from agent.model import outcome_text
from agent.model import (DOH_CANARY_ORIGIN, WSL_DNS_TUNNELING_ADDRESS, BrowserDns, DnsManager, DohMode, Evidence, Finding,
                         Outcome, Platform, ProbeResult, ResolverScope, Severity)
from agent.netclass import is_loopback, is_overlay_interface, is_private, same_address
from agent.overlay import OVERLAY_WRITERS, is_overlay_resolver
from agent.rules.context import Context, answer_addresses
from agent.vocab import Code

# The OS's own loopback stubs: systemd-resolved (127.0.0.53, 127.0.0.54) on Linux.
_RESOLVED_STUBS = frozenset({"127.0.0.53", "127.0.0.54"})
# NetworkManager's dnsmasq plugin listens on 127.0.0.1 or (Ubuntu) 127.0.1.1.
_NM_DNSMASQ = frozenset({"127.0.0.1", "127.0.1.1"})


def _said(r: ProbeResult) -> str:
    """One probe result as an evidence line: server, transport, name, outcome and answers."""
    got = ", ".join(answer_addresses(r))
    return f"{r.server} {r.transport.value} {r.name}: {outcome_text(r.outcome)}{' ' + got if got else ''}"


def _vpn_servers(ctx: Context) -> tuple[str, ...]:
    return ctx.custom_dns or tuple(dict.fromkeys(r.address for r in ctx.tunnel_resolvers))


# --------------------------------------------------------------------------- browsers


def browser_secure_dns(ctx: Context) -> Finding | None:
    """Browsers resolve with their own DNS-over-HTTPS when set to: Chrome/Edge policy
    DnsOverHttpsMode "secure" (no fallback; "automatic" only upgrades to the OS resolver's own
    provider: Chrome Enterprise policy list, Chromium "same-provider" auto-upgrade), Firefox
    network.trr.mode 2/3 or the DNSOverHTTPS policy; Firefox's default rollout stays on unless
    the network's resolver answers use-application-dns.net negatively (Mozilla "Canary domain").
    Names only the VPN's DNS knows then fail in the browser (tailscale#13909, webcompat#130373)."""
    if not ctx.has(Evidence.BROWSER_DNS) or not ctx.tunnel_up:
        return None
    settings = ctx.snapshot.local.browsers
    canary = _doh_canary(ctx)
    private = [n.name for n in ctx.expectations if n.expected != "public"]
    hits = []
    for b in settings:
        if private and b.excluded and all(_under_any(n, b.excluded) for n in private):
            continue                    # the names under test stay on the OS resolver
        if b.mode is DohMode.SECURE:
            hits.append(b)
        elif b.mode is not DohMode.AUTOMATIC or b.browser != "firefox":
            continue                    # Chrome's "automatic" stays with the OS resolver's provider
        elif b.setting != "doh-rollout.mode":
            hits.append(b)              # Firefox TRR first: the provider is asked before the VPN's DNS
        elif canary is True:
            hits.append(b)              # the rollout keeps DoH on: the VPN's DNS does not opt out
    if not hits:
        return None
    evidence = []
    for b in hits:
        who = _("policy") if b.policy else _("preference")
        extra = _(", provider {templates}").format(templates=b.templates) if b.templates else ""
        extra += _(", excluded {names}").format(names=", ".join(b.excluded)) if b.excluded else ""
        if b.browser == "firefox" and b.allow_private is not True and b.setting != "DNSOverHTTPS":
            extra += _(", private answers rejected (network.trr.allow-rfc1918 not set)")
        evidence.append(_("{browser} {who} {setting} ({mode}{extra}) in {source}").format(
            browser=b.browser, who=who, setting=f"{b.setting}={b.value}", mode=b.mode.value, extra=extra,
            source=b.source))
    if canary is not None:
        evidence.append(_("the VPN's DNS answers positively for use-application-dns.net (Firefox's default DoH "
                          "stays on on this network)") if canary else
                        _("the VPN's DNS answers negatively for use-application-dns.net (Firefox's default DoH is "
                          "switched off on this network)"))
    return finding(Code.BROWSER_SECURE_DNS, _browsers_explanation(hits), evidence)


def _browsers_explanation(hits: list[BrowserDns]) -> str:
    """The browsers with DoH only (no fallback), then the one with DoH first (only Firefox has
    that mode): a browser with both settings counts as DoH only."""
    only = sorted({b.browser.capitalize() for b in hits if b.mode is DohMode.SECURE})
    first = sorted({b.browser.capitalize() for b in hits} - set(only))
    said = []
    if only:
        said.append((_("{browsers} is set to resolve names over DNS-over-HTTPS only (no fallback).") if len(only) == 1
                     else _("{browsers} are set to resolve names over DNS-over-HTTPS only (no fallback).")).format(
                         browsers=", ".join(only)))
    if first:                   # only Firefox has DoH first (its TRR mode 2, its rollout): one browser
        said.append(_("{browsers} is set to resolve names over DNS-over-HTTPS first.").format(browsers=first[0]))
    return " ".join(said)


def _under_any(name: str, domains: tuple[str, ...]) -> bool:
    name = name.strip().rstrip(".").lower()
    for d in domains:
        d = d.strip().lstrip("*").strip(".").lower()
        if d and (name == d or name.endswith("." + d)):
            return True
    return False


def _doh_canary(ctx: Context) -> bool | None:
    """Does the VPN's DNS answer Firefox's canary positively (A/AAAA records)? None: not probed."""
    names = [n.name for n in ctx.names if n.origin == DOH_CANARY_ORIGIN]
    if not names:
        return None
    seen = []
    for server in _vpn_servers(ctx):
        r = ctx.status(server).best(names[0])
        if r is not None and r.outcome.responded:
            seen.append(r.outcome is Outcome.ANSWER and bool(r.answers))
    return any(seen) if seen else None


# --------------------------------------------------------------------------- containers and WSL


def container_dns_not_vpn(ctx: Context) -> Finding | None:
    """Docker gives containers the daemon.json "dns" servers, else a copy of the host's
    resolv.conf -- on a systemd-resolved host /run/systemd/resolve/resolv.conf, every link's
    servers flattened, the LAN's first (Docker docs, container DNS; docker/for-linux#979,
    moby#23910, podman#17075)."""
    if not ctx.has(Evidence.CONTAINER_DNS) or not ctx.tunnel_up:
        return None
    vpn = set(_vpn_servers(ctx))
    if not vpn:
        return None
    local = ctx.snapshot.local
    evidence: list[str] = []
    configured = [c for c in local.containers if c.kind == "docker" and c.dns_servers]
    for c in configured:
        if not vpn & set(c.dns_servers):
            evidence.append(_("{source}: {setting} (the VPN's DNS: {servers})").format(
                source=c.source, setting='"dns": ' + ", ".join(c.dns_servers), servers=", ".join(sorted(vpn))))
    if evidence:
        return finding(Code.CONTAINER_DNS_NOT_VPN, _("Docker's daemon.json gives containers DNS servers that are not "
                                                  "the VPN's."), evidence)
    dns = ctx.snapshot.dns
    # Docker's default bridge is there (docker0 in the interface list): its containers copy
    # resolved's uplink list.  Whether containers need the VPN's names is not seen: info.
    bridge = ctx.has(Evidence.INTERFACES) and ctx.snapshot.interface("docker0") is not None
    if (ctx.platform is Platform.LINUX and bridge and not configured and dns.stub
            and dns.manager is DnsManager.SYSTEMD_RESOLVED and ctx.has(Evidence.DNS_LINKS)):
        others = [r for r in ctx.resolvers if r.origin.startswith("resolved link") and not ctx.is_tunnel(r.interface)
                  and r.address not in vpn and not is_loopback(r.address)]
        tunnel = [r for r in ctx.tunnel_resolvers if r.address in vpn]
        if others and tunnel:
            evidence = [_("/etc/resolv.conf is the systemd-resolved stub: Docker copies "
                          "/run/systemd/resolve/resolv.conf to containers instead")]
            evidence += [f"{r.origin}: {r.address}" for r in others]
            evidence += [_("{origin}: {server} (the VPN's)").format(origin=r.origin, server=r.address) for r in tunnel]
            evidence.append(_("Docker's default bridge docker0 is up here"))
            return finding(Code.CONTAINER_DNS_NOT_VPN, _("Containers on Docker's default network get resolved's servers "
                                                      "as one flat list, the LAN's first, without its per-link "
                                                      "routing."),
                           evidence, severity=Severity.INFO)
    return None


def wsl_dns_not_vpn(ctx: Context) -> Finding | None:
    """WSL 2 in NAT mode without DNS tunneling resolves through its own resolv.conf pointing at
    the Windows host, which does not follow a VPN's DNS (Microsoft Learn, WSL networking:
    dnsTunneling; microsoft/WSL#4285, #1350, #5068)."""
    if not ctx.has(Evidence.CONTAINER_DNS):
        return None
    local = ctx.snapshot.local
    if ctx.platform is Platform.WINDOWS:
        if not ctx.tunnel_up or not _vpn_servers(ctx):
            return None
        for c in local.containers:
            if c.kind == "wslconfig" and c.settings.get("dnsTunneling") in ("false", "0"):
                return finding(Code.WSL_DNS_NOT_VPN, _("WSL's DNS tunneling is switched off in .wslconfig."),
                               [f"{c.source}: " + ", ".join(f"{k}={v}" for k, v in c.settings.items()),
                                _("the VPN's DNS servers: {servers}").format(servers=", ".join(_vpn_servers(ctx)))])
        return None
    if ctx.platform is not Platform.LINUX or not local.inside_wsl or ctx.snapshot.dns.resolv_conf_by != "wsl":
        return None
    servers = ctx.snapshot.dns.resolv_conf_nameservers
    if not servers or WSL_DNS_TUNNELING_ADDRESS in servers:
        return None
    failing = [(n.name, lk) for n in ctx.expectations
               if (lk := ctx.system(n.name)) is not None and not lk.addresses and lk.error]
    if not failing:
        return None
    evidence = [_("/etc/resolv.conf was generated by WSL and names {servers} (the NAT gateway to Windows; with DNS "
                  "tunneling it would be {address})").format(servers=", ".join(servers),
                                                             address=WSL_DNS_TUNNELING_ADDRESS)]
    evidence += [_("system resolver {name}: {result}").format(name=n, result=lk.error) for n, lk in failing]
    return finding(Code.WSL_DNS_NOT_VPN, _("This Linux runs inside WSL 2 without DNS tunneling, and names fail."),
                   evidence)


# --------------------------------------------------------------------------- hosts file


def _host_key(name: str) -> str:
    return name.strip().rstrip(".").lower()


def entries_for(entries, name: str):
    """The hosts-file entries that give ``name`` an address (case-insensitive, no trailing dot)."""
    key = _host_key(name)
    return tuple(e for e in entries if any(_host_key(n) == key for n in e.names))


def hosts_file_override(ctx: Context) -> Finding | None:
    """The hosts file is read before DNS (glibc nsswitch 'files', the Windows DNS Client's
    hosts cache, macOS): a stale entry overrides the VPN's DNS for that name (hosts(5);
    samlvpn#4 mapped VPN names by hand, openfortivpn#459)."""
    if not ctx.has(Evidence.HOSTS):
        return None
    local = ctx.snapshot.local
    names = [n.name for n in ctx.names if n.origin in ("user", "config", "profile", "canary")]
    profile = ctx.snapshot.vpn.profile
    if profile is not None and profile.remote_host and profile.remote_host not in names:
        names.append(profile.remote_host)
    servers = _vpn_servers(ctx) or tuple(r.address for r in ctx.default_resolvers)
    evidence, stale, hit_names = [], [], []
    for name in names:
        found = entries_for(local.hosts, name)
        if not found:
            continue
        hit_names.append(name)
        fixed = {e.address for e in found}
        for e in found:
            evidence.append(_("{file} line {line}: {entry}").format(
                file=local.hosts_path or _("hosts file"), line=e.line, entry=f"{e.address} {' '.join(e.names)}"))
        answered = set()
        for s in servers:
            r = ctx.status(s).best(name)
            if r is not None:
                evidence.append(_said(r))
                answered |= set(answer_addresses(r))
        if not fixed & answered:
            stale.append(name)          # no DNS server gives the fixed address (or none answered)
        lk = ctx.system(name)
        if lk is not None:
            evidence.append(_("system resolver {name}: {result}").format(
                name=name, result=", ".join(a.address for a in lk.addresses) or lk.error or _("no address")))
    if not hit_names:
        return None
    # the warning names the stale entries only: an entry the DNS server agrees with is not one
    explanation = (_("The hosts file gives {names} a fixed address that the DNS server does not give.").format(
        names=", ".join(stale)) if stale else
        _("The hosts file gives {names} a fixed address (the same as DNS, for now).").format(names=", ".join(hit_names)))
    return finding(Code.HOSTS_FILE_OVERRIDE, explanation, evidence,
                   severity=Severity.WARNING if stale else Severity.INFO)


# --------------------------------------------------------------------------- local DNS agent


def _os_stub(ctx: Context, address: str) -> bool:
    dns = ctx.snapshot.dns
    bare = address.partition("%")[0]          # "127.0.0.53%lo" is 127.0.0.53
    if ctx.platform is Platform.LINUX:
        if bare in _RESOLVED_STUBS:
            return True
        if dns.manager is DnsManager.NETWORK_MANAGER and bare in _NM_DNSMASQ:
            return True
    return False


def local_dns_agent(ctx: Context) -> Finding | None:
    """A DNS proxy on a loopback address (a roaming DNS-security client, a local forwarder) is
    the resolver: it forwards names to its own servers unless told the private domains
    (Cisco Umbrella roaming client: "Domain Management", DNS changes to 127.0.0.1)."""
    if not ctx.tunnel_up or not ctx.resolvers_known:
        return None
    agents = list(dict.fromkeys(r.address for r in ctx.default_resolvers
                                if is_loopback(r.address) and not _os_stub(ctx, r.address)))
    if not agents:
        return None
    evidence = [_("the resolver in use is {server} ({origin})").format(
        server=a, origin=next(r.origin for r in ctx.resolvers if r.address == a) or "OS") for a in agents]
    if ctx.has(Evidence.PORT53):
        for p in ctx.snapshot.local.port53:
            if any(same_address(p.address, a) for a in agents) or p.address in ("*", "0.0.0.0", "::"):
                evidence.append(f"port 53 ({p.transport.value} {p.address}): "
                                + (f"{p.process} (pid {p.pid})" if p.process else _("process not shown (run as root)")))
    vpn = [s for s in _vpn_servers(ctx) if s not in agents]
    worse = []
    for check in [*ctx.expectations, *[n for n in ctx.names if n.origin == "canary"]]:
        for a in agents:
            got = ctx.status(a).best(check.name)
            if got is None:
                continue
            evidence.append(_said(got))
            ref = next((r for s in vpn if (r := ctx.status(s).best(check.name)) is not None), None)
            if ref is not None:
                evidence.append(_said(ref))
            # worse: the VPN's DNS answers what the agent fails, or gives private addresses where the
            # agent gives a public one for a name expected private (a name the VPN's DNS fails too, or
            # was not asked, is not the agent's doing that this can show)
            if ref is not None and ref.outcome is Outcome.ANSWER and (got.outcome is not Outcome.ANSWER or (
                    check.expected == "private" and not all(is_private(x) for x in answer_addresses(got))
                    and all(is_private(x) for x in answer_addresses(ref)))):
                worse.append(check.name)
    severity = Severity.WARNING if worse else Severity.INFO
    explanation = (_("DNS goes through a local agent at {agents}, which fails {names} that the VPN's DNS "
                     "answers.") if worse else _("DNS goes through a local agent at {agents}.")).format(
        agents=", ".join(agents), names=", ".join(dict.fromkeys(worse)))
    return finding(Code.LOCAL_DNS_AGENT, explanation, evidence, severity=severity)


# --------------------------------------------------------------------------- another VPN


def other_vpn_takes_dns(ctx: Context) -> Finding | None:
    """An overlay VPN that takes every name: Tailscale MagicDNS (100.100.100.100) written into
    resolv.conf or with a catch-all route in resolved (tailscale#589, #1273, #3817), a link of
    ZeroTier/NordLynx/NetBird with '~.'.  Sharper than multiple-vpn-dns-conflict: it names the
    taker."""
    if not ctx.tunnel_up or not ctx.resolvers_known and not ctx.has(Evidence.DNS_LINKS):
        return None
    if all(is_overlay_interface(ctx.snapshot, t) for t in ctx.tunnel_interfaces):
        return None     # the only tunnel up is the overlay's own: no AWS tunnel for it to take names from
    writer = ctx.snapshot.dns.resolv_conf_by if ctx.has(Evidence.RESOLV_CONF) else None
    if writer not in OVERLAY_WRITERS:
        writer = None               # resolv.conf not read, or written by no overlay
    takers = []
    for r in ctx.resolvers:
        every_name = r.scope in (ResolverScope.GLOBAL, ResolverScope.LINK) or (
            r.scope is ResolverScope.DOMAIN and "." in r.domains)
        if not every_name:
            continue
        if is_overlay_resolver(r.address) or is_overlay_interface(ctx.snapshot, r.interface) or (
                writer is not None and r.origin.startswith("resolv.conf")):
            takers.append(r)
    if not takers:
        return None
    evidence = [(r.origin or _("resolver")) + f": {r.address}"
                + (_(" on {interface}").format(interface=r.interface) if r.interface else "")
                + f" ({r.scope.value}" + (_(", every name") if r.scope is ResolverScope.DOMAIN else "") + ")"
                for r in takers]
    if writer is not None:
        evidence.append(_("/etc/resolv.conf was generated by {writer}").format(writer=writer))
    aws = [s for s in _vpn_servers(ctx) if s not in {t.address for t in takers}]
    evidence.append(_("the AWS VPN's DNS servers: {servers}").format(servers=", ".join(aws) if aws else _("none in use")))
    who = "Tailscale (MagicDNS)" if any(is_overlay_resolver(t.address) or writer == "tailscale" for t in takers) \
        else _("Another VPN")
    return finding(Code.OTHER_VPN_TAKES_DNS, _("{who} is asked for every name while the AWS tunnel is up.").format(who=who),
                   evidence)


RULES = (
    browser_secure_dns,
    container_dns_not_vpn,
    wsl_dns_not_vpn,
    hosts_file_override,
    local_dns_agent,
    other_vpn_takes_dns,
)
