"""One emulator per module on a loopback port, real boto3 clients, and a small control-plane client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from mypy_boto3_bedrock_runtime import BedrockRuntimeClient
from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

from local.emulator import EmulatorServer, load_registry
from tests.support.emulator import Control

# No retries: a fault must surface on the first attempt, exactly as the service answered it.
CLIENT_CONFIG = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_state(emulator: EmulatorServer) -> None:
    emulator.state.replace_registry(load_registry())
    emulator.state.reset()


_CREDENTIALS = {"aws_access_key_id": "AKIAEMULATORTEST", "aws_secret_access_key": "secret"}


def _client(service: str, emulator: EmulatorServer) -> Any:
    session = boto3.Session(
        aws_access_key_id=_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=_CREDENTIALS["aws_secret_access_key"],
        region_name="us-east-1",
    )
    return session.client(service, endpoint_url=emulator.url, config=CLIENT_CONFIG)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def sagemaker(emulator: EmulatorServer) -> SageMakerRuntimeClient:
    client: SageMakerRuntimeClient = _client("sagemaker-runtime", emulator)
    return client


@pytest.fixture(scope="module")
def bedrock(emulator: EmulatorServer) -> BedrockRuntimeClient:
    client: BedrockRuntimeClient = _client("bedrock-runtime", emulator)
    return client


@pytest.fixture
def control(emulator: EmulatorServer) -> Control:
    """``control(method, path, body=None, headers=None)`` -> ``(status, parsed JSON body)`` over plain HTTP."""

    def _control(method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        request = urllib.request.Request(emulator.url + path, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    return _control
