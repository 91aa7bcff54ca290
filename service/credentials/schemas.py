"""Wire Structs of the credentials feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from service.api.schemas import Response, SkillRef
from service.trust.schemas import UnknownStatus


class CheckOut(Response):
    """One verification check."""

    check: str
    outcome: Literal["passed", "failed", "unknown"]
    detail: str = ""


class IssuerOut(Response):
    """Issuer of a credential."""

    id: str
    name: str = ""


class CredentialOut(Response):
    """A stored credential and how it was verified."""

    id: int
    document_id: str | None
    name: str
    issuer: IssuerOut
    format: str
    proof_types: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    received_at: datetime
    verified: bool
    status: str
    checks: list[CheckOut] = msgspec.field(default_factory=list)
    bundle_id: int | None = None
    tags: list[str] = msgspec.field(default_factory=list)


class NestedOut(Response):
    """What became of one credential nested in a CLR bundle."""

    index: int
    accepted: bool
    created: bool = False
    credential: CredentialOut | None = None
    skills: list[EvidenceOut] = msgspec.field(default_factory=list)
    quarantine_id: int | None = None
    code: str = ""
    detail: str = ""
    checks: list[CheckOut] = msgspec.field(default_factory=list)


class EvidenceOut(Response):
    """A skill proven by a credential."""

    skill: SkillRef
    method: Literal["alignment", "crosswalk", "embedding"]
    confidence: float
    achievement: str
    phrase: str = ""
    model: str = ""


class IngestOut(Response):
    """Result of an accepted (or already stored) credential."""

    candidate_id: str
    created: bool
    credential: CredentialOut
    skills: list[EvidenceOut]
    nested: list[NestedOut] = msgspec.field(default_factory=list)


class QuarantinedOut(Response):
    """A rejected document kept for re-processing."""

    id: int
    candidate_id: str | None
    reason_code: str
    reason: str
    checks: list[CheckOut]
    content_hash: str
    received_at: datetime
    attempts: int
    last_attempt_at: datetime
    document: str | None = None


class QuarantinePageOut(Response):
    """``GET /v1/quarantine``: one page, oldest first; pass ``next`` as ``after``."""

    items: list[QuarantinedOut]
    next: int | None = None


class JobRejectionOut(Response):
    """A document of a job that was quarantined."""

    line: int
    quarantine_id: int | None
    reason: str


class JobOut(Response):
    """An ingest job and its progress."""

    id: int
    status: Literal["queued", "running", "done"]
    total: int
    processed: int
    accepted: int
    duplicates: int
    rejected: int
    created_at: datetime
    finished_at: datetime | None = None
    rejections: list[JobRejectionOut] = msgspec.field(default_factory=list)


class ChallengeOut(Response):
    """A challenge for a wallet: sign it, with ``domain``, into the presentation."""

    challenge: str
    domain: str
    expires_at: datetime
    candidate_id: str | None = None


class PresentedCredentialOut(Response):
    """What became of one credential of a presentation.

    ``status`` 201: stored now; 200: stored before; 422: quarantined (reason and checks).
    """

    index: int
    status: Literal[200, 201, 422]
    accepted: bool
    created: bool = False
    credential: CredentialOut | None = None
    skills: list[EvidenceOut] = msgspec.field(default_factory=list)
    nested: list[NestedOut] = msgspec.field(default_factory=list)
    quarantine_id: int | None = None
    code: str = ""
    detail: str = ""
    checks: list[CheckOut] = msgspec.field(default_factory=list)


class PresentationOut(Response):
    """An accepted presentation: its checks and each embedded credential's outcome."""

    holder: str
    candidate_id: str
    checks: list[CheckOut]
    credentials: list[PresentedCredentialOut]


class VerificationTrustOut(Response):
    """What the tenant's policy says of a verified credential, as ingest would apply it."""

    outcome: Literal["passed", "failed", "unknown"]
    detail: str
    accepted: bool
    """Ingest would store the credential as verified."""
    unknown_status: UnknownStatus
    """The policy's ``unknownStatus`` setting that applied."""
    code: str = ""
    """When not accepted: the quarantine code ingest would use (``untrusted-issuer``,
    ``status-unknown``)."""
    reason: str = ""


class VerificationOut(Response):
    """``POST /v1/verify``: a credential's verification report; nothing is stored."""

    verified: bool
    """Every required check passed and the tenant's policy accepts the credential."""
    format: str
    proof_types: list[str]
    issuer: IssuerOut
    checks: list[CheckOut]
    trust: VerificationTrustOut | None = None
    """The tenant's policy applied; ``null`` when the credential did not verify."""
