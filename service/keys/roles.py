"""Roles declared per route: who may call each endpoint, checked by one guard.

Every authenticated route handler names the roles it allows in its ``opt``::

    @get("/", opt=allow(Role.MATCHER, Role.RECRUITER))

``opt={"roles": (Role.MATCHER, Role.RECRUITER)}`` is the same thing spelled out. Admins may
call every route. The check runs in :func:`service.api.dependencies.require_api_key`, right
after authentication and before the request body is read, so a handler never checks roles
itself. A route that declares nothing is treated as admin-only (fail closed), and
``tests/service/test_roles.py`` fails when any ``/v1`` route lacks a declaration.

:class:`RolesInOpenAPI` shows the allowed roles in the OpenAPI document: an ``x-roles``
extension on each operation and a line at the end of its description.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar.handlers import BaseRouteHandler
from litestar.openapi.spec import Operation
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from service.keys.auth import Principal, Role

__all__ = ["ANY_ROLE", "ROLES_OPT", "RolesInOpenAPI", "allow", "check_role", "declared_roles"]

ROLES_OPT = "roles"
"""The ``opt`` key holding a route's allowed roles."""

ANY_ROLE: tuple[Role, ...] = tuple(Role)
"""Every role: for routes any authenticated caller may use (taxonomy browsing)."""


def allow(*roles: Role) -> dict[str, Any]:
    """The ``opt`` of a route handler that ``roles`` (and admins) may call.

    ``allow()`` with no role, or ``allow(Role.ADMIN)``, declares an admin-only route.
    """
    return {ROLES_OPT: roles}


def declared_roles(handler: BaseRouteHandler) -> frozenset[Role] | None:
    """The roles a route handler allows, admin included; None when it declares none.

    Raises:
        ValueError: The declaration names something that is not a role.
    """
    raw: Iterable[Role | str] | None = handler.opt.get(ROLES_OPT)
    if raw is None:
        return None
    if isinstance(raw, str):
        raise ValueError(f"{handler} declares roles as a string; give a tuple of Role")
    return frozenset(Role(r) for r in raw) | {Role.ADMIN}


def check_role(principal: Principal, handler: BaseRouteHandler) -> None:
    """Raise unless the caller's role is one the route declares (admins always pass).

    Raises:
        PermissionDeniedError: The role is not allowed here, or the route declares no roles
            and the caller is not an admin.
    """
    allowed = declared_roles(handler) or frozenset({Role.ADMIN})
    principal.require(*(allowed - {Role.ADMIN}))


@functools.cache
def _operation_class(roles: tuple[str, ...]) -> type[Operation]:
    """An OpenAPI operation that also states ``roles`` (one class per set of roles)."""
    line = "Roles: " + ", ".join(roles) + "."

    @dataclass
    class RolesOperation(Operation):
        def to_schema(self) -> dict[str, Any]:
            schema = super().to_schema()
            schema["x-roles"] = list(roles)
            description = schema.get("description")
            schema["description"] = f"{description}\n\n{line}" if description else line
            return schema

    return RolesOperation


class RolesInOpenAPI(ReceiveRoutePlugin):
    """Plugin: each operation's OpenAPI entry names the roles its handler declares."""

    def receive_route(self, route: BaseRoute) -> None:
        """Give the handlers of an HTTP route an operation class that writes their roles."""
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            roles = declared_roles(handler)
            if roles is not None:
                ordered = tuple(r.value for r in Role if r in roles)
                handler.operation_class = _operation_class(ordered)
