"""Request dependencies: the runtime, the per-request transaction, and API-key auth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from sqlalchemy.orm import Session

from service.auth import Principal, authenticate
from service.errors import CredmatchError
from service.runtime import Runtime


def provide_runtime(state: State) -> Runtime:
    """The process-wide resources."""
    runtime: Runtime = state.runtime
    return runtime


async def provide_session(runtime: NamedDependency[Runtime]) -> AsyncIterator[Session]:
    """One transaction per request: commit on success, roll back on error.

    Errors that declare ``commits_transaction`` (a rejected credential whose quarantine row
    must be kept) commit before they propagate. Commit, rollback and close run in a worker
    thread so the event loop never waits on the database.
    """
    session = runtime.sessions()
    session.begin()
    try:
        yield session
    except CredmatchError as exc:
        await to_thread.run_sync(session.commit if exc.commits_transaction else session.rollback)
        raise
    except BaseException:
        await to_thread.run_sync(session.rollback)
        raise
    else:
        await to_thread.run_sync(session.commit)
    finally:
        await to_thread.run_sync(session.close)


async def require_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: authenticate the Bearer key before anything else runs.

    The principal is kept on the connection state for :func:`provide_principal`.
    """
    runtime: Runtime = connection.app.state.runtime
    header = connection.headers.get("authorization")

    def lookup() -> Principal:
        with runtime.sessions() as session:
            return authenticate(session, header)

    connection.state.principal = await to_thread.run_sync(lookup)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller authenticated by :func:`require_api_key`."""
    principal: Principal = request.state.principal
    return principal
