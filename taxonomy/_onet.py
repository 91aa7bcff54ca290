"""Reader for the O*NET database as tab-separated text files.

URIs, chosen to be stable across releases and, where O*NET OnLine has a page, resolvable:

- occupations: ``https://www.onetonline.org/link/summary/<O*NET-SOC code>``, e.g.
  ``https://www.onetonline.org/link/summary/15-1252.00``;
- skill and knowledge elements: ``https://www.onetonline.org/find/descriptor/result/<element
  ID>``, e.g. ``.../result/2.A.1.a`` (Reading Comprehension);
- content model groups (``2.A`` Basic Skills, ``2.A.1`` Content, ...):
  ``https://www.onetonline.org/find/descriptor/browse/<element ID>``;
- technology skills: ``urn:unspsc:<commodity code>``, the UNSPSC commodity O*NET files the
  technology under (O*NET gives the commodity no page of its own).
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
    SkillGroup,
    TaxonomyRelease,
)

OCCUPATION_URL = "https://www.onetonline.org/link/summary/{code}"
ELEMENT_URL = "https://www.onetonline.org/find/descriptor/result/{element_id}"
GROUP_URL = "https://www.onetonline.org/find/descriptor/browse/{element_id}"
TECHNOLOGY_URI = "urn:unspsc:{code}"

_OCCUPATIONS = "Occupation Data.txt"
_CONTENT_MODEL = "Content Model Reference.txt"
_ALTERNATE_TITLES = "Alternate Titles.txt"
_TECHNOLOGY = "Technology Skills.txt"
_README = "Read Me.txt"
# Rated element files and the skill type their elements get.
_RATED = (("Skills.txt", "skill"), ("Knowledge.txt", "knowledge"))
_IMPORTANCE_SCALE = "IM"
_YES = "y"
_VERSION_IN_README = re.compile(r"O\*NET\s+(\d+\.\d+)\s+Database", re.IGNORECASE)
_VERSION_IN_NAME = re.compile(r"(?<!\d)(\d{2})[._](\d{1,2})(?!\d)")


@dataclass
class _Elements:
    """Content model elements seen in the rating files, and their occupation links."""

    types: dict[str, str] = field(default_factory=dict)
    links: dict[tuple[str, str], float] = field(default_factory=dict)


def read_onet(
    path: Path,
    *,
    version: str | None = None,
    essential_at: float = 3.5,
    optional_at: float = 2.5,
) -> TaxonomyRelease:
    """Read the O*NET database text files (tab-separated) into a release.

    ``path`` is the folder of ``.txt`` files (or a zip of them, at the top or in one
    subfolder), as in O*NET's "text" download. ``Occupation Data.txt`` is mandatory;
    ``Skills.txt``, ``Knowledge.txt``, ``Technology Skills.txt`` and ``Alternate
    Titles.txt`` are read when present, and ``Content Model Reference.txt`` is required
    with the rating files.

    What becomes what:

    - occupations: every O*NET-SOC code of ``Occupation Data`` with its title and
      description; its alternate and short titles from ``Alternate Titles`` become alt labels.
    - skills: every Skills and Knowledge content-model element rated in the files (name and
      description from the content model; ``category`` and ``subcategory`` are its content
      model area and group, e.g. ``Basic Skills`` / ``Content``), plus one technology skill
      per UNSPSC commodity of ``Technology Skills`` (its title as preferred label, the
      example products as alt labels, ``hot technology: <example>`` tags for the examples
      O*NET flags as Hot Technology).
    - groups and hierarchy: the content model ancestors of the rated elements.
    - occupation skills: from the Importance (``IM``, 1 to 5) ratings; an importance of at
      least ``essential_at`` is ``essential``, at least ``optional_at`` is ``optional``,
      lower ones are dropped, as are ratings O*NET recommends suppressing; the rating is
      kept as ``importance``. Technology skills are linked to every occupation that lists
      one of their examples, as ``optional`` without an importance (O*NET rates none).

    Args:
        path: The folder or zip archive of O*NET text files.
        version: The O*NET version, e.g. ``29.2``; by default read from ``Read Me.txt``
            ("O*NET 29.2 Database") or else from the folder or zip name (``db_29_2_text``,
            ``onet-29.2``).
        essential_at: The lowest importance that makes a skill essential.
        optional_at: The lowest importance that keeps a skill, as optional.

    Returns:
        The release, framework ``onet``, language ``en``.

    Raises:
        TaxonomyFormatError: A file or column is missing or malformed, or no version was
            given and none can be found.
        ValueError: ``optional_at`` is above ``essential_at``.
    """
    if optional_at > essential_at:
        raise ValueError(f"optional_at {optional_at} is above essential_at {essential_at}")
    optional_files = ", ".join(
        [*(name for name, _ in _RATED), _TECHNOLOGY, _ALTERNATE_TITLES, _CONTENT_MODEL]
    )
    with Bundle(
        path,
        [_OCCUPATIONS],
        f"{_OCCUPATIONS} (optional: {optional_files})",
        suffix=".txt",
        delimiter="\t",
    ) as bundle:
        detected = version or _detect_version(path, bundle)
        files_read = [bundle.anchor]
        titles = _read_alternate_titles(bundle, files_read)
        with bundle.table(bundle.anchor) as table:
            occupations = _read_occupations(table, titles)
        elements = _Elements()
        for name, skill_type in _RATED:
            found = bundle.find([name])
            if found is not None:
                files_read.append(found)
                with bundle.table(found) as table:
                    _read_ratings(table, skill_type, elements)
        skills: list[Skill] = []
        groups: tuple[SkillGroup, ...] = ()
        broader: tuple[BroaderRelation, ...] = ()
        if elements.types:
            found = bundle.find([_CONTENT_MODEL])
            if found is None:
                raise TaxonomyFormatError(
                    f"{path}: {_CONTENT_MODEL} is missing; it names and describes the "
                    "elements that Skills.txt and Knowledge.txt rate"
                )
            files_read.append(found)
            with bundle.table(found) as table:
                model = _read_content_model(table)
            skills, groups, broader = _element_skills(elements, model, found)
        links = [
            _importance_link(occupation, skill, importance, essential_at, optional_at)
            for (occupation, skill), importance in elements.links.items()
        ]
        found = bundle.find([_TECHNOLOGY])
        if found is not None:
            files_read.append(found)
            with bundle.table(found) as table:
                technology, technology_links = _read_technology(table)
            skills.extend(technology)
            links.extend(technology_links)
        source = f"O*NET {detected} text files {path.name}: " + ", ".join(files_read)
    return TaxonomyRelease(
        framework="onet",
        version=detected,
        language="en",
        source=source,
        skills=tuple(skills),
        groups=groups,
        broader=broader,
        occupations=occupations,
        occupation_skills=tuple(link for link in links if link is not None),
    )


def _detect_version(path: Path, bundle: Bundle) -> str:
    readme = bundle.find([_README])
    if readme is not None:
        match = _VERSION_IN_README.search(bundle.read_text(readme))
        if match:
            return match.group(1)
    for name in (path.name, bundle.folder_name):
        found = _VERSION_IN_NAME.search(name)
        if found:
            return f"{found.group(1)}.{found.group(2)}"
    raise TaxonomyFormatError(
        f"{path}: cannot tell the O*NET version: no 'O*NET 29.2 Database' line in {_README} "
        "and no '29.2' or '29_2' in the folder or zip name; pass it explicitly "
        "(version=..., CLI --version)"
    )


def occupation_uri(code: str) -> str:
    """Return the URI of an O*NET-SOC occupation code, e.g. ``15-1252.00``."""
    return OCCUPATION_URL.format(code=code)


def _read_alternate_titles(bundle: Bundle, files_read: list[str]) -> dict[str, dict[str, None]]:
    found = bundle.find([_ALTERNATE_TITLES])
    titles: dict[str, dict[str, None]] = {}
    if found is None:
        return titles
    files_read.append(found)
    with bundle.table(found) as table:
        code_at = table.column("O*NET-SOC Code")
        title_at = table.column("Alternate Title")
        short_at = table.optional_column("Short Title")
        for line, row in table.rows():
            code = cell(row, code_at)
            if not code:
                raise TaxonomyFormatError(f"{table.where}: line {line}: empty O*NET-SOC Code")
            known = titles.setdefault(code, {})
            for title in (cell(row, title_at), cell(row, short_at)):
                if title:
                    known[title] = None
    return titles


def _read_occupations(table: Table, titles: dict[str, dict[str, None]]) -> tuple[Occupation, ...]:
    code_at = table.column("O*NET-SOC Code")
    title_at = table.column("Title")
    description_at = table.optional_column("Description")
    occupations: list[Occupation] = []
    seen: set[str] = set()
    for line, row in table.rows():
        code, title = cell(row, code_at), cell(row, title_at)
        if not code or not title:
            raise TaxonomyFormatError(f"{table.where}: line {line}: empty code or title")
        if code in seen:
            raise TaxonomyFormatError(f"{table.where}: line {line}: duplicate code {code}")
        seen.add(code)
        alternates = tuple(name for name in titles.get(code, {}) if name != title)
        occupations.append(
            Occupation(
                uri=occupation_uri(code),
                preferred_label=title,
                alt_labels=alternates,
                description=cell(row, description_at),
                code=code,
            )
        )
    return tuple(occupations)


def _read_ratings(table: Table, skill_type: str, elements: _Elements) -> None:
    code_at = table.column("O*NET-SOC Code")
    element_at = table.column("Element ID")
    scale_at = table.column("Scale ID")
    value_at = table.column("Data Value")
    suppress_at = table.optional_column("Recommend Suppress")
    for line, row in table.rows():
        if cell(row, scale_at) != _IMPORTANCE_SCALE:
            continue
        code, element = cell(row, code_at), cell(row, element_at)
        if not code or not element:
            raise TaxonomyFormatError(f"{table.where}: line {line}: empty code or Element ID")
        try:
            importance = float(cell(row, value_at))
        except ValueError:
            raise TaxonomyFormatError(
                f"{table.where}: line {line}: Data Value {cell(row, value_at)!r} is not a number"
            ) from None
        elements.types.setdefault(element, skill_type)
        if cell(row, suppress_at).casefold() != _YES:
            elements.links[occupation_uri(code), ELEMENT_URL.format(element_id=element)] = (
                importance
            )


def _read_content_model(table: Table) -> dict[str, tuple[str, str]]:
    id_at = table.column("Element ID")
    name_at = table.column("Element Name")
    description_at = table.optional_column("Description")
    model: dict[str, tuple[str, str]] = {}
    for line, row in table.rows():
        element = cell(row, id_at)
        if not element:
            raise TaxonomyFormatError(f"{table.where}: line {line}: empty Element ID")
        model[element] = (cell(row, name_at), cell(row, description_at))
    return model


def _ancestors(element: str) -> list[str]:
    """Return the content model ancestors of ``element``, nearest first (2.A.1.a: 2.A.1 ...)."""
    parts = element.split(".")
    return [".".join(parts[:depth]) for depth in range(len(parts) - 1, 0, -1)]


def _element_skills(
    elements: _Elements, model: dict[str, tuple[str, str]], where: str
) -> tuple[list[Skill], tuple[SkillGroup, ...], tuple[BroaderRelation, ...]]:
    """Build skills, groups and edges for the rated elements, in content model order."""
    unknown = sorted(element for element in elements.types if element not in model)
    if unknown:
        raise TaxonomyFormatError(f"{where}: no entry for rated elements {', '.join(unknown)}")
    order = {element: position for position, element in enumerate(model)}
    skills: list[Skill] = []
    group_ids: dict[str, None] = {}
    edges: dict[tuple[str, str], None] = {}
    for element in sorted(elements.types, key=order.__getitem__):
        name, description = model[element]
        ancestors = [ancestor for ancestor in _ancestors(element) if ancestor in model]
        # 2.A.1.a: ancestors 2 (Worker Requirements), 2.A (area), 2.A.1 (group).
        _, category, subcategory, *_ = (*(model[item][0] for item in ancestors[::-1]), "", "", "")
        skills.append(
            Skill(
                uri=ELEMENT_URL.format(element_id=element),
                preferred_label=name,
                description=description,
                skill_type=elements.types[element],
                code=element,
                category=category,
                subcategory=subcategory,
            )
        )
        child = ELEMENT_URL.format(element_id=element)
        for ancestor in ancestors:
            parent = GROUP_URL.format(element_id=ancestor)
            edges[child, parent] = None
            group_ids[ancestor] = None
            child = parent
    groups = tuple(
        SkillGroup(
            uri=GROUP_URL.format(element_id=element),
            code=element,
            preferred_label=model[element][0],
        )
        for element in sorted(group_ids, key=order.__getitem__)
    )
    broader = tuple(
        BroaderRelation(narrower_uri=child, broader_uri=parent) for child, parent in edges
    )
    return skills, groups, broader


def _importance_link(
    occupation: str, skill: str, importance: float, essential_at: float, optional_at: float
) -> OccupationSkill | None:
    relation: OccupationSkillRelationType
    if importance >= essential_at:
        relation = "essential"
    elif importance >= optional_at:
        relation = "optional"
    else:
        return None
    return OccupationSkill(
        occupation_uri=occupation, skill_uri=skill, relation=relation, importance=importance
    )


@dataclass
class _Technology:
    title: str
    examples: dict[str, None] = field(default_factory=dict)
    hot: dict[str, None] = field(default_factory=dict)


def _read_technology(table: Table) -> tuple[list[Skill], Iterable[OccupationSkill | None]]:
    code_at = table.column("O*NET-SOC Code")
    example_at = table.column("Example")
    commodity_at = table.column("Commodity Code")
    title_at = table.column("Commodity Title")
    hot_at = table.optional_column("Hot Technology")
    commodities: dict[str, _Technology] = {}
    links: dict[tuple[str, str], None] = {}
    for line, row in table.rows():
        code, commodity = cell(row, code_at), cell(row, commodity_at)
        title, example = cell(row, title_at), cell(row, example_at)
        if not code or not commodity or not title:
            raise TaxonomyFormatError(
                f"{table.where}: line {line}: empty code, Commodity Code or Commodity Title"
            )
        technology = commodities.setdefault(commodity, _Technology(title))
        if example:
            technology.examples[example] = None
            if cell(row, hot_at).casefold() == _YES:
                technology.hot[example] = None
        links[occupation_uri(code), TECHNOLOGY_URI.format(code=commodity)] = None
    skills = [
        Skill(
            uri=TECHNOLOGY_URI.format(code=commodity),
            preferred_label=technology.title,
            alt_labels=tuple(name for name in technology.examples if name != technology.title),
            skill_type="technology",
            code=commodity,
            category="Technology Skills",
            tags=tuple(f"hot technology: {name}" for name in technology.hot),
        )
        for commodity, technology in commodities.items()
    ]
    return skills, (
        OccupationSkill(occupation_uri=occupation, skill_uri=skill, relation="optional")
        for occupation, skill in links
    )
