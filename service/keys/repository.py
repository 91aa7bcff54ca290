"""SQL of API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.db.models import (
    ApiKey,
)


def add_api_key(
    session: Session, *, tenant_id: int, name: str, role: str, prefix: str, digest: str
) -> ApiKey:
    """Store a new key digest."""
    row = ApiKey(tenant_id=tenant_id, name=name, role=role, prefix=prefix, digest=digest)
    session.add(row)
    session.flush()
    return row


def find_active_api_key(session: Session, digest: str, now: datetime) -> ApiKey | None:
    """Key by digest, unless revoked by ``now`` (a rotated key works until its grace ends)."""
    return session.scalar(
        select(ApiKey).where(
            ApiKey.digest == digest, or_(ApiKey.revoked_at.is_(None), ApiKey.revoked_at > now)
        )
    )


def list_api_keys(session: Session, tenant_id: int) -> Sequence[ApiKey]:
    """The tenant's keys, revoked ones included, oldest first."""
    return session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id)
    ).all()


def api_key_by_id(session: Session, tenant_id: int, key_id: int) -> ApiKey | None:
    """One of the tenant's keys, locked for update (rotations of one key run one at a time)."""
    return session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.tenant_id == tenant_id).with_for_update()
    )


def api_key_tenant_id(session: Session, key_id: int) -> int | None:
    """The tenant a key belongs to (operator tools that address a key by id alone)."""
    return session.scalar(select(ApiKey.tenant_id).where(ApiKey.id == key_id))
