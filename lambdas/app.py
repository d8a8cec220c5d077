"""The API: one Powertools resolver, one router per resource, one error map."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from inference_engine.errors import EngineError
from lambdas import errors
from lambdas.routers import (
    admin_gate,
    audit,
    discovery_bedrock,
    discovery_probe,
    discovery_sagemaker,
    invoke,
    me,
    models,
    schema,
)
from lambdas.services import Services

API_TITLE = "model-studio API"
API_VERSION = "1.0.0"
OPENAPI_PATH = "/openapi.json"


def create_app(services: Services) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=CORSConfig(
            allow_origin=services.cors_allow_origin,
            extra_origins=services.cors_extra_origins or None,
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        ),
    )
    for module in (me, models, invoke, audit, schema, discovery_sagemaker, discovery_bedrock, discovery_probe):
        app.include_router(module.build_router(services))

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def get_openapi() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=openapi_document(app))

    @app.exception_handler(EngineError)
    def on_engine_error(exc: EngineError) -> Response[Any]:
        return errors.engine_error_response(exc)

    @app.exception_handler(RequestValidationError)
    def on_validation_error(exc: RequestValidationError) -> Response[Any]:
        try:  # rule 6: who is asking (401) and whether they may (403, audited) before what they sent (400)
            admin_gate.check_before_validation(app, services)
        except EngineError as refused:
            return errors.engine_error_response(refused)
        try:
            body = app.current_event.json_body
        except (ValueError, TypeError):  # no body, or not JSON: the error itself says so
            body = None
        return errors.request_validation_response(exc, body)

    @app.not_found
    def on_not_found(_exc: Exception) -> Response[Any]:
        return errors.not_found_response()

    @app.exception_handler(Exception)
    def on_unexpected(_exc: Exception) -> Response[Any]:
        context = app.current_event.raw_event.get("requestContext") or {}
        return errors.internal_error_response(context.get("requestId"))

    return app


def openapi_document(app: APIGatewayRestResolver) -> str:
    from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn  # noqa: PLC0415

    document = app.get_openapi_json_schema(
        title=API_TITLE,
        version=API_VERSION,
        description="Runtime integration of SageMaker- and Bedrock-hosted LLMs through serializable adapters. "
        "Every route except this document requires a Cognito ID token in the Authorization header.",
        security_schemes={"cognito": APIKey(name="Authorization", in_=APIKeyIn.header)},
        security=[{"cognito": []}],
    )
    return json.dumps(_without_default_422(json.loads(document)), separators=(",", ":"))


def _without_default_422(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents request validation as 422 ``HTTPValidationError``; this API answers it as 400 ``ErrorBody``
    (the one 422 it answers, an output path that selects nothing, is declared by ``/invoke`` itself)."""
    marker = "#/components/schemas/HTTPValidationError"
    for item in document.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if marker in json.dumps(responses.get("422", {})):
                del responses["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ResponseValidationError", "ValidationError"):  # dependants first
        elsewhere = {"paths": document.get("paths"), "schemas": {k: v for k, v in schemas.items() if k != name}}
        if f"#/components/schemas/{name}" not in json.dumps(elsewhere):
            schemas.pop(name, None)
    return document
