"""Hugging Face Text Generation Inference (TGI) as deployed on SageMaker (``/invocations``).

Request: ``{"inputs": str, "parameters": {...}, "stream": bool}``. The body is deserialized by axum +
serde (type errors: 422 text, syntax errors: 400 text, wrong content type: 415), then validated by
TGI (422 ``{"error": "Input validation error: ...", "error_type": "validation"}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from local.emulator.formats.base import ContainerReply, ContainerRequest, compact_json, token_id, token_logprob
from local.emulator.generator import FinishReason, Generation, count_tokens, generate, last_user_text
from local.emulator.schema_check import Spec, obj, serde_error, serde_syntax_error

DEFAULT_MAX_NEW_TOKENS: Final = 100
DEFAULT_MAX_TOTAL_TOKENS: Final = 4096
MAX_STOP_SEQUENCES: Final = 4
_FINISH = {FinishReason.END: "eos_token", FinishReason.LENGTH: "length", FinishReason.STOP_SEQUENCE: "stop_sequence"}


def _opt(kind: Any, serde_name: str, **extra: Any) -> Spec:
    return Spec(kind, nullable=True, serde_name=serde_name, **extra)


PARAMETERS: Final = obj(
    {
        "best_of": _opt("integer", "usize"),
        "temperature": _opt("number", "f32"),
        "repetition_penalty": _opt("number", "f32"),
        "frequency_penalty": _opt("number", "f32"),
        "top_k": _opt("integer", "i32"),
        "top_p": _opt("number", "f32"),
        "typical_p": _opt("number", "f32"),
        "do_sample": Spec("boolean", serde_name="a boolean"),
        "max_new_tokens": _opt("integer", "u32"),
        "return_full_text": _opt("boolean", "a boolean"),
        "stop": Spec("array", items=Spec("string"), serde_name="a sequence"),
        "truncate": _opt("integer", "usize"),
        "watermark": Spec("boolean", serde_name="a boolean"),
        "details": Spec("boolean", serde_name="a boolean"),
        "decoder_input_details": Spec("boolean", serde_name="a boolean"),
        "seed": _opt("integer", "u64"),
        "top_n_tokens": _opt("integer", "u32"),
        "grammar": Spec("any", nullable=True),
        "adapter_id": _opt("string", "a string"),
    },
    serde_name="struct GenerateParameters",
)
REQUEST: Final = obj(
    {"inputs": Spec("string"), "parameters": PARAMETERS, "stream": Spec("boolean", serde_name="a boolean")},
    required=("inputs",),
    closed=False,
    serde_name="struct CompatGenerateRequest",
)


class TgiFormat:
    name = "tgi"

    def invoke(self, request: ContainerRequest) -> ContainerReply:
        if not _is_json_content_type(request.content_type):
            return _text(415, "Expected request with `Content-Type: application/json`")
        text = request.body.decode("utf-8", "replace")
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as error:
            return _text(400, f"Failed to parse the request body as JSON: {serde_syntax_error(error)}")
        problem = serde_error(REQUEST, payload, text)
        if problem is not None:
            return _text(422, f"Failed to deserialize the JSON body into the target type: {problem}")
        parameters: dict[str, Any] = payload.get("parameters") or {}
        inputs: str = payload["inputs"]
        input_tokens = count_tokens(inputs)
        max_total = request.entry.max_total_tokens or DEFAULT_MAX_TOTAL_TOKENS
        invalid = _validate(inputs, parameters, input_tokens, max_total)
        if invalid is not None:
            return ContainerReply(
                422,
                "application/json",
                compact_json({"error": f"Input validation error: {invalid}", "error_type": "validation"}),
            )
        max_new_tokens = parameters.get("max_new_tokens")
        generation = generate(
            prompt_key=inputs,
            last_user=last_user_text(inputs),
            input_tokens=input_tokens,
            max_tokens=DEFAULT_MAX_NEW_TOKENS if max_new_tokens is None else max_new_tokens,
            stop_sequences=parameters.get("stop") or (),
        )
        generated_text = generation.text
        if parameters.get("return_full_text"):
            generated_text = inputs + generated_text
        if payload.get("stream"):
            return ContainerReply.streamed(
                "text/event-stream", _sse_events(generation, generated_text, parameters), jsonlines=False
            )
        answer: dict[str, Any] = {"generated_text": generated_text}
        if parameters.get("details"):
            answer["details"] = {
                "finish_reason": _FINISH[generation.finish],
                "generated_tokens": generation.output_tokens,
                "seed": parameters.get("seed"),
                "prefill": [],
                "tokens": [_token(token) for token in generation.tokens],
            }
        return ContainerReply(200, "application/json", compact_json([answer]))


_RULES: Final[tuple[tuple[str, Callable[[float], bool], str], ...]] = (
    ("temperature", lambda v: v <= 0, "`temperature` must be strictly positive"),
    ("repetition_penalty", lambda v: v <= 0, "`repetition_penalty` must be strictly positive"),
    ("frequency_penalty", lambda v: not -2.0 <= v <= 2.0, "`frequency_penalty` must be >= -2.0 and <= 2.0"),
    ("top_p", lambda v: not 0.0 < v < 1.0, "`top_p` must be > 0.0 and < 1.0"),
    ("typical_p", lambda v: not 0.0 < v < 1.0, "`typical_p` must be > 0.0 and < 1.0"),
    ("top_k", lambda v: v <= 0, "`top_k` must be strictly positive"),
    ("max_new_tokens", lambda v: v == 0, "`max_new_tokens` must be strictly positive"),
    ("best_of", lambda v: v != 1, "`best_of` != 1 is not allowed for this endpoint"),
)


def _validate(inputs: str, parameters: dict[str, Any], input_tokens: int, max_total: int) -> str | None:
    for name, is_bad, message in _RULES:
        value = parameters.get(name)
        if value is not None and is_bad(value):
            return message
    stops = parameters.get("stop") or []
    if len(stops) > MAX_STOP_SEQUENCES:
        return f"`stop` supports up to {MAX_STOP_SEQUENCES} stop sequences. Given: {len(stops)}"
    if not inputs:
        return "`inputs` cannot be empty"
    max_new_tokens = parameters.get("max_new_tokens") or DEFAULT_MAX_NEW_TOKENS
    if input_tokens + max_new_tokens > max_total:
        return (
            f"`inputs` tokens + `max_new_tokens` must be <= {max_total}. "
            f"Given: {input_tokens} `inputs` tokens and {max_new_tokens} `max_new_tokens`"
        )
    return None


def _is_json_content_type(content_type: str) -> bool:
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _text(status: int, message: str) -> ContainerReply:
    return ContainerReply(status, "text/plain; charset=utf-8", message.encode())


def _token(token: str, *, special: bool = False) -> dict[str, Any]:
    return {"id": token_id(token), "text": token, "logprob": token_logprob(token), "special": special}


def _sse_events(generation: Generation, generated_text: str, parameters: dict[str, Any]) -> list[bytes]:
    tokens = list(generation.tokens) or [""]
    events = []
    for index, token in enumerate(tokens):
        last = index == len(tokens) - 1
        event: dict[str, Any] = {
            "token": _token(token, special=not generation.tokens),
            "generated_text": generated_text if last else None,
            "details": None,
        }
        if last:
            event["details"] = {
                "finish_reason": _FINISH[generation.finish],
                "generated_tokens": generation.output_tokens,
                "seed": parameters.get("seed"),
            }
        events.append(b"data:" + compact_json(event) + b"\n\n")
    return events
