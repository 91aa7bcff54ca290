"""Conversions from database rows and service results to wire Structs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

from ingest import Check, IssuerTrustPolicy, TrustAssessment
from ingest.mapping import as_method
from service.api import schemas as s
from service.candidates.service import CandidateProfile
from service.credentials.service import Accepted, Rejected
from service.credentials.verification import VerificationResult
from service.db.models import (
    Credential,
    Evidence,
    IngestJob,
    IngestJobItem,
    Occupation,
    QuarantinedDocument,
    Skill,
    VerificationCheck,
)
from service.db.repositories import EvidenceView
from service.matching.filters import credential_tags
from service.matching.service import MatchResult, Requirement
from service.search.service import SearchPage
from service.taxonomy.service import short_id
from service.taxonomy.skills import Extraction, OccupationPage, SkillHit, SkillPage


def skill_ref(skill: Skill) -> s.SkillRef:
    """A skill on the wire."""
    return s.SkillRef(
        uri=skill.uri,
        label=skill.preferred_label,
        skill_type=skill.skill_type,
        id=short_id(skill.uri),
    )


_LABEL_KINDS = {"alt": "alternative"}


def occupation_ref(occupation: Occupation) -> s.OccupationRef:
    """An occupation on the wire."""
    return s.OccupationRef(
        uri=occupation.uri,
        label=occupation.preferred_label,
        code=occupation.code,
        id=short_id(occupation.uri),
    )


def skill_hit_out(hit: SkillHit) -> s.SkillHit:
    """A search result on the wire."""
    return s.SkillHit(
        skill=skill_ref(hit.skill),
        matched_label=hit.matched_label,
        method=hit.method,  # type: ignore[arg-type]  # one of the tiers or "semantic"
        score=hit.score,
        query=hit.query,
    )


def skill_page_out(page: SkillPage) -> s.SkillOut:
    """A skill's page on the wire."""
    return s.SkillOut(
        skill=skill_ref(page.skill),
        taxonomy=page.taxonomy,
        description=page.skill.description,
        reuse_level=page.skill.reuse_level,
        code=page.skill.code,
        category=page.skill.category,
        subcategory=page.skill.subcategory,
        collections=list(page.collections),
        labels=[
            s.LabelOut(label=label, kind=_LABEL_KINDS.get(kind, kind))
            for label, kind in page.labels
        ],
        groups=[s.GroupRef(uri=g.uri, label=g.preferred_label, code=g.code) for g in page.groups],
        broader=[skill_ref(b) for b in page.broader],
        narrower=[skill_ref(n) for n in page.narrower],
        related=[
            s.RelatedSkillOut(
                skill=skill_ref(r.skill), relation=r.relation, similarity=r.similarity
            )
            for r in page.related
        ],
        occupations=[
            s.OccupationNeedOut(occupation=occupation_ref(o), relation=relation)
            for o, relation in page.occupations
        ],
        occupation_count=page.occupation_count,
    )


def occupation_page_out(page: OccupationPage) -> s.OccupationOut:
    """An occupation's page on the wire."""
    occupation = page.occupation
    return s.OccupationOut(
        occupation=occupation_ref(occupation),
        taxonomy=page.taxonomy,
        description=occupation.description,
        alt_labels=[label for label in occupation.alt_labels.split("\n") if label],
        isco_group=occupation.isco_group,
        essential=[skill_ref(skill) for skill in page.essential],
        optional=[skill_ref(skill) for skill in page.optional],
    )


def extraction_out(extraction: Extraction) -> s.ExtractOut:
    """An extraction on the wire: per phrase, and each skill once at its best confidence."""
    best: dict[int, s.ExtractedSkillOut] = {}
    for phrase in extraction.phrases:
        for found in phrase.skills:
            current = best.get(found.skill.id)
            if current is None or found.confidence > current.confidence:
                best[found.skill.id] = s.ExtractedSkillOut(
                    skill=skill_ref(found.skill),
                    confidence=found.confidence,
                    method=_extraction_method(found.method),
                )
    return s.ExtractOut(
        taxonomy=extraction.taxonomy,
        model=extraction.model,
        threshold=extraction.threshold,
        phrases=[
            s.ExtractedPhraseOut(
                text=p.text,
                start=p.start,
                end=p.end,
                strength=p.strength,
                skills=[
                    s.ExtractedSkillOut(
                        skill=skill_ref(f.skill),
                        confidence=f.confidence,
                        method=_extraction_method(f.method),
                    )
                    for f in p.skills
                ],
            )
            for p in extraction.phrases
        ],
        skills=sorted(best.values(), key=lambda x: (-x.confidence, x.skill.uri)),
        ignored=[
            s.IgnoredTextOut(
                text=i.text, start=i.start, end=i.end, reason=_ignored_reason(i.reason)
            )
            for i in extraction.ignored
        ],
    )


def _outcome(value: str) -> Literal["passed", "failed", "unknown"]:
    if value in ("passed", "failed"):
        return value  # type: ignore[return-value]
    return "unknown"


def credential_out(
    credential: Credential, checks: Sequence[VerificationCheck] = ()
) -> s.CredentialOut:
    """A stored credential on the wire."""
    return s.CredentialOut(
        id=credential.id,
        document_id=credential.document_id,
        name=credential.name,
        issuer=s.IssuerOut(id=credential.issuer_id, name=credential.issuer_name),
        format=credential.format,
        proof_types=[p for p in credential.proof_types.split(",") if p],
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        received_at=credential.received_at,
        verified=credential.verified,
        status=credential.status_outcome,
        checks=[
            s.CheckOut(check=c.check, outcome=_outcome(c.outcome), detail=c.detail) for c in checks
        ],
        bundle_id=credential.bundle_id,
        tags=sorted(credential_tags(credential.tags)),
    )


def ingest_out(result: Accepted, skills: Mapping[int, Skill]) -> s.IngestOut:
    """An accepted credential (and, for a CLR bundle, each nested one) on the wire."""
    return s.IngestOut(
        candidate_id=result.candidate.external_id,
        created=result.created,
        credential=credential_out(result.credential, result.checks),
        skills=[evidence_out(e, skills[e.skill_id]) for e in result.evidence],
        nested=[_nested_out(index, n, skills) for index, n in enumerate(result.nested)],
    )


def _nested_out(
    index: int, result: Accepted | Rejected, skills: Mapping[int, Skill]
) -> s.NestedOut:
    if isinstance(result, Rejected):
        return s.NestedOut(
            index=index,
            accepted=False,
            quarantine_id=result.quarantine_id,
            code=result.code,
            detail=result.detail,
            checks=[check_out(c) for c in result.checks],
        )
    return s.NestedOut(
        index=index,
        accepted=True,
        created=result.created,
        credential=credential_out(result.credential, result.checks),
        skills=[evidence_out(e, skills[e.skill_id]) for e in result.evidence],
    )


def presented_credential_out(
    index: int, result: Accepted | Rejected, skills: Mapping[int, Skill]
) -> s.PresentedCredentialOut:
    """One credential of a presentation on the wire, stored or quarantined."""
    if isinstance(result, Rejected):
        return s.PresentedCredentialOut(
            index=index,
            status=422,
            accepted=False,
            quarantine_id=result.quarantine_id,
            code=result.code,
            detail=result.detail,
            checks=[check_out(c) for c in result.checks],
        )
    stored = ingest_out(result, skills)
    return s.PresentedCredentialOut(
        index=index,
        status=201 if result.created else 200,
        accepted=True,
        created=result.created,
        credential=stored.credential,
        skills=stored.skills,
        nested=stored.nested,
    )


def candidate_out(profile: CandidateProfile) -> s.CandidateOut:
    """A candidate's profile on the wire: verified skills, credentials, declared skills."""
    by_skill: dict[int, list[EvidenceView]] = {}
    for view in profile.evidence:
        if view.credential.verified:
            by_skill.setdefault(view.evidence.skill_id, []).append(view)
    skills = profile.skills
    return s.CandidateOut(
        id=profile.candidate.external_id,
        tags=list(profile.tags),
        skills=[
            s.CandidateSkillOut(
                skill=skill_ref(skills[skill_id]),
                evidence=[evidence_out(v.evidence, skills[skill_id]) for v in held],
                credentials=sorted({v.credential.id for v in held}),
            )
            for skill_id, held in sorted(
                by_skill.items(), key=lambda item: skills[item[0]].preferred_label
            )
        ],
        credentials=[credential_out(c, profile.checks.get(c.id, [])) for c in profile.credentials],
        declared=[
            s.DeclaredSkillOut(
                credential_id=d.credential_id,
                achievement_id=d.achievement_id,
                framework=d.framework,
                target_url=d.target_url,
                target_code=d.target_code,
                target_name=d.target_name,
                skill=skill_ref(skills[d.skill_id]) if d.skill_id in skills else None,
            )
            for d in profile.declared
        ],
    )


def evidence_out(evidence: Evidence, skill: Skill) -> s.EvidenceOut:
    """A proven skill on the wire."""
    return s.EvidenceOut(
        skill=skill_ref(skill),
        method=as_method(evidence.method),
        confidence=round(evidence.confidence, 4),
        achievement=evidence.achievement_name,
        phrase=evidence.phrase,
        model=evidence.model,
    )


def proof_out(view: EvidenceView, trust: IssuerTrustPolicy) -> s.ProofOut:
    """A credential behind a match on the wire, with what the trust policy says of its issuer."""
    credential = view.credential
    assessment = trust.assess(credential.issuer_id)
    return s.ProofOut(
        credential_id=credential.id,
        document_id=credential.document_id,
        name=credential.name,
        achievement=view.evidence.achievement_name,
        issuer=s.IssuerOut(id=credential.issuer_id, name=credential.issuer_name),
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


def ignored_text_out(item: Mapping[str, Any]) -> s.IgnoredTextOut:
    """Text left unread, as stored with a posting (``text``, ``start``, ``end``, ``reason``)."""
    return s.IgnoredTextOut(
        text=str(item["text"]),
        start=int(item["start"]),
        end=int(item["end"]),
        reason=_ignored_reason(str(item["reason"])),
    )


def _ignored_reason(reason: str) -> s.IgnoredReason:
    """Why a phrase was left unread (a kind of ``ingest.boilerplate.BOILERPLATE_KINDS``)."""
    if reason not in get_args(s.IgnoredReason):
        raise ValueError(f"unknown reason {reason!r} for text left unread")
    return reason  # type: ignore[return-value]


def _extraction_method(method: str) -> s.ExtractionMethod:
    """How a skill was read in text (``embedding`` unless a label was found verbatim)."""
    return method if method in ("exact", "alternative") else "embedding"  # type: ignore[return-value]


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


def quarantined_out(row: QuarantinedDocument, *, with_document: bool = False) -> s.QuarantinedOut:
    """A quarantined document on the wire (the document itself only when asked for)."""
    document = None
    if with_document:
        document = row.raw.decode("utf-8", errors="replace")
    return s.QuarantinedOut(
        id=row.id,
        candidate_id=row.candidate_external_id or None,
        reason_code=row.reason_code,
        reason=row.reason,
        checks=[
            s.CheckOut(
                check=str(c.get("check", "")),
                outcome=_outcome(str(c.get("outcome", ""))),
                detail=str(c.get("detail", "")),
            )
            for c in row.checks
        ],
        content_hash=row.content_hash,
        received_at=row.received_at,
        attempts=row.attempts,
        last_attempt_at=row.last_attempt_at,
        document=document,
    )


def job_out(job: IngestJob, rejections: list[IngestJobItem] | None = None) -> s.JobOut:
    """A job's progress on the wire."""
    status = job.status if job.status in ("queued", "running", "done") else "running"
    return s.JobOut(
        id=job.id,
        status=status,  # type: ignore[arg-type]
        total=job.total,
        processed=job.accepted + job.duplicates + job.rejected,
        accepted=job.accepted,
        duplicates=job.duplicates,
        rejected=job.rejected,
        created_at=job.created_at,
        finished_at=job.finished_at,
        rejections=[
            s.JobRejectionOut(line=i.line, quarantine_id=i.quarantine_id, reason=i.detail)
            for i in rejections or []
        ],
    )


def check_out(check: Check | VerificationCheck) -> s.CheckOut:
    """One verification check on the wire."""
    return s.CheckOut(check=check.check, outcome=_outcome(check.outcome), detail=check.detail)


def trust_policy_out(policy: IssuerTrustPolicy) -> s.TrustPolicyOut:
    """A trust policy on the wire."""
    return s.TrustPolicyOut(
        trusted=[
            s.TrustedIssuerOut(kind=t.kind, value=t.value, weight=t.weight, name=t.name)
            for t in policy.trusted
        ],
        accept_untrusted=policy.accept_untrusted,
        untrusted_weight=policy.untrusted_weight,
        allow_other_holders=policy.allow_other_holders,
        unknown_status=policy.unknown_status,
        open=policy.is_open,
    )


def trust_assessment_out(issuer: str, assessment: TrustAssessment) -> s.TrustAssessmentOut:
    """A policy's judgement of one issuer on the wire."""
    return s.TrustAssessmentOut(
        issuer=issuer,
        trusted=assessment.trusted,
        accepted=assessment.accepted,
        weight=assessment.weight,
        detail=assessment.detail,
    )


def search_out(page: SearchPage) -> s.SearchOut:
    """A page of recruiter search results on the wire."""
    return s.SearchOut(
        resolved=[
            s.ResolvedSkillOut(
                given=r.given,
                skill=skill_ref(r.skill) if r.skill is not None else None,
                method=r.method,
                score=r.score,
            )
            for r in page.resolved
        ],
        total=page.total,
        candidates=[
            s.SearchHitOut(
                candidate_id=hit.candidate.external_id,
                score=hit.score,
                latest_credential_at=hit.latest,
                skills=[
                    s.HeldSkillOut(
                        skill=skill_ref(held.skill),
                        strength=held.strength,
                        credentials=[proof_out(v, page.trust) for v in held.evidence],
                    )
                    for held in hit.held
                ],
            )
            for hit in page.hits
        ],
        next=page.next_cursor,
        unresolved=list(page.unresolved),
    )


def verification_out(result: VerificationResult) -> s.VerificationOut:
    """A verification report on the wire (``POST /v1/verify``, ``credmatch verify --json``)."""
    verdict = result.policy
    trust = None
    if verdict is not None:
        code, reason = verdict.rejection or ("", "")
        trust = s.VerificationTrustOut(
            outcome=_outcome(verdict.trust.outcome),
            detail=verdict.trust.detail,
            accepted=verdict.accepted,
            unknown_status=verdict.unknown_status,
            code=code,
            reason=reason,
        )
    return s.VerificationOut(
        verified=result.verified,
        format=result.format,
        proof_types=list(result.proof_types),
        issuer=s.IssuerOut(id=result.issuer.id, name=result.issuer.name),
        checks=[check_out(c) for c in result.checks],
        trust=trust,
    )
