"""``model-studio discover``: tables by default, the API's JSON with --json, the ready adapter with --config-out,
exit codes as for the other commands (1: no format found or upstream refusal, 2: invalid input)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from inference_engine import cli
from inference_engine.schema import parse_model_config
from tests.fakes.emulator_clients import EmulatorClientFactory, InMemoryEmulator


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> InMemoryEmulator:
    emulator = InMemoryEmulator()
    monkeypatch.setattr(cli, "ClientFactory", lambda: EmulatorClientFactory(emulator))
    return emulator


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_sagemaker_endpoints_as_a_table(emulator: InMemoryEmulator) -> None:
    code, out = run("discover", "sagemaker", "--region", "us-east-1")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["ENDPOINT", "STATUS", "INSTANCE", "COMPONENT", "FORMAT", "CONFIDENCE", "SERVER"]
    assert lines[1].split()[:6] == ["tgi-mistral-7b", "InService", "1", "x", "ml.g5.2xlarge", "tgi"]
    shared = [line.split() for line in lines if line.startswith("llm-shared-g5-12xl")]
    assert [(row[5], row[6]) for row in shared] == [("ic-mistral-7b-tgi", "tgi"), ("ic-qwen2-7b-vllm", "openai-chat")]


def test_one_endpoint_as_json_and_its_adapter_to_a_file(emulator: InMemoryEmulator, tmp_path: Path) -> None:
    target = tmp_path / "adapter.json"
    code, out = run(
        "discover", "sagemaker", "--region", "us-west-2", "--endpoint", "djl-lmi-llama3-8b", "--json",
        "--config-out", str(target),
    )  # fmt: skip
    assert code == 0
    answer = json.loads(out)
    assert (answer["name"], answer["detection"]["format"]) == ("djl-lmi-llama3-8b", "djl-lmi")
    config = parse_model_config(json.loads(target.read_text(encoding="utf-8")))
    assert (config.provider.type, config.provider.region) == ("sagemaker", "us-west-2")
    assert config.content_handler.stream is not None and config.content_handler.stream.framing == "jsonlines"


def test_bedrock_models_of_one_kind(emulator: InMemoryEmulator) -> None:
    code, out = run("discover", "bedrock", "--region", "us-east-1", "--kind", "marketplace-endpoint")
    assert code == 0
    rows = out.splitlines()
    assert rows[0].split()[:4] == ["KIND", "MODEL", "ID", "NAME"]
    assert rows[1].split()[:2] == [
        "marketplace-endpoint",
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/marketplace-gemma-2-9b-it",
    ]
    assert [r["operation"] for r in emulator.requests()] == ["ListMarketplaceModelEndpoints"]


def test_a_probe_orders_formats_by_the_image_and_writes_the_adapter(emulator: InMemoryEmulator, tmp_path: Path) -> None:
    # When the vLLM endpoint is probed without a format order
    target = tmp_path / "probed.json"
    code, out = run(
        "discover", "probe", "--region", "us-east-1", "--endpoint", "vllm-qwen2-7b", "--config-out", str(target)
    )

    # Then the image's order made OpenAI chat the first format tried: two model calls, buffered and streamed
    assert code == 0
    assert out.splitlines()[-1] == "format: openai-chat, streaming: True, calls: 2/4"
    model_calls = [r["operation"] for r in emulator.requests(service="sagemaker")]
    assert model_calls == ["InvokeEndpoint", "InvokeEndpointWithResponseStream"]
    assert parse_model_config(json.loads(target.read_text(encoding="utf-8"))).id == "vllm-qwen2-7b"


def test_a_probe_that_finds_no_format_exits_1(emulator: InMemoryEmulator) -> None:
    code, out = run(
        "discover", "probe", "--region", "us-east-1", "--endpoint", "vllm-qwen2-7b", "--format", "tgi",
        "--max-calls", "1", "--json",
    )  # fmt: skip
    assert code == 1
    assert json.loads(out)["attempts"][0]["outcome"] == "rejected"


def test_a_malformed_role_is_exit_2_naming_the_field(
    emulator: InMemoryEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("discover", "bedrock", "--region", "us-east-1", "--role-arn", "not-an-arn")
    assert code == 2
    assert "role_arn" in capsys.readouterr().err
    assert emulator.requests() == []


def test_a_missing_endpoint_is_exit_1_with_a_message(
    emulator: InMemoryEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run("discover", "sagemaker", "--region", "us-east-1", "--endpoint", "nope")
    assert code == 1
    assert capsys.readouterr().err.startswith("error (not_found): SageMaker endpoint 'nope'")
