"""Least-privilege IAM for the inference function, computed from a stage config (pure: no CDK here).

Resources are ARN templates with ``{partition}`` and ``{account}`` placeholders: the construct fills them
with CloudFormation pseudo parameters, the cdk-nag suppressions with cdk-nag's ``<AWS::...>`` rendering,
so the wildcard resources a suppression names are exactly the ones the policy holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from inference_engine.schema import BedrockProvider, ModelConfig, SageMakerProvider
from infra.stage_config import StageConfig

SAGEMAKER_ACTIONS = ("sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream")
# Discovery's reads (lambdas/logic/discovery.py): listings support no resource-level permissions, so they are limited
# to the stage's discovery regions by condition; descriptions name the resource types they read.
DISCOVERY_LIST_ACTIONS = (
    "sagemaker:ListEndpoints",
    "sagemaker:ListInferenceComponents",
    "bedrock:ListFoundationModels",
    "bedrock:ListInferenceProfiles",
    "bedrock:ListImportedModels",
    "bedrock:ListMarketplaceModelEndpoints",
)
DISCOVERY_DESCRIBE_ACTIONS = (
    "sagemaker:DescribeEndpoint",
    "sagemaker:DescribeEndpointConfig",
    "sagemaker:DescribeModel",
    "sagemaker:DescribeInferenceComponent",
)
DISCOVERY_DESCRIBED = ("endpoint", "endpoint-config", "model", "inference-component")
# ListMarketplaceModelEndpoints: Bedrock reads the SageMaker endpoints (and their tags) with the caller's identity.
MARKETPLACE_READ_ACTIONS = ("sagemaker:ListTags",)
BEDROCK_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
GUARDRAIL_ACTIONS = ("bedrock:ApplyGuardrail",)
ASSUME_ROLE_ACTIONS = ("sts:AssumeRole",)

# System-defined cross-region inference profiles are "<geography>.<model id>".
_PROFILE_PREFIX = re.compile(r"^(us|eu|apac|us-gov|ca|jp|au|global)\.(?P<model>.+)$")


@dataclass(frozen=True)
class Grant:
    """One policy statement: ``sid`` names it, ``resources`` are ARN templates, ``conditions`` IAM conditions."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, list[str]]] | None = None

    def render(self, *, partition: str, account: str) -> list[str]:
        return [r.format(partition=partition, account=account) for r in self.resources]

    def wildcard_resources(self, *, partition: str, account: str) -> list[str]:
        return [r for r in self.render(partition=partition, account=account) if "*" in r or "?" in r]


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def sagemaker_endpoint_arn(region: str, name: str) -> str:
    # SageMaker lower-cases endpoint names in ARNs.
    return f"arn:{{partition}}:sagemaker:{region}:{{account}}:endpoint/{name.lower()}"


def bedrock_model_arns(region: str, model_id: str) -> list[str]:
    """The ARNs one ``model_id`` needs: a foundation model, or a profile plus its model in every region it routes to."""
    if model_id.startswith("arn:"):
        return [model_id]
    if _PROFILE_PREFIX.match(model_id):
        return inference_profile_arns(region, model_id)
    return [f"arn:{{partition}}:bedrock:{region}::foundation-model/{model_id}"]


def inference_profile_arns(region: str, profile_id: str) -> list[str]:
    """A profile in this account, plus (for a cross-region profile) its model in every region it may route to."""
    arns = [f"arn:{{partition}}:bedrock:{region}:{{account}}:inference-profile/{profile_id}"]
    profile = _PROFILE_PREFIX.match(profile_id)
    if profile:
        arns.append(f"arn:{{partition}}:bedrock:*::foundation-model/{profile.group('model')}")
    return arns


def guardrail_arn(region: str, identifier: str) -> str:
    if identifier.startswith("arn:"):
        return identifier
    return f"arn:{{partition}}:bedrock:{region}:{{account}}:guardrail/{identifier}"


def _local_models(config: StageConfig) -> list[ModelConfig]:
    """Models the function calls with its own role (cross-account models use the assumed role's permissions)."""
    return [m for m in config.models if m.cross_account is None]


def sagemaker_resources(config: StageConfig) -> tuple[str, ...]:
    arns = [
        sagemaker_endpoint_arn(m.provider.region, m.provider.endpoint_name)
        for m in _local_models(config)
        if isinstance(m.provider, SageMakerProvider)
    ]
    regions = config.iam.regions or [config.region]
    arns += [sagemaker_endpoint_arn(r, p) for p in config.iam.sagemaker_endpoint_name_patterns for r in regions]
    return _unique(arns)


def bedrock_resources(config: StageConfig) -> tuple[str, ...]:
    arns: list[str] = []
    for model in _local_models(config):
        if isinstance(model.provider, BedrockProvider):
            arns += bedrock_model_arns(model.provider.region, model.provider.model_id)
    regions = config.iam.regions or [config.region]
    for pattern in config.iam.bedrock_foundation_model_patterns:
        arns += [f"arn:{{partition}}:bedrock:{r}::foundation-model/{pattern}" for r in regions]
    for pattern in config.iam.bedrock_inference_profile_patterns:
        arns += [arn for r in regions for arn in inference_profile_arns(r, pattern)]
    arns += config.iam.bedrock_arn_patterns
    return _unique(arns)


def guardrail_resources(config: StageConfig) -> tuple[str, ...]:
    return _unique(
        [
            guardrail_arn(m.provider.region, m.provider.guardrail.identifier)
            for m in _local_models(config)
            if isinstance(m.provider, BedrockProvider) and m.provider.guardrail is not None
        ]
    )


def assume_role_resources(config: StageConfig) -> tuple[str, ...]:
    """Role ARN patterns for ``sts:AssumeRole``; empty whenever the stage does not allow cross-account."""
    return _unique([p.replace("arn:aws:", "arn:{partition}:", 1) for p in config.cross_account_role_patterns()])


def discovery_grants(config: StageConfig) -> list[Grant]:
    """Read-only discovery: nothing where the stage does not enable it (prod by default)."""
    if not config.policy.discovery_enabled:
        return []
    regions = config.discovery_regions
    described = tuple(
        f"arn:{{partition}}:sagemaker:{region}:{{account}}:{kind}/*"
        for region in regions
        for kind in DISCOVERY_DESCRIBED
    )
    in_regions = {"StringEquals": {"aws:RequestedRegion": list(regions)}}
    endpoints = tuple(f"arn:{{partition}}:sagemaker:{region}:{{account}}:endpoint/*" for region in regions)
    via_bedrock = {"StringEquals": {"aws:CalledViaLast": ["bedrock.amazonaws.com"]}}
    return [
        Grant("ListModelsForDiscovery", DISCOVERY_LIST_ACTIONS, ("*",), in_regions),
        Grant("DescribeEndpointsForDiscovery", DISCOVERY_DESCRIBE_ACTIONS, described),
        Grant("ReadMarketplaceEndpointsViaBedrock", MARKETPLACE_READ_ACTIONS, endpoints, via_bedrock),
    ]


def inference_grants(config: StageConfig) -> list[Grant]:
    """The statements the inference function's role gets beyond logs, tracing and its tables."""
    candidates = [
        Grant("InvokeSageMakerEndpoints", SAGEMAKER_ACTIONS, sagemaker_resources(config)),
        Grant("InvokeBedrockModels", BEDROCK_ACTIONS, bedrock_resources(config)),
        Grant("ApplyBedrockGuardrails", GUARDRAIL_ACTIONS, guardrail_resources(config)),
        Grant("AssumeCrossAccountRoles", ASSUME_ROLE_ACTIONS, assume_role_resources(config)),
        *discovery_grants(config),
    ]
    return [g for g in candidates if g.resources]
