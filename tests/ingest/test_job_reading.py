"""A job ad read as an HR system sends it: boilerplate and headings set aside, with reasons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from embeddings import TextEncoder
from ingest.label_dictionary import LabelDictionary
from ingest.mapping import JobReading, MappingSettings, SkillMapper
from tests.ingest.mapping_testkit import Skills, label_rows, small_space

PYTHON, SQL, INSURANCE, DIVERSITY, SALARIES, FORKLIFT = range(1, 7)
SKILLS: Skills = {
    PYTHON: ("Python (computer programming)", ["Python"]),
    SQL: ("SQL", ["structured query language"]),
    INSURANCE: ("health insurance", ["medical insurance"]),
    DIVERSITY: ("promote inclusion in organisations", ["diversity"]),
    SALARIES: ("determine salaries", ["salary"]),
    FORKLIFT: ("operate forklift", ["drive forklift"]),
}

AD = """Data Engineer
About us:
We are a fast-growing retailer with 40 stores.
Our canteen serves free lunch.
Requirements:
- Python and SQL
- Experience operating a forklift is a plus
Benefits:
- Health insurance and a yearly bonus
- Free parking
We offer a competitive salary of $60,000 per year.
We are an equal opportunity employer and value diversity.
Apply now at jobs@example.com."""


def _rows() -> list[tuple[int, str, str]]:
    return label_rows(SKILLS)


@pytest.fixture(scope="module")
def mapper(encoder: TextEncoder) -> SkillMapper:
    space = small_space(_rows(), encoder)
    settings = MappingSettings(alternative_threshold=0.5, span_threshold=0.62)
    return SkillMapper(space, encoder, lambda _: None, settings, LabelDictionary(_rows()))


def _skills(reading: JobReading) -> set[int]:
    return {m.skill_id for r in reading.requirements for m in r.skills}


def test_boilerplate_and_the_sections_it_heads_are_not_requirements(mapper: SkillMapper) -> None:
    reading = mapper.read_job(AD)
    assert _skills(reading) == {PYTHON, SQL, FORKLIFT}
    reasons = {ignored.phrase.text: ignored.reason for ignored in reading.ignored}
    assert reasons == {
        "About us": "heading",
        "We are a fast-growing retailer with 40 stores": "company",
        "Our canteen serves free lunch": "company",  # under "About us:"
        "Requirements": "heading",
        "Benefits": "heading",
        "Health insurance and a yearly bonus": "benefits",
        "Free parking": "benefits",  # under "Benefits:"
        "We offer a competitive salary of $60,000 per year": "benefits",
        "We are an equal opportunity employer and value diversity": "equal-opportunity",
        "Apply now at jobs@example.com": "application",
    }
    for ignored in reading.ignored:
        assert AD[ignored.phrase.start : ignored.phrase.end] == ignored.phrase.text


def test_a_requirement_on_the_same_subject_is_read(mapper: SkillMapper) -> None:
    reading = mapper.read_job("You will determine salaries and administer health insurance.")
    assert {SALARIES, INSURANCE} <= _skills(reading)
    assert reading.ignored == []


def test_a_plain_heading_ends_a_boilerplate_section(mapper: SkillMapper) -> None:
    reading = mapper.read_job("Benefits:\nFree parking\nSkills:\nPython\nSQL")
    assert _skills(reading) == {PYTHON, SQL}
    assert [(i.phrase.text, i.reason) for i in reading.ignored] == [
        ("Benefits", "heading"),
        ("Free parking", "benefits"),
        ("Skills", "heading"),
    ]


def test_the_filter_can_be_turned_off(mapper: SkillMapper) -> None:
    everything = mapper.with_settings(replace(mapper.settings, drop_boilerplate=False))
    reading = everything.read_job(AD)
    assert INSURANCE in _skills(reading)
    assert {i.reason for i in reading.ignored} == {"heading"}


def test_boilerplate_does_not_count_against_the_phrase_limit(mapper: SkillMapper) -> None:
    strict = mapper.with_settings(replace(mapper.settings, max_phrases=3))  # title, two list items
    assert _skills(strict.read_job(AD)) == {PYTHON, SQL, FORKLIFT}
