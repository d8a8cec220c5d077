"""GET /audit: recent audit records, newest first (admins)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from lambdas.api_models import AuditListResponse, AuditRecordBody, error_responses
from lambdas.guard import admin_only, request_context
from lambdas.services import Services


def build_router(services: Services) -> Router:
    router = Router()

    @router.get("/audit", summary="Recent audit records", tags=["audit"], responses=error_responses(400, 401, 403))
    @admin_only("read", "Reading the audit trail")
    def list_audit(
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        next_token: Annotated[str | None, Query(max_length=2048)] = None,
    ) -> AuditListResponse:
        page = services.audit_trail.recent(request_context(router), limit=limit, next_token=next_token)
        records = [AuditRecordBody.model_validate(record.as_dict()) for record in page.records]
        return AuditListResponse(records=records, next_token=page.next_token)

    return router
