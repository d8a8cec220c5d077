"""GET /discovery/sagemaker/endpoints[/{name}] (admins): endpoints, their containers and detected formats."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from inference_engine.discovery import EndpointPage, SageMakerEndpoint
from inference_engine.schema import SAGEMAKER_ENDPOINT_PATTERN
from lambdas.logic.discovery import DISCOVER_SAGEMAKER
from lambdas.routers.context import request_context
from lambdas.routers.discovery_scope import (
    ExternalIdQuery,
    RegionQuery,
    RoleArnQuery,
    discovery_route,
    scope_of,
)
from lambdas.services import Services

EndpointName = Annotated[str, Path(pattern=SAGEMAKER_ENDPOINT_PATTERN, max_length=63)]


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/discovery/sagemaker/endpoints",
        summary="SageMaker endpoints in a region, each with its containers, detected format and a ready adapter",
        **discovery_route(DISCOVER_SAGEMAKER, 400, 401, 403, 429, 502, 504),
    )
    def list_endpoints(  # the query parameters, by name
        *,
        region: RegionQuery,
        role_arn: RoleArnQuery = None,
        external_id: ExternalIdQuery = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 20,
        next_token: Annotated[str | None, Query(max_length=4096)] = None,
        name_contains: Annotated[str | None, Query(max_length=63)] = None,
    ) -> EndpointPage:
        ctx = request_context(router, services)
        scope = scope_of(region, role_arn, external_id)
        return services.discovery.sagemaker_endpoints(
            ctx, scope, limit=limit, next_token=next_token, name_contains=name_contains
        )

    @router.get(
        "/discovery/sagemaker/endpoints/<endpoint_name>",
        summary="One SageMaker endpoint: variants, inference components, containers and detected formats",
        **discovery_route(DISCOVER_SAGEMAKER, 400, 401, 403, 404, 429, 502, 504),
    )
    def get_endpoint(
        endpoint_name: EndpointName,
        region: RegionQuery,
        role_arn: RoleArnQuery = None,
        external_id: ExternalIdQuery = None,
    ) -> SageMakerEndpoint:
        ctx = request_context(router, services)
        return services.discovery.sagemaker_endpoint(ctx, scope_of(region, role_arn, external_id), endpoint_name)

    return router
