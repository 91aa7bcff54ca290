"""Wire Structs of the candidates feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from service.api.schemas import Request, Response, SkillRef
from service.audit.schemas import AuditEventOut
from service.credentials.schemas import CredentialOut, EvidenceOut, QuarantinedOut
from service.matching.filters import Tags


class CandidateSkillOut(Response):
    """A verified skill of a candidate with the credentials behind it."""

    skill: SkillRef
    evidence: list[EvidenceOut]
    credentials: list[int]


class DeclaredSkillOut(Response):
    """A skill a credential declares through an alignment, in whatever framework.

    ``skill`` is set when the aligned item is a skill of an imported taxonomy; otherwise it
    is a free skill known only by framework, code, URL and name.
    """

    credential_id: int
    achievement_id: str
    framework: str
    target_url: str
    target_code: str
    target_name: str
    skill: SkillRef | None = None


class CandidateOut(Response):
    """``GET /v1/candidates/{id}``."""

    id: str
    skills: list[CandidateSkillOut]
    credentials: list[CredentialOut]
    declared: list[DeclaredSkillOut] = msgspec.field(default_factory=list)
    tags: list[str] = msgspec.field(default_factory=list)


class CandidateTagsIn(Request):
    """``PUT /v1/candidates/{id}/tags``: the candidate's tags, replaced whole."""

    tags: Tags


class CandidateTagsOut(Response):
    """A candidate's tags (trimmed, lower-cased, de-duplicated)."""

    id: str
    tags: list[str]


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
