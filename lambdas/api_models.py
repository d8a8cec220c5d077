"""Request and response bodies of the HTTP API (DESIGN §3, §8.3). They also generate the OpenAPI document."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from inference_engine.messages import MAX_MESSAGES, MAX_TEXT_CHARS, ChatMessage
from inference_engine.schema import SLUG_PATTERN, ModelConfig
from lambdas.domain.audit import Action, Outcome


class _Model(BaseModel):
    # defer_build: a body's validator is built when a request first uses it, not at import
    model_config = ConfigDict(defer_build=True)


class _Body(_Model):
    model_config = ConfigDict(extra="forbid")


def _absent(value: Any) -> bool:
    """Optional fields left out of an answer rather than sent as null (older clients never see them)."""
    return value is None


# --- errors ----------------------------------------------------------------------------------------


class ErrorDetailBody(_Model):
    path: str
    message: str
    type: str


class ErrorBody(_Model):
    error: str = Field(description="stable machine-readable code")
    message: str
    details: list[ErrorDetailBody] | None = None
    rule: str | None = Field(default=None, description="the security rule that refused the request (403 only)")
    current_version: int | None = Field(default=None, description="the stored version (409 only)")


class GatewayErrorBody(_Model):
    """401 and 413 may come from API Gateway itself (``{"message": ...}``) or from the function (``ErrorBody``)."""

    message: str
    error: str | None = Field(default=None, description="absent when API Gateway answered")
    details: list[ErrorDetailBody] | None = None


SUCCESS: OpenAPIResponse = {"description": "Success"}  # no content: Powertools documents the route's return model


def error_responses(*codes: int) -> dict[int, OpenAPIResponse]:
    """OpenAPI ``responses``: 200 with the route's return model, then the given error statuses with ``ErrorBody``."""
    descriptions = {
        400: "Invalid request: details name the JSON path of each bad field",
        401: "Missing or invalid identity",
        403: "Refused by a security rule (named in `rule`)",
        404: "Not found",
        409: "Version conflict",
        413: "Request body too large",
        422: "The model answered, but the output path selected no text",
        429: "The model endpoint throttled the request",
        502: "The model endpoint or an AWS service failed",
        504: "The model endpoint did not answer in time",
    }
    gateway_codes = {401, 413}
    return {
        200: SUCCESS,
        **{
            code: {
                "description": descriptions[code],
                "content": {"application/json": {"model": GatewayErrorBody if code in gateway_codes else ErrorBody}},
            }
            for code in codes
        },
    }


# --- identity --------------------------------------------------------------------------------------


class Capabilities(_Model):
    overrides: bool
    cross_account: bool
    custom_bedrock_endpoints: bool


class MeResponse(_Model):
    username: str
    sub: str
    groups: list[str]
    is_admin: bool
    stage: str
    admin_group: str
    capabilities: Capabilities


# --- models ----------------------------------------------------------------------------------------


class ModelSummary(_Model):
    id: str
    name: str
    provider: Literal["sagemaker", "bedrock"]
    source: Literal["predefined", "saved"]
    default: bool
    streaming: bool
    version: int | None = None
    updated_at: str | None = None
    updated_by: str | None = None
    model_id: str | None = Field(default=None, description="Bedrock model id")
    api: Literal["converse", "invoke_model"] | None = None
    endpoint_name: str | None = Field(default=None, description="admins only")
    region: str | None = Field(default=None, description="admins only")
    cross_account: bool | None = Field(default=None, description="admins only")
    format: str | None = Field(
        default=None, description="the catalogue format the adapter speaks (e.g. tgi), null for one written by hand"
    )


class ModelListResponse(_Model):
    models: list[ModelSummary]


class ModelDetailResponse(_Model):
    source: Literal["predefined", "saved"]
    version: int | None
    config: ModelConfig
    base_model_id: str | None = None
    updated_at: str | None = None
    updated_by: str | None = None


class SaveModelRequest(_Body):
    config: ModelConfig
    version: int = Field(ge=0, description="the version the client read; 0 creates a new model")
    base_model_id: str | None = Field(default=None, pattern=SLUG_PATTERN)
    restored_from: int | None = Field(
        default=None, ge=1, description="this saves an earlier version again (audited as a restore)"
    )


class ModelVersionSummary(_Model):
    version: int
    saved_at: str
    saved_by: str
    base_model_id: str | None = None
    restored_from: int | None = Field(default=None, description="the earlier version this one restored")


class ModelVersionListResponse(_Model):
    id: str
    versions: list[ModelVersionSummary] = Field(description="newest first")


class ModelVersionResponse(ModelVersionSummary):
    id: str
    config: dict[str, JsonValue] = Field(description="the config as it was saved")


class SaveModelResponse(_Model):
    id: str
    version: int
    updated_at: str
    updated_by: str


class DeleteModelResponse(_Model):
    id: str
    deleted: bool


# --- invoke / validate -----------------------------------------------------------------------------


class InvokeRequest(_Body):
    model_id: str | None = Field(default=None, pattern=SLUG_PATTERN, description="absent: the default model")
    override: dict[str, JsonValue] | None = Field(
        default=None, description="RFC 7396 merge patch over the base model's config (admins only)"
    )
    messages: list[ChatMessage] | None = Field(default=None, min_length=1, max_length=MAX_MESSAGES)
    prompt: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_CHARS)
    system: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)
    stream: bool = False
    debug: bool = Field(default=False, description="admins only: include the request body and raw response")

    def conversation_input(self) -> dict[str, Any]:
        return {
            "messages": [m.model_dump() for m in self.messages] if self.messages is not None else None,
            "prompt": self.prompt,
            "system": self.system,
        }


class UsageBody(_Model):
    input_tokens: int
    output_tokens: int
    estimated: bool = Field(description="either count is the engine's estimate")
    input_estimated: bool = Field(default=False, description="the model did not report its input tokens")
    output_estimated: bool = Field(default=False, description="the model did not report its output tokens")
    cache_read_input_tokens: int | None = Field(
        default=None, exclude_if=_absent, description="Converse prompt caching: input tokens read from the cache"
    )
    cache_write_input_tokens: int | None = Field(
        default=None, exclude_if=_absent, description="Converse prompt caching: input tokens written to the cache"
    )


class DebugBody(_Model):
    rendered_prompt: str | None
    request_body: JsonValue
    raw_response: JsonValue


class InvokeResponse(_Model):
    output: str
    usage: UsageBody
    latency_ms: float
    model_id: str
    request_id: str
    stop_reason: str | None = None
    reasoning: str | None = Field(
        default=None, exclude_if=_absent, description="the model's reasoning, kept apart from the answer"
    )
    debug: DebugBody | None = None


class StreamDeltaData(_Model):
    text: str


class StreamReasoningData(_Model):
    text: str = Field(description="a piece of the model's reasoning (never part of the answer)")


class StreamDoneData(_Model):
    usage: UsageBody
    latency_ms: float
    model_id: str
    request_id: str
    stop_reason: str | None = None


def _sse_event(event: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": event},
            "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": data},
        },
    }


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # UsageBody is in the document's components already
    return schema


# One server-sent event of a streamed POST /invoke: `delta` (and `reasoning`) frames, then one `done` or `error`
# (DESIGN §8.3).
SSE_EVENT_SCHEMA: dict[str, Any] = {
    "oneOf": [
        _sse_event("delta", _inline(StreamDeltaData)),
        _sse_event("reasoning", _inline(StreamReasoningData)),
        _sse_event("done", _inline(StreamDoneData)),
        _sse_event("error", {"$ref": "#/components/schemas/ErrorBody"}),
    ]
}


class RequestPreview(_Model):
    operation: str
    params: dict[str, JsonValue]
    body: JsonValue


class ValidateResponse(_Model):
    config: ModelConfig
    rendered_prompt: str | None
    request: RequestPreview
    estimated_input_tokens: int
    streaming: bool


# --- audit -----------------------------------------------------------------------------------------


class AuditRecordBody(_Model):
    id: str
    timestamp: str
    actor: str
    actor_sub: str
    action: Action
    model_id: str | None
    base_model_id: str | None
    patch: JsonValue
    role_arn: str | None
    outcome: Outcome
    rule: str | None = None
    error: str | None = None
    request_id: str
    version: int | None = Field(default=None, description="the model version a save or restore made, a delete removed")
    restored_from: int | None = None


class AuditListResponse(_Model):
    records: list[AuditRecordBody]
    next_token: str | None = None
