from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def esco_small() -> Path:
    """The hand-made v1.1.1-layout ESCO bundle (read-only: copy it before changing it)."""
    return FIXTURES / "esco_small"
