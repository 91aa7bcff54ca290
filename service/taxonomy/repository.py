"""SQL of taxonomy releases: skills, labels, groups, relations, occupations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from service.db.models import (
    BroaderRelation,
    Evidence,
    Occupation,
    OccupationSkill,
    Skill,
    SkillCollectionMember,
    SkillGroup,
    SkillLabel,
    SkillRelation,
    Taxonomy,
)
from service.db.registry import _bulk


def normalize_label(label: str) -> str:
    """Lower-cased, whitespace-collapsed label used for exact and prefix lookups."""
    return " ".join(label.lower().split())


def find_taxonomy(session: Session, framework: str, version: str, language: str) -> Taxonomy | None:
    """A release by its identity."""
    return session.scalar(
        select(Taxonomy).where(
            Taxonomy.framework == framework,
            Taxonomy.version == version,
            Taxonomy.language == language,
        )
    )


def default_taxonomy(session: Session) -> Taxonomy | None:
    """The release used for mapping and matching."""
    return session.scalar(select(Taxonomy).where(Taxonomy.is_default.is_(True)))


def make_default_taxonomy(session: Session, taxonomy_id: int) -> None:
    """Mark one release as the default and unmark the others."""
    session.execute(update(Taxonomy).values(is_default=Taxonomy.id == taxonomy_id))


def taxonomy_has_evidence(session: Session, taxonomy_id: int) -> bool:
    """Whether any candidate evidence points at a skill of the release."""
    found = session.scalar(
        select(Evidence.id)
        .join(Skill, Skill.id == Evidence.skill_id)
        .where(Skill.taxonomy_id == taxonomy_id)
        .limit(1)
    )
    return found is not None


def delete_taxonomy(session: Session, taxonomy: Taxonomy) -> None:
    """Remove a release and everything it owns."""
    session.delete(taxonomy)
    session.flush()


@dataclass(frozen=True, slots=True)
class ReleaseRows:
    """Plain rows of a taxonomy release, ready for bulk insertion."""

    skills: Sequence[dict[str, Any]]
    labels: Sequence[tuple[str, str, str]]
    groups: Sequence[dict[str, Any]]
    broader: Sequence[tuple[str, str]]
    occupations: Sequence[dict[str, Any]]
    occupation_skills: Sequence[tuple[str, str, str, float | None]]
    skill_relations: Sequence[tuple[str, str, str]] = ()
    collections: Sequence[tuple[str, str]] = ()  # (collection name, skill URI)


def insert_release(
    session: Session, *, framework: str, version: str, language: str, source: str, rows: ReleaseRows
) -> Taxonomy:
    """Bulk-insert a release (skills, labels, hierarchy, occupations)."""
    taxonomy = Taxonomy(
        framework=framework,
        version=version,
        language=language,
        source=source,
        skill_count=len(rows.skills),
    )
    session.add(taxonomy)
    session.flush()
    tid = taxonomy.id
    _bulk(session, Skill, [{**skill, "taxonomy_id": tid} for skill in rows.skills])
    skill_ids = skill_ids_by_uri(session, tid)
    _bulk(
        session,
        SkillLabel,
        (
            {
                "skill_id": skill_ids[uri],
                "label": label,
                "kind": kind,
                "normalized": normalize_label(label)[:500],
            }
            for uri, label, kind in rows.labels
            if uri in skill_ids
        ),
    )
    _bulk(session, SkillGroup, [{**group, "taxonomy_id": tid} for group in rows.groups])
    _bulk(
        session,
        BroaderRelation,
        ({"taxonomy_id": tid, "narrower_uri": n, "broader_uri": b} for n, b in rows.broader),
    )
    _bulk(session, Occupation, [{**occ, "taxonomy_id": tid} for occ in rows.occupations])
    occupation_ids = dict(
        session.execute(
            select(Occupation.uri, Occupation.id).where(Occupation.taxonomy_id == tid)
        ).all()
    )
    _bulk(
        session,
        OccupationSkill,
        (
            {
                "occupation_id": occupation_ids[occ],
                "skill_id": skill_ids[skill],
                "relation": rel,
                "importance": importance,
            }
            for occ, skill, rel, importance in rows.occupation_skills
            if occ in occupation_ids and skill in skill_ids
        ),
    )
    _bulk(
        session,
        SkillRelation,
        (
            {"taxonomy_id": tid, "source_uri": source, "target_uri": target, "relation": relation}
            for source, target, relation in rows.skill_relations
        ),
    )
    members = dict.fromkeys(
        (name, skill_ids[uri]) for name, uri in rows.collections if uri in skill_ids
    )
    _bulk(
        session,
        SkillCollectionMember,
        ({"taxonomy_id": tid, "collection": name, "skill_id": sid} for name, sid in members),
    )
    return taxonomy


def skill_ids_by_uri(session: Session, taxonomy_id: int) -> dict[str, int]:
    """URI -> id for every skill of a release."""
    return dict(
        session.execute(select(Skill.uri, Skill.id).where(Skill.taxonomy_id == taxonomy_id)).all()
    )


def skill_labels(session: Session, taxonomy_id: int) -> list[tuple[int, str, str]]:
    """(skill id, label, kind) of every label of a release, in a stable order."""
    return list(
        session.execute(
            select(SkillLabel.skill_id, SkillLabel.label, SkillLabel.kind)
            .join(Skill, Skill.id == SkillLabel.skill_id)
            .where(Skill.taxonomy_id == taxonomy_id)
            .order_by(SkillLabel.id)
        )
    )


def labels_of_skill(session: Session, skill_id: int) -> list[tuple[str, str]]:
    """(label, kind) of one skill, preferred first."""
    return [
        (label, kind)
        for label, kind in session.execute(
            select(SkillLabel.label, SkillLabel.kind)
            .where(SkillLabel.skill_id == skill_id)
            .order_by(SkillLabel.kind != "preferred", SkillLabel.id)
        )
    ]


def broader_of(session: Session, taxonomy_id: int, uri: str) -> list[str]:
    """URIs of the concepts directly broader than ``uri`` in a release."""
    return list(
        session.scalars(
            select(BroaderRelation.broader_uri)
            .where(BroaderRelation.taxonomy_id == taxonomy_id, BroaderRelation.narrower_uri == uri)
            .order_by(BroaderRelation.id)
        )
    )


def narrower_of(session: Session, taxonomy_id: int, uri: str, limit: int) -> list[str]:
    """URIs of the concepts directly narrower than ``uri`` in a release."""
    return list(
        session.scalars(
            select(BroaderRelation.narrower_uri)
            .where(BroaderRelation.taxonomy_id == taxonomy_id, BroaderRelation.broader_uri == uri)
            .order_by(BroaderRelation.id)
            .limit(limit)
        )
    )


def groups_by_uri(session: Session, taxonomy_id: int, uris: Iterable[str]) -> dict[str, SkillGroup]:
    """Skill groups of a release keyed by URI."""
    wanted = list(set(uris))
    if not wanted:
        return {}
    rows = session.scalars(
        select(SkillGroup).where(SkillGroup.taxonomy_id == taxonomy_id, SkillGroup.uri.in_(wanted))
    )
    return {g.uri: g for g in rows}


def skills_by_uri(session: Session, taxonomy_id: int, uris: Iterable[str]) -> dict[str, Skill]:
    """Skills of a release keyed by URI."""
    wanted = list(set(uris))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Skill).where(Skill.taxonomy_id == taxonomy_id, Skill.uri.in_(wanted))
    )
    return {s.uri: s for s in rows}


def relations_of_skill(session: Session, taxonomy_id: int, uri: str) -> list[tuple[str, str, str]]:
    """(source URI, target URI, relation) of the relations that touch a skill."""
    return [
        (source, target, relation)
        for source, target, relation in session.execute(
            select(SkillRelation.source_uri, SkillRelation.target_uri, SkillRelation.relation)
            .where(
                SkillRelation.taxonomy_id == taxonomy_id,
                or_(SkillRelation.source_uri == uri, SkillRelation.target_uri == uri),
            )
            .order_by(SkillRelation.relation, SkillRelation.id)
        )
    ]


def collections_of_skill(session: Session, skill_id: int) -> list[str]:
    """Names of the collections a skill belongs to."""
    return list(
        session.scalars(
            select(SkillCollectionMember.collection)
            .where(SkillCollectionMember.skill_id == skill_id)
            .order_by(SkillCollectionMember.collection)
        )
    )


def occupations_needing(
    session: Session, skill_id: int, limit: int
) -> list[tuple[Occupation, str]]:
    """Occupations that list a skill, essential ones first, with the relation."""
    return [
        (occupation, relation)
        for occupation, relation in session.execute(
            select(Occupation, OccupationSkill.relation)
            .join(OccupationSkill, OccupationSkill.occupation_id == Occupation.id)
            .where(OccupationSkill.skill_id == skill_id)
            .order_by(OccupationSkill.relation != "essential", Occupation.preferred_label)
            .limit(limit)
        )
    ]


def count_occupations_needing(session: Session, skill_id: int) -> int:
    """How many occupations list a skill."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OccupationSkill)
            .where(OccupationSkill.skill_id == skill_id)
        )
        or 0
    )


def find_occupation(session: Session, taxonomy_id: int, identifier: str) -> Occupation | None:
    """An occupation by URI, by the last segment of its URI, or by its code."""
    return session.scalar(
        select(Occupation)
        .where(
            Occupation.taxonomy_id == taxonomy_id,
            or_(
                Occupation.uri == identifier,
                Occupation.uri.endswith("/" + identifier, autoescape=True),
                Occupation.code == identifier,
            ),
        )
        .order_by(Occupation.id)
        .limit(1)
    )


def occupation_titles(session: Session, taxonomy_id: int) -> list[tuple[int, str, str]]:
    """(occupation id, title, kind) of every occupation of a release with an essential skill.

    Kind is ``preferred`` or ``alt``; rows come grouped by occupation, preferred first.
    """
    having = select(OccupationSkill.occupation_id).where(OccupationSkill.relation == "essential")
    rows: list[tuple[int, str, str]] = []
    for occupation_id, preferred, alternatives in session.execute(
        select(Occupation.id, Occupation.preferred_label, Occupation.alt_labels)
        .where(Occupation.taxonomy_id == taxonomy_id, Occupation.id.in_(having))
        .order_by(Occupation.id)
    ):
        rows.append((occupation_id, preferred, "preferred"))
        seen = {preferred}
        for label in alternatives.split("\n"):
            if label.strip() and label not in seen:
                seen.add(label)
                rows.append((occupation_id, label, "alt"))
    return rows


def transversal_skill_ids(session: Session, taxonomy_id: int) -> frozenset[int]:
    """The skills of a release whose reuse level is transversal (teamwork, languages)."""
    return frozenset(
        session.scalars(
            select(Skill.id).where(
                Skill.taxonomy_id == taxonomy_id, func.lower(Skill.reuse_level) == "transversal"
            )
        )
    )


def occupations_per_skill(session: Session, taxonomy_id: int) -> tuple[int, dict[int, int]]:
    """How many occupations of a release list skills, and how many list each skill.

    Essential and optional relations both count; a skill no occupation lists is absent.
    """
    of_release = select(Occupation.id).where(Occupation.taxonomy_id == taxonomy_id)
    listing = (
        select(OccupationSkill.skill_id, func.count(OccupationSkill.occupation_id.distinct()))
        .where(OccupationSkill.occupation_id.in_(of_release))
        .group_by(OccupationSkill.skill_id)
    )
    counts = {skill_id: count for skill_id, count in session.execute(listing)}
    occupations = session.scalar(
        select(func.count(OccupationSkill.occupation_id.distinct())).where(
            OccupationSkill.occupation_id.in_(of_release)
        )
    )
    return int(occupations or 0), counts


_ID_CHUNK = 5000
"""Ids per ``IN`` list (SQLite and PostgreSQL both take this many bound parameters)."""


def essential_skills_of(session: Session, occupation_ids: Iterable[int]) -> dict[int, list[int]]:
    """Occupation id -> its essential skills, in the order the release lists them."""
    wanted = sorted(set(occupation_ids))
    found: dict[int, list[int]] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        rows = session.execute(
            select(OccupationSkill.occupation_id, OccupationSkill.skill_id)
            .where(
                OccupationSkill.occupation_id.in_(wanted[start : start + _ID_CHUNK]),
                OccupationSkill.relation == "essential",
            )
            .order_by(OccupationSkill.id)
        )
        for occupation_id, skill_id in rows:
            found.setdefault(occupation_id, []).append(skill_id)
    return found


def skills_of_occupation(session: Session, occupation_id: int) -> list[tuple[Skill, str]]:
    """An occupation's skills with their relation, essential first, then by label."""
    return [
        (skill, relation)
        for skill, relation in session.execute(
            select(Skill, OccupationSkill.relation)
            .join(OccupationSkill, OccupationSkill.skill_id == Skill.id)
            .where(OccupationSkill.occupation_id == occupation_id)
            .order_by(OccupationSkill.relation != "essential", Skill.preferred_label)
        )
    ]


def skills_by_ids(session: Session, skill_ids: Iterable[int]) -> dict[int, Skill]:
    """Skills keyed by id."""
    ids = list(set(skill_ids))
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Skill).where(Skill.id.in_(ids)))}


def aligned_skill(session: Session, url: str, code: str) -> tuple[Skill, Taxonomy] | None:
    """The skill of any imported taxonomy an alignment names (by URI, or code as URI end).

    The default release's own skills are included; among several, the default release and
    then the lowest id win.
    """
    conditions = [Skill.uri == value for value in (url, code) if value]
    if code:
        conditions.append(Skill.uri.endswith("/" + code, autoescape=True))
    if not conditions:
        return None
    row = session.execute(
        select(Skill, Taxonomy)
        .join(Taxonomy, Taxonomy.id == Skill.taxonomy_id)
        .where(or_(*conditions))
        .order_by(Taxonomy.is_default.desc(), Skill.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])
