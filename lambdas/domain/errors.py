"""Errors of the API's own domain (the engine's errors live in ``inference_engine.errors``)."""

from __future__ import annotations

from inference_engine.errors import EngineError


class UnauthorizedError(EngineError):
    code = "unauthorized"


class NotFoundError(EngineError):
    code = "not_found"


class VersionConflictError(EngineError):
    """The stored version is not the one the client read (``current_version`` None: the model is gone)."""

    code = "conflict"

    def __init__(self, model_id: str, current_version: int | None, message: str | None = None) -> None:
        super().__init__(
            message
            or f"Model {model_id!r} changed since you read it (stored version: {current_version}); reload and retry."
        )
        self.model_id = model_id
        self.current_version = current_version


class PayloadTooLargeError(EngineError):
    code = "payload_too_large"


class AuditUnavailableError(EngineError):
    """The audit record could not be written, so the audited action was not performed."""

    code = "audit_unavailable"
