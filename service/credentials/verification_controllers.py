"""``POST /v1/verify``: a credential's verification report under the tenant's policy, unstored."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, post
from litestar.params import HeaderParameter, RawBody
from litestar.status_codes import HTTP_200_OK

from service.api import schemas as s
from service.api import views
from service.api.controllers import (
    RECIPIENT_EMAIL_HEADER,
    PrincipalDep,
    RuntimeDep,
    SessionDep,
)
from service.api.dependencies import require_api_key
from service.api.openapi import problem_responses
from service.credentials.verification import verify_document
from service.keys.auth import Role
from service.keys.roles import allow
from service.trust.service import load_policy


class VerificationController(Controller):
    """Verification without ingest."""

    path = "/v1/verify"
    tags = ["credentials"]  # noqa: RUF012 (Litestar reads a class attribute)
    guards = [require_api_key]  # noqa: RUF012

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
        runtime: RuntimeDep,
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
            runtime.verifier,
            body,
            policy=load_policy(db_session, principal.tenant_id),
            max_bytes=runtime.settings.max_credential_bytes,
            recipient_email=recipient_email,
        )
        return views.verification_out(result)
