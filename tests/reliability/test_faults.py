"""Fault injection through the model emulator, over the whole path (HTTP -> API -> engine -> emulator).

``tests/integration/local/test_full_path.py`` maps each fault kind to its error once, on one SageMaker model.
Here each fault runs on every provider shape (SageMaker, Bedrock Converse, Bedrock InvokeModel), buffered and
streamed, and three more things are asserted: how many attempts the model saw (retries are bounded, and only
retryable failures are retried), that a transient fault is absorbed by a retry, and that the audit record of
an admin's override ends with the error code. The stack runs with ``ENGINE_READ_TIMEOUT_S=2`` (conftest).
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from inference_engine.credentials import ClientSettings
from tests.reliability.stack_client import Answer, StackClient, has_stack_trace
from tests.reliability.stack_env import READ_TIMEOUT_S

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

# botocore's ``max_attempts`` (what ClientSettings passes on) counts retries: the first call comes on top.
MOST_ATTEMPTS = 1 + ClientSettings().max_attempts
SLOW_MS = (READ_TIMEOUT_S + 1) * 1000  # past the engine's read timeout

SAGEMAKER = ("mistral-7b-tgi", "tgi-mistral-7b")
CONVERSE = ("claude-3-haiku", "anthropic.claude-3-haiku-20240307-v1:0")
INVOKE_MODEL = ("titan-text-express", "amazon.titan-text-express-v1")
STREAMING = {
    "mistral-7b-tgi": "tgi-mistral-7b",  # SageMaker, SSE framing
    "llama3-8b-lmi": "djl-lmi-llama3-8b",  # SageMaker, JSON lines
    "qwen2-7b-vllm": "vllm-qwen2-7b",  # SageMaker, OpenAI-style SSE
    "claude-3-haiku": "anthropic.claude-3-haiku-20240307-v1:0",  # Bedrock ConverseStream
    "claude-3-haiku-messages": "anthropic.claude-3-haiku-20240307-v1:0",  # Bedrock InvokeModel stream
    "titan-text-express": "amazon.titan-text-express-v1",
    "llama3-8b-bedrock": "meta.llama3-8b-instruct-v1:0",
}
UPSTREAM_STREAM_ERRORS = {"upstream_error", "bad_upstream_response", "model_error"}

# (model, fault marker) -> (status, error code, attempts the model sees)
BUFFERED: dict[tuple[tuple[str, str], str], tuple[int, str, int]] = {
    (SAGEMAKER, "throttle"): (429, "throttled", MOST_ATTEMPTS),
    (CONVERSE, "throttle"): (429, "throttled", MOST_ATTEMPTS),
    (INVOKE_MODEL, "throttle"): (429, "throttled", MOST_ATTEMPTS),
    (SAGEMAKER, "service_unavailable"): (502, "model_error", MOST_ATTEMPTS),
    (CONVERSE, "service_unavailable"): (502, "model_error", MOST_ATTEMPTS),
    (SAGEMAKER, "internal_failure"): (502, "model_error", MOST_ATTEMPTS),
    (INVOKE_MODEL, "internal_failure"): (502, "model_error", MOST_ATTEMPTS),
    (SAGEMAKER, "model_error"): (502, "model_error", 1),
    (CONVERSE, "model_error"): (502, "model_error", 1),
    (INVOKE_MODEL, "model_error"): (502, "model_error", 1),
    (SAGEMAKER, "timeout"): (504, "upstream_timeout", 1),  # a ModelError saying the container timed out
    (CONVERSE, "timeout"): (504, "upstream_timeout", 1),  # Bedrock: ModelTimeoutException
    (SAGEMAKER, "malformed"): (502, "bad_upstream_response", 1),
    (INVOKE_MODEL, "malformed"): (502, "bad_upstream_response", 1),
    (SAGEMAKER, "truncated"): (502, "bad_upstream_response", 1),
    (INVOKE_MODEL, "truncated"): (502, "bad_upstream_response", 1),
    (SAGEMAKER, "stream_cut"): (502, "upstream_error", 1),  # the body stops before its Content-Length
    (CONVERSE, "stream_cut"): (502, "bad_upstream_response", 1),  # botocore parses what arrived: no output
    (SAGEMAKER, "access_denied"): (502, "credentials_error", 1),
    (CONVERSE, "access_denied"): (502, "credentials_error", 1),
    (INVOKE_MODEL, "access_denied"): (502, "credentials_error", 1),
}


def attempts_seen(client: StackClient, target: str) -> int:
    log = client.emulator("GET", f"/_emulator/requests?target={quote(target, safe='')}&limit=1")
    return int(log["total"])


def audited(admin: StackClient, override: dict[str, Any]) -> dict[str, Any]:
    """The one audit record of the admin's call that carried ``override`` (its name is unique)."""
    mine = [record for record in admin.audit(limit=100) if record["patch"] == override]
    assert len(mine) == 1, mine
    return mine[0]


def fault_call(admin: StackClient, model_id: str, marker: str, **extra: Any) -> tuple[Answer, dict[str, Any]]:
    override = {"name": f"fault case {uuid.uuid4().hex}"}
    body = {"model_id": model_id, "prompt": f"hello there [[fault:{marker}]]", "override": override, **extra}
    return admin.invoke(body, timeout=120), override


@pytest.fixture(autouse=True)
def _no_fault_rules(admin: StackClient) -> None:
    admin.emulator("DELETE", "/_emulator/faults")


@pytest.mark.parametrize(
    ("model", "marker"), list(BUFFERED), ids=[f"{model}-{marker}" for (model, _), marker in BUFFERED]
)
def test_a_fault_maps_to_its_error_after_bounded_retries_and_is_audited(
    admin: StackClient, model: tuple[str, str], marker: str
) -> None:
    model_id, target = model
    status, code, attempts = BUFFERED[(model, marker)]
    before = attempts_seen(admin, target)
    # When an admin invokes with an override and the model fails on every attempt
    answer, override = fault_call(admin, model_id, marker)
    # Then the documented error comes back, readable, without a trace
    assert (answer.status, answer.error) == (status, code), answer.text
    assert answer.json["message"] and not has_stack_trace(answer.text)
    # And the model saw exactly the attempts the retry policy allows (retryable failures only are retried)
    assert attempts_seen(admin, target) - before == attempts
    # And the audit record ends with the error
    record = audited(admin, override)
    assert (record["outcome"], record["error"], record["actor"]) == ("error", code, "admin")


@pytest.mark.parametrize("model", [SAGEMAKER, CONVERSE], ids=["sagemaker", "converse"])
def test_a_model_slower_than_the_read_timeout_is_a_504_after_bounded_retries(
    admin: StackClient, model: tuple[str, str]
) -> None:
    model_id, target = model
    before = attempts_seen(admin, target)
    # When every attempt answers after the engine's read timeout
    answer, override = fault_call(admin, model_id, f"latency:{SLOW_MS}")
    # Then the caller gets 504 upstream_timeout once the retries are spent, and the attempt is audited
    assert (answer.status, answer.error) == (504, "upstream_timeout"), answer.text
    assert attempts_seen(admin, target) - before == MOST_ATTEMPTS
    assert audited(admin, override)["error"] == "upstream_timeout"


def test_a_slow_stream_times_out_before_the_first_byte(admin: StackClient) -> None:
    model_id, target = SAGEMAKER
    before = attempts_seen(admin, target)
    answer, override = fault_call(admin, model_id, f"latency:{SLOW_MS}", stream=True)
    # the headers never came: a JSON 504, not an event stream
    assert (answer.status, answer.error) == (504, "upstream_timeout"), answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert attempts_seen(admin, target) - before == MOST_ATTEMPTS
    assert audited(admin, override)["error"] == "upstream_timeout"


def test_a_model_slower_than_usual_but_within_the_timeout_answers(admin: StackClient) -> None:
    model_id, target = SAGEMAKER
    before = attempts_seen(admin, target)
    answer, override = fault_call(admin, model_id, f"latency:{READ_TIMEOUT_S * 1000 // 4}")
    assert answer.status == 200, answer.text
    assert attempts_seen(admin, target) - before == 1
    assert audited(admin, override)["outcome"] == "success"


@pytest.mark.parametrize(
    ("kind", "latency_ms"), [("throttle", None), ("service_unavailable", None), ("latency", SLOW_MS)]
)
def test_a_transient_fault_is_absorbed_by_one_retry(admin: StackClient, kind: str, latency_ms: int | None) -> None:
    model_id, target = SAGEMAKER
    # Given the model fails only the next call
    rule: dict[str, Any] = {"target": target, "kind": kind, "count": 1}
    if latency_ms is not None:
        rule["latency_ms"] = latency_ms
    admin.emulator("POST", "/_emulator/faults", rule)
    before = attempts_seen(admin, target)
    # When a user invokes it
    answer = admin.invoke({"model_id": model_id, "prompt": "hello there"}, timeout=60)
    # Then the retry answers, and the model saw two attempts
    assert answer.status == 200, answer.text
    assert answer.json["output"].startswith("Echo: hello there")
    assert attempts_seen(admin, target) - before == 2


@pytest.mark.parametrize("model_id", list(STREAMING))
@pytest.mark.parametrize("marker", ["stream_cut", "model_error", "internal_failure"])
def test_a_stream_broken_midway_ends_with_an_error_frame_and_is_audited(
    admin: StackClient, model_id: str, marker: str
) -> None:
    # When the stream breaks after the first events (connection cut, or an error event from the service)
    answer, override = fault_call(admin, model_id, marker, stream=True)
    # Then the deltas received so far are followed by exactly one error frame naming an upstream failure
    assert answer.status == 200, answer.text
    frames = answer.frames
    kinds = [kind for kind, _ in frames]
    assert kinds[-1] == "error" and set(kinds[:-1]) <= {"delta"} and "done" not in kinds
    error = frames[-1][1]
    assert error["error"] in UPSTREAM_STREAM_ERRORS and error["message"]
    assert not has_stack_trace(answer.text)
    # And the audit record, written before the first byte, ends with that error
    record = audited(admin, override)
    assert (record["outcome"], record["error"]) == ("error", error["error"])


@pytest.mark.parametrize("model_id", [m for m in STREAMING if m != "claude-3-haiku"])
def test_a_malformed_stream_record_ends_the_stream_with_bad_upstream_response(
    admin: StackClient, model_id: str
) -> None:
    answer, override = fault_call(admin, model_id, "malformed", stream=True)
    assert answer.status == 200, answer.text
    kind, data = answer.frames[-1]
    assert (kind, data["error"]) == ("error", "bad_upstream_response")
    assert audited(admin, override)["error"] == "bad_upstream_response"


def test_converse_malformed_model_output_ends_with_its_stop_reason(admin: StackClient) -> None:
    # Bedrock reports output it cannot parse as stopReason "malformed_model_output", not as an error
    answer, override = fault_call(admin, "claude-3-haiku", "malformed", stream=True)
    kind, data = answer.frames[-1]
    assert (kind, data["stop_reason"]) == ("done", "malformed_model_output")
    assert audited(admin, override)["outcome"] == "success"


@pytest.mark.parametrize("model_id", list(STREAMING))
def test_a_truncated_stream_still_ends_with_one_final_frame(admin: StackClient, model_id: str) -> None:
    # A stream whose closing events never come cannot be told from a short answer: it must still end cleanly
    answer, _ = fault_call(admin, model_id, "truncated", stream=True)
    assert answer.status == 200, answer.text
    kinds = [kind for kind, _ in answer.frames]
    assert kinds[-1] in {"done", "error"} and kinds.count("done") + kinds.count("error") == 1


@pytest.mark.parametrize("model_id", ["mistral-7b-tgi", "claude-3-haiku"])
@pytest.mark.parametrize("marker", ["throttle", "access_denied"])
def test_a_stream_refused_before_the_first_byte_is_a_json_error(admin: StackClient, model_id: str, marker: str) -> None:
    answer, override = fault_call(admin, model_id, marker, stream=True)
    expected = {"throttle": (429, "throttled"), "access_denied": (502, "credentials_error")}[marker]
    assert (answer.status, answer.error) == expected, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    assert audited(admin, override)["error"] == expected[1]


def test_a_client_that_hangs_up_mid_stream_leaves_no_half_written_audit_record(admin: StackClient) -> None:
    # Given a model that streams slowly (200 ms between events) and an admin override, so the call is audited
    endpoint = "tgi-slow-stream"
    admin.emulator("POST", "/_emulator/registry", {"sagemaker": {endpoint: {"format": "tgi", "token_delay_ms": 200}}})
    override = {"name": f"hang up {uuid.uuid4().hex}", "provider": {"endpoint_name": endpoint}}
    body = {"model_id": SAGEMAKER[0], "prompt": "tell me a long story", "stream": True, "override": override}
    # When the caller reads the first event and closes the connection
    first = read_first_event_and_hang_up(admin, body)
    assert first.startswith(b"event: delta")
    # Then the server notices, stops, and the audit record ends with an error instead of staying "allowed"
    deadline = time.monotonic() + 10
    while (record := audited(admin, override))["outcome"] == "allowed" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (record["outcome"], record["error"]) == ("error", "client_disconnected")


def read_first_event_and_hang_up(client: StackClient, body: dict[str, Any]) -> bytes:
    url = urlsplit(client.stack.api)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
    try:
        payload = json.dumps(body)
        connection.request(
            "POST",
            url.path + "/invoke/stream",
            body=payload,
            headers={**client.auth, "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 200
        return response.read1(200)
    finally:
        connection.close()
