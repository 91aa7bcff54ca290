"""Open Badges 2.0: assertions as JSON, signed (compact JWS) or baked into PNG / SVG.

Parsing and resolving are split. `parse_signed_ob2`, `parse_baked_ob2` (the text of an
``openbadges`` image, see `ingest._baked`) and `ob2_from_document` read what the submitted
bytes contain: the assertion and, when they are embedded, its ``badge`` (BadgeClass) and
``badge.issuer`` (Profile). Linked ones (URLs) are looked up in a `DocumentStore` when one
is given (``parse_credential(raw, documents=...)``); without one the `Credential` has no
achievement and an empty issuer id, and `resolve_ob2` fills them in later. Baked images
whose payload is a hosted assertion URL need a store too (the assertion is fetched).

The decoded document handed to the verifier is the assertion itself; for a signed badge
it is a `SignedAssertion`: the JWS payload, a dict that keeps the compact JWS (the
verifier needs the exact signed bytes).

An Assertion's ``image`` must be an IRI (or an Image object with one), never a ``data:``
URI: that is a format error (``invalid-field``), as the 1EdTech validator has it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from ingest._baked import MAX_CHUNK_BYTES
from ingest._credential import (
    Achievement,
    Alignment,
    Credential,
    IssuerProfile,
    as_list,
    decode_json_object,
    parse_datetime,
    repeated_key,
)
from ingest._documents import DocumentStore
from ingest._errors import CredentialFormatError, FetchError, FormatErrorCode
from ingest._jsonld import MAX_DEPTH, nesting_depth

OB2_FORMAT: Final = "ob2"
OB2_CONTEXT: Final = "https://w3id.org/openbadges/v2"
OB1_CONTEXT: Final = "https://w3id.org/openbadges/v1"

_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_HASHES: Final[dict[str, hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256(),
    "RS384": hashes.SHA384(),
    "RS512": hashes.SHA512(),
}


class SignedAssertion(dict[str, Any]):
    """A signed OB 2.0 assertion: the JWS payload; ``compact`` is the JWS as received."""

    __slots__ = ("compact",)

    def __init__(self, payload: dict[str, Any], compact: str) -> None:
        super().__init__(payload)
        self.compact = compact


def _fail(message: str, code: FormatErrorCode = "invalid-field") -> CredentialFormatError:
    return CredentialFormatError(message, code=code)


def has_ob2_context(document: dict[str, Any]) -> bool:
    """Whether ``@context`` is (or lists) the Open Badges 2.0 context."""
    return OB2_CONTEXT in as_list(document.get("@context"))


def is_legacy_badge(document: dict[str, Any]) -> bool:
    """An Open Badges 0.5 / 1.x assertion (v1 context, or no context with badge/recipient)."""
    if OB1_CONTEXT in as_list(document.get("@context")):
        return True
    return "@context" not in document and "badge" in document and "recipient" in document


# --- compact JWS (RS256 / RS384 / RS512) ---------------------------------------------------


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def looks_like_jws(text: str) -> bool:
    """Three base64url segments separated by dots."""
    return _JWS.fullmatch(text) is not None


def decode_jws(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, payload) of a compact JWS, both JSON objects; the signature is not checked.

    Raises:
        CredentialFormatError: Not a compact JWS with JSON object header and payload.
    """
    if len(token) > MAX_CHUNK_BYTES or not looks_like_jws(token):
        raise _fail("not a compact JWS", "malformed-json")
    header_part, payload_part, _ = token.split(".")
    try:
        header_json, payload_json = _b64decode(header_part), _b64decode(payload_part)
        header = msgspec.json.decode(header_json)
        payload = msgspec.json.decode(payload_json)
    except RecursionError:
        raise _fail("JWS header or payload nesting is too deep", "too-large") from None
    except (binascii.Error, ValueError, msgspec.DecodeError) as error:
        raise _fail(f"JWS header or payload is not JSON: {error}", "malformed-json") from None
    repeated = repeated_key(header_json) or repeated_key(payload_json)
    if repeated is not None:
        raise _fail(f"JWS header or payload gives key {repeated!r} twice", "malformed-json")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise _fail("JWS header and payload must be JSON objects", "not-an-object")
    if nesting_depth(payload) > MAX_DEPTH:
        raise _fail(f"JSON nesting is deeper than {MAX_DEPTH} levels", "too-large")
    return header, payload


def sign_ob2_assertion(
    assertion: dict[str, Any], private_key: RSAPrivateKey, *, alg: str = "RS256"
) -> str:
    """Sign an OB 2.0 assertion as a compact JWS (for tests and demos).

    Args:
        assertion: The assertion (its ``verification`` should be ``SignedBadge``).
        private_key: The issuer's RSA key.
        alg: ``RS256``, ``RS384`` or ``RS512``.

    Returns:
        ``header.payload.signature``.
    """
    header = _b64encode(msgspec.json.encode({"alg": alg}))
    payload = _b64encode(msgspec.json.encode(assertion))
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = private_key.sign(signing_input, padding.PKCS1v15(), _HASHES[alg])
    return f"{header}.{payload}.{_b64encode(signature)}"


def verify_jws_signature(token: str, public_key: RSAPublicKey) -> str:
    """Check a compact JWS signature; return ``""`` when valid, else the reason."""
    header, _ = decode_jws(token)
    alg = header.get("alg")
    if alg not in _HASHES:
        return f"unsupported JWS alg {alg!r} (RS256, RS384, RS512 are)"
    header_part, payload_part, signature_part = token.split(".")
    try:
        public_key.verify(
            _b64decode(signature_part),
            f"{header_part}.{payload_part}".encode("ascii"),
            padding.PKCS1v15(),
            _HASHES[alg],
        )
    except (InvalidSignature, binascii.Error, ValueError):
        return f"the {alg} signature does not verify"
    return ""


# --- parsing ---------------------------------------------------------------------------------


def ob2_date(value: Any, path: str) -> datetime | None:
    """An OB 2.0 DateTime: ISO 8601 string or Unix timestamp (seconds), as UTC.

    Raises:
        CredentialFormatError: Neither.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _fail(f"{path}: timestamp {value} is out of range") from None
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except ValueError as error:
            raise _fail(f"{path}: {error}") from None
    raise _fail(f"{path} must be an ISO 8601 dateTime or a Unix timestamp")


def _str(value: Any, path: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _fail(f"{path} must be a string")
    return value


def reference_id(value: Any) -> str | None:
    """The id of a linked-or-embedded object: the string itself, or ``value["id"]``."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def linked(value: Any, documents: DocumentStore | None, what: str) -> dict[str, Any] | None:
    """An embedded object as is; a URL looked up in ``documents`` (None when not found).

    Raises:
        CredentialFormatError: Neither an object nor a URL.
    """
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value:
        raise _fail(
            f"{what} must be a URL or an object",
            "missing-field" if value is None else "invalid-field",
        )
    if documents is None:
        return None
    try:
        return documents.get(value)
    except FetchError:
        return None  # left unresolved; verification reports it


def _alignment(value: Any, path: str) -> Alignment:
    if not isinstance(value, dict):
        raise _fail(f"{path} must be an object")
    return Alignment(
        target_url=_str(value.get("targetUrl"), f"{path}.targetUrl"),
        target_name=_str(value.get("targetName"), f"{path}.targetName"),
        target_framework=_str(value.get("targetFramework"), f"{path}.targetFramework"),
        target_code=_str(value.get("targetCode"), f"{path}.targetCode"),
        target_description=_str(value.get("targetDescription"), f"{path}.targetDescription"),
    )


def _criteria(value: Any) -> str:
    if isinstance(value, dict):
        return _str(value.get("narrative"), "badge.criteria.narrative") or _str(
            value.get("id"), "badge.criteria.id"
        )
    return _str(value, "badge.criteria")


def achievement_from_badgeclass(badge: dict[str, Any], badge_id: str) -> Achievement:
    """An `Achievement` from an OB 2.0 BadgeClass.

    Raises:
        CredentialFormatError: Missing name, or fields of the wrong type.
    """
    tags = as_list(badge.get("tags"))
    if not all(isinstance(tag, str) for tag in tags):
        raise _fail("badge.tags must be a string or a list of strings")
    name = _str(badge.get("name"), "badge.name")
    if not name:
        raise _fail("badge.name is required", "missing-field")
    return Achievement(
        id=reference_id(badge) or badge_id,
        name=name,
        description=_str(badge.get("description"), "badge.description"),
        criteria=_criteria(badge.get("criteria")),
        tags=tuple(tags),
        alignments=tuple(
            _alignment(item, f"badge.alignment[{index}]")
            for index, item in enumerate(as_list(badge.get("alignment")))
        ),
        achievement_type="BadgeClass",
    )


def issuer_from_profile(profile: dict[str, Any], profile_id: str) -> IssuerProfile:
    """An `IssuerProfile` from an OB 2.0 issuer Profile."""
    return IssuerProfile(
        id=reference_id(profile) or profile_id,
        name=_str(profile.get("name"), "issuer.name"),
        url=_str(profile.get("url"), "issuer.url"),
    )


def proof_type(document: dict[str, Any]) -> str:
    """``HostedBadge``, ``SignedBadge/<alg>`` or the declared verification type."""
    verification = document.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    if kind in ("hosted", "HostedBadge"):
        return "HostedBadge"
    if kind in ("signed", "SignedBadge"):
        alg = (
            decode_jws(document.compact)[0].get("alg")
            if isinstance(document, SignedAssertion)
            else None
        )
        return f"SignedBadge/{alg}" if isinstance(alg, str) else "SignedBadge"
    return str(kind) if kind is not None else ""


def resolve_ob2(
    credential: Credential, document: dict[str, Any], documents: DocumentStore | None
) -> Credential:
    """Fill the achievement and issuer of an OB 2.0 credential from linked documents.

    Args:
        credential: As parsed.
        document: The decoded assertion (the second value of ``parse_credential``).
        documents: Where linked BadgeClass / Profile URLs are looked up (may fetch).

    Returns:
        The credential with achievement and issuer as far as they could be resolved.

    Raises:
        CredentialFormatError: The badge or issuer found is malformed.
    """
    badge_ref = document.get("badge")
    badge = linked(badge_ref, documents, "badge")
    if badge is None:
        return credential
    badge_id = reference_id(badge_ref) or ""
    issuer_ref = badge.get("issuer")
    profile = linked(issuer_ref, documents, "badge.issuer")
    issuer = (
        issuer_from_profile(profile, reference_id(issuer_ref) or "")
        if profile is not None
        else IssuerProfile(id=reference_id(issuer_ref) or "")
    )
    return msgspec.structs.replace(
        credential, achievements=(achievement_from_badgeclass(badge, badge_id),), issuer=issuer
    )


def _recipient_identity(document: dict[str, Any]) -> str:
    recipient = document.get("recipient")
    if not isinstance(recipient, dict):
        raise _fail("recipient is required (an IdentityObject)", "missing-field")
    identity = recipient.get("identity")
    if not isinstance(identity, str) or not identity:
        raise _fail("recipient.identity is required", "missing-field")
    return identity


def _check_assertion_image(document: dict[str, Any]) -> None:
    """An Assertion ``image``, when present, is the IRI of an image, never a data URI.

    The BadgeClass holds the unbaked image (where a data URI is allowed); the Assertion's
    own ``image`` names the baked badge image by IRI (``@id``), and the 1EdTech
    validator refuses a data URI there.
    """
    image = document.get("image")
    if image is None:
        return
    url = image.get("id") if isinstance(image, dict) else image
    if not isinstance(url, str) or not url:
        raise _fail("image must be the IRI of an image, or an Image object with an id")
    if url.strip()[:5].lower() == "data:":
        raise _fail(
            "image is a data URI; Open Badges 2.0 does not allow one in an Assertion (its "
            "image is the IRI of the baked badge image; data URIs are for BadgeClass and "
            "Profile images)"
        )


def ob2_credential(
    document: dict[str, Any], raw: bytes, documents: DocumentStore | None
) -> Credential:
    """The `Credential` of a decoded OB 2.0 assertion (linked objects via ``documents``).

    Raises:
        CredentialFormatError: Missing or invalid fields (an ``image`` that is a data URI
            among them).
    """
    types = as_list(document.get("type"))
    if "Assertion" not in types or not all(isinstance(kind, str) for kind in types):
        raise _fail("an OB 2.0 assertion must have type 'Assertion'", "unsupported-credential")
    assertion_id = document.get("id")
    if not isinstance(assertion_id, str) or not assertion_id:
        raise _fail("id is required (the assertion URL or urn:uuid)", "missing-field")
    identity = _recipient_identity(document)
    if document.get("badge") is None:
        raise _fail("badge is required", "missing-field")
    if ob2_date(document.get("issuedOn"), "issuedOn") is None:
        raise _fail("issuedOn is required", "missing-field")
    if not isinstance(document.get("verification"), dict):
        raise _fail("verification is required (hosted or signed)", "missing-field")
    _check_assertion_image(document)
    credential = Credential(
        id=assertion_id,
        types=tuple(types),
        format=OB2_FORMAT,
        issuer=IssuerProfile(id=""),
        subject_id=identity,
        achievements=(),
        valid_from=ob2_date(document.get("issuedOn"), "issuedOn"),
        valid_until=ob2_date(document.get("expires"), "expires"),
        proof_types=(proof_type(document),),
        content_hash=hashlib.sha256(raw).hexdigest(),
    )
    return resolve_ob2(credential, document, documents)


def _from_text(text: str, documents: DocumentStore | None, max_bytes: int) -> dict[str, Any]:
    """The assertion a baked payload stands for: JSON, compact JWS, or hosted URL."""
    if text.startswith("{"):
        return decode_json_object(text.encode("utf-8"), max_bytes, what="an assertion")
    if looks_like_jws(text):
        _, payload = decode_jws(text)
        return SignedAssertion(payload, text)
    if text.startswith(("https://", "http://")):
        if documents is None:
            raise _fail(
                f"the baked assertion is hosted at {text}; parsing needs a document store",
                "missing-field",
            )
        try:
            found = documents.get(text)
        except FetchError as error:
            raise _fail(f"hosted assertion {text}: {error.message}", "missing-field") from None
        if found is None:
            raise _fail(f"hosted assertion {text} is not available", "missing-field")
        return found
    raise _fail("baked payload is neither JSON, a compact JWS nor a URL", "no-baked-assertion")


def _signed_ob2(raw: bytes, max_bytes: int) -> SignedAssertion | None:
    """A compact JWS whose payload is an OB assertion, else ``None`` (JSON, VC-JWT, ...)."""
    text = raw.strip()
    if len(text) > max_bytes or text[:1] == b"{":
        return None
    try:
        token = text.decode("ascii")
        _, payload = decode_jws(token)
    except (UnicodeDecodeError, CredentialFormatError):
        return None
    if not (has_ob2_context(payload) or is_legacy_badge(payload)):
        return None  # e.g. a VC-JWT
    return SignedAssertion(payload, token)


def parse_signed_ob2(
    raw: bytes, *, max_bytes: int, documents: DocumentStore | None
) -> tuple[Credential, dict[str, Any]] | None:
    """Parse an OB 2.0 signed badge (compact JWS); ``None`` for anything else.

    Anything else (JSON, a VC-JWT) is left to the other parsers.

    Raises:
        CredentialFormatError: An OB 0.5 / 1.x assertion (``unsupported-credential``), or
            a malformed OB 2.0 assertion.
    """
    document = _signed_ob2(raw, max_bytes)
    if document is None:
        return None
    return _assertion_only(ob2_from_document(document, raw, documents), "signed")


def parse_baked_ob2(
    text: str, raw: bytes, *, max_bytes: int, documents: DocumentStore | None
) -> tuple[Credential, dict[str, Any]]:
    """Parse the text of an OB 2.0 baked image (``openbadges`` chunk or element).

    Args:
        text: The baked text: assertion JSON, compact JWS, or hosted assertion URL.
        raw: The image (hashed into ``content_hash``).
        max_bytes: Largest accepted assertion.
        documents: Where linked objects and a hosted assertion are looked up.

    Raises:
        CredentialFormatError: The text is no usable OB 2.0 assertion.
    """
    document = _from_text(text, documents, max_bytes)
    return _assertion_only(ob2_from_document(document, raw, documents), "baked")


def _assertion_only(
    result: tuple[Credential, dict[str, Any]] | None, what: str
) -> tuple[Credential, dict[str, Any]]:
    if result is None:
        raise _fail(
            f"the {what} document is not an Open Badges 2.0 assertion", "unsupported-credential"
        )
    return result


def ob2_from_document(
    document: dict[str, Any], raw: bytes, documents: DocumentStore | None
) -> tuple[Credential, dict[str, Any]] | None:
    """Parse a decoded OB 2.0 assertion; ``None`` when it is not an Open Badge.

    Raises:
        CredentialFormatError: OB 0.5 / 1.x, or a malformed OB 2.0 assertion.
    """
    if is_legacy_badge(document):
        raise _fail(
            "Open Badges 0.5 / 1.x assertions are not supported; ask the issuer for OB 2.0 "
            "or OB 3.0",
            "unsupported-credential",
        )
    if not has_ob2_context(document) or "Assertion" not in as_list(document.get("type")):
        return None  # e.g. a BadgeClass, or a VC with a stray OB 2.0 context
    return ob2_credential(document, raw, documents), document
