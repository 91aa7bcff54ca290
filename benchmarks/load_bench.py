"""Mixed load: many concurrent clients ingesting, matching and searching on one server.

Method: a fresh database (PostgreSQL for the figures in RESULTS.md) gets ``candidates``
synthetic candidates written straight into it (as ``match`` does); the candidate index is built
by a first match. Credentials are then signed ahead of time (eddsa-rdfc-2022, two did:key
issuers, achievements aligned to skills of the same pool) so signing does not load the machine
during the run. ``clients`` asyncio clients share one connection pool to a separate
``credmatch serve`` process and, for ``duration`` seconds, each sends one request after another,
drawn with fixed odds: ingest a new credential for a new or returning live candidate
(``POST /v1/credentials``), match a job text (``POST /v1/match``), or search by 1 to 3 skills
(``GET /v1/candidates/search``). Every answer must be 2xx; anything else (or a transport
error or timeout) is an error and its status and problem ``type`` are counted. Latency is per
request, seen by the client, so it includes queueing in the server: with 100 clients on two
cores it measures the server under saturation, not an idle request. Afterwards the database
must hold exactly one credential per accepted ingest (none lost, none twice), and the final
check asks the server to match a job naming a skill only live candidates hold and expects
them to be found (the index caught up with what was ingested under load).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import func, select

from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from benchmarks.match_bench import TENANT, job_text, populate, tenant_id_of
from benchmarks.search_bench import QueryParam
from service.db.engine import unit_of_work
from service.db.models import Credential, Evidence, Skill
from service.samples import SampleAchievement, SampleIssuer

MIX = (("ingest", 0.2), ("match", 0.4), ("search", 0.4))
LIVE_CANDIDATES = 400
ERROR_SAMPLES = 5


@dataclass
class _Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)
    accepted: int = 0

    def record(self, kind: str, seconds: float, outcome: str, problem: str = "") -> None:
        self.latencies[kind].append(seconds)
        self.statuses[kind][outcome] += 1
        if problem and len(self.errors) < ERROR_SAMPLES:
            self.errors.append(f"{kind}: {outcome} {problem}")


def _achievements(pool: list[tuple[str, str]], count: int) -> list[SampleAchievement]:
    return [
        SampleAchievement(
            slug=f"load-{n}",
            name=f"Certificate in {label}",
            description=f"The holder has shown they can {label} at work.",
            aligned_skill_uris=(uri,),
            aligned_labels=(label,),
        )
        for n, (uri, label) in enumerate(pool[:count])
    ]


def _signed(
    live_skills: list[tuple[str, str]], count: int, rng: random.Random
) -> list[tuple[str, dict[str, Any]]]:
    """``count`` signed credentials for live candidates ``live-0`` ... ``live-399``."""
    catalogue = _achievements(live_skills, len(live_skills))
    issuers = [
        SampleIssuer(name="Load University", domain="load-uni.example"),
        SampleIssuer(name="Load Academy", domain="load-academy.example"),
    ]
    documents = []
    for n in range(count):
        candidate = f"live-{n % LIVE_CANDIDATES}"
        document = issuers[n % 2].issue(rng.choice(catalogue), f"did:example:{candidate}-{n}")
        documents.append((candidate, document))
    return documents


async def _client_loop(
    client: httpx.AsyncClient,
    deadline: float,
    rng: random.Random,
    work: _Work,
    tally: _Tally,
) -> None:
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        if kind == "ingest" and not work.documents:
            kind = "match"
        started = time.perf_counter()
        try:
            response = await work.send(client, kind, rng)
        except httpx.HTTPError as exc:
            tally.record(kind, time.perf_counter() - started, type(exc).__name__, str(exc)[:200])
            continue
        seconds = time.perf_counter() - started
        if response.is_success:
            tally.record(kind, seconds, str(response.status_code))
            if kind == "ingest" and response.status_code == 201:
                tally.accepted += 1
        else:
            problem = response.text[:300]
            tally.record(kind, seconds, str(response.status_code), problem)


@dataclass
class _Work:
    documents: list[tuple[str, dict[str, Any]]]
    pool: list[tuple[str, str]]
    headers: dict[str, dict[str, str]]

    async def send(
        self, client: httpx.AsyncClient, kind: str, rng: random.Random
    ) -> httpx.Response:
        if kind == "ingest":
            candidate, document = self.documents.pop()
            return await client.post(
                "/v1/credentials",
                params={"candidateId": candidate},
                json=document,
                headers=self.headers["ingest"],
            )
        if kind == "match":
            return await client.post(
                "/v1/match",
                json={"description": job_text(self.pool, rng), "topK": 10},
                headers=self.headers["matcher"],
            )
        skills = [label for _, label in rng.sample(self.pool, rng.randint(1, 3))]
        params: list[QueryParam] = [("skill", s) for s in skills]
        params += [("mode", "any"), ("limit", 20)]
        return await client.get(
            "/v1/candidates/search", params=params, headers=self.headers["recruiter"]
        )


async def _run_clients(
    url: str, clients: int, duration: float, work: _Work, seed: int
) -> tuple[_Tally, float]:
    tally = _Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        deadline = time.monotonic() + duration
        with Stopwatch() as timed:
            await asyncio.gather(
                *(
                    _client_loop(client, deadline, random.Random(seed + n), work, tally)
                    for n in range(clients)
                )
            )
    return tally, timed.seconds


def _stored_credentials(env: BenchEnvironment) -> int:
    tenant_id = tenant_id_of(env, TENANT)
    with unit_of_work(env.runtime.sessions) as session:
        count = session.scalar(
            select(func.count(Credential.id)).where(Credential.tenant_id == tenant_id)
        )
    return int(count or 0)


def _live_holders(
    env: BenchEnvironment, live_skills: list[tuple[str, str]], headers: dict[str, str]
) -> dict[str, int]:
    """Holders of the live-only skills: in the database, and found by search afterwards."""
    uris = [uri for uri, _ in live_skills]
    tenant_id = tenant_id_of(env, TENANT)
    with unit_of_work(env.runtime.sessions) as session:
        stored = session.scalar(
            select(func.count(func.distinct(Evidence.candidate_id)))
            .join(Skill, Skill.id == Evidence.skill_id)
            .where(Evidence.tenant_id == tenant_id, Skill.uri.in_(uris))
        )
    params: list[QueryParam] = [("skill", uri) for uri in uris]
    params += [("mode", "any"), ("limit", 1)]
    response = httpx.get(
        f"{env.server.url}/v1/candidates/search",
        params=params,
        headers=headers,
        timeout=120,
    )
    response.raise_for_status()
    return {"in_database": int(stored or 0), "found_by_search": int(response.json()["total"])}


def run_load(
    env: BenchEnvironment, *, candidates: int, clients: int, duration: float, seed: int
) -> dict[str, Any]:
    """Populate, warm up, then run ``clients`` concurrent clients for ``duration`` seconds."""
    rng = random.Random(seed)
    with console.status(f"writing {candidates} synthetic candidates"), Stopwatch() as populating:
        pool = populate(env, candidates, rng)
    # Skills outside the synthetic pool: whoever holds them afterwards was ingested live.
    in_pool = set(pool)
    live_skills = [s for s in env.skill_labels(3 * len(pool), rng) if s not in in_pool][:20]
    budget = int(duration * 40) + 100  # more than the server can ingest in the time
    with console.status(f"signing {budget} credentials"), Stopwatch() as signing:
        documents = _signed(live_skills, budget, rng)
    documents.reverse()  # popped from the end: ingest in signing order
    headers = {
        role: {"Authorization": f"Bearer {env.api_key(TENANT, role)}"}
        for role in ("ingest", "matcher", "recruiter")
    }
    work = _Work(documents=documents, pool=pool, headers=headers)
    with console.status("building the candidate index (first request)"), Stopwatch() as building:
        httpx.post(
            f"{env.server.url}/v1/match",
            json={"description": job_text(pool, rng), "topK": 10},
            headers=headers["matcher"],
            timeout=3600,
        ).raise_for_status()
    stored_before = _stored_credentials(env)
    with console.status(f"{clients} clients for {duration:.0f} s"):
        tally, seconds = asyncio.run(_run_clients(env.server.url, clients, duration, work, seed))
    stored_after = _stored_credentials(env)
    requests = sum(len(v) for v in tally.latencies.values())
    errors = sum(
        count
        for counter in tally.statuses.values()
        for outcome, count in counter.items()
        if not outcome.startswith("2")
    )
    return {
        "candidates": candidates,
        "clients": clients,
        "duration_seconds": round(seconds, 1),
        "mix": dict(MIX),
        "populate_seconds": round(populating.seconds, 1),
        "signing_seconds": round(signing.seconds, 1),
        "index_build_first_request_seconds": round(building.seconds, 1),
        "requests": requests,
        "errors": errors,
        "error_samples": tally.errors,
        "throughput_per_second": round(requests / seconds, 1),
        "by_kind": {
            kind: {
                "requests": len(values),
                "per_second": round(len(values) / seconds, 1),
                "statuses": dict(tally.statuses[kind]),
                **percentiles(values),
            }
            for kind, values in sorted(tally.latencies.items())
            if len(values) >= 2
        },
        "credentials_accepted": tally.accepted,
        "credentials_stored_during_run": stored_after - stored_before,
        "nothing_lost_or_duplicated": stored_after - stored_before == tally.accepted,
        "live_skill_holders_after_run": _live_holders(env, live_skills, headers["recruiter"]),
        "server_peak_rss_mib": env.server_peak_rss_mib(),
    }
