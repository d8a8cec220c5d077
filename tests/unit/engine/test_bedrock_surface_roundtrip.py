"""The 2026 Bedrock surface, each shape rendered and round-tripped buffered and streamed against a recorded answer:
inference-profile, imported-model and Marketplace endpoint ARNs as ``model_id``, reasoning kept apart from the answer
(Converse ``reasoningContent`` and inline ``<think>`` text), ``cachePoint`` blocks, ``performanceConfig`` and service
tier. Every request is checked against botocore's model of the operation by the fake runtime."""

from __future__ import annotations

import json
from typing import Any

import pytest

from inference_engine.catalogue import catalogue_json
from inference_engine.engine import StreamDelta, StreamEnd, StreamReasoning, invoke, prepare, stream
from inference_engine.merge import merge_patch
from inference_engine.messages import parse_conversation
from inference_engine.schema import ModelConfig, parse_model_config
from tests.fixtures.loader import SurfaceCase, load_surface, surface_cases
from tests.unit.engine.fakes import FakeRuntime, recorded_runtime

CASES = surface_cases()


def _config(case: SurfaceCase) -> ModelConfig:
    return parse_model_config(merge_patch(catalogue_json(case.base), case.patch))


def _sent(runtime: FakeRuntime) -> tuple[dict[str, Any], Any]:
    (_, params), *_ = runtime.calls
    params = dict(params)
    body = params.pop("body", None)
    return params, json.loads(body) if body is not None else None


def test_every_recorded_shape_is_covered() -> None:
    assert set(CASES) == {
        "converse-cache-latency-tier",
        "converse-imported-model",
        "converse-marketplace-endpoint",
        "converse-reasoning-application-profile",
        "invoke-imported-distill-think",
    }


@pytest.mark.parametrize("name", CASES)
def test_the_model_id_and_options_validate_and_render_the_expected_request(name: str) -> None:
    # Given the adapter with the shape's patch
    case = load_surface(name)
    config = _config(case)

    # When the request is rendered, buffered and streamed
    buffered = prepare(config, parse_conversation(case.recorded.conversation))
    streamed = prepare(config, parse_conversation(case.recorded.conversation), stream=True)

    # Then both carry exactly the expected parameters (and body), and only the operation differs
    assert buffered.params == case.expected_params
    assert streamed.params == case.expected_params
    assert buffered.body == case.expected_body
    assert buffered.operation.rsplit(":", 1)[1] in {"Converse", "InvokeModel"}
    assert streamed.operation == buffered.operation.replace("Converse", "ConverseStream").replace(
        "InvokeModel", "InvokeModelWithResponseStream"
    )


@pytest.mark.parametrize("name", CASES)
def test_buffered_round_trip_keeps_reasoning_apart_and_reports_usage(name: str) -> None:
    # Given the adapter and a runtime that answers with the recorded body
    case = load_surface(name)
    config = _config(case)
    factory, runtime = recorded_runtime(config, case.recorded, streamed=False)

    # When it is invoked
    result = invoke(config, parse_conversation(case.recorded.conversation), clients=factory, caller="ada")

    # Then one call went out with the expected parameters and body, to the model id's region
    params, body = _sent(runtime)
    assert params == case.expected_params
    assert body == case.expected_body
    assert [(r.service, r.region) for r in factory.requests] == [("bedrock-runtime", "us-east-1")]
    # And the answer, the reasoning and the usage are the recorded ones, each in its own place
    expected = case.recorded.expected
    assert result.output == expected["text"]
    assert result.reasoning == expected["reasoning"]
    assert expected["text"] not in (result.reasoning or "")
    assert result.usage.as_dict() == expected["usage"]
    assert result.stop_reason == expected["stop_reason"]


@pytest.mark.parametrize("name", CASES)
def test_streamed_round_trip_sends_reasoning_as_its_own_events(name: str) -> None:
    # Given the adapter and a runtime that streams the recorded events or chunks
    case = load_surface(name)
    config = _config(case)
    factory, runtime = recorded_runtime(config, case.recorded, streamed=True)

    # When it is streamed
    events = list(stream(config, parse_conversation(case.recorded.conversation), clients=factory, caller="ada"))

    # Then the stream call carried the same parameters as the buffered one
    params, body = _sent(runtime)
    assert params == case.expected_params
    assert body == case.expected_body
    # And answer and reasoning arrived piece by piece, reasoning first, never mixed
    expected = case.recorded.expected
    answer = [e.text for e in events if isinstance(e, StreamDelta)]
    thoughts = [e.text for e in events if isinstance(e, StreamReasoning)]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert "".join(answer) == end.output == expected["text"]
    assert ("".join(thoughts) or None) == end.reasoning == expected["reasoning"]
    assert len(answer) > 1
    if thoughts:
        kinds = [type(e) for e in events[:-1]]
        assert kinds.index(StreamDelta) > max(i for i, kind in enumerate(kinds) if kind is StreamReasoning)
    assert end.usage.as_dict() == expected["usage"]
    assert end.stop_reason == expected["stop_reason"]


def test_cache_point_with_invoke_model_is_refused_naming_the_field() -> None:
    # Given an InvokeModel adapter asked for Converse prompt caching
    document = merge_patch(catalogue_json("bedrock-anthropic-messages"), {"provider": {"cache_point": {}}})

    # When it is validated / Then the error names the provider and says what to do instead
    with pytest.raises(Exception, match="cache_point is a Converse feature") as caught:
        parse_model_config(document)
    assert caught.value.details[0].path == "provider"  # type: ignore[attr-defined]


def test_cache_point_ttl_and_system_only_caching_render_as_botocore_accepts() -> None:
    # Given caching of the system prompt only, with a one-hour TTL, and no system prompt in one of the calls
    config = parse_model_config(
        merge_patch(catalogue_json("bedrock-converse"), {"provider": {"cache_point": {"ttl": "1h"}}})
    )

    # When requests are rendered with and without a system prompt
    with_system = prepare(config, parse_conversation({"prompt": "Hi", "system": "Be brief."})).params
    without = prepare(config, parse_conversation({"prompt": "Hi"})).params

    # Then the cache point follows the system text, and nothing is cached when there is no system prompt
    assert with_system["system"] == [{"text": "Be brief."}, {"cachePoint": {"type": "default", "ttl": "1h"}}]
    assert with_system["messages"] == [{"role": "user", "content": [{"text": "Hi"}]}]
    assert "system" not in without
    assert without["messages"] == [{"role": "user", "content": [{"text": "Hi"}]}]


def test_latency_and_service_tier_are_invoke_model_headers_too() -> None:
    # Given an InvokeModel adapter with latency-optimized inference on the priority tier
    config = parse_model_config(
        merge_patch(
            catalogue_json("bedrock-anthropic-messages"),
            {"provider": {"performance_latency": "optimized", "service_tier": "priority"}},
        )
    )

    # When rendered / Then InvokeModel's own parameters carry them (botocore sends them as headers)
    params = prepare(config, parse_conversation({"prompt": "Hi"})).params
    assert params["performanceConfigLatency"] == "optimized"
    assert params["serviceTier"] == "priority"
