"""The OpenAPI document states the rules the handlers enforce, and the handlers keep to it.

One test per contract defect an outside schemathesis run found (issue 21): each fails
without its fix. The whole generated run is ``test_schemathesis_cli.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from service.api.schemas import MAX_ID
from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer
from service.settings import Settings
from tests.service.conftest import Tenant


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The OpenAPI document as served (an app that is never started)."""
    return create_app(Settings()).openapi_schema.to_schema()


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _parameters(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path}", parameter["name"], parameter["schema"]


def test_every_id_parameter_states_the_largest_id_exactly(document: dict[str, Any]) -> None:
    ids = [
        (where, name, schema)
        for where, name, schema in _parameters(document)
        if schema.get("type") == "integer" and (name.endswith(("_id", "Id")) or name == "after")
    ]
    assert len(ids) >= 9  # path ids, keyId, after
    for where, name, schema in ids:
        # As a float, 2**63-1 is 2**63: one past the largest id looked valid.
        assert schema["maximum"] == MAX_ID and isinstance(schema["maximum"], int), (where, name)


def test_every_string_a_request_sends_refuses_nul(document: dict[str, Any]) -> None:
    strings = [
        (where, name, schema)
        for where, name, schema in _parameters(document)
        if schema.get("type") == "string" and "format" not in schema and "enum" not in schema
    ]
    assert strings
    for where, name, schema in strings:
        assert "pattern" in schema, (where, name)
        assert "\\u0000" in schema["pattern"] or schema["pattern"].startswith("^[A-Za-z0-9")


def test_request_bodies_say_they_refuse_unknown_fields(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    bodies = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
        for item in document["paths"].values()
        for operation in item.values()
        if "$ref"
        in operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema", {})
    }
    assert {"MatchIn", "SearchIn", "ApiKeyIn", "GapReportIn"} <= bodies
    for name in bodies:
        assert components[name]["additionalProperties"] is False, name


def test_list_items_and_optional_fields_carry_their_limits(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    tag = components["MatchIn"]["properties"]["candidateTags"]["items"]
    weight = components["ExplicitSkillIn"]["properties"]["weight"]["oneOf"][0]
    threshold = components["ExtractIn"]["properties"]["threshold"]["oneOf"][0]
    cursor = components["MatchIn"]["properties"]["cursor"]["oneOf"][0]

    assert (tag["minLength"], tag["maxLength"]) == (1, 100)
    assert "\\u001f" in tag["pattern"]  # one line, no control character
    assert weight["exclusiveMinimum"] == 0
    assert threshold["minimum"] == 0
    assert cursor["pattern"] == "^[A-Za-z0-9_-]*$"


def test_raw_bodies_are_required_and_typed(document: dict[str, Any]) -> None:
    postings = document["paths"]["/v1/postings"]["post"]["requestBody"]
    batch = document["paths"]["/v1/ingest/jobs"]["post"]["requestBody"]
    credential = document["paths"]["/v1/credentials"]["post"]["requestBody"]

    assert postings["required"] and set(postings["content"]) == {
        "application/x-ndjson",
        "text/csv",
        "application/json",
    }
    assert batch["required"] and batch["content"]["application/x-ndjson"]["schema"]["pattern"]
    assert credential["required"] and "application/json" in credential["content"]


def test_semantic_refusals_are_declared_422s(document: dict[str, Any]) -> None:
    for path, method in [
        ("/v1/match", "post"),
        ("/v1/candidates/search", "post"),
        ("/v1/candidates/search", "get"),
        ("/v1/audit", "get"),
        ("/v1/trust-policy", "put"),
        ("/v1/reports/gap", "post"),
        ("/v1/ingest/jobs", "post"),
        ("/v1/postings", "post"),
    ]:
        assert "422" in document["paths"][path][method]["responses"], (method, path)


def test_an_integral_number_with_a_fraction_is_an_integer(
    server: httpx.Client, tenant: Tenant
) -> None:
    headers = tenant.headers("matcher")
    body = {"description": "Python and SQL"}
    written_as_float = server.post("/v1/match", json={**body, "topK": 10.0}, headers=headers)
    fraction = server.post("/v1/match", json={**body, "topK": 10.5}, headers=headers)
    as_text = server.post("/v1/match", json={**body, "topK": "10"}, headers=headers)
    rotated = server.post(
        "/v1/keys/" + str(_own_key_id(server, tenant)) + "/rotate",
        json={"graceSeconds": 60.0},
        headers=tenant.headers("admin"),
    )

    assert written_as_float.status_code == 200, written_as_float.text
    assert fraction.status_code == 400
    assert as_text.status_code == 400
    assert rotated.status_code == 201, rotated.text


def _own_key_id(server: httpx.Client, tenant: Tenant) -> int:
    keys = server.get("/v1/keys", headers=tenant.headers("admin")).json()["items"]
    return next(k["id"] for k in keys if k["role"] == "recruiter")
