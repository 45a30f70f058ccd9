"""Run on the lab laptop (inside its mount namespace): what the Linux adapter reads from
systemd-resolved over D-Bus and, with D-Bus disabled, from `resolvectl status`.

    python -m tests.lab.readback     # prints one JSON document

For each path: the snapshot's DnsConfig, the ResolvedState the parser made, and the
snapshot's collection errors; the lab test compares the two paths with each other and with
what the lab configured.
"""
from __future__ import annotations

import json
import sys

from platforms import resolved_dbus
from platforms.base import Env
from platforms.linux import LinuxAdapter
from platforms.parsers import resolvectl


def _no_dbus() -> dict:
    raise RuntimeError("D-Bus read disabled by the lab (the resolvectl path)")


def _path(adapter: LinuxAdapter, env: Env, source: str, parse) -> dict:
    raw = adapter.collect(env)
    snap = adapter.parse(raw)
    cap = raw.get(source)
    state = None
    if cap is not None and cap.text:
        state = parse(cap.text).to_dict()
    return {"dns": snap.dns.to_dict(), "state": state,
            "source_error": None if cap is None else cap.error,
            "errors": [e.to_dict() for e in snap.errors]}


def main() -> int:
    adapter = LinuxAdapter()
    out = {
        "dbus": _path(adapter, Env(), "resolved-dbus", resolved_dbus.parse),
        "resolvectl": _path(adapter, Env(extra={"resolved_dbus": _no_dbus}), "resolvectl", resolvectl.parse),
    }
    json.dump(out, sys.stdout, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
