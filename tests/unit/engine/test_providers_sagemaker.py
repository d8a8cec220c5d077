"""SageMaker runtime: InvokeEndpoint and InvokeEndpointWithResponseStream through real boto3 clients (Stubber)
and event streams shaped as botocore yields them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import EventStreamError
from botocore.stub import Stubber
from urllib3.exceptions import ProtocolError

from inference_engine.engine import StreamDelta, StreamEnd, invoke, prepare, stream
from inference_engine.errors import (
    ConfigValidationError,
    CredentialsError,
    ModelError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.messages import Conversation
from inference_engine.providers.base import CHECK_ACCESS, CHECK_NOT_FOUND, CHECK_REQUEST, CHECK_THROTTLED, CHECK_TIMEOUT
from inference_engine.schema import ModelConfig, parse_model_config
from tests.fixtures.loader import load_recorded
from tests.unit.engine.fakes import FakeClientFactory, FakeRuntime, real_client

CONVERSATION = Conversation.from_prompt("What is the capital of France?")


def config(**provider: Any) -> ModelConfig:
    return parse_model_config(
        {
            "schema_version": 1,
            "id": "tgi-test",
            "name": "TGI test",
            "provider": {"type": "sagemaker", "endpoint_name": "tgi-ep", "region": "eu-west-1", **provider},
            "model_kwargs": {"max_new_tokens": 16},
            "content_handler": {
                "request_template": {"inputs": "{{prompt}}", "parameters": "{{model_kwargs}}", "stream": "{{stream}}"},
                "output_path": "[0].generated_text",
                "stream": {"framing": "sse", "output_path": "token.special == `false` && token.text || null"},
                "usage": {"output_tokens_path": "[0].details.generated_tokens || details.generated_tokens"},
            },
        }
    )


def stubbed() -> tuple[Any, Stubber]:
    client = real_client("sagemaker-runtime")
    return client, Stubber(client)


# --- buffered --------------------------------------------------------------------------------------


def test_invoke_endpoint_sends_the_rendered_body_and_allow_listed_kwargs() -> None:
    # Given an endpoint behind an inference component, with custom attributes
    model = config(endpoint_kwargs={"InferenceComponentName": "mistral-ic", "CustomAttributes": "accept_eula=true"})
    recorded = load_recorded("tgi")
    client, stub = stubbed()
    stub.add_response(
        "invoke_endpoint",
        {"Body": recorded.streaming_body(), "ContentType": "application/json"},
        {
            "EndpointName": "tgi-ep",
            "ContentType": "application/json",
            "Accept": "application/json",
            "InferenceComponentName": "mistral-ic",
            "CustomAttributes": "accept_eula=true",
            "Body": b'{"inputs":"What is the capital of France?","parameters":{"max_new_tokens":16}}',
        },
    )

    # When it is invoked through the engine
    with stub:
        result = invoke(model, CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=client), caller="alice")

    # Then the text and usage come from the recorded body, and the call went out exactly as stubbed
    stub.assert_no_pending_responses()
    assert result.output == "The capital of France is Paris."
    assert result.usage.output_tokens == 8
    assert result.usage.estimated is True  # TGI reports no input count: the estimate fills it in
    assert result.usage.input_tokens == result.prepared.estimated_input_tokens
    assert result.raw_response == recorded.body
    assert result.prepared.operation == "sagemaker-runtime:InvokeEndpoint"


def test_the_client_is_asked_for_the_providers_region_with_the_caller_and_role() -> None:
    model = config()
    client, stub = stubbed()
    stub.add_response("invoke_endpoint", {"Body": load_recorded("tgi").streaming_body()}, None)
    factory = FakeClientFactory(sagemaker_runtime=client)

    with stub:
        invoke(model, CONVERSATION, clients=factory, caller="bob")

    assert [(r.service, r.region, r.caller, r.cross_account) for r in factory.requests] == [
        ("sagemaker-runtime", "eu-west-1", "bob", None)
    ]


def test_a_non_json_accept_returns_the_body_as_text() -> None:
    model = parse_model_config(
        {**config().to_json_dict(), "provider": {**config().provider.model_dump(), "accept": "text/plain"}}
    )
    client, stub = stubbed()
    raw = b"Paris, naturally."
    stub.add_response("invoke_endpoint", {"Body": _body(raw)}, None)

    with stub:
        result = invoke(model, CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=client))

    assert result.output == "Paris, naturally."


def _body(raw: bytes) -> Any:
    import io  # noqa: PLC0415

    from botocore.response import StreamingBody  # noqa: PLC0415

    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.mark.parametrize(
    ("code", "status", "fields", "error_type", "phrase", "check"),
    [
        (
            "ModelError",
            424,
            {"OriginalStatusCode": 400, "OriginalMessage": "Input validation error: inputs must not be empty"},
            ModelError,
            "(model said: Input validation error: inputs must not be empty)",
            CHECK_REQUEST,
        ),
        (
            "ValidationError",
            400,
            {},
            ModelError,
            "ValidationError: Endpoint tgi-ep of account 1 not found.",
            CHECK_NOT_FOUND,
        ),
        ("ThrottlingException", 400, {}, UpstreamThrottledError, "ThrottlingException", CHECK_THROTTLED),
        ("ServiceUnavailable", 429, {}, UpstreamThrottledError, "ServiceUnavailable", CHECK_THROTTLED),
        ("ModelNotReadyException", 429, {}, UpstreamThrottledError, "ModelNotReadyException", CHECK_THROTTLED),
        ("InternalDependencyException", 504, {}, UpstreamTimeoutError, "InternalDependencyException", CHECK_TIMEOUT),
        ("AccessDeniedException", 403, {}, CredentialsError, "AccessDeniedException", CHECK_ACCESS),
        ("InternalFailure", 500, {}, ModelError, "InternalFailure", CHECK_REQUEST),
    ],
)
def test_aws_errors_become_domain_errors_naming_the_endpoint_and_what_to_check(  # noqa: PLR0917 - one per column
    code: str, status: int, fields: dict[str, Any], error_type: type[Exception], phrase: str, check: str
) -> None:
    client, stub = stubbed()
    message = "Endpoint tgi-ep of account 1 not found." if code == "ValidationError" else "failed"
    stub.add_client_error(
        "invoke_endpoint",
        service_error_code=code,
        service_message=message,
        http_status_code=status,
        modeled_fields=fields,
    )

    with stub, pytest.raises(UpstreamError) as caught:
        invoke(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=client))

    assert type(caught.value) is error_type
    assert caught.value.message.startswith("SageMaker endpoint 'tgi-ep' in eu-west-1: ")
    assert phrase in caught.value.message
    assert caught.value.message.endswith(check)
    assert caught.value.upstream_code == code


def test_a_body_that_is_not_json_is_a_bad_upstream_response() -> None:
    client, stub = stubbed()
    stub.add_response("invoke_endpoint", {"Body": _body(b"<html>Bad Gateway</html>")}, None)

    with stub, pytest.raises(UpstreamError) as caught:
        invoke(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=client))

    assert caught.value.code == "bad_upstream_response"
    assert "<html>Bad Gateway</html>" in caught.value.message


# --- streaming -------------------------------------------------------------------------------------


def sse_events(*records: dict[str, Any], cut_at: int | None = None) -> list[dict[str, Any]]:
    raw = b"".join(b"data:" + json.dumps(r).encode() + b"\n\n" for r in records)
    parts = [raw] if cut_at is None else [raw[:cut_at], raw[cut_at:]]
    return [{"PayloadPart": {"Bytes": part}} for part in parts]


def test_the_stream_call_carries_the_same_kwargs_and_a_stream_flag_in_the_body() -> None:
    recorded = load_recorded("tgi")
    runtime = FakeRuntime("sagemaker-runtime").reply(
        "invoke_endpoint_with_response_stream", {"Body": iter(recorded.sagemaker_events())}
    )
    model = config(endpoint_kwargs={"InferenceComponentName": "mistral-ic", "SessionId": "NEW_SESSION"})

    events = list(stream(model, CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime)))

    ((method, params),) = runtime.calls
    assert method == "invoke_endpoint_with_response_stream"
    assert params["InferenceComponentName"] == "mistral-ic"
    assert params["SessionId"] == "NEW_SESSION"
    assert json.loads(params["Body"]) == {
        "inputs": "What is the capital of France?",
        "parameters": {"max_new_tokens": 16},
        "stream": True,
    }
    deltas = [e.text for e in events if isinstance(e, StreamDelta)]
    assert "".join(deltas) == recorded.expected["stream_text"]
    assert "</s>" not in deltas  # the special end token is not text
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert end.output == recorded.expected["stream_text"]
    assert end.usage.output_tokens == 8


@pytest.mark.parametrize("key", ["TargetModel", "EnableExplanations"])
def test_kwargs_the_streaming_api_does_not_accept_are_refused_before_any_call(key: str) -> None:
    model = config(endpoint_kwargs={key: "model-a.tar.gz"})

    with pytest.raises(ConfigValidationError) as caught:
        prepare(model, CONVERSATION, stream=True)

    assert [d.path for d in caught.value.details] == [f"provider.endpoint_kwargs.{key}"]
    assert prepare(model, CONVERSATION).params[key] == "model-a.tar.gz"  # buffered calls keep them


def test_a_json_record_split_across_payload_parts_is_one_delta() -> None:
    runtime = FakeRuntime("sagemaker-runtime").reply(
        "invoke_endpoint_with_response_stream",
        {
            "Body": iter(
                sse_events(
                    {"token": {"text": "Pa", "special": False}}, {"token": {"text": "ris", "special": False}}, cut_at=20
                )
            )
        },
    )

    events = list(stream(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime)))

    assert [e.text for e in events if isinstance(e, StreamDelta)] == ["Pa", "ris"]


def test_a_model_stream_error_event_ends_the_stream_with_a_model_error() -> None:
    events = [
        *sse_events({"token": {"text": "Pa", "special": False}}),
        {"ModelStreamError": {"Message": "CUDA OOM", "ErrorCode": "500"}},
    ]
    runtime = FakeRuntime("sagemaker-runtime").reply("invoke_endpoint_with_response_stream", {"Body": iter(events)})

    iterator = stream(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime))

    assert next(iterator) == StreamDelta("Pa")
    with pytest.raises(ModelError) as caught:
        next(iterator)
    assert caught.value.message == "SageMaker endpoint 'tgi-ep' in eu-west-1: stream failed: CUDA OOM"


def _failing_after_first(exc: Exception) -> Iterator[dict[str, Any]]:
    yield from sse_events({"token": {"text": "Pa", "special": False}})
    raise exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (
            EventStreamError(
                {"Error": {"Code": "ModelStreamError", "Message": "container died"}}, "InvokeEndpointWithResponseStream"
            ),
            "model_error",
        ),
        (ProtocolError("Connection broken: IncompleteRead(0 bytes read)"), "upstream_error"),
    ],
)
def test_errors_raised_while_iterating_the_event_stream_are_domain_errors(exc: Exception, code: str) -> None:
    runtime = FakeRuntime("sagemaker-runtime").reply(
        "invoke_endpoint_with_response_stream", {"Body": _failing_after_first(exc)}
    )

    iterator = stream(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime))

    assert next(iterator) == StreamDelta("Pa")
    with pytest.raises(UpstreamError) as caught:
        list(iterator)
    assert caught.value.code == code
    assert caught.value.message.startswith("SageMaker endpoint 'tgi-ep' in eu-west-1: ")


def test_an_error_before_the_first_byte_raises_from_stream_itself() -> None:
    runtime = FakeRuntime("sagemaker-runtime").reply(
        "invoke_endpoint_with_response_stream",
        real_client("sagemaker-runtime").exceptions.ModelNotReadyException(
            {
                "Error": {"Code": "ModelNotReadyException", "Message": "warming up"},
                "ResponseMetadata": {"HTTPStatusCode": 429},
            },
            "InvokeEndpointWithResponseStream",
        ),
    )

    with pytest.raises(UpstreamThrottledError):
        stream(config(), CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime))


def test_a_model_without_stream_settings_is_invoked_buffered_and_answers_one_delta() -> None:
    model = parse_model_config({**config().to_json_dict(), "content_handler": {"output_path": "[0].generated_text"}})
    runtime = FakeRuntime("sagemaker-runtime").reply("invoke_endpoint", {"Body": load_recorded("tgi").streaming_body()})

    events = list(stream(model, CONVERSATION, clients=FakeClientFactory(sagemaker_runtime=runtime)))

    assert [method for method, _ in runtime.calls] == ["invoke_endpoint"]
    assert "stream" not in json.loads(runtime.calls[0][1]["Body"])
    assert events[0] == StreamDelta("The capital of France is Paris.")
    assert isinstance(events[1], StreamEnd)
    assert events[1].output == "The capital of France is Paris."


def test_credentials_that_expire_on_refresh_become_a_credentials_error() -> None:
    # Given a client whose credential refresh yields credentials that are already expired (botocore's RuntimeError)
    from inference_engine.errors import CredentialsError  # noqa: PLC0415
    from inference_engine.providers.base import upstream_errors  # noqa: PLC0415

    # When the call fails that way inside the engine's translation
    with pytest.raises(CredentialsError) as caught, upstream_errors("SageMaker endpoint 'x'"):
        raise RuntimeError("Credentials were refreshed, but the refreshed credentials are still expired.")
    # Then the caller gets the documented credentials error, naming the target
    assert caught.value.code == "credentials_error"
    assert "SageMaker endpoint 'x'" in caught.value.message


def test_unrelated_runtime_errors_are_not_disguised() -> None:
    from inference_engine.providers.base import upstream_errors  # noqa: PLC0415

    with pytest.raises(RuntimeError, match="something else"), upstream_errors("target"):
        raise RuntimeError("something else")


def test_a_container_timeout_reported_as_model_error_is_an_upstream_timeout() -> None:
    # Given SageMaker's answer when the container does not respond in time (a ModelError, HTTP 424)
    from botocore.exceptions import ClientError  # noqa: PLC0415

    from inference_engine.errors import UpstreamTimeoutError  # noqa: PLC0415
    from inference_engine.providers.base import translate  # noqa: PLC0415

    response: Any = {
        "Error": {
            "Code": "ModelError",
            "Message": "Your invocation timed out while waiting for a response from container primary.",
        },
        "ResponseMetadata": {"HTTPStatusCode": 424},
    }
    error = ClientError(response, "InvokeEndpoint")
    # Then it maps to the documented timeout (504), not to a model error (502)
    assert isinstance(translate(error, "SageMaker endpoint 'x'"), UpstreamTimeoutError)
