"""EdDSA proof suites (W3C vc-di-eddsa): eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020.

The three share one path: the same proof configuration and ``@context`` rules, the same
hash (sha256(canonical proof config) || sha256(canonical document)), Ed25519 over it and a
multibase base58btc ``proofValue``. They differ in the canonicalization (RDFC-1.0 or
RFC 8785 JCS), in whether the signed proof repeats the document ``@context``, and in the
legacy suite's own context and required ``created``.

``ecdsa-rdfc-2019`` (W3C vc-di-ecdsa, P-256 keys) takes the same path with another
signature algorithm (`Suite.algorithm`): ECDSA P-256 / SHA-256 over the same 64 bytes, the
``proofValue`` being the raw ``r || s`` signature (64 bytes) in multibase base58btc.

``eddsa-2022`` is the pre-standard name of ``eddsa-rdfc-2022`` (the 2022 drafts, used by
some Open Badges 3.0 issuers): the same RDFC-1.0 path, verified the same way.

``ecdsa-sd-2023`` (selective disclosure, `ingest._ecdsa_sd`) shares the suite table and
proof checks, but its ``proofValue`` is a CBOR disclosure proof verified statement by
statement (`Suite.selective_disclosure`).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ingest._credential import as_list, parse_datetime
from ingest._ecdsa import Algorithm, PublicKey, SigningKey, sign_raw, verify_raw
from ingest._ecdsa_sd import SelectiveDisclosureError, parse_derived_proof_value
from ingest._errors import CredentialFormatError
from ingest._jsonld import ContextLoader, canonicalize, canonicalize_jcs, default_context_loader
from ingest._keys import decode_multibase_base58btc, encode_multibase_base58btc

_SIGNATURE_BYTES: Final = 64
ED25519_2020_CONTEXT: Final = "https://w3id.org/security/suites/ed25519-2020/v1"


@dataclass(frozen=True, slots=True)
class Suite:
    """One supported proof suite.

    Attributes:
        type: The proof ``type``.
        cryptosuite: The proof ``cryptosuite`` (``None``: the proof must not have one).
        canonicalize: Canonical text of a document or proof configuration.
        proof_has_context: The signer copies the document ``@context`` into the proof.
        document_context: A context the document must list (the signer adds it).
        requires_created: The proof must have ``created``.
        algorithm: The signature algorithm (JOSE name): ``EdDSA`` or ``ES256``.
        selective_disclosure: The proof is an ``ecdsa-sd-2023`` disclosure proof (a CBOR
            ``proofValue``, verified by `ingest._ecdsa_sd.derived_proof_problem`).
    """

    type: str
    cryptosuite: str | None
    canonicalize: Callable[[Mapping[str, Any], ContextLoader], str]
    proof_has_context: bool = False
    document_context: str | None = None
    requires_created: bool = False
    algorithm: Algorithm = "EdDSA"
    selective_disclosure: bool = False

    @property
    def name(self) -> str:
        """``type/cryptosuite``, or the type alone (as in `Credential.proof_types`)."""
        return f"{self.type}/{self.cryptosuite}" if self.cryptosuite else self.type

    @property
    def label(self) -> str:
        """The short name used in check details: the cryptosuite, or the type."""
        return self.cryptosuite or self.type


EDDSA_RDFC_2022: Final = Suite("DataIntegrityProof", "eddsa-rdfc-2022", canonicalize)
EDDSA_JCS_2022: Final = Suite(
    "DataIntegrityProof", "eddsa-jcs-2022", canonicalize_jcs, proof_has_context=True
)
ED25519_SIGNATURE_2020: Final = Suite(
    "Ed25519Signature2020",
    None,
    canonicalize,
    document_context=ED25519_2020_CONTEXT,
    requires_created=True,
)
ECDSA_RDFC_2019: Final = Suite(
    "DataIntegrityProof", "ecdsa-rdfc-2019", canonicalize, algorithm="ES256"
)
EDDSA_2022: Final = Suite("DataIntegrityProof", "eddsa-2022", canonicalize)
ECDSA_SD_2023: Final = Suite(
    "DataIntegrityProof",
    "ecdsa-sd-2023",
    canonicalize,
    algorithm="ES256",
    selective_disclosure=True,
)
SUITES: Final = (
    EDDSA_RDFC_2022,
    EDDSA_JCS_2022,
    ED25519_SIGNATURE_2020,
    ECDSA_RDFC_2019,
    EDDSA_2022,
    ECDSA_SD_2023,
)
_BY_KEY: Final = {(suite.type, suite.cryptosuite): suite for suite in SUITES}


def suite_of(proof: Any) -> Suite | None:
    """The suite of a proof (by ``type`` and ``cryptosuite``), or ``None`` if unsupported."""
    if not isinstance(proof, dict):
        return None
    kind, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    if not isinstance(kind, str) or not isinstance(cryptosuite, str | None):
        return None
    return _BY_KEY.get((kind, cryptosuite))


def proof_problem(proof: Any, *, purpose: str = "assertionMethod") -> str | None:
    """Say what makes ``proof`` unusable as a supported proof for ``purpose``, if anything.

    Args:
        proof: One entry of the credential's (or presentation's) ``proof``.
        purpose: The ``proofPurpose`` required: ``assertionMethod`` for a credential,
            ``authentication`` for a presentation.

    Returns:
        A reason, or ``None`` when the proof is well formed.
    """
    if not isinstance(proof, dict):
        return "proof must be an object"
    suite = suite_of(proof)
    if suite is None:
        kind, cryptosuite = proof.get("type"), proof.get("cryptosuite")
        found = f"{kind}/{cryptosuite}" if cryptosuite is not None else str(kind)
        supported = ", ".join(known.name for known in SUITES)
        return f"unsupported proof type {found!r} (supported: {supported})"
    if proof.get("proofPurpose") != purpose:
        return f"proofPurpose is {proof.get('proofPurpose')!r}, expected {purpose!r}"
    if not isinstance(proof.get("verificationMethod"), str):
        return "proof has no verificationMethod"
    if suite.requires_created and "created" not in proof:
        return f"{suite.name} proof has no created date"
    value_problem = (
        _disclosure_proof_problem if suite.selective_disclosure else _proof_value_problem
    )
    return _dates_problem(proof) or value_problem(proof.get("proofValue"))


def _dates_problem(proof: dict[str, Any]) -> str | None:
    for key in ("created", "expires"):
        if key in proof:
            value = proof[key]
            try:
                parse_datetime(value if isinstance(value, str) else "")
            except ValueError:
                return f"proof {key} {value!r} is not an XSD dateTime"
    return None


def _disclosure_proof_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "proof has no proofValue"
    try:
        parse_derived_proof_value(value)
    except SelectiveDisclosureError as error:
        return f"proofValue: {error}"
    return None


def _proof_value_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "proof has no proofValue"
    try:
        signature = decode_multibase_base58btc(value)
    except ValueError as error:
        return f"proofValue: {error}"
    if len(signature) != _SIGNATURE_BYTES:
        return f"proofValue decodes to {len(signature)} bytes, a signature has 64"
    return None


def secured_inputs(
    document: Mapping[str, Any], proof: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document to canonicalize, proof configuration), the same for every suite.

    The proof configuration is the proof without ``proofValue``, with the document's
    ``@context``; a proof that has its own ``@context`` must hold a prefix of the document's,
    and that prefix is what the document is canonicalized with.

    Args:
        document: The credential without the proof being made or checked.
        proof: The proof (its ``proofValue``, if any, is ignored).

    Returns:
        Copies (shallow) of both; the inputs are not modified.

    Raises:
        CredentialFormatError: The proof ``@context`` is not a prefix of the document's.
    """
    unsecured = dict(document)
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in config:
        proof_context = as_list(config["@context"])
        if as_list(unsecured.get("@context"))[: len(proof_context)] != proof_context:
            raise CredentialFormatError(
                "proof @context is not a prefix of the document @context", code="invalid-jsonld"
            )
        unsecured["@context"] = config["@context"]
    else:
        config["@context"] = unsecured.get("@context")
    return unsecured, config


def hash_data(
    document: Mapping[str, Any], proof: Mapping[str, Any], loader: ContextLoader
) -> bytes:
    """The 64 bytes signed: sha256(canon(proof config)) || sha256(canon(document)).

    The canonicalization is the one of the proof's suite (`suite_of`).

    Args:
        document: The credential without the proof being made or checked (for a proof
            chain: with the previous proofs as its ``proof``).
        proof: The proof (its ``proofValue``, if any, is ignored).
        loader: Context resolution.

    Returns:
        The data to sign or verify.

    Raises:
        CredentialFormatError: Unsupported proof type, or the document or proof cannot be
            canonicalized safely.
        UnknownContextError: A context is not bundled.
    """
    suite = suite_of(proof)
    if suite is None:
        raise CredentialFormatError(
            f"unsupported proof type {proof.get('type')!r}", code="unsupported-credential"
        )
    unsecured, config = secured_inputs(document, proof)
    if suite.document_context and suite.document_context not in as_list(unsecured.get("@context")):
        raise CredentialFormatError(
            f"{suite.name} needs {suite.document_context!r} in the document @context",
            code="invalid-jsonld",
        )
    return (
        hashlib.sha256(suite.canonicalize(config, loader).encode()).digest()
        + hashlib.sha256(suite.canonicalize(unsecured, loader).encode()).digest()
    )


def verify_signature(
    data: bytes, proof_value: str, public_key: PublicKey, suite: Suite | None = None
) -> bool:
    """Check a ``proofValue`` (multibase base58btc) over ``data`` with the suite's algorithm.

    Without ``suite`` the algorithm is Ed25519; a key of another type than the suite's
    algorithm needs never verifies.
    """
    try:
        signature = decode_multibase_base58btc(proof_value)
    except ValueError:
        return False
    return verify_raw(suite.algorithm if suite else "EdDSA", data, signature, public_key)


def sign(
    suite: Suite,
    document: Mapping[str, Any],
    private_key: SigningKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add a ``suite`` proof to a credential (the shared part of the ``sign_*`` functions).

    Raises:
        ValueError: ``created`` is naive, the key does not fit the suite, or the suite
            context would have to be added to an already signed document.
        CredentialFormatError: The document has no ``@context`` or cannot be canonicalized.
        UnknownContextError: A context is not bundled.
    """
    if created.tzinfo is None:
        raise ValueError("created must be time-zone aware")
    if "@context" not in document:
        raise CredentialFormatError("@context is required", code="missing-field")
    signed = copy.deepcopy(dict(document))
    if suite.document_context and suite.document_context not in as_list(signed["@context"]):
        if "proof" in signed:
            raise ValueError(
                f"adding {suite.document_context!r} to the @context of a signed document "
                "would invalidate its proofs: add it before the first proof"
            )
        signed["@context"] = [*as_list(signed["@context"]), suite.document_context]
    proof: dict[str, Any] = {"type": suite.type}
    if suite.cryptosuite:
        proof["cryptosuite"] = suite.cryptosuite
    proof |= {
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if suite.proof_has_context:
        proof["@context"] = copy.deepcopy(signed["@context"])
    unsecured = {key: value for key, value in signed.items() if key != "proof"}
    data = hash_data(unsecured, proof, contexts or default_context_loader())
    if suite.algorithm == "ES256" and not isinstance(private_key, EllipticCurvePrivateKey):
        raise ValueError(f"{suite.name} needs a P-256 private key")
    if suite.algorithm == "EdDSA" and not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError(f"{suite.name} needs an Ed25519 private key")
    proof["proofValue"] = encode_multibase_base58btc(sign_raw(data, private_key))
    existing = as_list(signed.get("proof"))
    signed["proof"] = [*existing, proof] if existing else proof
    return signed


def sign_eddsa_rdfc_2022(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add an ``eddsa-rdfc-2022`` Data Integrity proof to a credential.

    An existing proof is kept and the new one added beside it (a proof set).

    Args:
        document: The unsigned (or already signed) credential; not modified.
        private_key: The signing key.
        verification_method: URL of the public key, e.g. ``did:key:z6Mk...#z6Mk...``.
        created: Signing time; must be time-zone aware (written in UTC, to the second).
        proof_purpose: The proof purpose.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A signed copy of ``document``.

    Raises:
        ValueError: ``created`` is naive.
        CredentialFormatError: The document has no ``@context`` or cannot be canonicalized
            safely (undefined terms, relative IRIs, invalid JSON-LD).
        UnknownContextError: A context is not bundled.
    """
    return sign(
        EDDSA_RDFC_2022,
        document,
        private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        contexts=contexts,
    )


def sign_eddsa_jcs_2022(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add an ``eddsa-jcs-2022`` Data Integrity proof (RFC 8785 canonical JSON).

    The proof repeats the document ``@context`` (as the W3C vector does). No JSON-LD
    processing happens, but every ``@context`` URL must still be bundled. An existing
    proof is kept and the new one added beside it (a proof set).

    Args:
        document: The unsigned (or already signed) credential; not modified.
        private_key: The signing key.
        verification_method: URL of the public key, e.g. ``did:key:z6Mk...#z6Mk...``.
        created: Signing time; must be time-zone aware (written in UTC, to the second).
        proof_purpose: The proof purpose.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A signed copy of ``document``.

    Raises:
        ValueError: ``created`` is naive.
        CredentialFormatError: The document has no ``@context`` or holds a value JCS
            cannot represent (e.g. an integer beyond 2**53).
        UnknownContextError: A context is not bundled.
    """
    return sign(
        EDDSA_JCS_2022,
        document,
        private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        contexts=contexts,
    )


def sign_ed25519_signature_2020(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add a legacy ``Ed25519Signature2020`` proof (RDFC-1.0) to a credential.

    The suite context ``https://w3id.org/security/suites/ed25519-2020/v1`` is appended to
    the document ``@context`` when missing (its terms define the proof). An existing proof
    is kept and the new one added beside it (a proof set).

    Args:
        document: The unsigned (or already signed) credential; not modified.
        private_key: The signing key.
        verification_method: URL of the public key, e.g. ``did:key:z6Mk...#z6Mk...``.
        created: Signing time; must be time-zone aware (written in UTC, to the second).
        proof_purpose: The proof purpose.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A signed copy of ``document`` (with the suite context).

    Raises:
        ValueError: ``created`` is naive, or ``document`` is already signed and lacks the
            suite context (adding it would invalidate the existing proofs).
        CredentialFormatError: The document has no ``@context`` or cannot be canonicalized
            safely (undefined terms, relative IRIs, invalid JSON-LD).
        UnknownContextError: A context is not bundled.
    """
    return sign(
        ED25519_SIGNATURE_2020,
        document,
        private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        contexts=contexts,
    )


def sign_ecdsa_rdfc_2019(
    document: Mapping[str, Any],
    private_key: EllipticCurvePrivateKey,
    *,
    verification_method: str,
    created: datetime,
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add an ``ecdsa-rdfc-2019`` Data Integrity proof (P-256, SHA-256, RDFC-1.0).

    ECDSA signatures are randomized: signing twice gives two valid, different proofs. An
    existing proof is kept and the new one added beside it (a proof set).

    Args:
        document: The unsigned (or already signed) credential; not modified.
        private_key: The P-256 signing key.
        verification_method: URL of the public key, e.g. ``did:key:zDn...#zDn...``.
        created: Signing time; must be time-zone aware (written in UTC, to the second).
        proof_purpose: The proof purpose.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A signed copy of ``document``.

    Raises:
        ValueError: ``created`` is naive, or the key is not a P-256 key.
        CredentialFormatError: The document has no ``@context`` or cannot be canonicalized
            safely (undefined terms, relative IRIs, invalid JSON-LD).
        UnknownContextError: A context is not bundled.
    """
    return sign(
        ECDSA_RDFC_2019,
        document,
        private_key,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        contexts=contexts,
    )
