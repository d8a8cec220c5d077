"""SageMaker containers behind InvokeEndpoint(WithResponseStream), driven through the app in memory."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.emulator.formats import jumpstart_llama2
from local.emulator.sagemaker import split_lines
from local.emulator.wire import HttpResponse
from tests.support import emulator
from tests.support.emulator import Call, ParseEvents, StreamBytes, invocations

TGI, TGI_STREAM = invocations(emulator.TGI), invocations(emulator.TGI, stream=True)
LMI, LMI_STREAM = invocations(emulator.LMI), invocations(emulator.LMI, stream=True)
LLAMA2 = invocations(emulator.LLAMA2)
VLLM, VLLM_STREAM = invocations(emulator.VLLM), invocations(emulator.VLLM, stream=True)
EULA = {"X-Amzn-SageMaker-Custom-Attributes": "accept_eula=true"}


def _model_error(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 424
    assert response.headers["x-amzn-ErrorType"].startswith("ModelError:")
    body: dict[str, Any] = json.loads(response.body)
    return body


# --- TGI ------------------------------------------------------------------------------------------


def test_tgi_answers_a_list_with_generated_text_and_details(call: Call) -> None:
    response = call(
        "POST", TGI, {"inputs": "[INST] Hi there [/INST]", "parameters": {"max_new_tokens": 4, "details": True}}
    )
    assert response.status == 200
    assert response.headers["x-Amzn-Invoked-Production-Variant"] == "AllTraffic"
    [answer] = json.loads(response.body)
    assert answer["generated_text"].startswith("Echo: Hi there. ")
    assert len(answer["generated_text"].split()) == 4
    assert answer["details"]["finish_reason"] == "length"
    assert answer["details"]["generated_tokens"] == 4
    assert "".join(token["text"] for token in answer["details"]["tokens"]) == answer["generated_text"]


def test_tgi_stop_sequence_and_return_full_text(call: Call) -> None:
    response = call(
        "POST",
        TGI,
        {"inputs": "say alpha beta", "parameters": {"stop": ["beta"], "return_full_text": True, "details": True}},
    )
    [answer] = json.loads(response.body)
    assert answer["generated_text"] == "say alpha betaEcho: say alpha"
    assert answer["details"]["finish_reason"] == "stop_sequence"


def test_tgi_missing_inputs_is_a_422_from_the_container_wrapped_in_model_error(call: Call) -> None:
    body = _model_error(call("POST", TGI, {"prompt": "hi"}))
    assert body["OriginalStatusCode"] == 422
    assert body["OriginalMessage"] == (
        "Failed to deserialize the JSON body into the target type: missing field `inputs` at line 1 column 16"
    )
    assert body["Message"].startswith('Received client error (422) from primary with message "Failed to deserialize')
    assert body["LogStreamArn"] == (
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/Endpoints/tgi-mistral-7b"
    )


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"temperature": 0}, "Input validation error: `temperature` must be strictly positive"),
        ({"top_p": 1.0}, "Input validation error: `top_p` must be > 0.0 and < 1.0"),
        (
            {"stop": ["a", "b", "c", "d", "e"]},
            "Input validation error: `stop` supports up to 4 stop sequences. Given: 5",
        ),
        (
            {"max_new_tokens": 9000},
            "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 8192. "
            "Given: 1 `inputs` tokens and 9000 `max_new_tokens`",
        ),
    ],
)
def test_tgi_parameter_validation_errors(call: Call, parameters: dict[str, Any], message: str) -> None:
    body = _model_error(call("POST", TGI, {"inputs": "hi", "parameters": parameters}))
    assert json.loads(body["OriginalMessage"]) == {"error": message, "error_type": "validation"}


def test_tgi_rejects_a_non_json_content_type_with_415(call: Call) -> None:
    body = _model_error(call("POST", TGI, {"inputs": "hi"}, {"Content-Type": "text/plain"}))
    assert body["OriginalStatusCode"] == 415
    assert body["OriginalMessage"] == "Expected request with `Content-Type: application/json`"


def test_tgi_rejects_invalid_json_with_a_400_syntax_error(call: Call) -> None:
    body = _model_error(call("POST", TGI, b'{"inputs": '))
    assert body["OriginalStatusCode"] == 400
    assert body["OriginalMessage"].startswith("Failed to parse the request body as JSON: expected value at line 1")


def test_tgi_stream_sends_sse_token_events_then_the_full_text(
    call: Call, stream_bytes: StreamBytes, parse_event_stream: ParseEvents
) -> None:
    response = call("POST", TGI_STREAM, {"inputs": "stream me", "parameters": {"max_new_tokens": 3}, "stream": True})
    assert response.headers["X-Amzn-SageMaker-Content-Type"] == "text/event-stream"
    events = parse_event_stream(stream_bytes(response), "sagemaker-runtime", "InvokeEndpointWithResponseStream", "Body")
    lines = [event["PayloadPart"]["Bytes"] for event in events]
    assert all(line.startswith(b"data:{") and line.endswith(b"\n\n") for line in lines)
    payloads = [json.loads(line[5:]) for line in lines]
    assert [payload["token"]["text"] for payload in payloads] == ["Echo:", " stream", " me."]
    assert payloads[0]["generated_text"] is None
    assert payloads[-1]["generated_text"] == "Echo: stream me."
    assert payloads[-1]["details"] == {"finish_reason": "length", "generated_tokens": 3, "seed": None}


def test_tgi_stream_flag_on_invoke_endpoint_returns_the_whole_sse_body(call: Call) -> None:
    response = call("POST", TGI, {"inputs": "x", "parameters": {"max_new_tokens": 2}, "stream": True})
    assert response.headers["Content-Type"] == "text/event-stream"
    assert response.body.count(b"data:") == 2


# --- DJL LMI --------------------------------------------------------------------------------------


def test_lmi_answers_an_object_with_details(call: Call) -> None:
    response = call("POST", LMI, {"inputs": "Hello lmi", "parameters": {"max_new_tokens": 2, "details": True}})
    answer = json.loads(response.body)
    assert answer["generated_text"] == "Echo: Hello"
    assert answer["details"]["finish_reason"] == "length"
    assert answer["details"]["generated_tokens"] == 2
    assert answer["details"]["inputs"] == "Hello lmi"


def test_lmi_accepts_a_plain_text_body_as_the_input(call: Call) -> None:
    response = call("POST", LMI, b"plain text input", {"Content-Type": "text/plain"})
    assert json.loads(response.body)["generated_text"].startswith("Echo: plain text input.")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"prompt": "x"}, "Input payload must contain inputs key"),
        ({"inputs": 3}, "Invalid type for inputs: expected str, got int"),
        (
            {"inputs": "x", "parameters": {"max_new_tokens": "3"}},
            "Invalid type for parameter max_new_tokens: expected int, got str",
        ),
        ({"inputs": "x", "parameters": {"foo": 1}}, "Unexpected keyword argument 'foo'"),
        ({"inputs": "x", "parameters": {"top_p": 1.5}}, "top_p must be in (0, 1], got 1.5."),
    ],
)
def test_lmi_payload_errors_are_424_with_the_lmi_body(call: Call, body: Any, message: str) -> None:
    error = _model_error(call("POST", LMI, body))
    assert error["OriginalStatusCode"] == 424
    assert json.loads(error["OriginalMessage"]) == {"error": message, "code": 424}


def test_lmi_stream_lines_are_split_across_payload_parts(
    call: Call, stream_bytes: StreamBytes, parse_event_stream: ParseEvents
) -> None:
    # Given a jsonlines stream (split by default)
    response = call(
        "POST", LMI_STREAM, {"inputs": "split me please", "parameters": {"max_new_tokens": 6}, "stream": True}
    )
    events = parse_event_stream(stream_bytes(response), "sagemaker-runtime", "InvokeEndpointWithResponseStream", "Body")
    parts = [event["PayloadPart"]["Bytes"] for event in events]

    # Then some part does not end a line, yet the joined parts are exactly the JSON lines
    assert any(not part.endswith(b"\n") for part in parts)
    lines = [json.loads(line) for line in b"".join(parts).splitlines()]
    assert [line["token"]["text"] for line in lines[:4]] == ["Echo:", " split", " me", " please."]
    assert len(lines) == 6
    assert lines[-1]["generated_text"] == "".join(line["token"]["text"] for line in lines)
    assert lines[-1]["details"]["generated_tokens"] == 6


def test_split_lines_keeps_every_byte_in_order() -> None:
    events = [f'{{"n":{i}}}\n'.encode() for i in range(7)]
    parts = split_lines(events)
    assert b"".join(parts) == b"".join(events)
    assert len(parts) != len(events)
    assert split_lines([b"abcd"]) == [b"ab", b"cd"]


# --- JumpStart Llama 2 chat -----------------------------------------------------------------------


def test_llama2_chat_requires_accepting_the_eula(call: Call) -> None:
    error = _model_error(call("POST", LLAMA2, {"inputs": [[{"role": "user", "content": "hi"}]]}))
    assert error["OriginalStatusCode"] == 424
    assert json.loads(error["OriginalMessage"]) == {
        "code": 424,
        "message": "prediction failure",
        "error": jumpstart_llama2.EULA_MESSAGE,
    }


def test_llama2_chat_answers_one_generation_per_dialog_and_echoes_custom_attributes(call: Call) -> None:
    dialogs = [
        [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "First dialog"}],
        [{"role": "user", "content": "Second dialog"}],
    ]
    response = call("POST", LLAMA2, {"inputs": dialogs, "parameters": {"max_new_tokens": 3}}, EULA)
    assert response.headers["X-Amzn-SageMaker-Custom-Attributes"] == "accept_eula=true"
    assert json.loads(response.body) == [
        {"generation": {"role": "assistant", "content": "Echo: First dialog."}},
        {"generation": {"role": "assistant", "content": "Echo: Second dialog."}},
    ]


def test_llama2_chat_rejects_roles_out_of_order(call: Call) -> None:
    dialog = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    error = _model_error(call("POST", LLAMA2, {"inputs": [dialog]}, EULA))
    assert json.loads(error["OriginalMessage"])["error"] == jumpstart_llama2.ROLES_MESSAGE


# --- OpenAI-compatible chat -----------------------------------------------------------------------


def test_openai_chat_answers_a_chat_completion_with_usage(call: Call) -> None:
    body = {
        "messages": [{"role": "system", "content": "terse"}, {"role": "user", "content": "Hello vllm"}],
        "max_tokens": 3,
    }
    completion = json.loads(call("POST", VLLM, body).body)
    assert completion["object"] == "chat.completion"
    assert completion["model"] == "Qwen/Qwen2-7B-Instruct"
    assert completion["choices"][0]["message"] == {
        "role": "assistant",
        "content": "Echo: Hello vllm.",
        "tool_calls": [],
    }
    assert completion["choices"][0]["finish_reason"] == "length"
    assert completion["usage"] == {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6}


def test_openai_chat_stream_is_sse_chunks_then_done(
    call: Call, stream_bytes: StreamBytes, parse_event_stream: ParseEvents
) -> None:
    body = {"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2, "stream": True}
    events = parse_event_stream(
        stream_bytes(call("POST", VLLM_STREAM, body)), "sagemaker-runtime", "InvokeEndpointWithResponseStream", "Body"
    )
    text = b"".join(event["PayloadPart"]["Bytes"] for event in events).decode()
    frames = [frame.removeprefix("data: ") for frame in text.split("\n\n") if frame]
    assert frames[-1] == "[DONE]"
    chunks = [json.loads(frame) for frame in frames[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    assert "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks) == "Echo: Hi."
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


def test_openai_chat_validation_error_is_an_openai_error_object(call: Call) -> None:
    error = _model_error(call("POST", VLLM, {"prompt": "hi"}))
    assert error["OriginalStatusCode"] == 400
    body = json.loads(error["OriginalMessage"])["error"]
    assert body["type"] == "BadRequestError"
    assert body["code"] == 400
    assert "'loc': ('body', 'messages')" in body["message"]
    assert "Field required" in body["message"]


def test_openai_chat_unknown_model_is_404(call: Call) -> None:
    error = _model_error(call("POST", VLLM, {"model": "gpt-4", "messages": [{"role": "user", "content": "x"}]}))
    assert error["OriginalStatusCode"] == 404
    assert json.loads(error["OriginalMessage"])["error"]["message"] == "The model `gpt-4` does not exist."


# --- SageMaker service errors ---------------------------------------------------------------------


def test_unknown_endpoint_is_a_validation_error(call: Call) -> None:
    response = call("POST", "/endpoints/missing/invocations", {"inputs": "x"})
    assert response.status == 400
    assert response.headers["x-amzn-ErrorType"].startswith("ValidationError:")
    assert json.loads(response.body)["Message"] == "Endpoint missing of account 123456789012 not found."


def test_wrong_target_variant_is_a_validation_error(call: Call) -> None:
    response = call("POST", TGI, {"inputs": "x"}, {"X-Amzn-SageMaker-Target-Variant": "Blue"})
    assert response.status == 400
    assert "Blue" in json.loads(response.body)["Message"]


def test_new_session_request_gets_a_session_id(call: Call) -> None:
    response = call("POST", TGI, {"inputs": "x"}, {"X-Amzn-SageMaker-Session-Id": "NEW_SESSION"})
    assert response.status == 200
    assert "Expires=" in response.headers["X-Amzn-SageMaker-New-Session-Id"]
