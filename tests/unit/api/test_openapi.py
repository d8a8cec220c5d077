"""``GET /openapi.json``: a valid OpenAPI 3.1 document listing every route of DESIGN §3 with its models."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.events import rest_event
from tests.fakes.api import ApiHarness

REF = "#/components/schemas/"

# (path, method) -> (request body model or None, success model or None for a free-form object, error statuses)
ROUTES: dict[tuple[str, str], tuple[str | None, str | None, set[int]]] = {
    ("/me", "get"): (None, "MeResponse", {401}),
    ("/models", "get"): (None, "ModelListResponse", {401}),
    ("/models/{model_id}", "get"): (None, "ModelDetailResponse", {400, 401, 403, 404}),
    ("/models/{model_id}", "put"): ("SaveModelRequest", "SaveModelResponse", {400, 401, 403, 409, 413}),
    ("/models/{model_id}", "delete"): (None, "DeleteModelResponse", {400, 401, 403, 404, 409}),
    ("/models/validate", "post"): ("InvokeRequest", "ValidateResponse", {400, 401, 403, 404, 413}),
    ("/invoke", "post"): ("InvokeRequest", "InvokeResponse", {400, 401, 403, 404, 413, 422, 429, 502, 504}),
    ("/audit", "get"): (None, "AuditListResponse", {400, 401, 403}),
    ("/schema/model-config", "get"): (None, None, {401}),
    ("/discovery/sagemaker/endpoints", "get"): (None, "EndpointPage", {400, 401, 403, 429, 502, 504}),
    ("/discovery/sagemaker/endpoints/{endpoint_name}", "get"): (
        None,
        "SageMakerEndpoint",
        {400, 401, 403, 404, 429, 502, 504},
    ),
    ("/discovery/bedrock/models", "get"): (None, "BedrockModelList", {400, 401, 403, 429, 502, 504}),
    ("/discovery/probe", "post"): ("ProbeRequest", "ProbeResult", {400, 401, 403, 413}),
}
ADMIN_ONLY = {
    ("/models/{model_id}", "get"): "read",
    ("/models/{model_id}", "put"): "save",
    ("/models/{model_id}", "delete"): "delete",
    ("/models/validate", "post"): "validate",
    ("/audit", "get"): "read",
    ("/discovery/sagemaker/endpoints", "get"): "discover",
    ("/discovery/sagemaker/endpoints/{endpoint_name}", "get"): "discover",
    ("/discovery/bedrock/models", "get"): "discover",
    ("/discovery/probe", "post"): "probe",
}


@pytest.fixture
def document(api: ApiHarness) -> dict[str, Any]:
    # Given the API, When anyone (no identity needed) fetches the document
    reply = api.call(rest_event("GET", "/openapi.json", claims=None))
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert isinstance(reply.body, dict)
    return reply.body


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    # Then it validates against the OpenAPI 3.1 specification
    validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "model-studio API"


def test_every_route_and_method_is_listed_and_nothing_else(document: dict[str, Any]) -> None:
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    assert listed == set(ROUTES)


@pytest.mark.parametrize(("path", "method"), list(ROUTES))
def test_each_route_documents_its_request_success_and_error_models(
    document: dict[str, Any], path: str, method: str
) -> None:
    request_model, success_model, error_codes = ROUTES[(path, method)]
    operation = document["paths"][path][method]

    # Then the request body (when there is one) is the route's model and is required
    if request_model is None:
        assert "requestBody" not in operation
    else:
        body = operation["requestBody"]
        assert body["required"] is True
        assert body["content"]["application/json"]["schema"] == {"$ref": REF + request_model}

    # And the success answer is the route's response model
    responses = operation["responses"]
    success = responses["200"]["content"]["application/json"]["schema"]
    if success_model is None:
        assert success["type"] == "object"
    else:
        assert success == {"$ref": REF + success_model}

    # And exactly the error statuses the route can answer are documented, each with the one error body
    # (401 and 413 can also come from API Gateway itself, whose body has only a message)
    documented = {int(code) for code in responses if code != "200"}
    assert documented == error_codes
    for code in error_codes:
        model = "GatewayErrorBody" if code in (401, 413) else "ErrorBody"
        assert responses[str(code)]["content"]["application/json"]["schema"] == {"$ref": REF + model}
        assert responses[str(code)]["description"]


def test_admin_routes_say_so_and_name_their_audited_action(document: dict[str, Any]) -> None:
    # Then exactly the admin-only routes carry x-admin-only, with the action their denials are audited as
    marked = {
        (path, method): operation["x-admin-only"]["action"]
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "x-admin-only" in operation
    }
    assert marked == ADMIN_ONLY
    for path, method in ADMIN_ONLY:
        assert document["paths"][path][method]["x-admin-only"]["what"]


def test_invoke_documents_both_answers(document: dict[str, Any]) -> None:
    content = document["paths"]["/invoke"]["post"]["responses"]["200"]["content"]
    assert content["application/json"]["schema"] == {"$ref": REF + "InvokeResponse"}
    events = content["text/event-stream"]["schema"]["oneOf"]
    assert [e["properties"]["event"]["const"] for e in events] == ["delta", "reasoning", "done", "error"]
    assert events[1]["properties"]["data"]["contentSchema"]["required"] == ["text"]
    assert events[3]["properties"]["data"]["contentSchema"] == {"$ref": REF + "ErrorBody"}


def test_no_route_documents_a_validation_status_the_api_never_answers(document: dict[str, Any]) -> None:
    # Request validation answers 400 with ErrorBody: the framework's default 422 "HTTPValidationError" is gone
    assert "HTTPValidationError" not in str(document)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_referenced_schema_is_defined(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    text = str(document)
    referenced = {part.split("'")[0] for part in text.split(REF)[1:]}
    assert referenced <= set(schemas)
    for name in ("ModelConfig", "SageMakerProvider", "BedrockProvider", "ErrorBody", "ErrorDetailBody"):
        assert name in schemas


def test_the_model_config_schema_is_the_strict_one(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    model_config = schemas["ModelConfig"]
    assert set(model_config["required"]) == {"schema_version", "id", "name", "provider"}
    assert model_config["additionalProperties"] is False
    assert set(schemas["SageMakerEndpointKwargs"]["properties"]).isdisjoint({"EndpointName", "Body", "ContentType"})
    assert schemas["ErrorBody"]["properties"]["rule"]


def test_query_and_path_parameters_are_typed(document: dict[str, Any]) -> None:
    delete = {p["name"]: p for p in document["paths"]["/models/{model_id}"]["delete"]["parameters"]}
    assert delete["model_id"]["in"] == "path"
    assert delete["model_id"]["schema"]["pattern"] == "^[a-z0-9][a-z0-9._-]{0,63}$"
    assert delete["version"]["in"] == "query"
    assert delete["version"]["required"] is True
    assert delete["version"]["schema"]["type"] == "integer"
    audit = {p["name"]: p for p in document["paths"]["/audit"]["get"]["parameters"]}
    assert audit["limit"]["schema"]["maximum"] == 200
    assert audit["limit"]["required"] is False


def test_every_route_requires_the_cognito_token(document: dict[str, Any]) -> None:
    assert document["security"] == [{"cognito": []}]
    assert document["components"]["securitySchemes"]["cognito"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
