"""Snapshots of the whole candidate-index state: saved, checked, memory-mapped, caught up.

The index is driven by an in-memory change feed (the index does no I/O of its own), over
the mini taxonomy's real skill space and the real encoder.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from service.errors import IndexBuildingError
from service.matching import snapshot
from service.matching.index import CandidateIndex, CandidateIndexes, EvidenceRow
from service.runtime import Runtime

WHEN = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class MemoryFeed:
    """A tenant's changes held in memory: candidate -> evidence rows, and a change counter."""

    evidence: dict[int, list[EvidenceRow]] = field(default_factory=dict)
    changed_at: dict[int, int] = field(default_factory=dict)
    counter: int = 0

    def change(self, candidate_id: int, rows: list[EvidenceRow]) -> None:
        self.counter += 1
        self.evidence[candidate_id] = rows
        self.changed_at[candidate_id] = self.counter

    def change_counter(self) -> int:
        return self.counter

    def candidates_changed_since(self, watermark: int) -> list[int]:
        return sorted(c for c, at in self.changed_at.items() if at > watermark)

    def verified_skill_weights(
        self,
        candidate_ids: Sequence[int] | None = None,
        *,
        id_range: tuple[int, int] | None = None,
    ) -> dict[int, list[EvidenceRow]]:
        wanted = (
            [c for c in self.evidence if id_range[0] <= c <= id_range[1]]
            if id_range is not None
            else list(candidate_ids or [])
        )
        return {c: self.evidence[c] for c in wanted if self.evidence.get(c)}


def _row(skill_id: int, issuer: str = "did:example:uni", tags: str = "") -> EvidenceRow:
    return (skill_id, 0.9, "passed", WHEN, None, issuer, tags)


@pytest.fixture
def skills(runtime: Runtime) -> list[int]:
    context, _ = runtime.require_taxonomy()
    return [int(s) for s in context.space.skill_ids[:6]]


@pytest.fixture
def feed(skills: list[int]) -> MemoryFeed:
    feed = MemoryFeed()
    feed.change(1, [_row(skills[0]), _row(skills[1], tags="cohort-a")])
    feed.change(2, [_row(skills[1], issuer="did:example:college")])
    feed.change(5, [_row(skills[2]), _row(skills[3]), _row(skills[0])])
    return feed


def _state(index: CandidateIndex, runtime: Runtime) -> tuple[object, ...]:
    ids, vectors = index.vectors.vectors()
    order = np.argsort(ids)
    everyone = sorted(int(i) for i in ids)
    table = index.strength_table(everyone, runtime.settings, datetime.now(UTC))
    return (
        ids[order].tolist(),
        vectors[order].round(6).tolist(),
        index.watermark,
        table.candidates.tolist(),
        table.skills.tolist(),
        table.strengths.tolist(),
        sorted((s, index.holders_of([s]).tolist()) for s in range(max(everyone) + 100)),
    )


def _built(runtime: Runtime, feed: MemoryFeed, tenant_id: int = 7) -> CandidateIndex:
    context, _ = runtime.require_taxonomy()
    index = CandidateIndex(tenant_id, runtime.encoder.dimension)
    index.catch_up(feed, context.space, runtime.settings)
    return index


def _load(runtime: Runtime, folder: Path, tenant_id: int = 7, **kwargs: str) -> CandidateIndex:
    context, _ = runtime.require_taxonomy()
    return CandidateIndex.load(
        folder,
        tenant_id,
        model=kwargs.get("model", "m"),
        taxonomy=kwargs.get("taxonomy", context.key),
        dimension=runtime.encoder.dimension,
    )


def test_a_loaded_snapshot_serves_without_reading_any_evidence(
    runtime: Runtime, feed: MemoryFeed, tmp_path: Path
) -> None:
    context, _ = runtime.require_taxonomy()
    built = _built(runtime, feed)
    saved = built.save(tmp_path, model="m", taxonomy=context.key)
    assert saved is not None and snapshot.current_snapshot(tmp_path) == saved

    loaded = _load(runtime, tmp_path)

    class Untouchable(MemoryFeed):
        def verified_skill_weights(
            self, *args: object, **kwargs: object
        ) -> dict[int, list[EvidenceRow]]:
            raise AssertionError("a current snapshot must not re-read evidence")

    untouched = Untouchable(feed.evidence, feed.changed_at, feed.counter)
    assert loaded.catch_up(untouched, context.space, runtime.settings) == 0
    assert _state(loaded, runtime) == _state(built, runtime)
    # The evidence columns and holder lists are mapped from the snapshot's files.
    assert isinstance(loaded._evidence._rows["skill"], np.memmap)


def test_a_restarted_index_catches_up_from_its_watermark(
    runtime: Runtime, feed: MemoryFeed, skills: list[int], tmp_path: Path
) -> None:
    context, _ = runtime.require_taxonomy()
    _built(runtime, feed).save(tmp_path, model="m", taxonomy=context.key)
    # After the save: one candidate gains skills (more rows than it had), one loses all,
    # one is new, with a new issuer and new tags.
    feed.change(2, [_row(skills[4]), _row(skills[5]), _row(skills[1], tags="cohort-b")])
    feed.change(5, [])
    feed.change(9, [_row(skills[3], issuer="did:example:new")])

    loaded = _load(runtime, tmp_path)
    assert loaded.catch_up(feed, context.space, runtime.settings) == 3
    assert _state(loaded, runtime) == _state(_built(runtime, feed), runtime)
    # The loaded index saves again as a newer snapshot that loads to the same state.
    newer = loaded.save(tmp_path, model="m", taxonomy=context.key)
    assert newer is not None and snapshot.current_snapshot(tmp_path) == newer
    assert _state(_load(runtime, tmp_path), runtime) == _state(loaded, runtime)


@pytest.mark.parametrize(
    ("tamper", "kwargs"),
    [
        ("array", {}),
        ("manifest", {}),
        ("current", {}),
        (None, {"model": "another-model"}),
        (None, {"taxonomy": "another-release"}),
    ],
)
def test_a_snapshot_that_does_not_check_out_is_never_half_loaded(
    runtime: Runtime,
    feed: MemoryFeed,
    tmp_path: Path,
    tamper: str | None,
    kwargs: dict[str, str],
) -> None:
    context, _ = runtime.require_taxonomy()
    folder = _built(runtime, feed).save(tmp_path, model="m", taxonomy=context.key)
    assert folder is not None
    if tamper == "array":
        path = folder / "row_confidence.npy"
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
    elif tamper == "manifest":
        manifest = json.loads((folder / snapshot.MANIFEST).read_text())
        manifest["format"] = "something-else/9"
        (folder / snapshot.MANIFEST).write_text(json.dumps(manifest))
    elif tamper == "current":
        (tmp_path / snapshot.CURRENT).write_text("snapshot-gone")

    loaded = _load(runtime, tmp_path, **kwargs)

    assert (loaded.watermark, len(loaded.vectors), loaded.size()) == (0, 0, (0, 0))
    # Started empty, it fills from the feed like a new index.
    assert loaded.catch_up(feed, context.space, runtime.settings) == 3
    assert _state(loaded, runtime) == _state(_built(runtime, feed), runtime)


def test_saves_keep_the_newest_snapshots_and_an_unfilled_index_saves_nothing(
    runtime: Runtime, feed: MemoryFeed, skills: list[int], tmp_path: Path
) -> None:
    context, _ = runtime.require_taxonomy()
    empty = CandidateIndex(7, runtime.encoder.dimension)
    assert empty.save(tmp_path, model="m", taxonomy=context.key) is None
    assert snapshot.current_snapshot(tmp_path) is None
    index = _built(runtime, feed)
    folders = []
    for step in range(4):
        feed.change(20 + step, [_row(skills[step])])
        index.catch_up(feed, context.space, runtime.settings)
        folders.append(index.save(tmp_path, model="m", taxonomy=context.key))
    kept = sorted(p.name for p in tmp_path.glob("snapshot-*"))
    assert len(kept) == snapshot.KEEP
    assert folders[-1] is not None and folders[-1].name in kept
    assert not list(tmp_path.glob(".*.tmp"))  # no staging folder or pointer left behind


class GatedFeed(MemoryFeed):
    """A feed whose evidence reads wait for a gate: a first fill that takes its time."""

    def __init__(self, feed: MemoryFeed, gate: threading.Event) -> None:
        super().__init__(feed.evidence, feed.changed_at, feed.counter)
        self.gate = gate

    def verified_skill_weights(
        self,
        candidate_ids: Sequence[int] | None = None,
        *,
        id_range: tuple[int, int] | None = None,
    ) -> dict[int, list[EvidenceRow]]:
        assert self.gate.wait(30), "the test never opened the gate"
        return super().verified_skill_weights(candidate_ids, id_range=id_range)


def test_while_a_tenant_index_fills_its_requests_get_503_and_other_tenants_are_served(
    runtime: Runtime, feed: MemoryFeed, tmp_path: Path
) -> None:
    context, _ = runtime.require_taxonomy()
    settings = runtime.settings.replaced(index_build_wait_seconds=0.2)
    indexes = CandidateIndexes(
        tmp_path, model="m", taxonomy=context.key, dimension=runtime.encoder.dimension
    )
    gate = threading.Event()
    slow = indexes.get(1)

    @contextlib.contextmanager
    def slow_feed() -> Iterator[MemoryFeed]:
        yield GatedFeed(feed, gate)

    with pytest.raises(IndexBuildingError) as refused:
        slow.ensure_current(feed, slow_feed, context.space, settings)
    assert refused.value.status == 503
    assert refused.value.headers == {"Retry-After": "1"}
    with pytest.raises(IndexBuildingError):  # a second request: refused too, not queued
        slow.ensure_current(feed, slow_feed, context.space, settings)

    # Meanwhile another tenant's index is fetched and filled at once.
    other = indexes.get(2)
    other.ensure_current(feed, lambda: contextlib.nullcontext(feed), context.space, settings)
    assert len(other.vectors) == 3

    gate.set()
    slow.ensure_current(feed, slow_feed, context.space, runtime.settings)
    assert _state(slow, runtime) == _state(other, runtime)


def test_a_fill_starts_from_the_tenant_snapshot_and_reads_only_what_changed_since(
    runtime: Runtime, feed: MemoryFeed, skills: list[int], tmp_path: Path
) -> None:
    context, _ = runtime.require_taxonomy()
    indexes = CandidateIndexes(
        tmp_path, model="m", taxonomy=context.key, dimension=runtime.encoder.dimension
    )
    _built(runtime, feed, tenant_id=3).save(tmp_path / "tenant-3", model="m", taxonomy=context.key)
    feed.change(11, [_row(skills[2])])
    asked: list[object] = []

    class Recording(MemoryFeed):
        def verified_skill_weights(
            self,
            candidate_ids: Sequence[int] | None = None,
            *,
            id_range: tuple[int, int] | None = None,
        ) -> dict[int, list[EvidenceRow]]:
            asked.append(id_range or list(candidate_ids or []))
            return super().verified_skill_weights(candidate_ids, id_range=id_range)

    recording = Recording(feed.evidence, feed.changed_at, feed.counter)
    restarted = indexes.get(3)
    restarted.ensure_current(
        recording, lambda: contextlib.nullcontext(recording), context.space, runtime.settings
    )
    assert asked == [[11]]
    assert _state(restarted, runtime) == _state(_built(runtime, feed, tenant_id=3), runtime)
