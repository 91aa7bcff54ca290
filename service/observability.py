"""Observability: request ids, structured access logs and Prometheus metrics.

Every HTTP request gets an id: the caller's ``X-Request-Id`` when it is a sane token (at
most 128 characters of ``[A-Za-z0-9._-]``), else a new uuid4 hex. The id is kept in
``request.state.request_id`` and in a context variable, so :class:`RequestIdFilter` adds it
to every log record written while the request is served (also from the worker threads sync
handlers run in: they inherit the context), and problem responses carry it as ``requestId``.
It is sent back in the ``X-Request-Id`` response header.

One access log line per request (logger ``credmatch.access``) names the method, the route
template (never the raw path: it can hold candidate ids), the status, the duration, the
request id and, for authenticated calls, the tenant and API key ids. Never the key itself,
never a body.

Metrics live in a :class:`Metrics` registry per application (never the process-global one,
so several apps in one process do not clash) and are served at ``/metrics`` in the
Prometheus text format:

- ``credmatch_http_request_duration_seconds{method,route,status}`` histogram;
- ``credmatch_ingest_results_total{source,outcome,code}``: accepted, duplicate and rejected
  credentials (by rejection code) from the API, quarantine retries and ingest jobs;
- ``credmatch_candidate_index_candidates{tenant}`` and ``..._vectors{tenant}``: sizes of the
  candidate indexes this process has loaded, read at scrape time;
- ``credmatch_ingest_job_items_pending``: job items not yet ingested, across all workers;
- ``credmatch_phrase_cache_total{result}``: job phrases answered from the phrase cache
  (``hit``) or encoded (``miss``) by this process.
- ``credmatch_title_cache_total{result}``: job titles whose occupation came from the title
  cache (``hit``) or was encoded (``miss``) by this process.

Litestar's own Prometheus middleware is not used: it registers its metrics in the global
registry, shared by every app of the process.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

from litestar import Controller, Response, get
from litestar.datastructures import MutableScopeHeaders, State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from service.credentials import service as credentials_service
from service.credentials.service import Accepted, Rejected
from service.db.engine import unit_of_work
from service.errors import SettingsError

if TYPE_CHECKING:
    from ingest.hit_cache import HitCache
    from service.runtime import Runtime

__all__ = [
    "REQUEST_ID_HEADER",
    "RESPONSE_HEADERS_STATE",
    "JsonFormatter",
    "Metrics",
    "MetricsController",
    "ObservabilityMiddleware",
    "RequestIdFilter",
    "build_log_handler",
    "configure_logging",
    "current_request_id",
    "provide_metrics",
    "request_id_from",
]

REQUEST_ID_HEADER = "X-Request-Id"
RESPONSE_HEADERS_STATE = "response_headers"
"""Key of a ``dict[str, str]`` in the request state: headers added to the response unless
the response already has them (the rate limiter's ``RateLimit-*`` headers)."""

UNMATCHED_ROUTE = "unmatched"
"""Route label of requests that matched no route (their raw paths are unbounded)."""

_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "credmatch_request_id", default=None
)
access_logger = logging.getLogger("credmatch.access")
logger = logging.getLogger("credmatch.observability")

# Seconds: from a cached health check to a large match or a synchronous gap report.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The caller's request id when it is a sane token, else a new one (uuid4 hex)."""
    if header is not None and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (None outside a request) to records that do not carry one.

    Installed on handlers (not loggers), so records propagated from any logger get it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate the record; never drops it."""
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line; extras that are None are left out."""
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and value is not None:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


class _TextFormatter(logging.Formatter):
    """The classic one-line format, with the request id appended when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{text} [request_id={request_id}]" if request_id else text


def build_log_handler(log_format: str, stream: IO[str] | None = None) -> logging.Handler:
    """A stream handler writing ``json`` or ``text`` lines, with request ids.

    Raises:
        SettingsError: ``log_format`` is neither ``json`` nor ``text``.
    """
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter()
    elif log_format == "text":
        formatter = _TextFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    else:
        raise SettingsError(f"CREDMATCH_LOG_FORMAT={log_format!r} must be 'json' or 'text'")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    return handler


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Send every log record (the server's too) to stderr in the chosen format.

    Called by ``credmatch serve``, never at import time: it replaces the root handlers.

    Raises:
        SettingsError: Unknown format.
    """
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(build_log_handler(log_format))
    root.setLevel(level)


class _RuntimeCollector(Collector):
    """Gauges read from the runtime at scrape time: index sizes and the job backlog."""

    def __init__(self, runtime_of: Callable[[], Runtime | None]) -> None:
        self._runtime_of = runtime_of

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        candidates, vectors, pending = self._families()
        runtime = self._runtime_of()
        if runtime is not None and runtime.taxonomy is not None:
            taxonomy = runtime.taxonomy
            yield _cache_counter(
                "credmatch_phrase_cache",
                "Job phrases answered from the phrase cache (hit) or encoded (miss)",
                taxonomy.mapper.phrase_cache,
            )
            yield _cache_counter(
                "credmatch_title_cache",
                "Job titles whose occupation came from the title cache (hit) or was encoded (miss)",
                taxonomy.title_cache,
            )
        if runtime is not None:
            if runtime.indexes is not None:
                for index in runtime.indexes.loaded():
                    held, stored = index.size()
                    candidates.add_metric([str(index.tenant_id)], held)
                    vectors.add_metric([str(index.tenant_id)], stored)
            try:
                with unit_of_work(runtime.sessions) as session:
                    pending.add_metric([], credentials_service.pending_job_items(session))
            except SQLAlchemyError:
                # A scrape must still answer when the database does not; the gauge is absent.
                logger.warning("could not read the ingest job backlog", exc_info=True)
                yield from (candidates, vectors)
                return
        yield from (candidates, vectors, pending)

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                "credmatch_candidate_index_candidates",
                "Candidates with verified evidence in a loaded candidate index",
                labels=["tenant"],
            ),
            GaugeMetricFamily(
                "credmatch_candidate_index_vectors",
                "Vectors in a loaded candidate index (FAISS)",
                labels=["tenant"],
            ),
            GaugeMetricFamily(
                "credmatch_ingest_job_items_pending",
                "Documents of ingest jobs not yet ingested (all workers)",
            ),
        )


class Metrics:
    """The Prometheus metrics of one application, in their own registry.

    Args:
        runtime_of: Returns the app's runtime (None before start-up); read at scrape time.
    """

    def __init__(self, runtime_of: Callable[[], Runtime | None]) -> None:
        self.registry = CollectorRegistry()
        self.request_duration = Histogram(
            "credmatch_http_request_duration_seconds",
            "HTTP request latency by method, route template and status",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ingest_results = Counter(
            "credmatch_ingest_results",
            "Credentials ingested: accepted, duplicate, or rejected with its code",
            ["source", "outcome", "code"],
            registry=self.registry,
        )
        self.registry.register(_RuntimeCollector(runtime_of))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one served request."""
        self.request_duration.labels(method, route, str(status)).observe(seconds)

    def count_ingest(self, result: Accepted | Rejected, *, source: str) -> None:
        """Count an ingest outcome, and each credential nested in a CLR bundle.

        Args:
            result: What ingest returned.
            source: Where the document came from: ``api``, ``retry`` or ``job``.
        """
        if isinstance(result, Rejected):
            self.ingest_results.labels(source, "rejected", result.code).inc()
            return
        self.ingest_results.labels(source, "accepted" if result.created else "duplicate", "").inc()
        for nested in result.nested:
            self.count_ingest(nested, source=source)

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format."""
        return generate_latest(self.registry)


def provide_metrics(state: State) -> Metrics:
    """The app's metrics (dependency)."""
    metrics: Metrics = state.metrics
    return metrics


class MetricsController(Controller):
    """``/metrics`` for Prometheus (no API key; left out of the OpenAPI document)."""

    path = "/metrics"
    include_in_schema = False

    @get("/", sync_to_thread=True, include_in_schema=False, media_type=CONTENT_TYPE_LATEST)
    def metrics(self, state: State) -> Response[bytes]:
        """The app's metrics in the Prometheus text format."""
        registry: Metrics = state.metrics
        return Response(registry.exposition(), media_type=CONTENT_TYPE_LATEST)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class ObservabilityMiddleware:
    """ASGI middleware giving each HTTP request an id, an access log line and a latency sample.

    It wraps the whole application (routing included), so requests that match no route are
    logged and counted too.

    Args:
        app: The wrapped ASGI application.
        metrics: Where latencies are recorded.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id set; log and measure it when done."""
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(_header(scope, REQUEST_ID_HEADER.lower().encode()))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = _request_id.set(request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableScopeHeaders.from_message(message)
                headers[REQUEST_ID_HEADER] = request_id
                for name, value in state.get(RESPONSE_HEADERS_STATE, {}).items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            route = scope.get("path_template") or UNMATCHED_ROUTE
            self.metrics.observe_request(scope["method"], route, status, seconds)
            _log_access(
                scope["method"],
                route,
                status=status,
                seconds=seconds,
                request_id=request_id,
                state=state,
            )
            _request_id.reset(token)


def _log_access(
    method: str, route: str, *, status: int, seconds: float, request_id: str, state: dict[str, Any]
) -> None:
    principal = state.get("principal")
    duration_ms = round(seconds * 1000, 2)
    access_logger.info(
        "%s %s %d %.2fms",
        method,
        route,
        status,
        duration_ms,
        extra={
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": request_id,
            "tenant_id": getattr(principal, "tenant_id", None),
            "key_id": getattr(principal, "key_id", None),
        },
    )


def _cache_counter(name: str, documentation: str, cache: HitCache) -> CounterMetricFamily:
    """A cache's hits and misses as one counter with a ``result`` label."""
    family = CounterMetricFamily(name, documentation, labels=["result"])
    family.add_metric(["hit"], cache.hits)
    family.add_metric(["miss"], cache.misses)
    return family
