"""Matching a job to candidates by verified skills, with the proof behind every match.

A requirement is one job phrase (or one explicit skill) with the skills that can satisfy it:
the phrase's best-matching taxonomy skills within ``mapping_alternatives_margin`` of the best
(e.g. "writing SQL queries" -> use query languages, SQL, use databases). Score of a candidate
(in [0, 1])::

    score = sum_r w_r * best_r / sum_r w_r
    best_r = max over alternatives a of r, held verified evidence e of  sim(a, skill_e) * strength_e
    sim(a, s) = 1 if s == a, cos(a, s) if cos(a, s) >= related_skill_threshold, else 0
    strength_e = status_factor (1, or unknown_status_factor when revocation status could not
                 be checked; under a policy with unknownStatus reject such a credential is
                 not verified and holds no evidence) * mapping factor (1 for an explicit
                 alignment, the label similarity for an inferred skill) * issuer weight
                 (the tenant's trust policy: a trusted issuer's weight, or the untrusted
                 weight; 1 by default; 0 for untrusted issuers when the query asks for
                 trusted issuers only)

``w_r`` is ``must_have_weight`` or ``nice_to_have_weight`` (``title_skill_weight`` for the
skills of the occupation the title names, times the share of the title's closest
occupations that need it; or the weight given explicitly); a requirement
read from the job's text or title is multiplied by its main skill's specificity
(``service.taxonomy.service.SkillSpecificity``: how few occupations list it).
Expired and unverified credentials count for nothing. Candidates are retrieved from the FAISS
candidate index (query = weighted mean of the required skill vectors), unioned with every
verified holder of a must-have skill (exact lookup), then re-ranked exactly; ties are broken by
candidate id so the order is deterministic.

Filters (``service.matching.filters.EvidenceFilter``: issue date, issuers, achievement tags, trusted
issuers only) decide which credentials count in the re-rank and the explanations; a
candidate-tag filter restricts the candidates. Pages are cut from the exact ranking with an
opaque keyset cursor (score, candidate id), so pages neither repeat nor skip a candidate while
the data does not change.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial

import msgspec
import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from embeddings.skill_space import SkillSpace, weighted_mean_vector
from ingest import IssuerTrustPolicy
from ingest.mapping import Strength, TooManyPhrasesError
from service.candidates.service import candidate_scope
from service.credentials import service as credentials_service
from service.credentials.service import EvidenceView
from service.db import registry
from service.db.models import Candidate, Skill
from service.errors import InvalidCursorError, InvalidRequestError, UnresolvedSkillsError
from service.matching.filters import EvidenceFilter
from service.matching.index import (
    CandidateIndex,
    CandidateIndexes,
    EvidenceRow,
    StrengthTable,
    is_expired,
    sorted_union,
)
from service.settings import Settings
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import TaxonomyContext, short_id
from service.trust.service import IssuerWeight, issuer_weight, load_policy


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
    filters: EvidenceFilter = field(default_factory=EvidenceFilter)
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """A requirement: its main skill, the alternatives that satisfy it, its weight and origin."""

    skill: Skill
    alternatives: Sequence[Skill]
    weight: float
    strength: Strength
    source: str
    phrase: str = ""
    start: int = -1
    end: int = -1
    confidence: float = 1.0
    method: str = ""
    """How a text requirement's main skill was read (``exact``, ``alternative``,
    ``embedding``); empty for explicit skills."""


@dataclass(frozen=True, slots=True)
class MatchedRequirement:
    """How a candidate covers one requirement, with the credentials that prove it."""

    requirement: Requirement
    satisfied_by: Skill
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
    trust: IssuerTrustPolicy = field(default_factory=IssuerTrustPolicy)
    total: int = 0
    next_cursor: str | None = None
    first_rank: int = 1


def resolve_requirements(
    session: Session, context: TaxonomyContext, query: JobQuery, settings: Settings
) -> tuple[list[Requirement], list[str]]:
    """Requirements from explicit skills and the job text.

    The description is read phrase by phrase; the title only when there is no description
    (a title names an occupation, not its skills). A phrase whose main skill was also given
    explicitly is dropped: the explicit requirement wins.

    Returns:
        The requirements (must-haves first), and the explicit skills that could not be resolved.
    """
    unresolved: list[str] = []
    explicit_rows: list[tuple[int, float, Strength]] = []
    for explicit in query.skills:
        strength: Strength = "must" if explicit.must_have else "nice"
        weight = explicit.weight if explicit.weight is not None else _weight(strength, settings)
        skill_id = context.skill_ids.get(explicit.uri) if explicit.uri else None
        if skill_id is None and explicit.text:
            skill_id = context.resolve_skill(explicit.text, settings.mapping.threshold).skill_id
        if skill_id is None or not context.space.has_skill(skill_id):
            unresolved.append(explicit.uri or explicit.text)
            continue
        explicit_rows.append((skill_id, weight, strength))
    text = query.description if query.description.strip() else query.title
    try:
        phrases = context.mapper.extract_requirements(text) if text.strip() else []
    except TooManyPhrasesError as exc:
        raise InvalidRequestError(str(exc)) from exc
    explicit_ids = {row[0] for row in explicit_rows}
    phrases = [p for p in phrases if p.skills[0].skill_id not in explicit_ids]
    exponent = settings.matching.specificity_exponent
    skills = taxonomy_service.skills_by_ids(
        session, explicit_ids | {m.skill_id for p in phrases for m in p.skills}
    )
    requirements = [
        Requirement(
            skill=skills[skill_id],
            alternatives=(skills[skill_id],),
            weight=weight,
            strength=strength,
            source="explicit",
        )
        for skill_id, weight, strength in explicit_rows
    ]
    requirements.extend(
        Requirement(
            skill=skills[p.skills[0].skill_id],
            alternatives=tuple(skills[m.skill_id] for m in p.skills),
            weight=_weight(p.strength, settings)
            * context.specificity.factor(p.skills[0].skill_id, exponent),
            strength=p.strength,
            source="text",
            phrase=p.phrase.text,
            start=p.phrase.start,
            end=p.phrase.end,
            confidence=p.skills[0].confidence,
            method=p.skills[0].method,
        )
        for p in phrases
    )
    requirements.extend(
        title_requirements(
            session,
            context,
            query.title,
            settings,
            required={r.skill.id for r in requirements},
        )
    )
    requirements.sort(key=lambda r: (r.strength != "must", r.source != "explicit", r.start))
    return requirements, unresolved


def title_requirements(
    session: Session,
    context: TaxonomyContext,
    title: str,
    settings: Settings,
    *,
    required: set[int],
) -> list[Requirement]:
    """The essential skills of the occupation a job title names, as nice-to-haves.

    A title is the strongest signal an ad has ("Forklift operator", "Data engineer"), and
    ads leave much of what the occupation needs unsaid. The title is matched against every
    occupation title of the release (preferred and alternative labels); the closest
    occupation at ``title_min_similarity`` or more (up to ``title_occupations`` of the
    closest, within ``title_occupation_margin`` of it) names the skills: each essential
    skill of theirs not already required becomes a requirement of source ``title`` with
    weight ``title_skill_weight`` times the share of those occupations that need it times
    the skill's specificity, and the similarity of the closest one that needs it as its
    confidence.
    """
    matching = settings.matching
    if matching.title_skill_weight <= 0:
        return []
    found = context.closest_occupations(
        title,
        matching.title_min_similarity,
        matching.title_occupations,
        matching.title_occupation_margin,
    )
    if not found:
        return []
    essential = taxonomy_service.essential_skills_of(session, [o for o, _ in found])
    votes: dict[int, int] = {}
    similarity: dict[int, float] = {}  # of the closest occupation that needs the skill
    for occupation_id, score in found:
        for skill_id in dict.fromkeys(essential.get(occupation_id, [])):
            if skill_id not in required:
                votes[skill_id] = votes.get(skill_id, 0) + 1
                similarity.setdefault(skill_id, score)
    skills = taxonomy_service.skills_by_ids(session, votes)
    return [
        Requirement(
            skill=skills[skill_id],
            alternatives=(skills[skill_id],),
            weight=matching.title_skill_weight
            * votes[skill_id]
            / len(found)
            * context.specificity.factor(skill_id, matching.specificity_exponent),
            strength="nice",
            source="title",
            phrase=title,
            confidence=similarity[skill_id],
            method="embedding",
        )
        for skill_id in votes
        if skill_id in skills and context.space.has_skill(skill_id)
    ]


SUGGESTIONS_PER_PHRASE = 3


def suggest_skills(
    session: Session, context: TaxonomyContext, query: JobQuery
) -> list[dict[str, object]]:
    """The phrases a job text was read as, each with its best skills below the threshold.

    For a job where nothing cleared the threshold: an HR system can confirm one of these
    (send it as an explicit skill) instead of rewording blindly.

    Returns:
        Per phrase: ``phrase``, ``start``, ``end`` and ``skills`` (``id``, ``uri``, ``label``,
        ``confidence``; the best :data:`SUGGESTIONS_PER_PHRASE`, best first).
    """
    text = query.description if query.description.strip() else query.title
    if not text.strip():
        return []
    try:
        read = context.mapper.ranking(SUGGESTIONS_PER_PHRASE, 0.0).extract_requirements(text)
    except TooManyPhrasesError:
        return []
    skills = taxonomy_service.skills_by_ids(session, {m.skill_id for r in read for m in r.skills})
    return [
        {
            "phrase": r.phrase.text,
            "start": r.phrase.start,
            "end": r.phrase.end,
            "skills": [
                {
                    "id": short_id(skills[m.skill_id].uri),
                    "uri": skills[m.skill_id].uri,
                    "label": skills[m.skill_id].preferred_label,
                    "confidence": m.confidence,
                }
                for m in r.skills
            ],
        }
        for r in read
    ]


def _weight(strength: Strength, settings: Settings) -> float:
    return (
        settings.matching.must_have_weight
        if strength == "must"
        else settings.matching.nice_to_have_weight
    )


@dataclass(frozen=True, slots=True)
class DatabaseChangeFeed:
    """A tenant's changes as the candidate index reads them, from the request's session.

    The change counter and changed candidates come from the registry, the evidence from the
    credentials feature; the index only sees it as a :class:`ChangeFeed`.
    """

    session: Session
    tenant_id: int

    @classmethod
    @contextmanager
    def opened(cls, bind: Engine | Connection, tenant_id: int) -> Iterator[DatabaseChangeFeed]:
        """A feed over a session of its own (a background fill outlives the request's)."""
        with Session(bind) as session, session.begin():
            yield cls(session, tenant_id)

    def change_counter(self) -> int:
        """The tenant's change counter now."""
        return registry.change_counter(self.session, self.tenant_id)

    def candidates_changed_since(self, watermark: int) -> list[int]:
        """Ids of candidates changed after ``watermark`` (-1: every candidate), ascending."""
        return registry.candidates_changed_since(self.session, self.tenant_id, watermark)

    def verified_skill_weights(
        self,
        candidate_ids: Sequence[int] | None = None,
        *,
        id_range: tuple[int, int] | None = None,
    ) -> dict[int, list[EvidenceRow]]:
        """Verified evidence rows per candidate, of the ids given or of an id range."""
        return credentials_service.verified_skill_weights(
            self.session, self.tenant_id, candidate_ids, id_range=id_range
        )


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
        UnresolvedSkillsError: Nothing in the request resolves to a taxonomy skill.
    """
    requirements, unresolved = resolve_requirements(session, context, query, settings)
    if not requirements:
        raise UnresolvedSkillsError(
            "no skill of the taxonomy was recognised in the job; confirm one of the suggested "
            "skills, add required skills or give a more specific description",
            extra={
                "unresolved": unresolved,
                "suggestions": suggest_skills(session, context, query),
            },
        )
    after = decode_cursor(query.cursor) if query.cursor else None
    index = indexes.get(tenant_id)
    index.ensure_current(
        DatabaseChangeFeed(session, tenant_id),
        partial(DatabaseChangeFeed.opened, session.get_bind(), tenant_id),
        context.space,
        settings,
    )
    pool = _retrieve(
        session,
        index,
        requirements,
        context,
        settings,
        tenant_id=tenant_id,
        filters=query.filters,
    )
    policy = load_policy(session, tenant_id)
    weight_of_issuer = issuer_weight(policy, trusted_only=query.filters.trusted_issuers_only)
    # Only evidence of a skill related to some alternative can score: the rest of the pool's
    # evidence (most of it) is left out before strengths are computed.
    relevant = context.space.neighbours(settings.matching.related_skill_threshold).related(
        [a.id for r in requirements for a in r.alternatives]
    )
    table = index.strength_table(
        pool, settings, datetime.now(UTC), weight_of_issuer, query.filters, skills=relevant
    )
    ranked_ids, ranked_scores, covered = _rank_pool(context, settings, requirements, table)
    total = len(ranked_ids)
    first_rank = 1
    if after is not None:
        # Keyset: strictly after (score, id) in the order "score descending, id ascending".
        later = (ranked_scores < after[0]) | ((ranked_scores == after[0]) & (ranked_ids > after[1]))
        ranked_ids, ranked_scores = ranked_ids[later], ranked_scores[later]
        first_rank = after[2] + 1
    top = list(
        zip(
            ranked_ids[: query.top_k].tolist(),
            ranked_scores[: query.top_k].tolist(),
            strict=True,
        )
    )
    more = len(ranked_ids) > len(top)
    candidates = registry.candidates_by_ids(session, tenant_id, [cid for cid, _ in top])
    best = {cid: _best_evidence(requirements, covered, table.held(cid)) for cid, _ in top}
    # Only the proofs an explanation cites are loaded, and only skills not already known.
    cited = {choice.held_skill_id for choices in best.values() for choice in choices if choice}
    evidence = credentials_service.evidence_of_candidates(
        session, tenant_id, candidates, skill_ids=cited
    )
    skills = {a.id: a for r in requirements for a in r.alternatives}
    skills |= taxonomy_service.skills_by_ids(session, cited - skills.keys())
    ranked = [
        _explain(
            candidates[cid],
            score=score,
            requirements=requirements,
            best=best[cid],
            evidence=evidence[cid],
            skills=skills,
            weight_of_issuer=weight_of_issuer,
            evidence_filter=query.filters,
        )
        for cid, score in top
    ]
    return MatchResult(
        requirements=requirements,
        candidates=ranked,
        retrieved=len(pool),
        taxonomy=context.key,
        model=context.mapper.model,
        unresolved=unresolved,
        trust=policy,
        total=total,
        next_cursor=(
            encode_cursor(top[-1][1], top[-1][0], first_rank + len(top) - 1)
            if more and top
            else None
        ),
        first_rank=first_rank,
    )


def _retrieve(
    session: Session,
    index: CandidateIndex,
    requirements: Sequence[Requirement],
    context: TaxonomyContext,
    settings: Settings,
    *,
    tenant_id: int,
    filters: EvidenceFilter,
) -> npt.NDArray[np.int64]:
    """Candidates to re-rank exactly (sorted ids): nearest in FAISS plus every must-have holder.

    With a candidate-tag filter the pool is cut to the tagged candidates; when those are
    few (a cohort of at most ``10 x retrieval_candidates``), every one of them is re-ranked,
    so a filter never hides a tagged candidate behind untagged nearer neighbours.
    """
    scope = candidate_scope(session, tenant_id, filters)
    tagged = None if scope is None else sorted_union([np.fromiter(scope, dtype=np.int64)])
    if tagged is not None and len(tagged) <= 10 * settings.matching.retrieval_candidates:
        return tagged
    alternative_ids = [a.id for r in requirements for a in r.alternatives]
    weights = np.asarray(
        [r.weight / len(r.alternatives) for r in requirements for _ in r.alternatives],
        dtype=np.float32,
    )
    query_vector = weighted_mean_vector(context.space.vectors_of(alternative_ids), weights)
    nearest = [cid for cid, _ in index.search(query_vector, settings.matching.retrieval_candidates)]
    must_ids = [a.id for r in requirements if r.strength == "must" for a in r.alternatives]
    pool = sorted_union([np.asarray(nearest, dtype=np.int64), index.holders_of(must_ids)])
    return pool if tagged is None else np.intersect1d(pool, tagged, assume_unique=True)


MAX_ID = 2**63 - 1
"""Largest id a cursor may name (a signed 64-bit database integer)."""


def encode_cursor(score: float, candidate_id: int, rank: int) -> str:
    """An opaque cursor after the candidate with this score and rank (keyset: score, id)."""
    payload = msgspec.json.encode([score, candidate_id, rank])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def fill_snapshot_indexes(
    indexes: CandidateIndexes, engine: Engine, space: SkillSpace, settings: Settings
) -> int:
    """Fill, in this thread, the index of every tenant with a snapshot; return how many.

    Each index is restored from its snapshot and caught up from the database, as a tenant's
    first match would do it. A server that forks its workers calls this first, so they
    share the indexes instead of each filling its own.
    """
    tenants = indexes.snapshot_tenants()
    for tenant_id in tenants:
        indexes.get(tenant_id).fill_now(
            partial(DatabaseChangeFeed.opened, engine, tenant_id), space, settings
        )
    return len(tenants)


def decode_cursor(cursor: str) -> tuple[float, int, int]:
    """(score, candidate id, rank) of a cursor this API returned.

    Raises:
        InvalidCursorError: The cursor is not one this API returned.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        score, candidate_id, rank = msgspec.json.decode(base64.urlsafe_b64decode(padded))
        decoded = float(score), int(candidate_id), int(rank)
    except (binascii.Error, msgspec.DecodeError, ValueError, TypeError, OverflowError):
        raise InvalidCursorError("cursor is not one this API returned") from None
    # Out-of-range numbers would reach the database as query parameters it cannot hold.
    if not (math.isfinite(decoded[0]) and 0 <= decoded[1] <= MAX_ID and 0 <= decoded[2] <= MAX_ID):
        raise InvalidCursorError("cursor is not one this API returned")
    return decoded


@dataclass(frozen=True, slots=True)
class _Best:
    """The evidence that best satisfies one requirement for one candidate."""

    alternative: Skill
    held_skill_id: int
    similarity: float
    strength: float


def _coverage_matrix(
    context: TaxonomyContext,
    settings: Settings,
    requirements: Sequence[Requirement],
    held_ids: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.intp]]:
    """How well each held skill covers each requirement.

    Similarities are read from the skill space's neighbour graph, so a pair's value is the
    same whichever other skills are scored with it.

    Args:
        context: The taxonomy context.
        settings: Settings (``related_skill_threshold``).
        requirements: The requirements.
        held_ids: Held skill ids, sorted ascending.

    Returns:
        ``coverage[r, h]``: the best similarity of any alternative of requirement ``r`` to held
        skill ``h`` (1 for the same skill, 0 below ``related_skill_threshold``), and
        ``choice[r, h]``: which alternative gave it.
    """
    alternative_ids = [a.id for r in requirements for a in r.alternatives]
    graph = context.space.neighbours(settings.matching.related_skill_threshold)
    similarity = graph.matrix(alternative_ids, held_ids)
    coverage = np.zeros((len(requirements), len(held_ids)), dtype=np.float32)
    choice = np.zeros((len(requirements), len(held_ids)), dtype=np.intp)
    row = 0
    for n, requirement in enumerate(requirements):
        block = similarity[row : row + len(requirement.alternatives)]
        coverage[n] = block.max(axis=0)
        choice[n] = block.argmax(axis=0)
        row += len(requirement.alternatives)
    return coverage, choice


@dataclass(frozen=True, slots=True)
class _Coverage:
    """The ranking's coverage matrix (see `_coverage_matrix`) over the pool's held skills."""

    held_ids: npt.NDArray[np.int64]
    coverage: npt.NDArray[np.float32]
    choice: npt.NDArray[np.intp]


def _rank_pool(
    context: TaxonomyContext,
    settings: Settings,
    requirements: Sequence[Requirement],
    table: StrengthTable,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], _Coverage]:
    """Exact scores of every pooled candidate, best first (ties by id), zero scores dropped.

    Vectorised: one coverage matrix over the distinct skills held in the pool, then a
    per-candidate maximum over their held skills.

    Returns:
        Candidate ids and their scores (rounded to 6 decimals), in ranking order, and the
        coverage matrix the explanations read.
    """
    held_ids = sorted_union([table.skills])
    coverage, choice = _coverage_matrix(context, settings, requirements, held_ids)
    covered = _Coverage(held_ids, coverage, choice)
    if len(table.candidates) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), covered
    candidate_ids = table.candidates
    columns = np.searchsorted(held_ids, table.skills)
    contributions = coverage[:, columns] * table.strengths[None, :]
    best = np.maximum.reduceat(contributions, table.starts, axis=1)
    weights = np.asarray([r.weight for r in requirements], dtype=np.float32)
    scores = np.round((weights @ best).astype(np.float64) / float(weights.sum()), 6)
    order = np.lexsort((candidate_ids, -scores))
    order = order[scores[order] > 0]
    return candidate_ids[order], scores[order], covered


def _best_evidence(
    requirements: Sequence[Requirement], covered: _Coverage, held: dict[int, float]
) -> list[_Best | None]:
    """For one candidate: which alternative and held skill satisfy each requirement best.

    Reads the ranking's own coverage matrix, so explanations always add up to the score.
    """
    held_ids = sorted(held)
    columns = np.searchsorted(covered.held_ids, held_ids)
    coverage, choice = covered.coverage[:, columns], covered.choice[:, columns]
    strengths = np.asarray([held[skill_id] for skill_id in held_ids], dtype=np.float32)
    values = coverage * strengths[None, :]
    best: list[_Best | None] = []
    for n, requirement in enumerate(requirements):
        column = int(values[n].argmax())
        if values[n, column] <= 0:
            best.append(None)
            continue
        best.append(
            _Best(
                alternative=requirement.alternatives[int(choice[n, column])],
                held_skill_id=held_ids[column],
                similarity=float(coverage[n, column]),
                strength=float(strengths[column]),
            )
        )
    return best


def _explain(
    candidate: Candidate,
    *,
    score: float,
    requirements: Sequence[Requirement],
    best: Sequence[_Best | None],
    evidence: Sequence[EvidenceView],
    skills: dict[int, Skill],
    weight_of_issuer: IssuerWeight | None,
    evidence_filter: EvidenceFilter,
) -> RankedCandidate:
    matched = []
    missing = []
    now = datetime.now(UTC)
    for requirement, choice in zip(requirements, best, strict=True):
        if choice is None:
            missing.append(requirement)
            continue
        proofs = [
            view
            for view in evidence
            if view.evidence.skill_id == choice.held_skill_id
            and view.credential.verified
            and not is_expired(view.credential.valid_until, now)
            and (weight_of_issuer is None or weight_of_issuer(view.credential.issuer_id) > 0.0)
            and evidence_filter.admits(view.credential)
        ]
        matched.append(
            MatchedRequirement(
                requirement=requirement,
                satisfied_by=choice.alternative,
                matched_skill=skills[choice.held_skill_id],
                similarity=round(choice.similarity, 4),
                strength=round(choice.strength, 4),
                contribution=round(requirement.weight * choice.similarity * choice.strength, 4),
                evidence=proofs,
            )
        )
    return RankedCandidate(candidate=candidate, score=score, matched=matched, missing=missing)
