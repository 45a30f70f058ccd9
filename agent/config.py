"""Organisation defaults in TOML (``--config FILE``, or the default location per OS).

Example::

    # names to test, with what they must resolve to: an IP, "private" or "public"
    [names]
    "test.example.local" = "10.123.2.1"
    "db.example.internal" = "private"

    expected_dns = ["10.123.0.2"]     # the DNS servers the endpoint should push
    profile = "~/vpn/corp.ovpn"       # the .ovpn profile in use
    timeout = 3                       # global probe deadline, seconds
    canary = "aws.amazon.com"         # the public name every resolver should answer
    large_answer_name = "big.corp.internal"   # a name with a large TXT answer (1.5-4 KB): asked
                                      # of the VPN's servers with an EDNS buffer of 4096 over UDP
                                      # and TCP (dns-large-answer-lost); none: not probed

Top-level keys must come before ``[names]`` (TOML puts later keys into that table).
Invalid input raises :class:`ConfigError` naming the key and the line.
"""
from __future__ import annotations

import ipaddress
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from agent.model import NameCheck, Platform

MAX_TIMEOUT_S = 60.0
_NAME = re.compile(r"^(?=.{1,253}\.?$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
                   r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$")
_KEYS = ("names", "expected_dns", "profile", "timeout", "canary", "large_answer_name")


class ConfigError(Exception):
    """The config file is unreadable or invalid; the message names the file, key and line."""


@dataclass(frozen=True)
class OrgConfig:
    names: tuple[NameCheck, ...] = ()
    expected_dns: tuple[str, ...] = ()
    profile: str | None = None
    timeout: float | None = None
    canary: str | None = None
    path: str = ""
    large_answer_name: str | None = None


def default_config_path(platform: Platform | None = None, environ: Mapping[str, str] | None = None,
                        home: str | None = None) -> Path | None:
    """The per-user config file location: ``$XDG_CONFIG_HOME/cvpn-doctor/config.toml``
    (``~/.config/...``) on Linux and macOS, ``%APPDATA%\\cvpn-doctor\\config.toml`` on Windows.
    None when the OS is unknown."""
    if platform is None:
        from platforms import UnsupportedPlatform, current_platform
        try:
            platform = current_platform()
        except UnsupportedPlatform:
            return None
    environ = os.environ if environ is None else environ
    home = home or os.path.expanduser("~")
    if platform is Platform.WINDOWS:
        base = environ.get("APPDATA") or str(Path(home) / "AppData" / "Roaming")
        return Path(base) / "cvpn-doctor" / "config.toml"
    base = environ.get("XDG_CONFIG_HOME") or str(Path(home) / ".config")
    return Path(base) / "cvpn-doctor" / "config.toml"


def _line_of(text: str, key: str, table: str | None = None) -> int | None:
    """The 1-based line where ``key`` is assigned (inside ``[table]`` when given)."""
    current: str | None = None
    if key.endswith("."):   # an unquoted dotted key: "db.example.internal = ..." starts with "db."
        pattern = re.compile(r"^\s*" + re.escape(key[:-1]) + r"\s*\.")
    else:
        pattern = re.compile(r'^\s*(?:"' + re.escape(key) + r'"|\'' + re.escape(key) + r'\'|' + re.escape(key)
                             + r')\s*=')
    for n, line in enumerate(text.splitlines(), start=1):
        head = re.match(r"^\s*\[\s*([^\]]+?)\s*\]\s*(?:#.*)?$", line)
        if head:
            current = head.group(1).strip().strip('"')
            if table is None and current == key:
                return n
            continue
        if current == table and pattern.match(line):
            return n
    return None


def _err(path: str, text: str, key: str, message: str, table: str | None = None) -> ConfigError:
    line = _line_of(text, key, table)
    where = f"{path}:{line}" if line else path
    shown = f"{table}.{key.rstrip('.')}" if table else key
    return ConfigError(f"{where}: {shown}: {message}")


def parse(text: str, path: str = "<config>") -> OrgConfig:
    """Parse and validate config text (pure)."""
    # imported here: every diagnose looks for the config file, few machines have one
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        m = re.search(r"at line (\d+)", str(err))
        where = f"{path}:{m.group(1)}" if m else path
        raise ConfigError(f"{where}: not valid TOML: {err}") from None
    for key in data:
        if key not in _KEYS:
            raise _err(path, text, key, f"unknown key (allowed: {', '.join(_KEYS)})")

    names: list[NameCheck] = []
    table = data.get("names", {})
    if not isinstance(table, dict):
        raise _err(path, text, "names", 'must be a table: [names] then "name" = "10.0.0.1" | "private" | "public"')
    for name, expected in table.items():
        if name in _KEYS and name != "names":
            raise _err(path, text, name, "top-level keys must come before the [names] table", table="names")
        if isinstance(expected, dict):
            raise _err(path, text, name + ".", 'a name with dots must be quoted: "db.example.internal" = "private"',
                       table="names")
        if not _NAME.match(name):
            raise _err(path, text, name, "is not a DNS name", table="names")
        if not isinstance(expected, str):
            raise _err(path, text, name, 'the expectation must be a string: an IP address, "private" or "public"',
                       table="names")
        exp: str | None                 # None: "any" (no expectation)
        exp = expected.strip()
        if exp.lower() in ("private", "public"):
            exp = exp.lower()
        elif exp in ("", "any"):
            exp = None
        else:
            try:
                ipaddress.ip_address(exp)
            except ValueError:
                raise _err(path, text, name, f'{expected!r} is not an IP address, "private" or "public"',
                           table="names") from None
        if name.lower() in {n.name.lower() for n in names}:
            raise _err(path, text, name, "is listed twice", table="names")
        names.append(NameCheck(name=name.rstrip("."), expected=exp, origin="config"))

    expected_dns: list[str] = []
    raw_dns = data.get("expected_dns", [])
    if isinstance(raw_dns, str):
        raw_dns = [raw_dns]
    if not isinstance(raw_dns, list):
        raise _err(path, text, "expected_dns", 'must be a list of IP addresses: ["10.0.0.2"]')
    for item in raw_dns:
        try:
            expected_dns.append(str(ipaddress.ip_address(str(item).strip())))
        except ValueError:
            raise _err(path, text, "expected_dns", f"{item!r} is not an IP address") from None
    if len(expected_dns) > 4:
        raise _err(path, text, "expected_dns", "at most 4 servers (a Client VPN endpoint pushes at most 2 per family)")

    profile = data.get("profile")
    if profile is not None:
        if not isinstance(profile, str) or not profile.strip():
            raise _err(path, text, "profile", "must be the path of a .ovpn file (a string)")
        profile = os.path.expanduser(profile.strip())

    timeout = data.get("timeout")
    if timeout is not None:
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            raise _err(path, text, "timeout", "must be a number of seconds, e.g. 3")
        if not 0 < timeout <= MAX_TIMEOUT_S:
            raise _err(path, text, "timeout", f"must be more than 0 and at most {MAX_TIMEOUT_S:g} seconds")
        timeout = float(timeout)

    canary = data.get("canary")
    if canary is not None:
        if not isinstance(canary, str) or not _NAME.match(canary.strip()):
            raise _err(path, text, "canary", "must be a DNS name, e.g. \"aws.amazon.com\"")
        canary = canary.strip().rstrip(".")

    large = data.get("large_answer_name")
    if large is not None:
        if not isinstance(large, str) or not _NAME.match(large.strip()):
            raise _err(path, text, "large_answer_name", "must be a DNS name, e.g. \"big.corp.internal\"")
        large = large.strip().rstrip(".")

    return OrgConfig(names=tuple(names), expected_dns=tuple(expected_dns), profile=profile, timeout=timeout,
                     canary=canary, path=path, large_answer_name=large)


def load(path: Path | str) -> OrgConfig:
    """Read and validate a config file; ConfigError names the file, key and line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    cfg = parse(text, str(path))
    if cfg.profile and not os.path.isabs(cfg.profile):
        # a relative profile path means: next to the config file (an org ships both together)
        cfg = OrgConfig(cfg.names, cfg.expected_dns, str(path.parent / cfg.profile), cfg.timeout, cfg.canary, cfg.path,
                        cfg.large_answer_name)
    return cfg


def run_options(names=(), *, timeout: float | None = None, log_file: Path | None = None,
                profile: Path | None = None, config: Path | None = None, probe: bool = True):
    """``run.Options`` from the command line's values merged with the organisation's config file
    (``config``, else the platform's default path when that file exists).  A value given on the
    command line wins over the file; a ``--name`` wins over the file's entry for the same name.
    Raises :class:`ConfigError` for a file that cannot be read or parsed."""
    from agent import run

    context: dict[str, Any] = {}
    expected_dns: tuple[str, ...] = ()
    canary = None
    large_answer = None
    cfg_path = config
    if cfg_path is None:
        default = default_config_path()
        cfg_path = default if default is not None and default.exists() else None
    if cfg_path is not None:
        cfg = load(cfg_path)
        given = {m.name for m in names}
        names = tuple(names) + tuple(n for n in cfg.names if n.name not in given)
        expected_dns = tuple(cfg.expected_dns)
        canary = cfg.canary
        large_answer = cfg.large_answer_name
        timeout = timeout if timeout is not None else cfg.timeout
        profile = profile if profile is not None else (Path(cfg.profile) if cfg.profile else None)
        context["config"] = str(cfg_path)
    timeout = timeout if timeout is not None else run.DEFAULT_TIMEOUT_S
    context["timeout_s"] = timeout
    if expected_dns:
        context["expected_dns"] = list(expected_dns)  # so `analyze` re-classifies with them
    return run.Options(names=tuple(names), timeout_s=timeout, log_path=str(log_file) if log_file else None,
                       profile_path=str(profile) if profile else None, expected_dns=expected_dns,
                       canary=canary, large_answer_name=large_answer, probe=probe, context=context)
