"""HTTP controllers of the trust feature: decode a Struct, call one service, return a Struct."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.params import JSONBody, Parameter

from ingest import IssuerTrustPolicy, TrustedIssuer
from service.api.dependencies import PrincipalDep, SessionDep, require_api_key
from service.api.openapi import problem_responses
from service.keys.auth import Role
from service.keys.roles import allow
from service.trust import schemas as s
from service.trust import views
from service.trust.service import load_policy, save_policy


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
        responses=problem_responses(422),
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
