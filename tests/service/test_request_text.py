"""Text a database cannot hold is refused before any handler runs, on both databases.

PostgreSQL refuses a NUL in a text column (that ended as a 500) and bytes that are not
UTF-8 were stored as replacement characters. Each case answers a 400 problem and stores
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from service.app import create_app
from service.runtime import Runtime
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
