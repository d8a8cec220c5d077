"""Real boto3 bedrock-runtime clients against the emulator: InvokeModel formats, Converse, model ids."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
from mypy_boto3_bedrock_runtime.type_defs import MessageTypeDef

from local.emulator import EmulatorServer
from tests.support.emulator import HAIKU, HAIKU_35_PROFILE, LLAMA, NOVA, TITAN, Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


def _invoke(bedrock: Any, model_id: str, body: Any) -> dict[str, Any]:
    response = bedrock.invoke_model(modelId=model_id, body=json.dumps(body), contentType="application/json")
    answer: dict[str, Any] = json.loads(response["body"].read())
    return answer


def _stream_chunks(bedrock: Any, model_id: str, body: Any) -> list[dict[str, Any]]:
    response = bedrock.invoke_model_with_response_stream(modelId=model_id, body=json.dumps(body))
    assert response["contentType"] == "application/json"
    return [json.loads(event["chunk"]["bytes"]) for event in response["body"]]


def _claude(text: str, **extra: Any) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 40,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
        **extra,
    }


# --- InvokeModel formats, buffered and streamed ----------------------------------------------------


def test_anthropic_messages_buffered_and_streamed_agree(bedrock: BedrockRuntimeClient) -> None:
    body = _claude("Describe the sea", system="You are terse.", temperature=0.5, top_k=10)
    message = _invoke(bedrock, HAIKU, body)
    chunks = _stream_chunks(bedrock, HAIKU, body)

    assert message["role"] == "assistant"
    assert message["content"][0]["text"].startswith("Echo: Describe the sea.")
    assert message["stop_reason"] == "end_turn"
    streamed = "".join(chunk["delta"]["text"] for chunk in chunks if chunk["type"] == "content_block_delta")
    assert streamed == message["content"][0]["text"]
    assert chunks[0]["message"]["usage"]["input_tokens"] == message["usage"]["input_tokens"]
    assert chunks[-2]["usage"]["output_tokens"] == message["usage"]["output_tokens"]
    assert chunks[-1]["type"] == "message_stop"
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == message["usage"]["output_tokens"]


def test_titan_text_buffered_and_streamed_agree(bedrock: BedrockRuntimeClient) -> None:
    body = {"inputText": "User: Describe the sea\nBot:", "textGenerationConfig": {"maxTokenCount": 7, "topP": 0.9}}
    answer = _invoke(bedrock, TITAN, body)
    chunks = _stream_chunks(bedrock, TITAN, body)
    [result] = answer["results"]
    assert result["outputText"].startswith("Echo: Describe the sea.")
    assert result["completionReason"] == "LENGTH"
    assert result["tokenCount"] == 7
    assert "".join(chunk["outputText"] for chunk in chunks) == result["outputText"]
    assert chunks[-1]["completionReason"] == "LENGTH"
    assert chunks[-1]["totalOutputTextTokenCount"] == 7


def test_meta_llama_buffered_and_streamed_agree(bedrock: BedrockRuntimeClient) -> None:
    prompt = (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nDescribe the sea<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )
    body = {"prompt": prompt, "max_gen_len": 6, "temperature": 0.1}
    answer = _invoke(bedrock, LLAMA, body)
    chunks = _stream_chunks(bedrock, LLAMA, body)
    assert answer["generation"] == "Echo: Describe the sea. " + answer["generation"].split(". ", 1)[1]
    assert answer["generation_token_count"] == 6
    assert answer["stop_reason"] == "length"
    assert "".join(chunk["generation"] for chunk in chunks) == answer["generation"]
    assert chunks[-1]["stop_reason"] == "length"


@pytest.mark.parametrize(
    ("model_id", "body", "message"),
    [
        (
            HAIKU,
            {"prompt": "\n\nHuman: hi\n\nAssistant:", "max_tokens_to_sample": 10},
            "Malformed input request: #: required key [anthropic_version] not found#: required key [max_tokens] not "
            "found#: required key [messages] not found#: extraneous key [max_tokens_to_sample] is not permitted"
            "#: extraneous key [prompt] is not permitted, please reformat your input and try again.",
        ),
        (
            TITAN,
            {"inputText": "x", "textGenerationConfig": {"maxTokenCount": 10, "max_tokens": 3}},
            "Malformed input request: #/textGenerationConfig: extraneous key [max_tokens] is not permitted, please "
            "reformat your input and try again.",
        ),
        (
            LLAMA,
            {"prompt": "x", "max_tokens": 10},
            "Malformed input request: #: extraneous key [max_tokens] is not permitted, please reformat your input and "
            "try again.",
        ),
    ],
)
def test_wrong_body_gets_bedrocks_malformed_input_error(
    bedrock: BedrockRuntimeClient, model_id: str, body: Any, message: str
) -> None:
    with pytest.raises(bedrock.exceptions.ValidationException) as raised:
        _invoke(bedrock, model_id, body)
    assert raised.value.response["Error"]["Message"] == message
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# --- model ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "model_id",
    [
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/{HAIKU_35_PROFILE}",
        HAIKU_35_PROFILE,
    ],
)
def test_arns_and_inference_profiles_arrive_url_encoded_and_resolve(
    bedrock: BedrockRuntimeClient, control: Control, model_id: str
) -> None:
    message = _invoke(bedrock, model_id, _claude("arn test"))
    assert message["content"][0]["text"].startswith("Echo: arn test.")
    _, log = control("GET", "/_emulator/requests?operation=InvokeModel")
    assert log["requests"][-1]["target"] == model_id
    assert log["requests"][-1]["resolved_target"] in (HAIKU, HAIKU_35_PROFILE)


def test_unknown_model_id_is_invalid_and_unknown_arn_is_not_found(bedrock: BedrockRuntimeClient) -> None:
    with pytest.raises(ClientError) as invalid:
        _invoke(bedrock, "acme.unknown-model-v1:0", {})
    with pytest.raises(ClientError) as missing:
        _invoke(bedrock, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123", {})
    assert invalid.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "The provided model identifier is invalid.",
    }
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- Converse / ConverseStream ---------------------------------------------------------------------


CONVERSATION: list[MessageTypeDef] = [
    {"role": "user", "content": [{"text": "Hi there"}]},
    {"role": "assistant", "content": [{"text": "Hello!"}]},
    {"role": "user", "content": [{"text": "What is a river?"}]},
]


@pytest.mark.parametrize("model_id", [HAIKU, HAIKU_35_PROFILE, TITAN, LLAMA, NOVA, f"us.{NOVA}"])
def test_converse_and_converse_stream_agree_for_every_model(bedrock: BedrockRuntimeClient, model_id: str) -> None:
    kwargs: dict[str, Any] = {
        "modelId": model_id,
        "messages": CONVERSATION,
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 8, "temperature": 0.3, "topP": 0.9},
    }
    answer = bedrock.converse(**kwargs)
    events = list(bedrock.converse_stream(**kwargs)["stream"])

    text = answer["output"]["message"]["content"][0]["text"]
    assert text.startswith("Echo: What is a river?")
    assert answer["stopReason"] == "max_tokens"
    assert answer["usage"] == {"inputTokens": 9, "outputTokens": 8, "totalTokens": 17}
    assert answer["metrics"]["latencyMs"] >= 0
    assert next(iter(events[0])) == "messageStart"
    assert "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e) == text
    assert events[-2] == {"messageStop": {"stopReason": "max_tokens"}}
    assert events[-1]["metadata"]["usage"] == answer["usage"]


def test_converse_stop_sequences_and_additional_fields(bedrock: BedrockRuntimeClient) -> None:
    answer = bedrock.converse(
        modelId=HAIKU,
        messages=[{"role": "user", "content": [{"text": "one two three"}]}],
        inferenceConfig={"stopSequences": ["three"]},
        additionalModelRequestFields={"top_k": 50},
    )
    assert answer["output"]["message"]["content"] == [{"text": "Echo: one two"}]
    assert answer["stopReason"] == "stop_sequence"


def test_converse_rejects_a_conversation_that_does_not_alternate(bedrock: BedrockRuntimeClient) -> None:
    with pytest.raises(bedrock.exceptions.ValidationException) as raised:
        bedrock.converse(modelId=NOVA, messages=[CONVERSATION[0], CONVERSATION[2]])
    assert raised.value.response["Error"]["Message"].startswith(
        "A conversation must alternate between user and assistant roles."
    )


def test_converse_with_a_guardrail_can_intervene(bedrock: BedrockRuntimeClient) -> None:
    answer = bedrock.converse(
        modelId=NOVA,
        messages=[{"role": "user", "content": [{"text": "forbidden [[guardrail]]"}]}],
        guardrailConfig={"guardrailIdentifier": "gr-emulator", "guardrailVersion": "DRAFT"},
    )
    assert answer["stopReason"] == "guardrail_intervened"


def test_service_specific_endpoint_environment_variables_reach_the_emulator(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given clients configured only through AWS_ENDPOINT_URL_<SERVICE> (as `make dev` does)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", emulator.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", emulator.url)
    sagemaker = boto3.client(
        "sagemaker-runtime", region_name="us-east-1", aws_access_key_id="AKIAENV", aws_secret_access_key="secret"
    )
    bedrock = boto3.client(
        "bedrock-runtime", region_name="us-east-1", aws_access_key_id="AKIAENV", aws_secret_access_key="secret"
    )

    # When they are called without endpoint_url
    tgi = sagemaker.invoke_endpoint(
        EndpointName="tgi-mistral-7b", ContentType="application/json", Body=b'{"inputs": "env"}'
    )
    nova = bedrock.converse(modelId=NOVA, messages=[{"role": "user", "content": [{"text": "env"}]}])

    # Then both were answered by the emulator
    assert json.loads(tgi["Body"].read())[0]["generated_text"].startswith("Echo: env.")
    assert nova["output"]["message"]["content"][0]["text"].startswith("Echo: env.")
    assert emulator.state.log.query(target="tgi-mistral-7b")["total"] == 1
