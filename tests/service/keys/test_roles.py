"""Every /v1 route declares its roles; the guard enforces them; OpenAPI shows them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar, get
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from service.api.dependencies import require_api_key
from service.api.problems import problem_details_plugin
from service.app import create_app
from service.keys.auth import Role
from service.keys.roles import ROLES_OPT, allow, declared_roles
from service.runtime import Runtime
from service.settings import Settings
from tests.service.conftest import Tenant


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    """The app as built for production; its lifespan (and so the database) never runs."""
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("roles")))


def api_operations(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every /v1 operation, without Litestar's own OPTIONS."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/v1"):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method != "OPTIONS":
                yield method, route.path, handler


def test_every_v1_route_declares_its_roles(app: Litestar) -> None:
    operations = list(api_operations(app))
    assert len(operations) > 20
    undeclared = [
        f"{method} {path}"
        for method, path, handler in operations
        if declared_roles(handler) is None
    ]
    assert undeclared == [], (
        "declare who may call these routes, e.g. opt=allow(Role.MATCHER) "
        f"(service.keys.roles): {undeclared}"
    )


def test_every_v1_route_authenticates(app: Litestar) -> None:
    unguarded = [
        f"{method} {path}"
        for method, path, handler in api_operations(app)
        if require_api_key not in handler.resolve_guards()
    ]
    assert unguarded == []


def test_openapi_names_the_roles_of_every_operation(app: Litestar) -> None:
    document = app.openapi_schema.to_schema()
    schema_paths = {r.path: r.path_format for r in app.routes if isinstance(r, HTTPRoute)}
    checked = 0
    for method, path, handler in api_operations(app):
        allowed = declared_roles(handler)
        assert allowed is not None
        expected = [r.value for r in Role if r in allowed]
        operation = document["paths"][schema_paths[path]][method.lower()]
        assert operation["x-roles"] == expected, (method, path)
        assert operation["description"].endswith("Roles: " + ", ".join(expected) + "."), path
        checked += 1
    assert checked > 20
    keys = document["paths"]["/v1/keys"]["get"]
    assert keys["x-roles"] == ["admin"]
    match = document["paths"]["/v1/match"]["post"]
    assert match["x-roles"] == ["admin", "matcher", "recruiter"]
    verify = document["paths"]["/v1/verify"]["post"]
    assert verify["x-roles"] == ["admin", "ingest", "matcher", "recruiter"]


def test_a_declaration_that_is_not_roles_is_refused() -> None:
    @get("/", opt={ROLES_OPT: "matcher"})
    async def misdeclared() -> None:  # pragma: no cover (never called)
        return None

    with pytest.raises(ValueError, match="string"):
        declared_roles(misdeclared)
    assert allow() == {ROLES_OPT: ()}


def test_a_route_that_declares_no_roles_is_admin_only(runtime: Runtime, tenant: Tenant) -> None:
    @get("/v1/undeclared", guards=[require_api_key], sync_to_thread=False)
    def undeclared() -> dict[str, str]:
        return {"status": "ok"}

    @get("/v1/declared", guards=[require_api_key], opt=allow(Role.ANALYST), sync_to_thread=False)
    def declared() -> dict[str, str]:
        return {"status": "ok"}

    app = Litestar([undeclared, declared], plugins=[problem_details_plugin()])
    app.state.runtime = runtime
    with TestClient(app) as client:
        assert client.get("/v1/undeclared", headers=tenant.headers("admin")).status_code == 200
        denied = client.get("/v1/undeclared", headers=tenant.headers("analyst"))
        assert denied.status_code == 403
        assert denied.headers["content-type"].startswith("application/problem+json")
        assert denied.json()["type"].endswith("/forbidden")
        assert client.get("/v1/declared", headers=tenant.headers("analyst")).status_code == 200
        assert client.get("/v1/declared", headers=tenant.headers("admin")).status_code == 200
        refused = client.get("/v1/declared", headers=tenant.headers("recruiter"))
        assert refused.status_code == 403
        assert "analyst" in refused.json()["detail"]
        assert client.get("/v1/declared").status_code == 401
