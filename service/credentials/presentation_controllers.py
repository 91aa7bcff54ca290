"""HTTP controllers of Verifiable Presentations: challenges for wallets, presentations."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.orm import Session

from service.api import schemas as s
from service.api import views
from service.api.dependencies import require_api_key
from service.api.openapi import problem_responses
from service.credentials.presentations import accept_presentation, issue_challenge
from service.credentials.service import Accepted
from service.db import repositories as repo
from service.keys.auth import Principal, Role
from service.keys.roles import allow
from service.runtime import Runtime

CandidateQuery = Annotated[
    str | None, QueryParameter(name="candidateId", min_length=1, max_length=200)
]


class PresentationController(Controller):
    """Credentials presented by wallets in a Verifiable Presentation."""

    path = "/v1/presentations"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

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
        runtime: NamedDependency[Runtime],
        candidate_id: CandidateQuery = None,
    ) -> s.ChallengeOut:
        """Issue and store a challenge for the tenant."""
        issued = issue_challenge(
            db_session,
            runtime.settings,
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
        runtime: NamedDependency[Runtime],
        candidate_id: CandidateQuery = None,
    ) -> s.PresentationOut:
        """Check the presentation and ingest its credentials."""
        context, _ = runtime.require_taxonomy()
        result = accept_presentation(
            db_session,
            context,
            runtime.verifier,
            runtime.settings,
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
        skills = repo.skills_by_ids(db_session, (e.skill_id for e in evidence))
        return s.PresentationOut(
            holder=result.holder,
            candidate_id=result.candidate_external_id,
            checks=[views.check_out(c) for c in result.checks],
            credentials=[
                views.presented_credential_out(index, outcome, skills)
                for index, outcome in enumerate(result.credentials)
            ],
        )
