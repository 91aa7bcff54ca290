"""Recruiter search latency over HTTP at N synthetic candidates.

Method: the database is populated exactly as ``match`` populates it (``match_bench.populate``:
N candidates, one verified credential each from one of 50 issuers, 3 to 8 skills of a pool of
2,000 ESCO skills). Each query asks for 1 to 3 skills. In ``all`` mode (half the queries) the
skills are taken from one random candidate's holdings, so the search has at least that holder
to find unless a filter excludes it; in ``any`` mode they are drawn from the pool. Each
requested skill is given the way recruiters give them, with equal odds: its short id (the
last segment of its URI), its full URI, or its preferred label as free text (resolved through
the taxonomy's label search, falling back to the semantic label index). A quarter of the
queries filter by issuer: 1 to 3 issuers, each given by exact id or by domain. Half the
queries are sent as ``GET /v1/candidates/search`` with query parameters, half as ``POST`` with
a JSON body; ``limit`` is 20, sort by score. Every response is checked (2xx) and its
``total`` (all candidates found) and returned hits are recorded. Latency is measured per
request by the client after 10 warm-up requests; with ``clients`` > 1 that many threads send
requests at once and throughput is requests over the wall time of the timed phase.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from benchmarks.match_bench import (
    ISSUERS,
    TENANT,
    http_client,
    issuer_domain,
    issuer_id,
    peak_rss_mib,
    populate,
    timed_map,
)
from service.db.engine import unit_of_work
from service.db.models import Candidate, Evidence, Skill, Tenant

WARMUP = 10
LIMIT = 20
ISSUER_FILTER_SHARE = 0.25
QueryParam = tuple[str, str | int | float | bool | None]


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """One search as sent: method, skills as given, mode and issuer filter."""

    method: str
    skills: tuple[str, ...]
    mode: str
    issuers: tuple[str, ...] = ()


@dataclass
class _Samples:
    every: list[float] = field(default_factory=list)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    totals: list[int] = field(default_factory=list)
    returned: list[int] = field(default_factory=list)

    def add(self, groups: tuple[str, ...], seconds: float, total: int, returned: int) -> None:
        self.every.append(seconds)
        for group in groups:
            self.latencies.setdefault(group, []).append(seconds)
        self.totals.append(total)
        self.returned.append(returned)

    def clear(self) -> None:
        self.every.clear()
        self.latencies.clear()
        self.totals.clear()
        self.returned.clear()


def holdings_sample(env: BenchEnvironment, count: int, rng: random.Random) -> list[list[str]]:
    """Skill URIs held by ``count`` random candidates of the benchmark tenant."""
    with unit_of_work(env.runtime.sessions) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == TENANT))
        lowest, highest = session.execute(
            select(func.min(Candidate.id), func.max(Candidate.id)).where(
                Candidate.tenant_id == tenant_id
            )
        ).one()
        chosen = [rng.randint(int(lowest), int(highest)) for _ in range(count)]
        rows = session.execute(
            select(Evidence.candidate_id, Skill.uri)
            .join(Skill, Skill.id == Evidence.skill_id)
            .where(Evidence.tenant_id == tenant_id, Evidence.candidate_id.in_(set(chosen)))
        ).tuples()
        held: dict[int, list[str]] = {}
        for candidate_id, uri in rows:
            held.setdefault(candidate_id, []).append(uri)
    return [sorted(held[c]) for c in chosen if c in held]


def _given(uri: str, label: str, rng: random.Random) -> str:
    """A skill as a recruiter might give it: short id, URI or free-text label."""
    form = rng.randrange(3)
    if form == 0:
        return uri.rsplit("/", 1)[-1]
    return uri if form == 1 else label


def _issuer_filter(rng: random.Random) -> tuple[str, ...]:
    chosen = rng.sample(range(ISSUERS), rng.randint(1, 3))
    return tuple(issuer_id(n) if rng.random() < 0.5 else issuer_domain(n) for n in chosen)


def search_requests(
    pool: list[tuple[str, str]], held: list[list[str]], count: int, rng: random.Random
) -> list[SearchRequest]:
    """The mix of searches described in the module docstring."""
    labels = dict(pool)
    requests = []
    for n in range(count):
        mode = "all" if n % 2 == 0 else "any"
        size = rng.randint(1, 3)
        if mode == "all":
            holding = held[n % len(held)]
            uris = rng.sample(holding, min(size, len(holding)))
        else:
            uris = [uri for uri, _ in rng.sample(pool, size)]
        requests.append(
            SearchRequest(
                method="GET" if rng.random() < 0.5 else "POST",
                skills=tuple(_given(uri, labels[uri], rng) for uri in uris),
                mode=mode,
                issuers=_issuer_filter(rng) if rng.random() < ISSUER_FILTER_SHARE else (),
            )
        )
    return requests


def _groups(request: SearchRequest) -> tuple[str, ...]:
    """The breakdowns a request's latency counts in."""
    return (
        request.method,
        f"mode={request.mode}",
        "issuer filter" if request.issuers else "no issuer filter",
    )


def run_search(
    env: BenchEnvironment, *, candidates: int, queries: int, clients: int, seed: int
) -> dict[str, Any]:
    """Populate as ``match`` does, then time ``queries`` recruiter searches over HTTP."""
    rng = random.Random(seed)
    with console.status(f"writing {candidates} synthetic candidates"), Stopwatch() as populating:
        pool = populate(env, candidates, rng)
    held = holdings_sample(env, queries + WARMUP, rng)  # only skills of the pool
    requests = search_requests(pool, held, queries + WARMUP, rng)
    key = env.api_key(TENANT, "recruiter")
    headers = {"Authorization": f"Bearer {key}"}
    samples = _Samples()

    def send(request: SearchRequest) -> None:
        with Stopwatch() as one:
            if request.method == "GET":
                params: list[QueryParam] = [("skill", s) for s in request.skills]
                params += [("mode", request.mode), ("limit", LIMIT)]
                params += [("issuer", i) for i in request.issuers]
                response = client.get("/v1/candidates/search", params=params, headers=headers)
            else:
                body = {
                    "skills": list(request.skills),
                    "mode": request.mode,
                    "limit": LIMIT,
                    "issuers": list(request.issuers),
                }
                response = client.post("/v1/candidates/search", json=body, headers=headers)
        response.raise_for_status()
        page = response.json()
        samples.add(_groups(request), one.seconds, page["total"], len(page["candidates"]))

    with http_client(env, clients) as client:
        for request in requests[:WARMUP]:
            send(request)
        samples.clear()
        with console.status(f"timing {queries} searches, {clients} client(s)"):
            seconds = timed_map(send, requests[WARMUP:], clients)
    return {
        "candidates": candidates,
        "queries": queries,
        "clients": clients,
        "populate_seconds": round(populating.seconds, 2),
        "peak_rss_mib": peak_rss_mib(),
        "server_peak_rss_mib": env.server_peak_rss_mib(),
        "latency": percentiles(samples.every),
        "latency_by_kind": {
            group: {"requests": len(values), **percentiles(values)}
            for group, values in sorted(samples.latencies.items())
            if len(values) >= 2
        },
        "throughput_per_second": round(queries / seconds, 1),
        "mean_total_found": round(sum(samples.totals) / len(samples.totals), 2),
        "mean_hits_returned": round(sum(samples.returned) / len(samples.returned), 2),
        "share_with_no_hit": round(samples.totals.count(0) / len(samples.totals), 3),
    }
