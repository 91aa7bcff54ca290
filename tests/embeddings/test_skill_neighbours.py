"""The skill neighbour graph: the related skills and similarities a match reads."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from embeddings.skill_space import SkillNeighbours


def _unit_vectors(count: int, dimension: int, seed: int) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    # Few dimensions, so that many pairs pass the threshold.
    vectors = rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


@pytest.mark.parametrize("threshold", [0.3, 0.75, 0.999])
def test_graph_holds_exactly_the_pairs_at_or_above_the_threshold(threshold: float) -> None:
    ids = np.asarray([40, 3, 17, 8, 25, 90, 61, 12, 5, 33], dtype=np.int64)
    vectors = _unit_vectors(len(ids), 4, seed=1)
    graph = SkillNeighbours.build(ids, vectors, threshold)
    cosine = vectors @ vectors.T
    expected = {
        (int(ids[i]), int(ids[j])): 1.0 if i == j else float(cosine[i, j])
        for i in range(len(ids))
        for j in range(len(ids))
        if i == j or cosine[i, j] >= threshold
    }
    right = np.sort(ids)
    matrix = graph.matrix(ids.tolist(), right)
    for i, left_id in enumerate(ids.tolist()):
        for j, right_id in enumerate(right.tolist()):
            assert matrix[i, j] == pytest.approx(expected.get((left_id, right_id), 0.0), abs=1e-6)
        related = graph.related([left_id]).tolist()
        assert related == sorted(r for (left, r) in expected if left == left_id)
    union = graph.related([3, 61]).tolist()
    assert union == sorted({r for (left, r) in expected if left in (3, 61)})


def test_a_pairs_similarity_does_not_depend_on_what_else_is_scored() -> None:
    """Scores must not move when the pool changes: a matrix product's last bits would."""
    ids = np.arange(1, 301, dtype=np.int64)
    graph = SkillNeighbours.build(ids, _unit_vectors(300, 8, seed=2), 0.2)
    left = [7, 150, 299]
    whole = graph.matrix(left, ids)
    rng = np.random.default_rng(3)
    for _ in range(20):
        subset = np.sort(rng.choice(ids, size=int(rng.integers(1, 300)), replace=False))
        part = graph.matrix(left, subset)
        np.testing.assert_array_equal(part, whole[:, subset - 1])


def test_ids_outside_the_space() -> None:
    ids = np.asarray([1, 2, 3], dtype=np.int64)
    graph = SkillNeighbours.build(ids, _unit_vectors(3, 4, seed=4), 0.5)
    matrix = graph.matrix([2], np.asarray([2, 1000], dtype=np.int64))
    assert matrix.tolist() == [[1.0, 0.0]]  # an unknown held skill relates to nothing
    with pytest.raises(KeyError, match="1000"):
        graph.related([1000])
    with pytest.raises(KeyError, match="7"):
        graph.matrix([7], ids)
    assert graph.related([]).tolist() == []
    assert graph.matrix([1], np.zeros(0, dtype=np.int64)).shape == (1, 0)
