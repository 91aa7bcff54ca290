"""did:key and Multikey encoding, and key resolution errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ingest import KeyResolutionError, did_key_from_public_key, resolve_did_key
from ingest._keys import encode_multibase_base58btc, public_key_from_method
from tests.ingest.ingest_testkit import Json


def _raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_did_key_round_trips() -> None:
    key = Ed25519PrivateKey.generate()

    did = did_key_from_public_key(key.public_key())
    resolved = resolve_did_key(did)
    resolved_from_method = resolve_did_key(f"{did}#{did.removeprefix('did:key:')}")

    assert did.startswith("did:key:z6Mk")
    assert resolved.public_bytes(Encoding.Raw, PublicFormat.Raw) == _raw(key)
    assert resolved_from_method.public_bytes(Encoding.Raw, PublicFormat.Raw) == _raw(key)


def test_w3c_vector_key_resolves(load_json: Callable[[str], Json]) -> None:
    multikey = load_json("w3c-vc-di-eddsa/TestVectors/keyPair.json")["publicKeyMultibase"]

    key = resolve_did_key(f"did:key:{multikey}")
    assert isinstance(key, Ed25519PublicKey)

    assert did_key_from_public_key(key) == f"did:key:{multikey}"


@pytest.mark.parametrize(
    ("did_url", "reason"),
    [
        ("did:web:example.com", "not a did:key"),
        ("https://example.com/key", "not a did:key"),
        (
            "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#key-1",
            "did:key:<key>#<key>",
        ),
        (  # secp256k1: neither Ed25519 nor P-256
            "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme",
            "not an Ed25519 or P-256 key",
        ),
        ("did:key:z6Mk0OIl", "invalid publicKeyMultibase"),
        ("did:key:uAAAA", "invalid publicKeyMultibase"),
        ("did:key:" + encode_multibase_base58btc(b"\xed\x01" + bytes(31)), "32 key bytes"),
    ],
)
def test_bad_did_key_is_rejected(did_url: str, reason: str) -> None:
    with pytest.raises(KeyResolutionError, match=reason.replace("#", "\\#")) as raised:
        resolve_did_key(did_url)

    assert raised.value.code == "unresolvable-key"


@pytest.mark.parametrize(
    ("method", "reason"),
    [
        ({"type": "Multikey"}, "no publicKeyMultibase"),
        ({"type": "EcdsaSecp256k1VerificationKey2019"}, "unsupported verification method"),
        ({"type": "JsonWebKey", "publicKeyJwk": {"kty": "EC", "crv": "P-256"}}, "no 'x'"),
        (
            {"type": "JsonWebKey", "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA"}},
            "32 key bytes",
        ),
        (
            {
                "type": "JsonWebKey2020",
                "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "AA", "d": "AA"},
            },
            "private key",
        ),
    ],
)
def test_bad_verification_method_is_rejected(method: Json, reason: str) -> None:
    with pytest.raises(KeyResolutionError, match=reason):
        public_key_from_method(method)
