"""Offline JSON-LD: bundled contexts, the pyld loader, RDFC-1.0 and JCS canonicalization.

Expansion, compaction, plain N-Quads, canonical blank node maps and relabelling serve the
selective-disclosure suite (`ingest._ecdsa_sd`); the JSON-LD steps run in the safe mode of
`canonicalize`.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

import msgspec
import rfc8785
from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.context_resolver import ContextResolver

from ingest._errors import CredentialFormatError, UnknownContextError

BUNDLED_CONTEXTS: Final[Mapping[str, str]] = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.json",
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.json",
    "https://www.w3.org/2018/credentials/examples/v1": "credentials-examples-v1.json",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.json",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.json",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.json",
    "https://w3id.org/security/multikey/v1": "multikey-v1.json",
    "https://w3id.org/security/jwk/v1": "jwk-v1.json",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-2020-v1.json",
    "https://www.w3.org/ns/did/v1": "did-v1.json",
    "https://www.w3.org/ns/credentials/status/v1": "bitstring-status-list-v1.json",
    "https://w3id.org/vc/status-list/2021/v1": "status-list-2021-v1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob-v3p0-context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob-v3p0-context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob-v3p0-context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob-v3p0-extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-context-2.0.1.json",
}
"""Context URL -> file in `ingest/contexts/` (exact match; see ``CONTEXTS.md`` for origins)."""

VC_V1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"
VC_V2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"

MAX_DEPTH: Final = 64
"""Deepest JSON nesting accepted; real credentials (even CLR bundles) stay far below it."""

MAX_CONTEXT_ENTRIES: Final = 256
"""Most ``@context`` entries (URLs or inline contexts) in one document, all levels counted.

pyld spends ~7 ms applying each entry, repeated ones included: 5,000 copies of one context
URL (200 KB) cost half a minute of CPU. A CLR bundle carries its nested credentials'
contexts too (two or three each), so the cap leaves room for bundles of ~80 credentials.
Remote contexts are never fetched, so no document causes a fetch."""

# Processed contexts: the VC and OB contexts hold a few dozen scoped contexts each, and
# pyld caches every one of them here; 100 (pyld's default) thrashes on OB 3.0.
_PROCESSED_CACHE_SIZE: Final = 4096

# pyld resolves relative IRIs against http://example.org/base/ when no base is given, which
# silently changes what is signed. Resolving against a private scheme instead lets us find
# every relative reference (network-path ones such as //host/x included) in the output.
_RELATIVE_SCHEME: Final = "credmatch-relative-iri:"
_RELATIVE_IRI_BASE: Final = f"{_RELATIVE_SCHEME}//base/"


class _LockedLRU:
    """The slice of the mapping API pyld's ContextResolver uses: a thread-safe LRU cache."""

    def __init__(self, maxsize: int) -> None:
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)


@functools.cache
def _bundled_documents() -> Mapping[str, Mapping[str, Any]]:
    """Read and parse every bundled context once, on first use."""
    folder = importlib.resources.files("ingest") / "contexts"
    return {
        url: msgspec.json.decode((folder / name).read_bytes())
        for url, name in BUNDLED_CONTEXTS.items()
    }


class ContextLoader:
    """Resolves JSON-LD context URLs offline; used as pyld's ``documentLoader``.

    Only the bundled contexts (`BUNDLED_CONTEXTS`) and the ``extra`` ones given here resolve,
    by exact URL. Any other URL raises `UnknownContextError`: nothing is ever fetched.
    Each loader keeps its own cache of processed contexts, so reuse one loader (the
    `Verifier` default is shared process-wide) rather than building one per credential.

    Args:
        extra: Additional contexts, URL -> context document (``{"@context": ...}``), for
            deployments or tests that need a context credmatch does not bundle.

    Attributes:
        lock: Held while pyld canonicalizes with this loader (its caches are not
            thread-safe).

    Raises:
        ValueError: An extra URL would shadow a bundled context, or is not a JSON object.
    """

    def __init__(self, extra: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._extra: dict[str, Mapping[str, Any]] = {}
        for url, document in (extra or {}).items():
            if url in BUNDLED_CONTEXTS:
                raise ValueError(f"extra context {url!r} would shadow a bundled context")
            if not isinstance(document, Mapping) or "@context" not in document:
                raise ValueError(f"extra context {url!r} must be an object with '@context'")
            self._extra[url] = copy.deepcopy(dict(document))
        self._processed = _LockedLRU(_PROCESSED_CACHE_SIZE)
        # pyld's per-context caches are plain LRU caches; its work is pure Python, so
        # serializing canonicalizations costs no throughput and keeps them consistent.
        self.lock = threading.Lock()

    def __contains__(self, url: object) -> bool:
        return url in BUNDLED_CONTEXTS or url in self._extra

    @property
    def urls(self) -> frozenset[str]:
        """Every context URL this loader resolves."""
        return frozenset(BUNDLED_CONTEXTS) | frozenset(self._extra)

    def document(self, url: str) -> Mapping[str, Any]:
        """Return the parsed context document for ``url``.

        Args:
            url: Exact context URL.

        Returns:
            The context document (shared; do not mutate).

        Raises:
            UnknownContextError: The URL is neither bundled nor an extra context.
        """
        if url in self._extra:
            return self._extra[url]
        if url in BUNDLED_CONTEXTS:
            return _bundled_documents()[url]
        raise UnknownContextError(url)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Resolve ``url`` for pyld (the JSON-LD ``RemoteDocument`` shape).

        Args:
            url: The context URL pyld asks for.
            options: pyld loader options (ignored: nothing goes over the network).

        Returns:
            A ``RemoteDocument``; ``tag: "static"`` lets pyld keep the processed context.
        """
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            # pyld rewrites relative URLs inside the context in place: hand it a copy.
            "document": copy.deepcopy(self.document(url)),
            "tag": "static",
        }

    def unknown(self, document: Any) -> list[str]:
        """List the context URLs referenced anywhere in ``document`` that do not resolve.

        Args:
            document: Decoded JSON.

        Returns:
            Unresolvable URLs in order of first appearance (empty when all resolve).
        """
        return [url for url in context_urls(document) if url not in self]

    def resolver(self) -> ContextResolver:
        """A pyld context resolver backed by this loader's processed-context cache."""
        return ContextResolver(self._processed, self)


@functools.cache
def default_context_loader() -> ContextLoader:
    """The process-wide loader over the bundled contexts (created on first use)."""
    return ContextLoader()


def _context_values(value: Any) -> Iterator[str]:
    """URLs directly named by one ``@context`` value (a string, object or list)."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict) and isinstance(item.get("@import"), str):
            yield item["@import"]


def context_urls(document: Any) -> list[str]:
    """Every context URL referenced in ``document``, including nested and scoped contexts.

    Args:
        document: Decoded JSON (any shape).

    Returns:
        URLs in order of first appearance, without duplicates.
    """
    seen: dict[str, None] = {}
    for value in _context_nodes(document):
        seen.update(dict.fromkeys(_context_values(value)))
    return list(seen)


def _context_nodes(document: Any) -> Iterator[Any]:
    """Every ``@context`` value in ``document``, nested ones included, in document order."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            values = list(node.values())
            if "@context" in node:
                yield node["@context"]
            stack.extend(reversed(values))
        elif isinstance(node, list):
            stack.extend(reversed(node))


def check_context_entries(document: Any) -> None:
    """Refuse a document with more than `MAX_CONTEXT_ENTRIES` ``@context`` entries.

    Args:
        document: Decoded JSON (any shape).

    Raises:
        CredentialFormatError: ``too-large``, before any JSON-LD processing is spent on it.
    """
    total = 0
    for value in _context_nodes(document):
        total += len(value) if isinstance(value, list) else 1
        if total > MAX_CONTEXT_ENTRIES:
            raise CredentialFormatError(
                f"more than {MAX_CONTEXT_ENTRIES} @context entries", code="too-large"
            )


def nesting_depth(document: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of ``document``, counting stops once ``limit`` is exceeded.

    Args:
        document: Decoded JSON.
        limit: Depth at which counting stops early.

    Returns:
        The depth (0 for a scalar), or ``limit + 1`` when deeper than ``limit``.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            depth += 1
            if depth > limit:
                return limit + 1
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth) for child in children)
    return deepest


def _unknown_context_cause(error: BaseException) -> UnknownContextError | None:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, UnknownContextError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _innermost_message(error: BaseException) -> str:
    current = error
    while current.__cause__ is not None:
        current = current.__cause__
    if isinstance(current, jsonld.JsonLdError):
        message = str(current.args[0]) if current.args else current.type
        return f"{message} ({current.code})" if current.code else message
    return f"{type(current).__name__}: {current}"


_RELATIVE_IRI = re.compile(re.escape(f"<{_RELATIVE_SCHEME}//") + r"(?:base/)?([^>]*)>")


def _pyld_options(loader: ContextLoader) -> dict[str, Any]:
    return {
        "base": _RELATIVE_IRI_BASE,
        "documentLoader": loader,
        "contextResolver": loader.resolver(),
    }


def _run_pyld(loader: ContextLoader, action: Callable[[jsonld.JsonLdProcessor], Any]) -> Any:
    """Run one pyld operation in credmatch's safe mode (see `canonicalize`).

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: ``invalid-jsonld``, ``undefined-term`` or ``too-large``.
    """
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    try:
        with loader.lock:
            result = action(processor)
    except UnknownContextError:
        raise
    except (jsonld.JsonLdError, ValueError, TypeError, KeyError, AttributeError) as error:
        # pyld wraps loader errors (often several levels deep) and raises bare Python
        # errors on some malformed input; all of them mean "not valid JSON-LD" here.
        unknown = _unknown_context_cause(error)
        if unknown is not None:
            raise UnknownContextError(unknown.url) from None
        raise CredentialFormatError(
            f"not valid JSON-LD: {_innermost_message(error)}", code="invalid-jsonld"
        ) from error
    except RecursionError as error:
        raise CredentialFormatError("JSON-LD nesting is too deep", code="too-large") from error
    if dropped:
        names = sorted({name or "(unnamed)" for name in dropped})
        raise CredentialFormatError(
            "properties not defined by the @context would be left out of the signature: "
            + ", ".join(names),
            code="undefined-term",
        )
    return result


def _refuse_relative_iris(nquads: str) -> None:
    relative = _RELATIVE_IRI.search(nquads)
    if relative is not None:
        raise _relative_iri_error(relative.group(1))


def _relative_iri_error(reference: str) -> CredentialFormatError:
    return CredentialFormatError(
        f"relative IRI reference {reference!r}: every id and type must be an absolute IRI",
        code="invalid-jsonld",
    )


def canonicalize(document: Mapping[str, Any], loader: ContextLoader) -> str:
    """Canonicalize a JSON-LD document with RDFC-1.0 (pyld's URDNA2015) to N-Quads.

    pyld has no "safe mode", so this adds one: a property that the ``@context`` does not
    define (pyld would drop it) or a relative IRI (pyld would resolve it against a made-up
    base) is an error, because either way the signature would not cover what the
    document shows.

    Args:
        document: Expanded-or-compact JSON-LD object; not modified.
        loader: Resolves the ``@context`` URLs (offline).

    Returns:
        Canonical N-Quads (UTF-8 text, one quad per line, sorted).

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: Invalid JSON-LD (``invalid-jsonld``), data outside the
            context (``undefined-term``), or too many contexts (``too-large``, see
            `MAX_CONTEXT_ENTRIES`).
    """
    check_context_entries(document)
    options = _pyld_options(loader) | {"algorithm": "URDNA2015", "format": "application/n-quads"}
    nquads: str = _run_pyld(loader, lambda processor: processor.normalize(document, options))
    _refuse_relative_iris(nquads)
    return nquads


def expand(document: Mapping[str, Any], loader: ContextLoader) -> list[Any]:
    """JSON-LD expansion of ``document``, in the safe mode of `canonicalize`.

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: As `canonicalize` (relative IRIs show up in `to_nquads`).
    """
    check_context_entries(document)
    options = _pyld_options(loader)
    expanded: list[Any] = _run_pyld(loader, lambda processor: processor.expand(document, options))
    return expanded


def compact(expanded: Any, context: Any, loader: ContextLoader) -> dict[str, Any]:
    """JSON-LD compaction of ``expanded`` with ``context`` (a ``@context`` value).

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: Invalid JSON-LD.
    """
    options = _pyld_options(loader)
    compacted: dict[str, Any] = _run_pyld(
        loader, lambda processor: processor.compact(expanded, {"@context": context}, options)
    )
    return compacted


def to_nquads(document: Any, loader: ContextLoader) -> list[str]:
    """The RDF of a JSON-LD document as N-Quad lines (not canonicalized), in safe mode.

    Args:
        document: Compact or expanded JSON-LD.
        loader: Resolves the ``@context`` URLs (offline).

    Returns:
        One N-Quad per item, each ending with a newline, as pyld serializes them.

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: As `canonicalize`.
    """
    check_context_entries(document)
    options = _pyld_options(loader) | {"format": "application/n-quads"}
    nquads: str = _run_pyld(loader, lambda processor: processor.to_rdf(document, options))
    _refuse_relative_iris(nquads)
    return nquads.splitlines(keepends=True)


def canonicalize_nquads(nquads: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    """RDFC-1.0 of N-Quad lines, with the canonical blank node identifier map.

    Args:
        nquads: N-Quad lines (each ending with a newline).

    Returns:
        (canonical N-Quad lines, sorted; input blank node label -> canonical label, both
        without the ``_:`` prefix, in the order the canonical labels were issued).

    Raises:
        CredentialFormatError: The input is not N-Quads (``invalid-jsonld``).
    """
    try:
        dataset = jsonld.JsonLdProcessor.parse_nquads("".join(nquads))
    except jsonld.JsonLdError as error:
        raise CredentialFormatError(
            f"not valid N-Quads: {_innermost_message(error)}", code="invalid-jsonld"
        ) from error
    algorithm = URDNA2015()
    canonical: str = algorithm.main(dataset, {"format": "application/n-quads"})
    issued = algorithm.canonical_issuer.existing
    labels = {old.removeprefix("_:"): new.removeprefix("_:") for old, new in issued.items()}
    return canonical.splitlines(keepends=True), labels


# One N-Quads token: a literal (its escapes included), an IRI, or a blank node label.
_NQUADS_TOKEN: Final = re.compile(r'"(?:[^"\\]|\\.)*"|<[^>]*>|_:([^\s]+)')


def relabel_blank_nodes(nquads: Iterable[str], labels: Mapping[str, str]) -> list[str]:
    """Replace blank node labels (``_:x`` -> ``_:labels[x]``) outside literals and IRIs.

    Args:
        nquads: N-Quad lines.
        labels: Old label -> new label (without ``_:``).

    Returns:
        The relabelled lines, in the same order.

    Raises:
        KeyError: A blank node label has no entry in ``labels`` (the missing label).
    """

    def replace(match: re.Match[str]) -> str:
        label = match.group(1)
        return match.group(0) if label is None else "_:" + labels[label]

    return [_NQUADS_TOKEN.sub(replace, line) for line in nquads]


# An absolute IRI (RFC 3987 shape): a scheme, then no whitespace or characters IRIs exclude.
# JSON-LD to RDF silently drops a triple whose IRI is malformed (``https ://x``), so a
# signature over the RDF would not cover it: expansion output is checked against this.
ABSOLUTE_IRI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*")
_BLANK_NODE: Final = "_:"


def _check_iri(value: Any, where: str) -> None:
    if not isinstance(value, str) or value.startswith((_BLANK_NODE, "@")):
        return  # blank nodes, and keywords such as the @json datatype
    if value.startswith(_RELATIVE_SCHEME):
        raise _relative_iri_error(value.removeprefix(_RELATIVE_IRI_BASE))
    if ABSOLUTE_IRI.fullmatch(value) is None:
        raise CredentialFormatError(
            f"{where} {value!r} is not a valid absolute IRI", code="invalid-jsonld"
        )


def _check_expanded_iris(expanded: Any) -> None:
    """Every node id, type and property IRI in expanded JSON-LD is absolute and well formed."""
    stack: list[Any] = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        is_value = "@value" in node
        for key, value in node.items():
            if key == "@id":
                _check_iri(value, "@id")
            elif key == "@type":
                for kind in value if isinstance(value, list) else [value]:
                    _check_iri(kind, "datatype" if is_value else "type")
            elif not key.startswith("@"):
                _check_iri(key, "property")
            if key != "@value" and isinstance(value, dict | list):
                stack.append(value)


def expand_safely(document: Mapping[str, Any], loader: ContextLoader) -> list[Any]:
    """Expand a JSON-LD document offline, refusing what RDF would silently lose.

    The same "safe mode" as `canonicalize` (undefined terms and relative IRIs are
    errors), plus: every node id, type and property must expand to a well-formed
    absolute IRI. Used to hold JSON-only suites (``eddsa-jcs-2022``, VC-JWT) to the
    JSON-LD rules the RDFC suites enforce by canonicalizing.

    Args:
        document: A compacted JSON-LD object; not modified.
        loader: Resolves the ``@context`` URLs (offline).

    Returns:
        The expanded document.

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: As `canonicalize`; ``invalid-jsonld`` also for a
            malformed IRI.
    """
    expanded = expand(document, loader)
    _check_expanded_iris(expanded)
    return expanded


def canonicalize_jcs(document: Mapping[str, Any], loader: ContextLoader) -> str:
    """Canonicalize JSON with RFC 8785 (JCS), as ``eddsa-jcs-2022`` signs it.

    JCS does no JSON-LD processing, but credmatch's context rule still holds: every
    ``@context`` URL in ``document`` must resolve through ``loader`` (nothing is fetched).

    Args:
        document: The JSON object; not modified.
        loader: The contexts ``document`` may reference.

    Returns:
        The canonical JSON text (its UTF-8 encoding is what gets hashed).

    Raises:
        UnknownContextError: A context URL is not bundled.
        CredentialFormatError: A value JCS cannot represent, e.g. an integer beyond
            2**53 or a non-finite number (``invalid-field``), or nesting too deep.
    """
    unknown = loader.unknown(document)
    if unknown:
        raise UnknownContextError(unknown[0])
    try:
        return rfc8785.dumps(document).decode()
    except rfc8785.CanonicalizationError as error:
        raise CredentialFormatError(
            f"cannot canonicalize with JCS (RFC 8785): {error}", code="invalid-field"
        ) from error
    except RecursionError as error:
        raise CredentialFormatError("JSON nesting is too deep", code="too-large") from error
