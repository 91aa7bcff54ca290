"""API key administration: list, create, rotate and revoke a tenant's keys.

Used by tenant admins through ``/v1/keys`` and by operators through ``credmatch keys``.
Every function is scoped to one tenant: another tenant's key id is "not found".

Rotation needs no schema change: the old key's ``revoked_at`` is set to the end of the grace
period, and authentication accepts keys whose ``revoked_at`` is empty or still in the future
(:func:`service.db.repositories.find_active_api_key`). A grace of zero revokes it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from service.db import registry
from service.db.models import ApiKey, utcnow
from service.errors import InvalidRequestError, KeyConflictError, NotFoundError
from service.keys import repository as repo
from service.keys.auth import Role, issue_api_key

__all__ = [
    "MAX_ROTATION_GRACE",
    "KeyConflictError",
    "KeyInfo",
    "NewKey",
    "RotatedKey",
    "create_key",
    "list_keys",
    "revoke_key",
    "rotate_key",
    "tenant_of_key",
]

MAX_ROTATION_GRACE = timedelta(days=7)
"""The longest an old key keeps working after a rotation."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown of a key: never its digest."""

    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    """When the key stopped working (in the past)."""
    expires_at: datetime | None
    """When a rotated key stops working (in the future)."""

    @property
    def active(self) -> bool:
        """Whether the key authenticates now."""
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class NewKey:
    """A key just created: the plaintext, shown once and never stored, and its details."""

    key: str
    tenant: str
    info: KeyInfo


@dataclass(frozen=True, slots=True)
class RotatedKey:
    """The new key and the old one with the end of its grace period."""

    new: NewKey
    previous: KeyInfo


def _aware(moment: datetime) -> datetime:
    # SQLite returns naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _info(row: ApiKey, now: datetime) -> KeyInfo:
    ends = _aware(row.revoked_at) if row.revoked_at is not None else None
    return KeyInfo(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        prefix=row.prefix,
        created_at=_aware(row.created_at),
        revoked_at=ends if ends is not None and ends <= now else None,
        expires_at=ends if ends is not None and ends > now else None,
    )


def _key(session: Session, tenant_id: int, key_id: int) -> ApiKey:
    row = repo.api_key_by_id(session, tenant_id, key_id)
    if row is None:
        raise NotFoundError(f"no API key {key_id}")
    return row


def list_keys(session: Session, tenant_id: int) -> list[KeyInfo]:
    """The tenant's keys, revoked ones included, oldest first."""
    now = utcnow()
    return [_info(row, now) for row in repo.list_api_keys(session, tenant_id)]


def _issue(session: Session, tenant_id: int, role: Role, name: str, now: datetime) -> NewKey:
    tenant = registry.tenant_by_id(session, tenant_id)
    if tenant is None:
        raise NotFoundError(f"no tenant {tenant_id}")
    created = issue_api_key(session, tenant, role, name)
    return NewKey(
        key=created.key,
        tenant=tenant.name,
        info=_info(_key(session, tenant_id, created.key_id), now),
    )


def create_key(session: Session, tenant_id: int, *, role: Role, name: str = "") -> NewKey:
    """Create a key for the tenant; the plaintext is in the result only.

    Args:
        session: Open session; the caller commits.
        tenant_id: The tenant.
        role: What the key may do.
        name: Label to recognise it by (``"<role> key"`` when blank).

    Raises:
        NotFoundError: No such tenant.
    """
    return _issue(session, tenant_id, role, name.strip(), utcnow())


def rotate_key(
    session: Session, tenant_id: int, key_id: int, *, grace: timedelta = timedelta(0)
) -> RotatedKey:
    """Issue a new key with the old one's name and role; the old one ends after ``grace``.

    A revocation already scheduled sooner (an earlier rotation) is kept, never postponed.

    Raises:
        InvalidRequestError: ``grace`` is negative or over :data:`MAX_ROTATION_GRACE`.
        NotFoundError: The tenant has no such key.
        KeyConflictError: The key is revoked already.
    """
    if not timedelta(0) <= grace <= MAX_ROTATION_GRACE:
        raise InvalidRequestError(
            f"grace must be between 0 and {int(MAX_ROTATION_GRACE.total_seconds())} seconds"
        )
    now = utcnow()
    row = _key(session, tenant_id, key_id)
    if _info(row, now).revoked_at is not None:
        raise KeyConflictError(f"API key {key_id} is revoked; create a new key instead")
    ends = now + grace
    if row.revoked_at is None or _aware(row.revoked_at) > ends:
        row.revoked_at = ends
    new = _issue(session, tenant_id, Role(row.role), row.name, now)
    return RotatedKey(new=new, previous=_info(row, now))


def revoke_key(
    session: Session, tenant_id: int, key_id: int, *, caller_key_id: int | None, force: bool
) -> KeyInfo:
    """Revoke a key now (one in its rotation grace included); revoking twice changes nothing.

    Args:
        session: Open session; the caller commits.
        tenant_id: The tenant owning the key.
        key_id: The key.
        caller_key_id: The key making the request, if any (None for operator tools).
        force: Revoke the caller's own key anyway.

    Raises:
        NotFoundError: The tenant has no such key.
        KeyConflictError: It is the caller's own key and ``force`` is false.
    """
    now = utcnow()
    row = _key(session, tenant_id, key_id)
    if key_id == caller_key_id and not force:
        raise KeyConflictError(
            f"API key {key_id} is the key making this request; revoking it locks this client "
            "out. Send force=true to revoke it anyway."
        )
    if row.revoked_at is None or _aware(row.revoked_at) > now:
        row.revoked_at = now
        session.flush()
    return _info(row, now)


def tenant_of_key(session: Session, key_id: int) -> int:
    """The tenant owning a key (operator tools address keys by id alone).

    Raises:
        NotFoundError: No such key.
    """
    tenant_id = repo.api_key_tenant_id(session, key_id)
    if tenant_id is None:
        raise NotFoundError(f"no API key {key_id}")
    return tenant_id
