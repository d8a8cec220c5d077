"""The Bedrock runtime: InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream."""

from __future__ import annotations

import json
import time
import uuid
from typing import Final
from urllib.parse import unquote

from local.emulator import converse, delivery, eventstream
from local.emulator.faults import Fault
from local.emulator.formats.base import BedrockModelFormat
from local.emulator.formats.bedrock_common import invocation_metrics
from local.emulator.formats.catalogue import BEDROCK_FORMATS
from local.emulator.registry import ModelEntry, is_bedrock_arn
from local.emulator.request_log import LoggedRequest
from local.emulator.service_errors import (
    bedrock_access_denied,
    bedrock_internal,
    bedrock_invalid_model_id,
    bedrock_model_error,
    bedrock_model_timeout,
    bedrock_not_found,
    bedrock_service_unavailable,
    bedrock_throttling,
    bedrock_validation,
)
from local.emulator.state import EmulatorState
from local.emulator.wire import ACCOUNT_ID, HttpRequest, HttpResponse

INVOKE: Final = "InvokeModel"
INVOKE_STREAM: Final = "InvokeModelWithResponseStream"
CONVERSE: Final = "Converse"
CONVERSE_STREAM: Final = "ConverseStream"
OPERATIONS: Final = {
    "invoke": INVOKE,
    "invoke-with-response-stream": INVOKE_STREAM,
    "converse": CONVERSE,
    "converse-stream": CONVERSE_STREAM,
}
_STREAMING: Final = frozenset({INVOKE_STREAM, CONVERSE_STREAM})
_MALFORMED: Final = b'{"generation": "\x00<<malformed model output'
_FAILURE_MESSAGE: Final = "The system encountered an unexpected error during processing. Try your request again."


def handle(state: EmulatorState, request: HttpRequest, raw_model_id: str, operation: str) -> HttpResponse:
    started = time.perf_counter()
    model_id = unquote(raw_model_id)
    return state.serve_logged(
        request,
        service="bedrock",
        operation=operation,
        target=model_id,
        run=lambda logged: _invoke(
            state, request, model_id=model_id, operation=operation, logged=logged, started=started
        ),
    )


def _invoke(
    state: EmulatorState,
    request: HttpRequest,
    *,
    model_id: str,
    operation: str,
    logged: LoggedRequest,
    started: float,
) -> HttpResponse:
    resolved = state.registry.resolve_bedrock(model_id)
    if resolved is None:
        if is_bedrock_arn(model_id):
            raise bedrock_not_found(f"The resource {model_id} was not found.")
        raise bedrock_invalid_model_id()
    registered_id, entry = resolved
    state.log.resolved(logged, registered_id)
    _check_servable(model_id, registered_id, entry)
    if entry.rate_limit is not None and not state.limiter.allow(registered_id, entry.rate_limit):
        raise bedrock_throttling()
    fault = state.faults.take((model_id, registered_id), request.body)
    logged.fault = fault.kind if fault else None
    streaming = operation in _STREAMING
    _raise_for_fault(fault, request.region, registered_id, streaming)
    kind = fault.kind if fault else None
    delay_s = fault.latency_ms / 1000 if fault and fault.kind == "latency" else 0.0
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if operation in (CONVERSE, CONVERSE_STREAM):
        return _converse(
            state,
            request,
            registered_id,
            entry,
            operation=operation,
            kind=kind,
            delay_s=delay_s,
            headers=headers,
            started=started,
        )
    model_format = _format(entry)
    call = model_format.call(request.body, entry, model_id)
    generation = call.generation
    if operation == INVOKE:
        body = json.dumps(model_format.body(call, model_id), separators=(",", ":")).encode()
        headers.update(
            {
                "Content-Type": "application/json",
                "X-Amzn-Bedrock-Input-Token-Count": str(generation.input_tokens),
                "X-Amzn-Bedrock-Output-Token-Count": str(generation.output_tokens),
                "X-Amzn-Bedrock-Invocation-Latency": str(_elapsed_ms(started, delay_s)),
            }
        )
        return delivery.buffered_fault(HttpResponse(200, headers, body, delay_s=delay_s), kind, _MALFORMED)
    chunks = model_format.chunks(call, model_id)
    chunks[-1] = {**chunks[-1], "amazon-bedrock-invocationMetrics": invocation_metrics(generation)}
    frames = delivery.shape_events(
        [eventstream.bedrock_chunk(chunk) for chunk in chunks],
        kind,
        closing=model_format.closing_chunks,
        malformed_event=eventstream.json_event("chunk", {"bytes": "bm90IGpzb24="}),  # base64 of "not json"
    )
    return _stream_response(headers, frames, kind, entry, delay_s=delay_s, content_type="application/json")


def _converse(
    state: EmulatorState,
    request: HttpRequest,
    model_id: str,
    entry: ModelEntry,
    *,
    operation: str,
    kind: str | None,
    delay_s: float,
    headers: dict[str, str],
    started: float,
) -> HttpResponse:
    call = converse.prepare(request.body, _format(entry).profile(entry))
    key = converse.cache_key(request.body)
    if key is not None:
        call = converse.with_cache(call, state.prompt_cache.seen(f"{model_id}\n{key}"))
    if kind == "malformed":
        call = converse.malformed_output()
    latency_ms = _elapsed_ms(started, delay_s)
    if operation == CONVERSE:
        body = json.dumps(converse.response_body(call, latency_ms), separators=(",", ":")).encode()
        response = HttpResponse(200, {**headers, "Content-Type": "application/json"}, body, delay_s=delay_s)
        return delivery.buffered_fault(response, kind if kind != "malformed" else None, b"")
    frames = [eventstream.json_event(name, members) for name, members in converse.stream_events(call, latency_ms)]
    if kind == "truncated":
        frames = frames[:-2]
    return _stream_response(headers, frames, kind, entry, delay_s=delay_s, content_type=None)


def _stream_response(
    headers: dict[str, str],
    frames: list[bytes],
    kind: str | None,
    entry: ModelEntry,
    *,
    delay_s: float,
    content_type: str | None,
) -> HttpResponse:
    error_frames = {
        "model_error": eventstream.exception_event(
            "modelStreamErrorException",
            {"message": _FAILURE_MESSAGE, "originalStatusCode": 500, "originalMessage": "emulated model failure"},
        ),
        "internal_failure": eventstream.exception_event(
            "internalServerException", {"message": "The server encountered an error processing your request."}
        ),
    }
    stream_headers = {**headers, "Content-Type": "application/vnd.amazon.eventstream"}
    if content_type is not None:
        stream_headers["X-Amzn-Bedrock-Content-Type"] = content_type
    items = delivery.interrupt(frames, kind, error_frames)
    paced = delivery.paced(items, entry.token_delay_ms / 1000, entry.first_token_delay_ms / 1000)
    return HttpResponse(200, stream_headers, stream=paced, delay_s=delay_s)


def _check_servable(model_id: str, registered_id: str, entry: ModelEntry) -> None:
    """Bedrock refuses on-demand calls to a model it serves only through inference profiles."""
    if entry.kind_of(registered_id) == "foundation-model" and "ON_DEMAND" not in entry.inference_types:
        raise bedrock_validation(
            f"Invocation of model ID {model_id} with on-demand throughput isn\u2019t supported. Retry your request "
            "with the ID or ARN of an inference profile that contains this model."
        )


def _format(entry: ModelEntry) -> BedrockModelFormat:
    if entry.format is None:
        raise bedrock_validation("The emulator serves text models only; this model does not generate text.")
    return BEDROCK_FORMATS[entry.format]


def _raise_for_fault(fault: Fault | None, region: str, model_id: str, streaming: bool) -> None:
    if fault is None:
        return
    kind = fault.kind
    if kind == "throttle":
        raise bedrock_throttling()
    if kind == "service_unavailable":
        raise bedrock_service_unavailable()
    if kind == "access_denied":
        raise bedrock_access_denied()
    if kind == "timeout":
        raise bedrock_model_timeout()
    if not streaming:  # on a stream these arrive as exception events after the first events
        if kind == "model_error":
            raise bedrock_model_error(_model_arn(region, model_id))
        if kind == "internal_failure":
            raise bedrock_internal()


def _model_arn(region: str, model_id: str) -> str:
    if is_bedrock_arn(model_id):
        return model_id
    if model_id.split(".", 1)[0] in ("us", "eu", "apac", "global", "jp", "au", "ca"):
        return f"arn:aws:bedrock:{region}:{ACCOUNT_ID}:inference-profile/{model_id}"
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def _elapsed_ms(started: float, delay_s: float) -> int:
    return int((time.perf_counter() - started + delay_s) * 1000)
