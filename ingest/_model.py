"""The Open Badges 3.0 / W3C VC JSON-LD parser; the model it fills is `ingest._credential`."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Final

import msgspec

from ingest._baked import extract_baked, image_kind
from ingest._credential import (
    Achievement,
    Alignment,
    Credential,
    IssuerProfile,
    as_list,
    decode_json_object,
    parse_datetime,
)
from ingest._documents import DocumentStore
from ingest._errors import CredentialFormatError, FormatErrorCode, UnknownContextError
from ingest._jose import JWT_FORMAT, is_compact_jws, jws_document
from ingest._jsonld import (
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    ContextLoader,
    check_context_entries,
    default_context_loader,
)
from ingest._ob2 import looks_like_jws, ob2_from_document, parse_baked_ob2, parse_signed_ob2

OB3_FORMAT: Final = "ob3-jsonld"
VC_FORMAT: Final = "vc-jsonld"
CLR_FORMAT: Final = "clr-jsonld"
OB3_TYPES: Final = frozenset({"OpenBadgeCredential", "AchievementCredential"})
CLR_TYPE: Final = "ClrCredential"
MAX_NESTED_CREDENTIALS: Final = 1000
"""Most credentials accepted inside one CLR bundle."""
_UNSUPPORTED_TYPES: Final = {
    "VerifiablePresentation": "presentations are not accepted; send each credential",
}


def context_version(document: dict[str, Any]) -> str | None:
    """Return ``"v1"`` / ``"v2"`` for a VC 1.1 / 2.0 ``@context``, else ``None``."""
    context = document.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return {VC_V1_CONTEXT: "v1", VC_V2_CONTEXT: "v2"}.get(first) if isinstance(first, str) else None


def issuer_id(document: dict[str, Any]) -> str | None:
    """The issuer id of a credential (``issuer`` as a string or ``issuer.id``)."""
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _fail(message: str, code: FormatErrorCode = "invalid-field") -> CredentialFormatError:
    return CredentialFormatError(message, code=code)


def _text(value: Any, path: str, *, required: bool = False) -> str:
    """Read a text field: a string, a language value ``{"@value": ...}``, or a list of them."""
    if value is None:
        if required:
            raise _fail(f"{path} is required", "missing-field")
        return ""
    if isinstance(value, list):
        texts = [_text(item, path) for item in value]
        english = [
            text
            for item, text in zip(value, texts, strict=True)
            if isinstance(item, dict) and str(item.get("@language", "")).lower().startswith("en")
        ]
        chosen = next(iter(english or [text for text in texts if text]), "")
        if required and not chosen:
            raise _fail(f"{path} is required", "missing-field")
        return chosen
    if isinstance(value, dict) and "@value" in value:
        value = value["@value"]
    if not isinstance(value, str):
        raise _fail(f"{path} must be a string")
    if required and not value:
        raise _fail(f"{path} is required", "missing-field")
    return value


def _identifier(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(
            f"{path} must be a non-empty string",
            "missing-field" if value is None else "invalid-field",
        )
    return value


def _date(document: dict[str, Any], key: str) -> datetime | None:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{key} must be a dateTime string")
    try:
        return parse_datetime(value)
    except ValueError as error:
        raise _fail(f"{key}: {error}") from None


def _types(value: Any, path: str) -> tuple[str, ...]:
    types = as_list(value)
    if not types:
        raise _fail(f"{path} is required", "missing-field")
    if not all(isinstance(item, str) for item in types):
        raise _fail(f"{path} must be a string or a list of strings")
    return tuple(types)


def _issuer(document: dict[str, Any]) -> IssuerProfile:
    issuer = document.get("issuer")
    if issuer is None:
        raise _fail("issuer is required", "missing-field")
    if isinstance(issuer, str):
        return IssuerProfile(id=_identifier(issuer, "issuer"))
    if not isinstance(issuer, dict):
        raise _fail("issuer must be a URL or an object with an id")
    return IssuerProfile(
        id=_identifier(issuer.get("id"), "issuer.id"),
        name=_text(issuer.get("name"), "issuer.name"),
        url=_text(issuer.get("url"), "issuer.url"),
    )


def _alignment(value: Any, path: str) -> Alignment:
    if not isinstance(value, dict):
        raise _fail(f"{path} must be an object")
    return Alignment(
        target_url=_text(value.get("targetUrl"), f"{path}.targetUrl"),
        target_name=_text(value.get("targetName"), f"{path}.targetName"),
        target_framework=_text(value.get("targetFramework"), f"{path}.targetFramework"),
        target_code=_text(value.get("targetCode"), f"{path}.targetCode"),
        target_type=_text(value.get("targetType"), f"{path}.targetType"),
        target_description=_text(value.get("targetDescription"), f"{path}.targetDescription"),
    )


def _criteria(value: Any, path: str) -> str:
    if isinstance(value, dict):
        return _text(value.get("narrative"), f"{path}.narrative")
    return _text(value, path)


def _achievement(value: Any, path: str) -> Achievement:
    if not isinstance(value, dict):
        raise _fail(f"{path} must be an object")
    tags = as_list(value.get("tag"))
    if not all(isinstance(tag, str) for tag in tags):
        raise _fail(f"{path}.tag must be a string or a list of strings")
    return Achievement(
        id=_identifier(value.get("id"), f"{path}.id"),
        name=_text(value.get("name"), f"{path}.name", required=True),
        description=_text(value.get("description"), f"{path}.description"),
        criteria=_criteria(value.get("criteria"), f"{path}.criteria"),
        tags=tuple(tags),
        alignments=tuple(
            _alignment(item, f"{path}.alignment[{index}]")
            for index, item in enumerate(as_list(value.get("alignment")))
        ),
        achievement_type=_text(value.get("achievementType"), f"{path}.achievementType"),
    )


def _subjects(document: dict[str, Any]) -> list[dict[str, Any]]:
    subjects = as_list(document.get("credentialSubject"))
    if not subjects:
        raise _fail("credentialSubject is required", "missing-field")
    if not all(isinstance(subject, dict) for subject in subjects):
        raise _fail("credentialSubject must be an object or a list of objects")
    return subjects


def _proof_types(document: dict[str, Any]) -> tuple[str, ...]:
    names = []
    for proof in as_list(document.get("proof")):
        if not isinstance(proof, dict) or not isinstance(proof.get("type"), str):
            raise _fail("each proof must be an object with a type")
        suite = proof.get("cryptosuite")
        names.append(f"{proof['type']}/{suite}" if isinstance(suite, str) else proof["type"])
    return tuple(names)


def _check_kind(document: dict[str, Any], loader: ContextLoader) -> tuple[str, ...]:
    if "@context" not in document:
        raise _fail("@context is required", "missing-field")
    if context_version(document) is None:
        raise _fail(
            f"not a W3C Verifiable Credential: @context must start with {VC_V2_CONTEXT!r} "
            f"or {VC_V1_CONTEXT!r}",
            "unsupported-credential",
        )
    check_context_entries(document)
    unknown = loader.unknown(document)
    if unknown:
        raise UnknownContextError(unknown[0])
    types = _types(document.get("type"), "type")
    for kind, reason in _UNSUPPORTED_TYPES.items():
        if kind in types:
            raise _fail(reason, "unsupported-credential")
    if "VerifiableCredential" not in types:
        raise _fail("type must include 'VerifiableCredential'", "unsupported-credential")
    return types


def parse_credential(
    raw: bytes,
    *,
    max_bytes: int = 1_000_000,
    contexts: ContextLoader | None = None,
    documents: DocumentStore | None = None,
) -> tuple[Credential, dict[str, Any]]:
    """Parse a JSON-LD W3C Verifiable Credential (Open Badges 3.0 in particular).

    A compact JWS (VC-JWT, see `ingest._jose`) is decoded first: its credential is parsed
    the same way, ``format`` is ``"vc-jwt"``, ``proof_types`` is ``("JWS/<alg>",)`` and the
    returned document is a `JwsDocument` (a dict that keeps the compact string for
    `Verifier.verify`). A baked PNG or SVG (`ingest._baked`) is parsed as what it holds: an
    Open Badges 3.0 image (``openbadgecredential``) as its OpenBadgeCredential, JSON or
    VC-JWT; an Open Badges 2.0 image (``openbadges``) as its assertion. ``content_hash`` is
    then the image's.

    Parsing checks shape only; it does not verify anything (see `Verifier.verify`).

    Args:
        raw: The document as received (kept by callers; hashed into ``content_hash``).
        max_bytes: Largest accepted input.
        contexts: Context URLs accepted (default: the bundled ones).
        documents: Open Badges 2.0 only (`ingest._ob2`): where linked BadgeClass / issuer
            URLs and hosted baked assertions are looked up; without it they stay unresolved.

    Returns:
        The model and the decoded JSON document (to pass to `Verifier.verify`).

    Raises:
        CredentialFormatError: Malformed JSON, not an object, too large or too deep,
            missing or invalid fields (a NUL character in any text, which no database
            stores), or a document that is not a supported credential.
        UnknownContextError: A ``@context`` URL is not bundled (it is never fetched).
    """
    credential, document = _parse_credential(
        raw, max_bytes=max_bytes, contexts=contexts, documents=documents
    )
    if _holds_nul(credential):
        raise _fail("the credential holds a NUL character in its text", "invalid-field")
    return credential, document


def _holds_nul(value: Any) -> bool:
    """Whether any text of a parsed model (nested models, tuples included) holds NUL."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, tuple | list):
            stack.extend(item)
        elif isinstance(item, msgspec.Struct):
            stack.extend(msgspec.structs.astuple(item))
    return False


def _parse_credential(
    raw: bytes,
    *,
    max_bytes: int = 1_000_000,
    contexts: ContextLoader | None = None,
    documents: DocumentStore | None = None,
) -> tuple[Credential, dict[str, Any]]:
    """`parse_credential` without the final check of the model's text."""
    content = raw  # what holds the credential: the bytes, or the text baked into them
    baked = extract_baked(raw) if image_kind(raw) is not None else None
    if baked is not None and baked.version == "ob2":
        return parse_baked_ob2(baked.text, raw, max_bytes=max_bytes, documents=documents)
    if baked is not None:
        content = _baked_ob3_content(baked.text)
    else:
        ob2 = parse_signed_ob2(raw, max_bytes=max_bytes, documents=documents)
        if ob2 is not None:
            return ob2
    jws = None
    document: dict[str, Any]
    if is_compact_jws(content):  # VC-JWT: a JwsDocument that keeps the compact JWS
        document, jws = jws_document(content, max_bytes=max_bytes)
    else:
        document = decode_json_object(content, max_bytes)
        ob2 = ob2_from_document(document, raw, documents)  # OB 2.0 JSON (0.5/1.x refused)
        if ob2 is not None and baked is not None:
            raise _fail(
                "the 'openbadgecredential' image holds an Open Badges 2.0 assertion, which "
                "is baked as 'openbadges'",
                "unsupported-credential",
            )
        if ob2 is not None:
            return ob2
    types = _check_kind(document, contexts or default_context_loader())
    is_badge = not OB3_TYPES.isdisjoint(types)
    is_clr = CLR_TYPE in types
    if is_clr and jws:
        raise _fail("a CLR bundle secured as a VC-JWT is not supported", "unsupported-credential")
    subjects = _subjects(document)
    achievements = tuple(
        _achievement(achievement, f"credentialSubject[{index}].achievement")
        for index, subject in enumerate(subjects)
        for achievement in as_list(subject.get("achievement"))
    )
    if is_badge and not is_clr and not achievements:
        raise _fail("credentialSubject.achievement is required", "missing-field")
    if baked is not None and (is_clr or not is_badge):
        raise _fail(
            "a baked Open Badges 3.0 image must hold an OpenBadgeCredential "
            f"(or AchievementCredential), not {' / '.join(types)}",
            "unsupported-credential",
        )
    nested = _nested_credentials(subjects) if is_clr else ()
    subject_id = subjects[0].get("id")
    v1 = context_version(document) == "v1"
    credential_id = document.get("id")
    if credential_id is not None and not isinstance(credential_id, str):
        raise _fail("id must be a string")
    return (
        Credential(
            id=credential_id,
            types=types,
            format=(
                JWT_FORMAT
                if jws
                else CLR_FORMAT
                if is_clr
                else OB3_FORMAT
                if is_badge
                else VC_FORMAT
            ),
            issuer=_issuer(document),
            subject_id=subject_id if isinstance(subject_id, str) else None,
            achievements=achievements,
            valid_from=_date(document, "issuanceDate" if v1 else "validFrom"),
            valid_until=_date(document, "expirationDate" if v1 else "validUntil"),
            proof_types=(jws.proof_type,) if jws else _proof_types(document),
            content_hash=hashlib.sha256(raw).hexdigest(),
            name=_text(document.get("name"), "name"),
            nested=nested,
        ),
        document,
    )


def _baked_ob3_content(text: str) -> bytes:
    """The bytes of an ``openbadgecredential`` payload: credential JSON or a VC-JWT."""
    content = text.encode("utf-8")
    if not (text.startswith("{") or looks_like_jws(text)):
        raise _fail(
            "the baked Open Badges 3.0 payload is neither credential JSON nor a compact JWS "
            "(VC-JWT)",
            "no-baked-assertion",
        )
    return content


def _format(*, jws: bool, clr: bool, badge: bool) -> str:
    if jws:
        return JWT_FORMAT
    return CLR_FORMAT if clr else OB3_FORMAT if badge else VC_FORMAT


def _nested_credentials(subjects: list[dict[str, Any]]) -> tuple[bytes, ...]:
    """Serialise each ``ClrSubject.verifiableCredential`` item for its own parse and verify."""
    nested: list[bytes] = []
    for index, subject in enumerate(subjects):
        for position, item in enumerate(as_list(subject.get("verifiableCredential"))):
            path = f"credentialSubject[{index}].verifiableCredential[{position}]"
            if isinstance(item, dict):
                if CLR_TYPE in as_list(item.get("type")):
                    raise _fail(f"{path} is a CLR inside a CLR, which is not accepted")
                nested.append(msgspec.json.encode(item))
            elif isinstance(item, str) and is_compact_jws(item.encode("utf-8")):
                nested.append(item.encode("utf-8"))
            else:
                raise _fail(f"{path} must be a credential object or a VC-JWT string")
    if len(nested) > MAX_NESTED_CREDENTIALS:
        raise _fail(
            f"the CLR holds {len(nested)} credentials; at most {MAX_NESTED_CREDENTIALS}",
            "too-large",
        )
    if not nested and not any(as_list(s.get("achievement")) for s in subjects):
        raise _fail(
            "a CLR needs credentialSubject.verifiableCredential or credentialSubject.achievement",
            "missing-field",
        )
    return tuple(nested)
