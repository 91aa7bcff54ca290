"""Verification of JSON-LD credentials: data model, proof, key binding, dates, status, schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ingest._credential import as_list, parse_datetime
from ingest._datamodel import check_data_model
from ingest._documents import DocumentStore, PinnedDocuments
from ingest._ecdsa import PublicKey, key_problem, resolve_did_jwk, verify_raw
from ingest._ecdsa_sd import derived_proof_problem
from ingest._eddsa import hash_data, proof_problem, suite_of, verify_signature
from ingest._errors import CredentialFormatError, FetchError, KeyResolutionError, StatusListError
from ingest._jose import JwsDocument, decode_jws, method_of_kid
from ingest._jsonld import (
    MAX_DEPTH,
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    ContextLoader,
    default_context_loader,
    nesting_depth,
)
from ingest._keys import public_key_from_method, resolve_did_key
from ingest._model import context_version, issuer_id
from ingest._ob2_verify import check_subject_identifier, has_ob2_context, verify_ob2
from ingest._report import CHECK_NAMES, Check, Outcome, VerificationReport
from ingest._schemas import SchemaChecker
from ingest._status import (
    BITSTRING_STATUS_LIST,
    STATUS_LIST_2021,
    StatusEntry,
    StatusListKind,
    parse_status_entry,
    read_status,
)


def utcnow() -> datetime:
    """The current time, aware, in UTC (the default `Verifier` clock)."""
    return datetime.now(UTC)


def _passed(name: str, detail: str) -> Check:
    return Check(check=name, outcome="passed", detail=detail)


def _failed(name: str, detail: str) -> Check:
    return Check(check=name, outcome="failed", detail=detail)


@dataclass(frozen=True, slots=True)
class _Method:
    """A verification method as resolved: its key and controller, or why it is missing."""

    public_key: PublicKey | None
    controller: str | None
    problem: str = ""
    unreachable: bool = False  # a fetch failed: the outcome is unknown, not failed


@dataclass(frozen=True, slots=True)
class _ProofResult:
    proof: Check
    key_resolved: bool
    bound: bool
    key_detail: str
    unreachable: bool = False


def _absolute(reference: Any, base: Any) -> Any:
    """Resolve a ``#fragment`` reference against a document id (DID documents use them)."""
    if isinstance(reference, str) and reference.startswith("#") and isinstance(base, str):
        return base + reference
    return reference


def _references(document: Mapping[str, Any], relation: str) -> list[Any]:
    base = document.get("id")
    return [
        _absolute(entry.get("id") if isinstance(entry, dict) else entry, base)
        for entry in as_list(document.get(relation))
    ]


def _embedded_method(container: Mapping[str, Any], method_id: str) -> dict[str, Any] | None:
    for relation in ("verificationMethod", "assertionMethod"):
        for entry in as_list(container.get(relation)):
            if (
                isinstance(entry, dict)
                and _absolute(entry.get("id"), container.get("id")) == method_id
            ):
                return entry
    return None


def _resolve_did_key_method(method_id: str) -> _Method:
    """Resolve ``did:key:X#X``, or the bare DID ``did:key:X``, to its key and controller.

    A did:key DID has exactly one key, so a bare DID as the method resolves to it; the
    controller is the DID either way.
    """
    try:
        return _Method(resolve_did_key(method_id), method_id.partition("#")[0])
    except KeyResolutionError as error:
        return _Method(None, None, error.message)


def _resolve_offline_did(method_id: str) -> _Method:
    """did:key or did:jwk: the key is in the DID itself."""
    if method_id.startswith("did:key:"):
        return _resolve_did_key_method(method_id)
    try:
        return _Method(resolve_did_jwk(method_id), method_id.partition("#")[0])
    except KeyResolutionError as error:
        return _Method(None, None, error.message)


def _expired_or_revoked(method: Mapping[str, Any], now: datetime) -> str:
    for key, verb in (("revoked", "was revoked"), ("expires", "expired")):
        value = method.get(key)
        if value is None:
            continue
        try:
            when = parse_datetime(value if isinstance(value, str) else "")
        except ValueError:
            return f"its {key} value {value!r} is not an XSD dateTime"
        if when <= now:
            return f"the key {verb} at {value}"
    return ""


class Verifier:
    """Verifies JSON-LD credentials secured with Data Integrity proofs (and VC-JWTs).

    Proof suites: Data Integrity ``eddsa-rdfc-2022`` (and its pre-standard name
    ``eddsa-2022``), ``eddsa-jcs-2022``, ``ecdsa-rdfc-2019``, ``ecdsa-sd-2023`` derived
    proofs (a base proof is refused: it is for the holder), and the legacy
    ``Ed25519Signature2020``; every ``@context`` must be bundled whatever the suite.

    Key binding: a ``did:key`` method (``did:key:X#X``, or the bare DID ``did:key:X``,
    which resolves to its single key) belongs to the DID ``did:key:X``;
    any other method is looked up in ``documents`` - first as a key document at the
    method URL (``Multikey``, ``Ed25519VerificationKey2020``, ``JsonWebKey``), then
    embedded in the document at the URL without its fragment (a DID document or issuer
    profile, under ``verificationMethod`` or ``assertionMethod``). The key is bound to
    the issuer when the method's ``controller`` (default: the document holding it) is
    the issuer id, or when the issuer's own pinned document lists the method under
    ``assertionMethod``. With a fetching store (`ChainedDocuments` over an `HttpFetcher`),
    ``did:web`` DIDs and HTTPS key / issuer URLs are fetched the same way; a failed fetch
    makes the ``proof`` and ``key`` checks ``unknown`` (never passed), not a crash.

    Data model: every credential (a VC-JWT's payload too) is checked against the VC Data
    Model rules by `ingest._datamodel.check_data_model`, the same whatever the proof suite;
    the ``dataModel`` check fails naming each broken rule, and is ``unknown`` when a context
    is not bundled (the ``context`` check then fails).

    Status: each ``credentialStatus`` entry (``BitstringStatusListEntry``,
    ``StatusList2021Entry``, ``1EdTechRevocationList``) is looked up in ``documents``.
    A Bitstring / StatusList2021 list must have a proof and pass every check but its own
    status (proof, key bound to its issuer, its ``validFrom`` / ``validUntil`` or
    ``issuanceDate`` / ``expirationDate`` window), and follow the rules listed in
    `ingest._status`: list and subject types, list ``id`` (when given) equal to the entry's
    URL, the credential's issuer as its issuer, the entry's ``statusPurpose`` among the
    list's, ``statusListIndex`` / ``statusSize`` / ``statusMessage`` well formed, at least
    131,072 entries, the index inside the list. A 1EdTech revocation list
    (a plain JSON document; verified when it has a proof) must name the credential's issuer
    and, when it has an ``id``, the entry's URL.

    Outcomes: ``failed`` only when the list the credential's issuer signed sets the
    entry's revocation / suspension value (or lists the credential id), so the credential
    is not verified; ``passed`` when it is clear (a ``message`` value is reported, with its
    ``statusMessage``, and passes). Every error class of the Bitstring Status List spec makes
    the status ``unknown``, never ``passed``: STATUS_RETRIEVAL_ERROR (list not available or
    not fetched), STATUS_VERIFICATION_ERROR (no proof, a failing proof, key or date check,
    wrong types, another issuer, another list's ``id``, a purpose mismatch),
    STATUS_LIST_LENGTH_ERROR (too short a list), and MALFORMED_VALUE_ERROR / RANGE_ERROR
    (a malformed entry or ``encodedList``, an index beyond the list); so does an
    unsupported status type or purpose. None of these says the issuer revoked the
    credential - and a list that merely fails to verify must not let whoever serves it
    reject credentials - so they are reported as "status could not be checked".

    Schema (`ingest._schemas`): each ``credentialSchema`` entry of type ``JsonSchema`` or
    ``1EdTechJsonSchemaValidator2019`` is validated (bundled 1EdTech schemas, else
    ``documents``: a schema is fetched only through a fetching store), and with
    ``official_schemas`` a VC 2.0 Open Badges 3.0 / CLR 2.0 credential also against the
    bundled 1EdTech schema of its type. A violation fails the ``schema`` check (not
    verified; the detail names the schema, JSON pointer and message); a schema that is
    unavailable or unusable makes it ``unknown``; no applicable schema passes it.

    Args:
        documents: DID documents, key documents, issuer profiles and status lists: pinned
            (`PinnedDocuments`) or pinned then fetched (`ChainedDocuments`).
        clock: Returns the current time (aware) for validity and key-expiry checks.
        contexts: JSON-LD context resolution (default: the bundled contexts, shared).
        official_schemas: Validate Open Badges 3.0 and CLR 2.0 credentials against the
            1EdTech schema of their type even when they do not declare it (default on).
    """

    def __init__(
        self,
        *,
        documents: DocumentStore | None = None,
        clock: Callable[[], datetime] = utcnow,
        contexts: ContextLoader | None = None,
        official_schemas: bool = True,
    ) -> None:
        self._documents: DocumentStore = documents if documents is not None else PinnedDocuments()
        self._clock = clock
        self._contexts = contexts or default_context_loader()
        self._schemas = SchemaChecker(self._documents, official_schemas=official_schemas)

    @property
    def documents(self) -> DocumentStore:
        """Where keys, issuer profiles and linked badge documents are looked up."""
        return self._documents

    @property
    def contexts(self) -> ContextLoader:
        """How JSON-LD contexts are resolved (bundled or configured, never fetched)."""
        return self._contexts

    def now(self) -> datetime:
        """The verifier's clock, aware (UTC when the clock gives a naive time)."""
        now = self._clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=UTC)

    def resolve_method(self, method_id: str) -> _Method:
        """A verification method resolved as for credential proofs (``ingest._presentation``).

        Returns:
            The method's key and controller, or why it could not be resolved (with
            ``unreachable`` set when a fetch failed).
        """
        return self._resolve_method(method_id, self.now())

    def verify(
        self, document: dict[str, Any], *, recipient_email: str | None = None
    ) -> VerificationReport:
        """Run every check on a decoded credential; never raises for bad input.

        Args:
            document: The decoded JSON (e.g. from `parse_credential`); not modified.
            recipient_email: Also check the credential was issued to this email (a
                ``recipient`` check, appended): Open Badges 2.0 ``recipient``, or Open
                Badges 3.0 ``credentialSubject.identifier`` email entries; ``unknown`` when
                the credential names its holder by no email.

        Returns:
            The report: checks named as in `CHECK_NAMES`, in that order.
        """
        if not isinstance(document, dict) or nesting_depth(document) > MAX_DEPTH:
            reason = (
                "not a JSON object"
                if not isinstance(document, dict)
                else f"JSON nesting is deeper than {MAX_DEPTH} levels"
            )
            return VerificationReport(checks=tuple(_failed(name, reason) for name in CHECK_NAMES))
        now = self._clock()
        if now.tzinfo is None:
            now = now.replace(tzinfo=UTC)
        if has_ob2_context(document):  # Open Badges 2.0, hosted or signed
            return verify_ob2(
                document, documents=self._documents, now=now, recipient_email=recipient_email
            )
        if recipient_email is not None:
            report = self.verify(document)
            recipient = check_subject_identifier(document, recipient_email)
            return VerificationReport(checks=(*report.checks, recipient))
        if isinstance(document, JwsDocument):
            return self._verify_jws(document, now)
        checks = self._check_all_but_status(document, now)
        status = self._check_status(document, now)
        return VerificationReport(checks=(*checks, status, self._check_schema(document)))

    def _verify_jws(self, document: JwsDocument, now: datetime) -> VerificationReport:
        """VC-JWT (`ingest._jose`): ``proof`` is the JWS signature by the header ``kid``."""
        try:
            decoded = decode_jws(document.compact)
        except CredentialFormatError as error:
            return VerificationReport(
                checks=tuple(_failed(name, error.message) for name in CHECK_NAMES)
            )
        credential = decoded.document  # what was signed, whatever the dict now holds
        context = self._check_context(credential)
        data_model = self._check_data_model(credential)
        issuer = issuer_id(credential)
        kid = decoded.header.get("kid")
        if not isinstance(kid, str) or not kid:
            proof = _failed("proof", "JWS header has no kid naming the signing key")
            key = _failed("key", "JWS header has no kid, so no key to bind to the issuer")
        else:
            method_id = method_of_kid(kid)
            method = self._resolve_method(method_id, now)
            name = f"JWS {decoded.algorithm}"
            if method.public_key is None:
                outcome: Outcome = "unknown" if method.unreachable else "failed"
                problem = f"verification method {method_id!r} not resolved: {method.problem}"
                proof = Check(check="proof", outcome=outcome, detail=problem)
                key = Check(check="key", outcome=outcome, detail=problem)
            else:
                wrong_key = key_problem(decoded.algorithm, method.public_key)
                if wrong_key or not verify_raw(
                    decoded.algorithm, decoded.signing_input, decoded.signature, method.public_key
                ):
                    proof = _failed(
                        "proof",
                        f"{name} signature by {method_id} does not verify "
                        f"({wrong_key or 'altered after signing, or signed by another key'})",
                    )
                elif dict(document) != credential:
                    proof = _failed("proof", "the document differs from the signed JWS payload")
                else:
                    proof = _passed("proof", f"{name} signature by {method_id} is valid")
                bound, detail, unreachable = self._binding(method_id, method.controller, issuer)
                key_outcome: Outcome = "passed" if bound else "unknown" if unreachable else "failed"
                key = Check(check="key", outcome=key_outcome, detail=detail)
        valid_from, valid_until = _check_dates(credential, now)
        exp = decoded.claims.get("exp")
        if isinstance(exp, int | float) and not isinstance(exp, bool) and now.timestamp() >= exp:
            valid_until = _failed("validUntil", f"the JWT expired (exp {exp})")
        status = self._check_status(credential, now)
        schema = self._check_schema(credential)
        return VerificationReport(
            checks=(context, data_model, proof, key, valid_from, valid_until, status, schema)
        )

    def _check_all_but_status(self, document: dict[str, Any], now: datetime) -> tuple[Check, ...]:
        context = self._check_context(document)
        data_model = self._check_data_model(document)
        proof, key = self._check_proofs(document, context, now)
        valid_from, valid_until = _check_dates(document, now)
        return context, data_model, proof, key, valid_from, valid_until

    def _check_schema(self, document: dict[str, Any]) -> Check:
        result = self._schemas.check(document)
        return Check(check="schema", outcome=result.outcome, detail=result.detail)

    def _check_status(self, document: dict[str, Any], now: datetime) -> Check:
        entries = as_list(document.get("credentialStatus"))
        if not entries:
            return _passed("status", "credential declares no status (credentialStatus not present)")
        results = [self._status_entry(entry, document, now) for entry in entries]
        outcomes = {outcome for outcome, _ in results}
        outcome: Outcome = (
            "failed" if "failed" in outcomes else "unknown" if "unknown" in outcomes else "passed"
        )
        return Check(check="status", outcome=outcome, detail="; ".join(d for _, d in results))

    def _status_entry(
        self, entry: Any, document: dict[str, Any], now: datetime
    ) -> tuple[Outcome, str]:
        if not isinstance(entry, dict):
            return "unknown", "credentialStatus entry is not an object"
        kind = entry.get("type")
        kinds = as_list(kind)
        if "BitstringStatusListEntry" in kinds:
            return self._bitstring_entry(entry, document, now, BITSTRING_STATUS_LIST)
        if "StatusList2021Entry" in kinds:
            return self._bitstring_entry(entry, document, now, STATUS_LIST_2021)
        if "1EdTechRevocationList" in kinds:
            return self._revocation_list_entry(entry, document, now)
        return "unknown", f"unsupported status type {kind!r}"

    def _status_document(
        self, url: Any, what: str, now: datetime, *, proof_required: bool
    ) -> tuple[dict[str, Any] | None, str]:
        """(the fetched and verified document, or None with the reason).

        The document must pass every check but its own status - proof, key binding to its
        issuer, its validity window - when it has a proof, and must have one when
        ``proof_required``.
        """
        if not isinstance(url, str) or not url:
            return None, f"{what} has no URL"
        try:
            found = self._documents.get(url)
        except FetchError as error:
            return None, f"{what} {url} cannot be fetched: {error.message}"
        if not isinstance(found, dict):
            return None, f"{what} {url} is not available (not pinned and not fetchable)"
        if "proof" not in found and proof_required:
            return None, f"{what} {url} has no proof, so nothing shows who issued it"
        if "proof" in found:
            # Same checks as any credential, without looking at the list's own status.
            failed = [
                check
                for check in self._check_all_but_status(found, now)
                if check.outcome != "passed"
            ]
            if failed:
                reasons = "; ".join(f"{check.check}: {check.detail}" for check in failed)
                return None, f"{what} {url} does not verify ({reasons})"
        return found, ""

    def _bitstring_entry(
        self, entry: dict[str, Any], document: dict[str, Any], now: datetime, kind: StatusListKind
    ) -> tuple[Outcome, str]:
        try:
            parsed = parse_status_entry(entry, kind)
        except StatusListError as error:
            return "unknown", f"{kind.name} entry {error.message}"
        where = f"{kind.name} {parsed.url} index {parsed.index}"
        status_list, problem = self._status_document(
            parsed.url, f"{kind.name} credential", now, proof_required=True
        )
        if status_list is None:
            return "unknown", problem
        try:
            value = read_status(status_list, parsed, credential_issuer=issuer_id(document))
        except StatusListError as error:
            return "unknown", f"{where}: {error.message}"
        return _status_outcome(parsed, value, where)

    def _revocation_list_entry(
        self, entry: dict[str, Any], document: dict[str, Any], now: datetime
    ) -> tuple[Outcome, str]:
        url = entry.get("id")
        credential_id = document.get("id")
        if not isinstance(credential_id, str):
            return "unknown", "credential has no id to look up in its 1EdTechRevocationList"
        revocation_list, problem = self._status_document(
            url, "1EdTechRevocationList", now, proof_required=False
        )
        if revocation_list is None:
            return "unknown", problem
        problem = _revocation_list_problem(revocation_list, url, issuer_id(document))
        if problem:
            return "unknown", f"revocation list {url} {problem}"
        for item in revocation_list["revokedCredentials"]:
            item_id = item.get("id") if isinstance(item, dict) else item
            if item_id == credential_id:
                reason = item.get("revocationReason") if isinstance(item, dict) else None
                suffix = f": {reason}" if isinstance(reason, str) and reason else ""
                return "failed", f"revoked (listed in revocation list {url}{suffix})"
        return "passed", f"not listed in revocation list {url}"

    def _check_context(self, document: dict[str, Any]) -> Check:
        if "@context" not in document:
            return _failed("context", "document has no @context")
        if context_version(document) is None:
            return _failed(
                "context", f"@context must start with {VC_V2_CONTEXT!r} or {VC_V1_CONTEXT!r}"
            )
        unknown = self._contexts.unknown(document)
        if unknown:
            return _failed(
                "context",
                f"JSON-LD context {unknown[0]!r} is not bundled; remote contexts are never fetched",
            )
        return _passed("context", "every @context resolves offline (bundled or configured)")

    def _check_data_model(self, document: dict[str, Any]) -> Check:
        result = check_data_model(document, self._contexts)
        if result.problems:
            return _failed("dataModel", "; ".join(result.problems))
        if result.unchecked:
            return Check(check="dataModel", outcome="unknown", detail=result.unchecked)
        return _passed(
            "dataModel", f"conforms to the VC Data Model {result.version} (structure and JSON-LD)"
        )

    def _check_proofs(
        self, document: dict[str, Any], context: Check, now: datetime
    ) -> tuple[Check, Check]:
        proofs = as_list(document.get("proof"))
        if not proofs:
            return (
                _failed("proof", "credential has no proof"),
                _failed("key", "credential has no proof, so no key to bind to the issuer"),
            )
        issuer = issuer_id(document)
        unsecured = {key: value for key, value in document.items() if key != "proof"}
        by_id = {
            proof["id"]: proof
            for proof in proofs
            if isinstance(proof, dict) and isinstance(proof.get("id"), str)
        }
        results = [
            self._check_one(
                proof,
                f"proof {index + 1}: " if len(proofs) > 1 else "",
                unsecured=unsecured,
                by_id=by_id,
                issuer=issuer,
                context=context,
                now=now,
            )
            for index, proof in enumerate(proofs)
        ]
        outcomes = {result.proof.outcome for result in results}
        proof_problems = [
            result.proof.detail for result in results if result.proof.outcome != "passed"
        ]
        if "failed" in outcomes:
            proof_check = _failed("proof", "; ".join(proof_problems))
        elif "unknown" in outcomes:
            proof_check = Check(check="proof", outcome="unknown", detail="; ".join(proof_problems))
        else:
            proof_check = _passed("proof", "; ".join(result.proof.detail for result in results))
        key_detail = "; ".join(result.key_detail for result in results)
        if issuer is None:
            key_check = _failed("key", "credential has no issuer id to bind the key to")
        elif all(result.key_resolved for result in results) and any(
            result.bound for result in results
        ):
            key_check = _passed("key", key_detail)
        elif all(result.key_resolved or result.unreachable for result in results) and any(
            result.unreachable for result in results
        ):
            key_check = Check(check="key", outcome="unknown", detail=key_detail)
        else:
            key_check = _failed("key", key_detail)
        return proof_check, key_check

    def _check_one(
        self,
        proof: Any,
        label: str,
        *,
        unsecured: dict[str, Any],
        by_id: Mapping[str, Any],
        issuer: str | None,
        context: Check,
        now: datetime,
    ) -> _ProofResult:
        method_id = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if not isinstance(method_id, str):
            detail = label + (proof_problem(proof) or "proof has no verificationMethod")
            return _ProofResult(_failed("proof", detail), False, False, detail)
        method = self._resolve_method(method_id, now)
        if method.public_key is None:
            bound = False
            key_detail = f"verification method {method_id!r} not resolved: {method.problem}"
            unreachable = method.unreachable
        else:
            bound, key_detail, unreachable = self._binding(method_id, method.controller, issuer)
        outcome, detail = self._signature(
            proof, method, unsecured=unsecured, by_id=by_id, context=context, now=now
        )
        return _ProofResult(
            proof=Check(check="proof", outcome=outcome, detail=label + detail),
            key_resolved=method.public_key is not None,
            bound=bound,
            key_detail=label + key_detail,
            unreachable=unreachable,
        )

    def _signature(  # noqa: PLR0911 - one return per way a proof can fail
        self,
        proof: dict[str, Any],
        method: _Method,
        *,
        unsecured: dict[str, Any],
        by_id: Mapping[str, Any],
        context: Check,
        now: datetime,
    ) -> tuple[Outcome, str]:
        problem = proof_problem(proof)
        if problem is not None:
            return "failed", problem
        if context.outcome != "passed":
            return "failed", f"signature not checked: {context.detail}"
        if method.public_key is None:
            outcome: Outcome = "unknown" if method.unreachable else "failed"
            return outcome, f"signature not checked: key unavailable ({method.problem})"
        expires = proof.get("expires")
        if isinstance(expires, str) and parse_datetime(expires) <= now:
            return "failed", f"proof expired at {expires}"
        secured_input = unsecured
        if "previousProof" in proof:
            # A proof chain: this proof also signs the proofs it names.
            references = as_list(proof["previousProof"])
            previous = [by_id.get(item) for item in references if isinstance(item, str)]
            if not references or len(previous) != len(references) or None in previous:
                return "failed", f"previousProof {proof['previousProof']!r} is not in the proof set"
            secured_input = {**unsecured, "proof": previous}
        method_id = proof["verificationMethod"]
        suite = suite_of(proof)
        name = suite.label if suite is not None else str(proof.get("type"))
        try:
            if suite is not None and suite.selective_disclosure:
                problem = derived_proof_problem(
                    secured_input, proof, method.public_key, self._contexts
                )
                if problem is not None:
                    return "failed", f"{name} proof by {method_id} does not verify: {problem}"
                return "passed", f"{name} derived proof by {method_id} is valid"
            data = hash_data(secured_input, proof, self._contexts)
        except CredentialFormatError as error:
            return "failed", f"cannot canonicalize: {error.message}"
        if not verify_signature(data, proof["proofValue"], method.public_key, suite):
            return "failed", (
                f"{name} signature by {method_id} does not match the document "
                "(altered after signing, or signed by another key)"
            )
        return "passed", f"{name} signature by {method_id} is valid"

    def _resolve_method(self, method_id: str, now: datetime) -> _Method:
        if method_id.startswith(("did:key:", "did:jwk:")):
            return _resolve_offline_did(method_id)
        try:
            method, controller_default, problem = self._find_method(method_id)
        except FetchError as error:
            return _Method(None, None, f"cannot fetch it: {error.message}", unreachable=True)
        if method is None:
            return _Method(None, None, problem)
        try:
            public_key = public_key_from_method(method)
        except KeyResolutionError as error:
            return _Method(None, None, error.message)
        unusable = _expired_or_revoked(method, now)
        if unusable:
            return _Method(None, None, unusable)
        controller = method.get("controller", controller_default)
        return _Method(public_key, controller if isinstance(controller, str) else None)

    def _find_method(self, method_id: str) -> tuple[dict[str, Any] | None, str | None, str]:
        """(method object, its default controller, why it is missing) for a method URL."""
        method = self._documents.get(method_id)
        if isinstance(method, dict):
            if method.get("id", method_id) != method_id:
                return None, None, f"the key document has id {method.get('id')!r}"
            return method, None, ""
        base, _, fragment = method_id.partition("#")
        container = self._documents.get(base) if fragment else None
        embedded = _embedded_method(container, method_id) if isinstance(container, dict) else None
        if container is None or embedded is None:
            return (
                None,
                None,
                "no pinned or fetched key, DID or issuer document holds it",
            )
        default = container.get("id", base)
        return embedded, default if isinstance(default, str) else None, ""

    def _binding(
        self, method_id: str, controller: str | None, issuer: str | None
    ) -> tuple[bool, str, bool]:
        """(bound, detail, whether a fetch failure left it undecided)."""
        if issuer is None:
            return False, "credential has no issuer id", False
        if controller == issuer:
            return True, f"{method_id} is controlled by the issuer {issuer}", False
        try:
            issuer_document = self._documents.get(issuer)
        except FetchError as error:
            return (
                False,
                (
                    f"{method_id} is controlled by {controller or 'an unknown controller'}, "
                    f"not by the issuer {issuer}, and the issuer document cannot be fetched: "
                    f"{error.message}"
                ),
                True,
            )
        if (
            isinstance(issuer_document, dict)
            and issuer_document.get("id", issuer) == issuer
            and method_id in _references(issuer_document, "assertionMethod")
        ):
            return (
                True,
                f"the issuer document {issuer} lists {method_id} under assertionMethod",
                False,
            )
        return (
            False,
            (
                f"{method_id} is controlled by {controller or 'an unknown controller'}, not by the "
                f"issuer {issuer}, and no issuer document lists it under assertionMethod"
            ),
            False,
        )


def _check_dates(document: dict[str, Any], now: datetime) -> tuple[Check, Check]:
    v1 = context_version(document) == "v1"
    start_key, end_key = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    start = _read_date(document, start_key)
    end = _read_date(document, end_key)
    if isinstance(start, str):
        valid_from = _failed("validFrom", start)
    elif start is None:
        valid_from = (
            _failed("validFrom", "issuanceDate is required in VC 1.1")
            if v1
            else _passed("validFrom", "no validFrom (optional in VC 2.0)")
        )
    elif now < start:
        valid_from = _failed("validFrom", f"not valid before {document[start_key]}")
    else:
        valid_from = _passed("validFrom", f"valid from {document[start_key]}")
    if isinstance(end, str):
        valid_until = _failed("validUntil", end)
    elif end is None:
        valid_until = _passed("validUntil", f"no {end_key}: does not expire")
    elif now >= end:
        valid_until = _failed("validUntil", f"expired at {document[end_key]}")
    else:
        valid_until = _passed("validUntil", f"valid until {document[end_key]}")
    return valid_from, valid_until


def _read_date(document: dict[str, Any], key: str) -> datetime | str | None:
    """The date at ``key``, ``None`` when absent, or a failure reason (a string)."""
    value = document.get(key)
    if value is None:
        return None
    try:
        return parse_datetime(value if isinstance(value, str) else "")
    except ValueError:
        return f"{key} {value!r} is not an XSD dateTime"


def _status_outcome(entry: StatusEntry, value: int, where: str) -> tuple[Outcome, str]:
    """A read status value: a set revocation / suspension value fails; a message passes."""
    if entry.purpose == "message":
        return "passed", f"{where}: status message {value:#x} ({entry.message(value)})"
    if value:
        verb = "revoked" if entry.purpose == "revocation" else "suspended"
        message = f": {entry.message(value)}" if entry.messages else ""
        return "failed", f"{verb} ({where} is set{message})"
    return "passed", f"not {entry.purpose}-flagged ({where} is clear)"


def _revocation_list_problem(revocation_list: dict[str, Any], url: Any, issuer: str | None) -> str:
    """Why a 1EdTech revocation list is not the credential's list ("" when it is)."""
    if revocation_list.get("id", url) != url:
        return f"has id {revocation_list.get('id')!r}"
    list_issuer = issuer_id(revocation_list)
    if list_issuer is None or list_issuer != issuer:
        return f"is issued by {list_issuer or 'no one'}, not by the credential's issuer {issuer}"
    if not isinstance(revocation_list.get("revokedCredentials"), list):
        return "has no revokedCredentials list"
    return ""
