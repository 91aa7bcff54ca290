"""Verification throughput per proof format, in one process and in a pool of processes.

Method: for each format, ``count`` OB 3.0 credentials are issued by a did:key issuer, with
distinct subjects and (every tenth) distinct achievements, signed before timing. Each
document is parsed (``parse_credential``) and verified (``Verifier.verify``: contexts,
canonicalisation, signature, key binding, dates) exactly as ingest does, without the
database. A warm-up pass over 20 documents runs first in every process. "processes=N" splits
the documents over N worker processes (``ProcessPoolExecutor``), each with its own verifier.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import ingest
from service.samples import SampleAchievement, SampleIssuer

Signer = Callable[..., dict[str, Any]]


def _signers() -> dict[str, Signer]:
    return {
        "eddsa-rdfc-2022": ingest.sign_eddsa_rdfc_2022,
        "eddsa-jcs-2022": ingest.sign_eddsa_jcs_2022,
        "Ed25519Signature2020": ingest.sign_ed25519_signature_2020,
        "ecdsa-rdfc-2019": ingest.sign_ecdsa_rdfc_2019,
    }


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
        achievement = SampleAchievement(
            slug=f"a{n // 10}",
            name=f"Certificate {n // 10}",
            description="Writes SQL queries against relational databases.",
        )
        unsigned = issuer.credential(achievement, f"did:example:learner-{n}")
        unsigned["issuer"]["id"] = method.split("#")[0]
        signed = sign(unsigned, key, verification_method=method, created=created)
        documents.append(json.dumps(signed).encode())
    return documents


def _verify_all(documents: Sequence[bytes]) -> int:
    verifier = ingest.Verifier()
    for raw in documents[:20]:
        _, document = ingest.parse_credential(raw)
        verifier.verify(document)
    verified = 0
    for raw in documents:
        _, document = ingest.parse_credential(raw)
        verified += verifier.verify(document).verified
    return verified


def _timed(documents: Sequence[bytes], processes: int) -> tuple[float, int]:
    if processes == 1:
        started = time.perf_counter()
        verified = _verify_all(documents)
        return time.perf_counter() - started, verified
    chunks = [documents[n::processes] for n in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        list(pool.map(_verify_all, [c[:20] for c in chunks]))  # start and warm the workers
        started = time.perf_counter()
        verified = sum(pool.map(_verify_all, chunks))
        return time.perf_counter() - started, verified


def run_verify(*, count: int, processes: Sequence[int]) -> dict[str, Any]:
    """Verified credentials per second for every supported proof format."""
    results: dict[str, Any] = {"cpu_count": os.cpu_count(), "credentials": count, "formats": {}}
    for suite in _signers():
        documents = _documents(suite, count)
        per_format: dict[str, Any] = {}
        for workers in processes:
            seconds, verified = _timed(documents, workers)
            if verified != len(documents):
                raise RuntimeError(f"{suite}: only {verified} of {len(documents)} verified")
            per_format[f"processes={workers}"] = round(len(documents) / seconds, 1)
        results["formats"][suite] = per_format
    return results
