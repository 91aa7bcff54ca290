"""Rate limiting: a token bucket per API key, or per client address for calls without one.

Each bucket holds at most ``rate_limit_burst`` tokens and refills at
``rate_limit_per_minute`` tokens a minute; a request takes one token, and a request that
finds none is answered ``429`` (problem type ``rate-limited``) with ``Retry-After``. Every
limited response carries the IETF draft headers ``RateLimit-Limit`` (the burst),
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds until the bucket is full again).
Either setting at 0 turns limiting off.

Where the checks run:

- authenticated routes: :func:`service.api.dependencies.require_api_key` charges the key's
  bucket right after the key is known, before the role check and before the body is read;
  a failed authentication charges the client address instead, so guessing keys is limited;
- every other route (``/health``, ``/metrics``, the OpenAPI document, the web pages): the
  app-level guard made by :func:`anonymous_rate_limit_guard` charges the client address.

Buckets live in the memory of one worker process: with several processes or replicas a key
may make up to that many times the configured rate. Behind a reverse proxy the client
address is the proxy's unless the server is told to trust forwarded headers (uvicorn's
``--forwarded-allow-ips``).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from service.errors import RateLimitedError
from service.keys.auth import Principal
from service.observability import RESPONSE_HEADERS_STATE

__all__ = [
    "RateDecision",
    "TokenBucketLimiter",
    "anonymous_rate_limit_guard",
    "limit_request",
]

logger = logging.getLogger("credmatch.ratelimit")

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class RateDecision:
    """What a bucket said about one request."""

    allowed: bool
    limit: int
    """The burst: requests that may be made at once from a full bucket."""
    remaining: int
    """Whole tokens left after this request."""
    reset_seconds: int
    """Seconds until the bucket is full again."""
    retry_after: int
    """Seconds until a request may be made (0 when this one was allowed)."""

    def headers(self) -> dict[str, str]:
        """The ``RateLimit-*`` headers (and ``Retry-After`` when refused)."""
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class TokenBucketLimiter:
    """In-process token buckets by key, thread-safe.

    Args:
        per_minute: Tokens added to a bucket each minute (0: no limit).
        burst: Bucket capacity (0: no limit).
        max_buckets: Buckets kept; the least recently used are forgotten beyond it (a
            forgotten bucket starts full again, like one idle long enough).
        clock: Seconds from a monotonic clock.
    """

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        max_buckets: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.max_buckets = max_buckets
        self._clock = clock
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether requests are limited at all."""
        return self.per_minute > 0 and self.burst > 0

    def take(self, key: str) -> RateDecision:
        """Take one token from ``key``'s bucket, if it has one.

        Raises:
            ValueError: Limiting is disabled.
        """
        if not self.enabled:
            raise ValueError("rate limiting is disabled")
        now = self._clock()
        with self._lock:
            tokens, updated = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - updated) * self._rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        return RateDecision(
            allowed=allowed,
            limit=self.burst,
            remaining=int(tokens),
            reset_seconds=math.ceil((self.burst - tokens) / self._rate),
            retry_after=0 if allowed else max(1, math.ceil((1.0 - tokens) / self._rate)),
        )


def _client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    client = connection.scope.get("client")
    return client[0] if client else "unknown"


def limit_request(
    connection: ASGIConnection[Any, Any, Any, Any], principal: Principal | None
) -> None:
    """Charge the request to its API key's bucket, or to its client address without one.

    The ``RateLimit-*`` headers are left in the request state for the response.

    Raises:
        RateLimitedError: The bucket is empty (429, with ``Retry-After``).
    """
    limiter: TokenBucketLimiter | None = connection.app.state.get("rate_limiter")
    if limiter is None or not limiter.enabled:
        return
    if principal is not None:
        key, caller = f"key:{principal.key_id}", "this API key"
    else:
        key, caller = f"address:{_client_address(connection)}", "this client address"
    decision = limiter.take(key)
    headers = decision.headers()
    state: dict[str, Any] = connection.scope["state"]
    state.setdefault(RESPONSE_HEADERS_STATE, {}).update(headers)
    if decision.allowed:
        return
    logger.info(
        "rate limit exceeded",
        extra={
            "key_id": principal.key_id if principal is not None else None,
            "tenant_id": principal.tenant_id if principal is not None else None,
        },
    )
    raise RateLimitedError(
        f"more than {limiter.burst} requests at once or {limiter.per_minute} a minute from "
        f"{caller}; retry in {decision.retry_after} s",
        headers=headers,
    )


def anonymous_rate_limit_guard(authenticating: Guard) -> Guard:
    """An app-level guard limiting, per client address, the routes that take no API key.

    Args:
        authenticating: The guard that authenticates API keys; routes that have it are
            charged per key by that guard instead.
    """

    async def limit_anonymous(
        connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        # resolve_guards() is computed once per handler and keeps async guards as they are.
        if authenticating not in handler.resolve_guards():
            limit_request(connection, None)

    return limit_anonymous
