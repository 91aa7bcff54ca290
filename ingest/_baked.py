"""Baked Open Badges: a credential embedded in a PNG (``iTXt``) or an SVG image.

Open Badges 3.0 ("Baked Badge" in its Document Formats section) and 2.0 (Baking 1.0) each
name their own container; `extract_baked` says which one it read (`BakedCredential`):

- Open Badges 3.0 (``"ob3"``): PNG ``iTXt`` chunk with keyword ``openbadgecredential``
  whose text is the credential JSON or its compact JWS (VC-JWT); SVG
  ``<openbadges:credential>`` element (namespace ``https://purl.imsglobal.org/ob/v3p0``)
  with the JSON in its text (CDATA) or the VC-JWT in its ``verify`` attribute.
- Open Badges 2.0 (``"ob2"``): PNG ``iTXt`` keyword ``openbadges``: assertion JSON, compact
  JWS, or the URL of a hosted assertion; SVG ``<openbadges:assertion>`` (namespace
  ``http://openbadges.org``) with the JSON or JWS in its text, or only a ``verify`` URL.

Both specs forbid compressed ``iTXt`` text; it is read all the same (inflating stops at the
cap). An image holds one credential: two baked chunks or elements, of either version, are
refused. Images are capped (`MAX_IMAGE_BYTES`, `MAX_CHUNK_BYTES`, `MAX_PNG_CHUNKS`, SVG
nesting). SVGs are parsed with defusedxml: a ``<!DOCTYPE>`` is accepted (an external DTD is
never read), but any entity declaration (internal, external or parameter, so billion laughs
too), an external reference, or a reference to an entity that is not predefined is
refused, so nothing is ever expanded or fetched. Every problem raises
`CredentialFormatError` (codes ``too-large``, ``invalid-image``, ``no-baked-assertion``);
nothing else escapes, whatever the bytes.
"""

from __future__ import annotations

import struct
import zlib
from typing import Final, Literal, NoReturn
from xml.etree.ElementTree import ParseError

import msgspec
from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser

from ingest._errors import CredentialFormatError, FormatErrorCode

MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
"""Largest baked image accepted."""
MAX_CHUNK_BYTES: Final = 1024 * 1024
"""Largest PNG chunk, and largest embedded credential text (after decompression)."""
MAX_PNG_CHUNKS: Final = 10_000
"""Most chunks in a PNG (real images have a few dozen; image data comes in large chunks)."""

PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
OPENBADGES_NAMESPACE: Final = "http://openbadges.org"
"""The SVG namespace of an Open Badges 2.0 ``openbadges:assertion``."""
OB3_NAMESPACE: Final = "https://purl.imsglobal.org/ob/v3p0"
"""The SVG namespace of an Open Badges 3.0 ``openbadges:credential``."""
_SVG_ROOT: Final = "{http://www.w3.org/2000/svg}svg"
_MAX_SVG_DEPTH: Final = 256

BakedVersion = Literal["ob2", "ob3"]
"""The Open Badges version a baked container names: ``"ob2"`` (2.0) or ``"ob3"`` (3.0)."""
PNG_KEYWORDS: Final[dict[BakedVersion, bytes]] = {
    "ob3": b"openbadgecredential",
    "ob2": b"openbadges",
}
"""The ``iTXt`` keyword of each version."""
SVG_ELEMENTS: Final[dict[BakedVersion, tuple[str, str]]] = {
    "ob3": (OB3_NAMESPACE, "credential"),
    "ob2": (OPENBADGES_NAMESPACE, "assertion"),
}
"""The (namespace, local name) of each version's SVG element."""
_VERSION_OF_KEYWORD: Final = {keyword: version for version, keyword in PNG_KEYWORDS.items()}
_VERSION_OF_TAG: Final = {
    f"{{{ns}}}{name}": version for version, (ns, name) in SVG_ELEMENTS.items()
}

ImageKind = Literal["png", "svg"]


class BakedCredential(msgspec.Struct, frozen=True, kw_only=True):
    """What a baked image carries.

    Attributes:
        version: Which container held it: ``"ob3"`` (``openbadgecredential`` chunk,
            ``openbadges:credential`` element) or ``"ob2"`` (``openbadges`` chunk,
            ``openbadges:assertion`` element).
        text: The embedded text, stripped: credential or assertion JSON, a compact JWS,
            or (Open Badges 2.0) a hosted assertion URL.
    """

    version: BakedVersion
    text: str


def _fail(message: str, code: FormatErrorCode = "invalid-image") -> NoReturn:
    raise CredentialFormatError(message, code=code)


def _spec_name(version: BakedVersion) -> str:
    return "Open Badges 3.0" if version == "ob3" else "Open Badges 2.0"


def image_kind(raw: bytes) -> ImageKind | None:
    """``"png"`` (PNG signature) or ``"svg"`` (XML / ``<svg`` start), else ``None``."""
    if raw.startswith(PNG_SIGNATURE):
        return "png"
    head = raw[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE", b"<!doctype")):
        return "svg"
    return None


def extract_baked(raw: bytes) -> BakedCredential:
    """Return the credential baked into a PNG or SVG image, and which version's container.

    Args:
        raw: The image bytes.

    Returns:
        The version and the embedded text (see `BakedCredential`).

    Raises:
        CredentialFormatError: ``too-large`` (image or chunk over the caps),
            ``invalid-image`` (not a PNG/SVG, malformed, two baked credentials, entity
            declarations or references in an SVG), ``no-baked-assertion`` (a valid image
            with nothing baked in).
    """
    kind = image_kind(raw)
    if kind == "png":
        return extract_png(raw)
    if kind == "svg":
        return extract_svg(raw)
    _fail("not a PNG or SVG image")


def _only_one(found: list[tuple[BakedVersion, str]], missing: str, where: str) -> BakedCredential:
    """The single baked text found, else the format error that says why there is none."""
    if not found:
        _fail(missing, "no-baked-assertion")
    if len(found) > 1:
        versions = sorted({version for version, _ in found}, reverse=True)
        what = " and ".join(_spec_name(version) for version in versions)
        _fail(f"{where} holds more than one baked credential ({what}); one image holds one")
    version, text = found[0]
    if not text.strip():
        _fail(
            f"the baked {_spec_name(version)} credential in {where} is empty", "no-baked-assertion"
        )
    return BakedCredential(version=version, text=text.strip())


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


def _baked_version(kind: bytes, data: bytes) -> BakedVersion | None:
    """The version whose keyword an ``iTXt`` chunk carries, else ``None``."""
    return _VERSION_OF_KEYWORD.get(data.partition(b"\0")[0]) if kind == b"iTXt" else None


def extract_png(raw: bytes) -> BakedCredential:
    """The ``openbadgecredential`` or ``openbadges`` ``iTXt`` text (see `extract_baked`)."""
    _check_size(raw)
    if not raw.startswith(PNG_SIGNATURE):
        _fail("not a PNG image (bad signature)")
    found = [
        (version, _itxt_text(data)[1])
        for kind, data in _png_chunks(raw)
        if (version := _baked_version(kind, data)) is not None
    ]
    missing = (
        "PNG has no iTXt chunk with keyword 'openbadgecredential' (Open Badges 3.0) or "
        "'openbadges' (Open Badges 2.0)"
    )
    return _only_one(found, missing, "the PNG")


def bake_png(
    png: bytes, credential: str, *, version: BakedVersion = "ob2", compress: bool = False
) -> bytes:
    """Return ``png`` with an ``iTXt`` chunk holding ``credential`` (for tests and demos).

    The chunk (keyword ``openbadgecredential`` for Open Badges 3.0, ``openbadges`` for
    2.0) goes right after ``IHDR``; any baked chunk already there, of either version, is
    replaced, so the image holds one credential.

    Args:
        png: A PNG image.
        credential: Open Badges 3.0: the credential JSON or its compact JWS (VC-JWT).
            Open Badges 2.0: assertion JSON, compact JWS, or hosted assertion URL.
        version: ``"ob3"`` or ``"ob2"``.
        compress: Store the text zlib-compressed (the spec forbids it; for reader tests).

    Returns:
        The baked PNG.

    Raises:
        CredentialFormatError: ``png`` is not a valid PNG.
    """
    chunks = [
        (kind, data)
        for kind, data in _png_chunks(png if png.startswith(PNG_SIGNATURE) else _fail("not a PNG"))
        if _baked_version(kind, data) is None
    ]
    text = credential.encode("utf-8")
    body = zlib.compress(text) if compress else text
    data = PNG_KEYWORDS[version] + b"\0" + bytes([int(compress), 0]) + b"\0\0" + body
    chunks.insert(1, (b"iTXt", data))
    return PNG_SIGNATURE + b"".join(
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        for kind, data in chunks
    )


class _SvgTarget:
    """ElementTree parser target: bounds nesting, collects the baked credential elements."""

    def __init__(self) -> None:
        self.depth = 0
        self.root: str | None = None
        self.found: list[tuple[BakedVersion, str, list[str]]] = []  # (version, verify, text)
        self.inside = 0  # depth of the open baked element, 0 when outside

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_SVG_DEPTH:
            _fail(f"SVG nesting is deeper than {_MAX_SVG_DEPTH} levels")
        if self.root is None:
            self.root = tag
        version = _VERSION_OF_TAG.get(tag)
        if version is not None:
            if self.inside:
                _fail("a baked credential element nested in another")
            self.found.append((version, attributes.get("verify", ""), []))
            self.inside = self.depth

    def end(self, _tag: str) -> None:
        if self.inside == self.depth:
            self.inside = 0
        self.depth -= 1

    def data(self, data: str) -> None:
        if self.inside:
            parts = self.found[-1][2]
            parts.append(data)
            if sum(map(len, parts)) > MAX_CHUNK_BYTES:
                _fail(f"the baked credential is over {MAX_CHUNK_BYTES} characters", "too-large")

    def close(self) -> None:
        """Nothing to build: the findings stay on the target."""


def _read_svg(raw: bytes) -> _SvgTarget:
    target = _SvgTarget()
    # A DOCTYPE is allowed; entity declarations and external references raise.
    parser = DefusedXMLParser(
        target=target, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(raw)
        parser.close()
    except CredentialFormatError:
        raise
    except EntitiesForbidden as error:
        _fail(f"SVG declares the entity {error.name!r}; entity declarations are refused")
    except DefusedXmlException as error:  # an external entity reference
        _fail(f"SVG refused, it refers to an external entity: {error!r}; nothing is fetched")
    except (ParseError, ValueError, LookupError, UnicodeError, RecursionError) as error:
        _fail(f"not well-formed XML: {error}")
    return target


def extract_svg(raw: bytes) -> BakedCredential:
    """The ``openbadges:credential`` / ``openbadges:assertion`` text, else its ``verify``.

    See `extract_baked`.
    """
    _check_size(raw)
    target = _read_svg(raw)
    if target.root != _SVG_ROOT:
        _fail("not an SVG image (the root element is not svg:svg)")
    found = [
        (version, "".join(parts).strip() or verify.strip())
        for version, verify, parts in target.found
    ]
    missing = (
        "SVG has no openbadges:credential (Open Badges 3.0) or openbadges:assertion "
        "(Open Badges 2.0) element"
    )
    return _only_one(found, missing, "the SVG")


def bake_svg(
    svg: str, credential: str, *, verify: str = "", version: BakedVersion = "ob2"
) -> bytes:
    """Return ``svg`` with the baked element right after the root start tag.

    The element is ``<openbadges:credential>`` (namespace ``OB3_NAMESPACE``) for Open
    Badges 3.0, ``<openbadges:assertion>`` (``OPENBADGES_NAMESPACE``) for 2.0. For tests
    and demos.

    Args:
        svg: SVG markup whose root is ``<svg ...>`` (SVG namespace).
        credential: The element's text, put in CDATA ("" for none): credential JSON
            (Open Badges 3.0), assertion JSON or compact JWS (2.0).
        verify: The ``verify`` attribute, when any: the compact JWS (VC-JWT) of an Open
            Badges 3.0 credential, or a hosted 2.0 assertion URL.
        version: ``"ob3"`` or ``"ob2"``.

    Returns:
        The baked SVG, UTF-8.

    Raises:
        CredentialFormatError: No ``<svg`` root start tag, or the text contains ``]]>``.
    """
    start = svg.find("<svg")
    close = svg.find(">", start)
    if start < 0 or close < 0:
        _fail("no <svg> start tag")
    if "]]>" in credential:
        _fail("the credential text cannot contain ']]>'")
    namespace, name = SVG_ELEMENTS[version]
    quoted = verify.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    attribute = f' verify="{quoted}"' if verify or version == "ob2" else ""
    element = (
        f'<openbadges:{name} xmlns:openbadges="{namespace}"{attribute}>'
        + (f"<![CDATA[{credential}]]>" if credential else "")
        + f"</openbadges:{name}>"
    )
    return (svg[: close + 1] + element + svg[close + 1 :]).encode("utf-8")
