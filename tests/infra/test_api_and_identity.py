"""The REST API and the user pool: who may call what, and what API Gateway checks before the Lambda runs."""

from __future__ import annotations

from typing import Any

from lambdas.contract import routes
from tests.infra.cfn import render
from tests.infra.stage_stack import Synthesized

# The routes of DESIGN §3, as written here and not read from the contract the stack is built from.
EXPECTED_ROUTES = {
    ("GET", "/me"),
    ("GET", "/models"),
    ("GET", "/models/{model_id}"),
    ("PUT", "/models/{model_id}"),
    ("DELETE", "/models/{model_id}"),
    ("GET", "/models/{model_id}/versions"),
    ("GET", "/models/{model_id}/versions/{version}"),
    ("POST", "/models/validate"),
    ("POST", "/invoke"),
    ("POST", "/invoke/stream"),
    ("GET", "/audit"),
    ("GET", "/schema/model-config"),
    ("GET", "/openapi.json"),
    ("GET", "/discovery/sagemaker/endpoints"),
    ("GET", "/discovery/sagemaker/endpoints/{endpoint_name}"),
    ("GET", "/discovery/bedrock/models"),
    ("POST", "/discovery/probe"),
}


def _paths(synth: Synthesized) -> dict[str, str]:
    """Logical id of each API resource (and the root) -> its path."""
    api_id, _ = synth.only("AWS::ApiGateway::RestApi")
    resources = synth.resources("AWS::ApiGateway::Resource")
    root_ref = render({"Fn::GetAtt": [api_id, "RootResourceId"]})
    paths: dict[str, str] = {root_ref: ""}

    def path_of(logical_id: str) -> str:
        props = resources[logical_id]["Properties"]
        parent = render(props["ParentId"])
        parent_path = paths[parent] if parent in paths else path_of(parent.strip("${}"))
        return f"{parent_path}/{props['PathPart']}"

    for logical_id in resources:
        paths["${" + logical_id + "}"] = path_of(logical_id)
    return paths


def _methods(synth: Synthesized) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _paths(synth)
    return {
        (m["Properties"]["HttpMethod"], paths[render(m["Properties"]["ResourceId"])] or "/"): m["Properties"]
        for m in synth.resources("AWS::ApiGateway::Method").values()
    }


def test_every_route_of_the_design_exists_and_nothing_else(synthesized: Synthesized) -> None:
    # Given the synthesized stage / When listing its non-preflight methods
    routes = {key for key in _methods(synthesized) if key[0] != "OPTIONS"}
    # Then they are exactly the routes of DESIGN §3
    assert routes == EXPECTED_ROUTES


def test_every_method_requires_the_cognito_authorizer_except_openapi_and_cors_preflight(
    synthesized: Synthesized,
) -> None:
    # Given the stage's one authorizer
    authorizer_id, _ = synthesized.only("AWS::ApiGateway::Authorizer")
    for (verb, path), method in _methods(synthesized).items():
        # Then the only unauthenticated methods are GET /openapi.json and mock CORS preflights
        if verb == "OPTIONS":
            assert method["AuthorizationType"] == "NONE"
            assert method["Integration"]["Type"] == "MOCK", f"{verb} {path} must not reach the Lambda"
        elif (verb, path) == ("GET", "/openapi.json"):
            assert method["AuthorizationType"] == "NONE"
        else:
            assert method["AuthorizationType"] == "COGNITO_USER_POOLS", f"{verb} {path}"
            assert method["AuthorizerId"] == {"Ref": authorizer_id}, f"{verb} {path}"


def test_only_the_stream_route_streams_from_the_streaming_function_with_a_long_timeout(
    synthesized: Synthesized,
) -> None:
    # Given the two functions behind the API
    inference = synthesized.stack.inference
    buffered_arn = "${" + synthesized.logical_id(inference.function) + ".Arn}"
    streaming_arn = "${" + synthesized.logical_id(inference.stream_function) + ".Arn}"
    for (verb, path), method in _methods(synthesized).items():
        integration = method["Integration"]
        if verb == "OPTIONS":
            continue
        if (verb, path) == ("POST", "/invoke/stream"):
            # Then POST /invoke/stream invokes the streaming function with InvokeWithResponseStream
            assert integration["Type"] == "AWS_PROXY"
            assert integration["ResponseTransferMode"] == "STREAM"
            assert render(integration["Uri"]).endswith(
                f"/2021-11-15/functions/{streaming_arn}/response-streaming-invocations"
            )
            # And may run past API Gateway's 29 s (up to the function's own timeout, at most 15 minutes)
            timeout_ms = synthesized.config.stream.timeout_s * 1000
            assert integration["TimeoutInMillis"] == timeout_ms > 29_000
            assert timeout_ms <= 900_000
            assert method["AuthorizationType"] == "COGNITO_USER_POOLS"
        else:
            # And every other method is a buffered proxy to the buffered function, with the default timeout
            assert integration.get("ResponseTransferMode", "BUFFERED") == "BUFFERED", f"{verb} {path}"
            assert "TimeoutInMillis" not in integration, f"{verb} {path}"
            assert buffered_arn in render(integration["Uri"]), f"{verb} {path}"


def test_api_gateway_may_invoke_the_streaming_function_for_its_route_only(synthesized: Synthesized) -> None:
    stream_function = "${" + synthesized.logical_id(synthesized.stack.inference.stream_function) + ".Arn}"
    permissions = [
        p["Properties"]
        for p in synthesized.resources("AWS::Lambda::Permission").values()
        if render(p["Properties"]["FunctionName"]) == stream_function
    ]
    assert [p["Action"] for p in permissions] == ["lambda:InvokeFunction"]
    assert permissions[0]["Principal"] == "apigateway.amazonaws.com"
    assert render(permissions[0]["SourceArn"]).endswith("/POST/invoke/stream")


def test_authorizer_checks_id_tokens_from_the_stages_own_user_pool(synthesized: Synthesized) -> None:
    # Given the authorizer and the user pool
    _, authorizer = synthesized.only("AWS::ApiGateway::Authorizer")
    pool_id, _ = synthesized.only("AWS::Cognito::UserPool")
    props = authorizer["Properties"]
    # Then it validates the Authorization header against that pool (ID tokens: no OAuth scopes on methods)
    assert props["Type"] == "COGNITO_USER_POOLS"
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert [render(arn) for arn in props["ProviderARNs"]] == ["${" + pool_id + ".Arn}"]
    for method in synthesized.resources("AWS::ApiGateway::Method").values():
        assert "AuthorizationScopes" not in method["Properties"]


def test_methods_anyone_may_call_are_validated_admin_only_ones_are_left_to_the_function(
    synthesized: Synthesized,
) -> None:
    # Given the request validator and the body model
    validator_id, validator = synthesized.only("AWS::ApiGateway::RequestValidator")
    model_id, model = synthesized.only("AWS::ApiGateway::Model")
    assert validator["Properties"]["ValidateRequestBody"] is True
    assert validator["Properties"]["ValidateRequestParameters"] is True
    assert model["Properties"]["Schema"]["type"] == "object"
    methods = _methods(synthesized)
    admin_only = {(route.method, route.path) for route in routes() if route.admin_only}
    assert admin_only == {
        ("GET", "/audit"),
        ("POST", "/models/validate"),
        ("GET", "/models/{model_id}"),
        ("PUT", "/models/{model_id}"),
        ("DELETE", "/models/{model_id}"),
        ("GET", "/models/{model_id}/versions"),
        ("GET", "/models/{model_id}/versions/{version}"),
        ("GET", "/discovery/sagemaker/endpoints"),
        ("GET", "/discovery/sagemaker/endpoints/{endpoint_name}"),
        ("GET", "/discovery/bedrock/models"),
        ("POST", "/discovery/probe"),
    }
    # Then every other Lambda-backed method is validated, and the invokes require a JSON object body
    for (verb, path), method in methods.items():
        if verb != "OPTIONS" and (verb, path) not in admin_only:
            assert method["RequestValidatorId"] == {"Ref": validator_id}, f"{verb} {path}"
    for key in [("POST", "/invoke"), ("POST", "/invoke/stream")]:
        assert methods[key]["RequestModels"] == {"application/json": {"Ref": model_id}}
    # And no admin-only method is: API Gateway would answer a plain user's malformed body or missing parameter
    # 400 before the function refuses them 403 and audits the attempt (rule 6)
    for key in admin_only:
        assert not {"RequestValidatorId", "RequestModels", "RequestParameters"} & set(methods[key]), key


def test_discovery_methods_require_no_parameter_so_a_plain_user_gets_the_functions_403(
    synthesized: Synthesized,
) -> None:
    # Given the discovery methods (admins only: rule 6 decides before any validation, in the function)
    methods = _methods(synthesized)
    discovery = [key for key in methods if key[1].startswith("/discovery/") and key[0] != "OPTIONS"]
    assert sorted(discovery) == [
        ("GET", "/discovery/bedrock/models"),
        ("GET", "/discovery/sagemaker/endpoints"),
        ("GET", "/discovery/sagemaker/endpoints/{endpoint_name}"),
        ("POST", "/discovery/probe"),
    ]
    # Then API Gateway requires no parameter (not even the required region) and no body model: the function
    # answers a plain user 403 first, whatever the query or body
    for key in discovery:
        method = methods[key]
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS", key
        assert not {"RequestValidatorId", "RequestModels", "RequestParameters"} & set(method), key


def test_stage_logs_access_throttles_and_never_logs_bodies(synthesized: Synthesized) -> None:
    # Given the API stage and the stage config
    _, stage = synthesized.only("AWS::ApiGateway::Stage")
    props = stage["Properties"]
    settings = synthesized.config.api
    # Then access logs go to the API's log group, with the caller's sub and no request body
    log_group_id = synthesized.logical_id(synthesized.stack.api.access_logs)
    assert render(props["AccessLogSetting"]["DestinationArn"]).endswith(":log-group:${" + log_group_id + "}")
    assert "$context.authorizer.claims.sub" in props["AccessLogSetting"]["Format"]
    assert "requestBody" not in props["AccessLogSetting"]["Format"]
    assert props["TracingEnabled"] is True
    # And every method is throttled and logs errors without data tracing (no prompts in logs)
    (method_settings,) = props["MethodSettings"]
    assert method_settings["HttpMethod"] == "*"
    assert method_settings["ResourcePath"] == "/*"
    assert method_settings["DataTraceEnabled"] is False
    assert method_settings["LoggingLevel"] == "ERROR"
    assert method_settings["ThrottlingRateLimit"] == settings.throttle_rate_limit
    assert method_settings["ThrottlingBurstLimit"] == settings.throttle_burst_limit


def test_cors_allows_the_sites_origin_and_gateway_errors_carry_it(synthesized: Synthesized) -> None:
    # Given the CloudFront distribution of the stage
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    site_origin = "'https://${" + distribution_id + ".DomainName}'"
    # Then API Gateway's own 4xx/5xx (e.g. a 401 from the authorizer) are readable by the site
    responses = synthesized.resources("AWS::ApiGateway::GatewayResponse").values()
    assert {r["Properties"]["ResponseType"] for r in responses} == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses:
        origin = response["Properties"]["ResponseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"]
        assert render(origin) == site_origin
    # And preflights answer with the site's origin by default
    for (verb, _path), method in _methods(synthesized).items():
        if verb == "OPTIONS":
            (integration_response,) = method["Integration"]["IntegrationResponses"]
            allow_origin = integration_response["ResponseParameters"][
                "method.response.header.Access-Control-Allow-Origin"
            ]
            assert render(allow_origin) == site_origin


def test_user_pool_has_a_strong_password_policy_optional_totp_and_no_self_sign_up(synthesized: Synthesized) -> None:
    # Given the user pool
    _, pool = synthesized.only("AWS::Cognito::UserPool")
    props = pool["Properties"]
    password = props["Policies"]["PasswordPolicy"]
    # Then passwords are long and mixed, MFA is TOTP (optional here), and only admins create users
    assert password["MinimumLength"] >= 12
    assert all(password[k] for k in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"))
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    # A readable cognito:username (audit actor, STS session name), with the email as a sign-in alias
    assert props["AliasAttributes"] == ["email"]
    assert "UsernameAttributes" not in props


def test_prod_user_pool_enforces_threat_protection_and_is_protected_from_deletion(prod: Synthesized) -> None:
    _, pool = prod.only("AWS::Cognito::UserPool")
    assert pool["Properties"]["UserPoolTier"] == "PLUS"
    assert pool["Properties"]["UserPoolAddOns"] == {"AdvancedSecurityMode": "ENFORCED"}
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"
    assert pool["DeletionPolicy"] == "Retain"


def test_admin_group_has_the_name_the_runtime_checks(synthesized: Synthesized) -> None:
    # Given the group and the runtime settings bundled with the Lambda
    _, group = synthesized.only("AWS::Cognito::UserPoolGroup")
    # Then the group the resolver treats as admins is the one Cognito puts in the token
    assert group["Properties"]["GroupName"] == synthesized.config.policy.admin_group == "Administrators"


def test_spa_client_has_no_secret_and_supports_srp(synthesized: Synthesized) -> None:
    _, client = synthesized.only("AWS::Cognito::UserPoolClient")
    props = client["Properties"]
    assert props["GenerateSecret"] is False
    assert "ALLOW_USER_SRP_AUTH" in props["ExplicitAuthFlows"]
    assert "ALLOW_ADMIN_USER_PASSWORD_AUTH" not in props["ExplicitAuthFlows"]
    assert props["PreventUserExistenceErrors"] == "ENABLED"
    assert props["EnableTokenRevocation"] is True


def test_prod_client_accepts_srp_only(prod: Synthesized) -> None:
    # The UI signs in with SRP; dev also allows USER_PASSWORD_AUTH for CLI smoke tests (docs/deploy.md)
    _, client = prod.only("AWS::Cognito::UserPoolClient")
    assert sorted(client["Properties"]["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
