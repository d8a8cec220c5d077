"""Anthropic Claude on Bedrock through InvokeModel (the Messages API, ``bedrock-2023-05-31``)."""

from __future__ import annotations

import itertools
import secrets
from typing import Any, Final

from local.emulator.formats.base import ConverseProfile, ModelCall
from local.emulator.formats.bedrock_common import foundation_model_name, parse_body
from local.emulator.generator import FinishReason, Generation, count_tokens, generate
from local.emulator.registry import ModelEntry
from local.emulator.schema_check import Spec, obj
from local.emulator.service_errors import bedrock_validation

ANTHROPIC_VERSION: Final = "bedrock-2023-05-31"
DEFAULT_MAX_OUTPUT_TOKENS: Final = 4096
_STOP_REASON = {
    FinishReason.END: "end_turn",
    FinishReason.LENGTH: "max_tokens",
    FinishReason.STOP_SEQUENCE: "stop_sequence",
}
_BLOCK = obj(
    {
        "type": Spec("string"),
        "text": Spec("string"),
        "source": Spec("object", closed=False),
        "id": Spec("string"),
        "name": Spec("string"),
        "input": Spec("object", closed=False),
        "tool_use_id": Spec("string"),
        "content": Spec("any"),
        "is_error": Spec("boolean"),
        "cache_control": Spec("object", closed=False),
        "citations": Spec("any"),
    },
    required=("type",),
)
_CONTENT = Spec("any", alternatives=(Spec("string"), Spec("array", items=_BLOCK)))
REQUEST: Final = obj(
    {
        "anthropic_version": Spec("string", enum=(ANTHROPIC_VERSION,)),
        "anthropic_beta": Spec("array", items=Spec("string")),
        "max_tokens": Spec("integer", minimum=1),
        "messages": Spec(
            "array",
            min_items=1,
            items=obj(
                {"role": Spec("string", enum=("user", "assistant")), "content": _CONTENT},
                required=("role", "content"),
            ),
        ),
        "system": Spec("any", alternatives=(Spec("string"), Spec("array", items=_BLOCK))),
        "temperature": Spec("number", minimum=0, maximum=1),
        "top_p": Spec("number", minimum=0, maximum=1),
        "top_k": Spec("integer", minimum=0),
        "stop_sequences": Spec("array", items=Spec("string")),
        "tools": Spec("array", items=Spec("object", closed=False)),
        "tool_choice": Spec("object", closed=False),
        "metadata": Spec("object", closed=False),
        "thinking": Spec("object", closed=False),
    },
    required=("anthropic_version", "max_tokens", "messages"),
)


def content_text(content: Any) -> str:
    """The text of a Messages API ``content`` (a string or a list of blocks)."""
    if isinstance(content, str):
        return content
    return "\n".join(block.get("text", "") for block in content if block.get("type") == "text")


class BedrockAnthropicFormat:
    name = "bedrock-anthropic-messages"
    closing_chunks = 2

    def profile(self, entry: ModelEntry, /) -> ConverseProfile:
        limit = entry.max_output_tokens or DEFAULT_MAX_OUTPUT_TOKENS
        return ConverseProfile(limit, limit, frozenset({"top_k", "anthropic_beta", "thinking", "tool_choice"}))

    def call(self, body: bytes, entry: ModelEntry, model_id: str, /) -> ModelCall:
        payload = parse_body(body, REQUEST)
        limit = entry.max_output_tokens or DEFAULT_MAX_OUTPUT_TOKENS
        if payload["max_tokens"] > limit:
            raise bedrock_validation(
                f"max_tokens: {payload['max_tokens']} > {limit}, which is the maximum allowed number of output "
                f"tokens for {foundation_model_name(model_id)}"
            )
        messages = payload["messages"]
        _check_turns(messages)
        system = content_text(payload.get("system") or "")
        texts = [content_text(message["content"]) for message in messages]
        users = [text for message, text in zip(messages, texts, strict=True) if message["role"] == "user"]
        generation = generate(
            prompt_key="\n".join(
                [f"system: {system}"] + [f"{m['role']}: {t}" for m, t in zip(messages, texts, strict=True)]
            ),
            last_user=users[-1] if users else "",
            input_tokens=count_tokens(system) + sum(count_tokens(text) for text in texts),
            max_tokens=payload["max_tokens"],
            stop_sequences=payload.get("stop_sequences") or (),
        )
        return ModelCall(payload, generation, {"id": f"msg_bdrk_{secrets.token_hex(12)}"})

    def body(self, call: ModelCall, model_id: str, /) -> dict[str, Any]:
        generation = call.generation
        return {
            "id": call.extra["id"],
            "type": "message",
            "role": "assistant",
            "model": foundation_model_name(model_id),
            "content": [{"type": "text", "text": generation.text}],
            "stop_reason": _STOP_REASON[generation.finish],
            "stop_sequence": generation.stop_sequence,
            "usage": {"input_tokens": generation.input_tokens, "output_tokens": generation.output_tokens},
        }

    def chunks(self, call: ModelCall, model_id: str, /) -> list[dict[str, Any]]:
        generation: Generation = call.generation
        start = {
            "type": "message_start",
            "message": {
                "id": call.extra["id"],
                "type": "message",
                "role": "assistant",
                "model": foundation_model_name(model_id),
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": generation.input_tokens, "output_tokens": 1},
            },
        }
        return [
            start,
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
            *(
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": token}}
                for token in generation.tokens
            ),
            {"type": "content_block_stop", "index": 0},
            {
                "type": "message_delta",
                "delta": {"stop_reason": _STOP_REASON[generation.finish], "stop_sequence": generation.stop_sequence},
                "usage": {"output_tokens": generation.output_tokens},
            },
            {"type": "message_stop"},
        ]


def _check_turns(messages: list[dict[str, Any]]) -> None:
    if messages[0]["role"] != "user":
        raise bedrock_validation('messages: first message must use the "user" role')
    for previous, current in itertools.pairwise(messages):
        if previous["role"] == current["role"]:
            raise bedrock_validation(
                f'messages: roles must alternate between "user" and "assistant", but found multiple '
                f'"{current["role"]}" roles in a row'
            )
    for index, message in enumerate(messages):
        last_assistant = index == len(messages) - 1 and message["role"] == "assistant"
        if not message["content"] and not last_assistant:
            raise bedrock_validation(
                f"messages.{index}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
        if isinstance(message["content"], list):
            for block in message["content"]:
                if block.get("type") == "text" and not block.get("text"):
                    raise bedrock_validation("messages: text content blocks must be non-empty")
