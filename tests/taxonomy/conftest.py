from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def esco_small() -> Path:
    """The hand-made v1.1.1-layout ESCO bundle (read-only: copy it before changing it)."""
    return FIXTURES / "esco_small"


@pytest.fixture
def lightcast_csv() -> Path:
    """Four skills in the Lightcast Open Skills export shape."""
    return FIXTURES / "lightcast_skills.csv"


@pytest.fixture
def rsd_collection() -> Path:
    """An OSMT-style Rich Skill Descriptor collection (see fixtures/README.md)."""
    return FIXTURES / "rsd_collection.json"


@pytest.fixture
def case_package() -> Path:
    """A small 1EdTech CASE 1.0 CFPackage (see fixtures/README.md)."""
    return FIXTURES / "case_package.json"
