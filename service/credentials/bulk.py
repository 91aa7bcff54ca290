"""Bulk ingest of credential files (JSON documents, NDJSON batches) from the command line."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
from rich.progress import Progress

from ingest import Verifier
from service.bulk import WorkerPool, open_pool
from service.credentials import repository as repo
from service.credentials.jobs import split_ndjson
from service.credentials.service import (
    STATUS_UNKNOWN,
    Accepted,
    Examined,
    Rejected,
    content_hash,
    examine,
    ingest_credential,
    retry_quarantined,
    reverify_credential,
)
from service.db import registry
from service.db.engine import unit_of_work
from service.errors import InvalidRequestError
from service.runtime import Runtime, build_verifier
from service.settings import Settings

T = TypeVar("T")

CREDENTIAL_SUFFIXES = {".json", ".jsonld", ".png", ".svg"}  # baked badges too
NDJSON_SUFFIXES = {".ndjson", ".jsonl"}


@dataclass
class IngestSummary:
    """What a bulk ingest did."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def iter_credential_files(paths: Sequence[Path]) -> Iterator[Path]:
    """Files named directly, and credential or NDJSON files found under folders (sorted)."""
    wanted = CREDENTIAL_SUFFIXES | NDJSON_SUFFIXES
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in wanted)
        else:
            yield path


def iter_documents(path: Path) -> Iterator[tuple[str, bytes]]:
    """The documents of a file with where they came from: one per NDJSON line, else one."""
    if path.suffix in NDJSON_SUFFIXES:
        for item in split_ndjson(path.read_bytes()):
            yield f"{path}:{item.line}", item.raw
    else:
        yield str(path), path.read_bytes()


def ingest_paths(
    settings: Settings,
    paths: Sequence[Path],
    *,
    tenant: str,
    candidate: str | None,
    progress: Progress,
    runtime: Runtime | None = None,
    workers: int = 1,
) -> IngestSummary:
    """Ingest every credential, one transaction per document (a failure loses nothing).

    Parsing and verification (the CPU-bound part) run on ``workers`` workers; storing runs
    here, in input order. Documents already stored are recognised by their content hash
    before any verification, so re-running after a crash resumes quickly and stores nothing
    twice.

    Args:
        settings: Settings.
        paths: Files (JSON documents, NDJSON batches) or folders.
        tenant: Tenant name (created when missing).
        candidate: Candidate id for every document; default is each credential's subject id.
        progress: Progress display.
        runtime: Opened resources to reuse (else opened and closed here).
        workers: Workers verifying in parallel (:func:`service.bulk.open_pool`: local
            processes, or Ray actors when ``CREDMATCH_RAY_ADDRESS`` is set; 1 without Ray:
            verify in this process).
    """
    files = list(iter_credential_files(paths))
    missing = [p for p in files if not p.is_file()]
    if missing:
        raise InvalidRequestError(f"no such file: {missing[0]}")
    owned = runtime is None
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    summary = IngestSummary()
    pool = open_pool(settings, workers=workers, initializer=_start_worker, initargs=(settings,))
    try:
        context, _ = active.require_taxonomy()
        with unit_of_work(active.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant).id
        with progress:
            task = progress.add_task("ingesting", total=len(files))
            for path in files:
                for batch in _batches(iter_documents(path), _BATCH):
                    examined = _examine_batch(active, tenant_id, batch, pool, settings)
                    for (source, raw), ahead in zip(batch, examined, strict=True):
                        with unit_of_work(active.sessions) as session:
                            result = ingest_credential(
                                session,
                                context,
                                active.verifier,
                                tenant_id=tenant_id,
                                raw=raw,
                                candidate_external_id=candidate,
                                max_bytes=settings.limits.max_credential_bytes,
                                examined=ahead,
                            )
                        _count(summary, source, result)
                progress.advance(task)
    finally:
        if pool is not None:
            pool.close()
        if owned:
            active.close()
    return summary


_BATCH = 64
_worker_verifier: Verifier | None = None


def _start_worker(settings: Settings) -> None:
    global _worker_verifier  # noqa: PLW0603 (one verifier per worker process)
    _worker_verifier = build_verifier(settings, httpx.Client(follow_redirects=False))


def _examine_in_worker(raw: bytes, *, max_bytes: int) -> Examined:
    if _worker_verifier is None:
        raise RuntimeError("worker process was not initialised")
    return examine(_worker_verifier, raw, max_bytes=max_bytes)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _examine_batch(
    runtime: Runtime,
    tenant_id: int,
    batch: Sequence[tuple[str, bytes]],
    pool: WorkerPool | None,
    settings: Settings,
) -> list[Examined | None]:
    """Verify a batch ahead on the pool, skipping documents already stored (None: later)."""
    if pool is None:
        return [None] * len(batch)
    with unit_of_work(runtime.sessions) as session:
        stored = repo.stored_content_hashes(
            session, tenant_id, [content_hash(raw) for _, raw in batch]
        )
    todo = [n for n, (_, raw) in enumerate(batch) if content_hash(raw) not in stored]
    results: list[Examined | None] = [None] * len(batch)
    done = pool.map(
        functools.partial(_examine_in_worker, max_bytes=settings.limits.max_credential_bytes),
        [batch[n][1] for n in todo],
    )
    for n, examined in zip(todo, done, strict=True):
        results[n] = examined
    return results


def retry_quarantine(
    settings: Settings,
    *,
    tenant: str,
    ids: Sequence[int] | None,
    progress: Progress,
    runtime: Runtime | None = None,
) -> IngestSummary:
    """Process a tenant's quarantined documents again, one transaction each.

    Args:
        settings: Settings (a pinned-documents folder added since the rejection is used).
        tenant: Tenant name.
        ids: Quarantine ids to retry; ``None`` retries every document of the tenant.
        progress: Progress display.
        runtime: Opened resources to reuse (else opened and closed here).
    """
    owned = runtime is None
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    summary = IngestSummary()
    try:
        context, _ = active.require_taxonomy()
        with unit_of_work(active.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant).id
            if ids is None:
                wanted = [row.id for row in repo.iter_quarantine(session, tenant_id)]
            else:
                wanted = [row.id for row in repo.quarantined_by_ids(session, tenant_id, ids)]
                unknown = sorted(set(ids) - set(wanted))
                summary.problems.extend(
                    (f"quarantine/{i}", "no such quarantined document") for i in unknown
                )
        with progress:
            task = progress.add_task("retrying", total=len(wanted))
            for quarantine_id in wanted:
                with unit_of_work(active.sessions) as session:
                    row = repo.quarantined_by_ids(session, tenant_id, [quarantine_id])[0]
                    result = retry_quarantined(
                        session,
                        context,
                        active.verifier,
                        row,
                        max_bytes=settings.limits.max_credential_bytes,
                    )
                _count(summary, f"quarantine/{quarantine_id}", result)
                progress.advance(task)
    finally:
        if owned:
            active.close()
    return summary


def _count(summary: IngestSummary, source: str, result: Accepted | Rejected) -> None:
    """Count one result; a CLR bundle's nested credentials count as documents too."""
    if isinstance(result, Accepted):
        if result.created:
            summary.accepted += 1
        else:
            summary.duplicates += 1
        for position, nested in enumerate(result.nested):
            _count(summary, f"{source} (nested credential {position})", nested)
    else:
        summary.rejected += 1
        summary.problems.append((source, f"{result.code}: {result.detail}"))


@dataclass
class ReverifySummary:
    """What a re-verification run changed.

    ``released`` and ``still_quarantined`` count the documents quarantined as
    ``status-unknown`` that were tried again: accepted now, or rejected again.
    """

    checked: int = 0
    now_unverified: int = 0
    now_verified: int = 0
    status_unknown: int = 0
    released: int = 0
    still_quarantined: int = 0


def reverify_tenant(
    settings: Settings, *, tenant: str, progress: Progress, runtime: Runtime | None = None
) -> ReverifySummary:
    """Verify every stored credential of a tenant again, one transaction each.

    Revoked, suspended or no-longer-bound credentials stop counting in matches; a
    credential whose status could not be checked is counted as such, never as cleared
    (and, under ``unknownStatus: reject``, stops counting until its status is read).
    Documents quarantined as ``status-unknown`` are then tried again: accepted once their
    status list can be read (or the policy accepts an unknown status again).
    """
    owned = runtime is None
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    summary = ReverifySummary()
    try:
        with unit_of_work(active.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant).id
            ids = repo.credential_ids_of_tenant(session, tenant_id)
            held = repo.quarantined_ids_with_reason(session, tenant_id, STATUS_UNKNOWN)
        with progress:
            task = progress.add_task("re-verifying", total=len(ids))
            for credential_id in ids:
                with unit_of_work(active.sessions) as session:
                    credential = repo.get_credential(session, tenant_id, credential_id)
                    if credential is None:  # erased meanwhile
                        progress.advance(task)
                        continue
                    outcome = reverify_credential(
                        session,
                        active.verifier,
                        credential,
                        max_bytes=settings.limits.max_credential_bytes,
                    )
                summary.checked += 1
                summary.now_unverified += outcome.was_verified and not outcome.verified
                summary.now_verified += outcome.verified and not outcome.was_verified
                summary.status_unknown += outcome.status == "unknown"
                progress.advance(task)
            if held:
                _release_status_unknown(active, tenant_id, held, summary, progress)
    finally:
        if owned:
            active.close()
    return summary


def _release_status_unknown(
    runtime: Runtime,
    tenant_id: int,
    quarantine_ids: Sequence[int],
    summary: ReverifySummary,
    progress: Progress,
) -> None:
    """Retry documents quarantined because their status could not be checked."""
    context, _ = runtime.require_taxonomy()
    task = progress.add_task("retrying unknown status", total=len(quarantine_ids))
    for quarantine_id in quarantine_ids:
        with unit_of_work(runtime.sessions) as session:
            rows = repo.quarantined_by_ids(session, tenant_id, [quarantine_id])
            if rows:  # else erased or retried meanwhile
                result = retry_quarantined(
                    session,
                    context,
                    runtime.verifier,
                    rows[0],
                    max_bytes=runtime.settings.limits.max_credential_bytes,
                )
                if isinstance(result, Accepted):
                    summary.released += 1
                else:
                    summary.still_quarantined += 1
        progress.advance(task)
