"""Open Badges 3.0 badges baked into PNG and SVG, posted to the API as the image itself."""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator

import httpx
import msgspec
import pytest

from ingest import bake_png, bake_svg
from ingest._ecdsa import b64url_encode, sign_raw
from service.app import create_app
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
SQL_BADGE = SampleAchievement(
    slug="sql", name="SQL Querying", description="Writes SQL queries.", aligned_skill_uris=(SQL,)
)
SVG_11 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><circle r="9"/></svg>'
)


def png() -> bytes:
    """A 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def vc_jwt(issuer: SampleIssuer, subject: str) -> str:
    """The issuer's OpenBadgeCredential secured as a VC-JWT (EdDSA, did:key kid)."""
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": issuer.verification_method}
    signing_input = ".".join(
        b64url_encode(msgspec.json.encode(part))
        for part in (header, issuer.credential(SQL_BADGE, subject))
    )
    signature = sign_raw(signing_input.encode("ascii"), issuer.key)
    return f"{signing_input}.{b64url_encode(signature)}"


def post_image(
    client: httpx.Client, tenant: Tenant, image: bytes, media_type: str
) -> httpx.Response:
    return client.post(
        "/v1/credentials",
        params={"candidateId": "pat"},
        content=image,
        headers={**tenant.headers("ingest"), "Content-Type": media_type},
    )


def assert_mapped(response: httpx.Response, credential_format: str) -> None:
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["credential"]["format"] == credential_format
    assert [(s["skill"]["uri"], s["method"]) for s in body["skills"]] == [(SQL, "alignment")]


def test_baked_ob3_png_is_verified_and_mapped(server: httpx.Client, tenant: Tenant) -> None:
    issuer = SampleIssuer(name="College", domain="college.example")
    credential = json.dumps(issuer.issue(SQL_BADGE, "did:example:pat"))

    assert_mapped(
        post_image(server, tenant, bake_png(png(), credential, version="ob3"), "image/png"),
        "ob3-jsonld",
    )
    jwt_png = bake_png(png(), vc_jwt(issuer, "did:example:pat"), version="ob3")
    assert_mapped(post_image(server, tenant, jwt_png, "image/png"), "vc-jwt")


def test_baked_ob3_svg_with_a_doctype_is_verified_and_mapped(
    server: httpx.Client, tenant: Tenant
) -> None:
    issuer = SampleIssuer(name="College", domain="college.example")
    credential = json.dumps(issuer.issue(SQL_BADGE, "did:example:pat"))

    assert_mapped(
        post_image(server, tenant, bake_svg(SVG_11, credential, version="ob3"), "image/svg+xml"),
        "ob3-jsonld",
    )
    jwt_svg = bake_svg(SVG_11, "", verify=vc_jwt(issuer, "did:example:pat"), version="ob3")
    assert_mapped(post_image(server, tenant, jwt_svg, "image/svg+xml"), "vc-jwt")


def test_tampered_baked_ob3_credential_is_quarantined(server: httpx.Client, tenant: Tenant) -> None:
    issuer = SampleIssuer(name="College", domain="college.example")
    tampered = issuer.issue(SQL_BADGE, "did:example:pat")
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced SQL"

    response = post_image(
        server, tenant, bake_png(png(), json.dumps(tampered), version="ob3"), "image/png"
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["quarantineId"]
    assert {c["check"]: c["outcome"] for c in problem["checks"]}["proof"] == "failed"


def test_svg_declaring_an_entity_is_quarantined_as_an_invalid_image(
    server: httpx.Client, tenant: Tenant
) -> None:
    issuer = SampleIssuer(name="College", domain="college.example")
    baked = bake_svg(SVG_11, json.dumps(issuer.issue(SQL_BADGE, "did:example:pat")), version="ob3")
    hostile = baked.replace(b'svg11.dtd">', b'svg11.dtd" [<!ENTITY x "boom">]>')

    response = post_image(server, tenant, hostile, "image/svg+xml")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid-image"
