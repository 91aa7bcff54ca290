"""Domain results of the matching feature turned into its wire Structs."""

from __future__ import annotations

from typing import get_args

from ingest import IssuerTrustPolicy
from ingest.mapping import as_method
from service.credentials import schemas as credentials_schemas
from service.credentials.service import EvidenceView
from service.matching import schemas as s
from service.matching.service import MatchResult, Requirement
from service.taxonomy.views import _extraction_method, skill_ref


def proof_out(view: EvidenceView, trust: IssuerTrustPolicy) -> s.ProofOut:
    """A credential behind a match on the wire, with what the trust policy says of its issuer."""
    credential = view.credential
    assessment = trust.assess(credential.issuer_id)
    return s.ProofOut(
        credential_id=credential.id,
        document_id=credential.document_id,
        name=credential.name,
        achievement=view.evidence.achievement_name,
        issuer=credentials_schemas.IssuerOut(id=credential.issuer_id, name=credential.issuer_name),
        proof_types=[p for p in credential.proof_types.split(",") if p],
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        verified=credential.verified,
        status=credential.status_outcome,
        method=as_method(view.evidence.method),
        confidence=round(view.evidence.confidence, 4),
        issuer_trusted=assessment.trusted,
        issuer_weight=assessment.weight,
        bundle_id=credential.bundle_id,
    )


def requirement_out(requirement: Requirement) -> s.RequirementOut:
    """A requirement on the wire."""
    return s.RequirementOut(
        skill=skill_ref(requirement.skill),
        alternatives=[skill_ref(a) for a in requirement.alternatives],
        strength=requirement.strength,
        weight=requirement.weight,
        source=_requirement_source(requirement.source),
        phrase=requirement.phrase,
        start=requirement.start if requirement.start >= 0 else None,
        end=requirement.end if requirement.end >= 0 else None,
        confidence=round(requirement.confidence, 4),
        method=_extraction_method(requirement.method) if requirement.source != "explicit" else None,
    )


def _requirement_source(source: str) -> s.RequirementSource:
    """Where a requirement came from: an explicit skill, the job text or its title."""
    if source not in get_args(s.RequirementSource):
        raise ValueError(f"unknown requirement source {source!r}")
    return source  # type: ignore[return-value]


def match_out(result: MatchResult) -> s.MatchOut:
    """A match result on the wire."""
    return s.MatchOut(
        taxonomy=result.taxonomy,
        model=result.model,
        retrieved=result.retrieved,
        total=result.total,
        next=result.next_cursor,
        unresolved=list(result.unresolved),
        requirements=[requirement_out(r) for r in result.requirements],
        candidates=[
            s.RankedOut(
                rank=rank,
                candidate_id=ranked.candidate.external_id,
                score=ranked.score,
                matched=[
                    s.MatchedOut(
                        required=skill_ref(m.requirement.skill),
                        phrase=m.requirement.phrase,
                        satisfied_by=skill_ref(m.satisfied_by),
                        matched_skill=skill_ref(m.matched_skill),
                        similarity=m.similarity,
                        evidence_strength=m.strength,
                        contribution=m.contribution,
                        credentials=[proof_out(v, result.trust) for v in m.evidence],
                    )
                    for m in ranked.matched
                ],
                missing=[
                    s.MissingOut(skill=skill_ref(r.skill), phrase=r.phrase, strength=r.strength)
                    for r in ranked.missing
                ],
            )
            for rank, ranked in enumerate(result.candidates, start=result.first_rank)
        ],
    )
