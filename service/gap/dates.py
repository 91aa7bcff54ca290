"""Posting dates as job-board and ATS exports write them.

Accepted, each in UTC (a time without an offset is taken as UTC):

- ISO 8601 dates and times (``2024-03-05``, ``2024-03-05T09:30:00Z``, ``2024-03-05 09:30``),
  and ``2024/03/05``;
- numeric day-month-year with ``/``, ``-`` or ``.`` (``05/03/2024``, ``3/5/24``,
  ``05.03.2024``), with an optional ``HH:MM[:SS]`` time. Dots are day first (the European
  way); for ``/`` and ``-`` one upload is read one way: day first when some date of the
  upload can only be day first (its first number is over 12) and none can only be month
  first, else month first (the US way). A two-digit year is 20YY;
- month names (``5 March 2024``, ``March 5, 2024``, ``Mar 5 2024``, ``05-Mar-2024``);
- RFC 2822 (``Tue, 05 Mar 2024 09:30:00 GMT``), as RSS feeds write them.

Anything else (``30+ days ago``, ``yesterday``) is not guessed at: the posting is kept without
a date and the row gets a warning saying what could not be read.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

_NUMERIC = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:[ T](?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?)?"
)
_YEAR_FIRST_SLASHES = re.compile(r"(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})")
_NAMED_FORMATS = (
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d %b, %Y",
    "%b. %d, %Y",
)
_MONTHS = 12


@dataclass(frozen=True, slots=True)
class DateReader:
    """Reads the dates of one upload, with its day-first or month-first convention.

    Attributes:
        day_first: Numeric ``/`` and ``-`` dates are day-month-year.
    """

    day_first: bool = False

    @classmethod
    def for_values(cls, values: Iterable[str]) -> DateReader:
        """The convention the upload's own numeric dates reveal (month first by default).

        Args:
            values: Every date string of the upload.
        """
        only_day_first = only_month_first = False
        for value in values:
            found = _NUMERIC.fullmatch(value.strip())
            if found is None or found["sep"] == ".":
                continue
            first, second = int(found["a"]), int(found["b"])
            only_day_first |= first > _MONTHS >= second
            only_month_first |= second > _MONTHS >= first
        return cls(day_first=only_day_first and not only_month_first)

    def read(self, value: str) -> datetime:
        """The date or time, in UTC.

        Raises:
            ValueError: Not a date in any accepted form (the message says which forms).
        """
        text = value.strip()
        for parse in (self._iso, self._numeric, _named, _rfc2822):
            parsed = parse(text)
            if parsed is not None:
                aware = parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
                return aware.astimezone(UTC)
        raise ValueError(
            f"{text[:40]!r} is not a date (ISO 8601, DD.MM.YYYY, MM/DD/YYYY or DD/MM/YYYY, "
            "5 March 2024, March 5, 2024, or RFC 2822)"
        )

    @staticmethod
    def _iso(text: str) -> datetime | None:
        slashes = _YEAR_FIRST_SLASHES.fullmatch(text)
        if slashes is not None:
            return _checked(int(slashes["year"]), int(slashes["month"]), int(slashes["day"]))
        if not text[:4].isdigit():
            return None
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            return None

    def _numeric(self, text: str) -> datetime | None:
        found = _NUMERIC.fullmatch(text)
        if found is None:
            return None
        first, second = int(found["a"]), int(found["b"])
        day_first = self.day_first or found["sep"] == "."
        day, month = (first, second) if day_first else (second, first)
        year = int(found["year"])
        if len(found["year"]) == 2:  # noqa: PLR2004 - a two-digit year
            year += 2000
        return _checked(
            year,
            month,
            day,
            hour=int(found["hour"] or 0),
            minute=int(found["minute"] or 0),
            second=int(found["second"] or 0),
        )


def _checked(
    year: int, month: int, day: int, *, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime | None:
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _named(text: str) -> datetime | None:
    cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for pattern in _NAMED_FORMATS:
        try:
            return datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
    return None


def _rfc2822(text: str) -> datetime | None:
    if "," not in text and ":" not in text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
