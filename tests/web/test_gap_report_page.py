"""The HTML gap report in headless Chromium: renders, has its charts, shows the JSON numbers."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import JobPosting
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from tests.service.conftest import ESCO, Tenant
from tests.web.conftest import Site

if os.environ.get("CI", "").lower() not in {"1", "true"}:
    # Outside CI a missing test dependency skips; in CI the import below fails loudly.
    pytest.importorskip("selenium", reason="the selenium package is not installed")

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON = SampleAchievement(
    slug="py", name="Python course", description="Python.", aligned_skill_uris=(ESCO + PYTHON_ID,)
)
SQL = SampleAchievement(
    slug="sql", name="SQL course", description="SQL.", aligned_skill_uris=(ESCO + SQL_ID,)
)
POSTINGS = [
    {
        "title": "Data analyst",
        "description": "Requirements:\n- Python\n- SQL\nNice to have:\n- machine learning",
        "date": "2025-01-10",
        "occupation": "2511.3",
    },
    {"title": "SQL developer", "description": "You must know SQL.", "date": "2025-02-11"},
    {"title": "Baker", "description": "Bake bread.", "date": "2025-02-20"},
]


def _report_for(
    site: Site, tenant: Tenant, held: list[tuple[SampleAchievement, str]]
) -> dict[str, Any]:
    """Issue each (achievement, learner) as a verified credential, then run a gap report."""
    issuer = SampleIssuer(name="Uni", domain="uni.example")
    for badge, who in held:
        document = issuer.issue(
            badge, f"did:example:{who}", valid_from=datetime(2025, 1, 1, tzinfo=UTC)
        )
        response = site.client.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=document,
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    response = site.client.post("/v1/reports/gap", json={}, headers=tenant.headers("analyst"))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture
def report(site: Site, tenant: Tenant) -> dict[str, Any]:
    """A finished report over three postings and two learners (ana: Python, SQL; ben: SQL)."""
    body = "\n".join(json.dumps(p) for p in POSTINGS)
    upload = site.client.post(
        "/v1/postings",
        content=body.encode(),
        headers={**tenant.headers("analyst"), "Content-Type": "application/x-ndjson"},
    )
    assert upload.status_code == 200, upload.text
    return _report_for(site, tenant, [(PYTHON, "ana"), (SQL, "ana"), (SQL, "ben")])


@pytest.fixture
def authorised(chrome: WebDriver, tenant: Tenant) -> Iterator[WebDriver]:
    """The browser sending the analyst's key with every request (through DevTools)."""
    chrome.execute_cdp_cmd("Network.enable", {})
    chrome.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": tenant.headers("analyst")})
    try:
        yield chrome
    finally:
        chrome.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def _cells(row: Any) -> dict[str, tuple[str, str]]:
    return {
        cell.get_attribute("data-field"): (cell.get_attribute("data-value"), cell.text)
        for cell in row.find_elements(By.CSS_SELECTOR, "td[data-field]")
    }


def test_html_report_renders_with_charts_and_the_json_numbers(
    authorised: WebDriver, site: Site, report: dict[str, Any]
) -> None:
    data = report["report"]
    authorised.get(f"{site.url}/v1/reports/{report['id']}")  # a browser asks for text/html

    assert authorised.title == f"Skills gap report #{report['id']}"
    summary = {
        dd.get_attribute("data-field"): dd.text
        for dd in authorised.find_elements(By.CSS_SELECTOR, ".summary dd")
    }
    assert summary["postings"] == str(data["postings"]) == "3"
    assert summary["cohortSize"] == str(data["cohortSize"]) == "2"
    charts = authorised.find_elements(By.CSS_SELECTOR, "figure.chart")
    names = [figure.get_attribute("data-chart") for figure in charts]
    assert {"gaps", "groups", "pillars", "trend", "occupations"} <= set(names)
    for figure in charts:
        svg = figure.find_element(By.TAG_NAME, "svg")
        assert svg.size["width"] > 100 and svg.size["height"] > 50  # drawn, not empty
        assert figure.find_elements(By.CSS_SELECTOR, "svg path")
    rows = authorised.find_elements(By.CSS_SELECTOR, "table#skills tbody tr")
    assert [row.get_attribute("data-skill-id") for row in rows] == [s["id"] for s in data["skills"]]
    for row, skill in zip(rows, data["skills"], strict=True):
        cells = _cells(row)
        assert cells["postings"] == (str(skill["postings"]), str(skill["postings"]))
        for field in ("demandShare", "supplyShare", "gap", "mustShare", "niceShare"):
            exact, shown = cells[field]
            assert float(exact) == skill[field]
            assert shown == f"{skill[field] * 100:.1f}%"
        assert cells["holders"][0] == str(skill["holders"])
    sql = next(s for s in data["skills"] if s["id"] == SQL_ID)
    assert (sql["demandShare"], sql["supplyShare"]) == (0.6667, 1.0)
    occupations = authorised.find_elements(By.CSS_SELECTOR, "table#occupations tbody tr")
    analyst = next(o for o in data["occupations"] if o["occupation"] == "2511.3")
    row = next(r for r in occupations if r.get_attribute("data-occupation") == "2511.3")
    assert float(_cells(row)["meanReadiness"][0]) == analyst["meanReadiness"] == 0.75


BREAD_ID = "00000000-0000-4000-8000-000000000003"
FORKLIFT_ID = "00000000-0000-4000-8000-000000000004"
BREAD = SampleAchievement(
    slug="bread", name="Bakery course", description="Bread.", aligned_skill_uris=(ESCO + BREAD_ID,)
)
# Shaped like a job-board export: extra columns, HTML descriptions, US dates, an ESCO code
# under "label", boilerplate around the requirements, an ad past the mapped length and a
# relative date no export should be trusted on.
EXPORT_HEADER = ["job_title", "company", "description", "post_date", "label", "salary"]
LONG_TAIL = "The depot runs three shifts and a canteen is on site. " * 420  # ~23,000 characters
EXPORT_ROWS = [
    [
        "Data Analyst (m/f/d)",
        "Acme",
        "<p><b>Requirements</b></p><ul><li>Python and SQL</li><li>agile methods</li></ul>"
        "<p>Benefits: health insurance and paid time off.</p>"
        "<p>Acme is an equal opportunity employer.</p>",
        "01/15/2025",
        "2511.3",
        "$70,000",
    ],
    [
        "Forklift Operator - Night Shift",
        "Depot",
        "Responsibilities:\n• Drive forklift in the warehouse\n"
        "Must pass a drug test and a background check.\n" + LONG_TAIL,
        "02/03/2025",
        "",
        "",
    ],
    ["Baker", "Bakery", "Make bread every morning.", "02/20/2025", "7512.1", ""],
    ["Data analyst", "Beta", "We offer a pension.", "30+ days ago", "2511.3", ""],
]


@pytest.fixture
def export_report(site: Site, tenant: Tenant) -> dict[str, Any]:
    """The export uploaded as CSV; ana holds Python and SQL, ben bread (both verified)."""
    out = io.StringIO()
    csv.writer(out).writerows([EXPORT_HEADER, *EXPORT_ROWS])
    upload = site.client.post(
        "/v1/postings",
        content=out.getvalue().encode(),
        headers={**tenant.headers("analyst"), "Content-Type": "text/csv"},
    )
    assert upload.status_code == 200, upload.text
    summary = upload.json()
    assert (summary["created"], summary["rejected"]) == (4, 0)
    warned = {(w["row"], w["field"]) for w in summary["warnings"]}
    # The long ad is capped, not dropped; the relative date leaves its ad undated; the
    # baker's code is kept as given although the release has no such occupation.
    assert warned == {(2, "description"), (3, "occupation"), (4, "date")}
    return _report_for(site, tenant, [(PYTHON, "ana"), (SQL, "ana"), (BREAD, "ben")])


def test_a_real_shaped_export_reads_as_requirements_in_the_html_report(
    authorised: WebDriver,
    site: Site,
    tenant: Tenant,
    runtime: Runtime,
    export_report: dict[str, Any],
) -> None:
    data = export_report["report"]
    authorised.get(f"{site.url}/v1/reports/{export_report['id']}")

    summary = {
        dd.get_attribute("data-field"): dd.text
        for dd in authorised.find_elements(By.CSS_SELECTOR, ".summary dd")
    }
    assert (summary["postings"], summary["datedPostings"], summary["cohortSize"]) == ("4", "3", "2")
    assert summary["postingsWithoutSkills"] == "0"  # the last ad's title names data analyst
    assert data["trend"]["months"] == ["2025-01", "2025-02"]
    assert data["trend"]["postings"] == [1, 2]
    assert "trend" in {
        f.get_attribute("data-chart") for f in authorised.find_elements(By.CSS_SELECTOR, "figure")
    }

    shown = {
        row.get_attribute("data-skill-id"): {k: v[0] for k, v in _cells(row).items()}
        for row in authorised.find_elements(By.CSS_SELECTOR, "table#skills tbody tr")
    }
    assert set(shown) == {s["id"] for s in data["skills"]}
    # Python and SQL: the first ad's list and the last ad's title (data analyst).
    for skill_id in (PYTHON_ID, SQL_ID):
        assert (shown[skill_id]["postings"], shown[skill_id]["titlePostings"]) == ("2", "1")
        assert float(shown[skill_id]["supplyShare"]) == 0.5  # ana of ana and ben
    assert shown[FORKLIFT_ID]["postings"] == "1"
    assert float(shown[FORKLIFT_ID]["gap"]) == 0.25  # nobody holds it
    assert float(shown[BREAD_ID]["gap"]) == round(0.25 - 0.5, 4)
    for skill in data["skills"]:
        assert shown[skill["id"]]["postings"] == str(skill["postings"])
        assert float(shown[skill["id"]]["gap"]) == skill["gap"]

    # What was not read is kept per posting, with the reason; none of it became demand.
    with unit_of_work(runtime.sessions) as session:
        tenant_id = registry.get_or_create_tenant(session, tenant.name).id
        keys = session.scalars(
            select(JobPosting.external_id).where(JobPosting.tenant_id == tenant_id)
        ).all()
    reasons: set[str] = set()
    for key in keys:
        posting = site.client.get(f"/v1/postings/{key}", headers=tenant.headers("analyst")).json()
        reasons |= {ignored["reason"] for ignored in posting["ignored"]}
        phrases = " ".join(skill["phrase"] for skill in posting["skills"])
        assert "drug" not in phrases and "equal" not in phrases and "insurance" not in phrases
    assert {"benefits", "equal-opportunity", "screening"} <= reasons
