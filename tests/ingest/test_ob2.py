"""Open Badges 2.0: parsing, hosted and signed verification, baked images, recipients."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import ChainedDocuments, CredentialFormatError, PinnedDocuments, Verifier
from ingest import parse_credential as parse
from ingest._baked import (
    MAX_IMAGE_BYTES,
    PNG_SIGNATURE,
    BakedCredential,
    bake_png,
    bake_svg,
    extract_png,
    extract_svg,
)
from ingest._ob2 import SignedAssertion, resolve_ob2, sign_ob2_assertion
from ingest._ob2_verify import check_recipient
from tests.ingest.http_testkit import Server, fake_dns
from tests.ingest.ingest_testkit import fixed_clock

Json = dict[str, Any]
FIXTURES = "openbadges-v2-fixtures/test_components/"
ORG = "https://example.org"
ISSUER_ID = f"{ORG}/organization.json"
BADGE_ID = f"{ORG}/robotics-badge.json"
ASSERTION_ID = f"{ORG}/beths-robotics-badge.json"
KEY_ID = f"{ORG}/key.json"
EMAIL = "nobody@example.org"  # the fixture's sha256 identity with salt "deadsea"


def _png(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (1 + width) * height)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1"/></svg>'


@pytest.fixture
def v2(load_json: Callable[[str], Json]) -> dict[str, Json]:
    return {
        "assertion": load_json(FIXTURES + "2_0_basic_assertion.json"),
        "badge": load_json(FIXTURES + "2_0_basic_badgeclass.json"),
        "issuer": load_json(FIXTURES + "2_0_basic_issuer.json"),
    }


def _badge_class(issuer: Json | str = ISSUER_ID) -> Json:
    return {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "BadgeClass",
        "id": BADGE_ID,
        "name": "Awesome Robotics Badge",
        "description": "Robots.",
        "criteria": {"narrative": "Build a robot."},
        "tags": ["robotics", "python"],
        "alignment": [
            {
                "targetName": "programming robots",
                "targetUrl": "http://data.europa.eu/esco/skill/x",
                "targetFramework": "ESCO",
                "targetCode": "x",
            }
        ],
        "issuer": issuer,
    }


def _encode(document: Json) -> bytes:
    return json.dumps(document).encode()


# --- parsing ---------------------------------------------------------------------------------


def test_fixture_parses_unresolved_then_resolved(v2: dict[str, Json]) -> None:
    raw = _encode(v2["assertion"])
    credential, document = parse(raw)
    assert credential.format == "ob2"
    assert credential.id == ASSERTION_ID
    assert credential.achievements == ()
    assert credential.issuer.id == ""
    assert credential.subject_id == v2["assertion"]["recipient"]["identity"]
    assert credential.valid_from is not None and credential.valid_from.year == 2016
    assert credential.proof_types == ("HostedBadge",)
    store = PinnedDocuments({BADGE_ID: v2["badge"], ISSUER_ID: v2["issuer"]})
    resolved = resolve_ob2(credential, document, store)
    assert resolved.achievements[0].name == "Awesome Robotics Badge"
    assert resolved.achievements[0].criteria == "https://example.org/robotics-badge.html"
    assert resolved.issuer.name == "An Example Badge Issuer"
    assert resolved.issuer.url == ORG
    assert parse(raw, documents=store)[0] == resolved


def test_fixture_badgeclass_and_issuer_embedded(v2: dict[str, Json]) -> None:
    assertion = v2["assertion"]
    assertion["badge"] = {**_badge_class(v2["issuer"])}
    assertion["expires"] = "2030-01-01T00:00:00Z"
    credential, _ = parse(_encode(assertion))
    (achievement,) = credential.achievements
    assert achievement.tags == ("robotics", "python")
    assert achievement.criteria == "Build a robot."
    assert achievement.alignments[0].target_framework == "ESCO"
    assert achievement.alignments[0].target_code == "x"
    assert credential.issuer.id == ISSUER_ID
    assert credential.valid_until is not None and credential.valid_until.year == 2030


@pytest.mark.parametrize(
    "name",
    [
        "0_5_assertion.json",
        "0_5_1_assertion.json",
        "1_0_basic_assertion.json",
        "1_1_basic_assertion.json",
    ],
)
def test_legacy_badges_are_unsupported(load_json: Callable[[str], Json], name: str) -> None:
    with pytest.raises(CredentialFormatError) as error:
        parse(_encode(load_json(FIXTURES + name)))
    assert error.value.code == "unsupported-credential"
    assert "0.5 / 1.x" in error.value.message


def test_missing_recipient_is_rejected(v2: dict[str, Json]) -> None:
    del v2["assertion"]["recipient"]
    with pytest.raises(CredentialFormatError) as error:
        parse(_encode(v2["assertion"]))
    assert error.value.code == "missing-field"


PNG_DATA_URI = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)


@pytest.mark.parametrize(
    "image", [PNG_DATA_URI, {"id": PNG_DATA_URI, "type": "schema:ImageObject"}]
)
def test_assertion_image_may_not_be_a_data_uri(
    monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json], image: Json | str
) -> None:
    v2["assertion"]["image"] = image
    with pytest.raises(CredentialFormatError) as error:
        parse(_encode(v2["assertion"]))
    assert error.value.code == "invalid-field"
    assert "image is a data URI" in error.value.message
    assert "Assertion" in error.value.message
    verifier, _ = _hosted_verifier(monkeypatch, _hosted_world(v2))  # the hosted copy matches
    report = verifier.verify(v2["assertion"])
    assert not report.verified
    assert all(check.outcome == "failed" for check in report.checks)
    assert "image is a data URI" in report.checks[0].detail


def test_signed_assertion_with_a_data_uri_image_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, _ = _signed_world(rsa_key)
    assertion["image"] = PNG_DATA_URI
    with pytest.raises(CredentialFormatError) as error:
        parse(bake_png(_png(), sign_ob2_assertion(assertion, rsa_key)))
    assert "image is a data URI" in error.value.message


def test_assertion_image_must_be_an_iri_or_an_image_object(v2: dict[str, Json]) -> None:
    for image in (42, {"caption": "no id"}, ["https://example.org/a.png"]):
        v2["assertion"]["image"] = image
        with pytest.raises(CredentialFormatError) as error:
            parse(_encode(v2["assertion"]))
        assert error.value.code == "invalid-field"
    v2["assertion"]["image"] = {"id": f"{ORG}/baked.png", "caption": "Beth's badge"}
    assert parse(_encode(v2["assertion"]))[0].id == ASSERTION_ID


def test_badgeclass_image_may_be_a_data_uri(v2: dict[str, Json]) -> None:
    v2["assertion"]["badge"] = {**_badge_class(v2["issuer"]), "image": PNG_DATA_URI}
    credential, _ = parse(_encode(v2["assertion"]))
    assert credential.achievements[0].name == "Awesome Robotics Badge"


# --- hosted ----------------------------------------------------------------------------------


def _hosted_verifier(
    monkeypatch: pytest.MonkeyPatch, documents: dict[str, Json]
) -> tuple[Verifier, Server]:
    fake_dns(monkeypatch)
    server = Server(documents)
    return Verifier(
        documents=ChainedDocuments(PinnedDocuments(), server.fetcher()), clock=fixed_clock
    ), server


def _hosted_world(v2: dict[str, Json]) -> dict[str, Json]:
    return {ASSERTION_ID: v2["assertion"], BADGE_ID: v2["badge"], ISSUER_ID: v2["issuer"]}


def test_hosted_valid(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    verifier, server = _hosted_verifier(monkeypatch, _hosted_world(v2))
    _, document = parse(_encode(v2["assertion"]))
    report = verifier.verify(document)
    assert report.verified, report.checks
    assert ASSERTION_ID in server.requests
    assert report.get("status").detail.startswith("no revocation list")  # type: ignore[union-attr]


def test_hosted_copy_differs(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    world = _hosted_world(v2)
    world[ASSERTION_ID] = {**v2["assertion"], "issuedOn": "2017-01-01T00:00:00Z"}
    verifier, _ = _hosted_verifier(monkeypatch, world)
    report = verifier.verify(parse(_encode(v2["assertion"]))[1])
    proof = report.get("proof")
    assert proof is not None and proof.outcome == "failed" and "issuedOn" in proof.detail
    assert not report.verified


def test_hosted_wrong_origin(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    other = "https://evil.example.net/assertion.json"
    v2["assertion"]["id"] = other
    world = _hosted_world(v2)
    world[other] = v2["assertion"]
    verifier, _ = _hosted_verifier(monkeypatch, world)
    report = verifier.verify(parse(_encode(v2["assertion"]))[1])
    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]
    assert report.get("key").outcome == "failed"  # type: ignore[union-attr]


def test_hosted_allowed_origins(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    other = "https://badges.example.net/assertion.json"
    v2["assertion"]["id"] = other
    v2["issuer"]["verification"] = {"allowedOrigins": "badges.example.net"}
    world = _hosted_world(v2)
    world[other] = v2["assertion"]
    verifier, _ = _hosted_verifier(monkeypatch, world)
    assert verifier.verify(parse(_encode(v2["assertion"]))[1]).verified


def test_hosted_unreachable(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    world = _hosted_world(v2)
    del world[ASSERTION_ID]
    verifier, _ = _hosted_verifier(monkeypatch, world)
    report = verifier.verify(parse(_encode(v2["assertion"]))[1])
    assert report.get("proof").outcome == "unknown"  # type: ignore[union-attr]
    assert not report.verified


def test_hosted_revoked_copy(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    world = _hosted_world(v2)
    world[ASSERTION_ID] = {"id": ASSERTION_ID, "revoked": True, "revocationReason": "cheated"}
    verifier, _ = _hosted_verifier(monkeypatch, world)
    report = verifier.verify(parse(_encode(v2["assertion"]))[1])
    status = report.get("status")
    assert status is not None and status.outcome == "failed" and "cheated" in status.detail


def test_expired(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    v2["assertion"]["expires"] = "2020-01-01T00:00:00Z"
    verifier, _ = _hosted_verifier(monkeypatch, _hosted_world(v2))
    report = verifier.verify(parse(_encode(v2["assertion"]))[1])
    assert report.get("validUntil").outcome == "failed"  # type: ignore[union-attr]


# --- signed ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _signed_world(
    key: rsa.RSAPrivateKey, *, owner: str = ISSUER_ID
) -> tuple[Json, dict[str, Json]]:
    assertion: Json = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": "urn:uuid:0d6f5b1e-1c3a-4f7e-9a3b-2b6e7f0c1d2e",
        "recipient": {"type": "email", "hashed": False, "identity": "beth@example.org"},
        "issuedOn": "2024-01-01T00:00:00Z",
        "badge": BADGE_ID,
        "verification": {"type": "SignedBadge", "creator": KEY_ID},
    }
    issuer = {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Issuer",
        "id": ISSUER_ID,
        "name": "Example",
        "publicKey": KEY_ID,
        "revocationList": f"{ORG}/revocations.json",
    }
    world = {
        BADGE_ID: _badge_class(),
        ISSUER_ID: issuer,
        KEY_ID: {
            "type": "CryptographicKey",
            "id": KEY_ID,
            "owner": owner,
            "publicKeyPem": _pem(key),
        },
        f"{ORG}/revocations.json": {"type": "RevocationList", "revokedAssertions": []},
    }
    return assertion, world


def test_signed_valid(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    token = sign_ob2_assertion(assertion, rsa_key)
    store = PinnedDocuments(world)
    credential, document = parse(token.encode(), documents=store)
    assert isinstance(document, SignedAssertion)
    assert credential.proof_types == ("SignedBadge/RS256",)
    assert credential.achievements[0].alignments[0].target_code == "x"
    report = Verifier(documents=store, clock=fixed_clock).verify(document)
    assert report.verified, report.checks
    assert report.get("status").outcome == "passed"  # type: ignore[union-attr]


def test_signed_tampered_payload(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    header, _, signature = sign_ob2_assertion(assertion, rsa_key).split(".")
    other = sign_ob2_assertion({**assertion, "issuedOn": "2023-01-01T00:00:00Z"}, rsa_key)
    tampered = f"{header}.{other.split('.')[1]}.{signature}"
    store = PinnedDocuments(world)
    report = Verifier(documents=store, clock=fixed_clock).verify(parse(tampered.encode())[1])
    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]
    assert not report.verified


def test_signed_document_altered_after_parsing(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    _, document = parse(sign_ob2_assertion(assertion, rsa_key).encode())
    document["issuedOn"] = "2023-01-01T00:00:00Z"
    report = Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document)
    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


def test_signed_creator_owned_by_another_issuer(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key, owner="https://other.example/issuer.json")
    document = parse(sign_ob2_assertion(assertion, rsa_key).encode())[1]
    report = Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document)
    assert report.get("proof").outcome == "passed"  # type: ignore[union-attr]
    assert report.get("key").outcome == "failed"  # type: ignore[union-attr]
    assert not report.verified


def test_signed_revoked(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    world[f"{ORG}/revocations.json"]["revokedAssertions"] = [
        {"id": assertion["id"], "revocationReason": "Awarded in error"}
    ]
    document = parse(sign_ob2_assertion(assertion, rsa_key).encode())[1]
    report = Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document)
    status = report.get("status")
    assert status is not None and status.outcome == "failed"
    assert "revoked" in status.detail and "Awarded in error" in status.detail
    assert not report.verified


def test_signed_revocation_list_unreachable(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    del world[f"{ORG}/revocations.json"]
    document = parse(sign_ob2_assertion(assertion, rsa_key).encode())[1]
    report = Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document)
    assert report.get("status").outcome == "unknown"  # type: ignore[union-attr]


def test_signed_document_that_is_not_an_assertion_is_refused(rsa_key: rsa.RSAPrivateKey) -> None:
    token = sign_ob2_assertion(_badge_class(), rsa_key)
    with pytest.raises(CredentialFormatError) as error:
        parse(token.encode())
    assert error.value.code == "unsupported-credential"
    assert "not an Open Badges 2.0 assertion" in error.value.message


def test_signed_without_jws_fails(rsa_key: rsa.RSAPrivateKey) -> None:
    assertion, world = _signed_world(rsa_key)
    report = Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(assertion)
    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


# --- baked images ----------------------------------------------------------------------------


def test_png_round_trip_json_and_jws(rsa_key: rsa.RSAPrivateKey, v2: dict[str, Json]) -> None:
    text = _encode(v2["assertion"]).decode()
    for compress in (False, True):
        baked = bake_png(_png(), text, compress=compress)
        assert extract_png(baked) == BakedCredential(version="ob2", text=text)
        credential, _ = parse(baked)
        assert credential.id == ASSERTION_ID
        assert credential.content_hash == hashlib.sha256(baked).hexdigest()
    assertion, world = _signed_world(rsa_key)
    baked = bake_png(_png(), sign_ob2_assertion(assertion, rsa_key))
    _, document = parse(baked)
    assert Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document).verified


def test_png_hosted_url(v2: dict[str, Json]) -> None:
    baked = bake_png(_png(), ASSERTION_ID)
    with pytest.raises(CredentialFormatError):
        parse(baked)
    store = PinnedDocuments({ASSERTION_ID: v2["assertion"], BADGE_ID: v2["badge"]})
    credential, _ = parse(baked, documents=store)
    assert credential.achievements[0].name == "Awesome Robotics Badge"


def test_png_without_openbadges_chunk() -> None:
    with pytest.raises(CredentialFormatError) as error:
        parse(_png())
    assert error.value.code == "no-baked-assertion"
    assert "iTXt" in error.value.message


def test_png_bad_crc_and_truncated() -> None:
    baked = bytearray(bake_png(_png(), "https://example.org/a.json"))
    baked[40] ^= 0xFF
    with pytest.raises(CredentialFormatError) as error:
        extract_png(bytes(baked))
    assert error.value.code == "invalid-image"
    with pytest.raises(CredentialFormatError):
        extract_png(_png()[:30])


def test_oversized_images() -> None:
    big = _png() + b"\0" * MAX_IMAGE_BYTES
    with pytest.raises(CredentialFormatError) as error:
        parse(big)
    assert error.value.code == "too-large"
    svg = (SVG[:-6] + " " * MAX_IMAGE_BYTES + "</svg>").encode()
    with pytest.raises(CredentialFormatError) as error:
        parse(svg)
    assert error.value.code == "too-large"
    chunk = struct.pack(">I", 2 * 1024 * 1024) + b"iTXt"
    with pytest.raises(CredentialFormatError) as error:
        extract_png(PNG_SIGNATURE + chunk + b"\0" * 16)
    assert error.value.code == "too-large"


def test_svg_round_trip(rsa_key: rsa.RSAPrivateKey, v2: dict[str, Json]) -> None:
    text = _encode(v2["assertion"]).decode()
    baked = bake_svg(SVG, text, verify=ASSERTION_ID)
    assert extract_svg(baked).text == text
    assert parse(baked)[0].id == ASSERTION_ID
    only_url = bake_svg(SVG, "", verify=ASSERTION_ID)
    assert extract_svg(only_url).text == ASSERTION_ID
    assertion, world = _signed_world(rsa_key)
    _, document = parse(bake_svg(SVG, sign_ob2_assertion(assertion, rsa_key)))
    assert Verifier(documents=PinnedDocuments(world), clock=fixed_clock).verify(document).verified


def test_svg_with_an_entity_declaration_is_rejected(v2: dict[str, Json]) -> None:
    baked = bake_svg(SVG, _encode(v2["assertion"]).decode()).decode()
    with pytest.raises(CredentialFormatError) as error:
        parse(('<!DOCTYPE svg [<!ENTITY x "boom">]>' + baked).encode())
    assert error.value.code == "invalid-image"
    assert "entity" in error.value.message


def test_svg_without_assertion() -> None:
    with pytest.raises(CredentialFormatError) as error:
        parse(SVG.encode())
    assert error.value.code == "no-baked-assertion"
    with pytest.raises(CredentialFormatError) as error:
        parse(b"<svg><unclosed></svg>")
    assert error.value.code == "invalid-image"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_extractors_raise_only_format_errors(data: bytes) -> None:
    for extract in (extract_png, extract_svg):
        for raw in (data, PNG_SIGNATURE + data, b"<svg " + data):
            with contextlib.suppress(CredentialFormatError):
                extract(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=256), st.integers(min_value=8, max_value=120))
def test_mutated_baked_png_raises_only_format_errors(noise: bytes, at: int) -> None:
    baked = bytearray(bake_png(_png(), '{"a": 1}'))
    baked[at : at + len(noise)] = noise
    with contextlib.suppress(CredentialFormatError):
        parse(bytes(baked))


# --- recipient -------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_recipient_hash(algorithm: str) -> None:
    salt = "s4lt"
    digest = hashlib.new(algorithm, ("beth@example.org" + salt).encode()).hexdigest()
    document: Json = {
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": salt,
            "identity": f"{algorithm}${digest}",
        }
    }
    assert check_recipient(document, "beth@example.org").outcome == "passed"
    assert check_recipient(document, "Beth@Example.org").outcome == "passed"
    assert check_recipient(document, "eve@example.org").outcome == "failed"


def test_recipient_in_verifier(monkeypatch: pytest.MonkeyPatch, v2: dict[str, Json]) -> None:
    verifier, _ = _hosted_verifier(monkeypatch, _hosted_world(v2))
    document = parse(_encode(v2["assertion"]))[1]
    assert verifier.verify(document, recipient_email=EMAIL).get("recipient").outcome == "passed"  # type: ignore[union-attr]
    report = verifier.verify(document, recipient_email="eve@example.org")
    assert report.get("recipient").outcome == "failed"  # type: ignore[union-attr]
    assert not report.verified
    assert verifier.verify(document).get("recipient") is None


def test_recipient_on_other_credentials_is_unknown(signed_badge: Json) -> None:
    report = Verifier(clock=fixed_clock).verify(copy.deepcopy(signed_badge), recipient_email=EMAIL)
    assert report.get("recipient").outcome == "unknown"  # type: ignore[union-attr]
    assert report.verified
