"""Shared benchmark set-up: the packaged ESCO taxonomy, a fresh database, a live server."""

from __future__ import annotations

import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import torch
from rich.console import Console
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from service.app import create_app
from service.db.engine import build_engine, session_factory, unit_of_work, upgrade_database
from service.db.models import Skill, SkillLabel
from service.keys.auth import create_api_key
from service.runtime import Runtime
from service.serving import BackgroundServer, free_port
from service.settings import Settings
from service.taxonomy.service import import_release
from taxonomy import TaxonomyRelease, load_packaged_esco

console = Console(stderr=True)


@dataclass
class BenchEnvironment:
    """A runtime over a fresh database holding the packaged ESCO release."""

    settings: Settings
    runtime: Runtime
    server: BackgroundServer | ServerProcess

    @classmethod
    def prepare(
        cls,
        data_dir: Path,
        *,
        server_process: bool = False,
        database_url: str | None = None,
        release: TaxonomyRelease | None = None,
    ) -> BenchEnvironment:
        """Fresh database, packaged ESCO imported, server started on loopback.

        The label index is cached under ``data_dir/indexes`` and reused between runs.

        Args:
            data_dir: Folder for the database, caches and indexes.
            server_process: Serve from a separate ``credmatch serve`` process (the load
                generator then shares no interpreter lock with the server), else from a
                thread of this process. The in-process runtime writes synthetic data
                either way; the server sees it through the database.
            database_url: A PostgreSQL URL whose database is dropped and created afresh;
                by default a fresh SQLite file in ``data_dir``.
            release: The default release to import instead of the packaged ESCO one (e.g.
                the official ESCO bundle, which has occupations).
        """
        torch.set_num_threads(max(1, os.cpu_count() or 1))
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(data_dir / "indexes" / "candidates", ignore_errors=True)
        if database_url:
            recreate_postgres_database(database_url)
        else:
            db_file = data_dir / "bench.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
            database_url = f"sqlite:///{db_file.resolve()}"
        # Load is measured, not limited: one key sends far more than a client would.
        settings = Settings(data_dir=data_dir).replaced(
            database_url=database_url, rate_limit_per_minute=0
        )
        engine = build_engine(settings.resolved_database_url)
        upgrade_database(engine)
        if release is None:
            with console.status("loading the packaged ESCO release"):
                release = load_packaged_esco(settings.package_cache_dir)
        with unit_of_work(session_factory(engine)) as session:
            import_release(session, release, make_default=True, replace=True)
        engine.dispose()
        encoder = settings.open_encoder()  # the product's backend (ONNX Runtime by default)
        runtime = Runtime.open(settings, encoder=encoder, show_progress=console.is_terminal)
        server: BackgroundServer | ServerProcess
        if server_process:
            server = ServerProcess(settings)
        else:
            server = BackgroundServer(create_app(settings, runtime=runtime)).__enter__()
        return cls(settings=settings, runtime=runtime, server=server)

    def api_key(self, tenant: str, role: str) -> str:
        """A fresh key."""
        with unit_of_work(self.runtime.sessions) as session:
            return create_api_key(session, tenant=tenant, role=role).key

    def skill_labels(self, limit: int, rng: random.Random) -> list[tuple[str, str]]:
        """(uri, preferred label) of random skills of the release."""
        with unit_of_work(self.runtime.sessions) as session:
            rows: list[tuple[str, str]] = [
                (uri, label)
                for uri, label in session.execute(
                    select(Skill.uri, SkillLabel.label)
                    .join(SkillLabel, SkillLabel.skill_id == Skill.id)
                    .where(SkillLabel.kind == "preferred")
                )
            ]
        rng.shuffle(rows)
        return rows[:limit]

    @staticmethod
    def machine() -> dict[str, object]:
        """What the figures were measured on."""
        return {
            "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "torch_threads": torch.get_num_threads(),
        }

    def server_peak_rss_mib(self) -> float | None:
        """Peak resident memory of the server process (None when it is this process)."""
        return self.server.peak_rss_mib() if isinstance(self.server, ServerProcess) else None

    def close(self) -> None:
        """Stop the server and release resources."""
        if isinstance(self.server, ServerProcess):
            self.server.stop()
        else:
            self.server.__exit__(None, None, None)
        self.runtime.close()


class ServerProcess:
    """``credmatch serve`` in a child process on a free loopback port, over ``settings``.

    Args:
        settings: Data folder and database of the benchmark (passed as ``CREDMATCH_*``).
        startup_timeout: Seconds to wait for ``/health``.
        workers: ``credmatch serve --workers`` (forked workers sharing what start-up loaded).
    """

    def __init__(
        self, settings: Settings, *, startup_timeout: float = 600, workers: int = 1
    ) -> None:
        self.port = free_port()
        environment = {
            **os.environ,
            "CREDMATCH_DATA_DIR": str(settings.data_dir.resolve()),
            "CREDMATCH_DATABASE_URL": settings.resolved_database_url,
            "CREDMATCH_RATE_LIMIT_PER_MINUTE": str(settings.limits.rate_limit_per_minute),
        }
        command = [sys.executable, "-m", "service.cli", "serve", "--port", str(self.port)]
        if workers > 1:
            command += ["--workers", str(workers)]
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        self._process = subprocess.Popen(  # noqa: S603 (our own CLI, fixed arguments)
            command, env=environment, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + startup_timeout
        while True:
            if self._process.poll() is not None:
                self._log.seek(0)
                tail = self._log.read()[-2000:].decode(errors="replace")
                raise RuntimeError(f"credmatch serve exited at start:\n{tail}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"credmatch serve did not answer on {self.url}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._process.pid

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def peak_rss_mib(self) -> float | None:
        """Peak resident memory of the server so far (VmHWM), or None once it stopped."""
        try:
            status = Path(f"/proc/{self._process.pid}/status").read_text(encoding="utf-8")
        except OSError:
            return None
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
        return None

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


def recreate_postgres_database(url: str) -> None:
    """Drop and create the database named in a PostgreSQL URL (through the ``postgres`` one)."""
    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        raise ValueError(f"not a PostgreSQL URL with a database name: {url}")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = connection.dialect.identifier_preparer.quote(target.database)
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        admin.dispose()


def halves(count: int) -> dict[str, range]:
    """Positions of ``count`` items: ``all``, and the ``even``- and ``odd``-numbered ones
    (a setting chosen on one half is reported on the other)."""
    return {"all": range(count), "even": range(0, count, 2), "odd": range(1, count, 2)}


def percent(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, to one decimal (0 when ``whole`` is 0)."""
    return round(100 * part / max(whole, 1), 1)


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p90/p99/mean/max of latency samples, in milliseconds."""
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49] * 1000, 2),
        "p90_ms": round(cuts[89] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


class Stopwatch:
    """Elapsed wall-clock seconds of a ``with`` block."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
