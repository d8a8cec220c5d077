"""A small HTTP client for the running local stack: JSON in, parsed JSON (or SSE frames) out."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from model_studio_client.sse import parse_events
from tests.support.local_stack import RunningStack

STACK_TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages", '.py", line ')


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def error(self) -> str | None:
        body = self.json
        return body.get("error") if isinstance(body, dict) else None

    @property
    def frames(self) -> list[tuple[str, dict[str, Any]]]:
        """The server-sent events of a streamed answer, as ``(event, data)``."""
        return [(event.event, event.json()) for event in parse_events([self.text])]


def has_stack_trace(text: str) -> bool:
    return any(marker in text for marker in STACK_TRACE_MARKERS)


def request(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None, *, timeout: float = 60
) -> Answer:
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    prepared = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(prepared, timeout=timeout) as response:
            return Answer(response.status, response.read().decode(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read().decode(), dict(error.headers))


class StackClient:
    """The API as one signed-in user, plus the emulator's control plane."""

    def __init__(self, stack: RunningStack, token: str) -> None:
        self.stack = stack
        self.auth = {"Authorization": token}

    def api(self, method: str, path: str, body: Any = None, *, timeout: float = 60) -> Answer:
        return request(method, self.stack.api + path, body, self.auth, timeout=timeout)

    def invoke(self, body: dict[str, Any], *, timeout: float = 60) -> Answer:
        """``POST /invoke``, or ``POST /invoke/stream`` when the body asks to stream (as the UI does)."""
        return self.api("POST", "/invoke/stream" if body.get("stream") else "/invoke", body, timeout=timeout)

    def audit(self, limit: int = 200) -> list[dict[str, Any]]:
        answer = self.api("GET", f"/audit?limit={limit}")
        assert answer.status == 200, answer.text
        return list(answer.json["records"])

    def emulator(self, method: str, path: str, body: Any = None) -> Any:
        answer = request(method, self.stack.emulator + path, body)
        assert answer.status < 300, answer.text
        return answer.json

    def emulator_requests(self, target: str, limit: int = 1000) -> list[dict[str, Any]]:
        log = self.emulator("GET", f"/_emulator/requests?target={quote(target, safe='')}&limit={limit}")
        return list(log["requests"])
