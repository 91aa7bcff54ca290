"""The W3C VC Data Model 2.0 test suite's credential fixtures, signed, then verified.

Every credential fixture of ``shared/data/credentials/w3c-vc2-suite`` (``EXPECTED.tsv``,
kind ``credential``) gets the ``issuer`` the suite's harness would add (a fresh did:key),
is signed with that key under each securing mechanism, and goes through `Verifier`:

* ``fail`` fixtures (verifier classes ``STRUCT`` and ``JSONLD``) are rejected by the
  ``dataModel`` check (``context`` also counts for a JSON-LD fault), whose detail names the
  VCDM rule; the signature itself is valid, so nothing else explains the rejection.
* ``fail-or-inject`` fixtures: the suite lets an *issuer* inject the base context instead
  of refusing; a verifier cannot change what was signed, so, as the ``verifier_expectation``
  column says ("reject on data-model grounds alone"), they are ``fail`` fixtures here.
* ``ok`` fixtures (class ``ACCEPT``) verify.
* ``PROOF-UNVERIFIABLE`` (``credential-proof-ok``): its data model is valid but its dummy
  proof cannot verify, so a Data Integrity proof set holding it is rejected by the ``proof``
  check with ``dataModel`` passing (in a VC-JWT payload it is mere data, see the test).
* ``NON-NORMATIVE`` rows are all presentations (not accepted by credmatch), so none is here.

The verifier's clock is set inside each credential's validity period (right at
``validFrom``, or just before ``validUntil``), as when it is verified right after issue: the
fixtures' windows are in 2023, some a second long. ``credential-validfrom-far-future-ok``
(year 4023) is valid data but, as SOURCE.txt says, a verifier reports it as not yet valid.

Where a signer itself refuses a ``fail`` fixture (no ``@context``, a context that is not a
bundled URL, JSON-LD that RDFC cannot canonicalize; a JWS payload that is no credential),
the verifier gets the fixture unsigned and must still name the data-model defect.
"""

from __future__ import annotations

import copy
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest import (
    CredentialFormatError,
    UnknownContextError,
    VerificationReport,
    Verifier,
    did_key_from_public_key,
    sign_ecdsa_rdfc_2019,
    sign_eddsa_jcs_2022,
    sign_eddsa_rdfc_2022,
)
from ingest._ecdsa import b64url_encode, sign_raw
from ingest._jose import jws_document
from ingest._model import parse_datetime
from tests.conftest import SHARED_DATA, shared_data
from tests.ingest.ingest_testkit import NOW

Json = dict[str, Any]
SUITE_FOLDER = ("credentials", "w3c-vc2-suite")
FAR_FUTURE = "credential-validfrom-far-future-ok.json"
PROOF_UNVERIFIABLE = "PROOF-UNVERIFIABLE"
MECHANISMS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt")


@dataclass(frozen=True, slots=True)
class Fixture:
    """One credential row of EXPECTED.tsv."""

    file: str
    expected: str  # ok | fail | fail-or-inject
    verifier_class: str  # ACCEPT | STRUCT | JSONLD | PROOF-UNVERIFIABLE
    statement: str

    @property
    def must_fail(self) -> bool:
        return self.expected in {"fail", "fail-or-inject"}


def _fixtures() -> list[Any]:
    table = SHARED_DATA.joinpath(*SUITE_FOLDER, "EXPECTED.tsv")
    if not table.exists():  # the test itself skips, through shared_data
        return [pytest.param(None, "vc-jwt", id="w3c-vc2-suite-absent")]
    with table.open(encoding="utf-8", newline="") as handle:
        rows = [
            row for row in csv.DictReader(handle, delimiter="\t") if row["kind"] == "credential"
        ]
    return [
        pytest.param(
            Fixture(row["file"], row["expected"], row["verifier_class"], row["statement_short"]),
            mechanism,
            id=f"{row['file'].removesuffix('.json')}-{mechanism}",
        )
        for row in rows
        for mechanism in MECHANISMS
    ]


def _with_harness_fields(document: Json, issuer: str) -> Json:
    """What the suite's harness sends: its own issuer when missing, placeholder dates set."""
    document = copy.deepcopy(document)
    if "issuer" not in document:
        document["issuer"] = issuer
    elif isinstance(document["issuer"], dict) and "id" not in document["issuer"]:
        document["issuer"]["id"] = issuer
    year = timedelta(days=365)
    placeholders = {"PAST DATE": NOW - year, "FUTURE DATE": NOW + year}
    for key in ("validFrom", "validUntil"):
        if document.get(key) in placeholders:
            document[key] = placeholders[document[key]].strftime("%Y-%m-%dT%H:%M:%SZ")
    return document


def _verification_time(document: Json, fixture: Fixture) -> datetime:
    """A moment inside the credential's validity period (see the module docstring)."""
    if fixture.file == FAR_FUTURE:
        return NOW
    for key, offset in (("validFrom", timedelta(0)), ("validUntil", -timedelta(seconds=1))):
        value = document.get(key)
        try:
            return parse_datetime(value) + offset if isinstance(value, str) else NOW
        except ValueError:
            continue
    return NOW


def _compact_jws(payload: Json, key: Ed25519PrivateKey, kid: str) -> bytes:
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": kid}
    parts = (msgspec.json.encode(header), msgspec.json.encode(payload))
    signing_input = ".".join(b64url_encode(part) for part in parts)
    signature = sign_raw(signing_input.encode(), key)
    return f"{signing_input}.{b64url_encode(signature)}".encode()


def _issue(fixture: Fixture, mechanism: str, folder: Path) -> tuple[Json, datetime, bool]:
    """(the document the verifier gets, the clock, whether it is signed)."""
    raw = json.loads((folder / "input" / fixture.file).read_text(encoding="utf-8"))
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey = (
        ec.generate_private_key(ec.SECP256R1())
        if mechanism == "ecdsa-rdfc-2019"
        else Ed25519PrivateKey.generate()
    )
    did = did_key_from_public_key(key.public_key())
    method = f"{did}#{did.removeprefix('did:key:')}"
    document = _with_harness_fields(raw, did)
    now = _verification_time(document, fixture)
    try:
        if mechanism == "vc-jwt":
            assert isinstance(key, Ed25519PrivateKey)
            token = _compact_jws(document, key, method)
            return jws_document(token, max_bytes=len(token))[0], now, True
        signer: Callable[..., Json] = {
            "eddsa-rdfc-2022": sign_eddsa_rdfc_2022,
            "eddsa-jcs-2022": sign_eddsa_jcs_2022,
            "ecdsa-rdfc-2019": sign_ecdsa_rdfc_2019,
        }[mechanism]
        return signer(document, key, verification_method=method, created=now), now, True
    except (CredentialFormatError, UnknownContextError):
        if not fixture.must_fail:
            raise
        return document, now, False


def _verify(fixture: Fixture, mechanism: str) -> tuple[VerificationReport, bool]:
    folder = shared_data(*SUITE_FOLDER)
    document, now, signed = _issue(fixture, mechanism, folder)
    return Verifier(clock=lambda: now).verify(document), signed


def _outcome(report: VerificationReport, name: str) -> tuple[str, str]:
    check = report.get(name)
    assert check is not None, f"no {name} check in {report.checks}"
    return check.outcome, check.detail


@pytest.mark.parametrize(("fixture", "mechanism"), _fixtures())
def test_vc2_suite_credential_fixture(fixture: Fixture | None, mechanism: str) -> None:
    if fixture is None:
        shared_data(*SUITE_FOLDER)  # skips: the shared folder is absent
        return
    report, signed = _verify(fixture, mechanism)
    data_model = _outcome(report, "dataModel")
    context = _outcome(report, "context")

    if fixture.must_fail:
        assert not report.verified, f"accepted: {fixture.statement}"
        faults = [data_model] + ([context] if fixture.verifier_class == "JSONLD" else [])
        named = [detail for outcome, detail in faults if outcome == "failed"]
        assert named, f"{fixture.statement}: no data-model failure in {report.failed()}"
        assert any(detail.startswith("VCDM 2.0 §") for detail in named) or (
            fixture.verifier_class == "JSONLD" and context[0] == "failed"
        ), named
        isolated = signed and context[0] == "passed" and "proof" not in fixture.file
        if isolated and fixture.verifier_class == "STRUCT":
            assert _outcome(report, "proof")[0] == "passed", "the defect must be isolated"
    elif fixture.verifier_class == PROOF_UNVERIFIABLE:
        assert data_model[0] == "passed", data_model
        if mechanism != "vc-jwt":  # the dummy proof sits beside ours in the proof set
            assert _outcome(report, "proof")[0] == "failed"
            assert not report.verified
        # A VC-JWT is secured by its JWS alone: a Data Integrity proof inside the payload
        # is signed data, not a securing mechanism, and is not evaluated.
    elif fixture.file == FAR_FUTURE:
        assert data_model[0] == "passed", data_model
        assert _outcome(report, "validFrom")[0] == "failed"
        assert not report.verified
    else:
        assert report.verified, report.failed()
