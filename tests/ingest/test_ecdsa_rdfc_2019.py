"""ecdsa-rdfc-2019 Data Integrity proofs (P-256) and P-256 did:key / Multikey / JWK keys."""

from __future__ import annotations

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    PinnedDocuments,
    Verifier,
    did_key_from_public_key,
    parse_credential,
    resolve_did_key,
    sign_ecdsa_rdfc_2019,
)
from ingest._ecdsa import jwk_from_public_key
from ingest._keys import public_key_from_method
from tests.ingest.ingest_testkit import SIGNED_AT, fixed_clock, make_badge


def p256_did(key: ec.EllipticCurvePrivateKey) -> tuple[str, str]:
    did = did_key_from_public_key(key.public_key())
    return did, f"{did}#{did.removeprefix('did:key:')}"


def test_p256_did_key_round_trips() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did, _ = p256_did(key)

    assert did.startswith("did:key:zDn")
    assert resolve_did_key(did).public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]


def test_p256_jwk_method_resolves() -> None:
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    method = {"type": "JsonWebKey", "publicKeyJwk": jwk_from_public_key(public)}

    assert public_key_from_method(method).public_numbers() == public.public_numbers()  # type: ignore[union-attr]


def test_signed_badge_verifies() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did, method = p256_did(key)
    signed = sign_ecdsa_rdfc_2019(
        make_badge(did), key, verification_method=method, created=SIGNED_AT
    )
    raw = msgspec.json.encode(signed)

    credential, document = parse_credential(raw)
    report = Verifier(clock=fixed_clock).verify(document)

    assert credential.proof_types == ("DataIntegrityProof/ecdsa-rdfc-2019",)
    assert report.verified, report.failed()


def test_multikey_in_pinned_document_verifies() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    multikey = did_key_from_public_key(key.public_key()).removeprefix("did:key:")
    issuer = "https://issuer.example/profile"
    method_id = f"{issuer}#key-1"
    profile = {
        "id": issuer,
        "assertionMethod": [{"id": method_id, "type": "Multikey", "publicKeyMultibase": multikey}],
    }
    signed = sign_ecdsa_rdfc_2019(
        make_badge(issuer), key, verification_method=method_id, created=SIGNED_AT
    )

    report = Verifier(documents=PinnedDocuments({issuer: profile}), clock=fixed_clock).verify(
        signed
    )

    assert report.verified, report.failed()


def test_tampered_badge_fails() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did, method = p256_did(key)
    signed = sign_ecdsa_rdfc_2019(
        make_badge(did), key, verification_method=method, created=SIGNED_AT
    )
    signed["name"] = "Forged"

    report = Verifier(clock=fixed_clock).verify(signed)

    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


def test_wrong_key_fails() -> None:
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    did, method = p256_did(key)
    signed = sign_ecdsa_rdfc_2019(
        make_badge(did), other, verification_method=method, created=SIGNED_AT
    )

    report = Verifier(clock=fixed_clock).verify(signed)

    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


def test_ed25519_key_cannot_back_an_ecdsa_proof() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    ed_key = Ed25519PrivateKey.generate()
    ed_did = did_key_from_public_key(ed_key.public_key())
    ed_method = f"{ed_did}#{ed_did.removeprefix('did:key:')}"
    signed = sign_ecdsa_rdfc_2019(
        make_badge(ed_did), key, verification_method=ed_method, created=SIGNED_AT
    )

    report = Verifier(clock=fixed_clock).verify(signed)

    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


def test_signing_with_the_wrong_key_type_is_refused() -> None:
    with pytest.raises(ValueError, match="P-256"):
        sign_ecdsa_rdfc_2019(
            make_badge("did:example:issuer"),
            Ed25519PrivateKey.generate(),  # type: ignore[arg-type]
            verification_method="did:example:issuer#k",
            created=SIGNED_AT,
        )
