"""Sentence encoders and FAISS vector indexes.

Exceptions::

    EmbeddingsError
    ├── ModelNotAvailableError   the packaged model cannot be found or loaded
    └── IndexFileError           a saved index is missing or disagrees with its manifest
"""

from embeddings._packaged import (
    Vectors,
    packaged_model_dimension,
    packaged_model_id,
    packaged_model_path,
)
from embeddings.encoder import BACKENDS, SentenceTransformerEncoder, TextEncoder, load_encoder
from embeddings.errors import EmbeddingsError, IndexFileError, ModelNotAvailableError
from embeddings.index import IndexManifest, VectorIndex, file_sha256, read_manifest

__all__ = [
    "BACKENDS",
    "EmbeddingsError",
    "IndexFileError",
    "IndexManifest",
    "ModelNotAvailableError",
    "SentenceTransformerEncoder",
    "TextEncoder",
    "VectorIndex",
    "Vectors",
    "file_sha256",
    "load_encoder",
    "packaged_model_dimension",
    "packaged_model_id",
    "packaged_model_path",
    "read_manifest",
]
