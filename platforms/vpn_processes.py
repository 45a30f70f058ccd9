"""Running VPN client processes: where their log and profile are (discovery mode).

A user who started ``openvpn --config x.ovpn --log /var/log/openvpn.log`` by hand, or whose
client runs OpenVPN with ``--log-append``, has a log the documented folders do not hold;
the running process's own arguments say where it is.  ``read_processes`` (I/O, psutil) lists
OpenVPN-like processes with their argv and working directory; ``paths_of`` (pure) finds the
log and the configuration in an argv.  Values of options that may carry a secret are dropped
before anything is captured.
"""
from __future__ import annotations

import ntpath
import os
import posixpath
import re

from agent import source_ids

SOURCE_ID = source_ids.VPN_PROCESSES
# OpenVPN 2.x (openvpn, openvpn.exe), the AWS VPN Client's bundled OpenVPN (acvc-openvpn),
# OpenVPN GUI's and Tunnelblick's own builds (openvpn-<version>...).
_NAME = re.compile(r"^(?:acvc-)?openvpn(?:[-_.][\w.-]*)?(?:\.exe)?$", re.I)
_SECRET_OPTION = re.compile(r"pass|token|secret|key|auth-user|askpass|pkcs12|cert", re.I)
MAX_PROCESSES = 20


def _scrub(argv: list[str]) -> list[str]:
    """argv with the value after any secret-bearing option replaced."""
    out: list[str] = []
    drop = False
    for arg in argv:
        if drop:
            out.append("<dropped>")
            drop = False
            continue
        out.append(arg)
        if arg.startswith("--") and _SECRET_OPTION.search(arg) and "=" not in arg:
            drop = True
    return out


def _net_namespace(pid: int | str) -> str | None:
    """The network namespace of a process (Linux), None where it cannot be read."""
    try:
        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None


def read_processes() -> list[dict]:
    """OpenVPN-like processes the current user can see (pid, name, argv, cwd), in this network
    namespace: a client running in a container or another namespace carries another network's
    VPN.  psutil's AccessDenied for one process skips that process only."""
    import psutil

    ours = _net_namespace("self")
    found = []
    for proc in psutil.process_iter(["pid", "name", "cmdline", "status"]):
        try:
            name = proc.info.get("name") or ""
            argv = proc.info.get("cmdline") or []
            if not argv or proc.info.get("status") == psutil.STATUS_ZOMBIE:
                continue     # exited, not yet reaped (or a kernel thread): no client runs there
            exe = posixpath.basename(ntpath.basename(argv[0])) if argv else ""
            if not (_NAME.match(name) or _NAME.match(exe)):
                continue
            theirs = _net_namespace(proc.info["pid"]) if ours else None
            if ours and theirs and theirs != ours:
                continue
            try:
                cwd = proc.cwd()
            except (psutil.AccessDenied, psutil.ZombieProcess, OSError):
                cwd = None
            found.append({"pid": proc.info["pid"], "name": name, "argv": _scrub(list(argv)), "cwd": cwd})
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        if len(found) >= MAX_PROCESSES:
            break
    return found


def paths_of(argv: list[str], cwd: str | None) -> tuple[str | None, str | None]:
    """(log file, configuration file) named by an OpenVPN argv; relative paths are resolved
    against ``--cd`` (which OpenVPN applies first) or the process's working directory."""
    log = config = base = None
    i = 1
    while i < len(argv):
        arg = argv[i]
        key, eq, inline = arg.partition("=")
        value = inline if eq else (argv[i + 1] if i + 1 < len(argv) else None)
        step = 1 if eq else 2
        if key in ("--log", "--log-append") and value:
            log = value
        elif key in ("--config", "-config") and value:
            config = value
        elif key == "--cd" and value:
            base = value
        else:
            step = 1
            if config is None and i == 1 and not arg.startswith("-") and arg.lower().endswith((".ovpn", ".conf")):
                config = arg          # `openvpn client.ovpn`: a lone file is --config
        i += step
    join = ntpath.join if any("\\" in (p or "") for p in (log, config, base, cwd)) else posixpath.join
    isabs = ntpath.isabs if join is ntpath.join else posixpath.isabs

    def resolve(path: str | None) -> str | None:
        if path is None or isabs(path):
            return path
        root = base if base and isabs(base) else join(cwd, base) if base and cwd else cwd
        return join(root, path) if root else None

    return resolve(log), resolve(config)


_SERVER = re.compile(r"^[^\S\n]*(?:server|server-bridge|mode[^\S\n]+server)\b", re.M | re.I)
_CLIENT = re.compile(r"^[^\S\n]*(?:client|pull|tls-client)\b", re.M | re.I)


def is_server(argv: list[str], config_text: str = "") -> bool:
    """An OpenVPN server, not a client session: ``--server``/``--mode server`` in its argv, or a
    ``server``/``mode server`` directive in its configuration with no ``client``/``pull``."""
    if "--server" in argv or "--server-bridge" in argv or any(
            a == "--mode" and i + 1 < len(argv) and argv[i + 1] == "server" for i, a in enumerate(argv)):
        return True
    if "--client" in argv or "--pull" in argv:
        return False
    return bool(_SERVER.search(config_text)) and not _CLIENT.search(config_text)
