"""Classification: snapshot + probes -> scenario, findings, verdict (pure)."""
from __future__ import annotations

import logging
from typing import Callable, Iterable

from agent.model import Diagnosis, Facts, Finding, NameCheck, ProbeRun, ResolverScope, Severity, Snapshot, Verdict
from agent.rules import RULES
from agent.rules.context import Context
from agent.scenarios import CANNOT_TELL, NOT_CONNECTED, identify
from agent.vocab import Code

log = logging.getLogger(__name__)

Rule = Callable[[Context], "Finding | None"]


def order(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Most severe first, then by code (stable, so reports diff cleanly)."""
    return tuple(sorted(findings, key=lambda f: (-f.severity.rank, f.code)))


def verdict_of(scenario_id: str, findings: tuple[Finding, ...], facts: Facts | None = None) -> Verdict:
    """Broken / not-connected / degraded from the findings.  Healthy only when the scenario is
    known, the DNS servers were probed, and no server in use was silent without a finding
    to say why (a cause the evidence cannot name is not health): else cannot-tell.
    ``facts`` None: probed, nothing silent (verdict tables)."""
    if any(f.severity is Severity.ERROR and f.code != Code.VPN_NOT_CONNECTED for f in findings):
        return Verdict.BROKEN
    if scenario_id == NOT_CONNECTED:
        return Verdict.NOT_CONNECTED
    if any(f.severity is Severity.WARNING for f in findings):
        return Verdict.DEGRADED
    if scenario_id == CANNOT_TELL:
        return Verdict.CANNOT_TELL
    if facts is not None and (not facts.probed or unexplained_silence(facts)
                              or any(u.topic in BLOCKS_HEALTH for u in facts.unknowns)):
        return Verdict.CANNOT_TELL
    return Verdict.HEALTHY


# What "healthy" claims and an unknown would leave unchecked: which servers programs ask, the
# way to them (the tunnel, its mode, each route, IPv6), whose they are, and how they answer.
# (Only pushed-but-not-applied rests on the log alone: its absence does not block health.)
BLOCKS_HEALTH = frozenset({"tunnel", "tunnel-mode", "custom-dns", "resolvers", "routes", "ipv6-routes", "probes"})


def unexplained_silence(facts: Facts) -> tuple[str, ...]:
    """Servers the OS or the VPN uses that gave no DNS reply at all."""
    return tuple(s.address for s in facts.servers
                 if (s.role or (s.scope is not None and s.scope not in (ResolverScope.INACTIVE, ResolverScope.UNUSED)))
                 and s.probes and all(p.silent for p in s.probes))


def classify(snapshot: Snapshot, probes: ProbeRun | None = None, names: tuple[NameCheck, ...] = (),
             expected_dns: tuple[str, ...] = (), rules: tuple[Rule, ...] = RULES,
             facts: Facts | None = None) -> Diagnosis:
    ctx = Context(snapshot, probes, names, expected_dns, facts)
    scenario = identify(ctx)
    found = []
    for rule in rules:
        result = rule(ctx)
        if result is not None:
            log.debug("rule %s fired: %s", rule.__name__, result.code)
            found.append(result)
    findings = order(found)
    return Diagnosis(scenario=scenario, findings=findings,
                     verdict=verdict_of(scenario.id, findings, ctx.facts))
