"""Helpers for the ingest tests: constants, did:key, OB 3.0 badges, signers, W3C vectors."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    Check,
    VerificationReport,
    did_key_from_public_key,
    sign_ed25519_signature_2020,
    sign_eddsa_jcs_2022,
    sign_eddsa_rdfc_2022,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CITIZENSHIP_V4RC1 = "https://w3id.org/citizenship/v4rc1"
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
SIGNED_AT = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
ESCO_SKILL = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"

Json = dict[str, Any]
Signer = Callable[..., Json]

SIGNERS: dict[str, Signer] = {
    "DataIntegrityProof/eddsa-rdfc-2022": sign_eddsa_rdfc_2022,
    "DataIntegrityProof/eddsa-jcs-2022": sign_eddsa_jcs_2022,
    "Ed25519Signature2020": sign_ed25519_signature_2020,
}
"""Each supported suite (as `Credential.proof_types` names it) -> its signing function."""


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


def sign(
    document: Json,
    key: Ed25519PrivateKey,
    method: str,
    *,
    signer: Signer = sign_eddsa_rdfc_2022,
    **options: Any,
) -> Json:
    """Sign at `SIGNED_AT` (eddsa-rdfc-2022 unless another ``signer`` is given)."""
    return signer(document, key, verification_method=method, created=SIGNED_AT, **options)


def w3c_vector_key(keypair: Json) -> Ed25519PrivateKey:
    """The private key of a W3C vc-di-eddsa ``keyPair.json`` (multibase, multicodec)."""
    secret = base58.b58decode(keypair["privateKeyMultibase"][1:])
    assert secret[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(secret[2:])


def split_vector(signed: Json) -> tuple[Json, Json]:
    """(document without proof, proof configuration with the document's @context)."""
    document = {key: value for key, value in signed.items() if key != "proof"}
    proof = signed["proof"][0] if isinstance(signed["proof"], list) else signed["proof"]
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = signed["@context"]
    return document, config


def _issuer_of(document: Json) -> Json:
    return document["issuer"] if isinstance(document["issuer"], dict) else document


def _tamper_name(document: Json) -> None:
    document["name"] = document["name"] + " (forged)"


def _tamper_description(document: Json) -> None:
    achievement = document["credentialSubject"].get("achievement")
    target = achievement if isinstance(achievement, dict) else document
    target["description"] = "A different description."


def _tamper_valid_from(document: Json) -> None:
    document["validFrom"] = "2001-01-01T00:00:00Z"


def _tamper_issuer(document: Json) -> None:
    holder = _issuer_of(document)
    key = "id" if holder is not document else "issuer"
    holder[key] = "https://forged.example/issuers/1"


def _tamper_proof_value(document: Json) -> None:
    proof = document["proof"][0] if isinstance(document["proof"], list) else document["proof"]
    value: str = proof["proofValue"]
    replacement = "2" if value[10] != "2" else "3"
    proof["proofValue"] = value[:10] + replacement + value[11:]


TAMPERING: dict[str, Callable[[Json], None]] = {
    "name": _tamper_name,
    "description": _tamper_description,
    "validFrom": _tamper_valid_from,
    "issuer": _tamper_issuer,
    "proofValue": _tamper_proof_value,
}
"""Ways to alter a signed credential (in place) that its proof must catch."""


def check(report: VerificationReport, name: str) -> Check:
    """The named check of a report (fails the test when it is missing)."""
    found = report.get(name)
    assert found is not None, f"no {name!r} check in {report}"
    return found
