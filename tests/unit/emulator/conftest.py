"""Fixtures for the emulator's unit tests: the whole app driven in memory (no socket)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, cast

import botocore.session
import pytest
from botocore.eventstream import EventStream, EventStreamBuffer, EventStreamMessage
from botocore.model import StructureShape
from botocore.parsers import EventStreamJSONParser

from local.emulator.app import EmulatorApp
from local.emulator.registry import load_registry
from local.emulator.state import EmulatorState
from local.emulator.wire import HttpRequest, HttpResponse
from tests.support.emulator import Call

AUTH = "AWS4-HMAC-SHA256 Credential=AKIDUNIT/20250101/eu-west-1/sagemaker/aws4_request, SignedHeaders=host, Signature=0"


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState(load_registry())


@pytest.fixture
def call(state: EmulatorState) -> Call:
    """``call(method, path, body=..., headers=..., auth=True)`` -> the app's ``HttpResponse``."""
    app = EmulatorApp(state)

    def _call(
        method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, auth: bool = True
    ) -> HttpResponse:
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if auth:
            all_headers["Authorization"] = AUTH
        return app.handle(HttpRequest.build(method, path, all_headers, raw))

    return _call


def _stream_bytes(response: HttpResponse) -> bytes:
    assert response.stream is not None, "expected a streamed response"
    return b"".join(item for item in response.stream if isinstance(item, bytes))


def _decode_messages(data: bytes) -> list[EventStreamMessage]:
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


class _RawStream:
    def __init__(self, data: bytes, piece: int) -> None:
        self._pieces = [data[i : i + piece] for i in range(0, len(data), piece)]

    def stream(self) -> list[bytes]:
        return self._pieces

    def close(self) -> None:
        """Nothing to release."""


def _parse_event_stream(data: bytes, service: str, operation: str, member: str, piece: int = 7) -> list[dict[str, Any]]:
    """Parse the bytes exactly as botocore does for a client (fed in small pieces); raises ``EventStreamError``."""
    model = botocore.session.get_session().get_service_model(service)
    output = model.operation_model(operation).output_shape
    assert output is not None
    shape = cast(StructureShape, output.members[member])
    return list(EventStream(_RawStream(data, piece), shape, EventStreamJSONParser(), operation))


@pytest.fixture
def stream_bytes() -> Callable[[HttpResponse], bytes]:
    """The bytes of a streamed response (an abort marker ends them)."""
    return _stream_bytes


@pytest.fixture
def decode_messages() -> Callable[[bytes], list[EventStreamMessage]]:
    """Eventstream messages decoded by botocore's own ``EventStreamBuffer``."""
    return _decode_messages


@pytest.fixture
def parse_event_stream() -> Callable[..., list[dict[str, Any]]]:
    """``parse_event_stream(data, service, operation, member)``: events as a boto3 client yields them."""
    return _parse_event_stream
