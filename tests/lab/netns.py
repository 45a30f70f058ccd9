"""Network namespaces and processes for the lab: create, link, run in, tear down.

Everything here is bounded: every command has a timeout, every wait has a deadline, and
every process the lab starts is recorded by pid so teardown kills exactly those.
Namespaces are named ``<prefix><role>`` where the prefix is unique per run
(``cvd<pid>-``), so a second run right after the first, or two runs side by side, never
meet.  No veth ever ends in the host's namespace: links are created inside a lab
namespace with their peer moved straight into another lab namespace.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CMD_TIMEOUT = 10.0
NETNS_ETC = Path("/etc/netns")


class LabError(RuntimeError):
    """The lab could not be built or a bounded wait ran out."""


def sh(argv: list[str], *, timeout: float = CMD_TIMEOUT, check: bool = True,
       ) -> subprocess.CompletedProcess[str]:
    """Run one command (argv list, LC_ALL=C, bounded); raise LabError when it fails."""
    env = dict(os.environ, LC_ALL="C")
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        raise LabError(f"timed out after {timeout}s: {' '.join(argv)}") from exc
    if check and proc.returncode != 0:
        raise LabError(f"{' '.join(argv)} -> {proc.returncode}: {proc.stderr.strip()}")
    return proc


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05) -> None:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass (then LabError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise LabError(f"gave up after {timeout}s waiting for {what}")


def list_netns() -> list[str]:
    out = sh(["ip", "netns", "list"]).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


@dataclass
class Namespaces:
    """The lab's namespaces and the processes started in them (by pid)."""
    prefix: str
    names: dict[str, str] = field(default_factory=dict)   # role -> namespace name
    pids: list[int] = field(default_factory=list)

    def add(self, role: str) -> str:
        name = f"{self.prefix}{role}"
        sh(["ip", "netns", "add", name])
        self.names[role] = name
        sh(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def __getitem__(self, role: str) -> str:
        return self.names[role]

    def ip(self, role: str, *args: str) -> None:
        sh(["ip", "-n", self.names[role], *args])

    def exec_argv(self, role: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.names[role], *argv]

    def run(self, role: str, argv: list[str], **kw) -> subprocess.CompletedProcess[str]:
        return sh(self.exec_argv(role, argv), **kw)

    def sysctl(self, role: str, key: str, value: str) -> None:
        # procps may be absent; /proc/sys/net is per network namespace.
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(role, ["sh", "-c", f"echo {value} > {path}"])

    def link(self, a: str, a_if: str, a_addrs: list[str], b: str, b_if: str, b_addrs: list[str]) -> None:
        """A veth between two lab namespaces, both ends up, with their addresses."""
        sh(["ip", "-n", self.names[a], "link", "add", a_if, "type", "veth",
            "peer", "name", b_if, "netns", self.names[b]])
        for role, ifname, addrs in ((a, a_if, a_addrs), (b, b_if, b_addrs)):
            for addr in addrs:
                # IPv6: no duplicate address detection (an address is usable at once, not
                # "tentative" for a second or two; nothing else is on these links).
                self.ip(role, "addr", "add", addr, "dev", ifname, *(("nodad",) if ":" in addr else ()))
            self.ip(role, "link", "set", ifname, "up")
        # IPv6: each end knows the other's link-layer address for good (a permanent neighbour
        # entry).  A neighbour solicitation sent while a veth is still coming up is lost and
        # the next one leaves a second later: a 1 s DNS probe right after bring-up timed out.
        if any(":" in x for x in a_addrs + b_addrs):
            macs = {r: self._mac(r, i) for r, i in ((a, a_if), (b, b_if))}
            for role, ifname, peer, peer_addrs in ((a, a_if, b, b_addrs), (b, b_if, a, a_addrs)):
                for addr in peer_addrs:
                    if ":" in addr:
                        self.ip(role, "-6", "neigh", "replace", addr.split("/")[0], "lladdr", macs[peer],
                                "dev", ifname, "nud", "permanent")

    def _mac(self, role: str, ifname: str) -> str:
        import json
        out = sh(["ip", "-n", self.names[role], "-j", "link", "show", "dev", ifname]).stdout
        return json.loads(out)[0]["address"]

    def resolv_conf(self, role: str) -> Path:
        """The file `ip netns exec` bind-mounts over /etc/resolv.conf in that namespace."""
        return NETNS_ETC / self.names[role] / "resolv.conf"

    def write_resolv_conf(self, role: str, nameservers: list[str]) -> None:
        path = self.resolv_conf(role)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"nameserver {ns}\n" for ns in nameservers)
                        + "options timeout:1 attempts:1\n")

    def spawn(self, role: str, argv: list[str], log_path: Path) -> subprocess.Popen:
        """Start a long-running process in a namespace, detached, output to log_path."""
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(self.exec_argv(role, argv), stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.pids.append(proc.pid)
        log.debug("started pid %d in %s: %s", proc.pid, role, " ".join(argv))
        return proc

    def teardown(self) -> list[str]:
        """Kill our processes, delete our namespaces and /etc/netns dirs; return problems."""
        problems = kill_pids(self.pids)
        self.pids.clear()
        # What our processes started in our namespaces (NetworkManager's VPN plugin and its
        # openvpn): found by `ip netns pids` of these namespaces, killed by pid.
        stray = [p for name in self.names.values() for p in namespace_pids(name)]
        kill_pids(stray)
        problems += delete_namespaces(list(self.names.values()))
        self.names.clear()
        return problems


def kill_pids(pids: list[int], grace: float = 3.0) -> list[str]:
    """SIGTERM each pid (ours only), then SIGKILL what is left after ``grace`` seconds."""
    problems: list[str] = []
    alive = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if _running(p)]
        if alive:
            time.sleep(0.05)
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        problems.append(f"pid {pid} needed SIGKILL")
    for pid in alive:
        _running(pid)
    return problems


def _running(pid: int) -> bool:
    """True while pid exists and is not a zombie (reaping our own children)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    except ChildProcessError:
        pass  # not our child (started by an earlier `make lab`): fall back to kill(0)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def namespace_pids(name: str) -> list[int]:
    out = sh(["ip", "netns", "pids", name], check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def delete_namespaces(names: list[str]) -> list[str]:
    problems: list[str] = []
    existing = set(list_netns())
    for name in names:
        if name in existing:
            proc = sh(["ip", "netns", "del", name], check=False)
            if proc.returncode != 0:
                problems.append(f"ip netns del {name}: {proc.stderr.strip()}")
        etc = NETNS_ETC / name
        if etc.is_dir():
            for child in etc.iterdir():
                child.unlink()
            etc.rmdir()
    return problems


def sweep_orphans() -> list[str]:
    """Remove namespaces left by a lab run that died hard (``cvd<pid>-*`` with that pid gone).

    Their processes were started by that run inside its own namespaces; they are killed by
    the pids `ip netns pids` lists for those namespaces, nothing else.
    """
    swept = []
    for name in list_netns():
        match = re.fullmatch(r"cvd(\d+)-\w+", name)
        if match is None or Path(f"/proc/{match[1]}").exists():
            continue
        kill_pids(namespace_pids(name))
        delete_namespaces([name])
        swept.append(name)
    return swept

