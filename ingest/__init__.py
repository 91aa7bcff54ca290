"""Credential ingest: parse and verify Open Badges 3.0 / W3C Verifiable Credentials.

Parse bytes into a `Credential` with `parse_credential`, then check the decoded document with
`Verifier.verify`, which returns a `VerificationReport` of named checks (``context``,
``dataModel``, ``proof``, ``key``, ``validFrom``, ``validUntil``, ``status``, ``schema``)
rather than raising. ``dataModel`` (`ingest._datamodel`) holds every JSON-LD credential and
VC-JWT payload to the VC Data Model's normative rules whatever secures it (VCDM 2.0, or 1.1 for
a VC 1.1 ``@context``): ``id`` a single URL, ``type`` with ``VerifiableCredential``, issuer a
URL or an object with a URL ``id``, non-empty subjects, ``name`` / ``description`` strings or
language value objects, ``dateTimeStamp`` dates with ``validFrom`` not after ``validUntil``,
typed status / schema / evidence / terms of use / refresh / proof objects, well-formed
``relatedResource`` entries, and a safe JSON-LD expansion (no protected-term redefinition,
undefined term or malformed IRI) even under ``eddsa-jcs-2022``; a failure names the rule
(``VCDM 2.0 §4.4 Identifiers: id MUST be a single URL, got null``). Proofs are W3C Data
Integrity ``eddsa-rdfc-2022`` (RDFC-1.0 canonicalization through pyld), ``eddsa-jcs-2022`` (RFC
8785 JCS) and the legacy ``Ed25519Signature2020`` (RDFC-1.0); `Credential.proof_types` names
them ``DataIntegrityProof/eddsa-rdfc-2022``, ``DataIntegrityProof/eddsa-jcs-2022`` and
``Ed25519Signature2020``. Signing functions (``sign_eddsa_rdfc_2022``, ``sign_eddsa_jcs_2022``,
``sign_ed25519_signature_2020``) are for tests and demos. JSON-LD contexts are bundled in
``ingest/contexts`` and never fetched, whatever the suite (JCS signs plain JSON, but the
``dataModel`` check expands it offline). Keys come from ``did:key`` or from a `DocumentStore`:
pinned documents (`PinnedDocuments`), or `ChainedDocuments` (pinned first, then an
`HttpFetcher`). `HttpFetcher` is the one hardened way out to the network (https only, no
private/loopback/link-local/metadata targets, timeouts, size cap, checked redirects, TTL
cache); it resolves ``did:web`` DIDs (`did_web_url`) and HTTPS key, issuer and status-list
URLs. Without a fetcher there is no network access.

Status: ``BitstringStatusListEntry``, ``StatusList2021Entry`` and ``1EdTechRevocationList``
entries are checked against their list. A Bitstring / StatusList2021 list must be signed and
verify (proof, key, its own validity window), carry the ``BitstringStatusListCredential`` /
``StatusList2021Credential`` type and a ``BitstringStatusList`` / ``StatusList2021`` subject
whose ``statusPurpose`` includes the entry's, be issued by the credential's issuer, have the
entry's URL as its ``id`` when it has one, and hold at least 131,072 entries; the entry's
``statusListIndex`` is a base-10 string inside the list, its ``statusSize`` a positive
integer, and ``statusMessage`` (required above one bit) has one message per value. A 1EdTech
revocation list must name the credential's issuer. Set revocation/suspension value or listed
id -> ``failed``; clear -> ``passed`` (a ``message`` value is reported with its message);
every spec error (STATUS_RETRIEVAL_ERROR, STATUS_VERIFICATION_ERROR, STATUS_LIST_LENGTH_ERROR,
malformed values, index out of range) or an unsupported status type -> ``unknown``, never
``passed``.

Baked images (`ingest._baked`, `extract_baked` -> `BakedCredential`): ``parse_credential``
takes a PNG or SVG and parses what it holds. Open Badges 3.0: the ``iTXt`` chunk with keyword
``openbadgecredential``, or the ``<openbadges:credential>`` element (namespace
``https://purl.imsglobal.org/ob/v3p0``; JSON in its CDATA text, VC-JWT in ``verify``), holds
an OpenBadgeCredential as JSON or VC-JWT, parsed and verified like one sent on its own
(``content_hash`` is the image's). Open Badges 2.0: ``iTXt`` ``openbadges`` or
``<openbadges:assertion>`` (see below). One baked credential per image; 5 MB image, 1 MB
chunk caps; SVGs are read with defusedxml: a DOCTYPE is accepted (an external DTD is never
read), entity declarations, external references and undefined entities are refused.
`bake_png` / `bake_svg` bake either version (``version="ob3"`` / ``"ob2"``) for tests.

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

Open Badges 2.0 (`ingest._ob2`, `ingest._ob2_verify`): assertions as JSON, compact JWS
(RS256/384/512) or baked parse to ``format`` ``"ob2"``; linked BadgeClass / issuer URLs are
resolved with ``parse_credential(..., documents=store)`` or later with `resolve_ob2`. An
Assertion ``image`` that is a ``data:`` URI is a format error (only BadgeClass and Profile
images may be data URIs). `Verifier.verify` checks hosted (fetched copy and issuer origin)
and signed (``verification.creator`` key owned by the issuer) badges, the issuer
``revocationList`` and ``expires``; ``recipient_email=`` (or `check_recipient`) adds a
``recipient`` check against plain or ``sha256$`` / ``md5$`` salted identities (Open Badges
3.0: ``credentialSubject.identifier`` email entries, `check_subject_identifier`).

CLR 2.0 (``ClrCredential``) parses to ``format`` ``"clr-jsonld"``: the bundle is verified as
any Data Integrity credential, and `Credential.nested` holds each nested credential
serialised on its own, to be parsed and verified on its own (the service does both).

Issuer trust (`IssuerTrustPolicy`): trusted issuers by exact id or by domain (``https``
issuer URLs and ``did:web``), with a weight each; whether other issuers are accepted and at
what weight; whether a credential whose status could not be checked is accepted
(``unknownStatus``, `UnknownStatusPolicy`).

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

``ecdsa-sd-2023`` (selective disclosure, `ingest._ecdsa_sd`): a verifier receives a
**derived** proof (``proofValue`` ``u`` + CBOR after the header ``0xd9 0x5d 0x01``): the
revealed document is canonicalized (RDFC-1.0), its blank nodes relabelled with the proof's
HMAC label map, and the base signature (issuer key, over the proof options, the ephemeral
key and the mandatory statements) and one ephemeral-key signature per other disclosed
statement must all verify. A **base** proof (header ``0xd9 0x5d 0x00``) is the issuer's
proof for the holder: it reveals the HMAC key, and the W3C verification algorithm does not
accept it, so its ``proof`` check fails saying so. ``sign_ecdsa_sd_2023_base`` and
``derive_ecdsa_sd_2023`` (mandatory / selective JSON Pointers) are for tests and demos.
``eddsa-2022``, the pre-standard name of ``eddsa-rdfc-2022`` that some OB 3.0 issuers
still use, is verified as ``eddsa-rdfc-2022`` is. `Credential.proof_types` names these
``DataIntegrityProof/ecdsa-rdfc-2019``, ``DataIntegrityProof/ecdsa-sd-2023`` and
``DataIntegrityProof/eddsa-2022``.

A ``did:key`` verification method is ``did:key:X#X``; the bare DID ``did:key:X`` (as some
issuers write it) resolves to the same, single key and binds to the issuer ``did:key:X``.

Verifiable Presentations (`ingest._presentation`): `verify_presentation` checks a wallet's
presentation, JSON-LD with one Data Integrity proof (``eddsa-rdfc-2022``, ``eddsa-jcs-2022``,
``ecdsa-rdfc-2019``) whose ``proofPurpose`` is ``authentication``, or a VP-JWT (``vp`` claim
or a VCDM 2.0 payload; ``nonce`` / ``aud``). Checks (`PRESENTATION_CHECK_NAMES`):
``presentation`` (VCDM 2.0 data model: base context first, ``VerifiablePresentation`` type,
``holder`` / ``id`` URLs, credentials as objects or ``EnvelopedVerifiableCredential`` data
URLs), ``proof`` (the holder's signature), ``key`` (the key belongs to the holder),
``holder`` (every embedded credential's subject is the holder, unless allowed otherwise)
and ``domain``; the challenge is returned for the caller, which issued it, to check. The
embedded credentials come back as documents to verify one by one. `sign_presentation`
signs one, for tests and demos.

Every error carries a stable ``code`` string, used for RFC 9457 problem type URIs.
"""

from ingest._baked import BakedCredential, bake_png, bake_svg, extract_baked
from ingest._credential import Achievement, Alignment, Credential, IssuerProfile
from ingest._documents import DocumentStore, PinnedDocuments
from ingest._ecdsa import did_jwk_from_public_key
from ingest._ecdsa_sd import derive_ecdsa_sd_2023, sign_ecdsa_sd_2023_base
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
from ingest._model import parse_credential
from ingest._ob2 import SignedAssertion, resolve_ob2, sign_ob2_assertion
from ingest._ob2_verify import check_recipient, check_subject_identifier
from ingest._presentation import (
    PRESENTATION_CHECK_NAMES,
    Presentation,
    PresentationReport,
    sign_presentation,
    verify_presentation,
)
from ingest._report import CHECK_NAMES, Check, Outcome, VerificationReport
from ingest._schemas import BUNDLED_SCHEMAS
from ingest._status import decode_status_list, encode_status_list, status_value
from ingest._trust import (
    IssuerTrustPolicy,
    TrustAssessment,
    TrustedIssuer,
    UnknownStatusPolicy,
    issuer_host,
)
from ingest._verify import Verifier, utcnow

__all__ = [
    "BUNDLED_CONTEXTS",
    "BUNDLED_SCHEMAS",
    "CHECK_NAMES",
    "PRESENTATION_CHECK_NAMES",
    "Achievement",
    "Alignment",
    "BakedCredential",
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
    "Presentation",
    "PresentationReport",
    "SignedAssertion",
    "StatusListError",
    "TrustAssessment",
    "TrustedIssuer",
    "UnknownContextError",
    "UnknownStatusPolicy",
    "VerificationReport",
    "Verifier",
    "bake_png",
    "bake_svg",
    "canonicalize",
    "canonicalize_jcs",
    "check_recipient",
    "check_subject_identifier",
    "decode_status_list",
    "derive_ecdsa_sd_2023",
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
    "sign_ecdsa_sd_2023_base",
    "sign_ed25519_signature_2020",
    "sign_eddsa_jcs_2022",
    "sign_eddsa_rdfc_2022",
    "sign_ob2_assertion",
    "sign_presentation",
    "status_value",
    "utcnow",
    "verify_presentation",
]
