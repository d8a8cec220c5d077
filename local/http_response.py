"""What each part of the local server answers: a status, headers and a body (bytes, or chunks as they come)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass
class LocalResponse:
    status: int
    headers: dict[str, str]
    body: bytes | Iterator[bytes] = b""
    on_hang_up: Callable[[], None] | None = None  # a streamed body's caller went away


def json_response(status: int, payload: Any, **headers: str) -> LocalResponse:
    return LocalResponse(status, {"Content-Type": "application/json", **headers}, json.dumps(payload).encode())
