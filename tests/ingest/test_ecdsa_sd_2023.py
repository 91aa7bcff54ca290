"""ecdsa-sd-2023 selective-disclosure proofs: derived proofs verify, base proofs are refused."""

from __future__ import annotations

import copy

import cbor2
import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ingest import (
    ContextLoader,
    Verifier,
    derive_ecdsa_sd_2023,
    parse_credential,
    sign_ecdsa_sd_2023_base,
)
from ingest._ecdsa import b64url_decode, b64url_encode
from tests.ingest.ecdsa_sd_vectors import EMPLOY_BASE, EMPLOY_DERIVED, EMPLOY_SELECTIVE
from tests.ingest.ingest_testkit import SIGNED_AT, Json, check, fixed_clock, make_badge
from tests.ingest.test_ecdsa_rdfc_2019 import p256_did

# What the 1EdTech OB 3.0 schema requires stays disclosed, as an issuer of selectively
# disclosable badges must make it: the schema check runs on the derived credential.
MANDATORY = [
    "/issuer",
    "/validFrom",
    "/credentialSubject/type",
    "/credentialSubject/achievement/id",
    "/credentialSubject/achievement/type",
    "/credentialSubject/achievement/description",
    "/credentialSubject/achievement/criteria",
]
SOME_CLAIMS = ["/name", "/credentialSubject/achievement/name"]
ALL_CLAIMS = ["/id", "/name", "/credentialSubject"]


@pytest.fixture(scope="module")
def issuer_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def base_badge(issuer_key: ec.EllipticCurvePrivateKey) -> Json:
    """An OB 3.0 badge with an ecdsa-sd-2023 base proof (issuer and validFrom mandatory)."""
    did, method = p256_did(issuer_key)
    return sign_ecdsa_sd_2023_base(
        make_badge(did),
        issuer_key,
        verification_method=method,
        created=SIGNED_AT,
        mandatory_pointers=MANDATORY,
    )


@pytest.fixture(scope="module")
def some_claims(base_badge: Json) -> Json:
    return derive_ecdsa_sd_2023(base_badge, SOME_CLAIMS)


def _verify(document: Json, contexts: ContextLoader | None = None) -> tuple[str, str]:
    proof = check(Verifier(clock=fixed_clock, contexts=contexts).verify(document), "proof")
    return proof.outcome, proof.detail


def _with_proof_parts(derived: Json, change: dict[int, object]) -> Json:
    """A copy of ``derived`` whose CBOR proof components are replaced by position."""
    altered = copy.deepcopy(derived)
    raw = b64url_decode(altered["proof"]["proofValue"][1:])
    parts = cbor2.loads(raw[3:])
    for index, value in change.items():
        parts[index] = value
    altered["proof"]["proofValue"] = "u" + b64url_encode(raw[:3] + cbor2.dumps(parts))
    return altered


def test_derived_proof_with_every_claim_disclosed_verifies(base_badge: Json) -> None:
    derived = derive_ecdsa_sd_2023(base_badge, ALL_CLAIMS)

    credential, document = parse_credential(msgspec.json.encode(derived))
    report = Verifier(clock=fixed_clock).verify(document)

    assert {key: value for key, value in derived.items() if key != "proof"} == {
        key: value for key, value in base_badge.items() if key != "proof"
    }
    assert credential.proof_types == ("DataIntegrityProof/ecdsa-sd-2023",)
    assert report.verified, report.failed()
    assert "ecdsa-sd-2023 derived proof" in check(report, "proof").detail


def test_derived_proof_with_some_claims_disclosed_verifies(some_claims: Json) -> None:
    report = Verifier(clock=fixed_clock).verify(some_claims)

    assert report.verified, report.failed()
    achievement = some_claims["credentialSubject"]["achievement"]
    assert achievement["name"] == "Python Data Analysis"
    assert "alignment" not in achievement  # neither mandatory nor selected
    assert "tag" not in achievement
    assert some_claims["validFrom"] == "2025-01-15T09:30:00Z"  # mandatory, always disclosed


def test_tampered_disclosed_claim_fails(some_claims: Json) -> None:
    tampered = copy.deepcopy(some_claims)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Data Science"

    outcome, detail = _verify(tampered)

    assert outcome == "failed"
    assert "does not match its disclosed statement (the claim was altered" in detail


def test_tampered_mandatory_claim_fails(some_claims: Json) -> None:
    tampered = copy.deepcopy(some_claims)
    tampered["validFrom"] = "2020-01-01T00:00:00Z"

    outcome, detail = _verify(tampered)

    assert outcome == "failed"
    assert "the base signature does not match" in detail


def test_dropped_mandatory_claim_fails(some_claims: Json) -> None:
    dropped = copy.deepcopy(some_claims)
    del dropped["validFrom"]

    outcome, detail = _verify(dropped)

    assert outcome == "failed"
    assert "mandatory statement" in detail
    assert "left out" in detail


def test_dropped_disclosed_claim_fails(some_claims: Json) -> None:
    dropped = copy.deepcopy(some_claims)
    del dropped["name"]

    outcome, detail = _verify(dropped)

    assert outcome == "failed"
    assert "disclosed claim was left out" in detail


def test_reordered_signatures_fail(some_claims: Json) -> None:
    parts = cbor2.loads(b64url_decode(some_claims["proof"]["proofValue"][1:])[3:])
    signatures = parts[2]
    assert len(signatures) >= 2
    reordered = _with_proof_parts(some_claims, {2: [signatures[1], signatures[0], *signatures[2:]]})

    outcome, detail = _verify(reordered)

    assert outcome == "failed"
    assert "statement signature 1 of" in detail
    assert "signatures reordered" in detail


def test_base_proof_signed_by_another_key_fails(issuer_key: ec.EllipticCurvePrivateKey) -> None:
    did, method = p256_did(issuer_key)
    other = ec.generate_private_key(ec.SECP256R1())
    base = sign_ecdsa_sd_2023_base(
        make_badge(did), other, verification_method=method, created=SIGNED_AT
    )

    outcome, detail = _verify(derive_ecdsa_sd_2023(base, ["/name"]))

    assert outcome == "failed"
    assert "the base signature does not match" in detail
    assert "another key signed" in detail


def test_base_proof_is_refused_as_holder_only(base_badge: Json) -> None:
    report = Verifier(clock=fixed_clock).verify(base_badge)

    proof = check(report, "proof")
    assert proof.outcome == "failed"
    assert "base proof (header 0xd9 0x5d 0x00)" in proof.detail
    assert "derived disclosure proof" in proof.detail
    assert not report.verified


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({0: b"\x00" * 10}, "baseSignature is not 64 bytes"),
        ({1: b"\x00" * 35}, "publicKey is not a P-256 Multikey"),
        ({3: {"c14n0": b"\x00" * 32}}, "label map does not map integers"),
        ({4: ["0"]}, "mandatoryIndexes is not an array of integers"),
    ],
)
def test_malformed_derived_proof_value_fails_with_reason(
    some_claims: Json, change: dict[int, object], expected: str
) -> None:
    outcome, detail = _verify(_with_proof_parts(some_claims, change))

    assert outcome == "failed"
    assert expected in detail


def test_base58_proof_value_is_not_a_disclosure_proof(some_claims: Json) -> None:
    altered = copy.deepcopy(some_claims)
    altered["proof"]["proofValue"] = "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk"

    outcome, detail = _verify(altered)

    assert outcome == "failed"
    assert "multibase base64url" in detail


def test_deriving_for_a_pointer_outside_the_document_is_refused(base_badge: Json) -> None:
    with pytest.raises(ValueError, match="does not match the document"):
        derive_ecdsa_sd_2023(base_badge, ["/credentialSubject/nickname"])


def test_w3c_base_proof_derives_the_published_disclosure_proof_byte_for_byte(
    citizenship_contexts: ContextLoader,
) -> None:
    derived = derive_ecdsa_sd_2023(EMPLOY_BASE, EMPLOY_SELECTIVE, contexts=citizenship_contexts)

    assert derived == EMPLOY_DERIVED


def test_w3c_derived_proof_verifies(citizenship_contexts: ContextLoader) -> None:
    outcome, detail = _verify(copy.deepcopy(EMPLOY_DERIVED), citizenship_contexts)

    assert outcome == "passed", detail


def test_w3c_derived_proof_with_a_changed_claim_fails(citizenship_contexts: ContextLoader) -> None:
    tampered = copy.deepcopy(EMPLOY_DERIVED)
    tampered["credentialSubject"]["birthCountry"] = "Canada"

    outcome, detail = _verify(tampered, citizenship_contexts)

    assert outcome == "failed"
    assert "does not match" in detail


def test_literal_that_looks_like_a_blank_node_label_is_not_relabelled(
    issuer_key: ec.EllipticCurvePrivateKey,
) -> None:
    did, method = p256_did(issuer_key)
    badge = make_badge(did, name="Blank nodes such as _:c14n0 explained")
    base = sign_ecdsa_sd_2023_base(
        badge,
        issuer_key,
        verification_method=method,
        created=SIGNED_AT,
        mandatory_pointers=[*MANDATORY, "/name"],
    )

    derived = derive_ecdsa_sd_2023(base, ["/credentialSubject/achievement/name"])
    report = Verifier(clock=fixed_clock).verify(derived)

    assert derived["name"] == "Blank nodes such as _:c14n0 explained"
    assert report.verified, report.failed()


def test_p256_bare_did_key_method_binds(issuer_key: ec.EllipticCurvePrivateKey) -> None:
    did, _ = p256_did(issuer_key)
    base = sign_ecdsa_sd_2023_base(
        make_badge(did),
        issuer_key,
        verification_method=did,
        created=SIGNED_AT,
        mandatory_pointers=MANDATORY,
    )

    disclosed = derive_ecdsa_sd_2023(base, ["/name", "/credentialSubject/achievement/name"])
    report = Verifier(clock=fixed_clock).verify(disclosed)

    assert report.verified, report.failed()
    assert check(report, "key").detail == f"{did} is controlled by the issuer {did}"


def test_derived_proof_that_hides_the_issuer_is_not_bound(
    issuer_key: ec.EllipticCurvePrivateKey,
) -> None:
    did, method = p256_did(issuer_key)
    base = sign_ecdsa_sd_2023_base(
        make_badge(did), issuer_key, verification_method=method, created=SIGNED_AT
    )

    report = Verifier(clock=fixed_clock).verify(derive_ecdsa_sd_2023(base, ["/name"]))

    assert check(report, "proof").outcome == "passed"
    assert check(report, "key").detail == "credential has no issuer id to bind the key to"
    assert not report.verified
