"""Over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL: signed credential in,
ranked candidate out, with the credential cited as proof."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from service.app import create_app
from service.db.engine import unit_of_work
from service.db.models import QuarantinedDocument
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
VISUAL = ESCO + "00000000-0000-4000-8000-000000000001"

PYTHON_BADGE = SampleAchievement(
    slug="python",
    name="Python Programming",
    description="Writes and tests Python programs.",
    aligned_skill_uris=(PYTHON,),
    aligned_labels=("Python (computer programming)",),
)
SQL_BADGE = SampleAchievement(
    slug="sql",
    name="SQL Querying",
    description="Writes SQL queries.",
    aligned_skill_uris=(SQL,),
    aligned_labels=("SQL",),
)
DASHBOARD_BADGE = SampleAchievement(
    slug="dashboards",
    name="Dashboards for decision makers",
    description="Builds dashboards and creates data visualisations.",
)
BAKING_BADGE = SampleAchievement(
    slug="bread", name="Artisan Baker", description="Bakes bread in a professional bakery."
)

JOB = """Data analyst wanted.
Requirements:
- Python programming
- SQL
Nice to have:
- Build dashboards
"""


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def issuer() -> SampleIssuer:
    return SampleIssuer(name="Test University", domain="uni.example")


def post_credential(
    client: httpx.Client, tenant: Tenant, document: dict, candidate: str
) -> httpx.Response:
    return client.post(
        "/v1/credentials",
        params={"candidateId": candidate},
        json=document,
        headers=tenant.headers("ingest"),
    )


def test_signed_credential_to_match_citing_it(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    alice_python = issuer.issue(PYTHON_BADGE, "did:example:alice")
    for document, candidate in [
        (alice_python, "alice"),
        (issuer.issue(SQL_BADGE, "did:example:alice"), "alice"),
        (issuer.issue(DASHBOARD_BADGE, "did:example:bob"), "bob"),
        (issuer.issue(SQL_BADGE, "did:example:bob"), "bob"),
        (issuer.issue(BAKING_BADGE, "did:example:carol"), "carol"),
    ]:
        response = post_credential(server, tenant, document, candidate)
        assert response.status_code == 201, response.text
        assert response.json()["credential"]["verified"] is True

    ingested = post_credential(server, tenant, alice_python, "alice").json()
    python_skill = ingested["skills"][0]
    assert python_skill["skill"]["uri"] == PYTHON
    assert python_skill["method"] == "alignment"

    response = server.post(
        "/v1/match",
        json={"title": "Data analyst", "description": JOB},
        headers=tenant.headers("matcher"),
    )
    assert response.status_code == 200, response.text
    result = response.json()
    strengths = {r["skill"]["uri"]: r["strength"] for r in result["requirements"]}
    assert strengths[PYTHON] == "must"
    assert strengths[SQL] == "must"
    assert strengths.get(VISUAL) == "nice"
    ranking = [c["candidateId"] for c in result["candidates"]]
    assert ranking[:2] == ["alice", "bob"]
    assert "carol" not in ranking
    alice = result["candidates"][0]
    matched_python = next(m for m in alice["matched"] if m["required"]["uri"] == PYTHON)
    proof = matched_python["credentials"][0]
    assert proof["documentId"] == alice_python["id"]
    assert proof["issuer"]["id"] == issuer.did
    assert proof["verified"] is True
    assert "DataIntegrityProof/eddsa-rdfc-2022" in proof["proofTypes"]
    assert matched_python["similarity"] == 1.0
    missing = {m["skill"]["uri"] for m in alice["missing"]}
    assert VISUAL in missing
    assert not missing & {PYTHON, SQL}
    bob = result["candidates"][1]
    assert {m["required"]["uri"] for m in bob["matched"]} == {SQL, VISUAL}
    assert 0 < bob["score"] < alice["score"] <= 1


def test_same_document_twice_is_stored_once(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    document = issuer.issue(PYTHON_BADGE, "did:example:dave")
    first = post_credential(server, tenant, document, "dave")
    second = post_credential(server, tenant, document, "dave")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["created"] is False
    assert second.json()["credential"]["id"] == first.json()["credential"]["id"]
    profile = server.get("/v1/candidates/dave", headers=tenant.headers("recruiter")).json()
    assert len(profile["credentials"]) == 1


def test_candidate_profile_lists_skills_with_their_credential(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    document = issuer.issue(SQL_BADGE, "did:example:erin")
    credential_id = post_credential(server, tenant, document, "erin").json()["credential"]["id"]
    profile = server.get("/v1/candidates/erin", headers=tenant.headers("recruiter")).json()
    assert profile["id"] == "erin"
    assert [s["skill"]["uri"] for s in profile["skills"]] == [SQL]
    assert profile["skills"][0]["credentials"] == [credential_id]
    checks = {c["check"]: c["outcome"] for c in profile["credentials"][0]["checks"]}
    assert checks["proof"] == "passed"


def test_tampered_credential_is_rejected_and_quarantined(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer, runtime: Runtime
) -> None:
    document = issuer.issue(PYTHON_BADGE, "did:example:mallory")
    assert post_credential(server, tenant, document, "honest").status_code == 201
    # Same credential id as the stored original: must not pass as "already stored".
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["name"] = "Python Grandmaster"
    response = post_credential(server, tenant, tampered, "mallory")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/credential-rejected")
    assert problem["code"] == "verification-failed"
    assert {"check": "proof", "outcome": "failed"}.items() <= next(
        c for c in problem["checks"] if c["check"] == "proof"
    ).items()
    with unit_of_work(runtime.sessions) as session:
        row = session.get(QuarantinedDocument, problem["quarantineId"])
        assert row is not None
        assert row.raw == response.request.content
        assert row.reason_code == "verification-failed"
    missing = server.get("/v1/candidates/mallory", headers=tenant.headers("recruiter"))
    assert missing.status_code == 404


def test_expired_credential_is_rejected(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    document = issuer.issue(
        PYTHON_BADGE,
        "did:example:old",
        valid_from=datetime.now(UTC) - timedelta(days=400),
        valid_until=datetime.now(UTC) - timedelta(days=1),
    )
    response = post_credential(server, tenant, document, "old")
    assert response.status_code == 422
    failed = {c["check"] for c in response.json()["checks"] if c["outcome"] == "failed"}
    assert "validUntil" in failed


def test_malformed_document_is_quarantined_with_its_bytes(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    raw = b'{"@context": ["https://www.w3.org/ns/credentials/v2"], "type": '
    response = server.post(
        "/v1/credentials",
        params={"candidateId": "x"},
        content=raw,
        headers={**tenant.headers("ingest"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "malformed-json"
    with unit_of_work(runtime.sessions) as session:
        row = session.get(QuarantinedDocument, problem["quarantineId"])
        assert row is not None and row.raw == raw


def test_tenants_never_see_each_other(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer, runtime: Runtime
) -> None:
    post_credential(server, tenant, issuer.issue(PYTHON_BADGE, "did:example:frank"), "frank")
    other = Tenant(runtime)
    assert server.get("/v1/candidates/frank", headers=other.headers("recruiter")).status_code == 404
    result = server.post(
        "/v1/match", json={"description": "Python programming"}, headers=other.headers("matcher")
    ).json()
    assert result["candidates"] == []


def test_authentication_and_roles(server: httpx.Client, tenant: Tenant) -> None:
    anonymous = server.post("/v1/match", json={"description": "Python"})
    assert anonymous.status_code == 401
    assert anonymous.json()["type"].endswith("/unauthenticated")
    wrong_key = server.post(
        "/v1/match", json={"description": "Python"}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong_key.status_code == 401
    forbidden = server.post("/v1/credentials", json={}, headers=tenant.headers("analyst"))
    assert forbidden.status_code == 403
    assert forbidden.json()["type"].endswith("/forbidden")


def test_bad_match_request_is_a_problem(server: httpx.Client, tenant: Tenant) -> None:
    unknown_field = server.post(
        "/v1/match",
        json={"description": "Python", "colour": "red"},
        headers=tenant.headers("matcher"),
    )
    assert unknown_field.status_code == 400
    assert unknown_field.headers["content-type"].startswith("application/problem+json")
    too_many = server.post(
        "/v1/match",
        json={"description": "Python", "topK": 100000},
        headers=tenant.headers("matcher"),
    )
    assert too_many.status_code == 400
    nothing = server.post(
        "/v1/match", json={"description": "the and of"}, headers=tenant.headers("matcher")
    )
    assert nothing.status_code == 422
    assert nothing.json()["type"].endswith("/unresolved-skills")


def test_a_job_nothing_clears_the_threshold_for_gets_suggestions_to_confirm(
    server: httpx.Client, tenant: Tenant
) -> None:
    text = "Wanted: a wrangler of numbers who tames reptiles"
    response = server.post(
        "/v1/match", json={"description": text}, headers=tenant.headers("matcher")
    )

    assert response.status_code == 422
    suggestions = response.json()["suggestions"]
    assert suggestions  # the phrases it read, not a bare refusal
    for reading in suggestions:
        assert text[reading["start"] : reading["end"]] == reading["phrase"]
        assert len(reading["skills"]) == 3
        confidences = [skill["confidence"] for skill in reading["skills"]]
        assert confidences == sorted(confidences, reverse=True)
        assert all(c < 0.62 for c in confidences)  # below the calibrated threshold
        assert all(skill["uri"].endswith(skill["id"]) for skill in reading["skills"])


def test_skill_search(server: httpx.Client, tenant: Tenant) -> None:
    response = server.get("/v1/skills", params={"q": "python"}, headers=tenant.headers("analyst"))
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["skill"]["uri"] == PYTHON
    assert results[0]["method"] == "exact"
    semantic = server.get(
        "/v1/skills", params={"q": "querying relational data"}, headers=tenant.headers("analyst")
    ).json()["results"]
    assert SQL in {r["skill"]["uri"] for r in semantic[:3]}
    # weak semantic neighbours are not padded in to fill the limit
    assert all(r["score"] >= 0.5 for r in semantic if r["method"] == "semantic")
    assert all(r["score"] >= 0.5 for r in results if r["method"] == "semantic")


def test_operations_endpoints(server: httpx.Client) -> None:
    assert server.get("/health").json()["status"] == "ok"
    ready = server.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["detail"]["taxonomy"] == "esco@test-1"
    schema = server.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/v1/match" in schema["paths"]
    not_found = server.get("/v1/nothing-here")
    assert not_found.status_code == 404
    assert not_found.headers["content-type"].startswith("application/problem+json")


def test_concurrent_retries_store_one_credential(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    document = issuer.issue(SQL_BADGE, "did:example:retry")
    others = [issuer.issue(PYTHON_BADGE, "did:example:retry") for _ in range(3)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        same = list(
            pool.map(lambda _: post_credential(server, tenant, document, "retry"), range(4))
        )
        fresh = list(pool.map(lambda d: post_credential(server, tenant, d, "retry"), others))
    assert sorted(r.status_code for r in same) == [200, 200, 200, 201]
    assert [r.status_code for r in fresh] == [201, 201, 201]
    profile = server.get("/v1/candidates/retry", headers=tenant.headers("recruiter")).json()
    assert len(profile["credentials"]) == 4


def test_overlong_candidate_id_is_quarantined(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    response = post_credential(server, tenant, issuer.issue(SQL_BADGE, "did:x"), "c" * 200)
    assert response.status_code == 201
    subject = "did:example:" + "x" * 300
    response = server.post(
        "/v1/credentials", json=issuer.issue(SQL_BADGE, subject), headers=tenant.headers("ingest")
    )
    assert response.status_code == 422
    assert response.json()["code"] == "identifier-too-long"


def test_unknown_explicit_skills_are_reported_not_fatal(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    post_credential(server, tenant, issuer.issue(SQL_BADGE, "did:example:u"), "u")
    result = server.post(
        "/v1/match",
        json={"skills": [{"uri": SQL}, {"uri": ESCO + "not-a-skill"}, {"text": "zzqx"}]},
        headers=tenant.headers("matcher"),
    ).json()
    assert result["unresolved"] == [ESCO + "not-a-skill", "zzqx"]
    assert [c["candidateId"] for c in result["candidates"]] == ["u"]


def test_match_and_search_resolve_free_text_skills_alike(
    server: httpx.Client, tenant: Tenant, issuer: SampleIssuer
) -> None:
    """One resolver: a misspelt label resolves in /v1/match as in the candidate search."""
    post_credential(server, tenant, issuer.issue(SQL_BADGE, "did:example:typo"), "typo")
    searched = server.post(
        "/v1/candidates/search",
        json={"skills": ["Structred query langauge"]},
        headers=tenant.headers("recruiter"),
    ).json()
    (resolved,) = searched["resolved"]
    assert resolved["skill"]["uri"] == SQL and resolved["method"].startswith("label:")
    matched = server.post(
        "/v1/match",
        json={"skills": [{"text": "Structred query langauge"}]},
        headers=tenant.headers("matcher"),
    ).json()
    assert matched["unresolved"] == []
    assert [c["candidateId"] for c in matched["candidates"]] == ["typo"]
