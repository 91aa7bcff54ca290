"""API key administration over real HTTP and from the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from service.app import create_app
from service.cli import main
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import ApiKey, utcnow
from service.errors import AuthenticationError
from service.keys.auth import authenticate, digest
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.service.conftest import Tenant

PROBLEM = "application/problem+json"
WEEK = 7 * 24 * 3600


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _works(server: httpx.Client, key: str) -> bool:
    """Whether the key authenticates (GET /v1/trust-policy is open to every role)."""
    status = server.get("/v1/trust-policy", headers=_bearer(key)).status_code
    assert status in {200, 401}, status
    return status == 200


def _key_id(server: httpx.Client, tenant: Tenant, key: str) -> int:
    prefix = key.split("_")[1]
    listed = server.get("/v1/keys", headers=tenant.headers("admin")).json()["items"]
    (found,) = [k["id"] for k in listed if k["prefix"] == prefix]
    return int(found)


def _create(server: httpx.Client, tenant: Tenant, role: str, name: str) -> dict[str, Any]:
    response = server.post(
        "/v1/keys", json={"role": role, "name": name}, headers=tenant.headers("admin")
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _rotate(
    server: httpx.Client, tenant: Tenant, key_id: int, body: dict[str, Any] | None
) -> httpx.Response:
    return server.post(
        f"/v1/keys/{key_id}/rotate",
        json=body,
        headers=tenant.headers("admin"),
    )


def _problem(response: httpx.Response, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/" + kind)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_admin_creates_a_key_shown_once_and_listed_without_secrets(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    created = _create(server, tenant, "recruiter", "ATS connector")
    key = created["key"]
    info = created["apiKey"]
    assert info["role"] == "recruiter"
    assert info["name"] == "ATS connector"
    assert info["active"] is True
    assert info["revokedAt"] is None
    assert info["expiresAt"] is None
    assert key.startswith(f"cm_{info['prefix']}_")
    assert _works(server, key)
    # The new key has the role asked for: a recruiter may not administer keys.
    _problem(server.get("/v1/keys", headers=_bearer(key)), 403, "forbidden")

    listing = server.get("/v1/keys", headers=tenant.headers("admin"))
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [k["id"] for k in items] == sorted(k["id"] for k in items)
    assert sorted(k["role"] for k in items) == sorted(
        ["admin", "ingest", "matcher", "recruiter", "analyst", "recruiter"]
    )
    assert info in items
    with unit_of_work(runtime.sessions) as session:
        rows = [session.get(ApiKey, k["id"]) for k in items]
    assert all(row is not None and row.digest not in listing.text for row in rows)
    assert key not in listing.text


def test_created_key_defaults_its_name_and_refuses_unknown_roles(
    server: httpx.Client, tenant: Tenant
) -> None:
    response = server.post("/v1/keys", json={"role": "ingest"}, headers=tenant.headers("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["apiKey"]["name"] == "ingest key"
    bad_role = server.post("/v1/keys", json={"role": "root"}, headers=tenant.headers("admin"))
    _problem(bad_role, 400, "invalid-request")
    unknown_field = server.post(
        "/v1/keys", json={"role": "ingest", "tenant": "other"}, headers=tenant.headers("admin")
    )
    _problem(unknown_field, 400, "invalid-request")


def test_rotation_with_grace_keeps_the_old_key_working_until_the_grace_ends(
    server: httpx.Client, tenant: Tenant
) -> None:
    old = _create(server, tenant, "matcher", "HRIS")
    before = utcnow()
    response = _rotate(server, tenant, old["apiKey"]["id"], {"graceSeconds": 3600})
    after = utcnow()
    assert response.status_code == 201, response.text
    body = response.json()
    new_key = body["key"]
    assert new_key != old["key"]
    assert body["apiKey"]["name"] == "HRIS"
    assert body["apiKey"]["role"] == "matcher"
    assert body["apiKey"]["id"] != old["apiKey"]["id"]
    previous = body["previous"]
    assert previous["id"] == old["apiKey"]["id"]
    assert previous["active"] is True
    assert previous["revokedAt"] is None
    ends = _when(previous["expiresAt"])
    assert before + timedelta(hours=1) <= ends <= after + timedelta(hours=1)

    assert _works(server, new_key)
    assert _works(server, old["key"])
    listed = server.get("/v1/keys", headers=tenant.headers("admin")).json()["items"]
    (old_listed,) = [k for k in listed if k["id"] == old["apiKey"]["id"]]
    assert _when(old_listed["expiresAt"]) == ends

    # Revoking cuts the grace short.
    revoked = server.delete(f"/v1/keys/{old['apiKey']['id']}", headers=tenant.headers("admin"))
    assert revoked.status_code == 204, revoked.text
    assert not _works(server, old["key"])
    assert _works(server, new_key)


def test_rotation_without_grace_stops_the_old_key_at_once(
    server: httpx.Client, tenant: Tenant
) -> None:
    first = _create(server, tenant, "analyst", "career office")
    without_body = server.post(
        f"/v1/keys/{first['apiKey']['id']}/rotate", headers=tenant.headers("admin")
    )
    _problem(without_body, 400, "invalid-request")  # the body is required, {} will do
    assert _works(server, first["key"])

    rotated = _rotate(server, tenant, first["apiKey"]["id"], {})
    assert rotated.status_code == 201, rotated.text
    assert not _works(server, first["key"])
    second = rotated.json()
    assert second["previous"]["active"] is False
    assert second["previous"]["revokedAt"] is not None
    assert _works(server, second["key"])

    explicit = _rotate(server, tenant, second["apiKey"]["id"], {"graceSeconds": 0})
    assert explicit.status_code == 201, explicit.text
    assert not _works(server, second["key"])
    assert _works(server, explicit.json()["key"])


def test_an_earlier_scheduled_end_is_never_postponed(server: httpx.Client, tenant: Tenant) -> None:
    old = _create(server, tenant, "ingest", "loader")
    first = _rotate(server, tenant, old["apiKey"]["id"], {"graceSeconds": 60})
    second = _rotate(server, tenant, old["apiKey"]["id"], {"graceSeconds": 3600})
    assert first.status_code == second.status_code == 201
    assert second.json()["previous"]["expiresAt"] == first.json()["previous"]["expiresAt"]
    assert _works(server, old["key"])


def test_rotation_grace_is_bounded_and_revoked_keys_cannot_be_rotated(
    server: httpx.Client, tenant: Tenant
) -> None:
    key = _create(server, tenant, "recruiter", "bounded")
    key_id = key["apiKey"]["id"]
    _problem(_rotate(server, tenant, key_id, {"graceSeconds": WEEK + 1}), 400, "invalid-request")
    _problem(_rotate(server, tenant, key_id, {"graceSeconds": -1}), 400, "invalid-request")
    assert _works(server, key["key"])
    assert _rotate(server, tenant, key_id, {"graceSeconds": WEEK}).status_code == 201

    gone = _create(server, tenant, "recruiter", "gone")
    assert (
        server.delete(
            f"/v1/keys/{gone['apiKey']['id']}", headers=tenant.headers("admin")
        ).status_code
        == 204
    )
    _problem(_rotate(server, tenant, gone["apiKey"]["id"], {}), 409, "key-conflict")


def test_revoking_is_immediate_and_idempotent(server: httpx.Client, tenant: Tenant) -> None:
    key = _create(server, tenant, "matcher", "short-lived")
    path = f"/v1/keys/{key['apiKey']['id']}"
    first = server.delete(path, headers=tenant.headers("admin"))
    assert first.status_code == 204
    assert first.content == b""
    assert not _works(server, key["key"])
    assert server.delete(path, headers=tenant.headers("admin")).status_code == 204
    listed = server.get("/v1/keys", headers=tenant.headers("admin")).json()["items"]
    (row,) = [k for k in listed if k["id"] == key["apiKey"]["id"]]
    assert row["active"] is False
    assert row["revokedAt"] is not None
    assert row["expiresAt"] is None


def test_an_admin_revokes_their_own_key_only_with_force(
    server: httpx.Client, tenant: Tenant
) -> None:
    own = tenant.keys["admin"]
    own_id = _key_id(server, tenant, own)
    _problem(server.delete(f"/v1/keys/{own_id}", headers=_bearer(own)), 409, "key-conflict")
    assert _works(server, own)
    forced = server.delete(f"/v1/keys/{own_id}", params={"force": "true"}, headers=_bearer(own))
    assert forced.status_code == 204, forced.text
    assert not _works(server, own)


def test_an_admin_may_rotate_the_key_making_the_request(
    server: httpx.Client, tenant: Tenant
) -> None:
    own = tenant.keys["admin"]
    response = _rotate(server, tenant, _key_id(server, tenant, own), {"graceSeconds": 600})
    assert response.status_code == 201, response.text
    assert _works(server, own)
    assert _works(server, response.json()["key"])


def test_another_tenants_key_ids_are_not_found(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    other = Tenant(runtime)
    victim = _create(server, tenant, "recruiter", "victim")
    victim_id = victim["apiKey"]["id"]
    admin_b = other.headers("admin")
    _problem(server.delete(f"/v1/keys/{victim_id}", headers=admin_b), 404, "not-found")
    forced = server.delete(f"/v1/keys/{victim_id}", params={"force": "true"}, headers=admin_b)
    _problem(forced, 404, "not-found")
    rotated = server.post(f"/v1/keys/{victim_id}/rotate", json={}, headers=admin_b)
    _problem(rotated, 404, "not-found")
    listed = server.get("/v1/keys", headers=admin_b).json()["items"]
    assert victim_id not in {k["id"] for k in listed}
    assert len(listed) == 5
    assert _works(server, victim["key"])


def test_keys_revoked_in_the_future_still_authenticate(runtime: Runtime, tenant: Tenant) -> None:
    """The rotation grace rests on this comparison, on both databases."""
    key = tenant.keys["analyst"]
    with unit_of_work(runtime.sessions) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == digest(key)))
        assert row is not None
        row.revoked_at = utcnow() + timedelta(hours=1)
    with unit_of_work(runtime.sessions) as session:
        assert authenticate(session, f"Bearer {key}").role.value == "analyst"
    with unit_of_work(runtime.sessions) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == digest(key)))
        assert row is not None
        row.revoked_at = utcnow() - timedelta(hours=1)
    with unit_of_work(runtime.sessions) as session, pytest.raises(AuthenticationError):
        authenticate(session, f"Bearer {key}")


def _cli(runtime: Runtime, *args: str) -> int:
    settings = runtime.settings
    base = ["--data-dir", str(settings.data_dir), "--database-url"]
    return main([*base, settings.resolved_database_url, "keys", *args])


def _authenticates(runtime: Runtime, key: str) -> bool:
    with unit_of_work(runtime.sessions) as session:
        try:
            authenticate(session, f"Bearer {key}")
        except AuthenticationError:
            return False
    return True


def test_cli_lists_rotates_and_revokes_keys(
    runtime: Runtime, tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tenant.keys["matcher"]
    with unit_of_work(runtime.sessions) as session:
        row = session.scalar(select(ApiKey).where(ApiKey.digest == digest(old)))
        assert row is not None
        key_id = row.id
    capsys.readouterr()
    assert _cli(runtime, "list", "--tenant", tenant.name) == 0
    listed = capsys.readouterr().out
    assert str(key_id) in listed
    assert "matcher key" in listed
    assert row.digest not in listed

    assert _cli(runtime, "rotate", str(key_id), "--grace", "600") == 0
    new = capsys.readouterr().out.strip()
    assert new.startswith("cm_")
    assert _authenticates(runtime, new)
    assert _authenticates(runtime, old)
    assert _cli(runtime, "list", "--tenant", tenant.name) == 0
    assert "expires" in capsys.readouterr().out

    assert _cli(runtime, "revoke", str(key_id)) == 0
    assert not _authenticates(runtime, old)
    assert _authenticates(runtime, new)
    assert _cli(runtime, "list", "--tenant", tenant.name) == 0
    assert "revoked" in capsys.readouterr().out


def test_cli_reports_unknown_tenants_and_keys(runtime: Runtime) -> None:
    assert _cli(runtime, "list", "--tenant", "no-such-tenant-here") == 2
    assert _cli(runtime, "revoke", "987654321") == 2
    assert _cli(runtime, "rotate", "987654321") == 2
    with unit_of_work(runtime.sessions) as session:
        assert registry.find_tenant(session, "no-such-tenant-here") is None
