"""The recruiter page in headless Chromium against the real app on loopback."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from service.samples import SampleAchievement, SampleIssuer
from tests.service.conftest import ESCO, Tenant
from tests.web.conftest import Site

if os.environ.get("CI", "").lower() not in {"1", "true"}:
    # Outside CI a missing test dependency skips; in CI the import below fails loudly.
    pytest.importorskip("selenium", reason="the selenium package is not installed")

from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

PYTHON_ID = "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL_ID = "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
PYTHON = SampleAchievement(
    slug="py", name="Python", description="Python.", aligned_skill_uris=(ESCO + PYTHON_ID,)
)
SQL = SampleAchievement(
    slug="sql", name="SQL", description="SQL.", aligned_skill_uris=(ESCO + SQL_ID,)
)
OLD = datetime(2020, 1, 1, tzinfo=UTC)
NEW = datetime(2025, 6, 1, tzinfo=UTC)
WAIT_S = 10


@pytest.fixture
def people(site: Site, tenant: Tenant) -> Tenant:
    """ana: Python+SQL (uni, 2025); ben: Python (college, 2020); cy: SQL (uni, 2025).

    Uni is trusted; College is accepted at half weight.
    """
    uni = SampleIssuer(name="Uni", domain="uni.example")
    college = SampleIssuer(name="College", domain="college.example")
    policy = {
        "trusted": [{"kind": "issuer", "value": uni.did, "name": "Uni"}],
        "untrustedWeight": 0.5,
    }
    response = site.client.put("/v1/trust-policy", json=policy, headers=tenant.headers("admin"))
    assert response.status_code == 200, response.text
    for issuer, badge, who, when in [
        (uni, PYTHON, "ana", NEW),
        (uni, SQL, "ana", NEW),
        (college, PYTHON, "ben", OLD),
        (uni, SQL, "cy", NEW),
    ]:
        document = issuer.issue(badge, f"did:example:{who}", valid_from=when)
        response = site.client.post(
            "/v1/credentials",
            params={"candidateId": who},
            json=document,
            headers=tenant.headers("ingest"),
        )
        assert response.status_code == 201, response.text
    return tenant


@pytest.fixture
def page(chrome: WebDriver, site: Site) -> WebDriver:
    """The page freshly opened in a new session (session storage cleared)."""
    chrome.get(site.url + "/ui")
    chrome.execute_script("window.sessionStorage.clear()")
    chrome.refresh()
    return chrome


def _api_search(site: Site, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = site.client.post(
        "/v1/candidates/search", json=body, headers=tenant.headers("recruiter")
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _wait(driver: WebDriver, what: str, condition: Any) -> Any:
    return WebDriverWait(driver, WAIT_S).until(condition, message=f"waiting for {what}")


def _enter_key(driver: WebDriver, key: str) -> None:
    field = driver.find_element(By.ID, "api-key")
    field.clear()
    field.send_keys(key)


def _add_free_text(driver: WebDriver, text: str) -> None:
    skill = driver.find_element(By.ID, "skill-input")
    skill.send_keys(text, Keys.ENTER)


def _pick_suggestion(driver: WebDriver, typed: str, label: str) -> None:
    skill = driver.find_element(By.ID, "skill-input")
    skill.send_keys(typed)
    options = _wait(
        driver,
        f"suggestions for {typed!r}",
        lambda d: d.find_elements(By.CSS_SELECTOR, "#suggestions [role=option]") or False,
    )
    index = next(i for i, o in enumerate(options) if o.text.split(" (")[0] == label)
    for _ in range(index + 1):
        skill.send_keys(Keys.ARROW_DOWN)
    skill.send_keys(Keys.ENTER)


def _search_and_wait(driver: WebDriver, count: int) -> list[WebElement]:
    driver.find_element(By.ID, "search-button").click()
    return _candidates(driver, count)


def _candidates(driver: WebDriver, count: int) -> list[WebElement]:
    def loaded(d: WebDriver) -> list[WebElement] | bool:
        if d.find_element(By.ID, "search-form").get_attribute("aria-busy"):
            return False
        items = d.find_elements(By.CSS_SELECTOR, "#candidates > li.candidate")
        return items if len(items) == count else False

    found: list[WebElement] = _wait(driver, f"{count} candidates", loaded)
    return found


def _text(element: WebElement, selector: str) -> str:
    text: str = element.find_element(By.CSS_SELECTOR, selector).text
    return text


def _value(element: WebElement, selector: str) -> float:
    return float(element.find_element(By.CSS_SELECTOR, selector).get_attribute("value") or "nan")


def _assert_candidate_matches(item: WebElement, expected: dict[str, Any]) -> None:
    assert item.get_attribute("data-candidate-id") == expected["candidateId"]
    assert _value(item, ".score > data") == expected["score"]
    held = item.find_elements(By.CSS_SELECTOR, ".held-skill")
    assert [h.get_attribute("data-skill-id") for h in held] == [
        s["skill"]["id"] for s in expected["skills"]
    ]
    for shown, skill in zip(held, expected["skills"], strict=True):
        assert _text(shown, ".skill-label") == skill["skill"]["label"]
        assert _value(shown, ".held-title > data") == skill["strength"]
        proofs = shown.find_elements(By.CSS_SELECTOR, ".credential")
        assert len(proofs) == len(skill["credentials"])
        for proof, credential in zip(proofs, skill["credentials"], strict=True):
            text = proof.text
            assert proof.get_attribute("data-credential-id") == str(credential["credentialId"])
            assert _text(proof, ".credential-name") == credential["name"]
            assert _text(proof, ".issuer-name") == credential["issuer"]["name"]
            assert _text(proof, ".issuer-id") == credential["issuer"]["id"]
            assert credential["validFrom"][:10] in text
            assert ", ".join(credential["proofTypes"]) in text
            assert ("not verified" not in text) == credential["verified"]
            assert credential["status"] in text
            assert ("trusted issuer" in text) == credential["issuerTrusted"]


def test_recruiter_finds_candidates_with_their_evidence(
    page: WebDriver, site: Site, people: Tenant
) -> None:
    key = people.keys["recruiter"]
    _enter_key(page, key)
    _add_free_text(page, "pyhton")
    _pick_suggestion(page, "SQ", "SQL")
    chips = page.find_elements(By.CSS_SELECTOR, "#chips .chip")
    [item] = _search_and_wait(page, 1)

    expected = _api_search(site, people, skills=["pyhton", SQL_ID])
    assert [c.get_attribute("data-value") for c in chips] == ["pyhton", SQL_ID]
    assert [c["candidateId"] for c in expected["candidates"]] == ["ana"]
    _assert_candidate_matches(item, expected["candidates"][0])
    assert len(item.find_elements(By.CSS_SELECTOR, ".badge.trusted")) == 2
    resolved = [r.text for r in page.find_elements(By.CSS_SELECTOR, "#resolved li")]
    assert resolved == ["pyhton → Python (computer programming), corrected", "SQL → SQL, by id"]
    assert page.find_element(By.ID, "status").text == "1 candidate found, showing 1."
    assert page.find_element(By.ID, "load-more").is_displayed() is False
    # The key stays in this tab's session storage, never in the address.
    assert page.execute_script("return sessionStorage.getItem('credmatch.apiKey')") == key
    assert key not in page.current_url
    page.refresh()
    assert page.find_element(By.ID, "api-key").get_attribute("value") == key


def test_any_mode_pages_with_load_more_in_api_order(
    page: WebDriver, site: Site, people: Tenant
) -> None:
    _enter_key(page, people.keys["recruiter"])
    _add_free_text(page, "Python")
    _add_free_text(page, "SQL")
    page.find_element(By.CSS_SELECTOR, "input[name=mode][value=any]").click()
    size = page.find_element(By.ID, "page-size")
    size.clear()
    size.send_keys("2")
    _search_and_wait(page, 2)
    more = page.find_element(By.ID, "load-more")
    assert more.is_displayed()
    more.click()
    shown = _candidates(page, 3)

    expected = _api_search(site, people, skills=["Python", "SQL"], mode="any", limit=100)
    assert expected["total"] == 3
    assert len(expected["candidates"]) == 3
    for item, candidate in zip(shown, expected["candidates"], strict=True):
        _assert_candidate_matches(item, candidate)
    assert page.find_element(By.ID, "status").text == "3 candidates found, showing 3."
    assert not more.is_displayed()


def test_trusted_issuers_only_leaves_out_untrusted_evidence(
    page: WebDriver, site: Site, people: Tenant
) -> None:
    _enter_key(page, people.keys["recruiter"])
    _add_free_text(page, "Python")
    _add_free_text(page, "SQL")
    page.find_element(By.CSS_SELECTOR, "input[name=mode][value=any]").click()
    everyone = _search_and_wait(page, 3)
    ben = next(c for c in everyone if c.get_attribute("data-candidate-id") == "ben")
    assert _value(ben, ".held-title > data") == 0.5  # College's half weight
    page.find_element(By.ID, "trusted-only").click()
    shown = _search_and_wait(page, 2)

    expected = _api_search(
        site, people, skills=["Python", "SQL"], mode="any", trustedIssuersOnly=True
    )
    assert [c["candidateId"] for c in expected["candidates"]] == ["ana", "cy"]
    for item, candidate in zip(shown, expected["candidates"], strict=True):
        _assert_candidate_matches(item, candidate)


def test_problems_are_shown(page: WebDriver, people: Tenant) -> None:
    _enter_key(page, people.keys["recruiter"])
    _add_free_text(page, "zzzzqqqq xxyyzz")
    page.find_element(By.ID, "search-button").click()
    error = page.find_element(By.ID, "error")
    _wait(page, "the problem", lambda _: error.is_displayed())
    unresolved_text = error.text

    _enter_key(page, "not-a-key")
    page.find_element(By.ID, "search-button").click()
    _wait(page, "the second problem", lambda _: error.text != unresolved_text and error.text)

    assert "(422)" in unresolved_text
    assert "Not found in the taxonomy: zzzzqqqq xxyyzz" in unresolved_text
    assert "(401)" in error.text
    assert page.find_element(By.ID, "candidates").find_elements(By.TAG_NAME, "li") == []


UNRECOGNISED_JOB = "Wanted: a wrangler of numbers who tames reptiles"


def _api_match(site: Site, tenant: Tenant, **body: Any) -> httpx.Response:
    return site.client.post("/v1/match", json=body, headers=tenant.headers("recruiter"))


def _match_and_wait(driver: WebDriver, what: str, condition: Any) -> Any:
    driver.find_element(By.ID, "match-button").click()
    return _settled(driver, what, condition)


def _settled(driver: WebDriver, what: str, condition: Any) -> Any:
    def done(d: WebDriver) -> Any:
        if d.find_element(By.ID, "match-form").get_attribute("aria-busy"):
            return False
        return condition(d)

    return _wait(driver, what, done)


def test_a_job_nothing_is_recognised_in_offers_its_suggestions_to_confirm(
    page: WebDriver, site: Site, people: Tenant
) -> None:
    _enter_key(page, people.keys["recruiter"])
    page.find_element(By.ID, "job-description").send_keys(UNRECOGNISED_JOB)
    readings = _match_and_wait(
        page, "the suggestions", lambda d: d.find_elements(By.CSS_SELECTOR, "#readings .reading")
    )

    refused = _api_match(site, people, description=UNRECOGNISED_JOB)
    assert refused.status_code == 422
    expected = refused.json()["suggestions"]
    assert len(readings) == len(expected) > 0
    for shown, reading in zip(readings, expected, strict=True):
        assert _text(shown, ".reading-phrase") == f"“{reading['phrase']}”"
        buttons = shown.find_elements(By.CSS_SELECTOR, "button.suggested-skill")
        assert [b.get_attribute("data-uri") for b in buttons] == [
            s["uri"] for s in reading["skills"]
        ]
        assert [b.text.rsplit(" ", 1)[0] for b in buttons] == [
            s["label"] for s in reading["skills"]
        ]
    assert page.find_element(By.ID, "match-suggestions").is_displayed()
    assert refused.json()["title"] in page.find_element(By.ID, "match-error").text
    assert page.find_elements(By.CSS_SELECTOR, "#ranked > li") == []

    # Confirming a suggestion sends it as an explicit must-have skill and matches again.
    first = readings[0].find_element(By.CSS_SELECTOR, "button.suggested-skill")
    uri = first.get_attribute("data-uri")
    first.click()
    requirements = _settled(
        page,
        "the confirmed requirement",
        lambda d: d.find_elements(By.CSS_SELECTOR, "#requirements .requirement") or False,
    )
    answer = _api_match(
        site,
        people,
        description=UNRECOGNISED_JOB,
        skills=[{"uri": uri, "mustHave": True}],
        topK=10,
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()
    chips = page.find_elements(By.CSS_SELECTOR, "#confirmed .chip")
    assert [c.get_attribute("data-uri") for c in chips] == [uri]
    assert [
        (r.get_attribute("data-skill-id"), r.get_attribute("data-source")) for r in requirements
    ] == [(r["skill"]["id"], r["source"]) for r in result["requirements"]]
    assert requirements[0].get_attribute("data-source") == "explicit"
    assert page.find_element(By.ID, "match-suggestions").is_displayed() is False
    assert page.find_element(By.ID, "match-error").is_displayed() is False
    ranked = page.find_elements(By.CSS_SELECTOR, "#ranked > li.candidate")
    assert [r.get_attribute("data-candidate-id") for r in ranked] == [
        c["candidateId"] for c in result["candidates"]
    ]


def test_a_matched_job_shows_each_candidate_with_the_credentials_that_prove_it(
    page: WebDriver, site: Site, people: Tenant
) -> None:
    job = "Requirements:\n- Python\n- SQL"
    _enter_key(page, people.keys["recruiter"])
    page.find_element(By.ID, "job-title").send_keys("Data analyst")
    page.find_element(By.ID, "job-description").send_keys(job)
    ranked = _match_and_wait(
        page, "ranked candidates", lambda d: d.find_elements(By.CSS_SELECTOR, "#ranked > li")
    )

    answer = _api_match(site, people, title="Data analyst", description=job, skills=[], topK=10)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert [r.get_attribute("data-candidate-id") for r in ranked] == [
        c["candidateId"] for c in result["candidates"]
    ]
    assert ranked[0].get_attribute("data-candidate-id") == "ana"  # both skills, trusted issuer
    for shown, candidate in zip(ranked, result["candidates"], strict=True):
        assert _value(shown, ".score > data") == candidate["score"]
        lines = shown.find_elements(By.CSS_SELECTOR, ".matched > li")
        assert [line.get_attribute("data-skill-id") for line in lines] == [
            m["required"]["id"] for m in candidate["matched"]
        ]
        for line, matched in zip(lines, candidate["matched"], strict=True):
            assert _text(line, ".credential-names") == ", ".join(
                c["name"] for c in matched["credentials"]
            )
        gaps = shown.find_elements(By.CSS_SELECTOR, ".missing > li")
        assert [g.get_attribute("data-skill-id") for g in gaps] == [
            m["skill"]["id"] for m in candidate["missing"]
        ]
    shown_requirements = page.find_elements(By.CSS_SELECTOR, "#requirements .requirement")
    assert [r.get_attribute("data-skill-id") for r in shown_requirements] == [
        r["skill"]["id"] for r in result["requirements"]
    ]
    assert [_value(r, ".weight > data") for r in shown_requirements] == [
        r["weight"] for r in result["requirements"]
    ]
    noun = "candidate" if result["total"] == 1 else "candidates"
    assert page.find_element(By.ID, "match-status").text == (
        f"{result['total']} {noun} ranked, showing {len(result['candidates'])}."
    )
