"""SageMaker endpoints in a region: status, instance type, inference components, and for each model container
the image behind it with the catalogue format it speaks.

DescribeEndpoint -> DescribeEndpointConfig -> DescribeModel per variant; an endpoint whose variants name no model
hosts inference components: ListInferenceComponents -> DescribeInferenceComponent (-> DescribeModel when the
component references a model). The endpoints of a page are described in parallel (bounded), and an endpoint that
cannot be described (deleted meanwhile, access denied) is reported with its error instead of failing the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from inference_engine.discovery.containers import Image, context_limits, detect, redact
from inference_engine.discovery.models import (
    Container,
    Detection,
    EndpointPage,
    InferenceComponent,
    SageMakerEndpoint,
    Variant,
)
from inference_engine.discovery.reads import control_plane_errors, pages, read_error
from inference_engine.discovery.starting_config import starting_config
from inference_engine.errors import EngineError, ResourceNotFoundError
from inference_engine.schema import CrossAccount, ModelConfig

MAX_PAGE_SIZE = 50
DESCRIBE_WORKERS = 8


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


def _lifecycle(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """ARN, status and times, as ``ListEndpoints`` and ``DescribeEndpoint`` both name them."""
    return {
        "arn": endpoint.get("EndpointArn"),
        "status": endpoint.get("EndpointStatus"),
        "created_at": _iso(endpoint.get("CreationTime")),
        "updated_at": _iso(endpoint.get("LastModifiedTime")),
    }


class SageMakerDiscovery:
    """Reads one region's endpoints through one ``sagemaker`` client (the caller's role, when it has one)."""

    def __init__(self, client: Any, region: str, cross_account: CrossAccount | None = None) -> None:
        self._client = client
        self._region = region
        self._cross_account = cross_account

    # --- listing -------------------------------------------------------------------------------------------

    def endpoints(
        self, *, limit: int = 20, next_token: str | None = None, name_contains: str | None = None
    ) -> EndpointPage:
        params: dict[str, Any] = {
            "MaxResults": max(1, min(limit, MAX_PAGE_SIZE)),
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
        }
        if next_token:
            params["NextToken"] = next_token
        if name_contains:
            params["NameContains"] = name_contains
        with control_plane_errors(f"SageMaker endpoints in {self._region}"):
            page = self._client.list_endpoints(**params)
        summaries = page.get("Endpoints", [])
        with ThreadPoolExecutor(max_workers=DESCRIBE_WORKERS) as pool:
            endpoints = list(pool.map(self._described_or_error, summaries))
        return EndpointPage(region=self._region, endpoints=endpoints, next_token=page.get("NextToken"))

    def _described_or_error(self, summary: Mapping[str, Any]) -> SageMakerEndpoint:
        name = str(summary["EndpointName"])
        try:
            return self.endpoint(name)
        except EngineError as exc:
            return SageMakerEndpoint(name=name, **_lifecycle(summary), error=read_error(exc))

    # --- one endpoint --------------------------------------------------------------------------------------

    def endpoint(self, name: str) -> SageMakerEndpoint:
        with control_plane_errors(f"SageMaker endpoint {name!r}"):
            described = self._client.describe_endpoint(EndpointName=name)
        config_name = described["EndpointConfigName"]
        with control_plane_errors(f"SageMaker endpoint config {config_name!r}"):
            endpoint_config = self._client.describe_endpoint_config(EndpointConfigName=config_name)
        counts = {v["VariantName"]: v.get("CurrentInstanceCount") for v in described.get("ProductionVariants", [])}
        production = endpoint_config.get("ProductionVariants", [])
        several = len(production) > 1
        variants = [self._variant(name, v, counts.get(v["VariantName"]), routed=several) for v in production]
        components = self._components(name) if any(v.get("ModelName") is None for v in production) else []
        first_variant = next((v for v in variants if v.config is not None or v.detection is not None), None)
        configs = [v.config for v in variants] + [c.config for c in components]
        first_config = next((config for config in configs if config is not None), None)
        return SageMakerEndpoint(
            name=name,
            **_lifecycle(described),
            failure_reason=described.get("FailureReason"),
            variants=variants,
            inference_components=components,
            detection=first_variant.detection if first_variant else None,
            config=first_config,
        )

    def _variant(self, endpoint: str, spec: Mapping[str, Any], count: int | None, *, routed: bool) -> Variant:
        model_name = spec.get("ModelName")
        base = Variant(
            name=spec["VariantName"],
            instance_type=spec.get("InstanceType"),
            instance_count=count if count is not None else spec.get("InitialInstanceCount"),
            serverless="ServerlessConfig" in spec,
        )
        if model_name is None:
            return base
        raw = self._model_container(model_name)
        container, detection = _container(raw, model_name), _detection(raw)
        routing = {"TargetVariant": spec["VariantName"]} if routed else {}
        config = self._config(
            endpoint, detection, raw, routing, label=f"{endpoint} ({spec['VariantName']})" if routed else endpoint
        )
        return base.model_copy(update={"container": container, "detection": detection, "config": config})

    def _components(self, endpoint: str) -> list[InferenceComponent]:
        names: list[str] = []
        listing = self._client.list_inference_components
        with control_plane_errors(f"inference components of SageMaker endpoint {endpoint!r}"):
            for page in pages(listing, "NextToken", "NextToken", EndpointNameEquals=endpoint, MaxResults=100):
                names += [c["InferenceComponentName"] for c in page.get("InferenceComponents", [])]
        return [self._component(endpoint, name) for name in names]

    def _component(self, endpoint: str, name: str) -> InferenceComponent:
        try:
            with control_plane_errors(f"SageMaker inference component {name!r}"):
                described = self._client.describe_inference_component(InferenceComponentName=name)
            spec = described.get("Specification") or {}
            raw = _component_container(spec.get("Container") or {})
            model_name = spec.get("ModelName")
            if model_name and not raw.get("Image"):
                raw = self._model_container(model_name)
            detection = _detection(raw)
            config = self._config(
                endpoint, detection, raw, {"InferenceComponentName": name}, label=f"{endpoint} / {name}"
            )
        except EngineError as exc:
            return InferenceComponent(name=name, error=read_error(exc))
        return InferenceComponent(
            name=name,
            status=described.get("InferenceComponentStatus"),
            variant_name=described.get("VariantName"),
            copies=(described.get("RuntimeConfig") or {}).get("CurrentCopyCount"),
            container=_container(raw, model_name),
            detection=detection,
            config=config,
        )

    def _model_container(self, model_name: str) -> dict[str, Any]:
        with control_plane_errors(f"SageMaker model {model_name!r}"):
            model = self._client.describe_model(ModelName=model_name)
        containers = [model["PrimaryContainer"]] if model.get("PrimaryContainer") else list(model.get("Containers", []))
        if not containers:
            raise ResourceNotFoundError(f"SageMaker model {model_name!r} has no container.")
        # A serial inference pipeline answers with its last container; a single-container model has one.
        return dict(containers[-1])

    def _config(
        self, endpoint: str, detection: Detection, raw: Mapping[str, Any], routing: Mapping[str, str], *, label: str
    ) -> ModelConfig | None:
        if detection.format is None:
            return None
        provider = {"type": "sagemaker", "endpoint_name": endpoint, "region": self._region}
        if routing:
            provider["endpoint_kwargs"] = dict(routing)  # type: ignore[assignment]
        family = f" ({detection.family})" if detection.family else ""
        return starting_config(
            detection.format,
            provider=provider,
            name=f"{label}{family}",
            cross_account=self._cross_account,
            constraints=context_limits(raw.get("Environment") or {}),
        )


def _component_container(summary: Mapping[str, Any]) -> dict[str, Any]:
    """An inference component's container summary in the shape of a model's ``ContainerDefinition``."""
    image = (summary.get("DeployedImage") or {}).get("SpecifiedImage")
    return {"Image": image, "Environment": summary.get("Environment") or {}, "ModelDataUrl": summary.get("ArtifactUrl")}


def _model_data_url(raw: Mapping[str, Any]) -> str | None:
    source = ((raw.get("ModelDataSource") or {}).get("S3DataSource") or {}).get("S3Uri")
    return raw.get("ModelDataUrl") or source


def _detection(raw: Mapping[str, Any]) -> Detection:
    return detect(raw.get("Image"), raw.get("Environment") or {}, _model_data_url(raw))


def _container(raw: Mapping[str, Any], model_name: str | None) -> Container:
    image = raw.get("Image")
    parsed = Image.parse(image) if image else None
    return Container(
        image=image,
        image_repository=parsed.full_repository if parsed else None,
        image_tag=parsed.tag if parsed else None,
        environment=redact(raw.get("Environment") or {}),
        model_data_url=_model_data_url(raw),
        model_name=model_name,
    )
