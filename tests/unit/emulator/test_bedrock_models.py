"""Bedrock InvokeModel formats and Converse, driven through the app in memory."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from local.emulator.state import EmulatorState
from local.emulator.wire import HttpResponse
from tests.support.emulator import HAIKU, LLAMA, NOVA, TITAN, Call, ParseEvents, StreamBytes


def _path(model_id: str, operation: str) -> str:
    return f"/model/{quote(model_id, safe='')}/{operation}"


def _claude(**overrides: Any) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [{"role": "user", "content": "Hello Claude"}],
        **overrides,
    }


def _error(response: HttpResponse, status: int, code: str) -> str:
    assert response.status == status
    assert response.headers["x-amzn-ErrorType"].split(":")[0] == code
    return str(json.loads(response.body)["message"])


def _chunks(response: HttpResponse, parse_event_stream: ParseEvents, stream_bytes: StreamBytes) -> list[dict[str, Any]]:
    events = parse_event_stream(stream_bytes(response), "bedrock-runtime", "InvokeModelWithResponseStream", "body")
    return [json.loads(event["chunk"]["bytes"]) for event in events]


# --- Anthropic ------------------------------------------------------------------------------------


def test_claude_answers_a_messages_api_object(call: Call) -> None:
    response = call("POST", _path(HAIKU, "invoke"), _claude(max_tokens=3, system="Be brief"))
    message = json.loads(response.body)
    assert message["type"] == "message"
    assert message["model"] == "claude-3-haiku-20240307"
    assert message["content"] == [{"type": "text", "text": "Echo: Hello Claude."}]
    assert message["stop_reason"] == "max_tokens"
    assert message["usage"] == {"input_tokens": 4, "output_tokens": 3}
    assert response.headers["X-Amzn-Bedrock-Output-Token-Count"] == "3"


def test_claude_stop_sequence_is_reported(call: Call) -> None:
    message = json.loads(call("POST", _path(HAIKU, "invoke"), _claude(stop_sequences=["Claude"])).body)
    assert message["content"][0]["text"] == "Echo: Hello"
    assert message["stop_reason"] == "stop_sequence"
    assert message["stop_sequence"] == "Claude"


def test_claude_stream_chunks_follow_the_messages_api(
    call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes
) -> None:
    chunks = _chunks(
        call("POST", _path(HAIKU, "invoke-with-response-stream"), _claude(max_tokens=2)),
        parse_event_stream,
        stream_bytes,
    )
    assert [chunk["type"] for chunk in chunks] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta") == "Echo: Hello"
    assert chunks[5]["delta"]["stop_reason"] == "max_tokens"
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
            "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and "
            "try again.",
        ),
        (
            {
                "anthropic_version": "bedrock-2023-05-31",
                "prompt": "\n\nHuman: x\n\nAssistant:",
                "max_tokens_to_sample": 5,
            },
            "Malformed input request: #: required key [max_tokens] not found#: required key [messages] not found"
            "#: extraneous key [max_tokens_to_sample] is not permitted#: extraneous key [prompt] is not permitted, "
            "please reformat your input and try again.",
        ),
        (
            _claude(temperature=1.5),
            "Malformed input request: #/temperature: 1.5 is not less or equal to 1, please reformat your input and "
            "try again.",
        ),
        (
            _claude(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]),
            'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
        ),
        (
            _claude(max_tokens=5000),
            "max_tokens: 5000 > 4096, which is the maximum allowed number of output tokens for claude-3-haiku-20240307",
        ),
    ],
)
def test_claude_rejects_malformed_bodies_like_bedrock(call: Call, body: Any, message: str) -> None:
    assert _error(call("POST", _path(HAIKU, "invoke"), body), 400, "ValidationException") == message


# --- Titan ----------------------------------------------------------------------------------------


def test_titan_answers_results_with_token_counts(call: Call) -> None:
    body = {"inputText": "User: Hi titan\nBot:", "textGenerationConfig": {"maxTokenCount": 3}}
    answer = json.loads(call("POST", _path(TITAN, "invoke"), body).body)
    assert answer == {
        "inputTextTokenCount": 4,
        "results": [{"tokenCount": 3, "outputText": "Echo: Hi titan.", "completionReason": "LENGTH"}],
    }


def test_titan_stream_chunks_carry_counts_and_the_final_reason(
    call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes
) -> None:
    body = {"inputText": "Hi [[length:10]]", "textGenerationConfig": {"maxTokenCount": 100}}
    chunks = _chunks(call("POST", _path(TITAN, "invoke-with-response-stream"), body), parse_event_stream, stream_bytes)
    assert len(chunks) == 3
    assert chunks[0]["inputTextTokenCount"] == 2
    assert chunks[1]["inputTextTokenCount"] is None
    assert [chunk["completionReason"] for chunk in chunks] == [None, None, "FINISH"]
    assert chunks[-1]["totalOutputTextTokenCount"] == 10
    assert len("".join(chunk["outputText"] for chunk in chunks).split()) == 10


def test_titan_rejects_extraneous_keys(call: Call) -> None:
    message = _error(
        call("POST", _path(TITAN, "invoke"), {"inputText": "x", "maxTokens": 5}), 400, "ValidationException"
    )
    assert message == (
        "Malformed input request: #: extraneous key [maxTokens] is not permitted, please reformat your input and try "
        "again."
    )


# --- Llama ----------------------------------------------------------------------------------------


def test_llama_answers_generation_and_counts(call: Call) -> None:
    answer = json.loads(call("POST", _path(LLAMA, "invoke"), {"prompt": "Hi llama", "max_gen_len": 2}).body)
    assert answer == {
        "generation": "Echo: Hi",
        "prompt_token_count": 2,
        "generation_token_count": 2,
        "stop_reason": "length",
    }


def test_llama_stream_chunks(call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes) -> None:
    body = {"prompt": "Hi llama", "max_gen_len": 3}
    chunks = _chunks(call("POST", _path(LLAMA, "invoke-with-response-stream"), body), parse_event_stream, stream_bytes)
    assert [chunk["generation"] for chunk in chunks] == ["Echo:", " Hi", " llama."]
    assert [chunk["stop_reason"] for chunk in chunks] == [None, None, "length"]
    assert chunks[0]["prompt_token_count"] == 2


def test_llama_rejects_max_gen_len_above_its_limit(call: Call) -> None:
    message = _error(
        call("POST", _path(LLAMA, "invoke"), {"prompt": "x", "max_gen_len": 4096}), 400, "ValidationException"
    )
    assert "#/max_gen_len: 4096 is not less or equal to 2048" in message


# --- model ids ------------------------------------------------------------------------------------


def test_foundation_model_and_inference_profile_arns_resolve(call: Call, state: EmulatorState) -> None:
    for model_id in (
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
    ):
        assert call("POST", _path(model_id, "invoke"), _claude()).status == 200
    resolved = [entry["resolved_target"] for entry in state.log.query()["requests"]]
    assert resolved == [HAIKU, "us.anthropic.claude-3-5-haiku-20241022-v1:0"]


def test_unknown_model_id_and_unknown_arn(call: Call) -> None:
    assert _error(call("POST", _path("acme.model-v1", "invoke"), {}), 400, "ValidationException") == (
        "The provided model identifier is invalid."
    )
    arn = "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123def456"
    _error(call("POST", _path(arn, "invoke"), {}), 404, "ResourceNotFoundException")


def test_converse_only_model_rejects_invoke_model(call: Call) -> None:
    assert "Converse" in _error(call("POST", _path(NOVA, "invoke"), {"messages": []}), 400, "ValidationException")


# --- Converse -------------------------------------------------------------------------------------


def _converse(**overrides: Any) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": [{"text": "Hello converse"}]}], **overrides}


@pytest.mark.parametrize("model_id", [HAIKU, TITAN, LLAMA, NOVA])
def test_converse_works_for_every_format(call: Call, model_id: str) -> None:
    body = _converse(system=[{"text": "Be brief"}], inferenceConfig={"maxTokens": 3})
    answer = json.loads(call("POST", _path(model_id, "converse"), body).body)
    assert answer["output"]["message"] == {"role": "assistant", "content": [{"text": "Echo: Hello converse."}]}
    assert answer["stopReason"] == "max_tokens"
    assert answer["usage"] == {"inputTokens": 4, "outputTokens": 3, "totalTokens": 7}
    assert isinstance(answer["metrics"]["latencyMs"], int)


def test_converse_stream_events(call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes) -> None:
    response = call("POST", _path(NOVA, "converse-stream"), _converse(inferenceConfig={"stopSequences": ["converse"]}))
    events = parse_event_stream(stream_bytes(response), "bedrock-runtime", "ConverseStream", "stream")
    names = [next(iter(event)) for event in events]
    assert names == [
        "messageStart",
        "contentBlockDelta",
        "contentBlockDelta",
        "contentBlockStop",
        "messageStop",
        "metadata",
    ]
    assert "".join(event["contentBlockDelta"]["delta"]["text"] for event in events[1:3]) == "Echo: Hello"
    assert events[4]["messageStop"]["stopReason"] == "stop_sequence"
    assert events[5]["metadata"]["usage"]["outputTokens"] == 2


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"messages": [{"role": "assistant", "content": [{"text": "x"}]}]},
            "A conversation must start with a user message. Try again with a conversation that starts with a user "
            "message.",
        ),
        (
            {"messages": [{"role": "user", "content": [{"text": "a"}]}, {"role": "user", "content": [{"text": "b"}]}]},
            "A conversation must alternate between user and assistant roles. Make sure the conversation alternates "
            "between user and assistant roles and try again.",
        ),
        (
            {"messages": [{"role": "user", "content": [{"text": " "}]}]},
            "The text field in the ContentBlock object at messages.0.content.0 is blank. Add text to the text field, "
            "and try again.",
        ),
        (
            _converse(inferenceConfig={"temperature": 1.5}),
            "1 validation error detected: Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: "
            "Member must have value less than or equal to 1",
        ),
        (
            _converse(inferenceConfig={"maxTokens": 99999}),
            "The maximum tokens you requested exceeds the model limit of 4096. Try again with a maximum tokens value "
            "that is lower than 4096.",
        ),
        (
            _converse(additionalModelRequestFields={"top_k": 5, "foo": 1}),
            "Malformed input request: #: extraneous key [foo] is not permitted, please reformat your input and try "
            "again.",
        ),
    ],
)
def test_converse_validation_errors(call: Call, body: Any, message: str) -> None:
    assert _error(call("POST", _path(HAIKU, "converse"), body), 400, "ValidationException") == message


def test_guardrail_marker_intervenes_only_with_a_guardrail(call: Call) -> None:
    body = _converse(messages=[{"role": "user", "content": [{"text": "secret [[guardrail]]"}]}])
    plain = json.loads(call("POST", _path(NOVA, "converse"), body).body)
    guarded_body = {**body, "guardrailConfig": {"guardrailIdentifier": "gr1", "guardrailVersion": "1"}}
    guarded = json.loads(call("POST", _path(NOVA, "converse"), guarded_body).body)
    assert plain["stopReason"] == "end_turn"
    assert guarded["stopReason"] == "guardrail_intervened"
    assert guarded["output"]["message"]["content"] == [{"text": "Sorry, the model cannot answer this question."}]


# --- DeepSeek-R1, reasoning, prompt caching, latency and service tier ------------------------------

R1 = "us.deepseek.r1-v1:0"
R1_PROMPT = "<｜begin▁of▁sentence｜><｜User｜>What is the capital of France?<｜Assistant｜><think>\n"  # noqa: RUF001


def test_deepseek_r1_thinks_inline_then_answers(call: Call) -> None:
    # Given a prompt that ends inside the think block, as Bedrock's guide formats it
    answer = json.loads(call("POST", _path(R1, "invoke"), {"prompt": R1_PROMPT, "max_tokens": 200}).body)

    # Then the text is the reasoning, the closing tag, then the answer to the last user turn
    [choice] = answer["choices"]
    thought, _, rest = choice["text"].partition("\n</think>\n\n")
    assert thought == "The user wrote: What is the capital of France? I should echo it."
    assert rest.startswith("Echo: What is the capital of France?")
    assert choice["stop_reason"] == "stop"


def test_deepseek_r1_counts_reasoning_against_max_tokens(
    call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes
) -> None:
    # Given a one-token budget / When it is asked buffered and streamed
    body = {"prompt": R1_PROMPT, "max_tokens": 1}
    buffered = json.loads(call("POST", _path(R1, "invoke"), body).body)
    chunks = _chunks(call("POST", _path(R1, "invoke-with-response-stream"), body), parse_event_stream, stream_bytes)

    # Then the one token is reasoning, cut by length, and the stream's last chunk counts it
    assert buffered["choices"] == [{"text": "The", "stop_reason": "length"}]
    assert [c["choices"][0]["text"] for c in chunks] == ["The"]
    assert chunks[-1]["amazon-bedrock-invocationMetrics"]["outputTokenCount"] == 1


def test_deepseek_r1_rejects_unknown_keys(call: Call) -> None:
    message = _error(call("POST", _path(R1, "invoke"), {"prompt": "x", "max_gen_len": 5}), 400, "ValidationException")
    assert "extraneous key [max_gen_len]" in message


def test_converse_with_a_reasoning_model_answers_reasoning_then_text(
    call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes
) -> None:
    body = _converse(inferenceConfig={"maxTokens": 40})
    answer = json.loads(call("POST", _path(R1, "converse"), body).body)
    reasoning, text = answer["output"]["message"]["content"]
    assert reasoning["reasoningContent"]["reasoningText"]["text"] == "The user wrote: Hello converse I should echo it."
    assert reasoning["reasoningContent"]["reasoningText"]["signature"]
    assert text["text"].startswith("Echo: Hello converse.")
    assert answer["usage"]["outputTokens"] == 9 + len(text["text"].split())

    events = parse_event_stream(
        stream_bytes(call("POST", _path(R1, "converse-stream"), body)), "bedrock-runtime", "ConverseStream", "stream"
    )
    deltas = [e["contentBlockDelta"] for e in events if "contentBlockDelta" in e]
    thought = "".join(d["delta"]["reasoningContent"].get("text", "") for d in deltas if d["contentBlockIndex"] == 0)
    spoken = "".join(d["delta"]["text"] for d in deltas if d["contentBlockIndex"] == 1)
    assert thought == reasoning["reasoningContent"]["reasoningText"]["text"]
    assert spoken == text["text"]
    assert [e["contentBlockStop"]["contentBlockIndex"] for e in events if "contentBlockStop" in e] == [0, 1]


def test_claude_thinks_only_when_asked(call: Call) -> None:
    plain = json.loads(call("POST", _path(HAIKU, "converse"), _converse()).body)
    thinking = _converse(additionalModelRequestFields={"thinking": {"type": "enabled", "budget_tokens": 1024}})
    asked = json.loads(call("POST", _path(HAIKU, "converse"), thinking).body)
    assert [list(block) for block in plain["output"]["message"]["content"]] == [["text"]]
    assert [list(block) for block in asked["output"]["message"]["content"]] == [["reasoningContent"], ["text"]]


def test_a_cached_prefix_is_written_once_then_read(call: Call) -> None:
    # Given a system prompt followed by a cache point
    body = _converse(system=[{"text": "You are a very patient geography tutor"}, {"cachePoint": {"type": "default"}}])

    # When the same prefix is sent twice
    first = json.loads(call("POST", _path(HAIKU, "converse"), body).body)["usage"]
    second = json.loads(call("POST", _path(HAIKU, "converse"), body).body)["usage"]

    # Then the first call writes the 7 prefix tokens, the second reads them, and neither counts them as input
    assert (first["cacheWriteInputTokens"], first["cacheReadInputTokens"]) == (7, 0)
    assert (second["cacheWriteInputTokens"], second["cacheReadInputTokens"]) == (0, 7)
    assert first["inputTokens"] == second["inputTokens"] == 2
    assert first["totalTokens"] == second["totalTokens"]


def test_latency_and_service_tier_are_echoed(
    call: Call, parse_event_stream: ParseEvents, stream_bytes: StreamBytes
) -> None:
    body = _converse(performanceConfig={"latency": "optimized"}, serviceTier={"type": "flex"})
    answer = json.loads(call("POST", _path(HAIKU, "converse"), body).body)
    events = parse_event_stream(
        stream_bytes(call("POST", _path(HAIKU, "converse-stream"), body)), "bedrock-runtime", "ConverseStream", "stream"
    )
    assert (answer["performanceConfig"], answer["serviceTier"]) == ({"latency": "optimized"}, {"type": "flex"})
    metadata = events[-1]["metadata"]
    assert (metadata["performanceConfig"], metadata["serviceTier"]) == ({"latency": "optimized"}, {"type": "flex"})
