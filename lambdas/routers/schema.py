"""GET /schema/model-config (signed-in users): the JSON Schema the UI validates forms with."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from inference_engine.schema import model_config_json_schema
from lambdas.api_models import error_responses
from lambdas.services import Services


def build_router(_services: Services) -> Router:
    router = Router()

    @router.get(
        "/schema/model-config", summary="The ModelConfig JSON Schema", tags=["schema"], responses=error_responses(401)
    )
    def get_schema() -> dict[str, Any]:
        return model_config_json_schema()

    return router
