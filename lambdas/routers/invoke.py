"""POST /invoke: one model call (buffered JSON; the local server streams through ``lambdas.streaming``)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from lambdas.api_models import SSE_EVENT_SCHEMA, InvokeRequest, InvokeResponse, error_responses
from lambdas.routers.context import request_context
from lambdas.services import Services


def build_router(services: Services) -> Router:
    router = Router()

    @router.post(
        "/invoke",
        summary="Invoke a model, optionally with an override (admins)",
        description="With `stream: true` the local API answers text/event-stream; through API Gateway the answer is "
        "buffered JSON until the deployed streaming transport exists (the UI handles both).",
        tags=["invoke"],
        responses={
            **error_responses(400, 401, 403, 404, 413, 422, 429, 502, 504),
            200: {
                "description": "The answer: JSON, or server-sent events (`delta`, then `done` or `error`) if streamed",
                "content": {
                    "application/json": {"model": InvokeResponse},
                    "text/event-stream": {"schema": SSE_EVENT_SCHEMA},
                },
            },
        },
    )
    def post_invoke(request: InvokeRequest) -> InvokeResponse:
        ctx = request_context(router, services)
        plan = services.invocations.plan(request, ctx, action="invoke")
        return InvokeResponse.model_validate(services.invocations.run(plan, ctx))

    return router
