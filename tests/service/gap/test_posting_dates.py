"""Posting dates in the forms exports write them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.gap.dates import DateReader
from service.gap.postings import PostingIn, RowProblem, parse_postings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("2024-03-05T09:30:00Z", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05 09:30", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
        ("2024-03-05T09:30:00+02:00", datetime(2024, 3, 5, 7, 30, tzinfo=UTC)),
        ("2024/03/05", datetime(2024, 3, 5, tzinfo=UTC)),
        ("03/05/2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("3/5/24", datetime(2024, 3, 5, tzinfo=UTC)),
        ("03/05/2024 14:05", datetime(2024, 3, 5, 14, 5, tzinfo=UTC)),
        ("05.03.2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("5 March 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("March 5, 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Mar 5th, 2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("05-Mar-2024", datetime(2024, 3, 5, tzinfo=UTC)),
        ("Tue, 05 Mar 2024 09:30:00 GMT", datetime(2024, 3, 5, 9, 30, tzinfo=UTC)),
    ],
)
def test_common_forms_are_read_in_utc(text: str, expected: datetime) -> None:
    assert DateReader().read(text) == expected


@pytest.mark.parametrize("text", ["30+ days ago", "yesterday", "13/13/2024", "2024-02-30", "5"])
def test_what_is_not_a_date_is_refused_with_the_forms_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        DateReader().read(text)


def test_an_upload_whose_dates_can_only_be_day_first_is_read_day_first() -> None:
    reader = DateReader.for_values(["25/12/2024", "03/04/2024", "not a date"])
    assert reader.day_first
    assert reader.read("03/04/2024") == datetime(2024, 4, 3, tzinfo=UTC)


def test_mixed_or_ambiguous_uploads_stay_month_first() -> None:
    assert not DateReader.for_values(["03/04/2024"]).day_first
    assert not DateReader.for_values(["25/12/2024", "12/25/2024"]).day_first
    # Dots are always day first, and do not sway the slashes.
    assert not DateReader.for_values(["25.12.2024", "03/04/2024"]).day_first


@pytest.mark.parametrize("column", ["post_date", "date_posted", "posted_at", "created", "Date"])
def test_export_date_columns_are_recognised(column: str) -> None:
    rows = parse_postings(f"job_title,{column}\nAnalyst,2025-01-15\n".encode(), "csv")
    assert isinstance(rows[0], PostingIn)
    assert rows[0].posted_at == datetime(2025, 1, 15, tzinfo=UTC)


def test_json_rows_take_the_same_names_and_refuse_two_for_one_field() -> None:
    one, two = parse_postings(
        b'{"title": "a", "post_date": "2025-01-15"}\n{"title": "b", "date": "x", "created": "y"}',
        "ndjson",
    )
    assert isinstance(one, PostingIn) and one.posted_at == datetime(2025, 1, 15, tzinfo=UTC)
    assert two == RowProblem(2, "created", "a second field for date")


def test_an_unreadable_date_keeps_the_posting_with_a_note() -> None:
    (row,) = parse_postings(b'{"title": "a", "date": "30+ days ago"}', "ndjson")
    assert isinstance(row, PostingIn) and row.posted_at is None
    assert [(note.field, "kept undated" in note.reason) for note in row.notes] == [("date", True)]


def test_a_long_description_is_kept_whole_and_mapped_in_part() -> None:
    text = "x" * 25_000
    (row,) = parse_postings(('{"description": "' + text + '"}').encode(), "ndjson")
    assert isinstance(row, PostingIn)
    assert row.description == text
    assert len(row.mapped_text) == 20_000
    assert [note.field for note in row.notes] == ["description"]
