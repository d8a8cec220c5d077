"""The Lambda service's side of the Runtime API, on loopback: what starts, feeds and reads a function's process.

A function process (``lambdas.stream_bootstrap``, or the managed runtime's client ``awslambdaric``) long-polls
``GET /2018-06-01/runtime/invocation/next`` and answers on ``.../{id}/response`` (buffered, or streamed with
``Lambda-Runtime-Function-Response-Mode: streaming`` and chunked encoding), ``.../{id}/error`` or
``/runtime/init/error``. ``RuntimeApi`` serves those routes; ``invoke()`` queues an event and returns a
``PendingInvocation`` whose chunks arrive as the function writes them (each with its arrival time).

``FunctionContainers`` runs N processes of a function against it, like warm execution environments. The local
API server streams ``POST /invoke/stream`` through them, and the packaged-asset tests drive the exact deployed
asset through the same server: local and deployed streaming run the same loop.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import queue
import re
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lambdas.runtime_api import ERROR_BODY_TRAILER, ERROR_TYPE_HEADER, PRELUDE_DELIMITER

logger = logging.getLogger("local.lambda_runtime")

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:model-studio-local-stream"
GATEWAY_ERROR = (502, {"Content-Type": "application/json"}, b'{"message": "Internal server error"}')
GATEWAY_TIMEOUT = (504, {"Content-Type": "application/json"}, b'{"message": "Endpoint request timed out"}')
_INVOCATION_PATH = re.compile(rf"^{PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)$")


@dataclass(frozen=True)
class Chunk:
    data: bytes
    at: float  # time.monotonic() when the server received it


@dataclass(frozen=True)
class FunctionError:
    error_type: str
    payload: Any


@dataclass
class PendingInvocation:
    """One queued event and what its function answered, in order of arrival."""

    request_id: str
    event: Any
    deadline_s: float
    trace_id: str = field(default_factory=lambda: f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0")
    chunks: queue.Queue[Chunk | None] = field(default_factory=queue.Queue)  # None: the response is complete
    received: list[Chunk] = field(default_factory=list)
    error: FunctionError | None = None
    streamed: bool = False
    aborted: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def _push(self, data: bytes) -> None:
        chunk = Chunk(data, time.monotonic())
        self.received.append(chunk)
        self.chunks.put(chunk)

    def _finish(self, error: FunctionError | None = None) -> None:
        self.error = error
        self.done.set()
        self.chunks.put(None)

    def abort(self) -> None:
        """The caller went away: the function's connection is closed at its next write."""
        self.aborted.set()

    def body(self) -> bytes:
        """Everything the function sent (after ``done``)."""
        return b"".join(c.data for c in self.received)

    def read(self) -> Iterator[bytes]:
        """The response's bytes as they arrive; raises ``TimeoutError`` past the invocation's deadline."""
        while True:
            remaining = self.deadline_s - time.monotonic()
            try:
                chunk = self.chunks.get(timeout=max(0.0, remaining))
            except queue.Empty:
                raise TimeoutError(f"invocation {self.request_id} passed its deadline") from None
            if chunk is None:
                return
            yield chunk.data

    def http_response(self) -> tuple[int, dict[str, str], Iterator[bytes]]:
        """What API Gateway makes of a streamed Lambda proxy answer: the prelude's status and headers, then the
        body as it arrives. A function that fails or times out before its prelude is a 502 / 504, as deployed."""
        stream = self.read()
        head = b""
        try:
            for data in stream:
                head += data
                if PRELUDE_DELIMITER in head:
                    break
        except TimeoutError:
            status, headers, body = GATEWAY_TIMEOUT
            return status, dict(headers), iter([body])
        metadata, found, rest = head.partition(PRELUDE_DELIMITER)
        if not found:
            status, headers, body = GATEWAY_ERROR
            return status, dict(headers), iter([body])
        prelude = json.loads(metadata)
        return int(prelude["statusCode"]), dict(prelude.get("headers") or {}), _chain(rest, stream)


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    with contextlib.suppress(TimeoutError):  # past the deadline Lambda ends the stream where it is
        yield from rest


class _Handler(BaseHTTPRequestHandler):
    server: _RuntimeHttpServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("runtime api: " + format, *args)

    def _answer(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._answer(404, {"errorMessage": "unknown route", "errorType": "InvalidRequest"})
            return
        invocation = self.server.api.next_invocation()
        if invocation is None:  # shutting down: leave the poller waiting no longer
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        remaining_ms = int((invocation.deadline_s - time.monotonic()) * 1000)
        self._answer(
            200,
            invocation.event,
            {
                "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
                "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + remaining_ms),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Lambda-Runtime-Trace-Id": invocation.trace_id,
            },
        )

    def do_POST(self) -> None:
        if self.path == f"{PREFIX}/init/error":
            payload = json.loads(self._read_body() or b"null")
            self.server.api.init_errors.append(FunctionError(self.headers.get(ERROR_TYPE_HEADER) or "", payload))
            self._answer(202, {"status": "OK"})
            return
        match = _INVOCATION_PATH.match(self.path)
        invocation = self.server.api.pending(match["id"]) if match else None
        if match is None or invocation is None:
            self._answer(400, {"errorMessage": f"unknown invocation: {self.path}", "errorType": "InvalidRequestID"})
            return
        if match["kind"] == "error":
            payload = json.loads(self._read_body() or b"null")
            invocation._finish(FunctionError(self.headers.get(ERROR_TYPE_HEADER) or "Unhandled", payload))
        elif self.headers.get("Lambda-Runtime-Function-Response-Mode") == "streaming":
            invocation.streamed = True
            if not self._read_chunked(invocation):
                return  # aborted: the connection is already closed
        else:
            invocation._push(self._read_body())
            invocation._finish()
        self.server.api.forget(invocation.request_id)
        self._answer(202, {"status": "OK"})

    def _read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _read_chunked(self, invocation: PendingInvocation) -> bool:
        """Relay each HTTP chunk as it arrives; ``False`` when the invocation was aborted (connection closed)."""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                break
            data = self.rfile.read(size)
            self.rfile.readline()  # the chunk's CRLF
            if invocation.aborted.is_set():
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                invocation._finish(FunctionError("Aborted", None))
                self.server.api.forget(invocation.request_id)
                return False
            invocation._push(data)
        trailers = {}
        while (line := self.rfile.readline().strip()) != b"":
            name, _, value = line.decode().partition(":")
            trailers[name.strip().lower()] = value.strip()
        error_type = trailers.get(ERROR_TYPE_HEADER.lower())
        if error_type:
            body = trailers.get(ERROR_BODY_TRAILER.lower())
            invocation._finish(FunctionError(error_type, json.loads(base64.b64decode(body)) if body else None))
        else:
            invocation._finish()
        return True


class _RuntimeHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeApi

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A function process that stops (or is stopped) while it waits for an event is not an error."""
        del request
        logger.debug("runtime api: connection from %s ended", client_address, exc_info=True)


class RuntimeApi:
    """The Runtime API on ``127.0.0.1``: ``address`` is what a function gets as ``AWS_LAMBDA_RUNTIME_API``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._queue: queue.Queue[PendingInvocation | None] = queue.Queue()
        self._pending: dict[str, PendingInvocation] = {}
        self._lock = threading.Lock()
        self._pollers = 0
        self._polling = threading.Condition(self._lock)
        self.init_errors: list[FunctionError] = []
        self._server = _RuntimeHttpServer((host, port), _Handler)
        self._server.api = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def invoke(self, event: Any, *, timeout_s: float = 900) -> PendingInvocation:
        invocation = PendingInvocation(str(uuid.uuid4()), event, time.monotonic() + timeout_s)
        with self._lock:
            self._pending[invocation.request_id] = invocation
        self._queue.put(invocation)
        return invocation

    def next_invocation(self) -> PendingInvocation | None:
        with self._polling:
            self._pollers += 1
            self._polling.notify_all()
        try:
            return self._queue.get()
        finally:
            with self._polling:
                self._pollers -= 1

    def pending(self, request_id: str) -> PendingInvocation | None:
        with self._lock:
            return self._pending.get(request_id)

    def forget(self, request_id: str) -> None:
        with self._lock:
            self._pending.pop(request_id, None)

    def wait_for_pollers(self, count: int, timeout_s: float) -> bool:
        """True once ``count`` processes wait for an invocation (initialised and idle)."""
        with self._polling:
            return self._polling.wait_for(lambda: self._pollers >= count, timeout=timeout_s)

    def close(self) -> None:
        for _ in range(64):  # release every waiting poller
            self._queue.put(None)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class FunctionContainers:
    """``size`` processes running ``command`` against a ``RuntimeApi``, each serving one invocation at a time; a
    process that dies is replaced (Lambda starts a new execution environment)."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        size: int,
        environment: Mapping[str, str] | None = None,
        ready_timeout_s: float = 120,
    ) -> None:
        self.runtime = RuntimeApi()
        self._command = list(command)
        self._environment = {
            **(environment if environment is not None else os.environ),
            "AWS_LAMBDA_RUNTIME_API": self.runtime.address,
            "AWS_LAMBDA_FUNCTION_NAME": "model-studio-local-stream",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        }
        self._stopping = threading.Event()
        self._processes = [self._spawn() for _ in range(size)]
        if not self.runtime.wait_for_pollers(size, ready_timeout_s):
            errors = "; ".join(str(e.payload) for e in self.runtime.init_errors) or "no init error reported"
            self.close()
            raise RuntimeError(f"the function's containers did not initialise: {errors}")
        self._monitor = threading.Thread(target=self._replace_dead, name="function-containers", daemon=True)
        self._monitor.start()

    def _spawn(self) -> subprocess.Popen[bytes]:
        # Own session: a Ctrl-C in the terminal reaches the local server, which stops the containers itself.
        return subprocess.Popen(self._command, env=self._environment, start_new_session=True)

    def _replace_dead(self) -> None:
        while not self._stopping.wait(0.5):
            for index, process in enumerate(self._processes):
                if process.poll() is not None and not self._stopping.is_set():
                    logger.warning("a function container exited (%s): starting another", process.returncode)
                    self._processes[index] = self._spawn()

    def invoke(self, event: Any, *, timeout_s: float = 900) -> PendingInvocation:
        return self.runtime.invoke(event, timeout_s=timeout_s)

    def close(self) -> None:
        self._stopping.set()
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.runtime.close()
