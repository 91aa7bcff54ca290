"""The columnar evidence store behind the candidate index: runs, rewrites, compaction."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from service.candidate_index import _HELD, _EvidenceColumns


def _held(*skills: int) -> npt.NDArray[np.void]:
    rows = np.zeros(len(skills), dtype=_HELD)
    rows["skill"] = skills
    rows["confidence"] = [s / 1000 for s in skills]
    return rows


def _as_dict(columns: _EvidenceColumns, ids: list[int]) -> dict[int, list[int]]:
    owners, rows = columns.gather(ids)
    found: dict[int, list[int]] = {}
    for owner, skill in zip(owners.tolist(), rows["skill"].tolist(), strict=True):
        found.setdefault(owner, []).append(skill)
    return found


def test_gather_returns_each_candidates_rows_in_id_order() -> None:
    columns = _EvidenceColumns()
    columns.put(30, _held(1, 2))
    columns.put(10, _held(3))
    columns.put(20, _held(4, 5, 6))
    owners, rows = columns.gather([30, 10, 99, 20, 10])
    assert owners.tolist() == [10, 20, 20, 20, 30, 30]
    assert rows["skill"].tolist() == [3, 4, 5, 6, 1, 2]
    np.testing.assert_allclose(rows["confidence"], [0.003, 0.004, 0.005, 0.006, 0.001, 0.002])
    assert columns.candidates == 3


def test_rewrites_in_place_append_and_remove() -> None:
    columns = _EvidenceColumns()
    columns.put(1, _held(1, 2, 3))
    columns.put(2, _held(7))
    columns.put(1, _held(9))  # fits in place
    columns.put(2, _held(4, 5, 6))  # grows: appended
    assert _as_dict(columns, [1, 2]) == {1: [9], 2: [4, 5, 6]}
    assert columns.skills_of(2).tolist() == [4, 5, 6]
    columns.put(1, _held())  # removed
    assert _as_dict(columns, [1, 2]) == {2: [4, 5, 6]}
    assert columns.skills_of(1).tolist() == []
    assert columns.candidates == 1
    columns.put(1, _held(8, 8))  # back again
    assert _as_dict(columns, [1, 2]) == {1: [8, 8], 2: [4, 5, 6]}
    assert columns.candidates == 2


def test_many_rewrites_compact_without_losing_or_mixing_rows() -> None:
    columns = _EvidenceColumns()
    rng = np.random.default_rng(7)
    expected: dict[int, list[int]] = {}
    written = 0
    for step in range(6000):  # enough dead rows to compact several times
        candidate = int(rng.integers(0, 300))
        skills = [int(s) for s in rng.integers(1, 50, size=int(rng.integers(0, 9)))]
        columns.put(candidate, _held(*skills))
        written += len(skills)
        if skills:
            expected[candidate] = skills
        else:
            expected.pop(candidate, None)
        if step % 1000 == 999:
            assert _as_dict(columns, list(range(300))) == expected
    assert columns.candidates == len(expected)
    assert columns._dead <= max(4096, columns._used // 2)
    assert columns._used < written // 2, "dead rows should have been compacted away"
