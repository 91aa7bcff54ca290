"""Wire types of candidate export and the audit log (camelCase, as in :mod:`schemas`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from service.api.schemas import (
    CandidateSkillOut,
    CredentialOut,
    DeclaredSkillOut,
    EvidenceOut,
    QuarantinedOut,
    Response,
)


class DocumentOut(Response):
    """A stored document as received.

    JSON decoded, other UTF-8 text (a VC-JWT, an SVG) as text, anything else (a baked PNG)
    in base64.
    """

    encoding: Literal["json", "text", "base64"]
    content: Any


class ExportedCredentialOut(Response):
    """A credential with its verification checks, its document and the evidence it gave."""

    credential: CredentialOut
    content_hash: str
    document: DocumentOut
    evidence: list[EvidenceOut]


class ExportedQuarantineOut(Response):
    """A rejected document sent for the candidate, with the reason."""

    entry: QuarantinedOut
    document: DocumentOut


class AuditEventOut(Response):
    """An audited request: who, when, what was asked and which candidates it named."""

    id: int
    occurred_at: datetime
    action: str
    key_id: int | None
    role: str
    request_id: str | None
    query: dict[str, Any]
    candidate_ids: list[str]


class AuditPageOut(Response):
    """``GET /v1/audit``: one page, newest first; pass ``next`` as ``cursor``."""

    items: list[AuditEventOut]
    next: str | None = None


class ExportedCandidateOut(Response):
    """The candidate row."""

    id: str
    created_at: datetime
    updated_at: datetime
    tags: list[str] = msgspec.field(default_factory=list)


class CandidateExportOut(Response):
    """``GET /v1/candidates/{id}/export``: everything held about a candidate."""

    exported_at: datetime
    candidate: ExportedCandidateOut
    skills: list[CandidateSkillOut]
    declared: list[DeclaredSkillOut]
    credentials: list[ExportedCredentialOut]
    quarantined: list[ExportedQuarantineOut]
    audit_events: list[AuditEventOut]
