"""Which SageMaker endpoints and Bedrock model ids exist, and which container format answers each."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

SageMakerFormat = Literal["tgi", "djl-lmi", "jumpstart-llama2-chat", "openai-chat"]
BedrockFormat = Literal[
    "bedrock-anthropic-messages",
    "bedrock-titan-text",
    "bedrock-meta-llama",
    "bedrock-deepseek-r1",
    "bedrock-converse-only",
]
SAGEMAKER_FORMATS: Final = ("tgi", "djl-lmi", "jumpstart-llama2-chat", "openai-chat")
BEDROCK_FORMATS: Final = (
    "bedrock-anthropic-messages",
    "bedrock-titan-text",
    "bedrock-meta-llama",
    "bedrock-deepseek-r1",
    "bedrock-converse-only",
)
_ARN_RESOURCE = re.compile(
    r"^arn:aws[a-z-]*:(bedrock:[a-z0-9-]*:\d{0,12}:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model"
    r"|imported-model)"
    r"|sagemaker:[a-z0-9-]+:\d{12}:endpoint)"  # a Bedrock Marketplace model's SageMaker endpoint
    r"/(?P<id>.+)$"
)
BedrockKind = Literal[
    "foundation-model", "inference-profile", "application-inference-profile", "imported-model", "marketplace-endpoint"
]
_GEO_PREFIX = re.compile(r"^(us|eu|apac|us-gov|ca|jp|au|global)\.")


def _format_shorthand(value: Any) -> Any:
    return {"format": value} if isinstance(value, str) else value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_limit: float | None = Field(None, gt=0, description="requests/second (token bucket); null = unlimited")
    token_delay_ms: int = Field(0, ge=0, le=10_000, description="sleep between stream events")
    first_token_delay_ms: int = Field(
        0, ge=0, le=600_000, description="sleep between a stream's headers and its first event (a model thinking)"
    )
    split_payload_lines: bool | None = Field(
        None, description="split stream lines across two events; null = on for jsonlines framing"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _format_shorthand(value)


class Container(BaseModel):
    """What the SageMaker API describes about a model's container (defaults: the format's usual container)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str | None = Field(None, max_length=512, description="{region} is replaced by the endpoint's region")
    environment: dict[str, str] | None = None
    model_data_url: str | None = Field(None, max_length=1024)


class ComponentEntry(Container):
    """An inference component of an endpoint; it may run another format than the endpoint's default."""

    format: SageMakerFormat | None = None
    copies: int = Field(1, ge=0, le=100)
    via_model: bool = Field(False, description="the component names a SageMaker model instead of its container")


def _component_names(value: Any) -> Any:
    return {name: {} for name in value} if isinstance(value, list | tuple) else value


class EndpointEntry(_Entry, Container):
    """A SageMaker endpoint (its runtime behaviour, and what the SageMaker API describes)."""

    format: SageMakerFormat
    variant: str = Field("AllTraffic", min_length=1, max_length=63)
    max_total_tokens: int | None = Field(None, ge=1, description="context window (tgi, openai-chat)")
    model_name: str | None = Field(None, max_length=256, description="served model name (openai-chat)")
    inference_components: Annotated[dict[str, ComponentEntry] | None, BeforeValidator(_component_names)] = None
    instance_type: str = Field("ml.g5.2xlarge", pattern=r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
    instance_count: int = Field(1, ge=0, le=100)
    status: Literal["InService", "Creating", "Updating", "SystemUpdating", "RollingBack", "Failed"] = "InService"

    def format_for(self, component: str | None) -> SageMakerFormat:
        """The format that answers a request (an inference component's own, else the endpoint's)."""
        own = self.inference_components.get(component) if self.inference_components and component else None
        return own.format if own is not None and own.format is not None else self.format


class ModelEntry(_Entry):
    """A Bedrock model id: foundation model, inference profile, imported model or Marketplace endpoint."""

    format: BedrockFormat | None = Field(None, description="null only for a model that does not generate text")
    max_output_tokens: int | None = Field(None, ge=1)
    kind: BedrockKind | None = Field(None, description="default: inference-profile for geo-prefixed ids, else model")
    name: str | None = Field(None, max_length=256)
    provider: str | None = Field(None, max_length=64)
    input_modalities: tuple[str, ...] = ("TEXT",)
    output_modalities: tuple[str, ...] = ("TEXT",)
    streaming: bool = True
    inference_types: tuple[str, ...] = ("ON_DEMAND",)
    routes_to: tuple[str, ...] = Field((), description="profiles: the foundation model ids they route to")
    architecture: str | None = None
    instruct_supported: bool = True

    @model_validator(mode="after")
    def _text_models_have_a_format(self) -> ModelEntry:
        if self.format is None and "TEXT" in self.output_modalities:
            raise ValueError("a model with TEXT output needs a format")
        return self

    def kind_of(self, model_id: str) -> BedrockKind:
        if self.kind is not None:
            return self.kind
        return "inference-profile" if _GEO_PREFIX.match(model_id) else "foundation-model"


class Registry(BaseModel):
    """``{"sagemaker": {endpoint: entry}, "bedrock": {model_id: entry}}``; an entry may be just its format."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sagemaker: dict[str, EndpointEntry] = Field(default_factory=dict)
    bedrock: dict[str, ModelEntry] = Field(default_factory=dict)

    def merged(self, other: Registry) -> Registry:
        return Registry(sagemaker={**self.sagemaker, **other.sagemaker}, bedrock={**self.bedrock, **other.bedrock})

    def resolve_bedrock(self, model_id: str) -> tuple[str, ModelEntry] | None:
        """The registered id and entry for a model id, inference-profile id or ARN (foundation model / profile)."""
        entry = self.bedrock.get(model_id)
        if entry is not None:
            return model_id, entry
        match = _ARN_RESOURCE.match(model_id)
        if match is not None:
            inner = match.group("id")
            entry = self.bedrock.get(inner)
            if entry is not None:
                return inner, entry
        return None


def resource_id(model_id: str) -> str:
    """The registry key of an ARN (its resource id), or the id itself."""
    match = _ARN_RESOURCE.match(model_id)
    return match.group("id") if match is not None else model_id


def is_bedrock_arn(model_id: str) -> bool:
    return model_id.startswith("arn:")


def load_registry(source: Registry | dict[str, Any] | str | Path | None = None) -> Registry:
    """A registry from a model, a dict, a JSON file path, or (None) the default registry shipped here."""
    if isinstance(source, Registry):
        return source
    if source is None:
        text = resources.files("local.emulator").joinpath("default_registry.json").read_text(encoding="utf-8")
        return Registry.model_validate(json.loads(text))
    if isinstance(source, str | Path):
        return Registry.model_validate(json.loads(Path(source).read_text(encoding="utf-8")))
    return Registry.model_validate(source)
