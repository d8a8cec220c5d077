"""Every fault kind surfaces through real boto3 clients as the real services' errors would."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError, EventStreamError, IncompleteReadError, ResponseStreamingError
from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
from mypy_boto3_bedrock_runtime.type_defs import MessageTypeDef
from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
from urllib3.exceptions import ProtocolError

from tests.support.emulator import HAIKU, LMI, NOVA, TGI, TITAN, Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

CLAUDE_BODY = {
    "anthropic_version": "bedrock-2023-05-31",
    "max_tokens": 30,
    "messages": [{"role": "user", "content": "fault test"}],
}
MESSAGES: list[MessageTypeDef] = [{"role": "user", "content": [{"text": "fault test"}]}]


def _operations(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient
) -> dict[str, tuple[str, Callable[[], Any]]]:
    """Each operation with the target it calls; the callable consumes the whole answer."""

    def sm_invoke() -> bytes:
        response = sagemaker.invoke_endpoint(
            EndpointName=TGI, ContentType="application/json", Body=b'{"inputs": "fault test"}'
        )
        return response["Body"].read()

    def sm_stream() -> list[bytes]:
        response = sagemaker.invoke_endpoint_with_response_stream(
            EndpointName=LMI, ContentType="application/json", Body=b'{"inputs": "fault test", "stream": true}'
        )
        return [event["PayloadPart"]["Bytes"] for event in response["Body"]]

    def br_invoke() -> bytes:
        return bedrock.invoke_model(modelId=TITAN, body=b'{"inputText": "fault test"}')["body"].read()

    def br_stream() -> list[bytes]:
        response = bedrock.invoke_model_with_response_stream(modelId=HAIKU, body=json.dumps(CLAUDE_BODY))
        return [event["chunk"]["bytes"] for event in response["body"]]

    def converse() -> Any:
        return bedrock.converse(modelId=NOVA, messages=MESSAGES)

    def converse_stream() -> list[Any]:
        return list(bedrock.converse_stream(modelId=NOVA, messages=MESSAGES)["stream"])

    return {
        "sm_invoke": (TGI, sm_invoke),
        "sm_stream": (LMI, sm_stream),
        "br_invoke": (TITAN, br_invoke),
        "br_stream": (HAIKU, br_stream),
        "converse": (NOVA, converse),
        "converse_stream": (NOVA, converse_stream),
    }


def _drain(stream: Any, received: list[Any]) -> None:
    for event in stream:
        received.append(event)


def _parse_lines(data: bytes) -> list[Any]:
    return [json.loads(line) for line in data.splitlines()]


REQUEST_FAULTS = [
    # kind, operation, error code, HTTP status
    ("throttle", "sm_invoke", "ThrottlingException", 400),
    ("throttle", "sm_stream", "ThrottlingException", 400),
    ("throttle", "br_invoke", "ThrottlingException", 429),
    ("throttle", "br_stream", "ThrottlingException", 429),
    ("throttle", "converse", "ThrottlingException", 429),
    ("throttle", "converse_stream", "ThrottlingException", 429),
    ("service_unavailable", "sm_invoke", "ServiceUnavailable", 503),
    ("service_unavailable", "sm_stream", "ServiceUnavailable", 503),
    ("service_unavailable", "br_invoke", "ServiceUnavailableException", 503),
    ("service_unavailable", "converse_stream", "ServiceUnavailableException", 503),
    ("access_denied", "sm_invoke", "AccessDeniedException", 400),
    ("access_denied", "br_invoke", "AccessDeniedException", 403),
    ("access_denied", "converse", "AccessDeniedException", 403),
    ("timeout", "sm_invoke", "ModelError", 424),
    ("timeout", "br_invoke", "ModelTimeoutException", 408),
    ("timeout", "converse", "ModelTimeoutException", 408),
    ("model_error", "sm_invoke", "ModelError", 424),
    ("model_error", "br_invoke", "ModelErrorException", 424),
    ("model_error", "converse", "ModelErrorException", 424),
    ("internal_failure", "sm_invoke", "InternalFailure", 500),
    ("internal_failure", "br_invoke", "InternalServerException", 500),
    ("internal_failure", "converse", "InternalServerException", 500),
]


@pytest.mark.parametrize(("kind", "operation", "code", "status"), REQUEST_FAULTS)
def test_request_faults_raise_the_services_client_error(
    sagemaker: SageMakerRuntimeClient,
    bedrock: BedrockRuntimeClient,
    control: Control,
    *,
    kind: str,
    operation: str,
    code: str,
    status: int,
) -> None:
    # Given a one-shot fault on the operation's target
    target, invoke = _operations(sagemaker, bedrock)[operation]
    assert control("POST", "/_emulator/faults", {"target": target, "kind": kind})[0] == 201

    # When the operation is called, it fails with the service's error code and status
    with pytest.raises(ClientError) as raised:
        invoke()
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status

    # And the fault was consumed: the next call succeeds
    assert invoke()


def test_model_error_keeps_the_containers_status_for_sagemaker(
    sagemaker: SageMakerRuntimeClient, control: Control
) -> None:
    control("POST", "/_emulator/faults", {"target": TGI, "kind": "model_error"})
    with pytest.raises(sagemaker.exceptions.ModelError) as raised:
        sagemaker.invoke_endpoint(EndpointName=TGI, ContentType="application/json", Body=b'{"inputs": "x"}')
    assert cast(dict[str, Any], raised.value.response)["OriginalStatusCode"] == 500
    assert raised.value.response["Error"]["Message"].startswith("Received server error (500) from primary")


STREAM_ERRORS = [
    ("model_error", "sm_stream", "ModelStreamError"),
    ("internal_failure", "sm_stream", "InternalStreamFailure"),
    ("model_error", "br_stream", "modelStreamErrorException"),
    ("internal_failure", "br_stream", "internalServerException"),
    ("model_error", "converse_stream", "modelStreamErrorException"),
    ("internal_failure", "converse_stream", "internalServerException"),
]


@pytest.mark.parametrize(("kind", "operation", "code"), STREAM_ERRORS)
def test_stream_faults_arrive_as_exception_events_after_some_data(
    sagemaker: SageMakerRuntimeClient,
    bedrock: BedrockRuntimeClient,
    control: Control,
    *,
    kind: str,
    operation: str,
    code: str,
) -> None:
    target, _ = _operations(sagemaker, bedrock)[operation]
    control("POST", "/_emulator/faults", {"target": target, "kind": kind})
    stream: Any
    if operation == "sm_stream":
        stream = sagemaker.invoke_endpoint_with_response_stream(
            EndpointName=LMI, ContentType="application/json", Body=b'{"inputs": "x", "stream": true}'
        )["Body"]
    elif operation == "br_stream":
        stream = bedrock.invoke_model_with_response_stream(modelId=HAIKU, body=json.dumps(CLAUDE_BODY))["body"]
    else:
        stream = bedrock.converse_stream(modelId=NOVA, messages=MESSAGES)["stream"]
    received: list[Any] = []
    with pytest.raises(EventStreamError) as raised:
        _drain(stream, received)
    assert received, "the error should come after the first events"
    assert raised.value.response["Error"]["Code"] == code


@pytest.mark.parametrize(
    ("operations", "broken"),
    [
        pytest.param(("sm_stream", "converse_stream"), (ProtocolError, ResponseStreamingError), id="mid-stream"),
        pytest.param(("sm_invoke", "br_invoke"), (IncompleteReadError, ResponseStreamingError), id="buffered-body"),
    ],
)
def test_stream_cut_drops_the_connection_before_the_answer_ends(
    sagemaker: SageMakerRuntimeClient,
    bedrock: BedrockRuntimeClient,
    control: Control,
    operations: tuple[str, ...],
    broken: tuple[type[Exception], ...],
) -> None:
    # Given the targets of these operations cut their connection part-way
    calls = _operations(sagemaker, bedrock)
    for name in operations:
        control("POST", "/_emulator/faults", {"target": calls[name][0], "kind": "stream_cut"})
    # Then reading each answer fails the way a dropped connection fails in botocore
    for name in operations:
        with pytest.raises(broken):
            calls[name][1]()


def test_truncated_answers_lose_their_end(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient, control: Control
) -> None:
    for target in (TGI, LMI, HAIKU, NOVA):
        control("POST", "/_emulator/faults", {"target": target, "kind": "truncated"})
    operations = _operations(sagemaker, bedrock)

    with pytest.raises(json.JSONDecodeError):
        json.loads(operations["sm_invoke"][1]())
    lines = b"".join(operations["sm_stream"][1]()).splitlines()
    assert lines and all("generated_text" not in json.loads(line) for line in lines)
    chunk_types = [json.loads(chunk)["type"] for chunk in operations["br_stream"][1]()]
    assert "content_block_delta" in chunk_types
    assert "message_stop" not in chunk_types
    events = operations["converse_stream"][1]()
    assert not any("messageStop" in event or "metadata" in event for event in events)


def test_malformed_answers_cannot_be_parsed(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient, control: Control
) -> None:
    for target in (TGI, LMI, TITAN, NOVA):
        control("POST", "/_emulator/faults", {"target": target, "kind": "malformed"})
    operations = _operations(sagemaker, bedrock)

    with pytest.raises(json.JSONDecodeError):
        json.loads(operations["sm_invoke"][1]())
    with pytest.raises(json.JSONDecodeError):
        _parse_lines(b"".join(operations["sm_stream"][1]()))
    with pytest.raises(json.JSONDecodeError):
        json.loads(operations["br_invoke"][1]())
    converse = operations["converse"][1]()
    assert converse["stopReason"] == "malformed_model_output"
    assert converse["output"]["message"]["content"] == []


def test_latency_delays_the_answer_without_changing_it(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient, control: Control
) -> None:
    operations = _operations(sagemaker, bedrock)
    baseline = operations["converse"][1]()
    control("POST", "/_emulator/faults", {"target": NOVA, "kind": "latency", "latency_ms": 300})
    started = time.perf_counter()
    delayed = operations["converse"][1]()
    assert time.perf_counter() - started >= 0.3
    assert delayed["output"] == baseline["output"]
    assert delayed["metrics"]["latencyMs"] >= 300


def test_fault_targets_one_name_and_counts_down(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient, control: Control
) -> None:
    control("POST", "/_emulator/faults", {"target": TGI, "kind": "throttle", "count": 2})
    operations = _operations(sagemaker, bedrock)
    assert operations["br_invoke"][1]()  # another target is not affected
    for _ in range(2):
        with pytest.raises(ClientError):
            operations["sm_invoke"][1]()
    assert operations["sm_invoke"][1]()
    assert control("GET", "/_emulator/faults")[1] == {"faults": []}


def test_fault_marker_in_the_prompt_triggers_the_fault(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient
) -> None:
    with pytest.raises(sagemaker.exceptions.ModelError):
        sagemaker.invoke_endpoint(
            EndpointName=TGI, ContentType="application/json", Body=b'{"inputs": "hi [[fault:model_error]]"}'
        )
    with pytest.raises(bedrock.exceptions.ThrottlingException):
        bedrock.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "[[fault:throttle]] hi"}]}])
    started = time.perf_counter()
    bedrock.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "slow [[fault:latency:200]]"}]}])
    assert time.perf_counter() - started >= 0.2


def test_rate_limit_throttles_beyond_the_configured_rate(
    sagemaker: SageMakerRuntimeClient, bedrock: BedrockRuntimeClient, control: Control
) -> None:
    # Given a Bedrock model limited to 1 request/second
    control("POST", "/_emulator/registry", {"bedrock": {TITAN: {"format": "bedrock-titan-text", "rate_limit": 1}}})
    invoke = _operations(sagemaker, bedrock)["br_invoke"][1]

    # When it is called twice at once, the second is throttled like the real service
    invoke()
    with pytest.raises(bedrock.exceptions.ThrottlingException):
        invoke()

    # And after the bucket refills the model answers again
    time.sleep(1.05)
    assert json.loads(invoke())["results"]


def test_truncated_converse_is_a_success_without_output_in_botocore(
    bedrock: BedrockRuntimeClient, control: Control
) -> None:
    # Given a truncated buffered Converse answer (botocore neither checks Content-Length nor retries here)
    control("POST", "/_emulator/faults", {"target": NOVA, "kind": "truncated"})

    # When it is called, no exception is raised but the answer has no output: callers must check
    answer = bedrock.converse(modelId=NOVA, messages=MESSAGES)
    assert "output" not in answer
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
