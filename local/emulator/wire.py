"""The HTTP request and response as the service layer sees them (no sockets here, so it is unit-testable)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

DEFAULT_REGION: Final = "us-east-1"
ACCOUNT_ID: Final = "123456789012"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")


class StreamAbort:
    """Placed in a response stream: drop the connection here, without ending the chunked body."""


ABORT: Final = StreamAbort()
StreamItem = bytes | StreamAbort


@dataclass(frozen=True)
class HttpRequest:
    method: str
    raw_path: str  # still percent-encoded, without the query string
    query: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @staticmethod
    def build(method: str, target: str, headers: Mapping[str, str], body: bytes) -> HttpRequest:
        path, _, query = target.partition("?")
        return HttpRequest(method.upper(), path, query, {k.lower(): v for k, v in headers.items()}, body)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def query_params(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.query).items()}

    @property
    def region(self) -> str:
        match = _CREDENTIAL.search(self.headers.get("authorization", ""))
        return match.group(2) if match else DEFAULT_REGION

    @property
    def access_key_id(self) -> str | None:
        match = _CREDENTIAL.search(self.headers.get("authorization", ""))
        return match.group(1) if match else None


@dataclass
class HttpResponse:
    """A buffered body, or a ``stream`` of chunks sent with chunked transfer encoding.

    ``declared_length`` larger than the body plus ``abort`` emulates a connection dropped mid-body.
    ``delay_s`` is slept before the status line is sent.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: Iterable[StreamItem] | None = None
    declared_length: int | None = None
    abort: bool = False
    delay_s: float = 0.0


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> HttpResponse:
    return HttpResponse(
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(payload, separators=(",", ":")).encode(),
    )
