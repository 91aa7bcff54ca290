"""SQL of the tenants' issuer trust policies."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.db.models import (
    IssuerTrustPolicyRow,
    utcnow,
)


def trust_policy(session: Session, tenant_id: int) -> dict[str, Any] | None:
    """A tenant's stored issuer trust policy (JSON), or ``None`` when it has none."""
    row = session.get(IssuerTrustPolicyRow, tenant_id)
    return None if row is None else row.policy


def put_trust_policy(session: Session, tenant_id: int, policy: dict[str, Any]) -> None:
    """Store (replace) a tenant's issuer trust policy."""
    row = session.get(IssuerTrustPolicyRow, tenant_id)
    if row is None:
        session.add(IssuerTrustPolicyRow(tenant_id=tenant_id, policy=policy))
    else:
        row.policy = policy
        row.updated_at = utcnow()
    session.flush()
