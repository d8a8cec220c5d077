"""The format probe: one-token requests in the order given, the first format with text wins, its stream is checked,
and never more upstream calls than the limit (each counted by the emulator that answered it)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from inference_engine.discovery.models import ProbeRequest
from inference_engine.discovery.probe import Probe, ProbeLimits, candidate_formats, in_image_order, probe
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.schema import CrossAccount, SageMakerProvider
from local.emulator.faults import FaultSpec
from tests.fakes.clients import client_error
from tests.fakes.emulator_clients import EmulatorClientFactory, InMemoryEmulator
from tests.unit.engine.fakes import FakeClientFactory, FakeRuntime

ROLE = CrossAccount(role_arn="arn:aws:iam::222222222222:role/ModelStudioDiscovery", external_id="studio")


def request(target: dict[str, Any], **fields: Any) -> ProbeRequest:
    return ProbeRequest.model_validate({"target": {"region": "us-east-1", **target}, **fields})


def endpoint(name: str, **fields: Any) -> ProbeRequest:
    return request({"type": "sagemaker", "endpoint_name": name}, **fields)


def model_calls(emulator: InMemoryEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests() if r["service"] in ("sagemaker", "bedrock")]


@pytest.fixture
def clients(emulator: InMemoryEmulator) -> EmulatorClientFactory:
    return EmulatorClientFactory(emulator)


def test_the_image_order_finds_the_format_in_one_call_then_checks_its_stream(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    # When a TGI endpoint is probed in the order its image suggests
    result = probe(endpoint("tgi-mistral-7b", formats=["tgi", "djl-lmi"]), clients=clients, limits=ProbeLimits(4))

    # Then TGI answered text buffered and streamed: two calls, each asking for one token
    assert (result.format, result.streaming, result.calls, result.stopped) == ("tgi", True, 2, None)
    assert [(a.format, a.mode, a.outcome, a.text) for a in result.attempts] == [
        ("tgi", "buffered", "text", "Echo:"),
        ("tgi", "stream", "text", "Echo:"),
    ]
    sent = model_calls(emulator)
    assert [r["operation"] for r in sent] == ["InvokeEndpoint", "InvokeEndpointWithResponseStream"]
    assert all(r["body"]["parameters"]["max_new_tokens"] == 1 for r in sent)
    # And the config for the editor is the TGI adapter on that endpoint, with its real budget and streaming kept
    config = result.config
    assert config is not None and isinstance(config.provider, SageMakerProvider)
    assert config.provider.endpoint_name == "tgi-mistral-7b"
    assert config.model_kwargs["max_new_tokens"] == 256
    assert config.content_handler.stream is not None


def test_formats_the_container_refuses_are_skipped(emulator: InMemoryEmulator, clients: EmulatorClientFactory) -> None:
    # When a vLLM endpoint is probed starting with the wrong formats
    result = probe(
        endpoint("vllm-qwen2-7b", formats=["tgi", "djl-lmi", "openai-chat"]), clients=clients, limits=ProbeLimits(4)
    )

    # Then each refusal is reported with the container's error, and the OpenAI format is found and streams
    assert [(a.format, a.outcome, a.error) for a in result.attempts] == [
        ("tgi", "rejected", "model_error"),
        ("djl-lmi", "rejected", "model_error"),
        ("openai-chat", "text", None),
        ("openai-chat", "text", None),
    ]
    assert (result.format, result.streaming, result.calls) == ("openai-chat", True, 4)
    assert len(model_calls(emulator)) == 4


@pytest.mark.parametrize("max_calls", [1, 2, 3])
def test_never_more_calls_than_the_limit(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory, max_calls: int
) -> None:
    # Given a probe whose right format comes last
    order = ["tgi", "djl-lmi", "jumpstart-llama2-chat", "openai-chat"]

    # When it may make only max_calls calls
    result = probe(endpoint("vllm-qwen2-7b", formats=order), clients=clients, limits=ProbeLimits(max_calls))

    # Then it made exactly that many, stopped on the budget, and says which formats it did not try
    assert result.calls == len(model_calls(emulator)) == max_calls
    assert (result.format, result.stopped, result.config) == (None, "budget", None)
    assert result.not_tried == order[max_calls:]


def test_the_stream_check_is_skipped_when_the_budget_is_spent(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    result = probe(endpoint("vllm-qwen2-7b", formats=["tgi", "openai-chat"]), clients=clients, limits=ProbeLimits(2))
    assert (result.format, result.streaming, result.stopped, result.calls) == ("openai-chat", None, "budget", 2)
    assert result.config is not None and result.config.content_handler.stream is not None
    assert len(model_calls(emulator)) == 2


def test_a_missing_endpoint_stops_after_one_call(emulator: InMemoryEmulator, clients: EmulatorClientFactory) -> None:
    result = probe(endpoint("no-such-endpoint"), clients=clients, limits=ProbeLimits(4))
    assert (result.calls, result.stopped, result.format) == (1, "not_found", None)
    assert [a.error for a in result.attempts] == ["not_found"]
    assert result.not_tried == ["djl-lmi", "jumpstart-llama2-chat", "openai-chat"]


def test_throttling_stops_the_probe_without_retrying(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    # Given an endpoint that throttles every request
    emulator.state.faults.add(FaultSpec.model_validate({"target": "tgi-mistral-7b", "kind": "throttle", "count": 0}))

    # When it is probed / Then one request was sent (retries are off for probes) and the probe stopped
    result = probe(endpoint("tgi-mistral-7b"), clients=clients, limits=ProbeLimits(4))
    assert (result.calls, result.stopped) == (1, "throttled")
    assert len(model_calls(emulator)) == 1


def test_the_probe_stops_before_a_call_that_could_not_finish_in_time(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    # Given a clock on which every model call takes 10 s, a 20 s deadline and an 8 s per-call timeout
    def clock() -> float:
        return 10.0 * len(model_calls(emulator))

    limits = ProbeLimits(10, deadline_s=20.0, call_timeout_s=8.0)
    result = Probe(clients, limits, caller="ada", clock=clock).run(endpoint("vllm-qwen2-7b"))

    # Then it made the two calls that fit (0 + 8 and 10 + 8 are within 20 s) and no third
    assert (result.calls, result.stopped) == (2, "budget")


def test_a_format_without_streaming_reports_no_streaming_without_a_call(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    result = probe(
        endpoint("jumpstart-llama2-7b-chat", formats=["jumpstart-llama2-chat"]), clients=clients, limits=ProbeLimits(4)
    )
    assert (result.format, result.streaming, result.calls) == ("jumpstart-llama2-chat", False, 1)
    assert result.config is not None and result.config.content_handler.stream is None


def test_a_failed_stream_check_turns_streaming_off_in_the_config() -> None:
    # Given an endpoint that answers buffered but refuses to stream
    runtime = FakeRuntime("sagemaker-runtime")
    runtime.reply("invoke_endpoint", {"Body": io.BytesIO(json.dumps([{"generated_text": "OK"}]).encode())})
    runtime.reply("invoke_endpoint_with_response_stream", client_error("ModelError", 424, "streaming is disabled"))
    clients = FakeClientFactory(sagemaker_runtime=runtime)

    # When it is probed
    result = probe(endpoint("no-stream-tgi", formats=["tgi"]), clients=clients, limits=ProbeLimits(4))

    # Then TGI is the format, the stream attempt failed, and the config the editor gets does not stream
    assert (result.format, result.streaming, result.calls) == ("tgi", False, 2)
    assert result.attempts[-1].outcome == "rejected"
    assert result.config is not None and result.config.content_handler.stream is None
    assert not result.config.supports_streaming


def test_a_reasoning_model_reports_its_reasoning_when_one_token_leaves_no_answer(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    result = probe(
        request({"type": "bedrock", "model_id": "us.deepseek.r1-v1:0"}, formats=["bedrock-deepseek-r1"]),
        clients=clients,
        limits=ProbeLimits(4),
    )
    assert result.format == "bedrock-deepseek-r1"
    assert [(a.text, a.reasoning) for a in result.attempts] == [("", "The"), ("", "The")]
    assert [r["body"]["max_tokens"] for r in model_calls(emulator)] == [1, 1]


def test_probes_go_through_the_callers_role_and_the_config_keeps_it(
    emulator: InMemoryEmulator, clients: EmulatorClientFactory
) -> None:
    result = probe(
        endpoint("tgi-mistral-7b", cross_account=ROLE.model_dump(), formats=["tgi"], stream=False),
        clients=clients,
        limits=ProbeLimits(4),
        caller="ada",
    )
    assert result.calls == 1 and result.streaming is None
    assert clients.requests == [("sagemaker-runtime", "us-east-1", ROLE.role_arn, "ada")]
    assert result.config is not None and result.config.cross_account == ROLE
    assert [r["access_key_id"] for r in model_calls(emulator)] == ["ASIAASSUMEDROLE00000"]


def test_only_formats_of_the_targets_provider_are_tried() -> None:
    sagemaker = endpoint("x", formats=["bedrock-converse", "openai-chat", "tgi", "openai-chat", "nonsense"])
    bedrock = request({"type": "bedrock", "model_id": "amazon.nova-lite-v1:0"})
    assert candidate_formats(sagemaker) == ["openai-chat", "tgi"]
    assert candidate_formats(bedrock) == [
        "bedrock-converse",
        "bedrock-anthropic-messages",
        "bedrock-titan-text",
        "bedrock-meta-llama",
        "bedrock-deepseek-r1",
    ]


def test_without_an_order_the_probe_follows_the_components_image(emulator: InMemoryEmulator) -> None:
    # Given a probe of one inference component, with no format order
    asked = request(
        {"type": "sagemaker", "endpoint_name": "llm-shared-g5-12xl", "inference_component_name": "ic-qwen2-7b-vllm"}
    )

    # When the order comes from the endpoint's description
    ordered = in_image_order(asked, SageMakerDiscovery(emulator.client("sagemaker"), "us-east-1"))

    # Then it is that component's (vLLM first), not the endpoint's other component's (TGI)
    assert ordered.formats == ["openai-chat", "tgi", "djl-lmi", "jumpstart-llama2-chat"]
    assert ordered.target == asked.target
