"""Conversions from posting uploads and gap reports to wire Structs."""

from __future__ import annotations

from typing import Literal, cast

from service.gap import schemas as s
from service.gap.jobs import StoredReport
from service.gap.postings import ImportSummary, QueuedUpload, RowProblem, StoredPosting
from service.gap.render import available_charts
from service.taxonomy.views import ignored_text_out as ignored_out
from service.taxonomy.views import occupation_ref, skill_ref

Status = Literal["queued", "running", "done", "failed"]


def _problems(problems: list[RowProblem]) -> list[s.RowProblemOut]:
    return [s.RowProblemOut(row=p.row, field=p.field, reason=p.reason) for p in problems]


def posting_out(stored: StoredPosting) -> s.PostingOut:
    """A stored posting on the wire."""
    posting = stored.posting
    return s.PostingOut(
        external_id=posting.external_id,
        title=posting.title,
        posted_at=posting.posted_at,
        location=posting.location,
        occupation=posting.occupation_code,
        model=posting.model,
        skills=[
            s.PostingSkillOut(
                skill=skill_ref(skill),
                strength=cast("Literal['must', 'nice']", strength),
                confidence=round(confidence, 4),
                phrase=phrase,
            )
            for skill, strength, confidence, phrase in stored.skills
        ],
        ignored=[ignored_out(item) for item in posting.ignored],
        title_occupation=(
            s.TitleOccupationOut(
                occupation=occupation_ref(stored.title_occupation),
                similarity=round(posting.title_similarity or 0.0, 4),
            )
            if stored.title_occupation is not None
            else None
        ),
    )


def upload_out(outcome: ImportSummary | QueuedUpload) -> s.PostingUploadOut:
    """An upload's counts (imported now), or its background progress."""
    if isinstance(outcome, ImportSummary):
        summary, status, total, processed = outcome, "done", outcome.total, outcome.total
        upload_id, error = None, ""
    else:
        summary = outcome.summary or ImportSummary()
        status, total, processed = outcome.status, outcome.total, outcome.processed
        upload_id, error = outcome.id, outcome.error
    return s.PostingUploadOut(
        id=upload_id,
        status=cast(Status, status),
        total=total,
        processed=processed,
        accepted=summary.accepted,
        created=summary.created,
        updated=summary.updated,
        duplicates=summary.duplicates,
        rejected=summary.rejected,
        without_skills=summary.without_skills,
        errors=_problems(summary.errors),
        warnings=_problems(summary.warnings),
        error=error,
    )


def report_out(stored: StoredReport) -> s.GapReportOut:
    """A report with its links (the charts once it is done)."""
    base = f"/v1/reports/{stored.id}"
    charts = available_charts(stored.report) if stored.report is not None else []
    return s.GapReportOut(
        id=stored.id,
        status=cast(Status, stored.status),
        progress=round(stored.progress, 4),
        stage=stored.stage,
        created_at=stored.created_at,
        finished_at=stored.finished_at,
        error=stored.error,
        links=s.ReportLinksOut(
            self=base,
            html=f"{base}?format=html",
            csv=f"{base}?format=csv",
            charts=[f"{base}/charts/{name}.png" for name in charts],
        ),
        report=stored.report,
    )
