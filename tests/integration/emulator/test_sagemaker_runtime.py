"""Real boto3 sagemaker-runtime clients against the emulator: every container format, buffered and streamed."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError
from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

from local.emulator.formats import jumpstart_llama2
from tests.support.emulator import Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def _invoke(sagemaker: Any, endpoint: str, body: Any, **kwargs: Any) -> dict[str, Any]:
    response = sagemaker.invoke_endpoint(
        EndpointName=endpoint, ContentType="application/json", Body=json.dumps(body), **kwargs
    )
    result: dict[str, Any] = {**response, "BodyBytes": response["Body"].read()}
    return result


def _stream_parts(sagemaker: Any, endpoint: str, body: Any, **kwargs: Any) -> list[bytes]:
    response = sagemaker.invoke_endpoint_with_response_stream(
        EndpointName=endpoint, ContentType="application/json", Body=json.dumps(body), **kwargs
    )
    assert response["InvokedProductionVariant"] == "AllTraffic"
    return [event["PayloadPart"]["Bytes"] for event in response["Body"]]


def _sse_payloads(parts: list[bytes]) -> list[str]:
    text = b"".join(parts).decode()
    return [frame.split(":", 1)[1].strip() for frame in text.split("\n\n") if frame.strip()]


# --- every format, buffered and streamed -----------------------------------------------------------


def test_tgi_buffered_and_streamed_give_the_same_text(sagemaker: SageMakerRuntimeClient) -> None:
    # Given the same TGI request sent buffered and streamed
    request = {"inputs": "<s>[INST] Name three rivers [/INST]", "parameters": {"max_new_tokens": 12, "details": True}}
    buffered = _invoke(sagemaker, "tgi-mistral-7b", request)
    parts = _stream_parts(sagemaker, "tgi-mistral-7b", {**request, "stream": True})

    # Then the buffered answer is TGI's list and the stream carries the same text token by token
    [answer] = json.loads(buffered["BodyBytes"])
    assert buffered["ContentType"] == "application/json"
    assert buffered["InvokedProductionVariant"] == "AllTraffic"
    assert answer["generated_text"].startswith("Echo: Name three rivers. ")
    assert answer["details"]["generated_tokens"] == 12
    events = [json.loads(payload) for payload in _sse_payloads(parts)]
    assert "".join(event["token"]["text"] for event in events) == answer["generated_text"]
    assert events[-1]["generated_text"] == answer["generated_text"]
    assert events[-1]["details"]["finish_reason"] == "length"


def test_djl_lmi_buffered_and_json_lines_split_across_parts(sagemaker: SageMakerRuntimeClient) -> None:
    # Given an LMI request, buffered and streamed
    request = {"inputs": "Explain streaming", "parameters": {"max_new_tokens": 9}}
    answer = json.loads(_invoke(sagemaker, "djl-lmi-llama3-8b", request)["BodyBytes"])
    parts = _stream_parts(sagemaker, "djl-lmi-llama3-8b", {**request, "stream": True})

    # Then at least one JSON line arrives split over two PayloadParts, and reassembled lines give the same text
    assert any(not part.endswith(b"\n") for part in parts)
    with pytest.raises(json.JSONDecodeError):
        [json.loads(line) for part in parts for line in part.splitlines()]
    lines = [json.loads(line) for line in b"".join(parts).splitlines()]
    assert "".join(line["token"]["text"] for line in lines) == answer["generated_text"]
    assert lines[-1]["generated_text"] == answer["generated_text"]


def test_djl_lmi_streams_when_asked_through_the_accept_header(sagemaker: SageMakerRuntimeClient) -> None:
    parts = _stream_parts(
        sagemaker,
        "djl-lmi-llama3-8b",
        {"inputs": "hi", "parameters": {"max_new_tokens": 2}},
        Accept="application/jsonlines",
    )
    assert len(b"".join(parts).splitlines()) == 2


def test_jumpstart_llama2_chat_with_eula_and_custom_attributes_echo(sagemaker: SageMakerRuntimeClient) -> None:
    dialog = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Tell me a joke"}]
    response = _invoke(
        sagemaker,
        "jumpstart-llama2-7b-chat",
        {"inputs": [dialog], "parameters": {"max_new_tokens": 5, "top_p": 0.9, "temperature": 0.6}},
        CustomAttributes="accept_eula=true",
    )
    assert response["CustomAttributes"] == "accept_eula=true"
    [answer] = json.loads(response["BodyBytes"])
    assert answer["generation"] == {"role": "assistant", "content": "Echo: Tell me a joke."}


def test_jumpstart_llama2_chat_stream_op_returns_the_buffered_answer_as_one_part(
    sagemaker: SageMakerRuntimeClient,
) -> None:
    dialog = [{"role": "user", "content": "Hi"}]
    parts = _stream_parts(
        sagemaker, "jumpstart-llama2-7b-chat", {"inputs": [dialog]}, CustomAttributes="accept_eula=true"
    )
    assert json.loads(b"".join(parts))[0]["generation"]["content"].startswith("Echo: Hi.")


def test_openai_chat_buffered_and_streamed(sagemaker: SageMakerRuntimeClient) -> None:
    request = {"messages": [{"role": "user", "content": "Hello vLLM"}], "max_tokens": 6, "temperature": 0.2}
    completion = json.loads(_invoke(sagemaker, "vllm-qwen2-7b", request)["BodyBytes"])
    parts = _stream_parts(
        sagemaker, "vllm-qwen2-7b", {**request, "stream": True, "stream_options": {"include_usage": True}}
    )
    payloads = _sse_payloads(parts)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(payload) for payload in payloads[:-1]]
    streamed = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks if chunk["choices"])
    assert streamed == completion["choices"][0]["message"]["content"]
    assert chunks[-1]["usage"] == completion["usage"]
    assert completion["usage"]["completion_tokens"] == 6


# --- wrong bodies get the container's own error ----------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "body", "kwargs", "status", "message_part"),
    [
        ("tgi-mistral-7b", {"prompt": "x"}, {}, 422, "missing field `inputs` at line 1 column 15"),
        ("tgi-mistral-7b", {"inputs": "x", "parameters": {"max_tokens": 1}}, {}, 422, "unknown field `max_tokens`"),
        ("djl-lmi-llama3-8b", {"prompt": "x"}, {}, 424, "Input payload must contain inputs key"),
        ("jumpstart-llama2-7b-chat", {"inputs": [[{"role": "user", "content": "x"}]]}, {}, 424, "accept_eula=true"),
        (
            "jumpstart-llama2-7b-chat",
            {"inputs": "not dialogs"},
            {"CustomAttributes": "accept_eula=true"},
            424,
            "'inputs' must be a list of dialogs",
        ),
        ("vllm-qwen2-7b", {"prompt": "x"}, {}, 400, "Field required"),
    ],
)
def test_wrong_body_gets_the_containers_error_as_model_error(
    sagemaker: SageMakerRuntimeClient,
    *,
    endpoint: str,
    body: Any,
    kwargs: dict[str, Any],
    status: int,
    message_part: str,
) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(sagemaker, endpoint, body, **kwargs)
    error = cast(dict[str, Any], raised.value.response)
    assert error["Error"]["Code"] == "ModelError"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert error["OriginalStatusCode"] == status
    assert message_part in error["OriginalMessage"]
    assert error["Error"]["Message"].startswith(f"Received client error ({status}) from primary with message")
    assert error["LogStreamArn"].endswith(f"/aws/sagemaker/Endpoints/{endpoint}")


def test_llama2_eula_error_is_the_real_message(sagemaker: SageMakerRuntimeClient) -> None:
    with pytest.raises(sagemaker.exceptions.ModelError) as raised:
        _invoke(sagemaker, "jumpstart-llama2-7b-chat", {"inputs": [[{"role": "user", "content": "x"}]]})
    error = cast(dict[str, Any], raised.value.response)
    assert json.loads(error["OriginalMessage"])["error"] == jumpstart_llama2.EULA_MESSAGE


def test_unknown_endpoint_is_a_validation_error(sagemaker: SageMakerRuntimeClient) -> None:
    with pytest.raises(ClientError) as raised:
        _invoke(sagemaker, "does-not-exist", {"inputs": "x"})
    assert raised.value.response["Error"] == {
        "Code": "ValidationError",
        "Message": "Endpoint does-not-exist of account 123456789012 not found.",
    }
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- request headers ------------------------------------------------------------------------------


def test_every_invoke_endpoint_header_reaches_the_emulator(sagemaker: SageMakerRuntimeClient, control: Control) -> None:
    # Given an InvokeEndpoint call that sets every optional header botocore knows
    response = _invoke(
        sagemaker,
        "tgi-mistral-7b",
        {"inputs": "headers"},
        Accept="application/json",
        CustomAttributes="trace=on",
        TargetModel="model.tar.gz",
        TargetVariant="AllTraffic",
        TargetContainerHostname="primary",
        InferenceId="inference-42",
        EnableExplanations="`false`",
        SessionId="NEW_SESSION",
    )

    # Then the answer carries the variant, the echoed custom attributes and a new session id
    assert response["InvokedProductionVariant"] == "AllTraffic"
    assert response["CustomAttributes"] == "trace=on"
    assert "Expires=" in response["NewSessionId"]

    # And the request log shows exactly the headers that were sent
    _, log = control("GET", "/_emulator/requests?target=tgi-mistral-7b")
    headers = log["requests"][-1]["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["x-amzn-sagemaker-custom-attributes"] == "trace=on"
    assert headers["x-amzn-sagemaker-target-model"] == "model.tar.gz"
    assert headers["x-amzn-sagemaker-target-variant"] == "AllTraffic"
    assert headers["x-amzn-sagemaker-target-container-hostname"] == "primary"
    assert headers["x-amzn-sagemaker-inference-id"] == "inference-42"
    assert headers["x-amzn-sagemaker-enable-explanations"] == "`false`"
    assert headers["x-amzn-sagemaker-session-id"] == "NEW_SESSION"


def test_inference_component_header_is_required_where_components_are_deployed(
    sagemaker: SageMakerRuntimeClient, control: Control
) -> None:
    # Given an endpoint with inference components
    status, _ = control(
        "POST",
        "/_emulator/registry",
        {"sagemaker": {"ic-endpoint": {"format": "tgi", "inference_components": ["ic-mistral"]}}},
    )
    assert status == 200

    # When it is called without, with a wrong and with the right component
    with pytest.raises(ClientError) as missing:
        _invoke(sagemaker, "ic-endpoint", {"inputs": "x"})
    with pytest.raises(ClientError) as wrong:
        _invoke(sagemaker, "ic-endpoint", {"inputs": "x"}, InferenceComponentName="ic-other")
    ok = _invoke(sagemaker, "ic-endpoint", {"inputs": "x"}, InferenceComponentName="ic-mistral")

    # Then only the right component answers
    assert missing.value.response["Error"]["Code"] == "ValidationError"
    assert "Inference Component Name header is required" in missing.value.response["Error"]["Message"]
    assert wrong.value.response["Error"]["Code"] == "ValidationError"
    assert json.loads(ok["BodyBytes"])[0]["generated_text"].startswith("Echo: x.")


def test_stream_accept_header_is_the_sagemaker_accept_header(
    sagemaker: SageMakerRuntimeClient, control: Control
) -> None:
    _stream_parts(sagemaker, "djl-lmi-llama3-8b", {"inputs": "x", "stream": True}, Accept="application/jsonlines")
    _, log = control("GET", "/_emulator/requests?operation=InvokeEndpointWithResponseStream")
    assert log["requests"][-1]["headers"]["x-amzn-sagemaker-accept"] == "application/jsonlines"
