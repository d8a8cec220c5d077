"""Which SageMaker endpoints and Bedrock model ids exist, and which container format answers each."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:"
    r"(?P<kind>foundation-model|inference-profile|application-inference-profile|provisioned-model|custom-model)"
    r"/(?P<id>.+)$"
)


def _format_shorthand(value: Any) -> Any:
    return {"format": value} if isinstance(value, str) else value


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rate_limit: float | None = Field(None, gt=0, description="requests/second (token bucket); null = unlimited")
    token_delay_ms: int = Field(0, ge=0, le=10_000, description="sleep between stream events")
    split_payload_lines: bool | None = Field(
        None, description="split stream lines across two events; null = on for jsonlines framing"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return _format_shorthand(value)


class EndpointEntry(_Entry):
    """A SageMaker endpoint."""

    format: SageMakerFormat
    variant: str = Field("AllTraffic", min_length=1, max_length=63)
    max_total_tokens: int | None = Field(None, ge=1, description="context window (tgi, openai-chat)")
    model_name: str | None = Field(None, max_length=256, description="served model name (openai-chat)")
    inference_components: tuple[str, ...] | None = None


class ModelEntry(_Entry):
    """A Bedrock model id (foundation model or inference profile)."""

    format: BedrockFormat
    max_output_tokens: int | None = Field(None, ge=1)


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
