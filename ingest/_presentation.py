"""Verifiable Presentations: the data-model rules, the holder's proof, holder binding, domain.

A wallet presents credentials in a Verifiable Presentation (VP) signed by the holder, over
a challenge and a domain the verifier gave it, so that a captured presentation cannot be
replayed elsewhere. Two securing mechanisms are read:

* JSON-LD with one Data Integrity proof (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``,
  ``ecdsa-rdfc-2019``) whose ``proofPurpose`` is ``authentication``, carrying
  ``challenge`` and ``domain``;
* a VP-JWT: a compact JWS (``EdDSA``, ``ES256``, ``RS256``) whose payload is either a
  JWT claims set with the presentation in ``vp`` (VC 1.1; ``iss`` is the holder) or the
  VCDM 2.0 presentation itself; ``nonce`` is the challenge and ``aud`` the domain, the
  key is the header ``kid``.

`verify_presentation` reports five checks (`PRESENTATION_CHECK_NAMES`); the challenge is
checked by the caller, which knows which challenges it issued:

``presentation``
    VCDM 2.0 data model: ``@context`` first item the VC v2 (or v1) context, every context
    bundled; ``type`` includes ``VerifiablePresentation``; ``id`` and ``holder`` (or
    ``holder.id``) are URLs when present; each ``verifiableCredential`` item is a
    credential object whose ``type`` includes ``VerifiableCredential``, or an
    ``EnvelopedVerifiableCredential`` whose ``id`` is a ``data:`` URL holding a VC-JWT.
    Bare JWT strings are refused, except in the ``vp`` claim of a VC 1.1 VP-JWT.
``proof``
    The holder's signature over the presentation (one proof; purpose ``authentication``).
``key``
    The signing key belongs to the holder: a ``did:key`` / ``did:jwk`` method of the
    holder DID, a method whose ``controller`` is the holder, or one the holder's pinned or
    fetched DID document lists under ``authentication``. A presentation without
    ``holder`` is held by whoever controls the key.
``holder``
    Every embedded credential names the holder among its ``credentialSubject`` ids
    (unless the caller allows other holders, a tenant policy).
``domain``
    The proof ``domain`` (or JWT ``aud``) includes the domain the verifier expects.

The embedded credentials come back as documents (`Presentation.credentials`: JSON bytes
or compact JWS bytes) to be verified, one by one, as any credential is.
"""

from __future__ import annotations

import copy
import re
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, Literal

import msgspec
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest._credential import as_list, decode_json_object, parse_datetime
from ingest._ecdsa import SigningKey, b64url_decode, key_problem, sign_raw, verify_raw
from ingest._eddsa import SUITES, hash_data, proof_problem, suite_of, verify_signature
from ingest._errors import CredentialFormatError
from ingest._jose import ALGORITHMS, _json_part, decode_jws, method_of_kid
from ingest._jsonld import (
    VC_V1_CONTEXT,
    VC_V2_CONTEXT,
    ContextLoader,
    check_context_entries,
    default_context_loader,
)
from ingest._keys import encode_multibase_base58btc
from ingest._model import context_version
from ingest._report import Check, Outcome
from ingest._verify import Verifier

PresentationFormat = Literal["jsonld", "vp-jwt"]

PRESENTATION_CHECK_NAMES: Final = ("presentation", "proof", "key", "holder", "domain")
"""The checks `verify_presentation` reports, in order (names are part of the API)."""

ENVELOPED_MEDIA_TYPES: Final = frozenset(
    {"application/vc+jwt", "application/vc-ld+jwt", "application/jwt"}
)
"""Media types of an ``EnvelopedVerifiableCredential`` data URL that are read (VC-JWTs)."""

_VP_JWT_TYP: Final = frozenset(
    {"JWT", "vp+jwt", "application/vp+jwt", "vp+ld+json+jwt", "application/vp+ld+json+jwt"}
)
_COMPACT: Final = re.compile(
    rb"[ \t\r\n]*([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)[ \t\r\n]*"
)
_URL: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")


class Presentation(msgspec.Struct, frozen=True, kw_only=True):
    """What a presentation says, as far as it could be read.

    Attributes:
        format: ``jsonld`` (Data Integrity proof) or ``vp-jwt``.
        holder: The holder: ``holder`` (or ``holder.id``), else the key's controller.
        challenge: The signed challenge (proof ``challenge`` or JWT ``nonce``).
        domains: The signed domains (proof ``domain`` or JWT ``aud``).
        credentials: Each embedded credential as a document to ingest: JSON bytes of a
            credential object, or the compact JWS of an enveloped or JWT credential.
    """

    format: PresentationFormat
    holder: str | None = None
    challenge: str | None = None
    domains: tuple[str, ...] = ()
    credentials: tuple[bytes, ...] = ()


class PresentationReport(msgspec.Struct, frozen=True, kw_only=True):
    """The checks made on one presentation, and what it holds."""

    presentation: Presentation | None
    """``None`` when the bytes are not a presentation at all (not JSON, not a JWS)."""
    checks: tuple[Check, ...]

    @property
    def verified(self) -> bool:
        """Every check passed (the challenge is the caller's to check)."""
        return all(check.outcome == "passed" for check in self.checks)

    def failed(self) -> tuple[Check, ...]:
        """The checks that did not pass."""
        return tuple(check for check in self.checks if check.outcome != "passed")

    def get(self, name: str) -> Check | None:
        """The check called ``name``, or ``None``."""
        return next((check for check in self.checks if check.check == name), None)


def _check(name: str, problem: str | None, passed: str) -> Check:
    outcome: Outcome = "passed" if problem is None else "failed"
    return Check(check=name, outcome=outcome, detail=passed if problem is None else problem)


def _all_failed(reason: str) -> PresentationReport:
    return PresentationReport(
        presentation=None,
        checks=tuple(
            Check(check=name, outcome="failed", detail=reason) for name in PRESENTATION_CHECK_NAMES
        ),
    )


def is_url(value: Any) -> bool:
    """Whether ``value`` is an absolute URL (a scheme, then no white space): DIDs and URNs too."""
    return isinstance(value, str) and _URL.fullmatch(value) is not None


def holder_of(presentation: dict[str, Any]) -> tuple[str | None, str | None]:
    """(holder id or ``None`` when absent, the data-model problem with it or ``None``)."""
    if "holder" not in presentation:
        return None, None
    holder = presentation["holder"]
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if not is_url(holder_id):
        what = "holder.id" if isinstance(holder, dict) else "holder"
        return None, f"{what} must be a URL, not {holder_id!r}"
    return holder_id, None


def enveloped_jws(item: dict[str, Any]) -> tuple[bytes | None, str | None]:
    """(the VC-JWT of an ``EnvelopedVerifiableCredential``, or the problem with it)."""
    url = item.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        return None, "an EnvelopedVerifiableCredential id must be a data: URL"
    header, _, data = url.removeprefix("data:").partition(",")
    media_type, *parameters = header.split(";")
    if media_type not in ENVELOPED_MEDIA_TYPES:
        supported = ", ".join(sorted(ENVELOPED_MEDIA_TYPES))
        return None, f"enveloped credential media type {media_type!r} (supported: {supported})"
    if any(parameter not in {"base64url", ""} for parameter in parameters):
        return None, f"enveloped credential data URL parameters {parameters!r} are not supported"
    return urllib.parse.unquote(data).strip().encode(), None


def _credential_item(item: Any, index: int, *, strings: bool) -> tuple[bytes | None, str | None]:
    where = f"verifiableCredential[{index}]"
    if isinstance(item, str):
        if strings:
            return item.strip().encode(), None
        return None, f"{where} is a string; embed the credential, or envelope a VC-JWT"
    if not isinstance(item, dict):
        return None, f"{where} must be an object"
    types = as_list(item.get("type"))
    if "EnvelopedVerifiableCredential" in types:
        jws, problem = enveloped_jws(item)
        return jws, None if problem is None else f"{where}: {problem}"
    if "VerifiableCredential" not in types:
        return None, f"{where}.type must include 'VerifiableCredential' (found {types!r})"
    return msgspec.json.encode(item), None


def read_presentation(  # noqa: PLR0911 - one return per data-model rule
    presentation: dict[str, Any], verifier: Verifier, *, jwt_strings: bool = False
) -> tuple[tuple[bytes, ...], str | None]:
    """The embedded credentials of a presentation and its first data-model problem, if any.

    Args:
        presentation: The decoded presentation (without its securing mechanism).
        verifier: For the bundled contexts.
        jwt_strings: Accept bare JWT strings in ``verifiableCredential`` (the ``vp`` claim
            of a VC 1.1 VP-JWT); VCDM 2.0 refuses them.
    """
    try:
        check_context_entries(presentation)
    except CredentialFormatError as error:
        return (), error.message
    if "@context" not in presentation:
        return (), "a presentation must have @context"
    if context_version(presentation) is None:
        return (), f"@context must start with {VC_V2_CONTEXT!r} (or {VC_V1_CONTEXT!r})"
    unknown = verifier.contexts.unknown(presentation)
    if unknown:
        return (
            (),
            f"JSON-LD context {unknown[0]!r} is not bundled; remote contexts are never fetched",
        )
    types = as_list(presentation.get("type"))
    if "VerifiablePresentation" not in types:
        return (), f"type must include 'VerifiablePresentation' (found {types!r})"
    if "id" in presentation and not is_url(presentation["id"]):
        return (), f"id must be a URL, not {presentation['id']!r}"
    _, holder_problem = holder_of(presentation)
    if holder_problem is not None:
        return (), holder_problem
    credentials: list[bytes] = []
    for index, item in enumerate(as_list(presentation.get("verifiableCredential"))):
        raw, problem = _credential_item(item, index, strings=jwt_strings)
        if problem is not None or raw is None:
            return (), problem
        credentials.append(raw)
    return tuple(credentials), None


def subject_ids(raw: bytes) -> tuple[str, ...]:
    """The ``credentialSubject`` ids of an embedded credential document (none if unreadable)."""
    try:
        document = decode_jws(raw).document if _COMPACT.fullmatch(raw) else msgspec.json.decode(raw)
    except (CredentialFormatError, msgspec.DecodeError):
        return ()
    if not isinstance(document, dict):
        return ()
    subjects = as_list(document.get("credentialSubject"))
    return tuple(s["id"] for s in subjects if isinstance(s, dict) and isinstance(s.get("id"), str))


def _holder_check(
    credentials: tuple[bytes, ...], holder: str | None, *, allow_other_holders: bool
) -> Check:
    if not credentials:
        return _check("holder", None, "the presentation holds no credential")
    others = [
        index
        for index, raw in enumerate(credentials)
        if holder not in subject_ids(raw) or not holder
    ]
    if not others:
        return _check("holder", None, f"every credential's subject is the holder {holder}")
    listed = ", ".join(f"verifiableCredential[{index}]" for index in others)
    if allow_other_holders:
        return _check(
            "holder", None, f"{listed} name another subject; the tenant policy allows other holders"
        )
    return _check("holder", f"{listed}: credentialSubject.id is not the holder {holder}", "")


def _domain_check(domains: tuple[str, ...], expected: str) -> Check:
    if expected in domains:
        return _check("domain", None, f"presented for the domain {expected!r}")
    found = f"domain {list(domains)!r}" if domains else "no domain"
    return _check("domain", f"the presentation names {found}, expected {expected!r}", "")


def _key_binding(
    verifier: Verifier, method_id: str, controller: str | None, holder: str | None
) -> tuple[str | None, str | None]:
    """(the holder, the problem binding the key to it or ``None``)."""
    if holder is None:
        if controller is None:
            return None, f"{method_id} has no controller and the presentation names no holder"
        return controller, None
    if controller == holder:
        return holder, None
    document = verifier.documents.get(holder)
    if isinstance(document, dict) and document.get("id", holder) == holder:
        for entry in as_list(document.get("authentication")):
            reference = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(reference, str) and reference.startswith("#"):
                reference = holder + reference
            if reference == method_id:
                return holder, None
    return holder, (
        f"{method_id} is controlled by {controller or 'an unknown controller'}, not by the "
        f"holder {holder}, and no holder document lists it under authentication"
    )


def _signature_checks(  # noqa: PLR0911 - one return per way a proof can fail
    verifier: Verifier, document: dict[str, Any], presentation_problem: str | None
) -> tuple[Check, str, str | None]:
    """(proof check, method id, controller) of a Data Integrity presentation proof."""
    proofs = as_list(document.get("proof"))
    if len(proofs) != 1:
        count = "no proof" if not proofs else f"{len(proofs)} proofs; one is accepted"
        return _check("proof", f"the presentation has {count}", ""), "", None
    proof = proofs[0]
    unusable = proof_problem(proof, purpose="authentication")
    if unusable is not None:
        return _check("proof", unusable, ""), "", None
    method_id: str = proof["verificationMethod"]
    method = verifier.resolve_method(method_id)
    if method.public_key is None:
        outcome: Outcome = "unknown" if method.unreachable else "failed"
        detail = f"verification method {method_id!r} not resolved: {method.problem}"
        return Check(check="proof", outcome=outcome, detail=detail), method_id, None
    if presentation_problem is not None:
        return (
            _check("proof", f"signature not checked: {presentation_problem}", ""),
            method_id,
            None,
        )
    expires = proof.get("expires")
    if isinstance(expires, str) and parse_datetime(expires) <= verifier.now():
        return _check("proof", f"proof expired at {expires}", ""), method_id, method.controller
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    try:
        data = hash_data(unsecured, proof, verifier.contexts)
    except CredentialFormatError as error:
        return _check("proof", f"cannot canonicalize: {error.message}", ""), method_id, None
    suite = suite_of(proof)
    name = suite.label if suite is not None else str(proof.get("type"))
    if not verify_signature(data, proof["proofValue"], method.public_key, suite):
        problem = f"{name} signature by {method_id} does not match the presentation"
        return _check("proof", problem, ""), method_id, method.controller
    return (
        _check("proof", None, f"{name} signature by {method_id} is valid"),
        method_id,
        (method.controller),
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in as_list(value) if isinstance(item, str))


def _verify_data_integrity(
    document: dict[str, Any], verifier: Verifier, *, domain: str, allow_other_holders: bool
) -> PresentationReport:
    credentials, problem = read_presentation(document, verifier)
    presentation_check = _check(
        "presentation", problem, "the presentation follows the VCDM 2.0 data model"
    )
    proof_check, method_id, controller = _signature_checks(verifier, document, problem)
    declared, _ = holder_of(document)
    proofs = as_list(document.get("proof"))
    proof = proofs[0] if len(proofs) == 1 and isinstance(proofs[0], dict) else {}
    challenge = proof.get("challenge")
    return _report(
        verifier,
        Presentation(
            format="jsonld",
            holder=declared,
            challenge=challenge if isinstance(challenge, str) else None,
            domains=_strings(proof.get("domain")),
            credentials=credentials,
        ),
        (presentation_check, proof_check),
        method_id=method_id,
        controller=controller,
        domain=domain,
        allow_other_holders=allow_other_holders,
    )


def _report(
    verifier: Verifier,
    presentation: Presentation,
    checks: tuple[Check, Check],
    *,
    method_id: str,
    controller: str | None,
    domain: str,
    allow_other_holders: bool,
) -> PresentationReport:
    if checks[1].outcome != "passed":
        key = Check(
            check="key", outcome=checks[1].outcome, detail=f"not checked: {checks[1].detail}"
        )
        holder = presentation.holder
    else:
        holder, problem = _key_binding(verifier, method_id, controller, presentation.holder)
        bound = f"{method_id} belongs to the holder {holder}"
        key = _check("key", problem, bound)
    presentation = msgspec.structs.replace(presentation, holder=holder)
    return PresentationReport(
        presentation=presentation,
        checks=(
            *checks,
            key,
            _holder_check(
                presentation.credentials, holder, allow_other_holders=allow_other_holders
            ),
            _domain_check(presentation.domains, domain),
        ),
    )


def _jwt_header(header: dict[str, Any]) -> str | None:
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        return f"JWS alg {alg!r} is not accepted (accepted: {', '.join(sorted(ALGORITHMS))})"
    if "crit" in header or header.get("b64", True) is not True:
        return "JWS with critical header parameters (crit, b64) is not supported"
    typ = header.get("typ")
    if typ is not None and typ not in _VP_JWT_TYP:
        return f"JWS typ {typ!r} is not a presentation JWT"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "JWS header has no kid naming the holder's key"
    return None


def _jwt_presentation(claims: dict[str, Any]) -> tuple[dict[str, Any], bool, str | None]:
    """(the presentation, whether it is the VC 1.1 ``vp`` form, a claims problem)."""
    if "vp" not in claims:
        return claims, False, None
    vp = claims["vp"]
    if not isinstance(vp, dict):
        return {}, True, "the JWT vp claim must be an object"
    iss = claims.get("iss")
    if iss is not None:
        if "holder" in vp and holder_of(vp)[0] != iss:
            return vp, True, f"JWT iss {iss!r} is not the presentation holder"
        vp = {**vp, "holder": iss}
    return vp, True, None


def _verify_jwt(
    raw: bytes,
    match: re.Match[bytes],
    verifier: Verifier,
    *,
    domain: str,
    allow_other_holders: bool,
) -> PresentationReport:
    header_part, payload_part, signature_part = match.groups()
    try:
        header = _json_part(header_part, "header")
        claims = _json_part(payload_part, "payload")
        signature_bytes = b64url_decode(signature_part.decode("ascii"))
    except (CredentialFormatError, ValueError, msgspec.DecodeError) as error:
        return _all_failed(str(error))
    document, jwt_strings, claims_problem = _jwt_presentation(claims)
    credentials, problem = read_presentation(document, verifier, jwt_strings=jwt_strings)
    problem = claims_problem or problem
    presentation_check = _check(
        "presentation", problem, "the presentation follows the VCDM 2.0 data model"
    )
    header_problem = _jwt_header(header)
    method_id = method_of_kid(header["kid"]) if header_problem is None else ""
    controller: str | None = None
    if header_problem is not None:
        proof_check = _check("proof", header_problem, "")
    else:
        method = verifier.resolve_method(method_id)
        alg = header["alg"]
        exp = claims.get("exp")
        if method.public_key is None:
            outcome: Outcome = "unknown" if method.unreachable else "failed"
            detail = f"verification method {method_id!r} not resolved: {method.problem}"
            proof_check = Check(check="proof", outcome=outcome, detail=detail)
        elif key_problem(alg, method.public_key) or not verify_raw(
            alg, header_part + b"." + payload_part, signature_bytes, method.public_key
        ):
            proof_check = _check("proof", f"JWS {alg} signature by {method_id} does not verify", "")
        elif isinstance(exp, int | float) and verifier.now().timestamp() >= exp:
            proof_check = _check("proof", f"the presentation JWT expired (exp {exp})", "")
        else:
            proof_check = _check("proof", None, f"JWS {alg} signature by {method_id} is valid")
            controller = method.controller
    challenge = claims.get("nonce")
    declared, _ = holder_of(document)
    return _report(
        verifier,
        Presentation(
            format="vp-jwt",
            holder=declared,
            challenge=challenge if isinstance(challenge, str) else None,
            domains=_strings(claims.get("aud")),
            credentials=credentials,
        ),
        (presentation_check, proof_check),
        method_id=method_id,
        controller=controller,
        domain=domain,
        allow_other_holders=allow_other_holders,
    )


def sign_presentation(
    presentation: Mapping[str, Any],
    private_key: SigningKey,
    *,
    cryptosuite: str,
    verification_method: str,
    challenge: str,
    domain: str,
    created: datetime,
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add the holder's Data Integrity ``authentication`` proof to a presentation.

    For tests and demos (a wallet does this). Embedded credentials keep their own proofs.

    Args:
        presentation: The unsigned presentation; not modified.
        private_key: The holder's key (Ed25519, or P-256 for ``ecdsa-rdfc-2019``).
        cryptosuite: ``eddsa-rdfc-2022``, ``eddsa-jcs-2022`` or ``ecdsa-rdfc-2019``.
        verification_method: URL of the holder's public key.
        challenge: The verifier's challenge.
        domain: The verifier's domain.
        created: Signing time; time-zone aware.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A signed copy.

    Raises:
        ValueError: An unknown cryptosuite, a naive ``created``, or a key that does not
            fit the suite.
        CredentialFormatError: No ``@context``, or the presentation cannot be canonicalized.
        UnknownContextError: A context is not bundled.
    """
    suite = next((s for s in SUITES if s.cryptosuite == cryptosuite), None)
    if suite is None:
        raise ValueError(f"unknown cryptosuite {cryptosuite!r}")
    if created.tzinfo is None:
        raise ValueError("created must be time-zone aware")
    if "@context" not in presentation:
        raise CredentialFormatError("@context is required", code="missing-field")
    signed = copy.deepcopy(dict(presentation))
    proof: dict[str, Any] = {
        "type": suite.type,
        "cryptosuite": suite.cryptosuite,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": "authentication",
        "challenge": challenge,
        "domain": domain,
    }
    if suite.proof_has_context:
        proof["@context"] = copy.deepcopy(signed["@context"])
    wanted = EllipticCurvePrivateKey if suite.algorithm == "ES256" else Ed25519PrivateKey
    if not isinstance(private_key, wanted):
        raise ValueError(f"{suite.name} needs a {suite.algorithm} key")
    data = hash_data(signed, proof, contexts or default_context_loader())
    proof["proofValue"] = encode_multibase_base58btc(sign_raw(data, private_key))
    signed["proof"] = proof
    return signed


def verify_presentation(
    raw: bytes,
    verifier: Verifier,
    *,
    domain: str,
    allow_other_holders: bool = False,
    max_bytes: int = 1_000_000,
) -> PresentationReport:
    """Check a presentation (JSON-LD with a Data Integrity proof, or a VP-JWT); never raises.

    Args:
        raw: The presentation as received.
        verifier: Resolves keys and contexts as for credentials.
        domain: The domain the presentation must be bound to.
        allow_other_holders: Let embedded credentials name another subject than the holder.
        max_bytes: Largest presentation accepted.

    Returns:
        The report: checks named as in `PRESENTATION_CHECK_NAMES`, in that order, and the
        presentation's holder, challenge and embedded credentials.
    """
    if len(raw) > max_bytes:
        return _all_failed(f"the presentation is {len(raw)} bytes; the limit is {max_bytes}")
    match = _COMPACT.fullmatch(raw)
    if match is not None:
        return _verify_jwt(
            raw, match, verifier, domain=domain, allow_other_holders=allow_other_holders
        )
    try:
        document = decode_json_object(raw, max_bytes, what="a presentation")
    except CredentialFormatError as error:
        return _all_failed(error.message)
    return _verify_data_integrity(
        document, verifier, domain=domain, allow_other_holders=allow_other_holders
    )
