"""Reader for the official ESCO CSV bundle (v1.1.x and v1.2.x layouts).

File names differ between releases: v1.1.x ships the relation files without a language
suffix (``occupationSkillRelations.csv``, ``skillSkillRelations.csv``,
``broaderRelationsSkillPillar.csv``); v1.2.x suffixes every file with the language
(``occupationSkillRelations_en.csv``, ``skillSkillRelations_en.csv``, ...) and some v1.2.x
downloads add label columns to the relation files (``occupationLabel``, ``skillLabel``).
Both spellings are accepted for every file and columns are found by name, so the extra
columns are ignored. The collection files (``digitalSkillsCollection_en.csv`` and the like)
carry the language suffix in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from taxonomy._bundle import Bundle, Table, cell
from taxonomy._errors import TaxonomyFormatError
from taxonomy._model import (
    BroaderRelation,
    Occupation,
    OccupationSkill,
    OccupationSkillRelationType,
    Skill,
    SkillCollection,
    SkillGroup,
    SkillRelation,
    TaxonomyRelease,
)

_VERSION_IN_NAME = re.compile(r"(?<![0-9a-z])v(\d+(?:\.\d+){1,2})(?!\.?\d)", re.IGNORECASE)
_RELEASED = "released"
_RELATIONS: dict[str, OccupationSkillRelationType] = {
    "essential": "essential",
    "optional": "optional",
}

# Logical files, by stem. v1.1.x ships the relation files without a language suffix
# (occupationSkillRelations.csv); v1.2.x adds one (occupationSkillRelations_en.csv).
_SKILLS = "skills"
_GROUPS = "skillGroups"
_HIERARCHY = "skillsHierarchy"
_BROADER = "broaderRelationsSkillPillar"
_OCCUPATIONS = "occupations"
_OCCUPATION_SKILLS = "occupationSkillRelations"
_SKILL_SKILLS = "skillSkillRelations"
_OPTIONAL_STEMS = (
    _GROUPS,
    _HIERARCHY,
    _BROADER,
    _OCCUPATIONS,
    _OCCUPATION_SKILLS,
    _SKILL_SKILLS,
)
# digitalSkillsCollection_en.csv -> "digital"; researchOccupationsCollection holds
# occupations, not skills, and is not read.
_SKILL_COLLECTION = re.compile(r"^([a-z0-9]+)SkillsCollection(?:_([a-z]+))?\.csv$", re.IGNORECASE)


def _file_names(stem: str, language: str) -> tuple[str, str]:
    return f"{stem}_{language}.csv", f"{stem}.csv"


def split_labels(value: str) -> tuple[str, ...]:
    """Split an ESCO multi-label cell (one label per line); drop blanks and exact repeats."""
    labels = (label.strip() for label in value.split("\n"))
    return tuple(dict.fromkeys(label for label in labels if label))


@dataclass
class _Reading:
    """What has been read so far, and which concepts were skipped as not released."""

    bundle: Bundle
    files_read: list[str] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)

    def find(self, stem: str, language: str) -> str | None:
        name = self.bundle.find(_file_names(stem, language))
        if name is not None:
            self.files_read.append(name)
        return name

    def is_released(self, table_status: int | None, row: list[str], uri: str) -> bool:
        if table_status is None or cell(row, table_status).casefold() == _RELEASED:
            return True
        self.skipped.add(uri)
        return False


def read_esco_bundle(
    path: Path, *, version: str | None = None, language: str = "en"
) -> TaxonomyRelease:
    """Read the official ESCO CSV bundle (classification download) into a release.

    ``path`` is a folder of CSV files or the zip archive as published; in either the files
    may sit at the top or in one subfolder. Only ``skills_<language>.csv`` is mandatory;
    skill groups, the skills hierarchy, broader relations, occupations and occupation-skill
    relations are read when present, and so are skill-skill relations
    (``skillSkillRelations``, essential or optional) and the skill collections
    (``<name>SkillsCollection_<language>.csv``: digComp, digital, green, language, research,
    transversal). Columns are found by header name, ignoring case, so both the v1.1.x and
    the v1.2.x layouts are read (v1.2.x suffixes the relation files with the language and
    adds label columns). Where a file has a ``status`` column only ``released`` rows are
    kept, and relations or collection members naming a skipped concept are dropped.

    Skill groups come from ``skillGroups`` and from the nodes of ``skillsHierarchy`` (which
    also holds the hierarchy codes, and groups the groups file lacks); group-to-group edges
    from the hierarchy are added to those of ``broaderRelationsSkillPillar``.

    Args:
        path: The bundle folder or zip archive.
        version: The ESCO version, e.g. ``1.1.1``; by default read from the name of the zip,
            the folder or the subfolder holding the files (``... v1.1.1 ...``).
        language: The language suffix of the files, e.g. ``en``.

    Returns:
        The release, framework ``esco``.

    Raises:
        TaxonomyFormatError: A file or column is missing or malformed, or no version was
            given and none appears in the names.
    """
    expected = " and ".join(_file_names(_SKILLS, language))
    optional = ", ".join(" or ".join(_file_names(stem, language)) for stem in _OPTIONAL_STEMS)
    with Bundle(
        path, _file_names(_SKILLS, language), f"{expected} (optional: {optional})"
    ) as bundle:
        detected = version or _detect_version(path, bundle.folder_name)
        reading = _Reading(bundle, [bundle.anchor])
        with bundle.table(bundle.anchor) as table:
            skills = _read_skills(table, reading)
        groups, hierarchy_edges = _read_groups(reading, language)
        broader = _read_broader(reading, language, hierarchy_edges)
        occupations = _read_occupations(reading, language)
        occupation_skills = _read_occupation_skills(reading, language)
        skill_relations = _read_skill_relations(reading, language)
        collections = _read_collections(reading, language)
        source = f"ESCO v{detected} CSV bundle ({language}) {path.name}: " + ", ".join(
            reading.files_read
        )
    return TaxonomyRelease(
        framework="esco",
        version=detected,
        language=language,
        source=source,
        skills=skills,
        groups=groups,
        broader=broader,
        occupations=occupations,
        occupation_skills=occupation_skills,
        skill_relations=skill_relations,
        collections=collections,
    )


def _detect_version(path: Path, folder_name: str) -> str:
    for name in (path.name, folder_name):
        match = _VERSION_IN_NAME.search(name)
        if match:
            return match.group(1)
    raise TaxonomyFormatError(
        f"{path}: cannot tell the ESCO version: no 'v1.2.0'-style version in the name of the "
        "zip or folder; pass it explicitly (version=..., CLI --version)"
    )


def _unique(kind: str, uri: str, seen: set[str], table: Table, line: int) -> None:
    if not uri:
        raise TaxonomyFormatError(f"{table.where}: line {line}: empty {kind} URI")
    if uri in seen:
        raise TaxonomyFormatError(f"{table.where}: line {line}: duplicate {kind} URI {uri}")
    seen.add(uri)


def _read_skills(table: Table, reading: _Reading) -> tuple[Skill, ...]:
    uri_at = table.column("conceptUri")
    label_at = table.column("preferredLabel")
    alt_at = table.optional_column("altLabels")
    description_at = table.optional_column("description")
    type_at = table.optional_column("skillType")
    reuse_at = table.optional_column("reuseLevel")
    status_at = table.optional_column("status")
    skills: list[Skill] = []
    seen: set[str] = set()
    for line, row in table.rows():
        uri = cell(row, uri_at)
        _unique("skill", uri, seen, table, line)
        if not reading.is_released(status_at, row, uri):
            continue
        label = cell(row, label_at)
        if not label:
            raise TaxonomyFormatError(f"{table.where}: line {line}: empty preferredLabel")
        skills.append(
            Skill(
                uri=uri,
                preferred_label=label,
                alt_labels=split_labels(cell(row, alt_at)),
                description=cell(row, description_at),
                skill_type=cell(row, type_at),
                reuse_level=cell(row, reuse_at),
            )
        )
    return tuple(skills)


def _read_groups(
    reading: _Reading, language: str
) -> tuple[tuple[SkillGroup, ...], list[BroaderRelation]]:
    """Read skill groups and the hierarchy; return the groups and the hierarchy's edges."""
    groups: dict[str, SkillGroup] = {}
    name = reading.find(_GROUPS, language)
    if name is not None:
        seen: set[str] = set()
        with reading.bundle.table(name) as table:
            uri_at = table.column("conceptUri")
            label_at = table.column("preferredLabel")
            code_at = table.optional_column("code")
            status_at = table.optional_column("status")
            for line, row in table.rows():
                uri = cell(row, uri_at)
                _unique("skill group", uri, seen, table, line)
                if reading.is_released(status_at, row, uri):
                    label = cell(row, label_at)
                    groups[uri] = SkillGroup(
                        uri=uri, code=cell(row, code_at), preferred_label=label
                    )
    edges: list[BroaderRelation] = []
    name = reading.find(_HIERARCHY, language)
    if name is not None:
        with reading.bundle.table(name) as table:
            edges = _read_hierarchy(table, groups, reading.skipped)
    return tuple(groups.values()), edges


def _read_hierarchy(
    table: Table, groups: dict[str, SkillGroup], skipped: set[str]
) -> list[BroaderRelation]:
    """Add hierarchy nodes to ``groups`` (filling missing codes); return parent edges."""
    levels: list[tuple[int, int, int | None]] = []
    while (uri_at := table.optional_column(f"Level {len(levels)} URI")) is not None:
        term_at = table.column(f"Level {len(levels)} preferred term")
        levels.append((uri_at, term_at, table.optional_column(f"Level {len(levels)} code")))
    if not levels:
        table.column("Level 0 URI")  # raises: the hierarchy has no level columns at all
    edges: dict[tuple[str, str], None] = {}
    for _line, row in table.rows():
        parent = ""
        for uri_at, term_at, code_at in levels:
            uri = cell(row, uri_at)
            if not uri:
                break
            if uri in skipped:
                parent = ""
                continue
            code = cell(row, code_at)
            known = groups.get(uri)
            if known is None:
                groups[uri] = SkillGroup(uri=uri, code=code, preferred_label=cell(row, term_at))
            elif code and not known.code:
                groups[uri] = SkillGroup(uri=uri, code=code, preferred_label=known.preferred_label)
            if parent and parent != uri:
                edges[parent, uri] = None
            parent = uri
    return [BroaderRelation(narrower_uri=uri, broader_uri=parent) for parent, uri in edges]


def _read_broader(
    reading: _Reading, language: str, hierarchy_edges: Iterable[BroaderRelation]
) -> tuple[BroaderRelation, ...]:
    edges: dict[tuple[str, str], None] = {}
    name = reading.find(_BROADER, language)
    if name is not None:
        with reading.bundle.table(name) as table:
            narrower_at = table.column("conceptUri")
            broader_at = table.column("broaderUri")
            for line, row in table.rows():
                narrower, broader = cell(row, narrower_at), cell(row, broader_at)
                if not narrower or not broader:
                    raise TaxonomyFormatError(f"{table.where}: line {line}: empty URI")
                if narrower not in reading.skipped and broader not in reading.skipped:
                    edges[narrower, broader] = None
    for edge in hierarchy_edges:
        edges[edge.narrower_uri, edge.broader_uri] = None
    return tuple(
        BroaderRelation(narrower_uri=narrower, broader_uri=broader) for narrower, broader in edges
    )


def _read_occupations(reading: _Reading, language: str) -> tuple[Occupation, ...]:
    name = reading.find(_OCCUPATIONS, language)
    if name is None:
        return ()
    occupations: list[Occupation] = []
    seen: set[str] = set()
    with reading.bundle.table(name) as table:
        uri_at = table.column("conceptUri")
        label_at = table.column("preferredLabel")
        alt_at = table.optional_column("altLabels")
        description_at = table.optional_column("description")
        code_at = table.optional_column("code")
        isco_at = table.optional_column("iscoGroup")
        status_at = table.optional_column("status")
        for line, row in table.rows():
            uri = cell(row, uri_at)
            _unique("occupation", uri, seen, table, line)
            if not reading.is_released(status_at, row, uri):
                continue
            occupations.append(
                Occupation(
                    uri=uri,
                    preferred_label=cell(row, label_at),
                    alt_labels=split_labels(cell(row, alt_at)),
                    description=cell(row, description_at),
                    code=cell(row, code_at),
                    isco_group=cell(row, isco_at),
                )
            )
    return tuple(occupations)


def _read_occupation_skills(reading: _Reading, language: str) -> tuple[OccupationSkill, ...]:
    """Read occupation-skill relations; a repeated pair keeps its first relation type."""
    name = reading.find(_OCCUPATION_SKILLS, language)
    if name is None:
        return ()
    relations: dict[tuple[str, str], OccupationSkillRelationType] = {}
    skipped = reading.skipped
    with reading.bundle.table(name) as table:
        occupation_at = table.column("occupationUri")
        relation_at = table.column("relationType")
        skill_at = table.column("skillUri")
        for line, row in table.rows():
            occupation, skill = cell(row, occupation_at), cell(row, skill_at)
            relation = _relation_type(table, line, cell(row, relation_at))
            if not occupation or not skill:
                raise TaxonomyFormatError(f"{table.where}: line {line}: empty URI")
            if occupation not in skipped and skill not in skipped:
                relations.setdefault((occupation, skill), relation)
    return tuple(
        OccupationSkill(occupation_uri=occupation, skill_uri=skill, relation=relation)
        for (occupation, skill), relation in relations.items()
    )


def _relation_type(table: Table, line: int, value: str) -> OccupationSkillRelationType:
    relation = _RELATIONS.get(value.casefold())
    if relation is None:
        raise TaxonomyFormatError(
            f"{table.where}: line {line}: relationType {value!r} is neither 'essential' nor "
            "'optional'"
        )
    return relation


def _read_skill_relations(reading: _Reading, language: str) -> tuple[SkillRelation, ...]:
    """Read skill-skill relations; a repeated pair keeps its first relation type."""
    name = reading.find(_SKILL_SKILLS, language)
    if name is None:
        return ()
    relations: dict[tuple[str, str], str] = {}
    skipped = reading.skipped
    with reading.bundle.table(name) as table:
        source_at = table.column("originalSkillUri")
        relation_at = table.column("relationType")
        target_at = table.column("relatedSkillUri")
        for line, row in table.rows():
            relation = _relation_type(table, line, cell(row, relation_at))
            source, target = cell(row, source_at), cell(row, target_at)
            if not source or not target:
                raise TaxonomyFormatError(f"{table.where}: line {line}: empty URI")
            if source not in skipped and target not in skipped:
                relations.setdefault((source, target), relation)
    return tuple(
        SkillRelation(source_uri=source, target_uri=target, relation=relation)
        for (source, target), relation in relations.items()
    )


def _read_collections(reading: _Reading, language: str) -> tuple[SkillCollection, ...]:
    """Read every ``<name>SkillsCollection`` file of the language, in file name order."""
    chosen: dict[str, str] = {}
    for file_name in reading.bundle.names():
        match = _SKILL_COLLECTION.match(file_name)
        if match is None or (match.group(2) or language).casefold() != language.casefold():
            continue
        # Prefer the language-suffixed file where both spellings are present.
        if match.group(2) or match.group(1) not in chosen:
            chosen[match.group(1)] = file_name
    collections: list[SkillCollection] = []
    for collection, file_name in sorted(chosen.items(), key=lambda item: item[1]):
        reading.files_read.append(file_name)
        members: dict[str, None] = {}
        with reading.bundle.table(file_name) as table:
            uri_at = table.column("conceptUri")
            status_at = table.optional_column("status")
            for line, row in table.rows():
                uri = cell(row, uri_at)
                if not uri:
                    raise TaxonomyFormatError(f"{table.where}: line {line}: empty conceptUri")
                released = status_at is None or cell(row, status_at).casefold() == _RELEASED
                if released and uri not in reading.skipped:
                    members[uri] = None
        collections.append(SkillCollection(name=collection, skill_uris=tuple(members)))
    return tuple(collections)
