"""Issuer trust policies, and the recipient check on Open Badges 3.0 subject identifiers."""

from __future__ import annotations

import hashlib

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import IssuerTrustPolicy, TrustedIssuer, Verifier, issuer_host
from tests.ingest.ingest_testkit import Json, check, did_key_method, fixed_clock, make_badge, sign

POLICY = IssuerTrustPolicy(
    trusted=(
        TrustedIssuer(kind="domain", value="uni.example", weight=0.9, name="Uni"),
        TrustedIssuer(kind="domain", value="cs.uni.example", weight=1.0),
        TrustedIssuer(kind="issuer", value="did:key:z6MkTrusted", weight=0.7),
    ),
    accept_untrusted=True,
    untrusted_weight=0.4,
)


@pytest.mark.parametrize(
    ("issuer", "trusted", "weight"),
    [
        ("https://uni.example/issuers/1", True, 0.9),
        ("https://badges.uni.example/issuers/1", True, 0.9),
        ("https://cs.uni.example/i", True, 1.0),  # the highest matching weight wins
        ("did:web:uni.example", True, 0.9),
        ("did:web:lab.uni.example:issuers:7", True, 0.9),
        ("did:web:uni.example%3A8443", True, 0.9),
        ("did:key:z6MkTrusted", True, 0.7),
        ("did:key:z6MkOther", False, 0.4),
        ("https://notuni.example/issuers/1", False, 0.4),  # not a subdomain
        ("https://uni.example.evil.test/i", False, 0.4),
        ("http://uni.example/issuers/1", False, 0.4),  # only https URLs carry their domain
        ("did:web:evil.test:uni.example", False, 0.4),
    ],
)
def test_policy_weighs_issuers_by_id_and_domain(issuer: str, trusted: bool, weight: float) -> None:
    assessment = POLICY.assess(issuer)

    assert (assessment.trusted, assessment.accepted, assessment.weight) == (trusted, True, weight)


def test_untrusted_issuers_are_refused_when_the_policy_says_so() -> None:
    policy = IssuerTrustPolicy(trusted=POLICY.trusted, accept_untrusted=False)

    refused = policy.assess("https://elsewhere.example/i")

    assert (refused.accepted, refused.weight) == (False, 0.0)
    assert "not accepted" in refused.detail
    assert policy.assess("https://uni.example/i").accepted


def test_default_policy_is_open() -> None:
    assessment = IssuerTrustPolicy().assess("did:key:z6MkAnyone")

    assert IssuerTrustPolicy().is_open
    assert (assessment.trusted, assessment.accepted, assessment.weight) == (False, True, 1.0)


def test_unknown_status_is_accepted_unless_the_policy_rejects_it() -> None:
    rejecting = msgspec.json.decode(b'{"unknownStatus": "reject"}', type=IssuerTrustPolicy)

    assert IssuerTrustPolicy().unknown_status == "accept"
    assert rejecting.unknown_status == "reject"
    assert rejecting.is_open  # it says nothing about issuers
    assert b'"unknownStatus":"reject"' in msgspec.json.encode(rejecting)
    with pytest.raises(msgspec.ValidationError, match="unknownStatus"):
        msgspec.json.decode(b'{"unknownStatus": "sometimes"}', type=IssuerTrustPolicy)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (IssuerTrustPolicy(untrusted_weight=1.5), "untrustedWeight"),
        (
            IssuerTrustPolicy(trusted=(TrustedIssuer(kind="domain", value="x.test", weight=0),)),
            "weight",
        ),
        (
            IssuerTrustPolicy(trusted=(TrustedIssuer(kind="domain", value="https://x.test"),)),
            "host name",
        ),
        (
            IssuerTrustPolicy(trusted=(TrustedIssuer(kind="issuer", value=" did:key:z "),)),
            "surrounding",
        ),
        (
            IssuerTrustPolicy(
                trusted=(
                    TrustedIssuer(kind="domain", value="X.test"),
                    TrustedIssuer(kind="domain", value="x.test"),
                )
            ),
            "repeats",
        ),
    ],
)
def test_invalid_policies_are_refused(policy: IssuerTrustPolicy, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        policy.validate()


def test_issuer_host() -> None:
    assert issuer_host("https://Uni.Example:8443/x") == "uni.example"
    assert issuer_host("did:web:uni.example:a:b") == "uni.example"
    assert issuer_host("did:key:z6Mk") is None


# -- recipient: Open Badges 3.0 credentialSubject.identifier -------------------------------

EMAIL = "Ada.Lovelace@example.org"


def _with_identifier(identity: Json) -> Json:
    key = Ed25519PrivateKey.generate()
    did, method = did_key_method(key)
    badge = make_badge({"id": did, "type": ["Profile"], "name": "Issuer"})
    badge["credentialSubject"]["identifier"] = [{"type": "IdentityObject", **identity}]
    return sign(badge, key, method)


def _salted(email: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


@pytest.mark.parametrize(
    ("identity", "outcome"),
    [
        (
            {"identityType": "emailAddress", "hashed": False, "identityHash": EMAIL.lower()},
            "passed",
        ),
        (
            {
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": _salted(EMAIL.lower(), "pepper"),
                "salt": "pepper",
            },
            "passed",
        ),
        (
            {
                "identityType": "emailAddress",
                "hashed": True,
                "identityHash": _salted("someone@else.org", "pepper"),
                "salt": "pepper",
            },
            "failed",
        ),
        ({"identityType": "emailAddress", "hashed": False, "identityHash": "x@y.org"}, "failed"),
        ({"identityType": "sourcedId", "hashed": False, "identityHash": "12345"}, "unknown"),
        (
            {"identityType": "emailAddress", "hashed": True, "identityHash": "sha1$abcd"},
            "unknown",
        ),
    ],
)
def test_recipient_check_reads_ob3_subject_identifiers(identity: Json, outcome: str) -> None:
    document = _with_identifier(identity)

    report = Verifier(clock=fixed_clock).verify(document, recipient_email=EMAIL)

    assert check(report, "recipient").outcome == outcome
    assert report.verified is (outcome != "failed")
