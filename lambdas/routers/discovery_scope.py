"""What every discovery route shares: its OpenAPI documentation (admins only), the region, and the cross-account role
to read through."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.schema import EXTERNAL_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN, CrossAccount
from lambdas.api_models import error_responses
from lambdas.logic.access import AdminAction
from lambdas.logic.discovery import Scope
from lambdas.routers.admin_gate import admin_only

RegionQuery = Annotated[str, Query(pattern=REGION_PATTERN, max_length=32, description="e.g. us-east-1")]
RoleArnQuery = Annotated[
    str | None,
    Query(pattern=ROLE_ARN_PATTERN, max_length=2048, description="a cross-account role to read through (dev stage)"),
]
ExternalIdQuery = Annotated[str | None, Query(pattern=EXTERNAL_ID_PATTERN, description="the role's external id")]


def discovery_route(admin: AdminAction, *statuses: int) -> dict[str, Any]:
    """The route decorator's documentation: the discovery tag, the error answers, and rule 6's admin-only mark."""
    return {"tags": ["discovery"], "responses": error_responses(*statuses), "openapi_extensions": admin_only(admin)}


def scope_of(region: str, role_arn: str | None, external_id: str | None) -> Scope:
    if external_id is not None and role_arn is None:
        raise ConfigValidationError(
            "An external id needs the role it belongs to.",
            details=[ErrorDetail("query.role_arn", "required with external_id", "missing")],
        )
    role = CrossAccount(role_arn=role_arn, external_id=external_id) if role_arn is not None else None
    return Scope(region=region, cross_account=role)
