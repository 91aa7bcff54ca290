"""One entry point for every supported taxonomy source."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

from taxonomy._case import read_case_json
from taxonomy._errors import TaxonomyError
from taxonomy._esco_bundle import read_esco_bundle
from taxonomy._lightcast import read_lightcast_csv
from taxonomy._model import TaxonomyRelease
from taxonomy._onet import read_onet
from taxonomy._rsd import read_rsd_json
from taxonomy._versions import require_version

Framework = Literal["esco", "onet", "lightcast", "rsd", "case"]
FRAMEWORKS: tuple[Framework, ...] = get_args(Framework)
_ENGLISH = "en"


def read_taxonomy(
    path: Path,
    framework: str,
    *,
    version: str | None = None,
    language: str | None = None,
) -> TaxonomyRelease:
    """Read a taxonomy source of the given framework.

    - ``esco``: the ESCO CSV bundle, folder or zip (:func:`read_esco_bundle`); version from
      the folder or zip name.
    - ``onet``: the O*NET text files, folder or zip (:func:`read_onet`); version from
      ``Read Me.txt`` or the name.
    - ``lightcast``: a Lightcast Open Skills CSV (:func:`read_lightcast_csv`); version
      required.
    - ``rsd``: Open Skills Network Rich Skill Descriptor JSON (:func:`read_rsd_json`);
      version required.
    - ``case``: a 1EdTech CASE 1.0 CFPackage JSON (:func:`read_case_json`); version from the
      CFDocument, else required.

    Args:
        path: The file or folder to read.
        framework: One of ``esco``, ``onet``, ``lightcast``, ``rsd``, ``case`` (case is
            ignored).
        version: The version; overrides the one the source states, and is required where
            the source states none.
        language: The release language; ESCO reads the files of this language, O*NET is
            English only; by default ``en`` (CASE: the CFDocument's language).

    Returns:
        The release.

    Raises:
        TaxonomyFormatError: The source is missing or malformed, or states no version and
            none was given.
        TaxonomyError: ``framework`` is not supported, or O*NET is asked for in a language
            other than English.
    """
    name = framework.strip().casefold()
    if name == "esco":
        return read_esco_bundle(path, version=version, language=language or _ENGLISH)
    if name == "onet":
        if language not in (None, _ENGLISH):
            raise TaxonomyError(f"O*NET is published in English only, not {language!r}")
        return read_onet(path, version=version)
    if name == "lightcast":
        return read_lightcast_csv(
            path,
            version=require_version(version, path, "a Lightcast Open Skills CSV"),
            language=language or _ENGLISH,
        )
    if name == "rsd":
        return read_rsd_json(
            path,
            version=require_version(version, path, "a Rich Skill Descriptor file"),
            language=language or _ENGLISH,
        )
    if name == "case":
        return read_case_json(path, version=version, language=language)
    raise TaxonomyError(
        f"unknown taxonomy framework {framework!r}; expected one of: {', '.join(FRAMEWORKS)}"
    )
