from __future__ import annotations

import csv
from pathlib import Path

import pytest

from taxonomy import Skill, TaxonomyFormatError, read_lightcast_csv

PYTHON = "https://lightcast.io/open-skills/skills/KS120076FGP5WGWYMP0F"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write(path: Path, header: list[str], records: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return path


def test_skills_carry_type_category_url_and_flags(lightcast_csv: Path) -> None:
    release = read_lightcast_csv(lightcast_csv, version="9.33")
    assert (release.framework, release.version, release.language) == ("lightcast", "9.33", "en")
    assert release.source == "Lightcast Open Skills v9.33 CSV lightcast_skills.csv: 4 skills"
    assert release.skills[0] == Skill(
        uri=PYTHON,
        preferred_label="Python (Programming Language)",
        description="Python is a high-level, general-purpose programming language.",
        skill_type="Specialized Skill",
        code="KS120076FGP5WGWYMP0F",
        category="Information Technology",
        subcategory="Software Development",
        source_url=PYTHON,
        tags=("software",),
    )
    spanish = release.skills[2]
    assert (spanish.tags, spanish.source_url, spanish.description) == (("language",), "", "")
    assert [item.skill_type for item in release.skills] == [
        "Specialized Skill",
        "Common Skill",
        "Common Skill",
        "Certification",
    ]
    assert (release.groups, release.occupations) == ((), ())


def test_header_variants_of_other_exports_are_accepted(lightcast_csv: Path, tmp_path: Path) -> None:
    renamed = [
        {
            "Skill ID": row["id"],
            "Skill Name": row["name"],
            "type.name": row["type"],
            "category.name": row["category"],
            "subcategory.name": row["subcategory"],
        }
        for row in rows(lightcast_csv)
    ]
    header = ["Skill ID", "Skill Name", "type.name", "category.name", "subcategory.name"]
    release = read_lightcast_csv(write(tmp_path / "skills.csv", header, renamed), version="9")
    python = release.skills[0]
    assert (python.uri, python.preferred_label, python.skill_type) == (
        PYTHON,
        "Python (Programming Language)",
        "Specialized Skill",
    )
    assert (python.category, python.subcategory, python.tags) == (
        "Information Technology",
        "Software Development",
        (),
    )


def test_missing_name_column_is_reported(lightcast_csv: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "skills.csv", ["id", "type"], rows(lightcast_csv))
    with pytest.raises(
        TaxonomyFormatError,
        match=r"skills\.csv: missing column 'name' or 'skillName' or 'skill'; header is: id, type",
    ):
        read_lightcast_csv(path, version="9")


def test_duplicate_and_empty_ids_name_the_line(lightcast_csv: Path, tmp_path: Path) -> None:
    records = rows(lightcast_csv)
    header = [*records[0].keys()]
    path = write(tmp_path / "duplicate.csv", header, [*records, records[1]])
    with pytest.raises(
        TaxonomyFormatError, match=r"duplicate\.csv: line 6: duplicate id KS1218W78FGVPVP2KXPX"
    ):
        read_lightcast_csv(path, version="9")
    path = write(tmp_path / "empty_id.csv", header, [records[0], {**records[1], "id": ""}])
    with pytest.raises(TaxonomyFormatError, match=r"empty_id\.csv: line 3: empty id or name"):
        read_lightcast_csv(path, version="9")


def test_empty_file_header_only_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(TaxonomyFormatError, match=r"empty\.csv: empty file, no header row"):
        read_lightcast_csv(tmp_path / "empty.csv", version="9")
    (tmp_path / "header.csv").write_text("id,name\n")
    with pytest.raises(TaxonomyFormatError, match=r"header\.csv: no skills, only a header row"):
        read_lightcast_csv(tmp_path / "header.csv", version="9")
    with pytest.raises(TaxonomyFormatError, match=r"absent\.csv: cannot open"):
        read_lightcast_csv(tmp_path / "absent.csv", version="9")


def test_blank_version_is_refused(lightcast_csv: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match=r"states no version; pass it explicitly"):
        read_lightcast_csv(lightcast_csv, version=" ")
