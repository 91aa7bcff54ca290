"""Recruiter search over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON = SampleAchievement(
    slug="py", name="Python", description="Python.", aligned_skill_uris=(ESCO + PYTHON_ID,)
)
SQL = SampleAchievement(
    slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(ESCO + SQL_ID,)
)
BREAD = SampleAchievement(slug="bread", name="Baker", description="Bakes bread in a bakery.")
OLD = datetime(2020, 1, 1, tzinfo=UTC)
NEW = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


@pytest.fixture
def people(server: httpx.Client, tenant: Tenant) -> Tenant:
    """ana: Python+SQL (uni, 2025); ben: Python (college, 2020); cy: SQL (uni); dee: bread."""
    uni = SampleIssuer(name="Uni", domain="uni.example")
    college = SampleIssuer(name="College", domain="college.example")
    issued = [
        (uni, PYTHON, "ana", NEW),
        (uni, SQL, "ana", NEW),
        (college, PYTHON, "ben", OLD),
        (uni, SQL, "cy", NEW),
        (college, BREAD, "dee", NEW),
    ]
    for issuer, badge, who, when in issued:
        document = issuer.issue(badge, f"did:example:{who}", valid_from=when)
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=document,
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    tenant.issuers = {"uni": uni.did, "college": college.did}  # type: ignore[attr-defined]
    return tenant


def _search(server: httpx.Client, tenant: Tenant, **body: Any) -> httpx.Response:
    return server.post("/v1/candidates/search", json=body, headers=tenant.headers("recruiter"))


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["candidateId"] for c in response.json()["candidates"]]


def test_all_and_any_modes_with_resolution_reported(server: httpx.Client, people: Tenant) -> None:
    both = _search(server, people, skills=[PYTHON_ID, "structured query langauge"])
    either = _search(server, people, skills=[PYTHON_ID, "SQL"], mode="any")

    assert _ids(both) == ["ana"]
    resolved = both.json()["resolved"]
    assert (resolved[0]["method"], resolved[0]["skill"]["id"]) == ("id", PYTHON_ID)
    assert resolved[1]["method"] == "label:corrected"
    assert resolved[1]["skill"]["id"] == SQL_ID
    assert _ids(either)[0] == "ana"
    assert set(_ids(either)) == {"ana", "ben", "cy"}
    ana = both.json()["candidates"][0]
    assert ana["score"] == 1.0
    proof = ana["skills"][0]["credentials"][0]
    assert proof["verified"] is True
    assert proof["issuer"]["id"] == people.issuers["uni"]  # type: ignore[attr-defined]


def test_filters_by_issue_date_and_issuer(server: httpx.Client, people: Tenant) -> None:
    recent = _search(server, people, skills=["Python"], issuedAfter="2024-01-01T00:00:00Z")
    college = _search(server, people, skills=["Python"], issuers=[people.issuers["college"]])  # type: ignore[attr-defined]
    nobody = _search(server, people, skills=["Python"], issuers=["elsewhere.example"])

    assert _ids(recent) == ["ana"]
    assert _ids(college) == ["ben"]
    assert _ids(nobody) == []


def test_sorting_and_cursor_pages_cover_everyone_once(server: httpx.Client, people: Tenant) -> None:
    by_recent = _search(server, people, skills=["Python", "SQL"], mode="any", sort="recent")
    by_skills = _search(server, people, skills=["Python", "SQL"], mode="any", sort="skills")
    seen: list[str] = []
    cursor = None
    while True:
        page = _search(server, people, skills=["Python", "SQL"], mode="any", limit=1, cursor=cursor)
        seen += _ids(page)
        assert page.json()["total"] == 3
        cursor = page.json()["next"]
        if cursor is None:
            break

    assert _ids(by_recent)[-1] == "ben"  # his credential is from 2020
    assert _ids(by_skills)[0] == "ana"
    assert seen == _ids(_search(server, people, skills=["Python", "SQL"], mode="any"))
    assert len(seen) == 3


def test_get_form_and_min_strength(server: httpx.Client, people: Tenant) -> None:
    response = server.get(
        "/v1/candidates/search",
        params=[("skill", PYTHON_ID), ("skill", SQL_ID), ("mode", "any"), ("minStrength", "1")],
        headers=people.headers("recruiter"),
    )

    assert set(_ids(response)) == {"ana", "ben", "cy"}  # aligned credentials: strength 1


def test_bad_searches_are_problems(server: httpx.Client, people: Tenant) -> None:
    nothing = _search(server, people, skills=["zzzzqqqq xxyyzz"])
    bad_cursor = _search(server, people, skills=["Python"], cursor="not-a-cursor")
    empty = _search(server, people, skills=[])
    forbidden = server.post(
        "/v1/candidates/search", json={"skills": ["Python"]}, headers=people.headers("ingest")
    )

    assert nothing.status_code == 422
    assert nothing.json()["type"] == "https://credmatch.dev/problems/unresolved-skills"
    assert nothing.json()["unresolved"] == ["zzzzqqqq xxyyzz"]
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["type"] == "https://credmatch.dev/problems/invalid-cursor"
    assert empty.status_code == 400
    assert forbidden.status_code == 403
