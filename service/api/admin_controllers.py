"""HTTP controllers of privacy and oversight: candidate export and the audit log."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.params import Parameter, QueryParameter

from service.api.controllers import CandidateIdParam, PrincipalDep, SessionDep
from service.api.dependencies import require_api_key
from service.audit.service import AuditFilter, actor_of, audit_page
from service.candidates import schemas as ps
from service.candidates import views as privacy_views
from service.candidates.privacy import export_candidate
from service.keys.roles import allow

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def _attachment(candidate_id: str) -> str:
    """``Content-Disposition`` of an export: a safe ASCII file name from the candidate id."""
    name = _UNSAFE_FILENAME.sub("_", candidate_id).strip("._")[:100] or "candidate"
    return f'attachment; filename="candidate-{name}.json"'


class CandidatePrivacyController(Controller):
    """A copy of everything held about a candidate (erasure: ``CandidateController``)."""

    path = "/v1/candidates"
    tags = ["candidates"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

    @get(
        "/{candidate_id:str}/export",
        sync_to_thread=True,
        summary="Everything held about a candidate",
        opt=allow(),
        description=(
            "One JSON document (an attachment): the candidate and tags, every credential with "
            "its checks, its document as stored (JSON decoded, other text as text, binary in "
            "base64) and the evidence it gave, verified and declared skills, quarantined "
            "documents sent for the candidate's id, and the audit events that name the "
            "candidate. The export is itself audited. Admins only."
        ),
    )
    def export(
        self,
        candidate_id: CandidateIdParam,
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> Response[ps.CandidateExportOut]:
        """The candidate's data as a downloadable JSON document."""
        export = export_candidate(db_session, actor_of(principal, request.state), candidate_id)
        return Response(
            privacy_views.candidate_export_out(export),
            headers={"Content-Disposition": _attachment(candidate_id)},
        )


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
        description=(
            "Newest first. Each event names the API key and role, the request as sent and the "
            "candidates returned (the page) or acted on. Filter by action, key, a candidate "
            "named in the event, and time (since inclusive, until exclusive); page with the "
            "returned cursor. Admins only."
        ),
    )
    def list_events(  # noqa: PLR0917 (handlers receive injected dependencies)
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        action: Annotated[
            Literal["match", "search", "export", "erase"] | None, QueryParameter()
        ] = None,
        key_id: Annotated[int | None, QueryParameter(name="keyId", ge=1)] = None,
        candidate_id: Annotated[
            str | None, QueryParameter(name="candidateId", min_length=1, max_length=200)
        ] = None,
        since: Annotated[datetime | None, QueryParameter()] = None,
        until: Annotated[datetime | None, QueryParameter()] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> ps.AuditPageOut:
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
        return ps.AuditPageOut(
            items=[privacy_views.audit_event_out(e) for e in page.events], next=page.next_cursor
        )
