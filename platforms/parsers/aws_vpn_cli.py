"""``aws-vpn-client get-connection-status`` / ``list-connections`` JSON -> the client's connection state.

The AWS VPN Client's command line (newer clients; AWS Client VPN user guide, "CLI command syntax")
prints JSON: ``connect`` prints ``{"status": "Connected"}``; ``get-connection-status`` reports one
profile's state and ``list-connections`` the active connections.  The exact field names of the
last two are not documented with examples, so this reader is deliberately tolerant: it walks the
JSON (an object, or a list of objects, at any depth up to a few levels) and takes, per object, a
status-like field (``status``, ``state``, ``connectionStatus``, ...) and a profile-like field
(``profileName``, ``profile``, ``name``, ...), case-insensitively.

The status word is kept verbatim and also read as connected / not connected / unknown (a state in
progress such as "Connecting", or a word we do not know, is unknown, never "not connected").
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from platforms.base import ParseError, load_json

_STATUS_KEYS = ("status", "state", "connectionstatus", "connection_status", "connectionstate",
                "connection_state", "vpnstatus")
_PROFILE_KEYS = ("profilename", "profile_name", "profile", "name", "connectionname", "connection_name",
                 "displayname")
_CONNECTED = frozenset({"connected", "up", "active"})
_NOT_CONNECTED = frozenset({"disconnected", "notconnected", "not connected", "not_connected", "idle", "down",
                            "inactive", "failed", "error", "authfailed", "auth_failed"})
MAX_CONNECTIONS = 20


@dataclass(frozen=True, slots=True)
class Connection:
    profile: str | None
    status: str | None


@dataclass(frozen=True, slots=True)
class ClientState:
    """What the CLI said: every (profile, status) it listed, the one that decides, and how it reads."""
    connections: tuple[Connection, ...] = ()
    status: str | None = None          # verbatim, of the connected entry if any, else of the first
    profile: str | None = None
    connected: bool | None = None      # True / False / None (in progress or an unknown word)


def read_status(word: str | None) -> bool | None:
    """``Connected`` -> True, ``Disconnected``/``NotConnected``/... -> False, anything else -> None."""
    if not word:
        return None
    w = re.sub(r"[\s-]+", " ", word.strip().lower())
    if w in _CONNECTED:
        return True
    if w in _NOT_CONNECTED or w.replace(" ", "") in _NOT_CONNECTED:
        return False
    return None


def _field(obj: dict, keys: tuple[str, ...]) -> str | None:
    lowered = {str(k).lower(): v for k, v in obj.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _walk(data: object, depth: int = 0) -> list[Connection]:
    out: list[Connection] = []
    if depth > 4 or len(out) > MAX_CONNECTIONS:
        return out
    if isinstance(data, dict):
        status, profile = _field(data, _STATUS_KEYS), _field(data, _PROFILE_KEYS)
        if status is not None:
            out.append(Connection(profile, status))
        for value in data.values():
            if isinstance(value, (dict, list)):
                out.extend(_walk(value, depth + 1))
    elif isinstance(data, list):
        for item in data[:MAX_CONNECTIONS]:
            out.extend(_walk(item, depth + 1))
    return out[:MAX_CONNECTIONS]


def looks_like(text: str) -> bool:
    """True for the CLI's JSON: small objects whose status-like field is a *connection* word
    ("Connected", "Disconnected", "Connecting"...), so other JSON with a status (PowerShell's
    ``Get-NetAdapter`` says "Up") is not taken for it."""
    s = text.lstrip()
    if not s.startswith(("{", "[")) or len(s) > 100_000:
        return False
    try:
        data = json.loads(s)
    except (ValueError, RecursionError):
        return False
    objs = [data] if isinstance(data, dict) else [d for d in data if isinstance(d, dict)] \
        if isinstance(data, list) else []
    if isinstance(data, dict):
        objs += [d for v in data.values() if isinstance(v, list) for d in v if isinstance(d, dict)]
    def is_state(o: dict, alone: bool) -> bool:
        if not re.search(r"connect", _field(o, _STATUS_KEYS) or "", re.I) or len(o) > 8:
            return False
        # a profile field, or ``{"status": "Connected"}`` on its own (what ``connect`` prints); an adapter
        # list's "Status": "Disconnected" has neither
        keys = {str(k).lower() for k in o}
        return bool(keys & {"profilename", "profile_name", "profile"}) or (alone and len(o) <= 2)

    alone = isinstance(data, dict)
    return any(is_state(o, alone and o is data) for o in objs)


def parse(text: str) -> ClientState:
    """The connection state in the CLI's JSON.  An empty list (no active connection) is a state:
    not connected.  Raises ParseError for text that is not JSON or names no state at all."""
    data = load_json(text, "aws-vpn-client output")
    if data == [] or (isinstance(data, dict) and any(isinstance(v, list) and not v for v in data.values())
                      and not _walk(data)):
        return ClientState(connected=False)     # no active connection listed
    conns = tuple(_walk(data))
    if not conns:
        raise ParseError("aws-vpn-client output names no connection status")
    chosen = next((c for c in conns if read_status(c.status) is True), conns[0])
    return ClientState(connections=conns, status=chosen.status, profile=chosen.profile,
                       connected=read_status(chosen.status))


def profiles(state: ClientState) -> tuple[str, ...]:
    """Profile names the CLI mentioned (to ask ``get-connection-status`` about), in order."""
    return tuple(dict.fromkeys(c.profile for c in state.connections if c.profile))
