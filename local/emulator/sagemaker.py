"""The SageMaker runtime: InvokeEndpoint and InvokeEndpointWithResponseStream."""

from __future__ import annotations

import uuid
from typing import Final

from local.emulator import delivery, eventstream
from local.emulator.faults import Fault
from local.emulator.formats.base import ContainerReply, ContainerRequest
from local.emulator.formats.catalogue import CONTAINER_FORMATS
from local.emulator.registry import EndpointEntry
from local.emulator.request_log import LoggedRequest
from local.emulator.service_errors import (
    sagemaker_access_denied,
    sagemaker_endpoint_not_found,
    sagemaker_internal_failure,
    sagemaker_model_error,
    sagemaker_model_timeout,
    sagemaker_service_unavailable,
    sagemaker_throttling,
    sagemaker_validation,
)
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, HttpResponse, StreamItem

INVOKE: Final = "InvokeEndpoint"
INVOKE_STREAM: Final = "InvokeEndpointWithResponseStream"
OPERATIONS: Final = {"invocations": INVOKE, "invocations-response-stream": INVOKE_STREAM}
_FAILED_GENERATION: Final = (
    '{"error":"Request failed during generation: emulated model failure","error_type":"generation"}'
)
_MALFORMED_BODY: Final = b"<html><body><h1>502 Bad Gateway</h1>upstream sent an invalid response</body></html>"


def handle(state: EmulatorState, request: HttpRequest, endpoint: str, operation: str) -> HttpResponse:
    return state.serve_logged(
        request,
        service="sagemaker",
        operation=operation,
        target=endpoint,
        run=lambda logged: _invoke(state, request, endpoint, operation == INVOKE_STREAM, logged),
    )


def _invoke(
    state: EmulatorState, request: HttpRequest, endpoint: str, streaming: bool, logged: LoggedRequest
) -> HttpResponse:
    region = request.region
    entry = state.registry.sagemaker.get(endpoint)
    if entry is None:
        raise sagemaker_endpoint_not_found(endpoint)
    state.log.resolved(logged, endpoint)
    _check_routing_headers(request, endpoint, entry)
    if entry.rate_limit is not None and not state.limiter.allow(endpoint, entry.rate_limit):
        raise sagemaker_throttling()
    fault = state.faults.take((endpoint,), request.body)
    logged.fault = fault.kind if fault else None
    _raise_for_fault(fault, region, endpoint, request, streaming)
    accept_header = "x-amzn-sagemaker-accept" if streaming else "accept"
    component = request.header("x-amzn-sagemaker-inference-component")
    reply = CONTAINER_FORMATS[entry.format_for(component)].invoke(
        ContainerRequest(
            endpoint=endpoint,
            entry=entry,
            body=request.body,
            content_type=request.header("content-type") or "application/octet-stream",
            accept=request.header(accept_header) or "*/*",
            custom_attributes=request.header("x-amzn-sagemaker-custom-attributes"),
        )
    )
    if reply.status >= 400:
        raise sagemaker_model_error(region, endpoint, reply.status, reply.body.decode("utf-8", "replace"))
    headers = _response_headers(request, entry)
    kind = fault.kind if fault else None
    delay_s = fault.latency_ms / 1000 if fault and fault.kind == "latency" else 0.0
    if not streaming:
        response = HttpResponse(200, {**headers, "Content-Type": reply.content_type}, reply.body, delay_s=delay_s)
        return delivery.buffered_fault(response, kind, _MALFORMED_BODY)
    return HttpResponse(
        200,
        {
            **headers,
            "Content-Type": "application/vnd.amazon.eventstream",
            "X-Amzn-SageMaker-Content-Type": reply.content_type,
        },
        stream=delivery.paced(
            _payload_parts(reply, entry, kind), entry.token_delay_ms / 1000, entry.first_token_delay_ms / 1000
        ),
        delay_s=delay_s,
    )


def _check_routing_headers(request: HttpRequest, endpoint: str, entry: EndpointEntry) -> None:
    variant = request.header("x-amzn-sagemaker-target-variant")
    if variant is not None and variant != entry.variant:
        raise sagemaker_validation(f"Target variant {variant} not found for endpoint {endpoint}.")
    component = request.header("x-amzn-sagemaker-inference-component")
    if entry.inference_components is None:
        if component is not None:
            raise sagemaker_validation(
                f"Inference Component Name header is not allowed for endpoint {endpoint}, which has no inference "
                "components."
            )
    elif component is None:
        raise sagemaker_validation(
            "Inference Component Name header is required for endpoints to which you plan to deploy inference "
            "components. Please include Inference Component Name header or consider using SageMaker models."
        )
    elif component not in entry.inference_components:
        raise sagemaker_validation(f"Inference component {component} not found for endpoint {endpoint}.")


def _raise_for_fault(fault: Fault | None, region: str, endpoint: str, request: HttpRequest, streaming: bool) -> None:
    if fault is None:
        return
    kind = fault.kind
    if kind == "throttle":
        raise sagemaker_throttling()
    if kind == "service_unavailable":
        raise sagemaker_service_unavailable()
    if kind == "access_denied":
        raise sagemaker_access_denied(region, endpoint, request.access_key_id)
    if kind == "timeout":
        raise sagemaker_model_timeout(region, endpoint)
    if not streaming:  # on a stream these arrive as events after the first parts
        if kind == "model_error":
            raise sagemaker_model_error(region, endpoint, 500, _FAILED_GENERATION)
        if kind == "internal_failure":
            raise sagemaker_internal_failure()


def _response_headers(request: HttpRequest, entry: EndpointEntry) -> dict[str, str]:
    headers = {"x-Amzn-Invoked-Production-Variant": entry.variant, "x-amzn-RequestId": str(uuid.uuid4())}
    custom_attributes = request.header("x-amzn-sagemaker-custom-attributes")
    if custom_attributes is not None:
        headers["X-Amzn-SageMaker-Custom-Attributes"] = custom_attributes
    if request.header("x-amzn-sagemaker-session-id") == "NEW_SESSION":
        headers["X-Amzn-SageMaker-New-Session-Id"] = f"{uuid.uuid4()}; Expires=2100-01-01T00:00:00Z"
    return headers


def _payload_parts(reply: ContainerReply, entry: EndpointEntry, kind: str | None) -> list[StreamItem]:
    events = list(reply.events) if reply.events is not None else [reply.body]
    malformed = b"data:{malformed\n\n" if not reply.jsonlines and reply.events is not None else b"{malformed\n"
    events = delivery.shape_events(
        events, kind, closing=reply.closing if reply.events else 1, malformed_event=malformed
    )
    split = entry.split_payload_lines if entry.split_payload_lines is not None else reply.jsonlines
    frames = [
        eventstream.blob_event("PayloadPart", part) for part in (split_lines(events) if split else events) if part
    ]
    error_frames = {
        "model_error": eventstream.exception_event(
            "ModelStreamError",
            {"Message": f"Received error from the model stream: {_FAILED_GENERATION}", "ErrorCode": "ModelStreamError"},
        ),
        "internal_failure": eventstream.exception_event(
            "InternalStreamFailure",
            {
                "Message": "The stream processing failed because of an unknown error, exception or failure. "
                "Try your request again."
            },
        ),
    }
    return delivery.interrupt(frames, kind, error_frames)


def split_lines(events: list[bytes]) -> list[bytes]:
    """Re-cut the stream so part boundaries and line boundaries differ: every third line is split in two,
    and the line after a split is sent together with the next one. Clients must buffer and reassemble."""
    if len(events) == 1:
        only = events[0]
        return [only[: len(only) // 2], only[len(only) // 2 :]]
    parts: list[bytes] = []
    index = 0
    while index < len(events):
        event = events[index]
        if index % 3 == 0 and len(event) > 1:
            middle = len(event) // 2
            parts.extend((event[:middle], event[middle:]))
        elif index % 3 == 1 and index + 1 < len(events):
            parts.append(event + events[index + 1])
            index += 1
        else:
            parts.append(event)
        index += 1
    return parts
