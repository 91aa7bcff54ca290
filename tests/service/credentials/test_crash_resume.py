"""Bulk ingest killed with SIGKILL mid-run, then run again: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import Candidate, Credential, Evidence
from service.matching import index as candidate_index
from service.matching.index import CandidateIndex
from service.matching.service import DatabaseChangeFeed
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from tests.service.conftest import ESCO

DOCUMENTS = 60
SQL = SampleAchievement(
    slug="sql",
    name="SQL",
    description="SQL.",
    aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
)


def _stored(runtime: Runtime, tenant: str) -> tuple[int, int, int]:
    """(credentials, distinct content hashes, evidence rows) of a tenant."""
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant).id
        credentials = session.scalar(
            select(func.count(Credential.id)).where(Credential.tenant_id == tenant_id)
        )
        hashes = session.scalar(
            select(func.count(func.distinct(Credential.content_hash))).where(
                Credential.tenant_id == tenant_id
            )
        )
        evidence = session.scalar(
            select(func.count(Evidence.id)).where(Evidence.tenant_id == tenant_id)
        )
    return int(credentials or 0), int(hashes or 0), int(evidence or 0)


def _ingest(runtime: Runtime, folder: Path, tenant: str, log: Path) -> subprocess.Popen[bytes]:
    settings = runtime.settings
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "--data-dir",
        str(settings.data_dir),
        "--database-url",
        settings.resolved_database_url,
        "ingest",
        "--tenant",
        tenant,
        str(folder),
    ]
    environment = {**os.environ, "CREDMATCH_FETCH_REMOTE_DOCUMENTS": "false"}
    with log.open("wb") as errors:  # a file, not a pipe: a full pipe would stall the CLI
        return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=errors)


def test_kill_during_bulk_ingest_then_resume(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = f"crash-{tmp_path.name[-8:]}"
    issuer = SampleIssuer(name="Crash College", domain="crash.example")
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(DOCUMENTS):
        document = issuer.issue(SQL, f"did:example:crash-{n}")
        (folder / f"{n:03}.json").write_text(json.dumps(document))

    first = _ingest(runtime, folder, tenant, tmp_path / "first.log")
    deadline = time.monotonic() + 120
    while _stored(runtime, tenant)[0] < 5:
        if first.poll() is not None or time.monotonic() > deadline:
            first.kill()
            log = (tmp_path / "first.log").read_text()[-2000:]
            pytest.fail(f"ingest ended or stalled before the kill: {log}")
        time.sleep(0.05)
    # An index saved mid-run (as a server saves its indexes) must catch up after the crash.
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant).id
        saved = CandidateIndex(tenant_id, runtime.encoder.dimension)
        saved.catch_up(DatabaseChangeFeed(session, tenant_id), context.space, runtime.settings)
    saved.save(tmp_path / "saved-index", model="m", taxonomy=context.key)
    first.send_signal(signal.SIGKILL)
    first.wait()
    before = _stored(runtime, tenant)
    assert 5 <= before[0] < DOCUMENTS, "the kill should land mid-run"

    second = _ingest(runtime, folder, tenant, tmp_path / "second.log")
    second.wait(timeout=300)

    assert second.returncode == 0, (tmp_path / "second.log").read_text()[-2000:]
    credentials, hashes, evidence = _stored(runtime, tenant)
    assert credentials == hashes == DOCUMENTS  # every document once, none twice
    assert evidence == DOCUMENTS  # one aligned skill each, none duplicated
    assert before[0] <= credentials
    _assert_index_matches_database(runtime, tenant_id, tmp_path / "saved-index", context.key)
    _assert_chunked_load_matches(runtime, tenant_id, monkeypatch)


def _index_state(index: CandidateIndex) -> dict[int, list[float]]:
    ids, vectors = index.vectors.vectors()
    return {int(i): v.round(5).tolist() for i, v in zip(ids, vectors, strict=True)}


def _assert_index_matches_database(
    runtime: Runtime, tenant_id: int, saved_folder: Path, taxonomy: str
) -> None:
    """The saved pre-crash index, caught up, equals an index built fresh from the database."""
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        resumed = CandidateIndex.load(
            saved_folder,
            tenant_id,
            model="m",
            taxonomy=taxonomy,
            dimension=runtime.encoder.dimension,
        )
        assert resumed.watermark > 0, "the pre-crash index should have been saved with its mark"
        resumed.catch_up(DatabaseChangeFeed(session, tenant_id), context.space, runtime.settings)
        fresh = CandidateIndex(tenant_id, runtime.encoder.dimension)
        fresh.catch_up(DatabaseChangeFeed(session, tenant_id), context.space, runtime.settings)
        with_evidence = set(
            session.scalars(
                select(Candidate.id)
                .join(Evidence, Evidence.candidate_id == Candidate.id)
                .where(Candidate.tenant_id == tenant_id)
            )
        )
    assert set(_index_state(fresh)) == with_evidence
    assert _index_state(resumed) == _index_state(fresh)


def _assert_chunked_load_matches(
    runtime: Runtime, tenant_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Filling an index in many small chunks gives the same vectors and evidence as one."""
    context, _ = runtime.require_taxonomy()
    now = datetime.now(UTC)
    built = []
    for chunk in (10_000, 7):
        monkeypatch.setattr(candidate_index, "LOAD_CHUNK", chunk)
        index = CandidateIndex(tenant_id, runtime.encoder.dimension)
        with unit_of_work(runtime.sessions) as session:
            index.catch_up(DatabaseChangeFeed(session, tenant_id), context.space, runtime.settings)
        ids = list(_index_state(index))
        table = index.strength_table(ids, runtime.settings, now)
        built.append(
            (
                _index_state(index),
                table.candidates.tolist(),
                table.skills.tolist(),
                table.strengths.tolist(),
            )
        )
    assert len(built[0][0]) == DOCUMENTS
    assert built[0] == built[1]
