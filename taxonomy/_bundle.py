"""Table files of a bundle given as a folder or a zip archive, read as streams of rows.

Comma-separated files are read as CSV with quoting; tab-separated files (O*NET) are read
without quote handling, since their cells hold quotes as plain text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import IO, Self

from taxonomy._errors import TaxonomyFormatError

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]")
_LISTED_FILES = 30


def normalise_header(name: str) -> str:
    """Reduce a header name to lower-case letters and digits ("Level 0 URI" -> level0uri)."""
    return _NOT_ALPHANUMERIC.sub("", name.casefold())


class _LineCounting(Iterator[list[str]]):
    """A csv reader that remembers the number of the last line it read."""

    def __init__(self, stream: IO[str], delimiter: str) -> None:
        if delimiter == "\t":
            self._reader = csv.reader(stream, delimiter="\t", quoting=csv.QUOTE_NONE)
        else:
            self._reader = csv.reader(stream, delimiter=delimiter)

    def __next__(self) -> list[str]:
        return next(self._reader)

    @property
    def line_num(self) -> int:
        return self._reader.line_num


class Table:
    """The rows of one CSV file, with columns found by header name."""

    def __init__(self, where: str, header: Sequence[str], reader: _LineCounting) -> None:
        self.where = where
        self._header = [name.strip() for name in header]
        self._reader = reader
        self._index: dict[str, int] = {}
        for position, name in enumerate(self._header):
            self._index.setdefault(normalise_header(name), position)

    def column(self, name: str, *aliases: str) -> int:
        """Return the position of a mandatory column.

        Args:
            name: The column's usual name; matched ignoring case, spaces and punctuation.
            *aliases: Other names the column goes by in some releases.

        Raises:
            TaxonomyFormatError: No column has any of these names.
        """
        position = self.optional_column(name, *aliases)
        if position is None:
            names = " or ".join(repr(candidate) for candidate in (name, *aliases))
            header = ", ".join(self._header) or "(empty)"
            raise TaxonomyFormatError(f"{self.where}: missing column {names}; header is: {header}")
        return position

    def optional_column(self, name: str, *aliases: str) -> int | None:
        """Return the position of a column, or None when the file has none of these names."""
        for candidate in (name, *aliases):
            position = self._index.get(normalise_header(candidate))
            if position is not None:
                return position
        return None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line number, cells)`` for every non-blank row after the header.

        Raises:
            TaxonomyFormatError: The file is not valid CSV or not UTF-8 text.
        """
        reader = self._reader
        try:
            for row in reader:
                if any(row):
                    yield reader.line_num, row
        except (csv.Error, UnicodeDecodeError) as error:
            raise TaxonomyFormatError(
                f"{self.where}: unreadable after line {reader.line_num}: {error}"
            ) from error


def read_table(stream: IO[str], where: str, delimiter: str = ",") -> Table:
    """Read the header of a CSV text stream; return the table of its remaining rows.

    Args:
        stream: The CSV text, opened with ``newline=""``.
        where: The file's name and location, for messages.
        delimiter: The cell separator; a tab reads tab-separated text without quoting.

    Raises:
        TaxonomyFormatError: The stream is empty or its header is unreadable.
    """
    reader = _LineCounting(stream, delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TaxonomyFormatError(f"{where}: empty file, no header row") from None
    except (UnicodeDecodeError, csv.Error) as error:
        raise TaxonomyFormatError(f"{where}: unreadable: {error}") from error
    return Table(where, header, reader)


def cell(row: Sequence[str], position: int | None) -> str:
    """Return the stripped value at ``position``; ``""`` for an absent column or a short row."""
    if position is None or position >= len(row):
        return ""
    return row[position].strip()


class Bundle:
    """A set of table files in a folder or a zip archive, at the top or in one subfolder.

    The bundle's files are those beside its anchor file (for ESCO, ``skills_en.csv``).
    """

    def __init__(
        self,
        path: Path,
        anchors: Sequence[str],
        expected: str,
        *,
        suffix: str = ".csv",
        delimiter: str = ",",
    ) -> None:
        """Locate the anchor file in ``path``.

        Args:
            path: A folder or a zip archive.
            anchors: File names, any of which marks the folder holding the bundle, in order
                of preference (case is ignored).
            expected: A description of the files the caller expects, for error messages.
            suffix: The file name suffix of the bundle's table files (case is ignored).
            delimiter: The cell separator of the table files.

        Raises:
            TaxonomyFormatError: ``path`` does not exist, is neither a folder nor a zip, or
                holds no anchor file (or holds it in more than one subfolder).
        """
        self.path = path
        self._delimiter = delimiter
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            files = _folder_files(path, suffix)
        elif path.is_file() and zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            files = _zip_files(self._zip, suffix)
        elif path.exists():
            raise TaxonomyFormatError(f"{path}: neither a folder nor a zip archive")
        else:
            raise TaxonomyFormatError(f"{path}: no such file or folder")
        try:
            self.folder, self._files = _choose_folder(path, files, anchors, expected)
        except TaxonomyFormatError:
            self.close()
            raise
        # The name of the first anchor present; the chosen folder holds one by construction.
        self.anchor = next(
            PurePosixPath(self._files[name.casefold()]).name
            for name in anchors
            if name.casefold() in self._files
        )

    @property
    def folder_name(self) -> str:
        """The name of the subfolder holding the files; ``""`` when they are at the top."""
        return self.folder.name

    def names(self) -> list[str]:
        """Return the names of the bundle's files, sorted."""
        return sorted(PurePosixPath(member).name for member in self._files.values())

    def find(self, names: Sequence[str]) -> str | None:
        """Return the bundle's name for the first of ``names`` it holds (case is ignored)."""
        for name in names:
            found = self._files.get(name.casefold())
            if found is not None:
                return PurePosixPath(found).name
        return None

    def where(self, name: str) -> str:
        """Describe where file ``name`` lives, for messages and provenance."""
        member = self._files[name.casefold()]
        if self._zip is not None:
            return f"{member} in {self.path}"
        return str(self.path / member)

    @contextmanager
    def table(self, name: str) -> Iterator[Table]:
        """Open file ``name`` (as returned by :meth:`find`) and read its header.

        Raises:
            TaxonomyFormatError: The file is empty or its header is unreadable.
        """
        with self._open_text(name) as stream:
            yield read_table(stream, self.where(name), self._delimiter)

    def read_text(self, name: str) -> str:
        """Return the whole text of file ``name``, a file of any suffix beside the bundle's.

        Raises:
            TaxonomyFormatError: The file is absent or not UTF-8 text.
        """
        member = str(self.folder / name)
        try:
            if self._zip is None:
                data = (self.path / member).read_bytes()
            else:
                data = self._zip.read(member)
            return data.decode("utf-8-sig")
        except (OSError, KeyError, UnicodeDecodeError) as error:
            raise TaxonomyFormatError(f"{self.path}: cannot read {member}: {error}") from error

    @contextmanager
    def _open_text(self, name: str) -> Iterator[IO[str]]:
        member = self._files[name.casefold()]
        if self._zip is None:
            with (self.path / member).open(encoding="utf-8-sig", newline="") as stream:
                yield stream
            return
        with (
            self._zip.open(member) as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as stream,
        ):
            yield stream

    def close(self) -> None:
        """Close the zip archive, if the bundle is one."""
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _folder_files(path: Path, suffix: str) -> list[PurePosixPath]:
    """List ``suffix`` files at the top of ``path`` and one level down, relative to ``path``."""
    found: list[PurePosixPath] = []
    for child in sorted(path.iterdir()):
        if child.is_dir():
            found.extend(
                PurePosixPath(child.name, grandchild.name)
                for grandchild in sorted(child.iterdir())
                if grandchild.is_file() and grandchild.suffix.casefold() == suffix
            )
        elif child.is_file() and child.suffix.casefold() == suffix:
            found.append(PurePosixPath(child.name))
    return found


def _zip_files(archive: zipfile.ZipFile, suffix: str) -> list[PurePosixPath]:
    """List ``suffix`` members of ``archive``, leaving out macOS resource forks."""
    found: list[PurePosixPath] = []
    for info in archive.infolist():
        member = PurePosixPath(info.filename)
        if info.is_dir() or member.suffix.casefold() != suffix:
            continue
        if "__MACOSX" in member.parts or member.name.startswith("._"):
            continue
        found.append(member)
    return found


def _choose_folder(
    path: Path, files: list[PurePosixPath], anchors: Sequence[str], expected: str
) -> tuple[PurePosixPath, dict[str, str]]:
    """Pick the shallowest folder holding an anchor file; map its files' names to paths."""
    wanted = {name.casefold() for name in anchors}
    holders = {file.parent for file in files if file.name.casefold() in wanted}
    if not holders:
        listed = ", ".join(str(file) for file in files[:_LISTED_FILES]) or "no table files"
        more = f" and {len(files) - _LISTED_FILES} more" if len(files) > _LISTED_FILES else ""
        raise TaxonomyFormatError(
            f"{path}: not a recognised bundle; expected {expected} at the top or in one "
            f"subfolder; found: {listed}{more}"
        )
    depth = min(len(holder.parts) for holder in holders)
    shallowest = sorted(holder for holder in holders if len(holder.parts) == depth)
    if len(shallowest) > 1:
        folders = ", ".join(str(holder) for holder in shallowest)
        raise TaxonomyFormatError(f"{path}: ambiguous, more than one bundle folder: {folders}")
    folder = shallowest[0]
    members: dict[str, str] = {}
    for file in files:
        if file.parent == folder:
            members.setdefault(file.name.casefold(), str(file))
    return folder, members
