"""CLR 2.0 bundles signed by the tests: the bundle and each nested credential verified alone."""

from __future__ import annotations

import copy
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import CredentialFormatError, Verifier, parse_credential
from tests.ingest.ingest_testkit import Json, check, did_key_method, fixed_clock, make_badge, sign

CLR_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


def _nested(key: Ed25519PrivateKey, name: str, number: int) -> Json:
    did, method = did_key_method(key)
    badge = make_badge(
        {"id": did, "type": ["Profile"], "name": f"Issuer {number}"},
        id=f"urn:uuid:00000000-0000-4000-8000-00000000000{number}",
        name=name,
    )
    badge["credentialSubject"]["achievement"]["name"] = name
    badge["credentialSubject"]["achievement"]["id"] = f"https://training.example/a/{number}"
    return sign(badge, key, method)


def make_clr(bundle_key: Ed25519PrivateKey, nested: list[Json | str]) -> Json:
    """A signed ClrCredential holding ``nested`` and one directly listed achievement."""
    did, method = did_key_method(bundle_key)
    clr: Json = {
        "@context": list(CLR_CONTEXTS),
        "id": "urn:uuid:7a1c1f6e-2b7f-4f3e-8a11-0c9c0e3b9a01",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Registrar"},
        "validFrom": "2025-01-15T09:30:00Z",
        "name": "Transcript",
        "credentialSubject": {
            "id": "did:example:learner-42",
            "type": ["ClrSubject"],
            "verifiableCredential": nested,
            "achievement": [
                {
                    "id": "https://registrar.example/programmes/data",
                    "type": ["Achievement"],
                    "name": "Data Science Programme",
                    "description": "A two-year programme in data science.",
                    "criteria": {"narrative": "Completed every module."},
                }
            ],
            "association": [
                {
                    "type": "Association",
                    "associationType": "isParentOf",
                    "sourceId": "https://registrar.example/programmes/data",
                    "targetId": "https://training.example/a/1",
                }
            ],
        },
    }
    return sign(clr, bundle_key, method)


@pytest.fixture(scope="module")
def keys() -> list[Ed25519PrivateKey]:
    return [Ed25519PrivateKey.generate() for _ in range(3)]


def _raw(document: Json) -> bytes:
    return json.dumps(document).encode()


def test_bundle_verifies_and_each_nested_credential_verifies_on_its_own(
    keys: list[Ed25519PrivateKey],
) -> None:
    first, second = _nested(keys[1], "SQL Basics", 1), _nested(keys[2], "Statistics", 2)
    clr = make_clr(keys[0], [first, second])
    verifier = Verifier(clock=fixed_clock)

    parsed, document = parse_credential(_raw(clr))
    nested = [parse_credential(raw) for raw in parsed.nested]

    assert verifier.verify(document).verified
    assert parsed.format == "clr-jsonld"
    assert [a.name for a in parsed.achievements] == ["Data Science Programme"]
    assert [n.name for n, _ in nested] == ["SQL Basics", "Statistics"]
    assert [n.issuer.id for n, _ in nested] == [
        did_key_method(keys[1])[0],
        did_key_method(keys[2])[0],
    ]
    assert all(verifier.verify(d).verified for _, d in nested)


def test_a_nested_credential_altered_before_bundling_fails_alone_but_the_bundle_verifies(
    keys: list[Ed25519PrivateKey],
) -> None:
    forged = _nested(keys[1], "SQL Basics", 1)
    forged["name"] = "SQL Expert"  # changed after its issuer signed it, then bundled and signed
    clr = make_clr(keys[0], [forged, _nested(keys[2], "Statistics", 2)])
    verifier = Verifier(clock=fixed_clock)

    parsed, document = parse_credential(_raw(clr))
    reports = [verifier.verify(parse_credential(raw)[1]) for raw in parsed.nested]

    assert verifier.verify(document).verified
    assert check(reports[0], "proof").outcome == "failed"
    assert reports[1].verified


def test_altering_a_nested_credential_after_bundling_breaks_both_proofs(
    keys: list[Ed25519PrivateKey],
) -> None:
    clr = make_clr(keys[0], [_nested(keys[1], "SQL Basics", 1)])
    altered = copy.deepcopy(clr)
    altered["credentialSubject"]["verifiableCredential"][0]["name"] = "SQL Expert"
    verifier = Verifier(clock=fixed_clock)

    parsed, document = parse_credential(_raw(altered))

    assert check(verifier.verify(document), "proof").outcome == "failed"
    assert check(verifier.verify(parse_credential(parsed.nested[0])[1]), "proof").outcome == (
        "failed"
    )


@pytest.mark.parametrize(
    ("nested", "message"),
    [
        (["not a credential"], "must be a credential object or a VC-JWT string"),
        ([42], "must be a credential object or a VC-JWT string"),
        ([{"type": ["VerifiableCredential", "ClrCredential"]}], "CLR inside a CLR"),
    ],
)
def test_malformed_nested_items_are_rejected(
    keys: list[Ed25519PrivateKey], nested: list[Json | str], message: str
) -> None:
    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(_raw(make_clr(keys[0], nested)))

    assert message in raised.value.message


def test_an_empty_clr_is_rejected(keys: list[Ed25519PrivateKey]) -> None:
    clr = make_clr(keys[0], [])
    del clr["credentialSubject"]["achievement"]

    with pytest.raises(CredentialFormatError) as raised:
        parse_credential(_raw(clr))

    assert raised.value.code == "missing-field"
    assert "verifiableCredential" in raised.value.message
