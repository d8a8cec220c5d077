"""Regression tests for the reference bypasses: shapes and names that try to slip past DESIGN §4."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.events import admin_claims, claims_with_groups, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.fakes.inventory import (
    ALLOWED_ROLE_ARN,
    ALLOWED_ROLE_PATTERN,
    DEFAULT_MODEL,
    ENDPOINT_MODEL,
    INVOKE_MODEL,
    model_config,
    runtime_settings,
)
from tests.unit.api.scenarios import PROMPT, save_body

PRIVILEGED_KWARGS: dict[str, Any] = {
    "EndpointName": "attacker-endpoint",
    "modelId": "anthropic.claude-3-opus-20240229-v1:0",
    "region": "cn-north-1",
    "endpoint_url": "https://evil.example.com",
    "credentials": {"aws_access_key_id": "AKIAEXAMPLEEXAMPLE", "aws_secret_access_key": "not-a-secret"},
    "RoleArn": "arn:aws:iam::999999999999:role/attacker",
}


def invoke(api: ApiHarness, body: dict[str, Any], claims: dict[str, Any] | None = None) -> Any:
    return api.call(rest_event("POST", "/invoke", claims=claims or admin_claims(), body=body))


# --- an override must be an object, never a JSON string holding one -------------------------------


@pytest.mark.parametrize(
    "override",
    [
        json.dumps({"model_kwargs": {"temperature": 0.1}}),
        json.dumps({"cross_account": {"role_arn": "arn:aws:iam::999999999999:role/attacker"}}),
        [{"model_kwargs": {}}],
        42,
        True,
    ],
    ids=["json-string", "json-string-cross-account", "array", "number", "boolean"],
)
@pytest.mark.parametrize("path", ["/invoke", "/models/validate"])
def test_an_override_that_is_not_an_object_is_refused_before_anything_else(
    api: ApiHarness, override: Any, path: str
) -> None:
    # Given an admin's request whose override is not a JSON object
    body = {"model_id": DEFAULT_MODEL, "prompt": PROMPT, "override": override}

    # When it is sent
    reply = api.call(rest_event("POST", path, claims=admin_claims(), body=body))

    # Then it is a 400 naming the override, and no model was called
    assert reply.status == 400
    assert reply.error == "validation_error"
    assert [d["path"] for d in reply.body["details"]] == ["override"]
    assert api.clients.upstream_activity == 0


def test_a_streamed_override_that_is_a_json_string_is_refused_before_the_first_byte(api: ApiHarness) -> None:
    # Given a streamed invoke whose override is a JSON string
    body = {"prompt": PROMPT, "stream": True, "override": json.dumps({"model_kwargs": {"temperature": 0.1}})}

    # When the stream is opened
    reply, _ = api.stream(rest_event("POST", "/invoke", claims=admin_claims(), body=body))

    # Then it answers 400 JSON naming the override, and nothing went upstream
    assert reply.status == 400
    assert reply.body["error"] == "validation_error"
    assert reply.body["details"][0]["path"] == "override"
    assert api.clients.upstream_activity == 0


# --- privileged names inside model_kwargs stay in the body -----------------------------------------


def test_privileged_keys_in_sagemaker_model_kwargs_never_reach_the_call_parameters(api: ApiHarness) -> None:
    # Given an admin's override that hides call parameters in a SageMaker model's kwargs
    body = {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": {"model_kwargs": PRIVILEGED_KWARGS}}

    # When it is invoked
    reply = invoke(api, body)

    # Then the call goes to the base model's endpoint and region, the keys travel only in the request body
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.operation == "InvokeEndpoint"
    assert set(call.params) == {"EndpointName", "ContentType", "Accept", "Body"}
    assert call.params["EndpointName"] == "llm-endpoint-prod"
    assert call.client.region == "eu-west-1"
    assert call.client.endpoint_url is None
    assert call.client.role_arn is None
    assert call.body["parameters"] == {"max_new_tokens": 128, "temperature": 0.2, **PRIVILEGED_KWARGS}


def test_privileged_keys_in_converse_model_kwargs_stay_in_the_additional_fields(api: ApiHarness) -> None:
    # Given the same kwargs on a Bedrock Converse model
    body = {"model_id": DEFAULT_MODEL, "prompt": PROMPT, "override": {"model_kwargs": PRIVILEGED_KWARGS}}

    # When it is invoked
    reply = invoke(api, body)

    # Then modelId, region and endpoint are the base model's; the keys are model request fields only
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.operation == "Converse"
    assert call.params["modelId"] == "anthropic.claude-3-haiku-20240307-v1:0"
    assert set(call.params) == {"modelId", "messages", "inferenceConfig", "additionalModelRequestFields"}
    assert call.params["additionalModelRequestFields"] == PRIVILEGED_KWARGS
    assert (call.client.region, call.client.endpoint_url, call.client.role_arn) == ("us-east-1", None, None)


def test_privileged_keys_in_invoke_model_kwargs_do_not_change_the_target(api: ApiHarness) -> None:
    # Given the same kwargs on a Bedrock InvokeModel model whose template does not use them
    body = {"model_id": INVOKE_MODEL, "prompt": PROMPT, "override": {"model_kwargs": PRIVILEGED_KWARGS}}

    # When it is invoked
    reply = invoke(api, body)

    # Then the call is addressed exactly as the base model says
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.operation == "InvokeModel"
    assert set(call.params) == {"modelId", "contentType", "accept", "body"}
    assert call.params["modelId"] == "amazon.titan-text-express-v1"
    assert (call.client.region, call.client.endpoint_url) == ("us-east-1", None)
    assert call.body == {"inputText": PROMPT, "textGenerationConfig": {"maxTokenCount": 256}}


@pytest.mark.parametrize("key", ["EndpointName", "Body", "ContentType", "Accept", "endpoint_url", "region"])
def test_endpoint_kwargs_outside_the_allow_list_are_refused_with_their_path(api: ApiHarness, key: str) -> None:
    # Given an override that tries to set a core call parameter through endpoint_kwargs
    override = {"provider": {"endpoint_kwargs": {key: "attacker"}}}

    # When it is invoked
    reply = invoke(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": override})

    # Then the 400 names the field, the invalid override is audited as an error, and nothing was called
    assert reply.status == 400
    assert reply.error == "validation_error"
    assert [d["path"] for d in reply.body["details"]] == [f"provider.endpoint_kwargs.{key}"]
    assert "cannot be set through endpoint_kwargs" in reply.body["details"][0]["message"]
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "validation_error")]
    assert api.clients.upstream_activity == 0


def test_allow_listed_endpoint_kwargs_reach_the_call_without_replacing_the_endpoint(api: ApiHarness) -> None:
    # Given an override with allow-listed endpoint kwargs
    override = {"provider": {"endpoint_kwargs": {"TargetVariant": "canary", "CustomAttributes": "trace=1"}}}

    # When it is invoked
    reply = invoke(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": override})

    # Then they are call parameters next to the base model's endpoint name
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.params["TargetVariant"] == "canary"
    assert call.params["CustomAttributes"] == "trace=1"
    assert call.params["EndpointName"] == "llm-endpoint-prod"


def test_saving_a_config_with_a_forbidden_endpoint_kwarg_names_the_path(api: ApiHarness) -> None:
    # Given a saved config that sets EndpointName through endpoint_kwargs
    config = model_config(ENDPOINT_MODEL, id="sneaky")
    config["provider"] = {**config["provider"], "endpoint_kwargs": {"EndpointName": "attacker-endpoint"}}

    # When it is saved
    reply = api.call(model_event("PUT", "sneaky", claims=admin_claims(), body={"config": config, "version": 0}))

    # Then it is a 400 at the JSON path of the field, and nothing is stored
    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == ["config.provider.endpoint_kwargs.EndpointName"]
    assert api.saved_models() == {}


# --- only exact membership of the configured admin group counts ------------------------------------

NOT_ADMIN_GROUPS = {
    "lower case": "administrators",
    "upper case": "ADMINISTRATORS",
    "trailing space": "Administrators ",
    "leading space": " Administrators",
    "zero-width space": "Administrators\u200b",
    "zero-width joiner inside": "Admin\u200distrators",
    "fullwidth A": "\uff21dministrators",
    "cyrillic A": "\u0410dministrators",
    "combining accent": "Administrators\u0301",
    "prefix": "Administrators-readonly",
    "substring": "Administrator",
    "json array of a look-alike": '["administrators"]',
    "json array with a space": '["Administrators "]',
    "json object": '{"Administrators": true}',
    "semicolon list": "Administrators;Users",
    "space-separated without brackets": "Administrators Users",
    "comma list of look-alikes": "Users,administrators",
    "empty": "",
}
ADMIN_GROUPS = {
    "exact": "Administrators",
    "comma list (REST authorizer)": "Users,Administrators",
    "comma list, admin first": "Administrators,Users",
    "bracketed list (HTTP API authorizer)": "[Users Administrators]",
    "json array": '["Users", "Administrators"]',
}


@pytest.mark.parametrize("groups", NOT_ADMIN_GROUPS.values(), ids=NOT_ADMIN_GROUPS.keys())
def test_look_alike_group_names_are_not_the_admin_group(api: ApiHarness, groups: str) -> None:
    # Given a caller whose groups claim only looks like the admin group
    claims = claims_with_groups(groups)

    # When they ask who they are, and send an override
    me = api.call(rest_event("GET", "/me", claims=claims))
    reply = invoke(api, {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0}}}, claims=claims)

    # Then they are not an admin: 403 admin_only, the denial audited, nothing called
    assert me.status == 200
    assert me.body["is_admin"] is False
    assert me.body["capabilities"] == {"overrides": False, "cross_account": False, "custom_bedrock_endpoints": False}
    assert reply.status == 403
    assert reply.rule == "admin_only"
    assert [(r["outcome"], r["rule"], r["actor"]) for r in api.audit()] == [("denied", "admin_only", "bob")]
    assert api.clients.upstream_activity == 0


@pytest.mark.parametrize("groups", ADMIN_GROUPS.values(), ids=ADMIN_GROUPS.keys())
def test_the_admin_group_counts_in_every_claim_serialization(api: ApiHarness, groups: str) -> None:
    # Given a caller whose groups claim holds exactly "Administrators" among others
    claims = claims_with_groups(groups)

    # When they send an override
    me = api.call(rest_event("GET", "/me", claims=claims))
    reply = invoke(api, {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0}}}, claims=claims)

    # Then they are an admin
    assert me.body["is_admin"] is True
    assert "Administrators" in me.body["groups"]
    assert reply.status == 200, reply.body
    assert len(api.clients.calls) == 1


def test_the_admin_group_name_comes_from_the_stage_config(make_api: Callable[..., ApiHarness]) -> None:
    # Given a stage whose admin group is "ModelAdmins"
    api = make_api(runtime=runtime_settings("dev", admin_group="ModelAdmins"))

    # When a member of "Administrators" and a member of "ModelAdmins" send an override
    body = {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0}}}
    default_admin = invoke(api, body, claims=admin_claims())
    stage_admin = invoke(api, body, claims=claims_with_groups("ModelAdmins"))

    # Then only the stage's admin group counts
    assert default_admin.status == 403
    assert default_admin.rule == "admin_only"
    assert stage_admin.status == 200, stage_admin.body
    assert len(api.clients.calls) == 1


def test_groups_in_another_claim_do_not_count(api: ApiHarness) -> None:
    # Given a caller without cognito:groups but with look-alike claims
    claims = {**claims_with_groups(None), "custom:groups": "Administrators", "groups": "Administrators"}

    # When they send an override
    reply = invoke(api, {"prompt": PROMPT, "override": {"model_kwargs": {}}}, claims=claims)

    # Then they are refused
    assert reply.status == 403
    assert reply.rule == "admin_only"
    assert api.clients.upstream_activity == 0


# --- cross-account roles: the stage's partition and patterns ---------------------------------------


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws-cn:iam::111122223333:role/model-studio-invoke-tests",
        "arn:aws-us-gov:iam::111122223333:role/model-studio-invoke-tests",
        "arn:aws-iso:iam::111122223333:role/model-studio-invoke-tests",
        "arn:aws:iam::444455556666:role/model-studio-invoke-tests",
        "arn:aws:iam::111122223333:role/admin",
        "arn:aws:iam::111122223333:role/model-studio-invoke",
        "arn:aws:iam::111122223333:role/Model-Studio-Invoke-tests",
    ],
    ids=["aws-cn", "aws-us-gov", "aws-iso", "other-account", "other-role", "prefix-only", "case"],
)
def test_a_role_outside_the_stage_partition_or_patterns_is_refused(api: ApiHarness, role_arn: str) -> None:
    # Given an admin's override with a role the dev stage does not allow
    body = {"prompt": PROMPT, "model_id": DEFAULT_MODEL, "override": {"cross_account": {"role_arn": role_arn}}}

    # When it is invoked
    reply = invoke(api, body)

    # Then it is 403 cross_account_role, audited with the role, and no role was assumed
    assert reply.status == 403
    assert reply.rule == "cross_account_role"
    (record,) = api.audit()
    assert (record["outcome"], record["rule"], record["role_arn"]) == ("denied", "cross_account_role", role_arn)
    assert api.clients.upstream_activity == 0


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:AWS:iam::111122223333:role/model-studio-invoke-tests",
        "arn:aws:iam::111122223333:role/model-studio-invoke-tests\n",
        "arn:aws:iam::11112222333:role/model-studio-invoke-tests",
        "arn:aws:iam::111122223333:user/model-studio-invoke-tests",
        "arn:aws:sts::111122223333:assumed-role/model-studio-invoke-tests/x",
    ],
    ids=["upper-partition", "newline", "short-account", "user", "assumed-role"],
)
def test_a_malformed_role_arn_is_a_validation_error(api: ApiHarness, role_arn: str) -> None:
    # Given an override whose role ARN is not an IAM role ARN
    body = {"prompt": PROMPT, "model_id": DEFAULT_MODEL, "override": {"cross_account": {"role_arn": role_arn}}}

    # When it is invoked
    reply = invoke(api, body)

    # Then it is a 400 at cross_account.role_arn, and no role was assumed
    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == ["cross_account.role_arn"]
    assert api.clients.upstream_activity == 0


def test_a_stage_in_another_partition_accepts_only_its_own_roles(make_api: Callable[..., ApiHarness]) -> None:
    # Given a dev stage running in aws-cn
    api = make_api(runtime=runtime_settings("dev", partition="aws-cn", allowed_role_arns=[]))
    china = "arn:aws-cn:iam::111122223333:role/model-studio-invoke-tests"

    # When an admin invokes with an aws-cn role and with an aws role
    allowed = invoke(api, {"prompt": PROMPT, "override": {"cross_account": {"role_arn": china}}})
    refused = invoke(api, {"prompt": PROMPT, "override": {"cross_account": {"role_arn": ALLOWED_ROLE_ARN}}})

    # Then only the stage's partition is accepted
    assert allowed.status == 200, allowed.body
    assert refused.status == 403
    assert refused.rule == "cross_account_role"
    assert api.clients.assumed_roles == [china]


def test_a_prod_stage_that_opts_in_accepts_matching_roles_only(make_api: Callable[..., ApiHarness]) -> None:
    # Given a prod stage whose config allows cross-account roles matching one pattern
    api = make_api(runtime=runtime_settings("prod", allow_cross_account=True, allowed_role_arns=[ALLOWED_ROLE_PATTERN]))

    # When an admin uses a matching and a non-matching role
    allowed = invoke(api, {"prompt": PROMPT, "override": {"cross_account": {"role_arn": ALLOWED_ROLE_ARN}}})
    other = "arn:aws:iam::111122223333:role/other"
    refused = invoke(api, {"prompt": PROMPT, "override": {"cross_account": {"role_arn": other}}})

    # Then the matching role is assumed (for that caller) and the other refused
    assert allowed.status == 200, allowed.body
    assert refused.rule == "cross_account_role"
    assert [(r.role_arn, r.caller) for r in api.clients.client_requests] == [(ALLOWED_ROLE_ARN, "ada-admin")]


# --- Bedrock endpoint_url: AWS hosts only unless the stage allows custom endpoints -----------------

REFUSED_HOSTS = [
    "https://evil.example.com",
    "https://bedrock-runtime.us-east-1.amazonaws.com.evil.io",
    "https://evil.io/bedrock-runtime.us-east-1.amazonaws.com",
    "https://xbedrock-runtime.us-east-1.amazonaws.com",
    "https://bedrock-runtime.us-east-1.amazonaws.co",
    "https://bedrock-runtime.us-east-1.amazonaws.com.",
    "https://s3.us-east-1.amazonaws.com",
    "https://bedrock-runtime.us-east-1.evil-amazonaws.com",
    "https://127.0.0.1:8443",
]
ACCEPTED_HOSTS = [
    "https://bedrock-runtime.us-east-1.amazonaws.com",
    "https://bedrock-runtime-fips.us-west-2.amazonaws.com",
    "https://vpce-0a1b2c3d4e5f6a7b8-abcdefgh.bedrock-runtime.us-east-1.vpce.amazonaws.com",
    "https://bedrock-runtime.cn-north-1.amazonaws.com.cn",
    "https://BEDROCK-RUNTIME.us-east-1.amazonaws.com",
]
MALFORMED_URLS = [
    "http://bedrock-runtime.us-east-1.amazonaws.com",
    "https://bedrock-runtime.us-east-1.amazonaws.com@evil.io",
    "https://bedrock-runtime.us-east-1.amazonaws.com\\@evil.io",
    "https://evil.io#bedrock-runtime.us-east-1.amazonaws.com",
    "https://evil.io?h=bedrock-runtime.us-east-1.amazonaws.com",
    "file:///etc/passwd",
]


def endpoint_override(url: str) -> dict[str, Any]:
    return {"prompt": PROMPT, "model_id": DEFAULT_MODEL, "override": {"provider": {"endpoint_url": url}}}


@pytest.mark.parametrize("url", REFUSED_HOSTS)
def test_a_custom_endpoint_host_is_refused(api: ApiHarness, url: str) -> None:
    # Given an admin's override pointing Bedrock at a host that is not an AWS Bedrock runtime endpoint
    # When it is invoked
    reply = invoke(api, endpoint_override(url))

    # Then it is 403 custom_endpoint, audited, and nothing was called
    assert reply.status == 403
    assert reply.rule == "custom_endpoint"
    assert [(r["outcome"], r["rule"]) for r in api.audit()] == [("denied", "custom_endpoint")]
    assert api.clients.upstream_activity == 0


@pytest.mark.parametrize("url", ACCEPTED_HOSTS)
def test_aws_regional_fips_and_vpce_endpoints_are_accepted(api: ApiHarness, url: str) -> None:
    # Given an admin's override pointing Bedrock at a real AWS endpoint form
    # When it is invoked
    reply = invoke(api, endpoint_override(url))

    # Then the call goes through that endpoint
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.client.endpoint_url == url


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_a_url_that_is_not_a_plain_https_host_is_a_validation_error(api: ApiHarness, url: str) -> None:
    # When an override sets an endpoint URL with userinfo, a fragment, a query or another scheme
    reply = invoke(api, endpoint_override(url))

    # Then it is a 400 at provider.endpoint_url
    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == ["provider.endpoint_url"]
    assert api.clients.upstream_activity == 0


def test_a_stage_that_allows_custom_endpoints_accepts_any_https_host(make_api: Callable[..., ApiHarness]) -> None:
    # Given a stage that allows custom Bedrock endpoints
    api = make_api(runtime=runtime_settings("dev", allow_custom_bedrock_endpoints=True))

    # When an admin points Bedrock at a custom host
    reply = invoke(api, endpoint_override("https://llm-gateway.example.com"))

    # Then the call goes there
    assert reply.status == 200, reply.body
    assert [c.client.endpoint_url for c in api.clients.calls] == ["https://llm-gateway.example.com"]


def test_the_policy_applies_to_stored_configs_not_only_to_overrides(api: ApiHarness) -> None:
    # Given a saved model with a custom endpoint (stored while another policy was in force)
    config = model_config(DEFAULT_MODEL, id="legacy-gateway", name="Legacy")
    config["provider"] = {**config["provider"], "endpoint_url": "https://evil.example.com"}
    api.seed_model(config)

    # When a plain user invokes it without any override
    reply = invoke(api, {"model_id": "legacy-gateway", "prompt": PROMPT}, claims=user_claims())

    # Then the effective config is refused: 403 custom_endpoint, audited, nothing called
    assert reply.status == 403
    assert reply.rule == "custom_endpoint"
    assert [(r["actor"], r["outcome"], r["model_id"]) for r in api.audit()] == [("bob", "denied", "legacy-gateway")]
    assert api.clients.upstream_activity == 0


# --- a plain user cannot reach the config through other fields -------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"model_kwargs": {"temperature": 2}},
        {"config": {"provider": {"type": "bedrock"}}},
        {"Override": {"model_kwargs": {}}},
        {"endpoint_url": "https://evil.example.com"},
        {"cross_account": {"role_arn": ALLOWED_ROLE_ARN}},
    ],
    ids=["model_kwargs", "config", "Override", "endpoint_url", "cross_account"],
)
def test_unknown_top_level_fields_are_refused(api: ApiHarness, extra: dict[str, Any]) -> None:
    # Given a plain user's invoke with an extra top-level field
    reply = invoke(api, {"prompt": PROMPT, **extra}, claims=user_claims())

    # Then it is a 400 naming the field, and nothing was called
    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == list(extra)
    assert api.clients.upstream_activity == 0


@pytest.mark.parametrize(
    ("extra", "status"),
    [({"override": {}}, 403), ({"debug": True}, 403), ({"override": None}, 200)],
    ids=["empty-override", "debug", "null-override"],
)
def test_an_empty_override_or_debug_is_still_admin_only(api: ApiHarness, extra: dict[str, Any], status: int) -> None:
    # When a plain user sends an empty override, asks for debug output, or sends override: null
    reply = invoke(api, {"prompt": PROMPT, **extra}, claims=user_claims())

    # Then an empty override and debug are refused; null means "no override"
    assert reply.status == status, reply.body
    assert len(api.clients.calls) == (1 if status == 200 else 0)
    if status == 403:
        assert reply.rule == "admin_only"


def test_saving_under_the_id_of_a_predefined_model_is_a_conflict(api: ApiHarness) -> None:
    # Given a save whose id is a model deployed with the app
    body = save_body(model_id=DEFAULT_MODEL)

    # When an admin saves it
    reply = api.call(model_event("PUT", DEFAULT_MODEL, claims=admin_claims(), body=body))

    # Then it is a 409 and nothing is stored; the attempt is audited as an error
    assert reply.status == 409
    assert reply.error == "conflict"
    assert api.saved_models() == {}
    assert [(r["action"], r["outcome"], r["error"]) for r in api.audit()] == [("save", "error", "conflict")]
