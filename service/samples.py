"""Sample issuers and Open Badges 3.0 credentials, really signed (demo, tests, benchmarks)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import did_key_from_public_key, sign_eddsa_rdfc_2022
from ingest.mapping import ESCO_SKILL_PREFIX

OB3_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@dataclass(frozen=True, slots=True)
class SampleAchievement:
    """An achievement a sample issuer awards.

    Attributes:
        slug: Short id used in the achievement URL.
        name: Achievement name.
        description: What the holder learned.
        criteria: How it was earned.
        aligned_skill_uris: ESCO skill URIs the achievement declares (may be empty).
        aligned_labels: Target names of those alignments (the URIs when empty).
        tags: The issuer's tags of the achievement (OB 3.0 ``tag``).
    """

    slug: str
    name: str
    description: str
    criteria: str = ""
    aligned_skill_uris: tuple[str, ...] = ()
    aligned_labels: tuple[str, ...] = field(default=())
    tags: tuple[str, ...] = ()


@dataclass
class SampleIssuer:
    """An issuer with a fresh Ed25519 key and a ``did:key`` identifier."""

    name: str
    domain: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    @property
    def did(self) -> str:
        """The issuer's ``did:key``."""
        return did_key_from_public_key(self.key.public_key())

    @property
    def verification_method(self) -> str:
        """The key's verification method URL (``did:key:z..#z...``)."""
        did = self.did
        return f"{did}#{did.removeprefix('did:key:')}"

    def credential(
        self,
        achievement: SampleAchievement,
        subject_id: str,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> dict[str, Any]:
        """An unsigned OpenBadgeCredential for ``subject_id``."""
        issued = valid_from or datetime.now(UTC) - timedelta(days=30)
        alignments = [
            {
                "type": ["Alignment"],
                "targetName": label,
                "targetUrl": uri,
                "targetFramework": "ESCO",
            }
            for uri, label in zip(
                achievement.aligned_skill_uris,
                achievement.aligned_labels or achievement.aligned_skill_uris,
                strict=False,
            )
        ]
        body: dict[str, Any] = {
            "id": f"https://{self.domain}/achievements/{achievement.slug}",
            "type": ["Achievement"],
            "name": achievement.name,
            "description": achievement.description,
            "criteria": {"narrative": achievement.criteria or achievement.description},
        }
        if alignments:
            body["alignment"] = alignments
        if achievement.tags:
            body["tag"] = list(achievement.tags)
        document: dict[str, Any] = {
            "@context": list(OB3_CONTEXTS),
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.did, "type": ["Profile"], "name": self.name},
            "validFrom": _iso(issued),
            "name": achievement.name,
            "credentialSubject": {
                "id": subject_id,
                "type": ["AchievementSubject"],
                "achievement": body,
            },
        }
        if valid_until is not None:
            document["validUntil"] = _iso(valid_until)
        return document

    def sign(self, document: dict[str, Any]) -> dict[str, Any]:
        """Sign a document with an ``eddsa-rdfc-2022`` Data Integrity proof."""
        return sign_eddsa_rdfc_2022(
            document,
            self.key,
            verification_method=self.verification_method,
            created=datetime.now(UTC).replace(microsecond=0),
        )

    def issue(
        self,
        achievement: SampleAchievement,
        subject_id: str,
        *,
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> dict[str, Any]:
        """A signed OpenBadgeCredential."""
        return self.sign(
            self.credential(achievement, subject_id, valid_from=valid_from, valid_until=valid_until)
        )

    def clr(
        self, subject_id: str, nested: Sequence[dict[str, Any]], *, bundle_id: str | None = None
    ) -> dict[str, Any]:
        """A signed CLR 2.0 bundle (``ClrCredential``) of already signed credentials."""
        return self.sign(
            {
                "@context": [OB3_CONTEXTS[0], CLR_CONTEXT, OB3_CONTEXTS[1]],
                "id": bundle_id or f"urn:uuid:{uuid.uuid4()}",
                "type": ["VerifiableCredential", "ClrCredential"],
                "issuer": {"id": self.did, "type": ["Profile"], "name": self.name},
                "validFrom": _iso(datetime.now(UTC) - timedelta(days=30)),
                "name": "Transcript",
                "credentialSubject": {
                    "id": subject_id,
                    "type": ["ClrSubject"],
                    "verifiableCredential": list(nested),
                },
            }
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# Demo catalogue: ESCO v1.1.1 skill URIs (present in the packaged and the official release).
ESCO = ESCO_SKILL_PREFIX
DEMO_ACHIEVEMENTS: Sequence[SampleAchievement] = (
    SampleAchievement(
        slug="python-data",
        name="Python for Data Analysis",
        description="Writes Python programs that clean, transform and analyse data sets.",
        criteria="Passed a proctored programming exam and delivered an analysis project.",
        aligned_skill_uris=(ESCO + "ccd0a1d9-afda-43d9-b901-96344886e14d",),
        aligned_labels=("Python (computer programming)",),
    ),
    SampleAchievement(
        slug="sql-fundamentals",
        name="SQL Database Fundamentals",
        description="Designs relational database schemas and writes SQL queries.",
        criteria="Completed 40 hours of labs and a graded database design.",
        aligned_skill_uris=(ESCO + "598de5b0-5b58-4ea7-8058-a4bc4d18c742",),
        aligned_labels=("SQL",),
    ),
    SampleAchievement(
        slug="dashboards",
        name="Data Visualisation and Dashboards",
        description="Presents data visually with charts and dashboards for decision makers.",
        criteria="Built three dashboards reviewed by industry assessors.",
    ),
    SampleAchievement(
        slug="machine-learning",
        name="Machine Learning Foundations",
        description="Applies machine learning techniques to train and evaluate predictive models.",
        criteria="Completed a supervised learning capstone.",
    ),
    SampleAchievement(
        slug="agile-projects",
        name="Agile Project Leadership",
        description="Manages projects with agile methods, plans sprints and leads a team.",
        criteria="Led a six-week project with a cross-functional team.",
    ),
    SampleAchievement(
        slug="customer-communication",
        name="Customer Communication",
        description="Communicates with customers clearly and handles complaints professionally.",
        criteria="Assessed in role-play scenarios.",
    ),
)
