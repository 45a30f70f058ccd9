"""CLI tests: each exit code, --json purity, usage errors. No test here sends a packet:
diagnose runs with --no-probe (the host's real resolvers are never probed)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from agent import __version__
from agent.cli import ExitStatus, app, default_command, parse_name
from agent.findings import CATALOGUE
from tests.conftest import ROOT

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, default_command(list(args)), catch_exceptions=False)


def test_version():
    res = invoke("--version")
    assert res.exit_code == 0 and res.stdout.strip() == f"cvpn-doctor {__version__}"


def test_version_fast_path_in_a_subprocess():
    out = subprocess.run([sys.executable, "-m", "agent", "--version"], capture_output=True, text=True,
                         cwd=ROOT, timeout=30)
    assert out.returncode == 0 and out.stdout.strip() == f"cvpn-doctor {__version__}"


def test_no_command_means_diagnose():
    assert default_command([]) == ["diagnose"]
    assert default_command(["-v"]) == ["-v", "diagnose"]
    assert default_command(["collect"]) == ["collect"]


def test_explain_lists_every_code():
    res = invoke("explain")
    assert res.exit_code == 0
    for code in CATALOGUE:
        assert code in res.stdout


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_explain_each_code(code):
    res = invoke("explain", code)
    assert res.exit_code == 0
    assert CATALOGUE[code].title in res.stdout and "VPN administrator" in res.stdout


def test_explain_unknown_code_is_a_usage_error():
    res = invoke("explain", "no-such-code")
    assert res.exit_code == ExitStatus.USAGE
    assert "unknown finding code" in res.stderr and res.stdout == ""


def test_unknown_option_is_a_usage_error():
    assert invoke("diagnose", "--no-such-flag").exit_code == ExitStatus.USAGE


@pytest.mark.parametrize("bad", ["db.corp=notanip", "=10.0.0.1", "has space"])
def test_bad_name_is_a_usage_error(bad):
    res = invoke("diagnose", "--no-probe", "--name", bad)
    assert res.exit_code == ExitStatus.USAGE


def test_parse_name():
    n = parse_name("db.corp.internal.=10.0.1.10")
    assert (n.name, n.expected, n.origin) == ("db.corp.internal", "10.0.1.10", "user")
    assert parse_name("x.example=private").expected == "private"
    assert parse_name("x.example").expected is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="collects this Linux machine")
def test_collect_json_on_this_machine_fits_the_schema():
    import jsonschema

    res = invoke("collect", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)  # exactly one JSON document
    schema = json.loads((ROOT / "agent" / "schema" / "snapshot.schema.json").read_text())
    jsonschema.validate(data, schema)
    with open("/etc/resolv.conf") as fh:
        listed = [ln.split()[1] for ln in fh if ln.startswith("nameserver") and len(ln.split()) > 1]
    seen = set(data["dns"]["resolv_conf_nameservers"]) | {r["address"] for r in data["dns"]["resolvers"]}
    assert set(listed) <= seen
    assert any(r["destination"] in ("0.0.0.0/0", "::/0") for r in data["routes"])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="collects this Linux machine")
def test_diagnose_json_is_one_document_and_exit_code_matches():
    res = invoke("diagnose", "--no-probe", "--json")
    data = json.loads(res.stdout)
    assert data["schema_version"] and data["verdict"] in ("healthy", "degraded", "broken", "not-connected")
    has_error = any(f["severity"] == "error" for f in data["findings"])
    assert res.exit_code == (ExitStatus.FINDINGS if has_error else ExitStatus.OK)
    assert data["probes"] == [] and data["probe_skipped"]


def test_collect_text_is_readable():
    res = invoke("collect")
    assert res.exit_code in (0, 3)
    assert "Resolvers" in res.stdout and "Tunnel" in res.stdout
