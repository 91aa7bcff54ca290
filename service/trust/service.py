"""Each tenant's issuer trust policy: stored, validated, and applied to evidence.

See `ingest.IssuerTrustPolicy` for what a policy says. A tenant without a stored policy has
the open default: every verified issuer is accepted and counts fully.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import msgspec
from sqlalchemy.orm import Session

from ingest import IssuerTrustPolicy
from service.errors import UnprocessableRequestError
from service.trust import repository as repo

IssuerWeight = Callable[[str], float]
"""How much an issuer's credentials count (the tenant's trust policy), in [0, 1]."""


def load_policy(session: Session, tenant_id: int) -> IssuerTrustPolicy:
    """The tenant's policy, or the open default when none is stored."""
    stored = repo.trust_policy(session, tenant_id)
    if stored is None:
        return IssuerTrustPolicy()
    return msgspec.convert(stored, IssuerTrustPolicy)


def save_policy(session: Session, tenant_id: int, policy: IssuerTrustPolicy) -> None:
    """Validate and store (replace) the tenant's policy.

    Raises:
        UnprocessableRequestError: A weight out of range, a malformed domain or a repeated
            entry (rules beyond the schema: 422).
    """
    try:
        policy.validate()
    except ValueError as error:
        raise UnprocessableRequestError(str(error)) from None
    repo.put_trust_policy(session, tenant_id, msgspec.to_builtins(policy))


def issuer_weight(policy: IssuerTrustPolicy, *, trusted_only: bool = False) -> IssuerWeight | None:
    """How much each issuer counts under a policy; ``None`` when every issuer counts fully.

    Args:
        policy: The tenant's policy.
        trusted_only: Count only trusted issuers (a match filter), whatever the policy says
            of the others.
    """
    if policy.is_open and not trusted_only:
        return None

    @functools.cache
    def weight(issuer_id: str) -> float:
        assessment = policy.assess(issuer_id)
        if trusted_only and not assessment.trusted:
            return 0.0
        return assessment.weight

    return weight
