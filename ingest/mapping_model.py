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

ARTEFACT_FORMAT: Final = 1
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

_FILES: Final = ("adapter.npy", "reranker.json", "prior.json")
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


def contains_label(text_words: Sequence[str], label: str) -> bool:
    """Whether ``label``'s words occur in ``text_words`` consecutively (word boundaries)."""
    needle = words(label)
    if not needle or len(needle) > len(text_words):
        return False
    width = len(needle)
    return any(
        list(text_words[start : start + width]) == needle
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
    vocabulary = set(text_words)
    best = candidates[0].adapted_cosine
    for rank, candidate in enumerate(candidates):
        label_words = words(candidate.best_label)
        overlap = len(vocabulary.intersection(label_words)) / max(len(label_words), 1)
        preferred, *alternatives = candidate.labels or (candidate.best_label,)
        rows[rank] = (
            candidate.adapted_cosine,
            candidate.raw_cosine,
            best - candidate.adapted_cosine,
            1.0 / (1 + rank),
            float(contains_label(text_words, preferred)),
            float(any(contains_label(text_words, label) for label in alternatives)),
            overlap,
            min(len(label_words), _MAX_LABEL_WORDS) / _MAX_LABEL_WORDS,
            prior.get(candidate.skill_uri, 0.0),
        )
    return rows


@dataclass(frozen=True, slots=True)
class Reranker:
    """A logistic model over standardised features."""

    mean: npt.NDArray[np.float32]
    scale: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    bias: float

    def probability(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """P(named) per row of ``features``."""
        logits = ((features - self.mean) / self.scale) @ self.weights + self.bias
        result: npt.NDArray[np.float32] = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return result

    def as_json(self) -> dict[str, Any]:
        """The JSON form stored in ``reranker.json``."""
        return {
            "features": list(FEATURES),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "weights": [float(v) for v in self.weights],
            "bias": float(self.bias),
        }


class MappingModel:
    """A loaded, checked mapping artefact.

    Args:
        adapter: The ``d x d`` query map.
        reranker: The candidate re-ranker.
        prior: Skill URI -> occupation prior.
        manifest: The artefact's manifest.
    """

    def __init__(
        self,
        *,
        adapter: npt.NDArray[np.float32],
        reranker: Reranker,
        prior: Mapping[str, float],
        manifest: Mapping[str, Any],
    ) -> None:
        self._adapter = np.ascontiguousarray(adapter.T, dtype=np.float32)
        self.reranker = reranker
        self.prior = dict(prior)
        self.manifest = dict(manifest)

    @property
    def version(self) -> str:
        """Artefact version plus the first 12 hex digits of its adapter's hash."""
        digest = str(self.manifest["files"]["adapter.npy"])[:12]
        return f"{self.manifest['version']}+{digest}"

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
        return cls(adapter=adapter, reranker=reranker, prior=prior, manifest=manifest)


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
    if document.get("features") != list(FEATURES):
        raise MappingModelError(
            f"{folder / 'reranker.json'} was trained on features {document.get('features')}, "
            f"this version computes {list(FEATURES)}"
        )
    try:
        arrays = [
            np.asarray(document[key], dtype=np.float32) for key in ("mean", "scale", "weights")
        ]
        bias = float(document["bias"])
    except (KeyError, TypeError, ValueError) as error:
        raise MappingModelError(f"{folder / 'reranker.json'}: {error}") from error
    if any(a.shape != (len(FEATURES),) for a in arrays) or not math.isfinite(bias):
        raise MappingModelError(f"{folder / 'reranker.json'}: one value per feature expected")
    if not all(np.all(np.isfinite(a)) for a in arrays) or np.any(arrays[1] <= 0):
        raise MappingModelError(f"{folder / 'reranker.json'}: values must be finite, scales > 0")
    return Reranker(mean=arrays[0], scale=arrays[1], weights=arrays[2], bias=bias)


def write_artefact(
    folder: Path,
    *,
    adapter: npt.NDArray[np.float32],
    reranker: Reranker,
    prior: dict[str, float],
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
        encoder: Model id of the encoder the artefact was trained on.
        version: The artefact's version name.
        metadata: Hyper-parameters, data hashes and metrics for the manifest.
    """
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "adapter.npy", np.ascontiguousarray(adapter, dtype=np.float32))
    (folder / "reranker.json").write_text(json.dumps(reranker.as_json(), indent=1) + "\n")
    (folder / "prior.json").write_text(json.dumps(dict(sorted(prior.items()))) + "\n")
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
