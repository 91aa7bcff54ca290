"""Job texts read together: one encoder call over many postings, each read as on its own."""

from __future__ import annotations

from dataclasses import replace

import pytest

from embeddings import TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.mapping import SkillMapper, TooManyPhrasesError

SKILLS = {
    1: ("Python (computer programming)", ["Python"]),
    2: ("SQL", ["structured query language"]),
    3: ("bake bread", ["make bread"]),
    4: ("machine learning", ["statistical learning"]),
}


@pytest.fixture(scope="module")
def mapper(encoder: TextEncoder) -> SkillMapper:
    labels = [
        SkillLabelEntry(skill_id, label, preferred=(n == 0))
        for skill_id, (preferred, alternatives) in SKILLS.items()
        for n, label in enumerate([preferred, *alternatives])
    ]
    return SkillMapper(SkillSpace.build(labels, encoder, taxonomy="esco@t"), encoder, {}.get)


def _skills(requirements: list[object]) -> list[tuple[str, str, list[int]]]:
    return [
        (r.phrase.text, r.strength, [m.skill_id for m in r.skills])  # type: ignore[attr-defined]
        for r in requirements
    ]


def test_many_texts_read_as_each_alone(mapper: SkillMapper) -> None:
    texts = [
        "Requirements:\n- Python\n- SQL\nNice to have:\n- machine learning",
        "",
        "We offer a friendly office.",
        "Bake bread every morning. SQL is a plus.",
    ]

    together = mapper.extract_requirements_many(texts)

    assert len(together) == len(texts)
    for text, reading in zip(texts, together, strict=True):
        assert isinstance(reading, list)
        assert _skills(reading) == _skills(mapper.extract_requirements(text))
    assert _skills(together[0])[2] == ("machine learning", "nice", [4])
    assert together[1] == [] and together[2] == []


def test_a_text_with_too_many_phrases_is_refused_alone(mapper: SkillMapper) -> None:
    strict = SkillMapper(
        mapper.space, mapper.encoder, mapper.resolve_uri, replace(mapper.settings, max_phrases=2)
    )

    readings = strict.extract_requirements_many(["Python. SQL. Bread.", "Python"])

    assert isinstance(readings[0], TooManyPhrasesError)
    assert isinstance(readings[1], list) and _skills(readings[1])[0][2] == [1]
