"""What discovery and format probes report: pydantic models the HTTP API and the CLI answer with as they are."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from inference_engine.schema import (
    BEDROCK_MODEL_ID_PATTERN,
    SAGEMAKER_ENDPOINT_PATTERN,
    CrossAccount,
    ModelConfig,
    Region,
)

Confidence = Literal["high", "medium", "low", "none"]
BedrockKind = Literal[
    "foundation-model",
    "system-inference-profile",
    "application-inference-profile",
    "imported-model",
    "marketplace-endpoint",
]
BEDROCK_KINDS: tuple[BedrockKind, ...] = (
    "foundation-model",
    "system-inference-profile",
    "application-inference-profile",
    "imported-model",
    "marketplace-endpoint",
)


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Detection(_Report):
    """Which catalogue adapter a container speaks, and why we think so."""

    format: str | None = Field(description="the catalogue format to start from; null when nothing points to one")
    confidence: Confidence
    family: str | None = Field(default=None, description="the model server, e.g. 'Hugging Face TGI 2.3.1'")
    reasons: list[str] = Field(default_factory=list, description="the evidence, strongest first")
    candidates: list[str] = Field(default_factory=list, description="catalogue formats in the order a probe tries")
    supported: bool = Field(default=True, description="false for containers that do not generate text")


class ReadError(_Report):
    """A read that failed for one item of a listing (the rest of the listing is still answered)."""

    error: str
    message: str


class Container(_Report):
    image: str | None = None
    image_repository: str | None = None
    image_tag: str | None = None
    environment: dict[str, str] = Field(default_factory=dict, description="values of secret-looking keys redacted")
    model_data_url: str | None = None
    model_name: str | None = Field(default=None, description="the SageMaker model the container belongs to")


class Variant(_Report):
    name: str
    instance_type: str | None = None
    instance_count: int | None = None
    serverless: bool = False
    container: Container | None = Field(default=None, description="absent when the variant hosts components")
    detection: Detection | None = None
    config: ModelConfig | None = Field(default=None, description="a ready adapter for this variant")


class InferenceComponent(_Report):
    name: str
    status: str | None = None
    variant_name: str | None = None
    copies: int | None = None
    container: Container | None = None
    detection: Detection | None = None
    config: ModelConfig | None = None
    error: ReadError | None = None


class SageMakerEndpoint(_Report):
    name: str
    arn: str | None = None
    status: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    failure_reason: str | None = None
    variants: list[Variant] = Field(default_factory=list)
    inference_components: list[InferenceComponent] = Field(default_factory=list)
    detection: Detection | None = Field(default=None, description="the first variant's (model-based endpoints)")
    config: ModelConfig | None = Field(default=None, description="the first ready adapter (variant or component)")
    error: ReadError | None = None


class EndpointPage(_Report):
    region: str
    endpoints: list[SageMakerEndpoint]
    next_token: str | None = None


class BedrockModel(_Report):
    kind: BedrockKind
    model_id: str = Field(description="what goes into provider.model_id")
    arn: str | None = None
    name: str
    provider_name: str | None = None
    status: str | None = None
    input_modalities: list[str] = Field(default_factory=list)
    output_modalities: list[str] = Field(default_factory=list)
    streaming: bool | None = Field(default=None, description="response streaming supported (null: not reported)")
    inference_types: list[str] = Field(default_factory=list)
    routes_to: list[str] = Field(default_factory=list, description="model ARNs an inference profile routes to")
    architecture: str | None = None
    adapters: list[str] = Field(default_factory=list, description="catalogue formats to start from, best first")
    usable: bool = True
    note: str | None = None
    config: ModelConfig | None = None


class BedrockModelList(_Report):
    region: str
    models: list[BedrockModel]
    truncated: bool = Field(default=False, description="a listing had more pages than discovery reads")


# --- probes ----------------------------------------------------------------------------------------------


class SageMakerTarget(_Report):
    type: Literal["sagemaker"]
    endpoint_name: str = Field(pattern=SAGEMAKER_ENDPOINT_PATTERN, max_length=63)
    region: Region
    inference_component_name: str | None = Field(default=None, min_length=1, max_length=63)
    target_variant: str | None = Field(default=None, min_length=1, max_length=63)


class BedrockTarget(_Report):
    type: Literal["bedrock"]
    model_id: str = Field(pattern=BEDROCK_MODEL_ID_PATTERN, max_length=2048)
    region: Region


ProbeTarget = Annotated[SageMakerTarget | BedrockTarget, Field(discriminator="type")]


class ProbeRequest(_Report):
    target: ProbeTarget
    cross_account: CrossAccount | None = None
    formats: list[str] | None = Field(
        default=None, max_length=12, description="catalogue formats to try, in order (default: every one that fits)"
    )
    max_calls: int | None = Field(default=None, ge=1, le=10, description="at most the stage's limit")
    stream: bool = Field(default=True, description="also check that the first format that answers can stream")


ProbeOutcome = Literal["text", "no_text", "rejected", "bad_response", "invalid", "failed"]


class ProbeAttempt(_Report):
    format: str
    mode: Literal["buffered", "stream"]
    outcome: ProbeOutcome
    error: str | None = None
    message: str | None = None
    text: str | None = Field(default=None, description="what the model answered (one token)")
    reasoning: str | None = Field(default=None, description="reasoning the model wrote instead (reasoning models)")
    latency_ms: float | None = None


class ProbeResult(_Report):
    target: ProbeTarget
    max_calls: int
    calls: int = Field(description="upstream calls this probe made")
    attempts: list[ProbeAttempt]
    format: str | None = Field(description="the first format that answered with text at its output path")
    streaming: bool | None = Field(description="whether that format streamed (null: not tried)")
    stopped: str | None = Field(default=None, description="why the probe stopped early (error code or 'budget')")
    not_tried: list[str] = Field(default_factory=list)
    config: ModelConfig | None = Field(description="a ready adapter for the editor (streaming off if it failed)")
