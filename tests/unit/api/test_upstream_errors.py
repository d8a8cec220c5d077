"""Upstream failures through the API: one status and code each, audited, measured, never a stack trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness, RecordingMetrics
from tests.fakes.clients import INPUT_TOKENS, OUTPUT_TOKENS, RecordingClientFactory, Script, client_error
from tests.fakes.inventory import DEFAULT_MODEL, ENDPOINT_MODEL
from tests.unit.api.scenarios import PROMPT

REPORTED = {"input_estimated": False, "output_estimated": False}  # both counts came from the model

SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


UPSTREAM_ERRORS = {
    "throttling": (client_error("ThrottlingException", 429), 429, "throttled"),
    "too-many-requests": (client_error("TooManyRequestsException", 429), 429, "throttled"),
    "service-quota": (client_error("ServiceQuotaExceededException", 400), 429, "throttled"),
    "model-error": (
        client_error("ModelError", 424, "Received server error (500)", OriginalMessage="CUDA out of memory"),
        502,
        "model_error",
    ),
    "bedrock-validation": (client_error("ValidationException", 400, "Malformed input request"), 502, "model_error"),
    "model-timeout": (client_error("ModelTimeoutException", 408), 504, "upstream_timeout"),
    "read-timeout": (ReadTimeoutError(endpoint_url="https://runtime.example"), 504, "upstream_timeout"),
    "connect-timeout": (ConnectTimeoutError(endpoint_url="https://runtime.example"), 504, "upstream_timeout"),
    "no-connection": (EndpointConnectionError(endpoint_url="https://runtime.example"), 502, "upstream_error"),
    "access-denied": (client_error("AccessDeniedException", 403), 502, "credentials_error"),
    "expired-token": (client_error("ExpiredTokenException", 403), 502, "credentials_error"),
}


def harness(make_api: Callable[..., ApiHarness], script: Script) -> tuple[ApiHarness, RecordingMetrics]:
    metrics = RecordingMetrics()
    return make_api(clients=RecordingClientFactory(script=script), metrics=metrics), metrics


def assert_clean_error_body(body: Any) -> None:
    assert set(body) <= {"error", "message", "details"}
    assert body["message"]
    text = str(body)
    for marker in ("Traceback", 'File "', "botocore", SECRET_KEY):
        assert marker not in text


@pytest.mark.parametrize(("error", "status", "code"), UPSTREAM_ERRORS.values(), ids=UPSTREAM_ERRORS.keys())
@pytest.mark.parametrize("model_id", [DEFAULT_MODEL, ENDPOINT_MODEL])
def test_an_upstream_failure_maps_to_one_status_and_is_audited(
    make_api: Callable[..., ApiHarness], model_id: str, error: Exception, status: int, code: str
) -> None:
    # Given a model that fails this way, and an admin's override invoke
    api, metrics = harness(make_api, Script(error=error))
    body = {"model_id": model_id, "prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.3}}}

    # When it is invoked
    reply = api.call(rest_event("POST", "/invoke", claims=admin_claims(), body=body))

    # Then the status and code are the mapped ones, with a readable message and no stack trace
    assert reply.status == status
    assert reply.error == code
    assert_clean_error_body(reply.body)
    # And exactly one call was attempted, the audit record ends in "error" with the code, the metric counts it
    assert len(api.clients.calls) == 1
    (record,) = api.audit()
    assert (record["action"], record["outcome"], record["error"]) == ("invoke", "error", code)
    assert record["patch"] == {"model_kwargs": {"temperature": 0.3}}
    assert [(m.model_id, m.outcome) for m in metrics.recorded] == [(model_id, code)]


def test_the_model_error_message_carries_the_container_message(make_api: Callable[..., ApiHarness]) -> None:
    # Given a SageMaker container failing with its own message
    error = client_error("ModelError", 424, "Received server error (500)", OriginalMessage="CUDA out of memory")
    api, _ = harness(make_api, Script(error=error))

    # When a plain user invokes it
    reply = api.call(
        rest_event("POST", "/invoke", claims=user_claims(), body={"model_id": ENDPOINT_MODEL, "prompt": "x"})
    )

    # Then the admin-readable message says what the container said; a plain invoke leaves no audit record
    assert reply.status == 502
    assert "CUDA out of memory" in reply.body["message"]
    assert "llm-endpoint-prod" in reply.body["message"]
    assert api.audit() == []


def test_an_output_path_that_selects_nothing_is_a_422_naming_the_path(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model answering with a body the configured output path does not match
    api, metrics = harness(make_api, Script(raw_body=b'{"outputs": [{"text": "hi"}]}'))
    body = {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.1}}}

    # When it is invoked
    reply = api.call(rest_event("POST", "/invoke", claims=admin_claims(), body=body))

    # Then the 422 names the config field and shows which keys came back
    assert reply.status == 422
    assert reply.error == "output_path_error"
    assert reply.body["details"] == [
        {
            "path": "content_handler.output_path",
            "message": "selected nothing; received keys: outputs",
            "type": "value_error",
        }
    ]
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "output_path_error")]
    assert [m.outcome for m in metrics.recorded] == ["output_path_error"]


def test_a_body_that_is_not_json_is_a_bad_upstream_response(make_api: Callable[..., ApiHarness]) -> None:
    # Given a model answering with an HTML error page
    api, _ = harness(make_api, Script(raw_body=b"<html><body>502 Bad Gateway</body></html>"))

    # When it is invoked
    reply = api.call(
        rest_event("POST", "/invoke", claims=user_claims(), body={"model_id": ENDPOINT_MODEL, "prompt": "x"})
    )

    # Then it is a 502 with its own code
    assert reply.status == 502
    assert reply.error == "bad_upstream_response"
    assert_clean_error_body(reply.body)


def test_an_unexpected_exception_is_a_500_without_details(make_api: Callable[..., ApiHarness]) -> None:
    # Given a runtime client failing in a way nobody mapped, with a secret in the exception text
    api, _ = harness(make_api, Script(error=RuntimeError(f"boom {SECRET_KEY}")))
    event = rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": "x"})

    # When it is invoked
    reply = api.call(event)

    # Then it is a 500 naming only the request id
    assert reply.status == 500
    assert reply.body == {
        "error": "internal_error",
        "message": f"Internal error (request id {event['requestContext']['requestId']}).",
    }


def test_a_successful_invoke_reports_latency_and_tokens_per_model(make_api: Callable[..., ApiHarness]) -> None:
    # Given a working model
    api, metrics = harness(make_api, Script())

    # When a plain user invokes it
    reply = api.call(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT}))

    # Then the answer and the metric carry the model's token counts
    assert reply.status == 200
    assert reply.body["usage"] == {
        "input_tokens": INPUT_TOKENS,
        "output_tokens": OUTPUT_TOKENS,
        "estimated": False,
        **REPORTED,
    }
    (metric,) = metrics.recorded
    assert (metric.model_id, metric.outcome) == (DEFAULT_MODEL, "success")
    assert (metric.input_tokens, metric.output_tokens) == (INPUT_TOKENS, OUTPUT_TOKENS)
    assert metric.latency_ms is not None
    assert metric.latency_ms >= 0
