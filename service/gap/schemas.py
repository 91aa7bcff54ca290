"""Wire Structs of the gap feature: what its endpoints read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from service.api.schemas import Response, SkillRef
from service.gap.service import GapQuery, GapReport
from service.taxonomy.schemas import IgnoredTextOut, OccupationRef


class RowProblemOut(Response):
    """A rejected posting (or a note on an accepted one): row number, field and reason."""

    row: int
    field: str
    reason: str


class PostingUploadOut(Response):
    """What a posting upload did, or how far its background import got.

    ``id`` is set for background uploads (follow them at ``/v1/postings/uploads/{id}``).
    """

    status: Literal["queued", "running", "done", "failed"]
    total: int
    processed: int
    accepted: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    without_skills: int = 0
    errors: list[RowProblemOut] = msgspec.field(default_factory=list)
    warnings: list[RowProblemOut] = msgspec.field(default_factory=list)
    id: int | None = None
    error: str = ""


class PostingSkillOut(Response):
    """A skill a posting demands: its strength, the confidence and the phrase it came from."""

    skill: SkillRef
    strength: Literal["must", "nice"]
    confidence: float
    phrase: str


class TitleOccupationOut(Response):
    """The occupation whose title is closest to a posting's title, and how close (cosine).

    A gap report counts its essential skills as the posting's nice-to-haves when
    ``similarity`` reaches the matching threshold (``title_min_similarity``, with
    ``title_skill_weight`` above 0) and the report does not ask ``titleSkills: false``.
    """

    occupation: OccupationRef
    similarity: float


class PostingOut(Response):
    """A stored posting: what its skills were read from, the skills, and the text left unread."""

    external_id: str
    title: str
    posted_at: datetime | None
    location: str
    occupation: str
    model: str
    skills: list[PostingSkillOut]
    ignored: list[IgnoredTextOut]
    title_occupation: TitleOccupationOut | None = None


class GapReportIn(GapQuery, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """A gap report request; ``async`` forces (true) or refuses (false) the background."""

    run_async: bool | None = msgspec.field(default=None, name="async")


class ReportLinksOut(Response):
    """Where a report and its renderings are."""

    self: str
    html: str
    csv: str
    charts: list[str] = msgspec.field(default_factory=list)


class GapReportOut(Response):
    """A gap report: its status and progress, and the report once done."""

    id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    stage: str
    created_at: datetime
    links: ReportLinksOut
    finished_at: datetime | None = None
    error: str = ""
    report: GapReport | None = None
