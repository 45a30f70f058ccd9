"""Build the lab for one scenario, and tear it down.

Topology (namespaces ``<prefix><role>``; no link to the host's namespace):

    laptop eth0 192.168.1.100 --- lan0 192.168.1.1 home (router + dnsmasq)
    home wan0 192.0.2.2       --- home0 192.0.2.1 inet (router, dnsmasq 203.0.113.53)
    inet ep0 198.51.100.1     --- pub0 198.51.100.10 endpoint (OpenVPN server, SNAT)
    endpoint vpc0 10.0.0.5    --- ep0 10.0.0.1 + 10.0.0.2 vpc (router, dnsmasq = VPC+2)
    vpc tgw0 100.64.0.1       --- tgw0 100.64.0.2 peer (dnsmasq 10.1.0.10, 10.1.0.11)

The endpoint forwards what arrives on tun0 by policy table 100, which knows only the two
VPC CIDRs and blackholes the rest: like a Client VPN route table without 0.0.0.0/0, a
full-tunnel query to a public resolver times out.  Client traffic is SNATed to the
endpoint's VPC address (10.0.0.5), as Client VPN does to its ENI.
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab import scenarios as sc
from tests.lab.netns import LabError, Namespaces, delete_namespaces, kill_pids, wait_for
from tests.lab.pki import Pki, make_pki

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
UPDOWN = HERE / "dns-updown.sh"
ROLES = ("laptop", "home", "inet", "endpoint", "vpc", "peer")
VPN_WAIT = 15.0
SERVER_WAIT = 5.0
DNS_WAIT = 5.0
ONPREM_UPSTREAM = "10.1.0.99"   # the primary's DNSSEC-bogus upstream (S2 primary SERVFAIL)
# The root KSK-2017 trust anchor (public DS record): makes dnsmasq validate, so an
# unsigned upstream answer is BOGUS and the primary answers SERVFAIL.
ROOT_TRUST_ANCHOR = ".,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"


def needed_tools() -> tuple[str, ...]:
    return ("ip", "openvpn", "dnsmasq", "iptables", "openssl", "tcpdump", "dig", "ss")


@dataclass
class Running:
    """One scenario, up."""
    scenario: sc.Scenario
    ns: Namespaces
    workdir: Path
    client_log: Path
    bringup_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def laptop(self) -> str:
        return self.ns["laptop"]


class Lab:
    """Brings scenarios up and down under one prefix and one temporary directory."""

    def __init__(self, workdir: Path, prefix: str | None = None) -> None:
        self.workdir = workdir
        self.prefix = prefix or f"cvd{os.getpid()}-"
        self.pki: Pki | None = None
        self._count = 0

    def up(self, scenario: sc.Scenario) -> Running:
        """Build the namespaces, start resolvers and OpenVPN; on any error undo it all."""
        start = time.monotonic()
        if self.pki is None:
            self.pki = make_pki(self.workdir / "pki")
        self._count += 1
        run_dir = self.workdir / f"{self._count:02d}-{scenario.key}"
        run_dir.mkdir(parents=True)
        ns = Namespaces(self.prefix)
        running = Running(scenario, ns, run_dir, run_dir / "client.log")
        try:
            _topology(ns)
            _resolvers(ns, scenario, run_dir)
            ns.write_resolv_conf("laptop", list(scenario.laptop_dns))
            for addr in scenario.laptop_addrs:
                ns.ip("laptop", "addr", "add", addr, "dev", "eth0")
            if scenario.laptop_addrs:
                # The home router answers ARP for the extra subnet (proxy ARP), like a LAN that
                # really uses it: the laptop's packets leave eth0 and die upstream.
                ns.sysctl("home", "net.ipv4.conf.lan0.proxy_arp", "1")
            for route in scenario.laptop_routes:
                ns.ip("laptop", "route", "add", *route)
            if scenario.block_tcp53:
                ns.run("endpoint", ["iptables", "-A", "FORWARD", "-i", "tun0", "-p", "tcp", "--dport", "53",
                                    "-j", "DROP"])
            if scenario.vpn is not sc.Vpn.NEVER:
                _openvpn(ns, scenario, run_dir, self.pki)
            if scenario.vpn is sc.Vpn.KILLED:
                _kill_client(ns, run_dir)
        except BaseException:
            problems = ns.teardown()
            log.error("bring-up failed; teardown problems: %s", problems)
            raise
        running.bringup_s = time.monotonic() - start
        return running

    @staticmethod
    def down(running: Running) -> list[str]:
        return running.ns.teardown()


def _topology(ns: Namespaces) -> None:
    for role in ROLES:
        ns.add(role)
    ns.link("laptop", "eth0", ["192.168.1.100/24"], "home", "lan0", ["192.168.1.1/24"])
    ns.link("home", "wan0", ["192.0.2.2/24"], "inet", "home0", ["192.0.2.1/24"])
    ns.link("inet", "ep0", ["198.51.100.1/24"], "endpoint", "pub0", ["198.51.100.10/24"])
    ns.link("endpoint", "vpc0", ["10.0.0.5/24"], "vpc", "ep0", ["10.0.0.1/24", "10.0.0.2/24"])
    ns.link("vpc", "tgw0", ["100.64.0.1/30"], "peer", "tgw0", ["100.64.0.2/30"])
    for role in ("home", "inet", "endpoint", "vpc"):
        ns.sysctl(role, "net.ipv4.ip_forward", "1")
    ns.ip("laptop", "route", "add", "default", "via", "192.168.1.1")
    ns.ip("home", "route", "add", "default", "via", "192.0.2.1")
    ns.ip("inet", "addr", "add", f"{sc.PUBLIC_RESOLVER}/32", "dev", "lo")
    ns.ip("inet", "route", "add", "192.168.1.0/24", "via", "192.0.2.2")
    # An ISP drops private destinations: a query that leaks out of the laptop towards a
    # VPC address (peer route missing, stale resolv.conf) times out instead of looping.
    ns.ip("inet", "route", "add", "blackhole", "10.0.0.0/8")
    ns.ip("endpoint", "route", "add", "default", "via", "198.51.100.1")
    for cidr in (sc.VPC_CIDR, sc.PEER_CIDR):
        ns.ip("endpoint", "route", "add", cidr, "via", "10.0.0.1")
    # Client VPN route table: only the VPCs; anything else from the tunnel is dropped.
    ns.ip("endpoint", "route", "add", "10.0.0.0/24", "dev", "vpc0", "table", "100")
    for cidr in (sc.VPC_CIDR, sc.PEER_CIDR):
        ns.ip("endpoint", "route", "add", cidr, "via", "10.0.0.1", "table", "100")
    ns.ip("endpoint", "route", "add", "blackhole", "default", "table", "100")
    ns.ip("endpoint", "rule", "add", "iif", "tun0", "lookup", "100", "pref", "100")
    ns.run("endpoint", ["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "172.16.0.0/22",
                        "-o", "vpc0", "-j", "SNAT", "--to-source", "10.0.0.5"])
    ns.ip("vpc", "addr", "add", f"{sc.PRIVATE_ADDR}/32", "dev", "lo")
    ns.ip("vpc", "route", "add", sc.PEER_CIDR, "via", "100.64.0.2")
    ns.ip("peer", "route", "add", sc.VPC_CIDR, "via", "100.64.0.1")


def _dnsmasq(ns: Namespaces, role: str, address: str, run_dir: Path, *extra: str) -> None:
    tag = f"dnsmasq-{address}"
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", f"--listen-address={address}", "--user=root",
            f"--pid-file={run_dir / (tag + '.pid')}", "--log-queries",
            f"--log-facility={run_dir / (tag + '.queries')}", *extra]
    ns.spawn(role, argv, run_dir / f"{tag}.log")


def _resolvers(ns: Namespaces, scenario: sc.Scenario, run_dir: Path) -> None:
    """dnsmasq everywhere; every resolver answers the canary, private ones the zone."""
    canary = f"--host-record={sc.CANARY},{sc.CANARY_ADDR}"
    private = f"--host-record={sc.PRIVATE_NAME},{sc.PRIVATE_ADDR}"
    no_zone = "--local=/corp.internal/"     # authoritative NXDOMAIN for the private zone
    _dnsmasq(ns, "home", sc.HOME_RESOLVER, run_dir, canary, no_zone)
    _dnsmasq(ns, "inet", sc.PUBLIC_RESOLVER, run_dir, canary, no_zone)
    _dnsmasq(ns, "vpc", sc.VPC_RESOLVER, run_dir, canary, private)
    zone = no_zone if scenario.inbound is sc.Inbound.NOT_ASSOCIATED else private
    listening = [("home", sc.HOME_RESOLVER), ("inet", sc.PUBLIC_RESOLVER), ("vpc", sc.VPC_RESOLVER)]
    for address in (sc.INBOUND_1, sc.INBOUND_2):
        primary = address == sc.INBOUND_1
        if primary and scenario.inbound is sc.Inbound.PRIMARY_DOWN:
            # The endpoint's ENI is gone/filtered: packets vanish, no ICMP comes back.
            ns.ip("peer", "route", "add", "blackhole", f"{address}/32")
            continue
        ns.ip("peer", "addr", "add", f"{address}/32", "dev", "lo")
        if primary and scenario.inbound is sc.Inbound.PRIMARY_SERVFAIL:
            # A forwarding rule to an on-prem server whose answers fail DNSSEC validation.
            ns.ip("peer", "addr", "add", f"{ONPREM_UPSTREAM}/32", "dev", "lo")
            _dnsmasq(ns, "peer", ONPREM_UPSTREAM, run_dir, canary, private)
            _dnsmasq(ns, "peer", address, run_dir, f"--server={ONPREM_UPSTREAM}", "--dnssec",
                     f"--trust-anchor={ROOT_TRUST_ANCHOR}")
            listening.append(("peer", ONPREM_UPSTREAM))
        else:
            _dnsmasq(ns, "peer", address, run_dir, canary, zone)
        listening.append(("peer", address))
    for role, address in listening:
        wait_for(lambda r=role, a=address: _listening(ns, r, a), DNS_WAIT, f"dnsmasq on {address}")


def _listening(ns: Namespaces, role: str, address: str) -> bool:
    out = ns.run(role, ["ss", "-Hlnu", f"src {address}:53"], check=False).stdout
    return bool(out.strip())


def _openvpn(ns: Namespaces, scenario: sc.Scenario, run_dir: Path, pki: Pki) -> None:
    server_log = run_dir / "server.log"
    pushes = [f'push "{p}"' for p in scenario.push]
    (run_dir / "server.conf").write_text("\n".join([
        "dev tun0", "dev-type tun", "proto udp", f"local {sc.ENDPOINT_PUBLIC}", "port 1194",
        "topology subnet", f"server {' '.join(sc.CLIENT_POOL)}",
        f"ca {pki.ca}", f"cert {pki.server_cert}", f"key {pki.server_key}", "dh none",
        "keepalive 10 60", "verb 3", *pushes, ""]))
    ns.spawn("endpoint", ["openvpn", "--config", str(run_dir / "server.conf"),
                          "--log", str(server_log)], run_dir / "server.out")
    _wait_log(server_log, SERVER_WAIT, "OpenVPN server")
    updown = f"{UPDOWN} {run_dir / 'resolv.conf.pre-vpn'}"
    (run_dir / "client.conf").write_text("\n".join([
        "client", "dev tun0", "dev-type tun", "proto udp", f"remote {sc.ENDPOINT_PUBLIC} 1194",
        "nobind", "remote-cert-tls server", "connect-retry 1",
        f"ca {pki.ca}", f"cert {pki.client_cert}", f"key {pki.client_key}", "verb 3",
        "script-security 2", f"up \"{updown}\"", f"down \"{updown}\"", ""]))
    # Started by hand, logging to its terminal (here: the file its stdout goes to), as the
    # user of the issue that motivated discovery mode: the process names its profile, no log
    # file, so a run without --log has only what the machine shows (and the profile).
    ns.spawn("laptop", ["openvpn", "--config", str(run_dir / "client.conf")], run_dir / "client.log")
    _wait_log(run_dir / "client.log", VPN_WAIT, "OpenVPN client")


def _wait_log(path: Path, timeout: float, what: str) -> None:
    def done() -> bool:
        try:
            text = path.read_text(errors="replace")
        except FileNotFoundError:
            return False
        if "Exiting due to fatal error" in text or "SIGTERM" in text:
            raise LabError(f"{what} failed:\n{text[-2000:]}")
        return "Initialization Sequence Completed" in text
    wait_for(done, timeout, f"{what}: Initialization Sequence Completed in {path}")


def _kill_client(ns: Namespaces, run_dir: Path) -> None:
    """SIGKILL the client: the tunnel vanishes but no down script restores resolv.conf."""
    client = ns.pids[-1]
    os.kill(client, signal.SIGKILL)
    wait_for(lambda: not _tun_exists(ns), 5.0, "tun0 to disappear after SIGKILL")
    ns.pids.remove(client)
    try:
        os.waitpid(client, 0)
    except ChildProcessError:
        pass


def _tun_exists(ns: Namespaces) -> bool:
    return ns.run("laptop", ["ip", "link", "show", "tun0"], check=False).returncode == 0


# --------------------------------------------------------------------------- make lab

STATE = Path(os.environ.get("TMPDIR", "/tmp")) / "cvpn-doctor-lab.json"


def save_state(running: Running, workdir: Path) -> None:
    STATE.write_text(json.dumps({"namespaces": list(running.ns.names.values()),
                                 "pids": running.ns.pids, "workdir": str(workdir),
                                 "scenario": running.scenario.key}))


def down_from_state() -> list[str]:
    """Undo a `make lab`: its pids (if still ours), namespaces, /etc/netns dirs, workdir."""
    if not STATE.exists():
        return []
    state = json.loads(STATE.read_text())
    pids = [p for p in state["pids"] if _is_lab_process(p)]
    problems = kill_pids(pids)
    problems += delete_namespaces(state["namespaces"])
    shutil.rmtree(state["workdir"], ignore_errors=True)
    STATE.unlink()
    return problems


def _is_lab_process(pid: int) -> bool:
    """Guard against pid reuse: only kill a dnsmasq/openvpn/tcpdump we could have started."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return Path(cmd.decode(errors="replace")).name in ("dnsmasq", "openvpn", "tcpdump", "ip")
