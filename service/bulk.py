"""Bulk ingest of credential files (JSON documents, NDJSON batches) from the command line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import Progress
from sqlalchemy.orm import Session

from service.db import repositories as repo
from service.db.engine import unit_of_work
from service.db.models import QuarantinedDocument
from service.ingestion import (
    Accepted,
    Rejected,
    ingest_credential,
    retry_quarantined,
    reverify_credential,
)
from service.jobs import split_ndjson
from service.runtime import Runtime
from service.settings import Settings

CREDENTIAL_SUFFIXES = {".json", ".jsonld"}
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
) -> IngestSummary:
    """Ingest every credential file, one transaction per file (a failure loses nothing).

    Args:
        settings: Settings.
        paths: Files or folders.
        tenant: Tenant name (created when missing).
        candidate: Candidate id for every file; default is each credential's subject id.
        progress: Progress display.
        runtime: Opened resources to reuse (else opened and closed here).
    """
    files = list(iter_credential_files(paths))
    missing = [p for p in files if not p.is_file()]
    if missing:
        from service.errors import InvalidRequestError  # noqa: PLC0415

        raise InvalidRequestError(f"no such file: {missing[0]}")
    owned = runtime is None
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    summary = IngestSummary()
    try:
        context, _ = active.require_taxonomy()
        with unit_of_work(active.sessions) as session:
            tenant_id = repo.get_or_create_tenant(session, tenant).id
        with progress:
            task = progress.add_task("ingesting", total=len(files))
            for path in files:
                for source, raw in iter_documents(path):
                    with unit_of_work(active.sessions) as session:
                        result = ingest_credential(
                            session,
                            context,
                            active.verifier,
                            tenant_id=tenant_id,
                            raw=raw,
                            candidate_external_id=candidate,
                            max_bytes=settings.max_credential_bytes,
                        )
                    _count(summary, source, result)
                progress.advance(task)
    finally:
        if owned:
            active.close()
    return summary


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
            tenant_id = repo.get_or_create_tenant(session, tenant).id
            if ids is None:
                wanted = [row.id for row in _all_quarantined(session, tenant_id)]
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
                        max_bytes=settings.max_credential_bytes,
                    )
                _count(summary, f"quarantine/{quarantine_id}", result)
                progress.advance(task)
    finally:
        if owned:
            active.close()
    return summary


def _all_quarantined(session: Session, tenant_id: int) -> list[QuarantinedDocument]:
    rows: list[QuarantinedDocument] = []
    while True:
        page = repo.list_quarantine(session, tenant_id, after_id=rows[-1].id if rows else 0)
        rows.extend(page)
        if not page:
            return rows


def _count(summary: IngestSummary, source: str, result: Accepted | Rejected) -> None:
    if isinstance(result, Accepted):
        if result.created:
            summary.accepted += 1
        else:
            summary.duplicates += 1
    else:
        summary.rejected += 1
        summary.problems.append((source, f"{result.code}: {result.detail}"))


@dataclass
class ReverifySummary:
    """What a re-verification run changed."""

    checked: int = 0
    now_unverified: int = 0
    now_verified: int = 0
    status_unknown: int = 0


def reverify_tenant(
    settings: Settings, *, tenant: str, progress: Progress, runtime: Runtime | None = None
) -> ReverifySummary:
    """Verify every stored credential of a tenant again, one transaction each.

    Revoked, suspended or no-longer-bound credentials stop counting in matches; a
    credential whose status could not be checked is counted as such, never as cleared.
    """
    owned = runtime is None
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    summary = ReverifySummary()
    try:
        with unit_of_work(active.sessions) as session:
            tenant_id = repo.get_or_create_tenant(session, tenant).id
            ids = repo.credential_ids_of_tenant(session, tenant_id)
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
                        max_bytes=settings.max_credential_bytes,
                    )
                summary.checked += 1
                summary.now_unverified += outcome.was_verified and not outcome.verified
                summary.now_verified += outcome.verified and not outcome.was_verified
                summary.status_unknown += outcome.status == "unknown"
                progress.advance(task)
    finally:
        if owned:
            active.close()
    return summary
