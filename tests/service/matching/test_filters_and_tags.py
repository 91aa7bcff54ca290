"""Tags and the shared evidence filters of match and search; /v1/match pages, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.matching.filters import EvidenceFilter, normalize_tags
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON_BOOTCAMP = SampleAchievement(
    slug="py-boot",
    name="Python",
    description="Python.",
    aligned_skill_uris=(ESCO + PYTHON_ID,),
    tags=("Bootcamp", "Data"),
)
PYTHON_DEGREE = SampleAchievement(
    slug="py-degree",
    name="Python",
    description="Python.",
    aligned_skill_uris=(ESCO + PYTHON_ID,),
    tags=("degree",),
)
SQL = SampleAchievement(
    slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(ESCO + SQL_ID,)
)
WHEN = datetime(2025, 3, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


@pytest.fixture
def learners(server: httpx.Client, tenant: Tenant) -> Tenant:
    """ana: Python (bootcamp) + SQL; ben: Python (degree); cy: Python (degree) + SQL."""
    issuer = SampleIssuer(name="Uni", domain="uni.example")
    for badge, who in [
        (PYTHON_BOOTCAMP, "ana"),
        (SQL, "ana"),
        (PYTHON_DEGREE, "ben"),
        (PYTHON_DEGREE, "cy"),
        (SQL, "cy"),
    ]:
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=issuer.issue(badge, f"did:example:{who}", valid_from=WHEN),
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    return tenant


def _match(server: httpx.Client, tenant: Tenant, **body: Any) -> httpx.Response:
    payload = {"skills": [{"uri": ESCO + PYTHON_ID}, {"uri": ESCO + SQL_ID}], **body}
    return server.post("/v1/match", json=payload, headers=tenant.headers("matcher"))


def _ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [c["candidateId"] for c in response.json()["candidates"]]


def _tag(server: httpx.Client, tenant: Tenant, who: str, tags: list[str]) -> httpx.Response:
    return server.put(
        f"/v1/candidates/{who}/tags", json={"tags": tags}, headers=tenant.headers("recruiter")
    )


def test_achievement_tags_are_stored_and_shown(server: httpx.Client, learners: Tenant) -> None:
    profile = server.get("/v1/candidates/ana", headers=learners.headers("recruiter")).json()

    tags = sorted(tuple(c["tags"]) for c in profile["credentials"])
    assert tags == [(), ("bootcamp", "data")]


def test_candidate_tags_are_replaced_whole_and_normalised(
    server: httpx.Client, learners: Tenant
) -> None:
    first = _tag(server, learners, "ana", ["Cohort-2026", " cohort-2026 ", "Evening"])
    second = _tag(server, learners, "ana", ["cohort-2026"])
    profile = server.get("/v1/candidates/ana", headers=learners.headers("recruiter")).json()

    assert first.status_code == 200, first.text
    assert first.json() == {"id": "ana", "tags": ["cohort-2026", "evening"]}
    assert second.json()["tags"] == ["cohort-2026"]
    assert profile["tags"] == ["cohort-2026"]


def test_tagging_is_checked(server: httpx.Client, learners: Tenant, runtime: Runtime) -> None:
    other_tenant = Tenant(runtime)
    unknown = _tag(server, learners, "nobody", ["x"])
    too_long = _tag(server, learners, "ana", ["x" * 101])
    forbidden = server.put(
        "/v1/candidates/ana/tags", json={"tags": ["x"]}, headers=learners.headers("matcher")
    )
    elsewhere = _tag(server, other_tenant, "ana", ["x"])

    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert too_long.status_code == 400
    assert forbidden.status_code == 403
    assert elsewhere.status_code == 404  # another tenant's candidate does not exist for them


def test_match_filters_by_achievement_tag_and_candidate_tag(
    server: httpx.Client, learners: Tenant
) -> None:
    _tag(server, learners, "ben", ["cohort-a"])
    _tag(server, learners, "cy", ["cohort-a"])

    everyone = _ids(_match(server, learners))
    degree = _ids(_match(server, learners, tags=["DEGREE"]))
    bootcamp = _match(server, learners, tags=["bootcamp"])
    cohort = _ids(_match(server, learners, candidateTags=["cohort-a"]))
    nobody = _ids(_match(server, learners, candidateTags=["cohort-b"]))

    assert everyone == ["ana", "cy", "ben"]
    # Only credentials carrying the tag count: the untagged SQL badges drop out, so ben
    # and cy tie on their degree Python (ties go by id), and only ana has a bootcamp badge.
    assert degree == ["ben", "cy"]
    assert _ids(bootcamp) == ["ana"]
    ana = bootcamp.json()["candidates"][0]
    assert [m["required"]["id"] for m in ana["matched"]] == [PYTHON_ID]
    assert [m["skill"]["id"] for m in ana["missing"]] == [SQL_ID]
    assert cohort == ["cy", "ben"]
    assert nobody == []


def test_match_filters_by_issue_date_and_issuer(server: httpx.Client, learners: Tenant) -> None:
    later = _ids(_match(server, learners, issuedAfter="2025-06-01T00:00:00Z"))
    earlier = _ids(_match(server, learners, issuedAfter="2024-06-01T00:00:00Z"))
    by_domain = _ids(_match(server, learners, issuers=["uni.example"]))
    elsewhere = _ids(_match(server, learners, issuers=["college.example"]))

    assert later == []
    assert earlier == ["ana", "cy", "ben"]
    # did:key issuers have no domain: only an exact id matches them.
    assert by_domain == []
    assert elsewhere == []


def test_match_pages_with_a_cursor(server: httpx.Client, learners: Tenant) -> None:
    whole = _match(server, learners, topK=10).json()
    seen: list[tuple[int, str]] = []
    cursor = None
    while True:
        page = _match(server, learners, topK=1, **({"cursor": cursor} if cursor else {}))
        body = page.json()
        assert page.status_code == 200, page.text
        assert body["total"] == 3
        seen += [(c["rank"], c["candidateId"]) for c in body["candidates"]]
        cursor = body["next"]
        if cursor is None:
            break

    assert seen == [(c["rank"], c["candidateId"]) for c in whole["candidates"]]
    assert [rank for rank, _ in seen] == [1, 2, 3]
    assert whole["next"] is None
    stray = _match(server, learners, cursor="garbage")  # well-formed, not one we returned
    assert stray.status_code == 422
    assert stray.json()["type"] == "https://credmatch.dev/problems/invalid-cursor"
    assert _match(server, learners, cursor="not base64!").status_code == 400  # the pattern


def test_search_filters_by_tags(server: httpx.Client, learners: Tenant) -> None:
    _tag(server, learners, "ana", ["evening"])

    def search(**body: Any) -> list[str]:
        response = server.post(
            "/v1/candidates/search",
            json={"skills": [PYTHON_ID], **body},
            headers=learners.headers("recruiter"),
        )
        return sorted(_ids(response))

    assert search(tags=["bootcamp"]) == ["ana"]
    assert search(tags=["degree"]) == ["ben", "cy"]
    assert search(candidateTags=["evening"]) == ["ana"]
    got = server.get(
        "/v1/candidates/search",
        params=[("skill", PYTHON_ID), ("tag", "degree"), ("candidateTag", "evening")],
        headers=learners.headers("recruiter"),
    )
    assert _ids(got) == []


def test_filter_semantics_without_a_server() -> None:
    assert normalize_tags([" A ", "a", "", "B"]) == ("a", "b")
    assert normalize_tags(["x" * 101, "ok"], drop_invalid=True) == ("ok",)
    web = EvidenceFilter(issuers=["uni.example"])
    assert web.admits_issuer("https://www.uni.example/issuer")
    assert web.admits_issuer("did:web:uni.example")
    assert not web.admits_issuer("https://evil-uni.example/issuer")
    assert not web.admits_issuer("https://uni.example.evil.com/")
    dated = EvidenceFilter(issued_after=WHEN)
    assert dated.admits_issue_date(WHEN)
    assert not dated.admits_issue_date(None)
    assert not dated.admits_issue_date(datetime(2025, 2, 28, tzinfo=UTC))
    assert EvidenceFilter(tags=["Data"]).admits_tags(frozenset({"data"}))
    assert not EvidenceFilter(tags=["x"]).admits_tags(frozenset())
