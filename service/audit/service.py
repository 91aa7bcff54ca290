"""The audit log: who matched, searched, exported or erased what, and what they got back.

One row per audited request, written in the request's own transaction (so a failed request
leaves none): the API key and its role, the action, the request as sent (job text, skills,
filters, cursor) and the external ids of the candidates returned (the page) or acted on.
Audited: ``POST /v1/match`` (``match``), ``GET``/``POST /v1/candidates/search``
(``search``), candidate export (``export``) and erasure (``erase``, API or CLI).

Erasure keeps the audit rows. They hold no personal data but the candidate's external id
(the tenant's own pseudonymous id): earlier rows keep it in the lists of candidates they
returned, and the ``erase`` row keeps it to prove the erasure happened, by whom and when.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec
from sqlalchemy.orm import Session

from service.audit import repository as audit_repo
from service.audit.repository import AuditFilter
from service.db.models import AuditEvent
from service.errors import InvalidCursorError
from service.keys.auth import Principal

__all__ = [
    "Action",
    "Actor",
    "AuditFilter",
    "AuditPage",
    "actor_of",
    "audit_page",
    "events_naming",
    "record_event",
]

Action = Literal["match", "search", "export", "erase"]
"""What an audited request did."""

CLI_ROLE = "cli"
"""The role recorded for actions taken with the command line (no API key)."""

_PAGE = 500


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: the tenant, the API key and its role, and the request id when there is one."""

    tenant_id: int
    key_id: int | None
    role: str
    request_id: str | None = None


def actor_of(principal: Principal, state: Mapping[str, Any] | None = None) -> Actor:
    """The actor of an API request.

    Args:
        principal: The authenticated caller.
        state: The request state; its ``request_id`` is recorded when a middleware set one.
    """
    request_id = state.get("request_id") if state is not None else None
    return Actor(
        tenant_id=principal.tenant_id,
        key_id=principal.key_id,
        role=principal.role.value,
        request_id=str(request_id)[:200] if request_id is not None else None,
    )


def record_event(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    query: msgspec.Struct | dict[str, Any],
    candidates: Sequence[str],
) -> AuditEvent:
    """Write one audit event in the caller's transaction.

    Args:
        session: The request's session (the caller commits).
        actor: Who acts.
        action: What they did.
        query: The request as sent (a request Struct is stored with its wire names).
        candidates: External ids of the candidates returned or acted on, in order.
    """
    stored = msgspec.to_builtins(query) if isinstance(query, msgspec.Struct) else query
    return audit_repo.add_audit_event(
        session,
        tenant_id=actor.tenant_id,
        key_id=actor.key_id,
        role=actor.role,
        action=action,
        request_id=actor.request_id,
        query=stored,
        candidate_ids=candidates,
    )


@dataclass(frozen=True, slots=True)
class AuditPage:
    """A page of events, newest first, and the cursor of the next one."""

    events: Sequence[AuditEvent]
    next_cursor: str | None


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC (naive times are taken as UTC), so SQLite compares like PostgreSQL."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def audit_page(
    session: Session,
    tenant_id: int,
    where: AuditFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> AuditPage:
    """One page of a tenant's audit events, newest first.

    Pages are cut by event id (keyset), so they neither repeat nor skip an event while new
    events are written.

    Raises:
        InvalidCursorError: The cursor is not one this API returned.
    """
    where = AuditFilter(
        action=where.action,
        key_id=where.key_id,
        candidate_id=where.candidate_id,
        since=_utc(where.since),
        until=_utc(where.until),
    )
    before = _decode_cursor(cursor) if cursor else None
    rows = audit_repo.list_audit_events(
        session, tenant_id, where, before_id=before, limit=limit + 1
    )
    page = rows[:limit]
    return AuditPage(
        events=page,
        next_cursor=_encode_cursor(page[-1].id) if len(rows) > limit and page else None,
    )


def events_naming(session: Session, tenant_id: int, external_id: str) -> list[AuditEvent]:
    """Every audit event of a tenant that names a candidate, newest first."""
    found: list[AuditEvent] = []
    before: int | None = None
    while True:
        rows = audit_repo.list_audit_events(
            session, tenant_id, AuditFilter(candidate_id=external_id), before_id=before, limit=_PAGE
        )
        found.extend(rows)
        if len(rows) < _PAGE:
            return found
        before = rows[-1].id


def _encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([event_id])).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        (event_id,) = msgspec.json.decode(base64.urlsafe_b64decode(padded))
        if not isinstance(event_id, int) or isinstance(event_id, bool):
            raise TypeError(event_id)
    except (binascii.Error, msgspec.DecodeError, ValueError, TypeError):
        raise InvalidCursorError("cursor is not one this API returned") from None
    return event_id
