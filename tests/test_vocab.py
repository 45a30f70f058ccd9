"""The vocabulary constants are exactly the catalogue's codes and the scenarios' ids, and the
rules name codes and scenarios only through them."""
from __future__ import annotations

import re

from agent import vocab
from agent.findings import CATALOGUE
from agent.scenarios import TITLES


def test_codes_are_the_catalogue():
    assert vocab.values(vocab.Code) == set(CATALOGUE)


def test_scenario_ids_are_the_scenarios():
    assert vocab.values(vocab.ScenarioId) == set(TITLES)


def test_constant_names_follow_their_values():
    for ns in (vocab.Code, vocab.ScenarioId):
        for name, value in vars(ns).items():
            if name.isupper():
                assert name == re.sub(r"[^A-Z0-9]", "_", value.upper()), (name, value)
