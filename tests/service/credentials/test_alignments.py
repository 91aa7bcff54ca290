"""Alignments to ESCO, to another imported taxonomy and to unknown frameworks, end to end."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import taxonomy as tx
from service.app import create_app
from service.db.engine import unit_of_work
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.serving import BackgroundServer
from service.taxonomy.service import import_release
from tests.service.conftest import ESCO, Tenant

SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
CUSTOMERS = ESCO + "0da516ee-e70e-4384-be13-f5ff80be8127"
MACHINE_LEARNING = ESCO + "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"
ONET_ELEMENT = "https://www.onetonline.org/find/descriptor/result/2.A.9.z"


@pytest.fixture(scope="module")
def server(runtime: Runtime) -> Iterator[httpx.Client]:
    # A second, non-default taxonomy beside the default ESCO-shaped one.
    other = tx.TaxonomyRelease(
        framework="onet-test",
        version="1",
        language="en",
        source="written for the tests",
        skills=(
            tx.Skill(
                uri=ONET_ELEMENT,
                preferred_label="Statistical learning",
                description="Building models that learn patterns from data (machine learning).",
            ),
        ),
    )
    with unit_of_work(runtime.sessions) as session:
        import_release(session, other, make_default=False, replace=True)
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield client


def test_every_alignment_is_kept_and_foreign_ones_cross_over_to_the_release(
    server: httpx.Client, tenant: Tenant
) -> None:
    issuer = SampleIssuer(name="Aligned Academy", domain="aligned.example")
    document = issuer.credential(
        SampleAchievement(slug="mixed", name="Mixed badge", description="Bakes bread."),
        "did:example:kim",
    )
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetUrl": SQL, "targetName": "SQL", "targetFramework": "ESCO"},
        {
            "type": ["Alignment"],
            "targetUrl": "https://credentialengine.org/resources/ce-42",
            "targetName": "Speak to customers",
            "targetDescription": "Communicates with customers about their orders.",
            "targetFramework": "Credential Engine",
        },
        {
            "type": ["Alignment"],
            "targetUrl": ONET_ELEMENT,
            "targetCode": "2.A.9.z",
            "targetName": "2.A.9.z",
            "targetFramework": "O*NET",
        },
    ]
    response = server.post(
        "/v1/credentials", json=issuer.sign(document), headers=tenant.headers("ingest")
    )
    assert response.status_code == 201, response.text

    methods = {s["skill"]["uri"]: s["method"] for s in response.json()["skills"]}
    assert methods[SQL] == "alignment"
    assert methods[CUSTOMERS] == "crosswalk"
    assert methods[MACHINE_LEARNING] == "crosswalk"
    profile = server.get("/v1/candidates/did:example:kim", headers=tenant.headers("recruiter"))
    declared = {d["targetUrl"]: d for d in profile.json()["declared"]}
    assert declared[SQL]["skill"]["uri"] == SQL
    assert declared[ONET_ELEMENT]["skill"]["uri"] == ONET_ELEMENT  # a skill of the other taxonomy
    free = declared["https://credentialengine.org/resources/ce-42"]
    assert (free["skill"], free["framework"], free["targetName"]) == (
        None,
        "Credential Engine",
        "Speak to customers",
    )
    crosswalk = next(s for s in response.json()["skills"] if s["skill"]["uri"] == CUSTOMERS)
    assert "Credential Engine" in crosswalk["phrase"]
