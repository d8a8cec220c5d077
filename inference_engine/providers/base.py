"""Types shared by the providers, and the one translation of AWS errors into domain errors."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from botocore.eventstream import ParserError as EventStreamParserError
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)
from pydantic import JsonValue
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeoutError

from inference_engine.errors import (
    CredentialsError,
    EngineError,
    ModelError,
    ResponseFormatError,
    UpstreamError,
    UpstreamThrottledError,
    UpstreamTimeoutError,
)
from inference_engine.extraction import (
    UsageCounts,
    extract_reasoning,
    extract_stop_reason,
    extract_text,
    extract_usage,
)
from inference_engine.schema import ModelConfig

Service = Literal["sagemaker-runtime", "bedrock-runtime"]


@dataclass(frozen=True)
class PreparedRequest:
    """Everything about one model call, computed without any network access."""

    operation: str  # e.g. "sagemaker-runtime:InvokeEndpoint"
    service: Service
    region: str
    params: dict[str, Any]  # boto3 keyword arguments, without the encoded body
    body: JsonValue | None  # the rendered request body (None for Converse: ``params`` is the request)
    body_bytes: bytes | None
    rendered_prompt: str | None
    estimated_input_tokens: int
    requested_output_tokens: int | None

    def preview(self) -> dict[str, Any]:
        """What ``POST /models/validate`` shows: the operation, its parameters and the exact body."""
        return {"operation": self.operation, "params": self.params, "body": self.body}


@dataclass(frozen=True)
class Completion:
    text: str
    usage: UsageCounts
    stop_reason: str | None
    raw: Any
    reasoning: str | None = None

    @classmethod
    def of_document(cls, document: Any, config: ModelConfig) -> Completion:
        """A JSON answer read through the adapter's output, usage, stop reason and reasoning paths."""
        handler = config.content_handler
        return cls(
            text=extract_text(document, handler.output_path),
            usage=extract_usage(document, handler.usage),
            stop_reason=extract_stop_reason(document, handler.stop_reason_path),
            raw=document,
            reasoning=extract_reasoning(document, config.reasoning),
        )


@dataclass
class StreamSummary:
    """Filled in by a provider's stream as it goes; read after the last delta."""

    usage: UsageCounts = field(default_factory=UsageCounts)
    stop_reason: str | None = None


THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ServiceQuotaExceededException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)
TIMEOUT_CODES = frozenset({"ModelTimeoutException", "RequestTimeout", "RequestTimeoutException"})
CREDENTIAL_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
    }
)


def _client_error_message(exc: ClientError) -> tuple[str, str, int | None]:
    response: dict[str, Any] = dict(exc.response)
    error = response.get("Error", {})
    code = str(error.get("Code") or "Unknown")
    message = str(error.get("Message") or "")
    original = response.get("OriginalMessage")
    if original and original not in message:
        message = f"{message} (model said: {original})" if message else str(original)
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code, message, status if isinstance(status, int) else None


# What an admin should check first, by kind of failure (appended to the service's own message).
CHECK_THROTTLED = (
    "The model is throttling requests: retry in a few seconds; if it keeps happening, raise the quota (Bedrock: "
    "requests and tokens per minute for this model) or the endpoint's instance count."
)
CHECK_TIMEOUT = (
    "No answer in time: check the endpoint's health and latency, or ask for fewer output tokens (or stream)."
)
CHECK_ACCESS = (
    "Access was denied: check that the calling role (the function's, or the model's cross_account role) may call "
    "this model in this region, and for a cross-account role its trust policy and external id."
)
CHECK_NOT_FOUND = (
    "Not found: check the endpoint name or model id (or inference profile) and the region; for Bedrock, that "
    "model access is granted in the account."
)
CHECK_REQUEST = (
    "The model refused the request: compare the request template and model_kwargs with the container's format "
    "(Validate shows the exact body sent)."
)
NOT_FOUND_CODES = frozenset({"ResourceNotFoundException", "ResourceNotFound", "NotFoundException"})


def _not_found(code: str, message: str) -> bool:
    lowered = message.lower()
    return code in NOT_FOUND_CODES or (
        code in ("ValidationError", "ValidationException")
        and ("not found" in lowered or "model identifier is invalid" in lowered)
    )


def translate(exc: Exception, target: str) -> EngineError:
    """Map a botocore failure to the domain error the HTTP layer knows how to answer, with what to check."""
    if isinstance(exc, EngineError):
        return exc
    if isinstance(exc, ClientError):
        code, message, status = _client_error_message(exc)
        said = f"{target}: {code}: {message}" if message else f"{target}: {code}"
        if code in THROTTLING_CODES or status == 429:
            return UpstreamThrottledError(f"{said}. {CHECK_THROTTLED}", upstream_code=code, status=status)
        if code in TIMEOUT_CODES or status in (408, 504) or (code == "ModelError" and "timed out" in message.lower()):
            return UpstreamTimeoutError(f"{said}. {CHECK_TIMEOUT}", upstream_code=code, status=status)
        if code in CREDENTIAL_CODES:
            return CredentialsError(f"{said}. {CHECK_ACCESS}", upstream_code=code, status=status)
        check = CHECK_NOT_FOUND if _not_found(code, message) else CHECK_REQUEST
        return ModelError(f"{said}. {check}", upstream_code=code, status=status)
    if isinstance(exc, ReadTimeoutError | ConnectTimeoutError):
        return UpstreamTimeoutError(f"{target}: no answer in time ({type(exc).__name__}). {CHECK_TIMEOUT}")
    if isinstance(exc, EndpointConnectionError):
        return UpstreamError(f"{target}: cannot connect to the runtime endpoint ({exc})")
    if isinstance(exc, BotoCoreError):
        return UpstreamError(f"{target}: {type(exc).__name__}: {exc}")
    if isinstance(exc, Urllib3ReadTimeoutError):
        return UpstreamTimeoutError(f"{target}: no answer in time while streaming ({type(exc).__name__})")
    if isinstance(exc, EventStreamParserError):
        return ResponseFormatError(f"{target}: the response stream is corrupt ({type(exc).__name__})")
    if isinstance(exc, Urllib3Error):
        return UpstreamError(f"{target}: the connection broke while reading the response ({type(exc).__name__})")
    return UpstreamError(f"{target}: {type(exc).__name__}")


_TRANSLATED = (ClientError, BotoCoreError, Urllib3Error, EventStreamParserError)


class upstream_errors:  # noqa: N801 - used like the function it replaces: ``with upstream_errors(target):``
    """Translate any botocore failure raised inside the block (``target`` names the endpoint/model).

    A class rather than a ``@contextmanager`` generator: it is entered on every model call, and a generator
    context manager costs several times as much to enter and leave.
    """

    __slots__ = ("target",)

    def __init__(self, target: str) -> None:
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: TracebackType | None
    ) -> None:  # never swallows: a failure leaves translated or as it was
        if exc is None or isinstance(exc, EngineError):
            return
        if isinstance(exc, _TRANSLATED):
            raise translate(exc, self.target) from None
        # botocore raises a bare RuntimeError when refreshed credentials are already expired (clock skew)
        if isinstance(exc, RuntimeError) and "credentials" in str(exc).lower():
            raise CredentialsError(f"{self.target}: {exc}") from None


@contextlib.contextmanager
def released(events: Any) -> Iterator[Any]:
    """Close an upstream event stream however its reader stops: at its end, on an error, or when the caller
    closes the stream mid-way (a client that went away), so its connection is not held until garbage collection."""
    try:
        yield events
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
