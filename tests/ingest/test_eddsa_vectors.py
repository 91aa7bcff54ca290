"""Published eddsa-rdfc-2022 test vectors: W3C vc-di-eddsa and the 1EdTech OB 3.0 / CLR ones."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    CHECK_NAMES,
    ContextLoader,
    PinnedDocuments,
    UnknownContextError,
    Verifier,
    canonicalize,
    parse_credential,
    sign_eddsa_rdfc_2022,
)
from tests.ingest.ingest_testkit import (
    TAMPERING,
    Json,
    check,
    fixed_clock,
    split_vector,
    w3c_vector_key,
)

W3C = "w3c-vc-di-eddsa/TestVectors"
RDFC = f"{W3C}/eddsa-rdfc-2022"
OB = "openbadges-1edtech-spec"
OB_SIGNED = f"{OB}/extracted_examples/linked-data-proof-ob_signed_credential.json"
OB_KEYPAIR = f"{OB}/extracted_examples/linked-data-proof-ob_keypair.json"
CLR_SIGNED = f"{OB}/extracted_examples/linked-data-proof-clr_signed_credential.json"
W3C_VECTORS = {"alumni": RDFC, "employ": f"{RDFC}/employ"}


@pytest.fixture
def ob_key_documents(load_json: Callable[[str], Json]) -> PinnedDocuments:
    """The 1EdTech vector's public key as a Multikey document, controlled by its issuer."""
    keypair = load_json(OB_KEYPAIR)
    method = {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": keypair["id"],
        "type": "Multikey",
        "controller": keypair["controller"],
        "publicKeyMultibase": keypair["publicKeyMultibase"],
    }
    return PinnedDocuments({keypair["id"]: method})


# -- canonicalization byte for byte ---------------------------------------------------------


@pytest.mark.parametrize("vector", sorted(W3C_VECTORS))
def test_w3c_canonical_nquads_match_the_vector(
    vector: str,
    load_json: Callable[[str], Json],
    read_text: Callable[[str], str],
    citizenship_contexts: ContextLoader,
) -> None:
    folder = W3C_VECTORS[vector]
    document, config = split_vector(load_json(f"{folder}/signedDataInt.json"))

    assert canonicalize(document, citizenship_contexts) == read_text(
        f"{folder}/canonDocDataInt.txt"
    )
    assert canonicalize(config, citizenship_contexts) == read_text(
        f"{folder}/proofCanonDataInt.txt"
    )


@pytest.mark.parametrize("vector", sorted(W3C_VECTORS))
def test_w3c_hashes_match_the_vector(
    vector: str,
    load_json: Callable[[str], Json],
    read_text: Callable[[str], str],
    citizenship_contexts: ContextLoader,
) -> None:
    folder = W3C_VECTORS[vector]
    document, config = split_vector(load_json(f"{folder}/signedDataInt.json"))

    doc_hash = hashlib.sha256(canonicalize(document, citizenship_contexts).encode()).hexdigest()
    proof_hash = hashlib.sha256(canonicalize(config, citizenship_contexts).encode()).hexdigest()

    assert doc_hash == read_text(f"{folder}/docHashDataInt.txt").strip()
    assert proof_hash == read_text(f"{folder}/proofHashDataInt.txt").strip()


def test_ob3_canonical_nquads_match_the_1edtech_vector(
    load_json: Callable[[str], Json], read_text: Callable[[str], str]
) -> None:
    document, config = split_vector(load_json(OB_SIGNED))
    loader = ContextLoader()
    folder = f"{OB}/ob_v3p0/impl/test-vectors/obv3p0"

    assert canonicalize(document, loader) == read_text(f"{folder}/document-canon.txt")
    assert canonicalize(config, loader) == read_text(f"{folder}/proof-canon.txt")


def test_ob3_hashes_match_the_1edtech_vector(load_json: Callable[[str], Json]) -> None:
    document, config = split_vector(load_json(OB_SIGNED))
    keypair = load_json(OB_KEYPAIR)
    loader = ContextLoader()

    assert (
        hashlib.sha256(canonicalize(document, loader).encode()).hexdigest()
        == (keypair["documentHashHex"])
    )
    assert (
        hashlib.sha256(canonicalize(config, loader).encode()).hexdigest()
        == (keypair["proofHashHex"])
    )


# -- signing reproduces the published proofs (Ed25519 is deterministic) ----------------------


def test_signing_reproduces_the_w3c_proof_value(load_json: Callable[[str], Json]) -> None:
    key = w3c_vector_key(load_json(f"{W3C}/keyPair.json"))
    expected = load_json(f"{RDFC}/signedDataInt.json")["proof"]

    signed = sign_eddsa_rdfc_2022(
        load_json(f"{W3C}/unsigned.json"),
        key,
        verification_method=expected["verificationMethod"],
        created=datetime.fromisoformat(expected["created"]),
    )

    assert signed["proof"] == expected


def test_signing_reproduces_the_1edtech_proof_value(load_json: Callable[[str], Json]) -> None:
    keypair = load_json(OB_KEYPAIR)
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(keypair["privateKeyHex"])[:32])
    vector = load_json(OB_SIGNED)
    unsigned = {key: value for key, value in vector.items() if key != "proof"}

    signed = sign_eddsa_rdfc_2022(
        unsigned,
        key,
        verification_method=keypair["id"],
        created=datetime.fromisoformat(vector["proof"]["created"]),
    )

    assert signed["proof"]["proofValue"] == keypair["proofValue"] == vector["proof"]["proofValue"]


# -- verification --------------------------------------------------------------------------


@pytest.mark.parametrize("vector", sorted(W3C_VECTORS))
def test_w3c_vector_signature_verifies_but_key_is_not_bound_to_issuer(
    vector: str, load_json: Callable[[str], Json], citizenship_contexts: ContextLoader
) -> None:
    report = Verifier(clock=fixed_clock, contexts=citizenship_contexts).verify(
        load_json(f"{W3C_VECTORS[vector]}/signedDataInt.json")
    )

    assert check(report, "context").outcome == "passed"
    assert check(report, "proof").outcome == "passed"
    assert check(report, "key").outcome == "failed"
    assert "not by the issuer" in check(report, "key").detail
    assert not report.verified


def test_w3c_vector_key_is_bound_by_a_pinned_issuer_document(
    load_json: Callable[[str], Json],
) -> None:
    signed = load_json(f"{RDFC}/signedDataInt.json")
    issuer_document = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": signed["issuer"],
        "assertionMethod": [signed["proof"]["verificationMethod"]],
    }
    verifier = Verifier(
        documents=PinnedDocuments({signed["issuer"]: issuer_document}), clock=fixed_clock
    )

    report = verifier.verify(signed)

    assert [check.outcome for check in report.checks] == ["passed"] * len(CHECK_NAMES)
    assert "lists" in check(report, "key").detail
    assert report.verified


def test_w3c_employ_vector_needs_the_citizenship_context(load_json: Callable[[str], Json]) -> None:
    signed = load_json(f"{RDFC}/employ/signedDataInt.json")

    report = Verifier(clock=fixed_clock).verify(signed)

    assert check(report, "context").outcome == "failed"
    assert "https://w3id.org/citizenship/v4rc1" in check(report, "context").detail
    assert check(report, "proof").outcome == "failed"
    with pytest.raises(UnknownContextError) as raised:
        parse_credential(json.dumps(signed).encode())
    assert raised.value.url == "https://w3id.org/citizenship/v4rc1"


@pytest.mark.parametrize("name", ["signedProofSet1", "signedProofSet2", "signedProofChain2"])
def test_w3c_proof_sets_and_chains_verify(name: str, load_json: Callable[[str], Json]) -> None:
    signed = load_json(f"{W3C}/proof-set-chain/{name}.json")

    report = Verifier(clock=fixed_clock).verify(signed)

    proof = check(report, "proof")
    assert proof.outcome == "passed", proof.detail
    proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
    assert proof.detail.count("is valid") == len(proofs)


def test_w3c_proof_chain_fails_when_a_previous_proof_is_removed(
    load_json: Callable[[str], Json],
) -> None:
    signed = load_json(f"{W3C}/proof-set-chain/signedProofChain2.json")
    del signed["proof"][0]

    proof = check(Verifier(clock=fixed_clock).verify(signed), "proof")

    assert proof.outcome == "failed"
    assert "previousProof" in proof.detail


def test_ob3_1edtech_vector_verifies_with_pinned_multikey(
    load_json: Callable[[str], Json], ob_key_documents: PinnedDocuments
) -> None:
    report = Verifier(documents=ob_key_documents, clock=fixed_clock).verify(load_json(OB_SIGNED))

    assert report.verified, report.failed()
    assert "controlled by the issuer" in check(report, "key").detail


def test_ob3_1edtech_vector_key_is_unresolved_without_pinned_documents(
    load_json: Callable[[str], Json],
) -> None:
    report = Verifier(clock=fixed_clock).verify(load_json(OB_SIGNED))

    assert check(report, "key").outcome == "failed"
    assert "not resolved" in check(report, "key").detail
    assert check(report, "proof").outcome == "failed"
    assert not report.verified


def test_clr_vector_canonicalizes_to_the_published_nquads(
    load_json: Callable[[str], Json], read_text: Callable[[str], str]
) -> None:
    document, _ = split_vector(load_json(CLR_SIGNED))

    canonical = canonicalize(document, ContextLoader())

    assert canonical == read_text(f"{OB}/ob_v3p0/impl/test-vectors/clrv2p0/document-canon.txt")


def test_clr_vector_bundle_and_nested_credential_each_verify(
    credentials_data: Any, ob_key_documents: PinnedDocuments
) -> None:
    raw = (credentials_data / CLR_SIGNED).read_bytes()
    verifier = Verifier(documents=ob_key_documents, clock=fixed_clock)

    parsed, document = parse_credential(raw)
    report = verifier.verify(document)
    nested, nested_document = parse_credential(parsed.nested[0])
    nested_report = verifier.verify(nested_document)

    assert report.verified, report.failed()
    assert parsed.format == "clr-jsonld"
    assert [a.name for a in parsed.achievements] == ["Achievement 1", "Achievement 2"]
    assert len(parsed.nested) == 1
    assert nested.id == "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002"
    assert nested.format == "ob3-jsonld"
    assert nested.proof_types == ("DataIntegrityProof/eddsa-rdfc-2022",)
    assert nested_report.verified, nested_report.failed()


# -- tampering -----------------------------------------------------------------------------


SIGNED_VECTORS = {
    "w3c-alumni": f"{RDFC}/signedDataInt.json",
    "w3c-employ": f"{RDFC}/employ/signedDataInt.json",
    "1edtech-ob3": OB_SIGNED,
    "1edtech-clr": CLR_SIGNED,
}


@pytest.mark.parametrize("change", sorted(TAMPERING))
@pytest.mark.parametrize("vector", sorted(SIGNED_VECTORS))
def test_tampered_vector_fails_the_proof_check(
    vector: str,
    change: str,
    load_json: Callable[[str], Json],
    citizenship_contexts: ContextLoader,
    ob_key_documents: PinnedDocuments,
) -> None:
    verifier = Verifier(
        documents=ob_key_documents, clock=fixed_clock, contexts=citizenship_contexts
    )
    original = load_json(SIGNED_VECTORS[vector])
    assert check(verifier.verify(original), "proof").outcome == "passed"
    tampered = copy.deepcopy(original)
    TAMPERING[change](tampered)
    assert tampered != original

    proof = check(verifier.verify(tampered), "proof")

    assert proof.outcome == "failed"
    assert "does not match" in proof.detail
