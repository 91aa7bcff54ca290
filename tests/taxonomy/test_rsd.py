from __future__ import annotations

import json
from pathlib import Path

import pytest

from taxonomy import (
    Occupation,
    OccupationSkill,
    Skill,
    SkillCollection,
    SkillRelation,
    TaxonomyFormatError,
    read_rsd_json,
)

VISUALIZATION = "https://osmt.example.edu/api/skills/60f17310-8462-46ad-b739-25dbb70746cb"
STATISTICS = "https://osmt.example.edu/api/skills/8f6e0b1a-2b5c-4c1d-9e3f-0a1b2c3d4e5f"
ARCHIVED = "https://osmt.example.edu/api/skills/0d9c8b7a-6f5e-4d3c-2b1a-000000000003"
ID_ONLY = "https://osmt.other.example/api/skills/1b2c3d4e-0000-4000-8000-000000000004"
ANALYSTS = "https://www.onetonline.org/link/summary/15-2051.01"


def load(path: Path) -> dict[str, object]:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def dump(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
    return path


def test_collection_members_become_skills(rsd_collection: Path) -> None:
    release = read_rsd_json(rsd_collection, version="2024-05")
    assert (release.framework, release.version, release.language) == ("rsd", "2024-05", "en")
    assert release.source == "Open Skills Network RSD JSON rsd_collection.json: 2 descriptors"
    assert release.skills == (
        Skill(
            uri=VISUALIZATION,
            preferred_label="Data Visualization",
            description="Present data in charts and dashboards that support a decision.",
            category="Data Analysis; Communication",
            tags=("Tableau", "Dashboards"),
        ),
        Skill(
            uri=STATISTICS,
            preferred_label="Statistical Analysis",
            description="Apply descriptive and inferential statistics to a data set.",
            category="Data Analysis",
        ),
    )


def test_alignments_occupations_and_collections(rsd_collection: Path) -> None:
    release = read_rsd_json(rsd_collection, version="1")
    assert release.skill_relations == (
        SkillRelation(
            source_uri=VISUALIZATION,
            target_uri="http://data.europa.eu/esco/skill/0a0c3c87-a8e8-4f2d-9f13-ed41f7d2a3b5",
            relation="alignment",
        ),
    )
    # The bare SOC code 15-2051 has no O*NET-SOC URI and no URL: it is dropped.
    assert release.occupations == (
        Occupation(
            uri=ANALYSTS, preferred_label="Business Intelligence Analysts", code="15-2051.01"
        ),
    )
    assert release.occupation_skills == (
        OccupationSkill(occupation_uri=ANALYSTS, skill_uri=VISUALIZATION, relation="optional"),
        OccupationSkill(occupation_uri=ANALYSTS, skill_uri=STATISTICS, relation="optional"),
    )
    assert release.collections == (
        SkillCollection(
            name="Data Analysis Skills", skill_uris=(VISUALIZATION, STATISTICS, ID_ONLY)
        ),
        SkillCollection(name="Analytics Starter", skill_uris=(VISUALIZATION,)),
    )
    assert ARCHIVED not in {item.uri for item in release.skills}


def test_single_rsd_list_and_graph_are_read(rsd_collection: Path, tmp_path: Path) -> None:
    members = load(rsd_collection)["skills"]
    assert isinstance(members, list)
    single = read_rsd_json(dump(tmp_path / "one.json", members[1]), version="1")
    assert [item.uri for item in single.skills] == [STATISTICS]
    listed = read_rsd_json(dump(tmp_path / "list.json", members[:3]), version="1")
    assert [item.uri for item in listed.skills] == [VISUALIZATION, STATISTICS]
    graph = read_rsd_json(dump(tmp_path / "graph.json", {"@graph": members[:2]}), version="1")
    assert graph.skills == listed.skills


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n  "skillName": "x",\n  "id": \n}\n', encoding="utf-8")
    with pytest.raises(TaxonomyFormatError, match=r"bad\.json: line 4 column 1: invalid JSON"):
        read_rsd_json(path, version="1")


def test_rsd_without_skill_name_is_named_by_its_json_path(
    rsd_collection: Path, tmp_path: Path
) -> None:
    members = load(rsd_collection)["skills"]
    assert isinstance(members, list)
    broken = {key: value for key, value in members[1].items() if key != "skillName"}
    path = dump(tmp_path / "list.json", [members[0], broken])
    with pytest.raises(
        TaxonomyFormatError,
        match=r"list\.json: \$\[1\]: Object missing required field `skillName`",
    ):
        read_rsd_json(path, version="1")


def test_wrong_field_type_is_named_by_its_json_path(rsd_collection: Path, tmp_path: Path) -> None:
    value = load(rsd_collection)
    members = value["skills"]
    assert isinstance(members, list)
    members[1]["keywords"] = [3]
    with pytest.raises(
        TaxonomyFormatError,
        match=r"\$\.skills\[1\]: Expected `str`, got `int` - at `\$\.keywords\[0\]`",
    ):
        read_rsd_json(dump(tmp_path / "c.json", value), version="1")


def test_documents_that_are_not_rsds_are_refused(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match=r"neither a Rich Skill Descriptor"):
        read_rsd_json(dump(tmp_path / "other.json", {"name": "x"}), version="1")
    with pytest.raises(TaxonomyFormatError, match=r"no \(unarchived\) Rich Skill Descriptor"):
        read_rsd_json(dump(tmp_path / "none.json", []), version="1")
    (tmp_path / "empty.json").write_text(" \n")
    with pytest.raises(TaxonomyFormatError, match=r"empty\.json: empty file"):
        read_rsd_json(tmp_path / "empty.json", version="1")
    with pytest.raises(TaxonomyFormatError, match=r"member without id"):
        read_rsd_json(dump(tmp_path / "c.json", {"name": "c", "skills": [{}]}), version="1")
