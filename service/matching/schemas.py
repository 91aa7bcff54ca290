"""Wire Structs of the matching feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from service.api.schemas import Cursor, Request, Response, ShortText, SkillRef, Text
from service.credentials.schemas import IssuerOut
from service.matching.filters import Tags
from service.taxonomy.schemas import ExtractionMethod


class ExplicitSkillIn(Request):
    """A required skill given explicitly (by taxonomy URI or by free text)."""

    uri: ShortText | None = None
    text: ShortText | None = None
    must_have: bool = True
    weight: Annotated[float, Meta(gt=0.0, le=10.0)] | None = None


class MatchIn(Request):
    """``POST /v1/match``: a job."""

    title: ShortText = ""
    description: Text = ""
    skills: Annotated[list[ExplicitSkillIn], Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    top_k: Annotated[int, Meta(ge=1, le=100)] = 10
    issued_after: datetime | None = None
    issuers: Annotated[list[ShortText], Meta(max_length=50)] = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    candidate_tags: Tags = msgspec.field(default_factory=list)
    trusted_issuers_only: bool = False
    cursor: Cursor | None = None


RequirementSource = Literal["explicit", "text", "title"]


class RequirementOut(Response):
    """A requirement: its main skill, the skills that satisfy it, and where it was found.

    ``source``: an explicit skill, a phrase of the description (``text``), or an essential
    skill of the occupation the job title names (``title``; ``phrase`` is the title and
    ``confidence`` the title similarity). ``weight``: what it counts for in the score (the
    score divides by the sum of the weights); for ``text``, the strength's weight, for
    ``title``, ``title_skill_weight``, each times the skill's specificity (a skill few
    occupations list weighs more than one most list).
    """

    skill: SkillRef
    alternatives: list[SkillRef]
    strength: Literal["must", "nice"]
    weight: float
    source: RequirementSource
    phrase: str = ""
    start: int | None = None
    end: int | None = None
    confidence: float = 1.0
    method: ExtractionMethod | None = None


class ProofOut(Response):
    """A credential proving a matched skill."""

    credential_id: int
    document_id: str | None
    name: str
    achievement: str
    issuer: IssuerOut
    proof_types: list[str]
    valid_from: datetime | None
    valid_until: datetime | None
    verified: bool
    status: str
    method: Literal["alignment", "crosswalk", "embedding"]
    confidence: float
    issuer_trusted: bool = False
    issuer_weight: float = 1.0
    bundle_id: int | None = None


class MatchedOut(Response):
    """How a candidate covers one requirement."""

    required: SkillRef
    phrase: str
    satisfied_by: SkillRef
    matched_skill: SkillRef
    similarity: float
    evidence_strength: float
    contribution: float
    credentials: list[ProofOut]


class MissingOut(Response):
    """A requirement the candidate has no verified evidence for."""

    skill: SkillRef
    phrase: str
    strength: Literal["must", "nice"]


class RankedOut(Response):
    """A ranked candidate."""

    rank: int
    candidate_id: str
    score: float
    matched: list[MatchedOut]
    missing: list[MissingOut]


class MatchOut(Response):
    """``POST /v1/match`` response."""

    taxonomy: str
    model: str
    requirements: list[RequirementOut]
    candidates: list[RankedOut]
    retrieved: int
    total: int = 0
    next: str | None = None
    unresolved: list[str] = msgspec.field(default_factory=list)
