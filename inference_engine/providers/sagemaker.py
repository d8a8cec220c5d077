"""Amazon SageMaker runtime: ``InvokeEndpoint`` and ``InvokeEndpointWithResponseStream``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from inference_engine.errors import ConfigValidationError, ErrorDetail, ModelError
from inference_engine.events import Delta
from inference_engine.extraction import (
    UsageCounts,
    parse_json_body,
)
from inference_engine.providers.base import Completion, PreparedRequest, StreamSummary, released, upstream_errors
from inference_engine.schema import ModelConfig, SageMakerProvider
from inference_engine.streaming import TextStream, text_stream

INVOKE = "sagemaker-runtime:InvokeEndpoint"
INVOKE_STREAM = "sagemaker-runtime:InvokeEndpointWithResponseStream"


# endpoint_kwargs that InvokeEndpoint accepts but InvokeEndpointWithResponseStream does not.
NOT_STREAMABLE_KWARGS = ("TargetModel", "EnableExplanations")


def request_params(provider: SageMakerProvider, *, stream: bool = False) -> dict[str, Any]:
    """The call's parameters: allow-listed ``endpoint_kwargs`` first, so they can never replace the core ones."""
    kwargs = provider.endpoint_kwargs.as_boto_kwargs()
    if stream and (refused := [key for key in NOT_STREAMABLE_KWARGS if key in kwargs]):
        raise ConfigValidationError(
            f"InvokeEndpointWithResponseStream does not accept {', '.join(refused)}; invoke without streaming.",
            details=[
                ErrorDetail(f"provider.endpoint_kwargs.{key}", "not supported when streaming", "value_error")
                for key in refused
            ],
        )
    return {
        **kwargs,
        "EndpointName": provider.endpoint_name,
        "ContentType": provider.content_type,
        "Accept": provider.accept,
    }


def _target(provider: SageMakerProvider) -> str:
    return f"SageMaker endpoint {provider.endpoint_name!r} in {provider.region}"


def _decode(raw: bytes, accept: str) -> Any:
    if "json" in accept.lower():
        return parse_json_body(raw)
    return raw.decode("utf-8", errors="replace")


def invoke(client: Any, prepared: PreparedRequest, config: ModelConfig) -> Completion:
    provider = config.provider
    assert isinstance(provider, SageMakerProvider)  # noqa: S101 - dispatch guarantees it
    with upstream_errors(_target(provider)):
        response = client.invoke_endpoint(**prepared.params, Body=prepared.body_bytes)
        raw = response["Body"].read()
    document = _decode(raw, provider.accept)
    if isinstance(document, str):
        return Completion(text=document, usage=UsageCounts(), stop_reason=None, raw=document)
    return Completion.of_document(document, config)


def open_stream(client: Any, prepared: PreparedRequest, config: ModelConfig, summary: StreamSummary) -> Iterator[Delta]:
    """Start the stream now (errors raise here, before any byte is sent on), then yield text deltas."""
    provider = config.provider
    assert isinstance(provider, SageMakerProvider)  # noqa: S101
    settings = config.content_handler.stream
    assert settings is not None  # noqa: S101 - the engine only streams models with stream settings
    with upstream_errors(_target(provider)):
        response = client.invoke_endpoint_with_response_stream(**prepared.params, Body=prepared.body_bytes)
    decoder = text_stream(config, settings)
    return _deltas(response["Body"], decoder, summary, _target(provider))


def _deltas(events: Any, decoder: TextStream, summary: StreamSummary, target: str) -> Iterator[Delta]:
    with released(events), upstream_errors(target):
        for event in events:
            if "PayloadPart" in event:
                yield from decoder.feed(event["PayloadPart"].get("Bytes", b""))
            elif "ModelStreamError" in event or "InternalStreamFailure" in event:
                error = event.get("ModelStreamError") or event.get("InternalStreamFailure") or {}
                raise ModelError(f"{target}: stream failed: {error.get('Message', 'unknown error')}")
        yield from decoder.finish()
    summary.usage = decoder.usage
    summary.stop_reason = decoder.stop_reason
