"""Small taxonomies written in the mapping tests: label rows and their skill space."""

from __future__ import annotations

from embeddings import TextEncoder
from embeddings.skill_space import SkillLabelEntry, SkillSpace

Skills = dict[int, tuple[str, list[str]]]
"""Skill id -> (preferred label, alternative labels)."""


def label_rows(skills: Skills) -> list[tuple[int, str, str]]:
    """``(skill id, label, kind)`` rows, preferred first, as the database gives them."""
    return [
        (skill_id, label, "preferred" if n == 0 else "alt")
        for skill_id, (preferred, alternatives) in skills.items()
        for n, label in enumerate([preferred, *alternatives])
    ]


def small_space(rows: list[tuple[int, str, str]], encoder: TextEncoder) -> SkillSpace:
    """The skill space of ``rows``, embedded with the real encoder (release ``esco@t``)."""
    labels = [SkillLabelEntry(s, label, kind == "preferred") for s, label, kind in rows]
    return SkillSpace.build(labels, encoder, taxonomy="esco@t")
