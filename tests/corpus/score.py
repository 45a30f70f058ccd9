"""Score ``agent.analyze`` on the corpus of real public captures (see tests/corpus/README.md).

    python -m tests.corpus.score                  # dev and holdout, per kind and in total
    python -m tests.corpus.score --verbose        # ... and every missed fact, file by file
    python -m tests.corpus.score --part dev --kind ipconfig
    python -m tests.corpus.score FILE.txt ...     # only these captures

Each capture ``<part>/<kind>/<slug>.txt`` is read through the public path a help desk uses
(``agent.analyze.analyze_path`` on the file, no platform hint), and every fact of its
``<slug>.expect.json`` is compared with the report, as defined in the README.  Expected
facts were written by reading the capture, never by running the parser: a miss is the
parser's, unless the README's comparison rule says otherwise.
"""
from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
import signal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

CORPUS = Path(__file__).resolve().parent
ROOT = CORPUS.parent.parent
PARTS = ("dev", "holdout")
SPLIT_SALT = b"cvpn-doctor corpus split v1\0"
PER_FILE_SECONDS = 60

# Corpus kinds (directory names and the values of "kinds") -> the source ids `analyze` may
# give that output.  A parser that adds a source id for one of these kinds adds it here.
KIND_IDS: dict[str, str] = {
    # Windows
    "ipconfig": r"ipconfig",
    "route-print": r"route-print",
    "ps-dnsclientserveraddress": r"cmdlet-dns-servers|dns-?client-?server",
    "ps-netipinterface": r"cmdlet-ip-interfaces|net-?ip-?interface",
    "ps-netroute": r"cmdlet-routes|net-?route",
    "ps-netipconfiguration": r"cmdlet-ip-configuration|net-?ip-?configuration",
    "ps-netadapter": r"cmdlet-adapters|net-?adapter",
    "ps-nrpt": r"nrpt",
    # Linux
    "resolv-conf": r"resolv\.?conf",
    "resolvectl": r"resolvectl|systemd-resolve",
    "ip-route": r"ip-route|route-get:",
    "route-n": r"route-n|net-?tools|netstat-linux|linux-netstat",
    "nmcli": r"nmcli",
    # macOS
    "scutil-dns": r"scutil-dns",
    "scutil-nwi": r"scutil-nwi",
    "netstat-rn": r"netstat-inet",
    "route-get": r"route-get:",
    "ifconfig": r"ifconfig",
    # VPN clients' logs (one reader today; new ids per client go here)
    "openvpn-log": r"vpn-log|openvpn",
    "openvpn-gui-log": r"vpn-log|openvpn",
    "tunnelblick-log": r"vpn-log|openvpn|tunnelblick",
    "openvpn-connect-log": r"vpn-log|openvpn",
    "openvpn3": r"vpn-log|openvpn3",
    "nm-openvpn-log": r"vpn-log|openvpn",
    "aws-vpn-client-log": r"vpn-log|aws-vpn",
}
TICKET = "ticket"   # a directory of whole posts holding several outputs; its files list their kinds

SCOPES = ("global", "link", "domain", "scoped", "inactive")
MANAGERS = ("file", "systemd-resolved", "NetworkManager", "resolvconf", "openresolv", "openvpn-script",
            "macos-configd", "windows-dnscache")
CLIENTS = ("openvpn", "openvpn-gui", "tunnelblick", "openvpn-connect", "openvpn3", "networkmanager-openvpn",
           "aws-vpn-client", "viscosity", "other")
FACT_KEYS = ("resolvers", "nameservers", "search_domains", "match_domains", "default_routes",
             "route_lookups", "tunnel_interfaces", "interface_metrics", "nrpt_rules", "tunnel_mode", "pushed_dns", "pushed_routes", "pushed_domains",
             "pushed_redirect_gateway", "pushed_block_outside_dns", "pushed_ifconfig", "vpn_state",
             "dns_manager", "resolv_stub")
EXPECT_KEYS = {"source", "language", "os", "client", "client_from", "kinds", "cut", "note", "facts"}
# Where the expected client comes from: the capture itself (scored), or only the post's context
# (the thread, the poster's prose, the file's origin: listed as not scored).
CLIENT_FROM = ("capture", "context")
SOURCE_KEYS = {"url", "poster", "date", "where", "repository", "path", "commit", "file_id"}


class ExpectError(ValueError):
    """An .expect.json that does not follow the README's format."""


# --------------------------------------------------------------------------- the split

def part_of(slug: str) -> str:
    """Which part a capture belongs to: a pseudo-random draw fixed by its slug (one in three
    goes to the holdout), so the split is decided when a file is named, not after scoring."""
    return "holdout" if hashlib.sha256(SPLIT_SALT + slug.encode()).digest()[0] % 3 == 0 else "dev"


# --------------------------------------------------------------------------- corpus files

@dataclass(frozen=True)
class Capture:
    path: Path
    part: str
    kind: str
    slug: str
    expect: dict

    @property
    def name(self) -> str:
        return f"{self.part}/{self.kind}/{self.slug}"


def expect_path(txt: Path) -> Path:
    return txt.with_name(txt.name[:-len(".txt")] + ".expect.json")


def captures(parts: Iterable[str] = PARTS, kinds: Iterable[str] | None = None) -> list[Capture]:
    wanted = set(kinds) if kinds else None
    out = []
    for part in parts:
        for txt in sorted((CORPUS / part).glob("*/*.txt")):
            kind = txt.parent.name
            if wanted is not None and kind not in wanted:
                continue
            out.append(load_capture(txt))
    return out


def load_capture(txt: Path) -> Capture:
    txt = txt.resolve()
    part, kind, slug = txt.parent.parent.name, txt.parent.name, txt.name[:-len(".txt")]
    exp = expect_path(txt)
    try:
        expect = json.loads(exp.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExpectError(f"{txt}: no {exp.name} next to it") from None
    except ValueError as err:
        raise ExpectError(f"{exp}: not JSON: {err}") from None
    validate(expect, exp, kind)
    return Capture(txt, part, kind, slug, expect)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(text).split("%", 1)[0])


def validate(expect: Any, where: Path | str, kind: str | None = None) -> None:
    """Raise ExpectError when ``expect`` does not follow the README's format."""
    def bad(msg: str) -> ExpectError:
        return ExpectError(f"{where}: {msg}")

    if not isinstance(expect, dict):
        raise bad("not an object")
    extra = set(expect) - EXPECT_KEYS
    if extra:
        raise bad(f"unknown keys {sorted(extra)}")
    src = expect.get("source")
    if not isinstance(src, dict) or not isinstance(src.get("url"), str) or not src["url"]:
        raise bad("source.url is required")
    if set(src) - SOURCE_KEYS:
        raise bad(f"unknown source keys {sorted(set(src) - SOURCE_KEYS)}")
    kinds = expect.get("kinds")
    if not isinstance(kinds, list) or not kinds or any(k not in KIND_IDS for k in kinds):
        raise bad(f"kinds must be a non-empty list of {sorted(KIND_IDS)}")
    if kind is not None and kind != TICKET and kind not in kinds:
        raise bad(f"filed under {kind}/ but kinds are {kinds}")
    if kind == TICKET and len(kinds) < 2:
        raise bad("a ticket holds at least two kinds of output")
    if expect.get("client") is not None and expect["client"] not in CLIENTS:
        raise bad(f"client must be one of {CLIENTS}")
    if expect.get("client_from", "capture") not in CLIENT_FROM:
        raise bad(f"client_from must be one of {CLIENT_FROM}")
    if "client_from" in expect and not expect.get("client"):
        raise bad("client_from without a client")
    facts = expect.get("facts")
    if not isinstance(facts, dict):
        raise bad("facts must be an object")
    if set(facts) - set(FACT_KEYS):
        raise bad(f"unknown facts {sorted(set(facts) - set(FACT_KEYS))}")
    try:
        for r in facts.get("resolvers", []):
            if set(r) - {"address", "interface", "scope"} or r.get("scope", "global") not in SCOPES:
                raise bad(f"resolver {r}")
            _ip(r["address"])
        for a in facts.get("nameservers", []) + facts.get("pushed_dns", []):
            _ip(a)
        for d in facts.get("match_domains", []):
            if set(d) - {"domain", "interface"} or not d.get("domain"):
                raise bad(f"match domain {d}")
        for d in facts.get("default_routes", []):
            if set(d) - {"gateway", "interface"} or not d:
                raise bad(f"default route {d}")
            if "gateway" in d:
                _ip(d["gateway"])
        for r in facts.get("route_lookups", []):
            if set(r) - {"address", "interface", "gateway"} or "address" not in r:
                raise bad(f"route lookup {r}")
            _ip(r["address"])
            if "gateway" in r:
                _ip(r["gateway"])
        for r in facts.get("nrpt_rules", []):
            if set(r) - {"namespace", "servers"} or not r.get("namespace"):
                raise bad(f"nrpt rule {r}")
            for a in r.get("servers", []):
                _ip(a)
        for m in facts.get("interface_metrics", []):
            if set(m) != {"interface", "metric"} or not isinstance(m["metric"], int):
                raise bad(f"interface metric {m}")
        for n in facts.get("pushed_routes", []):
            ipaddress.ip_network(n, strict=False)
        if "pushed_ifconfig" in facts:
            _ip(facts["pushed_ifconfig"])
    except (KeyError, TypeError, ValueError) as err:
        if isinstance(err, ExpectError):
            raise
        raise bad(f"malformed fact: {err!r}") from None
    if facts.get("tunnel_mode", "full") not in ("full", "split"):
        raise bad("tunnel_mode is full or split (absence of a tunnel is not a fact)")
    if facts.get("vpn_state", "connected") not in ("connected", "disconnected"):
        raise bad("vpn_state is connected or disconnected")
    if facts.get("dns_manager", "file") not in MANAGERS:
        raise bad(f"dns_manager must be one of {MANAGERS}")
    for flag in ("pushed_redirect_gateway", "pushed_block_outside_dns", "resolv_stub"):
        if facts.get(flag, True) is not True:
            raise bad(f"{flag} is only written when true")


# --------------------------------------------------------------------------- facts

@dataclass(frozen=True)
class Fact:
    category: str
    want: Any
    label: str


def expected_facts(expect: dict) -> list[Fact]:
    """The atomic facts of one capture, in a stable order."""
    f = expect.get("facts", {})
    out = [Fact("kind", k, f"kind {k}") for k in dict.fromkeys(expect["kinds"])]

    def add(cat: str, items: Iterable[Any], label: Callable[[Any], str]) -> None:
        seen = []
        for item in items:
            if item not in seen:
                seen.append(item)
                out.append(Fact(cat, item, label(item)))

    def desc(d: dict) -> str:
        return " ".join(f"{k}={v}" for k, v in d.items())

    add("resolver", f.get("resolvers", []), lambda r: f"resolver {desc(r)}")
    add("nameserver", f.get("nameservers", []), lambda a: f"resolv.conf nameserver {a}")
    add("search_domain", f.get("search_domains", []), lambda d: f"search domain {d}")
    add("match_domain", f.get("match_domains", []), lambda d: f"match domain {desc(d)}")
    add("default_route", f.get("default_routes", []), lambda d: f"default route {desc(d)}")
    add("route_lookup", f.get("route_lookups", []), lambda r: f"route lookup {desc(r)}")
    add("tunnel_interface", f.get("tunnel_interfaces", []), lambda n: f"tunnel interface {n}")
    add("interface_metric", f.get("interface_metrics", []), lambda m: f"interface metric {desc(m)}")
    add("nrpt_rule", f.get("nrpt_rules", []), lambda r: f"NRPT rule {desc(r)}")
    if "tunnel_mode" in f:
        add("tunnel_mode", [f["tunnel_mode"]], lambda m: f"tunnel mode {m}")
    add("pushed_dns", f.get("pushed_dns", []), lambda a: f"pushed DNS {a}")
    add("pushed_route", f.get("pushed_routes", []), lambda n: f"pushed route {n}")
    add("pushed_domain", f.get("pushed_domains", []), lambda d: f"pushed domain {d}")
    for flag, label in (("pushed_redirect_gateway", "pushed redirect-gateway"),
                        ("pushed_block_outside_dns", "pushed block-outside-dns"),
                        ("resolv_stub", "resolv.conf points at a local stub")):
        if f.get(flag):
            add(flag, [True], lambda _v, label=label: label)
    if "pushed_ifconfig" in f:
        add("pushed_ifconfig", [f["pushed_ifconfig"]], lambda a: f"pushed ifconfig {a}")
    if "vpn_state" in f:
        add("vpn_state", [f["vpn_state"]], lambda s: f"VPN {s}")
    if "dns_manager" in f:
        add("dns_manager", [f["dns_manager"]], lambda m: f"DNS manager {m}")
    if expect.get("client"):
        add("client", [expect["client"]], lambda c: f"VPN client {c}")
    return out


# --------------------------------------------------------------------------- comparison

def _same_ip(a: Any, b: Any) -> bool:
    try:
        return _ip(a) == _ip(b)
    except ValueError:
        return False


def _domain(d: str) -> str:
    d = d.strip().lower().lstrip("~")
    return d if d == "." else d.strip(".")


def iface_match(want: str | None, got: str | None, snap: Any) -> bool:
    """An expected interface (as the capture names it) against one the report names."""
    if want is None:
        return True
    if got is None:
        return False
    w, g = want.strip().casefold(), got.strip().casefold()
    if w == g:
        return True
    for ellipsis in ("...", "…"):
        if ellipsis in w:              # a column PowerShell truncated ('Adapte...8', 'Ad…'): the shown parts must match
            head, _, tail = w.partition(ellipsis)
            return g.startswith(head.rstrip()) and g.endswith(tail) and len(g) >= len(head.rstrip()) + len(tail)
    try:
        _ip(want)
    except ValueError:
        return False
    iface = snap.interface(got)        # route print names an interface by its address
    return iface is not None and any(_same_ip(a.address, want) for a in iface.addresses)


def _tunnel_names(snap: Any) -> list[str]:
    names = list(snap.vpn.tunnel_interfaces)
    names += [i.name for i in snap.interfaces if getattr(i.kind, "value", i.kind) == "tunnel"]
    return names


def _default_routes(snap: Any) -> list[Any]:
    routes = [r for r in snap.routes if r.destination in ("0.0.0.0/0", "::/0")]
    logged = getattr(snap.vpn, "log_default_route", None)   # a log's ROUTE_GATEWAY line (README conventions)
    return routes + ([logged] if logged is not None else [])


def _connected(vpn: Any) -> bool | None:
    state = getattr(vpn, "connected", None)
    if isinstance(state, bool):
        return state
    if vpn.connected_at and not vpn.disconnected_at:
        return True
    if vpn.disconnected_at and not vpn.connected_at:
        return False
    if vpn.connected_at and vpn.disconnected_at:
        return vpn.connected_at > vpn.disconnected_at
    return None


UNSCORED = "not scored: the report has no field for it yet"
CONTEXT = "not scored: the client is known from the post's context, not from the capture"


def check(fact: Fact, result: Any) -> tuple[bool | None, str]:
    """(found, why-not) for one fact; found is None when the report has no place for it."""
    if result is None:
        return False, "not recognised"
    snap = result.report.snapshot
    dns, vpn = snap.dns, snap.vpn
    pushed = vpn.pushed
    cat, want = fact.category, fact.want
    if cat == "kind":
        ids = [sid for _name, sid in result.recognised]
        ok = any(re.search(KIND_IDS[want], sid) for sid in ids)
        return ok, f"read as {ids}"
    if cat == "resolver":
        same = [r for r in dns.resolvers if _same_ip(r.address, want["address"])]
        if not same:
            return False, "no such resolver"
        for r in same:
            if iface_match(want.get("interface"), r.interface, snap) and \
                    ("scope" not in want or r.scope.value == want["scope"]):
                return True, ""
        return False, "got " + "; ".join(f"interface={r.interface} scope={r.scope.value}" for r in same)
    if cat == "nameserver":
        ok = any(_same_ip(a, want) for a in dns.resolv_conf_nameservers)
        return ok, f"resolv.conf nameservers {list(dns.resolv_conf_nameservers)}"
    if cat == "search_domain":
        have = {_domain(d) for d in dns.search_domains}
        have |= {_domain(d) for r in dns.resolvers for d in r.domains}
        have |= {_domain(d) for ls in getattr(dns, "link_search", ()) for d in ls.domains}   # a link's own list
        return _domain(want) in have, f"search {list(dns.search_domains)}"
    if cat == "match_domain":
        d = _domain(want["domain"])
        for r in dns.resolvers:
            if d in {_domain(x) for x in r.domains} and iface_match(want.get("interface"), r.interface, snap):
                return True, ""
        if want.get("interface") is None and any(d in {_domain(x) for x in rule.namespaces} for rule in dns.nrpt):
            return True, ""
        return False, "no resolver with that domain"
    if cat == "default_route":
        routes = _default_routes(snap)
        for r in routes:
            if "gateway" in want and not (r.gateway and _same_ip(r.gateway, want["gateway"])):
                continue
            if iface_match(want.get("interface"), r.interface, snap):
                return True, ""
        return False, "defaults " + (", ".join(f"{r.destination} via {r.gateway} dev {r.interface}" for r in routes)
                                     or "none")
    if cat == "route_lookup":
        same = [lk for lk in snap.route_lookups if _same_ip(lk.address, want["address"])]
        for lk in same:
            if ("gateway" not in want or (lk.gateway and _same_ip(lk.gateway, want["gateway"]))) and \
                    iface_match(want.get("interface"), lk.interface, snap):
                return True, ""
        return False, ("got " + "; ".join(f"dev {lk.interface} via {lk.gateway}" for lk in same)) if same \
            else f"lookups for {[lk.address for lk in snap.route_lookups]}"
    if cat == "tunnel_interface":
        names = _tunnel_names(snap) + ([vpn.log_device] if getattr(vpn, "log_device", None) else [])
        return any(iface_match(want, n, snap) for n in names), f"tunnels {names}"
    if cat == "interface_metric":
        got = [(i.name, i.metric) for i in snap.interfaces if iface_match(want["interface"], i.name, snap)]
        return any(m == want["metric"] for _n, m in got), f"metrics {got}" if got else "no such interface"
    if cat == "nrpt_rule":
        ns = _domain(want["namespace"])
        for rule in dns.nrpt:
            if ns in {_domain(n) for n in rule.namespaces} and \
                    all(any(_same_ip(a, b) for b in rule.servers) for a in want.get("servers", [])):
                return True, ""
        return False, f"rules {[(r.namespaces, r.servers) for r in dns.nrpt]}"
    if cat == "tunnel_mode":
        # The report's tunnel mode is the derive stage's: the routes decide, the VPN log stands in
        # when no routing table was pasted (report.facts; the snapshot's vpn.mode is the routes' alone).
        facts = getattr(result.report, "facts", None)
        mode = facts.tunnel_mode.value if facts is not None else vpn.mode.value
        return mode == want, f"mode {mode}"
    if cat.startswith("pushed_"):
        if pushed is None:
            return False, "no pushed options"
        if cat == "pushed_dns":
            return any(_same_ip(a, want) for a in pushed.dns_servers), f"pushed DNS {list(pushed.dns_servers)}"
        if cat == "pushed_route":
            net = ipaddress.ip_network(want, strict=False)
            got = []
            for n in pushed.routes:
                try:
                    got.append(ipaddress.ip_network(n, strict=False))
                except ValueError:
                    pass
            return net in got, f"pushed routes {list(pushed.routes)}"
        if cat == "pushed_domain":
            return _domain(want) in {_domain(d) for d in pushed.domains}, f"pushed domains {list(pushed.domains)}"
        if cat == "pushed_redirect_gateway":
            return bool(pushed.redirect_gateway), ""
        if cat == "pushed_block_outside_dns":
            return bool(pushed.block_outside_dns), ""
        if cat == "pushed_ifconfig":
            addr = (pushed.ifconfig or "").split("/")[0]
            return _same_ip(addr, want), f"pushed ifconfig {pushed.ifconfig}"
    if cat == "vpn_state":
        state = _connected(vpn)
        want_b = want == "connected"
        return state is want_b, f"connected_at={vpn.connected_at} disconnected_at={vpn.disconnected_at}"
    if cat == "dns_manager":
        return dns.manager.value == want, f"manager {dns.manager.value}"
    if cat == "resolv_stub":
        return bool(dns.stub), ""
    if cat == "client":
        if not hasattr(vpn, "client"):
            return None, UNSCORED
        return str(vpn.client or "").lower() == want, f"client {vpn.client}"
    raise ValueError(f"unknown fact category {cat}")


# --------------------------------------------------------------------------- running

@dataclass
class FileScore:
    capture: Capture
    recognised: bool
    error: str = ""
    found: list[Fact] = field(default_factory=list)
    missed: list[tuple[Fact, str]] = field(default_factory=list)
    unscored: list[Fact] = field(default_factory=list)
    read_as: list[str] = field(default_factory=list)


class _Timeout(Exception):
    pass


def _alarm(_sig: int, _frame: Any) -> None:
    raise _Timeout()


def analyze_file(path: Path) -> tuple[Any, str]:
    """(AnalyzeResult or None, error text) through the public analyze path."""
    from agent.analyze import AnalyzeError, analyze_path

    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(PER_FILE_SECONDS)
    try:
        return analyze_path(path), ""
    except AnalyzeError as err:
        return None, f"AnalyzeError: {err}"
    except _Timeout:
        return None, f"no answer in {PER_FILE_SECONDS} s"
    except Exception as err:  # noqa: BLE001 -- a crash is a result to report, not to stop the scoring
        return None, f"CRASH {type(err).__name__}: {err}"
    finally:
        if use_alarm:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)


def score(capture: Capture) -> FileScore:
    result, error = analyze_file(capture.path)
    recognised = result is not None and bool(result.recognised)
    fs = FileScore(capture, recognised, error,
                   read_as=[sid for _n, sid in result.recognised] if result is not None else [])
    for fact in expected_facts(capture.expect):
        if fact.category == "client" and capture.expect.get("client_from") == "context":
            found, why = None, CONTEXT
        else:
            found, why = check(fact, result if recognised else None)
        if found is None:
            fs.unscored.append(fact)
        elif found:
            fs.found.append(fact)
        else:
            fs.missed.append((fact, why))
    return fs


@dataclass
class Tally:
    files: int = 0
    recognised: int = 0
    found: int = 0
    expected: int = 0
    unscored: int = 0

    def add(self, fs: FileScore) -> None:
        self.files += 1
        self.recognised += fs.recognised
        self.found += len(fs.found)
        self.expected += len(fs.found) + len(fs.missed)
        self.unscored += len(fs.unscored)


def _pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "    -"


def summarise(scores: list[FileScore]) -> dict[str, dict[str, Tally]]:
    """part -> kind (and "total") -> Tally."""
    table: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for fs in scores:
        table[fs.capture.part][fs.capture.kind].add(fs)
        table[fs.capture.part]["total"].add(fs)
    return table


def render(scores: list[FileScore], verbose: bool = False, show_holdout: bool = False) -> str:
    lines: list[str] = []
    table = summarise(scores)
    for part in PARTS:
        if part not in table:
            continue
        rows = table[part]
        lines.append(f"corpus {part}: {rows['total'].files} files")
        lines.append(f"  {'kind':<28}{'files':>6}{'recognised':>16}{'facts found':>22}")
        for kind in sorted(k for k in rows if k != "total") + ["total"]:
            t = rows[kind]
            lines.append(f"  {kind:<28}{t.files:>6}{t.recognised:>7}/{t.files:<4}{_pct(t.recognised, t.files)}"
                         f"{t.found:>9}/{t.expected:<5}{_pct(t.found, t.expected)}")
        cats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for fs in scores:
            if fs.capture.part == part:
                for f in fs.found:
                    cats[f.category][0] += 1
                    cats[f.category][1] += 1
                for f, _why in fs.missed:
                    cats[f.category][1] += 1
        lines.append("  by fact: " + ", ".join(f"{c} {a}/{b}" for c, (a, b) in sorted(cats.items())))
        if rows["total"].unscored:
            lines.append(f"  {rows['total'].unscored} client facts not scored (known from the post's context, "
                         "not from the capture: client_from)")
        lines.append("")
    if verbose:
        for fs in scores:
            if fs.capture.part == "holdout" and not show_holdout:
                continue
            if fs.recognised and not fs.missed:
                continue
            head = f"{fs.capture.name}: " + (f"read as {', '.join(fs.read_as)}" if fs.recognised
                                               else f"NOT RECOGNISED ({fs.error or 'nothing read'})")
            lines.append(head)
            for fact, why in fs.missed:
                lines.append(f"    missed {fact.label}" + (f"  [{why}]" if why else ""))
    return "\n".join(lines).rstrip() + "\n"


def sources_md(caps: list[Capture]) -> str:
    """The corpus section's table for tests/fixtures/SOURCES.md, from the .expect.json files."""
    rows = ["| capture | source | poster, date | language, OS | note |", "|---|---|---|---|---|"]
    for c in sorted(caps, key=lambda c: (c.kind, c.slug)):
        src = c.expect["source"]
        where = src["url"] + (f" `{src['path']}`" if src.get("path") else "") + \
            (f" @{src['commit'][:7]}" if src.get("commit") else "")
        who = ", ".join(x for x in (src.get("poster"), src.get("date")) if x) or "-"
        lang = ", ".join(x for x in (c.expect.get("language"), c.expect.get("os")) if x) or "-"
        note = "; ".join(x for x in (c.expect.get("note"), ("cut: " + c.expect["cut"]) if c.expect.get("cut") else None)
                         if x) or "verbatim"
        rows.append(f"| {c.part}/{c.kind}/{c.slug} | {where} ({src.get('where', 'page')}) | {who} | {lang} | "
                    + note.replace("|", "\\|") + " |")
    return "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="make corpus", description="Score analyze on the corpus of real captures.")
    ap.add_argument("files", nargs="*", type=Path, help="captures (.txt) to score; default: the whole corpus")
    ap.add_argument("--part", choices=PARTS + ("all",), default="all")
    ap.add_argument("--kind", action="append", help="only this kind (repeatable)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every missed fact of the dev part")
    ap.add_argument("--show-holdout", action="store_true",
                    help="with --verbose, list the holdout's misses too (final checks only: never tune to them)")
    ap.add_argument("--sources-md", action="store_true", help=argparse.SUPPRESS)  # the SOURCES.md table
    args = ap.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import logging
    logging.disable(logging.CRITICAL)   # parsers' warnings would drown the table
    try:
        if args.files:
            caps = [load_capture(p) for p in args.files]
        else:
            caps = captures(PARTS if args.part == "all" else (args.part,), args.kind)
    except ExpectError as err:
        print(f"corpus: {err}", file=sys.stderr)
        return 2
    if not caps:
        print("corpus: no captures matched", file=sys.stderr)
        return 2
    if args.sources_md:
        sys.stdout.write(sources_md(caps))
        return 0
    sys.stdout.write(render([score(c) for c in caps], verbose=args.verbose, show_holdout=args.show_holdout))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
