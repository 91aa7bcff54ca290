"""Browsing the taxonomy and extracting skills from text: the application services.

Search finds skills by label (typo-tolerant, see `service.taxonomy.label_search`) and fills up with
semantic matches; a skill's page gathers its labels, description, groups, broader and
narrower concepts, related skills and the occupations that need it; an occupation's page its
essential and optional skills; extraction reads a text phrase by phrase with the same mapper
as ``/v1/match`` and says where each skill came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ingest.mapping import EvidenceBounds, Method, Strength, TooManyPhrasesError
from service.db.models import Occupation, Skill, SkillGroup
from service.errors import InvalidRequestError, NotFoundError
from service.settings import Settings
from service.taxonomy import repository as repo
from service.taxonomy.service import TaxonomyContext

MAX_RELATED = 10
MAX_OCCUPATIONS = 50
MAX_NARROWER = 50


@dataclass(frozen=True, slots=True)
class SkillHit:
    """A skill found by search: how it matched and on which label."""

    skill: Skill
    matched_label: str
    method: str
    score: float | None = None
    query: str = ""


def search_skills(
    session: Session, context: TaxonomyContext, settings: Settings, query: str, limit: int
) -> list[SkillHit]:
    """Skills whose labels match the query (typos tolerated), then semantic matches."""
    label_hits = context.labels.search(query, limit)
    skills = repo.skills_by_ids(session, (hit.skill_id for hit in label_hits))
    hits = [
        SkillHit(
            skill=skills[hit.skill_id],
            matched_label=hit.label,
            method=hit.tier,
            score=hit.similarity,
            query=hit.query,
        )
        for hit in label_hits
    ]
    if len(hits) < limit:
        seen = {hit.skill.id for hit in hits}
        semantic = [
            (skill_id, score)
            for skill_id, score in context.mapper.search_labels(query, limit)
            if skill_id not in seen and score >= settings.matching.search_min_similarity
        ]
        found = repo.skills_by_ids(session, (skill_id for skill_id, _ in semantic))
        hits.extend(
            SkillHit(
                skill=found[skill_id],
                matched_label=found[skill_id].preferred_label,
                method="semantic",
                score=round(score, 4),
            )
            for skill_id, score in semantic[: limit - len(hits)]
        )
    return hits


@dataclass(frozen=True, slots=True)
class RelatedSkill:
    """A skill near another: by the taxonomy's relation, or by embedding similarity."""

    skill: Skill
    relation: str
    similarity: float | None = None


@dataclass(frozen=True, slots=True)
class SkillPage:
    """Everything about one skill."""

    skill: Skill
    taxonomy: str
    labels: Sequence[tuple[str, str]]
    groups: Sequence[SkillGroup]
    broader: Sequence[Skill]
    narrower: Sequence[Skill]
    related: Sequence[RelatedSkill]
    occupations: Sequence[tuple[Occupation, str]]
    occupation_count: int
    collections: Sequence[str] = ()


def skill_page(
    session: Session, context: TaxonomyContext, settings: Settings, identifier: str
) -> SkillPage:
    """A skill's labels, hierarchy, related skills and the occupations needing it.

    Args:
        session: Open session.
        context: The default release.
        settings: ``related_skill_threshold`` bounds the embedding neighbours listed.
        identifier: The skill URI or its last segment (e.g. an ESCO UUID).

    Raises:
        NotFoundError: No such skill in the release.
    """
    skill_id = context.find_skill(identifier)
    if skill_id is None:
        raise NotFoundError(f"no skill {identifier!r} in {context.key}")
    skill = repo.skills_by_ids(session, [skill_id])[skill_id]
    broader_uris = repo.broader_of(session, context.taxonomy_id, skill.uri)
    groups = repo.groups_by_uri(session, context.taxonomy_id, broader_uris)
    broader_skills = repo.skills_by_uri(session, context.taxonomy_id, broader_uris)
    narrower_uris = repo.narrower_of(session, context.taxonomy_id, skill.uri, MAX_NARROWER)
    narrower = repo.skills_by_uri(session, context.taxonomy_id, narrower_uris)
    return SkillPage(
        skill=skill,
        taxonomy=context.key,
        labels=repo.labels_of_skill(session, skill_id),
        groups=[groups[uri] for uri in broader_uris if uri in groups],
        broader=[broader_skills[uri] for uri in broader_uris if uri in broader_skills],
        narrower=[narrower[uri] for uri in narrower_uris if uri in narrower],
        related=_distinct(
            [
                *_related_by_taxonomy(session, context, skill),
                *_related(session, context, settings, skill),
            ]
        ),
        occupations=repo.occupations_needing(session, skill_id, MAX_OCCUPATIONS),
        occupation_count=repo.count_occupations_needing(session, skill_id),
        collections=repo.collections_of_skill(session, skill_id),
    )


def _distinct(related: Sequence[RelatedSkill]) -> list[RelatedSkill]:
    """Each related skill once, its first reason kept (the taxonomy's before similarity)."""
    seen: set[int] = set()
    kept = []
    for item in related:
        if item.skill.id not in seen:
            seen.add(item.skill.id)
            kept.append(item)
    return kept


def _related_by_taxonomy(
    session: Session, context: TaxonomyContext, skill: Skill
) -> list[RelatedSkill]:
    """Skills the taxonomy itself relates (ESCO essential/optional skill relations, ...).

    A relation read backwards is named with ``-for`` (``essential-for``: this skill is
    essential for the other).
    """
    relations = repo.relations_of_skill(session, context.taxonomy_id, skill.uri)
    others = repo.skills_by_uri(
        session,
        context.taxonomy_id,
        (target if source == skill.uri else source for source, target, _ in relations),
    )
    related = []
    for source, target, relation in relations:
        outgoing = source == skill.uri
        other = others.get(target if outgoing else source)
        if other is not None and other.id != skill.id:
            related.append(
                RelatedSkill(skill=other, relation=relation if outgoing else f"{relation}-for")
            )
    return related


def _related(
    session: Session, context: TaxonomyContext, settings: Settings, skill: Skill
) -> list[RelatedSkill]:
    """Embedding neighbours above the related-skill threshold (what matching also uses)."""
    if not context.space.has_skill(skill.id):
        return []
    vector = context.space.vectors_of([skill.id])
    hits = context.space.search_labels(vector, MAX_RELATED * 4)[0]
    best: dict[int, float] = {}
    for hit in hits:
        if hit.skill_id != skill.id and hit.score >= settings.matching.related_skill_threshold:
            best[hit.skill_id] = max(best.get(hit.skill_id, 0.0), hit.score)
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:MAX_RELATED]
    found = repo.skills_by_ids(session, (skill_id for skill_id, _ in ranked))
    return [
        RelatedSkill(skill=found[skill_id], relation="similar", similarity=round(score, 4))
        for skill_id, score in ranked
    ]


@dataclass(frozen=True, slots=True)
class OccupationPage:
    """An occupation with its essential and optional skills."""

    occupation: Occupation
    taxonomy: str
    essential: Sequence[Skill]
    optional: Sequence[Skill]


def occupation_page(session: Session, context: TaxonomyContext, identifier: str) -> OccupationPage:
    """An occupation by URI, last URI segment or code, with its skills.

    Raises:
        NotFoundError: No such occupation in the release.
    """
    occupation = repo.find_occupation(session, context.taxonomy_id, identifier)
    if occupation is None:
        raise NotFoundError(f"no occupation {identifier!r} in {context.key}")
    skills = repo.skills_of_occupation(session, occupation.id)
    return OccupationPage(
        occupation=occupation,
        taxonomy=context.key,
        essential=[skill for skill, relation in skills if relation == "essential"],
        optional=[skill for skill, relation in skills if relation != "essential"],
    )


@dataclass(frozen=True, slots=True)
class ExtractedSkill:
    """A skill read in a phrase: its confidence and the kind of evidence.

    ``method`` is ``exact`` or ``alternative`` for a dictionary hit on a preferred or an
    alternative label, ``embedding`` for the encoder's label similarity.
    """

    skill: Skill
    confidence: float
    method: Method = "embedding"


@dataclass(frozen=True, slots=True)
class ExtractedPhrase:
    """One phrase of the text and the skills it names (best first)."""

    text: str
    start: int
    end: int
    strength: Strength
    skills: Sequence[ExtractedSkill]


@dataclass(frozen=True, slots=True)
class IgnoredText:
    """A phrase of the text left unread: a heading or boilerplate, and which kind."""

    text: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True, slots=True)
class Extraction:
    """What a text was read to contain, with the model and release that read it."""

    taxonomy: str
    model: str
    threshold: float
    bounds: EvidenceBounds
    phrases: Sequence[ExtractedPhrase] = field(default_factory=tuple)
    ignored: Sequence[IgnoredText] = field(default_factory=tuple)


def extract_skills(
    session: Session,
    context: TaxonomyContext,
    text: str,
    *,
    top_k: int | None = None,
    threshold: float | None = None,
) -> Extraction:
    """Skills named in a text, span by span, with character offsets and strength.

    The same reading as ``/v1/match`` gives a job description: sentences, list items and
    the items of a list become spans, headings such as "Nice to have:" set the strength of
    what follows, and each span keeps the labels the dictionary finds in it and the skills
    whose labels match it above the calibrated threshold.

    Args:
        session: Open session.
        context: The default release.
        text: The text to read.
        top_k: The caller's own cut: this many skills per span, best first, without the
            alternatives margin (default: the product's settings).
        threshold: Minimum semantic confidence with ``top_k`` (0 keeps everything found;
            default: the calibrated threshold).

    Raises:
        InvalidRequestError: The text holds more phrases than one request may read.
    """
    mapper = context.mapper
    if top_k is not None or threshold is not None:
        mapper = mapper.ranking(top_k if top_k is not None else mapper.settings.top_k, threshold)
    try:
        reading = mapper.read_job(text)
    except TooManyPhrasesError as error:
        raise InvalidRequestError(str(error)) from None
    requirements = reading.requirements
    skills = repo.skills_by_ids(
        session, (match.skill_id for r in requirements for match in r.skills)
    )
    return Extraction(
        taxonomy=context.key,
        model=context.mapper.model,
        threshold=mapper.settings.span_threshold,
        bounds=mapper.settings.bounds(),
        phrases=[
            ExtractedPhrase(
                text=r.phrase.text,
                start=r.phrase.start,
                end=r.phrase.end,
                strength=r.strength,
                skills=[
                    ExtractedSkill(skills[m.skill_id], m.confidence, m.method) for m in r.skills
                ],
            )
            for r in requirements
        ],
        ignored=[
            IgnoredText(i.phrase.text, i.phrase.start, i.phrase.end, i.reason)
            for i in reading.ignored
        ],
    )
