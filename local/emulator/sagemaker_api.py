"""The read-only part of the SageMaker API that discovery uses (JSON 1.1, ``X-Amz-Target: SageMaker.<Op>``):
ListEndpoints, DescribeEndpoint, DescribeEndpointConfig, DescribeModel, ListInferenceComponents and
DescribeInferenceComponent, answered from the registry (the same endpoints the runtime serves).

Names follow what the SageMaker SDK and JumpStart create: endpoint config ``<endpoint>-config``, model
``<endpoint>-model`` (``<component>-model`` for a component that names a model). Timestamps are fixed, so
answers are the same every run.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from local.emulator.containers import described
from local.emulator.registry import ComponentEntry, EndpointEntry, Registry
from local.emulator.service_errors import ServiceError
from local.emulator.state import EmulatorState
from local.emulator.wire import ACCOUNT_ID, HttpRequest, HttpResponse

TARGET_PREFIX: Final = "SageMaker."
_NAMESPACE: Final = "com.amazonaws.sagemaker"
_EPOCH: Final = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
_EXECUTION_ROLE: Final = f"arn:aws:iam::{ACCOUNT_ID}:role/service-role/AmazonSageMaker-ExecutionRole-20250101T000000"


class _Error(ServiceError):
    """A JSON 1.1 error: the code in ``__type`` (and the header), the message in ``message``."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(status, code, {"__type": code, "message": message}, namespace=_NAMESPACE)


def _validation(message: str) -> _Error:
    return _Error("ValidationException", message)


def _arn(region: str, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{ACCOUNT_ID}:{kind}/{name.lower()}"


def _time(index: int, hours: int = 0) -> float:
    return (_EPOCH - timedelta(days=index) + timedelta(hours=hours)).timestamp()


class _Inventory:
    """One request's view of the registry, with the region the caller signed for."""

    def __init__(self, registry: Registry, region: str) -> None:
        self.registry = registry
        self.region = region
        self.order = {name: index for index, name in enumerate(registry.sagemaker)}

    def endpoint(self, name: str) -> EndpointEntry:
        entry = self.registry.sagemaker.get(name)
        if entry is None:
            raise _validation(f'Could not find endpoint "{_arn(self.region, "endpoint", name)}".')
        return entry

    def components(self) -> list[tuple[str, str, EndpointEntry, ComponentEntry]]:
        return [
            (endpoint, component, entry, spec)
            for endpoint, entry in self.registry.sagemaker.items()
            for component, spec in (entry.inference_components or {}).items()
        ]

    def component(self, name: str) -> tuple[str, EndpointEntry, ComponentEntry]:
        for endpoint, component, entry, spec in self.components():
            if component == name:
                return endpoint, entry, spec
        raise _validation(f'Could not find inference component "{_arn(self.region, "inference-component", name)}".')

    def model(self, name: str) -> tuple[dict[str, Any], int]:
        """A model's primary container and the index of the endpoint it belongs to."""
        for endpoint, entry in self.registry.sagemaker.items():
            if entry.inference_components is None and name == f"{endpoint}-model":
                return described(entry, entry.format, self.region), self.order[endpoint]
        for endpoint, component, entry, spec in self.components():
            if spec.via_model and name == f"{component}-model":
                return described(spec, spec.format or entry.format, self.region), self.order[endpoint]
        raise _validation(f'Could not find model "{_arn(self.region, "model", name)}".')

    def summary(self, name: str, entry: EndpointEntry) -> dict[str, Any]:
        index = self.order[name]
        return {
            "EndpointName": name,
            "EndpointArn": _arn(self.region, "endpoint", name),
            "CreationTime": _time(index),
            "LastModifiedTime": _time(index, hours=1),
            "EndpointStatus": entry.status,
        }


def _page(items: list[dict[str, Any]], payload: dict[str, Any], key: str) -> dict[str, Any]:
    limit = payload.get("MaxResults") or 10
    start = 0
    token = payload.get("NextToken")
    if token:
        try:
            start = int(base64.urlsafe_b64decode(str(token).encode()).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error):
            raise _validation("Invalid pagination token.") from None
    answer: dict[str, Any] = {key: items[start : start + limit]}
    if start + limit < len(items):
        answer["NextToken"] = base64.urlsafe_b64encode(f"offset:{start + limit}".encode()).decode()
    return answer


def _list_endpoints(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    items = [inventory.summary(name, entry) for name, entry in inventory.registry.sagemaker.items()]
    if payload.get("NameContains"):
        items = [item for item in items if str(payload["NameContains"]) in item["EndpointName"]]
    if payload.get("StatusEquals"):
        items = [item for item in items if item["EndpointStatus"] == payload["StatusEquals"]]
    field = {"Name": "EndpointName", "Status": "EndpointStatus"}.get(payload.get("SortBy", ""), "CreationTime")
    items.sort(key=lambda item: item[field], reverse=payload.get("SortOrder", "Descending") == "Descending")
    return _page(items, payload, "Endpoints")


def _describe_endpoint(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    name = str(payload.get("EndpointName", ""))
    entry = inventory.endpoint(name)
    variant: dict[str, Any] = {
        "VariantName": entry.variant,
        "CurrentWeight": 1.0,
        "DesiredWeight": 1.0,
        "CurrentInstanceCount": entry.instance_count,
        "DesiredInstanceCount": entry.instance_count,
    }
    if entry.inference_components is None:
        image = described(entry, entry.format, inventory.region)["Image"]
        variant["DeployedImages"] = [
            {"SpecifiedImage": image, "ResolvedImage": f"{image}@sha256:{'ab' * 32}", "ResolutionTime": _time(0)}
        ]
    return {
        **inventory.summary(name, entry),
        "EndpointConfigName": f"{name}-config",
        "ProductionVariants": [variant],
    }


def _describe_endpoint_config(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    config_name = str(payload.get("EndpointConfigName", ""))
    name = config_name.removesuffix("-config")
    if config_name == name or name not in inventory.registry.sagemaker:
        raise _validation(
            f'Could not find endpoint configuration "{_arn(inventory.region, "endpoint-config", config_name)}".'
        )
    entry = inventory.registry.sagemaker[name]
    variant: dict[str, Any] = {
        "VariantName": entry.variant,
        "InitialInstanceCount": entry.instance_count,
        "InstanceType": entry.instance_type,
        "InitialVariantWeight": 1.0,
    }
    answer: dict[str, Any] = {
        "EndpointConfigName": config_name,
        "EndpointConfigArn": _arn(inventory.region, "endpoint-config", config_name),
        "CreationTime": _time(inventory.order[name]),
        "EnableNetworkIsolation": False,
    }
    if entry.inference_components is None:
        variant["ModelName"] = f"{name}-model"
    else:  # an endpoint for inference components: no model, managed scaling, routing to the least-busy copy
        variant["ManagedInstanceScaling"] = {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 4}
        variant["RoutingConfig"] = {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"}
        answer["ExecutionRoleArn"] = _EXECUTION_ROLE
    return {**answer, "ProductionVariants": [variant]}


def _describe_model(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    name = str(payload.get("ModelName", ""))
    container, index = inventory.model(name)
    return {
        "ModelName": name,
        "PrimaryContainer": container,
        "ExecutionRoleArn": _EXECUTION_ROLE,
        "CreationTime": _time(index),
        "ModelArn": _arn(inventory.region, "model", name),
        "EnableNetworkIsolation": False,
    }


def _component_summary(inventory: _Inventory, endpoint: str, component: str, entry: EndpointEntry) -> dict[str, Any]:
    index = inventory.order[endpoint]
    return {
        "CreationTime": _time(index, hours=2),
        "InferenceComponentArn": _arn(inventory.region, "inference-component", component),
        "InferenceComponentName": component,
        "EndpointArn": _arn(inventory.region, "endpoint", endpoint),
        "EndpointName": endpoint,
        "VariantName": entry.variant,
        "InferenceComponentStatus": "InService",
        "LastModifiedTime": _time(index, hours=3),
    }


def _list_inference_components(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    items = [
        _component_summary(inventory, endpoint, component, entry)
        for endpoint, component, entry, _spec in inventory.components()
        if payload.get("EndpointNameEquals") in (None, endpoint)
    ]
    return _page(items, payload, "InferenceComponents")


def _describe_inference_component(inventory: _Inventory, payload: dict[str, Any]) -> dict[str, Any]:
    name = str(payload.get("InferenceComponentName", ""))
    endpoint, entry, spec = inventory.component(name)
    requirements = {"NumberOfAcceleratorDevicesRequired": 1, "MinMemoryRequiredInMb": 16384}
    specification: dict[str, Any] = {"ComputeResourceRequirements": requirements}
    if spec.via_model:
        specification["ModelName"] = f"{name}-model"
    else:
        container = described(spec, spec.format or entry.format, inventory.region)
        image = container["Image"]
        summary: dict[str, Any] = {
            "DeployedImage": {"SpecifiedImage": image, "ResolvedImage": f"{image}@sha256:{'cd' * 32}"},
            "Environment": container["Environment"],
        }
        if "ModelDataUrl" in container:
            summary["ArtifactUrl"] = container["ModelDataUrl"]
        specification["Container"] = summary
    return {
        **_component_summary(inventory, endpoint, name, entry),
        "Specification": specification,
        "RuntimeConfig": {"DesiredCopyCount": spec.copies, "CurrentCopyCount": spec.copies},
    }


OPERATIONS: Final[dict[str, Callable[[_Inventory, dict[str, Any]], dict[str, Any]]]] = {
    "ListEndpoints": _list_endpoints,
    "DescribeEndpoint": _describe_endpoint,
    "DescribeEndpointConfig": _describe_endpoint_config,
    "DescribeModel": _describe_model,
    "ListInferenceComponents": _list_inference_components,
    "DescribeInferenceComponent": _describe_inference_component,
}
_TARGET_FIELDS: Final = ("EndpointName", "EndpointConfigName", "ModelName", "InferenceComponentName")


def handle(state: EmulatorState, request: HttpRequest, operation: str) -> HttpResponse:
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        payload = None
    target = next((str(payload[f]) for f in _TARGET_FIELDS if isinstance(payload, dict) and f in payload), "*")

    def run(_logged: object) -> HttpResponse:
        reader = OPERATIONS.get(operation)
        if reader is None:
            raise _Error("UnknownOperationException", f"The emulator does not serve SageMaker.{operation}.")
        if not isinstance(payload, dict):
            raise _Error("SerializationException", "The request body is not a JSON object.")
        answer = reader(_Inventory(state.registry, request.region), payload)
        return HttpResponse(200, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(answer).encode())

    return state.serve_logged(request, service="sagemaker-api", operation=operation, target=target, run=run)
