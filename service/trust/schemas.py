"""Wire Structs of the trust feature: what its endpoints read and answer."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from service.api.schemas import Request, Response, ShortText

UnknownStatus = Literal["accept", "reject"]


class TrustedIssuerIn(Request):
    """A trusted issuer: by exact issuer id (DID or URL) or by domain (subdomains included)."""

    kind: Literal["issuer", "domain"]
    value: Annotated[str, Meta(min_length=1, max_length=500)]
    weight: Annotated[float, Meta(gt=0, le=1)] = 1.0
    name: ShortText = ""


class TrustPolicyIn(Request):
    """``PUT /v1/trust-policy``: the tenant's issuer trust policy, replaced whole."""

    trusted: Annotated[list[TrustedIssuerIn], Meta(max_length=10_000)] = msgspec.field(
        default_factory=list
    )
    accept_untrusted: bool = True
    untrusted_weight: Annotated[float, Meta(ge=0, le=1)] = 1.0
    allow_other_holders: bool = False
    """Let a presentation carry credentials whose subject is not its holder."""
    unknown_status: UnknownStatus = "accept"
    """A credential whose status could not be checked: ``accept`` (kept, counts less) or
    ``reject`` (quarantined as ``status-unknown``; ``credmatch reverify`` retries it)."""


class TrustedIssuerOut(Response):
    """A trusted issuer."""

    kind: str
    value: str
    weight: float
    name: str = ""


class TrustPolicyOut(Response):
    """The tenant's issuer trust policy (the open default when none was set)."""

    trusted: list[TrustedIssuerOut]
    accept_untrusted: bool
    untrusted_weight: float
    open: bool
    allow_other_holders: bool = False
    unknown_status: UnknownStatus = "accept"


class TrustAssessmentOut(Response):
    """What the policy says of one issuer."""

    issuer: str
    trusted: bool
    accepted: bool
    weight: float
    detail: str
