"""The model every credential parser fills, and the JSON helpers the parsers share.

`ingest._model` (JSON-LD and VC-JWT credentials) hands Open Badges 2.0 input to `ingest._ob2`;
both build a `Credential` from a decoded JSON object. What both need lives here, below both,
so that `ingest._ob2` does not import the parser that imports it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import msgspec

from ingest._errors import CredentialFormatError, FormatErrorCode
from ingest._jsonld import MAX_DEPTH, nesting_depth


class Alignment(msgspec.Struct, frozen=True, kw_only=True):
    """An achievement's alignment to a framework item (OB 3.0 ``Alignment``)."""

    target_url: str = ""
    target_name: str = ""
    target_framework: str = ""
    target_code: str = ""
    target_type: str = ""
    target_description: str = ""


class Achievement(msgspec.Struct, frozen=True, kw_only=True):
    """What was achieved (OB 3.0 ``Achievement``); the input of skill mapping."""

    id: str
    name: str
    description: str = ""
    criteria: str = ""
    tags: tuple[str, ...] = ()
    alignments: tuple[Alignment, ...] = ()
    achievement_type: str = ""


class IssuerProfile(msgspec.Struct, frozen=True, kw_only=True):
    """The issuer as the credential describes it (not yet verified)."""

    id: str
    name: str = ""
    url: str = ""


class Credential(msgspec.Struct, frozen=True, kw_only=True):
    """One parsed credential. Nothing here is verified: see `Verifier`.

    Attributes:
        id: The credential ``id``, when it has one.
        types: The ``type`` values.
        format: ``"ob3-jsonld"`` (OpenBadgeCredential / AchievementCredential),
            ``"clr-jsonld"`` (a CLR 2.0 ``ClrCredential`` bundle), ``"vc-jsonld"`` (any other
            W3C VC in JSON-LD), or ``"vc-jwt"`` (a VC secured as a compact JWS, whatever
            its types).
        issuer: The issuer.
        subject_id: ``credentialSubject.id`` (first subject), when present.
        achievements: Achievements of every subject, in order. For a CLR bundle, only
            those its subject lists directly (``ClrSubject.achievement``); the nested
            credentials carry their own.
        valid_from: ``validFrom`` (VC 2.0) or ``issuanceDate`` (VC 1.1), UTC.
        valid_until: ``validUntil`` (VC 2.0) or ``expirationDate`` (VC 1.1), UTC.
        proof_types: ``type/cryptosuite`` of each proof, e.g.
            ``"DataIntegrityProof/eddsa-rdfc-2022"``.
        content_hash: SHA-256 (hex) of the raw bytes, for idempotent ingest.
        name: The credential ``name``.
        nested: A CLR bundle's nested credentials (``ClrSubject.verifiableCredential``),
            each serialised on its own (a JSON object as UTF-8 JSON, a VC-JWT as its compact
            string) so it can be parsed and verified on its own; empty otherwise.
    """

    id: str | None
    types: tuple[str, ...]
    format: str
    issuer: IssuerProfile
    subject_id: str | None
    achievements: tuple[Achievement, ...]
    valid_from: datetime | None
    valid_until: datetime | None
    proof_types: tuple[str, ...]
    content_hash: str
    name: str = ""
    nested: tuple[bytes, ...] = ()


# XSD dateTime (the lexical form VCs use); Python's fromisoformat alone accepts far more.
_DATETIME = re.compile(
    r"(?P<main>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?"
)


def parse_datetime(value: str) -> datetime:
    """Parse an XSD ``dateTime``; a missing time zone is taken as UTC.

    Args:
        value: e.g. ``2024-05-01T12:00:00Z``.

    Returns:
        An aware datetime in UTC.

    Raises:
        ValueError: Not an XSD dateTime.
    """
    match = _DATETIME.fullmatch(value)
    if match is None:
        raise ValueError(f"{value!r} is not an XSD dateTime")
    text = match["main"]
    if match["fraction"]:
        text += "." + match["fraction"][:6].ljust(6, "0")
    zone = match["zone"]
    text += "+00:00" if zone in (None, "Z") else zone
    try:
        return datetime.fromisoformat(text).astimezone(UTC)  # month 13, year 0, ...
    except OverflowError:
        raise ValueError(f"{value!r} is out of range") from None


def as_list(value: Any) -> list[Any]:
    """JSON-LD "one or many": ``None`` -> ``[]``, a list stays, anything else -> ``[value]``."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _fail(message: str, code: FormatErrorCode = "invalid-field") -> CredentialFormatError:
    return CredentialFormatError(message, code=code)


def decode_json_object(raw: bytes, max_bytes: int, *, what: str = "a credential") -> dict[str, Any]:
    """Decode a JSON object within the size and nesting limits, or raise a format error."""
    if len(raw) > max_bytes:
        raise _fail(f"document is {len(raw)} bytes; the limit is {max_bytes}", "too-large")
    try:
        document = msgspec.json.decode(raw)
    except RecursionError:
        raise _fail("JSON nesting is too deep", "too-large") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as error:
        raise _fail(f"not valid JSON: {error}", "malformed-json") from None
    repeated = repeated_key(raw)
    if repeated is not None:
        raise _fail(f"not valid JSON: key {repeated!r} given twice in one object", "malformed-json")
    if not isinstance(document, dict):
        raise _fail(f"{what} must be a JSON object", "not-an-object")
    if nesting_depth(document) > MAX_DEPTH:
        raise _fail(f"JSON nesting is deeper than {MAX_DEPTH} levels", "too-large")
    return document


class _RepeatedKeyError(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs_without_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _RepeatedKeyError(key)
        seen[key] = value
    return seen


def repeated_key(raw: bytes | str) -> str | None:
    """The first key given twice in one object of a JSON text, or None.

    A decoder keeps the last of two values and another the first: a signature checked on one
    reading and a document stored and read with the other would disagree, so a JSON text with
    a repeated key is refused, never read one way. ``raw`` must be valid JSON.
    """
    try:
        json.loads(raw, object_pairs_hook=_pairs_without_repeats)
    except _RepeatedKeyError as repeated:
        return repeated.key
    except (ValueError, RecursionError):
        return None  # not JSON, or nested too deep: the caller's decoder says why
    return None
