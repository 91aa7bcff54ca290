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
Keys come from ``did:key`` or from a `DocumentStore`: pinned documents (`PinnedDocuments`),
or `ChainedDocuments` (pinned first, then an `HttpFetcher`). `HttpFetcher` is the one
hardened way out to the network (https only, no private/loopback/link-local/metadata
targets, timeouts, size cap, checked redirects, TTL cache); it resolves ``did:web`` DIDs
(`did_web_url`) and HTTPS key, issuer and status-list URLs. Without a fetcher there is no
network access.

Status: ``BitstringStatusListEntry``, ``StatusList2021Entry`` and ``1EdTechRevocationList``
entries are checked against their list (whose own proof is verified when it has one): set
revocation/suspension bit or listed id -> ``failed``; clear -> ``passed``; list missing,
unreachable, malformed or not verifying, or an unsupported status type -> ``unknown``.

Exceptions::

    IngestError                      code "ingest-error"
    ├── CredentialFormatError        code: malformed-json | not-an-object | too-large |
    │   │                            missing-field | invalid-field | unsupported-credential |
    │   │                            invalid-jsonld | undefined-term
    │   └── UnknownContextError      code "unknown-context"; .url is the context URL
    ├── KeyResolutionError           code "unresolvable-key" (resolve_did_key)
    ├── FetchError                   code: fetch-refused | fetch-failed; .url (HttpFetcher)
    └── StatusListError              code "invalid-status-list" (decode_status_list)

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
    FetchError,
    FetchErrorCode,
    FormatErrorCode,
    IngestError,
    KeyResolutionError,
    StatusListError,
    UnknownContextError,
)
from ingest._fetch import ChainedDocuments, HttpFetcher, did_web_url
from ingest._jsonld import BUNDLED_CONTEXTS, ContextLoader, canonicalize, canonicalize_jcs
from ingest._keys import did_key_from_public_key, resolve_did_key
from ingest._model import (
    Achievement,
    Alignment,
    Credential,
    IssuerProfile,
    parse_credential,
)
from ingest._status import decode_status_list, encode_status_list, status_value
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
    "ChainedDocuments",
    "Check",
    "ContextLoader",
    "Credential",
    "CredentialFormatError",
    "DocumentStore",
    "FetchError",
    "FetchErrorCode",
    "FormatErrorCode",
    "HttpFetcher",
    "IngestError",
    "IssuerProfile",
    "KeyResolutionError",
    "Outcome",
    "PinnedDocuments",
    "StatusListError",
    "UnknownContextError",
    "VerificationReport",
    "Verifier",
    "canonicalize",
    "canonicalize_jcs",
    "decode_status_list",
    "did_key_from_public_key",
    "did_web_url",
    "encode_status_list",
    "parse_credential",
    "resolve_did_key",
    "sign_ed25519_signature_2020",
    "sign_eddsa_jcs_2022",
    "sign_eddsa_rdfc_2022",
    "status_value",
    "utcnow",
]
