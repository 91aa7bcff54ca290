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
import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from embeddings import TextEncoder
from embeddings.skill_space import SkillSpace
from ingest.boilerplate import boilerplate_reason
from ingest.hit_cache import HitCache
from ingest.label_dictionary import DictionaryHit, LabelDictionary
from ingest.mapping_model import CANDIDATES, LearnedRanking, Thresholds

Strength = Literal["must", "nice"]
Method = Literal["alignment", "crosswalk", "exact", "alternative", "embedding"]
"""Evidence kind: an alignment, a crosswalk, a dictionary hit on a preferred (``exact``) or an
alternative label, or the encoder's label similarity (``embedding``, the semantic kind)."""
CredentialMethod = Literal["alignment", "crosswalk", "embedding"]
"""How a credential's skill was mapped (achievements are not read by the dictionary)."""

ESCO_SKILL_PREFIX = "http://data.europa.eu/esco/skill/"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)

# A sentence or list item ends at terminal punctuation followed by space, a line break, a
# bullet or a semicolon.
_BULLETS = "•·▪◦‣●○■□✓✔➢►"
_SEGMENT = re.compile(rf"[^\n;{_BULLETS}]+?(?:[.!?](?=\s)|(?=[\n;{_BULLETS}])|$)", re.S)
_STRIP = " \t\r\n-*\u2013\u2014:,." + _BULLETS
_NUMBERED = re.compile(r"^\(?\d{1,2}[.)]\s+")
# Inside a phrase, list items are separated by commas, semicolons, slashes between words,
# parentheses, a colon after a title, and the words "and", "or", "as well as", "&".
_SPAN_SEPARATOR = re.compile(
    r"\s*(?:[,;|()\[\]]|:(?=\s)|\s/\s|(?<=[^\W\d_]{3})/(?=[^\W\d_]{3})|"
    r"\s(?:and/or|and|or|as well as|&|plus)\s)\s*",
    re.I,
)
_TAG = re.compile(r"<!--.*?-->|<(/?)([a-zA-Z][\w-]*)\b[^>]*>", re.S)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
_BLOCK_TAG_NAMES = (
    "p div li ul ol br hr h1 h2 h3 h4 h5 h6 tr td th table section article header footer "
    "dt dd dl blockquote pre"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
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
_MARKUP = re.compile(rf"{_TAG.pattern}|{_ENTITY.pattern}", re.S)
_MIN_PHRASE_CHARS = 3
_MIN_SPAN_CHARS = 2
_MAX_PHRASE_CHARS = 400


class TooManyPhrasesError(ValueError):
    """A text holds more requirement phrases than one request may ask to read."""


@dataclass(frozen=True, slots=True)
class Phrase:
    """A piece of text with its character offsets in the source.

    Attributes:
        text: The phrase as read (markup removed, entities decoded).
        start: Offset of its first character in the source text.
        end: Offset just after its last character in the source text.
        heading: It ends its line with a colon ("Nice to have:"), so it heads what follows.
        spans: The list items it holds ("Python, SQL and Docker": three), each with offsets
            in the source; empty when the phrase is one item.
        starts: Source offset of each character of ``text`` when markup or entities sat
            inside it (then ``start + i`` is not the source offset); empty otherwise.
        ends: Source offset just after each character, likewise.
    """

    text: str
    start: int
    end: int
    heading: bool = False
    spans: tuple[Phrase, ...] = ()
    starts: tuple[int, ...] = field(default=(), compare=False, repr=False)
    ends: tuple[int, ...] = field(default=(), compare=False, repr=False)

    def source_range(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of ``text[start:end]`` (a non-empty slice of the phrase)."""
        if self.start < 0:
            return -1, -1
        if not self.ends:
            return self.start + start, self.start + end
        return self.starts[start], self.ends[end - 1]

    def part(self, start: int, end: int) -> Phrase:
        """The sub-phrase ``text[start:end]`` with its source offsets."""
        source_start, source_end = self.source_range(start, end)
        return Phrase(
            self.text[start:end],
            source_start,
            source_end,
            starts=self.starts[start:end],
            ends=self.ends[start:end],
        )


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A skill found in text or declared by an alignment.

    Attributes:
        skill_id: Database id of the taxonomy skill.
        confidence: 1.0 for alignments; the label similarity for embeddings; for dictionary
            hits 1 divided by the number of skills the matched label names.
        method: The evidence kind (see :data:`Method`).
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
class IgnoredPhrase:
    """A phrase of a job text that states no requirement, and why it was not read.

    Attributes:
        phrase: The phrase, with offsets.
        reason: A kind of :data:`ingest.boilerplate.BOILERPLATE_KINDS` (``heading`` for a
            section heading).
    """

    phrase: Phrase
    reason: str


@dataclass(frozen=True, slots=True)
class JobReading:
    """What a job text was read as: its requirements and the text left unread.

    Attributes:
        requirements: The requirements, in text order.
        ignored: Headings and boilerplate (equal-opportunity, benefits, pay, ...), in text
            order.
    """

    requirements: list[PhraseRequirement]
    ignored: list[IgnoredPhrase]


@dataclass(frozen=True, slots=True)
class EvidenceBounds:
    """The least confidence each kind of job-text evidence needs to be returned.

    ``None``: the kind is off. Attributes: ``semantic``, the encoder's reading of a phrase
    (or of an entry of a list of skills); ``list_item``, of an item of a phrase holding
    several; ``beside_label``, of a phrase read whole where the dictionary found a label;
    ``exact_label`` and ``alternative_label``, a preferred or alternative label found
    verbatim (its confidence is 1 divided by the number of skills the label names).
    """

    semantic: float | None
    list_item: float | None
    beside_label: float | None
    exact_label: float | None
    alternative_label: float | None


def _bound(threshold: float) -> float | None:
    """A threshold as a bound: above 1 nothing reaches it, so the kind is off (``None``)."""
    return threshold if threshold <= 1.0 else None


@dataclass(frozen=True, slots=True)
class MappingSettings:
    """Thresholds of the mapper (taken from :class:`service.settings.Settings`).

    ``threshold`` bounds label similarity where achievements are read; in job text,
    ``span_threshold`` bounds the semantic kind (label similarity of a span; ``item_threshold``
    for list items, ``beside_label_threshold`` for a phrase read whole that names a label) and
    ``exact_threshold`` and ``alternative_threshold`` bound dictionary hits on preferred and
    alternative labels, whose confidence is 1 divided by the number of skills the matched
    label names (above 1: the kind is off).
    """

    threshold: float = 0.62
    top_k: int = 5
    labels_per_phrase: int = 20
    alternatives_margin: float = 0.0
    max_phrases: int = 200
    phrase_cache: int = 0
    """Phrases whose label matches are remembered, least recently used dropped first."""
    # Job-text defaults for label cosine (no mapping artefact), fitted in session 6 on the
    # even-numbered validation sentences; with the artefact, its own operating point applies
    # (`at`, `ingest.mapping_model.Thresholds`).
    span_threshold: float = 0.68
    item_threshold: float = 0.68
    """The semantic kind's bound for a list item of a phrase that holds several (an item
    is short and reads less surely than a whole phrase: the artefact's is higher)."""
    exact_threshold: float = 0.5
    alternative_threshold: float = 1.01
    beside_label_threshold: float = 0.0
    """The semantic kind's bound for a phrase read whole where the dictionary found a label
    (never below ``span_threshold``): that second reading is right less often."""
    whole_phrase: bool = False
    """Also read a phrase holding a list as a whole (skills its items miss)."""
    drop_boilerplate: bool = True
    """Leave job-ad boilerplate unread (:func:`ingest.boilerplate.boilerplate_reason`): the
    phrases that offer, announce or describe the employer, and the lines under a heading
    of such a section ("Benefits:", "About us:")."""

    def bounds(self) -> EvidenceBounds:
        """The bound each kind of job-text evidence must reach, as a caller is told it."""
        return EvidenceBounds(
            semantic=_bound(self.span_threshold),
            list_item=_bound(self.item_threshold),
            beside_label=_bound(max(self.span_threshold, self.beside_label_threshold)),
            exact_label=_bound(self.exact_threshold),
            alternative_label=_bound(self.alternative_threshold),
        )

    def at(self, point: Thresholds) -> MappingSettings:
        """These settings at another job-text operating point (e.g. an artefact's)."""
        return replace(
            self,
            span_threshold=point.semantic,
            item_threshold=point.item,
            exact_threshold=point.exact,
            alternative_threshold=point.alternative,
            whole_phrase=point.whole_phrase,
            alternatives_margin=point.alternatives_margin,
            beside_label_threshold=point.semantic_beside_label,
        )


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


def plain_text(text: str) -> tuple[str, tuple[int, ...], tuple[int, ...]]:
    """Text with HTML tags removed and entities decoded, and where each character came from.

    Block tags (``<li>``, ``<p>``, ``<br>``, headings, table cells) become line breaks, so
    list items stay apart; inline tags (``<b>``) vanish; comments vanish.

    Returns:
        The plain text and, per character, the source offsets of its start and just after
        it (both empty when the text holds no markup: then offsets are unchanged).
    """
    if "<" not in text and "&" not in text:
        return text, (), ()
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for match in _MARKUP.finditer(text):
        chars.append(text[position : match.start()])
        starts.extend(range(position, match.start()))
        ends.extend(range(position + 1, match.start() + 1))
        token = match.group(0)
        if token.startswith("&"):
            decoded = html.unescape(token)
            replacement = decoded if decoded != token else token
        elif match.group(2) and match.group(2).lower() in _BLOCK_TAGS:
            replacement = "\n"
        else:
            replacement = ""
        chars.append(replacement)
        if replacement == token:
            starts.extend(range(match.start(), match.end()))
            ends.extend(range(match.start() + 1, match.end() + 1))
        else:
            starts.extend([match.start()] * len(replacement))
            ends.extend([match.end()] * len(replacement))
        position = match.end()
    chars.append(text[position:])
    starts.extend(range(position, len(text)))
    ends.extend(range(position + 1, len(text) + 1))
    return "".join(chars), tuple(starts), tuple(ends)


def split_phrases(text: str) -> list[Phrase]:
    """Split text into sentences and list items, keeping character offsets.

    HTML tags and entities are read through (:func:`plain_text`), bullets and list numbers
    stripped; each phrase holds its list items (:func:`split_spans`) and knows whether it
    is a heading.
    """
    plain, starts, ends = plain_text(text)
    whole = Phrase(plain, 0, len(text), starts=starts, ends=ends)
    phrases = []
    for match in _SEGMENT.finditer(plain):
        raw = match.group(0)
        stripped = raw.strip(_STRIP)
        numbered = _NUMBERED.match(stripped)
        if numbered:
            stripped = stripped[numbered.end() :].strip(_STRIP)
        if len(stripped) < _MIN_PHRASE_CHARS:
            continue
        start = match.start() + raw.index(stripped)
        stripped = stripped[:_MAX_PHRASE_CHARS]
        end = start + len(stripped)
        line_end = plain.find("\n", end)
        heading = plain[end : line_end if line_end >= 0 else len(plain)].strip() == ":"
        phrase = whole.part(start, end)
        phrases.append(replace(phrase, heading=heading, spans=split_spans(phrase)))
    return phrases


def split_spans(phrase: Phrase) -> tuple[Phrase, ...]:
    """The list items of a phrase, with source offsets; empty when it is one item.

    Items are separated by commas, semicolons, parentheses, slashes between words
    ("Python/Java", not "CI/CD"), a colon after a title ("Backend developer: Python, SQL")
    and the words "and", "or", "as well as", "&".
    """
    spans = []
    position = 0
    for match in [*_SPAN_SEPARATOR.finditer(phrase.text), None]:
        stop = len(phrase.text) if match is None else match.start()
        piece = phrase.text[position:stop]
        stripped = piece.strip(_STRIP)
        if len(stripped) >= _MIN_SPAN_CHARS:
            start = position + piece.index(stripped)
            spans.append(phrase.part(start, start + len(stripped)))
        if match is not None:
            position = match.end()
    return tuple(spans) if len(spans) > 1 else ()


def requirement_strengths(text: str, phrases: Sequence[Phrase]) -> list[Strength]:
    """Strength of each phrase: its own wording first, else the heading it sits under.

    A heading is a phrase followed by a colon that ends its line ("Nice to have:"); it sets
    the strength of the lines below it until the next heading.
    """
    del text  # the phrases know whether they are headings
    strengths: list[Strength] = []
    section: Strength = "must"
    for phrase in phrases:
        own: Strength | None = None
        if _NICE.search(phrase.text):
            own = "nice"
        elif _MUST.search(phrase.text):
            own = "must"
        if phrase.heading:
            # A heading without wording of its own ("About the role:") ends the section.
            section = own or "must"
        strengths.append(own or section)
    return strengths


def as_method(value: str) -> CredentialMethod:
    """A stored credential evidence method (unknown names read as ``embedding``)."""
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
        dictionary: The release's labels for dictionary matching of job text (none: only the
            encoder reads it).
        learned: The mapping artefact over this space (:class:`LearnedRanking`): job-text
            spans are then ranked by its adapted search and re-ranker, and their confidence
            is the re-ranker's probability; none: by label cosine.
    """

    def __init__(
        self,
        space: SkillSpace,
        encoder: TextEncoder,
        resolve_uri: Callable[[str], int | None],
        settings: MappingSettings | None = None,
        dictionary: LabelDictionary | None = None,
        *,
        learned: LearnedRanking | None = None,
    ) -> None:
        if encoder.model_id != space.model:
            raise ValueError(
                f"skill space was built with {space.model}, encoder is {encoder.model_id}"
            )
        self.space = space
        self.encoder = encoder
        self.resolve_uri = resolve_uri
        self.settings = settings or MappingSettings()
        self.dictionary = dictionary
        self.learned = learned
        self.phrase_cache = HitCache(self.settings.phrase_cache)
        """Label hits of phrases read before (``settings.phrase_cache`` phrases)."""

    @property
    def phrase_cache_hits(self) -> int:
        """Phrases answered from the phrase cache so far."""
        return self.phrase_cache.hits

    @property
    def phrase_cache_misses(self) -> int:
        """Phrases encoded and searched while the phrase cache is on."""
        return self.phrase_cache.misses

    @property
    def model(self) -> str:
        """Model id recorded with job-text matches.

        The encoder's, plus the mapping artefact's version when the artefact ranks spans.
        """
        if self.learned is None:
            return self.space.model
        return f"{self.space.model}+{self.learned.version}"

    @property
    def achievement_model(self) -> str:
        """Model id recorded with achievement matches (label cosine: the encoder alone)."""
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

    def with_settings(self, settings: MappingSettings) -> SkillMapper:
        """This mapper with other settings, sharing the encoder, indexes and phrase cache.

        The phrase cache is the same object (its counts too), so what a view reads is
        remembered for every view; a view whose ``phrase_cache`` size differs gets a cache
        of its own (0: none, so it encodes every phrase).
        """
        view = SkillMapper(
            self.space,
            self.encoder,
            self.resolve_uri,
            settings,
            self.dictionary,
            learned=self.learned,
        )
        if settings.phrase_cache == self.settings.phrase_cache:
            view.phrase_cache = self.phrase_cache
        return view

    def ranking(self, top_k: int, threshold: float | None) -> SkillMapper:
        """This mapper with the caller's own ranking cut.

        It keeps the ``top_k`` best skills of each span at ``threshold`` or more (0 keeps
        every skill found; ``None`` keeps the calibrated semantic bounds), without the
        alternatives margin; the spans read are the same (list items only when their kind is
        on). The view shares the encoder, the label index, the dictionary and the phrase
        cache.
        """
        settings = replace(
            self.settings,
            top_k=top_k,
            alternatives_margin=float("inf"),
            labels_per_phrase=max(self.settings.labels_per_phrase, 3 * top_k),
        )
        if threshold is not None:
            on = self.settings
            settings = replace(
                settings,
                span_threshold=threshold,
                item_threshold=threshold if on.item_threshold <= 1.0 else on.item_threshold,
                beside_label_threshold=threshold,
            )
        return self.with_settings(settings)

    def extract_requirements(self, text: str) -> list[PhraseRequirement]:
        """What a job text requires, span by span (:meth:`read_job`'s requirements).

        Raises:
            TooManyPhrasesError: The text holds more than ``max_phrases`` distinct phrases.
        """
        return self.read_job(text).requirements

    def read_job(self, text: str) -> JobReading:
        """What a job text requires, span by span, and what it says that was left unread.

        Headings and boilerplate (:attr:`MappingSettings.drop_boilerplate`) are set aside
        with their reason. Each remaining phrase (sentence, line or list item) is split
        into its list items. Every taxonomy label occurring in it is a requirement of its
        own (a dictionary hit, kind ``exact`` or ``alternative``); each item the dictionary
        leaves mostly unread is embedded, and keeps the skills that match it above the
        threshold (the mapping artefact's probability, or label cosine without it) and
        within ``alternatives_margin`` of its best match: alternative readings of one
        requirement, any of which satisfies it. With ``whole_phrase``, a phrase holding
        several items is also read whole, for skills its items miss. Requirements come in
        text order.

        Raises:
            TooManyPhrasesError: The text holds more than ``max_phrases`` distinct phrases.
        """
        result = self.read_jobs([text])[0]
        if isinstance(result, TooManyPhrasesError):
            raise result
        return result

    def extract_requirements_many(
        self, texts: Sequence[str]
    ) -> list[list[PhraseRequirement] | TooManyPhrasesError]:
        """:meth:`extract_requirements` of many texts (see :meth:`read_jobs`)."""
        return [
            result if isinstance(result, TooManyPhrasesError) else result.requirements
            for result in self.read_jobs(texts)
        ]

    def read_jobs(self, texts: Sequence[str]) -> list[JobReading | TooManyPhrasesError]:
        """:meth:`read_job` of many texts, their spans encoded together.

        Job postings are short: one encoder call over the spans of many of them pads and
        dispatches far less than one call per posting. The result for each text is the
        same as :meth:`read_job` gives it.

        Returns:
            Per text, its reading, or the error that refused it (too many phrases).
        """
        readings: list[tuple[list[_Reading], list[IgnoredPhrase]] | TooManyPhrasesError] = []
        for text in texts:
            try:
                kept, ignored = self._requirement_phrases(text)
            except TooManyPhrasesError as error:
                readings.append(error)
                continue
            readings.append(([self._reading(p, s) for p, s in kept], ignored))
        spans = [
            span
            for reading in readings
            if not isinstance(reading, TooManyPhrasesError)
            for line in reading[0]
            for span in line.semantic
        ]
        hits = self._span_matches(spans) if spans else []
        results: list[JobReading | TooManyPhrasesError] = []
        position = 0
        for reading in readings:
            if isinstance(reading, TooManyPhrasesError):
                results.append(reading)
                continue
            requirements: list[PhraseRequirement] = []
            for line in reading[0]:
                count = len(line.semantic)
                requirements.extend(self._requirements(line, hits[position : position + count]))
                position += count
            results.append(JobReading(requirements, reading[1]))
        return results

    def _reading(self, phrase: Phrase, strength: Strength) -> _Reading:
        """A phrase's dictionary hits and the spans left for the encoder.

        Hits below their kind's threshold are dropped first, so the encoder reads what they
        covered.
        """
        floors = {
            "exact": self.settings.exact_threshold,
            "alternative": self.settings.alternative_threshold,
        }
        found = [
            hit
            for hit in (self.dictionary.find(phrase.text) if self.dictionary is not None else [])
            if 1.0 / hit.sharing >= floors[hit.kind]
        ]
        covered = [False] * len(phrase.text)
        for hit in found:
            covered[hit.start : hit.end] = [True] * (hit.end - hit.start)
        if not phrase.spans:
            whole = () if _mostly_covered(phrase, phrase, covered) else (phrase,)
            return _Reading(phrase, strength, tuple(found), whole, items=0)
        left = (
            [item for item in phrase.spans if not _mostly_covered(phrase, item, covered)]
            if found
            else list(phrase.spans)  # nothing covered: no item to scan
        )
        if found and 2 * (len(phrase.spans) - len(left)) >= len(phrase.spans):
            # A list of skills, half or more named by the dictionary ("SQL, Java and baking
            # bread"): each item it left is an entry of the list, read on its own like a
            # phrase; the list read whole would mostly read the named skills again.
            return _Reading(phrase, strength, tuple(found), tuple(left), items=0)
        items = left if self.settings.item_threshold <= 1.0 else []  # above 1: the kind is off
        if self.settings.whole_phrase and not _mostly_covered(phrase, phrase, covered):
            items.append(replace(phrase, heading=False, spans=()))
            return _Reading(phrase, strength, tuple(found), tuple(items), items=len(items) - 1)
        return _Reading(phrase, strength, tuple(found), tuple(items), items=len(items))

    def _requirement_phrases(
        self, text: str
    ) -> tuple[list[tuple[Phrase, Strength]], list[IgnoredPhrase]]:
        """A job text's distinct requirement phrases with strengths, and what was set aside.

        Headings and boilerplate are set aside with their reasons (boilerplate kept apart
        by ``drop_boilerplate``), so they never reach the dictionary or the encoder.
        """
        phrases = split_phrases(text)
        strengths = requirement_strengths(text, phrases)
        kept: list[tuple[Phrase, Strength]] = []
        ignored: list[IgnoredPhrase] = []
        seen: set[str] = set()
        section: str | None = None  # the boilerplate kind of the section's heading
        drop = self.settings.drop_boilerplate
        for phrase, strength in zip(phrases, strengths, strict=True):
            if phrase.heading:
                kind = boilerplate_reason(phrase.text) if drop else None
                section = kind if kind != "heading" else None
                ignored.append(IgnoredPhrase(phrase, "heading"))
                continue
            reason = (boilerplate_reason(phrase.text) or section) if drop else None
            if reason is not None:
                ignored.append(IgnoredPhrase(phrase, reason))
                continue
            key = phrase.text.lower()
            if key in seen:
                continue
            seen.add(key)
            kept.append((phrase, strength))
        if len(kept) > self.settings.max_phrases:
            raise TooManyPhrasesError(
                f"the text holds {len(kept)} distinct requirement phrases; at most "
                f"{self.settings.max_phrases} are read per text"
            )
        return kept, ignored

    def _requirements(
        self, line: _Reading, per_span: Sequence[Sequence[tuple[int, float]]]
    ) -> list[PhraseRequirement]:
        """A phrase's requirements: dictionary hits, then embedded spans, in text order.

        A skill is read once per phrase: the dictionary's reading wins, then the items',
        then the whole phrase's.
        """
        settings = self.settings
        taken: set[int] = set()
        requirements: list[PhraseRequirement] = []
        by_place: dict[tuple[int, int], list[DictionaryHit]] = {}
        for hit in line.found:
            by_place.setdefault((hit.start, hit.end), []).append(hit)
        for (start, end), hits in by_place.items():
            span = line.phrase.part(start, end)
            skills = [
                SkillMatch(
                    hit.skill_id,
                    round(1.0 / hit.sharing, 4),
                    hit.kind,
                    span.text,
                    span.start,
                    span.end,
                    line.strength,
                )
                for hit in sorted(hits, key=lambda h: (h.kind != "exact", h.skill_id))
            ][: settings.top_k]
            taken.update(skill.skill_id for skill in skills)
            requirements.append(PhraseRequirement(span, line.strength, tuple(skills)))
        for position, (span, nearest) in enumerate(zip(line.semantic, per_span, strict=True)):
            if position < line.items:
                least = settings.item_threshold
            elif line.found and span.text == line.phrase.text:  # read whole beside a hit
                least = max(settings.span_threshold, settings.beside_label_threshold)
            else:  # a phrase, or an entry of a list of skills
                least = settings.span_threshold
            ranked = [
                hit for hit in _best_per_skill(nearest) if hit[1] >= least and hit[0] not in taken
            ]
            if not ranked:
                continue
            floor = ranked[0][1] - settings.alternatives_margin
            skills = [
                SkillMatch(
                    skill_id,
                    round(score, 4),
                    "embedding",
                    span.text,
                    span.start,
                    span.end,
                    line.strength,
                )
                for skill_id, score in ranked[: settings.top_k]
                if score >= floor
            ]
            taken.update(skill.skill_id for skill in skills)
            requirements.append(PhraseRequirement(span, line.strength, tuple(skills)))
        requirements.sort(key=lambda r: (r.phrase.start, -r.phrase.end))
        return requirements

    def _span_matches(self, spans: Sequence[Phrase]) -> list[list[tuple[int, float]]]:
        """The candidate skills of each job-text span, best first: (skill id, confidence).

        With the mapping artefact, its re-ranker's probabilities over the adapted search's
        candidates (at least ``top_k`` of them); else the nearest labels' cosines.
        """
        if self.learned is None:
            return self._phrase_matches(spans, self.settings.labels_per_phrase)
        learned = self.learned
        count = max(CANDIDATES, self.settings.top_k)

        def rank(texts: list[str]) -> list[list[tuple[int, float]]]:
            return learned.rank(texts, self.encoder.encode(texts), count)

        # Negative keys keep learned rankings apart from label searches in the cache.
        return self.phrase_cache.get([s.text for s in spans], -count, rank)

    def search_labels(self, query: str, k: int) -> list[tuple[int, float]]:
        """Skills whose labels are closest to a free-text query, best first, one per skill."""
        matches = self._phrase_matches([Phrase(query, -1, -1)], k * 3)
        best: dict[int, float] = {}
        for skill_id, score in matches[0]:
            best.setdefault(skill_id, score)
        return sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]

    def _phrase_matches(self, phrases: Sequence[Phrase], k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest labels of each phrase: (skill id, score), best first."""

        def search(texts: list[str]) -> list[list[tuple[int, float]]]:
            found = self.space.search_labels(self.encoder.encode(texts), k)
            return [[(hit.skill_id, hit.score) for hit in hits] for hits in found]

        return self.phrase_cache.get([p.text for p in phrases], k, search)

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


@dataclass(frozen=True, slots=True)
class _Reading:
    """One phrase of a job text as read: dictionary hits and the spans to embed.

    The first ``items`` spans of ``semantic`` are list items of the phrase (bound by the
    item threshold); the rest is the phrase read whole (bound by the span threshold).
    """

    phrase: Phrase
    strength: Strength
    found: tuple[DictionaryHit, ...]
    semantic: tuple[Phrase, ...]
    items: int


def _mostly_covered(phrase: Phrase, span: Phrase, covered: Sequence[bool]) -> bool:
    """Whether dictionary hits cover at least half of a span's letters and digits."""
    offset = span.start - phrase.start if not phrase.ends else phrase.text.find(span.text)
    characters = [covered[offset + i] for i, char in enumerate(span.text) if char.isalnum()]
    return bool(characters) and 2 * sum(characters) >= len(characters)


def _best_per_skill(hits: Iterable[tuple[int, float]]) -> list[tuple[int, float]]:
    """One hit per skill (its best label), best first."""
    seen: dict[int, float] = {}
    for skill_id, score in hits:
        if score > seen.get(skill_id, -1.0):
            seen[skill_id] = score
    return sorted(seen.items(), key=lambda item: (-item[1], item[0]))
