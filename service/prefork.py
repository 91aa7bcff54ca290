"""``credmatch serve --workers N``: worker processes that share what start-up loaded.

The parent opens the runtime once (the taxonomy's label index and label search, the
mapping artefact, and the candidate index of every tenant with a snapshot, caught up from
the database), takes it out of garbage collection and forks the workers, which serve one
listening socket. What the parent loaded stays in pages the workers share until one of them
writes to a page (copy-on-write), so a second worker costs what it changes: its own encoder
(ONNX Runtime's threads do not survive a fork, so each worker opens its own model session),
its requests' allocations and the candidates it adds after start.

The parent supervises: a worker that exits unexpectedly is replaced (at most
:data:`MAX_RESTARTS` times a minute); SIGTERM or SIGINT stops every worker, each saving the
snapshots of the indexes it holds on the way out, and then the parent.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType

import faiss
import uvicorn

from embeddings import TextEncoder, Vectors, packaged_model_dimension, packaged_model_id
from service.app import create_app
from service.matching.service import fill_snapshot_indexes
from service.runtime import Runtime
from service.serving import ProblemHttpProtocol
from service.settings import Settings

logger = logging.getLogger("credmatch.serve")

MAX_RESTARTS = 5
"""Workers replaced within :data:`RESTART_WINDOW` before the parent gives up."""
RESTART_WINDOW = 60.0
"""Seconds over which worker restarts are counted."""


class ForkSafeEncoder:
    """An encoder that each process opens for itself, on first use.

    ONNX Runtime does not survive a fork (a session opened in a forked child of a process
    that had one hangs), so the parent never opens the model unless it must embed labels
    (then :attr:`opened` tells it to restart itself rather than fork); each worker opens its
    own right after the fork (:meth:`open`).

    Args:
        settings: The model settings.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        model = settings.embedding.model
        self._model_id = packaged_model_id(model)
        self._dimension = packaged_model_dimension(model)
        self._encoder: TextEncoder | None = None

    @property
    def model_id(self) -> str:
        """The model's identifier (known without loading it)."""
        return self._model_id

    @property
    def dimension(self) -> int:
        """Vector dimension (read from the model's configuration)."""
        return self._dimension

    @property
    def opened(self) -> bool:
        """Whether this process has loaded the model."""
        return self._encoder is not None

    def open(self) -> TextEncoder:
        """This process's model session (loaded now if it is not yet)."""
        if self._encoder is None:
            self._encoder = self._settings.open_encoder()
        return self._encoder

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> Vectors:
        """Encode texts (see :class:`embeddings.TextEncoder`)."""
        return self.open().encode(texts, show_progress=show_progress)


def serve_preforked(
    settings: Settings, *, host: str, port: int, workers: int, on_ready: Callable[[], None]
) -> int:
    """Open the runtime, fork ``workers`` servers on one socket, supervise them.

    Args:
        settings: Settings.
        host: Address to bind.
        port: Port to bind.
        workers: Worker processes (at least 2; one worker is plain ``credmatch serve``).
        on_ready: Called in each worker before it serves (logging set-up).

    Returns:
        The exit status: 0 after a requested stop, 1 when workers kept dying.
    """
    faiss.omp_set_num_threads(1)  # no OpenMP pool may exist at the fork
    encoder = ForkSafeEncoder(settings)
    runtime = Runtime.open(settings, encoder=encoder)
    if encoder.opened:
        # The labels had to be embedded here, and the model cannot cross a fork: start
        # again, now that the label index is cached.
        runtime.close()
        os.execv(sys.executable, sys.orig_argv)  # noqa: S606 (this same command, again)
    if runtime.taxonomy is not None and runtime.indexes is not None:
        filled = fill_snapshot_indexes(
            runtime.indexes, runtime.engine, runtime.taxonomy.space, settings
        )
        logger.info("loaded the candidate indexes of %d tenant(s) before forking", filled)
    runtime.engine.dispose()  # no connection crosses a fork
    listener = socket.create_server((host, port), backlog=2048)
    listener.set_inheritable(True)
    gc.collect()
    gc.freeze()  # long-lived objects: collections would touch (and copy) their pages
    supervisor = _Supervisor(
        lambda: _serve_in_worker(settings, runtime, encoder, listener, on_ready)
    )
    signal.signal(signal.SIGTERM, supervisor.stop)
    signal.signal(signal.SIGINT, supervisor.stop)
    try:
        return supervisor.run(workers)
    finally:
        listener.close()
        runtime.engine.dispose()


class _Supervisor:
    """Forks the workers, replaces one that exits, stops them all on a signal."""

    def __init__(self, serve: Callable[[], None]) -> None:
        self._serve = serve
        self._children: dict[int, int] = {}
        self._stopping = False
        self._restarts: list[float] = []

    def spawn(self, slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            self._serve()  # never returns
        self._children[pid] = slot

    def stop(self, _signum: int = signal.SIGTERM, _frame: FrameType | None = None) -> None:
        self._stopping = True
        for pid in list(self._children):
            _signal(pid, signal.SIGTERM)

    def run(self, workers: int) -> int:
        for slot in range(workers):
            self.spawn(slot)
        status = 0
        while self._children:
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            if pid not in self._children:
                continue
            slot = self._children.pop(pid)
            if self._stopping:
                continue
            now = time.monotonic()
            self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW] + [now]
            if len(self._restarts) > MAX_RESTARTS:
                logger.error("workers keep exiting; stopping")
                self.stop()
                status = 1
                continue
            logger.warning("worker %d exited; starting another", pid)
            self.spawn(slot)
        return status


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return


class StopRequest:
    """A worker's signal handler until uvicorn takes the signals over, and after it has.

    A signal is remembered; once a server is attached, it is also told to exit, so a stop
    that comes while the server starts is not lost.
    """

    def __init__(self) -> None:
        self.requested = False
        self._server: uvicorn.Server | None = None

    def attach(self, server: uvicorn.Server) -> None:
        """The server to stop on a later signal (or at once, when one came already)."""
        self._server = server
        if self.requested:
            server.should_exit = True

    def __call__(self, _signum: int, _frame: FrameType | None) -> None:
        """Handle SIGTERM or SIGINT."""
        self.requested = True
        if self._server is not None:
            self._server.should_exit = True


def _serve_in_worker(
    settings: Settings,
    runtime: Runtime,
    encoder: ForkSafeEncoder,
    listener: socket.socket,
    on_ready: Callable[[], None],
) -> None:
    """A forked worker: own database connections and model session, then serve. Never returns."""
    code = 0
    try:
        # A stop that comes before the server runs skips it, and one that comes while
        # uvicorn starts (before it takes the signals over) stops it; after the server has
        # run, uvicorn raises the signal it handled again, which must not end the worker
        # before it saves its snapshots.
        stop = StopRequest()
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        runtime.engine.dispose(close=False)  # the parent's pool is not this process's
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        encoder.open()
        on_ready()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, runtime=runtime),
                log_level="info",
                log_config=None,
                access_log=False,
                http=ProblemHttpProtocol,
            )
        )
        stop.attach(server)
        if not stop.requested:
            server.run(sockets=[listener])
        if runtime.indexes is not None:
            runtime.indexes.save_all()
            logger.info(
                "worker %d saved the snapshots of %d index(es)",
                os.getpid(),
                len(runtime.indexes.loaded()),
            )
        runtime.engine.dispose()
    except BaseException:
        logger.exception("worker %d failed", os.getpid())
        code = 1
    finally:
        os._exit(code)
