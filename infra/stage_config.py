"""Stage config files (``infra/config/<stage>.json``): the runtime settings plus deploy-only settings.

The runtime part (``policy``, ``default_model_id``, ``models``) is exactly the engine's ``RuntimeSettings``
and is validated by the engine's own models at synth; a bad file fails synth with the JSON path of the error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.schema import REGION_PATTERN, ModelConfig, validation_details
from inference_engine.settings import RuntimeSettings, StagePolicy

CONFIG_DIR = Path(__file__).parent / "config"

# Wildcards (* and ?) are allowed; everything else must be a character IAM accepts in that part of an ARN.
SAGEMAKER_NAME_PATTERN = r"^[A-Za-z0-9*?](-*[A-Za-z0-9*?]){0,62}$"
BEDROCK_ID_PATTERN = r"^[A-Za-z0-9*?][A-Za-z0-9._:*?-]{0,255}$"
BEDROCK_ARN_PATTERN = (
    r"^arn:aws(-[a-z]+)*:bedrock:([a-z0-9-]+|\*):(\d{12}|\*)?:"
    r"(foundation-model|inference-profile|application-inference-profile|provisioned-model|imported-model"
    r"|custom-model|prompt-router|default-prompt-router|guardrail)/[A-Za-z0-9._:/*?-]{1,1024}$"
)
ORIGIN_PATTERN = r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
# A standard topic: CloudWatch alarm actions cannot publish to FIFO topics.
SNS_TOPIC_ARN_PATTERN = r"^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$"
API_TIMEOUT_MS = 29_000  # API Gateway REST's integration timeout for a buffered route

Region = Annotated[str, Field(pattern=REGION_PATTERN, max_length=32)]


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IamSettings(_Settings):
    """What the Lambda may invoke beyond the predefined inventory (runtime overrides can only reach these)."""

    regions: list[Region] = Field(
        default_factory=list, max_length=20, description="regions the patterns apply to; empty = the stage's region"
    )
    sagemaker_endpoint_name_patterns: list[Annotated[str, Field(pattern=SAGEMAKER_NAME_PATTERN)]] = Field(
        default_factory=list, max_length=50
    )
    bedrock_foundation_model_patterns: list[Annotated[str, Field(pattern=BEDROCK_ID_PATTERN)]] = Field(
        default_factory=list, max_length=50
    )
    bedrock_inference_profile_patterns: list[Annotated[str, Field(pattern=BEDROCK_ID_PATTERN)]] = Field(
        default_factory=list, max_length=50
    )
    bedrock_arn_patterns: list[Annotated[str, Field(pattern=BEDROCK_ARN_PATTERN)]] = Field(
        default_factory=list, max_length=50
    )


def _check_read_timeout(read_s: float, timeout_s: int) -> None:
    if read_s >= timeout_s:
        raise ValueError(f"engine_read_timeout_s ({read_s:g}) must be shorter than timeout_s ({timeout_s})")


class FunctionSettings(_Settings):
    memory_mb: int = Field(default=1024, ge=128, le=10240)
    timeout_s: int = Field(default=60, ge=3, le=900)
    reserved_concurrency: int | None = Field(default=None, ge=1, le=1000)
    architecture: Literal["arm64", "x86_64"] = Field(
        default="x86_64", description="x86_64: the build machine can run the packaged asset before a deploy"
    )
    python_version: Literal["3.12", "3.13", "3.14"] = Field(
        default="3.13", description="a CPython the build machine has, so the package ships bytecode (docs/deploy.md)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    engine_read_timeout_s: float = Field(
        default=25,
        gt=0,
        le=900,
        description="the model call's read timeout; API Gateway REST gives an integration 29 s by default",
    )
    snap_start: bool = Field(
        default=False,
        description="Lambda SnapStart: cold starts resume a snapshot taken after the handler module's import, "
        "and the API calls a published version (alias 'live') instead of $LATEST",
    )

    @model_validator(mode="after")
    def _read_timeout_fits(self) -> FunctionSettings:
        _check_read_timeout(self.engine_read_timeout_s, self.timeout_s)
        return self


class StreamSettings(_Settings):
    """The streaming function behind ``POST /invoke/stream`` (API Gateway response streaming)."""

    timeout_s: int = Field(
        default=300,
        ge=30,
        le=900,
        description="the function's timeout and the integration's: a stream ends there (API Gateway allows 15 min)",
    )
    engine_read_timeout_s: float = Field(
        default=120, gt=0, le=900, description="the longest silence of the model (first token included)"
    )
    keepalive_s: float = Field(
        default=15, ge=0, le=240, description="an SSE comment after that much silence (0: none); idle timeout 5 min"
    )
    memory_mb: int | None = Field(default=None, ge=128, le=10240, description="null: function.memory_mb")
    reserved_concurrency: int | None = Field(default=None, ge=1, le=1000)

    @model_validator(mode="after")
    def _timeouts_fit(self) -> StreamSettings:
        _check_read_timeout(self.engine_read_timeout_s, self.timeout_s)
        if self.keepalive_s >= self.engine_read_timeout_s:
            raise ValueError("keepalive_s must be shorter than engine_read_timeout_s")
        return self


class ApiSettings(_Settings):
    throttle_rate_limit: float = Field(default=20, gt=0, le=10000)
    throttle_burst_limit: int = Field(default=40, ge=1, le=5000)
    extra_cors_origins: list[Annotated[str, Field(pattern=ORIGIN_PATTERN, max_length=256)]] = Field(
        default_factory=list, max_length=10, description="origins allowed besides the stage's own CloudFront domain"
    )


class MonitoringSettings(_Settings):
    """Who the alarms notify, and their thresholds (each counted over 5 minutes unless its name says otherwise)."""

    alarm_email: str | None = Field(
        default=None,
        pattern=EMAIL_PATTERN,
        max_length=254,
        description="the stack creates an encrypted SNS topic with this address subscribed (confirm the email)",
    )
    alarm_topic_arn: str | None = Field(
        default=None,
        pattern=SNS_TOPIC_ARN_PATTERN,
        max_length=400,
        description="an existing standard SNS topic of the stage's region the alarms notify instead",
    )
    function_errors: int = Field(default=1, ge=1, description="failed invocations of either function")
    function_throttles: int = Field(default=1, ge=1, description="throttled invocations of either function")
    api_5xx_errors: int = Field(default=5, ge=1, description="5XX answers of the API stage")
    api_4xx_percent: float = Field(
        default=25, gt=0, le=100, description="share of 4XX answers, for 15 minutes, once 20 requests came in"
    )
    invoke_p99_latency_ms: int = Field(
        default=20_000, ge=100, le=API_TIMEOUT_MS, description="p99 latency of POST /invoke, 2 of 3 periods"
    )
    table_throttles: int = Field(default=1, ge=1, description="throttled reads and writes of either table")
    invocation_errors: int = Field(default=5, ge=1, description="failed model calls, all models (EMF)")

    @model_validator(mode="after")
    def _one_destination(self) -> MonitoringSettings:
        if self.alarm_email and self.alarm_topic_arn:
            raise ValueError("set alarm_email or alarm_topic_arn, not both (subscribe the email to that topic)")
        return self


class IdentitySettings(_Settings):
    mfa: Literal["optional", "required"] = "optional"
    threat_protection: Literal["off", "audit", "enforced"] = "off"
    allow_password_auth: bool = Field(
        default=False, description="also allow USER_PASSWORD_AUTH (CLI smoke tests); the web app signs in with SRP"
    )


class DataSettings(_Settings):
    audit_ttl_days: int = Field(default=90, ge=1, le=3650)
    retain_on_delete: bool = True


class StageConfig(_Settings):
    """One stage's deploy configuration; ``runtime_settings`` is what the Lambda receives."""

    region: Region
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    policy: StagePolicy
    default_model_id: str | None = None
    models: list[ModelConfig] = Field(default_factory=list, max_length=500)
    iam: IamSettings = Field(default_factory=IamSettings)
    function: FunctionSettings = Field(default_factory=FunctionSettings)
    stream: StreamSettings = Field(default_factory=StreamSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    data: DataSettings = Field(default_factory=DataSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    log_retention_days: Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] = 30

    @property
    def stage(self) -> str:
        return self.policy.stage

    @property
    def discovery_regions(self) -> list[str]:
        """Where discovery reads: the policy's regions, else the IAM regions, else the stage's region."""
        return list(self.policy.discovery.regions or self.iam.regions or [self.region])

    def runtime_settings(self) -> RuntimeSettings:
        """The Lambda's settings; discovery is limited to the regions IAM grants it (so both refuse alike)."""
        policy = self.policy
        if policy.discovery_enabled and not policy.discovery.regions:
            discovery = policy.discovery.model_copy(update={"regions": self.discovery_regions})
            policy = policy.model_copy(update={"discovery": discovery})
        return RuntimeSettings(policy=policy, default_model_id=self.default_model_id, models=self.models)

    def cross_account_role_patterns(self) -> list[str]:
        """Role ARN patterns IAM may assume: the policy's patterns, else every role of the allowed accounts."""
        if not self.policy.cross_account_enabled:
            return []
        if self.policy.allowed_role_arns:
            return list(self.policy.allowed_role_arns)
        return [f"arn:aws:iam::{account}:role/*" for account in self.policy.allowed_account_ids]


class StageConfigError(Exception):
    """A stage config file is missing or invalid; ``details`` names each bad field by JSON path."""

    def __init__(self, message: str, *, details: list[ErrorDetail] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


def consistency_problems(config: StageConfig) -> list[ErrorDetail]:
    """Rules across fields (the runtime's own rules plus the stage policy applied to the inventory)."""
    problems: list[ErrorDetail] = []
    ids = [model.id for model in config.models]
    for index, model_id in enumerate(ids):
        if model_id in ids[:index]:
            problems.append(ErrorDetail(f"models[{index}].id", f"duplicate model id {model_id!r}", "duplicate"))
    if config.default_model_id is not None and config.default_model_id not in ids:
        problems.append(ErrorDetail("default_model_id", f"{config.default_model_id!r} is not one of the models"))
    policy = config.policy
    if policy.cross_account_enabled and not (policy.allowed_role_arns or policy.allowed_account_ids):
        problems.append(
            ErrorDetail(
                "policy.allowed_role_arns",
                "cross-account is enabled: set allowed_role_arns or allowed_account_ids "
                "(IAM grants sts:AssumeRole only on those)",
            )
        )
    topic_arn = config.monitoring.alarm_topic_arn
    if topic_arn and topic_arn.split(":")[3] != config.region:  # arn:partition:sns:region:account:name
        problems.append(
            ErrorDetail("monitoring.alarm_topic_arn", f"must be a topic of the stage's region {config.region!r}")
        )
    for index, model in enumerate(config.models):
        if model.cross_account is None:
            continue
        path = f"models[{index}].cross_account"
        if not policy.cross_account_enabled:
            problems.append(ErrorDetail(path, f"stage {policy.stage!r} does not allow cross-account roles"))
        elif not policy.role_arn_allowed(model.cross_account.role_arn):
            problems.append(ErrorDetail(f"{path}.role_arn", "not allowed by policy.allowed_role_arns/_account_ids"))
    return problems


def _engine_error_details(exc: ConfigValidationError, data: Any) -> list[ErrorDetail]:
    """An engine validator raised its own error (e.g. a template syntax error): find the model it belongs to."""
    models = data.get("models") if isinstance(data, Mapping) else None
    for index, model in enumerate(models if isinstance(models, list) else []):
        try:
            ModelConfig.model_validate(model)
        except ConfigValidationError as inner:
            return [ErrorDetail(f"models[{index}].{d.path}", d.message, d.type) for d in inner.details]
        except ValidationError:
            continue
    return list(exc.details) or [ErrorDetail("$", exc.message)]


def _error(source: str, details: list[ErrorDetail]) -> StageConfigError:
    lines = [f"  {d.path}: {d.message}" for d in details]
    return StageConfigError(f"{source}: invalid stage config\n" + "\n".join(lines), details=details)


def parse_stage_config(data: Any, *, source: str = "<config>") -> StageConfig:
    """Validate a stage config document; raise ``StageConfigError`` naming every bad field by JSON path."""
    try:
        config = StageConfig.model_validate(data)
    except ValidationError as exc:
        raise _error(source, validation_details(exc, data)) from None
    except ConfigValidationError as exc:
        raise _error(source, _engine_error_details(exc, data)) from None
    problems = consistency_problems(config)
    if problems:
        raise _error(source, problems)
    return config


def config_path(stage: str, config_dir: Path = CONFIG_DIR) -> Path:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,31}", stage):
        raise StageConfigError(f"stage {stage!r} is not a valid stage name (lowercase letters, digits, '-')")
    return config_dir / f"{stage}.json"


def load_stage_config(stage: str, config_dir: Path = CONFIG_DIR) -> StageConfig:
    """Load and validate ``<config_dir>/<stage>.json``; the file's ``policy.stage`` must equal ``stage``."""
    path = config_path(stage, config_dir)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in config_dir.glob("*.json"))) or "none"
        raise StageConfigError(f"no stage config {path} (known stages: {known})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StageConfigError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    config = parse_stage_config(data, source=str(path))
    if config.stage != stage:
        raise _error(str(path), [ErrorDetail("policy.stage", f"is {config.stage!r}; the file name says {stage!r}")])
    return config


def known_stages(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(p.stem for p in config_dir.glob("*.json"))
