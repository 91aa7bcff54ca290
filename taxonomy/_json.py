"""Loading JSON taxonomy files with errors that name the file and the place at fault."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import msgspec

from taxonomy._errors import TaxonomyFormatError

_T = TypeVar("_T")


def load_json(path: Path) -> object:
    """Parse the JSON file at ``path``.

    Raises:
        TaxonomyFormatError: The file is missing, empty, not UTF-8, or not JSON (the message
            gives the line and column of the syntax error).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TaxonomyFormatError(f"{path}: cannot read: {error.strerror or error}") from error
    if not data.strip():
        raise TaxonomyFormatError(f"{path}: empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TaxonomyFormatError(f"{path}: not UTF-8 text: {error}") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise TaxonomyFormatError(
            f"{path}: line {error.lineno} column {error.colno}: invalid JSON: {error.msg}"
        ) from error


def convert(value: object, kind: type[_T], where: str) -> _T:
    """Convert parsed JSON to ``kind``; a mismatch names its JSON path, e.g. ``$.CFItems[3]``.

    Raises:
        TaxonomyFormatError: ``value`` does not have the shape of ``kind``.
    """
    try:
        return msgspec.convert(value, kind)
    except msgspec.ValidationError as error:
        raise TaxonomyFormatError(f"{where}: {error}") from error
