"""Credential ingest: parse, verify, map to skills and store, in the caller's transaction.

A rejected document is never lost: it goes to the quarantine table with the reason and the
failing checks, in the same transaction, and the caller reports the rejection. A verified
credential is then judged by the tenant's policy (:func:`judge_verified`): its issuer must be
accepted, and under ``unknownStatus: reject`` its status must have been checked. The same
document (same bytes, or same credential id) sent twice is stored once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from ingest import (
    Achievement,
    Check,
    CredentialFormatError,
    IssuerTrustPolicy,
    Outcome,
    UnknownStatusPolicy,
    VerificationReport,
    Verifier,
    parse_credential,
)
from ingest import Credential as ParsedCredential
from ingest.mapping import (
    AchievementText,
    AlignmentTarget,
    SkillMatch,
    as_method,
    skill_uri_from_alignment,
)
from service.credentials import repository as repo
from service.db import registry
from service.db.models import (
    AchievementMapping,
    Candidate,
    Credential,
    DeclaredSkill,
    Evidence,
    QuarantinedDocument,
    VerificationCheck,
    utcnow,
)
from service.matching.filters import normalize_tags
from service.taxonomy.service import TaxonomyContext, aligned_skill
from service.trust.service import load_policy

# What other features read of the credential tables (evidence, checks, declared skills, job
# queue): offered here so that no other feature imports this feature's repository.
EvidenceView = repo.EvidenceView
EvidenceFact = repo.EvidenceFact
evidence_of_candidates = repo.evidence_of_candidates
verified_evidence_facts = repo.verified_evidence_facts
verified_skill_weights = repo.verified_skill_weights
credentials_of_candidate = repo.credentials_of_candidate
declared_skills_of_candidate = repo.declared_skills_of_candidate
checks_of = repo.checks_of
iter_quarantine = repo.iter_quarantine
pending_job_items = repo.pending_job_items
create_job = repo.create_job
cached_mapping = repo.cached_mapping


@dataclass(frozen=True, slots=True)
class Accepted:
    """A credential stored (now, or already before: ``created`` is false for a duplicate).

    ``nested`` holds, for a CLR bundle, what became of each credential nested in it (each
    verified and stored, or quarantined, on its own).
    """

    credential: Credential
    candidate: Candidate
    created: bool
    checks: Sequence[VerificationCheck]
    evidence: Sequence[Evidence] = field(default_factory=tuple)
    nested: Sequence[Accepted | Rejected] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A document kept in quarantine instead of being accepted."""

    quarantine_id: int
    code: str
    detail: str
    checks: Sequence[Check] = field(default_factory=tuple)


def content_hash(raw: bytes) -> str:
    """SHA-256 hex digest of a document's bytes (the idempotency key)."""
    return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Examined:
    """A document parsed and verified, possibly in another process (it pickles).

    Exactly one of ``format_error`` (code, message) or ``parsed`` + ``report`` is set.
    ``nested`` holds the examination of each credential nested in a verified CLR bundle.
    """

    parsed: ParsedCredential | None = None
    report: VerificationReport | None = None
    format_error: tuple[str, str] | None = None
    nested: tuple[Examined, ...] = ()


def examine(
    verifier: Verifier,
    raw: bytes,
    *,
    max_bytes: int = 1_000_000,
    recipient_email: str | None = None,
) -> Examined:
    """Parse and verify a document: the CPU-bound part of ingest, with no database.

    Args:
        verifier: Credential verifier.
        raw: The document as received.
        max_bytes: Largest document accepted.
        recipient_email: Also check the credential names this email as its holder.
    """
    try:
        # The verifier's document store also resolves linked OB 2.0 badge classes and issuers.
        parsed, document = parse_credential(raw, max_bytes=max_bytes, documents=verifier.documents)
    except CredentialFormatError as exc:
        return Examined(format_error=(exc.code, str(exc)))
    report = verifier.verify(document, recipient_email=recipient_email)
    nested: tuple[Examined, ...] = ()
    if parsed.nested and report.verified:  # each nested credential on its own
        nested = tuple(
            examine(verifier, item, max_bytes=max_bytes, recipient_email=recipient_email)
            for item in parsed.nested
        )
    return Examined(parsed=parsed, report=report, nested=nested)


MAX_CANDIDATE_ID_CHARS = 200
MAX_CREDENTIAL_ID_CHARS = 500


@dataclass(frozen=True, slots=True)
class _Received:
    """A document as received, with what identifies it."""

    tenant_id: int
    raw: bytes
    digest: str
    candidate_external_id: str | None
    previous: QuarantinedDocument | None = None
    bundle: tuple[int, int] | None = None
    """(bundle credential row id, position) of a credential nested in a CLR bundle."""

    def quarantine(
        self, session: Session, code: str, detail: str, checks: Sequence[Check] = ()
    ) -> Rejected:
        if self.bundle is not None:
            detail = f"credential {self.bundle[1]} nested in CLR bundle {self.bundle[0]}: {detail}"
        stored_checks = [
            {"check": c.check, "outcome": c.outcome, "detail": c.detail} for c in checks
        ]
        if self.previous is not None:
            # A retry that fails again updates the row it came from: one row per document.
            self.previous.reason_code = code
            self.previous.reason = detail
            self.previous.checks = stored_checks
            self.previous.attempts += 1
            self.previous.last_attempt_at = utcnow()
            session.flush()
            return Rejected(self.previous.id, code, detail, tuple(checks))
        row = repo.add_quarantine(
            session,
            QuarantinedDocument(
                tenant_id=self.tenant_id,
                candidate_external_id=(self.candidate_external_id or "")[:MAX_CANDIDATE_ID_CHARS],
                raw=self.raw,
                content_hash=self.digest,
                reason_code=code,
                reason=detail,
                checks=stored_checks,
            ),
        )
        return Rejected(row.id, code, detail, tuple(checks))


def ingest_credential(
    session: Session,
    context: TaxonomyContext,
    verifier: Verifier,
    *,
    tenant_id: int,
    raw: bytes,
    candidate_external_id: str | None = None,
    max_bytes: int = 1_000_000,
    examined: Examined | None = None,
    recipient_email: str | None = None,
) -> Accepted | Rejected:
    """Ingest one credential document for a tenant.

    A CLR bundle is verified as a whole, then each credential nested in it is verified,
    stored or quarantined on its own (`Accepted.nested`); a bundle that fails verification
    is quarantined whole. The tenant's issuer trust policy is applied to every credential:
    a ``trust`` check is added to the report, an issuer the policy does not accept sends
    the credential to quarantine (code ``untrusted-issuer``), and so does a status that
    could not be checked under ``unknownStatus: reject`` (code ``status-unknown``; see
    :func:`judge_verified`).

    Args:
        session: Open session; the caller commits (also after a rejection, which stores a
            quarantine row).
        context: The default taxonomy release with its mapper.
        verifier: Credential verifier.
        tenant_id: Owning tenant.
        raw: The document as received.
        candidate_external_id: The tenant's id for the holder; defaults to the credential
            subject id.
        max_bytes: Largest document accepted.
        examined: Parse and verification done ahead (e.g. in a worker process, see
            :func:`examine`); done here when absent.
        recipient_email: Also check that the credential was issued to this email (a
            ``recipient`` check; a mismatch is a verification failure). Not stored.

    Returns:
        :class:`Accepted` or :class:`Rejected`.
    """
    received = _Received(tenant_id, raw, content_hash(raw), candidate_external_id)
    if examined is None:
        examined = examine(verifier, raw, max_bytes=max_bytes, recipient_email=recipient_email)
    return _ingest(session, context, verifier, received, max_bytes=max_bytes, examined=examined)


def retry_quarantined(
    session: Session,
    context: TaxonomyContext,
    verifier: Verifier,
    row: QuarantinedDocument,
    *,
    max_bytes: int = 1_000_000,
) -> Accepted | Rejected:
    """Process a quarantined document again (after pinning a key, say).

    Accepted: the quarantine row is removed, the document now lives in the credentials
    table. Rejected again: the same row is updated with the new reason and attempt count.
    """
    received = _Received(
        row.tenant_id, row.raw, row.content_hash, row.candidate_external_id or None, row
    )
    result = _ingest(session, context, verifier, received, max_bytes=max_bytes)
    if isinstance(result, Accepted):
        repo.delete_quarantined(session, row)
    return result


def _ingest(
    session: Session,
    context: TaxonomyContext,
    verifier: Verifier,
    received: _Received,
    *,
    max_bytes: int,
    examined: Examined | None = None,
) -> Accepted | Rejected:
    tenant_id = received.tenant_id
    existing = repo.find_existing_credential(session, tenant_id, received.digest, None)
    if existing is not None:
        return _duplicate(session, tenant_id, existing)
    if examined is None:
        examined = examine(verifier, received.raw, max_bytes=max_bytes)
    if examined.format_error is not None:
        return received.quarantine(session, *examined.format_error)
    parsed, report = examined.parsed, examined.report
    if parsed is None or report is None:
        raise ValueError("an examined document has either a format error or a report")
    if not report.verified:
        failed = report.failed()
        detail = "; ".join(f"{c.check}: {c.detail}" for c in failed) or "verification failed"
        return received.quarantine(session, "verification-failed", detail, report.checks)
    return _accept_verified(
        session, context, verifier, received, examined=examined, parsed=parsed, max_bytes=max_bytes
    )


def _accept_verified(
    session: Session,
    context: TaxonomyContext,
    verifier: Verifier,
    received: _Received,
    *,
    examined: Examined,
    parsed: ParsedCredential,
    max_bytes: int,
) -> Accepted | Rejected:
    """Store a verified document (duplicate, identity and trust checks first)."""
    tenant_id = received.tenant_id
    assert examined.report is not None  # verified
    report = examined.report
    # Only a verified document may be recognised by its id: an altered copy of a stored
    # credential must be quarantined, not answered as "already stored".
    if parsed.id:
        existing = repo.find_existing_credential(session, tenant_id, received.digest, parsed.id)
        if existing is not None:
            return _duplicate(session, tenant_id, existing)
    holder = received.candidate_external_id or parsed.subject_id
    problem = _identity_problem(holder, parsed.id)
    if problem is not None:
        return received.quarantine(session, problem[0], problem[1], report.checks)
    assert holder is not None  # checked by _identity_problem
    verdict = judge_verified(load_policy(session, tenant_id), parsed.issuer.id, report.checks)
    checks = (*report.checks, verdict.trust)
    if verdict.rejection is not None:
        return received.quarantine(session, *verdict.rejection, checks)
    accepted = _store(
        session, context, received, parsed=parsed, checks_passed=checks, holder=holder
    )
    if not parsed.nested:
        return accepted
    nested = [
        _ingest(
            session,
            context,
            verifier,
            _Received(
                tenant_id,
                item,
                content_hash(item),
                holder,
                bundle=(accepted.credential.id, position),
            ),
            max_bytes=max_bytes,
            examined=examined.nested[position] if position < len(examined.nested) else None,
        )
        for position, item in enumerate(parsed.nested)
    ]
    return replace(accepted, nested=tuple(nested))


UNTRUSTED_ISSUER = "untrusted-issuer"
"""Quarantine code of a credential whose issuer the tenant's policy does not accept."""
STATUS_UNKNOWN = "status-unknown"
"""Quarantine code of a credential whose status could not be checked, under a policy with
``unknownStatus: reject``; ``credmatch reverify`` tries these again."""

_STATUS_POLICY_DETAIL = {
    "accept": "a status that cannot be checked is kept and counts less",
    "reject": "a status that cannot be checked is not verified",
}


def trust_check(policy: IssuerTrustPolicy, issuer: str) -> Check:
    """The ``trust`` check of a verified credential under the tenant's policy.

    ``passed`` for a trusted issuer (or under the open default), ``unknown`` for an
    untrusted issuer that is accepted at a lower weight, ``failed`` for one not accepted.
    The detail also names the policy's ``unknownStatus`` setting, so every stored report
    says which status policy applied.
    """
    assessment = policy.assess(issuer)
    outcome: Outcome = (
        "failed"
        if not assessment.accepted
        else "passed"
        if assessment.trusted or policy.is_open
        else "unknown"
    )
    status_policy = policy.unknown_status
    detail = (
        f"{assessment.detail}; unknownStatus {status_policy}: "
        f"{_STATUS_POLICY_DETAIL[status_policy]}"
    )
    return Check(check="trust", outcome=outcome, detail=detail)


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """What a tenant's policy says of a verified credential.

    Attributes:
        trust: The ``trust`` check to add to the report.
        rejection: (quarantine code, detail) when the policy refuses the credential: its
            issuer is not accepted (`UNTRUSTED_ISSUER`), or its status could not be checked
            and the policy rejects an unknown status (`STATUS_UNKNOWN`); else ``None``.
        unknown_status: The policy's ``unknownStatus`` setting that applied.
    """

    trust: Check
    rejection: tuple[str, str] | None
    unknown_status: UnknownStatusPolicy

    @property
    def accepted(self) -> bool:
        """The policy lets the credential count."""
        return self.rejection is None


def judge_verified(
    policy: IssuerTrustPolicy, issuer: str, checks: Sequence[Check]
) -> PolicyVerdict:
    """Apply a tenant's policy to a verified credential's checks (issuer, then status).

    Args:
        policy: The tenant's issuer trust policy.
        issuer: The credential's issuer id (bound to its key by verification).
        checks: The verifier's checks of the credential.
    """
    trust = trust_check(policy, issuer)
    rejection: tuple[str, str] | None = None
    status = next((c for c in checks if c.check == "status"), None)
    if trust.outcome == "failed":
        rejection = (UNTRUSTED_ISSUER, policy.assess(issuer).detail)
    elif policy.unknown_status == "reject" and status is not None and status.outcome == "unknown":
        rejection = (
            STATUS_UNKNOWN,
            f"the status could not be checked ({status.detail}), and the trust policy rejects "
            "credentials whose status is unknown (unknownStatus: reject)",
        )
    return PolicyVerdict(trust=trust, rejection=rejection, unknown_status=policy.unknown_status)


def _identity_problem(holder: str | None, document_id: str | None) -> tuple[str, str] | None:
    if not holder:
        return "no-candidate", "no candidate id given and the credential subject has no id"
    if len(holder) > MAX_CANDIDATE_ID_CHARS:
        return (
            "identifier-too-long",
            f"candidate id is {len(holder)} characters; at most {MAX_CANDIDATE_ID_CHARS}",
        )
    if document_id and len(document_id) > MAX_CREDENTIAL_ID_CHARS:
        return (
            "identifier-too-long",
            f"credential id is {len(document_id)} characters; at most {MAX_CREDENTIAL_ID_CHARS}",
        )
    return None


def _store(
    session: Session,
    context: TaxonomyContext,
    received: _Received,
    *,
    parsed: ParsedCredential,
    checks_passed: Sequence[Check],
    holder: str,
) -> Accepted:
    tenant_id = received.tenant_id
    candidate = registry.get_or_create_candidate(session, tenant_id, holder)
    status = next((c.outcome for c in checks_passed if c.check == "status"), "passed")
    credential = Credential(
        tenant_id=tenant_id,
        candidate_id=candidate.id,
        document_id=parsed.id,
        content_hash=received.digest,
        format=parsed.format,
        name=(parsed.name or _first_achievement_name(parsed))[:500],
        issuer_id=parsed.issuer.id[:500],
        issuer_name=parsed.issuer.name[:500],
        proof_types=",".join(parsed.proof_types)[:500],
        valid_from=parsed.valid_from,
        valid_until=parsed.valid_until,
        verified=True,
        status_outcome=status,
        raw=received.raw,
        bundle_id=received.bundle[0] if received.bundle else None,
        tags="\n".join(
            normalize_tags((tag for a in parsed.achievements for tag in a.tags), drop_invalid=True)
        ),
    )
    checks = [
        VerificationCheck(check=c.check, outcome=c.outcome, detail=c.detail) for c in checks_passed
    ]
    stored = repo.add_credential(session, credential, checks)
    if stored is None:
        # The same document was stored by a concurrent request: answer as a duplicate.
        existing = repo.find_existing_credential(session, tenant_id, received.digest, parsed.id)
        if existing is None:
            raise RuntimeError("credential insert conflicted but no stored credential matches")
        return _duplicate(session, tenant_id, existing)
    evidence = _evidence_for(session, context, stored, candidate, parsed.achievements)
    repo.add_evidence(session, evidence)
    registry.mark_candidate_changed(
        session, candidate, registry.bump_change_counter(session, tenant_id)
    )
    return Accepted(stored, candidate, True, checks, evidence)


def _first_achievement_name(parsed: ParsedCredential) -> str:
    return parsed.achievements[0].name if parsed.achievements else ""


def _duplicate(session: Session, tenant_id: int, credential: Credential) -> Accepted:
    candidate = registry.candidates_by_ids(session, tenant_id, [credential.candidate_id])[
        credential.candidate_id
    ]
    checks = repo.checks_of(session, [credential.id])[credential.id]
    evidence = repo.evidence_of_credential(session, credential.id)
    nested = [
        _duplicate(session, tenant_id, child)
        for child in repo.credentials_in_bundle(session, tenant_id, credential.id)
    ]
    return Accepted(credential, candidate, False, checks, evidence, tuple(nested))


def achievement_text(achievement: Achievement) -> AchievementText:
    """What the mapper reads from a parsed achievement."""
    return AchievementText(
        name=achievement.name,
        description=achievement.description,
        criteria=achievement.criteria,
        tags=achievement.tags,
        alignments=tuple(
            AlignmentTarget(
                url=a.target_url,
                code=a.target_code,
                name=a.target_name,
                framework=a.target_framework,
                description=a.target_description,
            )
            for a in achievement.alignments
        ),
    )


def _with_known_targets(session: Session, text: AchievementText) -> AchievementText:
    """Fill `AlignmentTarget.known_as` for alignments to skills of other imported taxonomies."""
    targets = []
    for target in text.alignments:
        found = aligned_skill(session, target.url, target.code)
        if found is None or target.known_as:
            targets.append(target)
            continue
        skill, taxonomy = found
        known = ". ".join(t for t in (skill.preferred_label, skill.description) if t)
        targets.append(replace(target, known_as=known, framework=target.framework or taxonomy.key))
    return replace(text, alignments=tuple(targets))


def map_achievement_cached(
    session: Session, context: TaxonomyContext, achievement: Achievement
) -> list[SkillMatch]:
    """Map an achievement, reusing the cached mapping of an identical achievement."""
    text = achievement_text(achievement)
    fingerprint = text.fingerprint()
    cached = repo.cached_mapping(
        session, fingerprint, context.taxonomy_id, context.mapper.cache_key
    )
    if cached is not None:
        return [
            SkillMatch(row.skill_id, row.confidence, as_method(row.method), row.phrase)
            for row in cached
            if row.skill_id is not None
        ]
    # Looked up on a cache miss only: the fingerprint is of the achievement as sent.
    matches = context.mapper.map_achievement(_with_known_targets(session, text))
    rows = [
        AchievementMapping(
            fingerprint=fingerprint,
            taxonomy_id=context.taxonomy_id,
            model=context.mapper.cache_key,
            skill_id=m.skill_id,
            method=m.method,
            confidence=m.confidence,
            phrase=m.phrase,
        )
        for m in matches
    ] or [
        AchievementMapping(
            fingerprint=fingerprint, taxonomy_id=context.taxonomy_id, model=context.mapper.cache_key
        )
    ]
    repo.store_mapping(session, rows)
    return matches


def _evidence_for(
    session: Session,
    context: TaxonomyContext,
    credential: Credential,
    candidate: Candidate,
    achievements: Sequence[Achievement],
) -> list[Evidence]:
    evidence: dict[tuple[int, str], Evidence] = {}
    for achievement in achievements:
        for match in map_achievement_cached(session, context, achievement):
            key = (match.skill_id, achievement.id)
            if key in evidence:
                continue
            evidence[key] = Evidence(
                tenant_id=credential.tenant_id,
                candidate_id=candidate.id,
                credential_id=credential.id,
                skill_id=match.skill_id,
                achievement_id=achievement.id[:500],
                achievement_name=achievement.name[:500],
                method=match.method,
                confidence=match.confidence,
                phrase=match.phrase,
                model="" if match.method == "alignment" else context.mapper.achievement_model,
            )
    repo.add_declared_skills(
        session, _declared(session, context, credential, candidate, achievements)
    )
    return list(evidence.values())


def _declared(
    session: Session,
    context: TaxonomyContext,
    credential: Credential,
    candidate: Candidate,
    achievements: Sequence[Achievement],
) -> list[DeclaredSkill]:
    """Every alignment of the achievements, resolved to an imported skill where one exists.

    An ESCO skill of the default release is found in memory; only other alignments cost a
    query (this runs for every credential ingested).
    """
    declared = []
    for achievement in achievements:
        for a in achievement.alignments:
            if not (a.target_url or a.target_code or a.target_name):
                continue
            declared.append(
                DeclaredSkill(
                    tenant_id=credential.tenant_id,
                    candidate_id=candidate.id,
                    credential_id=credential.id,
                    achievement_id=achievement.id[:500],
                    framework=a.target_framework[:200],
                    target_url=a.target_url[:500],
                    target_code=a.target_code[:200],
                    target_name=a.target_name[:500],
                    skill_id=_aligned_skill_id(session, context, a.target_url, a.target_code),
                )
            )
    return declared


def _aligned_skill_id(
    session: Session, context: TaxonomyContext, url: str, code: str
) -> int | None:
    """The imported skill an alignment names: the default release's in memory, else a query."""
    esco = skill_uri_from_alignment(url) or skill_uri_from_alignment(code)
    if esco is not None and esco in context.skill_ids:
        return context.skill_ids[esco]
    found = aligned_skill(session, url, code)
    return None if found is None else found[0].id


@dataclass(frozen=True, slots=True)
class Reverified:
    """What re-verifying one stored credential changed."""

    credential_id: int
    was_verified: bool
    verified: bool
    status: str


def reverify_credential(
    session: Session, verifier: Verifier, credential: Credential, *, max_bytes: int = 1_000_000
) -> Reverified:
    """Verify a stored credential again (status lists and keys change over time).

    The checks are replaced by the new report and the tenant's policy applied again; when
    the outcome changes, the holder's evidence is marked changed so the candidate index
    drops (or restores) it. A credential whose status can no longer be checked under
    ``unknownStatus: reject`` stays stored but is no longer verified (it stops counting,
    as a revoked one does), and counts again once a later run reads its status.
    """
    was_verified, old_status = credential.verified, credential.status_outcome
    examined = examine(verifier, credential.raw, max_bytes=max_bytes)
    checks: Sequence[Check]
    if examined.report is None:
        detail = examined.format_error[1] if examined.format_error else "not parsed"
        checks, verified = (Check(check="parse", outcome="failed", detail=detail),), False
    else:
        report = examined.report
        verdict = judge_verified(
            load_policy(session, credential.tenant_id), credential.issuer_id, report.checks
        )
        checks, verified = (*report.checks, verdict.trust), report.verified and verdict.accepted
    credential.verified = verified
    credential.status_outcome = next((c.outcome for c in checks if c.check == "status"), "passed")
    repo.replace_checks(
        session,
        credential,
        [VerificationCheck(check=c.check, outcome=c.outcome, detail=c.detail) for c in checks],
    )
    if (verified, credential.status_outcome) != (was_verified, old_status):
        candidate = registry.candidates_by_ids(
            session, credential.tenant_id, [credential.candidate_id]
        )
        registry.mark_candidate_changed(
            session,
            candidate[credential.candidate_id],
            registry.bump_change_counter(session, credential.tenant_id),
        )
    return Reverified(credential.id, was_verified, verified, credential.status_outcome)
