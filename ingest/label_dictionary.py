"""Every taxonomy label that occurs in a text, found by a dictionary matcher.

The encoder reads what a phrase means; it misses a tool or language named inside a longer
sentence ("knows Java and PostgreSQL and can build REST APIs"). The dictionary finds those: an
Aho-Corasick automaton (``pyahocorasick``) over every preferred and alternative label of the
release, matched case-insensitively on word boundaries, with three rules against false hits:

- Labels of at most two characters ("R", "C", "Go") and all-capital labels whose lower-case
  form is an everyday word ("IT", "SAP") match only as written.
- Labels of at most two characters also need a separator on both sides ("R" is not read in
  "R&D").
- Single-word labels of :data:`ingest._label_stoplist.STOPPED_LABELS` ("data", "design") are
  not matched at all (derived from training data, see that module).

A label qualified in parentheses ("Java (computer programming)") is also found by its
name alone. Overlapping hits are resolved leftmost-longest ("Microsoft SQL Server", not "SQL"); one
surface label naming several skills gives one hit per skill. A hit on a preferred label is
evidence kind ``exact``, on an alternative label ``alternative``; where a text is the preferred
label of some skill, its readings as another skill's alternative label are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import ahocorasick

from ingest._label_stoplist import STOPPED_LABELS

DictionaryKind = Literal["exact", "alternative"]

_SHORT_LABEL_CHARS = 2
_SHORT_LABEL_SEPARATORS = frozenset(" \t,;:()/.[]\"'")
_WORD_EXTRA = frozenset("+#_")


@dataclass(frozen=True, slots=True)
class DictionaryHit:
    """A label of a skill found in a text.

    Attributes:
        start: Offset of the label in the text.
        end: Offset just after it.
        skill_id: The skill the label names.
        kind: ``exact`` (its preferred label) or ``alternative``.
        label: The label as written in the taxonomy.
        sharing: How many skills the matched text names (1 when unambiguous).
    """

    start: int
    end: int
    skill_id: int
    kind: DictionaryKind
    label: str
    sharing: int = 1


@dataclass(frozen=True, slots=True)
class _Entry:
    skill_id: int
    label: str
    kind: DictionaryKind
    case_sensitive: bool


def _key(label: str) -> str:
    return " ".join(_lower(label).split())


def _lower(text: str) -> str:
    """Lower case, one character for one (offsets stay valid)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _is_word(char: str) -> bool:
    return char.isalnum() or char in _WORD_EXTRA


class LabelDictionary:
    """The labels of one release, ready to find in text.

    Args:
        rows: ``(skill id, label, kind)`` of every label; kind ``preferred`` is the preferred
            label, anything else an alternative.
        stopped: Single-word labels (lower case) never matched.
    """

    def __init__(
        self,
        rows: Iterable[tuple[int, str, str]],
        stopped: frozenset[str] = STOPPED_LABELS,
    ) -> None:
        entries: dict[str, list[_Entry]] = {}
        for skill_id, label, kind in rows:
            qualified = _QUALIFIED.fullmatch(label.strip())
            for surface in (label.strip(), qualified.group(1) if qualified else ""):
                key = _key(surface)
                if not key or key in stopped:
                    continue
                acronym = surface.isupper() and key in _EVERYDAY_ACRONYMS
                entries.setdefault(key, []).append(
                    _Entry(
                        skill_id,
                        surface,
                        "exact" if kind == "preferred" else "alternative",
                        case_sensitive=len(key) <= _SHORT_LABEL_CHARS or acronym,
                    )
                )
        self._automaton = ahocorasick.Automaton()
        for key, found in entries.items():
            self._automaton.add_word(key, (len(key), tuple(found)))
        self.size = len(entries)
        """Distinct labels (lower case) the dictionary holds."""
        if entries:
            self._automaton.make_automaton()

    def find(self, text: str) -> list[DictionaryHit]:
        """Labels occurring in ``text`` on word boundaries, leftmost-longest, in text order."""
        if self.size == 0:
            return []
        folded = _lower(text).translate(_WHITESPACE)
        candidates: list[tuple[int, int, tuple[_Entry, ...]]] = []
        for last, (length, entries) in self._automaton.iter(folded):
            start, end = last - length + 1, last + 1
            if self._bounded(text, start, end, length):
                candidates.append((start, end, entries))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        hits: list[DictionaryHit] = []
        covered_to = -1
        for start, end, entries in candidates:
            if start < covered_to:
                continue
            surface = text[start:end]
            kept = [e for e in entries if not e.case_sensitive or surface == e.label]
            if not kept:
                continue
            covered_to = end
            if any(e.kind == "exact" for e in kept):
                kept = [e for e in kept if e.kind == "exact"]
            kinds: dict[int, _Entry] = {}
            for entry in kept:
                if entry.skill_id not in kinds or entry.kind == "exact":
                    kinds[entry.skill_id] = entry
            hits.extend(
                DictionaryHit(start, end, e.skill_id, e.kind, e.label, len(kinds))
                for e in kinds.values()
            )
        return hits

    @staticmethod
    def _bounded(text: str, start: int, end: int, length: int) -> bool:
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if length <= _SHORT_LABEL_CHARS:
            return before in _SHORT_LABEL_SEPARATORS and after in _SHORT_LABEL_SEPARATORS
        return not (_is_word(before) and _is_word(text[start])) and not (
            _is_word(after) and _is_word(text[end - 1])
        )


_QUALIFIED = re.compile(r"(.+?)\s*\((?:computer programming|[^()]{3,40})\)")
"""ESCO disambiguates some labels with a qualifier: "Python (computer programming)"."""
_WHITESPACE = str.maketrans("\t\n\r\f\v\u00a0", "      ")
_EVERYDAY_ACRONYMS = frozenset({"it", "sap", "hr", "pr", "art", "cad", "web", "aim", "ram"})
"""All-capital labels whose lower-case form is an everyday word: matched only as written."""
