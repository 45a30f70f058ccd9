"""The launcher's fast path (agent.launch + agent.clispec) against typer (agent.cli).

* typer's options are the declared ones (one source of truth for flags, defaults, help);
* on generated command lines the fast parser either defers to typer or gives exactly the
  values typer gives;
* the fast path and typer print the same thing with the same exit status;
* each command imports only what it uses: the CLI runs in a subprocess and the modules it
  loaded are inspected (no timing here: speed figures are in benchmarks/).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from agent import clispec
from agent.cli import app, default_command
from agent.findings import CATALOGUE
from tests.conftest import ROOT

GROUP = typer.main.get_command(app)


def _sub(name: str):
    return GROUP.get_command(None, name)


# --------------------------------------------------------------------------- one source of truth


@pytest.mark.parametrize("spec,command", [(clispec.DIAGNOSE, "diagnose"), (clispec.COLLECT, "collect"),
                                          (clispec.GLOBAL, None)])
def test_typer_options_are_the_declared_ones(spec, command):
    cmd = GROUP if command is None else _sub(command)
    params = {p.name: p for p in cmd.params if p.name != "version"}
    assert list(params) == [o.dest for o in spec.options]
    for o in spec.options:
        p = params[o.dest]
        assert tuple(p.opts) == o.flags and p.help == o.help, o.dest
        assert tuple(p.secondary_opts) == ((o.off,) if o.off else ())
        assert p.default == o.default and p.multiple == (o.kind == clispec.MULTI)
        assert bool(p.count) == (o.kind == clispec.COUNT)
        if o.kind == clispec.VALUE:
            assert (getattr(p, "min", None), getattr(p, "max", None)) == (o.min, o.max)
    if command is not None:
        assert cmd.help == spec.help


def test_explain_help_is_the_declared_one():
    cmd = _sub("explain")
    assert cmd.help == clispec.EXPLAIN.help and cmd.params[0].help == clispec.EXPLAIN_CODE_HELP


# --------------------------------------------------------------------------- same parse


def _typer_parse(args: list[str]):
    """What typer parses (no command body runs); raises typer's usage errors."""
    args = default_command(args)
    gctx = GROUP.make_context("cvpn-doctor", list(args))
    name = args[len(args) - len(gctx.args) - 1]
    sub = _sub(name)
    sctx = sub.make_context(name, list(gctx.args), parent=gctx)
    gparams = {k: v for k, v in gctx.params.items() if k != "version"}
    return name, gparams, sctx.params


def _same(fast, typer_values) -> None:
    name, gparams, params = typer_values
    assert fast.command == name
    assert fast.global_options == gparams
    norm = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    assert fast.options == norm


_TOKENS = [f for o in clispec.DIAGNOSE.options for f in (*o.flags, *((o.off,) if o.off else ()))] + [
    "--help", "-h", "--nope", "-", "--", "x", "", "3", "0.05", "61", "nan", "inf", "1e1", "1_0", "a=b",
    "--name=x", "--timeout=2", "--timeout=", "--json=1", "-nfoo", "db.corp=private", "/tmp/report.md",
    "--log=/var/log/x.log", "-x", "-v", "collect", "strict", "default", "Strict", "--redact-level=strict",
]
_GLOBALS = ["-v", "-q", "--debug", "--verbose", "--quiet", "-vv"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_GLOBALS), max_size=2), st.sampled_from(["diagnose", "collect", None]),
       st.lists(st.sampled_from(_TOKENS), max_size=6))
def test_fast_parse_defers_or_agrees_with_typer(globals_, command, tokens):
    args = [*globals_, *([command] if command else []), *tokens]
    fast = clispec.parse(args)
    if fast is None:
        return
    _same(fast, _typer_parse(args))


@pytest.mark.parametrize("args", [
    [], ["diagnose"], ["-v", "diagnose", "--json"], ["--debug"],
    ["diagnose", "--json", "--timeout", "3", "--name", "aws.amazon.com", "-n", "db.corp.internal=private",
     "--log", "/tmp/client.log"],
    ["diagnose", "--markdown", "-", "--no-redact", "--bundle=out.zip", "--force", "--no-probe", "--redact-preview",
     "--profile", "p.ovpn", "--config", "c.toml", "--timeout=0.5"],
    ["diagnose", "--json-line", "--json-file", "r.json", "--html", "r.html", "--no-diagram", "--redact-level", "strict"],
    ["collect"], ["-q", "collect", "--json", "--log", "x.log", "--profile", "p.ovpn"],
    ["--no-probe", "--json"], ["-v", "--format", "markdown", "--no-probe"],     # no command: diagnose
])
def test_common_command_lines_take_the_fast_path(args):
    fast = clispec.parse(args)
    assert fast is not None
    _same(fast, _typer_parse(args))


@pytest.mark.parametrize("args", [
    ["--help"], ["diagnose", "--help"], ["diagnose", "-h"], ["diagnose", "--timeout", "0"],
    ["diagnose", "--timeout", "nan"], ["diagnose", "--name"], ["diagnose", "--json=yes"], ["probe", "10.0.0.2"],
    ["analyze", "x"], ["explain", "--help"], ["explain", "a", "b"], ["-vq", "diagnose"], ["diagnose", "--", "x"],
])
def test_what_typer_must_see_is_left_to_typer(args):
    assert clispec.parse(args) is None


# --------------------------------------------------------------------------- same output


def _launch(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env=env)


@pytest.mark.parametrize("args", [["explain"], ["explain", "dns-tcp53-blocked"], ["explain", "DNS-TCP53-Blocked"],
                                  ["explain", "no-such-code"], ["-q", "explain", "no-such-code"], ["--version"],
                                  ["explain", "--json"], ["explain", "dns-tcp53-blocked", "--format", "markdown"],
                                  ["explain", "--format", "yaml"]])
def test_fast_path_prints_what_typer_prints(args):
    fast = _launch(*args)
    slow = CliRunner().invoke(app, default_command(args), catch_exceptions=False)
    assert (fast.returncode, fast.stdout, fast.stderr) == (slow.exit_code, slow.stdout, slow.stderr)


def test_bad_name_goes_to_typer_for_its_usage_error():
    out = _launch("diagnose", "--no-probe", "--name", "has space")
    assert out.returncode == 2 and "Usage:" in out.stderr and "'has space' is not a DNS name" in out.stderr


def test_explain_into_a_closed_pipe_exits_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "agent", "explain"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()          # the reader went away before the first byte (`| head -0`)
    _out, err = proc.communicate(timeout=60)
    # every command stops quietly with 0 when its reader goes away (commands.guard), explain too
    assert proc.returncode == 0 and b"Traceback" not in err and err == b""


# --------------------------------------------------------------------------- imports per command

_DRIVER = """
import atexit, json, sys
out = sys.argv[1]
def dump():
    with open(out, "w") as fh:
        fh.write(json.dumps(sorted(sys.modules)))
atexit.register(dump)
sys.argv = ["cvpn-doctor", *sys.argv[2:]]
from agent.launch import main
main()
"""

PROBE_ENGINE = {"dns", "agent.probes", "agent.dnsping"}
TYPER = {"typer", "pydantic"}
PLATFORM = {"platforms", "psutil", "jeepney"}


def _modules(tmp_path: Path, *args: str) -> set[str]:
    out = tmp_path / "modules.json"
    proc = subprocess.run([sys.executable, "-c", _DRIVER, str(out), *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=dict(os.environ, NO_COLOR="1"))
    assert proc.returncode in (0, 1, 2, 3, 4), proc.stderr
    return set(json.loads(out.read_text()))


def _loaded(modules: set[str], heavy: set[str]) -> set[str]:
    return {m for m in modules if m in heavy or m.split(".")[0] in heavy}


_FIXTURE = str(ROOT / "tests" / "fixtures" / "linux" / "resolv_conf--systemd-stub.out")
_REPORT = str(ROOT / "tests" / "golden" / "S2-healthy.json")

CASES = [
    (["--version"], TYPER | PROBE_ENGINE | PLATFORM | {"agent.model", "agent.commands", "agent.clispec"}),
    (["explain"], TYPER | PROBE_ENGINE | PLATFORM | {"agent.run"}),
    (["explain", "dns-tcp53-blocked"], TYPER | PROBE_ENGINE | PLATFORM | {"agent.run"}),
    (["--help"], PROBE_ENGINE | PLATFORM | {"agent.model", "agent.run"}),
    (["diagnose", "--help"], PROBE_ENGINE | PLATFORM | {"agent.model", "agent.run"}),
    (["probe", "--help"], PROBE_ENGINE | PLATFORM | {"agent.model"}),
    (["analyze", _FIXTURE], PROBE_ENGINE | {"psutil", "jeepney"}),
    (["analyze", "--json", _REPORT], PROBE_ENGINE | {"psutil", "jeepney"}),
]
LOCAL = [  # these read this machine's state (no packets): Linux only, as in test_cli
    (["collect", "--json"], TYPER | PROBE_ENGINE | {"agent.classify"}),
    (["collect"], TYPER | PROBE_ENGINE),
    (["diagnose", "--no-probe", "--json"], TYPER | {"dns"}),
]


@pytest.mark.parametrize("args,heavy", CASES, ids=[" ".join(a[:2]) for a, _ in CASES])
def test_a_command_imports_only_what_it_uses(tmp_path, args, heavy):
    assert _loaded(_modules(tmp_path, *args), heavy) == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="collects this Linux machine")
@pytest.mark.parametrize("args,heavy", LOCAL, ids=[" ".join(a) for a, _ in LOCAL])
def test_collecting_commands_import_only_what_they_use(tmp_path, args, heavy):
    assert _loaded(_modules(tmp_path, *args), heavy) == set()


def test_the_driver_sees_heavy_modules_when_they_are_used(tmp_path):
    """The checks above can fail: typer shows when typer parsed, the rules when analyze ran."""
    assert "typer" in _modules(tmp_path, "probe", "--count", "0", "127.0.0.1")   # typer's usage error, no packet
    assert {"typer", "agent.classify"} <= _modules(tmp_path, "analyze", _FIXTURE)


def test_every_code_is_explained_by_the_fast_path():
    out = _launch("explain")
    assert out.returncode == 0 and all(code in out.stdout for code in CATALOGUE)
