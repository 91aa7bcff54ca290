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
    """

    uri: str
    preferred_label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    skill_type: str = ""
    reuse_level: str = ""


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
    """

    occupation_uri: str
    skill_uri: str
    relation: OccupationSkillRelationType


class TaxonomyRelease(msgspec.Struct, frozen=True, kw_only=True):
    """One version of one taxonomy, as read from one source.

    Relations are kept as the source gives them; they may name a concept that the release
    does not contain (the ESCO v1.1.1 bundle relates 67 skills to one occupation that its
    occupations file lacks), so consumers must not assume referential integrity.

    Attributes:
        framework: The framework's short name, e.g. ``esco``.
        version: The framework version, e.g. ``1.1.1``.
        language: The language of labels and descriptions, e.g. ``en``.
        source: Human-readable provenance: what was read, from where.
        skills: Every skill, in source order.
        groups: Every skill group and pillar concept.
        broader: Hierarchy edges.
        occupations: Every occupation (empty when the source has none).
        occupation_skills: Occupation-to-skill relations (empty when the source has none).
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
