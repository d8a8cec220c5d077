"""The predefined model inventory and stage policies the API tests run against (DESIGN §8.2)."""

from __future__ import annotations

from typing import Any

from inference_engine.settings import RuntimeSettings, StagePolicy

ADMIN_GROUP = "Administrators"
DEFAULT_MODEL = "chat-default"  # Bedrock Converse
ENDPOINT_MODEL = "endpoint-chat"  # SageMaker endpoint, streams JSON lines
INVOKE_MODEL = "titan-invoke"  # Bedrock InvokeModel
ALLOWED_ROLE_ARN = "arn:aws:iam::111122223333:role/model-studio-invoke-tests"
ALLOWED_ROLE_PATTERN = "arn:aws:iam::111122223333:role/model-studio-invoke-*"

MODELS: list[dict[str, Any]] = [
    {
        "schema_version": 1,
        "id": DEFAULT_MODEL,
        "name": "Chat (Bedrock Converse)",
        "provider": {
            "type": "bedrock",
            "model_id": "anthropic.claude-3-haiku-20240307-v1:0",
            "region": "us-east-1",
            "api": "converse",
        },
        "model_kwargs": {"maxTokens": 256, "temperature": 0.5},
    },
    {
        "schema_version": 1,
        "id": ENDPOINT_MODEL,
        "name": "Endpoint chat (SageMaker)",
        "provider": {"type": "sagemaker", "endpoint_name": "llm-endpoint-prod", "region": "eu-west-1"},
        "model_kwargs": {"max_new_tokens": 128, "temperature": 0.2},
        "content_handler": {
            "output_path": "[0].generated_text",
            "stream": {"framing": "jsonlines", "output_path": "token.text"},
        },
    },
    {
        "schema_version": 1,
        "id": INVOKE_MODEL,
        "name": "Titan (Bedrock InvokeModel)",
        "provider": {
            "type": "bedrock",
            "model_id": "amazon.titan-text-express-v1",
            "region": "us-east-1",
            "api": "invoke_model",
        },
        "model_kwargs": {"maxTokenCount": 256},
        "content_handler": {
            "request_template": {
                "inputText": "{{prompt}}",
                "textGenerationConfig": {"maxTokenCount": "{{maxTokenCount}}"},
            },
            "output_path": "results[0].outputText",
            "usage": {"input_tokens_path": "inputTextTokenCount", "output_tokens_path": "results[0].tokenCount"},
        },
    },
]


def stage_policy(stage: str, **changes: Any) -> StagePolicy:
    """``dev`` allows cross-account roles matching ``ALLOWED_ROLE_PATTERN``; other stages follow the default."""
    data: dict[str, Any] = {"stage": stage, "admin_group": ADMIN_GROUP}
    if stage == "dev":
        data["allowed_role_arns"] = [ALLOWED_ROLE_PATTERN]
    return StagePolicy.model_validate({**data, **changes})


def runtime_settings(stage: str = "dev", **policy_changes: Any) -> RuntimeSettings:
    return RuntimeSettings.model_validate(
        {"policy": stage_policy(stage, **policy_changes), "default_model_id": DEFAULT_MODEL, "models": MODELS}
    )


def model_config(model_id: str, **changes: Any) -> dict[str, Any]:
    """A predefined model's config as JSON, with top-level ``changes`` (for saving variants of it)."""
    base = next(m for m in MODELS if m["id"] == model_id)
    return {**base, **changes}
