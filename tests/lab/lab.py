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
import re
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.lab import debroot
from tests.lab import scenarios as sc
from tests.lab.netns import (LabError, Namespaces, delete_namespaces, kill_pids, list_netns, namespace_pids,
                             wait_for)
from tests.lab.pki import Pki, make_pki
from tests.lab.stack import Stack

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
UPDOWN = HERE / "dns-updown.sh"
RESOLVED_UPDOWN = HERE / "resolved-updown.sh"
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
    stack: Stack | None = None         # the laptop's resolved/NetworkManager/D-Bus, if any
    profile: Path | None = None        # the client's configuration (a .ovpn profile)

    @property
    def laptop(self) -> str:
        return self.ns["laptop"]

    def laptop_argv(self, argv: list[str], cwd: Path | str = "/") -> list[str]:
        """argv run on the laptop: its network namespace, and its mount namespace if it has a stack."""
        if self.stack is not None:
            return self.stack.enter(argv, cwd)
        return self.ns.exec_argv("laptop", argv)


class Lab:
    """Brings scenarios up and down under one prefix and one temporary directory."""

    def __init__(self, workdir: Path, prefix: str | None = None, root: debroot.DebRoot | None = None) -> None:
        self.workdir = workdir
        self.prefix = prefix or f"cvd{os.getpid()}-"
        self.pki: Pki | None = None
        self.root = root                # the extracted Debian tree (resolved/NM scenarios)
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
            if scenario.stack:
                running.stack = _stack(ns, scenario, run_dir, self.root)
            else:
                ns.write_resolv_conf("laptop", list(scenario.laptop_dns))
            _cause_hooks(ns, scenario)
            if scenario.dns is sc.Dns.NM:
                running.profile = _nm_openvpn(running, self.pki)
            elif scenario.vpn is not sc.Vpn.NEVER:
                running.profile = _openvpn(ns, scenario, run_dir, self.pki, running.stack)
            if scenario.vpn is sc.Vpn.KILLED:
                _kill_client(ns, run_dir)
            if scenario.resolved_stops:
                running.stack.stop("resolved")

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
        # IPv6 on a veth that just came up: no duplicate address detection, link-local
        # addresses included (usable at once).  Set before the links exist, which inherit it.
        ns.run(role, ["sh", "-c", "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad; "
                                  "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad"])
    # Dual stack up to the VPC (2001:db8::/32); the tunnel and the peer VPC are IPv4 only.
    ns.link("laptop", "eth0", ["192.168.1.100/24", f"{sc.LAPTOP6}/64"],
            "home", "lan0", ["192.168.1.1/24", f"{sc.HOME_RESOLVER6}/64"])
    ns.link("home", "wan0", ["192.0.2.2/24", "2001:db8:2::2/64"], "inet", "home0", ["192.0.2.1/24", "2001:db8:2::1/64"])
    ns.link("inet", "ep0", ["198.51.100.1/24", "2001:db8:3::1/64"],
            "endpoint", "pub0", ["198.51.100.10/24", "2001:db8:3::10/64"])
    ns.link("endpoint", "vpc0", ["10.0.0.5/24", "2001:db8:10::5/64"],
            "vpc", "ep0", ["10.0.0.1/24", "10.0.0.2/24", "2001:db8:10::1/64"])
    ns.link("vpc", "tgw0", ["100.64.0.1/30"], "peer", "tgw0", ["100.64.0.2/30"])
    for role in ("home", "inet", "endpoint", "vpc"):
        ns.sysctl(role, "net.ipv4.ip_forward", "1")
        ns.sysctl(role, "net.ipv6.conf.all.forwarding", "1")
    ns.ip("laptop", "route", "add", "default", "via", "192.168.1.1")
    ns.ip("laptop", "-6", "route", "add", "default", "via", sc.HOME_RESOLVER6)
    ns.ip("home", "route", "add", "default", "via", "192.0.2.1")
    ns.ip("home", "-6", "route", "add", "default", "via", "2001:db8:2::1")
    ns.ip("inet", "addr", "add", f"{sc.PUBLIC_RESOLVER}/32", "dev", "lo")
    ns.ip("inet", "addr", "add", f"{sc.PUBLIC_RESOLVER6}/128", "dev", "lo")
    ns.ip("inet", "route", "add", "192.168.1.0/24", "via", "192.0.2.2")
    ns.ip("inet", "-6", "route", "add", "2001:db8:1::/64", "via", "2001:db8:2::2")
    ns.ip("inet", "-6", "route", "add", "2001:db8:10::/64", "via", "2001:db8:3::10")
    ns.ip("endpoint", "-6", "route", "add", "default", "via", "2001:db8:3::1")
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
    ns.ip("vpc", "addr", "add", f"{sc.VPC_RESOLVER6}/128", "dev", "lo")
    ns.ip("vpc", "-6", "route", "add", "default", "via", "2001:db8:10::5")
    ns.ip("vpc", "route", "add", sc.PEER_CIDR, "via", "100.64.0.2")
    ns.ip("peer", "route", "add", sc.VPC_CIDR, "via", "100.64.0.1")


def _dnsmasq(ns: Namespaces, role: str, address: str, run_dir: Path, *extra: str,
             also: tuple[str, ...] = ()) -> None:
    """One dnsmasq on ``address`` (and the addresses in ``also``: its IPv6 side)."""
    tag = f"dnsmasq-{address}"
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--no-resolv",
            "--no-hosts", "--bind-interfaces", *(f"--listen-address={a}" for a in (address, *also)),
            "--user=root",
            f"--pid-file={run_dir / (tag + '.pid')}", "--log-queries",
            f"--log-facility={run_dir / (tag + '.queries')}", *extra]
    ns.spawn(role, argv, run_dir / f"{tag}.log")


def _cause_hooks(ns: Namespaces, scenario: sc.Scenario) -> None:
    """Issue 17's laptop-side set-ups: a hosts file (``ip netns exec`` bind-mounts
    /etc/netns/<ns>/hosts over /etc/hosts), and a tunnel that loses IP fragments."""
    if scenario.laptop_hosts:
        path = ns.resolv_conf("laptop").parent / "hosts"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(line + "\n" for line in scenario.laptop_hosts))
    if scenario.drop_tunnel_fragments:
        # Non-first fragments arriving through the tunnel are dropped in the raw table (before any
        # reassembly): a UDP answer larger than the tunnel's MTU is lost, TCP segments are not.
        ns.run("laptop", ["iptables", "-t", "raw", "-A", "PREROUTING", "-i", "tun0", "-f", "-j", "DROP"])


def _resolver_extras(scenario: sc.Scenario, vpc: bool) -> tuple[str, ...]:
    """Extra dnsmasq options of the VPC resolver (``vpc``) or an inbound endpoint (issue 17)."""
    out: list[str] = []
    if vpc:
        out += [f"--address=/{name}/" for name in scenario.vpc_blocks]      # NXDOMAIN, as DNS Firewall BLOCK
    if scenario.single_labels_nxdomain:
        out.append("--domain-needed")               # plain names (no dot) asked for A/AAAA: NXDOMAIN
    if scenario.large_txt:
        # 12 strings of 250 characters: a TXT RRset of about 3 KB, sent whole over UDP to a client
        # that offers 4096 (dnsmasq 2.90 caps UDP answers at 1232 unless told otherwise).
        out += [f"--txt-record={sc.LARGE_NAME},{i:02d}" + "x" * 248 for i in range(12)]
        out.append("--edns-packet-max=4096")
    return tuple(out)


def _resolvers(ns: Namespaces, scenario: sc.Scenario, run_dir: Path) -> None:
    """dnsmasq everywhere; every resolver answers the canary, private ones the zone."""
    canary = f"--host-record={sc.CANARY},{sc.CANARY_ADDR},{sc.CANARY_ADDR6}"
    private = f"--host-record={sc.PRIVATE_NAME},{sc.PRIVATE_ADDR}"
    no_zone = f"--local=/{sc.VPC_DOMAIN}/"     # authoritative NXDOMAIN for the private zone
    _dnsmasq(ns, "home", sc.HOME_RESOLVER, run_dir, canary, no_zone, also=(sc.HOME_RESOLVER6,))
    _dnsmasq(ns, "inet", sc.PUBLIC_RESOLVER, run_dir, canary, no_zone, also=(sc.PUBLIC_RESOLVER6,))
    _dnsmasq(ns, "vpc", sc.VPC_RESOLVER, run_dir, *((private,) if sc.CANARY in scenario.vpc_blocks
                                                    else (canary, private)), *_resolver_extras(scenario, vpc=True),
             also=(sc.VPC_RESOLVER6,))
    zone = no_zone if scenario.inbound is sc.Inbound.NOT_ASSOCIATED else private
    listening = [("home", sc.HOME_RESOLVER), ("inet", sc.PUBLIC_RESOLVER), ("vpc", sc.VPC_RESOLVER),
                 ("home", sc.HOME_RESOLVER6), ("inet", sc.PUBLIC_RESOLVER6), ("vpc", sc.VPC_RESOLVER6)]
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
            _dnsmasq(ns, "peer", address, run_dir, canary, zone, *_resolver_extras(scenario, vpc=False))
        listening.append(("peer", address))
    for role, address in listening:
        wait_for(lambda r=role, a=address: _listening(ns, r, a), DNS_WAIT, f"dnsmasq on {address}")


def _listening(ns: Namespaces, role: str, address: str) -> bool:
    src = f"[{address}]" if ":" in address else address
    out = ns.run(role, ["ss", "-Hlnu", f"src {src}:53"], check=False).stdout
    return bool(out.strip())


def _openvpn_server(ns: Namespaces, scenario: sc.Scenario, run_dir: Path, pki: Pki) -> None:
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


def _openvpn(ns: Namespaces, scenario: sc.Scenario, run_dir: Path, pki: Pki, stack: Stack | None) -> Path:
    """Server, then the laptop's client (in the stack's mount namespace when it has one);
    returns the client's configuration (the profile)."""
    _openvpn_server(ns, scenario, run_dir, pki)
    if stack is not None:
        domains = ",".join(scenario.tun_domains) or "-"
        updown = f"{RESOLVED_UPDOWN} {domains} {'yes' if scenario.tun_default_route else 'no'}"
    else:
        updown = f"{UPDOWN} {run_dir / 'resolv.conf.pre-vpn'}" + (" merge" if scenario.merge_dns else "")
    profile = run_dir / "client.conf"
    profile.write_text("\n".join([
        "client", "dev tun0", "dev-type tun", "proto udp", f"remote {sc.ENDPOINT_PUBLIC} 1194",
        "nobind", "remote-cert-tls server", "connect-retry 1",
        f"ca {pki.ca}", f"cert {pki.client_cert}", f"key {pki.client_key}", "verb 3",
        "script-security 2", f"up \"{updown}\"", f"down \"{updown}\"", ""]))
    # Started by hand, logging to its terminal (here: the file its stdout goes to), as the
    # user of the issue that motivated discovery mode: the process names its profile, no log
    # file, so a run without --log has only what the machine shows (and the profile).
    argv = ["openvpn", "--config", str(profile)]
    if stack is not None:
        (run_dir / "client.log").symlink_to(stack.workdir / "openvpn.log")
        stack.spawn("openvpn", argv)
    else:
        ns.spawn("laptop", argv, run_dir / "client.log")
    _wait_log(run_dir / "client.log", VPN_WAIT, "OpenVPN client")
    return profile


def _stack(ns: Namespaces, scenario: sc.Scenario, run_dir: Path, root: debroot.DebRoot | None) -> Stack:
    """The laptop's private mount namespace, D-Bus and systemd-resolved (+ NetworkManager)."""
    root = root or debroot.load()
    if root is None:
        raise LabError(f"{scenario.key} needs the extracted Debian tree (python -m tests.lab fetch)")
    stack = Stack(ns, root, run_dir / "stack")
    stack.workdir.mkdir()
    stack.mount_namespace(scenario.resolv, scenario.laptop_dns)
    stack.dbus()
    stack.resolved()
    if scenario.dns is sc.Dns.NM:
        _nm_lan(stack, scenario)
    else:
        # What DHCP on the home network gives the LAN link (as networkd would).
        stack.link_dns("eth0", scenario.lan_link_dns, default_route=True)
    return stack


def _keyfile(stack: Stack, name: str, lines: list[str]) -> None:
    path = stack.workdir / f"etc/NetworkManager/system-connections/{name}.nmconnection"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)


def _nm_lan(stack: Stack, scenario: sc.Scenario) -> None:
    """NetworkManager owns eth0 with the lab's addresses (as DHCP/RA would give them) and hands
    its DNS to resolved; the VPN then has a base connection."""
    dns4 = [s for s in scenario.lan_link_dns if ":" not in s]
    dns6 = [s for s in scenario.lan_link_dns if ":" in s]
    _keyfile(stack, "lan", [
        "[connection]", "id=lan", "uuid=0b8f3f8e-3c55-4d6e-9a43-5f1d3f3f0a01", "type=ethernet",
        "interface-name=eth0", "autoconnect=false", "",
        "[ipv4]", "method=manual", "address1=192.168.1.100/24,192.168.1.1",
        *([f"dns={';'.join(dns4)};"] if dns4 else []), "",
        "[ipv6]", "method=manual", f"address1={sc.LAPTOP6}/64,{sc.HOME_RESOLVER6}",
        *([f"dns={';'.join(dns6)};"] if dns6 else []), "addr-gen-mode=eui64", ""])
    stack.network_manager()
    stack.run(["nmcli", "connection", "reload"])
    _nmcli_up(stack, "lan")


def _nmcli_up(stack: Stack, connection: str) -> None:
    up = stack.run(["nmcli", "--wait", str(int(VPN_WAIT)), "connection", "up", connection], check=False,
                   timeout=VPN_WAIT + 5)
    if up.returncode != 0:
        nm_log = (stack.workdir / "nm.log").read_text(errors="replace")
        raise LabError(f"nmcli connection up {connection} -> {up.returncode}: {up.stderr.strip()}\n"
                       f"{nm_log[-3000:]}")


def _nm_openvpn(running: Running, pki: Pki) -> Path:
    """The VPN as a NetworkManager connection (OpenVPN plugin), brought up with nmcli."""
    ns, scenario, stack = running.ns, running.scenario, running.stack
    assert stack is not None
    _openvpn_server(ns, scenario, running.workdir, pki)
    # What a user does with the .ovpn the administrator sent: import it, and tick "use this
    # connection only for resources on its network" (never-default), else NetworkManager
    # makes the VPN the default route whatever the server pushed.
    profile = running.workdir / "cvpn.ovpn"
    profile.write_text("\n".join([
        "client", "dev tun", "proto udp", f"remote {sc.ENDPOINT_PUBLIC} 1194", "nobind",
        "remote-cert-tls server", f"ca {pki.ca}", f"cert {pki.client_cert}", f"key {pki.client_key}",
        "verb 3", ""]))
    stack.run(["nmcli", "connection", "import", "type", "openvpn", "file", str(profile)])
    settings = ["ipv4.never-default", "yes", "ipv6.method", "ignore", "+vpn.data", "dev=tun0"]
    if scenario.tun_domains != ("~.",):
        # AWS cannot push a domain: the user routes the VPC's domain to the VPN by hand.
        settings += ["ipv4.dns-search", ",".join(scenario.tun_domains)]
    stack.run(["nmcli", "connection", "modify", "cvpn", *settings])
    _nmcli_up(stack, "cvpn")
    _cut_openvpn_log(stack.workdir / "nm.log", running.client_log)
    if scenario.tun_domains:
        # NetworkManager hands the servers to resolved just after the activation completes.
        wait_for(lambda: all(a in stack.resolvectl("dns", "tun0", check=False).stdout for a in scenario.pushed_dns),
                 DNS_WAIT, "NetworkManager to give resolved tun0's servers")
    return profile


def _cut_openvpn_log(nm_log: Path, out: Path) -> None:
    """OpenVPN's own lines from NetworkManager's output (not NM's <level> lines, not the
    plugin's nm-openvpn[pid] lines): the log a user would export from the journal."""
    def done() -> bool:
        text = nm_log.read_text(errors="replace")
        return "Initialization Sequence Completed" in text
    wait_for(done, VPN_WAIT, f"OpenVPN's 'Initialization Sequence Completed' in {nm_log}")
    # OpenVPN's lines start with its timestamp; at --verb 5 (the plugin's) they may follow
    # the R/W packet characters it prints without a newline.
    stamp = re.compile(r"^[RrWw]*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*)$")
    lines = [m[1] for line in nm_log.read_text(errors="replace").splitlines() if (m := stamp.match(line))]
    out.write_text("\n".join(lines) + "\n")


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
ENTER = STATE.parent / "cvdlab-laptop"     # `make lab`'s nsenter script into the laptop


def save_state(running: Running, workdir: Path) -> None:
    if running.stack is not None:
        shutil.copy(running.stack.enter_script(), ENTER)
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
    kill_pids([p for name in state["namespaces"] if name in list_netns() for p in namespace_pids(name)])
    problems += delete_namespaces(state["namespaces"])
    shutil.rmtree(state["workdir"], ignore_errors=True)
    STATE.unlink()
    ENTER.unlink(missing_ok=True)
    return problems


def _is_lab_process(pid: int) -> bool:
    """Guard against pid reuse: only kill a process of a kind the lab starts."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return Path(cmd.decode(errors="replace")).name in (
        "dnsmasq", "openvpn", "tcpdump", "ip", "sleep", "dbus-daemon", "systemd-resolved", "NetworkManager")
