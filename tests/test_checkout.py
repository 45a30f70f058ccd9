"""The checkout itself: files whose line endings matter keep LF on every OS (issue 22, item 9).

Git for Windows converts text files to CRLF on checkout by default; bash (Git Bash on the
Windows runner) then rejects packaging/build.sh and .ci/run, and fixtures compared byte for
byte stop matching.  .gitattributes pins them; on a Windows checkout these tests are the
proof that it worked."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SCRIPTS = (".ci/run", "packaging/build.sh", "Makefile", "mk/lab.mk", "mk/ship.mk")


@pytest.mark.parametrize("path", SCRIPTS)
def test_scripts_have_lf_line_endings_in_this_checkout(path):
    assert b"\r" not in (ROOT / path).read_bytes(), f"{path} has CR characters: bash and make reject them"


def test_fixtures_are_byte_exact_in_this_checkout():
    """No fixture was given CRLF by the checkout (none is committed with CRs today; a real
    capture that carries its own would be kept as it is by the "-text" attribute)."""
    with_cr = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests" / "fixtures").rglob("*")
               if p.is_file() and b"\r\n" in p.read_bytes()]
    assert not with_cr, with_cr


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_gitattributes_pin_the_line_endings():
    probes = [*SCRIPTS, "agent/cli.py", "tests/fixtures/windows/ipconfig--ja-win11-vbox.out",
              "tests/golden/S2-healthy.txt"]
    out = subprocess.run(["git", "check-attr", "text", "eol", "--", *probes], cwd=ROOT, capture_output=True,
                         text=True, timeout=30, check=True).stdout
    attrs = {}
    for line in out.splitlines():
        path, attr, value = (part.strip() for part in line.rsplit(":", 2))
        attrs[(path, attr)] = value
    for path in (*SCRIPTS, "agent/cli.py"):
        assert attrs[(path, "eol")] == "lf", (path, attrs)
    for path in probes[-2:]:
        assert attrs[(path, "text")] == "unset", (path, attrs)
