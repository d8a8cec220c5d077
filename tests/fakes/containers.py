"""Simulated Lambda containers, one process each, that send their requests at the same moment.

Concurrent Lambda containers share nothing but AWS, and that is what the concurrency tests must model:
Powertools keeps the event being resolved in process-wide state, so threads of one process cannot stand
in for containers. Each worker process builds its own ``ApiHarness`` once (a warm container) over the
given DynamoDB endpoint; ``all_at_once`` hands one event to each and releases them with one barrier.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import Any

from tests.fakes.api import ApiHarness, Reply
from tests.fakes.clients import RecordingClientFactory

FLEET_SIZE = 16  # concurrent writers in the concurrency tests

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}

_container: ApiHarness | None = None
_barrier: Any = None


def _start(dynamodb_url: str, stage: str, barrier: Any, environ: Mapping[str, str]) -> None:
    global _container, _barrier  # noqa: PLW0603 - one warm container per worker process
    os.environ.update(environ)
    clients = RecordingClientFactory(dynamodb_endpoint_url=dynamodb_url)
    _container = ApiHarness.build(stage=stage, clients=clients, storage="dynamodb", create_tables=False)
    _barrier = barrier


def _send(event: dict[str, Any]) -> Reply:
    assert _container is not None, "the worker was not started"
    _barrier.wait(timeout=60)
    return _container.call(event)


class ContainerFleet:
    """``size`` warm containers in their own processes; use as a context manager."""

    def __init__(
        self, size: int, *, dynamodb_url: str, environ: Mapping[str, str] = FAKE_CREDENTIALS, stage: str = "dev"
    ) -> None:
        """The tables must exist before the containers serve requests (they never create them)."""
        # fork: a child starts as a copy of this process, with the test modules already imported (pytest's
        # importlib mode makes them importable only here); the pool forks on first use, while nothing is in flight
        context = multiprocessing.get_context("fork")
        self.size = size
        self._pool = ProcessPoolExecutor(
            max_workers=size,
            mp_context=context,
            initializer=_start,
            initargs=(dynamodb_url, stage, context.Barrier(size), environ),
        )

    def all_at_once(self, events: Sequence[dict[str, Any]]) -> list[Reply]:
        """Each event through its own container, all released together; replies in the order of ``events``."""
        if len(events) != self.size:
            raise ValueError(f"one event per container: {self.size} expected, {len(events)} given")
        futures = [self._pool.submit(_send, event) for event in events]
        return [future.result(timeout=120) for future in futures]

    def __enter__(self) -> ContainerFleet:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
