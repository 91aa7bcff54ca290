"""Tenant isolation and role matrices over every /v1 route, on SQLite and PostgreSQL.

Two tenants hold data of every kind (candidates, credentials, quarantine rows, ingest jobs,
posting uploads, gap reports, keys, a trust policy, audit events, presentation challenges).
For every route there is a case in :data:`CASES`: tenant B's keys are used with tenant A's
ids and must get 404 problem responses (never 200 or 500), and listing, search and match
answers must hold B's rows only.
Routes that read no tenant data are listed in :data:`SHARED` with the reason. The table must
cover every /v1 route of the app, so an endpoint added without a case fails
:func:`test_every_v1_route_has_an_isolation_case`.

The role matrix calls every route with a key of each role: a role the route does not declare
gets a 403 problem response, a declared one gets past the guard.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute

from service.app import create_app
from service.keys.auth import Role
from service.keys.roles import declared_roles
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant
from tests.service.credentials.wallet_testkit import Wallet

PYTHON_URI = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_URI = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON = SampleAchievement(
    slug="py", name="Python", description="Python.", aligned_skill_uris=(PYTHON_URI,)
)
SQL = SampleAchievement(slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(SQL_URI,))
NDJSON = {"Content-Type": "application/x-ndjson"}
A_POSTINGS = [
    {"externalId": f"a{n}", "title": "Data analyst", "description": "You must know Python."}
    for n in range(3)
]
B_POSTING = {"externalId": "b1", "title": "Developer", "description": "You must know SQL."}
A_TRUSTED = "a-trusted.example"
PROBLEM = "application/problem+json"


@dataclass
class World:
    """Tenant A's data and its ids; tenant B with data of its own."""

    client: httpx.Client
    a: Tenant
    b: Tenant
    document: dict[str, Any]
    a_quarantine: int
    b_quarantine: int
    a_job: int
    a_upload: int
    a_report: int
    a_keys: dict[str, int]


def _ndjson(rows: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(r) for r in rows) + "\n").encode()


def _ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), response.text
    body: dict[str, Any] = response.json()
    return body


def _not_found(response: httpx.Response) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/not-found")


def _key_ids(client: httpx.Client, tenant: Tenant) -> dict[str, int]:
    """Key id by prefix (``cm_<prefix>_...``) of the tenant's keys."""
    items = _ok(client.get("/v1/keys", headers=tenant.headers("admin")))["items"]
    return {k["prefix"]: k["id"] for k in items}


def _ingest(client: httpx.Client, tenant: Tenant, document: dict[str, Any], who: str) -> None:
    response = client.post(
        "/v1/credentials",
        params={"candidateId": who},
        json=document,
        headers=tenant.headers("ingest"),
    )
    _ok(response, 201)


def _quarantine(client: httpx.Client, tenant: Tenant, who: str) -> int:
    response = client.post(
        "/v1/credentials",
        params={"candidateId": who},
        content=b'{"not": "a credential"}',
        headers={**tenant.headers("ingest"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    return int(response.json()["quarantineId"])


@pytest.fixture(scope="module")
def app(runtime: Runtime) -> Litestar:
    return create_app(runtime.settings, runtime=runtime)


@pytest.fixture(scope="module")
def client(app: Litestar) -> Iterator[httpx.Client]:
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=120) as c:
        yield c


@pytest.fixture(scope="module")
def world(client: httpx.Client, runtime: Runtime) -> World:
    """Tenant A with one of everything, tenant B with some data of its own."""
    a, b = Tenant(runtime), Tenant(runtime)
    issuer = SampleIssuer(name="Uni", domain="uni.example")
    document = issuer.issue(PYTHON, "did:example:a-ana")
    _ingest(client, a, document, "a-ana")
    _ingest(client, b, issuer.issue(PYTHON, "did:example:b-bob"), "b-bob")
    for tenant, who in ((a, "a-ana"), (b, "b-bob")):
        tags = client.put(
            f"/v1/candidates/{who}/tags", json={"tags": ["cohort"]}, headers=tenant.headers("admin")
        )
        _ok(tags)
    a_quarantine = _quarantine(client, a, "a-ana")
    b_quarantine = _quarantine(client, b, "b-bob")
    job = client.post(
        "/v1/ingest/jobs",
        content=_ndjson([issuer.issue(SQL, "did:example:a-job")]),
        headers=a.headers("ingest"),
    )
    a_job = int(_ok(job, 202)["id"])
    for tenant, rows in ((a, A_POSTINGS), (b, [B_POSTING])):
        upload = client.post(
            "/v1/postings", content=_ndjson(rows), headers={**tenant.headers("analyst"), **NDJSON}
        )
        _ok(upload)
    queued = client.post(
        "/v1/postings",
        params={"async": "true"},
        content=_ndjson(A_POSTINGS[:1]),
        headers={**a.headers("analyst"), **NDJSON},
    )
    a_upload = int(_ok(queued, 202)["id"])
    report = client.post("/v1/reports/gap", json={}, headers=a.headers("analyst"))
    a_report = int(_ok(report, 201)["id"])
    policy = {
        "trusted": [{"kind": "domain", "value": A_TRUSTED, "name": "A only"}],
        "unknownStatus": "reject",
    }
    _ok(client.put("/v1/trust-policy", json=policy, headers=a.headers("admin")))
    # Audited reads by A, naming A's candidate.
    _ok(
        client.post(
            "/v1/match", json={"skills": [{"uri": PYTHON_URI}]}, headers=a.headers("matcher")
        )
    )
    _ok(
        client.get(
            "/v1/candidates/search", params={"skill": PYTHON_URI}, headers=a.headers("recruiter")
        )
    )
    return World(
        client=client,
        a=a,
        b=b,
        document=document,
        a_quarantine=a_quarantine,
        b_quarantine=b_quarantine,
        a_job=a_job,
        a_upload=a_upload,
        a_report=a_report,
        a_keys={role: _key_ids(client, a)[key.split("_")[1]] for role, key in a.keys.items()},
    )


# Cases: tenant B calls each route with tenant A's ids.


def ingest_credential(w: World) -> None:
    """The same document is new to B: idempotency never looks across tenants."""
    response = w.client.post(
        "/v1/credentials",
        params={"candidateId": "b-copy"},
        json=w.document,
        headers=w.b.headers("ingest"),
    )
    assert _ok(response, 201)["created"] is True


def verify_credential(w: World) -> None:
    """B's verification is judged by B's policy, and stores nothing for anyone."""
    quarantined = {
        tenant.name: len(
            _ok(w.client.get("/v1/quarantine", headers=tenant.headers("ingest")))["items"]
        )
        for tenant in (w.a, w.b)
    }
    by_b = w.client.post("/v1/verify", json=w.document, headers=w.b.headers("recruiter"))
    by_a = w.client.post("/v1/verify", json=w.document, headers=w.a.headers("recruiter"))
    unreadable = w.client.post("/v1/verify", content=b"{", headers=w.b.headers("ingest"))
    assert _ok(by_b)["trust"]["unknownStatus"] == "accept"
    assert _ok(by_a)["trust"]["unknownStatus"] == "reject"
    assert unreadable.status_code == 422
    assert "quarantineId" not in unreadable.json()
    for tenant in (w.a, w.b):
        items = _ok(w.client.get("/v1/quarantine", headers=tenant.headers("ingest")))["items"]
        assert len(items) == quarantined[tenant.name]


def submit_job(w: World) -> None:
    response = w.client.post(
        "/v1/ingest/jobs", content=_ndjson([w.document]), headers=w.b.headers("ingest")
    )
    b_job = _ok(response, 202)["id"]
    assert b_job != w.a_job
    _not_found(w.client.get(f"/v1/ingest/jobs/{b_job}", headers=w.a.headers("ingest")))


def job_status(w: World) -> None:
    _not_found(w.client.get(f"/v1/ingest/jobs/{w.a_job}", headers=w.b.headers("ingest")))


def list_quarantine(w: World) -> None:
    items = _ok(w.client.get("/v1/quarantine", headers=w.b.headers("ingest")))["items"]
    ids = {item["id"] for item in items}
    assert w.b_quarantine in ids
    assert w.a_quarantine not in ids


def get_quarantined(w: World) -> None:
    path = f"/v1/quarantine/{w.a_quarantine}"
    _not_found(w.client.get(path, headers=w.b.headers("ingest")))


def retry_quarantined(w: World) -> None:
    path = f"/v1/quarantine/{w.a_quarantine}"
    _not_found(w.client.post(path + "/retry", headers=w.b.headers("ingest")))
    _ok(w.client.get(path, headers=w.a.headers("ingest")))


def _challenge(w: World, tenant: Tenant) -> dict[str, Any]:
    response = w.client.post("/v1/presentations/challenges", headers=tenant.headers("ingest"))
    return _ok(response, 201)


def _present(w: World, tenant: Tenant, vp: dict[str, Any]) -> httpx.Response:
    return w.client.post("/v1/presentations", json=vp, headers=tenant.headers("ingest"))


def issue_challenge(w: World) -> None:
    """B's challenge is unknown to A: a presentation over it is refused there."""
    issued = _challenge(w, w.b)
    wallet = Wallet()
    vp = wallet.presentation([], challenge=issued["challenge"], domain=issued["domain"])
    refused = _present(w, w.a, vp)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/challenge-unknown")


def present_credentials(w: World) -> None:
    """A's challenge cannot be used (nor used up) by B; A's holder still presents with it."""
    issued = _challenge(w, w.a)
    wallet = Wallet()
    vp = wallet.presentation([], challenge=issued["challenge"], domain=issued["domain"])
    refused = _present(w, w.b, vp)
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("/challenge-unknown")
    _ok(_present(w, w.a, vp))


def _only_b(candidate_ids: list[str]) -> None:
    assert "b-bob" in candidate_ids
    assert all(c.startswith("b-") for c in candidate_ids), candidate_ids


def search_post(w: World) -> None:
    response = w.client.post(
        "/v1/candidates/search", json={"skills": [PYTHON_URI]}, headers=w.b.headers("recruiter")
    )
    _only_b([c["candidateId"] for c in _ok(response)["candidates"]])


def search_get(w: World) -> None:
    response = w.client.get(
        "/v1/candidates/search", params={"skill": PYTHON_URI}, headers=w.b.headers("recruiter")
    )
    _only_b([c["candidateId"] for c in _ok(response)["candidates"]])


def match(w: World) -> None:
    response = w.client.post(
        "/v1/match", json={"skills": [{"uri": PYTHON_URI}]}, headers=w.b.headers("matcher")
    )
    _only_b([c["candidateId"] for c in _ok(response)["candidates"]])


def get_candidate(w: World) -> None:
    _not_found(w.client.get("/v1/candidates/a-ana", headers=w.b.headers("recruiter")))


def put_tags(w: World) -> None:
    response = w.client.put(
        "/v1/candidates/a-ana/tags", json={"tags": ["stolen"]}, headers=w.b.headers("recruiter")
    )
    _not_found(response)
    assert _ok(w.client.get("/v1/candidates/a-ana", headers=w.a.headers("recruiter")))["tags"] == [
        "cohort"
    ]


def erase_candidate(w: World) -> None:
    _not_found(w.client.delete("/v1/candidates/a-ana", headers=w.b.headers("admin")))
    _ok(w.client.get("/v1/candidates/a-ana", headers=w.a.headers("recruiter")))


def export_candidate(w: World) -> None:
    _not_found(w.client.get("/v1/candidates/a-ana/export", headers=w.b.headers("admin")))


def audit_log(w: World) -> None:
    items = _ok(w.client.get("/v1/audit", headers=w.b.headers("admin")))["items"]
    b_keys = set(_key_ids(w.client, w.b).values())
    assert all(item["keyId"] in b_keys for item in items), items
    assert not any(c.startswith("a-") for item in items for c in item["candidateIds"]), items
    a_items = _ok(w.client.get("/v1/audit", headers=w.a.headers("admin")))["items"]
    assert any("a-ana" in item["candidateIds"] for item in a_items)


def show_trust_policy(w: World) -> None:
    response = w.client.get("/v1/trust-policy", headers=w.b.headers("matcher"))
    assert A_TRUSTED not in response.text
    _ok(response)


def replace_trust_policy(w: World) -> None:
    policy = {"trusted": [{"kind": "domain", "value": "b-trusted.example"}]}
    _ok(w.client.put("/v1/trust-policy", json=policy, headers=w.b.headers("admin")))
    a_policy = w.client.get("/v1/trust-policy", headers=w.a.headers("matcher"))
    assert A_TRUSTED in a_policy.text
    assert "b-trusted.example" not in a_policy.text


def assess_issuer(w: World) -> None:
    response = w.client.get(
        "/v1/trust-policy/assess",
        params={"issuer": f"https://{A_TRUSTED}/issuer"},
        headers=w.b.headers("matcher"),
    )
    assert _ok(response)["trusted"] is False
    trusted_by_a = w.client.get(
        "/v1/trust-policy/assess",
        params={"issuer": f"https://{A_TRUSTED}/issuer"},
        headers=w.a.headers("matcher"),
    )
    assert _ok(trusted_by_a)["trusted"] is True


def upload_postings(w: World) -> None:
    response = w.client.post(
        "/v1/postings",
        params={"async": "true"},
        content=_ndjson([B_POSTING]),
        headers={**w.b.headers("analyst"), **NDJSON},
    )
    b_upload = _ok(response, 202)["id"]
    _not_found(w.client.get(f"/v1/postings/uploads/{b_upload}", headers=w.a.headers("analyst")))


def show_posting(w: World) -> None:
    """Each tenant reads its own posting by external id; the other's is not found."""
    own = _ok(w.client.get("/v1/postings/b1", headers=w.b.headers("analyst")))
    assert own["externalId"] == "b1" and own["title"] == "Developer"
    _not_found(w.client.get("/v1/postings/b1", headers=w.a.headers("analyst")))
    _not_found(w.client.get("/v1/postings/a0", headers=w.b.headers("analyst")))


def upload_progress(w: World) -> None:
    path = f"/v1/postings/uploads/{w.a_upload}"
    _not_found(w.client.get(path, headers=w.b.headers("analyst")))


def gap_report(w: World) -> None:
    """B's report counts B's postings and B's tagged learners only."""
    body = {"cohort": {"candidateTags": ["cohort"]}, "async": False}
    report = _ok(w.client.post("/v1/reports/gap", json=body, headers=w.b.headers("analyst")), 201)
    assert report["report"]["postings"] == 1
    assert report["report"]["cohortSize"] == 1


def show_report(w: World) -> None:
    _not_found(w.client.get(f"/v1/reports/{w.a_report}", headers=w.b.headers("analyst")))
    _ok(w.client.get(f"/v1/reports/{w.a_report}", headers=w.a.headers("analyst")))


def report_chart(w: World) -> None:
    path = f"/v1/reports/{w.a_report}/charts/gaps.png"
    _not_found(w.client.get(path, headers=w.b.headers("analyst")))


def list_keys(w: World) -> None:
    listed = set(_key_ids(w.client, w.b).values())
    assert listed
    assert listed.isdisjoint(w.a_keys.values())


def create_key(w: World) -> None:
    created = w.client.post("/v1/keys", json={"role": "admin"}, headers=w.b.headers("admin"))
    new_id = _ok(created, 201)["apiKey"]["id"]
    assert new_id not in set(_key_ids(w.client, w.a).values())


def rotate_key(w: World) -> None:
    path = f"/v1/keys/{w.a_keys['recruiter']}/rotate"
    _not_found(w.client.post(path, json={"graceSeconds": 0}, headers=w.b.headers("admin")))
    _ok(w.client.get("/v1/trust-policy", headers=w.a.headers("recruiter")))


def revoke_key(w: World) -> None:
    path = f"/v1/keys/{w.a_keys['analyst']}"
    _not_found(w.client.delete(path, params={"force": "true"}, headers=w.b.headers("admin")))
    _ok(w.client.get("/v1/trust-policy", headers=w.a.headers("analyst")))


Case = Callable[[World], None]

CASES: dict[tuple[str, str], Case] = {
    ("POST", "/v1/credentials"): ingest_credential,
    ("POST", "/v1/verify"): verify_credential,
    ("POST", "/v1/ingest/jobs"): submit_job,
    ("POST", "/v1/presentations/challenges"): issue_challenge,
    ("POST", "/v1/presentations"): present_credentials,
    ("GET", "/v1/ingest/jobs/{job_id:int}"): job_status,
    ("GET", "/v1/quarantine"): list_quarantine,
    ("GET", "/v1/quarantine/{quarantine_id:int}"): get_quarantined,
    ("POST", "/v1/quarantine/{quarantine_id:int}/retry"): retry_quarantined,
    ("POST", "/v1/candidates/search"): search_post,
    ("GET", "/v1/candidates/search"): search_get,
    ("GET", "/v1/candidates/{candidate_id:str}"): get_candidate,
    ("PUT", "/v1/candidates/{candidate_id:str}/tags"): put_tags,
    ("DELETE", "/v1/candidates/{candidate_id:str}"): erase_candidate,
    ("GET", "/v1/candidates/{candidate_id:str}/export"): export_candidate,
    ("GET", "/v1/audit"): audit_log,
    ("POST", "/v1/match"): match,
    ("GET", "/v1/trust-policy"): show_trust_policy,
    ("PUT", "/v1/trust-policy"): replace_trust_policy,
    ("GET", "/v1/trust-policy/assess"): assess_issuer,
    ("POST", "/v1/postings"): upload_postings,
    ("GET", "/v1/postings/uploads/{upload_id:int}"): upload_progress,
    ("GET", "/v1/postings/{external_id:path}"): show_posting,
    ("POST", "/v1/reports/gap"): gap_report,
    ("GET", "/v1/reports/{report_id:int}"): show_report,
    ("GET", "/v1/reports/{report_id:int}/charts/{chart:str}"): report_chart,
    ("GET", "/v1/keys"): list_keys,
    ("POST", "/v1/keys"): create_key,
    ("POST", "/v1/keys/{key_id:int}/rotate"): rotate_key,
    ("DELETE", "/v1/keys/{key_id:int}"): revoke_key,
}

SHARED: dict[tuple[str, str], str] = {
    ("GET", "/v1/skills"): "taxonomy search: the taxonomy is shared, it holds no tenant data",
    ("GET", "/v1/skills/{skill_id:str}"): "a taxonomy skill, shared by every tenant",
    ("POST", "/v1/skills/extract"): "reads the text sent against the shared taxonomy only",
    ("GET", "/v1/occupations/{occupation_id:str}"): "a taxonomy occupation, shared",
}


def _operations(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every /v1 operation, without Litestar's own OPTIONS."""
    for route in app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/v1"):
            for method, (handler, _) in route.route_handler_map.items():
                if method != "OPTIONS":
                    yield method, route.path, handler


def test_every_v1_route_has_an_isolation_case(app: Litestar) -> None:
    routes = {(method, path) for method, path, _ in _operations(app)}
    covered = set(CASES) | set(SHARED)
    assert sorted(routes - covered) == [], "add a tenant isolation case for these routes"
    assert sorted(covered - routes) == [], "these cases name routes the app does not have"
    assert not set(CASES) & set(SHARED)


@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_another_tenants_ids_are_not_found_and_its_rows_never_listed(
    world: World, route: tuple[str, str]
) -> None:
    CASES[route](world)


def _sample_path(path: str) -> str:
    """The route path with a value for each parameter (guards run before they are checked)."""
    return "/".join(
        ("1" if part.endswith(":int}") else "x") if part.startswith("{") else part
        for part in path.split("/")
    )


def test_roles_not_declared_by_a_route_are_forbidden(
    app: Litestar, client: httpx.Client, runtime: Runtime
) -> None:
    """Each role against each route: 403 problem when undeclared, past the guard when declared.

    A fresh tenant, so the declared calls (no body, placeholder ids) touch nobody's data.
    """
    tenant = Tenant(runtime)
    wrong: list[str] = []
    for method, path, handler in _operations(app):
        allowed = declared_roles(handler) or frozenset({Role.ADMIN})
        url = _sample_path(path)
        for role in Role:
            if role is Role.ADMIN:
                continue  # admins may do everything; their calls here could change data
            response = client.request(method, url, headers=tenant.headers(role.value))
            if role in allowed:
                if response.status_code in {401, 403} or response.status_code >= 500:
                    wrong.append(f"{role} {method} {path}: {response.status_code} (allowed)")
            elif not (
                response.status_code == 403
                and response.headers["content-type"].startswith(PROBLEM)
                and response.json()["type"].endswith("/forbidden")
            ):
                wrong.append(f"{role} {method} {path}: {response.status_code} (not allowed)")
    assert wrong == []
