"""Every database query of the application lives here.

Functions take an open :class:`~sqlalchemy.orm.Session` and never commit: the caller's unit of
work (one per request or CLI command) does. Tenant-owned queries always filter on tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.db.models import (
    AchievementMapping,
    ApiKey,
    BroaderRelation,
    Candidate,
    CandidateErasure,
    CandidateTag,
    ChangeCounter,
    Credential,
    DeclaredSkill,
    Evidence,
    IngestJob,
    IngestJobItem,
    IssuerTrustPolicyRow,
    Occupation,
    OccupationSkill,
    QuarantinedDocument,
    Skill,
    SkillCollectionMember,
    SkillGroup,
    SkillLabel,
    SkillRelation,
    Taxonomy,
    Tenant,
    VerificationCheck,
    utcnow,
)

SQL_BATCH = 5000
"""Most ids in one SQL ``IN (...)`` list, and most rows in one bulk insert (both databases
cap the bound parameters of a statement)."""


def normalize_label(label: str) -> str:
    """Lower-cased, whitespace-collapsed label used for exact and prefix lookups."""
    return " ".join(label.lower().split())


# Tenants and keys


def get_or_create_tenant(session: Session, name: str) -> Tenant:
    """Tenant by name, created (with its change counter) when missing."""
    tenant = session.scalar(select(Tenant).where(Tenant.name == name))
    if tenant is None:
        tenant = Tenant(name=name)
        session.add(tenant)
        session.flush()
        session.add(ChangeCounter(tenant_id=tenant.id, value=0))
        session.flush()
    return tenant


def add_api_key(
    session: Session, *, tenant_id: int, name: str, role: str, prefix: str, digest: str
) -> ApiKey:
    """Store a new key digest."""
    row = ApiKey(tenant_id=tenant_id, name=name, role=role, prefix=prefix, digest=digest)
    session.add(row)
    session.flush()
    return row


def find_active_api_key(session: Session, digest: str, now: datetime) -> ApiKey | None:
    """Key by digest, unless revoked by ``now`` (a rotated key works until its grace ends)."""
    return session.scalar(
        select(ApiKey).where(
            ApiKey.digest == digest, or_(ApiKey.revoked_at.is_(None), ApiKey.revoked_at > now)
        )
    )


def list_api_keys(session: Session, tenant_id: int) -> Sequence[ApiKey]:
    """The tenant's keys, revoked ones included, oldest first."""
    return session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.id)
    ).all()


def api_key_by_id(session: Session, tenant_id: int, key_id: int) -> ApiKey | None:
    """One of the tenant's keys, locked for update (rotations of one key run one at a time)."""
    return session.scalar(
        select(ApiKey).where(ApiKey.id == key_id, ApiKey.tenant_id == tenant_id).with_for_update()
    )


def api_key_tenant_id(session: Session, key_id: int) -> int | None:
    """The tenant a key belongs to (operator tools that address a key by id alone)."""
    return session.scalar(select(ApiKey.tenant_id).where(ApiKey.id == key_id))


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    """A tenant by id."""
    return session.get(Tenant, tenant_id)


def find_tenant(session: Session, name: str) -> Tenant | None:
    """A tenant by name."""
    return session.scalar(select(Tenant).where(Tenant.name == name))


# Taxonomy


def find_taxonomy(session: Session, framework: str, version: str, language: str) -> Taxonomy | None:
    """A release by its identity."""
    return session.scalar(
        select(Taxonomy).where(
            Taxonomy.framework == framework,
            Taxonomy.version == version,
            Taxonomy.language == language,
        )
    )


def default_taxonomy(session: Session) -> Taxonomy | None:
    """The release used for mapping and matching."""
    return session.scalar(select(Taxonomy).where(Taxonomy.is_default.is_(True)))


def make_default_taxonomy(session: Session, taxonomy_id: int) -> None:
    """Mark one release as the default and unmark the others."""
    session.execute(update(Taxonomy).values(is_default=Taxonomy.id == taxonomy_id))


def taxonomy_has_evidence(session: Session, taxonomy_id: int) -> bool:
    """Whether any candidate evidence points at a skill of the release."""
    found = session.scalar(
        select(Evidence.id)
        .join(Skill, Skill.id == Evidence.skill_id)
        .where(Skill.taxonomy_id == taxonomy_id)
        .limit(1)
    )
    return found is not None


def delete_taxonomy(session: Session, taxonomy: Taxonomy) -> None:
    """Remove a release and everything it owns."""
    session.delete(taxonomy)
    session.flush()


@dataclass(frozen=True, slots=True)
class ReleaseRows:
    """Plain rows of a taxonomy release, ready for bulk insertion."""

    skills: Sequence[dict[str, Any]]
    labels: Sequence[tuple[str, str, str]]
    groups: Sequence[dict[str, Any]]
    broader: Sequence[tuple[str, str]]
    occupations: Sequence[dict[str, Any]]
    occupation_skills: Sequence[tuple[str, str, str, float | None]]
    skill_relations: Sequence[tuple[str, str, str]] = ()
    collections: Sequence[tuple[str, str]] = ()  # (collection name, skill URI)


def insert_release(
    session: Session, *, framework: str, version: str, language: str, source: str, rows: ReleaseRows
) -> Taxonomy:
    """Bulk-insert a release (skills, labels, hierarchy, occupations)."""
    taxonomy = Taxonomy(
        framework=framework,
        version=version,
        language=language,
        source=source,
        skill_count=len(rows.skills),
    )
    session.add(taxonomy)
    session.flush()
    tid = taxonomy.id
    _bulk(session, Skill, [{**skill, "taxonomy_id": tid} for skill in rows.skills])
    skill_ids = skill_ids_by_uri(session, tid)
    _bulk(
        session,
        SkillLabel,
        (
            {
                "skill_id": skill_ids[uri],
                "label": label,
                "kind": kind,
                "normalized": normalize_label(label)[:500],
            }
            for uri, label, kind in rows.labels
            if uri in skill_ids
        ),
    )
    _bulk(session, SkillGroup, [{**group, "taxonomy_id": tid} for group in rows.groups])
    _bulk(
        session,
        BroaderRelation,
        ({"taxonomy_id": tid, "narrower_uri": n, "broader_uri": b} for n, b in rows.broader),
    )
    _bulk(session, Occupation, [{**occ, "taxonomy_id": tid} for occ in rows.occupations])
    occupation_ids = dict(
        session.execute(
            select(Occupation.uri, Occupation.id).where(Occupation.taxonomy_id == tid)
        ).all()
    )
    _bulk(
        session,
        OccupationSkill,
        (
            {
                "occupation_id": occupation_ids[occ],
                "skill_id": skill_ids[skill],
                "relation": rel,
                "importance": importance,
            }
            for occ, skill, rel, importance in rows.occupation_skills
            if occ in occupation_ids and skill in skill_ids
        ),
    )
    _bulk(
        session,
        SkillRelation,
        (
            {"taxonomy_id": tid, "source_uri": source, "target_uri": target, "relation": relation}
            for source, target, relation in rows.skill_relations
        ),
    )
    members = dict.fromkeys(
        (name, skill_ids[uri]) for name, uri in rows.collections if uri in skill_ids
    )
    _bulk(
        session,
        SkillCollectionMember,
        ({"taxonomy_id": tid, "collection": name, "skill_id": sid} for name, sid in members),
    )
    return taxonomy


def _bulk(session: Session, model: type[Any], rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= SQL_BATCH:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


def skill_ids_by_uri(session: Session, taxonomy_id: int) -> dict[str, int]:
    """URI -> id for every skill of a release."""
    return dict(
        session.execute(select(Skill.uri, Skill.id).where(Skill.taxonomy_id == taxonomy_id)).all()
    )


def skill_labels(session: Session, taxonomy_id: int) -> list[tuple[int, str, str]]:
    """(skill id, label, kind) of every label of a release, in a stable order."""
    return list(
        session.execute(
            select(SkillLabel.skill_id, SkillLabel.label, SkillLabel.kind)
            .join(Skill, Skill.id == SkillLabel.skill_id)
            .where(Skill.taxonomy_id == taxonomy_id)
            .order_by(SkillLabel.id)
        )
    )


def labels_of_skill(session: Session, skill_id: int) -> list[tuple[str, str]]:
    """(label, kind) of one skill, preferred first."""
    return [
        (label, kind)
        for label, kind in session.execute(
            select(SkillLabel.label, SkillLabel.kind)
            .where(SkillLabel.skill_id == skill_id)
            .order_by(SkillLabel.kind != "preferred", SkillLabel.id)
        )
    ]


def broader_of(session: Session, taxonomy_id: int, uri: str) -> list[str]:
    """URIs of the concepts directly broader than ``uri`` in a release."""
    return list(
        session.scalars(
            select(BroaderRelation.broader_uri)
            .where(BroaderRelation.taxonomy_id == taxonomy_id, BroaderRelation.narrower_uri == uri)
            .order_by(BroaderRelation.id)
        )
    )


def narrower_of(session: Session, taxonomy_id: int, uri: str, limit: int) -> list[str]:
    """URIs of the concepts directly narrower than ``uri`` in a release."""
    return list(
        session.scalars(
            select(BroaderRelation.narrower_uri)
            .where(BroaderRelation.taxonomy_id == taxonomy_id, BroaderRelation.broader_uri == uri)
            .order_by(BroaderRelation.id)
            .limit(limit)
        )
    )


def groups_by_uri(session: Session, taxonomy_id: int, uris: Iterable[str]) -> dict[str, SkillGroup]:
    """Skill groups of a release keyed by URI."""
    wanted = list(set(uris))
    if not wanted:
        return {}
    rows = session.scalars(
        select(SkillGroup).where(SkillGroup.taxonomy_id == taxonomy_id, SkillGroup.uri.in_(wanted))
    )
    return {g.uri: g for g in rows}


def skills_by_uri(session: Session, taxonomy_id: int, uris: Iterable[str]) -> dict[str, Skill]:
    """Skills of a release keyed by URI."""
    wanted = list(set(uris))
    if not wanted:
        return {}
    rows = session.scalars(
        select(Skill).where(Skill.taxonomy_id == taxonomy_id, Skill.uri.in_(wanted))
    )
    return {s.uri: s for s in rows}


def relations_of_skill(session: Session, taxonomy_id: int, uri: str) -> list[tuple[str, str, str]]:
    """(source URI, target URI, relation) of the relations that touch a skill."""
    return [
        (source, target, relation)
        for source, target, relation in session.execute(
            select(SkillRelation.source_uri, SkillRelation.target_uri, SkillRelation.relation)
            .where(
                SkillRelation.taxonomy_id == taxonomy_id,
                or_(SkillRelation.source_uri == uri, SkillRelation.target_uri == uri),
            )
            .order_by(SkillRelation.relation, SkillRelation.id)
        )
    ]


def collections_of_skill(session: Session, skill_id: int) -> list[str]:
    """Names of the collections a skill belongs to."""
    return list(
        session.scalars(
            select(SkillCollectionMember.collection)
            .where(SkillCollectionMember.skill_id == skill_id)
            .order_by(SkillCollectionMember.collection)
        )
    )


def occupations_needing(
    session: Session, skill_id: int, limit: int
) -> list[tuple[Occupation, str]]:
    """Occupations that list a skill, essential ones first, with the relation."""
    return [
        (occupation, relation)
        for occupation, relation in session.execute(
            select(Occupation, OccupationSkill.relation)
            .join(OccupationSkill, OccupationSkill.occupation_id == Occupation.id)
            .where(OccupationSkill.skill_id == skill_id)
            .order_by(OccupationSkill.relation != "essential", Occupation.preferred_label)
            .limit(limit)
        )
    ]


def count_occupations_needing(session: Session, skill_id: int) -> int:
    """How many occupations list a skill."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OccupationSkill)
            .where(OccupationSkill.skill_id == skill_id)
        )
        or 0
    )


def find_occupation(session: Session, taxonomy_id: int, identifier: str) -> Occupation | None:
    """An occupation by URI, by the last segment of its URI, or by its code."""
    return session.scalar(
        select(Occupation)
        .where(
            Occupation.taxonomy_id == taxonomy_id,
            or_(
                Occupation.uri == identifier,
                Occupation.uri.endswith("/" + identifier, autoescape=True),
                Occupation.code == identifier,
            ),
        )
        .order_by(Occupation.id)
        .limit(1)
    )


def occupation_titles(session: Session, taxonomy_id: int) -> list[tuple[int, str, str]]:
    """(occupation id, title, kind) of every occupation of a release with an essential skill.

    Kind is ``preferred`` or ``alt``; rows come grouped by occupation, preferred first.
    """
    having = select(OccupationSkill.occupation_id).where(OccupationSkill.relation == "essential")
    rows: list[tuple[int, str, str]] = []
    for occupation_id, preferred, alternatives in session.execute(
        select(Occupation.id, Occupation.preferred_label, Occupation.alt_labels)
        .where(Occupation.taxonomy_id == taxonomy_id, Occupation.id.in_(having))
        .order_by(Occupation.id)
    ):
        rows.append((occupation_id, preferred, "preferred"))
        seen = {preferred}
        for label in alternatives.split("\n"):
            if label.strip() and label not in seen:
                seen.add(label)
                rows.append((occupation_id, label, "alt"))
    return rows


def essential_skill_ids(session: Session, occupation_id: int) -> list[int]:
    """An occupation's essential skills, in the order the release lists them."""
    return list(
        session.scalars(
            select(OccupationSkill.skill_id)
            .where(
                OccupationSkill.occupation_id == occupation_id,
                OccupationSkill.relation == "essential",
            )
            .order_by(OccupationSkill.id)
        )
    )


def skills_of_occupation(session: Session, occupation_id: int) -> list[tuple[Skill, str]]:
    """An occupation's skills with their relation, essential first, then by label."""
    return [
        (skill, relation)
        for skill, relation in session.execute(
            select(Skill, OccupationSkill.relation)
            .join(OccupationSkill, OccupationSkill.skill_id == Skill.id)
            .where(OccupationSkill.occupation_id == occupation_id)
            .order_by(OccupationSkill.relation != "essential", Skill.preferred_label)
        )
    ]


def skills_by_ids(session: Session, skill_ids: Iterable[int]) -> dict[int, Skill]:
    """Skills keyed by id."""
    ids = list(set(skill_ids))
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Skill).where(Skill.id.in_(ids)))}


# Candidates and credentials


def get_candidate(session: Session, tenant_id: int, external_id: str) -> Candidate | None:
    """A tenant's candidate by their external id."""
    return session.scalar(
        select(Candidate).where(
            Candidate.tenant_id == tenant_id, Candidate.external_id == external_id
        )
    )


def get_or_create_candidate(session: Session, tenant_id: int, external_id: str) -> Candidate:
    """A tenant's candidate, created when missing (safe against a concurrent create)."""
    candidate = get_candidate(session, tenant_id, external_id)
    if candidate is not None:
        return candidate
    new_id = _insert_unless_conflict(
        session, Candidate, {"tenant_id": tenant_id, "external_id": external_id}
    )
    # None: another transaction created the same candidate and committed first.
    candidate = (
        session.get(Candidate, new_id)
        if new_id is not None
        else get_candidate(session, tenant_id, external_id)
    )
    if candidate is None:
        raise RuntimeError(f"candidate {external_id!r} neither inserted nor found")
    return candidate


def _insert_unless_conflict(session: Session, model: type[Any], values: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or None on a conflict.

    One statement in the caller's transaction. A savepoint (``begin_nested``) would do the
    same on PostgreSQL, but on SQLite the pysqlite driver sends no ``BEGIN`` before a
    ``SAVEPOINT``, so releasing it committed the unit of work so far: a process killed later
    in the same unit left a credential stored without its evidence.
    """
    if session.get_bind().dialect.name == "postgresql":
        statement: Any = postgresql_insert(model).values(**values).on_conflict_do_nothing()
    else:
        statement = sqlite_insert(model).values(**values).on_conflict_do_nothing()
    return session.scalar(statement.returning(model.id))


def candidates_by_ids(session: Session, tenant_id: int, ids: Iterable[int]) -> dict[int, Candidate]:
    """A tenant's candidates keyed by internal id (ids of other tenants are ignored)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    # By primary key only, the tenant checked on the rows: with the tenant in the WHERE,
    # SQLite walks the tenant's (tenant_id, external_id) index, every candidate of it.
    found: dict[int, Candidate] = {}
    for start in range(0, len(wanted), SQL_BATCH):
        rows = session.scalars(
            select(Candidate).where(Candidate.id.in_(wanted[start : start + SQL_BATCH]))
        )
        found.update((c.id, c) for c in rows if c.tenant_id == tenant_id)
    return found


def find_existing_credential(
    session: Session, tenant_id: int, content_hash: str, document_id: str | None
) -> Credential | None:
    """A stored credential with the same content, or the same document id."""
    condition = Credential.content_hash == content_hash
    if document_id:
        condition = or_(condition, Credential.document_id == document_id)
    return session.scalar(
        select(Credential).where(Credential.tenant_id == tenant_id, condition).limit(1)
    )


def stored_content_hashes(session: Session, tenant_id: int, hashes: Sequence[str]) -> set[str]:
    """Which of these content hashes a tenant already stores."""
    if not hashes:
        return set()
    return set(
        session.scalars(
            select(Credential.content_hash).where(
                Credential.tenant_id == tenant_id, Credential.content_hash.in_(set(hashes))
            )
        )
    )


def add_credential(
    session: Session, credential: Credential, checks: Sequence[VerificationCheck]
) -> Credential | None:
    """Store a credential (given unsaved) and its verification checks.

    Returns:
        The stored credential; None when the same document (content or credential id) was
        stored concurrently by another transaction (nothing is added then).
    """
    values = {
        column.key: getattr(credential, column.key)
        for column in Credential.__table__.columns
        if column.key != "id" and getattr(credential, column.key) is not None
    }
    new_id = _insert_unless_conflict(session, Credential, values)
    if new_id is None:
        return None
    stored = session.get(Credential, new_id)
    if stored is None:
        raise RuntimeError(f"credential {new_id} inserted but not found")
    for check in checks:
        check.credential_id = stored.id
    session.add_all(checks)
    session.flush()
    return stored


def checks_of(
    session: Session, credential_ids: Iterable[int]
) -> dict[int, list[VerificationCheck]]:
    """Verification checks grouped by credential id."""
    ids = list(set(credential_ids))
    grouped: dict[int, list[VerificationCheck]] = {i: [] for i in ids}
    if not ids:
        return grouped
    rows = session.scalars(
        select(VerificationCheck)
        .where(VerificationCheck.credential_id.in_(ids))
        .order_by(VerificationCheck.id)
    )
    for row in rows:
        grouped[row.credential_id].append(row)
    return grouped


def add_evidence(session: Session, rows: Sequence[Evidence]) -> None:
    """Store evidence rows."""
    session.add_all(rows)
    session.flush()


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """Evidence joined with the credential that proves it."""

    evidence: Evidence
    credential: Credential


def evidence_of_candidates(
    session: Session,
    tenant_id: int,
    candidate_ids: Iterable[int],
    *,
    skill_ids: Iterable[int] | None = None,
) -> dict[int, list[EvidenceView]]:
    """Evidence (with credentials) grouped by candidate id; only of ``skill_ids`` if given."""
    ids = list(set(candidate_ids))
    grouped: dict[int, list[EvidenceView]] = {i: [] for i in ids}
    if not ids:
        return grouped
    wanted = None if skill_ids is None else set(skill_ids)
    if wanted is not None and not wanted:
        return grouped
    # The skills are filtered here, not in SQL: with both conditions SQLite chose the
    # (tenant, skill) index and walked every holder of the skills (40 ms at a million
    # candidates) instead of the page's few candidates.
    rows = session.execute(
        select(Evidence, Credential)
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(Evidence.tenant_id == tenant_id, Evidence.candidate_id.in_(ids))
        .order_by(Evidence.id)
    )
    for evidence, credential in rows:
        if wanted is None or evidence.skill_id in wanted:
            grouped[evidence.candidate_id].append(EvidenceView(evidence, credential))
    return grouped


class EvidenceFact(NamedTuple):
    """One verified evidence row with what filters and strengths need, without ORM objects."""

    evidence_id: int
    candidate_id: int
    skill_id: int
    confidence: float
    status_outcome: str
    valid_from: datetime | None
    valid_until: datetime | None
    received_at: datetime
    issuer_id: str
    tags: str


def verified_evidence_facts(
    session: Session, tenant_id: int, skill_ids: Sequence[int]
) -> list[EvidenceFact]:
    """Evidence of verified credentials for any of the skills, as plain rows.

    Search scores thousands of holders at a million candidates; building ORM objects for
    each cost more than the search itself, so only the page's proofs are loaded as objects.
    """
    if not skill_ids:
        return []
    rows = session.execute(
        select(
            Evidence.id,
            Evidence.candidate_id,
            Evidence.skill_id,
            Evidence.confidence,
            Credential.status_outcome,
            Credential.valid_from,
            Credential.valid_until,
            Credential.received_at,
            Credential.issuer_id,
            Credential.tags,
        )
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(
            Evidence.tenant_id == tenant_id,
            Evidence.skill_id.in_(list(skill_ids)),
            Credential.verified.is_(True),
        )
        .order_by(Evidence.id)
    )
    return [EvidenceFact._make(row) for row in rows]


def cached_mapping(
    session: Session, fingerprint: str, taxonomy_id: int, model: str
) -> list[AchievementMapping] | None:
    """Cached mapping of an achievement, or ``None`` when it was never mapped."""
    rows = list(
        session.scalars(
            select(AchievementMapping)
            .where(
                AchievementMapping.fingerprint == fingerprint,
                AchievementMapping.taxonomy_id == taxonomy_id,
                AchievementMapping.model == model,
            )
            .order_by(AchievementMapping.id)
        )
    )
    return rows or None


def store_mapping(session: Session, rows: Sequence[AchievementMapping]) -> None:
    """Cache an achievement mapping (a row with ``skill_id=None`` records "no skills")."""
    session.add_all(rows)
    session.flush()


def add_quarantine(session: Session, row: QuarantinedDocument) -> QuarantinedDocument:
    """Keep a rejected document."""
    session.add(row)
    session.flush()
    return row


def list_quarantine(
    session: Session, tenant_id: int, *, after_id: int = 0, limit: int = 50
) -> list[QuarantinedDocument]:
    """A tenant's quarantined documents in id order, starting after ``after_id``."""
    return list(
        session.scalars(
            select(QuarantinedDocument)
            .where(QuarantinedDocument.tenant_id == tenant_id, QuarantinedDocument.id > after_id)
            .order_by(QuarantinedDocument.id)
            .limit(limit)
        )
    )


def iter_quarantine(session: Session, tenant_id: int) -> Iterator[QuarantinedDocument]:
    """Every quarantined document of a tenant in id order, read page by page."""
    after = 0
    while page := list_quarantine(session, tenant_id, after_id=after):
        yield from page
        after = page[-1].id


def quarantined_by_ids(
    session: Session, tenant_id: int, ids: Iterable[int]
) -> list[QuarantinedDocument]:
    """A tenant's quarantined documents with the given ids (others are ignored)."""
    wanted = list(set(ids))
    if not wanted:
        return []
    return list(
        session.scalars(
            select(QuarantinedDocument)
            .where(QuarantinedDocument.tenant_id == tenant_id, QuarantinedDocument.id.in_(wanted))
            .order_by(QuarantinedDocument.id)
        )
    )


def quarantined_ids_with_reason(session: Session, tenant_id: int, reason_code: str) -> list[int]:
    """Ids of a tenant's quarantined documents rejected with ``reason_code``, oldest first."""
    return list(
        session.scalars(
            select(QuarantinedDocument.id)
            .where(
                QuarantinedDocument.tenant_id == tenant_id,
                QuarantinedDocument.reason_code == reason_code,
            )
            .order_by(QuarantinedDocument.id)
        )
    )


def delete_quarantined(session: Session, row: QuarantinedDocument) -> None:
    """Remove a quarantined document once it has been accepted."""
    session.delete(row)
    session.flush()


# Change tracking for the derived candidate index


def bump_change_counter(session: Session, tenant_id: int) -> int:
    """Increment and return the tenant's change counter (row-locked until commit)."""
    value = session.scalar(
        update(ChangeCounter)
        .where(ChangeCounter.tenant_id == tenant_id)
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    )
    if value is None:
        raise LookupError(f"tenant {tenant_id} has no change counter")
    return int(value)


def change_counter(session: Session, tenant_id: int) -> int:
    """Current value of the tenant's change counter."""
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.tenant_id == tenant_id))
    return int(value or 0)


def mark_candidate_changed(session: Session, candidate: Candidate, seq: int) -> None:
    """Record that a candidate's evidence changed at counter value ``seq``."""
    candidate.change_seq = seq
    candidate.updated_at = utcnow()
    session.flush()


def candidates_changed_since(session: Session, tenant_id: int, watermark: int) -> list[int]:
    """Ids of a tenant's candidates whose evidence changed after ``watermark``.

    Candidates erased since then are included (from their tombstones): their evidence
    changed to none, so every worker's index drops them.
    """
    changed = set(
        session.scalars(
            select(Candidate.id).where(
                Candidate.tenant_id == tenant_id, Candidate.change_seq > watermark
            )
        )
    )
    changed.update(
        session.scalars(
            select(CandidateErasure.candidate_id).where(
                CandidateErasure.tenant_id == tenant_id, CandidateErasure.change_seq > watermark
            )
        )
    )
    return sorted(changed)


VerifiedEvidenceRow = tuple[int, float, str, datetime | None, datetime | None, str, str]


def verified_skill_weights(
    session: Session,
    tenant_id: int,
    candidate_ids: Iterable[int] | None = None,
    *,
    id_range: tuple[int, int] | None = None,
) -> dict[int, list[VerifiedEvidenceRow]]:
    """Verified evidence per candidate.

    Each row is (skill id, confidence, status outcome, valid from, valid until, issuer id,
    credential tags one per line).

    Args:
        session: Open session.
        tenant_id: The tenant.
        candidate_ids: Restrict to these candidates; ``None`` means every candidate.
        id_range: Restrict to candidate ids from the first to the second, both included
            (one range scan, where a long IN list would be many statements).
    """
    statement = (
        select(
            Evidence.candidate_id,
            Evidence.skill_id,
            Evidence.confidence,
            Credential.status_outcome,
            Credential.valid_from,
            Credential.valid_until,
            Credential.issuer_id,
            Credential.tags,
        )
        .join(Credential, Credential.id == Evidence.credential_id)
        .where(Evidence.tenant_id == tenant_id, Credential.verified.is_(True))
    )
    if id_range is not None:
        statement = statement.where(Evidence.candidate_id.between(*id_range))
    grouped: dict[int, list[VerifiedEvidenceRow]] = {}
    statements = [statement]
    if candidate_ids is not None:
        # Bounded IN lists: SQLite and PostgreSQL drivers cap the parameters of a statement.
        ids = sorted(set(candidate_ids))
        statements = [
            statement.where(Evidence.candidate_id.in_(ids[start : start + SQL_BATCH]))
            for start in range(0, len(ids), SQL_BATCH)
        ]
    shared: dict[str, str] = {}  # thousands of rows share an issuer or tags: one string each
    rows = (row for chunk in statements for row in session.execute(chunk))
    for (
        candidate_id,
        skill_id,
        confidence,
        status,
        valid_from,
        valid_until,
        issuer_id,
        tags,
    ) in rows:
        grouped.setdefault(candidate_id, []).append(
            (
                skill_id,
                confidence,
                status,
                valid_from,
                valid_until,
                shared.setdefault(issuer_id, issuer_id),
                shared.setdefault(tags, tags),
            )
        )
    return grouped


def trust_policy(session: Session, tenant_id: int) -> dict[str, Any] | None:
    """A tenant's stored issuer trust policy (JSON), or ``None`` when it has none."""
    row = session.get(IssuerTrustPolicyRow, tenant_id)
    return None if row is None else row.policy


def put_trust_policy(session: Session, tenant_id: int, policy: dict[str, Any]) -> None:
    """Store (replace) a tenant's issuer trust policy."""
    row = session.get(IssuerTrustPolicyRow, tenant_id)
    if row is None:
        session.add(IssuerTrustPolicyRow(tenant_id=tenant_id, policy=policy))
    else:
        row.policy = policy
        row.updated_at = utcnow()
    session.flush()


def credentials_in_bundle(session: Session, tenant_id: int, bundle_id: int) -> list[Credential]:
    """The credentials stored from a CLR bundle, in order."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.tenant_id == tenant_id, Credential.bundle_id == bundle_id)
            .order_by(Credential.id)
        )
    )


def tenant_ids(session: Session) -> list[int]:
    """Every tenant id."""
    return list(session.scalars(select(Tenant.id)))


def credentials_of_candidate(
    session: Session, tenant_id: int, candidate_id: int
) -> list[Credential]:
    """A candidate's credentials, oldest first."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.tenant_id == tenant_id, Credential.candidate_id == candidate_id)
            .order_by(Credential.id)
        )
    )


def aligned_skill(session: Session, url: str, code: str) -> tuple[Skill, Taxonomy] | None:
    """The skill of any imported taxonomy an alignment names (by URI, or code as URI end).

    The default release's own skills are included; among several, the default release and
    then the lowest id win.
    """
    conditions = [Skill.uri == value for value in (url, code) if value]
    if code:
        conditions.append(Skill.uri.endswith("/" + code, autoescape=True))
    if not conditions:
        return None
    row = session.execute(
        select(Skill, Taxonomy)
        .join(Taxonomy, Taxonomy.id == Skill.taxonomy_id)
        .where(or_(*conditions))
        .order_by(Taxonomy.is_default.desc(), Skill.id)
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def add_declared_skills(session: Session, rows: Sequence[DeclaredSkill]) -> None:
    """Store the skills credentials declare through alignments."""
    session.add_all(rows)
    session.flush()


def declared_skills_of_candidate(
    session: Session, tenant_id: int, candidate_id: int
) -> list[DeclaredSkill]:
    """The alignments a candidate's credentials declare, oldest first."""
    return list(
        session.scalars(
            select(DeclaredSkill)
            .where(DeclaredSkill.tenant_id == tenant_id, DeclaredSkill.candidate_id == candidate_id)
            .order_by(DeclaredSkill.id)
        )
    )


def evidence_of_credential(session: Session, credential_id: int) -> list[Evidence]:
    """The evidence a stored credential gave."""
    return list(
        session.scalars(
            select(Evidence).where(Evidence.credential_id == credential_id).order_by(Evidence.id)
        )
    )


# Background ingest jobs


def create_job(
    session: Session, tenant_id: int, items: Sequence[tuple[int, str, bytes]]
) -> IngestJob:
    """Store a job and its documents (line number, candidate id, raw bytes)."""
    job = IngestJob(tenant_id=tenant_id, total=len(items))
    session.add(job)
    session.flush()
    _bulk(
        session,
        IngestJobItem,
        (
            {"job_id": job.id, "line": line, "candidate_external_id": candidate, "raw": raw}
            for line, candidate, raw in items
        ),
    )
    return job


def get_job(session: Session, tenant_id: int, job_id: int) -> IngestJob | None:
    """A tenant's job."""
    return session.scalar(
        select(IngestJob).where(IngestJob.tenant_id == tenant_id, IngestJob.id == job_id)
    )


def rejected_items(session: Session, job_id: int, limit: int) -> list[IngestJobItem]:
    """The first rejected documents of a job."""
    return list(
        session.scalars(
            select(IngestJobItem)
            .where(IngestJobItem.job_id == job_id, IngestJobItem.outcome == "rejected")
            .order_by(IngestJobItem.line)
            .limit(limit)
        )
    )


def claim_job_item(session: Session, *, stale_before: datetime) -> int | None:
    """Claim the oldest pending item (or one whose claim went stale); returns its id.

    The conditional update makes the claim safe when several workers poll one database.
    """
    candidate = session.scalar(
        select(IngestJobItem.id)
        .where(
            or_(
                IngestJobItem.state == "pending",
                (IngestJobItem.state == "running") & (IngestJobItem.claimed_at < stale_before),
            )
        )
        .order_by(IngestJobItem.id)
        .limit(1)
    )
    if candidate is None:
        return None
    claimed = session.execute(
        update(IngestJobItem)
        .where(
            IngestJobItem.id == candidate,
            or_(
                IngestJobItem.state == "pending",
                (IngestJobItem.state == "running") & (IngestJobItem.claimed_at < stale_before),
            ),
        )
        .values(state="running", claimed_at=utcnow())
    )
    return candidate if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def job_item(session: Session, item_id: int) -> IngestJobItem:
    """A job item by id."""
    item = session.get(IngestJobItem, item_id)
    if item is None:
        raise LookupError(f"no job item {item_id}")
    return item


def job_of_item(session: Session, item: IngestJobItem) -> IngestJob:
    """The job an item belongs to."""
    job = session.get(IngestJob, item.job_id)
    if job is None:
        raise LookupError(f"no job {item.job_id}")
    return job


def record_item_outcome(
    session: Session,
    item: IngestJobItem,
    *,
    outcome: str,
    credential_id: int | None = None,
    quarantine_id: int | None = None,
    detail: str = "",
) -> None:
    """Mark an item done and count it on its job (same transaction as the ingest)."""
    item.state = "done"
    item.outcome = outcome
    item.credential_id = credential_id
    item.quarantine_id = quarantine_id
    item.detail = detail
    counter = {"accepted": IngestJob.accepted, "duplicate": IngestJob.duplicates}.get(
        outcome, IngestJob.rejected
    )
    session.execute(
        update(IngestJob)
        .where(IngestJob.id == item.job_id)
        .values({counter: counter + 1, IngestJob.status: "running"})
    )
    session.flush()
    job = job_of_item(session, item)
    session.refresh(job)
    if job.accepted + job.duplicates + job.rejected >= job.total:
        job.status = "done"
        job.finished_at = utcnow()
        session.flush()


def pending_job_items(session: Session) -> int:
    """Documents of unfinished ingest jobs not yet ingested, across tenants.

    Summed from the per-job counters: the jobs table is far smaller than the items table.
    """
    remaining = IngestJob.total - IngestJob.accepted - IngestJob.duplicates - IngestJob.rejected
    total = session.scalar(
        select(func.coalesce(func.sum(remaining), 0)).where(IngestJob.status != "done")
    )
    return int(total or 0)


def replace_checks(
    session: Session, credential: Credential, checks: Sequence[VerificationCheck]
) -> None:
    """Replace a credential's verification checks with a new report."""
    session.execute(
        delete(VerificationCheck).where(VerificationCheck.credential_id == credential.id)
    )
    for check in checks:
        check.credential_id = credential.id
    session.add_all(checks)
    session.flush()


def credential_ids_of_tenant(session: Session, tenant_id: int) -> list[int]:
    """Ids of every credential a tenant holds, oldest first."""
    return list(
        session.scalars(
            select(Credential.id).where(Credential.tenant_id == tenant_id).order_by(Credential.id)
        )
    )


def get_credential(session: Session, tenant_id: int, credential_id: int) -> Credential | None:
    """A tenant's credential."""
    return session.scalar(
        select(Credential).where(Credential.tenant_id == tenant_id, Credential.id == credential_id)
    )


def candidate_ids_with_tags(session: Session, tenant_id: int, tags: Sequence[str]) -> set[int]:
    """Ids of the tenant's candidates carrying at least one of ``tags`` (normalised)."""
    if not tags:
        return set()
    rows = session.scalars(
        select(CandidateTag.candidate_id)
        .where(CandidateTag.tenant_id == tenant_id, CandidateTag.tag.in_(list(tags)))
        .distinct()
    )
    return set(rows)


def tags_of_candidates(
    session: Session, tenant_id: int, candidate_ids: Iterable[int]
) -> dict[int, list[str]]:
    """The tenant's tags of each candidate, sorted."""
    ids = list(set(candidate_ids))
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for start in range(0, len(ids), SQL_BATCH):
        for candidate_id, tag in session.execute(
            select(CandidateTag.candidate_id, CandidateTag.tag)
            .where(
                CandidateTag.tenant_id == tenant_id,
                CandidateTag.candidate_id.in_(ids[start : start + SQL_BATCH]),
            )
            .order_by(CandidateTag.tag)
        ):
            found.setdefault(candidate_id, []).append(tag)
    return found


def replace_candidate_tags(session: Session, candidate: Candidate, tags: Sequence[str]) -> None:
    """Replace a candidate's tags (already normalised)."""
    session.execute(delete(CandidateTag).where(CandidateTag.candidate_id == candidate.id))
    if tags:
        session.execute(
            insert(CandidateTag),
            [
                {"candidate_id": candidate.id, "tenant_id": candidate.tenant_id, "tag": tag}
                for tag in tags
            ],
        )
