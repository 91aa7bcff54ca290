"""Rate limiting: the token bucket itself, and 429 problems per API key and per address."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from service.app import create_app
from service.keys.ratelimit import TokenBucketLimiter
from service.observability import build_log_handler
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.service.conftest import Tenant


class FakeClock:
    """A clock the test moves by hand (the limiter reads no real time here)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_the_burst_then_refills_at_the_rate() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=60, burst=3, clock=clock)
    decisions = [limiter.take("k") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    refused = decisions[-1]
    assert (refused.retry_after, refused.reset_seconds) == (1, 3)
    assert refused.headers() == {
        "RateLimit-Limit": "3",
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "3",
        "Retry-After": "1",
    }
    assert "Retry-After" not in decisions[0].headers()
    clock.now += 1.0  # one token a second
    assert limiter.take("k").allowed
    assert not limiter.take("k").allowed
    clock.now += 60.0  # never more than the burst
    assert [limiter.take("k").allowed for _ in range(4)] == [True, True, True, False]


def test_buckets_are_separate_and_the_least_recently_used_are_forgotten() -> None:
    clock = FakeClock()
    limiter = TokenBucketLimiter(per_minute=1, burst=1, max_buckets=2, clock=clock)
    assert limiter.take("a").allowed
    assert limiter.take("b").allowed
    assert not limiter.take("a").allowed  # "a" is now the most recently used
    assert limiter.take("c").allowed  # forgets "b"
    assert not limiter.take("a").allowed
    assert limiter.take("b").allowed  # a forgotten bucket starts full


@pytest.mark.parametrize(("per_minute", "burst"), [(0, 10), (10, 0)])
def test_zero_disables_limiting(per_minute: int, burst: int) -> None:
    limiter = TokenBucketLimiter(per_minute=per_minute, burst=burst)
    assert not limiter.enabled
    with pytest.raises(ValueError, match="disabled"):
        limiter.take("k")


@pytest.fixture
def limited(runtime: Runtime) -> Iterator[httpx.Client]:
    """A fresh app allowing 3 requests at once and 1 a minute after that."""
    settings = runtime.settings.replaced(rate_limit_burst=3, rate_limit_per_minute=1)
    app = create_app(settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def assert_rate_limited(response: httpx.Response) -> dict:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "https://credmatch.dev/problems/rate-limited"
    assert body["status"] == 429
    assert body["requestId"] == response.headers["x-request-id"]
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["ratelimit-limit"] == "3"
    assert response.headers["ratelimit-remaining"] == "0"
    assert 1 <= int(response.headers["ratelimit-reset"]) <= 180
    return body


def test_a_key_over_its_limit_gets_429_and_other_keys_do_not(
    limited: httpx.Client, tenant: Tenant
) -> None:
    remaining = []
    for _ in range(3):
        response = limited.get("/v1/quarantine", headers=tenant.headers("ingest"))
        assert response.status_code == 200, response.text
        assert response.headers["ratelimit-limit"] == "3"
        assert len(response.headers.get_list("ratelimit-limit")) == 1
        remaining.append(response.headers["ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    body = assert_rate_limited(limited.get("/v1/quarantine", headers=tenant.headers("ingest")))
    assert "this API key" in body["detail"]
    assert (
        len(
            limited.get("/v1/quarantine", headers=tenant.headers("ingest")).headers.get_list(
                "ratelimit-limit"
            )
        )
        == 1
    )
    # Another key of the same tenant has its own bucket.
    other = limited.get("/v1/quarantine", headers=tenant.headers("admin"))
    assert other.status_code == 200, other.text
    assert other.headers["ratelimit-remaining"] == "2"


def test_unauthenticated_routes_are_limited_per_client_address(limited: httpx.Client) -> None:
    for _ in range(3):
        assert limited.get("/health").status_code == 200
    body = assert_rate_limited(limited.get("/metrics"))
    assert "this client address" in body["detail"]


def test_failed_authentication_is_charged_to_the_address(
    limited: httpx.Client, tenant: Tenant
) -> None:
    bad = {"Authorization": "Bearer cm_00000000_not-a-key"}
    for _ in range(3):
        assert limited.get("/v1/quarantine", headers=bad).status_code == 401
    assert_rate_limited(limited.get("/v1/quarantine", headers=bad))
    # A valid key is charged to its own bucket, not the address's.
    assert limited.get("/v1/quarantine", headers=tenant.headers("ingest")).status_code == 200


def test_refusals_are_logged_with_the_request_id(limited: httpx.Client, tenant: Tenant) -> None:
    stream = io.StringIO()
    handler = build_log_handler("json", stream)
    log = logging.getLogger("credmatch.ratelimit")
    log.addHandler(handler)
    previous = log.level
    log.setLevel(logging.INFO)
    try:
        for _ in range(3):
            limited.get("/v1/quarantine", headers=tenant.headers("matcher"))
        refused = limited.get(
            "/v1/quarantine", headers={**tenant.headers("matcher"), "X-Request-Id": "limit-1"}
        )
    finally:
        log.removeHandler(handler)
        log.setLevel(previous)
    assert refused.status_code == 429
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["message"] == "rate limit exceeded"
    assert line["request_id"] == "limit-1"  # added by the filter: the call site passes none
    assert isinstance(line["key_id"], int)


def test_zero_settings_turn_limiting_off(runtime: Runtime) -> None:
    settings = runtime.settings.replaced(rate_limit_per_minute=600, rate_limit_burst=0)
    app = create_app(settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        responses = [client.get("/health") for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    assert "ratelimit-limit" not in responses[0].headers
