"""Per-request context for routes: who is calling, the request id, the time."""

from __future__ import annotations

import uuid

from aws_lambda_powertools.event_handler.api_gateway import Router

from lambdas.identity import caller_from_claims, claims_of
from lambdas.logic.errors import UnauthorizedError
from lambdas.logic.invocations import RequestContext
from lambdas.services import Services


def request_id_of(router: Router) -> str:
    context = router.current_event.raw_event.get("requestContext") or {}
    request_id = context.get("requestId")
    if isinstance(request_id, str) and request_id:
        return request_id
    lambda_context = getattr(router, "lambda_context", None)
    return str(getattr(lambda_context, "aws_request_id", "") or uuid.uuid4())


def request_context(router: Router, services: Services) -> RequestContext:
    caller = caller_from_claims(claims_of(router.current_event.raw_event))
    if caller is None:
        raise UnauthorizedError("The request carries no valid identity; sign in again.")
    return RequestContext(caller=caller, request_id=request_id_of(router), now=services.now())
