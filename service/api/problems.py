"""RFC 9457 problem details for every error, with stable ``type`` URIs.

Every problem body also carries the request id as the extension member ``requestId``, the
value of the ``X-Request-Id`` response header and of the request's log lines.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from service.errors import PROBLEM_BASE, CredmatchError
from service.observability import current_request_id

logger = logging.getLogger("credmatch.api")

_TYPE_BY_STATUS = {
    400: "invalid-request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "too-large",
    415: "unsupported-media-type",
    422: "unprocessable",
    429: "rate-limited",
    503: "not-ready",
}


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _with_request_id(extra: dict[str, Any]) -> dict[str, Any] | None:
    request_id = current_request_id()
    if request_id is not None:
        extra = {**extra, "requestId": request_id}
    return extra or None


def from_http_exception(exc: HTTPException) -> ProblemDetailsException:
    """Framework errors (validation, routing, size limits) as problem details."""
    extra: dict[str, Any] = {}
    if isinstance(exc.extra, list):
        extra["errors"] = exc.extra
    elif isinstance(exc.extra, dict):
        extra.update(exc.extra)
    return ProblemDetailsException(
        status_code=exc.status_code,
        type_=PROBLEM_BASE + _TYPE_BY_STATUS.get(exc.status_code, "http-error"),
        title=_title(exc.status_code),
        detail=exc.detail,
        headers=exc.headers,
        extra=_with_request_id(extra),
    )


def from_domain_error(exc: CredmatchError) -> ProblemDetailsException:
    """Application errors as problem details."""
    headers = dict(exc.headers)
    if exc.status == HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    return ProblemDetailsException(
        status_code=exc.status,
        type_=exc.type_uri,
        title=exc.title,
        detail=exc.detail,
        headers=headers or None,
        extra=_with_request_id(exc.extra),
    )


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything else: logged with its traceback, answered without one."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    problem = ProblemDetailsException(
        status_code=500,
        type_=PROBLEM_BASE + "internal",
        title="Internal Server Error",
        detail="an unexpected error occurred; it has been logged",
        extra=_with_request_id({}),
    )
    return problem.to_response(request)


def problem_details_plugin() -> ProblemDetailsPlugin:
    """The plugin wired with our conversions."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            enable_for_all_http_exceptions=True,
            exception_to_problem_detail_map={
                HTTPException: from_http_exception,
                CredmatchError: from_domain_error,
            },
        )
    )
