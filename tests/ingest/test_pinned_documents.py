"""PinnedDocuments: mapping-backed and folder-backed document stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import DocumentStore, PinnedDocuments


def _pin(folder: Path, name: str, content: object) -> None:
    (folder / name).write_text(json.dumps(content), encoding="utf-8")


def test_mapping_store_returns_documents_by_exact_url() -> None:
    document = {"id": "https://example.edu/issuers/1", "name": "Example"}
    store: DocumentStore = PinnedDocuments({document["id"]: document})

    assert store.get("https://example.edu/issuers/1") == document
    assert store.get("https://example.edu/issuers/1/") is None
    assert store.get("http://example.edu/issuers/1") is None


def test_mapping_store_copies_its_input() -> None:
    document = {"id": "did:web:example.edu"}
    store = PinnedDocuments({"did:web:example.edu": document})
    document["id"] = "changed"

    assert store.get("did:web:example.edu") == {"id": "did:web:example.edu"}


def test_directory_store_reads_one_document_per_file(tmp_path: Path) -> None:
    _pin(tmp_path, "issuer.json", {"url": "https://example.edu/issuers/1", "document": {"a": 1}})
    _pin(tmp_path, "key.json", {"url": "https://example.edu/keys#1", "document": {"b": 2}})
    (tmp_path / "notes.txt").write_text("not a document", encoding="utf-8")

    store = PinnedDocuments.from_directory(tmp_path)

    assert len(store) == 2
    assert sorted(store) == ["https://example.edu/issuers/1", "https://example.edu/keys#1"]
    assert store.get("https://example.edu/keys#1") == {"b": 2}


@pytest.mark.parametrize(
    "content",
    [
        {"document": {}},
        {"url": "https://example.edu/", "document": []},
        {"url": "https://example.edu/", "document": {}, "extra": 1},
        ["https://example.edu/"],
    ],
)
def test_directory_store_rejects_malformed_files(tmp_path: Path, content: object) -> None:
    _pin(tmp_path, "bad.json", content)

    with pytest.raises(ValueError, match=r"bad\.json"):
        PinnedDocuments.from_directory(tmp_path)


def test_directory_store_rejects_a_url_pinned_twice(tmp_path: Path) -> None:
    _pin(tmp_path, "a.json", {"url": "https://example.edu/", "document": {}})
    _pin(tmp_path, "b.json", {"url": "https://example.edu/", "document": {}})

    with pytest.raises(ValueError, match="already pinned"):
        PinnedDocuments.from_directory(tmp_path)
