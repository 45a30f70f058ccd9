"""The adapters' shared vocabulary and scaffold (issue 20, items 3 and 4): source ids are
typed constants, Env hooks are checked, and Linux's parse has no order the caller must know."""
from __future__ import annotations

import ast
import itertools
import json
import random
from pathlib import Path

import pytest

from agent import source_ids as sid
from agent.model import (CollectionError, Evidence, Platform, RawCapture, SourceCapture, SourceKind)
from platforms import linux, macos, recognize, windows
from platforms.base import CommandResult, Env, Hook, ParseError, ParseRun
from platforms.linux import LinuxAdapter

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
NOW = "2026-12-02T00:00:00Z"


# --------------------------------------------------------------------------- source ids


def _recorded_ids() -> set[str]:
    """Every source id in a recorded capture under tests/fixtures (the lab's reports, ...)."""
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            sources = node.get("sources")
            if isinstance(sources, list) and "collected_at" in node:
                found.update(s["id"] for s in sources if isinstance(s, dict) and isinstance(s.get("id"), str))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in FIXTURES.rglob("*.json"):
        try:
            walk(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return found


def test_the_constants_are_distinct_and_all_is_complete() -> None:
    constants = {k: v for k, v in vars(sid).items() if k.isupper() and isinstance(v, str)}
    ids = {v for k, v in constants.items() if k not in ("ROUTE_GET_PREFIX", "POWERSHELL_SECTION_PREFIX", "PS_TEXT")}
    assert ids == set(sid.ALL)
    assert len(set(constants.values())) == len(constants), "two constants share one value"
    assert sid.route_get("10.0.0.2") == "route-get:10.0.0.2"
    assert sid.route_get_address(sid.route_get("fe80::1%tun0")) == "fe80::1%tun0"
    assert sid.is_known("route-get:10.0.0.2") and sid.is_known("powershell:routes")
    assert not sid.is_known("route-get:") and not sid.is_known("resolv.con")


def test_every_declared_source_is_a_known_id() -> None:
    declared = [s.id for s in LinuxAdapter().sources] + [s.id for s in macos.SOURCES]
    declared += [macos.route_get_source("10.0.0.2").id]
    assert declared and all(sid.is_known(i) for i in declared), [i for i in declared if not sid.is_known(i)]


def _fake_run(argv, timeout_s, stdin=None):
    return CommandResult("", "", 1, 0.0)


@pytest.mark.parametrize("adapter", [LinuxAdapter(), macos.MacosAdapter(), windows.WindowsAdapter()],
                         ids=lambda a: a.platform.value)
def test_every_collected_source_is_a_known_id(adapter) -> None:
    env = Env(run=_fake_run, read=lambda p: "nameserver 10.0.0.2\n", clock=lambda: NOW,
              extra={"resolved_dbus": lambda: {}, "interfaces": lambda: {"addrs": {}, "stats": {}},
                     "readlink": lambda p: "/run/systemd/resolve/stub-resolv.conf", "winreg": None,
                     "windows_tools": windows.system_tools("C:\\Windows", isdir=lambda p: False)})
    raw = adapter.collect(env, addresses=("10.0.0.2",))
    assert raw.sources and all(sid.is_known(s.id) for s in raw.sources), [s.id for s in raw.sources]


def test_every_recogniser_names_a_known_id() -> None:
    for source_id, _platform, _looks in recognize.RECOGNISERS:
        assert source_id in sid.ALL or source_id in (sid.PS_TEXT, sid.ROUTE_GET_PREFIX), source_id
    for _rx, ids in recognize._HINTS:
        assert all(i in sid.ALL for i in ids), ids


def test_every_recorded_capture_uses_known_ids() -> None:
    ids = _recorded_ids()
    assert len(ids) >= 15
    assert all(sid.is_known(i) for i in ids), sorted(i for i in ids if not sid.is_known(i))


@pytest.mark.parametrize("path", sorted((FIXTURES / "linux").glob("*.out")) + sorted((FIXTURES / "macos").glob("*.out"))
                         + sorted((FIXTURES / "windows").glob("*.out")), ids=lambda p: p.name)
def test_every_fixture_is_recognised_as_a_known_id(path: Path) -> None:
    found = recognize.recognise(path.read_text(encoding="utf-8", errors="replace"))
    assert found is None or sid.is_known(found.source_id), found


_ADAPTER_FILES = ("platforms/linux.py", "platforms/macos.py", "platforms/windows.py", "platforms/recognize.py",
                  "platforms/vpn_evidence.py", "platforms/local_evidence.py", "agent/analyze.py")


@pytest.mark.parametrize("name", _ADAPTER_FILES)
def test_no_source_id_is_spelt_out_in_code(name: str) -> None:
    """Source ids in code are the constants: no string literal equal to one is passed first to
    a call, compared, or listed in a tuple of ids (docstrings, comments, messages, argv, and
    stage names -- ``stage("nmcli", ...)``, ``trace("interfaces", ...)`` -- may spell them)."""
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))

    def is_id(node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and isinstance(node.value, str) and (
            node.value in sid.ALL or node.value in sid.PREFIXES)

    bad = []
    for node in ast.walk(tree):
        args: list[ast.expr] = []
        if isinstance(node, ast.Call):
            named = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            args = [] if named in ("trace", "trace_all", "stage") else [*node.args[:1]]
        elif isinstance(node, ast.Compare):
            args = [node.left, *node.comparators]
        elif isinstance(node, (ast.Tuple, ast.Set)):
            words = [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            args = words if words and all(is_id(e) for e in words) else []
        bad += [(arg.lineno, arg.value) for arg in args if isinstance(arg, ast.Constant) and is_id(arg)]
    assert not bad, f"{name}: source ids as literals (use agent.source_ids): {bad}"


# --------------------------------------------------------------------------- Env hooks


def test_env_accepts_hooks_by_member_or_by_name() -> None:
    env = Env(extra={"home": "/home/ana", Hook.WINREG: None})
    assert env.hook(Hook.HOME) == "/home/ana" and env.hook("home") == "/home/ana"
    assert env.has_hook(Hook.WINREG) and env.hook(Hook.WINREG, "default") is None
    assert not env.has_hook(Hook.LISTDIR) and env.hook(Hook.LISTDIR, "default") == "default"
    assert env.extra["home"] == "/home/ana"          # string look-ups still work


def test_a_misspelt_hook_fails_naming_the_valid_ones() -> None:
    with pytest.raises(ValueError) as err:
        Env(extra={"list_dir": lambda path: []})
    assert "'list_dir'" in str(err.value) and "listdir" in str(err.value) and "winreg" in str(err.value)


@pytest.mark.parametrize("name", sorted(str(p.relative_to(ROOT)) for folder in ("agent", "platforms")
                                        for p in (ROOT / folder).rglob("*.py")))
def test_hooks_are_read_through_the_accessor(name: str) -> None:
    """``env.extra`` is read only by Env itself: a hook read as ``extra.get("x")`` would escape
    the type checker's eye again."""
    tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "extra" and name != "platforms/base.py":
            base = node.value
            assert not (isinstance(base, ast.Name) and base.id == "env") and not (
                isinstance(base, ast.Attribute) and base.attr == "env"), f"{name}:{node.lineno} reads env.extra"


# --------------------------------------------------------------------------- ParseRun


def _raw(*caps: SourceCapture) -> RawCapture:
    return RawCapture(platform=Platform.LINUX, collected_at=NOW, sources=caps)


def _cap(source_id: str, text: str | None, error: str | None = None, truncated: bool = False) -> SourceCapture:
    return SourceCapture(id=source_id, kind=SourceKind.COMMAND, text=text, error=error, truncated=truncated)


def test_parse_run_reads_a_source_the_one_way() -> None:
    run = ParseRun(_raw(_cap("a", None, "a is not installed"), _cap("b", "half", "b did not finish"),
                        _cap("c", "whole", truncated=True), _cap("d", "text")))
    assert run.text("missing") is None
    assert run.text("a", "the a part is unknown") is None
    assert run.text("b") == "half" and run.text("c") == "whole"
    assert run.parse("d", lambda t: t.upper(), "d output") == "TEXT"

    def bad(text: str) -> str:
        raise ParseError("not a d")

    assert run.parse("d", bad, "the d output") is None
    assert run.errors == (CollectionError("a", "a is not installed: the a part is unknown"),
                          CollectionError("b", "b did not finish (partial output kept)"),
                          CollectionError("d", "the d output could not be read: not a d"))
    assert run.trace_lines == ("c: output was cut at the size limit",)


def test_a_failed_stage_costs_only_itself_and_runs_once() -> None:
    run = ParseRun(_raw(), order=("first", "second"))
    calls = []

    def second() -> int:
        calls.append("second")
        run.trace("routes", "second ran")
        raise KeyError("gone")

    def first() -> int:
        run.trace("dns", "first ran")
        return 1 + (run.stage("second", second, default=0) or 0)

    assert run.stage("second", second, default=0) == 0            # the later stage first
    assert run.stage("first", first) == 1 and calls == ["second"]   # memoised: not run again
    run.capture(Evidence.ROUTES)
    assert run.trace_lines == ("dns: first ran", "routes: second ran")    # listed in `order`
    assert [e.source for e in run.errors] == ["second"] and run.evidence == (Evidence.ROUTES,)


# --------------------------------------------------------------------------- Linux: no hidden order


def _linux_raws() -> list[tuple[str, RawCapture]]:
    out: list[tuple[str, RawCapture]] = []
    for path in sorted((FIXTURES / "lab").glob("*.report.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("raw") and data["raw"].get("platform") == "linux":
            out.append((path.name, RawCapture.from_dict(data["raw"])))
    pasted: dict[str, SourceCapture] = {}
    for path in sorted((FIXTURES / "linux").glob("*.out")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = recognize.recognise(text)
        if found is None:
            continue
        cap = SourceCapture(id=found.source_id, kind=SourceKind.FILE, text=text)
        out.append((path.name, _raw(cap)))
        pasted.setdefault(found.source_id, cap)
    # one capture of every kind at once, and the no-`ip` and nmcli-only shapes
    out.append(("every-linux-fixture", _raw(*pasted.values())))
    no_ip = [c for k, c in pasted.items() if k in (sid.RESOLV_CONF, sid.PROC_NET_ROUTE, sid.NSSWITCH_CONF)]
    no_ip.append(_cap(sid.IP_ROUTE, None, "ip is not installed (not found on PATH)"))
    no_ip.append(SourceCapture(id=sid.ROUTE_TARGETS, kind=SourceKind.API, text='{"addresses": ["10.0.0.2", "8.8.8.8"]}'))
    out.append(("proc-net-route-only", _raw(*no_ip)))
    out.append(("nmcli-only", _raw(*(c for k, c in pasted.items() if k in (sid.NMCLI, sid.RESOLVECTL)))))
    return out


LINUX_RAWS = _linux_raws()


def _orders() -> list[tuple[str, ...]]:
    parts = linux._Parse.PARTS
    rng = random.Random(20)
    orders = [tuple(reversed(parts))]
    orders += [(p,) for p in parts]                          # each part first, the rest on demand
    orders += [tuple(rng.sample(parts, len(parts))) for _ in range(4)]
    return orders


def test_the_fixtures_cover_the_hidden_dependencies() -> None:
    names = [n for n, _ in LINUX_RAWS]
    assert len(names) >= 20 and "proc-net-route-only" in names and "nmcli-only" in names


@pytest.mark.parametrize("name,raw", LINUX_RAWS, ids=[n for n, _ in LINUX_RAWS])
def test_linux_parse_gives_the_same_snapshot_in_any_order(name: str, raw: RawCapture) -> None:
    expected = LinuxAdapter().parse(raw).to_dict()
    for order in _orders():
        assert linux._Parse(raw).snapshot(order).to_dict() == expected, (name, order)


def test_every_permutation_of_the_parts_on_one_full_capture() -> None:
    name, raw = next((n, r) for n, r in LINUX_RAWS if n == "every-linux-fixture")
    expected = LinuxAdapter().parse(raw).to_dict()
    for order in itertools.islice(itertools.permutations(linux._Parse.PARTS), 0, None, 97):
        assert linux._Parse(raw).snapshot(order).to_dict() == expected, order


def test_the_no_ip_lookups_need_no_earlier_stage() -> None:
    """The route lookups computed from /proc/net/route used to depend on the routes stage
    having run first (it set ``ip_missing``): asked first, they are the same."""
    raw = next(r for n, r in LINUX_RAWS if n == "proc-net-route-only")
    first = linux._Parse(raw)
    lookups = first.lookups()
    assert [lk.address for lk in lookups] == ["10.0.0.2", "8.8.8.8"] and all(lk.method == "table" for lk in lookups)
    assert first.snapshot().route_lookups == LinuxAdapter().parse(raw).route_lookups


# --------------------------------------------------------------------------- one trace convention


def _fixture_snapshots():
    adapters = {"linux": (LinuxAdapter(), Platform.LINUX), "macos": (macos.MacosAdapter(), Platform.MACOS),
                "windows": (windows.WindowsAdapter(), Platform.WINDOWS)}
    for folder, (adapter, platform) in adapters.items():
        caps = {}
        for path in sorted((FIXTURES / folder).glob("*.out")):
            text = path.read_text(encoding="utf-8", errors="replace")
            found = recognize.recognise(text)
            if found is not None:
                cap = SourceCapture(id=found.source_id, kind=SourceKind.FILE, text=text)
                caps.setdefault(found.source_id, cap)
                yield path.name, adapter.parse(RawCapture(platform=platform, collected_at=NOW, sources=(cap,)))
        yield f"{folder}: all", adapter.parse(RawCapture(platform=platform, collected_at=NOW,
                                                         sources=tuple(caps.values())))
    for name, raw in LINUX_RAWS:
        yield name, LinuxAdapter().parse(raw)


def test_every_trace_line_names_a_source_or_a_stage() -> None:
    from platforms.base import TRACE_STAGES

    lines = [(name, t) for name, snap in _fixture_snapshots() for t in snap.trace]
    assert len(lines) > 500
    bad = [(name, t) for name, t in lines
           if ": " not in t or not (t.split(": ", 1)[0] in TRACE_STAGES or sid.is_known(t.split(": ", 1)[0]))]
    assert not bad, bad[:10]
