"""Train the mapping artefact (query adapter + re-ranker) and measure it on validation sets.

Method (``python -m benchmarks train-mapping``; seeded, CPU):

- Skills and labels: the official ESCO v1.1.1 bundle (``../shared/data/esco-v1.1.1``), every
  preferred and alternative label embedded once with the packaged all-MiniLM-L6-v2 (cached
  under ``--data-dir``, shared with ``python -m benchmarks extraction``).
- Training data, public and never evaluated on: SkillSkape *train* sentences with their ESCO
  skills, and every ESCO alternative label paired with its skill's preferred label.
- Adapter: ``W`` (384 x 384, from the identity), minimising the softmax cross-entropy of the
  adapted phrase vector against every skill's preferred-label vector, temperature ``tau``,
  plus ``l2 * ||W - I||^2``; Adam, mini-batches, a fixed number of epochs.
- Re-ranker: over `ingest.mapping_model.FEATURES` of the top ``candidates`` skills of the
  adapted label search. Its training rows come from SkillSkape train *cross-fitted* (the
  adapter that scores a sentence was trained without it), so the re-ranker does not learn to
  trust over-fitted cosines. Logistic regression, as shipped; with ``--hidden-reranker`` the
  form (logistic, or one ReLU layer of 16-64 units with some weight decay) is chosen on those
  training rows alone: two folds of the sentences, the form whose best candidate is gold
  most often on the held fold (:func:`select_reranker_form`).
- Selection: a small grid of adapter settings, picked by mean RP@5 on the validation sets
  (Decorte TECH/HOUSE validation, SkillSkape dev). Every configuration's figures are kept in
  the manifest and printed; none of these sets is a test set.
- Metrics as in `benchmarks.extraction_bench` (RP@5, RP@10, MRR over every skill of the
  bundle): raw label-max, adapted label-max, adapted + re-ranked.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import torch

from benchmarks.extraction_bench import (
    DEFAULT_ESCO_BUNDLE,
    DEFAULT_SKILL_DATA,
    SETS,
    EvalSet,
    LabelResolver,
    OurSpace,
    _skillskape_rows,
    encoder_and_space,
    load_set,
    ranking_metrics,
    run_fit_thresholds,
    space_cache,
)
from benchmarks.harness import console
from embeddings import TextEncoder, Vectors
from ingest.mapping_model import (
    DEFAULT_ARTEFACT,
    FEATURES,
    Candidate,
    Reranker,
    Thresholds,
    candidate_features,
    file_sha256,
    write_artefact,
)
from taxonomy import TaxonomyRelease, iter_skill_labels, read_esco_bundle

ARTEFACT_VERSION = "credmatch-mapping-1"
CANDIDATES = 30
_BATCH = 256


@dataclass(frozen=True)
class AdapterConfig:
    """One adapter setting of the grid."""

    tau: float
    l2: float
    epochs: int
    alt_pairs: int
    lr: float = 1e-3

    @property
    def name(self) -> str:
        """A short readable id."""
        return f"tau={self.tau} l2={self.l2} epochs={self.epochs} alt={self.alt_pairs}"


GRID = (
    AdapterConfig(tau=0.05, l2=1.0, epochs=6, alt_pairs=20_000),
    AdapterConfig(tau=0.05, l2=0.1, epochs=6, alt_pairs=20_000),
    AdapterConfig(tau=0.05, l2=1.0, epochs=6, alt_pairs=0),
    AdapterConfig(tau=0.1, l2=1.0, epochs=6, alt_pairs=20_000),
)


@dataclass
class Space:
    """The bundle's skills as matrices."""

    release: TaxonomyRelease
    ours: OurSpace
    uris: list[str]
    labels: list[list[str]]
    label_texts: list[str]
    preferred_vectors: Vectors
    prior: dict[str, float]


def _space(release: TaxonomyRelease, ours: OurSpace) -> Space:
    uris = [skill.uri for skill in release.skills]
    row_of = {uri: row for row, uri in enumerate(uris)}
    labels: list[list[str]] = [[] for _ in uris]
    texts: list[str] = []
    for uri, label, _kind in iter_skill_labels(release):
        labels[row_of[uri]].append(label)
        texts.append(label)
    return Space(
        release=release,
        ours=ours,
        uris=uris,
        labels=labels,
        label_texts=texts,
        preferred_vectors=np.ascontiguousarray(ours.label_vectors[ours.label_starts]),
        prior=occupation_prior(release),
    )


def occupation_prior(release: TaxonomyRelease) -> dict[str, float]:
    """Skill URI -> ``log1p(weight) / log1p(max weight)``, weight = essential + optional / 2."""
    weight: defaultdict[str, float] = defaultdict(float)
    for relation in release.occupation_skills:
        weight[relation.skill_uri] += 1.0 if relation.relation == "essential" else 0.5
    top = max(weight.values(), default=1.0)
    return {uri: round(math.log1p(w) / math.log1p(top), 4) for uri, w in weight.items()}


def _encode_cached(encoder: TextEncoder, texts: Sequence[str], cache: Path, name: str) -> Vectors:
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache / f"{name}-{digest}.npy"
    if path.is_file():
        cached: Vectors = np.load(path)
        return cached
    with console.status(f"embedding {len(texts)} {name} sentences"):
        vectors = encoder.encode(list(texts))
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def _training_set(root: Path, resolver: LabelResolver, columns: dict[str, int]) -> EvalSet:
    labels_of: dict[str, list[str]] = {}
    for sentence, labels in _skillskape_rows(root / "skillskape" / "train.csv"):
        labels_of.setdefault(sentence, []).extend(labels)
    sentences: list[str] = []
    gold: list[frozenset[str]] = []
    for sentence, labels in labels_of.items():
        uris = {resolver.resolve(label)[0] for label in labels if label != "UNK"}
        found = frozenset(u for u in uris if u is not None and u in columns)
        if found:
            sentences.append(sentence)
            gold.append(found)
    return EvalSet(
        name="skillskape-train", source="skillskape/train.csv", sentences=sentences, gold=gold
    )


def label_max(
    queries: Vectors, label_vectors: Vectors, starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """Every skill's best label cosine per query, in batches."""
    parts = []
    for begin in range(0, len(queries), _BATCH):
        per_label = queries[begin : begin + _BATCH] @ label_vectors.T
        parts.append(np.maximum.reduceat(per_label, starts, axis=1))
    return np.concatenate(parts, axis=0) if parts else np.zeros((0, len(starts)), np.float32)


def train_adapter(
    pairs: tuple[Vectors, npt.NDArray[np.int64]],
    targets: Vectors,
    config: AdapterConfig,
    seed: int,
) -> npt.NDArray[np.float32]:
    """``W`` for query vectors, trained against the preferred-label vectors ``targets``."""
    generator = torch.Generator().manual_seed(seed)
    queries = torch.from_numpy(pairs[0])
    gold = torch.from_numpy(pairs[1])
    target = torch.from_numpy(targets)
    dimension = target.shape[1]
    eye = torch.eye(dimension)
    weight = torch.nn.Parameter(eye.clone())
    optimiser = torch.optim.Adam([weight], lr=config.lr)
    for _ in range(config.epochs):
        order = torch.randperm(len(queries), generator=generator)
        for begin in range(0, len(order), _BATCH):
            rows = order[begin : begin + _BATCH]
            mapped = torch.nn.functional.normalize(queries[rows] @ weight.T, dim=1)
            logits = mapped @ target.T / config.tau
            loss = torch.nn.functional.cross_entropy(logits, gold[rows])
            loss = loss + config.l2 * ((weight - eye) ** 2).sum() / dimension
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
    return np.ascontiguousarray(weight.detach().numpy(), dtype=np.float32)


def _adapt(queries: Vectors, weight: npt.NDArray[np.float32]) -> Vectors:
    mapped = queries @ weight.T
    return np.ascontiguousarray(
        mapped / np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12),
        dtype=np.float32,
    )


def _pairs(
    vectors: Vectors,
    data: EvalSet,
    columns: dict[str, int],
    alt: tuple[Vectors, npt.NDArray[np.int64]],
    *,
    alt_pairs: int,
    seed: int,
) -> tuple[Vectors, npt.NDArray[np.int64]]:
    rows, gold = [], []
    for row, uris in enumerate(data.gold):
        for uri in sorted(uris):
            rows.append(row)
            gold.append(columns[uri])
    queries = vectors[np.asarray(rows, dtype=np.int64)]
    targets = np.asarray(gold, dtype=np.int64)
    if alt_pairs:
        pick = np.random.default_rng(seed).choice(len(alt[1]), alt_pairs, replace=False)
        queries = np.concatenate([queries, alt[0][pick]])
        targets = np.concatenate([targets, alt[1][pick]])
    return np.ascontiguousarray(queries, dtype=np.float32), targets


def candidates_of(
    space: Space,
    adapted_row: npt.NDArray[np.float32],
    raw_row: npt.NDArray[np.float32],
    adapted_query: Vectors,
    count: int,
) -> list[Candidate]:
    """The top ``count`` skills of one phrase by adapted label-max, best first."""
    top = np.argpartition(-adapted_row, count)[:count]
    top = top[np.argsort(-adapted_row[top], kind="stable")]
    found = []
    starts = space.ours.label_starts
    for column in top:
        begin = int(starts[column])
        end = int(starts[column + 1]) if column + 1 < len(starts) else len(space.label_texts)
        best = begin + int(np.argmax(space.ours.label_vectors[begin:end] @ adapted_query))
        found.append(
            Candidate(
                skill_uri=space.uris[column],
                adapted_cosine=float(adapted_row[column]),
                raw_cosine=float(raw_row[column]),
                best_label=space.label_texts[best],
                labels=space.labels[column],
            )
        )
    return found


def _features(
    space: Space, sentences: Sequence[str], raw: Vectors, weight: npt.NDArray[np.float32]
) -> tuple[list[list[Candidate]], list[npt.NDArray[np.float32]], npt.NDArray[np.float32]]:
    """Each sentence's candidates and their features, and every skill's adapted score."""
    adapted = _adapt(raw, weight)
    adapted_scores = label_max(adapted, space.ours.label_vectors, space.ours.label_starts)
    raw_scores = raw @ space.preferred_vectors.T
    all_candidates, all_features = [], []
    for index, (a_row, r_row) in enumerate(zip(adapted_scores, raw_scores, strict=True)):
        found = candidates_of(space, a_row, r_row, adapted[index], CANDIDATES)
        all_candidates.append(found)
        all_features.append(candidate_features(sentences[index], found, space.prior))
    return all_candidates, all_features, adapted_scores


def _standardised(
    features: Sequence[npt.NDArray[np.float32]], labels: Sequence[npt.NDArray[np.float32]]
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], torch.Tensor, torch.Tensor]:
    """Feature means and scales, and the standardised rows and their labels as tensors."""
    x = np.concatenate(features)
    mean = x.mean(axis=0).astype(np.float32)
    scale = np.maximum(x.std(axis=0), 1e-6).astype(np.float32)
    rows = torch.from_numpy(((x - mean) / scale).astype(np.float32))
    return mean, scale, rows, torch.from_numpy(np.concatenate(labels).astype(np.float32))


def train_reranker(
    features: Sequence[npt.NDArray[np.float32]],
    labels: Sequence[npt.NDArray[np.float32]],
    *,
    l2: float = 1e-3,
    steps: int = 300,
) -> Reranker:
    """Logistic regression (L-BFGS) over standardised features."""
    mean, scale, xs, ys = _standardised(features, labels)
    weights = torch.zeros(xs.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimiser = torch.optim.LBFGS([weights, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        logits = xs @ weights + bias
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, ys)
        loss = loss + l2 * (weights**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        return loss

    optimiser.step(closure)  # type: ignore[no-untyped-call]
    return Reranker(
        mean=mean,
        scale=scale,
        weights=weights.detach().numpy().astype(np.float32),
        bias=float(bias.item()),
    )


def train_hidden_reranker(
    features: Sequence[npt.NDArray[np.float32]],
    labels: Sequence[npt.NDArray[np.float32]],
    *,
    units: int,
    weight_decay: float,
    steps: int = 400,
    learning_rate: float = 0.01,
    seed: int = 42,
) -> Reranker:
    """One ReLU layer of ``units``, then the logistic output, over standardised features.

    Full-batch Adam with decoupled weight decay, a fixed number of steps, seeded.
    """
    mean, scale, xs, ys = _standardised(features, labels)
    torch.manual_seed(seed)
    network = torch.nn.Sequential(
        torch.nn.Linear(xs.shape[1], units), torch.nn.ReLU(), torch.nn.Linear(units, 1)
    )
    optimiser = torch.optim.AdamW(network.parameters(), lr=learning_rate, weight_decay=weight_decay)
    for _ in range(steps):
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(network(xs)[:, 0], ys)
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    hidden, output = network[0], network[2]
    assert isinstance(hidden, torch.nn.Linear) and isinstance(output, torch.nn.Linear)
    return Reranker(
        mean=mean,
        scale=scale,
        weights=output.weight.detach().numpy()[0].astype(np.float32),
        bias=float(output.bias.detach().item()),
        hidden_weights=np.ascontiguousarray(hidden.weight.detach().numpy().T, dtype=np.float32),
        hidden_bias=hidden.bias.detach().numpy().astype(np.float32),
    )


def _gold_rows(
    candidates: Sequence[Sequence[Candidate]], gold: Sequence[frozenset[str]]
) -> list[npt.NDArray[np.float32]]:
    return [
        np.asarray([c.skill_uri in uris for c in found], dtype=np.float32)
        for found, uris in zip(candidates, gold, strict=True)
    ]


def _reranked_scores(
    space: Space,
    adapted_scores: npt.NDArray[np.float32],
    candidates: Sequence[Sequence[Candidate]],
    features: Sequence[npt.NDArray[np.float32]],
    reranker: Reranker,
) -> npt.NDArray[np.float32]:
    """Candidates ordered by the re-ranker, above every other skill (kept in cosine order)."""
    columns = {uri: col for col, uri in enumerate(space.uris)}
    scores = adapted_scores.copy() - 2.0
    for row, (found, rows) in enumerate(zip(candidates, features, strict=True)):
        probabilities = reranker.probability(rows)
        for candidate, probability in zip(found, probabilities, strict=True):
            scores[row, columns[candidate.skill_uri]] = 1.0 + float(probability)
    return scores


@dataclass(frozen=True)
class RerankerForm:
    """One form of re-ranker tried by :func:`select_reranker_form`."""

    units: int
    """Hidden ReLU units (0: logistic regression over the features)."""
    weight_decay: float = 0.0

    @property
    def name(self) -> str:
        """A short readable id."""
        return "logistic" if not self.units else f"hidden {self.units}, decay {self.weight_decay}"

    def train(
        self, features: Sequence[npt.NDArray[np.float32]], labels: Sequence[npt.NDArray[np.float32]]
    ) -> Reranker:
        """A re-ranker of this form fitted on ``features`` / ``labels`` rows."""
        if not self.units:
            return train_reranker(features, labels)
        return train_hidden_reranker(
            features, labels, units=self.units, weight_decay=self.weight_decay
        )


RERANKER_FORMS = (
    RerankerForm(0),
    *(RerankerForm(units, decay) for units in (16, 32, 64) for decay in (1e-4, 1e-3)),
)


def select_reranker_form(
    features: Sequence[npt.NDArray[np.float32]],
    labels: Sequence[npt.NDArray[np.float32]],
    *,
    forms: Sequence[RerankerForm] = RERANKER_FORMS,
    seed: int = 7,
) -> tuple[RerankerForm, dict[str, float]]:
    """The form whose best candidate is most often gold on held training sentences.

    Two folds of the training sentences (each sentence's candidate rows stay together):
    each form is fitted on one fold and scored on the other, both ways. No validation set
    is read.

    Returns:
        The chosen form and every form's mean top-1 (percent).
    """
    order = np.random.default_rng(seed).permutation(len(features))
    folds = (order[: len(order) // 2], order[len(order) // 2 :])
    scores: dict[str, float] = {}
    for form in forms:
        held_scores = []
        for fit, held in (folds, folds[::-1]):
            reranker = form.train([features[i] for i in fit], [labels[i] for i in fit])
            held_scores.append(
                np.mean(
                    [
                        float(labels[i][int(np.argmax(reranker.probability(features[i])))])
                        if len(features[i])
                        else 0.0
                        for i in held
                    ]
                )
            )
        scores[form.name] = round(100 * float(np.mean(held_scores)), 2)
    best = max(forms, key=lambda form: scores[form.name])  # the first of equals
    return best, scores


def _cross_fitted_rows(
    space: Space,
    train: EvalSet,
    train_vectors: Vectors,
    alt: tuple[Vectors, npt.NDArray[np.int64]],
    *,
    config: AdapterConfig,
    seed: int,
) -> tuple[list[npt.NDArray[np.float32]], list[npt.NDArray[np.float32]]]:
    """Re-ranker rows (features, gold flags) per training sentence, each half of the
    sentences scored by an adapter trained on the other half."""
    columns = {uri: col for col, uri in enumerate(space.uris)}
    order = np.random.default_rng(seed).permutation(len(train.sentences))
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    features: list[npt.NDArray[np.float32]] = []
    labels: list[npt.NDArray[np.float32]] = []
    for held, fit in (halves, halves[::-1]):
        subset = EvalSet(
            name="half",
            source="",
            sentences=[train.sentences[i] for i in fit],
            gold=[train.gold[i] for i in fit],
        )
        half_weight = train_adapter(
            _pairs(train_vectors[fit], subset, columns, alt, alt_pairs=config.alt_pairs, seed=seed),
            space.preferred_vectors,
            config,
            seed,
        )
        held_sentences = [train.sentences[i] for i in held]
        found, rows, _ = _features(space, held_sentences, train_vectors[held], half_weight)
        features.extend(rows)
        labels.extend(_gold_rows(found, [train.gold[i] for i in held]))
    return features, labels


def _reranker_summary(
    form: RerankerForm, form_scores: dict[str, float], reranker: Reranker
) -> dict[str, Any]:
    summary: dict[str, Any] = {"form": form.name, "top1_on_training_folds": form_scores}
    if reranker.hidden_weights is None:  # a logistic model's weights read per feature
        summary["weights"] = dict(
            zip(FEATURES, (round(float(w), 4) for w in reranker.weights), strict=True)
        )
    return summary


def run_train_mapping(
    *,
    data_dir: Path,
    output: Path = DEFAULT_ARTEFACT,
    seed: int = 42,
    set_names: Sequence[str] = SETS,
    grid: Iterable[AdapterConfig] = GRID,
    reranker_forms: Sequence[RerankerForm] = (RerankerForm(0),),
) -> dict[str, Any]:
    """Train, select on validation, write the artefact; return every figure measured.

    With several ``reranker_forms``, the re-ranker's form is chosen on the training rows
    (:func:`select_reranker_form`); the shipped artefact's is logistic.
    """
    started = time.perf_counter()
    torch.manual_seed(seed)
    release = read_esco_bundle(DEFAULT_ESCO_BUNDLE)
    encoder, ours = encoder_and_space(data_dir, release)
    cache = space_cache(data_dir, encoder, release)
    space = _space(release, ours)
    columns = {uri: col for col, uri in enumerate(space.uris)}
    resolver = LabelResolver(release)
    train = _training_set(DEFAULT_SKILL_DATA, resolver, columns)
    validation = [load_set(name, DEFAULT_SKILL_DATA, resolver, None) for name in set_names]
    train_vectors = _encode_cached(encoder, train.sentences, cache, "skillskape-train")
    val_vectors = [
        _encode_cached(encoder, v.sentences, cache, f"validation-{v.name}") for v in validation
    ]
    label_rows = np.arange(len(space.label_texts))
    skill_of_label = np.searchsorted(space.ours.label_starts, label_rows, side="right") - 1
    alt_mask = np.ones(len(label_rows), dtype=bool)
    alt_mask[space.ours.label_starts] = False
    alt = (space.ours.label_vectors[alt_mask], skill_of_label[alt_mask].astype(np.int64))

    raw_metrics = {
        v.name: ranking_metrics(
            label_max(vectors, space.ours.label_vectors, space.ours.label_starts), v.gold, columns
        )
        for v, vectors in zip(validation, val_vectors, strict=True)
    }
    console.print(f"raw label-max: {raw_metrics}")
    tried: list[dict[str, Any]] = []
    best: tuple[float, AdapterConfig, npt.NDArray[np.float32]] | None = None
    for config in grid:
        pairs = _pairs(train_vectors, train, columns, alt, alt_pairs=config.alt_pairs, seed=seed)
        weight = train_adapter(pairs, space.preferred_vectors, config, seed)
        metrics = {
            v.name: ranking_metrics(
                label_max(
                    _adapt(vectors, weight), space.ours.label_vectors, space.ours.label_starts
                ),
                v.gold,
                columns,
            )
            for v, vectors in zip(validation, val_vectors, strict=True)
        }
        mean = float(np.mean([m["rp@5"] for m in metrics.values()]))
        tried.append({"config": config.name, "mean_rp@5": round(mean, 2), **metrics})
        console.print(f"adapter {config.name}: mean RP@5 {mean:.2f} {metrics}")
        if best is None or mean > best[0]:
            best = (mean, config, weight)
    assert best is not None
    _, config, weight = best

    features, labels = _cross_fitted_rows(
        space, train, train_vectors, alt, config=config, seed=seed
    )
    form, form_scores = reranker_forms[0], dict[str, float]()
    if len(reranker_forms) > 1:
        form, form_scores = select_reranker_form(features, labels, forms=reranker_forms)
        console.print(f"re-ranker forms, top-1 on held training folds: {form_scores}")
    reranker = form.train(features, labels)

    final: dict[str, Any] = {}
    for v, vectors in zip(validation, val_vectors, strict=True):
        began = time.perf_counter()
        found, rows, adapted_scores = _features(space, v.sentences, vectors, weight)
        scores = _reranked_scores(space, adapted_scores, found, rows, reranker)
        elapsed = time.perf_counter() - began
        final[v.name] = {
            "raw_label_max": raw_metrics[v.name],
            "adapted": ranking_metrics(adapted_scores, v.gold, columns),
            "adapted_reranked": ranking_metrics(scores, v.gold, columns),
            "scoring_sentences_per_s_excluding_encoding": round(len(v.sentences) / elapsed, 1),
            "n_sentences": len(v.sentences),
        }
        console.print(f"{v.name}: {final[v.name]}")
    summary = {
        "seed": seed,
        "selected_adapter": config.name,
        "grid": tried,
        "validation": final,
        "reranker": _reranker_summary(form, form_scores, reranker),
        "train_sentences": len(train.sentences),
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    write_artefact(
        output,
        adapter=weight,
        reranker=reranker,
        prior=space.prior,
        # Replaced below by the operating point fitted with this adapter and re-ranker.
        thresholds=Thresholds(
            semantic=0.5,
            item=0.5,
            exact=0.5,
            alternative=1.01,
            whole_phrase=False,
            alternatives_margin=0.0,
            fitted_on="not fitted yet",
        ),
        encoder=encoder.model_id,
        version=ARTEFACT_VERSION,
        metadata={
            "hyperparameters": {
                **config.__dict__,
                "candidates": CANDIDATES,
                "seed": seed,
                "reranker": form.name,
            },
            **({"reranker_forms_top1_on_training_folds": form_scores} if form_scores else {}),
            "data": {
                "skillskape_train_sha256": file_sha256(
                    DEFAULT_SKILL_DATA / "skillskape" / "train.csv"
                ),
                "esco_skills_sha256": file_sha256(DEFAULT_ESCO_BUNDLE / "skills_en.csv"),
                "esco_occupation_skills_sha256": file_sha256(
                    DEFAULT_ESCO_BUNDLE / "occupationSkillRelations.csv"
                ),
            },
            "validation": final,
        },
    )
    summary["operating_point"] = run_fit_thresholds(data_dir=data_dir, artefact=output)
    return summary
