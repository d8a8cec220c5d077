"""The local model inventory: catalogue adapters adjusted by merge patches (``inventory.json``), as data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from inference_engine.catalogue import catalogue_json
from inference_engine.merge import merge_patch
from inference_engine.settings import RuntimeSettings, parse_runtime_settings

INVENTORY_FILE = Path(__file__).with_name("inventory.json")


def runtime_settings_document(path: Path = INVENTORY_FILE) -> dict[str, Any]:
    """The ``RuntimeSettings`` JSON the local Lambda reads, with every model fully expanded."""
    data = json.loads(path.read_text(encoding="utf-8"))
    models = [merge_patch(catalogue_json(entry["base"]), entry["patch"]) for entry in data["models"]]
    return {"policy": data["policy"], "default_model_id": data["default_model_id"], "models": models}


def load_inventory(path: Path = INVENTORY_FILE) -> RuntimeSettings:
    return parse_runtime_settings(runtime_settings_document(path))
