"""Wire types: msgspec Structs with camelCase names; request bodies reject unknown fields."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Text = Annotated[str, Meta(max_length=20_000)]


ShortText = Annotated[str, Meta(max_length=500)]


Identifier = Annotated[str, Meta(min_length=1, max_length=200)]


MAX_ID = 2**63 - 1
"""Largest id a path or query parameter may carry (a signed 64-bit database integer)."""

NO_NUL_PATTERN = r"^[^\u0000]*$"
"""Every string the API reads: no NUL character (PostgreSQL text cannot hold one)."""

CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
"""A page cursor as the API writes it (URL-safe base64 without padding)."""

Cursor = Annotated[str, Meta(max_length=500, pattern=CURSOR_PATTERN)]
"""A page cursor from the previous page's ``next`` (a well-formed one from elsewhere: 422)."""

CANDIDATE_ID_PATTERN = r"^[^/\u0000-\u001f\u007f]+$"
"""A candidate's id: any text without a slash or a control character. A slash could be
written but never read back (``GET /v1/candidates/{id}`` cannot carry one), so it is refused
where ids are written."""


class Request(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, rename="camel"):
    """Base of request bodies."""


class Response(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of response bodies."""


class SkillRef(Response):
    """A taxonomy skill; ``id`` is the last segment of its URI (``/v1/skills/{id}``)."""

    uri: str
    label: str
    skill_type: str = ""
    id: str = ""
