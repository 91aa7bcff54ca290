"""Verify a credential without storing it: the same checks and policy as ingest, no database.

`verify_document` parses and verifies a document with the verifier ingest uses
(:func:`service.credentials.service.examine`) and, when a tenant's policy is given, judges
it as ingest would (:func:`service.credentials.service.judge_verified`): the ``trust`` check,
and whether the policy would refuse it (untrusted issuer, unknown status under
``unknownStatus: reject``). Nothing is stored and nothing is quarantined; ``POST /v1/verify``
and ``credmatch verify`` answer with the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest import Check, IssuerProfile, IssuerTrustPolicy, Verifier
from service.credentials.service import PolicyVerdict, examine, judge_verified
from service.errors import CredentialUnreadableError

__all__ = ["VerificationResult", "verify_document"]


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """What verifying one document found.

    Attributes:
        verified: The verifier's checks passed and, when a policy was applied, the policy
            accepts the credential (ingest would store it as verified).
        format: The credential's format (``ob3``, ``vc-jwt``, ``ob2``, ``clr-jsonld``, ...).
        proof_types: The proofs it carries.
        issuer: Its issuer (id bound to the key by verification when ``verified``).
        checks: The verifier's checks, in report order.
        policy: What the tenant's policy says of it; ``None`` when no policy was given or
            the credential did not verify (its issuer is then not bound to its key).
    """

    verified: bool
    format: str
    proof_types: tuple[str, ...]
    issuer: IssuerProfile
    checks: tuple[Check, ...]
    policy: PolicyVerdict | None = None


def verify_document(
    verifier: Verifier,
    raw: bytes,
    *,
    policy: IssuerTrustPolicy | None = None,
    max_bytes: int = 1_000_000,
    recipient_email: str | None = None,
) -> VerificationResult:
    """Parse and verify a document, and judge it under a tenant's policy when one is given.

    Args:
        verifier: The credential verifier (pinned documents, fetching policy).
        raw: The document as ingest takes it (JSON, VC-JWT, baked PNG or SVG, OB 2.0).
        policy: The tenant's issuer trust policy; ``None`` checks the credential alone.
        max_bytes: Largest document accepted.
        recipient_email: Also check the credential names this email as its holder.

    Raises:
        CredentialUnreadableError: The document cannot be parsed (its ``code`` is the one
            ingest would quarantine it with).
    """
    examined = examine(verifier, raw, max_bytes=max_bytes, recipient_email=recipient_email)
    if examined.format_error is not None:
        raise CredentialUnreadableError(*examined.format_error)
    parsed, report = examined.parsed, examined.report
    if parsed is None or report is None:
        raise ValueError("an examined document has either a format error or a report")
    # Only a verified credential's issuer is bound to its key: trust is judged on those.
    verdict = (
        judge_verified(policy, parsed.issuer.id, report.checks)
        if policy is not None and report.verified
        else None
    )
    return VerificationResult(
        verified=report.verified and (verdict is None or verdict.accepted),
        format=parsed.format,
        proof_types=tuple(parsed.proof_types),
        issuer=parsed.issuer,
        checks=report.checks,
        policy=verdict,
    )
