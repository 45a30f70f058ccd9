"""Every parser against every real capture: the pairs of tests/fixtures/<folder>/ (see
tests/fixture_pairs.py for the naming scheme, the readers and how to add or regenerate a pair)."""
from __future__ import annotations

import pytest

from tests import fixture_pairs as fp

PAIRS = fp.pairs()


def test_every_capture_has_a_reader_and_an_expectation():
    unread = [p.relative_to(fp.FIXTURES).as_posix() for p in PAIRS if fp.kind_of(p) not in fp.READERS]
    assert not unread, f"no reader for {unread}: add its kind to tests/fixture_pairs.py READERS"
    if not fp.regenerating():
        missing = [p.name for p in PAIRS if not p.with_suffix(".json").exists()]
        assert not missing, f"no reviewed .json for {missing}: run with {fp.REGEN}=1 and review it"


def test_every_reader_has_a_capture():
    kinds = {fp.kind_of(p) for p in PAIRS}
    assert set(fp.READERS) - kinds == set(), "a reader without any real capture proves nothing"


def test_enough_real_captures_per_folder():
    counts = {folder: sum(1 for p in PAIRS if p.parent.name == folder) for folder in fp.FOLDERS}
    assert counts["linux"] >= 50 and counts["macos"] >= 25 and counts["windows"] >= 70, counts
    assert counts["vpn"] >= 40 and counts["local"] >= 5 and counts["ticket"] >= 5, counts


@pytest.mark.parametrize("path", PAIRS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_pair(path):
    fp.check(path.with_suffix(".json"), fp.read(path))


def test_regeneration_is_refused_under_ci(monkeypatch):
    monkeypatch.setenv(fp.REGEN, "1")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="refused under CI"):
        fp.regenerating()
