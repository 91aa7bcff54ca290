"""Domain results of the credentials feature turned into its wire Structs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from ingest import Check
from ingest.mapping import as_method
from service.credentials import schemas as s
from service.credentials.service import Accepted, Rejected
from service.credentials.verification import VerificationResult
from service.db.models import (
    Credential,
    Evidence,
    IngestJob,
    IngestJobItem,
    QuarantinedDocument,
    Skill,
    VerificationCheck,
)
from service.matching.filters import credential_tags
from service.taxonomy.views import skill_ref


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
