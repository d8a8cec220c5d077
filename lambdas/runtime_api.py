"""A client of the Lambda Runtime API, for the streaming function's own runtime loop.

The managed Python runtime answers every invocation with one buffered payload; API Gateway response streaming
needs the function to POST its answer with ``Lambda-Runtime-Function-Response-Mode: streaming`` and chunked
transfer encoding. This is the small part of the Runtime API that takes: ``next`` (long poll for an event), the
streamed response, the invocation error and the init error routes. Standard library only, so it works before
anything else is importable (an init error must still be reported when a dependency is missing).
"""

from __future__ import annotations

import base64
import http.client
import json
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

API_VERSION = "2018-06-01"
STREAMING_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response"
PRELUDE_DELIMITER = b"\x00" * 8  # between API Gateway's JSON prelude and the streamed body
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
ERROR_BODY_TRAILER = "Lambda-Runtime-Function-Error-Body"
MAX_CHUNK = 64 * 1024
# http.client's exceptions when the peer is gone mid-response (API Gateway's client hung up)
CONNECTION_LOST = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, http.client.HTTPException)


class ResponseAborted(Exception):  # noqa: N818 - what happened, not an error of the function
    """The Runtime API stopped taking the streamed response (the caller went away)."""


class Responder(Protocol):
    """Answers one invocation through the Runtime API (``lambdas.stream_handler.respond``)."""

    def __call__(self, invocation: Invocation, runtime: RuntimeApiClient) -> None: ...


@dataclass(frozen=True)
class Invocation:
    """One event from ``GET /runtime/invocation/next`` with the headers the runtime must honour."""

    request_id: str
    event: Any
    deadline_ms: int
    function_arn: str
    trace_id: str | None


def error_payload(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    """The Runtime API's error document (what the managed runtimes send); never the exception's locals."""
    return {
        "errorMessage": str(exc) or type(exc).__name__,
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def prelude(status: int, headers: Mapping[str, str]) -> bytes:
    """API Gateway's metadata for a streamed Lambda proxy response, with its delimiter."""
    return json.dumps({"statusCode": status, "headers": dict(headers)}).encode() + PRELUDE_DELIMITER


def _chunk(data: bytes) -> bytes:
    return f"{len(data):X}\r\n".encode() + data + b"\r\n"


class RuntimeApiClient:
    """One keep-alive connection to ``AWS_LAMBDA_RUNTIME_API`` (``host:port``), one invocation at a time."""

    def __init__(self, address: str, *, timeout_s: float | None = None) -> None:
        host, _, port = address.rpartition(":")
        self._host, self._port = host or address, int(port) if port else 80
        self._timeout = timeout_s  # None: ``next`` is a long poll that may wait for hours
        self._connection: http.client.HTTPConnection | None = None

    def _conn(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        return self._connection

    def _reset(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None

    def _post(self, path: str, body: bytes, headers: Mapping[str, str]) -> int:
        try:
            conn = self._conn()
            conn.request("POST", f"/{API_VERSION}{path}", body=body, headers=dict(headers))
            response = conn.getresponse()
            response.read()
        except BaseException:
            self._reset()
            raise
        return response.status

    def next_invocation(self) -> Invocation:
        conn = self._conn()
        try:
            conn.request("GET", f"/{API_VERSION}/runtime/invocation/next")
            response = conn.getresponse()
            payload = response.read()
        except BaseException:
            self._reset()
            raise
        if response.status != 200:
            raise RuntimeError(f"the Runtime API answered {response.status} to next: {payload[:200]!r}")
        return Invocation(
            request_id=response.headers["Lambda-Runtime-Aws-Request-Id"],
            event=json.loads(payload),
            deadline_ms=int(response.headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            function_arn=response.headers.get("Lambda-Runtime-Invoked-Function-Arn") or "",
            trace_id=response.headers.get("Lambda-Runtime-Trace-Id"),
        )

    def stream_response(self, request_id: str, head: bytes, body: Iterable[bytes]) -> int:
        """POST ``head`` then every chunk of ``body`` as soon as it is produced (one HTTP chunk each, split above
        64 KiB). Raises ``ResponseAborted`` when the connection breaks mid-response; an exception from ``body``
        itself is reported in the Runtime API's error trailers and re-raised."""
        conn = self._conn()
        try:
            conn.putrequest("POST", f"/{API_VERSION}/runtime/invocation/{request_id}/response")
            for name, value in {
                "Lambda-Runtime-Function-Response-Mode": "streaming",
                "Transfer-Encoding": "chunked",
                "Content-Type": STREAMING_CONTENT_TYPE,
                "Trailer": f"{ERROR_TYPE_HEADER}, {ERROR_BODY_TRAILER}",
            }.items():
                conn.putheader(name, value)
            conn.endheaders()
            conn.send(_chunk(head))
        except CONNECTION_LOST as exc:
            self._reset()
            raise ResponseAborted(str(exc)) from exc
        trailers = b""
        failure: BaseException | None = None
        try:
            for data in body:
                for start in range(0, len(data), MAX_CHUNK):
                    conn.send(_chunk(data[start : start + MAX_CHUNK]))
        except CONNECTION_LOST as exc:
            self._reset()
            raise ResponseAborted(str(exc)) from exc
        except Exception as exc:
            failure = exc
            encoded = base64.b64encode(json.dumps(error_payload(exc)).encode()).decode()
            trailers = f"{ERROR_TYPE_HEADER}: {type(exc).__name__}\r\n{ERROR_BODY_TRAILER}: {encoded}\r\n".encode()
        try:
            conn.send(b"0\r\n" + trailers + b"\r\n")
            response = conn.getresponse()
            response.read()
        except CONNECTION_LOST as exc:
            self._reset()
            raise ResponseAborted(str(exc)) from exc
        if failure is not None:
            raise failure
        return response.status

    def invocation_error(self, request_id: str, exc: BaseException) -> int:
        return self._post(
            f"/runtime/invocation/{request_id}/error",
            json.dumps(error_payload(exc)).encode(),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: type(exc).__name__},
        )

    def init_error(self, exc: BaseException, error_type: str) -> int:
        return self._post(
            "/runtime/init/error",
            json.dumps(error_payload(exc, error_type)).encode(),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: error_type},
        )
