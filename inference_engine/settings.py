"""Deploy-time settings the runtime needs: the stage's policy and the predefined model inventory.

The CDK app validates a stage config file with these models at synth and bundles the runtime part
(``RuntimeSettings``) as JSON next to the Lambda code; the Lambda and the local server load it once.
"""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inference_engine.schema import SLUG_PATTERN, TEMPLATES_COMPILED, ModelConfig, Region, invalid

ROLE_PATTERN_CHARS = r"^arn:aws[\w*-]*:iam::[\d*?]{1,12}:role/[\w+=,.@/*?-]{1,512}$"


class DiscoveryPolicy(BaseModel):
    """Discovery and format probes (admins only). Unset ``enabled`` means "dev only", like cross-account roles."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    enabled: bool | None = None
    regions: list[Region] = Field(
        default_factory=list, max_length=30, description="regions admins may list and probe; empty = any region"
    )
    probe_max_calls: int = Field(default=4, ge=1, le=10, description="upstream calls one probe may make at most")


class StagePolicy(BaseModel):
    """Security switches of one stage (DESIGN §4). Unset ``allow_cross_account`` means "dev only"."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    stage: str = Field(pattern=SLUG_PATTERN)
    admin_group: str = Field(default="Administrators", min_length=1, max_length=128)
    allow_cross_account: bool | None = None
    allowed_role_arns: list[str] = Field(default_factory=list, max_length=100)
    allowed_account_ids: list[str] = Field(default_factory=list, max_length=100)
    allow_custom_bedrock_endpoints: bool = False
    partition: Literal["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"] = "aws"
    discovery: DiscoveryPolicy = Field(default_factory=DiscoveryPolicy)

    @model_validator(mode="after")
    def _patterns(self) -> StagePolicy:
        import re  # noqa: PLC0415

        for pattern in self.allowed_role_arns:
            if not re.fullmatch(ROLE_PATTERN_CHARS, pattern):
                raise ValueError(f"allowed_role_arns: {pattern!r} is not an IAM role ARN pattern (* and ? wildcards)")
        for account in self.allowed_account_ids:
            if not re.fullmatch(r"\d{12}", account):
                raise ValueError(f"allowed_account_ids: {account!r} is not a 12-digit account id")
        return self

    @property
    def cross_account_enabled(self) -> bool:
        return self.stage == "dev" if self.allow_cross_account is None else self.allow_cross_account

    @property
    def discovery_enabled(self) -> bool:
        enabled = self.discovery.enabled
        return self.stage == "dev" if enabled is None else enabled

    def role_arn_allowed(self, role_arn: str) -> bool:
        """True when the ARN matches the stage's patterns and accounts (an empty list places no limit)."""
        if self.allowed_role_arns and not any(fnmatch.fnmatchcase(role_arn, p) for p in self.allowed_role_arns):
            return False
        if self.allowed_account_ids:
            account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
            return account in self.allowed_account_ids
        return True


class RuntimeSettings(BaseModel):
    """What the Lambda reads at cold start: policy, predefined models, default model."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    policy: StagePolicy
    default_model_id: str | None = None
    models: list[ModelConfig] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _consistent(self) -> RuntimeSettings:
        ids = [m.id for m in self.models]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate model ids: {', '.join(duplicates)}")
        if self.default_model_id is not None and self.default_model_id not in ids:
            raise ValueError(f"default_model_id {self.default_model_id!r} is not one of the models")
        return self

    def model(self, model_id: str) -> ModelConfig | None:
        return next((m for m in self.models if m.id == model_id), None)


def parse_runtime_settings(data: Any, *, templates_compiled: bool = False) -> RuntimeSettings:
    """Validate runtime settings; with ``templates_compiled``, the models' prompt templates are taken as compiled
    already (everything else is still validated)."""
    try:
        return RuntimeSettings.model_validate(data, context={TEMPLATES_COMPILED: templates_compiled})
    except ValidationError as exc:
        raise invalid(exc, data, "runtime settings") from None


def load_runtime_settings(path: str | Path) -> RuntimeSettings:
    """The function's settings file, which ``infra.package`` writes at synth from validated settings: their prompt
    templates compiled then, so a cold start neither imports Jinja2 nor compiles them again (the first call of a
    model with a chat template compiles it, as it would anyway)."""
    return parse_runtime_settings(json.loads(Path(path).read_text(encoding="utf-8")), templates_compiled=True)
