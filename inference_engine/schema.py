"""``ModelConfig``: the serializable adapter that describes one model (schema_version 1).

This module is the single source of truth for what a model config may contain. Everything a model
needs (where it lives, how its request body looks, where its text is in the answer) is data here;
nothing about a model is code. Unknown keys are rejected, every string and collection is bounded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from inference_engine.errors import ConfigValidationError, ErrorDetail

SCHEMA_VERSION = 1

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$"
SAGEMAKER_ENDPOINT_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
MIME_PATTERN = r"^[A-Za-z0-9_.+-]{1,63}/[A-Za-z0-9_.+-]{1,63}( *; *[A-Za-z0-9_.+-]{1,63}=[A-Za-z0-9_.+\"-]{1,63}){0,4}$"
# A model id, an inference-profile id, an ARN of a Bedrock resource (foundation model, system or application
# inference profile, imported or custom model, provisioned model), or the SageMaker endpoint ARN of a Bedrock
# Marketplace model deployment.
BEDROCK_MODEL_ID_PATTERN = (
    r"^(arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]*:[0-9]{0,12}:[a-z-]+/[A-Za-z0-9._:/-]{1,1024}"
    r"|arn:aws(-[a-z]+)*:sagemaker:[a-z0-9-]+:[0-9]{12}:endpoint/[A-Za-z0-9](-*[A-Za-z0-9]){0,62}"
    r"|[A-Za-z0-9][A-Za-z0-9._:-]{0,255})$"
)
ROLE_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,512}$"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9_+=,.@:/-]{2,1224}$"

MAX_JSON_BYTES = 32 * 1024  # bound for request_template and model_kwargs, serialized
MAX_TEMPLATE_CHARS = 64 * 1024  # bound for the prompt template source
MAX_NAME = 128


def _bounded_json(limit: int) -> Any:
    def check(value: Any) -> Any:
        size = len(json.dumps(value, ensure_ascii=False).encode())
        if size > limit:
            raise ValueError(f"is {size} bytes when serialized; the limit is {limit}")
        return value

    return AfterValidator(check)


def _jmespath_expression(value: str) -> str:
    try:
        jmespath.compile(value)
    except JMESPathError as exc:
        raise ValueError(f"is not a valid JMESPath expression: {exc}") from None
    return value


JMESPathExpr = Annotated[str, Field(min_length=1, max_length=1024), AfterValidator(_jmespath_expression)]
Region = Annotated[str, Field(pattern=REGION_PATTERN, max_length=32, examples=["us-east-1"])]
MimeType = Annotated[str, Field(pattern=MIME_PATTERN, max_length=128)]


class _Strict(BaseModel):
    # defer_build: a model's validator is built when it is first used, not at import (a cold start imports them all)
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)


# --- provider ------------------------------------------------------------------------------------


class SageMakerEndpointKwargs(_Strict):
    """Allow-listed ``invoke_endpoint`` parameters. ``EndpointName``, ``Body`` and ``ContentType`` are never here."""

    CustomAttributes: str | None = Field(default=None, max_length=1024)
    TargetModel: str | None = Field(default=None, min_length=1, max_length=1024)
    TargetVariant: str | None = Field(default=None, min_length=1, max_length=63)
    TargetContainerHostname: str | None = Field(default=None, min_length=1, max_length=63)
    InferenceId: str | None = Field(default=None, min_length=1, max_length=64)
    EnableExplanations: str | None = Field(default=None, min_length=1, max_length=64)
    InferenceComponentName: str | None = Field(default=None, min_length=1, max_length=63)
    SessionId: str | None = Field(default=None, min_length=1, max_length=256)

    def as_boto_kwargs(self) -> dict[str, str]:
        return self.model_dump(exclude_none=True)


class SageMakerProvider(_Strict):
    type: Literal["sagemaker"]
    endpoint_name: str = Field(pattern=SAGEMAKER_ENDPOINT_PATTERN, max_length=63)
    region: Region
    content_type: MimeType = "application/json"
    accept: MimeType = "application/json"
    endpoint_kwargs: SageMakerEndpointKwargs = Field(default_factory=SageMakerEndpointKwargs)


class Guardrail(_Strict):
    identifier: str = Field(min_length=1, max_length=2048)
    version: str = Field(pattern=r"^(DRAFT|[1-9][0-9]{0,7})$")


def _https_url(value: str) -> str:
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(:\d{1,5})?(/[\w./-]*)?", value):
        raise ValueError("must be an https URL with a host name (e.g. https://bedrock-runtime.us-east-1.amazonaws.com)")
    return value


class CachePoint(_Strict):
    """Converse prompt caching: a ``cachePoint`` block after the system prompt and/or after the last message."""

    system: bool = True
    messages: bool = False
    ttl: Literal["5m", "1h"] | None = None


class BedrockProvider(_Strict):
    type: Literal["bedrock"]
    model_id: str = Field(pattern=BEDROCK_MODEL_ID_PATTERN, max_length=2048)
    region: Region
    api: Literal["converse", "invoke_model"] = "converse"
    endpoint_url: Annotated[str, Field(max_length=512), AfterValidator(_https_url)] | None = None
    guardrail: Guardrail | None = None
    performance_latency: Literal["standard", "optimized"] | None = Field(
        default=None, description="latency-optimized inference (Converse performanceConfig, InvokeModel header)"
    )
    service_tier: Literal["priority", "default", "flex", "reserved"] | None = None
    cache_point: CachePoint | None = Field(default=None, description="Converse only")

    @model_validator(mode="after")
    def _cache_point_needs_converse(self) -> BedrockProvider:
        if self.cache_point is not None and self.api != "converse":
            raise ValueError(
                "cache_point is a Converse feature; with invoke_model put the model's own cache marker "
                "(e.g. Anthropic cache_control) in the request template"
            )
        return self


Provider = Annotated[SageMakerProvider | BedrockProvider, Field(discriminator="type")]


# --- the rest of the adapter ---------------------------------------------------------------------


class CrossAccount(_Strict):
    role_arn: str = Field(pattern=ROLE_ARN_PATTERN, max_length=2048)
    external_id: str | None = Field(default=None, pattern=EXTERNAL_ID_PATTERN)
    session_duration_s: int = Field(default=3600, ge=900, le=43200)


class Constraints(_Strict):
    max_input_tokens: int | None = Field(default=None, ge=1, le=10_000_000)
    max_total_tokens: int | None = Field(default=None, ge=1, le=10_000_000)


class StreamSettings(_Strict):
    framing: Literal["jsonlines", "sse", "bedrock-chunk"]
    output_path: JMESPathExpr
    stop_reason_path: JMESPathExpr | None = Field(
        default=None, description="why generation stopped, in the stream's records (the last one found wins)"
    )


class UsagePaths(_Strict):
    input_tokens_path: JMESPathExpr | None = None
    output_tokens_path: JMESPathExpr | None = None


class ReasoningSettings(_Strict):
    """Where a model's reasoning ("thinking") text is, so it is returned apart from the answer.

    Converse ``reasoningContent`` blocks are always kept apart; these settings are for the other APIs.
    ``think_tags``: ``paired`` takes text between ``<think>`` and ``</think>`` out of the answer;
    ``prompt_opened`` is for prompt templates that end inside ``<think>`` (DeepSeek-R1): the answer is
    reasoning until ``</think>``.
    """

    output_path: JMESPathExpr | None = None
    stream_path: JMESPathExpr | None = None
    think_tags: Literal["off", "paired", "prompt_opened"] = "off"


DEFAULT_REQUEST_TEMPLATE: dict[str, JsonValue] = {"inputs": "{{prompt}}", "parameters": "{{model_kwargs}}"}


class ContentHandler(_Strict):
    request_template: Annotated[JsonValue, _bounded_json(MAX_JSON_BYTES)] = Field(
        default_factory=lambda: dict(DEFAULT_REQUEST_TEMPLATE)
    )
    output_path: JMESPathExpr = "[0].generated_text"
    stop_reason_path: JMESPathExpr | None = Field(
        default=None, description="why generation stopped (end of turn, length, stop sequence), in the response"
    )
    stream: StreamSettings | None = None
    usage: UsagePaths | None = None


# Validation context key: the document's prompt templates were compiled when it was written (the stage's runtime
# settings, which ``infra.package`` writes at synth from validated configs), so Jinja2 need not compile them again.
TEMPLATES_COMPILED = "prompt_templates_compiled"


class PromptSettings(_Strict):
    template: str | None = Field(default=None, max_length=MAX_TEMPLATE_CHARS)
    stop_sequences: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=list, max_length=16
    )
    bos_token: str = Field(default="", max_length=64)
    eos_token: str = Field(default="", max_length=64)

    @field_validator("template")
    @classmethod
    def _template_compiles(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not (info.context or {}).get(TEMPLATES_COMPILED):
            from inference_engine.errors import TemplateError  # noqa: PLC0415
            from inference_engine.prompt_template import check_template_syntax  # noqa: PLC0415 (no import cycle)

            try:
                check_template_syntax(value)
            except TemplateError as exc:  # report it through pydantic so the error keeps its JSON path
                raise ValueError(exc.details[0].message if exc.details else exc.message) from None
        return value


class ModelConfig(_Strict):
    """A complete, validated model adapter."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        defer_build=True,
        title="ModelConfig",
        json_schema_extra={"$id": "https://model-studio.local/schema/model-config/v1"},
    )

    schema_version: Literal[1]
    id: str = Field(pattern=SLUG_PATTERN, max_length=64)
    name: str = Field(min_length=1, max_length=MAX_NAME)
    provider: Provider
    cross_account: CrossAccount | None = None
    model_kwargs: Annotated[dict[str, JsonValue], _bounded_json(MAX_JSON_BYTES)] = Field(
        default_factory=dict, max_length=64
    )
    constraints: Constraints = Field(default_factory=Constraints)
    content_handler: ContentHandler = Field(default_factory=ContentHandler)
    prompt: PromptSettings = Field(default_factory=PromptSettings)
    reasoning: ReasoningSettings | None = None

    @field_validator("schema_version", mode="before")
    @classmethod
    def _exact_version(cls, value: Any) -> Any:
        if type(value) is not int:  # 1.0 and true equal 1 in Python, but not in the JSON Schema
            raise ValueError("must be the integer 1")
        return value

    @field_validator("model_kwargs")
    @classmethod
    def _kwarg_names(cls, value: dict[str, JsonValue]) -> dict[str, JsonValue]:
        for key in value:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", key):
                raise ValueError(f"key {key!r} must be 1-64 letters, digits, '_', '.' or '-' and start with a letter")
        return value

    @property
    def supports_streaming(self) -> bool:
        if isinstance(self.provider, BedrockProvider) and self.provider.api == "converse":
            return True
        return self.content_handler.stream is not None

    def to_json_dict(self) -> dict[str, Any]:
        """The canonical JSON form (defaults included, ``None`` kept so the document is self-describing)."""
        return self.model_dump(mode="json")


# --- parsing with readable errors ----------------------------------------------------------------

_ENDPOINT_KWARGS = sorted(SageMakerEndpointKwargs.model_fields)


def format_loc(loc: tuple[int | str, ...], data: Any = None) -> str:
    """Turn a pydantic ``loc`` into ``a.b[0].c``, dropping discriminated-union tags that are not in the input."""
    parts: list[str] = []
    node = data
    for element in loc:
        if isinstance(element, int):
            parts.append(f"[{element}]")
            node = node[element] if isinstance(node, list) and 0 <= element < len(node) else None
            continue
        if isinstance(node, Mapping) and element not in node and node.get("type") == element:
            continue  # pydantic's tag segment for tagged unions, e.g. provider.sagemaker.endpoint_name
        parts.append(element if not parts else f".{element}")
        node = node.get(element) if isinstance(node, Mapping) else None
    return "".join(parts) or "$"


_PATTERN_HINTS = {
    "id": "must be a slug: 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
    "provider.region": "must be an AWS region name such as us-east-1",
    "provider.endpoint_name": "must be a SageMaker endpoint name: letters, digits and hyphens, at most 63",
    "provider.model_id": "must be a Bedrock model id, inference-profile id, Bedrock ARN (model, inference profile, "
    "imported model) or a Marketplace endpoint's SageMaker endpoint ARN",
    "provider.guardrail.version": "must be DRAFT or a version number",
    "cross_account.role_arn": "must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>",
    "cross_account.external_id": "must be 2-1224 of letters, digits and +=,.@:/-_",
    "provider.content_type": "must be a MIME type such as application/json",
    "provider.accept": "must be a MIME type such as application/json",
}


def _message_for(err: Mapping[str, Any], path: str) -> str:
    if err["type"] == "string_pattern_mismatch" and path in _PATTERN_HINTS:
        return _PATTERN_HINTS[path]
    if err["type"] == "extra_forbidden" and path.startswith("provider.endpoint_kwargs."):
        key = path.rsplit(".", 1)[-1]
        return f"{key!r} cannot be set through endpoint_kwargs; allowed keys: {', '.join(_ENDPOINT_KWARGS)}"
    if err["type"] == "extra_forbidden":
        return "unknown field (the schema rejects keys it does not define)"
    if err["type"] == "union_tag_invalid":
        return "provider.type must be 'sagemaker' or 'bedrock'"
    message = str(err["msg"])
    return message.removeprefix("Value error, ")


def validation_details(exc: ValidationError, data: Any = None) -> list[ErrorDetail]:
    return [
        ErrorDetail(
            path=(path := format_loc(tuple(err["loc"]), data)), message=_message_for(err, path), type=err["type"]
        )
        for err in exc.errors(include_url=False)
    ]


def invalid(exc: ValidationError, data: Any, what: str) -> ConfigValidationError:
    """A ``ConfigValidationError`` for a pydantic failure on ``data``: first problem in the message, all in details."""
    details = validation_details(exc, data)
    first = details[0]
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ConfigValidationError(f"Invalid {what} at {first.path}: {first.message}{more}", details=details)


def parse_model_config(data: Any) -> ModelConfig:
    """Validate a JSON-like value as a ``ModelConfig``; raise ``ConfigValidationError`` naming each bad field."""
    if not isinstance(data, Mapping):
        raise ConfigValidationError(
            "A model config must be a JSON object.",
            details=[ErrorDetail("$", f"expected an object, got {type(data).__name__}", "model_type")],
        )
    try:
        return ModelConfig.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, data, "model config") from None


def model_config_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``ModelConfig``, as served at ``GET /schema/model-config``."""
    return ModelConfig.model_json_schema(mode="validation")
