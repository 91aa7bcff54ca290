"""HttpFetcher against DNS rebinding and address tricks: it connects to what it checked.

The resolver is faked at the edge (``socket.getaddrinfo``) and the network is an
``httpx.MockTransport``; the fetcher's own code runs unchanged.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from ingest import FetchError, HttpFetcher
from tests.ingest.http_testkit import PUBLIC_IP, Server, fake_dns

DOC_URL = "https://issuer.example/profile"
DOC = {"id": DOC_URL, "name": "Example"}
OTHER_PUBLIC_IP = "93.184.216.35"


def _rebinding_dns(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """A resolver that gives the next answer on each lookup (the last one from then on)."""
    looked_up: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        looked_up.append(host)
        ip = answers[min(len(looked_up), len(answers)) - 1]
        family = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (ip, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def test_the_connection_goes_to_the_checked_address_with_the_name_for_tls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch)
    server = Server({DOC_URL: DOC})

    assert server.fetcher().fetch(DOC_URL) == DOC

    [sent] = server.connected
    assert sent.url == f"https://{PUBLIC_IP}/profile"
    assert sent.host == "issuer.example"
    assert sent.extensions["sni_hostname"] == "issuer.example"


def test_a_name_that_rebinds_after_the_check_is_never_connected_to_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up = _rebinding_dns(monkeypatch, [PUBLIC_IP, "127.0.0.1"])
    server = Server({DOC_URL: DOC})

    assert server.fetcher().fetch(DOC_URL) == DOC

    assert looked_up == ["issuer.example"]  # resolved once, for the check and the connection
    assert [sent.url for sent in server.connected] == [f"https://{PUBLIC_IP}/profile"]


def test_each_redirect_hop_is_resolved_and_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up = _rebinding_dns(monkeypatch, [PUBLIC_IP, "169.254.169.254"])
    server = Server()
    server.override = lambda request: httpx.Response(302, headers={"location": "/moved"})

    with pytest.raises(FetchError) as raised:
        server.fetcher().fetch(DOC_URL)

    assert raised.value.code == "fetch-refused"
    assert "metadata" in raised.value.message
    assert looked_up == ["issuer.example", "issuer.example"]
    assert len(server.connected) == 1


def test_port_and_ipv6_addresses_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    ipv6 = "2606:2800:220:1:248:1893:25c8:1946"
    fake_dns(monkeypatch, {"issuer.example": ipv6})
    url = "https://issuer.example:8443/profile"
    server = Server({url: DOC})

    assert server.fetcher().fetch(url) == DOC

    [sent] = server.connected
    assert sent.url == f"https://[{ipv6}]:8443/profile"
    assert sent.host == "issuer.example:8443"


def test_the_next_checked_address_is_tried_when_one_refuses_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake_dns(monkeypatch, {"issuer.example": [PUBLIC_IP, OTHER_PUBLIC_IP]})
    server = Server({DOC_URL: DOC})

    def first_address_down(request: httpx.Request) -> httpx.Response:
        if server.connected[-1].url == f"https://{PUBLIC_IP}/profile":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=DOC)

    server.override = first_address_down

    assert server.fetcher().fetch(DOC_URL) == DOC
    assert [sent.url for sent in server.connected] == [
        f"https://{PUBLIC_IP}/profile",
        f"https://{OTHER_PUBLIC_IP}/profile",
    ]


def test_ip_literal_urls_are_sent_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up = fake_dns(monkeypatch)
    url = f"https://{PUBLIC_IP}/profile"
    server = Server({url: DOC})

    assert server.fetcher().fetch(url) == DOC

    assert looked_up == []
    assert "sni_hostname" not in server.connected[0].extensions


@pytest.mark.parametrize(
    ("ip", "reason"),
    [
        ("fd00::1", "private"),  # IPv6 unique local
        ("fc00::1", "private"),
        ("::ffff:169.254.169.254", "metadata"),  # IPv4-mapped metadata address
        ("::ffff:127.0.0.1", "loopback"),
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("64:ff9b::a9fe:a9fe", "reserved"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "metadata"),  # 6to4 of 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("fd00:ec2::254", "metadata"),  # AWS IMDS over IPv6
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "private"),
        ("255.255.255.255", "private"),
        ("169.254.0.1", "link-local"),
    ],
)
def test_more_forbidden_addresses_are_refused(
    monkeypatch: pytest.MonkeyPatch, ip: str, reason: str
) -> None:
    fake_dns(monkeypatch, {"issuer.example": ip})
    server = Server({DOC_URL: DOC})

    with pytest.raises(FetchError) as raised:
        server.fetcher().fetch(DOC_URL)

    assert raised.value.code == "fetch-refused"
    assert reason in raised.value.message
    assert server.connected == []


@pytest.mark.parametrize(
    "url",
    [
        "https://2130706433/x",  # 127.0.0.1 written as one decimal number
        "https://0x7f.1/x",
        "https://[::ffff:7f00:1]/x",
    ],
)
def test_odd_spellings_of_loopback_are_refused(url: str) -> None:
    server = Server()

    with pytest.raises(FetchError) as raised:
        server.fetcher().fetch(url)

    assert raised.value.code in {"fetch-refused", "fetch-failed"}
    assert server.connected == []


def test_a_real_connection_by_name_reaches_the_server_with_its_host_header() -> None:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers["Host"])
            body = json.dumps(DOC).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    with ThreadingHTTPServer(("127.0.0.1", 0), Handler) as http_server:
        thread = threading.Thread(target=http_server.serve_forever, daemon=True)
        thread.start()
        port = http_server.server_address[1]
        try:
            with httpx.Client() as client:
                fetcher = HttpFetcher(client, allow_loopback_http=True)
                assert fetcher.fetch(f"http://localhost:{port}/doc") == DOC
        finally:
            http_server.shutdown()

    assert seen == [f"localhost:{port}"]
