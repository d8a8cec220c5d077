"""``POST /invoke/stream`` through ``lambdas.streaming.stream_response``, as the streaming function runs it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness, RecordingMetrics, env_settings
from tests.fakes.clients import INPUT_TOKENS, OUTPUT_TOKENS, RecordingClientFactory, Script, client_error
from tests.fakes.inventory import DEFAULT_MODEL, ENDPOINT_MODEL, INVOKE_MODEL
from tests.unit.api.scenarios import PROMPT

REPORTED = {"input_estimated": False, "output_estimated": False}  # both counts came from the model

THROTTLED = client_error("ThrottlingException", 429, "Rate exceeded")
MID_STREAM = client_error("ModelStreamErrorException", None, "the model stopped")
STREAM_PATH = "/invoke/stream"


def stream_event(body: dict[str, object], *, admin: bool = True) -> dict[str, object]:
    return rest_event("POST", STREAM_PATH, claims=admin_claims() if admin else user_claims(), body=body)


@pytest.mark.parametrize(
    ("model_id", "operation"),
    [(DEFAULT_MODEL, "ConverseStream"), (ENDPOINT_MODEL, "InvokeEndpointWithResponseStream")],
)
def test_a_stream_sends_deltas_then_one_done_frame(api: ApiHarness, model_id: str, operation: str) -> None:
    # Given a plain user's streamed invoke
    event = stream_event({"model_id": model_id, "prompt": PROMPT}, admin=False)

    # When the stream is read to the end
    reply, _ = api.stream(event)

    # Then it is an SSE answer: the deltas in order, then one done frame with usage and ids
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert reply.headers["Cache-Control"] == "no-cache"
    frames = reply.frames
    assert [f.event for f in frames] == ["delta", "delta", "delta", "done"]
    assert "".join(f.data["text"] for f in frames[:-1]) == api.clients.script.text
    done = frames[-1].data
    assert done["model_id"] == model_id
    assert done["request_id"] == event["requestContext"]["requestId"]  # type: ignore[index]
    assert done["usage"]["output_tokens"] >= 1
    assert done["latency_ms"] >= 0
    assert [c.operation for c in api.clients.calls] == [operation]


def test_reasoning_travels_in_its_own_frames_and_field_never_in_the_answer(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model that reasons before it answers (Converse reasoningContent)
    clients = RecordingClientFactory(script=Script(reasoning=("Check", " the atlas.")))
    api = make_api(clients=clients)

    # When it is invoked streamed and buffered
    reply, _ = api.stream(stream_event({"prompt": PROMPT}, admin=False))
    buffered = api.call(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT}))

    # Then the stream sends reasoning frames first, then the answer's deltas, then done
    frames = reply.frames
    assert [f.event for f in frames] == ["reasoning", "reasoning", "delta", "delta", "delta", "done"]
    assert "".join(f.data["text"] for f in frames if f.event == "reasoning") == "Check the atlas."
    assert "".join(f.data["text"] for f in frames if f.event == "delta") == clients.script.text
    # And the buffered answer has the reasoning in its own field, the output untouched
    assert buffered.body["output"] == clients.script.text
    assert buffered.body["reasoning"] == "Check the atlas."


def test_a_converse_stream_reports_the_models_usage_and_stop_reason(api: ApiHarness) -> None:
    # When a Converse model streams
    reply, _ = api.stream(stream_event({"prompt": PROMPT}))

    # Then the done frame carries the usage the model reported
    done = reply.frames[-1].data
    assert done["usage"] == {
        "input_tokens": INPUT_TOKENS,
        "output_tokens": OUTPUT_TOKENS,
        "estimated": False,
        **REPORTED,
    }
    assert done["stop_reason"] == "end_turn"


def test_a_model_without_streaming_answers_in_one_delta(api: ApiHarness) -> None:
    # Given a model without stream settings (Bedrock InvokeModel here)
    # When it is streamed
    reply, _ = api.stream(stream_event({"model_id": INVOKE_MODEL, "prompt": PROMPT}))

    # Then the buffered answer arrives as one delta and a done frame
    assert [(f.event, f.data.get("text")) for f in reply.frames] == [
        ("delta", api.clients.script.text),
        ("done", None),
    ]
    assert [c.operation for c in api.clients.calls] == ["InvokeModel"]


def test_an_audited_stream_records_intent_before_the_first_byte_and_success_at_the_end(api: ApiHarness) -> None:
    # Given an admin's streamed invoke with an override
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.9}}})

    # When the stream is opened, and then read
    reply, body = api.stream(event, consume=False)
    before = [(r["outcome"], r["patch"]) for r in api.audit()]
    reply.chunks.extend(body)

    # Then the intent was stored before any byte, and the same record ends as a success
    assert before == [("allowed", {"model_kwargs": {"temperature": 0.9}})]
    assert [(r["outcome"], r["request_id"]) for r in api.audit()] == [
        ("success", event["requestContext"]["requestId"])  # type: ignore[index]
    ]
    assert reply.frames[-1].event == "done"
    assert api.clients.calls[0].params["inferenceConfig"]["temperature"] == 0.9


def test_an_error_before_the_first_byte_is_a_json_error_with_its_status(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model that throttles the stream's opening call
    metrics = RecordingMetrics()
    api = make_api(clients=RecordingClientFactory(script=Script(error=THROTTLED)), metrics=metrics)
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.2}}})

    # When the stream is opened
    reply, _ = api.stream(event)

    # Then the answer is a 429 JSON error (no SSE), audited as an error
    assert reply.status == 429
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body["error"] == "throttled"
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "throttled")]
    assert [m.outcome for m in metrics.recorded] == ["throttled"]


def test_an_error_after_the_first_byte_is_an_error_frame(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model whose stream fails after its first delta
    api = make_api(clients=RecordingClientFactory(script=Script(stream_error=MID_STREAM)))
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.2}}})

    # When the stream is read
    reply, _ = api.stream(event)

    # Then the status was already 200: the delta is followed by an error frame with the error body, no done frame
    assert reply.status == 200
    assert [f.event for f in reply.frames] == ["delta", "error"]
    error = reply.frames[-1].data
    assert error["error"] == "model_error"
    assert "the model stopped" in error["message"]
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "model_error")]


def test_an_unexpected_error_after_the_first_byte_is_an_internal_error_frame(
    make_api: Callable[..., ApiHarness],
) -> None:
    # Given a stream that breaks with an unmapped exception after its first delta
    api = make_api(clients=RecordingClientFactory(script=Script(stream_error=RuntimeError("secret detail"))))
    event = stream_event({"prompt": PROMPT})

    # When the stream is read
    reply, _ = api.stream(event)

    # Then the client gets an internal_error frame without the exception text
    assert [f.event for f in reply.frames] == ["delta", "error"]
    assert reply.frames[-1].data["error"] == "internal_error"
    assert "secret detail" not in reply.text


def test_an_unexpected_error_before_the_first_byte_is_a_500(make_api: Callable[..., ApiHarness]) -> None:
    # Given a runtime client failing with an unmapped exception when the stream opens
    api = make_api(clients=RecordingClientFactory(script=Script(error=RuntimeError("secret detail"))))
    event = stream_event({"prompt": PROMPT})

    # When the stream is opened
    reply, _ = api.stream(event)

    # Then the entry point still answers (it never raises): a 500 JSON error without the exception text
    assert reply.status == 500
    assert reply.body["error"] == "internal_error"
    assert "secret detail" not in reply.text


@pytest.mark.parametrize(
    ("raw_body", "path"),
    [("not json", "$"), ('{"prompt": "x", "stream": true, "extra": 1}', "extra"), ('{"stream": true}', "$")],
    ids=["not-json", "unknown-field", "no-conversation"],
)
def test_an_invalid_stream_request_is_a_400_before_any_call(api: ApiHarness, raw_body: str, path: str) -> None:
    # When an invalid body is streamed
    reply, _ = api.stream(rest_event("POST", STREAM_PATH, claims=user_claims(), raw_body=raw_body))

    # Then it is a 400 JSON error naming the path, and nothing was called
    assert reply.status == 400
    assert reply.body["error"] == "validation_error"
    if path != "$":
        assert [d["path"] for d in reply.body["details"]] == [path]
    assert api.clients.upstream_activity == 0


def test_a_stream_without_identity_is_a_401(api: ApiHarness) -> None:
    # When a request without claims is streamed
    reply, _ = api.stream(rest_event("POST", STREAM_PATH, claims=None, body={"prompt": PROMPT}))

    # Then it is a 401 and nothing was called or audited
    assert reply.status == 401
    assert reply.body["error"] == "unauthorized"
    assert api.audit() == []
    assert api.clients.upstream_activity == 0


def test_an_oversized_stream_request_is_a_413(api: ApiHarness) -> None:
    # Given a body above the configured limit (256 KiB by default)
    body = {"prompt": "x" * (300 * 1024), "stream": True}

    # When it is streamed
    reply, _ = api.stream(rest_event("POST", STREAM_PATH, claims=user_claims(), body=body))

    # Then it is a 413 before anything else
    assert reply.status == 413
    assert reply.body["error"] == "payload_too_large"
    assert api.clients.upstream_activity == 0


def test_a_stream_renders_the_request_once(api: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a count of the engine's request rendering (shared by the plan and the stream)
    from inference_engine import engine  # noqa: PLC0415
    from lambdas.logic import invocations  # noqa: PLC0415

    calls: list[bool] = []
    real_prepare = engine.prepare

    def counting_prepare(*args: object, **kwargs: object) -> object:
        calls.append(bool(kwargs.get("stream")))
        return real_prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "prepare", counting_prepare)
    monkeypatch.setattr(invocations, "prepare", counting_prepare)

    # When a SageMaker model is streamed (its prompt template renders in prepare)
    reply, _ = api.stream(stream_event({"model_id": ENDPOINT_MODEL, "prompt": PROMPT}))

    # Then the request was prepared once, for streaming, and that rendering is what went upstream
    assert reply.status == 200
    assert calls == [True]
    assert [c.operation for c in api.clients.calls] == ["InvokeEndpointWithResponseStream"]


def test_a_silent_model_gets_keepalive_comments_until_its_first_token(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model that thinks 0.35 s before its first token, and keep-alives every 0.1 s
    api = make_api(
        clients=RecordingClientFactory(script=Script(first_delta_delay_s=0.35)),
        env=env_settings(STREAM_KEEPALIVE_S="0.1"),
    )

    # When the stream is read
    reply, _ = api.stream(stream_event({"prompt": PROMPT}))

    # Then SSE comments came before the first delta (and none after it: the model was no longer silent)
    text = reply.text
    first_delta = text.index("event: delta")
    assert text[:first_delta].count(": keep-alive\n\n") >= 2
    assert ": keep-alive" not in text[first_delta:]
    # And the frames are intact
    assert [f.event for f in reply.frames] == ["delta", "delta", "delta", "done"]


def test_without_keepalives_the_frames_are_produced_on_the_callers_thread(make_api: Callable[..., ApiHarness]) -> None:
    api = make_api(env=env_settings(STREAM_KEEPALIVE_S="0"))
    reply, _ = api.stream(stream_event({"prompt": PROMPT}))
    assert reply.comments == []
    assert [f.event for f in reply.frames] == ["delta", "delta", "delta", "done"]


@pytest.mark.parametrize("read_first", [True, False], ids=["mid-stream", "before-the-first-frame"])
def test_a_caller_who_leaves_ends_the_audit_record_and_the_upstream_stream(api: ApiHarness, read_first: bool) -> None:
    # Given an admin's audited stream, opened
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.4}}})
    reply, body = api.stream(event, consume=False)
    assert reply.status == 200
    if read_first:
        assert next(body).startswith(b"event: delta")

    # When the caller goes away (the streaming function closes the body)
    body.close()

    # Then the audit record no longer says "allowed": it ends as client_disconnected
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "client_disconnected")]
    # And a stream that had started reading upstream was closed there, not left to the garbage collector
    assert api.clients.closed_streams == (1 if read_first else 0)


@pytest.mark.parametrize(
    "raw_body",
    [
        "not json",
        "[1, 2]",
        '{"prompt": ""}',
        '{"prompt": 5}',
        '{"prompt": "x", "extra": 1}',
        '{"model_id": "NOT A SLUG", "prompt": "x"}',
        '{"messages": []}',
        '{"messages": [{"role": "robot", "content": "x"}]}',
        '{"prompt": "x", "stream": "maybe"}',
        "{}",
    ],
)
def test_the_same_invalid_body_gets_the_same_answer_on_both_routes(api: ApiHarness, raw_body: str) -> None:
    # When the same body is sent buffered and streamed
    buffered = api.call(rest_event("POST", "/invoke", claims=user_claims(), raw_body=raw_body))
    streamed, _ = api.stream(rest_event("POST", STREAM_PATH, claims=user_claims(), raw_body=raw_body))

    # Then both are the same 400 with the same body, and nothing was called
    assert buffered.status == streamed.status == 400
    assert buffered.body == streamed.body
    assert buffered.body["error"] == "validation_error"
    assert api.clients.upstream_activity == 0


def test_a_refusal_is_the_same_on_both_routes(api: ApiHarness) -> None:
    # Given a plain user's override (rule 1)
    body = {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.9}}}

    # When it is sent buffered and streamed
    buffered = api.call(rest_event("POST", "/invoke", claims=user_claims(), body=body))
    streamed, _ = api.stream(rest_event("POST", STREAM_PATH, claims=user_claims(), body=body))

    # Then both are the same 403 naming the rule, both denials are audited, and nothing went upstream
    assert buffered.status == streamed.status == 403
    assert buffered.body == streamed.body
    assert buffered.body["rule"] == "admin_only"
    assert [(r["outcome"], r["rule"]) for r in api.audit()] == [("denied", "admin_only")] * 2
    assert api.clients.upstream_activity == 0


def test_the_buffered_route_ignores_stream_and_answers_json(api: ApiHarness) -> None:
    reply = api.call(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT, "stream": True}))
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.body["output"] == api.clients.script.text
    assert [c.operation for c in api.clients.calls] == ["Converse"]


def test_a_stream_carries_the_cors_headers_of_the_buffered_routes(api: ApiHarness) -> None:
    # Given a request from a browser page
    event = rest_event(
        "POST", STREAM_PATH, claims=user_claims(), body={"prompt": PROMPT}, headers={"Origin": "https://ui"}
    )

    # When it is streamed
    reply, _ = api.stream(event)

    # Then the resolver's CORS headers are on the streamed answer too
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    assert reply.headers["Content-Type"] == "text/event-stream; charset=utf-8"
