"""The read-only part of the Bedrock API that discovery uses (REST JSON, GET): foundation models, inference
profiles (system-defined and application), imported models and Marketplace endpoints, answered from the registry's
Bedrock entries (the same model ids the runtime serves).

A registry entry's ``kind`` says which listing it belongs to; application profiles, imported models and Marketplace
endpoints are registered under their ARN's resource id (the runtime resolves their ARNs to it).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final
from urllib.parse import unquote

from local.emulator.registry import ModelEntry, Registry, resource_id
from local.emulator.service_errors import ServiceError
from local.emulator.state import EmulatorState
from local.emulator.wire import ACCOUNT_ID, HttpRequest, HttpResponse, json_response

_NAMESPACE: Final = "com.amazonaws.bedrock"
_EPOCH: Final = datetime(2025, 10, 1, 8, 0, tzinfo=UTC)
# The regions a system-defined cross-region profile routes to, by its geographic prefix.
_PROFILE_REGIONS: Final = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "apac": ("ap-northeast-1", "ap-south-1", "ap-southeast-2"),
    "global": ("us-east-1", "eu-west-1", "ap-northeast-1"),
}
ROUTES: Final = ("/foundation-models", "/inference-profiles", "/imported-models", "/marketplace-model/endpoints")


def _error(status: int, code: str, message: str) -> ServiceError:
    return ServiceError(status, code, {"message": message}, namespace=_NAMESPACE)


def _iso(index: int) -> str:
    return (_EPOCH - timedelta(days=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _Inventory:
    def __init__(self, registry: Registry, region: str) -> None:
        self.region = region
        self.entries = list(registry.bedrock.items())

    def of_kind(self, *kinds: str) -> list[tuple[int, str, ModelEntry]]:
        return [(i, key, entry) for i, (key, entry) in enumerate(self.entries) if entry.kind_of(key) in kinds]

    def foundation_arn(self, model_id: str, region: str | None = None) -> str:
        return f"arn:aws:bedrock:{region or self.region}::foundation-model/{model_id}"

    def name_of(self, model_id: str) -> str:
        entry = dict(self.entries).get(model_id)
        return entry.name if entry is not None and entry.name else model_id


def _page(items: list[dict[str, Any]], query: dict[str, str], key: str) -> dict[str, Any]:
    limit = int(query.get("maxResults", "100") or 100)
    start = 0
    if query.get("nextToken"):
        try:
            start = int(base64.urlsafe_b64decode(query["nextToken"].encode()).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error):
            raise _error(400, "ValidationException", "Invalid nextToken.") from None
    answer: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        answer["nextToken"] = base64.urlsafe_b64encode(f"offset:{start + limit}".encode()).decode()
    return answer


def _foundation_model(inventory: _Inventory, index: int, model_id: str, entry: ModelEntry) -> dict[str, Any]:
    del index
    return {
        "modelArn": inventory.foundation_arn(model_id),
        "modelId": model_id,
        "modelName": entry.name or model_id,
        "providerName": entry.provider or model_id.split(".", 1)[0].title(),
        "inputModalities": list(entry.input_modalities),
        "outputModalities": list(entry.output_modalities),
        "responseStreamingSupported": entry.streaming,
        "customizationsSupported": [],
        "inferenceTypesSupported": list(entry.inference_types),
        "modelLifecycle": {"status": "ACTIVE"},
    }


def _profile(inventory: _Inventory, index: int, key: str, entry: ModelEntry) -> dict[str, Any]:
    if entry.kind_of(key) == "inference-profile":
        geography = key.split(".", 1)[0]
        regions = _PROFILE_REGIONS.get(geography, (inventory.region,))
        routes = entry.routes_to or (key.split(".", 1)[1],)
        models = [{"modelArn": inventory.foundation_arn(model, region)} for model in routes for region in regions]
        name = f"{geography.upper()} {inventory.name_of(routes[0])}"
        arn = f"arn:aws:bedrock:{inventory.region}:{ACCOUNT_ID}:inference-profile/{key}"
        kind = "SYSTEM_DEFINED"
    else:
        models = [{"modelArn": inventory.foundation_arn(model)} for model in entry.routes_to]
        name = entry.name or key
        arn = f"arn:aws:bedrock:{inventory.region}:{ACCOUNT_ID}:application-inference-profile/{key}"
        kind = "APPLICATION"
    return {
        "inferenceProfileName": name,
        "description": f"Routes requests to {name}" if kind == "SYSTEM_DEFINED" else "Tagged for cost allocation",
        "createdAt": _iso(index),
        "updatedAt": _iso(index),
        "inferenceProfileArn": arn,
        "models": models,
        "inferenceProfileId": key,
        "status": "ACTIVE",
        "type": kind,
    }


def _imported_model(inventory: _Inventory, index: int, key: str, entry: ModelEntry) -> dict[str, Any]:
    return {
        "modelArn": f"arn:aws:bedrock:{inventory.region}:{ACCOUNT_ID}:imported-model/{key}",
        "modelName": entry.name or key,
        "creationTime": _iso(index),
        "instructSupported": entry.instruct_supported,
        "modelArchitecture": entry.architecture or "llama3",
    }


def _marketplace_endpoint(inventory: _Inventory, index: int, key: str, entry: ModelEntry) -> dict[str, Any]:
    return {
        "endpointArn": f"arn:aws:sagemaker:{inventory.region}:{ACCOUNT_ID}:endpoint/{key}",
        "modelSourceIdentifier": f"arn:aws:sagemaker:{inventory.region}:aws:hub-content/SageMakerPublicHub/Model/"
        f"{entry.name or key}/1.0.0",
        "status": "ACTIVE",
        "statusMessage": "Registered with Amazon Bedrock",
        "createdAt": _iso(index),
        "updatedAt": _iso(index),
    }


def _list_foundation_models(inventory: _Inventory, query: dict[str, str]) -> dict[str, Any]:
    models = [_foundation_model(inventory, i, key, e) for i, key, e in inventory.of_kind("foundation-model")]
    if query.get("byProvider"):
        models = [m for m in models if m["providerName"].lower() == query["byProvider"].lower()]
    if query.get("byOutputModality"):
        models = [m for m in models if query["byOutputModality"] in m["outputModalities"]]
    if query.get("byInferenceType"):
        models = [m for m in models if query["byInferenceType"] in m["inferenceTypesSupported"]]
    return {"modelSummaries": models}


def _list_inference_profiles(inventory: _Inventory, query: dict[str, str]) -> dict[str, Any]:
    kind = {"SYSTEM_DEFINED": "inference-profile", "APPLICATION": "application-inference-profile"}
    wanted = (kind[query["type"]],) if query.get("type") in kind else tuple(kind.values())  # typeEquals
    items = [_profile(inventory, i, key, entry) for i, key, entry in inventory.of_kind(*wanted)]
    return _page(items, query, "inferenceProfileSummaries")


def _list_imported_models(inventory: _Inventory, query: dict[str, str]) -> dict[str, Any]:
    items = [_imported_model(inventory, i, key, e) for i, key, e in inventory.of_kind("imported-model")]
    return _page(items, query, "modelSummaries")


def _list_marketplace_endpoints(inventory: _Inventory, query: dict[str, str]) -> dict[str, Any]:
    items = [_marketplace_endpoint(inventory, i, key, e) for i, key, e in inventory.of_kind("marketplace-endpoint")]
    return _page(items, query, "marketplaceModelEndpoints")


_LISTS: Final[dict[str, tuple[str, Callable[[_Inventory, dict[str, str]], dict[str, Any]]]]] = {
    "/foundation-models": ("ListFoundationModels", _list_foundation_models),
    "/inference-profiles": ("ListInferenceProfiles", _list_inference_profiles),
    "/imported-models": ("ListImportedModels", _list_imported_models),
    "/marketplace-model/endpoints": ("ListMarketplaceModelEndpoints", _list_marketplace_endpoints),
}
_GETS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "/foundation-models": ("GetFoundationModel", ("foundation-model",)),
    "/inference-profiles": ("GetInferenceProfile", ("inference-profile", "application-inference-profile")),
    "/imported-models": ("GetImportedModel", ("imported-model",)),
    "/marketplace-model/endpoints": ("GetMarketplaceModelEndpoint", ("marketplace-endpoint",)),
}


def _get(inventory: _Inventory, collection: str, identifier: str) -> dict[str, Any]:
    key = resource_id(identifier)
    for index, found, entry in inventory.of_kind(*_GETS[collection][1]):
        if found == key:
            if collection == "/foundation-models":
                return {"modelDetails": _foundation_model(inventory, index, found, entry)}
            if collection == "/inference-profiles":
                return _profile(inventory, index, found, entry)
            if collection == "/imported-models":
                return _imported_model(inventory, index, found, entry)
            return {"marketplaceModelEndpoint": _marketplace_endpoint(inventory, index, found, entry)}
    raise _error(404, "ResourceNotFoundException", f"The resource {identifier} was not found.")


def handle(state: EmulatorState, request: HttpRequest) -> HttpResponse:
    path = request.raw_path
    collection = next((route for route in ROUTES if path == route or path.startswith(route + "/")), "")
    identifier = unquote(path[len(collection) + 1 :]) if path != collection else ""
    operation = _GETS[collection][0] if identifier else _LISTS[collection][0]

    def run(_logged: object) -> HttpResponse:
        if request.method != "GET":
            raise _error(405, "UnknownOperationException", "Unknown operation")
        inventory = _Inventory(state.registry, request.region)
        if identifier:
            return json_response(200, _get(inventory, collection, identifier))
        return json_response(200, _LISTS[collection][1](inventory, request.query_params()))

    return state.serve_logged(request, service="bedrock-api", operation=operation, target=identifier or "*", run=run)
