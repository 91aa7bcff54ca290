"""Status lists: the entry and list rules, decoding ``encodedList``, reading entries.

Rules of W3C Bitstring Status List v1.0 (and the StatusList2021 draft it replaced), each
breach raised as `StatusListError` (the verifier then reports the status ``unknown``):

- entry (`parse_status_entry`, the spec's MALFORMED_VALUE_ERROR): a supported
  ``statusPurpose``; ``statusListIndex`` a non-negative integer written as a base-10
  string; a ``statusListCredential`` URL that is not the entry's ``id``; Bitstring only:
  ``statusSize`` a positive integer (default 1), and ``statusMessage`` - required when
  ``statusSize`` > 1 - an array of ``2 ** statusSize`` ``{"status": "0x..", "message"}``
  objects covering every value.
- list (`read_status`, the spec's STATUS_VERIFICATION_ERROR): ``type`` includes
  ``BitstringStatusListCredential`` / ``StatusList2021Credential``; an ``id``, when given,
  is the ``statusListCredential`` URL (so another list of the same issuer cannot stand in
  for it); issued by the credential's issuer; ``credentialSubject.type``
  ``BitstringStatusList`` / ``StatusList2021``; the entry's purpose among the subject's
  ``statusPurpose`` values. (Its proof and validity window are checked by the verifier.)
- length (STATUS_LIST_LENGTH_ERROR): at least `MIN_STATUS_LIST_ENTRIES` entries of
  ``statusSize`` bits, for herd privacy; and the index inside the list (RANGE_ERROR).
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from ingest._credential import as_list
from ingest._errors import StatusListError
from ingest._model import issuer_id

MAX_DECODED_BYTES: Final = 16 * 1024 * 1024
"""Largest decompressed bitstring accepted (guards against GZIP bombs)."""

MAX_ENCODED_CHARS: Final = 8 * 1024 * 1024

MIN_STATUS_LIST_ENTRIES: Final = 131_072
"""Fewest entries a list may hold (the spec's minimum, 16 KB of 1-bit entries)."""

MAX_STATUS_SIZE: Final = 64
"""Largest ``statusSize`` read (bits per entry)."""

_MAX_INDEX_DIGITS: Final = 15
_HEX_STATUS: Final = re.compile(r"0x[0-9a-fA-F]{1,16}")
_DEFAULT_MESSAGES: Final = {0: "unset", 1: "set"}


@dataclass(frozen=True, slots=True)
class StatusListKind:
    """What a kind of bitstring status list calls things, and what it allows.

    Attributes:
        name: The subject type (``BitstringStatusList``), also used in check details.
        credential_type: The type the list credential must have.
        purposes: The entry ``statusPurpose`` values checked.
        multibase: Whether ``encodedList`` carries the ``u`` multibase prefix.
        sized: Whether entries may have ``statusSize`` / ``statusMessage``.
    """

    name: str
    credential_type: str
    purposes: frozenset[str]
    multibase: bool
    sized: bool


BITSTRING_STATUS_LIST: Final = StatusListKind(
    name="BitstringStatusList",
    credential_type="BitstringStatusListCredential",
    purposes=frozenset({"revocation", "suspension", "message"}),
    multibase=True,
    sized=True,
)
STATUS_LIST_2021: Final = StatusListKind(
    name="StatusList2021",
    credential_type="StatusList2021Credential",
    purposes=frozenset({"revocation", "suspension"}),
    multibase=False,
    sized=False,
)


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """A ``credentialStatus`` entry that follows the rules of its `StatusListKind`.

    Attributes:
        kind: Its kind of list.
        url: ``statusListCredential``.
        purpose: ``statusPurpose``.
        index: ``statusListIndex``.
        size: ``statusSize`` (bits per entry).
        messages: Each status value's ``statusMessage`` message (empty when not given).
    """

    kind: StatusListKind
    url: str
    purpose: str
    index: int
    size: int
    messages: Mapping[int, str]

    def message(self, value: int) -> str:
        """The message for a status value (``set`` / ``unset`` without ``statusMessage``)."""
        return self.messages.get(value) or _DEFAULT_MESSAGES.get(value, "")


def _status_list_index(value: Any) -> int:
    """``statusListIndex``: a base-10 string of a non-negative integer, no leading zeros."""
    if (
        not isinstance(value, str)
        or not value.isascii()
        or not value.isdigit()
        or (len(value) > 1 and value.startswith("0"))
    ):
        raise StatusListError(
            f"statusListIndex {value!r} is not a non-negative integer written as a base-10 string"
        )
    if len(value) > _MAX_INDEX_DIGITS:
        raise StatusListError(f"statusListIndex {value} is beyond any list read")
    return int(value)


def _status_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StatusListError(f"statusSize {value!r} is not a positive integer")
    if value > MAX_STATUS_SIZE:
        raise StatusListError(f"statusSize {value} is more than {MAX_STATUS_SIZE} bits")
    return value


def _status_messages(value: Any, size: int) -> dict[int, str]:
    """``statusMessage``: one ``{"status": "0x..", "message": ...}`` per possible value."""
    if value is None:
        if size > 1:
            raise StatusListError(f"statusSize {size} requires a statusMessage array")
        return {}
    values = 2**size
    if not isinstance(value, list) or len(value) != values:
        raise StatusListError(
            f"statusMessage must be an array of {values} messages (statusSize {size})"
        )
    messages: dict[int, str] = {}
    for item in value:
        status = item.get("status") if isinstance(item, dict) else None
        message = item.get("message") if isinstance(item, dict) else None
        if not isinstance(status, str) or not _HEX_STATUS.fullmatch(status):
            raise StatusListError(f"statusMessage status {status!r} is not a 0x hex value")
        if not isinstance(message, str):
            raise StatusListError(f"statusMessage for {status} has no message string")
        messages[int(status, 16)] = message
    if set(messages) != set(range(values)):
        raise StatusListError(f"statusMessage does not give one message per value 0..{values - 1}")
    return messages


def parse_status_entry(entry: Mapping[str, Any], kind: StatusListKind) -> StatusEntry:
    """Read a ``credentialStatus`` entry of this kind, checking the spec's rules for it.

    Raises:
        StatusListError: The entry breaks a rule (the spec's MALFORMED_VALUE_ERROR), or
            has a purpose this verifier does not check.
    """
    purpose = entry.get("statusPurpose")
    if not isinstance(purpose, str) or purpose not in kind.purposes:
        raise StatusListError(f"has unsupported statusPurpose {purpose!r}")
    index = _status_list_index(entry.get("statusListIndex"))
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or not url:
        raise StatusListError("has no statusListCredential URL")
    if entry.get("id") == url:
        raise StatusListError("has the statusListCredential URL as its id")
    size = _status_size(entry.get("statusSize", 1)) if kind.sized else 1
    messages = _status_messages(entry.get("statusMessage"), size) if kind.sized else {}
    return StatusEntry(
        kind=kind, url=url, purpose=purpose, index=index, size=size, messages=messages
    )


def _list_subject(
    status_list: dict[str, Any], entry: StatusEntry, credential_issuer: str | None
) -> Mapping[str, Any]:
    """The list's ``credentialSubject``, once the list is found to be the entry's list."""
    kind = entry.kind
    if kind.credential_type not in as_list(status_list.get("type")):
        raise StatusListError(
            f"the list's type {status_list.get('type')!r} does not include {kind.credential_type!r}"
        )
    if status_list.get("id", entry.url) != entry.url:
        raise StatusListError(f"the list has id {status_list.get('id')!r}, not its URL")
    list_issuer = issuer_id(status_list)
    if list_issuer is None or list_issuer != credential_issuer:
        raise StatusListError(
            f"the list is issued by {list_issuer or 'no one'}, not by the credential's "
            f"issuer {credential_issuer} (a list by another issuer is not trusted)"
        )
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict):
        raise StatusListError("the list has no credentialSubject")
    if kind.name not in as_list(subject.get("type")):
        raise StatusListError(
            f"the list's credentialSubject type {subject.get('type')!r} is not {kind.name!r}"
        )
    listed = [purpose for purpose in as_list(subject.get("statusPurpose")) if purpose]
    if entry.purpose not in listed:
        raise StatusListError(f"list purpose {listed!r} does not include {entry.purpose!r}")
    return subject


def read_status(
    status_list: dict[str, Any], entry: StatusEntry, *, credential_issuer: str | None
) -> int:
    """The entry's status value in its (already fetched and verified) list credential.

    Args:
        status_list: The list credential at ``entry.url``.
        entry: The credential's entry.
        credential_issuer: The credential's issuer id, which must have issued the list.

    Returns:
        The ``entry.size``-bit value at ``entry.index``.

    Raises:
        StatusListError: The list is not the entry's list (the spec's
            STATUS_VERIFICATION_ERROR), is malformed, is shorter than
            `MIN_STATUS_LIST_ENTRIES` entries (STATUS_LIST_LENGTH_ERROR), or the index is
            beyond it (RANGE_ERROR).
    """
    subject = _list_subject(status_list, entry, credential_issuer)
    bitstring = decode_status_list(subject.get("encodedList"), multibase=entry.kind.multibase)
    entries = len(bitstring) * 8 // entry.size
    if entries < MIN_STATUS_LIST_ENTRIES:
        raise StatusListError(
            f"the list has {entries} entries of {entry.size} bit(s), fewer than the "
            f"{MIN_STATUS_LIST_ENTRIES} required for herd privacy"
        )
    return status_value(bitstring, entry.index, entry.size)


def _b64decode(text: str) -> bytes:
    if len(text) > MAX_ENCODED_CHARS:
        raise StatusListError("encodedList is too long")
    if not text.isascii():
        raise StatusListError("encodedList is not base64")
    stripped = text.rstrip("=")
    alphabet = stripped.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(alphabet + "=" * (-len(alphabet) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise StatusListError("encodedList is not base64") from None


def decode_status_list(encoded: object, *, multibase: bool) -> bytes:
    """Decode an ``encodedList`` into its bitstring bytes.

    Args:
        encoded: The ``encodedList`` value (anything else than text is refused).
            ``BitstringStatusList``: multibase base64url (``u`` prefix) of the GZIP
            bitstring; ``StatusList2021``: base64 (either alphabet, padding optional).
        multibase: Whether the ``u`` multibase prefix is required (Bitstring Status List).

    Returns:
        The decompressed bitstring.

    Raises:
        StatusListError: Not text, bad base64, bad GZIP, or larger than `MAX_DECODED_BYTES`.
    """
    if not isinstance(encoded, str):
        raise StatusListError("encodedList is not a string")
    if multibase:
        if not encoded.startswith("u"):
            raise StatusListError("encodedList is not multibase base64url (expected a 'u' prefix)")
        encoded = encoded[1:]
    compressed = _b64decode(encoded)
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(compressed, MAX_DECODED_BYTES + 1)
    except zlib.error:
        raise StatusListError("encodedList is not GZIP data") from None
    if len(data) > MAX_DECODED_BYTES or inflater.unconsumed_tail:
        raise StatusListError(f"encodedList expands to more than {MAX_DECODED_BYTES} bytes")
    if not inflater.eof:
        raise StatusListError("encodedList GZIP data is truncated")
    if not data:
        raise StatusListError("encodedList is empty")
    return data


def status_value(bitstring: bytes, index: int, size: int = 1) -> int:
    """The ``size``-bit value of entry ``index`` (bits read most significant first).

    Raises:
        StatusListError: The index is negative or beyond the list, or the size is not positive.
    """
    if size < 1 or index < 0:
        raise StatusListError(f"invalid status index {index} or size {size}")
    start = index * size
    if start + size > len(bitstring) * 8:
        raise StatusListError(
            f"status index {index} is beyond the list ({len(bitstring) * 8 // size} entries)"
        )
    value = 0
    for position in range(start, start + size):
        bit = (bitstring[position // 8] >> (7 - position % 8)) & 1
        value = (value << 1) | bit
    return value


def encode_status_list(bitstring: bytes, *, multibase: bool) -> str:
    """Encode a bitstring as ``encodedList`` (for tests and demos)."""
    text = base64.urlsafe_b64encode(zlib_gzip(bitstring)).decode("ascii").rstrip("=")
    return "u" + text if multibase else text


def zlib_gzip(data: bytes) -> bytes:
    """GZIP-compress ``data`` (deterministic header)."""
    compressor = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()
