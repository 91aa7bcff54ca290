"""Running the API server in a background thread (demo, tests over real HTTP, benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn
from litestar import Litestar


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        # Runs in a thread: signals stay with the main thread.
        return


class BackgroundServer:
    """Serve an app on loopback in a daemon thread for the duration of a ``with`` block.

    Args:
        app: The application.
        host: Address to bind.
        port: Port; 0 picks a free one.
        startup_timeout: Seconds to wait for the server to accept connections.
    """

    def __init__(
        self, app: Litestar, *, host: str = "127.0.0.1", port: int = 0, startup_timeout: float = 60
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._server = _ThreadServer(
            uvicorn.Config(app, host=host, port=self.port, log_level="warning", lifespan="on")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._timeout = startup_timeout

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        deadline = time.monotonic() + self._timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._server.should_exit = True
                raise RuntimeError(f"server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def wait(self) -> None:
        """Block until the server stops (Ctrl-C stops the caller)."""
        while self._thread.is_alive():
            self._thread.join(1)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(30)
