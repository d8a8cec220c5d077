"""/models: list (everyone), read, validate, save and delete (admins)."""

from __future__ import annotations

from dataclasses import asdict
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
    ModelVersionListResponse,
    ModelVersionResponse,
    ModelVersionSummary,
    RequestPreview,
    SaveModelRequest,
    SaveModelResponse,
    ValidateResponse,
    error_responses,
)
from lambdas.domain.errors import NotFoundError
from lambdas.domain.models import ModelVersion
from lambdas.guard import admin_only, request_context
from lambdas.routers.invoke import invocation_spec
from lambdas.services import Services

ModelId = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64)]


def build_router(services: Services) -> Router:
    router = Router()

    @router.get("/models", summary="Predefined and saved models", tags=["models"], responses=error_responses(401))
    def list_models() -> ModelListResponse:
        admin = is_admin(request_context(router).caller, services.policy)
        return ModelListResponse(models=[ModelSummary(**asdict(s)) for s in services.registry.summaries(admin=admin)])

    @router.get(
        "/models/<model_id>",
        summary="A model's full config",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404),
    )
    @admin_only("read", "Reading a model's full config")
    def get_model(model_id: ModelId) -> ModelDetailResponse:
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
    )
    @admin_only(
        "validate", "Validating a model config", patch_field="override", base_field="model_id", model_field="model_id"
    )
    def validate_model(request: InvokeRequest) -> ValidateResponse:
        plan = services.invocations.plan(invocation_spec(request), request_context(router), action="validate")
        validation = services.invocations.validation(plan)
        return ValidateResponse(
            config=validation.config,
            rendered_prompt=validation.rendered_prompt,
            request=RequestPreview.model_validate(validation.request),
            estimated_input_tokens=validation.estimated_input_tokens,
            streaming=validation.streaming,
        )

    @router.put(
        "/models/<model_id>",
        summary="Save a custom model (optimistic locking by version)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404, 409, 413),
    )
    @admin_only("save", "Saving a model", patch_field="config", base_field="base_model_id")
    def save_model(model_id: ModelId, request: SaveModelRequest) -> SaveModelResponse:
        stored = services.writes.save(
            request_context(router),
            model_id=model_id,
            config=request.config,
            version=request.version,
            base_model_id=request.base_model_id,
            restored_from=request.restored_from,
        )
        return SaveModelResponse(
            id=stored.id, version=stored.version, updated_at=stored.updated_at, updated_by=stored.updated_by
        )

    @router.delete(
        "/models/<model_id>",
        summary="Delete a custom model (optimistic locking by version)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404, 409),
    )
    @admin_only("delete", "Deleting a model")
    def delete_model(model_id: ModelId, version: Annotated[int, Query(ge=1)]) -> DeleteModelResponse:
        services.writes.delete(request_context(router), model_id=model_id, version=version)
        return DeleteModelResponse(id=model_id, deleted=True)

    @router.get(
        "/models/<model_id>/versions",
        summary="A saved model's versions, newest first (who saved each, when, what it restored)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404),
    )
    @admin_only("read", "Reading a model's history")
    def list_versions(model_id: ModelId) -> ModelVersionListResponse:
        versions = services.registry.versions(model_id)
        return ModelVersionListResponse(id=model_id, versions=[_summary(v) for v in versions])

    @router.get(
        "/models/<model_id>/versions/<version>",
        summary="One saved version with its config (restore it with PUT /models/{id} and restored_from)",
        tags=["models"],
        responses=error_responses(400, 401, 403, 404),
    )
    @admin_only("read", "Reading a model's history")
    def get_version(model_id: ModelId, version: Annotated[int, Path(ge=1)]) -> ModelVersionResponse:
        found = services.registry.version(model_id, version)
        if found is None:
            raise NotFoundError(f"Model {model_id!r} has no saved version {version}.")
        return ModelVersionResponse(**_summary(found).model_dump(), id=model_id, config=found.config)

    return router


def _summary(version: ModelVersion) -> ModelVersionSummary:
    return ModelVersionSummary(
        version=version.version,
        saved_at=version.saved_at,
        saved_by=version.saved_by,
        base_model_id=version.base_model_id,
        restored_from=version.restored_from,
    )
