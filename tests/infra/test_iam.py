"""Least privilege of the inference function: every statement is scoped, STS only where cross-account is allowed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.infra.cfn import actions, as_list, resources, statements
from tests.infra.stage_stack import Synthesized

XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
DISCOVERY_LISTS = {
    "sagemaker:ListEndpoints",
    "sagemaker:ListInferenceComponents",
    "bedrock:ListFoundationModels",
    "bedrock:ListInferenceProfiles",
    "bedrock:ListImportedModels",
    "bedrock:ListMarketplaceModelEndpoints",
}
PARTITION = "${AWS::Partition}"
ACCOUNT = "${AWS::AccountId}"


def _inference_statements(synth: Synthesized) -> list[dict[str, Any]]:
    role_id = synth.logical_id(synth.stack.inference.role)
    policies = [
        p for p in synth.resources("AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    assert len(policies) == 1
    return statements(policies[0])


def _by_sid(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in _inference_statements(synth) if "Sid" in s}


def _all_statements(synth: Synthesized) -> list[dict[str, Any]]:
    found = [s for p in synth.resources("AWS::IAM::Policy").values() for s in statements(p)]
    for role in synth.resources("AWS::IAM::Role").values():
        for inline in role["Properties"].get("Policies", []):
            found += inline["PolicyDocument"]["Statement"]
    return found


def test_inference_role_has_no_managed_policies(synthesized: Synthesized) -> None:
    role = synthesized.json["Resources"][synthesized.logical_id(synthesized.stack.inference.role)]
    assert "ManagedPolicyArns" not in role["Properties"]
    assert role["Properties"]["RoleName"] == f"model-studio-{synthesized.config.stage}-inference-us-east-1"
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }


def test_every_inference_statement_names_its_resources_and_actions(synthesized: Synthesized) -> None:
    # Given every statement of the function's policy
    for statement in _inference_statements(synthesized):
        names = set(actions(statement))
        # Then no action is a wildcard
        assert not any("*" in a for a in names), statement
        assert statement["Effect"] == "Allow"
        # And only X-Ray and discovery's listings (no resource-level permissions) may use Resource "*",
        # the listings only in the stage's discovery regions
        if resources(statement) == ["*"]:
            assert names in (XRAY_ACTIONS, DISCOVERY_LISTS), statement
            if names == DISCOVERY_LISTS:
                regions = synthesized.config.discovery_regions
                assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": regions}}
        else:
            assert "*" not in resources(statement), statement


def test_tables_are_granted_item_actions_on_their_own_arn_only(synthesized: Synthesized) -> None:
    data = synthesized.stack.data
    models_arn = "${" + synthesized.logical_id(data.models_table) + ".Arn}"
    versions_arn = "${" + synthesized.logical_id(data.model_versions_table) + ".Arn}"
    audit_arn = "${" + synthesized.logical_id(data.audit_table) + ".Arn}"
    by_resource = {
        tuple(resources(s)): set(actions(s))
        for s in _inference_statements(synthesized)
        if actions(s)[0].startswith("dynamodb:")
    }
    assert set(by_resource) == {(models_arn,), (versions_arn,), (audit_arn,)}
    # The grants are exactly the calls the adapters make: nothing the code never calls
    models, versions = by_resource[(models_arn,)], by_resource[(versions_arn,)]
    assert models | versions == dynamodb_calls_of("models_table.py")
    assert by_resource[(audit_arn,)] == dynamodb_calls_of("audit_table.py")
    # A version, once kept, is never changed or deleted; nor is an audit record
    assert not versions & {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert not by_resource[(audit_arn,)] & {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert "dynamodb:Query" not in models and "dynamodb:PutItem" not in models


def dynamodb_calls_of(adapter: str) -> set[str]:
    """The DynamoDB actions a ``lambdas/dal`` module needs: each ``self._client.<call>(``, and for a transaction the
    actions of its items (``{"Update": ...}`` -> dynamodb:UpdateItem)."""
    source = (Path(__file__).resolve().parents[2] / "lambdas" / "dal" / adapter).read_text(encoding="utf-8")
    calls = set(re.findall(r"self\._client\.([a-z_]+)\(", source))
    if "transact_write_items" in calls:
        calls.discard("transact_write_items")
        calls |= {f"{kind.lower()}_item" for kind in re.findall(r'\{"(Update|Put|Delete|ConditionCheck)": ', source)}
    return {"dynamodb:" + "".join(part.title() for part in call.split("_")) for call in calls}


def test_logs_only_to_its_own_log_groups(synthesized: Synthesized) -> None:
    inference = synthesized.stack.inference
    groups = [synthesized.logical_id(g) for g in (inference.log_group, inference.stream_log_group)]
    statement = _by_sid(synthesized)["WriteOwnLogGroups"]
    assert resources(statement) == ["${" + group + ".Arn}" for group in groups]
    assert set(actions(statement)) == {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_prod_invokes_exactly_its_inventory(prod: Synthesized) -> None:
    # Given prod's statements / Then SageMaker and Bedrock are limited to the six predefined models
    by_sid = _by_sid(prod)
    assert set(actions(by_sid["InvokeSageMakerEndpoints"])) == {
        "sagemaker:InvokeEndpoint",
        "sagemaker:InvokeEndpointWithResponseStream",
    }
    assert sorted(resources(by_sid["InvokeSageMakerEndpoints"])) == [
        f"arn:{PARTITION}:sagemaker:us-east-1:{ACCOUNT}:endpoint/model-studio-mistral-7b-tgi",
        f"arn:{PARTITION}:sagemaker:us-east-1:{ACCOUNT}:endpoint/model-studio-qwen2-7b-vllm",
    ]
    assert set(actions(by_sid["InvokeBedrockModels"])) == {
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    }
    assert sorted(resources(by_sid["InvokeBedrockModels"])) == [
        f"arn:{PARTITION}:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
        f"arn:{PARTITION}:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        f"arn:{PARTITION}:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1",
        f"arn:{PARTITION}:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        f"arn:{PARTITION}:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0",
    ]


def test_prod_grants_no_sts_assume_role_anywhere(prod: Synthesized) -> None:
    # Given every statement of every policy in the prod stack
    for statement in _all_statements(prod):
        # Then none lets a principal assume a role (cross-account is dev-only)
        for action in as_list(statement["Action"]):
            assert not str(action).lower().startswith("sts:"), statement
            assert action != "*", statement
    assert "AssumeCrossAccountRoles" not in _by_sid(prod)


def test_dev_assumes_only_the_allowed_role_patterns(dev: Synthesized) -> None:
    statement = _by_sid(dev)["AssumeCrossAccountRoles"]
    assert actions(statement) == ["sts:AssumeRole"]
    assert resources(statement) == [f"arn:{PARTITION}:iam::111122223333:role/model-studio-invoke-*"]


def test_dev_extends_the_inventory_with_its_configured_patterns_only(dev: Synthesized) -> None:
    by_sid = _by_sid(dev)
    sagemaker = resources(by_sid["InvokeSageMakerEndpoints"])
    assert f"arn:{PARTITION}:sagemaker:us-west-2:{ACCOUNT}:endpoint/model-studio-*" in sagemaker
    assert all(":endpoint/model-studio-" in arn for arn in sagemaker)
    bedrock = resources(by_sid["InvokeBedrockModels"])
    assert f"arn:{PARTITION}:bedrock:us-east-1::foundation-model/anthropic.claude-*" in bedrock
    # No "any model" grant: every wildcard is preceded by a provider/family prefix
    for arn in bedrock:
        resource = arn.rsplit("/", 1)[1]
        assert not resource.startswith("*"), arn


def test_dev_may_read_what_discovery_reads_in_its_discovery_regions_only(dev: Synthesized) -> None:
    by_sid = _by_sid(dev)
    assert set(actions(by_sid["ListModelsForDiscovery"])) == DISCOVERY_LISTS
    describe = by_sid["DescribeEndpointsForDiscovery"]
    assert set(actions(describe)) == {
        "sagemaker:DescribeEndpoint",
        "sagemaker:DescribeEndpointConfig",
        "sagemaker:DescribeModel",
        "sagemaker:DescribeInferenceComponent",
    }
    assert sorted(resources(describe)) == sorted(
        f"arn:{PARTITION}:sagemaker:{region}:{ACCOUNT}:{kind}/*"
        for region in ("us-east-1", "us-west-2")
        for kind in ("endpoint", "endpoint-config", "model", "inference-component")
    )
    # (read-only: no Create/Update/Delete/Invoke among them)
    assert not any(a.split(":")[1].startswith(("Create", "Update", "Delete", "Put")) for a in actions(describe))
    # And the endpoints' tags only when Bedrock reads them listing Marketplace endpoints
    tags = by_sid["ReadMarketplaceEndpointsViaBedrock"]
    assert actions(tags) == ["sagemaker:ListTags"]
    assert tags["Condition"] == {"StringEquals": {"aws:CalledViaLast": ["bedrock.amazonaws.com"]}}


def test_prod_grants_nothing_discovery_would_use(prod: Synthesized) -> None:
    # Given prod, whose stage config does not enable discovery
    for statement in _all_statements(prod):
        for action in as_list(statement["Action"]):
            # Then no statement lets it list or describe endpoints or list Bedrock models
            assert action not in DISCOVERY_LISTS, statement
            assert not str(action).startswith(("sagemaker:Describe", "sagemaker:ListTags")), statement
    assert not {"ListModelsForDiscovery", "DescribeEndpointsForDiscovery", "ReadMarketplaceEndpointsViaBedrock"} & set(
        _by_sid(prod)
    )
