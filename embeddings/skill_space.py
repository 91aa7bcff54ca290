"""The embedded skill space of one taxonomy release.

One vector per skill label (preferred and alternative), pointing back to its skill, in a FAISS
index; plus one vector per skill (its preferred label) for skill-to-skill similarity and
candidate vectors. Built once per (model, taxonomy release) and cached on disk.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec
import numpy as np
import numpy.typing as npt

from embeddings._packaged import Vectors
from embeddings.encoder import TextEncoder
from embeddings.errors import IndexFileError
from embeddings.index import IndexManifest, VectorIndex, read_manifest

_SKILL_IDS_FILE = "skill_ids.npy"
_SKILL_VECTORS_FILE = "skill_vectors.npy"
_LABEL_SKILLS_FILE = "label_skills.npy"
KIND = "skill-labels"


@dataclass(frozen=True, slots=True)
class SkillLabelEntry:
    """A label to embed: the skill it names and whether it is the preferred label."""

    skill_id: int
    label: str
    preferred: bool


@dataclass(frozen=True, slots=True)
class LabelHit:
    """A label found near a query: the skill it names and the cosine similarity."""

    skill_id: int
    label_row: int
    score: float


class SkillSpace:
    """Label index and skill vectors of one taxonomy release.

    Args:
        label_index: FAISS index over label vectors; ids are label rows.
        label_skills: Skill id per label row.
        skill_ids: Skill ids, aligned with ``skill_vectors``.
        skill_vectors: Unit vector per skill.
        manifest: What the vectors were built from.
    """

    def __init__(
        self,
        *,
        label_index: VectorIndex,
        label_skills: npt.NDArray[np.int64],
        skill_ids: npt.NDArray[np.int64],
        skill_vectors: Vectors,
        manifest: IndexManifest,
    ) -> None:
        self.label_index = label_index
        self.label_skills = label_skills
        self.skill_ids = skill_ids
        self.skill_vectors = skill_vectors
        self.manifest = manifest
        self._row_of_skill = {int(skill_id): row for row, skill_id in enumerate(skill_ids)}
        self._neighbours: dict[float, SkillNeighbours] = {}
        self._neighbours_lock = threading.Lock()

    @property
    def model(self) -> str:
        """Encoder model id the vectors came from."""
        return self.manifest.model

    @property
    def taxonomy(self) -> str:
        """Taxonomy release key (``esco@1.1.1``)."""
        return self.manifest.taxonomy

    @classmethod
    def build(
        cls,
        labels: Sequence[SkillLabelEntry],
        encoder: TextEncoder,
        *,
        taxonomy: str,
        release: str = "",
        show_progress: bool = False,
    ) -> SkillSpace:
        """Embed every label and derive one vector per skill.

        A skill's vector is the normalised mean of its preferred-label vector (weight 2) and its
        alternative-label vectors (weight 1 each), which is steadier than one label alone.

        Args:
            labels: Labels of the release; each skill needs at least one.
            encoder: The sentence encoder.
            taxonomy: Release key recorded in the manifest.
            release: Identity of this import of the release (database id and import time):
                a re-import gives skills new ids, and the old vectors must not be reused.
            show_progress: Show a progress bar while encoding.
        """
        vectors = encoder.encode([entry.label for entry in labels], show_progress=show_progress)
        label_skills = np.fromiter((e.skill_id for e in labels), dtype=np.int64, count=len(labels))
        weights = np.fromiter(
            (2.0 if e.preferred else 1.0 for e in labels), dtype=np.float32, count=len(labels)
        )
        skill_ids, inverse = np.unique(label_skills, return_inverse=True)
        sums = np.zeros((len(skill_ids), encoder.dimension), dtype=np.float32)
        np.add.at(sums, inverse, vectors * weights[:, None])
        skill_vectors = _normalise(sums)
        index = label_index_for(vectors)
        manifest = IndexManifest(
            kind=KIND,
            model=encoder.model_id,
            dimension=encoder.dimension,
            taxonomy=taxonomy,
            count=len(labels),
            extra={"skills": len(skill_ids), "index": index.kind, "release": release},
        )
        return cls(
            label_index=index,
            label_skills=label_skills,
            skill_ids=skill_ids.astype(np.int64),
            skill_vectors=skill_vectors,
            manifest=manifest,
        )

    def save(self, directory: Path) -> None:
        """Write the space to ``directory`` (arrays first, index and manifest last)."""
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / _LABEL_SKILLS_FILE, self.label_skills)
        np.save(directory / _SKILL_IDS_FILE, self.skill_ids)
        np.save(directory / _SKILL_VECTORS_FILE, self.skill_vectors)
        self.label_index.save(directory, self.manifest)

    @classmethod
    def load(cls, directory: Path) -> SkillSpace:
        """Read a space written by :meth:`save`.

        Raises:
            IndexFileError: Files are missing or inconsistent.
        """
        label_index, manifest = VectorIndex.load(directory)
        try:
            label_skills = np.load(directory / _LABEL_SKILLS_FILE)
            skill_ids = np.load(directory / _SKILL_IDS_FILE)
            skill_vectors = np.load(directory / _SKILL_VECTORS_FILE)
        except (OSError, ValueError) as exc:
            raise IndexFileError(f"cannot read skill space arrays in {directory}: {exc}") from exc
        if len(label_skills) != manifest.count or len(skill_ids) != len(skill_vectors):
            raise IndexFileError(f"skill space arrays in {directory} disagree with the manifest")
        return cls(
            label_index=label_index,
            label_skills=label_skills.astype(np.int64),
            skill_ids=skill_ids.astype(np.int64),
            skill_vectors=skill_vectors.astype(np.float32),
            manifest=manifest,
        )

    @staticmethod
    def is_current(
        directory: Path, *, model: str, taxonomy: str, label_count: int, release: str = ""
    ) -> bool:
        """Whether a saved space exists and matches the model, release and label count."""
        try:
            manifest = read_manifest(directory)
        except IndexFileError:
            return False
        return (
            manifest.kind == KIND
            and manifest.model == model
            and manifest.taxonomy == taxonomy
            and manifest.count == label_count
            and manifest.extra.get("release", "") == release
        )

    def ensure_fast_label_index(self) -> bool:
        """Replace an exact label index of a large release by IVF (`label_index_for`).

        For spaces cached before the label index was approximated. Returns whether it was
        replaced (then save the space again).
        """
        if self.label_index.kind != "flat" or len(self.label_index) < LABEL_IVF_MIN:
            return False
        rows, vectors = self.label_index.vectors()
        order = np.argsort(rows)
        self.label_index = label_index_for(vectors[order], rows[order])
        self.manifest = msgspec.structs.replace(
            self.manifest, extra={**self.manifest.extra, "index": self.label_index.kind}
        )
        return True

    def search_labels(self, queries: Vectors, k: int) -> list[list[LabelHit]]:
        """Nearest labels for each query vector, best first."""
        if len(queries) == 0:
            return []
        scores, rows = self.label_index.search(queries, k)
        return [
            [
                LabelHit(skill_id=int(self.label_skills[row]), label_row=int(row), score=float(s))
                for s, row in zip(score_row, id_row, strict=True)
                if row >= 0
            ]
            for score_row, id_row in zip(scores, rows, strict=True)
        ]

    def label_vectors(self, label_rows: Sequence[int]) -> Vectors:
        """The stored vectors of the given label rows, in that order."""
        return self.label_index.reconstruct(label_rows)

    def has_skill(self, skill_id: int) -> bool:
        """Whether the skill belongs to this space."""
        return skill_id in self._row_of_skill

    def vectors_of(self, skill_ids: Sequence[int]) -> Vectors:
        """Stacked unit vectors of several skills, in order."""
        rows = [self._row_of_skill[s] for s in skill_ids]
        stacked: Vectors = self.skill_vectors[rows]
        return stacked

    def neighbours(self, threshold: float) -> SkillNeighbours:
        """Every skill's related skills at cosine ``threshold`` or more (built once, cached)."""
        with self._neighbours_lock:
            graph = self._neighbours.get(threshold)
            if graph is None:
                graph = self._neighbours[threshold] = SkillNeighbours.build(
                    self.skill_ids, self.skill_vectors, threshold
                )
            return graph


def _normalise(vectors: npt.NDArray[np.float32]) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    normalised: Vectors = (vectors / norms).astype(np.float32)
    return normalised


LABEL_IVF_MIN = 20_000
"""Label count from which the label index is IVF instead of exact."""
LABEL_IVF_LISTS = 1024
LABEL_IVF_PROBES = 64


def label_index_for(vectors: Vectors, rows: npt.NDArray[np.int64] | None = None) -> VectorIndex:
    """The label index: exact below `LABEL_IVF_MIN` labels, IVF with full vectors above.

    An exact scan reads every label vector per query (147 MB for ESCO's 96k labels, about
    5 ms a phrase on 2 cores). IVF with 1,024 lists scanning 64 keeps exact scores for what
    it finds and found 98 % of the exact top 20 labels (99 % of the top 1) for SkillSkape
    sentences over the 99k labels of ESCO v1.1.1, at about a tenth of the cost.

    Args:
        vectors: One unit vector per label.
        rows: Label row ids (default ``0..n-1``).
    """
    ids = np.arange(len(vectors), dtype=np.int64) if rows is None else rows
    if len(vectors) < LABEL_IVF_MIN:
        index = VectorIndex(int(vectors.shape[1]))
    else:
        # FAISS wants about 39 training vectors per list: fewer lists for a smaller set
        # (an ESCO release's 33k occupation titles), as many as LABEL_IVF_LISTS above 40k.
        lists = min(LABEL_IVF_LISTS, len(vectors) // 39)
        index = VectorIndex.ivf(vectors, nlist=lists, nprobe=LABEL_IVF_PROBES, quantised=False)
    index.add(ids, vectors)
    return index


def weighted_mean_vector(vectors: Vectors, weights: npt.NDArray[np.float32]) -> Vectors:
    """Normalised weighted mean of rows (the zero vector when all weights are zero)."""
    total = (vectors * weights[:, None]).sum(axis=0, keepdims=True)
    mean: Vectors = _normalise(total.astype(np.float32))[0]
    return mean


class SkillNeighbours:
    """Each skill's related skills (cosine at or above a threshold) with their similarities.

    Computed once per skill space and threshold (a blocked product of every skill vector with
    every other: about a second for ESCO's 13,400 skills, and 36,000 pairs at 0.75), then
    read by every match. Reading stored similarities instead of multiplying vectors per
    request is faster, and it makes a candidate's score independent of which other
    candidates were scored with it: a matrix product's last bits depend on its shape.

    Args:
        skill_ids: Skill ids, one per row (sorted ascending).
        offsets: Row ``r``'s neighbours are ``neighbour_ids[offsets[r]:offsets[r + 1]]``.
        neighbour_ids: Neighbour skill ids, ascending within a row; a skill is its own
            neighbour with similarity 1.
        similarities: Cosine of each neighbour.
    """

    def __init__(
        self,
        skill_ids: npt.NDArray[np.int64],
        offsets: npt.NDArray[np.int64],
        neighbour_ids: npt.NDArray[np.int64],
        similarities: npt.NDArray[np.float32],
    ) -> None:
        self.skill_ids = skill_ids
        self.offsets = offsets
        self.neighbour_ids = neighbour_ids
        self.similarities = similarities

    @classmethod
    def build(
        cls, skill_ids: npt.NDArray[np.int64], vectors: Vectors, threshold: float
    ) -> SkillNeighbours:
        """The graph of a space's skills (unit vectors) at ``threshold``."""
        order = np.argsort(skill_ids)
        ids, vectors = skill_ids[order].astype(np.int64), vectors[order]
        rows: list[npt.NDArray[np.int64]] = []
        columns: list[npt.NDArray[np.int64]] = []
        values: list[npt.NDArray[np.float32]] = []
        for start in range(0, len(ids), _NEIGHBOUR_BLOCK):
            block = vectors[start : start + _NEIGHBOUR_BLOCK] @ vectors.T
            block[np.arange(len(block)), np.arange(start, start + len(block))] = 1.0
            row, column = np.nonzero(block >= threshold)  # row-major: columns ascend per row
            rows.append(row.astype(np.int64) + start)
            columns.append(column.astype(np.int64))
            values.append(block[row, column].astype(np.float32))
        row_of = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(row_of, minlength=len(ids)), out=offsets[1:])
        return cls(
            ids,
            offsets,
            ids[np.concatenate(columns)] if columns else np.zeros(0, dtype=np.int64),
            np.concatenate(values) if values else np.zeros(0, dtype=np.float32),
        )

    def _rows(self, skill_ids: Sequence[int]) -> npt.NDArray[np.int64]:
        wanted = np.asarray(skill_ids, dtype=np.int64)
        at = np.searchsorted(self.skill_ids, wanted).clip(max=max(len(self.skill_ids) - 1, 0))
        if len(self.skill_ids) == 0 or not np.array_equal(self.skill_ids[at], wanted):
            missing = sorted(set(wanted.tolist()) - set(self.skill_ids.tolist()))
            raise KeyError(f"skills outside the space: {missing}")
        return at

    def related(self, skill_ids: Sequence[int]) -> npt.NDArray[np.int64]:
        """Every skill related to any of ``skill_ids`` (themselves included), sorted.

        Raises:
            KeyError: A skill is not in the space.
        """
        if len(skill_ids) == 0:
            return np.zeros(0, dtype=np.int64)
        rows = self._rows(skill_ids)
        return np.unique(
            np.concatenate(
                [self.neighbour_ids[self.offsets[r] : self.offsets[r + 1]] for r in rows]
            )
        )

    def matrix(self, left: Sequence[int], right: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
        """``[i, j]``: similarity of ``left[i]`` and ``right[j]``, 0 where they are not related.

        Args:
            left: Skills of the space.
            right: Any skill ids, sorted ascending (ids outside the space relate to nothing).

        Raises:
            KeyError: A skill of ``left`` is not in the space.
        """
        result = np.zeros((len(left), len(right)), dtype=np.float32)
        if len(right) == 0:
            return result
        for i, row in enumerate(self._rows(left).tolist()):
            span = slice(int(self.offsets[row]), int(self.offsets[row + 1]))
            ids = self.neighbour_ids[span]
            at = np.searchsorted(right, ids).clip(max=len(right) - 1)
            present = right[at] == ids
            result[i, at[present]] = self.similarities[span][present]
        return result


_NEIGHBOUR_BLOCK = 2048
"""Skills per block when the neighbour graph is built (a 2,048 x 13,400 product: 110 MB)."""
