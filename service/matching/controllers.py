"""HTTP controllers of the matching feature: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_200_OK,
)

from service.api.dependencies import (
    INDEXES,
    SETTINGS,
    TAXONOMY,
    IndexesDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TaxonomyDep,
    require_api_key,
)
from service.api.openapi import problem_responses
from service.audit.service import actor_of, record_event
from service.keys.auth import Role
from service.keys.roles import allow
from service.matching import schemas as s
from service.matching import views
from service.matching.filters import EvidenceFilter
from service.matching.service import ExplicitSkill, JobQuery, match_candidates


class MatchController(Controller):
    """Job to candidates."""

    path = "/v1/match"
    tags = ["match"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "indexes": INDEXES,
        "settings": SETTINGS,
    }

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Rank candidates for a job",
        opt=allow(Role.MATCHER, Role.RECRUITER),
        responses=problem_responses(422),
    )
    def match(
        self,
        data: JSONBody[s.MatchIn],
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        indexes: IndexesDep,
        settings: SettingsDep,
    ) -> s.MatchOut:
        """Rank the tenant's candidates by verified coverage of the job's skills."""
        query = JobQuery(
            title=data.title,
            description=data.description,
            skills=[
                ExplicitSkill(
                    uri=x.uri or "", text=x.text or "", must_have=x.must_have, weight=x.weight
                )
                for x in data.skills
            ],
            top_k=min(data.top_k, settings.limits.match_max_top_k),
            filters=EvidenceFilter(
                issued_after=data.issued_after,
                issuers=data.issuers,
                tags=data.tags,
                candidate_tags=data.candidate_tags,
                trusted_issuers_only=data.trusted_issuers_only,
            ),
            cursor=data.cursor,
        )
        result = match_candidates(
            db_session,
            context,
            indexes,
            settings,
            tenant_id=principal.tenant_id,
            query=query,
        )
        record_event(
            db_session,
            actor_of(principal, request.state),
            "match",
            query=data,
            candidates=[ranked.candidate.external_id for ranked in result.candidates],
        )
        return views.match_out(result)
