"""Bytes that are not HTTP get a problem response from the server layer, over a real socket."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[BackgroundServer]:
    """The app on loopback, speaking the protocol ``credmatch serve`` speaks."""
    with BackgroundServer(create_app(runtime.settings, runtime=runtime)) as running:
        yield running


def _exchange(server: BackgroundServer, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes, read the whole answer (the server closes), split it."""
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65_536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Note: a\x01b\r\n\r\n",  # control byte in a header
        b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n",  # space in a header name
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # request line over 64 KB
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
    ],
    ids=["control-byte-header", "header-name-space", "long-request-line", "tls-hello"],
)
def test_unparsable_requests_get_a_malformed_http_problem(
    server: BackgroundServer, raw: bytes
) -> None:
    status, headers, body = _exchange(server, raw)

    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["type"] == "https://credmatch.dev/problems/malformed-http"
    assert problem["status"] == 400
    assert problem["title"] == "Malformed HTTP request"
    assert problem["detail"].startswith("the request is not valid HTTP/1.1")


def test_a_well_formed_request_on_the_same_server_is_answered(server: BackgroundServer) -> None:
    status, _, body = _exchange(
        server, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )

    assert status == 200
    assert json.loads(body)["status"] == "ok"
