"""Skill holders of a candidate index: merged change by change, as built in one go."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from embeddings import TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace
from service.matching.index import CandidateIndex, EvidenceRow

LABELS = {1: "Python", 2: "SQL", 3: "bake bread", 4: "welding", 5: "nursing care", 6: "French"}


@pytest.fixture(scope="module")
def space(encoder: TextEncoder) -> SkillSpace:
    return SkillSpace.build(
        [SkillLabelEntry(i, label, preferred=True) for i, label in LABELS.items()],
        encoder,
        taxonomy="esco@holders",
    )


def _rows(skills: list[int]) -> list[EvidenceRow]:
    issued = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        (skill, 1.0, "passed", issued, issued + timedelta(days=3650), "did:web:a.example", "")
        for skill in skills
    ]


def test_merged_holder_changes_equal_a_fresh_build(space: SkillSpace) -> None:
    rng = random.Random(5)
    live = CandidateIndex(tenant_id=1, dimension=space.skill_vectors.shape[1])
    held: dict[int, list[int]] = {}
    for catch_up in range(40):
        for candidate in rng.sample(range(1, 60), rng.randint(1, 12)):
            # Skill 99 is outside the space: never a holder. Repeats: several credentials.
            skills = [rng.choice([1, 2, 3, 4, 5, 6, 99]) for _ in range(rng.randint(0, 5))]
            held[candidate] = skills
            live._set_evidence(candidate, _rows(skills), space, track=True)
        live._merge_holders()
        expected = {
            skill: sorted(c for c, skills in held.items() if skill in skills) for skill in LABELS
        }
        for skill, holders in expected.items():
            assert live.holders_of([skill]).tolist() == holders, (catch_up, skill)
        assert live.holders_of([99]).tolist() == []
        assert live.holders_of([1, 2]).tolist() == sorted(set(expected[1]) | set(expected[2]))
    fresh = CandidateIndex(tenant_id=1, dimension=space.skill_vectors.shape[1])
    for candidate, skills in held.items():
        fresh._set_evidence(candidate, _rows(skills), space, track=False)
    fresh._build_holders()
    assert {s: a.tolist() for s, a in fresh._holders.items()} == {
        s: a.tolist() for s, a in live._holders.items()
    }
    assert not any(len(a) == 0 for a in live._holders.values()), "empty skills are dropped"
