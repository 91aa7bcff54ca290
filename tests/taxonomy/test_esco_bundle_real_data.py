"""The official ESCO v1.1.1 download in ../shared/data (see its SOURCE.txt for the counts)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from taxonomy import TaxonomyRelease, iter_skill_labels, read_esco_bundle

ESCO_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "esco-v1.1.1"
ESCO_ZIP = ESCO_DIR / "ESCO dataset - v1.1.1 - classification - en - csv.zip"
MUSICAL_STAFF = "http://data.europa.eu/esco/skill/0005c151-5b5a-4a66-8aac-60e734beb1ab"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"official ESCO v1.1.1 data not found at {path.resolve()}")
    return path


@pytest.fixture(scope="module")
def folder_release() -> TaxonomyRelease:
    return read_esco_bundle(_require(ESCO_DIR))


@pytest.fixture(scope="module")
def zip_release() -> TaxonomyRelease:
    return read_esco_bundle(_require(ESCO_ZIP))


def test_folder_has_every_skill_occupation_and_relation(folder_release: TaxonomyRelease) -> None:
    assert folder_release.version == "1.1.1"
    assert len(folder_release.skills) == 13_896
    assert len(folder_release.occupations) == 3_007
    assert len(folder_release.occupation_skills) == 123_855
    assert Counter(link.relation for link in folder_release.occupation_skills) == {
        "essential": 64_946,
        "optional": 58_909,
    }
    assert len(folder_release.groups) == 647
    assert len(folder_release.broader) == 20_656


def test_skill_labels_and_fields_are_read(folder_release: TaxonomyRelease) -> None:
    musical = next(item for item in folder_release.skills if item.uri == MUSICAL_STAFF)
    assert musical.preferred_label == "manage musical staff"
    assert musical.alt_labels[:2] == ("manage staff of music", "coordinate duties of musical staff")
    assert musical.skill_type == "skill/competence"
    assert musical.reuse_level == "sector-specific"
    assert musical.description.startswith("Assign and manage staff tasks")
    labels = [label for uri, label, _ in iter_skill_labels(folder_release) if uri == MUSICAL_STAFF]
    assert labels.count("manage musical staff") == 1


def test_pillars_have_their_codes(folder_release: TaxonomyRelease) -> None:
    codes = {item.code: item.preferred_label for item in folder_release.groups}
    assert codes["S"] == "skills"
    assert codes["K"] == "knowledge"
    assert codes["L"] == "language skills and knowledge"
    assert codes["T"] == "transversal skills and competences"


def test_zip_matches_folder_but_lacks_the_relation_files(
    zip_release: TaxonomyRelease, folder_release: TaxonomyRelease
) -> None:
    # The language zip ships no occupationSkillRelations.csv or
    # broaderRelationsSkillPillar.csv (ESCO publishes them in a separate relations zip);
    # group-to-group edges still come from skillsHierarchy_en.csv.
    assert zip_release.version == "1.1.1"
    assert zip_release.skills == folder_release.skills
    assert zip_release.occupations == folder_release.occupations
    assert zip_release.groups == folder_release.groups
    assert zip_release.occupation_skills == ()
    assert len(zip_release.broader) == 643
    assert set(zip_release.broader) <= set(folder_release.broader)


def test_skill_relations_and_collections_are_read(folder_release: TaxonomyRelease) -> None:
    assert len(folder_release.skill_relations) == 5_899
    assert Counter(link.relation for link in folder_release.skill_relations) == {
        "optional": 5_708,
        "essential": 191,
    }
    assert {item.name: len(item.skill_uris) for item in folder_release.collections} == {
        "digComp": 26,
        "digital": 1_201,
        "green": 570,
        "language": 346,
        "research": 40,
        "transversal": 96,
    }
    skills = {item.uri for item in folder_release.skills}
    assert all(set(item.skill_uris) <= skills for item in folder_release.collections)


def test_zip_has_the_collections_but_no_skill_relations(
    zip_release: TaxonomyRelease, folder_release: TaxonomyRelease
) -> None:
    assert zip_release.collections == folder_release.collections
    assert zip_release.skill_relations == ()
