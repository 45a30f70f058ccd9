"""The laptop's Linux DNS stack: systemd-resolved, NetworkManager (+ its OpenVPN plugin) and
a private D-Bus, run from the extracted Debian tree (debroot.py) inside the laptop's network
namespace and a private mount namespace of its own.

The mount namespace is held by one process (``sleep``) started through `unshare -m
--propagation private`; its setup script mounts, with `mount -n` and LIBMOUNT_UTAB pointing
into the run directory (no bookkeeping on the host):

- ``/usr``: read-only overlay, the tree's usr over the host's (the daemons at their paths),
  under one small lab layer (see ``NM_OPENVPN_WRAPPER``);
- ``/etc``: overlay tree etc + host etc, writable upper dir in the run directory (passwd and
  group with the daemons' users, resolv.conf as the scenario wants it, resolved.conf.d,
  NetworkManager.conf and connection keyfiles);
- ``/var``: overlay with a writable upper (NetworkManager's state);
- ``/run``: a tmpfs (so /run/dbus and /run/systemd are the lab's own);
- ``/sys``: read-only (NetworkManager then does not wait for udev).

Every later process (dbus-daemon, systemd-resolved, NetworkManager, the OpenVPN client,
`resolvectl`, the doctor) joins it with `nsenter --target HOLDER --mount --net`.  resolved
gets no fallback servers, LLMNR or mDNS: it only ever asks the servers the lab gives it.
When the last of those processes is gone the mounts are gone with the namespace.
"""
from __future__ import annotations

import logging
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from tests.lab.debroot import DebRoot
from tests.lab.netns import LabError, Namespaces, kill_pids, sh, wait_for

log = logging.getLogger(__name__)

STUB = "127.0.0.53"
START_WAIT = 10.0
USERS = (  # name, uid/gid (only inside the laptop's /etc), home
    ("systemd-resolve", 990, "/"),
    ("nm-openvpn", 991, "/var/lib/openvpn/chroot"),
)


class ResolvConf(Enum):
    """What /etc/resolv.conf is on the laptop (resolved's ResolvConfMode)."""
    STUB = "stub"          # symlink to /run/systemd/resolve/stub-resolv.conf (127.0.0.53)
    UPLINK = "uplink"      # symlink to /run/systemd/resolve/resolv.conf (every server, flat)
    STATIC = "static"      # a plain file the lab writes: resolved reports "foreign"


DBUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- The lab's system bus: Debian's system.conf policy without activation, plus the
     system.d directories (the packages' own policies for resolve1 and NetworkManager). -->
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>/etc/dbus-1/system.d</includedir>
</busconfig>
"""

RESOLVED_CONF = """# The lab: nothing but the servers the lab configures (no fallback, no multicast).
[Resolve]
FallbackDNS=
LLMNR=no
MulticastDNS=no
DNSSEC=no
DNSOverTLS=no
"""

NM_CONF = """# The lab: NetworkManager hands DNS to systemd-resolved and leaves resolv.conf alone.
[main]
plugins=keyfile
dns=systemd-resolved
rc-manager=unmanaged
no-auto-default=*
auth-polkit=false

[logging]
level=INFO
domains=VPN_PLUGIN:DEBUG,VPN:INFO,DNS:DEBUG

[connectivity]
enabled=false
"""

# NetworkManager tells its VPN plugin to send OpenVPN's output to syslog, and there is no
# syslog in the lab: the lab layer puts this in front of the plugin so OpenVPN writes to
# NetworkManager's stderr (nm.log), from which the lab cuts the OpenVPN log a user would
# take from the journal (`journalctl -t nm-openvpn`).
NM_OPENVPN_WRAPPER = """#!/bin/sh
# The lab: nm-openvpn-service with OpenVPN's output on stderr instead of syslog.
NM_VPN_LOG_SYSLOG=0 exec {real} "$@"
"""

SETUP = """#!/bin/sh
# The laptop's private mount namespace (run by `unshare -m --propagation private`).
set -eu
W="$1"; R="$2"
export LIBMOUNT_UTAB="$W/utab"
mount -n -t overlay lab-usr -o "ro,lowerdir=$W/usr:$R/usr:/usr" /usr
mount -n -t overlay lab-etc -o "lowerdir=$R/etc:/etc,upperdir=$W/etc,workdir=$W/etc.work" /etc
mount -n -t overlay lab-var -o "lowerdir=$R/var:/var,upperdir=$W/var,workdir=$W/var.work" /var
mount -n -t tmpfs -o mode=0755 lab-run /run
mkdir -p /run/dbus /run/systemd /run/NetworkManager
mount -n -o remount,bind,ro /sys
: > "$W/ready"
exec sleep 86400
"""


@dataclass
class Stack:
    """The laptop's DNS stack; processes go in ``ns.pids`` (torn down with the namespaces)."""
    ns: Namespaces
    root: DebRoot
    workdir: Path                     # <run_dir>/stack
    role: str = "laptop"
    holder: int | None = None
    pids: dict[str, int] = field(default_factory=dict)

    # -- entering -------------------------------------------------------------

    def enter(self, argv: list[str], cwd: Path | str = "/") -> list[str]:
        if self.holder is None:
            raise LabError("the laptop's mount namespace is not up")
        return ["nsenter", f"--target={self.holder}", "--mount", "--net", f"--wd={cwd}", "--", *argv]

    def run(self, argv: list[str], *, check: bool = True, timeout: float = 10.0,
            ) -> subprocess.CompletedProcess[str]:
        return sh(self.enter(argv), check=check, timeout=timeout)

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        with open(self.workdir / f"{name}.log", "ab") as out:
            proc = subprocess.Popen(self.enter(argv), stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True,
                                    env=dict(os.environ, **(env or {})))
        self.ns.pids.append(proc.pid)
        self.pids[name] = proc.pid
        return proc

    def enter_script(self) -> Path:
        """A script that runs its arguments on the laptop, inside the lab's mount namespace."""
        path = self.workdir / "laptop"
        path.write_text(f"#!/bin/sh\n# Run a command on the lab laptop (its network and mount namespaces).\n"
                        f"[ $# -gt 0 ] || set -- bash\n"
                        f"exec nsenter --target={self.holder} --mount --net --wd=\"$PWD\" -- \"$@\"\n")
        path.chmod(0o755)
        return path

    # -- bring-up -------------------------------------------------------------

    def mount_namespace(self, resolv: ResolvConf, static_servers: tuple[str, ...] = ()) -> None:
        w = self.workdir
        for d in ("usr/lib/NetworkManager", "etc", "etc.work", "var", "var.work", "etc/systemd/resolved.conf.d",
                  "etc/NetworkManager/system-connections", "etc/NetworkManager/conf.d"):
            (w / d).mkdir(parents=True, exist_ok=True)
        self._users(w / "etc")
        (w / "etc/systemd/resolved.conf.d/lab.conf").write_text(RESOLVED_CONF)
        (w / "etc/NetworkManager/NetworkManager.conf").write_text(NM_CONF)
        rc = w / "etc/resolv.conf"
        if resolv is ResolvConf.STATIC:
            rc.write_text("# written by hand (a static file: resolved calls this foreign)\n"
                          + "".join(f"nameserver {s}\n" for s in static_servers)
                          + "options timeout:1 attempts:1\n")
        else:
            target = "stub-resolv.conf" if resolv is ResolvConf.STUB else "resolv.conf"
            rc.symlink_to(f"../run/systemd/resolve/{target}")
        (w / "dbus.conf").write_text(DBUS_CONF)
        wrapper = w / "usr/lib/NetworkManager/nm-openvpn-service"
        wrapper.write_text(NM_OPENVPN_WRAPPER.format(real=self.root.usr / "lib/NetworkManager/nm-openvpn-service"))
        wrapper.chmod(0o755)
        (w / "setup.sh").write_text(SETUP)
        proc = self.ns.spawn(self.role, ["unshare", "--mount", "--propagation", "private",
                                         "sh", str(w / "setup.sh"), str(w), str(self.root.path)],
                             w / "holder.log")
        self.holder = proc.pid

        def ready() -> bool:
            if proc.poll() is not None:
                raise LabError(f"mount namespace setup failed: {(w / 'holder.log').read_text()[-1500:]}")
            return (w / "ready").exists()
        wait_for(ready, START_WAIT, "the laptop's mount namespace")

    def _users(self, etc: Path) -> None:
        for name in ("passwd", "group"):
            text = Path(f"/etc/{name}").read_text()
            have = {line.split(":", 1)[0] for line in text.splitlines()}
            for user, uid, home in USERS:
                if user in have:
                    continue
                if not text.endswith("\n"):
                    text += "\n"
                text += (f"{user}:x:{uid}:{uid}:lab {user}:{home}:/usr/sbin/nologin\n" if name == "passwd"
                         else f"{user}:x:{uid}:\n")
            (etc / name).write_text(text)

    def dbus(self) -> None:
        self.spawn("dbus", ["dbus-daemon", f"--config-file={self.workdir / 'dbus.conf'}", "--nofork",
                            "--nopidfile"])
        wait_for(lambda: self._alive("dbus") and self.run(
            ["dbus-send", "--system", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.GetId"], check=False).returncode == 0,
            START_WAIT, "the lab's dbus-daemon")

    def resolved(self) -> None:
        self.spawn("resolved", ["/usr/lib/systemd/systemd-resolved"])
        wait_for(lambda: self._alive("resolved") and self.resolvectl("status", check=False).returncode == 0,
                 START_WAIT, "systemd-resolved on the lab bus")

    def resolvectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(["resolvectl", "--no-pager", *args], check=check)

    def link_dns(self, ifname: str, servers: tuple[str, ...], domains: tuple[str, ...] = (),
                 default_route: bool | None = None) -> None:
        """What a DHCP client / networkd / a VPN script tells resolved about one link."""
        self.resolvectl("dns", ifname, *servers)
        if domains:
            self.resolvectl("domain", ifname, *domains)
        if default_route is not None:
            self.resolvectl("default-route", ifname, "yes" if default_route else "no")

    def stop(self, name: str) -> None:
        """Stop one daemon (SIGTERM, bounded wait) and forget its pid."""
        pid = self.pids.pop(name)
        kill_pids([pid])
        if pid in self.ns.pids:
            self.ns.pids.remove(pid)

    def network_manager(self) -> None:
        self.spawn("nm", ["/usr/sbin/NetworkManager", "--no-daemon", "--debug"])
        wait_for(lambda: self._alive("nm") and self.run(["nmcli", "-t", "general", "status"],
                                                        check=False).returncode == 0,
                 START_WAIT, "NetworkManager on the lab bus")

    def _alive(self, name: str) -> bool:
        pid = self.pids[name]
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = 0
        if done == pid:
            text = (self.workdir / f"{name}.log").read_text(errors="replace")
            raise LabError(f"{name} exited:\n{text[-2000:]}")
        return True


def tools_missing() -> list[str]:
    """Host tools the stack needs (dbus-daemon and dbus-send come from the tree if the host has none)."""
    return [t for t in ("unshare", "nsenter", "mount") if shutil.which(t) is None]
