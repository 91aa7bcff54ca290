"""HTTP controllers of job postings and gap reports (thin: one service call each)."""

# Handlers receive injected dependencies as parameters, as in every feature's controllers.

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import JSONBody, Parameter, PathParameter, QueryParameter, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from service.api import schemas as wire
from service.api.dependencies import (
    SETTINGS,
    TAXONOMY,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TaxonomyDep,
    require_api_key,
)
from service.api.openapi import problem_responses, raw_body, renderings
from service.errors import CredmatchError, ReportFailedError, ReportNotReadyError
from service.gap import schemas as s
from service.gap import views as gap_views
from service.gap.jobs import StoredReport, stored_report, submit_report
from service.gap.postings import ImportSummary, stored_posting, submit_postings, upload_status
from service.gap.render import (
    HTML_CONTENT_SECURITY_POLICY,
    Table,
    chart_png,
    report_csv,
    report_html,
)
from service.gap.service import GapQuery
from service.keys.auth import Role
from service.keys.roles import allow

MAX_POSTINGS_BODY_BYTES = 64 * 1024 * 1024
ReportFormat = Literal["json", "csv", "html"]
FormatParam = Annotated[
    ReportFormat | None,
    QueryParameter(
        name="format",
        description="json, csv or html; without it the Accept header decides (json default)",
    ),
]
TableParam = Annotated[
    Table,
    QueryParameter(description="the table a CSV holds (skills by default)"),
]


class PostingController(Controller):
    """Job postings for gap reports."""

    path = "/v1/postings"
    tags = ["reports"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
    }

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        request_max_body_size=MAX_POSTINGS_BODY_BYTES,
        summary="Upload job postings (JSONL, CSV or a JSON array)",
        opt={
            **allow(Role.ANALYST, Role.INGEST),
            **raw_body(
                # Text bodies: any text (a line or row that is no posting is reported in
                # the answer's errors, and the others are read).
                application_x_ndjson=Schema(description="One posting object per line"),
                text_csv=Schema(description="A header row, then one posting per row"),
                application_json=Schema(
                    type=OpenAPIType.ARRAY,
                    items=Schema(description="A posting object (other values: a row error)"),
                ),
            ),
        },
        responses={
            202: ResponseSpec(s.PostingUploadOut, description="Queued for the background"),
            **problem_responses(415, 422),
        },
        description=(
            "Content-Type application/x-ndjson (one posting object per line), text/csv "
            "(header row; title or job_title, description, date, location, occupation or "
            "label, externalId) or application/json (an array). Each posting: title, "
            "description (at least one), date (ISO 8601), location, occupation (ESCO URI, "
            "URI segment or code), externalId. Skills are read as /v1/match reads a job. "
            "Bad rows are listed with row number, field and reason and do not stop the "
            "others. Re-uploading is idempotent (by externalId, else by content). Uploads "
            "over 200 rows, or with async=true, are imported in the background: 202 with "
            "an id, and a Location header to follow: GET /v1/postings/uploads/{id}."
        ),
    )
    def upload(
        self,
        request: Request[Any, Any, Any],
        body: RawBody,
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        run_async: Annotated[bool | None, QueryParameter(name="async")] = None,
    ) -> Response[s.PostingUploadOut]:
        """Import postings now, or queue them."""
        outcome = submit_postings(
            db_session,
            context,
            tenant_id=principal.tenant_id,
            body=body,
            content_type=request.headers.get("content-type"),
            background=run_async,
        )
        if isinstance(outcome, ImportSummary):
            return Response(gap_views.upload_out(outcome), status_code=HTTP_200_OK)
        return Response(
            gap_views.upload_out(outcome),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"/v1/postings/uploads/{outcome.id}"},
        )

    @get(
        "/{external_id:path}",
        sync_to_thread=True,
        summary="A stored posting: its skills and the text left unread",
        opt=allow(Role.ANALYST, Role.INGEST),
        responses=problem_responses(404),
        description=(
            "By its externalId (as uploaded, or sha256:<content hash> when none was given): "
            "the skills read from it (strength, confidence, phrase) and `ignored`, each "
            "heading and boilerplate phrase (equal-opportunity, benefits, pay, application, "
            "screening, company, contact) left unread, with offsets in the description read "
            "and the reason; and `titleOccupation`, the occupation whose title is closest to "
            "the posting's (a report counts its essential skills as nice-to-haves when the "
            "similarity reaches the matching threshold, as /v1/match does). An externalId may "
            "hold slashes (`/v1/postings/indeed/123`)."
        ),
    )
    def show(
        self,
        external_id: Annotated[
            PurePosixPath,
            PathParameter(
                description="the posting's externalId; may hold slashes",
                schema_extra={"type": "string", "minLength": 1, "maxLength": 200},
            ),
        ],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.PostingOut:
        """The posting, its demanded skills and what was not read."""
        # A path parameter arrives with its leading slash: /v1/postings/a/b names "a/b".
        wanted = str(external_id).removeprefix("/")
        return gap_views.posting_out(stored_posting(db_session, principal.tenant_id, wanted))

    @get(
        "/uploads/{upload_id:int}",
        sync_to_thread=True,
        summary="Progress of a posting upload",
        opt=allow(Role.ANALYST, Role.INGEST),
    )
    def upload_progress(
        self,
        upload_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.PostingUploadOut:
        """Rows processed so far, the counts and the rejected rows."""
        return gap_views.upload_out(upload_status(db_session, principal.tenant_id, upload_id))


def _wanted_format(request: Request[Any, Any, Any], given: ReportFormat | None) -> ReportFormat:
    if given is not None:
        return given
    accept = request.headers.get("accept", "")
    if "text/html" in accept:
        return "html"
    if "text/csv" in accept:
        return "csv"
    return "json"


def _not_rendered(stored: StoredReport) -> CredmatchError:
    """Why a report without a result cannot be shown as CSV or HTML."""
    if stored.status == "failed":
        return ReportFailedError(
            f"report {stored.id} failed: {stored.error or 'no reason recorded'}; "
            "there is nothing to render",
            extra={"reportStatus": stored.status, "error": stored.error},
        )
    return ReportNotReadyError(
        f"report {stored.id} is {stored.status} ({stored.progress:.0%}); "
        "it can be rendered once done",
        extra={"reportStatus": stored.status, "progress": stored.progress},
    )


def _rendered(
    stored: StoredReport,
    wanted: ReportFormat,
    table: Table,
    status_code: int,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    headers = headers or {}
    if wanted == "json":
        return Response(gap_views.report_out(stored), status_code=status_code, headers=headers)
    if stored.report is None:
        raise _not_rendered(stored)
    if wanted == "csv":
        return Response(
            report_csv(stored.report, table),
            media_type="text/csv",  # Litestar adds the charset
            status_code=status_code,
            headers={
                **headers,
                "Content-Disposition": f'attachment; filename="gap-report-{stored.id}-{table}.csv"',
            },
        )
    return Response(
        report_html(stored.report, stored.id),
        media_type="text/html",
        status_code=status_code,
        headers={
            **headers,
            "Content-Security-Policy": HTML_CONTENT_SECURITY_POLICY,
            "X-Content-Type-Options": "nosniff",
        },
    )


class GapReportController(Controller):
    """Labour-market gap reports."""

    path = "/v1/reports"
    tags = ["reports"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
    }

    @post(
        "/gap",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Compare the skills postings demand with the skills a cohort holds",
        opt={**allow(Role.ANALYST), **renderings("text/csv", "text/html")},
        responses={
            202: ResponseSpec(s.GapReportOut, description="Queued for the background"),
            **problem_responses(422),
        },
        description=(
            "Per skill: share of postings demanding it (must-have, nice-to-have), share of "
            "the cohort holding it verified, the gap; rolled up by ESCO skill group and "
            "pillar; a monthly trend of dated postings; the occupations in demand with the "
            "cohort's readiness; achievements that close the widest gaps. The cohort is "
            "the tenant's candidates filtered by candidate tags and by credential issue "
            "date, issuer and achievement tags. Stored: 201 with the report, or 202 with "
            "its JSON status when it runs in the background (async=true, or a tenant "
            "with over 20,000 postings or candidates, where async=false is refused), "
            "whatever format was asked; follow the Location header (GET "
            "/v1/reports/{id}). format=csv or html (or the Accept header) renders a "
            "finished report."
        ),
    )
    def gap(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[s.GapReportIn],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        settings: SettingsDep,
        report_format: FormatParam = None,
        table: TableParam = "skills",
    ) -> Response[Any]:
        """Compute and store a report, or queue it."""
        # Every field of the query, whatever it grows (the request only adds ``async``).
        query = GapQuery(**{name: getattr(data, name) for name in GapQuery.__struct_fields__})
        wanted = _wanted_format(request, report_format)
        stored = submit_report(
            db_session,
            context,
            settings,
            tenant_id=principal.tenant_id,
            query=query,
            background=data.run_async,
        )
        location = {"Location": f"/v1/reports/{stored.id}"}
        if stored.report is None:
            # Queued: the row must be committed, so the answer is its status, never a
            # not-ready problem that would roll it back.
            return Response(
                gap_views.report_out(stored), status_code=HTTP_202_ACCEPTED, headers=location
            )
        return _rendered(stored, wanted, table, HTTP_201_CREATED, location)

    @get(
        "/{report_id:int}",
        sync_to_thread=True,
        summary="A gap report, its progress or result",
        opt={**allow(Role.ANALYST), **renderings("text/csv", "text/html")},
        responses=problem_responses(409),
    )
    def show(
        self,
        request: Request[Any, Any, Any],
        report_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
        report_format: FormatParam = None,
        table: TableParam = "skills",
    ) -> Response[Any]:
        """Progress while it runs; once done, the report as JSON, CSV or an HTML page."""
        stored = stored_report(db_session, principal.tenant_id, report_id)
        return _rendered(stored, _wanted_format(request, report_format), table, HTTP_200_OK)

    @get(
        "/{report_id:int}/charts/{chart:str}",
        sync_to_thread=True,
        summary="A chart of a finished report as PNG (gaps.png, groups.png, ...)",
        media_type="image/png",
        opt=allow(Role.ANALYST),
        responses=problem_responses(409),
    )
    def chart(
        self,
        report_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
        chart: Annotated[str, Parameter(max_length=40)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> Response[bytes]:
        """``gaps``, ``groups``, ``pillars``, ``trend`` or ``occupations``, with ``.png``."""
        stored = stored_report(db_session, principal.tenant_id, report_id)
        if stored.report is None:
            raise _not_rendered(stored)
        return Response(
            chart_png(stored.report, chart.removesuffix(".png")), media_type="image/png"
        )
