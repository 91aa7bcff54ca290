"""Every error class of the service, each HTTP one with a stable RFC 9457 problem type.

Exceptions::

    CredmatchError                 base: status 500, type ``internal``
    ├── NotFoundError              404 ``not-found``
    ├── AuthenticationError        401 ``unauthenticated``
    ├── PermissionDeniedError      403 ``forbidden``
    ├── InvalidRequestError        400 ``invalid-request``
    │   ├── MalformedHttpError     400 ``malformed-http``: not parsed as HTTP (server layer)
    │   └── UnprocessableRequestError  422 ``unprocessable-request``: valid by the schema,
    │       │                          refused by a rule it cannot state (dates in order, ...)
    │       ├── InvalidCursorError     422 ``invalid-cursor``: not a cursor this API returned
    │       └── UnresolvedSkillsError  422 ``unresolved-skills`` (+ unresolved, suggestions)
    ├── KeyConflictError           409 ``key-conflict`` (revoked already, or the caller's key)
    ├── ReportNotReadyError        409 ``report-not-ready``
    ├── ReportFailedError          409 ``report-failed``
    ├── UnsupportedMediaTypeError  415 ``unsupported-media-type`` (a JSON endpoint, not JSON)
    │   └── UnsupportedPostingFormatError  415: an upload postings cannot be read from
    ├── CredentialRejectedError    422 ``credential-rejected`` (+ the failing checks)
    │   └── CredentialUnreadableError  422 ``credential-rejected``: not parsed, not stored
    ├── PresentationRejectedError  422 ``presentation-invalid`` (+ checks, quarantined)
    │   ├── ChallengeUnknownError  422 ``challenge-unknown``
    │   ├── ChallengeExpiredError  422 ``challenge-expired``
    │   ├── ChallengeUsedError     422 ``challenge-used``
    │   ├── DomainMismatchError    422 ``domain-mismatch``
    │   └── HolderMismatchError    422 ``holder-mismatch``
    ├── RateLimitedError           429 ``rate-limited`` (+ Retry-After, RateLimit-* headers)
    └── NotReadyError              503 ``not-ready`` (taxonomy or index missing)
        └── IndexBuildingError     503 ``index-building`` (+ Retry-After): the tenant's index

    SettingsError (ValueError)     a CREDMATCH_* variable that cannot be used (start-up, CLI)
    ClaimLostError                 a background job taken over by another worker (internal)

The verification layer's errors (``ingest.IngestError`` and below) never reach a client as
such: ingest turns them into a quarantine entry and a ``CredentialRejectedError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "PROBLEM_BASE",
    "AuthenticationError",
    "ChallengeExpiredError",
    "ChallengeUnknownError",
    "ChallengeUsedError",
    "ClaimLostError",
    "CredentialRejectedError",
    "CredentialUnreadableError",
    "CredmatchError",
    "DomainMismatchError",
    "HolderMismatchError",
    "IndexBuildingError",
    "InvalidCursorError",
    "InvalidRequestError",
    "KeyConflictError",
    "MalformedHttpError",
    "NotFoundError",
    "NotReadyError",
    "PermissionDeniedError",
    "PresentationRejectedError",
    "RateLimitedError",
    "ReportFailedError",
    "ReportNotReadyError",
    "SettingsError",
    "UnprocessableRequestError",
    "UnresolvedSkillsError",
    "UnsupportedMediaTypeError",
    "UnsupportedPostingFormatError",
]

PROBLEM_BASE = "https://credmatch.dev/problems/"


class CredmatchError(Exception):
    """Base of application errors; carries what the problem response needs."""

    status: ClassVar[int] = 500
    problem: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"
    commits_transaction: ClassVar[bool] = False
    """Whether the request's work so far is committed before the error is answered."""

    def __init__(
        self,
        detail: str,
        *,
        extra: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra or {}
        self.headers = dict(headers or {})
        """Response headers the problem response carries."""

    @property
    def type_uri(self) -> str:
        """Stable problem type URI."""
        return PROBLEM_BASE + self.problem


class NotFoundError(CredmatchError):
    """The resource does not exist for this tenant."""

    status = 404
    problem = "not-found"
    title = "Not found"


class AuthenticationError(CredmatchError):
    """No valid API key was presented."""

    status = 401
    problem = "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(CredmatchError):
    """The API key's role may not call this endpoint."""

    status = 403
    problem = "forbidden"
    title = "Forbidden"


class InvalidRequestError(CredmatchError):
    """The request is well-formed but cannot be acted on."""

    status = 400
    problem = "invalid-request"
    title = "Invalid request"


class MalformedHttpError(InvalidRequestError):
    """Bytes the HTTP server could not parse as a request, answered before any route.

    Control bytes in a header, or a request line or headers over the parser's limits.
    """

    problem = "malformed-http"
    title = "Malformed HTTP request"


class UnprocessableRequestError(InvalidRequestError):
    """A request its schema accepts, refused by a rule the schema cannot state.

    A schema-valid request is never answered 400: dates out of order, an entry given twice,
    a cursor from elsewhere are 422, documented on each operation that checks them.
    """

    status = 422
    problem = "unprocessable-request"
    title = "Request cannot be acted on"


class InvalidCursorError(UnprocessableRequestError):
    """A page cursor this API did not return (or one it cannot read back)."""

    problem = "invalid-cursor"
    title = "Invalid cursor"


class UnresolvedSkillsError(UnprocessableRequestError):
    """Nothing a match or search asks for resolves to a skill of the taxonomy.

    The problem names what was not resolved (``unresolved``) and, for a job, the skills it
    may have meant (``suggestions``), so a caller can confirm one and ask again.
    """

    problem = "unresolved-skills"
    title = "No skill recognised"


class CredentialRejectedError(CredmatchError):
    """A credential failed parsing or verification; it was quarantined."""

    status = 422
    problem = "credential-rejected"
    title = "Credential rejected"
    # The quarantine row written before the error must survive it: nothing is lost.
    commits_transaction = True


class PresentationRejectedError(CredmatchError):
    """A Verifiable Presentation failed its own checks; its credentials were quarantined."""

    status = 422
    problem = "presentation-invalid"
    title = "Presentation rejected"
    # The quarantine rows (and a consumed challenge) must survive the error.
    commits_transaction = True


class ChallengeUnknownError(PresentationRejectedError):
    """The presentation carries no challenge, or one this tenant never issued."""

    problem = "challenge-unknown"
    title = "Unknown challenge"


class ChallengeExpiredError(PresentationRejectedError):
    """The presentation's challenge expired before it was presented."""

    problem = "challenge-expired"
    title = "Challenge expired"


class ChallengeUsedError(PresentationRejectedError):
    """The challenge was used already: the presentation is a replay."""

    problem = "challenge-used"
    title = "Challenge already used"


class DomainMismatchError(PresentationRejectedError):
    """The presentation was signed for another domain."""

    problem = "domain-mismatch"
    title = "Wrong domain"


class HolderMismatchError(PresentationRejectedError):
    """An embedded credential's subject is not the presentation's holder."""

    problem = "holder-mismatch"
    title = "Holder mismatch"


class CredentialUnreadableError(CredentialRejectedError):
    """A document sent only to be verified cannot be parsed; nothing was stored.

    The same problem type and ``code`` as ingest's format errors, without a quarantine id.
    """

    commits_transaction = False

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail, extra={"code": code, "checks": []})
        self.code = code


class RateLimitedError(CredmatchError):
    """The caller (API key, or client address without one) sent too many requests."""

    status = 429
    problem = "rate-limited"
    title = "Too many requests"


class NotReadyError(CredmatchError):
    """The service lacks something it needs (a taxonomy, an index)."""

    status = 503
    problem = "not-ready"
    title = "Service not ready"


class IndexBuildingError(NotReadyError):
    """The tenant's candidate index is being built; other tenants are served meanwhile."""

    problem = "index-building"
    title = "Candidate index being built"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class ReportNotReadyError(CredmatchError):
    """A rendering was asked of a report that is not finished."""

    status = 409
    problem = "report-not-ready"
    title = "Report not ready"


class ReportFailedError(CredmatchError):
    """A rendering was asked of a report that failed: there is nothing to render."""

    status = 409
    problem = "report-failed"
    title = "Report failed"


class UnsupportedMediaTypeError(CredmatchError):
    """The body is in a media type the endpoint does not read."""

    status = 415
    problem = "unsupported-media-type"
    title = "Unsupported media type"


class UnsupportedPostingFormatError(UnsupportedMediaTypeError):
    """The upload is in a media type postings cannot be read from."""


class KeyConflictError(CredmatchError):
    """The key's state forbids the change (revoked already, or the caller's own key)."""

    status = 409
    problem = "key-conflict"
    title = "Key conflict"


class ClaimLostError(Exception):
    """Another worker took over a job whose claim went stale; this one stops its work."""

    def __init__(self, job_id: int) -> None:
        super().__init__(f"the claim on job {job_id} was taken over")
        self.job_id = job_id


class SettingsError(ValueError):
    """An environment variable holds a value that cannot be used."""
