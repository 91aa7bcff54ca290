"""FAISS vector indexes persisted with a manifest.

The database is the source of truth; an index file is a derived cache. The manifest records
what the vectors were made from (model, taxonomy version, row count, watermark) so a reader can
tell a stale file from a current one and rebuild it.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import msgspec
import numpy as np
import numpy.typing as npt

from embeddings.errors import IndexFileError

Ids = npt.NDArray[np.int64]
Scores = npt.NDArray[np.float32]

_INDEX_FILE = "vectors.faiss"
_MANIFEST_FILE = "manifest.json"


class IndexManifest(msgspec.Struct, frozen=True, kw_only=True):
    """What a saved index was built from.

    Attributes:
        kind: What the vectors stand for (``skill-labels``, ``candidates``).
        model: Encoder model id the vectors came from.
        dimension: Vector dimension.
        taxonomy: Taxonomy release the vectors belong to (``esco@1.1.1``).
        count: Number of vectors in the index.
        watermark: Database change marker the index is current up to.
        built_at: Unix time the file was written.
        extra: Free-form details (index type, build parameters).
    """

    kind: str
    model: str
    dimension: int
    taxonomy: str
    count: int
    watermark: int = 0
    built_at: float = 0.0
    extra: dict[str, Any] = msgspec.field(default_factory=dict)


SMALL_SEARCH = 16
"""Searches of at most this many queries run single-threaded (see `VectorIndex.search`)."""


class VectorIndex:
    """Inner-product search over unit vectors keyed by 64-bit ids: exact, or IVF for size.

    Vectors are expected L2-normalised, so scores are cosine similarities. The index keeps
    ids stable across add/remove, which the candidate index needs for incremental updates.
    The default is exact (flat). :meth:`ivf` builds an inverted-file index with 8-bit
    scalar-quantised vectors (about ``dimension`` bytes per vector instead of 4x that, and a
    search that scans only ``nprobe`` of ``nlist`` clusters); it too supports add and remove
    by id, so it is maintained incrementally the same way.

    Args:
        dimension: Vector dimension.
    """

    def __init__(self, dimension: int) -> None:
        self._index: Any = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self._keep: Any = None
        self.dimension = dimension

    @classmethod
    def ivf(
        cls,
        training: npt.NDArray[np.float32],
        *,
        nlist: int,
        nprobe: int,
        quantised: bool = True,
    ) -> VectorIndex:
        """An empty IVF index trained on sample vectors.

        Args:
            training: ``(n, dimension)`` representative vectors; at least ``nlist`` rows
                (FAISS wants about 39 per list for good centroids).
            nlist: Number of clusters.
            nprobe: Clusters scanned per query (recall against speed).
            quantised: Store 8-bit codes (``ivf-sq8``: a quarter of the memory, scores
                approximate to about 0.01); else full vectors (``ivf-flat``: exact scores
                for what it finds).

        Raises:
            ValueError: Fewer training vectors than clusters.
        """
        vectors = np.ascontiguousarray(training, dtype=np.float32)
        if len(vectors) < nlist:
            raise ValueError(f"{len(vectors)} training vectors for {nlist} lists")
        dimension = int(vectors.shape[1])
        quantizer = faiss.IndexFlatIP(dimension)
        raw = (
            faiss.IndexIVFScalarQuantizer(
                quantizer,
                dimension,
                nlist,
                faiss.ScalarQuantizer.QT_8bit,
                faiss.METRIC_INNER_PRODUCT,
            )
            if quantised
            else faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        )
        raw.train(vectors)
        raw.nprobe = nprobe
        # A hash table from id to (list, offset): remove_ids and reconstruct by any int64 id.
        raw.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
        index = cls._wrap(raw)
        index._keep = quantizer  # the IVF index does not own its quantizer: keep it alive
        return index

    @property
    def kind(self) -> str:
        """``flat`` (exact), ``ivf-flat`` or ``ivf-sq8``."""
        if isinstance(self._index, faiss.IndexIVFScalarQuantizer):
            return "ivf-sq8"
        return "ivf-flat" if isinstance(self._index, faiss.IndexIVF) else "flat"

    @property
    def nprobe(self) -> int | None:
        """Clusters scanned per query (IVF only)."""
        return int(self._index.nprobe) if isinstance(self._index, faiss.IndexIVF) else None

    def set_nprobe(self, nprobe: int) -> None:
        """Clusters scanned per query (IVF only; ignored by an exact index)."""
        if isinstance(self._index, faiss.IndexIVF):
            self._index.nprobe = nprobe

    def reconstruct(self, ids: Sequence[int] | Ids) -> npt.NDArray[np.float32]:
        """The stored vectors of ``ids`` (each must be in the index), in that order.

        Raises:
            IndexFileError: An id is not in the index.
        """
        out = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for position, item in enumerate(ids):
            try:
                out[position] = self._index.reconstruct(int(item))
            except RuntimeError as exc:
                raise IndexFileError(f"vector {int(item)} is not in the index") from exc
        return out

    def vectors(self) -> tuple[Ids, npt.NDArray[np.float32]]:
        """Every id and its (reconstructed) vector, e.g. to rebuild as another kind."""
        if isinstance(self._index, faiss.IndexIVF):
            invlists = self._index.invlists
            if invlists is None:
                raise IndexFileError("IVF index without inverted lists")
            ids = np.concatenate(
                [
                    faiss.rev_swig_ptr(invlists.get_ids(n), invlists.list_size(n)).copy()
                    for n in range(self._index.nlist)
                ]
                or [np.zeros(0, dtype=np.int64)]
            ).astype(np.int64)
        else:
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        if len(ids) == 0:
            return ids, np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.vstack([self._index.reconstruct(int(i)) for i in ids]).astype(np.float32)
        return ids, vectors

    @classmethod
    def _wrap(cls, raw: Any) -> VectorIndex:
        instance = cls.__new__(cls)
        instance._index = raw
        instance._keep = None
        instance.dimension = int(raw.d)
        return instance

    def memory_bytes(self) -> int:
        """Bytes the index takes when serialised (what it holds in memory, near enough)."""
        return int(faiss.serialize_index(self._index).nbytes)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: Ids, vectors: npt.NDArray[np.float32]) -> None:
        """Add vectors under the given ids (ids must not be present yet).

        Args:
            ids: One int64 id per row.
            vectors: ``(n, dimension)`` float32 array.
        """
        if len(ids) == 0:
            return
        self._index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
        )

    def remove(self, ids: Ids) -> int:
        """Remove ids; unknown ids are ignored.

        Returns:
            How many vectors were removed.
        """
        if len(ids) == 0:
            return 0
        return int(self._index.remove_ids(np.asarray(ids, dtype=np.int64)))

    def search(self, queries: npt.NDArray[np.float32], k: int) -> tuple[Scores, Ids]:
        """Return the top-k ids and scores per query row (id -1 pads missing results)."""
        k = max(1, min(k, max(len(self), 1)))
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(queries) > SMALL_SEARCH:
            scores, ids = self._index.search(queries, k)
            return scores, ids
        # A request's few queries run on the calling thread only: OpenMP workers woken for
        # them cost more than they save, and they fight the encoder's threads for the cores
        # (on 2 cores a job's label search took 8 ms with 2 threads, 5 ms with 1). The
        # setting belongs to the calling thread, and is restored for its later bulk work.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(queries, k)
        finally:
            faiss.omp_set_num_threads(threads)
        return scores, ids

    def save(self, directory: Path, manifest: IndexManifest) -> None:
        """Write the index and its manifest atomically (write to temp files, then rename).

        Args:
            directory: Destination folder, created when missing.
            manifest: Description of the vectors; ``count`` must equal ``len(self)``.
        """
        if manifest.count != len(self):
            raise IndexFileError(
                f"manifest count {manifest.count} does not match index size {len(self)}"
            )
        directory.mkdir(parents=True, exist_ok=True)
        # Unique temporary names: several processes may save the same folder. The manifest
        # carries the digest of the index file it describes, so a manifest and an index
        # written by different processes are detected at load time instead of mixed up.
        token = uuid.uuid4().hex
        tmp_index = directory / f".{_INDEX_FILE}.{token}.tmp"
        faiss.write_index(self._index, str(tmp_index))
        digest = file_sha256(tmp_index)
        tmp_index.replace(directory / _INDEX_FILE)
        stamped = msgspec.structs.replace(
            manifest, built_at=time.time(), extra={**manifest.extra, "sha256": digest}
        )
        tmp_manifest = directory / f".{_MANIFEST_FILE}.{token}.tmp"
        tmp_manifest.write_bytes(msgspec.json.format(msgspec.json.encode(stamped)))
        tmp_manifest.replace(directory / _MANIFEST_FILE)

    @classmethod
    def load(cls, directory: Path) -> tuple[VectorIndex, IndexManifest]:
        """Read an index saved by :meth:`save`.

        Raises:
            IndexFileError: Files are missing or disagree with the manifest.
        """
        manifest = read_manifest(directory)
        expected = manifest.extra.get("sha256")
        if expected is not None and file_sha256(directory / _INDEX_FILE) != expected:
            raise IndexFileError(f"{directory}: index file does not match its manifest")
        try:
            raw = faiss.read_index(str(directory / _INDEX_FILE))
        except RuntimeError as exc:
            raise IndexFileError(f"cannot read {directory / _INDEX_FILE}: {exc}") from exc
        index = cls._wrap(raw)
        if len(index) != manifest.count or index.dimension != manifest.dimension:
            raise IndexFileError(
                f"{directory}: index holds {len(index)}x{index.dimension} vectors, manifest says "
                f"{manifest.count}x{manifest.dimension}"
            )
        return index, manifest


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, hex.

    Raises:
        IndexFileError: There is no such file.
    """
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError as exc:
        raise IndexFileError(f"no index file at {path}") from exc


def read_manifest(directory: Path) -> IndexManifest:
    """Read the manifest of a saved index.

    Raises:
        IndexFileError: It is missing or malformed.
    """
    path = directory / _MANIFEST_FILE
    try:
        return msgspec.json.decode(path.read_bytes(), type=IndexManifest)
    except FileNotFoundError as exc:
        raise IndexFileError(f"no index manifest at {path}") from exc
    except msgspec.DecodeError as exc:
        raise IndexFileError(f"malformed index manifest {path}: {exc}") from exc
