"""Saving and deleting custom models, each audited: intent before the write, outcome after it."""

from __future__ import annotations

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.policy import check_model, enforce
from inference_engine.schema import ModelConfig
from inference_engine.settings import StagePolicy
from lambdas.domain.audit import AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.errors import NotFoundError
from lambdas.domain.models import StoredModel
from lambdas.domain.ports import AuditStore
from lambdas.logic.registry import ModelRegistry


class ModelWrites:
    def __init__(self, *, policy: StagePolicy, registry: ModelRegistry, audit: AuditStore) -> None:
        self._policy = policy
        self._registry = registry
        self._audit = audit

    def save(
        self,
        ctx: RequestContext,
        *,
        model_id: str,
        config: ModelConfig,
        version: int,
        base_model_id: str | None,
        restored_from: int | None = None,
    ) -> StoredModel:
        """Save ``config`` as the model's next version (``version``: the one the caller read). With
        ``restored_from``, it saves an earlier version again (audited as a restore, kept in the history as such)."""
        record = AuditRecord.of(
            ctx,
            action="save" if restored_from is None else "restore",
            outcome="allowed",
            model_id=model_id,
            base_model_id=base_model_id,
            patch=config.to_json_dict(),
            config=config,
            restored_from=restored_from,
        )
        try:
            if restored_from is not None and self._registry.version(model_id, restored_from) is None:
                raise NotFoundError(f"Model {model_id!r} has no version {restored_from} to restore.")
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
                config,
                expected_version=version,
                base_model_id=base_model_id,
                actor=ctx.caller.username,
                now=ctx.now,
                restored_from=restored_from,
            )
        except Exception as exc:
            self._audit.update_outcome(record.failed(exc))
            raise
        self._audit.update_outcome(record.finished("success", version=stored.version))
        return stored

    def delete(self, ctx: RequestContext, *, model_id: str, version: int) -> None:
        record = AuditRecord.of(ctx, action="delete", outcome="allowed", model_id=model_id, version=version)
        self._audit.put(record)
        try:
            self._registry.delete(model_id, expected_version=version)
        except Exception as exc:
            self._audit.update_outcome(record.failed(exc))
            raise
        self._audit.update_outcome(record.finished("success"))
