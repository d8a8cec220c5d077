"""Every catalogue adapter, buffered and streamed, through real boto3 clients against the model emulator
(SageMaker and Bedrock runtime wire protocols, binary event streams included), plus upstream faults."""

from __future__ import annotations

from typing import Any

import pytest

from inference_engine.catalogue import FORMATS, load_catalogue
from inference_engine.credentials import ClientFactory
from inference_engine.engine import StreamDelta, StreamEnd, invoke, prepare, stream
from inference_engine.errors import (
    CredentialsError,
    ModelError,
    ResponseFormatError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from local.emulator import EmulatorServer
from tests.integration.engine.conftest import BASE_KEY, base_session, logged

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

QUESTION = "What is the capital of France?"
CONVERSATION = parse_conversation(
    {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"text": QUESTION}]}]}
)
OPERATIONS = {
    "sagemaker-runtime:InvokeEndpoint": "InvokeEndpoint",
    "sagemaker-runtime:InvokeEndpointWithResponseStream": "InvokeEndpointWithResponseStream",
    "bedrock-runtime:Converse": "Converse",
    "bedrock-runtime:ConverseStream": "ConverseStream",
    "bedrock-runtime:InvokeModel": "InvokeModel",
    "bedrock-runtime:InvokeModelWithResponseStream": "InvokeModelWithResponseStream",
}
# Which token counts each format reports itself (the rest the engine estimates).
REPORTED = {
    "tgi": {"output_tokens"},
    "djl-lmi": {"output_tokens"},
    "jumpstart-llama2-chat": set(),
    "openai-chat": {"input_tokens", "output_tokens"},
    "bedrock-converse": {"input_tokens", "output_tokens"},
    "bedrock-anthropic-messages": {"input_tokens", "output_tokens"},
    "bedrock-titan-text": {"input_tokens", "output_tokens"},
    "bedrock-meta-llama": {"input_tokens", "output_tokens"},
    "bedrock-deepseek-r1": set(),  # buffered: token counts are only in headers; the stream's last chunk has them
}


def _operation_name(prepared_operation: str) -> str:
    return OPERATIONS[prepared_operation]


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_catalogue_adapter_invokes_the_emulator_buffered(
    fmt: str, emulator: EmulatorServer, emulator_clients: ClientFactory
) -> None:
    config = load_catalogue()[fmt]

    result = invoke(config, CONVERSATION, clients=emulator_clients, caller="alice")

    # The emulator answers "Echo: <first words of the last user message>." then filler words.
    assert result.output.lstrip().startswith(f"Echo: {QUESTION}")
    (request,) = logged(emulator)
    assert request["operation"] == _operation_name(result.prepared.operation)
    assert request["status"] == 200
    assert request["access_key_id"] == BASE_KEY
    if result.prepared.body is not None:
        assert request["body"] == result.prepared.body  # the container received exactly the rendered body
    reported = REPORTED[fmt]
    assert result.usage.estimated is (reported != {"input_tokens", "output_tokens"})
    if "output_tokens" in reported:
        assert result.usage.output_tokens == len(result.output.split())  # the emulator counts words


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_catalogue_adapter_streams_from_the_emulator(
    fmt: str, emulator: EmulatorServer, emulator_clients: ClientFactory
) -> None:
    config = load_catalogue()[fmt]
    buffered = invoke(config, CONVERSATION, clients=emulator_clients)

    events = list(stream(config, CONVERSATION, clients=emulator_clients))

    deltas = [e.text for e in events if isinstance(e, StreamDelta)]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert "".join(deltas) == end.output == buffered.output  # a stream carries exactly the buffered text
    streamed_operation = prepare(config, CONVERSATION, stream=True).operation
    assert logged(emulator)[-1]["operation"] == _operation_name(streamed_operation)
    if config.supports_streaming:
        assert len(deltas) > 1
    if "output_tokens" in REPORTED[fmt] and fmt not in {"openai-chat"}:
        assert end.usage.output_tokens == buffered.usage.output_tokens


def test_an_inference_component_and_custom_attributes_reach_the_endpoint(
    emulator: EmulatorServer, emulator_clients: ClientFactory
) -> None:
    emulator.state.merge_registry(
        emulator.state.registry.__class__.model_validate(
            {"sagemaker": {"tgi-ic": {"format": "tgi", "inference_components": ["mistral-ic"]}}}
        )
    )
    config = apply_override(
        load_catalogue()["tgi"],
        {
            "provider": {
                "endpoint_name": "tgi-ic",
                "endpoint_kwargs": {"InferenceComponentName": "mistral-ic", "CustomAttributes": "trace=1"},
            }
        },
    )

    result = invoke(config, CONVERSATION, clients=emulator_clients)
    list(stream(config, CONVERSATION, clients=emulator_clients))

    assert result.output.startswith(f"Echo: {QUESTION}")
    headers = [request["headers"] for request in logged(emulator, target="tgi-ic")]
    assert [h.get("x-amzn-sagemaker-inference-component") for h in headers] == ["mistral-ic", "mistral-ic"]
    assert [h.get("x-amzn-sagemaker-custom-attributes") for h in headers] == ["trace=1", "trace=1"]


# --- upstream faults (a [[fault:<kind>]] marker in the prompt triggers one) ---------------------------


def _fault(kind: str) -> Conversation:
    return Conversation.from_prompt(f"{QUESTION} [[fault:{kind}]]")


@pytest.mark.parametrize(
    ("fmt", "kind", "error_type", "code"),
    [
        ("tgi", "throttle", UpstreamThrottledError, "ThrottlingException"),
        ("bedrock-converse", "throttle", UpstreamThrottledError, "ThrottlingException"),
        ("tgi", "access_denied", CredentialsError, "AccessDeniedException"),
        ("bedrock-titan-text", "access_denied", CredentialsError, "AccessDeniedException"),
        ("bedrock-converse", "timeout", UpstreamTimeoutError, "ModelTimeoutException"),
        ("djl-lmi", "model_error", ModelError, "ModelError"),
        ("bedrock-anthropic-messages", "model_error", ModelError, "ModelErrorException"),
        ("openai-chat", "internal_failure", ModelError, "InternalFailure"),
    ],
)
def test_service_errors_become_domain_errors(
    fmt: str, kind: str, error_type: type[Exception], code: str, emulator_clients: ClientFactory
) -> None:
    with pytest.raises(UpstreamError) as caught:
        invoke(load_catalogue()[fmt], _fault(kind), clients=emulator_clients)

    assert type(caught.value) is error_type
    assert caught.value.upstream_code == code


@pytest.mark.parametrize("fmt", ["tgi", "djl-lmi", "bedrock-anthropic-messages", "bedrock-converse"])
def test_an_error_event_mid_stream_ends_the_stream_with_a_model_error(
    fmt: str, emulator_clients: ClientFactory
) -> None:
    events = stream(load_catalogue()[fmt], _fault("model_error"), clients=emulator_clients)
    received: list[Any] = []

    with pytest.raises(ModelError):
        received.extend(events)  # the deltas before the error event arrive, then the error

    assert received
    assert all(isinstance(e, StreamDelta) for e in received)


@pytest.mark.parametrize("fmt", ["tgi", "openai-chat", "bedrock-meta-llama", "bedrock-converse"])
def test_a_connection_dropped_mid_stream_is_an_upstream_error_not_a_crash(
    fmt: str, emulator_clients: ClientFactory
) -> None:
    events = stream(load_catalogue()[fmt], _fault("stream_cut"), clients=emulator_clients)

    with pytest.raises(UpstreamError) as caught:
        list(events)

    assert caught.value.code in {"upstream_error", "bad_upstream_response"}


@pytest.mark.parametrize("fmt", ["tgi", "bedrock-titan-text"])
def test_a_connection_dropped_mid_body_is_an_upstream_error(fmt: str, emulator_clients: ClientFactory) -> None:
    with pytest.raises(UpstreamError):
        invoke(load_catalogue()[fmt], _fault("stream_cut"), clients=emulator_clients)


@pytest.mark.parametrize(("fmt", "streamed"), [("tgi", False), ("tgi", True), ("bedrock-meta-llama", True)])
def test_a_malformed_answer_is_a_bad_upstream_response(
    fmt: str, streamed: bool, emulator_clients: ClientFactory
) -> None:
    config = load_catalogue()[fmt]

    def call() -> object:
        if streamed:
            return list(stream(config, _fault("malformed"), clients=emulator_clients))
        return invoke(config, _fault("malformed"), clients=emulator_clients)

    with pytest.raises(ResponseFormatError):
        call()


def test_a_wrong_output_path_names_the_keys_the_container_sent(emulator_clients: ClientFactory) -> None:
    from inference_engine.errors import OutputPathError  # noqa: PLC0415

    config = apply_override(load_catalogue()["openai-chat"], {"content_handler": {"output_path": "choices[0].text"}})

    with pytest.raises(OutputPathError) as caught:
        invoke(config, CONVERSATION, clients=emulator_clients)

    assert "choices" in caught.value.received_keys
    assert "usage" in caught.value.received_keys


# --- cross-account: STS on a moto server, the model on the emulator -----------------------------------


def test_a_cross_account_model_is_called_with_the_assumed_roles_credentials(
    emulator: EmulatorServer, moto_url: str
) -> None:
    factory = ClientFactory(
        session=base_session(),
        endpoint_urls={"sts": moto_url, "sagemaker-runtime": emulator.url, "bedrock-runtime": emulator.url},
    )
    role = {"role_arn": "arn:aws:iam::111122223333:role/model-invoker", "external_id": "ext-1"}
    cross = apply_override(load_catalogue()["bedrock-converse"], {"cross_account": role})
    same_account = load_catalogue()["bedrock-converse"]

    for _ in range(3):
        invoke(cross, CONVERSATION, clients=factory, caller="alice")
    invoke(same_account, CONVERSATION, clients=factory, caller="alice")

    keys = [request["access_key_id"] for request in logged(emulator)]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != BASE_KEY
    assert keys[0].startswith("ASIA")  # STS session credentials
    assert keys[3] == BASE_KEY
    assert factory.assume_role_calls == 1


def test_reasoning_cache_latency_and_tier_round_trip_through_boto3(
    emulator: EmulatorServer, emulator_clients: ClientFactory
) -> None:
    # Given DeepSeek-R1 through Converse, with the system prompt cached, latency-optimized, on the flex tier
    config = apply_override(
        load_catalogue()["bedrock-converse"],
        {
            "provider": {
                "model_id": "us.deepseek.r1-v1:0",
                "performance_latency": "optimized",
                "service_tier": "flex",
                "cache_point": {"system": True},
            }
        },
    )
    conversation = parse_conversation({"prompt": QUESTION, "system": "You answer geography questions briefly."})

    # When it is invoked twice buffered, then streamed
    first = invoke(config, conversation, clients=emulator_clients)
    second = invoke(config, conversation, clients=emulator_clients)
    events = list(stream(config, conversation, clients=emulator_clients))

    # Then the reasoning block is kept apart from the answer, buffered and streamed alike
    assert first.reasoning == f"The user wrote: {QUESTION} I should echo it."
    assert first.output.startswith(f"Echo: {QUESTION}")
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert (end.output, end.reasoning) == (first.output, first.reasoning)
    # And the cached prefix was written once, then read
    assert (first.usage.cache_write_input_tokens, first.usage.cache_read_input_tokens) == (5, 0)
    assert (second.usage.cache_write_input_tokens, second.usage.cache_read_input_tokens) == (0, 5)
    # And the emulator received the cache point, the latency setting and the tier on every call
    for request in logged(emulator):
        assert request["body"]["system"][-1] == {"cachePoint": {"type": "default"}}
        assert request["body"]["performanceConfig"] == {"latency": "optimized"}
        assert request["body"]["serviceTier"] == {"type": "flex"}
