"""Saving and deleting custom models, each audited: intent before the write, outcome after it."""

from __future__ import annotations

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.policy import check_model, enforce
from inference_engine.schema import ModelConfig
from inference_engine.settings import StagePolicy
from lambdas.domain.audit import AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.models import StoredModel
from lambdas.domain.ports import AuditStore
from lambdas.logic.registry import ModelRegistry


class ModelWrites:
    def __init__(self, *, policy: StagePolicy, registry: ModelRegistry, audit: AuditStore) -> None:
        self._policy = policy
        self._registry = registry
        self._audit = audit

    def _record(
        self, ctx: RequestContext, *, action: str, model_id: str, config: ModelConfig | None, base: str | None
    ) -> AuditRecord:
        return AuditRecord.of(
            ctx,
            action="save" if action == "save" else "delete",
            outcome="allowed",
            model_id=model_id,
            base_model_id=base,
            patch=config.to_json_dict() if config else None,
            config=config,
        )

    def save(
        self, ctx: RequestContext, *, model_id: str, config: ModelConfig, version: int, base_model_id: str | None
    ) -> StoredModel:
        record = self._record(ctx, action="save", model_id=model_id, config=config, base=base_model_id)
        try:
            if config.id != model_id:
                raise ConfigValidationError(
                    f"The config's id {config.id!r} differs from the id in the path, {model_id!r}.",
                    details=[ErrorDetail("config.id", f"must be {model_id!r}, the id in the path", "value_error")],
                )
            enforce(check_model(config, self._policy))
        except Exception as exc:
            self._audit.put(record.failed(exc))
            raise
        self._audit.put(record)
        try:
            stored = self._registry.save(
                config, expected_version=version, base_model_id=base_model_id, actor=ctx.caller.username, now=ctx.now
            )
        except Exception as exc:
            self._audit.update_outcome(record.failed(exc))
            raise
        self._audit.update_outcome(record.finished("success"))
        return stored

    def delete(self, ctx: RequestContext, *, model_id: str, version: int) -> None:
        record = self._record(ctx, action="delete", model_id=model_id, config=None, base=None)
        self._audit.put(record)
        try:
            self._registry.delete(model_id, expected_version=version)
        except Exception as exc:
            self._audit.update_outcome(record.failed(exc))
            raise
        self._audit.update_outcome(record.finished("success"))
