"""What a SageMaker container and a Bedrock model format take and give back."""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from local.emulator.generator import Generation
from local.emulator.registry import EndpointEntry, ModelEntry


@dataclass(frozen=True)
class ContainerRequest:
    """What SageMaker forwards to the container behind an endpoint."""

    endpoint: str
    entry: EndpointEntry
    body: bytes
    content_type: str
    accept: str
    custom_attributes: str | None


@dataclass(frozen=True)
class ContainerReply:
    """The container's HTTP answer. ``events`` is set when it streamed (``body`` is then their join).

    ``closing`` counts the trailing events that end the stream properly (final details, ``[DONE]``):
    the ``truncated`` fault drops them.
    """

    status: int
    content_type: str
    body: bytes
    events: tuple[bytes, ...] | None = None
    closing: int = 1
    jsonlines: bool = False  # stream framing is JSON lines (not SSE)

    @staticmethod
    def streamed(content_type: str, events: Sequence[bytes], *, closing: int = 1, jsonlines: bool) -> ContainerReply:
        return ContainerReply(200, content_type, b"".join(events), tuple(events), closing, jsonlines)


class ContainerFormat(Protocol):
    """A model server inside a SageMaker endpoint (TGI, DJL LMI, ...)."""

    name: str

    def invoke(self, request: ContainerRequest) -> ContainerReply: ...


@dataclass(frozen=True)
class ModelCall:
    """A validated Bedrock InvokeModel body and the generation it produced."""

    request: Mapping[str, Any]
    generation: Generation
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConverseProfile:
    """How Converse maps onto a model: its default and maximum output tokens and extra request fields."""

    default_max_tokens: int
    max_output_tokens: int
    additional_fields: frozenset[str]
    always_reasons: bool = False  # answers with a reasoningContent block (DeepSeek-R1); else only when asked to think


class BedrockModelFormat(Protocol):
    """A Bedrock model family's native InvokeModel body and answer."""

    name: str
    closing_chunks: int  # trailing stream chunks that end the answer (dropped by the ``truncated`` fault)

    def profile(self, entry: ModelEntry, /) -> ConverseProfile: ...

    def call(self, body: bytes, entry: ModelEntry, model_id: str, /) -> ModelCall: ...

    def body(self, call: ModelCall, model_id: str, /) -> dict[str, Any]: ...

    def chunks(self, call: ModelCall, model_id: str, /) -> list[dict[str, Any]]: ...


def compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def token_id(token: str) -> int:
    """A stable fake vocabulary id for a token."""
    return 100 + zlib.crc32(token.encode()) % 32000


def token_logprob(token: str) -> float:
    return -round((zlib.crc32(token.encode()) % 2000) / 1000, 3)
