"""ARN computation for the inference role (pure functions, no CDK)."""

from __future__ import annotations

from typing import Any

from infra.permissions import (
    assume_role_resources,
    bedrock_model_arns,
    bedrock_resources,
    discovery_grants,
    guardrail_resources,
    inference_grants,
    sagemaker_resources,
)
from infra.stage_config import StageConfig, load_stage_config, parse_stage_config


def _config(**changes: Any) -> StageConfig:
    data = load_stage_config("prod").model_dump(mode="json")
    data.update(changes)
    return parse_stage_config(data)


def _bedrock(model_id: str, **provider: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "id": "m",
        "name": "m",
        "provider": {"type": "bedrock", "model_id": model_id, "region": "eu-west-1", **provider},
    }


def test_foundation_model_is_granted_in_its_region_only() -> None:
    assert bedrock_model_arns("eu-west-1", "amazon.nova-pro-v1:0") == [
        "arn:{partition}:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0"
    ]


def test_cross_region_profile_needs_the_profile_and_its_model_in_any_region() -> None:
    assert bedrock_model_arns("eu-west-1", "eu.anthropic.claude-3-7-sonnet-20250219-v1:0") == [
        "arn:{partition}:bedrock:eu-west-1:{account}:inference-profile/eu.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "arn:{partition}:bedrock:*::foundation-model/anthropic.claude-3-7-sonnet-20250219-v1:0",
    ]


def test_an_arn_model_id_is_granted_as_written() -> None:
    arn = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123"
    assert bedrock_model_arns("eu-west-1", arn) == [arn]


def test_sagemaker_endpoint_arns_are_lower_case_like_sagemaker_writes_them() -> None:
    config = _config(
        models=[
            {
                "schema_version": 1,
                "id": "tgi",
                "name": "tgi",
                "provider": {"type": "sagemaker", "endpoint_name": "My-TGI-Endpoint", "region": "eu-west-1"},
            }
        ],
        default_model_id=None,
    )
    assert sagemaker_resources(config) == ("arn:{partition}:sagemaker:eu-west-1:{account}:endpoint/my-tgi-endpoint",)


def test_patterns_apply_to_the_configured_regions_or_the_stage_region() -> None:
    config = _config(iam={"sagemaker_endpoint_name_patterns": ["team-*"]})
    assert "arn:{partition}:sagemaker:us-east-1:{account}:endpoint/team-*" in sagemaker_resources(config)
    config = _config(iam={"regions": ["eu-west-1", "eu-central-1"], "bedrock_foundation_model_patterns": ["mistral.*"]})
    resources = bedrock_resources(config)
    assert "arn:{partition}:bedrock:eu-west-1::foundation-model/mistral.*" in resources
    assert "arn:{partition}:bedrock:eu-central-1::foundation-model/mistral.*" in resources
    assert not any(r.endswith("mistral.*") and ":us-east-1:" in r for r in resources)


def test_cross_account_models_get_no_local_grant() -> None:
    # Given a model reached only through a cross-account role
    role = {"role_arn": "arn:aws:iam::111122223333:role/r"}
    config = _config(
        models=[_bedrock("amazon.titan-text-lite-v1") | {"cross_account": role}],
        default_model_id=None,
        policy={"stage": "prod", "allow_cross_account": True, "allowed_account_ids": ["111122223333"]},
    )
    # Then the function's own role gets no Bedrock grant for it (the assumed role carries that permission)
    assert bedrock_resources(config) == ()
    assert [g.sid for g in inference_grants(config)] == ["AssumeCrossAccountRoles"]


def test_assume_role_is_empty_when_the_stage_forbids_cross_account() -> None:
    assert assume_role_resources(load_stage_config("prod")) == ()
    assert "AssumeCrossAccountRoles" not in {g.sid for g in inference_grants(load_stage_config("prod"))}


def test_assume_role_falls_back_to_every_role_of_the_allowed_accounts() -> None:
    config = _config(policy={"stage": "prod", "allow_cross_account": True, "allowed_account_ids": ["111122223333"]})
    assert assume_role_resources(config) == ("arn:{partition}:iam::111122223333:role/*",)


def test_guardrails_are_granted_for_the_models_that_use_them() -> None:
    config = _config(
        models=[_bedrock("amazon.nova-lite-v1:0", guardrail={"identifier": "gr-1", "version": "1"})],
        default_model_id=None,
    )
    assert guardrail_resources(config) == ("arn:{partition}:bedrock:eu-west-1:{account}:guardrail/gr-1",)
    assert [g.sid for g in inference_grants(config)] == ["InvokeBedrockModels", "ApplyBedrockGuardrails"]


def test_render_fills_partition_and_account() -> None:
    (grant,) = [g for g in inference_grants(load_stage_config("prod")) if g.sid == "InvokeSageMakerEndpoints"]
    rendered = grant.render(partition="aws", account="123456789012")
    assert rendered[0] == "arn:aws:sagemaker:us-east-1:123456789012:endpoint/model-studio-mistral-7b-tgi"
    assert grant.wildcard_resources(partition="aws", account="123456789012") == []


def test_discovery_grants_follow_the_stage_policy() -> None:
    # Given prod as shipped (discovery off) / Then nothing is granted for it
    assert discovery_grants(_config()) == []
    # Given prod with discovery enabled in two regions
    policy = {
        **load_stage_config("prod").policy.model_dump(mode="json"),
        "discovery": {"enabled": True, "regions": ["eu-west-1", "us-east-1"]},
    }
    listing, describing, marketplace = discovery_grants(_config(policy=policy))
    # Then listings are granted on "*" in those regions only, descriptions on those regions' resources
    assert listing.resources == ("*",)
    assert listing.conditions == {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
    assert describing.conditions is None
    assert describing.render(partition="aws", account="123456789012")[:4] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/*",
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/*",
        "arn:aws:sagemaker:eu-west-1:123456789012:model/*",
        "arn:aws:sagemaker:eu-west-1:123456789012:inference-component/*",
    ]
    # And Bedrock may read the SageMaker endpoints' tags only when it lists Marketplace endpoints for the function
    assert marketplace.actions == ("sagemaker:ListTags",)
    assert marketplace.conditions == {"StringEquals": {"aws:CalledViaLast": ["bedrock.amazonaws.com"]}}
    assert [g.sid for g in inference_grants(_config(policy=policy))][-3:] == [
        "ListModelsForDiscovery",
        "DescribeEndpointsForDiscovery",
        "ReadMarketplaceEndpointsViaBedrock",
    ]
