"""Keys: multibase/multicodec Multikey encoding, did:key, verification-method documents.

Ed25519 (``z6Mk...``) and P-256 (``zDn...``, via `ingest._ecdsa`) Multikeys; JWKs also RSA.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import base58
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ingest._ecdsa import (
    P256_PUB_CODEC,
    PublicKey,
    p256_from_compressed,
    p256_multikey_bytes,
    public_key_from_jwk,
)
from ingest._errors import KeyResolutionError

_ED25519_PUB_CODEC: Final = b"\xed\x01"  # multicodec ed25519-pub, as an unsigned varint
_ED25519_KEY_BYTES: Final = 32
_DID_KEY_PREFIX: Final = "did:key:"

MULTIKEY_TYPES: Final = frozenset({"Multikey", "Ed25519VerificationKey2020"})
JWK_TYPES: Final = frozenset({"JsonWebKey", "JsonWebKey2020"})


def decode_multibase_base58btc(value: str) -> bytes:
    """Decode a multibase base58btc string (``z`` prefix).

    Args:
        value: Multibase text.

    Returns:
        The decoded bytes.

    Raises:
        ValueError: Not base58btc multibase.
    """
    if not value.startswith("z") or len(value) < 2:  # noqa: PLR2004
        raise ValueError("not base58btc multibase (expected a 'z' prefix)")
    return bytes(base58.b58decode(value[1:]))


def encode_multibase_base58btc(data: bytes) -> str:
    """Encode bytes as multibase base58btc (``z`` prefix)."""
    return "z" + base58.b58encode(data).decode("ascii")


def public_key_from_multikey(value: str) -> PublicKey:
    """Read an Ed25519 (``z6Mk...``) or P-256 (``zDn...``) key from ``publicKeyMultibase``.

    Args:
        value: Multibase base58btc of the multicodec ``ed25519-pub`` prefix + 32 key bytes.

    Returns:
        The public key.

    Raises:
        KeyResolutionError: Not an Ed25519 Multikey.
    """
    try:
        raw = decode_multibase_base58btc(value)
    except ValueError as error:
        raise KeyResolutionError(f"invalid publicKeyMultibase {value!r}: {error}") from None
    if raw.startswith(P256_PUB_CODEC):
        return p256_from_compressed(raw[len(P256_PUB_CODEC) :])
    if not raw.startswith(_ED25519_PUB_CODEC):
        raise KeyResolutionError(f"publicKeyMultibase {value!r} is not an Ed25519 or P-256 key")
    key = raw[len(_ED25519_PUB_CODEC) :]
    if len(key) != _ED25519_KEY_BYTES:
        raise KeyResolutionError(f"publicKeyMultibase {value!r} does not hold 32 key bytes")
    return Ed25519PublicKey.from_public_bytes(key)


def multikey_from_public_key(public_key: Ed25519PublicKey | EllipticCurvePublicKey) -> str:
    """Encode an Ed25519 (``z6Mk...``) or P-256 (``zDn...``) key as ``publicKeyMultibase``."""
    if isinstance(public_key, EllipticCurvePublicKey):
        return encode_multibase_base58btc(p256_multikey_bytes(public_key))
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return encode_multibase_base58btc(_ED25519_PUB_CODEC + raw)


def did_key_from_public_key(public_key: Ed25519PublicKey | EllipticCurvePublicKey) -> str:
    """Return the ``did:key`` DID of an Ed25519 or P-256 public key.

    Args:
        public_key: The key.

    Returns:
        ``did:key:z6Mk...`` (P-256: ``did:key:zDn...``); its verification method is
        ``<did>#<z6Mk...>``.
    """
    return _DID_KEY_PREFIX + multikey_from_public_key(public_key)


def resolve_did_key(did_url: str) -> PublicKey:
    """Resolve a ``did:key`` DID or DID URL to its Ed25519 or P-256 public key, offline.

    Args:
        did_url: ``did:key:z6Mk...`` or ``did:key:z6Mk...#z6Mk...``; a fragment, when
            present, must repeat the key (the did:key verification-method form).

    Returns:
        The public key.

    Raises:
        KeyResolutionError: Not a did:key, a fragment naming another key, or neither
            Ed25519 nor P-256.
    """
    if not did_url.startswith(_DID_KEY_PREFIX):
        raise KeyResolutionError(f"{did_url!r} is not a did:key")
    identifier, _, fragment = did_url[len(_DID_KEY_PREFIX) :].partition("#")
    if "#" in did_url and fragment != identifier:
        raise KeyResolutionError(
            f"{did_url!r}: a did:key verification method must be did:key:<key>#<key>"
        )
    return public_key_from_multikey(identifier)


def _public_key_from_jwk(jwk: Any) -> PublicKey:
    return public_key_from_jwk(jwk)


def public_key_from_method(method: Mapping[str, Any]) -> PublicKey:
    """Read the public key of a verification-method object.

    Supported: ``Multikey`` and ``Ed25519VerificationKey2020`` (``publicKeyMultibase``,
    Ed25519 or P-256), ``JsonWebKey`` and ``JsonWebKey2020`` (``publicKeyJwk``: Ed25519,
    P-256 or RSA).

    Args:
        method: The verification-method object.

    Returns:
        The public key.

    Raises:
        KeyResolutionError: Unsupported type or bad key material.
    """
    kind = method.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if kinds & MULTIKEY_TYPES:
        multibase = method.get("publicKeyMultibase")
        if not isinstance(multibase, str):
            raise KeyResolutionError(f"{kind} verification method has no publicKeyMultibase")
        return public_key_from_multikey(multibase)
    if kinds & JWK_TYPES:
        return _public_key_from_jwk(method.get("publicKeyJwk"))
    raise KeyResolutionError(
        f"unsupported verification method type {kind!r} "
        f"(supported: {', '.join(sorted(MULTIKEY_TYPES | JWK_TYPES))})"
    )
