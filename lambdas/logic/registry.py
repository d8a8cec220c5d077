"""The model registry: predefined models (deploy config) plus saved models (DynamoDB)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from inference_engine.catalogue import format_of
from inference_engine.errors import ConfigValidationError
from inference_engine.schema import BedrockProvider, ModelConfig, SageMakerProvider, parse_model_config
from inference_engine.settings import RuntimeSettings
from lambdas.domain.errors import NotFoundError, VersionConflictError
from lambdas.domain.models import ModelVersion, ModelWrite, ResolvedModel, Source, StoredModel
from lambdas.domain.ports import ModelStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelSummary:
    """A model as the list shows it; ``endpoint_name``, ``region``, ``cross_account`` and ``updated_by`` are for
    admins only (None otherwise), and no role ARN ever."""

    id: str
    name: str
    provider: str
    source: Source
    default: bool
    streaming: bool
    version: int | None
    updated_at: str | None
    updated_by: str | None
    model_id: str | None = None
    api: str | None = None
    endpoint_name: str | None = None
    region: str | None = None
    cross_account: bool | None = None
    format: str | None = None  # the catalogue format it speaks, when one matches


def _from_stored(stored: StoredModel) -> ResolvedModel | None:
    try:
        config = parse_model_config(stored.config)
    except ConfigValidationError as exc:
        logger.warning("saved model %s no longer validates: %s", stored.id, exc.message)
        return None
    return ResolvedModel(
        config=config,
        source="saved",
        version=stored.version,
        base_model_id=stored.base_model_id,
        updated_at=stored.updated_at,
        updated_by=stored.updated_by,
    )


class ModelRegistry:
    def __init__(self, runtime: RuntimeSettings, table: ModelStore) -> None:
        self._runtime = runtime
        self._table = table

    @property
    def default_model_id(self) -> str | None:
        return self._runtime.default_model_id

    def resolve(self, model_id: str) -> ResolvedModel:
        predefined = self._runtime.model(model_id)
        if predefined is not None:
            return ResolvedModel(config=predefined, source="predefined")
        stored = self._table.get(model_id)
        resolved = _from_stored(stored) if stored else None
        if resolved is None:
            raise NotFoundError(f"Model {model_id!r} does not exist.")
        return resolved

    def all(self) -> list[ResolvedModel]:
        predefined = [ResolvedModel(config=m, source="predefined") for m in self._runtime.models]
        taken = {m.config.id for m in predefined}
        saved = [r for s in self._table.scan() if s.id not in taken and (r := _from_stored(s)) is not None]
        return predefined + sorted(saved, key=lambda r: r.config.name.lower())

    def summaries(self, *, admin: bool) -> list[ModelSummary]:
        return [self.summary(model, admin=admin) for model in self.all()]

    def summary(self, model: ResolvedModel, *, admin: bool) -> ModelSummary:
        config, provider = model.config, model.config.provider
        bedrock = provider if isinstance(provider, BedrockProvider) else None
        sagemaker = provider if isinstance(provider, SageMakerProvider) else None
        return ModelSummary(
            id=config.id,
            name=config.name,
            provider=provider.type,
            source=model.source,
            default=config.id == self._runtime.default_model_id,
            streaming=config.supports_streaming,
            version=model.version,
            updated_at=model.updated_at,
            updated_by=model.updated_by if admin else None,
            model_id=bedrock.model_id if bedrock else None,
            api=bedrock.api if bedrock else None,
            endpoint_name=sagemaker.endpoint_name if admin and sagemaker else None,
            region=provider.region if admin else None,
            cross_account=config.cross_account is not None if admin else None,
            format=format_of(config),
        )

    def save(
        self,
        config: ModelConfig,
        *,
        expected_version: int,
        base_model_id: str | None,
        actor: str,
        now: str,
        restored_from: int | None = None,
    ) -> StoredModel:
        if self._runtime.model(config.id) is not None:
            raise VersionConflictError(
                config.id,
                None,
                f"Model id {config.id!r} belongs to a model deployed with the app; save under another id.",
            )
        write = ModelWrite(config.id, config.to_json_dict(), base_model_id, actor, now, restored_from=restored_from)
        return self._table.put(write, expected_version=expected_version)

    def delete(self, model_id: str, *, expected_version: int) -> None:
        if self._runtime.model(model_id) is not None:
            raise VersionConflictError(
                model_id, None, f"Model {model_id!r} is deployed with the app and cannot be deleted."
            )
        if self._table.get(model_id) is None:
            raise NotFoundError(f"Model {model_id!r} does not exist.")
        try:
            self._table.delete(model_id, expected_version)
        except VersionConflictError as exc:
            if exc.current_version is None:
                raise NotFoundError(f"Model {model_id!r} does not exist.") from None
            raise

    def versions(self, model_id: str) -> list[ModelVersion]:
        """A saved model's history, newest first (also after it was deleted); none for a predefined model."""
        self._not_predefined(model_id)
        found = self._table.versions(model_id)
        if not found:
            raise NotFoundError(f"Model {model_id!r} has no saved versions.")
        return found

    def version(self, model_id: str, version: int) -> ModelVersion | None:
        return None if self._runtime.model(model_id) is not None else self._table.version(model_id, version)

    def _not_predefined(self, model_id: str) -> None:
        if self._runtime.model(model_id) is not None:
            raise NotFoundError(
                f"Model {model_id!r} is deployed with the app: its versions are the stage config's history."
            )
