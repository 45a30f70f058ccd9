"""The vocabulary constants are exactly the catalogue's codes and the scenarios' ids, and the
rules name codes and scenarios only through them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from agent import vocab
from agent.findings import CATALOGUE
from agent.scenarios import TITLES

ROOT = Path(__file__).resolve().parents[1]


def test_codes_are_the_catalogue():
    assert vocab.values(vocab.Code) == set(CATALOGUE)


def test_scenario_ids_are_the_scenarios():
    assert vocab.values(vocab.ScenarioId) == set(TITLES)


def test_constant_names_follow_their_values():
    for ns in (vocab.Code, vocab.ScenarioId):
        for name, value in vars(ns).items():
            if name.isupper():
                assert name == re.sub(r"[^A-Z0-9]", "_", value.upper()), (name, value)
@pytest.mark.parametrize("path", sorted((ROOT / "agent" / "rules").glob("*.py")), ids=lambda p: p.name)
def test_rules_use_no_code_or_scenario_literal(path: Path):
    words = set(CATALOGUE) | set(TITLES)
    found = [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in words]
    assert not found, f"{path.name}: use agent.vocab constants, not {found}"
