"""Credential ingest: parse and verify Open Badges 3.0 / W3C Verifiable Credentials.

Parse bytes into a `Credential` with `parse_credential`, then check the decoded document
with `Verifier.verify`, which returns a `VerificationReport` of named checks
(``context``, ``proof``, ``key``, ``validFrom``, ``validUntil``, ``status``, ``schema``) rather
than raising. Proofs are W3C Data Integrity ``eddsa-rdfc-2022`` (RDFC-1.0 canonicalization
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

Schema (`ingest._schemas`): every ``credentialSchema`` entry of type ``JsonSchema`` (VC Data
Model 2.0 / VC JSON Schema) or ``1EdTechJsonSchemaValidator2019`` is validated with
`jsonschema` in the schema's own dialect (Draft 2019-09, 2020-12); a VC 2.0 Open Badges 3.0
(``OpenBadgeCredential`` / ``AchievementCredential``) or CLR 2.0 (``ClrCredential``)
credential is also validated against the 1EdTech schema of its type when it does not declare
it (``Verifier(official_schemas=False)`` turns that off). Schemas are bundled in
``ingest/schemas`` (`BUNDLED_SCHEMAS`, origins in ``SOURCES.md``) or looked up in the
`DocumentStore`; one that is neither (or fetched and unavailable, or whose ``$ref`` leaves the
document) is never retrieved otherwise. A violation -> ``failed`` (detail: schema URL, JSON
pointer, message), and the credential is not verified; a schema that cannot be had or used
-> ``unknown``; none applicable -> ``passed`` ("no schema declared"). Open Badges 2.0
reports carry no ``schema`` check.

Open Badges 2.0 (`ingest._ob2`, `ingest._ob2_verify`, `ingest._baked`): assertions as JSON,
compact JWS (RS256/384/512) or baked into PNG (``iTXt`` ``openbadges``) / SVG
(``openbadges:assertion``; DTDs refused; 5 MB image, 1 MB chunk caps) parse to ``format``
``"ob2"``; linked BadgeClass / issuer URLs are resolved with ``parse_credential(...,
documents=store)`` or later with `resolve_ob2`. `Verifier.verify` checks hosted (fetched copy
and issuer origin) and signed (``verification.creator`` key owned by the issuer) badges, the
issuer ``revocationList`` and ``expires``; ``recipient_email=`` (or `check_recipient`) adds a
``recipient`` check against plain or ``sha256$`` / ``md5$`` salted identities (Open Badges
3.0: ``credentialSubject.identifier`` email entries, `check_subject_identifier`).

CLR 2.0 (``ClrCredential``) parses to ``format`` ``"clr-jsonld"``: the bundle is verified as
any Data Integrity credential, and `Credential.nested` holds each nested credential
serialised on its own, to be parsed and verified on its own (the service does both).

Issuer trust (`IssuerTrustPolicy`): trusted issuers by exact id or by domain (``https``
issuer URLs and ``did:web``), with a weight each; whether other issuers are accepted and at
what weight.

Exceptions::

    IngestError                      code "ingest-error"
    ├── CredentialFormatError        code: malformed-json | not-an-object | too-large |
    │   │                            missing-field | invalid-field | unsupported-credential |
    │   │                            invalid-jsonld | undefined-term | invalid-image |
    │   │                            no-baked-assertion
    │   └── UnknownContextError      code "unknown-context"; .url is the context URL
    ├── KeyResolutionError           code "unresolvable-key" (resolve_did_key)
    ├── FetchError                   code: fetch-refused | fetch-failed; .url (HttpFetcher)
    └── StatusListError              code "invalid-status-list" (decode_status_list)

VC-JWT (`ingest._jose`): a compact JWS ``header.payload.signature`` (VC 2.0 payload, or a
VC 1.1 JWT ``vc`` claim with ``iss``/``sub``/``nbf``/``exp``/``jti`` mapped) parses to
``format`` ``"vc-jwt"``, ``proof_types`` ``("JWS/EdDSA",)`` (or ES256, RS256; ``none`` and
other algs are refused) and a `JwsDocument` - a dict that keeps ``.compact`` so that
``Verifier.verify`` checks the JWS signature by the header ``kid`` (``did:key`` Ed25519 or
P-256, ``did:jwk``, or pinned/fetched documents). ``ecdsa-rdfc-2019`` Data Integrity proofs
(P-256 ``did:key:zDn...`` / Multikey / JWK) are verified too (``sign_ecdsa_rdfc_2019``).

Every error carries a stable ``code`` string, used for RFC 9457 problem type URIs.
"""

from ingest._baked import bake_png, bake_svg, extract_baked
from ingest._documents import DocumentStore, PinnedDocuments
from ingest._ecdsa import did_jwk_from_public_key
from ingest._eddsa import (
    sign_ecdsa_rdfc_2019,
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
from ingest._jose import JwsDocument
from ingest._jsonld import BUNDLED_CONTEXTS, ContextLoader, canonicalize, canonicalize_jcs
from ingest._keys import did_key_from_public_key, resolve_did_key
from ingest._model import (
    Achievement,
    Alignment,
    Credential,
    IssuerProfile,
    parse_credential,
)
from ingest._ob2 import SignedAssertion, resolve_ob2, sign_ob2_assertion
from ingest._ob2_verify import check_recipient, check_subject_identifier
from ingest._schemas import BUNDLED_SCHEMAS
from ingest._status import decode_status_list, encode_status_list, status_value
from ingest._trust import IssuerTrustPolicy, TrustAssessment, TrustedIssuer, issuer_host
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
    "BUNDLED_SCHEMAS",
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
    "IssuerTrustPolicy",
    "JwsDocument",
    "KeyResolutionError",
    "Outcome",
    "PinnedDocuments",
    "SignedAssertion",
    "StatusListError",
    "TrustAssessment",
    "TrustedIssuer",
    "UnknownContextError",
    "VerificationReport",
    "Verifier",
    "bake_png",
    "bake_svg",
    "canonicalize",
    "canonicalize_jcs",
    "check_recipient",
    "check_subject_identifier",
    "decode_status_list",
    "did_jwk_from_public_key",
    "did_key_from_public_key",
    "did_web_url",
    "encode_status_list",
    "extract_baked",
    "issuer_host",
    "parse_credential",
    "resolve_did_key",
    "resolve_ob2",
    "sign_ecdsa_rdfc_2019",
    "sign_ed25519_signature_2020",
    "sign_eddsa_jcs_2022",
    "sign_eddsa_rdfc_2022",
    "sign_ob2_assertion",
    "status_value",
    "utcnow",
]
