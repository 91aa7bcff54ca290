"""The dataModel check: VCDM 2.0 and 1.1 rules the W3C suite's fixtures do not cover."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import Verifier, sign_eddsa_jcs_2022
from ingest._datamodel import check_data_model, structural_problems
from ingest._jsonld import default_context_loader
from tests.ingest.ingest_testkit import SIGNED_AT, check, did_key_method, fixed_clock

Json = dict[str, Any]
V1 = "https://www.w3.org/2018/credentials/v1"
V2 = "https://www.w3.org/ns/credentials/v2"
DIGEST_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"


def v2_credential(**fields: Any) -> Json:
    return {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
        **fields,
    }


def v1_credential(**fields: Any) -> Json:
    return {
        "@context": [V1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2025-01-15T09:30:00Z",
        "credentialSubject": {"id": "did:example:subject"},
        **fields,
    }


def test_conforming_credentials_have_no_problems() -> None:
    assert check_data_model(v2_credential(), default_context_loader()).problems == ()
    assert check_data_model(v1_credential(), default_context_loader()).problems == ()


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"validFrom": "2025-01-15T09:30:00"}, "VCDM 2.0 §4.9 Validity Period: validFrom MUST"),
        ({"renderMethod": {"id": "https://x.example/r"}}, "§5.10 Reserved Extension Points"),
        ({"relatedResource": ["https://x.example/a"]}, "relatedResource[0] MUST be an object"),
        ({"relatedResource": [{"id": "https://x.example/a"}]}, "digestSRI or a digestMultibase"),
        ({"relatedResource": [{"digestSRI": DIGEST_SRI}]}, "relatedResource[0].id is REQUIRED"),
        (
            {
                "relatedResource": [
                    {"id": "https://x.example/a", "digestSRI": DIGEST_SRI},
                    {"id": "https://x.example/a", "digestMultibase": "uJKGMkOmFbVJhEfKT"},
                ]
            },
            "MUST be unique",
        ),
        ({"name": {"@value": "Degree", "@direction": "up"}}, "@direction must be 'ltr' or 'rtl'"),
        ({"description": {"@language": "en"}}, "MUST contain a string @value"),
        ({"proof": {"proofValue": "z1"}}, "§4.12 Securing Mechanisms: proof.type MUST be present"),
    ],
)
def test_vcdm2_rule_is_named(fields: Json, rule: str) -> None:
    problems = structural_problems(v2_credential(**fields))

    assert any(rule in problem for problem in problems), problems


def test_related_resource_with_a_digest_conforms() -> None:
    resource = {"id": V2, "mediaType": "application/ld+json", "digestSRI": DIGEST_SRI}

    assert structural_problems(v2_credential(relatedResource=[resource])) == []


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"issuanceDate": None}, "VCDM 1.1 §4.6 Issuance Date: issuanceDate MUST be"),
        ({"expirationDate": "next year"}, "VCDM 1.1 §4.8 Expiration: expirationDate MUST be"),
        ({"credentialStatus": {"type": "StatusList2021Entry"}}, "§4.9 Status: credentialStatus.id"),
        ({"refreshService": {"type": "ManualRefreshService2018"}}, "§5.5 Refreshing"),
        ({"id": "not a uri"}, "VCDM 1.1 §4.2 Identifiers: id MUST be a single URL"),
    ],
)
def test_vcdm11_rule_is_named(fields: Json, rule: str) -> None:
    problems = structural_problems(v1_credential(**fields))

    assert any(rule in problem for problem in problems), problems


def test_vcdm11_keeps_its_own_date_form_and_has_no_name_rules() -> None:
    # XML Schema dateTime (time zone optional) is VC 1.1's form; 1.1 defines no name rule.
    credential = v1_credential(issuanceDate="2025-01-15T09:30:00", name={"@value": 1, "x": 2})

    assert structural_problems(credential) == []


def test_missing_issuance_date_fails_a_vcdm11_credential() -> None:
    credential = v1_credential()
    del credential["issuanceDate"]

    assert structural_problems(credential) == [
        "VCDM 1.1 §4.6 Issuance Date: a credential MUST have an issuanceDate property"
    ]


def test_jcs_credential_that_breaks_the_data_model_is_not_verified() -> None:
    key = Ed25519PrivateKey.generate()
    did, method = did_key_method(key)
    document = v2_credential(issuer=did, evidence=[{"id": "https://x.example/e"}])
    signed = sign_eddsa_jcs_2022(document, key, verification_method=method, created=SIGNED_AT)

    report = Verifier(clock=fixed_clock).verify(signed)

    assert check(report, "proof").outcome == "passed"
    assert check(report, "dataModel").outcome == "failed"
    assert check(report, "dataModel").detail == (
        "VCDM 2.0 §5.6 Evidence: evidence.type MUST be present"
    )
    assert not report.verified


def test_unbundled_context_leaves_json_ld_rules_unknown() -> None:
    credential = v2_credential()
    credential["@context"] = [V2, "https://contexts.example/unknown/v1"]

    result = check_data_model(credential, default_context_loader())
    report = Verifier(clock=fixed_clock).verify(credential)

    assert result.problems == ()
    assert "not bundled" in result.unchecked
    assert check(report, "dataModel").outcome == "unknown"
