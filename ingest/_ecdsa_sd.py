"""``ecdsa-sd-2023`` (W3C vc-di-ecdsa): selective-disclosure Data Integrity proofs, P-256.

The issuer signs a **base proof** for the holder; the holder derives a **disclosure
(derived) proof** for each verifier, revealing the mandatory claims and those it chooses.
Only derived proofs are meant for verifiers: a base proof carries the HMAC key that hides
the blank node labels, and the W3C verification algorithm (``parseDerivedProofValue``)
rejects it, so `derived_proof_problem` does too, with that reason.

Both proof values are multibase base64url (``u``) of a 3-byte header and a CBOR array:

    base:    0xd9 0x5d 0x00 + [baseSignature, publicKey, hmacKey, signatures, mandatoryPointers]
    derived: 0xd9 0x5d 0x01 + [baseSignature, publicKey, signatures, labelMap, mandatoryIndexes]

where ``publicKey`` is the proof-scoped (ephemeral) P-256 key as Multikey bytes
(0x80 0x24 + 33-byte compressed point), ``labelMap`` maps ``N`` (canonical ``_:c14nN``) to
the 32-byte HMAC-SHA-256 digest the issuer gave that blank node, and ``mandatoryIndexes``
are positions in the disclosed statements. Verification of a derived proof:

    S               = sorted(canonical N-Quads of the revealed document, each _:c14nN
                      relabelled _:u<base64url(labelMap[N])>)
    mandatory       = [S[i] for i in mandatoryIndexes];  nonMandatory = the others, in order
    proofHash       = sha256(RDFC-1.0(proof options with the document @context))
    baseSignature   = ES256 by the issuer key over proofHash || publicKey || sha256(join(mandatory))
    signatures[i]   = ES256 by publicKey over UTF-8(nonMandatory[i]), for every i

Signing and deriving (`sign_ecdsa_sd_2023_base`, `derive_ecdsa_sd_2023`) follow the same
spec section (skolemize, select by JSON Pointer, canonicalize and group); they are for tests
and demos.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import cbor2
from cryptography.hazmat.primitives.asymmetric import ec

from ingest._credential import as_list
from ingest._ecdsa import (
    P256_PUB_CODEC,
    PublicKey,
    b64url_decode,
    b64url_encode,
    key_problem,
    p256_from_compressed,
    p256_multikey_bytes,
    sign_raw,
    verify_raw,
)
from ingest._errors import CredentialFormatError, KeyResolutionError
from ingest._jsonld import (
    ContextLoader,
    canonicalize,
    canonicalize_nquads,
    compact,
    default_context_loader,
    expand,
    relabel_blank_nodes,
    to_nquads,
)

CRYPTOSUITE: Final = "ecdsa-sd-2023"
BASE_HEADER: Final = b"\xd9\x5d\x00"
DERIVED_HEADER: Final = b"\xd9\x5d\x01"
_SIGNATURE_BYTES: Final = 64
_PUBLIC_KEY_BYTES: Final = len(P256_PUB_CODEC) + 33
_HMAC_BYTES: Final = 32
_DERIVED_COMPONENTS: Final = 5
_C14N: Final = "c14n"
_SKOLEM_PREFIX: Final = "urn:bnid:"
_SKOLEM_IRI: Final = re.compile(r"<urn:bnid:([^>]+)>")


class SelectiveDisclosureError(ValueError):
    """An ecdsa-sd-2023 proof value or JSON Pointer that cannot be used (the reason)."""


@dataclass(frozen=True, slots=True)
class DerivedProofValue:
    """The parts of a derived (disclosure) proof value."""

    base_signature: bytes
    public_key: bytes
    signatures: tuple[bytes, ...]
    label_map: Mapping[str, str]
    """Canonical label (``c14nN``) -> HMAC label (``u...``), both without ``_:``."""
    mandatory_indexes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class BaseProofValue:
    """The parts of a base proof value (for the holder only)."""

    base_signature: bytes
    public_key: bytes
    hmac_key: bytes
    signatures: tuple[bytes, ...]
    mandatory_pointers: tuple[str, ...]


def _decode(proof_value: Any, header: bytes) -> Any:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise SelectiveDisclosureError(
            "an ecdsa-sd-2023 proofValue is multibase base64url (a 'u' prefix)"
        )
    try:
        raw = b64url_decode(proof_value[1:])
    except ValueError:
        raise SelectiveDisclosureError("the proofValue is not base64url") from None
    if raw[:3] == BASE_HEADER and header == DERIVED_HEADER:
        raise SelectiveDisclosureError(
            "this is an ecdsa-sd-2023 base proof (header 0xd9 0x5d 0x00), which the issuer "
            "gives the holder only: it reveals the HMAC key; a verifier needs a derived "
            "disclosure proof (header 0xd9 0x5d 0x01)"
        )
    if raw[:3] != header:
        raise SelectiveDisclosureError(
            f"the proofValue header is {raw[:3].hex(' ')!r}, not {header.hex(' ')!r}"
        )
    try:
        return cbor2.loads(raw[3:])
    except (cbor2.CBORDecodeError, ValueError, RecursionError):
        raise SelectiveDisclosureError("the proofValue is not valid CBOR") from None


def _is_bytes(value: Any, size: int) -> bool:
    return isinstance(value, bytes) and len(value) == size


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """Parse a derived proof value (``parseDerivedProofValue``), checking every part's shape.

    Raises:
        SelectiveDisclosureError: Not a derived proof value; a base proof says so.
    """
    parts = _decode(proof_value, DERIVED_HEADER)
    if not isinstance(parts, list) or len(parts) != _DERIVED_COMPONENTS:
        raise SelectiveDisclosureError("a derived proof value is a CBOR array of 5 items")
    base_signature, public_key, signatures, labels, indexes = parts
    if not _is_bytes(base_signature, _SIGNATURE_BYTES):
        raise SelectiveDisclosureError("baseSignature is not 64 bytes")
    if not _is_bytes(public_key, _PUBLIC_KEY_BYTES) or not public_key.startswith(P256_PUB_CODEC):
        raise SelectiveDisclosureError("publicKey is not a P-256 Multikey (35 bytes)")
    if not isinstance(signatures, list) or not all(
        _is_bytes(signature, _SIGNATURE_BYTES) for signature in signatures
    ):
        raise SelectiveDisclosureError("signatures is not an array of 64-byte signatures")
    if not isinstance(labels, dict) or not all(
        isinstance(key, int) and not isinstance(key, bool) and key >= 0 and _is_bytes(value, 32)
        for key, value in labels.items()
    ):
        raise SelectiveDisclosureError("the label map does not map integers to 32-byte digests")
    if not isinstance(indexes, list) or not all(
        isinstance(index, int) and not isinstance(index, bool) and index >= 0 for index in indexes
    ):
        raise SelectiveDisclosureError("mandatoryIndexes is not an array of integers")
    return DerivedProofValue(
        base_signature=base_signature,
        public_key=public_key,
        signatures=tuple(signatures),
        label_map={f"{_C14N}{key}": "u" + b64url_encode(value) for key, value in labels.items()},
        mandatory_indexes=tuple(indexes),
    )


def parse_base_proof_value(proof_value: Any) -> BaseProofValue:
    """Parse a base proof value (``parseBaseProofValue``), as the holder does.

    Raises:
        SelectiveDisclosureError: Not a well-formed base proof value.
    """
    parts = _decode(proof_value, BASE_HEADER)
    if not isinstance(parts, list) or len(parts) != _DERIVED_COMPONENTS:
        raise SelectiveDisclosureError("a base proof value is a CBOR array of 5 items")
    base_signature, public_key, hmac_key, signatures, pointers = parts
    if (
        not _is_bytes(base_signature, _SIGNATURE_BYTES)
        or not _is_bytes(public_key, _PUBLIC_KEY_BYTES)
        or not _is_bytes(hmac_key, _HMAC_BYTES)
        or not isinstance(signatures, list)
        or not all(_is_bytes(signature, _SIGNATURE_BYTES) for signature in signatures)
        or not isinstance(pointers, list)
        or not all(isinstance(pointer, str) for pointer in pointers)
    ):
        raise SelectiveDisclosureError("the base proof value components are malformed")
    return BaseProofValue(base_signature, public_key, hmac_key, tuple(signatures), tuple(pointers))


def _serialize(header: bytes, components: list[Any]) -> str:
    return "u" + b64url_encode(header + cbor2.dumps(components))


def _proof_hash(
    document: Mapping[str, Any], proof: Mapping[str, Any], loader: ContextLoader
) -> bytes:
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    config["@context"] = document.get("@context")
    return hashlib.sha256(canonicalize(config, loader).encode()).digest()


def derived_proof_problem(  # noqa: PLR0911 - one return per way a proof can fail
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: PublicKey,
    loader: ContextLoader,
) -> str | None:
    """Verify an ecdsa-sd-2023 derived proof ("Verify Derived Proof"); the failure, if any.

    Args:
        document: The revealed credential without its ``proof``.
        proof: The derived proof.
        public_key: The issuer's key (the proof's ``verificationMethod``).
        loader: Context resolution.

    Returns:
        ``None`` when every signature verifies, else why not.

    Raises:
        CredentialFormatError: The document or proof options cannot be canonicalized.
        UnknownContextError: A context is not bundled.
    """
    try:
        value = parse_derived_proof_value(proof.get("proofValue"))
        proof_key = p256_from_compressed(value.public_key[len(P256_PUB_CODEC) :])
    except (SelectiveDisclosureError, KeyResolutionError) as error:
        return str(error)
    wrong_key = key_problem("ES256", public_key)
    if wrong_key:
        return f"ecdsa-sd-2023 needs a P-256 issuer key ({wrong_key})"
    statements = _disclosed_statements(document, value, loader)
    if isinstance(statements, str):
        return statements
    mandatory, optional = statements
    signed = (
        _proof_hash(document, proof, loader)
        + value.public_key
        + hashlib.sha256("".join(mandatory).encode()).digest()
    )
    if not verify_raw("ES256", signed, value.base_signature, public_key):
        return (
            "the base signature does not match the proof options and the mandatory "
            "statements (a claim was altered, added or left out, or another key signed)"
        )
    if len(value.signatures) != len(optional):
        return (
            f"{len(value.signatures)} statement signatures for {len(optional)} disclosed "
            "non-mandatory statements (a disclosed claim was added or left out)"
        )
    for position, (signature, statement) in enumerate(zip(value.signatures, optional, strict=True)):
        if not verify_raw("ES256", statement.encode(), signature, proof_key):
            return (
                f"statement signature {position + 1} of {len(optional)} does not match its "
                "disclosed statement (the claim was altered, or the signatures reordered)"
            )
    return None


def _disclosed_statements(
    document: Mapping[str, Any], value: DerivedProofValue, loader: ContextLoader
) -> tuple[list[str], list[str]] | str:
    """(mandatory, non-mandatory) relabelled canonical statements, or why there are none."""
    canonical = canonicalize(document, loader).splitlines(keepends=True)
    try:
        statements = sorted(relabel_blank_nodes(canonical, value.label_map))
    except KeyError as missing:
        return f"the proof's label map has no entry for blank node _:{missing.args[0]}"
    beyond = [index for index in value.mandatory_indexes if index >= len(statements)]
    if beyond:
        return (
            f"mandatory statement index {beyond[0]} is beyond the {len(statements)} disclosed "
            "statements (a disclosed claim was left out)"
        )
    mandatory_set = set(value.mandatory_indexes)
    mandatory = [statements[index] for index in sorted(mandatory_set)]
    optional = [line for index, line in enumerate(statements) if index not in mandatory_set]
    return mandatory, optional


# -- the issuer and holder side (tests and demos) ------------------------------------------


def _pointer_paths(pointer: str) -> list[str | int]:
    """``jsonPointerToPaths`` (RFC 6901)."""
    if not pointer.startswith("/"):
        raise SelectiveDisclosureError(f"JSON Pointer {pointer!r} must start with '/'")
    paths: list[str | int] = []
    for part in pointer.split("/")[1:]:
        if "~" in part:
            paths.append(part.replace("~1", "/").replace("~0", "~"))
        else:
            paths.append(int(part) if part.isascii() and part.isdigit() else part)
    return paths


class _Sparse(dict[int, Any]):
    """A selected array before it is made dense (JavaScript's sparse arrays)."""


_MISSING: Final = object()


def _child(container: Any, path: str | int) -> Any:
    if isinstance(container, dict):
        return container.get(str(path), _MISSING)
    if isinstance(container, list) and isinstance(path, int) and path < len(container):
        return container[path]
    return _MISSING


def _put(container: Any, path: str | int, value: Any) -> None:
    if isinstance(container, _Sparse) or (isinstance(container, list) and isinstance(path, int)):
        container[int(path)] = value
    else:
        container[str(path)] = value


def _initial_selection(source: Mapping[str, Any]) -> dict[str, Any]:
    selection: dict[str, Any] = {}
    node_id = source.get("id")
    if node_id is not None and not (isinstance(node_id, str) and node_id.startswith("_:")):
        selection["id"] = node_id
    if "type" in source:
        selection["type"] = copy.deepcopy(source["type"])
    return selection


def _select_paths(paths: list[str | int], document: Any, selection: dict[str, Any]) -> None:
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    for path in paths:
        selected_parent = selected_value
        value = _child(value, path)
        if value is _MISSING:
            raise SelectiveDisclosureError("a JSON Pointer does not match the document")
        selected_value = _child(selected_parent, path)
        if selected_value is _MISSING:
            if isinstance(value, list):
                selected_value = _Sparse()
            else:
                selected_value = _initial_selection(value) if isinstance(value, dict) else None
            _put(selected_parent, path, selected_value)
    if isinstance(value, list):
        selected_value = copy.deepcopy(value)
    elif isinstance(value, dict):
        base = dict(selected_value) if isinstance(selected_value, dict) else {}
        selected_value = {**base, **copy.deepcopy(value)}
    else:
        selected_value = value
    if paths:
        _put(selected_parent, paths[-1], selected_value)


def _dense(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_dense(value[index]) for index in sorted(value)]
    if isinstance(value, dict):
        return {key: _dense(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dense(item) for item in value]
    return value


def select_json_ld(pointers: Sequence[str], document: Mapping[str, Any]) -> dict[str, Any] | None:
    """``selectJsonLd``: the part of a compact document that JSON Pointers name.

    Raises:
        SelectiveDisclosureError: A pointer is malformed or does not match ``document``.
    """
    if not pointers:
        return None
    selection = _initial_selection(document)
    selection["@context"] = copy.deepcopy(document.get("@context"))
    for pointer in pointers:
        _select_paths(_pointer_paths(pointer), document, selection)
    dense: dict[str, Any] = _dense(selection)
    return dense


def _skolemize(expanded: list[Any], prefix: str, counter: list[int]) -> list[Any]:
    """``skolemizeExpandedJsonLd``: every node object gets a ``urn:bnid:`` id."""
    result: list[Any] = []
    for element in expanded:
        if not isinstance(element, dict) or "@value" in element:
            result.append(copy.deepcopy(element))
            continue
        node: dict[str, Any] = {}
        for key, value in element.items():
            if isinstance(value, list):
                node[key] = _skolemize(value, prefix, counter)
            else:
                node[key] = _skolemize([value], prefix, counter)[0]
        if "@list" in node or "@set" in node:
            result.append(node)  # list objects cannot have an @id
            continue
        node_id = node.get("@id")
        if node_id is None:
            node["@id"] = f"{prefix}{counter[0]}"
            counter[0] += 1
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            node["@id"] = _SKOLEM_PREFIX + node_id[2:]
        result.append(node)
    return result


def _deskolemize(nquads: list[str]) -> list[str]:
    """``deskolemizeNQuads``: ``<urn:bnid:x>`` back to the blank node ``_:x``."""
    return [_SKOLEM_IRI.sub(r"_:\1", line) for line in nquads]


@dataclass(frozen=True, slots=True)
class _Group:
    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized: list[str]


def _canonicalize_and_group(
    document: Mapping[str, Any],
    hmac_key: bytes,
    groups: Mapping[str, Sequence[str]],
    loader: ContextLoader,
) -> tuple[dict[str, _Group], dict[str, str]]:
    """``canonicalizeAndGroup`` with the HMAC label map: (groups, input label -> HMAC label)."""
    prefix = f"{_SKOLEM_PREFIX}_{uuid.uuid4().hex}_"
    skolemized = _skolemize(expand(document, loader), prefix, [0])
    skolemized_compact = compact(skolemized, document.get("@context"), loader)
    canonical, canonical_ids = canonicalize_nquads(_deskolemize(to_nquads(skolemized, loader)))
    labels = {
        label: "u" + b64url_encode(hmac.digest(hmac_key, c14n.encode(), "sha256"))
        for label, c14n in canonical_ids.items()
    }
    by_c14n = {c14n: labels[label] for label, c14n in canonical_ids.items()}
    statements = sorted(relabel_blank_nodes(canonical, by_c14n))
    result: dict[str, _Group] = {}
    for name, pointers in groups.items():
        selection = select_json_ld(pointers, skolemized_compact)
        deskolemized = _deskolemize(to_nquads(selection, loader)) if selection else []
        selected = set(relabel_blank_nodes(deskolemized, labels))
        result[name] = _Group(
            matching={i: line for i, line in enumerate(statements) if line in selected},
            non_matching={i: line for i, line in enumerate(statements) if line not in selected},
            deskolemized=deskolemized,
        )
    return result, labels


def sign_ecdsa_sd_2023_base(
    document: Mapping[str, Any],
    private_key: ec.EllipticCurvePrivateKey,
    *,
    verification_method: str,
    created: datetime,
    mandatory_pointers: Sequence[str] = (),
    proof_purpose: str = "assertionMethod",
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Add an ``ecdsa-sd-2023`` **base** proof (for the holder, who derives from it).

    Args:
        document: The unsigned credential; not modified.
        private_key: The issuer's P-256 key.
        verification_method: URL of its public key, e.g. ``did:key:zDn...#zDn...``.
        created: Signing time; must be time-zone aware (written in UTC, to the second).
        mandatory_pointers: JSON Pointers to the claims every derived proof must disclose.
        proof_purpose: The proof purpose.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        A copy of ``document`` with the base proof as its ``proof``.

    Raises:
        ValueError: ``created`` is naive, the key is not P-256, or a pointer does not match.
        CredentialFormatError: The document cannot be canonicalized safely.
        UnknownContextError: A context is not bundled.
    """
    if created.tzinfo is None:
        raise ValueError("created must be time-zone aware")
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ValueError("ecdsa-sd-2023 needs a P-256 private key")
    if "@context" not in document:
        raise CredentialFormatError("@context is required", code="missing-field")
    loader = contexts or default_context_loader()
    unsecured = {key: copy.deepcopy(value) for key, value in document.items() if key != "proof"}
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    hmac_key = secrets.token_bytes(_HMAC_BYTES)
    groups, _ = _canonicalize_and_group(
        unsecured, hmac_key, {"mandatory": list(mandatory_pointers)}, loader
    )
    mandatory = groups["mandatory"]
    proof_key = ec.generate_private_key(ec.SECP256R1())
    public_key = p256_multikey_bytes(proof_key.public_key())
    signatures = [sign_raw(line.encode(), proof_key) for line in mandatory.non_matching.values()]
    signed_data = (
        _proof_hash(unsecured, proof, loader)
        + public_key
        + hashlib.sha256("".join(mandatory.matching.values()).encode()).digest()
    )
    proof["proofValue"] = _serialize(
        BASE_HEADER,
        [
            sign_raw(signed_data, private_key),
            public_key,
            hmac_key,
            signatures,
            list(mandatory_pointers),
        ],
    )
    return {**unsecured, "proof": proof}


def _base_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    for proof in as_list(document.get("proof")):
        if isinstance(proof, dict) and proof.get("cryptosuite") == CRYPTOSUITE:
            return proof
    raise SelectiveDisclosureError("the document has no ecdsa-sd-2023 proof")


def derive_ecdsa_sd_2023(
    document: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    contexts: ContextLoader | None = None,
) -> dict[str, Any]:
    """Derive a disclosure proof from a base proof, as a holder does ("Add Derived Proof").

    Args:
        document: A credential with an ``ecdsa-sd-2023`` base proof; not modified.
        selective_pointers: JSON Pointers to the claims to disclose besides the mandatory ones.
        contexts: Context resolution (default: the bundled contexts).

    Returns:
        The revealed document (mandatory and selected claims) with the derived proof.

    Raises:
        SelectiveDisclosureError: No base proof, a malformed one, or a pointer that does
            not match the document.
        CredentialFormatError: The document cannot be canonicalized safely.
        UnknownContextError: A context is not bundled.
    """
    loader = contexts or default_context_loader()
    proof = _base_proof(document)
    base = parse_base_proof_value(proof.get("proofValue"))
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    mandatory_pointers = list(base.mandatory_pointers)
    combined_pointers = [*mandatory_pointers, *selective_pointers]
    groups, labels = _canonicalize_and_group(
        unsecured,
        base.hmac_key,
        {
            "mandatory": mandatory_pointers,
            "selective": list(selective_pointers),
            "combined": combined_pointers,
        },
        loader,
    )
    mandatory, selective, combined = groups["mandatory"], groups["selective"], groups["combined"]
    mandatory_indexes = [
        relative
        for relative, absolute in enumerate(combined.matching)
        if absolute in mandatory.matching
    ]
    filtered: list[bytes] = []
    index = 0
    for signature in base.signatures:
        while index in mandatory.matching:
            index += 1
        if index in selective.matching:
            filtered.append(signature)
        index += 1
    reveal = select_json_ld(combined_pointers, unsecured) or {"@context": unsecured["@context"]}
    _, verifier_ids = canonicalize_nquads(combined.deskolemized)
    compressed = {
        int(c14n.removeprefix(_C14N)): b64url_decode(labels[label][1:])
        for label, c14n in verifier_ids.items()
    }
    derived = {
        **proof,
        "proofValue": _serialize(
            DERIVED_HEADER,
            [base.base_signature, base.public_key, filtered, compressed, mandatory_indexes],
        ),
    }
    return {**reveal, "proof": derived}
