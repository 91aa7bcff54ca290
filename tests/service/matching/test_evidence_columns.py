"""The columnar evidence store behind the candidate index: runs, rewrites, compaction."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from service.matching.index import _HELD, _EvidenceColumns, sorted_union


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


def test_slots_by_id_table_and_by_binary_search_agree() -> None:
    dense, sparse = _EvidenceColumns(), _EvidenceColumns()
    dense_ids = list(range(100, 160))
    sparse_ids = [7, 10**6, 10**12, 3, 10**9]
    for candidate in dense_ids:
        dense.put(candidate, _held(1))
    for candidate in sparse_ids:
        sparse.put(candidate, _held(1))
    for columns, ids in ((dense, dense_ids), (sparse, sparse_ids)):
        asked = np.asarray([*ids, 99, 161, 10**15, -5], dtype=np.int64)
        expected = [columns._slot_of.get(int(c), -1) for c in asked]
        assert columns.slots(asked).tolist() == expected
    assert dense._dense is not None, "60 consecutive ids should use the table"
    assert sparse._dense is None, "ids spread over 10^12 should use binary search"
    dense.put(10**7, _held(2))  # a late id far away: the lookup is rebuilt, sparse now
    assert dense.slots(np.asarray([10**7, 100], dtype=np.int64)).tolist() == [60, 0]
    assert dense._dense is None


def test_gather_keeps_only_the_wanted_skills() -> None:
    columns = _EvidenceColumns()
    columns.put(2, _held(1, 5, 9))
    columns.put(1, _held(9, 3))
    columns.put(3, _held(4))
    wanted = np.zeros(6, dtype=np.bool_)
    wanted[[3, 5]] = True  # skill 9 lies past the mask's end: never wanted
    owners, rows = columns.gather(np.asarray([3, 2, 1]), wanted)
    assert owners.tolist() == [1, 2]
    assert rows["skill"].tolist() == [3, 5]


def test_sorted_union() -> None:
    union = sorted_union([np.asarray([5, 1, 3]), np.asarray([3, 9]), np.zeros(0, np.int64)])
    assert union.tolist() == [1, 3, 5, 9]
    assert sorted_union([]).tolist() == []
    assert sorted_union([np.zeros(0, np.int64)]).tolist() == []
