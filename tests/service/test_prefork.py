"""``credmatch serve --workers 2`` on real databases: shared start-up, supervision, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.prefork import StopRequest
from service.runtime import Runtime
from service.serving import free_port
from tests.conftest import REPO_ROOT
from tests.service.conftest import Tenant, python_badge


def _children(parent: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.add(int(entry.name))
    return found


def _wait(what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Preforked:
    """A ``credmatch serve --workers 2`` process over the runtime's database and data."""

    def __init__(self, runtime: Runtime, log: Path) -> None:
        settings = runtime.settings
        models = settings.model_cache_dir
        if not models.exists():  # workers find the ONNX export the tests keep
            models.symlink_to(REPO_ROOT / "var" / "test-models", target_is_directory=True)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = log
        environment = {
            **os.environ,
            "CREDMATCH_DATA_DIR": str(settings.data_dir),
            "CREDMATCH_DATABASE_URL": settings.resolved_database_url,
            "CREDMATCH_RATE_LIMIT_PER_MINUTE": "0",
            "CREDMATCH_LOG_FORMAT": "text",
        }
        port = self.url.rsplit(":", 1)[1]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "service.cli", "serve", "--port", port, "--workers", "2"],
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        _wait("two workers", lambda: len(_children(self.process.pid)) == 2 and self._healthy())

    def _healthy(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-3000:]
        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=120)


@pytest.fixture
def preforked(runtime: Runtime, tmp_path: Path) -> Iterator[Preforked]:
    server = Preforked(runtime, tmp_path / "serve.log")
    try:
        yield server
    finally:
        server.stop()


def test_workers_serve_one_port_and_a_dead_worker_is_replaced(
    runtime: Runtime, preforked: Preforked
) -> None:
    tenant = Tenant(runtime)
    with httpx.Client(base_url=preforked.url, timeout=120) as client:
        stored = client.post(
            "/v1/credentials",
            params={"candidateId": "ana"},
            json=python_badge(),
            headers=tenant.headers("ingest"),
        )
        assert stored.status_code == 201, stored.text
        job = {"description": "Python programming"}
        answers = [
            client.post("/v1/match", json=job, headers=tenant.headers("matcher")) for _ in range(12)
        ]
        assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
        assert {a.json()["candidates"][0]["candidateId"] for a in answers} == {"ana"}

        workers = _children(preforked.process.pid)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        _wait(
            "a replacement worker",
            lambda: len(_children(preforked.process.pid) - {victim}) == 2,
        )
        again = client.post("/v1/match", json=job, headers=tenant.headers("matcher"))
        assert again.status_code == 200
        assert again.json()["candidates"][0]["candidateId"] == "ana"

    assert preforked.stop() == 0
    assert _children(preforked.process.pid) == set()
    # Each worker saved the index it held: the next start loads it before forking.
    snapshots = runtime.settings.index_dir / "candidates"
    assert any((folder / "CURRENT").is_file() for folder in snapshots.glob("tenant-*"))


def test_a_restart_loads_the_snapshots_before_forking(
    runtime: Runtime, preforked: Preforked, tmp_path: Path
) -> None:
    tenant = Tenant(runtime)
    with httpx.Client(base_url=preforked.url, timeout=120) as client:
        client.post(
            "/v1/credentials",
            params={"candidateId": "ben"},
            json=python_badge("did:example:ben"),
            headers=tenant.headers("ingest"),
        )
        client.post("/v1/match", json={"description": "Python"}, headers=tenant.headers("matcher"))
    assert preforked.stop() == 0

    restarted = Preforked(runtime, tmp_path / "restart.log")
    try:
        with httpx.Client(base_url=restarted.url, timeout=120) as client:
            found = client.post(
                "/v1/match", json={"description": "Python"}, headers=tenant.headers("matcher")
            )
        assert found.status_code == 200
        assert found.json()["candidates"][0]["candidateId"] == "ben"
    finally:
        assert restarted.stop() == 0
    log = (tmp_path / "restart.log").read_text()
    assert "loaded the candidate indexes of" in log
    assert "loaded the candidate indexes of 0 tenant" not in log


def test_a_stop_while_a_worker_starts_its_server_is_not_lost() -> None:
    """The supervisor may signal a worker after it checked for a stop and before uvicorn
    takes the signals over; the server it runs must still exit."""
    server = uvicorn.Server(uvicorn.Config(app=lambda *_: None))

    stop = StopRequest()
    stop.attach(server)
    assert (stop.requested, server.should_exit) == (False, False)
    stop(signal.SIGTERM, None)  # while uvicorn starts
    assert (stop.requested, server.should_exit) == (True, True)

    early = StopRequest()
    early(signal.SIGINT, None)  # before the server exists: it is not run, or stops at once
    later = uvicorn.Server(uvicorn.Config(app=lambda *_: None))
    early.attach(later)
    assert (early.requested, later.should_exit) == (True, True)
