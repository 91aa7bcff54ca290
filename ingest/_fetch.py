"""Hardened fetching of remote JSON documents (did:web, key URLs, issuer profiles, status lists).

Every outbound request of `ingest` goes through `HttpFetcher`, which wraps one injected
``httpx.Client`` and applies the same rules to every hop: https only (plain http only to
loopback when a test setting says so), no private / loopback / link-local / multicast /
reserved / cloud-metadata targets (IPv4-mapped IPv6 addresses judged as the IPv4 they
carry), timeouts, a streamed size cap, manually followed and capped redirects, JSON objects
only, and a thread-safe TTL cache (failures are cached too, for a shorter time).

Against DNS rebinding, a host name is resolved once per hop and the connection goes to the
address that was checked: the request is sent to that IP, with the name in the ``Host``
header and as the TLS server name (``sni_hostname``, which the certificate is verified
against), and without keep-alive, so a connection is never reused for another name.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from ingest._documents import DocumentStore
from ingest._errors import FetchError
from ingest._jsonld import MAX_DEPTH, nesting_depth

DEFAULT_MAX_BYTES: Final = 5 * 1024 * 1024
DEFAULT_MAX_REDIRECTS: Final = 3
DEFAULT_TTL_S: Final = 300.0
DEFAULT_FAILURE_TTL_S: Final = 30.0
_DID_WEB_PREFIX: Final = "did:web:"
_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_ACCEPT: Final = "application/did+json, application/ld+json, application/json;q=0.9, */*;q=0.1"

# Cloud instance-metadata endpoints. Most are already link-local or private; listed
# explicitly so the refusal reason names them and so none slips through a future change.
_METADATA_ADDRESSES: Final = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, ...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    }
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def did_web_url(did: str) -> str:
    """The HTTPS URL of a ``did:web`` DID document.

    ``did:web:example.com`` -> ``https://example.com/.well-known/did.json``;
    ``did:web:example.com:user:alice`` -> ``https://example.com/user/alice/did.json``;
    a percent-encoded port (``did:web:example.com%3A8443``) is decoded.

    Args:
        did: The DID, without a fragment or query.

    Returns:
        The URL.

    Raises:
        FetchError: ``fetch-refused`` when it is not a well-formed did:web DID.
    """
    if not did.startswith(_DID_WEB_PREFIX) or any(c in did for c in "#?/"):
        raise FetchError(did, "not a did:web DID (without fragment or query)", code="fetch-refused")
    parts = did[len(_DID_WEB_PREFIX) :].split(":")
    if not all(parts):
        raise FetchError(did, "did:web has an empty segment", code="fetch-refused")
    host = unquote(parts[0])
    if not host or any(c in host for c in "/@?#\\ "):
        raise FetchError(did, f"did:web host {host!r} is not valid", code="fetch-refused")
    path = "/".join(unquote(part) for part in parts[1:])
    if any(c in path for c in "?#\\") or ".." in path.split("/"):
        raise FetchError(did, "did:web path is not valid", code="fetch-refused")
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def _forbidden(address: IPAddress, *, allow_loopback: bool) -> str:
    """Why connecting to ``address`` is refused, or ``""`` when it is allowed."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        else:
            # 6to4 and Teredo addresses carry an IPv4 address that relays deliver to.
            embedded = [address.sixtofour, *(address.teredo or ())]
            for inner in embedded:
                reason = _forbidden(inner, allow_loopback=allow_loopback) if inner else ""
                if reason:
                    return f"{reason} (inside {address})"
    if address in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "" if allow_loopback else "a loopback address"
    for flag, name in (
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_private, "a private address"),
        (address.is_reserved, "a reserved address"),
        (not address.is_global, "not a globally routable address"),
    ):
        if flag:
            return name
    return ""


@dataclass(frozen=True, slots=True)
class _Entry:
    expires: float
    document: dict[str, Any] | None
    error: FetchError | None


class HttpFetcher(DocumentStore):
    """A `DocumentStore` that fetches JSON documents over HTTPS, with SSRF protection.

    `get` maps ``did:web`` DIDs to their ``did.json`` URL (and checks the document's id is
    the DID), fetches ``https`` URLs, and returns ``None`` for anything else and for any
    URL with a ``#fragment`` (a fragment names part of a document, never a document: the
    verifier then asks for the URL without it). A failed fetch raises `FetchError`.

    Args:
        client: The one ``httpx.Client`` all requests go through (its transport is
            injected in tests with ``httpx.MockTransport``). Redirects are followed here,
            never by the client.
        allow_loopback_http: Allow loopback targets, and plain ``http`` to them (tests only).
        connect_timeout: Seconds to connect.
        read_timeout: Seconds between bytes read (also used for write and pool waits).
        max_bytes: Largest response body read; reading stops beyond it.
        max_redirects: Most redirects followed; each hop is checked like the first URL.
        ttl: Seconds a fetched document is cached.
        failure_ttl: Seconds a failure is cached (so a dead host is not hammered).
        clock: Monotonic seconds, for the cache (injectable in tests).
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        allow_loopback_http: bool = False,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        ttl: float = DEFAULT_TTL_S,
        failure_ttl: float = DEFAULT_FAILURE_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._allow_loopback = allow_loopback_http
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._max_bytes = max_bytes
        self._max_redirects = max_redirects
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._clock = clock
        self._cache: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> dict[str, Any] | None:
        """The document at ``url`` (a did:web DID or an https URL), ``None`` if not fetchable.

        Raises:
            FetchError: The URL is fetchable in principle but was refused or failed.
        """
        if "#" in url:
            return None
        if url.startswith(_DID_WEB_PREFIX):
            document = self.fetch(did_web_url(url))
            if document.get("id") != url:
                raise FetchError(
                    url,
                    f"the DID document has id {document.get('id')!r}, not the DID",
                    code="fetch-failed",
                )
            return document
        scheme = urlsplit(url).scheme.lower()
        if scheme == "https" or (scheme == "http" and self._allow_loopback):
            return self.fetch(url)
        return None

    def fetch(self, url: str) -> dict[str, Any]:
        """Fetch the JSON object at ``url`` (cached).

        Returns:
            The document; shared with the cache, so it must not be modified.

        Raises:
            FetchError: ``fetch-refused`` or ``fetch-failed``, with the reason.
        """
        now = self._clock()
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and entry.expires > now:
                if entry.error is not None:
                    raise entry.error
                assert entry.document is not None
                return entry.document
        # Fetched outside the lock: two threads may fetch the same URL at once (harmless).
        try:
            document = self._fetch_uncached(url)
        except FetchError as error:
            with self._lock:
                self._cache[url] = _Entry(self._clock() + self._failure_ttl, None, error)
            raise
        with self._lock:
            self._cache[url] = _Entry(self._clock() + self._ttl, document, None)
        return document

    def _fetch_uncached(self, url: str) -> dict[str, Any]:
        current = url
        for _hop in range(self._max_redirects + 1):
            addresses = self._check_url(current, original=url)
            body_or_location = self._request(current, addresses, original=url)
            if isinstance(body_or_location, bytes):
                return self._parse(body_or_location, original=url)
            current = body_or_location
        raise FetchError(url, f"more than {self._max_redirects} redirects", code="fetch-failed")

    def _check_url(self, url: str, *, original: str) -> list[IPAddress]:
        """Refuse a URL whose scheme, form or resolved addresses are not allowed.

        Every address the host resolves to must be allowed.

        Returns:
            The checked addresses, in resolver order: the only ones connected to.
        """
        label = url if url == original else f"redirect to {url}"
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise FetchError(
                original, f"{label}: invalid URL ({error})", code="fetch-refused"
            ) from None
        scheme = parts.scheme.lower()
        host = parts.hostname
        if scheme not in {"https", "http"} or not host:
            raise FetchError(
                original, f"{label}: only https URLs are fetched", code="fetch-refused"
            )
        if parts.username is not None or parts.password is not None:
            raise FetchError(
                original, f"{label}: URLs with credentials are refused", code="fetch-refused"
            )
        addresses = self._addresses(
            host, port or (443 if scheme == "https" else 80), original, label
        )
        for address in addresses:
            reason = _forbidden(address, allow_loopback=self._allow_loopback)
            if reason:
                raise FetchError(
                    original,
                    f"{label}: {host} resolves to {address}, {reason}",
                    code="fetch-refused",
                )
        if scheme == "http" and not (
            self._allow_loopback and all(address.is_loopback for address in addresses)
        ):
            raise FetchError(
                original,
                f"{label}: plain http is refused (https only; http only to loopback in tests)",
                code="fetch-refused",
            )
        return list(dict.fromkeys(addresses))

    @staticmethod
    def _addresses(host: str, port: int, original: str, label: str) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise FetchError(
                original, f"{label}: cannot resolve {host}: {error}", code="fetch-failed"
            ) from None
        addresses: list[IPAddress] = []
        for info in infos:
            try:
                addresses.append(ipaddress.ip_address(str(info[4][0]).partition("%")[0]))
            except ValueError:
                raise FetchError(
                    original, f"{label}: {host} resolves to a non-IP address", code="fetch-refused"
                ) from None
        if not addresses:
            raise FetchError(original, f"{label}: {host} has no address", code="fetch-failed")
        return addresses

    def _send_pinned(
        self, url: str, addresses: list[IPAddress], *, original: str, label: str
    ) -> httpx.Response:
        """Send the GET to the checked addresses in turn until one accepts the connection."""
        target = httpx.URL(url)
        pinned = target.host not in {str(address) for address in addresses}
        headers = {"Accept": _ACCEPT, "Connection": "close"}
        with _transport_errors(original, label):
            for position, address in enumerate(addresses):
                extensions: dict[str, Any] = {}
                request_url = target
                if pinned:
                    # Connect to the checked IP; the name still selects the virtual host
                    # and is what the TLS certificate must be valid for.
                    request_url = target.copy_with(host=str(address))
                    headers["Host"] = target.netloc.decode("ascii")
                    extensions["sni_hostname"] = target.host
                request = self._client.build_request(
                    "GET",
                    request_url,
                    headers=headers,
                    timeout=self._timeout,
                    extensions=extensions,
                )
                try:
                    return self._client.send(request, stream=True, follow_redirects=False)
                except httpx.ConnectError:
                    if position == len(addresses) - 1:
                        raise
        raise FetchError(original, f"{label}: no address to connect to", code="fetch-failed")

    def _request(self, url: str, addresses: list[IPAddress], *, original: str) -> bytes | str:
        """The body of a 200 response, or the absolute URL a redirect points to."""
        label = url if url == original else f"redirect to {url}"
        response = self._send_pinned(url, addresses, original=original, label=label)
        try:
            if response.status_code in _REDIRECT_STATUSES:
                location = str(response.headers.get("location") or "")
                if not location:
                    raise FetchError(
                        original, f"{label}: redirect without Location", code="fetch-failed"
                    )
                return str(urljoin(url, location))
            if response.status_code != 200:  # noqa: PLR2004
                raise FetchError(
                    original, f"{label}: HTTP {response.status_code}", code="fetch-failed"
                )
            return self._read_capped(response, original, label)
        finally:
            response.close()

    def _read_capped(self, response: httpx.Response, original: str, label: str) -> bytes:
        too_large = FetchError(
            original, f"{label}: response larger than {self._max_bytes} bytes", code="fetch-failed"
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise too_large
        body = bytearray()
        with _transport_errors(original, label):
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self._max_bytes:
                    raise too_large
        return bytes(body)

    @staticmethod
    def _parse(body: bytes, *, original: str) -> dict[str, Any]:
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise FetchError(original, "response is not JSON", code="fetch-failed") from None
        if not isinstance(document, dict):
            raise FetchError(original, "response is not a JSON object", code="fetch-failed")
        if nesting_depth(document) > MAX_DEPTH:
            raise FetchError(
                original, f"JSON nesting is deeper than {MAX_DEPTH}", code="fetch-failed"
            )
        return document


class ChainedDocuments(DocumentStore):
    """Pinned documents first, then (optionally) the network.

    A pinned document always wins over a fetched one. Offline deployments pass no fetcher.

    Args:
        pinned: The pinned store (e.g. `PinnedDocuments`).
        fetcher: Asked when ``pinned`` has nothing (e.g. `HttpFetcher`); may raise `FetchError`.
    """

    def __init__(self, pinned: DocumentStore, fetcher: DocumentStore | None = None) -> None:
        self._pinned = pinned
        self._fetcher = fetcher

    def get(self, url: str) -> dict[str, Any] | None:
        """The pinned document for ``url``, else the fetcher's (``None`` when neither has it)."""
        document = self._pinned.get(url)
        if document is not None or self._fetcher is None:
            return document
        return self._fetcher.get(url)


@contextmanager
def _transport_errors(original: str, label: str) -> Iterator[None]:
    """Turn httpx transport failures (connecting or reading) into a `FetchError`."""
    try:
        yield
    except httpx.TimeoutException:
        raise FetchError(original, f"{label}: timed out", code="fetch-failed") from None
    except httpx.HTTPError as error:
        raise FetchError(
            original, f"{label}: {type(error).__name__}: {error}", code="fetch-failed"
        ) from None
