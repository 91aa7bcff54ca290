"""Liveness and readiness: the probes a load balancer or orchestrator calls."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Controller, Response, get
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.exc import SQLAlchemyError

from service.api import schemas as wire
from service.api.dependencies import RuntimeDep
from service.taxonomy import service as taxonomy_service


class HealthOut(wire.Response):
    """``/health`` and ``/ready``."""

    status: Literal["ok", "not-ready"]
    detail: dict[str, Any] = msgspec.field(default_factory=dict)


class HealthController(Controller):
    """Liveness and readiness."""

    tags = ["operations"]  # noqa: RUF012

    @get("/health", summary="Liveness")
    async def health(self) -> HealthOut:
        """The process is up."""
        return HealthOut(status="ok")

    @get(
        "/ready",
        sync_to_thread=True,
        summary="Readiness",
        responses={503: ResponseSpec(HealthOut, description="Not ready")},
    )
    def ready(self, runtime: RuntimeDep) -> Response[HealthOut]:
        """Database reachable and a taxonomy with its skill space loaded."""
        detail: dict[str, Any] = {
            "taxonomy": runtime.taxonomy.key if runtime.taxonomy else None,
            "model": runtime.encoder.model_id,
        }
        try:
            with runtime.sessions() as session:
                taxonomy_service.default_taxonomy(session)
            detail["database"] = "ok"
        except SQLAlchemyError as exc:
            detail["database"] = f"unreachable: {type(exc).__name__}"
        ready = runtime.taxonomy is not None and detail["database"] == "ok"
        return Response(
            HealthOut(status="ok" if ready else "not-ready", detail=detail),
            status_code=200 if ready else 503,
        )
