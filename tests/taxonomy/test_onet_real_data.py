"""The O*NET 29.2 text files in ../shared/data (see its SOURCE.txt for the row counts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from taxonomy import TaxonomyRelease, read_onet

ONET_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "onet-29.2"
CHIEF_EXECUTIVES = "https://www.onetonline.org/link/summary/11-1011.00"
READING = "https://www.onetonline.org/find/descriptor/result/2.A.1.a"
MANAGEMENT = "https://www.onetonline.org/find/descriptor/result/2.C.1.a"


@pytest.fixture(scope="module")
def release() -> TaxonomyRelease:
    if not ONET_DIR.exists():
        pytest.skip(f"O*NET 29.2 data not found at {ONET_DIR.resolve()}")
    return read_onet(ONET_DIR)


def test_every_occupation_element_and_technology_is_read(release: TaxonomyRelease) -> None:
    assert release.version == "29.2"
    assert len(release.occupations) == 1_016
    assert Counter(item.skill_type for item in release.skills) == {
        "skill": 35,
        "knowledge": 33,
        "technology": 135,
    }
    assert len(release.groups) == 19
    assert len(release.broader) == 86
    assert sum(len(item.alt_labels) for item in release.occupations) == 59_997


def test_importance_ratings_are_cut_into_essential_and_optional(
    release: TaxonomyRelease,
) -> None:
    # 30,765 Skills and 29,007 Knowledge IM ratings; 19 suppressed; the rest below 2.5.
    assert Counter(
        (link.relation, link.importance is not None) for link in release.occupation_skills
    ) == {("essential", True): 8_662, ("optional", True): 20_198, ("optional", False): 12_895}
    rated = {
        link.skill_uri: (link.relation, link.importance)
        for link in release.occupation_skills
        if link.occupation_uri == CHIEF_EXECUTIVES
    }
    assert rated[READING] == ("essential", 4.12)
    assert rated[MANAGEMENT] == ("essential", 4.78)


def test_occupation_and_technology_fields(release: TaxonomyRelease) -> None:
    executives = next(item for item in release.occupations if item.uri == CHIEF_EXECUTIVES)
    assert executives.preferred_label == "Chief Executives"
    assert executives.code == "11-1011.00"
    assert "Aeronautics Commission Director" in executives.alt_labels
    ide = next(item for item in release.skills if item.uri == "urn:unspsc:43232402")
    assert ide.preferred_label == "Development environment software"
    assert "Microsoft Visual Basic" in ide.alt_labels
    assert "hot technology: Microsoft Visual Basic" in ide.tags
