"""Labour-market gap reports: skills the postings demand against skills a cohort holds verified.

Demand: the tenant's postings in scope (:class:`PostingFilter`) and the skills read from them
(:mod:`service.gap.postings`). A skill's demand share is the share of postings naming it; must-have
and nice-to-have are counted apart (a posting naming it both ways counts as must-have). A
posting's title is read as ``/v1/match`` reads a job's: when it is close enough to an
occupation's title (the matching settings' ``title_min_similarity``, with
``title_skill_weight`` above 0), each essential skill of that occupation the text does not
name counts as a nice-to-have of the posting, and the skill's ``titlePostings`` counts the
postings that demand it through their title only (``titleSkills: false`` leaves titles out).
``postingsWithoutSkills`` counts the postings that demand nothing, from text or title (an
upload's ``withoutSkills`` counts those whose text named no skill).

Supply: the cohort is the tenant's candidates, narrowed by candidate tags and, when a
credential condition is set (issue date, issuer, achievement tag), to the candidates holding
at least one credential that meets it (:class:`service.matching.filters.EvidenceFilter`). Only those
credentials count, and only as search and match count evidence: verified, not expired,
strength = mapping confidence x status factor x issuer weight (the tenant's trust policy;
0 outside it when ``trustedIssuersOnly``, which weighs evidence and never narrows the
cohort). A learner holds a skill when that strength is above 0; the supply share is the
share of the cohort holding it.

Gap = demand share - supply share (positive: the market asks for more than the cohort has).
Skills roll up to their ESCO skill group (the broadest group under the pillar, found through
the hierarchy) and to their pillar (knowledge, skills, transversal, language): a group's
demand share is the share of postings naming any of its skills, its supply share the share of
the cohort holding any of the skills demanded in it. Dated postings give a monthly trend of
the widest gaps. Occupations named by postings are ranked by demand, each with the cohort's
readiness: the share of the occupation's essential skills each learner holds, averaged.
Recommended microcredentials are achievements seen in the tenant's credentials whose mapped
skills close the widest gaps, chosen greedily so each adds gaps the ones before left open
(a stackable pathway), each with how many learners of the cohort already hold it (by the
same evidence rules as supply: a credential that counts, not expired, weight above 0).

The report is a msgspec document: stored as JSON once finished, and rendered from it as
JSON, CSV, HTML and PNG (:mod:`service.gap.render`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta
from sqlalchemy.orm import Session

from ingest import IssuerTrustPolicy
from service.errors import UnprocessableRequestError
from service.gap import repository as gap_repo
from service.gap.repository import PostingScope
from service.matching.filters import EvidenceFilter, Tags, credential_tags, normalize_tags
from service.matching.index import is_expired, status_factor
from service.settings import Settings
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import TaxonomyContext, short_id
from service.trust.service import IssuerWeight, issuer_weight, load_policy

Share = float
ProgressCallback = Callable[[float, str], None]
IssuerList = Annotated[
    list[Annotated[str, Meta(min_length=1, max_length=500)]], Meta(max_length=50)
]
MAX_TREND_MONTHS = 60
BACKGROUND_ABOVE = 20_000
"""Reports over more postings or candidates than this run in the background."""


class _Struct(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """Base of the report's request and document types."""


class CohortFilter(_Struct):
    """Which learners the report is about (all the tenant's candidates by default)."""

    candidate_tags: Tags = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    issuers: IssuerList = msgspec.field(default_factory=list)
    issued_after: datetime | None = None
    trusted_issuers_only: bool = False

    def evidence_filter(self) -> EvidenceFilter:
        """The shared filter of match, search and reports.

        Raises:
            InvalidRequestError: A malformed tag.
        """
        return EvidenceFilter(
            issued_after=self.issued_after,
            issuers=tuple(self.issuers),
            tags=normalize_tags(self.tags),
            candidate_tags=normalize_tags(self.candidate_tags),
            trusted_issuers_only=self.trusted_issuers_only,
        )


class PostingFilter(_Struct):
    """Which postings the report reads (all the tenant's postings by default)."""

    posted_after: datetime | None = None
    posted_before: datetime | None = None
    locations: Annotated[list[str], Meta(max_length=50)] = msgspec.field(default_factory=list)
    occupations: Annotated[list[str], Meta(max_length=50)] = msgspec.field(default_factory=list)

    def scope(self) -> PostingScope:
        """The repository's form of the filter."""
        return PostingScope(
            posted_after=_utc(self.posted_after) if self.posted_after is not None else None,
            posted_before=_utc(self.posted_before) if self.posted_before is not None else None,
            locations=tuple(self.locations),
            occupations=tuple(self.occupations),
        )


class GapQuery(_Struct):
    """What to report on and how much of it to list."""

    cohort: CohortFilter = msgspec.field(default_factory=CohortFilter)
    postings: PostingFilter = msgspec.field(default_factory=PostingFilter)
    top_skills: Annotated[int, Meta(ge=1, le=1000)] = 50
    top_occupations: Annotated[int, Meta(ge=0, le=100)] = 10
    recommendations: Annotated[int, Meta(ge=0, le=50)] = 10
    trend_skills: Annotated[int, Meta(ge=0, le=20)] = 5
    title_skills: bool = True
    """Count the essential skills of the occupation each posting's title names (as
    ``/v1/match`` does) as nice-to-haves; false counts only the skills read from the text."""


class SkillGap(_Struct):
    """Demand, supply and gap of one skill."""

    id: str
    uri: str
    label: str
    pillar: str
    group: str
    postings: int
    must_postings: int
    nice_postings: int
    demand_share: Share
    must_share: Share
    nice_share: Share
    holders: int
    supply_share: Share
    mean_strength: float
    gap: float
    title_postings: int = 0
    """Postings that demand it only as an essential skill of the occupation their title
    names (0 in reports made before titles were read)."""


class Rollup(_Struct):
    """Demand, supply and gap of a skill group or a pillar."""

    key: str
    label: str
    skills: int
    postings: int
    demand_share: Share
    holders: int
    supply_share: Share
    gap: float


class TrendSeries(_Struct):
    """Monthly demand share of one skill."""

    id: str
    label: str
    shares: list[Share]


class Trend(_Struct):
    """Postings per month and the demand for the widest gaps month by month."""

    months: list[str]
    postings: list[int]
    skills: list[TrendSeries]


class OccupationDemand(_Struct):
    """An occupation the postings ask for, and how ready the cohort is for it."""

    occupation: str
    uri: str
    label: str
    postings: int
    demand_share: Share
    essential_skills: int
    mean_readiness: float | None
    learners_ready: int | None
    least_held: list[str]


class Recommendation(_Struct):
    """An achievement whose skills close gaps, in pathway order."""

    rank: int
    achievement_id: str
    name: str
    issuer: str
    skills: list[str]
    gap_closed: float
    holders: int
    holder_share: Share


class GapReport(_Struct):
    """The whole report (see the module docstring)."""

    generated_at: datetime
    taxonomy: str
    model: str
    cohort_size: int
    postings: int
    dated_postings: int
    postings_without_skills: int
    skills_demanded: int
    query: GapQuery
    skills: list[SkillGap]
    groups: list[Rollup]
    pillars: list[Rollup]
    trend: Trend | None
    occupations: list[OccupationDemand]
    recommendations: list[Recommendation]


def report_to_json(report: GapReport) -> dict[str, Any]:
    """The report as stored (camelCase JSON)."""
    return msgspec.to_builtins(report)  # type: ignore[no-any-return]


def report_from_json(data: dict[str, Any]) -> GapReport:
    """A stored report."""
    return msgspec.convert(data, GapReport)


def query_from_json(data: dict[str, Any]) -> GapQuery:
    """A stored report request."""
    return msgspec.convert(data, GapQuery)


def runs_in_background(session: Session, tenant_id: int) -> bool:
    """Whether a report for this tenant is big enough to run in the background."""
    return (
        gap_repo.count_postings(session, tenant_id) > BACKGROUND_ABOVE
        or gap_repo.count_candidates(session, tenant_id) > BACKGROUND_ABOVE
    )


@dataclass(frozen=True, slots=True)
class _Demand:
    posting_ids: list[int]
    dated: dict[int, str]  # posting id -> YYYY-MM
    occupation_of: dict[int, tuple[int | None, str]]
    must: dict[int, set[int]]  # skill id -> postings naming it as must-have
    nice: dict[int, set[int]]  # ... as nice-to-have (title skills included)
    title: dict[int, set[int]]  # ... only through the occupation their title names
    without_skills: int

    def postings_of(self, skill_id: int) -> set[int]:
        return self.must.get(skill_id, set()) | self.nice.get(skill_id, set())


@dataclass(frozen=True, slots=True)
class _Supply:
    cohort_size: int
    held: dict[int, dict[int, float]]  # skill id -> cohort learner -> best strength
    achievements: dict[str, tuple[str, str, set[int]]]  # key -> (name, issuer, skill ids)
    achievement_holders: dict[str, set[int]]


@dataclass(frozen=True, slots=True)
class _SkillInfo:
    uri: str
    label: str
    pillar: str
    group_uri: str
    group_label: str


def build_report(
    session: Session,
    context: TaxonomyContext,
    settings: Settings,
    *,
    tenant_id: int,
    query: GapQuery,
    on_progress: ProgressCallback | None = None,
) -> GapReport:
    """Compute a gap report (see the module docstring).

    Args:
        session: Open session (read only).
        context: The default release.
        settings: Evidence strength factors.
        tenant_id: The tenant.
        query: Cohort, postings and list sizes.
        on_progress: Called with the fraction done and the stage starting.

    Raises:
        InvalidRequestError: A malformed filter, or a date range that is empty.
    """
    progress = on_progress or (lambda _fraction, _stage: None)
    posting_scope = query.postings.scope()
    if (
        posting_scope.posted_after is not None
        and posting_scope.posted_before is not None
        and posting_scope.posted_after >= posting_scope.posted_before
    ):
        raise UnprocessableRequestError("postings.postedAfter must be before postings.postedBefore")
    evidence_filter = query.cohort.evidence_filter()
    progress(0.05, "postings")
    reads_titles = query.title_skills and settings.matching.title_skill_weight > 0
    demand = _read_demand(
        session,
        tenant_id,
        posting_scope,
        title_similarity=settings.matching.title_min_similarity if reads_titles else None,
        known_skill=context.space.has_skill,
    )
    progress(0.3, "cohort")
    policy = load_policy(session, tenant_id)
    supply = _read_supply(session, settings, tenant_id, evidence_filter, policy)
    progress(0.55, "skills")
    demanded = sorted(set(demand.must) | set(demand.nice))
    info = _skill_info(session, context, demanded)
    gaps = {sid: _skill_gap(sid, info[sid], demand, supply) for sid in demanded}
    order = sorted(
        demanded, key=lambda sid: (-gaps[sid].gap, -gaps[sid].postings, gaps[sid].label, sid)
    )
    progress(0.65, "rollups")
    groups = _rollups(
        demanded, demand, supply, key=lambda sid: (info[sid].group_uri, info[sid].group_label)
    )
    pillars = _rollups(demanded, demand, supply, key=lambda sid: (info[sid].pillar,) * 2)
    progress(0.75, "trend")
    widest = [(sid, gaps[sid]) for sid in order if gaps[sid].gap > 0][: query.trend_skills]
    trend = _trend(demand, widest)
    progress(0.85, "occupations")
    occupations = _occupations(session, demand, supply, query.top_occupations)
    progress(0.95, "recommendations")
    recommendations = _recommend(supply, gaps, query.recommendations)
    return GapReport(
        generated_at=datetime.now(UTC),
        taxonomy=context.key,
        model=context.mapper.model,
        cohort_size=supply.cohort_size,
        postings=len(demand.posting_ids),
        dated_postings=len(demand.dated),
        postings_without_skills=demand.without_skills,
        skills_demanded=len(demanded),
        query=query,
        skills=[gaps[sid] for sid in order[: query.top_skills]],
        groups=groups,
        pillars=pillars,
        trend=trend,
        occupations=occupations,
        recommendations=recommendations,
    )


def _read_demand(
    session: Session,
    tenant_id: int,
    scope: PostingScope,
    *,
    title_similarity: float | None,
    known_skill: Callable[[int], bool],
) -> _Demand:
    """The skills the postings in scope demand.

    From their text, and from the occupation their title names when its title is at
    ``title_similarity`` or closer (``None``: titles are not read).
    """
    postings = gap_repo.posting_rows(session, tenant_id, scope)
    must: dict[int, set[int]] = defaultdict(set)
    nice: dict[int, set[int]] = defaultdict(set)
    named: dict[int, set[int]] = defaultdict(set)  # posting id -> skills its text names
    for posting_id, skill_id, strength in gap_repo.posting_skill_rows(session, tenant_id, scope):
        (must if strength == "must" else nice)[skill_id].add(posting_id)
        named[posting_id].add(skill_id)
    title: dict[int, set[int]] = defaultdict(set)
    if title_similarity is not None:
        titled = [
            p
            for p in postings
            if p.title_occupation_id is not None
            and p.title_similarity is not None
            and p.title_similarity >= title_similarity
        ]
        essentials = taxonomy_service.essential_skills_of(
            session, (p.title_occupation_id for p in titled if p.title_occupation_id)
        )
        for posting in titled:
            text_skills = named.get(posting.id, set())
            for skill_id in essentials.get(posting.title_occupation_id or 0, ()):
                if skill_id not in text_skills and known_skill(skill_id):
                    nice[skill_id].add(posting.id)
                    title[skill_id].add(posting.id)
    with_skills = set(named).union(*title.values())
    return _Demand(
        posting_ids=[p.id for p in postings],
        dated={p.id: _month(p.posted_at) for p in postings if p.posted_at is not None},
        occupation_of={
            p.id: (p.occupation_id, p.occupation_code) for p in postings if p.occupation_code
        },
        must=dict(must),
        nice=dict(nice),
        title=dict(title),
        without_skills=len(postings) - len(with_skills),
    )


def _month(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m")


def _credential_weights(
    credentials: Iterable[gap_repo.CredentialRow],
    settings: Settings,
    evidence_filter: EvidenceFilter,
    weigh: IssuerWeight | None,
    now: datetime,
) -> tuple[dict[int, float], set[int]]:
    """The credentials that count and the candidates holding one that meets the filter.

    Returns:
        Credential id -> status factor x issuer weight (only weights above 0), and the
        candidates holding an unexpired credential that passes the date, issuer and tag
        conditions (whatever its weight: trust weighs evidence, it does not pick learners).
    """
    weights: dict[int, float] = {}
    admitted: set[int] = set()
    for credential_id, candidate_id, issuer, valid_from, valid_until, status, tags in credentials:
        if is_expired(valid_until, now) or not (
            evidence_filter.admits_issue_date(valid_from)
            and evidence_filter.admits_issuer(issuer)
            and evidence_filter.admits_tags(credential_tags(tags))
        ):
            continue
        admitted.add(candidate_id)
        weight = status_factor(status, settings) * (weigh(issuer) if weigh is not None else 1.0)
        if weight > 0.0:
            weights[credential_id] = weight
    return weights, admitted


def _read_supply(
    session: Session,
    settings: Settings,
    tenant_id: int,
    evidence_filter: EvidenceFilter,
    policy: IssuerTrustPolicy,
) -> _Supply:
    now = datetime.now(UTC)
    candidate_tags = normalize_tags(evidence_filter.candidate_tags)
    issued_after = evidence_filter.issued_after
    scope = gap_repo.CredentialScope(
        now=now,
        issued_after=_utc(issued_after) if issued_after is not None else None,
        candidate_tags=candidate_tags,
    )
    weights, admitted = _credential_weights(
        gap_repo.counted_credentials(session, tenant_id, scope),
        settings,
        evidence_filter,
        issuer_weight(policy, trusted_only=evidence_filter.trusted_issuers_only),
        now,
    )
    # Only a credential condition narrows the cohort; trustedIssuersOnly acts on the weights.
    cohort_size = (
        len(admitted)
        if evidence_filter.filters_credentials
        else gap_repo.count_candidates(session, tenant_id, candidate_tags)
    )
    held: dict[int, dict[int, float]] = defaultdict(dict)
    achievement_holders: dict[str, set[int]] = defaultdict(set)
    # Evidence of credentials with a weight belongs to the cohort: the scope in SQL keeps to
    # its candidate tags, and a weighted credential meets any credential condition.
    for (
        credential_id,
        candidate_id,
        skill_id,
        confidence,
        achievement_id,
        name,
    ) in gap_repo.counted_evidence(session, tenant_id, scope):
        weight = weights.get(credential_id)
        if weight is None:
            continue
        key = _achievement_key(achievement_id, name)
        if key:
            achievement_holders[key].add(candidate_id)
        strength = confidence * weight
        learners = held[skill_id]
        if strength > learners.get(candidate_id, 0.0):
            learners[candidate_id] = strength
    return _Supply(
        cohort_size=cohort_size,
        held=dict(held),
        achievements=_achievements(session, tenant_id),
        achievement_holders=dict(achievement_holders),
    )


def _utc(moment: datetime) -> datetime:
    """An aware UTC time (naive times are UTC), as SQL comparisons need on every database."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC)


def _achievement_key(achievement_id: str | None, name: str | None) -> str:
    return achievement_id or (f"name:{name}" if name else "")


def _achievements(session: Session, tenant_id: int) -> dict[str, tuple[str, str, set[int]]]:
    """Every achievement seen in the tenant's verified credentials: name, issuer, skills."""
    names = gap_repo.issuer_names(session, tenant_id)
    achievements: dict[str, tuple[str, str, set[int]]] = {}
    for achievement_id, name, skill_id, issuer in gap_repo.achievement_skills(session, tenant_id):
        key = _achievement_key(achievement_id, name)
        if key:
            entry = achievements.setdefault(key, (name or key, names.get(issuer, issuer), set()))
            entry[2].add(skill_id)
    return achievements


_PILLARS = {"S": "skills", "K": "knowledge", "T": "transversal", "L": "language"}


def _skill_info(
    session: Session, context: TaxonomyContext, skill_ids: Sequence[int]
) -> dict[int, _SkillInfo]:
    """Label, pillar and rollup group of each skill."""
    parents: dict[str, list[str]] = defaultdict(list)
    for narrower, broader in gap_repo.hierarchy(session, context.taxonomy_id):
        parents[narrower].append(broader)
    groups = {
        uri: (code, label)
        for uri, code, label in gap_repo.skill_groups(session, context.taxonomy_id)
    }
    transversal = gap_repo.collection_members(session, context.taxonomy_id, "transversal")
    found: dict[int, _SkillInfo] = {}
    for skill_id, uri, label, skill_type, reuse in gap_repo.skill_rows(session, skill_ids):
        group_uri, pillar_code = _rollup_group(uri, parents, groups)
        pillar = _pillar(
            skill_type, reuse_level=reuse, transversal=skill_id in transversal, code=pillar_code
        )
        found[skill_id] = _SkillInfo(
            uri=uri,
            label=label,
            pillar=pillar,
            group_uri=group_uri or "ungrouped",
            group_label=groups[group_uri][1] if group_uri else "ungrouped",
        )
    return found


def _rollup_group(
    uri: str, parents: dict[str, list[str]], groups: dict[str, tuple[str, str]]
) -> tuple[str, str]:
    """(the broadest group above a skill under its pillar, the pillar's code letter).

    Follows the first broader concept at each step (skills can sit under other skills).
    """
    broadest = ""
    code = ""
    seen = {uri}
    current = uri
    while parents.get(current):
        current = parents[current][0]
        if current in seen:
            break
        seen.add(current)
        group = groups.get(current)
        if group is None:
            continue
        code = group[0]
        if len(code) == 1 and code.isalpha():
            break
        broadest = current
    return broadest, code[:1].upper() if code[:1].isalpha() else ""


def _pillar(skill_type: str, *, reuse_level: str, transversal: bool, code: str) -> str:
    if transversal or reuse_level.lower() == "transversal" or code == "T":
        return "transversal"
    kind = skill_type.lower()
    if kind == "knowledge":
        return "knowledge"
    if kind.startswith("skill"):
        return "skills"
    return _PILLARS.get(code, "unclassified")


def _share(count: int, total: int) -> Share:
    return round(count / total, 4) if total else 0.0


def _skill_gap(skill_id: int, info: _SkillInfo, demand: _Demand, supply: _Supply) -> SkillGap:
    must = demand.must.get(skill_id, set())
    nice = demand.nice.get(skill_id, set()) - must
    total = len(demand.posting_ids)
    learners = supply.held.get(skill_id, {})
    demand_share = _share(len(must) + len(nice), total)
    supply_share = _share(len(learners), supply.cohort_size)
    cohort = supply.cohort_size
    return SkillGap(
        id=short_id(info.uri),
        uri=info.uri,
        label=info.label,
        pillar=info.pillar,
        group=info.group_label,
        postings=len(must) + len(nice),
        must_postings=len(must),
        nice_postings=len(nice),
        title_postings=len(demand.title.get(skill_id, set())),
        demand_share=demand_share,
        must_share=_share(len(must), total),
        nice_share=_share(len(nice), total),
        holders=len(learners),
        supply_share=supply_share,
        mean_strength=round(sum(learners.values()) / cohort, 4) if cohort else 0.0,
        gap=round(demand_share - supply_share, 4),
    )


def _rollups(
    skill_ids: Sequence[int],
    demand: _Demand,
    supply: _Supply,
    *,
    key: Callable[[int], tuple[str, str]],
) -> list[Rollup]:
    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    for skill_id in skill_ids:
        members[key(skill_id)].append(skill_id)
    rollups = []
    total, cohort = len(demand.posting_ids), supply.cohort_size
    for (rollup_key, label), skills in members.items():
        postings: set[int] = set()
        holders: set[int] = set()
        for skill_id in skills:
            postings |= demand.postings_of(skill_id)
            holders.update(supply.held.get(skill_id, {}))
        demand_share, supply_share = _share(len(postings), total), _share(len(holders), cohort)
        rollups.append(
            Rollup(
                key=rollup_key,
                label=label,
                skills=len(skills),
                postings=len(postings),
                demand_share=demand_share,
                holders=len(holders),
                supply_share=supply_share,
                gap=round(demand_share - supply_share, 4),
            )
        )
    return sorted(rollups, key=lambda r: (-r.gap, -r.postings, r.label))


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)  # noqa: PLR2004
    return months[-MAX_TREND_MONTHS:]


def _trend(demand: _Demand, widest: Sequence[tuple[int, SkillGap]]) -> Trend | None:
    if not demand.dated:
        return None
    months = _months_between(min(demand.dated.values()), max(demand.dated.values()))
    per_month = Counter(demand.dated.values())
    series = []
    for skill_id, gap in widest:
        named = Counter(demand.dated[p] for p in demand.postings_of(skill_id) if p in demand.dated)
        series.append(
            TrendSeries(
                id=gap.id,
                label=gap.label,
                shares=[_share(named[m], per_month[m]) for m in months],
            )
        )
    return Trend(months=months, postings=[per_month[m] for m in months], skills=series)


def _occupations(
    session: Session, demand: _Demand, supply: _Supply, limit: int
) -> list[OccupationDemand]:
    # Postings naming one occupation by URI, code or URI segment count together.
    counts = Counter(
        (oid, "" if oid is not None else code) for oid, code in demand.occupation_of.values()
    )
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0][1]))[:limit]
    named = [oid for (oid, _), _ in top if oid is not None]
    occupations = gap_repo.occupations_by_id(session, named)
    essentials_of = taxonomy_service.essential_skills_of(session, named)
    labels = {
        sid: label
        for sid, _, label, _, _ in gap_repo.skill_rows(
            session, (s for essentials in essentials_of.values() for s in essentials)
        )
    }
    cohort = supply.cohort_size
    found = []
    for (occupation_id, given), count in top:
        if occupation_id is None or occupation_id not in occupations:
            uri, code, label, essentials = "", given, given, []
        else:
            uri, stored_code, label = occupations[occupation_id]
            code = stored_code or short_id(uri)
            essentials = essentials_of.get(occupation_id, [])
        readiness: float | None = None
        ready: int | None = None
        least: list[str] = []
        if essentials and cohort:
            held_per_learner = Counter(
                learner for sid in essentials for learner in supply.held.get(sid, {})
            )
            readiness = round(sum(held_per_learner.values()) / (len(essentials) * cohort), 4)
            ready = sum(1 for n in held_per_learner.values() if n == len(essentials))
            least = [
                labels.get(sid, str(sid))
                for sid in sorted(essentials, key=lambda s: (len(supply.held.get(s, {})), s))[:3]
            ]
        found.append(
            OccupationDemand(
                occupation=code,
                uri=uri,
                label=label,
                postings=count,
                demand_share=_share(count, len(demand.posting_ids)),
                essential_skills=len(essentials),
                mean_readiness=readiness,
                learners_ready=ready,
                least_held=least,
            )
        )
    return found


def _recommend(supply: _Supply, gaps: dict[int, SkillGap], limit: int) -> list[Recommendation]:
    open_gaps = {sid: g.gap for sid, g in gaps.items() if g.gap > 0}
    chosen: list[Recommendation] = []
    remaining = dict(supply.achievements)
    cohort = supply.cohort_size
    while open_gaps and remaining and len(chosen) < limit:
        scored = [
            (sum(open_gaps.get(s, 0.0) for s in skills), key)
            for key, (_, _, skills) in remaining.items()
        ]
        best_score, best_key = min(scored, key=lambda item: (-item[0], item[1]))
        if best_score <= 0:
            break
        name, issuer, skills = remaining.pop(best_key)
        closed = sorted((s for s in skills if s in open_gaps), key=lambda s: -open_gaps[s])
        holders = len(supply.achievement_holders.get(best_key, ()))
        chosen.append(
            Recommendation(
                rank=len(chosen) + 1,
                achievement_id="" if best_key.startswith("name:") else best_key,
                name=name,
                issuer=issuer,
                skills=[gaps[s].label for s in closed],
                gap_closed=round(best_score, 4),
                holders=holders,
                holder_share=_share(holders, cohort),
            )
        )
        for skill_id in closed:
            open_gaps.pop(skill_id)
    return chosen
