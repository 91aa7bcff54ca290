"""The learned part of skill mapping: a query adapter and a candidate re-ranker.

The encoder stays the packaged all-MiniLM-L6-v2, frozen. What is learned (by
``python -m benchmarks train-mapping``, on public training data only) and shipped in the
repository as a small versioned artefact:

- **Adapter**: a linear map ``W`` applied to a phrase's vector before the label search,
  ``q' = W q / ||W q||``. Label vectors are not touched, so the label index of every release
  stays valid. Trained with a softmax over every skill's preferred-label vector (temperature
  ``tau``) and a penalty that keeps ``W`` near the identity.
- **Re-ranker**: a logistic model over the top candidates of the adapted label search, with
  features that the cosine alone does not see (`FEATURES`): the adapted label cosine, the raw
  cosine with the preferred label, the
  gap to the phrase's best candidate, its rank, whether a preferred or alternative label of
  the skill occurs in the text verbatim, how much of the best label's words the text holds,
  the label's length, and a prior (how many ESCO occupations list the skill). Its output is a
  probability that the skill is named by the phrase: the score callers see and thresholds cut.

Artefact files, in one folder: ``manifest.json`` (format, version, encoder id, feature names,
hyper-parameters, training data hashes, validation metrics, and the SHA-256 of every other
file), ``adapter.npy`` (``d x d`` float32), ``reranker.json`` (feature means, scales, weights,
bias) and ``prior.json`` (skill URI -> prior). `MappingModel.load` checks every hash, shape and
name, and refuses a corrupted, partial or mismatched artefact with `MappingModelError`.

Exceptions::

    MappingModelError    the artefact is missing, corrupted, or made for another encoder
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from embeddings import Vectors
from embeddings.skill_space import SkillSpace

ARTEFACT_FORMAT: Final = 2
FEATURES: Final = (
    "adapted_cosine",
    "raw_preferred_cosine",
    "gap_to_best",
    "inverse_rank",
    "preferred_label_in_text",
    "alt_label_in_text",
    "label_word_overlap",
    "label_words",
    "occupation_prior",
)
"""Re-ranker inputs, in the order of its weights (names are part of the artefact)."""

DEFAULT_ARTEFACT: Final = Path(__file__).resolve().parent / "mapping_model"
"""The artefact shipped with the package."""

_FILES: Final = ("adapter.npy", "reranker.json", "prior.json", "thresholds.json")
_WORD = re.compile(r"[a-z0-9+#]+")
_MAX_LABEL_WORDS = 8.0


class MappingModelError(Exception):
    """The mapping artefact cannot be used: missing, corrupted or for another encoder."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A skill proposed for a phrase by the adapted label search.

    Attributes:
        skill_uri: The skill's URI (looks up its prior).
        adapted_cosine: Best label cosine with the adapted phrase vector.
        raw_cosine: Cosine of the phrase's own (unadapted) vector with the skill's preferred
            label, which every skill space holds in memory.
        best_label: The label that gave ``adapted_cosine``.
        labels: Every label of the skill, preferred first.
    """

    skill_uri: str
    adapted_cosine: float
    raw_cosine: float
    best_label: str
    labels: Sequence[str]


def words(text: str) -> list[str]:
    """Lower-case word tokens, keeping ``c++`` and ``c#`` whole."""
    return _WORD.findall(text.casefold())


@functools.lru_cache(maxsize=262_144)
def label_words(label: str) -> tuple[str, ...]:
    """:func:`words` of a taxonomy label, remembered (labels recur in every phrase)."""
    return tuple(words(label))


def contains_label(
    text_words: Sequence[str], label: str, vocabulary: frozenset[str] | None = None
) -> bool:
    """Whether ``label``'s words occur in ``text_words`` consecutively (word boundaries).

    Args:
        text_words: The text's :func:`words`.
        label: The label.
        vocabulary: ``set(text_words)`` when the caller has it: a label with a word the
            text lacks is rejected without a scan.
    """
    needle = label_words(label)
    if not needle or len(needle) > len(text_words):
        return False
    if vocabulary is not None and not vocabulary.issuperset(needle):
        return False
    width = len(needle)
    return any(
        tuple(text_words[start : start + width]) == needle
        for start in range(len(text_words) - width + 1)
    )


def candidate_features(
    text: str, candidates: Sequence[Candidate], prior: Mapping[str, float]
) -> npt.NDArray[np.float32]:
    """The `FEATURES` of each candidate of one phrase, in candidate order (best first).

    Args:
        text: The phrase.
        candidates: Its candidates, sorted by adapted cosine, best first.
        prior: Skill URI -> occupation prior in [0, 1] (0 for a skill not listed).
    """
    rows = np.zeros((len(candidates), len(FEATURES)), dtype=np.float32)
    if not candidates:
        return rows
    text_words = words(text)
    vocabulary = frozenset(text_words)
    best = candidates[0].adapted_cosine
    for rank, candidate in enumerate(candidates):
        best_words = label_words(candidate.best_label)
        overlap = len(vocabulary.intersection(best_words)) / max(len(best_words), 1)
        preferred, *alternatives = candidate.labels or (candidate.best_label,)
        rows[rank] = (
            candidate.adapted_cosine,
            candidate.raw_cosine,
            best - candidate.adapted_cosine,
            1.0 / (1 + rank),
            float(contains_label(text_words, preferred, vocabulary)),
            float(any(contains_label(text_words, label, vocabulary) for label in alternatives)),
            overlap,
            min(len(best_words), _MAX_LABEL_WORDS) / _MAX_LABEL_WORDS,
            prior.get(candidate.skill_uri, 0.0),
        )
    return rows


@dataclass(frozen=True, slots=True)
class Reranker:
    """A logistic model over standardised features, optionally after one ReLU layer.

    Attributes:
        mean: Feature means (standardisation).
        scale: Feature standard deviations.
        weights: Output weights: one per feature, or one per hidden unit.
        bias: Output bias.
        hidden_weights: ``(features, units)`` weights of the hidden layer, if any.
        hidden_bias: ``(units,)`` biases of the hidden layer, if any.
    """

    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    bias: float
    hidden_weights: npt.NDArray[np.float32] | None = None
    hidden_bias: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        if (self.hidden_weights is None) != (self.hidden_bias is None):
            raise ValueError("a hidden layer needs both its weights and its biases")

    def probability(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """P(named) per row of ``features``."""
        inputs = (features - self.mean) / self.scale
        if self.hidden_weights is not None and self.hidden_bias is not None:
            inputs = np.maximum(inputs @ self.hidden_weights + self.hidden_bias, 0.0)
        logits = inputs @ self.weights + self.bias
        result: npt.NDArray[np.float32] = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return result

    def as_json(self) -> dict[str, Any]:
        """The JSON form stored in ``reranker.json``."""
        document: dict[str, Any] = {
            "features": list(FEATURES),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "weights": [float(v) for v in self.weights],
            "bias": float(self.bias),
        }
        if self.hidden_weights is not None and self.hidden_bias is not None:
            document["hidden"] = {
                "weights": [[float(v) for v in row] for row in self.hidden_weights],
                "bias": [float(v) for v in self.hidden_bias],
            }
        return document


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The operating point of job-text extraction, fitted per evidence kind.

    Attributes:
        semantic: Least re-ranker probability of the skill of a phrase read whole (kind
            ``embedding``).
        item: The same for a list item of a phrase that holds several.
        exact: Least confidence of a dictionary hit on a preferred label (1 / the number of
            skills the matched text names).
        alternative: Least confidence of a dictionary hit on an alternative label (above
            1: the kind is off).
        whole_phrase: Also read a phrase holding a list as a whole.
        alternatives_margin: Alternative skills of one span kept within this margin of its
            best probability.
        semantic_beside_label: Least probability of the semantic kind for a phrase read whole
            where the dictionary already found a skill's label (a second reading of a phrase
            that names its skill is right less often); never below ``semantic``.
        fitted_on: What they were fitted on (free text, for the manifest and RESULTS.md).
    """

    semantic: float
    item: float
    exact: float
    alternative: float
    whole_phrase: bool
    alternatives_margin: float
    semantic_beside_label: float = 0.0
    fitted_on: str = ""

    def as_json(self) -> dict[str, Any]:
        """The JSON form stored in ``thresholds.json``."""
        return {
            "semantic": self.semantic,
            "item": self.item,
            "exact": self.exact,
            "alternative": self.alternative,
            "whole_phrase": self.whole_phrase,
            "alternatives_margin": self.alternatives_margin,
            "semantic_beside_label": self.semantic_beside_label,
            "fitted_on": self.fitted_on,
        }


class MappingModel:
    """A loaded, checked mapping artefact.

    Args:
        adapter: The ``d x d`` query map.
        reranker: The candidate re-ranker.
        prior: Skill URI -> occupation prior.
        thresholds: The fitted operating point.
        manifest: The artefact's manifest.
    """

    def __init__(
        self,
        *,
        adapter: npt.NDArray[np.float32],
        reranker: Reranker,
        prior: Mapping[str, float],
        thresholds: Thresholds,
        manifest: Mapping[str, Any],
    ) -> None:
        self._adapter = np.ascontiguousarray(adapter.T, dtype=np.float32)
        self.reranker = reranker
        self.prior = dict(prior)
        self.thresholds = thresholds
        self.manifest = dict(manifest)

    @property
    def version(self) -> str:
        """Artefact version plus 12 hex digits of a digest over every file's hash."""
        files = self.manifest["files"]
        digest = hashlib.sha256("".join(str(files[n]) for n in _FILES).encode()).hexdigest()
        return f"{self.manifest['version']}+{digest[:12]}"

    @property
    def encoder(self) -> str:
        """The encoder model id the artefact was trained on."""
        return str(self.manifest["encoder"])

    def adapt(self, queries: Vectors) -> Vectors:
        """Adapted, unit-length phrase vectors (rows of ``queries`` mapped by ``W``)."""
        mapped = queries @ self._adapter
        norms = np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)
        return np.ascontiguousarray(mapped / norms, dtype=np.float32)

    def score(self, text: str, candidates: Sequence[Candidate]) -> npt.NDArray[np.float32]:
        """P(named) of each candidate of one phrase (candidates best first)."""
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        return self.reranker.probability(candidate_features(text, candidates, self.prior))

    @classmethod
    def load(cls, folder: Path = DEFAULT_ARTEFACT, *, encoder: str | None = None) -> MappingModel:
        """Read and check an artefact.

        Args:
            folder: The artefact folder.
            encoder: The model id of the encoder in use; the artefact must name the same one.

        Raises:
            MappingModelError: A file is missing or unreadable, a hash, shape or feature
                name does not match the manifest, or the encoder differs.
        """
        manifest = _read_json(folder / "manifest.json")
        if manifest.get("format") != ARTEFACT_FORMAT:
            raise MappingModelError(
                f"{folder}: artefact format {manifest.get('format')!r}, expected {ARTEFACT_FORMAT}"
            )
        if encoder is not None and manifest.get("encoder") != encoder:
            raise MappingModelError(
                f"{folder} was trained on {manifest.get('encoder')!r}, not on {encoder!r}"
            )
        files = manifest.get("files")
        if not isinstance(files, dict) or set(files) != set(_FILES):
            raise MappingModelError(f"{folder}: the manifest must list {', '.join(_FILES)}")
        for name in _FILES:
            actual = file_sha256(folder / name)
            if actual != files[name]:
                raise MappingModelError(
                    f"{folder / name} is corrupted: SHA-256 {actual[:12]}..., "
                    f"the manifest says {str(files[name])[:12]}..."
                )
        try:
            adapter = np.load(folder / "adapter.npy", allow_pickle=False)
        except (OSError, ValueError) as error:
            raise MappingModelError(f"{folder / 'adapter.npy'}: {error}") from error
        dimension = manifest.get("dimension")
        if adapter.dtype != np.float32 or adapter.shape != (dimension, dimension):
            raise MappingModelError(
                f"{folder / 'adapter.npy'}: {adapter.dtype} {adapter.shape}, expected float32 "
                f"({dimension}, {dimension})"
            )
        reranker = _reranker(_read_json(folder / "reranker.json"), folder)
        prior = _read_json(folder / "prior.json")
        if not all(isinstance(v, int | float) and 0 <= v <= 1 for v in prior.values()):
            raise MappingModelError(f"{folder / 'prior.json'}: priors must be numbers in [0, 1]")
        thresholds = _thresholds(_read_json(folder / "thresholds.json"), folder)
        return cls(
            adapter=adapter,
            reranker=reranker,
            prior=prior,
            thresholds=thresholds,
            manifest=manifest,
        )


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes.

    Raises:
        MappingModelError: The file cannot be read.
    """
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise MappingModelError(f"cannot read {path}: {error}") from error


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise MappingModelError(f"cannot read {path}: {error}") from error
    if not isinstance(value, dict):
        raise MappingModelError(f"{path} must hold a JSON object")
    return value


def _reranker(document: Mapping[str, Any], folder: Path) -> Reranker:
    where = folder / "reranker.json"
    if document.get("features") != list(FEATURES):
        raise MappingModelError(
            f"{where} was trained on features {document.get('features')}, "
            f"this version computes {list(FEATURES)}"
        )
    hidden = document.get("hidden")
    try:
        arrays = [
            np.asarray(document[key], dtype=np.float32) for key in ("mean", "scale", "weights")
        ]
        bias = float(document["bias"])
        layer = (
            None
            if hidden is None
            else (
                np.asarray(hidden["weights"], dtype=np.float32),
                np.asarray(hidden["bias"], dtype=np.float32),
            )
        )
    except (KeyError, TypeError, ValueError) as error:
        raise MappingModelError(f"{where}: {error}") from error
    count = len(FEATURES)
    if any(a.shape != (count,) for a in arrays[:2]) or not math.isfinite(bias):
        raise MappingModelError(f"{where}: one mean and one scale per feature expected")
    units = count if layer is None else (layer[1].shape[0] if layer[1].ndim == 1 else 0)
    if (
        units < 1
        or arrays[2].shape != (units,)
        or (layer is not None and (layer[0].shape != (count, units) or layer[1].shape != (units,)))
    ):
        raise MappingModelError(
            f"{where}: output weights {arrays[2].shape} do not fit "
            + ("the features" if layer is None else f"a hidden layer of {units} units")
        )
    values = [*arrays, *(layer or ())]
    if not all(np.all(np.isfinite(a)) for a in values) or np.any(arrays[1] <= 0):
        raise MappingModelError(f"{where}: values must be finite, scales > 0")
    return Reranker(
        mean=arrays[0],
        scale=arrays[1],
        weights=arrays[2],
        bias=bias,
        hidden_weights=None if layer is None else layer[0],
        hidden_bias=None if layer is None else layer[1],
    )


def _thresholds(document: Mapping[str, Any], folder: Path) -> Thresholds:
    where = folder / "thresholds.json"
    try:
        values = {
            key: float(document[key])
            for key in ("semantic", "item", "exact", "alternative", "alternatives_margin")
        }
        # Absent from artefacts written before it was fitted: no bound of its own.
        values["semantic_beside_label"] = float(document.get("semantic_beside_label", 0.0))
        whole = document["whole_phrase"]
    except (KeyError, TypeError, ValueError) as error:
        raise MappingModelError(f"{where}: {error}") from error
    if not isinstance(whole, bool) or not all(math.isfinite(v) and v >= 0 for v in values.values()):
        raise MappingModelError(f"{where}: thresholds must be finite and >= 0, whole_phrase a bool")
    return Thresholds(whole_phrase=whole, fitted_on=str(document.get("fitted_on", "")), **values)


def write_artefact(
    folder: Path,
    *,
    adapter: npt.NDArray[np.float32],
    reranker: Reranker,
    prior: dict[str, float],
    thresholds: Thresholds,
    encoder: str,
    version: str,
    metadata: Mapping[str, Any],
) -> None:
    """Write the artefact files, then the manifest with their hashes.

    Args:
        folder: Where to write (created if needed; files are replaced).
        adapter: The ``d x d`` query map.
        reranker: The re-ranker.
        prior: Skill URI -> occupation prior in [0, 1].
        thresholds: The operating point of job-text extraction.
        encoder: Model id of the encoder the artefact was trained on.
        version: The artefact's version name.
        metadata: Hyper-parameters, data hashes and metrics for the manifest.
    """
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "adapter.npy", np.ascontiguousarray(adapter, dtype=np.float32))
    (folder / "reranker.json").write_text(json.dumps(reranker.as_json(), indent=1) + "\n")
    (folder / "prior.json").write_text(json.dumps(dict(sorted(prior.items()))) + "\n")
    (folder / "thresholds.json").write_text(json.dumps(thresholds.as_json(), indent=1) + "\n")
    files = {name: file_sha256(folder / name) for name in _FILES}
    manifest = {
        "format": ARTEFACT_FORMAT,
        "version": version,
        "encoder": encoder,
        "dimension": int(adapter.shape[0]),
        "features": list(FEATURES),
        "files": files,
        **metadata,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def write_thresholds(
    folder: Path, thresholds: Thresholds, operating_point: Mapping[str, Any]
) -> None:
    """Replace an artefact's operating point, and its hash and figures in the manifest.

    Args:
        folder: A written artefact.
        thresholds: The newly fitted operating point.
        operating_point: How it was fitted and what it measured, for the manifest.

    Raises:
        MappingModelError: The folder holds no readable manifest.
    """
    manifest = _read_json(folder / "manifest.json")
    (folder / "thresholds.json").write_text(json.dumps(thresholds.as_json(), indent=1) + "\n")
    files = dict(manifest.get("files") or {})
    files["thresholds.json"] = file_sha256(folder / "thresholds.json")
    manifest.update(format=ARTEFACT_FORMAT, files=files, operating_point=dict(operating_point))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


CANDIDATES: Final = 30
"""Skills of the adapted label search the re-ranker scores per phrase (as in training)."""
LABELS_PER_CANDIDATE: Final = 5
"""Labels the adapted search reads per wanted skill (skills have several labels each)."""


class LearnedRanking:
    """The artefact applied to one skill space: adapted label search, then re-ranking.

    Args:
        model: The loaded artefact.
        space: The skill space of the release (its label rows are ``labels``' rows).
        labels: ``(skill id, label, kind)`` of every label, in the space's label-row order.
        uri_of: Skill id -> skill URI (looks up the prior).

    Raises:
        MappingModelError: The space was built with another encoder than the artefact's.
    """

    def __init__(
        self,
        model: MappingModel,
        space: SkillSpace,
        labels: Sequence[tuple[int, str, str]],
        uri_of: Mapping[int, str],
    ) -> None:
        if space.model != model.encoder:
            raise MappingModelError(
                f"the mapping artefact was trained on {model.encoder!r}, the skill space was "
                f"built with {space.model!r}"
            )
        self.model = model
        self.space = space
        self._label_text = [label for _, label, _ in labels]
        names: dict[int, list[str]] = {}
        preferred_row: dict[int, int] = {}
        first_row: dict[int, int] = {}
        for row, (skill_id, label, kind) in enumerate(labels):
            first_row.setdefault(skill_id, row)
            if kind == "preferred":
                names.setdefault(skill_id, []).insert(0, label)
                preferred_row.setdefault(skill_id, row)
            else:
                names.setdefault(skill_id, []).append(label)
        ordered = sorted(first_row)
        self._labels = {skill_id: tuple(names[skill_id]) for skill_id in ordered}
        self._position = {skill_id: at for at, skill_id in enumerate(ordered)}
        # A skill without a preferred label is represented by its first label.
        self._preferred = space.label_vectors([preferred_row.get(s, first_row[s]) for s in ordered])
        self._uri = {skill_id: uri_of.get(skill_id, "") for skill_id in ordered}
        self._skill_of_row: list[int] = space.label_skills.tolist()

    @property
    def version(self) -> str:
        """The artefact's version."""
        return self.model.version

    def rank(
        self, texts: Sequence[str], vectors: Vectors, count: int = CANDIDATES
    ) -> list[list[tuple[int, float]]]:
        """Each phrase's candidate skills with their probability of being named, best first.

        Args:
            texts: The phrases.
            vectors: Their (unadapted) encoder vectors, one row per phrase.
            count: Skills of the adapted search re-ranked per phrase (at most).

        Returns:
            Per phrase, ``(skill id, probability)`` of up to ``count`` skills, ties broken
            by skill id.
        """
        if not texts:
            return []
        adapted = self.model.adapt(vectors)
        scores, rows = self.space.label_index.search(adapted, count * LABELS_PER_CANDIDATE)
        return [
            self._rerank(text, raw, score_row.tolist(), label_rows.tolist(), count)
            for text, raw, score_row, label_rows in zip(texts, vectors, scores, rows, strict=True)
        ]

    def _rerank(
        self, text: str, raw: Vectors, scores: list[float], label_rows: list[int], count: int
    ) -> list[tuple[int, float]]:
        best: dict[int, tuple[float, int]] = {}  # skill -> (best adapted cosine, label row)
        skill_of = self._skill_of_row
        for score, label_row in zip(scores, label_rows, strict=True):
            if label_row < 0:
                break  # FAISS pads a short result with -1
            skill_id = skill_of[label_row]
            if skill_id not in best and skill_id in self._position:
                best[skill_id] = (score, label_row)
                if len(best) == count:
                    break
        order = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        if not order:
            return []
        rows = np.fromiter((self._position[s] for s, _ in order), np.int64, len(order))
        raw_cosines = self._preferred[rows] @ raw
        candidates = [
            Candidate(
                skill_uri=self._uri[skill_id],
                adapted_cosine=score,
                raw_cosine=float(raw_cosine),
                best_label=self._label_text[label_row],
                labels=self._labels[skill_id],
            )
            for (skill_id, (score, label_row)), raw_cosine in zip(order, raw_cosines, strict=True)
        ]
        probabilities = self.model.score(text, candidates)
        scored = [
            (skill_id, round(float(p), 4))
            for (skill_id, _), p in zip(order, probabilities, strict=True)
        ]
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored
