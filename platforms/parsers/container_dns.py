"""DNS settings of containers and WSL, from the files that hold them (pure).

* :func:`docker_daemon` -- Docker's ``daemon.json`` (``/etc/docker/daemon.json``,
  ``~/.docker/daemon.json`` of Docker Desktop): ``"dns": [...]`` replaces the servers every
  container gets; without it containers copy the host's resolv.conf, and on a host whose
  resolv.conf is the systemd-resolved stub they get ``/run/systemd/resolve/resolv.conf`` -- every
  link's servers in one flat list (docker/for-linux#979).
* :func:`wslconfig` -- WSL 2's ``%UserProfile%\\.wslconfig`` ``[wsl2]`` (or the older
  ``[experimental]``) ``networkingMode``, ``dnsTunneling``, ``dnsProxy`` (Microsoft Learn, "Advanced
  settings configuration in WSL").
* :func:`wsl_conf` -- ``/etc/wsl.conf`` inside a distribution: ``[network] generateResolvConf``.
* :func:`inside_wsl` -- ``/proc/sys/kernel/osrelease`` of a WSL kernel says ``microsoft``.

Garbage raises :class:`ParseError`; files that set nothing relevant give records without settings.
"""
from __future__ import annotations

import configparser
import ipaddress
import re

from agent.model import ContainerDns
from platforms.base import ParseError, load_json

WSL_KEYS = ("networkingmode", "dnstunneling", "dnsproxy", "firewall", "autoproxy")


def docker_daemon(text: str, source: str) -> ContainerDns:
    data = load_json(text or "{}", f"{source} (daemon.json)")
    if not isinstance(data, dict):
        raise ParseError(f"{source}: daemon.json is not a JSON object")
    servers = []
    dns = data.get("dns")
    for s in dns if isinstance(dns, list) else ():
        try:
            ipaddress.ip_address(str(s).split("%", 1)[0])
        except ValueError:
            continue
        servers.append(str(s))
    settings = {k: " ".join(map(str, data[k])) if isinstance(data[k], list) else str(data[k])
                for k in ("dns-search", "dns-opts", "bip") if k in data}
    return ContainerDns(kind="docker", source=source, dns_servers=tuple(servers), settings=settings)


def _ini(text: str, source: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(interpolation=None, strict=False, inline_comment_prefixes=("#", ";"))
    try:
        cp.read_string(text, source=source)
    except configparser.Error as err:
        raise ParseError(f"{source}: not an INI file ({str(err).splitlines()[0]})") from None
    return cp


def wslconfig(text: str, source: str) -> ContainerDns:
    cp = _ini(text, source)
    settings: dict[str, str] = {}
    for section in ("experimental", "wsl2"):          # [wsl2] wins over the older [experimental]
        if cp.has_section(section):
            for key, value in cp.items(section):
                if key.lower() in WSL_KEYS:
                    settings[_canonical(key)] = value.strip().strip('"').lower()
    return ContainerDns(kind="wslconfig", source=source, settings=settings)


def wsl_conf(text: str, source: str) -> ContainerDns:
    cp = _ini(text, source)
    settings = {}
    if cp.has_section("network"):
        for key, value in cp.items("network"):
            if key.lower() in ("generateresolvconf", "generatehosts"):
                settings[_canonical(key)] = value.strip().strip('"').lower()
    return ContainerDns(kind="wsl.conf", source=source, settings=settings)


def _canonical(key: str) -> str:
    return {"networkingmode": "networkingMode", "dnstunneling": "dnsTunneling", "dnsproxy": "dnsProxy",
            "firewall": "firewall", "autoproxy": "autoProxy", "generateresolvconf": "generateResolvConf",
            "generatehosts": "generateHosts"}.get(key.lower(), key)


def inside_wsl(osrelease: str) -> bool:
    """A WSL kernel's release string names Microsoft ("5.15.133.1-microsoft-standard-WSL2")."""
    return bool(re.search(r"microsoft|\bWSL", osrelease, re.I))


def is_true(value: str | None) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "1", "yes", "on"):
        return True
    if value.lower() in ("false", "0", "no", "off"):
        return False
    return None
