"""A ``ClientFactory`` that records every upstream call and answers with scripted model output.

DynamoDB clients are real boto3 clients (point them at moto: ``mock_aws`` or a moto server URL);
SageMaker / Bedrock runtime clients are fakes that record the call and answer like the real service;
the SageMaker and Bedrock APIs (discovery) are real clients answered by an in-memory emulator, which logs each call;
cross-account requests are recorded as an assumed role (no STS call is made). "Zero upstream calls"
means: ``factory.upstream_activity == 0`` (no client was even built, no call made).
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

import boto3
from botocore.exceptions import ClientError

from inference_engine.credentials import ClientFactory, Service
from inference_engine.schema import CrossAccount
from tests.fakes.emulator_clients import InMemoryEmulator

RUNTIME_SERVICES = frozenset({"sagemaker-runtime", "bedrock-runtime"})
CONTROL_PLANES = frozenset({"sagemaker", "bedrock"})  # discovery's reads, answered by an in-memory emulator
BASE_KEY = "AKIAFUNCTIONROLE0000"  # the function's own credentials, as the emulator logs them
ASSUMED_KEY = "ASIAASSUMEDROLE00000"  # credentials of an assumed cross-account role
INPUT_TOKENS = 11
OUTPUT_TOKENS = 7


@dataclass(frozen=True)
class ClientRequest:
    """A runtime client the engine asked the factory for (one per call; a role here means an AssumeRole)."""

    service: str
    region: str
    endpoint_url: str | None
    role_arn: str | None
    external_id: str | None
    caller: str | None


@dataclass(frozen=True)
class UpstreamCall:
    """One runtime API call: the client it went through, the operation and its exact parameters."""

    client: ClientRequest
    operation: str
    params: dict[str, Any]

    @property
    def body(self) -> Any:
        """The request body the model received, decoded from JSON (``None`` for Converse)."""
        raw = self.params.get("Body", self.params.get("body"))
        return json.loads(raw) if isinstance(raw, bytes | str) else None

    @property
    def target(self) -> str | None:
        """The endpoint name or Bedrock model id the call was addressed to."""
        value = self.params.get("EndpointName", self.params.get("modelId"))
        return str(value) if value is not None else None


@dataclass
class Script:
    """What the fake models answer. ``error`` is raised by the call; ``stream_error`` after the first delta."""

    deltas: Sequence[str] = ("Hello", " from the", " fake model.")
    reasoning: Sequence[str] = ()  # Converse reasoningContent, answered before the text
    error: Exception | None = None
    stream_error: Exception | None = None
    raw_body: bytes | None = None  # a SageMaker / InvokeModel body to answer with instead of the default
    first_delta_delay_s: float = 0.0  # the model "thinks" this long after the stream opened (keep-alives)

    @property
    def text(self) -> str:
        return "".join(self.deltas)


def client_error(code: str, status: int | None, message: str = "upstream says no", **extra: Any) -> ClientError:
    """A botocore ``ClientError`` as the runtime services raise it (``extra``: e.g. SageMaker's OriginalMessage)."""
    response: dict[str, Any] = {"Error": {"Code": code, "Message": message}, **extra}
    if status is not None:
        response["ResponseMetadata"] = {"HTTPStatusCode": status}
    return ClientError(cast(Any, response), "Operation")


@cache
def shared_session() -> boto3.Session:
    """One boto3 session for every test factory: building a session loads botocore's data, which is slow."""
    return boto3.Session(region_name="us-east-1")


class RecordingClientFactory(ClientFactory):
    """``emulated_runtimes``: runtime calls go to the in-memory emulator (real container formats) instead of the
    scripted fakes; the SageMaker and Bedrock APIs always do."""

    def __init__(
        self,
        *,
        dynamodb_endpoint_url: str | None = None,
        script: Script | None = None,
        emulator: InMemoryEmulator | None = None,
        emulated_runtimes: bool = False,
    ) -> None:
        super().__init__(
            session=shared_session(),
            endpoint_urls={"dynamodb": dynamodb_endpoint_url} if dynamodb_endpoint_url else None,
        )
        self.script = script or Script()
        self.emulator = emulator or InMemoryEmulator()
        self.emulated_runtimes = emulated_runtimes
        self.client_requests: list[ClientRequest] = []
        self.calls: list[UpstreamCall] = []
        self.closed_streams = 0  # upstream streams closed before their end (a caller that left)
        self._record_lock = threading.Lock()

    def client(self, service: Service, region: str, **options: Any) -> Any:
        """``ClientProvider.client``: its keyword options (``cross_account``, ``caller``, ``endpoint_url``...)."""
        if service == "dynamodb":
            return super().client(service, region)
        if service not in RUNTIME_SERVICES | CONTROL_PLANES:
            raise AssertionError(f"the API asked for an unexpected client: {service}")
        cross_account: CrossAccount | None = options.get("cross_account")
        request = ClientRequest(
            service=service,
            region=region,
            endpoint_url=options.get("endpoint_url"),
            role_arn=cross_account.role_arn if cross_account else None,
            external_id=cross_account.external_id if cross_account else None,
            caller=options.get("caller"),
        )
        with self._record_lock:
            self.client_requests.append(request)
        if service in CONTROL_PLANES or self.emulated_runtimes:
            key = ASSUMED_KEY if cross_account else BASE_KEY
            return self.emulator.client(service, region, access_key=key, config=self.settings.botocore_config())
        return FakeRuntimeClient(self, request)

    def record(self, call: UpstreamCall) -> None:
        with self._record_lock:
            self.calls.append(call)

    @property
    def upstream_activity(self) -> int:
        """Clients built plus calls made (scripted runtimes, the emulator): 0 proves the request never left the API."""
        return len(self.client_requests) + len(self.calls) + len(self.emulator.requests())

    @property
    def assumed_roles(self) -> list[str]:
        return [r.role_arn for r in self.client_requests if r.role_arn]


def _body(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


class FakeRuntimeClient:
    """Answers the SageMaker and Bedrock runtime operations the engine uses, like the real services do."""

    def __init__(self, factory: RecordingClientFactory, request: ClientRequest) -> None:
        self._factory = factory
        self._request = request

    @property
    def _script(self) -> Script:
        return self._factory.script

    def _call(self, operation: str, params: dict[str, Any]) -> None:
        self._factory.record(UpstreamCall(self._request, operation, params))
        if self._script.error is not None:
            raise self._script.error

    def _deltas(self) -> Iterator[str]:
        finished = False
        try:
            if self._script.first_delta_delay_s:
                time.sleep(self._script.first_delta_delay_s)
            for index, text in enumerate(self._script.deltas):
                if index == 1 and self._script.stream_error is not None:
                    raise self._script.stream_error
                yield text
            finished = True
        finally:
            if not finished:
                with self._factory._record_lock:
                    self._factory.closed_streams += 1

    # --- SageMaker runtime ---------------------------------------------------------------------

    def invoke_endpoint(self, **params: Any) -> dict[str, Any]:
        self._call("InvokeEndpoint", params)
        body = self._script.raw_body or json.dumps([{"generated_text": self._script.text}]).encode()
        return {"Body": _body(body), "ContentType": "application/json"}

    def invoke_endpoint_with_response_stream(self, **params: Any) -> dict[str, Any]:
        self._call("InvokeEndpointWithResponseStream", params)
        parts = (
            {"PayloadPart": {"Bytes": (json.dumps({"token": {"text": t}}) + "\n").encode()}} for t in self._deltas()
        )
        return {"Body": parts, "ContentType": "application/jsonlines"}

    # --- Bedrock runtime -----------------------------------------------------------------------

    def converse(self, **params: Any) -> dict[str, Any]:
        self._call("Converse", params)
        thought = "".join(self._script.reasoning)
        reasoning = [{"reasoningContent": {"reasoningText": {"text": thought}}}] if thought else []
        return {
            "ResponseMetadata": {"RequestId": "fake", "HTTPStatusCode": 200},
            "output": {"message": {"role": "assistant", "content": [*reasoning, {"text": self._script.text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": INPUT_TOKENS, "outputTokens": OUTPUT_TOKENS, "totalTokens": 18},
            "metrics": {"latencyMs": 5},
        }

    def converse_stream(self, **params: Any) -> dict[str, Any]:
        self._call("ConverseStream", params)

        def events() -> Iterator[dict[str, Any]]:
            yield {"messageStart": {"role": "assistant"}}
            for thought in self._script.reasoning:
                yield {"contentBlockDelta": {"delta": {"reasoningContent": {"text": thought}}, "contentBlockIndex": 0}}
            for text in self._deltas():
                yield {"contentBlockDelta": {"delta": {"text": text}, "contentBlockIndex": 0}}
            yield {"contentBlockStop": {"contentBlockIndex": 0}}
            yield {"messageStop": {"stopReason": "end_turn"}}
            yield {"metadata": {"usage": {"inputTokens": INPUT_TOKENS, "outputTokens": OUTPUT_TOKENS}}}

        return {"stream": events()}

    def invoke_model(self, **params: Any) -> dict[str, Any]:
        self._call("InvokeModel", params)
        body = (
            self._script.raw_body
            or json.dumps(
                {"inputTextTokenCount": INPUT_TOKENS, "results": [{"outputText": self._script.text, "tokenCount": 7}]}
            ).encode()
        )
        return {"body": _body(body), "contentType": "application/json"}

    def invoke_model_with_response_stream(self, **params: Any) -> dict[str, Any]:
        self._call("InvokeModelWithResponseStream", params)
        chunks = ({"chunk": {"bytes": json.dumps({"outputText": t}).encode()}} for t in self._deltas())
        return {"body": chunks, "contentType": "application/json"}


__all__ = [
    "ClientRequest",
    "FakeRuntimeClient",
    "RecordingClientFactory",
    "Script",
    "UpstreamCall",
    "client_error",
]
