"""The API: one Powertools resolver, one router per resource, one error map."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from inference_engine.errors import EngineError
from lambdas import errors
from lambdas.contract import CORS_ALLOW_HEADERS, CORS_MAX_AGE_S, OPENAPI_PATH
from lambdas.guard import authorize_first, is_admin_only, is_public, public
from lambdas.routers import audit, discovery_bedrock, discovery_probe, discovery_sagemaker, invoke, me, models, schema
from lambdas.services import Services

API_TITLE = "model-studio API"
API_VERSION = "1.0.0"
OBJECT: dict[str, Any] = {"type": "object"}


def create_app(services: Services) -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(
        enable_validation=True,
        cors=CORSConfig(
            allow_origin=services.cors_allow_origin,
            extra_origins=services.cors_extra_origins or None,
            allow_headers=list(CORS_ALLOW_HEADERS),
            max_age=CORS_MAX_AGE_S,
        ),
    )
    authorize_first(app, services)
    for module in (me, models, invoke, audit, schema, discovery_sagemaker, discovery_bedrock, discovery_probe):
        app.include_router(module.build_router(services))

    @app.get(
        OPENAPI_PATH,
        summary="This document (no token needed)",
        tags=["schema"],
        security=[],
        responses={200: {"description": "The OpenAPI document", "content": {"application/json": {"schema": OBJECT}}}},
    )
    @public
    def get_openapi() -> Response[str]:
        return Response(status_code=200, content_type="application/json", body=openapi_document(app))

    @app.exception_handler(EngineError)
    def on_engine_error(exc: EngineError) -> Response[Any]:
        return errors.engine_error_response(exc)

    @app.exception_handler(RequestValidationError)
    def on_validation_error(exc: RequestValidationError) -> Response[Any]:
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
    edited = _with_access_marks(app, _without_default_422(_parameters_never_null(json.loads(document))))
    return json.dumps(edited, separators=(",", ":"))


def _parameters_never_null(document: dict[str, Any]) -> dict[str, Any]:
    """An optional parameter is ``X | None`` in Python, but a query string cannot carry a null: the parameter is
    absent or an ``X``. The document says so (else clients, and fuzzers, take a null for something one can send)."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                choices = [choice for choice in schema.get("anyOf", []) if choice != {"type": "null"}]
                if len(choices) == 1 and len(schema["anyOf"]) == 2:  # exactly "X or null"
                    del schema["anyOf"]
                    schema.update(choices[0])
    return document


def _with_access_marks(app: APIGatewayRestResolver, document: dict[str, Any]) -> dict[str, Any]:
    """``security: []`` on the operations anyone may call (Powertools drops an empty list): the infrastructure
    builds those methods without the authorizer. ``x-admin-only: true`` on the Administrators' operations: the
    infrastructure leaves their request validation to the function, which checks the caller first (rule 6)."""
    for route in app._static_routes + app._dynamic_routes:  # Powertools' route table
        operation = document["paths"][route.openapi_path][route.method.lower()]
        if is_public(route.func):
            operation["security"] = []
        if is_admin_only(route.func):
            operation["x-admin-only"] = True
    return document


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
