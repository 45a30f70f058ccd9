r"""VPN evidence: find every VPN client log, the AWS VPN Client's own evidence and the profile (I/O),
and fold what they say into a Snapshot (pure).

* :func:`vpn_sources` looks in the documented places per OS (AWS Client VPN user guide,
  docs/domain.md "Where the client-side evidence lives") through the injected :class:`platforms.base.Env` -- file
  reads via ``env.read``, directory listings via ``Hook.LISTDIR`` (default
  :func:`list_files`), the home directory via ``Hook.HOME``, environment variables
  via ``Hook.ENVIRON``, command look-up via ``Hook.WHICH`` (default
  :func:`shutil.which`) and ``Hook.EXISTS`` (default :func:`os.path.isfile`), commands
  via ``env.run`` (argv, timeout, ``LC_ALL=C``) -- and returns these captures:

  ``vpn-log``          the best OpenVPN log (the AWS client's ``ovpn_aws_vpn_client_*``, OpenVPN
                       GUI / Connect / Tunnelblick logs, ``/var/log/openvpn``), or the ``--log`` file;
  ``vpn-service-log``  the AWS client's service log (Linux ``/var/log/aws-vpn-client/<user>/``,
                       Windows ``WinServiceLogs\<user>`` or, from 6.0, ``C:\ProgramData\Amazon\
                       AWSVPNClient\logs``, macOS ``/var/log/AWSVPNClient``) that wraps OpenVPN's lines;
  ``vpn-client-log``   the AWS client's application / GUI log (``aws_vpn_client_*``, 6.x
                       ``aws_vpn_client_gui_YYYYMMDD.log``): connect, SAML state, profile name;
  ``vpn-dns-log``      the Linux ``configure-dns`` helper's log (``/var/log/aws-vpn-client/
                       configure-dns-up.log``): the pushed DNS even when no PUSH_REPLY is visible;
  ``vpn-journal``      (Linux) a bounded ``journalctl`` of the openvpn*, NetworkManager (nm-openvpn)
                       and awsvpnclient units -- optional: where journald is absent or unreadable it
                       only leaves a trace line;
  ``aws-vpn-client-connections`` / ``aws-vpn-client-status``  where the ``aws-vpn-client`` command
                       is installed: ``list-connections`` and ``get-connection-status --profile-name``;
  ``vpn-profile``      the newest imported profile (key and certificate blocks removed).

  Session tokens, management passwords and SAML responses never enter a capture.
* :func:`attach_vpn_evidence` parses those captures and fills ``snapshot.vpn``: the newest push
  (``pushed``, with its tunnel mode), connect/disconnect times and which came last, the tunnel
  device, the client, SAML state, errors, every log read, and the CLI's connection state -- with a
  trace line for each decision (including every line a parser skipped).  Absence is never a
  finding: a log that is not there says nothing.
"""
from __future__ import annotations

import logging
import ntpath
import os
import posixpath
import shutil
import time
from dataclasses import dataclass, replace
from typing import Callable, Iterable, TypeVar

from agent.model import (CollectionError, Evidence, Family, Platform, PushedConfig, RawCapture, Route, Snapshot,
                         SourceCapture, SourceKind, TunnelMode)
from agent import source_ids
from platforms import vpn_processes
from platforms.base import Env, Hook, ParseError, Source, api_capture, capture_source
from platforms.parsers import aws_vpn_cli, openvpn_log, ovpn_profile
from platforms.tunnel import client_shown

log = logging.getLogger(__name__)

LOG_SOURCE = source_ids.VPN_LOG
SERVICE_LOG_SOURCE = source_ids.VPN_SERVICE_LOG
CLIENT_LOG_SOURCE = source_ids.VPN_CLIENT_LOG
DNS_LOG_SOURCE = source_ids.VPN_DNS_LOG
JOURNAL_SOURCE = source_ids.VPN_JOURNAL
CLI_CONNECTIONS_SOURCE = source_ids.AWS_VPN_CLIENT_CONNECTIONS
CLI_STATUS_SOURCE = source_ids.AWS_VPN_CLIENT_STATUS
PROFILE_SOURCE = source_ids.VPN_PROFILE
# Log sources, in the order their evidence is preferred when times cannot be compared.
LOG_SOURCES = (LOG_SOURCE, SERVICE_LOG_SOURCE, JOURNAL_SOURCE, DNS_LOG_SOURCE, CLIENT_LOG_SOURCE)
CLI_SOURCES = (CLI_STATUS_SOURCE, CLI_CONNECTIONS_SOURCE)
MAX_LOG_LINES = 5000          # keep the tail: the last PUSH_REPLY and the last connect/disconnect are at the end
MAX_CANDIDATES = 500          # files looked at per directory (a log folder of years of sessions)
MAX_ERRORS = 20
JOURNAL_LINES = 2000
JOURNAL_TIMEOUT_S = 3.0
CLI_TIMEOUT_S = 5.0
JOURNAL_ARGV = ("journalctl", "--no-pager", "--quiet", "--output=short-iso", f"--lines={JOURNAL_LINES}",
                "--unit=openvpn*", "--unit=NetworkManager.service", "--unit=awsvpnclient.service")

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


def _user(home: str, environ: dict) -> str:
    return environ.get("USER") or environ.get("USERNAME") or posixpath.basename(home.replace("\\", "/").rstrip("/"))


def log_dirs(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    """Where the AWS VPN Client, OpenVPN GUI/Connect and Tunnelblick keep their logs, per OS."""
    j = lambda *p: _join(platform, *p)  # noqa: E731
    if platform is Platform.WINDOWS:
        appdata = environ.get("APPDATA") or j(home, "AppData", "Roaming")
        return (j(appdata, "AWSVPNClient", "logs"),
                *service_log_dirs(platform, home, environ),
                j(appdata, "OpenVPN Connect", "logs"),
                j(home, "OpenVPN", "log"))
    if platform is Platform.MACOS:
        return (j(home, ".config", "AWSVPNClient", "logs"),
                *service_log_dirs(platform, home, environ),
                "/tmp",  # old AWS clients: /tmp/AcvcHelperOutLog.txt (filtered by name below)
                "/Library/Application Support/Tunnelblick/Logs",
                j(home, "Library", "Application Support", "OpenVPN Connect", "logs"),
                "/Library/Application Support/OpenVPN/log")
    return (j(home, ".config", "AWSVPNClient", "logs"),
            j(home, ".config", "AWSVPNClient"),
            *service_log_dirs(platform, home, environ),
            "/var/log/openvpn")


def service_log_dirs(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    """Where the AWS VPN Client's privileged service writes its log (it wraps OpenVPN's lines)."""
    j = lambda *p: _join(platform, *p)  # noqa: E731
    user = _user(home, environ)
    if platform is Platform.WINDOWS:
        programdata = environ.get("ProgramData") or environ.get("PROGRAMDATA") or "C:\\ProgramData"
        programfiles = environ.get("ProgramFiles") or environ.get("PROGRAMFILES") or "C:\\Program Files"
        return (j(programdata, "Amazon", "AWSVPNClient", "logs"),
                j(programfiles, "Amazon", "AWS VPN Client", "WinServiceLogs", user))
    if platform is Platform.MACOS:
        return ("/var/log/AWSVPNClient",)
    return (j("/var/log/aws-vpn-client", user), "/var/log/aws-vpn-client")


def profile_dirs(platform: Platform, home: str, environ: dict) -> tuple[str, ...]:
    """Where the AWS VPN Client stores imported profiles."""
    if platform is Platform.WINDOWS:
        appdata = environ.get("APPDATA") or _join(platform, home, "AppData", "Roaming")
        return (_join(platform, appdata, "AWSVPNClient", "OpenVpnConfigs"),)
    return (_join(platform, home, ".config", "AWSVPNClient", "OpenVpnConfigs"),)


def cli_candidates(platform: Platform, environ: dict) -> tuple[str, ...]:
    """Install places of the ``aws-vpn-client`` command besides PATH.  Unverified guesses (the user
    guide names the command, not its folder): each is only checked for existence, never searched."""
    if platform is Platform.WINDOWS:
        programfiles = environ.get("ProgramFiles") or environ.get("PROGRAMFILES") or "C:\\Program Files"
        return (ntpath.join(programfiles, "Amazon", "AWS VPN Client", "aws-vpn-client.exe"),)
    if platform is Platform.MACOS:
        app = "/Applications/AWS VPN Client/AWS VPN Client.app/Contents"
        return (f"{app}/MacOS/aws-vpn-client", f"{app}/Resources/aws-vpn-client", "/usr/local/bin/aws-vpn-client")
    return ("/opt/awsvpnclient/aws-vpn-client", "/usr/local/bin/aws-vpn-client", "/usr/bin/aws-vpn-client")


def _name(path: str) -> str:
    return ntpath.basename(path).lower()


def _log_rank(path: str) -> int:
    """Higher is a better ``vpn-log`` candidate: OpenVPN's own log (PUSH_REPLY lives there) beats the
    AWS client's application log; anything else that looks like a log comes last; 0 = skip."""
    name = _name(path)
    if name.startswith("ovpn_") or "openvpn" in name:
        return 3
    if name.startswith("acvchelper"):
        return 2
    if name.startswith("aws_vpn_client") or name.startswith("configure-dns"):
        return 0  # application / DNS-hook logs: their own sources below
    if name.endswith((".log", ".txt")) and not posixpath.dirname(path) == "/tmp":
        return 1
    return 0


def _client_log_rank(path: str) -> int:
    name = _name(path)
    if name.startswith("aws_vpn_client_gui"):
        return 2
    return 1 if name.startswith("aws_vpn_client") else 0


def _dns_log_rank(path: str) -> int:
    name = _name(path)
    if name.startswith("configure-dns"):
        return 2 if "up" in name else 1
    return 0


def _service_rank(exclude: set[str]) -> Callable[[str], int]:
    def rank(path: str) -> int:
        name = _name(path)
        if path in exclude or name.startswith("configure-dns") or not name.endswith((".log", ".txt")):
            return 0
        return 1
    return rank


def _newest(env: Env, dirs: Iterable[str], rank: Callable[[str], int]) -> tuple[str | None, list[str]]:
    """The best-ranked, then newest file in ``dirs`` (None if none), and the directories looked in."""
    listdir: Listdir = env.hook(Hook.LISTDIR, list_files)
    best: tuple[int, float, str] | None = None
    looked: list[str] = []
    for d in dict.fromkeys(dirs):
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


def _scrubbed(cap: SourceCapture) -> SourceCapture:
    if cap.text is None:
        return cap
    text, truncated = _tail(cap.text)
    return replace(cap, text=text, truncated=cap.truncated or truncated)


def _find_cli(env: Env, platform: Platform, environ: dict) -> str | None:
    which = env.hook(Hook.WHICH, shutil.which)
    exists = env.hook(Hook.EXISTS, os.path.isfile)
    name = "aws-vpn-client.exe" if platform is Platform.WINDOWS else "aws-vpn-client"
    try:
        found = which(name)
    except (OSError, ValueError):
        found = None
    if found:
        return found
    for path in cli_candidates(platform, environ):
        try:
            if exists(path):
                return path
        except (OSError, ValueError):
            continue
    return None


def _cli_sources(env: Env, platform: Platform, environ: dict, profile_path: str | None) -> list[SourceCapture]:
    """``aws-vpn-client list-connections``, then ``get-connection-status`` for the profile it names
    (or, failing that, the imported profile found on disk)."""
    exe = _find_cli(env, platform, environ)
    if exe is None:
        return [SourceCapture(id=CLI_CONNECTIONS_SOURCE, kind=SourceKind.COMMAND,
                              argv=("aws-vpn-client", "list-connections"),
                              error="the aws-vpn-client command is not installed (not on PATH nor in its "
                                    "install folder)")]
    caps = [capture_source(Source(CLI_CONNECTIONS_SOURCE, argv=(exe, "list-connections"), timeout_s=CLI_TIMEOUT_S,
                                  optional=True), env)]
    names: tuple[str, ...] = ()
    if caps[0].text:
        try:
            names = aws_vpn_cli.profiles(aws_vpn_cli.parse(caps[0].text))
        except ParseError:
            names = ()
    if not names and profile_path:
        stem = ntpath.basename(profile_path.replace("/", "\\"))
        names = (stem.rsplit(".", 1)[0] if stem.lower().endswith(".ovpn") else stem,)
    if names and names[0]:
        caps.append(capture_source(Source(CLI_STATUS_SOURCE, argv=(exe, "get-connection-status", "--profile-name",
                                                                    names[0]),
                                          timeout_s=CLI_TIMEOUT_S, optional=True), env))
    return caps


def _running_sessions(env: Env) -> SourceCapture:
    """The running OpenVPN processes, each with the log and profile its argv names and whether
    it is a server (its argv or its config says ``server``/``mode server``): only a client is
    this machine's VPN session."""
    def read() -> list[dict]:
        out = []
        for proc in env.hook(Hook.PROCESSES, vpn_processes.read_processes)():
            argv = [str(a) for a in proc.get("argv") or ()]
            found_log, found_config = vpn_processes.paths_of(argv, proc.get("cwd"))
            text = ""
            if found_config:
                try:
                    text = env.read(found_config)
                except (OSError, UnicodeDecodeError):
                    text = ""
            out.append({**proc, "log": found_log, "config": found_config,
                        "server": vpn_processes.is_server(argv, text)})
        return out
    return api_capture(vpn_processes.SOURCE_ID, "running VPN clients (psutil)", read)


def _running_paths(cap: SourceCapture) -> tuple[str | None, str | None]:
    """The log and profile of the first running OpenVPN client that names them."""
    import json

    try:
        procs = json.loads(cap.text) if cap.text else []
    except ValueError:
        return None, None
    log_file = config = None
    for proc in procs if isinstance(procs, list) else ():
        if not isinstance(proc, dict) or proc.get("server"):
            continue
        log_file = log_file or (proc.get("log") if isinstance(proc.get("log"), str) else None)
        config = config or (proc.get("config") if isinstance(proc.get("config"), str) else None)
    return log_file, config


def vpn_sources(env: Env, platform: Platform, log_path: str | None = None,
                profile_path: str | None = None) -> tuple[SourceCapture, ...]:
    """Capture the VPN logs, the AWS client's state and the profile: the given paths, else the newest
    in the known places.

    Never raises.  When nothing is found the capture has ``path=None`` and an ``error`` saying
    where it looked (absence is normal: a user may not use the AWS client)."""
    home = env.hook(Hook.HOME) or os.path.expanduser("~")
    environ = env.hook(Hook.ENVIRON, os.environ)
    caps: list[SourceCapture] = []
    running_log, running_config, procs = None, None, None
    if not (log_path and profile_path):
        # A running client's own arguments name its log and profile (started by hand with
        # --log/--log-append, or by a GUI): that session beats the newest file of a folder.
        procs = _running_sessions(env)
        running_log, running_config = _running_paths(procs)

    if running_log and not log_path:
        found_cap = _read(env, LOG_SOURCE, running_log, _tail)
        if found_cap.text is None:
            # Often root's: the log of `sudo openvpn` that this user may not read. Not an error
            # of the user's -- look in the usual places instead (the trace says so).
            log.debug("running client's log unreadable: %s", found_cap.error)
            running_log = None
    if log_path:
        caps.append(_read(env, LOG_SOURCE, log_path, _tail))
    elif running_log:
        caps.append(found_cap)
    else:
        found, looked = _newest(env, log_dirs(platform, home, environ), _log_rank)
        if found:
            caps.append(_read(env, LOG_SOURCE, found, _tail))
        else:
            caps.append(SourceCapture(id=LOG_SOURCE, kind=SourceKind.FILE,
                                      error="no OpenVPN / AWS VPN Client log found in " + ", ".join(looked)))
    taken = {c.path for c in caps if c.path}
    for source_id, dirs, rank, what in (
            (CLIENT_LOG_SOURCE, log_dirs(platform, home, environ), _client_log_rank, "AWS VPN Client application log"),
            (SERVICE_LOG_SOURCE, service_log_dirs(platform, home, environ), _service_rank(taken),
             "AWS VPN Client service log"),
            (DNS_LOG_SOURCE, service_log_dirs(platform, home, environ) + log_dirs(platform, home, environ)[:1],
             _dns_log_rank, "configure-dns log")):
        if source_id == DNS_LOG_SOURCE and platform is not Platform.LINUX:
            continue
        found, looked = _newest(env, dirs, rank)
        if found and found not in taken:
            taken.add(found)
            caps.append(_read(env, source_id, found, _tail))
        else:
            caps.append(SourceCapture(id=source_id, kind=SourceKind.FILE,
                                      error=f"no {what} found in " + ", ".join(looked)))

    profile_cap = _read(env, PROFILE_SOURCE, running_config, _profile_text) if running_config and not profile_path \
        else None
    if profile_path:
        caps.append(_read(env, PROFILE_SOURCE, profile_path, _profile_text))
    elif profile_cap is not None and profile_cap.text is not None:
        caps.append(profile_cap)
    else:
        found, looked = _newest(env, profile_dirs(platform, home, environ), lambda p: 1)
        if found:
            caps.append(_read(env, PROFILE_SOURCE, found, _profile_text))
        else:
            caps.append(SourceCapture(id=PROFILE_SOURCE, kind=SourceKind.FILE,
                                      error="no AWS VPN Client profile found in " + ", ".join(looked)))

    if platform is Platform.LINUX:
        caps.append(_scrubbed(capture_source(Source(JOURNAL_SOURCE, argv=JOURNAL_ARGV, timeout_s=JOURNAL_TIMEOUT_S,
                                                    optional=True), env)))
    profile_cap = next((c for c in caps if c.id == PROFILE_SOURCE and c.text is not None), None)
    caps.extend(_cli_sources(env, platform, environ, profile_cap.path if profile_cap else None))
    if procs is not None:
        caps.append(procs)
    return tuple(caps)


# --------------------------------------------------------------------------- pure part


def _fmt(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


@dataclass(frozen=True, slots=True)
class _Read:
    """One parsed log, with its preference rank (lower = preferred when times do not compare)."""
    source_id: str
    where: str
    rank: int
    log: openvpn_log.OpenVpnLog


def _comparable(values: list[str | None]) -> bool:
    """True when every value is a full timestamp of one kind (local, or UTC ``...Z``)."""
    vals = [v for v in values if v]
    return bool(vals) and all(openvpn_log.parse_timestamp(v) is not None for v in vals) \
        and len({v.endswith("Z") for v in vals}) == 1


_Payload = TypeVar("_Payload")


def _pick(items: list[tuple[str | None, int, _Payload]]) -> _Payload | None:
    """The newest of (timestamp, rank, payload) when all timestamps compare, else the best rank."""
    if not items:
        return None
    if _comparable([t for t, _r, _p in items]) and all(t for t, _r, _p in items):
        return max(items, key=lambda it: (openvpn_log.parse_timestamp(it[0]), -it[1]))[2]
    return min(items, key=lambda it: it[1])[2]


def _push_summary(p: PushedConfig) -> str:
    mode = {TunnelMode.FULL: "full (redirect-gateway)" if p.redirect_gateway else "full (default routes)",
            TunnelMode.SPLIT: f"split ({len(p.routes)} routes)",
            TunnelMode.UNKNOWN: "unknown (only part of the push was logged)"}.get(p.tunnel_mode, str(p.tunnel_mode))
    return (f"dns={_fmt(p.dns_servers)} domains={_fmt(p.domains)} tunnel={mode} "
            f"ifconfig={p.ifconfig or 'none'}")


def _read_logs(raw: RawCapture, errors: list[CollectionError], trace: list[str]) -> list[_Read]:
    reads: list[_Read] = []
    for rank, sid in enumerate(LOG_SOURCES):
        src = raw.get(sid)
        if src is None:
            continue
        where = src.path or (" ".join(src.argv[:1]) if src.argv else sid)
        if src.text is None:
            # Only a log the user named (or one we found and then could not read) is an error of the
            # collection; a place with no log, or journald we may not read, is just not evidence.
            if sid == LOG_SOURCE and src.path:
                errors.append(CollectionError(source=sid, message=f"the VPN log could not be read: {src.error}"))
            trace.append(f"{sid}: {src.error or 'not available'}")
            continue
        if not src.text.strip():
            trace.append(f"{sid}: {where}: empty" + (f" ({src.error})" if src.error else ""))
            continue
        try:
            parsed = openvpn_log.parse(src.text, source=src.path or "")
        except ParseError as err:
            if sid == LOG_SOURCE:
                errors.append(CollectionError(source=sid, message=f"{src.path or 'the VPN log'}: {err}"))
                trace.append(f"{sid}: {src.path}: not an OpenVPN log, ignored")
            else:
                trace.append(f"{sid}: {where}: no VPN client line in it, ignored")
            continue
        if parsed.server_log:
            trace.append(f"{sid}: {where}: an OpenVPN *server's* log (it sends PUSH_REPLY), not this client's: ignored")
            continue
        if src.error and sid == JOURNAL_SOURCE:
            trace.append(f"{sid}: {src.error} (what it printed is read)")
        reads.append(_Read(sid, where, rank, parsed))
        p = parsed.pushed
        client = parsed.client.value if parsed.client else "unknown client"
        if p is not None:
            trace.append(f"{sid}: {where} ({client}): newest of {parsed.pushes} push(es) at "
                         f"{p.seen_at or 'unknown time'}: {_push_summary(p)}")
        else:
            trace.append(f"{sid}: {where} ({client}): no pushed options in it")
        if parsed.filtered:
            trace.append(f"{sid}: pull-filter dropped pushed options: {_fmt(parsed.filtered)}")
        if parsed.connected is True:
            trace.append(f"{sid}: last event is a connect at {parsed.connected_at or 'unknown time'}")
        elif parsed.connected is False:
            trace.append(f"{sid}: last event is a disconnect at {parsed.disconnected_at or 'unknown time'}")
        if parsed.device:
            trace.append(f"{sid}: tunnel device {parsed.device}")
        if parsed.default_gateway:
            gw, dev = parsed.default_gateway
            trace.append(f"{sid}: before the tunnel, the default route was via {gw}" + (f" dev {dev}" if dev else ""))
        if parsed.saml is not None:
            trace.append(f"{sid}: SAML sign-in {parsed.saml.value}")
        if parsed.unresolvable_endpoint:
            trace.append(f"{sid}: the client could not resolve {parsed.unresolvable_endpoint}")
        for note in parsed.skipped:
            trace.append(f"{sid}: skipped: {note}")
        if src.truncated:
            trace.append(f"{sid}: only the last {MAX_LOG_LINES} lines were kept")
    return reads


def _read_cli(raw: RawCapture, trace: list[str]) -> aws_vpn_cli.ClientState | None:
    state = None
    for sid in CLI_SOURCES:
        src = raw.get(sid)
        if src is None:
            continue
        if src.text is None or not src.text.strip():
            trace.append(f"{sid}: {src.error or 'no output'}")
            continue
        try:
            got = aws_vpn_cli.parse(src.text)
        except ParseError as err:
            trace.append(f"{sid}: {err}")
            continue
        trace.append(f"{sid}: status={got.status or 'none'} profile={got.profile or 'none'} "
                     f"connected={'unknown' if got.connected is None else ('yes' if got.connected else 'no')}")
        if state is None:   # get-connection-status (one profile) first, then list-connections
            state = got
    return state


def attach_vpn_evidence(snapshot: Snapshot, raw: RawCapture) -> Snapshot:
    """Fold the VPN captures of ``raw`` into ``snapshot.vpn`` (pure).

    A log or profile that could not be read because it was not found adds a trace line only;
    one that was named but unreadable, or does not parse, adds a CollectionError.  Several logs are
    merged: the newest push and the newest connect/disconnect by time where their timestamps
    compare, else by source (OpenVPN log, service log, journal, configure-dns log, GUI log)."""
    vpn = snapshot.vpn
    errors = list(snapshot.errors)
    trace = list(snapshot.trace)
    captured = set(snapshot.captured)

    procs = raw.get(vpn_processes.SOURCE_ID)
    if procs is not None and procs.text:
        found_log, found_config = _running_paths(procs)
        if found_log or found_config:
            read_log = raw.get(LOG_SOURCE)
            unread = found_log and (read_log is None or read_log.path != found_log)
            trace.append("vpn-processes: a running OpenVPN client names "
                         + (f"its log {found_log}" if found_log else "no log file (it logs to its terminal)")
                         + (" (not readable by this user: the usual places were searched)" if unread else "")
                         + (f" and its profile {found_config}" if found_config else ""))

    reads = _read_logs(raw, errors, trace)
    # "The log was read" (so no push in it means none was logged) holds for OpenVPN's own log and the
    # service log that wraps it; a GUI log never holds a push, and the journal or the helper's log only
    # count where they gave one.
    if any(r.source_id in (LOG_SOURCE, SERVICE_LOG_SOURCE) or r.log.pushed is not None for r in reads):
        captured.add(Evidence.VPN_LOG)
    if reads:
        # Whole pushes beat partial ones (a helper's DNS options) unless the partial one is newer.
        pushes = [(r.log.pushed.seen_at, r.rank, r) for r in reads if r.log.pushed is not None]
        whole = [it for it in pushes if it[2].log.pushed.tunnel_mode is not TunnelMode.UNKNOWN]  # type: ignore[union-attr]
        chosen: _Read | None = _pick(whole) if whole else _pick(pushes)
        if whole and len(pushes) > len(whole):
            newest = _pick(pushes)
            if newest is not chosen and _comparable([it[0] for it in pushes]) and all(it[0] for it in pushes):
                chosen = newest
        events = [(r.log.connected_at if r.log.connected else r.log.disconnected_at, r.rank, r)
                  for r in reads if r.log.connected is not None]
        decider: _Read | None = _pick(events)
        primary = chosen or decider or reads[0]
        pushed = chosen.log.pushed if chosen else None
        if chosen is not None and pushed is not None:
            trace.append(f"vpn: pushed options taken from {chosen.source_id} ({chosen.where}), "
                         f"seen at {pushed.seen_at or 'unknown time'}")
            for r in reads:
                other = r.log.pushed
                if r is not chosen and other is not None and other.dns_servers and \
                        set(other.dns_servers) != set(pushed.dns_servers):
                    trace.append(f"vpn: {r.source_id} names other pushed DNS servers ({_fmt(other.dns_servers)}, "
                                 f"at {other.seen_at or 'unknown time'}) than the chosen push")
        device_from = primary if primary.log.device else next((r for r in reads if r.log.device), None)
        gateway_from = primary if primary.log.default_gateway else next((r for r in reads if r.log.default_gateway),
                                                                         None)
        client_from = primary if primary.log.client else next((r for r in reads if r.log.client), None)
        saml_from = next((r for r in sorted(reads, key=lambda r: (r.source_id != CLIENT_LOG_SOURCE, r.rank))
                          if r.log.saml is not None), None)
        profile_from = next((r for r in reads if r.log.profile_name), None)
        errs: list[str] = []
        for r in sorted(reads, key=lambda r: r.rank):
            errs.extend(e for e in r.log.errors if e not in errs)
        default_gw = gateway_from.log.default_gateway if gateway_from else None
        vpn = replace(vpn, pushed=pushed, log_path=primary.where,
                      connected_at=decider.log.connected_at if decider else primary.log.connected_at,
                      disconnected_at=decider.log.disconnected_at if decider else primary.log.disconnected_at,
                      connected=decider.log.connected if decider else None,
                      log_errors=tuple(errs[:MAX_ERRORS]), log_sources=tuple(r.where for r in reads),
                      client=client_from.log.client if client_from else vpn.client,
                      log_device=device_from.log.device if device_from else None,
                      log_default_route=(Route(Family.INET, "0.0.0.0/0", gateway=default_gw[0], interface=default_gw[1])
                                         if default_gw else None),
                      log_tunnel_mode=(pushed.tunnel_mode if pushed is not None and pushed.tunnel_mode is not TunnelMode.UNKNOWN
                                       else primary.log.tunnel_mode),
                      saml=saml_from.log.saml if saml_from else None,
                      client_profile=profile_from.log.profile_name if profile_from else vpn.client_profile)
        if decider is not None:
            trace.append(f"vpn: newest connect/disconnect from {decider.source_id}: "
                         f"{'connected' if decider.log.connected else 'disconnected'}")

    state = _read_cli(raw, trace)
    if state is not None:
        vpn = replace(vpn, cli_status=state.status, cli_connected=state.connected,
                      client_profile=state.profile or vpn.client_profile)

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
    if vpn.client is None:
        # No log named its client: the adapters, interfaces and DNS configuration may.
        dns = snapshot.dns
        client, why = client_shown(snapshot.interfaces, vpn.tunnel_interfaces, dns.resolvers, dns.link_search,
                                   dns.search_domains, dns.resolv_conf_by)
        if client is not None:
            vpn = replace(vpn, client=client)
            trace.append(f"vpn: client {client.value}, from {why}")
        elif why:
            trace.append(f"vpn: {why}")
    return replace(snapshot, vpn=vpn, errors=tuple(errors), trace=tuple(trace),
                   captured=tuple(e for e in Evidence if e in captured))


def pushed_dns(captures: Iterable[SourceCapture]) -> tuple[str, ...]:
    """DNS servers any VPN log capture says were pushed (for route look-ups at collection time)."""
    out: list[str] = []
    for cap in captures:
        if cap.id in LOG_SOURCES and cap.text:
            try:
                parsed = openvpn_log.parse(cap.text, source=cap.path or "")
            except ParseError:
                continue
            if parsed.pushed is not None and not parsed.server_log:
                out.extend(a for a in parsed.pushed.dns_servers if a not in out)
    return tuple(out)
