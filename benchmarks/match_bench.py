"""/v1/match latency over HTTP at N synthetic candidates.

Method: N candidates are written straight into the database (one credential each, holding 3 to
8 verified ESCO skills drawn from a pool of 2,000 skills, mixing aligned and inferred evidence):
ingesting them through the verifier would measure ingest again, which ``ingest`` already does.
The candidate FAISS index is built by the first request (timed separately: "index_build").
Queries are job texts listing 3 to 6 skill labels as requirements (some under "Nice to have"),
so every request runs extraction with the real model, FAISS retrieval, the exact must-have
lookup and the exact re-rank. Latency is measured per request by the client after 10 warm-up
requests.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import insert, select

from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from service.db import repositories as repo
from service.db.engine import unit_of_work
from service.db.models import Candidate, Credential, Evidence, Skill, Tenant

SKILL_POOL = 2_000
TENANT = "bench-match"


def populate(env: BenchEnvironment, candidates: int, rng: random.Random) -> list[tuple[str, str]]:
    """Write synthetic candidates with verified evidence; returns the skill pool used."""
    pool = env.skill_labels(SKILL_POOL, rng)
    with unit_of_work(env.runtime.sessions) as session:
        tenant_id = repo.get_or_create_tenant(session, TENANT).id
        skill_ids = dict(session.execute(select(Skill.uri, Skill.id)).all())
        session.execute(
            insert(Candidate),
            [
                {"tenant_id": tenant_id, "external_id": f"c{i}", "change_seq": 1}
                for i in range(candidates)
            ],
        )
        candidate_ids = dict(
            session.execute(
                select(Candidate.external_id, Candidate.id).where(Candidate.tenant_id == tenant_id)
            ).all()
        )
        session.execute(
            insert(Credential),
            [
                {
                    "tenant_id": tenant_id,
                    "candidate_id": candidate_ids[f"c{i}"],
                    "document_id": f"urn:bench:{i}",
                    "content_hash": f"{i:064x}",
                    "format": "ob3-jsonld",
                    "name": "synthetic credential",
                    "issuer_id": f"did:example:issuer-{i % 50}",
                    "issuer_name": f"Issuer {i % 50}",
                    "proof_types": "DataIntegrityProof/eddsa-rdfc-2022",
                    "verified": True,
                    "status_outcome": "passed",
                    "raw": b'{"synthetic": true}',
                }
                for i in range(candidates)
            ],
        )
        credential_ids = dict(
            session.execute(
                select(Credential.candidate_id, Credential.id).where(
                    Credential.tenant_id == tenant_id
                )
            ).all()
        )
        evidence = []
        for i in range(candidates):
            cid = candidate_ids[f"c{i}"]
            for uri, label in rng.sample(pool, rng.randint(3, 8)):
                aligned = rng.random() < 0.5
                evidence.append(
                    {
                        "tenant_id": tenant_id,
                        "candidate_id": cid,
                        "credential_id": credential_ids[cid],
                        "skill_id": skill_ids[uri],
                        "achievement_id": f"urn:bench:achievement:{label}",
                        "achievement_name": label,
                        "method": "alignment" if aligned else "embedding",
                        "confidence": 1.0 if aligned else round(rng.uniform(0.65, 0.95), 3),
                    }
                )
        for start in range(0, len(evidence), 5000):
            session.execute(insert(Evidence), evidence[start : start + 5000])
        repo.bump_change_counter(session, tenant_id)
    return pool


def job_text(pool: list[tuple[str, str]], rng: random.Random) -> str:
    """A job posting requiring a few skills of the pool."""
    labels = [label for _, label in rng.sample(pool, rng.randint(3, 6))]
    must, nice = labels[:-1], labels[-1:]
    lines = ["We are hiring.", "Requirements:"] + [f"- {x}" for x in must]
    lines += ["Nice to have:"] + [f"- {x}" for x in nice]
    return "\n".join(lines)


def run_match(
    env: BenchEnvironment, *, candidates: int, queries: int, clients: int, seed: int
) -> dict[str, Any]:
    """Populate, build the index with a first request, then time ``queries`` matches."""
    rng = random.Random(seed)
    with console.status(f"writing {candidates} synthetic candidates"), Stopwatch() as populating:
        pool = populate(env, candidates, rng)
    key = env.api_key(TENANT, "matcher")
    headers = {"Authorization": f"Bearer {key}"}
    texts = [job_text(pool, rng) for _ in range(queries + 10)]
    latencies: list[float] = []
    returned: list[int] = []

    def ask(text: str) -> None:
        with Stopwatch() as one:
            response = client.post(
                "/v1/match", json={"description": text, "topK": 10}, headers=headers
            )
        response.raise_for_status()
        latencies.append(one.seconds)
        returned.append(len(response.json()["candidates"]))

    with httpx.Client(base_url=env.server.url, timeout=120) as client:
        with Stopwatch() as building:
            ask(texts[0])
        for text in texts[1:10]:
            ask(text)
        latencies.clear()
        returned.clear()
        with (
            console.status(f"timing {queries} matches"),
            Stopwatch() as timed,
            ThreadPoolExecutor(max_workers=clients) as executor,
        ):
            list(executor.map(ask, texts[10:]))
    with unit_of_work(env.runtime.sessions) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == TENANT))
    indexes = env.runtime.indexes
    index_size = len(indexes.get(int(tenant_id)).vectors) if indexes and tenant_id else 0
    return {
        "candidates": candidates,
        "indexed_candidates": index_size,
        "queries": queries,
        "clients": clients,
        "populate_seconds": round(populating.seconds, 2),
        "index_build_first_request_seconds": round(building.seconds, 2),
        "latency": percentiles(latencies),
        "throughput_per_second": round(queries / timed.seconds, 1),
        "mean_candidates_returned": round(sum(returned) / len(returned), 2),
    }
