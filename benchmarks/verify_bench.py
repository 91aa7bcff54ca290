"""Verification throughput per credential format, in one process and in a pool of processes.

Method: for each format, ``count`` credentials are issued with distinct subjects and (every
tenth) distinct achievements, signed before timing: OB 3.0 under each Data Integrity suite
(did:key issuers), VC-JWT (EdDSA and ES256 by did:key, RS256 by a pinned did:web document),
Open Badges 2.0 signed assertions (RS256, badge class, issuer profile and key pinned), and
CLR 2.0 bundles of five nested eddsa-rdfc-2022 credentials (one bundle counts as six
verified credentials: the bundle and each nested one, each verified on its own as ingest
does). Each document is parsed (``parse_credential``) and verified (``Verifier.verify``:
contexts, canonicalisation, signature, key binding, dates, status) exactly as ingest does,
without the database. A warm-up pass over 20 documents runs first in every process.
"processes=N" splits the documents over N worker processes (``ProcessPoolExecutor``), each
with its own verifier.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

import msgspec
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import ingest
from ingest._ecdsa import b64url_encode, jwk_from_public_key, sign_raw
from service.samples import SampleAchievement, SampleIssuer

Signer = Callable[..., dict[str, Any]]
Pinned = dict[str, dict[str, Any]]
CLR_NESTED = 5


def _signers() -> dict[str, Signer]:
    return {
        "eddsa-rdfc-2022": ingest.sign_eddsa_rdfc_2022,
        "eddsa-jcs-2022": ingest.sign_eddsa_jcs_2022,
        "Ed25519Signature2020": ingest.sign_ed25519_signature_2020,
        "ecdsa-rdfc-2019": ingest.sign_ecdsa_rdfc_2019,
    }


def _achievement(n: int) -> SampleAchievement:
    return SampleAchievement(
        slug=f"a{n // 10}",
        name=f"Certificate {n // 10}",
        description="Writes SQL queries against relational databases.",
    )


def _vc_jwt_documents(alg: str, count: int) -> tuple[list[bytes], Pinned]:
    """VC 2.0 credentials secured as compact JWS by ``alg``."""
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    pinned: Pinned = {}
    if alg == "EdDSA":
        key = Ed25519PrivateKey.generate()
    elif alg == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if isinstance(key, rsa.RSAPrivateKey):
        did = "did:web:bench.example"
        kid = f"{did}#rsa-1"
        pinned[did] = {
            "id": did,
            "verificationMethod": [
                {
                    "id": kid,
                    "type": "JsonWebKey",
                    "controller": did,
                    "publicKeyJwk": jwk_from_public_key(key.public_key()),
                }
            ],
            "assertionMethod": [kid],
        }
    else:
        did = ingest.did_key_from_public_key(key.public_key())
        kid = f"{did}#{did.removeprefix('did:key:')}"
    issuer = SampleIssuer(name="Bench University", domain="bench.example")
    header = b64url_encode(msgspec.json.encode({"alg": alg, "kid": kid, "typ": "vc+jwt"}))
    documents = []
    for n in range(count):
        credential = issuer.credential(_achievement(n), f"did:example:learner-{n}")
        credential["issuer"]["id"] = did
        signing_input = f"{header}.{b64url_encode(msgspec.json.encode(credential))}"
        signature = sign_raw(signing_input.encode(), key)
        documents.append(f"{signing_input}.{b64url_encode(signature)}".encode())
    return documents, pinned


def _ob2_documents(count: int) -> tuple[list[bytes], Pinned]:
    """Open Badges 2.0 signed assertions (RS256) with their linked documents pinned."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    org = "https://bench.example"
    issuer_id, key_id = f"{org}/issuer.json", f"{org}/key.json"
    context = "https://w3id.org/openbadges/v2"
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    pinned: Pinned = {
        issuer_id: {
            "@context": context,
            "type": "Issuer",
            "id": issuer_id,
            "name": "Bench University",
            "publicKey": key_id,
            "revocationList": f"{org}/revocations.json",
        },
        key_id: {
            "type": "CryptographicKey",
            "id": key_id,
            "owner": issuer_id,
            "publicKeyPem": pem.decode(),
        },
        f"{org}/revocations.json": {"type": "RevocationList", "revokedAssertions": []},
    }
    documents = []
    for n in range(count):
        badge_id = f"{org}/badges/{n // 10}.json"
        pinned[badge_id] = {
            "@context": context,
            "type": "BadgeClass",
            "id": badge_id,
            "name": f"Certificate {n // 10}",
            "description": "Writes SQL queries against relational databases.",
            "criteria": {"narrative": "Passed the assessment."},
            "issuer": issuer_id,
        }
        assertion = {
            "@context": context,
            "type": "Assertion",
            "id": f"urn:uuid:00000000-0000-4000-8000-{n:012d}",
            "recipient": {"type": "email", "hashed": False, "identity": f"learner{n}@example.org"},
            "issuedOn": "2025-01-15T09:30:00Z",
            "badge": badge_id,
            "verification": {"type": "SignedBadge", "creator": key_id},
        }
        documents.append(ingest.sign_ob2_assertion(assertion, key).encode())
    return documents, pinned


def _clr_documents(count: int) -> tuple[list[bytes], Pinned]:
    """CLR 2.0 bundles, each of `CLR_NESTED` nested eddsa-rdfc-2022 credentials."""
    registrar = SampleIssuer(name="Bench Registrar", domain="registrar.example")
    college = SampleIssuer(name="Bench College", domain="college.example")
    documents = []
    for n in range(count):
        subject = f"did:example:learner-{n}"
        nested = [
            college.issue(_achievement(n * CLR_NESTED + k), subject) for k in range(CLR_NESTED)
        ]
        bundle = registrar.clr(
            subject, nested, bundle_id=f"urn:uuid:00000000-0000-4000-9000-{n:012d}"
        )
        documents.append(json.dumps(bundle).encode())
    return documents, {}


def _format_documents(name: str, count: int) -> tuple[list[bytes], Pinned]:
    if name in _signers():
        return _documents(name, count), {}
    if name.startswith("vc-jwt "):
        return _vc_jwt_documents(name.removeprefix("vc-jwt "), count)
    if name == "ob2-signed RS256":
        return _ob2_documents(count)
    return _clr_documents(max(1, count // (CLR_NESTED + 1)))


FORMATS = (
    "eddsa-rdfc-2022",
    "eddsa-jcs-2022",
    "Ed25519Signature2020",
    "ecdsa-rdfc-2019",
    "vc-jwt EdDSA",
    "vc-jwt ES256",
    "vc-jwt RS256",
    "ob2-signed RS256",
    "clr-2.0 (bundle + 5 nested)",
)


def _documents(suite: str, count: int) -> list[bytes]:
    issuer = SampleIssuer(name="Bench University", domain="bench.example")
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey = issuer.key
    method = issuer.verification_method
    if suite == "ecdsa-rdfc-2019":
        key = ec.generate_private_key(ec.SECP256R1())
        did = ingest.did_key_from_public_key(key.public_key())
        method = f"{did}#{did.removeprefix('did:key:')}"
    sign = _signers()[suite]
    created = datetime.now(UTC).replace(microsecond=0)
    documents = []
    for n in range(count):
        unsigned = issuer.credential(_achievement(n), f"did:example:learner-{n}")
        unsigned["issuer"]["id"] = method.split("#")[0]
        signed = sign(unsigned, key, verification_method=method, created=created)
        documents.append(json.dumps(signed).encode())
    return documents


def _verify_one(verifier: ingest.Verifier, raw: bytes) -> int:
    """Verified credentials in one document: itself, then each nested one (a CLR bundle)."""
    parsed, document = ingest.parse_credential(raw, documents=verifier.documents)
    if not verifier.verify(document).verified:
        return 0
    return 1 + sum(_verify_one(verifier, nested) for nested in parsed.nested)


def _verify_all(documents: Sequence[bytes], pinned: Pinned) -> int:
    verifier = ingest.Verifier(documents=ingest.PinnedDocuments(pinned))
    for raw in documents[:20]:
        _verify_one(verifier, raw)
    return sum(_verify_one(verifier, raw) for raw in documents)


def _timed(documents: Sequence[bytes], pinned: Pinned, processes: int) -> tuple[float, int]:
    if processes == 1:
        started = time.perf_counter()
        verified = _verify_all(documents, pinned)
        return time.perf_counter() - started, verified
    chunks = [documents[n::processes] for n in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        warm = [c[:20] for c in chunks]
        list(pool.map(_verify_all, warm, [pinned] * processes))  # start and warm the workers
        started = time.perf_counter()
        verified = sum(pool.map(_verify_all, chunks, [pinned] * processes))
        return time.perf_counter() - started, verified


def run_verify(*, count: int, processes: Sequence[int]) -> dict[str, Any]:
    """Verified credentials per second for every supported credential format."""
    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "credentials": count, "formats": {}}
    for name in FORMATS:
        documents, pinned = _format_documents(name, count)
        expected = len(documents) * (CLR_NESTED + 1 if name.startswith("clr") else 1)
        per_format: dict[str, Any] = {}
        for workers in processes:
            seconds, verified = _timed(documents, pinned, workers)
            if verified != expected:
                raise RuntimeError(f"{name}: only {verified} of {expected} verified")
            per_format[f"processes={workers}"] = round(verified / seconds, 1)
        results["formats"][name] = per_format
    return results
