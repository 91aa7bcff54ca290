"""Errors raised by the embeddings package."""

from __future__ import annotations


class EmbeddingsError(Exception):
    """Base class of every error raised by :mod:`embeddings`."""


class ModelNotAvailableError(EmbeddingsError):
    """The packaged sentence-transformers model cannot be found or loaded."""


class IndexFileError(EmbeddingsError):
    """A saved index is missing, unreadable, or does not match its manifest."""
