"""The eddsa-jcs-2022 and Ed25519Signature2020 suites: W3C vc-di-eddsa vectors and badges."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    CHECK_NAMES,
    ContextLoader,
    CredentialFormatError,
    PinnedDocuments,
    UnknownContextError,
    Verifier,
    canonicalize,
    canonicalize_jcs,
    parse_credential,
    resolve_did_key,
    sign_ed25519_signature_2020,
    sign_eddsa_jcs_2022,
    sign_eddsa_rdfc_2022,
)
from tests.ingest.ingest_testkit import (
    SIGNERS,
    TAMPERING,
    Json,
    Signer,
    check,
    did_key_method,
    fixed_clock,
    make_badge,
    sign,
    split_vector,
    w3c_vector_key,
)

W3C = "w3c-vc-di-eddsa/TestVectors"
JCS = f"{W3C}/eddsa-jcs-2022"
EDSIG = f"{W3C}/Ed25519Signature2020"
ED25519_2020_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"


class Vector:
    """One W3C vector folder: file names, canonicalization and signer."""

    def __init__(
        self,
        folder: str,
        suffix: str,
        canon: Callable[[Json, ContextLoader], str],
        signer: Signer,
    ) -> None:
        self.folder, self.suffix, self.canon, self.signer = folder, suffix, canon, signer

    def file(self, stem: str, extension: str = "txt") -> str:
        return f"{self.folder}/{stem}{self.suffix}.{extension}"


VECTORS = {
    "eddsa-jcs-2022": Vector(JCS, "JCS", canonicalize_jcs, sign_eddsa_jcs_2022),
    "Ed25519Signature2020": Vector(EDSIG, "EdSig", canonicalize, sign_ed25519_signature_2020),
}


# -- canonical forms and hashes byte for byte -------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_canonical_forms_match_the_vector(
    name: str, load_json: Callable[[str], Json], read_text: Callable[[str], str]
) -> None:
    vector = VECTORS[name]
    document, config = split_vector(load_json(vector.file("signed", "json")))

    assert vector.canon(document, ContextLoader()) == read_text(vector.file("canonDoc"))
    assert vector.canon(config, ContextLoader()) == read_text(vector.file("proofCanon"))


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_hashes_and_signature_match_the_vector(
    name: str, load_json: Callable[[str], Json], read_text: Callable[[str], str]
) -> None:
    vector = VECTORS[name]
    signed = load_json(vector.file("signed", "json"))
    document, config = split_vector(signed)
    loader = ContextLoader()

    doc_hash = hashlib.sha256(vector.canon(document, loader).encode()).digest()
    proof_hash = hashlib.sha256(vector.canon(config, loader).encode()).digest()

    assert doc_hash.hex() == read_text(vector.file("docHash")).strip()
    assert proof_hash.hex() == read_text(vector.file("proofHash")).strip()
    assert (proof_hash + doc_hash).hex() == read_text(vector.file("combinedHash")).strip()
    signature = bytes.fromhex(read_text(vector.file("sigHex")).strip())
    resolve_did_key(signed["proof"]["verificationMethod"]).verify(signature, proof_hash + doc_hash)
    assert signed["proof"]["proofValue"] == read_text(vector.file("sigBTC58")).strip()


def test_published_proof_config_is_what_gets_canonicalized(
    load_json: Callable[[str], Json],
) -> None:
    for vector in VECTORS.values():
        _, config = split_vector(load_json(vector.file("signed", "json")))
        assert config == load_json(vector.file("proofConfig", "json"))


# -- signing reproduces the published documents (Ed25519 is deterministic) --------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_signing_the_unsigned_document_reproduces_the_vector(
    name: str, load_json: Callable[[str], Json]
) -> None:
    vector = VECTORS[name]
    expected = load_json(vector.file("signed", "json"))

    signed = vector.signer(
        load_json(f"{W3C}/unsigned.json"),
        w3c_vector_key(load_json(f"{W3C}/keyPair.json")),
        verification_method=expected["proof"]["verificationMethod"],
        created=datetime.fromisoformat(expected["proof"]["created"]),
    )

    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected


# -- verification of the vectors --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_verifies_and_binds_through_a_pinned_issuer_document(
    name: str, load_json: Callable[[str], Json]
) -> None:
    signed = load_json(VECTORS[name].file("signed", "json"))
    issuer_document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": signed["issuer"],
        "assertionMethod": [signed["proof"]["verificationMethod"]],
    }

    unbound = Verifier(clock=fixed_clock).verify(signed)
    bound = Verifier(
        documents=PinnedDocuments({signed["issuer"]: issuer_document}), clock=fixed_clock
    ).verify(signed)

    assert check(unbound, "proof").outcome == "passed"
    assert f"{name} signature by did:key:" in check(unbound, "proof").detail
    assert check(unbound, "key").outcome == "failed"
    assert not unbound.verified
    assert [item.outcome for item in bound.checks] == ["passed"] * len(CHECK_NAMES)
    assert bound.verified


@pytest.mark.parametrize("change", sorted(TAMPERING))
@pytest.mark.parametrize("name", sorted(VECTORS))
def test_tampered_vector_fails_the_proof_check(
    name: str, change: str, load_json: Callable[[str], Json]
) -> None:
    verifier = Verifier(clock=fixed_clock)
    original = load_json(VECTORS[name].file("signed", "json"))
    assert check(verifier.verify(original), "proof").outcome == "passed"
    tampered = copy.deepcopy(original)
    TAMPERING[change](tampered)
    assert tampered != original

    proof = check(verifier.verify(tampered), "proof")

    assert proof.outcome == "failed"
    assert "does not match" in proof.detail


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_proof_types_name_the_suite(name: str, credentials_data: Path) -> None:
    raw = (credentials_data / VECTORS[name].file("signed", "json")).read_bytes()

    credential, _ = parse_credential(raw)

    expected = "DataIntegrityProof/eddsa-jcs-2022" if name == "eddsa-jcs-2022" else name
    assert credential.proof_types == (expected,)


# -- eddsa-jcs-2022 specifics -------------------------------------------------------------


def test_jcs_ignores_key_order_and_whitespace(load_json: Callable[[str], Json]) -> None:
    signed = load_json(VECTORS["eddsa-jcs-2022"].file("signed", "json"))
    reordered = json.loads(json.dumps(dict(reversed(list(signed.items()))), indent=7))

    assert check(Verifier(clock=fixed_clock).verify(reordered), "proof").outcome == "passed"


def test_jcs_still_rejects_an_unbundled_context(load_json: Callable[[str], Json]) -> None:
    extension = "https://contexts.example.com/extension.json"
    signed = load_json(VECTORS["eddsa-jcs-2022"].file("signed", "json"))
    signed["@context"].append(extension)

    report = Verifier(clock=fixed_clock).verify(signed)

    assert check(report, "context").outcome == "failed"
    assert extension in check(report, "context").detail
    assert check(report, "proof").outcome == "failed"
    with pytest.raises(UnknownContextError) as raised:
        sign_eddsa_jcs_2022(
            signed,
            Ed25519PrivateKey.generate(),
            verification_method="did:key:z6Mk#z6Mk",
            created=datetime.fromisoformat("2025-01-01T00:00:00+00:00"),
        )
    assert raised.value.url == extension


def test_jcs_signs_terms_the_context_does_not_define(issuer_key: Ed25519PrivateKey) -> None:
    # No JSON-LD processing: an undefined property is still covered by the signature.
    did, method = did_key_method(issuer_key)
    badge = make_badge(did, undefinedProperty="covered")
    with pytest.raises(CredentialFormatError):
        sign(badge, issuer_key, method)
    signed = sign(badge, issuer_key, method, signer=sign_eddsa_jcs_2022)
    verifier = Verifier(clock=fixed_clock)
    assert verifier.verify(signed).verified

    signed["undefinedProperty"] = "changed"

    assert check(verifier.verify(signed), "proof").outcome == "failed"


def test_jcs_refuses_numbers_it_cannot_represent(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did), issuer_key, method, signer=sign_eddsa_jcs_2022)

    with pytest.raises(CredentialFormatError) as raised:
        sign(make_badge(did, credits=2**60), issuer_key, method, signer=sign_eddsa_jcs_2022)
    signed["credits"] = 2**60
    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert raised.value.code == "invalid-field"
    assert proof.outcome == "failed"
    assert "cannot canonicalize" in proof.detail


def test_jcs_proof_context_must_prefix_the_document_context(
    load_json: Callable[[str], Json],
) -> None:
    signed = load_json(VECTORS["eddsa-jcs-2022"].file("signed", "json"))
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"
    assert "prefix" in proof.detail


# -- Ed25519Signature2020 specifics -------------------------------------------------------


def test_ed25519_2020_signer_adds_the_suite_context(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(did)

    signed = sign(badge, issuer_key, method, signer=sign_ed25519_signature_2020)

    assert signed["@context"] == [*badge["@context"], ED25519_2020_CONTEXT]
    assert "cryptosuite" not in signed["proof"]
    assert "@context" not in signed["proof"]


def test_ed25519_2020_needs_the_suite_context_in_the_document(
    load_json: Callable[[str], Json],
) -> None:
    signed = load_json(VECTORS["Ed25519Signature2020"].file("signed", "json"))
    signed["@context"].remove(ED25519_2020_CONTEXT)

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"
    assert ED25519_2020_CONTEXT in proof.detail


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("created", None, "no created date"),
        ("cryptosuite", "eddsa-rdfc-2022", "unsupported proof type"),
        ("proofPurpose", "authentication", "proofPurpose"),
    ],
)
def test_ed25519_2020_malformed_proof_fails_with_reason(
    field: str, value: str | None, expected: str, load_json: Callable[[str], Json]
) -> None:
    signed = load_json(VECTORS["Ed25519Signature2020"].file("signed", "json"))
    if value is None:
        del signed["proof"][field]
    else:
        signed["proof"][field] = value

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"
    assert expected in proof.detail


def test_ed25519_2020_refuses_to_change_the_context_of_a_signed_document(
    signed_badge: Json, issuer_key: Ed25519PrivateKey
) -> None:
    _, method = did_key_method(issuer_key)

    with pytest.raises(ValueError, match="invalidate its proofs"):
        sign(signed_badge, issuer_key, method, signer=sign_ed25519_signature_2020)


# -- self-signed OB 3.0 badges, every suite, end to end -----------------------------------


@pytest.mark.parametrize("suite", sorted(SIGNERS))
def test_self_signed_badge_verifies_end_to_end(suite: str, issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did), issuer_key, method, signer=SIGNERS[suite])

    credential, document = parse_credential(json.dumps(signed).encode())
    report = Verifier(clock=fixed_clock).verify(document)

    assert credential.proof_types == (suite,)
    assert report.verified, report.failed()
    assert "controlled by the issuer" in check(report, "key").detail


@pytest.mark.parametrize("suite", sorted(SIGNERS))
def test_badge_signed_with_a_wrong_key_fails(suite: str, issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    impostor = Ed25519PrivateKey.generate()
    impostor_did, impostor_method = did_key_method(impostor)

    forged = sign(make_badge(did), impostor, method, signer=SIGNERS[suite])
    unbound = sign(make_badge(did), impostor, impostor_method, signer=SIGNERS[suite])
    forged_report = Verifier(clock=fixed_clock).verify(forged)
    unbound_report = Verifier(clock=fixed_clock).verify(unbound)

    assert check(forged_report, "proof").outcome == "failed"
    assert "does not match" in check(forged_report, "proof").detail
    assert not forged_report.verified
    assert check(unbound_report, "proof").outcome == "passed"
    assert check(unbound_report, "key").outcome == "failed"
    assert impostor_did in check(unbound_report, "key").detail
    assert not unbound_report.verified


def test_a_proof_set_mixing_all_three_suites_verifies(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = make_badge(did)
    for signer in (sign_ed25519_signature_2020, sign_eddsa_jcs_2022, sign_eddsa_rdfc_2022):
        signed = sign(signed, issuer_key, method, signer=signer)

    report = Verifier(clock=fixed_clock).verify(signed)
    credential, _ = parse_credential(json.dumps(signed).encode())

    assert report.verified, report.failed()
    assert check(report, "proof").detail.count("is valid") == 3
    assert credential.proof_types == (
        "Ed25519Signature2020",
        "DataIntegrityProof/eddsa-jcs-2022",
        "DataIntegrityProof/eddsa-rdfc-2022",
    )
