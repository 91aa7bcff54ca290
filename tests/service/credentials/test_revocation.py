"""Revocation end to end: a status list served on loopback HTTP, ingest, revoke, re-verify."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from ingest import encode_status_list
from ingest._status import MIN_STATUS_LIST_ENTRIES
from service.credentials import repository as credentials_repository
from service.credentials.bulk import reverify_tenant
from service.credentials.service import Accepted, ingest_credential
from service.db import registry
from service.db.engine import unit_of_work
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from tests.service.conftest import ESCO, Tenant
from tests.service.credentials.test_quarantine import quiet_progress
from tests.service.credentials.test_reverify import ranked

ISSUER = SampleIssuer(name="Status College", domain="status.example")
BADGE = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL queries.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)
INDEX = 5


class StatusListServer(BaseHTTPRequestHandler):
    """Serves the status list credential; tests flip bits or make it fail."""

    revoked: ClassVar[set[int]] = set()
    failing: ClassVar[bool] = False
    url: ClassVar[str] = ""

    def do_GET(self) -> None:
        if self.failing:
            self.send_response(500)
            self.end_headers()
            return
        bits = bytearray(MIN_STATUS_LIST_ENTRIES // 8)
        for index in self.revoked:
            bits[index // 8] |= 0x80 >> (index % 8)
        body = json.dumps(ISSUER.sign(status_list_credential(self.url, bytes(bits)))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vc+ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


def status_list_credential(url: str, bits: bytes) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(bits, multibase=True),
        },
    }


@pytest.fixture(scope="module")
def status_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StatusListServer)
    StatusListServer.url = f"http://127.0.0.1:{server.server_address[1]}/status/1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield StatusListServer.url
    finally:
        server.shutdown()
        server.server_close()


def test_revoked_credential_stops_counting_and_unreachable_list_is_unknown(
    runtime: Runtime, tenant: Tenant, status_url: str
) -> None:
    StatusListServer.revoked = set()
    StatusListServer.failing = False
    document = ISSUER.credential(BADGE, "did:example:st")
    document["credentialStatus"] = {
        "id": f"{status_url}#{INDEX}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(INDEX),
        "statusListCredential": status_url,
    }
    signed = ISSUER.sign(document)
    # No caching between checks, so each re-verification reads the list again.
    fresh = Runtime.open(
        runtime.settings.replaced(fetch_cache_seconds=0.0),
        encoder=runtime.encoder,
        migrate=False,
    )
    try:
        context, _ = fresh.require_taxonomy()
        with unit_of_work(fresh.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant.name).id
            result = ingest_credential(
                session,
                context,
                fresh.verifier,
                tenant_id=tenant_id,
                raw=json.dumps(signed).encode(),
                candidate_external_id="st",
            )
        assert isinstance(result, Accepted)
        status = next(c for c in result.checks if c.check == "status")
        assert status.outcome == "passed"
        assert ranked(runtime, tenant_id) == ["st"]

        StatusListServer.failing = True
        summary = reverify_tenant(
            fresh.settings, tenant=tenant.name, progress=quiet_progress(), runtime=fresh
        )
        assert (summary.now_unverified, summary.status_unknown) == (0, 1)
        with unit_of_work(fresh.sessions) as session:
            credential = credentials_repository.get_credential(
                session, tenant_id, result.credential.id
            )
            assert credential is not None
            assert (credential.verified, credential.status_outcome) == (True, "unknown")

        StatusListServer.failing = False
        StatusListServer.revoked = {INDEX}
        summary = reverify_tenant(
            fresh.settings, tenant=tenant.name, progress=quiet_progress(), runtime=fresh
        )
        assert summary.now_unverified == 1
        assert ranked(runtime, tenant_id) == []
        with unit_of_work(fresh.sessions) as session:
            checks = credentials_repository.checks_of(session, [result.credential.id])[
                result.credential.id
            ]
            status_check = next(c for c in checks if c.check == "status")
            assert status_check.outcome == "failed"
            assert "revoked" in status_check.detail
    finally:
        fresh.close()
