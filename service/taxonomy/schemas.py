"""Wire Structs of the taxonomy feature: what its endpoints read and answer."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta

from service.api.schemas import Request, Response, SkillRef

ExtractionMethod = Literal["exact", "alternative", "embedding"]
"""Evidence kind of a skill read in text: a preferred or alternative label found verbatim,
or the encoder's label similarity (the semantic kind)."""


class SkillHit(Response):
    """A skill found by search.

    ``method``: the whole label equals the query (``exact``), starts with it (``prefix``),
    contains it (``contains``) or all its words (``words``); the same after correcting
    misspelt words (``corrected``, ``query`` says how it was read); a label similar as a
    whole (``fuzzy``, ``score`` 0-100); or an embedding neighbour (``semantic``, cosine).
    """

    skill: SkillRef
    matched_label: str
    method: Literal["exact", "prefix", "contains", "words", "corrected", "fuzzy", "semantic"]
    score: float | None = None
    query: str = ""


class SkillSearchOut(Response):
    """``GET /v1/skills`` response."""

    taxonomy: str
    query: str
    results: list[SkillHit]


class GroupRef(Response):
    """A skill group or pillar concept."""

    uri: str
    label: str
    code: str = ""


class RelatedSkillOut(Response):
    """A related skill and why."""

    skill: SkillRef
    relation: str
    similarity: float | None = None


class OccupationRef(Response):
    """An occupation; ``id`` is the last segment of its URI (``/v1/occupations/{id}``)."""

    uri: str
    label: str
    code: str = ""
    id: str = ""


class OccupationNeedOut(Response):
    """An occupation that needs a skill, and how much."""

    occupation: OccupationRef
    relation: str


class LabelOut(Response):
    """A label of a skill."""

    label: str
    kind: str


class SkillOut(Response):
    """``GET /v1/skills/{id}``."""

    skill: SkillRef
    taxonomy: str
    description: str
    reuse_level: str
    code: str
    category: str
    subcategory: str
    collections: list[str]
    labels: list[LabelOut]
    groups: list[GroupRef]
    broader: list[SkillRef]
    narrower: list[SkillRef]
    related: list[RelatedSkillOut]
    occupations: list[OccupationNeedOut]
    occupation_count: int


class OccupationOut(Response):
    """``GET /v1/occupations/{id}``."""

    occupation: OccupationRef
    taxonomy: str
    description: str
    alt_labels: list[str]
    isco_group: str
    essential: list[SkillRef]
    optional: list[SkillRef]


class ExtractIn(Request):
    """``POST /v1/skills/extract``: a text to read (job ad, course or badge description).

    ``topK`` and ``threshold`` ask for the product's own ranking: up to ``topK`` skills per
    span, best first, down to ``threshold`` (0 allowed), with their scores.
    """

    text: Annotated[str, Meta(min_length=1, max_length=20_000)]
    top_k: Annotated[int, Meta(ge=1, le=100)] | None = None
    threshold: Annotated[float, Meta(ge=0.0, le=1.0)] | None = None


class ExtractedSkillOut(Response):
    """A skill read in a span: ``exact``/``alternative`` label found, or ``embedding``."""

    skill: SkillRef
    confidence: float
    method: ExtractionMethod


class ExtractedPhraseOut(Response):
    """A phrase of the text with its offsets, strength and skills (best first)."""

    text: str
    start: int
    end: int
    strength: Literal["must", "nice"]
    skills: list[ExtractedSkillOut]


IgnoredReason = Literal[
    "heading",
    "equal-opportunity",
    "benefits",
    "pay",
    "application",
    "screening",
    "company",
    "contact",
]


class IgnoredTextOut(Response):
    """A phrase left unread: a section heading, or job-ad boilerplate of the kind named."""

    text: str
    start: int
    end: int
    reason: IgnoredReason


class EvidenceBoundsOut(Response):
    """The least confidence each evidence kind needs to be returned (``null``: kind off).

    ``semantic``: the encoder's reading of a phrase, or of an entry of a list of skills;
    ``listItem``: of one item of a phrase holding several; ``besideLabel``: of a phrase
    read whole where a label was found verbatim; ``exactLabel`` / ``alternativeLabel``: a
    preferred / alternative label found verbatim (confidence 1 / the skills it names).
    """

    semantic: float | None
    list_item: float | None
    beside_label: float | None
    exact_label: float | None
    alternative_label: float | None


class ExtractOut(Response):
    """What the text names and what was left unread, with the model, release and bounds.

    ``threshold`` is the semantic bound (``bounds.semantic``, or above 1 where that is
    ``null``), kept for callers that read it.
    """

    taxonomy: str
    model: str
    threshold: float
    bounds: EvidenceBoundsOut
    phrases: list[ExtractedPhraseOut]
    skills: list[ExtractedSkillOut]
    ignored: list[IgnoredTextOut]
