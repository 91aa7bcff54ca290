"""Wire Structs of the search feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from service.api.schemas import Cursor, Request, Response, ShortText, SkillRef
from service.matching.filters import Tags
from service.matching.schemas import ProofOut

SearchSort = Literal["score", "skills", "recent"]


class SearchIn(Request):
    """``POST /v1/candidates/search``: candidates by verified skills.

    ``skills``: ids (last URI segment), URIs or free text, each resolved through the taxonomy.
    ``issuers``: exact issuer ids, or domains (``https`` issuer URLs and ``did:web``).
    """

    skills: Annotated[list[ShortText], Meta(min_length=1, max_length=20)]
    mode: Literal["all", "any"] = "all"
    min_strength: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.0
    issued_after: datetime | None = None
    issuers: Annotated[list[ShortText], Meta(max_length=50)] = msgspec.field(default_factory=list)
    tags: Tags = msgspec.field(default_factory=list)
    candidate_tags: Tags = msgspec.field(default_factory=list)
    trusted_issuers_only: bool = False
    sort: SearchSort = "score"
    limit: Annotated[int, Meta(ge=1, le=100)] = 20
    cursor: Cursor | None = None


class ResolvedSkillOut(Response):
    """How a requested skill was read: by id, by label (which tier), or semantically."""

    given: str
    skill: SkillRef | None
    method: str
    score: float | None = None


class HeldSkillOut(Response):
    """A requested skill the candidate holds, its evidence strength and its credentials."""

    skill: SkillRef
    strength: float
    credentials: list[ProofOut]


class SearchHitOut(Response):
    """A candidate found by search."""

    candidate_id: str
    score: float
    skills: list[HeldSkillOut]
    latest_credential_at: datetime | None = None


class SearchOut(Response):
    """A page of search results; pass ``next`` as ``cursor`` for the following page."""

    resolved: list[ResolvedSkillOut]
    total: int
    candidates: list[SearchHitOut]
    next: str | None = None
    unresolved: list[str] = msgspec.field(default_factory=list)
