"""Hostile bodies Schemathesis does not generate, sent through the app's own schema.

Generated requests for every operation, with every Schemathesis check, are the job of
``test_schemathesis_cli.py`` (the CLI against a live server); here, bodies nested
100,000 levels deep and credentials holding NUL characters, on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from tests.service.conftest import ESCO, Tenant, python_badge

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
EXAMPLES_PER_OPERATION = 15
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


@pytest.fixture(scope="module")
def fuzz_target(runtime: Runtime) -> Iterator[tuple[schemathesis.BaseSchema, dict[str, str]]]:
    """The loaded schema (app attached) and an admin's headers for a tenant with data."""
    tenant = Tenant(runtime)
    app = create_app(runtime.settings, runtime=runtime)
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    document = python_badge()
    try:
        with asgi.get_client(app) as client:
            response = client.post(
                "/v1/credentials",
                params={"candidateId": "ana"},
                json=document,
                headers=tenant.headers("admin"),
            )
            assert response.status_code == 201, response.text
            assert response.json()["credential"]["verified"] is True
        yield schema, tenant.headers("admin")
    finally:
        asgi.shutdown_lifespans()


DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 5_000 + b"1" + b"}" * 5_000


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/match"),
        ("POST", "/v1/candidates/search"),
        ("POST", "/v1/skills/extract"),
        ("PUT", "/v1/trust-policy"),
        ("PUT", "/v1/candidates/ana/tags"),
        ("POST", "/v1/reports/gap"),
    ],
)
def test_deeply_nested_json_bodies_get_a_400_problem(
    fuzz_target: tuple[schemathesis.BaseSchema, dict[str, str]], method: str, path: str
) -> None:
    schema, headers = fuzz_target
    for body in (DEEP, DEEP_OBJECT):
        response = _client_call(schema, method, path, body, headers)

        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT])
def test_a_deeply_nested_credential_is_quarantined_as_too_large(
    fuzz_target: tuple[schemathesis.BaseSchema, dict[str, str]], body: bytes
) -> None:
    schema, headers = fuzz_target

    response = _client_call(schema, "POST", "/v1/credentials", body, headers)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] in {"too-large", "not-an-object"}
    assert problem["quarantineId"]


def test_deeply_nested_postings_are_refused_or_reported_by_row(
    fuzz_target: tuple[schemathesis.BaseSchema, dict[str, str]],
) -> None:
    schema, headers = fuzz_target

    as_json = _client_call(
        schema, "POST", "/v1/postings", DEEP, {**headers, "Content-Type": "application/json"}
    )
    as_lines = _client_call(
        schema,
        "POST",
        "/v1/postings",
        b'{"title": "Data analyst"}\n' + DEEP_OBJECT,
        {**headers, "Content-Type": "application/x-ndjson"},
    )

    assert as_json.status_code == 400, as_json.text
    assert as_lines.status_code == 200, as_lines.text
    assert as_lines.json()["rejected"] == 1
    assert as_lines.json()["errors"][0]["reason"] == "JSON nesting is too deep"


def _client_call(
    schema: schemathesis.BaseSchema, method: str, path: str, body: bytes, headers: dict[str, str]
) -> Any:
    with asgi.get_client(schema.app) as client:
        return client.request(
            method, path, data=body, headers={"Content-Type": "application/json", **headers}
        )


@pytest.mark.parametrize("where", ["name", "description", "subject"])
def test_a_credential_holding_nul_characters_never_fails_the_server(
    fuzz_target: tuple[schemathesis.BaseSchema, dict[str, str]], where: str
) -> None:
    schema, headers = fuzz_target
    issuer = SampleIssuer(name="Uni\x00", domain="uni.example")
    badge = SampleAchievement(
        slug="nul",
        name="SQL\x00" if where == "name" else "SQL",
        description="Writes\x00 SQL." if where == "description" else "Writes SQL.",
        aligned_skill_uris=(ESCO + PYTHON_ID,),
        tags=("a\x00b",),
    )
    subject = "did:example:nul\x00" if where == "subject" else "did:example:nul"
    document = issuer.issue(badge, subject)

    response = _client_call(
        schema, "POST", "/v1/credentials", json.dumps(document).encode(), headers
    )

    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert response.json()["quarantineId"]
