"""``ApiClient``: the API's routes as methods, over HTTPS (or ``make dev``'s HTTP), with the caller's ID token.

Errors come back as ``ApiError`` carrying the status and the API's error body (``error``, ``message``,
``details``, ``rule``), or API Gateway's own ``{"message"}``; a streamed invoke yields its events as they arrive.
"""

from __future__ import annotations

import codecs
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from model_studio_client.sse import SseParser

USER_AGENT = "model-studio-api"


class ApiError(Exception):
    """The API (or the gateway in front of it) refused or failed the request."""

    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body: dict[str, Any] = body if isinstance(body, dict) else {"message": str(body)}
        code = self.body.get("error") or "gateway"
        super().__init__(f"{status} {code}: {self.body.get('message', '')}")


@dataclass(frozen=True)
class StreamFrame:
    event: str  # delta | reasoning | done | error (the CLI prints the deltas only)
    data: dict[str, Any]


def checked_url(url: str) -> str:
    """Only http(s) URLs are fetched (never ``file:`` or a custom scheme)."""
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except json.JSONDecodeError:
        return raw.decode(errors="replace")


class ApiClient:
    def __init__(self, base_url: str, token: str | None, *, timeout_s: float = 310) -> None:
        self.base_url = checked_url(base_url).rstrip("/")
        self._token = token
        self._timeout = timeout_s  # above the streaming route's integration timeout (300 s in the shipped stages)

    def _request(self, method: str, path: str, body: Any = None, accept: str = "application/json") -> Any:
        headers = {"Accept": accept, "User-Agent": USER_AGENT}
        if self._token:
            headers["Authorization"] = self._token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)  # noqa: S310
        try:
            return urllib.request.urlopen(request, timeout=self._timeout)  # noqa: S310 - http(s) only, checked
        except urllib.error.HTTPError as error:
            raise ApiError(error.code, _json(error.read())) from None

    def get(self, path: str) -> Any:
        with self._request("GET", path) as response:
            return _json(response.read())

    def invoke(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /invoke``: the whole answer."""
        with self._request("POST", "/invoke", dict(body)) as response:
            answer: dict[str, Any] = _json(response.read())
            return answer

    def stream(self, body: Mapping[str, Any]) -> Iterator[StreamFrame]:
        """``POST /invoke/stream``: each frame as it arrives; a refusal raises ``ApiError`` before the first one."""
        with self._request("POST", "/invoke/stream", dict(body), accept="text/event-stream") as response:
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("text/event-stream"):
                raise ApiError(response.status, _json(response.read()))
            decoder = codecs.getincrementaldecoder("utf-8")()
            parser = SseParser()
            while chunk := response.read1(65536):
                for event in parser.feed(decoder.decode(chunk)):
                    yield StreamFrame(event.event, json.loads(event.data) if event.data else {})
