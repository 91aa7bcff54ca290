"""The audit log: match and search write events in their transaction; GET /v1/audit reads them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
ISSUER = SampleIssuer(name="Audit College", domain="audit.example")
PYTHON_BADGE = SampleAchievement(
    slug="py", name="Python", description="Python.", aligned_skill_uris=(PYTHON,)
)
SQL_BADGE = SampleAchievement(slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(SQL,))


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


@pytest.fixture
def learners(server: httpx.Client, tenant: Tenant) -> Tenant:
    """ana: Python + SQL; ben: Python; cy: SQL."""
    held = [(PYTHON_BADGE, "ana"), (SQL_BADGE, "ana"), (PYTHON_BADGE, "ben"), (SQL_BADGE, "cy")]
    for badge, who in held:
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=ISSUER.issue(badge, f"did:example:{who}"),
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    return tenant


def _audit(server: httpx.Client, tenant: Tenant, **params: object) -> httpx.Response:
    return server.get("/v1/audit", params=params, headers=tenant.headers("admin"))


def _events(server: httpx.Client, tenant: Tenant, **params: object) -> list[dict]:
    response = _audit(server, tenant, **params)
    assert response.status_code == 200, response.text
    items: list[dict] = response.json()["items"]
    return items


def test_match_is_audited_with_the_request_and_the_page_returned(
    server: httpx.Client, learners: Tenant
) -> None:
    body = {
        "title": "Data engineer",
        "description": "",
        "skills": [{"uri": PYTHON}, {"uri": SQL, "mustHave": False}],
        "topK": 2,
    }
    response = server.post("/v1/match", json=body, headers=learners.headers("matcher"))
    assert response.status_code == 200, response.text
    returned = [c["candidateId"] for c in response.json()["candidates"]]
    assert len(returned) == 2

    [event] = _events(server, learners)

    assert event["action"] == "match"
    assert event["role"] == "matcher"
    assert isinstance(event["keyId"], int)
    assert event["candidateIds"] == returned
    assert event["query"]["title"] == "Data engineer"
    assert [s["uri"] for s in event["query"]["skills"]] == [PYTHON, SQL]
    assert event["query"]["topK"] == 2
    occurred = datetime.fromisoformat(event["occurredAt"])
    assert abs(occurred - datetime.now(UTC)) < timedelta(hours=1)


def test_both_searches_are_audited(server: httpx.Client, learners: Tenant) -> None:
    posted = server.post(
        "/v1/candidates/search",
        json={"skills": [SQL], "candidateTags": []},
        headers=learners.headers("recruiter"),
    )
    got = server.get(
        "/v1/candidates/search",
        params={"skill": PYTHON, "limit": 1},
        headers=learners.headers("matcher"),
    )
    assert posted.status_code == got.status_code == 200

    newest, oldest = _events(server, learners, action="search")

    assert oldest["role"] == "recruiter"
    assert oldest["query"]["skills"] == [SQL]
    assert sorted(oldest["candidateIds"]) == ["ana", "cy"]
    assert newest["role"] == "matcher"
    assert newest["query"]["skills"] == [PYTHON]
    assert newest["query"]["limit"] == 1
    assert newest["candidateIds"] == [c["candidateId"] for c in got.json()["candidates"]]


def test_a_failed_request_leaves_no_event(server: httpx.Client, learners: Tenant) -> None:
    response = server.post(
        "/v1/match",
        json={"skills": [{"uri": ESCO + "not-a-skill"}]},
        headers=learners.headers("matcher"),
    )
    assert response.status_code == 422  # no skill resolved
    assert _events(server, learners) == []


def test_filters_by_action_key_candidate_and_time(server: httpx.Client, learners: Tenant) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    match = {"skills": [{"uri": SQL}]}
    assert server.post("/v1/match", json=match, headers=learners.headers("matcher")).is_success
    search = {"skills": [PYTHON]}
    assert server.post(
        "/v1/candidates/search", json=search, headers=learners.headers("recruiter")
    ).is_success
    everything = _events(server, learners)
    assert [e["action"] for e in everything] == ["search", "match"]
    matcher_key = everything[1]["keyId"]

    assert [e["action"] for e in _events(server, learners, action="match")] == ["match"]
    assert [e["action"] for e in _events(server, learners, keyId=matcher_key)] == ["match"]
    # ben holds Python only, cy SQL only: each was returned by one request.
    assert [e["action"] for e in _events(server, learners, candidateId="ben")] == ["search"]
    assert [e["action"] for e in _events(server, learners, candidateId="cy")] == ["match"]
    assert len(_events(server, learners, candidateId="ana")) == 2
    assert _events(server, learners, candidateId="nobody") == []
    assert len(_events(server, learners, since=start.isoformat())) == 2
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert _events(server, learners, since=later) == []
    assert _events(server, learners, until=start.isoformat()) == []
    assert len(_events(server, learners, until=later)) == 2
    assert _audit(server, learners, action="delete-everything").status_code == 400


def test_pages_are_newest_first_without_repeats(server: httpx.Client, learners: Tenant) -> None:
    for _ in range(5):
        response = server.post(
            "/v1/candidates/search", json={"skills": [SQL]}, headers=learners.headers("recruiter")
        )
        assert response.status_code == 200
    everything = [e["id"] for e in _events(server, learners)]
    assert len(everything) == 5
    assert everything == sorted(everything, reverse=True)

    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, object] = {"limit": 2}
        if cursor is not None:
            params["cursor"] = cursor
        page = _audit(server, learners, **params).json()
        seen.extend(e["id"] for e in page["items"])
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == everything
    assert pages == 3
    assert _audit(server, learners, cursor="not-a-cursor").status_code == 422
    assert _audit(server, learners, cursor="not a cursor").status_code == 400  # the pattern


@pytest.mark.parametrize("role", ["ingest", "matcher", "recruiter", "analyst"])
def test_only_admins_read_the_audit_log(server: httpx.Client, tenant: Tenant, role: str) -> None:
    response = server.get("/v1/audit", headers=tenant.headers(role))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


def test_tenants_see_only_their_own_events(
    server: httpx.Client, runtime: Runtime, learners: Tenant
) -> None:
    match = {"skills": [{"uri": SQL}]}
    assert server.post("/v1/match", json=match, headers=learners.headers("matcher")).is_success
    stranger = Tenant(runtime)
    assert _events(server, stranger) == []
    assert _events(server, stranger, candidateId="ana") == []
    assert len(_events(server, learners)) == 1


def test_events_carry_the_request_id(server: httpx.Client, learners: Tenant) -> None:
    response = server.post(
        "/v1/match",
        json={"skills": [{"uri": SQL}]},
        headers={**learners.headers("matcher"), "X-Request-Id": "audit-req-1"},
    )
    assert response.status_code == 200, response.text

    [event] = _events(server, learners)

    assert event["requestId"] == "audit-req-1"
