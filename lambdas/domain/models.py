"""Models as the API knows them: a saved model as stored, and any model resolved for use (predefined or saved)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from inference_engine.schema import ModelConfig

Source = Literal["predefined", "saved"]


@dataclass(frozen=True)
class StoredModel:
    """A saved model's item: its config as a JSON document, its version and who changed it when."""

    id: str
    version: int
    config: dict[str, Any]
    base_model_id: str | None
    created_at: str
    created_by: str
    updated_at: str
    updated_by: str


@dataclass(frozen=True)
class ModelVersion:
    """One saved version of a model, kept for ever (its history): what was saved, by whom, when, and whether it
    restored an earlier version."""

    id: str
    version: int
    config: dict[str, Any]
    base_model_id: str | None
    saved_at: str
    saved_by: str
    restored_from: int | None = None


@dataclass(frozen=True)
class ModelWrite:
    """What a save stores: the config (a JSON document), the base model it started from, who saved it and when
    (and, for a restore, which version it restored)."""

    model_id: str
    config: dict[str, Any]
    base_model_id: str | None
    actor: str
    now: str
    restored_from: int | None = None  # the earlier version this save brings back


@dataclass(frozen=True)
class ResolvedModel:
    config: ModelConfig
    source: Source
    version: int | None = None
    base_model_id: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None
