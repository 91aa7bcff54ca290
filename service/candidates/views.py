"""Export and audit results on the wire."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import msgspec

from service.api import schemas as s
from service.api import views
from service.candidates import schemas as ps
from service.candidates.privacy import CandidateExport
from service.db.models import AuditEvent


def _utc(moment: datetime) -> datetime:
    # SQLite returns stored UTC times without their zone.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def document_out(raw: bytes) -> ps.DocumentOut:
    """A stored document: decoded JSON when it is JSON, else text, else base64."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ps.DocumentOut(encoding="base64", content=base64.b64encode(raw).decode("ascii"))
    try:
        return ps.DocumentOut(encoding="json", content=msgspec.json.decode(raw))
    except msgspec.DecodeError:
        return ps.DocumentOut(encoding="text", content=text)


def audit_event_out(event: AuditEvent) -> ps.AuditEventOut:
    """One audit event."""
    return ps.AuditEventOut(
        id=event.id,
        occurred_at=_utc(event.occurred_at),
        action=event.action,
        key_id=event.key_id,
        role=event.role,
        request_id=event.request_id,
        query=event.query,
        candidate_ids=list(event.candidate_ids),
    )


def candidate_export_out(export: CandidateExport) -> ps.CandidateExportOut:
    """A candidate's export document."""
    profile = export.profile
    public = views.candidate_out(profile)
    by_credential = {c.id: c for c in public.credentials}
    evidence: dict[int, list[s.EvidenceOut]] = {}
    for view in profile.evidence:
        evidence.setdefault(view.credential.id, []).append(
            views.evidence_out(view.evidence, profile.skills[view.evidence.skill_id])
        )
    candidate = profile.candidate
    return ps.CandidateExportOut(
        exported_at=export.exported_at,
        candidate=ps.ExportedCandidateOut(
            id=candidate.external_id,
            created_at=_utc(candidate.created_at),
            updated_at=_utc(candidate.updated_at),
            tags=list(profile.tags),
        ),
        skills=public.skills,
        declared=public.declared,
        credentials=[
            ps.ExportedCredentialOut(
                credential=by_credential[credential.id],
                content_hash=credential.content_hash,
                document=document_out(export.documents.get(credential.id, b"")),
                evidence=evidence.get(credential.id, []),
            )
            for credential in profile.credentials
        ],
        quarantined=[
            ps.ExportedQuarantineOut(
                entry=views.quarantined_out(row), document=document_out(row.raw)
            )
            for row in export.quarantined
        ],
        audit_events=[audit_event_out(e) for e in export.audit_events],
    )
