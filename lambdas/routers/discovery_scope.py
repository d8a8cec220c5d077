"""What every discovery route shares: its OpenAPI documentation, the region, and the cross-account role to read
through. (Each route is ``@admin_only``: ``lambdas.guard`` refuses a plain user before these are validated.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.schema import EXTERNAL_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN, CrossAccount
from lambdas.api_models import error_responses
from lambdas.guard import AttemptedPatch
from lambdas.logic.discovery import Scope

RegionQuery = Annotated[str, Query(pattern=REGION_PATTERN, max_length=32, description="e.g. us-east-1")]
RoleArnQuery = Annotated[
    str | None,
    Query(pattern=ROLE_ARN_PATTERN, max_length=2048, description="a cross-account role to read through (dev stage)"),
]
ExternalIdQuery = Annotated[str | None, Query(pattern=EXTERNAL_ID_PATTERN, description="the role's external id")]


def discovery_route(*statuses: int) -> dict[str, Any]:
    """The route decorator's documentation: the discovery tag and the error answers."""
    return {"tags": ["discovery"], "responses": error_responses(*statuses)}


def scope_of(region: str, role_arn: str | None, external_id: str | None) -> Scope:
    if external_id is not None and role_arn is None:
        raise ConfigValidationError(
            "An external id needs the role it belongs to.",
            details=[ErrorDetail("query.role_arn", "required with external_id", "missing")],
        )
    role = CrossAccount(role_arn=role_arn, external_id=external_id) if role_arn is not None else None
    return Scope(region=region, cross_account=role)


def attempted_read(source: str, *, named: str | None = None) -> AttemptedPatch:
    """What a refused discovery read asked for, as sent (the record of a denied attempt): its source, the endpoint
    (the path argument ``named``), the region and the role, in the shape ``Scope.audited`` gives an allowed read."""

    def patch(_body: Mapping[str, Any], path_args: Mapping[str, str], query: Mapping[str, str]) -> dict[str, Any]:
        asked: dict[str, Any] = {"source": source}
        if named is not None and named in path_args:
            asked[named] = path_args[named]
        asked["region"] = query.get("region")
        if query.get("role_arn"):
            role = {"role_arn": query["role_arn"], "external_id": query.get("external_id")}
            asked["cross_account"] = {k: v for k, v in role.items() if v is not None}
        return asked

    return patch


def attempted_probe(body: Mapping[str, Any], _path_args: Mapping[str, str], _query: Mapping[str, str]) -> Any:
    """What a refused probe asked for: its body, as sent."""
    return dict(body) or None
