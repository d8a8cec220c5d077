"""Rule 6: identity, then the admin check, come before a request's parameters and body are validated.

Powertools validates a route's parameters and body before the route runs, so a route's own ``require_admin`` only
sees valid requests. When validation fails, the error handler asks this gate first: no identity is a 401, and a
plain user on an admin route (one declaring ``x-admin-only`` in its OpenAPI extensions) is a 403, audited with
that route's action, whatever the body held.
"""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from lambdas.logic.access import AdminAction
from lambdas.logic.audit import Action
from lambdas.routers.context import context_from_event
from lambdas.services import Services

ADMIN_ONLY = "x-admin-only"


def admin_only(admin: AdminAction) -> dict[str, Any]:
    """The ``openapi_extensions`` of an admin route (documented in the OpenAPI document, read by the gate)."""
    return {ADMIN_ONLY: {"action": admin.action, "what": admin.what}}


def check_before_validation(app: APIGatewayRestResolver, services: Services) -> None:
    """Raise ``UnauthorizedError`` or an audited ``PolicyDeniedError`` for a request the route would refuse anyway."""
    ctx = context_from_event(app.current_event.raw_event, services)
    route = app.context.get("_route")
    admin = (getattr(route, "openapi_extensions", None) or {}).get(ADMIN_ONLY)
    if admin is None:
        return
    path_arguments = app.context.get("_route_args") or {}
    services.access.require_admin(
        ctx, action=cast(Action, admin["action"]), what=admin["what"], model_id=path_arguments.get("model_id")
    )
