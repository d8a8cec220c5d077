"""Benchmark 7: the local stack under load, ``POST /invoke`` and ``POST /invoke/stream`` at 1, 4 and 16 clients.

The stack ``make dev`` runs (``python -m local``, API only, fresh state, its default 4 emulated containers per
function), started as the reliability tests start it (``tests.support.local_stack.running_stack``), its own process
tree. The plain user invokes the default model (Bedrock Converse on the emulator, no rate limit: every level is
below the throttle). Each level is a closed loop: ``clients`` threads in this process, each with its own
keep-alive connection, send the next request as soon as the previous answer is read to its end (a stream: to its
``done`` frame), for a fixed time after a warm-up. Errors (any answer but a complete 200, or no answer) and
throttling (429) are counted apart.
"""

from __future__ import annotations

import http.client
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.stats import Summary, percentile
from tests.support.local_stack import RunningStack, running_stack

LEVELS = (1, 4, 16)
BUFFERED, STREAMED = "POST /invoke", "POST /invoke/stream"
PATHS = {BUFFERED: "/api/invoke", STREAMED: "/api/invoke/stream"}
CLIENT_TIMEOUT_S = 60


@dataclass
class LevelResult:
    route: str
    clients: int
    duration_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # complete answers (200)
    first_frame_ms: list[float] = field(default_factory=list)  # streamed: to the first delta frame
    failures: Counter[str] = field(default_factory=Counter)  # by kind: "status 502", "no answer (...)", ...
    throttled: int = 0  # 429

    @property
    def ok(self) -> int:
        return len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return sum(self.failures.values())

    @property
    def throughput(self) -> float:
        return self.ok / self.duration_s if self.duration_s else 0.0

    @property
    def latency(self) -> Summary | None:
        return Summary.of(self.latencies_ms) if self.latencies_ms else None

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies_ms, 99) if self.latencies_ms else 0.0

    @property
    def first_frame(self) -> Summary | None:
        return Summary.of(self.first_frame_ms) if self.first_frame_ms else None

    @property
    def first_frame_p99_ms(self) -> float:
        return percentile(self.first_frame_ms, 99) if self.first_frame_ms else 0.0


@dataclass(frozen=True)
class LoadResult:
    levels: list[LevelResult]
    seconds: float
    warmup_s: float


class _Client:
    """One caller: a keep-alive connection, reopened after any failure."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._headers = {"Authorization": token, "Content-Type": "application/json"}
        self._connection: http.client.HTTPConnection | None = None

    def _open(self) -> http.client.HTTPConnection:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self._host, self._port, timeout=CLIENT_TIMEOUT_S)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, route: str, prompt: str) -> tuple[int, float | None, bytes]:
        """(status, seconds to the first delta frame for a stream, body). Raises ``OSError`` on no answer."""
        connection = self._open()
        started = time.perf_counter()
        connection.request("POST", PATHS[route], json.dumps({"prompt": prompt}), self._headers)
        response = connection.getresponse()
        if route == BUFFERED or response.status != 200:
            return response.status, None, response.read()
        first: float | None = None
        body = b""
        while chunk := response.read1(65536):
            body += chunk
            if first is None and b"event: delta" in body:
                first = time.perf_counter() - started
        return response.status, first, body


def _complete(route: str, body: bytes) -> bool:
    if route == BUFFERED:
        return bool(json.loads(body).get("output"))
    return b"event: done" in body and b"event: error" not in body


def run_level(
    stack: RunningStack, token: str, route: str, *, clients: int, seconds: float, warmup_s: float
) -> LevelResult:
    result = LevelResult(route, clients)
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, stop_at = start + warmup_s, start + warmup_s + seconds

    def caller(index: int) -> None:
        client = _Client(stack.url, token)
        sent = 0
        try:
            while (now := time.perf_counter()) < stop_at:
                sent += 1
                prompt = f"load {route} client {index} request {sent}: tell me about tide tables."
                counted = now >= measure_from
                try:
                    status, first, body = client.send(route, prompt)
                    elapsed_ms = (time.perf_counter() - now) * 1000
                except OSError as exc:  # a reset or a timeout is a result of the run, not a crash of it
                    client.close()
                    if counted:
                        with lock:
                            result.failures[f"no answer ({type(exc).__name__})"] += 1
                    continue
                if not counted:
                    continue
                with lock:
                    if status == 429:
                        result.throttled += 1
                    elif status != 200 or not _complete(route, body):
                        result.failures[f"status {status}" if status != 200 else "incomplete answer"] += 1
                    else:
                        result.latencies_ms.append(elapsed_ms)
                        if first is not None:
                            result.first_frame_ms.append(first * 1000)
        finally:
            client.close()

    threads = [threading.Thread(target=caller, args=(index,), name=f"load-{index}") for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.duration_s = seconds
    return result


def run_load(*, seconds: float = 6.0, warmup_s: float = 1.5, progress: Callable[[str], None] = print) -> LoadResult:
    levels = []
    with (
        tempfile.TemporaryDirectory(prefix="model-studio-bench-load-") as scratch,
        running_stack(Path(scratch)) as stack,
    ):
        token = stack.login("user")
        for route in (BUFFERED, STREAMED):
            for clients in LEVELS:
                level = run_level(stack, token, route, clients=clients, seconds=seconds, warmup_s=warmup_s)
                levels.append(level)
                latency = level.latency
                progress(
                    f"    {route:20} x{clients:<3} {level.throughput:7.1f} req/s  "
                    f"p50 {latency.p50 if latency else 0:7.1f} ms  p99 {level.p99_ms:7.1f} ms  "
                    f"errors {level.errors}  429 {level.throttled}"
                )
    return LoadResult(levels=levels, seconds=seconds, warmup_s=warmup_s)
