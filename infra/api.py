"""API: the REST API in front of the inference functions, Cognito-authorized except ``GET /openapi.json``.

Its methods are the operations of the API's committed OpenAPI document (``lambdas.contract``): the routes, their
query and path parameters, which take a JSON body, which are public and which stream are read from it, so the
gateway and the resolver cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.log_retention import log_retention
from infra.stage_config import ApiSettings
from lambdas.contract import CORS_ALLOW_HEADERS, CORS_MAX_AGE_S, ApiRoute, routes

STAGE_NAME = "v1"
ROUTES: tuple[ApiRoute, ...] = routes()

# Who called, what, and how it went; never bodies (prompts) or tokens.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "sub": "$context.authorizer.claims.sub",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latencyMs": "$context.responseLatency",
    "integrationLatencyMs": "$context.integration.latency",
    "integrationStatus": "$context.integration.status",
    "errorMessage": "$context.error.message",
    "xrayTraceId": "$context.xrayTraceId",
}


class Api(Construct):
    """One Lambda proxy integration per route; API Gateway checks the ID token, bodies are JSON objects."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        handler: lambda_.IFunction,
        stream_handler: lambda_.IFunction,
        stream_timeout_s: int,
        user_pool: cognito.IUserPool,
        cors_origins: Sequence[str],
        settings: ApiSettings,
        log_retention_days: int,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention(log_retention_days), removal_policy=removal_policy
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"model-studio-{stage}",
            description=f"model-studio {stage} API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=settings.throttle_rate_limit,
                throttling_burst_limit=settings.throttle_burst_limit,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=list(cors_origins),
                allow_methods=sorted({r.method for r in ROUTES} | {"OPTIONS"}),
                allow_headers=list(CORS_ALLOW_HEADERS),
                max_age=Duration.seconds(CORS_MAX_AGE_S),
            ),
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool], results_cache_ttl=Duration.minutes(5)
        )
        self.validator = self.rest_api.add_request_validator(
            "Validator", validate_request_body=True, validate_request_parameters=True
        )
        self.json_object = self.rest_api.add_model(
            "JsonObject",
            content_type="application/json",
            schema=apigw.JsonSchema(schema=apigw.JsonSchemaVersion.DRAFT4, type=apigw.JsonSchemaType.OBJECT),
        )
        self._cors_error_responses(cors_origins[0])
        buffered = apigw.LambdaIntegration(handler, allow_test_invoke=False)
        # InvokeWithResponseStream: API Gateway relays the function's chunks as they come, for up to 15 minutes
        # (the integration timeout, set to the function's), with a 5-minute idle timeout on a Regional endpoint.
        streamed = apigw.LambdaIntegration(
            stream_handler,
            allow_test_invoke=False,
            response_transfer_mode=apigw.ResponseTransferMode.STREAM,
            timeout=Duration.seconds(stream_timeout_s),
        )
        self.methods: dict[tuple[str, str], apigw.Method] = {
            (route.method, route.path): self._add_route(route, streamed if route.streamed else buffered)
            for route in ROUTES
        }

    @property
    def url(self) -> str:
        return self.rest_api.url

    def _add_route(self, route: ApiRoute, integration: apigw.Integration) -> apigw.Method:
        """An admin-only route has no gateway validation: API Gateway would answer a plain user's malformed request
        400 before the function could refuse it 403 and audit it (rule 6). The function validates it after that."""
        resource = self.rest_api.root.resource_for_path(route.path)
        validated = not route.admin_only
        parameters = {f"method.request.querystring.{name}": required for name, required in route.query.items()}
        parameters |= {f"method.request.path.{name}": True for name in route.path_parameters}
        return resource.add_method(
            route.method,
            integration,
            authorization_type=apigw.AuthorizationType.NONE if route.public else apigw.AuthorizationType.COGNITO,
            authorizer=None if route.public else self.authorizer,
            request_validator=self.validator if validated else None,
            request_parameters=(parameters if validated else None) or None,
            request_models={"application/json": self.json_object} if route.json_body and validated else None,
        )

    def _cors_error_responses(self, origin: str) -> None:
        """API Gateway's own 4xx/5xx (401 from the authorizer, 400 from validation) readable by the web app."""
        headers = {
            "Access-Control-Allow-Origin": f"'{origin}'",
            "Access-Control-Allow-Headers": "'" + ",".join(CORS_ALLOW_HEADERS) + "'",
            "Vary": "'Origin'",
        }
        for response_id, response_type in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.rest_api.add_gateway_response(response_id, type=response_type, response_headers=headers)
