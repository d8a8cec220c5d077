"""``GET /openapi.json``: a valid OpenAPI 3.1 document listing every route of DESIGN §3 with its models."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.events import rest_event
from tests.fakes.api import ApiHarness

REF = "#/components/schemas/"
SSE = "text/event-stream"  # a success answered as server-sent events, not JSON

# (path, method) -> (request body model or None, success model or None for a free-form object, error statuses)
ROUTES: dict[tuple[str, str], tuple[str | None, str | None, set[int]]] = {
    ("/me", "get"): (None, "MeResponse", {401}),
    ("/models", "get"): (None, "ModelListResponse", {401}),
    ("/models/{model_id}", "get"): (None, "ModelDetailResponse", {400, 401, 403, 404}),
    ("/models/{model_id}", "put"): ("SaveModelRequest", "SaveModelResponse", {400, 401, 403, 404, 409, 413}),
    ("/models/{model_id}", "delete"): (None, "DeleteModelResponse", {400, 401, 403, 404, 409}),
    ("/models/{model_id}/versions", "get"): (None, "ModelVersionListResponse", {400, 401, 403, 404}),
    ("/models/{model_id}/versions/{version}", "get"): (None, "ModelVersionResponse", {400, 401, 403, 404}),
    ("/models/validate", "post"): ("InvokeRequest", "ValidateResponse", {400, 401, 403, 404, 413}),
    ("/invoke", "post"): ("InvokeRequest", "InvokeResponse", {400, 401, 403, 404, 413, 422, 429, 502, 504}),
    ("/invoke/stream", "post"): ("InvokeRequest", SSE, {400, 401, 403, 404, 413, 422, 429, 502, 504}),
    ("/audit", "get"): (None, "AuditListResponse", {400, 401, 403}),
    ("/schema/model-config", "get"): (None, None, {401}),
    ("/openapi.json", "get"): (None, None, set()),
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
    ("/models/{model_id}", "get"),
    ("/models/{model_id}", "put"),
    ("/models/{model_id}", "delete"),
    ("/models/validate", "post"),
    ("/models/{model_id}/versions", "get"),
    ("/models/{model_id}/versions/{version}", "get"),
    ("/audit", "get"),
    ("/discovery/sagemaker/endpoints", "get"),
    ("/discovery/sagemaker/endpoints/{endpoint_name}", "get"),
    ("/discovery/bedrock/models", "get"),
    ("/discovery/probe", "post"),
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
    if success_model == SSE:
        assert set(responses["200"]["content"]) == {SSE}
    elif success_model is None:
        success = responses["200"]["content"]["application/json"]["schema"]
        assert success["type"] == "object"
    else:
        assert responses["200"]["content"]["application/json"]["schema"] == {"$ref": REF + success_model}

    # And exactly the error statuses the route can answer are documented, each with the one error body
    # (401 and 413 can also come from API Gateway itself, whose body has only a message)
    documented = {int(code) for code in responses if code != "200"}
    assert documented == error_codes
    for code in error_codes:
        model = "GatewayErrorBody" if code in (401, 413) else "ErrorBody"
        assert responses[str(code)]["content"]["application/json"]["schema"] == {"$ref": REF + model}
        assert responses[str(code)]["description"]


def test_admin_routes_say_so(document: dict[str, Any]) -> None:
    # Then exactly the admin-only routes carry x-admin-only (the infrastructure leaves their validation to the
    # function, which refuses a plain user first: rule 6)
    marked = {
        (path, method)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "x-admin-only" in operation
    }
    assert marked == ADMIN_ONLY
    for path, method in ADMIN_ONLY:
        assert document["paths"][path][method]["x-admin-only"] is True


def test_the_streamed_invoke_documents_each_frame(document: dict[str, Any]) -> None:
    # Then /invoke answers JSON only, and /invoke/stream describes its delta, reasoning, done and error frames
    assert set(document["paths"]["/invoke"]["post"]["responses"]["200"]["content"]) == {"application/json"}
    stream = document["paths"]["/invoke/stream"]["post"]
    assert stream["requestBody"]["content"]["application/json"]["schema"] == {"$ref": REF + "InvokeRequest"}
    events = stream["responses"]["200"]["content"][SSE]["schema"]["oneOf"]
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


def test_an_optional_parameter_is_absent_or_typed_never_null(document: dict[str, Any]) -> None:
    # Then an optional query parameter (``str | None`` in the route) is documented as a string: a query string
    # has no null to send, and a client or fuzzer reading "or null" would send something the API never sees
    audit = {p["name"]: p for p in document["paths"]["/audit"]["get"]["parameters"]}
    assert audit["next_token"]["required"] is False
    assert audit["next_token"]["schema"] == {"type": "string", "maxLength": 2048, "title": "Next Token"}
    parameters = [p for item in document["paths"].values() for op in item.values() for p in op.get("parameters", [])]
    assert not [p["name"] for p in parameters if "null" in str(p["schema"])]


def test_every_route_requires_the_cognito_token_but_the_document_itself(document: dict[str, Any]) -> None:
    assert document["security"] == [{"cognito": []}]
    public = [(p, m) for p, item in document["paths"].items() for m, op in item.items() if op.get("security") == []]
    assert public == [("/openapi.json", "get")]
    assert document["components"]["securitySchemes"]["cognito"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }


def test_the_committed_document_is_the_one_the_code_generates() -> None:
    # The infrastructure's routes and the UI's types are built from lambdas/openapi.json: it must not drift
    from lambdas.contract import OPENAPI_FILE  # noqa: PLC0415
    from lambdas.openapi import generate  # noqa: PLC0415

    assert OPENAPI_FILE.read_text(encoding="utf-8") == generate(), "run `make openapi` and commit lambdas/openapi.json"
