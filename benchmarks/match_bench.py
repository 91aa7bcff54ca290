"""/v1/match latency over HTTP at N synthetic candidates.

Method: N candidates are written straight into the database (one credential each, holding 3 to
8 verified ESCO skills drawn from a pool of 2,000 skills, mixing aligned and inferred evidence,
issued by one of 50 issuers): ingesting them through the verifier would measure ingest again,
which ``ingest`` already does. They are written in chunks of 20,000 candidates (candidates,
then their credentials, then their evidence, with ids assigned explicitly and one transaction
per chunk), so a million candidates (about 5.5 million evidence rows) never sit in memory at
once. The candidate FAISS index is built by the first request (timed separately:
"index_build"; above 50,000 candidates it is the IVF-SQ8 index). Queries are job texts listing
3 to 6 skill labels as requirements (some under "Nice to have"), so every request runs
extraction with the real model, FAISS retrieval, the exact must-have lookup and the exact
re-rank. Each job text is distinct, but they share a boilerplate line and draw their skill
labels from the same 2,000, so the server's phrase cache answers some phrases: the hits and
misses during the timed phase are reported ("phrase_cache_during_timing"; run the server
with ``CREDMATCH_MAPPING_PHRASE_CACHE=0`` to time every phrase through the encoder).
Latency is measured per request by the client after 10 warm-up requests; with
``clients`` > 1 that many threads send requests at once and throughput is requests over the
wall time of the timed phase. Peak resident memory of the benchmark process (which also runs
the server) is reported after populating and after the index build.
"""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, insert, select, text

from benchmarks.harness import (
    BenchEnvironment,
    ServerProcess,
    Stopwatch,
    console,
    percentiles,
)
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import Candidate, Credential, Evidence, Skill, Tenant

SKILL_POOL = 2_000
TENANT = "bench-match"
CHUNK = 20_000
ISSUERS = 50
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyntheticEvidence:
    """A skill a synthetic candidate holds: confidence 1.0 means an explicit alignment."""

    skill_id: int
    label: str
    confidence: float


def issuer_id(n: int) -> str:
    """Issuer ``n``'s id: an https URL for even ``n``, a ``did:web`` for odd ``n``.

    Both kinds have a host, so search can filter on the exact id or on the domain.
    """
    return (
        f"https://badges.issuer-{n}.example.edu"
        if n % 2 == 0
        else f"did:web:issuer-{n}.example.org"
    )


def issuer_domain(n: int) -> str:
    """The domain a search can filter issuer ``n`` by."""
    return f"issuer-{n}.example.edu" if n % 2 == 0 else f"issuer-{n}.example.org"


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_candidates(
    env: BenchEnvironment,
    tenant_id: int,
    holdings: Iterable[Sequence[SyntheticEvidence]],
    *,
    chunk: int = CHUNK,
) -> int:
    """Write one candidate with one verified credential per item of ``holdings``, in chunks.

    Candidate ``i`` is ``c{i}``; its credential is issued by ``issuer_id(i % ISSUERS)``. Ids
    are assigned explicitly from the current maxima, so nothing is read back, and each chunk
    is its own transaction. The tenant's change counter is bumped once at the end, so the
    candidate index sees every candidate as changed.

    Returns:
        How many candidates were written.
    """
    sessions = env.runtime.sessions
    with unit_of_work(sessions) as session:
        next_candidate = int(session.scalar(select(func.max(Candidate.id))) or 0) + 1
        next_credential = int(session.scalar(select(func.max(Credential.id))) or 0) + 1
    now = datetime.now(UTC)
    written = 0
    items: Iterator[Sequence[SyntheticEvidence]] = iter(holdings)
    while batch := list(islice(items, chunk)):
        candidates: list[dict[str, Any]] = []
        credentials: list[dict[str, Any]] = []
        evidence: list[dict[str, Any]] = []
        for offset, held in enumerate(batch):
            i = written + offset
            candidate_id, credential_id = next_candidate + i, next_credential + i
            candidates.append(
                {
                    "id": candidate_id,
                    "tenant_id": tenant_id,
                    "external_id": f"c{i}",
                    "change_seq": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            credentials.append(
                {
                    "id": credential_id,
                    "tenant_id": tenant_id,
                    "candidate_id": candidate_id,
                    "document_id": f"urn:bench:{i}",
                    "content_hash": f"{i:064x}",
                    "format": "ob3-jsonld",
                    "name": "synthetic credential",
                    "issuer_id": issuer_id(i % ISSUERS),
                    "issuer_name": f"Issuer {i % ISSUERS}",
                    "proof_types": "DataIntegrityProof/eddsa-rdfc-2022",
                    "verified": True,
                    "status_outcome": "passed",
                    "raw": b'{"synthetic": true}',
                    "received_at": now,
                }
            )
            evidence.extend(
                {
                    "tenant_id": tenant_id,
                    "candidate_id": candidate_id,
                    "credential_id": credential_id,
                    "skill_id": e.skill_id,
                    "achievement_id": f"urn:bench:achievement:{e.label}",
                    "achievement_name": e.label,
                    "method": "alignment" if e.confidence >= 1.0 else "embedding",
                    "confidence": e.confidence,
                }
                for e in held
            )
        with unit_of_work(sessions) as session:
            session.execute(insert(Candidate), candidates)
            session.execute(insert(Credential), credentials)
            session.execute(insert(Evidence), evidence)
        written += len(batch)
    with unit_of_work(sessions) as session:
        registry.bump_change_counter(session, tenant_id)
        if session.get_bind().dialect.name == "postgresql":
            # Ids were given explicitly: move the sequences past them so that rows the API
            # inserts afterwards (the load benchmark ingests while matching) get fresh ids.
            for table in ("candidates", "credentials", "evidence"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return written


def skill_ids_by_uri(env: BenchEnvironment) -> dict[str, int]:
    """Database id of every skill, by URI."""
    with unit_of_work(env.runtime.sessions) as session:
        return dict(session.execute(select(Skill.uri, Skill.id)).tuples().all())


def tenant_id_of(env: BenchEnvironment, name: str) -> int:
    """The tenant's id (created with its change counter when missing)."""
    with unit_of_work(env.runtime.sessions) as session:
        return registry.get_or_create_tenant(session, name).id


def populate(env: BenchEnvironment, candidates: int, rng: random.Random) -> list[tuple[str, str]]:
    """Write synthetic candidates with verified evidence in chunks; returns the skill pool used.

    Each candidate holds 3 to 8 skills of the pool, each aligned (confidence 1) or inferred
    (confidence 0.65 to 0.95) with equal odds; the random draws are made in the same order as
    before chunking, so a seed gives the same population.
    """
    pool = env.skill_labels(SKILL_POOL, rng)
    tenant_id = tenant_id_of(env, TENANT)
    ids = skill_ids_by_uri(env)
    pool_ids = [(ids[uri], label) for uri, label in pool]

    def holdings() -> Iterator[list[SyntheticEvidence]]:
        for _ in range(candidates):
            held = []
            for skill_id, label in rng.sample(pool_ids, rng.randint(3, 8)):
                aligned = rng.random() < 0.5
                confidence = 1.0 if aligned else round(rng.uniform(0.65, 0.95), 3)
                held.append(SyntheticEvidence(skill_id, label, confidence))
            yield held

    write_candidates(env, tenant_id, holdings())
    return pool


def indexed_candidates(env: BenchEnvironment, tenant: str) -> int:
    """How many candidate vectors the tenant's index holds now."""
    with unit_of_work(env.runtime.sessions) as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == tenant))
    indexes = env.runtime.indexes
    return len(indexes.get(int(tenant_id)).vectors) if indexes and tenant_id else 0


def http_client(env: BenchEnvironment, clients: int) -> httpx.Client:
    """A client for the benchmark server with a connection per concurrent client."""
    return httpx.Client(
        base_url=env.server.url,
        timeout=3600,  # the first request builds the index: minutes at 1M candidates
        limits=httpx.Limits(max_connections=max(10, clients), max_keepalive_connections=clients),
    )


def timed_map(send: Callable[[T], None], items: Sequence[T], clients: int) -> float:
    """Send every item, ``clients`` at a time; returns the wall-clock seconds it took."""
    with Stopwatch() as timed, ThreadPoolExecutor(max_workers=clients) as executor:
        list(executor.map(send, items))
    return timed.seconds


def job_text(pool: list[tuple[str, str]], rng: random.Random) -> str:
    """A job posting requiring a few skills of the pool."""
    labels = [label for _, label in rng.sample(pool, rng.randint(3, 6))]
    must, nice = labels[:-1], labels[-1:]
    lines = ["We are hiring.", "Requirements:"] + [f"- {x}" for x in must]
    lines += ["Nice to have:"] + [f"- {x}" for x in nice]
    return "\n".join(lines)


def first_match(client: httpx.Client, text: str, headers: dict[str, str]) -> int:
    """Ask until the index is ready: a 503 while it fills is retried after its Retry-After.

    Returns:
        How many 503 refusals came first.
    """
    refusals = 0
    while True:
        response = client.post("/v1/match", json={"description": text, "topK": 10}, headers=headers)
        if response.status_code != 503:
            response.raise_for_status()
            return refusals
        refusals += 1
        time.sleep(float(response.headers.get("Retry-After", "1")))


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is ``parent`` (the workers of a preforking server)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text(encoding="utf-8")
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found.append(int(entry.name))
    return sorted(found)


def memory_mib(pid: int) -> dict[str, float]:
    """Resident (RSS), proportional (PSS) and private (USS) memory of a process, in MiB.

    USS is what the process alone holds: pages shared with another process (a snapshot
    both map, the page cache) count in its RSS, not its USS. ``private_dirty`` is the part of
    the USS the process wrote (its allocations and copy-on-write copies); the rest of the USS
    is clean pages of files only this process has touched so far (a snapshot's arrays read
    through ``mmap``), which stay in the page cache and are shared as soon as another
    process reads them (a file written seconds before reports its unflushed page-cache
    pages as dirty too). ``own`` is what the process adds to the machine: its private pages
    of anonymous memory (heap, arenas, arrays it allocated, copy-on-write copies, including
    those inside a file mapping), without the page cache.
    """
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="utf-8").splitlines():
        name, _, rest = line.partition(":")
        if name in {"Rss", "Pss", "Private_Clean", "Private_Dirty"}:
            fields[name] = int(rest.split()[0]) / 1024
    return {
        "rss": round(fields["Rss"], 1),
        "pss": round(fields["Pss"], 1),
        "uss": round(fields["Private_Clean"] + fields["Private_Dirty"], 1),
        "private_dirty": round(fields["Private_Dirty"], 1),
        "own": round(_own_mib(pid), 1),
    }


def _own_mib(pid: int) -> float:
    """Private anonymous memory of a process in MiB (see :func:`memory_mib`)."""
    total = 0.0
    path = ""
    fields: dict[str, int] = {}

    def close() -> float:
        private = fields.get("Private_Clean:", 0) + fields.get("Private_Dirty:", 0)
        # In a file mapping only the anonymous (copy-on-write) pages are the process's own.
        own = min(private, fields.get("Anonymous:", 0)) if path.startswith("/") else private
        return own / 1024

    for line in Path(f"/proc/{pid}/smaps").read_text(encoding="utf-8").splitlines():
        head = line.split()
        if head and "-" in head[0] and ":" not in head[0]:
            total += close()
            path, fields = (head[5] if len(head) > 5 else ""), {}
        elif len(head) >= 2 and head[0].endswith(":") and head[1].isdigit():
            fields[head[0]] = int(head[1])
    return total + close()


def private_by_mapping(pid: int, top: int = 8) -> list[dict[str, Any]]:
    """Where a process's private memory lies: its largest private mappings, in MiB.

    Each entry is one mapping of ``/proc/<pid>/smaps`` (a file, ``[heap]``, or an anonymous
    region: NumPy and FAISS arrays, Python arenas, ONNX Runtime's allocations) with its
    size, RSS, private (clean + dirty) and private dirty memory.
    """
    mappings: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for line in Path(f"/proc/{pid}/smaps").read_text(encoding="utf-8").splitlines():
        head = line.split()
        if head and "-" in head[0] and ":" not in head[0]:
            start, end = (int(part, 16) for part in head[0].split("-"))
            current = {
                "mapping": head[5] if len(head) > 5 else "[anon]",
                "size": (end - start) / 2**20,
                "rss": 0.0,
                "private": 0.0,
                "private_dirty": 0.0,
            }
            mappings.append(current)
        elif (
            current is not None and head and head[0] in {"Rss:", "Private_Clean:", "Private_Dirty:"}
        ):
            value = int(head[1]) / 1024
            current["rss" if head[0] == "Rss:" else "private"] += value
            if head[0] == "Private_Dirty:":
                current["private_dirty"] += value
    mappings.sort(key=lambda m: -m["private"])
    return [
        {k: (round(v, 1) if isinstance(v, float) else v) for k, v in m.items()}
        for m in mappings[:top]
    ]


def run_restart(
    env: BenchEnvironment, texts: list[str], headers: dict[str, str], *, requests: int
) -> dict[str, Any]:
    """Stop the server (it saves its snapshots), start two workers on them, time both.

    Each worker is timed from its process start to its first answered match, and its
    memory is read once it has answered: the second worker's USS against the first one's
    RSS is what a second worker costs.
    """
    if not isinstance(env.server, ServerProcess):
        return {"skipped": "needs --server-process"}
    with console.status("stopping the server (it writes its snapshots)"), Stopwatch() as saving:
        env.server.stop()
    workers: list[ServerProcess] = []
    figures: list[dict[str, Any]] = []
    try:
        for n, text in enumerate(texts[-2:]):
            with console.status(f"restarted worker {n + 1}: first match"), Stopwatch() as up:
                worker = ServerProcess(env.settings)
                workers.append(worker)
                with Stopwatch() as serving, httpx.Client(base_url=worker.url, timeout=600) as c:
                    refusals = first_match(c, text, headers)
            figures.append(
                {
                    "start_to_first_match_seconds": round(up.seconds, 2),
                    "first_match_request_seconds": round(serving.seconds, 2),
                    "503_refusals": refusals,
                    "memory_mib": memory_mib(worker.pid),
                }
            )
    finally:
        for worker in workers:
            worker.stop()
    first_rss = figures[0]["memory_mib"]["rss"]
    return {
        "stop_and_save_seconds": round(saving.seconds, 2),
        "workers": figures,
        "second_worker_uss_over_first_rss": round(figures[1]["memory_mib"]["uss"] / first_rss, 3),
        "preforked": run_preforked(env, texts, headers, requests=requests),
    }


def run_preforked(
    env: BenchEnvironment, texts: list[str], headers: dict[str, str], *, requests: int
) -> dict[str, Any]:
    """``credmatch serve --workers 2`` on the same snapshots: start, matches, memory.

    The parent loads the snapshots before forking; ``requests`` matches (the benchmark's job
    texts in turn) from two client threads reach both workers. Each process's memory is
    read after them: a worker's USS is what it holds alone (its own model session, what it
    changed), the rest is shared.
    """
    with console.status("preforked server, 2 workers: start"), Stopwatch() as up:
        server = ServerProcess(env.settings, workers=2)
    try:
        with (
            Stopwatch() as serving,
            httpx.Client(base_url=server.url, timeout=600) as client,
            ThreadPoolExecutor(2) as pool,
        ):
            refusals = first_match(client, texts[0], headers)
            answers = list(
                pool.map(
                    lambda n: (
                        client.post(
                            "/v1/match",
                            json={"description": texts[n % len(texts)]},
                            headers=headers,
                        ).status_code
                    ),
                    range(requests),
                )
            )
        children = child_pids(server.pid)
        memory = {"parent": memory_mib(server.pid)}
        private: dict[str, list[dict[str, Any]]] = {}
        for n, pid in enumerate(children, start=1):
            memory[f"worker_{n}"] = memory_mib(pid)
            private[f"worker_{n}"] = private_by_mapping(pid)
    finally:
        server.stop()
    workers = [memory[f"worker_{n}"] for n in range(1, len(children) + 1)]
    return {
        "start_to_ready_seconds": round(up.seconds, 2),
        "requests": requests,
        "first_match_and_requests_seconds": round(serving.seconds, 2),
        "503_refusals": refusals,
        "answers": {str(code): answers.count(code) for code in sorted(set(answers))},
        "memory_mib": memory,
        "worker_uss_over_worker_rss": [round(w["uss"] / w["rss"], 3) for w in workers],
        "worker_private_dirty_over_worker_rss": [
            round(w["private_dirty"] / w["rss"], 3) for w in workers
        ],
        "worker_own_over_worker_rss": [round(w["own"] / w["rss"], 3) for w in workers],
        "largest_private_mappings": private,
    }


def run_match(
    env: BenchEnvironment,
    *,
    candidates: int,
    queries: int,
    clients: int,
    seed: int,
    restart: bool = True,
) -> dict[str, Any]:
    """Populate, build the index with a first request, then time ``queries`` matches."""
    rng = random.Random(seed)
    with console.status(f"writing {candidates} synthetic candidates"), Stopwatch() as populating:
        pool = populate(env, candidates, rng)
    rss_populated = peak_rss_mib()
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

    with http_client(env, clients) as client:
        with (
            console.status("building the candidate index (first request)"),
            Stopwatch() as building,
        ):
            refusals = first_match(client, texts[0], headers)
        rss_built = peak_rss_mib()
        for text in texts[1:10]:
            ask(text)
        latencies.clear()
        returned.clear()
        hits_before = phrase_cache_counts(client)
        with console.status(f"timing {queries} matches, {clients} client(s)"):
            seconds = timed_map(ask, texts[10:], clients)
        hits_after = phrase_cache_counts(client)
    result: dict[str, Any] = {
        "candidates": candidates,
        "indexed_candidates": (
            indexed_candidates(env, TENANT) if env.server_peak_rss_mib() is None else "in server"
        ),
        "queries": queries,
        "clients": clients,
        "populate_seconds": round(populating.seconds, 2),
        "index_build_first_request_seconds": round(building.seconds, 2),
        "index_build_503_refusals": refusals,
        "peak_rss_mib": {"after_populate": rss_populated, "after_index_build": rss_built},
        "server_peak_rss_mib": env.server_peak_rss_mib(),
        "latency": percentiles(latencies),
        "throughput_per_second": round(queries / seconds, 1),
        "mean_candidates_returned": round(sum(returned) / len(returned), 2),
        "phrase_cache_during_timing": {
            outcome: hits_after[outcome] - hits_before[outcome] for outcome in ("hit", "miss")
        },
    }
    # After the figures that read the running server: the restart stops it.
    result["restart"] = (
        run_restart(env, texts, headers, requests=queries)
        if restart
        else {"skipped": "--no-restart"}
    )
    return result


def phrase_cache_counts(client: httpx.Client) -> dict[str, float]:
    """The server's phrase-cache hits and misses so far, from /metrics."""
    response = client.get("/metrics")
    response.raise_for_status()
    counts = {"hit": 0.0, "miss": 0.0}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "credmatch_phrase_cache_total":
                counts[sample.labels["result"]] = sample.value
    return counts
