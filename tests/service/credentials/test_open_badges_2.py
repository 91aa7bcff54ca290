"""An Open Badges 2.0 badge baked into a PNG, posted to the API as the image itself."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ingest import bake_png, sign_ob2_assertion
from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, Tenant

ORG = "https://badges.college.example"
ISSUER_ID = f"{ORG}/issuer.json"
BADGE_ID = f"{ORG}/sql-badge.json"
KEY_ID = f"{ORG}/key.json"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def pin(folder: Path, documents: dict[str, dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n, (url, document) in enumerate(documents.items()):
        (folder / f"{n}.json").write_text(json.dumps({"url": url, "document": document}))


def test_baked_signed_ob2_badge_is_verified_and_mapped(
    runtime: Runtime, tenant: Tenant, tmp_path: Path
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    context = "https://w3id.org/openbadges/v2"
    pin(
        tmp_path / "documents",
        {
            ISSUER_ID: {
                "@context": context,
                "type": "Issuer",
                "id": ISSUER_ID,
                "name": "College",
                "url": ORG,
                "publicKey": KEY_ID,
            },
            BADGE_ID: {
                "@context": context,
                "type": "BadgeClass",
                "id": BADGE_ID,
                "name": "SQL Querying",
                "description": "Writes SQL queries.",
                "criteria": {"narrative": "Passed the SQL exam."},
                "issuer": ISSUER_ID,
                "alignment": [{"targetName": "SQL", "targetUrl": SQL, "targetFramework": "ESCO"}],
            },
            KEY_ID: {
                "type": "CryptographicKey",
                "id": KEY_ID,
                "owner": ISSUER_ID,
                "publicKeyPem": pem,
            },
        },
    )
    assertion = {
        "@context": context,
        "type": "Assertion",
        "id": "urn:uuid:6d8f2c1a-4b7e-4c3d-9f1a-2b3c4d5e6f70",
        "recipient": {"type": "email", "hashed": False, "identity": "pat@example.org"},
        "issuedOn": "2024-05-01T00:00:00Z",
        "badge": BADGE_ID,
        "verification": {"type": "SignedBadge", "creator": KEY_ID},
    }
    baked = bake_png(png(), sign_ob2_assertion(assertion, key))
    settings = runtime.settings.replaced(documents_dir=tmp_path / "documents")
    with_documents = Runtime.open(settings, encoder=runtime.encoder, migrate=False)
    try:
        app = create_app(settings, runtime=with_documents)
        with BackgroundServer(app) as server, httpx.Client(base_url=server.url) as client:
            response = client.post(
                "/v1/credentials",
                params={"candidateId": "pat"},
                content=baked,
                headers={**tenant.headers("ingest"), "Content-Type": "image/png"},
            )
            assert response.status_code == 201, response.text
            body = response.json()
            assert body["credential"]["format"] == "ob2"
            assert body["credential"]["proofTypes"] == ["SignedBadge/RS256"]
            assert [(s["skill"]["uri"], s["method"]) for s in body["skills"]] == [
                (SQL, "alignment")
            ]
            tampered = bytearray(baked)
            tampered[-20] ^= 0xFF  # inside IEND's CRC: the image no longer parses
            rejected = client.post(
                "/v1/credentials",
                params={"candidateId": "pat"},
                content=bytes(tampered),
                headers={**tenant.headers("ingest"), "Content-Type": "image/png"},
            )
            assert rejected.status_code == 422
    finally:
        with_documents.close()
