"""Real boto3 clients answered by the model emulator in memory: botocore serializes and parses as it does for AWS,
the emulator's app answers (runtimes and the read-only SageMaker/Bedrock APIs), and no socket is opened.

A ``before-send`` handler hands botocore's prepared request to ``EmulatorApp.handle`` and returns its answer, so
unit tests get the emulator's realistic inventory and its request log (what each call sent, and how many calls).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.config import Config

from inference_engine.credentials import ClientFactory, ClientSettings, Service
from inference_engine.schema import CrossAccount
from local.emulator.app import EmulatorApp
from local.emulator.registry import Registry, load_registry
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, StreamAbort

ENDPOINT = "https://emulator.invalid"  # never resolved: the handler answers before any connection
ACCESS_KEY = "AKIAINMEMORYTEST"


class _Raw:
    """The ``raw`` of an ``AWSResponse``: botocore reads ``stream()`` (event streams) or ``read()``."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def stream(self, *_args: Any, **_kwargs: Any) -> Any:
        yield from self._chunks

    def read(self, *_args: Any, **_kwargs: Any) -> bytes:
        return b"".join(self._chunks)

    def close(self) -> None:
        """Nothing to release."""


class InMemoryEmulator:
    def __init__(self, registry: Registry | dict[str, Any] | None = None) -> None:
        self.state = EmulatorState(load_registry(registry))
        self.app = EmulatorApp(self.state)

    def _answer(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse:
        url = urlsplit(request.url)
        target = url.path + (f"?{url.query}" if url.query else "")
        raw = request.body
        body = raw if isinstance(raw, bytes) else raw.encode() if isinstance(raw, str) else b""
        headers = {
            name: value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()
        }
        response = self.app.handle(HttpRequest.build(request.method, target, headers, body))
        chunks = (
            [item for item in response.stream if not isinstance(item, StreamAbort)]
            if response.stream is not None
            else [response.body]
        )
        answered: Any = response.headers  # botocore wraps them in its own case-insensitive dict
        return AWSResponse(request.url, response.status, answered, _Raw(chunks))

    def client(
        self, service: str, region: str = "us-east-1", *, access_key: str = ACCESS_KEY, config: Config | None = None
    ) -> Any:
        make: Any = boto3.client
        client = make(
            service,
            region_name=region,
            endpoint_url=ENDPOINT,
            aws_access_key_id=access_key,
            aws_secret_access_key="secret",
            config=config or Config(retries={"total_max_attempts": 1}),
        )
        client.meta.events.register("before-send", self._answer)
        return client

    def requests(self, *, service: str | None = None, target: str | None = None) -> list[dict[str, Any]]:
        return list(self.state.log.query(service=service, target=target, limit=1000)["requests"])


class EmulatorClientFactory(ClientFactory):
    """A ``ClientFactory`` whose clients are answered by an in-memory emulator, with the factory's settings;
    each request for a client is recorded (``requests``: service, region, role ARN, caller)."""

    def __init__(self, emulator: InMemoryEmulator, settings: ClientSettings | None = None) -> None:
        super().__init__(settings=settings)
        self.emulator = emulator
        self.requests: list[tuple[str, str, str | None, str | None]] = []

    def client(self, service: Service, region: str, **options: Any) -> Any:
        """``ClientProvider.client``: its keyword options (``cross_account``, ``caller``...); the endpoint URL and the
        target are the emulator's concern."""
        cross_account: CrossAccount | None = options.get("cross_account")
        role_arn = cross_account.role_arn if cross_account else None
        self.requests.append((service, region, role_arn, options.get("caller")))
        key = "ASIAASSUMEDROLE00000" if cross_account else ACCESS_KEY
        return self.emulator.client(service, region, access_key=key, config=self.settings.botocore_config())
