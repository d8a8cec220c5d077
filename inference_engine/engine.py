"""The engine's three entry points: ``prepare`` (no network), ``invoke`` (buffered) and ``stream``.

All three take a validated ``ModelConfig`` and a ``Conversation``. ``prepare`` renders the prompt and
the request body, estimates tokens and enforces the constraints; ``invoke`` and ``stream`` then make
exactly one runtime call through a client from the injected ``ClientProvider`` (a ``ClientFactory``).
Streaming starts the upstream call before returning, so every error that can be known before the first delta is raised
by ``stream()`` itself, not by the iterator.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from inference_engine.caching import IdentityMemo
from inference_engine.credentials import ClientProvider
from inference_engine.events import Delta, StreamDelta, StreamReasoning
from inference_engine.extraction import UsageCounts
from inference_engine.messages import Conversation
from inference_engine.providers import bedrock, sagemaker
from inference_engine.providers.base import Completion, PreparedRequest, StreamSummary
from inference_engine.reasoning import ThinkTags, split_stream, split_text
from inference_engine.request_template import (
    BUILTIN_VARIABLES,
    CompiledTemplate,
    compiled_template,
    render_compiled,
    serialize_body,
)
from inference_engine.schema import BedrockProvider, ModelConfig, SageMakerProvider
from inference_engine.tokens import check_constraints, estimate_tokens, requested_output_tokens


@dataclass(frozen=True)
class Usage:
    """Token counts: the model's own where it reports them, else the engine's estimate (flagged per count)."""

    input_tokens: int
    output_tokens: int
    input_estimated: bool = False
    output_estimated: bool = False
    cache_read_input_tokens: int | None = None  # reported by Converse when prompt caching applies
    cache_write_input_tokens: int | None = None

    @property
    def estimated(self) -> bool:
        return self.input_estimated or self.output_estimated

    def as_dict(self) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "estimated": self.estimated,
            "input_estimated": self.input_estimated,
            "output_estimated": self.output_estimated,
        }
        if self.cache_read_input_tokens is not None:
            usage["cache_read_input_tokens"] = self.cache_read_input_tokens
        if self.cache_write_input_tokens is not None:
            usage["cache_write_input_tokens"] = self.cache_write_input_tokens
        return usage


@dataclass(frozen=True)
class InvokeResult:
    output: str
    usage: Usage
    latency_ms: float
    stop_reason: str | None
    raw_response: Any
    prepared: PreparedRequest
    reasoning: str | None = None


@dataclass(frozen=True)
class StreamEnd:
    output: str
    usage: Usage
    latency_ms: float
    stop_reason: str | None
    reasoning: str | None = None


StreamEvent = StreamDelta | StreamReasoning | StreamEnd


# --- prepare ---------------------------------------------------------------------------------------


def builtin_variables(
    config: ModelConfig, conversation: Conversation, prompt: str, *, stream: bool, names: frozenset[str]
) -> dict[str, Any]:
    """The built-in variables among ``names`` (DESIGN §2.1). Without ``system`` among them, the system prompt is
    the first of ``messages``; with it, it is left out of them."""
    values: dict[str, Any] = {}
    if "prompt" in names:
        values["prompt"] = prompt
    if "messages" in names or "block_messages" in names:
        messages = conversation.messages() if "system" in names else conversation.messages_with_system()
        values["messages"] = messages
        if "block_messages" in names:
            values["block_messages"] = [{"role": m["role"], "content": [{"text": m["content"]}]} for m in messages]
    if "system" in names:
        values["system"] = conversation.system
    if "stop" in names:
        values["stop"] = list(config.prompt.stop_sequences)
    if "model_kwargs" in names:
        values["model_kwargs"] = dict(config.model_kwargs)
    if "stream" in names:
        values["stream"] = True if stream else None
    return values


def template_variables(
    config: ModelConfig, conversation: Conversation, prompt: str, *, stream: bool = False
) -> dict[str, Any]:
    """Every request-template variable (built-ins win over same-named ``model_kwargs`` keys)."""
    uses_system = "system" in compiled_template(config.content_handler.request_template).names
    names = BUILTIN_VARIABLES if uses_system else BUILTIN_VARIABLES - {"system"}
    builtins = builtin_variables(config, conversation, prompt, stream=stream, names=names)
    return {**config.model_kwargs, "system": conversation.system, **builtins}


@dataclass(frozen=True)
class _Plan:
    """What every call of one config shares, worked out once per config object (configs are frozen)."""

    template: CompiledTemplate
    kwargs: dict[str, Any]  # the model_kwargs entries the template names (built-ins of the same name win)
    builtins: frozenset[str]  # the built-in variables the template names
    params: dict[str, Any] | None  # the buffered call's parameters (SageMaker and InvokeModel)
    output_tokens: int | None

    @classmethod
    def of(cls, config: ModelConfig) -> _Plan:
        template = compiled_template(config.content_handler.request_template)
        provider = config.provider
        params: dict[str, Any] | None = None
        if isinstance(provider, SageMakerProvider):
            params = sagemaker.request_params(provider)
        elif provider.api == "invoke_model":
            params = bedrock.invoke_model_params(provider)
        return cls(
            template=template,
            kwargs={n: config.model_kwargs[n] for n in template.names - BUILTIN_VARIABLES if n in config.model_kwargs},
            builtins=template.names & BUILTIN_VARIABLES,
            params=params,
            output_tokens=requested_output_tokens(config.model_kwargs),
        )

    def variables(self, config: ModelConfig, conversation: Conversation, prompt: str, stream: bool) -> dict[str, Any]:
        """The variables the template names, with the values ``template_variables`` gives them."""
        builtins = builtin_variables(config, conversation, prompt, stream=stream, names=self.builtins)
        return {**self.kwargs, **builtins}


_plan: IdentityMemo[ModelConfig, _Plan] = IdentityMemo(_Plan.of, limit=256)  # once per (frozen) config object


@cache
def _prompt_renderer() -> Callable[..., str]:
    """``prompt_template.render_prompt``, imported on first use rather than with this module: jinja2 adds about
    15 ms to the Lambda's import, and only a model with a chat template needs it (the first such use pays it)."""
    from inference_engine.prompt_template import render_prompt  # noqa: PLC0415

    return render_prompt


def render_prompt_text(config: ModelConfig, conversation: Conversation) -> str:
    """The prompt template's output, or the last user message's text when there is no template."""
    if config.prompt.template is None:
        return conversation.last_user_text
    return _prompt_renderer()(
        config.prompt.template,
        messages=conversation.messages_with_system(),
        system=conversation.system,
        bos_token=config.prompt.bos_token,
        eos_token=config.prompt.eos_token,
    )


def prepare(config: ModelConfig, conversation: Conversation, *, stream: bool = False) -> PreparedRequest:
    """Render and check one call without touching the network; raises ``ConfigValidationError`` subclasses."""
    provider = config.provider
    stream = stream and config.supports_streaming
    if isinstance(provider, BedrockProvider) and provider.api == "converse":
        params = bedrock.converse_params(config, conversation)
        output_tokens = requested_output_tokens(config.model_kwargs)
        estimate = estimate_tokens(conversation.all_text())
        rendered_prompt: str | None = None
        body: Any = None
        body_bytes: bytes | None = None
        operation = bedrock.CONVERSE_STREAM if stream else bedrock.CONVERSE
        service = "bedrock-runtime"
    else:
        plan = _plan(config)
        output_tokens = plan.output_tokens
        rendered_prompt = render_prompt_text(config, conversation)
        prompt = rendered_prompt

        def every_variable() -> dict[str, Any]:  # only for the error that names an unknown variable
            return template_variables(config, conversation, prompt, stream=stream)

        variables = plan.variables(config, conversation, rendered_prompt, stream)
        body = render_compiled(plan.template, variables, available=every_variable)
        estimate = estimate_tokens(rendered_prompt if config.prompt.template else conversation.all_text())
        if isinstance(provider, SageMakerProvider):
            params = sagemaker.request_params(provider, stream=True) if stream else dict(plan.params or {})
            body_bytes = serialize_body(body, provider.content_type)
            operation = sagemaker.INVOKE_STREAM if stream else sagemaker.INVOKE
            service = "sagemaker-runtime"
        else:
            params = dict(plan.params or {})
            body_bytes = serialize_body(body, "application/json")
            operation = bedrock.INVOKE_STREAM if stream else bedrock.INVOKE
            service = "bedrock-runtime"
    check_constraints(config.constraints, input_tokens=estimate, output_tokens=output_tokens)
    return PreparedRequest(
        operation=operation,
        service=service,  # type: ignore[arg-type]
        region=provider.region,
        params=params,
        body=body,
        body_bytes=body_bytes,
        rendered_prompt=rendered_prompt,
        estimated_input_tokens=estimate,
        requested_output_tokens=output_tokens,
    )


# --- call ------------------------------------------------------------------------------------------


def _client(config: ModelConfig, prepared: PreparedRequest, clients: ClientProvider, caller: str | None) -> Any:
    provider = config.provider
    if isinstance(provider, BedrockProvider):
        endpoint_url, target = provider.endpoint_url, provider.model_id
    else:
        endpoint_url, target = None, provider.endpoint_name
    return clients.client(
        prepared.service,
        provider.region,
        cross_account=config.cross_account,
        caller=caller,
        endpoint_url=endpoint_url,
        target=target,
    )


def _usage(reported: UsageCounts, prepared: PreparedRequest, output: str, reasoning: str | None = None) -> Usage:
    """Reported counts where the model gave them, else estimates (reasoning is output the model generated)."""
    generated = reported.output_tokens
    if generated is None:
        generated = estimate_tokens(output) + (estimate_tokens(reasoning) if reasoning else 0)
    return Usage(
        input_tokens=reported.input_tokens if reported.input_tokens is not None else prepared.estimated_input_tokens,
        output_tokens=generated,
        input_estimated=reported.input_tokens is None,
        output_estimated=reported.output_tokens is None,
        cache_read_input_tokens=reported.cache_read_input_tokens,
        cache_write_input_tokens=reported.cache_write_input_tokens,
    )


def _think_tags(config: ModelConfig) -> ThinkTags | None:
    reasoning = config.reasoning
    return None if reasoning is None or reasoning.think_tags == "off" else reasoning.think_tags


def _answer_and_reasoning(config: ModelConfig, completion: Completion) -> tuple[str, str | None]:
    """The answer without inline ``<think>`` text, and the reasoning from every place the model put it."""
    tags = _think_tags(config)
    if tags is None:
        return completion.text, completion.reasoning
    answer, inline = split_text(completion.text, tags)
    parts = [part for part in (completion.reasoning, inline) if part]
    return answer, "\n\n".join(parts) if parts else None


def invoke(
    config: ModelConfig,
    conversation: Conversation,
    *,
    clients: ClientProvider,
    caller: str | None = None,
    prepared: PreparedRequest | None = None,
) -> InvokeResult:
    """One buffered model call. Raises ``EngineError`` subclasses only."""
    prepared = prepared or prepare(config, conversation)
    client = _client(config, prepared, clients, caller)
    started = time.perf_counter()
    call = sagemaker.invoke if isinstance(config.provider, SageMakerProvider) else bedrock.invoke
    completion: Completion = call(client, prepared, config)
    latency_ms = (time.perf_counter() - started) * 1000
    output, reasoning = _answer_and_reasoning(config, completion)
    return InvokeResult(
        output=output,
        usage=_usage(completion.usage, prepared, output, reasoning),
        latency_ms=round(latency_ms, 2),
        stop_reason=completion.stop_reason,
        raw_response=completion.raw,
        prepared=prepared,
        reasoning=reasoning,
    )


def stream(
    config: ModelConfig,
    conversation: Conversation,
    *,
    clients: ClientProvider,
    caller: str | None = None,
    prepared: PreparedRequest | None = None,
) -> Iterator[StreamEvent]:
    """Start a streamed call and return its events: ``StreamDelta``s (and ``StreamReasoning``s), then one
    ``StreamEnd``.

    A model without streaming support is invoked buffered and answers with one delta. Errors known
    before the first delta (validation, constraints, credentials, throttling) raise from this call.
    ``prepared`` (from ``prepare(..., stream=True)``) saves rendering the request a second time.
    """
    prepared = prepared or prepare(config, conversation, stream=True)
    if not config.supports_streaming:
        result = invoke(config, conversation, clients=clients, caller=caller, prepared=prepared)
        thought: list[StreamEvent] = [StreamReasoning(result.reasoning)] if result.reasoning else []
        return iter(
            [
                *thought,
                StreamDelta(result.output),
                StreamEnd(result.output, result.usage, result.latency_ms, result.stop_reason, result.reasoning),
            ]
        )
    client = _client(config, prepared, clients, caller)
    started = time.perf_counter()
    summary = StreamSummary()
    opener = sagemaker.open_stream if isinstance(config.provider, SageMakerProvider) else bedrock.open_stream
    deltas: Iterator[Delta] = opener(client, prepared, config, summary)
    tags = _think_tags(config)
    if tags is not None:
        deltas = split_stream(deltas, tags)
    return _events(deltas, summary, prepared, started)


def _events(
    deltas: Iterator[Delta], summary: StreamSummary, prepared: PreparedRequest, started: float
) -> Iterator[StreamEvent]:
    parts: list[str] = []
    thoughts: list[str] = []
    for delta in deltas:
        (parts if isinstance(delta, StreamDelta) else thoughts).append(delta.text)
        yield delta
    output = "".join(parts)
    reasoning = "".join(thoughts) or None
    latency_ms = round((time.perf_counter() - started) * 1000, 2)
    usage = _usage(summary.usage, prepared, output, reasoning)
    yield StreamEnd(output, usage, latency_ms, summary.stop_reason, reasoning)


__all__ = [
    "InvokeResult",
    "StreamDelta",
    "StreamEnd",
    "StreamEvent",
    "StreamReasoning",
    "Usage",
    "invoke",
    "prepare",
    "render_prompt_text",
    "stream",
    "template_variables",
]
