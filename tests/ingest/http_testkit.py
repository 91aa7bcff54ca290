"""Helpers for the offline network tests: fake DNS, mock transports, status lists."""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ingest import HttpFetcher, encode_status_list

Handler = Callable[[httpx.Request], httpx.Response]

PUBLIC_IP = "93.184.216.34"


def fake_dns(
    monkeypatch: pytest.MonkeyPatch, addresses: Mapping[str, str | list[str]] | None = None
) -> list[str]:
    """Replace ``socket.getaddrinfo``: hosts in ``addresses`` map there, others to a public IP.

    Returns:
        The hosts looked up, in order (to assert on).
    """
    looked_up: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        looked_up.append(host)
        found = (addresses or {}).get(host, PUBLIC_IP)
        ips = [found] if isinstance(found, str) else found
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, port),
            )
            for ip in ips
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


@dataclass(frozen=True)
class Connected:
    """Where a request was sent: the URL (the checked IP), its Host header, its extensions."""

    url: str
    host: str
    extensions: dict[str, Any]


class Server:
    """A ``httpx.MockTransport`` serving JSON documents by URL, counting requests."""

    def __init__(self, documents: Mapping[str, Any] | None = None) -> None:
        self.documents: dict[str, Any] = dict(documents or {})
        self.requests: list[str] = []
        self.connected: list[Connected] = []
        self.override: Handler | None = None

    def handle(self, request: httpx.Request) -> httpx.Response:
        # The fetcher connects to the address it checked and names the host in the Host
        # header; serve (and record) the URL it asked for by name.
        self.connected.append(
            Connected(str(request.url), request.headers["host"], request.extensions)
        )
        request.url = request.url.copy_with(netloc=request.headers["host"].encode("ascii"))
        self.requests.append(str(request.url))
        if self.override is not None:
            return self.override(request)
        document = self.documents.get(str(request.url))
        if document is None:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, json=document)

    def fetcher(self, **options: Any) -> HttpFetcher:
        client = httpx.Client(transport=httpx.MockTransport(self.handle))
        return HttpFetcher(client, **options)


def bitstring(set_bits: list[int], size: int = 16 * 1024 * 8) -> bytes:
    """A bitstring of ``size`` bits with the given bits set (most significant bit first)."""
    data = bytearray(size // 8)
    for bit in set_bits:
        data[bit // 8] |= 0x80 >> (bit % 8)
    return bytes(data)


def encoded(set_bits: list[int], *, multibase: bool = True) -> str:
    return encode_status_list(bitstring(set_bits), multibase=multibase)
