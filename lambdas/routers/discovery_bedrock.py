"""GET /discovery/bedrock/models (admins): foundation models, inference profiles, imported and Marketplace models."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from inference_engine.discovery.models import BedrockKind, BedrockModelList
from lambdas.guard import admin_only, request_context
from lambdas.routers.discovery_scope import (
    ExternalIdQuery,
    RegionQuery,
    RoleArnQuery,
    attempted_read,
    discovery_route,
    scope_of,
)
from lambdas.services import Services


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/discovery/bedrock/models",
        summary="Bedrock models, inference profiles, imported models and Marketplace endpoints, with their adapters",
        **discovery_route(400, 401, 403, 429, 502, 504),
    )
    @admin_only("discover", "Discovering Bedrock models", attempted=attempted_read("bedrock-models"))
    def list_models(
        region: RegionQuery,
        role_arn: RoleArnQuery = None,
        external_id: ExternalIdQuery = None,
        kind: Annotated[list[BedrockKind] | None, Query(description="repeat to ask for several kinds")] = None,
    ) -> BedrockModelList:
        ctx = request_context(router)
        return services.discovery.bedrock_models(ctx, scope_of(region, role_arn, external_id), kind)

    return router
