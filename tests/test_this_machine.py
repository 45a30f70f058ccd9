"""The real collection of the machine the tests run on, for macOS and Windows (issue 22).

On Linux the live collection is tested in tests/test_linux_adapter.py and the lab.  Here the
macOS and Windows runners of the build workflow run their adapter for real: the first
contact of the PowerShell script with Windows, of scutil/netstat with macOS.  No packet is
sent (collection only reads state and asks the kernel for routes).  Elsewhere these tests
skip: the programs they run do not exist there.
"""
from __future__ import annotations

import json
import sys

import pytest

from agent.model import Snapshot
from platforms.base import Env

WINDOWS = sys.platform == "win32"
MACOS = sys.platform == "darwin"


@pytest.fixture(scope="module")
def windows_run():
    from platforms.windows import WindowsAdapter

    adapter = WindowsAdapter()
    raw = adapter.collect(Env())
    return raw, adapter.parse(raw)


@pytest.mark.skipif(not WINDOWS, reason="runs this machine's PowerShell collection (Windows only)")
def test_windows_powershell_collection_completes_without_errors(windows_run):
    from platforms.parsers import ps_document

    raw, snap = windows_run
    ps = raw.get("powershell")
    assert ps is not None and ps.error is None, (ps.error if ps else None, ps.stderr if ps else None)
    assert ps.text and ps.text.isascii(), "the script's output must be pure ASCII (\\uXXXX escapes)"
    doc = ps_document.read_document(ps.text)
    assert doc is not None and doc.version == 2, ps.text[:500]
    assert doc.complete and doc.cut_objects == 0, ps.text[-500:]
    assert doc.failed == () and doc.missing == (), doc.data.get("errors")
    assert doc.data.get("errors") == [], doc.data.get("errors")
    assert doc.data.get("languageMode") == "FullLanguage"
    assert {"NetAdapter", "NetTCPIP", "DnsClient"} <= set(doc.data.get("modules") or []), doc.data.get("modules")
    assert [s.id for s in raw.sources] == ["powershell", "winreg-nrpt"], "no ipconfig/route print fallback needed"
    assert not [e for e in snap.errors if e.source.startswith("powershell")], snap.errors


@pytest.mark.skipif(not WINDOWS, reason="runs this machine's PowerShell collection (Windows only)")
def test_windows_snapshot_of_this_machine_is_usable(windows_run):
    raw, snap = windows_run
    assert snap.interfaces and snap.routes, "a runner has interfaces and routes"
    assert any(r.destination in ("0.0.0.0/0", "::/0") for r in snap.routes)
    assert all(i.index is not None for i in snap.interfaces if i.description)
    assert snap.route_lookups, "Find-NetRoute ran for the DNS servers"
    for lookup in snap.route_lookups:
        assert lookup.interface or lookup.error, lookup       # never an empty 'answer'
    reg = raw.get("winreg-nrpt")
    assert reg is not None and reg.error is None, reg.error if reg else None
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap


@pytest.mark.skipif(not MACOS, reason="runs this machine's scutil/netstat collection (macOS only)")
def test_macos_collection_of_this_machine():
    from platforms.macos import MacosAdapter

    adapter = MacosAdapter()
    raw = adapter.collect(Env())
    for source_id in ("scutil-dns", "netstat-inet", "ifconfig"):
        cap = raw.get(source_id)
        assert cap is not None and cap.error is None and cap.text, (source_id, cap.error if cap else None)
    snap = adapter.parse(raw)
    assert snap.interfaces and snap.routes
    assert not [e for e in snap.errors if e.source in ("scutil-dns", "netstat-inet", "ifconfig")], snap.errors
    assert Snapshot.from_dict(json.loads(json.dumps(snap.to_dict()))) == snap
