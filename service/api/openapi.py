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

import dataclasses
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

import msgspec.inspect as mi
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
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from service.api.dependencies import require_api_key
from service.api.request import expects_json_body
from service.api.schemas import MAX_ID, NO_NUL_PATTERN
from service.errors import PROBLEM_BASE

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "RENDERINGS_OPT",
    "declare_problem_responses",
    "problem_responses",
    "raw_body",
    "renderings",
    "state_schema_rules",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
RAW_BODY_OPT = "raw_body"
"""Handler ``opt`` key: the media types (and schemas) of a body the handler reads raw."""
_ANY_JSON_DOCUMENT = Schema(
    type=OpenAPIType.OBJECT, description="A JSON document, kept byte for byte as sent."
)
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


def raw_body(**media: Schema) -> dict[str, dict[str, Schema]]:
    """The media types a handler reading its body raw takes, for its ``opt``.

    A handler with a raw ``body`` parameter and no such declaration takes one JSON document
    (a credential, a presentation).

    Args:
        media: Schema per media type, named with ``_`` for ``/`` and ``-`` (``text_csv``).
    """
    return {
        RAW_BODY_OPT: {
            name.replace("_", "/", 1).replace("_", "-"): schema for name, schema in media.items()
        }
    }


def _declare_raw_body(handler: HTTPRouteHandler, operation: Operation) -> None:
    """A required request body for handlers that read theirs raw (Litestar documents none)."""
    media: dict[str, Schema] | None = handler.opt.get(RAW_BODY_OPT)
    if media is None and "body" in handler.parsed_fn_signature.parameters:
        media = {"application/json": _ANY_JSON_DOCUMENT}
    if media is not None and operation.request_body is None:
        operation.request_body = RequestBody(
            content={kind: OpenAPIMediaType(schema=schema) for kind, schema in media.items()},
            required=True,
        )


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
    _declare_raw_body(handler, operation)
    responses = operation.responses if operation.responses is not None else {}
    for code in _common_statuses(handler, path, operation):
        responses.setdefault(str(code), OpenAPIResponse(HTTPStatus(code).phrase))
    for status, response in responses.items():
        if _is_replaceable(status, response):
            assert isinstance(response, OpenAPIResponse)
            response.content = {PROBLEM_MEDIA_TYPE: OpenAPIMediaType(schema=reference)}
    operation.responses = responses
    _declare_renderings(handler, operation)


def state_schema_rules(app: Litestar) -> None:
    """State in ``app``'s OpenAPI document the rules requests are checked against.

    Litestar leaves three of them out or blurs them; after this call the document says:

    - integer limits exactly: Litestar writes ``maximum`` as a float, and ``2**63 - 1`` as a
      float is ``2**63``, so an id one above the largest the database holds looked valid;
    - ``additionalProperties: false`` on every request body object with named properties
      (request bodies refuse unknown fields; free-form objects, such as a credential, have
      no named properties and stay open);
    - no NUL character in any string the API reads (every request is screened for it),
      unless the string already has a pattern or a format;
    - the limits of list items (``Tags`` items are 1-100 characters), which Litestar drops:
      read from each JSON body's msgspec type.

    Call once, after the app is built and before the document is first served.
    """
    document = app.openapi_schema
    components = document.components.schemas if document.components else None
    for schema in _schemas_of(document.paths):
        _state_integer_limits(schema)
    for schema in _schemas_of(components):
        _state_integer_limits(schema)
    for schema in _parameter_schemas(document.paths):
        _refuse_nul(schema)
    for body in _request_body_schemas(document.paths):
        for schema in _schemas_of(body, components or {}):
            _refuse_nul(schema)
            if schema.properties and schema.additional_properties is None:
                schema.additional_properties = False
    _state_body_limits(app, components)


def _state_body_limits(app: Litestar, components: dict[str, Any] | None) -> None:
    """The limits of each JSON body's msgspec type, onto its documented schema."""
    for route in app.routes:
        item = (app.openapi_schema.paths or {}).get(route.path_format)
        if not isinstance(route, HTTPRoute) or item is None:
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                body = getattr(operation, "request_body", None)
                if data is None or body is None or not body.content:
                    continue
                for media in body.content.values():
                    _state_item_limits(mi.type_info(data.annotation), media.schema, components)


def _schemas_of(value: Any, components: dict[str, Any] | None = None) -> Iterator[Schema]:
    """Every Schema inside ``value`` (following references into ``components`` if given)."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if id(item) in seen or item is None or isinstance(item, str | int | float | bool):
            continue
        seen.add(id(item))
        if isinstance(item, Reference):
            name = item.ref.rsplit("/", 1)[-1]
            if components is not None and name in components:
                stack.append(components[name])
            continue
        if isinstance(item, Schema):
            yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))


def _parameter_schemas(paths: Any) -> Iterator[Schema]:
    for item in (paths or {}).values():
        for method in ("get", "put", "post", "delete", "patch"):
            for parameter in getattr(getattr(item, method, None), "parameters", None) or []:
                yield from _schemas_of(getattr(parameter, "schema", None))


def _request_body_schemas(paths: Any) -> Iterator[Any]:
    for item in (paths or {}).values():
        for method in ("post", "put", "patch"):
            operation = getattr(item, method, None)
            body = getattr(operation, "request_body", None)
            for media in (getattr(body, "content", None) or {}).values():
                yield media.schema


def _is_integer(schema: Schema) -> bool:
    return OpenAPIType.INTEGER in _kinds(schema)


def _state_integer_limits(schema: Schema) -> None:
    if not _is_integer(schema):
        return
    for name in ("maximum", "minimum", "exclusive_maximum", "exclusive_minimum"):
        limit = getattr(schema, name)
        if isinstance(limit, float) and not isinstance(limit, bool):
            # float(MAX_ID) rounds up to 2**63: the largest id is meant.
            exact = MAX_ID if limit >= float(MAX_ID) else int(limit)
            setattr(schema, name, exact)


def _refuse_nul(schema: Schema) -> None:
    if OpenAPIType.STRING in _kinds(schema) and schema.pattern is None and schema.format is None:
        schema.pattern = NO_NUL_PATTERN


def _resolved(schema: Any, components: dict[str, Any] | None) -> Schema | None:
    if isinstance(schema, Reference) and components is not None:
        schema = components.get(schema.ref.rsplit("/", 1)[-1])
    return schema if isinstance(schema, Schema) else None


def _state_item_limits(info: mi.Type, schema: Any, components: dict[str, Any] | None) -> None:
    """Copy the limits of a msgspec type onto the schema Litestar made of it.

    Litestar drops the limits of list items and of optional fields (it writes a union's
    limit beside its ``oneOf``, or not at all); each option of a union and each item gets
    the limits its type states.
    """
    found = _resolved(schema, components)
    if found is None:
        return
    if isinstance(info, mi.UnionType):
        for option in found.one_of or found.any_of or [found]:
            for kind in info.types:
                if not isinstance(kind, mi.NoneType):
                    _state_item_limits(kind, option, components)
    elif isinstance(info, mi.StructType) and found.properties:
        for member in info.fields:
            if member.encode_name in found.properties:
                _state_item_limits(member.type, found.properties[member.encode_name], components)
    elif isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        _state_item_limits(info.item_type, found.items, components)
    elif isinstance(info, mi.StrType) and OpenAPIType.STRING in _kinds(found):
        _state_string_limits(info, found)
    elif isinstance(info, mi.IntType | mi.FloatType) and _kinds(found) & _NUMBERS:
        _state_number_limits(info, found)


_NUMBERS = {OpenAPIType.INTEGER, OpenAPIType.NUMBER}


def _state_string_limits(limits: mi.StrType, schema: Schema) -> None:
    if limits.min_length is not None and schema.min_length is None:
        schema.min_length = limits.min_length
    if limits.max_length is not None and schema.max_length is None:
        schema.max_length = limits.max_length
    if limits.pattern is not None and schema.pattern in (None, NO_NUL_PATTERN):
        schema.pattern = limits.pattern


def _state_number_limits(limits: mi.IntType | mi.FloatType, schema: Schema) -> None:
    for ours, theirs in (
        ("ge", "minimum"),
        ("le", "maximum"),
        ("gt", "exclusive_minimum"),
        ("lt", "exclusive_maximum"),
    ):
        value = getattr(limits, ours)
        if value is not None and getattr(schema, theirs) is None:
            setattr(schema, theirs, value)


def _kinds(schema: Schema) -> set[Any]:
    return set(schema.type) if isinstance(schema.type, list) else {schema.type}
