"""The CLI's contract with scripts: the exit-code table in README.md is ExitStatus, every
command takes the same output options, and the published finding catalogue is the code's."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from typer.main import get_command

from agent import clispec
from agent.cli import app
from agent.commands import ExitStatus
from tests.conftest import ROOT

GROUP = get_command(app)


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CVPN_DOCTOR_LANG="en", NO_COLOR="1")   # the published docs are English
    return subprocess.run([sys.executable, "-m", "agent", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=60, env=env)


def test_readme_exit_code_table_is_exit_status():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text[text.index("Exit codes"):]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", table, flags=re.M))
    assert {int(code) for code in rows} == {int(s) for s in ExitStatus}
    assert len(set(int(s) for s in ExitStatus)) == len(ExitStatus), "two statuses share a code"


@pytest.mark.parametrize("name", sorted(GROUP.commands))
def test_every_command_takes_the_shared_output_options(name):
    params = {p.name: p for p in GROUP.commands[name].params}
    for o in clispec.OUTPUT:
        assert o.dest in params, f"{name} lacks {o.flags[0]}"
        p = params[o.dest]
        assert tuple(p.opts) == o.flags and p.help == o.help and p.default == o.default, (name, o.dest)


def test_explain_formats_render_the_catalogue():
    from agent.findings import CATALOGUE

    as_json = _run("explain", "--json")
    assert as_json.returncode == 0
    assert [d["code"] for d in json.loads(as_json.stdout)] == sorted(CATALOGUE)
    one = _run("explain", "dns-tcp53-blocked", "--format", "markdown")
    assert one.returncode == 0 and one.stdout.startswith("## dns-tcp53-blocked\n")
    assert CATALOGUE["dns-tcp53-blocked"].admin_fix in one.stdout


def test_published_catalogue_is_generated_from_the_code():
    """docs/findings.md is `cvpn-doctor explain --format markdown`; regenerate it with
    `make docs` after changing agent/findings.py."""
    out = _run("explain", "--format", "markdown")
    assert out.returncode == 0
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == out.stdout, "run `make docs`"


def test_output_file_is_written_and_never_overwritten_without_force(tmp_path):
    target = tmp_path / "codes.txt"
    assert _run("explain", "--output", str(target)).returncode == 0
    first = target.read_text(encoding="utf-8")
    assert "dns-tcp53-blocked" in first
    again = _run("explain", "--output", str(target), "--format", "json")
    assert again.returncode == ExitStatus.USAGE and "use --force" in again.stderr
    assert target.read_text(encoding="utf-8") == first
    forced = _run("explain", "--output", str(target), "--format", "json", "--force")
    assert forced.returncode == 0 and json.loads(target.read_text(encoding="utf-8"))


def test_a_write_that_fails_has_its_own_exit_status(tmp_path):
    res = _run("explain", "--output", str(tmp_path / "no" / "such" / "codes.txt"))
    assert res.returncode == ExitStatus.WRITE_FAILED and "does not exist" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("args", [["explain", "--format", "yaml"], ["explain", "--json", "--format", "markdown"],
                                  ["collect", "--format", "csv"]])
def test_a_format_the_command_does_not_have_is_a_usage_error(args):
    res = _run(*args)
    assert res.returncode == ExitStatus.USAGE and ("--format" in res.stderr or "--json" in res.stderr)


def test_an_internal_error_is_not_could_not_collect(monkeypatch, capsys):
    from agent import commands

    def boom():
        raise RuntimeError("planted bug")

    with pytest.raises(commands.Exit) as done:
        commands.guard(commands.Ui(), boom)
    assert done.value.status == ExitStatus.INTERNAL != ExitStatus.NO_DATA
    assert "internal error: RuntimeError: planted bug" in capsys.readouterr().err


def test_collect_markdown_and_text_come_from_the_renderers():
    res = _run("collect", "--format", "markdown")
    assert res.returncode in (0, 3)
    assert res.stdout.startswith("# cvpn-doctor: what this machine's configuration shows\n\n```text\n")
