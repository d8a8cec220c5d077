"""What the streaming function does per invocation: the same resolver as ``lambdas.handler``, streamed out.

``initialise`` builds the resolver and its services at init (so a bad setting is an init error), and returns
``respond``: per invocation it sets the trace id, runs the request through the resolver (identity, validation,
authorization, audit: everything before the first byte), and streams the answer to the Runtime API, with
Powertools' logger context, tracer segment and metrics flush around it, exactly as the buffered handler has them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from lambdas.handler import application, logger, metrics, tracer
from lambdas.runtime_api import Invocation, Responder, ResponseAborted, RuntimeApiClient, prelude
from lambdas.streaming import StreamingResponse, not_a_proxy_event, stream_response

TRACE_ID_ENV = "_X_AMZN_TRACE_ID"  # where the X-Ray SDK (and Powertools' tracer) read the invocation's trace


@dataclass(frozen=True)
class RuntimeContext:
    """The Lambda context object the managed runtime would pass, built from the invocation and the environment."""

    aws_request_id: str
    invoked_function_arn: str
    deadline_ms: int
    function_name: str
    function_version: str
    memory_limit_in_mb: int
    log_group_name: str
    log_stream_name: str

    @classmethod
    def of(cls, invocation: Invocation, environ: Mapping[str, str]) -> RuntimeContext:
        return cls(
            aws_request_id=invocation.request_id,
            invoked_function_arn=invocation.function_arn,
            deadline_ms=invocation.deadline_ms,
            function_name=environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            function_version=environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            memory_limit_in_mb=int(environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 0),
            log_group_name=environ.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
            log_stream_name=environ.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        )

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self.deadline_ms - int(time.time() * 1000))


def _send(runtime: RuntimeApiClient, request_id: str, response: StreamingResponse) -> None:
    try:
        runtime.stream_response(request_id, prelude(response.status, response.headers), response.body)
    except ResponseAborted:
        logger.info("the caller went away mid-stream")
    finally:  # an unfinished stream ends now: its upstream call is closed and its audit record says so
        response.close()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handle(event: dict[str, Any], context: RuntimeContext, runtime: RuntimeApiClient) -> None:
    app, services = application()
    if not isinstance(event, dict) or "httpMethod" not in event:
        logger.warning("not an API Gateway proxy event: answered 400")
        _send(runtime, context.aws_request_id, not_a_proxy_event())
        return
    _send(runtime, context.aws_request_id, stream_response(app, services, event, context))


def respond(invocation: Invocation, runtime: RuntimeApiClient) -> None:
    if invocation.trace_id:
        os.environ[TRACE_ID_ENV] = invocation.trace_id
    else:
        os.environ.pop(TRACE_ID_ENV, None)
    handle(invocation.event, RuntimeContext.of(invocation, os.environ), runtime=runtime)


def initialise() -> Responder:
    application()
    return respond


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The function's configured handler, which its exec wrapper bypasses: reached only without the wrapper."""
    del event, context
    raise RuntimeError(
        "lambdas.stream_handler streams through its own Runtime API loop: set AWS_LAMBDA_EXEC_WRAPPER="
        "/var/task/lambdas/stream-bootstrap on this function"
    )
