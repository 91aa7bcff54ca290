"""HTTP controllers: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, Parameter, QueryParameter, RawBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_204_NO_CONTENT,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ingest import IssuerTrustPolicy, TrustedIssuer
from service.api import schemas as s
from service.api import views
from service.api.dependencies import require_api_key
from service.api.openapi import problem_responses
from service.audit.service import actor_of, record_event
from service.candidates.privacy import erase_candidate
from service.candidates.service import candidate_profile, set_candidate_tags
from service.credentials.jobs import job_status, submit_job
from service.credentials.service import Accepted, Rejected, ingest_credential, retry_quarantined
from service.db import repositories as repo
from service.errors import CredentialRejectedError, NotFoundError
from service.keys.auth import Principal, Role
from service.keys.roles import ANY_ROLE, allow
from service.matching.filters import EvidenceFilter
from service.matching.service import ExplicitSkill, JobQuery, match_candidates
from service.observability import Metrics
from service.runtime import Runtime
from service.search.service import SearchQuery, SkillQuery, search_candidates
from service.taxonomy.skills import extract_skills, occupation_page, search_skills, skill_page
from service.trust.service import load_policy, save_policy

CandidateIdParam = Annotated[str, Parameter(min_length=1, max_length=200)]
RECIPIENT_EMAIL_HEADER = "Credmatch-Recipient-Email"
MAX_JOB_BODY_BYTES = 64 * 1024 * 1024
PrincipalDep = NamedDependency[Principal]
SessionDep = NamedDependency[Session]
RuntimeDep = NamedDependency[Runtime]
MetricsDep = NamedDependency[Metrics]


class CredentialController(Controller):
    """Credential ingest."""

    path = "/v1/credentials"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

    @post(
        "/",
        sync_to_thread=True,
        summary="Ingest a credential for a candidate",
        opt=allow(Role.INGEST),
        responses={
            200: ResponseSpec(s.IngestOut, description="The document was already stored"),
            **problem_responses(422),
        },
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
        metrics: MetricsDep,
        candidate_id: Annotated[
            str | None, QueryParameter(name="candidateId", min_length=1, max_length=200)
        ] = None,
        recipient_email: Annotated[
            str | None,
            HeaderParameter(
                name=RECIPIENT_EMAIL_HEADER,
                min_length=3,
                max_length=320,
                description=(
                    "Check that the credential was issued to this email (Open Badges 2.0 "
                    "recipient, Open Badges 3.0 subject identifier, plain or salted hash); "
                    "a mismatch rejects it. A header, so the address stays out of URL logs."
                ),
            ),
        ] = None,
    ) -> Response[s.IngestOut]:
        """Ingest one credential."""
        context, _ = runtime.require_taxonomy()
        result = ingest_credential(
            db_session,
            context,
            runtime.verifier,
            tenant_id=principal.tenant_id,
            raw=body,
            candidate_external_id=candidate_id,
            max_bytes=runtime.settings.max_credential_bytes,
            recipient_email=recipient_email,
        )
        metrics.count_ingest(result, source="api")
        if not isinstance(result, Accepted):
            # Raised after the quarantine row is flushed; the transaction dependency commits
            # it because this error is marked as keeping the unit of work.
            raise _rejected(result)
        body_out = _accepted_out(db_session, result)
        return Response(body_out, status_code=HTTP_201_CREATED if result.created else HTTP_200_OK)


def _rejected(result: Rejected) -> CredentialRejectedError:
    """The 422 problem for a document sent to quarantine."""
    return CredentialRejectedError(
        result.detail,
        extra={
            "code": result.code,
            "quarantineId": result.quarantine_id,
            "checks": [
                {"check": c.check, "outcome": c.outcome, "detail": c.detail} for c in result.checks
            ],
        },
    )


def _accepted_out(session: Session, result: Accepted) -> s.IngestOut:
    evidence = [*result.evidence]
    evidence.extend(e for n in result.nested if isinstance(n, Accepted) for e in n.evidence)
    return views.ingest_out(result, repo.skills_by_ids(session, (e.skill_id for e in evidence)))


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
        opt=allow(Role.INGEST),
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
        job = submit_job(
            db_session, tenant_id=principal.tenant_id, body=body, candidate_external_id=candidate_id
        )
        return views.job_out(job)

    @get(
        "/{job_id:int}",
        sync_to_thread=True,
        summary="Progress of an ingest job",
        opt=allow(Role.INGEST),
    )
    def status(
        self,
        job_id: Annotated[int, Parameter(ge=1, le=s.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.JobOut:
        """Counts so far and the first rejected lines with their quarantine ids."""
        job = job_status(db_session, principal.tenant_id, job_id)
        return views.job_out(job, repo.rejected_items(db_session, job.id, limit=100))


class QuarantineController(Controller):
    """Rejected documents, kept whole with the reason."""

    path = "/v1/quarantine"
    tags = ["credentials"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="List quarantined documents", opt=allow(Role.INGEST))
    def list_quarantine(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        after: Annotated[int, Parameter(ge=0, le=s.MAX_ID)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> s.QuarantinePageOut:
        """The tenant's rejected documents, oldest first, with reasons and failing checks."""
        rows = repo.list_quarantine(db_session, principal.tenant_id, after_id=after, limit=limit)
        return s.QuarantinePageOut(
            items=[views.quarantined_out(r) for r in rows],
            next=rows[-1].id if len(rows) == limit else None,
        )

    @get(
        "/{quarantine_id:int}",
        sync_to_thread=True,
        summary="A quarantined document",
        opt=allow(Role.INGEST),
    )
    def get_quarantined(
        self,
        quarantine_id: Annotated[int, Parameter(ge=1, le=s.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
    ) -> s.QuarantinedOut:
        """One rejected document, including the document as received."""
        rows = repo.quarantined_by_ids(db_session, principal.tenant_id, [quarantine_id])
        if not rows:
            raise NotFoundError(f"no quarantined document {quarantine_id}")
        return views.quarantined_out(rows[0], with_document=True)

    @post(
        "/{quarantine_id:int}/retry",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Process a quarantined document again",
        opt=allow(Role.INGEST),
        responses=problem_responses(422),
        description=(
            "After the cause is fixed (a key or context pinned, the issuer trusted, ...). "
            "Accepted: 201 with the stored credential, and the quarantine entry is removed. "
            "Rejected again: a 422 problem response; the entry keeps the new reason."
        ),
    )
    def retry(
        self,
        quarantine_id: Annotated[int, Parameter(ge=1, le=s.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
        metrics: MetricsDep,
    ) -> s.IngestOut:
        """Run ingest again on a quarantined document."""
        context, _ = runtime.require_taxonomy()
        rows = repo.quarantined_by_ids(db_session, principal.tenant_id, [quarantine_id])
        if not rows:
            raise NotFoundError(f"no quarantined document {quarantine_id}")
        result = retry_quarantined(
            db_session,
            context,
            runtime.verifier,
            rows[0],
            max_bytes=runtime.settings.max_credential_bytes,
        )
        metrics.count_ingest(result, source="retry")
        if not isinstance(result, Accepted):
            raise _rejected(result)
        return _accepted_out(db_session, result)


def _search(
    data: s.SearchIn,
    principal: Principal,
    session: Session,
    runtime: Runtime,
    request: Request[Any, Any, Any],
) -> s.SearchOut:
    context, _ = runtime.require_taxonomy()
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
    page = search_candidates(
        session, context, runtime.settings, tenant_id=principal.tenant_id, query=query
    )
    record_event(
        session,
        actor_of(principal, request.state),
        "search",
        query=data,
        candidates=[hit.candidate.external_id for hit in page.hits],
    )
    return views.search_out(page)


class CandidateController(Controller):
    """Candidate profiles."""

    path = "/v1/candidates"
    tags = ["candidates"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @post(
        "/search",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Search candidates by verified skills",
        opt=allow(Role.RECRUITER, Role.MATCHER),
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
        runtime: RuntimeDep,
    ) -> s.SearchOut:
        """Candidates holding the skills, best first, with the credentials behind each."""
        return _search(data, principal, db_session, runtime, request)

    @get(
        "/search",
        sync_to_thread=True,
        summary="Search candidates by verified skills (query)",
        opt=allow(Role.RECRUITER, Role.MATCHER),
    )
    def search_by_query(
        self,
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
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
        cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
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
            runtime,
            request,
        )

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


class MatchController(Controller):
    """Job to candidates."""

    path = "/v1/match"
    tags = ["match"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Rank candidates for a job",
        opt=allow(Role.MATCHER, Role.RECRUITER),
    )
    def match(
        self,
        data: JSONBody[s.MatchIn],
        request: Request[Any, Any, Any],
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
    ) -> s.MatchOut:
        """Rank the tenant's candidates by verified coverage of the job's skills."""
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
            runtime.settings,
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


class TrustPolicyController(Controller):
    """The tenant's issuer trust policy."""

    path = "/v1/trust-policy"
    tags = ["trust"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get(
        "/",
        sync_to_thread=True,
        summary="The tenant's issuer trust policy",
        opt=allow(Role.INGEST, Role.MATCHER, Role.RECRUITER, Role.ANALYST),
    )
    def show(self, principal: PrincipalDep, db_session: SessionDep) -> s.TrustPolicyOut:
        """The policy in force (the open default when none was set)."""
        return views.trust_policy_out(load_policy(db_session, principal.tenant_id))

    @put(
        "/",
        sync_to_thread=True,
        summary="Replace the tenant's issuer trust policy",
        opt=allow(Role.ADMIN),
        description=(
            "Trusted issuers by exact id (DID or issuer URL) or by domain (https issuer URLs "
            "and did:web, subdomains included), each with a weight in (0, 1]; whether "
            "credentials from other issuers are accepted, and their weight; whether a "
            "presentation may carry credentials of another subject than its holder "
            "(allowOtherHolders), and whether a credential whose status cannot be checked is "
            "accepted (unknownStatus). Applies to "
            "matches at once and to credentials ingested from now on; run `credmatch "
            "reverify` to record it in stored reports. Admins only."
        ),
    )
    def replace(
        self, data: JSONBody[s.TrustPolicyIn], principal: PrincipalDep, db_session: SessionDep
    ) -> s.TrustPolicyOut:
        """Validate and store the policy."""
        policy = IssuerTrustPolicy(
            trusted=tuple(
                TrustedIssuer(kind=t.kind, value=t.value, weight=t.weight, name=t.name)
                for t in data.trusted
            ),
            accept_untrusted=data.accept_untrusted,
            untrusted_weight=data.untrusted_weight,
            allow_other_holders=data.allow_other_holders,
            unknown_status=data.unknown_status,
        )
        save_policy(db_session, principal.tenant_id, policy)
        return views.trust_policy_out(policy)

    @get(
        "/assess",
        sync_to_thread=True,
        summary="What the policy says of one issuer",
        opt=allow(Role.INGEST, Role.MATCHER, Role.RECRUITER, Role.ANALYST),
    )
    def assess(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        issuer: Annotated[str, Parameter(min_length=1, max_length=500)],
    ) -> s.TrustAssessmentOut:
        """Judge an issuer id under the tenant's policy."""
        policy = load_policy(db_session, principal.tenant_id)
        return views.trust_assessment_out(issuer, policy.assess(issuer))


class SkillController(Controller):
    """Taxonomy browsing and skill extraction."""

    path = "/v1/skills"
    tags = ["skills"]  # noqa: RUF012
    guards = [require_api_key]  # noqa: RUF012

    @get("/", sync_to_thread=True, summary="Search taxonomy skills by label", opt=allow(*ANY_ROLE))
    def search(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
        q: Annotated[str, Parameter(min_length=1, max_length=200)],
        limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
    ) -> s.SkillSearchOut:
        """Exact, prefix and word matches, then misspellings corrected, then semantic ones."""
        context, _ = runtime.require_taxonomy()
        del principal  # any authenticated role may search the taxonomy
        hits = search_skills(db_session, context, runtime.settings, q, limit)
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
        runtime: RuntimeDep,
    ) -> s.SkillOut:
        """Labels, description, groups, broader/narrower and related skills, occupations.

        ``skill_id`` is the last segment of the skill URI (an ESCO UUID, say).
        """
        context, _ = runtime.require_taxonomy()
        del principal
        return views.skill_page_out(skill_page(db_session, context, runtime.settings, skill_id))

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
            "contact) are not read: `ignored` lists them with the reason. topK (up to 100) "
            "and threshold (0 allowed) return the product's own ranking per span with scores "
            "instead."
        ),
    )
    def extract(
        self,
        data: JSONBody[s.ExtractIn],
        principal: PrincipalDep,
        db_session: SessionDep,
        runtime: RuntimeDep,
    ) -> s.ExtractOut:
        """Skills named in the text, with where each came from."""
        context, _ = runtime.require_taxonomy()
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
        runtime: RuntimeDep,
    ) -> s.OccupationOut:
        """Essential and optional skills; ``occupation_id`` is the URI's last segment or code."""
        context, _ = runtime.require_taxonomy()
        del principal
        return views.occupation_page_out(occupation_page(db_session, context, occupation_id))


class HealthController(Controller):
    """Liveness and readiness."""

    tags = ["operations"]  # noqa: RUF012

    @get("/health", summary="Liveness")
    async def health(self) -> s.HealthOut:
        """The process is up."""
        return s.HealthOut(status="ok")

    @get(
        "/ready",
        sync_to_thread=True,
        summary="Readiness",
        responses={503: ResponseSpec(s.HealthOut, description="Not ready")},
    )
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
