"""Matching a job to candidates by verified skills, with the proof behind every match.

Score of a candidate (in [0, 1])::

    score = sum_r w_r * best_r / sum_r w_r
    best_r = max over held verified evidence e of  sim(r, skill_e) * strength_e
    sim(r, s) = 1 if s == r, cos(r, s) if cos(r, s) >= related_skill_threshold, else 0
    strength_e = status_factor (1, or unknown_status_factor when revocation status could not
                 be checked) * mapping factor (1 for an explicit alignment, the label
                 similarity for an inferred skill)

``w_r`` is ``must_have_weight`` or ``nice_to_have_weight`` (or the weight given explicitly).
Expired and unverified credentials count for nothing. Candidates are retrieved from the FAISS
candidate index (query = weighted mean of the required skill vectors), unioned with every
verified holder of a must-have skill (exact lookup), then re-ranked exactly; ties are broken by
candidate id so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy.orm import Session

from embeddings.skill_space import weighted_mean_vector
from ingest.mapping import SkillMatch, Strength
from service.candidate_index import CandidateIndexes, skill_strengths
from service.db import repositories as repo
from service.db.models import Candidate, Skill
from service.db.repositories import EvidenceView
from service.errors import InvalidRequestError
from service.settings import Settings
from service.taxonomy_service import TaxonomyContext


@dataclass(frozen=True, slots=True)
class ExplicitSkill:
    """A requirement given explicitly: a skill URI or free text, with its strength or weight."""

    uri: str = ""
    text: str = ""
    must_have: bool = True
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class JobQuery:
    """What the HR system asks for."""

    title: str = ""
    description: str = ""
    skills: Sequence[ExplicitSkill] = ()
    top_k: int = 10


@dataclass(frozen=True, slots=True)
class Requirement:
    """A required skill, where it came from and how much it weighs."""

    skill: Skill
    weight: float
    strength: Strength
    source: str
    phrase: str = ""
    start: int = -1
    end: int = -1
    confidence: float = 1.0


@dataclass(frozen=True, slots=True)
class MatchedRequirement:
    """How a candidate covers one requirement, with the credentials that prove it."""

    requirement: Requirement
    matched_skill: Skill
    similarity: float
    strength: float
    contribution: float
    evidence: Sequence[EvidenceView]


@dataclass(frozen=True, slots=True)
class RankedCandidate:
    """One candidate in the ranking."""

    candidate: Candidate
    score: float
    matched: Sequence[MatchedRequirement]
    missing: Sequence[Requirement]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Ranked candidates and what the job was understood to require."""

    requirements: Sequence[Requirement]
    candidates: Sequence[RankedCandidate]
    retrieved: int
    taxonomy: str
    model: str
    unresolved: Sequence[str] = field(default_factory=tuple)


def resolve_requirements(
    session: Session, context: TaxonomyContext, query: JobQuery, settings: Settings
) -> tuple[list[Requirement], list[str]]:
    """Required skills from explicit skills and the job text (explicit ones win).

    Returns:
        The requirements, and the explicit skills that could not be resolved.
    """
    found: dict[int, tuple[float, Strength, str, SkillMatch | None]] = {}
    unresolved: list[str] = []
    for explicit in query.skills:
        strength: Strength = "must" if explicit.must_have else "nice"
        weight = explicit.weight if explicit.weight is not None else _weight(strength, settings)
        skill_id = context.skill_ids.get(explicit.uri) if explicit.uri else None
        if skill_id is None and explicit.text:
            hits = context.mapper.search_labels(explicit.text, 1)
            if hits and hits[0][1] >= settings.mapping_threshold:
                skill_id = hits[0][0]
        if skill_id is None:
            unresolved.append(explicit.uri or explicit.text)
            continue
        found[skill_id] = (weight, strength, "explicit", None)
    text = "\n".join(part for part in (query.title, query.description) if part.strip())
    for extracted in context.mapper.extract(text) if text else []:
        if extracted.skill_id in found:
            continue
        found[extracted.skill_id] = (
            _weight(extracted.strength, settings),
            extracted.strength,
            "text",
            extracted,
        )
    skills = repo.skills_by_ids(session, found)
    requirements = []
    for skill_id, (weight, strength, source, match) in found.items():
        requirements.append(
            Requirement(
                skill=skills[skill_id],
                weight=weight,
                strength=strength,
                source=source,
                phrase=match.phrase if match else "",
                start=match.start if match else -1,
                end=match.end if match else -1,
                confidence=match.confidence if match else 1.0,
            )
        )
    requirements.sort(key=lambda r: (r.strength != "must", -r.confidence, r.skill.id))
    return requirements, unresolved


def _weight(strength: Strength, settings: Settings) -> float:
    return settings.must_have_weight if strength == "must" else settings.nice_to_have_weight


def match_candidates(
    session: Session,
    context: TaxonomyContext,
    indexes: CandidateIndexes,
    settings: Settings,
    *,
    tenant_id: int,
    query: JobQuery,
) -> MatchResult:
    """Rank a tenant's candidates for a job.

    Raises:
        InvalidRequestError: Nothing in the request resolves to a taxonomy skill.
    """
    requirements, unresolved = resolve_requirements(session, context, query, settings)
    if not requirements:
        raise InvalidRequestError(
            "no skill of the taxonomy was recognised in the job; add required skills or a "
            "more specific description",
            extra={"unresolved": unresolved},
        )
    index = indexes.get(tenant_id)
    index.catch_up(session, context.space, settings)
    required_ids = [r.skill.id for r in requirements]
    weights = np.asarray([r.weight for r in requirements], dtype=np.float32)
    query_vector = weighted_mean_vector(context.space.vectors_of(required_ids), weights)
    pool = {cid for cid, _ in index.search(query_vector, settings.retrieval_candidates)}
    must_ids = [r.skill.id for r in requirements if r.strength == "must"]
    pool |= repo.verified_holders(session, tenant_id, must_ids)
    scored = _score_pool(
        session,
        context=context,
        settings=settings,
        tenant_id=tenant_id,
        requirements=requirements,
        pool=pool,
    )
    top = scored[: query.top_k]
    candidates = repo.candidates_by_ids(session, tenant_id, [cid for cid, _, _ in top])
    evidence = repo.evidence_of_candidates(session, tenant_id, candidates)
    skills = repo.skills_by_ids(
        session, {view.evidence.skill_id for views in evidence.values() for view in views}
    )
    ranked = [
        _explain(
            candidates[cid],
            score=score,
            requirements=requirements,
            best=best,
            evidence=evidence[cid],
            skills=skills,
        )
        for cid, score, best in top
    ]
    return MatchResult(
        requirements=requirements,
        candidates=ranked,
        retrieved=len(pool),
        taxonomy=context.key,
        model=context.mapper.model,
        unresolved=unresolved,
    )


# Per requirement index: (held skill id, similarity, strength) of the best evidence, or None.
BestEvidence = list[tuple[int, float, float] | None]


def _score_pool(
    session: Session,
    *,
    context: TaxonomyContext,
    settings: Settings,
    tenant_id: int,
    requirements: Sequence[Requirement],
    pool: set[int],
) -> list[tuple[int, float, BestEvidence]]:
    held = repo.verified_skill_weights(session, tenant_id, pool)
    now = datetime.now(UTC)
    required_ids = [r.skill.id for r in requirements]
    total_weight = float(sum(r.weight for r in requirements))
    scored = []
    for candidate_id, rows in held.items():
        strengths = skill_strengths(rows, context.space, settings, now)
        if not strengths:
            continue
        held_ids = list(strengths)
        similarity = context.space.similarity(required_ids, held_ids)
        best: BestEvidence = []
        total = 0.0
        for row, requirement in enumerate(requirements):
            choice: tuple[int, float, float] | None = None
            value = 0.0
            for column, skill_id in enumerate(held_ids):
                sim = 1.0 if skill_id == requirement.skill.id else float(similarity[row, column])
                if sim < settings.related_skill_threshold:
                    continue
                candidate_value = sim * strengths[skill_id]
                if candidate_value > value:
                    value = candidate_value
                    choice = (skill_id, sim, strengths[skill_id])
            best.append(choice)
            total += requirement.weight * value
        scored.append((candidate_id, round(total / total_weight, 6), best))
    scored.sort(key=lambda item: (-item[1], item[0]))
    return [item for item in scored if item[1] > 0]


def _explain(
    candidate: Candidate,
    *,
    score: float,
    requirements: Sequence[Requirement],
    best: BestEvidence,
    evidence: Sequence[EvidenceView],
    skills: dict[int, Skill],
) -> RankedCandidate:
    matched = []
    missing = []
    for requirement, choice in zip(requirements, best, strict=True):
        if choice is None:
            missing.append(requirement)
            continue
        skill_id, similarity, strength = choice
        proofs = [
            view
            for view in evidence
            if view.evidence.skill_id == skill_id and view.credential.verified
        ]
        matched.append(
            MatchedRequirement(
                requirement=requirement,
                matched_skill=skills[skill_id],
                similarity=round(similarity, 4),
                strength=round(strength, 4),
                contribution=round(requirement.weight * similarity * strength, 4),
                evidence=proofs,
            )
        )
    return RankedCandidate(candidate=candidate, score=score, matched=matched, missing=missing)
