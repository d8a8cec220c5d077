"""The API's contract with the infrastructure that deploys it, written once: the routes (read from the committed
OpenAPI document, ``lambdas/openapi.json``, which a test keeps equal to the one the resolver generates) and the
CORS settings. ``infra`` builds API Gateway from these; the resolver uses the same values. Standard library only:
importing it at synth costs nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
OPENAPI_PATH = "/openapi.json"
STREAMING_MEDIA_TYPE = "text/event-stream"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

CORS_ALLOW_HEADERS = ("Authorization", "Content-Type")
CORS_MAX_AGE_S = 600


@dataclass(frozen=True)
class ApiRoute:
    method: str  # GET, POST...
    path: str  # the OpenAPI template: /models/{model_id}
    public: bool = False  # no Cognito token (the operation's ``security`` is empty)
    admin_only: bool = False  # Administrators only: the function checks the caller before the request (rule 6)
    json_body: bool = False
    query: dict[str, bool] = field(default_factory=dict)  # name -> required
    streamed: bool = False  # answered as text/event-stream: API Gateway response streaming

    @property
    def path_parameters(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


def _route(path: str, method: str, operation: dict[str, Any]) -> ApiRoute:
    parameters = operation.get("parameters", [])
    success = operation.get("responses", {}).get("200", {}).get("content", {})
    return ApiRoute(
        method=method.upper(),
        path=path,
        public=operation.get("security") == [],
        admin_only=operation.get("x-admin-only") is True,
        json_body="application/json" in operation.get("requestBody", {}).get("content", {}),
        query={p["name"]: bool(p.get("required")) for p in parameters if p["in"] == "query"},
        streamed=STREAMING_MEDIA_TYPE in success,
    )


def routes(document: dict[str, Any] | None = None) -> tuple[ApiRoute, ...]:
    """Every operation of the document (default: the committed one), in its order."""
    document = document if document is not None else committed_openapi()
    return tuple(
        _route(path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    )


@cache
def committed_openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    return document
