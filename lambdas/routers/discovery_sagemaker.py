"""GET /discovery/sagemaker/endpoints[/{name}] (admins): endpoints, their containers and detected formats."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from inference_engine.discovery.models import EndpointPage, SageMakerEndpoint
from inference_engine.schema import SAGEMAKER_ENDPOINT_PATTERN
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

EndpointName = Annotated[str, Path(pattern=SAGEMAKER_ENDPOINT_PATTERN, max_length=63)]


def build_router(services: Services) -> Router:
    router = Router()

    @router.get(
        "/discovery/sagemaker/endpoints",
        summary="SageMaker endpoints in a region, each with its containers, detected format and a ready adapter",
        **discovery_route(400, 401, 403, 429, 502, 504),
    )
    @admin_only("discover", "Discovering SageMaker endpoints", attempted=attempted_read("sagemaker-endpoints"))
    def list_endpoints(  # the query parameters, by name
        *,
        region: RegionQuery,
        role_arn: RoleArnQuery = None,
        external_id: ExternalIdQuery = None,
        limit: Annotated[int, Query(ge=1, le=50)] = 20,
        next_token: Annotated[str | None, Query(max_length=4096)] = None,
        name_contains: Annotated[str | None, Query(max_length=63)] = None,
    ) -> EndpointPage:
        ctx = request_context(router)
        scope = scope_of(region, role_arn, external_id)
        return services.discovery.sagemaker_endpoints(
            ctx, scope, limit=limit, next_token=next_token, name_contains=name_contains
        )

    @router.get(
        "/discovery/sagemaker/endpoints/<endpoint_name>",
        summary="One SageMaker endpoint: variants, inference components, containers and detected formats",
        **discovery_route(400, 401, 403, 404, 429, 502, 504),
    )
    @admin_only(
        "discover",
        "Discovering SageMaker endpoints",
        attempted=attempted_read("sagemaker-endpoint", named="endpoint_name"),
    )
    def get_endpoint(
        endpoint_name: EndpointName,
        region: RegionQuery,
        role_arn: RoleArnQuery = None,
        external_id: ExternalIdQuery = None,
    ) -> SageMakerEndpoint:
        ctx = request_context(router)
        return services.discovery.sagemaker_endpoint(ctx, scope_of(region, role_arn, external_id), endpoint_name)

    return router
