"""The documentation lives in the repository and holds together: nothing refers to documents
outside it, every relative link in README.md and docs/*.md reaches an existing file (and
heading), docs/README.md indexes every document, and the exit-code table of docs/design.md
is the README's (which tests/test_cli_contract.py checks against ExitStatus)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

# Documents that were never part of the repository (written as patterns, so that this file
# does not name them itself).
OUTSIDE = re.compile(rb"\b(?:DESIGN|DOMAIN|STYLE)\.md\b|\.\./shared\b")


def _tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return [ROOT / name for name in out.decode("utf-8", "surrogateescape").split("\0") if name]


def test_nothing_refers_to_documents_outside_the_repository():
    me = Path(__file__).resolve()
    hits = []
    for path in _tracked_files():
        if path.resolve() == me or not path.is_file():
            continue
        for number, line in enumerate(path.read_bytes().splitlines(), 1):
            if OUTSIDE.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.decode('utf-8', 'replace').strip()[:120]}")
    assert not hits, "refer to docs/ instead:\n" + "\n".join(hits)


_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")


def _links(page: Path) -> list[str]:
    text = _CODE.sub("", _FENCE.sub("", page.read_text(encoding="utf-8")))
    return _LINK.findall(text)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = _FENCE.sub("", page.read_text(encoding="utf-8"))
    return {_slug(m) for m in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_reach_existing_files(page: Path):
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):       # https:, mailto:, ...
            continue
        path_part, _, fragment = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif fragment and dest.suffix == ".md" and fragment not in _anchors(dest):
            broken.append(f"{target}: no heading #{fragment} in {dest.name}")
        elif dest.exists() and ROOT not in (dest, *dest.parents):
            broken.append(f"{target}: outside the repository")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_readme_links_the_docs():
    assert "docs/README.md" in _links(ROOT / "README.md")


def test_the_docs_index_lists_every_document():
    listed = {Path(t.partition("#")[0]).name for t in _links(DOCS / "README.md")}
    missing = {p.name for p in DOCS.glob("*.md") if p.name != "README.md"} - listed
    assert not missing, f"docs/README.md does not list {sorted(missing)}"


def _exit_table(page: Path) -> dict[str, str]:
    text = page.read_text(encoding="utf-8")
    start = re.search(r"^#*\s*Exit codes|^Exit codes", text, re.M)
    assert start, f"{page.name} has no exit-code table"
    table = text[start.start():]
    rows: dict[str, str] = {}
    for code, meaning in re.findall(r"^\| (\d+) \| (.+?) \|$", table, flags=re.M):
        if code in rows:
            break
        rows[code] = meaning
    return rows


def test_the_design_exit_code_table_is_the_readmes():
    readme, design = _exit_table(ROOT / "README.md"), _exit_table(DOCS / "design.md")
    assert readme and design == readme
