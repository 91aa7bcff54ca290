"""parse_credential: the Credential model from OB 3.0 / VC JSON-LD, and its rejections."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    Achievement,
    Alignment,
    ContextLoader,
    CredentialFormatError,
    IngestError,
    IssuerProfile,
    UnknownContextError,
    Verifier,
    parse_credential,
)
from ingest._credential import repeated_key
from tests.ingest.ingest_testkit import (
    ESCO_SKILL,
    Json,
    did_key_method,
    fixed_clock,
    make_badge,
    sign,
)

ISSUER = {"id": "https://training.example/issuers/1", "type": ["Profile"], "name": "Example U"}


def _raw(document: Any) -> bytes:
    return json.dumps(document).encode()


def _error(document: Any, **options: Any) -> CredentialFormatError:
    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(document if isinstance(document, bytes) else _raw(document), **options)
    return raised.value


def test_ob3_badge_is_parsed_into_the_model(signed_badge: Json) -> None:
    raw = _raw(signed_badge)

    credential, document = parse_credential(raw)

    assert document == signed_badge
    assert credential.id == "urn:uuid:2f1f4f7e-4b0a-4c55-9a59-7a0d3f6c1e21"
    assert credential.types == ("VerifiableCredential", "OpenBadgeCredential")
    assert credential.format == "ob3-jsonld"
    assert credential.issuer == IssuerProfile(
        id=signed_badge["issuer"]["id"], name="Example Training"
    )
    assert credential.subject_id == "did:example:learner-42"
    assert credential.name == "Python Data Analysis"
    assert credential.valid_from == datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    assert credential.valid_until is None
    assert credential.proof_types == ("DataIntegrityProof/eddsa-rdfc-2022",)
    assert credential.content_hash == hashlib.sha256(raw).hexdigest()
    assert credential.achievements == (
        Achievement(
            id="https://training.example/achievements/python-data-analysis",
            name="Python Data Analysis",
            description="Analyses tabular data with pandas and reports the results.",
            criteria="Passed a proctored 3-hour practical assessment.",
            tags=("python", "pandas"),
            alignments=(
                Alignment(
                    target_url=ESCO_SKILL,
                    target_name="use spreadsheets software",
                    target_framework="ESCO",
                    target_code="ccd0a1d9-afda-43d9-b901-96344886e14d",
                    target_type="ext:ESCOSkill",
                    target_description="Use software tools to create and edit tabular data.",
                ),
            ),
            achievement_type="Certificate",
        ),
    )


def test_parsed_document_verifies(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    raw = _raw(sign(make_badge(did), issuer_key, method))

    _, document = parse_credential(raw)

    assert Verifier(clock=fixed_clock).verify(document).verified


def test_issuer_as_a_plain_url() -> None:
    credential, _ = parse_credential(_raw(make_badge("https://training.example/issuers/1")))

    assert credential.issuer == IssuerProfile(id="https://training.example/issuers/1")


def test_vc_1_1_dates_fill_valid_from_and_until() -> None:
    badge = make_badge(
        ISSUER, issuanceDate="2024-01-01T00:00:00+02:00", expirationDate="2030-01-01T00:00:00Z"
    )
    badge["@context"][0] = "https://www.w3.org/2018/credentials/v1"

    credential, _ = parse_credential(_raw(badge))

    assert credential.valid_from == datetime(2023, 12, 31, 22, 0, tzinfo=UTC)
    assert credential.valid_until == datetime(2030, 1, 1, tzinfo=UTC)


def test_language_maps_pick_english() -> None:
    badge = make_badge(
        ISSUER,
        name=[
            {"@value": "Datenanalyse", "@language": "de"},
            {"@value": "Data analysis", "@language": "en"},
        ],
    )

    credential, _ = parse_credential(_raw(badge))

    assert credential.name == "Data analysis"


def test_generic_verifiable_credential_is_vc_jsonld_without_achievements(
    load_json: Callable[[str], Json],
) -> None:
    vector = load_json("w3c-vc-di-eddsa/TestVectors/eddsa-rdfc-2022/signedDataInt.json")

    credential, _ = parse_credential(_raw(vector))

    assert credential.format == "vc-jsonld"
    assert credential.achievements == ()
    assert credential.name == "Alumni Credential"


@pytest.mark.parametrize(
    "name",
    [
        "basicOpenBadgeCredential_0",
        "fullOpenBadge_0",
        "achievementAlignmentCase_0",
        "achievementAlignmentCe_0",
        "skillAssertionCase_0",
        "skillAssertionCtdl_0",
        "endorsement_0",
    ],
)
def test_1edtech_spec_examples_parse(name: str, credentials_data: Path) -> None:
    raw = (
        credentials_data / f"openbadges-1edtech-spec/extracted_examples/{name}.json"
    ).read_bytes()

    credential, _ = parse_credential(raw)

    assert credential.issuer.id
    if "EndorsementCredential" not in credential.types:
        assert credential.format == "ob3-jsonld"
        assert all(achievement.name for achievement in credential.achievements)


EDUBADGES_CONTEXT = (
    "https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/"
    "contexts/educredential.json"
)


@pytest.fixture(scope="module")
def edubadges(credentials_data: Path) -> tuple[ContextLoader, list[Path]]:
    """30 real-world OB 3.0 credentials (SURF edubadges) and a loader with their context."""
    folder = credentials_data / "obv3-edubadges-examples"
    extension = json.loads((folder / "contexts/educredential.json").read_text(encoding="utf-8"))
    files = sorted((folder / "_data/credentials").glob("*.json"))
    return ContextLoader(extra={EDUBADGES_CONTEXT: extension}), files


def test_edubadges_examples_parse(edubadges: tuple[ContextLoader, list[Path]]) -> None:
    contexts, files = edubadges
    assert len(files) == 30

    for file in files:
        credential, _ = parse_credential(file.read_bytes(), contexts=contexts)
        assert credential.format == "ob3-jsonld", file.name
        assert all(achievement.name for achievement in credential.achievements), file.name


def test_edubadges_extension_context_is_reported_as_invalid_json_ld(
    edubadges: tuple[ContextLoader, list[Path]],
) -> None:
    # Their context has "context" (no "@") inside a term definition: invalid JSON-LD 1.1,
    # so nothing using it can be signed or verified; the reason must say so plainly.
    contexts, files = edubadges
    _, document = parse_credential(files[0].read_bytes(), contexts=contexts)
    key = Ed25519PrivateKey.generate()

    with pytest.raises(CredentialFormatError) as raised:
        sign(document, key, did_key_method(key)[1], contexts=contexts)

    assert raised.value.code == "invalid-jsonld"
    assert "invalid term definition" in raised.value.message


@pytest.mark.parametrize(
    "name",
    [
        "basicOpenBadgeCredential_0",
        "fullOpenBadge_0",
        "achievementAlignmentCase_0",
        "skillAssertionCase_0",
        "skillAssertionCtdl_0",
        "endorsement_0",
    ],
)
def test_1edtech_spec_examples_sign_and_verify(name: str, credentials_data: Path) -> None:
    raw = (
        credentials_data / f"openbadges-1edtech-spec/extracted_examples/{name}.json"
    ).read_bytes()
    _, document = parse_credential(raw)
    key = Ed25519PrivateKey.generate()
    did, method = did_key_method(key)
    if isinstance(document["issuer"], dict):
        document["issuer"]["id"] = did
    else:
        document["issuer"] = did
    document.pop("proof", None)
    document.pop("credentialStatus", None)
    document.pop("validUntil", None)

    report = Verifier(clock=fixed_clock).verify(sign(document, key, method))

    assert report.verified, report.failed()


# -- rejections ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "malformed-json"),
        (b"\xff\xfe", "malformed-json"),
        (b"", "malformed-json"),
        (b'{"a": NaN}', "malformed-json"),
        (b"[1, 2]", "not-an-object"),
        (b'"text"', "not-an-object"),
        (b"[" * 5000 + b"]" * 5000, "too-large"),
    ],
)
def test_unreadable_input_is_rejected(raw: bytes, code: str) -> None:
    assert _error(raw).code == code


def test_oversized_input_is_rejected(signed_badge: Json) -> None:
    error = _error(signed_badge, max_bytes=100)

    assert error.code == "too-large"
    assert "100" in error.message


def test_deep_nesting_is_rejected() -> None:
    badge = make_badge(ISSUER)
    node = badge["credentialSubject"]
    for _ in range(100):
        node["extra"] = {}
        node = node["extra"]

    assert _error(badge).code == "too-large"


def _without(document: Json, *path: str) -> Json:
    node = document
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return document


@pytest.mark.parametrize(
    ("path", "code"),
    [
        (("issuer",), "missing-field"),
        (("issuer", "id"), "missing-field"),
        (("@context",), "missing-field"),
        (("type",), "missing-field"),
        (("credentialSubject",), "missing-field"),
        (("credentialSubject", "achievement"), "missing-field"),
        (("credentialSubject", "achievement", "name"), "missing-field"),
        (("credentialSubject", "achievement", "id"), "missing-field"),
    ],
)
def test_missing_required_field_is_rejected(path: tuple[str, ...], code: str) -> None:
    error = _error(_without(make_badge(dict(ISSUER)), *path))

    assert error.code == code
    assert path[-1] in error.message


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"validFrom": "1 May 2024"}, "validFrom"),
        ({"validFrom": "2024-13-01T00:00:00Z"}, "validFrom"),
        ({"validUntil": 20240101}, "validUntil"),
        ({"name": 7}, "name"),
        ({"id": ["a"]}, "id"),
        ({"type": ["VerifiableCredential", 3]}, "type"),
        ({"credentialSubject": "did:example:1"}, "credentialSubject"),
        ({"proof": "signed"}, "proof"),
    ],
)
def test_invalid_field_is_rejected(fields: Json, expected: str) -> None:
    assert "issuer" not in fields  # make_badge takes the issuer positionally
    error = _error(make_badge(ISSUER, **fields))

    assert error.code == "invalid-field"
    assert expected in error.message


def test_issuer_of_the_wrong_type_is_rejected() -> None:
    error = _error(make_badge(42))  # type: ignore[arg-type]

    assert error.code == "invalid-field"
    assert "issuer" in error.message


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"@context": ["https://w3id.org/openbadges/v2"]}, "not a W3C Verifiable Credential"),
        ({"type": ["VerifiablePresentation"]}, "presentations"),
        ({"type": ["OpenBadgeCredential"]}, "VerifiableCredential"),
    ],
)
def test_unsupported_credential_is_rejected(change: Json, reason: str) -> None:
    error = _error(make_badge(ISSUER, **change))

    assert error.code == "unsupported-credential"
    assert reason in error.message


def test_unknown_context_is_rejected_naming_the_url() -> None:
    badge = make_badge(ISSUER)
    badge["@context"].append("https://contexts.example.com/learning-outcome-extension.json")

    with pytest.raises(UnknownContextError) as raised:
        parse_credential(_raw(badge))

    assert raised.value.url == "https://contexts.example.com/learning-outcome-extension.json"
    assert raised.value.code == "unknown-context"
    assert isinstance(raised.value, CredentialFormatError)
    assert isinstance(raised.value, IngestError)


def test_unknown_context_nested_in_a_scoped_context_is_found() -> None:
    badge = make_badge(ISSUER)
    badge["credentialSubject"]["@context"] = [{"@import": "https://evil.example/ctx.json"}]

    with pytest.raises(UnknownContextError) as raised:
        parse_credential(_raw(badge))

    assert raised.value.url == "https://evil.example/ctx.json"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (b'{"a": 1, "a": 2}', "a"),
        (b'{"a": {"b": [1, {"c": 1, "c": 1}]}}', "c"),
        (b'{"a": {"b": 1}, "c": {"b": 2}}', None),  # the same key in two objects is fine
    ],
)
def test_repeated_key_finds_a_key_given_twice_in_one_object(raw: bytes, key: str | None) -> None:
    assert repeated_key(raw) == key


def test_a_credential_giving_a_key_twice_is_malformed_json(signed_badge: Json) -> None:
    text = json.dumps(signed_badge)
    raw = ('{"issuer": "https://elsewhere.example/issuer", ' + text[1:]).encode()
    error = _error(raw)
    assert error.code == "malformed-json"
    assert "'issuer' given twice" in str(error)
