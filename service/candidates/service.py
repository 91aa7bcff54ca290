"""Candidate profiles: verified skills with the credentials behind each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.candidates import repository as repo
from service.credentials import service as credentials_service
from service.credentials.service import EvidenceView
from service.db import registry
from service.db.models import Candidate, Credential, DeclaredSkill, Skill, VerificationCheck
from service.errors import NotFoundError
from service.matching.filters import EvidenceFilter, normalize_tags
from service.taxonomy import service as taxonomy_service


@dataclass(frozen=True, slots=True)
class CandidateProfile:
    """Everything shown about a candidate."""

    candidate: Candidate
    credentials: list[Credential]
    checks: dict[int, list[VerificationCheck]]
    evidence: list[EvidenceView]
    skills: dict[int, Skill]
    declared: list[DeclaredSkill]
    tags: list[str]


def candidate_profile(session: Session, tenant_id: int, external_id: str) -> CandidateProfile:
    """A tenant's candidate with their credentials and evidence.

    Raises:
        NotFoundError: The tenant has no such candidate.
    """
    candidate = registry.get_candidate(session, tenant_id, external_id)
    if candidate is None:
        raise NotFoundError(f"no candidate {external_id!r}")
    evidence = credentials_service.evidence_of_candidates(session, tenant_id, [candidate.id])[
        candidate.id
    ]
    credentials = credentials_service.credentials_of_candidate(session, tenant_id, candidate.id)
    declared = credentials_service.declared_skills_of_candidate(session, tenant_id, candidate.id)
    skill_ids = {v.evidence.skill_id for v in evidence}
    skill_ids.update(d.skill_id for d in declared if d.skill_id is not None)
    return CandidateProfile(
        candidate=candidate,
        credentials=credentials,
        checks=credentials_service.checks_of(session, (c.id for c in credentials)),
        evidence=evidence,
        skills=taxonomy_service.skills_by_ids(session, skill_ids),
        declared=declared,
        tags=repo.tags_of_candidates(session, tenant_id, [candidate.id]).get(candidate.id, []),
    )


def set_candidate_tags(
    session: Session, tenant_id: int, external_id: str, tags: Sequence[str]
) -> list[str]:
    """Replace the tags the tenant gave a candidate; returns them as stored.

    Tags are trimmed and lower-cased; duplicates and blanks are dropped. A candidate is known
    from their first credential, so tagging an unknown id is an error, not a new candidate.

    Raises:
        NotFoundError: The tenant has no such candidate.
        InvalidRequestError: A tag is too long or spans lines.
    """
    candidate = registry.get_candidate(session, tenant_id, external_id)
    if candidate is None:
        raise NotFoundError(f"no candidate {external_id!r}")
    cleaned = list(normalize_tags(tags))
    repo.replace_candidate_tags(session, candidate, cleaned)
    return sorted(cleaned)


def candidate_scope(session: Session, tenant_id: int, filters: EvidenceFilter) -> set[int] | None:
    """Candidate ids allowed by the filter's ``candidate_tags``; None when every candidate is."""
    if not filters.candidate_tags:
        return None
    return repo.candidate_ids_with_tags(session, tenant_id, normalize_tags(filters.candidate_tags))
