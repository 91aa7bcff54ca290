"""Running the API server: its HTTP protocol, and a background thread for it.

:class:`ProblemHttpProtocol` is what ``credmatch serve`` and :class:`BackgroundServer`
speak: uvicorn's httptools protocol, except that bytes it cannot parse as HTTP (control
bytes in a header, an oversized request line) are answered with an RFC 9457 problem
(``malformed-http``) like every other error, not uvicorn's plain text.
:class:`BackgroundServer` runs the app in a thread (demo, tests over real HTTP, benchmarks).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from types import TracebackType

import uvicorn
from litestar import Litestar
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from service.errors import MalformedHttpError


def malformed_http_problem(message: str) -> bytes:
    """The problem body answering a request the server could not parse."""
    error = MalformedHttpError(f"the request is not valid HTTP/1.1: {message}")
    return json.dumps(
        {
            "type": error.type_uri,
            "title": error.title,
            "status": error.status,
            "detail": error.detail,
        }
    ).encode()


class ProblemHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering unparsable requests with a problem body."""

    def send_400_response(self, msg: str) -> None:
        """Write a 400 ``application/problem+json`` response and close the connection."""
        body = malformed_http_problem(msg)
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/problem+json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()


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
            uvicorn.Config(
                app,
                host=host,
                port=self.port,
                log_level="warning",
                lifespan="on",
                http=ProblemHttpProtocol,
            )
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
