"""HTTP controllers of the search feature: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.orm import Session

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
from service.api.openapi import problem_responses
from service.audit.service import actor_of, record_event
from service.keys.auth import Principal, Role
from service.keys.roles import allow
from service.matching.filters import EvidenceFilter
from service.search import schemas as s
from service.search import views
from service.search.service import SearchQuery, SkillQuery, search_candidates
from service.settings import Settings
from service.taxonomy.service import TaxonomyContext


def _search(
    data: s.SearchIn,
    principal: Principal,
    session: Session,
    context: TaxonomyContext,
    settings: Settings,
    request: Request[Any, Any, Any],
) -> s.SearchOut:
    query = SearchQuery(
        skills=[SkillQuery(value) for value in data.skills],
        mode=data.mode,
        min_strength=data.min_strength,
        filters=EvidenceFilter(
            issued_after=data.issued_after,
            issuers=data.issuers,
            tags=data.tags,
            candidate_tags=data.candidate_tags,
            trusted_issuers_only=data.trusted_issuers_only,
        ),
        sort=data.sort,
        limit=data.limit,
        cursor=data.cursor,
    )
    page = search_candidates(session, context, settings, tenant_id=principal.tenant_id, query=query)
    record_event(
        session,
        actor_of(principal, request.state),
        "search",
        query=data,
        candidates=[hit.candidate.external_id for hit in page.hits],
    )
    return views.search_out(page)


class SearchController(Controller):
    """Candidates by verified skills."""

    path = "/v1/candidates/search"
    tags = ["candidates"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
    }

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Search candidates by verified skills",
        opt=allow(Role.RECRUITER, Role.MATCHER),
        responses=problem_responses(422),
        description=(
            "Each skill (id, URI or free text) is resolved through the taxonomy and reported "
            "back. mode=all needs every skill, any at least one; minStrength bounds the "
            "evidence strength (mapping confidence x status x issuer weight); filters by "
            "credential issue date and issuer (id or domain); sort by score, skills or "
            "recent; page with the returned cursor."
        ),
    )
    def search(
        self,
        data: JSONBody[s.SearchIn],
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        settings: SettingsDep,
    ) -> s.SearchOut:
        """Candidates holding the skills, best first, with the credentials behind each."""
        return _search(data, principal, db_session, context, settings, request)

    @get(
        "/",
        sync_to_thread=True,
        summary="Search candidates by verified skills (query)",
        opt=allow(Role.RECRUITER, Role.MATCHER),
        responses=problem_responses(422),
    )
    def search_by_query(
        self,
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        settings: SettingsDep,
        skill: Annotated[list[str], QueryParameter(min_items=1, max_items=20)],
        mode: Annotated[Literal["all", "any"], QueryParameter()] = "all",
        min_strength: Annotated[float, QueryParameter(name="minStrength", ge=0, le=1)] = 0.0,
        issued_after: Annotated[datetime | None, QueryParameter(name="issuedAfter")] = None,
        issuer: Annotated[list[str] | None, QueryParameter(max_items=50)] = None,
        tag: Annotated[list[str] | None, QueryParameter(max_items=50)] = None,
        candidate_tag: Annotated[
            list[str] | None, QueryParameter(name="candidateTag", max_items=50)
        ] = None,
        trusted_only: Annotated[bool, QueryParameter(name="trustedIssuersOnly")] = False,
        sort: Annotated[s.SearchSort, QueryParameter()] = "score",
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        cursor: Annotated[
            str | None, QueryParameter(max_length=500, pattern=wire.CURSOR_PATTERN)
        ] = None,
    ) -> s.SearchOut:
        """The same search as POST, from the query string (``skill`` repeatable)."""
        return _search(
            s.SearchIn(
                skills=skill,
                mode=mode,
                min_strength=min_strength,
                issued_after=issued_after,
                issuers=issuer or [],
                tags=tag or [],
                candidate_tags=candidate_tag or [],
                trusted_issuers_only=trusted_only,
                sort=sort,
                limit=limit,
                cursor=cursor,
            ),
            principal,
            db_session,
            context,
            settings,
            request,
        )
