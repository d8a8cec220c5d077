"""The one error map: domain exception -> HTTP status and JSON error body. Never a stack trace."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from inference_engine.errors import (
    ConfigValidationError,
    CredentialsError,
    EngineError,
    OutputPathError,
    ResourceNotFoundError,
    ResponseFormatError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.policy import PolicyDeniedError
from inference_engine.schema import format_loc
from lambdas.domain.errors import (
    AuditUnavailableError,
    NotFoundError,
    PayloadTooLargeError,
    UnauthorizedError,
    VersionConflictError,
)

logger = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: Sequence[tuple[type[Exception], int]] = (
    (UnauthorizedError, 401),
    (PolicyDeniedError, 403),
    (NotFoundError, 404),
    (ResourceNotFoundError, 404),
    (VersionConflictError, 409),
    (PayloadTooLargeError, 413),
    (ConfigValidationError, 400),  # incl. TemplateError and ConstraintError
    (OutputPathError, 422),
    (UpstreamThrottledError, 429),
    (UpstreamTimeoutError, 504),
    (CredentialsError, 502),
    (ResponseFormatError, 502),
    (UpstreamError, 502),  # incl. ModelError
    (AuditUnavailableError, 503),
)


def status_for(exc: Exception) -> int:
    return next((status for cls, status in STATUS_BY_ERROR if isinstance(exc, cls)), 500)


def error_body(exc: EngineError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": exc.code, "message": exc.message}
    if exc.details:
        body["details"] = [d.as_dict() for d in exc.details]
    if isinstance(exc, PolicyDeniedError) and exc.rule is not None:
        body["rule"] = exc.rule.value
    if isinstance(exc, VersionConflictError) and exc.current_version is not None:
        body["current_version"] = exc.current_version
    return body


def json_response(status: int, body: dict[str, Any]) -> Response[Any]:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def engine_error_response(exc: EngineError) -> Response[Any]:
    status = status_for(exc)
    if status >= 500:
        logger.warning("upstream failure %s: %s", exc.code, exc.message)
    return json_response(status, error_body(exc))


def request_validation_response(exc: RequestValidationError, body: Any = None) -> Response[Any]:
    """Powertools' own request validation (body/query/path types) as a 400 with JSON paths.

    ``body`` is the parsed request body: Powertools does not attach it to the error, and the paths need it
    to drop pydantic's tagged-union segments (``provider.endpoint_kwargs``, not ``provider.sagemaker...``).
    """
    body_data = exc.body if isinstance(exc.body, dict | list) else body
    details = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        where, rest = (loc[0], loc[1:]) if loc and loc[0] in ("body", "query", "path", "header") else ("body", loc)
        if err.get("type") == "json_invalid":
            rest = ()  # the location is a character offset, not a JSON path
        path = format_loc(rest, body_data if where == "body" else None)
        details.append(
            {
                "path": path if where == "body" else f"{where}.{path}",
                "message": str(err.get("msg", "invalid")),
                "type": str(err.get("type", "value_error")),
            }
        )
    first = details[0] if details else {"path": "$", "message": "invalid request"}
    return json_response(
        400,
        {
            "error": "validation_error",
            "message": f"Invalid request at {first['path']}: {first['message']}",
            "details": details,
        },
    )


def internal_error_body(request_id: str | None) -> dict[str, Any]:
    """The one body of an unexpected failure: no detail, only the request id to look up in the logs."""
    suffix = f" (request id {request_id})" if request_id else ""
    return {"error": "internal_error", "message": f"Internal error{suffix}."}


def internal_error_response(request_id: str | None) -> Response[Any]:
    logger.exception("unhandled error")
    return json_response(500, internal_error_body(request_id))


def not_found_response() -> Response[Any]:
    return json_response(404, {"error": "not_found", "message": "No such route."})
