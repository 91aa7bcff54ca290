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
    purpose: str = "revocation",
    url: str = LIST_URL,
    signed: bool = True,
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
            "encodedList": encoded(set_bits),
        },
    }
    return sign(document, issuer_key, method) if signed else document


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


@pytest.mark.parametrize("index", ["-1", "abc", "1.5", ""])
def test_invalid_index_is_unknown(issuer_key: Ed25519PrivateKey, index: str) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [])})
    entry = {**_entry(0), "statusListIndex": index}

    assert _status(_verify(_badge(issuer_key, entry), server))[0] == "unknown"


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
    server = Server({LIST_URL: status_list})

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


def test_list_purpose_must_match_the_entry(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [1], purpose="suspension")})

    outcome, detail = _status(_verify(_badge(issuer_key, _entry(1, "revocation")), server))

    assert outcome == "unknown"
    assert "purpose" in detail


def test_message_purpose_reports_the_value(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list(issuer_key, [2, 3], purpose="message")})
    entry = {**_entry(1, "message"), "statusSize": 2}

    outcome, detail = _status(_verify(_badge(issuer_key, entry), server))

    assert outcome == "passed"
    assert "0x3" in detail


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


def _status_list_2021(set_bits: list[int], purpose: str = "revocation") -> Json:
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "StatusList2021",
            "statusPurpose": purpose,
            "encodedList": encoded(set_bits, multibase=False),
        },
    }


@pytest.mark.parametrize(("set_bits", "outcome"), [([9], "failed"), ([8, 10], "passed")])
def test_status_list_2021(issuer_key: Ed25519PrivateKey, set_bits: list[int], outcome: str) -> None:
    server = Server({LIST_URL: _status_list_2021(set_bits)})
    entry = {
        "id": f"{LIST_URL}#9",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": "9",
        "statusListCredential": LIST_URL,
    }

    assert _status(_verify(_badge(issuer_key, entry, jcs=True), server))[0] == outcome


def test_status_list_2021_has_no_message_purpose(issuer_key: Ed25519PrivateKey) -> None:
    server = Server({LIST_URL: _status_list_2021([], purpose="message")})
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
    "document",
    [
        {"id": REVOCATION_URL},  # no revokedCredentials
        {"id": REVOCATION_URL, "issuer": "did:example:someone-else", "revokedCredentials": []},
    ],
)
def test_1edtech_revocation_list_malformed_or_foreign_is_unknown(
    issuer_key: Ed25519PrivateKey, document: Json
) -> None:
    badge = _badge(issuer_key, {"id": REVOCATION_URL, "type": "1EdTechRevocationList"}, jcs=True)
    server = Server({REVOCATION_URL: document})

    assert _status(_verify(badge, server))[0] == "unknown"


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
    ]
    badge = _badge(issuer_key, copy.deepcopy(entries), jcs=True)  # type: ignore[arg-type]

    outcome, _ = _status(_verify(badge, Server()))

    assert outcome == "unknown"
