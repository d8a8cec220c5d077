"""POST /discovery/probe (admins): which catalogue format an endpoint or model answers, in a few one-token calls."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from inference_engine.discovery.models import ProbeRequest, ProbeResult
from lambdas.guard import admin_only, request_context
from lambdas.routers.discovery_scope import attempted_probe, discovery_route
from lambdas.services import Services


def build_router(services: Services) -> Router:
    router = Router()

    @router.post(
        "/discovery/probe",
        summary="Try catalogue formats with one-token requests (bounded) and return a ready adapter",
        description="At most the stage's `policy.discovery.probe_max_calls` upstream calls; a probe that finds no "
        "format still answers 200 with every attempt and why it stopped.",
        **discovery_route(400, 401, 403, 413),
    )
    @admin_only("probe", "Probing a model's format", attempted=attempted_probe)
    def post_probe(request: ProbeRequest) -> ProbeResult:
        ctx = request_context(router)
        return services.discovery.probe(ctx, request)

    return router
