"""The Linux adapter against the real systemd-resolved (and NetworkManager) of the lab.

For each scenario with the Linux DNS stack, inside the laptop's namespaces: the snapshot
read over D-Bus and the one read from `resolvectl status` (D-Bus disabled) must be the same,
and both must show what the lab configured: per link its servers, routing domains and
DefaultRoute, and resolved's resolv.conf mode.  Plus the stack's own hygiene: the extracted
resolved matches the host's libsystemd-shared, and nothing of it shows outside the laptop.
"""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

from tests.lab import debroot
from tests.lab import scenarios as sc
from tests.lab.conftest import need_stack
from tests.lab.lab import Lab, Running
from tests.lab.netns import sh
from tests.lab.stack import ResolvConf

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
IN = (sc.INBOUND_1, sc.INBOUND_2)
# The adapter test also covers resolv.conf as resolved's uplink file (every server, flat).
UPLINK = dataclasses.replace(sc.BY_KEY["S2-resolved-catchall"], key="S2-resolved-uplink",
                             resolv=ResolvConf.UPLINK)
STACK = [s for s in sc.SCENARIOS if s.stack] + [UPLINK]


def expected_links(s: sc.Scenario) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] | None:
    """What resolved must hold, per link: (servers, domains, DefaultRoute); None: not running."""
    if s.resolved_stops:
        return None
    lan = (s.lan_link_dns, (), True)
    if s.dns is sc.Dns.NM and not s.tun_domains:
        # NetworkManager gives resolved no server for a VPN that is neither the default route
        # nor has a domain (seen in this lab, NetworkManager 1.42): tun0 holds nothing.
        return {"eth0": lan}
    return {"eth0": lan, "tun0": (s.pushed_dns, s.tun_domains, s.tun_default_route)}


def expected_mode(s: sc.Scenario) -> str:
    return {ResolvConf.STUB: "stub", ResolvConf.UPLINK: "uplink", ResolvConf.STATIC: "foreign"}[s.resolv]


@pytest.fixture
def stack_up(lab: Lab, request) -> Running:
    need_stack(lab)
    running = lab.up(request.param)
    try:
        yield running
    finally:
        assert Lab.down(running) == []


def readback(running: Running) -> dict:
    assert running.stack is not None
    proc = sh(running.laptop_argv(["env", f"PYTHONPATH={ROOT}", sys.executable, "-m", "tests.lab.readback"],
                                  cwd=ROOT), timeout=30)
    return json.loads(proc.stdout)


def links_of(state: dict) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]:
    """Links that hold DNS servers or domains (the D-Bus reader asks resolved only for those)."""
    return {link["name"]: (tuple(s["address"] for s in link["servers"]), tuple(link["domains"]),
                           link["default_route"])
            for link in state["links"] if link["servers"] or link["domains"]}


def comparable(state: dict) -> dict:
    """What both readers can know (resolvectl prints no DNSStubListener, D-Bus no protocols)."""
    keep = ("index", "name", "servers", "current_server", "domains", "default_route", "scopes")
    return {"global": {k: state["global_"][k] for k in ("servers", "domains", "current_server")},
            "links": [{k: link[k] for k in keep} for link in state["links"] if link["servers"] or link["domains"]],
            "fallback": state["fallback_servers"], "mode": state["resolv_conf_mode"]}


@pytest.mark.parametrize("stack_up", STACK, indirect=True, ids=[s.key for s in STACK])
def test_adapter_reads_what_the_lab_configured(stack_up: Running) -> None:
    s = stack_up.scenario
    got = readback(stack_up)
    dbus, text = got["dbus"], got["resolvectl"]
    want = expected_links(s)
    if want is None:
        # resolved is gone: both paths say so, neither invents servers; the dead stub is still
        # what programs ask (main 9da5ab4: it is the resolver in use, and probed)
        assert dbus["source_error"] and text["source_error"], got
        assert dbus["dns"] == text["dns"]
        assert [r["address"] for r in dbus["dns"]["resolvers"]] == ["127.0.0.53"] and dbus["dns"]["stub"] is True
        assert any(e["source"] == "resolved" for e in dbus["errors"]), dbus["errors"]
        return
    assert dbus["source_error"] is None and text["source_error"] is None, got
    # the two paths agree with each other ...
    assert comparable(dbus["state"]) == comparable(text["state"])
    assert dbus["dns"] == text["dns"]
    # ... and with the lab
    for path in (dbus, text):
        assert links_of(path["state"]) == want
        assert path["state"]["resolv_conf_mode"] == expected_mode(s)
        # a foreign resolv.conf's servers become resolved's global ones; no fallback ever
        assert [x["address"] for x in path["state"]["global_"]["servers"]] == \
            (list(s.laptop_dns) if s.resolv is ResolvConf.STATIC else [])
        assert path["state"]["fallback_servers"] == []
    dns = dbus["dns"]
    # a hand-written file is the file's, whoever else runs; stub and uplink are resolved's
    assert dns["manager"] == ("file" if s.resolv is ResolvConf.STATIC else "systemd-resolved")
    if s.resolv is ResolvConf.STUB:
        # programs ask resolved: its servers are the resolvers, each on its link
        assert dns["stub"] is True
        on = {(r["address"], r["interface"]) for r in dns["resolvers"]}
        assert on == {(a, name) for name, (servers, _, _) in want.items() for a in servers}
        tun = [r for r in dns["resolvers"] if r["interface"] == "tun0"]
        scope = ("link" if s.tun_default_route or "~." in s.tun_domains
                 else "domain" if s.tun_domains else "inactive")
        for r in tun:
            assert r["domains"] == [d.lstrip("~") for d in s.tun_domains]
            assert r["scope"] == scope
    else:
        # uplink / a static file: glibc reads the file, so the file's servers are the resolvers
        assert dns["stub"] is False
        active = [r for r in dns["resolvers"] if r["scope"] not in ("inactive", "unused")]
        assert [r["address"] for r in active] == dns["resolv_conf_nameservers"]
        if s.resolv is ResolvConf.STATIC:
            assert dns["resolv_conf_nameservers"] == list(s.laptop_dns)
            # what resolved holds stays visible, as servers nobody asks (linux-resolv-conf-not-stub)
            held = {(r["address"], r["interface"]) for r in dns["resolvers"] if r["scope"] == "unused"}
            assert {(a, "tun0") for a in IN} <= held
        else:
            assert set(dns["resolv_conf_nameservers"]) == set(s.lan_link_dns) | set(IN)


def test_stack_tree_matches_host(lab: Lab) -> None:
    """The extracted systemd-resolved is the host's libsystemd-shared version (or, with none
    installed, the tree's own), and every binary the lab runs is there."""
    need_stack(lab)
    assert debroot.check(lab.root) == []
    assert lab.root.packages["systemd-resolved"] == lab.root.systemd_version


@pytest.mark.parametrize("stack_up", [sc.BY_KEY["S2-resolved-catchall"]], indirect=True, ids=["hygiene"])
def test_stack_stays_in_the_laptop(stack_up: Running) -> None:
    """The host sees none of it: no lab bus, no resolved, no overlay, no NetworkManager state."""
    mounts = Path("/proc/self/mountinfo").read_text()
    assert "lab-usr" not in mounts and "lab-etc" not in mounts and "lab-run" not in mounts
    inside = sh(stack_up.laptop_argv(["cat", "/proc/self/mountinfo"])).stdout
    assert "lab-usr" in inside and "lab-etc" in inside and "lab-run" in inside
    started = stack_up.workdir.stat().st_mtime - 1
    for path in ("/var/lib/NetworkManager", "/run/NetworkManager", "/run/systemd/resolve", "/etc/resolv.conf"):
        p = Path(path)
        assert not p.exists() or p.lstat().st_mtime < started, f"{path} changed on the host"
