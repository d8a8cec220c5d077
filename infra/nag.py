"""cdk-nag: every AwsSolutions finding this app accepts, with the reason, in one place.

Suppressions are attached to the one resource they concern (never stack-wide), and IAM5 wildcard
suppressions name each wildcard resource they accept (``applies_to``), so a new wildcard fails synth.
With ``@aws-cdk/core:annotationsInValidationReport`` an unsuppressed error fails ``cdk synth``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import CfnElement
from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo
from constructs import IConstruct

from infra.inference_function import LATEST_PYTHON
from infra.permissions import discovery_grants, inference_grants

if TYPE_CHECKING:
    from infra.stack import ModelStudioStack

NAG_PARTITION = "<AWS::Partition>"
NAG_ACCOUNT = "<AWS::AccountId>"
BUCKET_DEPLOYMENT_PREFIX = "Custom::CDKBucketDeployment"


def _suppress(construct: IConstruct, *suppressions: NagPackSuppression, children: bool = False) -> None:
    """Suppress on the construct's own CloudFormation resource, or on all its resources (a role and its policy)."""
    target = construct if children else (construct.node.default_child or construct)
    NagSuppressions.add_resource_suppressions(target, list(suppressions), apply_to_children=children)


def configured_wildcards(stack: ModelStudioStack) -> list[str]:
    """cdk-nag's rendering of every wildcard resource the stage config puts in the inference policy (a bare ``*``,
    for actions that support no resource-level permissions, is reviewed with X-Ray's)."""
    return [
        f"Resource::{arn}"
        for grant in inference_grants(stack.config)
        for arn in grant.wildcard_resources(partition=NAG_PARTITION, account=NAG_ACCOUNT)
        if arn != "*"
    ]


def suppress_reviewed_findings(stack: ModelStudioStack) -> None:
    _identity(stack)
    _inference(stack)
    _api(stack)
    _web(stack)


def _identity(stack: ModelStudioStack) -> None:
    pool = stack.identity.user_pool
    settings = stack.config.identity
    if settings.mfa == "optional":
        _suppress(
            pool,
            NagPackSuppression(
                id="AwsSolutions-COG2",
                reason="MFA is optional by product decision (TOTP, self-enrolled); a stage sets identity.mfa "
                "to 'required' to enforce it.",
            ),
        )
    if settings.threat_protection == "off":
        _suppress(
            pool,
            NagPackSuppression(
                id="AwsSolutions-COG8",
                reason="This stage keeps the Essentials feature plan (no threat-protection cost); prod sets "
                "identity.threat_protection to 'enforced', which selects the Plus plan.",
            ),
        )


def _inference(stack: ModelStudioStack) -> None:
    inference = stack.inference
    no_resource_level = (
        "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions "
        "(https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html)"
    )
    if discovery_grants(stack.config):
        no_resource_level += (
            ", nor do discovery's read-only listings (sagemaker:ListEndpoints/ListInferenceComponents, "
            "bedrock:List*Models/ListInferenceProfiles/ListMarketplaceModelEndpoints), which a condition limits to "
            "the stage's discovery regions (aws:RequestedRegion)"
        )
    role_findings = [
        NagPackSuppression(id="AwsSolutions-IAM5", reason=no_resource_level + ".", applies_to=["Resource::*"])
    ]
    wildcards = configured_wildcards(stack)
    if wildcards:
        role_findings.append(
            NagPackSuppression(
                id="AwsSolutions-IAM5",
                reason="Reviewed wildcard patterns from the stage config (iam.*, policy.allowed_role_arns, "
                "policy.discovery): endpoints/models an admin may reach at runtime, foundation models a cross-region "
                "inference profile may route to in any region, and the SageMaker resources discovery describes in its "
                "regions. Each pattern is listed here, so a new one fails synth.",
                applies_to=list(wildcards),
            )
        )
    _suppress(inference.role, *role_findings, children=True)
    if inference.runtime.name != LATEST_PYTHON.name:
        for function in (inference.function, inference.stream_function):
            _suppress(
                function,
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason=f"The stage pins {inference.runtime.name} (function.python_version): the build machine "
                    "has that CPython, so the package ships bytecode and is run before deploy (docs/deploy.md).",
                ),
            )


def _api(stack: ModelStudioStack) -> None:
    api = stack.api
    openapi = api.methods[("GET", "/openapi.json")]
    public_reason = (
        "GET /openapi.json is public by design: it serves the API description (no data, no model call) "
        "so tools can read it without a token; every other route uses the Cognito authorizer."
    )
    _suppress(
        openapi,
        NagPackSuppression(id="AwsSolutions-APIG4", reason=public_reason),
        NagPackSuppression(id="AwsSolutions-COG4", reason=public_reason),
    )
    role = api.rest_api.node.find_child("CloudWatchRole")  # created by RestApi(cloud_watch_role=True)
    _suppress(
        role,
        NagPackSuppression(
            id="AwsSolutions-IAM4",
            reason="API Gateway's account-level logging role uses the AWS-documented managed policy "
            "AmazonAPIGatewayPushToCloudWatchLogs; it is needed for execution logging (APIG6).",
            applies_to=[
                f"Policy::arn:{NAG_PARTITION}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            ],
        ),
    )
    _suppress(
        api.rest_api.deployment_stage,
        NagPackSuppression(
            id="AwsSolutions-APIG3",
            reason="No WAF web ACL: every route but /openapi.json needs a Cognito ID token, the stage is "
            "throttled (api.throttle_*), and model calls are limited by reserved concurrency.",
        ),
    )


def _web(stack: ModelStudioStack) -> None:
    distribution = stack.web.distribution
    _suppress(
        distribution,
        NagPackSuppression(
            id="AwsSolutions-CFR1",
            reason="The dev-settings UI is for the account's own admins wherever they are; no geo restriction.",
        ),
        NagPackSuppression(
            id="AwsSolutions-CFR2",
            reason="Static, public SPA files only (no data behind CloudFront); the API is authorized separately.",
        ),
        NagPackSuppression(
            id="AwsSolutions-CFR4",
            reason="Uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer security "
            "policy; attach a custom domain with an ACM certificate to enforce TLSv1.2_2021 (docs/deploy.md).",
        ),
    )
    site_bucket = stack.web.bucket.node.default_child
    if not isinstance(site_bucket, CfnElement):
        raise TypeError("the site bucket has no CloudFormation resource")
    for child in stack.node.children:
        if child.node.id.startswith(BUCKET_DEPLOYMENT_PREFIX):
            _suppress(
                child,
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason="CDK-managed BucketDeployment handler; its runtime is chosen by aws-cdk-lib.",
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM4",
                    reason="CDK-managed BucketDeployment handler uses AWSLambdaBasicExecutionRole for its logs.",
                    applies_to=[
                        f"Policy::arn:{NAG_PARTITION}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
                    ],
                ),
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason="CDK-managed BucketDeployment handler: copies objects from the CDK assets bucket into the "
                    "site bucket (object wildcards limited to those two buckets) and invalidates the distribution "
                    "(aws-cdk-lib grants cloudfront:CreateInvalidation on '*').",
                    applies_to=[
                        *(
                            f"Action::s3:{action}*"
                            for action in ("Abort", "DeleteObject", "GetBucket", "GetObject", "List")
                        ),
                        f"Resource::<{stack.get_logical_id(site_bucket)}.Arn>/*",
                        RegexAppliesTo(regex=r"/^Resource::arn:[^:]+:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/g"),
                        "Resource::*",
                    ],
                ),
                children=True,
            )
