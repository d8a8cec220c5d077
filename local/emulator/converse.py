"""Bedrock Converse / ConverseStream, the same for every registered model whatever its native format."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field, replace
from typing import Any, Final

from local.emulator.formats.base import ConverseProfile
from local.emulator.generator import FinishReason, Generation, count_tokens, generate, reasoning_words
from local.emulator.service_errors import bedrock_malformed, bedrock_validation

GUARDRAIL_MARKER: Final = "[[guardrail]]"
GUARDRAIL_MESSAGE: Final = "Sorry, the model cannot answer this question."
_STOP_REASON = {
    FinishReason.END: "end_turn",
    FinishReason.LENGTH: "max_tokens",
    FinishReason.STOP_SEQUENCE: "stop_sequence",
}
_FIRST_USER = (
    "A conversation must start with a user message. Try again with a conversation that starts with a user message."
)
_ALTERNATE = (
    "A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
    "between user and assistant roles and try again."
)


SIGNATURE: Final = "RW11bGF0ZWQgcmVhc29uaW5nIHNpZ25hdHVyZQ=="


@dataclass(frozen=True)
class ConverseCall:
    generation: Generation
    stop_reason: str
    guardrail_intervened: bool = False
    thought: tuple[str, ...] = ()  # reasoning tokens, answered as a reasoningContent block before the text
    cached_tokens: int = 0  # input tokens before the last cachePoint (written on the first call, read after)
    cache_hit: bool = False
    echoed: dict[str, Any] = field(default_factory=dict)  # performanceConfig / serviceTier, as the service echoes

    @property
    def content(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        if self.thought:
            text = "".join(self.thought)
            blocks.append({"reasoningContent": {"reasoningText": {"text": text, "signature": SIGNATURE}}})
        if self.generation.tokens:
            blocks.append({"text": self.generation.text})
        return blocks

    @property
    def output_tokens(self) -> int:
        return len(self.thought) + self.generation.output_tokens


def prepare(body: bytes, profile: ConverseProfile) -> ConverseCall:
    """Validate a Converse body as the service does (beyond botocore's own checks) and generate the answer."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise bedrock_validation("Request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise bedrock_validation("Request body must be a JSON object.")
    messages = _messages(payload.get("messages"))
    system = _system(payload.get("system"))
    max_tokens, stop_sequences = _inference_config(payload.get("inferenceConfig"), profile)
    _additional_fields(payload.get("additionalModelRequestFields"), profile)
    guardrail = _guardrail(payload.get("guardrailConfig"))
    texts = [(message["role"], _blocks_text(message["content"])) for message in messages]
    users = [text for role, text in texts if role == "user"]
    question = users[-1] if users else ""
    thought = reasoning_words(question)[:max_tokens] if _reasons(payload, profile) else ()
    input_tokens = count_tokens(system) + sum(count_tokens(text) for _, text in texts)
    generation = generate(
        prompt_key="\n".join([f"system: {system}"] + [f"{role}: {text}" for role, text in texts]),
        last_user=question,
        input_tokens=input_tokens,
        max_tokens=max_tokens - len(thought),
        stop_sequences=stop_sequences,
    )
    echoed = {
        name: payload[name] for name in ("performanceConfig", "serviceTier") if isinstance(payload.get(name), dict)
    }
    cached = _cached_prefix_tokens(payload)
    if guardrail and any(GUARDRAIL_MARKER in text for _, text in texts):
        blocked = Generation(tuple(_words(GUARDRAIL_MESSAGE)), FinishReason.END, None, generation.input_tokens)
        return ConverseCall(blocked, "guardrail_intervened", guardrail_intervened=True)
    finish = generation.finish if generation.tokens or len(thought) < max_tokens else FinishReason.LENGTH
    return ConverseCall(
        generation, _STOP_REASON[finish], thought=thought, cached_tokens=min(cached, input_tokens), echoed=echoed
    )


def with_cache(call: ConverseCall, hit: bool) -> ConverseCall:
    """The call as the cache saw it: a prefix seen before is read from the cache, a new one written to it."""
    return replace(call, cache_hit=hit)


def cache_key(body: bytes) -> str | None:
    """What a cachePoint caches: the request up to its last cachePoint (None when it has none)."""
    payload = json.loads(body or b"{}")
    prefix = _cache_prefix(payload)
    return json.dumps(prefix, sort_keys=True) if prefix is not None else None


def response_body(call: ConverseCall, latency_ms: int) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": call.content}},
        "stopReason": call.stop_reason,
        "usage": _usage(call),
        "metrics": {"latencyMs": latency_ms},
        **call.echoed,
    }


def stream_events(call: ConverseCall, latency_ms: int) -> list[tuple[str, dict[str, Any]]]:
    """The ConverseStream events: ``(event type, members)``, the last two being ``messageStop`` and ``metadata``."""
    generation = call.generation
    events: list[tuple[str, dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
    index = 0
    if call.thought:
        events.extend(
            ("contentBlockDelta", {"delta": {"reasoningContent": {"text": token}}, "contentBlockIndex": 0})
            for token in call.thought
        )
        events.append(
            ("contentBlockDelta", {"delta": {"reasoningContent": {"signature": SIGNATURE}}, "contentBlockIndex": 0})
        )
        events.append(("contentBlockStop", {"contentBlockIndex": 0}))
        index = 1
    events.extend(
        ("contentBlockDelta", {"delta": {"text": token}, "contentBlockIndex": index}) for token in generation.tokens
    )
    events.append(("contentBlockStop", {"contentBlockIndex": index}))
    events.append(("messageStop", {"stopReason": call.stop_reason}))
    events.append(("metadata", {"usage": _usage(call), "metrics": {"latencyMs": latency_ms}, **call.echoed}))
    return events


def malformed_output() -> ConverseCall:
    """What Converse answers when the model's output cannot be parsed."""
    return ConverseCall(Generation((), FinishReason.END, None, 0), "malformed_model_output")


def _usage(call: ConverseCall) -> dict[str, int]:
    generation = call.generation
    usage = {
        "inputTokens": generation.input_tokens - call.cached_tokens,
        "outputTokens": call.output_tokens,
        "totalTokens": generation.input_tokens + call.output_tokens,
    }
    if call.cached_tokens:
        usage["cacheReadInputTokens"] = call.cached_tokens if call.cache_hit else 0
        usage["cacheWriteInputTokens"] = 0 if call.cache_hit else call.cached_tokens
    return usage


def _reasons(payload: dict[str, Any], profile: ConverseProfile) -> bool:
    thinking = (payload.get("additionalModelRequestFields") or {}).get("thinking")
    return profile.always_reasons or (isinstance(thinking, dict) and thinking.get("type") == "enabled")


def _cache_prefix(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The system blocks and messages up to the last cachePoint block."""
    system = payload.get("system") or []
    messages = payload.get("messages") or []
    for m_index in range(len(messages) - 1, -1, -1):
        content = messages[m_index].get("content") or []
        for b_index in range(len(content) - 1, -1, -1):
            if "cachePoint" in content[b_index]:
                kept = [*messages[:m_index], {**messages[m_index], "content": content[:b_index]}]
                return {"system": system, "messages": kept}
    for s_index in range(len(system) - 1, -1, -1):
        if "cachePoint" in system[s_index]:
            return {"system": system[:s_index], "messages": []}
    return None


def _cached_prefix_tokens(payload: dict[str, Any]) -> int:
    prefix = _cache_prefix(payload)
    if prefix is None:
        return 0
    texts = [str(b.get("text", "")) for b in prefix["system"]]
    texts += [str(b.get("text", "")) for m in prefix["messages"] for b in m.get("content", [])]
    return sum(count_tokens(text) for text in texts)


def _words(text: str) -> list[str]:
    return [word if index == 0 else " " + word for index, word in enumerate(text.split())]


def _messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise bedrock_validation(_FIRST_USER)
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            raise bedrock_validation(_ALTERNATE)
        content = message.get("content")
        if not isinstance(content, list) or not content:
            raise bedrock_validation(
                f"The content field in the Message object at messages.{index} is empty. "
                "Add a ContentBlock object to the content field and try again."
            )
        for block_index, block in enumerate(content):
            if not isinstance(block, dict) or len(block) != 1:
                raise bedrock_validation(
                    f"The ContentBlock object at messages.{index}.content.{block_index} must set exactly one member."
                )
            if "text" in block and not str(block["text"]).strip():
                raise bedrock_validation(
                    f"The text field in the ContentBlock object at messages.{index}.content.{block_index} is blank. "
                    "Add text to the text field, and try again."
                )
    if messages[0]["role"] != "user":
        raise bedrock_validation(_FIRST_USER)
    for previous, current in itertools.pairwise(messages):
        if previous["role"] == current["role"]:
            raise bedrock_validation(_ALTERNATE)
    return messages


def _system(system: Any) -> str:
    if system is None:
        return ""
    if not isinstance(system, list):
        raise bedrock_validation("The system field must be a list of SystemContentBlock objects.")
    texts = []
    for index, block in enumerate(system):
        if not isinstance(block, dict):
            raise bedrock_validation(f"The SystemContentBlock object at system.{index} is not valid.")
        if "text" in block:
            if not str(block["text"]).strip():
                raise bedrock_validation(
                    f"The text field in the SystemContentBlock object at system.{index} is blank. "
                    "Add text to the text field, and try again."
                )
            texts.append(str(block["text"]))
    return "\n".join(texts)


def _inference_config(config: Any, profile: ConverseProfile) -> tuple[int, list[str]]:
    if config is None:
        return profile.default_max_tokens, []
    if not isinstance(config, dict):
        raise bedrock_validation("The inferenceConfig field must be an object.")
    problems = []
    for name, low, high in (("temperature", 0, 1), ("topP", 0, 1)):
        value = config.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            problems.append(
                f"Value '{value}' at 'inferenceConfig.{name}' failed to satisfy constraint: Member must be a number"
            )
        elif value > high:
            problems.append(
                f"Value '{float(value)}' at 'inferenceConfig.{name}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {high}"
            )
        elif value < low:
            problems.append(
                f"Value '{float(value)}' at 'inferenceConfig.{name}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {low}"
            )
    max_tokens = config.get("maxTokens")
    if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1):
        problems.append(
            f"Value '{max_tokens}' at 'inferenceConfig.maxTokens' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    stops = config.get("stopSequences") or []
    if not isinstance(stops, list) or not all(isinstance(stop, str) and stop for stop in stops):
        problems.append(
            "Value at 'inferenceConfig.stopSequences' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must have length greater than or equal to 1]"
        )
    if problems:
        plural = "s" if len(problems) > 1 else ""
        raise bedrock_validation(f"{len(problems)} validation error{plural} detected: " + "; ".join(problems))
    if max_tokens is not None and max_tokens > profile.max_output_tokens:
        limit = profile.max_output_tokens
        raise bedrock_validation(
            f"The maximum tokens you requested exceeds the model limit of {limit}. "
            f"Try again with a maximum tokens value that is lower than {limit}."
        )
    return (max_tokens if max_tokens is not None else profile.default_max_tokens), stops


def _additional_fields(fields: Any, profile: ConverseProfile) -> None:
    if fields is None:
        return
    if not isinstance(fields, dict):
        raise bedrock_validation("The additionalModelRequestFields field must be a JSON object.")
    unknown = sorted(name for name in fields if name not in profile.additional_fields)
    if unknown:
        raise bedrock_malformed([f"#: extraneous key [{name}] is not permitted" for name in unknown])


def _guardrail(config: Any) -> bool:
    if config is None:
        return False
    if not isinstance(config, dict) or not config.get("guardrailIdentifier") or not config.get("guardrailVersion"):
        raise bedrock_validation("The guardrailConfig must specify both guardrailIdentifier and guardrailVersion.")
    return True


def _blocks_text(content: list[dict[str, Any]]) -> str:
    return "\n".join(str(block["text"]) for block in content if "text" in block)
