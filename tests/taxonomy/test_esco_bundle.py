from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from taxonomy import (
    BroaderRelation,
    Occupation,
    OccupationSkill,
    Skill,
    SkillGroup,
    TaxonomyFormatError,
    TaxonomyRelease,
    read_esco_bundle,
)

SKILL = "http://data.europa.eu/esco/skill/5a1e0000-0000-4000-8000-{:012d}"
GROUP = "http://data.europa.eu/esco/skill/9e0a0000-0000-4000-8000-{:012d}"
OCCUPATION = "http://data.europa.eu/esco/occupation/0cc00000-0000-4000-8000-{:012d}"
ISCED_06 = "http://data.europa.eu/esco/isced-f/06"
ISCED_0613 = "http://data.europa.eu/esco/isced-f/0613"
V12_FOLDER = "ESCO dataset - v1.2.0 - classification - en - csv"


def skill(n: int) -> str:
    return SKILL.format(n)


def group(n: int) -> str:
    return GROUP.format(n)


def occupation(n: int) -> str:
    return OCCUPATION.format(n)


def by_uri(release: TaxonomyRelease) -> dict[str, Skill]:
    return {item.uri: item for item in release.skills}


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def copy_bundle(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def make_v12_bundle(source: Path, target: Path) -> Path:
    """Rewrite the v1.1 fixture in the v1.2 layout: _en relation files, label columns."""
    target.mkdir(parents=True)
    labels = {
        row["conceptUri"]: row["preferredLabel"] for row in read_rows(source / "skills_en.csv")
    }
    for name in ("skills_en.csv", "skillGroups_en.csv", "skillsHierarchy_en.csv"):
        shutil.copy(source / name, target / name)
    occupations = read_rows(source / "occupations_en.csv")
    for row in occupations:
        row["naceCode"] = "J62"
    write_rows(
        target / "occupations_en.csv",
        [*occupations[0].keys()],
        occupations,
    )
    occupation_labels = {row["conceptUri"]: row["preferredLabel"] for row in occupations}
    relations = read_rows(source / "occupationSkillRelations.csv")
    for row in relations:
        row["occupationLabel"] = occupation_labels[row["occupationUri"]]
        row["skillLabel"] = labels[row["skillUri"]]
    write_rows(
        target / "occupationSkillRelations_en.csv",
        ["occupationUri", "occupationLabel", "relationType", "skillType", "skillUri", "skillLabel"],
        relations,
    )
    broader = read_rows(source / "broaderRelationsSkillPillar.csv")
    for row in broader:
        row["conceptLabel"] = labels.get(row["conceptUri"], "")
        row["broaderLabel"] = labels.get(row["broaderUri"], "")
    write_rows(
        target / "broaderRelationsSkillPillar_en.csv",
        ["conceptType", "conceptUri", "conceptLabel", "broaderType", "broaderUri", "broaderLabel"],
        broader,
    )
    return target


def zip_folder(folder: Path, archive: Path, inner: str) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for file in sorted(folder.glob("*.csv")):
            bundle.write(file, f"{inner}/{file.name}" if inner else file.name)
    return archive


@pytest.fixture
def release(esco_small: Path) -> TaxonomyRelease:
    return read_esco_bundle(esco_small, version="1.1.1")


def test_release_metadata_names_version_language_and_files(release: TaxonomyRelease) -> None:
    assert (release.framework, release.version, release.language) == ("esco", "1.1.1", "en")
    assert "esco_small" in release.source
    assert "skills_en.csv" in release.source
    assert "occupationSkillRelations.csv" in release.source


def test_skills_carry_labels_description_type_and_reuse_level(release: TaxonomyRelease) -> None:
    skills = by_uri(release)
    assert skills[skill(1)] == Skill(
        uri=skill(1),
        preferred_label="negotiate contracts",
        alt_labels=("negotiate agreements", "bargain contracts", "Negotiate Contracts"),
        description="Negotiate the terms, conditions and costs of contracts.",
        skill_type="skill/competence",
        reuse_level="cross-sector",
    )
    assert skills[skill(5)].skill_type == "knowledge"
    assert skills[skill(4)].alt_labels == ()
    assert skills[skill(4)].description == (
        'Present information to an audience, "live" or recorded,\n'
        "using slides, charts and demonstrations."
    )


def test_multiline_alt_labels_drop_blank_lines_and_exact_repeats(
    release: TaxonomyRelease,
) -> None:
    skills = by_uri(release)
    assert skills[skill(3)].alt_labels == ("liaise with clients", "customer communication")
    assert skills[skill(9)].alt_labels == ("fix software bugs", "debug software")


def test_draft_skill_is_skipped_with_its_relations(release: TaxonomyRelease) -> None:
    assert len(release.skills) == 12
    assert skill(13) not in by_uri(release)
    assert all(skill(13) not in (edge.narrower_uri, edge.broader_uri) for edge in release.broader)
    assert all(link.skill_uri != skill(13) for link in release.occupation_skills)


def test_groups_merge_group_file_and_hierarchy(release: TaxonomyRelease) -> None:
    groups = {item.uri: item for item in release.groups}
    assert len(groups) == 8
    assert groups[group(3)] == SkillGroup(uri=group(3), code="S1.1", preferred_label="negotiating")
    # Only in skillsHierarchy_en.csv:
    assert groups[group(5)] == SkillGroup(
        uri=group(5), code="S5.1", preferred_label="programming computer systems"
    )
    assert groups[ISCED_06].code == ""
    assert [item.code for item in release.groups[:5]] == ["S", "S1", "S1.1", "S5", "K"]


def test_broader_relations_cover_skill_group_and_skill_skill_edges(
    release: TaxonomyRelease,
) -> None:
    edges = set(release.broader)
    assert len(release.broader) == 18
    assert BroaderRelation(narrower_uri=skill(1), broader_uri=group(3)) in edges
    assert BroaderRelation(narrower_uri=skill(5), broader_uri=skill(12)) in edges
    assert BroaderRelation(narrower_uri=ISCED_0613, broader_uri=ISCED_06) in edges
    assert BroaderRelation(narrower_uri=group(5), broader_uri=group(4)) in edges


def test_occupations_and_their_essential_and_optional_skills(release: TaxonomyRelease) -> None:
    assert release.occupations[0] == Occupation(
        uri=occupation(1),
        preferred_label="software developer",
        alt_labels=("software engineer", "programmer", "application developer"),
        description="Software developers implement or program all kinds of software systems.",
        code="2512.4",
        isco_group="2512",
    )
    assert len(release.occupations) == 3
    relations = [link.relation for link in release.occupation_skills]
    assert (relations.count("essential"), relations.count("optional")) == (9, 5)
    assert (
        OccupationSkill(occupation_uri=occupation(3), skill_uri=skill(10), relation="optional")
        in release.occupation_skills
    )


def test_only_the_skills_file_is_required(esco_small: Path, tmp_path: Path) -> None:
    shutil.copy(esco_small / "skills_en.csv", tmp_path / "skills_en.csv")
    release = read_esco_bundle(tmp_path, version="1.1.1")
    assert len(release.skills) == 12
    assert release.groups == ()
    assert release.broader == ()
    assert release.occupations == ()
    assert release.occupation_skills == ()


def test_hierarchy_supplies_group_edges_when_broader_file_is_absent(
    esco_small: Path, tmp_path: Path
) -> None:
    bundle = copy_bundle(esco_small, tmp_path / "bundle")
    (bundle / "broaderRelationsSkillPillar.csv").unlink()
    release = read_esco_bundle(bundle, version="1.1.1")
    assert len(release.broader) == 6
    assert BroaderRelation(narrower_uri=group(5), broader_uri=group(4)) in release.broader


def test_v12_layout_is_read_like_v11(esco_small: Path, tmp_path: Path) -> None:
    expected = read_esco_bundle(esco_small, version="1.2.0")
    bundle = make_v12_bundle(esco_small, tmp_path / V12_FOLDER)
    release = read_esco_bundle(bundle)
    assert release.version == "1.2.0"
    assert release.skills == expected.skills
    assert release.groups == expected.groups
    assert set(release.broader) == set(expected.broader)
    assert release.occupations == expected.occupations
    assert release.occupation_skills == expected.occupation_skills
    assert "occupationSkillRelations_en.csv" in release.source


def test_columns_are_found_by_name_in_any_case_and_order(esco_small: Path, tmp_path: Path) -> None:
    rows = read_rows(esco_small / "skills_en.csv")
    header = ["DESCRIPTION", "preferredlabel", "ConceptURI", "altLabels", "Status"]
    renamed = [
        {
            "DESCRIPTION": row["description"],
            "preferredlabel": row["preferredLabel"],
            "ConceptURI": row["conceptUri"],
            "altLabels": row["altLabels"],
            "Status": row["status"],
        }
        for row in rows
    ]
    write_rows(tmp_path / "Skills_EN.csv", header, renamed)
    release = read_esco_bundle(tmp_path, version="1.1.1")
    assert [item.preferred_label for item in release.skills] == [
        item.preferred_label for item in read_esco_bundle(esco_small, version="1.1.1").skills
    ]
    assert release.skills[0].skill_type == ""


def test_utf8_bom_before_header_is_ignored(esco_small: Path, tmp_path: Path) -> None:
    content = (esco_small / "skills_en.csv").read_bytes()
    (tmp_path / "skills_en.csv").write_bytes(b"\xef\xbb\xbf" + content)
    assert len(read_esco_bundle(tmp_path, version="1").skills) == 12


@pytest.mark.parametrize("inner", ["", "ESCO dataset - v1.1.1 - classification - en - csv"])
def test_zip_with_files_at_top_or_in_a_subfolder(
    esco_small: Path, tmp_path: Path, inner: str
) -> None:
    archive = zip_folder(
        esco_small, tmp_path / "ESCO dataset - v1.1.1 - classification - en - csv.zip", inner
    )
    release = read_esco_bundle(archive)
    expected = read_esco_bundle(esco_small, version="1.1.1")
    assert release.version == "1.1.1"
    assert release.skills == expected.skills
    assert release.occupation_skills == expected.occupation_skills
    assert release.broader == expected.broader


def test_zip_version_can_come_from_its_subfolder(esco_small: Path, tmp_path: Path) -> None:
    archive = zip_folder(esco_small, tmp_path / "esco.zip", "esco-v1.2.1")
    assert read_esco_bundle(archive).version == "1.2.1"


def test_zip_ignores_macos_resource_forks(esco_small: Path, tmp_path: Path) -> None:
    archive = zip_folder(esco_small, tmp_path / "esco-v1.1.1.zip", "esco")
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.writestr("__MACOSX/esco/._skills_en.csv", b"\x00\x05\x16\x07")
    assert len(read_esco_bundle(archive).skills) == 12


def test_explicit_version_wins_over_the_name(esco_small: Path, tmp_path: Path) -> None:
    bundle = copy_bundle(esco_small, tmp_path / "esco-v1.1.1")
    assert read_esco_bundle(bundle, version="1.1.0").version == "1.1.0"
    assert read_esco_bundle(bundle).version == "1.1.1"


def test_missing_version_asks_for_it(esco_small: Path) -> None:
    with pytest.raises(
        TaxonomyFormatError, match=r"esco_small: cannot tell the ESCO version.*--version"
    ):
        read_esco_bundle(esco_small)


def test_missing_skills_file_lists_what_was_expected_and_found(
    esco_small: Path, tmp_path: Path
) -> None:
    shutil.copy(esco_small / "occupations_en.csv", tmp_path / "occupations_en.csv")
    with pytest.raises(TaxonomyFormatError) as raised:
        read_esco_bundle(tmp_path, version="1.1.1")
    message = str(raised.value)
    assert str(tmp_path) in message
    assert "expected skills_en.csv and skills.csv" in message
    assert "occupationSkillRelations_en.csv or occupationSkillRelations.csv" in message
    assert "found: occupations_en.csv" in message


def test_other_language_is_not_mistaken_for_english(esco_small: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match=r"expected skills_de\.csv"):
        read_esco_bundle(esco_small, version="1.1.1", language="de")


def test_missing_column_names_the_file_and_column(esco_small: Path, tmp_path: Path) -> None:
    rows = read_rows(esco_small / "skills_en.csv")
    write_rows(tmp_path / "skills_en.csv", ["conceptUri", "altLabels"], rows)
    with pytest.raises(TaxonomyFormatError) as raised:
        read_esco_bundle(tmp_path, version="1.1.1")
    assert str(raised.value) == (
        f"{tmp_path / 'skills_en.csv'}: missing column 'preferredLabel'; "
        "header is: conceptUri, altLabels"
    )


def test_missing_column_in_an_optional_file(esco_small: Path, tmp_path: Path) -> None:
    bundle = copy_bundle(esco_small, tmp_path / "bundle")
    relations = read_rows(bundle / "occupationSkillRelations.csv")
    write_rows(bundle / "occupationSkillRelations.csv", ["occupationUri", "skillUri"], relations)
    with pytest.raises(
        TaxonomyFormatError, match=r"occupationSkillRelations.csv: missing column 'relationType'"
    ):
        read_esco_bundle(bundle, version="1.1.1")


def test_unknown_relation_type_names_the_line(esco_small: Path, tmp_path: Path) -> None:
    bundle = copy_bundle(esco_small, tmp_path / "bundle")
    relations = read_rows(bundle / "occupationSkillRelations.csv")
    relations[2]["relationType"] = "preferred"
    write_rows(bundle / "occupationSkillRelations.csv", [*relations[0].keys()], relations)
    with pytest.raises(
        TaxonomyFormatError,
        match=r"occupationSkillRelations.csv: line 4: relationType 'preferred' is neither",
    ):
        read_esco_bundle(bundle, version="1.1.1")


def test_duplicate_skill_uri_is_rejected(esco_small: Path, tmp_path: Path) -> None:
    rows = read_rows(esco_small / "skills_en.csv")
    write_rows(tmp_path / "skills_en.csv", [*rows[0].keys()], [*rows, rows[0]])
    with pytest.raises(TaxonomyFormatError, match=re.escape(f"duplicate skill URI {skill(1)}")):
        read_esco_bundle(tmp_path, version="1.1.1")


def test_empty_skills_file_is_reported(tmp_path: Path) -> None:
    (tmp_path / "skills_en.csv").write_text("")
    with pytest.raises(TaxonomyFormatError, match=r"skills_en.csv: empty file, no header row"):
        read_esco_bundle(tmp_path, version="1.1.1")


def test_non_utf8_file_is_reported(esco_small: Path, tmp_path: Path) -> None:
    content = (esco_small / "skills_en.csv").read_bytes()
    (tmp_path / "skills_en.csv").write_bytes(content + "caf\u00e9\r\n".encode("latin-1"))
    with pytest.raises(TaxonomyFormatError, match=r"skills_en.csv: unreadable.*'utf-8' codec"):
        read_esco_bundle(tmp_path, version="1.1.1")


def test_two_bundle_folders_in_one_zip_are_ambiguous(esco_small: Path, tmp_path: Path) -> None:
    archive = zip_folder(esco_small, tmp_path / "esco-v1.1.1.zip", "a")
    with zipfile.ZipFile(archive, "a") as bundle:
        bundle.write(esco_small / "skills_en.csv", "b/skills_en.csv")
    with pytest.raises(TaxonomyFormatError, match="ambiguous, more than one bundle folder: a, b"):
        read_esco_bundle(archive)


def test_missing_path_and_non_zip_file_are_reported(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyFormatError, match="no such file or folder"):
        read_esco_bundle(tmp_path / "absent-v1.1.1.zip")
    text = tmp_path / "esco-v1.1.1.zip"
    text.write_text("not a zip")
    with pytest.raises(TaxonomyFormatError, match="neither a folder nor a zip archive"):
        read_esco_bundle(text)


@pytest.mark.parametrize(
    ("name", "version"),
    [("esco_v1.2.1", "1.2.1"), ("ESCO-V1.1", "1.1"), ("esco v1.1.1 (copy)", "1.1.1")],
)
def test_version_is_read_from_the_folder_name(
    esco_small: Path, tmp_path: Path, name: str, version: str
) -> None:
    (tmp_path / name).mkdir()
    shutil.copy(esco_small / "skills_en.csv", tmp_path / name / "skills_en.csv")
    assert read_esco_bundle(tmp_path / name).version == version
