"""Key types beyond Ed25519 and raw signatures: P-256 (ECDSA), RSA, JWKs, ``did:jwk``.

Signatures are raw bytes as JOSE and Data Integrity carry them: Ed25519 (64 bytes), ECDSA
P-256 with SHA-256 as ``r || s`` (64 bytes, big-endian, IEEE P1363), RSASSA-PKCS1-v1_5 with
SHA-256. Algorithms are named as in JOSE: ``EdDSA``, ``ES256``, ``RS256``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Final, Literal

import msgspec
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ingest._errors import KeyResolutionError

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey
"""A public key usable for verification (P-256 only among elliptic curves, RSA >= 2048 bits)."""

SigningKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
"""A private key the Data Integrity signing helpers accept (Ed25519 or P-256)."""

Algorithm = Literal["EdDSA", "ES256", "RS256"]

P256_PUB_CODEC: Final = b"\x80\x24"  # multicodec p256-pub (0x1200), as an unsigned varint
_P256_COMPRESSED_BYTES: Final = 33
_P256_COORDINATE_BYTES: Final = 32
_MIN_RSA_BITS: Final = 2048
_DID_JWK_PREFIX: Final = "did:jwk:"


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url (RFC 7515 section 2); ``ValueError`` when invalid."""
    if not text.isascii() or "=" in text or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None


def b64url_encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def p256_from_compressed(point: bytes) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its 33-byte compressed SEC1 point.

    Raises:
        KeyResolutionError: Not a compressed point on P-256.
    """
    if len(point) != _P256_COMPRESSED_BYTES:
        raise KeyResolutionError("a P-256 Multikey must hold a 33-byte compressed point")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise KeyResolutionError("the P-256 Multikey is not a point on the curve") from None


def p256_multikey_bytes(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Multicodec ``p256-pub`` prefix + compressed point (the bytes of a ``zDn...`` Multikey)."""
    if not isinstance(public_key.curve, ec.SECP256R1):
        raise ValueError("only P-256 keys have a Multikey encoding here")
    return P256_PUB_CODEC + public_key.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)


def _jwk_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise KeyResolutionError(f"publicKeyJwk has no {name!r}")
    try:
        return b64url_decode(value)
    except ValueError:
        raise KeyResolutionError(f"publicKeyJwk {name!r} is not base64url") from None


def public_key_from_jwk(jwk: Any) -> PublicKey:
    """Read a public JWK: ``OKP``/``Ed25519``, ``EC``/``P-256`` or ``RSA`` (>= 2048 bits).

    Raises:
        KeyResolutionError: Another key type or curve, private key material, bad values.
    """
    if not isinstance(jwk, Mapping):
        raise KeyResolutionError("publicKeyJwk is not an object")
    if any(name in jwk for name in ("d", "p", "q", "dp", "dq", "qi")):
        raise KeyResolutionError("publicKeyJwk must not contain a private key")
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if kty == "OKP" and crv == "Ed25519":
        raw = _jwk_bytes(jwk, "x")
        if len(raw) != _P256_COORDINATE_BYTES:
            raise KeyResolutionError("publicKeyJwk 'x' does not hold 32 key bytes")
        return Ed25519PublicKey.from_public_bytes(raw)
    if kty == "EC" and crv == "P-256":
        x, y = _jwk_bytes(jwk, "x"), _jwk_bytes(jwk, "y")
        if len(x) != _P256_COORDINATE_BYTES or len(y) != _P256_COORDINATE_BYTES:
            raise KeyResolutionError("publicKeyJwk P-256 coordinates must be 32 bytes each")
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + x + y)
        except ValueError:
            raise KeyResolutionError("publicKeyJwk is not a point on P-256") from None
    if kty == "RSA":
        n = int.from_bytes(_jwk_bytes(jwk, "n"), "big")
        e = int.from_bytes(_jwk_bytes(jwk, "e"), "big")
        if n.bit_length() < _MIN_RSA_BITS:
            raise KeyResolutionError(f"publicKeyJwk RSA modulus is under {_MIN_RSA_BITS} bits")
        try:
            return rsa.RSAPublicNumbers(e, n).public_key()
        except (ValueError, UnsupportedAlgorithm):
            raise KeyResolutionError("publicKeyJwk is not a valid RSA key") from None
    raise KeyResolutionError(
        f"publicKeyJwk kty {kty!r} crv {crv!r} is not an Ed25519 (OKP), P-256 (EC) or RSA key"
    )


def jwk_from_public_key(public_key: PublicKey) -> dict[str, str]:
    """The public JWK of a key (for did:jwk and tests)."""
    if isinstance(public_key, Ed25519PublicKey):
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(raw)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url_encode(numbers.x.to_bytes(_P256_COORDINATE_BYTES, "big")),
            "y": b64url_encode(numbers.y.to_bytes(_P256_COORDINATE_BYTES, "big")),
        }
    numbers_rsa = public_key.public_numbers()
    return {
        "kty": "RSA",
        "n": b64url_encode(numbers_rsa.n.to_bytes((numbers_rsa.n.bit_length() + 7) // 8, "big")),
        "e": b64url_encode(numbers_rsa.e.to_bytes((numbers_rsa.e.bit_length() + 7) // 8, "big")),
    }


def did_jwk_from_public_key(public_key: PublicKey) -> str:
    """``did:jwk:<base64url(JWK JSON)>``; its verification method is ``<did>#0``."""
    return _DID_JWK_PREFIX + b64url_encode(msgspec.json.encode(jwk_from_public_key(public_key)))


def resolve_did_jwk(did_url: str) -> PublicKey:
    """Resolve ``did:jwk:<jwk>`` or ``did:jwk:<jwk>#0`` to its public key, offline.

    Raises:
        KeyResolutionError: Not a did:jwk, another fragment, or a bad or unsupported JWK.
    """
    if not did_url.startswith(_DID_JWK_PREFIX):
        raise KeyResolutionError(f"{did_url!r} is not a did:jwk")
    identifier, hash_sign, fragment = did_url[len(_DID_JWK_PREFIX) :].partition("#")
    if hash_sign and fragment != "0":
        raise KeyResolutionError(f"{did_url!r}: a did:jwk verification method is <did>#0")
    try:
        jwk = msgspec.json.decode(b64url_decode(identifier))
    except (ValueError, msgspec.DecodeError):
        raise KeyResolutionError(f"{did_url!r} does not hold a base64url JSON JWK") from None
    return public_key_from_jwk(jwk)


def key_problem(algorithm: Algorithm, public_key: PublicKey) -> str | None:
    """Why ``public_key`` cannot verify ``algorithm`` signatures, or ``None``."""
    if algorithm == "EdDSA" and isinstance(public_key, Ed25519PublicKey):
        return None
    if (
        algorithm == "ES256"
        and isinstance(public_key, ec.EllipticCurvePublicKey)
        and isinstance(public_key.curve, ec.SECP256R1)
    ):
        return None
    if (
        algorithm == "RS256"
        and isinstance(public_key, rsa.RSAPublicKey)
        and public_key.key_size >= _MIN_RSA_BITS
    ):
        return None
    return f"the key is not a {_KEY_NAMES[algorithm]} key"


_KEY_NAMES: Final = {"EdDSA": "Ed25519", "ES256": "P-256", "RS256": "RSA (>= 2048 bits)"}


def verify_raw(algorithm: Algorithm, data: bytes, signature: bytes, public_key: PublicKey) -> bool:
    """Check a raw ``algorithm`` signature over ``data``; a key of another type fails."""
    if key_problem(algorithm, public_key) is not None:
        return False
    try:
        if isinstance(public_key, Ed25519PublicKey):
            public_key.verify(signature, data)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(signature) != 2 * _P256_COORDINATE_BYTES:
                return False
            r = int.from_bytes(signature[:_P256_COORDINATE_BYTES], "big")
            s = int.from_bytes(signature[_P256_COORDINATE_BYTES:], "big")
            public_key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_raw(
    data: bytes, private_key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
) -> bytes:
    """Sign ``data`` (EdDSA, ES256 as ``r || s``, or RS256 by key type); for tests and demos."""
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key.sign(data)
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise ValueError("only P-256 elliptic-curve keys are supported")
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(_P256_COORDINATE_BYTES, "big") + s.to_bytes(_P256_COORDINATE_BYTES, "big")
    return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
