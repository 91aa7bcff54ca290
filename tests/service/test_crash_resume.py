"""Bulk ingest killed with SIGKILL mid-run, then run again: nothing lost, nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from service.db import repositories as repo
from service.db.engine import unit_of_work
from service.db.models import Credential, Evidence
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
        tenant_id = repo.get_or_create_tenant(session, tenant).id
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


def test_kill_during_bulk_ingest_then_resume(runtime: Runtime, tmp_path: Path) -> None:
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
