"""HTTP controllers of the candidates feature: decode a Struct, call a service, answer a Struct."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, Response, delete, get, put
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_204_NO_CONTENT,
)

from service.api.dependencies import (
    CandidateIdParam,
    PrincipalDep,
    SessionDep,
    require_api_key,
)
from service.audit.service import actor_of
from service.candidates import schemas as s
from service.candidates import views
from service.candidates.privacy import erase_candidate, export_candidate
from service.candidates.service import candidate_profile, set_candidate_tags
from service.keys.auth import Role
from service.keys.roles import allow


class CandidateController(Controller):
    """Candidate profiles."""

    path = "/v1/candidates"
    tags = ["candidates"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @put(
        "/{candidate_id:str}/tags",
        sync_to_thread=True,
        summary="Replace a candidate's tags",
        opt=allow(Role.INGEST, Role.RECRUITER),
        description=(
            "The tenant's own tags for a candidate (a cohort, a programme, a pipeline stage): "
            "trimmed, lower-cased, at most 50 of at most 100 characters. Match, search and gap "
            "reports filter on them with candidateTags."
        ),
    )
    def put_tags(
        self,
        candidate_id: CandidateIdParam,
        data: JSONBody[s.CandidateTagsIn],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.CandidateTagsOut:
        """Replace the candidate's tags; answers with them as stored."""
        tags = set_candidate_tags(db_session, principal.tenant_id, candidate_id, data.tags)
        return s.CandidateTagsOut(id=candidate_id, tags=tags)

    @get(
        "/{candidate_id:str}",
        sync_to_thread=True,
        summary="A candidate's verified skills",
        opt=allow(Role.RECRUITER, Role.MATCHER, Role.INGEST),
    )
    def get_candidate(
        self, candidate_id: CandidateIdParam, principal: PrincipalDep, db_session: SessionDep
    ) -> s.CandidateOut:
        """Verified skills of a candidate with the credential behind each."""
        return views.candidate_out(candidate_profile(db_session, principal.tenant_id, candidate_id))

    @delete(
        "/{candidate_id:str}",
        sync_to_thread=True,
        status_code=HTTP_204_NO_CONTENT,
        summary="Erase a candidate",
        opt=allow(Role.INGEST),
        description=(
            "Removes everything the tenant holds about the candidate: the candidate, "
            "credentials with their stored documents, verification checks, evidence, declared "
            "skills, tags, quarantine entries and ingest-job lines sent for the candidate's "
            "id; every API worker drops the candidate's vector on its next request. The "
            "audit log keeps the candidate's id only, and records the erasure. Admin and "
            "ingest keys (the systems that send credentials also relay erasure requests)."
        ),
    )
    def erase(
        self,
        candidate_id: CandidateIdParam,
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> None:
        """Erase the candidate; 404 when the tenant has none by that id."""
        erase_candidate(db_session, actor_of(principal, request.state), candidate_id)


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
    ) -> Response[s.CandidateExportOut]:
        """The candidate's data as a downloadable JSON document."""
        export = export_candidate(db_session, actor_of(principal, request.state), candidate_id)
        return Response(
            views.candidate_export_out(export),
            headers={"Content-Disposition": _attachment(candidate_id)},
        )
