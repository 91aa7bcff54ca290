"""Domain results of the trust feature turned into its wire Structs."""

from __future__ import annotations

from ingest import IssuerTrustPolicy, TrustAssessment
from service.trust import schemas as s


def trust_policy_out(policy: IssuerTrustPolicy) -> s.TrustPolicyOut:
    """A trust policy on the wire."""
    return s.TrustPolicyOut(
        trusted=[
            s.TrustedIssuerOut(kind=t.kind, value=t.value, weight=t.weight, name=t.name)
            for t in policy.trusted
        ],
        accept_untrusted=policy.accept_untrusted,
        untrusted_weight=policy.untrusted_weight,
        allow_other_holders=policy.allow_other_holders,
        unknown_status=policy.unknown_status,
        open=policy.is_open,
    )


def trust_assessment_out(issuer: str, assessment: TrustAssessment) -> s.TrustAssessmentOut:
    """A policy's judgement of one issuer on the wire."""
    return s.TrustAssessmentOut(
        issuer=issuer,
        trusted=assessment.trusted,
        accepted=assessment.accepted,
        weight=assessment.weight,
        detail=assessment.detail,
    )
