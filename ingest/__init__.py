"""Credential ingest: parse and verify Open Badges 3.0 / W3C Verifiable Credentials.

Parse bytes into a `Credential` with `parse_credential`, then check the decoded document
with `Verifier.verify`, which returns a `VerificationReport` of named checks
(``context``, ``proof``, ``key``, ``validFrom``, ``validUntil``, ``status``) rather than
raising. Proofs are W3C Data Integrity ``eddsa-rdfc-2022`` (RDFC-1.0 canonicalization
through pyld), ``eddsa-jcs-2022`` (RFC 8785 JCS) and the legacy ``Ed25519Signature2020``
(RDFC-1.0); `Credential.proof_types` names them ``DataIntegrityProof/eddsa-rdfc-2022``,
``DataIntegrityProof/eddsa-jcs-2022`` and ``Ed25519Signature2020``. Signing functions
(``sign_eddsa_rdfc_2022``, ``sign_eddsa_jcs_2022``, ``sign_ed25519_signature_2020``) are
for tests and demos. JSON-LD contexts are bundled in ``ingest/contexts`` and never fetched,
whatever the suite (JCS does no JSON-LD processing, but its contexts must still be bundled).
Keys come from ``did:key`` or from pinned documents (`PinnedDocuments`); there is no
network access.

Exceptions::

    IngestError                      code "ingest-error"
    ├── CredentialFormatError        code: malformed-json | not-an-object | too-large |
    │   │                            missing-field | invalid-field | unsupported-credential |
    │   │                            invalid-jsonld | undefined-term
    │   └── UnknownContextError      code "unknown-context"; .url is the context URL
    └── KeyResolutionError           code "unresolvable-key" (resolve_did_key)

Every error carries a stable ``code`` string, used for RFC 9457 problem type URIs.
"""

from ingest._documents import DocumentStore, PinnedDocuments
from ingest._eddsa import (
    sign_ed25519_signature_2020,
    sign_eddsa_jcs_2022,
    sign_eddsa_rdfc_2022,
)
from ingest._errors import (
    CredentialFormatError,
    FormatErrorCode,
    IngestError,
    KeyResolutionError,
    UnknownContextError,
)
from ingest._jsonld import BUNDLED_CONTEXTS, ContextLoader, canonicalize, canonicalize_jcs
from ingest._keys import did_key_from_public_key, resolve_did_key
from ingest._model import (
    Achievement,
    Alignment,
    Credential,
    IssuerProfile,
    parse_credential,
)
from ingest._verify import (
    CHECK_NAMES,
    Check,
    Outcome,
    VerificationReport,
    Verifier,
    utcnow,
)

__all__ = [
    "BUNDLED_CONTEXTS",
    "CHECK_NAMES",
    "Achievement",
    "Alignment",
    "Check",
    "ContextLoader",
    "Credential",
    "CredentialFormatError",
    "DocumentStore",
    "FormatErrorCode",
    "IngestError",
    "IssuerProfile",
    "KeyResolutionError",
    "Outcome",
    "PinnedDocuments",
    "UnknownContextError",
    "VerificationReport",
    "Verifier",
    "canonicalize",
    "canonicalize_jcs",
    "did_key_from_public_key",
    "parse_credential",
    "resolve_did_key",
    "sign_ed25519_signature_2020",
    "sign_eddsa_jcs_2022",
    "sign_eddsa_rdfc_2022",
    "utcnow",
]
