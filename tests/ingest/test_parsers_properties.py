"""Property tests of every ingest parser on hostile input: only the declared errors escape.

Complements ``test_parse_properties.py`` (JSON-LD credentials): VC-JWT compact strings, baked
PNG and SVG images, deeply nested and context-stuffed documents, status lists; with the
round trips that exist (bake then extract, encode then decode a status list).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest import (
    CredentialFormatError,
    StatusListError,
    Verifier,
    bake_png,
    bake_svg,
    decode_status_list,
    encode_status_list,
    extract_baked,
    parse_credential,
    status_value,
)
from ingest._baked import (
    MAX_CHUNK_BYTES,
    OB3_NAMESPACE,
    PNG_KEYWORDS,
    PNG_SIGNATURE,
    BakedCredential,
    BakedVersion,
)
from ingest._jose import decode_jws
from ingest._jsonld import MAX_CONTEXT_ENTRIES, MAX_DEPTH
from ingest._jsonld import VC_V2_CONTEXT as VC_V2
from tests.ingest.ingest_testkit import did_key_method, fixed_clock, make_badge, sign

# A 1x1 PNG: IHDR, IDAT, IEND.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect/></svg>'
NESTING = [MAX_DEPTH + 1, 500, 5_000, 100_000]
versions: st.SearchStrategy[BakedVersion] = st.sampled_from(["ob2", "ob3"])

# What an assertion can hold: JSON escapes control characters, and XML could not carry them.
assertion_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=300
).filter(lambda t: t.strip() == t and "]]>" not in t)


def _only_format_errors(raw: bytes) -> None:
    try:
        parse_credential(raw)
    except CredentialFormatError as error:
        assert error.code
        assert error.message


def _b64url(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


# --- VC-JWT compact strings ------------------------------------------------------------

segments = st.binary(max_size=200).map(_b64url)
json_segments = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
).map(lambda value: _b64url(json.dumps(value).encode()))
headers = st.fixed_dictionaries(
    {"alg": st.sampled_from(["EdDSA", "ES256", "RS256", "none", "HS256", ""])},
    optional={"kid": st.text(max_size=30), "typ": st.text(max_size=10)},
).map(lambda header: _b64url(json.dumps(header).encode()))


@given(st.one_of(segments, headers), st.one_of(segments, json_segments), segments)
@settings(max_examples=200)
def test_compact_jws_shaped_input_only_raises_format_errors(
    header: bytes, payload: bytes, signature: bytes
) -> None:
    raw = header + b"." + payload + b"." + signature
    with pytest.raises(CredentialFormatError):
        decode_jws(raw)
    _only_format_errors(raw)


@given(st.text(alphabet="abcXYZ012-_.= \n", max_size=300))
@settings(max_examples=150)
def test_dotted_text_only_raises_format_errors(text: str) -> None:
    _only_format_errors(text.encode())


@pytest.mark.parametrize("depth", NESTING)
def test_deep_jws_payload_is_refused_as_too_large(depth: int) -> None:
    header = _b64url(b'{"alg":"EdDSA"}')
    raw = header + b"." + _b64url(_nested(depth)) + b"." + _b64url(b"sig")

    with pytest.raises(CredentialFormatError) as raised:
        decode_jws(raw, max_bytes=10_000_000)
    assert raised.value.code == "too-large"


# --- JSON depth and contexts --------------------------------------------------------------


@pytest.mark.parametrize("depth", NESTING)
def test_deeply_nested_json_is_refused_as_too_large(depth: int) -> None:
    for raw in (_nested(depth), b"[" * depth + b"]" * depth):
        with pytest.raises(CredentialFormatError) as raised:
            parse_credential(raw, max_bytes=10_000_000)
        assert raised.value.code in {"too-large", "not-an-object"}
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "credentialSubject": json.loads(_nested(depth)) if depth < 1000 else {},
    }
    if depth < 1000:
        with pytest.raises(CredentialFormatError) as raised:
            parse_credential(json.dumps(document).encode())
        assert raised.value.code == "too-large"


@given(st.lists(st.text(max_size=40), min_size=1, max_size=60))
@settings(max_examples=100)
def test_many_unknown_contexts_are_refused_without_fetching(urls: list[str]) -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", *urls],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    _only_format_errors(json.dumps(document).encode())


# --- baked PNG ----------------------------------------------------------------------------


@given(assertion_text, versions, st.booleans())
@settings(max_examples=150)
def test_png_bake_then_extract_round_trips(
    text: str, version: BakedVersion, compress: bool
) -> None:
    baked = bake_png(TINY_PNG, text, version=version, compress=compress)
    assert extract_baked(baked) == BakedCredential(version=version, text=text)


@given(st.binary(max_size=600))
@settings(max_examples=200)
def test_arbitrary_bytes_after_the_png_signature_only_raise_format_errors(tail: bytes) -> None:
    with pytest.raises(CredentialFormatError):
        extract_baked(PNG_SIGNATURE + tail)
    _only_format_errors(PNG_SIGNATURE + tail)


@given(st.data())
@settings(max_examples=200)
def test_mutated_baked_png_only_raises_format_errors(data: st.DataObject) -> None:
    baked = bytearray(
        bake_png(
            TINY_PNG,
            '{"id": "urn:x"}',
            version=data.draw(versions),
            compress=data.draw(st.booleans()),
        )
    )
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(baked) - 1))
        baked[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(PNG_SIGNATURE), len(baked)))
    try:
        extract_baked(bytes(baked[:cut]))
    except CredentialFormatError as error:
        assert error.code in {"invalid-image", "too-large", "no-baked-assertion"}


@given(
    st.sampled_from(list(PNG_KEYWORDS.values())) | st.binary(max_size=80),
    st.integers(0, 3),
    st.integers(0, 3),
    st.binary(max_size=300),
)
@settings(max_examples=200)
def test_arbitrary_itxt_chunks_only_raise_format_errors(
    keyword: bytes, flag: int, method: int, body: bytes
) -> None:
    data = keyword + b"\0" + bytes([flag, method]) + b"\0\0" + body
    png = TINY_PNG[:33] + _chunk(b"iTXt", data) + TINY_PNG[33:]
    try:
        extract_baked(png)
    except CredentialFormatError as error:
        assert error.code in {"invalid-image", "too-large", "no-baked-assertion"}
    _only_format_errors(png)


@given(st.sampled_from(list(PNG_KEYWORDS.values())), st.binary(max_size=400))
@settings(max_examples=200)
def test_any_baked_payload_only_raises_format_errors(keyword: bytes, payload: bytes) -> None:
    """Whatever text an ``openbadgecredential`` / ``openbadges`` chunk holds, parse copes."""
    png = TINY_PNG[:33] + _chunk(b"iTXt", keyword + b"\0\0\0\0\0" + payload) + TINY_PNG[33:]
    _only_format_errors(png)


@pytest.mark.parametrize("keyword", list(PNG_KEYWORDS.values()))
def test_compressed_itxt_bomb_is_refused_under_either_keyword(keyword: bytes) -> None:
    bomb = zlib.compress(b" " * (50 * MAX_CHUNK_BYTES), 9)
    png = TINY_PNG[:33] + _chunk(b"iTXt", keyword + b"\0\1\0\0\0" + bomb) + TINY_PNG[33:]

    with pytest.raises(CredentialFormatError) as raised:
        extract_baked(png)
    assert raised.value.code == "too-large"


def test_compressed_itxt_bomb_is_refused_without_inflating_it_all() -> None:
    bomb = zlib.compress(b" " * (50 * MAX_CHUNK_BYTES), 9)  # 50 MiB of spaces, ~50 KiB
    data = b"openbadges\0" + bytes([1, 0]) + b"\0\0" + bomb
    png = TINY_PNG[:33] + _chunk(b"iTXt", data) + TINY_PNG[33:]

    with pytest.raises(CredentialFormatError) as raised:
        extract_baked(png)
    assert raised.value.code == "too-large"


def test_png_with_a_huge_number_of_chunks_is_refused() -> None:
    many = b"".join(_chunk(b"tEXt", b"k\0v") for _ in range(200_000))
    png = TINY_PNG[:33] + many + TINY_PNG[33:]

    with pytest.raises(CredentialFormatError) as raised:
        extract_baked(png)
    assert raised.value.code == "too-large"


# --- baked SVG ----------------------------------------------------------------------------


@given(assertion_text, st.text(alphabet='abc:/."&<>', max_size=30), versions)
@settings(max_examples=150)
def test_svg_bake_then_extract_round_trips(text: str, verify: str, version: BakedVersion) -> None:
    baked = bake_svg(SVG, text, verify=verify, version=version)
    assert extract_baked(baked) == BakedCredential(version=version, text=text)


@given(assertion_text, versions)
@settings(max_examples=100)
def test_svg_verify_attribute_round_trips(verify: str, version: BakedVersion) -> None:
    """With no element text, the ``verify`` attribute is the payload (an OB 3.0 VC-JWT)."""
    baked = bake_svg(SVG, "", verify=verify, version=version)
    assert extract_baked(baked) == BakedCredential(version=version, text=verify)


@given(st.text(max_size=400))
@settings(max_examples=200)
def test_arbitrary_svg_text_only_raises_format_errors(body: str) -> None:
    raw = ('<svg xmlns="http://www.w3.org/2000/svg">' + body).encode("utf-8", "surrogatepass")
    try:
        extract_baked(raw)
    except CredentialFormatError as error:
        assert error.code in {"invalid-image", "too-large", "no-baked-assertion"}


@given(
    st.sampled_from(["", "<!DOCTYPE svg>", '<!DOCTYPE svg SYSTEM "x.dtd">']), st.text(max_size=300)
)
@settings(max_examples=200)
def test_arbitrary_baked_svg_content_only_raises_format_errors(doctype: str, body: str) -> None:
    """Any text in an ``openbadges:credential`` element, with or without a DOCTYPE."""
    raw = (
        doctype
        + '<svg xmlns="http://www.w3.org/2000/svg"><openbadges:credential xmlns:openbadges="'
        + OB3_NAMESPACE
        + '">'
        + body
        + "</openbadges:credential></svg>"
    ).encode("utf-8", "surrogatepass")
    _only_format_errors(raw)


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        # The external DTD is never read, so the &b; it might declare is undefined.
        '<!DOCTYPE svg SYSTEM "http://attacker.example/x.dtd">',
        '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_svg_entities_are_refused(prolog: str) -> None:
    raw = (
        '<?xml version="1.0"?>'
        + prolog
        + '<svg xmlns="http://www.w3.org/2000/svg"><openbadges:assertion '
        'xmlns:openbadges="http://openbadges.org">&b;</openbadges:assertion></svg>'
    ).encode()

    with pytest.raises(CredentialFormatError) as raised:
        extract_baked(raw)
    assert raised.value.code == "invalid-image"


def test_deep_svg_is_refused() -> None:
    raw = ('<svg xmlns="http://www.w3.org/2000/svg">' + "<g>" * 100_000).encode()

    with pytest.raises(CredentialFormatError):
        extract_baked(raw)


# --- status lists -------------------------------------------------------------------------


@given(st.binary(min_size=1, max_size=2000), st.booleans())
@settings(max_examples=150)
def test_status_list_encode_then_decode_round_trips(bits: bytes, multibase: bool) -> None:
    encoded = encode_status_list(bits, multibase=multibase)

    assert decode_status_list(encoded, multibase=multibase) == bits


@given(st.one_of(st.text(max_size=200), st.binary(max_size=50), st.integers()), st.booleans())
@settings(max_examples=200)
def test_arbitrary_encoded_lists_only_raise_errors(encoded: Any, multibase: bool) -> None:
    try:
        bits = decode_status_list(encoded, multibase=multibase)
    except StatusListError:
        return
    assert bits


@given(st.binary(max_size=64), st.integers(-10, 1000), st.integers(-2, 9))
@settings(max_examples=200)
def test_status_value_only_raises_status_list_errors(bits: bytes, index: int, size: int) -> None:
    try:
        value = status_value(bits, index, size)
    except StatusListError:
        return
    assert 0 <= value < 2**size


# --- NUL characters -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "issuer", "subject"])
def test_a_nul_character_in_credential_text_is_a_format_error(field: str) -> None:
    document: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Badge\x00" if field == "name" else "Badge",
        "issuer": {"id": "did:example:issuer", "name": "Uni\x00" if field == "issuer" else "Uni"},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:sub\x00ject" if field == "subject" else "did:example:subject",
            "achievement": {"id": "urn:x", "name": "SQL", "criteria": {"narrative": "Pass."}},
        },
    }
    raw = json.dumps(document).encode()
    clean, _ = parse_credential(raw.replace(b"\\u0000", b""))
    assert clean.name.startswith("Badge")

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(raw)
    assert raised.value.code == "invalid-field"


# --- @context entries ------------------------------------------------------------------------


def _signed_with_contexts(extra: int) -> dict[str, Any]:
    key = Ed25519PrivateKey.generate()
    did, method = did_key_method(key)
    document = make_badge(did)
    document["@context"] = [*document["@context"], *[VC_V2] * extra]
    return sign(document, key, method)


def test_a_credential_repeating_its_contexts_is_refused_before_json_ld_processing() -> None:
    document = _signed_with_contexts(3)
    document["@context"] = [*document["@context"], *[VC_V2] * MAX_CONTEXT_ENTRIES]

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(json.dumps(document).encode())
    assert raised.value.code == "too-large"
    report = Verifier(clock=fixed_clock).verify(document)
    proof = next(check for check in report.checks if check.check == "proof")
    assert proof.outcome == "failed"
    assert "@context entries" in proof.detail
    assert not report.verified


def test_a_few_repeated_contexts_are_still_processed() -> None:
    document = _signed_with_contexts(3)

    parse_credential(json.dumps(document).encode())
    assert Verifier(clock=fixed_clock).verify(document).verified
