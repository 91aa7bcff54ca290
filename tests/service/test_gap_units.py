"""Pieces of postings and gap reports that need no database: parsing, pillars, groups."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.errors import InvalidRequestError
from service.gap_report import _pillar, _rollup_group
from service.postings import PostingIn, RowProblem, parse_postings, posting_format

GROUPS = {
    "urn:S": ("S", "skills"),
    "urn:S1": ("S1", "communication"),
    "urn:S1.2": ("S1.2", "presenting"),
    "urn:0613": ("0613", "software"),
}
PARENTS = {
    "skill:a": ["urn:S1.2"],
    "urn:S1.2": ["urn:S1"],
    "urn:S1": ["urn:S"],
    "skill:narrow": ["skill:a"],
    "skill:py": ["urn:0613"],
    "skill:loop": ["skill:loop2"],
    "skill:loop2": ["skill:loop"],
}


@pytest.mark.parametrize(
    ("skill", "expected"),
    [
        ("skill:a", ("urn:S1", "S")),  # the broadest group under the pillar
        ("skill:narrow", ("urn:S1", "S")),  # through a broader skill
        ("skill:py", ("urn:0613", "")),
        ("skill:loop", ("", "")),
        ("skill:alone", ("", "")),
    ],
)
def test_rollup_group_is_the_broadest_group_under_the_pillar(
    skill: str, expected: tuple[str, str]
) -> None:
    assert _rollup_group(skill, PARENTS, GROUPS) == expected


def test_pillar_prefers_transversal_then_type_then_hierarchy() -> None:
    assert _pillar("knowledge", reuse_level="transversal", transversal=False, code="K") == (
        "transversal"
    )
    assert _pillar("skill/competence", reuse_level="", transversal=True, code="") == "transversal"
    assert _pillar("knowledge", reuse_level="", transversal=False, code="") == "knowledge"
    assert _pillar("skill/competence", reuse_level="", transversal=False, code="") == "skills"
    assert _pillar("", reuse_level="", transversal=False, code="K") == "knowledge"
    assert _pillar("", reuse_level="", transversal=False, code="L") == "language"
    assert _pillar("", reuse_level="", transversal=False, code="") == "unclassified"


def test_csv_aliases_bom_quoted_newlines_and_dates() -> None:
    body = (
        "\ufeffJob_Title,Description,Date,Label,External_ID\n"
        '"Analyst","Line one\nline two",2025-05-01,2511.3,a-1\n'
    ).encode()

    rows = parse_postings(body, "csv")

    assert rows == [
        PostingIn(
            row=1,
            title="Analyst",
            description="Line one\nline two",
            posted_at=datetime(2025, 5, 1, tzinfo=UTC),
            occupation="2511.3",
            external_id="a-1",
        )
    ]
    assert rows[0].key == "a-1"  # type: ignore[union-attr]


def test_postings_without_id_are_keyed_by_content() -> None:
    one, same, other = parse_postings(
        b'{"title": "a"}\n{"title": "a"}\n{"title": "a", "location": "b"}', "ndjson"
    )
    assert isinstance(one, PostingIn) and isinstance(same, PostingIn)
    assert isinstance(other, PostingIn)
    assert one.key == same.key != other.key
    assert one.key.startswith("sha256:")


def test_over_long_fields_name_the_field() -> None:
    rows = parse_postings(('{"title": "' + "x" * 501 + '"}').encode(), "ndjson")
    assert rows == [RowProblem(1, "title", "longer than 500 characters")]


def test_whole_body_problems() -> None:
    with pytest.raises(InvalidRequestError, match="UTF-8"):
        parse_postings(b"\xff\xfe", "ndjson")
    with pytest.raises(InvalidRequestError, match="array"):
        parse_postings(b'{"title": "x"}', "json")
    assert posting_format("text/csv; charset=utf-8") == "csv"
    assert posting_format("application/jsonl") == "ndjson"
