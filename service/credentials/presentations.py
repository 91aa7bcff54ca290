"""Verifiable Presentations from wallets: challenges, the presentation checks, then ingest.

A wallet first asks for a challenge (`issue_challenge`): random (256 bits), single use,
expiring after ``presentation_challenge_seconds``, stored for the tenant and optionally
bound to a candidate id, and answered with the ``domain`` the presentation must name. The
wallet signs both into its presentation; `accept_presentation` checks it
(`ingest.verify_presentation`: data model, the holder's proof, key and holder binding,
domain), then the challenge: one this tenant issued, unexpired and unused. A challenge is
consumed by the first presentation whose proof the holder's key verifies (a presentation
with a broken proof cannot burn someone else's challenge), in the request's transaction,
so a replay finds it used.

A presentation that passes is unpacked and each embedded credential is ingested for the
candidate exactly as a credential sent alone (`service.credentials.service.ingest_credential`):
verified ones stored, others quarantined with their reason. A presentation that fails is
rejected with a problem whose type names the first failing rule; nothing is stored but,
so that nothing is lost, each credential it carries, in quarantine with reason code
``presentation-rejected`` (it can be retried on its own from there).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy.orm import Session

from ingest import Check, Outcome, PresentationReport, Verifier, verify_presentation
from service.credentials import presentation_repository as pr
from service.credentials import repository as repo
from service.credentials.service import (
    MAX_CANDIDATE_ID_CHARS,
    Accepted,
    Rejected,
    content_hash,
    ingest_credential,
)
from service.db.models import PresentationChallenge, QuarantinedDocument, utcnow
from service.errors import (
    ChallengeExpiredError,
    ChallengeUnknownError,
    ChallengeUsedError,
    DomainMismatchError,
    HolderMismatchError,
    PresentationRejectedError,
)
from service.settings import Settings
from service.taxonomy.service import TaxonomyContext
from service.trust.service import load_policy

CHALLENGE_BYTES: Final = 32
"""Random bytes in a challenge (``secrets.token_urlsafe``): 256 bits."""
EXPIRED_KEPT: Final = timedelta(days=1)
"""How long an expired challenge is remembered, so that it is reported as expired."""
REJECTED_CODE: Final = "presentation-rejected"
"""Quarantine reason code of a credential carried by a rejected presentation."""

_INVALID_CHECKS: Final = ("presentation", "proof", "key")
_ERRORS_BY_CHALLENGE_STATE: Final[dict[str, type[PresentationRejectedError]]] = {
    "unknown": ChallengeUnknownError,
    "expired": ChallengeExpiredError,
    "used": ChallengeUsedError,
}


def issue_challenge(
    session: Session,
    settings: Settings,
    *,
    tenant_id: int,
    candidate_external_id: str | None = None,
) -> PresentationChallenge:
    """Issue a single-use challenge for a wallet (and forget long-expired ones).

    Args:
        session: Open session; the caller commits.
        settings: For the domain and the challenge's lifetime.
        tenant_id: The tenant the presentation will be sent to.
        candidate_external_id: Bind the challenge to this candidate: a presentation over it
            is ingested for them, and may not name another candidate.
    """
    now = utcnow()
    pr.delete_expired_challenges(session, tenant_id, now - EXPIRED_KEPT)
    return pr.add_challenge(
        session,
        PresentationChallenge(
            tenant_id=tenant_id,
            challenge=secrets.token_urlsafe(CHALLENGE_BYTES),
            domain=settings.resolved_presentation_domain,
            candidate_external_id=candidate_external_id,
            created_at=now,
            expires_at=now + timedelta(seconds=settings.presentation.challenge_seconds),
        ),
    )


@dataclass(frozen=True, slots=True)
class PresentationResult:
    """An accepted presentation: its checks and what became of each embedded credential."""

    holder: str
    candidate_external_id: str
    checks: tuple[Check, ...]
    credentials: tuple[Accepted | Rejected, ...]


def _challenge_check(  # noqa: PLR0911 - one return per challenge state
    session: Session,
    tenant_id: int,
    report: PresentationReport,
    candidate_external_id: str | None,
    now: datetime,
) -> tuple[Check, str, PresentationChallenge | None]:
    """(the ``challenge`` check, the challenge state, the challenge row when found)."""
    value = report.presentation.challenge if report.presentation else None
    if value is None:
        return _challenge("failed", "the presentation carries no challenge"), "unknown", None
    if any(report.get(name) is None or not _passed(report, name) for name in ("proof", "key")):
        detail = "not checked: the holder's proof does not verify"
        return _challenge("unknown", detail), "", None
    row = pr.find_challenge(session, tenant_id, value)
    if row is None:
        return _challenge("failed", "this tenant issued no such challenge"), "unknown", None
    bound = row.candidate_external_id
    if bound and candidate_external_id and candidate_external_id != bound:
        detail = f"the challenge was issued for candidate {bound!r}, not {candidate_external_id!r}"
        return _challenge("failed", detail), "unknown", row
    if pr.consume_challenge(session, tenant_id, value, now):
        return _challenge("passed", "issued by this tenant, unexpired, now used"), "", row
    if row.used_at is not None:
        return (
            _challenge("failed", f"the challenge was used at {row.used_at:%Y-%m-%dT%H:%M:%SZ}"),
            ("used"),
            row,
        )
    expired = f"the challenge expired at {row.expires_at:%Y-%m-%dT%H:%M:%SZ}"
    return _challenge("failed", expired), "expired", row


def _challenge(outcome: Outcome, detail: str) -> Check:
    return Check(check="challenge", outcome=outcome, detail=detail)


def _passed(report: PresentationReport, name: str) -> bool:
    check = report.get(name)
    return check is not None and check.outcome == "passed"


def _error_class(
    checks: tuple[Check, ...], challenge_state: str
) -> type[PresentationRejectedError]:
    """The problem type of the first failing rule, in the order a wallet should fix them."""
    failing = {check.check for check in checks if check.outcome != "passed"}
    if failing & set(_INVALID_CHECKS):
        return PresentationRejectedError
    if challenge_state:
        return _ERRORS_BY_CHALLENGE_STATE[challenge_state]
    if "domain" in failing:
        return DomainMismatchError
    return HolderMismatchError


def accept_presentation(
    session: Session,
    context: TaxonomyContext,
    verifier: Verifier,
    settings: Settings,
    *,
    tenant_id: int,
    raw: bytes,
    candidate_external_id: str | None = None,
) -> PresentationResult:
    """Check a presentation and ingest the credentials it carries, in the caller's transaction.

    Args:
        session: Open session; the caller commits (also after a rejection, which stores
            quarantine rows and may consume the challenge).
        context: The default taxonomy release with its mapper.
        verifier: Resolves keys as for credentials.
        settings: Expected domain and size limit.
        tenant_id: The receiving tenant.
        raw: The presentation as received (JSON-LD or a compact VP-JWT).
        candidate_external_id: The tenant's id for the holder; defaults to the candidate the
            challenge was issued for, then to the holder id.

    Returns:
        The presentation's checks and each credential's outcome.

    Raises:
        PresentationRejectedError: The presentation fails one of its own checks (a subclass
            names the challenge, domain or holder rule); its credentials were quarantined.
    """
    policy = load_policy(session, tenant_id)
    report = verify_presentation(
        raw,
        verifier,
        domain=settings.resolved_presentation_domain,
        allow_other_holders=policy.allow_other_holders,
        max_bytes=settings.limits.max_credential_bytes,
    )
    challenge, state, row = _challenge_check(
        session, tenant_id, report, candidate_external_id, utcnow()
    )
    checks = (*report.checks, challenge)
    presentation = report.presentation
    candidate = (
        candidate_external_id
        or (row.candidate_external_id if row is not None else None)
        or (presentation.holder if presentation is not None else None)
    )
    failed = [check for check in checks if check.outcome != "passed"]
    if failed or presentation is None or presentation.holder is None:
        error = _error_class(checks, state)
        detail = "; ".join(f"{check.check}: {check.detail}" for check in failed)
        documents = presentation.credentials if presentation is not None else ()
        quarantined = [
            _quarantine(
                session,
                tenant_id,
                raw=document,
                candidate=candidate,
                reason=f"{error.problem}: {detail}",
                checks=checks,
            )
            for document in documents
        ]
        raise error(
            detail,
            extra={
                "checks": [
                    {"check": c.check, "outcome": c.outcome, "detail": c.detail} for c in checks
                ],
                "quarantineIds": quarantined,
            },
        )
    holder = presentation.holder
    results = tuple(
        ingest_credential(
            session,
            context,
            verifier,
            tenant_id=tenant_id,
            raw=document,
            candidate_external_id=candidate,
            max_bytes=settings.limits.max_credential_bytes,
        )
        for document in presentation.credentials
    )
    return PresentationResult(
        holder=holder, candidate_external_id=candidate or holder, checks=checks, credentials=results
    )


def _quarantine(
    session: Session,
    tenant_id: int,
    *,
    raw: bytes,
    candidate: str | None,
    reason: str,
    checks: tuple[Check, ...],
) -> int:
    """Keep a credential of a rejected presentation; the quarantine id."""
    row = repo.add_quarantine(
        session,
        QuarantinedDocument(
            tenant_id=tenant_id,
            candidate_external_id=(candidate or "")[:MAX_CANDIDATE_ID_CHARS],
            raw=raw,
            content_hash=content_hash(raw),
            reason_code=REJECTED_CODE,
            reason=f"presentation rejected ({reason})",
            checks=[{"check": c.check, "outcome": c.outcome, "detail": c.detail} for c in checks],
        ),
    )
    return row.id
