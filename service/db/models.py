"""SQLAlchemy 2.0 typed models: the system of record.

Every tenant-owned row carries ``tenant_id`` and every query filters on it. Relationships use
``lazy="raise"`` so that hidden queries fail loudly instead of running per row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    PostgreSQL keeps the zone (``timestamptz``); SQLite keeps none and returns naive values,
    which would reach the API without an offset. Naive values are taken as UTC both ways.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware values are converted to UTC; naive ones are taken as UTC already."""
        del dialect
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Values come back as aware UTC datetimes on every database."""
        del dialect
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (for migrations)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads it as a class attribute)
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Tenant(Base):
    """An organisation whose data is kept apart from every other."""

    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuerTrustPolicyRow(Base):
    """A tenant's issuer trust policy (`ingest.IssuerTrustPolicy` as JSON); none = open."""

    __tablename__ = "issuer_trust_policies"
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A bearer key bound to a tenant and a role; only its SHA-256 digest is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    prefix: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Taxonomy(Base):
    """One imported release of a skills taxonomy (``esco`` ``1.1.1`` ``en``)."""

    __tablename__ = "taxonomies"
    __table_args__ = (UniqueConstraint("framework", "version", "language"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    framework: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(Text)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    skill_count: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def key(self) -> str:
        """Short identifier used in manifests and API output (``esco@1.1.1``)."""
        return f"{self.framework}@{self.version}"


class Skill(Base):
    """A skill or knowledge concept of a taxonomy release."""

    __tablename__ = "skills"
    __table_args__ = (UniqueConstraint("taxonomy_id", "uri"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(300))
    preferred_label: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    skill_type: Mapped[str] = mapped_column(String(40), default="")
    reuse_level: Mapped[str] = mapped_column(String(40), default="")
    code: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(200), default="")
    subcategory: Mapped[str] = mapped_column(String(200), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[str] = mapped_column(Text, default="")  # one per line
    labels: Mapped[list[SkillLabel]] = relationship(lazy="raise", passive_deletes=True)


class SkillLabel(Base):
    """A preferred or alternative label; the label index holds one vector per row."""

    __tablename__ = "skill_labels"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(12))
    normalized: Mapped[str] = mapped_column(String(500), index=True)


class SkillGroup(Base):
    """A skill group or pillar concept of a taxonomy release."""

    __tablename__ = "skill_groups"
    __table_args__ = (UniqueConstraint("taxonomy_id", "uri"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40), default="")
    preferred_label: Mapped[str] = mapped_column(String(500))


class BroaderRelation(Base):
    """A hierarchy edge (narrower concept -> broader concept), by URI within a release."""

    __tablename__ = "broader_relations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(
        ForeignKey("taxonomies.id", ondelete="CASCADE"), index=True
    )
    narrower_uri: Mapped[str] = mapped_column(String(300), index=True)
    broader_uri: Mapped[str] = mapped_column(String(300))


class Occupation(Base):
    """An occupation of a taxonomy release."""

    __tablename__ = "occupations"
    __table_args__ = (UniqueConstraint("taxonomy_id", "uri"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(300))
    code: Mapped[str] = mapped_column(String(40), default="")
    isco_group: Mapped[str] = mapped_column(String(20), default="")
    preferred_label: Mapped[str] = mapped_column(String(500))
    alt_labels: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")


class OccupationSkill(Base):
    """An essential or optional skill of an occupation."""

    __tablename__ = "occupation_skills"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    occupation_id: Mapped[int] = mapped_column(
        ForeignKey("occupations.id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10))
    importance: Mapped[float | None] = mapped_column(Float, default=None)


class SkillRelation(Base):
    """A skill-to-skill relation other than the hierarchy, by URI within a release."""

    __tablename__ = "skill_relations"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(
        ForeignKey("taxonomies.id", ondelete="CASCADE"), index=True
    )
    source_uri: Mapped[str] = mapped_column(String(300), index=True)
    target_uri: Mapped[str] = mapped_column(String(300), index=True)
    relation: Mapped[str] = mapped_column(String(40))


class SkillCollectionMember(Base):
    """A skill's membership of a named collection (ESCO digital, green, transversal, ...)."""

    __tablename__ = "skill_collection_members"
    __table_args__ = (UniqueConstraint("taxonomy_id", "collection", "skill_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    collection: Mapped[str] = mapped_column(String(100))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"), index=True)


class Candidate(Base):
    """A person whose credentials a tenant holds, known by the tenant's own id for them."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("tenant_id", "external_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    change_seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    """Value of the tenant's change counter when this candidate's evidence last changed."""


class CandidateTag(Base):
    """A tag the tenant gave a candidate (a cohort, a programme, a pipeline stage)."""

    __tablename__ = "candidate_tags"
    __table_args__ = (Index("ix_candidate_tags_tenant_tag", "tenant_id", "tag"),)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))


class Credential(Base):
    """An accepted credential: the raw document, what was parsed from it and its outcome."""

    __tablename__ = "credentials"
    __table_args__ = (
        UniqueConstraint("tenant_id", "content_hash"),
        # One stored credential per credential id (two serialisations of one credential
        # verify alike); documents without an id are told apart by their content hash.
        Index(
            "uq_credentials_tenant_document",
            "tenant_id",
            "document_id",
            unique=True,
            sqlite_where=text("document_id IS NOT NULL"),
            postgresql_where=text("document_id IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[str | None] = mapped_column(String(500), default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(500), default="")
    issuer_id: Mapped[str] = mapped_column(String(500))
    issuer_name: Mapped[str] = mapped_column(String(500), default="")
    proof_types: Mapped[str] = mapped_column(String(500), default="")
    valid_from: Mapped[datetime | None] = mapped_column(default=None)
    valid_until: Mapped[datetime | None] = mapped_column(default=None)
    verified: Mapped[bool] = mapped_column(Boolean)
    status_outcome: Mapped[str] = mapped_column(String(10))
    # Deferred: documents can be large and are rarely needed when listing evidence.
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A credential that arrived nested in a CLR bundle points at the bundle's row.
    bundle_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), default=None, index=True
    )
    # The issuer's tags of the credential's achievements (OB ``tag``/``tags``), lower-cased,
    # one per line: the ``tags`` filter of match, search and gap reports reads them.
    tags: Mapped[str] = mapped_column(Text, default="")
    checks: Mapped[list[VerificationCheck]] = relationship(lazy="raise", passive_deletes=True)


class VerificationCheck(Base):
    """One check of a credential's verification report."""

    __tablename__ = "verification_checks"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    check: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(10))
    detail: Mapped[str] = mapped_column(Text, default="")


class Evidence(Base):
    """A skill a candidate holds because a credential proves it."""

    __tablename__ = "evidence"
    __table_args__ = (
        Index("ix_evidence_tenant_skill", "tenant_id", "skill_id"),
        Index("ix_evidence_tenant_candidate", "tenant_id", "candidate_id"),
        UniqueConstraint("credential_id", "skill_id", "achievement_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    achievement_id: Mapped[str] = mapped_column(String(500), default="")
    achievement_name: Mapped[str] = mapped_column(String(500), default="")
    method: Mapped[str] = mapped_column(String(12))
    confidence: Mapped[float] = mapped_column(Float)
    phrase: Mapped[str] = mapped_column(Text, default="")
    model: Mapped[str] = mapped_column(String(100), default="")


class DeclaredSkill(Base):
    """A skill an achievement declares through an alignment, kept whatever the framework.

    ``skill_id`` is set when the aligned item is a skill of an imported taxonomy (the
    default release or another one); an alignment to a framework credmatch does not hold
    stays a free skill, named by its framework, code, URL and name.
    """

    __tablename__ = "declared_skills"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    achievement_id: Mapped[str] = mapped_column(String(500), default="")
    framework: Mapped[str] = mapped_column(String(200), default="")
    target_url: Mapped[str] = mapped_column(String(500), default="")
    target_code: Mapped[str] = mapped_column(String(200), default="")
    target_name: Mapped[str] = mapped_column(String(500), default="")
    skill_id: Mapped[int | None] = mapped_column(
        ForeignKey("skills.id", ondelete="SET NULL"), default=None
    )


class AchievementMapping(Base):
    """Cached skill mapping of an achievement, keyed by a fingerprint of its content.

    Thousands of holders share one badge; it is mapped once per taxonomy release and model.
    """

    __tablename__ = "achievement_mappings"
    __table_args__ = (Index("ix_achievement_mappings_key", "fingerprint", "taxonomy_id", "model"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(100))
    skill_id: Mapped[int | None] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), default=None
    )
    method: Mapped[str] = mapped_column(String(12), default="")
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    phrase: Mapped[str] = mapped_column(Text, default="")


class QuarantinedDocument(Base):
    """A rejected input, kept whole with the reason so it can be re-processed after a fix."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    candidate_external_id: Mapped[str] = mapped_column(String(200), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    reason_code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeCounter(Base):
    """Monotonic per-tenant counter bumped whenever candidate evidence changes.

    The FAISS candidate index records the value it is current up to (its watermark), so any
    worker can tell whether its copy is stale.
    """

    __tablename__ = "change_counters"
    tenant_id: Mapped[int] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True
    )
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class IngestJob(Base):
    """A batch of documents ingested in the background, with its progress."""

    __tablename__ = "ingest_jobs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class IngestJobItem(Base):
    """One document of a job, stored before it is processed so a crash loses nothing."""

    __tablename__ = "ingest_job_items"
    __table_args__ = (Index("ix_ingest_job_items_job_state", "job_id", "state"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("ingest_jobs.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    candidate_external_id: Mapped[str] = mapped_column(String(200), default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str] = mapped_column(String(12), default="")
    credential_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    quarantine_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    detail: Mapped[str] = mapped_column(Text, default="")


class JobPosting(Base):
    """A job posting a tenant uploaded for gap reports, with the release its skills come from.

    ``external_id`` is the uploader's id for the posting, or ``sha256:<content hash>`` when
    none was given, so uploading the same file again adds nothing.
    """

    __tablename__ = "job_postings"
    __table_args__ = (
        UniqueConstraint("tenant_id", "external_id"),
        Index("ix_job_postings_tenant_posted", "tenant_id", "posted_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    location: Mapped[str] = mapped_column(String(200), default="")
    occupation_code: Mapped[str] = mapped_column(String(300), default="")
    """The occupation as the upload gave it (ESCO URI, URI segment or code)."""
    occupation_id: Mapped[int | None] = mapped_column(
        ForeignKey("occupations.id", ondelete="SET NULL"), default=None, index=True
    )
    title_occupation_id: Mapped[int | None] = mapped_column(
        ForeignKey("occupations.id", ondelete="SET NULL"), default=None, index=True
    )
    """The occupation whose title is closest to the posting's title (read at import)."""
    title_similarity: Mapped[float | None] = mapped_column(Float, default=None)
    """The cosine between the two titles (0 when the title names nothing; NULL until read:
    the background worker reads postings stored before this column); a report counts the
    occupation's essential skills when it reaches the matching threshold, as ``/v1/match``
    does."""
    taxonomy_id: Mapped[int] = mapped_column(ForeignKey("taxonomies.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(100), default="")
    ignored: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The text its skills were not read from: ``text``, ``start``, ``end``, ``reason``
    (a heading, or the kind of boilerplate)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PostingSkill(Base):
    """A skill a posting demands: the phrase's best skill, must-have or nice-to-have."""

    __tablename__ = "posting_skills"
    __table_args__ = (
        UniqueConstraint("posting_id", "skill_id"),
        Index("ix_posting_skills_tenant_skill", "tenant_id", "skill_id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("job_postings.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="CASCADE"))
    strength: Mapped[str] = mapped_column(String(4))
    confidence: Mapped[float] = mapped_column(Float)
    phrase: Mapped[str] = mapped_column(Text, default="")


class PostingUpload(Base):
    """A batch of postings imported in the background, kept whole until it is processed."""

    __tablename__ = "posting_uploads"
    __table_args__ = (Index("ix_posting_uploads_status", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    media_type: Mapped[str] = mapped_column(String(40))
    body: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How many times a worker claimed it; also the token of the current claim."""
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class GapReportRow(Base):
    """A gap report: what was asked, its progress, and the finished report (JSON)."""

    __tablename__ = "gap_reports"
    __table_args__ = (Index("ix_gap_reports_status", "status"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(40), default="")
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How many times a worker claimed it; also the token of the current claim."""
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)


class CandidateErasure(Base):
    """A tombstone: the tenant's candidate with this internal id was erased at ``change_seq``.

    Candidate indexes catch up from the candidates whose ``change_seq`` passed their
    watermark; an erased candidate has no row left to say so, so this one tells every worker
    to drop the vector. It holds the internal id only, no personal data.
    """

    __tablename__ = "candidate_erasures"
    __table_args__ = (Index("ix_candidate_erasures_tenant_seq", "tenant_id", "change_seq"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(BigInteger)
    change_seq: Mapped[int] = mapped_column(BigInteger)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """One audited request: who (key, role) did what (action, query) and what it returned.

    ``candidate_ids`` are the tenant's external ids of the candidates returned (the page) or
    acted on (export, erase). ``key_id`` is not a foreign key: the trail outlives the key,
    and CLI actions have no key.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_tenant_id", "tenant_id", "id"),
        Index("ix_audit_events_tenant_action", "tenant_id", "action", "id"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    key_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    request_id: Mapped[str | None] = mapped_column(String(200), default=None)
    query: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    candidate_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class AuditEventCandidate(Base):
    """A candidate named in an audit event: the index behind the audit's candidate filter."""

    __tablename__ = "audit_event_candidates"
    __table_args__ = (
        Index("ix_audit_event_candidates_lookup", "tenant_id", "external_id", "event_id"),
    )
    event_id: Mapped[int] = mapped_column(
        ForeignKey("audit_events.id", ondelete="CASCADE"), primary_key=True
    )
    external_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))


class PresentationChallenge(Base):
    """A challenge issued to a wallet: single use, expiring, optionally for one candidate.

    The wallet signs it (with ``domain``) into its presentation; accepting the presentation
    consumes it (``used_at``), so a captured presentation cannot be replayed.
    """

    __tablename__ = "presentation_challenges"
    __table_args__ = (Index("ix_presentation_challenges_tenant_expiry", "tenant_id", "expires_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    challenge: Mapped[str] = mapped_column(String(100), unique=True)
    domain: Mapped[str] = mapped_column(String(500))
    candidate_external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
