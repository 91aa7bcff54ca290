"""Database queries of job postings, posting uploads and gap reports.

Like :mod:`service.db.repositories`: functions take an open session, never commit, and every
tenant-owned query filters on the tenant. Report inputs are read as plain column tuples (no
ORM objects): a report reads hundreds of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.db.models import (
    BroaderRelation,
    Candidate,
    CandidateTag,
    Credential,
    Evidence,
    GapReportRow,
    JobPosting,
    Occupation,
    PostingSkill,
    PostingUpload,
    Skill,
    SkillCollectionMember,
    SkillGroup,
    utcnow,
)

_CHUNK = 5000
_Columns = TypeVarTuple("_Columns")


# Postings


@dataclass(frozen=True, slots=True)
class PostingValues:
    """A posting ready to store, with the skills read from it.

    ``skills`` rows are (skill id, strength, confidence, phrase); ``ignored`` holds the text
    left unread (``text``, ``start``, ``end``, ``reason``); ``title_occupation`` is the
    occupation whose title is closest to the posting's and the cosine (see
    :data:`service.gap.postings.TitleReading`).
    """

    external_id: str
    content_hash: str
    title: str
    description: str
    posted_at: datetime | None
    location: str
    occupation_code: str
    occupation_id: int | None
    skills: Sequence[tuple[int, str, float, str]]
    ignored: Sequence[dict[str, Any]] = ()
    title_occupation: tuple[int | None, float | None] = (None, None)


def stored_postings(
    session: Session, tenant_id: int, external_ids: Iterable[str]
) -> dict[str, tuple[int, str]]:
    """(posting id, content hash) of the tenant's postings with these external ids."""
    wanted = list(set(external_ids))
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(JobPosting.external_id, JobPosting.id, JobPosting.content_hash).where(
                JobPosting.tenant_id == tenant_id,
                JobPosting.external_id.in_(wanted[start : start + _CHUNK]),
            )
        )
        found.update({external_id: (pid, digest) for external_id, pid, digest in rows})
    return found


def save_postings(
    session: Session,
    tenant_id: int,
    *,
    taxonomy_id: int,
    model: str,
    postings: Sequence[PostingValues],
    replace_ids: dict[str, int],
) -> None:
    """Insert new postings, or replace the ones named in ``replace_ids`` (external id -> id).

    A replaced posting keeps its id; its skills are read again and replace the old ones.
    New postings and all the skills go in multi-row inserts (one round trip per few
    hundred rows, not one per posting).
    """
    if not postings:
        return
    now = utcnow()
    new_rows: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    for values in postings:
        fields = {
            "content_hash": values.content_hash,
            "title": values.title,
            "description": values.description,
            "posted_at": values.posted_at,
            "location": values.location,
            "occupation_code": values.occupation_code,
            "occupation_id": values.occupation_id,
            "ignored": list(values.ignored),
            "title_occupation_id": values.title_occupation[0],
            "title_similarity": values.title_occupation[1],
            "taxonomy_id": taxonomy_id,
            "model": model,
            "updated_at": now,
        }
        posting_id = replace_ids.get(values.external_id)
        if posting_id is None:
            new_rows.append(
                {"tenant_id": tenant_id, "external_id": values.external_id, "created_at": now}
                | fields
            )
            continue
        ids[values.external_id] = posting_id
        session.execute(update(JobPosting).where(JobPosting.id == posting_id).values(fields))
    if ids:
        session.execute(delete(PostingSkill).where(PostingSkill.posting_id.in_(list(ids.values()))))
    if new_rows:
        inserted = session.execute(
            insert(JobPosting).returning(JobPosting.external_id, JobPosting.id), new_rows
        )
        ids.update({external_id: int(pid) for external_id, pid in inserted})
    skill_rows = [
        {
            "tenant_id": tenant_id,
            "posting_id": ids[values.external_id],
            "skill_id": skill_id,
            "strength": strength,
            "confidence": confidence,
            "phrase": phrase,
        }
        for values in postings
        for skill_id, strength, confidence, phrase in values.skills
    ]
    if skill_rows:
        session.execute(insert(PostingSkill), skill_rows)
    session.flush()


def occupation_keys(session: Session, taxonomy_id: int) -> list[tuple[int, str, str]]:
    """(id, URI, code) of every occupation of a release."""
    return [
        (oid, uri, code)
        for oid, uri, code in session.execute(
            select(Occupation.id, Occupation.uri, Occupation.code)
            .where(Occupation.taxonomy_id == taxonomy_id)
            .order_by(Occupation.id)
        )
    ]


def count_postings(session: Session, tenant_id: int) -> int:
    """How many postings a tenant holds."""
    return int(
        session.scalar(
            select(func.count()).select_from(JobPosting).where(JobPosting.tenant_id == tenant_id)
        )
        or 0
    )


def posting_skills_of(session: Session, tenant_id: int, external_id: str) -> list[PostingSkill]:
    """The stored skills of one posting, by its external id."""
    return list(
        session.scalars(
            select(PostingSkill)
            .join(JobPosting, JobPosting.id == PostingSkill.posting_id)
            .where(JobPosting.tenant_id == tenant_id, JobPosting.external_id == external_id)
            .order_by(PostingSkill.id)
        )
    )


def posting_by_external_id(session: Session, tenant_id: int, external_id: str) -> JobPosting | None:
    """A tenant's posting by its external id."""
    return session.scalar(
        select(JobPosting).where(
            JobPosting.tenant_id == tenant_id, JobPosting.external_id == external_id
        )
    )


# Posting uploads (background)


def create_upload(
    session: Session, tenant_id: int, media_type: str, body: bytes, total: int
) -> PostingUpload:
    """Store an upload to import in the background."""
    upload = PostingUpload(
        tenant_id=tenant_id, media_type=media_type, body=body, total=total, summary={}
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, tenant_id: int, upload_id: int) -> PostingUpload | None:
    """A tenant's upload."""
    return session.scalar(
        select(PostingUpload).where(
            PostingUpload.tenant_id == tenant_id, PostingUpload.id == upload_id
        )
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """A worker's hold on a job row: the row and the claim's number (its ``attempts``).

    Progress and results are written only while the row still carries that number, so a
    worker whose claim went stale and was taken over cannot overwrite the new one's work.
    """

    id: int
    attempt: int


def _claim(session: Session, model: Any, stale_before: datetime, max_attempts: int) -> Claim | None:
    """Claim the oldest queued row of a job table (or one whose claim went stale).

    The conditional update makes the claim safe when several workers poll one database. A
    row already claimed ``max_attempts`` times whose claim went stale again (the worker died
    each time: a crash, an out-of-memory kill) is marked failed instead of claimed again.
    """
    claimable = or_(
        model.status == "queued",
        (model.status == "running") & (model.claimed_at < stale_before),
    )
    found = session.execute(
        select(model.id, model.attempts).where(claimable).order_by(model.id).limit(1)
    ).first()
    if found is None:
        return None
    job_id, attempts = int(found[0]), int(found[1])
    unchanged = (model.id == job_id) & claimable & (model.attempts == attempts)
    if attempts >= max_attempts:
        given_up: dict[str, Any] = {
            "status": "failed",
            "error": f"gave up after {attempts} attempts: the worker stopped each time",
            "finished_at": utcnow(),
        }
        if model is GapReportRow:
            given_up["stage"] = "failed"
        session.execute(update(model).where(unchanged).values(given_up))
        return None
    claimed = session.execute(
        update(model)
        .where(unchanged)
        .values(status="running", claimed_at=utcnow(), attempts=attempts + 1)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return Claim(id=job_id, attempt=attempts + 1)


def _held(model: Any, claim: Claim) -> Any:
    """The condition that the claim still holds the row."""
    return (model.id == claim.id) & (model.attempts == claim.attempt) & (model.status == "running")


def claim_upload(session: Session, *, stale_before: datetime, max_attempts: int) -> Claim | None:
    """Claim a queued posting upload (see :func:`_claim`)."""
    return _claim(session, PostingUpload, stale_before, max_attempts)


def upload_by_id(session: Session, upload_id: int) -> PostingUpload:
    """An upload by id (any tenant: for the worker)."""
    upload = session.get(PostingUpload, upload_id)
    if upload is None:
        raise LookupError(f"no posting upload {upload_id}")
    return upload


def record_upload_progress(
    session: Session, claim: Claim, *, processed: int, summary: dict[str, Any]
) -> bool:
    """Record how far an upload got (and keep its claim fresh); False if the claim was lost."""
    updated = session.execute(
        update(PostingUpload)
        .where(_held(PostingUpload, claim))
        .values(processed=processed, summary=summary, claimed_at=utcnow())
    )
    return bool(updated.rowcount == 1)  # type: ignore[attr-defined]


def finish_upload(
    session: Session,
    claim: Claim,
    *,
    status: str,
    summary: dict[str, Any] | None = None,
    error: str = "",
) -> bool:
    """Mark an upload done (or failed), with its summary when given; False if the claim was lost."""
    values: dict[str, Any] = {"status": status, "error": error, "finished_at": utcnow()}
    if summary is not None:
        values["summary"] = summary
    updated = session.execute(
        update(PostingUpload).where(_held(PostingUpload, claim)).values(values)
    )
    return bool(updated.rowcount == 1)  # type: ignore[attr-defined]


# Gap reports


def create_report(
    session: Session,
    tenant_id: int,
    request: dict[str, Any],
    *,
    status: str = "queued",
    result: dict[str, Any] | None = None,
) -> GapReportRow:
    """Store a report request (queued), or a finished report."""
    done = status == "done"
    row = GapReportRow(
        tenant_id=tenant_id,
        status=status,
        request=request,
        result=result,
        progress=1.0 if done else 0.0,
        stage="done" if done else "",
        finished_at=utcnow() if done else None,
    )
    session.add(row)
    session.flush()
    return row


def get_report(session: Session, tenant_id: int, report_id: int) -> GapReportRow | None:
    """A tenant's report."""
    return session.scalar(
        select(GapReportRow).where(
            GapReportRow.tenant_id == tenant_id, GapReportRow.id == report_id
        )
    )


def claim_report(session: Session, *, stale_before: datetime, max_attempts: int) -> Claim | None:
    """Claim a queued report (see :func:`_claim`)."""
    return _claim(session, GapReportRow, stale_before, max_attempts)


def report_by_id(session: Session, report_id: int) -> GapReportRow:
    """A report by id (any tenant: for the worker)."""
    row = session.get(GapReportRow, report_id)
    if row is None:
        raise LookupError(f"no gap report {report_id}")
    return row


def record_report_progress(session: Session, claim: Claim, progress: float, stage: str) -> bool:
    """Record a report's progress (and keep its claim fresh); False if the claim was lost."""
    updated = session.execute(
        update(GapReportRow)
        .where(_held(GapReportRow, claim))
        .values(progress=progress, stage=stage[:40], claimed_at=utcnow())
    )
    return bool(updated.rowcount == 1)  # type: ignore[attr-defined]


def finish_report(
    session: Session, claim: Claim, *, result: dict[str, Any] | None, error: str = ""
) -> bool:
    """Store a report's result (done) or its error (failed); False if the claim was lost."""
    updated = session.execute(
        update(GapReportRow)
        .where(_held(GapReportRow, claim))
        .values(
            status="failed" if result is None else "done",
            result=result,
            error=error,
            progress=1.0 if result is not None else GapReportRow.progress,
            stage="done" if result is not None else "failed",
            finished_at=utcnow(),
        )
    )
    return bool(updated.rowcount == 1)  # type: ignore[attr-defined]


# Report inputs


@dataclass(frozen=True, slots=True)
class PostingScope:
    """Which of a tenant's postings a report reads."""

    posted_after: datetime | None = None
    posted_before: datetime | None = None
    locations: Sequence[str] = ()
    occupations: Sequence[str] = ()


def _scoped(statement: Select[*_Columns], tenant_id: int, scope: PostingScope) -> Select[*_Columns]:
    statement = statement.where(JobPosting.tenant_id == tenant_id)
    if scope.posted_after is not None:
        statement = statement.where(JobPosting.posted_at >= scope.posted_after)
    if scope.posted_before is not None:
        statement = statement.where(JobPosting.posted_at < scope.posted_before)
    if scope.locations:
        statement = statement.where(JobPosting.location.in_(list(scope.locations)))
    if scope.occupations:
        statement = statement.where(JobPosting.occupation_code.in_(list(scope.occupations)))
    return statement


@dataclass(frozen=True, slots=True)
class PostingRow:
    """What a report reads of a posting besides its skills."""

    id: int
    posted_at: datetime | None
    occupation_id: int | None
    occupation_code: str
    title_occupation_id: int | None
    title_similarity: float | None


def posting_rows(session: Session, tenant_id: int, scope: PostingScope) -> list[PostingRow]:
    """The postings in scope, by id."""
    statement = _scoped(
        select(
            JobPosting.id,
            JobPosting.posted_at,
            JobPosting.occupation_id,
            JobPosting.occupation_code,
            JobPosting.title_occupation_id,
            JobPosting.title_similarity,
        ),
        tenant_id,
        scope,
    ).order_by(JobPosting.id)
    return [PostingRow(*row) for row in session.execute(statement)]


def postings_without_title_reading(
    session: Session, taxonomy_id: int, limit: int
) -> list[tuple[int, str]]:
    """(id, title) of postings read with this release whose title was never read."""
    rows = session.execute(
        select(JobPosting.id, JobPosting.title)
        .where(JobPosting.taxonomy_id == taxonomy_id, JobPosting.title_similarity.is_(None))
        .order_by(JobPosting.id)
        .limit(limit)
    )
    return [(posting_id, title) for posting_id, title in rows]


def store_title_readings(
    session: Session, readings: Sequence[tuple[int, int | None, float | None]]
) -> None:
    """Store (posting id, title occupation id, cosine) of postings read again."""
    if readings:
        session.execute(
            update(JobPosting),
            [
                {"id": pid, "title_occupation_id": oid, "title_similarity": cosine}
                for pid, oid, cosine in readings
            ],
        )


def occupation_by_id(session: Session, occupation_id: int) -> Occupation | None:
    """An occupation row, or None."""
    return session.get(Occupation, occupation_id)


def posting_skill_rows(
    session: Session, tenant_id: int, scope: PostingScope
) -> list[tuple[int, int, str]]:
    """(posting id, skill id, strength) of the postings in scope."""
    statement = _scoped(
        select(PostingSkill.posting_id, PostingSkill.skill_id, PostingSkill.strength).join(
            JobPosting, JobPosting.id == PostingSkill.posting_id
        ),
        tenant_id,
        scope,
    ).where(PostingSkill.tenant_id == tenant_id)
    return [(pid, sid, strength) for pid, sid, strength in session.execute(statement)]


_STREAM_ROWS = 10_000
"""Rows fetched at a time from the large report inputs (credentials, evidence)."""


def _with_candidate_tags(
    statement: Select[*_Columns], column: Any, tenant_id: int, candidate_tags: Sequence[str]
) -> Select[*_Columns]:
    if not candidate_tags:
        return statement
    tagged = select(CandidateTag.candidate_id).where(
        CandidateTag.tenant_id == tenant_id, CandidateTag.tag.in_(list(candidate_tags))
    )
    return statement.where(column.in_(tagged))


def count_candidates(session: Session, tenant_id: int, candidate_tags: Sequence[str] = ()) -> int:
    """How many candidates a tenant holds (those carrying one of ``candidate_tags``, if any)."""
    statement = _with_candidate_tags(
        select(func.count()).select_from(Candidate).where(Candidate.tenant_id == tenant_id),
        Candidate.id,
        tenant_id,
        candidate_tags,
    )
    return int(session.scalar(statement) or 0)


@dataclass(frozen=True, slots=True)
class CredentialScope:
    """Which credentials can count for a report, as far as SQL can tell.

    Verified, not expired at ``now``, issued on or after ``issued_after`` (when set) and held
    by a candidate carrying one of ``candidate_tags`` (when any). Issuer and achievement
    tag conditions, trust and status weights are applied by the caller.
    """

    now: datetime
    issued_after: datetime | None = None
    candidate_tags: Sequence[str] = ()


def _counted(
    statement: Select[*_Columns], tenant_id: int, scope: CredentialScope
) -> Select[*_Columns]:
    statement = statement.where(
        Credential.tenant_id == tenant_id,
        Credential.verified.is_(True),
        or_(Credential.valid_until.is_(None), Credential.valid_until > scope.now),
    )
    if scope.issued_after is not None:
        statement = statement.where(Credential.valid_from >= scope.issued_after)
    return _with_candidate_tags(statement, Credential.candidate_id, tenant_id, scope.candidate_tags)


CredentialRow = tuple[int, int, str, datetime | None, datetime | None, str, str]
"""(credential id, candidate id, issuer id, valid from, valid until, status outcome, tags)."""


def counted_credentials(
    session: Session, tenant_id: int, scope: CredentialScope
) -> Iterator[CredentialRow]:
    """The tenant's credentials in scope as column tuples, streamed."""
    statement = _counted(
        select(
            Credential.id,
            Credential.candidate_id,
            Credential.issuer_id,
            Credential.valid_from,
            Credential.valid_until,
            Credential.status_outcome,
            Credential.tags,
        ),
        tenant_id,
        scope,
    ).execution_options(yield_per=_STREAM_ROWS)
    with session.execute(statement) as rows:  # closes a server-side cursor left unread
        yield from rows


EvidenceRow = tuple[int, int, int, float, str, str]
"""(credential id, candidate id, skill id, confidence, achievement id, achievement name)."""


def counted_evidence(
    session: Session, tenant_id: int, scope: CredentialScope
) -> Iterator[EvidenceRow]:
    """The evidence rows of the tenant's credentials in scope, streamed."""
    statement = _counted(
        select(
            Evidence.credential_id,
            Evidence.candidate_id,
            Evidence.skill_id,
            Evidence.confidence,
            Evidence.achievement_id,
            Evidence.achievement_name,
        ).join(Credential, Credential.id == Evidence.credential_id),
        tenant_id,
        scope,
    ).where(Evidence.tenant_id == tenant_id)
    with session.execute(statement.execution_options(yield_per=_STREAM_ROWS)) as rows:
        yield from rows


def achievement_skills(session: Session, tenant_id: int) -> list[tuple[str, str, int, str]]:
    """(achievement id, achievement name, skill id, issuer id) seen in verified credentials.

    One row per distinct combination, in the order first seen (by evidence row).
    """
    first_seen = func.min(Evidence.id)
    return [
        (achievement or "", name or "", skill, issuer)
        for achievement, name, skill, issuer, _ in session.execute(
            select(
                Evidence.achievement_id,
                Evidence.achievement_name,
                Evidence.skill_id,
                Credential.issuer_id,
                first_seen,
            )
            .join(Credential, Credential.id == Evidence.credential_id)
            .where(Evidence.tenant_id == tenant_id, Credential.verified.is_(True))
            .group_by(
                Evidence.achievement_id,
                Evidence.achievement_name,
                Evidence.skill_id,
                Credential.issuer_id,
            )
            .order_by(first_seen)
        )
    ]


def issuer_names(session: Session, tenant_id: int) -> dict[str, str]:
    """Issuer id -> the name the tenant's credentials give it."""
    return {
        issuer: name
        for issuer, name in session.execute(
            select(Credential.issuer_id, Credential.issuer_name)
            .where(Credential.tenant_id == tenant_id)
            .distinct()
        )
        if name
    }


def skill_rows(session: Session, skill_ids: Iterable[int]) -> list[tuple[int, str, str, str, str]]:
    """(id, URI, preferred label, skill type, reuse level) of skills."""
    ids = sorted(set(skill_ids))
    rows: list[tuple[int, str, str, str, str]] = []
    for start in range(0, len(ids), _CHUNK):
        rows.extend(
            (sid, uri, label, kind, reuse)
            for sid, uri, label, kind, reuse in session.execute(
                select(
                    Skill.id, Skill.uri, Skill.preferred_label, Skill.skill_type, Skill.reuse_level
                ).where(Skill.id.in_(ids[start : start + _CHUNK]))
            )
        )
    return rows


def hierarchy(session: Session, taxonomy_id: int) -> list[tuple[str, str]]:
    """(narrower URI, broader URI) of every hierarchy edge of a release."""
    return [
        (narrower, broader)
        for narrower, broader in session.execute(
            select(BroaderRelation.narrower_uri, BroaderRelation.broader_uri)
            .where(BroaderRelation.taxonomy_id == taxonomy_id)
            .order_by(BroaderRelation.id)
        )
    ]


def skill_groups(session: Session, taxonomy_id: int) -> list[tuple[str, str, str]]:
    """(URI, code, preferred label) of every skill group of a release."""
    return [
        (uri, code, label)
        for uri, code, label in session.execute(
            select(SkillGroup.uri, SkillGroup.code, SkillGroup.preferred_label).where(
                SkillGroup.taxonomy_id == taxonomy_id
            )
        )
    ]


def collection_members(session: Session, taxonomy_id: int, collection: str) -> set[int]:
    """Ids of the skills in a named collection of a release."""
    return set(
        session.scalars(
            select(SkillCollectionMember.skill_id).where(
                SkillCollectionMember.taxonomy_id == taxonomy_id,
                SkillCollectionMember.collection == collection,
            )
        )
    )


def occupations_by_id(
    session: Session, occupation_ids: Sequence[int]
) -> dict[int, tuple[str, str, str]]:
    """Occupation id -> (URI, code, preferred label)."""
    if not occupation_ids:
        return {}
    return {
        oid: (uri, code, label)
        for oid, uri, code, label in session.execute(
            select(
                Occupation.id, Occupation.uri, Occupation.code, Occupation.preferred_label
            ).where(Occupation.id.in_(list(occupation_ids)))
        )
    }


def stored_postings_keys(session: Session, tenant_id: int) -> list[str]:
    """External ids of a tenant's postings, oldest first."""
    return list(
        session.scalars(
            select(JobPosting.external_id)
            .where(JobPosting.tenant_id == tenant_id)
            .order_by(JobPosting.id)
        )
    )
