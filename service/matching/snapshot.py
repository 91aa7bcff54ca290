"""Snapshots of a candidate index: everything a worker needs to serve without the database.

A snapshot is one folder holding the FAISS vectors (``vectors/``, written by
:meth:`embeddings.VectorIndex.save`), the evidence columns and holder lists as ``.npy``
arrays, and ``snapshot.json``: the format version, what the index was built from (model,
taxonomy, tenant), the watermark it is current to, the interned issuer names and tag texts,
and the SHA-256 of every array file. Arrays are read by memory-mapping them copy-on-write,
so workers on one machine share the pages of one snapshot and a worker only pays for the
pages it changes; the checksums are verified before anything is used.

Snapshots of a tenant live side by side under the tenant's folder, one per save
(``snapshot-<watermark>-<token>``); the file ``CURRENT`` names the newest and is replaced
atomically, so a reader never sees a half-written snapshot and several workers may save at
once. Older snapshots are removed after a save, all but the newest :data:`KEEP`.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from embeddings import IndexFileError, file_sha256

FORMAT = "credmatch-candidate-snapshot/1"
CURRENT = "CURRENT"
MANIFEST = "snapshot.json"
VECTORS = "vectors"
KEEP = 2
"""Snapshots kept per tenant after a save (the newest and the one before, which a worker
that started a moment ago may still be reading)."""


@dataclass(frozen=True, slots=True)
class SnapshotManifest:
    """What a snapshot holds besides its arrays."""

    model: str
    taxonomy: str
    tenant: int
    watermark: int
    trained_for: int
    issuer_names: list[str]
    tag_texts: list[str]
    rows: int
    """Evidence rows in use (the column files hold spare capacity after them)."""


def write_snapshot(
    tenant_folder: Path,
    manifest: SnapshotManifest,
    arrays: Mapping[str, npt.NDArray[Any]],
    write_vectors: Any,
) -> Path:
    """Write a snapshot and make it the tenant's current one.

    Args:
        tenant_folder: The tenant's folder (created when missing).
        manifest: The snapshot's description.
        arrays: Named arrays (evidence columns, slots, holder lists).
        write_vectors: Called with the folder the FAISS vectors go to.

    Returns:
        The snapshot's folder.
    """
    tenant_folder.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex[:12]
    folder = tenant_folder / f"snapshot-{manifest.watermark:012d}-{token}"
    staging = tenant_folder / f".{folder.name}.tmp"
    staging.mkdir()
    digests: dict[str, str] = {}
    for name, array in arrays.items():
        path = staging / f"{name}.npy"
        np.save(path, np.ascontiguousarray(array), allow_pickle=False)
        digests[name] = file_sha256(path)
    write_vectors(staging / VECTORS)
    document = {"format": FORMAT, **dataclasses.asdict(manifest), "sha256": digests}
    (staging / MANIFEST).write_text(json.dumps(document), encoding="utf-8")
    staging.rename(folder)
    pointer = tenant_folder / f".{CURRENT}.{token}.tmp"
    pointer.write_text(folder.name, encoding="utf-8")
    pointer.replace(tenant_folder / CURRENT)
    _prune(tenant_folder, keep=folder.name)
    return folder


def current_snapshot(tenant_folder: Path) -> Path | None:
    """The tenant's current snapshot folder, or None when it has none."""
    try:
        name = (tenant_folder / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = tenant_folder / name
    return folder if name and folder.is_dir() else None


def read_snapshot(folder: Path) -> tuple[SnapshotManifest, dict[str, npt.NDArray[Any]]]:
    """A snapshot's manifest and its arrays, memory-mapped copy-on-write.

    Raises:
        IndexFileError: The manifest is unreadable, of another format, or an array does not
            match its checksum.
    """
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexFileError(f"{folder}: unreadable snapshot manifest ({exc})") from exc
    if document.get("format") != FORMAT:
        raise IndexFileError(f"{folder}: snapshot format {document.get('format')!r}")
    digests: dict[str, str] = document.pop("sha256")
    document.pop("format")
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, digest in digests.items():
        path = folder / f"{name}.npy"
        if file_sha256(path) != digest:  # a missing file raises IndexFileError too
            raise IndexFileError(f"{path}: does not match the snapshot's checksum")
        arrays[name] = np.load(path, mmap_mode="c", allow_pickle=False)
    try:
        manifest = SnapshotManifest(**document)
    except TypeError as exc:
        raise IndexFileError(f"{folder}: snapshot manifest fields ({exc})") from exc
    return manifest, arrays


def _prune(tenant_folder: Path, *, keep: str) -> None:
    snapshots = sorted(
        (p for p in tenant_folder.glob("snapshot-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
    )
    for old in snapshots[:-KEEP]:
        if old.name != keep:
            # A worker still mapping its files keeps them readable: unlinking a mapped file
            # removes its name, not its pages.
            shutil.rmtree(old, ignore_errors=True)
