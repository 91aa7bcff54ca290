"""Gap report time and memory at N postings and M candidates.

Method: postings and candidates are written straight into the database (as ``match`` writes
its candidates: reading 100k postings through the encoder would measure extraction, which
``extraction`` and ``ingest`` already do). Each posting holds 5 to 15 skills drawn with a
Zipf-like skew from a pool of 2,000 ESCO skills (a few skills in most postings, a long tail),
a third of them nice-to-have, a date over 24 months and one of 200 occupation codes. Each
candidate holds one or two of 500 synthetic achievements (3 to 6 skills of the same pool
each, verified, from one of 50 issuers; a fifth of them with unknown revocation status), and
10% of candidates are tagged ``cohort-a``. The report (all postings, the whole cohort) is
computed in-process with :func:`service.gap.service.build_report`: the fastest of
``--repeats`` runs counts; peak RSS is read from ``getrusage`` around the runs and the peak of
Python allocations during one more run under ``tracemalloc``. Rendering (JSON, CSV, HTML with
its SVG charts, one PNG) is timed on the result, and one background report is run end to end
over HTTP (POST with ``async``, poll until done).
"""

from __future__ import annotations

import random
import resource
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
from sqlalchemy import func, insert, select

from benchmarks.harness import BenchEnvironment, Stopwatch, console
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import (
    Candidate,
    CandidateTag,
    Credential,
    Evidence,
    JobPosting,
    PostingSkill,
    Skill,
)
from service.gap.render import chart_png, report_csv, report_html
from service.gap.service import CohortFilter, GapQuery, build_report, report_to_json

TENANT = "bench-gap"
SKILL_POOL = 2_000
ACHIEVEMENTS = 500
ISSUERS = 50
OCCUPATIONS = 200
CHUNK = 10_000


def _peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _skewed(rng: random.Random, pool: list[int], count: int) -> list[int]:
    """``count`` distinct skills, low pool positions far more likely (a Zipf-like skew)."""
    chosen: set[int] = set()
    count = min(count, len(pool))
    while len(chosen) < count:
        chosen.add(pool[min(len(pool) - 1, int(rng.paretovariate(1.2)) - 1)])
    return sorted(chosen)


def populate(
    env: BenchEnvironment, *, postings: int, candidates: int, rng: random.Random
) -> dict[str, int]:
    """Write the synthetic postings and candidates; returns the row counts."""
    sessions = env.runtime.sessions
    with unit_of_work(sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, TENANT).id
        pool = list(session.scalars(select(Skill.id).order_by(Skill.id)))
        rng.shuffle(pool)
        pool = pool[:SKILL_POOL]
        taxonomy_id = int(session.scalar(select(func.min(Skill.taxonomy_id))) or 0)
        next_posting = int(session.scalar(select(func.max(JobPosting.id))) or 0) + 1
        next_candidate = int(session.scalar(select(func.max(Candidate.id))) or 0) + 1
        next_credential = int(session.scalar(select(func.max(Credential.id))) or 0) + 1
    counts = {"postings": 0, "posting_skills": 0, "candidates": 0, "evidence": 0}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for first in range(0, postings, CHUNK):
        posting_rows: list[dict[str, Any]] = []
        skill_rows: list[dict[str, Any]] = []
        for n in range(first, min(first + CHUNK, postings)):
            pid = next_posting + n
            posting_rows.append(
                {
                    "id": pid,
                    "tenant_id": tenant_id,
                    "external_id": f"bench-{n}",
                    "content_hash": f"{n:064x}",
                    "title": f"posting {n}",
                    "description": "",
                    "posted_at": start + timedelta(days=rng.randrange(730)),
                    "location": "",
                    "occupation_code": f"bench-{rng.randrange(OCCUPATIONS)}",
                    "taxonomy_id": taxonomy_id,
                    "model": "bench",
                }
            )
            for skill_id in _skewed(rng, pool, rng.randint(5, 15)):
                skill_rows.append(
                    {
                        "tenant_id": tenant_id,
                        "posting_id": pid,
                        "skill_id": skill_id,
                        "strength": "nice" if rng.random() < 1 / 3 else "must",
                        "confidence": round(rng.uniform(0.62, 1.0), 4),
                        "phrase": "",
                    }
                )
        with unit_of_work(sessions) as session:
            session.execute(insert(JobPosting), posting_rows)
            session.execute(insert(PostingSkill), skill_rows)
        counts["postings"] += len(posting_rows)
        counts["posting_skills"] += len(skill_rows)
    achievements = [_skewed(rng, pool, rng.randint(3, 6)) for _ in range(ACHIEVEMENTS)]
    now = datetime.now(UTC)
    for first in range(0, candidates, CHUNK):
        candidate_rows: list[dict[str, Any]] = []
        credential_rows: list[dict[str, Any]] = []
        evidence_rows: list[dict[str, Any]] = []
        tag_rows: list[dict[str, Any]] = []
        for n in range(first, min(first + CHUNK, candidates)):
            cid = next_candidate + n
            candidate_rows.append(
                {"id": cid, "tenant_id": tenant_id, "external_id": f"c{n}", "change_seq": 1}
            )
            if rng.random() < 0.1:
                tag_rows.append({"candidate_id": cid, "tag": "cohort-a", "tenant_id": tenant_id})
            for slot in range(rng.randint(1, 2)):
                credential_id = next_credential + 2 * n + slot
                achievement = rng.randrange(ACHIEVEMENTS)
                issuer = rng.randrange(ISSUERS)
                credential_rows.append(
                    {
                        "id": credential_id,
                        "tenant_id": tenant_id,
                        "candidate_id": cid,
                        "document_id": f"urn:bench-gap:{n}:{slot}",
                        "content_hash": f"{2 * n + slot:064x}",
                        "format": "ob3-jsonld",
                        "name": f"Achievement {achievement}",
                        "issuer_id": f"did:web:issuer-{issuer}.example.org",
                        "issuer_name": f"Issuer {issuer}",
                        "valid_from": now - timedelta(days=rng.randrange(1500)),
                        "verified": True,
                        "status_outcome": "unknown" if rng.random() < 0.2 else "passed",
                        "raw": b"{}",
                        "tags": "",
                    }
                )
                evidence_rows.extend(
                    {
                        "tenant_id": tenant_id,
                        "candidate_id": cid,
                        "credential_id": credential_id,
                        "skill_id": skill_id,
                        "achievement_id": f"urn:bench:achievement:{achievement}",
                        "achievement_name": f"Achievement {achievement}",
                        "method": "alignment",
                        "confidence": 1.0,
                    }
                    for skill_id in achievements[achievement]
                )
        with unit_of_work(sessions) as session:
            session.execute(insert(Candidate), candidate_rows)
            session.execute(insert(Credential), credential_rows)
            session.execute(insert(Evidence), evidence_rows)
            if tag_rows:
                session.execute(insert(CandidateTag), tag_rows)
        counts["candidates"] += len(candidate_rows)
        counts["evidence"] += len(evidence_rows)
    return counts


def _time_report(env: BenchEnvironment, tenant_id: int, query: GapQuery) -> tuple[float, Any]:
    context, _ = env.runtime.require_taxonomy()
    with Stopwatch() as watch, unit_of_work(env.runtime.sessions) as session:
        report = build_report(
            session, context, env.runtime.settings, tenant_id=tenant_id, query=query
        )
    return watch.seconds, report


def _background_over_http(env: BenchEnvironment, query: dict[str, Any]) -> float:
    key = env.api_key(TENANT, "analyst")
    headers = {"Authorization": f"Bearer {key}"}
    with Stopwatch() as watch, httpx.Client(base_url=env.server.url, timeout=600) as client:
        queued = client.post("/v1/reports/gap", json={**query, "async": True}, headers=headers)
        queued.raise_for_status()
        report_id = queued.json()["id"]
        while True:
            status = client.get(f"/v1/reports/{report_id}", headers=headers).json()
            if status["status"] in {"done", "failed"}:
                break
            time.sleep(0.25)
    if status["status"] != "done":
        raise RuntimeError(f"background report failed: {status.get('error')}")
    return watch.seconds


def run_gap(
    env: BenchEnvironment, *, postings: int, candidates: int, repeats: int, seed: int
) -> dict[str, object]:
    """Populate, then time the report, its memory and its renderings."""
    rng = random.Random(seed)
    with (
        console.status(f"writing {postings} postings and {candidates} candidates"),
        Stopwatch() as w,
    ):
        counts = populate(env, postings=postings, candidates=candidates, rng=rng)
    with unit_of_work(env.runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, TENANT).id
    whole = GapQuery()
    tagged = GapQuery(cohort=CohortFilter(candidate_tags=["cohort-a"]))
    rss_before = _peak_rss_mib()
    timings = []
    report: Any = None
    for _ in range(max(1, repeats)):
        seconds, report = _time_report(env, tenant_id, whole)
        timings.append(seconds)
    rss_after = _peak_rss_mib()
    tagged_seconds, tagged_report = _time_report(env, tenant_id, tagged)
    tracemalloc.start()
    _time_report(env, tenant_id, whole)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with Stopwatch() as as_json:
        encoded = msgspec.json.encode(report_to_json(report))
    with Stopwatch() as as_csv:
        report_csv(report)
    with Stopwatch() as as_html:
        page = report_html(report, 1)
    with Stopwatch() as as_png:
        chart_png(report, "gaps")
    with console.status("one background report over HTTP"):
        background = _background_over_http(env, msgspec.to_builtins(whole))
    return {
        "rows": counts,
        "populate_s": round(w.seconds, 1),
        "report_s": {
            "fastest": round(min(timings), 2),
            "runs": [round(t, 2) for t in timings],
        },
        "tagged_cohort_report_s": round(tagged_seconds, 2),
        "tagged_cohort_size": tagged_report.cohort_size,
        "peak_rss_mib": {"before_reports": rss_before, "after_reports": rss_after},
        "tracemalloc_peak_mib": round(traced_peak / 2**20, 1),
        "skills_demanded": report.skills_demanded,
        "render_ms": {
            "json": round(as_json.seconds * 1000, 1),
            "csv": round(as_csv.seconds * 1000, 1),
            "html_with_svg_charts": round(as_html.seconds * 1000, 1),
            "png_gaps_chart": round(as_png.seconds * 1000, 1),
        },
        "json_bytes": len(encoded),
        "html_bytes": len(page.encode()),
        "background_http_s": round(background, 2),
    }
