"""Discovery and probes over loopback through the one client factory: the emulator's SageMaker and Bedrock APIs
and runtimes, a cross-account role assumed in moto's STS, and the CLI as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inference_engine.credentials import ClientFactory, ClientSettings
from inference_engine.discovery.bedrock import BedrockDiscovery
from inference_engine.discovery.models import ProbeRequest
from inference_engine.discovery.probe import ProbeLimits, probe
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.engine import invoke
from inference_engine.messages import parse_conversation
from inference_engine.schema import CrossAccount
from local.emulator import EmulatorServer
from tests.integration.engine.conftest import BASE_KEY, base_session, logged

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

REPO_ROOT = Path(__file__).resolve().parents[3]
QUESTION = "What is the capital of France?"


@pytest.fixture
def clients(emulator: EmulatorServer) -> ClientFactory:
    urls = dict.fromkeys(("sagemaker", "bedrock", "sagemaker-runtime", "bedrock-runtime"), emulator.url)
    return ClientFactory(session=base_session(), settings=ClientSettings(max_attempts=0), endpoint_urls=urls)


def test_a_discovered_adapter_invokes_its_endpoint_as_is(emulator: EmulatorServer, clients: ClientFactory) -> None:
    # Given every endpoint the emulator's SageMaker API lists, with its ready adapter
    page = SageMakerDiscovery(clients.client("sagemaker", "us-east-1"), "us-east-1").endpoints(limit=50)
    configs = [v.config for e in page.endpoints for v in e.variants if v.config]
    configs += [c.config for e in page.endpoints for c in e.inference_components if c.config]
    assert len(configs) == 8

    # When each adapter is invoked as discovery returned it
    answers = [invoke(config, parse_conversation({"prompt": QUESTION}), clients=clients) for config in configs]

    # Then every endpoint (and component) answered text for it, signed with the function's own key
    assert all(answer.output.lstrip().startswith(f"Echo: {QUESTION}") for answer in answers)
    model_calls = [r for r in logged(emulator) if r["service"] == "sagemaker"]
    assert len(model_calls) == 8 and {r["status"] for r in model_calls} == {200}
    assert {r["access_key_id"] for r in logged(emulator)} == {BASE_KEY}


def test_bedrock_discovery_offers_adapters_that_invoke(emulator: EmulatorServer, clients: ClientFactory) -> None:
    listing = BedrockDiscovery(clients.client("bedrock", "us-east-1"), "us-east-1").models()
    usable = [m for m in listing.models if m.usable and m.config is not None]
    assert {m.kind for m in usable} == {
        "foundation-model",
        "system-inference-profile",
        "application-inference-profile",
        "imported-model",
        "marketplace-endpoint",
    }
    for model in usable:
        assert model.config is not None
        answer = invoke(model.config, parse_conversation({"prompt": QUESTION}), clients=clients)
        assert answer.output.startswith(f"Echo: {QUESTION}"), model.model_id


def test_discovery_and_probe_through_an_assumed_role(
    emulator: EmulatorServer, moto_url: str, clients: ClientFactory
) -> None:
    # Given a factory whose STS is moto, and a role to read and probe through
    role = CrossAccount(role_arn="arn:aws:iam::111122223333:role/ModelStudioDiscovery", external_id="studio")
    urls = {"sts": moto_url, **dict.fromkeys(("sagemaker", "sagemaker-runtime"), emulator.url)}
    factory = ClientFactory(session=base_session(), settings=ClientSettings(max_attempts=0), endpoint_urls=urls)

    # When an endpoint is described and probed through it
    endpoint = SageMakerDiscovery(
        factory.client("sagemaker", "us-east-1", cross_account=role, caller="ada"), "us-east-1", role
    ).endpoint("tgi-mistral-7b")
    result = probe(
        ProbeRequest.model_validate(
            {
                "target": {"type": "sagemaker", "endpoint_name": "tgi-mistral-7b", "region": "us-east-1"},
                "cross_account": role.model_dump(),
                "formats": ["tgi"],
            }
        ),
        clients=factory,
        limits=ProbeLimits(4),
        caller="ada",
    )

    # Then one role was assumed, every request was signed with its temporary key, and the configs keep the role
    assert factory.assume_role_calls == 1
    keys = {r["access_key_id"] for r in logged(emulator)}
    assert len(keys) == 1 and next(iter(keys)) != BASE_KEY
    assert endpoint.config is not None and endpoint.config.cross_account == role
    assert (result.format, result.streaming, result.calls) == ("tgi", True, 2)
    assert result.config is not None and result.config.cross_account == role


def test_the_cli_discovers_through_the_standard_endpoint_variables(emulator: EmulatorServer, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "AKIACLIDISCOVERY0000",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_ENDPOINT_URL_SAGEMAKER": emulator.url,
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator.url,
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    command = [sys.executable, "-m", "inference_engine.cli", "discover", "probe", "--region", "us-east-1"]
    completed = subprocess.run(
        [*command, "--endpoint", "djl-lmi-llama3-8b", "--json"],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    answer = json.loads(completed.stdout)
    assert (answer["format"], answer["streaming"], answer["calls"]) == ("djl-lmi", True, 2)
    assert {r["access_key_id"] for r in logged(emulator)} == {"AKIACLIDISCOVERY0000"}
