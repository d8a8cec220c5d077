"""POST /invoke (buffered JSON) and POST /invoke/stream (server-sent events): one model call, one code path.

Both routes take the same body, validated by the same model, and go through the same ``plan`` (identity,
authorization, merge, rendering, audit) before any upstream call, so the same bad request gets the same answer
on both. The streamed route's body is produced while it is sent (``lambdas.streaming``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from lambdas.api_models import SSE_EVENT_SCHEMA, InvokeRequest, InvokeResponse, error_responses
from lambdas.routers.context import request_context
from lambdas.services import Services
from lambdas.streaming import FrameStream, event_stream, returns_stream

INVOKE_ERRORS = (400, 401, 403, 404, 413, 422, 429, 502, 504)


def build_router(services: Services) -> Router:
    router = Router()

    @router.post(
        "/invoke",
        summary="Invoke a model, optionally with an override (admins)",
        description="The whole answer as JSON. `stream` is ignored here: `POST /invoke/stream` streams.",
        tags=["invoke"],
        responses={
            **error_responses(*INVOKE_ERRORS),
            200: {"description": "The answer", "content": {"application/json": {"model": InvokeResponse}}},
        },
    )
    def post_invoke(request: InvokeRequest) -> InvokeResponse:
        ctx = request_context(router, services)
        plan = services.invocations.plan(request.model_copy(update={"stream": False}), ctx, action="invoke")
        return InvokeResponse.model_validate(services.invocations.run(plan, ctx))

    @router.post(
        "/invoke/stream",
        summary="Invoke a model and stream its answer as server-sent events",
        description="The body of `POST /invoke` (`stream` is implied). Every check happens before the first byte: "
        "a refused or invalid request is the same JSON error as on `POST /invoke`. Then `delta` frames, and one "
        "`done` frame (usage, latency, stop reason) or one `error` frame (the error body); `: keep-alive` comment "
        "lines while the model is silent. Deployed through API Gateway response streaming (up to 15 minutes).",
        tags=["invoke"],
        responses={
            **error_responses(*INVOKE_ERRORS),
            200: {
                "description": "Server-sent events: `delta`..., then `done` or `error`",
                "content": {"text/event-stream": {"schema": SSE_EVENT_SCHEMA}},
            },
        },
    )
    @returns_stream
    def post_invoke_stream(request: InvokeRequest) -> Response[Any]:
        ctx = request_context(router, services)
        plan = services.invocations.plan(request.model_copy(update={"stream": True}), ctx, action="invoke")
        events = services.invocations.open_stream(plan, ctx)
        frames = FrameStream(
            events, model_id=plan.config.id, request_id=ctx.request_id, keepalive_s=services.stream_keepalive_s
        )
        return event_stream(frames)

    return router
