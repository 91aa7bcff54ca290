"""The request class of the app: JSON bodies within a nesting limit, refused cleanly beyond it."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

from ingest._jsonld import MAX_DEPTH, nesting_depth

__all__ = ["MAX_JSON_DEPTH", "CredmatchRequest"]

MAX_JSON_DEPTH = MAX_DEPTH
"""Deepest JSON body accepted (credentials have the same limit); request types need far less."""


class CredmatchRequest(Request[Any, Any, Any]):
    """A request whose JSON body is refused with a 400 problem when nested too deep.

    Litestar decodes a body to plain values before converting it to the handler's type; a
    hostile body nested thousands of levels deep would otherwise end that decoding with a
    ``RecursionError``, answered as a 500.
    """

    async def json(self) -> Any:
        """The decoded JSON body.

        Raises:
            ClientException: The body is nested deeper than `MAX_JSON_DEPTH` levels.
        """
        try:
            value = await super().json()
        except RecursionError:
            raise ClientException(
                f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels"
            ) from None
        if nesting_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ClientException(f"the JSON body is nested deeper than {MAX_JSON_DEPTH} levels")
        return value
