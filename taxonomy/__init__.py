"""Versioned skills taxonomies held in memory, and readers for their published sources.

A :class:`TaxonomyRelease` is one version of one framework: skills, skill groups, hierarchy
edges, occupations, occupation-skill relations, skill-skill relations and skill
collections, as immutable msgspec Structs that the service layer persists. Several
frameworks live side by side, each release keyed by framework and version.

Sources (:func:`read_taxonomy` dispatches on the framework name):

- :func:`read_esco_bundle` (``esco``): the official ESCO CSV download (folder or zip,
  v1.1.x/v1.2.x), with skill-skill relations and skill collections.
- :func:`read_onet` (``onet``): the O*NET database text files: Skills and Knowledge
  elements, technology skills, occupations, importance-rated occupation skills.
- :func:`read_lightcast_csv` (``lightcast``): a Lightcast Open Skills CSV export.
- :func:`read_rsd_json` (``rsd``): Open Skills Network Rich Skill Descriptors.
- :func:`read_case_json` (``case``): a 1EdTech CASE 1.0 CFPackage.
- :func:`load_packaged_esco`: ESCO skills from a pinned PyPI wheel, for machines that can
  reach only PyPI.

No crosswalk between frameworks is read: ESCO occupations carry ISCO-08 codes and O*NET
occupations SOC 2018 codes, and no source at hand maps one onto the other.

Exceptions::

    TaxonomyError               also: unknown framework passed to read_taxonomy
    ├── TaxonomyFormatError     a file or column is missing or malformed (names the file)
    └── PackagedTaxonomyError   a packaged source could not be fetched or verified
"""

from taxonomy._case import read_case_json
from taxonomy._errors import PackagedTaxonomyError, TaxonomyError, TaxonomyFormatError
from taxonomy._esco_bundle import read_esco_bundle
from taxonomy._esco_packaged import load_packaged_esco
from taxonomy._labels import LabelKind, iter_skill_labels
from taxonomy._lightcast import read_lightcast_csv
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
from taxonomy._onet import read_onet
from taxonomy._read import FRAMEWORKS, Framework, read_taxonomy
from taxonomy._rsd import read_rsd_json

__all__ = [
    "FRAMEWORKS",
    "BroaderRelation",
    "Framework",
    "LabelKind",
    "Occupation",
    "OccupationSkill",
    "OccupationSkillRelationType",
    "PackagedTaxonomyError",
    "Skill",
    "SkillCollection",
    "SkillGroup",
    "SkillRelation",
    "TaxonomyError",
    "TaxonomyFormatError",
    "TaxonomyRelease",
    "iter_skill_labels",
    "load_packaged_esco",
    "read_case_json",
    "read_esco_bundle",
    "read_lightcast_csv",
    "read_onet",
    "read_rsd_json",
    "read_taxonomy",
]
