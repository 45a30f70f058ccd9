"""Scale: a huge routing table and many resolvers through parse + derive + classify (no I/O).

    .venv/bin/python benchmarks/bench_scale.py [--routes 100000] [--resolvers 200] [--runs 5]

Builds a synthetic Linux RawCapture -- what `collect` would have read on a split-tunnel
laptop with a 100,000-route table (`ip -j -4 route show table all` JSON text) and 200
nameservers in systemd-resolved (D-Bus dump JSON), one `ip -j route get` per nameserver --
plus a ProbeRun with a UDP and a TCP answer per nameserver for two names.  The base of the
capture is the real netns full-tunnel capture in tests/fixtures/linux (interfaces, IPv6
routes, rules); the rest is generated (see `synthetic_capture`).

The capture is built once and saved as JSON; each run is a fresh interpreter that loads
it as `analyze` loads a saved capture (so memory figures are per run, imports are warm-cache):
  time   `platforms.linux.LinuxAdapter().parse(raw)`, `agent.facts.derive(...)` and
         `agent.classify.classify(...)` (what run.assemble does after parse), wall time of
         each (time.perf_counter); and the peak RSS of the process during that work (Linux:
         VmHWM, reset through /proc/self/clear_refs once the synthetic input is built, so
         the figure is the interpreter + the input + what parsing holds; elsewhere ru_maxrss);
  memory one more run under tracemalloc: the peak Python allocation during the work
         (the input text is allocated before tracing starts, and reported apart).
Anchor, in the same runs: `json.loads` of the same `ip -j route` text (the C decoder
alone: the floor of any parse of that JSON).  Targets: <= 1 s and <= 100 MB (peak RSS).
Not a test.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from targets import line  # noqa: E402

FIX = ROOT / "tests" / "fixtures" / "linux"
TARGET_S = 1.0
TARGET_MB = 100.0

TUN_GW, TUN_SRC = "10.0.0.97", "10.0.0.98"        # tun0 in the netns full-tunnel capture
LAN_GW, LAN_SRC = "192.168.1.1", "192.168.1.23"   # wlp2s0 in the same capture


def _routes_json(n: int) -> str:
    """`ip -j -4 route show table all` with the real capture's routes plus synthetic ones.

    The synthetic routes are /24s counted up from 20.0.0.0 (never overlapping the real
    ones): 3 in 4 via the tunnel with protocol static, the rest via the LAN gateway with a
    metric; every 50th in policy table 100, every 200th a blackhole, as a large pushed
    route table or a BGP-fed router would show them.  Split tunnel: the real capture's
    0.0.0.0/1 + 128.0.0.0/1 are replaced by a VPC route for the nameservers.
    """
    base = [r for r in json.loads((FIX / "ip_route4--netns-full-tunnel.out").read_text())
            if r.get("dst") not in ("0.0.0.0/1", "128.0.0.0/1")]
    base.append({"dst": "10.1.0.0/16", "gateway": TUN_GW, "dev": "tun0", "flags": []})
    routes = list(base)
    start = 20 << 24
    for i in range(max(0, n - len(base))):
        addr = start + (i << 8)
        dst = f"{addr >> 24 & 255}.{addr >> 16 & 255}.{addr >> 8 & 255}.0/24"
        if i % 200 == 199:
            r = {"type": "blackhole", "dst": dst, "flags": []}
        elif i % 4 == 3:
            r = {"dst": dst, "gateway": LAN_GW, "dev": "wlp2s0", "protocol": "static", "metric": 100 + i % 7,
                 "flags": []}
        else:
            r = {"dst": dst, "gateway": TUN_GW, "dev": "tun0", "protocol": "static", "flags": []}
        if i % 50 == 49:
            r["table"] = "100"
        routes.append(r)
    return json.dumps(routes, separators=(",", ":"))


def _resolver_addresses(n: int) -> list[str]:
    """n nameservers in the VPC behind the tunnel (10.1.0.0/16), e.g. Route 53 inbound endpoints."""
    return [f"10.1.{i // 250}.{10 + i % 250}" for i in range(n)]


def _resolved_dbus(servers: list[str]) -> str:
    """resolved's D-Bus dump (the shape of platforms.resolved_dbus.read, as in the fixture
    resolved_dbus--constructed-aws-vpn-tilde-dot): tun0 owns every pushed server and `~.`."""
    tun_dns = [[2, s] for s in servers]
    tun_ex = [[2, s, 0, ""] for s in servers]
    return json.dumps({
        "errors": [],
        "links": [
            {"ifindex": 2, "ifname": "wlp2s0", "properties": {
                "CurrentDNSServer": [2, LAN_GW], "CurrentDNSServerEx": [2, LAN_GW, 0, ""],
                "DNS": [[2, LAN_GW]], "DNSEx": [[2, LAN_GW, 0, ""]], "DNSOverTLS": "", "DefaultRoute": True,
                "Domains": [["lan", False]], "ScopesMask": 1}},
            {"ifindex": 4, "ifname": "tun0", "properties": {
                "CurrentDNSServer": [2, servers[0]], "CurrentDNSServerEx": [2, servers[0], 0, ""],
                "DNS": tun_dns, "DNSEx": tun_ex, "DNSOverTLS": "", "DefaultRoute": True,
                "Domains": [[".", True], ["corp.example.internal", False]], "ScopesMask": 1}}],
        "manager": {
            "CurrentDNSServer": [4, 2, servers[0]], "CurrentDNSServerEx": [4, 2, servers[0], 0, ""],
            "DNS": [[2, 2, LAN_GW]] + [[4, *d] for d in tun_dns],
            "DNSEx": [[2, 2, LAN_GW, 0, ""]] + [[4, *d] for d in tun_ex],
            "DNSStubListener": "yes", "Domains": [[2, "lan", False], [4, ".", True], [4, "corp.example.internal", False]],
            "FallbackDNS": [], "FallbackDNSEx": [], "ResolvConfMode": "stub"}})


def synthetic_capture(n_routes: int, n_resolvers: int):
    """(RawCapture, ProbeRun, names) for the split-tunnel laptop described in the module doc."""
    from agent.model import (Answer, NameCheck, Outcome, Platform, ProbeResult, ProbeRun, RawCapture,
                             SourceCapture, SourceKind, SystemLookup, Transport)

    servers = _resolver_addresses(n_resolvers)
    targets = [*servers, LAN_GW]

    def cmd(sid: str, argv: tuple[str, ...], text: str) -> SourceCapture:
        return SourceCapture(id=sid, kind=SourceKind.COMMAND, argv=argv, text=text, stderr="", exit_code=0)

    def api(sid: str, text: str) -> SourceCapture:
        return SourceCapture(id=sid, kind=SourceKind.API, text=text)

    def route_get(addr: str) -> SourceCapture:
        via = (addr == LAN_GW)
        hop = {"dst": addr, "dev": "wlp2s0", "prefsrc": LAN_SRC} if via else \
              {"dst": addr, "gateway": TUN_GW, "dev": "tun0", "prefsrc": TUN_SRC}
        return cmd(f"route-get:{addr}", ("ip", "-j", "route", "get", addr),
                   json.dumps([{**hop, "flags": [], "uid": 0, "cache": []}]))

    sources = [
        SourceCapture(id="resolv.conf", kind=SourceKind.FILE, path="/etc/resolv.conf",
                      text="# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n"
                           "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"),
        api("resolv.conf-link", json.dumps({"path": "/etc/resolv.conf", "target": "../run/systemd/resolve/stub-resolv.conf",
                                            "resolved": "/run/systemd/resolve/stub-resolv.conf"})),
        SourceCapture(id="nsswitch.conf", kind=SourceKind.FILE, path="/etc/nsswitch.conf",
                      text=(FIX / "nsswitch--debian12.out").read_text()),
        api("resolved-dbus", _resolved_dbus(servers)),
        api("interfaces", (FIX / "interfaces--netns-full-tunnel.out").read_text()),
        cmd("ip-route", ("ip", "-j", "-4", "route", "show", "table", "all"), _routes_json(n_routes)),
        cmd("ip-route6", ("ip", "-j", "-6", "route", "show", "table", "all"),
            (FIX / "ip_route6--netns-full-tunnel.out").read_text()),
        cmd("ip-rule", ("ip", "-j", "rule", "show"), (FIX / "ip_rule--netns-fwmark.out").read_text()),
        api("route-targets", json.dumps({"addresses": targets})),
        *(route_get(a) for a in targets),
    ]
    raw = RawCapture(platform=Platform.LINUX, collected_at="2026-01-01T00:00:00Z", sources=tuple(sources))

    names = (NameCheck("aws.amazon.com", origin="canary"), NameCheck("db.corp.example.internal", "private"))
    answers = {names[0].name: (Answer("203.0.113.80", False),), names[1].name: (Answer("10.1.9.10", True),)}
    results = tuple(ProbeResult(server=s, transport=t, name=n.name, outcome=Outcome.ANSWER, rcode="NOERROR",
                                answers=answers[n.name], rtt_ms=12.0, source_address=TUN_SRC, interface="tun0")
                    for s in servers for n in names for t in (Transport.UDP, Transport.TCP))
    system = tuple(SystemLookup(name=n.name, addresses=answers[n.name], rtt_ms=20.0) for n in names)
    probes = ProbeRun(results=results, system=system, names=names, deadline_s=3.0, elapsed_s=0.1)
    return raw, probes, names


def _reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb(reset: bool) -> float:
    if reset:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # KiB on Linux, bytes on macOS
    return rss / 1024 / (1024 if sys.platform == "darwin" else 1)


def _current_rss_mb() -> float | None:
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024
    except OSError:
        return None


def write_capture(n_routes: int, n_resolvers: int, path: Path) -> None:
    """The synthetic capture, probes and names as one JSON file (built once, in the parent)."""
    raw, probes, names = synthetic_capture(n_routes, n_resolvers)
    path.write_text(json.dumps({"raw": raw.to_dict(), "probes": probes.to_dict(),
                                "names": [n.to_dict() for n in names]}), encoding="utf-8")


def child(capture_path: str, mode: str) -> dict:
    """One measured run in this (fresh) process; returns the figures as a dict."""
    import gc
    import tracemalloc

    from agent.classify import classify
    from agent.facts import derive
    from platforms.linux import LinuxAdapter

    from agent.model import NameCheck, ProbeRun, RawCapture

    with open(capture_path, encoding="utf-8") as fh:     # as `analyze` reads a saved capture
        data = json.load(fh)
    raw = RawCapture.from_dict(data["raw"])
    probes = ProbeRun.from_dict(data["probes"])
    names = tuple(NameCheck.from_dict(n) for n in data["names"])
    del data
    input_mb = sum(len(s.text or "") for s in raw.sources) / 1e6
    route_text = raw.get("ip-route").text
    c0, t0 = time.process_time(), time.perf_counter()
    json.loads(route_text)
    anchor_s, anchor_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    gc.collect()
    base_rss = _current_rss_mb()
    reset = _reset_peak_rss()
    if mode == "memory":
        tracemalloc.start()
    c0, t0 = time.process_time(), time.perf_counter()
    snapshot = LinuxAdapter().parse(raw)
    c1, t1 = time.process_time(), time.perf_counter()
    facts = derive(snapshot, probes, names)
    c2, t2 = time.process_time(), time.perf_counter()
    diagnosis = classify(snapshot, probes, names, facts=facts)
    c3, t3 = time.process_time(), time.perf_counter()
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if mode == "memory" else None
    return {"parse_s": t1 - t0, "derive_s": t2 - t1, "classify_s": t3 - t2, "total_s": t3 - t0,
            "parse_cpu_s": c1 - c0, "derive_cpu_s": c2 - c1, "classify_cpu_s": c3 - c2, "total_cpu_s": c3 - c0,
            "anchor_s": anchor_s, "anchor_cpu_s": anchor_cpu_s, "tracemalloc_peak_mb": peak, "peak_rss_mb": _peak_rss_mb(reset),
            "rss_is_hwm": reset, "base_rss_mb": base_rss, "input_mb": input_mb, "routes": len(snapshot.routes),
            "resolvers": len(snapshot.dns.resolvers), "lookups": len(snapshot.route_lookups),
            "errors": [e.message for e in snapshot.errors], "scenario": diagnosis.scenario.id,
            "findings": [f.code for f in diagnosis.findings], "verdict": diagnosis.verdict.value}


def _spawn(capture: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, "--capture", str(capture)],
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(out.stdout)


def _load() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def _list(runs: list[dict], key: str) -> str:
    return ", ".join(f"{r[key]:.3f}" for r in runs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--routes", type=int, default=100_000)
    ap.add_argument("--resolvers", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--child", choices=("time", "memory"), help=argparse.SUPPRESS)
    ap.add_argument("--capture", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.capture, args.child)))
        return 0

    import tempfile

    with tempfile.TemporaryDirectory(prefix="cvpn-bench-scale-") as tmp:
        capture = Path(tmp) / "capture.json"
        write_capture(args.routes, args.resolvers, capture)
        runs = [_spawn(capture, "time") for _ in range(args.runs)]
        mem = _spawn(capture, "memory")
    first = runs[0]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if k.endswith("_s") or k == "peak_rss_mb"}
    print(f"bench_scale: {args.routes} routes requested, {args.resolvers} resolvers, {args.runs} runs "
          f"(fresh interpreter each), python {sys.version.split()[0]}, load average {_load()}")
    print(f"  parsed: {first['routes']} routes, {first['resolvers']} resolvers, {first['lookups']} route lookups; "
          f"input text {first['input_mb']:.1f} MB")
    print(f"  verdict: {first['scenario']} {first['verdict']} {first['findings']}")
    if first["errors"]:
        print(f"  collection errors: {first['errors']}")
    print("  medians, CPU time (wall time): CPU time is what the work costs; wall time adds the waits")
    print("  for a CPU on this shared machine")
    for key, label in (("parse", "parse"), ("derive", "derive"), ("classify", "classify"), ("total", "total"),
                       ("anchor", "json.loads of the route text (anchor)")):
        print(f"  {label:<40} {med[key + '_cpu_s']:.3f} s ({med[key + '_s']:.3f} s)   "
              f"(CPU per run: {_list(runs, key + '_cpu_s')})")
    rss = "VmHWM after a reset" if first["rss_is_hwm"] else "ru_maxrss"
    print(f"  RSS before the work (interpreter, modules, input) {first['base_rss_mb'] or 0:.0f} MB")
    print(f"  peak RSS during the work ({rss}: interpreter + input + parse) median {med['peak_rss_mb']:.0f} MB; "
          f"tracemalloc peak during the work {mem['tracemalloc_peak_mb']:.0f} MB")
    print()
    what = f"scale: {first['routes']} routes + {first['resolvers']} resolvers"
    print(line(f"{what}, parse+derive+classify (CPU)", med["total_cpu_s"], TARGET_S, "s",
               [("json.loads of the routes", med["anchor_cpu_s"])]))
    print(line(f"{what}, parse+derive+classify (wall)", med["total_s"], TARGET_S, "s",
               [("json.loads of the routes", med["anchor_s"])]))
    print(line(f"{what}, peak RSS", med["peak_rss_mb"], TARGET_MB, "MB",
               [("input text", first["input_mb"] * 1e6 / 2**20)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
