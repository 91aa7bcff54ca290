"""The O*NET text-file reader, on a hand-made database in the official tab-separated layout."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest

from taxonomy import (
    BroaderRelation,
    Occupation,
    OccupationSkill,
    Skill,
    TaxonomyFormatError,
    TaxonomyRelease,
    read_onet,
)

DEVELOPERS = "https://www.onetonline.org/link/summary/15-1252.00"
NURSES = "https://www.onetonline.org/link/summary/29-1141.00"
READING = "https://www.onetonline.org/find/descriptor/result/2.A.1.a"
PROBLEMS = "https://www.onetonline.org/find/descriptor/result/2.B.2.i"
COMPUTERS = "https://www.onetonline.org/find/descriptor/result/2.C.3.a"
MEDICINE = "https://www.onetonline.org/find/descriptor/result/2.C.5.a"
IDE = "urn:unspsc:43232402"
MEDICAL = "urn:unspsc:43231602"
RATING_HEADER = [
    "O*NET-SOC Code",
    "Title",
    "Element ID",
    "Element Name",
    "Scale ID",
    "Scale Name",
    "Data Value",
    "N",
    "Standard Error",
    "Lower CI Bound",
    "Upper CI Bound",
    "Recommend Suppress",
    "Not Relevant",
    "Date",
    "Domain Source",
]


def rating(code: str, element: str, scale: str, value: str, suppress: str = "N") -> list[str]:
    rest = ["8", "0.1", "3", "5", suppress, "", "08/2023", "Analyst"]
    return [code, "t", element, "e", scale, "s", value, *rest]


def technology(code: str, example: str, commodity: str, hot: str) -> list[str]:
    titles = {"43232402": "Development environment software", "43231602": "Medical software"}
    return [code, "t", example, commodity, titles[commodity], hot, "N"]


FILES: dict[str, list[list[str]]] = {
    "Occupation Data.txt": [
        ["O*NET-SOC Code", "Title", "Description"],
        ["15-1252.00", "Software Developers", '"Research", design, and develop software.'],
        ["29-1141.00", "Registered Nurses", "Assess patient health problems and needs."],
    ],
    "Alternate Titles.txt": [
        ["O*NET-SOC Code", "Title", "Alternate Title", "Short Title", "Source(s)"],
        ["15-1252.00", "Software Developers", "Application Developer", "App Dev", "08"],
        ["15-1252.00", "Software Developers", "Software Engineer", "", "10"],
        ["15-1252.00", "Software Developers", "Software Developers", "", "10"],
        ["29-1141.00", "Registered Nurses", "Registered Nurse", "RN", "08"],
        ["29-1141.00", "Registered Nurses", "Staff Nurse", "RN", "08"],
    ],
    "Content Model Reference.txt": [
        ["Element ID", "Element Name", "Description"],
        ["2", "Worker Requirements", "Descriptors referring to work-related attributes."],
        ["2.A", "Basic Skills", "Developed capacities that facilitate learning."],
        ["2.A.1", "Content", "Background structures needed to work with content."],
        ["2.A.1.a", "Reading Comprehension", "Understanding written sentences."],
        ["2.B", "Cross-Functional Skills", "Developed capacities across jobs."],
        ["2.B.2", "Complex Problem Solving Skills", "Capacities to solve novel problems."],
        ["2.B.2.i", "Complex Problem Solving", "Identifying complex problems."],
        ["2.C", "Knowledge", "Organized sets of principles and facts."],
        ["2.C.3", "Engineering and Technology", "Knowledge of engineering."],
        ["2.C.3.a", "Computers and Electronics", "Knowledge of circuit boards."],
        ["2.C.5", "Health Services", "Knowledge of health services."],
        ["2.C.5.a", "Medicine and Dentistry", "Knowledge of medical information."],
        ["2.C.7", "Arts and Humanities", "Not rated in this fixture."],
    ],
    "Skills.txt": [
        RATING_HEADER,
        rating("15-1252.00", "2.B.2.i", "IM", "3.50"),
        rating("15-1252.00", "2.B.2.i", "LV", "4.00"),
        rating("15-1252.00", "2.A.1.a", "IM", "3.75"),
        rating("29-1141.00", "2.A.1.a", "IM", "3.49"),
        rating("29-1141.00", "2.B.2.i", "IM", "2.5"),
    ],
    "Knowledge.txt": [
        RATING_HEADER,
        rating("15-1252.00", "2.C.3.a", "IM", "4.5"),
        rating("15-1252.00", "2.C.5.a", "IM", "1.2"),
        rating("29-1141.00", "2.C.5.a", "IM", "4.1", suppress="Y"),
        rating("29-1141.00", "2.C.3.a", "IM", "2.49"),
    ],
    "Technology Skills.txt": [
        [
            *("O*NET-SOC Code", "Title", "Example", "Commodity Code", "Commodity Title"),
            *("Hot Technology", "In Demand"),
        ],
        technology("15-1252.00", "Git", "43232402", "Y"),
        technology("15-1252.00", "Eclipse IDE", "43232402", "N"),
        technology("29-1141.00", "Epic Systems", "43231602", "Y"),
        technology("29-1141.00", "Eclipse IDE", "43232402", "N"),
    ],
    "Read Me.txt": [["O*NET 28.1 Database"], ["November 2023 Release"]],
}


def write_database(folder: Path, files: dict[str, list[list[str]]] = FILES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in files.items():
        text = "".join("\t".join(row) + "\r\n" for row in rows)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return write_database(tmp_path / "onet")


@pytest.fixture
def release(database: Path) -> TaxonomyRelease:
    return read_onet(database)


def by_uri(release: TaxonomyRelease) -> dict[str, Skill]:
    return {item.uri: item for item in release.skills}


def test_version_comes_from_the_read_me(release: TaxonomyRelease) -> None:
    assert (release.framework, release.version, release.language) == ("onet", "28.1", "en")
    assert release.source.startswith("O*NET 28.1 text files onet: Occupation Data.txt")


def test_occupations_carry_code_description_and_alternate_titles(
    release: TaxonomyRelease,
) -> None:
    assert release.occupations == (
        Occupation(
            uri=DEVELOPERS,
            preferred_label="Software Developers",
            alt_labels=("Application Developer", "App Dev", "Software Engineer"),
            description='"Research", design, and develop software.',
            code="15-1252.00",
        ),
        Occupation(
            uri=NURSES,
            preferred_label="Registered Nurses",
            alt_labels=("Registered Nurse", "RN", "Staff Nurse"),
            description="Assess patient health problems and needs.",
            code="29-1141.00",
        ),
    )


def test_rated_elements_become_skills_in_content_model_order(release: TaxonomyRelease) -> None:
    # Elements in content model order, then technology in order of first appearance.
    assert [item.code for item in release.skills] == [
        "2.A.1.a",
        "2.B.2.i",
        "2.C.3.a",
        "2.C.5.a",
        "43232402",
        "43231602",
    ]
    assert by_uri(release)[READING] == Skill(
        uri=READING,
        preferred_label="Reading Comprehension",
        description="Understanding written sentences.",
        skill_type="skill",
        code="2.A.1.a",
        category="Basic Skills",
        subcategory="Content",
    )
    medicine = by_uri(release)[MEDICINE]
    assert (medicine.skill_type, medicine.category, medicine.subcategory) == (
        "knowledge",
        "Knowledge",
        "Health Services",
    )


def test_technology_skill_per_commodity_with_examples_and_hot_flags(
    release: TaxonomyRelease,
) -> None:
    assert by_uri(release)[IDE] == Skill(
        uri=IDE,
        preferred_label="Development environment software",
        alt_labels=("Git", "Eclipse IDE"),
        skill_type="technology",
        code="43232402",
        category="Technology Skills",
        tags=("hot technology: Git",),
    )
    assert by_uri(release)[MEDICAL].tags == ("hot technology: Epic Systems",)


def test_content_model_ancestors_become_groups_and_edges(release: TaxonomyRelease) -> None:
    assert [(item.code, item.preferred_label) for item in release.groups] == [
        ("2", "Worker Requirements"),
        ("2.A", "Basic Skills"),
        ("2.A.1", "Content"),
        ("2.B", "Cross-Functional Skills"),
        ("2.B.2", "Complex Problem Solving Skills"),
        ("2.C", "Knowledge"),
        ("2.C.3", "Engineering and Technology"),
        ("2.C.5", "Health Services"),
    ]
    browse = "https://www.onetonline.org/find/descriptor/browse/"
    edges = set(release.broader)
    assert BroaderRelation(narrower_uri=READING, broader_uri=browse + "2.A.1") in edges
    assert BroaderRelation(narrower_uri=browse + "2.A.1", broader_uri=browse + "2.A") in edges
    assert BroaderRelation(narrower_uri=browse + "2.A", broader_uri=browse + "2") in edges
    assert len(release.broader) == 11


def test_importance_cut_keeps_the_rating_and_drops_low_and_suppressed(
    release: TaxonomyRelease,
) -> None:
    rated = {
        (link.occupation_uri, link.skill_uri): (link.relation, link.importance)
        for link in release.occupation_skills
        if link.importance is not None
    }
    assert rated == {
        (DEVELOPERS, PROBLEMS): ("essential", 3.5),
        (DEVELOPERS, READING): ("essential", 3.75),
        (NURSES, READING): ("optional", 3.49),
        (NURSES, PROBLEMS): ("optional", 2.5),
        (DEVELOPERS, COMPUTERS): ("essential", 4.5),
    }


def test_technology_skills_are_linked_to_their_occupations(release: TaxonomyRelease) -> None:
    technology = [link for link in release.occupation_skills if link.importance is None]
    assert technology == [
        OccupationSkill(occupation_uri=DEVELOPERS, skill_uri=IDE, relation="optional"),
        OccupationSkill(occupation_uri=NURSES, skill_uri=MEDICAL, relation="optional"),
        OccupationSkill(occupation_uri=NURSES, skill_uri=IDE, relation="optional"),
    ]


def test_cut_points_are_arguments(database: Path) -> None:
    release = read_onet(database, essential_at=4.0, optional_at=1.0)
    counts = Counter(link.relation for link in release.occupation_skills if link.importance)
    assert counts == {"essential": 1, "optional": 6}
    with pytest.raises(ValueError, match=r"optional_at 4\.0 is above essential_at 3\.0"):
        read_onet(database, essential_at=3.0, optional_at=4.0)


def test_zip_with_a_subfolder_reads_like_the_folder(
    database: Path, release: TaxonomyRelease, tmp_path: Path
) -> None:
    archive = tmp_path / "db_28_1_text.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for file in sorted(database.iterdir()):
            bundle.write(file, f"db_28_1_text/{file.name}")
    from_zip = read_onet(archive)
    assert from_zip.version == "28.1"
    assert from_zip.skills == release.skills
    assert from_zip.occupation_skills == release.occupation_skills


def test_version_falls_back_to_the_folder_name(database: Path, tmp_path: Path) -> None:
    (database / "Read Me.txt").unlink()
    renamed = database.rename(tmp_path / "db_29_2_text")
    assert read_onet(renamed).version == "29.2"
    assert read_onet(renamed, version="29.1").version == "29.1"
    plain = renamed.rename(tmp_path / "onet")
    with pytest.raises(TaxonomyFormatError, match=r"onet: cannot tell the O\*NET version"):
        read_onet(plain)


def test_only_occupation_data_is_required(tmp_path: Path) -> None:
    folder = write_database(
        tmp_path / "onet", {"Occupation Data.txt": FILES["Occupation Data.txt"]}
    )
    release = read_onet(folder, version="28.1")
    assert len(release.occupations) == 2
    assert release.occupations[0].alt_labels == ()
    assert (release.skills, release.groups, release.occupation_skills) == ((), (), ())


def test_ratings_without_content_model_are_reported(database: Path) -> None:
    (database / "Content Model Reference.txt").unlink()
    with pytest.raises(TaxonomyFormatError, match=r"Content Model Reference.txt is missing"):
        read_onet(database)


def test_element_missing_from_content_model_is_named(database: Path) -> None:
    rows = [row for row in FILES["Content Model Reference.txt"] if row[0] != "2.C.5.a"]
    write_database(database, {"Content Model Reference.txt": rows})
    with pytest.raises(TaxonomyFormatError, match=r"no entry for rated elements 2\.C\.5\.a"):
        read_onet(database)


def test_bad_data_value_names_file_and_line(database: Path) -> None:
    rows = [*FILES["Knowledge.txt"], rating("15-1252.00", "2.C.3.a", "IM", "n/a")]
    write_database(database, {"Knowledge.txt": rows})
    with pytest.raises(
        TaxonomyFormatError, match=r"Knowledge.txt: line 6: Data Value 'n/a' is not a number"
    ):
        read_onet(database)


def test_missing_column_names_file_and_column(database: Path) -> None:
    rows = [row[:4] for row in FILES["Skills.txt"]]
    write_database(database, {"Skills.txt": rows})
    with pytest.raises(TaxonomyFormatError, match=r"Skills.txt: missing column 'Scale ID'"):
        read_onet(database)


def test_empty_occupation_file_and_missing_folder_are_reported(
    database: Path, tmp_path: Path
) -> None:
    (database / "Occupation Data.txt").write_text("")
    with pytest.raises(TaxonomyFormatError, match=r"Occupation Data.txt: empty file"):
        read_onet(database)
    with pytest.raises(TaxonomyFormatError, match="no such file or folder"):
        read_onet(tmp_path / "absent")


def test_folder_without_occupation_data_lists_what_it_found(database: Path) -> None:
    (database / "Occupation Data.txt").unlink()
    with pytest.raises(TaxonomyFormatError, match=r"expected Occupation Data.txt .*found: "):
        read_onet(database)
