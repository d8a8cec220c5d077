"""Recorded API Gateway REST proxy events (JSON fixtures) and small builders that vary them per test.

``load_event`` returns a fresh copy of a fixture; ``rest_event`` starts from the recorded proxy event
and sets what a test varies: method, path, query, body and the Cognito claims (``None`` = no identity).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).parent
REST_PROXY_EVENT = "apiGatewayRestProxyEvent"


@cache
def _read(name: str) -> str:
    return (EVENTS_DIR / f"{name.removesuffix('.json')}.json").read_text(encoding="utf-8")


def load_event(name: str) -> dict[str, Any]:
    """A fresh (mutable) copy of ``tests/events/<name>.json``."""
    loaded: dict[str, Any] = json.loads(_read(name))
    return loaded


def admin_claims(**changes: str) -> dict[str, Any]:
    """Claims of a member of the ``Administrators`` group, with ``changes`` applied."""
    return {**load_event("cognitoClaimsAdmin"), **changes}


def user_claims(**changes: str) -> dict[str, Any]:
    """Claims of a plain user (group ``Users``), with ``changes`` applied."""
    return {**load_event("cognitoClaimsUser"), **changes}


def claims_with_groups(groups: str | None) -> dict[str, Any]:
    """A plain user's claims whose ``cognito:groups`` claim is exactly ``groups`` (``None``: no claim)."""
    claims = user_claims()
    claims.pop("cognito:groups", None)
    if groups is not None:
        claims["cognito:groups"] = groups
    return claims


def rest_event(
    method: str,
    path: str,
    *,
    claims: Mapping[str, Any] | None,
    body: Any = None,
    raw_body: str | None = None,
    query: Mapping[str, str] | None = None,
    resource: str | None = None,
    path_parameters: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event for ``method path``, as the Cognito authorizer would pass it on.

    ``body`` is JSON-encoded (``raw_body`` is sent as is); ``claims=None`` makes an event without an
    authorizer context, i.e. no identity.
    """
    event = load_event(REST_PROXY_EVENT)
    event["httpMethod"] = method
    event["path"] = path
    event["resource"] = resource or path
    event["pathParameters"] = dict(path_parameters) if path_parameters else None
    event["queryStringParameters"] = dict(query) if query else None
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    if headers:
        event["headers"].update(headers)
        event["multiValueHeaders"].update({k: [v] for k, v in headers.items()})
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    context = event["requestContext"]
    context["httpMethod"] = method
    context["resourcePath"] = event["resource"]
    context["path"] = f"/{context['stage']}{path}"
    context["requestId"] = request_id or str(uuid.uuid4())
    if claims is None:
        context.pop("authorizer", None)
    else:
        context["authorizer"] = {"claims": dict(claims)}
    return event


def model_event(method: str, model_id: str, *, claims: Mapping[str, Any] | None, **kwargs: Any) -> dict[str, Any]:
    """An event for ``/models/{model_id}`` with its resource template and path parameter, as API Gateway sends it."""
    return rest_event(
        method,
        f"/models/{model_id}",
        claims=claims,
        resource="/models/{model_id}",
        path_parameters={"model_id": model_id},
        **kwargs,
    )
