"""Fast, typo-tolerant search over every label of a taxonomy release, in memory.

A recruiter typing "pyhton" or "data analisys" should still find the skill. Matching runs in
tiers, each ranked before the next: the whole label equals the query, a label starts with it,
a label contains it as a phrase, a label contains all its words in any order; then the same
for the query with misspelt words corrected against the release's own label vocabulary (the
closest words by edit similarity, most frequent first); and finally labels similar as a whole
string (rapidfuzz ``ratio``). Within a tier, preferred labels and shorter labels come first, then
the skill id, so results are deterministic. Semantic matches (embeddings) are the caller's
next step when these run out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from rapidfuzz import fuzz, process

Tier = Literal["exact", "prefix", "contains", "words", "corrected", "fuzzy"]

_WORD = re.compile(r"[\w+#]+(?:[.'-][\w+#]+)*", re.UNICODE)
_MIN_CORRECTABLE_CHARS: Final = 4
_WORD_CUTOFF: Final = 75.0
_LABEL_CUTOFF: Final = 80.0
_CORRECTIONS_PER_WORD: Final = 5
_MAX_CORRECTED_QUERIES: Final = 25
_TIER_RANK: Final[dict[Tier, int]] = {"exact": 0, "prefix": 1, "contains": 2, "words": 3}


def normalise(text: str) -> str:
    """Lower-case, with runs of whitespace folded to one space."""
    return " ".join(text.lower().split())


@dataclass(frozen=True, slots=True)
class LabelMatch:
    """A skill found by one of its labels.

    Attributes:
        skill_id: Database id of the skill.
        label: The label that matched, as written in the taxonomy.
        tier: How it matched (see the module docstring).
        query: The query as matched (after spelling correction for ``corrected``).
        score: 100 for exact, prefix and contains matches; the similarity otherwise.
    """

    skill_id: int
    label: str
    tier: Tier
    query: str
    score: float = 100.0

    @property
    def similarity(self) -> float | None:
        """The fuzzy or corrected similarity; None for a literal match (its score is 100)."""
        return None if self.tier in _TIER_RANK else self.score


class LabelSearch:
    """The labels of one release, ready to search.

    Args:
        rows: (skill id, label, kind) for every label; ``kind`` ``preferred`` ranks first.
    """

    def __init__(self, rows: Sequence[tuple[int, str, str]]) -> None:
        order = sorted(
            range(len(rows)),
            key=lambda n: (rows[n][2] != "preferred", len(rows[n][1]), rows[n][0], rows[n][1]),
        )
        self._skill_ids = [rows[n][0] for n in order]
        self._labels = [rows[n][1] for n in order]
        self._normalised = [normalise(label) for label in self._labels]
        self._exact: dict[str, list[int]] = {}
        self._with_word: dict[str, set[int]] = {}
        words: Counter[str] = Counter()
        for index, label in enumerate(self._normalised):
            self._exact.setdefault(label, []).append(index)
            label_words = _WORD.findall(label)
            words.update(label_words)
            for word in label_words:
                self._with_word.setdefault(word, set()).add(index)
        self._vocabulary = sorted(words, key=lambda w: (-words[w], w))

    def __len__(self) -> int:
        return len(self._labels)

    def corrections(self, query: str) -> list[str]:
        """Readings of the query with unknown words replaced by close vocabulary words.

        Each unknown word of four characters or more gets up to five replacements (most
        similar, then most frequent first); at most 25 readings, best first. Empty when
        every word is known.
        """
        words = _WORD.findall(normalise(query))
        options: list[list[str]] = []
        for word in words:
            if word in self._with_word or len(word) < _MIN_CORRECTABLE_CHARS:
                options.append([word])
                continue
            close = process.extract(
                word,
                self._vocabulary,
                scorer=fuzz.ratio,
                score_cutoff=_WORD_CUTOFF,
                limit=_CORRECTIONS_PER_WORD,
            )
            options.append([str(c[0]) for c in close] or [word])
        if all(len(o) == 1 and o[0] == w for o, w in zip(options, words, strict=True)):
            return []
        readings = [""]
        for choices in options:
            readings = [f"{r} {c}".strip() for r in readings for c in choices]
            readings = readings[:_MAX_CORRECTED_QUERIES]
        return readings

    def search(self, query: str, limit: int) -> list[LabelMatch]:
        """Up to ``limit`` skills (one label each), best tier first."""
        needle = normalise(query)
        if not needle or limit <= 0:
            return []
        found: dict[int, LabelMatch] = {}
        for match in self._matches(needle):
            found.setdefault(match.skill_id, match)
            if len(found) >= limit:
                break
        return list(found.values())

    def _matches(self, needle: str) -> Iterator[LabelMatch]:
        for tier, index in self._literal(needle):
            yield LabelMatch(self._skill_ids[index], self._labels[index], tier, needle)
        # Every reading's exact matches before any reading's prefix matches, and so on.
        corrected = sorted(
            (_TIER_RANK[tier], rank, position, index, reading)
            for rank, reading in enumerate(self.corrections(needle))
            for position, (tier, index) in enumerate(self._literal(reading, prefixes=False))
        )
        for *_, index, reading in corrected:
            yield LabelMatch(self._skill_ids[index], self._labels[index], "corrected", reading)
        for _, score, index in process.extract(
            needle, self._normalised, scorer=fuzz.ratio, score_cutoff=_LABEL_CUTOFF, limit=50
        ):
            yield LabelMatch(
                self._skill_ids[index], self._labels[index], "fuzzy", needle, round(score, 1)
            )

    def _literal(self, needle: str, *, prefixes: bool = True) -> list[tuple[Tier, int]]:
        """Label positions matching ``needle`` literally, tier by tier.

        ``prefix`` (labels starting with the needle, also mid-word, as people type) scans
        every label and is skipped for corrected readings; the word tiers use the index of
        labels by word.
        """
        exact = self._exact.get(needle, [])
        prefix = (
            [i for i, label in enumerate(self._normalised) if label.startswith(needle)]
            if prefixes
            else []
        )
        words = _WORD.findall(needle)
        holding = [self._with_word.get(word, set()) for word in words]
        every = set.intersection(*holding) if holding else set()
        every -= {*exact, *prefix}
        bounded = re.compile(rf"(?<![\w]){re.escape(needle)}(?![\w])")
        contains = sorted(i for i in every if bounded.search(self._normalised[i]))
        tiers: tuple[tuple[Tier, list[int]], ...] = (
            ("exact", exact),
            ("prefix", [i for i in prefix if i not in exact]),
            ("contains", contains),
            ("words", sorted(every - set(contains))),
        )
        return [(tier, index) for tier, indexes in tiers for index in indexes]
