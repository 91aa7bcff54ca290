"""Per-tenant FAISS indexes of candidate vectors, kept current from the database.

A candidate's vector is the normalised, evidence-weighted mean of the vectors of the skills
their verified credentials prove. Only internal candidate ids go into FAISS, never personal
data. Each index records the tenant change counter it is current up to (its watermark); before
a search it catches up by re-embedding the candidates changed since, so several workers sharing
one database all see new credentials on their next request.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from embeddings import IndexFileError, IndexManifest, VectorIndex
from embeddings.skill_space import SkillSpace, weighted_mean_vector
from service.errors import IndexBuildingError
from service.matching.filters import EvidenceFilter, credential_tags
from service.matching.snapshot import (
    CURRENT,
    VECTORS,
    SnapshotManifest,
    current_snapshot,
    read_snapshot,
    write_snapshot,
)
from service.settings import Settings
from service.trust.service import IssuerWeight

KIND = "candidates"

EvidenceRow = tuple[int, float, str, datetime | None, datetime | None, str, str]
"""Verified evidence of a candidate.

(skill id, mapping confidence, status outcome, valid from, valid until, issuer id, tags: one
per line).
"""


class ChangeFeed(Protocol):
    """What a catch-up reads of one tenant: its change counter and its candidates' evidence.

    The matching service implements it over the request's session
    (:class:`service.matching.service.DatabaseChangeFeed`); tests may hand any object.
    """

    def change_counter(self) -> int:
        """The tenant's change counter now."""
        ...

    def candidates_changed_since(self, watermark: int) -> list[int]:
        """Ids of candidates changed after ``watermark`` (-1: every candidate), ascending."""
        ...

    def verified_skill_weights(
        self,
        candidate_ids: Sequence[int] | None = None,
        *,
        id_range: tuple[int, int] | None = None,
    ) -> dict[int, list[EvidenceRow]]:
        """Verified evidence rows per candidate, of the ids given or of an id range."""
        ...


def _timestamp(moment: datetime | None, missing: float = math.inf) -> float:
    if moment is None:
        return missing
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def ivf_lists(count: int) -> int:
    """IVF lists for ``count`` vectors.

    About 4 sqrt(n) as a power of two, at least 64, and never more than one list per 8
    vectors (small indexes, tests).
    """
    lists = int(2 ** round(math.log2(max(64.0, 4 * math.sqrt(count)))))
    return max(1, min(lists, count // 8))


def status_factor(status_outcome: str, settings: Settings) -> float:
    """Evidence strength of a verified credential given its revocation-status outcome."""
    return settings.matching.unknown_status_factor if status_outcome == "unknown" else 1.0


def is_expired(valid_until: datetime | None, now: datetime) -> bool:
    """Whether a credential's validity ended before ``now`` (naive times are UTC)."""
    if valid_until is None:
        return False
    if valid_until.tzinfo is None:
        valid_until = valid_until.replace(tzinfo=UTC)
    return valid_until <= now


def skill_strengths(
    rows: Sequence[EvidenceRow],
    space: SkillSpace,
    settings: Settings,
    now: datetime,
    issuer_weight: IssuerWeight | None = None,
) -> dict[int, float]:
    """Strongest current evidence per skill from verified-evidence rows of one candidate.

    Strength = mapping confidence x status factor x issuer weight (1 without a policy);
    expired credentials and skills outside the skill space count for nothing.
    """
    strengths: dict[int, float] = {}
    for skill_id, confidence, status, _, valid_until, issuer, _ in rows:
        if not space.has_skill(skill_id) or is_expired(valid_until, now):
            continue
        strength = confidence * status_factor(status, settings)
        if issuer_weight is not None:
            strength *= issuer_weight(issuer)
        if strength <= 0.0:
            continue
        strengths[skill_id] = max(strengths.get(skill_id, 0.0), strength)
    return strengths


_HELD = np.dtype(
    [
        ("skill", np.int64),
        ("confidence", np.float32),
        ("unknown_status", np.bool_),
        ("valid_from", np.float64),  # Unix time; NaN when the credential gives none
        ("valid_until", np.float64),  # Unix time; +inf when it does not expire
        ("issuer", np.int32),  # position in CandidateIndex._issuer_names
        ("tags", np.int32),  # position in CandidateIndex._tag_sets
    ]
)
"""The fields of a verified evidence row (skills outside the space are dropped): a
candidate's rows arrive as one structured array and are stored as the columns of
`_EvidenceColumns`."""


DENSE_SPAN = 4
"""Largest span of a tenant's candidate ids, per candidate, for a slot table by id."""


class _EvidenceColumns:
    """Every candidate's evidence rows in growable columns, one array per field of `_HELD`.

    A candidate owns one contiguous run of rows; ``gather`` picks the runs of a pool with
    index arithmetic instead of touching one numpy object per candidate (at a million
    candidates and a pool of 20,000 that per-candidate work dominated a match). A changed
    candidate is rewritten in place when its new rows fit, else appended; the rows left
    behind are compacted away once they outnumber the live ones. Callers hold the index lock.
    Separate arrays, not one structured array: picking rows from a structured array copies
    them item by item, about ten times slower than from plain arrays.
    """

    def __init__(self) -> None:
        self._rows = _empty_columns(1024)
        self._used = 0
        self._dead = 0
        self._slot_of: dict[int, int] = {}
        self._owner = np.empty(256, dtype=np.int64)
        self._start = np.zeros(256, dtype=np.int64)
        self._count = np.zeros(256, dtype=np.int64)
        # Candidate id -> slot for many ids at once: ids sorted, with their slots. Slots are
        # never reassigned, so new ones are merged in (lazily) and nothing else changes it.
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._sorted_slots = np.zeros(0, dtype=np.int64)
        self._dense: npt.NDArray[np.int32] | None = None  # slot by id - smallest id
        self.candidates = 0
        """Candidates with at least one row."""

    def skills_of(self, candidate_id: int) -> npt.NDArray[np.int64]:
        """The skills of a candidate's current rows."""
        slot = self._slot_of.get(candidate_id)
        if slot is None:
            return np.zeros(0, dtype=np.int64)
        start = int(self._start[slot])
        return self._rows["skill"][start : start + int(self._count[slot])].copy()

    def put(self, candidate_id: int, held: npt.NDArray[np.void]) -> None:
        """Replace a candidate's rows (an empty array removes them)."""
        slot = self._slot_of.get(candidate_id)
        if slot is None:
            if len(held) == 0:
                return
            slot = len(self._slot_of)
            if slot == len(self._owner):
                self._owner = np.resize(self._owner, 2 * slot)
                self._start = np.resize(self._start, 2 * slot)
                self._count = np.resize(self._count, 2 * slot)
            self._slot_of[candidate_id] = slot
            self._owner[slot] = candidate_id
            self._count[slot] = 0
        previous = int(self._count[slot])
        self.candidates += (len(held) > 0) - (previous > 0)
        if len(held) <= previous:
            start = int(self._start[slot])
            _write(self._rows, start, held)
            self._dead += previous - len(held)
        else:
            capacity = len(self._rows["skill"])
            if self._used + len(held) > capacity:
                grown = _empty_columns(max(2 * capacity, self._used + len(held)))
                for name, column in self._rows.items():
                    grown[name][: self._used] = column[: self._used]
                self._rows = grown
            self._start[slot] = self._used
            _write(self._rows, self._used, held)
            self._used += len(held)
            self._dead += previous
        self._count[slot] = len(held)
        if self._dead > max(4096, self._used // 2):
            self._compact()

    def export(self) -> dict[str, npt.NDArray[Any]]:
        """The live rows, run after run in slot order, with spare capacity after them.

        Keys: ``owner`` and ``count`` per slot, ``row_<field>`` per field of `_HELD`.
        """
        slots = np.arange(len(self._slot_of), dtype=np.int64)
        index = self._row_index(slots)
        spare = max(1024, len(index) // 8)
        arrays: dict[str, npt.NDArray[Any]] = {
            "owner": self._owner[: len(slots)],
            "count": self._count[: len(slots)],
        }
        for name, column in self._rows.items():
            rows = np.zeros(len(index) + spare, dtype=column.dtype)
            rows[: len(index)] = column[index]
            arrays[f"row_{name}"] = rows
        return arrays

    @classmethod
    def restore(cls, arrays: Mapping[str, npt.NDArray[Any]], rows: int) -> _EvidenceColumns:
        """Columns from :meth:`export`'s arrays (memory-mapped ones stay mapped)."""
        columns = cls()
        owner, count = arrays["owner"], arrays["count"]
        columns._rows = {name: arrays[f"row_{name}"] for name in _HELD.names or ()}
        columns._used = rows
        columns._owner = owner
        columns._count = count
        columns._start = (np.cumsum(count) - count).astype(np.int64)
        columns._slot_of = dict(zip(owner.tolist(), range(len(owner)), strict=True))
        columns.candidates = int(np.count_nonzero(count))
        return columns

    def pairs(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(candidate, skill) of every current row."""
        slots = np.arange(len(self._slot_of), dtype=np.int64)
        index = self._row_index(slots)
        return np.repeat(self._owner[slots], self._count[slots]), self._rows["skill"][index]

    def _compact(self) -> None:
        slots = len(self._slot_of)
        index = self._row_index(np.arange(slots, dtype=np.int64))
        self._rows = {name: column[index] for name, column in self._rows.items()}
        self._start[:slots] = np.cumsum(self._count[:slots]) - self._count[:slots]
        self._used = len(index)
        self._dead = 0

    def _row_index(self, slots: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Row positions of the runs of ``slots``, run after run."""
        counts = self._count[slots]
        ends = np.cumsum(counts)
        return np.repeat(self._start[slots] - (ends - counts), counts) + np.arange(
            int(ends[-1]) if len(ends) else 0, dtype=np.int64
        )

    def slots(self, candidate_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The slot of each candidate id (-1 for a candidate never stored), vectorised.

        Ids are looked up in a table indexed by id when the tenant's ids are dense enough
        (their span at most `DENSE_SPAN` times their count: 4 bytes per id of the span),
        else by binary search in the sorted ids (a cache miss per level at a million).
        """
        known = len(self._slot_of)
        if len(self._sorted_ids) < known:
            fresh = np.arange(len(self._sorted_ids), known, dtype=np.int64)
            fresh = fresh[np.argsort(self._owner[fresh], kind="stable")]
            at = np.searchsorted(self._sorted_ids, self._owner[fresh])
            self._sorted_ids = np.insert(self._sorted_ids, at, self._owner[fresh])
            self._sorted_slots = np.insert(self._sorted_slots, at, fresh)
            self._dense = None
            low, high = int(self._sorted_ids[0]), int(self._sorted_ids[-1])
            if high - low < DENSE_SPAN * known:
                self._dense = np.full(high - low + 1, -1, dtype=np.int32)
                self._dense[self._sorted_ids - low] = self._sorted_slots
        if known == 0 or len(candidate_ids) == 0:
            return np.full(len(candidate_ids), -1, dtype=np.int64)
        if self._dense is not None:
            offsets = candidate_ids - self._sorted_ids[0]
            inside = (offsets >= 0) & (offsets < len(self._dense))
            found_dense = np.full(len(candidate_ids), -1, dtype=np.int64)
            found_dense[inside] = self._dense[offsets[inside]]
            return found_dense
        at = np.searchsorted(self._sorted_ids, candidate_ids).clip(max=known - 1)
        found: npt.NDArray[np.int64] = np.where(
            self._sorted_ids[at] == candidate_ids, self._sorted_slots[at], -1
        )
        return found

    def gather(
        self,
        candidate_ids: Iterable[int] | npt.NDArray[np.int64],
        skills: npt.NDArray[np.bool_] | None = None,
    ) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[Any]]]:
        """(owner of each row, rows by field of `_HELD`), in ascending candidate id order.

        Args:
            candidate_ids: The candidates (repeats and unknown ids are ignored).
            skills: Keep only rows whose skill id ``s`` has ``skills[s]`` true (ids past the
                end are dropped); every row when ``None``.
        """
        ids = (
            candidate_ids.astype(np.int64, copy=False)
            if isinstance(candidate_ids, np.ndarray)
            else np.fromiter(candidate_ids, dtype=np.int64)
        )
        if np.any(ids[1:] <= ids[:-1]):  # a match's pool comes sorted and unique already
            ids = np.unique(ids)
        slots = self.slots(ids)
        slots = slots[slots >= 0]  # ascending candidate id order, since ids are sorted
        index = self._row_index(slots)
        owners = np.repeat(self._owner[slots], self._count[slots])
        if skills is not None:
            held = self._rows["skill"][index]
            keep = held < len(skills)
            keep[keep] = skills[held[keep]]
            index, owners = index[keep], owners[keep]
        return owners, {name: column[index] for name, column in self._rows.items()}


def sorted_union(arrays: Sequence[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
    """The distinct values of several id arrays, sorted.

    A sort and a neighbour comparison: ``np.unique`` hashes first, about five times slower
    on the tens of thousands of ids a match merges.
    """
    merged = np.sort(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)
    if len(merged) == 0:
        return merged
    distinct: npt.NDArray[np.int64] = merged[np.r_[True, merged[1:] != merged[:-1]]]
    return distinct


def _empty_columns(capacity: int) -> dict[str, npt.NDArray[Any]]:
    return {name: np.empty(capacity, dtype=_HELD[name]) for name in _HELD.names or ()}


def _write(columns: dict[str, npt.NDArray[Any]], start: int, held: npt.NDArray[np.void]) -> None:
    for name, column in columns.items():
        column[start : start + len(held)] = held[name]


LOAD_CHUNK = 20_000
"""Candidates whose evidence is read and embedded together when an index is first filled."""


@dataclass(frozen=True, slots=True)
class StrengthTable:
    """Current strength of each (candidate, held skill) pair of a pool, as flat arrays.

    Rows are grouped by candidate (``starts`` gives each group's first row), candidates in
    ascending id order. A pair appears once per counting credential (a ranking takes the
    maximum anyway, and sorting the pairs away cost more than the ranking): `held` keeps
    the strongest.
    """

    candidates: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    skills: npt.NDArray[np.int64]
    strengths: npt.NDArray[np.float32]

    def held(self, candidate_id: int) -> dict[int, float]:
        """One candidate's held skills and strengths (empty when not in the table)."""
        position = int(np.searchsorted(self.candidates, candidate_id))
        if position >= len(self.candidates) or self.candidates[position] != candidate_id:
            return {}
        end = self.starts[position + 1] if position + 1 < len(self.starts) else len(self.skills)
        rows = slice(int(self.starts[position]), int(end))
        held: dict[int, float] = {}
        for skill_id, strength in zip(
            self.skills[rows].tolist(), self.strengths[rows].tolist(), strict=True
        ):
            held[skill_id] = max(held.get(skill_id, 0.0), strength)
        return held


class CandidateIndex:
    """The candidate vectors of one tenant.

    Args:
        tenant_id: The tenant.
        dimension: Vector dimension of the skill space.
    """

    def __init__(self, tenant_id: int, dimension: int) -> None:
        self.tenant_id = tenant_id
        self.vectors = VectorIndex(dimension)
        self.watermark = 0
        self.trained_for = 0  # candidates the IVF index was trained for (0: exact index)
        self._lock = threading.Lock()
        # Verified evidence per candidate and holders per skill: the re-rank and the exact
        # must-have lookup read these instead of the database. Derived like the vectors and
        # kept current by the same watermark; filled from the database on first use.
        self._evidence = _EvidenceColumns()
        self._issuer_names: list[str] = []
        self._issuer_position: dict[str, int] = {}
        self._tag_sets: list[frozenset[str]] = []
        # A first fill runs in a background thread (see ensure_current), from the snapshot
        # named here when there is one.
        self.snapshot_source: tuple[Path, str, str] | None = None
        self._build_guard = threading.Lock()
        self._builder: threading.Thread | None = None
        self._build_failure: Exception | None = None
        self._tag_set_position: dict[str, int] = {}
        # Holders per skill as sorted arrays of candidate ids, not Python sets: at a million
        # candidates sets held 5.5 million int objects, which every full garbage collection
        # walked (0.85 s, in the middle of some request). Changes are collected per skill
        # and merged once per catch-up.
        self._holders: dict[int, npt.NDArray[np.int64]] = {}
        self._holders_dropped: dict[int, list[int]] = {}
        self._holders_added: dict[int, list[int]] = {}
        self._loaded = False

    def catch_up(self, feed: ChangeFeed, space: SkillSpace, settings: Settings) -> int:
        """Re-embed candidates changed since the watermark.

        Args:
            feed: The tenant's changes, read for the index by its caller (the index does no
                I/O of its own).
            space: The taxonomy's skill space.
            settings: Settings.

        Returns:
            How many candidates were updated.
        """
        if feed.change_counter() == self.watermark and self._loaded:
            return 0
        with self._lock:
            # Read again under the lock: a value read before it may be older than the
            # watermark another request just reached, which is not a database reset.
            current = feed.change_counter()
            if current < self.watermark:
                # Counters only grow, so the database was recreated or restored: start over.
                self.vectors = VectorIndex(self.vectors.dimension)
                self._evidence = _EvidenceColumns()
                self._holders.clear()
                self._holders_dropped.clear()
                self._holders_added.clear()
                self._loaded = False
                self.watermark = 0
            loading = not self._loaded
            if current == self.watermark and not loading:
                return 0
            changed = (
                feed.candidates_changed_since(self.watermark) if current != self.watermark else []
            )
            # On first use every candidate's evidence is read, not only the changed ones; in
            # chunks of consecutive ids, so a million candidates never sit in memory as
            # Python rows at once (that peaked at 11 GB).
            targets = feed.candidates_changed_since(-1) if loading else changed
            to_embed = set(changed)
            self.vectors.remove(np.asarray(changed, dtype=np.int64))
            now = datetime.now(UTC)
            for start in range(0, len(targets), LOAD_CHUNK):
                chunk = targets[start : start + LOAD_CHUNK]
                evidence = (
                    feed.verified_skill_weights(id_range=(chunk[0], chunk[-1]))
                    if loading
                    else feed.verified_skill_weights(chunk)
                )
                for candidate_id in chunk:
                    self._set_evidence(
                        candidate_id, evidence.get(candidate_id, []), space, track=not loading
                    )
                self._embed([c for c in chunk if c in to_embed], evidence, space, settings, now)
            if loading:
                self._build_holders()
            else:
                self._merge_holders()
            self._loaded = True
            if current == self.watermark:
                return 0
            self._choose_index_kind(settings)
            self.watermark = current
            return len(changed)

    def _embed(
        self,
        candidate_ids: list[int],
        evidence: dict[int, list[EvidenceRow]],
        space: SkillSpace,
        settings: Settings,
        now: datetime,
    ) -> None:
        """Add the vectors of candidates (removed beforehand); those without evidence get none."""
        ids: list[int] = []
        vectors = []
        for candidate_id in candidate_ids:
            skills = skill_strengths(evidence.get(candidate_id, []), space, settings, now)
            if skills:
                ids.append(candidate_id)
                vectors.append(
                    weighted_mean_vector(
                        space.vectors_of(list(skills)),
                        np.fromiter(skills.values(), dtype=np.float32, count=len(skills)),
                    )
                )
        if ids:
            self.vectors.add(np.asarray(ids, dtype=np.int64), np.stack(vectors))

    def _choose_index_kind(self, settings: Settings) -> None:
        """Exact below ``candidate_ivf_min`` candidates; IVF above, retrained as it grows.

        The IVF index is trained on a sample of the current vectors with about 4 sqrt(n)
        lists; once it holds 8 times what it was trained for, it is trained again so its
        lists stay balanced. Called with the lock held.
        """
        count = len(self.vectors)
        if count < settings.matching.candidate_ivf_min:
            return
        if self.vectors.kind == "ivf-sq8" and count < 8 * self.trained_for:
            self.vectors.set_nprobe(settings.matching.candidate_ivf_nprobe)
            return
        ids, vectors = self.vectors.vectors()
        nlist = ivf_lists(count)
        sample = np.random.default_rng(count).choice(
            count, size=min(count, nlist * 50), replace=False
        )
        rebuilt = VectorIndex.ivf(
            vectors[sample], nlist=nlist, nprobe=settings.matching.candidate_ivf_nprobe
        )
        rebuilt.add(ids, vectors)
        self.vectors = rebuilt
        self.trained_for = count

    def _set_evidence(
        self, candidate_id: int, rows: list[EvidenceRow], space: SkillSpace, *, track: bool
    ) -> None:
        """Store a candidate's evidence; with ``track``, note the holder changes to merge."""
        if track:
            for skill_id in self._evidence.skills_of(candidate_id).tolist():
                self._holders_dropped.setdefault(skill_id, []).append(candidate_id)
        kept = [row for row in rows if space.has_skill(row[0])]
        if not kept:
            self._evidence.put(candidate_id, np.empty(0, dtype=_HELD))
            return
        held = np.empty(len(kept), dtype=_HELD)
        held["skill"] = [r[0] for r in kept]
        held["confidence"] = [r[1] for r in kept]
        held["unknown_status"] = [r[2] == "unknown" for r in kept]
        held["valid_from"] = [_timestamp(r[3], math.nan) for r in kept]
        held["valid_until"] = [_timestamp(r[4]) for r in kept]
        held["issuer"] = [self._issuer(r[5]) for r in kept]
        held["tags"] = [self._tag_set(r[6]) for r in kept]
        self._evidence.put(candidate_id, held)
        if track:
            for skill_id in held["skill"].tolist():
                self._holders_added.setdefault(skill_id, []).append(candidate_id)

    def _build_holders(self) -> None:
        """Every skill's holders from the stored evidence (after a first fill)."""
        owners, skills = self._evidence.pairs()
        self._holders_dropped.clear()
        self._holders_added.clear()
        if len(owners) == 0:
            self._holders = {}
            return
        order = np.lexsort((owners, skills))
        owners, skills = owners[order], skills[order]
        distinct = np.r_[True, (owners[1:] != owners[:-1]) | (skills[1:] != skills[:-1])]
        owners, skills = owners[distinct], skills[distinct]
        bounds = np.flatnonzero(np.r_[True, skills[1:] != skills[:-1], True])
        self._holders = {
            int(skills[start]): owners[start:end]
            for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
        }

    def _merge_holders(self) -> None:
        """Apply the holder changes noted since the last merge: drops first, then additions."""
        empty = np.zeros(0, dtype=np.int64)
        for skill_id in self._holders_dropped.keys() | self._holders_added.keys():
            holders = self._holders.get(skill_id, empty)
            dropped = self._holders_dropped.get(skill_id)
            if dropped:
                holders = holders[~np.isin(holders, dropped)]
            added = self._holders_added.get(skill_id)
            if added:
                holders = sorted_union([holders, np.asarray(added, dtype=np.int64)])
            if len(holders):
                self._holders[skill_id] = holders
            else:
                self._holders.pop(skill_id, None)
        self._holders_dropped.clear()
        self._holders_added.clear()

    def _issuer(self, name: str) -> int:
        position = self._issuer_position.get(name)
        if position is None:
            position = self._issuer_position[name] = len(self._issuer_names)
            self._issuer_names.append(name)
        return position

    def _tag_set(self, text: str) -> int:
        position = self._tag_set_position.get(text)
        if position is None:
            position = self._tag_set_position[text] = len(self._tag_sets)
            self._tag_sets.append(credential_tags(text))
        return position

    def strength_table(
        self,
        candidate_ids: Iterable[int] | npt.NDArray[np.int64],
        settings: Settings,
        now: datetime,
        issuer_weight: IssuerWeight | None = None,
        evidence_filter: EvidenceFilter | None = None,
        *,
        skills: npt.NDArray[np.int64] | None = None,
    ) -> StrengthTable:
        """Current evidence strengths of candidates, vectorised (see `skill_strengths`).

        Strength = mapping confidence x status factor x issuer weight; expired credentials,
        credentials the filter does not admit (issue date, issuer, tags) and zero strengths
        are dropped (see `StrengthTable` for pairs held through several credentials).

        Args:
            candidate_ids: The candidates.
            settings: Settings (the unknown-status factor).
            now: Credentials whose validity ended by then count for nothing.
            issuer_weight: The tenant's trust policy, if any.
            evidence_filter: Which credentials count (issue date, issuers, tags).
            skills: Only evidence of these skills (a match passes the skills that can count
                towards its requirements: at a million candidates a pool holds about 80,000
                evidence rows, of which a few thousand can); every skill when ``None``.
        """
        wanted = None
        if skills is not None:
            wanted = np.zeros(int(skills.max()) + 1 if len(skills) else 0, dtype=np.bool_)
            wanted[skills] = True
        with self._lock:
            owners, held = self._evidence.gather(candidate_ids, wanted)
            # Only ever appended to, so the positions gathered stay valid without a copy.
            names = self._issuer_names
            tag_sets = self._tag_sets
        empty = StrengthTable(
            candidates=np.zeros(0, dtype=np.int64),
            starts=np.zeros(0, dtype=np.int64),
            skills=np.zeros(0, dtype=np.int64),
            strengths=np.zeros(0, dtype=np.float32),
        )
        if len(owners) == 0:
            return empty
        skills = held["skill"]
        strengths = held["confidence"].copy()
        strengths[held["unknown_status"]] *= settings.matching.unknown_status_factor
        strengths[held["valid_until"] <= now.timestamp()] = 0.0
        if issuer_weight is not None or (evidence_filter is not None and evidence_filter.issuers):
            issuers = held["issuer"]
            used = np.unique(issuers)
            weights = np.zeros(len(names), dtype=np.float32)
            weights[used] = [
                (1.0 if issuer_weight is None else issuer_weight(names[int(n)]))
                * (evidence_filter is None or evidence_filter.admits_issuer(names[int(n)]))
                for n in used
            ]
            strengths = strengths * weights[issuers]
        if evidence_filter is not None and evidence_filter.issued_after is not None:
            # NaN (no validFrom) compares False: such credentials fail a date filter.
            cutoff = _timestamp(evidence_filter.issued_after)
            strengths[~(held["valid_from"] >= cutoff)] = 0.0
        if evidence_filter is not None and evidence_filter.tags:
            tags = held["tags"]
            used = np.unique(tags)
            admitted = np.zeros(len(tag_sets), dtype=np.bool_)
            admitted[used] = [evidence_filter.admits_tags(tag_sets[int(n)]) for n in used]
            strengths[~admitted[tags]] = 0.0
        keep = strengths > 0.0
        owners, skills, strengths = owners[keep], skills[keep], strengths[keep].astype(np.float32)
        if len(owners) == 0:
            return empty
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]).astype(np.int64)
        return StrengthTable(
            candidates=owners[starts], starts=starts, skills=skills, strengths=strengths
        )

    def size(self) -> tuple[int, int]:
        """(candidates with verified evidence, vectors in FAISS), for metrics.

        Read without the lock so a scrape never waits for a catch-up; the figures may be
        one update behind.
        """
        return self._evidence.candidates, len(self.vectors)

    def holders_of(self, skill_ids: Iterable[int]) -> npt.NDArray[np.int64]:
        """Candidates holding verified evidence of any of the skills, sorted (exact lookup).

        The tens of thousands of holders of a match's must-have skills at a million
        candidates are merged as arrays.
        """
        with self._lock:
            arrays = [
                self._holders[skill_id] for skill_id in set(skill_ids) if skill_id in self._holders
            ]
        return sorted_union(arrays)

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Nearest candidates to a query vector: (candidate id, cosine), best first."""
        # FAISS must not be searched while catch_up adds or removes vectors (it releases the
        # GIL), so searches share the lock with updates.
        with self._lock:
            if len(self.vectors) == 0:
                return []
            scores, ids = self.vectors.search(query.reshape(1, -1), k)
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True) if int(i) >= 0]

    def save(self, directory: Path, *, model: str, taxonomy: str) -> Path | None:
        """Write a snapshot of the whole index state (see :mod:`service.matching.snapshot`).

        Vectors, evidence columns, holder lists, interned issuers and tags, and the
        watermark they are current to: a worker that loads it serves at once and catches up
        from the watermark. Nothing is written for an index never filled.

        Returns:
            The snapshot's folder, or None when there was nothing to save.
        """
        with self._lock:
            if not self._loaded:
                return None
            arrays = self._evidence.export()
            skills = np.asarray(sorted(self._holders), dtype=np.int64)
            lists = [self._holders[int(skill)] for skill in skills]
            arrays["holder_skill"] = skills
            arrays["holder_offset"] = np.r_[0, np.cumsum([len(x) for x in lists])].astype(np.int64)
            arrays["holder_id"] = (
                np.concatenate(lists).astype(np.int64) if lists else np.zeros(0, np.int64)
            )
            manifest = SnapshotManifest(
                model=model,
                taxonomy=taxonomy,
                tenant=self.tenant_id,
                watermark=self.watermark,
                trained_for=self.trained_for,
                issuer_names=list(self._issuer_names),
                tag_texts=sorted(self._tag_set_position, key=self._tag_set_position.__getitem__),
                rows=int(arrays["count"].sum()),
            )
            vectors_manifest = IndexManifest(
                kind=KIND,
                model=model,
                dimension=self.vectors.dimension,
                taxonomy=taxonomy,
                count=len(self.vectors),
                watermark=self.watermark,
                extra={"tenant": self.tenant_id, "trained_for": self.trained_for},
            )
            return write_snapshot(
                directory,
                manifest,
                arrays,
                lambda folder: self.vectors.save(folder, vectors_manifest),
            )

    @classmethod
    def load(
        cls, directory: Path, tenant_id: int, *, model: str, taxonomy: str, dimension: int
    ) -> CandidateIndex:
        """The tenant's current snapshot, or an empty index when there is none that fits.

        A snapshot fits when it was built with this model and taxonomy for this tenant and
        its files match their checksums; anything else starts empty (filled from the
        database on first use), never half-loaded.
        """
        index = cls(tenant_id, dimension)
        index.restore(directory, model=model, taxonomy=taxonomy)
        return index

    def restore(self, directory: Path, *, model: str, taxonomy: str) -> bool:
        """Take the state of the tenant's current snapshot, when one fits (see :meth:`load`).

        Returns:
            Whether a snapshot was restored.
        """
        folder = current_snapshot(directory)
        if folder is None:
            return False
        try:
            manifest, arrays = read_snapshot(folder)
            if (manifest.model, manifest.taxonomy, manifest.tenant) != (
                model,
                taxonomy,
                self.tenant_id,
            ):
                return False
            vectors, vectors_manifest = VectorIndex.load(folder / VECTORS)
        except IndexFileError:
            return False
        if (vectors_manifest.kind, vectors_manifest.dimension) != (KIND, self.vectors.dimension):
            return False
        with self._lock:
            self.vectors = vectors
            self.watermark = manifest.watermark
            self.trained_for = manifest.trained_for
            self._evidence = _EvidenceColumns.restore(arrays, manifest.rows)
            self._issuer_names = list(manifest.issuer_names)
            self._issuer_position = {name: i for i, name in enumerate(manifest.issuer_names)}
            self._tag_sets = []
            self._tag_set_position = {}
            for text in manifest.tag_texts:
                self._tag_set(text)
            offsets = arrays["holder_offset"]
            holder_ids = arrays["holder_id"]
            self._holders = {
                skill: holder_ids[start:end]
                for skill, start, end in zip(
                    arrays["holder_skill"].tolist(),
                    offsets[:-1].tolist(),
                    offsets[1:].tolist(),
                    strict=True,
                )
            }
            self._loaded = True
        return True

    def ensure_current(
        self,
        feed: ChangeFeed,
        open_feed: Callable[[], AbstractContextManager[ChangeFeed]],
        space: SkillSpace,
        settings: Settings,
    ) -> None:
        """Catch up for a request, never holding it longer than the build wait.

        A filled index catches up in the request (the changes since the last request). An
        unfilled one is filled in the background, from the tenant's snapshot when there is
        one that fits, else from ``open_feed`` (its own database session); the request
        waits ``index_build_wait_seconds`` for it, then is refused with a 503 and
        ``Retry-After`` while the fill goes on. Other tenants' indexes are not involved.

        Raises:
            IndexBuildingError: The fill is still running after the wait.
        """
        if not self._loaded:
            with self._build_guard:
                if self._builder is None or not (self._builder.is_alive() or self._loaded):
                    self._builder = threading.Thread(
                        target=self._fill,
                        args=(open_feed, space, settings),
                        name=f"candidate-index-{self.tenant_id}",
                        daemon=True,
                    )
                    self._builder.start()
                builder = self._builder
            wait = settings.matching.index_build_wait_seconds
            builder.join(wait)
            if builder.is_alive():
                raise IndexBuildingError(
                    "the candidate index of this tenant is being built; retry shortly",
                    retry_after=max(1, math.ceil(wait)),
                )
            failure, self._build_failure = self._build_failure, None
            if failure is not None:
                raise failure
        self.catch_up(feed, space, settings)

    def fill_now(
        self,
        open_feed: Callable[[], AbstractContextManager[ChangeFeed]],
        space: SkillSpace,
        settings: Settings,
    ) -> None:
        """Fill the index in this thread, as :meth:`ensure_current` does in the background.

        For a process that loads before it serves (``credmatch serve --workers``).

        Raises:
            Exception: What the fill raised.
        """
        self._fill(open_feed, space, settings)
        failure, self._build_failure = self._build_failure, None
        if failure is not None:
            raise failure

    def _fill(
        self,
        open_feed: Callable[[], AbstractContextManager[ChangeFeed]],
        space: SkillSpace,
        settings: Settings,
    ) -> None:
        try:
            if self.snapshot_source is not None:
                directory, model, taxonomy = self.snapshot_source
                self.restore(directory, model=model, taxonomy=taxonomy)
            with open_feed() as feed:
                self.catch_up(feed, space, settings)
        except Exception as exc:
            self._build_failure = exc


class CandidateIndexes:
    """The candidate indexes of every tenant, loaded lazily.

    Args:
        directory: Folder for saved indexes (one sub-folder per tenant).
        model: Encoder model id.
        taxonomy: Release key of the skill space.
        dimension: Vector dimension.
    """

    def __init__(self, directory: Path, *, model: str, taxonomy: str, dimension: int) -> None:
        self.directory = directory
        self.model = model
        self.taxonomy = taxonomy
        self.dimension = dimension
        self._indexes: dict[int, CandidateIndex] = {}
        self._lock = threading.Lock()

    def _path(self, tenant_id: int) -> Path:
        return self.directory / f"tenant-{tenant_id}"

    def get(self, tenant_id: int) -> CandidateIndex:
        """The tenant's index; filled on first use (see :meth:`CandidateIndex.ensure_current`).

        Nothing is read here, under the lock all tenants share: the snapshot is read by the
        fill, under the tenant's own lock.
        """
        with self._lock:
            index = self._indexes.get(tenant_id)
            if index is None:
                index = CandidateIndex(tenant_id, self.dimension)
                index.snapshot_source = (self._path(tenant_id), self.model, self.taxonomy)
                self._indexes[tenant_id] = index
            return index

    def snapshot_tenants(self) -> list[int]:
        """The tenants that have a saved snapshot in this folder, by id."""
        if not self.directory.is_dir():
            return []
        return sorted(
            int(folder.name.removeprefix("tenant-"))
            for folder in self.directory.glob("tenant-*")
            if folder.name.removeprefix("tenant-").isdigit() and (folder / CURRENT).is_file()
        )

    def loaded(self) -> list[CandidateIndex]:
        """The indexes loaded so far (a tenant's is loaded by its first match or search)."""
        with self._lock:
            return list(self._indexes.values())

    def save_all(self) -> None:
        """Persist every loaded index."""
        with self._lock:
            loaded: Sequence[CandidateIndex] = list(self._indexes.values())
        for index in loaded:
            index.save(self._path(index.tenant_id), model=self.model, taxonomy=self.taxonomy)
