"""The DNS path of this machine, as the AWS article draws it (pure).

From a Report and its Facts: the laptop with its resolvers in the order the OS asks them,
the tunnel (mode, interface, the prefixes it carries), the Client VPN endpoint (id, region)
when the profile names it, and for every nameserver the way its packets go -- through the
tunnel to the endpoint (which source-NATs them into its target network) and on to the VPC
or a peered network, or out of the LAN interface to the local network or the internet --
with the probe outcome and time over UDP and TCP, and the top finding marked at the place it
concerns.  What the evidence does not show is drawn as unknown, never guessed.

The renderers (HTML/SVG, Mermaid in Markdown, the terminal's one line per server) draw this
model; none of them decides anything.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field, replace

from agent.facts import derive
from agent.i18n import N_, _
from agent.model import Facts, Finding, Known, Outcome, Report, ServerFact, Transport, TunnelMode, outcome_text
from agent.netclass import address_class
from agent.vocab import Code


class Where:
    """Where a nameserver's packets end up (drawing columns and Mermaid subgraphs)."""
    VPN_NETWORK = "vpn-network"     # inside a prefix the tunnel carries: the VPC or a peered network
    VPN_EGRESS = "vpn-egress"       # through a full tunnel to an address no pushed prefix holds (needs VPC egress)
    LAN = "lan"                     # the local subnet of a LAN interface
    OUTSIDE = "outside"             # out of the LAN interface, beyond its gateway (home/ISP/internet)
    LOCAL = "local"                 # a stub on this machine (127.0.0.53, ::1)
    UNKNOWN = "unknown"             # no route was captured


class Place:
    """Where a finding is marked."""
    MACHINE = "machine"             # the OS's DNS configuration
    TUNNEL = "tunnel"               # the tunnel itself (not connected, endpoint name)
    ROUTE = "route"                 # the way from the laptop to a server
    SERVER = "server"               # the server's answers
    EGRESS = "egress"               # the VPC's way out to the internet (full tunnel)


MARK_PLACE: dict[str, str] = {
    Code.VPN_NOT_CONNECTED: Place.TUNNEL, Code.ENDPOINT_NAME_UNRESOLVABLE: Place.TUNNEL,
    Code.CUSTOM_DNS_NO_ROUTE: Place.ROUTE, Code.ROUTE_OUTSIDE_TUNNEL: Place.ROUTE, Code.LAN_OVERLAPS_VPC: Place.ROUTE,
    Code.LOCAL_DNS_BYPASSES_TUNNEL: Place.ROUTE, Code.IPV6_DNS_LEAK: Place.ROUTE, Code.DNS_TCP53_BLOCKED: Place.ROUTE,
    Code.DNS_UDP_BLOCKED: Place.ROUTE,
    Code.CUSTOM_DNS_UNREACHABLE: Place.SERVER, Code.SECONDARY_DNS_UNREACHABLE: Place.SERVER,
    Code.PRIMARY_SERVFAIL_NO_FAILOVER: Place.SERVER, Code.PHZ_NOT_ASSOCIATED: Place.SERVER,
    Code.PUBLIC_ANSWER_FOR_PRIVATE_SERVICE: Place.SERVER, Code.DNS_SERVER_IS_OTHER_VPC_PLUS2: Place.SERVER,
    Code.DNS_SERVER_LINKLOCAL: Place.SERVER, Code.NO_CUSTOM_DNS_PRIVATE_NAMES: Place.SERVER,
    Code.FULL_TUNNEL_PUBLIC_DNS_NO_EGRESS: Place.EGRESS,
}   # every other code concerns the machine's own DNS configuration


@dataclass(frozen=True, slots=True)
class Leg:
    """One transport to one server, across the names probed."""
    transport: Transport
    replied: bool                # at least one DNS reply came back
    ok: bool                     # ... and none was SERVFAIL/REFUSED/another error rcode
    outcome: str                 # the most telling outcome: "answer", "timeout", "servfail", ...
    rtt_ms: float | None = None
    outcomes: tuple[str, ...] = ()   # every distinct outcome over the names probed, best first


@dataclass(frozen=True, slots=True)
class ServerPath:
    address: str
    order: int                   # 1-based position in the order the OS asks (0: not a resolver of the OS)
    role: str                    # "primary", "secondary", ... among the VPN's servers; "" otherwise
    seen_as: tuple[str, ...]
    interface: str | None        # the interface its packets leave by (None: unknown)
    through_tunnel: bool | None
    where: str                   # a Where value
    network: str | None          # the prefix / local subnet it lies in, when known
    gateway: str | None
    legs: tuple[Leg, ...]
    mark: Finding | None = None  # the top finding, when it concerns this server or its route
    mark_at: str | None = None   # Place.ROUTE, Place.SERVER or Place.EGRESS

    @property
    def status(self) -> str:
        """"ok" (every transport answered), "partial", "fail" (silent), or "not-probed"."""
        if not self.legs:
            return "not-probed"
        good = [leg.ok for leg in self.legs]
        return "ok" if all(good) else "fail" if not any(good) else "partial"


@dataclass(frozen=True, slots=True)
class PathModel:
    platform: str
    os_release: str
    tunnel: Known
    mode: TunnelMode
    mode_from: str
    tunnel_interfaces: tuple[str, ...]
    prefixes: tuple[str, ...]
    endpoint: str | None          # cvpn-endpoint-... (or the remote host), when the profile says
    region: str | None
    servers: tuple[ServerPath, ...]
    top: Finding | None
    top_place: str | None
    unknown: tuple[str, ...] = field(default=())   # parts that could not be told (Facts.unknowns' words)

    @property
    def connected(self) -> bool:
        return self.tunnel is Known.OBSERVED


_ADDRESS_TOKEN = re.compile(r"[0-9A-Fa-f][0-9A-Fa-f:.%]*")
_GOOD = frozenset({Outcome.ANSWER, Outcome.NODATA, Outcome.NXDOMAIN, Outcome.TRUNCATED})
_ORDER = {Outcome.ANSWER: 0, Outcome.NODATA: 1, Outcome.NXDOMAIN: 2, Outcome.TRUNCATED: 3, Outcome.SERVFAIL: 4,
          Outcome.REFUSED: 5, Outcome.OTHER_RCODE: 6}


def _legs(report: Report, address: str) -> tuple[Leg, ...]:
    out = []
    for t in (Transport.UDP, Transport.TCP):
        sel = [p for p in report.probes if p.server == address and p.transport is t]
        if not sel:
            continue
        replies = [p for p in sel if p.outcome.responded]
        # The most telling outcome: a failure rcode beats an answer (SERVFAIL for the canary is the
        # story), a reply beats silence; silence shows its own kind (timeout, unreachable).
        if replies:
            worst = max(replies, key=lambda p: _ORDER.get(p.outcome, 9))
            outcome = worst.outcome
        else:
            outcome = sel[0].outcome
        rtts = [p.rtt_ms for p in replies if p.rtt_ms is not None]
        ok = bool(replies) and all(p.outcome in _GOOD for p in replies)
        distinct = sorted({p.outcome for p in sel}, key=lambda o: _ORDER.get(o, 9))
        out.append(Leg(t, bool(replies), ok, outcome.value, min(rtts) if rtts else None,
                       tuple(o.value for o in distinct)))
    return tuple(out)


def _where(s: ServerFact) -> tuple[str, str | None]:
    r = s.route
    try:
        klass = address_class(s.address)
    except ValueError:
        klass = "public"
    if klass in ("loopback", "unspecified"):
        return Where.LOCAL, None
    if r is None or r.via_tunnel is None:
        return Where.UNKNOWN, None
    if r.via_tunnel:
        if r.tunnel_prefix:
            return Where.VPN_NETWORK, r.tunnel_prefix
        if klass not in ("public", "documentation"):
            return Where.VPN_NETWORK, None       # a private address a full tunnel reaches: the VPN's side
        return Where.VPN_EGRESS, None
    if r.lan:
        return Where.LAN, r.lan.split(" ", 1)[1] if " " in r.lan else r.lan
    return Where.OUTSIDE, None


def _marked(top: Finding | None, place: str | None, paths: list[ServerPath]) -> set[str]:
    """The servers the top finding concerns: those it names; for a finding about answers,
    the named ones that did not answer well (the silent primary, not the healthy secondary)."""
    if top is None or place not in (Place.ROUTE, Place.SERVER, Place.EGRESS):
        return set()
    named = [p for p in paths if _concerns(top, p.address)]
    if place == Place.EGRESS:
        named = [p for p in named if p.where == Where.VPN_EGRESS] or named
    if place == Place.SERVER:
        failing = [p for p in named if p.status in ("fail", "partial")]
        named = failing or named
    return {p.address for p in named}


def _concerns(f: Finding, address: str) -> bool:
    """Does the finding name this server (its explanation or one of its evidence lines)?"""
    def names(text: str) -> bool:
        # Address-shaped tokens (IPv6 keeps its colons; a trailing ':' of "10.0.0.2:" is dropped).
        return any(token.rstrip(":.") == address for token in _ADDRESS_TOKEN.findall(text))
    return names(f.explanation) or names(f.title) or any(names(e) for e in f.evidence)


def build(report: Report) -> PathModel:
    """The path model of a report (Facts derived again only for a report of schema 1.0)."""
    facts: Facts = report.facts or derive(report.snapshot, report.probe_run, report.names)
    top = report.findings[0] if report.findings else None
    top_place = MARK_PLACE.get(top.code, Place.MACHINE) if top is not None else None
    os_order = [s.address for s in facts.servers if "resolver" in s.seen_as]
    drafts = []
    for s in facts.servers:
        if "resolver" not in s.seen_as and not s.role:
            continue    # expected-only / NRPT-only servers the OS does not ask and the VPN did not push
        where, network = _where(s)
        route = s.route
        drafts.append(ServerPath(
            address=s.address, order=os_order.index(s.address) + 1 if s.address in os_order else 0,
            role=s.role, seen_as=s.seen_as, interface=route.interface if route else None,
            through_tunnel=route.via_tunnel if route else None, where=where, network=network,
            gateway=route.gateway if route else None, legs=_legs(report, s.address)))
    marked = _marked(top, top_place, drafts)
    servers = [replace(p, mark=top, mark_at=top_place) if p.address in marked else p for p in drafts]
    servers.sort(key=lambda p: (p.order == 0, p.order, p.role or "~", p.address))
    profile = report.snapshot.vpn.profile
    endpoint = (profile.endpoint_id or profile.remote_host) if profile is not None else None
    return PathModel(platform=report.platform.value, os_release=report.snapshot.os_release,
                     tunnel=facts.tunnel, mode=facts.tunnel_mode, mode_from=facts.tunnel_mode_from,
                     tunnel_interfaces=facts.tunnel_interfaces, prefixes=_vpn_prefixes(facts.tunnel_prefixes),
                     endpoint=endpoint, region=profile.region if profile is not None else None,
                     servers=tuple(servers), top=top, top_place=top_place,
                     unknown=tuple(u.what for u in facts.unknowns))


def _vpn_prefixes(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    """The prefixes worth drawing: not the defaults/halves, not link-local, not the tunnel's own /27."""
    out = []
    for p in prefixes:
        try:
            net = ipaddress.ip_network(p, strict=False)
        except ValueError:
            continue
        if net.prefixlen <= 1 or net.is_link_local or (net.version == 6 and net.prefixlen <= 3):
            continue
        out.append(p)
    return tuple(out)


# --------------------------------------------------------------------------- the drawing (renderers add geometry)


@dataclass
class Node:
    """One box of the drawing: its column (0 this machine, 1 the interface packets leave by,
    2 the endpoint or the LAN gateway, 3 the network, 4 the DNS server), its lines of text,
    and the rows (servers) it serves."""
    key: str
    column: int
    lines: list[str]
    status: str = "plain"          # plain, ok, partial, fail, not-probed, unknown, tunnel, marked
    dashed: bool = False           # not known from the evidence
    rows: list[int] = field(default_factory=list)
    kind: str = ""                 # laptop, tunnel, tunnel-unused, tunnel-unknown, endpoint, network, egress,
                                   # lan-if, lan, gateway, outside, unknown, server


@dataclass
class Edge:
    src: Node
    dst: Node
    row: int
    status: str = "plain"
    dashed: bool = False
    mark: str = ""                 # a finding code drawn on this arrow


@dataclass
class Diagram:
    nodes: list[Node]
    edges: list[Edge]
    rows: int


COLUMNS = (N_("laptop"), N_("leaves by"), N_("via"), N_("network"), N_("DNS server"))   # shown through _()


def _outcomes(leg: Leg) -> str:
    """"answer" or "servfail/timeout", in the run's language."""
    return "/".join(outcome_text(o) for o in leg.outcomes) or outcome_text(leg.outcome)


def _lines(message: str, **values: str) -> list[str]:
    """A box's text: one message (lines split at newlines, so a translation may break them
    where its language reads well), placeholders filled."""
    return _(message).format(**values).split("\n")


def _machine_lines(model: PathModel) -> list[str]:
    what = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}.get(model.platform, model.platform)
    lines = [_("This machine ({os})").format(os=what)]
    if model.os_release:
        lines.append(model.os_release[:40])
    resolvers = [p for p in model.servers if p.order]
    if resolvers:
        lines.append(_("asks, in order:"))
        lines += [f"{p.order}. {p.address}" for p in resolvers[:6]]
        if len(resolvers) > 6:
            lines.append(_("... {count} more").format(count=len(resolvers) - 6))
    else:
        lines.append(_("resolvers: unknown"))
    return lines


def _tunnel_lines(model: PathModel, p: ServerPath | None) -> list[str]:
    mode = _({TunnelMode.FULL: N_("full tunnel"), TunnelMode.SPLIT: N_("split tunnel")}.get(
        model.mode, N_("tunnel, mode unknown")))
    where = (p.interface if p else None) or ", ".join(model.tunnel_interfaces) or _("tunnel")
    lines = [f"{where}: {mode}"]
    if model.mode_from == "VPN log":
        lines.append(_("(mode from the VPN log)"))
    if model.mode is TunnelMode.FULL:
        lines.append(_("carries all IPv4 traffic"))
    elif model.prefixes:
        shown = list(model.prefixes[:4])
        lines.append(_("carries {prefixes}").format(prefixes=", ".join(shown[:2])))
        if len(shown) > 2:
            lines.append("  " + ", ".join(shown[2:]) + (" ..." if len(model.prefixes) > 4 else ""))
    return lines


def _server_lines(p: ServerPath) -> list[str]:
    title = p.address + (f" ({_(p.role)})" if p.role else "")
    lines = [title]
    if not p.legs:
        lines.append(_("not probed"))
    for leg in p.legs:
        rtt = f" {leg.rtt_ms:.0f} ms" if leg.rtt_ms is not None else ""
        sign = "" if leg.ok else " FAIL"
        lines.append(f"{leg.transport.value.upper()}{sign}: {_outcomes(leg)}{rtt}")
    return lines


def diagram(model: PathModel) -> Diagram:
    """The boxes and arrows of the article's figures for this machine, one row per server."""
    boxes: dict[str, Node] = {}

    def box(key: str, column: int, lines: list[str], row: int, **kw) -> Node:
        b = boxes.get(key)
        if b is None:
            b = boxes[key] = Node(key, column, lines, **kw)
        b.rows.append(row)
        return b

    machine_status = "marked" if model.top_place in (Place.MACHINE, Place.TUNNEL) else "plain"
    arrows: list[Edge] = []
    rows = model.servers or ()
    for row, p in enumerate(rows):
        laptop = box("machine", 0, _machine_lines(model), row, status=machine_status, kind="laptop")
        chain: list[Node] = []
        if p.where == Where.UNKNOWN:
            chain.append(box("unknown-route", 1, _lines(N_("route unknown\n(no routing table or\nroute lookup captured)")),
                             row, status="unknown", dashed=True, kind="unknown"))
        elif p.where != Where.LOCAL and p.through_tunnel:
            chain.append(box(f"if:{p.interface}", 1, _tunnel_lines(model, p), row, status="tunnel", kind="tunnel"))
            endpoint = [_("Client VPN endpoint")] + [x for x in (model.endpoint, model.region) if x]
            chain.append(box("endpoint", 2, endpoint + _lines(N_("source-NAT to its ENI\nin the target network")), row,
                             kind="endpoint"))
            if p.where == Where.VPN_NETWORK:
                chain.append(box(f"net:{p.network}", 3, [_("VPC or peered network"),
                                                         p.network or _("(a private address)")],
                                 row, kind="network"))
            else:
                egress = p.mark is not None and p.mark_at == Place.EGRESS
                chain.append(box("egress", 3, _lines(N_("internet via the VPC\n(needs a NAT/IGW route)")), row,
                                 status="marked" if egress else "plain", kind="egress"))
        elif p.where != Where.LOCAL:
            chain.append(box(f"if:{p.interface}", 1, _lines(N_("{interface}: LAN interface\noutside the tunnel"),
                                                            interface=p.interface or "?"),
                             row, kind="lan-if"))
            if p.where == Where.LAN:
                chain.append(box(f"lan:{p.network}", 3, [_("local network"), p.network or "?"], row, kind="lan"))
            else:
                chain.append(box(f"gw:{p.gateway}", 2, [_("gateway"), p.gateway or "?"], row, kind="gateway"))
                chain.append(box("outside", 3, _lines(N_("home/ISP network,\ninternet")), row, kind="outside"))
        server_status = "marked" if p.mark is not None and p.mark_at == Place.SERVER else p.status
        chain.append(box(f"server:{p.address}", 4, _server_lines(p), row, status=server_status,
                         dashed=p.where == Where.UNKNOWN, kind="server"))
        row_arrows = []
        prev = laptop
        for b in chain:
            row_arrows.append(Edge(prev, b, row, status=p.status if b is chain[-1] else "plain",
                                    dashed=b.dashed))
            prev = b
        # A route finding sits on the way out of the laptop; a missing VPC egress on the way
        # from the VPC to the internet resolver.
        if p.mark is not None and p.mark_at == Place.ROUTE:
            row_arrows[0].mark = p.mark.code
        elif p.mark is not None and p.mark_at == Place.EGRESS:
            row_arrows[-1].mark = p.mark.code
        arrows += row_arrows

    if not any(b.key.startswith("if:") and b.status == "tunnel" for b in boxes.values()):
        # The tunnel no DNS server goes through (a missing route), or a tunnel nobody saw.
        row = len(rows)
        laptop = box("machine", 0, _machine_lines(model), row, status=machine_status, kind="laptop")
        if model.connected:
            ghost = box("if:tunnel", 1, _tunnel_lines(model, None) + [_("no DNS server goes this way")], row,
                        status="tunnel", kind="tunnel-unused")
        else:
            words = [_("tunnel: not up")] if model.tunnel is Known.ABSENT else \
                _lines(N_("tunnel: not known\n(no interface list or\nrouting table captured)"))
            ghost = box("if:tunnel", 1, words, row, status="unknown", dashed=True, kind="tunnel-unknown")
        arrows.append(Edge(laptop, ghost, row, dashed=True))
        if model.top_place == Place.TUNNEL and model.top is not None:
            arrows[-1].mark = model.top.code

    rows_used = 1 + max((r for b in boxes.values() for r in b.rows), default=0)
    return Diagram(list(boxes.values()), arrows, rows_used)


# --------------------------------------------------------------------------- words shared by the renderers

WHERE_LABEL = {    # shown through _()
    Where.VPN_NETWORK: N_("VPC or peered network"),
    Where.VPN_EGRESS: N_("internet, via the VPC (needs a NAT/IGW path)"),
    Where.LAN: N_("local network"),
    Where.OUTSIDE: N_("outside the VPN (home/ISP network, internet)"),
    Where.LOCAL: N_("this machine (local stub)"),
    Where.UNKNOWN: N_("route unknown"),
}


def hops(p: ServerPath, model: PathModel) -> list[str]:
    """The way to one server, hop by hop, in words (terminal and Mermaid)."""
    out = [_("laptop")]
    if p.where == Where.LOCAL:
        return out + [p.address]
    if p.where == Where.UNKNOWN:
        return out + ["?", p.address]
    out.append(p.interface or "?")
    if p.through_tunnel:
        out.append(_("Client VPN endpoint") + (f" {model.endpoint}" if model.endpoint else ""))
        out.append(p.network or _("internet via the VPC"))
    elif p.where == Where.LAN:
        out.append(_("LAN {network}").format(network=p.network) if p.network else _("LAN"))
    else:
        out.append(_("gateway {gateway}").format(gateway=p.gateway) if p.gateway else _("outside the tunnel"))
    return out + [p.address]


def outcome_words(p: ServerPath) -> str:
    """"udp answer 12 ms, tcp timeout" -- or "not probed"."""
    if not p.legs:
        return _("not probed")
    parts = []
    for leg in p.legs:
        rtt = f" {leg.rtt_ms:.0f} ms" if leg.rtt_ms is not None else ""
        parts.append(f"{leg.transport.value} {_outcomes(leg)}{rtt}")
    return ", ".join(parts)
