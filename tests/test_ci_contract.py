"""Who decides that a test must run: .ci/run, not the CI variable (issue 22, item 10).

GitHub's hosted runners set CI=true and are not root; the project's own CI (.ci/run: a
fresh Debian machine, as root) is the only place where the lab and the privilege tests
must run and a skip is a failure."""
from __future__ import annotations

import re

from tests.conftest import MUST_RUN_ALL, ROOT, must_run_all


def test_ci_true_alone_does_not_force_every_test(monkeypatch):
    monkeypatch.delenv(MUST_RUN_ALL, raising=False)
    monkeypatch.setenv("CI", "true")
    assert must_run_all() is False                       # a hosted runner: skips with reasons
    monkeypatch.setenv(MUST_RUN_ALL, "1")
    assert must_run_all() is True


def test_ci_run_sets_the_variable_before_running_the_tests():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    exported = re.search(rf"^export .*\b{MUST_RUN_ALL}=1\b", script, re.M)
    assert exported, f".ci/run must export {MUST_RUN_ALL}=1"
    assert exported.start() < re.search(r"^make test$", script, re.M).start()


def test_the_lab_and_the_hostile_tests_key_on_it():
    lab = (ROOT / "tests" / "lab" / "conftest.py").read_text(encoding="utf-8")
    hostile = (ROOT / "tests" / "test_hostile_env.py").read_text(encoding="utf-8")
    for text in (lab, hostile):
        assert "must_run_all()" in text
        assert 'environ.get("CI"' not in text
