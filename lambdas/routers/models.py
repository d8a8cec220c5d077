"""/models: list (everyone), read, validate, save and delete (admins)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from inference_engine.policy import is_admin
from inference_engine.schema import SLUG_PATTERN
from lambdas.api_models import (
    DeleteModelResponse,
    InvokeRequest,
    ModelDetailResponse,
    ModelListResponse,
    ModelSummary,
    SaveModelRequest,
    SaveModelResponse,
    ValidateResponse,
    error_responses,
)
from lambdas.logic.access import AdminAction
from lambdas.routers.admin_gate import admin_only
from lambdas.routers.context import request_context
from lambdas.services import Services

ModelId = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64)]
READ = AdminAction("read", "Reading a model's full config")
VALIDATE = AdminAction("validate", "Validating a model config")
SAVE = AdminAction("save", "Saving a model")
DELETE = AdminAction("delete", "Deleting a model")


def build_router(services: Services) -> Router:
    router = Router()

    @router.get("/models", summary="Predefined and saved models", tags=["models"], responses=error_responses(401))
    def list_models() -> ModelListResponse:
        ctx = request_context(router, services)
        admin = is_admin(ctx.caller, services.policy)
        return ModelListResponse(models=[ModelSummary(**s) for s in services.registry.summaries(admin=admin)])

    @router.get(
        "/models/<model_id>",
        summary="A model's full config",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404),
        openapi_extensions=admin_only(READ),
    )
    def get_model(model_id: ModelId) -> ModelDetailResponse:
        ctx = request_context(router, services)
        services.access.require_admin(ctx, action=READ.action, what=READ.what, model_id=model_id)
        model = services.registry.resolve(model_id)
        return ModelDetailResponse(
            source=model.source,
            version=model.version,
            config=model.config,
            base_model_id=model.base_model_id,
            updated_at=model.updated_at,
            updated_by=model.updated_by,
        )

    @router.post(
        "/models/validate",
        summary="Dry run: merged config, rendered prompt and request body; no model call",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404, 413),
        openapi_extensions=admin_only(VALIDATE),
    )
    def validate_model(request: InvokeRequest) -> ValidateResponse:
        ctx = request_context(router, services)
        services.access.require_admin(
            ctx,
            action=VALIDATE.action,
            what=VALIDATE.what,
            model_id=request.model_id,
            base_model_id=request.model_id,
            patch=request.override,
        )
        plan = services.invocations.plan(request, ctx, action="validate")
        return ValidateResponse.model_validate(services.invocations.validation(plan))

    @router.put(
        "/models/<model_id>",
        summary="Save a custom model (optimistic locking by version)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 409, 413),
        openapi_extensions=admin_only(SAVE),
    )
    def save_model(model_id: ModelId, request: SaveModelRequest) -> SaveModelResponse:
        ctx = request_context(router, services)
        services.access.require_admin(
            ctx,
            action=SAVE.action,
            what=SAVE.what,
            model_id=model_id,
            base_model_id=request.base_model_id,
            patch=request.config.to_json_dict(),
        )
        stored = services.writes.save(
            ctx, model_id=model_id, config=request.config, version=request.version, base_model_id=request.base_model_id
        )
        return SaveModelResponse(
            id=stored.id, version=stored.version, updated_at=stored.updated_at, updated_by=stored.updated_by
        )

    @router.delete(
        "/models/<model_id>",
        summary="Delete a custom model (optimistic locking by version)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404, 409),
        openapi_extensions=admin_only(DELETE),
    )
    def delete_model(model_id: ModelId, version: Annotated[int, Query(ge=1)]) -> DeleteModelResponse:
        ctx = request_context(router, services)
        services.access.require_admin(ctx, action=DELETE.action, what=DELETE.what, model_id=model_id)
        services.writes.delete(ctx, model_id=model_id, version=version)
        return DeleteModelResponse(id=model_id, deleted=True)

    return router
