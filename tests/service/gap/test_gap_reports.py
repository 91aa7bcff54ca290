"""Job postings and gap reports over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select, update

from ingest.mapping_model import DEFAULT_ARTEFACT, MappingModel
from service.app import create_app
from service.candidates.service import set_candidate_tags
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import JobPosting, utcnow
from service.gap import repository as gap_repo
from service.gap.jobs import ReportRunner
from service.gap.postings import import_in_chunks, import_postings, parse_postings, stored_before
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from service.taxonomy import service as taxonomy_service
from tests.conftest import shared_data
from tests.service.conftest import ESCO, Tenant

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
ML_ID = "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"
BREAD_ID = "00000000-0000-4000-8000-000000000003"
PYTHON = SampleAchievement(
    slug="py",
    name="Python Programming",
    description="Python.",
    aligned_skill_uris=(ESCO + PYTHON_ID,),
    tags=("Programming",),
)
SQL = SampleAchievement(
    slug="sql", name="SQL Basics", description="SQL.", aligned_skill_uris=(ESCO + SQL_ID,)
)
DATA_SCIENCE = SampleAchievement(
    slug="ds",
    name="Data Science Bootcamp",
    description="Machine learning and SQL.",
    aligned_skill_uris=(ESCO + ML_ID, ESCO + SQL_ID),
)
OLD = datetime(2020, 1, 1, tzinfo=UTC)
NEW = datetime(2025, 6, 1, tzinfo=UTC)
NDJSON = {"Content-Type": "application/x-ndjson"}

POSTINGS = [
    {
        "externalId": "p1",
        "title": "Data analyst",
        "description": "Requirements:\n- Python\n- SQL\nNice to have:\n- machine learning",
        "date": "2025-01-10",
        "occupation": "2511.3",
        "location": "Lyon",
    },
    {
        "externalId": "p2",
        "title": "Database developer",
        "description": "You must know SQL.",
        "date": "2025-03-02T09:00:00Z",
        "occupation": "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000aa",
    },
    {
        "externalId": "p3",
        "title": "Baker",
        "description": "Bake bread.",
        "date": "2025-03-20",
        "occupation": "7512.1",
    },
]


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with (
        BackgroundServer(app) as running,
        httpx.Client(base_url=running.url, timeout=120) as client,
    ):
        yield client


def _ndjson(rows: list[dict[str, Any]]) -> str:
    return "\n".join(json.dumps(row) for row in rows) + "\n"


def _upload(
    server: httpx.Client,
    tenant: Tenant,
    body: str,
    headers: dict[str, str] = NDJSON,
    **params: Any,
) -> httpx.Response:
    return server.post(
        "/v1/postings",
        content=body.encode(),
        headers={**tenant.headers("analyst"), **headers},
        params=params,
    )


def _issue(server: httpx.Client, tenant: Tenant, issued: list[tuple[Any, ...]]) -> None:
    for issuer, badge, who, when in issued:
        document = issuer.issue(badge, f"did:example:{who}", valid_from=when)
        response = server.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=document,
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text


@pytest.fixture
def market(server: httpx.Client, tenant: Tenant, runtime: Runtime) -> Tenant:
    """Three postings; ana: Python+SQL (uni, 2025), ben: Python (college, 2020), cy: SQL.

    ana and cy are tagged ``spring``; every learner holds their credentials verified.
    """
    response = _upload(server, tenant, _ndjson(POSTINGS))
    assert response.status_code == 200, response.text
    uni = SampleIssuer(name="Uni", domain="uni.example")
    college = SampleIssuer(name="College", domain="college.example")
    _issue(
        server,
        tenant,
        [
            (uni, PYTHON, "ana", NEW),
            (uni, SQL, "ana", NEW),
            (college, PYTHON, "ben", OLD),
            (uni, SQL, "cy", NEW),
            (college, DATA_SCIENCE, "dee", OLD),
        ],
    )
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        for who in ("ana", "cy"):
            assert registry.get_candidate(session, tenant_id, who) is not None
            set_candidate_tags(session, tenant_id, who, ["spring"])
    tenant.issuers = {"uni": uni.did, "college": college.did}  # type: ignore[attr-defined]
    return tenant


def _report(server: httpx.Client, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = server.post("/v1/reports/gap", json=body, headers=tenant.headers("analyst"))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def _skills(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in report["report"]["skills"]}


def test_upload_reads_skills_with_strength_and_is_idempotent(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    first = _upload(server, tenant, _ndjson(POSTINGS))
    again = _upload(server, tenant, _ndjson(POSTINGS))
    changed = _upload(server, tenant, _ndjson([{**POSTINGS[2], "description": "Operate forklift"}]))

    assert first.status_code == 200, first.text
    assert first.json()["errors"] == []
    assert [(w["row"], w["field"]) for w in first.json()["warnings"]] == [(3, "occupation")]
    assert (first.json()["created"], first.json()["accepted"], first.json()["rejected"]) == (
        3,
        3,
        0,
    )
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    assert (changed.json()["updated"], changed.json()["created"]) == (1, 0)
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        skills = {
            s.skill_id: s.strength for s in gap_repo.posting_skills_of(session, tenant_id, "p1")
        }
        uris = {s.id: s.uri for s in taxonomy_service.skills_by_ids(session, skills).values()}
        posting = gap_repo.posting_by_external_id(session, tenant_id, "p1")
        assert gap_repo.count_postings(session, tenant_id) == 3
    by_uri = {uris[sid]: strength for sid, strength in skills.items()}
    assert by_uri[ESCO + PYTHON_ID] == "must"
    assert by_uri[ESCO + SQL_ID] == "must"
    assert by_uri[ESCO + ML_ID] == "nice"
    assert posting is not None and posting.occupation_id is not None


def test_bad_rows_are_reported_precisely_and_do_not_stop_the_others(
    server: httpx.Client, tenant: Tenant
) -> None:
    body = "\n".join(
        [
            json.dumps({"title": "Python developer", "description": "Python"}),
            "{not json",
            json.dumps({"title": "", "description": "  "}),
            json.dumps({"title": "x", "date": "yesterday"}),
            json.dumps({"title": "x", "salary": "high"}),
            json.dumps({"title": 3}),
            json.dumps({"title": "SQL", "occupation": "0000.0"}),
            json.dumps(["a list"]),
        ]
    )

    response = _upload(server, tenant, body)

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["total"], result["accepted"], result["rejected"]) == (8, 3, 5)
    errors = [(e["row"], e["field"]) for e in result["errors"]]
    assert errors == [
        (2, ""),
        (3, "description"),
        (5, "salary"),
        (6, "title"),
        (8, ""),
    ]
    # A date that cannot be read does not lose the posting: it is kept undated, with a warning.
    warnings = result["warnings"]
    assert [(w["row"], w["field"]) for w in warnings] == [(4, "date"), (7, "occupation")]
    assert "'yesterday' is not a date" in warnings[0]["reason"]
    assert "kept undated" in warnings[0]["reason"]


def test_csv_and_json_array_uploads(server: httpx.Client, tenant: Tenant) -> None:
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["index", "job_title", "description", "label"])
    writer.writerow(["0", "Analyst", "Requirements: SQL, Python.", "2511.3"])
    writer.writerow(["1", "", "", ""])
    writer.writerow(["2", "Baker", "Bake bread", "7512.1", "extra"])
    as_csv = _upload(server, tenant, table.getvalue(), {"Content-Type": "text/csv"})
    as_json = _upload(
        server,
        tenant,
        json.dumps([{"title": "Teamwork lead", "description": "work in teams"}]),
        {"Content-Type": "application/json"},
    )

    assert as_csv.status_code == 200, as_csv.text
    assert (as_csv.json()["created"], as_csv.json()["rejected"]) == (1, 2)
    assert [(e["row"], e["field"]) for e in as_csv.json()["errors"]] == [
        (2, "description"),
        (3, ""),
    ]
    assert as_json.json()["created"] == 1


def test_upload_problems_are_rfc9457(server: httpx.Client, tenant: Tenant) -> None:
    unsupported = _upload(server, tenant, "<xml/>", {"Content-Type": "application/xml"})
    empty = _upload(server, tenant, "\n\n")
    no_columns = _upload(server, tenant, "a,b\n1,2\n", {"Content-Type": "text/csv"})
    huge_cell = _upload(
        server, tenant, "title,description\nx," + "y" * 200_000 + "\n", {"Content-Type": "text/csv"}
    )
    forbidden = server.post(
        "/v1/postings", content=b"{}", headers={**tenant.headers("matcher"), **NDJSON}
    )

    assert unsupported.status_code == 415
    assert unsupported.headers["content-type"].startswith("application/problem+json")
    assert unsupported.json()["type"].endswith("/unsupported-media-type")
    # Well-formed bodies (the schema takes any text) refused by what they hold: 422.
    assert empty.status_code == 422 and empty.json()["type"].endswith("/unprocessable-request")
    assert no_columns.status_code == 422
    assert huge_cell.status_code == 422, huge_cell.text
    assert huge_cell.headers["content-type"].startswith("application/problem+json")
    assert "cannot be read at line 2" in huge_cell.json()["detail"]
    assert forbidden.status_code == 403


def test_large_upload_runs_in_the_background(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    response = _upload(server, tenant, _ndjson(POSTINGS), **{"async": "true"})

    assert response.status_code == 202, response.text
    upload_id = response.json()["id"]
    assert response.headers["location"] == f"/v1/postings/uploads/{upload_id}"
    for _ in range(120):
        status = server.get(f"/v1/postings/uploads/{upload_id}", headers=tenant.headers("analyst"))
        if status.json()["status"] == "done":
            break
        time.sleep(0.5)
    assert status.json()["status"] == "done", status.text
    assert (status.json()["processed"], status.json()["created"]) == (3, 3)
    stranger = Tenant(runtime).headers("analyst")
    assert server.get(f"/v1/postings/uploads/{upload_id}", headers=stranger).status_code == 404


def test_report_demand_supply_gap_rollups_trend_and_recommendations(
    server: httpx.Client, market: Tenant
) -> None:
    result = _report(server, market)

    report = result["report"]
    assert result["status"] == "done" and result["progress"] == 1.0
    assert (report["postings"], report["datedPostings"], report["cohortSize"]) == (3, 3, 4)
    skills = _skills(result)
    sql, python = skills[SQL_ID], skills[PYTHON_ID]
    assert (sql["postings"], sql["mustPostings"], sql["demandShare"]) == (2, 2, 0.6667)
    assert (sql["holders"], sql["supplyShare"]) == (3, 0.75)  # ana, cy, dee
    assert sql["gap"] == round(0.6667 - 0.75, 4)
    assert (python["holders"], python["supplyShare"]) == (2, 0.5)
    ml = skills[ML_ID]
    assert (ml["mustPostings"], ml["nicePostings"], ml["niceShare"]) == (0, 1, 0.3333)
    assert skills[BREAD_ID]["gap"] == 0.3333
    assert report["skills"][0]["gap"] >= report["skills"][-1]["gap"]
    pillars = {p["key"]: p for p in report["pillars"]}
    assert set(pillars) <= {"knowledge", "skills", "transversal", "language", "unclassified"}
    assert pillars["knowledge"]["postings"] == 2
    groups = {g["label"]: g for g in report["groups"]}
    assert groups["software and applications"]["postings"] == 1  # Python only
    trend = report["trend"]
    assert trend["months"] == ["2025-01", "2025-02", "2025-03"]
    assert trend["postings"] == [1, 0, 2]
    occupations = {o["occupation"]: o for o in report["occupations"]}
    assert occupations["2511.3"]["label"] == "data analyst"
    analyst = occupations["2511.3"]
    assert (analyst["postings"], analyst["demandShare"]) == (2, 0.6667)  # by code and by URI
    assert analyst["essentialSkills"] == 2
    # Python+SQL: ana 2/2, ben 1/2, cy 1/2, dee 1/2 -> 5/8.
    assert (analyst["meanReadiness"], analyst["learnersReady"]) == (0.625, 1)
    assert occupations["7512.1"]["meanReadiness"] is None
    # Open gaps: machine learning (0.0833) and bread (no achievement teaches it); only the
    # bootcamp closes any of them, and SQL's gap is negative, so it adds nothing.
    assert ml["gap"] == 0.0833
    first = report["recommendations"][0]
    assert (first["name"], first["gapClosed"], first["skills"]) == (
        "Data Science Bootcamp",
        0.0833,
        ["machine learning"],
    )
    assert (first["holders"], first["holderShare"], first["issuer"]) == (1, 0.25, "College")
    assert len(report["recommendations"]) == 1
    assert set(result["links"]["charts"]) >= {f"/v1/reports/{result['id']}/charts/gaps.png"}


def test_cohort_filters_by_candidate_tag_issuer_date_and_tag(
    server: httpx.Client, market: Tenant
) -> None:
    tagged = _report(server, market, cohort={"candidateTags": ["Spring"]})
    recent = _report(server, market, cohort={"issuedAfter": "2024-01-01T00:00:00Z"})
    college = _report(
        server,
        market,
        cohort={"issuers": [market.issuers["college"]]},  # type: ignore[attr-defined]
    )
    programming = _report(server, market, cohort={"tags": ["programming"]})

    assert tagged["report"]["cohortSize"] == 2
    assert _skills(tagged)[SQL_ID]["holders"] == 2
    assert recent["report"]["cohortSize"] == 2  # ana, cy
    assert _skills(recent)[PYTHON_ID]["holders"] == 1
    assert college["report"]["cohortSize"] == 2  # ben, dee
    assert _skills(college)[SQL_ID]["holders"] == 1
    assert programming["report"]["cohortSize"] == 2  # ana and ben hold the tagged badge
    assert _skills(programming)[SQL_ID]["holders"] == 0


def test_posting_filters_and_report_formats(server: httpx.Client, market: Tenant) -> None:
    march = _report(server, market, postings={"postedAfter": "2025-03-01T00:00:00Z"}, topSkills=2)
    as_csv = server.post(
        "/v1/reports/gap", json={}, params={"format": "csv"}, headers=market.headers("analyst")
    )

    assert march["report"]["postings"] == 2
    assert len(march["report"]["skills"]) == 2
    assert as_csv.status_code == 201
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {"id", "label", "demandShare", "supplyShare", "gap"} <= set(rows[0])
    report_id = march["id"]
    headers = market.headers("analyst")
    html = server.get(f"/v1/reports/{report_id}", headers={**headers, "Accept": "text/html"})
    groups = server.get(
        f"/v1/reports/{report_id}", params={"format": "csv", "table": "groups"}, headers=headers
    )
    png = server.get(f"/v1/reports/{report_id}/charts/gaps.png", headers=headers)
    missing = server.get(f"/v1/reports/{report_id}/charts/nope.png", headers=headers)

    assert html.status_code == 200 and "<svg" in html.text
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert groups.text.startswith("key,label,skills,postings")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert missing.status_code == 404


def test_background_report_progress_then_result(server: httpx.Client, market: Tenant) -> None:
    headers = market.headers("analyst")
    queued = server.post("/v1/reports/gap", json={"async": True}, headers=headers)

    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued" and queued.json()["report"] is None
    report_id = queued.json()["id"]
    assert queued.headers["location"] == f"/v1/reports/{report_id}"
    for _ in range(120):
        status = server.get(f"/v1/reports/{report_id}", headers=headers)
        if status.json()["status"] == "done":
            break
        time.sleep(0.5)
    assert status.json()["status"] == "done", status.text
    assert status.json()["report"]["postings"] == 3


def _wait_done(server: httpx.Client, tenant: Tenant, location: str) -> dict[str, Any]:
    for _ in range(120):
        status = server.get(location, headers=tenant.headers("analyst"))
        if status.json()["status"] in {"done", "failed"}:
            break
        time.sleep(0.5)
    assert status.json()["status"] == "done", status.text
    return status.json()  # type: ignore[no-any-return]


def test_a_queued_report_asked_as_csv_or_html_answers_its_status_and_is_kept(
    server: httpx.Client, market: Tenant
) -> None:
    headers = market.headers("analyst")
    queued = server.post(
        "/v1/reports/gap", json={"async": True}, params={"format": "csv"}, headers=headers
    )

    assert queued.status_code == 202, queued.text
    assert queued.headers["content-type"].startswith("application/json")
    location = queued.headers["location"]
    assert location == f"/v1/reports/{queued.json()['id']}"
    assert _wait_done(server, market, location)["report"]["postings"] == 3
    rendered = server.get(location, params={"format": "csv"}, headers=headers)
    assert rendered.status_code == 200 and rendered.text.startswith("id,uri,label")


def test_a_large_tenant_report_is_queued_whatever_the_format_and_never_forced_inline(
    server: httpx.Client, market: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.gap.service.BACKGROUND_ABOVE", 3)  # 4 learners: large
    headers = {**market.headers("analyst"), "Accept": "text/html"}

    queued = server.post("/v1/reports/gap", json={}, headers=headers)
    inline = server.post("/v1/reports/gap", json={"async": False}, headers=headers)

    assert queued.status_code == 202, queued.text
    assert queued.json()["status"] == "queued"
    assert _wait_done(server, market, queued.headers["location"])["report"]["cohortSize"] == 4
    assert inline.status_code == 400, inline.text
    assert inline.headers["content-type"].startswith("application/problem+json")
    assert "background" in inline.json()["detail"]


def test_rendering_a_report_not_done_or_failed_is_a_precise_problem(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        running = gap_repo.create_report(session, tenant_id, {}, status="running")
        running.claimed_at = utcnow()  # a live claim: no worker takes it over
        failed = gap_repo.create_report(session, tenant_id, {}, status="failed")
        failed.error = "the taxonomy was replaced"
        running_id, failed_id = running.id, failed.id
    headers = tenant.headers("analyst")
    try:
        not_ready = server.get(
            f"/v1/reports/{running_id}", params={"format": "html"}, headers=headers
        )
        chart = server.get(f"/v1/reports/{running_id}/charts/gaps.png", headers=headers)
        failed_csv = server.get(
            f"/v1/reports/{failed_id}", params={"format": "csv"}, headers=headers
        )
        failed_chart = server.get(f"/v1/reports/{failed_id}/charts/gaps.png", headers=headers)
        failed_json = server.get(f"/v1/reports/{failed_id}", headers=headers)
    finally:
        with unit_of_work(runtime.sessions) as session:
            gap_repo.report_by_id(session, running_id).status = "failed"

    assert not_ready.status_code == 409, not_ready.text
    assert not_ready.json()["type"].endswith("/report-not-ready")
    assert (not_ready.json()["status"], not_ready.json()["reportStatus"]) == (409, "running")
    assert chart.json()["type"].endswith("/report-not-ready")
    for problem in (failed_csv, failed_chart):
        assert problem.status_code == 409, problem.text
        assert problem.json()["type"].endswith("/report-failed")
        assert "failed: the taxonomy was replaced" in problem.json()["detail"]
        assert "once done" not in problem.json()["detail"]
    assert failed_json.status_code == 200
    assert failed_json.json()["status"] == "failed"


def test_trusted_issuers_only_weighs_evidence_but_keeps_the_cohort(
    server: httpx.Client, market: Tenant
) -> None:
    policy = {"trusted": [{"kind": "issuer", "value": market.issuers["uni"]}]}  # type: ignore[attr-defined]
    put = server.put("/v1/trust-policy", json=policy, headers=market.headers("admin"))
    assert put.status_code == 200, put.text

    result = _report(server, market, cohort={"trustedIssuersOnly": True})

    report = result["report"]
    assert report["cohortSize"] == 4  # ben and dee hold only College badges, still learners
    skills = _skills(result)
    assert (skills[PYTHON_ID]["holders"], skills[PYTHON_ID]["supplyShare"]) == (1, 0.25)
    assert skills[SQL_ID]["holders"] == 2  # ana, cy; dee's bootcamp is from College
    assert skills[ML_ID]["holders"] == 0
    # Holders follow the evidence rules too: ben and dee hold College badges, which do not
    # count here, so no learner of the cohort holds either recommendation (the College
    # Python badge wins the tie with Uni's by its id).
    recommended = [
        (r["name"], r["issuer"], r["gapClosed"], r["holders"]) for r in report["recommendations"]
    ]
    assert recommended == [
        ("Data Science Bootcamp", "College", round(0.3333 + 0.1667, 4), 0),
        ("Python Programming", "College", 0.0833, 0),
    ]


def test_an_offset_date_is_bucketed_by_its_utc_month(server: httpx.Client, tenant: Tenant) -> None:
    rows = [
        {"externalId": "late", "title": "SQL", "date": "2025-02-01T00:30:00+02:00"},
        {"externalId": "early", "title": "SQL", "date": "2025-02-28T23:30:00-05:00"},
    ]
    assert _upload(server, tenant, _ndjson(rows)).status_code == 200

    trend = _report(server, tenant)["report"]["trend"]

    assert trend["months"] == ["2025-01", "2025-02", "2025-03"]
    assert trend["postings"] == [1, 0, 1]


def test_duplicate_external_ids_are_found_across_chunks_and_only_stored_rows_count(
    runtime: Runtime, tenant: Tenant
) -> None:
    many = "\n".join(f"- phrase number {n} about tools" for n in range(260))
    rows = parse_postings(
        _ndjson(
            [
                {"externalId": "a", "title": "SQL developer", "description": "SQL"},
                {"externalId": "big", "title": "Everything", "description": many},
                {"externalId": "a", "title": "SQL developer", "description": "Python"},
                {"externalId": "big", "title": "Everything", "description": many},
                {"externalId": "a", "title": "SQL developer", "description": "SQL"},
                {"externalId": "big", "title": "Everything", "description": many},
            ]
        ).encode(),
        "ndjson",
    )
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id

    summary = import_in_chunks(
        lambda: unit_of_work(runtime.sessions),
        context,
        tenant_id=tenant_id,
        rows=rows,
        chunk_size=2,  # chunks: rows 1-2, 3-4, 5-6
    )

    assert (summary.created, summary.duplicates, summary.rejected) == (1, 1, 4)
    assert [(e.row, e.field) for e in summary.errors] == [
        (2, "description"),
        (3, "externalId"),
        (4, "description"),
        (6, "description"),
    ]
    assert "row 1 has the same externalId" in summary.errors[1].reason
    with unit_of_work(runtime.sessions) as session:
        assert gap_repo.count_postings(session, tenant_id) == 1
        stored = gap_repo.posting_by_external_id(session, tenant_id, "a")
        assert stored is not None and stored.description == "SQL"
        # A resumed upload remembers what its earlier rows stored, as one run would.
        assert stored_before(session, tenant_id, rows[:4]) == {"a": (1, rows[0].content_hash)}  # type: ignore[union-attr]


def test_twins_in_one_batch_share_the_first_rows_fate(runtime: Runtime, tenant: Tenant) -> None:
    many = "\n".join(f"- phrase number {n} about tools" for n in range(260))
    rows = parse_postings(
        _ndjson(
            [
                {"externalId": "big", "title": "Everything", "description": many},
                {"externalId": "big", "title": "Everything", "description": many},
                {"title": "SQL developer", "description": "SQL"},
                {"title": "SQL developer", "description": "SQL"},
            ]
        ).encode(),
        "ndjson",
    )
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        summary = import_postings(session, context, tenant_id=tenant_id, rows=rows)

    assert (summary.created, summary.duplicates, summary.rejected) == (1, 1, 2)
    assert [(e.row, e.field) for e in summary.errors] == [(1, "description"), (2, "description")]


def test_reports_are_for_analysts_and_kept_per_tenant(
    server: httpx.Client, market: Tenant, runtime: Runtime
) -> None:
    result = _report(server, market)
    stranger = Tenant(runtime)

    recruiter = server.post("/v1/reports/gap", json={}, headers=market.headers("recruiter"))
    admin = server.post("/v1/reports/gap", json={}, headers=market.headers("admin"))
    theirs = server.get(f"/v1/reports/{result['id']}", headers=stranger.headers("analyst"))
    chart = server.get(
        f"/v1/reports/{result['id']}/charts/gaps.png", headers=stranger.headers("analyst")
    )
    empty = server.post("/v1/reports/gap", json={}, headers=stranger.headers("analyst"))

    assert recruiter.status_code == 403
    assert recruiter.json()["type"].endswith("/forbidden")
    assert admin.status_code == 201
    assert theirs.status_code == 404 and theirs.json()["type"].endswith("/not-found")
    assert chart.status_code == 404
    assert empty.json()["report"]["postings"] == 0
    assert empty.json()["report"]["cohortSize"] == 0


def test_bad_report_requests_are_rfc9457(server: httpx.Client, tenant: Tenant) -> None:
    headers = tenant.headers("analyst")
    unknown = server.post("/v1/reports/gap", json={"colour": "red"}, headers=headers)
    too_many = server.post("/v1/reports/gap", json={"topSkills": 5000}, headers=headers)
    backwards = server.post(
        "/v1/reports/gap",
        json={
            "postings": {
                "postedAfter": "2025-02-01T00:00:00Z",
                "postedBefore": "2025-01-01T00:00:00Z",
            }
        },
        headers=headers,
    )
    table = server.post(
        "/v1/reports/gap", json={}, params={"format": "csv", "table": "x"}, headers=headers
    )

    for response in (unknown, too_many, table):  # against the schema: 400
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert backwards.status_code == 422, backwards.text  # valid by the schema, not in order
    assert backwards.json()["type"].endswith("/unprocessable-request")


def test_occupation_coding_postings_from_shared_data(server: httpx.Client, tenant: Tenant) -> None:
    path = shared_data("jobs", "occupation-coding", "GenEasy_df.converted.csv")
    with path.open(newline="", encoding="utf-8") as stream:
        records = list(csv.reader(stream))
    sample = io.StringIO()
    csv.writer(sample).writerows(records[:41])  # header + 40 postings

    response = _upload(server, tenant, sample.getvalue(), {"Content-Type": "text/csv"})
    report = _report(server, tenant)["report"]

    assert response.status_code == 200, response.text
    assert (response.json()["accepted"], response.json()["rejected"]) == (40, 0)
    # The mini taxonomy has none of these occupations: each is kept as given, with a note.
    assert {w["field"] for w in response.json()["warnings"]} == {"occupation"}
    assert report["postings"] == 40
    assert report["occupations"][0]["postings"] >= 1


def test_an_export_with_post_date_and_a_long_ad_is_dated_and_kept(
    server: httpx.Client, tenant: Tenant
) -> None:
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["job_title", "description", "post_date", "label"])
    writer.writerow(["Analyst", "Requirements: SQL.", "01/15/2025", ""])
    writer.writerow(["Developer", "You know Python. " + "We grow. " * 2_800, "3/2/2025", ""])
    writer.writerow(["Baker", "Bake bread.", "30+ days ago", ""])

    response = _upload(server, tenant, table.getvalue(), {"Content-Type": "text/csv"})

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["created"], result["rejected"]) == (3, 0)
    warned = {(w["row"], w["field"]): w["reason"] for w in result["warnings"]}
    assert set(warned) == {(2, "description"), (3, "date")}
    assert "skills are read from the first 20000" in warned[2, "description"]
    trend = _report(server, tenant)["report"]["trend"]
    assert trend["months"] == ["2025-01", "2025-02", "2025-03"]
    assert trend["postings"] == [1, 0, 1]


def test_a_stored_posting_shows_its_skills_and_the_boilerplate_left_unread(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    description = (
        "Requirements:\n- SQL and Python\nBenefits:\n- Health insurance\n"
        "We are an equal opportunity employer and value diversity."
    )
    body = json.dumps({"externalId": "ad-7", "title": "Data analyst", "description": description})
    assert _upload(server, tenant, body).json()["created"] == 1

    shown = server.get("/v1/postings/ad-7", headers=tenant.headers("analyst"))

    assert shown.status_code == 200, shown.text
    posting = shown.json()
    assert posting["externalId"] == "ad-7" and posting["title"] == "Data analyst"
    assert {s["skill"]["label"] for s in posting["skills"]} == {
        "SQL",
        "Python (computer programming)",
    }
    assert [(i["text"], i["reason"]) for i in posting["ignored"]] == [
        ("Requirements", "heading"),
        ("Benefits", "heading"),
        ("Health insurance", "benefits"),
        ("We are an equal opportunity employer and value diversity", "equal-opportunity"),
    ]
    for item in posting["ignored"]:
        assert description[item["start"] : item["end"]] == item["text"]
    assert posting["model"].endswith(MappingModel.load(DEFAULT_ARTEFACT).version)
    missing = server.get("/v1/postings/nope", headers=tenant.headers("analyst"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    other = Tenant(runtime)
    assert server.get("/v1/postings/ad-7", headers=other.headers("analyst")).status_code == 404


@pytest.mark.parametrize("external_id", ["indeed/2025/123", "jobs/uploads/5", "a b/c%d"])
def test_a_posting_whose_external_id_holds_slashes_can_be_read_back(
    server: httpx.Client, tenant: Tenant, external_id: str
) -> None:
    body = json.dumps({"externalId": external_id, "title": "Analyst", "description": "SQL"})
    assert _upload(server, tenant, body).json()["created"] == 1
    path = "/v1/postings/" + "/".join(quote(part, safe="") for part in external_id.split("/"))
    shown = server.get(path, headers=tenant.headers("analyst"))
    assert shown.status_code == 200, shown.text
    assert shown.json()["externalId"] == external_id


def test_the_title_adds_its_occupations_essential_skills_as_match_reads_it(
    server: httpx.Client, tenant: Tenant
) -> None:
    """The mini release's "data analyst" needs Python and SQL (essential), as in match."""
    rows = [
        # The text names SQL; the title adds Python (SQL is already demanded by the text).
        {"externalId": "t1", "title": "Data Analyst (m/f/d)", "description": "Write SQL."},
        # Nothing to read in the text: the title alone demands both.
        {"externalId": "t2", "title": "Data analyst", "description": "We offer a pension."},
        # A title naming no occupation of the release adds nothing.
        {"externalId": "t3", "title": "Pastry chef", "description": "We offer a pension."},
    ]
    assert _upload(server, tenant, _ndjson(rows)).json()["created"] == 3

    shown = server.get("/v1/postings/t2", headers=tenant.headers("analyst")).json()
    assert shown["skills"] == []  # the stored skills are the text's
    named = shown["titleOccupation"]
    assert (named["occupation"]["label"], named["occupation"]["code"]) == ("data analyst", "2511.3")
    assert named["similarity"] >= 0.7
    chef = server.get("/v1/postings/t3", headers=tenant.headers("analyst")).json()
    assert chef["titleOccupation"] is None or chef["titleOccupation"]["similarity"] < 0.7

    report = _report(server, tenant)["report"]
    skills = _skills({"report": report})
    sql, python = skills[SQL_ID], skills[PYTHON_ID]
    assert (sql["postings"], sql["mustPostings"], sql["nicePostings"]) == (2, 1, 1)
    assert sql["titlePostings"] == 1  # t2 only: t1's text names it
    assert (python["postings"], python["nicePostings"], python["titlePostings"]) == (2, 2, 2)
    assert report["postingsWithoutSkills"] == 1  # the pastry chef
    html = server.get(
        f"/v1/reports/{_report(server, tenant)['id']}",
        headers={**tenant.headers("analyst"), "Accept": "text/html"},
    ).text
    assert 'data-field="titlePostings" data-value="2"' in html

    text_only = _report(server, tenant, titleSkills=False)["report"]
    assert set(_skills({"report": text_only})) == {SQL_ID}
    assert _skills({"report": text_only})[SQL_ID]["titlePostings"] == 0
    assert text_only["postingsWithoutSkills"] == 2


def test_postings_stored_before_titles_were_read_get_them_read_in_the_background(
    server: httpx.Client, tenant: Tenant, runtime: Runtime
) -> None:
    rows = [
        {"externalId": "old-1", "title": "Data analyst", "description": "We offer a pension."},
        {"externalId": "old-2", "title": "", "description": "Write SQL."},
    ]
    assert _upload(server, tenant, _ndjson(rows)).json()["created"] == 2
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        session.execute(  # as migration 0010 leaves the postings stored before it
            update(JobPosting)
            .where(JobPosting.tenant_id == tenant_id)
            .values(title_occupation_id=None, title_similarity=None)
        )

    # The server's own worker reads them when idle; this one may find them read already.
    runner = ReportRunner(runtime)
    while runner.read_titles():
        pass

    shown = server.get("/v1/postings/old-1", headers=tenant.headers("analyst")).json()
    assert shown["titleOccupation"]["occupation"]["code"] == "2511.3"
    untitled = server.get("/v1/postings/old-2", headers=tenant.headers("analyst")).json()
    assert untitled["titleOccupation"] is None
    with unit_of_work(runtime.sessions) as session:
        marks = session.scalars(
            select(JobPosting.title_similarity).where(JobPosting.tenant_id == tenant_id)
        ).all()
    assert None not in marks  # each was read once; the empty title as naming nothing
    after = _skills(_report(server, tenant))
    assert after[PYTHON_ID]["titlePostings"] == 1
    assert not runner.read_titles()
