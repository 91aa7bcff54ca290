"""Background ingest jobs over HTTP, and take-over of work a dead worker left behind."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from service.app import create_app
from service.credentials import repository as credentials_repository
from service.credentials.jobs import JobRunner, submit_job
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import IngestJobItem
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

ISSUER = SampleIssuer(name="Batch College", domain="batch.example")
BADGE = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL queries.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def wait_until_done(client: httpx.Client, tenant: Tenant, job_id: int) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = client.get(f"/v1/ingest/jobs/{job_id}", headers=tenant.headers("ingest")).json()
        if job["status"] == "done":
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_batch_is_stored_then_ingested_in_the_background(
    server: httpx.Client, tenant: Tenant
) -> None:
    documents = [ISSUER.issue(BADGE, f"did:example:batch-{n}") for n in range(4)]
    tampered = copy.deepcopy(documents[0])
    tampered["name"] = "Forged"
    lines = [json.dumps(d) for d in documents] + [
        "",
        json.dumps(tampered),
        json.dumps(documents[1]),
    ]
    response = server.post(
        "/v1/ingest/jobs",
        content="\n".join(lines).encode(),
        headers={**tenant.headers("ingest"), "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert (job["total"], job["processed"]) == (6, 0)
    done = wait_until_done(server, tenant, job["id"])
    assert (done["accepted"], done["duplicates"], done["rejected"]) == (4, 1, 1)
    assert done["processed"] == done["total"] == 6
    [rejection] = done["rejections"]
    assert rejection["line"] == 6
    assert rejection["reason"].startswith("verification-failed")
    quarantined = server.get(
        f"/v1/quarantine/{rejection['quarantineId']}", headers=tenant.headers("ingest")
    ).json()
    assert json.loads(quarantined["document"]) == tampered
    profile = server.get("/v1/candidates/did:example:batch-2", headers=tenant.headers("recruiter"))
    assert profile.status_code == 200


def test_bad_batches_and_other_tenants_get_problems(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    empty = server.post("/v1/ingest/jobs", content=b"\n\n", headers=tenant.headers("ingest"))
    assert empty.status_code == 422  # well-formed text holding no document
    assert empty.headers["content-type"].startswith("application/problem+json")
    job = server.post(
        "/v1/ingest/jobs",
        content=json.dumps(ISSUER.issue(BADGE, "did:example:one")).encode(),
        headers=tenant.headers("ingest"),
    ).json()
    other = Tenant(runtime)
    assert (
        server.get(f"/v1/ingest/jobs/{job['id']}", headers=other.headers("ingest")).status_code
        == 404
    )
    assert (
        server.post("/v1/ingest/jobs", content=b"{}", headers=tenant.headers("matcher")).status_code
        == 403
    )


def test_work_left_by_a_dead_worker_is_taken_over(runtime: Runtime, tenant: Tenant) -> None:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        body = "\n".join(json.dumps(ISSUER.issue(BADGE, f"did:example:w{n}")) for n in range(2))
        job_id = submit_job(
            session, tenant_id=tenant_id, body=body.encode(), candidate_external_id=None
        ).id
    # A worker claimed the first item an hour ago and died before finishing it.
    with unit_of_work(runtime.sessions) as session:
        session.execute(
            update(IngestJobItem)
            .where(IngestJobItem.job_id == job_id, IngestJobItem.line == 1)
            .values(state="running", claimed_at=datetime.now(UTC) - timedelta(hours=1))
        )
    runner = JobRunner(runtime)
    for _ in range(50):
        with unit_of_work(runtime.sessions) as session:
            job = credentials_repository.get_job(session, tenant_id, job_id)
            assert job is not None
            if job.status == "done":
                break
        runner.run_once()
    assert (job.status, job.accepted, job.rejected) == ("done", 2, 0)
