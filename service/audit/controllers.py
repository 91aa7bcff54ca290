"""HTTP controllers of the audit feature: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.params import Parameter, QueryParameter

from service.api import schemas as wire
from service.api.dependencies import CandidateIdQuery, PrincipalDep, SessionDep, require_api_key
from service.api.openapi import problem_responses
from service.audit import schemas as s
from service.audit import views
from service.audit.service import AuditFilter, audit_page
from service.keys.roles import allow


class AuditController(Controller):
    """The tenant's audit log."""

    path = "/v1/audit"
    tags = ["operations"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get(
        "/",
        sync_to_thread=True,
        summary="Audit log: who matched, searched, exported or erased what",
        opt=allow(),
        responses=problem_responses(422),
        description=(
            "Newest first. Each event names the API key and role, the request as sent and the "
            "candidates returned (the page) or acted on. Filter by action, key, a candidate "
            "named in the event, and time (since inclusive, until exclusive); page with the "
            "returned cursor. Admins only."
        ),
    )
    def list_events(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        action: Annotated[
            Literal["match", "search", "export", "erase"] | None, QueryParameter()
        ] = None,
        key_id: Annotated[int | None, QueryParameter(name="keyId", ge=1, le=wire.MAX_ID)] = None,
        candidate_id: CandidateIdQuery = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[
            str | None, QueryParameter(max_length=200, pattern=wire.CURSOR_PATTERN)
        ] = None,
    ) -> s.AuditPageOut:
        """One page of the tenant's audit events."""
        page = audit_page(
            db_session,
            principal.tenant_id,
            AuditFilter(
                action=action, key_id=key_id, candidate_id=candidate_id, since=since, until=until
            ),
            cursor=cursor,
            limit=limit,
        )
        return s.AuditPageOut(
            items=[views.audit_event_out(e) for e in page.events], next=page.next_cursor
        )
