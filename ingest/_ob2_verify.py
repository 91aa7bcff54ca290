"""Verification of Open Badges 2.0 assertions (hosted and signed) and recipient checks.

Checks, as for other credentials: ``context``, ``proof``, ``key``, ``validFrom``,
``validUntil``, ``status``, plus ``recipient`` when an email is given.

- Hosted (``hosted`` / ``HostedBadge``): the assertion ``id`` is fetched through the
  document store; ``id``, ``badge``, ``recipient`` and ``issuedOn`` must equal the submitted
  ones (``proof``), and the ``id`` must lie in the issuer's hosted scope (``key``): the
  issuer Profile's ``verification.allowedOrigins`` / ``startsWith`` when declared, else the
  origin of the Profile ``id`` or ``url``. A hosted copy marked ``revoked`` fails ``status``.
- Signed (``signed`` / ``SignedBadge``): the compact JWS (RS256/384/512) must verify with
  the ``publicKeyPem`` of the CryptographicKey at ``verification.creator`` (else the
  Profile's ``publicKey``), whose ``owner`` must be the issuer (``key``).
- ``revocationList`` of the issuer Profile: the assertion listed -> ``status`` failed.
A fetch failure makes a check ``unknown``, never ``passed``. An assertion that breaks an
OB 2.0 rule `ob2_credential` checks (a required field missing, an ``image`` that is a
``data:`` URI) fails every check, with that rule as the detail.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ingest._credential import as_list
from ingest._documents import DocumentStore
from ingest._errors import CredentialFormatError, FetchError
from ingest._ob2 import (
    SignedAssertion,
    decode_jws,
    has_ob2_context,
    ob2_credential,
    ob2_date,
    reference_id,
    verify_jws_signature,
)
from ingest._report import CHECK_NAMES, Check, Outcome, VerificationReport

_COMPARED = ("id", "badge", "recipient", "issuedOn")
_RECIPIENT_HASHES = ("sha256", "md5")


def _check(name: str, outcome: Outcome, detail: str) -> Check:
    return Check(check=name, outcome=outcome, detail=detail)


class _Lookup:
    """Document store access that turns failures into (None, reason, unreachable)."""

    def __init__(self, documents: DocumentStore) -> None:
        self._documents = documents

    def get(self, reference: Any, what: str) -> tuple[dict[str, Any] | None, str, bool]:
        if isinstance(reference, dict):
            return reference, "", False
        if not isinstance(reference, str) or not reference:
            return None, f"{what} is neither a URL nor an object", False
        try:
            found = self._documents.get(reference)
        except FetchError as error:
            return None, f"{what} {reference} cannot be fetched: {error.message}", True
        if found is None:
            return None, f"{what} {reference} is not available", True
        return found, "", False


def _origin(url: Any) -> str:
    if not isinstance(url, str):
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def _in_hosted_scope(assertion_id: str, issuer: dict[str, Any]) -> tuple[bool, str]:
    verification = issuer.get("verification")
    if isinstance(verification, dict) and (
        "allowedOrigins" in verification or "startsWith" in verification
    ):
        host = (urlsplit(assertion_id).hostname or "").lower()
        origins = [str(item).lower() for item in as_list(verification.get("allowedOrigins"))]
        prefixes = [str(item) for item in as_list(verification.get("startsWith"))]
        allowed = (not origins or host in origins) and (
            not prefixes or any(assertion_id.startswith(prefix) for prefix in prefixes)
        )
        return allowed, f"issuer verification scope (allowedOrigins {origins}, startsWith "
        f"{prefixes})"
    issuer_origins = {_origin(issuer.get("id")), _origin(issuer.get("url"))} - {""}
    return _origin(assertion_id) in issuer_origins, f"issuer origin {sorted(issuer_origins)}"


def _differences(submitted: dict[str, Any], hosted: dict[str, Any]) -> list[str]:
    differ = []
    for field in _COMPARED:
        mine, theirs = submitted.get(field), hosted.get(field)
        if field == "badge":
            mine, theirs = reference_id(mine), reference_id(theirs)
        if mine != theirs:
            differ.append(field)
    return differ


class Ob2Verification:
    """One OB 2.0 verification run (see the module docstring)."""

    def __init__(self, documents: DocumentStore, now: datetime) -> None:
        self._lookup = _Lookup(documents)
        self._now = now
        self._revoked_by_host = ""

    def run(self, document: dict[str, Any], recipient_email: str | None) -> VerificationReport:
        """All checks on ``document`` (an OB 2.0 assertion, or a `SignedAssertion`)."""
        try:
            ob2_credential(document, b"", None)
        except CredentialFormatError as error:
            reason = f"not a valid OB 2.0 assertion: {error.message}"
            return VerificationReport(
                checks=tuple(_check(n, "failed", reason) for n in CHECK_NAMES)
            )
        context = _check("context", "passed", "Open Badges 2.0 context")
        # Not a W3C VC: the OB 2.0 assertion structure was checked by the parser above.
        data_model = _check("dataModel", "passed", "Open Badges 2.0 assertion structure")
        badge, problem, unreachable = self._lookup.get(document.get("badge"), "badge")
        issuer: dict[str, Any] | None = None
        if badge is not None:
            issuer, problem, unreachable = self._lookup.get(badge.get("issuer"), "badge.issuer")
        issuer_state = (issuer, problem, unreachable)
        verification = document["verification"]
        kind = verification.get("type")
        if kind in ("hosted", "HostedBadge"):
            proof, key = self._hosted(document, issuer_state)
        elif kind in ("signed", "SignedBadge"):
            proof, key = self._signed(document, verification, issuer_state)
        else:
            detail = f"unsupported verification type {kind!r} (hosted, signed are)"
            proof, key = _check("proof", "failed", detail), _check("key", "failed", detail)
        checks = [
            context,
            data_model,
            proof,
            key,
            *self._dates(document),
            self._status(document, issuer_state),
        ]
        if recipient_email is not None:
            checks.append(check_recipient(document, recipient_email))
        return VerificationReport(checks=tuple(checks))

    def _hosted(
        self, document: dict[str, Any], issuer_state: tuple[dict[str, Any] | None, str, bool]
    ) -> tuple[Check, Check]:
        assertion_id = document["id"]
        if _origin(assertion_id) == "":
            detail = f"hosted assertion id {assertion_id!r} is not an HTTP(S) URL"
            return _check("proof", "failed", detail), _check("key", "failed", detail)
        hosted, problem, unreachable = self._lookup.get(assertion_id, "hosted assertion")
        issuer, issuer_problem, issuer_unreachable = issuer_state
        if issuer is None:
            key = _check("key", "unknown" if issuer_unreachable else "failed", issuer_problem)
        else:
            allowed, scope = _in_hosted_scope(assertion_id, issuer)
            key = _check(
                "key",
                "passed" if allowed else "failed",
                f"{assertion_id} is {'within' if allowed else 'outside'} the {scope}",
            )
        if hosted is None:
            return _check("proof", "unknown" if unreachable else "failed", problem), key
        if hosted.get("revoked") is True:
            reason = hosted.get("revocationReason")
            self._revoked_by_host = (
                f"the hosted assertion is marked revoked ({reason or 'no reason given'})"
            )
            return _check("proof", "failed", self._revoked_by_host), key
        differ = _differences(document, hosted)
        if differ:
            detail = f"the hosted copy at {assertion_id} differs in {', '.join(differ)}"
            return _check("proof", "failed", detail), key
        if key.outcome == "failed":
            return _check("proof", "failed", f"hosted copy matches, but {key.detail}"), key
        return _check("proof", "passed", f"the hosted copy at {assertion_id} matches"), key

    def _signed(
        self,
        document: dict[str, Any],
        verification: dict[str, Any],
        issuer_state: tuple[dict[str, Any] | None, str, bool],
    ) -> tuple[Check, Check]:
        if not isinstance(document, SignedAssertion):
            detail = "a signed badge must be submitted as its compact JWS (or baked with it)"
            return _check("proof", "failed", detail), _check("key", "failed", detail)
        issuer, problem, unreachable = issuer_state
        creator = verification.get("creator")
        if creator is None and issuer is not None:
            creator = next(iter(as_list(issuer.get("publicKey"))), None)
        key_document, key_problem, key_unreachable = self._lookup.get(creator, "creator key")
        if key_document is None:
            outcome: Outcome = "unknown" if key_unreachable else "failed"
            return _check("proof", outcome, key_problem), _check("key", outcome, key_problem)
        public_key = _rsa_key(key_document.get("publicKeyPem"))
        if public_key is None:
            detail = f"creator key {reference_id(creator)} has no RSA publicKeyPem"
            return _check("proof", "failed", detail), _check("key", "failed", detail)
        reason = verify_jws_signature(document.compact, public_key)
        if not reason and dict(document) != decode_jws(document.compact)[1]:
            reason = "the document differs from the signed JWS payload"
        proof = _check(
            "proof",
            "failed" if reason else "passed",
            reason or f"JWS signature by {reference_id(creator)} is valid",
        )
        owner = key_document.get("owner")
        if issuer is None:
            key = _check("key", "unknown" if unreachable else "failed", problem)
        elif owner == reference_id(issuer) and owner is not None:
            key = _check("key", "passed", f"key {reference_id(creator)} is owned by {owner}")
        else:
            detail = (
                f"key {reference_id(creator)} is owned by {owner!r}, not {reference_id(issuer)!r}"
            )
            key = _check("key", "failed", detail)
        return proof, key

    def _dates(self, document: dict[str, Any]) -> tuple[Check, Check]:
        issued = ob2_date(document.get("issuedOn"), "issuedOn")
        expires = ob2_date(document.get("expires"), "expires")
        if issued is not None and issued > self._now:
            valid_from = _check("validFrom", "failed", f"issuedOn {issued} is in the future")
        else:
            valid_from = _check("validFrom", "passed", f"issued on {issued}")
        if expires is None:
            valid_until = _check("validUntil", "passed", "no expiry (expires not present)")
        elif expires <= self._now:
            valid_until = _check("validUntil", "failed", f"expired at {expires}")
        else:
            valid_until = _check("validUntil", "passed", f"valid until {expires}")
        return valid_from, valid_until

    def _status(  # noqa: PLR0911 - one return per status outcome
        self, document: dict[str, Any], issuer_state: tuple[dict[str, Any] | None, str, bool]
    ) -> Check:
        if self._revoked_by_host:
            return _check("status", "failed", f"revoked: {self._revoked_by_host}")
        issuer, problem, _ = issuer_state
        if issuer is None:
            return _check("status", "unknown", f"issuer unknown, no revocation list: {problem}")
        url = issuer.get("revocationList")
        if url is None:
            return _check("status", "passed", "no revocation list (issuer has no revocationList)")
        revocations, problem, _ = self._lookup.get(url, "revocation list")
        if revocations is None:
            return _check("status", "unknown", problem)
        listed = revocations.get("revokedAssertions")
        if not isinstance(listed, list):
            return _check("status", "unknown", f"revocation list {url} has no revokedAssertions")
        for item in listed:
            item_id = item.get("id") if isinstance(item, dict) else item
            uid = item.get("uid") if isinstance(item, dict) else None
            if item_id == document["id"] or (uid is not None and uid == document.get("uid")):
                reason = item.get("revocationReason") if isinstance(item, dict) else None
                detail = f"revoked ({reason or 'no reason given'}; listed in {url})"
                return _check("status", "failed", detail)
        return _check("status", "passed", f"not revoked (not listed in {url})")


def _rsa_key(pem: Any) -> RSAPublicKey | None:
    if not isinstance(pem, str):
        return None
    try:
        key = load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, TypeError):
        return None
    return key if isinstance(key, RSAPublicKey) else None


def identity_matches(identity: str, email: str, *, hashed: bool, salt: str) -> bool | None:
    """Whether a recipient identity names ``email``; ``None`` for an unsupported hash.

    A plain identity is compared case-insensitively; a hashed one is ``sha256$<hex>`` or
    ``md5$<hex>`` of ``email + salt`` (the email as given, then lower-cased), as in Open
    Badges 2.0 ``recipient`` and Open Badges 3.0 ``IdentityObject.identityHash``.
    """
    if not hashed:
        return identity.strip().lower() == email.strip().lower()
    algorithm, _, expected = identity.partition("$")
    if algorithm.lower() not in _RECIPIENT_HASHES or not expected:
        return None
    return any(
        hmac.compare_digest(
            hashlib.new(
                algorithm.lower(), (candidate + salt).encode("utf-8"), usedforsecurity=False
            ).hexdigest(),
            expected.lower(),
        )
        for candidate in dict.fromkeys((email, email.strip().lower()))
    )


def _recipient_outcome(match: bool, email: str) -> Check:
    return _check(
        "recipient",
        "passed" if match else "failed",
        f"issued to {email}" if match else f"not issued to {email}",
    )


def check_recipient(document: dict[str, Any], email: str) -> Check:
    """Whether an OB 2.0 assertion was issued to ``email`` (the ``recipient`` check).

    ``recipient.identity`` is compared in clear (case-insensitively), or as
    ``sha256$<hex>`` / ``md5$<hex>`` of ``email + salt`` (see `identity_matches`).

    Args:
        document: The decoded assertion.
        email: The email address the holder claims.

    Returns:
        ``passed``, ``failed``, or ``unknown`` when the assertion names no email recipient.
    """
    recipient = document.get("recipient")
    if not isinstance(recipient, dict) or not isinstance(recipient.get("identity"), str):
        return _check("recipient", "unknown", "the assertion has no recipient identity")
    kind = recipient.get("type", "email")
    if kind != "email":
        return _check("recipient", "unknown", f"the recipient is identified by {kind!r}, not email")
    salt = recipient.get("salt") or ""
    if not isinstance(salt, str):
        return _check("recipient", "failed", "recipient.salt is not a string")
    identity: str = recipient["identity"]
    match = identity_matches(identity, email, hashed=recipient.get("hashed") is True, salt=salt)
    if match is None:
        algorithm = identity.partition("$")[0]
        return _check("recipient", "unknown", f"unsupported identity hash {algorithm!r}")
    return _recipient_outcome(match, email)


def check_subject_identifier(document: dict[str, Any], email: str) -> Check:
    """Whether an Open Badges 3.0 credential names ``email`` as its subject.

    Reads ``credentialSubject.identifier`` (``IdentityObject`` entries with
    ``identityType`` ``emailAddress``; ``identityHash`` plain or hashed with ``salt``).

    Returns:
        ``passed`` when one entry names the email, ``failed`` when email entries exist and
        none does, ``unknown`` when the credential names its subject by no email.
    """
    entries = [
        entry
        for subject in _as_list(document.get("credentialSubject"))
        if isinstance(subject, dict)
        for entry in _as_list(subject.get("identifier"))
        if isinstance(entry, dict)
        and entry.get("identityType") == "emailAddress"
        and isinstance(entry.get("identityHash"), str)
    ]
    if not entries:
        return _check(
            "recipient", "unknown", "the credential names no email identifier for its subject"
        )
    results = [
        identity_matches(
            entry["identityHash"],
            email,
            hashed=entry.get("hashed") is True,
            salt=entry["salt"] if isinstance(entry.get("salt"), str) else "",
        )
        for entry in entries
    ]
    if True in results:
        return _recipient_outcome(True, email)
    if all(result is None for result in results):
        return _check("recipient", "unknown", "every email identifier uses an unsupported hash")
    return _recipient_outcome(False, email)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def verify_ob2(
    document: dict[str, Any],
    *,
    documents: DocumentStore,
    now: datetime,
    recipient_email: str | None = None,
) -> VerificationReport:
    """Verify an OB 2.0 assertion (see the module docstring); never raises for bad input."""
    return Ob2Verification(documents, now).run(document, recipient_email)


__all__ = [
    "check_recipient",
    "check_subject_identifier",
    "has_ob2_context",
    "identity_matches",
    "verify_ob2",
]
