"""The ``schema`` check: declared ``credentialSchema`` entries and the 1EdTech OB 3.0 / CLR 2.0
schemas, bundled or pinned, never fetched without a fetching store."""

from __future__ import annotations

import copy
import hashlib
import importlib.resources
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jsonschema import Draft201909Validator

from ingest import (
    CHECK_NAMES,
    ChainedDocuments,
    PinnedDocuments,
    VerificationReport,
    Verifier,
    parse_credential,
    sign_eddsa_jcs_2022,
)
from ingest._ecdsa import b64url_encode, sign_raw
from ingest._schemas import (
    BUNDLED_SCHEMAS,
    CLR2_CREDENTIAL_SCHEMA,
    OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
    SchemaChecker,
)
from tests.ingest.http_testkit import Server, fake_dns
from tests.ingest.ingest_testkit import (
    Json,
    check,
    did_key_method,
    fixed_clock,
    make_badge,
    sign,
)

SKILLS_SCHEMA = "https://training.example/schemas/skills-badge.json"
OB = "openbadges-1edtech-spec"
EDUBADGES = "obv3-edubadges-examples"
EDUBADGES_SCHEMAS = (
    "https://raw.githubusercontent.com/educredentials/obv3-examples/refs/heads/main/schemas/"
)

# An issuer's own schema (VC JSON Schema, Draft 2020-12): every achievement needs two tags.
SKILLS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": SKILLS_SCHEMA,
    "type": "object",
    "required": ["credentialSubject"],
    "properties": {
        "credentialSubject": {
            "type": "object",
            "required": ["achievement"],
            "properties": {
                "achievement": {
                    "type": "object",
                    "required": ["tag"],
                    "properties": {"tag": {"type": "array", "minItems": 2}},
                }
            },
        }
    },
}


def _declaring(issuer: str | Json, *schemas: tuple[str, str], **fields: Any) -> Json:
    badge = make_badge(issuer, **fields)
    badge["credentialSchema"] = [{"id": url, "type": kind} for url, kind in schemas]
    return badge


def _verify(document: Json, documents: Any = None, **options: Any) -> VerificationReport:
    return Verifier(documents=documents, clock=fixed_clock, **options).verify(document)


def _skills_documents() -> PinnedDocuments:
    return PinnedDocuments({SKILLS_SCHEMA: SKILLS})


# -- declared schemas, signed with a fresh key --------------------------------------------


def test_credential_conforming_to_its_declared_schema_passes(
    issuer_key: Ed25519PrivateKey,
) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(_declaring(did, (SKILLS_SCHEMA, "JsonSchema")), issuer_key, method)

    report = _verify(signed, _skills_documents())

    assert report.verified, report.failed()
    assert [item.check for item in report.checks] == list(CHECK_NAMES)
    schema = check(report, "schema")
    assert schema.outcome == "passed"
    assert f"conforms to {SKILLS_SCHEMA}" in schema.detail
    assert f"conforms to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA}" in schema.detail


def test_credential_violating_its_declared_schema_fails(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = _declaring(did, (SKILLS_SCHEMA, "JsonSchema"))
    badge["credentialSubject"]["achievement"]["tag"] = ["python"]
    signed = sign(badge, issuer_key, method)

    report = _verify(signed, _skills_documents())

    assert check(report, "proof").outcome == "passed"  # signed as it is: only the schema fails
    schema = check(report, "schema")
    assert schema.outcome == "failed"
    assert schema.detail == (
        f"does not conform to {SKILLS_SCHEMA}: at /credentialSubject/achievement/tag "
        "['python'] is too short; "
        f"conforms to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA} (the 1EdTech schema for its type)"
    )
    assert report.failed() == (schema,)
    assert not report.verified


def test_1edtech_validator_type_is_validated_too(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = _declaring(did, (SKILLS_SCHEMA, "1EdTechJsonSchemaValidator2019"))
    badge["credentialSubject"]["achievement"].pop("tag")

    # eddsa-jcs-2022: the OB 3.0 context does not define 1EdTechJsonSchemaValidator2019, so
    # an RDFC signature refuses the undefined type.
    signed = sign(badge, issuer_key, method, signer=sign_eddsa_jcs_2022)
    report = _verify(signed, _skills_documents())

    assert check(report, "schema").outcome == "failed"
    assert "at /credentialSubject/achievement 'tag' is a required property" in (
        check(report, "schema").detail
    )


def test_declared_official_schema_is_applied_once(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = _declaring(did, (OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, "1EdTechJsonSchemaValidator2019"))

    report = _verify(sign(badge, issuer_key, method, signer=sign_eddsa_jcs_2022))

    assert check(report, "schema").detail == f"conforms to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA}"


# -- the 1EdTech schemas, declared or not --------------------------------------------------


@pytest.mark.parametrize(
    ("remove", "pointer", "missing"),
    [
        (
            ("credentialSubject", "achievement", "criteria"),
            "/credentialSubject/achievement",
            "criteria",
        ),
        (("credentialSubject", "type"), "/credentialSubject", "type"),
        (("id",), "/", "id"),
    ],
)
def test_ob3_credential_missing_a_required_field_fails(
    issuer_key: Ed25519PrivateKey, remove: tuple[str, ...], pointer: str, missing: str
) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge({"id": did, "type": ["Profile"], "name": "Example Training"})
    holder = badge
    for step in remove[:-1]:
        holder = holder[step]
    del holder[remove[-1]]

    # JCS: without its type, the subject's terms are undefined, which RDFC refuses to sign.
    report = _verify(sign(badge, issuer_key, method, signer=sign_eddsa_jcs_2022))

    schema = check(report, "schema")
    assert schema.outcome == "failed"
    assert schema.detail == (
        f"does not conform to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA} (the 1EdTech schema for its "
        f"type): at {pointer} '{missing}' is a required property"
    )
    assert not report.verified


def test_official_schemas_can_be_turned_off(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    badge = make_badge(did)
    del badge["credentialSubject"]["achievement"]["criteria"]

    report = _verify(sign(badge, issuer_key, method), official_schemas=False)

    assert check(report, "schema").outcome == "passed"
    assert check(report, "schema").detail == "no schema declared (credentialSchema not present)"
    assert report.verified


def test_plain_vc_and_vc_1_1_badge_get_no_official_schema(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    plain = make_badge(did, type=["VerifiableCredential"])
    del plain["credentialSubject"]["achievement"]["criteria"]
    vc11 = make_badge(did, issuanceDate="2025-01-15T09:30:00Z")
    vc11["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    del vc11["validFrom"]  # OB 3.0 drafts on VC 1.1: the published schema would require it

    report = _verify(sign(plain, issuer_key, method))
    vc11_result = SchemaChecker(PinnedDocuments()).check(vc11)

    assert report.verified, report.failed()
    assert check(report, "schema").detail == "no schema declared (credentialSchema not present)"
    assert vc11_result.outcome == "passed"
    assert vc11_result.detail == "no schema declared (credentialSchema not present)"


# -- schemas that cannot be had or used ----------------------------------------------------


def test_unknown_schema_id_is_unknown_and_never_fetched(issuer_key: Ed25519PrivateKey) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(_declaring(did, (SKILLS_SCHEMA, "JsonSchema")), issuer_key, method)

    report = _verify(signed)  # no store given: nothing can be fetched

    schema = check(report, "schema")
    assert schema.outcome == "unknown"
    assert f"schema {SKILLS_SCHEMA} is neither bundled nor pinned" in schema.detail
    assert report.verified  # like an unavailable status list, it does not block


@pytest.mark.parametrize(
    ("entry", "reason", "as_ob3"),
    [
        ({"id": SKILLS_SCHEMA, "type": "JsonSchemaCredential"}, "unsupported type", "unknown"),
        ({"type": "JsonSchema"}, "has no id", "failed"),
        ("https://training.example/schema.json", "is not an object", "failed"),
    ],
)
def test_unusable_declarations_are_unknown(
    issuer_key: Ed25519PrivateKey, entry: Any, reason: str, as_ob3: str
) -> None:
    did, method = did_key_method(issuer_key)
    plain = make_badge(did, type=["VerifiableCredential"], credentialSchema=entry)
    badge = make_badge(did, credentialSchema=entry)

    schema = check(_verify(sign(plain, issuer_key, method), _skills_documents()), "schema")
    ob3 = SchemaChecker(_skills_documents()).check(badge)

    assert schema.outcome == "unknown"
    assert reason in schema.detail
    # In an OB 3.0 credential, the official schema itself requires {id, type} entries.
    assert ob3.outcome == as_ob3


@pytest.mark.parametrize(
    ("schema", "reason"),
    [
        ({"$ref": "https://elsewhere.example/schema.json"}, "never retrieved"),
        ({"type": "object", "required": "credentialSubject"}, "is not a valid JSON Schema"),
        ({"$schema": "https://example.org/my-dialect", "type": "object"}, "unsupported $schema"),
        ({"$schema": ["not", "a", "uri"]}, "is not a URI"),
    ],
)
def test_unusable_schemas_are_unknown(
    issuer_key: Ed25519PrivateKey, schema: Json, reason: str
) -> None:
    did, method = did_key_method(issuer_key)
    signed = sign(_declaring(did, (SKILLS_SCHEMA, "JsonSchema")), issuer_key, method)

    found = check(_verify(signed, PinnedDocuments({SKILLS_SCHEMA: schema})), "schema")

    assert found.outcome == "unknown"
    assert reason in found.detail


def test_schema_is_fetched_only_through_a_fetching_store(
    issuer_key: Ed25519PrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch)
    did, method = did_key_method(issuer_key)
    badge = _declaring(did, (SKILLS_SCHEMA, "JsonSchema"))
    badge["credentialSubject"]["achievement"]["tag"] = ["python"]
    signed = sign(badge, issuer_key, method)
    server = Server({SKILLS_SCHEMA: SKILLS})

    fetched = _verify(signed, ChainedDocuments(PinnedDocuments(), server.fetcher()))
    server.documents.clear()
    missing = _verify(signed, ChainedDocuments(PinnedDocuments(), server.fetcher()))

    assert server.requests == [SKILLS_SCHEMA, SKILLS_SCHEMA]
    assert check(fetched, "schema").outcome == "failed"
    assert "is too short" in check(fetched, "schema").detail
    assert check(missing, "schema").outcome == "unknown"
    assert f"schema {SKILLS_SCHEMA} cannot be fetched" in check(missing, "schema").detail


# -- VC-JWT runs the same check ------------------------------------------------------------


def _vc_jwt(key: Ed25519PrivateKey, payload: Json) -> str:
    _, method = did_key_method(key)
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": method}
    encoded = [b64url_encode(msgspec.json.encode(part)) for part in (header, payload)]
    signing_input = ".".join(encoded)
    return f"{signing_input}.{b64url_encode(sign_raw(signing_input.encode(), key))}"


def test_vc_jwt_payload_is_validated(issuer_key: Ed25519PrivateKey) -> None:
    did, _ = did_key_method(issuer_key)
    conforming = _declaring(did, (SKILLS_SCHEMA, "JsonSchema"))
    violating = copy.deepcopy(conforming)
    violating["credentialSubject"]["achievement"]["tag"] = ["python"]
    verifier = Verifier(documents=_skills_documents(), clock=fixed_clock)

    reports = []
    for payload in (conforming, violating):
        credential, document = parse_credential(_vc_jwt(issuer_key, payload).encode())
        assert credential.format == "vc-jwt"
        reports.append(verifier.verify(document))

    assert [item.check for item in reports[0].checks] == list(CHECK_NAMES)
    assert reports[0].verified, reports[0].failed()
    assert check(reports[1], "proof").outcome == "passed"
    assert check(reports[1], "schema").outcome == "failed"
    assert "/credentialSubject/achievement/tag" in check(reports[1], "schema").detail
    assert not reports[1].verified


# -- the real OB 3.0 / CLR 2.0 examples ---------------------------------------------------


def test_1edtech_signed_vectors_pass_the_schema_check(
    load_json: Callable[[str], Json],
) -> None:
    keypair = load_json(f"{OB}/extracted_examples/linked-data-proof-ob_keypair.json")
    key_document = {
        "@context": "https://w3id.org/security/multikey/v1",
        "id": keypair["id"],
        "type": "Multikey",
        "controller": keypair["controller"],
        "publicKeyMultibase": keypair["publicKeyMultibase"],
    }
    verifier = Verifier(documents=PinnedDocuments({keypair["id"]: key_document}), clock=fixed_clock)

    ob = verifier.verify(
        load_json(f"{OB}/extracted_examples/linked-data-proof-ob_signed_credential.json")
    )
    clr = verifier.verify(
        load_json(f"{OB}/extracted_examples/linked-data-proof-clr_signed_credential.json")
    )

    assert ob.verified, ob.failed()
    assert check(ob, "schema").detail == (
        f"conforms to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA} (the 1EdTech schema for its type)"
    )
    assert clr.verified, clr.failed()
    assert check(clr, "schema").detail == f"conforms to {CLR2_CREDENTIAL_SCHEMA}"


@pytest.mark.parametrize(
    "name",
    [
        "basicOpenBadgeCredential_0",
        "fullOpenBadge_0",
        "achievementAlignmentCase_0",
        "achievementAlignmentCe_0",
        "skillAssertionCase_0",
        "skillAssertionCtdl_0",
    ],
)
def test_1edtech_spec_examples_conform(name: str, load_json: Callable[[str], Json]) -> None:
    result = SchemaChecker(PinnedDocuments()).check(
        load_json(f"{OB}/extracted_examples/{name}.json")
    )

    assert (result.outcome, result.detail.startswith("conforms to ")) == ("passed", True)


def test_1edtech_endorsement_example_conforms_to_the_bundled_endorsement_schema(
    load_json: Callable[[str], Json],
) -> None:
    result = SchemaChecker(PinnedDocuments()).check(
        load_json(f"{OB}/extracted_examples/endorsement_0.json")
    )

    # Its second schema (https://state.gov/...) is an example URL: neither bundled nor pinned.
    assert result.outcome == "unknown"
    assert result.detail.startswith(
        "conforms to https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
        "ob_v3p0_endorsementcredential_schema.json; schema https://state.gov/"
    )


@pytest.mark.parametrize("name", ["examples_0", "examples_2"])
def test_minimal_spec_examples_violate_the_official_schema(
    name: str, load_json: Callable[[str], Json]
) -> None:
    # Known upstream problem (see ingest/schemas/SOURCES.md): the minimal examples of the
    # OB 3.0 examples page lack credentialSubject.type, .achievement and the issuer's type.
    result = SchemaChecker(PinnedDocuments()).check(
        load_json(f"{OB}/extracted_examples/{name}.json")
    )

    assert result.outcome == "failed"
    assert result.detail.endswith("at /credentialSubject 'type' is a required property")


def _edubadges(credentials_data: Path) -> list[Path]:
    return sorted((credentials_data / EDUBADGES / "_data" / "credentials").glob("*.json"))


def test_all_30_edubadges_examples_conform(credentials_data: Path) -> None:
    # Their own profile schemas are pinned from the same snapshot (read, never fetched).
    profiles = PinnedDocuments(
        {
            EDUBADGES_SCHEMAS + path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in (credentials_data / EDUBADGES / "schemas").glob("*.json")
        }
    )
    examples = _edubadges(credentials_data)
    assert len(examples) == 30

    for path in examples:
        document = json.loads(path.read_text(encoding="utf-8"))
        pinned = SchemaChecker(profiles).check(document)
        bundled_only = SchemaChecker(PinnedDocuments()).check(document)

        assert pinned.outcome == "passed", (path.name, pinned.detail)
        assert pinned.detail.count("conforms to ") == len(document["credentialSchema"])
        assert bundled_only.outcome == "unknown", (path.name, bundled_only.detail)
        assert bundled_only.detail.startswith(f"conforms to {OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA};")


# -- the bundled files ---------------------------------------------------------------------


def test_bundled_schemas_match_sources_md_and_are_valid() -> None:
    folder = importlib.resources.files("ingest") / "schemas"
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for url, name in BUNDLED_SCHEMAS.items():
        raw = (folder / name).read_bytes()
        row = next(
            line for line in sources.splitlines() if line.startswith(f"| `{url}` | {name} |")
        )
        digest = re.findall(r"\| ([0-9a-f]{12}) \|", row)
        assert digest == [hashlib.sha256(raw).hexdigest()[:12]], name
        schema = json.loads(raw)
        assert schema["$id"] == url
        Draft201909Validator.check_schema(schema)
