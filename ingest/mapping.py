"""Text and achievements to taxonomy skills.

Explicit alignments win. An alignment to a skill of the release (an ESCO skill URI) maps to it
with confidence 1.0 (method ``alignment``). An alignment to another framework (an O*NET
element, a CASE item, a Credential Engine competency, a Lightcast skill, or a framework
credmatch does not know) is read through its text: the label and description of the aligned
skill when the caller found it in another imported taxonomy (`AlignmentTarget.known_as`),
else the alignment's own ``targetName`` and ``targetDescription``, mapped onto the release by
label similarity (method ``crosswalk``). The alignment itself is never dropped: callers keep
it as a declared skill.

Otherwise text is split into phrases with character offsets, each phrase is embedded and
searched against every skill label, scores are aggregated per skill (best phrase wins), and a
threshold and top-k cut the list. Job descriptions go through the same extractor, with the
strength of each requirement (must-have or nice-to-have) read from the text around it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from embeddings import TextEncoder
from embeddings.skill_space import SkillSpace

Strength = Literal["must", "nice"]
Method = Literal["alignment", "crosswalk", "embedding"]

ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# A sentence or list item ends at terminal punctuation followed by space, a line break, a
# bullet or a semicolon.
_SEGMENT = re.compile(r"[^\n;•·]+?(?:[.!?](?=\s)|(?=[\n;•·])|$)", re.S)
_NICE = re.compile(
    r"\b(nice[- ]to[- ]have|preferred|preferably|a plus|an advantage|advantageous|bonus|"
    r"desirable|ideally|would be great|optional)\b",
    re.I,
)
_MUST = re.compile(
    r"\b(must|required|requirements?|essential|mandatory|need to|needs to|you have|"
    r"proven|minimum)\b",
    re.I,
)
_MIN_PHRASE_CHARS = 3
_MAX_PHRASE_CHARS = 400


class TooManyPhrasesError(ValueError):
    """A text holds more requirement phrases than one request may ask to read."""


@dataclass(frozen=True, slots=True)
class Phrase:
    """A piece of text with its character offsets in the source."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A skill found in text or declared by an alignment.

    Attributes:
        skill_id: Database id of the taxonomy skill.
        confidence: 1.0 for alignments; the label similarity for embeddings.
        method: ``alignment`` or ``embedding``.
        phrase: The text that produced the match (or the alignment target).
        start: Offset of the phrase in its source text (-1 for alignments).
        end: End offset of the phrase (-1 for alignments).
        strength: Requirement strength (job text only; ``must`` elsewhere).
    """

    skill_id: int
    confidence: float
    method: Method
    phrase: str
    start: int = -1
    end: int = -1
    strength: Strength = "must"


@dataclass(frozen=True, slots=True)
class PhraseRequirement:
    """One requirement of a job text: the phrase and the skills that can satisfy it.

    Attributes:
        phrase: The requirement as written, with offsets.
        strength: Must-have or nice-to-have.
        skills: Alternative skills, best match first (never empty).
    """

    phrase: Phrase
    strength: Strength
    skills: tuple[SkillMatch, ...]


@dataclass(frozen=True, slots=True)
class MappingSettings:
    """Thresholds of the mapper (taken from :class:`service.settings.Settings`)."""

    threshold: float = 0.62
    top_k: int = 5
    labels_per_phrase: int = 20
    alternatives_margin: float = 0.08
    max_phrases: int = 200
    phrase_cache: int = 0
    """Phrases whose label matches are remembered, least recently used dropped first."""


@dataclass(frozen=True, slots=True)
class AlignmentTarget:
    """An achievement's alignment to a framework item, as the mapper reads it.

    Attributes:
        url: ``targetUrl``.
        code: ``targetCode``.
        name: ``targetName``.
        framework: ``targetFramework``.
        description: ``targetDescription``.
        known_as: Label and description of the aligned skill when it was found in another
            imported taxonomy (filled by the caller), else ``""``.
    """

    url: str = ""
    code: str = ""
    name: str = ""
    framework: str = ""
    description: str = ""
    known_as: str = ""

    @property
    def reference(self) -> str:
        """How the explanation names the alignment: framework and code or URL."""
        where = self.code or self.url or self.name
        return f"{self.framework}: {where}" if self.framework else where

    def text(self) -> str:
        """What is read to cross the alignment over to the release."""
        return self.known_as or ". ".join(t for t in (self.name, self.description) if t)


@dataclass(frozen=True, slots=True)
class AchievementText:
    """The parts of an achievement the mapper reads."""

    name: str
    description: str = ""
    criteria: str = ""
    tags: tuple[str, ...] = ()
    alignments: tuple[AlignmentTarget, ...] = ()

    def fingerprint(self) -> str:
        """Stable digest of the content, the key of the mapping cache."""
        parts = [self.name, self.description, self.criteria, *self.tags, "|"]
        for a in self.alignments:  # known_as is looked up, not sent: not part of the key
            parts.extend((a.url, a.code, a.name, a.framework, a.description, "|"))
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def split_phrases(text: str) -> list[Phrase]:
    """Split text into sentences and list items, keeping character offsets."""
    phrases = []
    for match in _SEGMENT.finditer(text):
        raw = match.group(0)
        stripped = raw.strip(" \t\r\n-*\u2013\u2014:,.")
        if len(stripped) < _MIN_PHRASE_CHARS:
            continue
        start = match.start() + raw.index(stripped)
        phrases.append(Phrase(stripped[:_MAX_PHRASE_CHARS], start, start + len(stripped)))
    return phrases


def requirement_strengths(text: str, phrases: Sequence[Phrase]) -> list[Strength]:
    """Strength of each phrase: its own wording first, else the heading it sits under.

    A heading is a phrase followed by a colon that ends its line ("Nice to have:"); it sets
    the strength of the lines below it until the next heading.
    """
    strengths: list[Strength] = []
    section: Strength = "must"
    for phrase in phrases:
        own: Strength | None = None
        if _NICE.search(phrase.text):
            own = "nice"
        elif _MUST.search(phrase.text):
            own = "must"
        if _is_heading(text, phrase):
            # A heading without wording of its own ("About the role:") ends the section.
            section = own or "must"
        strengths.append(own or section)
    return strengths


def _is_heading(text: str, phrase: Phrase) -> bool:
    line_end = text.find("\n", phrase.end)
    rest = text[phrase.end : line_end if line_end >= 0 else len(text)]
    return rest.strip() == ":"


def as_method(value: str) -> Method:
    """A stored method name as a :data:`Method` (unknown names read as ``embedding``)."""
    return value if value in ("alignment", "crosswalk") else "embedding"  # type: ignore[return-value]


def skill_uri_from_alignment(target: str) -> str | None:
    """Canonical ESCO skill URI named by an alignment target URL or code, if any."""
    if not target:
        return None
    lowered = target.strip().lower()
    if "data.europa.eu/esco/skill/" in lowered or lowered.startswith("esco:"):
        uuid = _UUID.search(lowered)
        if uuid:
            return ESCO_SKILL_PREFIX + uuid.group(0)
    return None


class SkillMapper:
    """Maps achievements and job text to taxonomy skills.

    Args:
        space: The embedded skill space of the taxonomy release.
        encoder: The encoder the space was built with.
        resolve_uri: Looks up the database id of a skill URI in the release.
        settings: Thresholds.
    """

    def __init__(
        self,
        space: SkillSpace,
        encoder: TextEncoder,
        resolve_uri: Callable[[str], int | None],
        settings: MappingSettings | None = None,
    ) -> None:
        if encoder.model_id != space.model:
            raise ValueError(
                f"skill space was built with {space.model}, encoder is {encoder.model_id}"
            )
        self.space = space
        self.encoder = encoder
        self.resolve_uri = resolve_uri
        self.settings = settings or MappingSettings()
        self._remembered: OrderedDict[tuple[str, int], tuple[tuple[int, float], ...]] = (
            OrderedDict()
        )
        self._remembered_lock = threading.Lock()
        self.phrase_cache_hits = 0
        """Phrases answered from the phrase cache so far (with `phrase_cache_misses`)."""
        self.phrase_cache_misses = 0

    @property
    def model(self) -> str:
        """Model id recorded with embedding matches."""
        return self.space.model

    @property
    def cache_key(self) -> str:
        """Model and the settings that shape a mapping: a change to either maps afresh."""
        s = self.settings
        return f"{self.space.model}|t={s.threshold}|k={s.top_k}|n={s.labels_per_phrase}"

    def map_achievement(self, achievement: AchievementText) -> list[SkillMatch]:
        """Skills an achievement proves: its alignments, else what its text names.

        Returns:
            Matches ordered by confidence (best first), one per skill: direct alignments,
            then crosswalked ones; or, when no alignment maps, the text's skills.
        """
        aligned: dict[int, SkillMatch] = {}
        references: dict[str, str] = {}  # crosswalk text -> how the evidence names it
        for target in achievement.alignments:
            uri = skill_uri_from_alignment(target.url) or skill_uri_from_alignment(target.code)
            skill_id = self.resolve_uri(uri) if uri else None
            if skill_id is not None:
                aligned[skill_id] = SkillMatch(
                    skill_id, 1.0, "alignment", target.url or target.code
                )
            elif target.text():
                references.setdefault(target.text(), f"{target.text()} [{target.reference}]")
        crossed = [
            replace(match, phrase=references[match.phrase])
            for match in self._rank([Phrase(t, -1, -1) for t in references], method="crosswalk")
            if match.skill_id not in aligned
        ]
        if aligned or crossed:
            return [*aligned.values(), *crossed]
        texts = [achievement.name]
        for text in (achievement.description, achievement.criteria):
            texts.extend(p.text for p in split_phrases(text))
        texts.extend(achievement.tags)
        distinct = list(dict.fromkeys(t.strip() for t in texts if t.strip()))
        return self._rank([Phrase(t, -1, -1) for t in distinct[: self.settings.max_phrases]])

    def extract_requirements(self, text: str) -> list[PhraseRequirement]:
        """What a job text requires, phrase by phrase.

        Each requirement phrase (headings excluded) keeps the skills whose labels match it
        above the threshold and within ``alternatives_margin`` of its best match: they are
        alternative readings of one requirement, and holding any of them satisfies it.
        Phrases that match nothing are dropped.

        Raises:
            TooManyPhrasesError: The text holds more than ``max_phrases`` distinct phrases.
        """
        kept = self._requirement_phrases(text)
        if not kept:
            return []
        per_phrase = self._phrase_matches([p for p, _ in kept], self.settings.labels_per_phrase)
        return self._requirements(kept, per_phrase)

    def extract_requirements_many(
        self, texts: Sequence[str]
    ) -> list[list[PhraseRequirement] | TooManyPhrasesError]:
        """:meth:`extract_requirements` of many texts, their phrases encoded together.

        Job postings are short: one encoder call over the phrases of many of them pads and
        dispatches far less than one call per posting. The result for each text is the
        same as :meth:`extract_requirements` gives it.

        Returns:
            Per text, its requirements, or the error that refused it (too many phrases).
        """
        readings: list[list[tuple[Phrase, Strength]] | TooManyPhrasesError] = []
        for text in texts:
            try:
                readings.append(self._requirement_phrases(text))
            except TooManyPhrasesError as error:
                readings.append(error)
        phrases = [p for kept in readings if isinstance(kept, list) for p, _ in kept]
        hits = self._phrase_matches(phrases, self.settings.labels_per_phrase) if phrases else []
        results: list[list[PhraseRequirement] | TooManyPhrasesError] = []
        position = 0
        for kept in readings:
            if isinstance(kept, TooManyPhrasesError):
                results.append(kept)
                continue
            results.append(self._requirements(kept, hits[position : position + len(kept)]))
            position += len(kept)
        return results

    def _requirement_phrases(self, text: str) -> list[tuple[Phrase, Strength]]:
        """The distinct requirement phrases of a job text (headings dropped), with strengths."""
        phrases = split_phrases(text)
        strengths = requirement_strengths(text, phrases)
        kept: list[tuple[Phrase, Strength]] = []
        seen: set[str] = set()
        for phrase, strength in zip(phrases, strengths, strict=True):
            key = phrase.text.lower()
            if key in seen or _is_heading(text, phrase):
                continue
            seen.add(key)
            kept.append((phrase, strength))
        if len(kept) > self.settings.max_phrases:
            raise TooManyPhrasesError(
                f"the text holds {len(kept)} distinct requirement phrases; at most "
                f"{self.settings.max_phrases} are read per text"
            )
        return kept

    def _requirements(
        self,
        kept: Sequence[tuple[Phrase, Strength]],
        per_phrase: Sequence[Sequence[tuple[int, float]]],
    ) -> list[PhraseRequirement]:
        """Requirements from the label hits of each kept phrase (phrases matching nothing go)."""
        requirements = []
        for (phrase, strength), hits in zip(kept, per_phrase, strict=True):
            ranked = [hit for hit in _best_per_skill(hits) if hit[1] >= self.settings.threshold]
            if not ranked:
                continue
            floor = ranked[0][1] - self.settings.alternatives_margin
            skills = [
                SkillMatch(
                    skill_id,
                    round(score, 4),
                    "embedding",
                    phrase.text,
                    phrase.start,
                    phrase.end,
                    strength,
                )
                for skill_id, score in ranked[: self.settings.top_k]
                if score >= floor
            ]
            requirements.append(PhraseRequirement(phrase, strength, tuple(skills)))
        return requirements

    def search_labels(self, query: str, k: int) -> list[tuple[int, float]]:
        """Skills whose labels are closest to a free-text query, best first, one per skill."""
        matches = self._phrase_matches([Phrase(query, -1, -1)], k * 3)
        best: dict[int, float] = {}
        for skill_id, score in matches[0]:
            best.setdefault(skill_id, score)
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]

    def _phrase_matches(self, phrases: Sequence[Phrase], k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest labels of each phrase: (skill id, score), best first.

        Phrases in the cache (``settings.phrase_cache`` entries) skip the encoder and the
        label search; the rest are encoded together and remembered.
        """
        texts = [p.text for p in phrases]
        size = self.settings.phrase_cache
        found: dict[str, tuple[tuple[int, float], ...]] = {}
        if size > 0:
            with self._remembered_lock:
                for text in texts:
                    remembered = self._remembered.get((text, k))
                    if remembered is not None:
                        self._remembered.move_to_end((text, k))
                        found[text] = remembered
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            vectors = self.encoder.encode(missing)
            for text, hits in zip(missing, self.space.search_labels(vectors, k), strict=True):
                found[text] = tuple((hit.skill_id, hit.score) for hit in hits)
        if size > 0:
            with self._remembered_lock:
                self.phrase_cache_hits += len(texts) - len(missing)
                self.phrase_cache_misses += len(missing)
                for text in missing:
                    self._remembered[(text, k)] = found[text]
                while len(self._remembered) > size:
                    self._remembered.popitem(last=False)
        return [list(found[text]) for text in texts]

    def _rank(self, phrases: Sequence[Phrase], method: Method = "embedding") -> list[SkillMatch]:
        """Aggregate label hits per skill: the best phrase gives the score and the evidence.

        Each phrase contributes at most ``top_k`` skills, and ``top_k`` are kept in all.
        """
        if not phrases:
            return []
        best: dict[int, tuple[float, Phrase]] = {}
        per_phrase = self._phrase_matches(phrases, self.settings.labels_per_phrase)
        for phrase, hits in zip(phrases, per_phrase, strict=True):
            kept = [hit for hit in _best_per_skill(hits) if hit[1] >= self.settings.threshold]
            for skill_id, score in kept[: self.settings.top_k]:
                if skill_id not in best or score > best[skill_id][0]:
                    best[skill_id] = (score, phrase)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        return [
            SkillMatch(skill_id, round(score, 4), method, phrase.text, phrase.start, phrase.end)
            for skill_id, (score, phrase) in ranked[: self.settings.top_k]
        ]


def _best_per_skill(hits: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    """One hit per skill (its best label), best first."""
    seen: dict[int, float] = {}
    for skill_id, score in hits:
        if score > seen.get(skill_id, -1.0):
            seen[skill_id] = score
    return sorted(seen.items(), key=lambda item: (-item[1], item[0]))
