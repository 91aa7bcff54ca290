"""The Litestar application factory."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from service.api.dependencies import (
    provide_principal,
    provide_runtime,
    provide_session,
    require_api_key,
)
from service.api.health import HealthController
from service.api.openapi import declare_problem_responses, state_schema_rules
from service.api.problems import problem_details_plugin, unexpected_error
from service.api.request import CredmatchRequest, screen_request
from service.audit.controllers import AuditController
from service.candidates.controllers import CandidateController, CandidatePrivacyController
from service.credentials.controllers import (
    CredentialController,
    IngestJobController,
    PresentationController,
    QuarantineController,
    VerificationController,
)
from service.credentials.jobs import JobRunner
from service.gap.controllers import GapReportController, PostingController
from service.gap.jobs import ReportRunner
from service.keys.controllers import ApiKeyController
from service.keys.ratelimit import TokenBucketLimiter, anonymous_rate_limit_guard
from service.keys.roles import RolesInOpenAPI
from service.matching.controllers import MatchController
from service.observability import (
    Metrics,
    MetricsController,
    ObservabilityMiddleware,
    provide_metrics,
)
from service.runtime import Runtime
from service.search.controllers import SearchController
from service.settings import Settings
from service.taxonomy.controllers import OccupationController, SkillController
from service.trust.controllers import TrustPolicyController
from service.web import web_router

__all__ = ["create_app"]

MAX_BODY_BYTES = 2_000_000


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> Litestar:
    """Build the API application.

    Args:
        settings: Settings; used to open the runtime at start-up when none is given.
        runtime: Already opened resources (tests share one model across apps); it is then
            left open at shutdown, its owner closes it.
    """

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime if runtime is not None else Runtime.open(settings)
        if owned:
            # What start-up loaded (the model, the taxonomy, the label search's 100,000
            # labels) lives as long as the server: taken out of garbage collection, a full
            # collection walks what requests create, not 440,000 long-lived objects (0.26 s,
            # which fell inside some request at random).
            gc.collect()
            gc.freeze()
        jobs = JobRunner(
            app.state.runtime, on_result=partial(app.state.metrics.count_ingest, source="job")
        )
        jobs.start()
        reports = ReportRunner(app.state.runtime)
        reports.start()
        try:
            yield
        finally:
            reports.stop()
            jobs.stop()
            if owned:
                app.state.runtime.close()

    app = Litestar(
        route_handlers=[
            CredentialController,
            PresentationController,
            VerificationController,
            TrustPolicyController,
            CandidateController,
            SearchController,
            MatchController,
            QuarantineController,
            SkillController,
            OccupationController,
            HealthController,
            IngestJobController,
            PostingController,
            GapReportController,
            CandidatePrivacyController,
            AuditController,
            ApiKeyController,
            web_router(),
            *([MetricsController] if settings.server.metrics_enabled else []),
        ],
        guards=[anonymous_rate_limit_guard(require_api_key)],
        dependencies={
            "runtime": Provide(provide_runtime, sync_to_thread=False),
            "db_session": Provide(provide_session),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "metrics": Provide(provide_metrics, sync_to_thread=False),
        },
        lifespan=[lifespan],
        plugins=[problem_details_plugin(), RolesInOpenAPI()],
        exception_handlers={Exception: unexpected_error},
        request_max_body_size=MAX_BODY_BYTES,
        request_class=CredmatchRequest,
        before_request=screen_request,
        openapi_config=OpenAPIConfig(
            title="credmatch",
            version="0.1.0",
            description="Skills matching over verified microcredentials.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
            components=Components(
                security_schemes={
                    "apiKey": SecurityScheme(type="http", scheme="bearer", description="API key")
                }
            ),
            security=[{"apiKey": []}],
        ),
        debug=False,
    )
    declare_problem_responses(app)
    state_schema_rules(app)
    app.state.metrics = Metrics(lambda: app.state.get("runtime"))
    app.state.rate_limiter = TokenBucketLimiter(
        per_minute=settings.limits.rate_limit_per_minute, burst=settings.limits.rate_limit_burst
    )
    # Around routing too (Litestar middleware only sees matched routes), so every request
    # gets an id, an access log line and a latency sample.
    app.asgi_handler = ObservabilityMiddleware(app.asgi_handler, app.state.metrics)
    return app
