"""``POST /invoke`` with ``stream: true`` through ``lambdas.streaming.handle_stream`` (DESIGN §3, §8.3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness, RecordingMetrics
from tests.fakes.clients import INPUT_TOKENS, OUTPUT_TOKENS, RecordingClientFactory, Script, client_error
from tests.fakes.inventory import DEFAULT_MODEL, ENDPOINT_MODEL, INVOKE_MODEL
from tests.unit.api.scenarios import PROMPT

THROTTLED = client_error("ThrottlingException", 429, "Rate exceeded")
MID_STREAM = client_error("ModelStreamErrorException", None, "the model stopped")


def stream_event(body: dict[str, object], *, admin: bool = True) -> dict[str, object]:
    return rest_event(
        "POST", "/invoke", claims=admin_claims() if admin else user_claims(), body={**body, "stream": True}
    )


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
    assert done["usage"] == {"input_tokens": INPUT_TOKENS, "output_tokens": OUTPUT_TOKENS, "estimated": False}
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
    reply, _ = api.stream(rest_event("POST", "/invoke", claims=user_claims(), raw_body=raw_body))

    # Then it is a 400 JSON error naming the path, and nothing was called
    assert reply.status == 400
    assert reply.body["error"] == "validation_error"
    if path != "$":
        assert [d["path"] for d in reply.body["details"]] == [path]
    assert api.clients.upstream_activity == 0


def test_a_stream_without_identity_is_a_401(api: ApiHarness) -> None:
    # When a request without claims is streamed
    reply, _ = api.stream(rest_event("POST", "/invoke", claims=None, body={"prompt": PROMPT, "stream": True}))

    # Then it is a 401 and nothing was called or audited
    assert reply.status == 401
    assert reply.body["error"] == "unauthorized"
    assert api.audit() == []
    assert api.clients.upstream_activity == 0


def test_an_oversized_stream_request_is_a_413(api: ApiHarness) -> None:
    # Given a body above the configured limit (256 KiB by default)
    body = {"prompt": "x" * (300 * 1024), "stream": True}

    # When it is streamed
    reply, _ = api.stream(rest_event("POST", "/invoke", claims=user_claims(), body=body))

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
