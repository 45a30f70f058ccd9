"""What each part may import (docs/architecture.md, section 2: rules and renderers read the Snapshot, the probes and
the Facts; a renderer never re-runs classifier code, and no rule imports a platform adapter)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).glob("*.py"))


@pytest.mark.parametrize("path", _files("agent/render"), ids=lambda p: p.name)
def test_renderers_do_not_import_the_classifier(path: Path) -> None:
    bad = {m for m in _imports(path) if m.startswith(("agent.rules", "agent.classify", "agent.scenarios"))}
    assert not bad, f"{path.name} imports {sorted(bad)}: renderers read report.facts"


@pytest.mark.parametrize("path", _files("agent/rules"), ids=lambda p: p.name)
def test_rules_do_not_import_platform_adapters(path: Path) -> None:
    bad = {m for m in _imports(path) if m.startswith("platforms")}
    assert not bad, f"{path.name} imports {sorted(bad)}: rules read the Snapshot and the Facts"


def test_the_derive_stage_is_pure() -> None:
    bad = {m for m in _imports(ROOT / "agent" / "facts.py")
           if m.startswith(("platforms", "agent.rules", "agent.probes", "subprocess", "socket.socket"))}
    assert not bad, sorted(bad)


def test_the_overlay_knowledge_is_shared_and_pure() -> None:
    """agent/overlay.py (whose links and resolvers belong to another VPN) is asked by the derive
    stage, the rules and the adapters alike, so it imports nothing of the project."""
    assert not {m for m in _imports(ROOT / "agent" / "overlay.py") if m.startswith(("agent", "platforms"))}
    for user in ("agent/facts.py", "agent/rules/local.py", "platforms/tunnel.py"):
        assert "agent.overlay" in _imports(ROOT / user), user


def test_the_cli_stays_thin() -> None:
    """agent/cli.py only declares the typer commands (options come from agent.clispec, the work
    from agent.commands): under 200 lines, and no module-level state it rebinds."""
    path = ROOT / "agent" / "cli.py"
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    assert not [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Global)], "no global state in the CLI"
