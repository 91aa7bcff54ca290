"""The ``eddsa-rdfc-2022`` Data Integrity cryptosuite (W3C vc-di-eddsa, section 3.3)."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ingest._errors import CredentialFormatError
from ingest._jsonld import ContextLoader, canonicalize, default_context_loader
from ingest._keys import decode_multibase_base58btc, encode_multibase_base58btc
from ingest._model import as_list, parse_datetime

PROOF_TYPE: Final = "DataIntegrityProof"
CRYPTOSUITE: Final = "eddsa-rdfc-2022"
_SIGNATURE_BYTES: Final = 64


def proof_problem(proof: Any) -> str | None:
    """Say what makes ``proof`` unusable as an eddsa-rdfc-2022 assertion proof, if anything.

    Args:
        proof: One entry of the credential's ``proof``.

    Returns:
        A reason, or ``None`` when the proof is well formed.
    """
    if not isinstance(proof, dict):
        return "proof must be an object"
    kind, suite = proof.get("type"), proof.get("cryptosuite")
    if kind != PROOF_TYPE or suite != CRYPTOSUITE:
        found = f"{kind}/{suite}" if suite is not None else str(kind)
        return f"unsupported proof type {found!r} (supported: {PROOF_TYPE}/{CRYPTOSUITE})"
    if proof.get("proofPurpose") != "assertionMethod":
        return f"proofPurpose is {proof.get('proofPurpose')!r}, expected 'assertionMethod'"
    if not isinstance(proof.get("verificationMethod"), str):
        return "proof has no verificationMethod"
    return _dates_problem(proof) or _proof_value_problem(proof.get("proofValue"))


def _dates_problem(proof: dict[str, Any]) -> str | None:
    for key in ("created", "expires"):
        if key in proof:
            value = proof[key]
            try:
                parse_datetime(value if isinstance(value, str) else "")
            except ValueError:
                return f"proof {key} {value!r} is not an XSD dateTime"
    return None


def _proof_value_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "proof has no proofValue"
    try:
        signature = decode_multibase_base58btc(value)
    except ValueError as error:
        return f"proofValue: {error}"
    if len(signature) != _SIGNATURE_BYTES:
        return f"proofValue decodes to {len(signature)} bytes, an Ed25519 signature has 64"
    return None


def _secured_inputs(
    document: Mapping[str, Any], proof: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(document to canonicalize, proof configuration), per vc-di-eddsa section 3.3."""
    unsecured = dict(document)
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in config:
        # The proof may carry its own context only as a prefix of the document's one.
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
    """The 64 bytes eddsa-rdfc-2022 signs: sha256(canon(proof config)) || sha256(canon(doc)).

    Args:
        document: The credential without the proof being made or checked (for a proof
            chain: with the previous proofs as its ``proof``).
        proof: The proof (its ``proofValue``, if any, is ignored).
        loader: Context resolution.

    Returns:
        The data to sign or verify.

    Raises:
        CredentialFormatError: The document or proof cannot be canonicalized safely.
        UnknownContextError: A context is not bundled.
    """
    unsecured, config = _secured_inputs(document, proof)
    return (
        hashlib.sha256(canonicalize(config, loader).encode()).digest()
        + hashlib.sha256(canonicalize(unsecured, loader).encode()).digest()
    )


def verify_signature(data: bytes, proof_value: str, public_key: Ed25519PublicKey) -> bool:
    """Check an Ed25519 ``proofValue`` (multibase base58btc) over ``data``."""
    try:
        public_key.verify(decode_multibase_base58btc(proof_value), data)
    except (InvalidSignature, ValueError):
        return False
    return True


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
    if created.tzinfo is None:
        raise ValueError("created must be time-zone aware")
    if "@context" not in document:
        raise CredentialFormatError("@context is required", code="missing-field")
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    data = hash_data(unsecured, proof, contexts or default_context_loader())
    proof["proofValue"] = encode_multibase_base58btc(private_key.sign(data))
    signed = copy.deepcopy(dict(document))
    existing = as_list(signed.get("proof"))
    signed["proof"] = [*existing, proof] if existing else proof
    return signed
