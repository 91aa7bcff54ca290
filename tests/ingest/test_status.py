"""Status checking (Bitstring, StatusList2021, 1EdTech revocation lists) and remote keys."""

from __future__ import annotations

import base64
import copy
import gzip

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ingest import (
    ChainedDocuments,
    PinnedDocuments,
    StatusListError,
    VerificationReport,
    Verifier,
    decode_status_list,
    encode_status_list,
    sign_eddsa_jcs_2022,
    sign_eddsa_rdfc_2022,
    status_value,
)
from ingest._keys import multikey_from_public_key
from ingest._status import (
    BITSTRING_STATUS_LIST,
    MIN_STATUS_LIST_ENTRIES,
    parse_status_entry,
    read_status,
)
from tests.ingest.http_testkit import Server, bitstring, encoded, fake_dns
from tests.ingest.ingest_testkit import (
    Json,
    check,
    did_key_method,
    fixed_clock,
    make_badge,
    sign,
)

LIST_URL = "https://status.example/lists/1"
REVOCATION_URL = "https://status.example/revocations/1"


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return fake_dns(monkeypatch, {"internal.example": "10.0.0.1"})


def _verify(
    document: Json, server: Server, pinned: PinnedDocuments | None = None
) -> VerificationReport:
    documents = ChainedDocuments(pinned or PinnedDocuments(), server.fetcher())
    return Verifier(documents=documents, clock=fixed_clock).verify(document)


def _status_list(
    issuer_key: Ed25519PrivateKey,
    set_bits: list[int],
    *,
    purpose: str | list[str] = "revocation",
    url: str = LIST_URL,
    signed: bool = True,
    length: int = MIN_STATUS_LIST_ENTRIES,
) -> Json:
    did, method = did_key_method(issuer_key)
    document: Json = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_status_list(bitstring(set_bits, length), multibase=True),
        },
    }
    return sign(document, issuer_key, method) if signed else document


def _signed_list(document: Json, issuer_key: Ed25519PrivateKey) -> Json:
    """Sign a list altered from `_status_list` (JCS: altered types need no JSON-LD terms)."""
    _, method = did_key_method(issuer_key)
    return sign(document, issuer_key, method, signer=sign_eddsa_jcs_2022)


def _entry(index: int, purpose: str = "revocation", url: str = LIST_URL) -> Json:
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def _badge(issuer_key: Ed25519PrivateKey, status: Json | list[Json], *, jcs: bool = False) -> Json:
    """A signed did:key badge with this status (JCS for status types the contexts lack)."""
    did, method = did_key_method(issuer_key)
    signer = sign_eddsa_jcs_2022 if jcs else sign_eddsa_rdfc_2022
    return sign(make_badge(did, credentialStatus=status), issuer_key, method, signer=signer)


def _status(report: VerificationReport) -> tuple[str, str]:
    found = check(report, "status")
    return found.outcome, found.detail


def test_revoked_bit_fails_the_credential(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [5, 94567])})

    report = _verify(_badge(issuer_key, _entry(94567)), server)

    outcome, detail = _status(report)
    assert outcome == "failed"
    assert "revoked" in detail
    assert not report.verified


def test_suspended_bit_fails_the_credential(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [7], purpose="suspension")})

    report = _verify(_badge(issuer_key, _entry(7, "suspension")), server)

    assert _status(report)[0] == "failed"
    assert "suspended" in _status(report)[1]
    assert not report.verified


def test_clear_bit_passes_and_names_list_and_index(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [6, 8])})

    report = _verify(_badge(issuer_key, _entry(7)), server)

    outcome, detail = _status(report)
    assert outcome == "passed"
    assert LIST_URL in detail
    assert "index 7" in detail
    assert report.verified


def test_several_entries_any_set_fails(issuer_key: Ed25519PrivateKey) -> None:
    suspension_url = "https://status.example/lists/2"
    server = Server(
        {
            LIST_URL: _status_list(issuer_key, []),
            suspension_url: _status_list(issuer_key, [3], purpose="suspension", url=suspension_url),
        }
    )
    entries = [_entry(3), _entry(3, "suspension", suspension_url)]

    outcome, detail = _status(_verify(_badge(issuer_key, entries), server))

    assert outcome == "failed"
    assert "suspended" in detail
    assert "not revocation-flagged" in detail


def test_index_out_of_range_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [])})

    report = _verify(_badge(issuer_key, _entry(16 * 1024 * 8)), server)

    outcome, detail = _status(report)
    assert outcome == "unknown"
    assert "beyond the list" in detail
    assert report.verified  # an unknown status is reported, not a failure


@pytest.mark.parametrize("index", ["-1", "abc", "1.5", "", 7, "007", "+7", " 7", "\u0667", None])
def test_index_not_a_base_10_string_is_unknown(
    issuer_key: Ed25519PrivateKey, index: object
) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [])})
    entry = {**_entry(0), "statusListIndex": index}

    outcome, detail = _status(_verify(_badge(issuer_key, entry, jcs=True), server))

    assert outcome == "unknown"
    assert "is not a non-negative integer written as a base-10 string" in detail


def test_entry_whose_id_is_the_list_url_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [])})
    entry = {**_entry(1), "id": LIST_URL}

    outcome, detail = _status(_verify(_badge(issuer_key, entry), server))

    assert outcome == "unknown"
    assert "has the statusListCredential URL as its id" in detail


def test_unreachable_list_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(500)

    report = _verify(_badge(issuer_key, _entry(1)), server)

    outcome, detail = _status(report)
    assert outcome == "unknown"
    assert "HTTP 500" in detail
    assert report.verified


def test_list_timeout_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("connect timed out", request=request)

    server = Server()
    server.override = slow

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert "timed out" in detail


def test_list_at_a_private_address_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    url = "https://internal.example/list"
    server = Server({url: _status_list(issuer_key, [], url=url)})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1, url=url)), server))

    assert outcome == "unknown"
    assert "private address" in detail
    assert server.requests == []


def test_oversized_list_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server()
    server.override = lambda request: httpx.Response(200, content=b" " * (6 * 1024 * 1024))

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert "larger than" in detail


def test_list_without_a_fetcher_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    report = Verifier(clock=fixed_clock).verify(_badge(issuer_key, _entry(1)))

    assert check(report, "status").outcome == "unknown"
    assert "not available" in check(report, "status").detail


def test_pinned_list_is_used_without_network(issuer_key: Ed25519PrivateKey) -> None:
    server = Server()
    pinned = PinnedDocuments({LIST_URL: _status_list(issuer_key, [1])})

    assert _status(_verify(_badge(issuer_key, _entry(1)), server, pinned))[0] == "failed"
    assert server.requests == []


@pytest.mark.parametrize(
    "encoded_list",
    [
        "not base64 !!",
        "u" + base64.urlsafe_b64encode(b"not gzip").decode().rstrip("="),
        encode_status_list(bitstring([1]), multibase=False),  # no multibase prefix
        "u" + base64.urlsafe_b64encode(gzip.compress(b"x" * 100)[:20]).decode().rstrip("="),
        42,
    ],
)
def test_malformed_encoded_list_is_unknown(
    issuer_key: Ed25519PrivateKey, encoded_list: object
) -> None:
    status_list = _status_list(issuer_key, [], signed=False)
    status_list["credentialSubject"]["encodedList"] = encoded_list
    server = Server({LIST_URL: _signed_list(status_list, issuer_key)})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert "encodedList" in detail


def test_list_with_a_bad_signature_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    status_list = _status_list(issuer_key, [1])
    status_list["credentialSubject"]["encodedList"] = encoded([])  # tampered: clears bit 1
    server = Server({LIST_URL: status_list})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert "does not verify" in detail
    assert "proof" in detail


def test_unsigned_list_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [], signed=False)})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert "has no proof" in detail


@pytest.mark.parametrize("set_bits", [[], [1]])
def test_list_by_another_issuer_is_unknown(
    issuer_key: Ed25519PrivateKey, set_bits: list[int]
) -> None:
    other_key = Ed25519PrivateKey.generate()
    other, _ = did_key_method(other_key)
    server = Server({LIST_URL: _status_list(other_key, set_bits)})
    badge = _badge(issuer_key, _entry(1))

    outcome, detail = _status(_verify(badge, server))

    assert outcome == "unknown"  # neither "not revoked" nor "revoked" on another's word
    assert f"issued by {other}, not by the credential's issuer {badge['issuer']}" in detail


@pytest.mark.parametrize(
    ("changes", "subject_changes", "expected"),
    [
        (
            {"type": ["VerifiableCredential"]},
            {},
            "does not include 'BitstringStatusListCredential'",
        ),
        # Without its types the list is no valid credential at all: the data model says so.
        ({"type": None}, {}, "does not verify (dataModel: VCDM 2.0 §4.5 Types"),
        ({"id": "https://status.example/lists/2"}, {}, "has id 'https://status.example/lists/2'"),
        ({"validUntil": "2025-03-01T00:00:00Z"}, {}, "expired at 2025-03-01T00:00:00Z"),
        ({"validFrom": "2025-12-01T00:00:00Z"}, {}, "not valid before 2025-12-01T00:00:00Z"),
        # The subject's type scopes encodedList and statusPurpose: without it they are
        # undefined terms.
        ({}, {"type": "StatusList2021"}, "does not verify (dataModel: VCDM 2.0 §5.2.1"),
        ({}, {"type": None}, "does not verify (dataModel: VCDM 2.0 §5.2.1"),
        ({}, {"statusPurpose": None}, "list purpose [] does not include 'revocation'"),
        ({}, {"statusPurpose": "suspension"}, "does not include 'revocation'"),
    ],
)
def test_list_that_is_not_the_entrys_valid_list_is_unknown(
    issuer_key: Ed25519PrivateKey, changes: Json, subject_changes: Json, expected: str
) -> None:
    status_list = _status_list(issuer_key, [], signed=False)
    status_list.update(changes)
    status_list["credentialSubject"].update(subject_changes)
    for document in (status_list, status_list["credentialSubject"]):
        for key in [key for key, value in document.items() if value is None]:
            del document[key]
    server = Server({LIST_URL: _signed_list(status_list, issuer_key)})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert expected in detail


def test_list_without_an_id_is_used(issuer_key: Ed25519PrivateKey) -> None:
    status_list = _status_list(issuer_key, [1], signed=False)
    del status_list["id"]
    server = Server({LIST_URL: _signed_list(status_list, issuer_key)})

    assert _status(_verify(_badge(issuer_key, _entry(1)), server))[0] == "failed"


def test_list_with_several_purposes_serves_each(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [1], purpose=["revocation", "suspension"])})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1, "suspension")), server))

    assert outcome == "failed"
    assert "suspended" in detail


def test_list_shorter_than_the_minimum_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [1], length=MIN_STATUS_LIST_ENTRIES - 8)})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1)), server))

    assert outcome == "unknown"
    assert f"{MIN_STATUS_LIST_ENTRIES - 8} entries of 1 bit(s), fewer than the" in detail


def test_list_purpose_must_match_the_entry(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [1], purpose="suspension")})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1, "revocation")), server))

    assert outcome == "unknown"
    assert "purpose" in detail


_MESSAGES = [
    {"status": "0x0", "message": "pending_review"},
    {"status": "0x1", "message": "accepted"},
    {"status": "0x2", "message": "rejected"},
    {"status": "0x3", "message": "withdrawn"},
]


def _message_list(issuer_key: Ed25519PrivateKey, set_bits: list[int]) -> Json:
    """A message list of 2-bit entries, as long as the minimum number of entries needs."""
    return _status_list(issuer_key, set_bits, purpose="message", length=2 * MIN_STATUS_LIST_ENTRIES)


def _message_entry(index: int, **fields: object) -> Json:
    return {**_entry(index, "message"), "statusSize": 2, "statusMessage": _MESSAGES, **fields}


def test_message_purpose_reports_the_value_and_its_message(
    issuer_key: Ed25519PrivateKey,
) -> None:
    server = Server({LIST_URL: _message_list(issuer_key, [2, 3])})

    outcome, detail = _status(_verify(_badge(issuer_key, _message_entry(1), jcs=True), server))

    assert outcome == "passed"
    assert "0x3" in detail
    assert "withdrawn" in detail


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"statusMessage": None}, "requires a statusMessage array"),
        ({"statusMessage": _MESSAGES[:2]}, "array of 4 messages"),
        ({"statusMessage": [*_MESSAGES[:3], _MESSAGES[0]]}, "one message per value"),
        ({"statusMessage": [*_MESSAGES[:3], {"status": "3", "message": "x"}]}, "0x hex"),
        ({"statusMessage": [*_MESSAGES[:3], {"status": "0x3"}]}, "no message string"),
        ({"statusSize": "2"}, "statusSize '2' is not a positive integer"),
        ({"statusSize": 0}, "statusSize 0 is not a positive integer"),
    ],
)
def test_status_size_and_messages_must_follow_the_spec(
    issuer_key: Ed25519PrivateKey, changes: Json, expected: str
) -> None:
    server = Server({LIST_URL: _message_list(issuer_key, [3])})
    entry = {key: value for key, value in _message_entry(1, **changes).items() if value is not None}

    outcome, detail = _status(_verify(_badge(issuer_key, entry, jcs=True), server))

    assert outcome == "unknown"
    assert expected in detail


def test_list_too_short_for_its_status_size_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [3], purpose="message")})

    outcome, detail = _status(_verify(_badge(issuer_key, _message_entry(1), jcs=True), server))

    assert outcome == "unknown"
    assert f"65536 entries of 2 bit(s), fewer than the {MIN_STATUS_LIST_ENTRIES}" in detail


def test_unsupported_status_type_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    entry = {"id": "https://status.example/x", "type": "CredentialStatusList2017"}

    outcome, detail = _status(_verify(_badge(issuer_key, entry, jcs=True), Server()))

    assert outcome == "unknown"
    assert "unsupported status type 'CredentialStatusList2017'" in detail


def test_list_is_fetched_once_within_the_ttl(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [])})
    verifier = Verifier(
        documents=ChainedDocuments(PinnedDocuments(), server.fetcher()), clock=fixed_clock
    )
    badge = _badge(issuer_key, _entry(1))

    for _ in range(3):
        assert check(verifier.verify(badge), "status").outcome == "passed"
    assert server.requests == [LIST_URL]


def _status_list_2021(
    issuer_key: Ed25519PrivateKey,
    set_bits: list[int],
    purpose: str = "revocation",
    **changes: object,
) -> Json:
    did, _ = did_key_method(issuer_key)
    document: Json = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": did,
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "StatusList2021",
            "statusPurpose": purpose,
            "encodedList": encoded(set_bits, multibase=False),
        },
    }
    return _signed_list(document | changes, issuer_key)


_ENTRY_2021: Json = {
    "id": f"{LIST_URL}#9",
    "type": "StatusList2021Entry",
    "statusPurpose": "revocation",
    "statusListIndex": "9",
    "statusListCredential": LIST_URL,
}


@pytest.mark.parametrize(("set_bits", "outcome"), [([9], "failed"), ([8, 10], "passed")])
def test_status_list_2021(issuer_key: Ed25519PrivateKey, set_bits: list[int], outcome: str) -> None:
    server = Server({LIST_URL: _status_list_2021(issuer_key, set_bits)})

    assert _status(_verify(_badge(issuer_key, _ENTRY_2021, jcs=True), server))[0] == outcome


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"type": ["VerifiableCredential"]}, "does not include 'StatusList2021Credential'"),
        ({"expirationDate": "2025-03-01T00:00:00Z"}, "expired at 2025-03-01T00:00:00Z"),
        ({"issuanceDate": "2025-12-01T00:00:00Z"}, "not valid before 2025-12-01T00:00:00Z"),
    ],
)
def test_status_list_2021_must_be_a_valid_list_credential(
    issuer_key: Ed25519PrivateKey, changes: Json, expected: str
) -> None:
    server = Server({LIST_URL: _status_list_2021(issuer_key, [9], **changes)})

    outcome, detail = _status(_verify(_badge(issuer_key, _ENTRY_2021, jcs=True), server))

    assert outcome == "unknown"
    assert expected in detail


def test_status_list_2021_by_another_issuer_is_unknown(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list_2021(Ed25519PrivateKey.generate(), [9])})

    outcome, detail = _status(_verify(_badge(issuer_key, _ENTRY_2021, jcs=True), server))

    assert outcome == "unknown"
    assert "not by the credential's issuer" in detail


def test_status_list_2021_has_no_message_purpose(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list_2021(issuer_key, [], purpose="message")})
    entry = {
        "type": "StatusList2021Entry",
        "statusPurpose": "message",
        "statusListIndex": "1",
        "statusListCredential": LIST_URL,
    }

    assert _status(_verify(_badge(issuer_key, entry, jcs=True), server))[0] == "unknown"


def _revocation_list(issuer: str, revoked: list[object]) -> Json:
    return {"id": REVOCATION_URL, "issuer": issuer, "revokedCredentials": revoked}


def test_1edtech_revocation_list_listed_is_revoked(issuer_key: Ed25519PrivateKey) -> None:
    badge = _badge(issuer_key, {"id": REVOCATION_URL, "type": "1EdTechRevocationList"}, jcs=True)
    listed = {"id": badge["id"], "revocationReason": "issued in error"}
    server = Server({REVOCATION_URL: _revocation_list(badge["issuer"], [listed])})

    report = _verify(badge, server)

    outcome, detail = _status(report)
    assert outcome == "failed"
    assert "revoked" in detail
    assert "issued in error" in detail
    assert not report.verified


def test_1edtech_revocation_list_not_listed_passes(issuer_key: Ed25519PrivateKey) -> None:
    badge = _badge(issuer_key, {"id": REVOCATION_URL, "type": "1EdTechRevocationList"}, jcs=True)
    other = {"id": "urn:uuid:00000000-0000-0000-0000-000000000000"}
    server = Server({REVOCATION_URL: _revocation_list(badge["issuer"], [other])})

    outcome, detail = _status(_verify(badge, server))

    assert outcome == "passed"
    assert REVOCATION_URL in detail


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"revokedCredentials": None}, "has no revokedCredentials list"),
        ({"issuer": "did:example:someone-else"}, "issued by did:example:someone-else, not by"),
        ({"issuer": None}, "issued by no one, not by the credential's issuer"),
        ({"id": "https://status.example/revocations/2"}, "has id"),
    ],
)
def test_1edtech_revocation_list_malformed_or_foreign_is_unknown(
    issuer_key: Ed25519PrivateKey, changes: Json, expected: str
) -> None:
    badge = _badge(issuer_key, {"id": REVOCATION_URL, "type": "1EdTechRevocationList"}, jcs=True)
    document = _revocation_list(badge["issuer"], []) | changes
    server = Server({REVOCATION_URL: {k: v for k, v in document.items() if v is not None}})

    outcome, detail = _status(_verify(badge, server))

    assert outcome == "unknown"
    assert expected in detail


# --- remote keys: did:web and HTTPS verification methods -----------------------------


def _multikey(key: Ed25519PrivateKey, method: str, controller: str) -> Json:
    return {
        "id": method,
        "type": "Multikey",
        "controller": controller,
        "publicKeyMultibase": multikey_from_public_key(key.public_key()),
    }


def test_did_web_issuer_is_resolved_and_bound(issuer_key: Ed25519PrivateKey) -> None:
    did = "did:web:issuer.example:orgs:acme"
    method = did + "#key-1"
    did_document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [_multikey(issuer_key, "#key-1", did) | {"id": "#key-1"}],
        "assertionMethod": ["#key-1"],
    }
    server = Server({"https://issuer.example/orgs/acme/did.json": did_document})
    badge = sign(make_badge({"id": did, "type": ["Profile"], "name": "Acme"}), issuer_key, method)

    report = _verify(badge, server)

    assert report.verified, report.failed()
    assert "controlled by the issuer" in check(report, "key").detail
    assert server.requests == ["https://issuer.example/orgs/acme/did.json"]


def test_did_web_key_of_another_did_is_not_bound(issuer_key: Ed25519PrivateKey) -> None:
    other = "did:web:other.example"
    method = other + "#key-1"
    server = Server(
        {
            "https://other.example/.well-known/did.json": {
                "id": other,
                "verificationMethod": [_multikey(issuer_key, method, other)],
            },
            "https://issuer.example/.well-known/did.json": {"id": "did:web:issuer.example"},
        }
    )
    badge = sign(make_badge("did:web:issuer.example"), issuer_key, method)

    report = _verify(badge, server)

    assert check(report, "proof").outcome == "passed"
    assert check(report, "key").outcome == "failed"
    assert not report.verified


def test_unreachable_did_web_leaves_proof_and_key_unknown(issuer_key: Ed25519PrivateKey) -> None:
    did = "did:web:issuer.example"
    server = Server()
    server.override = lambda request: httpx.Response(503)
    badge = sign(make_badge(did), issuer_key, did + "#key-1")

    report = _verify(badge, server)

    assert check(report, "proof").outcome == "unknown"
    assert check(report, "key").outcome == "unknown"
    assert "HTTP 503" in check(report, "key").detail
    assert not report.verified


def test_https_key_document_is_resolved(issuer_key: Ed25519PrivateKey) -> None:
    issuer = "https://issuer.example/profile"
    method = "https://issuer.example/keys/1"
    server = Server({method: _multikey(issuer_key, method, issuer)})
    badge = sign(make_badge({"id": issuer, "type": ["Profile"], "name": "X"}), issuer_key, method)

    report = _verify(badge, server)

    assert report.verified, report.failed()


def test_https_method_with_fragment_resolves_through_the_profile(
    issuer_key: Ed25519PrivateKey,
) -> None:
    issuer = "https://issuer.example/profile"
    method = issuer + "#key-1"
    profile = {
        "id": issuer,
        "type": "Profile",
        "verificationMethod": [_multikey(issuer_key, method, issuer)],
    }
    server = Server({issuer: profile})
    badge = sign(make_badge({"id": issuer, "type": ["Profile"], "name": "X"}), issuer_key, method)

    report = _verify(badge, server)

    assert report.verified, report.failed()
    assert server.requests == [issuer]


def test_https_key_listed_by_fetched_issuer_profile_is_bound(
    issuer_key: Ed25519PrivateKey,
) -> None:
    issuer = "https://issuer.example/profile"
    method = "https://keys.example/k/1"
    server = Server(
        {
            method: _multikey(issuer_key, method, "https://keys.example/"),
            issuer: {"id": issuer, "assertionMethod": [method]},
        }
    )
    badge = sign(make_badge(issuer), issuer_key, method)

    report = _verify(badge, server)

    assert report.verified, report.failed()
    assert "lists" in check(report, "key").detail


# --- the bitstring decoder ----------------------------------------------------------


def test_status_value_reads_most_significant_bit_first() -> None:
    data = bytes([0b1000_0001, 0b0100_0000])

    assert [status_value(data, i) for i in range(10)] == [1, 0, 0, 0, 0, 0, 0, 1, 0, 1]
    assert status_value(data, 2, size=4) == 0b0100
    with pytest.raises(StatusListError):
        status_value(data, 16)


def test_round_trip() -> None:
    bits = bitstring([0, 13, 131071])
    for multibase in (True, False):
        assert (
            decode_status_list(encode_status_list(bits, multibase=multibase), multibase=multibase)
            == bits
        )


def test_gzip_bomb_is_refused() -> None:
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(20 * 1024 * 1024))).decode()

    with pytest.raises(StatusListError, match="expands"):
        decode_status_list(bomb, multibase=True)


_b64 = st.binary(max_size=200).map(lambda raw: base64.urlsafe_b64encode(raw).decode())
_gz = st.binary(max_size=200).map(lambda raw: base64.urlsafe_b64encode(gzip.compress(raw)).decode())
_truncated_gz = st.tuples(st.binary(max_size=200), st.integers(0, 60)).map(
    lambda pair: base64.urlsafe_b64encode(gzip.compress(pair[0])[: pair[1]]).decode()
)


@given(
    encoded_list=st.one_of(
        st.text(max_size=200),
        _b64,
        _gz,
        _truncated_gz,
        _b64.map("u".__add__),
        _gz.map("u".__add__),
        _truncated_gz.map("u".__add__),
        st.integers(),
        st.none(),
    ),
    multibase=st.booleans(),
    index=st.integers(-5, 5000),
    size=st.integers(-1, 9),
)
def test_decoder_raises_only_its_own_errors(
    encoded_list: object, multibase: bool, index: int, size: int
) -> None:
    try:
        data = decode_status_list(encoded_list, multibase=multibase)
        status_value(data, index, size)
    except StatusListError:
        pass


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
_hostile_entry = st.fixed_dictionaries(
    {},
    optional={
        "id": st.just(LIST_URL) | _json,
        "statusPurpose": st.sampled_from(["revocation", "message"]) | _json,
        "statusListIndex": st.sampled_from(["0", "9"]) | _json,
        "statusListCredential": st.just(LIST_URL) | _json,
        "statusSize": st.sampled_from([1, 2]) | _json,
        "statusMessage": st.just(_MESSAGES) | st.lists(_json, max_size=4) | _json,
    },
)
_hostile_list = st.fixed_dictionaries(
    {},
    optional={
        "id": st.just(LIST_URL) | _json,
        "type": st.just("BitstringStatusListCredential") | _json,
        "issuer": st.just("did:example:issuer") | _json,
        "credentialSubject": st.fixed_dictionaries(
            {},
            optional={
                "type": st.just("BitstringStatusList") | _json,
                "statusPurpose": st.sampled_from(["revocation", "message"]) | _json,
                "encodedList": st.just(encoded([9])) | _json,
            },
        )
        | _json,
    },
)


@given(entry=_hostile_entry, status_list=_hostile_list)
def test_status_rules_raise_only_their_own_errors(entry: Json, status_list: Json) -> None:
    try:
        parsed = parse_status_entry(entry, BITSTRING_STATUS_LIST)
        read_status(status_list, parsed, credential_issuer="did:example:issuer")
    except StatusListError:
        pass


def test_verify_never_raises_on_hostile_status(issuer_key: Ed25519PrivateKey) -> None:
    entries: list[object] = [
        "just a string",
        {"type": ["BitstringStatusListEntry"], "statusListCredential": 5},
        {
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": True,
        },
        {"type": "1EdTechRevocationList", "id": None},
        {"type": None},
        {"type": {"not": "a name"}},
        {"type": [{"not": "a name"}]},
        {"type": "BitstringStatusListEntry", "statusPurpose": ["revocation"]},
    ]
    badge = _badge(issuer_key, copy.deepcopy(entries), jcs=True)  # type: ignore[arg-type]

    outcome, _ = _status(_verify(badge, Server()))

    assert outcome == "unknown"
