"""VC-JWT: credentials secured as a compact JWS (W3C VC-JOSE-COSE and the VC 1.1 JWT form).

A submission whose bytes (surrounding whitespace aside) are ``header.payload.signature``
in base64url is a compact JWS. Its payload is either the credential itself (VC 2.0
``application/vc+jwt``) or a JWT claims set holding it in ``vc`` (VC 1.1), whose registered
claims are mapped onto it: ``iss`` -> ``issuer`` (id), ``sub`` -> ``credentialSubject.id``,
``jti`` -> ``id``, ``nbf`` / ``exp`` -> ``issuanceDate`` / ``expirationDate`` (``validFrom``
/ ``validUntil`` under a VC 2.0 context). Accepted ``alg``: ``EdDSA`` (Ed25519), ``ES256``
(P-256) and ``RS256``; ``none`` and anything else are refused. The key is the header
``kid``, a verification-method URL (a bare ``did:key`` or ``did:jwk`` DID is completed with
its fragment).

`decode_jws` returns a `JwsDocument`: the decoded credential (a plain ``dict`` subclass)
that also keeps the original compact string in ``.compact``. `Verifier.verify` recognises
it and checks the JWS signature (check ``proof``) against the document it re-derives from
``.compact``; a JSON document never becomes a `JwsDocument`, and a copy made with
``dict(document)`` is an ordinary credential without a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, cast

import msgspec

from ingest._credential import repeated_key
from ingest._ecdsa import Algorithm, b64url_decode
from ingest._errors import CredentialFormatError
from ingest._jsonld import MAX_DEPTH, VC_V2_CONTEXT, nesting_depth

JWT_FORMAT: Final = "vc-jwt"
ALGORITHMS: Final[frozenset[str]] = frozenset({"EdDSA", "ES256", "RS256"})
_ACCEPTED_TYP: Final = frozenset(
    {"JWT", "vc+jwt", "application/vc+jwt", "vc+ld+json+jwt", "application/vc+ld+json+jwt"}
)
_COMPACT: Final = re.compile(
    rb"[ \t\r\n]*([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)[ \t\r\n]*"
)
_MAX_NUMERIC_DATE: Final = 253402300799  # 9999-12-31T23:59:59Z


class JwsDocument(dict[str, Any]):
    """A credential decoded from a compact JWS; ``compact`` is the JWS as received."""

    __slots__ = ("compact",)

    def __init__(self, document: dict[str, Any], compact: str) -> None:
        super().__init__(document)
        self.compact = compact


@dataclass(frozen=True, slots=True)
class DecodedJws:
    """The parts of a compact JWS and the credential it carries."""

    algorithm: Algorithm
    header: dict[str, Any]
    claims: dict[str, Any]
    document: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def proof_type(self) -> str:
        """``JWS/<alg>``, as `Credential.proof_types` names it."""
        return f"JWS/{self.algorithm}"


def _fail(message: str, code: Any = "invalid-field") -> CredentialFormatError:
    return CredentialFormatError(message, code=code)


def is_compact_jws(raw: bytes) -> bool:
    """Whether ``raw`` is meant as a compact JWS (not JSON: it holds dots, no brace first)."""
    stripped = raw.strip()
    return not stripped.startswith((b"{", b"[")) and stripped.count(b".") == 2  # noqa: PLR2004


def _json_part(part: bytes, what: str) -> dict[str, Any]:
    try:
        decoded = b64url_decode(part.decode("ascii"))
        value = msgspec.json.decode(decoded)
    except RecursionError:
        raise _fail(f"JWS {what} nesting is too deep", "too-large") from None
    except (ValueError, msgspec.DecodeError):
        raise _fail(f"JWS {what} is not base64url JSON", "malformed-json") from None
    repeated = repeated_key(decoded)
    if repeated is not None:  # RFC 7515 section 4: reject, never read one way
        raise _fail(f"JWS {what} gives key {repeated!r} twice", "malformed-json")
    if not isinstance(value, dict):
        raise _fail(f"JWS {what} must be a JSON object", "not-an-object")
    if nesting_depth(value) > MAX_DEPTH:
        raise _fail(f"JWS {what} nesting is deeper than {MAX_DEPTH} levels", "too-large")
    return value


def _header_algorithm(header: dict[str, Any]) -> Algorithm:
    alg = header.get("alg")
    if alg == "none" or alg is None:
        raise _fail(
            "unsecured JWS (alg 'none' or no alg) is not accepted", "unsupported-credential"
        )
    if alg not in ALGORITHMS:
        raise _fail(
            f"JWS alg {alg!r} is not supported (supported: EdDSA, ES256, RS256)",
            "unsupported-credential",
        )
    if "crit" in header or header.get("b64", True) is not True:
        raise _fail("JWS with critical header parameters (crit, b64) is not supported")
    typ = header.get("typ")
    if typ is not None and typ not in _ACCEPTED_TYP:
        raise _fail(f"JWS typ {typ!r} is not a verifiable-credential JWT", "unsupported-credential")
    return cast(Algorithm, alg)


def _numeric_date(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"JWT {name} must be a NumericDate (seconds since the epoch)")
    if not 0 <= value <= _MAX_NUMERIC_DATE:
        raise _fail(f"JWT {name} {value!r} is out of range")
    return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _v1_document(claims: dict[str, Any]) -> dict[str, Any]:
    """The credential of a VC 1.1 JWT claims set: ``vc`` with the registered claims mapped."""
    vc = claims["vc"]
    if not isinstance(vc, dict):
        raise _fail("JWT vc claim must be an object", "not-an-object")
    document = dict(vc)
    context = as_first(document.get("@context"))
    start_key, end_key = (
        ("validFrom", "validUntil")
        if context == VC_V2_CONTEXT
        else ("issuanceDate", "expirationDate")
    )
    for claim, key in (("nbf", start_key), ("exp", end_key)):
        value = _numeric_date(claims, claim)
        if value is not None:
            document[key] = value
    iss = claims.get("iss")
    if iss is not None:
        if not isinstance(iss, str):
            raise _fail("JWT iss must be a string")
        issuer = document.get("issuer")
        document["issuer"] = {**issuer, "id": iss} if isinstance(issuer, dict) else iss
    jti = claims.get("jti")
    if jti is not None:
        if not isinstance(jti, str):
            raise _fail("JWT jti must be a string")
        document["id"] = jti
    sub = claims.get("sub")
    if sub is not None:
        subject = document.get("credentialSubject")
        if not isinstance(sub, str) or not isinstance(subject, dict):
            raise _fail("JWT sub needs a string sub and a single credentialSubject object")
        document["credentialSubject"] = {**subject, "id": sub}
    return document


def as_first(value: Any) -> Any:
    """The first entry of a JSON-LD list (or the value itself)."""
    return value[0] if isinstance(value, list) and value else value


def _issuer_id(document: dict[str, Any]) -> Any:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def credential_of(claims: dict[str, Any]) -> dict[str, Any]:
    """The credential a JWS payload carries (VC 1.1 ``vc`` claim, or the payload itself).

    Raises:
        CredentialFormatError: Neither form, or registered claims that contradict the VC.
    """
    if "vc" in claims:
        return _v1_document(claims)
    if "@context" not in claims:
        raise _fail(
            "JWS payload is neither a credential nor a JWT with a vc claim", "missing-field"
        )
    iss = claims.get("iss")
    if iss is not None and iss != _issuer_id(claims):
        raise _fail(f"JWT iss {iss!r} is not the credential issuer")
    return dict(claims)


def decode_jws(raw: bytes | str, *, max_bytes: int = 1_000_000) -> DecodedJws:
    """Split, decode and check the shape of a compact JWS credential (no signature check).

    Raises:
        CredentialFormatError: Not a compact JWS, bad base64url or JSON, an alg that is not
            accepted, or a payload that is not a credential.
    """
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    if len(data) > max_bytes:
        raise _fail(f"document is {len(data)} bytes; the limit is {max_bytes}", "too-large")
    match = _COMPACT.fullmatch(data)
    if match is None:
        raise _fail("not a compact JWS (header.payload.signature in base64url)", "malformed-json")
    header_part, payload_part, signature_part = match.groups()
    header = _json_part(header_part, "header")
    algorithm = _header_algorithm(header)
    claims = _json_part(payload_part, "payload")
    try:
        signature = b64url_decode(signature_part.decode("ascii"))
    except ValueError:
        raise _fail("JWS signature is not base64url", "malformed-json") from None
    return DecodedJws(
        algorithm=algorithm,
        header=header,
        claims=claims,
        document=credential_of(claims),
        signing_input=header_part + b"." + payload_part,
        signature=signature,
    )


def jws_document(raw: bytes, *, max_bytes: int) -> tuple[JwsDocument, DecodedJws]:
    """(`JwsDocument` for `Verifier.verify`, the decoded JWS) of a compact JWS submission."""
    decoded = decode_jws(raw, max_bytes=max_bytes)
    compact = raw.strip().decode("ascii")
    return JwsDocument(decoded.document, compact), decoded


def method_of_kid(kid: str) -> str:
    """The verification-method URL of a ``kid``; a bare did:key / did:jwk gets its fragment."""
    if "#" not in kid and kid.startswith("did:key:"):
        return f"{kid}#{kid.removeprefix('did:key:')}"
    if "#" not in kid and kid.startswith("did:jwk:"):
        return f"{kid}#0"
    return kid
