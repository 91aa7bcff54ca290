from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from embeddings import TextEncoder
from embeddings.encoder import Vectors
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.mapping import (
    AchievementText,
    AlignmentTarget,
    MappingSettings,
    SkillMapper,
    TooManyPhrasesError,
    requirement_strengths,
    skill_uri_from_alignment,
    split_phrases,
)

ESCO = "http://data.europa.eu/esco/skill/"
SKILLS = {
    1: ("Python (computer programming)", ["Python"]),
    2: ("SQL", ["structured query language"]),
    3: ("bake bread", ["make bread"]),
    4: ("communicate with customers", ["speak to customers"]),
    5: ("machine learning", ["statistical learning"]),
}
URIS = {ESCO + f"0000000{i}-0000-4000-8000-000000000000": i for i in SKILLS}


@pytest.fixture(scope="module")
def mapper(encoder: TextEncoder) -> SkillMapper:
    labels = [
        SkillLabelEntry(skill_id, label, preferred=(n == 0))
        for skill_id, (pref, alts) in SKILLS.items()
        for n, label in enumerate([pref, *alts])
    ]
    space = SkillSpace.build(labels, encoder, taxonomy="esco@t")
    return SkillMapper(space, encoder, URIS.get)


def test_split_phrases_keeps_offsets() -> None:
    text = "We need Python.\n- SQL; bread baking\n• customer care"
    phrases = split_phrases(text)
    assert [p.text for p in phrases] == ["We need Python", "SQL", "bread baking", "customer care"]
    for phrase in phrases:
        assert text[phrase.start : phrase.end] == phrase.text


def test_requirement_strength_from_wording_and_headings() -> None:
    text = (
        "Requirements:\n- Python\n- SQL is a plus\nNice to have:\n- baking\n"
        "- must speak Dutch\nAbout the role:\n- writing reports"
    )
    phrases = split_phrases(text)
    assert requirement_strengths(text, phrases) == [
        "must",
        "must",
        "nice",
        "nice",
        "nice",
        "must",
        "must",
        "must",
    ]


def test_alignment_uri_forms() -> None:
    uuid = "ccd0a1d9-afda-43d9-b901-96344886e14d"
    assert skill_uri_from_alignment(f"https://data.europa.eu/esco/skill/{uuid}") == ESCO + uuid
    assert (
        skill_uri_from_alignment(f"http://data.europa.eu/esco/skill/{uuid.upper()}") == ESCO + uuid
    )
    assert skill_uri_from_alignment("https://example.org/skills/python") is None
    assert skill_uri_from_alignment("") is None


def test_alignment_wins_over_text(mapper: SkillMapper) -> None:
    uri = next(u for u, i in URIS.items() if i == 3)
    matches = mapper.map_achievement(
        AchievementText(name="Python Programming", alignments=(AlignmentTarget(url=uri),))
    )
    assert [(m.skill_id, m.method, m.confidence) for m in matches] == [(3, "alignment", 1.0)]


def test_alignment_by_code_alone(mapper: SkillMapper) -> None:
    code = next(u for u, i in URIS.items() if i == 2).rsplit("/", 1)[-1]
    target = AlignmentTarget(code=f"esco:{code}", framework="ESCO")

    matches = mapper.map_achievement(AchievementText(name="x", alignments=(target,)))

    assert [(m.skill_id, m.method) for m in matches] == [(2, "alignment")]


def test_alignment_to_another_framework_crosses_over_by_its_text(mapper: SkillMapper) -> None:
    free = AlignmentTarget(
        url="https://credentialengine.org/resources/ce-123",
        name="Customer communication",
        description="Talks with customers about their needs.",
        framework="Credential Engine",
    )
    known = AlignmentTarget(
        url="https://www.onetonline.org/x/2.A.1.e",
        code="2.A.1.e",
        framework="",
        known_as="Machine learning. Builds models that learn from data.",
    )

    matches = mapper.map_achievement(AchievementText(name="Bread baking", alignments=(free, known)))

    by_skill = {m.skill_id: m for m in matches}
    assert set(by_skill) == {4, 5}  # the badge's own text (baking) is not read
    assert all(m.method == "crosswalk" and 0.62 <= m.confidence < 1 for m in matches)
    assert by_skill[4].phrase.endswith(
        "[Credential Engine: https://credentialengine.org/resources/ce-123]"
    )
    assert by_skill[5].phrase.endswith("[2.A.1.e]")


def test_alignment_without_text_falls_back_to_the_achievement_text(mapper: SkillMapper) -> None:
    matches = mapper.map_achievement(
        AchievementText(
            name="Python Programming",
            description="Writes Python programs.",
            alignments=(AlignmentTarget(url="https://example.org/frameworks/x/python"),),
        )
    )
    assert matches[0].skill_id == 1
    assert matches[0].method == "embedding"
    assert 0.62 <= matches[0].confidence < 1


def test_fingerprint_ignores_what_was_looked_up() -> None:
    sent = AchievementText(name="A", alignments=(AlignmentTarget(code="x"),))
    looked_up = AchievementText(name="A", alignments=(AlignmentTarget(code="x", known_as="X"),))
    assert sent.fingerprint() == looked_up.fingerprint()
    other = AchievementText(name="A", alignments=(AlignmentTarget(code="y"),))
    assert sent.fingerprint() != other.fingerprint()


def test_job_text_extraction_with_offsets_and_strength(mapper: SkillMapper) -> None:
    text = (
        "Requirements:\n- Python programming\n- talking to customers\n"
        "Nice to have:\n- machine learning"
    )
    found = {m.skill_id: m for r in mapper.extract_requirements(text) for m in r.skills}
    assert set(found) >= {1, 4, 5}
    assert 3 not in found
    assert found[1].strength == "must" and found[5].strength == "nice"
    assert text[found[1].start : found[1].end] == found[1].phrase


def test_fingerprint_changes_with_content() -> None:
    a = AchievementText(name="A", description="x")
    assert a.fingerprint() == AchievementText(name="A", description="x").fingerprint()
    assert a.fingerprint() != AchievementText(name="A", description="y").fingerprint()


def test_requirements_are_phrases_with_alternative_skills(mapper: SkillMapper) -> None:
    text = "Requirements:\n- Python programming\nNice to have:\n- machine learning"
    requirements = mapper.extract_requirements(text)
    assert [r.phrase.text for r in requirements] == ["Python programming", "machine learning"]
    assert [r.strength for r in requirements] == ["must", "nice"]
    python = requirements[0]
    assert python.skills[0].skill_id == 1
    best = python.skills[0].confidence
    assert all(best - m.confidence <= mapper.settings.alternatives_margin for m in python.skills)


def test_headings_and_unrelated_sentences_require_nothing(mapper: SkillMapper) -> None:
    assert mapper.extract_requirements("Requirements:\nNice to have:\n") == []
    assert mapper.extract_requirements("We offer a friendly office near the station.") == []


def test_repeated_phrases_are_read_once_and_huge_texts_refused(mapper: SkillMapper) -> None:
    assert len(mapper.extract_requirements("SQL.\nSQL.\nsql.\n")) == 1
    many = "\n".join(f"skill number {n}" for n in range(mapper.settings.max_phrases + 1))
    with pytest.raises(TooManyPhrasesError, match="at most 200"):
        mapper.extract_requirements(many)


class _CountingEncoder:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.encoded: list[str] = []

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        self.encoded.extend(texts)
        return self.inner.encode(texts, show_progress=show_progress)


def test_phrase_cache_skips_the_encoder_and_changes_no_result(
    mapper: SkillMapper, encoder: TextEncoder
) -> None:
    counting = _CountingEncoder(encoder)
    cached = SkillMapper(mapper.space, counting, URIS.get, MappingSettings(phrase_cache=3))
    job = "Requirements:\n- Python\n- SQL\nNice to have:\n- baking bread"
    first = cached.extract_requirements(job)
    assert counting.encoded == ["Python", "SQL", "baking bread"]
    assert cached.extract_requirements(job) == first == mapper.extract_requirements(job)
    assert len(counting.encoded) == 3, "a repeated job is answered from the cache"
    assert (cached.phrase_cache_hits, cached.phrase_cache_misses) == (3, 3)
    # One new phrase: only it is encoded, and the least recently used one ("Python") goes.
    cached.extract_requirements("- talking to customers\n- SQL")
    assert counting.encoded[3:] == ["talking to customers"]
    cached.extract_requirements("- Python")
    assert counting.encoded[4:] == ["Python"]


def test_phrase_cache_off_encodes_every_time(mapper: SkillMapper, encoder: TextEncoder) -> None:
    counting = _CountingEncoder(encoder)
    uncached = SkillMapper(mapper.space, counting, URIS.get, MappingSettings(phrase_cache=0))
    uncached.extract_requirements("- Python")
    uncached.extract_requirements("- Python")
    assert counting.encoded == ["Python", "Python"]
    assert (uncached.phrase_cache_hits, uncached.phrase_cache_misses) == (0, 0)


def test_a_view_shares_the_phrase_cache_unless_it_asks_for_another_size(
    mapper: SkillMapper, encoder: TextEncoder
) -> None:
    counting = _CountingEncoder(encoder)
    cached = SkillMapper(mapper.space, counting, URIS.get, MappingSettings(phrase_cache=8))
    cached.extract_requirements("- Python")
    same_size = cached.with_settings(replace(cached.settings, top_k=2))
    same_size.extract_requirements("- Python")
    assert counting.encoded == ["Python"]  # the view found what the mapper had read
    # A view without a cache (as a benchmark times reading) encodes every time.
    uncached = cached.with_settings(replace(cached.settings, phrase_cache=0))
    uncached.extract_requirements("- Python")
    uncached.extract_requirements("- Python")
    assert counting.encoded == ["Python", "Python", "Python"]
    assert (uncached.phrase_cache_hits, uncached.phrase_cache_misses) == (0, 0)
