import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
