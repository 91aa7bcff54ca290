"""HttpFetcher and ChainedDocuments: SSRF rules, limits, redirects, cache (all offline)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ingest import ChainedDocuments, FetchError, HttpFetcher, PinnedDocuments, did_web_url
from tests.ingest.http_testkit import Server, fake_dns

DOC_URL = "https://issuer.example/profile"
DOC = {"id": DOC_URL, "type": "Profile", "name": "Example"}


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return fake_dns(monkeypatch)


def _refused(fetcher: HttpFetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as raised:
        fetcher.fetch(url)
    return raised.value


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:user:alice", "https://example.com/user/alice/did.json"),
        ("did:web:example.com%3A8443", "https://example.com:8443/.well-known/did.json"),
        ("did:web:example.com%3A8443:a:b", "https://example.com:8443/a/b/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url


@pytest.mark.parametrize(
    "did",
    ["did:key:z6Mk", "did:web:", "did:web:a::b", "did:web:a#x", "did:web:a:..", "did:web:a%40b"],
)
def test_did_web_url_refuses_malformed(did: str) -> None:
    with pytest.raises(FetchError) as raised:
        did_web_url(did)
    assert raised.value.code == "fetch-refused"


def test_fetches_a_json_document(dns: list[str]) -> None:
    server = Server({DOC_URL: DOC})

    assert server.fetcher().get(DOC_URL) == DOC
    assert dns == ["issuer.example"]


def test_did_web_document_must_carry_the_did(dns: list[str]) -> None:
    did = "did:web:issuer.example"
    server = Server(
        {"https://issuer.example/.well-known/did.json": {"id": "did:web:other.example"}}
    )

    with pytest.raises(FetchError, match="not the DID") as raised:
        server.fetcher().get(did)
    assert raised.value.code == "fetch-failed"


def test_urls_with_fragments_and_other_schemes_are_not_documents(dns: list[str]) -> None:
    server = Server({DOC_URL: DOC})
    fetcher = server.fetcher()

    assert fetcher.get(DOC_URL + "#key-1") is None
    assert fetcher.get("urn:uuid:1234") is None
    assert fetcher.get("did:example:123") is None
    assert fetcher.get("http://issuer.example/profile") is None
    assert server.requests == []


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("10.0.0.1", "private"),
        ("192.168.1.7", "private"),
        ("169.254.169.254", "metadata"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a globally routable"),
        ("fe80::1", "link-local"),
    ],
)
def test_forbidden_addresses_are_refused(
    monkeypatch: pytest.MonkeyPatch, ip: str, reason: str
) -> None:
    fake_dns(monkeypatch, {"issuer.example": ip})
    server = Server({DOC_URL: DOC})

    error = _refused(server.fetcher(), DOC_URL)

    assert error.code == "fetch-refused"
    assert reason in error.message
    assert server.requests == []


def test_one_forbidden_address_among_several_is_enough(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"issuer.example": ["93.184.216.34", "10.0.0.1"]})
    server = Server({DOC_URL: DOC})

    assert _refused(server.fetcher(), DOC_URL).code == "fetch-refused"
    assert server.requests == []


def test_ip_literal_hosts_are_checked_without_dns(dns: list[str]) -> None:
    server = Server()

    assert _refused(server.fetcher(), "https://169.254.169.254/latest").code == "fetch-refused"
    assert _refused(server.fetcher(), "https://[::1]/x").code == "fetch-refused"
    assert dns == []
    assert server.requests == []


@pytest.mark.parametrize(
    "url", ["http://issuer.example/profile", "ftp://issuer.example/x", "file:///etc/passwd"]
)
def test_only_https_is_fetched(dns: list[str], url: str) -> None:
    server = Server({url: DOC})

    error = _refused(server.fetcher(), url)

    assert error.code == "fetch-refused"
    assert server.requests == []


def test_credentials_in_urls_are_refused(dns: list[str]) -> None:
    assert _refused(Server().fetcher(), "https://user:pw@issuer.example/x").code == (
        "fetch-refused"
    )


def test_loopback_http_only_with_the_test_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"localhost": "127.0.0.1"})
    url = "http://localhost:8080/doc"
    server = Server({url: DOC})

    assert _refused(server.fetcher(), url).code == "fetch-refused"
    assert server.fetcher(allow_loopback_http=True).get(url) == DOC
    # The flag does not open plain http to the internet.
    assert _refused(server.fetcher(allow_loopback_http=True), "http://issuer.example/x").code == (
        "fetch-refused"
    )


def test_http_error_status_fails(dns: list[str]) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(500)

    error = _refused(server.fetcher(), DOC_URL)

    assert error.code == "fetch-failed"
    assert "HTTP 500" in error.message


def test_timeout_fails(dns: list[str]) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    server = Server()
    server.override = slow

    error = _refused(server.fetcher(read_timeout=0.5), DOC_URL)

    assert error.code == "fetch-failed"
    assert "timed out" in error.message


def test_timeouts_are_passed_to_the_request(dns: list[str]) -> None:
    seen: list[dict[str, float | None]] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json=DOC)

    server = Server()
    server.override = record
    server.fetcher(connect_timeout=1.5, read_timeout=2.5).fetch(DOC_URL)

    assert seen[0]["connect"] == 1.5
    assert seen[0]["read"] == 2.5


def test_declared_oversized_response_fails(dns: list[str]) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(200, content=b"{" + b" " * 200 + b"}")

    error = _refused(server.fetcher(max_bytes=100), DOC_URL)

    assert error.code == "fetch-failed"
    assert "larger than 100 bytes" in error.message


def test_streamed_oversized_response_stops_reading(dns: list[str]) -> None:
    produced: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index in range(1000):
            produced.append(index)
            yield b" " * 64

    server = Server()
    server.override = lambda request: httpx.Response(200, content=chunks())

    error = _refused(server.fetcher(max_bytes=1000), DOC_URL)

    assert "larger than 1000 bytes" in error.message
    assert len(produced) < 20  # stopped soon after the cap, not read to the end


def test_default_size_cap_is_5_mb(dns: list[str]) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(
        200, content=b'{"a": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    )

    assert "larger than" in _refused(server.fetcher(), DOC_URL).message


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"[" * 100000])
def test_non_object_json_fails(dns: list[str], body: bytes) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(200, content=body)

    assert _refused(server.fetcher(), DOC_URL).code == "fetch-failed"


def test_content_type_is_not_required(dns: list[str]) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(
        200, content=b'{"id": "x"}', headers={"content-type": "text/plain"}
    )

    assert server.fetcher().fetch(DOC_URL) == {"id": "x"}


def test_redirects_are_followed_and_checked(dns: list[str]) -> None:
    target = "https://cdn.example/profile.json"
    server = Server({target: DOC})

    def redirect(request: httpx.Request) -> httpx.Response:
        if str(request.url) == DOC_URL:
            return httpx.Response(302, headers={"location": "//cdn.example/profile.json"})
        return httpx.Response(200, json=server.documents[str(request.url)])

    server.override = redirect

    assert server.fetcher().fetch(DOC_URL) == DOC
    assert server.requests == [DOC_URL, target]
    assert dns == ["issuer.example", "cdn.example"]


def test_too_many_redirects_fail(dns: list[str]) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(301, headers={"location": "/again"})

    error = _refused(server.fetcher(max_redirects=3), DOC_URL)

    assert error.code == "fetch-failed"
    assert "more than 3 redirects" in error.message
    assert len(server.requests) == 4


def test_redirect_to_a_private_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"internal.example": "10.0.0.1"})
    server = Server()
    server.override = lambda request: httpx.Response(
        307, headers={"location": "https://internal.example/secret"}
    )

    error = _refused(server.fetcher(), DOC_URL)

    assert error.code == "fetch-refused"
    assert "redirect to https://internal.example/secret" in error.message
    assert server.requests == [DOC_URL]


def test_redirect_to_metadata_ip_and_to_http_are_refused(dns: list[str]) -> None:
    for location in ("http://169.254.169.254/latest/meta-data", "http://issuer.example/x"):
        server = Server()
        server.override = lambda request, to=location: httpx.Response(302, headers={"location": to})

        assert _refused(server.fetcher(), DOC_URL).code == "fetch-refused"
        assert server.requests == [DOC_URL]


def test_results_are_cached_until_the_ttl(dns: list[str]) -> None:
    now = [1000.0]
    server = Server({DOC_URL: DOC})
    fetcher = server.fetcher(ttl=300, clock=lambda: now[0])

    assert fetcher.get(DOC_URL) == DOC
    assert fetcher.get(DOC_URL) == DOC
    assert len(server.requests) == 1
    now[0] += 301
    fetcher.get(DOC_URL)
    assert len(server.requests) == 2


def test_failures_are_cached_briefly(dns: list[str]) -> None:
    now = [1000.0]
    server = Server()
    server.override = lambda request: httpx.Response(503)
    fetcher = server.fetcher(failure_ttl=30, clock=lambda: now[0])

    for _ in range(3):
        with pytest.raises(FetchError):
            fetcher.fetch(DOC_URL)
    assert len(server.requests) == 1
    now[0] += 31
    server.override = None
    server.documents[DOC_URL] = DOC
    assert fetcher.fetch(DOC_URL) == DOC


def test_chained_documents_prefer_pinned(dns: list[str]) -> None:
    pinned_doc = {"id": DOC_URL, "name": "Pinned"}
    server = Server({DOC_URL: DOC, "https://other.example/x": {"id": "x"}})
    chained = ChainedDocuments(PinnedDocuments({DOC_URL: pinned_doc}), server.fetcher())

    assert chained.get(DOC_URL) == pinned_doc
    assert server.requests == []
    assert chained.get("https://other.example/x") == {"id": "x"}


def test_chained_documents_without_fetcher_are_offline() -> None:
    chained = ChainedDocuments(PinnedDocuments({DOC_URL: DOC}))

    assert chained.get(DOC_URL) == DOC
    assert chained.get("https://other.example/x") is None
