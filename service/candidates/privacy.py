"""Candidate erasure and export (the data subject's rights to erasure and to a copy).

Erasure removes everything a tenant holds about a candidate, in one transaction: the
candidate row, credentials with their raw documents, verification checks, evidence, declared
skills, tags, the quarantine entries sent for the candidate's id, and the ingest-job lines
attributable to them (sent for their id, or that stored one of their credentials or
quarantine entries). A tombstone with the tenant's next change-counter value makes every
worker's FAISS index drop the candidate's vector on its next catch-up, as a changed
candidate would be re-embedded (see :mod:`service.matching.index`).

Not attributable, so kept: documents rejected before a candidate id was known (quarantined
or queued without one: the holder is only read from a document that is ingested), cached
achievement-to-skill mappings (shared by every holder of a badge, no personal data),
aggregate counts of ingest jobs and gap reports. Audit rows are kept with the candidate's
external id only (see :mod:`service.audit.service`). A document that a background worker is
ingesting at the very moment of erasure may race with it; a document sent again later
creates the candidate anew.

Export gathers the same data as one document, raw credentials included, and the audit
events that name the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from service.audit.service import Actor, events_naming, record_event
from service.candidates import repository as privacy_repo
from service.candidates.service import CandidateProfile, candidate_profile
from service.db import registry
from service.db.models import AuditEvent, QuarantinedDocument
from service.errors import NotFoundError

__all__ = ["CandidateExport", "Erasure", "erase_candidate", "export_candidate"]


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure removed: rows per table (camelCase table names)."""

    candidate_id: str
    removed: dict[str, int]


def erase_candidate(session: Session, actor: Actor, external_id: str) -> Erasure:
    """Erase a candidate of the actor's tenant and record it in the audit log.

    Raises:
        NotFoundError: The tenant has no such candidate.
    """
    candidate = registry.get_candidate(session, actor.tenant_id, external_id)
    if candidate is None:
        raise NotFoundError(f"no candidate {external_id!r}")
    candidate_id = candidate.id
    removed = privacy_repo.delete_candidate_data(session, candidate)
    seq = registry.bump_change_counter(session, actor.tenant_id)
    privacy_repo.add_erasure(session, actor.tenant_id, candidate_id, seq)
    record_event(
        session, actor, "erase", query={"candidateId": external_id}, candidates=[external_id]
    )
    return Erasure(candidate_id=external_id, removed=removed)


@dataclass(frozen=True, slots=True)
class CandidateExport:
    """Everything held about a candidate."""

    profile: CandidateProfile
    documents: dict[int, bytes]
    """Raw stored documents by credential id."""
    quarantined: list[QuarantinedDocument]
    audit_events: list[AuditEvent]
    """Audit events naming the candidate before this export, newest first."""
    exported_at: datetime


def export_candidate(session: Session, actor: Actor, external_id: str) -> CandidateExport:
    """Gather everything held about a candidate and record the export in the audit log.

    Raises:
        NotFoundError: The tenant has no such candidate.
    """
    profile = candidate_profile(session, actor.tenant_id, external_id)
    export = CandidateExport(
        profile=profile,
        documents=privacy_repo.raw_documents(session, profile.candidate),
        quarantined=privacy_repo.quarantined_for(session, actor.tenant_id, external_id),
        audit_events=events_naming(session, actor.tenant_id, external_id),
        exported_at=datetime.now(UTC),
    )
    record_event(
        session, actor, "export", query={"candidateId": external_id}, candidates=[external_id]
    )
    return export
