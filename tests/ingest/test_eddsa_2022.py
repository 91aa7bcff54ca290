"""``eddsa-2022``: the pre-standard name of eddsa-rdfc-2022, still used by OB 3.0 issuers."""

from __future__ import annotations

import msgspec
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import Verifier, parse_credential
from ingest._eddsa import EDDSA_2022, sign
from tests.ingest.ingest_testkit import (
    SIGNED_AT,
    TAMPERING,
    Json,
    check,
    did_key_method,
    fixed_clock,
    make_badge,
)
from tests.ingest.test_ecdsa_rdfc_2019 import p256_did


def _signed(key: Ed25519PrivateKey) -> Json:
    did, method = did_key_method(key)
    return sign(EDDSA_2022, make_badge(did), key, verification_method=method, created=SIGNED_AT)


def test_eddsa_2022_badge_verifies() -> None:
    signed = _signed(Ed25519PrivateKey.generate())

    credential, document = parse_credential(msgspec.json.encode(signed))
    report = Verifier(clock=fixed_clock).verify(document)

    assert signed["proof"]["cryptosuite"] == "eddsa-2022"
    assert credential.proof_types == ("DataIntegrityProof/eddsa-2022",)
    assert report.verified, report.failed()
    assert check(report, "proof").detail.startswith("eddsa-2022 signature by did:key:z6Mk")


def test_tampered_eddsa_2022_badge_fails() -> None:
    key = Ed25519PrivateKey.generate()
    for tamper in TAMPERING.values():
        signed = _signed(key)
        tamper(signed)

        proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

        assert proof.outcome == "failed", tamper.__name__
        assert "does not match the document" in proof.detail, tamper.__name__


def test_eddsa_2022_proof_renamed_eddsa_rdfc_2022_fails() -> None:
    signed = _signed(Ed25519PrivateKey.generate())
    signed["proof"]["cryptosuite"] = "eddsa-rdfc-2022"  # the suite name is signed too

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"


def test_eddsa_2022_needs_an_ed25519_key() -> None:
    key = Ed25519PrivateKey.generate()
    p256_key = ec.generate_private_key(ec.SECP256R1())
    p256_issuer, p256_method = p256_did(p256_key)
    signed = sign(
        EDDSA_2022, make_badge(p256_issuer), key, verification_method=p256_method, created=SIGNED_AT
    )

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"
