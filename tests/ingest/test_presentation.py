"""Verifiable Presentations: the W3C VCDM 2.0 suite's fixtures signed with fresh keys, VP-JWTs."""

from __future__ import annotations

import base64
import copy
import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    PRESENTATION_CHECK_NAMES,
    CredentialFormatError,
    PinnedDocuments,
    PresentationReport,
    Verifier,
    did_key_from_public_key,
    sign_ecdsa_rdfc_2019,
    sign_eddsa_rdfc_2022,
    sign_presentation,
    verify_presentation,
)
from ingest._ecdsa import b64url_encode, sign_raw
from tests.conftest import shared_data

Json = dict[str, Any]
Key = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
SUITE = ("credentials", "w3c-vc2-suite")
SUITE_DID = "did:key:z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj"
CHALLENGE = "c-4e1f0d9a7b2c"
DOMAIN = "https://credmatch.test"
SIGNED = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019")
# Each structurally invalid fixture, and what the ``presentation`` check must say.
RULES = {
    "presentation-context-order-fail.json": "@context must start with",
    "presentation-enveloped-vc-missing-type-fail.json": "must include 'VerifiableCredential'",
    "presentation-holder-fail.json": "holder must be a URL",
    "presentation-holder-name-fail.json": "holder.id must be a URL",
    "presentation-holder-object-fail.json": "holder.id must be a URL",
    "presentation-missing-base-context-fail.json": "@context must start with",
    "presentation-missing-required-type-fail.json": "must include 'VerifiablePresentation'",
    "presentation-no-context-fail-or-inject.json": "must have @context",
    "presentation-no-type-fail.json": "must include 'VerifiablePresentation'",
    "presentation-vc-as-string-fail.json": "is a string",
    "presentation-vc-missing-required-type-fail.json": "must include 'VerifiableCredential'",
}


class Party:
    """A holder or issuer with a fresh key and its did:key."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self.did = did_key_from_public_key(key.public_key())
        self.method = f"{self.did}#{self.did.removeprefix('did:key:')}"


def compact(header: Json, payload: Json, key: Key) -> str:
    parts = (b64url_encode(msgspec.json.encode(part)) for part in (header, payload))
    signing_input = ".".join(parts)
    return f"{signing_input}.{b64url_encode(sign_raw(signing_input.encode(), key))}"


def vc_jwt(issuer: Party, subject: str) -> str:
    """A VC 1.1-style JWT (``vc`` claim) with a VCDM 2.0 credential, ES256 or EdDSA."""
    alg = "ES256" if isinstance(issuer.key, ec.EllipticCurvePrivateKey) else "EdDSA"
    vc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer.did,
        "credentialSubject": {"id": subject, "name": "Alice"},
    }
    claims = {"iss": issuer.did, "sub": subject, "vc": vc}
    return compact({"alg": alg, "kid": issuer.method}, claims, issuer.key)


def presentation_rows() -> list[dict[str, str]]:
    path = shared_data(*SUITE, "EXPECTED.tsv")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [row for row in rows if row["kind"] == "presentation"]


def _sign_credential(item: Json, holder: Party, issuer: Party) -> Json:
    """An embedded credential issued by ``issuer`` (the holder when self-asserted) to the holder."""
    item = copy.deepcopy(item)
    signer = holder if item.get("issuer") == SUITE_DID else issuer
    item["issuer"] = signer.did
    subjects = item.get("credentialSubject")
    for subject in subjects if isinstance(subjects, list) else [subjects]:
        if isinstance(subject, dict):
            subject["id"] = holder.did
    try:
        if isinstance(signer.key, ec.EllipticCurvePrivateKey):
            return sign_ecdsa_rdfc_2019(
                item, signer.key, verification_method=signer.method, created=SIGNED
            )
        return sign_eddsa_rdfc_2022(
            item, signer.key, verification_method=signer.method, created=SIGNED
        )
    except CredentialFormatError:
        return item  # a structurally broken credential: the data-model rule rejects it


def _prepare_item(item: Any, holder: Party, issuer: Party) -> Any:
    if isinstance(item, dict) and item.get("type") == "EnvelopedVerifiableCredential":
        media_type = item["id"].partition(",")[0]
        return {**item, "id": f"{media_type},{vc_jwt(issuer, holder.did)}"}
    if isinstance(item, dict) and "VerifiableCredential" in item.get("type", []):
        return _sign_credential(item, holder, issuer)
    return item  # a defect the data-model rules name


def prepare(fixture: Json, holder: Party, issuer: Party, cryptosuite: str) -> Json:
    """The fixture with our holder and issuer, its credentials and itself freshly signed."""
    vp = copy.deepcopy(fixture)
    if vp.get("holder") == SUITE_DID:
        vp["holder"] = holder.did
    elif isinstance(vp.get("holder"), dict) and vp["holder"].get("id") == SUITE_DID:
        vp["holder"]["id"] = holder.did
    items = vp.get("verifiableCredential")
    if isinstance(items, list):
        vp["verifiableCredential"] = [_prepare_item(item, holder, issuer) for item in items]
    try:
        return sign_presentation(
            vp,
            holder.key,
            cryptosuite=cryptosuite,
            verification_method=holder.method,
            challenge=CHALLENGE,
            domain=DOMAIN,
            created=SIGNED,
        )
    except CredentialFormatError:
        return vp  # cannot be signed (no @context): the data-model rule alone rejects it


def verify(document: Json | bytes | str, **options: Any) -> PresentationReport:
    raw = (
        document.encode()
        if isinstance(document, str)
        else document
        if isinstance(document, bytes)
        else json.dumps(document).encode()
    )
    verifier = options.pop("verifier", Verifier())
    return verify_presentation(raw, verifier, domain=options.pop("domain", DOMAIN), **options)


def outcomes(report: PresentationReport) -> dict[str, str]:
    return {check.check: check.outcome for check in report.checks}


@pytest.fixture(scope="module")
def issuer() -> Party:
    return Party(ec.generate_private_key(ec.SECP256R1()))


def holder_for(cryptosuite: str) -> Party:
    if cryptosuite == "ecdsa-rdfc-2019":
        return Party(ec.generate_private_key(ec.SECP256R1()))
    return Party(Ed25519PrivateKey.generate())


def test_the_suite_fixtures_are_accepted_or_rejected_by_their_rule(issuer: Party) -> None:
    """ok fixtures verify fully once signed; fail ones fail the ``presentation`` check."""
    rows = presentation_rows()
    assert len(rows) == 25
    scored = 0
    for index, row in enumerate(rows):
        if row["verifier_class"] == "NON-NORMATIVE":
            continue  # dropped from the spec: not scored
        cryptosuite = SUITES[index % len(SUITES)]
        holder = holder_for(cryptosuite)
        fixture = json.loads(shared_data(*SUITE, "input", row["file"]).read_text(encoding="utf-8"))
        report = verify(prepare(fixture, holder, issuer, cryptosuite))
        assert tuple(c.check for c in report.checks) == PRESENTATION_CHECK_NAMES
        if row["verifier_class"] == "ACCEPT":
            assert report.verified, (row["file"], cryptosuite, report.failed())
            assert report.presentation is not None
            assert report.presentation.holder == holder.did
            assert report.presentation.challenge == CHALLENGE
            embedded = fixture.get("verifiableCredential", [])
            assert len(report.presentation.credentials) == len(embedded)
        else:
            check = report.get("presentation")
            assert check is not None
            assert check.outcome == "failed", row["file"]
            assert RULES[row["file"]] in check.detail, (row["file"], check.detail)
            assert not report.verified
        scored += 1
    assert scored == 22


@pytest.fixture
def holder() -> Party:
    return Party(Ed25519PrivateKey.generate())


def _ok_presentation(holder: Party, issuer: Party, **changes: Any) -> Json:
    fixture = json.loads(
        shared_data(*SUITE, "input", "presentation-holder-ok.json").read_text(encoding="utf-8")
    )
    return prepare({**fixture, **changes}, holder, issuer, "eddsa-rdfc-2022")


def test_a_tampered_presentation_fails_its_proof(holder: Party, issuer: Party) -> None:
    vp = _ok_presentation(holder, issuer)
    vp["verifiableCredential"] = []
    report = verify(vp)
    assert outcomes(report)["proof"] == "failed"
    assert "does not match" in (report.get("proof") or report.checks[0]).detail
    assert outcomes(report)["key"] == "failed"


def test_another_domain_fails_the_domain_check(holder: Party, issuer: Party) -> None:
    report = verify(_ok_presentation(holder, issuer), domain="https://elsewhere.example")
    assert outcomes(report)["domain"] == "failed"
    assert outcomes(report)["proof"] == "passed"


def test_an_assertion_proof_does_not_authenticate_the_holder(holder: Party, issuer: Party) -> None:
    vp = _ok_presentation(holder, issuer)
    vp["proof"]["proofPurpose"] = "assertionMethod"
    check = verify(vp).get("proof")
    assert check is not None
    assert check.outcome == "failed"
    assert "expected 'authentication'" in check.detail


def test_a_key_that_is_not_the_holders_fails_the_key_check(holder: Party, issuer: Party) -> None:
    stranger = Party(Ed25519PrivateKey.generate())
    fixture = json.loads(
        shared_data(*SUITE, "input", "presentation-holder-ok.json").read_text(encoding="utf-8")
    )
    vp = prepare(fixture, holder, issuer, "eddsa-rdfc-2022")
    del vp["proof"]
    signed = sign_presentation(
        vp,
        stranger.key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=stranger.method,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=SIGNED,
    )
    report = verify(signed)
    assert outcomes(report)["proof"] == "passed"
    assert outcomes(report)["key"] == "failed"
    assert holder.did in (report.get("key") or report.checks[0]).detail


def test_a_holder_document_may_list_the_key_under_authentication(issuer: Party) -> None:
    device = Party(Ed25519PrivateKey.generate())
    holder_did = "did:web:wallet.example:alice"
    fixture = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
    }
    signed = sign_presentation(
        fixture,
        device.key,
        cryptosuite="eddsa-jcs-2022",
        verification_method=device.method,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=SIGNED,
    )
    assert outcomes(verify(signed))["key"] == "failed"
    documents = PinnedDocuments({holder_did: {"id": holder_did, "authentication": [device.method]}})
    assert verify(signed, verifier=Verifier(documents=documents)).verified


def test_credentials_of_another_subject_fail_holder_binding_unless_allowed(
    holder: Party, issuer: Party
) -> None:
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [
            {
                "@context": "https://www.w3.org/ns/credentials/v2",
                "type": "EnvelopedVerifiableCredential",
                "id": f"data:application/vc+jwt,{vc_jwt(issuer, 'did:example:someone-else')}",
            }
        ],
    }
    signed = sign_presentation(
        vp,
        holder.key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=holder.method,
        challenge=CHALLENGE,
        domain=DOMAIN,
        created=SIGNED,
    )
    refused = verify(signed).get("holder")
    assert refused is not None
    assert refused.outcome == "failed"
    assert "verifiableCredential[0]" in refused.detail
    allowed = verify(signed, allow_other_holders=True)
    assert allowed.verified
    assert "allows other holders" in (allowed.get("holder") or allowed.checks[0]).detail


def _vp_jwt_claims() -> Json:
    token = shared_data(*SUITE, "support", "vp-jwt.jwt").read_text(encoding="ascii").strip()
    payload = token.split(".")[1]
    claims: Json = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_the_suites_vp_jwt_resigned_with_fresh_keys_verifies(holder: Party, issuer: Party) -> None:
    claims = _vp_jwt_claims()
    vp = claims["vp"]
    vp["holder"] = holder.did
    envelope = vp["verifiableCredential"][0]
    envelope["id"] = "data:application/jwt," + vc_jwt(issuer, holder.did)
    claims.update(iss=holder.did, nonce=CHALLENGE, aud=DOMAIN)
    token = compact({"typ": "JWT", "alg": "EdDSA", "kid": holder.method}, claims, holder.key)
    report = verify(token)
    assert report.verified, report.failed()
    assert report.presentation is not None
    assert report.presentation.format == "vp-jwt"
    assert report.presentation.challenge == CHALLENGE
    assert report.presentation.credentials == (envelope["id"].partition(",")[2].encode(),)
    wrong_nonce = verify(token, domain="example.com")
    assert outcomes(wrong_nonce)["domain"] == "failed"
    other = Party(Ed25519PrivateKey.generate())
    forged = compact({"alg": "EdDSA", "kid": other.method}, claims, other.key)
    assert outcomes(verify(forged))["key"] == "failed"


def test_a_vcdm2_vp_jwt_payload_is_the_presentation(holder: Party, issuer: Party) -> None:
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [
            {
                "@context": "https://www.w3.org/ns/credentials/v2",
                "type": "EnvelopedVerifiableCredential",
                "id": f"data:application/vc+jwt,{vc_jwt(issuer, holder.did)}",
            }
        ],
        "nonce": CHALLENGE,
        "aud": [DOMAIN, "https://other.example"],
    }
    token = compact({"typ": "vp+jwt", "alg": "EdDSA", "kid": holder.did}, payload, holder.key)
    assert verify(token).verified
    unsigned = compact({"alg": "none", "kid": holder.did}, payload, holder.key)
    assert outcomes(verify(unsigned))["proof"] == "failed"


def test_bytes_that_are_no_presentation_fail_every_check() -> None:
    report = verify(b"not json")
    assert report.presentation is None
    assert set(outcomes(report).values()) == {"failed"}


def test_the_fixture_folder_holds_the_files_the_table_names() -> None:
    folder = Path(shared_data(*SUITE, "input"))
    assert all((folder / row["file"]).is_file() for row in presentation_rows())
