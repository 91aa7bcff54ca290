"""VC-JWT (compact JWS) credentials: EdDSA, ES256, RS256; VC 1.1 ``vc`` claim and VC 2.0."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import (
    CredentialFormatError,
    JwsDocument,
    PinnedDocuments,
    Verifier,
    did_jwk_from_public_key,
    did_key_from_public_key,
    parse_credential,
)
from ingest._ecdsa import b64url_encode, jwk_from_public_key, sign_raw
from tests.ingest.ingest_testkit import NOW, fixed_clock, make_badge

Json = dict[str, Any]
PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
ISSUED = 1736933400  # 2025-01-15T09:30:00Z
LATER = 1893456000  # 2030-01-01


def compact(header: Json, payload: Json | bytes, key: PrivateKey | None = None) -> str:
    body = payload if isinstance(payload, bytes) else msgspec.json.encode(payload)
    signing_input = f"{b64url_encode(msgspec.json.encode(header))}.{b64url_encode(body)}"
    signature = sign_raw(signing_input.encode(), key) if key is not None else b"\x00" * 64
    return f"{signing_input}.{b64url_encode(signature)}"


def alg_of(key: PrivateKey) -> str:
    if isinstance(key, Ed25519PrivateKey):
        return "EdDSA"
    return "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"


def new_key(alg: str) -> PrivateKey:
    if alg == "EdDSA":
        return Ed25519PrivateKey.generate()
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def issuer_and_kid(key: PrivateKey) -> tuple[str, str, PinnedDocuments]:
    """(issuer DID, kid, documents): did:key for Ed25519 / P-256, a pinned did:web for RSA."""
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        did = "did:web:issuer.example"
        kid = f"{did}#rsa-1"
        document = {
            "id": did,
            "verificationMethod": [
                {
                    "id": kid,
                    "type": "JsonWebKey",
                    "controller": did,
                    "publicKeyJwk": jwk_from_public_key(public),
                }
            ],
            "assertionMethod": [kid],
        }
        return did, kid, PinnedDocuments({did: document})
    did = did_key_from_public_key(public)
    return did, f"{did}#{did.removeprefix('did:key:')}", PinnedDocuments()


def v2_jwt(key: PrivateKey, **header: Any) -> tuple[str, PinnedDocuments]:
    issuer, kid, documents = issuer_and_kid(key)
    badge = make_badge(issuer)
    return compact(
        {"alg": alg_of(key), "typ": "vc+jwt", "kid": kid, **header}, badge, key
    ), documents


def v1_jwt(key: PrivateKey, **claims: Any) -> tuple[str, PinnedDocuments]:
    issuer, kid, documents = issuer_and_kid(key)
    vc = make_badge(issuer)
    vc["@context"] = [V1_CONTEXT, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    for field in ("issuer", "validFrom", "id"):
        del vc[field]
    vc["credentialSubject"].pop("id")
    payload = {
        "iss": issuer,
        "sub": "did:example:learner-42",
        "nbf": ISSUED,
        "jti": "urn:uuid:2f1f4f7e-4b0a-4c55-9a59-7a0d3f6c1e21",
        "vc": vc,
        **claims,
    }
    return compact({"alg": alg_of(key), "typ": "JWT", "kid": kid}, payload, key), documents


def verify(token: str | bytes, documents: PinnedDocuments | None = None) -> Any:
    raw = token.encode() if isinstance(token, str) else token
    credential, document = parse_credential(raw)
    report = Verifier(documents=documents, clock=fixed_clock).verify(document)
    return credential, document, report


def detail(report: Any, name: str) -> str:
    check = report.get(name)
    assert check is not None
    return str(check.detail)


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_vc2_jwt_signs_and_verifies(alg: str) -> None:
    key = new_key(alg)
    token, documents = v2_jwt(key)

    credential, document, report = verify(f"\n  {token}\n", documents)

    assert report.verified, report.failed()
    assert credential.format == "vc-jwt"
    assert credential.proof_types == (f"JWS/{alg}",)
    assert credential.achievements[0].name == "Python Data Analysis"
    assert isinstance(document, JwsDocument)
    assert document.compact == token


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_vc11_jwt_claims_map_onto_the_credential(alg: str) -> None:
    key = new_key(alg)
    token, documents = v1_jwt(key, exp=LATER)

    credential, document, report = verify(token, documents)

    assert report.verified, report.failed()
    assert credential.issuer.id == issuer_and_kid(key)[0]
    assert credential.subject_id == "did:example:learner-42"
    assert credential.id == "urn:uuid:2f1f4f7e-4b0a-4c55-9a59-7a0d3f6c1e21"
    assert credential.valid_from is not None and int(credential.valid_from.timestamp()) == ISSUED
    assert credential.valid_until is not None and int(credential.valid_until.timestamp()) == LATER
    assert document["issuanceDate"] == "2025-01-15T09:30:00Z"


def test_did_jwk_kid_verifies() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did = did_jwk_from_public_key(key.public_key())
    token = compact({"alg": "ES256", "kid": f"{did}#0"}, make_badge(did), key)

    _, _, report = verify(token)

    assert report.verified, report.failed()


def test_tampered_payload_fails_the_proof() -> None:
    key = Ed25519PrivateKey.generate()
    token, _ = v2_jwt(key)
    header, _, signature = token.split(".")
    badge = make_badge(did_key_from_public_key(key.public_key()), name="Forged")
    forged = f"{header}.{b64url_encode(msgspec.json.encode(badge))}.{signature}"

    _, _, report = verify(forged)

    assert report.get("proof").outcome == "failed"
    assert not report.verified


def test_modified_document_dict_fails_the_proof() -> None:
    token, _ = v2_jwt(Ed25519PrivateKey.generate())
    _, document, _ = verify(token)
    document["name"] = "Changed after parsing"

    report = Verifier(clock=fixed_clock).verify(document)

    assert "differs from the signed JWS payload" in detail(report, "proof")


def test_wrong_key_fails_the_proof() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    issuer, kid, _ = issuer_and_kid(key)
    token = compact({"alg": "EdDSA", "kid": kid}, make_badge(issuer), other)

    _, _, report = verify(token)

    assert report.get("proof").outcome == "failed"
    assert "does not verify" in detail(report, "proof")


def test_alg_that_does_not_fit_the_key_fails() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer, kid, _ = issuer_and_kid(key)
    token = compact({"alg": "EdDSA", "kid": kid}, make_badge(issuer), key)

    _, _, report = verify(token)

    assert "not a Ed25519 key" in detail(report, "proof")


@pytest.mark.parametrize(("alg", "reason"), [("none", "unsecured JWS"), ("HS256", "not supported")])
def test_unsecured_or_unknown_alg_is_refused(alg: str, reason: str) -> None:
    token = compact({"alg": alg}, make_badge("did:example:issuer"))

    with pytest.raises(CredentialFormatError, match=reason) as raised:
        parse_credential(token.encode())

    assert raised.value.code == "unsupported-credential"


def test_kid_not_bound_to_the_issuer_fails_the_key_check() -> None:
    key = Ed25519PrivateKey.generate()
    _, kid, _ = issuer_and_kid(key)
    token = compact({"alg": "EdDSA", "kid": kid}, make_badge("did:example:someone-else"), key)

    _, _, report = verify(token)

    assert report.get("proof").outcome == "passed"
    assert report.get("key").outcome == "failed"
    assert not report.verified


def test_missing_kid_fails() -> None:
    key = Ed25519PrivateKey.generate()
    token = compact({"alg": "EdDSA"}, make_badge("did:example:issuer"), key)

    _, _, report = verify(token)

    assert "no kid" in detail(report, "proof")


def test_expired_jwt_fails_valid_until() -> None:
    token, _ = v1_jwt(Ed25519PrivateKey.generate(), exp=int(NOW.timestamp()) - 60)

    _, _, report = verify(token)

    assert report.get("validUntil").outcome == "failed"
    assert not report.verified


def test_exp_claim_on_a_vc2_payload_is_enforced() -> None:
    key = Ed25519PrivateKey.generate()
    issuer, kid, _ = issuer_and_kid(key)
    payload = {**make_badge(issuer), "exp": int(NOW.timestamp()) - 60}
    token = compact({"alg": "EdDSA", "kid": kid}, payload, key)

    _, _, report = verify(token)

    assert "the JWT expired" in detail(report, "validUntil")


def test_iss_contradicting_the_vc2_issuer_is_rejected() -> None:
    token = compact({"alg": "EdDSA"}, {**make_badge("did:example:a"), "iss": "did:example:b"})

    with pytest.raises(CredentialFormatError, match="not the credential issuer"):
        parse_credential(token.encode())


@pytest.mark.parametrize(
    "raw",
    [
        b"a.b",
        b"a.b.c.d",
        b"!!!.eyJ9.AAAA",
        b"eyJhbGciOiJFZERTQSJ9..AAAA",
        b"e30.e30.AAAA",  # {} header: no alg
        compact({"alg": "EdDSA"}, b"[1, 2]").encode(),
        compact({"alg": "EdDSA"}, b"not json").encode(),
        compact({"alg": "EdDSA"}, {"vc": "text"}).encode(),
        compact({"alg": "EdDSA"}, {"sub": "x"}).encode(),
        compact({"alg": "EdDSA", "crit": ["b64"], "b64": False}, {"vc": {}}).encode(),
        compact({"alg": "EdDSA", "typ": "dpop+jwt"}, {"vc": {}}).encode(),
        compact({"alg": "EdDSA"}, {"vc": {}, "exp": "tomorrow"}).encode(),
    ],
)
def test_malformed_compact_jws_is_a_format_error(raw: bytes) -> None:
    with pytest.raises(CredentialFormatError):
        parse_credential(raw)


_B64 = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/", max_size=40
)


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(_B64, min_size=3, max_size=3),
    header=st.none()
    | st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "crit", "b64"]),
        st.sampled_from(["EdDSA", "ES256", "RS256", "none", "JWT", "", True, 1]),
    ),
)
def test_arbitrary_dot_separated_base64_only_raises_format_errors(
    parts: list[str], header: Json | None
) -> None:
    if header is not None:
        parts[0] = b64url_encode(msgspec.json.encode(header))
    raw = ".".join(parts).encode()
    try:
        _, document = parse_credential(raw)
    except CredentialFormatError:
        return
    Verifier(clock=fixed_clock).verify(document)


def test_a_jws_payload_or_header_giving_a_key_twice_is_malformed() -> None:
    key = Ed25519PrivateKey.generate()
    did, kid, _ = issuer_and_kid(key)
    payload = msgspec.json.encode({"iss": did, "vc": make_badge(did)})
    repeated = b'{"iss": "did:example:other", ' + payload[1:]
    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(compact({"alg": "EdDSA", "kid": kid}, repeated, key).encode())
    assert raised.value.code == "malformed-json"
    assert "'iss'" in str(raised.value)
    parse_credential(compact({"alg": "EdDSA", "kid": kid}, payload, key).encode())  # once: fine
