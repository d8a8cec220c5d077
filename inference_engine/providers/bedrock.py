"""Amazon Bedrock runtime: ``Converse``/``ConverseStream`` and ``InvokeModel``/``InvokeModelWithResponseStream``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from inference_engine.errors import ConfigValidationError, ErrorDetail, ModelError, ResponseFormatError
from inference_engine.events import Delta, StreamDelta, StreamReasoning
from inference_engine.extraction import UsageCounts, parse_json_body
from inference_engine.messages import Conversation
from inference_engine.providers.base import Completion, PreparedRequest, StreamSummary, released, upstream_errors
from inference_engine.schema import BedrockProvider, ModelConfig
from inference_engine.streaming import TextStream, text_stream
from inference_engine.tokens import MAX_OUTPUT_KEYS

CONVERSE = "bedrock-runtime:Converse"
CONVERSE_STREAM = "bedrock-runtime:ConverseStream"
INVOKE = "bedrock-runtime:InvokeModel"
INVOKE_STREAM = "bedrock-runtime:InvokeModelWithResponseStream"

# model_kwargs names mapped onto Converse's inferenceConfig; every other key goes to additionalModelRequestFields.
_INFERENCE_CONFIG_KEYS: dict[str, str] = {
    **dict.fromkeys(MAX_OUTPUT_KEYS, "maxTokens"),
    "temperature": "temperature",
    "top_p": "topP",
    "topP": "topP",
}
_STOP_KEYS = ("stop", "stop_sequences", "stopSequences")


def _target(provider: BedrockProvider) -> str:
    return f"Bedrock model {provider.model_id!r} in {provider.region}"


def check_converse_conversation(conversation: Conversation) -> None:
    """Converse's own conversation rules, checked before the call so a caller's mistake is a 400, not a 502:
    the first turn is the user's, user and assistant alternate, and no text (system included) is blank."""
    problems: list[ErrorDetail] = []
    turns = conversation.turns
    if turns and turns[0].role != "user":
        problems.append(ErrorDetail("messages", "Converse needs the first non-system message to be the user's"))
    for index in range(1, len(turns)):
        if turns[index].role == turns[index - 1].role:
            problems.append(ErrorDetail("messages", f"Converse needs user and assistant to alternate (turn {index})"))
            break
    if any(not turn.text.strip() for turn in turns):
        problems.append(ErrorDetail("messages", "Converse refuses a message whose text is blank"))
    if conversation.system and not conversation.system.strip():
        problems.append(ErrorDetail("system", "Converse refuses a blank system prompt"))
    if problems:
        raise ConfigValidationError(
            f"The conversation cannot be sent to Converse: {problems[0].message}.", details=problems
        )


def _inference_config(config: ModelConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """``model_kwargs`` (and the prompt's stop sequences) as Converse ``inferenceConfig`` and additional fields."""
    inference: dict[str, Any] = {}
    additional: dict[str, Any] = {}
    stops: list[str] = []
    for key, value in config.model_kwargs.items():
        if key in _INFERENCE_CONFIG_KEYS:
            inference[_INFERENCE_CONFIG_KEYS[key]] = value
        elif key in _STOP_KEYS:
            stops.extend(str(v) for v in (value if isinstance(value, list) else [value]))
        else:
            additional[key] = value
    stops.extend(s for s in config.prompt.stop_sequences if s not in stops)
    if stops:
        inference["stopSequences"] = stops
    return inference, additional


def _cache_points(provider: BedrockProvider, system: list[dict[str, Any]], messages: list[dict[str, Any]]) -> None:
    """Append the ``cachePoint`` blocks the provider asks for (after the system prompt, after the last message)."""
    cache = provider.cache_point
    if cache is None:
        return
    marker = {"cachePoint": {"type": "default", **({"ttl": cache.ttl} if cache.ttl else {})}}
    if cache.system and system:
        system.append(marker)
    if cache.messages:
        messages[-1]["content"].append(marker)  # caches the whole conversation so far for the next turn


def converse_params(config: ModelConfig, conversation: Conversation) -> dict[str, Any]:
    """The Converse request: block messages, system blocks, inferenceConfig, additional fields, guardrail,
    cache points, latency-optimized inference and service tier."""
    provider = config.provider
    assert isinstance(provider, BedrockProvider)  # noqa: S101
    check_converse_conversation(conversation)
    inference, additional = _inference_config(config)
    messages = conversation.block_messages()
    system = [{"text": conversation.system}] if conversation.system else []
    _cache_points(provider, system, messages)
    params: dict[str, Any] = {"modelId": provider.model_id, "messages": messages}
    if system:
        params["system"] = system
    if inference:
        params["inferenceConfig"] = inference
    if additional:
        params["additionalModelRequestFields"] = additional
    if provider.guardrail is not None:
        params["guardrailConfig"] = {
            "guardrailIdentifier": provider.guardrail.identifier,
            "guardrailVersion": provider.guardrail.version,
        }
    if provider.performance_latency is not None:
        params["performanceConfig"] = {"latency": provider.performance_latency}
    if provider.service_tier is not None:
        params["serviceTier"] = {"type": provider.service_tier}
    return params


def invoke_model_params(provider: BedrockProvider) -> dict[str, Any]:
    params: dict[str, Any] = {
        "modelId": provider.model_id,
        "contentType": "application/json",
        "accept": "application/json",
    }
    if provider.guardrail is not None:
        params["guardrailIdentifier"] = provider.guardrail.identifier
        params["guardrailVersion"] = provider.guardrail.version
    if provider.performance_latency is not None:
        params["performanceConfigLatency"] = provider.performance_latency
    if provider.service_tier is not None:
        params["serviceTier"] = provider.service_tier
    return params


def _converse_usage(usage: Mapping[str, Any] | None) -> UsageCounts:
    usage = usage or {}
    return UsageCounts(
        input_tokens=usage.get("inputTokens"),
        output_tokens=usage.get("outputTokens"),
        cache_read_input_tokens=usage.get("cacheReadInputTokens"),
        cache_write_input_tokens=usage.get("cacheWriteInputTokens"),
    )


def _block_reasoning(block: Mapping[str, Any]) -> str:
    """The text of a Converse ``reasoningContent`` block (redacted reasoning carries no readable text)."""
    reasoning = block.get("reasoningContent")
    if not isinstance(reasoning, Mapping):
        return ""
    text = (reasoning.get("reasoningText") or {}).get("text")
    return text if isinstance(text, str) else ""


# --- buffered --------------------------------------------------------------------------------------


def invoke(client: Any, prepared: PreparedRequest, config: ModelConfig) -> Completion:
    provider = config.provider
    assert isinstance(provider, BedrockProvider)  # noqa: S101
    if provider.api == "converse":
        with upstream_errors(_target(provider)):
            response = dict(client.converse(**prepared.params))
        response.pop("ResponseMetadata", None)
        message = response.get("output", {}).get("message")
        if not isinstance(message, dict) or not isinstance(message.get("content"), list):
            raise ResponseFormatError(f"{_target(provider)}: the Converse response has no output message (truncated?).")
        blocks = message["content"]
        text = "".join(block["text"] for block in blocks if "text" in block)
        reasoning = "".join(_block_reasoning(block) for block in blocks)
        return Completion(
            text=text,
            usage=_converse_usage(response.get("usage")),
            stop_reason=response.get("stopReason"),
            raw=response,
            reasoning=reasoning or None,
        )
    with upstream_errors(_target(provider)):
        response = client.invoke_model(**prepared.params, body=prepared.body_bytes)
        raw = response["body"].read()
    return Completion.of_document(parse_json_body(raw), config)


# --- streaming -------------------------------------------------------------------------------------


def open_stream(client: Any, prepared: PreparedRequest, config: ModelConfig, summary: StreamSummary) -> Iterator[Delta]:
    """Start the stream now (errors raise here, before any byte is sent on), then yield text deltas."""
    provider = config.provider
    assert isinstance(provider, BedrockProvider)  # noqa: S101
    target = _target(provider)
    if provider.api == "converse":
        with upstream_errors(target):
            response = client.converse_stream(**prepared.params)
        return _converse_deltas(response["stream"], summary, target)
    settings = config.content_handler.stream
    assert settings is not None  # noqa: S101
    with upstream_errors(target):
        response = client.invoke_model_with_response_stream(**prepared.params, body=prepared.body_bytes)
    decoder = text_stream(config, settings)
    return _chunk_deltas(response["body"], decoder, summary, target)


def _converse_deltas(events: Any, summary: StreamSummary, target: str) -> Iterator[Delta]:
    with released(events), upstream_errors(target):
        for event in events:
            if "contentBlockDelta" in event:
                delta = event["contentBlockDelta"].get("delta", {})
                text = delta.get("text")
                if text:
                    yield StreamDelta(text)
                thought = (delta.get("reasoningContent") or {}).get("text")
                if thought:
                    yield StreamReasoning(thought)
            elif "messageStop" in event:
                summary.stop_reason = event["messageStop"].get("stopReason")
            elif "metadata" in event:
                summary.usage = _converse_usage(event["metadata"].get("usage"))


def _chunk_deltas(events: Any, decoder: TextStream, summary: StreamSummary, target: str) -> Iterator[Delta]:
    with released(events), upstream_errors(target):
        for event in events:
            if "chunk" in event:
                yield from decoder.feed(event["chunk"].get("bytes", b""))
            else:
                name, error = next(iter(event.items()), ("unknown", None))
                message = error.get("message", "") if isinstance(error, Mapping) else ""
                raise ModelError(f"{target}: stream failed: {name}: {message}")
        yield from decoder.finish()
    summary.usage = decoder.usage
    summary.stop_reason = decoder.stop_reason
