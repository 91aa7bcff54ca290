"""Reader for a Lightcast Open Skills export as CSV."""

from __future__ import annotations

from pathlib import Path

from taxonomy._bundle import cell, read_table
from taxonomy._errors import TaxonomyFormatError
from taxonomy._model import Skill, TaxonomyRelease
from taxonomy._versions import require_version

SKILL_URL = "https://lightcast.io/open-skills/skills/{id}"
_TRUE = frozenset({"true", "1", "yes", "y"})


def read_lightcast_csv(path: Path, *, version: str, language: str = "en") -> TaxonomyRelease:
    """Read a Lightcast Open Skills CSV export (one skill a row) into a release.

    Columns are found by name, ignoring case and punctuation, in the spellings of the Skills
    API fields and of common exports: ``id`` (or ``skillId``), ``name`` (or ``skillName``),
    and optionally ``type`` (``type.name``, ``skillType``), ``category`` (``category.name``),
    ``subcategory`` (``subcategory.name``), ``description``, ``infoUrl`` (``url``),
    ``isSoftware`` and ``isLanguage``. Skill URIs are the Open Skills pages,
    ``https://lightcast.io/open-skills/skills/<id>``, built from the id so that they do not
    depend on the export having ``infoUrl``; that column, where present, becomes
    ``source_url``. ``isSoftware``/``isLanguage`` true add the tags ``software``/``language``.

    Args:
        path: The CSV file (UTF-8, with a header row).
        version: The Open Skills version the export was taken from, e.g. ``9.33``; the
            file states none, so it must be given.
        language: The language of names and descriptions.

    Returns:
        The release, framework ``lightcast``, skills only.

    Raises:
        TaxonomyFormatError: The file is missing, empty, not UTF-8 CSV, lacks the id or name
            column, has a row without id or name or a repeated id, or ``version`` is blank.
    """
    detected = require_version(version, path, "a Lightcast Open Skills CSV")
    skills: list[Skill] = []
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise TaxonomyFormatError(f"{path}: cannot open: {error.strerror or error}") from error
    with stream:
        table = read_table(stream, str(path))
        id_at = table.column("id", "skillId", "skill_id")
        name_at = table.column("name", "skillName", "skill")
        type_at = table.optional_column("type", "type.name", "typeName", "skillType")
        category_at = table.optional_column("category", "category.name", "categoryName")
        subcategory_at = table.optional_column("subcategory", "subcategory.name", "subcategoryName")
        description_at = table.optional_column("description", "skillDescription")
        url_at = table.optional_column("infoUrl", "url")
        software_at = table.optional_column("isSoftware")
        language_at = table.optional_column("isLanguage")
        seen: set[str] = set()
        for line, row in table.rows():
            skill_id, name = cell(row, id_at), cell(row, name_at)
            if not skill_id or not name:
                raise TaxonomyFormatError(f"{path}: line {line}: empty id or name")
            if skill_id in seen:
                raise TaxonomyFormatError(f"{path}: line {line}: duplicate id {skill_id}")
            seen.add(skill_id)
            flags = (
                tag
                for tag, position in (("software", software_at), ("language", language_at))
                if cell(row, position).casefold() in _TRUE
            )
            skills.append(
                Skill(
                    uri=SKILL_URL.format(id=skill_id),
                    preferred_label=name,
                    description=cell(row, description_at),
                    skill_type=cell(row, type_at),
                    code=skill_id,
                    category=cell(row, category_at),
                    subcategory=cell(row, subcategory_at),
                    source_url=cell(row, url_at),
                    tags=tuple(flags),
                )
            )
    if not skills:
        raise TaxonomyFormatError(f"{path}: no skills, only a header row")
    return TaxonomyRelease(
        framework="lightcast",
        version=detected,
        language=language,
        source=f"Lightcast Open Skills v{detected} CSV {path.name}: {len(skills)} skills",
        skills=tuple(skills),
    )
