"""Routes serving the page's three files, with headers that allow a strict policy."""

from __future__ import annotations

from functools import cache
from importlib import resources

from litestar import Response, Router, get
from litestar.datastructures import ResponseHeader

__all__ = ["UI_PATH", "web_router"]

UI_PATH = "/ui"
"""Where the page is served; ``index.html`` names its assets under this path."""

# The page loads nothing but its own files and calls only this origin, so the policy can
# forbid inline scripts and styles, framing and foreign connections outright.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="no-referrer"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    # Small files that change with each release: revalidate rather than serve stale ones.
    ResponseHeader(name="Cache-Control", value="no-cache"),
]


@cache
def _asset(name: str) -> bytes:
    """A file of the page, read once from the installed package."""
    return resources.files(__package__).joinpath("static", name).read_bytes()


@get(["/", "/index.html"], media_type="text/html; charset=utf-8", sync_to_thread=False)
def index() -> Response[bytes]:
    """The page."""
    return Response(_asset("index.html"))


@get("/app.js", media_type="text/javascript; charset=utf-8", sync_to_thread=False)
def script() -> Response[bytes]:
    """The page's script."""
    return Response(_asset("app.js"))


@get("/app.css", media_type="text/css; charset=utf-8", sync_to_thread=False)
def stylesheet() -> Response[bytes]:
    """The page's stylesheet."""
    return Response(_asset("app.css"))


def web_router() -> Router:
    """The recruiter page as a router, to add to the application's route handlers.

    It answers ``GET /ui`` and ``/ui/`` with the page and ``/ui/app.js`` and ``/ui/app.css``
    with its assets, all with a ``Content-Security-Policy`` that allows only this origin. It
    needs no API key: the page asks for one and sends it with each API call.

    Returns:
        A router, left out of the OpenAPI schema.
    """
    return Router(
        path=UI_PATH,
        route_handlers=[index, script, stylesheet],
        response_headers=SECURITY_HEADERS,
        include_in_schema=False,
    )
