"""ESCO skill-skill relations and skill collections, in the v1.1.x and v1.2.x file layouts."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from taxonomy import SkillCollection, SkillRelation, TaxonomyFormatError, read_esco_bundle

SKILL = "http://data.europa.eu/esco/skill/5a1e0000-0000-4000-8000-{:012d}"
OCCUPATION = "http://data.europa.eu/esco/occupation/0cc00000-0000-4000-8000-{:012d}"
V11_RELATIONS = [
    "originalSkillUri",
    "originalSkillType",
    "relationType",
    "relatedSkillType",
    "relatedSkillUri",
]
COLLECTION = [
    "conceptType",
    "conceptUri",
    "preferredLabel",
    "status",
    "skillType",
    "reuseLevel",
    "altLabels",
    "description",
    "broaderConceptUri",
    "broaderConceptPT",
]


def skill(n: int) -> str:
    return SKILL.format(n)


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def relation(source: int, kind: str, target: int) -> dict[str, str]:
    return {
        "originalSkillUri": skill(source),
        "originalSkillType": "knowledge",
        "relationType": kind,
        "relatedSkillType": "knowledge",
        "relatedSkillUri": skill(target),
    }


def member(n: int, status: str = "released") -> dict[str, str]:
    return {"conceptType": "KnowledgeSkillCompetence", "conceptUri": skill(n), "status": status}


RELATIONS = [
    relation(5, "optional", 7),
    relation(8, "essential", 9),
    relation(13, "optional", 5),  # skill 13 is a draft: dropped
    relation(5, "essential", 7),  # repeated pair: the first relation type wins
]


def write_extras(bundle: Path, relations_name: str, relations_header: list[str]) -> None:
    write(bundle / relations_name, relations_header, RELATIONS)
    write(
        bundle / "digitalSkillsCollection_en.csv",
        COLLECTION,
        [member(5), member(6), member(7), member(6), member(13), member(8, "draft")],
    )
    write(bundle / "transversalSkillsCollection_en.csv", COLLECTION, [member(3), member(4)])
    write(bundle / "digitalSkillsCollection_de.csv", COLLECTION, [member(1)])
    write(
        bundle / "researchOccupationsCollection_en.csv",
        ["conceptType", "conceptUri", "status"],
        [{"conceptType": "Occupation", "conceptUri": OCCUPATION.format(1), "status": "released"}],
    )


@pytest.fixture
def v11_bundle(esco_small: Path, tmp_path: Path) -> Path:
    bundle = tmp_path / "esco-v1.1.1"
    shutil.copytree(esco_small, bundle, ignore=shutil.ignore_patterns("*.md"))
    write_extras(bundle, "skillSkillRelations.csv", V11_RELATIONS)
    return bundle


@pytest.fixture
def v12_bundle(esco_small: Path, tmp_path: Path) -> Path:
    """v1.2.x naming: every file with the language suffix, label columns in relations."""
    bundle = tmp_path / "ESCO dataset - v1.2.0 - classification - en - csv"
    bundle.mkdir()
    shutil.copy(esco_small / "skills_en.csv", bundle / "skills_en.csv")
    shutil.copy(
        esco_small / "occupationSkillRelations.csv", bundle / "occupationSkillRelations_en.csv"
    )
    header = [
        "originalSkillUri",
        "originalSkillLabel",
        "originalSkillType",
        "relationType",
        "relatedSkillType",
        "relatedSkillUri",
        "relatedSkillLabel",
    ]
    write_extras(bundle, "skillSkillRelations_en.csv", header)
    return bundle


EXPECTED_RELATIONS = (
    SkillRelation(source_uri=skill(5), target_uri=skill(7), relation="optional"),
    SkillRelation(source_uri=skill(8), target_uri=skill(9), relation="essential"),
)
EXPECTED_COLLECTIONS = (
    SkillCollection(name="digital", skill_uris=(skill(5), skill(6), skill(7))),
    SkillCollection(name="transversal", skill_uris=(skill(3), skill(4))),
)


def test_v11_skill_relations_and_collections_are_read(v11_bundle: Path) -> None:
    release = read_esco_bundle(v11_bundle)
    assert release.skill_relations == EXPECTED_RELATIONS
    assert release.collections == EXPECTED_COLLECTIONS
    assert "skillSkillRelations.csv" in release.source
    assert "digitalSkillsCollection_en.csv" in release.source
    assert "researchOccupationsCollection_en.csv" not in release.source


def test_v12_file_names_and_label_columns_are_read_alike(v12_bundle: Path) -> None:
    release = read_esco_bundle(v12_bundle)
    assert release.version == "1.2.0"
    assert release.skill_relations == EXPECTED_RELATIONS
    assert release.collections == EXPECTED_COLLECTIONS
    assert "skillSkillRelations_en.csv" in release.source
    assert len(release.occupation_skills) == 14


def test_collections_of_another_language_are_read_for_that_language(v11_bundle: Path) -> None:
    shutil.copy(v11_bundle / "skills_en.csv", v11_bundle / "skills_de.csv")
    release = read_esco_bundle(v11_bundle, language="de")
    assert release.collections == (SkillCollection(name="digital", skill_uris=(skill(1),)),)


def test_bundle_without_the_new_files_has_no_relations_or_collections(esco_small: Path) -> None:
    release = read_esco_bundle(esco_small, version="1.1.1")
    assert release.skill_relations == ()
    assert release.collections == ()


def test_unknown_skill_relation_type_names_file_and_line(v11_bundle: Path) -> None:
    write(v11_bundle / "skillSkillRelations.csv", V11_RELATIONS, [*RELATIONS, relation(1, "x", 2)])
    with pytest.raises(
        TaxonomyFormatError,
        match=r"skillSkillRelations\.csv: line 6: relationType 'x' is neither 'essential'",
    ):
        read_esco_bundle(v11_bundle)


def test_skill_relations_without_related_column_are_reported(v11_bundle: Path) -> None:
    write(v11_bundle / "skillSkillRelations.csv", V11_RELATIONS[:4], RELATIONS)
    with pytest.raises(
        TaxonomyFormatError, match=r"skillSkillRelations\.csv: missing column 'relatedSkillUri'"
    ):
        read_esco_bundle(v11_bundle)


def test_collection_row_without_uri_names_file_and_line(v11_bundle: Path) -> None:
    write(v11_bundle / "greenSkillsCollection_en.csv", COLLECTION, [member(1), {"status": "x"}])
    with pytest.raises(
        TaxonomyFormatError, match=r"greenSkillsCollection_en\.csv: line 3: empty conceptUri"
    ):
        read_esco_bundle(v11_bundle)
