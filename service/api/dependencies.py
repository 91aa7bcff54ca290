"""Request dependencies: the per-request transaction, API-key auth, and each collaborator.

Handlers never reach into the :class:`~service.runtime.Runtime`: a controller declares the
collaborators its handlers take (``dependencies = {"taxonomy": ..., "settings": ...}``, see
:data:`TAXONOMY`, :data:`INDEXES`, :data:`VERIFIER`, :data:`SETTINGS`) and each handler names
the ones it uses. Only the session, the principal and the metrics are provided app-wide.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from anyio import to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from litestar.params import Parameter, QueryParameter
from sqlalchemy.orm import Session

from ingest import Verifier
from service.api import schemas as wire
from service.errors import (
    AuthenticationError,
    CredmatchError,
)
from service.keys.auth import Principal, authenticate
from service.keys.ratelimit import limit_request
from service.keys.roles import check_role
from service.matching.index import CandidateIndexes
from service.observability import Metrics
from service.runtime import Runtime
from service.settings import Settings
from service.taxonomy.service import TaxonomyContext

CandidateIdParam = Annotated[
    str, Parameter(min_length=1, max_length=200, pattern=wire.CANDIDATE_ID_PATTERN)
]
CandidateIdQuery = Annotated[
    str | None,
    QueryParameter(
        name="candidateId", min_length=1, max_length=200, pattern=wire.CANDIDATE_ID_PATTERN
    ),
]
PrincipalDep = NamedDependency[Principal]
SessionDep = NamedDependency[Session]
RuntimeDep = NamedDependency[Runtime]
MetricsDep = NamedDependency[Metrics]
SettingsDep = NamedDependency[Settings]
TaxonomyDep = NamedDependency[TaxonomyContext]
IndexesDep = NamedDependency[CandidateIndexes]
VerifierDep = NamedDependency[Verifier]


def provide_runtime(state: State) -> Runtime:
    """The process-wide resources (for the providers below and the readiness probe)."""
    runtime: Runtime = state.runtime
    return runtime


def provide_settings(runtime: RuntimeDep) -> Settings:
    """The process's settings."""
    return runtime.settings


def provide_taxonomy(runtime: RuntimeDep) -> TaxonomyContext:
    """The loaded taxonomy release with its skill space and mapper.

    Raises:
        NotReadyError: No taxonomy has been imported (503).
    """
    context, _ = runtime.require_taxonomy()
    return context


def provide_indexes(runtime: RuntimeDep) -> CandidateIndexes:
    """The per-tenant candidate indexes.

    Raises:
        NotReadyError: No taxonomy has been imported (503).
    """
    _, indexes = runtime.require_taxonomy()
    return indexes


def provide_verifier(runtime: RuntimeDep) -> Verifier:
    """The credential verifier (keys, documents, status lists)."""
    return runtime.verifier


SETTINGS = Provide(provide_settings, sync_to_thread=False)
TAXONOMY = Provide(provide_taxonomy, sync_to_thread=False)
INDEXES = Provide(provide_indexes, sync_to_thread=False)
VERIFIER = Provide(provide_verifier, sync_to_thread=False)


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
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Guard: authenticate the Bearer key and check its role before anything else runs.

    The role must be one the route declares (see :mod:`service.keys.roles`); a route that
    declares none is admin-only. The principal is kept on the connection state for
    :func:`provide_principal`.

    The request is charged to the key's rate-limit bucket (see :mod:`service.keys.ratelimit`);
    a failed authentication is charged to the client address.

    Raises:
        AuthenticationError: No valid key (401).
        RateLimitedError: Too many requests with this key, or failed ones from here (429).
        PermissionDeniedError: The key's role may not call this route (403).
    """
    runtime: Runtime = connection.app.state.runtime
    header = connection.headers.get("authorization")

    def lookup() -> Principal:
        with runtime.sessions() as session:
            return authenticate(session, header)

    try:
        principal = await to_thread.run_sync(lookup)
    except AuthenticationError:
        limit_request(connection, None)  # guessing keys is limited per client address
        raise
    limit_request(connection, principal)
    check_role(principal, handler)
    connection.state.principal = principal


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller authenticated by :func:`require_api_key`."""
    principal: Principal = request.state.principal
    return principal
