"""Database queries of job postings, posting uploads and gap reports.

Like :mod:`service.db.repositories`: functions take an open session, never commit, and every
tenant-owned query filters on the tenant. Report inputs are read as plain column tuples (no
ORM objects): a report reads hundreds of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import Select, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.db.models import (
    BroaderRelation,
    Candidate,
    Credential,
    Evidence,
    GapReportRow,
    JobPosting,
    Occupation,
    OccupationSkill,
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

    ``skills`` rows are (skill id, strength, confidence, phrase).
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
    """
    now = utcnow()
    for values in postings:
        fields = {
            "content_hash": values.content_hash,
            "title": values.title,
            "description": values.description,
            "posted_at": values.posted_at,
            "location": values.location,
            "occupation_code": values.occupation_code,
            "occupation_id": values.occupation_id,
            "taxonomy_id": taxonomy_id,
            "model": model,
            "updated_at": now,
        }
        posting_id = replace_ids.get(values.external_id)
        if posting_id is not None:
            session.execute(update(JobPosting).where(JobPosting.id == posting_id).values(fields))
            session.execute(delete(PostingSkill).where(PostingSkill.posting_id == posting_id))
        else:
            posting_id = session.scalar(
                insert(JobPosting)
                .values(
                    tenant_id=tenant_id, external_id=values.external_id, created_at=now, **fields
                )
                .returning(JobPosting.id)
            )
        if values.skills:
            session.execute(
                insert(PostingSkill),
                [
                    {
                        "tenant_id": tenant_id,
                        "posting_id": posting_id,
                        "skill_id": skill_id,
                        "strength": strength,
                        "confidence": confidence,
                        "phrase": phrase,
                    }
                    for skill_id, strength, confidence, phrase in values.skills
                ],
            )
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


def _claim(session: Session, model: Any, stale_before: datetime) -> int | None:
    """Claim the oldest queued row of a job table (or one whose claim went stale).

    The conditional update makes the claim safe when several workers poll one database.
    """
    claimable = or_(
        model.status == "queued",
        (model.status == "running") & (model.claimed_at < stale_before),
    )
    found = session.scalar(select(model.id).where(claimable).order_by(model.id).limit(1))
    if found is None:
        return None
    claimed = session.execute(
        update(model)
        .where(model.id == found, claimable)
        .values(status="running", claimed_at=utcnow())
    )
    return int(found) if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def claim_upload(session: Session, *, stale_before: datetime) -> int | None:
    """Claim a queued posting upload; returns its id."""
    return _claim(session, PostingUpload, stale_before)


def upload_by_id(session: Session, upload_id: int) -> PostingUpload:
    """An upload by id (any tenant: for the worker)."""
    upload = session.get(PostingUpload, upload_id)
    if upload is None:
        raise LookupError(f"no posting upload {upload_id}")
    return upload


def record_upload_progress(
    session: Session, upload_id: int, *, processed: int, summary: dict[str, Any]
) -> None:
    """Record how far an upload got (and keep its claim fresh)."""
    session.execute(
        update(PostingUpload)
        .where(PostingUpload.id == upload_id)
        .values(processed=processed, summary=summary, claimed_at=utcnow())
    )


def finish_upload(
    session: Session, upload_id: int, *, status: str, summary: dict[str, Any], error: str = ""
) -> None:
    """Mark an upload done (or failed) with its summary."""
    session.execute(
        update(PostingUpload)
        .where(PostingUpload.id == upload_id)
        .values(status=status, summary=summary, error=error, finished_at=utcnow())
    )


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


def claim_report(session: Session, *, stale_before: datetime) -> int | None:
    """Claim a queued report; returns its id."""
    return _claim(session, GapReportRow, stale_before)


def report_by_id(session: Session, report_id: int) -> GapReportRow:
    """A report by id (any tenant: for the worker)."""
    row = session.get(GapReportRow, report_id)
    if row is None:
        raise LookupError(f"no gap report {report_id}")
    return row


def record_report_progress(session: Session, report_id: int, progress: float, stage: str) -> None:
    """Record a report's progress (and keep its claim fresh)."""
    session.execute(
        update(GapReportRow)
        .where(GapReportRow.id == report_id)
        .values(progress=progress, stage=stage[:40], claimed_at=utcnow())
    )


def finish_report(
    session: Session, report_id: int, *, result: dict[str, Any] | None, error: str = ""
) -> None:
    """Store a report's result (done) or its error (failed)."""
    session.execute(
        update(GapReportRow)
        .where(GapReportRow.id == report_id)
        .values(
            status="failed" if result is None else "done",
            result=result,
            error=error,
            progress=1.0 if result is not None else GapReportRow.progress,
            stage="done" if result is not None else "failed",
            finished_at=utcnow(),
        )
    )


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


def posting_rows(
    session: Session, tenant_id: int, scope: PostingScope
) -> list[tuple[int, datetime | None, int | None, str]]:
    """(posting id, posted at, occupation id, occupation code) of the postings in scope."""
    statement = _scoped(
        select(
            JobPosting.id,
            JobPosting.posted_at,
            JobPosting.occupation_id,
            JobPosting.occupation_code,
        ),
        tenant_id,
        scope,
    ).order_by(JobPosting.id)
    return [(pid, posted, oid, code) for pid, posted, oid, code in session.execute(statement)]


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


def candidate_ids(session: Session, tenant_id: int) -> list[int]:
    """Every candidate id of a tenant, ascending."""
    return list(
        session.scalars(
            select(Candidate.id).where(Candidate.tenant_id == tenant_id).order_by(Candidate.id)
        )
    )


CredentialRow = tuple[int, int, str, datetime | None, datetime | None, str, str]
"""(credential id, candidate id, issuer id, valid from, valid until, status outcome, tags)."""


def verified_credentials(session: Session, tenant_id: int) -> list[CredentialRow]:
    """The tenant's verified credentials as column tuples."""
    return [
        (cid, candidate, issuer, valid_from, valid_until, status, tags)
        for cid, candidate, issuer, valid_from, valid_until, status, tags in session.execute(
            select(
                Credential.id,
                Credential.candidate_id,
                Credential.issuer_id,
                Credential.valid_from,
                Credential.valid_until,
                Credential.status_outcome,
                Credential.tags,
            ).where(Credential.tenant_id == tenant_id, Credential.verified.is_(True))
        )
    ]


EvidenceRow = tuple[int, int, int, float, str, str]
"""(credential id, candidate id, skill id, confidence, achievement id, achievement name)."""


def evidence_rows(session: Session, tenant_id: int) -> list[EvidenceRow]:
    """Every evidence row of the tenant's verified credentials."""
    return [
        (credential, candidate, skill, confidence, achievement, name)
        for credential, candidate, skill, confidence, achievement, name in session.execute(
            select(
                Evidence.credential_id,
                Evidence.candidate_id,
                Evidence.skill_id,
                Evidence.confidence,
                Evidence.achievement_id,
                Evidence.achievement_name,
            )
            .join(Credential, Credential.id == Evidence.credential_id)
            .where(Evidence.tenant_id == tenant_id, Credential.verified.is_(True))
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


def occupations_with_essentials(
    session: Session, occupation_ids: Sequence[int]
) -> dict[int, tuple[str, str, str, list[int]]]:
    """Occupation id -> (URI, code, preferred label, essential skill ids)."""
    if not occupation_ids:
        return {}
    found: dict[int, tuple[str, str, str, list[int]]] = {
        oid: (uri, code, label, [])
        for oid, uri, code, label in session.execute(
            select(
                Occupation.id, Occupation.uri, Occupation.code, Occupation.preferred_label
            ).where(Occupation.id.in_(list(occupation_ids)))
        )
    }
    for oid, skill_id in session.execute(
        select(OccupationSkill.occupation_id, OccupationSkill.skill_id)
        .where(
            OccupationSkill.occupation_id.in_(list(occupation_ids)),
            OccupationSkill.relation == "essential",
        )
        .order_by(OccupationSkill.id)
    ):
        found[oid][3].append(skill_id)
    return found


def stored_postings_keys(session: Session, tenant_id: int) -> list[str]:
    """External ids of a tenant's postings, oldest first."""
    return list(
        session.scalars(
            select(JobPosting.external_id)
            .where(JobPosting.tenant_id == tenant_id)
            .order_by(JobPosting.id)
        )
    )
