"""Ingest throughput: signed OB 3.0 credentials through POST /v1/credentials over HTTP.

Method: an achievement catalogue is drawn from random ESCO skills (half declare an ESCO
alignment, half are mapped by embeddings); credentials are issued and signed by two did:key
issuers before timing starts (signing is timed separately). The timed loop posts every
credential over loopback HTTP with ``clients`` threads; each request parses, canonicalises,
verifies the eddsa-rdfc-2022 proof, maps achievements (cached per achievement fingerprint)
and stores everything in one transaction.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from service.samples import SampleAchievement, SampleIssuer


def bench_issuers() -> list[SampleIssuer]:
    """The two issuers the ingest benchmarks sign with (fresh Ed25519 keys, ``did:key``)."""
    return [
        SampleIssuer(name="Bench University", domain="uni.example"),
        SampleIssuer(name="Bench Academy", domain="academy.example"),
    ]


def achievement_catalogue(
    env: BenchEnvironment, size: int, rng: random.Random
) -> list[SampleAchievement]:
    """Achievements named after random ESCO skills; every other one declares the alignment."""
    catalogue = []
    for n, (uri, label) in enumerate(env.skill_labels(size, rng)):
        aligned = n % 2 == 0
        catalogue.append(
            SampleAchievement(
                slug=f"a{n}",
                name=f"Certificate in {label}",
                description=f"The holder has shown they can {label} at work.",
                criteria="Assessed by a qualified assessor.",
                aligned_skill_uris=(uri,) if aligned else (),
                aligned_labels=(label,) if aligned else (),
            )
        )
    return catalogue


def run_ingest(
    env: BenchEnvironment, *, credentials: int, clients: int, seed: int
) -> dict[str, Any]:
    """Sign ``credentials`` documents, then time their ingest over HTTP."""
    rng = random.Random(seed)
    catalogue = achievement_catalogue(env, max(10, credentials // 10), rng)
    issuers = bench_issuers()
    with console.status(f"signing {credentials} credentials"), Stopwatch() as signing:
        documents = [
            (
                f"learner-{i % max(1, credentials // 3)}",
                issuers[i % 2].issue(rng.choice(catalogue), f"did:example:learner-{i}"),
            )
            for i in range(credentials)
        ]
    key = env.api_key("bench-ingest", "ingest")
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    def post(item: tuple[str, dict[str, Any]]) -> None:
        candidate, document = item
        with Stopwatch() as one:
            response = client.post(
                "/v1/credentials", params={"candidateId": candidate}, json=document, headers=headers
            )
        latencies.append(one.seconds)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    with httpx.Client(base_url=env.server.url, timeout=120) as client:
        post(documents[0])  # warm-up: first request pays lazy initialisation
        latencies.clear()
        statuses.clear()
        with (
            console.status(f"ingesting {credentials - 1} credentials"),
            Stopwatch() as timed,
            ThreadPoolExecutor(max_workers=clients) as pool,
        ):
            list(pool.map(post, documents[1:]))
    count = len(documents) - 1
    return {
        "credentials": count,
        "distinct_achievements": len(catalogue),
        "clients": clients,
        "status_counts": statuses,
        "seconds": round(timed.seconds, 2),
        "credentials_per_second": round(count / timed.seconds, 1),
        "latency": percentiles(latencies),
        "signing_per_second": round(len(documents) / signing.seconds, 1),
    }
