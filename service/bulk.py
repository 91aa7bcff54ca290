"""Bulk work on many processes: spawned local processes, or workers of a Ray cluster.

Commands that read many documents (``credmatch ingest`` credential files, ``credmatch
postings import`` uploads) do the CPU-bound part on workers and store the results in the
calling process, in input order, through the normal repositories. Workers compute and
never write, so a worker that fails loses nothing and stores nothing twice: its task runs
again (Ray restarts the actor and re-runs the task), or the command fails with the
database as the last committed batch left it, and running it again resumes (uploads and
credential files are idempotent).

A worker holds state that is costly to build (a verifier, the taxonomy's mapper and the
encoder): an *initializer* builds it once per worker, and *tasks* (module-level functions,
so they pickle by name) use it.

Where the work runs is a setting (:class:`service.settings.BulkSettings`):

- ``CREDMATCH_RAY_ADDRESS`` empty: in this process, or on ``workers`` spawned processes;
- ``local``: a Ray instance started in this process, ``workers`` actors;
- ``auto`` or ``ray://host:10001``: that Ray cluster, ``workers`` actors. Its nodes need
  the same ``credmatch`` release installed and reach the database and the data folder
  (``CREDMATCH_DATA_DIR`` on shared disk holds the label index; a worker without it
  rebuilds it).

Ray is the optional ``credmatch[ray]`` extra; nothing imports it unless an address is set.

Label embedding (a release's label index) runs on Ray too, through :class:`PooledEncoder`,
when an address is set. Candidate vectors are sums of skill vectors, computed without the
model, so they stay in the process that owns the index.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import numpy as np

from embeddings import TextEncoder, Vectors
from embeddings.progress import batches_with_progress
from service.errors import SettingsError
from service.settings import Settings

T = TypeVar("T")
R = TypeVar("R")

RAY_TASK_RETRIES = 3
"""Times Ray restarts a worker that died and re-runs its task before the command fails."""


class WorkerPool(Protocol):
    """Workers that run module-level tasks and hand results back in input order."""

    @property
    def workers(self) -> int:
        """How many workers run tasks at once."""
        ...

    @property
    def backend(self) -> str:
        """``processes`` or ``ray``."""
        ...

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``task(item)`` for each item on the workers, yielded in the items' order."""
        ...

    def close(self) -> None:
        """Stop the workers (and a Ray instance this pool started)."""
        ...


class ProcessWorkerPool:
    """Spawned processes (spawn, not fork: a parent holds model threads and connections)."""

    backend = "processes"

    def __init__(
        self, workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
    ) -> None:
        self.workers = workers
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_process_worker,
            initargs=(initializer, initargs),
        )

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``task(item)`` for each item on the processes, yielded in order."""
        return self._executor.map(task, items)

    def close(self) -> None:
        """Stop the processes."""
        self._executor.shutdown()


_PR_SET_PDEATHSIG = 1


def _start_process_worker(initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
    """Run the initializer in a spawned worker that ends with the command that spawned it.

    However the command ends: a killed ``credmatch ingest`` leaves no idle worker behind.
    """
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)
    initializer(*initargs)


class _RayWorker:
    """One Ray actor: the initializer's state, and the tasks run against it."""

    def __init__(self, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        initializer(*initargs)

    def run(self, task: Callable[[Any], Any], item: Any) -> Any:
        return task(item)


class RayWorkerPool:
    """Ray actors on a local or remote Ray cluster; a dead actor is restarted, its task re-run.

    Raises:
        SettingsError: Ray is not installed (the ``credmatch[ray]`` extra), or the
            address cannot be reached.
    """

    backend = "ray"

    def __init__(
        self,
        address: str,
        workers: int,
        initializer: Callable[..., None],
        initargs: tuple[Any, ...],
    ) -> None:
        try:
            import ray  # noqa: PLC0415 (optional extra, imported only when asked for)
            from ray.util import ActorPool  # noqa: PLC0415
        except ImportError:
            raise SettingsError(
                f"CREDMATCH_RAY_ADDRESS={address!r} needs Ray: pip install 'credmatch[ray]'"
            ) from None
        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            try:
                ray.init(
                    address=None if address == "local" else address,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as error:
                raise SettingsError(
                    f"CREDMATCH_RAY_ADDRESS={address!r}: cannot join Ray: {error}"
                ) from None
        actor = ray.remote(
            num_cpus=1, max_restarts=RAY_TASK_RETRIES, max_task_retries=RAY_TASK_RETRIES
        )(_RayWorker)
        self.workers = workers
        self._actors: list[Any] = [actor.remote(initializer, initargs) for _ in range(workers)]
        self._pool = ActorPool(self._actors)

    def map(self, task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        """``task(item)`` for each item on the actors, yielded in order."""
        pool = self._pool
        return pool.map(lambda actor, item: actor.run.remote(task, item), list(items))  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop the actors, and Ray itself when this pool started it."""
        for actor in self._actors:
            self._ray.kill(actor)
        if self._started_here:
            self._ray.shutdown()


def open_pool(
    settings: Settings,
    *,
    workers: int | None,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
) -> WorkerPool | None:
    """The workers a bulk command runs on, or ``None`` to run it in this process.

    Args:
        settings: Settings (``bulk.ray_address``, ``bulk.ray_workers``).
        workers: Workers asked for (``--workers``); ``None`` for the default (in-process,
            or ``CREDMATCH_RAY_WORKERS`` on Ray).
        initializer: Builds a worker's state; called once in each worker.
        initargs: Its arguments (pickled to the workers).

    Raises:
        SettingsError: ``workers`` below 1, or Ray asked for and unavailable.
    """
    if workers is not None and workers < 1:
        raise SettingsError(f"--workers must be at least 1, not {workers}")
    address = settings.bulk.ray_address.strip()
    if address:
        count = workers if workers is not None else settings.bulk.ray_workers
        return RayWorkerPool(address, max(1, count), initializer, initargs)
    if workers is not None and workers > 1:
        return ProcessWorkerPool(workers, initializer, initargs)
    return None


ENCODE_CHUNK = 2048
"""Texts one worker encodes per task when a label index is built on workers."""

_worker_encoder: TextEncoder | None = None


def start_encoder(settings: Settings) -> None:
    """Initialise a bulk worker that encodes texts: the configured model, one thread."""
    global _worker_encoder  # noqa: PLW0603 (one model per worker process)
    _worker_encoder = settings.replaced(embedding_threads=1).open_encoder()


def encode_in_worker(texts: list[str]) -> tuple[str, Vectors]:
    """Encode texts on a bulk worker: the model's id and the vectors."""
    if _worker_encoder is None:
        raise RuntimeError("the worker was not initialised with start_encoder")
    return _worker_encoder.model_id, _worker_encoder.encode(texts)


class PooledEncoder:
    """A :class:`~embeddings.TextEncoder` whose ``encode`` runs on bulk workers.

    Texts go out :data:`ENCODE_CHUNK` at a time and come back in order; a worker that
    loaded another model is an error, so an index never mixes two models' vectors.

    Args:
        pool: Workers started with :func:`start_encoder`.
        local: This process's encoder (its model id and dimension are the reference).
    """

    def __init__(self, pool: WorkerPool, local: TextEncoder) -> None:
        self._pool = pool
        self._local = local

    @property
    def model_id(self) -> str:
        """The model's identifier (the local encoder's)."""
        return self._local.model_id

    @property
    def dimension(self) -> int:
        """Vector dimension (the local encoder's)."""
        return self._local.dimension

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        """Encode texts on the workers into an ``(n, dimension)`` float32 array.

        Raises:
            SettingsError: A worker runs another model than this process.
        """
        chunks = [list(texts[n : n + ENCODE_CHUNK]) for n in range(0, len(texts), ENCODE_CHUNK)]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        steps: Iterable[int] = range(len(chunks))
        if show_progress:
            steps = batches_with_progress(
                [len(c) for c in chunks], description="encoding on workers", unit="texts"
            )
        results = self._pool.map(encode_in_worker, chunks)
        for step, (model_id, encoded) in zip(steps, results, strict=True):
            if model_id != self.model_id:
                raise SettingsError(
                    f"a bulk worker runs {model_id}, this process {self.model_id}: "
                    "install the same credmatch release on every node"
                )
            start = step * ENCODE_CHUNK
            vectors[start : start + len(encoded)] = encoded
        return vectors


@contextmanager
def bulk_encoder(settings: Settings, local: TextEncoder) -> Iterator[TextEncoder]:
    """The encoder for a large one-off encoding (a release's labels).

    On Ray workers (``CREDMATCH_RAY_WORKERS`` of them) when ``CREDMATCH_RAY_ADDRESS`` is
    set, else ``local`` itself.

    Raises:
        SettingsError: Ray asked for and unavailable.
    """
    if not settings.bulk.ray_address.strip():
        yield local
        return
    pool = open_pool(settings, workers=None, initializer=start_encoder, initargs=(settings,))
    if pool is None:  # pragma: no cover (an address always opens a Ray pool)
        yield local
        return
    try:
        yield PooledEncoder(pool, local)
    finally:
        pool.close()
