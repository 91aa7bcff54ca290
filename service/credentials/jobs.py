"""Background ingest jobs: a batch is stored first, then ingested item by item.

Every document is written to the database before the request is answered, and each item is
ingested in its own transaction together with the record of its outcome, so a crash loses
nothing and repeats nothing (ingest is idempotent by content hash). Workers claim items with a
conditional update, so several API processes can share the work; a claim that is not finished
within the lease (its worker died) is taken over.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from service.credentials import repository as repo
from service.credentials.service import Accepted, Rejected, ingest_credential
from service.db.engine import unit_of_work
from service.db.models import IngestJob
from service.errors import InvalidRequestError, NotFoundError, UnprocessableRequestError
from service.runtime import Runtime

logger = logging.getLogger("credmatch.jobs")

MAX_JOB_ITEMS = 10_000


@dataclass(frozen=True, slots=True)
class JobLine:
    """One document of a batch: its line number and bytes."""

    line: int
    raw: bytes


def split_ndjson(body: bytes) -> Iterator[JobLine]:
    """Non-blank lines of an NDJSON body, each kept byte for byte (line numbers from 1)."""
    for number, line in enumerate(body.split(b"\n"), start=1):
        stripped = line.strip()
        if stripped:
            yield JobLine(number, stripped)


def submit_job(
    session: Session, *, tenant_id: int, body: bytes, candidate_external_id: str | None
) -> IngestJob:
    """Store a batch of credentials (NDJSON, one document per line) as a queued job.

    Raises:
        InvalidRequestError: The body holds no document or more than the per-job limit.
    """
    lines = list(split_ndjson(body))
    if not lines:
        raise UnprocessableRequestError("the body holds no document; send one credential per line")
    if len(lines) > MAX_JOB_ITEMS:
        raise InvalidRequestError(
            f"the body holds {len(lines)} documents; at most {MAX_JOB_ITEMS} per job"
        )
    candidate = candidate_external_id or ""
    return repo.create_job(session, tenant_id, [(item.line, candidate, item.raw) for item in lines])


def job_status(session: Session, tenant_id: int, job_id: int) -> IngestJob:
    """A tenant's job.

    Raises:
        NotFoundError: The tenant has no such job.
    """
    job = repo.get_job(session, tenant_id, job_id)
    if job is None:
        raise NotFoundError(f"no ingest job {job_id}")
    return job


class PollingWorker:
    """A daemon thread that calls :meth:`run_once` until stopped, resting when idle.

    Args:
        runtime: Shared resources (taxonomy, verifier, sessions).
        poll_interval: Seconds to wait when there is no work.
        lease: How long a claimed piece of work may go on before another worker takes it.
    """

    thread_name = "credmatch-worker"

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
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
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
            except Exception:  # one bad piece of work must not kill the worker
                logger.exception("%s: work failed", self.thread_name)
                worked = False
            if not worked:
                self._stop.wait(self.poll_interval)

    def run_once(self) -> bool:
        """Do one piece of work; returns whether there was one."""
        raise NotImplementedError


class JobRunner(PollingWorker):
    """A worker thread that ingests queued job items (see :class:`PollingWorker`).

    Args:
        runtime: Shared resources (taxonomy, verifier, sessions).
        poll_interval: Seconds to wait when there is no work.
        lease: How long a claimed item may go on before another worker takes it.
        on_result: Told each item's outcome once it is committed (the app's metrics).
    """

    thread_name = "credmatch-jobs"

    def __init__(
        self,
        runtime: Runtime,
        *,
        poll_interval: float = 0.5,
        lease: timedelta | None = None,
        on_result: Callable[[Accepted | Rejected], None] | None = None,
    ) -> None:
        super().__init__(runtime, poll_interval=poll_interval, lease=lease)
        self.on_result = on_result

    def run_once(self) -> bool:
        """Claim and ingest one item; returns whether there was one."""
        if self.runtime.taxonomy is None:
            return False
        context, _ = self.runtime.require_taxonomy()
        stale_before = datetime.now(UTC) - self.lease
        with unit_of_work(self.runtime.sessions) as session:
            item_id = repo.claim_job_item(session, stale_before=stale_before)
        if item_id is None:
            return False
        with unit_of_work(self.runtime.sessions) as session:
            item = repo.job_item(session, item_id)
            job = repo.job_of_item(session, item)
            result = ingest_credential(
                session,
                context,
                self.runtime.verifier,
                tenant_id=job.tenant_id,
                raw=item.raw,
                candidate_external_id=item.candidate_external_id or None,
                max_bytes=self.runtime.settings.limits.max_credential_bytes,
            )
            if isinstance(result, Accepted):
                repo.record_item_outcome(
                    session,
                    item,
                    outcome="accepted" if result.created else "duplicate",
                    credential_id=result.credential.id,
                )
            else:
                repo.record_item_outcome(
                    session,
                    item,
                    outcome="rejected",
                    quarantine_id=result.quarantine_id,
                    detail=f"{result.code}: {result.detail}",
                )
        if self.on_result is not None:
            self.on_result(result)
        return True
