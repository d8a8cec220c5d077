"""Test doubles for the engine's boundary: a runtime client that checks every call against the real AWS
API model, and a ``ClientFactory`` that hands it out and records who asked for what."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.validate import validate_parameters

from inference_engine.credentials import ClientFactory
from inference_engine.schema import BedrockProvider, CrossAccount, ModelConfig, SageMakerProvider
from tests.fixtures.loader import Recorded


def real_client(service: str) -> Any:
    """A real boto3 client (never used to send anything: Stubber or the fakes answer)."""
    make: Any = boto3.client
    return make(service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


class FakeRuntime:
    """Answers ``sagemaker-runtime`` / ``bedrock-runtime`` calls from a queue.

    Each call's parameters are validated against botocore's model of the operation (unknown or mistyped
    parameters fail the test exactly as boto3 would), then recorded in ``calls``.
    """

    def __init__(self, service: str) -> None:
        self._client = real_client(service)
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._replies: dict[str, list[Any]] = defaultdict(list)

    def reply(self, method: str, response: Any) -> FakeRuntime:
        """Queue the answer (a response dict, or an exception to raise) to the next ``method`` call."""
        self._replies[method].append(response)
        return self

    def __getattr__(self, method: str) -> Any:
        operation = self._client.meta.method_to_api_mapping.get(method)
        if operation is None:
            raise AttributeError(method)
        shape = self._client.meta.service_model.operation_model(operation).input_shape

        def call(**params: Any) -> Any:
            validate_parameters(params, shape)
            self.calls.append((method, params))
            if not self._replies[method]:
                raise AssertionError(f"unexpected call to {method}")
            answer = self._replies[method].pop(0)
            if isinstance(answer, BaseException):
                raise answer
            return answer

        return call


@dataclass(frozen=True)
class ClientRequest:
    service: str
    region: str
    cross_account: CrossAccount | None
    caller: str | None
    endpoint_url: str | None


class FakeClientFactory(ClientFactory):
    """Hands out one prepared client per service and records every request for a client."""

    def __init__(self, **clients: Any) -> None:
        super().__init__()
        self._fakes = {name.replace("_", "-"): client for name, client in clients.items()}
        self.requests: list[ClientRequest] = []

    def client(self, service: Any, region: str, **options: Any) -> Any:
        """``ClientProvider.client``, recorded with the options the engine passed."""
        request = ClientRequest(
            service, region, options.get("cross_account"), options.get("caller"), options.get("endpoint_url")
        )
        self.requests.append(request)
        return self.fake(service)

    def fake(self, service: str) -> Any:
        if service not in self._fakes:
            raise AssertionError(f"no client expected for {service}")
        return self._fakes[service]


def recorded_runtime(
    config: ModelConfig, recorded: Recorded, *, streamed: bool
) -> tuple[FakeClientFactory, FakeRuntime]:
    """A fake runtime that answers the recorded response (buffered or streamed) for ``config``'s provider and API."""
    provider = config.provider
    if isinstance(provider, SageMakerProvider):
        runtime = FakeRuntime("sagemaker-runtime")
        if streamed and config.supports_streaming:
            runtime.reply("invoke_endpoint_with_response_stream", {"Body": iter(recorded.sagemaker_events())})
        else:
            runtime.reply("invoke_endpoint", {"Body": recorded.streaming_body(), "ContentType": "application/json"})
        return FakeClientFactory(sagemaker_runtime=runtime), runtime
    assert isinstance(provider, BedrockProvider)
    runtime = FakeRuntime("bedrock-runtime")
    if provider.api == "converse":
        if streamed:
            runtime.reply("converse_stream", {"stream": iter(recorded.stream_events)})
        else:
            runtime.reply("converse", {**recorded.body, "ResponseMetadata": {"HTTPStatusCode": 200}})
    elif streamed:
        runtime.reply("invoke_model_with_response_stream", {"body": iter(recorded.bedrock_chunk_events())})
    else:
        runtime.reply("invoke_model", {"body": recorded.streaming_body(), "contentType": "application/json"})
    return FakeClientFactory(bedrock_runtime=runtime), runtime
