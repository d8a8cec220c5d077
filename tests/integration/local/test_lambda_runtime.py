"""The Runtime API on loopback (``local.lambda_runtime``) against the function side's client (``lambdas.runtime_api``):
streamed answers arrive chunk by chunk, errors travel in trailers, a caller who leaves breaks the connection."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lambdas.runtime_api import Invocation, ResponseAborted, RuntimeApiClient, prelude
from local.lambda_runtime import PendingInvocation, RuntimeApi

pytestmark = pytest.mark.integration

EVENT = {"httpMethod": "POST", "path": "/invoke/stream", "body": "{}"}
SSE = {"Content-Type": "text/event-stream"}


@pytest.fixture
def runtime() -> Iterator[RuntimeApi]:
    api = RuntimeApi()
    yield api
    api.close()


def run_function(runtime: RuntimeApi, answer: Callable[[RuntimeApiClient, Invocation], Any]) -> dict[str, Any]:
    """One function process's work on a thread: take the next invocation and answer it; what it saw is returned."""
    seen: dict[str, Any] = {}

    def work() -> None:
        client = RuntimeApiClient(runtime.address, timeout_s=10)
        invocation = client.next_invocation()
        seen["invocation"] = invocation
        try:
            seen["result"] = answer(client, invocation)
        except BaseException as exc:
            seen["raised"] = exc

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    seen["thread"] = thread
    return seen


def paced(chunks: list[bytes], delay_s: float) -> Iterator[bytes]:
    for index, chunk in enumerate(chunks):
        if index:
            time.sleep(delay_s)
        yield chunk


def test_a_streamed_answer_reaches_the_caller_chunk_by_chunk(runtime: RuntimeApi) -> None:
    # Given a function that streams three frames 150 ms apart
    frames = [b"event: delta\ndata: {}\n\n"] * 3
    function = run_function(
        runtime, lambda client, inv: client.stream_response(inv.request_id, prelude(200, SSE), paced(frames, 0.15))
    )

    # When an event is invoked and its answer read as API Gateway reads it
    pending = runtime.invoke(EVENT, timeout_s=10)
    status, headers, body = pending.http_response()
    arrivals = []
    for chunk in body:
        arrivals.append((time.monotonic(), chunk))
    function["thread"].join(timeout=10)

    # Then the function got the event with the Runtime API's headers, and its prelude became status and headers
    invocation: Invocation = function["invocation"]
    assert invocation.event == EVENT
    assert invocation.request_id == pending.request_id
    assert invocation.trace_id and invocation.trace_id.startswith("Root=1-")
    assert invocation.deadline_ms > time.time() * 1000
    assert (status, headers) == (200, SSE)
    # And each frame arrived on its own, about 150 ms after the previous one (streamed, not buffered)
    assert [chunk for _, chunk in arrivals] == frames
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrivals)]
    assert all(gap > 0.1 for gap in gaps), gaps
    assert pending.streamed and pending.error is None
    assert function["result"] == 202


def test_an_error_while_streaming_travels_in_the_trailers(runtime: RuntimeApi) -> None:
    # Given a function whose body breaks after one frame
    def broken() -> Iterator[bytes]:
        yield b"event: delta\ndata: {}\n\n"
        raise ValueError("the generator broke")

    function = run_function(
        runtime, lambda client, inv: client.stream_response(inv.request_id, prelude(200, SSE), broken())
    )

    # When it is invoked
    pending = runtime.invoke(EVENT, timeout_s=10)
    status, _, body = pending.http_response()
    received = b"".join(body)
    function["thread"].join(timeout=10)

    # Then what was sent arrived, the Runtime API learned the error from the trailers, and the function re-raised it
    assert status == 200
    assert received == b"event: delta\ndata: {}\n\n"
    assert pending.error is not None
    assert pending.error.error_type == "ValueError"
    assert pending.error.payload["errorMessage"] == "the generator broke"
    assert isinstance(function["raised"], ValueError)


def test_a_caller_who_leaves_breaks_the_functions_connection(runtime: RuntimeApi) -> None:
    # Given a function streaming many frames slowly
    frames = [f"event: delta\ndata: {n}\n\n".encode() for n in range(50)]
    function = run_function(
        runtime, lambda client, inv: client.stream_response(inv.request_id, prelude(200, SSE), paced(frames, 0.02))
    )

    # When the caller reads one frame and goes away
    pending = runtime.invoke(EVENT, timeout_s=10)
    _, _, body = pending.http_response()
    assert next(body) == frames[0]
    pending.abort()
    function["thread"].join(timeout=10)

    # Then the function's next writes fail: it sees ResponseAborted instead of streaming on to the end
    assert isinstance(function["raised"], ResponseAborted)
    assert pending.error is not None and pending.error.error_type == "Aborted"
    assert len(pending.received) < len(frames)


def test_a_buffered_answer_and_an_invocation_error_are_recorded(runtime: RuntimeApi) -> None:
    # Given one function answering buffered (as the managed runtime does) and one failing
    buffered = run_function(
        runtime,
        lambda client, inv: client._post(f"/runtime/invocation/{inv.request_id}/response", b'{"statusCode": 200}', {}),
    )
    first = runtime.invoke(EVENT, timeout_s=10)
    buffered["thread"].join(timeout=10)
    failing = run_function(runtime, lambda client, inv: client.invocation_error(inv.request_id, KeyError("x")))
    second = runtime.invoke(EVENT, timeout_s=10)
    failing["thread"].join(timeout=10)

    # Then the buffered payload is the body, and the failure is an error API Gateway answers with a 502
    assert first.done.is_set() and first.body() == b'{"statusCode": 200}' and not first.streamed
    assert second.error is not None and second.error.error_type == "KeyError"
    status, _, body = second.http_response()
    assert status == 502
    assert b"Internal server error" in b"".join(body)


def test_an_init_error_is_recorded_with_its_type(runtime: RuntimeApi) -> None:
    client = RuntimeApiClient(runtime.address, timeout_s=10)
    assert client.init_error(ImportError("No module named 'jinja2'"), "Runtime.ImportModuleError") == 202
    (error,) = runtime.init_errors
    assert error.error_type == "Runtime.ImportModuleError"
    assert error.payload["errorMessage"] == "No module named 'jinja2'"
    assert error.payload["errorType"] == "Runtime.ImportModuleError"


def test_a_function_that_never_answers_is_a_504_at_the_deadline(runtime: RuntimeApi) -> None:
    pending: PendingInvocation = runtime.invoke(EVENT, timeout_s=0.3)
    started = time.monotonic()
    status, _, body = pending.http_response()
    assert status == 504
    assert b"timed out" in b"".join(body)
    assert 0.25 < time.monotonic() - started < 5
