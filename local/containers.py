"""Emulated Lambda execution environments for the buffered function: worker processes, one request at a time.

Lambda runs each container in its own process and gives it one request at a time. The resolver keeps
per-request state in process-wide (class) attributes, so requests must never share a process's resolver
concurrently: each worker builds the object graph once (like a container's init phase) and serves requests
in turn with the project's Lambda handler code. The streaming function's processes are ``local.lambda_runtime``'s.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from inference_engine.credentials import ClientFactory
from lambdas.app import create_app
from lambdas.handler import handle
from lambdas.services import Services, build_services
from lambdas.settings import EnvSettings

logger = logging.getLogger("local.containers")

GATEWAY_ERROR = {
    "statusCode": 502,
    "headers": {"Content-Type": "application/json"},
    "body": '{"message": "Internal server error"}',
}


@dataclass
class LocalContext:
    """The parts of a Lambda context the handler reads."""

    aws_request_id: str
    function_name: str = "model-studio-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:model-studio-local"
    log_group_name: str = "/aws/lambda/model-studio-local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


_container: tuple[APIGatewayRestResolver, Services] | None = None


def _start_container() -> None:
    global _container  # noqa: PLW0603 - one object graph per worker process, as in a Lambda container
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the server stops us
    env = EnvSettings.from_environ()
    services = build_services(env, clients=ClientFactory(settings=env.client_settings()))
    _container = (create_app(services), services)


def _invoke_container(event: dict[str, Any]) -> dict[str, Any]:
    assert _container is not None  # noqa: S101 - set by the pool's initializer
    app, services = _container
    return handle(event, LocalContext(event["requestContext"]["requestId"]), app, services)


def _ready() -> int:
    """Busy for a moment, so that warming ``size`` of these at once reaches ``size`` different workers."""
    time.sleep(0.2)
    return os.getpid() if _container is not None else 0


class ContainerPool:
    """``size`` worker processes, all initialised before the first request."""

    def __init__(self, size: int) -> None:
        self._executor = ProcessPoolExecutor(
            max_workers=size, mp_context=multiprocessing.get_context("spawn"), initializer=_start_container
        )
        # Workers are spawned while SIGINT is ignored: an ignored signal stays ignored across exec, so a Ctrl-C
        # that reaches the whole process group never interrupts a worker, even one still importing.
        main_thread = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
        try:
            warming = [self._executor.submit(_ready) for _ in range(size)]  # every container up front, like init
            pids = {future.result(timeout=120) for future in warming}
        finally:
            if main_thread:
                signal.signal(signal.SIGINT, previous)
        if 0 in pids:
            raise RuntimeError("an emulated Lambda container did not initialise")

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        """The proxy response; a container that dies answers what API Gateway answers then (502)."""
        try:
            return self._executor.submit(_invoke_container, event).result()
        except BrokenProcessPool:
            logger.exception("an emulated Lambda container died")
            return dict(GATEWAY_ERROR)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
