"""A runtime per database backend, with a small taxonomy written for these tests."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import taxonomy as tx
from embeddings import TextEncoder
from service.db.engine import unit_of_work
from service.keys.auth import create_api_key
from service.runtime import Runtime
from service.samples import SampleAchievement, SampleIssuer
from service.settings import Settings
from service.taxonomy.service import import_release

ESCO = "http://data.europa.eu/esco/skill/"

# (uuid suffix, preferred label, alternative labels, skill type)
MINI_SKILLS = [
    (
        "ccd0a1d9-afda-43d9-b901-96344886e14d",
        "Python (computer programming)",
        ("Python", "Python3"),
        "knowledge",
    ),
    ("598de5b0-5b58-4ea7-8058-a4bc4d18c742", "SQL", ("structured query language",), "knowledge"),
    (
        "43ae58b9-5e56-4524-b45a-b422777a0576",
        "database",
        ("databases", "relational database"),
        "knowledge",
    ),
    ("97bd1c21-66b2-4b7e-ad0f-e3cda590e378", "data analytics", ("data analysis",), "knowledge"),
    (
        "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43",
        "machine learning",
        ("ML", "statistical learning"),
        "knowledge",
    ),
    (
        "00000000-0000-4000-8000-000000000001",
        "present data visually",
        ("create data visualisations", "build dashboards"),
        "skill/competence",
    ),
    (
        "0da516ee-e70e-4384-be13-f5ff80be8127",
        "communicate with customers",
        ("speak to customers",),
        "skill/competence",
    ),
    (
        "0a9acb6b-1139-4be9-b431-3a80a959f2f4",
        "Agile project management",
        ("agile methods",),
        "knowledge",
    ),
    (
        "00000000-0000-4000-8000-000000000002",
        "work in teams",
        ("teamwork", "collaborate with colleagues"),
        "skill/competence",
    ),
    ("00000000-0000-4000-8000-000000000003", "bake bread", ("make bread",), "skill/competence"),
    (
        "00000000-0000-4000-8000-000000000004",
        "operate forklift",
        ("drive forklift",),
        "skill/competence",
    ),
    ("00000000-0000-4000-8000-000000000005", "JavaScript", ("JS",), "knowledge"),
]


ESCO_GROUP = "http://data.europa.eu/esco/isced-f/0613"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-0000000000aa"


def mini_release(version: str = "test-1") -> tx.TaxonomyRelease:
    """A tiny ESCO-shaped release: real ESCO URIs for the skills the tests name.

    One knowledge group holds the programming skills (Python and JavaScript), SQL is
    narrower than database, and one occupation (data analyst) needs Python and SQL
    (essential) and data analytics (optional).
    """
    skills = tuple(
        tx.Skill(
            uri=ESCO + suffix,
            preferred_label=label,
            alt_labels=alts,
            description=f"The skill of {label}.",
            skill_type=kind,
        )
        for suffix, label, alts, kind in MINI_SKILLS
    )
    return tx.TaxonomyRelease(
        framework="esco",
        version=version,
        language="en",
        source="written for the tests",
        skills=skills,
        groups=(
            tx.SkillGroup(uri=ESCO_GROUP, code="0613", preferred_label="software and applications"),
        ),
        broader=(
            tx.BroaderRelation(narrower_uri=ESCO + MINI_SKILLS[0][0], broader_uri=ESCO_GROUP),
            tx.BroaderRelation(
                narrower_uri=ESCO + "00000000-0000-4000-8000-000000000005", broader_uri=ESCO_GROUP
            ),
            tx.BroaderRelation(
                narrower_uri=ESCO + MINI_SKILLS[1][0], broader_uri=ESCO + MINI_SKILLS[2][0]
            ),
        ),
        occupations=(
            tx.Occupation(
                uri=ESCO_OCCUPATION,
                preferred_label="data analyst",
                alt_labels=("data analysis specialist",),
                description="Data analysts import, inspect and model data.",
                code="2511.3",
                isco_group="2511",
            ),
        ),
        skill_relations=(
            tx.SkillRelation(
                source_uri=ESCO + MINI_SKILLS[3][0],  # data analytics
                target_uri=ESCO + MINI_SKILLS[1][0],  # SQL
                relation="essential",
            ),
        ),
        collections=(
            tx.SkillCollection(
                name="digital", skill_uris=(ESCO + MINI_SKILLS[0][0], ESCO + MINI_SKILLS[1][0])
            ),
        ),
        occupation_skills=(
            tx.OccupationSkill(
                occupation_uri=ESCO_OCCUPATION,
                skill_uri=ESCO + MINI_SKILLS[0][0],
                relation="essential",
            ),
            tx.OccupationSkill(
                occupation_uri=ESCO_OCCUPATION,
                skill_uri=ESCO + MINI_SKILLS[1][0],
                relation="essential",
            ),
            tx.OccupationSkill(
                occupation_uri=ESCO_OCCUPATION,
                skill_uri=ESCO + MINI_SKILLS[3][0],
                relation="optional",
            ),
        ),
    )


@contextlib.contextmanager
def open_test_runtime(database_url: str, encoder: TextEncoder, data_dir: Path) -> Iterator[Runtime]:
    """A runtime on a migrated database with the mini taxonomy imported and loaded."""
    # Tests reach no network: remote documents only from loopback servers the tests start.
    # Rate limiting is off here (tests fire requests faster than any client); the rate-limit
    # tests turn it on with their own small limits.
    settings = Settings(data_dir=data_dir).replaced(
        database_url=database_url,
        fetch_allow_loopback_http=True,
        rate_limit_per_minute=0,
    )
    opened = Runtime.open(settings, encoder=encoder)
    with unit_of_work(opened.sessions) as session:
        import_release(session, mini_release(), make_default=True, replace=True)
    opened.reload_taxonomy()
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def runtime(
    database_url: str,
    encoder: TextEncoder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runtime]:
    """Migrated database with the mini taxonomy imported and its skill space loaded."""
    with open_test_runtime(database_url, encoder, tmp_path_factory.mktemp("data")) as opened:
        yield opened


class Tenant:
    """A fresh tenant with one key per role."""

    def __init__(self, runtime: Runtime) -> None:
        self.name = f"tenant-{uuid.uuid4().hex[:8]}"
        with unit_of_work(runtime.sessions) as session:
            self.keys = {
                role: create_api_key(session, tenant=self.name, role=role).key
                for role in ("admin", "ingest", "matcher", "recruiter", "analyst")
            }

    def headers(self, role: str) -> dict[str, str]:
        """Authorization header for a role."""
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    """A new tenant per test, so tests sharing a database never see each other's data."""
    return Tenant(runtime)


def python_badge(holder: str = "did:example:ana") -> dict[str, Any]:
    """A signed Open Badges 3.0 credential aligned to the mini taxonomy's Python skill."""
    issuer = SampleIssuer(name="Uni", domain="uni.example")
    badge = SampleAchievement(
        slug="py",
        name="Python programming",
        description="Writes Python programs.",
        aligned_skill_uris=(ESCO + MINI_SKILLS[0][0],),
        tags=("data",),
    )
    return issuer.issue(badge, holder, valid_from=datetime(2025, 1, 1, tzinfo=UTC))


def sql_achievement() -> SampleAchievement:
    """An achievement aligned to the mini taxonomy's SQL skill."""
    return SampleAchievement(
        slug="sql",
        name="SQL",
        description="SQL queries.",
        aligned_skill_uris=(ESCO + MINI_SKILLS[1][0],),
    )
