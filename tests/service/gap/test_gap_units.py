"""Pieces of postings and gap reports that need no database: parsing, pillars, groups, CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from service.errors import InvalidRequestError
from service.gap.postings import PostingIn, RowProblem, parse_postings, posting_format
from service.gap.render import report_csv
from service.gap.service import (
    GapQuery,
    GapReport,
    OccupationDemand,
    Recommendation,
    SkillGap,
    Trend,
    TrendSeries,
    _pillar,
    _rollup_group,
    report_from_json,
    report_to_json,
)

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


def _gap(skill_id: str, label: str, gap: float) -> SkillGap:
    return SkillGap(
        id=skill_id,
        uri=f"urn:{skill_id}",
        label=label,
        pillar="skills",
        group="@group",
        postings=1,
        must_postings=1,
        nice_postings=0,
        title_postings=0,
        demand_share=0.5,
        must_share=0.5,
        nice_share=0.0,
        holders=3,
        supply_share=0.75,
        mean_strength=0.7,
        gap=gap,
    )


def _report(**changes: Any) -> GapReport:
    fields: dict[str, Any] = {
        "generated_at": datetime(2025, 1, 1, tzinfo=UTC),
        "taxonomy": "esco",
        "model": "m",
        "cohort_size": 4,
        "postings": 2,
        "dated_postings": 2,
        "postings_without_skills": 0,
        "skills_demanded": 2,
        "query": GapQuery(),
        "skills": [],
        "groups": [],
        "pillars": [],
        "trend": None,
        "occupations": [],
        "recommendations": [],
    }
    return GapReport(**(fields | changes))


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_cells_that_a_spreadsheet_would_evaluate_are_quoted_as_text() -> None:
    report = _report(
        skills=[_gap("a", '=HYPERLINK("http://x")', -0.25), _gap("b", "+1", 0.1)],
        occupations=[
            OccupationDemand(
                occupation="-2+3",
                uri="",
                label="\tcmd",
                postings=1,
                demand_share=0.5,
                essential_skills=0,
                mean_readiness=None,
                learners_ready=None,
                least_held=["@SUM(A1)"],
            )
        ],
        recommendations=[
            Recommendation(
                rank=1,
                achievement_id="",
                name="\rnote",
                issuer="=cmd|' /C calc'!A0",
                skills=["=1", "ok"],
                gap_closed=0.3,
                holders=0,
                holder_share=0.0,
            )
        ],
    )

    skills = _csv(report_csv(report, "skills"))
    occupations = _csv(report_csv(report, "occupations"))
    recommendations = _csv(report_csv(report, "recommendations"))

    header = skills[0]
    first = dict(zip(header, skills[1], strict=True))
    assert first["label"] == '\'=HYPERLINK("http://x")'
    assert first["group"] == "'@group"
    assert first["gap"] == "-0.25"  # a number stays a number
    assert dict(zip(header, skills[2], strict=True))["label"] == "'+1"
    row = dict(zip(occupations[0], occupations[1], strict=True))
    assert (row["occupation"], row["label"], row["leastHeld"]) == ("'-2+3", "'\tcmd", "'@SUM(A1)")
    assert (row["meanReadiness"], row["learnersReady"]) == ("", "")
    row = dict(zip(recommendations[0], recommendations[1], strict=True))
    assert (row["name"], row["issuer"], row["skills"]) == (
        "'\rnote",
        "'=cmd|' /C calc'!A0",
        "'=1; ok",
    )


def test_empty_csv_tables_keep_their_header_row() -> None:
    report = _report()

    assert report_csv(report, "skills").startswith("id,uri,label,pillar,group,postings,")
    assert report_csv(report, "recommendations").splitlines() == [
        "rank,achievementId,name,issuer,skills,gapClosed,holders,holderShare"
    ]
    assert report_csv(report, "trend") == "month,postings\r\n"
    with pytest.raises(InvalidRequestError, match="unknown table"):
        report_csv(report, "nope")  # type: ignore[arg-type]


def test_trend_csv_has_a_column_per_skill_even_when_labels_repeat() -> None:
    trend = Trend(
        months=["2025-01", "2025-02"],
        postings=[2, 1],
        skills=[
            TrendSeries(id="s1", label="=SQL", shares=[0.5, 1.0]),
            TrendSeries(id="s2", label="=SQL", shares=[0.0, 1.0]),
        ],
    )

    rows = _csv(report_csv(_report(trend=trend), "trend"))

    assert rows == [
        ["month", "postings", "'=SQL [s1]", "'=SQL [s2]"],
        ["2025-01", "2", "0.5", "0.0"],
        ["2025-02", "1", "1.0", "1.0"],
    ]


def test_a_csv_cell_over_the_parser_limit_is_a_request_problem() -> None:
    body = ("title,description\nAnalyst," + "x" * 200_000 + "\n").encode()

    with pytest.raises(InvalidRequestError, match="cannot be read at line 2"):
        parse_postings(body, "csv")


def test_posting_dates_are_stored_in_utc() -> None:
    rows = parse_postings(
        b'{"title": "a", "date": "2025-02-01T00:30:00+02:00"}\n'
        b'{"title": "b", "date": "2025-01-31T23:30:00-05:00"}\n'
        b'{"title": "c", "date": "2025-03-01T10:00:00"}\n',
        "ndjson",
    )

    assert [r.posted_at for r in rows if isinstance(r, PostingIn)] == [
        datetime(2025, 1, 31, 22, 30, tzinfo=UTC),
        datetime(2025, 2, 1, 4, 30, tzinfo=UTC),
        datetime(2025, 3, 1, 10, 0, tzinfo=UTC),
    ]
    first = rows[0]
    assert isinstance(first, PostingIn) and first.posted_at is not None
    assert first.posted_at.utcoffset() == timedelta(0)


def test_a_report_stored_before_titles_were_read_still_loads() -> None:
    stored = report_to_json(_report(skills=[_gap("a", "SQL", 0.25)]))
    for skill in stored["skills"]:
        del skill["titlePostings"]  # what a report of migration 0009 holds
    loaded = report_from_json(stored)
    assert loaded.skills[0].title_postings == 0
    assert loaded.skills[0].label == "SQL"
