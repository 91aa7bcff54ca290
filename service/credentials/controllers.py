"""HTTP controllers of credentials: ingest, quarantine, batch jobs, presentations, verify."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Schema
from litestar.params import HeaderParameter, Parameter, RawBody
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
)
from sqlalchemy.orm import Session

from service.api import schemas as wire
from service.api.dependencies import (
    SETTINGS,
    TAXONOMY,
    VERIFIER,
    CandidateIdQuery,
    MetricsDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    TaxonomyDep,
    VerifierDep,
    require_api_key,
)
from service.api.openapi import problem_responses, raw_body
from service.credentials import repository as repo
from service.credentials import schemas as s
from service.credentials import views
from service.credentials.jobs import job_status, submit_job
from service.credentials.presentations import accept_presentation, issue_challenge
from service.credentials.service import Accepted, Rejected, ingest_credential, retry_quarantined
from service.credentials.verification import verify_document
from service.errors import CredentialRejectedError, NotFoundError
from service.keys.auth import Principal, Role
from service.keys.roles import allow
from service.taxonomy import service as taxonomy_service
from service.trust.service import load_policy


class PresentationController(Controller):
    """Credentials presented by wallets in a Verifiable Presentation."""

    path = "/v1/presentations"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
        "verifier": VERIFIER,
    }

    @post(
        "/challenges",
        sync_to_thread=True,
        status_code=HTTP_201_CREATED,
        summary="Issue a challenge for a wallet's presentation",
        opt=allow(Role.INGEST),
        description=(
            "A random, single-use challenge and the domain the wallet must sign into its "
            "presentation (Data Integrity proof challenge/domain, or VP-JWT nonce/aud), "
            "valid until expiresAt. With candidateId, the presentation is ingested for "
            "that candidate and may not name another."
        ),
    )
    def challenge(
        self,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[Session],
        settings: SettingsDep,
        candidate_id: CandidateIdQuery = None,
    ) -> s.ChallengeOut:
        """Issue and store a challenge for the tenant."""
        issued = issue_challenge(
            db_session,
            settings,
            tenant_id=principal.tenant_id,
            candidate_external_id=candidate_id,
        )
        return s.ChallengeOut(
            challenge=issued.challenge,
            domain=issued.domain,
            expires_at=issued.expires_at,
            candidate_id=issued.candidate_external_id,
        )

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Present credentials in a Verifiable Presentation",
        opt=allow(Role.INGEST),
        responses=problem_responses(422),
        description=(
            "The body is the presentation: JSON-LD with the holder's Data Integrity proof "
            "(proofPurpose authentication; eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019) "
            "or a VP-JWT (compact JWS). Its challenge must be one issued by POST "
            "/v1/presentations/challenges, unexpired and unused; its domain the one given "
            "with it; its key the holder's; every credential's subject the holder (unless "
            "the trust policy sets allowOtherHolders). Then each credential is ingested as "
            "POST /v1/credentials does, and listed with its outcome (201, 200 or 422 with "
            "its quarantine id). A presentation failing its own checks gets a 422 problem "
            "(presentation-invalid, challenge-unknown, challenge-expired, challenge-used, "
            "domain-mismatch, holder-mismatch) and its credentials are quarantined with "
            "reason code presentation-rejected."
        ),
    )
    def present(
        self,
        body: RawBody,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[Session],
        context: TaxonomyDep,
        verifier: VerifierDep,
        settings: SettingsDep,
        candidate_id: CandidateIdQuery = None,
    ) -> s.PresentationOut:
        """Check the presentation and ingest its credentials."""
        result = accept_presentation(
            db_session,
            context,
            verifier,
            settings,
            tenant_id=principal.tenant_id,
            raw=body,
            candidate_external_id=candidate_id,
        )
        evidence = [
            e
            for outcome in result.credentials
            if isinstance(outcome, Accepted)
            for e in (
                *outcome.evidence,
                *(e for n in outcome.nested if isinstance(n, Accepted) for e in n.evidence),
            )
        ]
        skills = taxonomy_service.skills_by_ids(db_session, (e.skill_id for e in evidence))
        return s.PresentationOut(
            holder=result.holder,
            candidate_id=result.candidate_external_id,
            checks=[views.check_out(c) for c in result.checks],
            credentials=[
                views.presented_credential_out(index, outcome, skills)
                for index, outcome in enumerate(result.credentials)
            ],
        )


class VerificationController(Controller):
    """Verification without ingest."""

    path = "/v1/verify"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "settings": SETTINGS,
        "verifier": VERIFIER,
    }

    @post(
        "/",
        sync_to_thread=True,
        status_code=HTTP_200_OK,
        summary="Verify a credential without storing it",
        opt=allow(Role.INGEST, Role.MATCHER, Role.RECRUITER),
        responses=problem_responses(422),
        description=(
            "The request body is a credential document as POST /v1/credentials takes it "
            "(JSON-LD, VC-JWT, Open Badges 2.0, a baked PNG or SVG). It is parsed and "
            "verified with the same checks as ingest, and judged by the tenant's trust "
            "policy (issuer trust, unknown status). 200 with the report whether or not it "
            "verifies; a document that cannot be parsed is a 422 problem with the same "
            "type and code as ingest's. Nothing is stored, nothing is quarantined."
        ),
    )
    def verify(
        self,
        body: RawBody,
        principal: PrincipalDep,
        db_session: SessionDep,
        verifier: VerifierDep,
        settings: SettingsDep,
        recipient_email: Annotated[
            str | None,
            HeaderParameter(
                name=RECIPIENT_EMAIL_HEADER,
                min_length=3,
                max_length=320,
                description="Also check that the credential was issued to this email.",
            ),
        ] = None,
    ) -> s.VerificationOut:
        """The verification report of one document."""
        result = verify_document(
            verifier,
            body,
            policy=load_policy(db_session, principal.tenant_id),
            max_bytes=settings.limits.max_credential_bytes,
            recipient_email=recipient_email,
        )
        return views.verification_out(result)


RECIPIENT_EMAIL_HEADER = "Credmatch-Recipient-Email"


MAX_JOB_BODY_BYTES = 64 * 1024 * 1024


class CredentialController(Controller):
    """Credential ingest."""

    path = "/v1/credentials"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
        "verifier": VERIFIER,
    }

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
        context: TaxonomyDep,
        verifier: VerifierDep,
        settings: SettingsDep,
        metrics: MetricsDep,
        candidate_id: CandidateIdQuery = None,
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
        result = ingest_credential(
            db_session,
            context,
            verifier,
            tenant_id=principal.tenant_id,
            raw=body,
            candidate_external_id=candidate_id,
            max_bytes=settings.limits.max_credential_bytes,
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
    return views.ingest_out(
        result, taxonomy_service.skills_by_ids(session, (e.skill_id for e in evidence))
    )


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
        opt={
            **allow(Role.INGEST),
            **raw_body(
                # Any text with a non-blank line: each line is stored, and one that is not
                # a credential is quarantined with its reason.
                application_x_ndjson=Schema(
                    pattern=r"\S", description="One credential document per line"
                )
            ),
        },
        responses=problem_responses(422),
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
        candidate_id: CandidateIdQuery = None,
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
        job_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
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
    dependencies = {  # noqa: RUF012 (Litestar reads a class attribute)
        "context": TAXONOMY,
        "settings": SETTINGS,
        "verifier": VERIFIER,
    }

    @get("/", sync_to_thread=True, summary="List quarantined documents", opt=allow(Role.INGEST))
    def list_quarantine(
        self,
        principal: PrincipalDep,
        db_session: SessionDep,
        after: Annotated[int, Parameter(ge=0, le=wire.MAX_ID)] = 0,
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
        quarantine_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
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
        quarantine_id: Annotated[int, Parameter(ge=1, le=wire.MAX_ID)],
        principal: PrincipalDep,
        db_session: SessionDep,
        context: TaxonomyDep,
        verifier: VerifierDep,
        settings: SettingsDep,
        metrics: MetricsDep,
    ) -> s.IngestOut:
        """Run ingest again on a quarantined document."""
        rows = repo.quarantined_by_ids(db_session, principal.tenant_id, [quarantine_id])
        if not rows:
            raise NotFoundError(f"no quarantined document {quarantine_id}")
        result = retry_quarantined(
            db_session,
            context,
            verifier,
            rows[0],
            max_bytes=settings.limits.max_credential_bytes,
        )
        metrics.count_ingest(result, source="retry")
        if not isinstance(result, Accepted):
            raise _rejected(result)
        return _accepted_out(db_session, result)
