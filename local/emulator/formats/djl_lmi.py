"""DJL Serving LMI (rolling batch, vLLM backend) as deployed on SageMaker.

Request: ``{"inputs": str, "parameters": {...}, "stream": bool}`` (or a ``text/plain`` body, which is
the input itself). Buffered answer ``{"generated_text": ...}``; with ``"stream": true`` (or an
``Accept`` of ``application/jsonlines``) JSON lines ``{"token": {...}}``, the last one also carrying
``generated_text`` and ``details``. Payload errors answer 424 ``{"error": ..., "code": 424}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from local.emulator.formats.base import ContainerReply, ContainerRequest, compact_json, token_id, token_logprob
from local.emulator.generator import FinishReason, Generation, count_tokens, generate, last_user_text

DEFAULT_MAX_NEW_TOKENS: Final = 30
_FINISH = {FinishReason.END: "eos_token", FinishReason.LENGTH: "length", FinishReason.STOP_SEQUENCE: "stop_sequence"}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_str_or_list(value: Any) -> bool:
    return isinstance(value, str) or _is_str_list(value)


def _is_int_list(value: Any) -> bool:
    return isinstance(value, list) and all(_is_int(item) for item in value)


_PARAMETER_TYPES: Final[dict[str, tuple[Callable[[Any], bool], str]]] = {
    "do_sample": (_is_bool, "bool"),
    "seed": (_is_int, "int"),
    "temperature": (_is_number, "float"),
    "repetition_penalty": (_is_number, "float"),
    "top_k": (_is_int, "int"),
    "top_p": (_is_number, "float"),
    "max_new_tokens": (_is_int, "int"),
    "details": (_is_bool, "bool"),
    "return_full_text": (_is_bool, "bool"),
    "stop_sequences": (_is_str_list, "list[str]"),
    "stop": (_is_str_or_list, "str | list[str]"),
    "decoder_input_details": (_is_bool, "bool"),
    "min_p": (_is_number, "float"),
    "presence_penalty": (_is_number, "float"),
    "frequency_penalty": (_is_number, "float"),
    "n": (_is_int, "int"),
    "best_of": (_is_int, "int"),
    "num_beams": (_is_int, "int"),
    "length_penalty": (_is_number, "float"),
    "early_stopping": (_is_bool, "bool"),
    "stop_token_ids": (_is_int_list, "list[int]"),
    "include_stop_str_in_output": (_is_bool, "bool"),
    "ignore_eos_token": (_is_bool, "bool"),
    "logprobs": (_is_int, "int"),
    "prompt_logprobs": (_is_int, "int"),
    "skip_special_tokens": (_is_bool, "bool"),
    "spaces_between_special_tokens": (_is_bool, "bool"),
    "typical_p": (_is_number, "float"),
    "truncate": (_is_int, "int"),
}


class DjlLmiFormat:
    name = "djl-lmi"

    def invoke(self, request: ContainerRequest) -> ContainerReply:
        mime = request.content_type.split(";", 1)[0].strip().lower()
        if mime == "text/plain":
            payload: Any = {"inputs": request.body.decode("utf-8", "replace")}
        elif mime in ("application/json", "application/jsonlines"):
            try:
                payload = json.loads(request.body)
            except ValueError as error:
                return _error(f"Failed to parse input payload as JSON: {error}")
        else:
            return _error(f"Unsupported content type: {request.content_type}")
        problem = _validate(payload)
        if problem is not None:
            return _error(problem)
        inputs: str = payload["inputs"]
        parameters: dict[str, Any] = payload.get("parameters") or {}
        stops = parameters.get("stop_sequences") or parameters.get("stop") or []
        generation = generate(
            prompt_key=inputs,
            last_user=last_user_text(inputs),
            input_tokens=count_tokens(inputs),
            max_tokens=parameters.get("max_new_tokens", DEFAULT_MAX_NEW_TOKENS),
            stop_sequences=[stops] if isinstance(stops, str) else stops,
        )
        generated_text = (inputs + generation.text) if parameters.get("return_full_text") else generation.text
        if payload.get("stream") or "jsonlines" in request.accept.lower():
            lines = _json_lines(generation, generated_text, inputs)
            return ContainerReply.streamed("application/jsonlines", lines, jsonlines=True)
        answer: dict[str, Any] = {"generated_text": generated_text}
        if parameters.get("details"):
            answer["details"] = {
                **_details(generation, inputs),
                "tokens": [_token(token) for token in generation.tokens],
            }
        return ContainerReply(200, "application/json", compact_json(answer))


def _validate(payload: Any) -> str | None:
    if not isinstance(payload, dict) or "inputs" not in payload:
        return "Input payload must contain inputs key"
    if not isinstance(payload["inputs"], str):
        return f"Invalid type for inputs: expected str, got {type(payload['inputs']).__name__}"
    if "stream" in payload and not isinstance(payload["stream"], bool):
        return f"Invalid type for stream: expected bool, got {type(payload['stream']).__name__}"
    parameters = payload.get("parameters")
    if parameters is None:
        return None
    if not isinstance(parameters, dict):
        return f"Invalid type for parameters: expected dict, got {type(parameters).__name__}"
    for name, value in parameters.items():
        known = _PARAMETER_TYPES.get(name)
        if known is None:
            return f"Unexpected keyword argument '{name}'"
        is_valid, expected = known
        if not is_valid(value):
            return f"Invalid type for parameter {name}: expected {expected}, got {type(value).__name__}"
    return _check_ranges(parameters)


def _check_ranges(parameters: dict[str, Any]) -> str | None:
    temperature = parameters.get("temperature")
    if temperature is not None and temperature < 0:
        return f"temperature must be non-negative, got {float(temperature)}."
    top_p = parameters.get("top_p")
    if top_p is not None and not 0 < top_p <= 1:
        return f"top_p must be in (0, 1], got {float(top_p)}."
    top_k = parameters.get("top_k")
    if top_k is not None and top_k < -1:
        return f"top_k must be -1 (disable), or at least 1, got {top_k}."
    max_new_tokens = parameters.get("max_new_tokens")
    if max_new_tokens is not None and max_new_tokens < 1:
        return f"max_tokens must be at least 1, got {max_new_tokens}."
    penalty = parameters.get("repetition_penalty")
    if penalty is not None and penalty <= 0:
        return f"repetition_penalty must be greater than zero, got {float(penalty)}."
    return None


def _error(message: str) -> ContainerReply:
    return ContainerReply(424, "application/json", compact_json({"error": message, "code": 424}))


def _token(token: str) -> dict[str, Any]:
    return {"id": token_id(token), "text": token, "log_prob": token_logprob(token)}


def _details(generation: Generation, inputs: str) -> dict[str, Any]:
    return {
        "finish_reason": _FINISH[generation.finish],
        "generated_tokens": generation.output_tokens,
        "inputs": inputs,
    }


def _json_lines(generation: Generation, generated_text: str, inputs: str) -> list[bytes]:
    tokens = generation.tokens or ("",)
    lines = []
    for index, token in enumerate(tokens):
        line: dict[str, Any] = {"token": _token(token)}
        if index == len(tokens) - 1:
            line["generated_text"] = generated_text
            line["details"] = _details(generation, inputs)
        lines.append(compact_json(line) + b"\n")
    return lines
