"""Who is calling, and may they call this route at all: decided before the request body is even validated.

Rule 6 (DESIGN §4): identity and the admin check come first. The resolver's request validation is its first
middleware, so ``authorize_first`` puts this check in front of it: every route except the ``public`` ones gets
the caller's ``RequestContext`` (or a 401), and an ``admin_only`` route refuses a non-admin with a 403 whatever
the body, recording the denied attempt (with what the body asked for, when it can be read). Routes then read
the context with ``request_context(router)``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.types import EventHandlerInstance

from lambdas.domain.audit import Action
from lambdas.domain.context import RequestContext
from lambdas.domain.errors import UnauthorizedError
from lambdas.identity import caller_from_claims, claims_of
from lambdas.services import Services

REQUEST_CONTEXT = "request_context"
_PUBLIC = "__public_route__"
_ADMIN = "__admin_route__"

RouteFunction = TypeVar("RouteFunction", bound=Callable[..., Any])


# What a refused request asked for, when that is not one field of its body: (body, path arguments, query) -> patch.
# It reads the request as sent (not yet validated), so it must accept anything.
AttemptedPatch = Callable[[Mapping[str, Any], Mapping[str, str], Mapping[str, str]], Any]


@dataclass(frozen=True)
class AdminRoute:
    """How a denied attempt is recorded: the action, and which body fields hold the patch and the models."""

    action: Action
    what: str  # "Saving a model": the refusal message names it
    patch_field: str | None = None
    base_field: str | None = None
    model_field: str | None = None  # when the model id is in the body rather than the path
    attempted: AttemptedPatch | None = None  # the patch, when it is not ``patch_field`` (e.g. a discovery's query)

    def audited_request(
        self, body: Mapping[str, Any], path_args: Mapping[str, str], query: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        model_id = path_args.get("model_id") or (body.get(self.model_field) if self.model_field else None)
        if self.attempted is not None:
            patch = self.attempted(body, path_args, query or {})
        else:
            patch = body.get(self.patch_field) if self.patch_field else None
        return {
            "model_id": model_id if isinstance(model_id, str) else None,
            "base_model_id": _text(body.get(self.base_field)) if self.base_field else None,
            "patch": patch,
        }


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def public(route: RouteFunction) -> RouteFunction:
    """A route anyone may call (no identity): ``GET /openapi.json``."""
    setattr(route, _PUBLIC, True)
    return route


def is_public(route: Callable[..., Any] | None) -> bool:
    return bool(getattr(route, _PUBLIC, False))


def is_admin_only(route: Callable[..., Any] | None) -> bool:
    return getattr(route, _ADMIN, None) is not None


def admin_only(
    action: Action,
    what: str,
    *,
    patch_field: str | None = None,
    base_field: str | None = None,
    model_field: str | None = None,
    attempted: AttemptedPatch | None = None,
) -> Callable[[RouteFunction], RouteFunction]:
    """A route for members of the admin group only (rule 1), refused before its body is validated (rule 6)."""
    spec = AdminRoute(action, what, patch_field, base_field, model_field, attempted)

    def mark(route: RouteFunction) -> RouteFunction:
        setattr(route, _ADMIN, spec)
        return route

    return mark


def request_context(router: BaseRouter) -> RequestContext:
    context: RequestContext = router.context[REQUEST_CONTEXT]
    return context


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


def _json_object(body: str | None) -> Mapping[str, Any]:
    try:
        value = json.loads(body or "null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


class IdentityThenValidation(OpenAPIRequestValidationMiddleware):
    """The resolver's request validation, preceded by the identity and admin checks."""

    def __init__(self, services: Services) -> None:
        super().__init__()
        self._services = services

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context.get("_route")
        function = getattr(route, "func", None)
        if not is_public(function):
            event = app.current_event
            fallback = getattr(app.lambda_context, "aws_request_id", None)
            ctx = context_from_event(event.raw_event, self._services, fallback_request_id=fallback)
            app.append_context(**{REQUEST_CONTEXT: ctx})
            admin: AdminRoute | None = getattr(function, _ADMIN, None)
            if admin is not None:
                match = route.rule.match(app.context.get("_path", "")) if route is not None else None
                path_args = match.groupdict() if match else {}
                request = admin.audited_request(_json_object(event.body), path_args, event.query_string_parameters)
                self._services.access.require_admin(ctx, action=admin.action, what=admin.what, **request)
        return super().handler(app, next_middleware)


def authorize_first(app: APIGatewayRestResolver, services: Services) -> None:
    """Put the identity and admin checks in front of the resolver's request validation (its first middleware)."""
    app._request_validation_middleware = IdentityThenValidation(services)
