"""Property tests of the service's parsers: postings uploads, page cursors, tags.

Whatever the input, only the declared error (`InvalidRequestError`, or the 415 of an unknown
upload format) escapes, what is accepted satisfies the documented limits, and the round
trips hold (a cursor the API wrote reads back; normalising tags twice changes nothing).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidRequestError
from service.gap.postings import (
    PostingIn,
    RowProblem,
    UnsupportedPostingFormatError,
    parse_postings,
    posting_format,
)
from service.matching.filters import MAX_TAG_LENGTH, normalize_tags
from service.matching.service import decode_cursor, encode_cursor
from service.search.service import _decode_cursor, _encode_cursor

BIGINT_MAX = 2**63 - 1

# --- tags ---------------------------------------------------------------------------------


@given(st.lists(st.text(max_size=120), max_size=60))
@settings(max_examples=200)
def test_tags_normalise_idempotently_or_are_refused(tags: list[str]) -> None:
    try:
        normalized = normalize_tags(tags)
    except InvalidRequestError:
        return
    assert normalize_tags(normalized) == normalized
    assert len(set(normalized)) == len(normalized)
    for tag in normalized:
        assert tag
        assert tag == tag.strip()
        assert tag == tag.lower()
        assert len(tag) <= MAX_TAG_LENGTH
        assert "\n" not in tag
        assert "\r" not in tag
        assert "\x00" not in tag


@given(st.lists(st.text(max_size=120), max_size=60))
@settings(max_examples=200)
def test_dropping_invalid_tags_never_raises(tags: list[str]) -> None:
    normalized = normalize_tags(tags, drop_invalid=True)

    assert all(0 < len(tag) <= MAX_TAG_LENGTH for tag in normalized)


# --- cursors ------------------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
ids = st.integers(1, BIGINT_MAX)


@given(finite, ids, st.integers(1, 10_000_000))
@settings(max_examples=200)
def test_match_cursor_round_trips(score: float, candidate_id: int, rank: int) -> None:
    assert decode_cursor(encode_cursor(score, candidate_id, rank)) == (score, candidate_id, rank)


@given(st.tuples(finite, finite, finite, ids))
@settings(max_examples=200)
def test_search_cursor_round_trips(key: tuple[float, float, float, int]) -> None:
    assert _decode_cursor(_encode_cursor(key)) == key


def _as_cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


json_numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1", None, True, [], {}]),
)
cursor_texts = st.one_of(
    st.text(max_size=80),
    st.lists(json_numbers, max_size=5).map(_as_cursor),
    st.binary(max_size=60).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
)


@given(cursor_texts)
@settings(max_examples=300)
def test_any_match_cursor_decodes_in_range_or_is_refused(cursor: str) -> None:
    try:
        score, candidate_id, rank = decode_cursor(cursor)
    except InvalidRequestError:
        return
    assert math.isfinite(score)
    assert 0 <= candidate_id <= BIGINT_MAX
    assert 0 <= rank <= BIGINT_MAX


@given(cursor_texts)
@settings(max_examples=300)
def test_any_search_cursor_decodes_in_range_or_is_refused(cursor: str) -> None:
    try:
        key = _decode_cursor(cursor)
    except InvalidRequestError:
        return
    assert all(math.isfinite(value) for value in key[:3])
    assert 0 <= key[3] <= BIGINT_MAX


@pytest.mark.parametrize(
    "payload", ["[1, 1e999, 1]", "[1e999, 1, 1]", "[1, 18446744073709551616, 1]", "[1, -1, 1]"]
)
def test_out_of_range_match_cursors_are_refused(payload: str) -> None:
    cursor = base64.urlsafe_b64encode(payload.encode()).decode()

    with pytest.raises(InvalidRequestError):
        decode_cursor(cursor)


@pytest.mark.parametrize("payload", ["[1, 1, 1e999, 1]", "[1, 1, 1, 18446744073709551616]"])
def test_out_of_range_search_cursors_are_refused(payload: str) -> None:
    cursor = base64.urlsafe_b64encode(payload.encode()).decode()

    with pytest.raises(InvalidRequestError):
        _decode_cursor(cursor)


# --- postings -----------------------------------------------------------------------------

fields = st.sampled_from(
    ["title", "description", "date", "location", "occupation", "externalId", "other"]
)
values = st.one_of(st.none(), st.text(max_size=40), st.integers(), st.booleans())
postings = st.lists(st.dictionaries(fields, values, max_size=7), max_size=8)


def _check_rows(body: bytes, kind: Any) -> None:
    try:
        rows = parse_postings(body, kind)
    except InvalidRequestError:
        return
    assert rows
    for row in rows:
        assert isinstance(row, PostingIn | RowProblem)
        if isinstance(row, PostingIn):
            assert row.title or row.description
            assert row.posted_at is None or row.posted_at.tzinfo is not None
            for text in (row.title, row.description, row.location, row.occupation):
                assert "\x00" not in text


@given(postings)
@settings(max_examples=200)
def test_ndjson_and_json_postings_only_raise_invalid_request(items: list[dict[str, Any]]) -> None:
    _check_rows("\n".join(json.dumps(item) for item in items).encode(), "ndjson")
    _check_rows(json.dumps(items).encode(), "json")


@given(st.binary(max_size=400), st.sampled_from(["ndjson", "json", "csv"]))
@settings(max_examples=300)
def test_arbitrary_upload_bodies_only_raise_invalid_request(body: bytes, kind: Any) -> None:
    _check_rows(body, kind)


@given(
    st.lists(st.sampled_from(["title", "description", "date", "x", "job_title", ""]), max_size=5),
    st.lists(st.lists(st.text(max_size=30), max_size=7), max_size=8),
)
@settings(max_examples=200)
def test_csv_postings_only_raise_invalid_request(header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    _check_rows(out.getvalue().encode("utf-8", "surrogatepass"), "csv")


@pytest.mark.parametrize("kind", ["ndjson", "json"])
def test_deeply_nested_postings_are_refused(kind: Any) -> None:
    body = b"[" * 100_000 + b"]" * 100_000

    _check_rows(body, kind)
    _check_rows(b'{"title": "x"}\n' + body, kind)


@given(st.one_of(st.none(), st.text(max_size=60)))
@settings(max_examples=200)
def test_posting_format_is_known_or_unsupported(content_type: str | None) -> None:
    try:
        kind = posting_format(content_type)
    except UnsupportedPostingFormatError:
        return
    assert kind in {"ndjson", "json", "csv"}
