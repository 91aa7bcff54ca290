"""Status list bitstrings: decoding ``encodedList`` and reading entries (MSB first)."""

from __future__ import annotations

import base64
import binascii
import zlib
from typing import Final

from ingest._errors import StatusListError

MAX_DECODED_BYTES: Final = 16 * 1024 * 1024
"""Largest decompressed bitstring accepted (guards against GZIP bombs)."""

MAX_ENCODED_CHARS: Final = 8 * 1024 * 1024


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
