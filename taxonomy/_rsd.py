"""Reader for Open Skills Network Rich Skill Descriptors (RSD) in JSON(-LD)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from taxonomy._errors import TaxonomyFormatError
from taxonomy._json import convert, load_json
from taxonomy._model import (
    Occupation,
    OccupationSkill,
    Skill,
    SkillCollection,
    SkillRelation,
    TaxonomyRelease,
)
from taxonomy._onet import occupation_uri
from taxonomy._versions import require_version

_ONET_SOC_CODE = re.compile(r"^\d{2}-\d{4}\.\d{2}$")
_ARCHIVED = "archived"


class _Named(msgspec.Struct):
    name: str = ""


class _Alignment(msgspec.Struct, rename="camel"):
    id: str = ""
    target_node: str = ""
    target_url: str = ""


class _OccupationRef(msgspec.Struct, rename="camel"):
    code: str = ""
    target_node_name: str = ""
    id: str = ""
    target_node: str = ""


class _Rsd(msgspec.Struct, kw_only=True, rename="camel"):
    id: str
    skill_name: str
    skill_statement: str = ""
    status: str = ""
    category: str | list[str] | None = None
    categories: str | list[str] | None = None
    keywords: list[str] = msgspec.field(default_factory=list)
    alignments: list[_Alignment | str] = msgspec.field(default_factory=list)
    occupations: list[_OccupationRef] = msgspec.field(default_factory=list)
    collections: list[_Named] = msgspec.field(default_factory=list)


class _Collection(msgspec.Struct, kw_only=True):
    name: str
    skills: list[dict[str, object]]


@dataclass
class _Found:
    """Descriptors and collections gathered from a file, keyed for de-duplication."""

    where: str
    skills: dict[str, _Rsd] = field(default_factory=dict)
    collections: dict[str, dict[str, None]] = field(default_factory=dict)

    def add(self, value: object, at: str) -> str:
        rsd = convert(value, _Rsd, f"{self.where}: {at}")
        if not rsd.id.strip() or not rsd.skill_name.strip():
            raise TaxonomyFormatError(f"{self.where}: {at}: empty id or skillName")
        self.skills.setdefault(rsd.id.strip(), rsd)
        for collection in rsd.collections:
            if collection.name.strip():
                self.collections.setdefault(collection.name.strip(), {})[rsd.id.strip()] = None
        return rsd.id.strip()


def read_rsd_json(path: Path, *, version: str, language: str = "en") -> TaxonomyRelease:
    """Read Rich Skill Descriptors (Open Skills Network RSD, as OSMT exports them).

    The file holds one RSD (an object with ``skillName``), a list of RSDs, a JSON-LD
    ``@graph`` of them, or an RSD collection (an object with ``name`` and ``skills``; members
    given by ``id`` alone are recorded in the collection but define no skill). Each RSD
    becomes a skill: URI ``id``, label ``skillName``, description ``skillStatement``,
    ``category`` its ``category``/``categories`` (joined with ``; ``), tags its ``keywords``.
    RSDs whose ``status`` is ``archived`` are left out, as are repeats of an id.

    Relations: each alignment (``id``, ``targetNode`` or ``targetUrl``) becomes a
    :class:`SkillRelation` ``alignment`` to that URL. Occupations with an O*NET-SOC code
    (``15-2051.01``) become occupations with the URIs :func:`read_onet` gives them, linked to
    the skill as ``optional`` (RSD does not grade the link); occupations without such a code
    but with an ``id``/``targetNode`` URL keep that URL; others are dropped. Collections
    come from collection documents and from each RSD's ``collections`` names.

    Args:
        path: The JSON file.
        version: The version of the skill library; RSDs state none, so it must be given.
        language: The language of the skill names and statements.

    Returns:
        The release, framework ``rsd``.

    Raises:
        TaxonomyFormatError: The file is missing, empty or not JSON, an RSD lacks ``id`` or
            ``skillName`` or has a field of the wrong type (named by its JSON path), it holds
            no RSD at all, or ``version`` is blank.
    """
    detected = require_version(version, path, "a Rich Skill Descriptor file")
    found = _Found(str(path))
    for value, at in _documents(load_json(path), str(path)):
        if isinstance(value, dict) and "skills" in value and "skillName" not in value:
            collection = convert(value, _Collection, f"{path}: {at}")
            members = found.collections.setdefault(collection.name.strip(), {})
            for index, member in enumerate(collection.skills):
                member_at = f"{at}.skills[{index}]"
                if "skillName" in member:
                    members[found.add(member, member_at)] = None
                elif isinstance(member.get("id"), str) and str(member["id"]).strip():
                    members[str(member["id"]).strip()] = None
                else:
                    raise TaxonomyFormatError(f"{path}: {member_at}: member without id")
        else:
            found.add(value, at)
    live = {uri: rsd for uri, rsd in found.skills.items() if rsd.status.casefold() != _ARCHIVED}
    if not live:
        raise TaxonomyFormatError(f"{path}: no (unarchived) Rich Skill Descriptor found")
    occupations: dict[str, Occupation] = {}
    links: dict[tuple[str, str], None] = {}
    relations: dict[tuple[str, str], None] = {}
    for uri, rsd in live.items():
        for target in _alignment_targets(rsd):
            relations[uri, target] = None
        for occupation in _occupations(rsd):
            occupations.setdefault(occupation.uri, occupation)
            links[occupation.uri, uri] = None
    return TaxonomyRelease(
        framework="rsd",
        version=detected,
        language=language,
        source=f"Open Skills Network RSD JSON {path.name}: {len(live)} descriptors",
        skills=tuple(_skill(uri, rsd) for uri, rsd in live.items()),
        occupations=tuple(occupations.values()),
        occupation_skills=tuple(
            OccupationSkill(occupation_uri=occupation, skill_uri=skill, relation="optional")
            for occupation, skill in links
        ),
        skill_relations=tuple(
            SkillRelation(source_uri=source, target_uri=target, relation="alignment")
            for source, target in relations
        ),
        collections=tuple(
            SkillCollection(
                name=name,
                skill_uris=tuple(uri for uri in members if uri not in found.skills or uri in live),
            )
            for name, members in found.collections.items()
        ),
    )


def _documents(value: object, where: str) -> Iterator[tuple[object, str]]:
    """Yield each top-level RSD or collection with its JSON path."""
    if isinstance(value, dict) and isinstance(value.get("@graph"), list):
        yield from ((item, f"$.@graph[{index}]") for index, item in enumerate(value["@graph"]))
    elif isinstance(value, list):
        yield from ((item, f"$[{index}]") for index, item in enumerate(value))
    elif isinstance(value, dict) and ("skillName" in value or "skills" in value):
        yield value, "$"
    else:
        raise TaxonomyFormatError(
            f"{where}: neither a Rich Skill Descriptor (no skillName), a list of them, nor a "
            "collection (no skills list)"
        )


def _as_list(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _skill(uri: str, rsd: _Rsd) -> Skill:
    categories = [
        name.strip()
        for name in (*_as_list(rsd.category), *_as_list(rsd.categories))
        if name.strip()
    ]
    return Skill(
        uri=uri,
        preferred_label=rsd.skill_name.strip(),
        description=rsd.skill_statement.strip(),
        category="; ".join(dict.fromkeys(categories)),
        tags=tuple(dict.fromkeys(word.strip() for word in rsd.keywords if word.strip())),
    )


def _alignment_targets(rsd: _Rsd) -> Iterator[str]:
    for alignment in rsd.alignments:
        if isinstance(alignment, str):
            target = alignment
        else:
            target = alignment.id or alignment.target_node or alignment.target_url
        if target.strip():
            yield target.strip()


def _occupations(rsd: _Rsd) -> Iterator[Occupation]:
    for reference in rsd.occupations:
        code = reference.code.strip()
        if _ONET_SOC_CODE.match(code):
            uri = occupation_uri(code)
        else:
            uri = (reference.id or reference.target_node).strip()
        if uri:
            label = reference.target_node_name.strip() or code or uri
            yield Occupation(uri=uri, preferred_label=label, code=code)
