"""Environment variables, parsed once into a model at cold start; nothing below reads ``os.environ``.

``EnvSettings`` is the one table of the functions' variables: the infrastructure and the local stack set them
through ``function_environment`` (by field name), so a variable's name is written here only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from inference_engine.credentials import ClientSettings


class EnvSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    runtime_settings_file: Path = Field(alias="RUNTIME_SETTINGS_FILE")
    models_table_name: str = Field(alias="MODELS_TABLE_NAME", min_length=3)
    audit_table_name: str = Field(alias="AUDIT_TABLE_NAME", min_length=3)
    model_versions_table_name: str = Field(alias="MODEL_VERSIONS_TABLE_NAME", min_length=3)
    audit_ttl_days: int = Field(default=90, alias="AUDIT_TTL_DAYS", ge=1, le=3650)
    cors_allow_origin: str = Field(default="*", alias="CORS_ALLOW_ORIGIN")
    cors_extra_origins: str = Field(default="", alias="CORS_EXTRA_ORIGINS", description="comma-separated")
    max_body_bytes: int = Field(default=256 * 1024, alias="MAX_BODY_BYTES", ge=1024)
    task_root: Path = Field(default=Path("."), alias="LAMBDA_TASK_ROOT")
    aws_region: str = Field(default="us-east-1", alias="AWS_REGION")
    engine_read_timeout_s: float = Field(default=60.0, alias="ENGINE_READ_TIMEOUT_S", gt=0, le=900)
    stream_keepalive_s: float = Field(
        default=15.0,
        alias="STREAM_KEEPALIVE_S",
        ge=0,
        le=300,
        description="SSE comment after that much silence (0: off)",
    )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> EnvSettings:
        return cls.model_validate(dict(os.environ if environ is None else environ))

    def client_settings(self) -> ClientSettings:
        """The engine's boto3 client settings (read timeout from ``ENGINE_READ_TIMEOUT_S``, the rest default)."""
        return ClientSettings(read_timeout_s=self.engine_read_timeout_s)

    @property
    def extra_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_extra_origins.split(",") if origin.strip()]

    @property
    def settings_path(self) -> Path:
        path = self.runtime_settings_file
        return path if path.is_absolute() else self.task_root / path


def function_environment(**values: str | float | list[str] | None) -> dict[str, str]:
    """The environment variables for the given ``EnvSettings`` fields (``None`` leaves a variable out; a list is
    comma-joined). An unknown field is an error, so a renamed variable cannot be set under its old name."""
    fields = EnvSettings.model_fields
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"not settings of the function: {', '.join(unknown)}")
    environment = {}
    for name, value in values.items():
        if value is None:
            continue
        alias = fields[name].alias
        assert alias is not None  # noqa: S101 - every field has its variable's name
        environment[alias] = (
            ",".join(value) if isinstance(value, list) else (f"{value:g}" if isinstance(value, float) else str(value))
        )
    return environment
