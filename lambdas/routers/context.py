"""Per-request context for routes: who is calling, the request id, the time."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from lambdas.identity import caller_from_claims, claims_of
from lambdas.logic.errors import UnauthorizedError
from lambdas.logic.invocations import RequestContext
from lambdas.services import Services


def context_from_event(
    event: Mapping[str, Any], services: Services, *, fallback_request_id: str | None = None
) -> RequestContext:
    """The caller (from the authorizer's claims, else ``UnauthorizedError``), the request id and the time."""
    caller = caller_from_claims(claims_of(event))
    if caller is None:
        raise UnauthorizedError("The request carries no valid identity; sign in again.")
    request_id = (event.get("requestContext") or {}).get("requestId")
    if not isinstance(request_id, str) or not request_id:
        request_id = fallback_request_id or str(uuid.uuid4())
    return RequestContext(caller=caller, request_id=request_id, now=services.now())


def request_context(router: Router, services: Services) -> RequestContext:
    lambda_context = getattr(router, "lambda_context", None)
    return context_from_event(
        router.current_event.raw_event, services, fallback_request_id=getattr(lambda_context, "aws_request_id", None)
    )
