"""Where verification gets DID documents, key documents and issuer profiles from."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import msgspec


class DocumentStore(Protocol):
    """Source of documents that verification needs besides the credential itself.

    DID documents, verification-method (key) documents and issuer profiles, keyed by URL
    (a DID, a key URL with its ``#fragment``, or an issuer id). `PinnedDocuments` holds
    pinned documents only; `ingest.HttpFetcher` fetches, and `ingest.ChainedDocuments`
    combines the two (pinned first).
    """

    def get(self, url: str) -> dict[str, Any] | None:
        """Return the document published at ``url``, or ``None`` when unknown.

        Args:
            url: Exact URL, DID or DID URL.

        Raises:
            ingest.FetchError: A store that fetches tried and failed, or refused the URL;
                the verifier reports that as an ``unknown`` check, never a crash.
        """
        ...


class _PinnedFile(msgspec.Struct, forbid_unknown_fields=True):
    url: str
    document: dict[str, Any]


class PinnedDocuments(DocumentStore):
    """A `DocumentStore` over a fixed mapping of URL -> document (exact URL match).

    Args:
        documents: URL -> JSON object. Copied, so later changes to the argument do not
            leak in; returned documents are shared and must not be modified.
    """

    def __init__(self, documents: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._documents: dict[str, dict[str, Any]] = {
            url: copy.deepcopy(dict(document)) for url, document in (documents or {}).items()
        }

    @classmethod
    def from_directory(cls, path: str | os.PathLike[str]) -> PinnedDocuments:
        """Load every ``*.json`` file of a folder (not recursive).

        Each file holds one pinned document: ``{"url": "<url>", "document": {...}}``.
        One file per document keeps reviews and provenance notes per key or issuer.

        Args:
            path: The folder.

        Returns:
            The store.

        Raises:
            ValueError: A file is not of that shape, or two files pin the same URL.
        """
        documents: dict[str, dict[str, Any]] = {}
        origin: dict[str, Path] = {}
        for file in sorted(Path(path).glob("*.json")):
            try:
                pinned = msgspec.json.decode(file.read_bytes(), type=_PinnedFile)
            except msgspec.DecodeError as error:
                raise ValueError(
                    f"{file}: expected {{'url': ..., 'document': {{...}}}}: {error}"
                ) from None
            if pinned.url in documents:
                raise ValueError(
                    f"{file}: {pinned.url!r} is already pinned by {origin[pinned.url]}"
                )
            documents[pinned.url] = pinned.document
            origin[pinned.url] = file
        return cls(documents)

    def get(self, url: str) -> dict[str, Any] | None:
        """Return the pinned document for ``url`` (exact match), or ``None``."""
        return self._documents.get(url)

    def __len__(self) -> int:
        return len(self._documents)

    def __iter__(self) -> Iterator[str]:
        return iter(self._documents)
