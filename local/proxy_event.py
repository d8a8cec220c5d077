"""HTTP request -> API Gateway REST proxy integration event (payload format 1.0), as API Gateway builds it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs


def build_event(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    stage: str,
    claims: Mapping[str, str] | None,
    source_ip: str,
) -> dict[str, Any]:
    multi_query = dict(parse_qs(query, keep_blank_values=True).items()) if query else {}
    text = body.decode("utf-8", errors="replace") if body else None
    request_context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "local",
        "resourcePath": "/{proxy+}",
        "httpMethod": method,
        "path": f"/{stage}{path}",
        "stage": stage,
        "protocol": "HTTP/1.1",
        "requestId": str(uuid.uuid4()),
        "requestTimeEpoch": int(time.time() * 1000),
        "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent") or headers.get("user-agent")},
        "domainName": headers.get("Host") or headers.get("host") or "localhost",
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")} if path != "/" else None,
        "stageVariables": None,
        "requestContext": request_context,
        "body": text,
        "isBase64Encoded": False,
    }
