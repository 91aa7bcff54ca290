"""Reader for 1EdTech CASE 1.0 competency frameworks (a CFPackage as JSON)."""

from __future__ import annotations

from pathlib import Path

import msgspec

from taxonomy._errors import TaxonomyFormatError
from taxonomy._json import convert, load_json
from taxonomy._model import BroaderRelation, Skill, SkillRelation, TaxonomyRelease
from taxonomy._versions import require_version

_CHILD_OF = "ischildof"


class _NodeRef(msgspec.Struct):
    uri: str = ""
    identifier: str = ""
    title: str = ""


class _Document(msgspec.Struct, kw_only=True):
    uri: str
    title: str
    identifier: str = ""
    version: str = ""
    language: str = ""


class _Item(msgspec.Struct, kw_only=True):
    uri: str
    full_statement: str = msgspec.field(name="fullStatement")
    identifier: str = ""
    human_coding_scheme: str = msgspec.field(name="humanCodingScheme", default="")
    abbreviated_statement: str = msgspec.field(name="abbreviatedStatement", default="")
    item_type: str = msgspec.field(name="CFItemType", default="")
    concept_keywords: list[str] = msgspec.field(name="conceptKeywords", default_factory=list)


class _Association(msgspec.Struct, kw_only=True):
    association_type: str = msgspec.field(name="associationType")
    origin: _NodeRef = msgspec.field(name="originNodeURI")
    destination: _NodeRef = msgspec.field(name="destinationNodeURI")


class _Package(msgspec.Struct, kw_only=True):
    document: _Document = msgspec.field(name="CFDocument")
    items: list[_Item] = msgspec.field(name="CFItems", default_factory=list)
    associations: list[_Association] = msgspec.field(name="CFAssociations", default_factory=list)


def read_case_json(
    path: Path, *, version: str | None = None, language: str | None = None
) -> TaxonomyRelease:
    """Read a 1EdTech CASE 1.0 CFPackage (``CFDocument``, ``CFItems``, ``CFAssociations``).

    Every CFItem becomes a skill: URI ``uri``; preferred label ``abbreviatedStatement``
    when given, else ``fullStatement``; description ``fullStatement`` when it is not the
    label; ``code`` its ``humanCodingScheme``; ``skill_type`` its ``CFItemType``; tags its
    ``conceptKeywords``. ``isChildOf`` associations between items become hierarchy edges
    (origin narrower, destination broader; those pointing at the CFDocument only mark top
    items and are dropped); every other association type (``isRelatedTo``,
    ``exactMatchOf``, ``precedes``, ...) becomes a :class:`SkillRelation` named by its type.
    Association ends are matched to items by URI, or by identifier when the URI is absent.

    Args:
        path: The JSON file holding the CFPackage.
        version: The framework version; by default the CFDocument's ``version``, which
            CASE leaves optional (then it must be given).
        language: The language; by default the CFDocument's ``language``, else ``en``.

    Returns:
        The release, framework ``case``.

    Raises:
        TaxonomyFormatError: The file is missing, empty or not JSON; the package lacks
            ``CFDocument``, an item lacks ``uri`` or ``fullStatement``, an association lacks
            its type or ends, a field has the wrong type (each named by its JSON path, e.g.
            ``$.CFItems[3]``); an item URI repeats; or no version is known.
    """
    package = convert(load_json(path), _Package, str(path))
    document = package.document
    detected = require_version(version or document.version or None, path, "this CFDocument")
    by_identifier: dict[str, str] = {}
    seen: set[str] = set()
    skills: list[Skill] = []
    for index, item in enumerate(package.items):
        uri = item.uri.strip()
        if not uri or not item.full_statement.strip():
            raise TaxonomyFormatError(f"{path}: $.CFItems[{index}]: empty uri or fullStatement")
        if uri in seen:
            raise TaxonomyFormatError(f"{path}: $.CFItems[{index}]: duplicate uri {uri}")
        seen.add(uri)
        if item.identifier.strip():
            by_identifier[item.identifier.strip()] = uri
        skills.append(_skill(uri, item))
    document_ends = {end for end in (document.uri, document.identifier) if end}
    broader: dict[tuple[str, str], None] = {}
    relations: dict[tuple[str, str, str], None] = {}
    for index, association in enumerate(package.associations):
        if _end(association.destination, {}) in document_ends:
            continue
        origin = _end(association.origin, by_identifier)
        destination = _end(association.destination, by_identifier)
        if not origin or not destination or not association.association_type.strip():
            raise TaxonomyFormatError(
                f"{path}: $.CFAssociations[{index}]: empty associationType or node reference"
            )
        kind = association.association_type.strip()
        if kind.casefold() == _CHILD_OF:
            broader[origin, destination] = None
        else:
            relations[origin, destination, kind] = None
    return TaxonomyRelease(
        framework="case",
        version=detected,
        language=language or document.language or "en",
        source=f"1EdTech CASE package {path.name}: {document.title} <{document.uri}>",
        skills=tuple(skills),
        broader=tuple(
            BroaderRelation(narrower_uri=narrower, broader_uri=parent)
            for narrower, parent in broader
        ),
        skill_relations=tuple(
            SkillRelation(source_uri=source, target_uri=target, relation=kind)
            for source, target, kind in relations
        ),
    )


def _end(node: _NodeRef, by_identifier: dict[str, str]) -> str:
    """Return the URI an association end names: its uri, or the item with its identifier."""
    return node.uri.strip() or by_identifier.get(node.identifier.strip(), node.identifier.strip())


def _skill(uri: str, item: _Item) -> Skill:
    full = item.full_statement.strip()
    label = item.abbreviated_statement.strip() or full
    return Skill(
        uri=uri,
        preferred_label=label,
        description=full if full != label else "",
        skill_type=item.item_type.strip(),
        code=item.human_coding_scheme.strip(),
        tags=tuple(dict.fromkeys(word.strip() for word in item.concept_keywords if word.strip())),
    )
