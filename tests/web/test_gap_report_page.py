"""The HTML gap report in headless Chromium: renders, has its charts, shows the JSON numbers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

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
    issuer = SampleIssuer(name="Uni", domain="uni.example")
    for badge, who in [(PYTHON, "ana"), (SQL, "ana"), (SQL, "ben")]:
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
