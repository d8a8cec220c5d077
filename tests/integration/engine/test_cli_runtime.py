"""The model-studio CLI against a runtime found through the standard AWS_ENDPOINT_URL_* variables (the model
emulator), in-process and as a real process: outputs, exit codes and messages instead of tracebacks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inference_engine import cli
from inference_engine.catalogue import catalogue_json
from local.emulator import EmulatorServer
from tests.integration.engine.conftest import logged
from tests.support.ports import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

QUESTION = "What is the capital of France?"
CLI_KEY = "AKIACLIENVIRONMENT00"


def runtime_env(emulator_url: str, tmp_path: Path) -> dict[str, str]:
    """Only the standard AWS variables: credentials, and where the two runtimes are."""
    return {
        "AWS_ACCESS_KEY_ID": CLI_KEY,
        "AWS_SECRET_ACCESS_KEY": "cli-secret",
        "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": emulator_url,
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": emulator_url,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


@pytest.fixture
def env(emulator: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = runtime_env(emulator.url, tmp_path)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def config_file(tmp_path: Path, fmt: str) -> str:
    path = tmp_path / f"{fmt}.json"
    path.write_text(json.dumps(catalogue_json(fmt)), encoding="utf-8")
    return str(path)


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("fmt", ["tgi", "bedrock-titan-text", "bedrock-converse"])
@pytest.mark.parametrize("stream_flag", [[], ["--stream"]])
def test_invoke_reaches_the_runtime_named_by_aws_endpoint_url_variables(
    fmt: str, stream_flag: list[str], emulator: EmulatorServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()

    code = cli.main(["invoke", config_file(tmp_path, fmt), "--prompt", QUESTION, *stream_flag], out=out)

    assert code == 0
    assert out.getvalue().lstrip().startswith(f"Echo: {QUESTION}")
    assert out.getvalue().endswith("\n")
    assert '"estimated":' in capsys.readouterr().err
    (request,) = logged(emulator)
    assert request["access_key_id"] == CLI_KEY
    assert request["operation"].endswith("Stream") is bool(stream_flag)


@pytest.mark.usefixtures("env")
def test_an_upstream_refusal_is_exit_code_1_with_a_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()

    code = cli.main(["invoke", config_file(tmp_path, "tgi"), "--prompt", "Hi [[fault:access_denied]]"], out=out)

    err = capsys.readouterr().err
    assert code == 1
    assert out.getvalue() == ""
    assert err.startswith(
        "error (credentials_error): SageMaker endpoint 'tgi-mistral-7b' in us-east-1: AccessDeniedException"
    )
    assert "Traceback" not in err


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    process_env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")} | env
    return subprocess.run(
        [sys.executable, "-m", "inference_engine.cli", *args],
        capture_output=True,
        text=True,
        env=process_env,
        timeout=60,
        check=False,
    )


def test_the_cli_process_invokes_and_exits_0(emulator: EmulatorServer, tmp_path: Path) -> None:
    done = _run(
        ["invoke", config_file(tmp_path, "djl-lmi"), "--prompt", QUESTION, "--stream"],
        runtime_env(emulator.url, tmp_path),
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Echo: {QUESTION}")


def test_the_cli_process_exits_2_on_an_invalid_config_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**catalogue_json("tgi"), "provider": {"type": "sagemaker", "region": "us-east-1"}}))

    done = _run(["validate", str(path)], {})

    assert done.returncode == 2
    assert "provider.endpoint_name: Field required" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_cli_process_exits_1_when_the_runtime_is_unreachable(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    done = _run(["invoke", config_file(tmp_path, "tgi"), "--prompt", "Hi"], runtime_env(nowhere, tmp_path))

    assert done.returncode == 1
    assert done.stderr.startswith(
        "error (upstream_error): SageMaker endpoint 'tgi-mistral-7b' in us-east-1: cannot connect"
    )
    assert "Traceback" not in done.stderr
