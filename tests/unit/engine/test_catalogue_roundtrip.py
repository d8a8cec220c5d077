"""Every catalogue adapter round-trips: render -> the request a real container/API expects -> a recorded response of
that format -> the extracted text and usage, buffered and streamed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inference_engine.catalogue import FORMATS, catalogue_json, load_catalogue
from inference_engine.engine import (
    InvokeResult,
    StreamDelta,
    StreamEnd,
    StreamReasoning,
    Usage,
    invoke,
    prepare,
    stream,
)
from inference_engine.messages import parse_conversation
from inference_engine.schema import parse_model_config
from tests.fixtures.loader import Recorded, load_recorded, recorded_formats
from tests.unit.engine.fakes import recorded_runtime

SYSTEM = "You are a concise geography assistant."
QUESTION = "What is the capital of France?"
LLAMA3_PROMPT = (
    f"<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n{SYSTEM}<|eot_id|>"
    f"<|start_header_id|>user<|end_header_id|>\n\n{QUESTION}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"
)

# The request each format's real container or API expects for the recorded conversation (buffered).
EXPECTED_REQUESTS: dict[str, dict[str, Any]] = {
    "tgi": {
        "params": {"EndpointName": "tgi-mistral-7b", "ContentType": "application/json", "Accept": "application/json"},
        "body": {
            "inputs": f"<s>[INST] {SYSTEM}\n\n{QUESTION} [/INST]",
            "parameters": {
                "max_new_tokens": 256,
                "temperature": 0.7,
                "top_p": 0.9,
                "do_sample": True,
                "stop": ["</s>"],
                "return_full_text": False,
                "details": True,
            },
        },
    },
    "djl-lmi": {
        "params": {
            "EndpointName": "djl-lmi-llama3-8b",
            "ContentType": "application/json",
            "Accept": "application/json",
        },
        "body": {
            "inputs": LLAMA3_PROMPT,
            "parameters": {
                "max_new_tokens": 256,
                "temperature": 0.6,
                "top_p": 0.9,
                "do_sample": True,
                "stop_sequences": ["<|eot_id|>"],
                "details": True,
            },
        },
    },
    "jumpstart-llama2-chat": {
        "params": {
            "EndpointName": "jumpstart-llama2-7b-chat",
            "ContentType": "application/json",
            "Accept": "application/json",
            "CustomAttributes": "accept_eula=true",
        },
        "body": {
            "inputs": [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]],
            "parameters": {"max_new_tokens": 256, "top_p": 0.9, "temperature": 0.6},
        },
    },
    "openai-chat": {
        "params": {"EndpointName": "vllm-qwen2-7b", "ContentType": "application/json", "Accept": "application/json"},
        "body": {
            "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}],
            "max_tokens": 512,
            "temperature": 0.7,
            "top_p": 0.8,
            "stop": [],
        },
    },
    "bedrock-converse": {
        "params": {
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "messages": [{"role": "user", "content": [{"text": QUESTION}]}],
            "system": [{"text": SYSTEM}],
            "inferenceConfig": {"maxTokens": 512, "temperature": 0.5, "topP": 0.9},
        },
        "body": None,
    },
    "bedrock-anthropic-messages": {
        "params": {
            "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
            "contentType": "application/json",
            "accept": "application/json",
        },
        "body": {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 512,
            "system": SYSTEM,
            "messages": [{"role": "user", "content": QUESTION}],
            "temperature": 0.5,
            "stop_sequences": [],
        },
    },
    "bedrock-titan-text": {
        "params": {
            "modelId": "amazon.titan-text-express-v1",
            "contentType": "application/json",
            "accept": "application/json",
        },
        "body": {
            "inputText": f"{SYSTEM}\n\nUser: {QUESTION}\nBot:",
            "textGenerationConfig": {"maxTokenCount": 512, "temperature": 0.7, "topP": 0.9, "stopSequences": []},
        },
    },
    "bedrock-meta-llama": {
        "params": {
            "modelId": "meta.llama3-8b-instruct-v1:0",
            "contentType": "application/json",
            "accept": "application/json",
        },
        "body": {"prompt": LLAMA3_PROMPT, "max_gen_len": 512, "temperature": 0.5, "top_p": 0.9},
    },
    "bedrock-deepseek-r1": {
        "params": {"modelId": "us.deepseek.r1-v1:0", "contentType": "application/json", "accept": "application/json"},
        "body": {
            "prompt": f"<｜begin▁of▁sentence｜>{SYSTEM}<｜User｜>{QUESTION}<｜Assistant｜><think>\n",  # noqa: RUF001
            "max_tokens": 2048,
            "temperature": 0.6,
            "top_p": 0.95,
            "stop": [],
        },
    },
}

# How each format streams: (operation, whether the body says "stream": true, the framing of its parts).
STREAMING: dict[str, tuple[str, bool, str | None]] = {
    "tgi": ("sagemaker-runtime:InvokeEndpointWithResponseStream", True, "sse"),
    "djl-lmi": ("sagemaker-runtime:InvokeEndpointWithResponseStream", True, "jsonlines"),
    "jumpstart-llama2-chat": ("sagemaker-runtime:InvokeEndpoint", False, None),  # no response streaming
    "openai-chat": ("sagemaker-runtime:InvokeEndpointWithResponseStream", True, "sse"),
    "bedrock-converse": ("bedrock-runtime:ConverseStream", False, None),
    "bedrock-anthropic-messages": ("bedrock-runtime:InvokeModelWithResponseStream", False, "bedrock-chunk"),
    "bedrock-titan-text": ("bedrock-runtime:InvokeModelWithResponseStream", False, "bedrock-chunk"),
    "bedrock-meta-llama": ("bedrock-runtime:InvokeModelWithResponseStream", False, "bedrock-chunk"),
    "bedrock-deepseek-r1": ("bedrock-runtime:InvokeModelWithResponseStream", False, "bedrock-chunk"),
}


def test_the_catalogue_covers_every_required_format_and_has_a_recording_for_each() -> None:
    assert set(FORMATS) == set(EXPECTED_REQUESTS) == set(recorded_formats())


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_catalogue_file_is_a_valid_config_named_after_its_format(fmt: str) -> None:
    config = parse_model_config(catalogue_json(fmt))

    assert config.id == fmt
    assert load_catalogue()[fmt] == config


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_adapter_declares_its_streaming_settings(fmt: str) -> None:
    config = load_catalogue()[fmt]
    _, _, framing = STREAMING[fmt]

    stream_settings = config.content_handler.stream
    assert (stream_settings.framing if stream_settings else None) == framing
    assert config.supports_streaming is (fmt != "jumpstart-llama2-chat")


def _conversation(recorded: Recorded) -> Any:
    return parse_conversation(recorded.conversation)


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_produces_the_request_the_format_expects(fmt: str) -> None:
    prepared = prepare(load_catalogue()[fmt], _conversation(load_recorded(fmt)))

    assert prepared.params == EXPECTED_REQUESTS[fmt]["params"]
    assert prepared.body == EXPECTED_REQUESTS[fmt]["body"]
    if prepared.body is not None:
        assert prepared.body_bytes is not None
        assert json.loads(prepared.body_bytes) == prepared.body


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_streamed_render_uses_the_streaming_operation(fmt: str) -> None:
    operation, stream_flag, _ = STREAMING[fmt]

    prepared = prepare(load_catalogue()[fmt], _conversation(load_recorded(fmt)), stream=True)

    assert prepared.operation == operation
    expected_body = EXPECTED_REQUESTS[fmt]["body"]
    assert prepared.body == ({**expected_body, "stream": True} if stream_flag else expected_body)


def _assert_usage(
    usage: Usage, expected: dict[str, int], estimated_input: int, output: str, reasoning: str | None = None
) -> None:
    from inference_engine.tokens import estimate_tokens  # noqa: PLC0415

    estimated_output = estimate_tokens(output) + estimate_tokens(reasoning or "")
    assert usage.input_tokens == expected.get("input_tokens", estimated_input)
    assert usage.output_tokens == expected.get("output_tokens", estimated_output)
    assert usage.estimated is (len(expected) < 2)
    assert (usage.input_estimated, usage.output_estimated) == (
        "input_tokens" not in expected,
        "output_tokens" not in expected,
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_buffered_round_trip_extracts_the_recorded_text_and_usage(fmt: str) -> None:
    config, recorded = load_catalogue()[fmt], load_recorded(fmt)
    factory, runtime = recorded_runtime(config, recorded, streamed=False)

    result: InvokeResult = invoke(config, _conversation(recorded), clients=factory, caller="alice")

    assert len(runtime.calls) == 1
    sent = runtime.calls[0][1]
    body = sent.get("Body", sent.get("body"))
    assert (json.loads(body) if body is not None else None) == EXPECTED_REQUESTS[fmt]["body"]
    assert result.output == recorded.expected["text"]
    assert result.reasoning == recorded.expected.get("reasoning")
    estimated_input = result.prepared.estimated_input_tokens
    _assert_usage(result.usage, recorded.expected["usage"], estimated_input, result.output, result.reasoning)
    assert result.stop_reason == recorded.expected.get("stop_reason")


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_round_trip_extracts_the_recorded_text_and_usage(fmt: str) -> None:
    config, recorded = load_catalogue()[fmt], load_recorded(fmt)
    factory, runtime = recorded_runtime(config, recorded, streamed=True)

    events = list(stream(config, _conversation(recorded), clients=factory, caller="alice"))

    assert (
        runtime.calls[0][0]
        == {
            "sagemaker-runtime:InvokeEndpointWithResponseStream": "invoke_endpoint_with_response_stream",
            "sagemaker-runtime:InvokeEndpoint": "invoke_endpoint",
            "bedrock-runtime:ConverseStream": "converse_stream",
            "bedrock-runtime:InvokeModelWithResponseStream": "invoke_model_with_response_stream",
        }[STREAMING[fmt][0]]
    )
    deltas = [e.text for e in events if isinstance(e, StreamDelta)]
    thoughts = [e.text for e in events if isinstance(e, StreamReasoning)]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert all(isinstance(e, StreamDelta | StreamReasoning) for e in events[:-1])
    assert "".join(deltas) == end.output == recorded.expected["stream_text"]
    assert ("".join(thoughts) or None) == end.reasoning == recorded.expected.get("reasoning")
    if recorded.stream_parts or recorded.stream_events:
        assert len(deltas) > 1  # really streamed, piece by piece
    estimate = prepare(config, _conversation(recorded), stream=True).estimated_input_tokens
    _assert_usage(end.usage, recorded.expected["stream_usage"], estimate, end.output, end.reasoning)
    # And the stream's stop reason is the model's own (the last record that says it), where the format has one
    assert end.stop_reason == recorded.expected.get("stream_stop_reason", recorded.expected.get("stop_reason"))
