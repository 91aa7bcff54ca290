"""Wire Structs of the keys feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from msgspec import Meta

from service.api.schemas import Request, Response

RoleName = Literal["admin", "ingest", "matcher", "recruiter", "analyst"]


MAX_GRACE_SECONDS = 7 * 24 * 3600


class ApiKeyIn(Request):
    """A key to create for the caller's tenant; ``name`` defaults to "<role> key"."""

    role: RoleName
    name: Annotated[str, Meta(max_length=200)] = ""


class ApiKeyRotateIn(Request):
    """How long the old key keeps working after a rotation (0: it stops at once)."""

    grace_seconds: Annotated[int, Meta(ge=0, le=MAX_GRACE_SECONDS)] = 0


class ApiKeyOut(Response):
    """A key as shown to admins: never its digest. The key itself starts ``cm_<prefix>_``."""

    id: int
    name: str
    role: RoleName
    prefix: str
    created_at: datetime
    active: bool
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    """Set while a rotated key is in its grace period: when it stops working."""


class ApiKeyListOut(Response):
    """The tenant's keys, revoked ones included, oldest first."""

    items: list[ApiKeyOut]


class NewApiKeyOut(Response):
    """A key just created; ``key`` is shown this once and cannot be read again."""

    key: str
    api_key: ApiKeyOut
    previous: ApiKeyOut | None = None
    """After a rotation: the old key, with when it stops working."""
