"""Fault rules, prompt markers, rate limits and the registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from local.emulator.faults import FaultSpec, FaultStore, RateLimiter, marker_fault
from local.emulator.registry import Registry, load_registry
from local.emulator.state import EmulatorState
from tests.support import emulator
from tests.support.emulator import Call, invocations

TGI = invocations(emulator.TGI)


def test_fault_rule_is_consumed_count_times_for_its_target_only() -> None:
    store = FaultStore()
    store.add(FaultSpec(target="tgi-mistral-7b", kind="throttle", count=2))
    assert store.take(("other",), b"{}") is None
    first, second, third = (store.take(("tgi-mistral-7b",), b"{}") for _ in range(3))
    assert first is not None and first.kind == "throttle" and first.source == "rule"
    assert second is not None
    assert third is None
    assert store.list() == []


def test_wildcard_rule_with_count_zero_stays_until_deleted() -> None:
    store = FaultStore()
    rule = store.add(FaultSpec(target="*", kind="latency", count=0, latency_ms=5))
    for _ in range(3):
        fault = store.take(("anything",), b"")
        assert fault is not None and fault.latency_ms == 5
    assert store.delete(rule.id)
    assert store.take(("anything",), b"") is None


def test_marker_in_the_body_triggers_a_fault() -> None:
    assert marker_fault(b'{"inputs": "hi [[fault:model_error]]"}') is not None
    latency = marker_fault(b'{"inputs": "[[fault:latency:250]]"}')
    assert latency is not None and latency.kind == "latency" and latency.latency_ms == 250
    assert marker_fault(b'{"inputs": "[[fault:unknown_kind]]"}') is None
    assert marker_fault(b'{"inputs": "no marker"}') is None


def test_fault_spec_rejects_unknown_kinds() -> None:
    with pytest.raises(ValidationError):
        FaultSpec.model_validate({"target": "*", "kind": "explode"})


def test_rate_limiter_allows_a_burst_then_refills_at_the_rate() -> None:
    # Given a 2 requests/second bucket on a clock that only moves when told
    now = [100.0]
    limiter = RateLimiter(clock=lambda: now[0])

    # Then a burst of two passes, the third is refused, and half a second later one more passes
    assert [limiter.allow("t", 2.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("other", 2.0)
    now[0] += 0.5
    assert [limiter.allow("t", 2.0) for _ in range(2)] == [True, False]


def test_rate_limit_answers_the_real_throttling_error(call: Call, state: EmulatorState) -> None:
    state.merge_registry(Registry.model_validate({"sagemaker": {"tgi-mistral-7b": {"format": "tgi", "rate_limit": 1}}}))
    assert call("POST", TGI, {"inputs": "x"}).status == 200
    throttled = call("POST", TGI, {"inputs": "x"})
    assert throttled.status == 400
    assert throttled.headers["x-amzn-ErrorType"].startswith("ThrottlingException:")


def test_default_registry_has_every_format_and_the_documented_ids() -> None:
    registry = load_registry()
    assert {entry.format for entry in registry.sagemaker.values()} == {
        "tgi",
        "djl-lmi",
        "jumpstart-llama2-chat",
        "openai-chat",
    }
    for endpoint in ("tgi-mistral-7b", "djl-lmi-llama3-8b", "jumpstart-llama2-7b-chat", "vllm-qwen2-7b"):
        assert endpoint in registry.sagemaker
    for model_id in (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "amazon.titan-text-express-v1",
        "meta.llama3-8b-instruct-v1:0",
        "amazon.nova-lite-v1:0",
    ):
        assert model_id in registry.bedrock


def test_registry_accepts_the_format_shorthand_and_rejects_unknown_formats() -> None:
    registry = Registry.model_validate({"sagemaker": {"e": "tgi"}, "bedrock": {"m.x-v1": "bedrock-titan-text"}})
    assert registry.sagemaker["e"].format == "tgi"
    assert registry.sagemaker["e"].variant == "AllTraffic"
    with pytest.raises(ValidationError):
        Registry.model_validate({"sagemaker": {"e": "bedrock-titan-text"}})


def test_registry_resolves_arns_to_registered_ids() -> None:
    registry = Registry.model_validate({"bedrock": {"amazon.titan-text-express-v1": "bedrock-titan-text"}})
    resolved = registry.resolve_bedrock("arn:aws:bedrock:eu-west-1::foundation-model/amazon.titan-text-express-v1")
    assert resolved is not None and resolved[0] == "amazon.titan-text-express-v1"
    assert registry.resolve_bedrock("arn:aws:bedrock:eu-west-1::foundation-model/amazon.other-v1") is None


def test_registry_loads_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "registry.json"
    path.write_text(json.dumps({"sagemaker": {"only-one": "djl-lmi"}}))
    registry = load_registry(path)
    assert list(registry.sagemaker) == ["only-one"]
    assert registry.bedrock == {}
