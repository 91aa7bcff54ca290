"""Wire types: msgspec Structs with camelCase names; request bodies reject unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from service.gap.service import GapQuery, GapReport

Text = Annotated[str, Meta(max_length=20_000)]
ShortText = Annotated[str, Meta(max_length=500)]
Identifier = Annotated[str, Meta(min_length=1, max_length=200)]
Tag = Annotated[str, Meta(min_length=1, max_length=100)]
Tags = Annotated[list[Tag], Meta(max_length=50)]
UnknownStatus = Literal["accept", "reject"]
MAX_ID = 2**63 - 1
"""Largest id a path or query parameter may carry (a signed 64-bit database integer)."""


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """Base of request bodies."""


class Response(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of response bodies."""


class SkillRef(Response):
    """A taxonomy skill; ``id`` is the last segment of its URI (``/v1/skills/{id}``)."""

    uri: str
    label: str
    skill_type: str = ""
    id: str = ""


class CheckOut(Response):
    """One verification check."""

    check: str
    outcome: Literal["passed", "failed", "unknown"]
    detail: str = ""


class IssuerOut(Response):
    """Issuer of a credential."""

    id: str
    name: str = ""


class CredentialOut(Response):
    """A stored credential and how it was verified."""

    id: int
    document_id: str | None
    name: str
    issuer: IssuerOut
    format: str
    proof_types: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    received_at: datetime
    verified: bool
    status: str
    checks: list[CheckOut] = msgspec.field(default_factory=list)
    bundle_id: int | None = None
    tags: list[str] = msgspec.field(default_factory=list)


class NestedOut(Response):
    """What became of one credential nested in a CLR bundle."""

    index: int
    accepted: bool
    created: bool = False
    credential: CredentialOut | None = None
    skills: list[EvidenceOut] = msgspec.field(default_factory=list)
    quarantine_id: int | None = None
    code: str = ""
    detail: str = ""
    checks: list[CheckOut] = msgspec.field(default_factory=list)


class EvidenceOut(Response):
    """A skill proven by a credential."""

    skill: SkillRef
    method: Literal["alignment", "crosswalk", "embedding"]
    confidence: float
    achievement: str
    phrase: str = ""
    model: str = ""


class IngestOut(Response):
    """Result of an accepted (or already stored) credential."""

    candidate_id: str
    created: bool
    credential: CredentialOut
    skills: list[EvidenceOut]
    nested: list[NestedOut] = msgspec.field(default_factory=list)


class CandidateSkillOut(Response):
    """A verified skill of a candidate with the credentials behind it."""

    skill: SkillRef
    evidence: list[EvidenceOut]
    credentials: list[int]


class DeclaredSkillOut(Response):
    """A skill a credential declares through an alignment, in whatever framework.

    ``skill`` is set when the aligned item is a skill of an imported taxonomy; otherwise it
    is a free skill known only by framework, code, URL and name.
    """

    credential_id: int
    achievement_id: str
    framework: str
    target_url: str
    target_code: str
    target_name: str
    skill: SkillRef | None = None


class CandidateOut(Response):
    """``GET /v1/candidates/{id}``."""

    id: str
    skills: list[CandidateSkillOut]
    credentials: list[CredentialOut]
    declared: list[DeclaredSkillOut] = msgspec.field(default_factory=list)
    tags: list[str] = msgspec.field(default_factory=list)


class CandidateTagsIn(Request):
    """``PUT /v1/candidates/{id}/tags``: the candidate's tags, replaced whole."""

    tags: Tags


class CandidateTagsOut(Response):
    """A candidate's tags (trimmed, lower-cased, de-duplicated)."""

    id: str
    tags: list[str]


class ExplicitSkillIn(Request):
    """A required skill given explicitly (by taxonomy URI or by free text)."""

    uri: ShortText | None = None
    text: ShortText | None = None
    must_have: bool = True
    weight: Annotated[float, Meta(gt=0.0, le=10.0)] | None = None


class MatchIn(Request):
    """``POST /v1/match``: a job."""

    title: ShortText = ""
    description: Text = ""
    skills: Annotated[list[ExplicitSkillIn], Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    top_k: Annotated[int, Meta(ge=1, le=100)] = 10
    issued_after: datetime | None = None
    issuers: Annotated[list[ShortText], Meta(max_length=50)] = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    candidate_tags: Tags = msgspec.field(default_factory=list)
    trusted_issuers_only: bool = False
    cursor: Annotated[str, Meta(max_length=500)] | None = None


ExtractionMethod = Literal["exact", "alternative", "embedding"]
"""Evidence kind of a skill read in text: a preferred or alternative label found verbatim,
or the encoder's label similarity (the semantic kind)."""


RequirementSource = Literal["explicit", "text", "title"]


class RequirementOut(Response):
    """A requirement: its main skill, the skills that satisfy it, and where it was found.

    ``source``: an explicit skill, a phrase of the description (``text``), or an essential
    skill of the occupation the job title names (``title``; ``phrase`` is the title and
    ``confidence`` the title similarity).
    """

    skill: SkillRef
    alternatives: list[SkillRef]
    strength: Literal["must", "nice"]
    weight: float
    source: RequirementSource
    phrase: str = ""
    start: int | None = None
    end: int | None = None
    confidence: float = 1.0
    method: ExtractionMethod | None = None


class ProofOut(Response):
    """A credential proving a matched skill."""

    credential_id: int
    document_id: str | None
    name: str
    achievement: str
    issuer: IssuerOut
    proof_types: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    verified: bool
    status: str
    method: Literal["alignment", "crosswalk", "embedding"]
    confidence: float
    issuer_trusted: bool = False
    issuer_weight: float = 1.0
    bundle_id: int | None = None


class MatchedOut(Response):
    """How a candidate covers one requirement."""

    required: SkillRef
    phrase: str
    satisfied_by: SkillRef
    matched_skill: SkillRef
    similarity: float
    evidence_strength: float
    contribution: float
    credentials: list[ProofOut]


class MissingOut(Response):
    """A requirement the candidate has no verified evidence for."""

    skill: SkillRef
    phrase: str
    strength: Literal["must", "nice"]


class RankedOut(Response):
    """A ranked candidate."""

    rank: int
    candidate_id: str
    score: float
    matched: list[MatchedOut]
    missing: list[MissingOut]


class MatchOut(Response):
    """``POST /v1/match`` response."""

    taxonomy: str
    model: str
    requirements: list[RequirementOut]
    candidates: list[RankedOut]
    retrieved: int
    total: int = 0
    next: str | None = None
    unresolved: list[str] = msgspec.field(default_factory=list)


class SkillHit(Response):
    """A skill found by search.

    ``method``: the whole label equals the query (``exact``), starts with it (``prefix``),
    contains it (``contains``) or all its words (``words``); the same after correcting
    misspelt words (``corrected``, ``query`` says how it was read); a label similar as a
    whole (``fuzzy``, ``score`` 0-100); or an embedding neighbour (``semantic``, cosine).
    """

    skill: SkillRef
    matched_label: str
    method: Literal["exact", "prefix", "contains", "words", "corrected", "fuzzy", "semantic"]
    score: float | None = None
    query: str = ""


class SkillSearchOut(Response):
    """``GET /v1/skills`` response."""

    taxonomy: str
    query: str
    results: list[SkillHit]


class HealthOut(Response):
    """``/health`` and ``/ready``."""

    status: Literal["ok", "not-ready"]
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


class QuarantinedOut(Response):
    """A rejected document kept for re-processing."""

    id: int
    candidate_id: str | None
    reason_code: str
    reason: str
    checks: list[CheckOut]
    content_hash: str
    received_at: datetime
    attempts: int
    last_attempt_at: datetime
    document: str | None = None


class QuarantinePageOut(Response):
    """``GET /v1/quarantine``: one page, oldest first; pass ``next`` as ``after``."""

    items: list[QuarantinedOut]
    next: int | None = None


class JobRejectionOut(Response):
    """A document of a job that was quarantined."""

    line: int
    quarantine_id: int | None
    reason: str


class JobOut(Response):
    """An ingest job and its progress."""

    id: int
    status: Literal["queued", "running", "done"]
    total: int
    processed: int
    accepted: int
    duplicates: int
    rejected: int
    created_at: datetime
    finished_at: datetime | None = None
    rejections: list[JobRejectionOut] = msgspec.field(default_factory=list)


class ChallengeOut(Response):
    """A challenge for a wallet: sign it, with ``domain``, into the presentation."""

    challenge: str
    domain: str
    expires_at: datetime
    candidate_id: str | None = None


class PresentedCredentialOut(Response):
    """What became of one credential of a presentation.

    ``status`` 201: stored now; 200: stored before; 422: quarantined (reason and checks).
    """

    index: int
    status: Literal[200, 201, 422]
    accepted: bool
    created: bool = False
    credential: CredentialOut | None = None
    skills: list[EvidenceOut] = msgspec.field(default_factory=list)
    nested: list[NestedOut] = msgspec.field(default_factory=list)
    quarantine_id: int | None = None
    code: str = ""
    detail: str = ""
    checks: list[CheckOut] = msgspec.field(default_factory=list)


class PresentationOut(Response):
    """An accepted presentation: its checks and each embedded credential's outcome."""

    holder: str
    candidate_id: str
    checks: list[CheckOut]
    credentials: list[PresentedCredentialOut]


class TrustedIssuerIn(Request):
    """A trusted issuer: by exact issuer id (DID or URL) or by domain (subdomains included)."""

    kind: Literal["issuer", "domain"]
    value: Annotated[str, Meta(min_length=1, max_length=500)]
    weight: Annotated[float, Meta(gt=0, le=1)] = 1.0
    name: ShortText = ""


class TrustPolicyIn(Request):
    """``PUT /v1/trust-policy``: the tenant's issuer trust policy, replaced whole."""

    trusted: Annotated[list[TrustedIssuerIn], Meta(max_length=10_000)] = msgspec.field(
        default_factory=list
    )
    accept_untrusted: bool = True
    untrusted_weight: Annotated[float, Meta(ge=0, le=1)] = 1.0
    allow_other_holders: bool = False
    """Let a presentation carry credentials whose subject is not its holder."""
    unknown_status: UnknownStatus = "accept"
    """A credential whose status could not be checked: ``accept`` (kept, counts less) or
    ``reject`` (quarantined as ``status-unknown``; ``credmatch reverify`` retries it)."""


class TrustedIssuerOut(Response):
    """A trusted issuer."""

    kind: str
    value: str
    weight: float
    name: str = ""


class TrustPolicyOut(Response):
    """The tenant's issuer trust policy (the open default when none was set)."""

    trusted: list[TrustedIssuerOut]
    accept_untrusted: bool
    untrusted_weight: float
    open: bool
    allow_other_holders: bool = False
    unknown_status: UnknownStatus = "accept"


class TrustAssessmentOut(Response):
    """What the policy says of one issuer."""

    issuer: str
    trusted: bool
    accepted: bool
    weight: float
    detail: str


class VerificationTrustOut(Response):
    """What the tenant's policy says of a verified credential, as ingest would apply it."""

    outcome: Literal["passed", "failed", "unknown"]
    detail: str
    accepted: bool
    """Ingest would store the credential as verified."""
    unknown_status: UnknownStatus
    """The policy's ``unknownStatus`` setting that applied."""
    code: str = ""
    """When not accepted: the quarantine code ingest would use (``untrusted-issuer``,
    ``status-unknown``)."""
    reason: str = ""


class VerificationOut(Response):
    """``POST /v1/verify``: a credential's verification report; nothing is stored."""

    verified: bool
    """Every required check passed and the tenant's policy accepts the credential."""
    format: str
    proof_types: list[str]
    issuer: IssuerOut
    checks: list[CheckOut]
    trust: VerificationTrustOut | None = None
    """The tenant's policy applied; ``null`` when the credential did not verify."""


class GroupRef(Response):
    """A skill group or pillar concept."""

    uri: str
    label: str
    code: str = ""


class RelatedSkillOut(Response):
    """A related skill and why."""

    skill: SkillRef
    relation: str
    similarity: float | None = None


class OccupationRef(Response):
    """An occupation; ``id`` is the last segment of its URI (``/v1/occupations/{id}``)."""

    uri: str
    label: str
    code: str = ""
    id: str = ""


class OccupationNeedOut(Response):
    """An occupation that needs a skill, and how much."""

    occupation: OccupationRef
    relation: str


class LabelOut(Response):
    """A label of a skill."""

    label: str
    kind: str


class SkillOut(Response):
    """``GET /v1/skills/{id}``."""

    skill: SkillRef
    taxonomy: str
    description: str
    reuse_level: str
    code: str
    category: str
    subcategory: str
    collections: list[str]
    labels: list[LabelOut]
    groups: list[GroupRef]
    broader: list[SkillRef]
    narrower: list[SkillRef]
    related: list[RelatedSkillOut]
    occupations: list[OccupationNeedOut]
    occupation_count: int


class OccupationOut(Response):
    """``GET /v1/occupations/{id}``."""

    occupation: OccupationRef
    taxonomy: str
    description: str
    alt_labels: list[str]
    isco_group: str
    essential: list[SkillRef]
    optional: list[SkillRef]


class ExtractIn(Request):
    """``POST /v1/skills/extract``: a text to read (job ad, course or badge description).

    ``topK`` and ``threshold`` ask for the product's own ranking: up to ``topK`` skills per
    span, best first, down to ``threshold`` (0 allowed), with their scores.
    """

    text: Annotated[str, Meta(min_length=1, max_length=20_000)]
    top_k: Annotated[int, Meta(ge=1, le=100)] | None = None
    threshold: Annotated[float, Meta(ge=0.0, le=1.0)] | None = None


class ExtractedSkillOut(Response):
    """A skill read in a span: ``exact``/``alternative`` label found, or ``embedding``."""

    skill: SkillRef
    confidence: float
    method: ExtractionMethod


class ExtractedPhraseOut(Response):
    """A phrase of the text with its offsets, strength and skills (best first)."""

    text: str
    start: int
    end: int
    strength: Literal["must", "nice"]
    skills: list[ExtractedSkillOut]


IgnoredReason = Literal[
    "heading",
    "equal-opportunity",
    "benefits",
    "pay",
    "application",
    "screening",
    "company",
    "contact",
]


class IgnoredTextOut(Response):
    """A phrase left unread: a section heading, or job-ad boilerplate of the kind named."""

    text: str
    start: int
    end: int
    reason: IgnoredReason


class ExtractOut(Response):
    """What the text names and what was left unread, with the model, release and threshold."""

    taxonomy: str
    model: str
    threshold: float
    phrases: list[ExtractedPhraseOut]
    skills: list[ExtractedSkillOut]
    ignored: list[IgnoredTextOut]


SearchSort = Literal["score", "skills", "recent"]


class SearchIn(Request):
    """``POST /v1/candidates/search``: candidates by verified skills.

    ``skills``: ids (last URI segment), URIs or free text, each resolved through the taxonomy.
    ``issuers``: exact issuer ids, or domains (``https`` issuer URLs and ``did:web``).
    """

    skills: Annotated[list[ShortText], Meta(min_length=1, max_length=20)]
    mode: Literal["all", "any"] = "all"
    min_strength: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.0
    issued_after: datetime | None = None
    issuers: Annotated[list[ShortText], Meta(max_length=50)] = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    candidate_tags: Tags = msgspec.field(default_factory=list)
    trusted_issuers_only: bool = False
    sort: SearchSort = "score"
    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    cursor: Annotated[str, Meta(max_length=500)] | None = None


class ResolvedSkillOut(Response):
    """How a requested skill was read: by id, by label (which tier), or semantically."""

    given: str
    skill: SkillRef | None
    method: str
    score: float | None = None


class HeldSkillOut(Response):
    """A requested skill the candidate holds, its evidence strength and its credentials."""

    skill: SkillRef
    strength: float
    credentials: list[ProofOut]


class SearchHitOut(Response):
    """A candidate found by search."""

    candidate_id: str
    score: float
    skills: list[HeldSkillOut]
    latest_credential_at: datetime | None = None


class SearchOut(Response):
    """A page of search results; pass ``next`` as ``cursor`` for the following page."""

    resolved: list[ResolvedSkillOut]
    total: int
    candidates: list[SearchHitOut]
    next: str | None = None
    unresolved: list[str] = msgspec.field(default_factory=list)


class RowProblemOut(Response):
    """A rejected posting (or a note on an accepted one): row number, field and reason."""

    row: int
    field: str
    reason: str


class PostingUploadOut(Response):
    """What a posting upload did, or how far its background import got.

    ``id`` is set for background uploads (follow them at ``/v1/postings/uploads/{id}``).
    """

    status: Literal["queued", "running", "done", "failed"]
    total: int
    processed: int
    accepted: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    without_skills: int = 0
    errors: list[RowProblemOut] = msgspec.field(default_factory=list)
    warnings: list[RowProblemOut] = msgspec.field(default_factory=list)
    id: int | None = None
    error: str = ""


class PostingSkillOut(Response):
    """A skill a posting demands: its strength, the confidence and the phrase it came from."""

    skill: SkillRef
    strength: Literal["must", "nice"]
    confidence: float
    phrase: str


class PostingOut(Response):
    """A stored posting: what its skills were read from, the skills, and the text left unread."""

    external_id: str
    title: str
    posted_at: datetime | None
    location: str
    occupation: str
    model: str
    skills: list[PostingSkillOut]
    ignored: list[IgnoredTextOut]


class GapReportIn(GapQuery, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """A gap report request; ``async`` forces (true) or refuses (false) the background."""

    run_async: bool | None = msgspec.field(default=None, name="async")


class ReportLinksOut(Response):
    """Where a report and its renderings are."""

    self: str
    html: str
    csv: str
    charts: list[str] = msgspec.field(default_factory=list)


class GapReportOut(Response):
    """A gap report: its status and progress, and the report once done."""

    id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    stage: str
    created_at: datetime
    links: ReportLinksOut
    finished_at: datetime | None = None
    error: str = ""
    report: GapReport | None = None


RoleName = Literal["admin", "ingest", "matcher", "recruiter", "analyst"]
MAX_GRACE_SECONDS = 7 * 24 * 3600


class ApiKeyIn(Request):
    """A key to create for the caller's tenant; ``name`` defaults to "<role> key"."""

    role: RoleName
    name: Annotated[str, Meta(max_length=200)] = ""


class ApiKeyRotateIn(Request):
    """How long the old key keeps working after a rotation (0: it stops at once)."""

    grace_seconds: Annotated[int, Meta(ge=0, le=MAX_GRACE_SECONDS)] = 0


class ApiKeyOut(Response):
    """A key as shown to admins: never its digest. The key itself starts ``cm_<prefix>_``."""

    id: int
    name: str
    role: RoleName
    prefix: str
    created_at: datetime
    active: bool
    revoked_at: datetime | None = None
    expires_at: datetime | None = None
    """Set while a rotated key is in its grace period: when it stops working."""


class ApiKeyListOut(Response):
    """The tenant's keys, revoked ones included, oldest first."""

    items: list[ApiKeyOut]


class NewApiKeyOut(Response):
    """A key just created; ``key`` is shown this once and cannot be read again."""

    key: str
    api_key: ApiKeyOut
    previous: ApiKeyOut | None = None
    """After a rotation: the old key, with when it stops working."""
