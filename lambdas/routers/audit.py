"""GET /audit: recent audit records, newest first (admins)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api_models import AuditListResponse, AuditRecordBody, error_responses
from lambdas.logic.access import AdminAction
from lambdas.routers.admin_gate import admin_only
from lambdas.routers.context import request_context
from lambdas.services import Services

READ_AUDIT = AdminAction("read", "Reading the audit trail")


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/audit",
        summary="Recent audit records",
        tags=["audit"],
        responses=error_responses(400, 401, 403),
        openapi_extensions=admin_only(READ_AUDIT),
    )
    def list_audit(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        next_token: Annotated[str | None, Query(max_length=2048)] = None,
    ) -> AuditListResponse:
        ctx = request_context(router, services)
        services.access.require_admin(ctx, action=READ_AUDIT.action, what=READ_AUDIT.what)
        records, token = services.audit.recent(limit=limit, next_token=next_token, now=ctx.now)
        return AuditListResponse(records=[AuditRecordBody.model_validate(r) for r in records], next_token=token)

    return router
