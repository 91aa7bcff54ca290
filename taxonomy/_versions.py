"""Version arguments for sources that do not state their version."""

from __future__ import annotations

from pathlib import Path

from taxonomy._errors import TaxonomyFormatError


def require_version(version: str | None, path: Path, what: str) -> str:
    """Return ``version`` stripped; raise when it is absent or blank.

    Args:
        version: The version the caller gave.
        path: The file being read, for the message.
        what: What the file is, for the message (``a Lightcast Open Skills CSV``).

    Raises:
        TaxonomyFormatError: No version was given.
    """
    if version is None or not version.strip():
        raise TaxonomyFormatError(
            f"{path}: {what} states no version; pass it explicitly (version=..., CLI --version)"
        )
    return version.strip()
