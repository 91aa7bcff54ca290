"""Training the mapping artefact's re-ranker: its form is chosen on training folds only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from benchmarks.train_mapping import (
    RerankerForm,
    select_reranker_form,
    train_hidden_reranker,
)
from ingest.mapping_model import DEFAULT_ARTEFACT, FEATURES, MappingModel, write_artefact

Rows = list[npt.NDArray[np.float32]]


def _interaction_rows(sentences: int, seed: int) -> tuple[Rows, Rows]:
    """Ten candidates per sentence; a candidate is gold exactly when its first two features
    share a sign, which no weighting of the features alone can tell."""
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for _ in range(sentences):
        rows = rng.normal(size=(10, len(FEATURES))).astype(np.float32)
        features.append(rows)
        labels.append((rows[:, 0] * rows[:, 1] > 0).astype(np.float32))
    return features, labels


def test_a_hidden_layer_is_chosen_where_only_an_interaction_tells_gold() -> None:
    features, labels = _interaction_rows(400, seed=1)
    forms = (RerankerForm(0), RerankerForm(16, 1e-4))
    chosen, scores = select_reranker_form(features, labels, forms=forms)
    assert chosen == RerankerForm(16, 1e-4)
    assert scores["hidden 16, decay 0.0001"] > scores["logistic"] + 20


def test_a_hidden_reranker_is_seeded_and_loads_back_from_the_artefact(tmp_path: Path) -> None:
    features, labels = _interaction_rows(50, seed=2)
    first = train_hidden_reranker(features, labels, units=8, weight_decay=1e-4, steps=50)
    again = train_hidden_reranker(features, labels, units=8, weight_decay=1e-4, steps=50)
    np.testing.assert_array_equal(first.probability(features[0]), again.probability(features[0]))
    write_artefact(
        tmp_path,
        adapter=np.eye(4, dtype=np.float32),
        reranker=first,
        prior={},
        thresholds=MappingModel.load(DEFAULT_ARTEFACT).thresholds,
        encoder="test-encoder",
        version="test",
        metadata={},
    )
    loaded = MappingModel.load(tmp_path).reranker
    assert loaded.hidden_weights is not None and loaded.hidden_weights.shape == (len(FEATURES), 8)
    np.testing.assert_allclose(
        loaded.probability(features[0]), first.probability(features[0]), rtol=1e-6
    )
