"""What every request must be before a handler sees it.

The request class refuses JSON bodies nested too deep and strings holding NUL characters;
:func:`refuse_unusable_text` refuses paths and query strings with NUL characters or bytes
that are not UTF-8. Both answer a 400 problem: PostgreSQL cannot store a NUL in a text
column (it would end as a 500), and text that is not UTF-8 would be stored mangled.
"""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Any
from urllib.parse import unquote_to_bytes

import msgspec
from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg, ParameterKwarg
from litestar.routes import HTTPRoute

from ingest._credential import repeated_key
from ingest._jsonld import MAX_DEPTH, nesting_depth
from service.errors import InvalidRequestError, UnsupportedMediaTypeError

__all__ = ["MAX_JSON_DEPTH", "CredmatchRequest", "expects_json_body", "screen_request"]

MAX_JSON_DEPTH = MAX_DEPTH
"""Deepest JSON body accepted (credentials have the same limit); request types need far less."""


class CredmatchRequest(Request[Any, Any, Any]):
    """A request whose JSON body is refused with a 400 problem when it cannot be read one way.

    That is: nested too deep, an object giving a key twice, or a string holding a NUL.

    Litestar decodes a body to plain values before converting it to the handler's type; a
    hostile body nested thousands of levels deep would otherwise end that decoding with a
    ``RecursionError``, answered as a 500.
    """

    async def json(self) -> Any:
        """The decoded JSON body.

        Raises:
            ClientException: The body is nested deeper than `MAX_JSON_DEPTH` levels.
            InvalidRequestError: An object gives a key twice, or a string holds a NUL.
            ValidationException: A value has another JSON type than its field states.
        """
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(
                f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
            ) from None
        if nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ClientException(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
        repeated = repeated_key(await self.body())
        if repeated is not None:
            raise InvalidRequestError(f"the JSON body gives key {repeated!r} twice in one object")
        if _holds_nul(value):
            raise InvalidRequestError("a string of the JSON body holds a NUL character (\\u0000)")
        value = integral_numbers(value)
        _check_types_strictly(value, self.route_handler)
        return value


_LARGEST_INTEGRAL = float(2**63)


def integral_numbers(value: Any) -> Any:
    """``value`` with each integral number written as ``0.0`` or ``1e3`` made an integer.

    JSON Schema counts ``0.0`` as an integer, so an integer field must take it; a float
    field takes the integer as well. Numbers beyond 2**63 keep their float form (and fail
    any integer field's limit).
    """
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _LARGEST_INTEGRAL:
            return int(value)
        return value
    if isinstance(value, list):
        return [integral_numbers(item) for item in value]
    if isinstance(value, dict):
        return {key: integral_numbers(item) for key, item in value.items()}
    return value


def expects_json_body(handler: HTTPRouteHandler) -> bool:
    """Whether the handler reads its body as JSON (a ``data`` parameter of JSON media type).

    Endpoints reading a raw body (credentials, postings uploads) decide on its type
    themselves.
    """
    data = handler.parsed_fn_signature.parameters.get("data")
    definition = data.kwarg_definition if data is not None else None
    return isinstance(definition, BodyKwarg) and definition.media_type == RequestEncodingType.JSON


async def screen_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """Before any handler: UTF-8 text without NUL in the path and query; JSON where JSON is read.

    Raises:
        InvalidRequestError: The path or a query parameter holds a NUL character or bytes
            that are not UTF-8, or a query parameter breaks its stated limits (400).
        UnsupportedMediaTypeError: A body sent to a JSON endpoint with a ``Content-Type``
            other than ``application/json`` or ``*/*+json`` (415).

    Returns:
        For ``OPTIONS``, the answer itself: 204 with an ``Allow`` header naming every
        method of the path (Litestar 2's own names only one handler's: litestar#4169).
        Otherwise None, and the handler runs.
    """
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    _check_text(unquote_to_bytes(raw_path), "the path")
    query: bytes = request.scope.get("query_string", b"")
    for pair in query.split(b"&"):
        raw_name, _, raw_value = pair.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" "))
        _check_text(name, "a query parameter name")  # UTF-8 from here on
        value = unquote_to_bytes(raw_value.replace(b"+", b" "))
        _check_text(value, f"query parameter {name.decode()!r}")
    if request.method == "OPTIONS":
        return _allowed_methods(request)
    _check_query_limits(request)
    if expects_json_body(request.route_handler) and _has_body(request):
        media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise UnsupportedMediaTypeError(
                "this endpoint reads a JSON body: send it with Content-Type: "
                f"application/json (not {media or 'no Content-Type'})"
            )
    return None


def _allowed_methods(request: Request[Any, Any, Any]) -> Response[None]:
    template = request.scope.get("path_template")
    methods = {
        method
        for route in request.app.routes
        if route.path_format == template and isinstance(route, HTTPRoute)
        for method in route.methods
    } | {"OPTIONS"}
    return Response(None, status_code=204, headers={"Allow": ", ".join(sorted(methods))})


def _check_query_limits(request: Request[Any, Any, Any]) -> None:
    """What the document states of query parameters and Litestar does not enforce.

    A repeatable parameter given more often than its ``maxItems``, and a date-time that is not
    an ISO 8601 text (Litestar reads a number as seconds since 1970: ``since=2.2e-265``).

    Raises:
        InvalidRequestError: Either (400).
    """
    for field, definition in request.route_handler.parsed_fn_signature.parameters.items():
        kwarg = definition.kwarg_definition
        if not isinstance(kwarg, ParameterKwarg) or kwarg.header or kwarg.cookie:
            continue
        if field in request.path_params:
            continue
        name = kwarg.name or kwarg.query or field
        values = request.query_params.getall(name, [])
        if kwarg.max_items is not None and len(values) > kwarg.max_items:
            raise InvalidRequestError(
                f"query parameter {name!r} is given {len(values)} times; at most {kwarg.max_items}"
            )
        if _is_datetime(definition.annotation):
            for value in values:
                try:
                    datetime.fromisoformat(value)
                except ValueError:
                    raise InvalidRequestError(
                        f"query parameter {name!r} must be an ISO 8601 date-time, not {value!r}"
                    ) from None


def _is_datetime(annotation: Any) -> bool:
    return annotation is datetime or datetime in typing.get_args(annotation)


def _check_types_strictly(value: Any, handler: HTTPRouteHandler) -> None:
    """The body must have the JSON types its schema states: ``"10"`` is not the number 10.

    Litestar converts a body to the handler's type with lax rules (a numeric string passes
    as a number, and so on); the OpenAPI document promises the strict types, so the body is
    first checked against them.

    Raises:
        ValidationException: A value of another JSON type than its field's (400).
    """
    if not expects_json_body(handler):
        return
    body_type = handler.parsed_fn_signature.parameters["data"].annotation
    try:
        msgspec.convert(value, type=body_type, strict=True, str_keys=True)
    except msgspec.ValidationError as error:
        message = str(error)
        key = message.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in message else None
        raise ValidationException(
            detail="the JSON body does not match the endpoint's schema",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return (length is not None and length.strip() != "0") or "transfer-encoding" in request.headers


def _check_text(raw: bytes, what: str) -> None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError(f"{what} is not UTF-8 text") from None
    if "\x00" in text:
        raise InvalidRequestError(f"{what} holds a NUL character (%00)")


def _holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value holds a NUL in any string (keys included)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
