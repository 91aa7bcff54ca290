"""HTTP controllers: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter, QueryParameter, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from service.api import schemas as s
from service.api import views
from service.api.dependencies import require_api_key
from service.auth import Principal, Role
from service.candidates import candidate_profile
from service.db import repositories as repo
from service.errors import CredentialRejectedError, NotFoundError
from service.ingestion import Accepted, ingest_credential
from service.jobs import job_status, submit_job
from service.matching import ExplicitSkill, JobQuery, match_candidates
from service.runtime import Runtime

CandidateIdParam = Annotated[str, Parameter(min_length=1, max_length=200)]
MAX_JOB_BODY_BYTES = 64 * 1024 * 1024
PrincipalDep = NamedDependency[Principal]
SessionDep = NamedDependency[Session]
RuntimeDep = NamedDependency[Runtime]


class CredentialController(Controller):
    """Credential ingest."""

    path = "/v1/credentials"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

    @post(
        "/",
        sync_to_thread=True,
        summary="Ingest a credential for a candidate",
        description=(
            "The request body is the credential document itself (Open Badges 3.0 / W3C VC "
            "JSON-LD), kept byte for byte. It is parsed, verified and mapped to taxonomy "
            "skills. A rejected document is stored in quarantine and answered with a "
            "problem response listing the failing checks. Sending the same document again "
            "returns the stored credential (200) instead of creating a new one (201)."
        ),
        status_code=HTTP_201_CREATED,
    )
    def ingest(
        self,
        body: RawBody,
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
        candidate_id: Annotated[
            str | None, QueryParameter(name="candidateId", min_length=1, max_length=200)
        ] = None,
    ) -> Response[s.IngestOut]:
        """Ingest one credential."""
        principal.require(Role.INGEST)
        context, _ = runtime.require_taxonomy()
        result = ingest_credential(
            db_session,
            context,
            runtime.verifier,
            tenant_id=principal.tenant_id,
            raw=body,
            candidate_external_id=candidate_id,
            max_bytes=runtime.settings.max_credential_bytes,
        )
        if not isinstance(result, Accepted):
            # Raised after the quarantine row is flushed; the transaction dependency commits
            # it because this error is marked as keeping the unit of work.
            raise CredentialRejectedError(
                result.detail,
                extra={
                    "code": result.code,
                    "quarantineId": result.quarantine_id,
                    "checks": [
                        {"check": c.check, "outcome": c.outcome, "detail": c.detail}
                        for c in result.checks
                    ],
                },
            )
        skills = repo.skills_by_ids(db_session, (e.skill_id for e in result.evidence))
        body_out = s.IngestOut(
            candidate_id=result.candidate.external_id,
            created=result.created,
            credential=views.credential_out(result.credential, result.checks),
            skills=[views.evidence_out(e, skills[e.skill_id]) for e in result.evidence],
        )
        return Response(body_out, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK)


class IngestJobController(Controller):
    """Background batch ingest."""

    path = "/v1/ingest/jobs"
    tags = ["credentials"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_202_ACCEPTED,
        request_max_body_size=MAX_JOB_BODY_BYTES,
        summary="Queue a batch of credentials (NDJSON, one document per line)",
        description=(
            "Every line is stored byte for byte before the answer; the batch is then ingested "
            "in the background. Follow progress at GET /v1/ingest/jobs/{id}."
        ),
    )
    def submit(
        self,
        body: RawBody,
        principal: PrincipalDep,
        db_session: SessionDep,
        candidate_id: Annotated[
            str | None, QueryParameter(name="candidateId", min_length=1, max_length=200)
        ] = None,
    ) -> s.JobOut:
        """Queue a batch; candidates default to each credential's subject id."""
        principal.require(Role.INGEST)
        job = submit_job(
            db_session, tenant_id=principal.tenant_id, body=body, candidate_external_id=candidate_id
        )
        return views.job_out(job)

    @get("/{job_id:int}", sync_to_thread=True, summary="Progress of an ingest job")
    def status(
        self,
        job_id: Annotated[int, Parameter(ge=1)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.JobOut:
        """Counts so far and the first rejected lines with their quarantine ids."""
        principal.require(Role.INGEST)
        job = job_status(db_session, principal.tenant_id, job_id)
        return views.job_out(job, repo.rejected_items(db_session, job.id, limit=100))


class QuarantineController(Controller):
    """Rejected documents, kept whole with the reason."""

    path = "/v1/quarantine"
    tags = ["credentials"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="List quarantined documents")
    def list_quarantine(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        after: Annotated[int, Parameter(ge=0)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> s.QuarantinePageOut:
        """The tenant's rejected documents, oldest first, with reasons and failing checks."""
        principal.require(Role.INGEST)
        rows = repo.list_quarantine(db_session, principal.tenant_id, after_id=after, limit=limit)
        return s.QuarantinePageOut(
            items=[views.quarantined_out(r) for r in rows],
            next=rows[-1].id if len(rows) == limit else None,
        )

    @get("/{quarantine_id:int}", sync_to_thread=True, summary="A quarantined document")
    def get_quarantined(
        self,
        quarantine_id: Annotated[int, Parameter(ge=1)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.QuarantinedOut:
        """One rejected document, including the document as received."""
        principal.require(Role.INGEST)
        rows = repo.quarantined_by_ids(db_session, principal.tenant_id, [quarantine_id])
        if not rows:
            raise NotFoundError(f"no quarantined document {quarantine_id}")
        return views.quarantined_out(rows[0], with_document=True)


class CandidateController(Controller):
    """Candidate profiles."""

    path = "/v1/candidates"
    tags = ["candidates"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get("/{candidate_id:str}", sync_to_thread=True, summary="A candidate's verified skills")
    def get_candidate(
        self, candidate_id: CandidateIdParam, principal: PrincipalDep, db_session: SessionDep
    ) -> s.CandidateOut:
        """Verified skills of a candidate with the credential behind each."""
        principal.require(Role.RECRUITER, Role.MATCHER, Role.INGEST)
        profile = candidate_profile(db_session, principal.tenant_id, candidate_id)
        by_skill: dict[int, list[Any]] = {}
        for view in profile.evidence:
            if view.credential.verified:
                by_skill.setdefault(view.evidence.skill_id, []).append(view)
        return s.CandidateOut(
            id=profile.candidate.external_id,
            skills=[
                s.CandidateSkillOut(
                    skill=views.skill_ref(profile.skills[skill_id]),
                    evidence=[
                        views.evidence_out(v.evidence, profile.skills[skill_id]) for v in held
                    ],
                    credentials=sorted({v.credential.id for v in held}),
                )
                for skill_id, held in sorted(
                    by_skill.items(), key=lambda item: profile.skills[item[0]].preferred_label
                )
            ],
            credentials=[
                views.credential_out(c, profile.checks.get(c.id, [])) for c in profile.credentials
            ],
        )


class MatchController(Controller):
    """Job to candidates."""

    path = "/v1/match"
    tags = ["match"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @post("/", sync_to_thread=True, status_code=HTTP_200_OK, summary="Rank candidates for a job")
    def match(
        self,
        data: JSONBody[s.MatchIn],
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
    ) -> s.MatchOut:
        """Rank the tenant's candidates by verified coverage of the job's skills."""
        principal.require(Role.MATCHER, Role.RECRUITER)
        context, indexes = runtime.require_taxonomy()
        query = JobQuery(
            title=data.title,
            description=data.description,
            skills=[
                ExplicitSkill(
                    uri=x.uri or "", text=x.text or "", must_have=x.must_have, weight=x.weight
                )
                for x in data.skills
            ],
            top_k=min(data.top_k, runtime.settings.match_max_top_k),
        )
        result = match_candidates(
            db_session,
            context,
            indexes,
            runtime.settings,
            tenant_id=principal.tenant_id,
            query=query,
        )
        return views.match_out(result)


class SkillController(Controller):
    """Taxonomy search."""

    path = "/v1/skills"
    tags = ["skills"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="Search taxonomy skills by label")
    def search(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
        q: Annotated[str, Parameter(min_length=1, max_length=200)],
        limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
    ) -> s.SkillSearchOut:
        """Skills whose labels contain the query; semantic matches fill up the rest."""
        context, _ = runtime.require_taxonomy()
        del principal  # any authenticated role may search the taxonomy
        hits = [
            s.SkillHit(skill=views.skill_ref(skill), matched_label=label, method="label")
            for skill, label in repo.search_skills_by_label(
                db_session, context.taxonomy_id, q, limit
            )
        ]
        if len(hits) < limit:
            seen = {h.skill.uri for h in hits}
            semantic = context.mapper.search_labels(q, limit)
            skills = repo.skills_by_ids(db_session, (skill_id for skill_id, _ in semantic))
            for skill_id, score in semantic:
                skill = skills[skill_id]
                too_weak = score < runtime.settings.search_min_similarity
                if skill.uri in seen or too_weak or len(hits) >= limit:
                    continue
                hits.append(
                    s.SkillHit(
                        skill=views.skill_ref(skill),
                        matched_label=skill.preferred_label,
                        score=round(score, 4),
                        method="semantic",
                    )
                )
        return s.SkillSearchOut(taxonomy=context.key, query=q, results=hits)


class HealthController(Controller):
    """Liveness and readiness."""

    tags = ["operations"]  # noqa: RUF012

    @get("/health", summary="Liveness")
    async def health(self) -> s.HealthOut:
        """The process is up."""
        return s.HealthOut(status="ok")

    @get("/ready", sync_to_thread=True, summary="Readiness")
    def ready(self, runtime: RuntimeDep) -> Response[s.HealthOut]:
        """Database reachable and a taxonomy with its skill space loaded."""
        detail: dict[str, Any] = {
            "taxonomy": runtime.taxonomy.key if runtime.taxonomy else None,
            "model": runtime.encoder.model_id,
        }
        try:
            with runtime.sessions() as session:
                repo.default_taxonomy(session)
            detail["database"] = "ok"
        except SQLAlchemyError as exc:
            detail["database"] = f"unreachable: {type(exc).__name__}"
        ready = runtime.taxonomy is not None and detail["database"] == "ok"
        return Response(
            s.HealthOut(status="ok" if ready else "not-ready", detail=detail),
            status_code=200 if ready else 503,
        )
