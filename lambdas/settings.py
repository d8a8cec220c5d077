"""Environment variables, parsed once into a model at cold start; nothing below reads ``os.environ``."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class EnvSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    runtime_settings_file: Path = Field(alias="RUNTIME_SETTINGS_FILE")
    models_table_name: str = Field(alias="MODELS_TABLE_NAME", min_length=3)
    audit_table_name: str = Field(alias="AUDIT_TABLE_NAME", min_length=3)
    audit_ttl_days: int = Field(default=90, alias="AUDIT_TTL_DAYS", ge=1, le=3650)
    cors_allow_origin: str = Field(default="*", alias="CORS_ALLOW_ORIGIN")
    max_body_bytes: int = Field(default=256 * 1024, alias="MAX_BODY_BYTES", ge=1024)
    task_root: Path = Field(default=Path("."), alias="LAMBDA_TASK_ROOT")
    aws_region: str = Field(default="us-east-1", alias="AWS_REGION")

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> EnvSettings:
        return cls.model_validate(dict(os.environ if environ is None else environ))

    @property
    def settings_path(self) -> Path:
        path = self.runtime_settings_file
        return path if path.is_absolute() else self.task_root / path
