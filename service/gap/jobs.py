"""Background work of gap reports: posting uploads and reports too big for one request.

The pattern of :mod:`service.credentials.jobs`: the work is stored before the request is answered; a
worker thread claims it with a conditional update (several API processes can share one
database) and takes over a claim whose worker stopped refreshing it within the lease.
Posting uploads are imported a chunk per transaction with their progress, so a crash
resumes where it stopped; a report is computed in one go and its result stored.

Each claim increments the job's ``attempts``, and progress and results are written only
while the row still carries that number: a worker whose claim was taken over stops instead
of finishing the job a second time. A job that fails with any error is marked failed (the
unexpected ones logged with the job's id); one whose worker died :data:`MAX_ATTEMPTS` times
is failed by the next claim instead of being taken up forever.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.orm import Session

from service.credentials.jobs import PollingWorker
from service.db.engine import unit_of_work
from service.db.models import GapReportRow
from service.errors import ClaimLostError, CredmatchError, InvalidRequestError, NotFoundError
from service.gap import repository as gap_repo
from service.gap.postings import (
    ImportSummary,
    import_in_chunks,
    parse_postings,
    posting_format,
    read_missing_titles,
    stored_before,
    summary_from_json,
    summary_to_json,
)
from service.gap.service import (
    BACKGROUND_ABOVE,
    GapQuery,
    GapReport,
    build_report,
    query_from_json,
    report_from_json,
    report_to_json,
    runs_in_background,
)
from service.settings import Settings
from service.taxonomy.service import TaxonomyContext

logger = logging.getLogger("credmatch.reports")

PROGRESS_EVERY_S = 1.0
MAX_ATTEMPTS = 3
"""Claims of one job before it is failed (each ended with its worker gone: a crash, a kill)."""


class ReportRunner(PollingWorker):
    """A worker thread that imports queued posting uploads and computes queued reports.

    The lease (see :class:`~service.credentials.jobs.PollingWorker`) is how long a claim may go
    without progress before another worker takes it.
    """

    thread_name = "credmatch-reports"

    def run_once(self) -> bool:
        """Process one queued upload or report; returns whether there was one."""
        if self.runtime.taxonomy is None:
            return False
        return self.run_upload() or self.run_report() or self.read_titles()

    def read_titles(self) -> bool:
        """Read the titles of some postings stored before titles were read (when idle)."""
        context, _ = self.runtime.require_taxonomy()
        with unit_of_work(self.runtime.sessions) as session:
            return read_missing_titles(session, context) > 0

    def run_upload(self) -> bool:
        """Claim and import one posting upload, a chunk per transaction."""
        stale_before = datetime.now(UTC) - self.lease
        with unit_of_work(self.runtime.sessions) as session:
            claim = gap_repo.claim_upload(
                session, stale_before=stale_before, max_attempts=MAX_ATTEMPTS
            )
        if claim is None:
            return False
        try:
            self._import_upload(claim)
        except ClaimLostError:
            logger.warning("posting upload %s was taken over by another worker", claim.id)
        except CredmatchError as failure:
            self._finish_upload(claim, error=failure.detail)
        except Exception:  # anything else fails the upload instead of retrying it forever
            logger.exception("posting upload %s failed", claim.id)
            self._finish_upload(
                claim, error=f"the import stopped on an internal error (posting upload {claim.id})"
            )
        return True

    def _import_upload(self, claim: gap_repo.Claim) -> None:
        context, _ = self.runtime.require_taxonomy()
        with unit_of_work(self.runtime.sessions) as session:
            upload = gap_repo.upload_by_id(session, claim.id)
            tenant_id, processed = upload.tenant_id, upload.processed
            summary = summary_from_json(upload.summary)
            body, media_type = upload.body, upload.media_type
        rows = parse_postings(body, posting_format(_MEDIA_OF_FORMAT[media_type]))
        with unit_of_work(self.runtime.sessions) as session:
            seen = stored_before(session, tenant_id, rows[:processed])

        def record(session: Session, done: int, counts: ImportSummary) -> None:
            if not gap_repo.record_upload_progress(
                session, claim, processed=processed + done, summary=summary_to_json(counts)
            ):
                raise ClaimLostError(claim.id)  # rolls back the chunk just imported

        summary = import_in_chunks(
            lambda: unit_of_work(self.runtime.sessions),
            context,
            tenant_id=tenant_id,
            rows=rows[processed:],
            summary=summary,
            on_chunk=record,
            seen=seen,
        )
        with unit_of_work(self.runtime.sessions) as session:
            if not gap_repo.finish_upload(
                session, claim, status="done", summary=summary_to_json(summary)
            ):
                raise ClaimLostError(claim.id)

    def _finish_upload(self, claim: gap_repo.Claim, *, error: str) -> None:
        with unit_of_work(self.runtime.sessions) as session:
            gap_repo.finish_upload(session, claim, status="failed", error=error)

    def run_report(self) -> bool:
        """Claim and compute one report, recording progress as it goes."""
        context, _ = self.runtime.require_taxonomy()
        stale_before = datetime.now(UTC) - self.lease
        with unit_of_work(self.runtime.sessions) as session:
            claim = gap_repo.claim_report(
                session, stale_before=stale_before, max_attempts=MAX_ATTEMPTS
            )
        if claim is None:
            return False
        last = 0.0

        def progress(fraction: float, stage: str) -> None:
            nonlocal last
            if time.monotonic() - last < PROGRESS_EVERY_S and fraction < 1:
                return
            last = time.monotonic()
            with unit_of_work(self.runtime.sessions) as session:
                if not gap_repo.record_report_progress(session, claim, fraction, stage):
                    raise ClaimLostError(claim.id)

        result: dict[str, Any] | None = None
        error = ""
        try:
            with unit_of_work(self.runtime.sessions) as session:
                row = gap_repo.report_by_id(session, claim.id)
                report = build_report(
                    session,
                    context,
                    self.runtime.settings,
                    tenant_id=row.tenant_id,
                    query=query_from_json(row.request),
                    on_progress=progress,
                )
            result = report_to_json(report)
        except ClaimLostError:
            logger.warning("gap report %s was taken over by another worker", claim.id)
            return True
        except CredmatchError as failure:
            error = failure.detail
        except Exception:  # anything else fails the report instead of retrying it forever
            logger.exception("gap report %s failed", claim.id)
            error = f"the report stopped on an internal error (gap report {claim.id})"
        with unit_of_work(self.runtime.sessions) as session:
            if not gap_repo.finish_report(session, claim, result=result, error=error):
                logger.warning("gap report %s was taken over by another worker", claim.id)
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
    context: TaxonomyContext,
    settings: Settings,
    *,
    tenant_id: int,
    query: GapQuery,
    background: bool | None,
) -> StoredReport:
    """Compute a report now and store it, or queue it for the worker.

    Args:
        session: The request's session.
        context: The loaded taxonomy.
        settings: Settings.
        tenant_id: The tenant.
        query: The report request.
        background: Force (True) or refuse (False) the background; by default large
            tenants' reports go there (:func:`service.gap.service.runs_in_background`).

    Raises:
        InvalidRequestError: The background was refused for a tenant too large to report
            on within a request.
    """
    request: dict[str, Any] = msgspec.to_builtins(query)
    large = background is not True and runs_in_background(session, tenant_id)
    if large and background is False:
        raise InvalidRequestError(
            f"the tenant holds over {BACKGROUND_ABOVE:,} postings or candidates: its reports "
            "run in the background; leave async out or set it to true"
        )
    if background or large:
        return _stored(gap_repo.create_report(session, tenant_id, request))
    report = build_report(session, context, settings, tenant_id=tenant_id, query=query)
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
