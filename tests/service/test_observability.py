"""Metrics at /metrics, request ids and structured access logs, on both databases."""

from __future__ import annotations

import copy
import io
import json
import logging
import re
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.app import create_app
from service.cli import main
from service.credentials import service as credentials_service
from service.credentials.jobs import submit_job
from service.db import registry
from service.db.engine import unit_of_work
from service.errors import SettingsError
from service.observability import (
    JsonFormatter,
    Metrics,
    ObservabilityMiddleware,
    RequestIdFilter,
    build_log_handler,
    configure_logging,
    current_request_id,
    request_id_from,
)
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

ISSUER = SampleIssuer(name="Metrics College", domain="metrics.example")
SQL = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL queries.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)
CANDIDATE_ROUTE = "/v1/candidates/{candidate_id}"
HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def samples(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, sorted labels)."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def tenant_id(runtime: Runtime, tenant: Tenant) -> int:
    with unit_of_work(runtime.sessions) as session:
        return registry.get_or_create_tenant(session, tenant.name).id


def test_latency_histogram_is_labelled_by_route_template(
    server: httpx.Client, tenant: Tenant
) -> None:
    labels = {"method": "GET", "route": CANDIDATE_ROUTE, "status": "404"}
    before = value(samples(server), "credmatch_http_request_duration_seconds_count", **labels)
    for who in ("nobody-1", "nobody-2"):
        response = server.get(f"/v1/candidates/{who}", headers=tenant.headers("recruiter"))
        assert response.status_code == 404
    after = samples(server)
    assert value(after, "credmatch_http_request_duration_seconds_count", **labels) == before + 2
    assert value(after, "credmatch_http_request_duration_seconds_bucket", **labels, le="+Inf") > 0
    # Raw paths (they hold candidate ids) never become label values.
    assert not any("nobody" in str(key) for key in after)


def test_requests_matching_no_route_share_one_label(server: httpx.Client) -> None:
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = value(samples(server), "credmatch_http_request_duration_seconds_count", **labels)
    assert server.get("/no/such/page-1").status_code == 404
    assert server.get("/no/such/page-2").status_code == 404
    after = value(samples(server), "credmatch_http_request_duration_seconds_count", **labels)
    assert after == before + 2


def test_ingest_outcomes_are_counted(server: httpx.Client, tenant: Tenant) -> None:
    name = "credmatch_ingest_results_total"
    before = samples(server)
    document = ISSUER.issue(SQL, "did:example:metrics-1")
    tampered = copy.deepcopy(document)
    tampered["name"] = "Forged"
    headers = tenant.headers("ingest")
    assert server.post("/v1/credentials", json=document, headers=headers).status_code == 201
    assert server.post("/v1/credentials", json=document, headers=headers).status_code == 200
    assert server.post("/v1/credentials", json=tampered, headers=headers).status_code == 422
    after = samples(server)
    for outcome, code in [("accepted", ""), ("duplicate", ""), ("rejected", "verification-failed")]:
        labels = {"source": "api", "outcome": outcome, "code": code}
        assert value(after, name, **labels) == value(before, name, **labels) + 1, outcome


def test_each_credential_nested_in_a_clr_bundle_is_counted(
    server: httpx.Client, tenant: Tenant
) -> None:
    name = "credmatch_ingest_results_total"
    accepted = {"source": "api", "outcome": "accepted", "code": ""}
    rejected = {"source": "api", "outcome": "rejected", "code": "verification-failed"}
    before = samples(server)
    forged = ISSUER.issue(SQL, "did:example:clr")
    forged["name"] = "Forged"
    registrar = SampleIssuer(name="Registrar", domain="registrar.example")
    bundle = registrar.clr("did:example:clr", [ISSUER.issue(SQL, "did:example:clr"), forged])
    response = server.post("/v1/credentials", json=bundle, headers=tenant.headers("ingest"))
    assert response.status_code == 201, response.text
    after = samples(server)
    assert value(after, name, **accepted) == value(before, name, **accepted) + 2  # bundle + one
    assert value(after, name, **rejected) == value(before, name, **rejected) + 1


def test_job_worker_outcomes_are_counted(server: httpx.Client, tenant: Tenant) -> None:
    name = "credmatch_ingest_results_total"
    accepted = {"source": "job", "outcome": "accepted", "code": ""}
    before = value(samples(server), name, **accepted)
    body = "\n".join(json.dumps(ISSUER.issue(SQL, f"did:example:job-{n}")) for n in range(2))
    response = server.post(
        "/v1/ingest/jobs",
        content=body.encode(),
        headers={**tenant.headers("ingest"), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = server.get(f"/v1/ingest/jobs/{job_id}", headers=tenant.headers("ingest")).json()
        # The counter moves after the item's transaction commits, just after the status.
        if job["status"] == "done" and value(samples(server), name, **accepted) >= before + 2:
            break
        time.sleep(0.2)
    assert value(samples(server), name, **accepted) == before + 2


def test_candidate_index_sizes_are_read_at_scrape_time(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    for who in ("ana", "ben"):
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=ISSUER.issue(SQL, f"did:example:{who}"),
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    tenant_label = str(tenant_id(runtime, tenant))
    # The tenant's index is loaded and caught up by its first match.
    found = server.post(
        "/v1/match",
        json={"skills": [{"uri": SQL.aligned_skill_uris[0]}]},
        headers=tenant.headers("matcher"),
    )
    assert found.status_code == 200, found.text
    after = samples(server)
    assert value(after, "credmatch_candidate_index_candidates", tenant=tenant_label) == 2
    assert value(after, "credmatch_candidate_index_vectors", tenant=tenant_label) == 2


def test_phrase_cache_hits_and_misses_are_counted(server: httpx.Client, tenant: Tenant) -> None:
    job = {"description": "Requirements:\n- structured query language (SQL)"}
    name = "credmatch_phrase_cache_total"
    counts = [_counts_after_match(server, tenant, job, name) for _ in range(3)]
    # The first request encodes what it reads (the list item and the phrase read whole);
    # the next ones find each of those texts in the cache.
    (misses, hits), (misses_2, hits_2), (misses_3, hits_3) = counts
    assert misses_2 == misses_3 == misses
    read = hits_2 - hits
    assert read >= 1
    assert hits_3 == hits_2 + read


def test_pending_job_items_are_summed_from_unfinished_jobs(
    runtime: Runtime, tenant: Tenant
) -> None:
    session = runtime.sessions()
    try:
        session.begin()
        before = credentials_service.pending_job_items(session)
        submit_job(
            session,
            tenant_id=registry.get_or_create_tenant(session, tenant.name).id,
            body=b"{}\n{}\n{}",
            candidate_external_id=None,
        )
        session.flush()
        assert credentials_service.pending_job_items(session) == before + 3
    finally:
        session.rollback()  # no worker ever sees this job
        session.close()


def test_metrics_can_be_turned_off_and_stay_out_of_the_openapi_document(
    server: httpx.Client, runtime: Runtime
) -> None:
    schema = server.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/metrics" not in schema.json()["paths"]
    settings = runtime.settings.replaced(metrics_enabled=False)
    # A second app in the same process: its own registry, no clash with the first one's.
    with (
        BackgroundServer(create_app(settings, runtime=runtime)) as running,
        httpx.Client(base_url=running.url, timeout=60) as client,
    ):
        assert client.get("/metrics").status_code == 404
        assert client.get("/health").status_code == 200
    assert server.get("/metrics").status_code == 200


def test_request_id_is_echoed_when_sane_and_generated_otherwise(server: httpx.Client) -> None:
    sane = "req-1.A_b"
    assert server.get("/health", headers={"X-Request-Id": sane}).headers["x-request-id"] == sane
    for header in ({}, {"X-Request-Id": "has spaces"}, {"X-Request-Id": "x" * 129}):
        generated = server.get("/health", headers=header).headers["x-request-id"]
        assert HEX_ID.fullmatch(generated), generated
    assert request_id_from("x" * 128) == "x" * 128


def test_problem_bodies_carry_the_request_id(server: httpx.Client) -> None:
    unauthenticated = server.get("/v1/quarantine", headers={"X-Request-Id": "abc-401"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"].startswith("application/problem+json")
    assert unauthenticated.json()["requestId"] == "abc-401"
    unrouted = server.get("/nowhere")
    assert unrouted.status_code == 404
    assert unrouted.json()["requestId"] == unrouted.headers["x-request-id"]


def test_one_access_log_line_per_request_with_ids_but_no_secrets(
    server: httpx.Client, tenant: Tenant, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    stream = io.StringIO()
    handler = build_log_handler("json", stream)
    access = logging.getLogger("credmatch.access")
    access.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, logger="credmatch.access"):
            response = server.get(
                "/v1/candidates/someone@example.org",
                headers={**tenant.headers("recruiter"), "X-Request-Id": "trace-42"},
            )
            assert response.status_code == 404
            # The line is written once the response is sent; the next request orders it.
            server.get("/health")
    finally:
        access.removeHandler(handler)
    [record] = [r for r in caplog.records if getattr(r, "request_id", None) == "trace-42"]
    assert (record.method, record.route, record.status) == ("GET", CANDIDATE_ROUTE, 404)  # type: ignore[attr-defined]
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    [line] = [entry for entry in lines if entry["request_id"] == "trace-42"]
    assert line["logger"] == "credmatch.access"
    assert (line["method"], line["route"], line["status"]) == ("GET", CANDIDATE_ROUTE, 404)
    assert line["duration_ms"] >= 0
    assert line["tenant_id"] == tenant_id(runtime, tenant)
    assert isinstance(line["key_id"], int)
    text = stream.getvalue()
    assert tenant.keys["recruiter"] not in text
    assert "someone@example.org" not in text  # the raw path is never logged
    [health] = [entry for entry in lines if entry["route"] == "/health"]
    assert "tenant_id" not in health  # unauthenticated: no tenant, no key


def test_text_log_format_and_unknown_formats() -> None:
    stream = io.StringIO()
    handler = build_log_handler("text", stream)
    log = logging.getLogger("tests.observability.text")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("plain line", extra={"request_id": "r-1"})
        log.warning("outside a request")
    finally:
        log.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    assert first.endswith("WARNING tests.observability.text: plain line [request_id=r-1]")
    assert second.endswith("outside a request")
    with pytest.raises(SettingsError, match="CREDMATCH_LOG_FORMAT='xml'"):
        build_log_handler("xml")


def test_configure_logging_sends_every_logger_through_one_json_handler() -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_logging("json")
        [handler] = root.handlers
        assert isinstance(handler.formatter, JsonFormatter)
        assert any(isinstance(f, RequestIdFilter) for f in handler.filters)
        assert root.level == logging.INFO
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved_handlers:
            root.addHandler(handler)
        root.setLevel(saved_level)


def test_serve_refuses_an_unknown_log_format(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDMATCH_LOG_FORMAT", "xml")
    assert main(["serve"]) == 2


@get("/where", sync_to_thread=True)
def _where() -> dict[str, str | None]:
    logging.getLogger("tests.observability.thread").warning("inside a sync handler")
    return {"requestId": current_request_id(), "thread": threading.current_thread().name}


def test_sync_handlers_in_worker_threads_see_the_request_id() -> None:
    app = Litestar([_where])
    app.asgi_handler = ObservabilityMiddleware(app.asgi_handler, Metrics(lambda: None))
    stream = io.StringIO()
    handler = build_log_handler("json", stream)
    log = logging.getLogger("tests.observability.thread")
    log.addHandler(handler)
    try:
        with TestClient(app) as client:
            body = client.get("/where", headers={"X-Request-Id": "in-thread"}).json()
    finally:
        log.removeHandler(handler)
    assert body["requestId"] == "in-thread"
    assert body["thread"] != threading.current_thread().name
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["request_id"] == "in-thread"


def test_title_cache_hits_and_misses_are_counted(server: httpx.Client, tenant: Tenant) -> None:
    job = {"title": "Junior data analyst (m/f/d)", "description": "Requirements:\n- SQL"}
    name = "credmatch_title_cache_total"
    (misses, hits), (misses_2, hits_2) = [
        _counts_after_match(server, tenant, job, name) for _ in range(2)
    ]
    assert misses >= 1  # the first request encoded the title
    assert (misses_2, hits_2) == (misses, hits + 1)  # the second one remembered it


def _counts_after_match(
    server: httpx.Client, tenant: Tenant, job: dict[str, str], name: str
) -> tuple[float, float]:
    """(misses, hits) of the counter ``name`` after one more match of ``job``."""
    response = server.post("/v1/match", json=job, headers=tenant.headers("matcher"))
    assert response.status_code == 200, response.text
    after = samples(server)
    return value(after, name, result="miss"), value(after, name, result="hit")
