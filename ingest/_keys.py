"""Ed25519 keys: multibase/multicodec Multikey encoding, did:key, verification-method documents."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

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


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    """Read an Ed25519 public key from ``publicKeyMultibase`` text (``z6Mk...``).

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
    if not raw.startswith(_ED25519_PUB_CODEC):
        raise KeyResolutionError(f"publicKeyMultibase {value!r} is not an Ed25519 key")
    key = raw[len(_ED25519_PUB_CODEC) :]
    if len(key) != _ED25519_KEY_BYTES:
        raise KeyResolutionError(f"publicKeyMultibase {value!r} does not hold 32 key bytes")
    return Ed25519PublicKey.from_public_bytes(key)


def multikey_from_public_key(public_key: Ed25519PublicKey) -> str:
    """Encode an Ed25519 public key as ``publicKeyMultibase`` text (``z6Mk...``)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return encode_multibase_base58btc(_ED25519_PUB_CODEC + raw)


def did_key_from_public_key(public_key: Ed25519PublicKey) -> str:
    """Return the ``did:key`` DID of an Ed25519 public key.

    Args:
        public_key: The key.

    Returns:
        ``did:key:z6Mk...``; its verification method is ``<did>#<z6Mk...>``.
    """
    return _DID_KEY_PREFIX + multikey_from_public_key(public_key)


def resolve_did_key(did_url: str) -> Ed25519PublicKey:
    """Resolve a ``did:key`` DID or DID URL to its Ed25519 public key, offline.

    Args:
        did_url: ``did:key:z6Mk...`` or ``did:key:z6Mk...#z6Mk...``; a fragment, when
            present, must repeat the key (the did:key verification-method form).

    Returns:
        The public key.

    Raises:
        KeyResolutionError: Not a did:key, a fragment naming another key, or not Ed25519.
    """
    if not did_url.startswith(_DID_KEY_PREFIX):
        raise KeyResolutionError(f"{did_url!r} is not a did:key")
    identifier, _, fragment = did_url[len(_DID_KEY_PREFIX) :].partition("#")
    if "#" in did_url and fragment != identifier:
        raise KeyResolutionError(
            f"{did_url!r}: a did:key verification method must be did:key:<key>#<key>"
        )
    return public_key_from_multikey(identifier)


def _public_key_from_jwk(jwk: Any) -> Ed25519PublicKey:
    if not isinstance(jwk, Mapping) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyResolutionError("publicKeyJwk is not an Ed25519 (OKP) key")
    if "d" in jwk:
        raise KeyResolutionError("publicKeyJwk must not contain a private key")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise KeyResolutionError("publicKeyJwk has no 'x'")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    except (binascii.Error, ValueError):
        raise KeyResolutionError("publicKeyJwk 'x' is not base64url") from None
    if len(raw) != _ED25519_KEY_BYTES:
        raise KeyResolutionError("publicKeyJwk 'x' does not hold 32 key bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_from_method(method: Mapping[str, Any]) -> Ed25519PublicKey:
    """Read the Ed25519 key of a verification-method object.

    Supported: ``Multikey`` and ``Ed25519VerificationKey2020`` (``publicKeyMultibase``),
    ``JsonWebKey`` and ``JsonWebKey2020`` (``publicKeyJwk`` with ``crv: Ed25519``).

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
