"""Background work of gap reports: posting uploads and reports too big for one request.

The pattern of :mod:`service.jobs`: the work is stored before the request is answered; a
worker thread claims it with a conditional update (several API processes can share one
database) and takes over a claim whose worker stopped refreshing it within the lease.
Posting uploads are imported a chunk per transaction with their progress, so a crash
resumes where it stopped; a report is computed in one go and its result stored.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.orm import Session

from service.db import gap_repositories as gap_repo
from service.db.engine import unit_of_work
from service.db.models import GapReportRow
from service.errors import CredmatchError, NotFoundError
from service.gap_report import (
    GapQuery,
    GapReport,
    build_report,
    query_from_json,
    report_from_json,
    report_to_json,
    runs_in_background,
)
from service.postings import (
    ImportSummary,
    import_in_chunks,
    parse_postings,
    posting_format,
    summary_from_json,
    summary_to_json,
)
from service.runtime import Runtime

logger = logging.getLogger("credmatch.reports")

PROGRESS_EVERY_S = 1.0


class ReportRunner:
    """A worker thread that imports queued posting uploads and computes queued reports.

    Args:
        runtime: Shared resources (taxonomy, sessions, settings).
        poll_interval: Seconds to wait when there is no work.
        lease: How long a claim may go without progress before another worker takes it.
    """

    def __init__(
        self, runtime: Runtime, *, poll_interval: float = 0.5, lease: timedelta | None = None
    ) -> None:
        self.runtime = runtime
        self.poll_interval = poll_interval
        self.lease = lease or timedelta(minutes=5)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="credmatch-reports", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Stop after the work in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                worked = self.run_once()
            except Exception:  # one bad job must not kill the worker
                logger.exception("report job failed")
                worked = False
            if not worked:
                self._stop.wait(self.poll_interval)

    def run_once(self) -> bool:
        """Process one queued upload or report; returns whether there was one."""
        if self.runtime.taxonomy is None:
            return False
        return self.run_upload() or self.run_report()

    def run_upload(self) -> bool:
        """Claim and import one posting upload, a chunk per transaction."""
        context, _ = self.runtime.require_taxonomy()
        stale_before = datetime.now(UTC) - self.lease
        with unit_of_work(self.runtime.sessions) as session:
            upload_id = gap_repo.claim_upload(session, stale_before=stale_before)
        if upload_id is None:
            return False
        with unit_of_work(self.runtime.sessions) as session:
            upload = gap_repo.upload_by_id(session, upload_id)
            tenant_id, processed = upload.tenant_id, upload.processed
            summary = summary_from_json(upload.summary)
            body, media_type = upload.body, upload.media_type
        try:
            rows = parse_postings(body, posting_format(_MEDIA_OF_FORMAT[media_type]))
        except CredmatchError as error:
            with unit_of_work(self.runtime.sessions) as session:
                gap_repo.finish_upload(
                    session, upload_id, status="failed", summary={}, error=error.detail
                )
            return True

        def record(session: Session, done: int, counts: ImportSummary) -> None:
            gap_repo.record_upload_progress(
                session, upload_id, processed=processed + done, summary=summary_to_json(counts)
            )

        summary = import_in_chunks(
            lambda: unit_of_work(self.runtime.sessions),
            context,
            tenant_id=tenant_id,
            rows=rows[processed:],
            summary=summary,
            on_chunk=record,
        )
        with unit_of_work(self.runtime.sessions) as session:
            gap_repo.finish_upload(
                session, upload_id, status="done", summary=summary_to_json(summary)
            )
        return True

    def run_report(self) -> bool:
        """Claim and compute one report, recording progress as it goes."""
        context, _ = self.runtime.require_taxonomy()
        stale_before = datetime.now(UTC) - self.lease
        with unit_of_work(self.runtime.sessions) as session:
            report_id = gap_repo.claim_report(session, stale_before=stale_before)
        if report_id is None:
            return False
        with unit_of_work(self.runtime.sessions) as session:
            row = gap_repo.report_by_id(session, report_id)
            tenant_id, request = row.tenant_id, row.request
        last = 0.0

        def progress(fraction: float, stage: str) -> None:
            nonlocal last
            if time.monotonic() - last < PROGRESS_EVERY_S and fraction < 1:
                return
            last = time.monotonic()
            with unit_of_work(self.runtime.sessions) as session:
                gap_repo.record_report_progress(session, report_id, fraction, stage)

        result: dict[str, Any] | None = None
        error = ""
        try:
            with unit_of_work(self.runtime.sessions) as session:
                report = build_report(
                    session,
                    context,
                    self.runtime.settings,
                    tenant_id=tenant_id,
                    query=query_from_json(request),
                    on_progress=progress,
                )
            result = report_to_json(report)
        except CredmatchError as failure:
            error = failure.detail
        with unit_of_work(self.runtime.sessions) as session:
            gap_repo.finish_report(session, report_id, result=result, error=error)
        return True


_MEDIA_OF_FORMAT = {"ndjson": "application/x-ndjson", "csv": "text/csv", "json": "application/json"}


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as the API shows it: status, progress, and the report once done."""

    id: int
    status: str
    progress: float
    stage: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    report: GapReport | None


def submit_report(
    session: Session,
    runtime: Runtime,
    *,
    tenant_id: int,
    query: GapQuery,
    background: bool | None,
) -> StoredReport:
    """Compute a report now and store it, or queue it for the worker.

    Args:
        session: The request's session.
        runtime: Taxonomy and settings.
        tenant_id: The tenant.
        query: The report request.
        background: Force (True) or refuse (False) the background; by default large
            tenants' reports go there (:func:`service.gap_report.runs_in_background`).
    """
    request: dict[str, Any] = msgspec.to_builtins(query)
    if background or (background is None and runs_in_background(session, tenant_id)):
        return _stored(gap_repo.create_report(session, tenant_id, request))
    context, _ = runtime.require_taxonomy()
    report = build_report(session, context, runtime.settings, tenant_id=tenant_id, query=query)
    row = gap_repo.create_report(
        session, tenant_id, request, status="done", result=report_to_json(report)
    )
    return _stored(row, report)


def stored_report(session: Session, tenant_id: int, report_id: int) -> StoredReport:
    """A tenant's report with its progress (and the report once done).

    Raises:
        NotFoundError: The tenant has no such report.
    """
    row = gap_repo.get_report(session, tenant_id, report_id)
    if row is None:
        raise NotFoundError(f"no gap report {report_id}")
    return _stored(row)


def _stored(row: GapReportRow, report: GapReport | None = None) -> StoredReport:
    if report is None and row.result is not None:
        report = report_from_json(row.result)
    return StoredReport(
        id=row.id,
        status=row.status,
        progress=row.progress,
        stage=row.stage,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        report=report,
    )
