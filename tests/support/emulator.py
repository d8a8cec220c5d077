"""What the emulator's tests share: the targets its registry serves and the shapes of the fixtures that drive it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.emulator.wire import HttpResponse

# SageMaker endpoints
TGI = "tgi-mistral-7b"
LMI = "djl-lmi-llama3-8b"
LLAMA2 = "jumpstart-llama2-7b-chat"
VLLM = "vllm-qwen2-7b"
# Bedrock model ids
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
HAIKU_35_PROFILE = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
TITAN = "amazon.titan-text-express-v1"
LLAMA = "meta.llama3-8b-instruct-v1:0"
NOVA = "amazon.nova-lite-v1:0"

Control = Callable[..., tuple[int, Any]]  # the emulator's control plane: (method, path, body) -> (status, body)
Call = Callable[..., HttpResponse]  # a request to the emulator's app, in memory
StreamBytes = Callable[[HttpResponse], bytes]
ParseEvents = Callable[..., list[dict[str, Any]]]


def invocations(endpoint: str, *, stream: bool = False) -> str:
    """The runtime path of an endpoint: InvokeEndpoint, or InvokeEndpointWithResponseStream."""
    return f"/endpoints/{endpoint}/invocations" + ("-response-stream" if stream else "")
