"""The streaming entry point for ``POST /invoke`` with ``stream: true`` (DESIGN §3).

It shares identity, request validation, authorization, merge, rendering and audit with the buffered
route (``Invocations.plan``); every check runs before the first byte. Errors known before the stream
starts answer as ordinary JSON errors with their status; an error after the first byte becomes an
``event: error`` frame. The local API server serves this directly; through API Gateway the route
answers buffered JSON until a deployed streaming transport exists.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from inference_engine.engine import StreamDelta, StreamEnd, StreamEvent, StreamReasoning
from inference_engine.errors import ConfigValidationError, EngineError
from inference_engine.schema import invalid
from lambdas.api_models import InvokeRequest
from lambdas.errors import error_body, status_for
from lambdas.gateway import check_body_size, cors_headers
from lambdas.routers.context import context_from_event
from lambdas.services import Services

logger = logging.getLogger(__name__)

SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}


@dataclass
class StreamingResponse:
    status: int
    headers: dict[str, str]
    body: Iterator[bytes] = field(default_factory=lambda: iter(()))


def frame(event: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def _parse(event: Mapping[str, Any]) -> InvokeRequest:
    raw = event.get("body") or ""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigValidationError(f"The request body is not JSON: {exc.msg}.") from None
    try:
        return InvokeRequest.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, data, "request") from None


def _frames(events: Iterator[StreamEvent], model_id: str, request_id: str) -> Iterator[bytes]:
    try:
        for item in events:
            if isinstance(item, StreamDelta):
                yield frame("delta", {"text": item.text})
            elif isinstance(item, StreamReasoning):
                yield frame("reasoning", {"text": item.text})
            elif isinstance(item, StreamEnd):
                yield frame(
                    "done",
                    {
                        "usage": item.usage.as_dict(),
                        "latency_ms": item.latency_ms,
                        "model_id": model_id,
                        "request_id": request_id,
                        "stop_reason": item.stop_reason,
                    },
                )
    except EngineError as exc:
        yield frame("error", error_body(exc))
    except Exception:  # the stream has started: the error must travel as a frame, never as a broken connection
        logger.exception("unexpected error while streaming")
        yield frame("error", {"error": "internal_error", "message": f"Internal error (request id {request_id})."})


def handle_stream(event: Mapping[str, Any], services: Services) -> StreamingResponse:
    """Authorize, validate, audit and start the stream; never raises."""
    json_headers = {"Content-Type": "application/json", **cors_headers(event, services.cors_allow_origin)}
    try:
        check_body_size(event, services.max_body_bytes)
        ctx = context_from_event(event, services)
        request = _parse(event)
        plan = services.invocations.plan(request, ctx, action="invoke")
        events = services.invocations.open_stream(plan, ctx)
    except EngineError as exc:
        return StreamingResponse(status_for(exc), json_headers, iter([json.dumps(error_body(exc)).encode()]))
    except Exception:  # before the first byte: the one error format, never a dropped connection
        logger.exception("unexpected error before streaming")
        request_id = (event.get("requestContext") or {}).get("requestId")
        body = {"error": "internal_error", "message": f"Internal error (request id {request_id})."}
        return StreamingResponse(500, json_headers, iter([json.dumps(body).encode()]))
    headers = {**SSE_HEADERS, **cors_headers(event, services.cors_allow_origin)}
    return StreamingResponse(200, headers, _frames(events, plan.config.id, ctx.request_id))
