"""Rows every feature refers to: tenants, candidates by external id, and the change counter.

A candidate is created by whichever feature first names it (ingest, tags); the change counter
is how ingest, erasure and tagging tell the candidate index that a candidate changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from service.db.models import (
    Candidate,
    CandidateErasure,
    ChangeCounter,
    Tenant,
    utcnow,
)

SQL_BATCH = 5000
"""Most ids in one SQL ``IN (...)`` list, and most rows in one bulk insert (both databases
cap the bound parameters of a statement)."""


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


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    """A tenant by id."""
    return session.get(Tenant, tenant_id)


def find_tenant(session: Session, name: str) -> Tenant | None:
    """A tenant by name."""
    return session.scalar(select(Tenant).where(Tenant.name == name))


def _bulk(session: Session, model: type[Any], rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= SQL_BATCH:
            session.execute(insert(model), batch)
            batch = []
    if batch:
        session.execute(insert(model), batch)


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


def tenant_ids(session: Session) -> list[int]:
    """Every tenant id."""
    return list(session.scalars(select(Tenant.id)))
