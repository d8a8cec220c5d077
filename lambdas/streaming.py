"""``POST /invoke/stream``: server-sent events out of the resolver, for the streaming function (DESIGN §3).

The route is an ordinary resolver route (``lambdas.routers.invoke``): identity, request validation, the error
map, authorization, merge, rendering and audit are the buffered route's code, and all of them run before the
first byte. What differs is its answer: a ``text/event-stream`` response whose body is a generator of frames.
``stream_response`` runs an event through the resolver and returns that answer unserialized, for the streaming
entry point (``lambdas.stream_handler``) to write out chunk by chunk; an error before the stream starts is the
resolver's ordinary JSON error with its status. An error after the first byte becomes an ``event: error`` frame.
While the model is silent, SSE comment lines keep the connection alive.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from inference_engine.engine import StreamDelta, StreamEnd, StreamEvent, StreamReasoning
from inference_engine.errors import EngineError
from lambdas.domain.errors import PayloadTooLargeError
from lambdas.errors import error_body, internal_error_body
from lambdas.gateway import check_body_size, proxy_error
from lambdas.services import Services

logger = logging.getLogger(__name__)

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
KEEPALIVE = b": keep-alive\n\n"

RouteFunction = TypeVar("RouteFunction", bound=Callable[..., Any])


@dataclass
class StreamingResponse:
    """A proxy answer whose body is produced while it is sent."""

    status: int
    headers: dict[str, str]
    body: Iterator[bytes]

    def close(self) -> None:
        """Stop producing: an unfinished upstream stream is closed (and its audit record ended) now."""
        close = getattr(self.body, "close", None)
        if close is not None:
            close()


def frame(event: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


def sse_frames(events: Iterator[StreamEvent], *, model_id: str, request_id: str) -> Iterator[bytes]:
    """``delta`` frames, then one ``done`` frame (or an ``error`` frame: the status is already 200)."""
    try:
        for item in events:
            if isinstance(item, StreamDelta):
                yield frame("delta", {"text": item.text})
            elif isinstance(item, StreamReasoning):
                yield frame("reasoning", {"text": item.text})
            elif isinstance(item, StreamEnd):
                done = {
                    "usage": item.usage.as_dict(),
                    "latency_ms": item.latency_ms,
                    "model_id": model_id,
                    "request_id": request_id,
                    "stop_reason": item.stop_reason,
                }
                yield frame("done", done)
    except EngineError as exc:
        yield frame("error", error_body(exc))
    except Exception:  # the stream has started: the error must travel as a frame, never as a broken connection
        logger.exception("unexpected error while streaming")
        yield frame("error", internal_error_body(request_id))
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


_END = object()


def with_keepalives(
    chunks: Iterator[bytes], interval_s: float, *, join_timeout_s: float = 120
) -> Generator[bytes, None, None]:
    """``chunks``, with ``KEEPALIVE`` whenever none came for ``interval_s`` (a model thinking before its first token).

    The chunks are read on a worker thread so that silence can be measured, one at a time and only when the
    caller asks for the next one (never ahead of the caller: a stream the caller leaves is not read to its end).
    Closing this generator stops the worker and closes ``chunks`` on it (where they run), then waits for it, so
    the upstream call is closed and its audit record ended before the invocation returns.
    """
    if interval_s <= 0:
        yield from chunks
        return
    handoff: queue.Queue[Any] = queue.Queue()
    demand = threading.Semaphore(0)
    stop = threading.Event()

    def pump() -> None:
        try:
            while demand.acquire() and not stop.is_set():
                handoff.put(next(chunks, _END))
        except BaseException as exc:
            handoff.put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()

    worker = threading.Thread(target=pump, name="sse-keepalive", daemon=True)
    worker.start()
    try:
        while True:
            demand.release()
            while True:
                try:
                    item = handoff.get(timeout=interval_s)
                    break
                except queue.Empty:
                    yield KEEPALIVE
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        demand.release()
        worker.join(timeout=join_timeout_s)
        if worker.is_alive():
            logger.warning("the upstream stream did not stop within %ss of the caller leaving", join_timeout_s)


class FrameStream:
    """The body of a streamed answer: SSE frames of ``events``, with keep-alives. Closing it at any point, even
    before its first frame, closes ``events`` (whose ``close`` ends the upstream call and its audit record)."""

    def __init__(self, events: Iterator[StreamEvent], *, model_id: str, request_id: str, keepalive_s: float) -> None:
        self._events = events
        self._frames = with_keepalives(sse_frames(events, model_id=model_id, request_id=request_id), keepalive_s)

    def __iter__(self) -> FrameStream:
        return self

    def __next__(self) -> bytes:
        return next(self._frames)

    def close(self) -> None:
        self._frames.close()
        close = getattr(self._events, "close", None)
        if close is not None:
            close()


def event_stream(body: FrameStream) -> Response[Any]:
    """A route's streamed answer: the resolver adds CORS and passes the body through unserialized."""
    return Response(status_code=200, content_type=SSE_CONTENT_TYPE, headers=dict(SSE_HEADERS), body=body)


def returns_stream(route: RouteFunction) -> RouteFunction:
    """Powertools validates and JSON-serializes what a route returns according to its return annotation, which
    would read a generator to the end; without the annotation a non-JSON ``Response`` passes through untouched.
    The request body is still validated from the parameters' annotations."""
    route.__annotations__.pop("return", None)
    return route


def _headers(result: Mapping[str, Any]) -> dict[str, str]:
    headers = {name: ", ".join(values) for name, values in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    return headers


def stream_response(
    app: APIGatewayRestResolver, services: Services, event: dict[str, Any], context: Any
) -> StreamingResponse:
    """Resolve ``event``; the body is the route's frame generator, or the one JSON error body. Never raises."""
    try:
        check_body_size(event, services.max_body_bytes)
        result = app.resolve(event, context)
    except PayloadTooLargeError as exc:
        result = proxy_error(exc, event, services.cors_origins)
    except Exception:  # the resolver maps every error itself; this is a last resort, still in the one format
        logger.exception("unexpected error before streaming")
        result = proxy_error(RuntimeError(), event, services.cors_origins)
    body = result.get("body")
    if isinstance(body, str):
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        chunks: Iterator[bytes] = iter([raw])
    else:
        chunks = body if body is not None else iter(())
    return StreamingResponse(int(result["statusCode"]), _headers(result), chunks)


def not_a_proxy_event() -> StreamingResponse:
    body = {"error": "validation_error", "message": "The invocation is not an API Gateway proxy event."}
    return StreamingResponse(400, {"Content-Type": "application/json"}, iter([json.dumps(body).encode()]))
