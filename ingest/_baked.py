"""Baked Open Badges: the assertion embedded in a PNG (``iTXt``) or an SVG image.

PNG: one ``iTXt`` chunk with keyword ``openbadges`` holds the assertion JSON, a compact
JWS, or the URL of a hosted assertion (plain or zlib-compressed text; inflating stops at
the cap). SVG: one ``<openbadges:assertion verify="...">`` element (namespace
``http://openbadges.org``) holds the assertion JSON in its text (often CDATA), or only a
``verify`` URL. Images are capped (`MAX_IMAGE_BYTES`, `MAX_CHUNK_BYTES`, `MAX_PNG_CHUNKS`,
SVG nesting); an SVG with a DTD or any entity declaration is rejected, so nothing is ever
expanded or fetched. Every problem raises `CredentialFormatError` (codes ``too-large``,
``invalid-image``, ``no-baked-assertion``); nothing else escapes, whatever the bytes.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final, Literal, NoReturn
from xml.parsers import expat

from ingest._errors import CredentialFormatError, FormatErrorCode

MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
"""Largest baked image accepted."""
MAX_CHUNK_BYTES: Final = 1024 * 1024
"""Largest PNG chunk, and largest embedded assertion text (after decompression)."""
MAX_PNG_CHUNKS: Final = 10_000
"""Most chunks in a PNG (real images have a few dozen; image data comes in large chunks)."""

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
OPENBADGES_NAMESPACE: Final = "http://openbadges.org"
_KEYWORD: Final = b"openbadges"
_MAX_SVG_DEPTH: Final = 256

ImageKind = Literal["png", "svg"]


def _fail(message: str, code: FormatErrorCode = "invalid-image") -> NoReturn:
    raise CredentialFormatError(message, code=code)


def image_kind(raw: bytes) -> ImageKind | None:
    """``"png"`` (PNG signature) or ``"svg"`` (XML / ``<svg`` start), else ``None``."""
    if raw.startswith(PNG_SIGNATURE):
        return "png"
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE", b"<!doctype")):
        return "svg"
    return None


def extract_baked(raw: bytes) -> str:
    """Return the assertion text baked into a PNG or SVG image.

    Args:
        raw: The image bytes.

    Returns:
        The embedded text: assertion JSON, a compact JWS, or a hosted assertion URL.

    Raises:
        CredentialFormatError: ``too-large`` (image or chunk over the caps),
            ``invalid-image`` (not a PNG/SVG, malformed, DTD or entities in an SVG),
            ``no-baked-assertion`` (a valid image with nothing baked in).
    """
    kind = image_kind(raw)
    if kind == "png":
        return extract_png(raw)
    if kind == "svg":
        return extract_svg(raw)
    _fail("not a PNG or SVG image")


def _check_size(raw: bytes) -> None:
    if len(raw) > MAX_IMAGE_BYTES:
        _fail(f"image is {len(raw)} bytes; the limit is {MAX_IMAGE_BYTES}", "too-large")


def _png_chunks(raw: bytes) -> list[tuple[bytes, bytes]]:
    """(type, data) of every chunk up to ``IEND``, CRCs checked."""
    chunks: list[tuple[bytes, bytes]] = []
    offset = len(PNG_SIGNATURE)
    while True:
        if offset + 8 > len(raw):
            _fail("truncated PNG: no IEND chunk")
        length, kind = struct.unpack(">I4s", raw[offset : offset + 8])
        if length > MAX_CHUNK_BYTES:
            _fail(f"PNG chunk of {length} bytes; the limit is {MAX_CHUNK_BYTES}", "too-large")
        end = offset + 8 + length + 4
        if end > len(raw):
            _fail("truncated PNG chunk")
        data = raw[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", raw[end - 4 : end])
        if zlib.crc32(kind + data) != crc:
            _fail(f"PNG chunk {kind!r} has a bad CRC")
        chunks.append((kind, data))
        if len(chunks) > MAX_PNG_CHUNKS:
            _fail(f"PNG has more than {MAX_PNG_CHUNKS} chunks", "too-large")
        offset = end
        if kind == b"IEND":
            return chunks


def _itxt_text(data: bytes) -> tuple[bytes, str]:
    """(keyword, text) of an ``iTXt`` chunk."""
    keyword, sep, rest = data.partition(b"\0")
    if not sep or len(rest) < 2:  # noqa: PLR2004 - compression flag and method
        _fail("malformed iTXt chunk")
    flag, method, rest = rest[0], rest[1], rest[2:]
    _language, sep1, rest = rest.partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2) or flag not in (0, 1) or (flag == 1 and method != 0):
        _fail("malformed iTXt chunk")
    if flag == 1:
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(text, MAX_CHUNK_BYTES + 1)
        except zlib.error:
            _fail("iTXt chunk: invalid compressed text")
        if len(text) > MAX_CHUNK_BYTES or inflater.unconsumed_tail:
            _fail(f"iTXt text inflates past {MAX_CHUNK_BYTES} bytes", "too-large")
    try:
        return keyword, text.decode("utf-8")
    except UnicodeDecodeError:
        _fail("iTXt text is not UTF-8")


def extract_png(raw: bytes) -> str:
    """The text of the ``iTXt`` chunk with keyword ``openbadges`` (see `extract_baked`)."""
    _check_size(raw)
    if not raw.startswith(PNG_SIGNATURE):
        _fail("not a PNG image (bad signature)")
    found = [
        _itxt_text(data)[1]
        for kind, data in _png_chunks(raw)
        if kind == b"iTXt" and data.partition(b"\0")[0] == _KEYWORD
    ]
    if not found:
        _fail("PNG has no iTXt chunk with keyword 'openbadges'", "no-baked-assertion")
    if len(found) > 1:
        _fail("PNG has more than one 'openbadges' iTXt chunk")
    text = found[0].strip()
    if not text:
        _fail("the 'openbadges' iTXt chunk is empty", "no-baked-assertion")
    return text


def bake_png(png: bytes, assertion: str, *, compress: bool = False) -> bytes:
    """Return ``png`` with an ``openbadges`` ``iTXt`` chunk holding ``assertion``.

    The chunk goes right after ``IHDR``; an existing ``openbadges`` chunk is replaced.

    Args:
        png: A PNG image.
        assertion: Assertion JSON, compact JWS, or hosted assertion URL.
        compress: Store the text zlib-compressed.

    Returns:
        The baked PNG.

    Raises:
        CredentialFormatError: ``png`` is not a valid PNG.
    """
    chunks = [
        (kind, data)
        for kind, data in _png_chunks(png if png.startswith(PNG_SIGNATURE) else _fail("not a PNG"))
        if not (kind == b"iTXt" and data.partition(b"\0")[0] == _KEYWORD)
    ]
    text = assertion.encode("utf-8")
    body = zlib.compress(text) if compress else text
    data = _KEYWORD + b"\0" + bytes([int(compress), 0]) + b"\0\0" + body
    chunks.insert(1, (b"iTXt", data))
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


class _SvgReader:
    """Expat handlers: refuse DTDs and entities, collect the ``openbadges:assertion``."""

    def __init__(self) -> None:
        self.depth = 0
        self.root: str | None = None
        self.assertions: list[tuple[str, list[str]]] = []  # (verify, text parts)
        self.inside = 0  # depth of the open assertion element, 0 when outside

    def doctype(self, *_: object) -> None:
        _fail("SVG with a DTD is refused (no entity expansion)")

    def entity(self, *_: object) -> None:
        _fail("SVG with an entity declaration is refused")

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_SVG_DEPTH:
            _fail(f"SVG nesting is deeper than {_MAX_SVG_DEPTH} levels")
        if self.root is None:
            self.root = name
        if name == f"{OPENBADGES_NAMESPACE} assertion":
            if self.inside:
                _fail("nested openbadges:assertion elements")
            self.assertions.append((attributes.get("verify", ""), []))
            self.inside = self.depth

    def end(self, _name: str) -> None:
        if self.inside == self.depth:
            self.inside = 0
        self.depth -= 1

    def text(self, data: str) -> None:
        if self.inside:
            parts = self.assertions[-1][1]
            parts.append(data)
            if sum(map(len, parts)) > MAX_CHUNK_BYTES:
                _fail(f"openbadges:assertion is over {MAX_CHUNK_BYTES} characters", "too-large")


def extract_svg(raw: bytes) -> str:
    """The ``openbadges:assertion`` text, else its ``verify`` URL (see `extract_baked`)."""
    _check_size(raw)
    reader = _SvgReader()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.UnparsedEntityDeclHandler = reader.entity
    parser.ExternalEntityRefHandler = reader.entity  # type: ignore[assignment]
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    try:
        parser.Parse(raw, True)
    except CredentialFormatError:
        raise
    except (expat.ExpatError, ValueError, LookupError, UnicodeError, RecursionError) as error:
        _fail(f"not well-formed XML: {error}")
    if reader.root != "http://www.w3.org/2000/svg svg":
        _fail("not an SVG image (the root element is not svg:svg)")
    if not reader.assertions:
        _fail("SVG has no openbadges:assertion element", "no-baked-assertion")
    if len(reader.assertions) > 1:
        _fail("SVG has more than one openbadges:assertion element")
    verify, parts = reader.assertions[0]
    text = "".join(parts).strip() or verify.strip()
    if not text:
        _fail("openbadges:assertion has neither content nor a verify URL", "no-baked-assertion")
    return text


def bake_svg(svg: str, assertion: str, *, verify: str = "") -> bytes:
    """Return ``svg`` with an ``<openbadges:assertion>`` right after the root start tag.

    Args:
        svg: SVG markup whose root is ``<svg ...>`` (SVG namespace).
        assertion: Assertion JSON or compact JWS, put in CDATA ("" for none).
        verify: The ``verify`` attribute (hosted assertion URL), when any.

    Returns:
        The baked SVG, UTF-8.

    Raises:
        CredentialFormatError: No ``<svg`` root start tag, or the text contains ``]]>``.
    """
    start = svg.find("<svg")
    close = svg.find(">", start)
    if start < 0 or close < 0:
        _fail("no <svg> start tag")
    if "]]>" in assertion:
        _fail("assertion text cannot contain ']]>'")
    quoted = verify.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    element = (
        f'<openbadges:assertion xmlns:openbadges="{OPENBADGES_NAMESPACE}" verify="{quoted}">'
        + (f"<![CDATA[{assertion}]]>" if assertion else "")
        + "</openbadges:assertion>"
    )
    return (svg[: close + 1] + element + svg[close + 1 :]).encode("utf-8")
