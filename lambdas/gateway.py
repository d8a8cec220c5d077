"""Checks made on the raw API Gateway event before routing (shared by the buffered and streamed paths)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from inference_engine.errors import EngineError
from lambdas.domain.errors import PayloadTooLargeError
from lambdas.errors import error_body, status_for


def body_size(event: Mapping[str, Any]) -> int:
    body = event.get("body") or ""
    size = len(body.encode()) if isinstance(body, str) else 0
    return size * 3 // 4 if event.get("isBase64Encoded") else size


def check_body_size(event: Mapping[str, Any], limit: int) -> None:
    size = body_size(event)
    if size > limit:
        raise PayloadTooLargeError(f"The request body is {size} bytes; the limit is {limit}.")


def cors_headers(event: Mapping[str, Any], allow_origin: str) -> dict[str, str]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    origin = headers.get("origin")
    if allow_origin == "*":
        return {"Access-Control-Allow-Origin": "*"}
    if origin == allow_origin:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


def proxy_error(exc: Exception, event: Mapping[str, Any], allow_origin: str) -> dict[str, Any]:
    """An API Gateway proxy response for an error found before routing, in the one error format."""
    body = (
        error_body(exc) if isinstance(exc, EngineError) else {"error": "internal_error", "message": "Internal error."}
    )
    return {
        "statusCode": status_for(exc),
        "headers": {"Content-Type": "application/json", **cors_headers(event, allow_origin)},
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
