"""The control plane and request log over HTTP, raw wire behaviour, and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

from local.emulator import EmulatorServer
from tests.support.emulator import Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_request_log_holds_the_exact_body_a_client_sent(sagemaker: SageMakerRuntimeClient, control: Control) -> None:
    # Given a client call with a specific body
    body = {"inputs": "exact body", "parameters": {"max_new_tokens": 3, "temperature": 0.7, "stop": ["\n"]}}
    sagemaker.invoke_endpoint(EndpointName="tgi-mistral-7b", ContentType="application/json", Body=json.dumps(body))

    # When the log is read for that target
    status, log = control("GET", "/_emulator/requests?target=tgi-mistral-7b")

    # Then it holds that body, the operation and the caller's access key
    assert status == 200
    assert log["total"] == 1
    [entry] = log["requests"]
    assert entry["body"] == body
    assert entry["operation"] == "InvokeEndpoint"
    assert entry["service"] == "sagemaker"
    assert entry["access_key_id"] == "AKIAEMULATORTEST"
    assert entry["status"] == 200


def test_a_target_never_called_has_zero_requests(bedrock: BedrockRuntimeClient, control: Control) -> None:
    bedrock.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": "x"}]}])
    _, log = control("GET", "/_emulator/requests?target=anthropic.claude-3-haiku-20240307-v1:0")
    assert log == {"total": 0, "count": 0, "requests": []}
    _, everything = control("GET", "/_emulator/requests")
    assert everything["total"] == 1


def test_raw_request_without_authorization_is_refused_and_not_counted(control: Control) -> None:
    status, body = control(
        "POST", "/endpoints/tgi-mistral-7b/invocations", b'{"inputs": "x"}', {"Content-Type": "application/json"}
    )
    assert status == 403
    assert body == {"message": "Missing Authentication Token"}
    assert control("GET", "/_emulator/requests")[1]["total"] == 0


def test_registry_changes_over_http_take_effect(sagemaker: SageMakerRuntimeClient, control: Control) -> None:
    status, registry = control(
        "POST", "/_emulator/registry", {"sagemaker": {"my-new-endpoint": {"format": "djl-lmi", "variant": "Blue"}}}
    )
    assert status == 200
    assert registry["sagemaker"]["my-new-endpoint"]["variant"] == "Blue"
    response = sagemaker.invoke_endpoint(
        EndpointName="my-new-endpoint", ContentType="application/json", Body=b'{"inputs": "new"}'
    )
    assert response["InvokedProductionVariant"] == "Blue"
    assert json.loads(response["Body"].read())["generated_text"].startswith("Echo: new.")
    assert control("GET", "/_emulator/health")[1]["status"] == "ok"


def test_bad_control_requests_get_json_errors(control: Control) -> None:
    assert control("POST", "/_emulator/faults", b"not json")[0] == 400
    status, body = control("POST", "/_emulator/faults", {"target": "x", "kind": "latency", "latency_ms": -5})
    assert status == 400
    assert body["details"][0]["path"] == "latency_ms"
    assert control("PATCH", "/_emulator/registry", {})[0] == 405


def test_cli_prints_the_ready_line_serves_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    # Given a registry file with one endpoint
    registry = tmp_path / "registry.json"
    registry.write_text(json.dumps({"sagemaker": {"cli-endpoint": "tgi"}}))

    # When the CLI starts on a free port
    process = subprocess.Popen(
        [sys.executable, "-m", "local.emulator", "--port", "0", "--registry", str(registry)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()

        # Then it announces its URL and serves the registry it was given
        assert line.startswith("emulator ready on http://127.0.0.1:")
        url = line.removeprefix("emulator ready on ")
        with urllib.request.urlopen(url + "/_emulator/health", timeout=5) as response:
            assert json.loads(response.read())["sagemaker_endpoints"] == 1

        # And SIGTERM stops it with exit code 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_server_context_manager_stops_and_frees_the_port() -> None:
    with EmulatorServer(registry={"sagemaker": {"e": "tgi"}}) as server:
        url = server.url
        with urllib.request.urlopen(url + "/_emulator/health", timeout=5) as response:
            assert response.status == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/_emulator/health", timeout=2)
