"""The streaming function's process: ``python -m lambdas.stream_bootstrap``, started by ``lambdas/stream-bootstrap``.

Lambda's managed Python runtime cannot stream a response, so the streaming function replaces the runtime's own
loop (through ``AWS_LAMBDA_EXEC_WRAPPER``) with this one, on the same interpreter, code and layer:

1. init: import the handler and build its object graph once; a failure (a module missing from the layer, a bad
   setting) is reported to the Runtime API's init-error route and the process exits, as the managed runtime does;
2. then, for ever: take the next invocation, stream its answer (``lambdas.stream_handler.respond``).

Only the standard library and ``lambdas.runtime_api`` are imported before init, so that even a broken layer is
reported instead of crashing silently.
"""

from __future__ import annotations

import logging
import os
import sys

from lambdas.runtime_api import Responder, RuntimeApiClient

logger = logging.getLogger("lambdas.stream_bootstrap")


def init() -> Responder:
    from lambdas.stream_handler import initialise  # noqa: PLC0415 - inside init, so an ImportError is reported

    return initialise()


def init_error_type(exc: BaseException) -> str:
    return "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.InitError"


def serve(runtime: RuntimeApiClient, respond: Responder, *, max_invocations: int | None = None) -> None:
    """Answer invocations until the Runtime API goes away (or ``max_invocations``, for tests)."""
    served = 0
    while max_invocations is None or served < max_invocations:
        invocation = runtime.next_invocation()
        try:
            respond(invocation, runtime)
        except Exception as exc:  # an answer that could not even start: Lambda records the invocation as failed
            logger.exception("invocation %s failed", invocation.request_id)
            try:
                runtime.invocation_error(invocation.request_id, exc)
            except OSError:
                logger.exception("could not report the failure of %s", invocation.request_id)
        served += 1


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(levelname)s %(name)s %(message)s")
    runtime = RuntimeApiClient(os.environ["AWS_LAMBDA_RUNTIME_API"])
    try:
        respond = init()
    except Exception as exc:
        logger.exception("init failed")
        runtime.init_error(exc, init_error_type(exc))
        return 1
    try:
        serve(runtime, respond)
    except (ConnectionError, OSError) as exc:  # the Runtime API is gone: the execution environment is shutting down
        logger.info("the Runtime API went away (%s): exiting", exc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
