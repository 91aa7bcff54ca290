"""Taxonomy browsing and skill extraction over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ingest.mapping_model import DEFAULT_ARTEFACT, MappingModel
from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.service.conftest import ESCO, ESCO_GROUP, ESCO_OCCUPATION, Tenant

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
DATABASE_ID = "43ae58b9-5e56-4524-b45a-b422777a0576"
ANALYTICS_ID = "97bd1c21-66b2-4b7e-ad0f-e3cda590e378"


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def _search(server: httpx.Client, tenant: Tenant, query: str) -> list[dict]:
    response = server.get("/v1/skills", params={"q": query}, headers=tenant.headers("recruiter"))
    assert response.status_code == 200, response.text
    results: list[dict] = response.json()["results"]
    return results


@pytest.mark.parametrize(
    ("query", "label", "method"),
    [
        ("SQL", "SQL", "exact"),
        ("pyth", "Python (computer programming)", "prefix"),  # preferred labels first
        ("forklift", "operate forklift", "contains"),
        ("forklift operate", "operate forklift", "words"),
        ("pyhton", "Python", "corrected"),
        ("javascrpt", "JavaScript", "corrected"),
        ("JSS", "JS", "fuzzy"),  # too short to correct word by word
    ],
)
def test_label_search_is_literal_first_and_typo_tolerant(
    server: httpx.Client, tenant: Tenant, query: str, label: str, method: str
) -> None:
    first = _search(server, tenant, query)[0]

    assert (first["matchedLabel"], first["method"]) == (label, method)
    assert first["skill"]["id"] == first["skill"]["uri"].rsplit("/", 1)[-1]


def test_skill_page_lists_labels_hierarchy_related_skills_and_occupations(
    server: httpx.Client, tenant: Tenant
) -> None:
    page = server.get(f"/v1/skills/{SQL_ID}", headers=tenant.headers("analyst"))
    python = server.get(f"/v1/skills/{PYTHON_ID}", headers=tenant.headers("analyst")).json()
    database = server.get(f"/v1/skills/{DATABASE_ID}", headers=tenant.headers("analyst")).json()
    missing = server.get("/v1/skills/no-such-skill", headers=tenant.headers("analyst"))

    assert page.status_code == 200, page.text
    body = page.json()
    assert body["skill"]["uri"] == ESCO + SQL_ID
    assert body["taxonomy"] == "esco@test-1"
    assert {"label": "structured query language", "kind": "alternative"} in body["labels"]
    assert body["labels"][0] == {"label": "SQL", "kind": "preferred"}
    assert [b["id"] for b in body["broader"]] == [DATABASE_ID]
    assert [n["id"] for n in database["narrower"]] == [SQL_ID]
    assert [o["occupation"]["uri"] for o in body["occupations"]] == [ESCO_OCCUPATION]
    assert body["occupations"][0]["relation"] == "essential"
    assert body["occupationCount"] == 1
    assert [g["uri"] for g in python["groups"]] == [ESCO_GROUP]
    assert body["collections"] == ["digital"]
    assert body["related"][0] == {
        "skill": body["related"][0]["skill"],
        "relation": "essential-for",
        "similarity": None,
    }
    assert body["related"][0]["skill"]["id"] == ANALYTICS_ID
    assert all(r["similarity"] >= 0.75 for r in body["related"][1:])
    assert len({r["skill"]["id"] for r in body["related"]}) == len(body["related"])
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_occupation_page_splits_essential_and_optional_skills(
    server: httpx.Client, tenant: Tenant
) -> None:
    by_id = server.get(
        f"/v1/occupations/{ESCO_OCCUPATION.rsplit('/', 1)[-1]}", headers=tenant.headers("analyst")
    )
    by_code = server.get("/v1/occupations/2511.3", headers=tenant.headers("analyst"))

    assert by_id.status_code == 200, by_id.text
    body = by_id.json()
    assert body == by_code.json()
    assert body["occupation"]["label"] == "data analyst"
    assert body["altLabels"] == ["data analysis specialist"]
    assert {s["id"] for s in body["essential"]} == {PYTHON_ID, SQL_ID}
    assert [s["id"] for s in body["optional"]] == [ANALYTICS_ID]
    assert server.get("/v1/occupations/9999", headers=tenant.headers("analyst")).status_code == 404


def test_extract_reads_phrases_with_offsets_strength_and_versions(
    server: httpx.Client, tenant: Tenant
) -> None:
    text = (
        "Data analyst wanted.\nRequirements:\n- Python programming\n- SQL\n"
        "Nice to have:\n- build dashboards\n"
    )

    response = server.post(
        "/v1/skills/extract", json={"text": text}, headers=tenant.headers("analyst")
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["taxonomy"] == "esco@test-1"
    assert body["model"]
    assert 0 < body["threshold"] < 1
    by_phrase = {p["text"]: p for p in body["phrases"]}
    python = by_phrase["Python"]  # the label found inside "Python programming"
    assert text[python["start"] : python["end"]] == "Python"
    assert python["strength"] == "must"
    assert python["skills"][0]["skill"]["id"] == PYTHON_ID
    assert python["skills"][0]["method"] == "exact"  # "Python (computer programming)"
    assert by_phrase["SQL"]["skills"][0]["method"] == "exact"
    assert by_phrase["build dashboards"]["strength"] == "nice"
    assert {s["skill"]["id"] for s in body["skills"]} >= {PYTHON_ID, SQL_ID}
    too_long = server.post(
        "/v1/skills/extract", json={"text": "x" * 20_001}, headers=tenant.headers("analyst")
    )
    assert too_long.status_code == 400


def test_extract_splits_lists_and_returns_the_own_ranking_on_request(
    server: httpx.Client, tenant: Tenant
) -> None:
    text = "Data engineer: SQL, JavaScript and bake fresh loaves every morning"

    default = server.post(
        "/v1/skills/extract", json={"text": text}, headers=tenant.headers("analyst")
    ).json()
    ranking = server.post(
        "/v1/skills/extract",
        json={"text": "bake fresh loaves every morning", "topK": 100, "threshold": 0},
        headers=tenant.headers("analyst"),
    )
    too_many = server.post(
        "/v1/skills/extract",
        json={"text": text, "topK": 101},
        headers=tenant.headers("analyst"),
    )

    methods = {s["skill"]["label"]: s["method"] for s in default["skills"]}
    assert methods["SQL"] == "exact"
    assert methods["JavaScript"] == "exact"
    assert methods.get("bake bread") == "embedding"
    for phrase in default["phrases"]:
        assert text[phrase["start"] : phrase["end"]] == phrase["text"]
    assert ranking.status_code == 200, ranking.text
    body = ranking.json()
    assert body["threshold"] == 0
    assert body["bounds"]["semantic"] == 0
    assert body["bounds"]["besideLabel"] == 0  # the caller's cut replaces each semantic bound
    assert body["bounds"]["exactLabel"] == default["bounds"]["exactLabel"]
    (whole,) = body["phrases"]
    scores = [s["confidence"] for s in whole["skills"]]
    assert len(scores) > 10  # the full ranking, not the calibrated cut
    assert scores == sorted(scores, reverse=True)
    assert whole["skills"][0]["skill"]["label"] == "bake bread"
    assert too_many.status_code == 400


def test_extract_lists_the_boilerplate_it_left_unread_and_names_the_artefact(
    server: httpx.Client, tenant: Tenant
) -> None:
    text = (
        "Requirements:\n- SQL and Python\nBenefits:\n- Free parking\n"
        "We are an equal opportunity employer.\nSalary: $50,000 per year"
    )

    body = server.post(
        "/v1/skills/extract", json={"text": text}, headers=tenant.headers("analyst")
    ).json()

    assert {s["skill"]["id"] for s in body["skills"]} == {SQL_ID, PYTHON_ID}
    ignored = [(i["text"], i["reason"]) for i in body["ignored"]]
    assert ignored == [
        ("Requirements", "heading"),
        ("Benefits", "heading"),
        ("Free parking", "benefits"),
        ("We are an equal opportunity employer", "equal-opportunity"),
        ("Salary: $50,000 per year", "pay"),
    ]
    for item in body["ignored"]:
        assert text[item["start"] : item["end"]] == item["text"]
    artefact = MappingModel.load(DEFAULT_ARTEFACT)
    assert body["model"].endswith("+" + artefact.version)  # the ESCO release is read with it
    assert body["threshold"] == artefact.thresholds.semantic
    point = artefact.thresholds
    assert body["bounds"] == {
        "semantic": point.semantic,
        "listItem": point.item if point.item <= 1 else None,
        "besideLabel": max(point.semantic, point.semantic_beside_label),
        "exactLabel": point.exact if point.exact <= 1 else None,
        "alternativeLabel": point.alternative if point.alternative <= 1 else None,
    }
