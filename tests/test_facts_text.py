"""What the derive stage (agent/facts.py) concludes, pinned: for every classifier table case,
every pasted fixture and every fixture set, each server's place (whose it is and why, its
role, where its packets go, how it answered), the tunnel, custom DNS, which resolvers each
name goes to, the notes and the unknowns.

These facts reach the user in the report's JSON, the drawn path and the "what could not be
told" list; the diagnosis text (tests/test_diagnosis_text.py) shows only the first reason.  A
wrong "why" for a server that is not the VPN's, or a route described through the wrong link,
would pass every other table.  The record is tests/golden/facts.json, one line per fact,
reviewed like code: after a deliberate change rewrite it with CVPN_REGEN_FIXTURES=1
(tests/fixture_pairs.py; refused under CI) and read the diff.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from agent.facts import derive
from agent.model import Facts, ProbeRun, ServerFact, Snapshot
from tests.fixture_pairs import KeyedGolden
from tests.test_classify import CASES
from tests.test_diagnosis_text import KEYS
from tests.test_platform_table import pasted, set_report

GOLDEN = Path(__file__).parent / "golden" / "facts.json"


def _server(s: ServerFact) -> str:
    probes = ", ".join(f"{p.transport.value} {p.replies}/{p.probes} {'+'.join(o.value for o in p.outcomes)}"
                       for p in s.probes)
    return (f"{s.address} [{','.join(s.seen_as)}] scope={s.scope.value if s.scope else '-'} link={s.interface or '-'}"
            f" | vpn {s.vpn.value}: {s.vpn_because} | role={s.role or '-'}"
            f" | route: {s.route.describe() if s.route else '-'} | probes: {probes or '-'}")


def lines(f: Facts) -> list[str]:
    """The facts, one line each, in the order the derive stage gives them."""
    out = [f"tunnel {f.tunnel.value} {','.join(f.tunnel_interfaces)} | mode {f.tunnel_mode.value}"
           f" ({f.tunnel_mode_from or '-'}) | prefixes {','.join(f.tunnel_prefixes) or '-'}",
           f"custom dns {f.custom_dns.value} {','.join(f.custom_dns_servers) or '-'} | from {f.custom_dns_from or '-'}",
           f"pushed {f.pushed.value} | resolvers {f.resolvers.value} | probed {f.probed}"]
    out += ["server " + _server(s) for s in f.servers]
    out += [f"name {r.name} -> {','.join(r.servers) or '-'} ({r.why})" for r in f.resolution]
    out += [f"note {n}" for n in f.notes]
    out += [f"unknown {u.topic}: {u.what} | " + "; ".join(f"{p}: {' / '.join(c)}" for p, c in sorted(u.commands.items()))
            for u in f.unknowns]
    return out


def _facts(key: str) -> list[str] | None:
    kind, name = key.split(":", 1)
    if kind == "case":
        snap, probes, *_ = CASES[name]
        return lines(derive(Snapshot.from_dict(snap.to_dict()), ProbeRun.from_dict(probes.to_dict())))
    if kind == "paste":
        report = pasted(name)
        if report is None:
            return None
        facts = report.facts
    else:
        facts = set_report(name).facts
    assert facts is not None
    return lines(facts)


RECORD = KeyedGolden(GOLDEN, KEYS, _facts)


def test_regenerate_when_asked() -> None:
    """Writes the record first when CVPN_REGEN_FIXTURES=1 (refused under CI)."""
    RECORD.regenerate_if_asked()


def test_every_case_is_recorded() -> None:
    RECORD.check_keys()


@pytest.mark.parametrize("key", KEYS)
def test_the_facts_are_what_was_recorded(key: str) -> None:
    RECORD.check(key)
