"""Problem responses in the OpenAPI document: every error an operation can answer is declared.

Litestar documents a handler's success response and a generic 400 of its own shape; our
errors are RFC 9457 ``application/problem+json`` bodies (`service.api.problems`). After the
app is built, `declare_problem_responses` adds to each operation the errors common to its
kind (bad input, authentication, permission, a missing resource, a body too large, a
body that is not JSON where JSON is read, a service not ready) and gives every error
response, including the ones a handler declares with `problem_responses`, the problem
details schema. Operations without the API-key guard
are marked as needing no security (the document's default asks for a key), and the
success response of a handler declaring `renderings` lists those media types too.
"""

from __future__ import annotations

from http import HTTPStatus

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from service.api.dependencies import require_api_key
from service.api.request import expects_json_body
from service.errors import PROBLEM_BASE

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "RENDERINGS_OPT",
    "declare_problem_responses",
    "problem_responses",
    "renderings",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
RENDERINGS_OPT = "renderings"
"""Handler ``opt`` key: other media types its success response may come in (CSV, HTML)."""
_SCHEMA_NAME = "ProblemDetails"
_FIRST_ERROR_STATUS = 400
_GUARDED_STATUSES = (400, 401, 403, 503)
_PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description=(
        "RFC 9457 problem details. Some problems add members: ``errors`` (invalid input), "
        "``checks``, ``code`` and ``quarantineId`` (a rejected credential), and others."
    ),
    required=["type", "title", "status"],
    properties={
        "type": Schema(
            type=OpenAPIType.STRING,
            description=f"Stable problem type URI, under {PROBLEM_BASE}",
        ),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
    },
)


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """Error statuses a handler answers beyond the common ones, for its ``responses=``.

    Args:
        statuses: HTTP statuses, e.g. ``422`` for a rejected credential.

    Returns:
        Response specs; `declare_problem_responses` gives them the problem schema.
    """
    return {
        status: ResponseSpec(None, description=HTTPStatus(status).phrase) for status in statuses
    }


def renderings(*media_types: str) -> dict[str, tuple[str, ...]]:
    """``opt`` entries of a handler whose success response may also be ``media_types``.

    Merge with the roles: ``opt={**allow(Role.ANALYST), **renderings("text/csv")}``.
    """
    return {RENDERINGS_OPT: media_types}


def _declare_renderings(handler: HTTPRouteHandler, operation: Operation) -> None:
    media_types: tuple[str, ...] = handler.opt.get(RENDERINGS_OPT, ())
    success = (operation.responses or {}).get(str(handler.status_code))
    if not media_types or not isinstance(success, OpenAPIResponse):
        return
    success.content = dict(success.content or {})
    for media_type in media_types:
        success.content[media_type] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))


def _common_statuses(handler: HTTPRouteHandler, path: str, operation: Operation) -> set[int]:
    statuses: set[int] = set()
    if require_api_key in handler.resolve_guards():
        statuses.update(_GUARDED_STATUSES)
    if operation.parameters or operation.request_body is not None:
        statuses.add(HTTPStatus.BAD_REQUEST)
    if "{" in path:
        statuses.add(HTTPStatus.NOT_FOUND)
    if operation.request_body is not None or handler.http_methods & {"POST", "PUT", "PATCH"}:
        statuses.add(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    if expects_json_body(handler):
        statuses.add(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    return statuses


def _is_replaceable(status: str, response: OpenAPIResponse | Reference) -> bool:
    """An error declared without a body, or Litestar's own validation error shape."""
    if not status.isdigit() or int(status) < _FIRST_ERROR_STATUS:
        return False
    if not isinstance(response, OpenAPIResponse):
        return False
    return response.content is None or status == str(HTTPStatus.BAD_REQUEST.value)


def declare_problem_responses(app: Litestar) -> None:
    """Declare the problem responses of every documented operation of ``app``.

    Call once, after the app is built and before the document is first served.

    Args:
        app: The application; its OpenAPI document is changed in place.
    """
    document = app.openapi_schema
    if document.components is None:
        document.components = Components()
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas[_SCHEMA_NAME] = _PROBLEM_SCHEMA
    reference = Reference(ref=f"#/components/schemas/{_SCHEMA_NAME}")
    for route in app.routes:
        item = (document.paths or {}).get(route.path_format)
        if not isinstance(route, HTTPRoute) or item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if isinstance(operation, Operation):
                    _declare(handler, route.path_format, operation, reference)


def _declare(
    handler: HTTPRouteHandler, path: str, operation: Operation, reference: Reference
) -> None:
    """Problem responses, security and renderings of one operation."""
    if require_api_key not in handler.resolve_guards():
        operation.security = []  # open to all: /health, /ready, the schema
    responses = operation.responses if operation.responses is not None else {}
    for code in _common_statuses(handler, path, operation):
        responses.setdefault(str(code), OpenAPIResponse(HTTPStatus(code).phrase))
    for status, response in responses.items():
        if _is_replaceable(status, response):
            assert isinstance(response, OpenAPIResponse)
            response.content = {PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=reference)}
    operation.responses = responses
    _declare_renderings(handler, operation)
