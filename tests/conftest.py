import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Set by .ci/run, and by nothing else: the project's own CI (a fresh Debian machine, as
# root) where every test -- the lab included -- must run, so a test that cannot run there
# fails instead of skipping.  Not keyed on CI: GitHub's hosted runners set CI=true too, and
# they are not root (and macOS/Windows have no network namespaces).
MUST_RUN_ALL = "CVPN_DOCTOR_MUST_RUN_ALL"


def must_run_all() -> bool:
    """True under .ci/run: skipping is a failure there (see MUST_RUN_ALL)."""
    return os.environ.get(MUST_RUN_ALL, "") == "1"


def pytest_configure(config) -> None:
    # Fixtures are UTF-8 and many tests read them with the locale's default encoding
    # (cp1252/cp932 on Windows): ask for UTF-8 mode rather than fail in a hundred places.
    if sys.platform == "win32" and not sys.flags.utf8_mode:
        raise pytest.UsageError("on Windows run the tests in Python's UTF-8 mode: set PYTHONUTF8=1 "
                                "(or python -X utf8 -m pytest); the fixtures are UTF-8")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _english_unless_asked(monkeypatch):
    """Every test runs in English (the goldens and assertions are English) unless it sets a
    language itself: a developer's LANG=ja_JP.UTF-8 must not change results, and a test
    that switches to Japanese must not leak it into the next one."""
    from agent import i18n

    monkeypatch.setenv(i18n.ENV, "en")
    i18n.set_language("en")
    yield
    i18n.set_language("en")
