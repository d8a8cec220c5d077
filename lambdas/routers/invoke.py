"""POST /invoke (buffered JSON) and POST /invoke/stream (server-sent events): one model call, one code path.

Both routes take the same body, validated by the same model, and go through the same ``plan`` (identity,
authorization, merge, rendering, audit) before any upstream call, so the same bad request gets the same answer
on both. The streamed route's body is produced while it is sent (``lambdas.streaming``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from lambdas.api_models import (
    SSE_EVENT_SCHEMA,
    DebugBody,
    InvokeRequest,
    InvokeResponse,
    UsageBody,
    error_responses,
)
from lambdas.guard import request_context
from lambdas.logic.invocations import Answer, InvocationSpec
from lambdas.services import Services
from lambdas.streaming import FrameStream, event_stream, returns_stream

INVOKE_ERRORS = (400, 401, 403, 404, 413, 422, 429, 502, 504)


def invocation_spec(request: InvokeRequest, *, stream: bool | None = None) -> InvocationSpec:
    """The logic's input from the HTTP body (``stream`` fixed by the route when it decides)."""
    return InvocationSpec(
        model_id=request.model_id,
        override=request.override,
        conversation=request.conversation_input(),
        debug=request.debug,
        stream=request.stream if stream is None else stream,
    )


def invoke_response(answer: Answer) -> InvokeResponse:
    debug = answer.debug
    return InvokeResponse(
        output=answer.output,
        usage=UsageBody.model_validate(answer.usage.as_dict()),
        latency_ms=answer.latency_ms,
        model_id=answer.model_id,
        request_id=answer.request_id,
        stop_reason=answer.stop_reason,
        reasoning=answer.reasoning,
        debug=DebugBody(
            rendered_prompt=debug.rendered_prompt, request_body=debug.request_body, raw_response=debug.raw_response
        )
        if debug
        else None,
    )


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
        ctx = request_context(router)
        plan = services.invocations.plan(invocation_spec(request, stream=False), ctx, action="invoke")
        return invoke_response(services.invocations.run(plan, ctx))

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
        ctx = request_context(router)
        plan = services.invocations.plan(invocation_spec(request, stream=True), ctx, action="invoke")
        events = services.invocations.open_stream(plan, ctx)
        frames = FrameStream(
            events, model_id=plan.config.id, request_id=ctx.request_id, keepalive_s=services.stream_keepalive_s
        )
        return event_stream(frames)

    return router
