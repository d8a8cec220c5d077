"""cdk-nag AwsSolutions: nothing unsuppressed, and every suppression is reasoned and as narrow as it can be."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match

from infra.permissions import inference_grants
from tests.infra.cfn import resources, statements
from tests.infra.stage_stack import Synthesized


def _suppressions(synth: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, rule)
        for logical_id, resource in synth.json["Resources"].items()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]


def test_no_unsuppressed_aws_solutions_errors(synthesized: Synthesized) -> None:
    errors = synthesized.annotations.find_error("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [f"{e.id}: {e.entry.data}" for e in errors] == []


def test_no_unsuppressed_aws_solutions_warnings(synthesized: Synthesized) -> None:
    warnings = synthesized.annotations.find_warning("*", Match.string_like_regexp("AwsSolutions-.*"))
    assert [f"{w.id}: {w.entry.data}" for w in warnings] == []


def test_the_checks_ran_and_found_what_was_suppressed(synthesized: Synthesized) -> None:
    # Given the synthesized stack / Then the nag aspect ran: the reviewed findings are recorded as suppressed
    ids = {rule["id"] for _, rule in _suppressions(synthesized)}
    assert {"AwsSolutions-APIG4", "AwsSolutions-COG4", "AwsSolutions-IAM5", "AwsSolutions-CFR4"} <= ids


def test_every_suppression_gives_a_reason(synthesized: Synthesized) -> None:
    for logical_id, rule in _suppressions(synthesized):
        assert rule["id"].startswith("AwsSolutions-"), (logical_id, rule)
        assert len(rule["reason"]) >= 40, (logical_id, rule)


def test_unauthenticated_route_suppressions_cover_only_openapi(synthesized: Synthesized) -> None:
    openapi = synthesized.logical_id(synthesized.stack.api.methods[("GET", "/openapi.json")])
    holders = {
        logical_id
        for logical_id, rule in _suppressions(synthesized)
        if rule["id"] in {"AwsSolutions-APIG4", "AwsSolutions-COG4"}
    }
    assert holders == {openapi}


def test_inference_wildcards_are_suppressed_one_by_one_as_configured(synthesized: Synthesized) -> None:
    # Given the wildcard resources actually present in the inference policy
    role_id = synthesized.logical_id(synthesized.stack.inference.role)
    (policy_id,) = [
        k
        for k, p in synthesized.resources("AWS::IAM::Policy").items()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    policy = synthesized.json["Resources"][policy_id]
    in_policy = {
        "Resource::"
        + r.replace("${AWS::Partition}", "<AWS::Partition>").replace("${AWS::AccountId}", "<AWS::AccountId>")
        for s in statements(policy)
        for r in resources(s)
        if "*" in r
    }
    # When reading the IAM5 suppressions attached to that policy
    suppressed = {
        target
        for logical_id, rule in _suppressions(synthesized)
        if logical_id == policy_id and rule["id"] == "AwsSolutions-IAM5"
        for target in rule["applies_to"]
    }
    # Then each wildcard is named (no blanket IAM5 suppression), and nothing else is
    assert suppressed == in_policy
    assert "Resource::*" in suppressed  # X-Ray
    configured = {r for g in inference_grants(synthesized.config) for r in g.resources if "*" in r and r != "*"}
    assert len(in_policy) == len(configured) + 1  # and "*" (X-Ray, discovery's listings)


def test_prod_needs_no_suppression_for_its_user_pool(prod: Synthesized) -> None:
    pool_id = prod.logical_id(prod.stack.identity.user_pool)
    assert [rule["id"] for logical_id, rule in _suppressions(prod) if logical_id == pool_id] == ["AwsSolutions-COG2"]
