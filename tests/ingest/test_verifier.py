"""Verifier behaviour on self-issued OB 3.0 credentials (keys generated per test)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    CHECK_NAMES,
    Check,
    CredentialFormatError,
    PinnedDocuments,
    VerificationReport,
    Verifier,
    sign_eddsa_rdfc_2022,
)
from ingest._keys import multikey_from_public_key
from tests.ingest.ingest_testkit import (
    NOW,
    SIGNED_AT,
    Json,
    check,
    did_key_method,
    fixed_clock,
    make_badge,
    sign,
)

HTTPS_ISSUER = "https://training.example/issuers/1"


def _verify(document: Json, documents: PinnedDocuments | None = None) -> VerificationReport:
    return Verifier(documents=documents, clock=fixed_clock).verify(document)


def _outcome(report: VerificationReport, name: str) -> str:
    return check(report, name).outcome


def _detail(report: VerificationReport, name: str) -> str:
    return check(report, name).detail


def _multikey_document(key: Ed25519PrivateKey, method: str, controller: str) -> Json:
    return {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": method,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey_from_public_key(key.public_key()),
    }


def test_self_signed_did_key_badge_is_verified(signed_badge: Json) -> None:
    report = _verify(signed_badge)

    assert report.verified, report.failed()
    assert [check.check for check in report.checks] == list(CHECK_NAMES)
    assert all(check.outcome == "passed" for check in report.checks)
    assert "controlled by the issuer" in _detail(report, "key")


def test_verify_does_not_modify_the_document(signed_badge: Json) -> None:
    before = copy.deepcopy(signed_badge)

    _verify(signed_badge)

    assert signed_badge == before


def test_signing_does_not_modify_the_document(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(did)
    before = copy.deepcopy(badge)

    signed = sign(badge, issuer_key, method)

    assert badge == before
    assert "proof" not in badge
    assert signed["proof"]["created"] == "2025-01-15T09:30:00Z"


def test_signature_by_another_key_fails_the_proof(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did), Ed25519PrivateKey.generate(), method)

    report = _verify(signed)

    assert _outcome(report, "proof") == "failed"
    assert "does not match" in _detail(report, "proof")
    assert not report.verified


def test_did_key_of_someone_else_is_not_bound_to_the_issuer(
    issuer_key: Ed25519PrivateKey,
) -> None:
    _, method = did_key_method(issuer_key)
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)

    report = _verify(signed)

    assert _outcome(report, "proof") == "passed"
    assert _outcome(report, "key") == "failed"
    assert HTTPS_ISSUER in _detail(report, "key")
    assert not report.verified


def test_bare_did_key_method_resolves_to_its_key_and_binds_to_the_issuer(
    issuer_key: Ed25519PrivateKey,
) -> None:
    did, _ = did_key_method(issuer_key)
    signed = sign(make_badge(did), issuer_key, did)

    report = _verify(signed)

    assert report.verified, report.failed()
    assert _detail(report, "key") == f"{did} is controlled by the issuer {did}"


def test_bare_did_key_of_another_key_is_not_bound(issuer_key: Ed25519PrivateKey) -> None:
    did, _ = did_key_method(issuer_key)
    other = Ed25519PrivateKey.generate()
    other_did, _ = did_key_method(other)
    signed = sign(make_badge(did), other, other_did)

    report = _verify(signed)

    assert _outcome(report, "proof") == "passed"
    assert _outcome(report, "key") == "failed"
    assert f"controlled by {other_did}, not by the issuer {did}" in _detail(report, "key")


def test_did_key_method_with_another_fragment_is_rejected(issuer_key: Ed25519PrivateKey) -> None:
    did, _ = did_key_method(issuer_key)
    signed = sign(make_badge(did), issuer_key, f"{did}#key-1")

    report = _verify(signed)

    assert _outcome(report, "key") == "failed"
    assert "did:key:<key>#<key>" in _detail(report, "key")


def test_pinned_multikey_document_controlled_by_the_issuer_binds_the_key(
    issuer_key: Ed25519PrivateKey,
) -> None:
    method = f"{HTTPS_ISSUER}#key-1"
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)
    documents = PinnedDocuments({method: _multikey_document(issuer_key, method, HTTPS_ISSUER)})

    assert _verify(signed, documents).verified


def test_pinned_key_controlled_by_someone_else_is_not_bound(
    issuer_key: Ed25519PrivateKey,
) -> None:
    method = "https://elsewhere.example/keys#1"
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)
    documents = PinnedDocuments(
        {method: _multikey_document(issuer_key, method, "https://elsewhere.example/")}
    )

    report = _verify(signed, documents)

    assert _outcome(report, "proof") == "passed"
    assert _outcome(report, "key") == "failed"


def test_issuer_profile_with_embedded_verification_method_binds_the_key(
    issuer_key: Ed25519PrivateKey,
) -> None:
    method = f"{HTTPS_ISSUER}#key-1"
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)
    profile = {
        "id": HTTPS_ISSUER,
        "type": ["Profile"],
        "verificationMethod": [
            {
                "id": "#key-1",
                "type": "Multikey",
                "publicKeyMultibase": multikey_from_public_key(issuer_key.public_key()),
            }
        ],
    }

    report = _verify(signed, PinnedDocuments({HTTPS_ISSUER: profile}))

    assert report.verified, report.failed()


def test_jwk_verification_method_is_supported(issuer_key: Ed25519PrivateKey) -> None:
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    method = f"{HTTPS_ISSUER}#jwk"
    raw = issuer_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(raw).rstrip(b"=").decode()}
    document = {"id": method, "type": "JsonWebKey", "controller": HTTPS_ISSUER, "publicKeyJwk": jwk}
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)

    assert _verify(signed, PinnedDocuments({method: document})).verified


def test_revoked_key_fails_the_key_check(issuer_key: Ed25519PrivateKey) -> None:
    method = f"{HTTPS_ISSUER}#key-1"
    signed = sign(make_badge(HTTPS_ISSUER), issuer_key, method)
    key_document = _multikey_document(issuer_key, method, HTTPS_ISSUER)
    key_document["revoked"] = "2025-03-01T00:00:00Z"

    report = _verify(signed, PinnedDocuments({method: key_document}))

    assert _outcome(report, "key") == "failed"
    assert "revoked" in _detail(report, "key")
    assert not report.verified


def test_expired_credential_fails_valid_until(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did, validUntil="2025-05-01T00:00:00Z"), issuer_key, method)

    report = _verify(signed)

    assert _outcome(report, "proof") == "passed"
    assert _outcome(report, "validUntil") == "failed"
    assert "expired" in _detail(report, "validUntil")
    assert not report.verified


def test_not_yet_valid_credential_fails_valid_from(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did, validFrom="2026-01-01T00:00:00Z"), issuer_key, method)

    report = _verify(signed)

    assert _outcome(report, "validFrom") == "failed"
    assert "not valid before" in _detail(report, "validFrom")
    assert not report.verified


def test_missing_valid_from_passes_in_vc_2(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    credential = make_badge(did, type=["VerifiableCredential"])  # a plain VC, no OB 3.0 schema
    del credential["validFrom"]

    report = _verify(sign(credential, issuer_key, method))

    assert _outcome(report, "validFrom") == "passed"
    assert "optional" in _detail(report, "validFrom")
    assert report.verified, report.failed()


def test_missing_valid_from_fails_the_ob_3_schema(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(did)
    del badge["validFrom"]

    report = _verify(sign(badge, issuer_key, method))

    assert _outcome(report, "validFrom") == "passed"  # VC 2.0 makes it optional...
    assert _outcome(report, "schema") == "failed"  # ...Open Badges 3.0 does not
    assert "at / 'validFrom' is a required property" in _detail(report, "schema")
    assert not report.verified


def test_vc_1_1_dates_are_checked(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(
        did,
        issuanceDate="2024-01-01T00:00:00Z",
        expirationDate="2025-02-01T00:00:00Z",
    )
    badge["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/data-integrity/v2",
    ]
    del badge["validFrom"]

    report = _verify(sign(badge, issuer_key, method))

    assert _outcome(report, "proof") == "passed", _detail(report, "proof")
    assert _outcome(report, "validFrom") == "passed"
    assert _outcome(report, "validUntil") == "failed"
    assert "2025-02-01" in _detail(report, "validUntil")


def test_status_entry_is_reported_unknown_not_passed(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    status = {
        "id": "https://training.example/status/3#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://training.example/status/3",
    }
    signed = sign(make_badge(did, credentialStatus=status), issuer_key, method)

    report = _verify(signed)

    assert _outcome(report, "status") == "unknown"
    assert "https://training.example/status/3 is not available" in _detail(report, "status")
    assert report.verified  # an unchecked status is kept and reported, not a failure


def test_credential_without_proof_fails(issuer_key: Ed25519PrivateKey) -> None:
    did, _ = did_key_method(issuer_key)

    report = _verify(make_badge(did))

    assert _outcome(report, "proof") == "failed"
    assert _detail(report, "proof") == "credential has no proof"
    assert not report.verified


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("cryptosuite", "bbs-2023", "unsupported proof type"),
        ("type", "Ed25519Signature2018", "unsupported proof type"),
        ("proofPurpose", "authentication", "proofPurpose"),
        ("created", "yesterday", "not an XSD dateTime"),
        ("proofValue", "uAAAA", "base58btc"),
    ],
)
def test_malformed_or_unsupported_proof_fails_with_reason(
    signed_badge: Json, field: str, value: str, expected: str
) -> None:
    signed_badge["proof"][field] = value

    report = _verify(signed_badge)

    assert _outcome(report, "proof") == "failed"
    assert expected in _detail(report, "proof")


def test_unknown_context_fails_context_and_proof(signed_badge: Json) -> None:
    signed_badge["@context"].append("https://contexts.example.com/extension.json")

    report = _verify(signed_badge)

    assert _outcome(report, "context") == "failed"
    assert "https://contexts.example.com/extension.json" in _detail(report, "context")
    assert _outcome(report, "proof") == "failed"
    assert "not checked" in _detail(report, "proof")


def test_proof_with_its_own_context_prefix_verifies(signed_badge: Json) -> None:
    signed_badge["proof"]["@context"] = signed_badge["@context"][:1]

    # The proof context replaces the document's, so the OB terms are no longer defined.
    report = _verify(signed_badge)

    assert _outcome(report, "proof") == "failed"


def test_proof_context_that_is_not_a_prefix_fails(signed_badge: Json) -> None:
    signed_badge["proof"]["@context"] = ["https://w3id.org/security/data-integrity/v2"]

    report = _verify(signed_badge)

    assert _outcome(report, "proof") == "failed"
    assert "prefix" in _detail(report, "proof")


def test_co_signed_credential_is_verified_when_the_issuer_signed(
    signed_badge: Json,
) -> None:
    co_signer = Ed25519PrivateKey.generate()
    _, method = did_key_method(co_signer)
    co_signed = sign(signed_badge, co_signer, method)

    report = _verify(co_signed)

    assert len(co_signed["proof"]) == 2
    assert report.verified, report.failed()


def test_tampered_co_signed_credential_fails(signed_badge: Json) -> None:
    co_signer = Ed25519PrivateKey.generate()
    co_signed = sign(signed_badge, co_signer, did_key_method(co_signer)[1])
    co_signed["name"] = "Forged"

    report = _verify(co_signed)

    assert _outcome(report, "proof") == "failed"
    assert "proof 1:" in _detail(report, "proof")
    assert "proof 2:" in _detail(report, "proof")


def test_undefined_term_is_never_silently_dropped_from_the_signature(
    issuer_key: Ed25519PrivateKey,
) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(did)
    badge["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/data-integrity/v2",
    ]
    badge["credentialSubject"] = {"id": "did:example:learner-42", "grade": "A"}

    with pytest.raises(CredentialFormatError) as raised:
        sign(badge, issuer_key, method)

    assert raised.value.code == "undefined-term"
    assert "grade" in str(raised.value)


def test_verifying_a_document_with_undefined_terms_fails_the_proof(
    issuer_key: Ed25519PrivateKey,
) -> None:
    # VC 1.1 has no @vocab: a term missing from the contexts would be dropped by JSON-LD.
    did, method = did_key_method(issuer_key)
    badge = make_badge(did, issuanceDate="2024-01-01T00:00:00Z")
    badge["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://w3id.org/security/data-integrity/v2",
    ]
    signed = sign(badge, issuer_key, method)
    signed["credentialSubject"]["achievement"]["favouriteColour"] = "blue"

    report = _verify(signed)

    assert _outcome(report, "proof") == "failed"
    assert "favouriteColour" in _detail(report, "proof")
    assert "not defined by the @context" in _detail(report, "proof")


def test_relative_iri_is_refused_when_signing(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)

    with pytest.raises(CredentialFormatError) as raised:
        sign(make_badge(did, id="credentials/42"), issuer_key, method)

    assert raised.value.code == "invalid-jsonld"
    assert "credentials/42" in str(raised.value)


def test_naive_created_time_is_refused(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)

    with pytest.raises(ValueError, match="time-zone aware"):
        sign_eddsa_rdfc_2022(
            make_badge(did), issuer_key, verification_method=method, created=datetime(2025, 1, 1)
        )


@pytest.mark.parametrize("document", [[], "text", None, 42])
def test_non_object_input_gives_failed_checks_not_errors(document: object) -> None:
    report = Verifier().verify(document)  # type: ignore[arg-type]

    assert [check.outcome for check in report.checks] == ["failed"] * len(CHECK_NAMES)


def test_deeply_nested_input_gives_failed_checks_not_errors() -> None:
    document: Json = {"@context": "https://www.w3.org/ns/credentials/v2"}
    node = document
    for _ in range(200):
        node["x"] = {}
        node = node["x"]

    report = Verifier().verify(document)

    assert not report.verified
    assert "deeper" in report.checks[0].detail


def test_default_clock_is_used_when_none_given(signed_badge: Json) -> None:
    report = Verifier().verify(signed_badge)

    assert report.verified
    assert SIGNED_AT < NOW  # the fixed clock used elsewhere is after signing


def test_naive_clock_is_taken_as_utc(signed_badge: Json) -> None:
    verifier = Verifier(clock=lambda: NOW.replace(tzinfo=None))

    assert verifier.verify(signed_badge).verified


def test_report_verified_needs_every_required_check_passed() -> None:
    passed = [Check(check=name, outcome="passed", detail="") for name in CHECK_NAMES]
    unknown_status = [*passed[:-1], Check(check="status", outcome="unknown", detail="")]
    failed_status = [*passed[:-1], Check(check="status", outcome="failed", detail="revoked")]
    missing_key = [check for check in passed if check.check != "key"]

    assert VerificationReport(checks=tuple(passed)).verified
    assert VerificationReport(checks=tuple(unknown_status)).verified
    assert not VerificationReport(checks=tuple(failed_status)).verified
    assert VerificationReport(checks=tuple(failed_status)).failed() == (failed_status[-1],)
    assert not VerificationReport(checks=tuple(missing_key)).verified


def test_clock_reaching_valid_until_exactly_counts_as_expired(
    issuer_key: Ed25519PrivateKey,
) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(make_badge(did, validUntil="2025-06-01T12:00:00Z"), issuer_key, method)

    report = Verifier(clock=lambda: datetime(2025, 6, 1, 12, 0, tzinfo=UTC)).verify(signed)

    assert _outcome(report, "validUntil") == "failed"


def test_one_verifier_can_be_shared_by_threads(signed_badge: Json) -> None:
    from concurrent.futures import ThreadPoolExecutor

    verifier = Verifier(clock=fixed_clock)
    tampered = {**signed_badge, "name": "Forged"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(
            pool.map(
                lambda document: verifier.verify(document).verified,
                [signed_badge, tampered] * 40,
            )
        )

    assert outcomes == [True, False] * 40


@pytest.mark.parametrize("previous", [[{"id": "x"}], [], "urn:uuid:missing", [["a"]]])
def test_bad_previous_proof_reference_fails_cleanly(signed_badge: Json, previous: object) -> None:
    signed_badge["proof"]["previousProof"] = previous

    report = _verify(signed_badge)

    assert _outcome(report, "proof") == "failed"
