"""The recruiter web page, served by the app at ``/ui``.

A single static page (HTML, one vanilla JavaScript file, one stylesheet; no build step and
nothing loaded from elsewhere) that calls the JSON API from the browser: it asks for an API
key, kept in ``sessionStorage`` only and sent as a Bearer header, suggests skills from
``GET /v1/skills`` and searches with ``POST /v1/candidates/search``.

Mount it with :func:`web_router`::

    Litestar(route_handlers=[..., web_router()])
"""

from __future__ import annotations

from service.web.routes import UI_PATH, web_router

__all__ = ["UI_PATH", "web_router"]
