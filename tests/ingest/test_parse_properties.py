"""Property tests: parsing and verification fail only in the documented ways."""

from __future__ import annotations

import copy
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import CHECK_NAMES, CredentialFormatError, Verifier, parse_credential
from tests.ingest.ingest_testkit import Json, did_key_method, fixed_clock, make_badge, sign

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
FIELD_KEYS = [
    "@context",
    "id",
    "type",
    "issuer",
    "name",
    "validFrom",
    "validUntil",
    "issuanceDate",
    "credentialSubject",
    "credentialStatus",
    "proof",
]

_KEY = Ed25519PrivateKey.generate()
_DID, _METHOD = did_key_method(_KEY)
SIGNED = sign(make_badge(_DID), _KEY, _METHOD)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(SIGNED)


def _replace(document: Json, path: tuple[Any, ...], value: Any) -> Json:
    changed = copy.deepcopy(document)
    node: Any = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return changed


def _parse_only_fails_cleanly(raw: bytes) -> None:
    try:
        parse_credential(raw)
    except CredentialFormatError as error:  # UnknownContextError is one too
        assert error.code
        assert error.message


@given(st.binary(max_size=2000))
@settings(max_examples=300)
def test_arbitrary_bytes_only_raise_format_errors(raw: bytes) -> None:
    _parse_only_fails_cleanly(raw)


@given(json_values)
@settings(max_examples=300)
def test_arbitrary_json_only_raises_format_errors(value: Any) -> None:
    _parse_only_fails_cleanly(json.dumps(value).encode())


@given(st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=len(FIELD_KEYS)))
@settings(max_examples=300)
def test_credential_shaped_json_only_raises_format_errors(fields: dict[str, Any]) -> None:
    document = copy.deepcopy(SIGNED)
    document.update(fields)

    _parse_only_fails_cleanly(json.dumps(document).encode())


@given(st.sampled_from(PATHS), json_values)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_altered_signed_badge_never_crashes_parse_or_verify(
    path: tuple[Any, ...], value: Any
) -> None:
    altered = _replace(SIGNED, path, value)
    _parse_only_fails_cleanly(json.dumps(altered).encode())

    report = Verifier(clock=fixed_clock).verify(altered)

    assert [check.check for check in report.checks] == list(CHECK_NAMES)
    if altered != SIGNED:
        # Any change to signed data (or to the proof) must not leave it verified.
        assert not report.verified or _only_unsigned_change(path, value)


def _only_unsigned_change(path: tuple[Any, ...], value: Any) -> bool:
    # Values that canonicalize identically (e.g. one-item list vs the item) stay valid.
    original: Any = SIGNED
    for step in path:
        original = original[step]
    return value in ([original], {"@value": original}) or original == [value]


@given(st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=len(FIELD_KEYS)))
@settings(max_examples=150, deadline=None)
def test_verify_never_raises_on_credential_shaped_json(fields: dict[str, Any]) -> None:
    report = Verifier(clock=fixed_clock).verify(fields)

    assert [check.check for check in report.checks] == list(CHECK_NAMES)


PROOF_KEYS = [
    "type",
    "cryptosuite",
    "created",
    "expires",
    "verificationMethod",
    "proofPurpose",
    "proofValue",
    "previousProof",
    "id",
    "@context",
]


@given(st.dictionaries(st.sampled_from(PROOF_KEYS), json_values, max_size=len(PROOF_KEYS)))
@settings(max_examples=200, deadline=None)
def test_verify_never_raises_on_odd_proofs(fields: dict[str, Any]) -> None:
    document = copy.deepcopy(SIGNED)
    document["proof"].update(fields)
    second = {**SIGNED["proof"], **fields}
    proof_set = {**document, "proof": [SIGNED["proof"], second]}

    for candidate in (document, proof_set):
        report = Verifier(clock=fixed_clock).verify(candidate)
        assert [check.check for check in report.checks] == list(CHECK_NAMES)


CLR_SUBJECT_KEYS = [
    "id",
    "type",
    "verifiableCredential",
    "achievement",
    "association",
    "identifier",
]


@given(
    st.dictionaries(st.sampled_from(CLR_SUBJECT_KEYS), json_values, max_size=len(CLR_SUBJECT_KEYS)),
    st.lists(json_values | st.just(SIGNED), max_size=4),
)
@settings(max_examples=200, deadline=None)
def test_clr_shaped_json_only_raises_format_errors(
    subject: dict[str, Any], nested: list[Any]
) -> None:
    clr = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": _DID,
        "credentialSubject": {"verifiableCredential": nested, **subject},
    }

    try:
        parsed, _ = parse_credential(json.dumps(clr).encode())
    except CredentialFormatError as error:
        assert error.message
        return
    for raw in parsed.nested:  # every nested item parses on its own, or fails cleanly
        _parse_only_fails_cleanly(raw)
