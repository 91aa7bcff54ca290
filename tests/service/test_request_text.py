"""Text a database cannot hold is refused before any handler runs, on both databases.

PostgreSQL refuses a NUL in a text column (that ended as a 500) and bytes that are not
UTF-8 were stored as replacement characters. Each case answers a 400 problem and stores
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import Tenant


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _assert_invalid(response: httpx.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/invalid-request")
    assert words in problem["detail"]


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/v1/audit?candidateId=a%00b", "query parameter 'candidateId' holds a NUL"),
        ("/v1/audit?candidateId=%FF%FE", "query parameter 'candidateId' is not UTF-8"),
        ("/v1/audit?x%00=1", "a query parameter name holds a NUL"),
        ("/v1/candidates/a%00b", "the path holds a NUL"),
        ("/v1/candidates/%C3%28", "the path is not UTF-8"),
    ],
)
def test_nul_and_bytes_that_are_not_utf8_in_paths_and_queries_are_refused(
    server: httpx.Client, runtime: Runtime, path: str, words: str
) -> None:
    tenant = Tenant(runtime)
    _assert_invalid(server.get(path, headers=tenant.headers("admin")), words)


def test_a_nul_in_a_json_body_is_refused_and_nothing_is_stored(
    server: httpx.Client, runtime: Runtime
) -> None:
    tenant = Tenant(runtime)
    before = server.get("/v1/keys", headers=tenant.headers("admin")).json()
    response = server.post(
        "/v1/keys",
        content=b'{"role": "matcher", "name": "bad\\u0000name"}',
        headers={**tenant.headers("admin"), "Content-Type": "application/json"},
    )
    _assert_invalid(response, "NUL character")
    assert server.get("/v1/keys", headers=tenant.headers("admin")).json() == before


def test_an_id_above_the_largest_is_refused_not_a_server_error(
    server: httpx.Client, runtime: Runtime
) -> None:
    tenant = Tenant(runtime)
    response = server.get("/v1/audit", params={"keyId": 2**63}, headers=tenant.headers("admin"))
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/invalid-request")
    assert (
        server.get(
            "/v1/audit", params={"keyId": 2**63 - 1}, headers=tenant.headers("admin")
        ).status_code
        == 200
    )


@pytest.mark.parametrize("candidate", ["a/b", "tab\there", "line\nbreak"])
def test_a_candidate_id_that_could_not_be_read_back_is_refused_where_it_is_written(
    server: httpx.Client, runtime: Runtime, candidate: str
) -> None:
    tenant = Tenant(runtime)
    document = SampleIssuer(name="Uni", domain="uni.example").issue(
        SampleAchievement(slug="py", name="Python", description="Python."), "did:example:a"
    )
    response = server.post(
        "/v1/credentials",
        params={"candidateId": candidate},
        json=document,
        headers=tenant.headers("ingest"),
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"].endswith("/invalid-request")
    assert "candidateId" in response.text
    # Refused before anything was read: no credential, no quarantine entry.
    assert server.get("/v1/quarantine", headers=tenant.headers("ingest")).json()["items"] == []
    search = server.post(
        "/v1/candidates/search",
        json={"skills": ["Python"], "mode": "any"},
        headers=tenant.headers("recruiter"),
    )
    assert search.json()["total"] == 0


def _with_repeated_key(document: dict[str, object], key: str, first: object) -> bytes:
    """The document's JSON with ``key`` given twice at the top: first ``first``, then its own."""
    text = json.dumps(document)
    return ("{" + json.dumps(key) + ": " + json.dumps(first) + ", " + text[1:]).encode()


def test_a_credential_giving_a_key_twice_is_quarantined_as_malformed_json(
    server: httpx.Client, runtime: Runtime
) -> None:
    tenant = Tenant(runtime)
    document = SampleIssuer(name="Uni", domain="uni.example").issue(
        SampleAchievement(slug="py", name="Python", description="Python."), "did:example:a"
    )
    raw = _with_repeated_key(document, "validFrom", "1999-01-01T00:00:00Z")
    response = server.post(
        "/v1/credentials",
        params={"candidateId": "ana"},
        content=raw,
        headers={**tenant.headers("ingest"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "malformed-json"
    assert "'validFrom' given twice" in response.json()["detail"]
    [entry] = server.get("/v1/quarantine", headers=tenant.headers("ingest")).json()["items"]
    assert (entry["reasonCode"], entry["candidateId"]) == ("malformed-json", "ana")
    assert "validFrom" in entry["reason"]
    # The same document once is fine: the repeat alone was the problem.
    accepted = server.post(
        "/v1/credentials",
        params={"candidateId": "ana"},
        json=document,
        headers=tenant.headers("ingest"),
    )
    assert accepted.status_code == 201, accepted.text


def test_a_request_body_giving_a_key_twice_is_refused_and_nothing_changes(
    server: httpx.Client, runtime: Runtime
) -> None:
    tenant = Tenant(runtime)
    before = server.get("/v1/trust-policy", headers=tenant.headers("admin")).json()
    body = b'{"trusted": [], "acceptUntrusted": false, "acceptUntrusted": true}'
    response = server.put(
        "/v1/trust-policy",
        content=body,
        headers={**tenant.headers("admin"), "Content-Type": "application/json"},
    )
    _assert_invalid(response, "'acceptUntrusted' twice")
    assert server.get("/v1/trust-policy", headers=tenant.headers("admin")).json() == before


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_json_endpoint_refuses_a_body_of_another_media_type_with_415(
    server: httpx.Client, runtime: Runtime, content_type: str | None
) -> None:
    tenant = Tenant(runtime)
    headers = tenant.headers("admin")
    if content_type is not None:
        headers["Content-Type"] = content_type
    body = b'{"role": "matcher", "name": "typed"}'
    response = server.post("/v1/keys", content=body, headers=headers)
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["type"].endswith("/unsupported-media-type")
    assert "application/json" in problem["detail"]
    names = [
        k["name"] for k in server.get("/v1/keys", headers=tenant.headers("admin")).json()["items"]
    ]
    assert "typed" not in names
    for accepted in (
        "application/json",
        "application/json; charset=utf-8",
        "application/vnd.x+json",
    ):
        created = server.post(
            "/v1/keys", content=body, headers={**headers, "Content-Type": accepted}
        )
        assert created.status_code == 201, (accepted, created.text)


def test_the_document_declares_415_where_a_json_body_is_read(server: httpx.Client) -> None:
    document = server.get("/schema/openapi.json").json()
    match = document["paths"]["/v1/match"]["post"]["responses"]
    assert "415" in match and "problem+json" in str(match["415"]["content"])
    assert "415" not in document["paths"]["/v1/candidates/{candidate_id}"]["get"]["responses"]


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        ("/v1/match", {"skills": [{"text": "python"}], "topK": "10"}, "topK"),
        ("/v1/candidates/search", {"skills": ["python"], "limit": "5"}, "limit"),
        ("/v1/candidates/search", {"skills": ["python"], "trustedIssuersOnly": "true"}, None),
        ("/v1/skills/extract", {"text": "Python", "threshold": "0.5"}, "threshold"),
    ],
)
def test_a_value_of_another_json_type_than_the_schema_states_is_refused(
    server: httpx.Client, runtime: Runtime, path: str, body: dict[str, object], key: str | None
) -> None:
    tenant = Tenant(runtime)
    response = server.post(path, json=body, headers=tenant.headers("admin"))
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"].endswith("/invalid-request")
    assert "got `str`" in str(problem["errors"])
    if key is not None:
        assert problem["errors"][0]["key"] == key


def test_query_parameters_keep_the_limits_the_document_states(
    server: httpx.Client, runtime: Runtime
) -> None:
    tenant = Tenant(runtime)
    admin = tenant.headers("admin")
    for since in ("2.2e-265", "0", "yesterday"):
        refused = server.get("/v1/audit", params={"since": since}, headers=admin)
        _assert_invalid(refused, "must be an ISO 8601 date-time")
    for since in ("2025-01-01T00:00:00Z", "2025-01-01T00:00:00+02:00"):
        assert server.get("/v1/audit", params={"since": since}, headers=admin).status_code == 200
    tags = [("skill", "python")] + [("candidateTag", f"t{n}") for n in range(51)]
    _assert_invalid(
        server.get("/v1/candidates/search", params=tags, headers=admin),
        "'candidateTag' is given 51 times; at most 50",
    )
    assert server.get("/v1/candidates/search", params=tags[:-1], headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("path", "document_path"),
    [
        ("/v1/keys", "/v1/keys"),
        ("/v1/candidates/ana", "/v1/candidates/{candidate_id}"),
        ("/v1/trust-policy", "/v1/trust-policy"),
        ("/v1/match", "/v1/match"),
    ],
)
def test_options_allows_every_method_the_document_lists_for_the_path(
    server: httpx.Client, runtime: Runtime, path: str, document_path: str
) -> None:
    tenant = Tenant(runtime)
    document = server.get("/schema/openapi.json").json()
    documented = {method.upper() for method in document["paths"][document_path]} | {"OPTIONS"}
    response = server.options(path, headers=tenant.headers("admin"))
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == documented
