"""Is the demand a gap report counts read from requirements? (``gap --quality``)

Method:

- **Postings**: the 1,000 labelled synthetic ads of ``../shared/data/jobs/occupation-coding``
  (GenEasy and GenHard CSVs as they are: ``job_title``, ``description`` and ``label``, an
  ESCO occupation code), imported by the product's posting importer
  (:func:`service.gap.postings.import_postings`) into a release made from the official ESCO
  v1.1.1 bundle, then :func:`service.gap.service.build_report` over every posting with an
  empty cohort (so gap = demand).
- **Reference**: the skills the ads' labelled occupations list (essential + optional),
  counted per posting: a skill listed by the occupations of 120 ads counts 120.
- **Metrics**: ``overlap@50``, how many of the report's 50 most demanded skills are among the
  50 most listed reference skills; ``top50_of_labelled_occupations_pct``, the share of the
  report's 50 most demanded skills that some labelled occupation of the ads lists
  (essential or optional); ``own_occupation_pct``, over all (posting, demanded skill) pairs,
  the share whose skill the posting's own occupation lists.
- **Variants**: the default reading (the text, boilerplate set aside, and the essential skills
  of the occupation each title names, as ``/v1/match`` reads a job); the text only
  (``titleSkills: false``); the text only with the boilerplate filter off
  (``drop_boilerplate=False``, the reading before session 7). The ``label`` column is
  imported as the posting's occupation, which only filters reports: the title is matched
  against the release's occupation titles without it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from benchmarks.harness import BenchEnvironment, Stopwatch, console
from benchmarks.match_bench import tenant_id_of
from benchmarks.postings_match_bench import FILES, POSTINGS_DIR
from service.db.engine import unit_of_work
from service.db.models import JobPosting, PostingSkill, Skill
from service.gap.postings import import_postings, parse_postings
from service.gap.service import GapQuery, build_report
from service.taxonomy import service as taxonomy_service
from taxonomy import read_esco_bundle

TOP = 50


def _reference(esco_dir: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Occupation code -> the skill URIs it lists (essential + optional); URI -> code."""
    release = read_esco_bundle(esco_dir)
    code_of = {o.uri: o.code for o in release.occupations if o.code}
    listed: dict[str, set[str]] = {}
    for relation in release.occupation_skills:
        code = code_of.get(relation.occupation_uri)
        if code:
            listed.setdefault(code, set()).add(relation.skill_uri)
    return listed, code_of


def _demand(
    env: BenchEnvironment,
    tenant: str,
    rows: list[Any],
    *,
    drop_boilerplate: bool,
    title_skills: bool,
) -> dict[str, Any]:
    """Import the postings for ``tenant`` and return the report's demand and every pair."""
    context, _ = env.runtime.require_taxonomy()
    if not drop_boilerplate:
        mapper = context.mapper.with_settings(
            dataclasses.replace(context.mapper.settings, drop_boilerplate=False)
        )
        context = dataclasses.replace(context, mapper=mapper)
    tenant_id = tenant_id_of(env, tenant)
    with Stopwatch() as watch, unit_of_work(env.runtime.sessions) as session:
        summary = import_postings(session, context, tenant_id=tenant_id, rows=rows)
    with unit_of_work(env.runtime.sessions) as session:
        report = build_report(
            session,
            context,
            env.runtime.settings,
            tenant_id=tenant_id,
            query=GapQuery(top_skills=1000, title_skills=title_skills),
        )
        pair_list = _pairs(session, tenant_id, env, title_skills=title_skills)
    ranked = sorted(report.skills, key=lambda s: (-s.postings, s.label))
    return {
        "import_s": round(watch.seconds, 1),
        "stored": summary.created,
        "postings_without_skills": report.postings_without_skills,
        "top": [(s.uri, s.label, s.postings) for s in ranked[:TOP]],
        "pairs": pair_list,
    }


def _pairs(
    session: Session, tenant_id: int, env: BenchEnvironment, *, title_skills: bool
) -> list[tuple[str, str]]:
    """(labelled occupation code, skill URI) of every skill a posting demands, as counted."""
    by_posting: dict[int, set[str]] = {}
    code_of: dict[int, str] = {}
    for posting_id, code, uri in session.execute(
        select(JobPosting.id, JobPosting.occupation_code, Skill.uri)
        .join(PostingSkill, PostingSkill.posting_id == JobPosting.id)
        .join(Skill, Skill.id == PostingSkill.skill_id)
        .where(JobPosting.tenant_id == tenant_id)
    ):
        by_posting.setdefault(posting_id, set()).add(uri)
        code_of[posting_id] = code
    if title_skills:
        matching = env.runtime.settings.matching
        rows = session.execute(
            select(JobPosting.id, JobPosting.occupation_code, JobPosting.title_occupation_id).where(
                JobPosting.tenant_id == tenant_id,
                JobPosting.title_similarity >= matching.title_min_similarity,
            )
        ).all()
        titled = [(pid, code, oid) for pid, code, oid in rows if oid is not None]
        essentials = taxonomy_service.essential_skills_of(session, (oid for _, _, oid in titled))
        uri_of = dict(
            session.execute(
                select(Skill.id, Skill.uri).where(
                    Skill.id.in_({sid for ids in essentials.values() for sid in ids})
                )
            ).all()
        )
        for posting_id, code, occupation_id in titled:
            code_of[posting_id] = code
            by_posting.setdefault(posting_id, set()).update(
                uri_of[sid] for sid in essentials.get(occupation_id, ())
            )
    return [(code_of[pid], uri) for pid, uris in by_posting.items() for uri in uris]


def run_gap_quality(
    env: BenchEnvironment, *, esco_dir: Path, postings_dir: Path = POSTINGS_DIR
) -> dict[str, Any]:
    """Import the labelled ads, report demand, compare it with their occupations' skills."""
    listed, _ = _reference(esco_dir)
    rows = []
    for name in FILES.values():
        rows.extend(parse_postings((postings_dir / name).read_bytes(), "csv"))
    codes = [getattr(row, "occupation", "") for row in rows]
    reference = Counter(uri for code in codes for uri in listed.get(code, ()))
    top_reference = {uri for uri, _ in reference.most_common(TOP)}
    labelled = set().union(*(listed.get(code, set()) for code in codes))
    result: dict[str, Any] = {
        "postings": len(rows),
        "postings_with_a_known_occupation": sum(code in listed for code in codes),
        "reference_top": [uri for uri, _ in reference.most_common(10)],
    }
    variants = (
        ("text_and_title", True, True),
        ("text_only", True, False),
        ("text_only_boilerplate_read", False, False),
    )
    for variant, drop, title_skills in variants:
        with console.status(f"importing {len(rows)} postings ({variant})"):
            found = _demand(
                env,
                f"bench-gap-quality-{variant}",
                rows,
                drop_boilerplate=drop,
                title_skills=title_skills,
            )
        top = [uri for uri, _, _ in found["top"]]
        own = [uri in listed.get(code or "", set()) for code, uri in found["pairs"]]
        result[variant] = {
            "import_s": found["import_s"],
            "stored": found["stored"],
            "postings_without_skills": found["postings_without_skills"],
            "overlap@50": len(set(top) & top_reference),
            "top50_of_labelled_occupations_pct": round(
                100 * sum(uri in labelled for uri in top) / max(len(top), 1), 1
            ),
            "own_occupation_pct": round(100 * sum(own) / max(len(own), 1), 1),
            "demanded_pairs": len(own),
            "top10": [f"{label} ({count})" for _, label, count in found["top"][:10]],
        }
    return result
