"""Domain results of the candidates feature turned into its wire Structs."""

from __future__ import annotations

import base64

import msgspec

from service.audit.views import as_utc, audit_event_out
from service.candidates import schemas as s
from service.candidates.privacy import CandidateExport
from service.candidates.service import CandidateProfile
from service.credentials import schemas as credentials_schemas
from service.credentials import views as credentials_views
from service.credentials.service import EvidenceView
from service.credentials.views import credential_out, evidence_out
from service.taxonomy.views import skill_ref


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


def document_out(raw: bytes) -> s.DocumentOut:
    """A stored document: decoded JSON when it is JSON, else text, else base64."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return s.DocumentOut(encoding="base64", content=base64.b64encode(raw).decode("ascii"))
    try:
        return s.DocumentOut(encoding="json", content=msgspec.json.decode(raw))
    except msgspec.DecodeError:
        return s.DocumentOut(encoding="text", content=text)


def candidate_export_out(export: CandidateExport) -> s.CandidateExportOut:
    """A candidate's export document."""
    profile = export.profile
    public = candidate_out(profile)
    by_credential = {c.id: c for c in public.credentials}
    evidence: dict[int, list[credentials_schemas.EvidenceOut]] = {}
    for view in profile.evidence:
        evidence.setdefault(view.credential.id, []).append(
            credentials_views.evidence_out(view.evidence, profile.skills[view.evidence.skill_id])
        )
    candidate = profile.candidate
    return s.CandidateExportOut(
        exported_at=export.exported_at,
        candidate=s.ExportedCandidateOut(
            id=candidate.external_id,
            created_at=as_utc(candidate.created_at),
            updated_at=as_utc(candidate.updated_at),
            tags=list(profile.tags),
        ),
        skills=public.skills,
        declared=public.declared,
        credentials=[
            s.ExportedCredentialOut(
                credential=by_credential[credential.id],
                content_hash=credential.content_hash,
                document=document_out(export.documents.get(credential.id, b"")),
                evidence=evidence.get(credential.id, []),
            )
            for credential in profile.credentials
        ],
        quarantined=[
            s.ExportedQuarantineOut(
                entry=credentials_views.quarantined_out(row), document=document_out(row.raw)
            )
            for row in export.quarantined
        ],
        audit_events=[audit_event_out(e) for e in export.audit_events],
    )
