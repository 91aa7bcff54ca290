"""Queries of the audit log.

Functions take an open :class:`~sqlalchemy.orm.Session` and never commit; every query filters
on the tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.db.models import AuditEvent, AuditEventCandidate


def add_audit_event(
    session: Session,
    *,
    tenant_id: int,
    key_id: int | None,
    role: str,
    action: str,
    request_id: str | None,
    query: dict[str, Any],
    candidate_ids: Sequence[str],
) -> AuditEvent:
    """Store an audit event and index the candidates it names."""
    event = AuditEvent(
        tenant_id=tenant_id,
        key_id=key_id,
        role=role,
        action=action,
        request_id=request_id,
        query=query,
        candidate_ids=list(candidate_ids),
    )
    session.add(event)
    session.flush()
    named = list(dict.fromkeys(candidate_ids))
    if named:
        session.execute(
            insert(AuditEventCandidate),
            [{"event_id": event.id, "external_id": c, "tenant_id": tenant_id} for c in named],
        )
    return event


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to list; every condition set must hold."""

    action: str | None = None
    key_id: int | None = None
    candidate_id: str | None = None
    since: datetime | None = None
    """Events at or after this time."""
    until: datetime | None = None
    """Events before this time."""


def list_audit_events(
    session: Session,
    tenant_id: int,
    where: AuditFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> list[AuditEvent]:
    """A tenant's audit events, newest first (by id), starting below ``before_id``."""
    statement = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if where.action is not None:
        statement = statement.where(AuditEvent.action == where.action)
    if where.key_id is not None:
        statement = statement.where(AuditEvent.key_id == where.key_id)
    if where.candidate_id is not None:
        statement = statement.where(
            AuditEvent.id.in_(
                select(AuditEventCandidate.event_id).where(
                    AuditEventCandidate.tenant_id == tenant_id,
                    AuditEventCandidate.external_id == where.candidate_id,
                )
            )
        )
    if where.since is not None:
        statement = statement.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        statement = statement.where(AuditEvent.occurred_at < where.until)
    if before_id is not None:
        statement = statement.where(AuditEvent.id < before_id)
    return list(session.scalars(statement.order_by(AuditEvent.id.desc()).limit(limit)))
