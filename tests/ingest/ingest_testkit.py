"""Helpers for the ingest tests: constants, did:key methods, an OB 3.0 badge factory."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import Check, VerificationReport, did_key_from_public_key, sign_eddsa_rdfc_2022

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
ESCO_SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"

Json = dict[str, Any]


def fixed_clock() -> datetime:
    return NOW


def did_key_method(key: Ed25519PrivateKey) -> tuple[str, str]:
    """(DID, verification method URL) of a key's did:key."""
    did = did_key_from_public_key(key.public_key())
    return did, f"{did}#{did.removeprefix('did:key:')}"


def make_badge(issuer: str | Json, **fields: Any) -> Json:
    """An unsigned OB 3.0 OpenBadgeCredential with one achievement aligned to ESCO."""
    badge: Json = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:2f1f4f7e-4b0a-4c55-9a59-7a0d3f6c1e21",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "name": "Python Data Analysis",
        "validFrom": "2025-01-15T09:30:00Z",
        "credentialSubject": {
            "id": "did:example:learner-42",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://training.example/achievements/python-data-analysis",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": "Python Data Analysis",
                "description": "Analyses tabular data with pandas and reports the results.",
                "criteria": {"narrative": "Passed a proctored 3-hour practical assessment."},
                "tag": ["python", "pandas"],
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": "use spreadsheets software",
                        "targetUrl": ESCO_SKILL,
                        "targetFramework": "ESCO",
                        "targetCode": "ccd0a1d9-afda-43d9-b901-96344886e14d",
                        "targetType": "ext:ESCOSkill",
                        "targetDescription": "Use software tools to create and edit tabular data.",
                    }
                ],
            },
        },
    }
    badge.update(copy.deepcopy(fields))
    return badge


def sign(document: Json, key: Ed25519PrivateKey, method: str, **options: Any) -> Json:
    return sign_eddsa_rdfc_2022(
        document, key, verification_method=method, created=SIGNED_AT, **options
    )


def check(report: VerificationReport, name: str) -> Check:
    """The named check of a report (fails the test when it is missing)."""
    found = report.get(name)
    assert found is not None, f"no {name!r} check in {report}"
    return found
