"""The local model inventory: models the emulator serves, each built the way discovery would build it.

``inventory.json`` names an emulator endpoint (and inference component) or a Bedrock model id; the catalogue
adapter comes from the same detection discovery runs on the container the emulator describes (image, environment,
model data), or from the Bedrock model's family, and a merge patch sets the id, the name and anything else. So the
predefined models and what ``make dev`` discovers cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference_engine.discovery.bedrock import adapters_for, invoke_format
from inference_engine.discovery.containers import context_limits, detect
from inference_engine.discovery.starting_config import starting_config
from inference_engine.merge import merge_patch
from inference_engine.settings import RuntimeSettings, parse_runtime_settings
from local.emulator.containers import described
from local.emulator.registry import Registry, load_registry

INVENTORY_FILE = Path(__file__).with_name("inventory.json")
REGION = "us-east-1"


@dataclass(frozen=True)
class InventoryModel:
    base: str  # the catalogue adapter it was built from
    config: dict[str, Any]


def _sagemaker(entry: dict[str, Any], registry: Registry) -> tuple[str, dict[str, Any]]:
    name = entry["sagemaker_endpoint"]
    endpoint = registry.sagemaker[name]
    component_name = entry.get("inference_component")
    container: Any = endpoint
    fmt = endpoint.format
    provider: dict[str, Any] = {"type": "sagemaker", "endpoint_name": name, "region": REGION}
    if component_name is not None:
        component = (endpoint.inference_components or {})[component_name]
        container, fmt = component, component.format or endpoint.format
        provider["endpoint_kwargs"] = {"InferenceComponentName": component_name}
    definition = described(container, fmt, REGION)
    environment: dict[str, str] = definition["Environment"]
    detection = detect(definition["Image"], environment, definition.get("ModelDataUrl"))
    if detection.format is None:
        raise ValueError(f"{name}: nothing detected for its container ({'; '.join(detection.reasons)})")
    config = starting_config(detection.format, provider=provider, name=name, constraints=context_limits(environment))
    return detection.format, config.to_json_dict()


def _bedrock(entry: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    model_id = entry["bedrock_model"]
    api = entry.get("api", "converse")
    fmt = adapters_for(model_id)[0] if api == "converse" else invoke_format(model_id)
    if fmt is None:
        raise ValueError(f"{model_id}: the catalogue has no InvokeModel body for this model family")
    provider = {"type": "bedrock", "model_id": model_id, "region": REGION, "api": api}
    return fmt, starting_config(fmt, provider=provider, name=model_id).to_json_dict()


def inventory_models(path: Path = INVENTORY_FILE, registry: Registry | None = None) -> list[InventoryModel]:
    """Every predefined model, fully expanded, with the catalogue adapter it starts from."""
    data = json.loads(path.read_text(encoding="utf-8"))
    registry = registry or load_registry()
    models = []
    for entry in data["models"]:
        base, config = _sagemaker(entry, registry) if "sagemaker_endpoint" in entry else _bedrock(entry)
        models.append(InventoryModel(base=base, config=merge_patch(config, entry["patch"])))
    return models


def runtime_settings_document(path: Path = INVENTORY_FILE, registry: Registry | None = None) -> dict[str, Any]:
    """The ``RuntimeSettings`` JSON the local Lambda reads, with every model fully expanded."""
    data = json.loads(path.read_text(encoding="utf-8"))
    models = [model.config for model in inventory_models(path, registry)]
    return {"policy": data["policy"], "default_model_id": data["default_model_id"], "models": models}


def load_inventory(path: Path = INVENTORY_FILE) -> RuntimeSettings:
    return parse_runtime_settings(runtime_settings_document(path))
