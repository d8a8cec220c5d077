"""Shared parts of the Bedrock InvokeModel formats: body parsing and invocation metrics."""

from __future__ import annotations

import json
from typing import Any

from local.emulator.generator import FinishReason, Generation
from local.emulator.schema_check import Spec, everit_messages
from local.emulator.service_errors import bedrock_malformed


def parse_body(body: bytes, spec: Spec) -> dict[str, Any]:
    """The JSON body, checked against the model's schema; a ``ValidationException`` as Bedrock words it."""
    try:
        payload = json.loads(body)
    except ValueError as error:
        raise bedrock_malformed([f"#: invalid JSON: {error}"]) from None
    violations = everit_messages(spec, payload)
    if violations:
        raise bedrock_malformed(violations)
    return payload  # type: ignore[no-any-return]


def invocation_metrics(generation: Generation) -> dict[str, int]:
    """The ``amazon-bedrock-invocationMetrics`` object Bedrock appends to the last stream chunk."""
    return {
        "inputTokenCount": generation.input_tokens,
        "outputTokenCount": generation.output_tokens,
        "invocationLatency": 1 + generation.output_tokens // 10,
        "firstByteLatency": 1,
    }


def foundation_model_name(model_id: str) -> str:
    """``us.anthropic.claude-3-haiku-20240307-v1:0`` -> ``claude-3-haiku-20240307``."""
    name = model_id.rsplit("/", 1)[-1]
    parts = name.split(".")
    if len(parts) > 2:  # geographic inference-profile prefix
        parts = parts[1:]
    name = parts[-1]
    for suffix in ("-v1:0", "-v2:0", "-v1", "-v2"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def stop_or_length(finish: FinishReason) -> str:
    """``stop_reason`` of the open-weight families (Llama, DeepSeek): ``length`` at the token limit, else ``stop``."""
    return "length" if finish is FinishReason.LENGTH else "stop"
