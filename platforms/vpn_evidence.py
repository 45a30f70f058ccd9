"""VPN evidence: find the newest OpenVPN / AWS VPN Client log and profile (I/O), and fold what
they say into a Snapshot (pure).

* :func:`vpn_sources` looks in the documented places per OS (AWS Client VPN user guide,
  reference/failure-catalogue.md) through the injected :class:`platforms.base.Env` -- file
  reads via ``env.read``, directory listings via ``env.extra['listdir']`` (default
  :func:`list_files`), the home directory via ``env.extra['home']`` and environment variables
  via ``env.extra['environ']`` -- and returns captures ``vpn-log`` and ``vpn-profile``.
  The profile's inline key/certificate blocks are removed before the text enters the capture.
* :func:`attach_vpn_evidence` parses those captures and fills ``snapshot.vpn.pushed``,
  ``profile``, ``log_path``, ``connected_at``, ``disconnected_at`` and ``log_errors``, with a
  trace line for each decision.
"""
from __future__ import annotations

import logging
import ntpath
import os
import posixpath
import time
from dataclasses import replace
from typing import Callable, Iterable

from agent.model import CollectionError, Evidence, Platform, RawCapture, Snapshot, SourceCapture, SourceKind
from platforms.base import Env, ParseError
from platforms.parsers import openvpn_log, ovpn_profile

log = logging.getLogger(__name__)

LOG_SOURCE = "vpn-log"
PROFILE_SOURCE = "vpn-profile"
MAX_LOG_LINES = 5000          # keep the tail: the last PUSH_REPLY and the last connect/disconnect are at the end
MAX_CANDIDATES = 500          # files looked at per directory (a log folder of years of sessions)

Listdir = Callable[[str], Iterable[tuple[str, float]]]


def list_files(path: str) -> list[tuple[str, float]]:
    """The regular files directly in ``path`` as (full path, mtime). Raises OSError when the
    directory cannot be listed."""
    out = []
    with os.scandir(path) as it:
        for entry in it:
            try:
                if entry.is_file():
                    out.append((entry.path, entry.stat().st_mtime))
            except OSError:
                continue
    return out


def _join(platform: Platform, *parts: str) -> str:
    return (ntpath if platform is Platform.WINDOWS else posixpath).join(*parts)


def log_dirs(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    """Where the AWS VPN Client, OpenVPN GUI/Connect and Tunnelblick keep their logs, per OS."""
    j = lambda *p: _join(platform, *p)  # noqa: E731
    user = environ.get("USER") or environ.get("USERNAME") or posixpath.basename(home.rstrip("/\\"))
    if platform is Platform.WINDOWS:
        appdata = environ.get("APPDATA") or j(home, "AppData", "Roaming")
        programdata = environ.get("ProgramData") or environ.get("PROGRAMDATA") or "C:\\ProgramData"
        programfiles = environ.get("ProgramFiles") or environ.get("PROGRAMFILES") or "C:\\Program Files"
        return (j(appdata, "AWSVPNClient", "logs"),
                j(programdata, "Amazon", "AWSVPNClient", "logs"),
                j(programfiles, "Amazon", "AWS VPN Client", "WinServiceLogs", user),
                j(appdata, "OpenVPN Connect", "logs"),
                j(home, "OpenVPN", "log"))
    if platform is Platform.MACOS:
        return (j(home, ".config", "AWSVPNClient", "logs"),
                "/var/log/AWSVPNClient",
                "/tmp",  # old AWS clients: /tmp/AcvcHelperOutLog.txt (filtered by name below)
                "/Library/Application Support/Tunnelblick/Logs",
                j(home, "Library", "Application Support", "OpenVPN Connect", "logs"),
                "/Library/Application Support/OpenVPN/log")
    return (j(home, ".config", "AWSVPNClient", "logs"),
            j(home, ".config", "AWSVPNClient"),
            j("/var/log/aws-vpn-client", user),
            "/var/log/aws-vpn-client",
            "/var/log/openvpn")


def profile_dirs(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    """Where the AWS VPN Client stores imported profiles."""
    if platform is Platform.WINDOWS:
        appdata = environ.get("APPDATA") or _join(platform, home, "AppData", "Roaming")
        return (_join(platform, appdata, "AWSVPNClient", "OpenVpnConfigs"),)
    return (_join(platform, home, ".config", "AWSVPNClient", "OpenVpnConfigs"),)


def _log_rank(path: str) -> int:
    """Higher is a better log candidate: OpenVPN's own log (PUSH_REPLY lives there) beats the
    AWS client's application log; anything else that looks like a log comes last; 0 = skip."""
    name = ntpath.basename(path).lower()
    if name.startswith("ovpn_") or "openvpn" in name:
        return 3
    if name.startswith("acvchelper"):
        return 2
    if name.startswith("aws_vpn_client") or name.startswith("configure-dns"):
        return 0  # application / DNS-hook logs: no PUSH_REPLY
    if name.endswith((".log", ".txt")) and not posixpath.dirname(path) == "/tmp":
        return 1
    return 0


def _newest(env: Env, dirs: Iterable[str], rank: Callable[[str], int]) -> tuple[str | None, list[str]]:
    """The best-ranked, then newest file in ``dirs`` (None if none), and the directories looked in."""
    listdir: Listdir = env.extra.get("listdir", list_files)
    best: tuple[int, float, str] | None = None
    looked: list[str] = []
    for d in dirs:
        looked.append(d)
        try:
            files = [(p, m, rank(p)) for p, m in listdir(d)]
        except OSError as err:
            log.debug("cannot list %s: %s", d, err)
            continue
        # rank first, then cap: /tmp may hold thousands of unrelated files
        for path, mtime, r in [f for f in files if f[2] > 0][:MAX_CANDIDATES]:
            key = (r, mtime, path)
            if best is None or key > best:
                best = key
    return (best[2] if best else None), looked


def _read(env: Env, source_id: str, path: str, transform: Callable[[str], tuple[str, bool]]) -> SourceCapture:
    started = time.perf_counter()
    try:
        text = env.read(path)
    except FileNotFoundError:
        return SourceCapture(id=source_id, kind=SourceKind.FILE, path=path, error=f"{path} does not exist")
    except PermissionError:
        return SourceCapture(id=source_id, kind=SourceKind.FILE, path=path, error=f"no permission to read {path}")
    except OSError as err:
        return SourceCapture(id=source_id, kind=SourceKind.FILE, path=path,
                             error=f"could not read {path}: {err.strerror or err}")
    text, truncated = transform(text)
    return SourceCapture(id=source_id, kind=SourceKind.FILE, path=path, text=text, truncated=truncated,
                         duration_s=time.perf_counter() - started)


def _tail(text: str) -> tuple[str, bool]:
    # Session tokens never enter a capture (and so never a report, redacted or not).
    lines = text.splitlines(keepends=True)
    if len(lines) <= MAX_LOG_LINES:
        return openvpn_log.scrub_secrets(text), False
    return openvpn_log.scrub_secrets("".join(lines[-MAX_LOG_LINES:])), True


def _profile_text(text: str) -> tuple[str, bool]:
    # Keys and certificates never enter a capture (and so never a bundle).
    return ovpn_profile.strip_secrets(text), False


def vpn_sources(env: Env, platform: Platform, log_path: str | None = None,
                profile_path: str | None = None) -> tuple[SourceCapture, ...]:
    """Capture the VPN log and profile: the given paths, else the newest in the known places.

    Never raises.  When nothing is found the capture has ``path=None`` and an ``error`` saying
    where it looked (absence is normal: a user may not use the AWS client)."""
    home = env.extra.get("home") or os.path.expanduser("~")
    environ = env.extra.get("environ", os.environ)
    caps: list[SourceCapture] = []

    if log_path:
        caps.append(_read(env, LOG_SOURCE, log_path, _tail))
    else:
        found, looked = _newest(env, log_dirs(platform, home, environ), _log_rank)
        if found:
            caps.append(_read(env, LOG_SOURCE, found, _tail))
        else:
            caps.append(SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE,
                                      error="no OpenVPN / AWS VPN Client log found in " + ", ".join(looked)))

    if profile_path:
        caps.append(_read(env, PROFILE_SOURCE, profile_path, _profile_text))
    else:
        found, looked = _newest(env, profile_dirs(platform, home, environ), lambda p: 1)
        if found:
            caps.append(_read(env, PROFILE_SOURCE, found, _profile_text))
        else:
            caps.append(SourceCapture(id=PROFILE_SOURCE, kind=SourceKind.FILE,
                                      error="no AWS VPN Client profile found in " + ", ".join(looked)))
    return tuple(caps)


# --------------------------------------------------------------------------- pure part


def _fmt(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


def attach_vpn_evidence(snapshot: Snapshot, raw: RawCapture) -> Snapshot:
    """Fold the ``vpn-log`` / ``vpn-profile`` captures of ``raw`` into ``snapshot.vpn`` (pure).

    A log or profile that could not be read because it was not found adds a trace line only;
    one that was named but unreadable, or does not parse, adds a CollectionError."""
    vpn = snapshot.vpn
    errors = list(snapshot.errors)
    trace = list(snapshot.trace)
    captured = set(snapshot.captured)

    src = raw.get(LOG_SOURCE)
    if src is not None:
        if src.text is None:
            if src.path:
                errors.append(CollectionError(source=LOG_SOURCE, message=f"the VPN log could not be read: {src.error}"))
            trace.append(f"vpn-log: {src.error or 'not available'}")
        else:
            try:
                parsed = openvpn_log.parse(src.text, source=src.path or "")
            except ParseError as err:
                errors.append(CollectionError(source=LOG_SOURCE, message=f"{src.path or 'the VPN log'}: {err}"))
                trace.append(f"vpn-log: {src.path}: not an OpenVPN log, ignored")
            else:
                vpn = replace(vpn, pushed=parsed.pushed, log_path=src.path, connected_at=parsed.connected_at,
                              disconnected_at=parsed.disconnected_at, log_errors=parsed.errors)
                captured.add(Evidence.VPN_LOG)
                p = parsed.pushed
                if p is not None:
                    tunnel = "full (redirect-gateway)" if p.redirect_gateway else f"split ({len(p.routes)} routes)"
                    trace.append(f"vpn-log: {src.path}: last PUSH_REPLY at {p.seen_at or 'unknown time'}: "
                                 f"dns={_fmt(p.dns_servers)} tunnel={tunnel} ifconfig={p.ifconfig or 'none'}")
                else:
                    trace.append(f"vpn-log: {src.path}: no PUSH_REPLY in the log")
                if parsed.filtered:
                    trace.append(f"vpn-log: pull-filter dropped pushed options: {_fmt(parsed.filtered)}")
                if parsed.connected is True:
                    trace.append(f"vpn-log: last event is a connect at {parsed.connected_at or 'unknown time'}")
                elif parsed.connected is False:
                    trace.append(f"vpn-log: last event is a disconnect at {parsed.disconnected_at or 'unknown time'}")
                if parsed.unresolvable_endpoint:
                    trace.append(f"vpn-log: the client could not resolve {parsed.unresolvable_endpoint}")
                if src.truncated:
                    trace.append(f"vpn-log: only the last {MAX_LOG_LINES} lines were kept")

    src = raw.get(PROFILE_SOURCE)
    if src is not None:
        if src.text is None:
            if src.path:
                errors.append(CollectionError(source=PROFILE_SOURCE,
                                              message=f"the VPN profile could not be read: {src.error}"))
            trace.append(f"vpn-profile: {src.error or 'not available'}")
        else:
            try:
                profile = ovpn_profile.parse(src.text, path=src.path or "")
            except ParseError as err:
                errors.append(CollectionError(source=PROFILE_SOURCE, message=f"{src.path or 'the profile'}: {err}"))
                trace.append(f"vpn-profile: {src.path}: not an OpenVPN profile, ignored")
            else:
                vpn = replace(vpn, profile=profile)
                captured.add(Evidence.VPN_PROFILE)
                trace.append(f"vpn-profile: {src.path}: endpoint={profile.endpoint_id or 'unknown'} "
                             f"region={profile.region or 'unknown'} remote={profile.remote_host or 'none'}:"
                             f"{profile.remote_port or ''} proto={profile.proto or 'default'} "
                             f"remote-random-hostname={'yes' if profile.remote_random_hostname else 'no'}")
    return replace(snapshot, vpn=vpn, errors=tuple(errors), trace=tuple(trace),
                   captured=tuple(e for e in Evidence if e in captured))
