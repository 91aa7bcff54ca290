"""Job postings for gap reports: upload (JSONL, CSV or a JSON array), skill extraction, storage.

Each posting has a title and a description (at least one of them non-blank), and optionally
a date (in any form `service.gap.dates` reads; one it cannot read leaves the posting
undated, with a warning), a location, an occupation (an ESCO URI, the URI's last segment or
the occupation code) and an ``externalId``. Its skills are read with the same mapper as
``/v1/match`` (:meth:`ingest.mapping.SkillMapper.extract_requirements`: the description
phrase by phrase, its first `MAPPED_DESCRIPTION_CHARS` characters only, with a warning, the
title only when there is no description, must-have or nice-to-have from the text); the
best skill of each requirement phrase is stored, a skill named as both must-have and
nice-to-have counting as must-have. Phrases of many postings are encoded together. The
title is also matched against the release's occupation titles (:func:`read_titles`): the
closest occupation and the cosine are stored, and a gap report counts that occupation's
essential skills when the cosine reaches the matching threshold, as ``/v1/match`` does.

Uploads are idempotent: a posting is keyed by its ``externalId``, or by a hash of its content
when it has none. The same posting uploaded again is a duplicate (nothing is read again); a
posting whose ``externalId`` is known but whose content changed replaces the stored one.

A bad row never stops the others: it is reported with its row number, the field and the
reason. Rows are numbered from 1: NDJSON by line, CSV by record after the header, a JSON
array by position. CSV headers and JSON keys are matched case-insensitively and the names
exports use are accepted (``job_title``, ``post_date``, ``date_posted``, ``created``,
``label`` for the occupation, ...); other CSV columns are ignored, other JSON keys refused.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal, NamedTuple

import msgspec
from rich.progress import Progress
from sqlalchemy.orm import Session

from ingest.mapping import JobReading, PhraseRequirement, TooManyPhrasesError
from service.bulk import WorkerPool, open_pool
from service.db import registry
from service.db.engine import build_engine, session_factory, unit_of_work
from service.db.models import JobPosting, Occupation, Skill
from service.errors import (
    InvalidRequestError,
    NotFoundError,
    NotReadyError,
    UnprocessableRequestError,
    UnsupportedPostingFormatError,
)
from service.gap import repository as gap_repo
from service.gap.dates import DateReader
from service.gap.repository import PostingValues
from service.runtime import Runtime
from service.settings import Settings
from service.taxonomy import service as taxonomy_service
from service.taxonomy.service import TaxonomyContext, short_id

PostingFormat = Literal["ndjson", "csv", "json"]
MEDIA_TYPES: dict[str, PostingFormat] = {
    "application/x-ndjson": "ndjson",
    "application/jsonl": "ndjson",
    "application/ndjson": "ndjson",
    "text/csv": "csv",
    "application/json": "json",
}
MAX_TITLE = 500
MAX_DESCRIPTION = 200_000
"""Longest description stored (a longer row is refused)."""
MAPPED_DESCRIPTION_CHARS = 20_000
"""Characters of a description whose skills are read: a longer ad is stored whole, its
first 20,000 characters mapped, and the row gets a warning."""
MAX_LOCATION = 200
MAX_OCCUPATION = 300
MAX_EXTERNAL_ID = 200
MAX_ROWS = 200_000
MAX_REPORTED_ERRORS = 500
EXTRACTION_BATCH = 64
"""Postings whose phrases go through the encoder in one call."""

_FIELDS = ("title", "description", "date", "location", "occupation", "externalId")
_CSV_ALIASES = {
    "title": "title",
    "job_title": "title",
    "jobtitle": "title",
    "description": "description",
    "job_description": "description",
    "date": "date",
    "posted": "date",
    "posted_at": "date",
    "postedat": "date",
    "dateposted": "date",
    "date_posted": "date",
    "post_date": "date",
    "postdate": "date",
    "posting_date": "date",
    "publication_date": "date",
    "published": "date",
    "published_at": "date",
    "created": "date",
    "created_at": "date",
    "date_created": "date",
    "location": "location",
    "occupation": "occupation",
    "occupation_code": "occupation",
    "label": "occupation",
    "externalid": "externalId",
    "external_id": "externalId",
    "id": "externalId",
}


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row was rejected (or what was noticed about an accepted one)."""

    row: int
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class PostingIn:
    """One posting as uploaded, validated."""

    row: int
    title: str
    description: str
    posted_at: datetime | None = None
    location: str = ""
    occupation: str = ""
    external_id: str = ""
    notes: tuple[RowProblem, ...] = ()
    """Warnings about the row (a date not read, a description mapped in part)."""

    @property
    def mapped_text(self) -> str:
        """What the skills are read from: the description (capped), else the title."""
        return self.description[:MAPPED_DESCRIPTION_CHARS] if self.description else self.title

    @property
    def content_hash(self) -> str:
        """SHA-256 of everything the posting says (its identity when it has no id)."""
        posted = self.posted_at.isoformat() if self.posted_at else ""
        parts = [self.title, self.description, posted, self.location, self.occupation]
        return hashlib.sha256(msgspec.json.encode(parts)).hexdigest()

    @property
    def key(self) -> str:
        """The stored external id: the given one, or the content hash."""
        return self.external_id or f"sha256:{self.content_hash}"


ParsedRow = PostingIn | RowProblem


@dataclass(slots=True)
class ImportSummary:
    """What an upload did."""

    total: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    without_skills: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        """Rows stored or already stored."""
        return self.created + self.updated + self.duplicates

    def reject(self, problem: RowProblem) -> None:
        """Count a rejected row (its reason kept up to the report limit)."""
        self.rejected += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(problem)

    def warn(self, problem: RowProblem) -> None:
        """Keep a note on an accepted row (up to the report limit)."""
        if len(self.warnings) < MAX_REPORTED_ERRORS:
            self.warnings.append(problem)


def posting_format(content_type: str | None) -> PostingFormat:
    """The upload format named by a ``Content-Type`` header.

    Raises:
        UnsupportedPostingFormatError: Not NDJSON/JSONL, CSV or JSON.
    """
    media = (content_type or "").split(";", 1)[0].strip().lower()
    found = MEDIA_TYPES.get(media)
    if found is None:
        accepted = ", ".join(MEDIA_TYPES)
        raise UnsupportedPostingFormatError(
            f"postings cannot be read from {media or 'a body without Content-Type'}; "
            f"send one of {accepted}"
        )
    return found


def parse_postings(body: bytes, kind: PostingFormat) -> list[ParsedRow]:
    """Every row of an upload: a valid posting, or the problem with it.

    Raises:
        InvalidRequestError: The body as a whole cannot be read (not UTF-8, not a JSON
            array, a CSV without title or description column), holds no row, or too many.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidRequestError(f"the body is not UTF-8 text: {error.reason}") from None
    if kind == "csv":
        fields = list(_csv_rows(text))
    elif kind == "json":
        fields = list(_json_array_rows(text))
    else:
        fields = list(_ndjson_rows(text))
    if not fields:
        raise UnprocessableRequestError("the body holds no posting")
    if len(fields) > MAX_ROWS:
        raise InvalidRequestError(f"the body holds {len(fields)} postings; at most {MAX_ROWS}")
    dates = DateReader.for_values(
        row[1].get("date", "") for row in fields if not isinstance(row, RowProblem)
    )
    return [row if isinstance(row, RowProblem) else _validated(*row, dates) for row in fields]


RowFields = tuple[int, dict[str, str]] | RowProblem
"""A row's number and its string fields by canonical name, or why it cannot be read."""


def _ndjson_rows(text: str) -> Iterator[RowFields]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = msgspec.json.decode(line.encode())
        except msgspec.DecodeError as error:
            yield RowProblem(number, "", f"not valid JSON: {error}")
            continue
        except RecursionError:
            yield RowProblem(number, "", "JSON nesting is too deep")
            continue
        yield _from_object(number, value)


def _json_array_rows(text: str) -> Iterator[RowFields]:
    try:
        values = msgspec.json.decode(text.encode())
    except msgspec.DecodeError as error:
        raise InvalidRequestError(f"the body is not valid JSON: {error}") from None
    except RecursionError:
        raise InvalidRequestError("the body's JSON nesting is too deep") from None
    if not isinstance(values, list):
        raise InvalidRequestError("a JSON body must be an array of posting objects")
    for number, value in enumerate(values, start=1):
        yield _from_object(number, value)


def _from_object(number: int, value: Any) -> RowFields:
    if not isinstance(value, dict):
        return RowProblem(number, "", "a posting must be a JSON object")
    unknown = sorted(name for name in value if _canonical(name) is None)
    if unknown:
        return RowProblem(
            number, _shown(unknown[0]), f"unknown field; known fields: {', '.join(_FIELDS)}"
        )
    fields: dict[str, str] = {}
    for name, item in value.items():
        if item is not None and not isinstance(item, str):
            return RowProblem(number, name, "must be a string")
        canonical = _canonical(name)
        if item is not None and canonical is not None:
            if canonical in fields:
                return RowProblem(number, name, f"a second field for {canonical}")
            fields[canonical] = item
    return number, fields


def _shown(name: str) -> str:
    """A key as a row problem names it: control characters (NUL included) escaped."""
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name[:100])


def _canonical(name: str) -> str | None:
    """The posting field a JSON key or CSV column names (case-insensitive, with aliases)."""
    return name if name in _FIELDS else _CSV_ALIASES.get(name.strip().lower())


def _csv_records(text: str) -> Iterator[list[str]]:
    """The CSV's records.

    Raises:
        InvalidRequestError: The CSV cannot be read on (a cell over the csv module's size
            limit, a malformed quote): the parser cannot find the next record after that.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnprocessableRequestError(
                f"the CSV cannot be read at line {reader.line_num}: {error}"
            ) from None
        yield record


def _csv_rows(text: str) -> Iterator[RowFields]:
    reader = _csv_records(text)
    header = next(reader, None)
    if header is None:
        return
    columns = {n: _CSV_ALIASES.get(name.strip().lower()) for n, name in enumerate(header)}
    named = set(columns.values())
    if "title" not in named and "description" not in named:
        raise UnprocessableRequestError(
            "the CSV header names neither a title (title, job_title) nor a description column"
        )
    for number, record in enumerate(reader, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(header):
            yield RowProblem(number, "", f"{len(record)} cells for {len(header)} columns")
            continue
        values: dict[str, str] = {}
        for position, cell in enumerate(record):
            name = columns.get(position)
            if name is not None and name not in values:  # the first column of a field counts
                values[name] = cell
        yield number, values


def _validated(number: int, values: dict[str, str], dates: DateReader) -> ParsedRow:
    """A posting from its string fields, or the first problem found."""
    limits = {
        "title": MAX_TITLE,
        "description": MAX_DESCRIPTION,
        "location": MAX_LOCATION,
        "occupation": MAX_OCCUPATION,
        "externalId": MAX_EXTERNAL_ID,
    }
    cleaned = {name: values.get(name, "").strip() for name in _FIELDS}
    for name, limit in limits.items():
        if len(cleaned[name]) > limit:
            return RowProblem(number, name, f"longer than {limit} characters")
    for name, value in cleaned.items():
        if "\x00" in value:  # PostgreSQL text cannot hold it
            return RowProblem(number, name, "holds a NUL character")
    if not cleaned["title"] and not cleaned["description"]:
        return RowProblem(number, "description", "title and description are both empty")
    notes: list[RowProblem] = []
    posted_at = None
    if cleaned["date"]:
        try:
            posted_at = dates.read(cleaned["date"])
        except ValueError as error:
            notes.append(RowProblem(number, "date", f"{error}; the posting is kept undated"))
    if len(cleaned["description"]) > MAPPED_DESCRIPTION_CHARS:
        notes.append(
            RowProblem(
                number,
                "description",
                f"{len(cleaned['description'])} characters; skills are read from the first "
                f"{MAPPED_DESCRIPTION_CHARS} (the whole text is stored)",
            )
        )
    return PostingIn(
        row=number,
        title=cleaned["title"],
        description=cleaned["description"],
        posted_at=posted_at,
        location=cleaned["location"],
        occupation=cleaned["occupation"],
        external_id=cleaned["externalId"],
        notes=tuple(notes),
    )


class OccupationResolver:
    """Finds an occupation of the release by URI, URI segment or code.

    Args:
        rows: (id, URI, code) of the release's occupations.
    """

    def __init__(self, rows: Sequence[tuple[int, str, str]]) -> None:
        self._ids: dict[str, int] = {}
        for occupation_id, uri, code in rows:
            for key in (uri, short_id(uri), code):
                if key:
                    self._ids.setdefault(key, occupation_id)

    def find(self, identifier: str) -> int | None:
        """The occupation's id, or None when the release has no such occupation."""
        return self._ids.get(identifier)


def demanded_skills(requirements: Sequence[PhraseRequirement]) -> list[tuple[int, str, float, str]]:
    """One row per skill a posting demands: (skill id, strength, confidence, phrase).

    The best skill of each requirement phrase counts; must-have beats nice-to-have, then
    the higher confidence.
    """
    best: dict[int, tuple[int, str, float, str]] = {}
    for requirement in requirements:
        top = requirement.skills[0]
        row = (top.skill_id, requirement.strength, top.confidence, requirement.phrase.text)
        held = best.get(top.skill_id)
        if held is None or (row[1] == "must", row[2]) > (held[1] == "must", held[2]):
            best[top.skill_id] = row
    return sorted(best.values())


ProgressCallback = Callable[[int, ImportSummary], None]


class PostingText(NamedTuple):
    """What is read of a posting: the text its skills come from and its title."""

    text: str
    title: str


TitleReading = tuple[int | None, float | None]
"""(occupation id, cosine) stored for a posting's title: (None, None) not read (a release
without occupations), (None, 0.0) read and naming nothing (no title)."""

PostingReading = tuple[JobReading | TooManyPhrasesError, TitleReading]
"""A posting as read: the requirements of its text (or why it was refused), its title."""

JobReader = Callable[[list[PostingText]], list[PostingReading]]
"""Reads postings, in order (by default :func:`read_posting_texts`, here)."""


def read_posting_texts(
    context: TaxonomyContext, postings: Sequence[PostingText]
) -> list[PostingReading]:
    """The requirements of each posting's text and the occupation its title names."""
    readings = context.mapper.read_jobs([posting.text for posting in postings])
    titles = read_titles(context, [posting.title for posting in postings])
    return list(zip(readings, titles, strict=True))


_worker_reader: TaxonomyContext | None = None


def start_posting_reader(settings: Settings) -> None:
    """Initialise a bulk worker that reads postings: the default release's mapper.

    Raises:
        NotReadyError: No taxonomy is imported.
    """
    global _worker_reader  # noqa: PLW0603 (one mapper per worker process)
    encoder = settings.open_encoder()
    engine = build_engine(settings.resolved_database_url)
    try:
        with unit_of_work(session_factory(engine)) as session:
            context = taxonomy_service.load_taxonomy_context(session, settings, encoder)
    finally:
        engine.dispose()
    if context is None:
        raise NotReadyError("no taxonomy is loaded in the worker's database")
    _worker_reader = context


def read_postings_in_worker(postings: list[PostingText]) -> tuple[str, list[PostingReading]]:
    """Read a batch of postings on a bulk worker: the release read with, the readings."""
    if _worker_reader is None:
        raise RuntimeError("the worker was not initialised with start_posting_reader")
    return _worker_reader.key, read_posting_texts(_worker_reader, postings)


class PooledReader:
    """Reads an upload's postings ahead on bulk workers; hands readings out per batch.

    The postings (text and title) go to the workers in upload order,
    :data:`EXTRACTION_BATCH` at a time, each distinct one once; :meth:`__call__` waits for
    the batches holding the postings asked for. Each reading is kept until every posting
    with that text and title has asked for it.

    Args:
        pool: The workers.
        release: The key of the release the caller stores against (a worker on another
            default release is an error, not a silent mix).
        texts: The texts and titles of the upload's postings to read, in upload order.
        fallback: Reads, here, a posting no worker was given (a key whose first posting
            was rejected is read again from a later row with other content).
    """

    def __init__(
        self, pool: WorkerPool, release: str, texts: Sequence[PostingText], fallback: JobReader
    ) -> None:
        self._release = release
        self._fallback = fallback
        self._wanted: dict[PostingText, int] = defaultdict(int)
        for text in texts:
            self._wanted[text] += 1
        distinct = list(self._wanted)
        batches = [
            distinct[start : start + EXTRACTION_BATCH]
            for start in range(0, len(distinct), EXTRACTION_BATCH)
        ]
        self._sent = set(distinct)
        self._results = zip(batches, pool.map(read_postings_in_worker, batches), strict=True)
        self._ready: dict[PostingText, PostingReading] = {}

    def __call__(self, texts: list[PostingText]) -> list[PostingReading]:
        """The readings of ``texts``, in order.

        A worker's reading, or one made here for a posting no worker was given or whose
        reading was already handed out to every posting it was read for.

        Raises:
            NotReadyError: A worker read with another release than the caller's.
        """
        here = list(
            dict.fromkeys(
                t
                for t in texts
                if t not in self._ready and (t not in self._sent or self._wanted[t] <= 0)
            )
        )
        if here:
            self._ready.update(zip(here, self._fallback(here), strict=True))
        for text in texts:
            while text not in self._ready:
                step = next(self._results, None)
                if step is None:
                    raise RuntimeError(f"no worker answered for the text {text.text[:60]!r}")
                batch, (release, readings) = step
                if release != self._release:
                    raise NotReadyError(
                        f"a worker reads with release {release}, not {self._release}: "
                        "the default taxonomy changed during the import; run it again"
                    )
                self._ready.update(zip(batch, readings, strict=True))
        found = [self._ready[text] for text in texts]
        for text in texts:
            self._wanted[text] -= 1
            if self._wanted[text] <= 0:
                self._ready.pop(text, None)
        return found


SeenPostings = dict[str, tuple[int, str]]
"""Key -> (row, content hash) of the postings of one upload already stored or found stored."""


def import_postings(
    session: Session,
    context: TaxonomyContext,
    *,
    tenant_id: int,
    rows: Sequence[ParsedRow],
    summary: ImportSummary | None = None,
    on_batch: ProgressCallback | None = None,
    seen: SeenPostings | None = None,
    reader: JobReader | None = None,
) -> ImportSummary:
    """Read the skills of the valid rows and store them (see the module docstring).

    Args:
        session: Open session; the caller commits (``on_batch`` may commit per batch).
        context: The default release and its mapper.
        tenant_id: The tenant.
        rows: Parsed rows, in upload order.
        summary: Counts to continue from (a resumed background upload).
        on_batch: Called after each batch with the rows processed so far.
        seen: The postings of this upload stored (or found stored) by earlier calls, so a
            later row with the same key is a duplicate, or a conflict; updated here.
        reader: Reads posting texts (a :class:`PooledReader` on bulk workers); by default
            the context's mapper, here.

    Returns:
        The counts, the rejected rows with reasons and the notes on accepted rows.
    """
    summary = summary if summary is not None else ImportSummary()
    occupations = OccupationResolver(gap_repo.occupation_keys(session, context.taxonomy_id))
    seen = seen if seen is not None else {}
    done = 0
    for start in range(0, len(rows), EXTRACTION_BATCH):
        batch = rows[start : start + EXTRACTION_BATCH]
        _import_batch(
            session,
            context,
            tenant_id,
            batch,
            occupations=occupations,
            seen=seen,
            summary=summary,
            reader=reader or partial(read_posting_texts, context),
        )
        done += len(batch)
        if on_batch is not None:
            on_batch(done, summary)
    return summary


def _import_batch(
    session: Session,
    context: TaxonomyContext,
    tenant_id: int,
    batch: Sequence[ParsedRow],
    *,
    occupations: OccupationResolver,
    seen: SeenPostings,
    summary: ImportSummary,
    reader: JobReader,
) -> None:
    summary.total += len(batch)
    postings = [row for row in batch if isinstance(row, PostingIn)]
    for row in batch:
        if isinstance(row, RowProblem):
            summary.reject(row)
    stored = gap_repo.stored_postings(session, tenant_id, (p.key for p in postings))
    fresh, twins = _triage(postings, stored, seen, summary)
    readings = reader([PostingText(p.mapped_text, p.title) for p in fresh.values()])
    values: list[PostingValues] = []
    for posting, (reading, title_occupation) in zip(fresh.values(), readings, strict=True):
        same = twins.pop(posting.key, [])
        if isinstance(reading, TooManyPhrasesError):
            for row in (posting, *same):
                summary.reject(RowProblem(row.row, "description", str(reading)))
            continue
        seen[posting.key] = (posting.row, posting.content_hash)
        summary.duplicates += len(same)
        for note in posting.notes:
            summary.warn(note)
        occupation_id = occupations.find(posting.occupation) if posting.occupation else None
        if posting.occupation and occupation_id is None:
            summary.warn(
                RowProblem(
                    posting.row,
                    "occupation",
                    f"{posting.occupation[:60]!r} is no occupation of {context.key}; kept as given",
                )
            )
        skills = demanded_skills(reading.requirements)
        if not skills:
            summary.without_skills += 1
        if posting.key in stored:
            summary.updated += 1
        else:
            summary.created += 1
        values.append(
            PostingValues(
                external_id=posting.key,
                content_hash=posting.content_hash,
                title=posting.title,
                description=posting.description,
                posted_at=posting.posted_at,
                location=posting.location,
                occupation_code=posting.occupation,
                occupation_id=occupation_id,
                skills=skills,
                ignored=[
                    {
                        "text": i.phrase.text,
                        "start": i.phrase.start,
                        "end": i.phrase.end,
                        "reason": i.reason,
                    }
                    for i in reading.ignored
                ],
                title_occupation=title_occupation,
            )
        )
    gap_repo.save_postings(
        session,
        tenant_id,
        taxonomy_id=context.taxonomy_id,
        model=context.mapper.model,
        postings=values,
        replace_ids={
            v.external_id: stored[v.external_id][0] for v in values if v.external_id in stored
        },
    )


def read_titles(context: TaxonomyContext, titles: Sequence[str]) -> list[TitleReading]:
    """The occupation whose title is closest to each posting title, and the cosine.

    The best occupation is kept whatever its cosine: a report applies the matching
    threshold in force when it runs.
    """
    if context.occupations is None:
        return [(None, None)] * len(titles)
    return [
        (None, 0.0) if found is None else found
        for found in context.occupations_of_titles(titles, min_similarity=-1.0)
    ]


TITLE_CHUNK = 512
"""Postings whose titles :func:`read_missing_titles` reads per transaction."""


def read_missing_titles(session: Session, context: TaxonomyContext) -> int:
    """Read the titles of up to :data:`TITLE_CHUNK` postings stored before titles were read.

    Postings of the default release whose title was never matched against its occupations
    (stored by a version without that step) get their title occupation; the background
    worker calls this until it returns 0.

    Returns:
        How many postings were read.
    """
    if context.occupations is None:
        return 0
    unread = gap_repo.postings_without_title_reading(session, context.taxonomy_id, TITLE_CHUNK)
    readings = read_titles(context, [title for _, title in unread])
    gap_repo.store_title_readings(
        session,
        [(posting_id, *found) for (posting_id, _), found in zip(unread, readings, strict=True)],
    )
    return len(unread)


def _triage(
    postings: Sequence[PostingIn],
    stored: dict[str, tuple[int, str]],
    seen: SeenPostings,
    summary: ImportSummary,
) -> tuple[dict[str, PostingIn], dict[str, list[PostingIn]]]:
    """Sort a batch's postings: duplicates and conflicts counted, the rest to read.

    Returns:
        The postings to read, by key (the first of each key in the batch), and the later
        rows of the batch with the same key and content: they count as duplicates if the
        first is stored, and share its rejection if not.
    """
    fresh: dict[str, PostingIn] = {}
    twins: dict[str, list[PostingIn]] = defaultdict(list)
    for posting in postings:
        digest = posting.content_hash
        earlier = seen.get(posting.key)
        first = fresh.get(posting.key)
        if earlier is None and first is not None:
            if first.content_hash == digest:
                twins[posting.key].append(posting)
                continue
            earlier = (first.row, first.content_hash)
        if earlier is not None and earlier[1] != digest:
            summary.reject(
                RowProblem(
                    posting.row,
                    "externalId",
                    f"row {earlier[0]} has the same externalId with other content",
                )
            )
        elif earlier is not None:
            summary.duplicates += 1
        elif stored.get(posting.key, (0, ""))[1] == digest:
            seen[posting.key] = (posting.row, digest)
            summary.duplicates += 1
        else:
            fresh[posting.key] = posting
    return fresh, twins


CHUNK_POSTINGS = 256
"""Postings committed per transaction by background and command-line imports."""


def import_in_chunks(
    sessions: Callable[[], AbstractContextManager[Session]],
    context: TaxonomyContext,
    *,
    tenant_id: int,
    rows: Sequence[ParsedRow],
    summary: ImportSummary | None = None,
    on_chunk: Callable[[Session, int, ImportSummary], None] | None = None,
    chunk_size: int = CHUNK_POSTINGS,
    seen: SeenPostings | None = None,
    pool: WorkerPool | None = None,
) -> ImportSummary:
    """Import rows a chunk per transaction, so a long import keeps what it has done.

    Args:
        sessions: Opens one unit of work (committed when its block ends without error).
        context: The default release.
        tenant_id: The tenant.
        rows: The rows still to import.
        summary: Counts to continue from.
        on_chunk: Called inside each chunk's transaction with the rows done so far (a
            background upload records its progress there, atomically with the postings).
        chunk_size: Rows per transaction.
        seen: What the rows before these stored (a resumed upload: :func:`stored_before`);
            the chunks share it, so a key is one posting across the whole upload.
        pool: Bulk workers that read the postings ahead (this process stores them);
            ``None`` reads them here.
    """
    summary = summary if summary is not None else ImportSummary()
    seen = seen if seen is not None else {}
    reader = None
    if pool is not None:
        with sessions() as session:
            unread = _unread_texts(session, tenant_id, rows, seen)
        reader = PooledReader(
            pool, context.key, unread, fallback=partial(read_posting_texts, context)
        )
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        with sessions() as session:
            import_postings(
                session,
                context,
                tenant_id=tenant_id,
                rows=chunk,
                summary=summary,
                seen=seen,
                reader=reader,
            )
            if on_chunk is not None:
                on_chunk(session, start + len(chunk), summary)
    return summary


def _unread_texts(
    session: Session, tenant_id: int, rows: Sequence[ParsedRow], seen: SeenPostings
) -> list[PostingText]:
    """The texts and titles :func:`import_postings` will read, in upload order.

    The rows are sorted as one batch by :func:`_triage`, the function that sorts each
    batch when the postings are stored, from what the upload stored before them (``seen``,
    copied), so both agree on what is read: each key's first posting, unless it is stored
    as uploaded or conflicts with a row stored before.
    """
    postings = [row for row in rows if isinstance(row, PostingIn)]
    stored = gap_repo.stored_postings(session, tenant_id, (p.key for p in postings))
    fresh, _ = _triage(postings, stored, dict(seen), ImportSummary())
    return [PostingText(posting.mapped_text, posting.title) for posting in fresh.values()]


def stored_before(session: Session, tenant_id: int, rows: Sequence[ParsedRow]) -> SeenPostings:
    """The postings among rows already imported that are stored as uploaded.

    A resumed background upload starts from this, so a later row repeating one of them is
    still a duplicate (same content) or a conflict (other content), as without the pause.
    """
    postings = [row for row in rows if isinstance(row, PostingIn)]
    stored = gap_repo.stored_postings(session, tenant_id, (p.key for p in postings))
    seen: SeenPostings = {}
    for posting in postings:
        if posting.key not in seen and stored.get(posting.key, (0, ""))[1] == posting.content_hash:
            seen[posting.key] = (posting.row, posting.content_hash)
    return seen


SYNC_MAX_POSTINGS = 200
"""Uploads above this many rows are imported in the background."""


@dataclass(frozen=True, slots=True)
class QueuedUpload:
    """An upload stored for the background worker."""

    id: int
    status: str
    total: int
    processed: int = 0
    summary: ImportSummary | None = None
    error: str = ""


def submit_postings(
    session: Session,
    context: TaxonomyContext,
    *,
    tenant_id: int,
    body: bytes,
    content_type: str | None,
    background: bool | None = None,
) -> ImportSummary | QueuedUpload:
    """Import an upload now, or queue it for the background worker.

    Args:
        session: The request's session.
        context: The default release.
        tenant_id: The tenant.
        body: The upload.
        content_type: Its ``Content-Type`` header.
        background: Force (True) or refuse (False) the background; by default uploads over
            :data:`SYNC_MAX_POSTINGS` rows go there.

    Raises:
        UnsupportedPostingFormatError: An unknown media type.
        InvalidRequestError: The body as a whole cannot be read.
    """
    kind = posting_format(content_type)
    rows = parse_postings(body, kind)
    if background or (background is None and len(rows) > SYNC_MAX_POSTINGS):
        upload = gap_repo.create_upload(session, tenant_id, kind, body, len(rows))
        return QueuedUpload(id=upload.id, status=upload.status, total=upload.total)
    return import_postings(session, context, tenant_id=tenant_id, rows=rows)


def summary_to_json(summary: ImportSummary) -> dict[str, Any]:
    """A summary as stored with a background upload."""
    return msgspec.to_builtins(summary)  # type: ignore[no-any-return]


def summary_from_json(data: dict[str, Any]) -> ImportSummary:
    """A stored summary (an empty one when nothing was stored yet)."""
    return msgspec.convert(data, ImportSummary) if data else ImportSummary()


@dataclass(frozen=True, slots=True)
class StoredPosting:
    """A stored posting with the skills it demands and the text left unread.

    Attributes:
        posting: The posting row (its ``ignored`` holds the unread text and reasons).
        skills: (skill, strength, confidence, phrase) of each demanded skill.
        title_occupation: The occupation whose title is closest to the posting's, or
            ``None``: no title, a release without occupations, the occupation removed,
            or a posting stored before titles were read and not yet read again
            (:func:`read_missing_titles` does that).
    """

    posting: JobPosting
    skills: list[tuple[Skill, str, float, str]]
    title_occupation: Occupation | None = None


def stored_posting(session: Session, tenant_id: int, external_id: str) -> StoredPosting:
    """A tenant's posting by its external id (given, or ``sha256:<content hash>``).

    Raises:
        NotFoundError: The tenant has no such posting.
    """
    posting = gap_repo.posting_by_external_id(session, tenant_id, external_id)
    if posting is None:
        raise NotFoundError(f"no posting {external_id!r}")
    rows = gap_repo.posting_skills_of(session, tenant_id, external_id)
    skills = taxonomy_service.skills_by_ids(session, {row.skill_id for row in rows})
    title_occupation = (
        gap_repo.occupation_by_id(session, posting.title_occupation_id)
        if posting.title_occupation_id is not None
        else None
    )
    return StoredPosting(
        posting,
        [(skills[r.skill_id], r.strength, r.confidence, r.phrase) for r in rows],
        title_occupation,
    )


def upload_status(session: Session, tenant_id: int, upload_id: int) -> QueuedUpload:
    """A tenant's background upload and its progress.

    Raises:
        NotFoundError: The tenant has no such upload.
    """
    upload = gap_repo.get_upload(session, tenant_id, upload_id)
    if upload is None:
        raise NotFoundError(f"no posting upload {upload_id}")
    return QueuedUpload(
        id=upload.id,
        status=upload.status,
        total=upload.total,
        processed=upload.processed,
        summary=summary_from_json(upload.summary) if upload.summary else None,
        error=upload.error,
    )


FILE_FORMATS: dict[str, PostingFormat] = {
    ".csv": "csv",
    ".jsonl": "ndjson",
    ".ndjson": "ndjson",
    ".json": "json",
}


def import_posting_file(
    settings: Settings,
    path: Path,
    *,
    tenant: str,
    progress: Progress,
    kind: PostingFormat | None = None,
    runtime: Runtime | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import a file of postings for a tenant (``credmatch postings import``).

    Args:
        settings: Settings (database, model, taxonomy cache).
        path: A ``.csv``, ``.jsonl``/``.ndjson`` or ``.json`` file.
        tenant: Tenant name (created when missing).
        progress: Progress display, advanced per committed chunk.
        kind: The file's format when its suffix does not say it.
        runtime: An opened runtime to use (else one is opened and closed here).
        workers: Bulk workers reading the postings (:func:`service.bulk.open_pool`: local
            processes, or Ray actors when ``CREDMATCH_RAY_ADDRESS`` is set); ``None`` or 1
            reads them in this process (Ray: ``CREDMATCH_RAY_WORKERS``).

    Raises:
        SettingsError: ``workers`` below 1, or Ray asked for and unavailable.
        InvalidRequestError: The file is missing, of an unknown kind, or unreadable as a whole.
    """
    found = kind or FILE_FORMATS.get(path.suffix.lower())
    if found is None:
        raise InvalidRequestError(
            f"cannot tell the format of {path.name}; name it .csv, .jsonl or .json or pass --format"
        )
    try:
        body = path.read_bytes()
    except OSError as error:
        raise InvalidRequestError(f"cannot read {path}: {error.strerror}") from None
    rows = parse_postings(body, found)
    active = runtime or Runtime.open(settings, show_progress=progress.console.is_terminal)
    pool: WorkerPool | None = None
    try:
        context, _ = active.require_taxonomy()
        with unit_of_work(active.sessions) as session:
            tenant_id = registry.get_or_create_tenant(session, tenant).id
        # Workers share the cores: one encoder thread each.
        pool = open_pool(
            settings,
            workers=workers,
            initializer=start_posting_reader,
            initargs=(settings.replaced(embedding_threads=1),),
        )
        with progress:
            task = progress.add_task("postings", total=len(rows))
            return import_in_chunks(
                lambda: unit_of_work(active.sessions),
                context,
                tenant_id=tenant_id,
                rows=rows,
                on_chunk=lambda _session, done, _summary: progress.update(task, completed=done),
                chunk_size=EXTRACTION_BATCH,
                pool=pool,
            )
    finally:
        if pool is not None:
            pool.close()
        if runtime is None:
            active.close()
