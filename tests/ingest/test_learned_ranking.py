"""The shipped mapping artefact ranking job-text spans: adapted search, then re-ranking.

Runs the real encoder and the real artefact over a small taxonomy written here.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from embeddings import TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.label_dictionary import LabelDictionary
from ingest.mapping import MappingSettings, SkillMapper
from ingest.mapping_model import (
    CANDIDATES,
    DEFAULT_ARTEFACT,
    LearnedRanking,
    MappingModel,
    MappingModelError,
    Thresholds,
    file_sha256,
    write_thresholds,
)
from tests.ingest.mapping_testkit import Skills, label_rows, small_space

BREAD, FORKLIFT, SQL, CUSTOMERS, PYTHON, TEAM = range(1, 7)
SKILLS: Skills = {
    BREAD: ("bake bread", ["make bread"]),
    FORKLIFT: ("operate forklift", ["drive forklift"]),
    SQL: ("SQL", ["structured query language"]),
    CUSTOMERS: ("communicate with customers", ["speak to customers"]),
    PYTHON: ("Python (computer programming)", ["Python"]),
    TEAM: ("work in teams", ["teamwork"]),
}
SOURDOUGH = "You will prepare loaves of sourdough every morning"
URIS = {skill_id: f"http://example.org/skill/{skill_id}" for skill_id in SKILLS}


def _rows() -> list[tuple[int, str, str]]:
    return label_rows(SKILLS)


@pytest.fixture(scope="module")
def space(encoder: TextEncoder) -> SkillSpace:
    return small_space(_rows(), encoder)


@pytest.fixture(scope="module")
def model() -> MappingModel:
    return MappingModel.load(DEFAULT_ARTEFACT)


@pytest.fixture(scope="module")
def learned(model: MappingModel, space: SkillSpace) -> LearnedRanking:
    return LearnedRanking(model, space, _rows(), URIS)


def _mapper(
    space: SkillSpace, encoder: TextEncoder, learned: LearnedRanking, **changes: object
) -> SkillMapper:
    settings = replace(MappingSettings().at(learned.model.thresholds), **changes)  # type: ignore[arg-type]
    return SkillMapper(
        space, encoder, lambda _: None, settings, LabelDictionary(_rows()), learned=learned
    )


def test_rank_gives_probabilities_best_first_and_deterministic(
    learned: LearnedRanking, encoder: TextEncoder
) -> None:
    texts = [SOURDOUGH, "drive a forklift in the warehouse"]
    vectors = encoder.encode(texts)
    first = learned.rank(texts, vectors)
    assert [ranked[0][0] for ranked in first] == [BREAD, FORKLIFT]
    for ranked in first:
        probabilities = [p for _, p in ranked]
        assert probabilities == sorted(probabilities, reverse=True)
        assert all(0.0 <= p <= 1.0 for p in probabilities) and probabilities[0] > 0.0
        assert len({s for s, _ in ranked}) == len(ranked) == len(SKILLS)  # all six, once each
    assert learned.rank(texts, vectors) == first
    assert learned.rank([], encoder.encode([])) == []


def test_rank_reads_at_most_count_skills(learned: LearnedRanking, encoder: TextEncoder) -> None:
    texts = ["bake bread"]
    (ranked,) = learned.rank(texts, encoder.encode(texts), count=2)
    assert len(ranked) == 2 and ranked[0][0] == BREAD


def test_the_re_ranker_prefers_the_skill_the_text_names_verbatim(
    learned: LearnedRanking, encoder: TextEncoder
) -> None:
    """The verbatim-label features lift a named skill above its cosine neighbours."""
    texts = ["Experience with SQL"]
    (ranked,) = learned.rank(texts, encoder.encode(texts))
    assert ranked[0][0] == SQL
    assert ranked[0][1] > 2 * ranked[1][1]


def test_an_artefact_of_another_encoder_is_refused_for_the_space(
    space: SkillSpace, tmp_path: Path
) -> None:
    copy = tmp_path / "artefact"
    shutil.copytree(DEFAULT_ARTEFACT, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["encoder"] = "other-model==1"
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(MappingModelError, match=r"trained on 'other-model==1'"):
        LearnedRanking(MappingModel.load(copy), space, _rows(), URIS)


def test_the_mapper_ranks_spans_with_the_artefact_and_records_its_version(
    space: SkillSpace, encoder: TextEncoder, learned: LearnedRanking
) -> None:
    mapper = _mapper(space, encoder, learned, span_threshold=0.2)
    assert mapper.model == f"{space.model}+{learned.version}"
    assert mapper.achievement_model == space.model
    text = SOURDOUGH  # names no label: the dictionary finds nothing, the encoder reads it
    (requirement,) = mapper.extract_requirements(text)
    (match,) = requirement.skills
    assert (match.skill_id, match.method) == (BREAD, "embedding")
    (expected,) = learned.rank([text], encoder.encode([text]))
    assert match.confidence == expected[0][1]  # the re-ranker's probability, not a cosine
    assert match.confidence >= mapper.settings.span_threshold


def test_the_semantic_threshold_bounds_the_probability(
    space: SkillSpace, encoder: TextEncoder, learned: LearnedRanking
) -> None:
    text = SOURDOUGH
    (expected,) = learned.rank([text], encoder.encode([text]))
    above = _mapper(space, encoder, learned, span_threshold=expected[0][1] + 0.0001)
    assert above.extract_requirements(text) == []
    at = _mapper(space, encoder, learned, span_threshold=expected[0][1])
    assert [m.skill_id for r in at.extract_requirements(text) for m in r.skills] == [BREAD]


def test_the_callers_cut_reads_top_k_probabilities_and_the_cache_changes_nothing(
    space: SkillSpace, encoder: TextEncoder, learned: LearnedRanking
) -> None:
    text = "drive a forklift in the warehouse"
    uncached = _mapper(space, encoder, learned).ranking(top_k=4, threshold=0.0)
    cached = _mapper(space, encoder, learned, phrase_cache=16).ranking(top_k=4, threshold=0.0)
    (requirement,) = uncached.extract_requirements(text)
    assert len(requirement.skills) == 4 and requirement.skills[0].skill_id == FORKLIFT
    confidences = [m.confidence for m in requirement.skills]
    assert confidences == sorted(confidences, reverse=True)
    assert cached.extract_requirements(text) == uncached.extract_requirements(text)
    assert cached.extract_requirements(text) == uncached.extract_requirements(text)
    assert cached.phrase_cache_hits == 1


def test_top_k_above_the_trained_candidate_count_widens_the_re_ranked_list(
    space: SkillSpace, encoder: TextEncoder, learned: LearnedRanking
) -> None:
    wide = _mapper(space, encoder, learned).ranking(top_k=CANDIDATES + 10, threshold=0.0)
    (requirement,) = wide.extract_requirements("drive a forklift in the warehouse")
    assert len(requirement.skills) == len(SKILLS)  # every skill of the small space


def test_thresholds_are_part_of_the_artefact_and_checked(tmp_path: Path) -> None:
    copy = tmp_path / "artefact"
    shutil.copytree(DEFAULT_ARTEFACT, copy)
    before = MappingModel.load(copy)
    point = replace(before.thresholds, semantic=before.thresholds.semantic + 0.05)
    write_thresholds(copy, point, {"note": "test"})
    after = MappingModel.load(copy)
    assert after.thresholds == point
    assert after.version != before.version  # the model id changes with the operating point
    assert after.manifest["operating_point"] == {"note": "test"}

    document = json.loads((copy / "thresholds.json").read_text())
    document["semantic"] = -0.1
    (copy / "thresholds.json").write_text(json.dumps(document))
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["thresholds.json"] = file_sha256(copy / "thresholds.json")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(MappingModelError, match=r"thresholds must be finite and >= 0"):
        MappingModel.load(copy)
    (copy / "thresholds.json").write_text("{}")
    with pytest.raises(MappingModelError, match=r"thresholds\.json is corrupted"):
        MappingModel.load(copy)


def test_the_shipped_operating_point_was_fitted() -> None:
    thresholds = MappingModel.load(DEFAULT_ARTEFACT).thresholds
    assert isinstance(thresholds, Thresholds)
    assert "even-numbered sentences" in thresholds.fitted_on
    assert 0.0 < thresholds.semantic < 1.0


def test_labels_without_a_preferred_label_still_rank(
    model: MappingModel, encoder: TextEncoder
) -> None:
    rows = [(1, "bake bread", "alt"), (2, "operate forklift", "preferred")]
    labels = [SkillLabelEntry(s, label, kind == "preferred") for s, label, kind in rows]
    space = SkillSpace.build(labels, encoder, taxonomy="esco@t")
    ranking = LearnedRanking(model, space, rows, {})
    (ranked,) = ranking.rank(["bake bread"], encoder.encode(["bake bread"]))
    assert ranked[0][0] == 1
    assert np.isfinite([p for _, p in ranked]).all()
