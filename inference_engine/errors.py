"""Domain errors of the inference engine.

Every error the engine raises on purpose is an ``EngineError``. The HTTP layer maps each class to one
status code in one place; the CLI maps them to exit codes. Messages are written for the admin who
configured the model: they say what was wrong and where, never include credentials or stack traces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class ErrorDetail:
    """One problem at one place of a JSON document (``path`` is dotted, with ``[i]`` for list items)."""

    path: str
    message: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message, "type": self.type}


class EngineError(Exception):
    """Base class: ``code`` is the stable machine-readable error code of the HTTP body."""

    code: ClassVar[str] = "engine_error"

    def __init__(self, message: str, *, details: Sequence[ErrorDetail] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details: tuple[ErrorDetail, ...] = tuple(details)


# --- the caller's mistakes (HTTP 400 / 413 / 422) -------------------------------------------------


class ConfigValidationError(EngineError):
    """A model config, an override or an invoke request is not valid; ``details`` names each bad field."""

    code = "validation_error"


class TemplateError(ConfigValidationError):
    """A request template or prompt template cannot be rendered (syntax, sandbox violation, limits)."""

    code = "template_error"


class ConstraintError(ConfigValidationError):
    """The request breaks the model's token constraints; raised before any upstream call."""

    code = "constraint_violation"


@dataclass
class OutputPathError(EngineError):
    """The model answered, but the configured JMESPath does not select text in the answer."""

    path: str
    received_keys: list[str] = field(default_factory=list)
    reason: str = "selected nothing"
    code: ClassVar[str] = "output_path_error"

    def __post_init__(self) -> None:
        keys = ", ".join(self.received_keys) if self.received_keys else "(none: the body is not a JSON object)"
        EngineError.__init__(
            self,
            f"Output path {self.path!r} {self.reason}. Top-level keys received: {keys}.",
            details=(ErrorDetail("content_handler.output_path", f"{self.reason}; received keys: {keys}"),),
        )


class ResourceNotFoundError(EngineError):
    """An AWS resource the caller named (an endpoint, a model, an inference component) does not exist."""

    code = "not_found"


# --- the upstream's failures (HTTP 429 / 502 / 504) -----------------------------------------------


class UpstreamError(EngineError):
    """The model endpoint or an AWS service failed. ``upstream_code`` is the AWS error code, if any."""

    code = "upstream_error"

    def __init__(self, message: str, *, upstream_code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.upstream_code = upstream_code
        self.upstream_status = status


class UpstreamThrottledError(UpstreamError):
    code = "throttled"


class UpstreamTimeoutError(UpstreamError):
    code = "upstream_timeout"


class ModelError(UpstreamError):
    """The model container or Bedrock rejected or failed the request (SageMaker ``ModelError`` et al.)."""

    code = "model_error"


class CredentialsError(UpstreamError):
    """The cross-account role could not be assumed, or the credentials were refused."""

    code = "credentials_error"


class ResponseFormatError(UpstreamError):
    """The upstream answered with a body that cannot be parsed (not JSON, truncated, bad stream framing)."""

    code = "bad_upstream_response"
