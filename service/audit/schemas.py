"""Wire Structs of the audit feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.api.schemas import (
    Response,
)


class AuditEventOut(Response):
    """An audited request: who, when, what was asked and which candidates it named."""

    id: int
    occurred_at: datetime
    action: str
    key_id: int | None
    role: str
    request_id: str | None
    query: dict[str, Any]
    candidate_ids: list[str]


class AuditPageOut(Response):
    """``GET /v1/audit``: one page, newest first; pass ``next`` as ``cursor``."""

    items: list[AuditEventOut]
    next: str | None = None
