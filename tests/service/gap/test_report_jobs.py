"""The gap-report worker on real databases: failures end a job, claims guard its writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from service.db import registry
from service.db.engine import unit_of_work
from service.gap import repository as gap_repo
from service.gap.jobs import MAX_ATTEMPTS, ReportRunner
from service.gap.service import GapQuery
from service.runtime import Runtime
from tests.service.conftest import Tenant

LATER = timedelta(hours=1)


def _queue(runtime: Runtime, tenant: Tenant) -> int:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        request: dict[str, Any] = msgspec.to_builtins(GapQuery())
        return gap_repo.create_report(session, tenant_id, request).id


def _row(runtime: Runtime, report_id: int) -> tuple[str, str, int, dict[str, Any] | None]:
    with unit_of_work(runtime.sessions) as session:
        row = gap_repo.report_by_id(session, report_id)
        return row.status, row.error, row.attempts, row.result


def _claim(runtime: Runtime, stale_before: datetime) -> gap_repo.Claim | None:
    with unit_of_work(runtime.sessions) as session:
        return gap_repo.claim_report(session, stale_before=stale_before, max_attempts=MAX_ATTEMPTS)


def test_a_report_that_raises_unexpectedly_is_failed_not_retried(
    runtime: Runtime,
    tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    report_id = _queue(runtime, tenant)

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr("service.gap.jobs.build_report", broken)

    assert ReportRunner(runtime).run_report() is True

    status, error, attempts, result = _row(runtime, report_id)
    assert (status, attempts, result) == ("failed", 1, None)
    assert f"gap report {report_id}" in error and "boom" not in error
    assert f"gap report {report_id} failed" in caplog.text


def test_a_worker_whose_claim_was_taken_over_cannot_write(runtime: Runtime, tenant: Tenant) -> None:
    report_id = _queue(runtime, tenant)
    first = _claim(runtime, datetime.now(UTC))
    second = _claim(runtime, datetime.now(UTC) + LATER)  # the first worker looks dead

    assert first is not None and second is not None
    assert (first.id, second.id, first.attempt, second.attempt) == (report_id, report_id, 1, 2)
    with unit_of_work(runtime.sessions) as session:
        assert not gap_repo.record_report_progress(session, first, 0.5, "skills")
        assert not gap_repo.finish_report(session, first, result=None, error="stale")
        assert gap_repo.record_report_progress(session, second, 0.5, "skills")
        assert gap_repo.finish_report(session, second, result={"done": True})
        assert not gap_repo.finish_report(session, second, result=None, error="again")
    assert _row(runtime, report_id) == ("done", "", 2, {"done": True})


def test_a_report_whose_worker_keeps_dying_is_failed_after_the_last_attempt(
    runtime: Runtime, tenant: Tenant
) -> None:
    report_id = _queue(runtime, tenant)
    claims = [_claim(runtime, datetime.now(UTC) + LATER) for _ in range(MAX_ATTEMPTS)]

    given_up = _claim(runtime, datetime.now(UTC) + LATER)

    assert [c.attempt for c in claims if c is not None] == list(range(1, MAX_ATTEMPTS + 1))
    assert given_up is None
    status, error, attempts, _ = _row(runtime, report_id)
    assert (status, attempts) == ("failed", MAX_ATTEMPTS)
    assert f"gave up after {MAX_ATTEMPTS} attempts" in error
