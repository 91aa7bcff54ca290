from __future__ import annotations

import json
from pathlib import Path

import pytest

from taxonomy import BroaderRelation, Skill, SkillRelation, TaxonomyFormatError, read_case_json

BASE = "https://case.example.org/uri/"
DOMAIN = BASE + "d1000000-0000-4000-8000-000000000001"
VARIABLES = BASE + "d1000000-0000-4000-8000-000000000002"
DECOMPOSE = BASE + "d1000000-0000-4000-8000-000000000003"


def load(path: Path) -> dict[str, object]:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, dict)
    return value


def dump(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_document_gives_version_language_and_source(case_package: Path) -> None:
    release = read_case_json(case_package)
    assert (release.framework, release.version, release.language) == ("case", "2024.1", "en")
    assert release.source == (
        "1EdTech CASE package case_package.json: Example Computer Science Standards "
        "<https://case.example.org/uri/c5fb0b4e-d7cc-11e8-824f-0242ac160002>"
    )
    assert read_case_json(case_package, version="2025", language="de").version == "2025"


def test_items_become_skills(case_package: Path) -> None:
    release = read_case_json(case_package)
    assert release.skills == (
        Skill(
            uri=DOMAIN,
            preferred_label="Algorithms and Programming",
            skill_type="Domain",
            code="AP",
        ),
        Skill(
            uri=VARIABLES,
            preferred_label="Use variables",
            description="Create programs that use variables to store and modify data.",
            skill_type="Standard",
            code="AP.1",
            tags=("variables", "data"),
        ),
        Skill(
            uri=DECOMPOSE,
            preferred_label="Decompose problems into parts to make them easier to solve.",
            skill_type="Standard",
            code="AP.2",
        ),
    )


def test_child_of_gives_hierarchy_and_other_types_give_relations(case_package: Path) -> None:
    release = read_case_json(case_package)
    # The domain's isChildOf the CFDocument only marks it as a top item.
    assert release.broader == (
        BroaderRelation(narrower_uri=VARIABLES, broader_uri=DOMAIN),
        BroaderRelation(narrower_uri=DECOMPOSE, broader_uri=DOMAIN),
    )
    assert release.skill_relations == (
        SkillRelation(
            source_uri=VARIABLES,
            target_uri="https://other-case.example.net/uri/e9000000-0000-4000-8000-000000000001",
            relation="exactMatchOf",
        ),
    )


def test_missing_version_must_be_given(case_package: Path, tmp_path: Path) -> None:
    package = load(case_package)
    document = package["CFDocument"]
    assert isinstance(document, dict)
    del document["version"]
    path = dump(tmp_path / "p.json", package)
    with pytest.raises(TaxonomyFormatError, match=r"p\.json: this CFDocument states no version"):
        read_case_json(path)
    assert read_case_json(path, version="3").version == "3"


def test_item_without_full_statement_is_named_by_its_json_path(
    case_package: Path, tmp_path: Path
) -> None:
    package = load(case_package)
    items = package["CFItems"]
    assert isinstance(items, list)
    del items[2]["fullStatement"]
    with pytest.raises(
        TaxonomyFormatError,
        match=r"p\.json: Object missing required field `fullStatement` - at `\$\.CFItems\[2\]`",
    ):
        read_case_json(dump(tmp_path / "p.json", package))


def test_duplicate_item_uri_and_broken_association_are_reported(
    case_package: Path, tmp_path: Path
) -> None:
    package = load(case_package)
    items = package["CFItems"]
    assert isinstance(items, list)
    with pytest.raises(TaxonomyFormatError, match=r"\$\.CFItems\[3\]: duplicate uri"):
        read_case_json(dump(tmp_path / "p.json", {**package, "CFItems": [*items, items[1]]}))
    associations = package["CFAssociations"]
    assert isinstance(associations, list)
    associations[3]["originNodeURI"] = {"title": "nothing"}
    with pytest.raises(
        TaxonomyFormatError, match=r"\$\.CFAssociations\[3\]: empty associationType or node"
    ):
        read_case_json(dump(tmp_path / "p.json", package))


def test_package_without_document_or_not_an_object_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match=r"missing required field `CFDocument`"):
        read_case_json(dump(tmp_path / "p.json", {"CFItems": []}))
    with pytest.raises(TaxonomyFormatError, match=r"Expected `object`, got `array`"):
        read_case_json(dump(tmp_path / "p.json", []))
