"""Which evidence counts: the filters shared by match, search and gap reports.

One filter, one meaning everywhere: a credential counts when it was issued on or after
``issued_after`` (its ``validFrom``; a credential without one never passes a date filter), by
one of ``issuers`` (an exact issuer id, or a domain that covers ``https`` issuer URLs and
``did:web`` issuers with their subdomains), and carries at least one of ``tags`` (the issuer's
achievement tags, compared case-insensitively). ``candidate_tags`` narrows the candidates to
those the tenant tagged with at least one of them (a cohort, a programme).
``trusted_issuers_only`` drops credentials from issuers outside the tenant's trust policy; it
is applied through the issuer weights (``service.trust.service.issuer_weight``).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from msgspec import Meta

from ingest import issuer_host
from service.db.models import Credential
from service.errors import InvalidRequestError

MAX_TAGS = 50
MAX_TAG_LENGTH = 100

TAG_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f]+$"
"""A tag: one line, no control character."""

Tag = Annotated[str, Meta(min_length=1, max_length=MAX_TAG_LENGTH, pattern=TAG_PATTERN)]
"""A tag as a request may carry it (:func:`normalize_tags` trims and lower-cases it)."""

Tags = Annotated[list[Tag], Meta(max_length=MAX_TAGS)]
"""The tags of one filter or one credential request."""


def normalize_tags(tags: Iterable[str], *, drop_invalid: bool = False) -> tuple[str, ...]:
    """Trimmed, lower-cased, de-duplicated tags in their first order; blanks dropped.

    Args:
        tags: The tags as given.
        drop_invalid: Skip tags that are too long or hold control characters (line breaks
            included) instead of refusing them (for tags an issuer wrote into a credential,
            which must not cost the credential).

    Raises:
        InvalidRequestError: A tag longer than 100 characters or holding a line break or
            another control character (PostgreSQL text cannot even hold NUL).
    """
    seen: dict[str, None] = {}
    for tag in tags:
        cleaned = tag.strip().lower()
        if not cleaned:
            continue
        if len(cleaned) > MAX_TAG_LENGTH or any(unicodedata.category(c) == "Cc" for c in cleaned):
            if drop_invalid:
                continue
            raise InvalidRequestError(
                f"tag {tag[:40]!r} must be at most {MAX_TAG_LENGTH} characters on one line, "
                "without control characters"
            )
        seen.setdefault(cleaned, None)
    return tuple(seen)


def credential_tags(text: str) -> frozenset[str]:
    """The tags stored on a credential row (one per line)."""
    return frozenset(line for line in text.split("\n") if line)


@dataclass(frozen=True, slots=True)
class EvidenceFilter:
    """Which credentials, and which candidates, count (see the module docstring)."""

    issued_after: datetime | None = None
    issuers: Sequence[str] = ()
    tags: Sequence[str] = ()
    candidate_tags: Sequence[str] = ()
    trusted_issuers_only: bool = False

    @property
    def filters_credentials(self) -> bool:
        """Whether any per-credential condition (date, issuer, tag) is set."""
        return self.issued_after is not None or bool(self.issuers) or bool(self.tags)

    def admits(self, credential: Credential) -> bool:
        """Whether the credential passes the date, issuer and tag conditions."""
        return (
            self.admits_issue_date(credential.valid_from)
            and self.admits_issuer(credential.issuer_id)
            and self.admits_tags(credential_tags(credential.tags))
        )

    def admits_issue_date(self, valid_from: datetime | None) -> bool:
        """The date condition alone (a credential without ``validFrom`` fails a date filter)."""
        if self.issued_after is None:
            return True
        return valid_from is not None and _aware(valid_from) >= _aware(self.issued_after)

    def admits_issuer(self, issuer_id: str) -> bool:
        """The issuer condition alone."""
        return not self.issuers or any(_issuer_matches(issuer_id, w) for w in self.issuers)

    def admits_tags(self, tags: frozenset[str]) -> bool:
        """The tag condition alone, on a credential's (normalised) tags."""
        return not self.tags or any(tag.lower() in tags for tag in self.tags)


def _issuer_matches(issuer_id: str, wanted: str) -> bool:
    if wanted == issuer_id:
        return True
    host = issuer_host(issuer_id)
    domain = wanted.lower()
    return host is not None and (host == domain or host.endswith("." + domain))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
