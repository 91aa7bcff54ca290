"""Queries of candidate erasure and export.

Functions take an open :class:`~sqlalchemy.orm.Session` and never commit; every query filters
on the tenant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Select, delete, insert, or_, select, update
from sqlalchemy.orm import Session, undefer

from service.db.models import (
    Candidate,
    CandidateErasure,
    CandidateTag,
    Credential,
    DeclaredSkill,
    Evidence,
    IngestJob,
    IngestJobItem,
    PresentationChallenge,
    QuarantinedDocument,
    VerificationCheck,
    utcnow,
)
from service.db.registry import SQL_BATCH


def candidate_ids_with_tags(session: Session, tenant_id: int, tags: Sequence[str]) -> set[int]:
    """Ids of the tenant's candidates carrying at least one of ``tags`` (normalised)."""
    if not tags:
        return set()
    rows = session.scalars(
        select(CandidateTag.candidate_id)
        .where(CandidateTag.tenant_id == tenant_id, CandidateTag.tag.in_(list(tags)))
        .distinct()
    )
    return set(rows)


def tags_of_candidates(
    session: Session, tenant_id: int, candidate_ids: Iterable[int]
) -> dict[int, list[str]]:
    """The tenant's tags of each candidate, sorted."""
    ids = list(set(candidate_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for start in range(0, len(ids), SQL_BATCH):
        for candidate_id, tag in session.execute(
            select(CandidateTag.candidate_id, CandidateTag.tag)
            .where(
                CandidateTag.tenant_id == tenant_id,
                CandidateTag.candidate_id.in_(ids[start : start + SQL_BATCH]),
            )
            .order_by(CandidateTag.tag)
        ):
            found.setdefault(candidate_id, []).append(tag)
    return found


def replace_candidate_tags(session: Session, candidate: Candidate, tags: Sequence[str]) -> None:
    """Replace a candidate's tags (already normalised)."""
    session.execute(delete(CandidateTag).where(CandidateTag.candidate_id == candidate.id))
    if tags:
        session.execute(
            insert(CandidateTag),
            [
                {"candidate_id": candidate.id, "tenant_id": candidate.tenant_id, "tag": tag}
                for tag in tags
            ],
        )


def _credential_ids(candidate: Candidate) -> Select[Any]:
    return select(Credential.id).where(
        Credential.tenant_id == candidate.tenant_id, Credential.candidate_id == candidate.id
    )


def _quarantine_ids(tenant_id: int, external_id: str) -> Select[Any]:
    return select(QuarantinedDocument.id).where(
        QuarantinedDocument.tenant_id == tenant_id,
        QuarantinedDocument.candidate_external_id == external_id,
    )


def _deleted(session: Session, statement: Any) -> int:
    result = cast(
        CursorResult[Any],
        session.execute(statement, execution_options={"synchronize_session": False}),
    )
    return int(result.rowcount)


def delete_candidate_data(session: Session, candidate: Candidate) -> dict[str, int]:
    """Delete a candidate and every row held about them; returns rows deleted per table.

    Removed: the tenant's ingest-job lines sent for the candidate's id or that stored one of
    their credentials or quarantine entries (lines still queued are taken off their job's
    total, so the job still finishes), quarantine entries and wallet challenges issued for
    their id, verification checks, evidence, declared skills, tags, credentials with their
    raw documents, and the candidate row. The foreign keys cascade the same way; deleting
    explicitly counts the rows and does not depend on SQLite enforcing foreign keys.
    """
    tenant_id, external_id = candidate.tenant_id, candidate.external_id
    removed = {"ingestJobItems": _delete_job_items(session, candidate)}
    removed["quarantine"] = _deleted(
        session,
        delete(QuarantinedDocument).where(
            QuarantinedDocument.id.in_(_quarantine_ids(tenant_id, external_id))
        ),
    )
    removed["presentationChallenges"] = _deleted(
        session,
        delete(PresentationChallenge).where(
            PresentationChallenge.tenant_id == tenant_id,
            PresentationChallenge.candidate_external_id == external_id,
        ),
    )
    removed["verificationChecks"] = _deleted(
        session,
        delete(VerificationCheck).where(
            VerificationCheck.credential_id.in_(_credential_ids(candidate))
        ),
    )
    for name, model in (
        ("evidence", Evidence),
        ("declaredSkills", DeclaredSkill),
        ("candidateTags", CandidateTag),
    ):
        removed[name] = _deleted(
            session,
            delete(model).where(model.tenant_id == tenant_id, model.candidate_id == candidate.id),
        )
    # Credentials nested in a CLR bundle point at the bundle's row: delete them first.
    removed["credentials"] = _deleted(
        session,
        delete(Credential).where(
            Credential.tenant_id == tenant_id,
            Credential.candidate_id == candidate.id,
            Credential.bundle_id.is_not(None),
        ),
    ) + _deleted(
        session,
        delete(Credential).where(
            Credential.tenant_id == tenant_id, Credential.candidate_id == candidate.id
        ),
    )
    removed["candidates"] = _deleted(session, delete(Candidate).where(Candidate.id == candidate.id))
    session.expunge(candidate)
    return removed


def _delete_job_items(session: Session, candidate: Candidate) -> int:
    """Delete the ingest-job lines attributable to a candidate; returns how many."""
    rows = session.execute(
        select(IngestJobItem.id, IngestJobItem.job_id, IngestJobItem.state)
        .join(IngestJob, IngestJob.id == IngestJobItem.job_id)
        .where(
            IngestJob.tenant_id == candidate.tenant_id,
            or_(
                IngestJobItem.candidate_external_id == candidate.external_id,
                IngestJobItem.credential_id.in_(_credential_ids(candidate)),
                IngestJobItem.quarantine_id.in_(
                    _quarantine_ids(candidate.tenant_id, candidate.external_id)
                ),
            ),
        )
    ).all()
    ids = [item_id for item_id, _, _ in rows]
    count = 0
    for start in range(0, len(ids), SQL_BATCH):
        count += _deleted(
            session,
            delete(IngestJobItem).where(IngestJobItem.id.in_(ids[start : start + SQL_BATCH])),
        )
    unprocessed = Counter(job_id for _, job_id, state in rows if state != "done")
    for job_id, lines in unprocessed.items():
        session.execute(
            update(IngestJob).where(IngestJob.id == job_id).values(total=IngestJob.total - lines)
        )
        session.execute(
            update(IngestJob)
            .where(
                IngestJob.id == job_id,
                IngestJob.status != "done",
                IngestJob.accepted + IngestJob.duplicates + IngestJob.rejected >= IngestJob.total,
            )
            .values(status="done", finished_at=utcnow())
        )
    return count


def add_erasure(session: Session, tenant_id: int, candidate_id: int, change_seq: int) -> None:
    """Record the tombstone that makes every worker's index drop an erased candidate."""
    session.add(
        CandidateErasure(tenant_id=tenant_id, candidate_id=candidate_id, change_seq=change_seq)
    )
    session.flush()


def raw_documents(session: Session, candidate: Candidate) -> dict[int, bytes]:
    """The stored documents of a candidate's credentials, byte for byte, by credential id."""
    return dict(
        session.execute(
            select(Credential.id, Credential.raw).where(
                Credential.tenant_id == candidate.tenant_id,
                Credential.candidate_id == candidate.id,
            )
        ).all()
    )


def quarantined_for(
    session: Session, tenant_id: int, external_id: str
) -> list[QuarantinedDocument]:
    """The tenant's quarantine entries sent for a candidate id, with their documents."""
    return list(
        session.scalars(
            select(QuarantinedDocument)
            .options(undefer(QuarantinedDocument.raw))
            .where(QuarantinedDocument.id.in_(_quarantine_ids(tenant_id, external_id)))
            .order_by(QuarantinedDocument.id)
        )
    )
