"""The pipeline: collect -> parse -> probe -> derive (Facts) -> classify -> Report.

``diagnose`` is what the CLI calls; ``assemble`` and ``reparse`` are shared with
offline analysis (a help desk re-running a saved report or pasted outputs).
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from agent import TOOL_NAME, __version__
from agent.model import NameCheck, Platform, ProbeRun, RawCapture, Report, Snapshot, ToolInfo, utc_now

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Options:
    names: tuple[NameCheck, ...] = ()
    timeout_s: float = DEFAULT_TIMEOUT_S
    log_path: str | None = None
    profile_path: str | None = None
    expected_dns: tuple[str, ...] = ()
    canary: str | None = None        # None: the probes' default canary
    large_answer_name: str | None = None  # a name with a large answer: probes dns-large-answer-lost
    probe: bool = True
    context: dict[str, Any] = field(default_factory=dict)


def reparse(raw: RawCapture) -> Snapshot:
    """Raw captures -> Snapshot, on any OS (the platform's parser + VPN evidence)."""
    from platforms import adapter_for
    from platforms.local_evidence import attach_local_evidence
    from platforms.vpn_evidence import attach_vpn_evidence

    snapshot = adapter_for(raw.platform).parse(raw)
    return attach_local_evidence(attach_vpn_evidence(snapshot, raw), raw)


def collect(options: Options, env=None, platform: Platform | None = None,
            on_servers: Callable[[Snapshot], None] | None = None) -> tuple[RawCapture, Snapshot]:
    """Run the platform adapter (plus VPN log/profile discovery and the local evidence) and
    parse the result.

    ``on_servers(partial)``, when given, is called as soon as nameservers are known, with
    a snapshot parsed from what has been read so far: after the adapter's resolver sources
    (``collect_dns``: resolv.conf and resolved, scutil) and again once the VPN log and
    profile are read.  ``diagnose`` starts probing from it while routes, interfaces, the
    route to each server and the local evidence are collected.  This is scheduling only:
    the same sources are read and parsed by the same pure functions, so the result does not
    depend on it.  An adapter without ``collect_dns`` (Windows: one PowerShell run) is
    collected whole."""
    from platforms import adapter_for, current_platform
    from platforms.base import Env, is_staged

    env = env or Env()
    platform = platform or current_platform()
    adapter = adapter_for(platform)
    if on_servers is None or not is_staged(adapter):
        from platforms.local_evidence import local_sources
        from platforms.vpn_evidence import vpn_sources

        vpn_caps = vpn_sources(env, platform, log_path=options.log_path, profile_path=options.profile_path)
        raw = adapter.collect(env, addresses=_extra_addresses(vpn_caps, options))
        local_caps = local_sources(env, platform)
    else:
        first = tuple(adapter.collect_dns(env))
        on_servers(adapter.parse(RawCapture(platform=platform, collected_at="", sources=first)))
        # The local evidence depends on nothing read here (hosts file, browsers, `ss` of port
        # 53): it is read on a thread of its own while the routes are, its waits overlapping theirs.
        from platforms.local_evidence import local_sources   # after the first probes, as the rest

        local = _Background(local_sources, env, platform)
        from platforms.vpn_evidence import vpn_sources   # after the first probes: ~10 ms of parsers
        vpn_caps = vpn_sources(env, platform, log_path=options.log_path, profile_path=options.profile_path)
        on_servers(reparse(RawCapture(platform=platform, collected_at="", sources=first + tuple(vpn_caps))))
        raw = adapter.collect_rest(env, first, addresses=_extra_addresses(vpn_caps, options))
        local_caps = local.result()
    raw = RawCapture(platform=raw.platform, collected_at=raw.collected_at,
                     sources=raw.sources + tuple(vpn_caps) + tuple(local_caps))
    return raw, reparse(raw)


class _Background:
    """``fn(*args)`` on a daemon thread; ``result()`` waits for it and returns its value, or
    raises what it raised (as if it had run here)."""

    def __init__(self, fn: Callable[..., Any], *args: Any) -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True, name="collect")
        self._thread.start()

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as err:  # noqa: BLE001 - handed to the caller by result()
            self._error = err

    def result(self) -> Any:
        self._thread.join()     # bounded: every source it reads has its own timeout
        if self._error is not None:
            raise self._error
        return self._value


def _extra_addresses(vpn_caps, options: Options) -> tuple[str, ...]:
    """Pushed and expected DNS servers: the adapter asks the kernel for their routes too."""
    return tuple(dict.fromkeys(_pushed_addresses(vpn_caps) + tuple(options.expected_dns)))


def _pushed_addresses(captures) -> tuple[str, ...]:
    """DNS servers the VPN logs say were pushed, so the adapter asks the kernel for their routes too."""
    from platforms.vpn_evidence import pushed_dns

    return pushed_dns(captures)


def names_for(snapshot: Snapshot, options: Options) -> tuple[NameCheck, ...]:
    """The canary, the user's/org's names, and names derived from the VPN profile."""
    from agent import probes

    names = probes.names_for(snapshot, options.names, canary=options.canary or probes.DEFAULT_CANARY)
    seen: set[str] = set()
    out = []
    for n in names:  # the first mention wins: a user name equal to the canary stays the canary
        key = n.name.rstrip(".").lower()
        if key not in seen:
            seen.add(key)
            out.append(n)
    return tuple(out)


def probe(snapshot: Snapshot, names: tuple[NameCheck, ...], options: Options,
          on_progress: Callable[[int, int], None] | None = None) -> ProbeRun:
    from agent import probes

    plan, system = probe_inputs(snapshot, names, options)
    return probes.run(plan, deadline_s=options.timeout_s, snapshot=snapshot, system_names=system,
                      on_progress=on_progress)


def probe_inputs(snapshot: Snapshot, names: tuple[NameCheck, ...], options: Options):
    """The probe plan and the names to resolve through the OS (pure).  Single-label names are
    asked of the OS only (a direct query of "db01." says nothing about the search list), as is
    the single-label form of each full name given; the names a probe adds for one cause
    (large answer, DoH canary) are never resolved through the OS."""
    from agent import probes
    from agent.model import PROBE_ORIGINS
    from agent.netclass import is_single_label

    direct = tuple(n for n in names if not is_single_label(n.name))
    plan = probes.plan(snapshot, direct, extra_servers=options.expected_dns,
                       large_answer=options.large_answer_name)
    system = [n.name for n in plan.names if n.origin not in PROBE_ORIGINS]
    system += [n for n in probes.single_label_forms(names) if n not in system]
    return plan, tuple(system)


def _with_probe_names(names: tuple[NameCheck, ...], probe_run: ProbeRun) -> tuple[NameCheck, ...]:
    """The names of the report: the ones tested, and the ones the probes added for a cause."""
    from agent.model import PROBE_ORIGINS

    return names + tuple(n for n in probe_run.names if n.origin in PROBE_ORIGINS and n not in names)


def new_report_id() -> str:
    """A random report id: identifies one run without saying anything about the machine or user."""
    return str(uuid.uuid4())


def assemble(raw: RawCapture | None, snapshot: Snapshot, probe_run: ProbeRun, names: tuple[NameCheck, ...],
             context: dict[str, Any] | None = None, expected_dns: tuple[str, ...] = (),
             platforms: tuple[Platform, ...] | None = None,
             report_id: str | None = None) -> Report:
    """Derive the facts, classify, and wrap everything into the versioned Report.
    ``platforms``: whose commands the report's unknowns name (default: the snapshot's OS).
    ``report_id``: a new random one unless given (re-analysing a saved report keeps its id)."""
    from agent.classify import classify   # here: `collect` needs neither the facts nor the rules
    from agent.facts import derive

    names = names or probe_run.names
    facts = derive(snapshot, probe_run, names, expected_dns, platforms)
    diagnosis = classify(snapshot, probe_run, names, expected_dns, facts=facts)
    return Report(tool=ToolInfo(TOOL_NAME, __version__), generated_at=utc_now(), platform=snapshot.platform,
                  snapshot=snapshot, probes=probe_run.results, scenario=diagnosis.scenario,
                  findings=diagnosis.findings, verdict=diagnosis.verdict, system_lookups=probe_run.system,
                  names=names, probe_deadline_s=probe_run.deadline_s,
                  probe_elapsed_s=probe_run.elapsed_s, probe_skipped=probe_run.skipped, raw=raw,
                  context=dict(context or {}), facts=facts, report_id=report_id or new_report_id())


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while probing; ``report`` holds what was collected and the probes that had
    finished, so the files the user asked for can still be written."""

    def __init__(self, report: Report) -> None:
        super().__init__("interrupted while probing")
        self.report = report


def diagnose(options: Options, env=None, on_progress: Callable[[int, int], None] | None = None, *,
             overlap: bool = True) -> Report:
    """The whole pipeline.  Raises :class:`Interrupted` (with a partial report) on Ctrl-C
    while probing; Ctrl-C while collecting is a plain KeyboardInterrupt (nothing to keep).

    With ``overlap`` (the default) the servers known from the first sources read are
    probed while the rest is collected (see ``collect``); the deadline runs from the
    first probe.  The final plan is made from the whole snapshot, as without overlap, and
    the report lists exactly its probes, in its order: only the timings differ."""
    from agent import probes
    from platforms.base import Hook

    if not options.probe:
        raw, snapshot = collect(options, env)
        names = names_for(snapshot, options)
        probe_run = ProbeRun(names=names, skipped="probing disabled (--no-probe)")
        return assemble(raw, snapshot, probe_run, names, options.context, options.expected_dns)

    # Hook.RESOLVE replaces getaddrinfo (tests: the real one may query beyond loopback)
    session = probes.Session(options.timeout_s, resolve=(env.hook(Hook.RESOLVE) if env is not None else None))

    def start_probing(partial: Snapshot) -> None:
        early, system = probe_inputs(partial, names_for(partial, options), options)
        if early.servers:
            session.add(early.items, system)

    try:
        raw, snapshot = collect(options, env, on_servers=start_probing if overlap else None)
        names = names_for(snapshot, options)
        final, system = probe_inputs(snapshot, names, options)
        from agent import classify  # noqa: F401 - imported now, while the probes fly: assemble needs it
        try:
            probe_run = session.finish(final, snapshot, system, on_progress)
        except probes.ProbesInterrupted as exc:
            raise Interrupted(assemble(raw, snapshot, exc.partial, _with_probe_names(names, exc.partial),
                                       options.context, options.expected_dns)) from None
    finally:
        session.close()
    names = _with_probe_names(names, probe_run)
    return assemble(raw, snapshot, probe_run, names, options.context, options.expected_dns)
