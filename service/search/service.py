"""Recruiter search: candidates holding verified skills, with the proof behind each.

Unlike ``/v1/match`` (a job, ranked by weighted coverage through related skills), search is
exact and filterable: each requested skill (an id, a URI or free text, resolved through the
taxonomy and reported back) must be held with verified evidence, in ``all`` or ``any`` mode,
at or above a minimum evidence strength, from credentials matching the filters (issued after
a date, by given issuers or domains, with given achievement tags, by trusted issuers only;
candidates with given tags: ``service.matching.filters``). Evidence strength is the one
matching uses: mapping confidence x status factor x issuer weight, expired credentials
excluded. Score = mean strength over the requested skills (a missing skill counts 0).

Results are sorted by ``score`` (default), ``skills`` (how many requested skills are held,
then score) or ``recent`` (newest supporting credential), always then by candidate id, and
paged with an opaque cursor (keyset over the sort key): pages never repeat or skip a
candidate while the data does not change.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

import msgspec
from sqlalchemy.orm import Session

from ingest import IssuerTrustPolicy
from service.candidates.service import candidate_scope
from service.credentials import service as credentials_service
from service.credentials.service import EvidenceView
from service.db import registry
from service.db.models import Candidate, Skill
from service.errors import InvalidCursorError, InvalidRequestError, UnresolvedSkillsError
from service.matching.filters import EvidenceFilter, credential_tags
from service.matching.index import is_expired, status_factor
from service.settings import Settings
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import TaxonomyContext
from service.trust.service import IssuerWeight, issuer_weight, load_policy

Mode = Literal["all", "any"]
Sort = Literal["score", "skills", "recent"]
MAX_SKILLS = 20


@dataclass(frozen=True, slots=True)
class SkillQuery:
    """A requested skill as the recruiter gave it: an id or URI, or free text."""

    value: str


@dataclass(frozen=True, slots=True)
class ResolvedSkill:
    """What a requested skill was read as (``skill`` is None when nothing matched)."""

    given: str
    skill: Skill | None
    method: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A recruiter's search."""

    skills: Sequence[SkillQuery]
    mode: Mode = "all"
    min_strength: float = 0.0
    filters: EvidenceFilter = field(default_factory=EvidenceFilter)
    sort: Sort = "score"
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class HeldSkill:
    """A requested skill a candidate holds: its strength and the credentials proving it."""

    skill: Skill
    strength: float
    evidence: Sequence[EvidenceView]


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One candidate found."""

    candidate: Candidate
    score: float
    held: Sequence[HeldSkill]
    latest: datetime | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of results, with how the skills were resolved."""

    resolved: Sequence[ResolvedSkill]
    hits: Sequence[SearchHit]
    total: int
    next_cursor: str | None = None
    unresolved: Sequence[str] = field(default_factory=tuple)
    trust: IssuerTrustPolicy = field(default_factory=IssuerTrustPolicy)


def search_candidates(
    session: Session,
    context: TaxonomyContext,
    settings: Settings,
    *,
    tenant_id: int,
    query: SearchQuery,
) -> SearchPage:
    """Find a tenant's candidates by verified skills (see the module docstring).

    Raises:
        InvalidRequestError: No skill given, too many, none resolved, or a bad cursor.
    """
    if not query.skills:
        raise InvalidRequestError("give at least one skill (an id, a URI or free text)")
    if len(query.skills) > MAX_SKILLS:
        raise InvalidRequestError(f"at most {MAX_SKILLS} skills per search")
    after = _decode_cursor(query.cursor) if query.cursor else None
    found = [
        (q.value, context.resolve_skill(q.value, settings.mapping.threshold)) for q in query.skills
    ]
    skills = taxonomy_service.skills_by_ids(
        session, (r.skill_id for _, r in found if r.skill_id is not None)
    )
    resolved = [
        ResolvedSkill(given, skills[r.skill_id] if r.skill_id is not None else None, r.how, r.score)
        for given, r in found
    ]
    wanted = list(dict.fromkeys(r.skill.id for r in resolved if r.skill is not None))
    unresolved = [r.given for r in resolved if r.skill is None]
    if not wanted:
        raise UnresolvedSkillsError(
            "none of the skills was found in the taxonomy", extra={"unresolved": unresolved}
        )
    policy = load_policy(session, tenant_id)
    weigh = issuer_weight(policy, trusted_only=query.filters.trusted_issuers_only)
    scope = candidate_scope(session, tenant_id, query.filters)
    facts = credentials_service.verified_evidence_facts(session, tenant_id, wanted)
    strength_of = _StrengthRule(query, settings, weigh)
    best: dict[int, dict[int, float]] = {}
    counted: set[int] = set()
    latest: dict[int, datetime] = {}
    for fact in facts:
        if scope is not None and fact.candidate_id not in scope:
            continue
        strength = strength_of(fact)
        if strength is None:
            continue
        candidate_id, skill_id = fact.candidate_id, fact.skill_id
        held = best.setdefault(candidate_id, {})
        held[skill_id] = max(held.get(skill_id, 0.0), strength)
        counted.add(fact.evidence_id)
        issued = _aware(fact.valid_from or fact.received_at)
        if candidate_id not in latest or issued > latest[candidate_id]:
            latest[candidate_id] = issued
    needed = len(wanted) if query.mode == "all" else 1
    ranked = sorted(
        (
            _sort_key(query.sort, score, len(held), latest[candidate_id], candidate_id),
            candidate_id,
            score,
        )
        for candidate_id, held in best.items()
        if len(held) >= needed
        for score in [round(sum(held.values()) / len(wanted), 4)]
    )
    total = len(ranked)
    if after is not None:
        ranked = [row for row in ranked if row[0] > after]
    page = ranked[: query.limit]
    candidates = registry.candidates_by_ids(session, tenant_id, [cid for _, cid, _ in page])
    proofs: dict[tuple[int, int], list[EvidenceView]] = {}
    page_evidence = credentials_service.evidence_of_candidates(
        session, tenant_id, candidates, skill_ids=wanted
    )
    for views in page_evidence.values():
        for view in views:
            if view.evidence.id in counted:
                key = (view.evidence.candidate_id, view.evidence.skill_id)
                proofs.setdefault(key, []).append(view)
    hits = [
        SearchHit(
            candidate=candidates[candidate_id],
            score=score,
            held=[
                HeldSkill(
                    skills[sid], round(best[candidate_id][sid], 4), proofs[(candidate_id, sid)]
                )
                for sid in wanted
                if sid in best[candidate_id]
            ],
            latest=latest[candidate_id],
        )
        for _, candidate_id, score in page
    ]
    more = len(ranked) > len(page)
    return SearchPage(
        resolved=resolved,
        hits=hits,
        total=total,
        next_cursor=_encode_cursor(page[-1][0]) if more and page else None,
        unresolved=unresolved,
        trust=policy,
    )


class _StrengthRule:
    """Strength of one evidence row under the query (None when it does not count).

    Mapping confidence x status factor x issuer weight, for credentials that are not
    expired and pass the filters, at or above the query's minimum strength. Issuer and tag
    decisions are remembered: thousands of rows share a few issuers and tag sets.
    """

    def __init__(self, query: SearchQuery, settings: Settings, weigh: IssuerWeight | None) -> None:
        self._query = query
        self._settings = settings
        self._weigh = weigh
        self._now = datetime.now(UTC)
        self._issuers: dict[str, float] = {}
        self._tags: dict[str, bool] = {}

    def __call__(self, fact: credentials_service.EvidenceFact) -> float | None:
        filters = self._query.filters
        if is_expired(fact.valid_until, self._now) or not filters.admits_issue_date(
            fact.valid_from
        ):
            return None
        admitted = self._tags.get(fact.tags)
        if admitted is None:
            admitted = self._tags[fact.tags] = filters.admits_tags(credential_tags(fact.tags))
        weight = self._issuers.get(fact.issuer_id)
        if weight is None:
            weight = 1.0 if self._weigh is None else self._weigh(fact.issuer_id)
            if not filters.admits_issuer(fact.issuer_id):
                weight = 0.0
            self._issuers[fact.issuer_id] = weight
        strength = fact.confidence * status_factor(fact.status_outcome, self._settings) * weight
        if not admitted or strength <= 0.0 or strength < self._query.min_strength:
            return None
        return strength


SortKey = tuple[float, float, float, int]


def _sort_key(sort: Sort, score: float, held: int, latest: datetime, candidate_id: int) -> SortKey:
    """Ascending tuple: the best candidate first, then by candidate id."""
    if sort == "skills":
        return (-held, -score, 0.0, candidate_id)
    if sort == "recent":
        return (-latest.timestamp(), -score, 0.0, candidate_id)
    return (-score, 0.0, 0.0, candidate_id)


_MAX_ID = 2**63 - 1  # a signed 64-bit database integer


def _encode_cursor(key: SortKey) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).decode().rstrip("=")


def _decode_cursor(cursor: str) -> SortKey:
    try:
        values = msgspec.json.decode(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        first, second, third, candidate_id = values
        key = (float(first), float(second), float(third), int(candidate_id))
    except (binascii.Error, msgspec.DecodeError, ValueError, TypeError, OverflowError):
        raise InvalidCursorError("cursor is not one this API returned") from None
    # Out-of-range numbers would reach the database as query parameters it cannot hold.
    if not (all(math.isfinite(value) for value in key[:3]) and 0 <= key[3] <= _MAX_ID):
        raise InvalidCursorError("cursor is not one this API returned")
    return key


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
