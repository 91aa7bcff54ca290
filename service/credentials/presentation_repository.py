"""Queries of the challenges issued to wallets for Verifiable Presentations.

Functions take an open :class:`~sqlalchemy.orm.Session` and never commit; every query filters
on the tenant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from service.db.models import PresentationChallenge


def add_challenge(session: Session, challenge: PresentationChallenge) -> PresentationChallenge:
    """Store an issued challenge."""
    session.add(challenge)
    session.flush()
    return challenge


def delete_expired_challenges(session: Session, tenant_id: int, before: datetime) -> int:
    """Forget the tenant's challenges that expired before ``before``; how many went."""
    result = session.execute(
        delete(PresentationChallenge).where(
            PresentationChallenge.tenant_id == tenant_id,
            PresentationChallenge.expires_at < before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def consume_challenge(session: Session, tenant_id: int, challenge: str, now: datetime) -> bool:
    """Mark the tenant's unexpired, unused ``challenge`` used; whether this call did.

    One conditional UPDATE: of two requests racing with the same challenge, one wins.
    """
    result = session.execute(
        update(PresentationChallenge)
        .where(
            PresentationChallenge.tenant_id == tenant_id,
            PresentationChallenge.challenge == challenge,
            PresentationChallenge.used_at.is_(None),
            PresentationChallenge.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def find_challenge(
    session: Session, tenant_id: int, challenge: str
) -> PresentationChallenge | None:
    """The tenant's challenge with this value, or ``None``."""
    return session.scalars(
        select(PresentationChallenge).where(
            PresentationChallenge.tenant_id == tenant_id,
            PresentationChallenge.challenge == challenge,
        )
    ).one_or_none()
