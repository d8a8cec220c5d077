"""Loopback services for the engine's integration tests: the model emulator and a moto server (STS)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from inference_engine.credentials import ClientFactory, ClientSettings
from local.emulator import EmulatorServer, load_registry
from tests.support.ports import free_port

BASE_KEY = "AKIAENGINEBASE000000"
BASE_SECRET = "engine-base-secret"


def base_session() -> boto3.Session:
    return boto3.Session(aws_access_key_id=BASE_KEY, aws_secret_access_key=BASE_SECRET, region_name="us-east-1")


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_emulator(request: pytest.FixtureRequest) -> None:
    if "emulator" in request.fixturenames:
        server: EmulatorServer = request.getfixturevalue("emulator")
        server.state.replace_registry(load_registry())
        server.state.reset()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def emulator_clients(emulator: EmulatorServer) -> ClientFactory:
    """Real boto3 clients aimed at the emulator, retries off so a fault surfaces on the first attempt."""
    return ClientFactory(
        session=base_session(),
        settings=ClientSettings(max_attempts=0, read_timeout_s=15.0),
        endpoint_urls={"sagemaker-runtime": emulator.url, "bedrock-runtime": emulator.url},
    )


def logged(emulator: EmulatorServer, **query: Any) -> list[dict[str, Any]]:
    """The emulator's request log (oldest first) as dicts with the parsed body."""
    requests: list[dict[str, Any]] = emulator.state.log.query(**query)["requests"]
    return sorted(requests, key=lambda r: r["seq"])
