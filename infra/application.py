"""Builds a stage's stack into a CDK app: one place for the stack name, environment, tags and cdk-nag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk import App, Aspects, Environment, Tags
from cdk_nag import AwsSolutionsChecks

from infra.nag import suppress_reviewed_findings
from infra.package import LambdaAssets
from infra.stack import ModelStudioStack
from infra.stage_config import StageConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def project_context(cdk_json: Path = PROJECT_ROOT / "cdk.json") -> dict[str, Any]:
    """The feature flags of cdk.json, so `python app.py` and tests synthesize what `cdk synth` does."""
    context: dict[str, Any] = json.loads(cdk_json.read_text(encoding="utf-8"))["context"]
    return context


def stack_name(stage: str) -> str:
    return f"ModelStudio-{stage}"


def add_stage_stack(
    app: App,
    *,
    config: StageConfig,
    lambda_assets: LambdaAssets,
    web_assets_dir: Path,
    account: str | None = None,
) -> ModelStudioStack:
    """Add the stage's stack with cdk-nag's AwsSolutions checks and the reviewed suppressions."""
    stack = ModelStudioStack(
        app,
        stack_name(config.stage),
        config=config,
        lambda_assets=lambda_assets,
        web_assets_dir=web_assets_dir,
        env=Environment(account=config.account or account, region=config.region),
        description=f"model-studio ({config.stage}): runtime LLM integration for SageMaker and Bedrock",
        termination_protection=config.data.retain_on_delete,
    )
    Tags.of(stack).add("project", "model-studio")
    Tags.of(stack).add("stage", config.stage)
    suppress_reviewed_findings(stack)
    Aspects.of(stack).add(AwsSolutionsChecks(verbose=True))
    return stack
