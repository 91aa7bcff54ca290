"""Domain results of the audit feature turned into its wire Structs."""

from __future__ import annotations

from datetime import UTC, datetime

from service.audit import schemas as s
from service.db.models import AuditEvent


def audit_event_out(event: AuditEvent) -> s.AuditEventOut:
    """One audit event."""
    return s.AuditEventOut(
        id=event.id,
        occurred_at=as_utc(event.occurred_at),
        action=event.action,
        key_id=event.key_id,
        role=event.role,
        request_id=event.request_id,
        query=event.query,
        candidate_ids=list(event.candidate_ids),
    )


def as_utc(moment: datetime) -> datetime:
    """The moment as an aware UTC time: SQLite returns stored UTC times without their zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
