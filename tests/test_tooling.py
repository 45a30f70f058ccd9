"""The linter and the type checker, configured in pyproject.toml, run with the suite (so CI
runs them): ruff over the whole repository, mypy over agent/ and platforms/."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, must_run_all


def _tool(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        if must_run_all():
            pytest.fail(f"{module} is in the test extra: pip install -e '.[test]'")
        pytest.skip(f"{module} is not installed (pip install -e '.[test]')")


def test_ruff_finds_nothing():
    _tool("ruff")
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr


def test_mypy_finds_nothing(tmp_path):
    _tool("mypy")
    cache = tmp_path / "mypy-cache"
    # the files and settings are pyproject.toml's [tool.mypy]: agent/ and platforms/, nothing left out
    res = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache)], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-6000:] + res.stderr


def test_the_lock_file_covers_every_declared_dependency():
    """packaging/constraints.txt (make lock) pins every package pyproject.toml names."""
    import re
    try:
        import tomllib
    except ModuleNotFoundError:   # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("build", "test"):
        wanted += project["optional-dependencies"][extra]
    names = {re.split(r"[<>=;\[ ]", w, maxsplit=1)[0].lower().replace("_", "-") for w in wanted}
    pinned = {line.split("==")[0].strip().lower() for line in
              (ROOT / "packaging" / "constraints.txt").read_text(encoding="utf-8").splitlines()
              if "==" in line and not line.startswith("#")}
    assert names <= pinned, f"not in the lock file (run make lock): {sorted(names - pinned)}"
