"""The in-memory model of one taxonomy release: immutable msgspec Structs."""

from __future__ import annotations

from typing import Literal

import msgspec

OccupationSkillRelationType = Literal["essential", "optional"]


class Skill(msgspec.Struct, frozen=True, kw_only=True):
    """One skill or knowledge concept.

    Attributes:
        uri: The concept URI, e.g. ``http://data.europa.eu/esco/skill/0005c151-...``.
        preferred_label: The preferred label in the release language.
        alt_labels: Alternative labels, in source order, without blanks or exact repeats.
        description: The description, or ``""`` when the source has none.
        skill_type: ESCO ``skill/competence`` or ``knowledge``; ``""`` when unknown.
        reuse_level: ESCO reuse level (``transversal``, ``cross-sector``, ...); ``""`` when
            unknown.
        code: The source's own code for the concept where it has one besides the URI (O*NET
            element ID or UNSPSC commodity code, CASE ``humanCodingScheme``); else ``""``.
        category: The source's category (Lightcast category, RSD categories, O*NET content
            model area such as ``Basic Skills``); ``""`` when none.
        subcategory: The source's subcategory (Lightcast subcategory, O*NET content model
            group such as ``Content``); ``""`` when none.
        source_url: A human-readable page about the skill where the source gives one apart
            from the URI (Lightcast ``infoUrl``); ``""`` otherwise.
        tags: Source keywords and flags that are not labels, in source order (RSD
            ``keywords``, CASE ``conceptKeywords``, O*NET ``hot technology: <example>``).
    """

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    skill_type: str = ""
    reuse_level: str = ""
    code: str = ""
    category: str = ""
    subcategory: str = ""
    source_url: str = ""
    tags: tuple[str, ...] = ()


class SkillGroup(msgspec.Struct, frozen=True, kw_only=True):
    """A skill group or pillar concept of the skills hierarchy (S, S1, S1.1, K, L, T, ...).

    Attributes:
        uri: The group URI.
        code: The hierarchy code, or ``""`` where the source gives none (ESCO gives none to
            the ISCED-F knowledge groups).
        preferred_label: The preferred label in the release language.
    """

    uri: str
    code: str
    preferred_label: str


class BroaderRelation(msgspec.Struct, frozen=True, kw_only=True):
    """A hierarchy edge: skill to skill, skill to group, or group to group.

    Attributes:
        narrower_uri: The URI of the narrower concept.
        broader_uri: The URI of the broader concept.
    """

    narrower_uri: str
    broader_uri: str


class Occupation(msgspec.Struct, frozen=True, kw_only=True):
    """One occupation.

    Attributes:
        uri: The concept URI.
        preferred_label: The preferred label in the release language.
        alt_labels: Alternative labels, in source order, without blanks or exact repeats.
        description: The description, or ``""``.
        code: The occupation code (ESCO: ISCO group code plus a suffix, e.g. ``2654.1.7``).
        isco_group: The ISCO-08 unit group code, e.g. ``2654``.
    """

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    code: str = ""
    isco_group: str = ""


class OccupationSkill(msgspec.Struct, frozen=True, kw_only=True):
    """A skill an occupation needs.

    Attributes:
        occupation_uri: The occupation's URI.
        skill_uri: The skill's URI.
        relation: ``essential`` or ``optional``.
        importance: The source's importance rating where it gives one (O*NET ``IM`` scale,
            1 to 5); None otherwise.
    """

    occupation_uri: str
    skill_uri: str
    relation: OccupationSkillRelationType
    importance: float | None = None


class SkillRelation(msgspec.Struct, frozen=True, kw_only=True):
    """A directed relation between two skills, other than the hierarchy.

    Attributes:
        source_uri: The URI of the skill the relation starts from.
        target_uri: The URI of the related skill or external concept.
        relation: The relation type as the source names it: ESCO ``essential`` or
            ``optional`` (``skillSkillRelations``), RSD ``alignment``, or a CASE
            ``associationType`` such as ``isRelatedTo`` or ``exactMatchOf``.
    """

    source_uri: str
    target_uri: str
    relation: str


class SkillCollection(msgspec.Struct, frozen=True, kw_only=True):
    """A named set of skills that cuts across the hierarchy.

    Attributes:
        name: The collection's name, e.g. ESCO ``digital``, ``green`` or ``transversal``, or
            an RSD collection's name.
        skill_uris: The URIs of its members, in source order, without repeats.
    """

    name: str
    skill_uris: tuple[str, ...] = ()


class TaxonomyRelease(msgspec.Struct, frozen=True, kw_only=True):
    """One version of one taxonomy, as read from one source.

    Relations are kept as the source gives them; they may name a concept that the release
    does not contain (the ESCO v1.1.1 bundle relates 67 skills to one occupation that its
    occupations file lacks), so consumers must not assume referential integrity.

    Attributes:
        framework: The framework's short name: ``esco``, ``onet``, ``lightcast``, ``rsd`` or
            ``case``.
        version: The framework version, e.g. ``1.1.1``.
        language: The language of labels and descriptions, e.g. ``en``.
        source: Human-readable provenance: what was read, from where.
        skills: Every skill, in source order.
        groups: Every skill group and pillar concept.
        broader: Hierarchy edges.
        occupations: Every occupation (empty when the source has none).
        occupation_skills: Occupation-to-skill relations (empty when the source has none).
        skill_relations: Skill-to-skill relations other than the hierarchy.
        collections: Named skill collections.
    """

    framework: str
    version: str
    language: str
    source: str
    skills: tuple[Skill, ...] = ()
    groups: tuple[SkillGroup, ...] = ()
    broader: tuple[BroaderRelation, ...] = ()
    occupations: tuple[Occupation, ...] = ()
    occupation_skills: tuple[OccupationSkill, ...] = ()
    skill_relations: tuple[SkillRelation, ...] = ()
    collections: tuple[SkillCollection, ...] = ()
