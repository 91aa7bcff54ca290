"""Matching and ingest services on both databases, without HTTP."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import time
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from sqlalchemy import select

import taxonomy as tx
from embeddings import TextEncoder
from ingest import parse_credential
from service.credentials import service as credentials_service
from service.credentials.service import Accepted, Rejected, achievement_text, ingest_credential
from service.db import registry
from service.db.engine import unit_of_work
from service.db.models import Occupation
from service.errors import InvalidRequestError
from service.matching.service import ExplicitSkill, JobQuery, match_candidates
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.settings import Settings
from service.taxonomy.service import (
    SkillSpecificity,
    TaxonomyContext,
    import_release,
    title_core,
)
from tests.service.conftest import ESCO, mini_release

PYTHON = ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d"
SQL = ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742"
ML = ESCO + "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"

ISSUER = SampleIssuer(name="Service Test College", domain="college.example")


def badge(uri: str, name: str) -> SampleAchievement:
    return SampleAchievement(
        slug=name.lower().replace(" ", "-"),
        name=name,
        description=f"{name} course.",
        aligned_skill_uris=(uri,),
        aligned_labels=(name,),
    )


def new_tenant(runtime: Runtime) -> int:
    with unit_of_work(runtime.sessions) as session:
        return registry.get_or_create_tenant(session, f"svc-{uuid.uuid4().hex[:8]}").id


def ingest(runtime: Runtime, tenant_id: int, document: dict, candidate: str) -> Accepted | Rejected:
    context, _ = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        return ingest_credential(
            session,
            context,
            runtime.verifier,
            tenant_id=tenant_id,
            raw=json.dumps(document).encode(),
            candidate_external_id=candidate,
        )


def match(runtime: Runtime, tenant_id: int, query: JobQuery, settings: Settings | None = None):
    context, indexes = runtime.require_taxonomy()
    with unit_of_work(runtime.sessions) as session:
        return match_candidates(
            session,
            context,
            indexes,
            settings or runtime.settings,
            tenant_id=tenant_id,
            query=query,
        )


def test_explicit_skills_rank_by_weighted_coverage(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    for candidate, uris in {"full": [PYTHON, SQL], "half": [SQL], "other": [ML]}.items():
        for uri in uris:
            result = ingest(
                runtime, tenant_id, ISSUER.issue(badge(uri, uri[-6:]), "did:x"), candidate
            )
            assert isinstance(result, Accepted)
    query = JobQuery(skills=[ExplicitSkill(uri=PYTHON), ExplicitSkill(uri=SQL, must_have=False)])
    result = match(runtime, tenant_id, query)
    scores = {r.candidate.external_id: r.score for r in result.candidates}
    # weights: python 1.0 (must), SQL 0.5 (nice)
    assert scores["full"] == pytest.approx(1.0)
    assert scores["half"] == pytest.approx(0.5 / 1.5, abs=1e-4)
    assert "other" not in scores or scores["other"] < scores["half"]


def test_ties_are_broken_by_candidate_id(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    for candidate in ["zoe", "adam", "mia"]:
        ingest(runtime, tenant_id, ISSUER.issue(badge(SQL, "SQL"), f"did:{candidate}"), candidate)
    first = match(runtime, tenant_id, JobQuery(skills=[ExplicitSkill(uri=SQL)]))
    second = match(runtime, tenant_id, JobQuery(skills=[ExplicitSkill(uri=SQL)]))
    order = [r.candidate.external_id for r in first.candidates]
    assert order == [r.candidate.external_id for r in second.candidates]
    ids = [r.candidate.id for r in first.candidates]
    assert ids == sorted(ids)


def test_related_skill_counts_with_its_similarity(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    ingest(runtime, tenant_id, ISSUER.issue(badge(SQL, "SQL"), "did:sql"), "sql-only")
    runtime_settings = runtime.settings
    context, _ = runtime.require_taxonomy()
    database = ESCO + "43ae58b9-5e56-4524-b45a-b422777a0576"
    vectors = context.space.vectors_of([context.skill_ids[database], context.skill_ids[SQL]])
    similarity = float(vectors[0] @ vectors[1])
    result = match(runtime, tenant_id, JobQuery(skills=[ExplicitSkill(uri=database)]))
    if similarity >= runtime_settings.matching.related_skill_threshold:
        assert result.candidates[0].matched[0].similarity == pytest.approx(similarity, abs=1e-3)
        assert result.candidates[0].matched[0].matched_skill.uri == SQL
    else:
        assert result.candidates == []


def test_must_have_holders_are_found_even_outside_faiss_top_n(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    for n in range(5):
        ingest(runtime, tenant_id, ISSUER.issue(badge(ML, "ML"), f"did:ml{n}"), f"ml{n}")
    ingest(runtime, tenant_id, ISSUER.issue(badge(PYTHON, "Py"), "did:py"), "py")
    result = match(
        runtime,
        tenant_id,
        JobQuery(skills=[ExplicitSkill(uri=ML), ExplicitSkill(uri=PYTHON)], top_k=10),
        runtime.settings.replaced(retrieval_candidates=1),
    )
    assert {r.candidate.external_id for r in result.candidates} == {
        "py",
        *(f"ml{n}" for n in range(5)),
    }


def test_new_credentials_reach_the_index_of_another_worker(runtime: Runtime) -> None:
    """Two runtimes on one database: the second sees the first's ingest via the watermark."""
    other = Runtime.open(runtime.settings, encoder=runtime.encoder, migrate=False)
    try:
        tenant_id = new_tenant(runtime)
        ingest(runtime, tenant_id, ISSUER.issue(badge(PYTHON, "Py"), "did:w"), "first")
        query = JobQuery(skills=[ExplicitSkill(uri=PYTHON)])
        assert [r.candidate.external_id for r in match(other, tenant_id, query).candidates] == [
            "first"
        ]
        ingest(runtime, tenant_id, ISSUER.issue(badge(PYTHON, "Py"), "did:w2"), "second")
        assert {r.candidate.external_id for r in match(other, tenant_id, query).candidates} == {
            "first",
            "second",
        }
    finally:
        other.engine.dispose()


def test_candidate_index_survives_restart(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    ingest(runtime, tenant_id, ISSUER.issue(badge(SQL, "SQL"), "did:r"), "restart")
    match(runtime, tenant_id, JobQuery(skills=[ExplicitSkill(uri=SQL)]))
    _, indexes = runtime.require_taxonomy()
    indexes.save_all()
    reopened = Runtime.open(runtime.settings, encoder=runtime.encoder, migrate=False)
    try:
        _, reloaded = reopened.require_taxonomy()
        index = reloaded.get(tenant_id)
        assert len(index.vectors) == 0  # nothing is read under the lock all tenants share
        match(reopened, tenant_id, JobQuery(skills=[ExplicitSkill(uri=SQL)]))
        assert len(index.vectors) == 1  # from the snapshot, caught up from its watermark
        assert index.watermark == indexes.get(tenant_id).watermark
    finally:
        reopened.engine.dispose()


def test_nothing_recognised_is_an_invalid_request(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    with pytest.raises(InvalidRequestError, match="no skill"):
        match(runtime, tenant_id, JobQuery(skills=[ExplicitSkill(uri=ESCO + "nope")]))


def test_achievement_mapping_is_cached_per_fingerprint(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    achievement = SampleAchievement(
        slug="teamwork", name="Teamwork", description="Collaborates with colleagues in a team."
    )
    first = ingest(runtime, tenant_id, ISSUER.issue(achievement, "did:t1"), "t1")
    second = ingest(runtime, tenant_id, ISSUER.issue(achievement, "did:t2"), "t2")
    assert isinstance(first, Accepted) and isinstance(second, Accepted)
    key = lambda result: [(e.skill_id, e.method, round(e.confidence, 4)) for e in result.evidence]  # noqa: E731
    assert key(first) == key(second)
    assert first.evidence and first.evidence[0].method == "embedding"
    context, _ = runtime.require_taxonomy()
    parsed, _ = parse_credential(json.dumps(ISSUER.issue(achievement, "did:t3")).encode())
    fingerprint = achievement_text(parsed.achievements[0]).fingerprint()
    with unit_of_work(runtime.sessions) as session:
        cached = credentials_service.cached_mapping(
            session, fingerprint, context.taxonomy_id, context.mapper.cache_key
        )
    assert cached is not None and len(cached) == len(first.evidence)


def test_expired_credential_stops_counting(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    soon = datetime.now(UTC) + timedelta(seconds=2)
    document = ISSUER.issue(badge(SQL, "SQL"), "did:e", valid_until=soon)
    assert isinstance(ingest(runtime, tenant_id, document, "expiring"), Accepted)
    query = JobQuery(skills=[ExplicitSkill(uri=SQL)])
    assert [r.candidate.external_id for r in match(runtime, tenant_id, query).candidates] == [
        "expiring"
    ]
    time.sleep(max(0.0, (soon - datetime.now(UTC)).total_seconds()) + 0.1)
    assert match(runtime, tenant_id, query).candidates == []


def test_a_release_backing_evidence_cannot_be_replaced(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    ingest(runtime, tenant_id, ISSUER.issue(badge(SQL, "SQL"), "did:keep"), "keep")
    with (
        unit_of_work(runtime.sessions) as session,
        pytest.raises(InvalidRequestError, match="backs candidate evidence"),
    ):
        import_release(session, mini_release(), make_default=True, replace=True)


def test_index_switches_to_ivf_past_the_threshold_and_ranks_the_same(runtime: Runtime) -> None:
    tenant_id = new_tenant(runtime)
    skills = [PYTHON, SQL, ML]
    for n in range(48):
        held = skills[: 1 + n % 3]
        for number, uri in enumerate(held):
            document = ISSUER.issue(badge(uri, f"Course {number}"), f"did:ivf{n}")
            ingest(runtime, tenant_id, document, f"ivf{n:02}")
    query = JobQuery(skills=[ExplicitSkill(uri=uri) for uri in skills], top_k=20)
    exact = match(runtime, tenant_id, query)
    small = runtime.settings.replaced(candidate_ivf_min=40, candidate_ivf_nprobe=64)
    _, indexes = runtime.require_taxonomy()
    index = indexes.get(tenant_id)
    assert index.vectors.kind == "flat"

    ivf = match(runtime, tenant_id, query, small)  # the catch-up does nothing new ...
    ingest(runtime, tenant_id, ISSUER.issue(badge(PYTHON, "More"), "did:ivf-new"), "ivf-new")
    after = match(runtime, tenant_id, query, small)  # ... a change triggers the switch

    assert index.vectors.kind == "ivf-sq8"
    assert index.trained_for == 49
    ranked = [(r.candidate.external_id, r.score) for r in exact.candidates]
    assert [(r.candidate.external_id, r.score) for r in ivf.candidates] == ranked
    assert [(r.candidate.external_id, r.score) for r in after.candidates][:16] == ranked[:16]


def test_the_title_adds_the_essential_skills_of_the_occupation_it_names(
    runtime: Runtime,
) -> None:
    """The mini release's "data analyst" needs Python and SQL (essential)."""
    tenant_id = new_tenant(runtime)
    for candidate, uri in {"pythonista": PYTHON, "learner": ML}.items():
        ingest(
            runtime, tenant_id, ISSUER.issue(badge(uri, uri[-6:]), f"did:{candidate}"), candidate
        )
    query = JobQuery(
        title="Data Analyst (m/f/d)",
        description="We offer a competitive salary.",  # boilerplate: nothing to read
        skills=[ExplicitSkill(uri=ML)],
    )
    result = match(runtime, tenant_id, query)
    by_source = {(r.skill.uri, r.source) for r in result.requirements}
    assert by_source == {(ML, "explicit"), (PYTHON, "title"), (SQL, "title")}
    title = next(r for r in result.requirements if r.source == "title")
    assert (title.strength, title.phrase, title.weight) == (
        "nice",
        "Data Analyst (m/f/d)",
        runtime.settings.matching.title_skill_weight,
    )
    assert runtime.settings.matching.title_min_similarity <= title.confidence <= 1.0
    scores = {r.candidate.external_id: r.score for r in result.candidates}
    weights = 1.0 + 2 * runtime.settings.matching.title_skill_weight
    assert scores["learner"] == pytest.approx(1.0 / weights, abs=1e-4)
    assert scores["pythonista"] == pytest.approx(
        runtime.settings.matching.title_skill_weight / weights, abs=1e-4
    )

    # A title naming no occupation of the release, or a weight of 0, adds nothing.
    for other, settings in (
        ("Pastry chef", runtime.settings),
        ("Data analyst", runtime.settings.replaced(title_skill_weight=0.0)),
    ):
        plain = match(runtime, tenant_id, dataclasses.replace(query, title=other), settings)
        assert {r.source for r in plain.requirements} == {"explicit"}


def test_a_skill_few_occupations_list_weighs_more_as_a_requirement(runtime: Runtime) -> None:
    context, indexes = runtime.require_taxonomy()
    # The mini release's one occupation lists SQL, and no occupation machine learning; one
    # occupation cannot tell common from specific, so the loaded release weighs all alike.
    assert context.specificity.occupations == 1
    assert context.specificity.listed_by[context.skill_ids[SQL]] == 1
    assert context.skill_ids[ML] not in context.specificity.listed_by
    assert context.specificity.factor(context.skill_ids[SQL], 3.0) == 1.0
    # In a release of 200 occupations that all list SQL, SQL says little about fit.
    wide = dataclasses.replace(
        context, specificity=SkillSpecificity(200, {context.skill_ids[SQL]: 200})
    )
    tenant_id = new_tenant(runtime)
    for candidate, uri in {"querier": SQL, "learner": ML}.items():
        ingest(
            runtime, tenant_id, ISSUER.issue(badge(uri, uri[-6:]), f"did:{candidate}"), candidate
        )
    query = JobQuery(description="Requirements:\n- SQL\n- machine learning")

    def weights_and_scores(exponent: float) -> tuple[dict[str, float], dict[str, float]]:
        settings = runtime.settings.replaced(specificity_exponent=exponent)
        with unit_of_work(runtime.sessions) as session:
            result = match_candidates(
                session, wide, indexes, settings, tenant_id=tenant_id, query=query
            )
        weights = {r.skill.uri: r.weight for r in result.requirements}
        return weights, {r.candidate.external_id: r.score for r in result.candidates}

    even_weights, even_scores = weights_and_scores(0.0)
    assert even_weights == {SQL: 1.0, ML: 1.0}
    assert even_scores["querier"] == even_scores["learner"]
    weights, scores = weights_and_scores(2.0)
    common = (1.0 / (1.0 + math.log(201.0))) ** 2  # idf of a skill every occupation lists
    assert weights[ML] == 1.0
    assert weights[SQL] == pytest.approx(common, abs=1e-4)
    assert scores["learner"] == pytest.approx(1.0 / (1.0 + common), abs=1e-4)
    assert scores["querier"] == pytest.approx(common / (1.0 + common), abs=1e-4)


def test_specificity_is_one_without_occupations_or_exponent_and_falls_with_listings() -> None:
    spread = SkillSpecificity(occupations=100, listed_by={1: 1, 2: 10, 3: 100})
    assert SkillSpecificity().factor(1, 3.0) == 1.0  # a release without occupations
    assert SkillSpecificity(99, {1: 99}).factor(1, 3.0) == 1.0  # too few to tell
    assert spread.factor(3, 0.0) == 1.0
    assert spread.factor(99, 2.0) == 1.0  # listed by no occupation: as specific as it gets
    assert 1.0 > spread.factor(1, 2.0) > spread.factor(2, 2.0) > spread.factor(3, 2.0) > 0.0
    assert spread.factor(2, 2.0) == pytest.approx(spread.factor(2, 1.0) ** 2, abs=1e-3)
    # A transversal skill (teamwork, a language) counts as listed by every occupation.
    teamwork = SkillSpecificity(100, {1: 1}, transversal=frozenset({7}))
    assert teamwork.factor(7, 2.0) == spread.factor(3, 2.0) < teamwork.factor(1, 2.0)
    assert teamwork.factor(7, 60.0) == SkillSpecificity.LEAST  # never 0


def test_the_title_weighs_each_skill_by_the_closest_occupations_that_need_it(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    """A second occupation near "data analyst" needs Python and machine learning, not SQL."""
    base = mini_release("votes-1")
    scientist = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000ab"
    release = msgspec.structs.replace(
        base,
        occupations=(
            *base.occupations,
            tx.Occupation(uri=scientist, preferred_label="data scientist", code="2511.4"),
        ),
        occupation_skills=(
            *base.occupation_skills,
            tx.OccupationSkill(occupation_uri=scientist, skill_uri=PYTHON, relation="essential"),
            tx.OccupationSkill(occupation_uri=scientist, skill_uri=ML, relation="essential"),
        ),
    )
    settings = Settings(data_dir=tmp_path).replaced(
        database_url=f"sqlite:///{tmp_path / 'votes.sqlite3'}", title_min_similarity=0.3
    )
    with contextlib.closing(Runtime.open(settings, encoder=encoder)) as opened:
        with unit_of_work(opened.sessions) as session:
            import_release(session, release, make_default=True)
        opened.reload_taxonomy()
        tenant_id = new_tenant(opened)
        held = ingest(opened, tenant_id, ISSUER.issue(badge(SQL, "SQL"), "did:sql"), "querier")
        assert isinstance(held, Accepted)
        query = JobQuery(title="Data analyst", skills=[ExplicitSkill(uri=SQL)])
        weight = settings.matching.title_skill_weight

        def title_weights(count: int, margin: float = 1.0) -> dict[str, float]:
            chosen = settings.replaced(title_occupations=count, title_occupation_margin=margin)
            result = match(opened, tenant_id, query, chosen)
            return {r.skill.uri: r.weight for r in result.requirements if r.source == "title"}

        # The closest occupation alone: its essential skills not already required.
        assert title_weights(1) == {PYTHON: weight}
        # Both: Python, which both need, keeps its weight; machine learning, which only the
        # second needs, weighs half (SQL is required explicitly and not added again).
        assert title_weights(2) == {PYTHON: weight, ML: pytest.approx(weight / 2)}
        # A neighbour further below the closest than the margin does not count, and a
        # negative margin still keeps the closest.
        assert title_weights(2, margin=0.0) == {PYTHON: weight}
        assert title_weights(2, margin=-1.0) == {PYTHON: weight}
        closest = opened.require_taxonomy()[0].closest_occupations("Data analyst", 0.3, 2)
        assert [round(score, 4) for _, score in closest] == [1.0, closest[1][1]]
        assert 0.3 <= closest[1][1] < 1.0


@pytest.mark.parametrize(
    ("title", "core"),
    [
        ("Data Analyst (m/f/d)", "Data Analyst"),
        ("Koch m/w/d", "Koch"),
        ("Forklift Driver - Night Shift", "Forklift Driver"),
        ("Senior Nurse, ICU", "Nurse"),
        ("Job Title: Baker", "Baker"),
        ("Web Developer | Remote", "Web Developer"),
        ("CNC Machinist [Contract]", "CNC Machinist"),
        ("Back-End / Front-End Engineer", "Back-End / Front-End Engineer"),
        ("  ", ""),
        # Job boards' dressing inside the title: pay, shift, terms, place, grade, hiring.
        ("Warehouse Associate (Day Shift) $18/hr", "Warehouse Associate"),
        ("Sales Associate $15 an hour", "Sales Associate"),
        ("Registered Nurse $5,000 Sign-On Bonus", "Registered Nurse"),
        ("Server $2.13/hr + tips", "Server"),
        ("Delivery Driver - Earn up to $25/hr", "Delivery Driver"),
        ("Forklift Operator 2nd Shift", "Forklift Operator"),
        ("Security Guard Nights", "Security Guard"),
        ("Part-Time Cashier", "Cashier"),
        ("Remote Part-Time Data Entry Clerk", "Data Entry Clerk"),
        ("Data Analyst Hybrid", "Data Analyst"),
        ("Entry Level Bookkeeper", "Bookkeeper"),
        ("Maintenance Technician III", "Maintenance Technician"),
        ("Sr. Software Engineer", "Software Engineer"),
        ("Level 2 Support Technician", "Support Technician"),
        ("Urgently Hiring: Line Cook", "Line Cook"),
        ("Now Hiring Dishwasher", "Dishwasher"),
        ("Junior Data Analyst", "Data Analyst"),
        ("Part-Time Senior Cashier", "Cashier"),
        ("Maintenance Technician III $18/hr", "Maintenance Technician"),
        ("CDL Class A Truck Driver - Home Weekly", "Truck Driver"),
        ("CDL-A Truck Driver", "Truck Driver"),
        # Job acronyms ESCO's titles lack are written out; ambiguous ones stay.
        ("RN - ICU Nights", "Registered Nurse"),
        ("Travel RN", "Travel Registered Nurse"),
        ("LPN/LVN", "Licensed Practical Nurse"),
        ("CNA", "Certified Nursing Assistant"),
        ("Senior SWE, Platform", "Software Engineer"),
        ("PA", "PA"),
        ("QA Engineer", "QA Engineer"),
        # The same words where they name the occupation, or all the title says, stay.
        ("Night Auditor", "Night Auditor"),
        ("Hybrid Vehicle Technician", "Hybrid Vehicle Technician"),
        ("Day Care Worker", "Day Care Worker"),
        ("AI Engineer", "AI Engineer"),
        ("Remote", "Remote"),
        ("Senior", "Senior"),
        ("CDL", "CDL"),
        ("$20/hr", "$20/hr"),
    ],
)
def test_a_title_is_matched_without_its_trimmings(title: str, core: str) -> None:
    assert title_core(title) == core


@contextlib.contextmanager
def _occupation_titles(
    encoder: TextEncoder, tmp_path: Path, occupations: Sequence[tx.Occupation]
) -> Iterator[tuple[TaxonomyContext, dict[str, int]]]:
    """The taxonomy context of the mini release with ``occupations`` added first (each
    needing SQL), and the database id of every occupation by URI."""
    base = mini_release("titles-1")
    release = msgspec.structs.replace(
        base,
        occupations=(*occupations, *base.occupations),
        occupation_skills=(
            *base.occupation_skills,
            *(
                tx.OccupationSkill(occupation_uri=o.uri, skill_uri=SQL, relation="essential")
                for o in occupations
            ),
        ),
    )
    settings = Settings(data_dir=tmp_path).replaced(
        database_url=f"sqlite:///{tmp_path / 'titles.sqlite3'}"
    )
    with contextlib.closing(Runtime.open(settings, encoder=encoder)) as opened:
        with unit_of_work(opened.sessions) as session:
            import_release(session, release, make_default=True)
            ids = {uri: id_ for uri, id_ in session.execute(select(Occupation.uri, Occupation.id))}
        opened.reload_taxonomy()
        yield opened.require_taxonomy()[0], ids


def test_a_title_names_the_occupation_whose_own_title_it_is_over_one_that_lists_it(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    """ESCO gives one alternative label to several occupations ("administrative assistant"
    is an alternative label of "secretary"): a title tied between them names the occupation
    it is the preferred label of, whichever comes first in the release."""
    secretary = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000ac"
    assistant = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000ad"
    occupations = (
        tx.Occupation(
            uri=secretary,
            preferred_label="secretary",
            alt_labels=("administrative assistant", "office secretary", "typist"),
            code="4120.1",
        ),
        tx.Occupation(uri=assistant, preferred_label="administrative assistant", code="4110.1"),
    )
    with _occupation_titles(encoder, tmp_path, occupations) as (context, ids):
        for title in ("Administrative Assistant", "Administrative Assistant II - $20/hr"):
            found = context.occupation_of_title(title, 0.7)
            assert found is not None
            assert found == (ids[assistant], pytest.approx(1.0, abs=1e-3))
        closest = context.closest_occupations("administrative assistant", 0.7, 2)
        assert [occupation for occupation, _ in closest] == [ids[assistant], ids[secretary]]


def test_a_job_acronym_in_a_title_names_its_occupation(
    encoder: TextEncoder, tmp_path: Path
) -> None:
    """ESCO's English titles hold no "RN": written out, the title finds the nurse."""
    nurse = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000ae"
    occupations = (
        tx.Occupation(
            uri=nurse,
            preferred_label="nurse responsible for general care",
            alt_labels=("registered nurse", "general nurse"),
            code="2221.1",
        ),
    )
    with _occupation_titles(encoder, tmp_path, occupations) as (context, ids):
        found = context.occupation_of_title("RN - ICU Nights $5,000 Sign-On Bonus", 0.7)
        assert found is not None
        assert found[0] == ids[nurse]
        assert context.occupation_of_title("RNX", 0.7) is None  # only whole acronyms
