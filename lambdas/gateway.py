"""Checks made on the raw API Gateway event before routing (shared by the buffered and streamed paths)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from inference_engine.errors import EngineError
from lambdas.domain.errors import PayloadTooLargeError
from lambdas.errors import error_body, internal_error_body, status_for


def body_size(event: Mapping[str, Any]) -> int:
    body = event.get("body") or ""
    size = len(body.encode()) if isinstance(body, str) else 0
    return size * 3 // 4 if event.get("isBase64Encoded") else size


def check_body_size(event: Mapping[str, Any], limit: int) -> None:
    size = body_size(event)
    if size > limit:
        raise PayloadTooLargeError(f"The request body is {size} bytes; the limit is {limit}.")


def cors_headers(event: Mapping[str, Any], origins: Sequence[str]) -> dict[str, str]:
    """The resolver's CORS answer for a response made before routing: ``origins`` = the allowed origin, then the
    extra ones (``*`` allows any)."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    if "*" in origins[:1]:
        return {"Access-Control-Allow-Origin": "*"}
    if origin is not None and origin in origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def proxy_error(exc: Exception, event: Mapping[str, Any], origins: Sequence[str]) -> dict[str, Any]:
    """An API Gateway proxy response for an error found before routing, in the one error format."""
    request_id = (event.get("requestContext") or {}).get("requestId")
    body = error_body(exc) if isinstance(exc, EngineError) else internal_error_body(request_id)
    return {
        "statusCode": status_for(exc),
        "headers": {"Content-Type": "application/json", **cors_headers(event, origins)},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
