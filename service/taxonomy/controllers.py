"""HTTP controllers of the taxonomy feature: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import JSONBody, Parameter
from litestar.status_codes import (
    HTTP_200_OK,
)

from service.api.dependencies import (
    SETTINGS,
    TAXONOMY,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TaxonomyDep,
    require_api_key,
)
from service.keys.roles import ANY_ROLE, allow
from service.taxonomy import schemas as s
from service.taxonomy import views
from service.taxonomy.skills import extract_skills, occupation_page, search_skills, skill_page


class SkillController(Controller):
    """Taxonomy browsing and skill extraction."""

    path = "/v1/skills"
    tags = ["skills"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
    }

    @get("/", sync_to_thread=True, summary="Search taxonomy skills by label", opt=allow(*ANY_ROLE))
    def search(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        settings: SettingsDep,
        q: Annotated[str, Parameter(min_length=1, max_length=200)],
        limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
    ) -> s.SkillSearchOut:
        """Exact, prefix and word matches, then misspellings corrected, then semantic ones."""
        del principal  # any authenticated role may search the taxonomy
        hits = search_skills(db_session, context, settings, q, limit)
        return s.SkillSearchOut(
            taxonomy=context.key, query=q, results=[views.skill_hit_out(h) for h in hits]
        )

    @get(
        "/{skill_id:str}",
        sync_to_thread=True,
        summary="A skill of the taxonomy",
        opt=allow(*ANY_ROLE),
    )
    def show(
        self,
        skill_id: Annotated[str, Parameter(min_length=1, max_length=300)],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        settings: SettingsDep,
    ) -> s.SkillOut:
        """Labels, description, groups, broader/narrower and related skills, occupations.

        ``skill_id`` is the last segment of the skill URI (an ESCO UUID, say).
        """
        del principal
        return views.skill_page_out(skill_page(db_session, context, settings, skill_id))

    @post(
        "/extract",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Extract taxonomy skills from text",
        opt=allow(*ANY_ROLE),
        description=(
            "Reads a job ad, course or badge description span by span, as /v1/match does "
            "(sentences, list items, and the items of a list or conjunction): each span with "
            "its character offsets, requirement strength (must or nice, from headings such as "
            "'Nice to have:') and its skills, each with its evidence kind: a preferred "
            "(exact) or alternative label found verbatim, or the encoder's label similarity "
            "(embedding) above the calibrated threshold: the mapping artefact's re-ranker "
            "probability for an ESCO release, else label cosine. Headings and job-ad "
            "boilerplate (equal-opportunity, benefits, pay, application, screening, company, "
            "contact) are not read: `ignored` lists them with the reason. `bounds` gives the "
            "least confidence each evidence kind needed (null: the kind is off; `threshold` "
            "is the semantic bound, above 1 when off). topK (up to 100) "
            "and threshold (0 allowed) return the product's own ranking per span with scores "
            "instead."
        ),
    )
    def extract(
        self,
        data: JSONBody[s.ExtractIn],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
    ) -> s.ExtractOut:
        """Skills named in the text, with where each came from."""
        del principal
        return views.extraction_out(
            extract_skills(
                db_session, context, data.text, top_k=data.top_k, threshold=data.threshold
            )
        )


class OccupationController(Controller):
    """Occupations of the taxonomy."""

    path = "/v1/occupations"
    tags = ["skills"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
    }

    @get(
        "/{occupation_id:str}",
        sync_to_thread=True,
        summary="An occupation and its skills",
        opt=allow(*ANY_ROLE),
    )
    def show(
        self,
        occupation_id: Annotated[str, Parameter(min_length=1, max_length=300)],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
    ) -> s.OccupationOut:
        """Essential and optional skills; ``occupation_id`` is the URI's last segment or code."""
        del principal
        return views.occupation_page_out(occupation_page(db_session, context, occupation_id))
