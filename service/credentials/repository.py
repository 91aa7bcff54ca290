"""SQL of credentials: stored documents, checks, evidence, mapping cache, quarantine, jobs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from service.db.models import (
    AchievementMapping,
    Credential,
    DeclaredSkill,
    Evidence,
    IngestJob,
    IngestJobItem,
    QuarantinedDocument,
    VerificationCheck,
    utcnow,
)
from service.db.registry import SQL_BATCH, _bulk, _insert_unless_conflict


def find_existing_credential(
    session: Session, tenant_id: int, content_hash: str, document_id: str | None
) -> Credential | None:
    """A stored credential with the same content, or the same document id."""
    condition = Credential.content_hash == content_hash
    if document_id:
        condition = or_(condition, Credential.document_id == document_id)
    return session.scalar(
        select(Credential).where(Credential.tenant_id == tenant_id, condition).limit(1)
    )


def stored_content_hashes(session: Session, tenant_id: int, hashes: Sequence[str]) -> set[str]:
    """Which of these content hashes a tenant already stores."""
    if not hashes:
        return set()
    return set(
        session.scalars(
            select(Credential.content_hash).where(
                Credential.tenant_id == tenant_id, Credential.content_hash.in_(set(hashes))
            )
        )
    )


def add_credential(
    session: Session, credential: Credential, checks: Sequence[VerificationCheck]
) -> Credential | None:
    """Store a credential (given unsaved) and its verification checks.

    Returns:
        The stored credential; None when the same document (content or credential id) was
        stored concurrently by another transaction (nothing is added then).
    """
    values = {
        column.key: getattr(credential, column.key)
        for column in Credential.__table__.columns
        if column.key != "id" and getattr(credential, column.key) is not None
    }
    new_id = _insert_unless_conflict(session, Credential, values)
    if new_id is None:
        return None
    stored = session.get(Credential, new_id)
    if stored is None:
        raise RuntimeError(f"credential {new_id} inserted but not found")
    for check in checks:
        check.credential_id = stored.id
    session.add_all(checks)
    session.flush()
    return stored


def checks_of(
    session: Session, credential_ids: Iterable[int]
) -> dict[int, list[VerificationCheck]]:
    """Verification checks grouped by credential id."""
    ids = list(set(credential_ids))
    grouped: dict[int, list[VerificationCheck]] = {i: [] for i in ids}
    if not ids:
        return grouped
    rows = session.scalars(
        select(VerificationCheck)
        .where(VerificationCheck.credential_id.in_(ids))
        .order_by(VerificationCheck.id)
    )
    for row in rows:
        grouped[row.credential_id].append(row)
    return grouped


def add_evidence(session: Session, rows: Sequence[Evidence]) -> None:
    """Store evidence rows."""
    session.add_all(rows)
    session.flush()


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """Evidence joined with the credential that proves it."""

    evidence: Evidence
    credential: Credential


def evidence_of_candidates(
    session: Session,
    tenant_id: int,
    candidate_ids: Iterable[int],
    *,
    skill_ids: Iterable[int] | None = None,
) -> dict[int, list[EvidenceView]]:
    """Evidence (with credentials) grouped by candidate id; only of ``skill_ids`` if given."""
    ids = list(set(candidate_ids))
    grouped: dict[int, list[EvidenceView]] = {i: [] for i in ids}
    if not ids:
        return grouped
    wanted = None if skill_ids is None else set(skill_ids)
    if wanted is not None and not wanted:
        return grouped
    # The skills are filtered here, not in SQL: with both conditions SQLite chose the
    # (tenant, skill) index and walked every holder of the skills (40 ms at a million
    # candidates) instead of the page's few candidates.
    rows = session.execute(
        select(Evidence, Credential)
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(Evidence.tenant_id == tenant_id, Evidence.candidate_id.in_(ids))
        .order_by(Evidence.id)
    )
    for evidence, credential in rows:
        if wanted is None or evidence.skill_id in wanted:
            grouped[evidence.candidate_id].append(EvidenceView(evidence, credential))
    return grouped


class EvidenceFact(NamedTuple):
    """One verified evidence row with what filters and strengths need, without ORM objects."""

    evidence_id: int
    candidate_id: int
    skill_id: int
    confidence: float
    status_outcome: str
    valid_from: datetime | None
    valid_until: datetime | None
    received_at: datetime
    issuer_id: str
    tags: str


def verified_evidence_facts(
    session: Session, tenant_id: int, skill_ids: Sequence[int]
) -> list[EvidenceFact]:
    """Evidence of verified credentials for any of the skills, as plain rows.

    Search scores thousands of holders at a million candidates; building ORM objects for
    each cost more than the search itself, so only the page's proofs are loaded as objects.
    """
    if not skill_ids:
        return []
    rows = session.execute(
        select(
            Evidence.id,
            Evidence.candidate_id,
            Evidence.skill_id,
            Evidence.confidence,
            Credential.status_outcome,
            Credential.valid_from,
            Credential.valid_until,
            Credential.received_at,
            Credential.issuer_id,
            Credential.tags,
        )
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(
            Evidence.tenant_id == tenant_id,
            Evidence.skill_id.in_(list(skill_ids)),
            Credential.verified.is_(True),
        )
        .order_by(Evidence.id)
    )
    return [EvidenceFact._make(row) for row in rows]


def cached_mapping(
    session: Session, fingerprint: str, taxonomy_id: int, model: str
) -> list[AchievementMapping] | None:
    """Cached mapping of an achievement, or ``None`` when it was never mapped."""
    rows = list(
        session.scalars(
            select(AchievementMapping)
            .where(
                AchievementMapping.fingerprint == fingerprint,
                AchievementMapping.taxonomy_id == taxonomy_id,
                AchievementMapping.model == model,
            )
            .order_by(AchievementMapping.id)
        )
    )
    return rows or None


def store_mapping(session: Session, rows: Sequence[AchievementMapping]) -> None:
    """Cache an achievement mapping (a row with ``skill_id=None`` records "no skills")."""
    session.add_all(rows)
    session.flush()


def add_quarantine(session: Session, row: QuarantinedDocument) -> QuarantinedDocument:
    """Keep a rejected document."""
    session.add(row)
    session.flush()
    return row


def list_quarantine(
    session: Session, tenant_id: int, *, after_id: int = 0, limit: int = 50
) -> list[QuarantinedDocument]:
    """A tenant's quarantined documents in id order, starting after ``after_id``."""
    return list(
        session.scalars(
            select(QuarantinedDocument)
            .where(QuarantinedDocument.tenant_id == tenant_id, QuarantinedDocument.id > after_id)
            .order_by(QuarantinedDocument.id)
            .limit(limit)
        )
    )


def iter_quarantine(session: Session, tenant_id: int) -> Iterator[QuarantinedDocument]:
    """Every quarantined document of a tenant in id order, read page by page."""
    after = 0
    while page := list_quarantine(session, tenant_id, after_id=after):
        yield from page
        after = page[-1].id


def quarantined_by_ids(
    session: Session, tenant_id: int, ids: Iterable[int]
) -> list[QuarantinedDocument]:
    """A tenant's quarantined documents with the given ids (others are ignored)."""
    wanted = list(set(ids))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(QuarantinedDocument)
            .where(QuarantinedDocument.tenant_id == tenant_id, QuarantinedDocument.id.in_(wanted))
            .order_by(QuarantinedDocument.id)
        )
    )


def quarantined_ids_with_reason(session: Session, tenant_id: int, reason_code: str) -> list[int]:
    """Ids of a tenant's quarantined documents rejected with ``reason_code``, oldest first."""
    return list(
        session.scalars(
            select(QuarantinedDocument.id)
            .where(
                QuarantinedDocument.tenant_id == tenant_id,
                QuarantinedDocument.reason_code == reason_code,
            )
            .order_by(QuarantinedDocument.id)
        )
    )


def delete_quarantined(session: Session, row: QuarantinedDocument) -> None:
    """Remove a quarantined document once it has been accepted."""
    session.delete(row)
    session.flush()


VerifiedEvidenceRow = tuple[int, float, str, datetime | None, datetime | None, str, str]


def verified_skill_weights(
    session: Session,
    tenant_id: int,
    candidate_ids: Iterable[int] | None = None,
    *,
    id_range: tuple[int, int] | None = None,
) -> dict[int, list[VerifiedEvidenceRow]]:
    """Verified evidence per candidate.

    Each row is (skill id, confidence, status outcome, valid from, valid until, issuer id,
    credential tags one per line).

    Args:
        session: Open session.
        tenant_id: The tenant.
        candidate_ids: Restrict to these candidates; ``None`` means every candidate.
        id_range: Restrict to candidate ids from the first to the second, both included
            (one range scan, where a long IN list would be many statements).
    """
    statement = (
        select(
            Evidence.candidate_id,
            Evidence.skill_id,
            Evidence.confidence,
            Credential.status_outcome,
            Credential.valid_from,
            Credential.valid_until,
            Credential.issuer_id,
            Credential.tags,
        )
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(Evidence.tenant_id == tenant_id, Credential.verified.is_(True))
    )
    if id_range is not None:
        statement = statement.where(Evidence.candidate_id.between(*id_range))
    grouped: dict[int, list[VerifiedEvidenceRow]] = {}
    statements = [statement]
    if candidate_ids is not None:
        # Bounded IN lists: SQLite and PostgreSQL drivers cap the parameters of a statement.
        ids = sorted(set(candidate_ids))
        statements = [
            statement.where(Evidence.candidate_id.in_(ids[start : start + SQL_BATCH]))
            for start in range(0, len(ids), SQL_BATCH)
        ]
    shared: dict[str, str] = {}  # thousands of rows share an issuer or tags: one string each
    rows = (row for chunk in statements for row in session.execute(chunk))
    for (
        candidate_id,
        skill_id,
        confidence,
        status,
        valid_from,
        valid_until,
        issuer_id,
        tags,
    ) in rows:
        grouped.setdefault(candidate_id, []).append(
            (
                skill_id,
                confidence,
                status,
                valid_from,
                valid_until,
                shared.setdefault(issuer_id, issuer_id),
                shared.setdefault(tags, tags),
            )
        )
    return grouped


def credentials_in_bundle(session: Session, tenant_id: int, bundle_id: int) -> list[Credential]:
    """The credentials stored from a CLR bundle, in order."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.tenant_id == tenant_id, Credential.bundle_id == bundle_id)
            .order_by(Credential.id)
        )
    )


def credentials_of_candidate(
    session: Session, tenant_id: int, candidate_id: int
) -> list[Credential]:
    """A candidate's credentials, oldest first."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.tenant_id == tenant_id, Credential.candidate_id == candidate_id)
            .order_by(Credential.id)
        )
    )


def add_declared_skills(session: Session, rows: Sequence[DeclaredSkill]) -> None:
    """Store the skills credentials declare through alignments."""
    session.add_all(rows)
    session.flush()


def declared_skills_of_candidate(
    session: Session, tenant_id: int, candidate_id: int
) -> list[DeclaredSkill]:
    """The alignments a candidate's credentials declare, oldest first."""
    return list(
        session.scalars(
            select(DeclaredSkill)
            .where(DeclaredSkill.tenant_id == tenant_id, DeclaredSkill.candidate_id == candidate_id)
            .order_by(DeclaredSkill.id)
        )
    )


def evidence_of_credential(session: Session, credential_id: int) -> list[Evidence]:
    """The evidence a stored credential gave."""
    return list(
        session.scalars(
            select(Evidence).where(Evidence.credential_id == credential_id).order_by(Evidence.id)
        )
    )


def create_job(
    session: Session, tenant_id: int, items: Sequence[tuple[int, str, bytes]]
) -> IngestJob:
    """Store a job and its documents (line number, candidate id, raw bytes)."""
    job = IngestJob(tenant_id=tenant_id, total=len(items))
    session.add(job)
    session.flush()
    _bulk(
        session,
        IngestJobItem,
        (
            {"job_id": job.id, "line": line, "candidate_external_id": candidate, "raw": raw}
            for line, candidate, raw in items
        ),
    )
    return job


def get_job(session: Session, tenant_id: int, job_id: int) -> IngestJob | None:
    """A tenant's job."""
    return session.scalar(
        select(IngestJob).where(IngestJob.tenant_id == tenant_id, IngestJob.id == job_id)
    )


def rejected_items(session: Session, job_id: int, limit: int) -> list[IngestJobItem]:
    """The first rejected documents of a job."""
    return list(
        session.scalars(
            select(IngestJobItem)
            .where(IngestJobItem.job_id == job_id, IngestJobItem.outcome == "rejected")
            .order_by(IngestJobItem.line)
            .limit(limit)
        )
    )


def claim_job_item(session: Session, *, stale_before: datetime) -> int | None:
    """Claim the oldest pending item (or one whose claim went stale); returns its id.

    The conditional update makes the claim safe when several workers poll one database.
    """
    candidate = session.scalar(
        select(IngestJobItem.id)
        .where(
            or_(
                IngestJobItem.state == "pending",
                (IngestJobItem.state == "running") & (IngestJobItem.claimed_at < stale_before),
            )
        )
        .order_by(IngestJobItem.id)
        .limit(1)
    )
    if candidate is None:
        return None
    claimed = session.execute(
        update(IngestJobItem)
        .where(
            IngestJobItem.id == candidate,
            or_(
                IngestJobItem.state == "pending",
                (IngestJobItem.state == "running") & (IngestJobItem.claimed_at < stale_before),
            ),
        )
        .values(state="running", claimed_at=utcnow())
    )
    return candidate if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def job_item(session: Session, item_id: int) -> IngestJobItem:
    """A job item by id."""
    item = session.get(IngestJobItem, item_id)
    if item is None:
        raise LookupError(f"no job item {item_id}")
    return item


def job_of_item(session: Session, item: IngestJobItem) -> IngestJob:
    """The job an item belongs to."""
    job = session.get(IngestJob, item.job_id)
    if job is None:
        raise LookupError(f"no job {item.job_id}")
    return job


def record_item_outcome(
    session: Session,
    item: IngestJobItem,
    *,
    outcome: str,
    credential_id: int | None = None,
    quarantine_id: int | None = None,
    detail: str = "",
) -> None:
    """Mark an item done and count it on its job (same transaction as the ingest)."""
    item.state = "done"
    item.outcome = outcome
    item.credential_id = credential_id
    item.quarantine_id = quarantine_id
    item.detail = detail
    counter = {"accepted": IngestJob.accepted, "duplicate": IngestJob.duplicates}.get(
        outcome, IngestJob.rejected
    )
    session.execute(
        update(IngestJob)
        .where(IngestJob.id == item.job_id)
        .values({counter: counter + 1, IngestJob.status: "running"})
    )
    session.flush()
    job = job_of_item(session, item)
    session.refresh(job)
    if job.accepted + job.duplicates + job.rejected >= job.total:
        job.status = "done"
        job.finished_at = utcnow()
        session.flush()


def pending_job_items(session: Session) -> int:
    """Documents of unfinished ingest jobs not yet ingested, across tenants.

    Summed from the per-job counters: the jobs table is far smaller than the items table.
    """
    remaining = IngestJob.total - IngestJob.accepted - IngestJob.duplicates - IngestJob.rejected
    total = session.scalar(
        select(func.coalesce(func.sum(remaining), 0)).where(IngestJob.status != "done")
    )
    return int(total or 0)


def replace_checks(
    session: Session, credential: Credential, checks: Sequence[VerificationCheck]
) -> None:
    """Replace a credential's verification checks with a new report."""
    session.execute(
        delete(VerificationCheck).where(VerificationCheck.credential_id == credential.id)
    )
    for check in checks:
        check.credential_id = credential.id
    session.add_all(checks)
    session.flush()


def credential_ids_of_tenant(session: Session, tenant_id: int) -> list[int]:
    """Ids of every credential a tenant holds, oldest first."""
    return list(
        session.scalars(
            select(Credential.id).where(Credential.tenant_id == tenant_id).order_by(Credential.id)
        )
    )


def get_credential(session: Session, tenant_id: int, credential_id: int) -> Credential | None:
    """A tenant's credential."""
    return session.scalar(
        select(Credential).where(Credential.tenant_id == tenant_id, Credential.id == credential_id)
    )
