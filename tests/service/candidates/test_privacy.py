"""Candidate erasure and export over HTTP and the CLI, on both databases."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from service.app import create_app
from service.audit.service import Actor
from service.candidates.privacy import erase_candidate
from service.cli import main
from service.credentials import service as credentials_service
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import (
    Candidate,
    CandidateTag,
    Credential,
    DeclaredSkill,
    Evidence,
    IngestJob,
    IngestJobItem,
    PresentationChallenge,
    QuarantinedDocument,
    VerificationCheck,
)
from service.matching.service import ExplicitSkill, JobQuery, match_candidates
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
ISSUER = SampleIssuer(name="Privacy College", domain="privacy.example")
PYTHON_BADGE = SampleAchievement(
    slug="py", name="Python", description="Python.", aligned_skill_uris=(PYTHON,)
)
SQL_BADGE = SampleAchievement(slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(SQL,))
PEOPLE = ("ana", "ben")


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _wait_for_job(server: httpx.Client, tenant: Tenant, job_id: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job = server.get(f"/v1/ingest/jobs/{job_id}", headers=tenant.headers("ingest")).json()
        if job["status"] == "done":
            return
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture
def people(server: httpx.Client, tenant: Tenant) -> dict[str, dict[str, Any]]:
    """ana and ben, each with: a Python credential (sent alone), an SQL credential (sent in an
    ingest job), tags, a quarantined document and a wallet challenge; returns the Python
    documents sent."""
    sent = {}
    for who in PEOPLE:
        document = ISSUER.issue(PYTHON_BADGE, f"did:example:{who}")
        sent[who] = document
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=document,
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
        job = server.post(
            "/v1/ingest/jobs",
            params={"candidateId": who},
            content=json.dumps(ISSUER.issue(SQL_BADGE, f"did:example:{who}")).encode(),
            headers=tenant.headers("ingest"),
        )
        assert job.status_code == 202, job.text
        _wait_for_job(server, tenant, job.json()["id"])
        tags = server.put(
            f"/v1/candidates/{who}/tags",
            json={"tags": ["cohort-1"]},
            headers=tenant.headers("ingest"),
        )
        assert tags.status_code == 200, tags.text
        rejected = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            content=b"not a credential",
            headers=tenant.headers("ingest"),
        )
        assert rejected.status_code == 422, rejected.text
        challenge = server.post(
            "/v1/presentations/challenges",
            params={"candidateId": who},
            headers=tenant.headers("ingest"),
        )
        assert challenge.status_code == 201, challenge.text
    return sent


def _rows_held(runtime: Runtime, tenant: Tenant, who: str) -> dict[str, int]:
    """Rows held about a candidate, per table, found by id or by the id the tenant sent."""
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        candidate_ids = select(Candidate.id).where(
            Candidate.tenant_id == tenant_id, Candidate.external_id == who
        )
        credential_ids = select(Credential.id).where(Credential.candidate_id.in_(candidate_ids))

        def count(model: Any, *where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return {
            "candidates": count(Candidate, Candidate.id.in_(candidate_ids)),
            "credentials": count(Credential, Credential.id.in_(credential_ids)),
            "checks": count(VerificationCheck, VerificationCheck.credential_id.in_(credential_ids)),
            "evidence": count(Evidence, Evidence.candidate_id.in_(candidate_ids)),
            "declared": count(DeclaredSkill, DeclaredSkill.candidate_id.in_(candidate_ids)),
            "tags": count(CandidateTag, CandidateTag.candidate_id.in_(candidate_ids)),
            "quarantine": count(
                QuarantinedDocument,
                QuarantinedDocument.tenant_id == tenant_id,
                QuarantinedDocument.candidate_external_id == who,
            ),
            "challenges": count(
                PresentationChallenge,
                PresentationChallenge.tenant_id == tenant_id,
                PresentationChallenge.candidate_external_id == who,
            ),
            "jobLines": count(
                IngestJobItem,
                IngestJobItem.job_id.in_(
                    select(IngestJob.id).where(IngestJob.tenant_id == tenant_id)
                ),
                IngestJobItem.candidate_external_id == who,
            ),
        }


def _search_ids(server: httpx.Client, tenant: Tenant) -> list[str]:
    response = server.get(
        "/v1/candidates/search", params={"skill": PYTHON}, headers=tenant.headers("recruiter")
    )
    assert response.status_code == 200, response.text
    return sorted(hit["candidateId"] for hit in response.json()["candidates"])


def _match_ids(server: httpx.Client, tenant: Tenant) -> list[str]:
    response = server.post(
        "/v1/match", json={"skills": [{"uri": PYTHON}]}, headers=tenant.headers("matcher")
    )
    assert response.status_code == 200, response.text
    return sorted(c["candidateId"] for c in response.json()["candidates"])


def test_erasure_removes_every_row_of_the_candidate_and_nothing_else(
    server: httpx.Client, runtime: Runtime, tenant: Tenant, people: dict[str, Any]
) -> None:
    before = {who: _rows_held(runtime, tenant, who) for who in PEOPLE}
    for held in before.values():
        assert all(n > 0 for n in held.values()), held
    assert _match_ids(server, tenant) == ["ana", "ben"]
    assert _search_ids(server, tenant) == ["ana", "ben"]

    response = server.delete("/v1/candidates/ana", headers=tenant.headers("admin"))

    assert response.status_code == 204, response.text
    assert _rows_held(runtime, tenant, "ana") == dict.fromkeys(before["ana"], 0)
    assert _rows_held(runtime, tenant, "ben") == before["ben"]
    assert _match_ids(server, tenant) == ["ben"]
    assert _search_ids(server, tenant) == ["ben"]
    profile = server.get("/v1/candidates/ana", headers=tenant.headers("recruiter"))
    assert profile.status_code == 404
    again = server.delete("/v1/candidates/ana", headers=tenant.headers("admin"))
    assert again.status_code == 404
    assert again.headers["content-type"].startswith("application/problem+json")


def test_erased_candidate_leaves_the_index_of_another_worker(
    server: httpx.Client, runtime: Runtime, tenant: Tenant, people: dict[str, Any]
) -> None:
    """Two runtimes on one database: the second drops the vector on its next catch-up."""
    other = Runtime.open(runtime.settings, encoder=runtime.encoder, migrate=False)
    try:
        context, indexes = other.require_taxonomy()
        with unit_of_work(other.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant.name).id
            ana = registry.get_candidate(session, tenant_id, "ana")
            assert ana is not None
            ana_id = ana.id

        def other_match() -> list[str]:
            with unit_of_work(other.sessions) as session:
                result = match_candidates(
                    session,
                    context,
                    indexes,
                    other.settings,
                    tenant_id=tenant_id,
                    query=JobQuery(skills=[ExplicitSkill(uri=PYTHON)]),
                )
            return sorted(r.candidate.external_id for r in result.candidates)

        assert other_match() == ["ana", "ben"]
        index = indexes.get(tenant_id)
        assert ana_id in index.vectors.vectors()[0].tolist()

        erased = server.delete("/v1/candidates/ana", headers=tenant.headers("ingest"))
        assert erased.status_code == 204, erased.text

        assert other_match() == ["ben"]
        assert ana_id not in index.vectors.vectors()[0].tolist()
        assert ana_id not in index.holders_of([context.skill_ids[PYTHON]])
    finally:
        other.engine.dispose()


@pytest.mark.parametrize("role", ["matcher", "recruiter", "analyst"])
def test_only_admin_and_ingest_keys_may_erase(
    server: httpx.Client, tenant: Tenant, people: dict[str, Any], role: str
) -> None:
    response = server.delete("/v1/candidates/ana", headers=tenant.headers(role))
    assert response.status_code == 403
    assert server.get("/v1/candidates/ana", headers=tenant.headers("recruiter")).status_code == 200


def test_another_tenants_candidate_is_not_found(
    server: httpx.Client, runtime: Runtime, tenant: Tenant, people: dict[str, Any]
) -> None:
    stranger = Tenant(runtime)
    assert server.delete("/v1/candidates/ana", headers=stranger.headers("admin")).status_code == 404
    exported = server.get("/v1/candidates/ana/export", headers=stranger.headers("admin"))
    assert exported.status_code == 404
    assert _rows_held(runtime, tenant, "ana")["candidates"] == 1


def test_export_holds_everything_about_the_candidate(
    server: httpx.Client, tenant: Tenant, people: dict[str, Any]
) -> None:
    assert _match_ids(server, tenant) == ["ana", "ben"]

    response = server.get("/v1/candidates/ana/export", headers=tenant.headers("admin"))

    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == ('attachment; filename="candidate-ana.json"')
    export = response.json()
    assert export["candidate"]["id"] == "ana"
    assert export["candidate"]["tags"] == ["cohort-1"]
    credentials = export["credentials"]
    assert len(credentials) == 2
    documents = [c["document"] for c in credentials]
    assert {"encoding": "json", "content": people["ana"]} in documents
    assert all(d["encoding"] == "json" for d in documents)
    assert all(c["credential"]["checks"] for c in credentials)
    assert {e["skill"]["uri"] for c in credentials for e in c["evidence"]} == {PYTHON, SQL}
    assert {s["skill"]["uri"] for s in export["skills"]} == {PYTHON, SQL}
    assert {d["skill"]["uri"] for d in export["declared"]} == {PYTHON, SQL}
    [quarantined] = export["quarantined"]
    assert quarantined["document"] == {"encoding": "text", "content": "not a credential"}
    assert quarantined["entry"]["candidateId"] == "ana"
    [event] = export["auditEvents"]
    assert event["action"] == "match"
    assert event["candidateIds"] == ["ana", "ben"]
    assert "did:example:ben" not in response.text


def test_export_keeps_binary_documents_in_base64() -> None:
    from service.candidates.views import document_out

    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    assert document_out(png).encoding == "base64"
    assert base64.b64decode(document_out(png).content) == png
    assert document_out(b"eyJhbGciOiJFZERTQSJ9.e30.c2ln").encoding == "text"


@pytest.mark.parametrize("role", ["ingest", "matcher", "recruiter", "analyst"])
def test_only_admins_may_export(
    server: httpx.Client, tenant: Tenant, people: dict[str, Any], role: str
) -> None:
    response = server.get("/v1/candidates/ana/export", headers=tenant.headers(role))
    assert response.status_code == 403


def test_erasure_is_audited_with_the_candidate_id_only(
    server: httpx.Client, tenant: Tenant, people: dict[str, Any]
) -> None:
    assert server.delete("/v1/candidates/ana", headers=tenant.headers("ingest")).status_code == 204

    events = server.get(
        "/v1/audit", params={"candidateId": "ana"}, headers=tenant.headers("admin")
    ).json()["items"]

    assert [e["action"] for e in events] == ["erase"]
    assert events[0]["role"] == "ingest"
    assert events[0]["candidateIds"] == ["ana"]
    assert events[0]["query"] == {"candidateId": "ana"}


def test_cli_erases_a_candidate(
    server: httpx.Client, runtime: Runtime, tenant: Tenant, people: dict[str, Any]
) -> None:
    url = runtime.settings.resolved_database_url
    code = main(["--database-url", url, "candidates", "erase", "ana", "--tenant", tenant.name])

    assert code == 0
    assert _rows_held(runtime, tenant, "ana")["candidates"] == 0
    assert _rows_held(runtime, tenant, "ben")["candidates"] == 1
    assert _match_ids(server, tenant) == ["ben"]
    assert main(["--database-url", url, "candidates", "erase", "ana", "--tenant", tenant.name]) == 2


def test_queued_job_lines_of_the_candidate_leave_their_job(
    runtime: Runtime, tenant: Tenant, people: dict[str, Any]
) -> None:
    """Lines still queued are taken off the job's total, so the job can still finish.

    Created and erased in one transaction, so no background worker claims the lines first.
    """
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        mixed = credentials_service.create_job(
            session, tenant_id, [(1, "ana", b"{}"), (2, "zed", b"{}")]
        )
        only_ana = credentials_service.create_job(
            session, tenant_id, [(1, "ana", b"{}"), (2, "ana", b"[]")]
        )
        erasure = erase_candidate(session, Actor(tenant_id, None, "cli"), "ana")
        session.refresh(mixed)
        session.refresh(only_ana)
        left = session.scalars(
            select(IngestJobItem.candidate_external_id).where(
                IngestJobItem.job_id.in_([mixed.id, only_ana.id])
            )
        ).all()

    assert erasure.removed["ingestJobItems"] == 1 + 3  # the fixture's line, three queued here
    assert left == ["zed"]
    assert (mixed.total, mixed.status) == (1, "queued")
    assert (only_ana.total, only_ana.status) == (0, "done")
