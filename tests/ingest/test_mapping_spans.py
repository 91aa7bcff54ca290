"""Job text read span by span: lists, conjunctions, tool names, titles, HTML and bullets.

The mapper runs on the real model with a small taxonomy written here, and the dictionary
matcher over that taxonomy's labels.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from embeddings import TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.label_dictionary import LabelDictionary
from ingest.mapping import (
    MappingSettings,
    PhraseRequirement,
    SkillMapper,
    split_phrases,
)
from tests.ingest.mapping_testkit import Skills, label_rows, small_space

JAVA, POSTGRES, SQL, REST, BREAD, CUSTOMERS, ML, R_LANG, CPP, SAFETY, DATA, TEAM = range(1, 13)
SKILLS: Skills = {
    JAVA: ("Java (computer programming)", ["Java SE"]),
    POSTGRES: ("PostgreSQL", ["Postgres"]),
    SQL: ("SQL", ["structured query language"]),
    REST: ("develop web services", ["build REST APIs", "design RESTful interfaces"]),
    BREAD: ("bake bread", ["make bread"]),
    CUSTOMERS: ("communicate with customers", ["speak to customers"]),
    ML: ("machine learning", ["statistical learning"]),
    R_LANG: ("R", ["R programming"]),
    CPP: ("C++", []),
    SAFETY: ("health and safety regulations", ["health and safety"]),
    DATA: ("data models", ["data"]),  # "data" alone is an everyday word: stop-listed
    TEAM: ("work in teams", ["teamwork"]),
}


def _rows() -> list[tuple[int, str, str]]:
    return label_rows(SKILLS)


@pytest.fixture(scope="module")
def mapper(encoder: TextEncoder) -> SkillMapper:
    space = small_space(_rows(), encoder)
    # Every kind on (the product's defaults turn alternative labels off), whole phrases read.
    settings = MappingSettings(alternative_threshold=0.5, whole_phrase=True, span_threshold=0.62)
    return SkillMapper(space, encoder, lambda _: None, settings, LabelDictionary(_rows()))


def _found(requirements: list[PhraseRequirement]) -> dict[int, str]:
    """Each skill read, with the evidence kind of its first reading."""
    found: dict[int, str] = {}
    for requirement in requirements:
        for match in requirement.skills:
            found.setdefault(match.skill_id, match.method)
    return found


def _check_offsets(text: str, requirements: list[PhraseRequirement]) -> None:
    for requirement in requirements:
        for match in requirement.skills:
            assert text[match.start : match.end] == match.phrase


# Segmentation -------------------------------------------------------------------------


def test_lists_conjunctions_parentheses_and_title_colon_are_split_with_offsets() -> None:
    text = "Backend developer: Python, SQL and Docker (containers), CI/CD or TCP/IP, Java/Kotlin"
    (phrase,) = split_phrases(text)
    spans = [span.text for span in phrase.spans]
    assert spans == [
        "Backend developer",
        "Python",
        "SQL",
        "Docker",
        "containers",
        "CI/CD",  # a slash inside a short acronym does not split it
        "TCP/IP",
        "Java",
        "Kotlin",
    ]
    for span in phrase.spans:
        assert text[span.start : span.end] == span.text


def test_a_sentence_splits_on_and_between_duties() -> None:
    text = "We need someone who knows Java and PostgreSQL and can build REST APIs."
    (phrase,) = split_phrases(text)
    assert [s.text for s in phrase.spans] == [
        "We need someone who knows Java",
        "PostgreSQL",
        "can build REST APIs",
    ]


def test_html_tags_entities_and_bullets_are_read_through_with_source_offsets() -> None:
    text = (
        "<h2>Requirements:</h2><ul><li>Java &amp; C++</li><li><b>machine</b> learning</li></ul>"
        "\n▪ bake bread\n2) speak to customers"
    )
    phrases = split_phrases(text)
    assert [p.text for p in phrases] == [
        "Requirements",
        "Java & C++",
        "machine learning",
        "bake bread",
        "speak to customers",
    ]
    assert phrases[0].heading
    assert text[phrases[1].start : phrases[1].end] == "Java &amp; C++"
    assert [text[s.start : s.end] for s in phrases[1].spans] == ["Java", "C++"]
    assert text[phrases[2].start : phrases[2].end] == "machine</b> learning"
    for phrase in phrases[3:]:
        assert text[phrase.start : phrase.end] == phrase.text


# Dictionary -------------------------------------------------------------------------


def test_dictionary_word_boundaries_case_rules_stop_list_and_longest_match() -> None:
    dictionary = LabelDictionary(_rows())

    def labels(text: str) -> list[tuple[str, int, str]]:
        return [(text[h.start : h.end], h.skill_id, h.kind) for h in dictionary.find(text)]

    assert labels("Java, PostgreSQL or Postgres") == [
        ("Java", JAVA, "exact"),  # "Java (computer programming)" by its name alone
        ("PostgreSQL", POSTGRES, "exact"),
        ("Postgres", POSTGRES, "alternative"),
    ]
    assert labels("JavaScript and MySQL") == []  # no label inside a word
    assert labels("statistics in R, C++ and R&D") == [("R", R_LANG, "exact"), ("C++", CPP, "exact")]
    assert labels("r is a letter") == []  # short labels match only as written
    assert labels("sql and java") == [("sql", SQL, "exact"), ("java", JAVA, "exact")]
    assert labels("we handle data daily") == []  # stop-listed everyday word
    assert labels("know health and safety regulations") == [
        ("health and safety regulations", SAFETY, "exact")  # longest wins
    ]


# Extraction -------------------------------------------------------------------------


def test_a_comma_list_of_skill_names_on_one_line(mapper: SkillMapper) -> None:
    text = "Java, PostgreSQL, machine learning, C++"
    requirements = mapper.extract_requirements(text)
    assert _found(requirements) == {JAVA: "exact", POSTGRES: "exact", ML: "exact", CPP: "exact"}
    assert len(requirements) == 4  # one requirement per item, not alternatives of one
    _check_offsets(text, requirements)


def test_tools_and_duties_joined_by_and_inside_a_sentence(mapper: SkillMapper) -> None:
    text = "We need someone who knows Java and PostgreSQL and can build REST APIs."
    found = _found(mapper.extract_requirements(text))
    assert found[JAVA] == "exact"
    assert found[POSTGRES] == "exact"
    assert found[REST] in {"alternative", "embedding"}


def test_a_duty_the_dictionary_does_not_know_is_read_by_the_encoder(mapper: SkillMapper) -> None:
    text = "You will talk with customers every day and bake fresh bread each morning"
    requirements = mapper.extract_requirements(text)
    found = _found(requirements)
    assert found.get(CUSTOMERS) == "embedding"
    assert found.get(BREAD) == "embedding"
    _check_offsets(text, requirements)


def test_title_colon_list(mapper: SkillMapper) -> None:
    text = "Data engineer: SQL, Java and statistical learning"
    assert _found(mapper.extract_requirements(text)) == {
        SQL: "exact",
        JAVA: "exact",
        ML: "alternative",
    }


def test_html_and_bullets_keep_strength_and_source_offsets(mapper: SkillMapper) -> None:
    text = (
        "<p><b>Requirements:</b></p><ul><li>Java &amp; C++</li><li>teamwork</li></ul>"
        "<p>Nice to have:</p><ul><li>R or PostgreSQL</li></ul>"
    )
    requirements = mapper.extract_requirements(text)
    by_skill = {r.skills[0].skill_id: r for r in requirements}
    assert set(by_skill) == {JAVA, CPP, TEAM, R_LANG, POSTGRES}
    assert {s: r.strength for s, r in by_skill.items()} == {
        JAVA: "must",
        CPP: "must",
        TEAM: "must",
        R_LANG: "nice",
        POSTGRES: "nice",
    }
    assert text[by_skill[CPP].phrase.start : by_skill[CPP].phrase.end] == "C++"
    assert text[by_skill[TEAM].phrase.start : by_skill[TEAM].phrase.end] == "teamwork"


def test_per_kind_thresholds_bound_dictionary_hits(encoder: TextEncoder) -> None:
    # "Java" now names two skills: each reading has confidence 0.5.
    rows = [*_rows(), (99, "Java (software platform)", "preferred")]
    labels = [SkillLabelEntry(s, label, kind == "preferred") for s, label, kind in rows]
    space = SkillSpace.build(labels, encoder, taxonomy="esco@t")
    dictionary = LabelDictionary(rows)
    strict = SkillMapper(
        space,
        encoder,
        lambda _: None,
        MappingSettings(
            exact_threshold=0.6, alternative_threshold=0.6, span_threshold=0.99, item_threshold=0.99
        ),
        dictionary,
    )
    lenient = SkillMapper(
        space, encoder, lambda _: None, MappingSettings(alternative_threshold=0.5), dictionary
    )
    assert JAVA not in _found(strict.extract_requirements("Java, Postgres"))
    assert _found(strict.extract_requirements("Java, Postgres")) == {POSTGRES: "alternative"}
    assert _found(lenient.extract_requirements("Java")) == {JAVA: "exact", 99: "exact"}


def test_own_ranking_returns_up_to_top_k_skills_per_span_with_scores(
    mapper: SkillMapper,
) -> None:
    default = mapper.extract_requirements("bake fresh bread each morning")
    ranking = mapper.ranking(top_k=100, threshold=0.0).extract_requirements(
        "bake fresh bread each morning"
    )
    assert sum(len(r.skills) for r in default) < len(SKILLS)
    (whole,) = ranking
    assert len(whole.skills) == len(SKILLS)  # every skill, best first, with its score
    scores = [m.confidence for m in whole.skills]
    assert scores == sorted(scores, reverse=True)
    assert whole.skills[0].skill_id == BREAD


def test_a_kind_turned_off_leaves_its_spans_to_the_encoder(mapper: SkillMapper) -> None:
    no_alternatives = mapper.with_settings(
        replace(mapper.settings, alternative_threshold=1.01)  # above any confidence: off
    )
    assert _found(mapper.extract_requirements("Postgres, Java")) == {
        POSTGRES: "alternative",
        JAVA: "exact",
    }
    assert _found(no_alternatives.extract_requirements("Postgres, Java")) == {
        POSTGRES: "embedding",  # its own label, read by the encoder instead
        JAVA: "exact",
    }


def test_list_items_have_their_own_threshold(mapper: SkillMapper) -> None:
    text = "knead dough for loaves, greet shoppers warmly"
    items_off = replace(mapper.settings, item_threshold=1.01, whole_phrase=False)
    assert mapper.with_settings(items_off).extract_requirements(text) == []
    items_on = replace(mapper.settings, item_threshold=0.0, whole_phrase=False)
    read = mapper.with_settings(items_on).extract_requirements(text)
    assert [r.phrase.text for r in read] == ["knead dough for loaves", "greet shoppers warmly"]
    whole_only = replace(mapper.settings, item_threshold=1.01, span_threshold=0.0)
    (whole,) = mapper.with_settings(whole_only).extract_requirements(text)
    assert whole.phrase.text == text


def test_an_item_threshold_above_one_encodes_no_item(mapper: SkillMapper) -> None:
    text = "knead dough for loaves, greet shoppers warmly"
    for item_threshold, encoded in ((1.01, 1), (0.9, 3)):  # the phrase; the phrase and 2 items
        counting = SkillMapper(
            mapper.space,
            mapper.encoder,
            mapper.resolve_uri,
            replace(
                mapper.settings, item_threshold=item_threshold, whole_phrase=True, phrase_cache=64
            ),
            mapper.dictionary,
            learned=mapper.learned,
        )
        counting.extract_requirements(text)
        assert counting.phrase_cache_misses == encoded


def test_the_callers_cut_reads_the_same_spans(mapper: SkillMapper) -> None:
    text = "knead dough for loaves, greet shoppers warmly"
    off = mapper.with_settings(replace(mapper.settings, item_threshold=1.01, whole_phrase=True))
    assert [r.phrase.text for r in off.ranking(5, 0.0).extract_requirements(text)] == [text]
    on = mapper.with_settings(replace(mapper.settings, item_threshold=0.9, whole_phrase=True))
    read = {r.phrase.text for r in on.ranking(5, 0.0).extract_requirements(text)}
    assert read == {text, "knead dough for loaves", "greet shoppers warmly"}


def test_a_phrase_naming_a_label_reads_its_other_skills_at_their_own_bound(
    mapper: SkillMapper,
) -> None:
    named = "Bake fresh bread with Java each morning"  # no list: the phrase is read whole
    unnamed = "Bake fresh bread each morning"
    whole = mapper.with_settings(replace(mapper.settings, item_threshold=1.01))  # items unread
    strict = whole.with_settings(replace(whole.settings, beside_label_threshold=0.99))
    assert _found(whole.extract_requirements(named)) == {JAVA: "exact", BREAD: "embedding"}
    # Beside the dictionary's hit, the phrase read whole must clear the higher bound ...
    assert _found(strict.extract_requirements(named)) == {JAVA: "exact"}
    # ... which leaves a phrase the dictionary found nothing in at its own bound,
    assert _found(strict.extract_requirements(unnamed)) == {BREAD: "embedding"}
    # and the caller's own cut replaces it like the other semantic bounds.
    assert BREAD in _found(strict.ranking(5, 0.0).extract_requirements(named))


def test_the_callers_top_k_alone_keeps_the_calibrated_bounds(mapper: SkillMapper) -> None:
    calibrated = replace(
        mapper.settings,
        beside_label_threshold=0.99,
        item_threshold=0.9,
    )
    top_only = mapper.with_settings(calibrated).ranking(3, None).settings
    assert replace(top_only, top_k=5, alternatives_margin=0.0) == replace(
        calibrated, labels_per_phrase=top_only.labels_per_phrase
    )
    assert top_only.top_k == 3 and top_only.alternatives_margin == float("inf")


def test_bounds_name_each_kind_with_none_for_a_kind_turned_off() -> None:
    settings = MappingSettings(
        span_threshold=0.2,
        item_threshold=1.01,
        beside_label_threshold=0.1,  # never below the phrase's own bound
        exact_threshold=0.5,
        alternative_threshold=0.75,
    )
    bounds = settings.bounds()
    assert (bounds.semantic, bounds.list_item, bounds.beside_label) == (0.2, None, 0.2)
    assert (bounds.exact_label, bounds.alternative_label) == (0.5, 0.75)
    stricter = replace(settings, beside_label_threshold=0.6, alternative_threshold=1.01)
    assert (stricter.bounds().beside_label, stricter.bounds().alternative_label) == (0.6, None)
    unread = replace(settings, span_threshold=1.01).bounds()  # the encoder's kinds all off
    assert (unread.semantic, unread.beside_label) == (None, None)


def test_in_a_list_of_skills_each_entry_the_dictionary_left_is_read_on_its_own(
    mapper: SkillMapper,
) -> None:
    text = "Data engineer: SQL, Java and bake fresh loaves every morning"
    # As shipped (items unread), and with the phrase read whole bound out of reach: the
    # list is not read whole, its unnamed entry is read like a phrase.
    shipped = replace(mapper.settings, item_threshold=1.01, beside_label_threshold=0.99)
    requirements = mapper.with_settings(shipped).extract_requirements(text)
    assert _found(requirements) == {SQL: "exact", JAVA: "exact", BREAD: "embedding"}
    (bread,) = [r for r in requirements if r.skills[0].skill_id == BREAD]
    assert bread.phrase.text == "bake fresh loaves every morning"  # the item, not the line
    _check_offsets(text, requirements)
