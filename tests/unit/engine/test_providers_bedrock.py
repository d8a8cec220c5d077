"""Bedrock runtime: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from inference_engine.engine import StreamDelta, StreamEnd, invoke, prepare, stream
from inference_engine.errors import (
    CredentialsError,
    ModelError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.merge import apply_override
from inference_engine.messages import parse_conversation
from inference_engine.providers.base import CHECK_ACCESS, CHECK_NOT_FOUND, CHECK_REQUEST, CHECK_THROTTLED, CHECK_TIMEOUT
from inference_engine.schema import ModelConfig, parse_model_config
from tests.fixtures.loader import load_recorded
from tests.unit.engine.fakes import FakeClientFactory, FakeRuntime, real_client

REPORTED = {"input_estimated": False, "output_estimated": False}  # both counts came from the model

CONVERSATION = parse_conversation(
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"text": "Hello."}]},
            {"role": "user", "content": [{"text": "Capital of France?"}]},
        ]
    }
)


def converse_config(**extra: Any) -> ModelConfig:
    return parse_model_config(
        {
            "schema_version": 1,
            "id": "claude",
            "name": "Claude",
            "provider": {
                "type": "bedrock",
                "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
                "region": "us-west-2",
            },
            **extra,
        }
    )


def stubbed() -> tuple[Any, Stubber]:
    client = real_client("bedrock-runtime")
    return client, Stubber(client)


# --- Converse --------------------------------------------------------------------------------------


def test_converse_request_maps_kwargs_system_stops_and_guardrail() -> None:
    model = converse_config(
        model_kwargs={"max_new_tokens": 100, "temperature": 0.2, "top_p": 0.9, "top_k": 50, "stop": ["###"]},
        prompt={"stop_sequences": ["</s>", "###"]},
    )
    model = apply_override(model, {"provider": {"guardrail": {"identifier": "gr-abc", "version": "3"}}})

    prepared = prepare(model, CONVERSATION)

    assert prepared.operation == "bedrock-runtime:Converse"
    assert prepared.body is None
    assert prepared.body_bytes is None
    assert prepared.params == {
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello."}]},
            {"role": "user", "content": [{"text": "Capital of France?"}]},
        ],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.2, "topP": 0.9, "stopSequences": ["###", "</s>"]},
        "additionalModelRequestFields": {"top_k": 50},
        "guardrailConfig": {"guardrailIdentifier": "gr-abc", "guardrailVersion": "3"},
    }


def test_converse_through_a_real_client_returns_text_usage_and_stop_reason() -> None:
    recorded = load_recorded("bedrock-converse")
    model = converse_config(model_kwargs={"max_tokens": 64})
    client, stub = stubbed()
    stub.add_response("converse", recorded.body, prepare(model, CONVERSATION).params)

    with stub:
        result = invoke(model, CONVERSATION, clients=FakeClientFactory(bedrock_runtime=client))

    stub.assert_no_pending_responses()
    assert result.output == "The capital of France is Paris."
    assert result.usage.as_dict() == {"input_tokens": 22, "output_tokens": 9, "estimated": False, **REPORTED}
    assert result.stop_reason == "end_turn"
    assert result.raw_response["usage"]["totalTokens"] == 31


def test_converse_joins_text_blocks_and_skips_other_blocks() -> None:
    client, stub = stubbed()
    answer = {
        "output": {
            "message": {
                "role": "assistant",
                "content": [{"reasoningContent": {"reasoningText": {"text": "hmm"}}}, {"text": "Par"}, {"text": "is."}],
            }
        },
        "stopReason": "end_turn",
        "usage": {"inputTokens": 5, "outputTokens": 2, "totalTokens": 7},
        "metrics": {"latencyMs": 10},
    }
    stub.add_response("converse", answer, None)

    with stub:
        result = invoke(converse_config(), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=client))

    assert result.output == "Paris."


def test_converse_stream_yields_deltas_then_usage_and_stop_reason() -> None:
    recorded = load_recorded("bedrock-converse")
    runtime = FakeRuntime("bedrock-runtime").reply("converse_stream", {"stream": iter(recorded.stream_events)})

    events = list(stream(converse_config(), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=runtime)))

    assert [method for method, _ in runtime.calls] == ["converse_stream"]
    assert [e.text for e in events if isinstance(e, StreamDelta)] == ["The capital", " of France", " is Paris."]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.output == "The capital of France is Paris."
    assert end.stop_reason == "end_turn"
    assert end.usage.as_dict() == {"input_tokens": 22, "output_tokens": 9, "estimated": False, **REPORTED}


@pytest.mark.parametrize(
    ("code", "status", "error_type", "check"),
    [
        ("ThrottlingException", 429, UpstreamThrottledError, CHECK_THROTTLED),
        ("ServiceQuotaExceededException", 400, UpstreamThrottledError, CHECK_THROTTLED),
        ("ModelTimeoutException", 408, UpstreamTimeoutError, CHECK_TIMEOUT),
        ("AccessDeniedException", 403, CredentialsError, CHECK_ACCESS),
        ("ValidationException", 400, ModelError, CHECK_REQUEST),
        ("ModelErrorException", 424, ModelError, CHECK_REQUEST),
        ("ResourceNotFoundException", 404, ModelError, CHECK_NOT_FOUND),
    ],
)
def test_converse_errors_become_domain_errors_naming_the_model_and_what_to_check(
    code: str, status: int, error_type: type[Exception], check: str
) -> None:
    client, stub = stubbed()
    stub.add_client_error("converse", service_error_code=code, service_message="nope", http_status_code=status)

    with stub, pytest.raises(UpstreamError) as caught:
        invoke(converse_config(), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=client))

    assert type(caught.value) is error_type
    assert (
        caught.value.message
        == f"Bedrock model 'anthropic.claude-3-haiku-20240307-v1:0' in us-west-2: {code}: nope. {check}"
    )


# --- InvokeModel -----------------------------------------------------------------------------------

ANTHROPIC = {
    "schema_version": 1,
    "id": "claude-messages",
    "name": "Claude Messages",
    "provider": {
        "type": "bedrock",
        "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
        "region": "us-east-1",
        "api": "invoke_model",
        "guardrail": {"identifier": "gr-abc", "version": "DRAFT"},
    },
    "model_kwargs": {"max_tokens": 64},
    "content_handler": {
        "request_template": {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": "{{max_tokens}}",
            "system": "{{system}}",
            "messages": "{{block_messages}}",
        },
        "output_path": "content[?type=='text'].text",
        "stream": {"framing": "bedrock-chunk", "output_path": "delta.text"},
        "usage": {
            "input_tokens_path": "usage.input_tokens || message.usage.input_tokens",
            "output_tokens_path": "usage.output_tokens",
        },
    },
}


def test_invoke_model_sends_the_rendered_body_with_guardrail_parameters() -> None:
    model = parse_model_config(ANTHROPIC)
    recorded = load_recorded("bedrock-anthropic-messages")
    client, stub = stubbed()
    expected_body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "system": "Be brief.",
        "messages": [
            {"role": "user", "content": [{"text": "Hi"}]},
            {"role": "assistant", "content": [{"text": "Hello."}]},
            {"role": "user", "content": [{"text": "Capital of France?"}]},
        ],
    }
    stub.add_response(
        "invoke_model",
        {"body": recorded.streaming_body(), "contentType": "application/json"},
        {
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "contentType": "application/json",
            "accept": "application/json",
            "guardrailIdentifier": "gr-abc",
            "guardrailVersion": "DRAFT",
            "body": json.dumps(expected_body, separators=(",", ":")).encode(),
        },
    )

    with stub:
        result = invoke(model, CONVERSATION, clients=FakeClientFactory(bedrock_runtime=client))

    stub.assert_no_pending_responses()
    assert result.output == "The capital of France is Paris."
    assert result.usage.as_dict() == {"input_tokens": 22, "output_tokens": 10, "estimated": False, **REPORTED}


def test_invoke_model_with_response_stream_yields_chunk_deltas_and_usage() -> None:
    recorded = load_recorded("bedrock-anthropic-messages")
    runtime = FakeRuntime("bedrock-runtime").reply(
        "invoke_model_with_response_stream", {"body": iter(recorded.bedrock_chunk_events())}
    )

    events = list(
        stream(parse_model_config(ANTHROPIC), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=runtime))
    )

    ((method, params),) = runtime.calls
    assert method == "invoke_model_with_response_stream"
    assert params["guardrailVersion"] == "DRAFT"
    assert [e.text for e in events if isinstance(e, StreamDelta)] == ["The capital of", " France is", " Paris."]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.usage.as_dict() == {"input_tokens": 22, "output_tokens": 10, "estimated": False, **REPORTED}


@pytest.mark.parametrize(
    "event",
    [
        {"modelStreamErrorException": {"message": "overloaded", "originalStatusCode": 529}},
        {"throttlingException": {"message": "overloaded"}},
    ],
)
def test_an_error_event_in_the_chunk_stream_is_a_model_error(event: dict[str, Any]) -> None:
    recorded = load_recorded("bedrock-anthropic-messages")
    events = [*recorded.bedrock_chunk_events()[:3], event]
    runtime = FakeRuntime("bedrock-runtime").reply("invoke_model_with_response_stream", {"body": iter(events)})
    iterator = stream(parse_model_config(ANTHROPIC), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=runtime))

    with pytest.raises(ModelError) as caught:
        list(iterator)

    name = next(iter(event))
    assert (
        caught.value.message
        == f"Bedrock model 'anthropic.claude-3-haiku-20240307-v1:0' in us-east-1: stream failed: {name}: overloaded"
    )


def test_the_bedrock_endpoint_url_is_passed_to_the_client_factory() -> None:
    model = apply_override(
        converse_config(), {"provider": {"endpoint_url": "https://bedrock-runtime.us-west-2.amazonaws.com"}}
    )
    client, stub = stubbed()
    stub.add_response("converse", load_recorded("bedrock-converse").body, None)
    factory = FakeClientFactory(bedrock_runtime=client)

    with stub:
        invoke(model, CONVERSATION, clients=factory, caller="carol")

    assert [(r.service, r.region, r.endpoint_url, r.caller) for r in factory.requests] == [
        ("bedrock-runtime", "us-west-2", "https://bedrock-runtime.us-west-2.amazonaws.com", "carol")
    ]


def test_a_throttle_without_a_message_still_says_what_happened_and_what_to_do() -> None:
    # Given Bedrock throttling with an empty message (as it does under load)
    client, stub = stubbed()
    stub.add_client_error(
        "converse", service_error_code="ThrottlingException", service_message="", http_status_code=429
    )

    with stub, pytest.raises(UpstreamThrottledError) as caught:
        invoke(converse_config(), CONVERSATION, clients=FakeClientFactory(bedrock_runtime=client))

    # Then the message has no dangling colon, and it says to retry or raise the quota
    message = caught.value.message
    model = "Bedrock model 'anthropic.claude-3-haiku-20240307-v1:0' in us-west-2"
    assert message == f"{model}: ThrottlingException. {CHECK_THROTTLED}"
    assert "ThrottlingException:" not in message
    assert "retry" in message and "quota" in message
