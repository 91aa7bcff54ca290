"""API keys: creation, authentication and role checks.

A key looks like ``cm_<prefix>_<secret>``. Only the SHA-256 digest of the whole key is stored:
keys are 256-bit random strings, so a fast digest is safe (as with GitHub tokens) and lookups
stay one indexed query.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from service.db import registry
from service.db.models import Tenant, utcnow
from service.errors import AuthenticationError, InvalidRequestError, PermissionDeniedError
from service.keys import repository as repo


class Role(enum.StrEnum):
    """What a key may do."""

    ADMIN = "admin"
    INGEST = "ingest"
    MATCHER = "matcher"
    RECRUITER = "recruiter"
    ANALYST = "analyst"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: a tenant and a role."""

    tenant_id: int
    role: Role
    key_id: int

    def require(self, *roles: Role) -> None:
        """Raise unless the caller's role is one of ``roles`` (admins may do everything).

        With no ``roles``, only admins may.

        Raises:
            PermissionDeniedError: The role is not allowed.
        """
        if self.role is Role.ADMIN or self.role in roles:
            return
        allowed = ", ".join([*sorted(r.value for r in roles), Role.ADMIN.value])
        raise PermissionDeniedError(
            f"role {self.role.value!r} may not do this; allowed roles: {allowed}"
        )


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A new key; the plaintext is shown once and never stored."""

    key: str
    key_id: int
    tenant: str
    role: Role


def digest(key: str) -> str:
    """SHA-256 hex digest of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_role(role: str) -> Role:
    """The :class:`Role` named ``role``.

    Raises:
        InvalidRequestError: No such role.
    """
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidRequestError(f"unknown role {role!r}; choose one of {allowed}") from None


def create_api_key(session: Session, *, tenant: str, role: str, name: str = "") -> CreatedKey:
    """Create a key for a tenant (created when missing).

    Args:
        session: Open session; the caller commits.
        tenant: Tenant name.
        role: One of :class:`Role`.
        name: Label to recognise the key by.

    Raises:
        InvalidRequestError: Unknown role or empty tenant.
    """
    parsed_role = parse_role(role)
    if not tenant.strip():
        raise InvalidRequestError("tenant name must not be empty")
    tenant_row = registry.get_or_create_tenant(session, tenant.strip())
    return issue_api_key(session, tenant_row, parsed_role, name)


def issue_api_key(session: Session, tenant: Tenant, role: Role, name: str = "") -> CreatedKey:
    """Create a key for an existing tenant.

    Args:
        session: Open session; the caller commits.
        tenant: The tenant row.
        role: What the key may do.
        name: Label to recognise the key by (``"<role> key"`` when empty).
    """
    prefix = secrets.token_hex(4)
    key = f"cm_{prefix}_{secrets.token_urlsafe(32)}"
    row = repo.add_api_key(
        session,
        tenant_id=tenant.id,
        name=name or f"{role.value} key",
        role=role.value,
        prefix=prefix,
        digest=digest(key),
    )
    return CreatedKey(key=key, key_id=row.id, tenant=tenant.name, role=role)


def authenticate(session: Session, authorization: str | None) -> Principal:
    """Resolve an ``Authorization: Bearer <key>`` header to a principal.

    Raises:
        AuthenticationError: The header is missing, malformed, or names no active key.
    """
    if not authorization:
        raise AuthenticationError("missing Authorization header; send 'Bearer <api key>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("Authorization header must be 'Bearer <api key>'")
    row = repo.find_active_api_key(session, digest(token.strip()), utcnow())
    if row is None:
        raise AuthenticationError("API key is not valid or has been revoked")
    return Principal(tenant_id=row.tenant_id, role=Role(row.role), key_id=row.id)
