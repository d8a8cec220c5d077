"""OpenAI-compatible chat completions (vLLM, or LMI's OpenAI schema) behind a SageMaker endpoint.

Request: ``{"messages": [...], "max_tokens", "temperature", "top_p", "stop", "stream", "model"?, ...}``.
Answer: a ``chat.completion``; streamed as SSE ``data: {chat.completion.chunk}`` then ``data: [DONE]``.
Errors: ``{"error": {"message", "type", "param", "code"}}`` (400 for a bad body, 404 for an unknown model).
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from local.emulator.formats.base import ContainerReply, ContainerRequest, compact_json
from local.emulator.generator import FinishReason, Generation, count_tokens, generate

DEFAULT_MAX_TOTAL_TOKENS: Final = 32768


class _TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["text"]
    text: str


class _ImagePart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: Literal["image_url"]
    image_url: dict[str, Any]


_ContentPart = Annotated[_TextPart | _ImagePart, Field(discriminator="type")]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[_ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(part.text for part in self.content if isinstance(part, _TextPart))


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    include_usage: bool | None = None
    continuous_usage_stats: bool | None = None


class ChatCompletionRequest(BaseModel):
    """vLLM's request model accepts (and ignores with a warning) unknown fields."""

    model_config = ConfigDict(extra="allow")
    messages: list[ChatMessage]
    model: str | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    n: int | None = 1
    stop: str | list[str] | None = None
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    logprobs: bool | None = False


class OpenAiChatFormat:
    name = "openai-chat"

    def invoke(self, request: ContainerRequest) -> ContainerReply:
        try:
            chat = ChatCompletionRequest.model_validate_json(request.body)
        except ValidationError as error:
            return _error(400, "BadRequestError", _fastapi_message(error))
        served_model = request.entry.model_name or request.endpoint
        if chat.model and request.entry.model_name and chat.model != request.entry.model_name:
            return _error(404, "NotFoundError", f"The model `{chat.model}` does not exist.")
        problem = _check_values(chat)
        if problem is not None:
            return _error(400, "BadRequestError", problem)
        input_tokens = sum(count_tokens(message.text()) for message in chat.messages)
        max_total = request.entry.max_total_tokens or DEFAULT_MAX_TOTAL_TOKENS
        requested = chat.max_completion_tokens or chat.max_tokens
        if requested is not None and input_tokens + requested > max_total:
            return _error(
                400,
                "BadRequestError",
                f"This model's maximum context length is {max_total} tokens. However, you requested "
                f"{input_tokens + requested} tokens ({input_tokens} in the messages, {requested} in the completion). "
                "Please reduce the length of the messages or completion.",
            )
        users = [message for message in chat.messages if message.role == "user"]
        generation = generate(
            prompt_key="\n".join(f"{message.role}: {message.text()}" for message in chat.messages),
            last_user=users[-1].text() if users else "",
            input_tokens=input_tokens,
            max_tokens=requested if requested is not None else max_total - input_tokens,
            stop_sequences=[chat.stop] if isinstance(chat.stop, str) else (chat.stop or []),
        )
        model = chat.model or served_model
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())
        if chat.stream:
            include_usage = bool(chat.stream_options and chat.stream_options.include_usage)
            events = _sse_chunks(generation, completion_id, created, model, include_usage=include_usage)
            closing = 3 if include_usage else 2
            return ContainerReply.streamed("text/event-stream", events, closing=closing, jsonlines=False)
        answer = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": generation.text, "tool_calls": []},
                    "logprobs": None,
                    "finish_reason": _finish(generation),
                    "stop_reason": generation.stop_sequence,
                }
            ],
            "usage": _usage(generation),
        }
        return ContainerReply(200, "application/json", compact_json(answer))


def _check_values(chat: ChatCompletionRequest) -> str | None:
    if not chat.messages:
        return "messages must contain at least one message."
    if chat.temperature is not None and chat.temperature < 0:
        return f"temperature must be non-negative, got {chat.temperature}."
    if chat.top_p is not None and not 0 < chat.top_p <= 1:
        return f"top_p must be in (0, 1], got {chat.top_p}."
    for name in ("max_tokens", "max_completion_tokens"):
        value = getattr(chat, name)
        if value is not None and value < 1:
            return f"max_tokens must be at least 1, got {value}."
    if chat.n not in (None, 1):
        return "n > 1 is not supported by this endpoint."
    return None


def _fastapi_message(error: ValidationError) -> str:
    """How vLLM words a request-validation error: FastAPI's error list with ``body`` in each ``loc``."""
    errors = [
        {"type": item["type"], "loc": ("body", *item["loc"]), "msg": item["msg"], "input": item.get("input")}
        for item in error.errors(include_url=False)
    ]
    plural = "s" if len(errors) != 1 else ""
    return f"{len(errors)} validation error{plural}:\n" + "\n".join(f"  {item!r}" for item in errors)


def _error(status: int, kind: str, message: str) -> ContainerReply:
    body = {"error": {"message": message, "type": kind, "param": None, "code": status}}
    return ContainerReply(status, "application/json", compact_json(body))


def _finish(generation: Generation) -> str:
    return "length" if generation.finish is FinishReason.LENGTH else "stop"


def _usage(generation: Generation) -> dict[str, int]:
    return {
        "prompt_tokens": generation.input_tokens,
        "total_tokens": generation.input_tokens + generation.output_tokens,
        "completion_tokens": generation.output_tokens,
    }


def _sse_chunks(
    generation: Generation, completion_id: str, created: int, model: str, *, include_usage: bool
) -> list[bytes]:
    def chunk(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
        body: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": choices,
        }
        if usage is not None:
            body["usage"] = usage
        return b"data: " + compact_json(body) + b"\n\n"

    def delta(content: dict[str, Any], finish: str | None = None) -> list[dict[str, Any]]:
        return [{"index": 0, "delta": content, "logprobs": None, "finish_reason": finish}]

    events = [chunk(delta({"role": "assistant", "content": ""}))]
    events.extend(chunk(delta({"content": token})) for token in generation.tokens)
    events.append(chunk(delta({}, _finish(generation))))
    if include_usage:
        events.append(chunk([], _usage(generation)))
    events.append(b"data: [DONE]\n\n")
    return events
